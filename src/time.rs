//! Time: fixed-width timestamp parsing, zones, and RFC 3339 output.
//!
//! Hot formats write stamps like `2021-06-02 01:15:09`; parsing them digit by digit is
//! several times faster than `chrono`'s format-string parser. Civil dates convert to epoch
//! days with Howard Hinnant's `days_from_civil` algorithm. Zones come from `chrono-tz`;
//! naive stamps are resolved in the `--source-tz` zone (DST gaps and overlaps take the
//! earlier instant and are counted), and output hours and buckets use `--tz`.

use chrono::{NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;
use std::fmt;
use std::str::FromStr;

/// A wall-clock date and time as written in a source, without a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Civil {
    /// Year, e.g. 2021.
    pub year: i32,
    /// Month 1–12.
    pub month: u32,
    /// Day of month 1–31.
    pub day: u32,
    /// Hour 0–23.
    pub hour: u32,
    /// Minute 0–59.
    pub minute: u32,
    /// Second 0–59.
    pub second: u32,
    /// Microseconds 0–999,999.
    pub micros: u32,
    /// How many fractional digits the source wrote (0–6).
    pub frac_digits: u8,
}

impl Civil {
    /// A whole-second wall-clock reading.
    pub fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Civil {
        Civil {
            year,
            month,
            day,
            hour,
            minute,
            second,
            micros: 0,
            frac_digits: 0,
        }
    }
}

impl Civil {
    /// True when every field is in range (month lengths and leap years included).
    pub fn is_valid(&self) -> bool {
        (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60
            && self.micros < 1_000_000
    }

    /// Seconds since the epoch if this wall time were UTC.
    pub fn unix_seconds_as_utc(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// The same wall time at a UTC offset (seconds east), as a [`Timestamp`](crate::model::Timestamp).
    pub fn at_offset(&self, offset: i32) -> crate::model::Timestamp {
        let secs = self.unix_seconds_as_utc() - i64::from(offset);
        crate::model::Timestamp {
            micros: secs * 1_000_000 + i64::from(self.micros),
            offset: Some(offset),
            frac_digits: self.frac_digits,
        }
    }
}

/// Days in a month of a (proleptic Gregorian) year.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Gregorian leap year.
pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days since 1970-01-01 of a civil date (any year; no validation).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01: (year, month, day).
pub fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = y + i64::from(m <= 2);
    (
        year.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        m,
        d,
    )
}

/// Weekday of a day count since 1970-01-01, Monday = 0 … Sunday = 6.
pub fn weekday_from_days(days: i64) -> u32 {
    // 1970-01-01 was a Thursday (3).
    (days + 3).rem_euclid(7) as u32
}

/// Wall-clock fields of an instant at an offset: the inverse of [`Civil::at_offset`].
pub fn civil_from_micros(micros: i64, offset: i32) -> Civil {
    let local = micros.div_euclid(1_000_000) + i64::from(offset);
    let days = local.div_euclid(86_400);
    let sod = local.rem_euclid(86_400) as u32;
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: sod / 3600,
        minute: sod / 60 % 60,
        second: sod % 60,
        micros: micros.rem_euclid(1_000_000) as u32,
        frac_digits: 0,
    }
}

/// Parses exactly `N` ASCII digits at the start of `b`.
#[inline]
pub fn digits<const N: usize>(b: &[u8]) -> Option<u32> {
    if b.len() < N {
        return None;
    }
    let mut v = 0u32;
    for &c in &b[..N] {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u32::from(d);
    }
    Some(v)
}

/// Parses one or two ASCII digits; returns the value and how many bytes were used.
#[inline]
pub fn digits_1_2(b: &[u8]) -> Option<(u32, usize)> {
    let d0 = b.first()?.wrapping_sub(b'0');
    if d0 > 9 {
        return None;
    }
    match b.get(1).map(|c| c.wrapping_sub(b'0')) {
        Some(d1) if d1 <= 9 => Some((u32::from(d0) * 10 + u32::from(d1), 2)),
        _ => Some((u32::from(d0), 1)),
    }
}

/// Parses a fraction `.ffffff` (1 to 9 digits; digits past the sixth are truncated) at the
/// start of `b`. Returns (micros, digits kept, bytes used); no leading dot means (0, 0, 0).
#[inline]
pub fn fraction(b: &[u8]) -> (u32, u8, usize) {
    if b.first() != Some(&b'.') && b.first() != Some(&b',') {
        return (0, 0, 0);
    }
    let mut micros = 0u32;
    let mut n = 0usize;
    while n < 9 {
        match b.get(1 + n) {
            Some(c) if c.is_ascii_digit() => {
                if n < 6 {
                    micros = micros * 10 + u32::from(c - b'0');
                }
                n += 1;
            }
            _ => break,
        }
    }
    if n == 0 {
        return (0, 0, 0);
    }
    let kept = n.min(6);
    for _ in kept..6 {
        micros *= 10;
    }
    (micros, kept as u8, 1 + n)
}

/// Parses `YYYY-MM-DD` + one separator byte (space or `T`) + `HH:MM:SS` + optional fraction
/// at the start of `s`, validating every field. Returns the civil time and bytes used.
#[inline]
pub fn parse_ymd_hms(s: &[u8]) -> Option<(Civil, usize)> {
    if s.len() < 19
        || s[4] != b'-'
        || s[7] != b'-'
        || !(s[10] == b' ' || s[10] == b'T')
        || s[13] != b':'
        || s[16] != b':'
    {
        return None;
    }
    let (micros, frac_digits, used) = fraction(&s[19..]);
    let c = Civil {
        year: digits::<4>(s)? as i32,
        month: digits::<2>(&s[5..])?,
        day: digits::<2>(&s[8..])?,
        hour: digits::<2>(&s[11..])?,
        minute: digits::<2>(&s[14..])?,
        second: digits::<2>(&s[17..])?,
        micros,
        frac_digits,
    };
    c.is_valid().then_some((c, 19 + used))
}

/// Parses a UTC offset suffix: `Z`, `z`, `±HH:MM`, `±HHMM` or `±HH`. Returns (seconds east,
/// bytes used).
#[inline]
pub fn parse_offset_suffix(s: &[u8]) -> Option<(i32, usize)> {
    match s.first()? {
        b'Z' | b'z' => Some((0, 1)),
        sign @ (b'+' | b'-') => {
            let h = digits::<2>(&s[1..])?;
            let (m, used) = if s.get(3) == Some(&b':') {
                (digits::<2>(&s[4..])?, 6)
            } else if let Some(m) = digits::<2>(s.get(3..).unwrap_or(&[])) {
                (m, 5)
            } else {
                (0, 3)
            };
            if h > 23 || m > 59 {
                return None;
            }
            let secs = (h * 3600 + m * 60) as i32;
            Some((if *sign == b'-' { -secs } else { secs }, used))
        }
        _ => None,
    }
}

/// Parses a whole ISO-8601 / RFC 3339 stamp: `YYYY-MM-DD[T ]HH:MM:SS[.f][offset]`.
/// Returns the civil time, the offset if written, and the bytes used.
pub fn parse_iso(s: &[u8]) -> Option<(Civil, Option<i32>, usize)> {
    let (c, n) = parse_ymd_hms(s)?;
    match parse_offset_suffix(&s[n..]) {
        Some((off, m)) => Some((c, Some(off), n + m)),
        None => Some((c, None, n)),
    }
}

/// A time zone: UTC, a fixed offset, or an IANA zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// Coordinated Universal Time.
    Utc,
    /// A fixed offset in seconds east of UTC (`+08:00`).
    Fixed(i32),
    /// An IANA zone (`Asia/Shanghai`, `Europe/Moscow`).
    Named(Tz),
}

/// A zone name that is neither `UTC`, an offset like `+08:00`, nor an IANA zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown time zone {0:?}: expected UTC, an offset like +08:00, or an IANA name like Asia/Shanghai"
)]
pub struct UnknownZone(pub String);

impl FromStr for Zone {
    type Err = UnknownZone;

    fn from_str(s: &str) -> Result<Zone, UnknownZone> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("utc") || t.eq_ignore_ascii_case("z") || t == "Etc/UTC" {
            return Ok(Zone::Utc);
        }
        let b = t.as_bytes();
        let b = b
            .strip_prefix(b"UTC")
            .or_else(|| b.strip_prefix(b"GMT"))
            .unwrap_or(b);
        if matches!(b.first(), Some(b'+' | b'-')) {
            let off = match parse_offset_suffix(b) {
                Some((off, n)) if n == b.len() => Some(off),
                // `+8` or `-5`: whole hours, one digit.
                _ if b.len() == 2 => digits::<1>(&b[1..])
                    .map(|h| (h * 3600) as i32 * if b[0] == b'-' { -1 } else { 1 }),
                _ => None,
            };
            return off
                .map(|o| if o == 0 { Zone::Utc } else { Zone::Fixed(o) })
                .ok_or_else(|| UnknownZone(s.to_string()));
        }
        t.parse::<Tz>()
            .map(Zone::Named)
            .map_err(|_| UnknownZone(s.to_string()))
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Utc => f.write_str("UTC"),
            Zone::Fixed(o) => {
                let sign = if *o < 0 { '-' } else { '+' };
                let a = o.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", a / 3600, a / 60 % 60)
            }
            Zone::Named(tz) => f.write_str(tz.name()),
        }
    }
}

/// How a naive wall time was placed in a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Exactly one instant has this wall time.
    Exact,
    /// The wall time occurs twice (clocks went back); the earlier instant was taken.
    Ambiguous,
    /// The wall time never occurs (clocks went forward); the earlier candidate was taken.
    Skipped,
}

impl Zone {
    /// The offset (seconds east) in force at an instant.
    pub fn offset_at(&self, unix_secs: i64) -> i32 {
        match self {
            Zone::Utc => 0,
            Zone::Fixed(o) => *o,
            Zone::Named(tz) => match chrono::DateTime::from_timestamp(unix_secs, 0) {
                Some(dt) => tz
                    .offset_from_utc_datetime(&dt.naive_utc())
                    .fix()
                    .local_minus_utc(),
                None => 0,
            },
        }
    }

    /// The instant of a wall time in this zone: the offset used, and how it was placed.
    pub fn place(&self, c: &Civil) -> (i32, Placement) {
        match self {
            Zone::Utc => (0, Placement::Exact),
            Zone::Fixed(o) => (*o, Placement::Exact),
            Zone::Named(tz) => {
                let naive = NaiveDate::from_ymd_opt(c.year, c.month, c.day)
                    .and_then(|d| d.and_hms_opt(c.hour, c.minute, c.second));
                let Some(naive) = naive else {
                    return (0, Placement::Exact);
                };
                match tz.from_local_datetime(&naive) {
                    chrono::LocalResult::Single(dt) => {
                        (dt.offset().fix().local_minus_utc(), Placement::Exact)
                    }
                    chrono::LocalResult::Ambiguous(a, b) => {
                        let (oa, ob) = (
                            a.offset().fix().local_minus_utc(),
                            b.offset().fix().local_minus_utc(),
                        );
                        // The earlier instant has the larger offset.
                        (oa.max(ob), Placement::Ambiguous)
                    }
                    chrono::LocalResult::None => {
                        let wall = c.unix_seconds_as_utc();
                        let before = self.offset_at(wall - 86_400);
                        let after = self.offset_at(wall + 86_400);
                        (before.max(after), Placement::Skipped)
                    }
                }
            }
        }
    }
}

/// Resolves naive wall times in one zone, remembering the offset of the last local hour so
/// a run of stamps in the same hour costs one zone lookup, and the epoch day of the last
/// date so a run of stamps on the same day costs no calendar arithmetic. Cheap to create;
/// one per chunk.
#[derive(Debug)]
pub struct Resolver {
    zone: Zone,
    hour_key: i64,
    hour_offset: i32,
    /// The last (year, month, day) converted and its [`days_from_civil`] times 86,400.
    day_key: (i32, u32, u32),
    day_secs: i64,
    /// How many stamps fell in a DST gap or overlap (the earlier instant was taken).
    pub adjusted: u64,
}

impl Resolver {
    /// A resolver for naive stamps written in `zone`.
    pub fn new(zone: Zone) -> Resolver {
        Resolver {
            zone,
            hour_key: i64::MIN,
            hour_offset: 0,
            // 1970-01-01 is day 0, so the cache starts out true.
            day_key: (1970, 1, 1),
            day_secs: 0,
            adjusted: 0,
        }
    }

    /// [`Civil::unix_seconds_as_utc`], with the date's epoch day cached: chat logs write
    /// many stamps per day, and `days_from_civil` is a pure function of the date, so a
    /// cached value is exactly the computed one.
    #[inline]
    fn wall_seconds(&mut self, c: &Civil) -> i64 {
        let key = (c.year, c.month, c.day);
        if key != self.day_key {
            self.day_key = key;
            self.day_secs = days_from_civil(c.year, c.month, c.day) * 86_400;
        }
        self.day_secs + i64::from(c.hour) * 3600 + i64::from(c.minute) * 60 + i64::from(c.second)
    }

    /// The zone naive stamps are read in.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// The instant of a naive wall time (fields must be valid; see [`Civil::is_valid`]).
    #[inline]
    pub fn resolve(&mut self, c: &Civil) -> crate::model::Timestamp {
        let wall = self.wall_seconds(c);
        // What `c.at_offset(offset)` computes, from the cached wall seconds.
        let at = |offset: i32| crate::model::Timestamp {
            micros: (wall - i64::from(offset)) * 1_000_000 + i64::from(c.micros),
            offset: Some(offset),
            frac_digits: c.frac_digits,
        };
        let offset = match self.zone {
            Zone::Utc => {
                let mut t = at(0);
                t.offset = None;
                return t;
            }
            Zone::Fixed(o) => o,
            Zone::Named(_) => {
                let key = wall.div_euclid(3600);
                if key == self.hour_key {
                    self.hour_offset
                } else {
                    let (off, placement) = self.zone.place(c);
                    if placement == Placement::Exact {
                        // Cache the hour only when its first and last second agree.
                        let mut start = *c;
                        start.minute = 0;
                        start.second = 0;
                        let mut end = *c;
                        end.minute = 59;
                        end.second = 59;
                        let a = self.zone.place(&start);
                        let b = self.zone.place(&end);
                        if a == (off, Placement::Exact) && b == (off, Placement::Exact) {
                            self.hour_key = key;
                            self.hour_offset = off;
                        }
                    } else {
                        self.adjusted += 1;
                    }
                    off
                }
            }
        };
        at(offset)
    }
}

/// Converts instants to a zone's offsets, remembering the last quarter hour (transitions
/// happen on quarter hours in every current zone, and a miss is merely a lookup).
#[derive(Debug, Clone)]
pub struct OffsetCache {
    zone: Zone,
    slot: i64,
    offset: i32,
}

impl OffsetCache {
    /// A cache for `zone`.
    pub fn new(zone: Zone) -> OffsetCache {
        OffsetCache {
            zone,
            slot: i64::MIN,
            offset: 0,
        }
    }

    /// The zone.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// The offset in force at `micros` since the epoch.
    #[inline]
    pub fn offset(&mut self, micros: i64) -> i32 {
        match self.zone {
            Zone::Utc => 0,
            Zone::Fixed(o) => o,
            Zone::Named(_) => {
                let secs = micros.div_euclid(1_000_000);
                let slot = secs.div_euclid(900);
                if slot != self.slot {
                    let a = self.zone.offset_at(slot * 900);
                    let b = self.zone.offset_at(slot * 900 + 899);
                    if a == b {
                        self.slot = slot;
                        self.offset = a;
                    } else {
                        self.slot = i64::MIN;
                        return self.zone.offset_at(secs);
                    }
                }
                self.offset
            }
        }
    }
}

/// Appends an RFC 3339 stamp for `micros` at `offset` with `frac_digits` fractional digits
/// (0–6); offset 0 is written `Z` when `utc_z` is set, else `+00:00`.
pub fn write_rfc3339(out: &mut Vec<u8>, micros: i64, offset: i32, frac_digits: u8, utc_z: bool) {
    let c = civil_from_micros(micros, offset);
    let mut b = [0u8; 32];
    let year = c.year;
    let mut n = 0;
    if (0..=9999).contains(&year) {
        put_digits(&mut b[n..], year as u32, 4);
        n += 4;
    } else {
        // Out of RFC 3339's range: write the year as is (rare; corrupt epoch fields).
        let s = year.to_string();
        out.extend_from_slice(s.as_bytes());
    }
    b[n] = b'-';
    put_digits(&mut b[n + 1..], c.month, 2);
    b[n + 3] = b'-';
    put_digits(&mut b[n + 4..], c.day, 2);
    b[n + 6] = b'T';
    put_digits(&mut b[n + 7..], c.hour, 2);
    b[n + 9] = b':';
    put_digits(&mut b[n + 10..], c.minute, 2);
    b[n + 12] = b':';
    put_digits(&mut b[n + 13..], c.second, 2);
    n += 15;
    n += put_tail(&mut b[n..], c.micros, frac_digits, offset, utc_z);
    out.extend_from_slice(&b[..n]);
}

/// Writes RFC 3339 stamps like [`write_rfc3339`], remembering the date of the last one:
/// a sorted stream writes many stamps per day, and the calendar arithmetic is then skipped.
#[derive(Clone, Debug)]
pub struct StampWriter {
    days: i64,
    date: [u8; 10],
}

impl Default for StampWriter {
    fn default() -> StampWriter {
        StampWriter {
            days: i64::MIN,
            date: [0; 10],
        }
    }
}

impl StampWriter {
    /// Appends the stamp of `micros` at `offset` (see [`write_rfc3339`]).
    #[inline]
    pub fn write(
        &mut self,
        out: &mut Vec<u8>,
        micros: i64,
        offset: i32,
        frac_digits: u8,
        utc_z: bool,
    ) {
        let local = micros.div_euclid(1_000_000) + i64::from(offset);
        let days = local.div_euclid(86_400);
        if days != self.days {
            let (y, m, d) = civil_from_days(days);
            if !(0..=9999).contains(&y) {
                write_rfc3339(out, micros, offset, frac_digits, utc_z);
                return;
            }
            put_digits(&mut self.date[0..4], y as u32, 4);
            self.date[4] = b'-';
            put_digits(&mut self.date[5..7], m, 2);
            self.date[7] = b'-';
            put_digits(&mut self.date[8..10], d, 2);
            self.days = days;
        }
        let sod = local.rem_euclid(86_400) as u32;
        let mut b = [0u8; 32];
        b[..10].copy_from_slice(&self.date);
        b[10] = b'T';
        put_digits(&mut b[11..13], sod / 3600, 2);
        b[13] = b':';
        put_digits(&mut b[14..16], sod / 60 % 60, 2);
        b[16] = b':';
        put_digits(&mut b[17..19], sod % 60, 2);
        let mut n = 19;
        n += put_tail(
            &mut b[n..],
            micros.rem_euclid(1_000_000) as u32,
            frac_digits,
            offset,
            utc_z,
        );
        out.extend_from_slice(&b[..n]);
    }
}

/// Writes the end of an RFC 3339 stamp into `b`: `.ffffff` cut to `frac_digits` (none for 0),
/// then `Z` (UTC with `utc_z`) or `±HH:MM`. Returns the bytes written (at most 13).
#[inline]
fn put_tail(b: &mut [u8], micros: u32, frac_digits: u8, offset: i32, utc_z: bool) -> usize {
    let mut n = 0;
    let fd = frac_digits.min(6) as usize;
    if fd > 0 {
        b[0] = b'.';
        let mut frac = [0u8; 6];
        put_digits(&mut frac, micros, 6);
        b[1..1 + fd].copy_from_slice(&frac[..fd]);
        n += 1 + fd;
    }
    if offset == 0 && utc_z {
        b[n] = b'Z';
        n += 1;
    } else {
        b[n] = if offset < 0 { b'-' } else { b'+' };
        let a = offset.unsigned_abs();
        put_digits(&mut b[n + 1..n + 3], a / 3600, 2);
        b[n + 3] = b':';
        put_digits(&mut b[n + 4..n + 6], a / 60 % 60, 2);
        n += 6;
    }
    n
}

#[inline]
fn put_digits(out: &mut [u8], mut v: u32, width: usize) {
    for i in (0..width).rev() {
        out[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Parses a `--from`/`--to` bound: a date `YYYY-MM-DD` (start of that day) or a full stamp,
/// read in `zone` unless it carries an offset. Returns microseconds since the epoch.
pub fn parse_bound(s: &str, zone: Zone) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() == 10 {
        let mut full = b.to_vec();
        full.extend_from_slice(b" 00:00:00");
        let (c, _) = parse_ymd_hms(&full)?;
        return Some(Resolver::new(zone).resolve(&c).micros);
    }
    let (c, off, n) = parse_iso(b)?;
    if n != b.len() {
        return None;
    }
    Some(match off {
        Some(o) => c.at_offset(o).micros,
        None => Resolver::new(zone).resolve(&c).micros,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn civil(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Civil {
        Civil::at(y, mo, d, h, mi, s)
    }

    #[test]
    fn days_from_civil_round_trips_across_four_centuries() {
        for days in (-200_000i64..200_000).step_by(37) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn parse_ymd_hms_reads_fraction_and_rejects_bad_fields() {
        let (c, n) = parse_ymd_hms(b"2021-03-04T09:12:44.512093 rest").unwrap();
        assert_eq!((c.micros, c.frac_digits, n), (512_093, 6, 26));
        assert!(parse_ymd_hms(b"2021-13-04 09:12:44").is_none());
        assert!(parse_ymd_hms(b"2021-02-29 09:12:44").is_none());
        assert!(parse_ymd_hms(b"2020-02-29 09:12:44").is_some());
        assert!(parse_ymd_hms(b"2021-02-28 24:00:00").is_none());
        assert!(parse_ymd_hms(b"2021-02-2").is_none());
    }

    #[test]
    fn rfc3339_output_keeps_source_precision() {
        let (c, off, _) = parse_iso(b"2022-05-26T23:19:27.384-04:00").unwrap();
        let t = c.at_offset(off.unwrap());
        let mut out = Vec::new();
        write_rfc3339(&mut out, t.micros, 0, t.frac_digits, true);
        assert_eq!(out, b"2022-05-27T03:19:27.384Z");
        out.clear();
        write_rfc3339(&mut out, t.micros, 8 * 3600, 0, true);
        assert_eq!(out, b"2022-05-27T11:19:27+08:00");
    }

    #[test]
    fn stamp_writer_matches_write_rfc3339_across_days_offsets_and_precisions() {
        let mut w = StampWriter::default();
        let mut t = -86_400_000_000i64 * 800;
        while t < 86_400_000_000i64 * 30_000 {
            for (off, frac, z) in [
                (0, 0, true),
                (28_800, 3, false),
                (-19_800, 6, false),
                (0, 6, false),
            ] {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                w.write(&mut a, t, off, frac, z);
                write_rfc3339(&mut b, t, off, frac, z);
                assert_eq!(a, b, "t={t} off={off}");
            }
            t += 3_721_123_457;
        }
    }

    #[test]
    fn zones_parse_from_names_and_offsets() {
        assert_eq!("UTC".parse::<Zone>().unwrap(), Zone::Utc);
        assert_eq!("+08:00".parse::<Zone>().unwrap(), Zone::Fixed(28_800));
        assert_eq!("-0530".parse::<Zone>().unwrap(), Zone::Fixed(-19_800));
        assert_eq!("UTC+3".parse::<Zone>().unwrap(), Zone::Fixed(10_800));
        assert!(matches!(
            "Asia/Shanghai".parse::<Zone>().unwrap(),
            Zone::Named(_)
        ));
        assert!("Mars/Olympus".parse::<Zone>().is_err());
        assert!("+25:00".parse::<Zone>().is_err());
    }

    #[test]
    fn dst_gap_and_overlap_take_the_earlier_instant_and_are_counted() {
        let ny: Zone = "America/New_York".parse().unwrap();
        let mut r = Resolver::new(ny);
        // 2021-03-14 02:30 does not exist in New York (EST -5 → EDT -4).
        let t = r.resolve(&civil(2021, 3, 14, 2, 30, 0));
        assert_eq!(
            t.micros / 1_000_000,
            civil(2021, 3, 14, 6, 30, 0).unix_seconds_as_utc()
        );
        // 2021-11-07 01:30 happens twice; the first is EDT (-4).
        let t = r.resolve(&civil(2021, 11, 7, 1, 30, 0));
        assert_eq!(
            t.micros / 1_000_000,
            civil(2021, 11, 7, 5, 30, 0).unix_seconds_as_utc()
        );
        assert_eq!(r.adjusted, 2);
        // An ordinary hour is exact and cached.
        let t = r.resolve(&civil(2021, 7, 1, 12, 0, 0));
        assert_eq!(t.offset, Some(-4 * 3600));
        assert_eq!(r.adjusted, 2);
    }

    #[test]
    fn resolver_day_cache_gives_what_at_offset_gives() {
        let ny: Zone = "America/New_York".parse().unwrap();
        for zone in [Zone::Utc, Zone::Fixed(-19_800), ny] {
            let mut r = Resolver::new(zone);
            // Same day twice, day changes forward and back, 1970-01-01 (the cache's start).
            for (y, mo, d, h) in [
                (1970, 1, 1, 5),
                (2021, 7, 1, 12),
                (2021, 7, 1, 13),
                (2021, 7, 2, 0),
                (1969, 12, 31, 23),
                (1970, 1, 1, 0),
            ] {
                let mut c = civil(y, mo, d, h, 7, 9);
                c.micros = 250_000;
                c.frac_digits = 3;
                let want = match zone {
                    Zone::Utc => crate::model::Timestamp {
                        offset: None,
                        ..c.at_offset(0)
                    },
                    z => c.at_offset(z.place(&c).0),
                };
                assert_eq!(r.resolve(&c), want, "{zone} {c:?}");
            }
        }
    }

    #[test]
    fn moscow_offset_follows_its_history() {
        let msk: Zone = "Europe/Moscow".parse().unwrap();
        let mut cache = OffsetCache::new(msk);
        // Summer 2010: MSD +4; 2012: permanent +4; 2015: +3.
        let at = |c: Civil| c.unix_seconds_as_utc() * 1_000_000;
        assert_eq!(cache.offset(at(civil(2010, 7, 1, 0, 0, 0))), 4 * 3600);
        assert_eq!(cache.offset(at(civil(2010, 12, 1, 0, 0, 0))), 3 * 3600);
        assert_eq!(cache.offset(at(civil(2012, 12, 1, 0, 0, 0))), 4 * 3600);
        assert_eq!(cache.offset(at(civil(2015, 12, 1, 0, 0, 0))), 3 * 3600);
    }

    #[test]
    fn parse_bound_reads_dates_in_the_zone() {
        let z: Zone = "+08:00".parse().unwrap();
        assert_eq!(
            parse_bound("2021-06-02", z).unwrap(),
            (civil(2021, 6, 1, 16, 0, 0).unix_seconds_as_utc()) * 1_000_000
        );
        assert!(parse_bound("2021-06-32", z).is_none());
    }
}
