//! `report`: everything in one pass over the input, written into one folder.
//!
//! Writes into the folder (created if missing; every file atomically):
//! - `messages.csv` (the `messages --to csv` stream, sorted; without it, memory stays bounded
//!   by the aggregates instead of the input),
//! - `timeline.csv`, `people.csv`, `topics.csv`, `edges.csv` and `graph.gexf` (rooms as
//!   nodes), `files.csv` (what `inspect` says per input) and `problems.csv`,
//! - every chart as PNG and SVG (`heatmap`, `activity`, `calendar`, `people`, `topics`),
//! - `index.html`: one self-contained page (see `page.rs`).

mod page;

use super::atomic::{AtomicFile, write_file};
use super::chart::ChartFormat;
use super::chart::views::{self, ChartKind};
use super::sort::{SortedRuns, memory_budget};
use super::stream::{BufPool, StreamConfig, always_sort, continues_order};
use super::{FileTable, MessageFormat, Renderer, table};
use crate::analysis::bundle::Bundle;
use crate::analysis::people::WorkWeek;
use crate::analysis::timeline::Bucket;
use crate::analysis::topics::{TopicMatcher, TopicSet};
use crate::analysis::tzhint::ZoneHint;
use crate::analysis::{Accumulator, HOLD, Observer, hold_for};
use crate::error::{Error, Result};
use crate::formats::Sink;
use crate::job::{Job, Selection};
use crate::model::{Kind, Message, Problem};
use crate::pipeline::{self, Report};
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How to write a report.
#[derive(Debug, Clone)]
pub struct ReportSettings {
    /// The folder to write into (created if missing).
    pub dir: PathBuf,
    /// Bucket of timeline.csv and topics.csv.
    pub by: Bucket,
    /// How many people the activity and people charts and the page's table show.
    pub top: usize,
    /// Working hours and weekend days, for the after-hours share.
    pub work: WorkWeek,
    /// Write messages.csv.
    pub messages: bool,
    /// Write CSV cells verbatim.
    pub raw_csv: bool,
    /// Page and chart title.
    pub title: String,
    /// The inputs as given (the page names them, sorted).
    pub inputs: Vec<String>,
    /// The output zone as given (`UTC`, `+08:00`, `Asia/Shanghai`).
    pub tz_name: String,
    /// Whether the zone was chosen (else the zone hint may warn).
    pub tz_given: bool,
    /// Whether the lexicon is the built-in one (the page then gives its measured quality).
    pub builtin_lexicon: bool,
}

/// A written report: the run's report, and the zone warning when there is one.
#[derive(Debug)]
pub struct Written {
    /// What was read.
    pub report: Report,
    /// Said when no zone was given and the hint is confident the writers were not at UTC.
    pub zone_warning: Option<String>,
}

/// Writes a report of `job` into `settings.dir`. A run that fails (`--strict`, a full disk,
/// …) leaves no folder it created.
pub fn write_report(
    job: &Job,
    selection: &Selection,
    matcher: &TopicMatcher,
    settings: &ReportSettings,
) -> Result<Written> {
    // The folders this run creates, innermost first, so a failed run can take them away.
    let mut created = Vec::new();
    let mut d = settings.dir.as_path();
    while !d.as_os_str().is_empty() && std::fs::symlink_metadata(d).is_err() {
        created.push(d.to_path_buf());
        d = d.parent().unwrap_or(Path::new(""));
    }
    // First as if the input were in order (messages.csv written batch by batch); input
    // found out of order after rows were written starts again, sorted.
    let result = match write_all(job, selection, matcher, settings, !always_sort()) {
        Ok(Some(w)) => Ok(w),
        Ok(None) => write_all(job, selection, matcher, settings, false)
            .and_then(|w| w.ok_or_else(|| Error::Invalid("the sort was stopped".into()))),
        Err(e) => Err(e),
    };
    if result.is_err() {
        // Only empty folders go (`remove_dir`); anything else found there stays.
        for d in &created {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
        }
    }
    result
}

/// One chunk's share: the aggregates, and the messages themselves for messages.csv. Topics
/// are matched [`HOLD`] messages at a time.
struct ReportSink<'t, 's> {
    observer: Observer<'s>,
    matcher: &'s TopicMatcher,
    acc: Bundle,
    keep: bool,
    held: Vec<Message<'t>>,
    matched: Vec<TopicSet>,
    kept: Vec<Message<'t>>,
    sets: Vec<TopicSet>,
    kinds: [u64; Kind::ALL.len()],
}

impl ReportSink<'_, '_> {
    fn flush(&mut self) {
        self.matcher.match_messages(&self.held, &mut self.matched);
        for (m, set) in self.held.drain(..).zip(&self.matched) {
            if let Some(set) = self.observer.observe_with(&m, &mut self.acc, Some(*set)) {
                if let Some(k) = Kind::ALL.iter().position(|k| *k == m.kind) {
                    self.kinds[k] += 1;
                }
                if self.keep {
                    self.kept.push(m);
                    self.sets.push(set);
                }
            }
        }
    }
}

impl<'t> Sink<'t> for ReportSink<'t, '_> {
    fn message(&mut self, m: Message<'t>) {
        self.held.push(m);
        if self.held.len() == HOLD {
            self.flush();
        }
    }
    fn problem(&mut self, _p: Problem) {}
    fn finish(&mut self) {
        self.flush();
    }
}

/// What was read and aggregated: the page and the tables are written from it.
struct Outputs<'a> {
    settings: &'a ReportSettings,
    report: &'a Report,
    acc: &'a Bundle,
    kinds: [u64; Kind::ALL.len()],
    matcher: &'a TopicMatcher,
    include_system: bool,
}

fn write_all(
    job: &Job,
    selection: &Selection,
    matcher: &TopicMatcher,
    s: &ReportSettings,
    speculate: bool,
) -> Result<Option<Written>> {
    let dir = &s.dir;
    let folder = |source| Error::Folder {
        path: dir.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(folder)?;
    if !dir.is_dir() {
        return Err(Error::Invalid(format!("{} is not a folder", dir.display())));
    }
    let settings = job.settings(selection, Some(matcher));
    let keep = s.messages;
    let cfg = StreamConfig {
        format: MessageFormat::Csv,
        tz: job.tz,
        unsorted: false,
        dedup: false,
        raw_csv: s.raw_csv,
        strict: job.strict,
        filter: selection.filter.clone(),
        aliases: selection.aliases.clone(),
        topics: Some(matcher.clone()),
        parquet: Default::default(),
        fields: None,
    };
    // messages.csv: each batch sorted into a run, spilled beside the report past the first,
    // merged at the end (memory stays bounded by the batch, not the input).
    let mut runs = SortedRuns::new(dir.to_path_buf(), false, memory_budget());
    let n = matcher.len();
    let mut total = Bundle::new(s.by, s.work, n);
    let mut kinds = [0u64; Kind::ALL.len()];
    let mut table = FileTable {
        paths: job.files.iter().map(|f| f.path.clone()).collect(),
        formats: vec!["?"; job.files.len()],
    };
    let pool = BufPool::default();
    let messages_path = dir.join("messages.csv");
    let create = |source| Error::Create {
        path: messages_path.clone(),
        source,
    };
    let mut messages_file = if keep {
        Some(AtomicFile::create(&messages_path).map_err(create)?)
    } else {
        None
    };
    let header = Renderer::new(MessageFormat::Csv, job.tz, s.raw_csv, &table).header();
    if let Some(f) = messages_file.as_mut() {
        f.write_all(&header)
            .map_err(|e| Error::from(e).writing(&messages_path))?;
    }
    // While every message so far is in the sorted order, each batch's rows are written as
    // they come instead of held to the end (see `stream::Order::Speculate`).
    let mut speculating = speculate && messages_file.as_ref().is_some_and(|f| f.replaceable());
    let mut last = None;
    let mut stopped = false;
    let report = pipeline::run(
        &job.files,
        &job.options,
        job.walk_problems.clone(),
        |mut batch| -> Result<()> {
            for j in &batch.jobs {
                if let Some(f) = table.formats.get_mut(j.file as usize) {
                    *f = j.format.name();
                }
            }
            let sinks = batch.parse_grouped(|job| ReportSink {
                observer: Observer::new(&settings),
                matcher,
                acc: Bundle::new(s.by, s.work, n),
                keep,
                held: Vec::with_capacity(hold_for(job.size_hint())),
                matched: Vec::with_capacity(hold_for(job.size_hint())),
                kept: Vec::with_capacity(if keep { job.size_hint() / 100 + 1 } else { 0 }),
                sets: Vec::new(),
                kinds: [0; Kind::ALL.len()],
            });
            job.check_strict(batch.report())?;
            let mut parts = Vec::with_capacity(if keep { sinks.len() } else { 0 });
            let mut sets = Vec::with_capacity(parts.capacity());
            for mut sink in sinks {
                if let Some(c) = sink.observer.conflict() {
                    return Err(Error::Alias(c));
                }
                total.merge(sink.acc);
                for (a, b) in kinds.iter_mut().zip(sink.kinds) {
                    *a += b;
                }
                if keep {
                    parts.push(sink.kept);
                    sets.push(sink.sets);
                }
            }
            if keep {
                let in_order = speculating && continues_order(&parts, &mut last);
                runs.add(&parts, Some(&sets), &cfg, &table, &pool)?;
                if in_order && let Some(f) = messages_file.as_mut() {
                    runs.write_held(&cfg, &table, &pool, f)
                        .map_err(|e| e.writing(&messages_path))?;
                } else if speculating && last.is_some() {
                    stopped = true;
                    return Err(Error::Invalid("input out of order".into()));
                } else {
                    speculating = false;
                }
            }
            Ok(())
        },
    );
    if stopped {
        return Ok(None);
    }
    let report = report?;
    if let Some(mut f) = messages_file {
        runs.finish(&cfg, &table, &pool, &mut f)
            .map_err(|e| e.writing(&messages_path))?;
        f.commit().map_err(create)?;
    }
    let out = Outputs {
        settings: s,
        report: &report,
        acc: &total,
        kinds,
        matcher,
        include_system: selection.include_system,
    };
    out.write_tables()?;
    let pngs = out.write_charts()?;
    let html = out.page(&pngs);
    write_file(&dir.join("index.html"), html.as_bytes())?;
    let zone_warning = zone_warning(total.zones.total().hint().as_ref(), s.tz_given);
    Ok(Some(Written {
        report,
        zone_warning,
    }))
}

/// The warning when no zone was given and the zone hint is confident (high or medium) that
/// the writers were not at UTC.
pub fn zone_warning(hint: Option<&ZoneHint>, tz_given: bool) -> Option<String> {
    let h = hint?;
    if tz_given || h.label == "low" || h.holds(0) {
        return None;
    }
    Some(format!(
        "--tz was not given, so hours and charts are in UTC, but the messages look like a day at {} (fits {}; confidence {}): consider --tz {}",
        h.offset(),
        h.range(),
        h.label,
        h.offset()
    ))
}

/// The chart kinds a report draws, with their file stems and captions.
const CHARTS: [(ChartKind, &str, &str); 5] = [
    (
        ChartKind::Topics,
        "topics",
        "Topics over time (rate per 1,000 messages)",
    ),
    (
        ChartKind::Heatmap,
        "heatmap",
        "When messages were sent: hour × weekday",
    ),
    (
        ChartKind::Activity,
        "activity",
        "Activity per person over time",
    ),
    (ChartKind::Calendar, "calendar", "Messages per day"),
    (ChartKind::People, "people", "Top senders"),
];

impl Outputs<'_> {
    /// The CSVs of the other commands.
    fn write_tables(&self) -> Result<()> {
        let (raw, acc, dir) = (self.settings.raw_csv, self.acc, &self.settings.dir);
        let timeline = acc.timeline.as_ref().unwrap_or(&acc.overview.timeline);
        let mut buf = Vec::new();
        table::timeline::write_long(timeline, false, raw, &mut buf);
        write_file(&dir.join("timeline.csv"), &buf)?;
        buf.clear();
        table::people::write_csv(&acc.people, raw, &mut buf);
        write_file(&dir.join("people.csv"), &buf)?;
        buf.clear();
        let by_trend = if self.settings.by == Bucket::Day {
            acc.trend.clone()
        } else {
            acc.trend.rebucket(self.settings.by)
        };
        let (ids, labels) = (self.matcher.ids(), self.matcher.labels());
        table::topics::write_csv(&by_trend, ids, labels, false, raw, &mut buf);
        write_file(&dir.join("topics.csv"), &buf)?;
        // Rooms as nodes: a person → channel edge per member, linear in the members (person →
        // person edges for every pair of room members grow with their square).
        let (nodes, edges) = acc.graph.clone().finish_all(true);
        buf.clear();
        table::edges::write_csv(&edges, raw, &mut buf);
        write_file(&dir.join("edges.csv"), &buf)?;
        buf.clear();
        super::gexf::write_gexf(&nodes, &edges, &mut buf);
        write_file(&dir.join("graph.gexf"), &buf)?;
        buf.clear();
        table::files::write_csv(self.report, raw, &mut buf);
        write_file(&dir.join("files.csv"), &buf)?;
        buf.clear();
        table::problems::write_csv(self.report, raw, &mut buf);
        write_file(&dir.join("problems.csv"), &buf)
    }

    /// Every chart, PNG and SVG, drawn in parallel; returns the PNGs for the page.
    fn write_charts(&self) -> Result<Vec<Vec<u8>>> {
        let (acc, s) = (self.acc, self.settings);
        let sub = views::subtitle(&s.inputs, acc.overview.activity.total(), &s.tz_name);
        let rendered: Vec<Result<(Vec<u8>, Vec<u8>)>> = CHARTS
            .par_iter()
            .map(|(kind, _, _)| {
                let c = match kind {
                    ChartKind::Topics => views::topics_chart(
                        &acc.trend,
                        self.matcher.ids(),
                        self.matcher.labels(),
                        &[],
                        None,
                        sub.clone(),
                    ),
                    k => views::draw(*k, &acc.overview, s.top, None, sub.clone()),
                };
                Ok((c.render(ChartFormat::Png)?, c.render(ChartFormat::Svg)?))
            })
            .collect();
        let mut pngs = Vec::with_capacity(CHARTS.len());
        for ((_, stem, _), r) in CHARTS.iter().zip(rendered) {
            let (png, svg) = r?;
            write_file(&s.dir.join(format!("{stem}.png")), &png)?;
            write_file(&s.dir.join(format!("{stem}.svg")), &svg)?;
            pngs.push(png);
        }
        Ok(pngs)
    }
}
