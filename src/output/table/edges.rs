//! `edges.csv`: who writes to whom. Columns: `source,target,channel,messages,first,last`,
//! one row per edge, times RFC 3339 in the output zone.

use super::{cell, local_stamp};
use crate::analysis::graph::Edge;
use crate::output::write_csv_row;

/// The edge list: a header, then one row per edge.
pub fn write_csv(edges: &[Edge], raw: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(b"source,target,channel,messages,first,last\n");
    let cell = |s: &str| cell(s, raw);
    for e in edges {
        let cells = [
            cell(&e.source),
            cell(&e.target),
            cell(e.channel.as_deref().unwrap_or("")),
            e.tally.messages.to_string().into_bytes(),
            local_stamp(&e.tally.first),
            local_stamp(&e.tally.last),
        ];
        write_csv_row(out, cells.iter().map(Vec::as_slice));
    }
}
