//! The command line: clap stays here and produces plain settings for the library.

pub mod bench;
pub mod chart;
pub mod common;
pub mod formats;
pub mod graph;
pub mod inspect;
pub mod messages;
pub mod people;
pub mod report;
pub mod timeline;
pub mod topics;

use clap::{Parser, Subcommand};

/// chatsift: turn chat exports into evidence (timelines, activity, charts).
#[derive(Parser, Debug)]
#[command(name = "chatsift", version, about, long_about = None, arg_required_else_help = true)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the formats chatsift reads, with example file names.
    Formats,
    /// Per input: format, encoding, messages, time range, senders, problems.
    Inspect(inspect::InspectArgs),
    /// The normalized message stream as JSONL, CSV, Timesketch CSV or l2tcsv.
    Messages(messages::MessagesArgs),
    /// Per-person activity per hour, day, week or month, as CSV.
    Timeline(timeline::TimelineArgs),
    /// One row per person: first/last seen, activity, after-hours share, reply times.
    People(people::PeopleArgs),
    /// Topic frequency per bucket (and per person), or example messages per topic.
    #[command(mut_arg("paths", |a| a.required(false)))]
    Topics(topics::TopicsArgs),
    /// Draw a chart (PNG or SVG): heatmap, activity, calendar or people.
    Chart(chart::ChartArgs),
    /// Who writes to whom: edges CSV (source, target, channel, messages, first, last) and GEXF.
    Graph(graph::GraphArgs),
    /// Everything in one pass: the CSVs of the other commands, every chart, and index.html.
    Report(report::ReportArgs),
    /// Generate a corpus per format and measure MB/s and messages/s per stage.
    Bench(bench::BenchArgs),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Formats => formats::run(),
        Command::Inspect(a) => inspect::run(a),
        Command::Messages(a) => messages::run(a),
        Command::Timeline(a) => timeline::run(a),
        Command::People(a) => people::run(a),
        Command::Topics(a) => topics::run(a),
        Command::Chart(a) => chart::run(a),
        Command::Graph(a) => graph::run(a),
        Command::Report(a) => report::run(a),
        Command::Bench(a) => bench::run(a),
    }
}
