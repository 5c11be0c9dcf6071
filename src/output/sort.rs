//! Sorted message output in bounded memory. Each batch's messages are sorted and kept as a
//! *run*: each message as a compact record ([`super::compact`], about half a rendered JSONL
//! row) behind its sort key. Runs stay in memory up to a budget ([`memory_budget`]: half the
//! memory available); past it, they go to scratch files (beside the output, removed when
//! done or interrupted). At the end the runs are merged, and the merged records are rendered
//! a block at a time on the pool while the merge fills the next block. The merged order is
//! exactly the order one sort of every message gives: (time, source, line), then input
//! order, because a batch holds later input than every batch before it, so ties between runs
//! go to the earlier run. Where the runs are kept never changes the bytes.
//!
//! Memory is one batch's messages plus at most the budget of records, whatever the input
//! size; a spilled sort needs about half the output's size on disk.

use super::atomic::ScratchFile;
use super::stream::{
    BufPool, Key, StreamConfig, dedup_key, dedup_sorted, sorted_order, topic_names,
};
use super::{FileTable, Renderer, compact};
use crate::analysis::topics::TopicSet;
use crate::error::{Error, Result};
use crate::model::Message;
use rayon::prelude::*;
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::PathBuf;

/// Bytes before each record in a run: time (µs), file id, line, origin length, record
/// length, dedup key.
const HEAD: usize = 8 + 4 + 8 + 4 + 8 + 16;

/// The rows of every batch so far, to be merged into sorted output.
pub(crate) struct SortedRuns {
    /// Where scratch files go.
    dir: PathBuf,
    dedup: bool,
    runs: Vec<Run>,
    /// Bytes of runs held in memory, and how many may be before they are spilled.
    in_memory: usize,
    budget: usize,
    /// Messages of every batch so far (before `--dedup`): the input-order number of the
    /// next batch's first message.
    kept: u64,
}

enum Run {
    /// Buffers of whole records.
    Mem(Vec<Vec<u8>>),
    /// A scratch file of records.
    Disk(ScratchFile),
}

/// A run's next row in the merge: (time, source, line, run).
type MergeKey<'t> = (i64, Cow<'t, str>, u64, usize);

/// One row read back: its key fields and where its origin and text are in `rec`.
struct Head {
    micros: i64,
    file: u32,
    line: u64,
    origin: usize,
    row: usize,
    key: u128,
}

fn head(rec: &[u8]) -> Head {
    let u = |a: usize, n: usize| -> u64 {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&rec[a..a + n]);
        u64::from_le_bytes(b)
    };
    let mut k = [0u8; 16];
    k.copy_from_slice(&rec[32..48]);
    Head {
        micros: u(0, 8) as i64,
        file: u(8, 4) as u32,
        line: u(12, 8),
        origin: u(20, 4) as usize,
        row: u(24, 8) as usize,
        key: u128::from_le_bytes(k),
    }
}

/// Reads the records of one run in order.
enum Reader<'r> {
    /// `cur` is the current record; the next starts at `bufs[buf][next..]`.
    Mem {
        bufs: &'r [Vec<u8>],
        buf: usize,
        next: usize,
        cur: &'r [u8],
    },
    /// `rec` is the current record.
    Disk {
        file: BufReader<&'r std::fs::File>,
        rec: Vec<u8>,
    },
}

impl<'r> Reader<'r> {
    /// Moves to the next record; false at the end of the run.
    fn advance(&mut self) -> std::io::Result<bool> {
        match self {
            Reader::Mem {
                bufs,
                buf,
                next,
                cur,
            } => {
                while *buf < bufs.len() && *next >= bufs[*buf].len() {
                    *buf += 1;
                    *next = 0;
                }
                let Some(b) = bufs.get(*buf) else {
                    return Ok(false);
                };
                let h = head(&b[*next..]);
                let end = *next + HEAD + h.origin + h.row;
                *cur = &b[*next..end];
                *next = end;
                Ok(true)
            }
            Reader::Disk { file, rec } => {
                rec.clear();
                rec.resize(HEAD, 0);
                match file.read_exact(&mut rec[..HEAD]) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
                    Err(e) => return Err(e),
                }
                let h = head(rec);
                let n = h.origin + h.row;
                rec.resize(HEAD + n, 0);
                file.read_exact(&mut rec[HEAD..])?;
                Ok(true)
            }
        }
    }

    /// The current record (valid after `advance` gave true).
    fn record(&self) -> &[u8] {
        match self {
            Reader::Mem { cur, .. } => cur,
            Reader::Disk { rec, .. } => rec,
        }
    }
}

/// How many bytes of rendered rows sorted output keeps in memory before spilling runs to
/// scratch files: `CHATSIFT_SORT_MEMORY` (bytes; `0` always spills), else half of the memory
/// the system has available when the run starts (2 GiB when that cannot be read).
pub(crate) fn memory_budget() -> usize {
    if let Some(v) = std::env::var("CHATSIFT_SORT_MEMORY")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        return v;
    }
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemAvailable:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        })
        .map_or(2 << 30, |kb| kb.saturating_mul(1024) / 2)
}

impl SortedRuns {
    /// No runs yet; runs stay in memory up to `budget` bytes of rows (see [`memory_budget`]),
    /// then all go to scratch files in `dir`.
    pub(crate) fn new(dir: PathBuf, dedup: bool, budget: usize) -> SortedRuns {
        SortedRuns {
            dir,
            dedup,
            runs: Vec::new(),
            in_memory: 0,
            budget,
            kept: 0,
        }
    }

    /// Sorts and renders one batch (`parts`: one vector per parsed chunk, in input order;
    /// `sets`: their topics when already matched) as a run.
    pub(crate) fn add(
        &mut self,
        parts: &[Vec<Message<'_>>],
        sets: Option<&[Vec<TopicSet>]>,
        cfg: &StreamConfig,
        table: &FileTable,
        pool: &BufPool,
    ) -> Result<()> {
        let mut order = sorted_order(parts, table);
        // Input-order number of each part's first message.
        let mut firsts = Vec::with_capacity(parts.len());
        for p in parts {
            firsts.push(self.kept);
            self.kept += p.len() as u64;
        }
        if order.is_empty() {
            return Ok(());
        }
        if cfg.dedup {
            dedup_sorted(&mut order, parts);
        }
        let bufs: Vec<Vec<u8>> = order
            .par_chunks(4096)
            .map(|c| {
                let mut people = cfg.aliases.resolver();
                let mut buf = pool.get();
                let msg = |k: &Key| k.message(parts);
                let mut matched = Vec::new();
                if sets.is_none()
                    && let Some(t) = &cfg.topics
                {
                    matched.reserve(c.len());
                    t.matches_batch(
                        c.iter().map(|k| (msg(k).body.as_ref(), msg(k).kind)),
                        &mut matched,
                    );
                }
                for (i, k) in c.iter().enumerate() {
                    let m = msg(k);
                    // Conflicts were found (and stopped the run) while reading.
                    let person = people.person_of(m).ok().filter(|p| *p != m.sender.as_ref());
                    let set = match sets {
                        Some(s) => k.topics(s),
                        None if cfg.topics.is_some() => matched.get(i).copied(),
                        None => None,
                    };
                    let (source, _, line, _) = table.provenance(m);
                    let origin = if m.origin.is_some() { source } else { "" };
                    let at = buf.len();
                    buf.extend_from_slice(&m.time.micros.to_le_bytes());
                    buf.extend_from_slice(&m.loc.file.to_le_bytes());
                    buf.extend_from_slice(&line.to_le_bytes());
                    buf.extend_from_slice(&(origin.len() as u32).to_le_bytes());
                    buf.extend_from_slice(&0u64.to_le_bytes());
                    let key = if cfg.dedup {
                        let (a, b) = dedup_key(m);
                        (u128::from(a) << 64) | u128::from(b)
                    } else {
                        0
                    };
                    buf.extend_from_slice(&key.to_le_bytes());
                    buf.extend_from_slice(origin.as_bytes());
                    let start = buf.len();
                    let (part, idx) = k.place();
                    compact::encode(m, person, set, firsts[part] + u64::from(idx), &mut buf);
                    let len = (buf.len() - start) as u64;
                    buf[at + 24..at + 32].copy_from_slice(&len.to_le_bytes());
                }
                buf
            })
            .collect();
        self.in_memory += bufs.iter().map(Vec::len).sum::<usize>();
        self.runs.push(Run::Mem(bufs));
        // One run is merged from memory whatever its size (it is this batch's rows); past the
        // budget, every run held goes to disk.
        if self.runs.len() > 1 && self.in_memory > self.budget {
            for i in 0..self.runs.len() {
                if let Run::Mem(bufs) = &self.runs[i] {
                    let spilled = self.spill(bufs)?;
                    for b in std::mem::replace(&mut self.runs[i], Run::Disk(spilled)).into_bufs() {
                        pool.put(b);
                    }
                }
            }
            self.in_memory = 0;
        }
        Ok(())
    }

    /// Writes a run's buffers to a new scratch file.
    fn spill(&self, bufs: &[Vec<u8>]) -> Result<ScratchFile> {
        let what = |source| Error::Io {
            what: format!("cannot write a sort scratch file in {}", self.dir.display()),
            source,
        };
        let f = ScratchFile::create(&self.dir).map_err(what)?;
        {
            let mut w = BufWriter::with_capacity(1 << 20, f.file());
            for b in bufs {
                w.write_all(b).map_err(what)?;
            }
            w.flush().map_err(what)?;
        }
        Ok(f)
    }

    /// Writes the rows held so far to `out` and forgets them, for input known to come in the
    /// stream's order ([`super::stream::in_stream_order`]): every later row sorts after
    /// them, so writing each run as it is added gives the bytes of one merge at the end.
    /// Without `--dedup` only (its repeats are found within a run).
    pub(crate) fn write_held(
        &mut self,
        cfg: &StreamConfig,
        table: &FileTable,
        pool: &BufPool,
        out: &mut dyn Write,
    ) -> Result<()> {
        debug_assert!(!self.dedup, "write_held is for runs without --dedup");
        for run in std::mem::take(&mut self.runs) {
            if let Run::Mem(bufs) = run {
                // A few buffers (of 4,096 records each) at a time: both cores render, and the
                // rendered rows waiting to be written stay a few MB.
                for group in bufs.chunks(4) {
                    let records: Vec<&[u8]> = group
                        .iter()
                        .flat_map(|b| record_spans(b).into_iter().map(move |(x, y)| &b[x..y]))
                        .collect();
                    for r in render_block(&records, cfg, table, pool) {
                        out.write_all(&r)?;
                        pool.put(r);
                    }
                }
                for b in bufs {
                    pool.put(b);
                }
            }
        }
        self.in_memory = 0;
        Ok(())
    }

    /// Merges every run into `out`, in order (dropping `--dedup` repeats across runs), and
    /// renders the merged records a block at a time: each block on the pool while the merge
    /// fills the next.
    pub(crate) fn finish(
        self,
        cfg: &StreamConfig,
        table: &FileTable,
        pool: &BufPool,
        out: &mut dyn Write,
    ) -> Result<()> {
        let mut readers = Vec::with_capacity(self.runs.len());
        for run in &self.runs {
            readers.push(match run {
                Run::Mem(bufs) => Reader::Mem {
                    bufs,
                    buf: 0,
                    next: 0,
                    cur: &[],
                },
                Run::Disk(f) => {
                    let mut file = f.file();
                    file.rewind().map_err(|source| Error::Read {
                        path: f.path().to_path_buf(),
                        source,
                    })?;
                    Reader::Disk {
                        file: BufReader::with_capacity(256 << 10, file),
                        rec: Vec::new(),
                    }
                }
            });
        }
        let mut merge = Merge {
            readers,
            heap: BinaryHeap::new(),
            table,
            dedup: self.dedup,
            group: HashSet::default(),
            group_micros: i64::MIN,
        };
        for i in 0..merge.readers.len() {
            if merge.readers[i].advance().map_err(scratch_read)? {
                let k = merge.key(i);
                merge.heap.push(k);
            }
        }
        let mut cur = Block::default();
        merge.fill(&mut cur)?;
        let mut next = Block::default();
        while !cur.spans.is_empty() {
            let (rendered, filled) = rayon::join(
                || {
                    let records: Vec<&[u8]> =
                        cur.spans.iter().map(|&(a, b)| &cur.bytes[a..b]).collect();
                    render_block(&records, cfg, table, pool)
                },
                || merge.fill(&mut next),
            );
            filled?;
            for r in rendered {
                out.write_all(&r)?;
                pool.put(r);
            }
            std::mem::swap(&mut cur, &mut next);
        }
        Ok(())
    }
}

/// Merged records waiting to be rendered: whole records (head, origin, compact record)
/// copied one after another, and where each is.
#[derive(Default)]
struct Block {
    bytes: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

/// Records per block: enough to keep both cores rendering, few enough to stay in cache.
const BLOCK: usize = 16 << 10;

/// The k-way merge of the runs: the heap holds each run's next record, (time, source, line,
/// run); ties go to the earlier run, which holds earlier input.
struct Merge<'r> {
    readers: Vec<Reader<'r>>,
    heap: BinaryHeap<Reverse<MergeKey<'r>>>,
    table: &'r FileTable,
    dedup: bool,
    /// `--dedup`: the keys of the records at `group_micros` so far.
    group: HashSet<u128, foldhash::fast::FixedState>,
    group_micros: i64,
}

impl<'r> Merge<'r> {
    /// The heap entry of run `i`'s current record.
    fn key(&self, i: usize) -> Reverse<MergeKey<'r>> {
        let rec = self.readers[i].record();
        let h = head(rec);
        let source = if h.origin > 0 {
            Cow::Owned(String::from_utf8_lossy(&rec[HEAD..HEAD + h.origin]).into_owned())
        } else {
            Cow::Borrowed(
                self.table
                    .paths
                    .get(h.file as usize)
                    .map_or("?", |s| s.as_str()),
            )
        };
        Reverse((h.micros, source, h.line, i))
    }

    /// Moves the next [`BLOCK`] records (fewer at the end) into `block`, cleared first.
    fn fill(&mut self, block: &mut Block) -> Result<()> {
        block.bytes.clear();
        block.spans.clear();
        while block.spans.len() < BLOCK {
            let Some(Reverse((_, _, _, i))) = self.heap.pop() else {
                break;
            };
            let rec = self.readers[i].record();
            let h = head(rec);
            let repeat = self.dedup && {
                if h.micros != self.group_micros {
                    self.group.clear();
                    self.group_micros = h.micros;
                }
                !self.group.insert(h.key)
            };
            if !repeat {
                let at = block.bytes.len();
                block.bytes.extend_from_slice(rec);
                block.spans.push((at, block.bytes.len()));
            }
            if self.readers[i].advance().map_err(scratch_read)? {
                let k = self.key(i);
                self.heap.push(k);
            }
        }
        Ok(())
    }
}

/// Where each whole record of a run buffer is.
fn record_spans(buf: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut at = 0;
    while at + HEAD <= buf.len() {
        let h = head(&buf[at..]);
        let end = (at + HEAD + h.origin + h.row).min(buf.len());
        spans.push((at, end));
        at = end;
    }
    spans
}

/// Renders whole records (head, origin, compact record) in order, on the pool: one buffer
/// per slice of records, in order.
fn render_block(
    records: &[&[u8]],
    cfg: &StreamConfig,
    table: &FileTable,
    pool: &BufPool,
) -> Vec<Vec<u8>> {
    records
        .par_chunks(2048)
        .map(|c| {
            let mut r = Renderer::new(cfg.format, cfg.tz, cfg.raw_csv, table)
                .with_people(&cfg.aliases)
                .with_fields(cfg.fields.as_deref());
            let mut names = Vec::new();
            let mut out = pool.get();
            for &rec in c {
                let h = head(rec);
                let body = rec.get(HEAD + h.origin..).unwrap_or_default();
                let d = compact::decode(body, h.micros, h.file, h.line);
                let m = &d.message;
                topic_names(cfg.topics.as_ref(), d.topics, &mut names);
                let start = out.len();
                r.render(m, d.person.unwrap_or(&m.sender), &names, &mut out);
                if cfg.format.is_parquet() {
                    super::parquet::set_seq(&mut out[start..], d.seq);
                }
            }
            out
        })
        .collect()
}

fn scratch_read(source: std::io::Error) -> Error {
    Error::Io {
        what: "reading a sort scratch file".into(),
        source,
    }
}

impl Run {
    fn into_bufs(self) -> Vec<Vec<u8>> {
        match self {
            Run::Mem(b) => b,
            Run::Disk(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::alias::Aliases;
    use crate::analysis::topics::{Lexicon, TopicMatcher};
    use crate::formats::{self, ParseCtx};
    use crate::output::MessageFormat;
    use crate::time::Zone;

    fn cfg(format: MessageFormat, dedup: bool) -> StreamConfig {
        StreamConfig {
            format,
            tz: Zone::Utc,
            unsorted: false,
            dedup,
            raw_csv: false,
            strict: false,
            filter: Default::default(),
            aliases: Aliases::none(),
            topics: Some(TopicMatcher::new(&Lexicon::builtin()).unwrap()),
            parquet: Default::default(),
            fields: None,
        }
    }

    /// Fixtures `(format, text)` parsed as files 0.. of one table, one part per file.
    fn parts<'t>(text: &'t [(&str, String)]) -> Vec<Vec<Message<'t>>> {
        text.iter()
            .enumerate()
            .map(|(i, (format, t))| {
                let format = formats::by_name(format).unwrap();
                let ctx = ParseCtx::new(i as u32, "x", Zone::Utc);
                formats::parse_text(format, t, &ctx, usize::MAX).messages
            })
            .collect()
    }

    fn merged(
        batches: &[&[Vec<Message<'_>>]],
        c: &StreamConfig,
        table: &FileTable,
        dir: &std::path::Path,
        budget: usize,
    ) -> Vec<u8> {
        let pool = BufPool::default();
        let mut runs = SortedRuns::new(dir.to_path_buf(), c.dedup, budget);
        for b in batches {
            runs.add(b, None, c, table, &pool).unwrap();
        }
        let mut out = Vec::new();
        runs.finish(c, table, &pool, &mut out).unwrap();
        out
    }

    #[test]
    fn runs_spilled_and_merged_give_the_bytes_of_one_sort_and_leave_no_scratch_file() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/");
        let read = |p: &str| std::fs::read_to_string(format!("{root}{p}")).unwrap();
        // The same chats twice (as other files), so times tie across batches and --dedup has
        // repeats to drop across runs.
        let conti = "demo/conti/10.0.0.7-20210304.json";
        let texts: Vec<(&str, String)> = [
            ("isoon", "demo/isoon/1.md"),
            ("conti-jabber", conti),
            ("isoon", "demo/isoon/2.md"),
            ("isoon", "demo/isoon/1.md"),
            ("conti-jabber", conti),
        ]
        .iter()
        .map(|(f, p)| (*f, read(p)))
        .collect();
        let table = FileTable {
            paths: (0..texts.len()).map(|i| format!("f{i}")).collect(),
            formats: vec!["?"; texts.len()],
        };
        let all = parts(&texts);
        assert!(all.iter().map(Vec::len).sum::<usize>() > 100);
        let dir = tempfile::tempdir().unwrap();
        for format in [MessageFormat::Jsonl, MessageFormat::Csv] {
            for dedup in [false, true] {
                let c = cfg(format, dedup);
                let one = merged(&[&all], &c, &table, dir.path(), 0);
                assert!(!one.is_empty());
                for cut in [[1, 2], [2, 4], [1, 4]] {
                    let batches = [&all[..cut[0]], &all[cut[0]..cut[1]], &all[cut[1]..]];
                    // Spilled to disk (budget 0), held in memory, and spilled from the middle.
                    for budget in [0, usize::MAX, one.len() / 2] {
                        let many = merged(&batches, &c, &table, dir.path(), budget);
                        assert!(
                            one == many,
                            "{format:?} dedup={dedup} cut={cut:?} budget={budget}"
                        );
                    }
                }
                if dedup {
                    let plain = merged(&[&all], &cfg(format, false), &table, dir.path(), 0);
                    assert!(one.len() < plain.len(), "repeats across files were dropped");
                }
            }
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
