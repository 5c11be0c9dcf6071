//! `isoon`: chat tables in Markdown files from the i-SOON leak (`1.md`, `2.md`, …).
//!
//! Each chat file holds an HTML `<table>`: a header row of `<th>` cells, then one row per
//! message with four `<td>` cells: time (`YYYY-MM-DD HH:MM:SS`, naive, read in
//! `--source-tz`), from, to (a WeChat id, or a room `…@chatroom`), and the message as HTML
//! (`<br>`, entities, `<img src>` / `<a href>` attachments; see [`super::html::cell_text`]).
//!
//! Rows are found byte by byte with `memchr` on `<`: tag names are matched ASCII
//! case-insensitively (`<TR><TD>`), attributes and whitespace between tags are allowed
//! (`<td align="left">`, `</td >`), rows may span lines and share lines, and cells may hold
//! literal newlines. Fields borrow from the input; only cells with `&`, `<` or CR are copied.
//!
//! The grammar of a row, strictly:
//! `<tr ATTRS>` (WS cell)* WS `</tr WS>` where a cell is `<td ATTRS>` INNER `</td WS>` (or
//! the same with `th`), INNER runs to the first `</td`, and ATTRS holds no `<`. Every
//! `<tr` tag in the file starts a row: a row that meets another `<tr` (or the end of the
//! file) before its `</tr>` is reported and parsing resumes at that `<tr`. Because a good
//! row contains no `<tr` besides its own, a chunk that starts at any `<tr` reads exactly as
//! the whole file does from there, which is what [`Format::next_record`] relies on.

use super::html;
use super::{Chunk, Format, ParseCtx, Sink, excerpt, file_name};
use crate::model::{Kind, Message, Problem};
use crate::time::parse_ymd_hms;
use memchr::{memchr, memchr2};
use std::borrow::Cow;

/// The `isoon` format.
#[derive(Debug, Clone, Copy)]
pub struct Isoon;

/// What a complete row (one that reached its `</tr>`) holds.
enum Row {
    /// Exactly four `<td>` cells: (start, end) of each cell's inner text.
    Data { cells: [(usize, usize); 4] },
    /// Only `<th>` cells: the table's header, skipped quietly.
    Header,
    /// Any other mix of cells.
    Cells { td: usize, th: usize },
}

/// The text of a chunk (or sniffed head) and whether the file ends with it.
///
/// In a chunk that is not the last, the next chunk starts with `<tr` + a delimiter, so the
/// end of the text behaves as if a `<` followed: a tag name cut by the end is not a tag.
struct Scan<'b> {
    b: &'b [u8],
    last: bool,
}

#[inline]
fn is_ws(c: u8) -> bool {
    c.is_ascii_whitespace()
}

#[inline]
fn skip_ws(b: &[u8], mut p: usize) -> usize {
    while p < b.len() && is_ws(b[p]) {
        p += 1;
    }
    p
}

impl Scan<'_> {
    /// True when the name at `at` ends there: whitespace, `>` or `/` follows (or the file
    /// ends there).
    #[inline]
    fn name_ends(&self, at: usize) -> bool {
        match self.b.get(at) {
            Some(&c) => is_ws(c) || c == b'>' || c == b'/',
            None => self.last,
        }
    }

    /// True when a start tag `<name` (two letters, any case) begins at `q`.
    #[inline]
    fn open_tag(&self, q: usize, name: &[u8; 2]) -> bool {
        match self.b.get(q..q.saturating_add(3)) {
            Some([b'<', x, y]) => {
                x.to_ascii_lowercase() == name[0]
                    && y.to_ascii_lowercase() == name[1]
                    && self.name_ends(q + 3)
            }
            _ => false,
        }
    }

    /// At `q`: `Ok(None)` when no end tag `</name` begins there, `Ok(Some(after))` for
    /// `</name WS>`, `Err(pos)` when the end tag is not closed by `>`.
    #[inline]
    fn close_tag(&self, q: usize, name: &[u8; 2]) -> Result<Option<usize>, usize> {
        match self.b.get(q..q.saturating_add(4)) {
            Some([b'<', b'/', x, y])
                if x.to_ascii_lowercase() == name[0]
                    && y.to_ascii_lowercase() == name[1]
                    && self.name_ends(q + 4) =>
            {
                let p = skip_ws(self.b, q + 4);
                if self.b.get(p) == Some(&b'>') {
                    Ok(Some(p + 1))
                } else {
                    Err(p)
                }
            }
            _ => Ok(None),
        }
    }

    /// The position after the `>` that ends a start tag whose attributes begin at `from`;
    /// `Err` at a `<` met first, or at the end of the text.
    #[inline]
    fn tag_end(&self, from: usize) -> Result<usize, usize> {
        let b = self.b;
        let from = from.min(b.len());
        match memchr2(b'>', b'<', &b[from..]) {
            Some(k) if b[from + k] == b'>' => Ok(from + k + 1),
            Some(k) => Err(from + k),
            None => Err(b.len()),
        }
    }

    /// The first `<tr` start tag at or after `from`.
    fn find_tr(&self, mut from: usize) -> Option<usize> {
        let b = self.b;
        while from < b.len() {
            let q = from + memchr(b'<', &b[from..])?;
            if self.open_tag(q, b"tr") {
                return Some(q);
            }
            from = q + 1;
        }
        None
    }

    /// Reads the row whose `<tr` is at `s`: the row and the position after its `</tr>`, or
    /// the position where it stopped making sense.
    fn row(&self, s: usize) -> Result<(Row, usize), usize> {
        let b = self.b;
        let mut p = self.tag_end(s + 3)?;
        let mut cells = [(0usize, 0usize); 4];
        let (mut td, mut th) = (0usize, 0usize);
        loop {
            p = skip_ws(b, p);
            if b.get(p) != Some(&b'<') {
                return Err(p);
            }
            if let Some(end) = self.close_tag(p, b"tr")? {
                let row = match (td, th) {
                    (4, 0) => Row::Data { cells },
                    (0, th) if th > 0 => Row::Header,
                    (td, th) => Row::Cells { td, th },
                };
                return Ok((row, end));
            }
            let name = if self.open_tag(p, b"td") {
                b"td"
            } else if self.open_tag(p, b"th") {
                b"th"
            } else {
                return Err(p);
            };
            let start = self.tag_end(p + 3)?;
            let mut q = start;
            let (stop, after) = loop {
                let r = q + memchr(b'<', &b[q..]).ok_or(b.len())?;
                if let Some(after) = self.close_tag(r, name)? {
                    break (r, after);
                }
                if self.open_tag(r, b"tr")
                    || self.open_tag(r, b"td")
                    || self.open_tag(r, b"th")
                    || self.close_tag(r, b"tr") != Ok(None)
                {
                    return Err(r);
                }
                q = r + 1;
            };
            if name == b"td" {
                if let Some(c) = cells.get_mut(td) {
                    *c = (start, stop);
                }
                td += 1;
            } else {
                th += 1;
            }
            p = after;
        }
    }

    /// Why a row stopped at `q` (see [`Scan::row`]). The answer depends only on the text
    /// from `q` on, so a split file reads the same as a whole one.
    fn stop_reason(&self, q: usize) -> &'static str {
        let b = self.b;
        let at_end = q >= b.len() || (self.last && memchr(b'>', &b[q..]).is_none());
        if at_end && self.last {
            "row cut off at end of file"
        } else if at_end || self.open_tag(q, b"tr") {
            "row not closed before the next row"
        } else {
            "unexpected text in row"
        }
    }

    /// True when a strict row start is at `s`: `<tr ATTRS>`, whitespace, `<td ATTRS>`, a
    /// valid `YYYY-MM-DD HH:MM:SS` stamp, `</td`.
    fn strict_row_start(&self, s: usize) -> bool {
        let b = self.b;
        let Ok(p) = self.tag_end(s + 3) else {
            return false;
        };
        let p = skip_ws(b, p);
        if !self.open_tag(p, b"td") {
            return false;
        }
        let Ok(p) = self.tag_end(p + 3) else {
            return false;
        };
        let p = skip_ws(b, p);
        let Some((_, n)) = parse_ymd_hms(&b[p..]) else {
            return false;
        };
        let p = skip_ws(b, p + n);
        matches!(self.close_tag(p, b"td"), Ok(Some(_)))
    }
}

/// The first position of `needle` (lower-case ASCII) in `b`, in any case.
fn find_ci(b: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while from < b.len() {
        let q = from + memchr2(first, first.to_ascii_uppercase(), &b[from..])?;
        if b.get(q..q + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
        {
            return Some(q);
        }
        from = q + 1;
    }
    None
}

/// The whole cell text as a stamp, if it is exactly one.
#[inline]
fn stamp(cell: &str) -> Option<crate::time::Civil> {
    match parse_ymd_hms(cell.as_bytes()) {
        Some((c, n)) if n == cell.len() => Some(c),
        _ => None,
    }
}

impl Format for Isoon {
    fn name(&self) -> &'static str {
        "isoon"
    }

    fn description(&self) -> &'static str {
        "i-SOON leak: WeChat chats as HTML tables (time, from, to, message) in Markdown files"
    }

    fn examples(&self) -> &'static [&'static str] {
        &["1.md", "2.md", "17.md"]
    }

    fn sniff(&self, path: &str, head: &str) -> u8 {
        let b = head.as_bytes();
        let Some(table) = find_ci(b, b"<table") else {
            return 0;
        };
        let sc = Scan { b, last: false };
        let (mut good, mut bad) = (0u32, 0u32);
        let mut next = sc.find_tr(table);
        while let Some(s) = next {
            if good + bad >= 32 {
                break;
            }
            match sc.row(s) {
                Ok((Row::Data { cells }, end)) => {
                    let (a, z) = cells[0];
                    if stamp(head[a..z].trim_ascii()).is_some() {
                        good += 1;
                    } else {
                        bad += 1;
                    }
                    next = sc.find_tr(end);
                }
                Ok((Row::Header, end)) => next = sc.find_tr(end),
                Ok((Row::Cells { .. }, end)) => {
                    bad += 1;
                    next = sc.find_tr(end);
                }
                // The head was cut inside this row.
                Err(q) if q >= b.len() => break,
                Err(_) => {
                    bad += 1;
                    next = sc.find_tr(s + 1);
                }
            }
        }
        if good == 0 {
            0
        } else if bad > 0 {
            // Mostly chat rows with some damage: likely, not certain.
            if good >= 2 && bad <= good { 60 } else { 0 }
        } else if file_name(path).to_ascii_lowercase().ends_with(".md") {
            95
        } else {
            85
        }
    }

    fn next_record(&self, text: &str, from: usize) -> Option<usize> {
        let sc = Scan {
            b: text.as_bytes(),
            last: true,
        };
        let mut p = from;
        while let Some(s) = sc.find_tr(p) {
            if sc.strict_row_start(s) {
                return Some(s);
            }
            p = s + 1;
        }
        None
    }

    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'_>, sink: &mut dyn Sink<'a>) {
        let text: &'a str = chunk.text;
        let sc = Scan {
            b: text.as_bytes(),
            last: chunk.last,
        };
        let mut lines = chunk.lines();
        let mut resolver = ctx.resolver();
        let mut next = sc.find_tr(0);
        while let Some(s) = next {
            let loc = ctx.loc(chunk, s, lines.at(s));
            let (row, end) = match sc.row(s) {
                Ok(r) => r,
                Err(q) => {
                    next = sc.find_tr(s + 1);
                    let stop = next.unwrap_or(text.len());
                    let what = sc.stop_reason(q);
                    sink.problem(Problem::new(
                        loc,
                        format!("{what}: {}", excerpt(&text[s..stop])),
                    ));
                    continue;
                }
            };
            next = sc.find_tr(end);
            let cells = match row {
                Row::Data { cells } => cells,
                Row::Header => continue,
                Row::Cells { td, th } => {
                    let what = if th == 0 {
                        format!("row has {td} <td> cells, expected 4")
                    } else {
                        format!("row has {td} <td> and {th} <th> cells, expected 4 <td>")
                    };
                    sink.problem(Problem::new(
                        loc,
                        format!("{what}: {}", excerpt(&text[s..end])),
                    ));
                    continue;
                }
            };
            let cell = |(a, z): (usize, usize)| text[a..z].trim_ascii();
            let time = cell(cells[0]);
            let Some(civil) = stamp(time) else {
                sink.problem(Problem::new(
                    loc,
                    format!("bad timestamp \"{}\"", excerpt(time)),
                ));
                continue;
            };
            let sender = html::cell_text(cell(cells[1])).0;
            let to = html::cell_text(cell(cells[2])).0;
            let (body, attachments) = html::cell_text(cell(cells[3]));
            let (recipient, channel) = if to.ends_with("@chatroom") {
                (None, Some(to))
            } else if to.is_empty() {
                (None, None)
            } else {
                (Some(to), None)
            };
            let (kind, body) = if !attachments.is_empty() && body.trim().is_empty() {
                (Kind::Attachment, Cow::Borrowed(""))
            } else {
                (Kind::Message, body)
            };
            sink.message(Message {
                time: resolver.resolve(&civil),
                sender,
                recipient,
                channel,
                body,
                kind,
                attachments,
                id: None,
                loc,
                origin: None,
            });
        }
        sink.dst_adjusted(resolver.adjusted);
    }
}
