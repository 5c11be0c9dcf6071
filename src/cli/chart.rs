//! `chatsift chart KIND PATH… -o FILE.png|FILE.svg`: charts of the message stream.
//!
//! Kinds: `heatmap` (hour of day × weekday in `--tz`), `activity` (one lane per person, top
//! `--top` by messages, messages per day), `calendar` (daily messages), `people` (top senders).
//! Labels render with the bundled font; what is left out is said on the chart.

use super::common::{self, FilterArgs, InputArgs, thousands};
use anyhow::{Context, Result};
use chatsift::analysis::Accumulator;
use chatsift::analysis::activity::Activity;
use chatsift::analysis::timeline::{Bucket, Timeline};
use chatsift::analysis::trend::Trend;
use chatsift::output::chart::{self, Meta, Series};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// The chart kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
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

/// `chart` options.
#[derive(Args, Debug)]
pub struct ChartArgs {
    /// What to draw.
    #[arg(value_enum)]
    kind: Kind,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    filter: FilterArgs,
    /// The image to write: .png or .svg (written atomically).
    #[arg(short = 'o', long, value_name = "FILE")]
    output: PathBuf,
    /// How many people to draw in `activity` and `people`.
    #[arg(long, default_value_t = 20, value_name = "N")]
    top: usize,
    /// Chart title (default: from the kind).
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
    /// For `topics`: only these topic ids (repeatable; default: every topic).
    #[arg(long = "topic", value_name = "ID")]
    topic: Vec<String>,
}

/// Everything the charts draw from, in one pass.
#[derive(Debug)]
pub struct Overview {
    /// Hours × weekdays and days.
    pub activity: Activity,
    /// Per-person days.
    pub timeline: Timeline,
}

impl Accumulator for Overview {
    fn observe(&mut self, o: &chatsift::analysis::Observation<'_, '_>) {
        self.activity.observe(o);
        self.timeline.observe(o);
    }
    fn merge(&mut self, later: Overview) {
        self.activity.merge(later.activity);
        self.timeline.merge(later.timeline);
    }
}

impl Overview {
    /// An empty overview.
    pub fn new() -> Overview {
        Overview {
            activity: Activity::default(),
            timeline: Timeline::new(Bucket::Day),
        }
    }
}

/// The subtitle: inputs, messages and zone.
pub fn subtitle(paths: &[String], messages: u64, tz: &str) -> String {
    let paths = common::shown_inputs(paths);
    let shown = match paths.as_slice() {
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
        [] => String::new(),
    };
    format!("{shown} · {} messages · {tz}", thousands(messages))
}

/// Draws one kind from an overview.
pub fn draw(
    kind: Kind,
    o: &Overview,
    top: usize,
    title: Option<&str>,
    sub: String,
) -> chart::Chart {
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
        Kind::Heatmap => chart::heatmap(
            &Meta {
                title: title
                    .unwrap_or("When messages were sent: hour × weekday")
                    .into(),
                subtitle: sub,
                note: None,
            },
            &o.activity.grid,
        ),
        Kind::Calendar => chart::calendar(
            &Meta {
                title: title.unwrap_or("Messages per day").into(),
                subtitle: sub,
                note: None,
            },
            &o.activity.daily(),
        ),
        Kind::Activity => {
            let shown = top.min(chart::MAX_LANES);
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
            chart::activity(
                &Meta {
                    title: title.unwrap_or("Activity per person").into(),
                    subtitle: sub,
                    note: note(shown),
                },
                &lanes,
            )
        }
        Kind::Topics => chart::topics_over_time(
            &Meta {
                title: title.unwrap_or("Topics over time").into(),
                subtitle: sub,
                note: Some("run `chart topics` for topic rates".into()),
            },
            "messages per 1,000",
            &[],
        ),
        Kind::People => {
            let shown = top.min(40);
            let bars: Vec<(String, u64)> = people
                .iter()
                .take(shown)
                .map(|(p, n)| ((*p).to_string(), *n))
                .collect();
            chart::people(
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
/// most [`chart::MAX_POINTS`] points (day, week or month: rates are never summed).
pub fn topics_chart(
    day_trend: &Trend,
    ids: &[String],
    labels: &[String],
    only: &[String],
    title: Option<&str>,
    sub: String,
) -> chart::Chart {
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
        if points < chart::MAX_POINTS as i64 && n > 0 && total / n as u64 >= 30 {
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
    chart::rates_over_time(
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

/// Runs `chart`.
pub fn run(args: ChartArgs) -> Result<()> {
    chart::ChartFormat::from_path(&args.output)?;
    let setup = args.input.setup()?;
    if args.kind == Kind::Topics {
        let matcher = args.filter.topics()?;
        for t in &args.topic {
            if !matcher.ids().contains(t) {
                anyhow::bail!("unknown topic {t:?}; topics: {}", matcher.ids().join(", "));
            }
        }
        let n = matcher.len();
        let (trend, report) = common::analyse(&setup, &args.filter, Some(&matcher), || {
            Trend::new(Bucket::Day, n, false, 0)
        })?;
        let total: u64 = trend.buckets().iter().map(|(_, c)| c.total).sum();
        let sub = subtitle(&args.input.paths, total, &args.input.tz);
        let c = topics_chart(
            &trend,
            matcher.ids(),
            matcher.labels(),
            &args.topic,
            args.title.as_deref(),
            sub,
        );
        c.write(&args.output)
            .with_context(|| format!("cannot write {}", args.output.display()))?;
        common::print_summary(&report, setup.quiet);
        return Ok(());
    }
    let (o, report) = common::analyse(&setup, &args.filter, None, Overview::new)?;
    let sub = subtitle(&args.input.paths, o.activity.total(), &args.input.tz);
    let c = draw(args.kind, &o, args.top, args.title.as_deref(), sub);
    c.write(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    common::print_summary(&report, setup.quiet);
    Ok(())
}
