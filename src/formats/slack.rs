//! `slack`: Slack workspace export (a directory or a zip).
//!
//! The export holds `users.json`, `channels.json` and one folder per channel with a
//! `YYYY-MM-DD.json` file per day: a JSON array of message objects, pretty-printed with four
//! spaces (elements at lines `    {`):
//!
//! ```json
//! [
//!     {
//!         "type": "message",
//!         "user": "U01AAAA0001",
//!         "text": "see <@U01AAAA0002> &amp; co",
//!         "ts": "1619856000.000100"
//!     }
//! ]
//! ```
//!
//! Mapping: channel = the folder the day file is in; time = `ts` only (seconds and up to six
//! fraction digits; the file's day follows the workspace zone, so it is not used); id = `ts`;
//! sender = `user`, else `comment.user` (older exports' `file_comment` rows), `message.user`
//! (`message_changed`), `file.user` (older `file_share` rows), else `bot_id` or
//! `bot_profile.id`, else `username` or the row's `user_profile` name. A row with none of
//! them is kept with an empty sender and a problem line: never dropped. name = the user's
//! entry in `users.json` beside the channel folders (`real_name`, else
//! `profile.real_name`, else `profile.display_name`, else `name`: the first that is not
//! empty); for a bot its `username` or `bot_profile.name`; for a row known only by its
//! `user_profile`, that profile's name;
//! body = `text` with `&amp;`, `&lt;`,
//! `&gt;` decoded (mentions like `<@U123>` are kept as written); when `text` is empty, as
//! integrations and bots write it, the body is the text of the row's `attachments` parts
//! (each part's `pretext`, `title` and `text`, else its `fallback`, one per line);
//! attachments = each of `files`' `name`, else `title` (an older `file_share` row's one
//! `file` object likewise).
//!
//! Kind by `subtype`: none, `bot_message`, `me_message`, `thread_broadcast`, `file_share`,
//! `file_comment`, `file_mention`, `reply_broadcast` and `slackbot_response` are messages (`attachment` when the text is empty
//! and there are files); `message_deleted` and `tombstone` are `deleted`; `huddle_thread` and
//! `sh_room_created` are `call`; every other subtype (`channel_join`, `channel_leave`,
//! `channel_topic`, `channel_purpose`, `channel_name`, `pinned_item`, …) is `system`.
//!
//! `users.json` is read once per export by [`Format::survey`] (shared between all day
//! files of a run); `users.json` and `channels.json` themselves are not chats (sniff 0).
//!
//! Splitting: at a `    {` line whose next line is a key at eight spaces: objects at four
//! spaces can only be elements of the top-level array.

use super::jsonish::Str;
use super::jsonish::{ArrayWalk, excerpt_at, indent, next_element_start, skip_bom, walk_array};
use super::scan::{line_end, skip_ws};
use super::{
    About, Chunk, Format, Hint, Lines, ParseCtx, Sink, Survey, SurveyEnv, excerpt, file_name,
};
use crate::model::{Kind, Message, Problem, Timestamp};
use crate::time::{digits, fraction};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// The `slack` format.
#[derive(Debug, Clone, Copy)]
pub struct Slack;

impl Format for Slack {
    about! { "slack", ["export/general/2021-05-01.json", "export.zip!/random/2021-05-02.json"], "Slack workspace export (channel folders of YYYY-MM-DD.json, names from users.json)" }

    fn sniff(&self, path: &str, head: &str) -> u8 {
        if !is_day_file(file_name(path)) {
            return 0;
        }
        let b = head.as_bytes();
        let i = skip_ws(b, skip_bom(b));
        if b.get(i) != Some(&b'[') || b.get(skip_ws(b, i + 1)) != Some(&b'{') {
            return 0;
        }
        let has = |s: &[u8]| memchr::memmem::find(b, s).is_some();
        let ts = has(b"\"ts\": \"") || has(b"\"ts\":\"");
        let shape = has(b"\"type\": \"message\"") || has(b"\"type\":\"message\"");
        if ts && shape { 90 } else { 0 }
    }
    fn next_record(&self, text: &str, from: usize) -> Option<usize> {
        next_record(text.as_bytes(), from)
    }
    fn survey(&self, env: &mut SurveyEnv<'_>) -> Option<Box<dyn Survey>> {
        // The survey reads no text: the table is loaded now, while the environment is here.
        let mut s = UserSurvey {
            users: None,
            path: None,
        };
        s.load(env);
        Some(Box::new(s))
    }
    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        Parser {
            chunk,
            ctx,
            b: chunk.text.as_bytes(),
            lines: chunk.lines(),
            users: ctx.hint::<Users>(),
        }
        .run(sink);
    }
}

/// `YYYY-MM-DD.json`.
fn is_day_file(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 15
        && digits::<4>(b).is_some()
        && b[4] == b'-'
        && digits::<2>(&b[5..]).is_some()
        && b[7] == b'-'
        && digits::<2>(&b[8..]).is_some()
        && b[10..].eq_ignore_ascii_case(b".json")
}

/// The folder a day file is in (the channel).
fn channel_of(path: &str) -> Option<&str> {
    let name = file_name(path);
    let dir = path.get(..path.len() - name.len())?;
    let dir = dir.trim_end_matches(['/', '\\']);
    let dir = dir.strip_suffix('!').unwrap_or(dir);
    let folder = file_name(dir);
    (!folder.is_empty() && folder != "." && folder != ".." && !folder.contains(".zip"))
        .then_some(folder)
}

fn next_record(b: &[u8], from: usize) -> Option<usize> {
    next_element_start(b, from, is_element_start)
}

/// `    {` alone on its line, then a line of eight spaces and a key.
fn is_element_start(b: &[u8], ls: usize) -> bool {
    let le = line_end(b, ls);
    let line = &b[ls..le];
    if line.strip_suffix(b"\r").unwrap_or(line) != b"    {" {
        return false;
    }
    match b.get(le + 1..) {
        Some(r) => indent(r) == 8 && r.get(8) == Some(&b'"'),
        None => false,
    }
}

// ---------------------------------------------------------------------------------------
// users.json

/// Display names by user id, from the export's `users.json`.
#[derive(Debug, Default)]
pub struct Users {
    /// Where the table came from (`None` when there was no readable `users.json`).
    pub source: Option<String>,
    /// Name by user id.
    pub names: Arc<HashMap<String, String>>,
}

impl Hint for Users {
    fn describe(&self) -> Option<String> {
        Some(match &self.source {
            Some(s) => format!("{} user names from {s}", self.names.len()),
            None => "no users.json: names unknown".to_string(),
        })
    }
}

struct UserSurvey {
    users: Option<Arc<HashMap<String, String>>>,
    path: Option<String>,
}

impl UserSurvey {
    fn load(&mut self, env: &mut SurveyEnv<'_>) {
        let Some(path) = env.sibling_path("../users.json") else {
            return;
        };
        let key = format!("slack-users:{path}");
        let table = env.memo(&key, |env| {
            env.sibling("../users.json")
                .and_then(|text| parse_users(&text))
        });
        if let Some(t) = table.and_then(|t| (*t).clone()) {
            self.users = Some(t);
            self.path = Some(path);
        }
    }
}

impl Survey for UserSurvey {
    fn wants_text(&self) -> bool {
        false
    }
    fn feed(&mut self, _text: &str, _offset: u64, _line: u64) {}
    fn finish(self: Box<Self>) -> Box<dyn Hint> {
        Box::new(Users {
            source: self.path,
            names: self.users.unwrap_or_default(),
        })
    }
}

#[derive(Deserialize)]
struct Profile {
    real_name: Option<String>,
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct UserRow {
    id: Option<String>,
    name: Option<String>,
    real_name: Option<String>,
    profile: Option<Profile>,
}

/// Name by id from the text of `users.json` (`None` when it is not a JSON array of users).
fn parse_users(text: &str) -> Option<Arc<HashMap<String, String>>> {
    let rows: Vec<UserRow> = serde_json::from_str(text).ok()?;
    let mut map = HashMap::with_capacity(rows.len());
    for r in rows {
        let Some(id) = r.id else { continue };
        let (pr, pd) = match r.profile {
            Some(p) => (p.real_name, p.display_name),
            None => (None, None),
        };
        let name = [r.real_name, pr, pd, r.name]
            .into_iter()
            .flatten()
            .find(|n| !n.trim().is_empty());
        if let Some(n) = name {
            map.insert(id, n);
        }
    }
    Some(Arc::new(map))
}

// ---------------------------------------------------------------------------------------
// Day files.

/// An object inside a row that may name its author and a file: `comment` (old
/// `file_comment` rows), `message` (`message_changed`), `file` (old `file_share` rows) and
/// each of `files`.
#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Authored<'a> {
    user: Option<Str<'a>>,
    name: Option<Str<'a>>,
    title: Option<Str<'a>>,
}

impl<'a> Authored<'a> {
    /// The file it names: its `name`, else its `title`.
    fn file_name(self) -> Option<Cow<'a, str>> {
        non_empty(self.name).or_else(|| non_empty(self.title))
    }
}

/// One of a row's `attachments` (Slack's rich message parts, not files): integrations and
/// bots put their whole message here and leave `text` empty.
#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Part<'a> {
    fallback: Option<Str<'a>>,
    pretext: Option<Str<'a>>,
    title: Option<Str<'a>>,
    text: Option<Str<'a>>,
}

/// `bot_profile` and `user_profile`: the names a row carries itself.
#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct RowProfile<'a> {
    id: Option<Str<'a>>,
    name: Option<Str<'a>>,
    real_name: Option<Str<'a>>,
    display_name: Option<Str<'a>>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Raw<'a> {
    subtype: Option<Str<'a>>,
    user: Option<Str<'a>>,
    comment: Option<Authored<'a>>,
    message: Option<Authored<'a>>,
    file: Option<Authored<'a>>,
    bot_profile: Option<RowProfile<'a>>,
    user_profile: Option<RowProfile<'a>>,
    bot_id: Option<Str<'a>>,
    username: Option<Str<'a>>,
    text: Option<Str<'a>>,
    ts: Option<Str<'a>>,
    files: Option<Vec<Authored<'a>>>,
    attachments: Option<Vec<Part<'a>>>,
}

fn non_empty(s: Option<Str<'_>>) -> Option<Cow<'_, str>> {
    s.map(|s| s.0).filter(|s| !s.is_empty())
}

/// The kind of a subtype, before looking at files.
fn kind_of(subtype: Option<&str>) -> Kind {
    match subtype {
        None
        | Some(
            "bot_message" | "me_message" | "thread_broadcast" | "file_share" | "reply_broadcast"
            | "slackbot_response" | "file_comment" | "file_mention",
        ) => Kind::Message,
        Some("message_deleted" | "tombstone") => Kind::Deleted,
        Some("huddle_thread" | "sh_room_created") => Kind::Call,
        Some(_) => Kind::System,
    }
}

/// The text of a row's `attachments` parts, for a row whose own `text` is empty: each part's
/// `pretext`, `title` and `text` on lines of their own, else its `fallback`; parts one per
/// line.
fn parts_text(parts: Vec<Part<'_>>) -> Cow<'_, str> {
    let mut out = String::new();
    for p in parts {
        let mut lines: Vec<Cow<'_, str>> = [p.pretext, p.title, p.text]
            .into_iter()
            .filter_map(non_empty)
            .collect();
        if lines.is_empty() {
            lines.extend(non_empty(p.fallback));
        }
        for l in lines {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&l);
        }
    }
    Cow::Owned(out)
}

/// `&amp;`, `&lt;`, `&gt;` decoded (Slack escapes only these three).
fn decode_entities(s: Cow<'_, str>) -> Cow<'_, str> {
    if !s.contains('&') {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest: &str = &s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        let r = &rest[p..];
        let (rep, n) = if r.starts_with("&amp;") {
            ("&", 5)
        } else if r.starts_with("&lt;") {
            ("<", 4)
        } else if r.starts_with("&gt;") {
            (">", 4)
        } else {
            ("&", 1)
        };
        out.push_str(rep);
        rest = &r[n..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `ts`: `1620000000.000200` → the instant, with as many fraction digits as written.
fn parse_ts(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 12 {
        return None;
    }
    let secs = b[..n]
        .iter()
        .fold(0i64, |v, &c| v * 10 + i64::from(c - b'0'));
    let (micros, frac_digits, used) = fraction(&b[n..]);
    if n + used != b.len() || b.get(n) == Some(&b',') {
        return None;
    }
    Some(Timestamp {
        micros: secs * 1_000_000 + i64::from(micros),
        offset: None,
        frac_digits,
    })
}

struct Parser<'c, 'a> {
    chunk: &'c Chunk<'a>,
    ctx: &'c ParseCtx<'a>,
    b: &'a [u8],
    lines: Lines<'a>,
    users: Option<&'a Users>,
}

impl<'a> Parser<'_, 'a> {
    fn run(&mut self, sink: &mut dyn Sink<'a>) {
        let text: &'a str = self.chunk.text;
        let b = self.b;
        let mut i = skip_ws(b, skip_bom(b));
        if i >= b.len() {
            return;
        }
        if self.chunk.first || b[i] != b'{' {
            if b[i] != b'[' {
                let ex = excerpt_at(text, i);
                self.problem(
                    sink,
                    i,
                    format!("not a Slack day file (expected '['): {ex}"),
                );
                return;
            }
            i += 1;
        }
        let channel = channel_of(self.ctx.path).map(Cow::Borrowed);
        walk_array(self, i, &channel, sink);
    }
}

impl<'a> ArrayWalk<'a> for Parser<'_, 'a> {
    type Raw = Raw<'a>;
    type Extra = Option<Cow<'a, str>>;
    const CLOSER: &'static str = "]";

    fn parts(&mut self) -> (&Chunk<'a>, &ParseCtx<'a>, &mut Lines<'a>) {
        (self.chunk, self.ctx, &mut self.lines)
    }

    fn element(
        &mut self,
        raw: Raw<'a>,
        start: usize,
        end: usize,
        line: u64,
        channel: &Option<Cow<'a, str>>,
        sink: &mut dyn Sink<'a>,
    ) {
        match self.message(raw, start, end, line, channel) {
            Ok((m, missing)) => {
                if let Some(p) = missing {
                    sink.problem(p);
                }
                sink.message(m)
            }
            Err(p) => sink.problem(p),
        }
    }

    fn resume(&self, from: usize) -> Option<usize> {
        next_record(self.b, from)
    }

    fn close(&mut self, at: usize, sink: &mut dyn Sink<'a>) -> Option<usize> {
        let text: &'a str = self.chunk.text;
        let j = skip_ws(self.b, at + 1);
        if j < self.b.len() {
            let ex = excerpt_at(text, j);
            self.problem(sink, j, format!("unexpected data after the array: {ex}"));
            // A damaged file can close the array early: go on at the next strict
            // message start (where a split would start a chunk).
            return Slack.next_record(text, j);
        }
        None
    }
}

impl<'a> Parser<'_, 'a> {
    fn message(
        &mut self,
        raw: Raw<'a>,
        start: usize,
        end: usize,
        line: u64,
        channel: &Option<Cow<'a, str>>,
    ) -> Result<(Message<'a>, Option<Problem>), Problem> {
        let loc = self.ctx.loc(self.chunk, start, line);
        let text: &'a str = self.chunk.text;
        let bad = |what: String| {
            Problem::new(
                loc,
                format!("{what}: {}", excerpt(text.get(start..end).unwrap_or(""))),
            )
        };
        let ts = raw
            .ts
            .map(|t| t.0)
            .ok_or_else(|| bad("message without ts".into()))?;
        let time = parse_ts(&ts).ok_or_else(|| bad(format!("bad ts {:?}", excerpt(&ts))))?;
        // The author, from wherever this row's export version keeps it: `user`, then the
        // file comment's, the edited message's or the shared file's `user` (older exports),
        // then the bot (`bot_id`, `bot_profile.id`), then the display handle (`username`).
        let subtype = raw.subtype.as_ref().map(|s| s.0.as_ref());
        // An old `file_share` row's one `file` is its attachment (a comment's `file` is the
        // file it is about, already named in its text).
        let (file_user, shared) = match raw.file {
            Some(mut f) => {
                let user = non_empty(f.user.take());
                let name = (subtype == Some("file_share"))
                    .then(|| f.file_name())
                    .flatten();
                (user, name)
            }
            None => (None, None),
        };
        let user = non_empty(raw.user)
            .or_else(|| raw.comment.and_then(|c| non_empty(c.user)))
            .or_else(|| raw.message.and_then(|m| non_empty(m.user)))
            .or(file_user);
        let (bot_id, bot_name) = match raw.bot_profile {
            Some(p) => (non_empty(p.id), non_empty(p.name)),
            None => (None, None),
        };
        let (own_handle, own_name) = match raw.user_profile {
            Some(p) => {
                let handle = non_empty(p.name);
                let name = non_empty(p.real_name)
                    .or(non_empty(p.display_name))
                    .or_else(|| handle.clone());
                (handle, name)
            }
            None => (None, None),
        };
        let username = non_empty(raw.username);
        let mut missing = None;
        let (sender, name) = match user {
            Some(u) => {
                let name = self
                    .users
                    .and_then(|t| t.names.get(u.as_ref()))
                    .map(|n| Cow::Borrowed(n.as_str()));
                (u, name)
            }
            None => match non_empty(raw.bot_id).or(bot_id) {
                Some(b) => (b, username.or(bot_name)),
                None => match username.or(own_handle) {
                    Some(n) => {
                        let name = own_name.unwrap_or_else(|| n.clone());
                        (n, Some(name))
                    }
                    None => {
                        // Kept, never dropped: the text and time are evidence even when the
                        // export lost who wrote them.
                        missing = Some(bad("message without an author (no user, comment.user, bot_id, bot_profile or username): kept with an empty sender".into()));
                        (Cow::Borrowed(""), None)
                    }
                },
            },
        };
        let mut attachments: Vec<Cow<'a, str>> = raw
            .files
            .into_iter()
            .flatten()
            .filter_map(Authored::file_name)
            .collect();
        if attachments.is_empty() {
            attachments.extend(shared);
        }
        let mut body = raw.text.map_or(Cow::Borrowed(""), |t| t.0);
        if body.is_empty()
            && let Some(parts) = raw.attachments
        {
            body = parts_text(parts);
        }
        let body = decode_entities(body);
        let mut kind = kind_of(subtype);
        if kind == Kind::Message && body.is_empty() && !attachments.is_empty() {
            kind = Kind::Attachment;
        }
        let m = Message {
            name,
            channel: channel.clone(),
            kind,
            attachments,
            id: Some(ts),
            ..Message::new(time, sender, body, loc)
        };
        Ok((m, missing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testkit::{self, Agree, Subject};
    use crate::formats::{Collect, FormatOptions, parse_text, survey_text};
    use crate::time::Zone;

    testkit::fixtures!("slack": GENERAL "export/general/2021-05-01.json",
        RANDOM "export/random/2021-05-02.json", USERS "export/users.json");
    const GENERAL_PATH: &str = "testdata/slack/export/general/2021-05-01.json";

    fn parse_at<'a>(path: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        let hint = survey_text(&Slack, path, text, FormatOptions::default());
        let mut ctx = ParseCtx::new(0, path, Zone::Utc);
        ctx.hint = hint.map(|h| &*Box::leak(h));
        parse_text(&Slack, text, &ctx, target)
    }

    #[test]
    fn users_table_prefers_real_names_then_display_names_then_the_handle() {
        let t = parse_users(USERS).unwrap();
        assert_eq!(t.get("U01AAAA0001").map(String::as_str), Some("Lin Wei"));
        assert_eq!(t.get("U01AAAA0002").map(String::as_str), Some("Серёга"));
        assert_eq!(t.get("U01AAAA0003").map(String::as_str), Some("王芳"));
        assert_eq!(t.get("U01AAAA0004").map(String::as_str), Some("sam"));
        assert!(parse_users("{\"not\": \"users\"}").is_none());
    }

    #[test]
    fn names_are_joined_from_users_json_beside_the_channel_folder() {
        let c = parse_at(GENERAL_PATH, GENERAL, usize::MAX);
        assert_eq!(c.messages[0].sender, "U01AAAA0001");
        assert_eq!(c.messages[0].name.as_deref(), Some("Lin Wei"));
        assert_eq!(c.messages[5].name, None);
        // Without users.json the names are unknown but the ids stay.
        let c = parse_at("nowhere/general/2021-05-01.json", GENERAL, usize::MAX);
        assert_eq!(c.messages[0].name, None);
        assert_eq!(c.messages[0].channel.as_deref(), Some("general"));
    }

    #[test]
    fn ts_gives_time_with_its_fraction_digits_and_the_id() {
        let t = parse_ts("1619856000.000100").unwrap();
        assert_eq!(
            (t.micros, t.frac_digits, t.offset),
            (1_619_856_000_000_100, 6, None)
        );
        assert_eq!(parse_ts("1619856000").unwrap().frac_digits, 0);
        assert!(parse_ts("1619856000.").is_none());
        assert!(parse_ts("x").is_none());
        assert!(parse_ts("1619856000.1x").is_none());
    }

    #[test]
    fn entities_decode_but_mentions_stay() {
        assert_eq!(
            decode_entities(Cow::Borrowed("a &amp; b &lt;@U1&gt; <@U2> &x")),
            "a & b <@U1> <@U2> &x"
        );
        assert!(matches!(
            decode_entities(Cow::Borrowed("plain")),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn subtypes_map_to_kinds() {
        assert_eq!(kind_of(None), Kind::Message);
        assert_eq!(kind_of(Some("bot_message")), Kind::Message);
        assert_eq!(kind_of(Some("channel_join")), Kind::System);
        assert_eq!(kind_of(Some("channel_purpose")), Kind::System);
        assert_eq!(kind_of(Some("message_deleted")), Kind::Deleted);
        assert_eq!(kind_of(Some("huddle_thread")), Kind::Call);
    }

    #[test]
    fn channel_is_the_folder_also_inside_a_zip() {
        assert_eq!(channel_of("exp/general/2021-05-01.json"), Some("general"));
        assert_eq!(
            channel_of("exp.zip!/random/2021-05-01.json"),
            Some("random")
        );
        assert_eq!(channel_of("exp.zip!/2021-05-01.json"), None);
        assert_eq!(channel_of("2021-05-01.json"), None);
    }

    #[test]
    fn every_chunk_split_is_an_array_element() {
        assert_eq!(
            testkit::count_splits(&Slack, GENERAL, "    {\n        \""),
            8
        );
        for target in [1, 100, usize::MAX] {
            assert_eq!(parse_at(GENERAL_PATH, GENERAL, target).messages.len(), 8);
        }
    }

    #[test]
    fn sniff_takes_day_files_only() {
        assert_eq!(Slack.sniff("e/general/2021-05-01.json", GENERAL), 90);
        assert_eq!(Slack.sniff("e/users.json", USERS), 0);
        assert_eq!(Slack.sniff("e/general/2021-05-01.json", USERS), 0);
        assert_eq!(Slack.sniff("e/general/notes.json", GENERAL), 0);
        assert_eq!(Slack.sniff("e/general/2021-05-01.json", "[]"), 0);
    }

    #[test]
    fn truncated_day_file_keeps_earlier_messages() {
        let cut = RANDOM.find("\"ок\"").unwrap();
        let c = parse_at("e/random/2021-05-02.json", &RANDOM[..cut], usize::MAX);
        assert_eq!(c.messages.len(), 2);
        assert_eq!(c.problems.len(), 1);
        assert_eq!(c.problems[0].loc.line, 26);
        assert!(c.problems[0].what.starts_with("truncated"));
    }

    fn read<'a>(path: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        parse_at(path, text, target)
    }

    /// A message whose object ends before the damage survives.
    fn survives(original: &str, whole: &Collect<'_>, i: usize, damage: usize) -> bool {
        let start = whole.messages[i].loc.offset as usize;
        crate::formats::jsonish::object_end(original.as_bytes(), start).is_some_and(|e| e <= damage)
    }

    const SUBJECT: Subject = Subject::new(
        &Slack,
        "e/c/2021-05-01.json",
        read,
        &[(GENERAL_PATH, GENERAL), (GENERAL_PATH, RANDOM)],
        survives,
    )
    .agree(Agree::Lines, Agree::Lines)
    .prefixes(&["[\n    {\n        \"ts\": \"1\","]);

    testkit::props!(SUBJECT);
}
