//! `chatsift timeline`: per-person activity per bucket as CSV
//! ([`chatsift::output::table::timeline`]).

use super::common::{self, FilterArgs, InputArgs};
use anyhow::Result;
use chatsift::analysis::timeline::{Bucket, Timeline};
use chatsift::output::table::timeline;
use clap::Args;
use std::path::PathBuf;

/// `timeline` options.
#[derive(Args, Debug)]
pub struct TimelineArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    filter: FilterArgs,
    /// Bucket size: hour, day, week (from Monday) or month, in --tz.
    #[arg(long, default_value = "day", value_name = "SIZE")]
    by: Bucket,
    /// One row per bucket with a column of message counts per person.
    #[arg(long)]
    wide: bool,
    /// Write zero rows for empty buckets between a person's first and last activity.
    #[arg(long)]
    fill: bool,
    /// Write to this file (atomically) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write CSV cells verbatim (no `'` before formula characters).
    #[arg(long)]
    raw_csv: bool,
}

/// Runs `timeline`.
pub fn run(args: TimelineArgs) -> Result<()> {
    let setup = args.input.setup()?;
    let by = args.by;
    let (t, report) = common::analyse(&setup, &args.filter, None, || Timeline::new(by))?;
    let mut buf = Vec::new();
    if args.wide {
        timeline::write_wide(&t, args.fill, args.raw_csv, &mut buf);
    } else {
        timeline::write_long(&t, args.fill, args.raw_csv, &mut buf);
    }
    common::write_bytes(args.output.as_deref(), &buf)?;
    common::print_summary(&report, setup.quiet);
    Ok(())
}
