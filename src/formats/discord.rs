//! `discord`: DiscordChatExporter (DCE) exports, JSON and CSV.
//!
//! JSON: one channel per file, indented by two spaces; messages start at lines `    {`:
//!
//! ```json
//! {
//!   "guild": {"id": "…", "name": "Ops"},
//!   "channel": {"id": "…", "type": "GuildTextChat", "category": "work", "name": "general"},
//!   "dateRange": {"after": null, "before": null},
//!   "messages": [
//!     {
//!       "id": "975000000000000001",
//!       "type": "Default",
//!       "timestamp": "2022-05-26T23:19:27.384-04:00",
//!       "content": "привет",
//!       "author": {"id": "81000000000000001", "name": "linwei", "nickname": "Lin Wei"},
//!       "attachments": [{"id": "…", "url": "https://cdn…/a.png", "fileName": "a.png"}],
//!       "stickers": [{"id": "…", "name": "wave", "format": "Png", "sourceUrl": "https://…"}],
//!       "reference": {"messageId": "…"}
//!     }
//!   ],
//!   "messageCount": 1
//! }
//! ```
//!
//! Mapping: channel = the header's `channel.name` (guild and category are not included;
//! message ids are snowflakes, unique across guilds), else the channel part of the file name;
//! id = `id`; time = `timestamp` with its offset kept (a stamp without offset is naive in
//! `--source-tz`); sender = `author.id`, name = `author.nickname`, else `author.name`;
//! body = `content`; attachments = each attachment's `fileName`, else its `url`, then each
//! sticker's `name`, else its `sourceUrl` (a sticker is sent alone, with no content). A
//! message with no content but embeds (a bot's or webhook's alert) takes its body from them:
//! each embed's author name, title, description, fields (`name: value`) and footer, one per
//! line, a blank line between embeds (a link preview sits beside content and is not read). Kind by
//! `type`: `Default`, `Reply`, `ChatInputCommand`, `ContextMenuCommand`, `ApplicationCommand`
//! and `ThreadStarterMessage` are messages (`attachment` when the content is empty and there
//! are attachments), `Call` is `call`, every other type (`RecipientAdd`,
//! `ChannelPinnedMessage`, `GuildMemberJoin`, `ThreadCreated`, …) is `system`.
//! Large channels are exported as several partition files with the same header; message ids
//! are unique per channel ([`Format::unique_ids`]) so overlapping partitions merge.
//!
//! CSV: header `AuthorID,Author,Date,Content,Attachments,Reactions` (every field quoted;
//! older versions have no `AuthorID`), bodies with newlines and `""`. Sender = `AuthorID`
//! (else `Author`), name = `Author` when there is an `AuthorID`; attachments = the
//! comma-separated URLs (DCE's CSV has no column for stickers: a sticker-only message is a
//! row with empty content and no attachments, read as an empty `message`). Dates: ISO with offset, or the older `26-May-22 11:19 PM` (naive, in
//! `--source-tz`), or the short dates of DCE 2.38–2.42 (`01/06/2023 2:03 PM`, `1/6/2023 2:03
//! PM`: month first with a 12-hour marker; `06.01.2023 14:03`, `06/01/2023 14:03`: day first
//! on a 24-hour clock; naive too); any other form is a problem. CSV has no message ids. The channel comes
//! from the file name, which DCE writes as `Guild - category - channel [id].csv` (partitions
//! add ` [part 2]`): the text after the last ` - ` with the bracketed suffixes removed.
//!
//! Splitting: JSON at a `    {` line followed by `      "id": "` and `      "type": "`
//! (the survey supplies the channel name to later chunks); CSV is not split
//! ([`Format::next_record`] is `None`: quoted fields hold newlines).

use super::jsonish::Str;
use super::jsonish::{
    ArrayWalk, excerpt_at, indent, next_element_start, skip_bom, string_end, walk_array,
};
use super::scan::{line_end, skip_ws};
use super::{
    About, Chunk, Format, Hint, Lines, ParseCtx, Sink, Survey, SurveyEnv, excerpt, file_name,
};
use crate::model::{Kind, Message, Problem, Timestamp};
use crate::time::{Civil, Resolver, parse_iso};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::borrow::Cow;

/// The `discord` format.
#[derive(Debug, Clone, Copy)]
pub struct Discord;

impl Format for Discord {
    about! { "discord", ["Ops - work - general [975000000000000000].json", "Ops - work - general [975000000000000000] [part 2].json", "Direct Messages - Lin Wei [81000000000000001].csv"], "DiscordChatExporter JSON and CSV exports (one channel per file, partitions merged)" }

    fn sniff(&self, path: &str, head: &str) -> u8 {
        if is_csv(path) {
            if csv_header(head).is_some() { 95 } else { 0 }
        } else if ends_with_ci(file_name(path), ".json") {
            let b = head.as_bytes();
            if b.get(skip_ws(b, skip_bom(b))) != Some(&b'{') {
                return 0;
            }
            let has = |s: &[u8]| memchr::memmem::find(b, s).is_some();
            let json = (has(b"\"guild\": {") || has(b"\"guild\":{"))
                && (has(b"\"channel\": {") || has(b"\"channel\":{"))
                && (has(b"\"messages\": [") || has(b"\"messages\":["));
            if json { 95 } else { 0 }
        } else {
            0
        }
    }
    fn next_record(&self, text: &str, from: usize) -> Option<usize> {
        next_record(text.as_bytes(), from)
    }
    fn survey(&self, env: &mut SurveyEnv<'_>) -> Option<Box<dyn Survey>> {
        if is_csv(env.path) {
            return None;
        }
        Some(Box::new(HeaderSurvey { found: None }))
    }
    fn unique_ids(&self) -> bool {
        true
    }
    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let mut p = Parser {
            chunk,
            ctx,
            b: chunk.text.as_bytes(),
            lines: chunk.lines(),
            resolver: None,
        };
        if is_csv(ctx.path) {
            p.csv(sink);
        } else {
            p.json(sink);
        }
        if let Some(r) = p.resolver {
            sink.dst_adjusted(r.adjusted);
        }
    }
}

fn ends_with_ci(name: &str, ext: &str) -> bool {
    name.len() > ext.len()
        && name
            .get(name.len() - ext.len()..)
            .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn is_csv(path: &str) -> bool {
    ends_with_ci(file_name(path), ".csv")
}

/// The channel DCE names a file after: `Guild - category - channel [id] [part 2].json` →
/// `channel`.
pub fn channel_from_path(path: &str) -> &str {
    let name = file_name(path);
    let mut s = name
        .rsplit_once('.')
        .map_or(name, |(stem, _)| stem)
        .trim_end();
    // Strip ` [part N]` and ` [id]` (bracketed suffixes), innermost last.
    while s.ends_with(']') {
        match s.rfind(" [") {
            Some(p) => s = s[..p].trim_end(),
            None => break,
        }
    }
    match s.rfind(" - ") {
        Some(p) => &s[p + 3..],
        None => s,
    }
}

/// Strict JSON message start: `    {`, then `      "id": "`, then `      "type": "`.
fn is_message_start(b: &[u8], ls: usize) -> bool {
    let le = line_end(b, ls);
    let line = b[ls..le].strip_suffix(b"\r").unwrap_or(&b[ls..le]);
    if line != b"    {" {
        return false;
    }
    let l2 = le + 1;
    let Some(r2) = b.get(l2..) else { return false };
    if indent(r2) != 6 || !r2[6..].starts_with(b"\"id\": \"") {
        return false;
    }
    let Some(r3) = b.get(line_end(b, l2) + 1..) else {
        return false;
    };
    indent(r3) == 6 && r3[6..].starts_with(b"\"type\": \"")
}

fn next_record(b: &[u8], from: usize) -> Option<usize> {
    next_element_start(b, from, is_message_start)
}

// ---------------------------------------------------------------------------------------
// The header, read by the survey and by the first chunk.

/// The channel named in a JSON export's header, for chunks after the first.
#[derive(Debug, Default)]
pub struct ChannelName {
    /// `channel.name` of the header, if it has one.
    pub name: Option<String>,
}

impl Hint for ChannelName {
    fn describe(&self) -> Option<String> {
        self.name.as_ref().map(|n| format!("channel {n}"))
    }
}

struct HeaderSurvey {
    found: Option<Option<String>>,
}

impl Survey for HeaderSurvey {
    fn feed(&mut self, text: &str, _offset: u64, _line: u64) {
        if self.found.is_none() {
            // A header without a channel name gives none (chunks then take the file name,
            // as the first chunk does).
            self.found = Some(
                header(text)
                    .map(|(c, _)| c.into_owned())
                    .filter(|c| !c.is_empty()),
            );
        }
    }
    fn finish(self: Box<Self>) -> Box<dyn Hint> {
        Box::new(ChannelName {
            name: self.found.flatten(),
        })
    }
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct ChannelHdr<'a> {
    name: Option<Str<'a>>,
}

/// Walks the top-level keys up to `"messages": [`: the channel name (if any) and the
/// position after the `[`. `None` when there is no messages array in `text`.
fn header(text: &str) -> Option<(Cow<'_, str>, usize)> {
    let (name, at) = header_walk(text).ok()?;
    Some((name.unwrap_or(Cow::Borrowed("")), at))
}

/// The header walk: `Ok((channel name, position after "messages": [))`, or `Err(position)`
/// where the text stops making sense (or ends).
fn header_walk(text: &str) -> Result<(Option<Cow<'_, str>>, usize), usize> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, skip_bom(b));
    if b.get(i) != Some(&b'{') {
        return Err(i);
    }
    i += 1;
    let mut channel = None;
    loop {
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b'"') => {
                let e = string_end(b, i).ok_or(i)?;
                let key = &b[i + 1..e - 1];
                let c = skip_ws(b, e);
                if b.get(c) != Some(&b':') {
                    return Err(i);
                }
                let v = skip_ws(b, c + 1);
                if key == b"messages" && b.get(v) == Some(&b'[') {
                    return Ok((channel, v + 1));
                }
                if key == b"channel" {
                    let mut it = serde_json::Deserializer::from_str(&text[v..])
                        .into_iter::<ChannelHdr<'_>>();
                    match it.next() {
                        Some(Ok(h)) => {
                            channel = h.name.map(|n| n.0).filter(|n| !n.is_empty());
                            i = v + it.byte_offset();
                        }
                        _ => return Err(v),
                    }
                } else {
                    let mut it =
                        serde_json::Deserializer::from_str(&text[v..]).into_iter::<IgnoredAny>();
                    match it.next() {
                        Some(Ok(_)) => i = v + it.byte_offset(),
                        _ => return Err(v),
                    }
                }
            }
            _ => return Err(i),
        }
    }
}

// ---------------------------------------------------------------------------------------
// JSON messages.

#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Author<'a> {
    id: Option<Str<'a>>,
    name: Option<Str<'a>>,
    nickname: Option<Str<'a>>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Attachment<'a> {
    #[serde(rename = "fileName")]
    file_name: Option<Str<'a>>,
    url: Option<Str<'a>>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Sticker<'a> {
    name: Option<Str<'a>>,
    #[serde(rename = "sourceUrl")]
    source_url: Option<Str<'a>>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Raw<'a> {
    id: Option<Str<'a>>,
    #[serde(rename = "type")]
    kind: Option<Str<'a>>,
    timestamp: Option<Str<'a>>,
    content: Option<Str<'a>>,
    author: Option<Author<'a>>,
    attachments: Option<Vec<Attachment<'a>>>,
    stickers: Option<Vec<Sticker<'a>>>,
    embeds: Option<Vec<Embed<'a>>>,
}

/// A rich embed as DCE writes it; only its text is read (`author.name`, `title`,
/// `description`, each field's `name` and `value`, `footer.text`).
#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Embed<'a> {
    author: Option<Named<'a>>,
    title: Option<Str<'a>>,
    description: Option<Str<'a>>,
    fields: Option<Vec<Field<'a>>>,
    footer: Option<Footer<'a>>,
}

/// An embed's author: its name.
#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Named<'a> {
    name: Option<Str<'a>>,
}

/// An embed's field.
#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Field<'a> {
    name: Option<Str<'a>>,
    value: Option<Str<'a>>,
}

/// An embed's footer: its text.
#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Footer<'a> {
    text: Option<Str<'a>>,
}

/// The text of a message's embeds, one line per part and a blank line between embeds, for a
/// message with no content of its own (a bot's or webhook's alert is often nothing else).
fn embeds_text(embeds: &[Embed<'_>]) -> String {
    fn text<'s>(s: Option<&'s Str<'_>>) -> &'s str {
        s.map_or("", |t| t.0.trim())
    }
    let mut out = String::new();
    for e in embeds {
        let fields = e.fields.iter().flatten().map(|f| {
            match (text(f.name.as_ref()), text(f.value.as_ref())) {
                ("", v) => Cow::Borrowed(v),
                (n, "") => Cow::Borrowed(n),
                (n, v) => Cow::Owned(format!("{n}: {v}")),
            }
        });
        let lines: Vec<Cow<'_, str>> = [
            text(e.author.as_ref().and_then(|a| a.name.as_ref())),
            text(e.title.as_ref()),
            text(e.description.as_ref()),
        ]
        .into_iter()
        .map(Cow::Borrowed)
        .chain(fields)
        .chain([Cow::Borrowed(text(
            e.footer.as_ref().and_then(|f| f.text.as_ref()),
        ))])
        .filter(|l| !l.is_empty())
        .collect();
        if lines.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&lines.join("\n"));
    }
    out
}

fn non_empty(s: Option<Str<'_>>) -> Option<Cow<'_, str>> {
    s.map(|s| s.0).filter(|s| !s.is_empty())
}

/// The kind of a DCE message type, before looking at attachments.
fn kind_of(t: &str) -> Kind {
    match t {
        ""
        | "Default"
        | "Reply"
        | "ChatInputCommand"
        | "ContextMenuCommand"
        | "ApplicationCommand"
        | "ThreadStarterMessage" => Kind::Message,
        "Call" => Kind::Call,
        _ => Kind::System,
    }
}

struct Parser<'c, 'a> {
    chunk: &'c Chunk<'a>,
    ctx: &'c ParseCtx<'a>,
    b: &'a [u8],
    lines: Lines<'a>,
    resolver: Option<Resolver>,
}

impl<'a> Parser<'_, 'a> {
    fn json(&mut self, sink: &mut dyn Sink<'a>) {
        let text: &'a str = self.chunk.text;
        let b = self.b;
        let start = skip_ws(b, skip_bom(b));
        if start >= b.len() {
            return;
        }
        let from_path = || Cow::Borrowed(channel_from_path(self.ctx.path));
        // The channel the survey read from the header, else the one in the file name.
        let ctx = self.ctx;
        let surveyed = || {
            ctx.hint::<ChannelName>()
                .and_then(|h| h.name.as_deref())
                .map_or_else(from_path, Cow::Borrowed)
        };
        let (channel, i) = if !self.chunk.first && b.get(start) == Some(&b'{') {
            (surveyed(), start)
        } else {
            match header_walk(text) {
                Ok((name, at)) => (name.unwrap_or_else(from_path), at),
                Err(at) => {
                    let what = if at >= b.len() {
                        "truncated: the file ends inside the export header".to_string()
                    } else {
                        format!(
                            "not a DiscordChatExporter JSON export: {}",
                            excerpt_at(text, at)
                        )
                    };
                    self.problem(sink, at.min(b.len()), what);
                    // The messages may still be intact: go on at the messages array, if
                    // there is one after the damage, with the channel from the file name
                    // (as the chunks after the first do when the header is unreadable).
                    let at = at.min(b.len());
                    const KEY: &[u8] = b"\"messages\": [";
                    // Without one, go on at the next strict message start (where a split
                    // would start a chunk), so whole and split reads agree.
                    let resume = match memchr::memmem::find(&b[at..], KEY) {
                        Some(k) => at + k + KEY.len(),
                        None => match Discord.next_record(text, at) {
                            Some(p) => p,
                            None => return,
                        },
                    };
                    (surveyed(), resume)
                }
            }
        };
        walk_array(self, i, &channel, sink);
    }
}

impl<'a> ArrayWalk<'a> for Parser<'_, 'a> {
    type Raw = Raw<'a>;
    type Extra = Cow<'a, str>;
    const CLOSER: &'static str = "]}";

    fn parts(&mut self) -> (&Chunk<'a>, &ParseCtx<'a>, &mut Lines<'a>) {
        (self.chunk, self.ctx, &mut self.lines)
    }

    fn element(
        &mut self,
        raw: Raw<'a>,
        start: usize,
        end: usize,
        line: u64,
        channel: &Cow<'a, str>,
        sink: &mut dyn Sink<'a>,
    ) {
        match self.message(raw, start, end, line, channel) {
            Ok(m) => sink.message(m),
            Err(p) => sink.problem(p),
        }
    }

    fn resume(&self, from: usize) -> Option<usize> {
        next_record(self.b, from)
    }
}

impl<'a> Parser<'_, 'a> {
    fn message(
        &mut self,
        raw: Raw<'a>,
        start: usize,
        end: usize,
        line: u64,
        channel: &Cow<'a, str>,
    ) -> Result<Message<'a>, Problem> {
        let loc = self.ctx.loc(self.chunk, start, line);
        let text: &'a str = self.chunk.text;
        let bad = |what: String| {
            Problem::new(
                loc,
                format!("{what}: {}", excerpt(text.get(start..end).unwrap_or(""))),
            )
        };
        let ts = raw
            .timestamp
            .map(|t| t.0)
            .ok_or_else(|| bad("message without timestamp".into()))?;
        let time = self
            .iso(&ts)
            .ok_or_else(|| bad(format!("bad timestamp {:?}", excerpt(&ts))))?;
        let author = raw
            .author
            .ok_or_else(|| bad("message without author".into()))?;
        let name = non_empty(author.nickname).or_else(|| non_empty(author.name));
        let sender = non_empty(author.id)
            .or_else(|| name.clone())
            .ok_or_else(|| bad("author without id or name".into()))?;
        let attachments: Vec<Cow<'a, str>> = raw
            .attachments
            .into_iter()
            .flatten()
            .filter_map(|a| non_empty(a.file_name).or_else(|| non_empty(a.url)))
            .chain(
                raw.stickers
                    .into_iter()
                    .flatten()
                    .filter_map(|s| non_empty(s.name).or_else(|| non_empty(s.source_url))),
            )
            .collect();
        let mut body = raw.content.map_or(Cow::Borrowed(""), |c| c.0);
        if body.is_empty()
            && let Some(e) = raw.embeds.as_deref().filter(|e| !e.is_empty())
        {
            body = Cow::Owned(embeds_text(e));
        }
        let mut kind = kind_of(raw.kind.as_ref().map_or("", |k| k.0.as_ref()));
        if kind == Kind::Message && body.is_empty() && !attachments.is_empty() {
            kind = Kind::Attachment;
        }
        Ok(Message {
            name,
            channel: Some(channel.clone()),
            kind,
            attachments,
            id: non_empty(raw.id),
            ..Message::new(time, sender, body, loc)
        })
    }

    fn iso(&mut self, s: &str) -> Option<Timestamp> {
        let (c, off, n) = parse_iso(s.as_bytes())?;
        if n != s.len() {
            return None;
        }
        Some(match off {
            Some(o) => c.at_offset(o),
            None => self.naive(&c),
        })
    }

    fn naive(&mut self, c: &Civil) -> Timestamp {
        self.resolver
            .get_or_insert_with(|| self.ctx.resolver())
            .resolve(c)
    }

    // -----------------------------------------------------------------------------------
    // CSV.

    fn csv(&mut self, sink: &mut dyn Sink<'a>) {
        let text: &'a str = self.chunk.text;
        let b = self.b;
        let mut i = skip_bom(b);
        let header_end = line_end(b, i);
        let Some(cols) = csv_header(&text[i..header_end]) else {
            let ex = excerpt_at(text, i);
            self.problem(
                sink,
                i,
                format!("not a DiscordChatExporter CSV header: {ex}"),
            );
            return;
        };
        let channel: &'a str = channel_from_path(self.ctx.path);
        i = header_end + 1;
        while i < b.len() {
            if matches!(b[i], b'\n' | b'\r') {
                i += 1;
                continue;
            }
            let line = self.lines.at(i);
            let start = i;
            let mut fields: Vec<Cow<'a, str>> = Vec::with_capacity(6);
            let mut truncated = false;
            loop {
                match csv_field(text, i) {
                    Some((f, next)) => {
                        fields.push(f);
                        i = next;
                        match b.get(i) {
                            Some(b',') => i += 1,
                            Some(b'\r') if b.get(i + 1) == Some(&b'\n') => {
                                i += 2;
                                break;
                            }
                            Some(b'\n') => {
                                i += 1;
                                break;
                            }
                            None => break,
                            Some(_) => {
                                // Junk after a closing quote: take the rest of the line.
                                let le = line_end(b, i);
                                i = le + 1;
                                fields.clear();
                                break;
                            }
                        }
                    }
                    None => {
                        truncated = true;
                        i = b.len();
                        break;
                    }
                }
            }
            let loc = self.ctx.loc(self.chunk, start, line);
            let row = text.get(start..i.min(b.len())).unwrap_or("");
            if truncated {
                sink.problem(Problem::new(
                    loc,
                    format!("truncated: a quoted field is not closed: {}", excerpt(row)),
                ));
                break;
            }
            if fields.len() != cols.count {
                sink.problem(Problem::new(
                    loc,
                    format!(
                        "row has {} fields, expected {}: {}",
                        fields.len(),
                        cols.count,
                        excerpt(row)
                    ),
                ));
                continue;
            }
            match self.csv_row(&cols, fields, channel, loc) {
                Ok(m) => sink.message(m),
                Err(what) => sink.problem(Problem::new(loc, format!("{what}: {}", excerpt(row)))),
            }
        }
    }

    fn csv_row(
        &mut self,
        cols: &CsvCols,
        mut fields: Vec<Cow<'a, str>>,
        channel: &'a str,
        loc: crate::model::Loc,
    ) -> Result<Message<'a>, String> {
        let mut take = |i: Option<usize>| match i {
            Some(i) => std::mem::take(&mut fields[i]),
            None => Cow::Borrowed(""),
        };
        let author_id = take(cols.author_id);
        let author = take(Some(cols.author));
        let date = take(Some(cols.date));
        let body = take(Some(cols.content));
        let atts = take(cols.attachments);
        let time = self
            .csv_date(&date)
            .ok_or_else(|| format!("bad date {:?}", excerpt(&date)))?;
        let (sender, name) = if author_id.is_empty() {
            (author, None)
        } else {
            (author_id, Some(author).filter(|a| !a.is_empty()))
        };
        if sender.is_empty() {
            return Err("row without author".into());
        }
        let attachments: Vec<Cow<'a, str>> = match atts {
            Cow::Borrowed(s) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(Cow::Borrowed)
                .collect(),
            Cow::Owned(s) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Cow::Owned(s.to_string()))
                .collect(),
        };
        let kind = if body.is_empty() && !attachments.is_empty() {
            Kind::Attachment
        } else {
            Kind::Message
        };
        Ok(Message {
            name,
            channel: Some(Cow::Borrowed(channel)),
            kind,
            attachments,
            ..Message::new(time, sender, body, loc)
        })
    }

    /// ISO with or without offset, or `26-May-22 11:19 PM` (naive).
    fn csv_date(&mut self, s: &str) -> Option<Timestamp> {
        if let Some(t) = self.iso(s) {
            return Some(t);
        }
        let c = old_date(s.as_bytes()).or_else(|| short_date(s.as_bytes()))?;
        Some(self.naive(&c))
    }
}

/// ` h:mm[:ss][ AM|PM]` to the end of `s`: hour as written, minute, second and the
/// 12-hour marker (`Some(true)` for PM).
fn clock(s: &[u8]) -> Option<(u32, u32, u32, Option<bool>)> {
    use crate::time::{digits, digits_1_2};
    if s.first() != Some(&b' ') {
        return None;
    }
    let (h, n) = digits_1_2(&s[1..])?;
    let s = s.get(1 + n..)?;
    if s.first() != Some(&b':') {
        return None;
    }
    let minute = digits::<2>(&s[1..])?;
    let mut rest = s.get(3..)?;
    let mut second = 0;
    if rest.first() == Some(&b':') {
        second = digits::<2>(&rest[1..])?;
        rest = rest.get(3..)?;
    }
    let half = match rest {
        b"" => None,
        b" AM" | b" am" => Some(false),
        b" PM" | b" pm" => Some(true),
        _ => return None,
    };
    Some((h, minute, second, half))
}

/// A 12-hour reading as a 24-hour hour (`None` outside 1–12).
fn hour_of(h: u32, pm: bool) -> Option<u32> {
    (1..=12)
        .contains(&h)
        .then(|| h % 12 + if pm { 12 } else { 0 })
}

/// The short dates DCE 2.38 to 2.42 wrote, in the exporting machine's culture: `01/06/2023
/// 2:03 PM` (2.38–2.40, `MM/dd/yyyy h:mm tt`) and `1/6/2023 2:03 PM` (2.41–2.42, .NET's `g`
/// in en-US), month first when a 12-hour marker follows; `06.01.2023 14:03` (`g` in German,
/// Russian, …) and `06/01/2023 14:03` (`g` in British English, French, Spanish, …), day first
/// on a 24-hour clock. Seconds, when present, are read.
fn short_date(s: &[u8]) -> Option<Civil> {
    use crate::time::{digits, digits_1_2};
    let (a, n) = digits_1_2(s)?;
    let sep = *s.get(n)?;
    if sep != b'/' && sep != b'.' {
        return None;
    }
    let s = &s[n + 1..];
    let (b, n) = digits_1_2(s)?;
    if s.get(n) != Some(&sep) {
        return None;
    }
    let s = &s[n + 1..];
    let year = digits::<4>(s)? as i32;
    let (h, minute, second, half) = clock(s.get(4..)?)?;
    let (month, day, hour) = match half {
        // A 12-hour clock is the US culture: month first.
        Some(pm) if sep == b'/' => (a, b, hour_of(h, pm)?),
        None => (b, a, h),
        _ => return None,
    };
    let c = Civil::at(year, month, day, hour, minute, second);
    c.is_valid().then_some(c)
}

/// `DD-Mon-YY h:mm AM` (DCE before 2.x): the civil time.
fn old_date(s: &[u8]) -> Option<Civil> {
    use crate::time::{digits, digits_1_2};
    let (day, n) = digits_1_2(s)?;
    let s = s.get(n..)?;
    if s.first() != Some(&b'-') || s.get(4) != Some(&b'-') {
        return None;
    }
    const MONTHS: [&[u8]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let mon = s.get(1..4)?.to_ascii_lowercase();
    let month = MONTHS.iter().position(|m| *m == mon.as_slice())? as u32 + 1;
    let year = 2000 + digits::<2>(s.get(5..)?)? as i32;
    let (h, minute, second, half) = clock(s.get(7..)?)?;
    let c = Civil::at(year, month, day, hour_of(h, half?)?, minute, second);
    c.is_valid().then_some(c)
}

/// Column positions of a DCE CSV header.
struct CsvCols {
    count: usize,
    author_id: Option<usize>,
    author: usize,
    date: usize,
    content: usize,
    attachments: Option<usize>,
}

/// Reads a DCE CSV header line (quoted or not).
fn csv_header(head: &str) -> Option<CsvCols> {
    let line = head.split('\n').next()?.trim_end_matches('\r');
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    let names: Vec<&str> = line.split(',').map(|f| f.trim_matches('"')).collect();
    let pos = |n: &str| names.iter().position(|x| *x == n);
    let cols = CsvCols {
        count: names.len(),
        author_id: pos("AuthorID"),
        author: pos("Author")?,
        date: pos("Date")?,
        content: pos("Content")?,
        attachments: pos("Attachments"),
    };
    (names.first() == Some(&"AuthorID") || names.first() == Some(&"Author")).then_some(cols)
}

/// One CSV field at `i`: its text (borrowed unless it had `""`) and the position after it.
/// `None` when a quoted field is not closed before the end.
fn csv_field(text: &str, i: usize) -> Option<(Cow<'_, str>, usize)> {
    let b = text.as_bytes();
    if b.get(i) != Some(&b'"') {
        let mut j = i;
        while j < b.len() && !matches!(b[j], b',' | b'\n' | b'\r') {
            j += 1;
        }
        return Some((Cow::Borrowed(&text[i..j]), j));
    }
    let mut j = i + 1;
    let mut owned: Option<String> = None;
    let mut run = j;
    loop {
        let k = memchr::memchr(b'"', b.get(j..)?)?;
        let q = j + k;
        if b.get(q + 1) == Some(&b'"') {
            let s = owned.get_or_insert_with(String::new);
            s.push_str(&text[run..q + 1]);
            j = q + 2;
            run = j;
        } else {
            let f = match owned {
                Some(mut s) => {
                    s.push_str(&text[run..q]);
                    Cow::Owned(s)
                }
                None => Cow::Borrowed(&text[i + 1..q]),
            };
            return Some((f, q + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testkit::{self, Agree, Subject};
    use crate::formats::{Collect, FormatOptions, parse_text, survey_text};
    use crate::time::Zone;
    use proptest::prelude::*;

    const JSON: &str =
        include_str!("../../testdata/discord/Ops - work - general [975000000000000000].json");
    const JSON_PATH: &str = "Ops - work - general [975000000000000000].json";
    const CSV: &str =
        include_str!("../../testdata/discord/Direct Messages - Lin Wei [81000000000000001].csv");
    const CSV_PATH: &str = "Direct Messages - Lin Wei [81000000000000001].csv";

    fn parse_at<'a>(path: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        let hint = survey_text(&Discord, path, text, FormatOptions::default());
        let mut ctx = ParseCtx::new(0, path, Zone::Utc);
        ctx.hint = hint.map(|h| &*Box::leak(h));
        parse_text(&Discord, text, &ctx, target)
    }

    #[test]
    fn channel_comes_from_the_dce_file_name_without_ids_and_parts() {
        assert_eq!(
            channel_from_path("x/Ops - work - general [97].json"),
            "general"
        );
        assert_eq!(
            channel_from_path("Ops - work - general [97] [part 2].json"),
            "general"
        );
        assert_eq!(
            channel_from_path("Direct Messages - Lin Wei [81].csv"),
            "Lin Wei"
        );
        assert_eq!(channel_from_path("plain.csv"), "plain");
    }

    #[test]
    fn offsets_are_kept_and_types_map_to_kinds() {
        let c = parse_at(JSON_PATH, JSON, usize::MAX);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        let t = c.messages[0].time;
        assert_eq!((t.offset, t.frac_digits), (Some(-4 * 3600), 3));
        assert_eq!(c.messages[1].time.offset, Some(8 * 3600));
        assert_eq!(kind_of("RecipientAdd"), Kind::System);
        assert_eq!(kind_of("Reply"), Kind::Message);
        assert_eq!(kind_of("Call"), Kind::Call);
        assert!(Discord.unique_ids());
    }

    #[test]
    fn later_chunks_take_the_channel_from_the_survey() {
        for target in [1, 300, usize::MAX] {
            let c = parse_at(JSON_PATH, JSON, target);
            assert_eq!(c.messages.len(), 8);
            testkit::assert_all_in_channel(&c, "general");
        }
    }

    #[test]
    fn next_record_splits_only_at_message_objects() {
        let layout = "    {\n      \"id\": \"";
        assert_eq!(testkit::count_splits(&Discord, JSON, layout), 8);
        // Author objects, attachments and pasted text never split.
        assert_eq!(
            Discord.next_record("    {\n      \"name\": \"x\"\n", 0),
            None
        );
    }

    #[test]
    fn truncated_json_keeps_earlier_messages_and_reports_the_cut() {
        let cut = JSON.find("\"id\": \"975000000000000003\"").unwrap();
        let c = parse_at(JSON_PATH, &JSON[..cut], usize::MAX);
        assert_eq!(c.messages.len(), 2);
        assert_eq!(c.problems.len(), 1);
        assert_eq!(c.problems[0].loc.line, 74);
        assert!(c.problems[0].what.starts_with("truncated"));
    }

    #[test]
    fn csv_reads_quoted_newlines_doubled_quotes_and_both_date_forms() {
        let c = parse_at(CSV_PATH, CSV, usize::MAX);
        assert_eq!(c.messages.len(), 4);
        assert_eq!(c.messages[1].body, "多行\n第二行 \"引用\"");
        assert!(matches!(c.messages[0].body, Cow::Borrowed(_)));
        assert_eq!(c.messages[3].time.micros, 1_653_607_140_000_000);
        assert_eq!(c.problems.len(), 1);
        assert!(c.problems[0].what.starts_with("bad date \"yesterday\""));
        assert_eq!(Discord.next_record(CSV, 0), None);
        assert!(old_date(b"26-May-22 12:05 AM").is_some_and(|c| c.hour == 0));
        assert!(old_date(b"26-May-22 13:05 PM").is_none());
    }

    #[test]
    fn short_dates_of_dce_2_38_to_2_42_read_month_first_on_a_12_hour_clock_else_day_first() {
        let at = |s: &str| short_date(s.as_bytes()).map(|c| (c.month, c.day, c.hour, c.minute));
        assert_eq!(at("01/06/2023 2:03 PM"), Some((1, 6, 14, 3)));
        assert_eq!(at("1/13/2023 12:03 AM"), Some((1, 13, 0, 3)));
        assert_eq!(at("06.01.2023 14:03"), Some((1, 6, 14, 3)));
        assert_eq!(at("13/01/2023 09:30:15"), Some((1, 13, 9, 30)));
        assert_eq!(at("13/01/2023 2:03 PM"), None);
        assert_eq!(at("06.01.2023 2:03 PM"), None);
        assert_eq!(at("1/6/23 2:03 PM"), None);
        assert_eq!(at("1/6/2023 14:03 PM"), None);
    }

    #[test]
    fn csv_without_author_id_uses_the_author_as_sender() {
        let text = "Author,Date,Content,Attachments,Reactions\nlinwei#0000,2022-05-27T03:21:00+00:00,hi,,\n\"a\",\"2022-05-27T03:21:00+00:00\",\"unclosed\n";
        let c = parse_at("a.csv", text, usize::MAX);
        assert_eq!(c.messages.len(), 1);
        assert_eq!(c.messages[0].sender, "linwei#0000");
        assert_eq!(c.messages[0].name, None);
        assert_eq!(c.problems.len(), 1);
        assert!(c.problems[0].what.starts_with("truncated"));
        assert_eq!(c.problems[0].loc.line, 3);
    }

    #[test]
    fn sniff_needs_the_dce_shape() {
        assert_eq!(Discord.sniff(JSON_PATH, JSON), 95);
        assert_eq!(Discord.sniff(CSV_PATH, CSV), 95);
        let tg = include_str!("../../testdata/telegram/single/result.json");
        assert_eq!(Discord.sniff("result.json", tg), 0);
        let rc = include_str!("../../testdata/rocketchat/general_2021-03-01.json");
        assert_eq!(Discord.sniff("g.json", rc), 0);
        assert_eq!(Discord.sniff("m.csv", "time,sender,body\n"), 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400),
                                    target in 1usize..64) {
            let text = String::from_utf8_lossy(&bytes);
            for path in ["a.json", "a.csv"] {
                let c = parse_at(path, &text, target);
                prop_assert!(c.problems.iter().all(|p| p.loc.line >= 1));
            }
            let t = format!("AuthorID,Author,Date,Content,Attachments,Reactions\n{text}");
            let c = parse_at("a.csv", &t, target);
            prop_assert!(c.problems.iter().all(|p| p.loc.line >= 1));
        }

        #[test]
        fn mutated_fixture_keeps_records_before_the_damage(
            csv in any::<bool>(), kind in any::<u8>(), a in any::<usize>(), b in any::<usize>(),
            byte in any::<u8>(), target in prop_oneof![Just(usize::MAX), 1usize..2000],
        ) {
            testkit::damaged(&SUBJECT, usize::from(csv), kind, a, b, byte, target)?;
        }
    }

    fn read<'a>(path: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        parse_at(path, text, target)
    }

    /// Each record ends where the next starts (the last at the end of the text); one that
    /// ends before the damage survives.
    fn survives(original: &str, whole: &Collect<'_>, i: usize, damage: usize) -> bool {
        let end = whole
            .messages
            .get(i + 1)
            .map_or(original.len(), |m| m.loc.offset as usize);
        end < damage
    }

    const SUBJECT: Subject = Subject::new(
        &Discord,
        "a.json",
        read,
        &[(JSON_PATH, JSON), (CSV_PATH, CSV)],
        survives,
    )
    .agree(Agree::Lines, Agree::Lines);
}
