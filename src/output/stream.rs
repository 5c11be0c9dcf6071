//! The message stream, written: JSONL, CSV, Timesketch CSV or plaso l2tcsv, sorted or in
//! input order.
//!
//! Sorted output (the default) orders by (time, source, line): each batch of input is sorted
//! into a run of compact records, runs past the memory budget spill to scratch files beside
//! the output, and the runs are merged and rendered ([`super::sort`]), so memory is bounded
//! whatever the input size. Input already in that order ([`in_stream_order`]) and unsorted
//! output stream in input order, rendered on the workers, without runs.

use super::atomic::AtomicFile;
use super::sort::{SortedRuns, memory_budget};
use super::{FileTable, MessageFormat, Renderer, parquet};
use crate::analysis::alias::{AliasConflict, Aliases, Resolver};
use crate::analysis::topics::{TopicMatcher, TopicSet};
use crate::analysis::{Filter, HOLD, hold_for};
use crate::error::{Error, Result};
use crate::formats::Sink;
use crate::job::Job;
use crate::model::{Message, Problem};
use crate::pipeline::{self, Report};
use crate::time::Zone;
use rayon::prelude::*;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How to write the stream.
#[derive(Debug, Clone)]
pub struct StreamConfig {
    /// Output format.
    pub format: MessageFormat,
    /// Output zone for `local_time`.
    pub tz: Zone,
    /// Stream in input order.
    pub unsorted: bool,
    /// Drop exact repeats.
    pub dedup: bool,
    /// No CSV neutralizing.
    pub raw_csv: bool,
    /// Stop at the first problem.
    pub strict: bool,
    /// Which messages to keep.
    pub filter: Filter,
    /// Who is who.
    pub aliases: Aliases,
    /// Fills the `topics` field.
    pub topics: Option<TopicMatcher>,
    /// Compression, shard and metadata of Parquet output.
    pub parquet: super::parquet::ParquetOptions,
    /// With `--fields`: only these fields, in this order (JSONL and CSV).
    pub fields: Option<Vec<super::Field>>,
}

/// Writes the message stream of `job` to `path` atomically, or to standard output when
/// `path` is None or `-`. Sorted runs spill beside the output ([`scratch_dir`]).
pub fn write_messages(job: &Job, cfg: &StreamConfig, path: Option<&Path>) -> Result<Report> {
    if cfg.format.is_parquet() {
        let Some(path) = path.filter(|p| p.as_os_str() != "-") else {
            return Err(Error::Invalid(
                "Parquet output needs -o FILE.parquet or -o FOLDER/ (a dataset), not standard output".into(),
            ));
        };
        let dataset = cfg.format == MessageFormat::ParquetDataset || parquet::is_dataset_path(path);
        let (target, scratch) = if dataset {
            (
                parquet::Target::Dataset(path.to_path_buf()),
                path.to_path_buf(),
            )
        } else {
            (
                parquet::Target::File(path.to_path_buf()),
                scratch_dir(Some(path)),
            )
        };
        let mut out = parquet::ParquetOut::new(target, &cfg.parquet)?;
        let report = write_stream(job, cfg, &scratch, &mut out).map_err(|e| e.writing(path))?;
        out.finish()?;
        return Ok(report);
    }
    match path.filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            let create = |source| Error::Create {
                path: path.to_path_buf(),
                source,
            };
            let mut file = AtomicFile::create(path).map_err(create)?;
            let report = write_stream(job, cfg, &scratch_dir(Some(path)), &mut file)
                .map_err(|e| e.writing(path))?;
            file.commit().map_err(create)?;
            Ok(report)
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            let report = write_stream(job, cfg, &scratch_dir(None), &mut out)?;
            out.flush().map_err(|source| Error::Io {
                what: "writing stdout".into(),
                source,
            })?;
            Ok(report)
        }
    }
}

/// Reads every input of `job` and writes the message stream to `out`; sorted output
/// spills sorted runs to `scratch` when the input is more than one batch.
pub fn write_stream(
    job: &Job,
    cfg: &StreamConfig,
    scratch: &Path,
    out: &mut dyn Write,
) -> Result<Report> {
    let mut table = FileTable {
        paths: job.files.iter().map(|f| f.path.clone()).collect(),
        formats: vec!["?"; job.files.len()],
    };
    let header = Renderer::new(cfg.format, cfg.tz, cfg.raw_csv, &table)
        .with_fields(cfg.fields.as_deref())
        .header();
    out.write_all(&header)?;
    let opts = job.options;
    // Input already in the stream's order (one export, or logs named by date) streams as it
    // is read: the same bytes as sorting it, in the memory of the unsorted stream.
    let mut surveys = pipeline::Surveys::default();
    let unsorted = cfg.unsorted || in_stream_order(job, &mut surveys);
    let mut runs = SortedRuns::new(scratch.to_path_buf(), cfg.dedup, memory_budget());
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
    let pool = BufPool::default();
    let mut seq = 0u64;
    let report = pipeline::run_surveyed(
        &job.files,
        &opts,
        job.walk_problems.clone(),
        &mut surveys,
        |mut batch| -> Result<()> {
            for j in &batch.jobs {
                if let Some(f) = table.formats.get_mut(j.file as usize) {
                    *f = j.format.name();
                }
            }
            let table = &table;
            if unsorted {
                let outs = batch.parse_grouped(|job| StreamSink {
                    topics: cfg.topics.as_ref(),
                    names: Vec::new(),
                    held: Vec::with_capacity(hold_for(job.size_hint())),
                    sets: Vec::with_capacity(hold_for(job.size_hint())),
                    renderer: Renderer::new(cfg.format, cfg.tz, cfg.raw_csv, table)
                        .with_people(&cfg.aliases)
                        .with_fields(cfg.fields.as_deref()),
                    filter: &cfg.filter,
                    resolver: cfg.aliases.resolver(),
                    conflict: None,
                    dedup: cfg.dedup,
                    buf: pool.get_for(job.size_hint()),
                    ends: Vec::new(),
                });
                check_strict(cfg, batch.report())?;
                if let Some(c) = outs.iter().find_map(|o| o.conflict.clone()) {
                    return Err(Error::Alias(c));
                }
                for mut o in outs {
                    if cfg.format.is_parquet() && cfg.dedup {
                        // Records come in input order; the writer numbers those left unset as
                        // they arrive, but --dedup drops some first, and `seq` counts before
                        // --dedup: number them here.
                        let spans: Vec<(usize, usize)> = parquet::record_spans(&o.buf).collect();
                        for (a, b) in spans {
                            parquet::set_seq(&mut o.buf[a..b], seq);
                            seq += 1;
                        }
                    }
                    if cfg.dedup {
                        let mut start = 0;
                        for &(key, end) in &o.ends {
                            if seen.insert(key) {
                                out.write_all(&o.buf[start..end])?;
                            }
                            start = end;
                        }
                    } else {
                        out.write_all(&o.buf)?;
                    }
                    pool.put(o.buf);
                }
            } else {
                let parts = batch.parse_grouped(|job| Kept {
                    filter: &cfg.filter,
                    resolver: cfg.aliases.resolver(),
                    conflict: None,
                    // About one message per 100 bytes: no regrowth on typical chats.
                    messages: Vec::with_capacity(job.size_hint() / 100 + 1),
                });
                check_strict(cfg, batch.report())?;
                if let Some(c) = parts.iter().find_map(|p| p.conflict.clone()) {
                    return Err(Error::Alias(c));
                }
                let parts: Vec<Vec<Message<'_>>> = parts.into_iter().map(|p| p.messages).collect();
                runs.add(&parts, None, cfg, table, &pool)?;
            }
            Ok(())
        },
    )?;
    if !unsorted {
        runs.finish(cfg, &table, &pool, out)?;
    }
    Ok(report)
}

/// `CHATSIFT_ALWAYS_SORT=1`: sorted output always takes the sort, even for input in order
/// (to compare the two, and to time the sort on the bench's in-order corpora).
pub(crate) fn always_sort() -> bool {
    std::env::var_os("CHATSIFT_ALWAYS_SORT").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Whether `m` sorts at or after `last` (the key of the message before it), by (time, file,
/// line); moves `last` to `m`'s key. A message with its own source (re-imported) orders by
/// that source's name, not its file's, so it never counts as following.
fn follows(m: &Message<'_>, last: &mut Option<(i64, u32, u64)>) -> bool {
    let k = (m.time.micros, m.loc.file, m.loc.line);
    let ok = m.origin.is_none() && last.is_none_or(|l| k >= l);
    *last = Some(k);
    ok
}

/// Whether the messages of `parts` (in input order) continue the sorted order after `last`,
/// the key of the last message before them; moves `last` to their last key. Messages with
/// their own source (re-imported) never count as in order.
pub(crate) fn continues_order(
    parts: &[Vec<Message<'_>>],
    last: &mut Option<(i64, u32, u64)>,
) -> bool {
    let mut prev = *last;
    for m in parts.iter().flatten() {
        if !follows(m, &mut prev) {
            return false;
        }
    }
    *last = prev;
    true
}

/// Whether every message of `job`, in input order, already comes in the stream's sorted
/// order (time, then file, then line), so that sorting would not move any of them. A parse
/// without topics or rendering that stops at the first message out of order (for inputs
/// of many overlapping chats, in the first batch). Messages re-imported with their own
/// source (`chatsift-jsonl` and Parquet rows with an origin) order by that source's name
/// instead of the file's, so they always take the sort.
///
/// The surveys it runs are kept in `surveys` for the pass it decides.
pub(crate) fn in_stream_order(job: &Job, surveys: &mut pipeline::Surveys) -> bool {
    if always_sort() {
        return false;
    }
    #[derive(Default)]
    struct Order {
        first: Option<(i64, u32, u64)>,
        last: Option<(i64, u32, u64)>,
        in_order: bool,
    }
    impl<'a> Sink<'a> for Order {
        fn message(&mut self, m: Message<'a>) {
            if self.first.is_none() {
                self.first = Some((m.time.micros, m.loc.file, m.loc.line));
            }
            self.in_order &= follows(&m, &mut self.last);
        }
        fn problem(&mut self, _: Problem) {}
    }
    struct OutOfOrder;
    let mut opts = job.options;
    opts.progress = false;
    opts.keep_problems = 0;
    let mut last: Option<(i64, u32, u64)> = None;
    pipeline::run_surveyed(&job.files, &opts, Vec::new(), surveys, |mut batch| {
        let chunks = batch.parse_grouped(|_| Order {
            in_order: true,
            ..Order::default()
        });
        for c in chunks {
            if !c.in_order || c.first.zip(last).is_some_and(|(f, l)| f < l) {
                return Err(OutOfOrder);
            }
            last = c.last.or(last);
        }
        Ok(())
    })
    .is_ok()
}

/// Where sorted runs spill for output to `target`: beside it (the same disk), or the system's
/// temporary folder for standard output and devices.
pub(crate) fn scratch_dir(target: Option<&Path>) -> PathBuf {
    match target {
        Some(t) if std::fs::metadata(t).map_or(true, |m| m.is_file()) => match t.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        },
        _ => std::env::temp_dir(),
    }
}

fn check_strict(cfg: &StreamConfig, report: &Report) -> Result<()> {
    if cfg.strict
        && let Some(stop) = crate::error::StrictStop::first(report)
    {
        return Err(stop.into());
    }
    Ok(())
}

/// Where a message is in the parsed parts, with its sort key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    micros: i64,
    file: u32,
    line: u64,
    part: u32,
    idx: u32,
}

impl Key {
    /// Which parsed part the message is in, and its place there.
    pub(crate) fn place(&self) -> (usize, u32) {
        (self.part as usize, self.idx)
    }
    /// The message this key points at in `parts`.
    pub(crate) fn message<'p, 't>(&self, parts: &'p [Vec<Message<'t>>]) -> &'p Message<'t> {
        &parts[self.part as usize][self.idx as usize]
    }
    /// Its topics in `sets` (parallel to the parts), if matched.
    pub(crate) fn topics(&self, sets: &[Vec<TopicSet>]) -> Option<TopicSet> {
        sets.get(self.part as usize)
            .and_then(|p| p.get(self.idx as usize))
            .copied()
    }
}

/// The stream order of every message: by (time, source, line), ties in input order. Sorts
/// small keys, not messages; compares source paths as strings only when re-imported messages
/// carry their own.
pub(crate) fn sorted_order(parts: &[Vec<Message<'_>>], table: &FileTable) -> Vec<Key> {
    let mut order: Vec<Key> = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    let mut origins = false;
    for (p, msgs) in parts.iter().enumerate() {
        for (i, m) in msgs.iter().enumerate() {
            origins |= m.origin.is_some();
            order.push(Key {
                micros: m.time.micros,
                // File ids follow the sorted display paths, so ids order like sources.
                file: m.loc.file,
                line: m.loc.line,
                part: p as u32,
                idx: i as u32,
            });
        }
    }
    if origins {
        let msg = |k: &Key| &parts[k.part as usize][k.idx as usize];
        order.par_sort_unstable_by(|a, b| {
            a.micros.cmp(&b.micros).then_with(|| {
                let (sa, _, la, _) = table.provenance(msg(a));
                let (sb, _, lb, _) = table.provenance(msg(b));
                sa.cmp(sb)
                    .then(la.cmp(&lb))
                    .then((a.part, a.idx).cmp(&(b.part, b.idx)))
            })
        });
    } else {
        order.par_sort_unstable();
    }
    order
}

/// Drops exact repeats (same time, sender, recipient, channel, body) from a sorted order,
/// keeping the first.
pub(crate) fn dedup_sorted(order: &mut Vec<Key>, parts: &[Vec<Message<'_>>]) {
    let msg = |k: &Key| &parts[k.part as usize][k.idx as usize];
    let mut keep = vec![true; order.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && order[j].micros == order[i].micros {
            j += 1;
        }
        if j - i > 1 {
            let mut group: HashSet<(&str, Option<&str>, Option<&str>, &str)> = HashSet::new();
            for (k, key) in order[i..j].iter().enumerate() {
                let m = msg(key);
                let id = (
                    m.sender.as_ref(),
                    m.recipient.as_deref(),
                    m.channel.as_deref(),
                    m.body.as_ref(),
                );
                if !group.insert(id) {
                    keep[i + k] = false;
                }
            }
        }
        i = j;
    }
    let mut k = keep.iter();
    order.retain(|_| *k.next().unwrap_or(&true));
}

/// Output buffers reused across slices, so large buffers are not freshly mapped (and
/// zeroed by the kernel) for every slice.
#[derive(Default)]
pub(crate) struct BufPool(std::sync::Mutex<Vec<Vec<u8>>>);

impl BufPool {
    /// A cleared buffer for the output of `input` bytes: a small one of its own for a small
    /// input (a batch may hold thousands of tiny files at once), else one from the pool.
    pub(crate) fn get_for(&self, input: usize) -> Vec<u8> {
        if input < 64 << 10 {
            Vec::with_capacity(4 * input + 256)
        } else {
            self.get()
        }
    }
    /// A cleared buffer.
    pub(crate) fn get(&self) -> Vec<u8> {
        self.0
            .lock()
            .ok()
            .and_then(|mut v| v.pop())
            .unwrap_or_else(|| Vec::with_capacity(1 << 20))
    }
    /// Gives a buffer back for reuse.
    pub(crate) fn put(&self, mut b: Vec<u8>) {
        b.clear();
        if let Ok(mut v) = self.0.lock()
            && v.len() < 64
        {
            v.push(b);
        }
    }
}

/// The ids of a topic set, into `names` (cleared first).
pub(crate) fn topic_names<'m>(
    topics: Option<&'m TopicMatcher>,
    set: Option<TopicSet>,
    names: &mut Vec<&'m str>,
) {
    names.clear();
    if let (Some(t), Some(set)) = (topics, set) {
        names.extend(
            set.iter()
                .filter_map(|i| t.ids().get(i).map(String::as_str)),
        );
    }
}

/// The 128-bit dedup key of a message for streaming dedup.
pub(crate) fn dedup_key(m: &Message<'_>) -> (u64, u64) {
    let mut a = std::collections::hash_map::DefaultHasher::new();
    let mut b = std::collections::hash_map::DefaultHasher::new();
    0xC5u8.hash(&mut b);
    for h in [&mut a, &mut b] {
        m.time.micros.hash(h);
        m.sender.hash(h);
        m.recipient.hash(h);
        m.channel.hash(h);
        m.body.hash(h);
    }
    (a.finish(), b.finish())
}

/// Keeps filtered messages of one chunk.
struct Kept<'t, 'f> {
    filter: &'f Filter,
    resolver: Resolver<'f>,
    conflict: Option<Box<AliasConflict>>,
    messages: Vec<Message<'t>>,
}

impl<'t> Sink<'t> for Kept<'t, '_> {
    fn message(&mut self, m: Message<'t>) {
        let keep = match self.resolver.person_of(&m) {
            Ok(person) => self.filter.keep(&m, person),
            Err(c) => {
                self.conflict.get_or_insert(c);
                false
            }
        };
        if keep {
            self.messages.push(m);
        }
    }
    fn problem(&mut self, _p: Problem) {}
}

/// Renders filtered messages of one chunk as they come.
struct StreamSink<'t, 'f> {
    topics: Option<&'f TopicMatcher>,
    names: Vec<&'f str>,
    /// Messages waiting for their topics (matched [`HOLD`] at a time, which is faster).
    held: Vec<(Message<'t>, Option<&'f str>)>,
    sets: Vec<TopicSet>,
    renderer: Renderer<'f>,
    filter: &'f Filter,
    resolver: Resolver<'f>,
    conflict: Option<Box<AliasConflict>>,
    dedup: bool,
    buf: Vec<u8>,
    ends: Vec<((u64, u64), usize)>,
}

impl<'t> StreamSink<'t, '_> {
    fn render_held(&mut self) {
        self.sets.clear();
        if let Some(t) = self.topics {
            t.matches_batch(
                self.held.iter().map(|(m, _)| (m.body.as_ref(), m.kind)),
                &mut self.sets,
            );
        }
        for (i, (m, alias)) in self.held.drain(..).enumerate() {
            topic_names(self.topics, self.sets.get(i).copied(), &mut self.names);
            let person = alias.or(m.name.as_deref()).unwrap_or(&m.sender);
            self.renderer.render(&m, person, &self.names, &mut self.buf);
            if self.dedup {
                self.ends.push((dedup_key(&m), self.buf.len()));
            }
        }
    }
}

impl<'t> Sink<'t> for StreamSink<'t, '_> {
    fn message(&mut self, m: Message<'t>) {
        // The person is the alias of the sender id, else of the display name, else the
        // display name or the id (as `Resolver::person_of`), kept as the alias alone.
        let alias = match self.resolver.alias_of(&m) {
            Ok(a) => a,
            Err(c) => {
                self.conflict.get_or_insert(c);
                return;
            }
        };
        let person = alias.or(m.name.as_deref()).unwrap_or(&m.sender);
        if !self.filter.keep(&m, person) {
            return;
        }
        self.held.push((m, alias));
        if self.held.len() == HOLD {
            self.render_held();
        }
    }
    fn problem(&mut self, _p: Problem) {}
    fn finish(&mut self) {
        self.render_held();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Options;

    fn in_order(paths: &[&str]) -> bool {
        let root = env!("CARGO_MANIFEST_DIR");
        let paths: Vec<String> = paths.iter().map(|p| format!("{root}/{p}")).collect();
        let job = Job::open(&paths, Options::default(), Zone::Utc).unwrap();
        in_stream_order(&job, &mut pipeline::Surveys::default())
    }

    #[test]
    fn logs_named_by_date_are_in_order_and_overlapping_chats_are_not() {
        // Conti's daily logs, and Black Basta's one log, come in time order.
        assert!(in_order(&["testdata/demo/conti"]));
        assert!(in_order(&["testdata/demo/blackbasta"]));
        // Two i-SOON chats span the same weeks; the whole demo mixes leaks.
        assert!(!in_order(&["testdata/demo/isoon"]));
        assert!(!in_order(&["testdata/demo"]));
        // Re-imported messages order by their own source: always sorted.
        assert!(!in_order(&["testdata/chatsift/messages.jsonl"]));
    }
}
