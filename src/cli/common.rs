//! The arguments shared by the commands that read chats, turned into the library's
//! [`Job`] and [`Selection`], and the summary printed on stderr.

use anyhow::{Context, Result, bail};
use chatsift::analysis::Filter;
use chatsift::formats;
use chatsift::job::{Job, Selection};
use chatsift::pipeline::{self, Report};
use chatsift::source::decode;
use chatsift::time::{self, Zone};
use clap::Args;

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
    /// The year of dates written without one (old Android WhatsApp exports: `18 Mar 12:14 -
    /// `). Default: the year after the last year the file writes, or 2000 when it writes none.
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(1970..=9999))]
    pub year: Option<i32>,
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
    /// Read only shard K of N (1-based) of the input files, picked by a hash of each file's
    /// path below its input folder, so N machines or job-array tasks each read their own
    /// part and together read every file once.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
}

/// Parses `--shard K/N` (1 ≤ K ≤ N).
fn parse_shard(s: &str) -> std::result::Result<(u32, u32), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("--shard takes K/N, such as 2/8, not {s:?}"))?;
    let k: u32 = k
        .trim()
        .parse()
        .map_err(|_| format!("bad shard number {k:?}"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("bad shard count {n:?}"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("--shard K/N needs 1 <= K <= N, not {k}/{n}"));
    }
    Ok((k, n))
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

impl InputArgs {
    /// Validates the options, sets up the thread pool and lists the inputs.
    pub fn setup(&self) -> Result<Job> {
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
        set_threads(self.threads)?;
        let options = pipeline::Options {
            format,
            encoding,
            source_tz,
            progress: !self.quiet,
            format_options: formats::FormatOptions {
                date_order: self.date_order,
                year: self.year,
            },
            ..pipeline::Options::default()
        };
        let mut job = Job::open(&self.paths, options, tz)?;
        if let Some((k, n)) = self.shard {
            job.keep_shard(&self.paths, k, n);
        }
        job.strict = self.strict;
        job.quiet = self.quiet;
        Ok(job)
    }
}

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

    /// The lexicon's name for output metadata: `built-in`, the `--lexicon` file's name, or
    /// `built-in + NAME`.
    pub fn lexicon_name(&self) -> String {
        match &self.lexicon {
            None => "built-in".into(),
            Some(arg) => {
                let (extend, path) = match arg.strip_prefix('+') {
                    Some(p) => (true, p),
                    None => (false, arg.as_str()),
                };
                let name = formats::file_name(path);
                if extend {
                    format!("built-in + {name}")
                } else {
                    name.to_string()
                }
            }
        }
    }

    /// Loads the alias file, if one was given.
    pub fn aliases(&self) -> Result<chatsift::analysis::alias::Aliases> {
        match &self.alias {
            Some(p) => Ok(chatsift::analysis::alias::Aliases::load(p)?),
            None => Ok(chatsift::analysis::alias::Aliases::none()),
        }
    }

    /// The alias file and the filter; `to_dates` as for [`FilterArgs::filter`].
    pub fn selection(&self, tz: Zone, to_dates: &[String]) -> Result<Selection> {
        Ok(Selection {
            aliases: self.aliases()?,
            filter: self.filter(tz, to_dates)?,
            include_system: self.include_system,
        })
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

/// Sets the worker threads of `--threads` (all cores when None).
pub fn set_threads(threads: Option<usize>) -> Result<()> {
    if let Some(n) = threads {
        if n == 0 {
            bail!("--threads must be at least 1");
        }
        // The global pool can be built once per process; later calls (tests) keep it.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    Ok(())
}

/// Prints each kept problem as `chatsift: PATH:LINE: what`, then the summary line.
pub fn print_summary(report: &Report, quiet: bool) {
    if quiet {
        return;
    }
    for line in chatsift::output::summary::lines(report) {
        eprintln!("chatsift: {line}");
    }
}

/// Writes a command's output to `path` atomically (stdout when None or `-`).
pub fn write_output(
    path: Option<&std::path::Path>,
    f: impl FnOnce(&mut dyn std::io::Write) -> chatsift::Result<()>,
) -> Result<()> {
    Ok(chatsift::output::atomic::write_to(path, f)?)
}

/// Writes `bytes` to `path` atomically (stdout when None or `-`).
pub fn write_bytes(path: Option<&std::path::Path>, bytes: &[u8]) -> Result<()> {
    write_output(path, |out| Ok(out.write_all(bytes)?))
}

/// Whether an option was on the command line (a default cannot tell).
pub fn given(option: &str) -> bool {
    std::env::args_os().any(|a| {
        let a = a.to_string_lossy();
        a == option || a.strip_prefix(option).is_some_and(|r| r.starts_with('='))
    })
}

/// Reads the inputs into one accumulator with the shared settings, honouring `--strict`.
pub fn analyse<A, M>(
    setup: &Job,
    filter: &FilterArgs,
    topics: Option<&chatsift::analysis::topics::TopicMatcher>,
    make: M,
) -> Result<(A, Report)>
where
    A: chatsift::analysis::Accumulator,
    M: Fn() -> A + Sync,
{
    let selection = filter.selection(setup.tz, &filter.to)?;
    Ok(setup.analyse(&selection, topics, make)?)
}
