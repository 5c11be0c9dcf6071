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
use super::{About, Chunk, Format, ParseCtx, Sink, excerpt, file_name};
use crate::model::{Kind, Loc, Message, Problem, Timestamp};
use crate::time::{Civil, parse_ymd_hms};
use memchr::{memchr, memchr2, memchr3};
use std::borrow::Cow;

/// The `isoon` format.
#[derive(Debug, Clone, Copy)]
pub struct Isoon;

/// What a complete row (one that reached its `</tr>`) holds.
enum Row {
    /// Exactly four `<td>` cells.
    Data { cells: [Cell; 4] },
    /// Only `<th>` cells: the table's header, skipped quietly.
    Header,
    /// Any other mix of cells.
    Cells { td: usize, th: usize },
}

/// Where a cell's inner text is, and whether it holds `&`, `<` or CR (and so needs
/// [`html::cell_text`]; a plain cell is borrowed as it is).
#[derive(Clone, Copy, Debug, Default)]
struct Cell {
    start: usize,
    end: usize,
    markup: bool,
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

/// The bytes a cell scan stops at: `<` (a tag, maybe the cell's end), `&` and CR (the cell
/// needs [`html::cell_text`]) and LF (counted for line numbers).
const CELL_STOPS: [u8; 4] = [b'<', b'&', b'\r', b'\n'];

/// A row in the exact layout the export writes, read by [`Scan::fast_row`].
#[derive(Default)]
struct FastRow {
    /// The stamp of the first cell.
    civil: Civil,
    /// From, to and message.
    cells: [Cell; 3],
    /// The position after `</tr>`.
    end: usize,
    /// Line breaks inside the row.
    newlines: u64,
}

/// Like [`skip_ws`], also counting the line breaks skipped.
#[inline]
fn skip_ws_counting(b: &[u8], mut p: usize) -> (usize, u64) {
    let mut newlines = 0;
    while let Some(&c) = b.get(p) {
        if !is_ws(c) {
            break;
        }
        newlines += u64::from(c == b'\n');
        p += 1;
    }
    (p, newlines)
}

/// The line of a position, counted forward like [`super::Lines`], except that the parser
/// can say what it already knows (the rows it read in one pass counted their line breaks).
struct LineCount {
    pos: usize,
    line: u64,
}

impl LineCount {
    /// The line of byte `pos`; positions must not decrease between calls.
    #[inline]
    fn at(&mut self, b: &[u8], pos: usize) -> u64 {
        if let Some(gap) = b.get(self.pos..pos) {
            self.line += memchr::memchr_iter(b'\n', gap).count() as u64;
            self.pos = pos;
        }
        self.line
    }

    /// Records that byte `pos` is on `line`.
    #[inline]
    fn known(&mut self, pos: usize, line: u64) {
        self.pos = pos;
        self.line = line;
    }
}

impl Scan<'_> {
    /// Reads the row at `s` when it is written exactly as the export writes it:
    /// `<tr><td>STAMP</td><td>…</td><td>…</td><td>…</td></tr>`, lower-case tags without
    /// attributes or whitespace, a valid stamp filling the first cell. `None` on any
    /// deviation, and then [`Scan::row`] reads the row; for a row this accepts, `row` gives
    /// the same cells and end (each check below is the special case of one of its steps).
    #[inline]
    fn fast_row(&self, s: usize, out: &mut FastRow) -> Option<()> {
        let b = self.b;
        if b.get(s..s.saturating_add(8))? != b"<tr><td>" {
            return None;
        }
        // The stamp holds no `<`, `&` or CR, so the first cell ends right after it.
        let (civil, n) = parse_ymd_hms(b.get(s + 8..)?)?;
        let mut p = s + 8 + n;
        if b.get(p..p.saturating_add(5))? != b"</td>" {
            return None;
        }
        p += 5;
        out.civil = civil;
        out.newlines = 0;
        for cell in &mut out.cells {
            if b.get(p..p.saturating_add(4))? != b"<td>" {
                return None;
            }
            let start = p + 4;
            let mut markup = false;
            let mut q = start;
            let stop = loop {
                let r = html::find_any(b, q, CELL_STOPS)?;
                match b[r] {
                    b'<' => {
                        if b.get(r..r.saturating_add(5)) == Some(b"</td>") {
                            break r;
                        }
                        // A row or cell tag in another spelling: `row` decides.
                        if self.close_tag(r, b"td") != Ok(None)
                            || self.open_tag(r, b"tr")
                            || self.open_tag(r, b"td")
                            || self.open_tag(r, b"th")
                            || self.close_tag(r, b"tr") != Ok(None)
                        {
                            return None;
                        }
                        markup = true;
                    }
                    b'\n' => out.newlines += 1,
                    _ => markup = true,
                }
                q = r + 1;
            };
            *cell = Cell {
                start,
                end: stop,
                markup,
            };
            p = stop + 5;
        }
        if b.get(p..p.saturating_add(5))? != b"</tr>" {
            return None;
        }
        out.end = p + 5;
        Some(())
    }

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
        // Most tags have no attributes: `>` comes at once.
        if b.get(from) == Some(&b'>') {
            return Ok(from + 1);
        }
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
        let mut cells = [Cell::default(); 4];
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
            let mut markup = false;
            // One pass finds the end tag and notes whether the cell needs decoding.
            let (stop, after) = loop {
                let r = q + memchr3(b'<', b'&', b'\r', &b[q..]).ok_or(b.len())?;
                if b[r] != b'<' {
                    markup = true;
                    q = r + 1;
                    continue;
                }
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
                markup = true;
                q = r + 1;
            };
            if name == b"td" {
                if let Some(c) = cells.get_mut(td) {
                    *c = Cell {
                        start,
                        end: stop,
                        markup,
                    };
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
fn stamp(cell: &str) -> Option<Civil> {
    match parse_ymd_hms(cell.as_bytes()) {
        Some((c, n)) if n == cell.len() => Some(c),
        _ => None,
    }
}

impl Format for Isoon {
    about! { "isoon", ["1.md", "2.md", "17.md"], "i-SOON leak: WeChat chats as HTML tables (time, from, to, message) in Markdown files" }

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
                    let c = cells[0];
                    if stamp(head[c.start..c.end].trim_ascii()).is_some() {
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

    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let text: &'a str = chunk.text;
        let sc = Scan {
            b: text.as_bytes(),
            last: chunk.last,
        };
        let mut lines = LineCount {
            pos: 0,
            line: chunk.line,
        };
        let mut resolver = ctx.resolver();
        let mut next = sc.find_tr(0);
        let mut row = FastRow::default();
        while let Some(s) = next {
            let line = lines.at(sc.b, s);
            let loc = ctx.loc(chunk, s, line);
            if sc.fast_row(s, &mut row).is_some() {
                // The next row usually follows after a line break: no search needed, and
                // its line is known from the breaks passed on the way.
                let (after, gap) = skip_ws_counting(sc.b, row.end);
                next = if sc.open_tag(after, b"tr") {
                    lines.known(after, line + row.newlines + gap);
                    Some(after)
                } else {
                    sc.find_tr(row.end)
                };
                let time = resolver.resolve(&row.civil);
                sink.message(message(text, time, row.cells, loc));
                continue;
            }
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
            let after = skip_ws(sc.b, end);
            next = if sc.open_tag(after, b"tr") {
                Some(after)
            } else {
                sc.find_tr(end)
            };
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
            let time = text[cells[0].start..cells[0].end].trim_ascii();
            let Some(civil) = stamp(time) else {
                sink.problem(Problem::new(
                    loc,
                    format!("bad timestamp \"{}\"", excerpt(time)),
                ));
                continue;
            };
            let time = resolver.resolve(&civil);
            sink.message(message(text, time, [cells[1], cells[2], cells[3]], loc));
        }
        sink.dst_adjusted(resolver.adjusted);
    }
}

/// The message of a data row from its from, to and message cells.
#[inline]
fn message(text: &str, time: Timestamp, cells: [Cell; 3], loc: Loc) -> Message<'_> {
    let read = |c: Cell| {
        let s = text[c.start..c.end].trim_ascii();
        if c.markup {
            html::cell_text(s)
        } else {
            (Cow::Borrowed(s), Vec::new())
        }
    };
    let sender = read(cells[0]).0;
    let to = read(cells[1]).0;
    let (body, attachments) = read(cells[2]);
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
    Message {
        recipient,
        channel,
        kind,
        attachments,
        ..Message::new(time, sender, body, loc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testkit;
    use crate::formats::{Collect, parse_text};
    use crate::time::Zone;
    use proptest::prelude::*;

    const EXAMPLE: &str = "<table border=\"1\">\n\
<tr><th>Time</th><th>From</th><th>To</th><th>Message</th></tr>\n\
<tr><td>2021-06-02 01:15:09</td><td>wxid_k3f9x0a1b2c3d4</td><td>darkfox</td><td>这个月工资什么时候发？</td></tr>\n\
<tr><td>2021-06-02 01:16:40</td><td>darkfox</td><td>wxid_k3f9x0a1b2c3d4</td><td>再等等吧<br>财务说下周</td></tr>\n\
<tr><td>2021-06-02 01:17:02</td><td>darkfox</td><td>wxid_k3f9x0a1b2c3d4</td><td><img src=\"0-1b2c3d4e.png\"></td></tr>\n\
</table>\n";

    const FIXTURES: [&str; 4] = [
        include_str!("../../testdata/isoon/1.md"),
        include_str!("../../testdata/isoon/2.md"),
        include_str!("../../testdata/isoon/3.md"),
        include_str!("../../testdata/isoon/4.md"),
    ];

    fn ctx() -> ParseCtx<'static> {
        ParseCtx::new(0, "chats/1.md", Zone::Utc)
    }

    fn parse(text: &str) -> Collect<'_> {
        parse_text(&Isoon, text, &ctx(), usize::MAX)
    }

    fn row(tr: &str, cells: [&str; 4]) -> String {
        format!(
            "{tr}<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            cells[0], cells[1], cells[2], cells[3]
        )
    }

    #[test]
    fn formats_md_example_reads_as_documented() {
        let c = parse(EXAMPLE);
        assert!(c.problems.is_empty());
        assert_eq!(c.messages.len(), 3);
        let m = &c.messages[0];
        assert_eq!(m.time.unix_seconds(), 1_622_596_509);
        assert_eq!(m.sender, "wxid_k3f9x0a1b2c3d4");
        assert_eq!(m.recipient.as_deref(), Some("darkfox"));
        assert_eq!(m.channel, None);
        assert_eq!(m.body, "这个月工资什么时候发？");
        assert_eq!((m.loc.line, m.loc.offset), (3, 82));
        assert_eq!(c.messages[1].body, "再等等吧\n财务说下周");
        let img = &c.messages[2];
        assert_eq!(img.kind, Kind::Attachment);
        assert_eq!(img.body, "");
        assert_eq!(img.attachments, vec!["0-1b2c3d4e.png"]);
    }

    #[test]
    fn plain_cells_are_borrowed_from_the_input() {
        let c = parse(EXAMPLE);
        let m = &c.messages[0];
        assert!(matches!(m.sender, Cow::Borrowed(_)));
        assert!(matches!(m.recipient, Some(Cow::Borrowed(_))));
        assert!(matches!(m.body, Cow::Borrowed(_)));
    }

    #[test]
    fn chatroom_recipient_becomes_the_channel() {
        let t = row(
            "<tr>",
            [
                "2021-07-15 02:01:11",
                "lanyu_2019",
                "20817364512@chatroom",
                "开会",
            ],
        );
        let c = parse(&t);
        assert_eq!(c.messages[0].recipient, None);
        assert_eq!(
            c.messages[0].channel.as_deref(),
            Some("20817364512@chatroom")
        );
    }

    #[test]
    fn empty_to_cell_gives_no_recipient_and_no_channel() {
        let t = row("<tr>", ["2021-07-15 02:01:11", "a", " ", "x"]);
        let c = parse(&t);
        assert_eq!(
            (
                c.messages[0].recipient.as_deref(),
                c.messages[0].channel.as_deref()
            ),
            (None, None)
        );
    }

    #[test]
    fn escaped_tr_in_a_body_does_not_start_a_record() {
        let first = row(
            "<tr>",
            [
                "2021-06-02 01:30:12",
                "a",
                "b",
                "&lt;tr&gt;&lt;td&gt;2021-06-02 01:31:00&lt;/td&gt;",
            ],
        );
        let t = format!(
            "{first}{}",
            row("<tr>", ["2021-06-02 01:32:00", "b", "a", "ok"])
        );
        assert_eq!(Isoon.next_record(&t, 1), Some(first.len()));
        let c = parse(&t);
        assert_eq!(c.messages.len(), 2);
        assert_eq!(c.messages[0].body, "<tr><td>2021-06-02 01:31:00</td>");
    }

    #[test]
    fn next_record_needs_a_timestamp_in_the_first_cell() {
        let header = "<table>\n<tr><th>Time</th><th>From</th><th>To</th><th>Message</th></tr>\n";
        let other = "<tr><td>v1.2</td><td>2021-06-02 01:00:00</td><td>x</td><td>y</td></tr>\n";
        let chat = "<TR class=\"r\">\n  <TD align=left> 2021-06-02 01:00:00 </TD >\n<td>a</td><td>b</td><td>c</td></tr>\n";
        let t = format!("{header}{other}{chat}");
        assert_eq!(Isoon.next_record(&t, 0), Some(header.len() + other.len()));
        assert_eq!(Isoon.next_record(&t, t.len() - 3), None);
        assert_eq!(Isoon.next_record(&t, t.len() + 10), None);
    }

    #[test]
    fn upper_case_tags_attributes_and_spaced_end_tags_are_accepted() {
        let t = "<TR class=\"x\"><TD align=\"left\">2021-06-02 01:15:09</TD ><Td>A</tD>\n<td\n>B</td>\
                 <TD>加班<BR/>到十点</TD></TR >";
        let c = parse(t);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.messages[0].sender, "A");
        assert_eq!(c.messages[0].recipient.as_deref(), Some("B"));
        assert_eq!(c.messages[0].body, "加班\n到十点");
    }

    #[test]
    fn rows_sharing_a_line_and_rows_spanning_lines_get_the_line_of_their_tr() {
        let t = format!(
            "intro\n{}{}<tr\n><td>2021-06-02 01:00:02</td><td>a</td><td>b</td><td>\n  x\r\n y \n</td></tr>",
            row("<tr>", ["2021-06-02 01:00:00", "a", "b", "1"]).trim_end(),
            row("<tr>", ["2021-06-02 01:00:01", "a", "b", "2"]),
        );
        let c = parse(&t);
        let lines: Vec<u64> = c.messages.iter().map(|m| m.loc.line).collect();
        assert_eq!(lines, [2, 2, 3]);
        assert_eq!(c.messages[2].body, "x\n y");
        assert_eq!(
            c.messages[1].loc.offset,
            (6 + t[6..].find("<tr><td>2021-06-02 01:00:01").unwrap()) as u64
        );
    }

    #[test]
    fn header_rows_are_skipped_without_a_problem() {
        let c =
            parse("<table><tr><th>Time</th><th>From</th><th>To</th><th>Message</th></tr></table>");
        assert!(c.messages.is_empty() && c.problems.is_empty());
    }

    #[test]
    fn wrong_cell_counts_bad_stamps_and_cut_rows_are_problems_on_their_tr_line() {
        let t = format!(
            "{}{}{}{}<tr><td>2021-06-02 01:00:04</td><td>a",
            row("<tr>", ["2021-06-02 01:00:00", "a", "b", "ok"]),
            "<tr><td>2021-06-02 01:00:01</td><th>a</th><td>b</td><td>c</td></tr>\n",
            row("<tr>", ["2021-06-31 01:00:02", "a", "b", "bad day"]),
            row("<tr>", ["2021-06-02 01:00:03", "a", "b", "ok"]),
        );
        let c = parse(&t);
        assert_eq!(c.messages.len(), 2);
        let got = testkit::problems(&c);
        assert_eq!(got[0].0, 2);
        assert!(
            got[0].1.starts_with("row has 3 <td> and 1 <th> cells"),
            "{}",
            got[0].1
        );
        assert_eq!(got[1], (3, "bad timestamp \"2021-06-31 01:00:02\""));
        assert_eq!(got[2].0, 5);
        assert!(got[2].1.starts_with("row cut off at end of file"));
    }

    #[test]
    fn raw_tr_inside_a_cell_ends_the_broken_row_and_starts_the_next() {
        let t = format!(
            "<tr><td>2021-06-02 01:00:00</td><td>a</td><td>b</td><td>oops {}",
            row("<tr>", ["2021-06-02 01:00:01", "a", "b", "fine"])
        );
        let c = parse(&t);
        assert_eq!(c.messages.len(), 1);
        assert_eq!(c.messages[0].body, "fine");
        assert!(
            c.problems[0]
                .what
                .starts_with("row not closed before the next row")
        );
        // Split at the inner row: same result.
        let split = parse_text(&Isoon, &t, &ctx(), 1);
        assert_eq!(split.messages, c.messages);
        assert_eq!(split.problems, c.problems);
    }

    #[test]
    fn link_with_text_is_a_message_and_image_with_breaks_only_is_an_attachment() {
        let t = format!(
            "{}{}",
            row(
                "<tr>",
                ["2021-06-02 01:00:00", "a", "b", "<a href=\"x.md\">报价</a>"]
            ),
            row(
                "<tr>",
                [
                    "2021-06-02 01:00:01",
                    "a",
                    "b",
                    " <img src=\"1.png\"><br><img src='2.png'> "
                ]
            ),
        );
        let c = parse(&t);
        assert_eq!(
            (c.messages[0].kind, c.messages[0].body.as_ref()),
            (Kind::Message, "报价")
        );
        assert_eq!(c.messages[0].attachments, vec!["x.md"]);
        assert_eq!(
            (c.messages[1].kind, c.messages[1].body.as_ref()),
            (Kind::Attachment, "")
        );
        assert_eq!(c.messages[1].attachments, vec!["1.png", "2.png"]);
    }

    #[test]
    fn sniff_is_confident_only_on_chat_tables() {
        assert_eq!(Isoon.sniff("leak/1.md", EXAMPLE), 95);
        assert_eq!(Isoon.sniff("-", EXAMPLE), 85);
        let prose = format!("# 说明\n\n项目进度和报价见下表。\n\n{EXAMPLE}");
        assert_eq!(Isoon.sniff("leak/7.md", &prose), 95);
        // Cut by the sniff limit inside the second data row: the first still counts.
        let cut = &EXAMPLE[..EXAMPLE.find("再等等").unwrap()];
        assert_eq!(Isoon.sniff("1.md", cut), 95);
        // Only the header in view, no table, a pipe table, another kind of HTML table.
        assert_eq!(
            Isoon.sniff("1.md", &EXAMPLE[..EXAMPLE.find("<tr><td>").unwrap()]),
            0
        );
        assert_eq!(
            Isoon.sniff("1.md", &EXAMPLE.replace("<table border=\"1\">", "")),
            0
        );
        assert_eq!(
            Isoon.sniff(
                "notes.md",
                "| 时间 | 人 |\n|---|---|\n| 2021-06-02 01:00:00 | a |\n"
            ),
            0
        );
        let versions = "<table><tr><td>v1.3</td><td>2021-01-20 10:00:00</td><td>李工</td><td>修复</td></tr></table>";
        assert_eq!(Isoon.sniff("notes.md", versions), 0);
        assert_eq!(Isoon.sniff("a.png", "\u{fffd}PNG\r\n"), 0);
    }

    /// Where each message's row ends, from a parse of the whole text.
    fn row_ends(text: &str, msgs: &[Message<'_>]) -> Vec<usize> {
        let sc = Scan {
            b: text.as_bytes(),
            last: true,
        };
        msgs.iter()
            .map(|m| sc.row(m.loc.offset as usize).map(|(_, end)| end).unwrap())
            .collect()
    }

    fn line_starts(s: &str) -> Vec<usize> {
        std::iter::once(0)
            .chain(s.match_indices('\n').map(|(i, _)| i + 1))
            .filter(|&i| i < s.len())
            .collect()
    }

    fn floor_boundary(s: &str, mut i: usize) -> usize {
        i = i.min(s.len());
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    /// Damages `text` at a place chosen by `seed` with `how`; returns the damaged text and
    /// the first byte that may differ from the original.
    fn damage(text: &str, how: u8, seed: usize, byte: u8) -> (String, usize) {
        let starts = line_starts(text);
        match how % 4 {
            0 => {
                let d = floor_boundary(text, seed % (text.len() + 1));
                (text[..d].to_string(), d)
            }
            1 => {
                let i = seed % starts.len();
                let a = starts[i];
                let z = starts.get(i + 1).copied().unwrap_or(text.len());
                (format!("{}{}{}", &text[..z], &text[a..z], &text[z..]), z)
            }
            2 => {
                let i = seed % starts.len();
                let j = (seed / 7) % starts.len();
                let (i, j) = (i.min(j), i.max(j));
                let end = |k: usize| starts.get(k + 1).copied().unwrap_or(text.len());
                if i == j {
                    return (text.to_string(), text.len());
                }
                let out = format!(
                    "{}{}{}{}{}",
                    &text[..starts[i]],
                    &text[starts[j]..end(j)],
                    &text[end(i)..starts[j]],
                    &text[starts[i]..end(i)],
                    &text[end(j)..]
                );
                (out, starts[i])
            }
            _ => {
                let mut b = text.as_bytes().to_vec();
                let d = seed % b.len().max(1);
                if let Some(c) = b.get_mut(d) {
                    *c = byte;
                }
                (String::from_utf8_lossy(&b).into_owned(), d)
            }
        }
    }

    const TOKENS: [&str; 26] = [
        "<tr><td>2021-06-02 01:15:09</td>",
        "<tr>\n<td>2021-06-02 01:15:10 </td >",
        "<td>a</td>",
        "</tr>\n",
        "<tr>",
        "<TR class=x>",
        "<td>",
        "<TD >",
        "</td>",
        "</td >",
        "</tr>",
        "<th>",
        "</th>",
        "2021-06-02 01:15:09",
        "2021-02-30 25:61:00",
        "\n",
        "\r\n",
        " ",
        "&amp;",
        "&#x4E0A;",
        "<br>",
        "<img src=a.png>",
        "上",
        "<",
        ">",
        "@chatroom",
    ];

    fn summary(c: &Collect<'_>) -> (Vec<Message<'static>>, Vec<Problem>) {
        (
            c.messages
                .iter()
                .cloned()
                .map(Message::into_owned)
                .collect(),
            c.problems.clone(),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), target in 1usize..300) {
            let text = String::from_utf8_lossy(&bytes);
            let c = parse_text(&Isoon, &text, &ctx(), target);
            prop_assert!(c.problems.iter().all(|p| p.loc.line >= 1));
            let _ = Isoon.sniff("1.md", &text);
        }

        #[test]
        fn tag_soup_reads_the_same_whole_and_split(
            picks in proptest::collection::vec(0usize..TOKENS.len(), 0..120),
            target in 1usize..200,
        ) {
            let text: String = picks.iter().map(|&i| TOKENS[i]).collect();
            let whole = parse(&text);
            let split = parse_text(&Isoon, &text, &ctx(), target);
            prop_assert!(whole.problems.iter().all(|p| p.loc.line >= 1));
            prop_assert_eq!(summary(&whole), summary(&split));
        }

        #[test]
        fn damaged_fixtures_keep_the_rows_before_the_damage(
            which in 0usize..FIXTURES.len(),
            how in 0u8..4,
            seed in any::<usize>(),
            byte in prop::sample::select(b"<>/&;\n tdrTD\"x".to_vec()),
            target in 1usize..400,
        ) {
            let original = FIXTURES[which];
            let orig = parse(original);
            let ends = row_ends(original, &orig.messages);
            let (text, d) = damage(original, how, seed, byte);
            let got = parse_text(&Isoon, &text, &ctx(), target);
            prop_assert!(got.problems.iter().all(|p| p.loc.line >= 1));
            let keep = ends.iter().take_while(|&&e| e <= d).count();
            prop_assert!(got.messages.len() >= keep);
            prop_assert_eq!(&got.messages[..keep], &orig.messages[..keep]);
            // And splitting the damaged text changes nothing.
            let whole = parse(&text);
            prop_assert_eq!(summary(&whole), summary(&got));
        }
    }
}
