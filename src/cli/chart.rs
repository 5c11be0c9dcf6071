//! `chatsift chart KIND PATH… -o FILE.png|FILE.svg`: charts of the message stream
//! ([`chatsift::output::chart::views`]).

use super::common::{self, FilterArgs, InputArgs};
use anyhow::{Context, Result};
use chatsift::analysis::overview::Overview;
use chatsift::analysis::timeline::Bucket;
use chatsift::analysis::trend::Trend;
use chatsift::output::chart::{self, views};
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

impl From<Kind> for views::ChartKind {
    fn from(k: Kind) -> views::ChartKind {
        match k {
            Kind::Heatmap => views::ChartKind::Heatmap,
            Kind::Activity => views::ChartKind::Activity,
            Kind::Calendar => views::ChartKind::Calendar,
            Kind::People => views::ChartKind::People,
            Kind::Topics => views::ChartKind::Topics,
        }
    }
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
        let sub = views::subtitle(&args.input.paths, total, &args.input.tz);
        let c = views::topics_chart(
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
    let sub = views::subtitle(&args.input.paths, o.activity.total(), &args.input.tz);
    let c = views::draw(args.kind.into(), &o, args.top, args.title.as_deref(), sub);
    c.write(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    common::print_summary(&report, setup.quiet);
    Ok(())
}
