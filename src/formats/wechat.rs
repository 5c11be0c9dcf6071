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
//! MemoTrace 2 (`exporter/exporter_txt.py` since its 2024 rewrite) writes the same records
//! joined by one blank line, the file ending without a newline, with two differences: a
//! system row's header is the bare stamp, its text on the lines below (so a line that is only
//! a stamp, after a blank line, is a header too: sender empty, kind system), and media bodies
//! begin `【图片】`, `【语音】` (+ transcript), `【视频】`, `【表情包】`, `【文件】name size path
//! type md5`, `【分享链接】`/`【视频号】`/`【位置分享】`/`【名片】` (+ a card): attachments;
//! `【音视频通话】` is a call.
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
//! MemoTrace 2's CSV (`<contact>.csv`, UTF-8 with BOM, CRLF): `消息ID,类型,发送人,时间,内容,备注,
//! 昵称,更多信息`, read by the same column lookup: id = `消息ID`, time = `时间` (local wall
//! time, in `--source-tz`; this layout has no epoch column, so no problem is raised for it),
//! sender = `发送人` (a display name: no account ids), name = `昵称`, else `备注`, body =
//! `内容`; kind by the type's name in `类型`: 图片 视频 语音 表情包 文件 分享链接 视频号 音乐分享
//! 位置分享 小程序 and the two card types → attachment, 系统消息 and 拍一拍 → system, 音视频通话 →
//! call, the rest (文本, 引用消息, 红包, 转账, …) → message.
//!
//! **Problems**: a header-shaped TXT line with an impossible date or time (its record is
//! skipped), lines before any record (one problem per run, naming what a WeChat export looks
//! like, so a wrong `--format wechat` gives one problem, not one per line), a file that ends
//! on a whole line with no blank line after its last record (cut short; the record is still
//! returned; a file that ends mid-line is how MemoTrace 2 ends every export, so it is not
//! reported, and a MemoTrace 1 file cut mid-line goes unnoticed), and
//! the CSV row problems above.
//!
//! **Splitting**: TXT chunks start only at a header after a blank line (no state crosses a
//! record boundary: the channel comes from the path). CSV files are never split
//! (`next_record` is `None`): a quoted cell may hold newlines and whole pasted rows.

use super::csvtext::{Borrower, Records, Row};
use std::borrow::Cow;

use memchr::memchr;

use super::qq::is_placeholder;
use super::scan::{
    body_text, is_blank, line_problem, next_header_after_blank, strip_cr, trim_trailing_blank,
};
use super::{About, Chunk, Format, ParseCtx, Sink, excerpt, file_name};
use crate::model::{Kind, Message, Problem, Timestamp};
use crate::time::{Civil, digits, parse_ymd_hms};

/// The `wechat` format.
#[derive(Debug, Clone, Copy)]
pub struct WeChat;

/// The header MemoTrace writes, exactly.
const CSV_HEADER: &str = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender";

/// Placeholders MemoTrace writes that QQ does not (the shared list is [`super::qq::PLACEHOLDERS`]).
const WECHAT_PLACEHOLDERS: &[&str] = &["[表情包]", "[音乐分享]"];

/// The sender of a CSV row the account owner sent when the row names no sender.
pub const SELF_SENDER: &str = "self";

const EXPECTED: &str = "expected a WeChatMsg/MemoTrace export: TXT records `2023-04-01 09:15:02 name` + content + a blank line, or the CSV header `localId,TalkerId,Type,…,StrContent,StrTime,…`";

/// A TXT header line (the stamp is not yet validated).
#[derive(Debug, Clone, Copy)]
struct Head<'t> {
    civil: Civil,
    /// Everything after the stamp: the display name, or a system row's text; empty for a
    /// MemoTrace 2 system row, whose text is on the lines below the bare stamp.
    rest: &'t str,
}

/// Parses `YYYY-MM-DD HH:MM:SS rest`, or the bare stamp of a MemoTrace 2 system row (no
/// `\n`; trailing `\r`, spaces and tabs dropped).
#[inline]
fn header(line: &str) -> Option<Head<'_>> {
    let line = line.trim_end_matches([' ', '\t', '\r']);
    let b = line.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
        || (b.len() > 19 && (b.len() < 21 || b[19] != b' '))
    {
        return None;
    }
    let civil = Civil::at(
        digits::<4>(b)? as i32,
        digits::<2>(&b[5..])?,
        digits::<2>(&b[8..])?,
        digits::<2>(&b[11..])?,
        digits::<2>(&b[14..])?,
        digits::<2>(&b[17..])?,
    );
    let rest = line.get(20..).unwrap_or("");
    if b.len() > 19 && rest.trim_start_matches([' ', '\t']).is_empty() {
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

/// How MemoTrace 2 begins the text of a media or card message (`【图片】`, `【语音】` + the
/// voice's transcript, `【文件】name size path type md5`, `【分享链接】` + its card, …).
const V2_MEDIA: &[&str] = &[
    "【图片】",
    "【表情包】",
    "【视频】",
    "【语音】",
    "【文件】",
    "【分享链接】",
    "【视频号】",
    "【位置分享】",
    "【名片】",
];

/// The kind of a TXT message body.
#[inline]
fn txt_kind(body: &str) -> Kind {
    if is_placeholder(body)
        || WECHAT_PLACEHOLDERS.contains(&body)
        || body.trim_start_matches([' ', '\t']).starts_with("[链接]")
        || (body.starts_with('【') && V2_MEDIA.iter().any(|p| body.starts_with(p)))
    {
        Kind::Attachment
    } else if body.starts_with("【音视频通话】") {
        Kind::Call
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

/// Whether a first line is a WeChat CSV header: it names `StrContent` and a time column
/// (MemoTrace 2: `内容` and `时间`).
fn is_csv_header(line: &str) -> bool {
    let mut content = false;
    let mut time = false;
    for n in header_names(line) {
        let n = n.trim_start_matches('\u{feff}');
        content |= n == "StrContent" || n == "内容";
        time |= n == "CreateTime" || n == "StrTime" || n == "时间";
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
    /// MemoTrace 2's `类型`: the type by name (`文本`, `图片`, `系统消息`, …).
    type_name: Option<usize>,
    /// MemoTrace 2's `发送人`: the sender's display name (its CSV has no account ids).
    display: Option<usize>,
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
                "消息ID" => &mut c.local_id,
                "类型" => &mut c.type_name,
                "发送人" => &mut c.display,
                "时间" => &mut c.str_time,
                "内容" => &mut c.content,
                "备注" => &mut c.remark,
                "昵称" => &mut c.nick,
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

/// `CreateTime`: whole epoch seconds (at most 11 digits).
fn epoch_seconds(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if s.is_empty() || s.len() > 11 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok().map(Timestamp::from_unix_seconds)
}

/// The kind of a MemoTrace 2 CSV row from its type name (`MessageType.name` in its source).
fn csv_kind_by_name(name: &str) -> Kind {
    match name.trim() {
        "图片"
        | "视频"
        | "语音"
        | "表情包"
        | "文件"
        | "分享链接"
        | "视频号"
        | "音乐分享"
        | "位置分享"
        | "小程序"
        | "个人/公众号名片"
        | "企业微信名片" => Kind::Attachment,
        "系统消息" | "拍一拍" => Kind::System,
        "音视频通话" => Kind::Call,
        _ => Kind::Message,
    }
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
            let m = if h.rest.is_empty() {
                // MemoTrace 2: a bare stamp, then the system text.
                let mut m = Message::new(time, "", body_text(content), loc);
                m.kind = Kind::System;
                m
            } else if content.is_empty()
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
                        sink.problem(line_problem(
                            ctx.loc(chunk, pos, line),
                            "bad date or time in header",
                            l,
                        ));
                        skipping = true;
                    }
                } else if open.is_none() && !skipping && !reported {
                    let l = text.get(pos..eol).unwrap_or("");
                    sink.problem(line_problem(
                        ctx.loc(chunk, pos, line),
                        format_args!("not a WeChat export line ({EXPECTED})"),
                        l,
                    ));
                    reported = true;
                }
                prev_blank = false;
            }
            line += 1;
            pos = eol + 1;
        }
        if let Some(rec) = open {
            // MemoTrace 2 joins records with a blank line and ends the file without a
            // newline, which is also how a MemoTrace 1 file cut mid-line ends: the two cannot
            // be told apart, so only a file that ends on a whole line with no blank line
            // after it is reported as cut.
            if chunk.last && !prev_blank && b.last() == Some(&b'\n') {
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
        let mut records = Records::new(chunk, ctx);
        let mut cols: Option<Cols> = None;
        let chat = chat_name(ctx.path);
        let mut r = ctx.resolver();
        let mut cells: Vec<Cow<'a, str>> = Vec::new();
        while let Some(Row { record, start, loc }) = records.next(sink) {
            let first = || {
                let raw = text.get(start..).unwrap_or("");
                excerpt(strip_cr(raw.split('\n').next().unwrap_or("")))
            };
            let Some(c) = cols else {
                let header = Cols::from_header(record);
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
            let mut borrow = Borrower::new(text, start);
            cells.extend(record.iter().map(|f| borrow.field(f)));
            let get = |i: Option<usize>| i.and_then(|i| cells.get(i)).map_or("", |s| s.as_ref());
            let kind = match c.type_name {
                Some(_) => csv_kind_by_name(get(c.type_name)),
                None => csv_kind(get(c.typ), get(c.sub_type)),
            };
            let create = get(c.create);
            let time = match epoch_seconds(create) {
                Some(t) => t,
                // MemoTrace 2 writes no epoch column: its local `时间` is the time.
                None if c.create.is_none() => {
                    let st = get(c.str_time).trim();
                    match parse_ymd_hms(st.as_bytes()).filter(|(_, n)| *n == st.len()) {
                        Some((civil, _)) => r.resolve(&civil),
                        None => {
                            sink.problem(Problem::new(
                                loc,
                                format!("no usable time ({:?}): {}", excerpt(st), first()),
                            ));
                            continue;
                        }
                    }
                }
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
            let display = take(c.display);
            let sender = take(c.sender).or(display).unwrap_or_else(|| {
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
    about! { "wechat", ["聊天记录/王小明/王小明.txt", "王小明_utf8.csv"], "WeChatMsg / MemoTrace export: TXT (`YYYY-MM-DD HH:MM:SS name` records) or CSV (`localId,TalkerId,Type,…`, `CreateTime` wins)" }

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
        if is_csv_header(first_line(text)) {
            return None;
        }
        next_header_after_blank(text, from, |l| header(l).is_some())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testkit::{self, Subject};
    use crate::formats::{Collect, parse_text, split_text};
    use crate::time::Zone;

    testkit::fixtures!("wechat": PRIVATE "txt/聊天记录/王小明/王小明.txt", GROUP "txt/项目二组.txt",
        BAD "bad/坏记录.txt", CSV "csv/王小明_utf8.csv", BAD_CSV "bad/坏表.csv");

    fn parse_at<'a>(path: &'a str, text: &'a str, zone: Zone, target: usize) -> Collect<'a> {
        parse_text(&WeChat, text, &ParseCtx::new(0, path, zone), target)
    }

    /// Reads `text` as the file `path`, whole, in Beijing time.
    fn parse_beijing<'a>(path: &'a str, text: &'a str) -> Collect<'a> {
        parse_at(path, text, "Asia/Shanghai".parse().unwrap(), usize::MAX)
    }

    fn parse_with(text: &str, target: usize) -> Collect<'_> {
        parse_at("聊天记录/甲/甲.txt", text, Zone::Utc, target)
    }

    fn parse(text: &str) -> Collect<'_> {
        parse_with(text, usize::MAX)
    }

    #[test]
    fn header_needs_a_full_stamp_a_space_and_a_name() {
        let h = header("2023-04-01 09:15:02 王小明 \r").unwrap();
        assert_eq!(h.rest, "王小明");
        assert_eq!((h.civil.hour, h.civil.second), (9, 2));
        assert!(header("2023-04-01 9:15:02 王小明").is_none());
        // A bare stamp is a MemoTrace 2 system row's header.
        assert_eq!(header("2023-04-01 09:15:02").map(|h| h.rest), Some(""));
        assert_eq!(header("2023-04-01 09:15:02 \r").map(|h| h.rest), Some(""));
        assert!(header("2023-04-01 09:15:0").is_none());
        assert!(header("2023-04-01T09:15:02 王小明").is_none());
        assert!(header("2023-04-01 09:15:02\tnick\ttext").is_none());
        assert!(!header("2023-13-01 09:15:02 x").unwrap().civil.is_valid());
    }

    #[test]
    fn pasted_stamp_directly_under_a_body_line_stays_in_the_body() {
        let t = "2023-04-01 09:00:00 甲\nlog:\n2023-04-01 08:00:00 bot\nfail\n\n2023-04-01 09:01:00 乙\nok\n\n";
        let c = parse(t);
        assert_eq!(c.problems, vec![]);
        assert_eq!(c.messages.len(), 2);
        assert_eq!(c.messages[0].body, "log:\n2023-04-01 08:00:00 bot\nfail");
        assert_eq!(c.messages[1].sender, "乙");
        assert_eq!(c.messages[1].loc.line, 6);
    }

    #[test]
    fn header_with_one_blank_line_is_a_system_row_and_two_make_an_empty_message() {
        let t = "2023-04-01 09:00:00 \"甲\" 撤回了一条消息\n\n2023-04-01 09:01:00 乙\n\n\n2023-04-01 09:02:00 乙\n[语音]\n\n";
        let c = parse(t);
        assert_eq!(c.problems, vec![]);
        let got: Vec<_> = c
            .messages
            .iter()
            .map(|m| (m.sender.as_ref(), m.body.as_ref(), m.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("", "\"甲\" 撤回了一条消息", Kind::System),
                ("乙", "", Kind::Message),
                ("乙", "[语音]", Kind::Attachment),
            ]
        );
    }

    #[test]
    fn blank_line_inside_a_body_does_not_end_it_unless_a_header_follows() {
        let c = parse(PRIVATE);
        assert_eq!(c.messages[6].body, "Привет, как дела?\n\n第二段：明天见");
        assert_eq!(c.messages[7].body, "[文件]");
    }

    #[test]
    fn channel_is_the_file_name_without_extension_or_utf8_suffix() {
        assert_eq!(chat_name("聊天记录/王小明/王小明.txt"), Some("王小明"));
        assert_eq!(
            chat_name("x.zip!/聊天记录/项目组/项目组_utf8.csv"),
            Some("项目组")
        );
        assert_eq!(chat_name("a\\b\\c.txt"), Some("c"));
        assert_eq!(chat_name("-"), None);
        let c = parse_at("d/项目二组.txt", GROUP, Zone::Utc, usize::MAX);
        testkit::assert_all_in_channel(&c, "项目二组");
    }

    #[test]
    fn crlf_lines_are_stripped_from_bodies_and_names() {
        let c = parse(GROUP);
        assert_eq!(c.messages[1].sender, "Ivan Petrov");
        assert_eq!(c.messages[1].body, "Всем привет!");
        assert_eq!(c.messages[3].kind, Kind::Attachment);
        assert!(c.messages.iter().all(|m| !m.body.contains('\r')));
    }

    #[test]
    fn naive_stamps_use_the_source_zone() {
        let t = "2023-04-01 09:00:00 甲\nhi\n\n";
        let c = parse_beijing("a.txt", t);
        assert_eq!(c.messages[0].time.unix_seconds(), 1_680_310_800);
    }

    #[test]
    fn a_file_that_is_not_wechat_is_one_problem_naming_what_was_expected() {
        let c = parse("hello\nworld\n\nmore text\n12/03/2022, 21:04 - a: b\n");
        testkit::assert_only_problem(&c, 1, "expected a WeChatMsg/MemoTrace export");
    }

    #[test]
    fn bad_stamp_skips_its_record_and_a_cut_last_record_is_kept_and_reported() {
        let c = parse(BAD);
        let lines: Vec<u64> = c.problems.iter().map(|p| p.loc.line).collect();
        assert_eq!(lines, [4, 13, 16]);
        assert!(c.problems[0].what.starts_with("bad date or time"));
        assert!(c.problems[2].what.contains("no blank line after it"));
        assert_eq!(c.messages.len(), 3);
        assert_eq!(c.messages[2].body, "最后一条被截断");
    }

    #[test]
    fn csv_create_time_wins_over_str_time() {
        let c = parse_beijing("王小明_utf8.csv", CSV);
        assert_eq!(c.problems, vec![]);
        let m = &c.messages[13];
        assert_eq!(m.id.as_deref(), Some("114"));
        // StrTime says 2023-04-02 07:59:59 (+08:00); CreateTime 1680364799 is 15:59:59Z.
        assert_eq!(m.time.unix_seconds(), 1_680_364_799);
        assert_eq!(m.time.offset, None);
    }

    #[test]
    fn csv_cells_are_borrowed_unless_quotes_were_doubled() {
        let c = parse_at("王小明_utf8.csv", CSV, Zone::Utc, usize::MAX);
        let first = &c.messages[0];
        assert!(matches!(first.body, Cow::Borrowed(_)));
        assert!(matches!(first.sender, Cow::Borrowed("wxid_wxm2023abc")));
        assert!(matches!(first.name, Some(Cow::Borrowed("王小明"))));
        let quoted = &c.messages[4];
        assert!(matches!(quoted.body, Cow::Owned(_)));
        assert!(quoted.body.starts_with("第一行 \"引号\"\nвторая"));
    }

    #[test]
    fn csv_types_map_to_kinds() {
        assert_eq!(csv_kind("1", "0"), Kind::Message);
        for t in ["3", "34", "43", "47"] {
            assert_eq!(csv_kind(t, "0"), Kind::Attachment, "{t}");
        }
        assert_eq!(csv_kind("49", "6"), Kind::Attachment);
        assert_eq!(csv_kind("49", "57"), Kind::Message);
        assert_eq!(csv_kind("10000", "0"), Kind::System);
        assert_eq!(csv_kind("10002", "0"), Kind::System);
        assert_eq!(csv_kind("50", "0"), Kind::Call);
        assert_eq!(csv_kind("42", "0"), Kind::Message);
        assert_eq!(csv_kind("", ""), Kind::Message);
    }

    #[test]
    fn csv_columns_are_found_by_name_and_an_account_talker_is_the_channel() {
        let t =
            "StrContent,Sender,CreateTime,TalkerId,Type\n你好,wxid_a,1600000000,123@chatroom,1\n";
        let c = parse_at("群_utf8.csv", t, Zone::Utc, usize::MAX);
        assert_eq!(c.problems, vec![]);
        let m = &c.messages[0];
        assert_eq!((m.body.as_ref(), m.sender.as_ref()), ("你好", "wxid_a"));
        assert_eq!(m.channel.as_deref(), Some("123@chatroom"));
        assert_eq!(m.time.unix_seconds(), 1_600_000_000);
    }

    #[test]
    fn csv_self_rows_without_sender_use_the_self_marker_and_others_the_chat() {
        let c = parse_at("王小明_utf8.csv", CSV, Zone::Utc, usize::MAX);
        assert_eq!(c.messages[3].sender, SELF_SENDER);
        assert_eq!(c.messages[3].name, None);
        assert_eq!(c.messages[14].sender, "王小明");
        assert_eq!(c.messages[9].sender, "");
    }

    #[test]
    fn csv_bad_rows_are_problems_at_their_lines_and_parsing_goes_on() {
        let c = parse_beijing("坏表.csv", BAD_CSV);
        let lines: Vec<u64> = c.problems.iter().map(|p| p.loc.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 8]);
        assert!(
            c.problems[0]
                .what
                .starts_with("row has 3 fields, the header has 12")
        );
        assert!(c.problems[1].what.contains("time taken from StrTime"));
        assert!(c.problems[2].what.starts_with("no usable time"));
        let ids: Vec<_> = c.messages.iter().map(|m| m.id.as_deref()).collect();
        assert_eq!(ids, [Some("201"), Some("203"), Some("206")]);
    }

    #[test]
    fn csv_is_never_split_and_txt_splits_only_at_headers_after_blank_lines() {
        assert_eq!(split_text(&WeChat, CSV, 1).len(), 1);
        let chunks = split_text(&WeChat, PRIVATE, 1);
        assert_eq!(chunks.len(), 14);
        for ch in &chunks[1..] {
            assert!(header(ch.text.lines().next().unwrap()).is_some());
        }
        assert_eq!(parse_with(PRIVATE, 1).messages, parse(PRIVATE).messages);
    }

    #[test]
    fn sniff_is_sure_of_the_csv_header_and_never_claims_qq() {
        assert_eq!(WeChat.sniff("a_utf8.csv", CSV), 95);
        assert_eq!(WeChat.sniff("a.txt", PRIVATE), 80);
        assert_eq!(WeChat.sniff("a.txt", GROUP), 80);
        assert_eq!(WeChat.sniff("a.txt", "2023-04-01 09:00:00 甲\nhi\n\n"), 60);
        assert_eq!(WeChat.sniff("a.json", PRIVATE), 0);
        let qq = "2020-07-09 19:41:03 张伟(100200300)\n周末又要加班\n\n2020-07-09 21:03:15 老李(400500600)\n收到\n";
        assert_eq!(WeChat.sniff("q.txt", qq), 0);
        let qq_section = "2020-07-09 19:41:03 张伟\n周末\n\n================\n消息对象:项目二组\n";
        assert_eq!(WeChat.sniff("q.txt", qq_section), 0);
        let log = "2021-01-01 10:00:00 INFO start\n2021-01-01 10:00:01 INFO ready\n";
        assert_eq!(WeChat.sniff("app.txt", log), 0);
        assert_eq!(WeChat.sniff("a.txt", "hello\n"), 0);
        let qq_file = include_str!("../../testdata/qq/全部消息记录.txt");
        assert_eq!(WeChat.sniff("全部消息记录.txt", qq_file), 0);
        assert!(crate::formats::qq::Qq.sniff("a.txt", PRIVATE) == 0);
    }

    fn read<'a>(_: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        parse_with(text, target)
    }

    /// Records that end (a blank line and the next header) before the damaged line survive.
    fn survives(original: &str, whole: &Collect<'_>, i: usize, damage: usize) -> bool {
        let next = whole.messages.get(i + 1);
        next.is_some_and(|n| n.loc.line + 1 < testkit::line_of(original, damage))
    }

    const SUBJECT: Subject = Subject::new(
        &WeChat,
        "r.txt",
        read,
        &[
            ("w.txt", PRIVATE),
            ("w.txt", GROUP),
            ("w.txt", BAD),
            ("w.csv", CSV),
            ("w.csv", BAD_CSV),
        ],
        survives,
    )
    .prefixes(&["localId,Type,CreateTime,StrContent,StrTime,Sender\n"]);

    testkit::props!(SUBJECT);
}
