//! What a run says on stderr when it ends: the problems it kept, notes on skipped files,
//! and the one summary line (`3 files read, 0 skipped, 1,234 messages, 2 problems`).

use crate::formats;
use crate::pipeline::Report;
use crate::text::thousands;
use std::collections::HashMap;

/// How many problem lines are printed per file before "… and N more".
pub const PROBLEMS_SHOWN_PER_FILE: usize = 10;

/// The lines a command prints on stderr after a run (each after `chatsift: `): every
/// unreadable path, the first [`PROBLEMS_SHOWN_PER_FILE`] problems of each file as
/// `PATH:LINE: what`, the WhatsApp and no-chat notes, and the summary line last.
pub fn lines(report: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let mut shown: HashMap<u32, usize> = HashMap::new();
    for w in &report.walk_problems {
        out.push(format!("{}: {}", w.path, w.what));
    }
    for p in &report.problems {
        let n = shown.entry(p.loc.file).or_default();
        *n += 1;
        if *n <= PROBLEMS_SHOWN_PER_FILE {
            out.push(format!(
                "{}:{}: {}",
                report.path(p.loc.file),
                p.loc.line,
                p.what
            ));
        }
    }
    for (i, f) in report.files.iter().enumerate() {
        let n = shown.get(&(i as u32)).copied().unwrap_or(0) as u64;
        let shown_here = n.min(PROBLEMS_SHOWN_PER_FILE as u64);
        if f.problems > shown_here {
            out.push(format!(
                "{}: … and {} more problems (run `chatsift inspect` on it)",
                f.path,
                f.problems - shown_here
            ));
        }
    }
    out.extend(whatsapp_lines(report));
    out.extend(no_chat_lines(report));
    out.push(summary_line(report));
    out
}

/// WhatsApp files skipped because no header layout matched, and WhatsApp files whose date
/// order was assumed (no date decided it), with the hint to pass `--date-order`.
fn whatsapp_lines(report: &Report) -> Vec<String> {
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
fn no_chat_lines(report: &Report) -> Vec<String> {
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
