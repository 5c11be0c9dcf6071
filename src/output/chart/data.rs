//! Preparing chart data: cleaning (repeated days summed, non-finite values and impossible dates
//! dropped), capping (lines, lanes, bars, years) and aggregating long spans into longer buckets,
//! with a note for everything left out or changed.

use super::{MAX_LANES, MAX_LINES, MAX_POINTS, MAX_YEARS, Series};
use crate::text::thousands;
use crate::time::{civil_from_days, days_from_civil, weekday_from_days};
use std::collections::BTreeMap;

/// First day drawn: 0001-01-01.
pub(crate) const MIN_DAY: i64 = -719_162;
/// Last day drawn: 9999-12-31.
pub(crate) const MAX_DAY: i64 = 2_932_896;
/// Labels are cut to this many characters before anything else (they are shortened to fit
/// their place when drawn).
const MAX_LABEL_CHARS: usize = 200;

/// What a chart draws below its header.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    /// Nothing to draw: the chart says "no messages".
    Empty,
    /// Lines over time.
    Topics(Lines),
    /// Hour × weekday counts, Monday first.
    Heatmap(Box<[[u64; 24]; 7]>),
    /// Activity lanes.
    Activity(Lanes),
    /// Calendar years.
    Calendar(Cal),
    /// Bars, largest first.
    People(Vec<(String, u64)>),
}

/// A time bucket on the x axis (ordered from the shortest).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Bucket {
    Day,
    Week,
    Month,
    Year,
}

impl Bucket {
    /// The first day of the bucket holding `day` (weeks start on Monday).
    pub(crate) fn start(self, day: i64) -> i64 {
        let day = day.clamp(MIN_DAY, MAX_DAY);
        match self {
            Bucket::Day => day,
            Bucket::Week => day - i64::from(weekday_from_days(day)),
            Bucket::Month => {
                let (y, m, _) = civil_from_days(day);
                days_from_civil(y, m, 1)
            }
            Bucket::Year => {
                let (y, _, _) = civil_from_days(day);
                days_from_civil(y, 1, 1)
            }
        }
    }

    /// The first day of the next bucket after the one starting at `start`.
    pub(crate) fn next(self, start: i64) -> i64 {
        let start = start.clamp(MIN_DAY, MAX_DAY);
        match self {
            Bucket::Day => start + 1,
            Bucket::Week => start + 7,
            Bucket::Month => {
                let (y, m, _) = civil_from_days(start);
                if m == 12 {
                    days_from_civil(y.saturating_add(1), 1, 1)
                } else {
                    days_from_civil(y, m + 1, 1)
                }
            }
            Bucket::Year => {
                let (y, _, _) = civil_from_days(start);
                days_from_civil(y.saturating_add(1), 1, 1)
            }
        }
    }

    /// The bucket name, for axis titles and notes.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
            Bucket::Year => "year",
        }
    }

    /// The shortest bucket that gives at most [`MAX_POINTS`] buckets over `span` days.
    fn for_span(span: i64) -> Bucket {
        let max = MAX_POINTS as i64;
        if span < max {
            Bucket::Day
        } else if span / 7 < max {
            Bucket::Week
        } else if span / 31 < max {
            Bucket::Month
        } else {
            Bucket::Year
        }
    }

    fn summed_note(self) -> String {
        match self {
            Bucket::Week => "values summed per week (Monday to Sunday)".to_string(),
            b => format!("values summed per {}", b.noun()),
        }
    }
}

/// Lines over time, ready to draw.
#[derive(Clone, Debug)]
pub(crate) struct Lines {
    pub y_label: String,
    pub bucket: Bucket,
    /// (label, points sorted by day at bucket starts).
    pub series: Vec<(String, Vec<(i64, f64)>)>,
    /// Days on the x axis (inclusive).
    pub x: (i64, i64),
    /// Values on the y axis.
    pub y: (f64, f64),
    /// The legend's value column (header, one value per series); None: the sum of the points.
    pub legend: Option<(String, Vec<String>)>,
    /// When set, points are at the starts of these buckets and a line breaks where the next
    /// bucket has no point (no data), instead of bridging the gap.
    pub gaps: Option<Bucket>,
}

/// Activity lanes, ready to draw.
#[derive(Clone, Debug)]
pub(crate) struct Lanes {
    pub bucket: Bucket,
    pub lanes: Vec<Lane>,
    /// Days on the x axis: first bucket start, end of the last bucket (exclusive).
    pub x: (i64, i64),
}

/// One person's lane.
#[derive(Clone, Debug)]
pub(crate) struct Lane {
    pub label: String,
    /// (bucket start, sum), sorted.
    pub points: Vec<(i64, f64)>,
    pub total: f64,
    pub peak: f64,
}

/// Calendar data, ready to draw.
#[derive(Clone, Debug)]
pub(crate) struct Cal {
    /// The years drawn, ascending.
    pub years: Vec<i32>,
    /// Messages per day (only days with messages).
    pub days: BTreeMap<i64, u64>,
    /// Upper bounds of the colour levels 1.. (ascending, distinct; the last is the maximum).
    pub levels: Vec<u64>,
}

impl Cal {
    /// Colour level of a count: 0 for none, then 1..=levels.len().
    pub(crate) fn level(&self, count: u64) -> usize {
        if count == 0 {
            return 0;
        }
        self.levels
            .iter()
            .position(|&t| count <= t)
            .map_or(self.levels.len(), |i| i + 1)
    }
}

fn label(s: &str) -> String {
    s.chars().take(MAX_LABEL_CHARS).collect()
}

/// Sums a series per bucket, dropping non-finite values and impossible dates (counted in
/// `dropped`).
fn sum_per(points: &[(i64, f64)], bucket: Bucket, dropped: &mut usize) -> BTreeMap<i64, f64> {
    let mut m = BTreeMap::new();
    for &(d, v) in points {
        if !v.is_finite() || !(MIN_DAY..=MAX_DAY).contains(&d) {
            *dropped += 1;
            continue;
        }
        *m.entry(bucket.start(d)).or_insert(0.0) += v;
    }
    m
}

fn dropped_note(dropped: usize, notes: &mut Vec<String>) {
    if dropped > 0 {
        notes.push(format!(
            "{} point{} with no value or a date outside years 1–9999 ignored",
            thousands(dropped as u64),
            if dropped == 1 { "" } else { "s" }
        ));
    }
}

fn more_note(rest: usize, what: &str, notes: &mut Vec<String>) {
    if rest > 0 {
        notes.push(format!("{} more {what} not shown", thousands(rest as u64)));
    }
}

/// Each series summed per day, the first and last day of any, and how many points were
/// dropped (not finite or out of range); None when no series has a point.
#[allow(clippy::type_complexity)]
fn daily_span(kept: &[Series]) -> Option<(Vec<BTreeMap<i64, f64>>, i64, i64, usize)> {
    let mut dropped = 0;
    let daily: Vec<BTreeMap<i64, f64>> = kept
        .iter()
        .map(|s| sum_per(&s.points, Bucket::Day, &mut dropped))
        .collect();
    let lo = daily
        .iter()
        .filter_map(|m| m.keys().next())
        .min()
        .copied()?;
    let hi = daily
        .iter()
        .filter_map(|m| m.keys().next_back())
        .max()
        .copied()?;
    Some((daily, lo, hi, dropped))
}

/// Prepares [`super::topics_over_time`].
pub(crate) fn lines(y_label: &str, series: &[Series]) -> (Body, Vec<String>) {
    let mut notes = Vec::new();
    let kept = &series[..series.len().min(MAX_LINES)];
    let Some((daily, lo, hi, dropped)) = daily_span(kept) else {
        return (Body::Empty, notes);
    };
    more_note(series.len() - kept.len(), "series", &mut notes);
    dropped_note(dropped, &mut notes);
    let longest = daily.iter().map(|m| m.len()).max().unwrap_or(0);
    let bucket = if longest > MAX_POINTS {
        match Bucket::for_span(hi - lo) {
            Bucket::Day => Bucket::Week,
            b => b,
        }
    } else {
        Bucket::Day
    };
    if bucket != Bucket::Day {
        notes.push(bucket.summed_note());
    }
    let mut out = Vec::with_capacity(kept.len());
    let (mut ymin, mut ymax) = (0f64, f64::MIN);
    for (s, m) in kept.iter().zip(daily) {
        let mut agg: BTreeMap<i64, f64> = BTreeMap::new();
        for (d, v) in m {
            *agg.entry(bucket.start(d)).or_insert(0.0) += v;
        }
        let pts: Vec<(i64, f64)> = agg.into_iter().filter(|(_, v)| v.is_finite()).collect();
        for &(_, v) in &pts {
            ymin = ymin.min(v);
            ymax = ymax.max(v);
        }
        out.push((label(&s.label), pts));
    }
    let (x0, x1) = (bucket.start(lo), bucket.start(hi));
    let x = if x0 == x1 { (x0 - 1, x1 + 1) } else { (x0, x1) };
    if !ymax.is_finite() || ymax <= ymin {
        ymax = ymin + 1.0;
    }
    let pad = (ymax - ymin) * 0.08;
    let y = (if ymin < 0.0 { ymin - pad } else { 0.0 }, ymax + pad);
    (
        Body::Topics(Lines {
            y_label: label(y_label),
            bucket,
            series: out,
            x,
            y,
            legend: None,
            gaps: None,
        }),
        notes,
    )
}

/// The runs of consecutive buckets in `pts` (sorted bucket starts): split where the next
/// point is not at the start of the next `step` bucket. Without a step, one run.
pub(crate) fn runs(pts: &[(i64, f64)], step: Option<Bucket>) -> Vec<&[(i64, f64)]> {
    let Some(step) = step else {
        return vec![pts];
    };
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..pts.len() {
        if pts[i].0 != step.next(step.start(pts[i - 1].0)) {
            out.push(&pts[start..i]);
            start = i;
        }
    }
    if start < pts.len() {
        out.push(&pts[start..]);
    }
    out
}

/// Prepares [`super::activity`].
pub(crate) fn lanes(lanes: &[Series]) -> (Body, Vec<String>) {
    let mut notes = Vec::new();
    let kept = &lanes[..lanes.len().min(MAX_LANES)];
    let Some((daily, lo, hi, dropped)) = daily_span(kept) else {
        return (Body::Empty, notes);
    };
    if lanes.len() > kept.len() {
        notes.push(format!(
            "{} more not shown (first {} of {} drawn)",
            thousands((lanes.len() - kept.len()) as u64),
            kept.len(),
            thousands(lanes.len() as u64)
        ));
    }
    dropped_note(dropped, &mut notes);
    let bucket = Bucket::for_span(hi - lo);
    if bucket != Bucket::Day {
        notes.push(bucket.summed_note());
    }
    let out = kept
        .iter()
        .zip(daily)
        .map(|(s, m)| {
            let mut agg: BTreeMap<i64, f64> = BTreeMap::new();
            for (d, v) in m {
                *agg.entry(bucket.start(d)).or_insert(0.0) += v;
            }
            let points: Vec<(i64, f64)> = agg.into_iter().filter(|(_, v)| v.is_finite()).collect();
            Lane {
                label: label(&s.label),
                total: points.iter().map(|p| p.1).sum(),
                peak: points.iter().map(|p| p.1).fold(0.0, f64::max),
                points,
            }
        })
        .collect();
    let x = (bucket.start(lo), bucket.next(bucket.start(hi)));
    (
        Body::Activity(Lanes {
            bucket,
            lanes: out,
            x,
        }),
        notes,
    )
}

/// Prepares [`super::calendar`].
pub(crate) fn calendar(days: &[(i64, u64)]) -> (Body, Vec<String>) {
    let mut notes = Vec::new();
    let mut map: BTreeMap<i64, u64> = BTreeMap::new();
    let mut dropped = 0usize;
    for &(d, c) in days {
        if !(MIN_DAY..=MAX_DAY).contains(&d) {
            dropped += 1;
            continue;
        }
        if c > 0 {
            let e = map.entry(d).or_insert(0);
            *e = e.saturating_add(c);
        }
    }
    let (Some((&lo, _)), Some((&hi, _))) = (map.first_key_value(), map.last_key_value()) else {
        return (Body::Empty, notes);
    };
    let (y0, y1) = (civil_from_days(lo).0, civil_from_days(hi).0);
    let first = y0.max(y1.saturating_sub(MAX_YEARS as i32 - 1));
    if first > y0 {
        let hidden = map.range(..days_from_civil(first, 1, 1)).count();
        notes.push(format!(
            "{} earlier year{} not shown ({} days with messages)",
            first - y0,
            if first - y0 == 1 { "" } else { "s" },
            thousands(hidden as u64)
        ));
        map = map.split_off(&days_from_civil(first, 1, 1));
    }
    if dropped > 0 {
        notes.push(format!(
            "{} day{} outside years 1–9999 ignored",
            thousands(dropped as u64),
            if dropped == 1 { "" } else { "s" }
        ));
    }
    let mut vals: Vec<u64> = map.values().copied().collect();
    vals.sort_unstable();
    let q = |num: usize| vals.get((vals.len() * num / 4).min(vals.len().saturating_sub(1)));
    let mut levels: Vec<u64> = [q(1), q(2), q(3), vals.last()]
        .into_iter()
        .flatten()
        .copied()
        .collect();
    levels.dedup();
    (
        Body::Calendar(Cal {
            years: (first..=y1).collect(),
            days: map,
            levels,
        }),
        notes,
    )
}

/// Prepares [`super::people`].
pub(crate) fn bars(bars: &[(String, u64)]) -> (Body, Vec<String>) {
    let mut notes = Vec::new();
    let mut v: Vec<(String, u64)> = bars
        .iter()
        .filter(|b| b.1 > 0)
        .map(|(l, c)| (label(l), *c))
        .collect();
    if v.is_empty() {
        return (Body::Empty, notes);
    }
    v.sort_by_key(|b| std::cmp::Reverse(b.1));
    if v.len() > MAX_LANES {
        notes.push(format!(
            "{} more not shown (top {} of {} drawn)",
            thousands((v.len() - MAX_LANES) as u64),
            MAX_LANES,
            thousands(v.len() as u64)
        ));
        v.truncate(MAX_LANES);
    }
    (Body::People(v), notes)
}

/// A count short enough for a heatmap cell: `1,234`, `12.3k`, `4.5M`.
pub(crate) fn compact(n: u64) -> String {
    if n < 10_000 {
        thousands(n)
    } else if n < 1_000_000 {
        format!("{:.1}k", n as f64 / 1e3)
    } else {
        format!("{:.1}M", n as f64 / 1e6)
    }
}

/// A value for an axis or a total: integers with thousands separators, else up to 2 decimals.
pub(crate) fn value(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let s = thousands(v.abs() as u64);
        if v < 0.0 { format!("-{s}") } else { s }
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// `YYYY-MM-DD` of a day.
pub(crate) fn date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day.clamp(MIN_DAY, MAX_DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Tick marks for a date axis: positions (days) and their labels, at most `max` of them,
/// on day, week (Monday), month or year boundaries.
pub(crate) fn date_ticks(lo: i64, hi: i64, max: usize) -> Vec<(i64, String)> {
    let (lo, hi) = (lo.clamp(MIN_DAY, MAX_DAY), hi.clamp(MIN_DAY, MAX_DAY));
    let max = max.max(2) as i64;
    let span = (hi - lo).max(1);
    // Day steps.
    for step in [1i64, 2, 7, 14] {
        if span / step < max {
            let mut first = lo;
            if step == 7 || step == 14 {
                first = Bucket::Week.start(lo);
                if first < lo {
                    first += 7;
                }
            }
            return (0..)
                .map(|i| first + i * step)
                .take_while(|&d| d <= hi)
                .map(|d| (d, date(d)))
                .collect();
        }
    }
    // Month steps.
    let months = span / 30;
    for step in [1u32, 2, 3, 6] {
        if months / i64::from(step) < max {
            let (y, m, _) = civil_from_days(lo);
            let (mut y, mut m) = (y, m);
            let mut out = Vec::new();
            loop {
                let d = days_from_civil(y, m, 1);
                if d > hi || out.len() > 64 {
                    break;
                }
                if d >= lo && (m - 1) % step == 0 {
                    out.push((d, format!("{y:04}-{m:02}")));
                }
                if m == 12 {
                    y = y.saturating_add(1);
                    m = 1;
                } else {
                    m += 1;
                }
            }
            return out;
        }
    }
    // Year steps.
    let (y0, y1) = (civil_from_days(lo).0, civil_from_days(hi).0);
    let years = i64::from(y1) - i64::from(y0);
    let mut step = 1i64;
    for s in [1i64, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] {
        step = s;
        if years / s < max {
            break;
        }
    }
    let mut out = Vec::new();
    let mut y = i64::from(y0);
    while y <= i64::from(y1) && out.len() < 64 {
        if y.rem_euclid(step) == 0 {
            let d = days_from_civil(y as i32, 1, 1);
            if d >= lo {
                out.push((d, format!("{y:04}")));
            }
        }
        y += 1;
    }
    out
}
