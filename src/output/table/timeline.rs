//! `timeline.csv`: per-person activity per bucket.
//!
//! Columns: `person,bucket,messages,characters,conversations,first,last` — one row per
//! (person, bucket) with activity (`--fill` adds zero rows between a person's first and last
//! bucket); `bucket` is the bucket's start in `--tz` (`2021-06-02 09:00`, `2021-06-02`, the
//! Monday of a week, `2021-06`); `first`/`last` are RFC 3339 in `--tz`. `--wide` writes one
//! row per bucket and one column of message counts per person instead.

use super::{cell, local_stamp};
use crate::analysis::timeline::Timeline;
use crate::output::write_csv_row;

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
        let name = cell(person, raw);
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
            let (first, last) = (local_stamp(&c.first), local_stamp(&c.last));
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

/// Writes a timeline as wide CSV: one row per bucket, one column per person.
pub fn write_wide(t: &Timeline, fill: bool, raw: bool, out: &mut Vec<u8>) {
    let by = t.bucket();
    let people = t.people_by_activity();
    let names: Vec<Vec<u8>> = people.iter().map(|(p, _)| cell(p, raw)).collect();
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
