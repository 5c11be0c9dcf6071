//! `blackbasta`: the Matrix chat dump of the Black Basta leak.
//!
//! One large file of concatenated pseudo-JSON objects with unquoted keys and values, keys
//! indented by four spaces:
//! ```text
//! {
//!     timestamp: 2023-10-02 14:05:31,
//!     chat_id: !AbCdEfGhIjKlMnOp:matrix.example.online,
//!     sender_alias: @wolfram:matrix.example.online,
//!     message: нужен новый доступ
//! }
//! ```
//! Mapping: time = `timestamp` (naive, resolved in `--source-tz`, default UTC), channel =
//! `chat_id`, sender = `sender_alias`, body = `message`, kind `message` (an empty or missing
//! message gives an empty body). Line and offset are those of the `{` line.
//!
//! How a record is read (interpretations of the layout):
//! - A *record start* is a line that is exactly `{` (trailing whitespace / `\r` allowed) whose
//!   next line is a known key line: four spaces, then `timestamp`, `chat_id`, `sender_alias`
//!   or `message`, then `:`, and (inside a chunk) whose previous non-blank line is exactly
//!   `}` — docs/FORMATS.md: a record ends only at a `}` line followed by `{` — or whose next line
//!   is `timestamp:` with a valid stamp (so garbage between records does not swallow the
//!   next one). A record runs until the next record start or the end of the text; its
//!   closing line is its last non-blank line, which must be exactly `}`. So a `}` or `{`
//!   line inside a message (pasted code) ends nothing unless a record start follows it.
//! - Key lines are four spaces, an identifier, `:` and a space or the line end. Before
//!   `message` every key line is a field (unknown keys are ignored). Once `message` has
//!   started, only a known key that this record has not had yet ends it; any other line,
//!   `key: value`-looking or not, is a continuation line of the message.
//! - A single-line value is the text after `key: ` to the line end, with `\r` and one trailing
//!   comma stripped. The message is its first line's value plus its continuation lines
//!   joined with `\n`, taken as written (indentation kept, `\r` before line ends removed),
//!   trailing blank (whitespace-only) lines dropped. The dumper writes a comma after every
//!   field but the last, so one trailing comma of the message's last line is stripped only
//!   when another field follows the message; a message that is the last field keeps a
//!   comma it ends with.
//!
//! Problems (parsing always resumes at the next record start):
//! - a record without `timestamp` or `sender_alias`, or with a bad timestamp: at its `{` line,
//!   record skipped;
//! - a record with no closing `}` line (truncated at the end of the file): at its `{` line,
//!   record skipped. When the last non-blank line of a record is not `}` but an earlier line
//!   is, the record closes at the last such `}` and the lines after it are garbage between
//!   records: one problem at the first of them, record kept;
//! - a line before the message that is not a key line: one problem per record at the `{`
//!   line, record kept;
//! - text before the first record: one problem at its first non-blank line.
//!
//! Splitting: [`Format::next_record`] returns record starts whose previous line is exactly
//! `}`, so a split never lands inside a record.

use super::{About, Chunk, Format, ParseCtx, Sink, excerpt};
use crate::model::{Message, Problem};
use crate::time::parse_iso;
use memchr::memmem;
use nom::IResult;
use nom::Parser;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::char;
use std::borrow::Cow;

/// The `blackbasta` format.
#[derive(Debug, Clone, Copy)]
pub struct BlackBasta;

/// The fields a record is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Timestamp,
    ChatId,
    SenderAlias,
    Message,
    Other,
}

impl Key {
    fn of(name: &[u8]) -> Key {
        match name {
            b"timestamp" => Key::Timestamp,
            b"chat_id" => Key::ChatId,
            b"sender_alias" => Key::SenderAlias,
            b"message" => Key::Message,
            _ => Key::Other,
        }
    }

    fn bit(self) -> u8 {
        match self {
            Key::Timestamp => 1,
            Key::ChatId => 2,
            Key::SenderAlias => 4,
            Key::Message => 8,
            Key::Other => 0,
        }
    }
}

/// What the nom parser of a key line's start yields: indent, name, colon.
type KeyHeader<'a> = (&'a [u8], &'a [u8], char);

/// `    key:` followed by a space or the line end: the key and where its value starts.
fn key_line(line: &[u8]) -> Option<(Key, usize)> {
    let header: IResult<&[u8], KeyHeader<'_>> = (
        tag(&b"    "[..]),
        take_while1(|c: u8| c.is_ascii_alphanumeric() || c == b'_'),
        char(':'),
    )
        .parse(line);
    let (rest, (_, name, _)) = header.ok()?;
    if name.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let used = line.len() - rest.len();
    match rest.first() {
        None | Some(b'\r') => Some((Key::of(name), used)),
        Some(b' ') => Some((Key::of(name), used + 1)),
        _ => None,
    }
}

#[inline]
fn trim_end_ws(line: &[u8]) -> &[u8] {
    let mut n = line.len();
    while n > 0 && matches!(line[n - 1], b' ' | b'\t' | b'\r') {
        n -= 1;
    }
    &line[..n]
}

#[inline]
fn is_blank(line: &[u8]) -> bool {
    trim_end_ws(line).is_empty()
}

/// The line `[start, end)` (without its `\n`) and the start of the next line.
#[inline]
fn line_at(b: &[u8], start: usize) -> (usize, usize) {
    match memchr::memchr(b'\n', &b[start..]) {
        Some(k) => (start + k, start + k + 1),
        None => (b.len(), b.len()),
    }
}

/// True when a `{` line starts at `p` (a line start) and the next line is a known key line.
#[inline]
fn is_start(b: &[u8], p: usize) -> bool {
    if b.get(p) != Some(&b'{') {
        return false;
    }
    let (end, next) = line_at(b, p);
    if !is_blank(&b[p + 1..end]) || next >= b.len() || next == end {
        return false;
    }
    let (next_end, _) = line_at(b, next);
    matches!(key_line(&b[next..next_end]), Some((k, _)) if k != Key::Other)
}

/// True when the last non-blank line before `p` (a line start) is exactly `}`.
fn closes_before(b: &[u8], p: usize) -> bool {
    let mut end = p;
    while end > 0 {
        let ls = memchr::memrchr(b'\n', &b[..end - 1]).map_or(0, |q| q + 1);
        let line = &b[ls..end - 1];
        if !is_blank(line) {
            return trim_end_ws(line) == b"}";
        }
        end = ls;
    }
    false
}

/// True when the line after the `{` line at `p` is `    timestamp: <valid stamp>`.
fn valid_timestamp_follows(b: &[u8], p: usize) -> bool {
    let (_, next) = line_at(b, p);
    let (next_end, _) = line_at(b, next);
    match key_line(&b[next..next_end]) {
        Some((Key::Timestamp, v)) => {
            let value = trim_end_ws(&b[next + v..next_end]);
            let value = value.strip_suffix(b",").unwrap_or(value);
            matches!(parse_iso(value), Some((_, _, n)) if n == value.len())
        }
        _ => false,
    }
}

/// True when a record starts at `p` inside a chunk. docs/FORMATS.md: a record ends only at a `}`
/// line followed by a `{` line, so a `{` + key line inside a message (pasted code) starts
/// nothing unless the line before it closes the previous record. So that garbage between
/// records does not swallow the next record, a `{` line followed by a valid `timestamp:`
/// line also starts one.
#[inline]
fn starts_record(b: &[u8], p: usize) -> bool {
    is_start(b, p) && (closes_before(b, p) || valid_timestamp_follows(b, p))
}

/// The first record start at a line start `>= from`; the chunk's first byte is a record start
/// whenever it is a `{` + key line (chunks begin where [`Format::next_record`] said).
fn find_start(b: &[u8], from: usize, finder: &memmem::Finder<'_>) -> Option<usize> {
    if from >= b.len() {
        return None;
    }
    if from == 0 && is_start(b, 0) {
        return Some(0);
    }
    if from > 0 && b[from - 1] == b'\n' && starts_record(b, from) {
        return Some(from);
    }
    let mut i = from;
    while let Some(k) = finder.find(&b[i..]) {
        let p = i + k + 1;
        if starts_record(b, p) {
            return Some(p);
        }
        i = p;
    }
    None
}

/// Removes `\r` before each `\n` and at the end (CRLF files).
fn strip_cr(s: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\r', s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut lines = s.split('\n').peekable();
    while let Some(l) = lines.next() {
        out.push_str(l.strip_suffix('\r').unwrap_or(l));
        if lines.peek().is_some() {
            out.push('\n');
        }
    }
    Cow::Owned(out)
}

/// A single-line value: `\r` and one trailing comma stripped.
fn single_value(v: &str) -> &str {
    let v = v.strip_suffix('\r').unwrap_or(v);
    v.strip_suffix(',').unwrap_or(v)
}

impl Format for BlackBasta {
    about! { "blackbasta", ["blackbasta_chats.json"], "Black Basta leak Matrix dump: concatenated {timestamp, chat_id, sender_alias, message} objects with unquoted values" }

    fn sniff(&self, _path: &str, head: &str) -> u8 {
        let b = head.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let (end, next) = line_at(b, i);
            if !is_blank(&b[i..end]) {
                return if is_start(b, i) { 90 } else { 0 };
            }
            i = next;
        }
        0
    }

    fn next_record(&self, text: &str, from: usize) -> Option<usize> {
        let b = text.as_bytes();
        let finder = memmem::Finder::new(b"\n{");
        let mut i = from;
        loop {
            let p = find_start(b, i, &finder)?;
            // The previous line must be exactly `}`.
            if p >= 2 {
                let ls = memchr::memrchr(b'\n', &b[..p - 1]).map_or(0, |q| q + 1);
                if trim_end_ws(&b[ls..p - 1]) == b"}" {
                    return Some(p);
                }
            }
            i = p + 1;
        }
    }

    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let b = chunk.text.as_bytes();
        let finder = memmem::Finder::new(b"\n{");
        let mut r = Reader {
            text: chunk.text,
            chunk,
            ctx,
            lines: chunk.lines(),
            resolver: ctx.resolver(),
        };
        let Some(mut start) = find_start(b, 0, &finder) else {
            r.garbage(0, b.len(), sink);
            return;
        };
        r.garbage(0, start, sink);
        loop {
            let next = find_start(b, start + 1, &finder);
            r.record(start, next.unwrap_or(b.len()), sink);
            match next {
                Some(n) => start = n,
                None => break,
            }
        }
        sink.dst_adjusted(r.resolver.adjusted);
    }
}

/// One chunk being read: its text, where it sits, and the line and zone state that carry
/// from record to record.
struct Reader<'a, 'c> {
    text: &'a str,
    chunk: &'c Chunk<'a>,
    ctx: &'c ParseCtx<'a>,
    lines: super::Lines<'a>,
    resolver: crate::time::Resolver,
}

impl<'a> Reader<'a, '_> {
    /// Reports non-blank text in `[from, to)` as one problem at its first non-blank line.
    fn garbage(&mut self, from: usize, to: usize, sink: &mut dyn Sink<'a>) {
        let text = self.text;
        let b = text.as_bytes();
        let mut i = from;
        while i < to {
            let (end, next) = line_at(b, i);
            let end = end.min(to);
            if !is_blank(&b[i..end]) {
                let loc = self.ctx.loc(self.chunk, i, self.lines.at(i));
                sink.problem(Problem::new(
                    loc,
                    format!(
                        "unexpected text between records: {}",
                        excerpt(text[i..end].trim_end())
                    ),
                ));
                return;
            }
            i = next;
        }
    }

    /// Reads the record whose `{` line starts at `start` and which runs to `end` (the next
    /// record start or the end of the chunk).
    fn record(&mut self, start: usize, end: usize, sink: &mut dyn Sink<'a>) {
        let text = self.text;
        let b = text.as_bytes();
        let loc = self.ctx.loc(self.chunk, start, self.lines.at(start));
        let (_, body_start) = line_at(b, start);

        // Find the closing `}` line: the last non-blank line, or else the last `}` line.
        let mut close = None;
        let mut last_nonblank = true;
        let mut e = end;
        while e > body_start {
            // The line that ends at `e` (exclusive of its `\n`).
            let stop = if b[e - 1] == b'\n' { e - 1 } else { e };
            let ls = memchr::memrchr(b'\n', &b[body_start..stop])
                .map_or(body_start, |q| body_start + q + 1);
            let line = &b[ls..stop];
            if trim_end_ws(line) == b"}" {
                close = Some((ls, e, last_nonblank));
                break;
            }
            if !is_blank(line) {
                last_nonblank = false;
            }
            e = ls;
        }
        let Some((close_at, close_end, clean)) = close else {
            sink.problem(Problem::new(
                loc,
                "truncated record (no closing `}` line)".to_string(),
            ));
            return;
        };

        // Fields.
        let mut ts: Option<&'a str> = None;
        let mut chat: Option<&'a str> = None;
        let mut sender: Option<&'a str> = None;
        let mut msg: Option<(usize, usize)> = None; // value start, end of last line
        let mut msg_followed = false;
        let mut in_msg = false;
        let mut seen = 0u8;
        let mut stray = false;
        let mut i = body_start;
        while i < close_at {
            let (le, next) = line_at(b, i);
            let le = le.min(close_at);
            let line = &b[i..le];
            let key = key_line(line)
                .filter(|&(k, _)| !in_msg || (k != Key::Other && seen & k.bit() == 0));
            match key {
                Some((k, v)) => {
                    if in_msg {
                        in_msg = false;
                        msg_followed = true;
                    }
                    seen |= k.bit();
                    let value = &text[i + v..le];
                    match k {
                        Key::Timestamp => ts = Some(single_value(value)),
                        Key::ChatId => chat = Some(single_value(value)),
                        Key::SenderAlias => sender = Some(single_value(value)),
                        Key::Message => {
                            msg = Some((i + v, le));
                            msg_followed = false;
                            in_msg = true;
                        }
                        Key::Other => {}
                    }
                }
                None if in_msg => {
                    if let Some(m) = msg.as_mut() {
                        m.1 = le;
                    }
                }
                None => {
                    if !is_blank(line) {
                        stray = true;
                    }
                }
            }
            i = next;
        }

        let problem = |what: String| Problem::new(loc, what);
        let time = match ts {
            None => Err("record without timestamp".to_string()),
            Some(t) => {
                let t = t.trim();
                match parse_iso(t.as_bytes()) {
                    Some((c, off, n)) if n == t.len() => Ok(match off {
                        Some(o) => c.at_offset(o),
                        None => self.resolver.resolve(&c),
                    }),
                    _ => Err(format!("bad timestamp \"{}\"", excerpt(t))),
                }
            }
        };
        match (time, sender) {
            (Err(what), _) => sink.problem(problem(what)),
            (Ok(_), None) => sink.problem(problem("record without sender_alias".to_string())),
            (Ok(time), Some(sender)) => {
                if stray {
                    sink.problem(problem(
                        "record has lines that are not `key: value` before its message".to_string(),
                    ));
                }
                let body = match msg {
                    Some((s, e)) => message_body(&text[s..e], msg_followed),
                    None => Cow::Borrowed(""),
                };
                sink.message(Message {
                    channel: chat.map(Cow::Borrowed),
                    ..Message::new(time, sender, body, loc)
                });
            }
        }
        if !clean {
            self.garbage(close_end, end, sink);
        }
    }
}

/// The message text from its raw span: trailing blank lines dropped, one trailing comma
/// stripped when another field follows, `\r` before line ends removed.
fn message_body(raw: &str, followed: bool) -> Cow<'_, str> {
    let mut s = raw;
    loop {
        match s.rfind('\n') {
            Some(p) if is_blank(&s.as_bytes()[p + 1..]) => s = &s[..p],
            _ => break,
        }
    }
    let mut s = s.strip_suffix('\r').unwrap_or(s);
    if followed {
        s = s.strip_suffix(',').unwrap_or(s);
    }
    strip_cr(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testkit::{self, Agree, Find, Subject};
    use crate::formats::{Collect, parse_text};
    use crate::time::Zone;

    fn run(text: &str, target: usize) -> Collect<'_> {
        let ctx = ParseCtx::new(0, "dump.json", Zone::Utc);
        parse_text(&BlackBasta, text, &ctx, target)
    }

    fn rec(ts: &str, sender: &str, message: &str) -> String {
        format!(
            "{{\n    timestamp: {ts},\n    chat_id: !R:m.example,\n    sender_alias: {sender},\n    message: {message}\n}}\n"
        )
    }

    #[test]
    fn pasted_brace_and_key_lines_after_text_stay_in_the_message() {
        let body = "вот конфиг:\n{\n    timestamp: fake,\n    host: 10.0.0.5\n}\nпроверь";
        let text = format!(
            "{}\n{}\n",
            rec("2023-10-02 14:05:31", "@gg:matrix.example.online", body),
            rec("2023-10-02 14:06:00", "@lapa:matrix.example.online", "ok")
        );
        for target in [usize::MAX, 1, 16, 97] {
            let c = run(&text, target);
            assert!(c.problems.is_empty(), "{:?}", c.problems);
            assert_eq!(c.messages.len(), 2, "target {target}");
            assert_eq!(c.messages[0].body, body);
            assert_eq!(c.messages[1].body, "ok");
        }
    }

    #[test]
    fn closing_brace_followed_by_text_stays_in_the_message() {
        let text = format!(
            "{}{}",
            rec(
                "2023-10-02 14:05:31",
                "@a:m",
                "code:\n}\nmore\n}\n{\n    x: 1\n}"
            ),
            rec("2023-10-02 14:05:32", "@b:m", "next")
        );
        let c = run(&text, usize::MAX);
        assert!(c.problems.is_empty());
        assert_eq!(c.messages.len(), 2);
        assert_eq!(c.messages[0].body, "code:\n}\nmore\n}\n{\n    x: 1\n}");
        assert_eq!(c.messages[1].loc.line, 13);
        assert_eq!(c.messages[1].channel.as_deref(), Some("!R:m.example"));
    }

    #[test]
    fn a_key_the_record_already_has_is_a_continuation_line() {
        let text = rec(
            "2023-10-02 14:05:31",
            "@a:m",
            "yaml:\n    timestamp: 5,\n    sender_alias: root\n    other: x",
        );
        let c = run(&text, usize::MAX);
        assert_eq!(c.messages[0].sender, "@a:m");
        assert_eq!(
            c.messages[0].body,
            "yaml:\n    timestamp: 5,\n    sender_alias: root\n    other: x"
        );
    }

    #[test]
    fn trailing_comma_of_the_message_is_stripped_only_when_a_field_follows() {
        let text = "{\n    timestamp: 2023-10-02 14:05:31,\n    message: ok,\n    sender_alias: @a:m\n}\n{\n    timestamp: 2023-10-02 14:05:32,\n    sender_alias: @a:m,\n    message: ok,\n\n  \n}\n";
        let c = run(text, usize::MAX);
        assert!(c.problems.is_empty());
        assert_eq!(c.messages[0].body, "ok");
        assert_eq!(c.messages[0].sender, "@a:m");
        assert_eq!(c.messages[0].channel, None);
        assert_eq!(c.messages[1].body, "ok,");
        assert_eq!(c.messages[1].sender, "@a:m");
    }

    #[test]
    fn crlf_line_ends_are_removed_from_values_and_bodies() {
        let text = rec("2023-10-02 14:05:31", "@a:m", "one\n  two").replace('\n', "\r\n");
        let c = run(&text, usize::MAX);
        assert_eq!(c.messages[0].body, "one\n  two");
        assert_eq!(c.messages[0].sender, "@a:m");
        assert_eq!(c.messages[0].channel.as_deref(), Some("!R:m.example"));
    }

    #[test]
    fn empty_message_is_still_a_message() {
        let text =
            "{\n    timestamp: 2023-10-02 14:05:31,\n    sender_alias: @a:m,\n    message:\n}\n";
        let c = run(text, usize::MAX);
        assert_eq!(c.messages.len(), 1);
        assert_eq!(c.messages[0].body, "");
        assert_eq!(c.messages[0].kind, crate::model::Kind::Message);
    }

    #[test]
    fn next_record_needs_a_closing_brace_before_and_a_known_key_after() {
        let a = rec("2023-10-02 14:05:31", "@a:m", "x\n}\n{\n    foo: 1");
        let b = rec("2023-10-02 14:05:32", "@b:m", "y");
        let text = format!("{a}{b}");
        let second = a.len();
        assert_eq!(BlackBasta.next_record(&text, 1), Some(second));
        assert_eq!(BlackBasta.next_record(&text, second), Some(second));
        assert_eq!(BlackBasta.next_record(&text, second + 1), None);
        let garbage = format!("{a}junk\n{b}");
        assert_eq!(BlackBasta.next_record(&garbage, 1), None);
    }

    #[test]
    fn bad_records_are_reported_at_their_brace_line() {
        let text = format!(
            "{}{}{}junk line\n{}{}",
            rec("2023-10-02 25:05:31", "@a:m", "bad time"),
            "{\n    timestamp: 2023-10-02 14:05:31,\n    message: who?\n}\n",
            rec("2023-10-02 14:05:32", "@a:m", "ok"),
            rec("2023-10-02 14:05:33", "@a:m", "after junk"),
            "{\n    timestamp: 2023-10-02 14:05:34,\n    sender_alias: @a:m,\n    message: cut",
        );
        let c = run(&text, usize::MAX);
        let bodies: Vec<_> = c.messages.iter().map(|m| m.body.as_ref()).collect();
        assert_eq!(bodies, ["ok", "after junk"]);
        let got = testkit::problems(&c);
        assert_eq!(
            got,
            [
                (1, "bad timestamp \"2023-10-02 25:05:31\""),
                (7, "record without sender_alias"),
                (17, "unexpected text between records: junk line"),
                (24, "truncated record (no closing `}` line)"),
            ]
        );
    }

    #[test]
    fn sniff_is_confident_only_on_the_record_layout() {
        let head = rec("2023-10-02 14:05:31", "@a:m", "x");
        assert_eq!(BlackBasta.sniff("dump.json", &head), 90);
        assert_eq!(BlackBasta.sniff("dump.json", &format!("\n\n{head}")), 90);
        assert_eq!(BlackBasta.sniff("x.json", "{\n    \"timestamp\": 1\n}"), 0);
        assert_eq!(BlackBasta.sniff("x.json", "{\n    foo: 1\n}"), 0);
        assert_eq!(BlackBasta.sniff("x.txt", "hello\n{\n    timestamp: x"), 0);
        assert_eq!(BlackBasta.sniff("x.txt", ""), 0);
    }

    const FIXTURES: [&str; 3] = [
        include_str!("../../testdata/blackbasta/blackbasta_chats.json"),
        include_str!("../../testdata/blackbasta/blackbasta_crlf.json"),
        include_str!("../../testdata/blackbasta/blackbasta_bad.json"),
    ];

    const SOUP: [&str; 12] = [
        "{",
        "}",
        "\n",
        "\r\n",
        "    timestamp: 2023-10-02 14:05:31",
        "    sender_alias: @a:m",
        "    message: ",
        "    foo: ",
        ",",
        "text",
        "ж",
        "  ",
    ];

    fn read<'a>(_: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        run(text, target)
    }

    const SUBJECT: Subject = Subject::new(
        &BlackBasta,
        "dump.json",
        read,
        &[
            ("dump.json", FIXTURES[0]),
            ("dump.json", FIXTURES[1]),
            ("dump.json", FIXTURES[2]),
        ],
        testkit::after_next_starts_before,
    )
    .agree(Agree::Everything, Agree::Everything)
    .find(Find::Anywhere);

    testkit::props!(SUBJECT);

    testkit::noise!(SUBJECT, token_soup_never_panics_and_split_equals_whole, tokens SOUP);
}
