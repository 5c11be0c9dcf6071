//! Per-person activity per time bucket (hour, day, week, month in the output zone).
//!
//! One cell per (person, bucket): messages, characters, conversations touched, first and
//! last message. State is O(people × buckets × conversations per bucket), never O(messages).

use super::{
    Accumulator, FastMap, LocalTime, Observation, char_count, conversation_key, merge_map,
};
use crate::time::{civil_from_days, days_from_civil};
use std::fmt;
use std::str::FromStr;

/// A bucket size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    /// Local clock hours.
    Hour,
    /// Local days.
    Day,
    /// Weeks starting on Monday (ISO weeks), labelled by the Monday's date.
    Week,
    /// Calendar months.
    Month,
}

impl FromStr for Bucket {
    type Err = String;
    fn from_str(s: &str) -> Result<Bucket, String> {
        match s.to_ascii_lowercase().as_str() {
            "hour" => Ok(Bucket::Hour),
            "day" => Ok(Bucket::Day),
            "week" => Ok(Bucket::Week),
            "month" => Ok(Bucket::Month),
            _ => Err(format!("unknown bucket {s:?} (hour, day, week, month)")),
        }
    }
}

impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Bucket::Hour => "hour",
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
        })
    }
}

impl Bucket {
    /// The bucket of a local time, as an ordered integer key.
    #[inline]
    pub fn key(self, t: &LocalTime) -> i64 {
        match self {
            Bucket::Hour => t.days * 24 + i64::from(t.hour()),
            Bucket::Day => t.days,
            Bucket::Week => t.days - i64::from(t.weekday),
            Bucket::Month => {
                let (y, m, _) = civil_from_days(t.days);
                i64::from(y) * 12 + i64::from(m) - 1
            }
        }
    }

    /// The key of the bucket after `key`.
    pub fn next(self, key: i64) -> i64 {
        match self {
            Bucket::Week => key + 7,
            _ => key + 1,
        }
    }

    /// The label of a bucket: `2021-06-02 09:00`, `2021-06-02`, `2021-05-31` (the Monday),
    /// `2021-06`.
    pub fn label(self, key: i64) -> String {
        match self {
            Bucket::Hour => {
                let (y, m, d) = civil_from_days(key.div_euclid(24));
                format!("{y:04}-{m:02}-{d:02} {:02}:00", key.rem_euclid(24))
            }
            Bucket::Day | Bucket::Week => {
                let (y, m, d) = civil_from_days(key);
                format!("{y:04}-{m:02}-{d:02}")
            }
            Bucket::Month => {
                format!("{:04}-{:02}", key.div_euclid(12), key.rem_euclid(12) + 1)
            }
        }
    }

    /// Local days since 1970-01-01 of the bucket's first day.
    pub fn first_day(self, key: i64) -> i64 {
        match self {
            Bucket::Hour => key.div_euclid(24),
            Bucket::Day | Bucket::Week => key,
            Bucket::Month => days_from_civil(
                key.div_euclid(12) as i32,
                (key.rem_euclid(12) + 1) as u32,
                1,
            ),
        }
    }
}

/// An instant with the output zone's offset at it (for output in local time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant {
    /// µs since the epoch.
    pub micros: i64,
    /// Offset of the output zone then, seconds east.
    pub offset: i32,
    /// Fractional digits the source wrote.
    pub frac_digits: u8,
}

impl Instant {
    /// When the observed message was sent, with the output zone's offset then.
    #[inline]
    pub fn of(o: &Observation<'_, '_>) -> Instant {
        Instant {
            micros: o.message.time.micros,
            offset: o.local.offset,
            frac_digits: o.message.time.frac_digits,
        }
    }
}

/// The activity of one person in one bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Messages sent.
    pub messages: u64,
    /// Characters of their bodies.
    pub characters: u64,
    /// Conversations touched (keys, sorted, distinct).
    conversations: Vec<u64>,
    /// First message.
    pub first: Instant,
    /// Last message.
    pub last: Instant,
}

impl Cell {
    /// How many distinct conversations the person wrote in.
    pub fn conversations(&self) -> usize {
        self.conversations.len()
    }

    fn merge(&mut self, o: Cell) {
        self.messages += o.messages;
        self.characters += o.characters;
        for c in o.conversations {
            if let Err(i) = self.conversations.binary_search(&c) {
                self.conversations.insert(i, c);
            }
        }
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
    }
}

/// The timeline accumulator.
#[derive(Debug, Clone)]
pub struct Timeline {
    bucket: Bucket,
    people: FastMap<String, FastMap<i64, Cell>>,
    /// The last person seen and their cells, taken out of `people` while they keep writing
    /// (chats are runs of one person's messages: no hashing of the name for each).
    current: Option<(String, FastMap<i64, Cell>)>,
}

impl Timeline {
    /// An empty timeline with buckets of `bucket`.
    pub fn new(bucket: Bucket) -> Timeline {
        Timeline {
            bucket,
            people: FastMap::default(),
            current: None,
        }
    }

    /// The bucket size.
    pub fn bucket(&self) -> Bucket {
        self.bucket
    }

    /// Puts the cached current person back into the map.
    fn settle(&mut self) {
        if let Some((p, c)) = self.current.take() {
            self.people.insert(p, c);
        }
    }

    /// Every person's cells, the cached current person included.
    fn all(&self) -> impl Iterator<Item = (&String, &FastMap<i64, Cell>)> {
        self.people
            .iter()
            .chain(self.current.iter().map(|(p, c)| (p, c)))
    }

    /// Every (person, bucket, cell), sorted by person then bucket.
    pub fn rows(&self) -> Vec<(&str, i64, &Cell)> {
        let mut rows: Vec<(&str, i64, &Cell)> = self
            .all()
            .flat_map(|(p, cells)| cells.iter().map(move |(k, c)| (p.as_str(), *k, c)))
            .collect();
        rows.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)));
        rows
    }

    /// People with their total messages, most active first (ties by name).
    pub fn people_by_activity(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self
            .all()
            .map(|(p, cells)| (p.as_str(), cells.values().map(|c| c.messages).sum()))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }

    /// The messages of a person in a bucket (0 when none).
    pub fn messages(&self, person: &str, key: i64) -> u64 {
        let cells = match &self.current {
            Some((p, c)) if p == person => Some(c),
            _ => self.people.get(person),
        };
        cells.and_then(|c| c.get(&key)).map_or(0, |c| c.messages)
    }

    /// The first and last bucket with any activity.
    pub fn span(&self) -> Option<(i64, i64)> {
        let keys = self.all().flat_map(|(_, c)| c.keys().copied());
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for k in keys {
            lo = lo.min(k);
            hi = hi.max(k);
        }
        (lo <= hi).then_some((lo, hi))
    }
}

impl Accumulator for Timeline {
    #[inline]
    fn observe(&mut self, o: &Observation<'_, '_>) {
        let key = self.bucket.key(&o.local);
        let m = o.message;
        let t = Instant::of(o);
        let conv = conversation_key(m);
        if self.current.as_ref().is_none_or(|(p, _)| p != o.person) {
            if let Some((p, c)) = self.current.take() {
                self.people.insert(p, c);
            }
            // Take the person's own key back out: no new string when people take turns.
            self.current = Some(
                self.people
                    .remove_entry(o.person)
                    .unwrap_or_else(|| (o.person.to_string(), FastMap::default())),
            );
        }
        let Some((_, cells)) = self.current.as_mut() else {
            return;
        };
        let cell = cells.entry(key).or_insert_with(|| Cell {
            messages: 0,
            characters: 0,
            conversations: Vec::new(),
            first: t,
            last: t,
        });
        cell.messages += 1;
        cell.characters += char_count(&m.body);
        if let Err(i) = cell.conversations.binary_search(&conv) {
            cell.conversations.insert(i, conv);
        }
        if t < cell.first {
            cell.first = t;
        }
        if t > cell.last {
            cell.last = t;
        }
    }

    fn merge(&mut self, mut later: Timeline) {
        self.settle();
        later.settle();
        merge_map(&mut self.people, later.people, |mine, cells| {
            merge_map(mine, cells, |m, c| m.merge(c));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Loc, Message, Timestamp};
    use std::borrow::Cow;

    fn obs<'a>(m: &'a Message<'a>, offset: i32) -> Observation<'a, 'a> {
        Observation {
            message: m,
            person: &m.sender,
            recipient: m.recipient.as_deref(),
            local: LocalTime::at(m.time.micros, offset),
            topics: Default::default(),
        }
    }

    fn msg(
        secs: i64,
        sender: &'static str,
        to: &'static str,
        body: &'static str,
    ) -> Message<'static> {
        let mut m = Message::new(
            Timestamp::from_unix_seconds(secs),
            sender,
            Cow::Borrowed(body),
            Loc::default(),
        );
        m.recipient = Some(Cow::Borrowed(to));
        m
    }

    #[test]
    fn buckets_key_and_label_in_local_time() {
        // 2021-06-02T01:15:09Z = 09:15 Wednesday at +08:00.
        let t = LocalTime::at(1_622_596_509_000_000, 8 * 3600);
        assert_eq!(Bucket::Hour.label(Bucket::Hour.key(&t)), "2021-06-02 09:00");
        assert_eq!(Bucket::Day.label(Bucket::Day.key(&t)), "2021-06-02");
        assert_eq!(Bucket::Week.label(Bucket::Week.key(&t)), "2021-05-31");
        assert_eq!(Bucket::Month.label(Bucket::Month.key(&t)), "2021-06");
        assert_eq!(
            Bucket::Month.label(Bucket::Month.next(Bucket::Month.key(&t) + 6)),
            "2022-01"
        );
        assert_eq!(
            Bucket::Month.first_day(Bucket::Month.key(&t)),
            days_from_civil(2021, 6, 1)
        );
    }

    #[test]
    fn cells_count_messages_characters_conversations_and_extremes() {
        let a = msg(1_622_596_509, "wei", "fox", "工资呢");
        let b = msg(1_622_596_600, "wei", "lan", "pay?");
        let c = msg(1_622_596_400, "wei", "fox", "");
        let mut t = Timeline::new(Bucket::Day);
        for m in [&a, &b, &c] {
            t.observe(&obs(m, 8 * 3600));
        }
        let rows = t.rows();
        assert_eq!(rows.len(), 1);
        let (p, k, cell) = rows[0];
        assert_eq!((p, Bucket::Day.label(k).as_str()), ("wei", "2021-06-02"));
        assert_eq!(
            (cell.messages, cell.characters, cell.conversations()),
            (3, 7, 2)
        );
        assert_eq!(cell.first.micros, 1_622_596_400_000_000);
        assert_eq!(cell.last.micros, 1_622_596_600_000_000);
    }

    #[test]
    fn merging_two_chunks_equals_one_pass() {
        let ms = [
            msg(1_622_596_509, "wei", "fox", "a"),
            msg(1_622_682_909, "fox", "wei", "bb"),
            msg(1_622_596_510, "wei", "fox", "ccc"),
        ];
        let mut one = Timeline::new(Bucket::Hour);
        for m in &ms {
            one.observe(&obs(m, 0));
        }
        let mut first = Timeline::new(Bucket::Hour);
        first.observe(&obs(&ms[0], 0));
        let mut second = Timeline::new(Bucket::Hour);
        second.observe(&obs(&ms[1], 0));
        second.observe(&obs(&ms[2], 0));
        first.merge(second);
        assert_eq!(one.rows(), first.rows());
    }
}
