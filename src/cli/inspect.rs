//! `chatsift inspect`: per input, the detected format and encoding, message counts by kind,
//! time range, senders and problems; files that are not chats are listed as skipped.
//!
//! It also gives a time-zone hint for the whole input (all files' messages together) and per
//! file with enough messages: the UTC offset, and the range of offsets, under which the
//! messages' hours best match a daily rhythm (see [`chatsift::analysis::tzhint`]), for
//! `--source-tz`/`--tz`. Files with too few messages say so instead. With `--suggest-aliases` it proposes, without applying them, alias
//! file entries for ids that look like one person (see [`chatsift::analysis::suggest`]).

use super::common::{self, FilterArgs, InputArgs, thousands};
use anyhow::Result;
use chatsift::analysis::FastSet;
use chatsift::analysis::alias::Aliases;
use chatsift::analysis::suggest::{self, IdSet, Suggestion};
use chatsift::analysis::tzhint::{HourHistogram, ZoneHint, format_offset};
use chatsift::formats::Sink;
use chatsift::model::{Kind, Message, Problem};
use chatsift::pipeline::{self, Report};
use chatsift::time::write_rfc3339;
use clap::Args;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;

/// `inspect` options.
#[derive(Args, Debug)]
pub struct InspectArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    filter: FilterArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// How many senders to list per file in text output.
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// Propose alias-file entries for ids that look like one person (same local part on
    /// several servers, equal ignoring case, a username equal to a JID's local part), without
    /// applying them: a TOML snippet after the report (`suggested_aliases` in --json). Ids
    /// the --alias file already names are left out.
    #[arg(long)]
    suggest_aliases: bool,
}

/// Per-file statistics, mergeable across chunks.
#[derive(Debug, Default, Clone)]
struct Stats {
    messages: u64,
    kinds: [u64; 6],
    first: Option<(i64, u8)>,
    last: Option<(i64, u8)>,
    senders: HashMap<String, u64>,
    hours: HourHistogram,
}

impl Stats {
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
    filter: &'f common::Filter,
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

#[derive(Serialize)]
struct FileJson<'a> {
    path: &'a str,
    format: Option<&'a str>,
    encoding: &'a str,
    bytes: u64,
    skipped: Option<&'a str>,
    messages: u64,
    kinds: serde_json::Map<String, serde_json::Value>,
    first: Option<String>,
    last: Option<String>,
    senders: Vec<SenderJson<'a>>,
    problems: u64,
    problem_list: Vec<ProblemJson<'a>>,
    dst_adjusted: u64,
    duplicates: u64,
    note: Option<&'a str>,
    zone_hint: Option<ZoneHintJson>,
}

#[derive(Serialize)]
struct ZoneHintJson {
    /// The best offset, or null with too few messages.
    offset: Option<String>,
    range_from: Option<String>,
    range_to: Option<String>,
    rhythm: Option<&'static str>,
    weekend_share: Option<f64>,
    margin: Option<f64>,
    messages: u64,
    /// `high`, `medium`, `low` or `too few messages`.
    label: &'static str,
}

/// The JSON hint of a histogram: None without messages.
fn hint_json(h: &HourHistogram) -> Option<ZoneHintJson> {
    if let Some(z) = h.hint() {
        return Some(ZoneHintJson::from(z));
    }
    h.too_few().then(|| ZoneHintJson {
        offset: None,
        range_from: None,
        range_to: None,
        rhythm: None,
        weekend_share: None,
        margin: None,
        messages: h.total(),
        label: TOO_FEW,
    })
}

const TOO_FEW: &str = "too few messages";

/// The text hint of a histogram: None without messages.
pub(crate) fn hint_text(h: &HourHistogram) -> Option<String> {
    if let Some(z) = h.hint() {
        return Some(z.describe());
    }
    h.too_few().then(|| {
        format!(
            "{TOO_FEW} ({}; a hint needs {})",
            thousands(h.total()),
            thousands(chatsift::analysis::tzhint::MIN_MESSAGES)
        )
    })
}

/// Rounded to two decimals for display.
fn two_decimals(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl From<ZoneHint> for ZoneHintJson {
    fn from(h: ZoneHint) -> ZoneHintJson {
        ZoneHintJson {
            offset: Some(h.offset()),
            range_from: Some(format_offset(h.low_secs)),
            range_to: Some(format_offset(h.high_secs)),
            rhythm: Some(h.rhythm),
            weekend_share: Some(two_decimals(h.weekend_share)),
            margin: Some((h.margin * 1000.0).round() / 1000.0),
            messages: h.messages,
            label: h.label,
        }
    }
}

#[derive(Serialize)]
struct SuggestionJson<'a> {
    name: &'a str,
    ids: &'a [String],
    why: &'a str,
}

#[derive(Serialize)]
struct SenderJson<'a> {
    id: &'a str,
    messages: u64,
}

#[derive(Serialize)]
struct ProblemJson<'a> {
    line: u64,
    offset: u64,
    what: &'a str,
}

fn stamp(t: Option<(i64, u8)>) -> Option<String> {
    t.map(|(micros, frac)| {
        let mut v = Vec::new();
        write_rfc3339(&mut v, micros, 0, frac, true);
        String::from_utf8_lossy(&v).into_owned()
    })
}

/// Runs `inspect`.
pub fn run(args: InspectArgs) -> Result<()> {
    let setup = args.input.setup()?;
    let filter = args.filter.filter(setup.tz, &args.filter.to)?;
    // Only --suggest-aliases reads the alias file, to leave out the ids it already names.
    let aliases = if args.suggest_aliases {
        args.filter.aliases()?
    } else {
        Aliases::none()
    };
    let mut stats: Vec<Stats> = vec![Stats::default(); setup.walk_files.len()];
    let mut ids = IdSet::new();
    let report = pipeline::run(
        &setup.walk_files,
        &setup.options,
        setup.walk_problems.clone(),
        |mut batch| -> Result<()> {
            let parts = batch.parse(|_| ChunkStats {
                filter: &filter,
                messages: 0,
                kinds: [0; 6],
                first: None,
                last: None,
                senders: HashMap::new(),
                hours: HourHistogram::new(),
                ids: args.suggest_aliases.then(FastSet::default),
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
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let suggestions = args.suggest_aliases.then(|| ids.suggest(&aliases));
    if args.json {
        write_json(&report, &stats, suggestions.as_deref(), &mut out)?;
    } else {
        write_text(&report, &stats, args.top, &mut out)?;
        if let Some(s) = &suggestions {
            write_suggestions(s, &mut out)?;
        }
    }
    out.flush()?;
    if !setup.quiet {
        eprintln!("chatsift: {}", common::summary_line(&report));
        if let Some(h) = hint_text(&all_hours(&stats)) {
            eprintln!("chatsift: zone hint for all input: {h}");
        }
    }
    if setup.strict
        && let Some(stop) = common::strict_stop(&report)
    {
        return Err(stop.into());
    }
    Ok(())
}

fn sorted_senders(s: &Stats) -> Vec<(&str, u64)> {
    let mut v: Vec<(&str, u64)> = s.senders.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v
}

fn write_suggestions(s: &[Suggestion], out: &mut dyn Write) -> Result<()> {
    if s.is_empty() {
        writeln!(
            out,
            "\n# no alias suggestions: no two ids share a local part or differ only in case"
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "\n# suggested aliases (not applied): check them, then add them to an alias file for --alias\n"
    )?;
    out.write_all(suggest::to_toml(s).as_bytes())?;
    Ok(())
}

fn write_json(
    report: &Report,
    stats: &[Stats],
    suggestions: Option<&[Suggestion]>,
    out: &mut dyn Write,
) -> Result<()> {
    let files: Vec<FileJson<'_>> = report
        .files
        .iter()
        .zip(stats)
        .enumerate()
        .map(|(i, (f, s))| {
            let mut kinds = serde_json::Map::new();
            for (k, n) in Kind::ALL.iter().zip(s.kinds) {
                if n > 0 {
                    kinds.insert(k.as_str().into(), n.into());
                }
            }
            FileJson {
                path: &f.path,
                format: f.format,
                encoding: &f.encoding,
                bytes: f.bytes,
                skipped: f.skipped.as_deref(),
                messages: s.messages,
                kinds,
                first: stamp(s.first),
                last: stamp(s.last),
                senders: sorted_senders(s)
                    .into_iter()
                    .map(|(id, messages)| SenderJson { id, messages })
                    .collect(),
                problems: f.problems,
                problem_list: report
                    .problems
                    .iter()
                    .filter(|p| p.loc.file as usize == i)
                    .map(|p| ProblemJson {
                        line: p.loc.line,
                        offset: p.loc.offset,
                        what: &p.what,
                    })
                    .collect(),
                dst_adjusted: f.dst_adjusted,
                duplicates: f.duplicates,
                note: f.note.as_deref(),
                zone_hint: hint_json(&s.hours),
            }
        })
        .collect();
    let unreadable: Vec<_> = report
        .walk_problems
        .iter()
        .map(|w| serde_json::json!({"path": w.path, "what": w.what}))
        .collect();
    let mut doc = serde_json::json!({
        "files": files,
        "unreadable": unreadable,
        "summary": {
            "files": report.files.len(),
            "read": report.files_read(),
            "skipped": report.files.len() - report.files_read(),
            "messages": report.messages(),
            "problems": report.problem_count(),
            "zone_hint": hint_json(&all_hours(stats)),
        }
    });
    if let (Some(s), Some(obj)) = (suggestions, doc.as_object_mut()) {
        let list: Vec<SuggestionJson<'_>> = s
            .iter()
            .map(|g| SuggestionJson {
                name: &g.name,
                ids: &g.ids,
                why: &g.why,
            })
            .collect();
        obj.insert("suggested_aliases".into(), serde_json::to_value(list)?);
    }
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")?;
    Ok(())
}

fn write_text(report: &Report, stats: &[Stats], top: usize, out: &mut dyn Write) -> Result<()> {
    for (i, (f, s)) in report.files.iter().zip(stats).enumerate() {
        if let Some(why) = &f.skipped {
            writeln!(out, "{}\n  skipped     {why}", f.path)?;
            continue;
        }
        writeln!(out, "{}", f.path)?;
        writeln!(out, "  format      {}", f.format.unwrap_or("?"))?;
        writeln!(out, "  encoding    {}", f.encoding)?;
        writeln!(out, "  size        {} bytes", thousands(f.bytes))?;
        let kinds: Vec<String> = Kind::ALL
            .iter()
            .zip(s.kinds)
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{k} {}", thousands(n)))
            .collect();
        writeln!(
            out,
            "  messages    {}{}",
            thousands(s.messages),
            if kinds.is_empty() {
                String::new()
            } else {
                format!(" ({})", kinds.join(", "))
            }
        )?;
        if let (Some(a), Some(b)) = (stamp(s.first), stamp(s.last)) {
            writeln!(out, "  time        {a} … {b}")?;
        }
        if let Some(h) = hint_text(&s.hours) {
            writeln!(out, "  zone hint   {h}")?;
        }
        let senders = sorted_senders(s);
        let shown: Vec<String> = senders
            .iter()
            .take(top)
            .map(|(id, n)| format!("{id} ({})", thousands(*n)))
            .collect();
        let more = senders.len().saturating_sub(top);
        writeln!(
            out,
            "  senders     {}: {}{}",
            thousands(senders.len() as u64),
            shown.join(", "),
            if more > 0 {
                format!(", … {more} more")
            } else {
                String::new()
            }
        )?;
        if let Some(note) = &f.note {
            writeln!(out, "  read as     {note}")?;
        }
        if f.duplicates > 0 {
            writeln!(
                out,
                "  duplicates  {} messages whose id was read before were merged",
                thousands(f.duplicates)
            )?;
        }
        writeln!(out, "  problems    {}", thousands(f.problems))?;
        for p in report
            .problems
            .iter()
            .filter(|p| p.loc.file as usize == i)
            .take(5)
        {
            writeln!(out, "    line {}: {}", p.loc.line, p.what)?;
        }
        if f.dst_adjusted > 0 {
            writeln!(
                out,
                "  dst         {} stamps in a DST gap or overlap took the earlier instant",
                thousands(f.dst_adjusted)
            )?;
        }
    }
    for w in &report.walk_problems {
        writeln!(out, "{}\n  unreadable  {}", w.path, w.what)?;
    }
    if let Some(h) = hint_text(&all_hours(stats)) {
        writeln!(out, "all input\n  zone hint   {h}")?;
    }
    Ok(())
}

/// Every file's hours together: the whole input's zone evidence.
fn all_hours(stats: &[Stats]) -> HourHistogram {
    let mut all = HourHistogram::new();
    for s in stats {
        all.merge(&s.hours);
    }
    all
}
