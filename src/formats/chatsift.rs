//! `chatsift-jsonl` and `chatsift-csv`: chatsift's own `messages --to jsonl|csv` output, read
//! back losslessly so a corpus can be filtered once and analysed many times.
//!
//! Both readers fill the same [`Fields`] and build the [`Message`] in one place:
//! - `time` (RFC 3339 with an explicit offset, normally `Z`; 0–6 fraction digits, whose count
//!   becomes `frac_digits`), `sender` and `body` are required.
//! - `recipient`, `channel`, `id` may be null/empty; `kind` defaults to `message` when absent,
//!   an unknown kind is a problem; `attachments` is an array of strings.
//! - `format`, `source`, `line`, `offset` become the message's [`Origin`], so output repeats
//!   the original provenance; `loc` is where the record sits in the file being read. Without
//!   `format` and `source` there is no origin (the file itself is the source).
//! - `local_time` and `topics` are recomputed by the writer and only checked: `local_time`
//!   must be the same instant as `time`, `topics` a list of strings. A `person` other than
//!   `sender` comes back as the message's display name (so Slack and Telegram names survive a
//!   re-import; an alias file still wins). A record that fails any check is skipped and
//!   reported.
//!
//! JSONL is one object per line (a JSON line never holds a raw newline), so any line start
//! is a record boundary; blank lines are skipped. CSV bodies may hold quoted newlines, so a
//! CSV file has no safe split point without reading it from the start: it is never split
//! ([`Format::next_record`] is `None`) and its header is read from the one chunk. Columns are
//! mapped by header name, so their order may vary and unknown columns are ignored. Every CSV
//! string cell is passed through [`unneutralize`], which undoes the writer's spreadsheet
//! guard; a file written with `--raw-csv` whose cells really start with `'=`, `''` and the
//! like loses that one leading `'` (the two cases cannot be told apart).

use super::csvtext::{Borrower, Records, Row};
use super::jsonish::Str;
use super::{About, Chunk, Format, ParseCtx, Sink, excerpt, file_name, next_line_start};
use crate::model::{Kind, Loc, Message, Origin, Problem, Timestamp};
use crate::text::unneutralize;
use crate::time::parse_iso;
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// The header row chatsift's CSV writer puts first, column names in output order.
pub const CSV_HEADER: &str = "time,local_time,sender,person,recipient,channel,body,kind,attachments,id,topics,format,source,line,offset";

/// Reads chatsift's own JSONL output back.
#[derive(Debug, Clone, Copy)]
pub struct ChatsiftJsonl;

/// Reads chatsift's own CSV output back.
#[derive(Debug, Clone, Copy)]
pub struct ChatsiftCsv;

// ---------------------------------------------------------------------------------------
// Shared record building
// ---------------------------------------------------------------------------------------

/// The fields of one output record, as read from either format.
#[derive(Debug, Default)]
struct Fields<'a> {
    time: Option<Cow<'a, str>>,
    local_time: Option<Cow<'a, str>>,
    sender: Option<Cow<'a, str>>,
    person: Option<Cow<'a, str>>,
    recipient: Option<Cow<'a, str>>,
    channel: Option<Cow<'a, str>>,
    body: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    attachments: Vec<Cow<'a, str>>,
    id: Option<Cow<'a, str>>,
    format: Option<Cow<'a, str>>,
    source: Option<Cow<'a, str>>,
    line: Option<u64>,
    offset: Option<u64>,
}

/// An RFC 3339 stamp with an explicit offset and nothing after it; the offset is dropped
/// (output is UTC), the number of fraction digits kept.
fn parse_time(s: &str) -> Option<Timestamp> {
    let (civil, offset, used) = parse_iso(s.as_bytes())?;
    if used != s.len() {
        return None;
    }
    let mut t = civil.at_offset(offset?);
    t.offset = None;
    Some(t)
}

/// Checks the fields and builds the message, or says what is wrong.
fn build<'a>(f: Fields<'a>, loc: Loc) -> Result<Message<'a>, String> {
    let time_text = f.time.ok_or("missing time")?;
    let time =
        parse_time(&time_text).ok_or_else(|| format!("bad time {:?}", excerpt(&time_text)))?;
    if let Some(local) = &f.local_time {
        match parse_time(local) {
            Some(t) if t.micros == time.micros => {}
            _ => {
                return Err(format!(
                    "local_time {:?} is not the instant {:?}",
                    excerpt(local),
                    excerpt(&time_text)
                ));
            }
        }
    }
    let sender = f.sender.ok_or("missing sender")?;
    let body = f.body.ok_or("missing body")?;
    let kind = match &f.kind {
        None => Kind::Message,
        Some(k) => Kind::from_name(k).ok_or_else(|| format!("unknown kind {:?}", excerpt(k)))?,
    };
    let origin = if f.format.is_some() || f.source.is_some() {
        Some(Box::new(Origin {
            format: f.format.unwrap_or_default(),
            source: f.source.unwrap_or_default(),
            line: f.line.unwrap_or(0),
            offset: f.offset.unwrap_or(0),
        }))
    } else {
        None
    };
    // A person other than the sender is a display name (or an alias at the time of writing):
    // keep it as the name, so a re-import loses nothing; an alias file still wins.
    let name = f.person.filter(|p| *p != sender);
    Ok(Message {
        time,
        sender,
        name,
        recipient: f.recipient,
        channel: f.channel,
        body,
        kind,
        attachments: f.attachments,
        id: f.id,
        loc,
        origin,
    })
}

// ---------------------------------------------------------------------------------------
// serde helpers: strings that borrow when they can, and checks that allocate nothing
// ---------------------------------------------------------------------------------------

/// Accepts any string and keeps nothing (for fields that are only checked).
struct AnyStr;

impl<'de> Deserialize<'de> for AnyStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = AnyStr;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<AnyStr, E> {
                Ok(AnyStr)
            }
        }
        d.deserialize_str(V)
    }
}

/// Accepts any array of strings and keeps nothing.
struct AnyStrs;

impl<'de> Deserialize<'de> for AnyStrs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AnyStrs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnyStrs, A::Error> {
                while seq.next_element::<AnyStr>()?.is_some() {}
                Ok(AnyStrs)
            }
        }
        d.deserialize_seq(V)
    }
}

fn cow(s: Option<Str<'_>>) -> Option<Cow<'_, str>> {
    s.map(|s| s.0)
}

fn cows(v: Vec<Str<'_>>) -> Vec<Cow<'_, str>> {
    v.into_iter().map(|s| s.0).collect()
}

// ---------------------------------------------------------------------------------------
// JSONL
// ---------------------------------------------------------------------------------------

/// One JSONL line. Missing keys are `None`; unknown keys are ignored; a wrong type, a
/// duplicate key or trailing text fails the line.
#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct JsonRecord<'a> {
    time: Option<Str<'a>>,
    local_time: Option<Str<'a>>,
    sender: Option<Str<'a>>,
    person: Option<Str<'a>>,
    recipient: Option<Str<'a>>,
    channel: Option<Str<'a>>,
    body: Option<Str<'a>>,
    kind: Option<Str<'a>>,
    attachments: Option<Vec<Str<'a>>>,
    id: Option<Str<'a>>,
    #[allow(dead_code)]
    topics: Option<AnyStrs>,
    format: Option<Str<'a>>,
    source: Option<Str<'a>>,
    line: Option<u64>,
    offset: Option<u64>,
}

/// Reads one non-blank JSONL line.
fn read_json_line<'a>(raw: &'a str, loc: Loc) -> Result<Message<'a>, String> {
    if !raw.trim_start().starts_with('{') {
        return Err("not a JSON object".into());
    }
    let r: JsonRecord<'a> =
        serde_json::from_str(raw).map_err(|e| format!("bad JSON record ({e})"))?;
    build(
        Fields {
            time: cow(r.time),
            local_time: cow(r.local_time),
            sender: cow(r.sender),
            person: cow(r.person),
            recipient: cow(r.recipient),
            channel: cow(r.channel),
            body: cow(r.body),
            kind: cow(r.kind),
            attachments: r.attachments.map(cows).unwrap_or_default(),
            id: cow(r.id),
            format: cow(r.format),
            source: cow(r.source),
            line: r.line,
            offset: r.offset,
        },
        loc,
    )
}

/// The extension of a display path's file name, if it has one.
fn extension(path: &str) -> Option<&str> {
    file_name(path).rsplit_once('.').map(|(_, e)| e)
}

impl Format for ChatsiftJsonl {
    about! { "chatsift-jsonl", ["messages.jsonl", "filtered.ndjson"], "chatsift's own `messages --to jsonl` output, read back with its original provenance" }

    fn sniff(&self, path: &str, head: &str) -> u8 {
        let head = head.strip_prefix('\u{feff}').unwrap_or(head);
        let mut start = 0;
        let (line, terminated) = loop {
            let end = memchr::memchr(b'\n', &head.as_bytes()[start..]).map(|i| start + i);
            let line = &head[start..end.unwrap_or(head.len())];
            if !line.trim().is_empty() {
                break (line, end.is_some());
            }
            match end {
                Some(e) => start = e + 1,
                None => return 0,
            }
        };
        if !line.starts_with("{\"time\":") {
            return 0;
        }
        if line.contains("\"format\":") && line.contains("\"source\":") {
            let usual = extension(path).is_none_or(|e| {
                ["jsonl", "ndjson", "json"]
                    .iter()
                    .any(|x| e.eq_ignore_ascii_case(x))
            });
            return if usual { 95 } else { 90 };
        }
        // A first record longer than the sniff window: its tail is not visible.
        if !terminated
            && head.len() + 4 >= super::SNIFF_LEN
            && line.contains("\"local_time\":")
            && line.contains("\"sender\":")
        {
            return 80;
        }
        0
    }

    fn next_record(&self, text: &str, from: usize) -> Option<usize> {
        next_line_start(text, from)
    }

    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let text = chunk.text;
        let bytes = text.as_bytes();
        let mut pos = 0usize;
        let mut line = chunk.line;
        while pos < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
            // pos and end sit right after a '\n' or at the ends: char boundaries.
            let raw = text.get(pos..end).unwrap_or("");
            if !raw.trim_ascii().is_empty() {
                let loc = ctx.loc(chunk, pos, line);
                match read_json_line(raw, loc) {
                    Ok(m) => sink.message(m),
                    Err(what) => sink.problem(Problem::new(
                        loc,
                        format!("{what}: {}", excerpt(raw.trim_end())),
                    )),
                }
            }
            pos = end + 1;
            line += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------

/// The columns this reader knows, in writer order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Time,
    LocalTime,
    Sender,
    Person,
    Recipient,
    Channel,
    Body,
    Kind,
    Attachments,
    Id,
    Topics,
    Format,
    Source,
    Line,
    Offset,
}

impl Col {
    const ALL: [Col; 15] = [
        Col::Time,
        Col::LocalTime,
        Col::Sender,
        Col::Person,
        Col::Recipient,
        Col::Channel,
        Col::Body,
        Col::Kind,
        Col::Attachments,
        Col::Id,
        Col::Topics,
        Col::Format,
        Col::Source,
        Col::Line,
        Col::Offset,
    ];

    fn name(self) -> &'static str {
        match self {
            Col::Time => "time",
            Col::LocalTime => "local_time",
            Col::Sender => "sender",
            Col::Person => "person",
            Col::Recipient => "recipient",
            Col::Channel => "channel",
            Col::Body => "body",
            Col::Kind => "kind",
            Col::Attachments => "attachments",
            Col::Id => "id",
            Col::Topics => "topics",
            Col::Format => "format",
            Col::Source => "source",
            Col::Line => "line",
            Col::Offset => "offset",
        }
    }
}

/// Maps each CSV column index to the field it holds (the first column of a name wins).
fn column_map(header: &csv::StringRecord) -> Result<Vec<Option<Col>>, String> {
    let mut seen = [false; Col::ALL.len()];
    let map: Vec<Option<Col>> = header
        .iter()
        .map(|name| {
            let name = unneutralize(name.trim_start_matches('\u{feff}'));
            let col = Col::ALL.into_iter().find(|c| c.name() == name)?;
            let slot = &mut seen[col as usize];
            (!std::mem::replace(slot, true)).then_some(col)
        })
        .collect();
    let missing: Vec<&str> = [Col::Time, Col::Sender, Col::Body]
        .into_iter()
        .filter(|c| !seen[*c as usize])
        .map(Col::name)
        .collect();
    if missing.is_empty() {
        Ok(map)
    } else {
        Err(format!(
            "not a chatsift CSV header (no {} column)",
            missing.join(", ")
        ))
    }
}

/// Undoes the writer's spreadsheet guard without copying a borrowed cell.
fn unneutralize_cow(c: Cow<'_, str>) -> Cow<'_, str> {
    match c {
        Cow::Borrowed(s) => Cow::Borrowed(unneutralize(s)),
        Cow::Owned(mut s) => {
            if unneutralize(&s).len() != s.len() {
                s.remove(0);
            }
            Cow::Owned(s)
        }
    }
}

/// A cell that stands for null when empty.
fn nonempty(c: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    c.filter(|s| !s.is_empty())
}

/// An `attachments` cell: empty, or a JSON array of strings.
fn string_list<'a>(cell: Option<Cow<'a, str>>) -> Result<Vec<Cow<'a, str>>, String> {
    let bad = |e: serde_json::Error| format!("attachments is not a JSON array of strings ({e})");
    match nonempty(cell) {
        None => Ok(Vec::new()),
        Some(Cow::Borrowed(s)) => serde_json::from_str::<Vec<Str<'a>>>(s)
            .map(cows)
            .map_err(bad),
        Some(Cow::Owned(s)) => serde_json::from_str::<Vec<Str<'_>>>(&s)
            .map(|v| {
                v.into_iter()
                    .map(|x| Cow::Owned(x.0.into_owned()))
                    .collect()
            })
            .map_err(bad),
    }
}

/// A `line`/`offset` cell: empty, or a decimal number.
fn number(cell: Option<&Cow<'_, str>>, what: &str) -> Result<Option<u64>, String> {
    match cell.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<u64>()
            .map(Some)
            .map_err(|_| format!("bad {what} {:?}", excerpt(s))),
    }
}

/// Builds a message from one CSV record's cells (indexed by [`Col`]).
fn read_csv_cells<'a>(
    mut cells: [Option<Cow<'a, str>>; Col::ALL.len()],
    loc: Loc,
) -> Result<Message<'a>, String> {
    if let Some(topics) = cells[Col::Topics as usize]
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        serde_json::from_str::<AnyStrs>(topics)
            .map_err(|e| format!("topics is not a JSON array of strings ({e})"))?;
    }
    let line = number(cells[Col::Line as usize].as_ref(), "line")?;
    let offset = number(cells[Col::Offset as usize].as_ref(), "offset")?;
    let mut take = |c: Col| cells[c as usize].take();
    let fields = Fields {
        time: nonempty(take(Col::Time)),
        local_time: nonempty(take(Col::LocalTime)),
        sender: take(Col::Sender),
        person: nonempty(take(Col::Person)),
        recipient: nonempty(take(Col::Recipient)),
        channel: nonempty(take(Col::Channel)),
        body: take(Col::Body),
        kind: nonempty(take(Col::Kind)),
        attachments: string_list(take(Col::Attachments))?,
        id: nonempty(take(Col::Id)),
        format: nonempty(take(Col::Format)),
        source: nonempty(take(Col::Source)),
        line,
        offset,
    };
    build(fields, loc)
}

impl Format for ChatsiftCsv {
    about! { "chatsift-csv", ["messages.csv"], "chatsift's own `messages --to csv` output, spreadsheet guards undone, provenance kept" }

    fn sniff(&self, _path: &str, head: &str) -> u8 {
        let head = head.strip_prefix('\u{feff}').unwrap_or(head);
        let first = head.split('\n').next().unwrap_or("");
        if first.strip_suffix('\r').unwrap_or(first) == CSV_HEADER {
            95
        } else {
            0
        }
    }

    // `next_record` stays `None`: a quoted body may hold newlines and lines that look like
    // records, so no split point is safe without reading from the start (and the header is
    // only in the first chunk).

    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let text = chunk.text;
        let mut records = Records::new(chunk, ctx);
        let mut map: Option<Vec<Option<Col>>> = None;
        while let Some(Row { record, start, loc }) = records.next(sink) {
            let raw = text.get(start..).unwrap_or("");
            let Some(cols) = &map else {
                match column_map(record) {
                    Ok(m) => map = Some(m),
                    Err(what) => {
                        let first = raw.split('\n').next().unwrap_or("");
                        sink.problem(Problem::new(loc, format!("{what}: {}", excerpt(first))));
                        return;
                    }
                }
                continue;
            };
            let what = if record.len() != cols.len() {
                Err(format!(
                    "row has {} fields, the header has {}",
                    record.len(),
                    cols.len()
                ))
            } else {
                let mut cells: [Option<Cow<'a, str>>; Col::ALL.len()] = Default::default();
                let mut borrow = Borrower::new(text, start);
                for (field, col) in record.iter().zip(cols) {
                    let cell = borrow.field(field);
                    if let Some(col) = col {
                        cells[*col as usize] = Some(unneutralize_cow(cell));
                    }
                }
                read_csv_cells(cells, loc)
            };
            match what {
                Ok(m) => sink.message(m),
                Err(what) => {
                    let first = raw.split('\n').next().unwrap_or("");
                    sink.problem(Problem::new(loc, format!("{what}: {}", excerpt(first))));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testkit;
    use crate::formats::{Collect, parse_text};
    use crate::time::Zone;
    use proptest::prelude::*;

    testkit::fixtures!("chatsift": JSONL "messages.jsonl", CSV "messages.csv",
        BAD_JSONL "bad.jsonl", BAD_CSV "bad.csv");

    fn ctx() -> ParseCtx<'static> {
        ParseCtx::new(0, "in/messages", Zone::Utc)
    }

    fn parse<'a>(f: &dyn Format, text: &'a str) -> Collect<'a> {
        parse_text(f, text, &ctx(), usize::MAX)
    }

    fn origin<'m>(m: &'m Message<'_>) -> (&'m str, &'m str, u64, u64) {
        let o = m.origin.as_deref().expect("origin");
        (&o.format, &o.source, o.line, o.offset)
    }

    #[allow(clippy::ptr_arg, reason = "asks which Cow variant it is")]
    fn borrowed(c: &Cow<'_, str>) -> bool {
        matches!(c, Cow::Borrowed(_))
    }

    #[test]
    fn jsonl_keeps_original_provenance_and_fraction_digits() {
        let got = parse(&ChatsiftJsonl, JSONL);
        assert!(got.problems.is_empty(), "{:?}", got.problems);
        let m = &got.messages;
        assert_eq!(origin(&m[0]), ("isoon", "chats/1.md", 3, 112));
        assert_eq!(
            origin(&m[3]),
            ("rocketchat", "rc/general,2020.json", 9, 300)
        );
        assert_eq!(origin(&m[7]), ("blackbasta", "bb/运维组.json", 1, 0));
        // 2021-06-02T01:15:09Z
        assert_eq!(m[0].time.micros, 1_622_596_509_000_000);
        assert_eq!((m[0].time.frac_digits, m[0].time.offset), (0, None));
        // 2021-03-04T09:12:44.512093Z
        assert_eq!(m[1].time.micros, 1_614_849_164_512_093);
        assert_eq!(m[1].time.frac_digits, 6);
        assert_eq!(m[2].time.micros % 1_000_000, 384_000);
        assert_eq!(m[2].time.frac_digits, 3);
        assert_eq!(m[7].time.micros % 1_000_000, 500_000);
        assert_eq!(m[7].time.frac_digits, 1);
        assert_eq!(m[4].loc.line, 6);
        assert_eq!(m[4].loc.offset, 1502);
    }

    #[test]
    fn jsonl_borrows_unescaped_strings_and_owns_escaped_ones() {
        let got = parse(&ChatsiftJsonl, JSONL);
        let m = &got.messages;
        assert!(borrowed(&m[0].sender));
        assert!(borrowed(&m[0].body));
        assert!(borrowed(m[0].recipient.as_ref().unwrap()));
        assert!(m[5].attachments.iter().all(borrowed));
        assert!(borrowed(&m[5].origin.as_ref().unwrap().source));
        assert!(!borrowed(&m[1].body));
        assert_eq!(
            m[1].body,
            "他说 \"明天\" 发，路径 C:\\tools\\pay.xlsx\n第二行\t完"
        );
        assert_eq!(m[7].body, "He said \"ok\", then left\u{7}");
    }

    #[test]
    fn csv_undoes_the_spreadsheet_guard_on_every_string_cell() {
        let got = parse(&ChatsiftCsv, CSV);
        assert!(got.problems.is_empty(), "{:?}", got.problems);
        let m = &got.messages[6];
        assert_eq!(m.sender, "@ops");
        assert_eq!(m.recipient.as_deref(), Some("'=x"));
        assert_eq!(m.channel.as_deref(), Some("-5"));
        assert_eq!(m.body, "=SUM(A1)");
        assert!(borrowed(&m.sender) && borrowed(&m.body));
        let pgp = &got.messages[4];
        assert!(pgp.body.starts_with("-----BEGIN PGP MESSAGE-----\nhQEMA"));
        assert!(borrowed(&pgp.body), "quoted cell without \"\" is borrowed");
        assert_eq!(pgp.kind, Kind::Encrypted);
    }

    #[test]
    fn csv_keeps_origin_from_its_columns() {
        let got = parse(&ChatsiftCsv, CSV);
        let m = &got.messages;
        assert_eq!(origin(&m[0]), ("isoon", "chats/1.md", 3, 112));
        assert_eq!(
            origin(&m[3]),
            ("rocketchat", "rc/general,2020.json", 9, 300)
        );
        assert_eq!(
            origin(&m[4]),
            ("conti-jabber", "jabber/2020-07-01.json", 120, 40960)
        );
        assert_eq!(m[5].attachments, ["a.png", "b b.md"]);
        assert_eq!(
            m[1].body,
            "他说 \"明天\" 发，路径 C:\\tools\\pay.xlsx\n第二行\t完"
        );
        assert_eq!(
            m[2].body,
            "Привет, зарплата будет в пятницу.\r\nНе забудь отчёт."
        );
    }

    #[test]
    fn csv_and_jsonl_of_the_same_records_read_to_the_same_messages() {
        let j = parse(&ChatsiftJsonl, JSONL).messages;
        let c = parse(&ChatsiftCsv, CSV).messages;
        assert_eq!(j.len(), 8);
        assert_eq!(j.len(), c.len());
        for (a, b) in j.iter().zip(&c) {
            let mut b = b.clone();
            b.loc = a.loc;
            assert_eq!(a, &b);
        }
    }

    #[test]
    fn csv_columns_are_mapped_by_header_name_in_any_order() {
        let text = "body,extra,sender,time,kind,channel,attachments,source,format,offset,line\n\
                    '-1 day,zzz,'@bob,2021-01-02T03:04:05.25+08:00,call,,\"[\"\"v.ogg\"\"]\",s.md,isoon,7,2\n";
        let got = parse(&ChatsiftCsv, text);
        assert!(got.problems.is_empty(), "{:?}", got.problems);
        let m = &got.messages[0];
        assert_eq!((m.body.as_ref(), m.sender.as_ref()), ("-1 day", "@bob"));
        assert_eq!(m.kind, Kind::Call);
        assert_eq!(m.channel, None);
        assert_eq!(m.attachments, ["v.ogg"]);
        assert_eq!(origin(m), ("isoon", "s.md", 2, 7));
        // 2021-01-01T19:04:05.25Z
        assert_eq!(m.time.micros, 1_609_527_845_250_000);
        assert_eq!((m.time.offset, m.time.frac_digits), (None, 2));
        assert_eq!(
            (m.loc.line, m.loc.offset),
            (2, 74),
            "the header is 74 bytes"
        );
    }

    #[test]
    fn csv_header_without_time_sender_or_body_is_one_problem() {
        let got = parse(&ChatsiftCsv, "when,who,what\n2021-01-01T00:00:00Z,a,b\n");
        testkit::assert_only_problem(&got, 1, "no time, sender, body column");
    }

    #[test]
    fn csv_crlf_and_blank_lines_keep_record_lines_and_offsets() {
        let text = format!(
            "{CSV_HEADER}\r\n\r\n2021-01-01T00:00:00Z,,a,a,,,x,message,,,,,,,\r\n\r\n\r\n\
             2021-01-01T00:00:01Z,,b,b,,,\"two\r\nlines\",message,,,,,,,\r\n\
             2021-01-01T00:00:02Z,,c,c,,,y,message,,,,,,,\r\n"
        );
        let got = parse(&ChatsiftCsv, &text);
        assert!(got.problems.is_empty(), "{:?}", got.problems);
        let lines: Vec<u64> = got.messages.iter().map(|m| m.loc.line).collect();
        assert_eq!(lines, [3, 6, 8]);
        let first = text.find("2021").unwrap() as u64;
        assert_eq!(got.messages[0].loc.offset, first);
        assert_eq!(got.messages[1].body, "two\r\nlines");
        assert!(got.messages.iter().all(|m| m.origin.is_none()));
    }

    #[test]
    fn jsonl_missing_optional_keys_default_and_unknown_keys_are_ignored() {
        let text = "{\"time\":\"2021-01-01T00:00:00Z\",\"extra\":{\"x\":[1,null]},\"sender\":\"a\",\"body\":\"b\"}\n";
        let got = parse(&ChatsiftJsonl, text);
        assert!(got.problems.is_empty(), "{:?}", got.problems);
        let m = &got.messages[0];
        assert_eq!((m.kind, m.origin.is_none()), (Kind::Message, true));
        assert_eq!((m.recipient.clone(), m.id.clone()), (None, None));
        assert!(m.attachments.is_empty());
    }

    #[test]
    fn jsonl_array_line_is_not_a_record_even_if_serde_would_take_it() {
        let text = "[\"2021-01-01T00:00:00Z\",null,\"a\",null,null,null,\"b\",\"message\",[],null,[],\"x\",\"y\",1,0]\n";
        let got = parse(&ChatsiftJsonl, text);
        assert!(got.messages.is_empty());
        assert!(got.problems[0].what.starts_with("not a JSON object"));
    }

    #[test]
    fn jsonl_offsets_are_converted_to_utc_and_wrong_types_fail_the_line() {
        let text = "{\"time\":\"2021-01-01T08:00:00+08:00\",\"sender\":\"a\",\"body\":\"b\"}\r\n\
                    {\"time\":\"2021-01-01T08:00:00Z\",\"sender\":\"a\",\"body\":\"b\",\"line\":-1}\n\
                    {\"time\":\"2021-01-01T08:00:00Z\",\"sender\":\"a\",\"body\":\"b\",\"topics\":[1]}\n\
                    {\"time\":\"2021-01-01T08:00:00Z\",\"sender\":\"a\",\"sender\":\"b\",\"body\":\"b\"}\n";
        let got = parse(&ChatsiftJsonl, text);
        assert_eq!(got.messages.len(), 1);
        assert_eq!(got.messages[0].time.micros, 1_609_459_200_000_000);
        let lines: Vec<u64> = got.problems.iter().map(|p| p.loc.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert!(got.problems[2].what.contains("duplicate field"));
    }

    #[test]
    fn bad_records_say_what_is_wrong() {
        let got = parse(&ChatsiftJsonl, BAD_JSONL);
        let what: Vec<&str> = got.problems.iter().map(|p| p.what.as_str()).collect();
        assert!(what[0].starts_with("not a JSON object: this is not json"));
        assert!(what[1].starts_with("missing time"));
        assert!(what[2].starts_with("unknown kind \"sticker\""));
        assert!(what[3].starts_with("bad time \"2021-02-30T10:00:00Z\""));
        assert!(what[5].starts_with("bad time \"2021-07-01 10:00:00\""));
        assert!(what[6].starts_with("local_time \"2021-07-01T16:05:00+09:00\" is not"));
        assert!(what[7].starts_with("missing sender"));
        assert!(what[8].starts_with("bad JSON record (EOF"));
        let got = parse(&ChatsiftCsv, BAD_CSV);
        let what: Vec<&str> = got.problems.iter().map(|p| p.what.as_str()).collect();
        assert!(what[0].starts_with("row has 7 fields, the header has 15"));
        assert!(what[2].starts_with("bad line \"x\""));
        assert!(what[4].starts_with("attachments is not a JSON array"));
        assert!(what[6].starts_with("row has 7 fields"));
    }

    #[test]
    fn chunk_locations_are_file_relative() {
        let line = "{\"time\":\"2021-01-01T00:00:00Z\",\"sender\":\"a\",\"body\":\"b\"}\n";
        let chunk = Chunk {
            text: line,
            offset: 1000,
            line: 40,
            first: false,
            last: true,
        };
        let mut sink = Collect::default();
        ChatsiftJsonl.parse(&chunk, &ctx(), &mut sink);
        assert_eq!(sink.messages[0].loc.line, 40);
        assert_eq!(sink.messages[0].loc.offset, 1000);
    }

    #[test]
    fn jsonl_sniff_needs_the_writer_key_order_not_the_extension() {
        let f = ChatsiftJsonl;
        assert_eq!(f.sniff("out/messages.jsonl", JSONL), 95);
        assert_eq!(f.sniff("a.zip!/x.NDJSON", JSONL), 95);
        assert_eq!(f.sniff("messages", &format!("\n  \n{JSONL}")), 95);
        assert_eq!(f.sniff("messages.txt", JSONL), 90);
        assert_eq!(f.sniff("x.json", "{\"messages\":[{\"time\":1}]}"), 0);
        assert_eq!(
            f.sniff("x.jsonl", "{\"time\":\"2021\",\"text\":\"hi\"}\n"),
            0
        );
        assert_eq!(f.sniff("x.jsonl", ""), 0);
        assert_eq!(ChatsiftCsv.sniff("x.jsonl", JSONL), 0);
        // A first record longer than the sniff window.
        let long = format!(
            "{{\"time\":\"2021-01-01T00:00:00Z\",\"local_time\":\"2021-01-01T00:00:00Z\",\"sender\":\"a\",\"body\":\"{}",
            "x".repeat(super::super::SNIFF_LEN)
        );
        assert_eq!(f.sniff("x.jsonl", super::super::sniff_head(&long)), 80);
    }

    #[test]
    fn csv_sniff_wants_the_exact_header() {
        let f = ChatsiftCsv;
        assert_eq!(f.sniff("x.csv", CSV), 95);
        assert_eq!(f.sniff("x", &format!("\u{feff}{CSV_HEADER}\r\nrow")), 95);
        assert_eq!(
            f.sniff("x.csv", &CSV.replacen("local_time", "localtime", 1)),
            0
        );
        assert_eq!(f.sniff("x.csv", "time,sender,body\n"), 0);
        assert_eq!(ChatsiftJsonl.sniff("x.csv", CSV), 0);
    }

    #[test]
    fn jsonl_splits_at_any_line_and_csv_never_splits() {
        assert_eq!(
            ChatsiftJsonl.next_record(JSONL, 5),
            JSONL.find('\n').map(|i| i + 1)
        );
        assert_eq!(ChatsiftCsv.next_record(CSV, 5), None);
        let whole = parse(&ChatsiftJsonl, JSONL);
        for target in [1, 7, 300, 900] {
            let split = parse_text(&ChatsiftJsonl, JSONL, &ctx(), target);
            assert_eq!(split.messages, whole.messages);
        }
    }

    /// Cuts, duplicates or swaps lines, or replaces a character; returns the text and the
    /// first byte that differs from the original.
    fn mutate(text: &str, op: u8, a: usize, b: usize, byte: u8) -> (String, usize) {
        let floor = |mut p: usize| {
            p = p.min(text.len());
            while !text.is_char_boundary(p) {
                p -= 1;
            }
            p
        };
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let start = |k: usize| lines[..k].iter().map(|l| l.len()).sum::<usize>();
        match op % 4 {
            0 => {
                let p = floor(a % (text.len() + 1));
                (text[..p].to_string(), p)
            }
            1 if !lines.is_empty() => {
                let k = a % lines.len();
                let mut out = lines.clone();
                out.insert(k + 1, lines[k]);
                let damage = if lines[k].ends_with('\n') {
                    start(k + 1)
                } else {
                    start(k)
                };
                (out.concat(), damage)
            }
            2 if lines.len() >= 2 => {
                let (i, j) = (a % lines.len(), b % lines.len());
                let (i, j) = (i.min(j), i.max(j));
                let mut out = lines.clone();
                out.swap(i, j);
                (out.concat(), start(i))
            }
            _ if !text.is_empty() => {
                let p = floor(a % text.len());
                let len = text[p..].chars().next().map_or(0, char::len_utf8);
                let mut s = text[..p].to_string();
                s.push(char::from(byte % 128));
                s.push_str(&text[p + len..]);
                (s, p)
            }
            _ => (text.to_string(), text.len()),
        }
    }

    fn check_mutation(
        f: &dyn Format,
        text: &str,
        op: u8,
        a: usize,
        b: usize,
        byte: u8,
        target: usize,
    ) {
        let orig = parse(f, text);
        let (mutated, damage) = mutate(text, op, a, b, byte);
        let got = parse_text(f, &mutated, &ctx(), target);
        assert!(got.problems.iter().all(|p| p.loc.line >= 1));
        let mut starts: Vec<u64> = orig
            .messages
            .iter()
            .map(|m| m.loc.offset)
            .chain(orig.problems.iter().map(|p| p.loc.offset))
            .collect();
        starts.sort_unstable();
        let intact = orig
            .messages
            .iter()
            .take_while(|m| {
                let end = starts
                    .iter()
                    .copied()
                    .find(|&s| s > m.loc.offset)
                    .unwrap_or(text.len() as u64);
                end <= damage as u64
            })
            .count();
        assert!(
            got.messages.len() >= intact,
            "lost records before the damage"
        );
        assert_eq!(got.messages[..intact], orig.messages[..intact]);
        if f.name() == "chatsift-jsonl" {
            let whole = parse(f, &mutated);
            assert_eq!(whole.messages, got.messages);
            assert_eq!(whole.problems, got.problems);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_bytes_never_panic(
            prefix in 0usize..3,
            bytes in proptest::collection::vec(any::<u8>(), 0..600),
            target in 1usize..400,
        ) {
            let head = ["", "{\"time\":\"2021-01-01T00:00:00Z\",\"sender\":\"", CSV_HEADER][prefix];
            let text = format!("{head}{}", String::from_utf8_lossy(&bytes));
            for f in [&ChatsiftJsonl as &dyn Format, &ChatsiftCsv] {
                let got = parse_text(f, &text, &ctx(), target);
                prop_assert!(got.problems.iter().all(|p| p.loc.line >= 1));
                let _ = f.sniff("x", &text);
            }
        }

        #[test]
        fn mutated_fixtures_keep_the_records_before_the_damage(
            which in 0usize..4,
            op in any::<u8>(),
            a in any::<usize>(),
            b in any::<usize>(),
            byte in any::<u8>(),
            target in 1usize..2000,
        ) {
            let (f, text): (&dyn Format, &str) = match which {
                0 => (&ChatsiftJsonl, JSONL),
                1 => (&ChatsiftCsv, CSV),
                2 => (&ChatsiftJsonl, BAD_JSONL),
                _ => (&ChatsiftCsv, BAD_CSV),
            };
            check_mutation(f, text, op, a, b, byte, target);
        }
    }
}
