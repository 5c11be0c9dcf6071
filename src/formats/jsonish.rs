//! Helpers for the JSON-like text found in leaks: scanning and unescaping JSON strings that
//! repairs bad input instead of failing.
//!
//! Leaked "JSON" often carries escapes a strict parser rejects (`\x01`, lone surrogates from
//! truncated UTF-16). [`unescape`] keeps an unknown escape as written, replaces a lone
//! surrogate with U+FFFD, and tells the caller the first thing it repaired so the parser can
//! report it as a problem while still emitting the message.

use super::scan::{line_start, skip_ws};
use super::{Chunk, Lines, ParseCtx, Sink, excerpt, file_name};
use crate::model::Problem;
use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::borrow::Cow;
use std::fmt;

/// How a JSON string ended when scanned by [`scan_string`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringEnd {
    /// Closed by a `"` at this byte position.
    Closed(usize),
    /// A raw newline at this byte position came before the closing quote (JSON strings
    /// never hold a raw newline, so the string is unterminated).
    Newline(usize),
    /// The text ended before the closing quote.
    Eof,
}

/// Finds the end of a JSON string whose contents start at `from` (just after the opening
/// quote). Returns how it ended and whether it contains a backslash (needs [`unescape`]).
#[inline]
pub fn scan_string(b: &[u8], from: usize) -> (StringEnd, bool) {
    let mut j = from;
    let mut escaped = false;
    while j < b.len() {
        match memchr::memchr3(b'"', b'\\', b'\n', &b[j..]) {
            Some(k) => {
                let at = j + k;
                match b[at] {
                    b'"' => return (StringEnd::Closed(at), escaped),
                    b'\\' => {
                        escaped = true;
                        j = at + 1;
                        // Skip the escaped byte, but never a newline (that ends the line).
                        if j < b.len() && b[j] != b'\n' {
                            j += 1;
                        }
                    }
                    _ => return (StringEnd::Newline(at), escaped),
                }
            }
            None => break,
        }
    }
    (StringEnd::Eof, escaped)
}

/// What [`unescape`] had to repair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Repair<'a> {
    /// An escape JSON does not define (`\x`, `\u12`, a trailing `\`), kept as written.
    KeptInvalid(&'a str),
    /// A `\uD800`–`\uDFFF` escape without its partner, replaced by U+FFFD.
    LoneSurrogate(&'a str),
}

impl std::fmt::Display for Repair<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Repair::KeptInvalid(s) => write!(f, "invalid escape {s:?} kept as written"),
            Repair::LoneSurrogate(s) => write!(f, "lone surrogate {s:?} replaced by U+FFFD"),
        }
    }
}

fn hex4(b: &[u8]) -> Option<u32> {
    if b.len() < 4 {
        return None;
    }
    let mut v = 0u32;
    for &c in &b[..4] {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

/// Unescapes the raw contents of a JSON string (the text between the quotes): `\n`, `\t`,
/// `\r`, `\b`, `\f`, `\"`, `\\`, `\/`, `\uXXXX` including surrogate pairs. Borrows when there is
/// no backslash. Returns the first repair made, if any.
pub fn unescape(raw: &str) -> (Cow<'_, str>, Option<Repair<'_>>) {
    let b = raw.as_bytes();
    let Some(first) = memchr::memchr(b'\\', b) else {
        return (Cow::Borrowed(raw), None);
    };
    let mut out = String::with_capacity(raw.len());
    let mut repair = None;
    let mut i = 0usize; // start of the not yet copied text
    let mut bs = first; // position of the next backslash
    loop {
        out.push_str(&raw[i..bs]);
        let next = b.get(bs + 1).copied();
        let simple = match next {
            Some(b'n') => Some('\n'),
            Some(b't') => Some('\t'),
            Some(b'r') => Some('\r'),
            Some(b'b') => Some('\u{8}'),
            Some(b'f') => Some('\u{c}'),
            Some(b'"') => Some('"'),
            Some(b'\\') => Some('\\'),
            Some(b'/') => Some('/'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            i = bs + 2;
        } else if next == Some(b'u') {
            match hex4(&b[bs + 2..]) {
                Some(hi @ 0xD800..=0xDBFF) => {
                    let lo = if b.get(bs + 6) == Some(&b'\\') && b.get(bs + 7) == Some(&b'u') {
                        hex4(&b[bs + 8..]).filter(|v| (0xDC00..=0xDFFF).contains(v))
                    } else {
                        None
                    };
                    match lo {
                        Some(lo) => {
                            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                            i = bs + 12;
                        }
                        None => {
                            out.push('\u{FFFD}');
                            repair.get_or_insert(Repair::LoneSurrogate(&raw[bs..bs + 6]));
                            i = bs + 6;
                        }
                    }
                }
                Some(0xDC00..=0xDFFF) => {
                    out.push('\u{FFFD}');
                    repair.get_or_insert(Repair::LoneSurrogate(&raw[bs..bs + 6]));
                    i = bs + 6;
                }
                Some(v) => {
                    out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
                    i = bs + 6;
                }
                None => {
                    out.push_str("\\u");
                    repair.get_or_insert(Repair::KeptInvalid("\\u"));
                    i = bs + 2;
                }
            }
        } else {
            // Unknown escape or a trailing backslash: keep the backslash, and let the next
            // character be copied as ordinary text.
            out.push('\\');
            let shown = match raw[bs + 1..].chars().next() {
                Some(c) => &raw[bs..bs + 1 + c.len_utf8()],
                None => "\\",
            };
            repair.get_or_insert(Repair::KeptInvalid(shown));
            i = bs + 1;
        }
        match memchr::memchr(b'\\', &b[i..]) {
            Some(k) => bs = i + k,
            None => {
                out.push_str(&raw[i..]);
                return (Cow::Owned(out), repair);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Byte scanning of JSON text (positions only, never panic), shared by the JSON app exports.

/// Skips a UTF-8 byte order mark at the start.
pub(crate) fn skip_bom(b: &[u8]) -> usize {
    if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    }
}

/// `b[i]` is `"`: the position after the closing quote, or `None` when the input ends first.
#[inline]
pub(crate) fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i.checked_add(1)?;
    loop {
        let rest = b.get(j..)?;
        let k = memchr::memchr2(b'"', b'\\', rest)?;
        let at = j + k;
        if b[at] == b'"' {
            return Some(at + 1);
        }
        // A backslash escapes the next byte (any `\uXXXX` digits are plain bytes).
        j = at + 2;
    }
}

/// `b[i]` is `{`: the position after its matching `}`, or `None` when the input ends first.
/// Only braces and strings are tracked (brackets cannot hide braces in valid JSON; invalid
/// JSON inside is left for serde to report).
pub(crate) fn object_end(b: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    loop {
        let rest = b.get(j..)?;
        let k = memchr::memchr3(b'"', b'{', b'}', rest)?;
        let at = j + k;
        match b[at] {
            b'"' => j = string_end(b, at)?,
            b'{' => {
                depth += 1;
                j = at + 1;
            }
            _ => {
                depth = depth.saturating_sub(1);
                j = at + 1;
                if depth == 0 {
                    return Some(j);
                }
            }
        }
    }
}

/// How many spaces a line starts with.
#[inline]
pub(crate) fn indent(line: &[u8]) -> usize {
    line.iter().take_while(|&&c| c == b' ').count()
}

/// An excerpt of `text` from `at` (cut at char boundaries).
pub(crate) fn excerpt_at(text: &str, at: usize) -> String {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let mut end = at.saturating_add(80).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    excerpt(text.get(at..end).unwrap_or(""))
}

/// For a sniff: where the top-level `{` stands in `head` (after a BOM and white space), when
/// `path` names a `.json` file (any case) and `head` opens an object; else `None`.
pub(crate) fn json_object_head(path: &str, head: &str) -> Option<usize> {
    let name = file_name(path);
    let is_json = name.len() > 5
        && name
            .get(name.len() - 5..)
            .is_some_and(|e| e.eq_ignore_ascii_case(".json"));
    if !is_json {
        return None;
    }
    let b = head.as_bytes();
    let i = skip_ws(b, skip_bom(b));
    (b.get(i) == Some(&b'{')).then_some(i)
}

/// The start of the first element line at or after `from` (`from` itself when it starts a
/// line, else the next line start) for which `is_start` holds; after the first, only lines
/// starting `    {` (an array element at the exporters' indent) are tried. For the JSON exports
/// whose messages are the elements of a pretty-printed array (Discord, Slack).
pub(crate) fn next_element_start(
    b: &[u8],
    from: usize,
    is_start: impl Fn(&[u8], usize) -> bool,
) -> Option<usize> {
    if from > b.len() {
        return None;
    }
    let mut i = from;
    if i > 0 && b.get(i - 1) != Some(&b'\n') {
        i = i + memchr::memchr(b'\n', &b[i..])? + 1;
    }
    let finder = memchr::memmem::Finder::new(b"\n    {");
    // `i` is a line start: test it, then every later line start found.
    loop {
        if is_start(b, i) {
            return Some(i);
        }
        let k = finder.find(b.get(i..)?)?;
        i = i + k + 1;
    }
}

/// A parser of a JSON array of message objects, read element by element with serde (a
/// Discord export's `messages`, a Slack day file): what [`walk_array`] needs of it.
pub(crate) trait ArrayWalk<'a> {
    /// The serde form of one element.
    type Raw: Deserialize<'a>;
    /// What [`ArrayWalk::element`] needs besides the element (the channel).
    type Extra;
    /// What a file cut off after or inside an element lacks at the end: `]` or `]}`.
    const CLOSER: &'static str;
    /// The chunk, the parse context and the chunk's line counter.
    fn parts(&mut self) -> (&Chunk<'a>, &ParseCtx<'a>, &mut Lines<'a>);
    /// Turns the element `text[start..end]`, starting on `line`, into a message or a problem.
    fn element(
        &mut self,
        raw: Self::Raw,
        start: usize,
        end: usize,
        line: u64,
        extra: &Self::Extra,
        sink: &mut dyn Sink<'a>,
    );
    /// Where to go on after a damaged element whose `{` is at `from - 1`: the next strict
    /// element start at or after `from`.
    fn resume(&self, from: usize) -> Option<usize>;
    /// At the array's closing `]` at `at`: where to go on reading elements, if anywhere.
    fn close(&mut self, _at: usize, _sink: &mut dyn Sink<'a>) -> Option<usize> {
        None
    }
    /// Reports `what` as a problem at byte `at`.
    fn problem(&mut self, sink: &mut dyn Sink<'a>, at: usize, what: String) {
        let (chunk, ctx, lines) = self.parts();
        let line = lines.at(at);
        sink.problem(Problem::new(ctx.loc(chunk, at, line), what));
    }
}

/// Reads the elements of a JSON array from `i` (just inside its `[`, or at an element start
/// in a later chunk) to its `]` or the end of the chunk: each object through
/// [`ArrayWalk::element`], anything else, bad JSON or a cut-off element as a problem.
pub(crate) fn walk_array<'a, W: ArrayWalk<'a>>(
    w: &mut W,
    mut i: usize,
    extra: &W::Extra,
    sink: &mut dyn Sink<'a>,
) {
    let (chunk, _, _) = w.parts();
    let text: &'a str = chunk.text;
    let last_chunk = chunk.last;
    let b = text.as_bytes();
    loop {
        i = skip_ws(b, i);
        let Some(&c) = b.get(i) else {
            if last_chunk {
                w.problem(
                    sink,
                    b.len(),
                    format!(
                        "truncated: the file ends after the last message; missing \"{}\"",
                        W::CLOSER
                    ),
                );
            }
            return;
        };
        match c {
            b']' => match w.close(i, sink) {
                Some(p) => i = p,
                None => return,
            },
            b',' => i += 1,
            b'{' => {
                let line = w.parts().2.at(i);
                let mut stream =
                    serde_json::Deserializer::from_str(&text[i..]).into_iter::<W::Raw>();
                match stream.next() {
                    Some(Ok(raw)) => {
                        let end = i + stream.byte_offset();
                        w.element(raw, i, end, line, extra, sink);
                        i = end;
                    }
                    Some(Err(e)) if !e.is_eof() => {
                        let (chunk, ctx, _) = w.parts();
                        let loc = ctx.loc(chunk, i, line);
                        sink.problem(Problem::new(
                            loc,
                            format!("bad message JSON ({e}): {}", excerpt_at(text, i)),
                        ));
                        match w.resume(i + 1) {
                            Some(n) => i = n,
                            None => return,
                        }
                    }
                    _ => {
                        let (chunk, ctx, _) = w.parts();
                        let loc = ctx.loc(chunk, i, line);
                        let last = line_start(b, b.len().saturating_sub(1));
                        sink.problem(Problem::new(
                            loc,
                            format!(
                                "truncated: the file ends inside this message (last line {:?}); missing the rest of the message and \"{}\"",
                                excerpt_at(text, last),
                                W::CLOSER
                            ),
                        ));
                        return;
                    }
                }
            }
            _ => {
                let ex = excerpt_at(text, i);
                w.problem(sink, i, format!("message is not an object: {ex}"));
                match w.resume(i + 1) {
                    Some(n) => i = n,
                    None => return,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_strings_are_borrowed() {
        let (s, r) = unescape("зп пришла?");
        assert!(matches!(s, Cow::Borrowed("зп пришла?")));
        assert_eq!(r, None);
    }

    #[test]
    fn standard_escapes_and_surrogate_pairs_decode() {
        let (s, r) = unescape(r#"a\nb\t\"q\"\\ \/ \u0416\ud83d\ude00"#);
        assert_eq!(s, "a\nb\t\"q\"\\ / Ж😀");
        assert_eq!(r, None);
    }

    #[test]
    fn invalid_escape_is_kept_as_written_and_reported() {
        let (s, r) = unescape(r"x\x01y");
        assert_eq!(s, r"x\x01y");
        assert_eq!(r, Some(Repair::KeptInvalid(r"\x")));
        let (s, r) = unescape(r"end\");
        assert_eq!(s, r"end\");
        assert_eq!(r, Some(Repair::KeptInvalid(r"\")));
        let (s, r) = unescape(r"\u12z");
        assert_eq!(s, r"\u12z");
        assert_eq!(r, Some(Repair::KeptInvalid(r"\u")));
        let (s, _) = unescape(r"\ж");
        assert_eq!(s, r"\ж");
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let (s, r) = unescape(r"a\ud83db\ude00");
        assert_eq!(s, "a\u{FFFD}b\u{FFFD}");
        assert_eq!(r, Some(Repair::LoneSurrogate(r"\ud83d")));
    }

    #[test]
    fn scan_string_stops_at_quote_newline_or_end() {
        let b = br#"ab\"c" rest"#;
        assert_eq!(scan_string(b, 0), (StringEnd::Closed(5), true));
        assert_eq!(scan_string(b"ab\ncd\"", 0), (StringEnd::Newline(2), false));
        assert_eq!(scan_string(b"ab\\", 0), (StringEnd::Eof, true));
        assert_eq!(scan_string(b"ab\\\n\"", 0), (StringEnd::Newline(3), true));
    }
}

// A serde string that borrows from the input (shared by the JSON formats).
/// A string that borrows from the input unless it had escapes.
#[derive(Debug)]
pub(crate) struct Str<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}
