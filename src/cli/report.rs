//! `chatsift report PATH… -o DIR`: everything in one pass over the input
//! ([`chatsift::output::report`]).

use super::common::{self, FilterArgs, InputArgs};
use anyhow::Result;
use chatsift::analysis::people::WorkWeek;
use chatsift::analysis::timeline::Bucket;
use chatsift::output::report::{self, ReportSettings};
use clap::Args;
use std::path::PathBuf;

/// `report` options.
#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    filter: FilterArgs,
    /// The folder to write into (created if missing).
    #[arg(short = 'o', long, value_name = "DIR")]
    output: PathBuf,
    /// Bucket of timeline.csv and topics.csv: hour, day, week or month, in --tz.
    #[arg(long, default_value = "week", value_name = "SIZE")]
    by: Bucket,
    /// How many people the activity and people charts and the page's table show.
    #[arg(long, default_value_t = 20, value_name = "N")]
    top: usize,
    /// Working hours in --tz, for the after-hours share.
    #[arg(long, default_value = "09:00-18:00", value_name = "HH:MM-HH:MM")]
    workday: String,
    /// Weekend days, comma-separated (mon … sun).
    #[arg(long, default_value = "sat,sun", value_name = "DAYS")]
    weekend: String,
    /// Leave out messages.csv: memory then stays bounded by the aggregates, not the input.
    #[arg(long)]
    no_messages: bool,
    /// Write CSV cells verbatim (no `'` before formula characters).
    #[arg(long)]
    raw_csv: bool,
    /// Page and chart title (default: "chatsift report").
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
}

/// Runs `report`.
pub fn run(args: ReportArgs) -> Result<()> {
    let work = WorkWeek::parse(&args.workday, &args.weekend)?;
    let setup = args.input.setup()?;
    let selection = args.filter.selection(setup.tz, &args.filter.to)?;
    let matcher = args.filter.topics()?;
    let settings = ReportSettings {
        dir: args.output.clone(),
        by: args.by,
        top: args.top,
        work,
        messages: !args.no_messages,
        raw_csv: args.raw_csv,
        title: args.title.unwrap_or_else(|| "chatsift report".into()),
        inputs: args.input.paths.clone(),
        tz_name: args.input.tz.clone(),
        tz_given: common::given("--tz"),
        builtin_lexicon: args.filter.lexicon.is_none(),
    };
    let written = report::write_report(&setup, &selection, &matcher, &settings)?;
    common::print_summary(&written.report, setup.quiet);
    if !setup.quiet {
        if let Some(w) = written.zone_warning {
            eprintln!("chatsift: warning: {w}");
        }
        eprintln!(
            "chatsift: report written to {}",
            args.output.join("index.html").display()
        );
    }
    Ok(())
}
