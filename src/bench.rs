//! The benchmark harness behind `chatsift bench`: generates a realistic corpus per format
//! (deterministic seed, [`chatsift_corpus`]) and reports MB/s and messages/s for each stage —
//! read, a memchr line-count baseline, parse, topic matching, and the real commands to
//! /dev/null — with each command's peak resident memory where the OS tells it.
//!
//! Each stage runs the same code as the commands (the pipeline, the renderer, the writer).
//! The corpus is written to disk first, so stages read it warm from the page cache. It lives
//! in the binary, beside the command line, because it needs the corpus generators, which the
//! library does not depend on.

use anyhow::{Context, Result, bail};
use chatsift::analysis::topics::{Lexicon, TopicMatcher};
use chatsift::formats::{self, Sink};
use chatsift::model::{Message, Problem};
use chatsift::pipeline::{self, Report};
use chatsift::source::{self, Opener};
use chatsift::text::thousands;
use chatsift_corpus as corpus;
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// What to measure.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Corpus size per format, bytes.
    pub size: u64,
    /// Only these formats (default: every format with a corpus generator).
    pub formats: Vec<String>,
    /// Where to write the corpora (default: a temporary folder).
    pub dir: Option<PathBuf>,
    /// Keep the generated corpora.
    pub keep: bool,
    /// Runs per stage; the fastest is reported.
    pub runs: usize,
    /// Random seed of the generated corpora.
    pub seed: u64,
    /// Only these stages (default: all).
    pub stages: Vec<String>,
}

/// The stage names `--stages` takes.
pub const STAGES: [&str; 9] = [
    "read", "parse", "topics", "messages", "unsorted", "timeline", "people", "report", "parquet",
];

struct Row {
    stage: &'static str,
    seconds: f64,
    messages: Option<u64>,
    peak_rss: Option<u64>,
}

/// Generates each format's corpus and prints a table row per stage.
pub fn run(args: &Settings) -> Result<()> {
    let size = args.size;
    let names: Vec<String> = if args.formats.is_empty() {
        corpus::FORMATS.iter().map(|s| s.to_string()).collect()
    } else {
        args.formats.clone()
    };
    for n in &names {
        if !corpus::FORMATS.contains(&n.as_str()) {
            bail!(
                "no corpus generator for format {n:?}; bench formats: {}",
                corpus::FORMATS.join(", ")
            );
        }
    }
    for st in &args.stages {
        if !STAGES.contains(&st.as_str()) {
            bail!("unknown stage {st:?} (known: {})", STAGES.join(", "));
        }
    }
    let tmp;
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
            d.clone()
        }
        None => {
            tmp = TempDir::new()?;
            tmp.0.clone()
        }
    };
    let threads = rayon::current_num_threads();
    println!(
        "chatsift bench: {} per format, {} thread{}, best of {} run{}, corpus in {}",
        human_bytes(size),
        threads,
        if threads == 1 { "" } else { "s" },
        args.runs.max(1),
        if args.runs.max(1) == 1 { "" } else { "s" },
        dir.display()
    );
    println!(
        "{:<13} {:>10} {:<22} {:>10} {:>14} {:>10}",
        "format", "size", "stage", "MB/s", "messages/s", "peak RSS"
    );
    for name in &names {
        let path = dir.join(corpus::file_name(name));
        let t0 = Instant::now();
        let stats = {
            let f = std::fs::File::create(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            let s = corpus::generate(name, size, args.seed, &mut w)?;
            w.flush()?;
            s
        };
        let gen_secs = t0.elapsed().as_secs_f64();
        let rows = bench_format(name, &path, stats.messages, args.runs.max(1), &args.stages)?;
        for (i, r) in rows.iter().enumerate() {
            let mbs = stats.bytes as f64 / 1e6 / r.seconds;
            let msgs = r
                .messages
                .map(|m| thousands((m as f64 / r.seconds) as u64))
                .unwrap_or_else(|| "-".into());
            let rss = r.peak_rss.map(human_bytes).unwrap_or_else(|| "-".into());
            println!(
                "{:<13} {:>10} {:<22} {:>10.0} {:>14} {:>10}",
                if i == 0 { name.as_str() } else { "" },
                if i == 0 {
                    human_bytes(stats.bytes)
                } else {
                    String::new()
                },
                r.stage,
                mbs,
                msgs,
                rss
            );
        }
        println!(
            "{:<13} {:>10} {:<22} {:>10.0}   ({} messages generated)",
            "",
            "",
            "(generate corpus)",
            stats.bytes as f64 / 1e6 / gen_secs,
            thousands(stats.messages)
        );
        if !args.keep {
            let _ = std::fs::remove_file(&path);
        }
    }
    Ok(())
}

/// Runs `f` `runs` times; the fastest time and its value.
fn best<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<(f64, T)> {
    let mut best: Option<(f64, T)> = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f()?;
        let s = t.elapsed().as_secs_f64().max(1e-9);
        if best.as_ref().is_none_or(|b| s < b.0) {
            best = Some((s, v));
        }
    }
    best.context("no runs")
}

fn bench_format(
    name: &str,
    path: &std::path::Path,
    expected: u64,
    runs: usize,
    stages: &[String],
) -> Result<Vec<Row>> {
    let on = |s: &str| stages.is_empty() || stages.iter().any(|x| x == s);
    let walk = source::walk(&[path.to_string_lossy().into_owned()])?;
    let format = formats::by_name(name).context("format not registered")?;
    let mut rows = Vec::new();
    if on("read") {
        read_stages(&walk.files, runs, &mut rows)?;
    }
    let opts = pipeline::Options {
        format: Some(format),
        ..pipeline::Options::default()
    };
    // parse: the pipeline end to end into a counting sink.
    let (s, report) = best(runs, || {
        pipeline::run(&walk.files, &opts, Vec::new(), |mut batch| -> Result<()> {
            let _ = batch.parse_grouped(|_| Count(0));
            Ok(())
        })
    })?;
    check(name, &report, expected)?;
    let messages = report.messages();
    rows.push(Row {
        stage: "parse",
        seconds: s,
        messages: Some(messages),
        peak_rss: None,
    });
    if on("topics") {
        topic_stages(name, &walk.files, &opts, runs, messages, &mut rows)?;
    }
    child_stages(name, path, runs, messages, &on, &mut rows)?;
    Ok(rows)
}

/// read: every byte, a window at a time, as the pipeline reads; and the baseline, read +
/// count lines with memchr (a parse can hardly beat it).
fn read_stages(files: &[source::SourceFile], runs: usize, rows: &mut Vec<Row>) -> Result<()> {
    // read: every byte, a window at a time, as the pipeline reads.
    let (s, _) = best(runs, || {
        let mut total = 0u64;
        read_every_byte(files, |b| total += u64::from(b[b.len() - 1]))?;
        Ok(total)
    })?;
    rows.push(Row {
        stage: "read",
        seconds: s,
        messages: None,
        peak_rss: None,
    });
    // baseline: read + count lines with memchr (a parse can hardly beat it).
    let (s, _) = best(runs, || {
        let mut lines = 0u64;
        read_every_byte(files, |b| {
            lines += memchr::memchr_iter(b'\n', b).count() as u64;
        })?;
        Ok(lines)
    })?;
    rows.push(Row {
        stage: "baseline memchr lines",
        seconds: s,
        messages: None,
        peak_rss: None,
    });
    Ok(())
}

/// Topic matching with the built-in lexicon: in the pipeline after parsing, 64 messages at a
/// time as `messages` does (parse + match), and the matcher alone over bodies already parsed
/// and held in memory (MB/s still of the corpus bytes).
fn topic_stages(
    name: &str,
    files: &[source::SourceFile],
    opts: &pipeline::Options,
    runs: usize,
    messages: u64,
    rows: &mut Vec<Row>,
) -> Result<()> {
    // Topic matching with the built-in lexicon: in the pipeline after parsing, 64 messages
    // at a time as `messages` does (parse + match), and the matcher alone over bodies
    // already parsed and held in memory (MB/s still of the corpus bytes).
    let matcher = TopicMatcher::new(&Lexicon::builtin())?;
    let (s, hits) = best(runs, || {
        let mut hits = 0u64;
        pipeline::run(files, opts, Vec::new(), |mut batch| -> Result<()> {
            let sinks = batch.parse_grouped(|_| MatchSink {
                matcher: &matcher,
                held: Vec::with_capacity(64),
                sets: Vec::with_capacity(64),
                hits: 0,
            });
            hits += sinks.iter().map(|s| s.hits).sum::<u64>();
            Ok(())
        })?;
        Ok(hits)
    })?;
    rows.push(Row {
        stage: "topics: parse + match",
        seconds: s,
        messages: Some(messages),
        peak_rss: None,
    });
    let whole = pipeline::Options {
        batch_bytes: None,
        ..*opts
    };
    let mut alone = f64::MAX;
    let mut alone_hits = 0u64;
    pipeline::run(files, &whole, Vec::new(), |mut batch| -> Result<()> {
        let parts = batch.parse_grouped(|_| Bodies(Vec::new()));
        for _ in 0..runs {
            let t = Instant::now();
            let h: u64 = parts
                .par_iter()
                .map(|p| {
                    let mut sets = Vec::with_capacity(p.0.len());
                    let mut h = 0u64;
                    for group in p.0.chunks(64) {
                        sets.clear();
                        matcher
                            .matches_batch(group.iter().map(|(b, k)| (b.as_ref(), *k)), &mut sets);
                        h += sets.iter().map(|s| s.len() as u64).sum::<u64>();
                    }
                    h
                })
                .sum();
            alone = alone.min(t.elapsed().as_secs_f64().max(1e-9));
            alone_hits = h;
        }
        Ok(())
    })?;
    if alone_hits != hits {
        eprintln!("chatsift bench: warning: {name}: topic hits differ ({alone_hits} vs {hits})");
    }
    rows.push(Row {
        stage: "  … matcher alone",
        seconds: alone,
        messages: Some(messages),
        peak_rss: None,
    });
    Ok(())
}

/// The real commands in a child process (stdout to /dev/null), which reports its own peak
/// resident memory.
fn child_stages(
    name: &str,
    path: &std::path::Path,
    runs: usize,
    messages: u64,
    on: &dyn Fn(&str) -> bool,
    rows: &mut Vec<Row>,
) -> Result<()> {
    // The real commands in a child process (stdout to /dev/null), which reports its own
    // peak resident memory.
    let out_dir = path.with_extension("report");
    let out = out_dir.to_string_lossy().into_owned();
    // Each corpus is one export in time order, which `messages` streams as it reads; the
    // stage with CHATSIFT_ALWAYS_SORT=1 times the sort that input out of order takes.
    const SORT: &[(&str, &str)] = &[("CHATSIFT_ALWAYS_SORT", "1")];
    type Child<'c> = (
        &'c str,
        &'static str,
        &'c [&'c str],
        &'c [(&'c str, &'c str)],
    );
    let children: [Child<'_>; 7] = [
        (
            "messages",
            "messages --to jsonl",
            &["messages", "--to", "jsonl"],
            &[],
        ),
        (
            "messages",
            "  … out of order (sort)",
            &["messages", "--to", "jsonl"],
            SORT,
        ),
        (
            "unsorted",
            "  … --unsorted",
            &["messages", "--to", "jsonl", "--unsorted"],
            &[],
        ),
        (
            "timeline",
            "timeline --by day",
            &["timeline", "--by", "day"],
            &[],
        ),
        ("people", "people", &["people"], &[]),
        ("report", "report", &["report", "-o", &out], &[]),
        (
            "report",
            "  … --no-messages",
            &["report", "--no-messages", "-o", &out],
            &[],
        ),
    ];
    // Runs a command as a child, best of `runs`, and adds its row.
    let mut timed = |stage: &'static str,
                     command: &[&str],
                     env: &[(&str, &str)],
                     input: &std::path::Path,
                     format: &str|
     -> Result<()> {
        let (s, rss) = best(runs, || child(command, env, input, format))?;
        rows.push(Row {
            stage,
            seconds: s,
            messages: Some(messages),
            peak_rss: (rss > 0).then_some(rss),
        });
        Ok(())
    };
    for (key, stage, command, env) in children {
        if on(key) {
            timed(stage, command, env, path, name)?;
        }
    }
    let _ = std::fs::remove_dir_all(&out_dir);
    if on("parquet") {
        // Parquet output (snappy), sorted and in input order, then the file read back: a
        // timeline from it beside the timeline stage above, which parses the original.
        let file = path.with_extension("bench.parquet");
        let target = file.to_string_lossy().into_owned();
        let write = ["messages", "--to", "parquet", "-o", &target];
        timed("messages --to parquet", &write, &[], path, name)?;
        let unsorted = ["messages", "--to", "parquet", "--unsorted", "-o", &target];
        timed("  … --unsorted", &unsorted, &[], path, name)?;
        let read = ["timeline", "--by", "day"];
        timed(
            "timeline ← that .parquet",
            &read,
            &[],
            &file,
            "chatsift-parquet",
        )?;
        let _ = std::fs::remove_file(&file);
    }
    Ok(())
}

/// Matches topics of a chunk's messages, 64 at a time.
struct MatchSink<'t, 'm> {
    matcher: &'m TopicMatcher,
    held: Vec<(&'t str, chatsift::model::Kind)>,
    sets: Vec<chatsift::analysis::topics::TopicSet>,
    hits: u64,
}

impl MatchSink<'_, '_> {
    fn flush(&mut self) {
        self.sets.clear();
        self.matcher
            .matches_batch(self.held.drain(..), &mut self.sets);
        self.hits += self.sets.iter().map(|s| s.len() as u64).sum::<u64>();
    }
}

impl<'t> Sink<'t> for MatchSink<'t, '_> {
    fn message(&mut self, m: Message<'t>) {
        // Bodies that borrow the input are matched in place; the few that were unescaped
        // into their own string are matched at once.
        match m.body {
            std::borrow::Cow::Borrowed(b) => {
                self.held.push((b, m.kind));
                if self.held.len() == 64 {
                    self.flush();
                }
            }
            std::borrow::Cow::Owned(ref b) => {
                self.hits += self.matcher.matches(b, m.kind).len() as u64;
            }
        }
    }
    fn problem(&mut self, _p: Problem) {}
    fn finish(&mut self) {
        self.flush();
    }
}

/// Keeps the bodies of a chunk's messages.
struct Bodies<'t>(Vec<(std::borrow::Cow<'t, str>, chatsift::model::Kind)>);

impl<'t> Sink<'t> for Bodies<'t> {
    fn message(&mut self, m: Message<'t>) {
        self.0.push((m.body, m.kind));
    }
    fn problem(&mut self, _p: Problem) {}
}

/// Reads every input a window (8 MiB) at a time, handing each non-empty window to `f`.
fn read_every_byte(files: &[source::SourceFile], mut f: impl FnMut(&[u8])) -> Result<()> {
    let mut opener = Opener::default();
    for file in files {
        let o = opener.open(file)?;
        let len = o.len()?;
        let mut pos = 0;
        while pos < len {
            let b = o.read_at(pos, 8 << 20)?;
            if b.is_empty() {
                break;
            }
            pos += b.len() as u64;
            f(&b);
        }
    }
    Ok(())
}

fn check(name: &str, report: &Report, expected: u64) -> Result<()> {
    if report.messages() != expected || report.problem_count() != 0 {
        eprintln!(
            "chatsift bench: warning: {name}: read {} messages with {} problems, generated {}",
            report.messages(),
            report.problem_count(),
            expected
        );
    }
    Ok(())
}

/// Runs `chatsift COMMAND PATH --format NAME -q` as a child with stdout to /dev/null;
/// returns its peak resident memory in bytes (0 when the OS does not tell).
fn child(
    command: &[&str],
    env: &[(&str, &str)],
    path: &std::path::Path,
    name: &str,
) -> Result<u64> {
    let exe = std::env::current_exe().context("cannot find the chatsift binary")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(command)
        .arg(path)
        .args(["--format", name, "-q"])
        .args(["--threads", &rayon::current_num_threads().to_string()])
        .env("CHATSIFT_REPORT_PEAK_RSS", "1")
        .envs(env.iter().copied())
        .stdout(
            std::fs::File::create("/dev/null")
                .map_or_else(|_| std::process::Stdio::null(), std::process::Stdio::from),
        )
        .stderr(std::process::Stdio::piped());
    let out = cmd.output().context("cannot run chatsift")?;
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("chatsift {} failed: {err}", command.join(" "));
    }
    Ok(err
        .lines()
        .find_map(|l| l.strip_prefix("chatsift-peak-rss-kb: "))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024))
}

struct Count(u64);

impl<'t> Sink<'t> for Count {
    fn message(&mut self, m: Message<'t>) {
        self.0 += std::hint::black_box(m.body.len() as u64 & 1) + 1;
    }
    fn problem(&mut self, _p: Problem) {}
}

/// 1536 → `1.5 KiB`.
pub fn human_bytes(n: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir> {
        let base = std::env::temp_dir();
        for i in 0..1000 {
            let p = base.join(format!("chatsift-bench-{}-{i}", std::process::id()));
            if std::fs::create_dir(&p).is_ok() {
                return Ok(TempDir(p));
            }
        }
        bail!("cannot create a temporary directory in {}", base.display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
