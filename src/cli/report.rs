//! `chatsift report PATH… -o DIR`: everything in one pass over the input.
//!
//! Writes into DIR (created if missing; every file atomically):
//! - `messages.csv` (the `messages --to csv` stream, sorted; `--no-messages` leaves it out
//!   and keeps memory bounded by the aggregates instead of the input),
//! - `timeline.csv` (`timeline --by`), `people.csv`, `topics.csv` (`topics --by`),
//!   `edges.csv` and `graph.gexf` (`graph --channels-as-nodes`), `files.csv` (what `inspect` says per input) and
//!   `problems.csv` (every kept problem with file and line),
//! - every chart as PNG and SVG (`heatmap`, `activity`, `calendar`, `people`, `topics`),
//! - `index.html`: one self-contained page (charts inlined as `data:` PNGs, no scripts, no
//!   requests; everything from the input escaped) with the summary, the charts, the top
//!   people and topics with example messages, the files and the problems.

use super::chart::{self as chart_cli, Overview};
use super::common::{self, FilterArgs, InputArgs, thousands};
use super::messages::{self, BufPool, StreamConfig};
use super::sorted::{SortedRuns, memory_budget};
use anyhow::{Context, Result, bail};
use chatsift::analysis::graph::Graph;
use chatsift::analysis::people::{People, WorkWeek};
use chatsift::analysis::timeline::{Bucket, Instant, Timeline};
use chatsift::analysis::topics::{TopicMatcher, TopicSet};
use chatsift::analysis::trend::Trend;
use chatsift::analysis::tzhint::{MIN_MESSAGES, ZoneEvidence, ZoneHint};
use chatsift::analysis::{Accumulator, FastMap, HOLD, Observation, Observer, Settings};
use chatsift::formats::Sink;
use chatsift::model::{Kind, Message, Problem};
use chatsift::output::atomic::AtomicFile;
use chatsift::output::chart::ChartFormat;
use chatsift::output::html::{Cell, Page};
use chatsift::output::{FileTable, MessageFormat, write_csv_row};
use chatsift::pipeline::{self, Report};
use clap::Args;
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `report` options.
#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    filter: FilterArgs,
    /// The folder to write into (created if missing).
    #[arg(short = 'o', long, value_name = "DIR")]
    output: PathBuf,
    /// Bucket of timeline.csv and topics.csv: hour, day, week or month, in --tz.
    #[arg(long, default_value = "week", value_name = "SIZE")]
    by: Bucket,
    /// How many people the activity and people charts and the page's table show.
    #[arg(long, default_value_t = 20, value_name = "N")]
    top: usize,
    /// Working hours in --tz, for the after-hours share.
    #[arg(long, default_value = "09:00-18:00", value_name = "HH:MM-HH:MM")]
    workday: String,
    /// Weekend days, comma-separated (mon … sun).
    #[arg(long, default_value = "sat,sun", value_name = "DAYS")]
    weekend: String,
    /// Leave out messages.csv: memory then stays bounded by the aggregates, not the input.
    #[arg(long)]
    no_messages: bool,
    /// Write CSV cells verbatim (no `'` before formula characters).
    #[arg(long)]
    raw_csv: bool,
    /// Page and chart title (default: "chatsift report").
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
}

/// Example messages kept per topic for the page.
const EXAMPLES: usize = 3;

/// Everything the report aggregates, in one accumulator.
#[derive(Debug)]
pub struct ReportAcc {
    /// Hours × weekdays, days, and per-person days (charts).
    pub overview: Overview,
    /// The `--by` timeline, when it is not days.
    pub timeline: Option<Timeline>,
    /// The people table.
    pub people: People,
    /// Topic counts per day, with examples.
    pub trend: Trend,
    /// Per topic: matching messages per person.
    pub topic_people: Vec<FastMap<String, u64>>,
    /// Who writes to whom.
    pub graph: Graph,
    /// Hours of the messages per file, for the zone hint.
    pub zones: ZoneEvidence,
}

impl ReportAcc {
    fn new(by: Bucket, work: WorkWeek, topics: usize) -> ReportAcc {
        ReportAcc {
            overview: Overview::new(),
            timeline: (by != Bucket::Day).then(|| Timeline::new(by)),
            people: People::new(work),
            trend: Trend::new(Bucket::Day, topics, false, EXAMPLES),
            topic_people: vec![FastMap::default(); topics],
            graph: Graph::new(),
            zones: ZoneEvidence::new(),
        }
    }
}

impl Accumulator for ReportAcc {
    fn observe(&mut self, o: &Observation<'_, '_>) {
        self.overview.observe(o);
        if let Some(t) = &mut self.timeline {
            t.observe(o);
        }
        self.people.observe(o);
        self.trend.observe(o);
        for t in o.topics.iter() {
            if let Some(m) = self.topic_people.get_mut(t) {
                match m.get_mut(o.person) {
                    Some(n) => *n += 1,
                    None => {
                        m.insert(o.person.to_string(), 1);
                    }
                }
            }
        }
        self.graph.observe(o);
        self.zones.observe(o);
    }
    fn merge(&mut self, later: ReportAcc) {
        self.overview.merge(later.overview);
        if let (Some(a), Some(b)) = (&mut self.timeline, later.timeline) {
            a.merge(b);
        }
        self.people.merge(later.people);
        self.trend.merge(later.trend);
        for (a, b) in self.topic_people.iter_mut().zip(later.topic_people) {
            for (k, v) in b {
                *a.entry(k).or_insert(0) += v;
            }
        }
        self.graph.merge(later.graph);
        self.zones.merge(later.zones);
    }
}

/// One chunk's share: the aggregates, and the messages themselves for messages.csv. Topics
/// are matched [`HOLD`] messages at a time.
struct ReportSink<'t, 's> {
    observer: Observer<'s>,
    matcher: &'s TopicMatcher,
    acc: ReportAcc,
    keep: bool,
    held: Vec<Message<'t>>,
    matched: Vec<TopicSet>,
    kept: Vec<Message<'t>>,
    sets: Vec<TopicSet>,
    kinds: [u64; Kind::ALL.len()],
}

impl ReportSink<'_, '_> {
    fn flush(&mut self) {
        self.matched.clear();
        self.matcher.matches_batch(
            self.held.iter().map(|m| (m.body.as_ref(), m.kind)),
            &mut self.matched,
        );
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

/// Runs `report`. A run that fails (`--strict`, a full disk, …) leaves no folder it created.
pub fn run(args: ReportArgs) -> Result<()> {
    // The folders this run creates, innermost first, so a failed run can take them away.
    let mut created = Vec::new();
    let mut d = args.output.as_path();
    while !d.as_os_str().is_empty() && std::fs::symlink_metadata(d).is_err() {
        created.push(d.to_path_buf());
        d = d.parent().unwrap_or(std::path::Path::new(""));
    }
    let result = write_report(args);
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

fn write_report(args: ReportArgs) -> Result<()> {
    let work = WorkWeek::parse(&args.workday, &args.weekend)?;
    let setup = args.input.setup()?;
    let dir = &args.output;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    if !dir.is_dir() {
        bail!("{} is not a folder", dir.display());
    }
    let aliases = args.filter.aliases()?;
    let filter = args.filter.filter(setup.tz, &args.filter.to)?;
    let matcher = args.filter.topics()?;
    let settings = Settings {
        tz: setup.tz,
        aliases: &aliases,
        filter: &filter,
        include_system: args.filter.include_system,
        topics: Some(&matcher),
    };
    let keep = !args.no_messages;
    let cfg = StreamConfig {
        format: MessageFormat::Csv,
        tz: setup.tz,
        unsorted: false,
        dedup: false,
        raw_csv: args.raw_csv,
        strict: setup.strict,
        filter: filter.clone(),
        aliases: aliases.clone(),
        topics: Some(matcher.clone()),
    };
    let opts = setup.options;
    // messages.csv: each batch sorted into a run, spilled beside the report past the first,
    // merged at the end (memory stays bounded by the batch, not the input).
    let mut runs = SortedRuns::new(dir.to_path_buf(), false, memory_budget());
    let n = matcher.len();
    let mut total = ReportAcc::new(args.by, work, n);
    let mut kinds = [0u64; Kind::ALL.len()];
    let mut table = FileTable {
        paths: setup.walk_files.iter().map(|f| f.path.clone()).collect(),
        formats: vec!["?"; setup.walk_files.len()],
    };
    let pool = BufPool::default();
    let messages_path = dir.join("messages.csv");
    let messages_file = if keep {
        Some(
            AtomicFile::create(&messages_path)
                .with_context(|| format!("cannot write {}", messages_path.display()))?,
        )
    } else {
        None
    };
    let report = pipeline::run(
        &setup.walk_files,
        &opts,
        setup.walk_problems.clone(),
        |mut batch| -> Result<()> {
            for j in &batch.jobs {
                if let Some(f) = table.formats.get_mut(j.file as usize) {
                    *f = j.format.name();
                }
            }
            let sinks = batch.parse_grouped(|job| ReportSink {
                observer: Observer::new(&settings),
                matcher: &matcher,
                acc: ReportAcc::new(args.by, work, n),
                keep,
                held: Vec::with_capacity(messages::hold_for(job.chunk.text.len())),
                matched: Vec::with_capacity(messages::hold_for(job.chunk.text.len())),
                kept: Vec::with_capacity(if keep {
                    job.chunk.text.len() / 100 + 1
                } else {
                    0
                }),
                sets: Vec::new(),
                kinds: [0; Kind::ALL.len()],
            });
            if setup.strict
                && let Some(stop) = common::strict_stop(batch.report())
            {
                return Err(stop.into());
            }
            let mut parts = Vec::with_capacity(if keep { sinks.len() } else { 0 });
            let mut sets = Vec::with_capacity(parts.capacity());
            for mut s in sinks {
                if let Some(c) = s.observer.conflict() {
                    return Err((*c).into());
                }
                total.merge(s.acc);
                for (a, b) in kinds.iter_mut().zip(s.kinds) {
                    *a += b;
                }
                if keep {
                    parts.push(s.kept);
                    sets.push(s.sets);
                }
            }
            if keep {
                runs.add(&parts, Some(&sets), &cfg, &table, &pool)?;
            }
            Ok(())
        },
    )?;
    if let Some(mut f) = messages_file {
        let header =
            chatsift::output::Renderer::new(MessageFormat::Csv, setup.tz, args.raw_csv, &table)
                .header();
        f.write_all(&header)?;
        runs.finish(&table, &mut f)?;
        f.commit()
            .with_context(|| format!("cannot write {}", messages_path.display()))?;
    }
    let out = Outputs {
        args: &args,
        dir,
        report: &report,
        acc: &total,
        kinds,
        matcher: &matcher,
        tz: &args.input.tz,
    };
    out.write_all()?;
    common::print_summary(&report, setup.quiet);
    if !setup.quiet {
        if let Some(w) = zone_warning(total.zones.total().hint().as_ref(), tz_given()) {
            eprintln!("chatsift: warning: {w}");
        }
        eprintln!(
            "chatsift: report written to {}",
            dir.join("index.html").display()
        );
    }
    Ok(())
}

/// Whether `--tz` was on the command line (its default, UTC, cannot tell).
fn tz_given() -> bool {
    std::env::args_os().any(|a| {
        let a = a.to_string_lossy();
        a == "--tz" || a.starts_with("--tz=")
    })
}

/// The warning when `--tz` was not given and the zone hint is confident (high or medium)
/// that the writers were not at UTC.
fn zone_warning(hint: Option<&ZoneHint>, tz_given: bool) -> Option<String> {
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

/// The summary's zone hint line.
fn zone_fact(zones: &ZoneEvidence) -> String {
    let all = zones.total();
    match all.hint() {
        Some(h) => h.describe(),
        None => format!(
            "too few messages ({}; a hint needs {})",
            thousands(all.total()),
            thousands(MIN_MESSAGES)
        ),
    }
}

/// Writes `bytes` to `dir/name` atomically.
fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(name);
    let mut f =
        AtomicFile::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    f.commit()
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The chart kinds a report draws, with their file stems and captions.
const CHARTS: [(chart_cli::Kind, &str, &str); 5] = [
    (
        chart_cli::Kind::Topics,
        "topics",
        "Topics over time (rate per 1,000 messages)",
    ),
    (
        chart_cli::Kind::Heatmap,
        "heatmap",
        "When messages were sent: hour × weekday",
    ),
    (
        chart_cli::Kind::Activity,
        "activity",
        "Activity per person over time",
    ),
    (chart_cli::Kind::Calendar, "calendar", "Messages per day"),
    (chart_cli::Kind::People, "people", "Top senders"),
];

struct Outputs<'a> {
    args: &'a ReportArgs,
    dir: &'a Path,
    report: &'a Report,
    acc: &'a ReportAcc,
    kinds: [u64; Kind::ALL.len()],
    matcher: &'a TopicMatcher,
    tz: &'a str,
}

impl Outputs<'_> {
    fn write_all(&self) -> Result<()> {
        let raw = self.args.raw_csv;
        let acc = self.acc;
        // The CSVs of the other commands.
        let timeline = acc.timeline.as_ref().unwrap_or(&acc.overview.timeline);
        let mut buf = Vec::new();
        super::timeline::write_long(timeline, false, raw, &mut buf);
        write_file(self.dir, "timeline.csv", &buf)?;
        buf.clear();
        super::people::write_csv(&acc.people, raw, &mut buf);
        write_file(self.dir, "people.csv", &buf)?;
        buf.clear();
        let by_trend = if self.args.by == Bucket::Day {
            acc.trend.clone()
        } else {
            acc.trend.rebucket(self.args.by)
        };
        super::topics::write_csv(
            &by_trend,
            self.matcher.ids(),
            self.matcher.labels(),
            false,
            raw,
            &mut buf,
        );
        write_file(self.dir, "topics.csv", &buf)?;
        // Rooms as nodes: a person → channel edge per member, linear in the members (person →
        // person edges for every pair of room members grow with their square).
        let (nodes, edges) = acc.graph.clone().finish_all(true);
        buf.clear();
        super::graph::write_edges_csv(&edges, raw, &mut buf);
        write_file(self.dir, "edges.csv", &buf)?;
        buf.clear();
        super::graph::write_gexf(&nodes, &edges, &mut buf);
        write_file(self.dir, "graph.gexf", &buf)?;
        buf.clear();
        self.files_csv(&mut buf);
        write_file(self.dir, "files.csv", &buf)?;
        buf.clear();
        self.problems_csv(&mut buf);
        write_file(self.dir, "problems.csv", &buf)?;

        // Every chart, PNG and SVG, drawn in parallel; the PNGs go into the page too.
        let title = self.args.title.as_deref();
        let sub = chart_cli::subtitle(
            &self.args.input.paths,
            acc.overview.activity.total(),
            self.tz,
        );
        let rendered: Vec<Result<(Vec<u8>, Vec<u8>)>> = CHARTS
            .par_iter()
            .map(|(kind, _, _)| {
                let c = match kind {
                    chart_cli::Kind::Topics => chart_cli::topics_chart(
                        &acc.trend,
                        self.matcher.ids(),
                        self.matcher.labels(),
                        &[],
                        None,
                        sub.clone(),
                    ),
                    k => chart_cli::draw(*k, &acc.overview, self.args.top, None, sub.clone()),
                };
                Ok((c.render(ChartFormat::Png)?, c.render(ChartFormat::Svg)?))
            })
            .collect();
        let mut pngs = Vec::with_capacity(CHARTS.len());
        for ((_, stem, _), r) in CHARTS.iter().zip(rendered) {
            let (png, svg) = r?;
            write_file(self.dir, &format!("{stem}.png"), &png)?;
            write_file(self.dir, &format!("{stem}.svg"), &svg)?;
            pngs.push(png);
        }
        let html = self.page(title.unwrap_or("chatsift report"), &pngs);
        write_file(self.dir, "index.html", html.as_bytes())
    }

    fn files_csv(&self, buf: &mut Vec<u8>) {
        write_csv_row(
            buf,
            [
                "path", "format", "encoding", "bytes", "messages", "problems", "skipped", "note",
            ]
            .iter()
            .map(|c| c.as_bytes()),
        );
        let raw = self.args.raw_csv;
        for f in &self.report.files {
            let cells = [
                common::cell(&f.path, raw),
                f.format.unwrap_or("").as_bytes().to_vec(),
                common::cell(&f.encoding, raw),
                f.bytes.to_string().into_bytes(),
                f.messages.to_string().into_bytes(),
                f.problems.to_string().into_bytes(),
                common::cell(f.skipped.as_deref().unwrap_or(""), raw),
                common::cell(f.note.as_deref().unwrap_or(""), raw),
            ];
            write_csv_row(buf, cells.iter().map(|c| &c[..]));
        }
        for w in &self.report.walk_problems {
            let cells = [
                common::cell(&w.path, raw),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                common::cell(&w.what, raw),
                Vec::new(),
            ];
            write_csv_row(buf, cells.iter().map(|c| &c[..]));
        }
    }

    fn problems_csv(&self, buf: &mut Vec<u8>) {
        write_csv_row(
            buf,
            ["source", "line", "offset", "problem"]
                .iter()
                .map(|c| c.as_bytes()),
        );
        let raw = self.args.raw_csv;
        for p in &self.report.problems {
            let cells = [
                common::cell(self.report.path(p.loc.file), raw),
                p.loc.line.to_string().into_bytes(),
                p.loc.offset.to_string().into_bytes(),
                common::cell(&p.what, raw),
            ];
            write_csv_row(buf, cells.iter().map(|c| &c[..]));
        }
    }

    fn page(&self, title: &str, pngs: &[Vec<u8>]) -> String {
        let acc = self.acc;
        let report = self.report;
        let mut p = Page::new();
        let stamp = |t: &Instant| String::from_utf8(common::local_stamp(t)).unwrap_or_default();

        // Summary.
        p.section("summary", "Summary");
        let people = acc.overview.timeline.people_by_activity();
        let (first, last) =
            acc.people
                .rows()
                .iter()
                .fold((None::<Instant>, None::<Instant>), |(f, l), (_, s)| {
                    let f = match (f, s.first) {
                        (Some(a), Some(b)) => Some(if b.micros < a.micros { b } else { a }),
                        (a, b) => a.or(b),
                    };
                    let l = match (l, s.last) {
                        (Some(a), Some(b)) => Some(if b.micros > a.micros { b } else { a }),
                        (a, b) => a.or(b),
                    };
                    (f, l)
                });
        let skipped = report.files.len() - report.files_read();
        let kinds: Vec<String> = Kind::ALL
            .iter()
            .zip(self.kinds)
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{} {}", thousands(n), k.as_str()))
            .collect();
        let mut facts = vec![
            (
                "Inputs",
                common::shown_inputs(&self.args.input.paths).join(", "),
            ),
            (
                "Files",
                format!(
                    "{} read, {} skipped (not chats, empty or unreadable), {} unreadable paths",
                    thousands(report.files_read() as u64),
                    thousands(skipped as u64),
                    thousands(report.walk_problems.len() as u64)
                ),
            ),
            (
                "Messages",
                format!(
                    "{} read; {} kept after filters ({})",
                    thousands(report.messages()),
                    thousands(self.kinds.iter().sum()),
                    if kinds.is_empty() {
                        "none".into()
                    } else {
                        kinds.join(", ")
                    }
                ),
            ),
            (
                "Counted in charts",
                format!(
                    "{} messages{}",
                    thousands(acc.overview.activity.total()),
                    if self.args.filter.include_system {
                        ", system rows included"
                    } else {
                        " (system rows left out; --include-system counts them)"
                    }
                ),
            ),
            ("People", thousands(people.len() as u64)),
            (
                "First and last message",
                match (first, last) {
                    (Some(f), Some(l)) => format!("{} … {}", stamp(&f), stamp(&l)),
                    _ => "none".into(),
                },
            ),
            ("Zone of times and charts", self.tz.to_string()),
            (
                "Zone hint (offset whose hours look most like a day)",
                zone_fact(&acc.zones),
            ),
            (
                "Problems",
                format!(
                    "{} (malformed records were skipped and are listed below and in problems.csv)",
                    thousands(report.problem_count())
                ),
            ),
        ];
        if let Some(w) = zone_warning(acc.zones.total().hint().as_ref(), tz_given()) {
            facts.push(("Warning", w));
        }
        if acc.people.out_of_order() > 0 {
            facts.push((
                "Out of order",
                format!(
                    "{} messages older than the one before them in their conversation (not counted as replies)",
                    thousands(acc.people.out_of_order())
                ),
            ));
        }
        p.facts(&facts);

        // Charts.
        p.section("charts", "Charts");
        for ((_, stem, caption), png) in CHARTS.iter().zip(pngs) {
            let (png_name, svg_name) = (format!("{stem}.png"), format!("{stem}.svg"));
            p.figure(
                stem,
                png,
                caption,
                &[("PNG", png_name.as_str()), ("SVG", svg_name.as_str())],
            );
        }

        // People.
        p.section("people", "Top people");
        let rows = acc.people.rows();
        let shown = self.args.top.max(1);
        let table: Vec<Vec<Cell<'_>>> = rows
            .iter()
            .take(shown)
            .map(|(name, s)| {
                let mut ids: Vec<&str> = s.ids.keys().map(String::as_str).collect();
                ids.sort_unstable();
                let share = |n: u64| format!("{:.0}%", n as f64 * 100.0 / s.messages.max(1) as f64);
                let top: Vec<String> = s
                    .top_correspondents(3)
                    .into_iter()
                    .map(|(c, n)| format!("{c} ({n})"))
                    .collect();
                vec![
                    Cell::Text(Cow::Borrowed(*name)),
                    Cell::Code(Cow::Owned(ids.join(", "))),
                    Cell::Num(thousands(s.messages)),
                    Cell::Text(Cow::Owned(s.first.map(|t| stamp(&t)).unwrap_or_default())),
                    Cell::Text(Cow::Owned(s.last.map(|t| stamp(&t)).unwrap_or_default())),
                    Cell::Num(s.active_days().to_string()),
                    Cell::Num(share(s.after_hours)),
                    Cell::Num(share(s.weekend)),
                    Cell::Num(
                        s.busiest_hour()
                            .map(|h| format!("{h:02}:00"))
                            .unwrap_or_default(),
                    ),
                    Cell::Text(Cow::Owned(top.join("; "))),
                ]
            })
            .collect();
        p.table(
            "people",
            &[
                "person",
                "ids",
                "messages",
                "first",
                "last",
                "active days",
                "after hours",
                "weekend",
                "busiest hour",
                "writes most to",
            ],
            &table,
        );
        if rows.len() > shown {
            p.note(&format!(
                "Top {shown} of {} people by messages; all are in people.csv.",
                thousands(rows.len() as u64)
            ));
        }

        // Topics.
        p.section("topics", "Topics");
        let total: u64 = acc.trend.buckets().iter().map(|(_, c)| c.total).sum();
        p.note(&format!(
            "Messages matching each topic of the lexicon, of {} messages (system and encrypted rows never match). Examples are the first matches in input order, for checking what the lexicon caught.",
            thousands(total)
        ));
        let mut order: Vec<(usize, u64)> = (0..self.matcher.len())
            .map(|t| {
                let hits = acc
                    .trend
                    .buckets()
                    .iter()
                    .map(|(_, c)| c.hits.get(t).copied().unwrap_or(0))
                    .sum();
                (t, hits)
            })
            .collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let topic_rows: Vec<Vec<Cell<'_>>> = order
            .iter()
            .map(|&(t, hits)| {
                let mut who: Vec<(&str, u64)> = acc.topic_people[t]
                    .iter()
                    .map(|(k, v)| (k.as_str(), *v))
                    .collect();
                who.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                let who: Vec<String> = who
                    .iter()
                    .take(3)
                    .map(|(p, n)| format!("{p} ({n})"))
                    .collect();
                vec![
                    Cell::Code(Cow::Borrowed(self.matcher.ids()[t].as_str())),
                    Cell::Text(Cow::Borrowed(self.matcher.labels()[t].as_str())),
                    Cell::Num(thousands(hits)),
                    Cell::Num(format!("{:.1}", hits as f64 * 1000.0 / total.max(1) as f64)),
                    Cell::Text(Cow::Owned(who.join("; "))),
                ]
            })
            .collect();
        p.table(
            "topics",
            &["topic", "label", "messages", "per 1,000", "voiced most by"],
            &topic_rows,
        );
        // How far to trust each line: the built-in lexicon's measured held-out quality.
        if self.args.filter.lexicon.is_none() {
            for &(t, _) in &order {
                let id = self.matcher.ids()[t].as_str();
                if let Some(q) = chatsift::analysis::topic_eval::quality_note(id) {
                    p.note(&format!("{id}: {q}"));
                }
            }
        }
        for &(t, hits) in &order {
            if hits == 0 {
                continue;
            }
            p.para(&format!(
                "{} ({}): examples",
                self.matcher.ids()[t],
                self.matcher.labels()[t]
            ));
            for e in acc.trend.examples(t) {
                let source = e.source.as_deref().unwrap_or_else(|| report.path(e.file));
                p.quote(
                    &e.person,
                    &stamp(&e.time),
                    &format!("{source}:{}", e.line),
                    &e.body,
                );
            }
        }

        // Files and problems.
        p.section("files", "Files");
        let file_rows: Vec<Vec<Cell<'_>>> = report
            .files
            .iter()
            .take(500)
            .map(|f| {
                vec![
                    Cell::Code(Cow::Borrowed(f.path.as_str())),
                    Cell::Text(Cow::Borrowed(f.format.unwrap_or("—"))),
                    Cell::Num(thousands(f.messages)),
                    Cell::Num(thousands(f.problems)),
                    Cell::Text(Cow::Owned(
                        f.skipped
                            .clone()
                            .or_else(|| f.note.clone())
                            .unwrap_or_default(),
                    )),
                ]
            })
            .collect();
        p.table(
            "files",
            &["file", "format", "messages", "problems", "note"],
            &file_rows,
        );
        if report.files.len() > 500 {
            p.note(&format!(
                "First 500 of {} files; all are in files.csv.",
                thousands(report.files.len() as u64)
            ));
        }
        p.section("problems", "Problems");
        if report.problems.is_empty() && report.walk_problems.is_empty() {
            p.para("None: every record was read.");
        } else {
            let prob_rows: Vec<Vec<Cell<'_>>> = report
                .walk_problems
                .iter()
                .map(|w| {
                    vec![
                        Cell::Code(Cow::Borrowed(w.path.as_str())),
                        Cell::Num(String::new()),
                        Cell::Text(Cow::Borrowed(w.what.as_str())),
                    ]
                })
                .chain(report.problems.iter().take(200).map(|pr| {
                    vec![
                        Cell::Code(Cow::Borrowed(report.path(pr.loc.file))),
                        Cell::Num(pr.loc.line.to_string()),
                        Cell::Text(Cow::Borrowed(pr.what.as_str())),
                    ]
                }))
                .collect();
            p.table("problems", &["file", "line", "problem"], &prob_rows);
            if report.problems.len() > 200 {
                p.note(&format!(
                    "First 200 of {} problems; all kept ones are in problems.csv.",
                    thousands(report.problem_count())
                ));
            }
        }

        // The files beside the page.
        p.section("outputs", "Files in this report");
        let mut files: Vec<(&str, &str)> = Vec::new();
        if !self.args.no_messages {
            files.push((
                "messages.csv",
                "every message, sorted by time (the `messages --to csv` stream)",
            ));
        }
        files.extend([
            ("timeline.csv", "messages per person and bucket"),
            ("people.csv", "one row per person"),
            ("topics.csv", "topic counts and rates per bucket"),
            ("edges.csv", "who writes to whom (rooms as nodes)"),
            ("graph.gexf", "the same graph for Gephi"),
            ("files.csv", "every input: format, counts, why skipped"),
            ("problems.csv", "every kept problem with file and line"),
        ]);
        p.files(&files);

        let sub = format!(
            "{} · {} messages · {} people · {}",
            common::shown_inputs(&self.args.input.paths).join(", "),
            thousands(report.messages()),
            thousands(people.len() as u64),
            self.tz
        );
        p.finish(
            title,
            &sub,
            &[
                ("summary", "Summary"),
                ("charts", "Charts"),
                ("people", "People"),
                ("topics", "Topics"),
                ("files", "Files"),
                ("problems", "Problems"),
                ("outputs", "Outputs"),
            ],
        )
    }
}
