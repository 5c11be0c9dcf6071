//! What `inspect` counts per input file: messages by kind, first and last, senders, and the
//! hours for the zone hint; with alias suggestions, every id seen.

use super::suggest::IdSet;
use super::tzhint::HourHistogram;
use super::{FastSet, Filter};
use crate::error::Result;
use crate::formats::Sink;
use crate::job::Job;
use crate::model::{Kind, Message, Problem};
use crate::pipeline::{self, Report};
use std::borrow::Cow;
use std::collections::HashMap;

/// Per-file statistics, mergeable across chunks.
#[derive(Debug, Default, Clone)]
pub struct FileStats {
    /// Messages kept by the filter.
    pub messages: u64,
    /// Of them, per [`Kind::ALL`].
    pub kinds: [u64; 6],
    /// The earliest (µs, fractional digits).
    pub first: Option<(i64, u8)>,
    /// The latest.
    pub last: Option<(i64, u8)>,
    /// Messages per sender id.
    pub senders: HashMap<String, u64>,
    /// Hours of the non-system messages, for the zone hint.
    pub hours: HourHistogram,
}

impl FileStats {
    /// The senders, most messages first (ties by id).
    pub fn sorted_senders(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.senders.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }

    fn merge_chunk(&mut self, c: ChunkStats<'_, '_>) {
        self.messages += c.messages;
        for (a, b) in self.kinds.iter_mut().zip(c.kinds) {
            *a += b;
        }
        if let Some(f) = c.first
            && self.first.is_none_or(|s| f.0 < s.0)
        {
            self.first = Some(f);
        }
        if let Some(l) = c.last
            && self.last.is_none_or(|s| l.0 > s.0)
        {
            self.last = Some(l);
        }
        for (k, v) in c.senders {
            *self.senders.entry(k.into_owned()).or_default() += v;
        }
        self.hours.merge(&c.hours);
    }
}

struct ChunkStats<'t, 'f> {
    filter: &'f Filter,
    messages: u64,
    kinds: [u64; 6],
    first: Option<(i64, u8)>,
    last: Option<(i64, u8)>,
    senders: HashMap<Cow<'t, str>, u64>,
    hours: HourHistogram,
    /// Sender and recipient ids, with --suggest-aliases.
    ids: Option<FastSet<Cow<'t, str>>>,
}

impl<'t> Sink<'t> for ChunkStats<'t, '_> {
    fn message(&mut self, m: Message<'t>) {
        if !self.filter.keep(&m, &m.sender) {
            return;
        }
        self.messages += 1;
        let k = Kind::ALL.iter().position(|k| *k == m.kind).unwrap_or(0);
        self.kinds[k] += 1;
        let t = (m.time.micros, m.time.frac_digits);
        if self.first.is_none_or(|f| t.0 < f.0) {
            self.first = Some(t);
        }
        if self.last.is_none_or(|l| t.0 > l.0) {
            self.last = Some(t);
        }
        if m.kind != Kind::System {
            self.hours.add(m.time.micros);
        }
        if let Some(ids) = &mut self.ids {
            ids.insert(m.sender.clone());
            if let Some(r) = m.recipient {
                ids.insert(r);
            }
        }
        *self.senders.entry(m.sender).or_default() += 1;
    }
    fn problem(&mut self, _p: Problem) {}
}

/// What `inspect` found: the run's report, one [`FileStats`] per input file (in the order of
/// [`Report::files`]) and, with suggestions, every id seen.
#[derive(Debug)]
pub struct Inspection {
    /// What was read.
    pub report: Report,
    /// Per file.
    pub stats: Vec<FileStats>,
    /// Sender and recipient ids (empty unless asked for).
    pub ids: IdSet,
}

impl Inspection {
    /// Every file's hours together: the whole input's zone evidence.
    pub fn all_hours(&self) -> HourHistogram {
        let mut all = HourHistogram::new();
        for s in &self.stats {
            all.merge(&s.hours);
        }
        all
    }
}

/// Reads every input of `job` (messages kept by `filter` only) into per-file statistics;
/// with `suggest`, also collects the ids for alias suggestions.
pub fn inspect(job: &Job, filter: &Filter, suggest: bool) -> Result<Inspection> {
    let mut stats: Vec<FileStats> = vec![FileStats::default(); job.files.len()];
    let mut ids = IdSet::new();
    let report = pipeline::run(
        &job.files,
        &job.options,
        job.walk_problems.clone(),
        |mut batch| -> Result<()> {
            let parts = batch.parse(|_| ChunkStats {
                filter,
                messages: 0,
                kinds: [0; 6],
                first: None,
                last: None,
                senders: HashMap::new(),
                hours: HourHistogram::new(),
                ids: suggest.then(FastSet::default),
            });
            for (job, mut part) in batch.jobs.iter().zip(parts) {
                for id in part.ids.take().into_iter().flatten() {
                    ids.insert(&id);
                }
                if let Some(s) = stats.get_mut(job.file as usize) {
                    s.merge_chunk(part);
                }
            }
            Ok(())
        },
    )?;
    Ok(Inspection { report, stats, ids })
}
