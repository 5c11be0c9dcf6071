//! `wechat`: WeChatMsg / MemoTrace (留痕) exports, as TXT or as CSV. One format, two layouts,
//! told apart per file by its first line: the CSV header (a UTF-8 BOM before it is stripped
//! by decoding, and tolerated here too) means CSV, anything else TXT.
//!
//! **TXT** (`聊天记录/<contact>/<contact>.txt`, what MemoTrace's TXT exporter writes):
//!
//! ```text
//! 2023-04-01 09:15:02 王小明
//! 今天开会吗
//! 十点，老地方
//!
//! 2023-04-01 09:16:40 李华
//! [图片]
//!
//! 2023-04-01 09:20:11 "王小明" 撤回了一条消息
//!
//! ```
//!
//! Every record is `{StrTime} {display name}` + `\n` + the content + `\n\n`; a system row
//! (`Type` 10000) is written as `{StrTime} {text}` + `\n\n`, with no content line. So:
//! a **header** is `YYYY-MM-DD HH:MM:SS` + space + a non-blank rest, at the file start or
//! right after a blank line (empty or only spaces, tabs, `\r`); a header-shaped line directly
//! under another line is body text (a pasted log). A record runs to the next header; its
//! trailing blank lines are dropped and each line's `\r` is removed. A header followed by
//! exactly one blank line (or nothing) and then the next header or the end is a **system
//! row**: sender empty, body = the text after the stamp. A header followed by two blank lines
//! is a message whose content was empty (that is what the exporter writes for it). Known
//! ambiguity (from the writer, not fixable): a system text spanning several lines reads as a
//! message from its first line.
//!
//! Mapping: sender = the display name (the export has no ids), channel = the chat, taken from
//! the file name without `.txt` (MemoTrace names the file after the contact or group), body =
//! the content. Kinds: a body that is exactly a placeholder (`[图片]` `[语音]` `[视频]`
//! `[文件]` `[动画表情]` `[表情包]` `[音乐分享]`, the shared list in [`super::qq`]) or a link
//! card (`[链接]:title:…`) is an attachment; system rows as above; the rest messages. Stamps
//! are the exporting machine's local time, naive: they are resolved in `--source-tz`.
//!
//! **CSV** (`<contact>_utf8.csv`, UTF-8 with BOM, written by Python's `csv` module):
//! `localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,
//! NickName,Sender`, columns found by header name (any order; `StrContent` and one of
//! `CreateTime`/`StrTime` are required). Cells may be quoted, with `""` and newlines inside
//! (XML of app messages, multi-line texts). Mapping: time = `CreateTime` (epoch seconds; it
//! wins over `StrTime`, which is local wall time); when `CreateTime` is empty or not a number,
//! the time comes from `StrTime` in `--source-tz` and a problem says so (the row is kept);
//! when neither is usable the row is a problem and skipped. id = `localId`; sender =
//! `Sender` (a wxid), else (older MemoTrace versions leave it out for private chats) `self`
//! for `IsSender` = 1, the empty sender for system rows, and the chat name for the other
//! party; name = `NickName`, else `Remark`; channel = `TalkerId` when it is an account id
//! (`wxid_…`, `…@chatroom`), but MemoTrace writes WeChat's numeric talker index there, so a
//! numeric `TalkerId` gives way to the chat name from the file name (`<name>_utf8.csv` →
//! `<name>`, the same channel as the TXT export of that chat). Kinds by `Type`: 1 message;
//! 3 image, 34 voice, 43 video, 47 sticker, 49 app/file/link → attachment, except 49 with
//! `SubType` 57 (a quoted reply, which is text) → message; 10000 and 10002 → system; 50 →
//! call; any other or empty type → message. `StrContent` is kept verbatim (XML included).
//! Rows must have as many fields as the header, or lack only trailing `Remark`/`NickName`/
//! `Sender` cells (older MemoTrace versions write 9-field rows for private chats under the
//! 12-column header); other rows are problems at their line and parsing goes on.
//!
//! **Problems**: a header-shaped TXT line with an impossible date or time (its record is
//! skipped), lines before any record (one problem per run, naming what a WeChat export looks
//! like, so a wrong `--format wechat` gives one problem, not one per line), a last record
//! with no blank line after it (the file was cut short; the record is still returned), and
//! the CSV row problems above.
//!
//! **Splitting**: TXT chunks start only at a header after a blank line (no state crosses a
//! record boundary: the channel comes from the path). CSV files are never split
//! (`next_record` is `None`): a quoted cell may hold newlines and whole pasted rows.

use std::borrow::Cow;

use memchr::memchr;

use super::qq::{PLACEHOLDERS, body_text, is_blank, is_placeholder, strip_cr, trim_trailing_blank};
use super::{Chunk, Format, ParseCtx, Sink, excerpt, file_name, next_line_start};
use crate::model::{Kind, Message, Problem, Timestamp};
use crate::time::{Civil, digits, parse_ymd_hms};

/// The `wechat` format.
#[derive(Debug, Clone, Copy)]
pub struct WeChat;

/// The header MemoTrace writes, exactly.
const CSV_HEADER: &str = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender";

/// Placeholders MemoTrace writes that QQ does not (the shared list is [`PLACEHOLDERS`]).
const WECHAT_PLACEHOLDERS: &[&str] = &["[表情包]", "[音乐分享]"];

/// The sender of a CSV row the account owner sent when the row names no sender.
pub const SELF_SENDER: &str = "self";

const EXPECTED: &str = "expected a WeChatMsg/MemoTrace export: TXT records `2023-04-01 09:15:02 name` + content + a blank line, or the CSV header `localId,TalkerId,Type,…,StrContent,StrTime,…`";

/// A TXT header line (the stamp is not yet validated).
#[derive(Debug, Clone, Copy)]
struct Head<'t> {
    civil: Civil,
    /// Everything after the stamp: the display name, or a system row's text.
    rest: &'t str,
}

/// Parses `YYYY-MM-DD HH:MM:SS rest` (no `\n`; trailing `\r`, spaces and tabs dropped).
#[inline]
fn header(line: &str) -> Option<Head<'_>> {
    let b = line.as_bytes();
    if b.len() < 21
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b' '
    {
        return None;
    }
    let civil = Civil {
        year: digits::<4>(b)? as i32,
        month: digits::<2>(&b[5..])?,
        day: digits::<2>(&b[8..])?,
        hour: digits::<2>(&b[11..])?,
        minute: digits::<2>(&b[14..])?,
        second: digits::<2>(&b[17..])?,
        micros: 0,
        frac_digits: 0,
    };
    let rest = line.get(20..)?.trim_end_matches([' ', '\t', '\r']);
    if rest.trim_start_matches([' ', '\t']).is_empty() {
        return None;
    }
    Some(Head { civil, rest })
}

/// Whether a header's name ends like a QQ sender (`nick(12345)` or `nick<a@b>`).
fn qq_tail(name: &str) -> bool {
    if let Some(inner) = name.strip_suffix(')')
        && let Some(open) = inner.rfind('(')
    {
        let num = &inner[open + 1..];
        return !num.is_empty() && num.bytes().all(|c| c.is_ascii_digit());
    }
    if let Some(inner) = name.strip_suffix('>')
        && let Some(open) = inner.rfind('<')
    {
        return inner[open + 1..].contains('@');
    }
    false
}

/// The kind of a TXT message body.
#[inline]
fn txt_kind(body: &str) -> Kind {
    if is_placeholder(body)
        || WECHAT_PLACEHOLDERS.contains(&body)
        || body.trim_start_matches([' ', '\t']).starts_with("[链接]")
    {
        Kind::Attachment
    } else {
        Kind::Message
    }
}

/// The chat named by the file: the file name without its extension (and without the
/// `_utf8` MemoTrace adds to CSV names); `None` for stdin or an empty name.
fn chat_name(path: &str) -> Option<&str> {
    let name = file_name(path);
    let stem = match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    };
    let stem = stem.strip_suffix("_utf8").unwrap_or(stem);
    (!stem.is_empty() && stem != "-").then_some(stem)
}

/// The first line of a text, without a BOM and `\r`.
fn first_line(text: &str) -> &str {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let end = memchr(b'\n', text.as_bytes()).unwrap_or(text.len());
    strip_cr(&text[..end])
}

/// The column names of a CSV header line (quotes around names dropped).
fn header_names(line: &str) -> impl Iterator<Item = &str> {
    line.split(',').map(|n| n.trim().trim_matches('"'))
}

/// Whether a first line is a WeChat CSV header: it names `StrContent` and a time column.
fn is_csv_header(line: &str) -> bool {
    let mut content = false;
    let mut time = false;
    for n in header_names(line) {
        content |= n == "StrContent";
        time |= n == "CreateTime" || n == "StrTime";
    }
    content && time
}

/// The CSV columns the parser reads, by index.
#[derive(Debug, Default, Clone, Copy)]
struct Cols {
    local_id: Option<usize>,
    talker: Option<usize>,
    typ: Option<usize>,
    sub_type: Option<usize>,
    is_sender: Option<usize>,
    create: Option<usize>,
    content: Option<usize>,
    str_time: Option<usize>,
    remark: Option<usize>,
    nick: Option<usize>,
    sender: Option<usize>,
    /// How many columns the header has.
    len: usize,
    /// The fewest fields a row may have: everything up to the last column that is not one
    /// of the trailing `Remark`/`NickName`/`Sender` (older exports leave those out).
    min_len: usize,
}

impl Cols {
    fn from_header(names: &csv::StringRecord) -> Cols {
        let mut c = Cols {
            len: names.len(),
            ..Cols::default()
        };
        let mut optional_tail = true;
        for i in (0..names.len()).rev() {
            let name = names.get(i).unwrap_or("");
            let name = name.trim_start_matches('\u{feff}').trim();
            let slot = match name {
                "localId" => &mut c.local_id,
                "TalkerId" => &mut c.talker,
                "Type" => &mut c.typ,
                "SubType" => &mut c.sub_type,
                "IsSender" => &mut c.is_sender,
                "CreateTime" => &mut c.create,
                "StrContent" => &mut c.content,
                "StrTime" => &mut c.str_time,
                "Remark" => &mut c.remark,
                "NickName" => &mut c.nick,
                "Sender" => &mut c.sender,
                _ => {
                    optional_tail = false;
                    c.min_len = c.min_len.max(i + 1);
                    continue;
                }
            };
            // Walking backwards, so the first column of a name wins.
            *slot = Some(i);
            if !(optional_tail && matches!(name, "Remark" | "NickName" | "Sender")) {
                optional_tail = false;
                c.min_len = c.min_len.max(i + 1);
            }
        }
        c
    }
}

/// Where a CSV record really starts: csv's position can point at the line terminator or
/// blank lines before the record.
fn record_start(text: &str, pos: Option<&csv::Position>) -> usize {
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

/// Walks a record's raw text alongside csv's parsed fields, borrowing each field from the
/// text when it is there verbatim (unquoted, or quoted without `""`); the bytes are compared,
/// so a borrowed value is exactly the parsed one. After the first field that must be owned,
/// the rest are owned too.
struct Borrower<'a> {
    text: &'a str,
    cursor: Option<usize>,
}

impl<'a> Borrower<'a> {
    fn field(&mut self, field: &str) -> Cow<'a, str> {
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

/// `CreateTime`: whole epoch seconds (at most 11 digits).
fn epoch_seconds(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if s.is_empty() || s.len() > 11 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok().map(Timestamp::from_unix_seconds)
}

/// The kind of a CSV row from `Type` and `SubType`.
fn csv_kind(typ: &str, sub_type: &str) -> Kind {
    match typ.trim() {
        "3" | "34" | "43" | "47" => Kind::Attachment,
        "49" if sub_type.trim() == "57" => Kind::Message,
        "49" => Kind::Attachment,
        "10000" | "10002" => Kind::System,
        "50" => Kind::Call,
        _ => Kind::Message,
    }
}

impl WeChat {
    fn parse_txt<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let text = chunk.text;
        let b = text.as_bytes();
        let channel = chat_name(ctx.path);
        let mut r = ctx.resolver();
        // The open record: header, its start, line, and where its content starts.
        let mut open: Option<(Head<'a>, usize, u64, usize)> = None;
        let mut skipping = false;
        let mut prev_blank = true;
        let mut reported = false;
        let mut pos = 0usize;
        let mut line = chunk.line;

        let mut close = |(h, start, hline, body): (Head<'a>, usize, u64, usize),
                         end: usize,
                         sink: &mut dyn Sink<'a>| {
            let region = text.get(body.min(end)..end).unwrap_or("");
            let content = trim_trailing_blank(region);
            let loc = ctx.loc(chunk, start, hline);
            let time = r.resolve(&h.civil);
            let m = if content.is_empty()
                && memchr::memchr_iter(b'\n', region.as_bytes())
                    .nth(1)
                    .is_none()
            {
                let mut m = Message::new(time, "", Cow::Borrowed(h.rest), loc);
                m.kind = Kind::System;
                m
            } else {
                let body = body_text(content);
                let kind = txt_kind(&body);
                let mut m = Message::new(time, h.rest, body, loc);
                m.kind = kind;
                m
            };
            let mut m = m;
            m.channel = channel.map(Cow::Borrowed);
            sink.message(m);
        };

        while pos < b.len() {
            let eol = memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i);
            let c = b[pos];
            let blank = match c {
                b'\n' => true,
                b' ' | b'\t' | b'\r' => text.get(pos..eol).is_some_and(is_blank),
                _ => false,
            };
            if blank {
                prev_blank = true;
            } else {
                let mut head = None;
                if prev_blank && (c.is_ascii_digit() || c == 0xEF) {
                    let l = text.get(pos..eol).unwrap_or("");
                    let l = if pos == 0 && chunk.first {
                        l.trim_start_matches('\u{feff}')
                    } else {
                        l
                    };
                    head = header(l);
                }
                if let Some(h) = head {
                    if let Some(rec) = open.take() {
                        close(rec, pos, sink);
                    }
                    reported = false;
                    if h.civil.is_valid() {
                        open = Some((h, pos, line, (eol + 1).min(b.len())));
                        skipping = false;
                    } else {
                        let l = text.get(pos..eol).unwrap_or("");
                        sink.problem(Problem::new(
                            ctx.loc(chunk, pos, line),
                            format!("bad date or time in header: {}", excerpt(strip_cr(l))),
                        ));
                        skipping = true;
                    }
                } else if open.is_none() && !skipping && !reported {
                    let l = text.get(pos..eol).unwrap_or("");
                    sink.problem(Problem::new(
                        ctx.loc(chunk, pos, line),
                        format!(
                            "not a WeChat export line ({EXPECTED}): {}",
                            excerpt(strip_cr(l))
                        ),
                    ));
                    reported = true;
                }
                prev_blank = false;
            }
            line += 1;
            pos = eol + 1;
        }
        if let Some(rec) = open {
            if chunk.last && !prev_blank {
                sink.problem(Problem::new(
                    ctx.loc(chunk, rec.1, rec.2),
                    format!(
                        "last record has no blank line after it (file cut short?): {}",
                        excerpt(strip_cr(
                            text.get(rec.1..).unwrap_or("").lines().next().unwrap_or("")
                        ))
                    ),
                ));
            }
            close(rec, b.len(), sink);
        }
        sink.dst_adjusted(r.adjusted);
    }

    fn parse_csv<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let text = chunk.text;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut lines = chunk.lines();
        let mut record = csv::StringRecord::new();
        let mut last_error_at = None;
        let mut cols: Option<Cols> = None;
        let chat = chat_name(ctx.path);
        let mut r = ctx.resolver();
        let mut cells: Vec<Cow<'a, str>> = Vec::new();
        loop {
            let result = reader.read_record(&mut record);
            let start = record_start(text, record.position());
            let line = lines.at(start);
            let loc = ctx.loc(chunk, start, line);
            let first = || {
                let raw = text.get(start..).unwrap_or("");
                excerpt(strip_cr(raw.split('\n').next().unwrap_or("")))
            };
            match result {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let at = reader.position().byte();
                    if last_error_at == Some(at) {
                        break;
                    }
                    last_error_at = Some(at);
                    sink.problem(Problem::new(loc, format!("unreadable CSV record ({e})")));
                    continue;
                }
            }
            let Some(c) = cols else {
                let header = Cols::from_header(&record);
                if header.content.is_none()
                    || (header.create.is_none() && header.str_time.is_none())
                {
                    sink.problem(Problem::new(
                        loc,
                        format!("not a WeChat CSV header ({EXPECTED}): {}", first()),
                    ));
                    return;
                }
                cols = Some(header);
                continue;
            };
            if record.len() > c.len || record.len() < c.min_len.max(1) {
                sink.problem(Problem::new(
                    loc,
                    format!(
                        "row has {} fields, the header has {}: {}",
                        record.len(),
                        c.len,
                        first()
                    ),
                ));
                continue;
            }
            cells.clear();
            let mut borrow = Borrower {
                text,
                cursor: Some(start),
            };
            cells.extend(record.iter().map(|f| borrow.field(f)));
            let get = |i: Option<usize>| i.and_then(|i| cells.get(i)).map_or("", |s| s.as_ref());
            let kind = csv_kind(get(c.typ), get(c.sub_type));
            let create = get(c.create);
            let time = match epoch_seconds(create) {
                Some(t) => t,
                None => {
                    let st = get(c.str_time);
                    match parse_ymd_hms(st.trim().as_bytes()).filter(|(_, n)| *n == st.trim().len())
                    {
                        Some((civil, _)) => {
                            sink.problem(Problem::new(
                                loc,
                                format!(
                                    "CreateTime {:?} is not epoch seconds; time taken from StrTime {:?} in the source zone",
                                    excerpt(create),
                                    excerpt(st)
                                ),
                            ));
                            r.resolve(&civil)
                        }
                        None => {
                            sink.problem(Problem::new(
                                loc,
                                format!(
                                    "no usable time (CreateTime {:?}, StrTime {:?}): {}",
                                    excerpt(create),
                                    excerpt(st),
                                    first()
                                ),
                            ));
                            continue;
                        }
                    }
                }
            };
            let is_self = get(c.is_sender).trim() == "1";
            let mut take = |i: Option<usize>| -> Option<Cow<'a, str>> {
                i.and_then(|i| cells.get_mut(i))
                    .map(std::mem::take)
                    .filter(|s| !s.is_empty())
            };
            let body = take(c.content).unwrap_or(Cow::Borrowed(""));
            let id = take(c.local_id);
            let talker = take(c.talker);
            let name = take(c.nick).or_else(|| take(c.remark));
            let sender = take(c.sender).unwrap_or_else(|| {
                Cow::Borrowed(if kind == Kind::System {
                    ""
                } else if is_self {
                    SELF_SENDER
                } else {
                    chat.unwrap_or("")
                })
            });
            let channel = match talker {
                Some(t) if !t.bytes().all(|c| c.is_ascii_digit()) => Some(t),
                t => chat.map(Cow::Borrowed).or(t),
            };
            let mut m = Message::new(time, "", body, loc);
            m.sender = sender;
            m.name = name;
            m.channel = channel;
            m.id = id;
            m.kind = kind;
            sink.message(m);
        }
        sink.dst_adjusted(r.adjusted);
    }
}

impl Format for WeChat {
    fn name(&self) -> &'static str {
        "wechat"
    }

    fn description(&self) -> &'static str {
        "WeChatMsg / MemoTrace export: TXT (`YYYY-MM-DD HH:MM:SS name` records) or CSV (`localId,TalkerId,Type,…`, `CreateTime` wins)"
    }

    fn examples(&self) -> &'static [&'static str] {
        &["聊天记录/王小明/王小明.txt", "王小明_utf8.csv"]
    }

    fn sniff(&self, path: &str, head: &str) -> u8 {
        let first = first_line(head);
        if first == CSV_HEADER {
            return 95;
        }
        if is_csv_header(first) {
            return 85;
        }
        let name = file_name(path);
        if let Some(i) = name.rfind('.')
            && i > 0
            && !name[i + 1..].eq_ignore_ascii_case("txt")
        {
            return 0;
        }
        let head = head.strip_prefix('\u{feff}').unwrap_or(head);
        let mut prev_blank = true;
        let mut records = 0u32;
        let mut adjacent = 0u32;
        for l in head.lines() {
            if is_blank(l) {
                prev_blank = true;
                continue;
            }
            // QQ's section lines: never a WeChat file.
            if l.starts_with("消息分组") || l.starts_with("消息对象") || l.starts_with("==========")
            {
                return 0;
            }
            let h = header(l);
            if records == 0 {
                match h {
                    Some(h) if h.civil.is_valid() && !qq_tail(h.rest) => records = 1,
                    _ => return 0,
                }
            } else if let Some(h) = h {
                if !prev_blank {
                    adjacent += 1;
                } else if qq_tail(h.rest) {
                    return 0;
                } else {
                    records += 1;
                }
            }
            prev_blank = false;
        }
        if records >= 2 && adjacent * 2 < records {
            80
        } else if records == 1 && adjacent == 0 && prev_blank {
            60
        } else {
            0
        }
    }

    fn next_record(&self, text: &str, from: usize) -> Option<usize> {
        let b = text.as_bytes();
        if is_csv_header(first_line(text)) || from >= b.len() {
            return None;
        }
        let mut pos = if from == 0 {
            return Some(0);
        } else if b[from - 1] == b'\n' {
            from
        } else {
            next_line_start(text, from)?
        };
        let mut prev_blank = {
            let end = pos.saturating_sub(1);
            let s = memchr::memrchr(b'\n', &b[..end]).map_or(0, |i| i + 1);
            text.get(s..end).is_some_and(is_blank)
        };
        while pos < b.len() {
            let eol = memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i);
            let l = text.get(pos..eol)?;
            if prev_blank && header(l).is_some() {
                return Some(pos);
            }
            prev_blank = is_blank(l);
            pos = eol + 1;
        }
        None
    }

    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        // Only TXT files are split, so a chunk that is not the first is TXT.
        if chunk.first && is_csv_header(first_line(chunk.text)) {
            self.parse_csv(chunk, ctx, sink);
        } else {
            self.parse_txt(chunk, ctx, sink);
        }
    }
}

/// Every placeholder a TXT body may consist of (the shared QQ/WeChat list and WeChat's own).
pub(crate) fn placeholders() -> impl Iterator<Item = &'static str> {
    PLACEHOLDERS.iter().chain(WECHAT_PLACEHOLDERS).copied()
}
