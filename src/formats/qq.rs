//! `qq`: the `.txt` export of the QQ (and TIM) message manager.
//!
//! ```text
//! 消息记录（此消息记录为文本格式，不支持重新导入）
//!
//! ================================================================
//! 消息分组:我的群聊
//! ================================================================
//! 消息对象:项目二组
//! ================================================================
//!
//! 2020-07-09 9:41:03 张伟(100200300)
//! 周末又要加班
//!
//! 2020-07-09 21:03:15 【管理员】老李(400500600)
//! 收到
//! ```
//!
//! **Header**: `YYYY-MM-DD` + space + time + space + sender, alone on its line. The time is
//! `H:MM:SS` (hour one or two digits), optionally with a 12-hour marker: ` AM`/` PM` after
//! it (English clients) or `上午`/`下午` before it (TIM, `2020-07-09 下午9:03:15`; a space
//! after the marker is tolerated). The sender is `nick(number)` (the number is the LAST
//! `(digits)`, which ends the line, so nicks may hold parentheses: `王(小)明(123)`) or
//! `nick<email>` (the email holds an `@` and no whitespace). A leading role tag `【…】`
//! (`【管理员】`, `【群主】`) is not part of the nick. Mapping: sender = the number or email,
//! name = the nick (none when empty), channel = the current `消息对象` (the chat), body = the
//! following lines. In a friend chat (`消息分组:我的好友`) real exports write the name alone,
//! `2010-01-06 16:57:28 Victor.Woo` or a remark `老周(备注)`: a header whose tail is neither
//! form is a bare name (at most 64 bytes), which is then the sender and the name. Only headers
//! with a number or an email make a file that starts with one sniff as QQ.
//!
//! **Records** start at a header that follows a blank line (or the file start, a section
//! block, or text that is no record); a header-shaped line directly under a body line is body
//! text (a pasted log). A record ends at the next such header or at a separator line; its
//! trailing blank lines are dropped, and each line's `\r` (CRLF files) is removed.
//!
//! **Sections**: a line of at least ten `=` is a separator. It always ends the current record
//! and opens a section block; in the block, the line right after a separator that starts
//! `消息对象:` (or `消息对象：`) names the chat for every following record, `消息分组:` (the
//! contact group) is skipped. The block ends at the next header.
//!
//! **Kinds**: a body that is exactly a placeholder (`[图片]`, `[表情]`, `[文件]`, `[语音]`,
//! `[视频]`, …) is an attachment; a record from `系统消息` (QQ's system account, number
//! 10000) is a system row; everything else is a message.
//!
//! **Problems**: a header-shaped line with an impossible date or time is a problem at its
//! line, and its record is skipped. Lines that are neither the title, a section line, a header
//! nor part of a record are one problem per run (a file with no QQ line at all is one problem
//! that says what was expected). Stamps are naive, in `--source-tz`.
//!
//! **Splitting**: [`Format::survey`] records where every `消息对象` line is, so a chunk that
//! starts in the middle of a file knows its chat; chunks start only at a header after a blank
//! line. Decoding (GB18030 files, BOMs) happens before parsing.

use std::borrow::Cow;

use super::scan::{
    body_text, in_force_at, line_end, line_problem, next_header_after_blank, trim_trailing_blank,
};
pub(crate) use super::scan::{is_blank, strip_cr};
use memchr::{memmem, memrchr};

use super::{About, Chunk, Format, Hint, ParseCtx, Sink, Survey, SurveyEnv, file_name};
use crate::model::{Kind, Message};
use crate::time::{Civil, digits, digits_1_2};

/// The `qq` format.
#[derive(Debug, Clone, Copy)]
pub struct Qq;

/// A parsed header line (the stamp is not yet validated).
#[derive(Debug, Clone, Copy)]
struct Head<'t> {
    civil: Civil,
    sender: &'t str,
    nick: &'t str,
    /// The sender is a bare name (a friend chat), with no number or email to go by.
    bare: bool,
}

/// The longest bare name taken as a sender (QQ nicks and remarks are far shorter; a longer
/// tail is a pasted log line, not a header).
const BARE_NAME_MAX: usize = 64;

/// Bodies that are only an attachment placeholder (QQ, TIM and WeChat write these).
pub(crate) const PLACEHOLDERS: &[&str] = &[
    "[图片]",
    "[表情]",
    "[文件]",
    "[语音]",
    "[视频]",
    "[动画表情]",
    "[位置]",
    "[链接]",
    "[名片]",
    "[闪照]",
    "[语音通话]",
    "[视频通话]",
    "[音乐]",
    "[小程序]",
];

/// Whether `body` is nothing but an attachment placeholder.
pub(crate) fn is_placeholder(body: &str) -> bool {
    body.starts_with('[') && PLACEHOLDERS.contains(&body)
}

const AM: &str = "上午";
const PM: &str = "下午";

/// Parses a header line (no `\n`; a trailing `\r` or spaces are tolerated).
#[inline]
fn header(line: &str) -> Option<Head<'_>> {
    let b = line.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || !b[0].is_ascii_digit() {
        return None;
    }
    let year = digits::<4>(b)?;
    let month = digits::<2>(&b[5..])?;
    let day = digits::<2>(&b[8..])?;
    let mut i = 11;
    // 0: 24-hour, 1: AM, 2: PM.
    let mut half = 0u8;
    if line.get(i..i + 6) == Some(AM) {
        half = 1;
        i += 6;
    } else if line.get(i..i + 6) == Some(PM) {
        half = 2;
        i += 6;
    }
    if half != 0 && b.get(i) == Some(&b' ') {
        i += 1;
    }
    let (mut hour, n) = digits_1_2(b.get(i..)?)?;
    i += n;
    if b.get(i) != Some(&b':') || b.get(i + 3) != Some(&b':') {
        return None;
    }
    let minute = digits::<2>(b.get(i + 1..)?)?;
    let second = digits::<2>(b.get(i + 4..)?)?;
    i += 6;
    if half == 0 {
        match b.get(i..i + 4) {
            Some(b" AM " | b" am ") => {
                half = 1;
                i += 3;
            }
            Some(b" PM " | b" pm ") => {
                half = 2;
                i += 3;
            }
            _ => {}
        }
    }
    if b.get(i) != Some(&b' ') {
        return None;
    }
    i += 1;
    let mut end = b.len();
    while end > i && matches!(b[end - 1], b' ' | b'\t' | b'\r') {
        end -= 1;
    }
    let rest = line.get(i..end)?;
    let numbered = || {
        let open = rest.rfind('(')?;
        let num = rest.get(open + 1..rest.len() - 1)?;
        (!num.is_empty() && num.len() <= 20 && num.bytes().all(|c| c.is_ascii_digit()))
            .then(|| (&rest[..open], num))
    };
    let mailed = || {
        let open = rest.rfind('<')?;
        let mail = rest.get(open + 1..rest.len() - 1)?;
        (mail.len() >= 3
            && mail.contains('@')
            && !mail.bytes().any(|c| c.is_ascii_whitespace() || c == b'<'))
        .then(|| (&rest[..open], mail))
    };
    let tagged = match rest.as_bytes().last()? {
        b')' => numbered(),
        b'>' => mailed(),
        _ => None,
    };
    // A friend chat's headers carry the name alone (`2010-01-06 16:57:28 Victor.Woo`, also a
    // remark like `老周(备注)`): the name is then the sender too.
    let bare = tagged.is_none();
    let (nick, sender) = match tagged {
        Some(t) => t,
        None if rest.len() <= BARE_NAME_MAX && !rest.contains('\t') && !ends_in_number(rest) => {
            (rest, rest)
        }
        None => return None,
    };
    if half != 0 {
        hour = match (hour, half) {
            (1..=11, 1) => hour,
            (12, 1) => 0,
            (1..=11, _) => hour + 12,
            (12, _) => 12,
            _ => 99,
        };
    }
    let nick = strip_role(nick);
    Some(Head {
        civil: Civil::at(year as i32, month, day, hour, minute, second),
        sender: if bare { nick } else { sender },
        nick,
        bare,
    })
}

/// Whether `tail` ends in a space and a run of digits (`张伟 100200300`): a header whose
/// number lost its parentheses, not a bare name.
fn ends_in_number(tail: &str) -> bool {
    let digits = tail.bytes().rev().take_while(u8::is_ascii_digit).count();
    digits > 0 && tail.as_bytes().get(tail.len() - digits - 1) == Some(&b' ')
}

/// The nick without a leading role tag `【…】`.
fn strip_role(nick: &str) -> &str {
    if let Some(rest) = nick.strip_prefix('【')
        && let Some(close) = rest.find('】')
    {
        return &rest[close + '】'.len_utf8()..];
    }
    nick
}

/// A line of at least ten `=` (the section separator).
#[inline]
fn is_separator(l: &str) -> bool {
    // Trimming only touches the end, so a separator's first byte is `=` (most lines fail
    // here without the trim's backwards walk over their characters).
    if l.as_bytes().first() != Some(&b'=') {
        return false;
    }
    let l = strip_cr(l).trim_end_matches([' ', '\t']);
    l.len() >= 10 && l.bytes().all(|c| c == b'=')
}

/// The chat named by a `消息对象:` line.
#[inline]
fn object_name(l: &str) -> Option<&str> {
    let rest = l
        .strip_prefix("消息对象:")
        .or_else(|| l.strip_prefix("消息对象："))?;
    Some(strip_cr(rest).trim_end_matches([' ', '\t']))
}

/// Where each `消息对象` section starts in a file, found by [`Format::survey`].
#[derive(Debug, Default)]
pub struct QqHint {
    /// Byte offset of each `消息对象:` line and the chat it names, in file order.
    pub objects: Vec<(u64, String)>,
}

impl QqHint {
    /// The chat in force at byte `offset` of the file (the last one named before it).
    pub fn object_at(&self, offset: u64) -> Option<&str> {
        in_force_at(&self.objects, offset).map(String::as_str)
    }
}

impl Hint for QqHint {
    fn describe(&self) -> Option<String> {
        match self.objects.len() {
            0 => None,
            1 => Some(format!("1 chat: {}", self.objects[0].1)),
            n => Some(format!("{n} chat sections")),
        }
    }
}

/// Scans for `消息对象:` lines right under a separator.
#[derive(Debug, Default)]
struct QqSurvey {
    hint: QqHint,
    /// Whether the last line of the previous piece was a separator.
    prev_sep: bool,
}

impl Survey for QqSurvey {
    fn feed(&mut self, text: &str, offset: u64, _line: u64) {
        let b = text.as_bytes();
        for hit in memmem::find_iter(b, "消息对象".as_bytes()) {
            let at_line_start = hit == 0 || b[hit - 1] == b'\n';
            if !at_line_start {
                continue;
            }
            let prev_sep = if hit == 0 {
                self.prev_sep
            } else {
                let prev_start = memrchr(b'\n', &b[..hit - 1]).map_or(0, |i| i + 1);
                text.get(prev_start..hit - 1).is_some_and(is_separator)
            };
            let eol = line_end(b, hit);
            if let Some(name) = text.get(hit..eol).and_then(object_name)
                && prev_sep
            {
                self.hint
                    .objects
                    .push((offset + hit as u64, name.to_string()));
            }
        }
        // The last complete line of the piece (pieces end after a `\n` or at the end).
        let body = b.strip_suffix(b"\n").unwrap_or(b);
        let last = memrchr(b'\n', body).map_or(0, |i| i + 1);
        if !b.is_empty() {
            self.prev_sep = text.get(last..body.len()).is_some_and(is_separator);
        }
    }

    fn finish(self: Box<Self>) -> Box<dyn Hint> {
        Box::new(self.hint)
    }
}

/// What the parser is in the middle of.
#[derive(Clone, Copy)]
enum State<'t> {
    /// No record yet (the chunk start, or after text that is no record).
    Outside,
    /// In a section block (after a separator).
    Section,
    /// In a record whose header was read.
    Record {
        head: Head<'t>,
        start: usize,
        line: u64,
        body: usize,
    },
    /// In a record whose header was bad: its lines are skipped.
    Skip,
}

const EXPECTED: &str = "expected a QQ message-manager header like `2020-07-09 9:41:03 nick(12345)`, `nick<mail>` or a `消息对象:` section";

impl Format for Qq {
    about! { "qq", ["全部消息记录.txt", "项目二组.txt"], "QQ / TIM message manager `.txt` export: `消息对象:` sections, `YYYY-MM-DD H:MM:SS nick(number)` headers" }

    fn sniff(&self, path: &str, head: &str) -> u8 {
        let name = file_name(path);
        if let Some(i) = name.rfind('.')
            && i > 0
            && !name[i + 1..].eq_ignore_ascii_case("txt")
        {
            return 0;
        }
        let mut lines = head.lines().filter(|l| !is_blank(l));
        let Some(first) = lines.next() else {
            return 0;
        };
        let first = first.trim_start_matches('\u{feff}');
        if first.starts_with("消息记录（此消息记录为文本格式") {
            return 95;
        }
        if is_separator(first) {
            let mut rest = lines.take(6);
            if rest.any(|l| object_name(l).is_some() || l.starts_with("消息分组")) {
                return 90;
            }
            return 0;
        }
        // A file that starts with a header is QQ only when the header names a number or an
        // email: a bare name after a stamp is also how many other logs write a line.
        match header(first) {
            Some(h) if h.civil.is_valid() && !h.bare => 90,
            _ => 0,
        }
    }

    fn survey(&self, _env: &mut SurveyEnv<'_>) -> Option<Box<dyn Survey>> {
        Some(Box::new(QqSurvey::default()))
    }

    fn next_record(&self, text: &str, from: usize) -> Option<usize> {
        next_header_after_blank(text, from, |l| header(l).is_some())
    }

    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let text = chunk.text;
        let b = text.as_bytes();
        let mut channel: Option<&'a str> =
            ctx.hint::<QqHint>().and_then(|h| h.object_at(chunk.offset));
        let mut r = ctx.resolver();
        let mut state: State<'a> = State::Outside;
        let mut after_blank = true;
        let mut prev_sep = false;
        let mut reported = false;
        let mut pos = 0;
        let mut line = chunk.line;

        // Ends the record being read (if any) at `end`.
        let mut emit =
            |state: State<'a>, end: usize, channel: Option<&'a str>, sink: &mut dyn Sink<'a>| {
                let State::Record {
                    head: h,
                    start,
                    line: hline,
                    body,
                } = state
                else {
                    return;
                };
                let raw = text.get(body.min(end)..end).unwrap_or("");
                let body = body_text(trim_trailing_blank(raw));
                let kind = if h.nick == "系统消息" || h.sender == "10000" {
                    Kind::System
                } else if is_placeholder(&body) {
                    Kind::Attachment
                } else {
                    Kind::Message
                };
                let mut m = Message::new(
                    r.resolve(&h.civil),
                    h.sender,
                    body,
                    ctx.loc(chunk, start, hline),
                );
                if !h.nick.is_empty() {
                    m.name = Some(Cow::Borrowed(h.nick));
                }
                m.channel = channel.map(Cow::Borrowed);
                m.kind = kind;
                sink.message(m);
            };

        while pos < b.len() {
            let eol = line_end(b, pos);
            let l = text.get(pos..eol).unwrap_or("");
            if is_blank(l) {
                after_blank = true;
                prev_sep = false;
                line += 1;
                pos = eol + 1;
                continue;
            }
            let at_start = matches!(state, State::Outside | State::Section);
            if is_separator(l) {
                emit(state, pos, channel, sink);
                state = State::Section;
                prev_sep = true;
                reported = false;
            } else if let Some(h) = (after_blank || at_start).then(|| header(l)).flatten() {
                emit(state, pos, channel, sink);
                reported = false;
                prev_sep = false;
                if h.civil.is_valid() {
                    state = State::Record {
                        head: h,
                        start: pos,
                        line,
                        body: (eol + 1).min(b.len()),
                    };
                } else {
                    sink.problem(line_problem(
                        ctx.loc(chunk, pos, line),
                        "bad date or time in header",
                        l,
                    ));
                    state = State::Skip;
                }
            } else {
                match state {
                    State::Record { .. } | State::Skip => {}
                    State::Section => {
                        if prev_sep && let Some(name) = object_name(l) {
                            channel = Some(name);
                        } else if !(reported || l.starts_with("消息分组") && prev_sep) {
                            sink.problem(line_problem(
                                ctx.loc(chunk, pos, line),
                                "unexpected line in a section block",
                                l,
                            ));
                            reported = true;
                        }
                    }
                    State::Outside => {
                        let title = chunk.first
                            && pos == 0
                            && l.trim_start_matches('\u{feff}').starts_with("消息记录");
                        if !title && !reported {
                            sink.problem(line_problem(
                                ctx.loc(chunk, pos, line),
                                format_args!("not a QQ export line ({EXPECTED})"),
                                l,
                            ));
                            reported = true;
                        }
                    }
                }
                prev_sep = false;
            }
            after_blank = false;
            line += 1;
            pos = eol + 1;
        }
        emit(state, b.len(), channel, sink);
        sink.dst_adjusted(r.adjusted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testkit::{self, Subject};
    use crate::formats::{Collect, parse_text, split_text, survey_text};
    use crate::time::Zone;

    testkit::fixtures!("qq": MAIN "全部消息记录.txt", BAD "bad/坏记录.txt");

    fn parse_with(text: &str, target: usize) -> Collect<'_> {
        let hint = survey_text(&Qq, "q.txt", text, Default::default());
        // The hint must outlive the messages borrowing from it.
        let hint: &'static dyn Hint = Box::leak(hint.unwrap());
        let mut ctx = ParseCtx::new(0, "q.txt", Zone::Utc);
        ctx.hint = Some(hint);
        parse_text(&Qq, text, &ctx, target)
    }

    fn parse(text: &str) -> Collect<'_> {
        parse_with(text, usize::MAX)
    }

    #[test]
    fn last_parenthesised_number_is_the_sender_and_role_tag_is_dropped() {
        let h = header("2020-07-09 21:05:00 【管理员】王(小)明(2)(123456)").unwrap();
        assert_eq!((h.sender, h.nick), ("123456", "王(小)明(2)"));
        let h = header("2020-07-10 08:00:00 Ivan Petrov<ivan@example.ru>\r").unwrap();
        assert_eq!((h.sender, h.nick), ("ivan@example.ru", "Ivan Petrov"));
        // Without a number or an email the tail is a bare name (a friend's remark).
        for tail in ["王(小)明", "王(12a)", "x<no-at>", "Victor.Woo"] {
            let line = format!("2020-07-09 21:05:00 {tail}");
            let h = header(&line).unwrap();
            assert_eq!((h.sender, h.nick, h.bare), (tail, tail, true));
        }
        assert!(header("2020-07-09 21:05:00 张伟 100200300").is_none());
        assert!(header(&format!("2020-07-09 21:05:00 {}", "长".repeat(30))).is_none());
        assert!(header("2020-07-09 21:05 x(1)").is_none());
    }

    #[test]
    fn twelve_hour_markers_both_before_and_after_the_time() {
        let hour = |l: &str| header(l).map(|h| h.civil.hour);
        assert_eq!(hour("2020-07-09 下午9:03:15 a(1)"), Some(21));
        assert_eq!(hour("2020-07-09 下午 12:03:15 a(1)"), Some(12));
        assert_eq!(hour("2020-07-09 上午12:03:15 a(1)"), Some(0));
        assert_eq!(hour("2020-07-09 9:03:15 PM a(1)"), Some(21));
        assert_eq!(hour("2020-07-09 12:03:15 AM a(1)"), Some(0));
        assert_eq!(hour("2020-07-09 13:03:15 PM a(1)"), Some(99));
        assert_eq!(hour("2020-07-09 13:03:15 a(1)"), Some(13));
    }

    #[test]
    fn pasted_header_not_after_a_blank_line_stays_in_the_body() {
        let t = "2020-07-09 9:00:00 a(1)\nlog:\n2020-07-09 8:00:00 bot(2)\nfail\n\n2020-07-09 9:01:00 b(3)\nok\n";
        let c = parse(t);
        assert_eq!(c.messages.len(), 2);
        assert_eq!(c.messages[0].body, "log:\n2020-07-09 8:00:00 bot(2)\nfail");
        assert_eq!(c.messages[1].loc.line, 6);
    }

    #[test]
    fn sections_set_the_channel_even_for_chunks_that_start_mid_file() {
        let whole = parse(MAIN);
        let chans: Vec<_> = whole
            .messages
            .iter()
            .map(|m| m.channel.as_deref())
            .collect();
        assert_eq!(chans[0], Some("项目二组"));
        assert_eq!(chans[6], Some("Ivan Petrov"));
        for target in [1, 7, 40, 200] {
            assert_eq!(
                parse_with(MAIN, target).messages,
                whole.messages,
                "{target}"
            );
        }
        assert!(split_text(&Qq, MAIN, 1).len() >= 7);
    }

    #[test]
    fn survey_finds_only_object_lines_under_a_separator() {
        let t = "====================\n消息对象:甲\n====================\n\n2020-07-09 9:00:00 a(1)\n消息对象:乙\n";
        let c = parse(t);
        assert_eq!(c.messages[0].channel.as_deref(), Some("甲"));
        assert_eq!(c.messages[0].body, "消息对象:乙");
    }

    #[test]
    fn crlf_is_stripped_and_placeholders_are_attachments() {
        let t = "2020-07-09 9:00:00 a(1)\r\n[图片]\r\n\r\n2020-07-09 9:00:01 系统消息(10000)\r\nx 撤回了一条消息\r\n";
        let c = parse(t);
        assert_eq!(c.messages[0].kind, Kind::Attachment);
        assert_eq!(c.messages[0].body, "[图片]");
        assert_eq!(c.messages[1].kind, Kind::System);
        assert_eq!(c.messages[1].body, "x 撤回了一条消息");
    }

    #[test]
    fn a_file_that_is_not_qq_is_one_problem() {
        let c = parse("hello\nworld\nmore text\n");
        assert!(c.messages.is_empty());
        assert_eq!(c.problems.len(), 1);
        assert!(c.problems[0].what.contains("expected a QQ"));
        assert_eq!(Qq.sniff("x.txt", "hello\nworld\n"), 0);
    }

    #[test]
    fn bad_stamp_skips_the_record_and_reports_its_line() {
        let c = parse(BAD);
        let lines: Vec<u64> = c.problems.iter().map(|p| p.loc.line).collect();
        assert_eq!(lines, [9, 16]);
        assert_eq!(c.messages.len(), 2);
    }

    #[test]
    fn sniff_wants_the_title_a_section_or_a_strict_header() {
        assert_eq!(Qq.sniff("a.txt", MAIN), 95);
        assert_eq!(Qq.sniff("a.txt", "====================\n消息分组:x\n"), 90);
        assert_eq!(Qq.sniff("a", "2020-07-09 9:00:00 a(1)\nx"), 90);
        assert_eq!(Qq.sniff("a.json", MAIN), 0);
        assert_eq!(Qq.sniff("a.txt", "2020-07-09 9:00:00 a\nx"), 0);
        assert_eq!(Qq.sniff("a.txt", "[04.11.21 10:02:17] vega:\t\tx"), 0);
    }

    fn read<'a>(_: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        parse_with(text, target)
    }

    /// Records that end (a blank line and the next header, in the same chat) before the
    /// damaged line survive.
    fn survives(original: &str, whole: &Collect<'_>, i: usize, damage: usize) -> bool {
        let (w, next) = (&whole.messages[i], whole.messages.get(i + 1));
        next.is_some_and(|n| {
            n.loc.line + 1 < testkit::line_of(original, damage) && w.channel == n.channel
        })
    }

    const SUBJECT: Subject = Subject::new(
        &Qq,
        "r.txt",
        read,
        &[("q.txt", MAIN), ("q.txt", BAD)],
        survives,
    );

    testkit::props!(SUBJECT);
}
