//! The product's charts drawn from the analyses: which data each kind shows, its title,
//! and what it leaves out.

use super::{Meta, Series};
use crate::analysis::overview::Overview;
use crate::analysis::timeline::Bucket;
use crate::analysis::trend::Trend;
use crate::text::thousands;

/// The chart kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    /// Hour of day × weekday message counts.
    Heatmap,
    /// Per-person activity over time, one lane per person.
    Activity,
    /// Calendar heatmap of daily messages.
    Calendar,
    /// Top senders.
    People,
    /// Topic rate over time (per 1,000 messages), one line per topic.
    Topics,
}

/// The subtitle: inputs, messages and zone.
pub fn subtitle(paths: &[String], messages: u64, tz: &str) -> String {
    let paths = crate::output::shown_inputs(paths);
    let shown = match paths.as_slice() {
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
        [] => String::new(),
    };
    format!("{shown} · {} messages · {tz}", thousands(messages))
}

/// Draws one kind from an overview.
pub fn draw(
    kind: ChartKind,
    o: &Overview,
    top: usize,
    title: Option<&str>,
    sub: String,
) -> super::Chart {
    let people = o.timeline.people_by_activity();
    let note = |shown: usize| {
        (people.len() > shown).then(|| {
            format!(
                "top {shown} of {} people by messages shown",
                thousands(people.len() as u64)
            )
        })
    };
    match kind {
        ChartKind::Heatmap => super::heatmap(
            &Meta {
                title: title
                    .unwrap_or("When messages were sent: hour × weekday")
                    .into(),
                subtitle: sub,
                note: None,
            },
            &o.activity.grid,
        ),
        ChartKind::Calendar => super::calendar(
            &Meta {
                title: title.unwrap_or("Messages per day").into(),
                subtitle: sub,
                note: None,
            },
            &o.activity.daily(),
        ),
        ChartKind::Activity => {
            let shown = top.min(super::MAX_LANES);
            let rows = o.timeline.rows();
            let lanes: Vec<Series> = people
                .iter()
                .take(shown)
                .map(|(p, _)| Series {
                    label: (*p).to_string(),
                    points: rows
                        .iter()
                        .filter(|r| r.0 == *p)
                        .map(|r| (r.1, r.2.messages as f64))
                        .collect(),
                })
                .collect();
            super::activity(
                &Meta {
                    title: title.unwrap_or("Activity per person").into(),
                    subtitle: sub,
                    note: note(shown),
                },
                &lanes,
            )
        }
        ChartKind::Topics => super::topics_over_time(
            &Meta {
                title: title.unwrap_or("Topics over time").into(),
                subtitle: sub,
                note: Some("run `chart topics` for topic rates".into()),
            },
            "messages per 1,000",
            &[],
        ),
        ChartKind::People => {
            let shown = top.min(40);
            let bars: Vec<(String, u64)> = people
                .iter()
                .take(shown)
                .map(|(p, n)| ((*p).to_string(), *n))
                .collect();
            super::people(
                &Meta {
                    title: title.unwrap_or("Top senders").into(),
                    subtitle: sub,
                    note: note(shown),
                },
                &bars,
            )
        }
    }
}

/// The topic chart: rate per 1,000 messages per bucket, the bucket chosen so a line has at
/// most [`super::MAX_POINTS`] points (day, week or month: rates are never summed).
pub fn topics_chart(
    day_trend: &Trend,
    ids: &[String],
    labels: &[String],
    only: &[String],
    title: Option<&str>,
    sub: String,
) -> super::Chart {
    // The finest bucket with at most MAX_POINTS buckets and, on average, 30 messages or more
    // per bucket (a rate over a handful of messages is noise).
    let mut chosen = None;
    for (by, unit) in [
        (Bucket::Day, "day"),
        (Bucket::Week, "week"),
        (Bucket::Month, "month"),
    ] {
        let t = if by == Bucket::Day {
            day_trend.clone()
        } else {
            day_trend.rebucket(by)
        };
        let b = t.buckets();
        let (n, total) = (b.len(), b.iter().map(|(_, c)| c.total).sum::<u64>());
        let span = b
            .first()
            .zip(b.last())
            .map_or(0, |(x, y)| by.first_day(y.0) - by.first_day(x.0));
        let points = match by {
            Bucket::Day => span,
            Bucket::Week => span / 7,
            _ => span / 30,
        };
        if points < super::MAX_POINTS as i64 && n > 0 && total / n as u64 >= 30 {
            chosen = Some((t, unit));
            break;
        }
    }
    let (trend, unit) = chosen.unwrap_or_else(|| (day_trend.rebucket(Bucket::Month), "month"));
    let by = trend.bucket();
    let buckets = trend.buckets();
    let shown: Vec<usize> = (0..ids.len())
        .filter(|t| only.is_empty() || only.contains(&ids[*t]))
        .collect();
    let hits: Vec<String> = shown
        .iter()
        .map(|t| {
            thousands(
                buckets
                    .iter()
                    .map(|(_, c)| c.hits.get(*t).copied().unwrap_or(0))
                    .sum(),
            )
        })
        .collect();
    let series: Vec<Series> = shown
        .iter()
        .map(|&t| Series {
            label: labels[t].clone(),
            points: buckets
                .iter()
                .map(|(k, c)| {
                    let hits = c.hits.get(t).copied().unwrap_or(0) as f64;
                    (by.first_day(*k), hits * 1000.0 / c.total.max(1) as f64)
                })
                .collect(),
        })
        .collect();
    super::rates_over_time(
        &Meta {
            title: title.unwrap_or("Topics over time").into(),
            subtitle: sub,
            note: Some(format!("rate per 1,000 messages per {unit}")),
        },
        "messages per 1,000",
        &series,
        "messages",
        &hits,
        Some(by),
    )
}
