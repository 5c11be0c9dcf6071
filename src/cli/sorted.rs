//! Sorted message output in bounded memory. Each batch's messages are sorted and rendered
//! into a *run*: the rows in order, each with its sort key. The first run stays in memory;
//! when a second comes, runs go to scratch files (beside the output, removed when done or
//! interrupted). At the end the runs are merged. The merged order is exactly the order one
//! sort of every message gives: (time, source, line), then input order, because a batch holds
//! later input than every batch before it, so ties between runs go to the earlier run.
//!
//! Memory is one batch's messages plus the first run's rows, whatever the input size; disk is
//! about the size of the output.

use super::messages::{BufPool, StreamConfig, dedup_key, dedup_sorted, sorted_order, topic_names};
use anyhow::{Context, Result};
use chatsift::analysis::topics::TopicSet;
use chatsift::model::Message;
use chatsift::output::atomic::ScratchFile;
use chatsift::output::{FileTable, Renderer};
use rayon::prelude::*;
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::PathBuf;

/// Bytes before each row's text in a run: time (µs), file id, line, origin length, row
/// length, dedup key.
const HEAD: usize = 8 + 4 + 8 + 4 + 8 + 16;

/// The rows of every batch so far, to be merged into sorted output.
pub struct SortedRuns {
    /// Where scratch files go.
    dir: PathBuf,
    dedup: bool,
    runs: Vec<Run>,
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
    Mem {
        bufs: &'r [Vec<u8>],
        buf: usize,
        at: usize,
    },
    Disk(BufReader<&'r std::fs::File>),
}

impl Reader<'_> {
    /// The next record into `rec` (cleared first); false at the end of the run.
    fn next(&mut self, rec: &mut Vec<u8>) -> std::io::Result<bool> {
        rec.clear();
        match self {
            Reader::Mem { bufs, buf, at } => {
                while *buf < bufs.len() && *at >= bufs[*buf].len() {
                    *buf += 1;
                    *at = 0;
                }
                let Some(b) = bufs.get(*buf) else {
                    return Ok(false);
                };
                let h = head(&b[*at..]);
                let end = *at + HEAD + h.origin + h.row;
                rec.extend_from_slice(&b[*at..end]);
                *at = end;
                Ok(true)
            }
            Reader::Disk(r) => {
                rec.resize(HEAD, 0);
                match r.read_exact(&mut rec[..HEAD]) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
                    Err(e) => return Err(e),
                }
                let h = head(rec);
                let n = h.origin + h.row;
                rec.resize(HEAD + n, 0);
                r.read_exact(&mut rec[HEAD..])?;
                Ok(true)
            }
        }
    }
}

impl SortedRuns {
    /// No runs yet; scratch files will go to `dir`.
    pub fn new(dir: PathBuf, dedup: bool) -> SortedRuns {
        SortedRuns {
            dir,
            dedup,
            runs: Vec::new(),
        }
    }

    /// Sorts and renders one batch (`parts`: one vector per parsed chunk, in input order;
    /// `sets`: their topics when already matched) as a run.
    pub fn add(
        &mut self,
        parts: &[Vec<Message<'_>>],
        sets: Option<&[Vec<TopicSet>]>,
        cfg: &StreamConfig,
        table: &FileTable,
        pool: &BufPool,
    ) -> Result<()> {
        let mut order = sorted_order(parts, table);
        if order.is_empty() {
            return Ok(());
        }
        if cfg.dedup {
            dedup_sorted(&mut order, parts);
        }
        let bufs: Vec<Vec<u8>> = order
            .par_chunks(4096)
            .map(|c| {
                let mut r = Renderer::new(cfg.format, cfg.tz, cfg.raw_csv, table);
                let mut people = cfg.aliases.resolver();
                let mut names = Vec::new();
                let mut buf = pool.get();
                let msg = |k: &super::messages::Key| k.message(parts);
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
                    let person = people.person_of(m).unwrap_or(&m.sender);
                    let set = match sets {
                        Some(s) => k.topics(s),
                        None => matched.get(i).copied(),
                    };
                    topic_names(cfg.topics.as_ref(), set, &mut names);
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
                    r.render(m, person, &names, &mut buf);
                    let len = (buf.len() - start) as u64;
                    buf[at + 24..at + 32].copy_from_slice(&len.to_le_bytes());
                }
                buf
            })
            .collect();
        if self.runs.is_empty() {
            self.runs.push(Run::Mem(bufs));
            return Ok(());
        }
        if let Some(Run::Mem(first)) = self.runs.first() {
            let spilled = self.spill(first)?;
            for b in std::mem::replace(&mut self.runs[0], Run::Disk(spilled)).into_bufs() {
                pool.put(b);
            }
        }
        let run = self.spill(&bufs)?;
        for b in bufs {
            pool.put(b);
        }
        self.runs.push(Run::Disk(run));
        Ok(())
    }

    /// Writes a run's buffers to a new scratch file.
    fn spill(&self, bufs: &[Vec<u8>]) -> Result<ScratchFile> {
        let what = || format!("cannot write a sort scratch file in {}", self.dir.display());
        let f = ScratchFile::create(&self.dir).with_context(what)?;
        {
            let mut w = BufWriter::with_capacity(1 << 20, f.file());
            for b in bufs {
                w.write_all(b).with_context(what)?;
            }
            w.flush().with_context(what)?;
        }
        Ok(f)
    }

    /// Merges every run into `out`, in order (dropping `--dedup` repeats across runs).
    pub fn finish(self, table: &FileTable, out: &mut dyn Write) -> Result<()> {
        let mut readers = Vec::with_capacity(self.runs.len());
        for run in &self.runs {
            readers.push(match run {
                Run::Mem(bufs) => Reader::Mem {
                    bufs,
                    buf: 0,
                    at: 0,
                },
                Run::Disk(f) => {
                    let mut file = f.file();
                    file.rewind()
                        .with_context(|| format!("cannot read {}", f.path().display()))?;
                    Reader::Disk(BufReader::with_capacity(256 << 10, file))
                }
            });
        }
        let mut recs: Vec<Vec<u8>> = vec![Vec::new(); readers.len()];
        // The heap holds each run's next row: (time, source, line, run); ties go to the
        // earlier run, which holds earlier input.
        let mut heap: BinaryHeap<Reverse<MergeKey<'_>>> = BinaryHeap::new();
        let key = |rec: &[u8], run: usize| {
            let h = head(rec);
            let source = if h.origin > 0 {
                Cow::Owned(String::from_utf8_lossy(&rec[HEAD..HEAD + h.origin]).into_owned())
            } else {
                Cow::Borrowed(table.paths.get(h.file as usize).map_or("?", |s| s.as_str()))
            };
            Reverse((h.micros, source, h.line, run))
        };
        for (i, r) in readers.iter_mut().enumerate() {
            if r.next(&mut recs[i])
                .context("reading a sort scratch file")?
            {
                heap.push(key(&recs[i], i));
            }
        }
        let mut group: HashSet<u128, foldhash::fast::FixedState> = HashSet::default();
        let mut group_micros = i64::MIN;
        while let Some(Reverse((_, _, _, i))) = heap.pop() {
            let rec = &recs[i];
            let h = head(rec);
            let repeat = self.dedup && {
                if h.micros != group_micros {
                    group.clear();
                    group_micros = h.micros;
                }
                !group.insert(h.key)
            };
            if !repeat {
                out.write_all(&rec[HEAD + h.origin..])?;
            }
            if readers[i]
                .next(&mut recs[i])
                .context("reading a sort scratch file")?
            {
                heap.push(key(&recs[i], i));
            }
        }
        Ok(())
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
    use chatsift::analysis::alias::Aliases;
    use chatsift::analysis::topics::{Lexicon, TopicMatcher};
    use chatsift::formats::{self, ParseCtx};
    use chatsift::output::MessageFormat;
    use chatsift::time::Zone;

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
    ) -> Vec<u8> {
        let pool = BufPool::default();
        let mut runs = SortedRuns::new(dir.to_path_buf(), c.dedup);
        for b in batches {
            runs.add(b, None, c, table, &pool).unwrap();
        }
        let mut out = Vec::new();
        runs.finish(table, &mut out).unwrap();
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
                let one = merged(&[&all], &c, &table, dir.path());
                assert!(!one.is_empty());
                for cut in [[1, 2], [2, 4], [1, 4]] {
                    let batches = [&all[..cut[0]], &all[cut[0]..cut[1]], &all[cut[1]..]];
                    let many = merged(&batches, &c, &table, dir.path());
                    assert!(one == many, "{format:?} dedup={dedup} cut={cut:?}");
                }
                if dedup {
                    let plain = merged(&[&all], &cfg(format, false), &table, dir.path());
                    assert!(one.len() < plain.len(), "repeats across files were dropped");
                }
            }
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
