//! `chatsift-parquet`: chatsift's own `messages --to parquet` output, one file or a
//! Hive-partitioned dataset (`DIR/format=isoon/month=2021-06/part-00000.parquet`), read back
//! like `chatsift-jsonl`, so the charts, tables and report work on a dataset.
//!
//! # The schema (a contract: its fields only grow, new ones at the end)
//!
//! | column | type | |
//! |---|---|---|
//! | `time` | timestamp(µs, UTC) | the instant |
//! | `local_time` | string | RFC 3339 in the output zone, with its offset |
//! | `sender` | string | the raw id or name the source writes |
//! | `person` | string | who the sender is (alias file, display name, id) |
//! | `recipient` | string, null | the direct recipient |
//! | `channel` | string, null | the room, group or conversation |
//! | `body` | string | the text |
//! | `kind` | string | `message`, `attachment`, `system`, … |
//! | `attachments` | list<string> | file names or URLs |
//! | `id` | string, null | the source's own message id |
//! | `topics` | list<string> | topic ids of the lexicon in the metadata |
//! | `format` | string | the source format; **only in single files**: a dataset holds it in its `format=` folder, since Spark refuses a column that is also a partition |
//! | `source` | string | the source file |
//! | `line`, `offset` | int64 | where the record starts in it |
//! | `recipient_person` | string, null | who the recipient is after the alias file (the graph's edge target) |
//! | `conversation` | int64 | [`conversation_key`]: FNV-1a 64 of the conversation, as signed |
//! | `seq` | int64 | 0-based position in input order among the messages the filter kept (before `--dedup`), which reply times follow |
//! | `time_digits` | int8 | how many fraction digits the source wrote (0–6), so a re-read time is written as the source wrote it |
//!
//! Strings are dictionary-encoded where they repeat (Parquet's writer falls back to plain
//! pages where a dictionary would not pay). The file's key-value metadata holds
//! `chatsift.version`, `chatsift.zone` (the output zone of `local_time`),
//! `chatsift.source_tz`, `chatsift.lexicon` and, in a dataset, `chatsift.partitions`.
//!
//! # Reading back
//!
//! A file is recognised by its `PAR1` magic whatever its name, before any text decoding. The
//! reader needs `time`, `sender` and `body`; every other column is optional, so a file
//! written by another engine with these names reads too (`time` may be any timestamp unit,
//! strings `string`, `large_string` or `string_view`, integers any width). `format`,
//! `source`, `line` and `offset` become the message's original provenance (the `format=`
//! folder where the column is absent); `local_time`, `topics`, `recipient_person`,
//! `conversation` and `seq` are recomputed. A `person` other than `sender` comes back as the
//! display name, as in `chatsift-jsonl`. `time_digits` gives the time's fraction digits; a file
//! without it (another engine's) shows the fewest of 0, 3 or 6 digits that hold the instant. A row with a
//! null `time`, `sender` or `body`, or a kind chatsift does not know, is a problem (file,
//! row) and is skipped. Row groups are decoded in parallel; a message borrows its strings
//! from the decoded columns.

use super::{About, Chunk, Format, ParseCtx, Sink};
use crate::model::{Kind, Loc, MESSAGE_FIELDS, Message, Origin, Problem, Timestamp};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, GenericListArray, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use bytes::Bytes;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use std::borrow::Cow;
use std::sync::Arc;

/// Reads chatsift's own Parquet output back (the pipeline reads it by its magic bytes).
#[derive(Debug, Clone, Copy)]
pub struct ChatsiftParquet;

impl Format for ChatsiftParquet {
    about! { "chatsift-parquet", ["messages.parquet"], "chatsift's own `messages --to parquet` output (a file or a Hive-partitioned dataset), read back with its original provenance" }

    fn sniff(&self, _path: &str, _head: &str) -> u8 {
        // Parquet is binary: the pipeline recognises it by its magic before decoding text.
        0
    }

    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        // Only reached when `--format chatsift-parquet` is forced on a file that is not one.
        if chunk.first {
            sink.problem(Problem::new(
                ctx.loc(chunk, 0, chunk.line),
                "not a Parquet file (no PAR1 magic bytes)",
            ));
        }
    }
}

/// The magic bytes a Parquet file starts (and ends) with.
pub const MAGIC: &[u8; 4] = b"PAR1";

/// The columns in order; `format` is left out of dataset files.
pub const COLUMNS: [&str; MESSAGE_FIELDS.len() + 4] = {
    // The message fields of the JSONL contract, then what an engine needs beside them.
    let more = ["recipient_person", "conversation", "seq", "time_digits"];
    let mut c = [""; MESSAGE_FIELDS.len() + 4];
    let mut i = 0;
    while i < c.len() {
        c[i] = if i < MESSAGE_FIELDS.len() {
            MESSAGE_FIELDS[i]
        } else {
            more[i - MESSAGE_FIELDS.len()]
        };
        i += 1;
    }
    c
};

/// Columns of [`COLUMNS`] the reader does not decode, since they are recomputed (columns of
/// other names are never decoded).
const RECOMPUTED: [&str; 5] = [
    "local_time",
    "topics",
    "recipient_person",
    "conversation",
    "seq",
];

/// The Arrow schema of chatsift's Parquet output; `with_format` false for dataset files.
pub fn schema(with_format: bool) -> SchemaRef {
    let s = || Field::new("x", DataType::Utf8, false);
    let list = DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)));
    let mut fields = Vec::with_capacity(COLUMNS.len());
    for name in COLUMNS {
        let f = match name {
            "time" => Field::new(
                name,
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                false,
            ),
            "recipient" | "channel" | "id" | "recipient_person" => {
                s().with_name(name).with_nullable(true)
            }
            "attachments" | "topics" => Field::new(name, list.clone(), false),
            "line" | "offset" | "conversation" | "seq" => Field::new(name, DataType::Int64, false),
            "time_digits" => Field::new(name, DataType::Int8, false),
            "format" if !with_format => continue,
            _ => s().with_name(name),
        };
        fields.push(f);
    }
    Arc::new(Schema::new(fields))
}

/// The documented conversation key: FNV-1a 64 (offset basis 0xcbf29ce484222325, prime
/// 0x100000001b3) over the UTF-8 bytes of `a`, one 0x1F byte, then `b`, read as a signed
/// 64-bit integer. `(a, b)` is the message's conversation: (channel, "") for a channel
/// message, else the two of sender and recipient in byte order, else (sender, "").
pub fn conversation_key(a: &str, b: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &x in bytes {
            h ^= u64::from(x);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(a.as_bytes());
    eat(&[0x1F]);
    eat(b.as_bytes());
    h as i64
}

/// Where a Parquet input's bytes are: a file, read with positioned reads (no shared cursor,
/// so row groups decode in parallel, and nothing of the file stays mapped), or memory.
#[derive(Clone, Debug)]
pub enum ParquetBytes {
    /// A file on disk and its length.
    File(Arc<std::fs::File>, u64),
    /// Bytes in memory (stdin, zip entries).
    Memory(Bytes),
}

impl ParquetBytes {
    fn read_at(&self, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
        match self {
            ParquetBytes::File(f, _) => {
                #[cfg(unix)]
                {
                    std::os::unix::fs::FileExt::read_at(f.as_ref(), buf, at)
                }
                #[cfg(windows)]
                {
                    std::os::windows::fs::FileExt::seek_read(f.as_ref(), buf, at)
                }
            }
            ParquetBytes::Memory(b) => {
                let start = usize::try_from(at).unwrap_or(usize::MAX).min(b.len());
                let n = buf.len().min(b.len() - start);
                buf[..n].copy_from_slice(&b[start..start + n]);
                Ok(n)
            }
        }
    }
}

impl parquet::file::reader::Length for ParquetBytes {
    fn len(&self) -> u64 {
        match self {
            ParquetBytes::File(_, n) => *n,
            ParquetBytes::Memory(b) => b.len() as u64,
        }
    }
}

/// A reader of a [`ParquetBytes`] from an offset.
pub struct ParquetRead {
    src: ParquetBytes,
    pos: u64,
}

impl std::io::Read for ParquetRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.src.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl parquet::file::reader::ChunkReader for ParquetBytes {
    type T = ParquetRead;

    fn get_read(&self, start: u64) -> parquet::errors::Result<ParquetRead> {
        Ok(ParquetRead {
            src: self.clone(),
            pos: start,
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        if let ParquetBytes::Memory(b) = self {
            let s = usize::try_from(start).unwrap_or(usize::MAX);
            return match s.checked_add(length) {
                Some(e) if e <= b.len() => Ok(b.slice(s..e)),
                _ => Err(parquet::errors::ParquetError::EOF(format!(
                    "{length} bytes at {start} past the end ({})",
                    b.len()
                ))),
            };
        }
        let mut v = vec![0u8; length];
        let mut done = 0;
        while done < length {
            let n = self.read_at(&mut v[done..], start + done as u64)?;
            if n == 0 {
                return Err(parquet::errors::ParquetError::EOF(format!(
                    "{length} bytes at {start} past the end of the file"
                )));
            }
            done += n;
        }
        Ok(Bytes::from(v))
    }
}

/// A Parquet input opened for reading: its bytes and its footer, read once and shared by
/// the row-group decoders.
#[derive(Clone)]
pub struct ParquetInput {
    bytes: ParquetBytes,
    meta: ArrowReaderMetadata,
    /// The `format=` folder of a dataset file, when the file has no `format` column.
    pub partition_format: Option<Arc<str>>,
}

impl std::fmt::Debug for ParquetInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetInput")
            .field("bytes", &parquet::file::reader::Length::len(&self.bytes))
            .field("row_groups", &self.row_groups())
            .finish()
    }
}

/// Why a Parquet input cannot be read at all (the file is skipped with this reason).
pub type OpenError = String;

impl ParquetInput {
    /// Reads the footer of `bytes` (a whole Parquet file) found at display path `path`, and
    /// checks it has chatsift's required columns.
    pub fn open(bytes: ParquetBytes, path: &str) -> Result<ParquetInput, OpenError> {
        let meta = ArrowReaderMetadata::load(&bytes, Default::default())
            .map_err(|e| format!("unreadable Parquet footer: {e}"))?;
        let meta = view_strings(meta);
        let schema = meta.schema();
        for (name, ok) in [
            ("time", is_time as fn(&DataType) -> bool),
            ("sender", is_string),
            ("body", is_string),
        ] {
            match schema.field_with_name(name) {
                Ok(f) if ok(f.data_type()) => {}
                Ok(f) => {
                    return Err(format!(
                        "Parquet column {name} has type {}, not what chatsift reads",
                        f.data_type()
                    ));
                }
                Err(_) => {
                    return Err(format!(
                        "Parquet file without chatsift's {name} column (time, sender and body are required)"
                    ));
                }
            }
        }
        let schema = meta.schema();
        let partition_format = if schema.field_with_name("format").is_ok() {
            None
        } else {
            partition_value(path, "format").map(Arc::from)
        };
        Ok(ParquetInput {
            bytes,
            meta,
            partition_format,
        })
    }

    /// How many row groups the file has.
    pub fn row_groups(&self) -> usize {
        self.meta.metadata().num_row_groups()
    }

    /// Rows in row group `i`, and its uncompressed size in bytes.
    pub fn group_size(&self, i: usize) -> (u64, u64) {
        let g = self.meta.metadata().row_group(i);
        (
            g.num_rows().max(0) as u64,
            g.total_byte_size().max(0) as u64,
        )
    }

    /// Decodes row groups `groups` into record batches.
    pub fn read(&self, groups: std::ops::Range<usize>) -> Result<Vec<RecordBatch>, String> {
        let rows: u64 = groups.clone().map(|g| self.group_size(g).0).sum();
        // Only the columns a message is built from: `local_time`, `topics` and the derived
        // columns are recomputed, so they are never decoded.
        let schema = self.meta.metadata().file_metadata().schema_descr();
        let roots: Vec<usize> = self
            .meta
            .schema()
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                let name = f.name().as_str();
                COLUMNS.contains(&name) && !RECOMPUTED.contains(&name)
            })
            .map(|(i, _)| i)
            .collect();
        let mask = parquet::arrow::ProjectionMask::roots(schema, roots);
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
            self.bytes.clone(),
            self.meta.clone(),
        )
        .with_projection(mask)
        .with_row_groups(groups.collect())
        .with_batch_size(
            usize::try_from(rows)
                .unwrap_or(usize::MAX)
                .clamp(1, 1 << 20),
        )
        .build()
        .map_err(|e| format!("unreadable Parquet row group: {e}"))?;
        reader
            .map(|b| b.map_err(|e| format!("unreadable Parquet row group: {e}")))
            .collect()
    }
}

/// The same footer, with string columns read as string views: a view points into the
/// decoded page or dictionary instead of copying each value, so repeated senders and
/// sources cost nothing per row. Left as it was when the hint does not apply.
fn view_strings(meta: ArrowReaderMetadata) -> ArrowReaderMetadata {
    let fields: Vec<Field> = meta
        .schema()
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 => {
                f.as_ref().clone().with_data_type(DataType::Utf8View)
            }
            _ => f.as_ref().clone(),
        })
        .collect();
    let hint = Arc::new(Schema::new_with_metadata(
        fields,
        meta.schema().metadata().clone(),
    ));
    let opts = parquet::arrow::arrow_reader::ArrowReaderOptions::new().with_schema(hint);
    ArrowReaderMetadata::try_new(meta.metadata().clone(), opts).unwrap_or(meta)
}

/// The value of a Hive partition folder `key=value` in `path`, if there is one.
pub fn partition_value<'p>(path: &'p str, key: &str) -> Option<&'p str> {
    path.split(['/', '\\'])
        .rev()
        .skip(1)
        .find_map(|seg| seg.strip_prefix(key)?.strip_prefix('='))
        .filter(|v| !v.is_empty())
}

fn is_time(t: &DataType) -> bool {
    matches!(t, DataType::Timestamp(_, _))
}

fn is_string(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Binary
            | DataType::LargeBinary
    )
}

/// A string column of any of Arrow's three string layouts.
#[derive(Clone, Copy)]
enum Strs<'a> {
    Small(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    /// Bytes read for a string column, checked as UTF-8 value by value.
    Bytes(&'a arrow_array::BinaryArray),
    LargeBytes(&'a arrow_array::LargeBinaryArray),
}

impl<'a> Strs<'a> {
    fn of(a: &'a ArrayRef) -> Option<Strs<'a>> {
        match a.data_type() {
            DataType::Utf8 => Some(Strs::Small(a.as_string::<i32>())),
            DataType::LargeUtf8 => Some(Strs::Large(a.as_string::<i64>())),
            DataType::Utf8View => Some(Strs::View(a.as_string_view())),
            DataType::Binary => Some(Strs::Bytes(a.as_binary::<i32>())),
            DataType::LargeBinary => Some(Strs::LargeBytes(a.as_binary::<i64>())),
            _ => None,
        }
    }
    /// The string at `i`: None when null (or, for a byte column, not UTF-8).
    #[inline]
    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strs::Small(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::View(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::Bytes(a) => a
                .is_valid(i)
                .then(|| simdutf8::basic::from_utf8(a.value(i)).ok())
                .flatten(),
            Strs::LargeBytes(a) => a
                .is_valid(i)
                .then(|| simdutf8::basic::from_utf8(a.value(i)).ok())
                .flatten(),
        }
    }
}

/// A list-of-strings column (`List` or `LargeList`).
#[derive(Clone, Copy)]
enum StrLists<'a> {
    Small(&'a GenericListArray<i32>, Strs<'a>),
    Large(&'a GenericListArray<i64>, Strs<'a>),
}

impl<'a> StrLists<'a> {
    fn of(a: &'a ArrayRef) -> Option<StrLists<'a>> {
        match a.data_type() {
            DataType::List(_) => {
                let l = a.as_list::<i32>();
                Some(StrLists::Small(l, Strs::of(l.values())?))
            }
            DataType::LargeList(_) => {
                let l = a.as_list::<i64>();
                Some(StrLists::Large(l, Strs::of(l.values())?))
            }
            _ => None,
        }
    }
    fn push(&self, i: usize, out: &mut Vec<Cow<'a, str>>) {
        let (range, values) = match self {
            StrLists::Small(l, v) if l.is_valid(i) => {
                let o = l.value_offsets();
                (o[i] as usize..o[i + 1] as usize, v)
            }
            StrLists::Large(l, v) if l.is_valid(i) => {
                let o = l.value_offsets();
                (o[i] as usize..o[i + 1] as usize, v)
            }
            _ => return,
        };
        out.extend(range.filter_map(|j| values.get(j)).map(Cow::Borrowed));
    }
}

/// An integer column of any width, read as u64 (negative values as 0).
fn ints(a: &ArrayRef) -> Option<Box<dyn Fn(usize) -> Option<u64> + '_>> {
    macro_rules! prim {
        ($t:ty) => {{
            let p = a.as_primitive::<$t>();
            Some(Box::new(move |i| {
                p.is_valid(i)
                    .then(|| u64::try_from(p.value(i)).unwrap_or(0))
            }))
        }};
    }
    match a.data_type() {
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        _ => None,
    }
}

/// A timestamp column of any unit, read as microseconds.
fn micros(a: &ArrayRef) -> Option<Box<dyn Fn(usize) -> Option<i64> + '_>> {
    macro_rules! ts {
        ($t:ty, $f:expr) => {{
            let p = a.as_primitive::<$t>();
            let f: fn(i64) -> Option<i64> = $f;
            Some(Box::new(
                move |i| {
                    if p.is_valid(i) { f(p.value(i)) } else { None }
                },
            ))
        }};
    }
    match a.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            ts!(TimestampSecondType, |v| v.checked_mul(1_000_000))
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            ts!(TimestampMillisecondType, |v| v.checked_mul(1_000))
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => ts!(TimestampMicrosecondType, Some),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            ts!(TimestampNanosecondType, |v| Some(v.div_euclid(1_000)))
        }
        _ => None,
    }
}

/// The fewest fraction digits (0, 3 or 6) that write `micros` exactly.
fn frac_digits(micros: i64) -> u8 {
    let sub = micros.rem_euclid(1_000_000);
    if sub == 0 {
        0
    } else if sub % 1_000 == 0 {
        3
    } else {
        6
    }
}

/// Hands the messages of rows `rows` of `batch` to `sink`; row `r` of the batch is row
/// `first_row + r` of the file (its `loc`: line `first_row + r + 1`, offset the row
/// number). `partition_format` is the `format=` folder for files without the column.
pub fn parse_rows<'t>(
    batch: &'t RecordBatch,
    rows: std::ops::Range<usize>,
    first_row: u64,
    ctx: &ParseCtx<'t>,
    partition_format: Option<&'t str>,
    sink: &mut dyn Sink<'t>,
) {
    let col = |name: &str| batch.column_by_name(name);
    let strs = |name: &str| col(name).and_then(Strs::of);
    let (Some(time), Some(sender), Some(body)) =
        (col("time").and_then(micros), strs("sender"), strs("body"))
    else {
        return;
    };
    let person = strs("person");
    let recipient = strs("recipient");
    let channel = strs("channel");
    let kind = strs("kind");
    let id = strs("id");
    let format = strs("format");
    let source = strs("source");
    let attachments = col("attachments").and_then(StrLists::of);
    let digits = col("time_digits").and_then(ints);
    let line = col("line").and_then(ints);
    let offset = col("offset").and_then(ints);
    for r in rows {
        let row = first_row + r as u64;
        let loc = Loc {
            file: ctx.file,
            line: row + 1,
            offset: row,
        };
        let bad = |what: &str| Problem::new(loc, format!("row {}: {what}", row + 1));
        let (Some(t), Some(s), Some(b)) = (time(r), sender.get(r), body.get(r)) else {
            let missing = if time(r).is_none() {
                "time"
            } else if sender.get(r).is_none() {
                "sender"
            } else {
                "body"
            };
            sink.problem(bad(&format!(
                "no {missing} (null, or bytes that are not UTF-8)"
            )));
            continue;
        };
        let kind = match kind.and_then(|k| k.get(r)) {
            None => Kind::Message,
            Some(k) => match Kind::from_name(k) {
                Some(k) => k,
                None => {
                    sink.problem(bad(&format!("unknown kind {:?}", super::excerpt(k))));
                    continue;
                }
            },
        };
        let fmt = format.and_then(|f| f.get(r)).or(partition_format);
        let src = source.and_then(|f| f.get(r));
        let origin = (fmt.is_some() || src.is_some()).then(|| {
            Box::new(Origin {
                format: Cow::Borrowed(fmt.unwrap_or_default()),
                source: Cow::Borrowed(src.unwrap_or_default()),
                line: line.as_ref().and_then(|l| l(r)).unwrap_or(0),
                offset: offset.as_ref().and_then(|o| o(r)).unwrap_or(0),
            })
        });
        let mut atts = Vec::new();
        if let Some(a) = &attachments {
            a.push(r, &mut atts);
        }
        let name = person.and_then(|p| p.get(r)).filter(|p| *p != s);
        sink.message(Message {
            time: Timestamp {
                micros: t,
                offset: None,
                frac_digits: match digits.as_ref().and_then(|d| d(r)) {
                    Some(d @ 0..=6) => d as u8,
                    _ => frac_digits(t),
                },
            },
            sender: Cow::Borrowed(s),
            name: name.map(Cow::Borrowed),
            recipient: recipient.and_then(|x| x.get(r)).map(Cow::Borrowed),
            channel: channel.and_then(|x| x.get(r)).map(Cow::Borrowed),
            body: Cow::Borrowed(b),
            kind,
            attachments: atts,
            id: id.and_then(|x| x.get(r)).map(Cow::Borrowed),
            loc,
            origin,
        });
    }
}

/// Reads a whole Parquet file (`bytes`, shown as `path`) into owned messages and problems,
/// row group by row group, as the pipeline does; for tests and library users who want the
/// messages of one file without a run.
pub fn read_all(bytes: Bytes, path: &str) -> Result<super::Collect<'static>, String> {
    let input = ParquetInput::open(ParquetBytes::Memory(bytes), path)?;
    let ctx = ParseCtx::new(0, path, crate::time::Zone::Utc);
    let mut out = super::Collect::default();
    let mut first_row = 0u64;
    for g in 0..input.row_groups() {
        for batch in input.read(g..g + 1)? {
            let mut part = super::Collect::default();
            parse_rows(
                &batch,
                0..batch.num_rows(),
                first_row,
                &ctx,
                input.partition_format.as_deref(),
                &mut part,
            );
            first_row += batch.num_rows() as u64;
            out.messages
                .extend(part.messages.into_iter().map(Message::into_owned));
            out.problems.extend(part.problems);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_key_is_fnv1a_of_the_documented_bytes() {
        // FNV-1a 64 of the single byte 0x1F (two empty strings).
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        h ^= 0x1F;
        h = h.wrapping_mul(0x0100_0000_01b3);
        assert_eq!(conversation_key("", ""), h as i64);
        assert_ne!(conversation_key("ab", ""), conversation_key("a", "b"));
        // A published FNV-1a 64 test vector: "a" -> 0xaf63dc4c8601ec8c; with the separator
        // and an empty b the key differs, so check the prefix by hand.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        h ^= u64::from(b'a');
        h = h.wrapping_mul(0x0100_0000_01b3);
        assert_eq!(h, 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn partition_folders_give_their_value_and_files_do_not() {
        assert_eq!(
            partition_value("ds/format=isoon/month=2021-06/part-00000.parquet", "format"),
            Some("isoon")
        );
        assert_eq!(
            partition_value("ds/format=isoon/month=2021-06/part-00000.parquet", "month"),
            Some("2021-06")
        );
        assert_eq!(partition_value("format=isoon.parquet", "format"), None);
        assert_eq!(partition_value("ds/format=/x.parquet", "format"), None);
    }

    #[test]
    fn fraction_digits_are_the_fewest_that_hold_the_instant() {
        assert_eq!(frac_digits(1_600_000_000_000_000), 0);
        assert_eq!(frac_digits(1_600_000_000_120_000), 3);
        assert_eq!(frac_digits(1_600_000_000_000_001), 6);
        assert_eq!(frac_digits(-1_000), 3);
    }

    /// A file as another engine might write it: millisecond times, large strings, a binary
    /// body, only some of chatsift's columns, nulls and an unknown kind.
    fn foreign_file() -> Bytes {
        use arrow_array::{BinaryArray, LargeStringArray, StringArray, TimestampMillisecondArray};
        let schema = Arc::new(Schema::new(vec![
            Field::new(
                "time",
                DataType::Timestamp(TimeUnit::Millisecond, None),
                true,
            ),
            Field::new("sender", DataType::LargeUtf8, true),
            Field::new("body", DataType::Binary, true),
            Field::new("kind", DataType::Utf8, true),
            Field::new("extra", DataType::Utf8, true),
        ]));
        let cols: Vec<ArrayRef> = vec![
            Arc::new(TimestampMillisecondArray::from(vec![
                Some(1_622_596_509_250),
                None,
                Some(1_622_596_510_000),
                Some(1_622_596_511_000),
                Some(1_622_596_512_000),
            ])),
            Arc::new(LargeStringArray::from(vec![
                Some("darkfox"),
                Some("x"),
                Some("张伟"),
                Some("a"),
                None,
            ])),
            Arc::new(BinaryArray::from(vec![
                Some("工资发了吗".as_bytes()),
                Some(b"t".as_ref()),
                Some(b"\xff\xfe".as_ref()),
                Some(b"hi".as_ref()),
                Some(b"y".as_ref()),
            ])),
            Arc::new(StringArray::from(vec![
                None,
                None,
                Some("message"),
                Some("sticker"),
                Some("system"),
            ])),
            Arc::new(StringArray::from(vec![Some("e"); 5])),
        ];
        let batch = RecordBatch::try_new(schema.clone(), cols).unwrap();
        let mut out = Vec::new();
        let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, schema, None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        Bytes::from(out)
    }

    #[test]
    fn a_file_from_another_engine_reads_with_problems_for_bad_rows() {
        let got = read_all(foreign_file(), "in/format=whatsapp/x.parquet").unwrap();
        assert_eq!(got.messages.len(), 1, "{:?}", got.problems);
        let m = &got.messages[0];
        assert_eq!(
            (m.sender.as_ref(), m.body.as_ref()),
            ("darkfox", "工资发了吗")
        );
        assert_eq!(
            (m.time.micros, m.time.frac_digits),
            (1_622_596_509_250_000, 3)
        );
        assert_eq!(m.kind, Kind::Message);
        // No `format` or `source` column: the format folder is the origin's format.
        let o = m.origin.as_deref().unwrap();
        assert_eq!(
            (o.format.as_ref(), o.source.as_ref(), o.line),
            ("whatsapp", "", 0)
        );
        let what: Vec<(u64, &str)> = got
            .problems
            .iter()
            .map(|p| (p.loc.line, p.what.as_str()))
            .collect();
        assert_eq!(
            what,
            [
                (2, "row 2: no time (null, or bytes that are not UTF-8)"),
                (3, "row 3: no body (null, or bytes that are not UTF-8)"),
                (4, "row 4: unknown kind \"sticker\""),
                (5, "row 5: no sender (null, or bytes that are not UTF-8)"),
            ]
        );
    }

    #[test]
    fn files_without_the_required_columns_or_a_footer_are_refused_with_the_reason() {
        use arrow_array::StringArray;
        let schema = Arc::new(Schema::new(vec![Field::new("text", DataType::Utf8, true)]));
        let col: ArrayRef = Arc::new(StringArray::from(vec![Some("a")]));
        let batch = RecordBatch::try_new(schema.clone(), vec![col]).unwrap();
        let mut out = Vec::new();
        let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, schema, None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let mem = |b: &[u8]| ParquetBytes::Memory(Bytes::from(b.to_vec()));
        let e = ParquetInput::open(mem(&out), "t.parquet").unwrap_err();
        assert!(e.contains("without chatsift's time column"), "{e}");
        let e = ParquetInput::open(mem(&out[..out.len() - 9]), "t.parquet").unwrap_err();
        assert!(e.contains("footer"), "{e}");
        for n in 0..out.len().min(64) {
            let _ = ParquetInput::open(mem(&out[..n]), "t.parquet");
        }
    }

    #[test]
    fn the_dataset_schema_leaves_format_to_the_folder() {
        let single = schema(true);
        let dataset = schema(false);
        assert_eq!(single.fields().len(), COLUMNS.len());
        assert_eq!(dataset.fields().len(), COLUMNS.len() - 1);
        assert!(dataset.field_with_name("format").is_err());
        assert_eq!(
            single.field_with_name("time").unwrap().data_type(),
            &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        );
    }
}
