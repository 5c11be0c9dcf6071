//! `irc`: IRC client and bouncer logs, in three dialects decided per file by its first
//! recognisable line.
//!
//! **irssi** (`~/irclogs/libera/#chan.log`):
//! ```text
//! --- Log opened Wed Jan 01 00:00:12 2014
//! 00:01 <@alice> text
//! 00:02  * bob waves
//! 00:03 -!- carol [~c@host] has joined #chan
//! --- Day changed Thu Jan 02 2014
//! ```
//! The date comes only from `--- Log opened WWW MMM DD HH:MM:SS YYYY` and
//! `--- Day changed WWW MMM DD YYYY` lines (`--- Log closed` is skipped); the same lines
//! with two dashes (`-- Log opened …`, seen in a hand-edited log) are read alike, and a
//! file that starts with one is sniffed a little lower than one with irssi's three. Lines are `HH:MM`
//! (or `HH:MM:SS`) + space + `<nick> text` (a message; one mode character `@+%~&` or space
//! before the nick is dropped), ` * nick text` (an action: a message from nick whose body is
//! `* nick text`, as the channel saw it), `-!- event` (a system row) or anything else (a
//! system row with that text: notices, client messages). A message line before any date line
//! has no date: one problem per chunk, and such lines are skipped.
//!
//! **WeeChat** (`irc.libera.#chan.weechatlog`): `YYYY-MM-DD HH:MM:SS<TAB>prefix<TAB>text`.
//! The prefix `-->`, `<--`, `--`, `=!=` or empty is a system row, ` *` an action (body
//! `* text`), anything else is the nick (a mode character dropped).
//!
//! **ZNC** (`<network>/<#chan>/<YYYY-MM-DD>.log` or `<user>_<network>_<#chan>_<YYYYMMDD>.log`):
//! `[HH:MM:SS] <nick> text`, `[HH:MM:SS] * nick text` (action, body `* nick text`),
//! `[HH:MM:SS] *** Joins: …` (system), `[HH:MM:SS] -nick- text` (a notice: a message from
//! nick). The date comes only from the file name; a ZNC log whose name holds no date is one
//! problem and nothing else.
//!
//! **All**: sender = the nick; for system rows, the nick the event is about when the event
//! text starts with `nick [`/`nick (` (after `Joins: `, `Parts: `, `Quits: `), or with a
//! nick change or topic change (`nick is now known as …`, `nick changed the topic …`,
//! `nick has changed topic …`, `nick changes topic …`), else empty.
//! Channel = from the file name: irssi `#chan.log` → `#chan`; WeeChat `irc.net.#chan.weechatlog`
//! → `#chan`; ZNC the folder (`…/#chan/2021-08-13.log`) or the third `_` field
//! (`user_net_#chan_20210813.log`). Stamps are naive, in `--source-tz`. Lines that fit no
//! shape are one problem per run of them (a file with no IRC line at all is one problem).
//! Each line's `\r` is dropped; blank lines are skipped.
//!
//! **Splitting**: every line is a record, so chunks may start at any recognised line; irssi
//! files are split at day lines where one is near, and the survey records the date in force
//! at every day line so a chunk starting mid-day knows it; irssi is never split before the
//! first day line.

use std::borrow::Cow;

use super::scan::{
    in_force_at, line_at_or_after, line_end, line_problem, next_line_where, strip_cr,
};
use memchr::memmem;

use super::{About, Chunk, Format, Hint, ParseCtx, Sink, Survey, SurveyEnv, file_name};
use crate::model::{Kind, Message, Problem};
use crate::time::{Civil, digits, digits_1_2, parse_ymd_hms};

/// The `irc` format.
#[derive(Debug, Clone, Copy)]
pub struct Irc;

/// Which client wrote a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// irssi: `HH:MM <nick> text`, dates from `--- Day changed` lines.
    Irssi,
    /// WeeChat: `YYYY-MM-DD HH:MM:SS\tnick\ttext`.
    WeeChat,
    /// ZNC: `[HH:MM:SS] <nick> text`, the date from the file name.
    Znc,
}

/// A calendar date.
type Date = (i32, u32, u32);

/// One classified line.
#[derive(Debug, Clone, Copy)]
enum Line<'t> {
    /// An irssi `--- Log opened` / `--- Day changed` line.
    Date(Date),
    /// A line that is skipped (`--- Log closed`).
    Skip,
    /// A record: its time of day (or full stamp for WeeChat) and content.
    Rec(Rec<'t>),
}

/// A message line's rest after its `<`: `nick> body` (the nick without its mode sign); None
/// when the nick is empty or holds a space.
fn angle_rec(civil: Civil, r: &str) -> Option<Rec<'_>> {
    let close = find_gt_space(r).or_else(|| r.strip_suffix('>').map(|x| x.len()))?;
    let nick = strip_mode(&r[..close]);
    if nick.is_empty() || nick.contains(' ') {
        return None;
    }
    Some(Rec::message(civil, nick, r.get(close + 2..).unwrap_or("")))
}

#[derive(Debug, Clone, Copy)]
struct Rec<'t> {
    /// Full stamp (WeeChat) or time of day with a placeholder date.
    civil: Civil,
    sender: &'t str,
    body: &'t str,
    kind: Kind,
    /// WeeChat action: the body needs a `* ` in front.
    star: bool,
}

impl<'t> Rec<'t> {
    /// A line someone wrote.
    fn message(civil: Civil, sender: &'t str, body: &'t str) -> Self {
        Rec {
            civil,
            sender,
            body,
            kind: Kind::Message,
            star: false,
        }
    }

    /// A join, part, mode or other server line, credited to `sender` (empty when nobody).
    fn system(civil: Civil, sender: &'t str, body: &'t str) -> Self {
        Rec {
            kind: Kind::System,
            ..Rec::message(civil, sender, body)
        }
    }
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn time_civil(h: u32, m: u32, s: u32) -> Civil {
    Civil::at(2000, 1, 1, h, m, s)
}

/// Drops one IRC mode character in front of a nick.
#[inline]
fn strip_mode(nick: &str) -> &str {
    match nick.as_bytes().first() {
        Some(b'@' | b'+' | b'%' | b'~' | b'&' | b' ') if nick.len() > 1 => &nick[1..],
        _ => nick,
    }
}

/// The first `> ` in `s`: what `s.find("> ")` returns, found with memchr. Every `> ` starts
/// with a `>`, so trying each `>` in order finds the first one; a nick is short, so the
/// first `>` is nearly always it (a substring search costs more to set up than this).
#[inline]
fn find_gt_space(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(i) = b.get(from..).and_then(|r| memchr::memchr(b'>', r)) {
        let p = from + i;
        if b.get(p + 1) == Some(&b' ') {
            return Some(p);
        }
        from = p + 1;
    }
    None
}

/// What follows the nick in the events that name who did them without a bracket: a nick
/// change (irssi `bob is now known as carol`, WeeChat and ZNC alike) and a topic change
/// (irssi `changed the topic of`, WeeChat `has changed topic for`, ZNC `changes topic to`).
const DONE_BY: [&str; 4] = [
    " is now known as ",
    " changed the topic ",
    " has changed topic ",
    " changes topic ",
];

/// The nick an event is about: the first word when `nick [` or `nick (` follows, or one of
/// [`DONE_BY`].
fn actor(event: &str) -> &str {
    let e = ["Joins: ", "Parts: ", "Quits: "]
        .iter()
        .find_map(|p| event.strip_prefix(p))
        .unwrap_or(event);
    match e.find(' ') {
        Some(n)
            if n > 0
                && (matches!(e.as_bytes().get(n + 1), Some(b'[' | b'('))
                    || DONE_BY.iter().any(|d| e[n..].starts_with(d)))
                && !e[..n].contains(['/', '#', ':']) =>
        {
            &e[..n]
        }
        _ => "",
    }
}

/// `Www Mmm DD` at the start of `b`: the month and day, and the bytes used.
fn weekday_month_day(b: &[u8]) -> Option<(u32, u32, usize)> {
    if b.len() < 9 || b[3] != b' ' || b[7] != b' ' || !b[..3].iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let month = MONTHS.iter().position(|m| &b[4..7] == m.as_slice())? as u32 + 1;
    let (day, n) = digits_1_2(&b[8..])?;
    Some((month, day, 8 + n))
}

/// `--- Log opened …`, `--- Log closed …`, `--- Day changed …` (irssi).
fn irssi_dashes(l: &str) -> Option<Line<'_>> {
    // irssi writes three dashes; two were seen in a hand-edited log. Either is taken only
    // with the full stamp after it, so no other line can pass for one.
    let b = l.as_bytes();
    let b = b.strip_prefix(b"---").or_else(|| b.strip_prefix(b"--"))?;
    let (rest, closed, with_time) = if let Some(r) = b.strip_prefix(b" Log opened ") {
        (r, false, true)
    } else if let Some(r) = b.strip_prefix(b" Log closed ") {
        (r, true, true)
    } else if let Some(r) = b.strip_prefix(b" Day changed ") {
        (r, false, false)
    } else {
        return None;
    };
    let (month, day, mut i) = weekday_month_day(rest)?;
    if with_time {
        let t = rest.get(i..i + 9)?;
        if t[0] != b' ' || t[3] != b':' || t[6] != b':' {
            return None;
        }
        digits::<2>(&t[1..])?;
        digits::<2>(&t[4..])?;
        digits::<2>(&t[7..])?;
        i += 9;
    }
    if rest.get(i) != Some(&b' ') {
        return None;
    }
    let year = digits::<4>(rest.get(i + 1..)?)? as i32;
    let tail = &rest[i + 5..];
    if !tail.iter().all(|&c| c == b' ' || c == b'\r') {
        return None;
    }
    if closed {
        Some(Line::Skip)
    } else {
        Some(Line::Date((year, month, day)))
    }
}

/// An irssi line (no `\n`, no `\r`).
fn irssi(l: &str) -> Option<Line<'_>> {
    let b = l.as_bytes();
    if b.first() == Some(&b'-') {
        return irssi_dashes(l);
    }
    if b.len() < 7 || b[2] != b':' {
        return None;
    }
    let h = digits::<2>(b)?;
    let m = digits::<2>(&b[3..])?;
    let (s, i) = if b[5] == b':' {
        (digits::<2>(&b[6..])?, 8)
    } else {
        (0, 5)
    };
    if b.get(i) != Some(&b' ') {
        return None;
    }
    let civil = time_civil(h, m, s);
    let rest = l.get(i + 1..)?;
    let rec = if let Some(r) = rest.strip_prefix('<') {
        angle_rec(civil, r)?
    } else if let Some(r) = rest.strip_prefix(" * ") {
        let nick = r.split(' ').next().unwrap_or("");
        Rec::message(civil, nick, &rest[1..])
    } else if let Some(r) = rest.strip_prefix("-!- ") {
        Rec::system(civil, actor(r), r)
    } else {
        Rec::system(civil, "", rest)
    };
    Some(Line::Rec(rec))
}

/// A WeeChat line.
fn weechat(l: &str) -> Option<Line<'_>> {
    let b = l.as_bytes();
    if b.len() < 20 || b[10] != b' ' || b[19] != b'\t' {
        return None;
    }
    let (civil, used) = parse_ymd_hms(b)?;
    if used != 19 {
        return None;
    }
    let rest = l.get(20..)?;
    let tab = rest.find('\t')?;
    let (prefix, text) = (&rest[..tab], &rest[tab + 1..]);
    let rec = match prefix {
        "-->" | "<--" | "--" | "=!=" | "" => Rec::system(civil, actor(text), text),
        " *" => Rec {
            star: true,
            ..Rec::message(civil, text.split(' ').next().unwrap_or(""), text)
        },
        p => Rec::message(civil, strip_mode(p), text),
    };
    Some(Line::Rec(rec))
}

/// A ZNC line.
fn znc(l: &str) -> Option<Line<'_>> {
    let b = l.as_bytes();
    if b.len() < 12 || b[0] != b'[' || b[3] != b':' || b[6] != b':' || b[9] != b']' || b[10] != b' '
    {
        return None;
    }
    let civil = time_civil(
        digits::<2>(&b[1..])?,
        digits::<2>(&b[4..])?,
        digits::<2>(&b[7..])?,
    );
    let rest = l.get(11..)?;
    let rec = if let Some(r) = rest.strip_prefix('<') {
        angle_rec(civil, r)?
    } else if let Some(r) = rest.strip_prefix("*** ") {
        Rec::system(civil, actor(r), r)
    } else if let Some(r) = rest.strip_prefix("* ") {
        Rec::message(civil, r.split(' ').next().unwrap_or(""), rest)
    } else if let Some(r) = rest.strip_prefix('-')
        && let Some(close) = r.find("- ")
        && close > 0
        && !r[..close].contains(' ')
    {
        Rec::message(civil, &r[..close], &r[close + 2..])
    } else {
        return None;
    };
    Some(Line::Rec(rec))
}

#[inline]
fn classify(d: Dialect, l: &str) -> Option<Line<'_>> {
    let l = strip_cr(l);
    match d {
        Dialect::Irssi => irssi(l),
        Dialect::WeeChat => weechat(l),
        Dialect::Znc => znc(l),
    }
}

/// The dialect of the first line that fits one (irssi lines count only if they are date
/// lines or `<nick>` messages, the least ambiguous shapes).
fn dialect_of(l: &str) -> Option<Dialect> {
    let l = strip_cr(l);
    if weechat(l).is_some() {
        return Some(Dialect::WeeChat);
    }
    if znc(l).is_some() {
        return Some(Dialect::Znc);
    }
    match irssi(l) {
        Some(Line::Date(_) | Line::Skip) => Some(Dialect::Irssi),
        Some(Line::Rec(r)) if r.kind == Kind::Message => Some(Dialect::Irssi),
        _ => None,
    }
}

/// The dialect of a text, from its first recognisable line.
fn detect(text: &str) -> Option<Dialect> {
    let b = text.as_bytes();
    let mut pos = 0;
    while pos < b.len() {
        let eol = line_end(b, pos);
        if let Some(d) = text.get(pos..eol).and_then(dialect_of) {
            return Some(d);
        }
        pos = eol + 1;
    }
    None
}

/// The file name without its last extension.
fn stem(name: &str) -> &str {
    match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    }
}

/// The channel a log's path names, per dialect.
fn channel_of(d: Dialect, path: &str) -> Option<&str> {
    let name = file_name(path);
    let c = match d {
        Dialect::Irssi => stem(name),
        Dialect::WeeChat => {
            let s = name.strip_suffix(".weechatlog").unwrap_or(stem(name));
            match s.strip_prefix("irc.").and_then(|r| r.split_once('.')) {
                Some((_, chan)) if !chan.is_empty() => chan,
                _ => s,
            }
        }
        Dialect::Znc => {
            let s = stem(name);
            if znc_dashed_date(s).is_some() {
                // `<network>/<#chan>/<YYYY-MM-DD>.log`: the folder.
                let dir = path.get(..path.len() - name.len())?;
                let dir = dir.trim_end_matches(['/', '\\']);
                file_name(dir)
            } else {
                let s = s.get(..s.len().checked_sub(9)?)?;
                s.splitn(3, '_').nth(2).unwrap_or(s)
            }
        }
    };
    (!c.is_empty()).then_some(c)
}

/// `YYYY-MM-DD` exactly.
fn znc_dashed_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Some((
        digits::<4>(b)? as i32,
        digits::<2>(&b[5..])?,
        digits::<2>(&b[8..])?,
    ))
}

/// The date a ZNC log's file name holds: `YYYY-MM-DD.log` or `…_YYYYMMDD.log`.
fn znc_date(path: &str) -> Option<Date> {
    let s = stem(file_name(path));
    let date = znc_dashed_date(s).or_else(|| {
        let b = s.as_bytes();
        let tail = b.get(b.len().checked_sub(9)?..)?;
        if tail[0] != b'_' {
            return None;
        }
        Some((
            digits::<4>(&tail[1..])? as i32,
            digits::<2>(&tail[5..])?,
            digits::<2>(&tail[7..])?,
        ))
    })?;
    let c = Civil {
        year: date.0,
        month: date.1,
        day: date.2,
        ..Civil::default()
    };
    c.is_valid().then_some(date)
}

/// What the survey of an IRC log found: its dialect and, for irssi, the date in force from
/// every day line on.
#[derive(Debug, Default)]
pub struct IrcHint {
    /// The dialect of the first recognisable line.
    pub dialect: Option<Dialect>,
    /// Byte offset of every irssi `--- Log opened` / `--- Day changed` line and its date.
    pub dates: Vec<(u64, (i32, u32, u32))>,
}

impl IrcHint {
    /// The irssi date in force at byte `offset` (set by a day line before it).
    pub fn date_at(&self, offset: u64) -> Option<(i32, u32, u32)> {
        in_force_at(&self.dates, offset).copied()
    }
}

impl Hint for IrcHint {
    fn describe(&self) -> Option<String> {
        let d = self.dialect?;
        Some(match d {
            Dialect::Irssi => format!("irssi log, {} day lines", self.dates.len()),
            Dialect::WeeChat => "WeeChat log".to_string(),
            Dialect::Znc => "ZNC log".to_string(),
        })
    }
}

#[derive(Debug, Default)]
struct IrcSurvey {
    hint: IrcHint,
}

impl Survey for IrcSurvey {
    fn feed(&mut self, text: &str, offset: u64, _line: u64) {
        if self.hint.dialect.is_none() {
            self.hint.dialect = detect(text);
        }
        if self.hint.dialect != Some(Dialect::Irssi) {
            return;
        }
        let b = text.as_bytes();
        let mut at = |p: usize| {
            let eol = line_end(b, p);
            if let Some(Line::Date(d)) = text.get(p..eol).map(strip_cr).and_then(irssi_dashes) {
                self.hint.dates.push((offset + p as u64, d));
            }
        };
        if b.starts_with(b"--") {
            at(0);
        }
        for hit in memmem::find_iter(b, b"\n--") {
            at(hit + 1);
        }
    }

    fn finish(self: Box<Self>) -> Box<dyn Hint> {
        Box::new(self.hint)
    }
}

/// How far ahead `next_record` looks for an irssi day line to split at.
const DAY_WINDOW: usize = 8 << 20;

impl Format for Irc {
    about! { "irc", ["irclogs/libera/#chan.log", "irc.libera.#chan.weechatlog", "libera/#chan/2021-08-13.log"], "IRC logs: irssi (`--- Day changed`, `HH:MM <nick>`), WeeChat (`.weechatlog`), ZNC (`[HH:MM:SS] <nick>`, date in the file name)" }

    fn sniff(&self, path: &str, head: &str) -> u8 {
        let name = file_name(path);
        if let Some(i) = name.rfind('.')
            && i > 0
        {
            let ext = &name[i + 1..];
            if !["log", "txt", "weechatlog"]
                .iter()
                .any(|e| ext.eq_ignore_ascii_case(e))
            {
                return 0;
            }
        }
        let Some(first) = head.lines().find(|l| !l.trim().is_empty()) else {
            return 0;
        };
        let first = strip_cr(first.trim_start_matches('\u{feff}'));
        match dialect_of(first) {
            Some(Dialect::Irssi) if first.starts_with("--- ") => 90,
            Some(_) => 85,
            None => 0,
        }
    }

    fn survey(&self, _env: &mut SurveyEnv<'_>) -> Option<Box<dyn Survey>> {
        Some(Box::new(IrcSurvey::default()))
    }

    fn next_record(&self, text: &str, from: usize) -> Option<usize> {
        let d = detect(text)?;
        let b = text.as_bytes();
        let mut pos = line_at_or_after(text, from)?;
        if d == Dialect::Irssi {
            // Never before the first day line (earlier lines have no date), and at a day
            // line when one is near.
            let first = if text.starts_with("--") {
                0
            } else {
                memmem::find(b, b"\n--")? + 1
            };
            pos = pos.max(first);
            let window = &b[pos.min(b.len())..(pos.saturating_add(DAY_WINDOW)).min(b.len())];
            let day_at = |p: usize| {
                let eol = line_end(b, p);
                matches!(
                    text.get(p..eol).map(strip_cr).and_then(irssi_dashes),
                    Some(Line::Date(_))
                )
            };
            if b.get(pos..pos + 2) == Some(b"--") && day_at(pos) {
                return Some(pos);
            }
            for hit in memmem::find_iter(window, b"\n--") {
                if day_at(pos + hit + 1) {
                    return Some(pos + hit + 1).filter(|&p| p < b.len());
                }
            }
        }
        next_line_where(text, pos, |l| classify(d, l).is_some())
    }

    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let text = chunk.text;
        let b = text.as_bytes();
        let hint = ctx.hint::<IrcHint>();
        let Some(dialect) = hint.and_then(|h| h.dialect).or_else(|| detect(text)) else {
            if let Some(l) = text.lines().find(|l| !l.trim().is_empty()) {
                let pos = l.as_ptr() as usize - text.as_ptr() as usize;
                let line = chunk.line + memchr::memchr_iter(b'\n', &b[..pos]).count() as u64;
                sink.problem(line_problem(ctx.loc(chunk, pos, line), "not an IRC log: expected irssi (`--- Log opened …`, `HH:MM <nick> text`), WeeChat (`YYYY-MM-DD HH:MM:SS<TAB>nick<TAB>text`) or ZNC (`[HH:MM:SS] <nick> text`) lines", l));
            }
            return;
        };
        let mut date: Option<Date> = match dialect {
            Dialect::Irssi => hint.and_then(|h| h.date_at(chunk.offset)),
            Dialect::WeeChat => None,
            Dialect::Znc => {
                let d = znc_date(ctx.path);
                if d.is_none() {
                    if chunk.first {
                        sink.problem(Problem::new(
                            ctx.loc(chunk, 0, chunk.line),
                            format!(
                                "ZNC log {} has no date in its file name: expected `YYYY-MM-DD.log` or `…_YYYYMMDD.log` (ZNC writes only the time on each line)",
                                file_name(ctx.path)
                            ),
                        ));
                    }
                    return;
                }
                d
            }
        };
        let channel = channel_of(dialect, ctx.path);
        let mut r = ctx.resolver();
        // Every record is one line and the loop below visits every line in order, so the
        // line number is a running count (no rescanning for `\n`).
        let mut next_line = chunk.line;
        let mut in_bad_run = false;
        let mut dateless_reported = false;
        let mut pos = 0;
        while pos < b.len() {
            let eol = line_end(b, pos);
            let line = next_line;
            next_line += 1;
            let l = text.get(pos..eol).unwrap_or("");
            match classify(dialect, l) {
                Some(Line::Date(d)) => {
                    date = Some(d);
                    in_bad_run = false;
                    let c = time_civil(0, 0, 0);
                    if !(Civil {
                        year: d.0,
                        month: d.1,
                        day: d.2,
                        ..c
                    })
                    .is_valid()
                    {
                        sink.problem(line_problem(
                            ctx.loc(chunk, pos, line),
                            "bad date in day line",
                            l,
                        ));
                    }
                }
                Some(Line::Skip) => in_bad_run = false,
                Some(Line::Rec(rec)) => {
                    in_bad_run = false;
                    let mut civil = rec.civil;
                    if dialect != Dialect::WeeChat {
                        match date {
                            Some((y, m, d)) => {
                                civil.year = y;
                                civil.month = m;
                                civil.day = d;
                            }
                            None => {
                                if !dateless_reported {
                                    sink.problem(line_problem(ctx.loc(chunk, pos, line), "irssi line before any `--- Log opened`/`--- Day changed` line, so its date is unknown", l));
                                    dateless_reported = true;
                                }
                                pos = eol + 1;
                                continue;
                            }
                        }
                    }
                    if !civil.is_valid() {
                        sink.problem(line_problem(
                            ctx.loc(chunk, pos, line),
                            "bad date or time",
                            l,
                        ));
                        pos = eol + 1;
                        continue;
                    }
                    let body = if rec.star {
                        Cow::Owned(format!("* {}", rec.body))
                    } else {
                        Cow::Borrowed(rec.body)
                    };
                    let mut m = Message::new(
                        r.resolve(&civil),
                        rec.sender,
                        body,
                        ctx.loc(chunk, pos, line),
                    );
                    m.kind = rec.kind;
                    m.channel = channel.map(Cow::Borrowed);
                    sink.message(m);
                }
                None => {
                    if !strip_cr(l).trim().is_empty() && !in_bad_run {
                        sink.problem(line_problem(
                            ctx.loc(chunk, pos, line),
                            format_args!("not a {dialect:?} log line"),
                            l,
                        ));
                        in_bad_run = true;
                    }
                }
            }
            pos = eol + 1;
        }
        sink.dst_adjusted(r.adjusted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testkit::{self, Subject};
    use crate::formats::{Collect, parse_text, survey_text};
    use crate::time::Zone;

    testkit::fixtures!("irc": IRSSI "irssi/libera/#osint.log",
        WEE "weechat/irc.libera.#rust-zh.weechatlog", ZNC "znc/libera/#ops/2021-08-13.log",
        BAD "bad/#bad.log");

    fn parse_with<'a>(path: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        let hint = survey_text(&Irc, path, text, Default::default());
        let hint: &'static dyn Hint = Box::leak(hint.unwrap());
        let mut ctx = ParseCtx::new(0, path, Zone::Utc);
        ctx.hint = Some(hint);
        parse_text(&Irc, text, &ctx, target)
    }

    fn parse<'a>(path: &'a str, text: &'a str) -> Collect<'a> {
        parse_with(path, text, usize::MAX)
    }

    #[test]
    fn nick_and_topic_changes_are_credited_to_who_made_them() {
        for (event, nick) in [
            ("bob is now known as carol", "bob"),
            ("bob changed the topic of #ops to: x", "bob"),
            ("bob has changed topic for #ops from \"a\" to \"b\"", "bob"),
            ("bob changes topic to 'x'", "bob"),
            ("Joins: bob (~b@example.org)", "bob"),
            ("Topic for #ops is: x", ""),
            ("#ops: is now known as x", ""),
        ] {
            assert_eq!(actor(event), nick, "{event:?}");
        }
    }

    #[test]
    fn irssi_dates_come_from_day_lines_and_modes_are_stripped() {
        let t = "--- Log opened Wed Jan 01 00:00:12 2014\n23:59 <@vega> a\n--- Day changed Thu Jan 02 2014\n00:01 < quill> b\n";
        let c = parse("#x.log", t);
        assert_eq!(c.problems, vec![]);
        assert_eq!(c.messages[0].time.micros, 1_388_620_740_000_000);
        assert_eq!(c.messages[1].sender, "quill");
        assert_eq!(c.messages[1].time.micros, 1_388_620_860_000_000);
        assert_eq!(c.messages[1].channel.as_deref(), Some("#x"));
    }

    #[test]
    fn a_chunk_starting_mid_day_takes_its_date_from_the_survey() {
        let t = "--- Log opened Wed Jan 01 00:00:12 2014\n10:00 <a> x\n10:01 <b> y\n";
        let hint = survey_text(&Irc, "#x.log", t, Default::default()).unwrap();
        let mut ctx = ParseCtx::new(0, "#x.log", Zone::Utc);
        ctx.hint = Some(hint.as_ref());
        let at = t.find("10:01").unwrap();
        let chunk = Chunk {
            text: &t[at..],
            offset: at as u64,
            line: 3,
            first: false,
            last: true,
        };
        let mut sink = Collect::default();
        Irc.parse(&chunk, &ctx, &mut sink);
        assert_eq!(sink.problems, vec![]);
        assert_eq!(sink.messages[0].time.micros, 1_388_570_460_000_000);
        assert_eq!(sink.messages[0].loc.line, 3);
    }

    #[test]
    fn actions_keep_the_star_and_events_are_system_rows() {
        let c = parse("#osint.log", IRSSI);
        assert_eq!(c.messages[3].body, "* quill пьёт кофе");
        assert_eq!(c.messages[3].sender, "quill");
        assert_eq!(c.messages[0].kind, Kind::System);
        assert_eq!(c.messages[0].sender, "vega");
        let c = parse("irc.libera.#rust-zh.weechatlog", WEE);
        assert_eq!(c.messages[3].body, "* quill вздыхает");
        assert_eq!(c.messages[0].channel.as_deref(), Some("#rust-zh"));
    }

    #[test]
    fn znc_takes_the_date_from_either_file_name_shape() {
        assert_eq!(znc_date("libera/#ops/2021-08-13.log"), Some((2021, 8, 13)));
        assert_eq!(
            znc_date("alice_libera_#ops_20210814.log"),
            Some((2021, 8, 14))
        );
        assert_eq!(znc_date("ops.log"), None);
        assert_eq!(znc_date("2021-02-30.log"), None);
        assert_eq!(
            channel_of(Dialect::Znc, "libera/#ops/2021-08-13.log"),
            Some("#ops")
        );
        assert_eq!(
            channel_of(Dialect::Znc, "alice_libera_#a_b_20210814.log"),
            Some("#a_b")
        );
        let c = parse("x/#ops/2021-08-13.log", ZNC);
        assert_eq!(c.messages.len(), 6);
        assert_eq!(c.messages[3].sender, "NickServ");
    }

    #[test]
    fn znc_without_a_date_in_the_name_is_one_problem_naming_the_file() {
        let c = parse("logs/ops.log", ZNC);
        assert!(c.messages.is_empty());
        assert_eq!(c.problems.len(), 1);
        assert!(c.problems[0].what.contains("ops.log"));
        assert!(c.problems[0].what.contains("YYYY-MM-DD"));
    }

    #[test]
    fn a_file_that_is_not_irc_is_one_problem() {
        let c = parse("#x.log", "hello\nworld\nagain\n");
        assert_eq!(c.problems.len(), 1);
        assert!(c.problems[0].what.contains("not an IRC log"));
        assert_eq!(Irc.sniff("#x.log", "hello\n"), 0);
    }

    #[test]
    fn bad_lines_are_one_problem_per_run() {
        let c = parse("#bad.log", BAD);
        let lines: Vec<u64> = c.problems.iter().map(|p| p.loc.line).collect();
        assert_eq!(lines, [1, 5, 8, 9, 10, 11]);
        assert_eq!(c.messages.len(), 1);
    }

    #[test]
    fn sniff_needs_a_strict_first_line_and_leaves_trickbot_alone() {
        assert_eq!(Irc.sniff("#x.log", IRSSI), 90);
        assert_eq!(Irc.sniff("irc.l.#x.weechatlog", WEE), 85);
        assert_eq!(Irc.sniff("2021-08-13.log", ZNC), 85);
        assert_eq!(
            Irc.sniff(
                "q.txt",
                "[04.11.21 10:02:17] vega:\t\tx\n[11:20:09] <b> y\n"
            ),
            0
        );
        assert_eq!(Irc.sniff("q.json", IRSSI), 0);
        // Two dashes: only with the whole stamp of a log-opened line.
        let two = "-- Log opened Wed Jan 06 13:15:17 2010\n13:15 <a> x\n";
        assert_eq!(Irc.sniff("#x.log", two), 85);
        assert_eq!(Irc.sniff("#x.log", "-- Log opened today\n13:15 <a> x\n"), 0);
        assert_eq!(Irc.sniff("notes.txt", "-- TODO: log opened files\n"), 0);
        assert_eq!(
            Irc.sniff("schema.txt", "-- Log opened Wed Jan 06 2010\n"),
            0
        );
        assert_eq!(
            Irc.sniff("#x.log", "- Log opened Wed Jan 06 13:15:17 2010\n"),
            0
        );
        assert_eq!(
            Irc.sniff("q.txt", "2020-07-09 9:41:03 张伟(100200300)\n"),
            0
        );
    }

    /// One record per line: every message on a line before the damage survives (the first
    /// line decides the dialect, so damage there may change everything).
    fn survives(original: &str, whole: &Collect<'_>, i: usize, damage: usize) -> bool {
        let first = original.split_inclusive('\n').next().map_or(0, str::len);
        damage > first
            && (whole.messages[i].loc.offset as usize) < testkit::line_start_of(original, damage)
    }

    const SUBJECT: Subject = Subject::new(
        &Irc,
        "#r.log",
        parse_with,
        &[
            ("#osint.log", IRSSI),
            ("irc.l.#r.weechatlog", WEE),
            ("n/#ops/2021-08-13.log", ZNC),
            ("#bad.log", BAD),
        ],
        survives,
    );

    testkit::props!(SUBJECT);
}
