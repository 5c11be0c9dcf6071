//! `files.csv`: every input and what became of it. Columns:
//! `path,format,encoding,bytes,messages,problems,skipped,note`; paths that could not be
//! listed follow, with the reason under `skipped`.

use super::cell;
use crate::output::write_csv_row;
use crate::pipeline::Report;

/// Writes the table of `report`'s files.
pub fn write_csv(report: &Report, raw: bool, buf: &mut Vec<u8>) {
    write_csv_row(
        buf,
        [
            "path", "format", "encoding", "bytes", "messages", "problems", "skipped", "note",
        ]
        .iter()
        .map(|c| c.as_bytes()),
    );
    for f in &report.files {
        let cells = [
            cell(&f.path, raw),
            f.format.unwrap_or("").as_bytes().to_vec(),
            cell(&f.encoding, raw),
            f.bytes.to_string().into_bytes(),
            f.messages.to_string().into_bytes(),
            f.problems.to_string().into_bytes(),
            cell(f.skipped.as_deref().unwrap_or(""), raw),
            cell(f.note.as_deref().unwrap_or(""), raw),
        ];
        write_csv_row(buf, cells.iter().map(|c| &c[..]));
    }
    for w in &report.walk_problems {
        let cells = [
            cell(&w.path, raw),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            cell(&w.what, raw),
            Vec::new(),
        ];
        write_csv_row(buf, cells.iter().map(|c| &c[..]));
    }
}
