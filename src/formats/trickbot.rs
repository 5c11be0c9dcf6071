//! `trickbot`: the per-contact text logs of the TrickBot leak.
//!
//! The leak holds two line dialects. A file is one dialect, decided by its first header
//! line (the first line, in file order, that has the full structural shape of either header);
//! lines of the other dialect inside that file are ordinary body text.
//!
//! **Bracket dialect** (most files):
//! ```text
//! [04.11.21 10:02:17] vega:<TAB><TAB>привет, отчёт готов?
//! [04.11.21 10:05:40] quill:<TAB><TAB>почти
//! ещё 10 минут
//! ```
//! A header is `[DD.MM.YY HH:MM:SS] nick:` followed by the logger's two tabs (the body starts
//! right after them, verbatim: a leading space or tab is the body's), by another run of
//! tabs/spaces (the whole run is the separator) or by the end of the line (an empty body).
//! The nick is non-empty and holds no space, tab or colon. Two-digit years are 20YY. Any
//! other line (pasted logs such as `[11:20:09] <nick> …`, `[04.11.21] x`, a stamp without
//! `nick:`, `nick:text` without whitespace) continues the body. Mapping: sender = nick,
//! recipient = none, channel = the file's stem: the file name of the display path
//! ([`super::file_name`]) without its last extension (`logs/quill.txt` → `quill`,
//! `defender@jabber.example.log` → `defender@jabber.example`), because each file is the log
//! of one contact and names no conversation inside.
//!
//! **Arrow dialect** (older files):
//! ```text
//! 2020-08-14T09:31:05 vega -> quill
//! нужен отчёт по сети
//!
//! 2020-08-14T09:40:12 quill -> vega
//! ок
//! ```
//! A header is `YYYY-MM-DDTHH:MM:SS sender -> recipient` (sender and recipient non-empty, no
//! whitespace; trailing spaces/tabs tolerated); the body is the following lines. A record
//! ends only where the next header starts, so bodies may hold blank lines. Mapping: sender,
//! recipient, channel = none.
//!
//! Both: continuation lines join the body with `\n`; trailing blank lines (empty or only
//! spaces/tabs) are dropped and nothing else is trimmed; each line's `\r` before `\n` is
//! removed (CRLF files). Stamps are naive and resolved in `--source-tz`. A header-shaped line
//! whose date or time is out of range (`[31.02.21 10:00:00] vega:\t\tx`) is a problem at its
//! line and its record, continuation lines included, is skipped. Text before the first header
//! is one problem at its first non-blank line. Empty and whitespace-only files give nothing.
//! Bodies are borrowed from the input unless they contain `\r`.

use std::borrow::Cow;

use super::scan::{body_text, line_end, next_line_where, trim_trailing_blank};

use super::{About, Chunk, Format, ParseCtx, Sink, excerpt, file_name};
use crate::model::{Message, Problem};
use crate::time::{Civil, digits};

/// The `trickbot` format.
#[derive(Debug, Clone, Copy)]
pub struct TrickBot;

/// Which header a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// `[DD.MM.YY HH:MM:SS] nick:\t\ttext`
    Bracket,
    /// `YYYY-MM-DDTHH:MM:SS sender -> recipient`
    Arrow,
}

/// A header-shaped line (its stamp is not yet validated).
#[derive(Debug, Clone, Copy)]
struct Head<'t> {
    civil: Civil,
    sender: &'t str,
    recipient: Option<&'t str>,
    /// Bracket dialect: where the body starts in the line. Arrow: unused (next line).
    body: usize,
}

#[inline]
fn civil(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Civil {
    Civil::at(year as i32, month, day, hour, minute, second)
}

/// `[DD.MM.YY HH:MM:SS] nick:` + (tabs/spaces | end of line). `line` has no `\n`.
#[inline]
fn bracket(line: &str) -> Option<Head<'_>> {
    let b = line.as_bytes();
    if b.len() < 22
        || b[0] != b'['
        || b[3] != b'.'
        || b[6] != b'.'
        || b[9] != b' '
        || b[12] != b':'
        || b[15] != b':'
        || b[18] != b']'
        || b[19] != b' '
    {
        return None;
    }
    let c = civil(
        2000 + digits::<2>(&b[7..])?,
        digits::<2>(&b[4..])?,
        digits::<2>(&b[1..])?,
        digits::<2>(&b[10..])?,
        digits::<2>(&b[13..])?,
        digits::<2>(&b[16..])?,
    );
    let rest = &b[20..];
    let n = rest
        .iter()
        .position(|&x| matches!(x, b':' | b' ' | b'\t' | b'\r'))?;
    if n == 0 || rest[n] != b':' {
        return None;
    }
    let after = 20 + n + 1;
    let body = match b.get(after) {
        None => after,
        Some(b'\r') if after + 1 == b.len() => after,
        // The logger writes exactly two tabs; what follows them is the body, verbatim (a
        // body may start with a space). Older or hand-edited lines use another run of
        // spaces/tabs, which is the separator as a whole.
        Some(b'\t') if b.get(after + 1) == Some(&b'\t') => after + 2,
        Some(b' ' | b'\t') => {
            let mut i = after + 1;
            while matches!(b.get(i), Some(b' ' | b'\t')) {
                i += 1;
            }
            i
        }
        _ => return None,
    };
    Some(Head {
        civil: c,
        sender: line.get(20..20 + n)?,
        recipient: None,
        body,
    })
}

/// `YYYY-MM-DDTHH:MM:SS sender -> recipient` (trailing spaces/tabs/`\r` allowed).
#[inline]
fn arrow(line: &str) -> Option<Head<'_>> {
    let b = line.as_bytes();
    if b.len() < 26
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b' '
    {
        return None;
    }
    let c = civil(
        digits::<4>(b)?,
        digits::<2>(&b[5..])?,
        digits::<2>(&b[8..])?,
        digits::<2>(&b[11..])?,
        digits::<2>(&b[14..])?,
        digits::<2>(&b[17..])?,
    );
    let rest = &b[20..];
    let n = rest.iter().position(|&x| matches!(x, b' ' | b'\t'))?;
    if n == 0 || rest.get(n..n + 4) != Some(b" -> ".as_slice()) {
        return None;
    }
    let r0 = 20 + n + 4;
    let mut r1 = b.len();
    while r1 > r0 && matches!(b[r1 - 1], b' ' | b'\t' | b'\r') {
        r1 -= 1;
    }
    let recipient = b.get(r0..r1)?;
    if recipient.is_empty() || recipient.iter().any(|&x| matches!(x, b' ' | b'\t')) {
        return None;
    }
    Some(Head {
        civil: c,
        sender: line.get(20..20 + n)?,
        recipient: Some(line.get(r0..r1)?),
        body: b.len(),
    })
}

#[inline]
fn head(d: Dialect, line: &str) -> Option<Head<'_>> {
    match d {
        Dialect::Bracket => bracket(line),
        Dialect::Arrow => arrow(line),
    }
}

/// The dialect of the first header-shaped line, its start, and how many lines precede it.
fn detect(text: &str) -> Option<(Dialect, usize, u64)> {
    let b = text.as_bytes();
    let mut pos = 0;
    let mut lines = 0u64;
    while pos < b.len() {
        let eol = line_end(b, pos);
        let line = text.get(pos..eol)?;
        if bracket(line).is_some() {
            return Some((Dialect::Bracket, pos, lines));
        }
        if arrow(line).is_some() {
            return Some((Dialect::Arrow, pos, lines));
        }
        lines += 1;
        pos = eol + 1;
    }
    None
}

/// The file name without its last extension (a leading dot is not an extension).
fn stem(path: &str) -> &str {
    let name = file_name(path);
    match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    }
}

/// `.txt`, `.log` or no extension.
fn extension_fits(path: &str) -> bool {
    let name = file_name(path);
    match name.rfind('.') {
        Some(i) if i > 0 => {
            let ext = &name[i + 1..];
            ext.eq_ignore_ascii_case("txt") || ext.eq_ignore_ascii_case("log")
        }
        _ => true,
    }
}

/// A record whose header was read and whose body runs to the next header.
struct Pending<'a> {
    head: Head<'a>,
    /// Start of the record (header line) relative to the chunk.
    start: usize,
    line: u64,
    /// Start of the body relative to the chunk.
    body: usize,
}

impl Format for TrickBot {
    about! { "trickbot", ["logs/defender.txt", "old/2020/stern.log"], "TrickBot leak per-contact logs: `[DD.MM.YY HH:MM:SS] nick:\\t\\ttext` or `YYYY-MM-DDTHH:MM:SS a -> b`" }

    fn sniff(&self, path: &str, head: &str) -> u8 {
        if !extension_fits(path) {
            return 0;
        }
        let Some(line) = head.lines().find(|l| !l.trim().is_empty()) else {
            return 0;
        };
        match bracket(line).or_else(|| arrow(line)) {
            Some(h) if h.civil.is_valid() => 90,
            _ => 0,
        }
    }

    fn next_record(&self, text: &str, from: usize) -> Option<usize> {
        let (dialect, _, _) = detect(text)?;
        next_line_where(text, from, |l| head(dialect, l).is_some())
    }

    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let text = chunk.text;
        let b = text.as_bytes();
        let detected = detect(text);
        let first = detected.map_or(b.len(), |(_, p, _)| p);

        // Text before the first header: one problem at its first non-blank line.
        let mut pos = 0;
        let mut line = chunk.line;
        while pos < first {
            let eol = line_end(b, pos).min(first);
            let l = text.get(pos..eol).unwrap_or("");
            if !l.trim().is_empty() {
                sink.problem(Problem::new(
                    ctx.loc(chunk, pos, line),
                    format!("text before the first header: {}", excerpt(l)),
                ));
                break;
            }
            line += 1;
            pos = eol + 1;
        }
        let Some((dialect, first, skipped)) = detected else {
            return;
        };

        let channel = match dialect {
            Dialect::Bracket => Some(stem(ctx.path)),
            Dialect::Arrow => None,
        };
        let mut r = ctx.resolver();
        let mut emit = |p: Pending<'a>, end: usize, sink: &mut dyn Sink<'a>| {
            let body = text.get(p.body.min(end)..end).unwrap_or("");
            let mut m = Message::new(
                r.resolve(&p.head.civil),
                p.head.sender,
                body_text(trim_trailing_blank(body)),
                ctx.loc(chunk, p.start, p.line),
            );
            m.recipient = p.head.recipient.map(Cow::Borrowed);
            m.channel = channel.map(Cow::Borrowed);
            sink.message(m);
        };

        let mut pending: Option<Pending<'a>> = None;
        let mut pos = first;
        let mut line = chunk.line + skipped;
        while pos < b.len() {
            let eol = line_end(b, pos);
            let l = text.get(pos..eol).unwrap_or("");
            if let Some(h) = head(dialect, l) {
                if let Some(p) = pending.take() {
                    emit(p, pos, sink);
                }
                if h.civil.is_valid() {
                    let body = match dialect {
                        Dialect::Bracket => pos + h.body,
                        Dialect::Arrow => (eol + 1).min(b.len()),
                    };
                    pending = Some(Pending {
                        head: h,
                        start: pos,
                        line,
                        body,
                    });
                } else {
                    sink.problem(Problem::new(
                        ctx.loc(chunk, pos, line),
                        format!("bad date or time in header: {}", excerpt(l)),
                    ));
                }
            }
            line += 1;
            pos = eol + 1;
        }
        if let Some(p) = pending.take() {
            emit(p, b.len(), sink);
        }
        sink.dst_adjusted(r.adjusted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testkit::{self, Subject, bodies, problem_lines};
    use crate::formats::{Collect, parse_text};
    use proptest::prelude::*;

    testkit::fixtures!("trickbot": QUILL "quill.txt", VEGA "vega_2020.log", MANGO "crlf/mango.txt",
        STERN "bad/stern.txt");

    fn parse<'a>(path: &'a str, text: &'a str) -> Collect<'a> {
        testkit::parse(&TrickBot, path, text)
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        civil(y as u32, mo, d, h, mi, s).unix_seconds_as_utc() * 1_000_000
    }

    #[test]
    fn formats_md_example_reads_as_two_messages() {
        let t = "[04.11.21 10:02:17] vega:\t\tпривет, отчёт готов?\n[04.11.21 10:05:40] quill:\t\tпочти\nещё 10 минут\n";
        let c = parse("logs/quill.txt", t);
        assert!(c.problems.is_empty());
        assert_eq!(bodies(&c), ["привет, отчёт готов?", "почти\nещё 10 минут"]);
        let m = &c.messages[1];
        assert_eq!(m.sender, "quill");
        assert_eq!(m.recipient, None);
        assert_eq!(m.channel.as_deref(), Some("quill"));
        assert_eq!(m.time.micros, utc(2021, 11, 4, 10, 5, 40));
        assert_eq!((m.loc.line, m.loc.offset), (2, 64));
    }

    #[test]
    fn pasted_bracket_line_inside_body_does_not_start_a_record() {
        let t = "[04.11.21 10:07:03] vega:\t\tлог:\n[11:20:09] <bentley> bot online\n[04.11.21] x\n[04.11.21 10:02:17]\n[04.11.21 10:08:00] quill:\t\tok\n";
        let c = parse("quill.txt", t);
        assert_eq!(
            bodies(&c),
            [
                "лог:\n[11:20:09] <bentley> bot online\n[04.11.21] x\n[04.11.21 10:02:17]",
                "ok"
            ]
        );
        assert_eq!(c.messages[1].loc.line, 5);
    }

    #[test]
    fn header_without_colon_or_whitespace_continues_the_body() {
        let t = "[04.11.21 10:00:00] vega:\t\ta\n[04.11.21 10:03:00] quill здесь\n[04.11.21 10:04:00] quill:нет\n[04.11.21 10:05:00] :\t\tno nick\n";
        let c = parse("quill.txt", t);
        assert_eq!(c.messages.len(), 1);
        assert_eq!(
            c.messages[0].body,
            "a\n[04.11.21 10:03:00] quill здесь\n[04.11.21 10:04:00] quill:нет\n[04.11.21 10:05:00] :\t\tno nick"
        );
    }

    #[test]
    fn tabs_or_spaces_after_the_colon_are_one_separator() {
        let t = "[04.11.21 10:00:00] a:\tone\n[04.11.21 10:00:01] b:  two\n[04.11.21 10:00:02] c:\t \t three \n";
        let c = parse("x.txt", t);
        assert_eq!(bodies(&c), ["one", "two", "three "]);
    }

    #[test]
    fn empty_body_message_is_kept() {
        let t = "[04.11.21 10:10:00] vega:\t\t\n[04.11.21 10:10:01] vega:\n[04.11.21 10:10:02] vega:\t\tx";
        let c = parse("quill.txt", t);
        assert_eq!(bodies(&c), ["", "", "x"]);
        assert_eq!(c.messages[2].time.micros, utc(2021, 11, 4, 10, 10, 2));
    }

    #[test]
    fn trailing_blank_lines_are_dropped_and_nothing_else_trimmed() {
        let t = "[04.11.21 10:00:00] a:\t\t  x  \n\tindented\nend   \n\n \t\n\n[04.11.21 10:00:01] b:\t\ty\n\n";
        let c = parse("x.txt", t);
        assert_eq!(bodies(&c), ["  x  \n\tindented\nend   ", "y"]);
    }

    #[test]
    fn a_body_starting_with_a_space_after_the_two_tabs_keeps_it() {
        // The real logs have lines like `[..] nick:\t\t текст` (the body's own leading space).
        let t = "[04.11.21 10:00:00] vega:\t\t ок, понял\n[04.11.21 10:00:01] vega:\t\t\tотступ\n";
        let c = parse("quill.txt", t);
        assert_eq!(bodies(&c), [" ок, понял", "\tотступ"]);
    }

    #[test]
    fn channel_is_the_file_stem() {
        for (path, want) in [
            ("logs/quill.txt", "quill"),
            (
                "dump.zip!/a/defender@jabber.example.log",
                "defender@jabber.example",
            ),
            ("C:\\logs\\noext", "noext"),
            (".hidden", ".hidden"),
        ] {
            assert_eq!(stem(path), want, "{path}");
        }
        let c = parse("dump.zip!/chats/stern.txt", "[04.11.21 10:00:00] a:\t\tx\n");
        assert_eq!(c.messages[0].channel.as_deref(), Some("stern"));
    }

    #[test]
    fn arrow_dialect_maps_sender_and_recipient_without_channel() {
        let t = "2020-08-14T09:31:05 vega -> quill\nнужен отчёт по сети\nдо вечера\n\n2020-08-14T09:40:12 quill -> vega  \nок\n";
        let c = parse("vega.log", t);
        assert!(c.problems.is_empty());
        assert_eq!(bodies(&c), ["нужен отчёт по сети\nдо вечера", "ок"]);
        let m = &c.messages[1];
        assert_eq!(m.sender, "quill");
        assert_eq!(m.recipient.as_deref(), Some("vega"));
        assert_eq!(m.channel, None);
        assert_eq!(m.time.micros, utc(2020, 8, 14, 9, 40, 12));
        assert_eq!(m.loc.line, 5);
    }

    #[test]
    fn arrow_body_keeps_internal_blank_lines() {
        let t = "2020-08-14T09:41:00 quill -> vega\nfirst\n\n\nsecond\n2020-08-14 09:42:00 quill -> vega\n\n";
        let c = parse("v.log", t);
        assert_eq!(
            bodies(&c),
            ["first\n\n\nsecond\n2020-08-14 09:42:00 quill -> vega"]
        );
    }

    #[test]
    fn arrow_header_at_end_of_file_has_an_empty_body() {
        let c = parse("v.log", "2020-08-15T00:00:30 vega -> stern");
        assert_eq!(bodies(&c), [""]);
        assert_eq!(c.messages[0].recipient.as_deref(), Some("stern"));
    }

    #[test]
    fn dialect_is_decided_by_the_first_header() {
        let b = "2020-08-14T23:59:59 vega -> quill\n[04.11.21 10:02:17] vega:\t\ttext\n";
        assert_eq!(
            bodies(&parse("v.log", b)),
            ["[04.11.21 10:02:17] vega:\t\ttext"]
        );
        let a = "[04.11.21 10:02:17] vega:\t\ttext\n2020-08-14T23:59:59 vega -> quill\n";
        let c = parse("v.log", a);
        assert_eq!(bodies(&c), ["text\n2020-08-14T23:59:59 vega -> quill"]);
        assert_eq!(c.messages[0].channel.as_deref(), Some("v"));
    }

    #[test]
    fn invalid_date_skips_the_record_and_its_continuation_lines() {
        let t = "[04.11.21 11:00:00] stern:\t\tfirst\n[31.02.21 10:00:00] vega:\t\tx\ncont\n[04.13.21 25:00:00] quill:\t\ty\n[04.11.21 11:05:00] stern:\t\tsecond\n";
        let c = parse("stern.txt", t);
        assert_eq!(bodies(&c), ["first", "second"]);
        assert_eq!(problem_lines(&c), [2, 4]);
        assert!(c.problems[0].what.contains("31.02.21"));
        let b = "2020-08-14T09:00:00 a -> b\nx\n2020-02-30T09:00:00 a -> b\ny\n2020-08-14T24:00:00 a -> b\nz\n";
        let c = parse("v.log", b);
        assert_eq!(bodies(&c), ["x"]);
        assert_eq!(c.problems.len(), 2);
        assert_eq!(c.problems[1].loc.line, 5);
    }

    #[test]
    fn garbage_before_the_first_header_is_one_problem_at_its_first_line() {
        let t = "\n  \nexported by client\n-----\n[04.11.21 11:00:00] a:\t\tx\n";
        let c = parse("a.txt", t);
        assert_eq!(bodies(&c), ["x"]);
        assert_eq!(c.problems.len(), 1);
        assert_eq!((c.problems[0].loc.line, c.problems[0].loc.offset), (3, 4));
        let c = parse("a.txt", "just some notes\nno chat\n");
        assert_eq!(c.messages.len(), 0);
        assert_eq!(c.problems.len(), 1);
        assert_eq!(c.problems[0].loc.line, 1);
    }

    #[test]
    fn crlf_lines_lose_their_carriage_return() {
        let t = "[01.03.21 08:00:30] stern:\t\tline one\r\nline two\r\n\r\n[01.03.21 08:01:00] mango:\t\t\r\n";
        let c = parse("mango.txt", t);
        assert_eq!(bodies(&c), ["line one\nline two", ""]);
        let b = "2020-08-14T09:31:05 vega -> quill\r\nа\r\n\r\nб\r\n\r\n2020-08-14T09:40:12 quill -> vega\r\nок\r\n";
        let c = parse("v.log", b);
        assert_eq!(bodies(&c), ["а\n\nб", "ок"]);
        assert_eq!(c.messages[1].recipient.as_deref(), Some("vega"));
    }

    #[test]
    fn lf_bodies_are_borrowed_from_the_input() {
        let c = parse("x.txt", "[04.11.21 10:00:00] a:\t\tone\ntwo\n\n");
        assert!(matches!(c.messages[0].body, Cow::Borrowed("one\ntwo")));
        assert!(matches!(c.messages[0].sender, Cow::Borrowed("a")));
    }

    #[test]
    fn empty_and_whitespace_files_give_nothing() {
        for t in ["", "\n", "  \n\t\n\r\n", "   "] {
            let c = parse("empty.txt", t);
            assert!(c.messages.is_empty() && c.problems.is_empty(), "{t:?}");
            assert_eq!(TrickBot.sniff("empty.txt", t), 0);
        }
    }

    #[test]
    fn naive_times_are_read_in_the_source_zone() {
        let ctx = ParseCtx::new(0, "v.log", "Europe/Moscow".parse().unwrap());
        let c = parse_text(&TrickBot, "[05.11.21 00:00:01] a:\t\tx\n", &ctx, usize::MAX);
        assert_eq!(c.messages[0].time.micros, utc(2021, 11, 4, 21, 0, 1));
        assert_eq!(c.messages[0].time.offset, Some(3 * 3600));
    }

    #[test]
    fn sniff_is_confident_only_on_a_strict_first_header() {
        let a = "[04.11.21 10:02:17] vega:\t\tпривет\n";
        let b = "2020-08-14T09:31:05 vega -> quill\nx\n";
        assert_eq!(TrickBot.sniff("logs/quill.txt", a), 90);
        assert_eq!(TrickBot.sniff("logs/quill", a), 90);
        assert_eq!(TrickBot.sniff("old/x.LOG", b), 90);
        assert_eq!(TrickBot.sniff("x.txt", &format!("\n \n{a}")), 90);
        assert_eq!(TrickBot.sniff("quill.json", a), 0);
        assert_eq!(
            TrickBot.sniff("x.txt", "garbage\n[04.11.21 10:02:17] vega:\t\tx"),
            0
        );
        assert_eq!(TrickBot.sniff("x.txt", "[31.02.21 10:02:17] vega:\t\tx"), 0);
        assert_eq!(TrickBot.sniff("x.txt", "[04.11.21 10:02:17]\n"), 0);
        assert_eq!(
            TrickBot.sniff("x.txt", "2020-08-14 09:31:05 vega -> quill"),
            0
        );
        assert_eq!(
            TrickBot.sniff("x.txt", "[12/03/2022, 9:07:11 PM] Sam: ok"),
            0
        );
    }

    #[test]
    fn next_record_stops_only_at_strict_headers() {
        let t = "[04.11.21 10:07:03] vega:\t\tлог:\n[11:20:09] <b> x\n[04.11.21 10:02:17]\n[04.11.21 10:08:00] quill:\t\tok\n";
        let second = t.find("[04.11.21 10:08").unwrap();
        assert_eq!(TrickBot.next_record(t, 1), Some(second));
        assert_eq!(TrickBot.next_record(t, second), Some(second));
        assert_eq!(TrickBot.next_record(t, second + 1), None);
        assert_eq!(TrickBot.next_record(t, t.len() + 5), None);
        let b = "2020-08-14T09:31:05 vega -> quill\n[04.11.21 10:08:00] quill:\t\tok\n\n2020-08-14T09:40:12 quill -> vega\n";
        assert_eq!(TrickBot.next_record(b, 1), b.find("2020-08-14T09:40"));
    }

    #[test]
    fn fixtures_parse_the_same_split_at_every_size() {
        let fixtures = [
            ("quill.txt", QUILL),
            ("vega_2020.log", VEGA),
            ("mango.txt", MANGO),
            ("stern.txt", STERN),
        ];
        testkit::assert_split_reads_match(read, &fixtures, 1..64);
    }

    /// Record boundaries of the original text: for each message, the end of the header
    /// line that follows its record (None for the last record).
    fn safe_ends(t: &str) -> Vec<(u64, Option<usize>)> {
        let (d, first, _) = detect(t).unwrap();
        let b = t.as_bytes();
        let mut starts = Vec::new();
        let mut pos = first;
        while pos < b.len() {
            let eol = line_end(b, pos);
            if head(d, &t[pos..eol]).is_some() {
                starts.push((pos, eol));
            }
            pos = eol + 1;
        }
        let whole = parse("f.txt", t);
        whole
            .messages
            .iter()
            .map(|m| {
                let i = starts
                    .iter()
                    .position(|&(s, _)| s as u64 == m.loc.offset)
                    .unwrap();
                (m.loc.offset, starts.get(i + 1).map(|&(_, e)| e))
            })
            .collect()
    }

    fn read<'a>(path: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        testkit::parse_at(&TrickBot, path, text, target)
    }

    /// A record survives damage when the header line after it ends before the damaged line.
    fn survives(original: &str, _: &Collect<'_>, i: usize, damage: usize) -> bool {
        let end = safe_ends(original)[i].1;
        end.is_some_and(|e| e < testkit::line_start_of(original, damage))
    }

    const SUBJECT: Subject = Subject::new(
        &TrickBot,
        "f.txt",
        read,
        &[
            ("f.txt", QUILL),
            ("f.txt", VEGA),
            ("f.txt", MANGO),
            ("f.txt", STERN),
        ],
        survives,
    );

    testkit::props!(SUBJECT);

    testkit::noise!(SUBJECT, headerish_noise_never_panics, lines [
        Just("[04.11.21 10:02:17] vega:\t\tx".to_string()),
        Just("[31.02.21 10:02:17] vega:\t\tx".to_string()),
        Just("2020-08-14T09:31:05 vega -> quill".to_string()),
        Just("[04.11.21 10:02:17]".to_string()),
        Just(String::new()),
        Just("\r".to_string()),
        "[\\[\\]0-9.: a-z\t\r]{0,30}",
    ]);
}
