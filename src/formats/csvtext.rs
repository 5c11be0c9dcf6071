//! Reading CSV records with the `csv` crate while borrowing their fields from the input
//! (chatsift-csv and WeChat CSV).

use super::{Chunk, Lines, ParseCtx, Sink};
use crate::model::{Loc, Problem};
use std::borrow::Cow;

/// The records of a CSV chunk, one at a time, each with where it starts; a record the csv
/// crate cannot read is reported as a problem and passed over (a second error at the same
/// byte ends the walk, so damaged input cannot loop).
pub(crate) struct Records<'a, 'c> {
    chunk: &'c Chunk<'a>,
    ctx: &'c ParseCtx<'a>,
    reader: csv::Reader<&'a [u8]>,
    record: csv::StringRecord,
    lines: Lines<'a>,
    last_error_at: Option<u64>,
}

/// One readable record: its fields, the byte it starts at in the chunk, and its location.
pub(crate) struct Row<'r> {
    /// The parsed fields.
    pub(crate) record: &'r csv::StringRecord,
    /// The chunk-relative byte where the record's text starts.
    pub(crate) start: usize,
    /// The record's file, line and offset.
    pub(crate) loc: Loc,
}

impl<'a, 'c> Records<'a, 'c> {
    /// A walk over the records of `chunk` (no header handling: the first record is the
    /// header, if the format has one).
    pub(crate) fn new(chunk: &'c Chunk<'a>, ctx: &'c ParseCtx<'a>) -> Records<'a, 'c> {
        Records {
            chunk,
            ctx,
            reader: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(chunk.text.as_bytes()),
            record: csv::StringRecord::new(),
            lines: chunk.lines(),
            last_error_at: None,
        }
    }

    /// The next readable record, or `None` at the end.
    pub(crate) fn next(&mut self, sink: &mut dyn Sink<'a>) -> Option<Row<'_>> {
        loop {
            let result = self.reader.read_record(&mut self.record);
            let start = record_start(self.chunk.text, self.record.position());
            let line = self.lines.at(start);
            let loc = self.ctx.loc(self.chunk, start, line);
            match result {
                Ok(false) => return None,
                Ok(true) => {
                    return Some(Row {
                        record: &self.record,
                        start,
                        loc,
                    });
                }
                Err(e) => {
                    let at = self.reader.position().byte();
                    if self.last_error_at == Some(at) {
                        return None;
                    }
                    self.last_error_at = Some(at);
                    sink.problem(Problem::new(loc, format!("unreadable CSV record ({e})")));
                }
            }
        }
    }
}

/// Where a CSV record really starts: csv's position can point at the line terminator or
/// blank lines it skipped before the record.
pub(crate) fn record_start(text: &str, pos: Option<&csv::Position>) -> usize {
    let b = text.as_bytes();
    let mut i = pos
        .and_then(|p| usize::try_from(p.byte()).ok())
        .unwrap_or(b.len())
        .min(b.len());
    while matches!(b.get(i), Some(b'\r' | b'\n')) {
        i += 1;
    }
    i
}

/// Walks the raw text of a record alongside csv's parsed fields and borrows each field from
/// the text when it appears there verbatim (unquoted, or quoted without `""`). The bytes are
/// compared, so a borrowed value is always exactly the parsed one; after the first field that
/// has to be owned the walk stops and the rest are owned too.
pub(crate) struct Borrower<'a> {
    text: &'a str,
    cursor: Option<usize>,
}

impl<'a> Borrower<'a> {
    /// A walk of the record that starts at byte `start` of `text`.
    pub(crate) fn new(text: &'a str, start: usize) -> Borrower<'a> {
        Borrower {
            text,
            cursor: Some(start),
        }
    }

    /// The next field: borrowed from the text when it is there verbatim, else owned.
    pub(crate) fn field(&mut self, field: &str) -> Cow<'a, str> {
        if let Some(c) = self.cursor {
            let rest = self.text.as_bytes().get(c..).unwrap_or(&[]);
            let f = field.as_bytes();
            let ends = |at: usize| matches!(rest.get(at), None | Some(b',' | b'\r' | b'\n'));
            if rest.starts_with(f)
                && ends(f.len())
                && let Some(s) = self.text.get(c..c + f.len())
            {
                self.cursor = Some(c + f.len() + 1);
                return Cow::Borrowed(s);
            }
            if rest.first() == Some(&b'"')
                && rest.get(1..).is_some_and(|r| r.starts_with(f))
                && rest.get(1 + f.len()) == Some(&b'"')
                && ends(f.len() + 2)
                && let Some(s) = self.text.get(c + 1..c + 1 + f.len())
            {
                self.cursor = Some(c + f.len() + 3);
                return Cow::Borrowed(s);
            }
            self.cursor = None;
        }
        Cow::Owned(field.to_owned())
    }
}
