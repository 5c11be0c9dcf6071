//! Output: message rendering (JSONL, CSV, Timesketch CSV, plaso l2tcsv) and atomic files.
//!
//! Renderers write into caller-owned byte buffers so chunks can be rendered in parallel and
//! written in order. CSV cells are neutralized for spreadsheets unless `raw_csv` is set;
//! JSONL is always verbatim.

pub mod atomic;
pub mod chart;
mod compact;
pub mod gexf;
pub mod html;
pub mod inspect;
pub mod json;
pub mod parquet;
pub mod report;
pub mod sort;
pub mod stream;
pub mod summary;
pub mod table;

use crate::model::Message;
use crate::text::neutralize;
use crate::time::{OffsetCache, StampWriter, Zone, civil_from_micros};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// The inputs as charts and pages name them: sorted and without repeats, so the same inputs
/// in another order give the same bytes.
pub fn shown_inputs(paths: &[String]) -> Vec<String> {
    let mut v = paths.to_vec();
    v.sort();
    v.dedup();
    v
}

/// A message as one line of text for timeline tools: `sender -> recipient: body` (the channel
/// when there is no recipient; `sender: body` when neither).
fn one_line(m: &Message<'_>) -> String {
    let to = m
        .recipient
        .as_deref()
        .or(m.channel.as_deref())
        .unwrap_or("");
    if to.is_empty() {
        format!("{}: {}", m.sender, m.body)
    } else {
        format!("{} -> {}: {}", m.sender, to, m.body)
    }
}

/// The message output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageFormat {
    /// One JSON object per line.
    Jsonl,
    /// CSV with the JSONL fields as columns.
    Csv,
    /// CSV that imports into Timesketch as it is.
    Timesketch,
    /// plaso's 17-column l2tcsv.
    L2tcsv,
    /// Parquet: one file, or a Hive-partitioned dataset when `-o` is a folder.
    Parquet,
    /// Parquet, always a Hive-partitioned dataset folder.
    ParquetDataset,
}

impl MessageFormat {
    /// Every output format.
    pub const ALL: [MessageFormat; 6] = [
        MessageFormat::Jsonl,
        MessageFormat::Csv,
        MessageFormat::Timesketch,
        MessageFormat::L2tcsv,
        MessageFormat::Parquet,
        MessageFormat::ParquetDataset,
    ];

    /// The name used with `--to`.
    pub fn name(self) -> &'static str {
        match self {
            MessageFormat::Jsonl => "jsonl",
            MessageFormat::Csv => "csv",
            MessageFormat::Timesketch => "timesketch",
            MessageFormat::L2tcsv => "l2tcsv",
            MessageFormat::Parquet => "parquet",
            MessageFormat::ParquetDataset => "parquet-dataset",
        }
    }

    /// True for the Parquet outputs (binary records to [`parquet::ParquetOut`]).
    pub fn is_parquet(self) -> bool {
        matches!(self, MessageFormat::Parquet | MessageFormat::ParquetDataset)
    }
}

impl FromStr for MessageFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<MessageFormat, String> {
        MessageFormat::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!(
                    "unknown output format {s:?} (jsonl, csv, timesketch, l2tcsv, parquet, parquet-dataset)"
                )
            })
    }
}

impl fmt::Display for MessageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

pub use crate::model::MESSAGE_FIELDS;

/// One field of `messages` output, as `--fields` names it ([`MESSAGE_FIELDS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field(u8);

impl Field {
    /// The field's name (a JSONL key and a CSV column).
    pub fn name(self) -> &'static str {
        MESSAGE_FIELDS[self.0 as usize]
    }

    /// Parses a comma-separated list of field names (`time,sender,body`), in the order given;
    /// a name may not repeat.
    pub fn parse_list(list: &str) -> Result<Vec<Field>, String> {
        let mut out: Vec<Field> = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let i = MESSAGE_FIELDS
                .iter()
                .position(|f| f.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    format!(
                        "unknown field {name:?} (fields: {})",
                        MESSAGE_FIELDS.join(",")
                    )
                })?;
            let f = Field(i as u8);
            if out.contains(&f) {
                return Err(format!("field {name:?} is named twice"));
            }
            out.push(f);
        }
        if out.is_empty() {
            return Err("--fields needs at least one field".into());
        }
        Ok(out)
    }
}

/// The columns Timesketch needs, written before [`MESSAGE_FIELDS`].
pub const TIMESKETCH_FIELDS: [&str; 6] = [
    "message",
    "datetime",
    "timestamp",
    "timestamp_desc",
    "tag",
    "display_name",
];

/// plaso's l2tcsv columns.
pub const L2TCSV_FIELDS: [&str; 17] = [
    "date",
    "time",
    "timezone",
    "MACB",
    "source",
    "sourcetype",
    "type",
    "user",
    "host",
    "short",
    "desc",
    "version",
    "filename",
    "inode",
    "notes",
    "format",
    "extra",
];

/// What a renderer needs to know about the files messages came from.
#[derive(Clone, Debug, Default)]
pub struct FileTable {
    /// Display path per file id.
    pub paths: Vec<String>,
    /// Format name per file id.
    pub formats: Vec<&'static str>,
}

impl FileTable {
    /// The source path and format name a message reports (its origin when re-imported).
    pub fn provenance<'m>(&'m self, m: &'m Message<'_>) -> (&'m str, &'m str, u64, u64) {
        match &m.origin {
            Some(o) => (&o.source, &o.format, o.line, o.offset),
            None => {
                let i = m.loc.file as usize;
                (
                    self.paths.get(i).map_or("?", |s| s.as_str()),
                    self.formats.get(i).copied().unwrap_or("?"),
                    m.loc.line,
                    m.loc.offset,
                )
            }
        }
    }
}

/// Renders messages in one output format. Cheap to clone: one per parallel chunk.
#[derive(Clone, Debug)]
pub struct Renderer<'f> {
    format: MessageFormat,
    tz: OffsetCache,
    raw_csv: bool,
    files: &'f FileTable,
    utc: StampWriter,
    local: StampWriter,
    /// Who recipients are (Parquet's `recipient_person`).
    people: Option<crate::analysis::alias::Resolver<'f>>,
    /// With `--fields`: only these fields, in this order (JSONL and CSV).
    fields: Option<&'f [Field]>,
}

impl<'f> Renderer<'f> {
    /// A renderer writing `format`, with local times in `tz`.
    pub fn new(format: MessageFormat, tz: Zone, raw_csv: bool, files: &'f FileTable) -> Self {
        Renderer {
            format,
            tz: OffsetCache::new(tz),
            raw_csv,
            files,
            utc: StampWriter::default(),
            local: StampWriter::default(),
            people: None,
            fields: None,
        }
    }

    /// Writes only `fields`, in their order (JSONL and CSV; other formats ignore it).
    pub fn with_fields(mut self, fields: Option<&'f [Field]>) -> Self {
        self.fields = fields;
        self
    }

    /// Resolves recipients with `aliases` (for Parquet's `recipient_person`).
    pub fn with_people(mut self, aliases: &'f crate::analysis::alias::Aliases) -> Self {
        self.people = Some(aliases.resolver());
        self
    }

    /// The header line (empty for JSONL).
    pub fn header(&self) -> Vec<u8> {
        let cols: Vec<&str> = match self.format {
            MessageFormat::Jsonl | MessageFormat::Parquet | MessageFormat::ParquetDataset => {
                return Vec::new();
            }
            MessageFormat::Csv => match self.fields {
                Some(f) => f.iter().map(|f| f.name()).collect(),
                None => MESSAGE_FIELDS.to_vec(),
            },
            MessageFormat::Timesketch => TIMESKETCH_FIELDS
                .iter()
                .chain(MESSAGE_FIELDS.iter())
                .copied()
                .collect(),
            MessageFormat::L2tcsv => L2TCSV_FIELDS.to_vec(),
        };
        let mut out = Vec::new();
        write_csv_row(&mut out, cols.iter().map(|c| c.as_bytes()));
        out
    }

    /// Appends one message (one line, or one CSV record) to `out`.
    pub fn render(&mut self, m: &Message<'_>, person: &str, topics: &[&str], out: &mut Vec<u8>) {
        if let Some(fields) = self.fields
            && matches!(self.format, MessageFormat::Jsonl | MessageFormat::Csv)
        {
            return self.selected(m, person, topics, fields, out);
        }
        match self.format {
            MessageFormat::Jsonl => self.jsonl(m, person, topics, out),
            MessageFormat::Csv | MessageFormat::Timesketch => self.csv(m, person, topics, out),
            MessageFormat::L2tcsv => self.l2tcsv(m, person, out),
            MessageFormat::Parquet | MessageFormat::ParquetDataset => {
                self.record(m, person, topics, parquet::SEQ_UNSET, out)
            }
        }
    }

    /// Appends one Parquet record (see [`parquet`]) with input-order number `seq`.
    pub(crate) fn record(
        &mut self,
        m: &Message<'_>,
        person: &str,
        topics: &[&str],
        seq: u64,
        out: &mut Vec<u8>,
    ) {
        let (source, format, line, offset) = self.files.provenance(m);
        let local = self.local_offset(m.time.micros);
        let recipient = m.recipient.as_deref();
        let recipient_person = match (recipient, self.people.as_mut()) {
            (Some(r), Some(p)) => Some(p.person(r).unwrap_or(r)),
            (r, _) => r,
        };
        let mut w = parquet::RecordWriter::new(out, seq, m.time.micros);
        let loc = &mut self.local;
        w.str_with(|o| loc.write(o, m.time.micros, local, m.time.frac_digits, false));
        w.str(format);
        w.str(&m.sender);
        w.str(person);
        w.opt(recipient);
        w.opt(recipient_person);
        w.opt(m.channel.as_deref());
        w.str(&m.body);
        w.str(m.kind.as_str());
        w.list(m.attachments.iter().map(|a| a.as_ref()));
        w.opt(m.id.as_deref());
        w.list(topics.iter().copied());
        w.str(source);
        w.int(line);
        w.int(offset);
        w.int(u64::from(m.time.frac_digits));
        w.end();
    }

    /// One message with only `fields`, in their order: a JSONL object or a CSV record whose
    /// values are written exactly as in the full output.
    fn selected(
        &mut self,
        m: &Message<'_>,
        person: &str,
        topics: &[&str],
        fields: &[Field],
        out: &mut Vec<u8>,
    ) {
        let (source, format, line, offset) = self.files.provenance(m);
        let jsonl = self.format == MessageFormat::Jsonl;
        let mut row = CsvRow::new(out, self.raw_csv);
        for (i, f) in fields.iter().enumerate() {
            if jsonl {
                let o = &mut *row.out;
                o.extend_from_slice(if i == 0 { b"{\"" } else { b",\"" });
                o.extend_from_slice(f.name().as_bytes());
                o.extend_from_slice(b"\":");
            }
            let o = &mut *row.out;
            match (f.name(), jsonl) {
                ("time", j) => {
                    let utc = &mut self.utc;
                    row.made(j, |o| {
                        utc.write(o, m.time.micros, 0, m.time.frac_digits, true)
                    });
                }
                ("local_time", j) => {
                    let local = self.tz.offset(m.time.micros);
                    let loc = &mut self.local;
                    row.made(j, |o| {
                        loc.write(o, m.time.micros, local, m.time.frac_digits, false)
                    });
                }
                ("kind", j) => row.made(j, |o| o.extend_from_slice(m.kind.as_str().as_bytes())),
                ("line", true) => json::uint(o, line),
                ("offset", true) => json::uint(o, offset),
                ("line", false) => row.with(|o| json::uint(o, line)),
                ("offset", false) => row.with(|o| json::uint(o, offset)),
                ("attachments", true) => {
                    json::string_array(o, m.attachments.iter().map(|a| a.as_ref()))
                }
                ("attachments", false) => row.list(m.attachments.iter().map(|a| a.as_ref())),
                ("topics", true) => json::string_array(o, topics.iter().copied()),
                ("topics", false) => row.list(topics.iter().copied()),
                (name, j) => {
                    let v: Option<&str> = match name {
                        "sender" => Some(&m.sender),
                        "person" => Some(person),
                        "recipient" => m.recipient.as_deref(),
                        "channel" => m.channel.as_deref(),
                        "body" => Some(&m.body),
                        "id" => m.id.as_deref(),
                        "format" => Some(format),
                        _ => Some(source),
                    };
                    if j {
                        json::opt_string(o, v);
                    } else {
                        row.text(v.unwrap_or(""));
                    }
                }
            }
        }
        if jsonl {
            row.out.extend_from_slice(b"}\n");
        } else {
            row.end();
        }
    }

    fn local_offset(&mut self, micros: i64) -> i32 {
        self.tz.offset(micros)
    }

    fn jsonl(&mut self, m: &Message<'_>, person: &str, topics: &[&str], out: &mut Vec<u8>) {
        let (source, format, line, offset) = self.files.provenance(m);
        let local = self.local_offset(m.time.micros);
        out.extend_from_slice(b"{\"time\":\"");
        self.utc
            .write(out, m.time.micros, 0, m.time.frac_digits, true);
        out.extend_from_slice(b"\",\"local_time\":\"");
        self.local
            .write(out, m.time.micros, local, m.time.frac_digits, false);
        out.extend_from_slice(b"\",\"sender\":");
        json::string(out, &m.sender);
        out.extend_from_slice(b",\"person\":");
        json::string(out, person);
        out.extend_from_slice(b",\"recipient\":");
        json::opt_string(out, m.recipient.as_deref());
        out.extend_from_slice(b",\"channel\":");
        json::opt_string(out, m.channel.as_deref());
        out.extend_from_slice(b",\"body\":");
        json::string(out, &m.body);
        out.extend_from_slice(b",\"kind\":\"");
        out.extend_from_slice(m.kind.as_str().as_bytes());
        out.extend_from_slice(b"\",\"attachments\":");
        json::string_array(out, m.attachments.iter().map(|a| a.as_ref()));
        out.extend_from_slice(b",\"id\":");
        json::opt_string(out, m.id.as_deref());
        out.extend_from_slice(b",\"topics\":");
        json::string_array(out, topics.iter().copied());
        out.extend_from_slice(b",\"format\":");
        json::string(out, format);
        out.extend_from_slice(b",\"source\":");
        json::string(out, source);
        out.extend_from_slice(b",\"line\":");
        json::uint(out, line);
        out.extend_from_slice(b",\"offset\":");
        json::uint(out, offset);
        out.extend_from_slice(b"}\n");
    }

    fn csv(&mut self, m: &Message<'_>, person: &str, topics: &[&str], out: &mut Vec<u8>) {
        let files = self.files;
        let (source, format, line, offset) = files.provenance(m);
        let local = self.local_offset(m.time.micros);
        let mut row = CsvRow::new(out, self.raw_csv);
        if self.format == MessageFormat::Timesketch {
            row.text(&one_line(m));
            // Timesketch documents `datetime` as ISO 8601 with a numeric offset.
            let utc = &mut self.utc;
            row.with(|o| utc.write(o, m.time.micros, 0, m.time.frac_digits, false));
            row.with(|o| o.extend_from_slice(m.time.micros.to_string().as_bytes()));
            row.with(|o| o.extend_from_slice(b"Message Sent"));
            row.list(topics.iter().copied());
            row.text(source);
        }
        let (utc, loc) = (&mut self.utc, &mut self.local);
        row.with(|o| utc.write(o, m.time.micros, 0, m.time.frac_digits, true));
        row.with(|o| loc.write(o, m.time.micros, local, m.time.frac_digits, false));
        row.text(&m.sender);
        row.text(person);
        row.text(m.recipient.as_deref().unwrap_or(""));
        row.text(m.channel.as_deref().unwrap_or(""));
        row.text(&m.body);
        row.with(|o| o.extend_from_slice(m.kind.as_str().as_bytes()));
        row.list(m.attachments.iter().map(|a| a.as_ref()));
        row.text(m.id.as_deref().unwrap_or(""));
        row.list(topics.iter().copied());
        row.text(format);
        row.text(source);
        row.with(|o| json::uint(o, line));
        row.with(|o| json::uint(o, offset));
        row.end();
    }

    fn l2tcsv(&mut self, m: &Message<'_>, person: &str, out: &mut Vec<u8>) {
        let files = self.files;
        let (source, format, line, offset) = files.provenance(m);
        let local = self.local_offset(m.time.micros);
        let c = civil_from_micros(m.time.micros, local);
        let date = format!("{:02}/{:02}/{:04}", c.month, c.day, c.year);
        let time = format!("{:02}:{:02}:{:02}", c.hour, c.minute, c.second);
        let tz = self.tz.zone().to_string();
        let desc = one_line(m);
        let short: String = desc.chars().take(80).collect();
        let extra = format!(
            "kind: {}; person: {}; line: {}; offset: {}; id: {}; attachments: {}",
            m.kind,
            person,
            line,
            offset,
            m.id.as_deref().unwrap_or("-"),
            m.attachments.join(", ")
        );
        let sourcetype = format!("chatsift {format}");
        let fmt = format!("chatsift/{format}");
        let raw = self.raw_csv;
        let cells: [Cow<'_, str>; 17] = [
            date.into(),
            time.into(),
            tz.into(),
            "....".into(),
            "CHAT".into(),
            sourcetype.into(),
            "Message Sent".into(),
            m.sender.as_ref().into(),
            "-".into(),
            short.into(),
            desc.into(),
            "2".into(),
            source.into(),
            "-".into(),
            "-".into(),
            fmt.into(),
            extra.into(),
        ];
        let cells: Vec<Cow<'_, str>> = cells
            .into_iter()
            .map(|c| {
                if raw {
                    c
                } else {
                    Cow::Owned(neutralize(&c).into_owned())
                }
            })
            .collect();
        write_csv_row(out, cells.iter().map(|c| c.as_bytes()));
    }
}

/// Writes one RFC 4180 record (cells quoted where needed, `\n` ended), verbatim.
pub fn write_csv_row<'a>(out: &mut Vec<u8>, cells: impl Iterator<Item = &'a [u8]>) {
    let mut row = CsvRow::new(out, true);
    for c in cells {
        row.cell(c);
    }
    row.end();
}

/// Builds one CSV record directly in an output buffer.
struct CsvRow<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
    raw: bool,
}

impl<'o> CsvRow<'o> {
    fn new(out: &'o mut Vec<u8>, raw: bool) -> CsvRow<'o> {
        CsvRow {
            out,
            first: true,
            raw,
        }
    }

    fn sep(&mut self) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
    }

    /// A cell of our own making (times, numbers, kinds): never needs quoting or neutralizing.
    fn with(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        self.sep();
        f(self.out);
    }

    /// A value of our own making (a time, a kind): a JSON string in JSONL (it needs no
    /// escaping), else a CSV cell as [`CsvRow::with`].
    fn made(&mut self, jsonl: bool, f: impl FnOnce(&mut Vec<u8>)) {
        if jsonl {
            self.out.push(b'"');
            f(self.out);
            self.out.push(b'"');
        } else {
            self.with(f);
        }
    }

    /// A cell of content from the input: neutralized unless raw, quoted when needed.
    fn text(&mut self, s: &str) {
        if self.raw {
            self.cell(s.as_bytes());
        } else {
            self.cell(neutralize(s).as_bytes());
        }
    }

    /// A list as a JSON array text (empty cell for an empty list).
    fn list<'s>(&mut self, items: impl Iterator<Item = &'s str>) {
        let mut items = items.peekable();
        if items.peek().is_none() {
            self.sep();
            return;
        }
        let mut v = Vec::new();
        json::string_array(&mut v, items);
        // A JSON array starts with `[`: never a formula lead.
        self.cell(&v);
    }

    fn cell(&mut self, b: &[u8]) {
        self.sep();
        // Short cells (most: names, stamps, ids, kinds) are checked byte by byte, which is
        // cheaper than setting up two vector searches; long ones with memchr.
        let needs = if b.len() <= 32 {
            b.iter().any(|&c| matches!(c, b'"' | b',' | b'\n' | b'\r'))
        } else {
            memchr::memchr3(b'"', b',', b'\n', b).is_some() || memchr::memchr(b'\r', b).is_some()
        };
        if !needs {
            self.out.extend_from_slice(b);
            return;
        }
        self.out.push(b'"');
        let mut rest = b;
        while let Some(i) = memchr::memchr(b'"', rest) {
            self.out.extend_from_slice(&rest[..=i]);
            self.out.push(b'"');
            rest = &rest[i + 1..];
        }
        self.out.extend_from_slice(rest);
        self.out.push(b'"');
    }

    fn end(self) {
        self.out.push(b'\n');
    }
}
