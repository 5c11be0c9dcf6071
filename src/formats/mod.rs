//! Formats: the registry, sniffing, and the [`Format`] trait every parser implements.
//!
//! A parser turns a [`Chunk`] of decoded text into [`Message`]s and [`Problem`]s, handed to
//! a [`Sink`]. It borrows from the chunk wherever it can, never panics, reports a malformed
//! record with its line and resumes at the next record. Big files are split at record
//! boundaries found by [`Format::next_record`], so one huge export uses every core; each
//! chunk is parsed independently and results are merged in input order.

use crate::model::{FileId, Loc, Message, Problem};
use crate::time::{Resolver, Zone};
use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

/// Declares [`Format::about`] in a format's `impl Format`, on one line: the name used by
/// `--format`, the example file names (the first is the one tests and fuzzing use), and the
/// one-line description for `chatsift formats`.
macro_rules! about {
    ($name:literal, [$($example:literal),+ $(,)?], $description:literal) => {
        fn about(&self) -> &'static About {
            &About {
                name: $name,
                description: $description,
                examples: &[$($example),+],
            }
        }
    };
}

pub(crate) mod blackbasta;
pub(crate) mod chatsift;
pub(crate) mod conti_jabber;
mod csvtext;
pub(crate) mod discord;
pub(crate) mod html;
pub(crate) mod irc;
pub(crate) mod isoon;
pub(crate) mod jsonish;
pub mod parquet;
pub(crate) mod qq;
pub(crate) mod rocketchat;
pub(crate) mod scan;
pub(crate) mod signal;
pub(crate) mod slack;
pub(crate) mod telegram;
#[cfg(test)]
pub(crate) mod testkit;
pub(crate) mod trickbot;
pub(crate) mod wechat;
pub(crate) mod whatsapp;

/// A piece of a decoded file that starts at a record boundary.
#[derive(Clone, Copy, Debug)]
pub struct Chunk<'a> {
    /// The text of the chunk.
    pub text: &'a str,
    /// Byte offset of `text[0]` in the decoded file.
    pub offset: u64,
    /// 1-based line number of `text[0]` in the file.
    pub line: u64,
    /// True when the chunk starts the file.
    pub first: bool,
    /// True when the chunk ends the file (a record cut short here is truncated input).
    pub last: bool,
}

impl<'a> Chunk<'a> {
    /// A chunk holding a whole file.
    pub fn whole(text: &'a str) -> Chunk<'a> {
        Chunk {
            text,
            offset: 0,
            line: 1,
            first: true,
            last: true,
        }
    }

    /// A line counter over this chunk.
    pub fn lines(&self) -> Lines<'a> {
        Lines {
            text: self.text.as_bytes(),
            pos: 0,
            line: self.line,
        }
    }
}

/// What every parser is told about the file it reads. It lives as long as the text, so
/// parsers may borrow from the path (a channel named after the file, say).
#[derive(Clone, Copy, Debug)]
pub struct ParseCtx<'p> {
    /// The file's id in the run's file table.
    pub file: FileId,
    /// The file's display path (`dir/1.md`, `dump.zip!/chats/1.md`, `-` for stdin).
    pub path: &'p str,
    /// The zone naive stamps are written in (`--source-tz`).
    pub source_tz: Zone,
    /// Settings some formats take from the command line (`--date-order`).
    pub options: FormatOptions,
    /// What the format's [`Format::survey`] found in the whole file, if it surveys.
    pub hint: Option<&'p dyn Hint>,
}

impl<'p> ParseCtx<'p> {
    /// The context of file `file` at `path`, naive stamps in `source_tz`, default options and
    /// no survey hint.
    pub fn new(file: FileId, path: &'p str, source_tz: Zone) -> ParseCtx<'p> {
        ParseCtx {
            file,
            path,
            source_tz,
            options: FormatOptions::default(),
            hint: None,
        }
    }

    /// The survey hint, if there is one and it is a `T`.
    pub fn hint<T: Hint>(&self) -> Option<&'p T> {
        let any: &'p dyn Any = self.hint?;
        any.downcast_ref::<T>()
    }

    /// A resolver for naive stamps in the source zone; report its `adjusted` count to the
    /// sink with [`Sink::dst_adjusted`] when done.
    pub fn resolver(&self) -> Resolver {
        Resolver::new(self.source_tz)
    }

    /// The location of a record that starts at byte `rel` of `chunk` on line `line`.
    #[inline]
    pub fn loc(&self, chunk: &Chunk<'_>, rel: usize, line: u64) -> Loc {
        Loc {
            file: self.file,
            line,
            offset: chunk.offset + rel as u64,
        }
    }
}

/// Receives what a parser finds.
pub trait Sink<'a> {
    /// A parsed message.
    fn message(&mut self, m: Message<'a>);
    /// A record that was skipped or repaired.
    fn problem(&mut self, p: Problem);
    /// How many naive stamps fell in a DST gap or overlap and took the earlier instant.
    fn dst_adjusted(&mut self, _n: u64) {}
    /// Called once after the chunk's last message (sinks that buffer flush here).
    fn finish(&mut self) {}
}

/// A [`Sink`] that keeps everything, in order (tests, small inputs).
#[derive(Debug, Default)]
pub struct Collect<'a> {
    /// Messages in the order the parser emitted them.
    pub messages: Vec<Message<'a>>,
    /// Problems in the order found.
    pub problems: Vec<Problem>,
    /// Stamps placed by the DST rule.
    pub dst_adjusted: u64,
}

impl<'a> Sink<'a> for Collect<'a> {
    fn message(&mut self, m: Message<'a>) {
        self.messages.push(m);
    }
    fn problem(&mut self, p: Problem) {
        self.problems.push(p);
    }
    fn dst_adjusted(&mut self, n: u64) {
        self.dst_adjusted += n;
    }
}

/// Counts lines forward through a chunk: `at(pos)` is the 1-based line of byte `pos`.
/// Positions must not decrease between calls (each byte is counted once).
#[derive(Clone, Debug)]
pub struct Lines<'a> {
    text: &'a [u8],
    pos: usize,
    line: u64,
}

impl Lines<'_> {
    /// The line number of byte `pos` (relative to the chunk start).
    #[inline]
    pub fn at(&mut self, pos: usize) -> u64 {
        let pos = pos.min(self.text.len());
        if pos >= self.pos {
            self.line += memchr::memchr_iter(b'\n', &self.text[self.pos..pos]).count() as u64;
        } else {
            self.line -= memchr::memchr_iter(b'\n', &self.text[pos..self.pos]).count() as u64;
        }
        self.pos = pos;
        self.line
    }
}

/// What a format is called and how its files look, for `--format` and `chatsift formats`.
#[derive(Debug)]
pub struct About {
    /// The name used by `--format` and in output (`isoon`, `conti-jabber`, …).
    pub name: &'static str,
    /// One line for `chatsift formats`.
    pub description: &'static str,
    /// Typical file names, for `chatsift formats`; the first is the one tests and fuzzing
    /// give the format's input.
    pub examples: &'static [&'static str],
}

/// One chat format.
pub trait Format: Send + Sync {
    /// Its name, description and typical file names.
    fn about(&self) -> &'static About;
    /// The name used by `--format` and in output (`isoon`, `conti-jabber`, …).
    fn name(&self) -> &'static str {
        self.about().name
    }
    /// One line for `chatsift formats`.
    fn description(&self) -> &'static str {
        self.about().description
    }
    /// Typical file names, for `chatsift formats`.
    fn examples(&self) -> &'static [&'static str] {
        self.about().examples
    }
    /// How sure the format is that a file is its own, from the display path and the first
    /// bytes of decoded text (up to [`SNIFF_LEN`], cut at a character boundary): 0 for
    /// "not mine", up to 100 for certain. The highest score wins; ties go to registry order.
    fn sniff(&self, path: &str, head: &str) -> u8;
    /// The first position at or after `from` where a record starts, such that parsing
    /// `text[pos..]` alone yields exactly the records from there on. `None` when there is no
    /// such position before the end or the format cannot be split (the default).
    fn next_record(&self, _text: &str, _from: usize) -> Option<usize> {
        None
    }
    /// [`Format::next_record`] knowing what the format's survey found in the whole file
    /// (`None` when it has no survey or the text is read alone), for formats whose record
    /// starts depend on a whole-file decision (WhatsApp's header layout). The default
    /// ignores the hint.
    fn next_record_in(&self, text: &str, from: usize, _hint: Option<&dyn Hint>) -> Option<usize> {
        self.next_record(text, from)
    }
    /// A survey of the whole file before any chunk is parsed, for formats that must decide
    /// something over every line (WhatsApp's date order) or read a table beside the file
    /// (Slack's users). `None` (the default) for formats that need neither.
    fn survey(&self, _env: &mut SurveyEnv<'_>) -> Option<Box<dyn Survey>> {
        None
    }
    /// Whether this format's message ids are unique per channel across files, so that the
    /// same `(channel, id)` read twice (overlapping partition files of one Discord channel)
    /// is one message: the run keeps the first in input order and counts the rest as
    /// duplicates merged. `false` (the default) keeps every record.
    fn unique_ids(&self) -> bool {
        false
    }
    /// Parses a chunk, sending messages and problems to `sink` in file order.
    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>);
}

/// Settings some formats take from the command line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FormatOptions {
    /// `--date-order`: how to read all-numeric dates (WhatsApp), instead of deciding per file.
    pub date_order: Option<DateOrder>,
    /// `--year`: the year of dates written without one (old Android WhatsApp exports leave
    /// it out of the current year's dates), instead of inferring it per file.
    pub year: Option<i32>,
}

/// The order of day, month and year in an all-numeric date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateOrder {
    /// Day, month, year (`13/03/2022`).
    Dmy,
    /// Month, day, year (`03/13/2022`).
    Mdy,
    /// Year, month, day (`2022-03-13`).
    Ymd,
}

impl DateOrder {
    /// The lower-case name used by `--date-order`.
    pub fn as_str(self) -> &'static str {
        match self {
            DateOrder::Dmy => "dmy",
            DateOrder::Mdy => "mdy",
            DateOrder::Ymd => "ymd",
        }
    }
}

impl std::str::FromStr for DateOrder {
    type Err = String;
    fn from_str(s: &str) -> Result<DateOrder, String> {
        [
            ("dmy", DateOrder::Dmy),
            ("mdy", DateOrder::Mdy),
            ("ymd", DateOrder::Ymd),
        ]
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(s))
        .map(|(_, order)| order)
        .ok_or_else(|| format!("unknown date order {s:?}: expected dmy, mdy or ymd"))
    }
}

/// Facts a format found in a whole file before parsing it (see [`Format::survey`]): a
/// date order decided over every line, a user table read from beside the file, the chat a
/// byte range belongs to. Every chunk of the file sees it through [`ParseCtx::hint`].
pub trait Hint: Any + Send + Sync + std::fmt::Debug {
    /// One line for `inspect`: what was decided and on what evidence.
    fn describe(&self) -> Option<String> {
        None
    }
}

/// Reads a whole file, piece by piece, before it is parsed (see [`Format::survey`]).
pub trait Survey {
    /// Whether the survey reads the file's text; when not, only [`Survey::finish`] is called.
    fn wants_text(&self) -> bool {
        true
    }
    /// The next piece of the decoded file, in order. Every piece starts at a line start and
    /// ends after a `\n` (or at the end of the file); `offset` (bytes) and `line` (1-based)
    /// place its start in the file.
    fn feed(&mut self, text: &str, offset: u64, line: u64);
    /// What was found.
    fn finish(self: Box<Self>) -> Box<dyn Hint>;
    /// An empty survey of one part of the file, to be fed on a worker beside the other parts
    /// and handed back to [`Survey::join`] in file order. `None` (the default): the survey
    /// reads the whole file in order, on one thread.
    fn split(&self) -> Option<Box<dyn SurveyPart>> {
        None
    }
    /// Takes in a part made by [`Survey::split`] and fed the piece of the file right after
    /// everything fed or joined so far. The result is the same as feeding that piece here.
    fn join(&mut self, part: Box<dyn SurveyPart>) {
        let _ = part;
    }
}

/// One part of a [`Survey`] that can read a file's pieces on several threads (see
/// [`Survey::split`]).
pub trait SurveyPart: Any + Send {
    /// A piece of the decoded file, as for [`Survey::feed`].
    fn feed(&mut self, text: &str, offset: u64, line: u64);
}

/// Reads files beside the one being surveyed, for formats whose records name ids that a
/// table elsewhere in the export explains (Slack's `users.json`).
pub trait SideFiles {
    /// The decoded text of the file at display path `path`, if it exists and is readable.
    fn read(&mut self, path: &str) -> Option<Arc<str>>;
}

/// What [`Format::survey`] may use besides the file itself.
pub struct SurveyEnv<'e> {
    /// The surveyed file's display path.
    pub path: &'e str,
    /// The run's format options.
    pub options: FormatOptions,
    files: &'e mut dyn SideFiles,
    memo: &'e mut HashMap<String, Arc<dyn Any + Send + Sync>>,
}

impl<'e> SurveyEnv<'e> {
    /// An environment for the file at `path`, reading side files through `files` and
    /// keeping results shared between files of one run in `memo`.
    pub fn new(
        path: &'e str,
        options: FormatOptions,
        files: &'e mut dyn SideFiles,
        memo: &'e mut HashMap<String, Arc<dyn Any + Send + Sync>>,
    ) -> SurveyEnv<'e> {
        SurveyEnv {
            path,
            options,
            files,
            memo,
        }
    }

    /// The decoded text of the file at `rel`, relative to the surveyed file's folder
    /// (`../users.json`); `..` never leaves a zip archive.
    pub fn sibling(&mut self, rel: &str) -> Option<Arc<str>> {
        let path = join_path(self.path, rel)?;
        self.files.read(&path)
    }

    /// The display path `rel` names relative to the surveyed file's folder.
    pub fn sibling_path(&self, rel: &str) -> Option<String> {
        join_path(self.path, rel)
    }

    /// A value shared between the files of one run (a user table parsed once per export),
    /// made by `make` the first time `key` is asked for.
    pub fn memo<T: Any + Send + Sync>(
        &mut self,
        key: &str,
        make: impl FnOnce(&mut SurveyEnv<'_>) -> T,
    ) -> Option<Arc<T>> {
        if let Some(v) = self.memo.get(key) {
            return v.clone().downcast::<T>().ok();
        }
        let v = Arc::new(make(self));
        self.memo
            .insert(key.to_string(), v.clone() as Arc<dyn Any + Send + Sync>);
        Some(v)
    }
}

/// Joins `rel` (`/`-separated, may hold `..`) to the folder of display path `path`. The
/// archive part of `dump.zip!/a/b.json` is a root that `..` cannot leave.
pub fn join_path(path: &str, rel: &str) -> Option<String> {
    let (root, inner) = match path.rfind("!/") {
        Some(i) => (&path[..i + 2], &path[i + 2..]),
        None => ("", path),
    };
    let mut parts: Vec<&str> = inner.split('/').collect();
    parts.pop();
    let absolute = root.is_empty() && inner.starts_with('/');
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." && !(last.is_empty() && absolute) => {
                    parts.pop();
                }
                _ if root.is_empty() && !absolute => parts.push(".."),
                _ => return None,
            },
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    Some(format!("{root}{joined}"))
}

/// Side files read straight from the file system (tests, single files).
#[derive(Debug, Default)]
pub struct DiskFiles;

impl SideFiles for DiskFiles {
    fn read(&mut self, path: &str) -> Option<Arc<str>> {
        if path.contains("!/") {
            return None;
        }
        let bytes = std::fs::read(path).ok()?;
        Some(decode_side(&bytes))
    }
}

/// Decodes a side file: BOM stripped, UTF-8 kept (damaged bytes replaced), other encodings
/// transcoded.
pub fn decode_side(bytes: &[u8]) -> Arc<str> {
    use crate::source::decode::{self, Detected};
    match decode::detect(bytes, None) {
        Detected::Other { encoding, bom, .. } => {
            let rest = bytes.get(bom..).unwrap_or(&[]);
            Arc::from(decode::transcode(rest, encoding).0.as_str())
        }
        Detected::Utf8 { bom } => {
            Arc::from(String::from_utf8_lossy(bytes.get(bom..).unwrap_or(&[])).as_ref())
        }
        Detected::Binary => Arc::from(""),
    }
}

/// Runs `format`'s survey over a whole decoded text, reading side files from disk; the
/// hint to put in [`ParseCtx::hint`] (tests and tools that parse one text).
pub fn survey_text(
    format: &dyn Format,
    path: &str,
    text: &str,
    options: FormatOptions,
) -> Option<Box<dyn Hint>> {
    let mut files = DiskFiles;
    let mut memo = HashMap::new();
    let mut env = SurveyEnv::new(path, options, &mut files, &mut memo);
    let mut s = format.survey(&mut env)?;
    if s.wants_text() {
        s.feed(text, 0, 1);
    }
    Some(s.finish())
}

/// How much of a file's decoded start [`Format::sniff`] sees.
pub const SNIFF_LEN: usize = 8192;

/// Every format, in sniffing tie-break order.
pub fn registry() -> &'static [&'static dyn Format] {
    static ALL: &[&dyn Format] = &[
        &isoon::Isoon,
        &conti_jabber::ContiJabber,
        &rocketchat::RocketChat,
        &blackbasta::BlackBasta,
        &trickbot::TrickBot,
        &whatsapp::WhatsApp,
        &signal::Signal,
        &qq::Qq,
        &irc::Irc,
        &wechat::WeChat,
        &chatsift::ChatsiftJsonl,
        &chatsift::ChatsiftCsv,
        &telegram::Telegram,
        &discord::Discord,
        &slack::Slack,
        &parquet::ChatsiftParquet,
    ];
    ALL
}

/// The format called `name` (case-insensitive; `_` and `-` alike).
pub fn by_name(name: &str) -> Option<&'static dyn Format> {
    let want = name.replace('_', "-");
    registry()
        .iter()
        .copied()
        .find(|f| f.name().eq_ignore_ascii_case(&want))
}

/// The format that claims a file most confidently, if any does.
pub fn sniff(path: &str, head: &str) -> Option<&'static dyn Format> {
    let mut best: Option<(&'static dyn Format, u8)> = None;
    for &f in registry() {
        let score = f.sniff(path, head);
        if score > 0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((f, score));
        }
    }
    best.map(|(f, _)| f)
}

/// Cuts `text` to at most [`SNIFF_LEN`] bytes at a character boundary.
pub fn sniff_head(text: &str) -> &str {
    if text.len() <= SNIFF_LEN {
        return text;
    }
    let mut end = SNIFF_LEN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The file name part of a display path (after the last `/`, `\` or `!/`).
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The start of the line after the first `\n` at or after `from`, if any.
#[inline]
pub fn next_line_start(text: &str, from: usize) -> Option<usize> {
    let b = text.as_bytes();
    if from >= b.len() {
        return None;
    }
    memchr::memchr(b'\n', &b[from..])
        .map(|i| from + i + 1)
        .filter(|&p| p < b.len())
}

/// A short, printable excerpt of a bad record for a problem message (at most 60 chars,
/// control characters escaped).
pub fn excerpt(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == 60 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits a whole decoded file into chunks of roughly `target` bytes at the record
/// boundaries the format finds (one chunk when it cannot split). Line numbers and offsets of
/// each chunk are filled in.
pub fn split_text<'a>(format: &dyn Format, text: &'a str, target: usize) -> Vec<Chunk<'a>> {
    split_text_counted(format, text, target, None).0
}

/// [`split_text`] with the file's survey hint ([`Format::next_record_in`]), also returning
/// how many `\n` the text holds (counted once, per chunk).
pub fn split_text_counted<'a>(
    format: &dyn Format,
    text: &'a str,
    target: usize,
    hint: Option<&dyn Hint>,
) -> (Vec<Chunk<'a>>, u64) {
    let mut bounds = vec![0usize];
    let mut pos = 0usize;
    let target = target.max(1);
    while text.len() - pos > target {
        match format.next_record_in(text, pos + target, hint) {
            Some(next) if next > pos && next < text.len() => {
                bounds.push(next);
                pos = next;
            }
            _ => break,
        }
    }
    bounds.push(text.len());
    let mut line = 1u64;
    let mut chunks = Vec::with_capacity(bounds.len() - 1);
    for (i, w) in bounds.windows(2).enumerate() {
        let piece = &text[w[0]..w[1]];
        chunks.push(Chunk {
            text: piece,
            offset: w[0] as u64,
            line,
            first: i == 0,
            last: i + 2 == bounds.len(),
        });
        line += memchr::memchr_iter(b'\n', piece.as_bytes()).count() as u64;
    }
    (chunks, line - 1)
}

/// Parses a whole decoded file with one format, split into chunks of about `target` bytes
/// (`usize::MAX` for one chunk), collecting everything in file order.
pub fn parse_text<'a>(
    format: &dyn Format,
    text: &'a str,
    ctx: &ParseCtx<'a>,
    target: usize,
) -> Collect<'a> {
    let mut sink = Collect::default();
    for chunk in split_text_counted(format, text, target, ctx.hint).0 {
        format.parse(&chunk, ctx, &mut sink);
    }
    sink
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_path_resolves_siblings_and_never_leaves_an_archive() {
        let j = |p: &str, r: &str| join_path(p, r);
        assert_eq!(
            j("exp/general/2021-01-01.json", "../users.json").as_deref(),
            Some("exp/users.json")
        );
        assert_eq!(
            j("exp.zip!/general/d.json", "../users.json").as_deref(),
            Some("exp.zip!/users.json")
        );
        assert_eq!(j("exp.zip!/d.json", "../users.json"), None);
        assert_eq!(
            j("d.json", "../users.json").as_deref(),
            Some("../users.json")
        );
        assert_eq!(j("a/b.txt", "./c.txt").as_deref(), Some("a/c.txt"));
        assert_eq!(j("/abs/x.json", "../../y.json"), None);
    }

    #[test]
    fn date_order_parses_its_three_names_only() {
        assert_eq!("DMY".parse::<DateOrder>(), Ok(DateOrder::Dmy));
        assert_eq!("mdy".parse::<DateOrder>(), Ok(DateOrder::Mdy));
        assert_eq!("ymd".parse::<DateOrder>().map(DateOrder::as_str), Ok("ymd"));
        assert!("dym".parse::<DateOrder>().is_err());
    }

    #[test]
    fn line_counter_moves_both_ways() {
        let chunk = Chunk {
            text: "a\nb\nc\n",
            offset: 10,
            line: 5,
            first: false,
            last: true,
        };
        let mut l = chunk.lines();
        assert_eq!(l.at(0), 5);
        assert_eq!(l.at(2), 6);
        assert_eq!(l.at(5), 7);
        assert_eq!(l.at(1), 5);
        assert_eq!(l.at(100), 8);
    }

    #[test]
    fn format_names_are_unique_and_found_by_name() {
        let mut names: Vec<_> = registry().iter().map(|f| f.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), registry().len());
        for n in names {
            assert_eq!(by_name(n).unwrap().name(), n);
        }
        assert_eq!(by_name("conti_jabber").unwrap().name(), "conti-jabber");
        assert!(by_name("nope").is_none());
    }

    #[test]
    fn excerpt_escapes_controls_and_truncates() {
        assert_eq!(excerpt("a\tb"), "a\\tb");
        assert_eq!(excerpt(&"x".repeat(80)).chars().count(), 61);
    }
}
