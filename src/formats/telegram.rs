//! `telegram`: Telegram Desktop's JSON export, `result.json`.
//!
//! Two shapes: a single chat `{"name","type","id","messages":[…]}`, and a full export whose
//! chats sit in `{"chats":{"list":[{…,"messages":[…]}, …]}}` (also `left_chats`). Telegram
//! Desktop pretty-prints with one space per level, so messages of a single chat start at lines
//! that are exactly `  {` and those of a full export at `     {`:
//!
//! ```json
//! {
//!  "name": "Lin Wei",
//!  "type": "personal_chat",
//!  "id": 4419021,
//!  "messages": [
//!   {
//!    "id": 1,
//!    "type": "message",
//!    "date": "2021-05-01T15:00:00",
//!    "date_unixtime": "1619870400",
//!    "from": "Lin Wei",
//!    "from_id": "user100200",
//!    "text": ["see ", {"type": "link", "text": "https://x.example"}]
//!   }
//!  ]
//! }
//! ```
//!
//! How it reads: a small structural walker (strings, brackets, keys; bounded, never panics)
//! goes through the objects, remembering each object's `name` and `id`; a `"messages"` array
//! has its elements deserialized with serde_json straight from the text (borrowing), the
//! chat being the object that holds the array.
//!
//! Mapping:
//! - channel: the chat's `name`, or its `id` (decimal text) when it has no name (Saved
//!   Messages);
//! - time: `date_unixtime` (epoch seconds, string or number) wins. When `date` (the
//!   exporter's local wall time) is there too, the difference between them is kept as the
//!   stamp's offset if it is a whole quarter hour within ±14 h. Without `date_unixtime`,
//!   `date` is naive local time in `--source-tz`. A `date_unixtime` that is no time (`0` or
//!   `0000000000`, as hand-anonymised samples write it, empty, not digits) gives way to a
//!   valid `date` the same way, and the message keeps that time with one problem
//!   `repaired: date_unixtime "0" is not a time; read date as local time` at its line (it
//!   is kept and counted, as the other repairs); with no valid `date` either, the message
//!   is a problem;
//! - id: `id` (decimal text);
//! - ordinary rows (`type` `message` or anything but `service`): sender = `from_id` as
//!   written (`user123`); the bare integer of older exports becomes its decimal text, not
//!   prefixed (the exporter did not say whether it was a user or a channel); name = `from`.
//!   Falls back to `from` as sender when there is no `from_id`; a row with neither is a
//!   problem. Body = `text` when it is a string, or the concatenation of the strings and the
//!   entities' `text` of an array (`text_entities` is not read); a poll's `text` is empty,
//!   and its body is the poll's `question` instead; a shared contact's or place's `text` is
//!   empty too, and its body is what it shares: `contact_information`'s first name, last
//!   name and phone number, then a venue's `place_name` and `address`, then the
//!   `location_information` point as `(latitude, longitude)`. Attachments = `photo`, then
//!   `file`, then `contact_vcard` (paths as written, also the "(File not included…)"
//!   notes). Kind `attachment` when the body is empty and there is a `photo`, `file`,
//!   `contact_vcard` or `media_type`, else `message`;
//! - `service` rows: sender = `actor_id`, else `actor`, else empty; name = `actor`. Kind
//!   `call` for `phone_call`/`group_call`, else `system`. Body = the action, then `: ` and a
//!   detail when there is one: the `members` joined by `, `, else `title`, else the row's
//!   text, else `message <message_id>`, else `<duration_seconds> s`
//!   (`invite_members: Lin Wei, Sam Porter`, `pin_message: message 12`).
//!
//! Repairs: the exporter has been seen writing invalid JSON inside a message (`\x01`-style
//! escapes, raw control characters, unquoted values such as `"from": Deleted Account`).
//! A message serde rejects is rewritten (only that object): `\xHH` → `\u00HH`, other unknown
//! escapes keep their backslash as text, raw control characters are escaped, a value that is
//! not a JSON value is quoted. When the rewrite parses, the message is kept and each repair
//! is one problem `repaired: …` at its line; otherwise the message is one problem
//! `bad message JSON`.
//!
//! A file cut off (truncated download, disk full) keeps every message before the cut and
//! gives one problem that says where it ends and which closing brackets are missing.
//!
//! Splitting: [`Format::next_record`] returns a line `  {` (or `     {`) whose next lines
//! are `"id": <number>,` and `"type": "` one level deeper: only a message object of the
//! exporter's layout looks like that (raw newlines never occur inside JSON strings).
//! The chat of a chunk that starts inside a messages array comes from [`Format::survey`],
//! which records the byte offset of every `"messages": [` line with the chat's name or id.
//! A file in another layout (re-indented by another tool, or minified) is recognised by its
//! structure: the sniff ignores white space between tokens and looks for a messages array
//! whose first element opens with a numeric `id` and a `type` of `message`/`service`, Telegram's
//! keys (`date_unixtime`, `from_id`, `actor_id`), or a chat header with one of Telegram's
//! chat types (`personal_chat`, `private_supergroup`, …) and a numeric `id`. It is read
//! the same way, in one chunk (it has no split points).

use super::jsonish::{
    Str, excerpt_at, indent, json_object_head, object_end, skip_bom, string_end, unescape,
};
use super::scan::{in_force_at, line_end, line_start, skip_ws};
use super::{About, Chunk, Format, Hint, Lines, ParseCtx, Sink, Survey, SurveyEnv, excerpt};
use crate::model::{Kind, Message, Problem, Timestamp};
use crate::time::{Resolver, parse_iso};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// The `telegram` format.
#[derive(Debug, Clone, Copy)]
pub struct Telegram;

impl Format for Telegram {
    about! { "telegram", ["ChatExport_2021-05-01/result.json", "DataExport_2022-01-02/result.json"], "Telegram Desktop JSON export (result.json: one chat or the full export)" }

    fn sniff(&self, path: &str, head: &str) -> u8 {
        sniff(path, head)
    }
    fn next_record(&self, text: &str, from: usize) -> Option<usize> {
        next_record(text.as_bytes(), from)
    }
    fn survey(&self, _env: &mut SurveyEnv<'_>) -> Option<Box<dyn Survey>> {
        Some(Box::new(ChatSurvey::default()))
    }
    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let mut p = Parser {
            chunk,
            ctx,
            b: chunk.text.as_bytes(),
            lines: chunk.lines(),
            resolver: None,
            note: None,
        };
        p.run(sink);
        if let Some(r) = p.resolver {
            sink.dst_adjusted(r.adjusted);
        }
    }
}

fn sniff(path: &str, head: &str) -> u8 {
    let Some(i) = json_object_head(path, head) else {
        return 0;
    };
    // Decide on the structure, not the layout: Telegram Desktop indents by one space, but
    // files rewritten by other tools are indented otherwise or minified.
    let c = compact(&head.as_bytes()[i..]);
    let has = |s: &[u8]| memchr::memmem::find(&c, s).is_some();
    let messages = has(b"\"messages\":[");
    let chats = has(b"\"chats\":{") && has(b"\"list\":[");
    if !messages && !chats && !has(b"\"personal_information\":{") {
        return 0;
    }
    let shape = has(b"\"type\":\"message\"") || has(b"\"type\":\"service\"");
    let epoch = has(b"\"date_unixtime\":\"");
    // A messages array whose first element opens with a numeric `id` and a Telegram `type`,
    // or the full export's chat list with its `about`.
    let layout = memchr::memmem::find_iter(&c, b"\"messages\":[{\"id\":").any(|at| {
        let v = &c[at + 18..];
        let n = v
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == b'-')
            .count();
        n > 0
            && (v[n..].starts_with(b",\"type\":\"message\"")
                || v[n..].starts_with(b",\"type\":\"service\""))
    }) || has(b"\"chats\":{\"about\":\"");
    let tg_keys = has(b"\"from_id\":") || has(b"\"actor_id\":") || has(b"\"personal_information\"");
    // A chat header with one of Telegram's chat types and a numeric id (an empty chat has
    // nothing else to go by).
    let chat_head = messages
        && CHAT_TYPES.iter().any(|t| {
            memchr::memmem::find_iter(&c, t).any(|at| {
                c.get(at + t.len()..)
                    .is_some_and(|v| v.first().is_some_and(|d| d.is_ascii_digit()))
            })
        });
    // A full export whose first 8 KiB are the account's own data and contacts.
    let account = c.starts_with(b"{\"about\":\"") && has(b"\"personal_information\":{\"user_id\":");
    if (shape && epoch) || layout && (shape || tg_keys) || (chats && epoch) || account || chat_head
    {
        95
    } else {
        0
    }
}

/// Telegram's chat types as a chat header writes them, up to its numeric `id`.
const CHAT_TYPES: [&[u8]; 8] = [
    b"\"type\":\"personal_chat\",\"id\":",
    b"\"type\":\"bot_chat\",\"id\":",
    b"\"type\":\"saved_messages\",\"id\":",
    b"\"type\":\"private_group\",\"id\":",
    b"\"type\":\"private_supergroup\",\"id\":",
    b"\"type\":\"public_supergroup\",\"id\":",
    b"\"type\":\"private_channel\",\"id\":",
    b"\"type\":\"public_channel\",\"id\":",
];

/// `b` without the white space between JSON tokens (strings are kept as written), for a
/// sniff that does not depend on indentation. A head cut inside a string is fine.
fn compact(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let (mut in_str, mut esc) = (false, false);
    for &c in b {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
        } else if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            continue;
        } else if c == b'"' {
            in_str = true;
        }
        out.push(c);
    }
    out
}

/// If the line starting at `ls` is `<ind spaces>{` alone (trailing `\r` allowed), the
/// position after it.
fn open_line(b: &[u8], ls: usize, ind: usize) -> bool {
    let le = line_end(b, ls);
    let line = trim_cr(&b[ls..le]);
    line.len() == ind + 1 && line[ind] == b'{' && indent(line) == ind
}

#[inline]
fn trim_cr(l: &[u8]) -> &[u8] {
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// Strict message start: line `ls` is `  {` (or `     {`), the next `   "id": <digits>,`
/// and the one after `   "type": "` (one level deeper).
fn is_message_start(b: &[u8], ls: usize) -> bool {
    let le = line_end(b, ls);
    let line = trim_cr(&b[ls..le]);
    let ind = match line {
        b"  {" => 2,
        b"     {" => 5,
        _ => return false,
    };
    let l2 = le + 1;
    let Some(rest) = b.get(l2..) else {
        return false;
    };
    if indent(rest) != ind + 1 || !rest[ind + 1..].starts_with(b"\"id\": ") {
        return false;
    }
    let v = &rest[ind + 7..];
    let n = v
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'-')
        .count();
    if n == 0 || v.get(n) != Some(&b',') {
        return false;
    }
    let l3 = line_end(b, l2) + 1;
    let Some(rest) = b.get(l3..) else {
        return false;
    };
    indent(rest) == ind + 1 && rest[ind + 1..].starts_with(b"\"type\": \"")
}

fn next_record(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    if i > b.len() {
        return None;
    }
    // Start at a line start at or after `from`.
    if i > 0 && b.get(i - 1) != Some(&b'\n') {
        i = i + memchr::memchr(b'\n', &b[i..])? + 1;
    }
    let finder = memchr::memmem::Finder::new(b"  {\n");
    let finder_cr = memchr::memmem::Finder::new(b"  {\r\n");
    loop {
        let rest = b.get(i..)?;
        let k = match (finder.find(rest), finder_cr.find(rest)) {
            (Some(a), Some(c)) => a.min(c),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return None,
        };
        let at = i + k;
        let ls = line_start(b, at);
        if ls >= from && is_message_start(b, ls) {
            return Some(ls);
        }
        i = at + 3;
    }
}

// ---------------------------------------------------------------------------------------
// The survey: which chat each messages array belongs to.

/// Where each chat's messages array starts (byte offset of its `"messages": [` key, found
/// at the start of a line as the exporter writes it) and the chat's channel name (`None`
/// when its header cannot be read), for chunks that start inside an array.
#[derive(Debug, Default)]
pub struct Chats {
    /// `(offset, channel)` in file order.
    pub chats: Vec<(u64, Option<String>)>,
}

impl Chats {
    /// The chat whose messages array starts last before `offset`.
    pub fn at(&self, offset: u64) -> Option<&str> {
        in_force_at(&self.chats, offset).and_then(|c| c.as_deref())
    }

    /// The entry for the `"messages"` key at `offset` exactly: `None` when the survey did
    /// not see a key there, `Some(None)` when it did but could not read the chat's name.
    pub fn exactly(&self, offset: u64) -> Option<Option<&str>> {
        let i = self.chats.partition_point(|(o, _)| *o < offset);
        self.chats
            .get(i)
            .filter(|(o, _)| *o == offset)
            .map(|(_, c)| c.as_deref())
    }
}

impl Hint for Chats {
    fn describe(&self) -> Option<String> {
        let names: Vec<&str> = self
            .chats
            .iter()
            .take(3)
            .map(|(_, c)| c.as_deref().unwrap_or("(unnamed)"))
            .collect();
        let more = if self.chats.len() > 3 { ", …" } else { "" };
        Some(format!(
            "{} chat(s): {}{more}",
            self.chats.len(),
            names.join(", ")
        ))
    }
}

#[derive(Default)]
struct ChatSurvey {
    found: Chats,
    /// The last lines of the previous piece (starting at a line start), for headers that
    /// straddle two pieces.
    tail: String,
}

const TAIL: usize = 16 << 10;

impl Survey for ChatSurvey {
    fn feed(&mut self, text: &str, offset: u64, _line: u64) {
        let b = text.as_bytes();
        let finder = memchr::memmem::Finder::new(b"\"messages\"");
        for at in finder.find_iter(b) {
            // A key opening an array (`"messages": [`, any spacing) that is the first string
            // on its line, so not inside another string. Its chat's name is read when the line
            // is laid out as the exporter writes it (spaces, then the key); else the chat is
            // recorded without one, so that the whole read and chunks inside the array agree.
            let mut v = skip_ws(b, at + 10);
            if b.get(v) != Some(&b':') {
                continue;
            }
            v = skip_ws(b, v + 1);
            if b.get(v) != Some(&b'[') {
                continue;
            }
            let ls = line_start(b, at);
            if b[ls..at].contains(&b'"') {
                continue;
            }
            if b[ls..at].iter().any(|&c| c != b' ') {
                self.found.chats.push((offset + at as u64, None));
                continue;
            }
            let ind = at - ls;
            let channel = if ls >= TAIL {
                header_channel(&b[..ls], ind)
            } else {
                let mut joined = self.tail.clone().into_bytes();
                joined.extend_from_slice(&b[..ls]);
                header_channel(&joined, ind)
            };
            self.found.chats.push((offset + at as u64, channel));
        }
        // Keep the last lines for the next piece.
        let mut cut = b.len().saturating_sub(TAIL);
        while !text.is_char_boundary(cut) {
            cut += 1;
        }
        let cut = match memchr::memchr(b'\n', &b[cut..]) {
            Some(p) if cut > 0 => cut + p + 1,
            _ => cut,
        };
        if b.len() - cut >= TAIL / 2 || b.len() >= TAIL {
            self.tail.clear();
        }
        self.tail.push_str(&text[cut..]);
        if self.tail.len() > 2 * TAIL {
            let mut c = self.tail.len() - TAIL;
            while !self.tail.is_char_boundary(c) {
                c += 1;
            }
            self.tail.drain(..c);
        }
    }
    fn finish(self: Box<Self>) -> Box<dyn Hint> {
        Box::new(self.found)
    }
}

/// The channel of the object whose keys are at indentation `ind` and whose `"messages"` line
/// starts at the end of `b`: its `name` (else `id`) line, looking back to its `{` line.
fn header_channel(b: &[u8], ind: usize) -> Option<String> {
    let mut end = b.len();
    let (mut name, mut id) = (None, None);
    for _ in 0..256 {
        if end == 0 {
            break;
        }
        let ls = line_start(b, end - 1);
        let line = trim_cr(&b[ls..end - 1]);
        end = ls;
        let n = indent(line);
        if n + 1 == ind && &line[n..] == b"{" || n + 1 < ind {
            break;
        }
        if n != ind {
            continue;
        }
        let l = &line[n..];
        if let Some(v) = l.strip_prefix(b"\"name\": ") {
            name = scalar_text(v);
        } else if let Some(v) = l.strip_prefix(b"\"id\": ") {
            id = scalar_text(v);
        }
    }
    name.filter(|s| !s.is_empty()).or(id)
}

/// The text of a one-line JSON scalar value (`"…",` or `123,`): strings unescaped.
fn scalar_text(v: &[u8]) -> Option<String> {
    let v = v.strip_suffix(b",").unwrap_or(v);
    let s = std::str::from_utf8(v).ok()?;
    if let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(unescape(inner).0.into_owned())
    } else if !s.is_empty() && s != "null" {
        Some(s.to_string())
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------
// One message, deserialized with serde.

/// A string, or a number kept as its decimal text (ids, epoch seconds).
#[derive(Debug)]
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// `text`: a string, or an array of strings and entity objects (their `text` joined).
#[derive(Debug)]
struct Body<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Body<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Body<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of text parts")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Body<'a>, E> {
                Ok(Body(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Body<'a>, E> {
                Ok(Body(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Body<'a>, E> {
                Ok(Body(Cow::Owned(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Body<'a>, E> {
                Ok(Body(Cow::Borrowed("")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Body<'a>, A::Error> {
                let mut out: Option<Cow<'a, str>> = None;
                while let Some(part) = seq.next_element::<Part<'a>>()? {
                    let Some(p) = part.0 else { continue };
                    out = Some(match out {
                        None => p,
                        Some(prev) => {
                            let mut s = prev.into_owned();
                            s.push_str(&p);
                            Cow::Owned(s)
                        }
                    });
                }
                Ok(Body(out.unwrap_or(Cow::Borrowed(""))))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// One element of a `text` array: a string or `{"type":…,"text":…}`.
struct Part<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Part<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Part<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a text entity")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Part<'a>, E> {
                Ok(Part(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Part<'a>, E> {
                Ok(Part(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Part<'a>, E> {
                Ok(Part(None))
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Part<'a>, M::Error> {
                let mut text = None;
                while let Some(k) = map.next_key::<Str<'a>>()? {
                    if k.0 == "text" && text.is_none() {
                        text = map.next_value::<Option<Str<'a>>>()?.map(|s| s.0);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Part(text))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The fields of a message this format reads; all others are skipped.
#[derive(Debug, Default, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Raw<'a> {
    id: Option<Text<'a>>,
    #[serde(rename = "type")]
    kind: Option<Str<'a>>,
    date: Option<Str<'a>>,
    date_unixtime: Option<Text<'a>>,
    from: Option<Str<'a>>,
    from_id: Option<Text<'a>>,
    actor: Option<Str<'a>>,
    actor_id: Option<Text<'a>>,
    action: Option<Str<'a>>,
    members: Option<Vec<Option<Str<'a>>>>,
    title: Option<Str<'a>>,
    message_id: Option<Text<'a>>,
    duration_seconds: Option<Text<'a>>,
    text: Option<Body<'a>>,
    photo: Option<Str<'a>>,
    file: Option<Str<'a>>,
    media_type: Option<Str<'a>>,
    poll: Option<Poll<'a>>,
    /// A shared contact (`contact_information`), and its vCard file (`contact_vcard`).
    contact_information: Option<Contact<'a>>,
    contact_vcard: Option<Str<'a>>,
    /// A shared point (`location_information`; `null` when the point was invalid), and a
    /// venue's name and address beside it.
    location_information: Option<Point>,
    place_name: Option<Str<'a>>,
    address: Option<Str<'a>>,
}

/// A shared contact card as the exporter writes it.
#[derive(Debug, Default, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Contact<'a> {
    first_name: Option<Str<'a>>,
    last_name: Option<Str<'a>>,
    phone_number: Option<Str<'a>>,
}

/// A shared point on the map.
#[derive(Debug, Default, Deserialize)]
struct Point {
    latitude: Option<f64>,
    longitude: Option<f64>,
}

/// What a contact or location message shares, as text (`Lin Wei +1 555 0100`, `Harbour Café,
/// 1 Quay Street (51.5074, -0.1278)`), for a message whose own text is empty: investigators
/// search for the phone number or the place, and a row with an empty body hides them.
fn shared(
    contact: Option<&Contact<'_>>,
    place_name: Option<&Str<'_>>,
    address: Option<&Str<'_>>,
    point: Option<&Point>,
) -> Option<String> {
    let mut out = String::new();
    let mut add = |part: Option<&str>, sep: &str| {
        if let Some(p) = part.map(str::trim).filter(|p| !p.is_empty()) {
            if !out.is_empty() {
                out.push_str(sep);
            }
            out.push_str(p);
        }
    };
    if let Some(c) = contact {
        add(c.first_name.as_ref().map(|s| s.0.as_ref()), " ");
        add(c.last_name.as_ref().map(|s| s.0.as_ref()), " ");
        add(c.phone_number.as_ref().map(|s| s.0.as_ref()), " ");
    }
    add(place_name.map(|s| s.0.as_ref()), ", ");
    add(address.map(|s| s.0.as_ref()), ", ");
    if let Some(&Point {
        latitude: Some(lat),
        longitude: Some(lon),
    }) = point
    {
        let point = format!("({lat}, {lon})");
        add(Some(point.as_str()), " ");
    }
    (!out.is_empty()).then_some(out)
}

/// A message's `poll`: only its question is read.
#[derive(Debug, Default, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Poll<'a> {
    question: Option<Body<'a>>,
}

fn non_empty<'a>(s: Option<Cow<'a, str>>) -> Option<Cow<'a, str>> {
    s.filter(|s| !s.is_empty())
}

// ---------------------------------------------------------------------------------------
// The walk over a chunk.

/// An open bracket of the structure around the position being read.
#[derive(Debug)]
enum Frame<'a> {
    /// An object, with the `name` and `id` read so far.
    Obj {
        name: Option<Cow<'a, str>>,
        id: Option<Cow<'a, str>>,
    },
    /// An array.
    Arr,
}

impl Frame<'_> {
    fn obj() -> Self {
        Frame::Obj {
            name: None,
            id: None,
        }
    }
    fn closer(&self) -> char {
        match self {
            Frame::Obj { .. } => '}',
            Frame::Arr => ']',
        }
    }
}

/// How a messages array ended.
enum ArrayEnd {
    /// At its `]`; reading goes on after it.
    Closed(usize),
    /// The text ended between elements (the normal end of a chunk that is not the last).
    Ended,
    /// Reading cannot go on (a message cut off, garbled structure); already reported.
    Stop,
}

struct Parser<'c, 'a, 'p> {
    chunk: &'c Chunk<'a>,
    ctx: &'c ParseCtx<'p>,
    b: &'a [u8],
    lines: Lines<'a>,
    resolver: Option<Resolver>,
    /// A repair made while reading the last message (its time), reported after it.
    note: Option<Problem>,
}

impl<'a> Parser<'_, 'a, 'a> {
    fn problem(&mut self, sink: &mut dyn Sink<'a>, at: usize, what: String) {
        let line = self.lines.at(at);
        sink.problem(Problem::new(self.ctx.loc(self.chunk, at, line), what));
    }

    /// A message read (then the repair noted while reading it), or why it was not.
    fn emit(&mut self, m: Result<Message<'a>, Problem>, sink: &mut dyn Sink<'a>) {
        match m {
            Ok(m) => sink.message(m),
            Err(p) => sink.problem(p),
        }
        if let Some(p) = self.note.take() {
            sink.problem(p);
        }
    }

    fn missing(stack: &[Frame<'_>]) -> String {
        let closers: String = stack.iter().rev().map(Frame::closer).collect();
        format!("missing {closers:?}")
    }

    fn run(&mut self, sink: &mut dyn Sink<'a>) {
        let b = self.b;
        let text: &'a str = self.chunk.text;
        let mut stack: Vec<Frame<'a>> = Vec::new();
        let mut i = skip_ws(b, skip_bom(b));
        if !self.chunk.first && b.get(i) == Some(&b'{') {
            // A chunk that starts at a message: rebuild the brackets around it from its
            // indentation (the exporter's layout) and take the chat from the survey.
            match self.resume(i, &mut stack, sink) {
                Some(next) => i = next,
                None => return,
            }
        }
        // The next strict message start at or after `i` (`None`: there is none left). The
        // walk below only meets one when the structure before it is damaged (a messages
        // array is read by `messages`, not here); it then resumes there as a split chunk
        // would, so whole and split reads agree.
        let mut next_msg = next_record(b, i);
        loop {
            i = skip_ws(b, i);
            if let Some(p) = next_msg
                && i >= p
            {
                let at = skip_ws(b, p);
                let ex = excerpt_at(text, at);
                self.problem(
                    sink,
                    at,
                    format!(
                        "damaged structure before this message (it is not inside a \"messages\" array); read from here as a message: {ex}"
                    ),
                );
                match self.resume(at, &mut stack, sink) {
                    Some(next) => i = next,
                    None => return,
                }
                next_msg = next_record(b, i);
                continue;
            }
            let Some(&c) = b.get(i) else {
                if !stack.is_empty() && self.chunk.last {
                    let what = format!("truncated: the file ends early; {}", Self::missing(&stack));
                    self.problem(sink, b.len(), what);
                }
                return;
            };
            match c {
                b'{' => {
                    stack.push(Frame::obj());
                    i += 1;
                }
                b'[' => {
                    stack.push(Frame::Arr);
                    i += 1;
                }
                b'}' | b']' => {
                    stack.pop();
                    i += 1;
                }
                b',' | b':' => i += 1,
                b'"' => {
                    let Some(end) = string_end(b, i) else {
                        if self.chunk.last {
                            let what = format!(
                                "truncated: the file ends inside a string; {}",
                                Self::missing(&stack)
                            );
                            self.problem(sink, i, what);
                        }
                        return;
                    };
                    let v = skip_ws(b, end);
                    if b.get(v) != Some(&b':') || !matches!(stack.last(), Some(Frame::Obj { .. })) {
                        i = end;
                        continue;
                    }
                    let key = &b[i + 1..end - 1];
                    let v = skip_ws(b, v + 1);
                    match key {
                        b"messages" if b.get(v) == Some(&b'[') => {
                            // The survey's reading of this chat's header when it saw this
                            // key (what chunks inside the array get), else the brackets'.
                            let surveyed = self
                                .ctx
                                .hint::<Chats>()
                                .and_then(|h| h.exactly(self.chunk.offset + i as u64));
                            let channel = match (surveyed, stack.last()) {
                                (Some(c), _) => c.map(Cow::Borrowed),
                                (None, Some(Frame::Obj { name, id })) => {
                                    name.clone().or_else(|| id.clone())
                                }
                                _ => None,
                            };
                            stack.push(Frame::Arr);
                            match self.messages(v + 1, channel, &stack, sink) {
                                ArrayEnd::Closed(next) => {
                                    stack.pop();
                                    i = next;
                                    next_msg = next_record(b, i);
                                }
                                ArrayEnd::Ended => {
                                    self.ended(&stack, sink);
                                    return;
                                }
                                ArrayEnd::Stop => return,
                            }
                        }
                        b"name" | b"id" => {
                            let (value, next) = match b.get(v) {
                                Some(b'"') => match string_end(b, v) {
                                    Some(e) => (Some(unescape(&text[v + 1..e - 1]).0), e),
                                    None => (None, v),
                                },
                                Some(c) if c.is_ascii_digit() || *c == b'-' => {
                                    let e = scalar_end(b, v);
                                    (Some(Cow::Borrowed(&text[v..e])), e)
                                }
                                _ => (None, v),
                            };
                            if let Some(Frame::Obj { name, id }) = stack.last_mut() {
                                let value = value.filter(|s| !s.is_empty());
                                if key == b"name" {
                                    *name = value;
                                } else {
                                    *id = value;
                                }
                            }
                            i = next;
                        }
                        _ => i = v,
                    }
                }
                _ => {
                    let e = scalar_end(b, i);
                    if e == i {
                        let ex = excerpt_at(text, i);
                        self.problem(sink, i, format!("unexpected data: {ex}"));
                        i = line_end(b, i) + 1;
                    } else {
                        i = e;
                    }
                }
            }
        }
    }

    /// Reads on from the message whose `{` is at `at`, as a chunk starting there would:
    /// the brackets around it rebuilt from its indentation (the exporter's layout), the chat
    /// from the survey. Gives where to go on after its array, or `None` when reading stops.
    fn resume(
        &mut self,
        at: usize,
        stack: &mut Vec<Frame<'a>>,
        sink: &mut dyn Sink<'a>,
    ) -> Option<usize> {
        let b = self.b;
        let ind = indent(&b[line_start(b, at)..]);
        stack.clear();
        stack.push(Frame::obj());
        if ind == 5 {
            stack.extend([Frame::obj(), Frame::Arr, Frame::obj()]);
        }
        stack.push(Frame::Arr);
        let channel = self
            .ctx
            .hint::<Chats>()
            .and_then(|h| h.at(self.chunk.offset + at as u64))
            .map(Cow::Borrowed);
        match self.messages(at, channel, stack, sink) {
            ArrayEnd::Closed(next) => {
                stack.pop();
                Some(next)
            }
            ArrayEnd::Ended => {
                self.ended(stack, sink);
                None
            }
            ArrayEnd::Stop => None,
        }
    }

    /// The text ended between the elements of a messages array: a problem in the last chunk.
    fn ended(&mut self, stack: &[Frame<'a>], sink: &mut dyn Sink<'a>) {
        if self.chunk.last {
            let what = format!(
                "truncated: the file ends after the last message; {}",
                Self::missing(stack)
            );
            self.problem(sink, self.b.len(), what);
        }
    }

    /// Reads the elements of a messages array from `i` (after the `[` or at the first
    /// element) of the chat `channel`; `stack` holds the open brackets, the array last.
    fn messages(
        &mut self,
        mut i: usize,
        channel: Option<Cow<'a, str>>,
        stack: &[Frame<'a>],
        sink: &mut dyn Sink<'a>,
    ) -> ArrayEnd {
        let b = self.b;
        let text: &'a str = self.chunk.text;
        loop {
            i = skip_ws(b, i);
            let Some(&c) = b.get(i) else {
                return ArrayEnd::Ended;
            };
            match c {
                b']' => return ArrayEnd::Closed(i + 1),
                b',' => i += 1,
                b'{' => {
                    let line = self.lines.at(i);
                    if let Some((raw, end)) = fast_raw(text, i) {
                        let m = self.message(raw, i, end, line, &channel);
                        self.emit(m, sink);
                        i = end;
                        continue;
                    }
                    let mut stream =
                        serde_json::Deserializer::from_str(&text[i..]).into_iter::<Raw<'a>>();
                    match stream.next() {
                        Some(Ok(raw)) => {
                            let end = i + stream.byte_offset();
                            let m = self.message(raw, i, end, line, &channel);
                            self.emit(m, sink);
                            i = end;
                        }
                        Some(Err(e)) if !e.is_eof() => match self.element_end(i) {
                            Some(end) => {
                                self.repair(i, end, line, &channel, &e, sink);
                                i = end;
                            }
                            None => match self.skip_broken(i, line, stack, sink) {
                                Ok(n) => i = n,
                                Err(end) => return end,
                            },
                        },
                        // Brackets that never close: the file ends inside this message, or
                        // (damage) another message starts before it closes.
                        _ => match self.skip_broken(i, line, stack, sink) {
                            Ok(n) => i = n,
                            Err(end) => return end,
                        },
                    }
                }
                _ => {
                    let ex = excerpt_at(text, i);
                    self.problem(sink, i, format!("message is not an object: {ex}"));
                    // Resume at the next message start, if any.
                    match next_record(b, i + 1) {
                        Some(n) => i = n,
                        None => return ArrayEnd::Stop,
                    }
                }
            }
        }
    }

    /// A message at `at` that cannot be read to its end: when another message starts after
    /// it (damage), reports it as skipped and gives where to go on (where a split would start
    /// a chunk, so whole and split reads agree); else reports the cut (the end of the file).
    fn skip_broken(
        &mut self,
        at: usize,
        line: u64,
        stack: &[Frame<'a>],
        sink: &mut dyn Sink<'a>,
    ) -> Result<usize, ArrayEnd> {
        let next = next_record(self.b, at + 1);
        if next.is_some() || !self.chunk.last {
            let ex = excerpt_at(self.chunk.text, at);
            self.problem(
                sink,
                at,
                format!(
                    "unreadable message, skipped (it does not close before the next message): {ex}"
                ),
            );
            return next.ok_or(ArrayEnd::Stop);
        }
        Err(self.cut(at, line, stack, sink))
    }

    /// Reports the message at `at` cut off by the end of the text.
    fn cut(
        &mut self,
        at: usize,
        line: u64,
        stack: &[Frame<'a>],
        sink: &mut dyn Sink<'a>,
    ) -> ArrayEnd {
        let ex = excerpt_at(
            self.chunk.text,
            line_start(self.b, self.b.len().saturating_sub(1)),
        );
        let loc = self.ctx.loc(self.chunk, at, line);
        sink.problem(Problem::new(
            loc,
            format!(
                "truncated: the file ends inside this message (last line {ex:?}); missing the rest of the message and {:?}",
                stack
                    .iter()
                    .rev()
                    .map(Frame::closer)
                    .collect::<String>()
            ),
        ));
        ArrayEnd::Stop
    }

    /// The end of a malformed element starting at `i`: its closing line in the exporter's
    /// layout (a line that is its indentation and `}`), else the matching brace.
    fn element_end(&self, i: usize) -> Option<usize> {
        let b = self.b;
        let ls = line_start(b, i);
        let ind = i - ls;
        if b[ls..i].iter().all(|&c| c == b' ') && open_line(b, ls, ind) {
            let mut l = line_end(b, ls) + 1;
            while l < b.len() {
                let le = line_end(b, l);
                let line = trim_cr(&b[l..le]);
                let n = indent(line);
                // The closing brace at the element's indentation, whatever damage follows it
                // on that line (`},`, `}`, or a flipped byte after the brace).
                if n == ind && line.get(n) == Some(&b'}') {
                    return Some(l + ind + 1);
                }
                if n <= ind && !line[n..].is_empty() {
                    return None;
                }
                l = le + 1;
            }
            return None;
        }
        object_end(b, i)
    }

    /// A message serde rejected (`text[start..end]`): rewrite it and try again.
    fn repair(
        &mut self,
        start: usize,
        end: usize,
        line: u64,
        channel: &Option<Cow<'a, str>>,
        err: &serde_json::Error,
        sink: &mut dyn Sink<'a>,
    ) {
        let text: &'a str = self.chunk.text;
        let slice = &text[start..end];
        let loc = self.ctx.loc(self.chunk, start, line);
        let fixed = repair_object(slice);
        if !fixed.repairs.is_empty()
            && let Ok(raw) = serde_json::from_str::<Raw<'_>>(&fixed.text)
        {
            match self.message(raw, start, end, line, channel) {
                Ok(m) => {
                    for (rel, what) in &fixed.repairs {
                        let at = start + rel;
                        let l = self.lines.at(at);
                        let rl = line_start(self.b, at);
                        sink.problem(Problem::new(
                            self.ctx.loc(self.chunk, rl, l),
                            format!("repaired: {what}"),
                        ));
                    }
                    self.emit(Ok(m.into_owned()), sink);
                }
                Err(p) => sink.problem(p),
            }
            return;
        }
        sink.problem(Problem::new(
            loc,
            format!("bad message JSON ({err}): {}", excerpt(slice)),
        ));
    }

    /// Turns one deserialized message into a [`Message`], or reports why it cannot.
    fn message<'t>(
        &mut self,
        raw: Raw<'t>,
        start: usize,
        end: usize,
        line: u64,
        channel: &Option<Cow<'t, str>>,
    ) -> Result<Message<'t>, Problem> {
        let loc = self.ctx.loc(self.chunk, start, line);
        let text: &'a str = self.chunk.text;
        let bad = |what: String| {
            Problem::new(
                loc,
                format!("{what}: {}", excerpt(text.get(start..end).unwrap_or(""))),
            )
        };
        let time = match self.time(&raw) {
            Ok((t, None)) => t,
            Ok((t, Some(why))) => {
                self.note = Some(Problem::new(loc, format!("repaired: {why}")));
                t
            }
            Err(why) => return Err(bad(why)),
        };
        let service = raw.kind.as_ref().is_some_and(|k| k.0 == "service");
        let text = raw.text.map_or(Cow::Borrowed(""), |t| t.0);
        let mut attachments = Vec::new();
        let (sender, name, body, kind);
        if service {
            name = non_empty(raw.actor.map(|a| a.0));
            sender = non_empty(raw.actor_id.map(|a| a.0))
                .or_else(|| name.clone())
                .unwrap_or(Cow::Borrowed(""));
            let action = raw.action.map_or(Cow::Borrowed(""), |a| a.0);
            kind = if matches!(action.as_ref(), "phone_call" | "group_call") {
                Kind::Call
            } else {
                Kind::System
            };
            let members: Vec<Cow<'t, str>> = raw
                .members
                .into_iter()
                .flatten()
                .flatten()
                .map(|m| m.0)
                .filter(|m| !m.is_empty())
                .collect();
            let detail: Option<Cow<'t, str>> = if !members.is_empty() {
                Some(Cow::Owned(members.join(", ")))
            } else if let Some(t) = non_empty(raw.title.map(|t| t.0)) {
                Some(t)
            } else if !text.is_empty() {
                Some(text)
            } else if let Some(m) = raw.message_id {
                Some(Cow::Owned(format!("message {}", m.0)))
            } else {
                raw.duration_seconds
                    .map(|d| Cow::Owned(format!("{} s", d.0)))
            };
            body = match detail {
                Some(d) if action.is_empty() => d,
                Some(d) => Cow::Owned(format!("{action}: {d}")),
                None => action,
            };
        } else {
            let shared = if text.is_empty() {
                shared(
                    raw.contact_information.as_ref(),
                    raw.place_name.as_ref(),
                    raw.address.as_ref(),
                    raw.location_information.as_ref(),
                )
            } else {
                None
            };
            name = non_empty(raw.from.map(|f| f.0));
            sender = match non_empty(raw.from_id.map(|f| f.0)).or_else(|| name.clone()) {
                Some(s) => s,
                None => return Err(bad("message without from_id or from".into())),
            };
            if let Some(p) = non_empty(raw.photo.map(|p| p.0)) {
                attachments.push(p);
            }
            if let Some(f) = non_empty(raw.file.map(|f| f.0)) {
                attachments.push(f);
            }
            if let Some(v) = non_empty(raw.contact_vcard.map(|v| v.0)) {
                attachments.push(v);
            }
            let media = !attachments.is_empty() || raw.media_type.is_some();
            let question = raw.poll.and_then(|p| p.question).map(|q| q.0);
            kind = if text.is_empty() && media && question.is_none() && shared.is_none() {
                Kind::Attachment
            } else {
                Kind::Message
            };
            body = match (question, shared) {
                (Some(q), _) if text.is_empty() => q,
                (None, Some(s)) => Cow::Owned(s),
                _ => text,
            };
        }
        Ok(Message {
            name,
            channel: channel.clone(),
            kind,
            attachments,
            id: raw.id.map(|i| i.0),
            ..Message::new(time, sender, body, loc)
        })
    }

    /// The message's instant, and a note when `date_unixtime` was there but unusable and
    /// `date` stood in for it.
    fn time(&mut self, raw: &Raw<'_>) -> Result<(Timestamp, Option<String>), String> {
        let local = match &raw.date {
            Some(d) => match parse_iso(d.0.as_bytes()) {
                Some((c, None, n)) if n == d.0.len() => Some(c),
                _ if raw.date_unixtime.is_none() => {
                    return Err(format!("bad date {:?}", excerpt(&d.0)));
                }
                _ => None,
            },
            None => None,
        };
        let mut note = None;
        if let Some(u) = &raw.date_unixtime {
            match epoch_secs(&u.0) {
                Some(secs) => {
                    let mut t = Timestamp::from_unix_seconds(secs);
                    if let Some(c) = local {
                        let off = c.unix_seconds_as_utc() - secs;
                        if off.abs() <= 14 * 3600 && off % 900 == 0 {
                            t.offset = Some(off as i32);
                        }
                    }
                    return Ok((t, None));
                }
                None if local.is_some() => {
                    note = Some(format!(
                        "date_unixtime {:?} is not a time; read date as local time",
                        excerpt(&u.0)
                    ));
                }
                None => return Err(format!("bad date_unixtime {:?}", excerpt(&u.0))),
            }
        }
        match local {
            Some(c) => Ok((
                self.resolver
                    .get_or_insert_with(|| self.ctx.resolver())
                    .resolve(&c),
                note,
            )),
            None => Err("message without date_unixtime or date".into()),
        }
    }
}

/// `date_unixtime` as epoch seconds: digits only, at most 12 of them, and not 0 (the value
/// hand-anonymised exports write; no Telegram message is from 1970).
fn epoch_secs(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 12 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let secs = b.iter().fold(0i64, |v, &c| v * 10 + i64::from(c - b'0'));
    (secs != 0).then_some(secs)
}

/// The fast path for a message in the exporter's layout (`{` ending its line, one field per
/// line one level deeper, `}` at the `{`'s indentation): the fields this format reads, taken
/// straight from the lines, and the position after the `}`. Containers it does not read
/// (`text_entities`, `reactions`, …) are skipped to their closing line without parsing.
/// `None` whenever anything differs from that layout or from what serde would accept for a
/// read field; the caller then deserializes the element with serde (and repairs it).
fn fast_raw(text: &str, start: usize) -> Option<(Raw<'_>, usize)> {
    let b = text.as_bytes();
    let ls = line_start(b, start);
    let ind = start - ls;
    if b[ls..start].iter().any(|&c| c != b' ') || b.get(start + 1) != Some(&b'\n') {
        return None;
    }
    let mut raw = Raw::default();
    let mut p = start + 2;
    let mut fields = 0usize;
    loop {
        let n = indent(b.get(p..)?);
        let q = p + n;
        if n == ind {
            return (b.get(q) == Some(&b'}') && fields == 0).then_some((raw, q + 1));
        }
        if n != ind + 1 || b.get(q) != Some(&b'"') {
            return None;
        }
        let ke = q + 1 + memchr::memchr2(b'"', b'\\', &b[q + 1..])?;
        if b[ke] != b'"' || b.get(ke + 1..ke + 3) != Some(b": ") {
            return None;
        }
        let key = &b[q + 1..ke];
        let v = ke + 3;
        fields += 1;
        let value_end = match *b.get(v)? {
            b'"' => {
                let super::jsonish::StringEnd::Closed(e) = super::jsonish::scan_string(b, v + 1).0
                else {
                    return None;
                };
                let inner = &text[v + 1..e];
                if inner.bytes().any(|c| c < 0x20) {
                    return None;
                }
                let (s, repair) = unescape(inner);
                if repair.is_some() {
                    return None;
                }
                set_string(&mut raw, key, s)?;
                e + 1
            }
            c if c.is_ascii_digit() || c == b'-' => {
                let e = scalar_end(b, v);
                let tok = &b[v..e];
                let digits = tok.strip_prefix(b"-").unwrap_or(tok);
                let ok = !digits.is_empty()
                    && digits.iter().all(u8::is_ascii_digit)
                    && (digits.len() == 1 || digits[0] != b'0');
                if !ok {
                    return None;
                }
                set_number(&mut raw, key, &text[v..e])?;
                e
            }
            b'n' | b't' | b'f' => {
                let e = scalar_end(b, v);
                match &b[v..e] {
                    b"null" => set_null(&mut raw, key)?,
                    b"true" | b"false" if !is_read(key) => {}
                    _ => return None,
                }
                e
            }
            open @ (b'[' | b'{') => {
                let close = if open == b'[' { b']' } else { b'}' };
                let end = if b.get(v + 1) == Some(&close) {
                    v + 2
                } else if b.get(v + 1) == Some(&b'\n') {
                    // The closing line: one level deeper than the `{`, the bracket first.
                    let mut l = v + 2;
                    loop {
                        let n = indent(b.get(l..)?);
                        if n == ind + 1 && b.get(l + n) == Some(&close) {
                            break l + n + 1;
                        }
                        if n <= ind + 1 {
                            return None;
                        }
                        l = l + memchr::memchr(b'\n', &b[l..])? + 1;
                    }
                } else {
                    return None;
                };
                let value = &text[v..end];
                match key {
                    b"text" => {
                        if raw.text.is_some() {
                            return None;
                        }
                        raw.text = Some(serde_json::from_str::<Body<'_>>(value).ok()?);
                    }
                    b"members" => {
                        if raw.members.is_some() {
                            return None;
                        }
                        raw.members = Some(serde_json::from_str(value).ok()?);
                    }
                    b"poll" => {
                        if raw.poll.is_some() {
                            return None;
                        }
                        raw.poll = Some(serde_json::from_str(value).ok()?);
                    }
                    b"contact_information" => {
                        if raw.contact_information.is_some() {
                            return None;
                        }
                        raw.contact_information = Some(serde_json::from_str(value).ok()?);
                    }
                    b"location_information" => {
                        if raw.location_information.is_some() {
                            return None;
                        }
                        raw.location_information = Some(serde_json::from_str(value).ok()?);
                    }
                    k if is_read(k) => return None,
                    _ => {}
                }
                end
            }
            _ => return None,
        };
        let mut e = value_end;
        let comma = b.get(e) == Some(&b',');
        if comma {
            e += 1;
        }
        if b.get(e) != Some(&b'\n') {
            return None;
        }
        p = e + 1;
        if !comma {
            let n = indent(b.get(p..)?);
            return (n == ind && b.get(p + n) == Some(&b'}')).then_some((raw, p + n + 1));
        }
    }
}

/// Whether the fast path reads `key` (so its type matters).
fn is_read(key: &[u8]) -> bool {
    matches!(
        key,
        b"id"
            | b"type"
            | b"date"
            | b"date_unixtime"
            | b"from"
            | b"from_id"
            | b"actor"
            | b"actor_id"
            | b"action"
            | b"members"
            | b"title"
            | b"message_id"
            | b"duration_seconds"
            | b"text"
            | b"photo"
            | b"file"
            | b"media_type"
            | b"poll"
            | b"contact_information"
            | b"contact_vcard"
            | b"location_information"
            | b"place_name"
            | b"address"
    )
}

/// Sets a field once; a second value of the same field is left to serde (which rejects it).
fn once<T>(slot: &mut Option<T>, v: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(v);
    Some(())
}

fn set_string<'a>(raw: &mut Raw<'a>, key: &[u8], s: Cow<'a, str>) -> Option<()> {
    match key {
        b"id" => once(&mut raw.id, Text(s)),
        b"type" => once(&mut raw.kind, Str(s)),
        b"date" => once(&mut raw.date, Str(s)),
        b"date_unixtime" => once(&mut raw.date_unixtime, Text(s)),
        b"from" => once(&mut raw.from, Str(s)),
        b"from_id" => once(&mut raw.from_id, Text(s)),
        b"actor" => once(&mut raw.actor, Str(s)),
        b"actor_id" => once(&mut raw.actor_id, Text(s)),
        b"action" => once(&mut raw.action, Str(s)),
        b"title" => once(&mut raw.title, Str(s)),
        b"message_id" => once(&mut raw.message_id, Text(s)),
        b"duration_seconds" => once(&mut raw.duration_seconds, Text(s)),
        b"text" => once(&mut raw.text, Body(s)),
        b"photo" => once(&mut raw.photo, Str(s)),
        b"file" => once(&mut raw.file, Str(s)),
        b"media_type" => once(&mut raw.media_type, Str(s)),
        b"contact_vcard" => once(&mut raw.contact_vcard, Str(s)),
        b"place_name" => once(&mut raw.place_name, Str(s)),
        b"address" => once(&mut raw.address, Str(s)),
        b"members" | b"poll" | b"contact_information" | b"location_information" => None,
        _ => Some(()),
    }
}

fn set_number<'a>(raw: &mut Raw<'a>, key: &[u8], n: &'a str) -> Option<()> {
    let t = Text(Cow::Borrowed(n));
    match key {
        b"id" => once(&mut raw.id, t),
        b"date_unixtime" => once(&mut raw.date_unixtime, t),
        b"from_id" => once(&mut raw.from_id, t),
        b"actor_id" => once(&mut raw.actor_id, t),
        b"message_id" => once(&mut raw.message_id, t),
        b"duration_seconds" => once(&mut raw.duration_seconds, t),
        k if is_read(k) => None,
        _ => Some(()),
    }
}

/// `null` reads as a missing field, as serde's `Option` does; a read field written twice
/// (even as null) is left to serde.
fn set_null(raw: &mut Raw<'_>, key: &[u8]) -> Option<()> {
    let set = match key {
        b"id" => raw.id.is_some(),
        b"type" => raw.kind.is_some(),
        b"date" => raw.date.is_some(),
        b"date_unixtime" => raw.date_unixtime.is_some(),
        b"from" => raw.from.is_some(),
        b"from_id" => raw.from_id.is_some(),
        b"actor" => raw.actor.is_some(),
        b"actor_id" => raw.actor_id.is_some(),
        b"action" => raw.action.is_some(),
        b"members" => raw.members.is_some(),
        b"title" => raw.title.is_some(),
        b"message_id" => raw.message_id.is_some(),
        b"duration_seconds" => raw.duration_seconds.is_some(),
        b"text" => raw.text.is_some(),
        b"photo" => raw.photo.is_some(),
        b"file" => raw.file.is_some(),
        b"media_type" => raw.media_type.is_some(),
        b"poll" => raw.poll.is_some(),
        b"contact_information" => raw.contact_information.is_some(),
        b"contact_vcard" => raw.contact_vcard.is_some(),
        b"location_information" => raw.location_information.is_some(),
        b"place_name" => raw.place_name.is_some(),
        b"address" => raw.address.is_some(),
        _ => false,
    };
    (!set).then_some(())
}

/// The end of a number or literal starting at `i`.
#[inline]
fn scalar_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while b
        .get(j)
        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.' | b'_'))
    {
        j += 1;
    }
    j
}

// ---------------------------------------------------------------------------------------
// Repairing the exporter's invalid JSON.

/// A rewritten object and what was changed, each at its byte offset in the original.
struct Repaired {
    text: String,
    repairs: Vec<(usize, String)>,
}

/// Rewrites one object: bad escapes, raw control characters, unquoted values.
fn repair_object(s: &str) -> Repaired {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len() + 16);
    let mut repairs = Vec::new();
    let mut i = 0usize;
    let mut copied = 0usize;
    // After a `:` outside strings: the value starts at the next non-space byte.
    let mut expect_value = false;
    while i < b.len() {
        let c = b[i];
        if expect_value && !matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            expect_value = false;
            if !starts_json_value(&b[i..]) {
                // An unquoted value: quote it up to the end of the line (minus a trailing
                // comma), escaping as needed.
                let le = line_end(b, i);
                let mut ve = le;
                while ve > i && matches!(b[ve - 1], b' ' | b'\r' | b'\t') {
                    ve -= 1;
                }
                if ve > i && b[ve - 1] == b',' {
                    ve -= 1;
                }
                let v = &s[i..ve];
                out.push_str(&s[copied..i]);
                out.push('"');
                for ch in v.chars() {
                    match ch {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push('"');
                repairs.push((i, format!("unquoted value {:?} quoted", excerpt(v))));
                copied = ve;
                i = ve;
                continue;
            }
        }
        match c {
            b'"' => {
                // A string: fix escapes and raw control characters inside it.
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' && b[j] != b'\n' {
                    if b[j] == b'\\' {
                        let next = b.get(j + 1).copied();
                        match next {
                            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                                j += 2;
                            }
                            Some(b'u')
                                if b.get(j + 2..j + 6)
                                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
                            {
                                j += 6;
                            }
                            Some(b'x')
                                if b.get(j + 2..j + 4)
                                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
                            {
                                out.push_str(&s[copied..j]);
                                out.push_str("\\u00");
                                out.push_str(&s[j + 2..j + 4]);
                                repairs.push((
                                    j,
                                    format!(
                                        "invalid escape {} read as \\u00{}",
                                        &s[j..j + 4],
                                        &s[j + 2..j + 4]
                                    ),
                                ));
                                j += 4;
                                copied = j;
                            }
                            _ => {
                                // Keep the backslash as text.
                                out.push_str(&s[copied..j]);
                                out.push_str("\\\\");
                                let shown = match s.get(j + 1..).and_then(|r| r.chars().next()) {
                                    Some(ch) => &s[j..j + 1 + ch.len_utf8()],
                                    None => "\\",
                                };
                                repairs
                                    .push((j, format!("invalid escape {shown} kept as written")));
                                j += 1;
                                copied = j;
                            }
                        }
                    } else if b[j] < 0x20 {
                        out.push_str(&s[copied..j]);
                        out.push_str(&format!("\\u{:04x}", b[j]));
                        repairs.push((j, format!("raw control character {:#04x} escaped", b[j])));
                        j += 1;
                        copied = j;
                    } else {
                        j += 1;
                    }
                }
                i = j + 1;
            }
            b':' => {
                expect_value = true;
                i += 1;
            }
            _ => i += 1,
        }
    }
    out.push_str(&s[copied.min(s.len())..]);
    Repaired { text: out, repairs }
}

/// Whether `b` starts with a JSON value that runs to a delimiter.
fn starts_json_value(b: &[u8]) -> bool {
    match b.first() {
        Some(b'"' | b'{' | b'[') => true,
        Some(c) if c.is_ascii_digit() || *c == b'-' => {
            let n = scalar_end(b, 0);
            let tok = &b[..n];
            let after = b.get(n).copied();
            std::str::from_utf8(tok)
                .ok()
                .and_then(|t| t.parse::<f64>().ok())
                .is_some()
                && !tok
                    .iter()
                    .any(|c| c.is_ascii_alphabetic() && !matches!(c, b'e' | b'E'))
                && matches!(
                    after,
                    None | Some(b',' | b'}' | b']' | b' ' | b'\r' | b'\n')
                )
        }
        Some(_) => {
            let n = scalar_end(b, 0);
            matches!(&b[..n], b"true" | b"false" | b"null")
                && matches!(
                    b.get(n),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\r' | b'\n')
                )
        }
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testkit::{self, Agree, Subject};
    use crate::formats::{Collect, FormatOptions, parse_text, survey_text};
    use crate::time::Zone;
    use proptest::prelude::*;

    testkit::fixtures!("telegram": SINGLE "single/result.json", FULL "full/result.json",
        REPAIRED "repaired/result.json", TRUNCATED "truncated/result.json");

    fn parse_with(text: &str, zone: Zone, target: usize) -> Collect<'_> {
        let hint = survey_text(&Telegram, "result.json", text, FormatOptions::default());
        let hint: &'static dyn Hint = Box::leak(hint.unwrap());
        let mut ctx = ParseCtx::new(0, "result.json", zone);
        ctx.hint = Some(hint);
        parse_text(&Telegram, text, &ctx, target)
    }

    fn parse(text: &str) -> Collect<'_> {
        parse_with(text, Zone::Utc, usize::MAX)
    }

    /// A single-chat export holding `messages` (objects already in the 1-space layout).
    fn chat(messages: &[&str]) -> String {
        format!(
            "{{\n \"name\": \"t\",\n \"type\": \"personal_chat\",\n \"id\": 1,\n \"messages\": [\n{}\n ]\n}}\n",
            messages.join(",\n")
        )
    }

    fn msg(fields: &str) -> String {
        let mut s = String::from("  {\n   \"id\": 7,\n   \"type\": \"message\"");
        for f in fields.lines() {
            s.push_str(",\n   ");
            s.push_str(f);
        }
        s.push_str("\n  }");
        s
    }

    #[test]
    fn entity_array_text_is_concatenated_and_numeric_from_id_is_its_decimal_text() {
        let m = msg(
            "\"date_unixtime\": \"1619870400\"\n\"from\": \"A\"\n\"from_id\": 300400\n\"text\": [\"a \", {\"type\": \"bold\", \"text\": \"b\"}, null, \" c\"]",
        );
        let text = chat(&[&m]);
        let c = parse(&text);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.messages[0].body, "a b c");
        assert_eq!(c.messages[0].sender, "300400");
        assert_eq!(c.messages[0].name.as_deref(), Some("A"));
        assert_eq!(c.messages[0].id.as_deref(), Some("7"));
    }

    #[test]
    fn date_unixtime_wins_and_the_local_date_gives_the_offset() {
        let m = msg(
            "\"date\": \"2021-05-01T15:00:00\"\n\"date_unixtime\": \"1619870400\"\n\"from_id\": \"user1\"\n\"text\": \"x\"",
        );
        let t = parse(&chat(&[&m])).messages[0].time;
        assert_eq!(t.micros, 1_619_870_400_000_000);
        assert_eq!(t.offset, Some(3 * 3600));
        // A local date that is not a quarter-hour offset away gives no offset.
        let m = msg(
            "\"date\": \"2021-05-01T15:00:07\"\n\"date_unixtime\": \"1619870400\"\n\"from_id\": \"user1\"\n\"text\": \"x\"",
        );
        let t = parse(&chat(&[&m])).messages[0].time;
        assert_eq!((t.micros, t.offset), (1_619_870_400_000_000, None));
    }

    #[test]
    fn date_without_unixtime_is_naive_in_the_source_zone() {
        let m = msg("\"date\": \"2021-05-01T15:00:00\"\n\"from_id\": \"user1\"\n\"text\": \"x\"");
        let text = chat(&[&m]);
        let c = parse_with(&text, "Europe/Moscow".parse().unwrap(), usize::MAX);
        assert_eq!(c.messages[0].time.micros, 1_619_870_400_000_000);
    }

    #[test]
    fn bad_or_missing_dates_and_senders_are_problems_at_the_message_line() {
        let a = msg("\"date_unixtime\": \"12x\"\n\"from_id\": \"u\"");
        let b = msg("\"from_id\": \"u\"");
        let d = msg("\"date_unixtime\": \"1\"");
        let ok = msg("\"date_unixtime\": \"1\"\n\"from\": \"Only Name\"");
        let text = chat(&[&a, &b, &d, &ok]);
        let c = parse(&text);
        assert_eq!(c.messages.len(), 1);
        assert_eq!(c.messages[0].sender, "Only Name");
        let lines: Vec<u64> = c.problems.iter().map(|p| p.loc.line).collect();
        assert_eq!(lines, vec![6, 12, 17]);
        assert!(c.problems[0].what.starts_with("bad date_unixtime"));
        assert!(c.problems[1].what.contains("without date_unixtime or date"));
        assert!(c.problems[2].what.contains("without from_id or from"));
    }

    #[test]
    fn a_date_unixtime_of_zero_gives_way_to_date_with_a_problem() {
        let zero = msg(
            "\"date\": \"2022-03-21T11:11:11\"\n\"date_unixtime\": \"0000000000\"\n\"from\": \"A\"",
        );
        let empty =
            msg("\"date\": \"2022-03-21T11:12:00\"\n\"date_unixtime\": \"\"\n\"from\": \"A\"");
        let alone = msg("\"date_unixtime\": \"0\"\n\"from\": \"A\"");
        let bad = msg("\"date\": \"yesterday\"\n\"date_unixtime\": \"0\"\n\"from\": \"A\"");
        let text = chat(&[&zero, &empty, &alone, &bad]);
        let zone = Zone::Fixed(3 * 3600);
        let c = parse_with(&text, zone, usize::MAX);
        let times: Vec<i64> = c
            .messages
            .iter()
            .map(|m| m.time.micros / 1_000_000)
            .collect();
        // 2022-03-21T08:11:11Z and 08:12:00Z: `date` read in --source-tz.
        assert_eq!(times, vec![1_647_850_271, 1_647_850_320]);
        let got: Vec<(u64, &str)> = c
            .problems
            .iter()
            .map(|p| (p.loc.line, p.what.as_str()))
            .collect();
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0].0, 6);
        assert_eq!(
            got[0].1,
            "repaired: date_unixtime \"0000000000\" is not a time; read date as local time"
        );
        assert!(
            got[1]
                .1
                .starts_with("repaired: date_unixtime \"\" is not a time")
        );
        assert!(got[2].1.starts_with("bad date_unixtime \"0\""), "{got:?}");
        assert!(got[3].1.starts_with("bad date_unixtime \"0\""), "{got:?}");
    }

    #[test]
    fn service_rows_read_as_system_or_call_with_an_action_text() {
        let rows = [
            (
                "\"action\": \"edit_group_title\"\n\"title\": \"Новое\"",
                "edit_group_title: Новое",
                Kind::System,
            ),
            (
                "\"action\": \"phone_call\"\n\"duration_seconds\": 35",
                "phone_call: 35 s",
                Kind::Call,
            ),
            (
                "\"action\": \"clear_history\"",
                "clear_history",
                Kind::System,
            ),
        ];
        for (fields, body, kind) in rows {
            let m = format!(
                "  {{\n   \"id\": 1,\n   \"type\": \"service\",\n   \"date_unixtime\": \"1\",\n   \"actor\": \"Lin\",\n   {}\n  }}",
                fields.replace('\n', ",\n   ")
            );
            let text = chat(&[&m]);
            let c = parse(&text);
            assert!(c.problems.is_empty(), "{:?}", c.problems);
            let got = &c.messages[0];
            assert_eq!((got.body.as_ref(), got.kind), (body, kind));
            assert_eq!(got.sender, "Lin");
        }
    }

    #[test]
    fn invalid_escape_and_unquoted_value_are_repaired_and_each_reported() {
        let c = parse(REPAIRED);
        assert_eq!(c.messages.len(), 4);
        assert_eq!(c.messages[1].body, "ctrl\u{1}char");
        assert_eq!(c.messages[2].name.as_deref(), Some("Deleted Account"));
        let got = testkit::problems(&c);
        assert_eq!(
            got,
            vec![
                (28, "repaired: invalid escape \\x01 read as \\u0001"),
                (32, "repaired: invalid escape \\x01 read as \\u0001"),
                (41, "repaired: unquoted value \"Deleted Account\" quoted"),
            ]
        );
        // Only the repaired records own their strings.
        assert!(matches!(c.messages[0].body, Cow::Borrowed(_)));
    }

    #[test]
    fn repair_quotes_non_values_but_keeps_numbers_literals_and_strings() {
        let r =
            repair_object("{\n \"a\": 12,\n \"b\": true,\n \"c\": 2021-05-01,\n \"d\": x \"y\"\n}");
        assert_eq!(
            r.text,
            "{\n \"a\": 12,\n \"b\": true,\n \"c\": \"2021-05-01\",\n \"d\": \"x \\\"y\\\"\"\n}"
        );
        assert_eq!(r.repairs.len(), 2);
        let r = repair_object("{\"t\": \"a\u{1}b\\qc\"}");
        assert_eq!(r.text, "{\"t\": \"a\\u0001b\\\\qc\"}");
        assert_eq!(r.repairs.len(), 2);
    }

    #[test]
    fn unrepairable_message_is_one_problem_and_the_next_still_reads() {
        let bad = "  {\n   \"id\": 2,\n   \"type\": \"message\",\n   \"text\": [1, 2\n  }";
        let ok = msg("\"date_unixtime\": \"1\"\n\"from_id\": \"u\"\n\"text\": \"fine\"");
        let text = chat(&[bad, &ok]);
        let c = parse(&text);
        assert_eq!(c.messages.len(), 1);
        assert_eq!(c.messages[0].body, "fine");
        assert_eq!(c.problems.len(), 1);
        assert_eq!(c.problems[0].loc.line, 6);
    }

    #[test]
    fn truncated_file_keeps_earlier_messages_and_names_what_is_missing() {
        let c = parse(TRUNCATED);
        // The second message's garbled date_unixtime gives way to its date.
        assert_eq!(c.messages.len(), 3);
        assert!(
            c.problems[0]
                .what
                .starts_with("repaired: date_unixtime \"16200x0060\"")
        );
        let p = c.problems.last().unwrap();
        assert_eq!(p.loc.line, 51);
        assert!(
            p.what
                .starts_with("truncated: the file ends inside this message"),
            "{}",
            p.what
        );
        assert!(
            p.what
                .ends_with("missing the rest of the message and \"]}\""),
            "{}",
            p.what
        );
        // Cut between messages and after the array.
        let ok = msg("\"date_unixtime\": \"1\"\n\"from_id\": \"u\"");
        let full = chat(&[&ok]);
        let cut = full.find("\n ]").unwrap();
        let c = parse(&full[..cut + 1]);
        assert_eq!(c.messages.len(), 1);
        assert_eq!(c.problems.len(), 1);
        assert!(
            c.problems[0].what.ends_with("missing \"]}\""),
            "{}",
            c.problems[0].what
        );
        let c = parse(&full[..full.len() - 2]);
        assert_eq!(c.messages.len(), 1);
        assert!(
            c.problems[0].what.ends_with("missing \"}\""),
            "{}",
            c.problems[0].what
        );
    }

    #[test]
    fn full_export_chats_get_their_own_channel_in_every_chunk() {
        for target in [1, 200, usize::MAX] {
            let c = parse_with(FULL, Zone::Utc, target);
            let chans: Vec<&str> = c
                .messages
                .iter()
                .map(|m| m.channel.as_deref().unwrap())
                .collect();
            assert_eq!(
                chans,
                ["Сергей К", "Сергей К", "100200", "工作群", "工作群"],
                "{target}"
            );
        }
        let hint = survey_text(&Telegram, "result.json", FULL, FormatOptions::default()).unwrap();
        let chats = (hint.as_ref() as &dyn std::any::Any)
            .downcast_ref::<Chats>()
            .unwrap();
        assert_eq!(chats.chats.len(), 3);
        assert_eq!(chats.at(0), None);
        assert_eq!(chats.at(u64::MAX), Some("工作群"));
    }

    #[test]
    fn damaged_structure_before_a_messages_array_still_reads_its_messages_whole_and_split() {
        // The key of the first chat's array garbled two ways: the messages are still read
        // (one problem at the first of them), and the other chats keep their names, the same
        // for the whole file and for every chunk size.
        for damaged in ["2messages\": [", "\"messages\" ["] {
            let text = FULL.replacen("\"messages\": [", damaged, 1);
            assert_ne!(text, FULL);
            let mut reads = Vec::new();
            for target in [1, 7, 200, usize::MAX] {
                let c = parse_with(&text, Zone::Utc, target);
                let got: Vec<(u64, String, Option<String>)> = c
                    .messages
                    .iter()
                    .map(|m| {
                        (
                            m.loc.line,
                            m.body.to_string(),
                            m.channel.as_deref().map(String::from),
                        )
                    })
                    .collect();
                assert_eq!(got.len(), 5, "{damaged} {target}: {got:?} {:?}", c.problems);
                assert_eq!(got[2].2.as_deref(), Some("100200"));
                assert_eq!(got[4].2.as_deref(), Some("工作群"));
                if target == usize::MAX {
                    assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
                    assert_eq!(c.problems[0].loc.line, got[0].0);
                    assert!(
                        c.problems[0]
                            .what
                            .contains("damaged structure before this message")
                    );
                }
                reads.push(got);
            }
            assert!(
                reads.windows(2).all(|w| w[0] == w[1]),
                "{damaged}: {reads:?}"
            );
        }
    }

    #[test]
    fn survey_finds_a_header_that_straddles_two_pieces() {
        let mut s = ChatSurvey::default();
        let cut = SINGLE.find(" \"id\": 4419021").unwrap();
        s.feed(&SINGLE[..cut], 0, 1);
        s.feed(&SINGLE[cut..], cut as u64, 4);
        let h = Box::new(s).finish();
        assert_eq!(h.describe().as_deref(), Some("1 chat(s): Лин Вэй"));
    }

    #[test]
    fn next_record_needs_the_message_layout_not_just_a_brace_line() {
        let first = SINGLE.find("\n  {\n").unwrap() + 1;
        assert_eq!(Telegram.next_record(SINGLE, 0), Some(first));
        // Entity objects (`    {`) and pasted text never split; every split is a message.
        let layout = "  {\n   \"id\": ";
        assert_eq!(testkit::count_splits(&Telegram, SINGLE, layout), 11);
        assert_eq!(
            Telegram.next_record("  {\n   \"id\": 1,\n   \"date\": 2\n", 0),
            None
        );
        assert_eq!(
            Telegram.next_record("  {\n   \"id\": x,\n   \"type\": \"m\"\n", 0),
            None
        );
    }

    #[test]
    fn sniff_claims_telegram_exports_only() {
        assert_eq!(sniff("a/result.json", SINGLE), 95);
        assert_eq!(sniff("a/result.json", FULL), 95);
        // A full export whose head holds only the account's data and contacts.
        let head = &FULL[..FULL.find(" \"frequent_contacts\"").unwrap()];
        assert!(!head.contains("\"messages\""));
        assert_eq!(sniff("a/result.json", head), 95);
        assert_eq!(sniff("a/result.txt", SINGLE), 0);
        // Telegram's structure in another tool's layout (two spaces, no date_unixtime).
        let other = include_str!("../../testdata/rocketchat/not_rocketchat.json");
        assert_eq!(sniff("result.json", other), 95);
        let rc = include_str!("../../testdata/rocketchat/general_2021-03-01.json");
        assert_eq!(sniff("general_2021-03-01.json", rc), 0);
        assert_eq!(
            sniff("users.json", "[{\"id\": \"U1\", \"name\": \"x\"}]"),
            0
        );
    }

    #[test]
    fn sniff_goes_by_structure_whatever_the_white_space() {
        let two = SINGLE.replace("\n ", "\n  ");
        assert_ne!(two, SINGLE);
        assert_eq!(sniff("a/result.json", &two), 95);
        let tabs = SINGLE.replace("\n ", "\n\t");
        assert_eq!(sniff("a/result.json", &tabs), 95);
        let mini: String =
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(SINGLE).unwrap())
                .unwrap();
        assert_eq!(sniff("a/result.json", &mini), 95);
        let full = FULL.replace("\n ", "\n    ");
        assert_eq!(sniff("a/result.json", &full), 95);
        // No date_unixtime (older exports), two spaces: the first message's id and type.
        let old = "{\n  \"type\": \"saved_messages\",\n  \"id\": 1,\n  \"messages\": [\n    {\n      \"id\": 100,\n      \"type\": \"message\",\n      \"date\": \"2020-10-15T10:28:10\",\n      \"from\": \"A\",\n      \"from_id\": 1,\n      \"text\": \"x\"\n    }\n  ]\n}\n";
        assert_eq!(sniff("result.json", old), 95);
        // An empty chat: only its header says Telegram.
        let empty = "{\"name\":\"x\",\"type\":\"personal_chat\",\"id\":5,\"messages\":[]}";
        assert_eq!(sniff("result.json", empty), 95);
        // Other JSON with a messages array: a Discord export (string ids, its own types),
        // a Slack-like message list, an unknown chat type.
        let dce = "{\"guild\":{\"id\":\"1\"},\"messages\":[{\"id\":\"9\",\"type\":\"Default\"}]}";
        assert_eq!(sniff("c.json", dce), 0);
        let slack = "{\"messages\": [{\"type\": \"message\", \"user\": \"U1\", \"ts\": \"1.2\"}]}";
        assert_eq!(sniff("c.json", slack), 0);
        let room = "{\"type\":\"room\",\"id\":5,\"messages\":[]}";
        assert_eq!(sniff("c.json", room), 0);
        // White space inside strings is kept.
        let quoted =
            "{\"note\": \"\\\"messages\\\": [{\\\"id\\\": 1, \\\"type\\\": \\\"message\\\"\"}";
        assert_eq!(sniff("c.json", quoted), 0);
    }

    #[test]
    fn fast_path_reads_every_fixture_message_exactly_as_serde_does() {
        let mut corpus = Vec::new();
        chatsift_corpus::generate("telegram", 200_000, 3, &mut corpus).unwrap();
        let corpus = String::from_utf8(corpus).unwrap();
        for text in [SINGLE, FULL, corpus.as_str()] {
            let c = parse(text);
            for m in &c.messages {
                let at = m.loc.offset as usize;
                let (fast, end) = fast_raw(text, at).expect("fast path takes the exporter layout");
                let mut it = serde_json::Deserializer::from_str(&text[at..]).into_iter::<Raw<'_>>();
                let slow = it.next().unwrap().unwrap();
                assert_eq!(format!("{fast:?}"), format!("{slow:?}"));
                assert_eq!(end, at + it.byte_offset());
            }
        }
        // Anything else falls back to serde.
        assert!(fast_raw("{\"id\": 1}", 0).is_none());
        assert!(fast_raw("{\n \"id\": 01\n}", 0).is_none());
        assert!(fast_raw("{\n \"id\": 1,\n}", 0).is_none());
        assert!(fast_raw("{\n \"from\": 5\n}", 0).is_none());
        assert!(fast_raw("{\n \"text\": \"a\\x01\"\n}", 0).is_none());
        assert!(fast_raw("{\n \"id\": 1,\n \"id\": 2\n}", 0).is_none());
    }

    fn read<'a>(_: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        parse_with(text, Zone::Utc, target)
    }

    const SUBJECT: Subject = Subject::new(
        &Telegram,
        "result.json",
        read,
        &[
            ("result.json", SINGLE),
            ("result.json", FULL),
            ("result.json", REPAIRED),
            ("result.json", TRUNCATED),
        ],
        testkit::object_ends_before,
    )
    .agree(Agree::Lines, Agree::Lines)
    .prefixes(&["{\n \"messages\": [\n  {\n   \"id\": 1,\n"]);

    testkit::props!(SUBJECT);

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn repair_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = repair_object(&String::from_utf8_lossy(&bytes));
        }
    }
}
