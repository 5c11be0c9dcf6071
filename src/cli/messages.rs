//! `chatsift messages`: the normalized message stream as JSONL, CSV, Timesketch CSV or
//! plaso l2tcsv ([`chatsift::output::stream`]).

use super::common::{self, FilterArgs, InputArgs};
use anyhow::Result;
use chatsift::output::stream::{self, StreamConfig};
use chatsift::output::{MessageFormat, parquet};
use clap::Args;
use std::path::PathBuf;

/// `messages` options.
#[derive(Args, Debug)]
pub struct MessagesArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    filter: FilterArgs,
    /// Write to this file (atomically) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Stream in input order instead of sorting by time (bounded memory).
    #[arg(long)]
    unsorted: bool,
    /// Drop exact repeats: same time, sender, recipient, channel and body.
    #[arg(long)]
    dedup: bool,
    /// Write CSV cells verbatim, without the `'` that stops spreadsheets running formulas.
    #[arg(long)]
    raw_csv: bool,
    /// Leave the `topics` field empty (skips topic matching, which is the costliest step).
    #[arg(long)]
    no_topics: bool,
    /// Write only these fields, in this order (comma-separated, from: time, local_time,
    /// sender, person, recipient, channel, body, kind, attachments, id, topics, format,
    /// source, line, offset). JSONL and CSV only. Without `topics`, topics are not matched.
    #[arg(long, value_name = "LIST", value_parser = parse_fields)]
    fields: Option<FieldList>,
    /// Parquet page compression: snappy (default), zstd (needs the `zstd` build feature) or
    /// none.
    #[arg(long, value_name = "CODEC", default_value = "snappy")]
    compression: parquet::Compression,
}

/// The fields `--fields` names (one value, so clap does not take it for a list of values).
#[derive(Clone, Debug)]
pub struct FieldList(Vec<chatsift::output::Field>);

fn parse_fields(s: &str) -> Result<FieldList, String> {
    chatsift::output::Field::parse_list(s).map(FieldList)
}

/// Splits `--to` values into the output format (the last format name given) and dates.
pub fn split_to(values: &[String]) -> (MessageFormat, Vec<String>) {
    let mut format = MessageFormat::Jsonl;
    let mut dates = Vec::new();
    for v in values {
        match v.parse::<MessageFormat>() {
            Ok(f) => format = f,
            Err(_) => dates.push(v.clone()),
        }
    }
    (format, dates)
}

/// Runs `messages`.
pub fn run(args: MessagesArgs) -> Result<()> {
    let setup = args.input.setup()?;
    let (format, dates) = split_to(&args.filter.to);
    let selection = args.filter.selection(setup.tz, &dates)?;
    if args.fields.is_some() && !matches!(format, MessageFormat::Jsonl | MessageFormat::Csv) {
        anyhow::bail!("--fields selects JSONL or CSV fields; --to {format} has its own columns");
    }
    // Fields without `topics` need no topic matching.
    let wants_topics = args
        .fields
        .as_ref()
        .is_none_or(|f| f.0.iter().any(|f| f.name() == "topics"));
    let no_topics = args.no_topics || !wants_topics;
    let topics = if no_topics {
        None
    } else {
        Some(args.filter.topics()?)
    };
    // The lexicon's topics in order, so an engine can label and order topic rows as
    // `chatsift topics` does.
    let topic_list = serde_json::Value::Array(
        topics
            .iter()
            .flat_map(|t| t.ids().iter().zip(t.labels()))
            .map(|(id, label)| serde_json::json!({"id": id, "label": label}))
            .collect(),
    );
    let cfg = StreamConfig {
        format,
        tz: setup.tz,
        unsorted: args.unsorted,
        dedup: args.dedup,
        raw_csv: args.raw_csv,
        strict: setup.strict,
        filter: selection.filter,
        aliases: selection.aliases,
        topics,
        fields: args.fields.map(|f| f.0),
        parquet: parquet::ParquetOptions {
            compression: args.compression,
            shard: args.input.shard.map(|(k, _)| k),
            metadata: vec![
                ("chatsift.version".into(), env!("CARGO_PKG_VERSION").into()),
                ("chatsift.zone".into(), setup.tz.to_string()),
                (
                    "chatsift.source_tz".into(),
                    setup.options.source_tz.to_string(),
                ),
                (
                    "chatsift.lexicon".into(),
                    if no_topics {
                        "none (--no-topics)".into()
                    } else {
                        args.filter.lexicon_name()
                    },
                ),
                ("chatsift.topics".into(), topic_list.to_string()),
            ],
        },
    };
    let report = stream::write_messages(&setup, &cfg, args.output.as_deref())?;
    common::print_summary(&report, setup.quiet);
    Ok(())
}
