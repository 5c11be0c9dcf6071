//! `chatsift people`: one row per person ([`chatsift::output::table::people`]).

use super::common::{self, FilterArgs, InputArgs};
use anyhow::Result;
use chatsift::analysis::people::{People, WorkWeek};
use chatsift::output::table::people;
use chatsift::text::thousands;
use clap::Args;
use std::path::PathBuf;

/// `people` options.
#[derive(Args, Debug)]
pub struct PeopleArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    filter: FilterArgs,
    /// Working hours in --tz; messages outside them count as after hours.
    #[arg(long, default_value = "09:00-18:00", value_name = "HH:MM-HH:MM")]
    workday: String,
    /// Weekend days, comma-separated (mon … sun).
    #[arg(long, default_value = "sat,sun", value_name = "DAYS")]
    weekend: String,
    /// Write to this file (atomically) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write CSV cells verbatim (no `'` before formula characters).
    #[arg(long)]
    raw_csv: bool,
}

/// Runs `people`.
pub fn run(args: PeopleArgs) -> Result<()> {
    let work = WorkWeek::parse(&args.workday, &args.weekend)?;
    let setup = args.input.setup()?;
    let (p, report) = common::analyse(&setup, &args.filter, None, || People::new(work))?;
    let mut buf = Vec::new();
    people::write_csv(&p, args.raw_csv, &mut buf);
    common::write_bytes(args.output.as_deref(), &buf)?;
    if p.out_of_order() > 0 && !setup.quiet {
        eprintln!(
            "chatsift: {} messages were older than the message before them in their conversation; not counted as replies",
            thousands(p.out_of_order())
        );
    }
    common::print_summary(&report, setup.quiet);
    Ok(())
}
