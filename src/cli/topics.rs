//! `chatsift topics`: topic frequency per bucket (and per person), or example messages.
//!
//! CSV columns: `bucket,topic,label,messages,total,per_1000` — for every bucket with
//! messages and every topic of the lexicon: messages mentioning the topic, all messages in
//! the bucket, and the rate per 1,000 messages (2 decimals). With `--per-person`:
//! `bucket,person,topic,label,messages,total,per_1000`, where `total` is the person's messages
//! in the bucket. `--examples N` prints, instead, up to N matching messages per topic with
//! their source and line, so a researcher can check what the lexicon caught.

use super::common::{self, FilterArgs, InputArgs, thousands};
use anyhow::Result;
use chatsift::analysis::timeline::Bucket;
use chatsift::analysis::trend::{Counts, Trend};
use chatsift::output::write_csv_row;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// `topics` options.
#[derive(Args, Debug)]
pub struct TopicsArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    filter: FilterArgs,
    /// Bucket size: day, week (from Monday) or month (or hour), in --tz.
    #[arg(long, default_value = "month", value_name = "SIZE")]
    by: Bucket,
    /// One row per (bucket, person, topic).
    #[arg(long)]
    per_person: bool,
    /// Print up to N matching messages per topic (with source and line) instead of CSV.
    #[arg(long, value_name = "N")]
    examples: Option<usize>,
    /// Write to this file (atomically) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write CSV cells verbatim (no `'` before formula characters).
    #[arg(long)]
    raw_csv: bool,
}

fn rate(hits: u64, total: u64) -> String {
    if total == 0 {
        return "0.00".into();
    }
    format!("{:.2}", hits as f64 * 1000.0 / total as f64)
}

/// Runs `topics`.
pub fn run(args: TopicsArgs) -> Result<()> {
    let setup = args.input.setup()?;
    let matcher = args.filter.topics()?;
    let n = matcher.len();
    let (by, per_person, ex) = (args.by, args.per_person, args.examples.unwrap_or(0));
    let (trend, report) = common::analyse(&setup, &args.filter, Some(&matcher), || {
        Trend::new(by, n, per_person, ex)
    })?;
    let (ids, labels) = (matcher.ids(), matcher.labels());
    common::write_output(args.output.as_deref(), |out| {
        let mut buf = Vec::new();
        if args.examples.is_some() {
            for t in 0..n {
                let total: u64 = trend
                    .buckets()
                    .iter()
                    .map(|(_, c)| c.hits.get(t).copied().unwrap_or(0))
                    .sum();
                writeln!(
                    buf,
                    "{} ({}): {} messages",
                    ids[t],
                    labels[t],
                    thousands(total)
                )?;
                for e in trend.examples(t) {
                    let source = e.source.as_deref().unwrap_or_else(|| report.path(e.file));
                    let stamp = String::from_utf8(common::local_stamp(&e.time)).unwrap_or_default();
                    writeln!(buf, "  {stamp}  {}  {source}:{}", e.person, e.line)?;
                    for l in e.body.lines() {
                        writeln!(buf, "    {l}")?;
                    }
                }
                writeln!(buf)?;
            }
        } else {
            write_csv(&trend, ids, labels, per_person, args.raw_csv, &mut buf);
        }
        out.write_all(&buf)?;
        Ok(())
    })?;
    common::print_summary(&report, setup.quiet);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn rows(
    buf: &mut Vec<u8>,
    by: Bucket,
    key: i64,
    person: Option<&[u8]>,
    c: &Counts,
    ids: &[String],
    labels: &[String],
    raw: bool,
) {
    let label = by.label(key);
    let total = c.total.to_string();
    for (t, id) in ids.iter().enumerate() {
        let hits = c.hits.get(t).copied().unwrap_or(0);
        let (m, r) = (hits.to_string(), rate(hits, c.total));
        let (id, lab) = (common::cell(id, raw), common::cell(&labels[t], raw));
        let mut cells: Vec<&[u8]> = vec![label.as_bytes()];
        if let Some(p) = person {
            cells.push(p);
        }
        cells.extend([
            &id[..],
            &lab[..],
            m.as_bytes(),
            total.as_bytes(),
            r.as_bytes(),
        ]);
        write_csv_row(buf, cells.into_iter());
    }
}

/// Writes topic counts per bucket (and per person with `per_person`) as CSV: matching
/// messages, all messages and the rate per 1,000 messages.
pub fn write_csv(
    trend: &Trend,
    ids: &[String],
    labels: &[String],
    per_person: bool,
    raw: bool,
    buf: &mut Vec<u8>,
) {
    let by = trend.bucket();
    if per_person {
        write_csv_row(
            buf,
            [
                "bucket", "person", "topic", "label", "messages", "total", "per_1000",
            ]
            .iter()
            .map(|c| c.as_bytes()),
        );
        for (person, key, c) in trend.person_buckets() {
            let name = common::cell(person, raw);
            rows(buf, by, key, Some(&name), c, ids, labels, raw);
        }
    } else {
        write_csv_row(
            buf,
            ["bucket", "topic", "label", "messages", "total", "per_1000"]
                .iter()
                .map(|c| c.as_bytes()),
        );
        for (key, c) in trend.buckets() {
            rows(buf, by, key, None, c, ids, labels, raw);
        }
    }
}
