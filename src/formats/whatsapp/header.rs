//! The WhatsApp header grammar: a line start is read part by part, each part with every
//! spelling phones write, so that any combination of parts reads, listed or not.
//!
//! ```text
//! header   = marks ["[" marks] (date between time | time between date) [meridiem] close
//! marks    = { U+200E | U+200F | U+FEFF | U+061C | U+202A..U+202E | U+2066..U+2069 }
//! date     = num sep [" "] num sep [" "] num ["."]      sep: one of / . - (the same twice)
//!          | D " " Mon [" " YYYY] | Mon " " D [", " YYYY]   (Mon: Jan … Dec; old Android)
//! between  = ", " | " " | "، " | " klo "               (marks allowed around each)
//! time     = [before] H (":" | ".") MM [(same) SS]     before: 上午 下午 午前 午後 오전 오후
//! meridiem = space (a|p)[.][space](m)[.] | space ص | space م | space ق.ظ. | …
//! close    = "] " (after "[") | " - " | ": " (time with seconds) | " " (date ending in ".",
//!            time with seconds, then `Name: `)
//! num      = 1 to 4 digits: ASCII, Arabic-Indic (٠-٩), extended (Persian ۰-۹), or a
//!            Japanese era year (`R4`, `H30`); a last four-digit field may end in ` BE`
//!            (Buddhist era: minus 543)
//! ```
//!
//! Everything is read from the bytes in place: no allocation, no backtracking beyond a
//! handful of bytes.

/// A header-shaped line: the date fields as written (order not yet decided).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Head {
    /// The three date fields in written order.
    pub f: [u32; 3],
    /// Their digit counts.
    pub len: [u8; 3],
    /// The date separator.
    pub sep: u8,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// `Some(true)` for PM, `Some(false)` for AM, `None` for a 24-hour clock.
    pub pm: Option<bool>,
    /// Where the text after the header starts in the line.
    pub text: usize,
    /// Whether the time comes before the date (`[21:25:15, 13/6/2018] `, and WhatsApp
    /// Desktop's `[6:48 AM, 5/3/2021] ` copies).
    pub time_first: bool,
}

impl Head {
    /// Whether the month is a name (`18 Mar 12:14 - `, `Mar 5, 8:11 PM - `, `19:23, 28 Aug
    /// 2013 - `): then `f` is day, month, year in that order, and `len[2]` is 0 when no year
    /// is written. Named dates have no separator: `sep` is a space.
    #[inline]
    pub fn named(&self) -> bool {
        self.sep == b' '
    }

    /// The header's layout, one of four: date or time first, numeric or named month.
    #[inline]
    pub fn layout(&self) -> u8 {
        u8::from(self.time_first) | u8::from(self.named()) << 1
    }
}

/// Length of an invisible mark at `i`: LRM, RLM, ALM, BOM, the directional embeddings and
/// overrides (U+202A..U+202E) and isolates (U+2066..U+2069).
#[inline]
fn mark(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        0xE2 => match (*b.get(i + 1)?, *b.get(i + 2)?) {
            (0x80, 0x8E | 0x8F | 0xAA..=0xAE) | (0x81, 0xA6..=0xA9) => Some(3),
            _ => None,
        },
        0xEF if b.get(i + 1) == Some(&0xBB) && b.get(i + 2) == Some(&0xBF) => Some(3),
        0xD8 if b.get(i + 1) == Some(&0x9C) => Some(2),
        _ => None,
    }
}

/// `i` past any invisible marks.
#[inline]
fn marks(b: &[u8], mut i: usize) -> usize {
    // Most lines start with an ASCII digit or `[`: one compare skips the table.
    while b.get(i).is_some_and(|&c| c >= 0xD8)
        && let Some(n) = mark(b, i)
    {
        i += n;
    }
    i
}

/// One digit at `i`: (value, its length in bytes). ASCII, Arabic-Indic (U+0660..U+0669) and
/// extended Arabic-Indic (U+06F0..U+06F9).
#[inline]
fn digit(b: &[u8], i: usize) -> Option<(u32, usize)> {
    let c = *b.get(i)?;
    if c.is_ascii_digit() {
        return Some((u32::from(c - b'0'), 1));
    }
    let d = *b.get(i + 1)?;
    match (c, d) {
        (0xD9, 0xA0..=0xA9) => Some((u32::from(d - 0xA0), 2)),
        (0xDB, 0xB0..=0xB9) => Some((u32::from(d - 0xB0), 2)),
        _ => None,
    }
}

/// Up to `max` digits at `i`: (value, digit count, end), at least one digit.
#[inline]
fn num(b: &[u8], mut i: usize, max: usize) -> Option<(u32, u8, usize)> {
    let mut v = 0u32;
    let mut n = 0u8;
    while usize::from(n) < max {
        match digit(b, i) {
            Some((d, w)) => {
                v = v * 10 + d;
                n += 1;
                i += w;
            }
            None => break,
        }
    }
    (n > 0).then_some((v, n, i))
}

/// Length of a space, U+00A0 or U+202F at `i`.
#[inline]
pub(super) fn space_like(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b' ' => Some(1),
        0xC2 if b.get(i + 1) == Some(&0xA0) => Some(2),
        0xE2 if b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0xAF) => Some(3),
        _ => None,
    }
}

/// The AM/PM markers written before the time, with whether each means PM.
const MARKERS_BEFORE: [(&str, bool); 6] = [
    ("上午", false),
    ("下午", true),
    ("午前", false),
    ("午後", true),
    ("오전", false),
    ("오후", true),
];

/// Non-Latin AM/PM markers written after the time (after a space), with whether each means
/// PM: Arabic `ص`/`م`, Persian `ق.ظ.`/`ب.ظ.`, Greek `π.μ.`/`μ.μ.`.
const MARKERS_AFTER: [(&str, bool); 6] = [
    ("ق.ظ.", false),
    ("ب.ظ.", true),
    ("ص", false),
    ("م", true),
    ("π.μ.", false),
    ("μ.μ.", true),
];

/// A marker from `list` at `i`: (pm, its length in bytes).
#[inline]
fn marker_in(list: &[(&str, bool)], b: &[u8], i: usize) -> Option<(bool, usize)> {
    let rest = b.get(i..)?;
    if rest.first().is_none_or(|c| c.is_ascii()) {
        return None;
    }
    list.iter()
        .find(|(m, _)| rest.starts_with(m.as_bytes()))
        .map(|(m, pm)| (*pm, m.len()))
}

/// An AM/PM marker at `i` (with its leading space): (pm, end).
#[inline]
fn meridiem(b: &[u8], i: usize) -> Option<(bool, usize)> {
    let mut i = i + space_like(b, i)?;
    i = marks(b, i);
    if let Some((pm, n)) = marker_in(&MARKERS_AFTER, b, i) {
        return ends_word(b, i + n).then_some((pm, i + n));
    }
    let pm = match b.get(i)? {
        b'a' | b'A' => false,
        b'p' | b'P' => true,
        _ => return None,
    };
    i += 1;
    if b.get(i) == Some(&b'.') {
        i += 1;
    }
    if let Some(n) = space_like(b, i) {
        i += n;
    }
    if !matches!(b.get(i), Some(b'm' | b'M')) {
        return None;
    }
    i += 1;
    if b.get(i) == Some(&b'.') {
        i += 1;
    }
    ends_word(b, i).then_some((pm, i))
}

/// Whether a marker ending at `i` is a word of its own (`9:25 Amy: x` holds no `am`).
#[inline]
fn ends_word(b: &[u8], i: usize) -> bool {
    match b.get(i) {
        None | Some(b' ' | b']' | b'\r' | b'-' | b':' | b',') => true,
        Some(_) => mark(b, i).is_some() || space_like(b, i).is_some(),
    }
}

/// A date as read: (fields, digit counts, separator, ends with a `.`, end).
type Date = ([u32; 3], [u8; 3], u8, bool, usize);

/// A date field at `i`: up to four digits, or a Japanese era year ([`era_year`]).
#[inline(always)]
fn field(b: &[u8], i: usize) -> Option<(u32, u8, usize)> {
    match num(b, i, 4) {
        Some(f) => Some(f),
        None => era_year(b, i),
    }
}

/// A Japanese era year as iOS writes it with the Japanese calendar (`R4` is Reiwa 4, 2022;
/// `H30` is Heisei 30, 2018), read as the Gregorian year with four digits.
#[cold]
#[inline(never)]
fn era_year(b: &[u8], i: usize) -> Option<(u32, u8, usize)> {
    let base = match b.get(i) {
        Some(b'R') => 2018,
        Some(b'H') => 1988,
        _ => return None,
    };
    let (y, _, end) = num(b, i + 1, 2)?;
    (y > 0).then_some((base + y, 4, end))
}

/// `d` with its Buddhist-era suffix read (` BE` after a four-digit last field, as iOS writes
/// `3/18/2565 BE` with the Buddhist calendar: the year minus 543), if one follows it. Tried
/// only where what follows a date is not what a header needs, so that ordinary headers pay
/// nothing for it.
#[cold]
#[inline(never)]
fn buddhist(b: &[u8], mut d: Date) -> Option<Date> {
    if d.1[2] != 4 || d.2 == b' ' {
        return None;
    }
    d.4 = buddhist_era(b, d.4)?;
    d.0[2] = d.0[2].saturating_sub(543);
    Some(d)
}

/// `i` past a Buddhist-era suffix (` BE`), if one is there.
#[inline(always)]
fn buddhist_era(b: &[u8], i: usize) -> Option<usize> {
    // Most dates go on with `,` or `]`: one compare.
    if b.get(i) != Some(&b' ') {
        return None;
    }
    (b.get(i + 1..i + 3) == Some(b"BE") && matches!(b.get(i + 3), Some(b',' | b' ' | b']')))
        .then_some(i + 3)
}

/// The English month abbreviation old Android exports write (`18 Mar`, `Mar 5`) at `i`, as
/// a word of its own: (month, end).
#[inline]
fn month(b: &[u8], i: usize) -> Option<(u32, usize)> {
    let m = match b.get(i..i + 3)? {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    };
    (!b.get(i + 3).is_some_and(u8::is_ascii_alphanumeric)).then_some((m, i + 3))
}

/// A four-digit year at `i` that is not the start of a time: (year, end).
#[inline]
fn year(b: &[u8], i: usize) -> Option<(u32, usize)> {
    let (y, n, end) = num(b, i, 4)?;
    (n == 4 && !matches!(b.get(end), Some(b':' | b'.' | b'0'..=b'9'))).then_some((y, end))
}

/// A date with the month's name (old Android exports): `18 Mar`, `28 Aug 2013`, `Mar 5`,
/// `Mar 5, 2014`, read as day, month, year (0 with length 0 when not written).
#[inline]
fn named_date(b: &[u8], i: usize) -> Option<Date> {
    let (day, nd, m, mut i) = if b.get(i).is_some_and(u8::is_ascii_digit) {
        let (day, nd, j) = num(b, i, 2)?;
        if b.get(j) != Some(&b' ') {
            return None;
        }
        let (m, j) = month(b, j + 1)?;
        (day, nd, m, j)
    } else {
        // The initials of the months: most text starts otherwise.
        if !matches!(
            b.get(i),
            Some(b'A' | b'D' | b'F' | b'J' | b'M' | b'N' | b'O' | b'S')
        ) {
            return None;
        }
        let (m, j) = month(b, i)?;
        if b.get(j) != Some(&b' ') {
            return None;
        }
        let (day, nd, j) = num(b, j + 1, 2)?;
        (day, nd, m, j)
    };
    let mut y = (0, 0);
    let gap = match b.get(i) {
        Some(b' ') => 1,
        Some(b',') if b.get(i + 1) == Some(&b' ') => 2,
        _ => 0,
    };
    if gap > 0
        && let Some((v, end)) = year(b, i + gap)
    {
        y = (v, 4);
        i = end;
    }
    Some(([day, m, y.0], [nd, 2, y.1], b' ', false, i))
}

/// A date at `i`.
#[inline]
fn date(b: &[u8], i: usize) -> Option<Date> {
    let (f0, n0, mut i) = field(b, i)?;
    i = marks(b, i);
    let sep = *b.get(i)?;
    if !matches!(sep, b'/' | b'.' | b'-') {
        return None;
    }
    i += 1;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let (f1, n1, j) = field(b, marks(b, i))?;
    i = marks(b, j);
    if b.get(i) != Some(&sep) {
        return None;
    }
    i += 1;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let (f2, n2, mut i) = field(b, marks(b, i))?;
    let len = [n0, n1, n2];
    // At most one four-digit field (the year), no three-digit field.
    let fours = len.iter().filter(|&&n| n == 4).count();
    if fours > 1 || len.contains(&3) {
        return None;
    }
    let mut dot = false;
    if sep == b'.' && b.get(i) == Some(&b'.') {
        dot = true;
        i += 1;
    }
    Some(([f0, f1, f2], len, sep, dot, i))
}

/// A time at `i`, with a marker before it: (hour, minute, second, has seconds, pm, end).
#[inline]
fn time(b: &[u8], mut i: usize) -> Option<(u32, u32, u32, bool, Option<bool>, usize)> {
    let mut pm = None;
    if let Some((p, n)) = marker_in(&MARKERS_BEFORE, b, i) {
        pm = Some(p);
        i += n;
        if let Some(n) = space_like(b, i) {
            i += n;
        }
    }
    let (hour, _, j) = num(b, i, 2)?;
    let tsep = *b.get(j)?;
    if !matches!(tsep, b':' | b'.') {
        return None;
    }
    let (minute, nm, mut i) = num(b, j + 1, 2)?;
    if nm != 2 {
        return None;
    }
    let mut second = 0;
    let mut secs = false;
    if b.get(i) == Some(&tsep)
        && let Some((s, 2, end)) = num(b, i + 1, 2)
    {
        second = s;
        secs = true;
        i = end;
    }
    Some((hour, minute, second, secs, pm, i))
}

/// `i` past what stands between a date and a time (`, `, `، `, ` klo `, a space).
#[inline]
fn between(b: &[u8], i: usize) -> Option<usize> {
    let i = marks(b, i);
    let i = match *b.get(i)? {
        b',' => i + 1,
        0xD8 if b.get(i + 1) == Some(&0x8C) => i + 2,
        b' ' if b.get(i + 1..i + 5) == Some(b"klo ") => return Some(i + 5),
        _ => i,
    };
    let i = marks(b, i);
    let n = space_like(b, i)?;
    Some(marks(b, i + n))
}

/// The time of day of a header, as read: hour, minute, second, whether seconds were
/// written, and AM/PM when a marker said so.
type Clock = (u32, u32, u32, bool, Option<bool>);

/// The date and time of a header, as read, and where it ends.
struct Stamp {
    date: Date,
    clock: Clock,
    end: usize,
}

/// `date between time` at `i`.
#[inline]
fn date_first(b: &[u8], i: usize) -> Option<Stamp> {
    let mut d = date(b, i).or_else(|| named_date(b, i))?;
    let (hour, minute, second, secs, pm, end) = match between(b, d.4).and_then(|at| time(b, at)) {
        Some(t) => t,
        None => {
            d = buddhist(b, d)?;
            time(b, between(b, d.4)?)?
        }
    };
    Some(Stamp {
        date: d,
        clock: (hour, minute, second, secs, pm),
        end,
    })
}

/// `time between date` at `i` (Vietnamese: `[21:25:15, 13/6/2018] `).
#[inline]
fn time_first(b: &[u8], i: usize) -> Option<Stamp> {
    let (hour, minute, second, secs, mut pm, mut end) = time(b, i)?;
    if pm.is_none()
        && let Some((p, e)) = meridiem(b, end)
    {
        pm = Some(p);
        end = e;
    }
    let at = between(b, end)?;
    let d = date(b, at).or_else(|| named_date(b, at))?;
    let d = buddhist(b, d).unwrap_or(d);
    let end = d.4;
    Some(Stamp {
        date: d,
        clock: (hour, minute, second, secs, pm),
        end,
    })
}

/// The strict header at the start of `b` (one line without its `\n`), if any.
#[inline]
pub(super) fn head(b: &[u8]) -> Option<Head> {
    let mut i = marks(b, 0);
    let bracket = b.get(i) == Some(&b'[');
    if bracket {
        i = marks(b, i + 1);
    }
    let (
        Stamp {
            date: (f, len, sep, dot, _),
            clock: (hour, minute, second, secs, mut pm),
            end,
        },
        time_first,
    ) = match date_first(b, i) {
        Some(s) => (s, false),
        None => (self::time_first(b, i)?, true),
    };
    i = end;
    if pm.is_none()
        && let Some((p, end)) = meridiem(b, i)
    {
        pm = Some(p);
        i = end;
    }
    i = marks(b, i);
    if bracket {
        if b.get(i) != Some(&b']') {
            return None;
        }
        i = marks(b, i + 1);
        i += space_like(b, i)?;
    } else {
        match (b.get(i), b.get(i + 1)) {
            (Some(b' '), Some(b'-')) => {
                i += 2;
                i = marks(b, i);
                i += space_like(b, i)?;
            }
            (Some(b':'), Some(b' ')) if secs => i += 2,
            // `13. 6. 2018. 21:25:15 Name: text`: only with a `Name: ` after it.
            (Some(b' '), _) if dot && secs => {
                i += 1;
                let rest = b.get(i..)?;
                let colon = memchr::memchr(b':', rest)?;
                if colon == 0 || rest.get(colon + 1).is_some_and(|&c| c != b' ') {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(Head {
        f,
        len,
        sep,
        hour,
        minute,
        second,
        pm,
        text: i,
        time_first,
    })
}

/// Whether a line starts with something date-like: after invisible marks and an optional
/// `[`, digits followed by a date or time separator and another digit (`12/`, `2018.`,
/// `21:25`). Used to tell a WhatsApp export in a layout nobody reads yet from other text.
pub(super) fn date_like(b: &[u8]) -> bool {
    let mut i = marks(b, 0);
    if b.get(i) == Some(&b'[') {
        i = marks(b, i + 1);
    }
    let Some((_, _, j)) = num(b, i, 4) else {
        return false;
    };
    let j = marks(b, j);
    if !matches!(b.get(j), Some(b'/' | b'.' | b'-' | b':')) {
        return false;
    }
    let k = if b.get(j + 1) == Some(&b' ') {
        j + 2
    } else {
        j + 1
    };
    digit(b, marks(b, k)).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buddhist_and_japanese_era_years_read_as_gregorian() {
        for (l, f) in [
            ("[3/18/2565 BE, 14:56:01] A: a", [3, 18, 2022]),
            ("[18/3/2567 BE, 14:56:01] A: a", [18, 3, 2024]),
            ("[3/18/R4, 14:56:01] A: a", [3, 18, 2022]),
            ("[3/18/H30, 14:56:01] A: a", [3, 18, 2018]),
        ] {
            let h = head(l.as_bytes()).unwrap_or_else(|| panic!("{l:?}"));
            assert_eq!((h.f, h.len[2]), (f, 4), "{l:?}");
            assert_eq!(&l[h.text..], "A: a");
        }
        // ` BE` only after a four-digit year and before the time; no era without its year.
        for l in [
            "[3/18/22 BE, 14:56:01] A: a",
            "[3/18/2565 BEE, 14:56:01] A: a",
            "[3/18/R, 14:56:01] A: a",
            "[3/18/R0, 14:56:01] A: a",
            "[3/18/X4, 14:56:01] A: a",
        ] {
            assert!(head(l.as_bytes()).is_none(), "{l:?}");
        }
    }

    #[test]
    fn arabic_indic_digits_read_in_every_part() {
        let l = "١٣/٠١/١٠, ٠:٠٠ - A: a";
        assert!(date(l.as_bytes(), 0).is_some(), "date");
        let h = head(l.as_bytes()).expect("head");
        assert_eq!((h.f, h.hour, h.minute), ([13, 1, 10], 0, 0));
        assert_eq!(&l[h.text..], "A: a");
    }
}
