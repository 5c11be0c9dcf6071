//! `topics.csv`: topic frequency per bucket (and per person), and the `--examples` text.
//!
//! CSV columns: `bucket,topic,label,messages,total,per_1000` — for every bucket with
//! messages and every topic of the lexicon: messages mentioning the topic, all messages in
//! the bucket, and the rate per 1,000 messages (2 decimals). Per person:
//! `bucket,person,topic,label,messages,total,per_1000`, where `total` is the person's messages
//! in the bucket.

use super::{cell, local_stamp};
use crate::analysis::timeline::Bucket;
use crate::analysis::topic_eval;
use crate::analysis::topics::TopicMatcher;
use crate::analysis::trend::{Counts, Trend};
use crate::output::write_csv_row;
use crate::pipeline::Report;
use crate::text::thousands;
use std::io::Write;

/// The rate per 1,000 messages with two decimals (`0.00` when there are none).
pub fn rate(hits: u64, total: u64) -> String {
    if total == 0 {
        return "0.00".into();
    }
    format!("{:.2}", hits as f64 * 1000.0 / total as f64)
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
        let (id, lab) = (cell(id, raw), cell(&labels[t], raw));
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
            let name = cell(person, raw);
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

/// Writes up to the trend's examples per topic as text: a line per topic with its count, then
/// each example with time, person, source and line, its body indented, and with `why` the
/// cues that fired.
pub fn write_examples(
    trend: &Trend,
    matcher: &TopicMatcher,
    report: &Report,
    why: bool,
    buf: &mut Vec<u8>,
) -> std::io::Result<()> {
    let (ids, labels) = (matcher.ids(), matcher.labels());
    for t in 0..matcher.len() {
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
            let stamp = String::from_utf8(local_stamp(&e.time)).unwrap_or_default();
            writeln!(buf, "  {stamp}  {}  {source}:{}", e.person, e.line)?;
            for l in e.body.lines() {
                writeln!(buf, "    {l}")?;
            }
            if why {
                let x = matcher.explain(&e.body);
                writeln!(buf, "    why: {}", topic_eval::describe(matcher, &x))?;
            }
        }
        writeln!(buf)?;
    }
    Ok(())
}
