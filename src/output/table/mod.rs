//! The product's tables as CSV: what `timeline`, `people`, `topics` and `graph` write, and
//! the report's `files.csv` and `problems.csv`. Every writer appends to a caller-owned byte
//! buffer; text cells are neutralized for spreadsheets unless `raw` ([`cell`]).

pub mod edges;
pub mod files;
pub mod people;
pub mod problems;
pub mod sample;
pub mod timeline;
pub mod topics;

use crate::analysis::timeline::Instant;

/// A CSV text cell: neutralized for spreadsheets unless `raw`.
pub fn cell(s: &str, raw: bool) -> Vec<u8> {
    if raw {
        s.as_bytes().to_vec()
    } else {
        crate::text::neutralize(s).as_bytes().to_vec()
    }
}

/// An instant as RFC 3339 in the output zone (`2021-06-02T09:15:09+08:00`).
pub fn local_stamp(t: &Instant) -> Vec<u8> {
    let mut v = Vec::with_capacity(32);
    crate::time::write_rfc3339(&mut v, t.micros, t.offset, t.frac_digits, false);
    v
}
