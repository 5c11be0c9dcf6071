//! Per-person summary: ids, first and last seen, active days, messages, characters, share
//! of messages outside working hours and on weekends, busiest hour, median reply time, top
//! correspondents.
//!
//! A *reply* is a message whose previous message in the same conversation (in input order)
//! was written by someone else; its reply time is the gap between the two. Conversations are
//! tracked by their last message only (O(conversations)); the first message of each chunk is
//! matched with the previous chunk's last one when chunks merge, so splitting changes
//! nothing. Inputs are expected in time order within a conversation (exports are); a
//! message older than the one before it is not counted as a reply (see
//! [`People::out_of_order`]). Reply times go into a histogram (1 s bins below 2 minutes, 10 s
//! below an hour, 1 minute below a day, 1 hour beyond), so the median is exact below two
//! minutes and to the bin above.

use super::timeline::Instant;
use super::{Accumulator, FastMap, FastSet, Observation, char_count, conversation_key};
use std::fmt;
use std::str::FromStr;

/// Working hours and weekend days in the output zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkWeek {
    /// Start of the working day, seconds after midnight.
    pub start: u32,
    /// End of the working day (exclusive), seconds after midnight.
    pub end: u32,
    /// Weekend days, Monday = 0.
    pub weekend: [bool; 7],
}

impl Default for WorkWeek {
    fn default() -> WorkWeek {
        WorkWeek {
            start: 9 * 3600,
            end: 18 * 3600,
            weekend: [false, false, false, false, false, true, true],
        }
    }
}

/// A bad `--workday` or `--weekend`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WorkWeekError(pub String);

fn clock(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 || h == 24 && m == 0).then_some(h * 3600 + m * 60)
}

impl WorkWeek {
    /// Parses `--workday HH:MM-HH:MM` and `--weekend sat,sun`.
    pub fn parse(workday: &str, weekend: &str) -> Result<WorkWeek, WorkWeekError> {
        let bad = || {
            WorkWeekError(format!(
                "bad --workday {workday:?}: expected HH:MM-HH:MM with hours 00–24, e.g. 09:00-18:00"
            ))
        };
        let (a, b) = workday.split_once('-').ok_or_else(bad)?;
        let (start, end) = (clock(a).ok_or_else(bad)?, clock(b).ok_or_else(bad)?);
        if start >= end {
            return Err(WorkWeekError(format!(
                "bad --workday {workday:?}: the day must end after it starts"
            )));
        }
        let mut days = [false; 7];
        for d in weekend.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            let i = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .iter()
                .position(|n| d.len() >= 3 && n.eq_ignore_ascii_case(&d[..3]))
                .ok_or_else(|| {
                    WorkWeekError(format!(
                        "bad --weekend day {d:?}: expected mon, tue, wed, thu, fri, sat or sun"
                    ))
                })?;
            days[i] = true;
        }
        Ok(WorkWeek {
            start,
            end,
            weekend: days,
        })
    }

    /// True when a second of the day is outside working hours.
    #[inline]
    pub fn after_hours(&self, second: u32) -> bool {
        second < self.start || second >= self.end
    }
}

impl FromStr for WorkWeek {
    type Err = WorkWeekError;
    fn from_str(s: &str) -> Result<WorkWeek, WorkWeekError> {
        WorkWeek::parse(s, "sat,sun")
    }
}

impl fmt::Display for WorkWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 3600,
            self.start / 60 % 60,
            self.end / 3600,
            self.end / 60 % 60
        )
    }
}

/// Reply-time histogram bin of a gap in seconds.
fn bin(secs: u64) -> u32 {
    if secs < 120 {
        secs as u32
    } else if secs < 3600 {
        120 + ((secs - 120) / 10) as u32
    } else if secs < 86_400 {
        468 + ((secs - 3600) / 60) as u32
    } else {
        1848 + ((secs - 86_400) / 3600).min(u64::from(u32::MAX) - 2000) as u32
    }
}

/// The smallest gap in a bin.
fn bin_start(b: u32) -> u64 {
    let b = u64::from(b);
    if b < 120 {
        b
    } else if b < 468 {
        120 + (b - 120) * 10
    } else if b < 1848 {
        3600 + (b - 468) * 60
    } else {
        86_400 + (b - 1848) * 3600
    }
}

/// Everything known about one person.
#[derive(Clone, Debug, Default)]
pub struct PersonStats {
    /// Raw ids seen for them, with message counts.
    pub ids: FastMap<String, u64>,
    /// First message.
    pub first: Option<Instant>,
    /// Last message.
    pub last: Option<Instant>,
    days: FastSet<i64>,
    /// Messages sent.
    pub messages: u64,
    /// Characters sent.
    pub characters: u64,
    /// Messages outside working hours.
    pub after_hours: u64,
    /// Messages on weekend days.
    pub weekend: u64,
    /// Messages per local hour of day.
    pub hours: [u64; 24],
    replies: FastMap<u32, u64>,
    /// Messages sent per correspondent (recipient person, or channel).
    pub correspondents: FastMap<String, u64>,
}

impl PersonStats {
    /// Distinct local days with messages.
    pub fn active_days(&self) -> usize {
        self.days.len()
    }

    /// Replies counted.
    pub fn replies(&self) -> u64 {
        self.replies.values().sum()
    }

    /// Median reply time in seconds (see the module docs for its precision).
    pub fn median_reply_secs(&self) -> Option<u64> {
        let n = self.replies();
        if n == 0 {
            return None;
        }
        let mut bins: Vec<(u32, u64)> = self.replies.iter().map(|(b, c)| (*b, *c)).collect();
        bins.sort_unstable();
        let half = n.div_ceil(2);
        let mut seen = 0;
        for (b, c) in bins {
            seen += c;
            if seen >= half {
                return Some(bin_start(b));
            }
        }
        None
    }

    /// The hour with most messages (the earliest on ties).
    pub fn busiest_hour(&self) -> Option<usize> {
        let max = *self.hours.iter().max()?;
        (max > 0).then(|| self.hours.iter().position(|&h| h == max).unwrap_or(0))
    }

    /// Correspondents by messages, most first (ties by name).
    pub fn top_correspondents(&self, n: usize) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self
            .correspondents
            .iter()
            .map(|(k, c)| (k.as_str(), *c))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }

    fn reply(&mut self, gap_secs: u64) {
        *self.replies.entry(bin(gap_secs)).or_default() += 1;
    }

    fn merge(&mut self, o: PersonStats) {
        for (k, v) in o.ids {
            *self.ids.entry(k).or_default() += v;
        }
        self.first = match (self.first, o.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, o.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.days.extend(o.days);
        self.messages += o.messages;
        self.characters += o.characters;
        self.after_hours += o.after_hours;
        self.weekend += o.weekend;
        for (a, b) in self.hours.iter_mut().zip(o.hours) {
            *a += b;
        }
        for (k, v) in o.replies {
            *self.replies.entry(k).or_default() += v;
        }
        for (k, v) in o.correspondents {
            *self.correspondents.entry(k).or_default() += v;
        }
    }
}

#[derive(Clone, Debug)]
struct Conv {
    first: (i64, String),
    last: (i64, String),
}

/// The people accumulator.
#[derive(Clone, Debug, Default)]
pub struct People {
    work: WorkWeek,
    people: FastMap<String, PersonStats>,
    convs: FastMap<u64, Conv>,
    out_of_order: u64,
}

impl People {
    /// An empty summary with the given working week.
    pub fn new(work: WorkWeek) -> People {
        People {
            work,
            ..People::default()
        }
    }

    /// Everyone, most messages first (ties by name).
    pub fn rows(&self) -> Vec<(&str, &PersonStats)> {
        let mut v: Vec<(&str, &PersonStats)> =
            self.people.iter().map(|(k, s)| (k.as_str(), s)).collect();
        v.sort_by(|a, b| b.1.messages.cmp(&a.1.messages).then(a.0.cmp(b.0)));
        v
    }

    /// Messages that were older than the message before them in their conversation (not
    /// counted as replies).
    pub fn out_of_order(&self) -> u64 {
        self.out_of_order
    }

    fn stats(&mut self, person: &str) -> &mut PersonStats {
        if !self.people.contains_key(person) {
            self.people
                .insert(person.to_string(), PersonStats::default());
        }
        self.people.get_mut(person).expect("just inserted")
    }
}

impl Accumulator for People {
    fn observe(&mut self, o: &Observation<'_, '_>) {
        let m = o.message;
        let t = Instant::of(o);
        let work = self.work;
        let s = self.stats(o.person);
        match s.ids.get_mut(m.sender.as_ref()) {
            Some(n) => *n += 1,
            None => {
                s.ids.insert(m.sender.to_string(), 1);
            }
        }
        s.first = Some(s.first.map_or(t, |f| f.min(t)));
        s.last = Some(s.last.map_or(t, |l| l.max(t)));
        s.days.insert(o.local.days);
        s.messages += 1;
        s.characters += char_count(&m.body);
        s.after_hours += u64::from(work.after_hours(o.local.second));
        s.weekend += u64::from(work.weekend[usize::from(o.local.weekday)]);
        s.hours[o.local.hour() as usize] += 1;
        if let Some(to) = o.recipient.or(m.channel.as_deref()) {
            match s.correspondents.get_mut(to) {
                Some(n) => *n += 1,
                None => {
                    s.correspondents.insert(to.to_string(), 1);
                }
            }
        }
        // Replies.
        let key = conversation_key(m);
        let mut gap = None;
        match self.convs.get_mut(&key) {
            Some(c) => {
                if c.last.1 != o.person {
                    if t.micros >= c.last.0 {
                        gap = Some(((t.micros - c.last.0) / 1_000_000) as u64);
                    } else {
                        self.out_of_order += 1;
                    }
                    c.last = (t.micros, o.person.to_string());
                } else {
                    c.last.0 = t.micros;
                }
            }
            None => {
                let p = (t.micros, o.person.to_string());
                self.convs.insert(
                    key,
                    Conv {
                        first: p.clone(),
                        last: p,
                    },
                );
            }
        }
        if let Some(g) = gap {
            self.stats(o.person).reply(g);
        }
    }

    fn merge(&mut self, later: People) {
        for (k, s) in later.people {
            match self.people.get_mut(&k) {
                Some(mine) => mine.merge(s),
                None => {
                    self.people.insert(k, s);
                }
            }
        }
        self.out_of_order += later.out_of_order;
        // Stitch conversations across the chunk boundary, in key order for determinism.
        let mut convs: Vec<(u64, Conv)> = later.convs.into_iter().collect();
        convs.sort_unstable_by_key(|(k, _)| *k);
        for (k, c) in convs {
            let mut gap = None;
            match self.convs.get_mut(&k) {
                Some(mine) => {
                    if mine.last.1 != c.first.1 {
                        if c.first.0 >= mine.last.0 {
                            gap = Some((
                                ((c.first.0 - mine.last.0) / 1_000_000) as u64,
                                c.first.1.clone(),
                            ));
                        } else {
                            self.out_of_order += 1;
                        }
                    }
                    mine.last = c.last;
                }
                None => {
                    self.convs.insert(k, c);
                }
            }
            if let Some((g, p)) = gap {
                self.stats(&p).reply(g);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::LocalTime;
    use crate::model::{Loc, Message, Timestamp};
    use std::borrow::Cow;

    fn msg(secs: i64, from: &'static str, to: &'static str) -> Message<'static> {
        let mut m = Message::new(
            Timestamp::from_unix_seconds(secs),
            from,
            Cow::Borrowed("hi"),
            Loc::default(),
        );
        m.recipient = Some(Cow::Borrowed(to));
        m
    }

    fn feed(p: &mut People, ms: &[Message<'_>], offset: i32) {
        for m in ms {
            p.observe(&Observation {
                message: m,
                person: &m.sender,
                recipient: m.recipient.as_deref(),
                local: LocalTime::at(m.time.micros, offset),
                topics: Default::default(),
            });
        }
    }

    #[test]
    fn workday_and_weekend_parse_and_reject_nonsense() {
        let w = WorkWeek::parse("09:30-18:00", "fri,sat").unwrap();
        assert_eq!((w.start, w.end), (34_200, 64_800));
        assert_eq!(w.weekend, [false, false, false, false, true, true, false]);
        assert!(
            WorkWeek::parse("25:00-18:00", "sat")
                .unwrap_err()
                .to_string()
                .contains("25:00-18:00")
        );
        assert!(WorkWeek::parse("18:00-09:00", "sat").is_err());
        assert!(WorkWeek::parse("09:00-18:00", "caturday").is_err());
    }

    #[test]
    fn reply_times_are_gaps_to_someone_elses_previous_message() {
        // 2021-06-07 is a Monday. Base at 01:00:00Z.
        let base = 1_623_027_600;
        let ms = [
            msg(base, "a", "b"),
            msg(base + 30, "a", "b"),   // same person: no reply
            msg(base + 90, "b", "a"),   // b replies after 60 s
            msg(base + 4000, "a", "b"), // a replies after 3910 s
            msg(base + 4010, "b", "a"), // b replies after 10 s
        ];
        let mut p = People::new(WorkWeek::default());
        feed(&mut p, &ms, 0);
        let rows = p.rows();
        let a = rows.iter().find(|r| r.0 == "a").unwrap().1;
        let b = rows.iter().find(|r| r.0 == "b").unwrap().1;
        assert_eq!((a.replies(), a.median_reply_secs()), (1, Some(3900)));
        assert_eq!((b.replies(), b.median_reply_secs()), (2, Some(10)));
        // Merged from two chunks split anywhere, the answer is the same.
        for cut in 1..ms.len() {
            let mut x = People::new(WorkWeek::default());
            feed(&mut x, &ms[..cut], 0);
            let mut y = People::new(WorkWeek::default());
            feed(&mut y, &ms[cut..], 0);
            x.merge(y);
            let b2 = x.rows().into_iter().find(|r| r.0 == "b").unwrap().1.clone();
            assert_eq!(
                (b2.replies(), b2.median_reply_secs()),
                (2, Some(10)),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn after_hours_weekend_busiest_hour_and_days_use_local_time() {
        // 2021-06-05 is a Saturday. 01:00Z is 09:00 at +08:00; 12:00Z is 20:00 there.
        let sat = 1_622_854_800; // 2021-06-05T01:00:00Z
        let ms = [
            msg(sat, "a", "b"),
            msg(sat + 11 * 3600, "a", "b"),
            msg(sat + 86_400 * 2, "a", "c"),
        ];
        let mut p = People::new(WorkWeek::default());
        feed(&mut p, &ms, 8 * 3600);
        let a = p.rows()[0].1.clone();
        assert_eq!(a.messages, 3);
        assert_eq!(a.after_hours, 1);
        assert_eq!(a.weekend, 2);
        assert_eq!(a.active_days(), 2);
        assert_eq!(a.busiest_hour(), Some(9));
        assert_eq!(a.top_correspondents(3), vec![("b", 2), ("c", 1)]);
    }

    #[test]
    fn reply_bins_round_down_to_their_start() {
        for s in [
            0, 1, 119, 120, 125, 3599, 3600, 3661, 86_399, 86_400, 90_000,
        ] {
            let b = bin(s);
            assert!(bin_start(b) <= s && bin(bin_start(b)) == b, "{s}");
        }
        assert_eq!(bin_start(bin(125)), 120);
        assert_eq!(bin_start(bin(3661)), 3660);
    }
}
