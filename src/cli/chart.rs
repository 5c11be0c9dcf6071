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
    let shown = match paths {
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

/// Runs `chart`.
pub fn run(args: ChartArgs) -> Result<()> {
    chart::ChartFormat::from_path(&args.output)?;
    let setup = args.input.setup()?;
    let (o, report) = common::analyse(&setup, &args.filter, None, Overview::new)?;
    let sub = subtitle(&args.input.paths, o.activity.total(), &args.input.tz);
    let c = draw(args.kind, &o, args.top, args.title.as_deref(), sub);
    c.write(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    common::print_summary(&report, setup.quiet);
    Ok(())
}
