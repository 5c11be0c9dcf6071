//! `chatsift graph`: who writes to whom, as an edge list CSV and as GEXF for Gephi.
//!
//! CSV columns: `source,target,channel,messages,first,last`. `source` is the person who
//! wrote; `target` the person written to (or the channel with `--channels-as-nodes`);
//! `channel` the room the messages went to (empty for direct messages); `messages` how many;
//! `first`/`last` the first and last of them, RFC 3339 in `--tz` with its offset. A message
//! to a room counts once towards each other member of the room (everyone who wrote in it);
//! see [`chatsift::analysis::graph`]. Rows are sorted by (source, target, channel).

use super::common::{self, FilterArgs, InputArgs};
use anyhow::Result;
use chatsift::analysis::Filter;
use chatsift::analysis::graph::Graph;
use chatsift::output::atomic::write_file;
use chatsift::output::{gexf, table};
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;

/// `graph` options.
#[derive(Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    filter: FilterArgs,
    /// Write the edge CSV to this file (atomically) instead of stdout; `-` is stdout. With
    /// --gexf and without -o, no CSV is written.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write the graph as GEXF 1.3 (for Gephi) to this file.
    #[arg(long, value_name = "FILE")]
    gexf: Option<PathBuf>,
    /// Keep channels as nodes (person → channel) instead of linking each writer to every
    /// other member of the channel.
    #[arg(long)]
    channels_as_nodes: bool,
    /// Write CSV cells verbatim, without the `'` that stops spreadsheets running formulas.
    #[arg(long)]
    raw_csv: bool,
}

/// Runs `graph`.
pub fn run(args: GraphArgs) -> Result<()> {
    let setup = args.input.setup()?;
    let mut selection = args.filter.selection(setup.tz, &args.filter.to)?;
    // The graph applies --person itself: everyone's messages make channel members, only the
    // listed persons' messages make edges.
    let persons = Arc::new(std::mem::take(&mut selection.filter.persons));
    selection.filter = Filter {
        persons: Vec::new(),
        ..selection.filter
    };
    let (graph, report) = setup.analyse(&selection, None, || Graph::only(persons.clone()))?;
    let (nodes, edges) = graph.finish_all(args.channels_as_nodes);
    let mut csv = Vec::with_capacity(64 * edges.len() + 64);
    table::edges::write_csv(&edges, args.raw_csv, &mut csv);
    if let Some(path) = &args.gexf {
        let mut xml = Vec::with_capacity(128 * (edges.len() + nodes.len()) + 1024);
        gexf::write_gexf(&nodes, &edges, &mut xml);
        write_file(path, &xml)?;
    }
    if args.output.is_some() || args.gexf.is_none() {
        common::write_bytes(args.output.as_deref(), &csv)?;
    }
    common::print_summary(&report, setup.quiet);
    Ok(())
}
