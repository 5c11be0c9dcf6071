//! `conti-jabber`: the Jabber/XMPP server logs of the Conti leak (`<server-ip>-YYYYMMDD.json`).
//!
//! Not valid JSON: pretty-printed objects one after another, separated by `},` (most files) or
//! by nothing (older files), without an enclosing array. Each object has four string fields,
//! in any order: `ts` (ISO-8601 with microseconds, no offset: resolved in `--source-tz`),
//! `from`, `to` (JIDs) and `body`. Unknown string fields are ignored.
//!
//! Mapping: sender = `from`; a `to` whose domain starts with `conference.` is a room (channel,
//! no recipient), any other `to` is the recipient. Server notices and people are told apart
//! by what the real logs hold: a `from` without `@` that is the domain of the `to` it writes
//! to is the server itself (`q3mcco35auwcstmt.onion` to `x@q3mcco35auwcstmt.onion`, "Welcome
//! to this XMPP server"): kind `system`. Any other `from` without `@` is a person whose client
//! logged only part of the address (`buza`, a 32-letter id, `exploit.im` writing "15"): an
//! ordinary message. A `from` that is a room's own JID (`ttrr@conference.host`) is the room's
//! notice to a member, such as an invitation (`X приглашает вас в комнату …`): kind `system`,
//! channel = the room, recipient = the member. Otherwise kind `encrypted` when the body
//! (ignoring leading whitespace)
//! - starts with `?OTR` (OTR data message, query `?OTRv23?` or `?OTR Error:`), or
//! - starts with `[ERROR] Unreadable encrypted message`, `The encrypted message received from`
//!   or `We received an unreadable encrypted message` (ejabberd / pidgin-otr notices), or
//! - starts with the client placeholder that stands in for a message it could not decrypt:
//!   `[Ошибка: сообщение зашифровано, и невозможно его расшифровать.]`, `[ERROR: This message
//!   is encrypted, and you are unable to decrypt it.]`, `Получено зашифрованное сообщение, но
//!   оно не может быть расшифровано…` or `Received an encrypted message but it cannot be
//!   read…` (the first two alone are a quarter of the real logs' bodies), or
//! - contains `Off-the-Record private conversation` (pidgin's text for an OTR request the
//!   client could not honour).
//!
//! Bursts of messages in one second (offline delivery) are kept as they are.
//!
//! Errors: a broken object (missing field, bad `ts`, unterminated string, object cut short)
//! is a problem at the line of its `{`, and parsing resumes at the next object start (see
//! [`record_start`]). A bad escape (`\x01`) or lone surrogate is repaired (kept as written /
//! U+FFFD), reported as a problem, and the message is still emitted. Text between objects
//! other than whitespace, `,`, `[` and `]` is a problem at its own line.
//!
//! Record starts for splitting: a line that is exactly `{` (leading whitespace, trailing
//! whitespace and `\r` allowed) whose next non-blank line starts with the key `"ts"`,
//! `"from"`, `"to"` or `"body"` followed by `:`. A JSON string never holds a raw newline, so
//! such a line cannot be inside a body; a string that meets a raw newline is unterminated.

use super::jsonish::{self, StringEnd};
use super::scan::{line_end, line_start, skip_ws};
use super::{About, Chunk, Format, ParseCtx, Sink, excerpt, file_name};
use crate::model::{Kind, Message, Problem};
use crate::time::parse_iso;
use memchr::memmem;
use std::borrow::Cow;

/// The `conti-jabber` format.
#[derive(Debug, Clone, Copy)]
pub struct ContiJabber;

#[inline]
fn skip_blank(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r') {
        i += 1;
    }
    i
}

/// True when the next non-blank text at or after `i` is one of the four keys and a `:`.
fn key_follows(b: &[u8], i: usize) -> bool {
    let i = skip_ws(b, i);
    let rest = &b[i..];
    for key in [&b"\"ts\""[..], b"\"from\"", b"\"to\"", b"\"body\""] {
        if rest.starts_with(key) {
            let j = skip_blank(b, i + key.len());
            return b.get(j) == Some(&b':');
        }
    }
    false
}

/// The start of the first line at or after `from` that opens an object: a line that is just
/// `{` and whose next non-blank line begins with a known key.
pub fn record_start(b: &[u8], from: usize) -> Option<usize> {
    if from > b.len() {
        return None;
    }
    let l0 = if from == 0 || b[from - 1] == b'\n' {
        from
    } else {
        from + memchr::memchr(b'\n', &b[from..])? + 1
    };
    let mut i = l0;
    while i < b.len() {
        let p = i + memchr::memchr(b'{', &b[i..])?;
        let mut ls = p;
        while ls > l0 && matches!(b[ls - 1], b' ' | b'\t') {
            ls -= 1;
        }
        if ls == l0 || b[ls - 1] == b'\n' {
            let q = skip_blank(b, p + 1);
            if b.get(q) == Some(&b'\n') && key_follows(b, q + 1) {
                return Some(ls);
            }
        }
        i = p + 1;
    }
    None
}

/// Why an object could not be read.
enum Fail {
    /// The text ended inside the object.
    Eof,
    /// Something else than the expected token at this position.
    At(usize, &'static str),
    /// A string met a raw newline (at this position) before its closing quote.
    Unterminated(usize),
}

/// A string value: its raw contents and whether it has escapes.
type Raw<'a> = Option<(&'a str, bool)>;

#[derive(Default)]
struct Fields<'a> {
    ts: Raw<'a>,
    from: Raw<'a>,
    to: Raw<'a>,
    body: Raw<'a>,
}

/// Reads one object whose `{` is at `open`; returns its fields and the position after `}`.
fn parse_object(text: &str, open: usize) -> Result<(Fields<'_>, usize), Fail> {
    let b = text.as_bytes();
    let mut f = Fields::default();
    let mut i = open + 1;
    let mut after_value = false;
    loop {
        i = skip_ws(b, i);
        let Some(&c) = b.get(i) else {
            return Err(Fail::Eof);
        };
        if c == b'}' {
            return Ok((f, i + 1));
        }
        if after_value {
            if c == b',' {
                i += 1;
                after_value = false;
                continue;
            }
            return Err(Fail::At(i, "`,` or `}`"));
        }
        if c != b'"' {
            return Err(Fail::At(i, "a quoted key"));
        }
        let key_end = match jsonish::scan_string(b, i + 1).0 {
            StringEnd::Closed(q) => q,
            StringEnd::Newline(n) => return Err(Fail::Unterminated(n)),
            StringEnd::Eof => return Err(Fail::Eof),
        };
        let key = &b[i + 1..key_end];
        i = skip_ws(b, key_end + 1);
        match b.get(i) {
            Some(b':') => {}
            Some(_) => return Err(Fail::At(i, "`:`")),
            None => return Err(Fail::Eof),
        }
        i = skip_ws(b, i + 1);
        match b.get(i) {
            Some(b'"') => {}
            Some(_) => return Err(Fail::At(i, "a string value")),
            None => return Err(Fail::Eof),
        }
        let (end, escaped) = jsonish::scan_string(b, i + 1);
        let q = match end {
            StringEnd::Closed(q) => q,
            StringEnd::Newline(n) => return Err(Fail::Unterminated(n)),
            StringEnd::Eof => return Err(Fail::Eof),
        };
        let value = Some((&text[i + 1..q], escaped));
        match key {
            b"ts" => f.ts = value,
            b"from" => f.from = value,
            b"to" => f.to = value,
            b"body" => f.body = value,
            _ => {}
        }
        i = q + 1;
        after_value = true;
    }
}

/// Texts that mark a body as OTR ciphertext or an unreadable-encrypted notice (see the
/// module docs).
const ENCRYPTED_PREFIXES: [&str; 8] = [
    "?OTR",
    "[ERROR] Unreadable encrypted message",
    "The encrypted message received from",
    "We received an unreadable encrypted message",
    // The client's placeholders, in Russian and English: a quarter of the real Conti logs
    // (14,374 and 1,096 bodies of 60,694).
    "[Ошибка: сообщение зашифровано",
    "[ERROR: This message is encrypted",
    "Получено зашифрованное сообщение, но оно не может быть расшифровано",
    "Received an encrypted message but it cannot be read",
];

fn is_encrypted(body: &str, otr_request: &memmem::Finder<'_>) -> bool {
    let t = body.trim_start();
    ENCRYPTED_PREFIXES.iter().any(|p| t.starts_with(p))
        || otr_request.find(body.as_bytes()).is_some()
}

/// A bare `from` (no `@`) is the server itself only when it is the domain of the `to` it
/// writes to (`q3mcco35auwcstmt.onion` to `x@q3mcco35auwcstmt.onion`: "Welcome to this XMPP
/// server"). Any other bare `from` is a person whose client logged only part of the address:
/// a local name (`buza`, a 32-letter id) or a foreign host (`exploit.im` writing "15").
fn is_server(from: &str, to: &str) -> bool {
    if from.contains('@') {
        return false;
    }
    let domain = to.rsplit_once('@').map_or(to, |(_, d)| d);
    let domain = domain.split('/').next().unwrap_or(domain);
    domain == from || domain.strip_prefix("conference.") == Some(from)
}

fn is_room(jid: &str) -> bool {
    jid.split_once('@')
        .is_some_and(|(_, domain)| domain.starts_with("conference."))
}

/// `<server-ip>-YYYYMMDD.json`
fn is_log_name(path: &str) -> bool {
    let name = file_name(path);
    let Some(stem) = name.strip_suffix(".json") else {
        return false;
    };
    let Some((ip, date)) = stem.rsplit_once('-') else {
        return false;
    };
    date.len() == 8
        && date.bytes().all(|c| c.is_ascii_digit())
        && !ip.is_empty()
        && ip.bytes().all(|c| c.is_ascii_digit() || c == b'.')
}

impl Format for ContiJabber {
    about! { "conti-jabber", ["10.13.37.21-20210304.json"], "Conti leak Jabber/XMPP logs: a stream of pretty-printed {ts, from, to, body} JSON objects" }

    fn sniff(&self, path: &str, head: &str) -> u8 {
        let b = head.as_bytes();
        let i = skip_ws(b, 0);
        if b.get(i) != Some(&b'{') {
            return 0;
        }
        let q = skip_blank(b, i + 1);
        if b.get(q) != Some(&b'\n') || !key_follows(b, q + 1) {
            return 0;
        }
        let all_keys = [&b"\"ts\""[..], b"\"from\"", b"\"to\"", b"\"body\""]
            .iter()
            .all(|k| memmem::find(b, k).is_some());
        match (all_keys, is_log_name(path)) {
            (true, true) => 95,
            (true, false) => 85,
            (false, _) => 40,
        }
    }

    fn next_record(&self, text: &str, from: usize) -> Option<usize> {
        record_start(text.as_bytes(), from)
    }

    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let text = chunk.text;
        let b = text.as_bytes();
        let mut lines = chunk.lines();
        let mut resolver = ctx.resolver();
        let otr_request = memmem::Finder::new("Off-the-Record private conversation");
        let mut i = 0usize;
        loop {
            while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']') {
                i += 1;
            }
            if i >= b.len() {
                break;
            }
            let line = lines.at(i);
            let loc = ctx.loc(chunk, i, line);
            if b[i] != b'{' {
                let end = line_end(b, i);
                sink.problem(Problem::new(
                    loc,
                    format!(
                        "unexpected text between objects: {}",
                        excerpt(text[i..end].trim_end())
                    ),
                ));
                match record_start(b, i + 1) {
                    Some(next) => i = next,
                    None => break,
                }
                continue;
            }
            let open = i;
            let fields = match parse_object(text, open) {
                Ok((fields, end)) => {
                    i = end;
                    fields
                }
                Err(fail) => {
                    let (pos, what) = match fail {
                        Fail::Eof => (b.len(), String::new()),
                        Fail::At(p, expected) => (
                            p,
                            format!(
                                "expected {expected}, found {}",
                                excerpt(text[p..line_end(b, p)].trim_end())
                            ),
                        ),
                        Fail::Unterminated(n) => (
                            n,
                            format!(
                                "unterminated string: {}",
                                excerpt(text[line_start(b, n)..n].trim())
                            ),
                        ),
                    };
                    let resume = record_start(b, line_start(b, pos).max(open + 1));
                    // Cut short by the end of the text or by the next object: the same
                    // report whether or not the text was split there.
                    let truncated = pos >= b.len() || resume.is_some_and(|r| r <= pos);
                    let what = if truncated {
                        "truncated object (no closing `}`)".to_string()
                    } else {
                        what
                    };
                    sink.problem(Problem::new(loc, what));
                    match resume {
                        Some(next) => i = next,
                        None => break,
                    }
                    continue;
                }
            };
            let (Some(ts), Some(from), Some(to), Some(body)) =
                (fields.ts, fields.from, fields.to, fields.body)
            else {
                let missing = [
                    ("ts", fields.ts.is_none()),
                    ("from", fields.from.is_none()),
                    ("to", fields.to.is_none()),
                    ("body", fields.body.is_none()),
                ]
                .iter()
                .filter(|(_, m)| *m)
                .map(|(k, _)| format!("\"{k}\""))
                .collect::<Vec<_>>()
                .join(", ");
                sink.problem(Problem::new(loc, format!("object without {missing}")));
                continue;
            };
            let mut repairs = Vec::new();
            let mut field = |name: &str, (raw, escaped): (&'a str, bool)| -> Cow<'a, str> {
                if !escaped {
                    return Cow::Borrowed(raw);
                }
                let (s, repair) = jsonish::unescape(raw);
                if let Some(r) = repair {
                    repairs.push(format!("{r} in \"{name}\""));
                }
                s
            };
            let ts_text = field("ts", ts);
            let from = field("from", from);
            let to = field("to", to);
            let body = field("body", body);
            let time = match parse_iso(ts_text.as_bytes()) {
                Some((c, off, n)) if n == ts_text.len() => match off {
                    Some(o) => c.at_offset(o),
                    None => resolver.resolve(&c),
                },
                _ => {
                    sink.problem(Problem::new(
                        loc,
                        format!("bad ts \"{}\"", excerpt(&ts_text)),
                    ));
                    continue;
                }
            };
            for r in repairs {
                sink.problem(Problem::new(loc, r));
            }
            let from_room = is_room(&from);
            let kind = if is_server(&from, &to) || from_room {
                Kind::System
            } else if is_encrypted(&body, &otr_request) {
                Kind::Encrypted
            } else {
                Kind::Message
            };
            let (recipient, channel) = if from_room {
                // The room's own notice to a member (an invitation): the room is where it
                // happened, the member is who it was for.
                (Some(to), Some(from.clone()))
            } else if is_room(&to) {
                (None, Some(to))
            } else {
                (Some(to), None)
            };
            sink.message(Message {
                recipient,
                channel,
                kind,
                ..Message::new(time, from, body, loc)
            });
        }
        sink.dst_adjusted(resolver.adjusted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testkit::{self, Agree, Find, Subject};
    use crate::formats::{Collect, parse_text};
    use crate::time::Zone;

    fn ctx(zone: Zone) -> ParseCtx<'static> {
        ParseCtx::new(0, "10.1.2.3-20210304.json", zone)
    }

    fn run(text: &str, target: usize) -> Collect<'_> {
        parse_text(&ContiJabber, text, &ctx(Zone::Utc), target)
    }

    fn obj(ts: &str, from: &str, to: &str, body: &str) -> String {
        format!(
            "{{\n  \"ts\": \"{ts}\",\n  \"from\": \"{from}\",\n  \"to\": \"{to}\",\n  \"body\": \"{body}\"\n}}"
        )
    }

    const TS: &str = "2021-03-04T09:12:44.512093";

    #[test]
    fn objects_without_separators_parse_like_comma_separated_ones() {
        let a = obj(TS, "a@x.onion", "b@x.onion", "one");
        let b = obj(TS, "b@x.onion", "a@x.onion", "two");
        let (t1, t2) = (format!("{a},\n{b}\n"), format!("{a}\n{b}\n"));
        let with = run(&t1, usize::MAX);
        let without = run(&t2, usize::MAX);
        assert_eq!(with.messages.len(), 2);
        assert!(with.problems.is_empty() && without.problems.is_empty());
        let bodies = |c: &Collect<'_>| {
            c.messages
                .iter()
                .map(|m| m.body.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(bodies(&with), ["one", "two"]);
        assert_eq!(bodies(&without), ["one", "two"]);
        assert_eq!(without.messages[1].loc.line, 7);
        assert_eq!(with.messages[0].time.micros % 1_000_000, 512_093);
        assert_eq!(with.messages[0].time.frac_digits, 6);
    }

    #[test]
    fn pasted_brace_inside_escaped_body_does_not_start_a_record() {
        let text = obj(
            TS,
            "a@x.onion",
            "b@x.onion",
            r#"log:\n{\n  \"ts\": \"x\"\n}"#,
        );
        assert_eq!(record_start(text.as_bytes(), 1), None);
        let c = run(&text, 1);
        assert_eq!(c.messages.len(), 1);
        assert_eq!(c.messages[0].body, "log:\n{\n  \"ts\": \"x\"\n}");
    }

    #[test]
    fn next_record_requires_a_lone_brace_and_a_known_key_after_it() {
        let t = "x\n  {  \r\n\n  \"from\" : \"a\"\n";
        assert_eq!(record_start(t.as_bytes(), 0), Some(2));
        assert_eq!(record_start(t.as_bytes(), 3), None);
        assert_eq!(record_start(b"{ \"ts\": \"a\"\n", 0), None);
        assert_eq!(record_start(b"{\n  \"other\": \"a\"\n", 0), None);
        assert_eq!(record_start(b"{\n", 0), None);
    }

    #[test]
    fn a_bare_from_is_a_person_unless_it_is_the_recipients_own_server() {
        let text = format!(
            "{}\n{}\n{}\n{}",
            obj(TS, "buza", "graf@x.onion", "привет, какие нужны порты"),
            obj(
                TS,
                "b2zbrzj5sljbmemgfqnn7zlarduyjhvjwt",
                "elvira@x.onion",
                "привет.."
            ),
            obj(TS, "exploit.im", "a@x.onion", "15"),
            obj(TS, "x.onion", "a@x.onion", "Welcome to this XMPP server")
        );
        let c = run(&text, usize::MAX);
        assert_eq!(c.messages[0].kind, Kind::Message);
        assert_eq!(c.messages[0].sender, "buza");
        assert_eq!(c.messages[1].kind, Kind::Message);
        assert_eq!(c.messages[2].kind, Kind::Message);
        assert_eq!(c.messages[3].kind, Kind::System);
    }

    #[test]
    fn a_rooms_own_invitation_is_a_system_notice_in_that_room() {
        let text = obj(
            TS,
            "ttrr@conference.x.onion",
            "mango@x.onion",
            "defender@x.onion/Psi+ приглашает вас в комнату ttrr@conference.x.onion",
        );
        let c = run(&text, usize::MAX);
        assert_eq!(c.messages[0].kind, Kind::System);
        assert_eq!(
            c.messages[0].channel.as_deref(),
            Some("ttrr@conference.x.onion")
        );
        assert_eq!(c.messages[0].recipient.as_deref(), Some("mango@x.onion"));
    }

    #[test]
    fn room_jid_becomes_channel_and_bare_domain_is_system() {
        let text = format!(
            "{}\n{}",
            obj(TS, "a@x.onion", "ops@conference.x.onion", "hi all"),
            obj(TS, "x.onion", "a@x.onion", "restart at 12:00")
        );
        let c = run(&text, usize::MAX);
        assert_eq!(
            c.messages[0].channel.as_deref(),
            Some("ops@conference.x.onion")
        );
        assert_eq!(c.messages[0].recipient, None);
        assert_eq!(c.messages[0].kind, Kind::Message);
        assert_eq!(c.messages[1].kind, Kind::System);
        assert_eq!(c.messages[1].recipient.as_deref(), Some("a@x.onion"));
    }

    #[test]
    fn otr_ciphertext_and_unreadable_notices_are_encrypted() {
        let f = memmem::Finder::new("Off-the-Record private conversation");
        assert!(is_encrypted("?OTR:AAMDx7Qz==.", &f));
        assert!(is_encrypted(" ?OTRv23?", &f));
        assert!(is_encrypted(
            "[ERROR] Unreadable encrypted message from a@x",
            &f
        ));
        assert!(is_encrypted(
            "The encrypted message received from a@x is unreadable, as you are not currently communicating privately.",
            &f
        ));
        assert!(is_encrypted(
            "a has requested an Off-the-Record private conversation.",
            &f
        ));
        assert!(!is_encrypted("send me an encrypted message ?OTR later", &f));
        for notice in [
            "[Ошибка: сообщение зашифровано, и невозможно его расшифровать.]",
            "[ERROR: This message is encrypted, and you are unable to decrypt it.]",
            "Получено зашифрованное сообщение, но оно не может быть расшифровано, поскольку частная беседа еще не начата.",
            "Received an encrypted message but it cannot be read because no private connection is established yet.",
        ] {
            assert!(is_encrypted(notice, &f), "{notice}");
        }
        // A pasted client log that quotes the notice is a message.
        assert!(!is_encrypted(
            "смотрю вчера ты мне писал что то\nПолучено зашифрованное сообщение, но оно не может быть расшифровано",
            &f
        ));
    }

    #[test]
    fn bad_escape_is_repaired_reported_and_message_kept() {
        let text = obj(TS, "a@x.onion", "b@x.onion", r"bad \x01 \ud800 end");
        let c = run(&text, usize::MAX);
        assert_eq!(c.messages.len(), 1);
        assert_eq!(c.messages[0].body, "bad \\x01 \u{FFFD} end");
        assert_eq!(c.problems.len(), 1);
        assert_eq!(c.problems[0].loc.line, 1);
        assert_eq!(
            c.problems[0].what,
            r#"invalid escape "\\x" kept as written in "body""#
        );
    }

    #[test]
    fn broken_objects_are_reported_at_their_brace_and_parsing_resumes() {
        let text = format!(
            "{{\n  \"ts\": \"{TS}\",\n  \"from\": \"a@x\",\n  \"body\": \"open\n}},\n{}\n{{\n  \"ts\": \"2021-03-04T25:00:00.000000\",\n  \"from\": \"a@x\",\n  \"to\": \"b@x\",\n  \"body\": \"\"\n}}\n{{\n  \"ts\": \"{TS}\",\n  \"body\": \"x\"\n}}\n{}",
            obj(TS, "a@x", "b@x", "ok"),
            obj(TS, "a@x", "b@x", "cut").trim_end_matches('}'),
        );
        let c = run(&text, usize::MAX);
        assert_eq!(c.messages.len(), 1);
        assert_eq!(c.messages[0].loc.line, 6);
        let got = testkit::problems(&c);
        assert_eq!(
            got,
            [
                (1, "unterminated string: \"body\": \"open"),
                (12, "bad ts \"2021-03-04T25:00:00.000000\""),
                (18, "object without \"from\", \"to\""),
                (22, "truncated object (no closing `}`)"),
            ]
        );
    }

    #[test]
    fn object_cut_short_by_the_next_object_reads_the_same_whole_or_split() {
        let cut = obj(TS, "a@x", "b@x", "no brace");
        let cut = cut.trim_end_matches('}');
        let text = format!("{cut}{}\n", obj(TS, "b@x", "a@x", "next"));
        for target in [1, 10, 60, usize::MAX] {
            let c = run(&text, target);
            assert_eq!(c.messages.len(), 1, "target {target}");
            assert_eq!(c.messages[0].body, "next");
            assert_eq!(c.problems.len(), 1);
            assert_eq!(c.problems[0].what, "truncated object (no closing `}`)");
        }
    }

    #[test]
    fn garbage_between_objects_is_reported_at_its_own_line() {
        let text = format!(
            "{},\ntail -f log\n{}",
            obj(TS, "a@x", "b@x", "1"),
            obj(TS, "a@x", "b@x", "2")
        );
        let c = run(&text, usize::MAX);
        assert_eq!(c.messages.len(), 2);
        assert_eq!(c.problems.len(), 1);
        assert_eq!(c.problems[0].loc.line, 7);
        assert_eq!(
            c.problems[0].what,
            "unexpected text between objects: tail -f log"
        );
    }

    #[test]
    fn naive_ts_resolves_in_the_source_zone() {
        let text = obj("2021-03-04T09:00:00.000000", "a@x", "b@x", "утро");
        let c = parse_text(
            &ContiJabber,
            &text,
            &ctx("Europe/Moscow".parse().unwrap()),
            usize::MAX,
        );
        let utc = crate::time::parse_iso(b"2021-03-04T06:00:00").unwrap().0;
        assert_eq!(
            c.messages[0].time.micros,
            utc.unix_seconds_as_utc() * 1_000_000
        );
        assert_eq!(c.messages[0].time.offset, Some(3 * 3600));
    }

    #[test]
    fn sniff_is_confident_only_on_the_object_stream() {
        let head = obj(TS, "a@x", "b@x", "hi");
        testkit::assert_sniffs(
            &ContiJabber,
            &[
                ("logs/10.13.37.21-20210304.json", &head, 95),
                ("other.json", &head, 85),
                ("x.json", "{\"messages\":[],\"success\":true}", 0),
                ("x.json", "{\n  \"name\": \"Saved\"\n}", 0),
                ("10.1.1.1-20210101.json", "hello", 0),
                ("a.md", "", 0),
            ],
        );
    }

    const FIXTURES: [&str; 3] = [
        include_str!("../../testdata/conti-jabber/10.13.37.21-20210304.json"),
        include_str!("../../testdata/conti-jabber/10.13.37.21-20200615.json"),
        include_str!("../../testdata/conti-jabber/10.13.37.21-20210305.json"),
    ];

    const SOUP: [&str; 14] = [
        "{",
        "}",
        ",",
        "\n",
        "  ",
        "\"ts\": ",
        "\"from\": ",
        "\"body\": ",
        "\"",
        "\\",
        "2021-03-04T09:12:44.512093",
        "a@x",
        "ж",
        "\r\n",
    ];

    fn read<'a>(_: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        run(text, target)
    }

    const SUBJECT: Subject = Subject::new(
        &ContiJabber,
        "10.1.2.3-20210304.json",
        read,
        &[
            ("10.1.2.3-20210304.json", FIXTURES[0]),
            ("10.1.2.3-20210304.json", FIXTURES[1]),
            ("10.1.2.3-20210304.json", FIXTURES[2]),
        ],
        testkit::after_next_starts_before,
    )
    .agree(Agree::Everything, Agree::Everything)
    .find(Find::Anywhere);

    testkit::props!(SUBJECT);

    testkit::noise!(SUBJECT, token_soup_never_panics_and_split_equals_whole, tokens SOUP);
}
