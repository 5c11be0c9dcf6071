//! The compact message record the sort keeps in its runs: every field of a [`Message`]
//! plus what rendering needs beside it (the person, the topics, Parquet's `seq`), about half
//! the bytes of a rendered JSONL row. Rows are rendered from these records when the runs are
//! merged, on the pool, so a sort holds and spills the smaller form.
//!
//! Layout (little-endian): a fixed part, the length of each string present, then every
//! string one after another (one text area, checked as UTF-8 once per record):
//!
//! ```text
//! offset u64 | tz-flag u8 | tz i32 | frac u8 | kind u8 | topics-flag u8 | topics u64 | seq u64
//! | present u8 (name, recipient, channel, id, person, origin) | attachments u32
//! | [origin line u64, origin offset u64]
//! | len u32 per string: sender, [name], [recipient], [channel], body, [id], [person],
//!   attachments…, [origin format, origin source]
//! | the strings' bytes, in that order
//! ```
//!
//! `time.micros`, `loc.file` and `loc.line` live in the run's row head, not here.

use crate::analysis::topics::TopicSet;
use crate::model::{Kind, Loc, Message, Origin, Timestamp};
use std::borrow::Cow;

const NAME: u8 = 1;
const RECIPIENT: u8 = 2;
const CHANNEL: u8 = 4;
const ID: u8 = 8;
const PERSON: u8 = 16;
const ORIGIN: u8 = 32;

/// Appends the record of `m` to `out`. `person` is the resolved person when it is not the
/// sender; `topics` the matched set (None when the run matches no topics).
pub(crate) fn encode(
    m: &Message<'_>,
    person: Option<&str>,
    topics: Option<TopicSet>,
    seq: u64,
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(&m.loc.offset.to_le_bytes());
    out.push(u8::from(m.time.offset.is_some()));
    out.extend_from_slice(&m.time.offset.unwrap_or(0).to_le_bytes());
    out.push(m.time.frac_digits);
    out.push(Kind::ALL.iter().position(|k| *k == m.kind).unwrap_or(0) as u8);
    out.push(u8::from(topics.is_some()));
    out.extend_from_slice(&topics.unwrap_or_default().0.to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    let mut present = 0;
    for (flag, on) in [
        (NAME, m.name.is_some()),
        (RECIPIENT, m.recipient.is_some()),
        (CHANNEL, m.channel.is_some()),
        (ID, m.id.is_some()),
        (PERSON, person.is_some()),
        (ORIGIN, m.origin.is_some()),
    ] {
        if on {
            present |= flag;
        }
    }
    out.push(present);
    out.extend_from_slice(&(m.attachments.len() as u32).to_le_bytes());
    if let Some(o) = &m.origin {
        out.extend_from_slice(&o.line.to_le_bytes());
        out.extend_from_slice(&o.offset.to_le_bytes());
    }
    let strings = || {
        std::iter::once(m.sender.as_ref())
            .chain(m.name.as_deref())
            .chain(m.recipient.as_deref())
            .chain(m.channel.as_deref())
            .chain(std::iter::once(m.body.as_ref()))
            .chain(m.id.as_deref())
            .chain(person)
            .chain(m.attachments.iter().map(|a| a.as_ref()))
            .chain(
                m.origin
                    .iter()
                    .flat_map(|o| [o.format.as_ref(), o.source.as_ref()]),
            )
    };
    for s in strings() {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    }
    for s in strings() {
        out.extend_from_slice(s.as_bytes());
    }
}

/// A record read back: the message (borrowing from the record), and what was kept beside it.
pub(crate) struct Decoded<'r> {
    pub(crate) message: Message<'r>,
    /// The person when it is not the sender.
    pub(crate) person: Option<&'r str>,
    pub(crate) topics: Option<TopicSet>,
    pub(crate) seq: u64,
}

struct Cursor<'r> {
    b: &'r [u8],
    at: usize,
}

impl<'r> Cursor<'r> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0u8; N];
        if let Some(s) = self.b.get(self.at..self.at + N) {
            a.copy_from_slice(s);
        }
        self.at += N;
        a
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }
}

/// Reads a record written by [`encode`]; `micros`, `file` and `line` come from its row
/// head. A damaged record (a scratch file changed under the run) reads as empty strings,
/// never a panic.
pub(crate) fn decode(rec: &[u8], micros: i64, file: u32, line: u64) -> Decoded<'_> {
    let mut c = Cursor { b: rec, at: 0 };
    let offset = c.u64();
    let has_tz = c.u8() != 0;
    let tz = i32::from_le_bytes(c.take());
    let frac_digits = c.u8();
    let kind = Kind::ALL
        .get(usize::from(c.u8()))
        .copied()
        .unwrap_or(Kind::Message);
    let has_topics = c.u8() != 0;
    let topics = TopicSet(c.u64());
    let seq = c.u64();
    let present = c.u8();
    let attachments = c.u32() as usize;
    let origin_at = (present & ORIGIN != 0).then(|| (c.u64(), c.u64()));
    let count = 2
        + [NAME, RECIPIENT, CHANNEL, ID, PERSON]
            .iter()
            .filter(|f| present & **f != 0)
            .count()
        + attachments.min(rec.len())
        + if origin_at.is_some() { 2 } else { 0 };
    let mut lens = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        lens.push(c.u32() as usize);
    }
    let text = rec
        .get(c.at.min(rec.len())..)
        .and_then(|t| simdutf8::basic::from_utf8(t).ok())
        .unwrap_or("");
    let mut at = 0;
    let mut strs = lens.into_iter().map(|n| {
        let s = text.get(at..at + n).unwrap_or("");
        at += n;
        s
    });
    let mut next = || strs.next().unwrap_or("");
    let sender = next();
    let mut opt = |flag: u8| (present & flag != 0).then(&mut next);
    let name = opt(NAME);
    let recipient = opt(RECIPIENT);
    let channel = opt(CHANNEL);
    let body = next();
    let mut opt = |flag: u8| (present & flag != 0).then(&mut next);
    let id = opt(ID);
    let person = opt(PERSON);
    let attachments: Vec<Cow<'_, str>> = (0..attachments.min(rec.len()))
        .map(|_| Cow::Borrowed(next()))
        .collect();
    let origin = origin_at.map(|(line, offset)| {
        Box::new(Origin {
            format: Cow::Borrowed(next()),
            source: Cow::Borrowed(next()),
            line,
            offset,
        })
    });
    Decoded {
        message: Message {
            time: Timestamp {
                micros,
                offset: has_tz.then_some(tz),
                frac_digits,
            },
            sender: Cow::Borrowed(sender),
            name: name.map(Cow::Borrowed),
            recipient: recipient.map(Cow::Borrowed),
            channel: channel.map(Cow::Borrowed),
            body: Cow::Borrowed(body),
            kind,
            attachments,
            id: id.map(Cow::Borrowed),
            loc: Loc { file, line, offset },
            origin,
        },
        person,
        topics: has_topics.then_some(topics),
        seq,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Message<'static> {
        Message {
            time: Timestamp {
                micros: 1_600_000_000_123_456,
                offset: Some(-18_000),
                frac_digits: 6,
            },
            sender: Cow::Borrowed("王伟"),
            name: Some(Cow::Borrowed("Wang Wei")),
            recipient: Some(Cow::Borrowed("")),
            channel: Some(Cow::Borrowed("项目群")),
            body: Cow::Borrowed("多行\n消息 with \"quotes\""),
            kind: Kind::Attachment,
            attachments: vec![Cow::Borrowed("a.png"), Cow::Borrowed("")],
            id: Some(Cow::Borrowed("42")),
            loc: Loc {
                file: 3,
                line: 77,
                offset: 9_000,
            },
            origin: Some(Box::new(Origin {
                format: Cow::Borrowed("isoon"),
                source: Cow::Borrowed("chats/1.md"),
                line: 5,
                offset: 600,
            })),
        }
    }

    #[test]
    fn every_field_comes_back_as_it_went_in() {
        let bare = Message::new(
            Timestamp::from_unix_seconds(7),
            "x",
            Cow::Borrowed(""),
            Loc::default(),
        );
        for (m, person, topics, seq) in [
            (full(), Some("Wei"), Some(TopicSet(0b1010)), 9),
            (bare, None, None, u64::MAX),
        ] {
            let mut rec = Vec::new();
            encode(&m, person, topics, seq, &mut rec);
            let d = decode(&rec, m.time.micros, m.loc.file, m.loc.line);
            assert_eq!(d.message, m);
            assert_eq!((d.person, d.topics, d.seq), (person, topics, seq));
        }
    }

    #[test]
    fn a_damaged_record_reads_without_panicking() {
        let mut rec = Vec::new();
        encode(&full(), Some("p"), None, 1, &mut rec);
        for cut in 0..rec.len() {
            let _ = decode(&rec[..cut], 0, 0, 0);
        }
        let mut bad = rec.clone();
        for b in bad.iter_mut().skip(40) {
            *b = 0xFF;
        }
        let _ = decode(&bad, 0, 0, 0);
    }
}
