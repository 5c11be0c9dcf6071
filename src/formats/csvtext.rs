//! Reading CSV records with the `csv` crate while borrowing their fields from the input
//! (chatsift-csv and WeChat CSV).

use std::borrow::Cow;

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
