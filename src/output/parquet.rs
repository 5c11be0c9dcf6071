//! `messages --to parquet`: the message stream as one Parquet file, or as a Hive-partitioned
//! dataset (`DIR/format=isoon/month=2021-06/part-00000.parquet`) that DuckDB, Spark and Trino
//! read and prune by format and UTC month. The schema is
//! [`crate::formats::parquet`]'s (a contract; its fields only grow).
//!
//! The stream reaches the writer as it reaches the text writers: each message rendered, in
//! output order, as one compact binary record ([`Renderer`](super::Renderer) with a Parquet
//! format), so sorting, `--dedup` and spilling are the same code as for JSONL. The writer
//! ([`ParquetOut`], a [`Write`]) routes each record to its file (the one file, or its
//! partition's), cuts a row group every [`GROUP_ROWS`] rows of a file, and encodes full row
//! groups on every core (each group's columns are built and compressed on a worker; groups
//! are appended to their files in order). Where row groups are cut depends only on the
//! records, so the files are the same bytes for any `--threads`. Memory is the records
//! waiting in unfinished row groups (bounded: past [`PENDING_BYTES`] the fullest file's
//! group is cut early) plus the groups being encoded.
//!
//! Files are written under temporary names and renamed when complete; a dataset written
//! with `--shard K/N` names its files `part-K-00000.parquet`, so shards writing into one
//! folder never collide and their union is the dataset.

use super::atomic::AtomicFile;
use crate::error::{Error, Result};
use crate::formats::parquet::{COLUMNS, conversation_key, schema};
use crate::time::civil_from_micros;
use arrow_array::builder::{Int64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowSchemaConverter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::basic::{Compression as Codec, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterPropertiesPtr};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

/// Rows per row group (the last group of a file may be smaller, and a group is cut early
/// when the records waiting for their groups pass [`PENDING_BYTES`]). Up to threads + 1
/// groups are in memory at once, each as records, columns and encoded pages: on 1 GiB of
/// isoon, 16,384 rows kept the `--unsorted` writer at about 200 MB peak where 32,768 took
/// 260 MB, for the same speed and a file 1% larger.
pub const GROUP_ROWS: usize = 1 << 14;

/// Bytes of records that may wait for their row groups across all open files.
pub const PENDING_BYTES: usize = 96 << 20;

/// Parquet page compression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Compression {
    /// Snappy (pure Rust; Spark's default).
    #[default]
    Snappy,
    /// Zstandard (level 3); needs the `zstd` cargo feature.
    Zstd,
    /// No compression.
    None,
}

impl FromStr for Compression {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Compression, String> {
        match s.to_ascii_lowercase().as_str() {
            "snappy" => Ok(Compression::Snappy),
            "zstd" => Ok(Compression::Zstd),
            "none" | "uncompressed" => Ok(Compression::None),
            _ => Err(format!("unknown compression {s:?} (snappy, zstd, none)")),
        }
    }
}

impl Compression {
    fn codec(self) -> Result<Codec> {
        match self {
            Compression::Snappy => Ok(Codec::SNAPPY),
            Compression::None => Ok(Codec::UNCOMPRESSED),
            Compression::Zstd if cfg!(feature = "zstd") => Ok(Codec::ZSTD(ZstdLevel::default())),
            Compression::Zstd => Err(Error::Invalid(
                "--compression zstd needs chatsift built with `--features zstd` (it compiles the zstd C library); snappy and none are always there".into(),
            )),
        }
    }
}

/// How the Parquet output is laid out and labelled.
#[derive(Clone, Debug, Default)]
pub struct ParquetOptions {
    /// Page compression.
    pub compression: Compression,
    /// With `--shard K/N`: K, which names the dataset's files `part-K-…`.
    pub shard: Option<u32>,
    /// Key-value metadata every file carries (version, zones, lexicon), in order.
    pub metadata: Vec<(String, String)>,
}

/// Where the Parquet output goes.
#[derive(Clone, Debug)]
pub enum Target {
    /// One file.
    File(PathBuf),
    /// A Hive-partitioned dataset folder.
    Dataset(PathBuf),
}

// ---------------------------------------------------------------------------------------
// The record: one message between the renderer and the writer
// ---------------------------------------------------------------------------------------

/// Marks an absent optional string in a record.
const NONE: u32 = u32::MAX;

/// Offset of the `seq` field in a record (after its length).
pub(crate) const SEQ_AT: usize = 4;

/// A `seq` not yet assigned (the unsorted stream numbers records as it writes them).
pub(crate) const SEQ_UNSET: u64 = u64::MAX;

/// Builds one record in `out`: the fields in the order [`Record::read`] reads them.
pub(crate) struct RecordWriter<'o> {
    out: &'o mut Vec<u8>,
    start: usize,
}

impl<'o> RecordWriter<'o> {
    /// Starts a record with its `seq` and time.
    pub(crate) fn new(out: &'o mut Vec<u8>, seq: u64, micros: i64) -> RecordWriter<'o> {
        let start = out.len();
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&seq.to_le_bytes());
        out.extend_from_slice(&micros.to_le_bytes());
        RecordWriter { out, start }
    }
    /// A string field.
    pub(crate) fn str(&mut self, s: &str) {
        self.out
            .extend_from_slice(&(s.len().min(NONE as usize - 1) as u32).to_le_bytes());
        self.out
            .extend_from_slice(&s.as_bytes()[..s.len().min(NONE as usize - 1)]);
    }
    /// A string field written by `f` (its length patched after).
    pub(crate) fn str_with(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        let at = self.out.len();
        self.out.extend_from_slice(&0u32.to_le_bytes());
        f(self.out);
        let n = (self.out.len() - at - 4) as u32;
        self.out[at..at + 4].copy_from_slice(&n.to_le_bytes());
    }
    /// An optional string field.
    pub(crate) fn opt(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.out.extend_from_slice(&NONE.to_le_bytes()),
        }
    }
    /// A list of strings.
    pub(crate) fn list<'s>(&mut self, items: impl ExactSizeIterator<Item = &'s str>) {
        self.out
            .extend_from_slice(&(items.len() as u32).to_le_bytes());
        for s in items {
            self.str(s);
        }
    }
    /// An integer field.
    pub(crate) fn int(&mut self, v: u64) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    /// Ends the record (writes its length).
    pub(crate) fn end(self) {
        let n = (self.out.len() - self.start - 4) as u32;
        self.out[self.start..self.start + 4].copy_from_slice(&n.to_le_bytes());
    }
}

/// One record read back, borrowing from the record bytes.
struct Record<'r> {
    micros: i64,
    seq: u64,
    local_time: &'r str,
    format: &'r str,
    sender: &'r str,
    person: &'r str,
    recipient: Option<&'r str>,
    recipient_person: Option<&'r str>,
    channel: Option<&'r str>,
    body: &'r str,
    kind: &'r str,
    attachments: StrList<'r>,
    id: Option<&'r str>,
    topics: StrList<'r>,
    source: &'r str,
    line: u64,
    offset: u64,
    /// Fraction digits the source wrote.
    digits: i8,
}

/// Reads fields of a record in order; a short or garbled record reads as empty fields
/// (records are made by this module, so this never happens, but nothing panics).
struct Cursor<'r> {
    b: &'r [u8],
    at: usize,
}

impl<'r> Cursor<'r> {
    fn u32(&mut self) -> u32 {
        let v = self
            .b
            .get(self.at..self.at + 4)
            .and_then(|s| s.try_into().ok())
            .map_or(0, u32::from_le_bytes);
        self.at += 4;
        v
    }
    fn u64(&mut self) -> u64 {
        let v = self
            .b
            .get(self.at..self.at + 8)
            .and_then(|s| s.try_into().ok())
            .map_or(0, u64::from_le_bytes);
        self.at += 8;
        v
    }
    fn opt(&mut self) -> Option<&'r str> {
        let n = self.u32();
        if n == NONE {
            return None;
        }
        let s = self.b.get(self.at..self.at + n as usize).unwrap_or(&[]);
        self.at += n as usize;
        // Records hold only what was a &str; checked anyway (a spilled run comes back from
        // disk), with the vectorised checker.
        Some(simdutf8::basic::from_utf8(s).unwrap_or(""))
    }
    fn str(&mut self) -> &'r str {
        self.opt().unwrap_or("")
    }
    fn list(&mut self) -> StrList<'r> {
        let n = self.u32();
        let start = self.at;
        for _ in 0..n.min(self.b.len() as u32) {
            self.str();
        }
        StrList {
            n,
            bytes: self.b.get(start..self.at.min(self.b.len())).unwrap_or(&[]),
        }
    }
}

/// A list of strings in a record, read as it is iterated (no allocation per record).
#[derive(Clone, Copy)]
struct StrList<'r> {
    n: u32,
    bytes: &'r [u8],
}

impl<'r> StrList<'r> {
    fn iter(self) -> impl Iterator<Item = &'r str> {
        let mut c = Cursor {
            b: self.bytes,
            at: 0,
        };
        (0..self.n.min(self.bytes.len() as u32)).map(move |_| c.str())
    }
}

impl<'r> Record<'r> {
    /// `rec` is one whole record, its length prefix included.
    fn read(rec: &'r [u8]) -> Record<'r> {
        let mut c = Cursor { b: rec, at: 4 };
        let seq = c.u64();
        let micros = c.u64() as i64;
        Record {
            micros,
            seq,
            local_time: c.str(),
            format: c.str(),
            sender: c.str(),
            person: c.str(),
            recipient: c.opt(),
            recipient_person: c.opt(),
            channel: c.opt(),
            body: c.str(),
            kind: c.str(),
            attachments: c.list(),
            id: c.opt(),
            topics: c.list(),
            source: c.str(),
            line: c.u64(),
            offset: c.u64(),
            digits: c.u64() as i8,
        }
    }

    /// The format and UTC month (`2021-06`) a record belongs to, read without the rest.
    fn partition(rec: &[u8]) -> (&str, (i32, u32)) {
        let mut c = Cursor { b: rec, at: 4 + 8 };
        let micros = c.u64() as i64;
        let _local = c.str();
        let format = c.str();
        let civil = civil_from_micros(micros, 0);
        (format, (civil.year, civil.month))
    }

    /// The whole length of the record at the start of `b`, if `b` holds it all.
    fn len_at(b: &[u8]) -> Option<usize> {
        let n = u32::from_le_bytes(b.get(..4)?.try_into().ok()?) as usize;
        (b.len() >= 4 + n).then_some(4 + n)
    }
}

/// Sets the `seq` of the record at `rec[0..]`.
pub(crate) fn set_seq(rec: &mut [u8], seq: u64) {
    if let Some(s) = rec.get_mut(SEQ_AT..SEQ_AT + 8) {
        s.copy_from_slice(&seq.to_le_bytes());
    }
}

/// The records in `buf`, as (start, end) pairs.
pub(crate) fn record_spans(buf: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let n = Record::len_at(buf.get(at..)?)?;
        let span = (at, at + n);
        at += n;
        Some(span)
    })
}

// ---------------------------------------------------------------------------------------
// Row groups
// ---------------------------------------------------------------------------------------

/// Builds the columns of one row group from its records.
fn columns(records: &[u8], rows: usize, schema: &SchemaRef) -> Result<RecordBatch> {
    let with_format = schema.field_with_name("format").is_ok();
    let bytes = records.len();
    let mut time = TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC");
    let strings = |per: usize| StringBuilder::with_capacity(rows, rows * per);
    let mut local_time = strings(25);
    let mut sender = strings(12);
    let mut person = strings(12);
    let mut recipient = strings(8);
    let mut channel = strings(12);
    let mut body = StringBuilder::with_capacity(rows, bytes / 2);
    let mut kind = strings(7);
    let mut attachments = ListBuilder::new(StringBuilder::new());
    let mut id = strings(8);
    let mut topics = ListBuilder::new(StringBuilder::new());
    let mut format = strings(if with_format { 6 } else { 0 });
    let mut source = strings(20);
    let mut line = Int64Builder::with_capacity(rows);
    let mut offset = Int64Builder::with_capacity(rows);
    let mut recipient_person = strings(8);
    let mut conversation = Int64Builder::with_capacity(rows);
    let mut seq = Int64Builder::with_capacity(rows);
    let mut digits = arrow_array::builder::Int8Builder::with_capacity(rows);
    for (a, b) in record_spans(records) {
        let r = Record::read(&records[a..b]);
        time.append_value(r.micros);
        local_time.append_value(r.local_time);
        sender.append_value(r.sender);
        person.append_value(r.person);
        recipient.append_option(r.recipient);
        channel.append_option(r.channel);
        body.append_value(r.body);
        kind.append_value(r.kind);
        for x in r.attachments.iter() {
            attachments.values().append_value(x);
        }
        attachments.append(true);
        id.append_option(r.id);
        for x in r.topics.iter() {
            topics.values().append_value(x);
        }
        topics.append(true);
        if with_format {
            format.append_value(r.format);
        }
        source.append_value(r.source);
        line.append_value(i64::try_from(r.line).unwrap_or(i64::MAX));
        offset.append_value(i64::try_from(r.offset).unwrap_or(i64::MAX));
        recipient_person.append_option(r.recipient_person);
        let (ca, cb) = match (r.channel, r.recipient) {
            (Some(c), _) => (c, ""),
            (None, Some(to)) if to < r.sender => (to, r.sender),
            (None, Some(to)) => (r.sender, to),
            (None, None) => (r.sender, ""),
        };
        conversation.append_value(conversation_key(ca, cb));
        seq.append_value(i64::try_from(r.seq).unwrap_or(i64::MAX));
        digits.append_value(r.digits);
    }
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(COLUMNS.len());
    for name in COLUMNS {
        let a: ArrayRef = match name {
            "time" => Arc::new(time.finish()),
            "local_time" => Arc::new(local_time.finish()),
            "sender" => Arc::new(sender.finish()),
            "person" => Arc::new(person.finish()),
            "recipient" => Arc::new(recipient.finish()),
            "channel" => Arc::new(channel.finish()),
            "body" => Arc::new(body.finish()),
            "kind" => Arc::new(kind.finish()),
            "attachments" => Arc::new(attachments.finish()),
            "id" => Arc::new(id.finish()),
            "topics" => Arc::new(topics.finish()),
            "format" if with_format => Arc::new(format.finish()),
            "format" => continue,
            "source" => Arc::new(source.finish()),
            "line" => Arc::new(line.finish()),
            "offset" => Arc::new(offset.finish()),
            "recipient_person" => Arc::new(recipient_person.finish()),
            "conversation" => Arc::new(conversation.finish()),
            "seq" => Arc::new(seq.finish()),
            _ => Arc::new(digits.finish()),
        };
        cols.push(a);
    }
    // The list builders name their item field "item" and make it nullable, as the schema.
    RecordBatch::try_new(schema.clone(), cols).map_err(|e| Error::Io {
        what: "building a Parquet row group".into(),
        source: std::io::Error::other(e),
    })
}

fn parquet_error(path: &Path, e: parquet::errors::ParquetError) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    }
}

/// One output file: its writer and the records waiting for its next row group.
struct Part {
    path: PathBuf,
    writer: Option<SerializedFileWriter<AtomicFile>>,
    factory: Option<Arc<ArrowRowGroupWriterFactory>>,
    groups: usize,
    records: Vec<u8>,
    rows: usize,
}

/// The Parquet writer: a [`Write`] of records (see the module doc), and [`ParquetOut::finish`].
pub struct ParquetOut {
    target: Target,
    schema: SchemaRef,
    props: WriterPropertiesPtr,
    shard: Option<u32>,
    /// Files in creation order, and the index of each dataset partition.
    parts: Vec<Part>,
    by_key: BTreeMap<(String, (i32, u32)), usize>,
    /// Bytes of a record split across two writes.
    partial: Vec<u8>,
    /// The `seq` of the next record, for records that come without one (input order).
    next_seq: u64,
    pending: usize,
    /// Row groups being encoded on the pool, oldest first: their file and their result.
    inflight: std::collections::VecDeque<(usize, Receiver<Result<Vec<ArrowColumnChunk>>>)>,
    /// How many row groups may be in flight at once (the pool's threads).
    max_inflight: usize,
}

type Receiver<T> = std::sync::mpsc::Receiver<T>;

fn lost_group() -> Error {
    Error::Io {
        what: "encoding a Parquet row group failed".into(),
        source: std::io::Error::other("the encoding task ended without a result"),
    }
}

fn not_open(path: &Path) -> Error {
    Error::Io {
        what: format!("{} was not opened for writing", path.display()),
        source: std::io::Error::other("no writer"),
    }
}

/// Builds the columns of one row group from its records and encodes them into column
/// chunks for row group `group` of the file at `path`.
fn encode(
    records: Vec<u8>,
    rows: usize,
    schema: &SchemaRef,
    factory: &ArrowRowGroupWriterFactory,
    group: usize,
    path: &Path,
) -> Result<Vec<ArrowColumnChunk>> {
    let batch = columns(&records, rows, schema)?;
    // The records are in the columns now: free them before the (larger) encoding.
    drop(records);
    let mut writers = factory
        .create_column_writers(group)
        .map_err(|e| parquet_error(path, e))?;
    let mut w = writers.iter_mut();
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        for leaf in compute_leaves(field, column).map_err(|e| parquet_error(path, e))? {
            if let Some(w) = w.next() {
                w.write(&leaf).map_err(|e| parquet_error(path, e))?;
            }
        }
    }
    writers
        .into_iter()
        .map(|w| w.close().map_err(|e| parquet_error(path, e)))
        .collect()
}

impl std::fmt::Debug for ParquetOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetOut")
            .field("target", &self.target)
            .field("files", &self.parts.len())
            .finish()
    }
}

impl ParquetOut {
    /// A writer of `target` with `options`.
    pub fn new(target: Target, options: &ParquetOptions) -> Result<ParquetOut> {
        let dataset = matches!(target, Target::Dataset(_));
        let schema = schema(!dataset);
        let mut kv: Vec<KeyValue> = options
            .metadata
            .iter()
            .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
            .collect();
        if dataset {
            kv.push(KeyValue::new(
                "chatsift.partitions".into(),
                "format, month (UTC, yyyy-mm)".to_string(),
            ));
        }
        let mut builder = WriterProperties::builder()
            .set_compression(options.compression.codec()?)
            .set_key_value_metadata(Some(kv))
            .set_max_row_group_row_count(Some(GROUP_ROWS));
        // Unique per row: a dictionary would only be built to be thrown away.
        for col in ["time", "local_time", "body", "id", "line", "offset", "seq"] {
            builder = builder.set_column_dictionary_enabled(ColumnPath::from(col), false);
        }
        // No engine prunes on the text of a body or a local time; their min/max would only
        // cost comparisons. `time`, people, channels and sources keep theirs.
        for col in ["local_time", "body", "id"] {
            builder = builder
                .set_column_statistics_enabled(ColumnPath::from(col), EnabledStatistics::None);
        }
        let mut props = builder.build();
        parquet::arrow::add_encoded_arrow_schema_to_metadata(&schema, &mut props);
        if let Target::Dataset(dir) = &target {
            std::fs::create_dir_all(dir).map_err(|source| Error::Create {
                path: dir.clone(),
                source,
            })?;
        }
        Ok(ParquetOut {
            target,
            schema,
            props: Arc::new(props),
            shard: options.shard,
            parts: Vec::new(),
            by_key: BTreeMap::new(),
            partial: Vec::new(),
            next_seq: 0,
            pending: 0,
            inflight: std::collections::VecDeque::new(),
            max_inflight: rayon::current_num_threads().max(1),
        })
    }

    /// The file a record goes to (created on first use).
    fn part_of(&mut self, rec: &[u8]) -> usize {
        let path = match &self.target {
            Target::File(p) => {
                if self.parts.is_empty() {
                    self.parts.push(Part::new(p.clone()));
                }
                return 0;
            }
            Target::Dataset(dir) => {
                let (format, month) = Record::partition(rec);
                if let Some(&i) = self.by_key.get(&(format.to_string(), month)) {
                    return i;
                }
                let name = match self.shard {
                    Some(k) => format!("part-{k}-00000.parquet"),
                    None => "part-00000.parquet".to_string(),
                };
                let key = (format.to_string(), month);
                let path = dir
                    .join(format!("format={}", hive_escape(format)))
                    .join(format!("month={:04}-{:02}", month.0, month.1))
                    .join(name);
                self.by_key.insert(key, self.parts.len());
                path
            }
        };
        self.parts.push(Part::new(path));
        self.parts.len() - 1
    }

    /// Routes one whole record.
    fn route(&mut self, rec: &[u8]) -> Result<()> {
        let i = self.part_of(rec);
        let part = &mut self.parts[i];
        let at = part.records.len();
        part.records.extend_from_slice(rec);
        // The unsorted stream leaves `seq` for the writer, which sees records in input order.
        if let Some(seq) = part.records.get_mut(at + SEQ_AT..at + SEQ_AT + 8)
            && u64::from_le_bytes(seq.try_into().unwrap_or([0; 8])) == SEQ_UNSET
        {
            seq.copy_from_slice(&self.next_seq.to_le_bytes());
        }
        self.next_seq += 1;
        part.rows += 1;
        self.pending += rec.len();
        if part.rows >= GROUP_ROWS {
            self.cut(i)?;
        }
        if self.pending > PENDING_BYTES {
            // Cut the fullest file's group early (ties: the first file), so memory stays
            // bounded however many partitions are open.
            let fullest = (0..self.parts.len())
                .max_by_key(|&i| (self.parts[i].records.len(), std::cmp::Reverse(i)));
            if let Some(i) = fullest {
                self.cut(i)?;
            }
        }
        Ok(())
    }

    /// Moves file `i`'s waiting records into a row group and starts encoding it on the
    /// pool; past [`ParquetOut::max_inflight`] groups in flight, waits for the oldest.
    fn cut(&mut self, i: usize) -> Result<()> {
        let part = &mut self.parts[i];
        if part.rows == 0 {
            return Ok(());
        }
        part.open(&self.schema, &self.props)?;
        let records = std::mem::take(&mut part.records);
        let rows = std::mem::take(&mut part.rows);
        self.pending -= records.len();
        let group = part.groups;
        part.groups += 1;
        let (schema, path) = (self.schema.clone(), part.path.clone());
        let Some(factory) = part.factory.clone() else {
            return Err(not_open(&part.path));
        };
        let job = move || encode(records, rows, &schema, &factory, group, &path);
        if rayon::current_thread_index().is_some() {
            // Called from inside the pool: waiting on it could wait forever, so encode here
            // (after the groups already in flight, which come first in the file).
            while !self.inflight.is_empty() {
                self.finish_one()?;
            }
            let chunks = job()?;
            return self.append(i, chunks);
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        rayon::spawn(move || {
            let _ = tx.send(job());
        });
        self.inflight.push_back((i, rx));
        // Append whatever is done, in order, then wait while too many are in flight.
        while let Some(done) = self.inflight.front().map(|(_, rx)| rx.try_recv()) {
            match done {
                Ok(r) => {
                    if let Some((part, _)) = self.inflight.pop_front() {
                        self.append(part, r?)?;
                    }
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => break,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => return Err(lost_group()),
            }
        }
        while self.inflight.len() > self.max_inflight {
            self.finish_one()?;
        }
        Ok(())
    }

    /// Waits for the oldest row group in flight and appends it to its file.
    fn finish_one(&mut self) -> Result<()> {
        let Some((part, rx)) = self.inflight.pop_front() else {
            return Ok(());
        };
        let chunks = rx.recv().map_err(|_| lost_group())??;
        self.append(part, chunks)
    }

    /// Appends an encoded row group to file `i`.
    fn append(&mut self, i: usize, chunks: Vec<ArrowColumnChunk>) -> Result<()> {
        let part = &mut self.parts[i];
        let path = part.path.clone();
        let writer = part.writer.as_mut().ok_or_else(|| not_open(&path))?;
        let mut group = writer
            .next_row_group()
            .map_err(|e| parquet_error(&path, e))?;
        for c in chunks {
            c.append_to_row_group(&mut group)
                .map_err(|e| parquet_error(&path, e))?;
        }
        group.close().map_err(|e| parquet_error(&path, e))?;
        Ok(())
    }

    /// Writes every file's last row group and footer and puts each file in place. A single
    /// file is written even when no message was kept (its schema, no rows).
    pub fn finish(mut self) -> Result<Vec<PathBuf>> {
        if !self.partial.is_empty() {
            return Err(Error::Io {
                what: "the Parquet writer was handed a cut record".into(),
                source: std::io::Error::other("incomplete record"),
            });
        }
        if let Target::File(p) = &self.target
            && self.parts.is_empty()
        {
            self.parts.push(Part::new(p.clone()));
        }
        for i in 0..self.parts.len() {
            self.cut(i)?;
        }
        while !self.inflight.is_empty() {
            self.finish_one()?;
        }
        let mut written = Vec::with_capacity(self.parts.len());
        for mut part in std::mem::take(&mut self.parts) {
            part.open(&self.schema, &self.props)?;
            let path = part.path.clone();
            if let Some(w) = part.writer.take() {
                let file = w.into_inner().map_err(|e| parquet_error(&path, e))?;
                file.commit().map_err(|source| Error::Create {
                    path: path.clone(),
                    source,
                })?;
            }
            written.push(path);
        }
        Ok(written)
    }
}

impl Part {
    fn new(path: PathBuf) -> Part {
        Part {
            path,
            writer: None,
            factory: None,
            groups: 0,
            records: Vec::new(),
            rows: 0,
        }
    }

    /// Creates the file (under a temporary name) and its writer, once.
    fn open(&mut self, schema: &SchemaRef, props: &WriterPropertiesPtr) -> Result<()> {
        if self.writer.is_some() {
            return Ok(());
        }
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Create {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let file = AtomicFile::create(&self.path).map_err(|source| Error::Create {
            path: self.path.clone(),
            source,
        })?;
        let pq = ArrowSchemaConverter::new()
            .convert(schema)
            .map_err(|e| parquet_error(&self.path, e))?;
        let writer = SerializedFileWriter::new(file, pq.root_schema_ptr(), props.clone())
            .map_err(|e| parquet_error(&self.path, e))?;
        self.factory = Some(Arc::new(ArrowRowGroupWriterFactory::new(
            &writer,
            schema.clone(),
        )));
        self.writer = Some(writer);
        Ok(())
    }
}

impl Write for ParquetOut {
    fn write(&mut self, mut buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len();
        let io = |e: Error| std::io::Error::other(e.to_string());
        if !self.partial.is_empty() {
            self.partial.extend_from_slice(buf);
            let partial = std::mem::take(&mut self.partial);
            let mut at = 0;
            while let Some(len) = Record::len_at(&partial[at..]) {
                self.route(&partial[at..at + len]).map_err(io)?;
                at += len;
            }
            self.partial = partial[at..].to_vec();
            return Ok(n);
        }
        while let Some(len) = Record::len_at(buf) {
            self.route(&buf[..len]).map_err(io)?;
            buf = &buf[len..];
        }
        self.partial.extend_from_slice(buf);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A Hive partition value: bytes outside `A-Za-z0-9._-` as `%XX`, as Hive and Spark escape
/// them (every chatsift format name is left as it is).
fn hive_escape(v: &str) -> String {
    if v.is_empty() {
        return "__HIVE_DEFAULT_PARTITION__".into();
    }
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether `-o PATH` names a dataset folder: it ends with a path separator or is an
/// existing folder.
pub fn is_dataset_path(path: &Path) -> bool {
    let s = path.as_os_str().to_string_lossy();
    s.ends_with('/') || s.ends_with(std::path::MAIN_SEPARATOR) || path.is_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: u64, micros: i64, format: &str, body: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = RecordWriter::new(&mut out, seq, micros);
        w.str("2021-06-01T08:00:00+08:00");
        w.str(format);
        w.str("ann");
        w.str("Ann");
        w.opt(Some("bob"));
        w.opt(Some("Bob"));
        w.opt(None);
        w.str(body);
        w.str("message");
        w.list(["a.png"].into_iter());
        w.opt(Some("m1"));
        w.list(["pay", "workload"].into_iter());
        w.str("chats/1.md");
        w.int(7);
        w.int(120);
        w.int(3);
        w.end();
        out
    }

    #[test]
    fn a_record_reads_back_every_field() {
        let rec = record(3, 1_622_505_600_000_000, "isoon", "工资\n还没发");
        let r = Record::read(&rec);
        assert_eq!((r.seq, r.micros), (3, 1_622_505_600_000_000));
        assert_eq!((r.format, r.sender, r.person), ("isoon", "ann", "Ann"));
        assert_eq!(
            (r.recipient, r.recipient_person, r.channel),
            (Some("bob"), Some("Bob"), None)
        );
        assert_eq!(
            (r.body, r.kind, r.id),
            ("工资\n还没发", "message", Some("m1"))
        );
        assert_eq!(r.attachments.iter().collect::<Vec<_>>(), ["a.png"]);
        assert_eq!(r.topics.iter().collect::<Vec<_>>(), ["pay", "workload"]);
        assert_eq!(
            (r.source, r.line, r.offset, r.digits),
            ("chats/1.md", 7, 120, 3)
        );
        assert_eq!(Record::partition(&rec), ("isoon", (2021, 6)));
        let mut two = rec.clone();
        two.extend_from_slice(&record(4, 0, "qq", ""));
        let spans: Vec<_> = record_spans(&two).collect();
        assert_eq!(spans, [(0, rec.len()), (rec.len(), two.len())]);
        set_seq(&mut two, 9);
        assert_eq!(Record::read(&two).seq, 9);
    }

    #[test]
    fn garbled_records_read_as_empty_fields_without_panicking() {
        for cut in 0..40 {
            let rec = record(1, 5, "isoon", "x");
            let r = Record::read(&rec[..cut.min(rec.len())]);
            let _ = (r.body, r.topics.iter().count());
        }
        assert_eq!(Record::len_at(&[1, 0, 0]), None);
    }

    #[test]
    fn hive_values_escape_what_a_path_cannot_hold() {
        assert_eq!(hive_escape("conti-jabber"), "conti-jabber");
        assert_eq!(hive_escape("a/b c"), "a%2Fb%20c");
        assert_eq!(hive_escape(""), "__HIVE_DEFAULT_PARTITION__");
    }

    #[test]
    fn compression_names_parse_and_zstd_says_how_to_get_it() {
        assert_eq!("SNAPPY".parse::<Compression>(), Ok(Compression::Snappy));
        assert_eq!("none".parse::<Compression>(), Ok(Compression::None));
        assert!("lz4".parse::<Compression>().is_err());
        if !cfg!(feature = "zstd") {
            let e = Compression::Zstd.codec().unwrap_err().to_string();
            assert!(e.contains("--features zstd"), "{e}");
        }
    }
}
