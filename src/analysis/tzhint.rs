//! Time-zone evidence: under which UTC offset does a source's activity look like people's
//! daily rhythm?
//!
//! Leaked chats often write naive stamps whose zone nobody documented. People sleep at night
//! and chat by day, so the offset under which the messages' hours look like a day is a hint
//! for `--source-tz`/`--tz`.
//!
//! Each input keeps a histogram of its messages' UTC times by weekday and half hour (7 × 48
//! bins; half hours so that +05:30 is tried exactly), from `time.micros` (the UTC instant as
//! read). System rows are not counted.
//!
//! **The model.** Four daily rhythms, each a share (per mille) of a day's messages per local
//! hour, calibrated on real leaks read as UTC (the i-SOON WeChat chats at +08:00; the Conti,
//! TrickBot and Black Basta chats at +03:00):
//!
//! | local hour | 00 | 01 | 02 | 03–07 | 08 | 09 | 10 | 11 | 12 | 13 | 14–17 | 18 | 19–21 | 22 | 23 |
//! |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
//! | long day (09–22, lunch dip) | 10 | 3 | 2 | 2,2,2,2,5 | 20 | 55 | 80 | 90 | 75 | 50 | 85,85,90,85 | 60 | 50,50,45 | 30 | 22 |
//! | late crew (10–02) | 35 | 18 | 8 | 3,2,2,2,2 | 3 | 10 | 35 | 60 | 70 | 72 | 72,78,82,82 | 77 | 77,72,62 | 45 | 31 |
//! | night crew (13–06) | 56 | 39 | 43 | 39,37,35,20,10 | 6 | 8 | 12 | 28 | 27 | 38 | 35,38,49,62 | 75 | 67,65,74 | 75 | 62 |
//! | office (09–17) | 2 | 2 | 2 | 2,2,2,2,12 | 31 | 98 | 117 | 108 | 60 | 98 | 116,108,98,60 | 31 | 21,12,12 | 2 | 2 |
//!
//! The *long day* is the Chinese tech office: 09:00 to 22:00 with a dip at 13:00 (lunch and
//! nap) and at 18:00 (dinner). The *late crew* is the Russian-speaking ransomware crews: a
//! start near 10:00, the busiest hours in the afternoon and evening, and a tail past
//! midnight. The *night crew* is the Conti crew on its own Rocket.Chat server (read at
//! +03:00): up near noon, busiest in the evening, writing until dawn, quietest at 08:00;
//! without it those 88,000 messages fitted a late crew at −00:30, confidently wrong. Its
//! shape is taken from those rooms, so the +03:00 they now give is by construction, not a
//! test. The *office* is a 09:00–17:00 working day with lunch at noon (without it, a
//! US office read as a long day an hour too far east, with confidence). All share the
//! strongest signal: a night trough of a few messages per mille.
//!
//! For every offset from −12:00 to +14:00 in 30-minute steps, each message scores the log
//! of how much likelier its local hour is under a rhythm than under no rhythm
//! (`ln(24 · share)`: +0.77 at 11:00 on a long day, −3.0 at 04:00), and the offset scores
//! the mean over the messages under the rhythm that fits it best, less ½ × the share of
//! messages that fall on a local Saturday or Sunday (**weekends**: where a crew keeps a
//! working week, an offset that pushes Friday evening or Monday morning into the weekend
//! fits worse; a week with no weekend lull scores the same everywhere). The best offset wins
//! (ties: nearest UTC, then the eastern one).
//!
//! **Honest confidence.** Real crews differ from these rhythms by an hour or two (Black
//! Basta starts and stops later than TrickBot), so offsets that score within
//! [`TOLERANCE`] (0.03, or 3 standard errors of the mean when that is more; the standard
//! error counts a [`BURST`] of 10 messages as one observation) of the best
//! cannot be told apart: the hint gives the **range** they span (within 12 h of the best).
//! Labels: `high` when that range is at most 1 h wide and there are at least 1,000
//! messages, `medium` when it is at most 3 h wide, else `low`. Below [`MIN_MESSAGES`]
//! messages there is no hint at all ("too few messages").
//!
//! Measured on the real leaks (stamps read as UTC): i-SOON +08:00 (range +07:30 to +10:00),
//! Conti Jabber +03:00 (+01:00 to +03:30), Black Basta +03:00 (+00:30 to +03:30), TrickBot
//! +01:30 (+01:00 to +04:00), Conti Rocket.Chat +03:00 (+02:00 to +03:30).
//!
//! A single file's hint ([`HourHistogram::file_hint`]) is never `high`: one conversation
//! keeps one person's hours, not a crew's.

use super::{Accumulator, Observation};
use crate::model::{FileId, Kind};
use std::collections::BTreeMap;

/// Half-hour bins in a day.
pub const BINS: usize = 48;

/// Days in a week.
const DAYS: usize = 7;

/// Fewer messages than this give no hint ("too few messages"). Single i-SOON chat files of
/// 300–900 messages (one pair of people) still fitted offsets one to five hours off +08:00.
pub const MIN_MESSAGES: u64 = 1000;

/// Offsets scoring within this much (mean log-likelihood per message) of the best cannot be
/// told apart; see the module docs.
pub const TOLERANCE: f64 = 0.03;

/// Chat messages come in bursts, not one by one: the standard error counts this many
/// messages as one observation.
pub const BURST: f64 = 10.0;

/// Weight of the local weekend share in an offset's score.
const WEEKEND_WEIGHT: f64 = 0.5;

/// A daily rhythm: its name and its share of a day's messages per local hour, per mille.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rhythm {
    /// Short name, as shown in hints.
    pub name: &'static str,
    /// Per mille of a day's messages per local hour 00..24 (sums to 1,000).
    pub per_mille: [u16; 24],
}

/// The rhythms the hint tries (see the module docs).
pub const RHYTHMS: [Rhythm; 4] = [
    Rhythm {
        name: "long day 09–22 with lunch dip",
        per_mille: [
            10, 3, 2, 2, 2, 2, 2, 5, 20, 55, 80, 90, 75, 50, 85, 85, 90, 85, 60, 50, 50, 45, 30, 22,
        ],
    },
    Rhythm {
        name: "late crew 10–02",
        per_mille: [
            35, 18, 8, 3, 2, 2, 2, 2, 3, 10, 35, 60, 70, 72, 72, 78, 82, 82, 77, 77, 72, 62, 45, 31,
        ],
    },
    Rhythm {
        name: "night crew 13–06",
        per_mille: [
            56, 39, 43, 39, 37, 35, 20, 10, 6, 8, 12, 28, 27, 38, 35, 38, 49, 62, 75, 67, 65, 74,
            75, 62,
        ],
    },
    Rhythm {
        name: "office 09–17",
        per_mille: [
            2, 2, 2, 2, 2, 2, 2, 12, 31, 98, 117, 108, 60, 98, 116, 108, 98, 60, 31, 21, 12, 12, 2,
            2,
        ],
    },
];

/// Offsets tried, in half hours: −12:00 … +14:00.
const MIN_HALF_HOURS: i32 = -24;
const MAX_HALF_HOURS: i32 = 28;

/// Messages per UTC weekday and half hour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HourHistogram {
    /// `bins[day * 48 + half_hour]`, day 0 = Monday (UTC).
    bins: [u64; DAYS * BINS],
}

impl Default for HourHistogram {
    fn default() -> HourHistogram {
        HourHistogram {
            bins: [0; DAYS * BINS],
        }
    }
}

/// The offset under which a source looks most like a daily rhythm, and how far that can be
/// trusted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZoneHint {
    /// The best offset, seconds east of UTC (a multiple of 1,800).
    pub offset_secs: i32,
    /// The westernmost offset that fits about as well (see the module docs), seconds.
    pub low_secs: i32,
    /// The easternmost offset that fits about as well, seconds.
    pub high_secs: i32,
    /// The rhythm that fits the best offset.
    pub rhythm: &'static str,
    /// Best score less the best score outside the range (mean log-likelihood per message).
    pub margin: f64,
    /// Share of the messages on a local Saturday or Sunday at the best offset (0 to 1).
    pub weekend_share: f64,
    /// Messages counted.
    pub messages: u64,
    /// `high`, `medium` or `low`.
    pub label: &'static str,
}

impl ZoneHint {
    /// The best offset as `+08:00` / `-05:30`.
    pub fn offset(&self) -> String {
        format_offset(self.offset_secs)
    }

    /// The range as `+02:00 to +04:00`, or the one offset when the range is one offset.
    pub fn range(&self) -> String {
        if self.low_secs == self.high_secs {
            format_offset(self.low_secs)
        } else {
            format!(
                "{} to {}",
                format_offset(self.low_secs),
                format_offset(self.high_secs)
            )
        }
    }

    /// Whether the range holds `secs`.
    pub fn holds(&self, secs: i32) -> bool {
        (self.low_secs..=self.high_secs).contains(&secs)
    }

    /// One line for people: `+08:00 (fits +07:30 to +10:00; long day …; confidence medium)`.
    pub fn describe(&self) -> String {
        format!(
            "{} (fits {}; rhythm: {}; {:.0}% of messages on weekends; confidence {})",
            self.offset(),
            self.range(),
            self.rhythm,
            self.weekend_share * 100.0,
            self.label
        )
    }
}

/// `+08:00` / `-05:30` for an offset in seconds.
pub fn format_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 3600, a / 60 % 60)
}

/// The label of a range `width_secs` wide from `messages` messages.
pub fn label(width_secs: i32, messages: u64) -> &'static str {
    if width_secs <= 3600 && messages >= 1000 {
        "high"
    } else if width_secs <= 3 * 3600 {
        "medium"
    } else {
        "low"
    }
}

/// One offset's score.
#[derive(Clone, Copy)]
struct Fit {
    score: f64,
    /// Mean squared per-message term, for the standard error.
    square: f64,
    rhythm: usize,
    weekend: f64,
}

impl HourHistogram {
    /// An empty histogram.
    pub fn new() -> HourHistogram {
        HourHistogram::default()
    }

    /// A histogram from messages per UTC hour, all on a Wednesday (so that no offset moves
    /// them into a weekend); each hour's count is split over its two half hours, the odd one
    /// in the first.
    pub fn from_hours(hours: [u64; 24]) -> HourHistogram {
        let mut h = HourHistogram::new();
        for (i, n) in hours.into_iter().enumerate() {
            h.bins[2 * BINS + 2 * i] = n - n / 2;
            h.bins[2 * BINS + 2 * i + 1] = n / 2;
        }
        h
    }

    /// Counts a message sent at `micros` (UTC µs since the epoch).
    #[inline]
    pub fn add(&mut self, micros: i64) {
        let secs = micros.div_euclid(1_000_000);
        let sec = secs.rem_euclid(86_400);
        // 1970-01-01 was a Thursday: Monday-based weekday 3.
        let day = (secs.div_euclid(86_400) + 3).rem_euclid(DAYS as i64) as usize;
        // 0..=47 by construction.
        let bin = day * BINS + (sec / 1800) as usize % BINS;
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
            h[i % BINS / 2] = h[i % BINS / 2].saturating_add(*n);
        }
        h
    }

    /// Whether there are messages, but fewer than [`MIN_MESSAGES`].
    pub fn too_few(&self) -> bool {
        (1..MIN_MESSAGES).contains(&self.total())
    }

    /// The fit of the offset of `half_hours`.
    fn fit(&self, half_hours: i32, logs: &[[f64; 24]; RHYTHMS.len()]) -> Fit {
        let n = self.total() as f64;
        let mut local = [0u64; BINS];
        let mut weekend = 0u64;
        for (b, &c) in self.bins.iter().enumerate() {
            if c == 0 {
                continue;
            }
            // Local half hour of the week (wrapping), then its weekday.
            let lb = (b as i32 + half_hours).rem_euclid((DAYS * BINS) as i32) as usize;
            local[lb % BINS] += c;
            if lb / BINS >= 5 {
                weekend += c;
            }
        }
        let mut best: Option<Fit> = None;
        for (r, log) in logs.iter().enumerate() {
            let (mut s, mut sq) = (0.0, 0.0);
            for (hb, &c) in local.iter().enumerate() {
                let w = log[hb / 2];
                s += c as f64 * w;
                sq += c as f64 * w * w;
            }
            let fit = Fit {
                score: s / n - WEEKEND_WEIGHT * weekend as f64 / n,
                square: sq / n,
                rhythm: r,
                weekend: weekend as f64 / n,
            };
            if best.is_none_or(|b| fit.score > b.score) {
                best = Some(fit);
            }
        }
        // RHYTHMS is not empty.
        best.unwrap_or(Fit {
            score: 0.0,
            square: 0.0,
            rhythm: 0,
            weekend: 0.0,
        })
    }

    /// The hint for one file's messages: as [`HourHistogram::hint`], but never `high`. A file
    /// is often one conversation or one person, whose hours a crew's rhythm does not
    /// describe: on the real TrickBot and Black Basta logs, single files of 1,000 and more
    /// messages fitted an office day three to seven hours west of Moscow within an hour's
    /// range. Only the whole input's hint can be `high`.
    pub fn file_hint(&self) -> Option<ZoneHint> {
        self.hint().map(|mut h| {
            if h.label == "high" {
                h.label = "medium";
            }
            h
        })
    }

    /// The offset under which the histogram looks most like a daily rhythm, with the range
    /// of offsets that fit about as well; None without at least [`MIN_MESSAGES`] messages.
    pub fn hint(&self) -> Option<ZoneHint> {
        let n = self.total();
        if n < MIN_MESSAGES {
            return None;
        }
        let logs: [[f64; 24]; RHYTHMS.len()] = RHYTHMS.map(|r| {
            r.per_mille
                .map(|p| (24.0 * f64::from(p.max(1)) / 1000.0).ln())
        });
        let fits: Vec<(i32, Fit)> = (MIN_HALF_HOURS..=MAX_HALF_HOURS)
            .map(|k| (k, self.fit(k, &logs)))
            .collect();
        let mut best = fits[0];
        for &(k, f) in &fits[1..] {
            let (bk, bf) = best;
            let better = f.score > bf.score
                || (f.score == bf.score && (k.abs() < bk.abs() || (k.abs() == bk.abs() && k > bk)));
            if better {
                best = (k, f);
            }
        }
        let (k, f) = best;
        let se = ((f.square - (f.score + WEEKEND_WEIGHT * f.weekend).powi(2)).max(0.0) / n as f64)
            .sqrt();
        let tol = TOLERANCE.max(3.0 * se);
        let near = |j: i32| (j - k).abs() <= 24;
        let within: Vec<i32> = fits
            .iter()
            .filter(|(j, g)| near(*j) && g.score >= f.score - tol)
            .map(|(j, _)| *j)
            .collect();
        let lo = within.iter().copied().min().unwrap_or(k);
        let hi = within.iter().copied().max().unwrap_or(k);
        let next = fits
            .iter()
            .filter(|(j, _)| *j < lo || *j > hi)
            .map(|(_, g)| g.score)
            .fold(f64::NEG_INFINITY, f64::max);
        let margin = if next.is_finite() {
            f.score - next
        } else {
            0.0
        };
        // Another cluster as good as the best (more than 12 h away): the data cannot say.
        let rival = fits
            .iter()
            .any(|(j, g)| !near(*j) && g.score >= f.score - tol && (j - k).rem_euclid(48) != 0);
        let width = (hi - lo) * 1800;
        Some(ZoneHint {
            offset_secs: k * 1800,
            low_secs: lo * 1800,
            high_secs: hi * 1800,
            rhythm: RHYTHMS[f.rhythm].name,
            margin,
            weekend_share: f.weekend,
            messages: n,
            label: if rival { "low" } else { label(width, n) },
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

    /// The hint for one file, if it had messages (see [`HourHistogram::file_hint`]).
    pub fn hint(&self, file: FileId) -> Option<ZoneHint> {
        self.files.get(&file).and_then(HourHistogram::file_hint)
    }

    /// All files' messages in one histogram: the hint for the whole input.
    pub fn total(&self) -> HourHistogram {
        let mut all = HourHistogram::new();
        for h in self.files.values() {
            all.merge(h);
        }
        all
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

    const HOUR: i64 = 3_600_000_000;
    /// 2024-01-01, a Monday, 00:00 UTC, in µs.
    const MONDAY: i64 = 1_704_067_200_000_000;

    /// Four generated weeks: `day[h]` messages in each local hour `h` on a weekday (on
    /// weekends scaled by `weekend` percent), spread over the hour, for a crew at `offset`
    /// hours east of UTC.
    fn weeks(day: [u64; 24], weekend: u64, offset: f64) -> HourHistogram {
        let mut h = HourHistogram::new();
        let shift = (offset * HOUR as f64) as i64;
        for d in 0..28i64 {
            let scale = if d % 7 >= 5 { weekend } else { 100 };
            for (hour, &n) in day.iter().enumerate() {
                let n = n * scale / 100;
                for i in 0..n as i64 {
                    let local = MONDAY + d * 24 * HOUR + hour as i64 * HOUR + i * HOUR / (n as i64);
                    h.add(local - shift);
                }
            }
        }
        h
    }

    /// Beijing tech office: 09:00–22:00, quiet at 12–14 (lunch and nap) and 18 (dinner).
    const BEIJING: [u64; 24] = [
        1, 0, 0, 0, 0, 0, 0, 0, 2, 8, 10, 10, 4, 3, 10, 10, 10, 9, 5, 7, 7, 6, 4, 2,
    ];
    /// Moscow crew: starts near 10:00, busiest in the evening, writes past midnight.
    const MOSCOW: [u64; 24] = [
        4, 2, 1, 0, 0, 0, 0, 0, 0, 1, 3, 6, 7, 7, 8, 8, 9, 9, 8, 8, 7, 6, 6, 5,
    ];
    /// Night crew: up near noon, busiest 17:00–23:00, writing until dawn.
    const NIGHT: [u64; 24] = [
        5, 4, 4, 4, 3, 3, 2, 1, 0, 0, 1, 2, 3, 4, 4, 4, 5, 6, 7, 7, 7, 7, 7, 6,
    ];
    /// US office, 09:00–17:00 with lunch at noon.
    const US_OFFICE: [u64; 24] = [
        0, 0, 0, 0, 0, 0, 0, 0, 2, 10, 12, 11, 5, 10, 12, 11, 8, 2, 1, 0, 0, 0, 0, 0,
    ];

    #[test]
    fn beijing_long_day_with_lunch_dip_says_plus_eight() {
        let hint = weeks(BEIJING, 30, 8.0).hint().unwrap();
        assert_eq!(hint.offset(), "+08:00", "{hint:?}");
        assert!(hint.holds(8 * 3600), "{hint:?}");
        assert!(hint.rhythm.starts_with("long day"), "{hint:?}");
        assert_ne!(hint.label, "low", "{hint:?}");
    }

    #[test]
    fn moscow_late_night_crew_gives_a_range_holding_plus_three() {
        let hint = weeks(MOSCOW, 30, 3.0).hint().unwrap();
        assert!(hint.holds(3 * 3600), "{hint:?}");
        assert!(hint.high_secs - hint.low_secs <= 3 * 3600, "{hint:?}");
        // The same crew four hours west is not mistaken for Moscow.
        let west = weeks(MOSCOW, 30, -1.0).hint().unwrap();
        assert!(west.holds(-3600) && !west.holds(3 * 3600), "{west:?}");
    }

    #[test]
    fn night_crew_awake_until_dawn_gives_a_range_holding_its_zone() {
        let hint = weeks(NIGHT, 40, 3.0).hint().unwrap();
        assert!(hint.holds(3 * 3600), "{hint:?}");
        assert!(hint.rhythm.starts_with("night crew"), "{hint:?}");
        // Read as a day crew it would land five hours west; it must not.
        assert!(!hint.holds(-2 * 3600), "{hint:?}");
    }

    #[test]
    fn us_nine_to_five_office_gives_a_range_holding_minus_five() {
        let hint = weeks(US_OFFICE, 10, -5.0).hint().unwrap();
        assert!(hint.holds(-5 * 3600), "{hint:?}");
        assert!(!hint.holds(-8 * 3600) && !hint.holds(-2 * 3600), "{hint:?}");
    }

    #[test]
    fn weekend_light_week_is_read_right_and_its_weekend_share_shown() {
        let light = weeks(BEIJING, 5, 8.0).hint().unwrap();
        assert_eq!(light.offset(), "+08:00", "{light:?}");
        // 2 weekend days at 5% against 5 weekdays: about 2%.
        assert!(light.weekend_share < 0.03, "{light:?}");
        let busy = weeks(BEIJING, 100, 8.0).hint().unwrap();
        assert!((busy.weekend_share - 2.0 / 7.0).abs() < 0.01, "{busy:?}");
    }

    #[test]
    fn weekend_lull_moves_the_hint_away_from_a_wrong_weekday_boundary() {
        // A crew at +08:00 that works every weekday hour but never on weekends: only the
        // weekend can place it, and it does.
        let h = weeks([5; 24], 0, 8.0);
        let hint = h.hint().unwrap();
        assert!(hint.weekend_share < 0.01, "{hint:?}");
        assert_eq!(hint.offset(), "+08:00", "{hint:?}");
    }

    #[test]
    fn too_few_messages_give_no_hint() {
        let mut h = HourHistogram::new();
        for i in 0..(MIN_MESSAGES - 1) as i64 {
            h.add(MONDAY + 2 * HOUR + i * 1_000_000);
        }
        assert!(h.too_few());
        assert_eq!(h.hint(), None);
        h.add(MONDAY + 3 * HOUR);
        assert!(!h.too_few());
        assert!(h.hint().is_some());
    }

    #[test]
    fn flat_activity_is_never_high() {
        let hint = weeks([10; 24], 100, 0.0).hint().unwrap();
        assert_eq!(hint.label, "low", "{hint:?}");
        let flat = HourHistogram::from_hours([500; 24]).hint().unwrap();
        assert_eq!(flat.label, "low", "{flat:?}");
    }

    #[test]
    fn high_needs_a_narrow_range_and_many_messages() {
        assert_eq!(label(3600, 1000), "high");
        assert_eq!(label(3600, 999), "medium");
        assert_eq!(label(5400, 50_000), "medium");
        assert_eq!(label(3 * 3600 + 1800, 50_000), "low");
        for h in [weeks(BEIJING, 30, 8.0), weeks(MOSCOW, 30, 3.0)] {
            let hint = h.hint().unwrap();
            if hint.label == "high" {
                assert!(hint.high_secs - hint.low_secs <= 3600, "{hint:?}");
                assert!(hint.margin >= TOLERANCE, "{hint:?}");
            }
        }
    }

    #[test]
    fn half_hour_zones_are_tried() {
        let hint = weeks(BEIJING, 30, 5.5).hint().unwrap();
        assert_eq!(hint.offset(), "+05:30", "{hint:?}");
    }

    #[test]
    fn rhythms_are_shares_per_mille() {
        for r in RHYTHMS {
            assert_eq!(r.per_mille.iter().map(|&p| u32::from(p)).sum::<u32>(), 1000);
        }
    }

    #[test]
    fn no_messages_give_no_hint() {
        assert_eq!(HourHistogram::new().hint(), None);
        assert!(!HourHistogram::new().too_few());
    }

    #[test]
    fn ranges_and_offsets_are_written_for_people() {
        let h = ZoneHint {
            offset_secs: 3 * 3600,
            low_secs: 3600,
            high_secs: 3 * 3600 + 1800,
            rhythm: "late crew 10–02",
            margin: 0.04,
            weekend_share: 0.07,
            messages: 5000,
            label: "medium",
        };
        assert_eq!(h.range(), "+01:00 to +03:30");
        assert_eq!(format_offset(-19_800), "-05:30");
        assert!(h.describe().starts_with("+03:00 (fits +01:00 to +03:30;"));
    }

    #[test]
    fn utc_bins_come_from_the_instant_and_negative_times_wrap() {
        let mut h = HourHistogram::new();
        h.add(1_622_596_509_000_000); // 2021-06-02T01:15:09Z, a Wednesday
        h.add(-1); // 1969-12-31T23:59:59.999999Z, a Wednesday
        let hours = h.hours();
        assert_eq!((hours[1], hours[23], h.total()), (1, 1, 2));
        assert_eq!(h.bins[2 * BINS + 2] + h.bins[2 * BINS + 47], 2);
    }

    #[test]
    fn evidence_merges_per_file_and_in_total() {
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
        assert_eq!(a.total().total(), 3);
    }
}
