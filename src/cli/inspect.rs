//! `chatsift inspect`: per input, the detected format and encoding, message counts by kind,
//! time range, senders and problems; files that are not chats are listed as skipped.
//!
//! It also gives a time-zone hint for the whole input (all files' messages together) and per
//! file with enough messages: the UTC offset, and the range of offsets, under which the
//! messages' hours best match a daily rhythm (see [`chatsift::analysis::tzhint`]), for
//! `--source-tz`/`--tz`. Files with too few messages say so instead. With `--suggest-aliases` it proposes, without applying them, alias
//! file entries for ids that look like one person (see [`chatsift::analysis::suggest`]).

use super::common::{FilterArgs, InputArgs};
use anyhow::Result;
use chatsift::StrictStop;
use chatsift::analysis::alias::Aliases;
use chatsift::analysis::files;
use chatsift::output::inspect::{hint_text, write_json, write_suggestions, write_text};
use clap::Args;
use std::io::Write;

/// `inspect` options.
#[derive(Args, Debug)]
pub struct InspectArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    filter: FilterArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// How many senders to list per file in text output.
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// Propose alias-file entries for ids that look like one person (same local part on
    /// several servers, equal ignoring case, a username equal to a JID's local part), without
    /// applying them: a TOML snippet after the report (`suggested_aliases` in --json). Ids
    /// the --alias file already names are left out.
    #[arg(long)]
    suggest_aliases: bool,
}

/// Runs `inspect`.
pub fn run(args: InspectArgs) -> Result<()> {
    let setup = args.input.setup()?;
    let filter = args.filter.filter(setup.tz, &args.filter.to)?;
    // Only --suggest-aliases reads the alias file, to leave out the ids it already names.
    let aliases = if args.suggest_aliases {
        args.filter.aliases()?
    } else {
        Aliases::none()
    };
    let found = files::inspect(&setup, &filter, args.suggest_aliases)?;
    let (report, stats) = (&found.report, &found.stats);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let suggestions = args.suggest_aliases.then(|| found.ids.suggest(&aliases));
    if args.json {
        write_json(report, stats, suggestions.as_deref(), &mut out)?;
    } else {
        write_text(report, stats, args.top, &mut out)?;
        if let Some(s) = &suggestions {
            write_suggestions(s, &mut out)?;
        }
    }
    out.flush()?;
    if !setup.quiet {
        eprintln!(
            "chatsift: {}",
            chatsift::output::summary::summary_line(report)
        );
        if let Some(h) = hint_text(&found.all_hours(), false) {
            eprintln!("chatsift: zone hint for all input: {h}");
        }
    }
    if setup.strict
        && let Some(stop) = StrictStop::first(report)
    {
        return Err(stop.into());
    }
    Ok(())
}
