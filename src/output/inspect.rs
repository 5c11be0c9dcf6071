//! `inspect`'s output: per input, the detected format and encoding, message counts by kind,
//! time range, senders, problems and the zone hint, as text or JSON; and the alias
//! suggestions as TOML.

use crate::analysis::files::FileStats;
use crate::analysis::suggest::{self, Suggestion};
use crate::analysis::tzhint::{HourHistogram, ZoneHint, format_offset};
use crate::error::Result;
use crate::model::Kind;
use crate::pipeline::Report;
use crate::text::thousands;
use crate::time::write_rfc3339;
use serde::Serialize;
use std::io::Write;

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

/// The JSON hint of a histogram (one file's when `one_file`): None without messages.
fn hint_json(h: &HourHistogram, one_file: bool) -> Option<ZoneHintJson> {
    if let Some(z) = hint_of(h, one_file) {
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

/// The hint of one file's histogram, or of the whole input's.
fn hint_of(h: &HourHistogram, one_file: bool) -> Option<crate::analysis::tzhint::ZoneHint> {
    if one_file { h.file_hint() } else { h.hint() }
}

/// The text hint of a histogram (one file's when `one_file`): None without messages.
pub fn hint_text(h: &HourHistogram, one_file: bool) -> Option<String> {
    if let Some(z) = hint_of(h, one_file) {
        return Some(z.describe());
    }
    h.too_few().then(|| {
        format!(
            "{TOO_FEW} ({}; a hint needs {})",
            thousands(h.total()),
            thousands(crate::analysis::tzhint::MIN_MESSAGES)
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

/// The alias suggestions as a commented TOML snippet.
pub fn write_suggestions(s: &[Suggestion], out: &mut dyn Write) -> Result<()> {
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

/// The whole inspection as one pretty JSON document.
pub fn write_json(
    report: &Report,
    stats: &[FileStats],
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
                senders: s
                    .sorted_senders()
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
                zone_hint: hint_json(&s.hours, true),
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
            "zone_hint": hint_json(&all_hours(stats), false),
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
        obj.insert(
            "suggested_aliases".into(),
            serde_json::to_value(list).map_err(std::io::Error::from)?,
        );
    }
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// The inspection as text: a block per file (its `top` senders), then the unreadable paths
/// and the whole input's zone hint.
pub fn write_text(
    report: &Report,
    stats: &[FileStats],
    top: usize,
    out: &mut dyn Write,
) -> Result<()> {
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
        if let Some(h) = hint_text(&s.hours, true) {
            writeln!(out, "  zone hint   {h}")?;
        }
        let senders = s.sorted_senders();
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
    if let Some(h) = hint_text(&all_hours(stats), false) {
        writeln!(out, "all input\n  zone hint   {h}")?;
    }
    Ok(())
}

/// Every file's hours together.
fn all_hours(stats: &[FileStats]) -> HourHistogram {
    let mut all = HourHistogram::new();
    for s in stats {
        all.merge(&s.hours);
    }
    all
}
