//! The types every other module speaks: [`Message`], [`Kind`], [`Loc`], [`Timestamp`], [`Problem`].
//!
//! A [`Message`] borrows its text from the decoded input buffer wherever it can
//! (`Cow::Borrowed`) and owns only what had to be unescaped, so parsing allocates per
//! message only for escapes and attachment lists.

use std::borrow::Cow;
use std::fmt;

/// Index of an input file in the run's file table (see [`crate::source::SourceFile`]).
pub type FileId = u32;

/// An instant in UTC with the precision and offset the source wrote it with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    /// Microseconds since 1970-01-01T00:00:00Z.
    pub micros: i64,
    /// The source's UTC offset in seconds east of UTC, when the source states one or the
    /// stamp was resolved in a named or fixed `--source-tz`.
    pub offset: Option<i32>,
    /// How many fractional-second digits the source wrote (0 to 6); output repeats that
    /// precision and never invents more.
    pub frac_digits: u8,
}

impl Timestamp {
    /// A timestamp at whole seconds since the epoch, without a known source offset.
    pub fn from_unix_seconds(secs: i64) -> Timestamp {
        Timestamp {
            micros: secs.saturating_mul(1_000_000),
            offset: None,
            frac_digits: 0,
        }
    }

    /// Whole seconds since the epoch (rounded towards negative infinity).
    pub fn unix_seconds(&self) -> i64 {
        self.micros.div_euclid(1_000_000)
    }
}

/// What a record is. Statistics can include or exclude kinds; nothing is dropped for its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An ordinary text message.
    Message,
    /// A system or service event: joins, leaves, renames, server notices.
    System,
    /// A message that is only an attachment (image, file, voice note).
    Attachment,
    /// Ciphertext, or a notice that an encrypted message could not be read.
    Encrypted,
    /// A voice or video call record.
    Call,
    /// A message that the sender deleted (only the notice remains).
    Deleted,
}

impl Kind {
    /// Every kind, in the order of their names.
    pub const ALL: [Kind; 6] = [
        Kind::Message,
        Kind::System,
        Kind::Attachment,
        Kind::Encrypted,
        Kind::Call,
        Kind::Deleted,
    ];

    /// The lower-case name used in JSONL and CSV output.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Message => "message",
            Kind::System => "system",
            Kind::Attachment => "attachment",
            Kind::Encrypted => "encrypted",
            Kind::Call => "call",
            Kind::Deleted => "deleted",
        }
    }

    /// The kind named by [`Kind::as_str`], if any.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a record starts in its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Loc {
    /// The input file.
    pub file: FileId,
    /// 1-based line of the record's first line (header line, `{`, `<tr`).
    pub line: u64,
    /// Byte offset of the record start in the decoded (UTF-8) text of the file.
    pub offset: u64,
}

/// Where a re-imported message originally came from (set by the `chatsift-jsonl` and
/// `chatsift-csv` readers so provenance survives a round trip).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin<'a> {
    /// The format of the original source.
    pub format: Cow<'a, str>,
    /// The original source path.
    pub source: Cow<'a, str>,
    /// The original 1-based line.
    pub line: u64,
    /// The original byte offset.
    pub offset: u64,
}

/// The fields of a message as output writes them: the columns of `messages --to csv`, the
/// JSONL keys and the first columns of Parquet, in order. A contract: fields only grow.
pub const MESSAGE_FIELDS: [&str; 15] = [
    "time",
    "local_time",
    "sender",
    "person",
    "recipient",
    "channel",
    "body",
    "kind",
    "attachments",
    "id",
    "topics",
    "format",
    "source",
    "line",
    "offset",
];

/// One normalized message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    /// When it was sent (UTC instant).
    pub time: Timestamp,
    /// The raw id or name the source writes for the sender.
    pub sender: Cow<'a, str>,
    /// The sender's display name, where the export names ids (Slack `users.json`, Telegram
    /// `from`, Discord nicknames). It becomes `person` unless the alias file claims the id.
    pub name: Option<Cow<'a, str>>,
    /// The direct recipient, where the source names one.
    pub recipient: Option<Cow<'a, str>>,
    /// The room, group or conversation.
    pub channel: Option<Cow<'a, str>>,
    /// The text as the participants saw it (entities decoded, `<br>` as `\n`).
    pub body: Cow<'a, str>,
    /// What the record is.
    pub kind: Kind,
    /// Attachment file names or URLs.
    pub attachments: Vec<Cow<'a, str>>,
    /// The source's own message id, where it has one.
    pub id: Option<Cow<'a, str>>,
    /// Where the record starts in the file that was read.
    pub loc: Loc,
    /// For re-imported output: the original provenance, which output repeats.
    pub origin: Option<Box<Origin<'a>>>,
}

impl<'a> Message<'a> {
    /// A text message with no recipient, channel, attachments or id.
    pub fn new(
        time: Timestamp,
        sender: impl Into<Cow<'a, str>>,
        body: Cow<'a, str>,
        loc: Loc,
    ) -> Message<'a> {
        Message {
            time,
            sender: sender.into(),
            name: None,
            recipient: None,
            channel: None,
            body,
            kind: Kind::Message,
            attachments: Vec::new(),
            id: None,
            loc,
            origin: None,
        }
    }

    /// The conversation this message belongs to: the channel, or else the unordered pair of
    /// sender and recipient, or else the sender alone.
    pub fn conversation(&self) -> (&str, &str) {
        if let Some(c) = &self.channel {
            return (c, "");
        }
        match &self.recipient {
            Some(r) if r.as_ref() < self.sender.as_ref() => (r, &self.sender),
            Some(r) => (&self.sender, r),
            None => (&self.sender, ""),
        }
    }

    /// Copies every borrowed string so the message no longer borrows the input.
    pub fn into_owned(self) -> Message<'static> {
        fn own(c: Cow<'_, str>) -> Cow<'static, str> {
            Cow::Owned(c.into_owned())
        }
        Message {
            time: self.time,
            sender: own(self.sender),
            name: self.name.map(own),
            recipient: self.recipient.map(own),
            channel: self.channel.map(own),
            body: own(self.body),
            kind: self.kind,
            attachments: self.attachments.into_iter().map(own).collect(),
            id: self.id.map(own),
            loc: self.loc,
            origin: self.origin.map(|o| {
                Box::new(Origin {
                    format: own(o.format),
                    source: own(o.source),
                    line: o.line,
                    offset: o.offset,
                })
            }),
        }
    }
}

/// A record that could not be read, or input that had to be repaired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where it is.
    pub loc: Loc,
    /// What is wrong, in one line, e.g. `bad timestamp "2021-13-02 01:00:00"`.
    pub what: String,
}

impl Problem {
    /// A problem at `loc`.
    pub fn new(loc: Loc, what: impl Into<String>) -> Problem {
        Problem {
            loc,
            what: what.into(),
        }
    }
}
