//! `chatsift timeline`: per-person activity per bucket as CSV.
//!
//! Columns: `person,bucket,messages,characters,conversations,first,last` — one row per
//! (person, bucket) with activity (`--fill` adds zero rows between a person's first and last
//! bucket); `bucket` is the bucket's start in `--tz` (`2021-06-02 09:00`, `2021-06-02`, the
//! Monday of a week, `2021-06`); `first`/`last` are RFC 3339 in `--tz`. `--wide` writes one
//! row per bucket and one column of message counts per person instead.

use super::common::{self, FilterArgs, InputArgs};
use anyhow::Result;
use chatsift::analysis::timeline::{Bucket, Timeline};
use chatsift::output::write_csv_row;
use clap::Args;
use std::path::PathBuf;

/// `timeline` options.
#[derive(Args, Debug)]
pub struct TimelineArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    filter: FilterArgs,
    /// Bucket size: hour, day, week (from Monday) or month, in --tz.
    #[arg(long, default_value = "day", value_name = "SIZE")]
    by: Bucket,
    /// One row per bucket with a column of message counts per person.
    #[arg(long)]
    wide: bool,
    /// Write zero rows for empty buckets between a person's first and last activity.
    #[arg(long)]
    fill: bool,
    /// Write to this file (atomically) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write CSV cells verbatim (no `'` before formula characters).
    #[arg(long)]
    raw_csv: bool,
}

/// The long-form header.
pub const COLUMNS: [&str; 7] = [
    "person",
    "bucket",
    "messages",
    "characters",
    "conversations",
    "first",
    "last",
];

/// Runs `timeline`.
pub fn run(args: TimelineArgs) -> Result<()> {
    let setup = args.input.setup()?;
    let by = args.by;
    let (t, report) = common::analyse(&setup, &args.filter, None, || Timeline::new(by))?;
    common::write_output(args.output.as_deref(), |out| {
        let mut buf = Vec::new();
        if args.wide {
            write_wide(&t, args.fill, args.raw_csv, &mut buf);
        } else {
            write_long(&t, args.fill, args.raw_csv, &mut buf);
        }
        out.write_all(&buf)?;
        Ok(())
    })?;
    common::print_summary(&report, setup.quiet);
    Ok(())
}

/// Writes a timeline as long CSV: one row per person and bucket.
pub fn write_long(t: &Timeline, fill: bool, raw: bool, out: &mut Vec<u8>) {
    write_csv_row(out, COLUMNS.iter().map(|c| c.as_bytes()));
    let by = t.bucket();
    let rows = t.rows();
    let mut i = 0;
    while i < rows.len() {
        let person = rows[i].0;
        let mut j = i;
        while j < rows.len() && rows[j].0 == person {
            j += 1;
        }
        let name = common::cell(person, raw);
        let mut expected = rows[i].1;
        for &(_, key, c) in &rows[i..j] {
            while fill && expected < key {
                let label = by.label(expected);
                write_csv_row(
                    out,
                    [&name[..], label.as_bytes(), b"0", b"0", b"0", b"", b""].into_iter(),
                );
                expected = by.next(expected);
            }
            let (label, m, ch, cv) = (
                by.label(key),
                c.messages.to_string(),
                c.characters.to_string(),
                c.conversations().to_string(),
            );
            let (first, last) = (common::local_stamp(&c.first), common::local_stamp(&c.last));
            write_csv_row(
                out,
                [
                    &name[..],
                    label.as_bytes(),
                    m.as_bytes(),
                    ch.as_bytes(),
                    cv.as_bytes(),
                    &first[..],
                    &last[..],
                ]
                .into_iter(),
            );
            expected = by.next(key);
        }
        i = j;
    }
}

fn write_wide(t: &Timeline, fill: bool, raw: bool, out: &mut Vec<u8>) {
    let by = t.bucket();
    let people = t.people_by_activity();
    let names: Vec<Vec<u8>> = people.iter().map(|(p, _)| common::cell(p, raw)).collect();
    write_csv_row(
        out,
        std::iter::once(&b"bucket"[..]).chain(names.iter().map(|n| &n[..])),
    );
    let mut keys: Vec<i64> = t.rows().iter().map(|r| r.1).collect();
    keys.sort_unstable();
    keys.dedup();
    if fill && let Some((lo, hi)) = t.span() {
        keys.clear();
        let mut k = lo;
        while k <= hi {
            keys.push(k);
            k = by.next(k);
        }
    }
    for k in keys {
        let label = by.label(k);
        let counts: Vec<String> = people
            .iter()
            .map(|(p, _)| t.messages(p, k).to_string())
            .collect();
        write_csv_row(
            out,
            std::iter::once(label.as_bytes()).chain(counts.iter().map(|c| c.as_bytes())),
        );
    }
}
