//! `signal`: the per-conversation files of signal-export (`sigexport`): `chat.md` and
//! `data.json`, one folder per conversation (`export/Lin Wei/chat.md`).
//!
//! **`chat.md`**: each message is written as `[YYYY-MM-DD HH:MM:SS] Sender: body` followed by a
//! blank line (older versions: `[YYYY-MM-DD, HH:MM]`; both, and the other two combinations, are
//! read). A header is that bracketed stamp, a space, a non-empty sender and `: ` (or a `:`
//! ending the line); any other line continues the body, so bodies may hold blank lines and
//! pasted text. The exporter decorates the body, and this parser undoes it:
//! - it appends two spaces (a markdown line break) to every body: removed;
//! - attachments follow as markdown links, `![name](./media/file.jpg)  ` for images and
//!   `[name](./media/file.pdf)  ` for other files, sticker images as
//!   `[emoji](../exported_stickers/…)`, and an attachment that did not reach the export as
//!   `(media not exported)  ` or `(attachment not exported)  `: the trailing run of such links
//!   on the last line is removed and each link's name (or the placeholder) goes into
//!   `attachments`;
//! - reactions as a line `(- Name: 👍, Other: ❤ -)` and a sticker without an image as a line
//!   `(( label ))`, both after the body: removed. Current versions write the attachment links
//!   after them, on the same line; versions before 2024 (whose file is `index.md`, with
//!   `[YYYY-MM-DD HH:MM]` stamps and no blank line between messages) wrote the links on the
//!   body's line and the reactions on a line after them: link runs and these lines are peeled
//!   off the end in any order;
//! - a quoted reply as `Sender: ` + blank line + `> quoted` lines + blank line + body: the
//!   quote block is removed (the body is the reply's own text, as in `data.json`).
//!
//! Leading line breaks of the body are dropped, trailing blank lines too; nothing else is
//! trimmed, `\r` before `\n` is removed.
//!
//! **`data.json`**: one JSON object per line, as signal-export's `Message.dict_str()` writes
//! it: `date` (ISO 8601, local time, no offset; fractional seconds allowed), `sender`, `body`
//! (with the same two trailing spaces, removed), `quote`, `sticker` (a string or object;
//! non-empty means a sticker), `reactions`, `attachments` (`[{"name", "path", "missing_kind"}]`;
//! the name, or the path when there is no name, goes into `attachments`; one that did not
//! reach the export has neither but a `missing_kind`, and reads as `chat.md` shows it, e.g.
//! `(media not exported)`), `deleted`, `call`, `missed`.
//! Unknown keys are ignored. A line that is not such an object (bad JSON, no `date` or
//! `sender`, a bad date) is a problem at its line.
//!
//! **Both**: sender as written (`Me` for one's own messages, `No-Sender` when the exporter did
//! not know); kind `deleted` for `(This message was deleted)` (or `deleted: true`), `call` for
//! the exporter's call lines (`Missed voice call`, `Incoming video call (accepted, 2m 3s)`,
//! `Outgoing call`, …: `Missed`/`Incoming`/`Outgoing`, optionally `voice`/`video`, `call`,
//! optionally a `(…)` detail) or `call`/`missed: true`, `attachment` when the body is empty and
//! there is an attachment or sticker, else `message`. Times are the exporter's local time,
//! resolved in `--source-tz`. Channel: the conversation folder's name (the path component
//! before the file name), or none for a bare `chat.md`.
//!
//! A chunk whose first non-blank byte is `{` is read as `data.json`, otherwise as `chat.md`.

use std::borrow::Cow;
use std::fmt;

use memchr::{memchr, memchr2, memmem, memrchr};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::jsonish::Str;
use super::scan::{crlf_to_lf, next_line_where, trim_trailing_blank};
use super::{About, Chunk, Format, ParseCtx, Sink, excerpt, file_name};
use crate::model::{Kind, Message, Problem};
use crate::time::{Civil, digits, parse_iso};

/// The `signal` format.
#[derive(Debug, Clone, Copy)]
pub struct Signal;

/// A `chat.md` header: its stamp and where the sender and the body start in the line.
#[derive(Debug, Clone, Copy)]
struct Head {
    civil: Civil,
    sender: (usize, usize),
    body: usize,
}

/// `[YYYY-MM-DD[,] HH:MM[:SS]] Sender: ` at the start of `b` (one line without `\n`). The
/// stamp is returned as written (check [`Civil::is_valid`]).
#[inline]
fn head(b: &[u8]) -> Option<Head> {
    if b.len() < 19 || b[0] != b'[' || b[5] != b'-' || b[8] != b'-' {
        return None;
    }
    let mut i = 11;
    match b[11] {
        b' ' => {}
        b',' if b.get(12) == Some(&b' ') => i = 12,
        _ => return None,
    }
    // `i` is at the space before the time.
    if b.get(i) != Some(&b' ') || b.get(i + 3) != Some(&b':') {
        return None;
    }
    let hour = digits::<2>(b.get(i + 1..)?)?;
    let minute = digits::<2>(b.get(i + 4..)?)?;
    let mut j = i + 6;
    let mut second = 0;
    if b.get(j) == Some(&b':') {
        second = digits::<2>(b.get(j + 1..)?)?;
        j += 3;
    }
    if b.get(j) != Some(&b']') || b.get(j + 1) != Some(&b' ') {
        return None;
    }
    let s0 = j + 2;
    let rest = b.get(s0..)?;
    let mut from = 0;
    let (s1, body) = loop {
        let k = from + memchr(b':', rest.get(from..)?)?;
        match rest.get(k + 1) {
            Some(b' ') => break (s0 + k, s0 + k + 2),
            None => break (s0 + k, s0 + k + 1),
            Some(b'\r') if k + 2 == rest.len() => break (s0 + k, s0 + k + 1),
            _ => from = k + 1,
        }
    };
    if s1 == s0 {
        return None;
    }
    let civil = Civil::at(
        digits::<4>(&b[1..])? as i32,
        digits::<2>(&b[6..])?,
        digits::<2>(&b[9..])?,
        hour,
        minute,
        second,
    );
    Some(Head {
        civil,
        sender: (s0, s1),
        body,
    })
}

/// One markdown link `!?[name](path)` at the start of `s` whose path starts with `./` or
/// `../`, followed by spaces: (name, bytes used).
fn link(s: &str) -> Option<(&str, usize)> {
    if let Some(p) = NOT_EXPORTED.iter().find(|p| s.starts_with(**p)) {
        let spaces = s[p.len()..].bytes().take_while(|&c| c == b' ').count();
        return Some((&s[..p.len()], p.len() + spaces));
    }
    let mut i = usize::from(s.starts_with('!'));
    if s.as_bytes().get(i) != Some(&b'[') {
        return None;
    }
    i += 1;
    let close = memmem::find(&s.as_bytes()[i..], b"](")? + i;
    let name = &s[i..close];
    let p = close + 2;
    let path = &s[p..];
    if !(path.starts_with("./") || path.starts_with("../")) {
        return None;
    }
    let end = p + memchr(b')', path.as_bytes())?;
    if s[p..end].contains(' ') {
        return None;
    }
    let mut used = end + 1;
    while s.as_bytes().get(used) == Some(&b' ') {
        used += 1;
    }
    Some((name, used))
}

/// The placeholders signal-export writes for attachments that did not reach the export
/// (`--no-attachments`, a missing or undecryptable file), in place of their links.
const NOT_EXPORTED: [&str; 2] = ["(media not exported)", "(attachment not exported)"];

/// The start of the run of links (and not-exported placeholders) that ends `line`, and
/// their names.
fn link_suffix(line: &str) -> Option<(usize, Vec<&str>)> {
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(k) = memchr2(b'[', b'(', &b[from..]) {
        let mut at = from + k;
        if at > 0 && b[at - 1] == b'!' {
            at -= 1;
        }
        let mut names = Vec::new();
        let mut i = at;
        while i < b.len() {
            match link(&line[i..]) {
                Some((name, used)) => {
                    names.push(name);
                    i += used;
                }
                None => break,
            }
        }
        if i == b.len() && !names.is_empty() {
            return Some((at, names));
        }
        from = from + k + 1;
    }
    None
}

/// A `chat.md` body undecorated (see the module docs): (body, attachments, sticker seen).
fn undecorate(raw: &str) -> (&str, Vec<&str>, bool) {
    let mut body = raw;
    let mut names = Vec::new();
    let mut sticker = false;
    // Quote block: blank line(s), `>` lines, blank line(s).
    if body.starts_with('\n') || body.starts_with("\r\n") {
        let t = body.trim_start_matches(['\n', '\r']);
        if t.starts_with('>') {
            let mut rest = t;
            while rest.starts_with('>') {
                rest = match memchr(b'\n', rest.as_bytes()) {
                    Some(i) => &rest[i + 1..],
                    None => "",
                };
            }
            body = rest;
        }
        body = body.trim_start_matches(['\n', '\r']);
    }
    // Links, reactions and sticker labels all end with `)` (and spaces).
    if !body.trim_end_matches([' ', '\r']).ends_with(')') {
        let body = body.trim_end_matches('\r');
        return (body.strip_suffix("  ").unwrap_or(body), names, sticker);
    }
    // Current versions put the links after the reactions (`(- … -)![a](./media/a.jpg)  `),
    // versions before 2024 before them (`body  ![a](./media/a.jpg)  ` + `\n(- … -)`): peel
    // link runs and reaction or label lines off the end until neither is left.
    loop {
        let ls = memrchr(b'\n', body.as_bytes()).map_or(0, |i| i + 1);
        let l = body[ls..].trim_end_matches('\r');
        if let Some((at, n)) = link_suffix(l) {
            if names.is_empty() {
                names = n;
            } else {
                names.splice(0..0, n);
            }
            body = &body[..ls + at];
            continue;
        }
        let reactions = l.starts_with("(- ") && l.ends_with(" -)");
        let label = l.starts_with("(( ") && l.ends_with(" ))");
        if ls == 0 || !(reactions || label) {
            break;
        }
        sticker |= label;
        body = &body[..ls - 1];
    }
    let body = body.trim_end_matches('\r');
    (body.strip_suffix("  ").unwrap_or(body), names, sticker)
}

/// Whether a body is one of the exporter's call lines.
fn is_call(body: &str) -> bool {
    let Some(rest) = ["Missed ", "Incoming ", "Outgoing "]
        .iter()
        .find_map(|p| body.strip_prefix(p))
    else {
        return false;
    };
    let rest = rest
        .strip_prefix("voice ")
        .or_else(|| rest.strip_prefix("video "))
        .unwrap_or(rest);
    let Some(rest) = rest.strip_prefix("call") else {
        return false;
    };
    rest.is_empty()
        || (rest.starts_with(" (")
            && rest.ends_with(')')
            && memchr(b'\n', rest.as_bytes()).is_none())
}

fn kind_of(body: &str, deleted: bool, call: bool, has_attachment: bool) -> Kind {
    if deleted || body == "(This message was deleted)" {
        Kind::Deleted
    } else if call || is_call(body) {
        Kind::Call
    } else if body.is_empty() && has_attachment {
        Kind::Attachment
    } else {
        Kind::Message
    }
}

/// The conversation folder's name.
fn channel(path: &str) -> Option<&str> {
    let name = file_name(path);
    let dir = path[..path.len() - name.len()].trim_end_matches(['/', '\\', '!']);
    let c = file_name(dir);
    (!c.is_empty() && c != "." && c != "..").then_some(c)
}

/// Whether a sticker field holds a sticker (a non-empty string or any object).
struct StickerFlag(bool);

impl<'de> Deserialize<'de> for StickerFlag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StickerFlag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sticker")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StickerFlag, E> {
                Ok(StickerFlag(!v.is_empty()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<StickerFlag, E> {
                Ok(StickerFlag(false))
            }
            fn visit_none<E: de::Error>(self) -> Result<StickerFlag, E> {
                Ok(StickerFlag(false))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<StickerFlag, E> {
                Ok(StickerFlag(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<StickerFlag, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(StickerFlag(true))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct JsonAttachment<'a> {
    #[serde(default)]
    name: Option<Str<'a>>,
    #[serde(default)]
    path: Option<Str<'a>>,
    #[serde(default)]
    missing_kind: Option<Str<'a>>,
}

impl<'a> JsonAttachment<'a> {
    /// The name, else the path, else the placeholder `chat.md` shows for an attachment
    /// that did not reach the export (`(media not exported)`); nothing when all are empty.
    fn label(self) -> Option<Cow<'a, str>> {
        let non_empty = |s: Option<Str<'a>>| s.map(|s| s.0).filter(|s| !s.is_empty());
        non_empty(self.name)
            .or_else(|| non_empty(self.path))
            .or_else(|| {
                let kind = non_empty(self.missing_kind)?;
                Some(match kind.as_ref() {
                    "media" => Cow::Borrowed(NOT_EXPORTED[0]),
                    "attachment" => Cow::Borrowed(NOT_EXPORTED[1]),
                    k => Cow::Owned(format!("({k} not exported)")),
                })
            })
    }
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct JsonMessage<'a> {
    date: Option<Str<'a>>,
    sender: Option<Str<'a>>,
    #[serde(default)]
    body: Option<Str<'a>>,
    #[serde(default)]
    sticker: Option<StickerFlag>,
    #[serde(default)]
    attachments: Option<Vec<JsonAttachment<'a>>>,
    #[serde(default)]
    deleted: Option<bool>,
    #[serde(default)]
    call: Option<bool>,
    #[serde(default)]
    missed: Option<bool>,
}

fn strip_two_spaces(c: Cow<'_, str>) -> Cow<'_, str> {
    match c {
        Cow::Borrowed(s) => Cow::Borrowed(s.strip_suffix("  ").unwrap_or(s)),
        Cow::Owned(mut s) => {
            if s.ends_with("  ") {
                s.truncate(s.len() - 2);
            }
            Cow::Owned(s)
        }
    }
}

/// Whether the first non-blank byte of `text` is `{` (a `data.json` chunk).
fn is_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

impl Signal {
    fn parse_json<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let text = chunk.text;
        let b = text.as_bytes();
        let chan = channel(ctx.path);
        let mut r = ctx.resolver();
        let mut pos = 0usize;
        let mut line = chunk.line;
        while pos < b.len() {
            let eol = memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i);
            let l = text.get(pos..eol).unwrap_or("");
            if !l.trim().is_empty() {
                let loc = ctx.loc(chunk, pos, line);
                match serde_json::from_str::<JsonMessage<'a>>(l) {
                    Ok(j) => {
                        let stamp = j.date.as_ref().and_then(|d| parse_iso(d.0.as_bytes()));
                        match (stamp, j.sender) {
                            (Some((c, off, n)), Some(sender))
                                if n == j.date.as_ref().map_or(0, |d| d.0.len()) =>
                            {
                                let time = match off {
                                    Some(o) => c.at_offset(o),
                                    None => r.resolve(&c),
                                };
                                let body =
                                    strip_two_spaces(j.body.map_or(Cow::Borrowed(""), |s| s.0));
                                let attachments: Vec<Cow<'a, str>> = j
                                    .attachments
                                    .unwrap_or_default()
                                    .into_iter()
                                    .filter_map(JsonAttachment::label)
                                    .collect();
                                let sticker = j.sticker.is_some_and(|s| s.0);
                                let kind = kind_of(
                                    &body,
                                    j.deleted.unwrap_or(false),
                                    j.call.unwrap_or(false) || j.missed.unwrap_or(false),
                                    sticker || !attachments.is_empty(),
                                );
                                let mut m = Message::new(time, "", body, loc);
                                m.sender = sender.0;
                                m.kind = kind;
                                m.attachments = attachments;
                                m.channel = chan.map(Cow::Borrowed);
                                sink.message(m);
                            }
                            (_, None) => sink.problem(Problem::new(
                                loc,
                                format!("signal data.json record without sender: {}", excerpt(l)),
                            )),
                            _ => sink.problem(Problem::new(
                                loc,
                                format!(
                                    "signal data.json record without a valid date: {}",
                                    excerpt(l)
                                ),
                            )),
                        }
                    }
                    Err(e) => sink.problem(Problem::new(
                        loc,
                        format!("bad signal data.json line ({e}): {}", excerpt(l)),
                    )),
                }
            }
            line += 1;
            pos = eol + 1;
        }
        sink.dst_adjusted(r.adjusted);
    }

    fn parse_md<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let text = chunk.text;
        let b = text.as_bytes();
        let chan = channel(ctx.path);
        let mut r = ctx.resolver();
        struct Pending<'a> {
            civil: Civil,
            start: usize,
            line: u64,
            sender: &'a str,
            body: usize,
        }
        let mut emit = |p: Pending<'a>, end: usize, sink: &mut dyn Sink<'a>| {
            let raw = trim_trailing_blank(text.get(p.body.min(end)..end).unwrap_or(""));
            let (body, names, sticker) = undecorate(raw);
            let kind = kind_of(body, false, false, sticker || !names.is_empty());
            let mut m = Message::new(
                r.resolve(&p.civil),
                p.sender,
                crlf_to_lf(body),
                ctx.loc(chunk, p.start, p.line),
            );
            m.kind = kind;
            m.attachments = names.into_iter().map(Cow::Borrowed).collect();
            m.channel = chan.map(Cow::Borrowed);
            sink.message(m);
        };
        let mut pending: Option<Pending<'a>> = None;
        let mut before = false;
        let mut seen = false;
        let mut pos = 0usize;
        let mut line = chunk.line;
        while pos < b.len() {
            let eol = memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i);
            let l = text.get(pos..eol).unwrap_or("");
            if let Some(h) = head(l.as_bytes()) {
                seen = true;
                if let Some(p) = pending.take() {
                    emit(p, pos, sink);
                }
                if h.civil.is_valid() {
                    pending = Some(Pending {
                        civil: h.civil,
                        start: pos,
                        line,
                        sender: l.get(h.sender.0..h.sender.1).unwrap_or(""),
                        body: pos + h.body,
                    });
                } else {
                    sink.problem(Problem::new(
                        ctx.loc(chunk, pos, line),
                        format!("bad date or time in signal header: {}", excerpt(l)),
                    ));
                }
            } else if !seen && !before && !l.trim().is_empty() {
                before = true;
                sink.problem(Problem::new(
                    ctx.loc(chunk, pos, line),
                    format!(
                        "text before the first signal header (expected `[YYYY-MM-DD HH:MM:SS] Sender: text`): {}",
                        excerpt(l)
                    ),
                ));
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

impl Format for Signal {
    about! { "signal", ["signal-export/Lin Wei/chat.md", "signal-export/Lin Wei/data.json"], "signal-export (sigexport) conversation folders: `chat.md` (`[YYYY-MM-DD HH:MM:SS] Sender: text`) and `data.json` (JSON lines)" }

    fn sniff(&self, path: &str, head_text: &str) -> u8 {
        let name = file_name(path);
        let Some(first) = head_text.lines().find(|l| !l.trim().is_empty()) else {
            return 0;
        };
        let lower = name.to_ascii_lowercase();
        if first.trim_start().starts_with('{') {
            if !(lower.ends_with(".json") || lower.ends_with(".jsonl")) {
                return 0;
            }
            let keys = ["\"date\":", "\"sender\":", "\"body\":", "\"attachments\":"];
            if !keys.iter().all(|k| first.contains(k)) {
                return 0;
            }
            return if name == "data.json" { 95 } else { 70 };
        }
        if !lower.ends_with(".md") {
            return 0;
        }
        match head(first.as_bytes()) {
            Some(h) if h.civil.is_valid() => {
                if name == "chat.md" {
                    95
                } else {
                    70
                }
            }
            _ => 0,
        }
    }

    fn next_record(&self, text: &str, from: usize) -> Option<usize> {
        let json = is_json(text);
        next_line_where(text, from, |l| {
            if json {
                l.starts_with('{')
            } else {
                head(l.as_bytes()).is_some()
            }
        })
    }

    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        if is_json(chunk.text) {
            self.parse_json(chunk, ctx, sink);
        } else {
            self.parse_md(chunk, ctx, sink);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Collect;
    use crate::formats::testkit::{self, Find, Subject, bodies, problem_lines};
    use proptest::prelude::*;

    testkit::fixtures!("signal": MD "Lin Wei/chat.md", JSON "Lin Wei/data.json",
        BAD "bad/chat.md");

    fn parse<'a>(path: &'a str, text: &'a str) -> Collect<'a> {
        testkit::parse(&Signal, path, text)
    }

    #[test]
    fn formats_md_example_and_older_stamp_read() {
        let t = "[2022-03-12 21:04:05] Lin Wei: hi  \n\n[2022-03-12, 21:05] Me: old  \n\n";
        let c = parse("exp/Lin Wei/chat.md", t);
        assert!(c.problems.is_empty());
        assert_eq!(bodies(&c), ["hi", "old"]);
        assert_eq!(c.messages[1].sender, "Me");
        assert_eq!(c.messages[1].loc.line, 3);
        assert_eq!(c.messages[0].channel.as_deref(), Some("Lin Wei"));
        let civil = head(b"[2022-03-12, 21:05] Me: old").unwrap().civil;
        assert_eq!((civil.hour, civil.minute, civil.second), (21, 5, 0));
    }

    #[test]
    fn exporter_decorations_are_removed_from_the_body() {
        let (b, n, s) = undecorate("  ![a b.jpg](./media/a%20b.jpg)  [x.pdf](./media/x.pdf)  ");
        assert_eq!((b, n, s), ("", vec!["a b.jpg", "x.pdf"], false));
        let (b, n, _) = undecorate("see [the docs](https://example.org) ok  ");
        assert_eq!((b, n.len()), ("see [the docs](https://example.org) ok", 0));
        // Attachments that did not reach the export.
        let (b, n, _) = undecorate("doc  (media not exported)  ");
        assert_eq!((b, n), ("doc", vec!["(media not exported)"]));
        let (b, n, _) = undecorate("ok  \n(- Me: 👍 -)(attachment not exported)  ");
        assert_eq!((b, n), ("ok", vec!["(attachment not exported)"]));
        let (b, n, _) = undecorate("(not exported) (media)  ");
        assert_eq!((b, n.len()), ("(not exported) (media)", 0));
        // Before 2024: the links on the body's line, the reactions after it.
        let (b, n, _) = undecorate("pic  ![a.jpg](./media/a.jpg)  \n(- Me: 👍 -)");
        assert_eq!((b, n), ("pic", vec!["a.jpg"]));
        let (b, n, _) = undecorate(
            "  [x.pdf](./media/x.pdf)  ![y.png](./media/y.png)  \r\n(- A: 👍, B: ❤ -)\r",
        );
        assert_eq!((b, n), ("", vec!["x.pdf", "y.png"]));
        let (b, _, s) = undecorate("hi  \n(- A: 👍 -)\n(( 🐱 ))");
        assert_eq!((b, s), ("hi", true));
        let (b, _, _) = undecorate("\n\n> quoted\n> more\n\nreply  ");
        assert_eq!(b, "reply");
        let (b, _, _) = undecorate("two  spaces inside  ");
        assert_eq!(b, "two  spaces inside");
    }

    #[test]
    fn pasted_stamp_lines_inside_a_body_do_not_start_a_record() {
        let t = "[2022-03-12 21:11:00] A: log:\n[2022-03-12] x\n[2022-03-12 21:11:00] no colon here\n[2022-03-12 21:12:00]B: no space\n\nend  \n\n[2022-03-12 21:13:00] B: ok  \n";
        let c = parse("chat.md", t);
        assert_eq!(
            bodies(&c),
            [
                "log:\n[2022-03-12] x\n[2022-03-12 21:11:00] no colon here\n[2022-03-12 21:12:00]B: no space\n\nend",
                "ok"
            ]
        );
    }

    #[test]
    fn kinds_follow_the_exporter_lines() {
        for (b, k) in [
            ("(This message was deleted)", Kind::Deleted),
            ("Missed voice call", Kind::Call),
            ("Incoming video call (accepted, 2m 3s)", Kind::Call),
            ("Outgoing call", Kind::Call),
            ("Outgoing call tomorrow?", Kind::Message),
            ("Missed the bus", Kind::Message),
        ] {
            assert_eq!(kind_of(b, false, false, false), k, "{b}");
        }
        assert_eq!(kind_of("", false, false, true), Kind::Attachment);
        assert_eq!(kind_of("x", true, false, false), Kind::Deleted);
    }

    #[test]
    fn json_lines_read_their_fields_and_bad_lines_are_problems() {
        let c = parse("exp/Lin Wei/data.json", JSON);
        assert_eq!(c.messages.len(), 8);
        assert_eq!(problem_lines(&c), [8, 9, 10]);
        assert_eq!(c.messages[1].time.frac_digits, 6);
        assert_eq!(c.messages[2].attachments, ["IMG_0001.jpg"]);
        assert!(matches!(
            c.messages[0].body,
            Cow::Borrowed("明天还要加班吗")
        ));
        let t =
            r#"{"date": "2022-03-12T21:04:05+03:00", "sender": "A", "body": "x  ", "call": true}"#;
        let c = parse("data.json", t);
        assert_eq!(c.messages[0].time.offset, Some(3 * 3600));
        assert_eq!(c.messages[0].kind, Kind::Call);
        assert_eq!(c.messages[0].channel, None);
    }

    #[test]
    fn bad_headers_and_preamble_are_problems() {
        let c = parse("bad/chat.md", BAD);
        assert_eq!(bodies(&c), ["ok", "fine"]);
        assert_eq!(problem_lines(&c), [1, 4, 7]);
    }

    #[test]
    fn sniff_claims_chat_md_and_data_json_only() {
        assert_eq!(Signal.sniff("x/Lin Wei/chat.md", MD), 95);
        assert_eq!(Signal.sniff("x/Lin Wei/data.json", JSON), 95);
        assert_eq!(Signal.sniff("notes.md", MD), 70);
        assert_eq!(Signal.sniff("chat.txt", MD), 0);
        assert_eq!(Signal.sniff("chat.md", BAD), 0);
        assert_eq!(
            Signal.sniff("data.json", r#"{"time": "x", "sender": "a"}"#),
            0
        );
        assert_eq!(Signal.sniff("1.md", "<table border=\"1\">"), 0);
    }

    #[test]
    fn next_record_finds_headers_or_json_lines() {
        let t = "[2022-03-12 21:11:00] A: x\n[2022-03-12] y\n[2022-03-12 21:12:00] B: z\n";
        let second = t.find("[2022-03-12 21:12").unwrap();
        assert_eq!(Signal.next_record(t, 1), Some(second));
        assert_eq!(Signal.next_record(t, second + 1), None);
        let j = "{\"a\": 1}\n{\"b\": 2}\n";
        assert_eq!(Signal.next_record(j, 1), Some(9));
    }

    #[test]
    fn fixtures_parse_the_same_split_at_every_size() {
        let fixtures = [("L/chat.md", MD), ("L/data.json", JSON), ("b/chat.md", BAD)];
        testkit::assert_split_reads_match(read, &fixtures, 1..80);
    }

    fn read<'a>(path: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        testkit::parse_at(&Signal, path, text, target)
    }

    /// A record survives damage when the next header starts before the damaged line; with
    /// the first byte intact the chunk mode (md or JSON) is unchanged.
    fn survives(original: &str, whole: &Collect<'_>, i: usize, damage: usize) -> bool {
        let next = whole.messages.get(i + 1).map(|m| m.loc.offset as usize);
        damage > 0 && next.is_some_and(|n| n < testkit::line_start_of(original, damage))
    }

    const SUBJECT: Subject = Subject::new(
        &Signal,
        "L/chat.md",
        read,
        &[("L/chat.md", MD), ("L/chat.md", JSON), ("L/chat.md", BAD)],
        survives,
    )
    .find(Find::Offset);

    testkit::props!(SUBJECT);

    testkit::noise!(SUBJECT, headerish_noise_never_panics, lines [
        Just("[2022-03-12 21:04:05] A: x  ".to_string()),
        Just("[2022-13-12, 21:04] A: x".to_string()),
        Just("(- A: 👍 -)".to_string()),
        Just("  ![a](./media/a.jpg)  [b](../x)".to_string()),
        Just("{\"date\": \"2022-03-12T21:04:05\", \"sender\": \"A\", \"body\": \"x\"}".to_string()),
        Just(String::new()),
        "[\\[\\]0-9:, \\-!()>{}\"a-z./\r]{0,30}",
    ]);
}
