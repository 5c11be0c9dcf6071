//! `chatsift topics`: topic frequency per bucket (and per person), or example messages
//! ([`chatsift::output::table::topics`]).
//!
//! CSV columns: `bucket,topic,label,messages,total,per_1000` — for every bucket with
//! messages and every topic of the lexicon: messages mentioning the topic, all messages in
//! the bucket, and the rate per 1,000 messages (2 decimals). With `--per-person`:
//! `bucket,person,topic,label,messages,total,per_1000`, where `total` is the person's messages
//! in the bucket. `--examples N` prints, instead, up to N matching messages per topic with
//! their source and line, so a researcher can check what the lexicon caught; with `--why`,
//! each with the cues that fired (terms, pair sides, matches an exclude cancelled).
//!
//! Measuring the lexicon on one's own data:
//! - `--sample N [--topic T] [--seed S] -o sample.csv` draws a reproducible sample, stratified
//!   between matches and non-matches, as CSV with an empty `label` column to fill by hand:
//!   `id,file,line,stratum,weight,predicted,cues,label,text`. A label is topic ids separated by
//!   `;`; `-` marks a message read and found to carry no topic; an empty label is not read yet.
//!   The sample is chosen by a hash of (seed, file, line, text), the same for any `--threads`.
//! - `--evaluate FILE` reads a filled sample (or labelled JSONL, `--split` picks a half),
//!   re-runs the lexicon (the built-in one, or `--lexicon`) on each text, and prints precision
//!   and recall per topic with Wilson 95% intervals and sample sizes, then the misclassified
//!   messages with the cues that fired. PATH is not needed with `--evaluate`.

use super::common::{self, FilterArgs, InputArgs};
use anyhow::{Context, Result, bail};
use chatsift::analysis::timeline::Bucket;
use chatsift::analysis::topic_eval;
use chatsift::analysis::topic_sample::Sampler;
use chatsift::analysis::trend::Trend;
use chatsift::output::table;
use chatsift::text::thousands;
use clap::Args;
use std::path::PathBuf;

/// `topics` options.
#[derive(Args, Debug)]
pub struct TopicsArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    filter: FilterArgs,
    /// Bucket size: day, week (from Monday) or month (or hour), in --tz.
    #[arg(long, default_value = "month", value_name = "SIZE")]
    by: Bucket,
    /// One row per (bucket, person, topic).
    #[arg(long)]
    per_person: bool,
    /// Print up to N matching messages per topic (with source and line) instead of CSV.
    #[arg(long, value_name = "N")]
    examples: Option<usize>,
    /// Write to this file (atomically) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write CSV cells verbatim (no `'` before formula characters).
    #[arg(long)]
    raw_csv: bool,
    /// With --examples (or --sample): show the cues that fired for each message.
    #[arg(long)]
    why: bool,
    /// Write a reproducible sample of N messages to label by hand (CSV, see the README).
    #[arg(long, value_name = "N", conflicts_with_all = ["examples", "evaluate"])]
    sample: Option<usize>,
    /// With --sample: stratify between matches and non-matches of this topic only.
    #[arg(long, value_name = "ID", requires = "sample")]
    topic: Option<String>,
    /// With --sample: the seed of the sample.
    #[arg(long, default_value_t = 1, value_name = "N")]
    seed: u64,
    /// Print precision and recall per topic against a labelled sample CSV or JSONL file.
    #[arg(long, value_name = "FILE", conflicts_with = "examples")]
    evaluate: Option<PathBuf>,
    /// With --evaluate on JSONL: only messages of this split (tune or heldout).
    #[arg(long, value_name = "NAME", requires = "evaluate")]
    split: Option<String>,
}

/// Runs `topics`.
pub fn run(args: TopicsArgs) -> Result<()> {
    if let Some(file) = &args.evaluate {
        return evaluate(&args, file);
    }
    if args.why && args.examples.is_none() && args.sample.is_none() {
        bail!("--why goes with --examples N or --sample N (--evaluate always shows the cues)");
    }
    if args.input.paths.is_empty() {
        bail!("give at least one PATH (only --evaluate works without one)");
    }
    if let Some(n) = args.sample {
        return sample(&args, n);
    }
    let setup = args.input.setup()?;
    let matcher = args.filter.topics()?;
    let n = matcher.len();
    let (by, per_person, ex) = (args.by, args.per_person, args.examples.unwrap_or(0));
    let (trend, report) = common::analyse(&setup, &args.filter, Some(&matcher), || {
        Trend::new(by, n, per_person, ex)
    })?;
    let mut buf = Vec::new();
    if args.examples.is_some() {
        table::topics::write_examples(&trend, &matcher, &report, args.why, &mut buf)?;
    } else {
        let (ids, labels) = (matcher.ids(), matcher.labels());
        table::topics::write_csv(&trend, ids, labels, per_person, args.raw_csv, &mut buf);
    }
    common::write_bytes(args.output.as_deref(), &buf)?;
    common::print_summary(&report, setup.quiet);
    Ok(())
}

/// `--evaluate FILE`: precision and recall per topic, then the misclassified messages.
fn evaluate(args: &TopicsArgs, file: &std::path::Path) -> Result<()> {
    let matcher = args.filter.topics()?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.display().to_string();
    let (mut set, skipped) = topic_eval::read_labelled(&bytes).with_context(|| name.clone())?;
    if let Some(split) = &args.split {
        set.retain(|m| m.split.as_deref() == Some(split.as_str()));
    }
    if set.is_empty() {
        bail!("{name}: no labelled message to evaluate (fill the `label` column, see --sample)");
    }
    let e = topic_eval::evaluate(&matcher, &set).with_context(|| name.clone())?;
    let mut buf = Vec::new();
    let split = args.split.as_deref();
    topic_eval::write_evaluation(&name, split, skipped, &e, &set, &matcher, &mut buf)?;
    common::write_bytes(args.output.as_deref(), &buf)
}

/// `--sample N`: a stratified, reproducible sample as CSV with an empty label column.
fn sample(args: &TopicsArgs, n: usize) -> Result<()> {
    if n == 0 {
        bail!("--sample needs at least 1 message");
    }
    let setup = args.input.setup()?;
    let matcher = args.filter.topics()?;
    let ids = matcher.ids();
    let focus = match &args.topic {
        Some(t) => Some(
            ids.iter()
                .position(|id| id == t)
                .with_context(|| format!("unknown --topic {t:?} (known: {})", ids.join(", ")))?,
        ),
        None => None,
    };
    let (topics, seed) = (ids.len(), args.seed);
    let (sampler, report) = common::analyse(&setup, &args.filter, Some(&matcher), || {
        Sampler::new(seed, n, topics, focus)
    })?;
    let sample = sampler.finish(ids, n);
    let mut buf = Vec::new();
    table::sample::write_csv(&sample, &matcher, &report, args.why, args.raw_csv, &mut buf);
    common::write_bytes(args.output.as_deref(), &buf)?;
    if !setup.quiet {
        let pops: Vec<String> = sample
            .populations
            .iter()
            .zip(&sample.strata)
            .map(|(p, name)| format!("{name} {}", thousands(*p)))
            .collect();
        eprintln!(
            "chatsift topics: sampled {} messages (seed {}); strata: {}",
            thousands(sample.rows.len() as u64),
            args.seed,
            pops.join(", ")
        );
    }
    common::print_summary(&report, setup.quiet);
    Ok(())
}
