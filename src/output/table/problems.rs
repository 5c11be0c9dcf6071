//! `problems.csv`: every kept problem. Columns: `source,line,offset,problem`.

use super::cell;
use crate::output::write_csv_row;
use crate::pipeline::Report;

/// Writes every kept problem of `report`.
pub fn write_csv(report: &Report, raw: bool, buf: &mut Vec<u8>) {
    write_csv_row(
        buf,
        ["source", "line", "offset", "problem"]
            .iter()
            .map(|c| c.as_bytes()),
    );
    for p in &report.problems {
        let cells = [
            cell(report.path(p.loc.file), raw),
            p.loc.line.to_string().into_bytes(),
            p.loc.offset.to_string().into_bytes(),
            cell(&p.what, raw),
        ];
        write_csv_row(buf, cells.iter().map(|c| &c[..]));
    }
}
