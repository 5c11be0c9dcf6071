//! `rocketchat`: Rocket.Chat history dumps (the Conti leak), one file per room per day.
//!
//! Each file is a raw REST API response, `{"messages":[…],"success":true}`, messages newest
//! first, compact on one line or pretty-printed, with extra top-level keys (`count`,
//! `offset`, `total`) in any order:
//!
//! ```json
//! {"messages":[{"_id":"Xk2…","rid":"GENERAL","msg":"привет","ts":"2021-03-01T12:00:01.123Z",
//!   "u":{"_id":"aB3…","username":"stern","name":"Stern"}}],"success":true}
//! ```
//!
//! How it reads: a small hand-written scanner (strings with escapes, brace depth; bounded
//! by the input, never panics) walks the top-level object to the `"messages"` array; each
//! element is deserialized from its `{` with serde_json into borrowed fields (unknown fields
//! ignored), which also says where the element ends. When serde rejects an element, the
//! brace scanner finds its end, so a malformed element costs one [`Problem`] at the line of
//! its `{` and the others still parse. A file cut inside the
//! array keeps every complete element and reports the cut. `{"success":false,"error":…}`
//! responses report the API error. Several responses concatenated in one file are read one
//! after another.
//!
//! Mapping: `_id` → id, `rid` → channel, `msg` → body (as is), `u.username` (else `u._id`)
//! → sender, `ts` (ISO with offset, `{"$date": epoch-ms}`, `{"$date": "ISO"}` or
//! `{"$date": {"$numberLong": "…"}}`) → time. Kind: a row with `t` is `system`, except
//! `t:"e2e"`/`t:"otr"` (ciphertext in `msg`: `encrypted`) and `t:"rm"` (message removed:
//! `deleted`); a row without text and with a file or attachment is `attachment`.
//! Attachments: `file.name`, then per `attachments` entry its `title_link`, else
//! `image_url`, else `title` (entries with none of these, like quotes, name nothing).
//!
//! Splitting: [`Format::next_record`] is not implemented (returns `None`). Files hold one
//! room-day and are small, and a position inside the messages array cannot be proven to be
//! an element start without scanning from the file start (any `{` may sit inside a string),
//! so no strict split exists that is cheaper than parsing.

use super::jsonish::{Str, excerpt_at, json_object_head, object_end, skip_bom, string_end};
use super::scan::skip_ws;
use super::{About, Chunk, Format, ParseCtx, Sink, excerpt};
use crate::model::{Kind, Message, Problem, Timestamp};
use crate::time::parse_iso;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// The `rocketchat` format.
#[derive(Debug, Clone, Copy)]
pub struct RocketChat;

impl Format for RocketChat {
    about! { "rocketchat", ["GENERAL/2021-03-01.json", "rooms/kP3xWq9sTzL2mN7aB_2021-03-01.json"], "Rocket.Chat REST API history dumps ({\"messages\":[…],\"success\":true}, one file per room-day; Conti leak)" }

    fn sniff(&self, path: &str, head: &str) -> u8 {
        sniff(path, head)
    }
    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        Parser {
            chunk,
            ctx,
            b: chunk.text.as_bytes(),
            lines: chunk.lines(),
            resolver: None,
        }
        .run(sink);
    }
}

fn sniff(path: &str, head: &str) -> u8 {
    if json_object_head(path, head).is_none() {
        return 0;
    }
    let b = head.as_bytes();
    // `"messages"` must open an array.
    let finder = memchr::memmem::Finder::new(b"\"messages\"");
    let has_array = finder.find_iter(b).any(|p| {
        let j = skip_ws(b, p + 10);
        b.get(j) == Some(&b':') && b.get(skip_ws(b, j + 1)) == Some(&b'[')
    });
    if !has_array {
        return 0;
    }
    let has = |s: &[u8]| memchr::memmem::find(b, s).is_some();
    let rid = has(b"\"rid\"");
    let user = has(b"\"u\"");
    if rid && user && has(b"\"ts\"") {
        95
    } else if rid || (has(b"\"_id\"") && user) {
        80
    } else {
        0
    }
}

// ---------------------------------------------------------------------------------------
// The scanner: positions only, never panics, every loop advances or stops.

/// What stopped a scan of a value.
enum Skip {
    /// The input ended inside the value.
    Truncated,
    /// A byte that cannot start or continue a value here.
    Unexpected(usize),
}

/// Skips any JSON value starting at `i` (after whitespace): the position after it.
fn skip_value(b: &[u8], i: usize) -> Result<usize, Skip> {
    let i = skip_ws(b, i);
    match b.get(i) {
        None => Err(Skip::Truncated),
        Some(b'"') => string_end(b, i).ok_or(Skip::Truncated),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j) {
                    None => return Err(Skip::Truncated),
                    Some(b'"') => j = string_end(b, j).ok_or(Skip::Truncated)?,
                    Some(b'{' | b'[') => {
                        depth += 1;
                        j += 1;
                    }
                    Some(b'}' | b']') => {
                        depth = depth.saturating_sub(1);
                        j += 1;
                        if depth == 0 {
                            return Ok(j);
                        }
                    }
                    Some(_) => j += 1,
                }
            }
        }
        Some(c) if c.is_ascii_alphanumeric() || *c == b'-' || *c == b'+' || *c == b'.' => {
            let mut j = i;
            while b
                .get(j)
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.'))
            {
                j += 1;
            }
            Ok(j)
        }
        Some(_) => Err(Skip::Unexpected(i)),
    }
}

// ---------------------------------------------------------------------------------------
// One message element, deserialized with serde.

/// `ts` as written: an ISO string, or Mongo epoch milliseconds.
#[derive(Debug)]
enum Ts<'a> {
    Iso(Cow<'a, str>),
    Millis(i64),
}

impl<'de: 'a, 'a> Deserialize<'de> for Ts<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TsVisitor {
            nested: false,
            life: std::marker::PhantomData,
        })
    }
}

/// Reads `"ISO"`, `{"$date": …}`, and inside `$date` also a number or `{"$numberLong": "…"}`.
struct TsVisitor<'a> {
    nested: bool,
    life: std::marker::PhantomData<&'a ()>,
}

impl<'de: 'a, 'a> Visitor<'de> for TsVisitor<'a> {
    type Value = Ts<'a>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ISO timestamp or {\"$date\": …}")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Ts<'a>, E> {
        Ok(Ts::Iso(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Ts<'a>, E> {
        Ok(Ts::Iso(Cow::Owned(v.to_owned())))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Ts<'a>, E> {
        if self.nested {
            Ok(Ts::Millis(v))
        } else {
            Err(E::invalid_type(de::Unexpected::Signed(v), &self))
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Ts<'a>, E> {
        match i64::try_from(v) {
            Ok(v) => self.visit_i64(v),
            Err(_) => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Ts<'a>, E> {
        if self.nested && v.is_finite() && v.abs() < 1e15 && v.fract() == 0.0 {
            Ok(Ts::Millis(v as i64))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ts<'a>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Str<'a>>()? {
            match key.0.as_ref() {
                "$date" if !self.nested && found.is_none() => {
                    found = Some(map.next_value_seed(TsSeed(std::marker::PhantomData))?);
                }
                "$numberLong" if self.nested && found.is_none() => {
                    let s = map.next_value::<Str<'a>>()?;
                    let ms = s.0.trim().parse::<i64>().map_err(|_| {
                        de::Error::invalid_value(de::Unexpected::Str(&s.0), &"epoch milliseconds")
                    })?;
                    found = Some(Ts::Millis(ms));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        found.ok_or_else(|| de::Error::custom("timestamp object without $date"))
    }
}

/// The value of `$date`.
struct TsSeed<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> de::DeserializeSeed<'de> for TsSeed<'a> {
    type Value = Ts<'a>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Ts<'a>, D::Error> {
        d.deserialize_any(TsVisitor {
            nested: true,
            life: std::marker::PhantomData,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct User<'a> {
    #[serde(rename = "_id")]
    id: Option<Str<'a>>,
    username: Option<Str<'a>>,
}

#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Attachment<'a> {
    title_link: Option<Str<'a>>,
    image_url: Option<Str<'a>>,
    title: Option<Str<'a>>,
}

#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct File<'a> {
    name: Option<Str<'a>>,
}

/// The fields of a message this format reads; all others are skipped.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Raw<'a> {
    #[serde(rename = "_id")]
    id: Option<Str<'a>>,
    rid: Option<Str<'a>>,
    msg: Option<Str<'a>>,
    ts: Option<Ts<'a>>,
    u: Option<User<'a>>,
    t: Option<Str<'a>>,
    attachments: Option<Vec<Option<Attachment<'a>>>>,
    file: Option<File<'a>>,
}

fn non_empty(s: Option<Str<'_>>) -> Option<Cow<'_, str>> {
    s.map(|s| s.0).filter(|s| !s.is_empty())
}

// ---------------------------------------------------------------------------------------
// The walk over a chunk.

struct Parser<'c, 'a, 'p> {
    chunk: &'c Chunk<'a>,
    ctx: &'c ParseCtx<'p>,
    b: &'a [u8],
    lines: super::Lines<'a>,
    resolver: Option<crate::time::Resolver>,
}

impl<'a> Parser<'_, 'a, '_> {
    fn problem(&mut self, sink: &mut dyn Sink<'a>, at: usize, what: String) {
        let line = self.lines.at(at);
        sink.problem(Problem::new(self.ctx.loc(self.chunk, at, line), what));
    }

    /// An excerpt of the text from `at` (a char boundary: the scanner stops only at ASCII
    /// bytes or after them).
    fn excerpt_at(&self, at: usize) -> String {
        excerpt_at(self.chunk.text, at)
    }

    fn run(mut self, sink: &mut dyn Sink<'a>) {
        let mut i = skip_ws(self.b, skip_bom(self.b));
        let mut objects = 0usize;
        while i < self.b.len() {
            if self.b[i] != b'{' {
                let what = if objects == 0 {
                    "not a Rocket.Chat API response (expected '{')"
                } else {
                    "unexpected data after the API response"
                };
                let ex = self.excerpt_at(i);
                self.problem(sink, i, format!("{what}: {ex}"));
                break;
            }
            objects += 1;
            match self.response(i, sink) {
                Some(end) => i = skip_ws(self.b, end),
                None => break,
            }
        }
        if let Some(r) = self.resolver {
            sink.dst_adjusted(r.adjusted);
        }
    }

    /// Reads one top-level response object starting at `start` (`{`). Returns the position
    /// after it, or `None` when reading cannot go on (truncated or garbled structure).
    fn response(&mut self, start: usize, sink: &mut dyn Sink<'a>) -> Option<usize> {
        let start_line = self.lines.at(start);
        let b = self.b;
        let mut i = start + 1;
        let mut saw_messages = false;
        let mut success: Option<bool> = None;
        let mut error: Option<String> = None;
        let mut error_type: Option<String> = None;
        let mut end = None;
        loop {
            i = skip_ws(b, i);
            match b.get(i) {
                None => {
                    self.problem(sink, i, "truncated: the API response ends early".into());
                    break;
                }
                Some(b'}') => {
                    end = Some(i + 1);
                    break;
                }
                Some(b',') => i += 1,
                Some(b'"') => {
                    let Some(key_end) = string_end(b, i) else {
                        self.problem(sink, i, "truncated: the API response ends early".into());
                        break;
                    };
                    let key = &b[i + 1..key_end - 1];
                    let colon = skip_ws(b, key_end);
                    if b.get(colon) != Some(&b':') {
                        let ex = self.excerpt_at(i);
                        self.problem(sink, i, format!("expected ':' after a key: {ex}"));
                        break;
                    }
                    let v = skip_ws(b, colon + 1);
                    if key == b"messages" && b.get(v) == Some(&b'[') {
                        saw_messages = true;
                        match self.messages(v, sink) {
                            Some(next) => i = next,
                            None => break,
                        }
                        continue;
                    }
                    let next = match skip_value(b, v) {
                        Ok(next) => next,
                        Err(e) => {
                            self.skip_failed(sink, v, e);
                            break;
                        }
                    };
                    let value = &self.chunk.text[v..next];
                    match key {
                        b"success" => success = Some(value != "false"),
                        b"error" => error = Some(json_text(value)),
                        b"errorType" => error_type = Some(json_text(value)),
                        _ => {}
                    }
                    i = next;
                }
                Some(_) => {
                    let ex = self.excerpt_at(i);
                    self.problem(
                        sink,
                        i,
                        format!("unexpected data in the API response: {ex}"),
                    );
                    break;
                }
            }
        }
        let loc = self.ctx.loc(self.chunk, start, start_line);
        if success == Some(false) {
            let what = match (error, error_type) {
                (Some(e), Some(t)) if e != t => format!("API error: {e} ({t})"),
                (Some(e), _) | (None, Some(e)) => format!("API error: {e}"),
                (None, None) => "API error: success is false".to_string(),
            };
            sink.problem(Problem::new(loc, what));
        } else if !saw_messages && end.is_some() {
            sink.problem(Problem::new(
                loc,
                "not a Rocket.Chat history response: no \"messages\" array",
            ));
        }
        end
    }

    fn skip_failed(&mut self, sink: &mut dyn Sink<'a>, at: usize, e: Skip) {
        match e {
            Skip::Truncated => {
                self.problem(sink, at, "truncated: the API response ends early".into())
            }
            Skip::Unexpected(p) => {
                let ex = self.excerpt_at(p);
                self.problem(sink, p, format!("not a JSON value: {ex}"));
            }
        }
    }

    /// Reads the messages array at `start` (`[`). Returns the position after it, or `None`
    /// when the input ends inside it or its structure is garbled.
    fn messages(&mut self, start: usize, sink: &mut dyn Sink<'a>) -> Option<usize> {
        let b = self.b;
        let mut i = start + 1;
        loop {
            i = skip_ws(b, i);
            let Some(&c) = b.get(i) else {
                self.problem(sink, i, "truncated: the messages array ends early".into());
                return None;
            };
            match c {
                b']' => return Some(i + 1),
                b',' => i += 1,
                b'{' => {
                    let line = self.lines.at(i);
                    // serde reads the element straight from the text and says where it
                    // ended; the brace scanner is needed only to skip a malformed one.
                    let text: &'a str = self.chunk.text;
                    let mut stream =
                        serde_json::Deserializer::from_str(&text[i..]).into_iter::<Raw<'a>>();
                    let parsed = stream.next();
                    match parsed {
                        Some(Ok(raw)) => {
                            let end = i + stream.byte_offset();
                            self.element(raw, i, end, line, sink);
                            i = end;
                        }
                        Some(Err(e)) if !e.is_eof() => match object_end(b, i) {
                            Some(end) => {
                                let loc = self.ctx.loc(self.chunk, i, line);
                                let what =
                                    format!("bad message JSON ({e}): {}", excerpt(&text[i..end]));
                                sink.problem(Problem::new(loc, what));
                                i = end;
                            }
                            None => return self.truncated_element(i, sink),
                        },
                        _ => return self.truncated_element(i, sink),
                    }
                }
                _ => match skip_value(b, i) {
                    Ok(next) => {
                        let ex = self.excerpt_at(i);
                        self.problem(sink, i, format!("message is not an object: {ex}"));
                        i = next;
                    }
                    Err(e) => {
                        self.skip_failed(sink, i, e);
                        return None;
                    }
                },
            }
        }
    }

    /// Reports a message cut off by the end of the input at `at`.
    fn truncated_element(&mut self, at: usize, sink: &mut dyn Sink<'a>) -> Option<usize> {
        let ex = self.excerpt_at(at);
        self.problem(sink, at, format!("truncated message: {ex}"));
        None
    }

    /// Turns one deserialized element `text[start..end]`, starting on `line`, into a message.
    fn element(
        &mut self,
        raw: Raw<'a>,
        start: usize,
        end: usize,
        line: u64,
        sink: &mut dyn Sink<'a>,
    ) {
        let text: &'a str = self.chunk.text;
        let loc = self.ctx.loc(self.chunk, start, line);
        let slice = &text[start..end];
        let bad = |what: &str| Problem::new(loc, format!("{what}: {}", excerpt(slice)));
        let Some(ts) = raw.ts else {
            sink.problem(bad("message without ts"));
            return;
        };
        let Some(time) = self.time(&ts) else {
            let shown = match &ts {
                Ts::Iso(s) => format!("bad timestamp {:?}", excerpt(s)),
                Ts::Millis(ms) => format!("bad timestamp {{\"$date\": {ms}}}"),
            };
            sink.problem(bad(&shown));
            return;
        };
        let Some(u) = raw.u else {
            sink.problem(bad("message without user (u)"));
            return;
        };
        let Some(sender) = non_empty(u.username).or_else(|| non_empty(u.id)) else {
            sink.problem(bad("message user has neither username nor _id"));
            return;
        };
        let mut attachments: Vec<Cow<'a, str>> = Vec::new();
        if let Some(name) = raw.file.and_then(|f| non_empty(f.name)) {
            attachments.push(name);
        }
        for a in raw.attachments.into_iter().flatten().flatten() {
            let name = non_empty(a.title_link)
                .or_else(|| non_empty(a.image_url))
                .or_else(|| non_empty(a.title));
            if let Some(name) = name
                && !attachments.contains(&name)
            {
                attachments.push(name);
            }
        }
        let body = raw.msg.map_or(Cow::Borrowed(""), |m| m.0);
        let kind = match raw.t.as_ref().map(|t| t.0.as_ref()) {
            Some("e2e" | "otr") => Kind::Encrypted,
            Some("rm") => Kind::Deleted,
            Some(_) => Kind::System,
            None if body.trim().is_empty() && !attachments.is_empty() => Kind::Attachment,
            None => Kind::Message,
        };
        sink.message(Message {
            channel: raw.rid.map(|r| r.0),
            kind,
            attachments,
            id: raw.id.map(|r| r.0),
            ..Message::new(time, sender, body, loc)
        });
    }

    fn time(&mut self, ts: &Ts<'_>) -> Option<Timestamp> {
        match ts {
            Ts::Millis(ms) => Some(Timestamp {
                micros: ms.checked_mul(1000)?,
                offset: Some(0),
                frac_digits: 3,
            }),
            Ts::Iso(s) => {
                let (c, off, n) = parse_iso(s.as_bytes())?;
                if n != s.len() {
                    return None;
                }
                Some(match off {
                    Some(o) => c.at_offset(o),
                    None => self
                        .resolver
                        .get_or_insert_with(|| self.ctx.resolver())
                        .resolve(&c),
                })
            }
        }
    }
}

/// The text of a JSON scalar as a one-line string (strings unescaped).
fn json_text(value: &str) -> String {
    match serde_json::from_str::<String>(value) {
        Ok(s) => excerpt(&s),
        Err(_) => excerpt(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testkit::{self, Agree, Subject};
    use crate::formats::{Collect, parse_text};
    use crate::time::Zone;

    testkit::fixtures!("rocketchat": PRETTY "general_2021-03-01.json",
        COMPACT "dm_2021-03-02.json", BAD "bad_2021-02-28.json");

    fn ctx(zone: Zone) -> ParseCtx<'static> {
        ParseCtx::new(0, "room/2021-03-01.json", zone)
    }

    fn parse(text: &str) -> Collect<'_> {
        parse_text(&RocketChat, text, &ctx(Zone::Utc), usize::MAX)
    }

    fn one(element: &str) -> String {
        format!("{{\"messages\":[{element}],\"success\":true}}")
    }

    fn micros(iso: &str) -> i64 {
        let (c, off, _) = parse_iso(iso.as_bytes()).unwrap();
        c.at_offset(off.unwrap_or(0)).micros
    }

    #[test]
    fn braces_and_escaped_quotes_inside_strings_do_not_end_an_element() {
        let text = one(
            r#"{"_id":"a","msg":"x \"}\" {y} \\","ts":"2021-03-01T12:00:01.123Z","u":{"username":"n"}},{"_id":"b","msg":"z","ts":"2021-03-01T12:00:00.000Z","u":{"username":"m"}}"#,
        );
        let c = parse(&text);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.messages.len(), 2);
        assert_eq!(c.messages[0].body, "x \"}\" {y} \\");
        assert_eq!(c.messages[1].id.as_deref(), Some("b"));
    }

    #[test]
    fn mongo_date_forms_and_iso_give_the_same_instant_with_millisecond_precision() {
        let want = micros("2021-03-01T12:00:01.123Z");
        for ts in [
            r#""2021-03-01T12:00:01.123Z""#,
            r#"{"$date":1614600001123}"#,
            r#"{"$date":"2021-03-01T12:00:01.123Z"}"#,
            r#"{"$date":{"$numberLong":"1614600001123"}}"#,
        ] {
            let text = one(&format!(
                r#"{{"ts":{ts},"u":{{"username":"n"}},"msg":"m"}}"#
            ));
            let c = parse(&text);
            assert!(c.problems.is_empty(), "{ts}: {:?}", c.problems);
            let t = c.messages[0].time;
            assert_eq!(
                (t.micros, t.offset, t.frac_digits),
                (want, Some(0), 3),
                "{ts}"
            );
        }
    }

    #[test]
    fn offset_stamp_keeps_its_offset_and_naive_stamp_uses_source_tz() {
        let text = one(r#"{"ts":"2021-03-01T15:00:01+03:00","u":{"username":"n"}}"#);
        let t = parse(&text).messages[0].time;
        assert_eq!(t.micros, micros("2021-03-01T12:00:01Z"));
        assert_eq!((t.offset, t.frac_digits), (Some(3 * 3600), 0));

        let text = one(r#"{"ts":"2021-03-01T15:00:01.5","u":{"username":"n"}}"#);
        let zone: Zone = "Europe/Moscow".parse().unwrap();
        let c = parse_text(&RocketChat, &text, &ctx(zone), usize::MAX);
        let t = c.messages[0].time;
        assert_eq!(t.micros, micros("2021-03-01T12:00:01.5Z"));
        assert_eq!(t.frac_digits, 1);
    }

    #[test]
    fn bad_timestamp_forms_are_problems_at_the_element_line() {
        for ts in [
            r#""2021-02-30T10:00:00.000Z""#,
            r#""2021-03-01T12:00:01.123Z trailing""#,
            r#"{"$date":true}"#,
            r#"{"$oid":"x"}"#,
            r#"{"$date":9223372036854775807}"#,
            "1614600001123",
        ] {
            let text =
                format!("{{\"messages\":[\n\n{{\"ts\":{ts},\"u\":{{\"username\":\"n\"}}}}]}}");
            let c = parse(&text);
            assert!(c.messages.is_empty(), "{ts}");
            assert_eq!(c.problems.len(), 1, "{ts}: {:?}", c.problems);
            assert_eq!(c.problems[0].loc.line, 3, "{ts}");
            assert_eq!(c.problems[0].loc.offset, 15, "{ts}");
        }
    }

    #[test]
    fn system_rows_are_system_except_e2e_otr_and_removed() {
        let rows = [
            ("uj", Kind::System),
            ("ul", Kind::System),
            ("ru", Kind::System),
            ("r", Kind::System),
            ("room_changed_topic", Kind::System),
            ("e2e", Kind::Encrypted),
            ("otr", Kind::Encrypted),
            ("rm", Kind::Deleted),
        ];
        for (t, kind) in rows {
            let text = one(&format!(
                r#"{{"t":"{t}","msg":"x","ts":"2021-03-01T12:00:00Z","u":{{"username":"n"}}}}"#
            ));
            assert_eq!(parse(&text).messages[0].kind, kind, "t={t}");
        }
    }

    #[test]
    fn message_without_text_but_with_file_is_an_attachment_and_names_are_deduplicated() {
        let text = one(
            r#"{"msg":" ","ts":"2021-03-01T12:00:00Z","u":{"username":"n"},"file":{"_id":"F","name":"a.png","type":"image/png"},"attachments":[{"title":"a.png"},null,{"text":"quote","message_link":"http://x"},{"image_url":"/i/b.png","title":"b"}]}"#,
        );
        let m = &parse(&text).messages[0];
        assert_eq!(m.kind, Kind::Attachment);
        assert_eq!(m.attachments, vec!["a.png", "/i/b.png"]);

        let text = one(
            r#"{"msg":"","ts":"2021-03-01T12:00:00Z","u":{"username":"n"},"attachments":[{"text":"quote only"}]}"#,
        );
        let m = &parse(&text).messages[0];
        assert_eq!(m.kind, Kind::Message);
        assert!(m.attachments.is_empty());
    }

    #[test]
    fn sender_falls_back_to_user_id_and_missing_user_is_a_problem() {
        let text = one(
            r#"{"ts":"2021-03-01T12:00:00Z","u":{"_id":"uX","username":""}},{"ts":"2021-03-01T12:00:00Z","u":{"name":"No Ids"}},{"ts":"2021-03-01T12:00:00Z"}"#,
        );
        let c = parse(&text);
        assert_eq!(c.messages.len(), 1);
        assert_eq!(c.messages[0].sender, "uX");
        assert_eq!(c.messages[0].recipient, None);
        assert_eq!(c.problems.len(), 2);
        assert!(c.problems[0].what.contains("neither username nor _id"));
        assert!(c.problems[1].what.contains("without user"));
    }

    #[test]
    fn unescaped_strings_are_borrowed_and_escaped_ones_owned() {
        let c = parse(COMPACT);
        let m = &c.messages[3];
        assert!(matches!(m.body, Cow::Borrowed("ok")));
        assert!(matches!(m.sender, Cow::Borrowed("lin.wei")));
        assert!(matches!(m.channel, Some(Cow::Borrowed("Hq8vN2xK"))));
        assert!(matches!(c.messages[2].body, Cow::Owned(_)));
    }

    #[test]
    fn api_error_response_reports_the_error_and_yields_nothing() {
        let c = parse("{\"success\":false,\"error\":\"error-room-not-found\"}\n");
        assert!(c.messages.is_empty());
        assert_eq!(c.problems.len(), 1);
        assert_eq!(c.problems[0].what, "API error: error-room-not-found");
        assert_eq!(c.problems[0].loc.line, 1);

        let c = parse(
            r#"{"error":"Not allowed [error-not-allowed]","errorType":"error-not-allowed","success":false}"#,
        );
        assert_eq!(
            c.problems[0].what,
            "API error: Not allowed [error-not-allowed] (error-not-allowed)"
        );
    }

    #[test]
    fn top_level_keys_in_any_order_bom_and_concatenated_responses_are_read() {
        let el = r#"{"ts":"2021-03-01T12:00:00Z","u":{"username":"n"},"msg":"a"}"#;
        let text = format!(
            "\u{feff}{{\"total\":1,\"offset\":0,\"count\":1,\"success\":true,\"messages\":[{el}],\"x\":{{\"y\":[1,\"]\"]}}}}\n{{\"messages\":[{el}]}}"
        );
        let c = parse(&text);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.messages.len(), 2);
        assert_eq!(c.messages[1].loc.line, 2);
    }

    #[test]
    fn truncated_array_keeps_complete_elements_and_reports_one_problem() {
        let c = parse(BAD);
        assert_eq!(c.messages.len(), 3);
        let last = c.problems.last().unwrap();
        assert_eq!(last.loc.line, 45);
        assert!(last.what.starts_with("truncated message"), "{}", last.what);

        // Cut between elements and after the array.
        let el = r#"{"ts":"2021-03-01T12:00:00Z","u":{"username":"n"}}"#;
        for text in [
            format!("{{\"messages\":[{el},\n"),
            format!("{{\"messages\":[{el}]\n"),
        ] {
            let c = parse(&text);
            assert_eq!(c.messages.len(), 1, "{text}");
            assert_eq!(c.problems.len(), 1, "{text}");
            assert!(c.problems[0].what.starts_with("truncated"));
            assert_eq!(c.problems[0].loc.line, 2);
        }
    }

    #[test]
    fn json_without_messages_is_a_problem_and_non_objects_are_rejected() {
        let c = parse(r#"{"channels":[],"success":true}"#);
        assert!(c.messages.is_empty());
        assert!(c.problems[0].what.contains("no \"messages\" array"));
        let c = parse("[1, 2]");
        assert_eq!(c.problems.len(), 1);
        assert!(parse("  \n").problems.is_empty());
    }

    #[test]
    fn sniff_needs_json_path_messages_array_and_a_rocketchat_marker() {
        let head = &PRETTY[..2000];
        assert!(sniff("dump/general/2021-03-01.json", head) >= 80);
        assert!(sniff("X.JSON", COMPACT) >= 80);
        assert_eq!(sniff("dump/general/2021-03-01.txt", head), 0);
        assert_eq!(
            sniff(
                "a.json",
                r#"{"success":false,"error":"error-room-not-found"}"#
            ),
            0
        );
        assert_eq!(
            sniff("a.json", r#"{"messages":{"hello":"Hi"},"rid":"x","u":1}"#),
            0
        );
        let tg = include_str!("../../testdata/rocketchat/not_rocketchat.json");
        assert_eq!(sniff("result.json", tg), 0);
        assert_eq!(sniff("a.json", "[{\"messages\":[{\"rid\":1}]}]"), 0);
    }

    #[test]
    fn next_record_does_not_split() {
        assert_eq!(RocketChat.next_record(PRETTY, 100), None);
    }

    fn read<'a>(_: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        parse_text(&RocketChat, text, &ctx(Zone::Utc), target)
    }

    const SUBJECT: Subject = Subject::new(
        &RocketChat,
        "room/2021-03-01.json",
        read,
        &[
            ("room/2021-03-01.json", PRETTY),
            ("room/2021-03-01.json", COMPACT),
            ("room/2021-03-01.json", BAD),
        ],
        testkit::object_ends_before,
    )
    .agree(Agree::Lines, Agree::Lines)
    .prefixes(&["{\"messages\":[{"]);

    testkit::props!(SUBJECT);
}
