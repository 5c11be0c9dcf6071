//! Time-zone evidence: under which UTC offset does a source's activity look like a working
//! day?
//!
//! Leaked chats often write naive stamps whose zone nobody documented. People chat at work,
//! so the offset under which the hour-of-day profile best matches a working day is a good
//! hint for `--source-tz`/`--tz` (the i-SOON chats, read as UTC, peak at 01:00–10:00: a
//! Beijing working day, +08:00).
//!
//! Each source keeps a histogram of its messages' UTC times in 48 half-hour bins (half
//! hours, so that offsets like +05:30 are tried exactly), taken from `time.micros` (the UTC
//! instant as read), not from the local time. System rows (joins, server notices) are not
//! counted. For every offset from −12:00 to +14:00 in 30-minute steps, the messages are
//! shifted to that offset's local hours and scored with this **working-day profile**
//! (weight per local hour):
//!
//! | local hours | weight | why |
//! |---|---|---|
//! | 00–06 | −1 | asleep: activity here argues against the offset |
//! | 06–08 | 0 | early, neutral |
//! | 08–09 | ¾ | arriving (many offices start at 08:30) |
//! | 09–12 | 1 | working |
//! | 12–13 | ½ | lunch |
//! | 13–18 | 1 | working |
//! | 18–20 | ¼ | overtime |
//! | 20–24 | 0 | evening, neutral |
//!
//! (With ½ for both 08 and 18–20, a group chat that starts its day at 08:00 sharp reads an
//! hour too far east: the demo's i-SOON room `3.md` gave +09:00 instead of +08:00. Arriving
//! early is more common in office chats than staying late, hence ¾ and ¼.)
//!
//! The score is the mean weight of the messages (−1 to 1); the best offset wins (ties: the
//! one nearest UTC, then the eastern one). **Confidence** (0 to 1) is the product of
//! - the sample size: `1 − exp(−n / 40)` (5 messages give 0.12, 100 give 0.92), and
//! - the margin over the offsets ±4 h away: `min(1, (best − max(score at ±4 h)) / 0.25)`; a
//!   flat histogram scores the same everywhere and gets 0.
//!
//! Labels: `high` from 0.7, `medium` from 0.4, else `low`. The hint also reports the share
//! of messages that fall 09:00–18:00 at the chosen offset.

use super::{Accumulator, Observation};
use crate::model::{FileId, Kind};
use std::collections::BTreeMap;

/// Half-hour bins in a day.
pub const BINS: usize = 48;

/// Weight of each local hour, in quarters (−4 = −1, 3 = ¾, 4 = 1): see the module docs.
const WEIGHT4: [i64; 24] = [
    -4, -4, -4, -4, -4, -4, // 00–06
    0, 0, // 06–08
    3, // 08
    4, 4, 4, // 09–12
    2, // 12
    4, 4, 4, 4, 4, // 13–18
    1, 1, // 18–20
    0, 0, 0, 0, // 20–24
];

/// Offsets tried, in half hours: −12:00 … +14:00.
const MIN_HALF_HOURS: i32 = -24;
const MAX_HALF_HOURS: i32 = 28;

/// Half hours in the ±4 h comparison.
const MARGIN_HALF_HOURS: i32 = 8;

/// A margin of this much mean weight (or more) over the offsets ±4 h away is full confidence.
const FULL_MARGIN: f64 = 0.25;

/// Messages at which the sample-size factor reaches 1 − 1/e.
const SAMPLE_SCALE: f64 = 40.0;

/// Messages per UTC half hour of the day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HourHistogram {
    bins: [u64; BINS],
}

impl Default for HourHistogram {
    fn default() -> HourHistogram {
        HourHistogram { bins: [0; BINS] }
    }
}

/// The offset under which a source looks most like a working day.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZoneHint {
    /// The offset, seconds east of UTC (a multiple of 1,800).
    pub offset_secs: i32,
    /// Share of the messages that fall 09:00–18:00 at that offset (0 to 1).
    pub share: f64,
    /// How sure the hint is (0 to 1): sample size times margin (see the module docs).
    pub confidence: f64,
    /// `high`, `medium` or `low`.
    pub label: &'static str,
}

impl ZoneHint {
    /// The offset as `+08:00` / `-05:30`.
    pub fn offset(&self) -> String {
        format_offset(self.offset_secs)
    }
}

/// `+08:00` / `-05:30` for an offset in seconds.
pub fn format_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 3600, a / 60 % 60)
}

/// The label of a confidence value.
pub fn label(confidence: f64) -> &'static str {
    if confidence >= 0.7 {
        "high"
    } else if confidence >= 0.4 {
        "medium"
    } else {
        "low"
    }
}

impl HourHistogram {
    /// An empty histogram.
    pub fn new() -> HourHistogram {
        HourHistogram::default()
    }

    /// A histogram from messages per UTC hour (each hour's count split over its two half
    /// hours, the odd one in the first).
    pub fn from_hours(hours: [u64; 24]) -> HourHistogram {
        let mut h = HourHistogram::new();
        for (i, n) in hours.into_iter().enumerate() {
            h.bins[2 * i] = n - n / 2;
            h.bins[2 * i + 1] = n / 2;
        }
        h
    }

    /// Counts a message sent at `micros` (UTC µs since the epoch).
    #[inline]
    pub fn add(&mut self, micros: i64) {
        let sec = micros.div_euclid(1_000_000).rem_euclid(86_400);
        // 0..=47 by construction.
        let bin = (sec / 1800) as usize % BINS;
        self.bins[bin] = self.bins[bin].saturating_add(1);
    }

    /// Adds another histogram.
    pub fn merge(&mut self, other: &HourHistogram) {
        for (a, b) in self.bins.iter_mut().zip(other.bins) {
            *a = a.saturating_add(b);
        }
    }

    /// Messages counted.
    pub fn total(&self) -> u64 {
        self.bins.iter().fold(0u64, |a, b| a.saturating_add(*b))
    }

    /// Messages per UTC hour.
    pub fn hours(&self) -> [u64; 24] {
        let mut h = [0u64; 24];
        for (i, n) in self.bins.iter().enumerate() {
            h[i / 2] = h[i / 2].saturating_add(*n);
        }
        h
    }

    /// The working-day score at an offset of `half_hours`, in quarter weights (sum over the
    /// messages of four times their weight).
    fn score4(&self, half_hours: i32) -> i128 {
        let mut s: i128 = 0;
        for (b, &n) in self.bins.iter().enumerate() {
            let local = (b as i32 + half_hours).rem_euclid(BINS as i32) as usize;
            s += i128::from(n) * i128::from(WEIGHT4[local / 2]);
        }
        s
    }

    /// Messages that fall 09:00–18:00 local at an offset of `half_hours`.
    fn in_office(&self, half_hours: i32) -> u64 {
        let mut n = 0u64;
        for (b, &c) in self.bins.iter().enumerate() {
            let local = (b as i32 + half_hours).rem_euclid(BINS as i32);
            if (18..36).contains(&local) {
                n = n.saturating_add(c);
            }
        }
        n
    }

    /// The offset under which the histogram looks most like a working day, or None without
    /// messages.
    pub fn hint(&self) -> Option<ZoneHint> {
        let n = self.total();
        if n == 0 {
            return None;
        }
        let mut best = (i128::MIN, 0i32);
        for k in MIN_HALF_HOURS..=MAX_HALF_HOURS {
            let s = self.score4(k);
            let better = s > best.0
                || (s == best.0
                    && (k.abs() < best.1.abs() || (k.abs() == best.1.abs() && k > best.1)));
            if better {
                best = (s, k);
            }
        }
        let (s, k) = best;
        let mean = |s4: i128| s4 as f64 / (4.0 * n as f64);
        let alt = self
            .score4(k + MARGIN_HALF_HOURS)
            .max(self.score4(k - MARGIN_HALF_HOURS));
        let margin = (mean(s) - mean(alt)).max(0.0);
        let size = 1.0 - (-(n as f64) / SAMPLE_SCALE).exp();
        let confidence = (size * (margin / FULL_MARGIN).min(1.0)).clamp(0.0, 1.0);
        Some(ZoneHint {
            offset_secs: k * 1800,
            share: self.in_office(k) as f64 / n as f64,
            confidence,
            label: label(confidence),
        })
    }
}

/// Time-zone evidence per input file: an [`Accumulator`] of one [`HourHistogram`] per file
/// id (`message.loc.file`; re-imported messages count towards the file they were read from).
#[derive(Clone, Debug, Default)]
pub struct ZoneEvidence {
    files: BTreeMap<FileId, HourHistogram>,
}

impl ZoneEvidence {
    /// No evidence yet.
    pub fn new() -> ZoneEvidence {
        ZoneEvidence::default()
    }

    /// The histogram of one file, if it had messages.
    pub fn file(&self, file: FileId) -> Option<&HourHistogram> {
        self.files.get(&file)
    }

    /// The hint for one file, if it had messages.
    pub fn hint(&self, file: FileId) -> Option<ZoneHint> {
        self.files.get(&file).and_then(HourHistogram::hint)
    }

    /// Every file with messages and its histogram, by file id.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &HourHistogram)> {
        self.files.iter().map(|(k, v)| (*k, v))
    }
}

impl Accumulator for ZoneEvidence {
    fn observe(&mut self, o: &Observation<'_, '_>) {
        if o.message.kind == Kind::System {
            return;
        }
        self.files
            .entry(o.message.loc.file)
            .or_default()
            .add(o.message.time.micros);
    }

    fn merge(&mut self, later: ZoneEvidence) {
        for (f, h) in later.files {
            self.files.entry(f).or_default().merge(&h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A working day at `offset` hours: busy 09–18 local, some 08 and 18–20, a trickle at
    /// night, scaled by `k`.
    fn working_day(offset: i32, k: u64) -> [u64; 24] {
        let local = [
            0, 0, 0, 0, 0, 0, 0, 1, 3, 10, 12, 11, 5, 10, 12, 11, 10, 8, 4, 2, 1, 1, 0, 0,
        ];
        let mut utc = [0u64; 24];
        for (h, n) in local.iter().enumerate() {
            let u = (h as i32 - offset).rem_euclid(24) as usize;
            utc[u] = n * k;
        }
        utc
    }

    #[test]
    fn isoon_like_activity_peaking_01_to_10_utc_hints_plus_eight() {
        // As the i-SOON leak reads in UTC: busy 01:00–10:00, nearly empty 16:00–22:00.
        let mut hours = [0u64; 24];
        for (h, n) in hours.iter_mut().enumerate().take(10).skip(1) {
            *n = if h == 4 { 20 } else { 40 };
        }
        hours[0] = 8;
        hours[10] = 10;
        hours[12] = 3;
        hours[15] = 1;
        let hint = HourHistogram::from_hours(hours).hint().unwrap();
        assert_eq!(hint.offset(), "+08:00");
        assert_eq!(hint.label, "high");
        // 09:00–18:00 at +08:00 is 01:00–10:00 UTC: 8 × 40 + 20 = 340 of 362.
        assert!((hint.share - 340.0 / 362.0).abs() < 1e-9, "{hint:?}");
    }

    #[test]
    fn moscow_working_day_hints_plus_three() {
        let hint = HourHistogram::from_hours(working_day(3, 4)).hint().unwrap();
        assert_eq!(hint.offset_secs, 3 * 3600);
        assert_eq!(hint.label, "high");
        let hint = HourHistogram::from_hours(working_day(-5, 4))
            .hint()
            .unwrap();
        assert_eq!(hint.offset(), "-05:00");
    }

    #[test]
    fn half_hour_zones_are_found_exactly() {
        // India (+05:30): a working day 09:00–18:00 local is 03:30–12:30 UTC.
        let mut h = HourHistogram::new();
        let day = 19_000i64 * 86_400;
        for minute in (3 * 60 + 30..12 * 60 + 30).step_by(5) {
            h.add((day + minute * 60) * 1_000_000);
        }
        assert_eq!(h.hint().unwrap().offset(), "+05:30");
    }

    #[test]
    fn flat_activity_gives_low_confidence() {
        let hint = HourHistogram::from_hours([50; 24]).hint().unwrap();
        assert_eq!(hint.confidence, 0.0);
        assert_eq!(hint.label, "low");
        // Ties go to the offset nearest UTC.
        assert_eq!(hint.offset_secs, 0);
    }

    #[test]
    fn five_messages_give_low_confidence_even_when_they_fit() {
        let mut hours = [0u64; 24];
        hours[2] = 5;
        let hint = HourHistogram::from_hours(hours).hint().unwrap();
        assert_eq!(hint.label, "low");
        assert!(hint.confidence < 0.2, "{hint:?}");
    }

    #[test]
    fn no_messages_give_no_hint() {
        assert_eq!(HourHistogram::new().hint(), None);
    }

    #[test]
    fn utc_bins_come_from_the_instant_and_negative_times_wrap() {
        let mut h = HourHistogram::new();
        h.add(1_622_596_509_000_000); // 2021-06-02T01:15:09Z
        h.add(-1); // 1969-12-31T23:59:59.999999Z
        let hours = h.hours();
        assert_eq!((hours[1], hours[23], h.total()), (1, 1, 2));
    }

    #[test]
    fn evidence_merges_per_file() {
        use crate::analysis::LocalTime;
        use crate::model::{Loc, Message, Timestamp};
        let msg = |file: u32, micros: i64, kind: Kind| {
            let mut m = Message::new(
                Timestamp {
                    micros,
                    offset: None,
                    frac_digits: 0,
                },
                "x",
                "".into(),
                Loc {
                    file,
                    line: 1,
                    offset: 0,
                },
            );
            m.kind = kind;
            m
        };
        let observe = |acc: &mut ZoneEvidence, m: Message<'_>| {
            acc.observe(&Observation {
                message: &m,
                person: "x",
                recipient: None,
                local: LocalTime::at(m.time.micros, 0),
                topics: Default::default(),
            });
        };
        let mut a = ZoneEvidence::new();
        let mut b = ZoneEvidence::new();
        observe(&mut a, msg(0, 3_600_000_000, Kind::Message));
        observe(&mut a, msg(1, 0, Kind::System));
        observe(&mut b, msg(0, 3_700_000_000, Kind::Message));
        observe(&mut b, msg(1, 7_200_000_000, Kind::Message));
        a.merge(b);
        assert_eq!(a.file(0).unwrap().hours()[1], 2);
        assert_eq!(a.file(1).unwrap().total(), 1);
        assert_eq!(a.file(1).unwrap().hours()[2], 1);
        assert!(a.file(2).is_none());
    }
}
