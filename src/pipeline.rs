//! The pipeline: read inputs a window at a time, decode, split into record-aligned chunks,
//! parse chunks in parallel with rayon, and hand the results to the caller in input order.
//!
//! Memory is bounded by the batch size: each batch holds at most about
//! [`Options::batch_bytes`] of decoded input (plus what the caller keeps), and is dropped
//! before the next is read. With `batch_bytes: None` every input stays in memory for one
//! batch, which sorted output needs (messages borrow from the input; nothing is copied).
//!
//! Determinism: chunks are cut at positions that depend only on the input and the window and
//! chunk sizes (never on the thread count), and results are merged in input order, so the
//! output is byte-identical for any `--threads`.

use crate::formats::{self, Chunk, Format, FormatOptions, Hint, ParseCtx, SideFiles, Sink};
use crate::model::{FileId, Loc, Message, Problem};
use crate::source::decode::{self, Detected};
use crate::source::{Opened, Opener, SourceFile, WalkProblem};
use crate::time::Zone;
use encoding_rs::Encoding;
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

/// How a run reads its inputs.
#[derive(Clone, Copy)]
pub struct Options {
    /// `--format`: parse every input with this format instead of sniffing.
    pub format: Option<&'static dyn Format>,
    /// `--encoding`: decode every input with this encoding (a BOM is still skipped).
    pub encoding: Option<&'static Encoding>,
    /// `--source-tz`: the zone of naive stamps.
    pub source_tz: Zone,
    /// Target size of one parse chunk (the unit of parallel work).
    pub chunk_bytes: usize,
    /// Target size of one read from a file.
    pub window_bytes: usize,
    /// Bytes of input per batch; `None` reads everything into one batch.
    pub batch_bytes: Option<usize>,
    /// Show a progress bar on stderr when it is a terminal and the run takes over a second.
    pub progress: bool,
    /// How many problems per file are kept for reporting (all are counted).
    pub keep_problems: usize,
    /// Settings for formats that take them (`--date-order`).
    pub format_options: FormatOptions,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("format", &self.format.map(|f| f.name()))
            .field("encoding", &self.encoding.map(|e| e.name()))
            .field("source_tz", &self.source_tz)
            .field("chunk_bytes", &self.chunk_bytes)
            .field("window_bytes", &self.window_bytes)
            .field("batch_bytes", &self.batch_bytes)
            .finish()
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            format: None,
            encoding: None,
            source_tz: Zone::Utc,
            chunk_bytes: 1 << 20,
            window_bytes: 8 << 20,
            batch_bytes: Some(32 << 20),
            progress: false,
            keep_problems: 1000,
            format_options: FormatOptions::default(),
        }
    }
}

/// What happened to one input.
#[derive(Clone, Debug, Default)]
pub struct FileReport {
    /// The display path.
    pub path: String,
    /// The format it was read as (None when skipped).
    pub format: Option<&'static str>,
    /// The encoding, as [`Detected::name`] gives it.
    pub encoding: String,
    /// Size in bytes as stored.
    pub bytes: u64,
    /// Why it was not read as a chat (empty, binary, no format recognised), if so.
    pub skipped: Option<String>,
    /// Messages read.
    pub messages: u64,
    /// Problems found (all of them, also those not kept).
    pub problems: u64,
    /// Naive stamps placed in a DST gap or overlap.
    pub dst_adjusted: u64,
    /// What the format's survey of the whole file decided, and why (WhatsApp's date order).
    pub note: Option<String>,
    /// Records dropped because a message with the same id was read before (formats whose
    /// ids are unique across files, such as overlapping Discord partitions).
    pub duplicates: u64,
}

/// What a run read: per-file reports and the problems, in input order.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// One report per input, in input order.
    pub files: Vec<FileReport>,
    /// Kept problems (the first [`Options::keep_problems`] per file), in input order.
    pub problems: Vec<Problem>,
    /// Inputs that could not be listed or opened.
    pub walk_problems: Vec<WalkProblem>,
}

impl Report {
    /// All messages read.
    pub fn messages(&self) -> u64 {
        self.files.iter().map(|f| f.messages).sum()
    }
    /// All problems found, counting unreadable inputs.
    pub fn problem_count(&self) -> u64 {
        self.files.iter().map(|f| f.problems).sum::<u64>() + self.walk_problems.len() as u64
    }
    /// Files read as chats.
    pub fn files_read(&self) -> usize {
        self.files.iter().filter(|f| f.skipped.is_none()).count()
    }
    /// The display path of a file id.
    pub fn path(&self, file: FileId) -> &str {
        self.files
            .get(file as usize)
            .map_or("?", |f| f.path.as_str())
    }

    fn add_problem(&mut self, p: Problem, keep: usize, kept: &mut [usize]) {
        let i = p.loc.file as usize;
        if let Some(f) = self.files.get_mut(i) {
            f.problems += 1;
        }
        if let Some(k) = kept.get_mut(i)
            && *k < keep
        {
            *k += 1;
            self.problems.push(p);
        }
    }
}

/// One unit of parallel work: a record-aligned chunk of one file.
#[derive(Clone, Copy)]
pub struct Job<'t> {
    /// The chunk.
    pub chunk: Chunk<'t>,
    /// The format it is parsed with.
    pub format: &'static dyn Format,
    /// The file.
    pub file: FileId,
    /// The file's display path.
    pub path: &'t str,
    /// What the format's survey found in the whole file, if it surveys.
    pub hint: Option<&'t dyn Hint>,
    /// For a columnar input (`chatsift-parquet`): the rows of this job, instead of text.
    pub rows: Option<Rows<'t>>,
}

/// Rows of a decoded Parquet row group that one job reads.
#[derive(Clone, Copy, Debug)]
pub struct Rows<'t> {
    /// The decoded columns.
    pub batch: &'t arrow_array::RecordBatch,
    /// The rows of `batch` this job reads.
    pub start: usize,
    /// One past the last row.
    pub end: usize,
    /// The file's row number of `batch`'s first row.
    pub first_row: u64,
    /// The `format=` folder of a dataset file without a `format` column.
    pub partition_format: Option<&'t str>,
}

/// Rows per job when a Parquet row group is cut for parallel reading.
const ROWS_PER_JOB: usize = 1 << 15;

impl Job<'_> {
    /// About how many bytes of input this job reads: its text, or its rows at 128 bytes
    /// each (for capacity hints and grouping).
    pub fn size_hint(&self) -> usize {
        match self.rows {
            Some(r) => (r.end - r.start) * 128,
            None => self.chunk.text.len(),
        }
    }
}

impl std::fmt::Debug for Job<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("path", &self.path)
            .field("format", &self.format.name())
            .field("offset", &self.chunk.offset)
            .field("line", &self.chunk.line)
            .field("len", &self.chunk.text.len())
            .field("rows", &self.rows.map(|r| r.start..r.end))
            .finish()
    }
}

/// The jobs of one batch, in input order, and the means to parse them.
pub struct Batch<'t, 'r> {
    /// The chunks of this batch, in input order.
    pub jobs: Vec<Job<'t>>,
    report: &'r mut Report,
    kept: &'r mut Vec<usize>,
    zone: Zone,
    options: FormatOptions,
    keep: usize,
    seen: &'r mut IdSet,
}

/// Keys of the message ids read so far, for formats with [`Format::unique_ids`].
type IdSet = std::collections::HashSet<u128, foldhash::fast::FixedState>;

/// A 128-bit key of (format, channel, id): two independent 64-bit hashes.
fn id_key(format: &str, m: &Message<'_>, id: &str) -> u128 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut k = 0u128;
    for seed in [0x1D5u64, 0xC4A7] {
        let mut h = foldhash::fast::FixedState::with_seed(seed).build_hasher();
        format.hash(&mut h);
        m.channel.hash(&mut h);
        id.hash(&mut h);
        k = (k << 64) | u128::from(h.finish());
    }
    k
}

impl std::fmt::Debug for Batch<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch").field("jobs", &self.jobs).finish()
    }
}

/// Counts what passes to a caller's sink and keeps problems aside.
struct Tap<S> {
    inner: S,
    messages: u64,
    problems: Vec<Problem>,
    problem_count: u64,
    dst: u64,
    keep: usize,
}

impl<S> Tap<S> {
    fn new(inner: S, keep: usize) -> Self {
        Tap {
            inner,
            messages: 0,
            problems: Vec::new(),
            problem_count: 0,
            dst: 0,
            keep,
        }
    }
    /// What this job counted, without the sink.
    fn tally(self) -> Tally {
        Tally {
            messages: self.messages,
            problems: self.problems,
            problem_count: self.problem_count,
            dst: self.dst,
        }
    }
}

/// What one job's parse counted, for the run's [`Report`].
struct Tally {
    messages: u64,
    problems: Vec<Problem>,
    problem_count: u64,
    dst: u64,
}

impl<'t, S: Sink<'t>> Sink<'t> for Tap<&mut S> {
    fn message(&mut self, m: Message<'t>) {
        self.messages += 1;
        self.inner.message(m);
    }
    fn problem(&mut self, p: Problem) {
        self.problem_count += 1;
        if self.problems.len() < self.keep {
            self.problems.push(p);
        }
    }
    fn dst_adjusted(&mut self, n: u64) {
        self.dst += n;
    }
    fn finish(&mut self) {
        self.inner.finish();
    }
}

/// Consecutive small jobs share one sink up to this many bytes of text, so a batch of
/// thousands of tiny files does not hold thousands of sinks (fixed, so the grouping, like
/// the output, does not depend on the thread count).
const GROUP_BYTES: usize = 256 << 10;

/// One group's sink with what each of its jobs counted, and (for [`Format::unique_ids`]
/// jobs, which are never grouped) the messages waiting for the id check.
type Parsed<'t, S> = (S, Vec<Tally>, Option<Vec<Message<'t>>>);

impl<'t> Batch<'t, '_> {
    /// The run's report so far (this batch's problems are in it once parsed).
    pub fn report(&self) -> &Report {
        self.report
    }

    /// Parses every job in parallel, each into a fresh sink made by `make`, and returns the
    /// sinks in input order, one per job. Problems and counts go to the run's [`Report`].
    pub fn parse<S, M>(&mut self, make: M) -> Vec<S>
    where
        S: Sink<'t> + Send,
        M: Fn(&Job<'t>) -> S + Sync,
    {
        let groups: Vec<std::ops::Range<usize>> = (0..self.jobs.len()).map(|i| i..i + 1).collect();
        self.parse_in(&groups, make)
    }

    /// As [`Batch::parse`], but consecutive small jobs (together under 256 KiB of text) share
    /// one sink, made by `make` for the first of them: fewer sinks, in input order, each fed
    /// its jobs' messages in order. For callers that do not need a sink per job.
    pub fn parse_grouped<S, M>(&mut self, make: M) -> Vec<S>
    where
        S: Sink<'t> + Send,
        M: Fn(&Job<'t>) -> S + Sync,
    {
        let mut groups: Vec<std::ops::Range<usize>> = Vec::new();
        let mut bytes = 0;
        for (i, job) in self.jobs.iter().enumerate() {
            let len = job.size_hint();
            match groups.last_mut() {
                Some(g)
                    if bytes + len <= GROUP_BYTES
                        && !job.format.unique_ids()
                        && !self.jobs[g.start].format.unique_ids() =>
                {
                    g.end = i + 1;
                    bytes += len;
                }
                _ => {
                    groups.push(i..i + 1);
                    bytes = len;
                }
            }
        }
        self.parse_in(&groups, make)
    }

    fn parse_in<S, M>(&mut self, groups: &[std::ops::Range<usize>], make: M) -> Vec<S>
    where
        S: Sink<'t> + Send,
        M: Fn(&Job<'t>) -> S + Sync,
    {
        let zone = self.zone;
        let options = self.options;
        let keep = self.keep;
        let jobs = &self.jobs;
        // Formats whose ids are unique across files (`Format::unique_ids`) are parsed into a
        // list first; repeats of an id already read (in input order) are dropped before the
        // caller's sink sees them.
        let parsed: Vec<Parsed<'t, S>> = groups
            .par_iter()
            .map(|g| {
                let group = &jobs[g.clone()];
                let mut inner = make(&group[0]);
                let mut tallies = Vec::with_capacity(group.len());
                let mut held = None;
                for job in group {
                    let mut tap = Tap::new(&mut inner, keep);
                    let mut ctx = ParseCtx::new(job.file, job.path, zone);
                    ctx.options = options;
                    ctx.hint = job.hint;
                    if let Some(rows) = job.rows {
                        formats::parquet::parse_rows(
                            rows.batch,
                            rows.start..rows.end,
                            rows.first_row,
                            &ctx,
                            rows.partition_format,
                            &mut tap,
                        );
                        tap.finish();
                    } else if job.format.unique_ids() {
                        let mut c = formats::Collect::default();
                        job.format.parse(&job.chunk, &ctx, &mut c);
                        for p in c.problems {
                            tap.problem(p);
                        }
                        tap.dst_adjusted(c.dst_adjusted);
                        held = Some(c.messages);
                    } else {
                        job.format.parse(&job.chunk, &ctx, &mut tap);
                        tap.finish();
                    }
                    tallies.push(tap.tally());
                }
                (inner, tallies, held)
            })
            .collect();
        let parsed: Vec<(S, Vec<Tally>)> = if parsed.iter().any(|p| p.2.is_some()) {
            let mut parsed = parsed;
            for (g, (_, _, msgs)) in groups.iter().zip(parsed.iter_mut()) {
                if let Some(msgs) = msgs {
                    // Unique-id jobs are alone in their group.
                    let job = &jobs[g.start];
                    let before = msgs.len();
                    msgs.retain(|m| match &m.id {
                        Some(id) => self.seen.insert(id_key(job.format.name(), m, id)),
                        None => true,
                    });
                    if let Some(f) = self.report.files.get_mut(job.file as usize) {
                        f.duplicates += (before - msgs.len()) as u64;
                    }
                }
            }
            parsed
                .into_par_iter()
                .map(|(mut inner, mut tallies, msgs)| {
                    if let Some(msgs) = msgs {
                        let mut tap = Tap::new(&mut inner, keep);
                        for m in msgs {
                            tap.message(m);
                        }
                        tap.finish();
                        if let Some(t) = tallies.last_mut() {
                            t.messages += tap.messages;
                        }
                    }
                    (inner, tallies)
                })
                .collect()
        } else {
            parsed.into_iter().map(|p| (p.0, p.1)).collect()
        };
        let mut out = Vec::with_capacity(parsed.len());
        for (g, (inner, tallies)) in groups.iter().zip(parsed) {
            for (job, tally) in jobs[g.clone()].iter().zip(tallies) {
                let i = job.file as usize;
                if let Some(f) = self.report.files.get_mut(i) {
                    f.messages += tally.messages;
                    f.dst_adjusted += tally.dst;
                    // Problems beyond those kept are counted here; kept ones via add_problem.
                    f.problems += tally.problem_count - tally.problems.len() as u64;
                }
                for p in tally.problems {
                    self.report.add_problem(p, self.keep, self.kept);
                }
            }
            out.push(inner);
        }
        out
    }
}

/// Bytes of one file read so far, waiting to be decoded.
struct Window {
    file: FileId,
    format: &'static dyn Format,
    bytes: WinBytes,
    encoding: Option<&'static Encoding>,
    first: bool,
    last: bool,
}

enum WinBytes {
    Owned(Vec<u8>),
    Shared(std::sync::Arc<[u8]>, usize, usize),
    /// One row group of a Parquet input, decoded with the batch.
    Rows {
        input: formats::parquet::ParquetInput,
        group: usize,
        first_row: u64,
        size: usize,
    },
}

impl WinBytes {
    fn as_slice(&self) -> &[u8] {
        match self {
            WinBytes::Owned(v) => v,
            WinBytes::Shared(a, s, e) => &a[*s..*e],
            WinBytes::Rows { .. } => &[],
        }
    }

    /// Bytes this window weighs in a batch (a row group: its uncompressed size).
    fn size(&self) -> usize {
        match self {
            WinBytes::Rows { size, .. } => *size,
            _ => self.as_slice().len(),
        }
    }
}

/// Where the next window of a file continues: decoded offset and line so far.
#[derive(Clone, Copy, Default)]
struct Carry {
    file: FileId,
    offset: u64,
    line: u64,
}

/// Reads every input and calls `on_batch` with each batch of jobs, in input order. Files that
/// are empty, binary, unreadable or of no known format are reported as skipped; the run goes
/// on. Returns the first error `on_batch` returns.
pub fn run<E, F>(
    files: &[SourceFile],
    opts: &Options,
    walk_problems: Vec<WalkProblem>,
    on_batch: F,
) -> Result<Report, E>
where
    F: FnMut(Batch<'_, '_>) -> Result<(), E>,
{
    run_surveyed(
        files,
        opts,
        walk_problems,
        &mut Surveys::default(),
        on_batch,
    )
}

/// What the formats' surveys found in each file, kept from one run over the files to the
/// next (a pre-pass and the pass it decides), so that each file is surveyed once. An entry
/// is used only for the same file, format and format options.
#[derive(Default)]
pub(crate) struct Surveys {
    by_file: std::collections::HashMap<FileId, Surveyed>,
}

struct Surveyed {
    path: String,
    size: u64,
    format: &'static str,
    options: FormatOptions,
    hint: Arc<dyn Hint>,
}

impl Surveys {
    fn get(
        &self,
        f: &SourceFile,
        format: &dyn Format,
        options: FormatOptions,
    ) -> Option<Arc<dyn Hint>> {
        let s = self.by_file.get(&f.id)?;
        (s.path == f.path && s.size == f.size && s.format == format.name() && s.options == options)
            .then(|| s.hint.clone())
    }

    fn put(
        &mut self,
        f: &SourceFile,
        format: &dyn Format,
        options: FormatOptions,
        hint: Arc<dyn Hint>,
    ) {
        let entry = Surveyed {
            path: f.path.clone(),
            size: f.size,
            format: format.name(),
            options,
            hint,
        };
        self.by_file.insert(f.id, entry);
    }
}

/// [`run`], with the surveys of an earlier run over the same files (and keeping this run's).
pub(crate) fn run_surveyed<E, F>(
    files: &[SourceFile],
    opts: &Options,
    walk_problems: Vec<WalkProblem>,
    surveys: &mut Surveys,
    mut on_batch: F,
) -> Result<Report, E>
where
    F: FnMut(Batch<'_, '_>) -> Result<(), E>,
{
    let mut report = Report {
        files: files
            .iter()
            .map(|f| FileReport {
                path: f.path.clone(),
                bytes: f.size,
                ..FileReport::default()
            })
            .collect(),
        problems: Vec::new(),
        walk_problems,
    };
    let mut kept = vec![0usize; files.len()];
    let mut opener = Opener::default();
    let mut pending: Vec<Window> = Vec::new();
    let mut pool: Vec<Vec<u8>> = Vec::new();
    let mut pending_bytes = 0usize;
    let mut carry = Carry::default();
    let limit = opts.batch_bytes.unwrap_or(usize::MAX);
    let total: u64 = files.iter().map(|f| f.size).sum();
    let mut progress = Progress::new(opts.progress, total);

    let mut hints: Vec<Option<Arc<dyn Hint>>> = files.iter().map(|_| None).collect();
    let mut seen = IdSet::default();
    // Hands the pending windows to `flush` as one batch.
    macro_rules! flush_pending {
        () => {
            progress.advance(pending_bytes as u64);
            flush(
                &mut pending,
                &mut pool,
                files,
                opts,
                &mut report,
                &mut kept,
                &mut carry,
                &hints,
                &mut seen,
                &mut on_batch,
            )?;
            #[allow(unused_assignments)] // not read again after the last batch
            {
                pending_bytes = 0;
            }
        };
    }
    let mut side = RunFiles::new(files);
    let mut memo = std::collections::HashMap::new();
    for f in files {
        let mut reader = match open_file(f, opts, &mut opener, &mut report) {
            Some(r) => r,
            None => continue,
        };
        let kept_survey = surveys.get(f, reader.format, opts.format_options);
        let mut env = formats::SurveyEnv::new(&f.path, opts.format_options, &mut side, &mut memo);
        if let Some(hint) = kept_survey {
            if let Some(r) = report.files.get_mut(f.id as usize) {
                r.note = hint.describe();
            }
            if let Some(slot) = hints.get_mut(f.id as usize) {
                *slot = Some(hint);
            }
        } else if let Some(survey) = reader.format.survey(&mut env) {
            match survey_file(&reader, survey) {
                Ok(hint) => {
                    let hint: Arc<dyn Hint> = Arc::from(hint);
                    surveys.put(f, reader.format, opts.format_options, hint.clone());
                    if let Some(r) = report.files.get_mut(f.id as usize) {
                        r.note = hint.describe();
                    }
                    if let Some(slot) = hints.get_mut(f.id as usize) {
                        *slot = Some(hint);
                    }
                }
                Err(e) => {
                    let loc = Loc {
                        file: f.id,
                        line: 0,
                        offset: 0,
                    };
                    let what = format!("read error: {e}");
                    report.add_problem(Problem::new(loc, what), opts.keep_problems, &mut kept);
                    continue;
                }
            }
        }
        loop {
            let hint = hints.get(f.id as usize).and_then(|h| h.as_deref());
            let w = match reader.next_window(opts, &mut pool, hint) {
                Ok(Some(w)) => w,
                Ok(None) => break,
                Err(e) => {
                    let what = format!("read error: {e}");
                    let loc = Loc {
                        file: f.id,
                        line: 0,
                        offset: reader.pos,
                    };
                    report.add_problem(Problem::new(loc, what), opts.keep_problems, &mut kept);
                    break;
                }
            };
            pending_bytes += w.bytes.size();
            pending.push(w);
            if pending_bytes >= limit || (opts.batch_bytes.is_some() && pending.len() >= 4096) {
                flush_pending!();
            }
        }
    }
    if !pending.is_empty() {
        flush_pending!();
    }
    progress.finish();
    // Decoding problems are found per window, parse problems per chunk: order them by place
    // so the report does not depend on how the input was cut.
    report.problems.sort_by_key(|p| (p.loc.file, p.loc.line));
    Ok(report)
}

/// Feeds a whole file to a format's survey, a window at a time (each cut after a `\n`),
/// decoded the way the parse will decode it. A survey that splits reads as many windows at
/// once as there are threads, each on its own worker, and joins them in file order.
fn survey_file(
    reader: &FileReader,
    mut survey: Box<dyn formats::Survey>,
) -> std::io::Result<Box<dyn Hint>> {
    if !survey.wants_text() {
        return Ok(survey.finish());
    }
    const WINDOW: usize = 8 << 20;
    let threads = rayon::current_num_threads();
    let group = if threads > 1 && survey.split().is_some() {
        threads
    } else {
        1
    };
    let mut pos = reader.pos;
    let (mut offset, mut line) = (0u64, 1u64);
    let mut bufs: Vec<Vec<u8>> = Vec::new();
    while pos < reader.len {
        // Up to `group` windows, each ending after its last `\n`.
        let mut n = 0;
        while n < group && pos < reader.len {
            if bufs.len() <= n {
                bufs.push(Vec::new());
            }
            let buf = &mut bufs[n];
            let rest = reader.len - pos;
            let whole = reader.encoding.is_some() || rest <= WINDOW as u64;
            let want = if whole { rest } else { WINDOW as u64 };
            let want = usize::try_from(want).unwrap_or(usize::MAX);
            reader.opened.read_into(pos, want, buf)?;
            if buf.is_empty() {
                break;
            }
            if !whole && let Some(nl) = memchr::memrchr(b'\n', buf) {
                buf.truncate(nl + 1);
            }
            pos += buf.len() as u64;
            n += 1;
        }
        if n == 0 {
            break;
        }
        let decode_one = |bytes| decode_window(bytes, reader.encoding);
        let parts = if n > 1 {
            (0..n).map(|_| survey.split()).collect::<Option<Vec<_>>>()
        } else {
            None
        };
        match parts {
            Some(mut parts) => {
                let texts: Vec<(Cow<'_, str>, u64)> =
                    bufs[..n].par_iter().map(|b| decode_one(b)).collect();
                let mut starts = Vec::with_capacity(n);
                for (text, lines) in &texts {
                    starts.push((offset, line));
                    offset += text.len() as u64;
                    line += lines;
                }
                parts
                    .par_iter_mut()
                    .zip(texts.par_iter().zip(starts.par_iter()))
                    .for_each(|(part, ((text, _), &(o, l)))| part.feed(text, o, l));
                for part in parts {
                    survey.join(part);
                }
            }
            None => {
                for b in &bufs[..n] {
                    let (text, lines) = decode_one(b);
                    survey.feed(&text, offset, line);
                    offset += text.len() as u64;
                    line += lines;
                }
            }
        }
    }
    Ok(survey.finish())
}

/// A window of a surveyed file decoded the way the parse decodes it, with its count of `\n`.
fn decode_window<'b>(bytes: &'b [u8], encoding: Option<&'static Encoding>) -> (Cow<'b, str>, u64) {
    let text: Cow<'b, str> = match encoding {
        None => decode::utf8_lossy(bytes, 1).0,
        Some(enc) => Cow::Owned(decode::transcode(bytes, enc).0),
    };
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() as u64;
    (text, lines)
}

/// Side files of a run: inputs of the run by display path (zip entries included), else the
/// file system. Read once, kept for the run.
struct RunFiles<'f> {
    files: &'f [SourceFile],
    by_path: Option<std::collections::HashMap<&'f str, usize>>,
    opener: Opener,
    cache: std::collections::HashMap<String, Option<std::sync::Arc<str>>>,
}

/// Side files larger than this are not read (a user table is a few megabytes).
const MAX_SIDE_FILE: u64 = 256 << 20;

impl<'f> RunFiles<'f> {
    fn new(files: &'f [SourceFile]) -> RunFiles<'f> {
        RunFiles {
            files,
            by_path: None,
            opener: Opener::default(),
            cache: std::collections::HashMap::new(),
        }
    }

    fn load(&mut self, path: &str) -> Option<std::sync::Arc<str>> {
        let files = self.files;
        let by_path = self.by_path.get_or_insert_with(|| {
            files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.path.as_str(), i))
                .collect()
        });
        if let Some(&i) = by_path.get(path) {
            let f = files.get(i)?;
            let opened = self.opener.open(f).ok()?;
            let len = opened.len().ok()?;
            if len > MAX_SIDE_FILE {
                return None;
            }
            let bytes = opened.read_at(0, len as usize).ok()?;
            return Some(formats::decode_side(&bytes));
        }
        if path.contains("!/") {
            return None;
        }
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() || meta.len() > MAX_SIDE_FILE {
            return None;
        }
        let bytes = std::fs::read(path).ok()?;
        Some(formats::decode_side(&bytes))
    }
}

impl SideFiles for RunFiles<'_> {
    fn read(&mut self, path: &str) -> Option<std::sync::Arc<str>> {
        if let Some(v) = self.cache.get(path) {
            return v.clone();
        }
        let v = self.load(path);
        self.cache.insert(path.to_string(), v.clone());
        v
    }
}

/// Per-file reading state.
struct FileReader {
    file: FileId,
    opened: Opened,
    len: u64,
    pos: u64,
    format: &'static dyn Format,
    encoding: Option<&'static Encoding>,
    first: bool,
    done: bool,
    /// A Parquet input, read a row group at a time, and the next row group and row.
    columns: Option<(formats::parquet::ParquetInput, usize, u64)>,
}

/// Where a Parquet input's bytes are read from: the file on disk, else its bytes in memory.
fn parquet_bytes(
    f: &SourceFile,
    opened: &Opened,
    len: u64,
) -> std::io::Result<formats::parquet::ParquetBytes> {
    use formats::parquet::ParquetBytes;
    if let (crate::source::Origin::Disk(path), Opened::File(_)) = (&f.origin, opened) {
        let file = std::fs::File::open(path)?;
        return Ok(ParquetBytes::File(std::sync::Arc::new(file), len));
    }
    if let Opened::Memory(a) = opened {
        return Ok(ParquetBytes::Memory(bytes::Bytes::from_owner(a.clone())));
    }
    let len = usize::try_from(len).map_err(std::io::Error::other)?;
    Ok(ParquetBytes::Memory(bytes::Bytes::from(
        opened.read_at(0, len)?,
    )))
}

fn open_file(
    f: &SourceFile,
    opts: &Options,
    opener: &mut Opener,
    report: &mut Report,
) -> Option<FileReader> {
    let skip = |report: &mut Report, why: String| {
        if let Some(r) = report.files.get_mut(f.id as usize) {
            r.skipped = Some(why);
        }
    };
    // An input that cannot be read is skipped and named among the unreadable paths.
    let unreadable = |report: &mut Report, e: &dyn std::fmt::Display| {
        skip(report, format!("unreadable: {e}"));
        report.walk_problems.push(WalkProblem {
            path: f.path.clone(),
            what: format!("cannot read: {e}"),
        });
    };
    let opened = match opener.open(f) {
        Ok(o) => o,
        Err(e) => {
            unreadable(report, &e);
            return None;
        }
    };
    let len = opened.len().unwrap_or(f.size);
    if let Some(r) = report.files.get_mut(f.id as usize) {
        r.bytes = len;
    }
    if len == 0 {
        skip(report, "empty file".into());
        return None;
    }
    let head = match opened.read_at(0, decode::DETECT_LEN) {
        Ok(h) => h,
        Err(e) => {
            unreadable(report, &e);
            return None;
        }
    };
    let parquet_forced = opts.format.is_some_and(|f| f.name() == "chatsift-parquet");
    if head.starts_with(formats::parquet::MAGIC) && (opts.format.is_none() || parquet_forced) {
        if let Some(r) = report.files.get_mut(f.id as usize) {
            r.encoding = "Parquet".into();
        }
        let input = parquet_bytes(f, &opened, len)
            .map_err(|e| e.to_string())
            .and_then(|b| formats::parquet::ParquetInput::open(b, &f.path));
        let input = match input {
            Ok(i) => i,
            Err(why) => {
                skip(report, why);
                return None;
            }
        };
        let format: &'static dyn Format = &formats::parquet::ChatsiftParquet;
        if let Some(r) = report.files.get_mut(f.id as usize) {
            r.format = Some(format.name());
        }
        return Some(FileReader {
            file: f.id,
            opened,
            len,
            pos: 0,
            format,
            encoding: None,
            first: true,
            done: false,
            columns: Some((input, 0, 0)),
        });
    }
    let detected = decode::detect(&head, opts.encoding);
    if let Some(r) = report.files.get_mut(f.id as usize) {
        r.encoding = detected.name();
    }
    let (bom, encoding) = match detected {
        Detected::Binary => {
            skip(
                report,
                "binary file (mostly NUL or control bytes), not a chat".into(),
            );
            return None;
        }
        Detected::Utf8 { bom } => (bom, None),
        Detected::Other { encoding, bom, .. } => (bom, Some(encoding)),
    };
    let head_bytes = &head[bom.min(head.len())..];
    let head_text: Cow<'_, str> = match encoding {
        None => {
            let cut = &head_bytes[..head_bytes.len().min(formats::SNIFF_LEN + 4)];
            String::from_utf8_lossy(cut)
        }
        Some(enc) => {
            let cut = &head_bytes[..head_bytes.len().min(formats::SNIFF_LEN * 2)];
            Cow::Owned(enc.decode_without_bom_handling(cut).0.into_owned())
        }
    };
    let format = match opts.format {
        Some(fmt) => fmt,
        None => match formats::sniff(&f.path, formats::sniff_head(&head_text)) {
            Some(fmt) => fmt,
            None => {
                let why = match formats::whatsapp::unmatched_layout(
                    &f.path,
                    formats::sniff_head(&head_text),
                ) {
                    Some(l) => format!(
                        "looks like a WhatsApp export but no header layout matched: {}",
                        formats::excerpt(l)
                    ),
                    None => "no chat format recognised".into(),
                };
                skip(report, why);
                return None;
            }
        },
    };
    if let Some(r) = report.files.get_mut(f.id as usize) {
        r.format = Some(format.name());
    }
    Some(FileReader {
        file: f.id,
        opened,
        len,
        pos: bom as u64,
        format,
        encoding,
        first: true,
        done: false,
        columns: None,
    })
}

impl FileReader {
    /// The next window of the file, ending at a record boundary (or the end of the file).
    fn next_window(
        &mut self,
        opts: &Options,
        pool: &mut Vec<Vec<u8>>,
        hint: Option<&dyn Hint>,
    ) -> std::io::Result<Option<Window>> {
        if let Some((input, group, first_row)) = &mut self.columns {
            if *group >= input.row_groups() {
                return Ok(None);
            }
            let (rows, size) = input.group_size(*group);
            let first = std::mem::replace(&mut self.first, false);
            let w = Window {
                file: self.file,
                format: self.format,
                bytes: WinBytes::Rows {
                    input: input.clone(),
                    group: *group,
                    first_row: *first_row,
                    size: usize::try_from(size).unwrap_or(usize::MAX).max(1),
                },
                encoding: None,
                first,
                last: *group + 1 == input.row_groups(),
            };
            *group += 1;
            *first_row += rows;
            return Ok(Some(w));
        }
        if self.done || self.pos >= self.len {
            return Ok(None);
        }
        let rest = self.len - self.pos;
        let window = opts.window_bytes.max(1) as u64;
        // Transcoded inputs are read whole: their byte offsets do not map to text offsets.
        if self.encoding.is_some() || rest <= window + window / 4 {
            return Ok(Some(self.take_rest(pool)?));
        }
        let mut margin = (window / 32).max(1024);
        let mut data = pool.pop().unwrap_or_default();
        loop {
            let want = window + margin;
            if want >= rest {
                pool.push(data);
                return Ok(Some(self.take_rest(pool)?));
            }
            self.opened.read_into(self.pos, want as usize, &mut data)?;
            if let Some(cut) = boundary(self.format, &data, window as usize, hint) {
                data.truncate(cut);
                self.pos += cut as u64;
                let w = self.window(data, false);
                return Ok(Some(w));
            }
            margin *= 4;
        }
    }

    fn take_rest(&mut self, pool: &mut Vec<Vec<u8>>) -> std::io::Result<Window> {
        let data = match &self.opened {
            Opened::Memory(a) => WinBytes::Shared(a.clone(), self.pos as usize, a.len()),
            Opened::File(_) | Opened::Stream(_) => {
                let mut buf = pool.pop().unwrap_or_default();
                self.opened
                    .read_into(self.pos, (self.len - self.pos) as usize, &mut buf)?;
                WinBytes::Owned(buf)
            }
        };
        self.done = true;
        self.pos = self.len;
        let first = std::mem::replace(&mut self.first, false);
        Ok(Window {
            file: self.file,
            format: self.format,
            bytes: data,
            encoding: self.encoding,
            first,
            last: true,
        })
    }

    fn window(&mut self, data: Vec<u8>, last: bool) -> Window {
        let first = std::mem::replace(&mut self.first, false);
        Window {
            file: self.file,
            format: self.format,
            bytes: WinBytes::Owned(data),
            encoding: None,
            first,
            last,
        }
    }
}

/// A record boundary at or after `target` in `data` (UTF-8 bytes), found by the format on a
/// text region around the target, knowing the file's survey `hint`. Invalid UTF-8 in the
/// region is masked with `?` (same length) so positions stay exact.
fn boundary(
    format: &dyn Format,
    data: &[u8],
    target: usize,
    hint: Option<&dyn Hint>,
) -> Option<usize> {
    let back = target.saturating_sub(64 << 10);
    // Start the region at a line start: `\n` never occurs inside a UTF-8 sequence.
    let start = match memchr::memrchr(b'\n', &data[..back.max(1).min(data.len())]) {
        Some(i) if back > 0 => i + 1,
        _ => 0,
    };
    let end = memchr::memrchr(b'\n', data).map_or(0, |i| i + 1);
    if end <= target || start > target {
        return None;
    }
    let region = &data[start..end];
    let masked;
    let text = match simdutf8::basic::from_utf8(region) {
        Ok(t) => t,
        Err(_) => {
            masked = mask_invalid(region);
            std::str::from_utf8(&masked).ok()?
        }
    };
    let at = format.next_record_in(text, target - start, hint)?;
    let cut = start + at;
    (cut > 0 && cut < end && cut >= target).then_some(cut)
}

fn mask_invalid(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut pos = 0;
    while pos < out.len() {
        match std::str::from_utf8(&out[pos..]) {
            Ok(_) => break,
            Err(e) => {
                let bad = pos + e.valid_up_to();
                let n = e.error_len().unwrap_or(out.len() - bad);
                for b in &mut out[bad..bad + n] {
                    *b = b'?';
                }
                pos = bad + n;
            }
        }
    }
    out
}

/// A decoded window.
struct Decoded<'w> {
    text: Cow<'w, str>,
    replaced_lines: Vec<u64>,
    replaced_total: u64,
    /// A Parquet row group's columns.
    batches: Vec<arrow_array::RecordBatch>,
    /// Why a Parquet row group could not be decoded.
    error: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn flush<E, F>(
    pending: &mut Vec<Window>,
    pool: &mut Vec<Vec<u8>>,
    files: &[SourceFile],
    opts: &Options,
    report: &mut Report,
    kept: &mut Vec<usize>,
    carry: &mut Carry,
    hints: &[Option<Arc<dyn Hint>>],
    seen: &mut IdSet,
    on_batch: &mut F,
) -> Result<(), E>
where
    F: FnMut(Batch<'_, '_>) -> Result<(), E>,
{
    // Decode, in parallel.
    let decoded: Vec<Decoded<'_>> = pending
        .par_iter()
        .map(|w| {
            if let WinBytes::Rows { input, group, .. } = &w.bytes {
                let (batches, error) = match input.read(*group..*group + 1) {
                    Ok(b) => (b, None),
                    Err(e) => (Vec::new(), Some(e)),
                };
                return Decoded {
                    text: Cow::Borrowed(""),
                    replaced_lines: Vec::new(),
                    replaced_total: 0,
                    batches,
                    error,
                };
            }
            let bytes = w.bytes.as_slice();
            let (text, replaced_lines, replaced_total) = match w.encoding {
                None => decode::utf8_lossy(bytes, 1),
                Some(enc) => {
                    let (t, n) = decode::transcode(bytes, enc);
                    (Cow::Owned(t), if n > 0 { vec![1] } else { Vec::new() }, n)
                }
            };
            Decoded {
                text,
                replaced_lines,
                replaced_total,
                batches: Vec::new(),
                error: None,
            }
        })
        .collect();
    // Split into chunks at record boundaries and count lines (once), in parallel.
    let planned: Vec<(Vec<Chunk<'_>>, u64)> = pending
        .par_iter()
        .zip(decoded.par_iter())
        .map(|(w, d)| {
            let hint = hints.get(w.file as usize).and_then(|h| h.as_deref());
            formats::split_text_counted(w.format, &d.text, opts.chunk_bytes, hint)
        })
        .collect();
    // Place each window in its file (decoded offset, first line) and make the jobs.
    let mut jobs: Vec<Job<'_>> = Vec::with_capacity(planned.iter().map(|p| p.0.len()).sum());
    for ((w, d), (chunks, newlines)) in pending.iter().zip(&decoded).zip(planned) {
        if let WinBytes::Rows {
            input, first_row, ..
        } = &w.bytes
        {
            let path = files.get(w.file as usize).map_or("?", |f| f.path.as_str());
            if let Some(e) = &d.error {
                let loc = Loc {
                    file: w.file,
                    line: first_row + 1,
                    offset: *first_row,
                };
                report.add_problem(Problem::new(loc, e.clone()), opts.keep_problems, kept);
            }
            let mut row = *first_row;
            for batch in &d.batches {
                let n = batch.num_rows();
                for start in (0..n).step_by(ROWS_PER_JOB) {
                    let end = (start + ROWS_PER_JOB).min(n);
                    jobs.push(Job {
                        chunk: Chunk {
                            text: "",
                            offset: row + start as u64,
                            line: row + start as u64 + 1,
                            first: w.first && row == *first_row && start == 0,
                            last: w.last && end == n,
                        },
                        format: w.format,
                        file: w.file,
                        path,
                        hint: None,
                        rows: Some(Rows {
                            batch,
                            start,
                            end,
                            first_row: row,
                            partition_format: input.partition_format.as_deref(),
                        }),
                    });
                }
                row += n as u64;
            }
            continue;
        }
        if w.first || carry.file != w.file {
            *carry = Carry {
                file: w.file,
                offset: 0,
                line: 1,
            };
        }
        let (offset, line) = (carry.offset, carry.line);
        for &l in &d.replaced_lines {
            let what = match w.encoding {
                Some(enc) => format!(
                    "{} byte sequences invalid in {} were replaced by U+FFFD",
                    d.replaced_total,
                    enc.name()
                ),
                None => "invalid UTF-8 or NUL bytes replaced by U+FFFD".to_string(),
            };
            let loc = Loc {
                file: w.file,
                line: line + l - 1,
                offset,
            };
            report.add_problem(Problem::new(loc, what), opts.keep_problems, kept);
        }
        if d.replaced_total > d.replaced_lines.len() as u64
            && w.encoding.is_none()
            && let Some(f) = report.files.get_mut(w.file as usize)
        {
            f.problems += d.replaced_total - d.replaced_lines.len() as u64;
        }
        carry.offset += d.text.len() as u64;
        carry.line += newlines;
        let path = files.get(w.file as usize).map_or("?", |f| f.path.as_str());
        let hint = hints.get(w.file as usize).and_then(|h| h.as_deref());
        let n = chunks.len();
        for c in chunks {
            jobs.push(Job {
                chunk: Chunk {
                    text: c.text,
                    offset: offset + c.offset,
                    line: line + c.line - 1,
                    first: w.first && c.first,
                    last: w.last && c.last,
                },
                format: w.format,
                file: w.file,
                path,
                hint,
                rows: None,
            });
        }
        if n == 0 {
            jobs.push(Job {
                chunk: Chunk {
                    text: "",
                    offset,
                    line,
                    first: w.first,
                    last: w.last,
                },
                format: w.format,
                file: w.file,
                path,
                hint,
                rows: None,
            });
        }
    }
    let batch = Batch {
        jobs,
        report,
        kept,
        zone: opts.source_tz,
        options: opts.format_options,
        keep: opts.keep_problems,
        seen,
    };
    let r = on_batch(batch);
    drop(decoded);
    // Keep a few read buffers for the next windows: no fresh, zeroed pages per window.
    for w in pending.drain(..) {
        if let WinBytes::Owned(mut v) = w.bytes
            && pool.len() < 8
            && v.capacity() <= 2 * opts.window_bytes.max(1 << 20)
        {
            v.clear();
            pool.push(v);
        }
    }
    r
}

/// A progress bar on stderr that appears only on a terminal and only after a second.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: Instant,
    shown: bool,
    enabled: bool,
}

impl Progress {
    fn new(enabled: bool, total: u64) -> Progress {
        use std::io::IsTerminal;
        let enabled = enabled && std::io::stderr().is_terminal();
        let bar = enabled.then(|| {
            let b = indicatif::ProgressBar::with_draw_target(
                Some(total),
                indicatif::ProgressDrawTarget::hidden(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} {bytes}/{total_bytes} {bytes_per_sec} {wide_bar} {eta}",
            ) {
                b.set_style(style);
            }
            b
        });
        Progress {
            bar,
            start: Instant::now(),
            shown: false,
            enabled,
        }
    }

    fn advance(&mut self, bytes: u64) {
        let Some(bar) = &self.bar else { return };
        bar.inc(bytes);
        if self.enabled && !self.shown && self.start.elapsed().as_secs_f64() > 1.0 {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.shown = true;
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::DateOrder;

    #[test]
    fn a_kept_survey_serves_the_same_file_and_options_only() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/whatsapp");
        let walk = crate::source::walk(&[dir.to_string()]).expect("the fixtures");
        let opts = Options::default();
        let mut surveys = Surveys::default();
        let first = run_surveyed(&walk.files, &opts, Vec::new(), &mut surveys, |_| {
            Ok::<(), ()>(())
        })
        .expect("a run");
        assert!(!surveys.by_file.is_empty(), "WhatsApp files are surveyed");
        let f = &walk.files[0];
        let format = formats::by_name("whatsapp").expect("the format");
        let kept = surveys.get(f, format, opts.format_options);
        assert!(kept.is_some());
        let mdy = FormatOptions {
            date_order: Some(DateOrder::Mdy),
            ..Default::default()
        };
        assert!(
            surveys.get(f, format, mdy).is_none(),
            "other options survey again"
        );
        // A second run with the kept surveys says the same of every file.
        let again = run_surveyed(&walk.files, &opts, Vec::new(), &mut surveys, |_| {
            Ok::<(), ()>(())
        })
        .expect("a run");
        let notes = |r: &Report| r.files.iter().map(|f| f.note.clone()).collect::<Vec<_>>();
        assert_eq!(notes(&first), notes(&again));
        assert!(notes(&first).iter().any(|n| n.is_some()));
    }
}
