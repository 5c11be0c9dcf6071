//! Options shared by the commands that read chats, and the summary printed on stderr.

use anyhow::{Context, Result, bail};
use chatsift::formats;
use chatsift::pipeline::{self, Report};
use chatsift::source::{self, Walk, decode};
use chatsift::time::{self, Zone};
use clap::Args;
use std::collections::HashMap;

/// Inputs and how to read them.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Files, directories (read recursively) or .zip archives; `-` reads stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// Read every input as this format instead of detecting it (see `chatsift formats`).
    #[arg(long, value_name = "NAME")]
    pub format: Option<String>,
    /// Decode inputs with this encoding (any WHATWG label: gb18030, utf-16le, windows-1251…).
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,
    /// Zone of timestamps written without an offset: UTC, +08:00, or an IANA name.
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub source_tz: String,
    /// How to read all-numeric dates (WhatsApp): dmy, mdy or ymd. Default: decided per file
    /// over every line (a first field over 12 means day first).
    #[arg(long, value_name = "ORDER")]
    pub date_order: Option<formats::DateOrder>,
    /// Zone for local times, hours and day buckets in the output.
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub tz: String,
    /// Worker threads (default: all cores). Output is identical for any value.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Exit with status 1 at the first malformed record, writing no output.
    #[arg(long)]
    pub strict: bool,
    /// Print nothing on stderr but errors (no summary, no problem lines).
    #[arg(short, long)]
    pub quiet: bool,
}

/// Which messages to keep, and who is who.
#[derive(Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// Alias file (TOML): people with the ids that are theirs (exact ids or globs like
    /// `*@q3mc*.onion`). Outputs report the person; `messages` keeps the raw sender beside it.
    #[arg(long, value_name = "FILE")]
    pub alias: Option<std::path::PathBuf>,
    /// Count system rows (joins, leaves, notices) as activity in timelines and summaries.
    #[arg(long)]
    pub include_system: bool,
    /// Topic lexicon (TOML): `FILE` replaces the built-in one, `+FILE` extends it.
    #[arg(long, value_name = "FILE|+FILE")]
    pub lexicon: Option<String>,
    /// Keep messages at or after this date (YYYY-MM-DD, in --tz) or RFC 3339 time.
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Keep messages up to this date (inclusive: the whole day) or RFC 3339 time. For
    /// `messages`, `--to jsonl|csv|timesketch|l2tcsv` names the output format instead.
    #[arg(long = "to", value_name = "DATE")]
    pub to: Vec<String>,
    /// Same as the date form of --to.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Keep messages sent by this id or person (repeatable).
    #[arg(long, value_name = "ID")]
    pub person: Vec<String>,
}

/// Resolved settings for reading.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The inputs found.
    pub walk_files: Vec<source::SourceFile>,
    /// Inputs that could not be listed.
    pub walk_problems: Vec<source::WalkProblem>,
    /// Pipeline options.
    pub options: pipeline::Options,
    /// Output zone.
    pub tz: Zone,
    /// Strict mode.
    pub strict: bool,
    /// Quiet mode.
    pub quiet: bool,
}

impl InputArgs {
    /// Validates the options, sets up the thread pool and lists the inputs.
    pub fn setup(&self) -> Result<Setup> {
        let format = match &self.format {
            Some(name) => Some(formats::by_name(name).with_context(|| {
                let names: Vec<_> = formats::registry().iter().map(|f| f.name()).collect();
                format!(
                    "unknown format {name:?}; known formats: {}",
                    names.join(", ")
                )
            })?),
            None => None,
        };
        let encoding = match &self.encoding {
            Some(l) => Some(decode::encoding_for_label(l)?),
            None => None,
        };
        let source_tz: Zone = self.source_tz.parse().context("bad --source-tz")?;
        let tz: Zone = self.tz.parse().context("bad --tz")?;
        if let Some(n) = self.threads {
            if n == 0 {
                bail!("--threads must be at least 1");
            }
            // The global pool can be built once per process; later calls (tests) keep it.
            let _ = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build_global();
        }
        let Walk { files, problems } = source::walk(&self.paths)?;
        Ok(Setup {
            walk_files: files,
            walk_problems: problems,
            options: pipeline::Options {
                format,
                encoding,
                source_tz,
                progress: !self.quiet,
                format_options: formats::FormatOptions {
                    date_order: self.date_order,
                },
                ..pipeline::Options::default()
            },
            tz,
            strict: self.strict,
            quiet: self.quiet,
        })
    }
}

pub use chatsift::analysis::Filter;

impl FilterArgs {
    /// The topic matcher: the built-in lexicon, replaced or extended by `--lexicon`.
    pub fn topics(&self) -> Result<chatsift::analysis::topics::TopicMatcher> {
        use chatsift::analysis::topics::{Lexicon, TopicMatcher};
        let lexicon = match &self.lexicon {
            None => Lexicon::builtin(),
            Some(arg) => {
                let (extend, path) = match arg.strip_prefix('+') {
                    Some(p) => (true, p),
                    None => (false, arg.as_str()),
                };
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read lexicon {path}"))?;
                let own = Lexicon::from_toml(&text).with_context(|| format!("lexicon {path}"))?;
                if extend {
                    let mut l = Lexicon::builtin();
                    l.extend(own);
                    l
                } else {
                    own
                }
            }
        };
        TopicMatcher::new(&lexicon).context("building the topic matcher")
    }

    /// Loads the alias file, if one was given.
    pub fn aliases(&self) -> Result<chatsift::analysis::alias::Aliases> {
        match &self.alias {
            Some(p) => Ok(chatsift::analysis::alias::Aliases::load(p)?),
            None => Ok(chatsift::analysis::alias::Aliases::none()),
        }
    }

    /// Builds the filter; `to_dates` are the date values of `--to` (all of them, except for
    /// `messages`, which takes output format names out first).
    pub fn filter(&self, tz: Zone, to_dates: &[String]) -> Result<Filter> {
        let from = match &self.from {
            Some(s) => Some(time::parse_bound(s, tz).with_context(|| {
                format!("bad --from {s:?}: expected YYYY-MM-DD or an RFC 3339 time")
            })?),
            None => None,
        };
        let mut to = None;
        for s in to_dates.iter().chain(self.until.iter()) {
            let t = time::parse_bound(s, tz).with_context(|| {
                format!("bad --to {s:?}: expected YYYY-MM-DD or an RFC 3339 time")
            })?;
            // A bare date includes its whole day; a time is inclusive to the microsecond.
            let end = if s.trim().len() == 10 {
                next_day(s, tz).unwrap_or(t)
            } else {
                t + 1
            };
            to = Some(to.map_or(end, |x: i64| x.min(end)));
        }
        if let (Some(f), Some(t)) = (from, to)
            && t <= f
        {
            bail!("--to is before --from: nothing would be kept");
        }
        Ok(Filter {
            from,
            to,
            persons: self.person.clone(),
        })
    }
}

fn next_day(date: &str, tz: Zone) -> Option<i64> {
    let b = date.trim().as_bytes();
    let y = time::digits::<4>(b)? as i32;
    let m = time::digits::<2>(b.get(5..)?)?;
    let d = time::digits::<2>(b.get(8..)?)?;
    let days = time::days_from_civil(y, m, d) + 1;
    let (y, m, d) = time::civil_from_days(days);
    time::parse_bound(&format!("{y:04}-{m:02}-{d:02}"), tz)
}

/// How many problem lines are printed per file before "… and N more".
pub const PROBLEMS_SHOWN_PER_FILE: usize = 10;

/// Prints each kept problem as `chatsift: PATH:LINE: what`, then the summary line.
pub fn print_summary(report: &Report, quiet: bool) {
    if quiet {
        return;
    }
    let mut shown: HashMap<u32, usize> = HashMap::new();
    for w in &report.walk_problems {
        eprintln!("chatsift: {}: {}", w.path, w.what);
    }
    for p in &report.problems {
        let n = shown.entry(p.loc.file).or_default();
        *n += 1;
        if *n <= PROBLEMS_SHOWN_PER_FILE {
            eprintln!(
                "chatsift: {}:{}: {}",
                report.path(p.loc.file),
                p.loc.line,
                p.what
            );
        }
    }
    for (i, f) in report.files.iter().enumerate() {
        let n = shown.get(&(i as u32)).copied().unwrap_or(0) as u64;
        let shown_here = n.min(PROBLEMS_SHOWN_PER_FILE as u64);
        if f.problems > shown_here {
            eprintln!(
                "chatsift: {}: … and {} more problems (run `chatsift inspect` on it)",
                f.path,
                f.problems - shown_here
            );
        }
    }
    for line in whatsapp_lines(report) {
        eprintln!("chatsift: {line}");
    }
    for line in no_chat_lines(report) {
        eprintln!("chatsift: {line}");
    }
    eprintln!("chatsift: {}", summary_line(report));
}

/// WhatsApp files skipped because no header layout matched, and WhatsApp files whose date
/// order was assumed (no date decided it), with the hint to pass `--date-order`.
pub fn whatsapp_lines(report: &Report) -> Vec<String> {
    let mut lines = Vec::new();
    for f in &report.files {
        if let Some(why) = &f.skipped
            && why.starts_with("looks like a WhatsApp export")
        {
            lines.push(format!("{}: skipped: {why}", f.path));
        }
        if f.format == Some("whatsapp")
            && let Some(note) = &f.note
            && note.contains("(assumed")
        {
            lines.push(format!(
                "{}: date order {note}; pass --date-order dmy|mdy|ymd if that is wrong",
                f.path
            ));
        }
    }
    lines
}

/// Says so when an archive held no chat, or when nothing at all was read: the files looked
/// at and what was expected.
pub fn no_chat_lines(report: &Report) -> Vec<String> {
    let mut lines = Vec::new();
    // Archives whose entries were all skipped.
    let mut archives: Vec<(&str, usize, usize)> = Vec::new();
    for f in &report.files {
        if let Some(i) = f.path.find("!/") {
            let zip = &f.path[..i];
            let read = usize::from(f.skipped.is_none());
            match archives.last_mut() {
                Some(a) if a.0 == zip => {
                    a.1 += 1;
                    a.2 += read;
                }
                _ => archives.push((zip, 1, read)),
            }
        }
    }
    for (zip, entries, read) in archives {
        if read == 0 {
            lines.push(format!(
                "{zip}: no chat inside ({entries} entr{} of no known chat format; `chatsift inspect {zip}` lists why)",
                if entries == 1 { "y" } else { "ies" }
            ));
        }
    }
    if report.files_read() == 0 && !report.files.is_empty() {
        let names: Vec<&str> = formats::registry().iter().map(|f| f.name()).collect();
        lines.push(format!(
            "no chat found in {}: expected one of the formats {} (`chatsift formats` shows examples)",
            plural(report.files.len() as u64, "file"),
            names.join(", ")
        ));
    }
    lines
}

/// `3 files (1 skipped), 1,234 messages, 2 problems`.
pub fn summary_line(report: &Report) -> String {
    let skipped = report.files.len() - report.files_read();
    let dst: u64 = report.files.iter().map(|f| f.dst_adjusted).sum();
    let mut s = format!(
        "{} read, {} skipped, {} messages, {} problems",
        plural(report.files_read() as u64, "file"),
        skipped,
        thousands(report.messages()),
        thousands(report.problem_count())
    );
    if dst > 0 {
        s.push_str(&format!(
            ", {} stamps in a DST gap or overlap (earlier instant taken)",
            thousands(dst)
        ));
    }
    let dups: u64 = report.files.iter().map(|f| f.duplicates).sum();
    if dups > 0 {
        s.push_str(&format!(
            ", {} repeated message ids merged (overlapping exports)",
            thousands(dups)
        ));
    }
    s
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{} {what}s", thousands(n))
    }
}

/// 1234567 → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The error `--strict` stops with.
#[derive(Debug, thiserror::Error)]
#[error("--strict: malformed record at {path}:{line}: {what}")]
pub struct StrictStop {
    /// File.
    pub path: String,
    /// Line.
    pub line: u64,
    /// What.
    pub what: String,
}

/// The first problem of a report as a [`StrictStop`], if there is one.
pub fn strict_stop(report: &Report) -> Option<StrictStop> {
    if let Some(p) = report.problems.first() {
        return Some(StrictStop {
            path: report.path(p.loc.file).to_string(),
            line: p.loc.line,
            what: p.what.clone(),
        });
    }
    report.walk_problems.first().map(|w| StrictStop {
        path: w.path.clone(),
        line: 0,
        what: w.what.clone(),
    })
}

/// Writes a command's output to `path` atomically (stdout when None or `-`).
pub fn write_output(
    path: Option<&std::path::Path>,
    f: impl FnOnce(&mut dyn std::io::Write) -> Result<()>,
) -> Result<()> {
    use std::io::Write;
    match path.filter(|p| p.as_os_str() != "-") {
        Some(p) => {
            let mut file = chatsift::output::atomic::AtomicFile::create(p)
                .with_context(|| format!("cannot write {}", p.display()))?;
            f(&mut file).with_context(|| format!("writing {}", p.display()))?;
            file.commit()
                .with_context(|| format!("cannot write {}", p.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            f(&mut out)?;
            out.flush().context("writing stdout")?;
        }
    }
    Ok(())
}

/// A CSV text cell: neutralized for spreadsheets unless `raw`.
pub fn cell(s: &str, raw: bool) -> Vec<u8> {
    if raw {
        s.as_bytes().to_vec()
    } else {
        chatsift::text::neutralize(s).as_bytes().to_vec()
    }
}

/// An instant as RFC 3339 in the output zone (`2021-06-02T09:15:09+08:00`).
pub fn local_stamp(t: &chatsift::analysis::timeline::Instant) -> Vec<u8> {
    let mut v = Vec::with_capacity(32);
    chatsift::time::write_rfc3339(&mut v, t.micros, t.offset, t.frac_digits, false);
    v
}

/// Reads the inputs into one accumulator with the shared settings, honouring `--strict`.
pub fn analyse<A, M>(
    setup: &Setup,
    filter: &FilterArgs,
    topics: Option<&chatsift::analysis::topics::TopicMatcher>,
    make: M,
) -> Result<(A, chatsift::pipeline::Report)>
where
    A: chatsift::analysis::Accumulator,
    M: Fn() -> A + Sync,
{
    let aliases = filter.aliases()?;
    let f = filter.filter(setup.tz, &filter.to)?;
    let settings = chatsift::analysis::Settings {
        tz: setup.tz,
        aliases: &aliases,
        filter: &f,
        include_system: filter.include_system,
        topics,
    };
    let strict = setup.strict;
    let (acc, report) = chatsift::analysis::run(
        &setup.walk_files,
        &setup.options,
        setup.walk_problems.clone(),
        &settings,
        make,
        |report| -> Result<()> {
            if strict && let Some(stop) = strict_stop(report) {
                return Err(stop.into());
            }
            Ok(())
        },
    )?;
    Ok((acc, report))
}

/// The inputs as charts and pages name them: sorted and without repeats, so the same inputs
/// in another order give the same bytes.
pub fn shown_inputs(paths: &[String]) -> Vec<String> {
    let mut v = paths.to_vec();
    v.sort();
    v.dedup();
    v
}
