//! `chatsift topics`: topic frequency per bucket (and per person), or example messages.
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

use super::common::{self, FilterArgs, InputArgs, thousands};
use anyhow::{Context, Result, bail};
use chatsift::analysis::timeline::Bucket;
use chatsift::analysis::topic_eval;
use chatsift::analysis::topics::{TopicMatcher, TopicSet};
use chatsift::analysis::trend::{Counts, Trend};
use chatsift::analysis::{Accumulator, Observation};
use chatsift::output::write_csv_row;
use clap::Args;
use std::io::Write;
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

fn rate(hits: u64, total: u64) -> String {
    if total == 0 {
        return "0.00".into();
    }
    format!("{:.2}", hits as f64 * 1000.0 / total as f64)
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
    let (ids, labels) = (matcher.ids(), matcher.labels());
    common::write_output(args.output.as_deref(), |out| {
        let mut buf = Vec::new();
        if args.examples.is_some() {
            for t in 0..n {
                let total: u64 = trend
                    .buckets()
                    .iter()
                    .map(|(_, c)| c.hits.get(t).copied().unwrap_or(0))
                    .sum();
                writeln!(
                    buf,
                    "{} ({}): {} messages",
                    ids[t],
                    labels[t],
                    thousands(total)
                )?;
                for e in trend.examples(t) {
                    let source = e.source.as_deref().unwrap_or_else(|| report.path(e.file));
                    let stamp = String::from_utf8(common::local_stamp(&e.time)).unwrap_or_default();
                    writeln!(buf, "  {stamp}  {}  {source}:{}", e.person, e.line)?;
                    for l in e.body.lines() {
                        writeln!(buf, "    {l}")?;
                    }
                    if args.why {
                        let x = matcher.explain(&e.body);
                        writeln!(buf, "    why: {}", topic_eval::describe(&matcher, &x))?;
                    }
                }
                writeln!(buf)?;
            }
        } else {
            write_csv(&trend, ids, labels, per_person, args.raw_csv, &mut buf);
        }
        out.write_all(&buf)?;
        Ok(())
    })?;
    common::print_summary(&report, setup.quiet);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn rows(
    buf: &mut Vec<u8>,
    by: Bucket,
    key: i64,
    person: Option<&[u8]>,
    c: &Counts,
    ids: &[String],
    labels: &[String],
    raw: bool,
) {
    let label = by.label(key);
    let total = c.total.to_string();
    for (t, id) in ids.iter().enumerate() {
        let hits = c.hits.get(t).copied().unwrap_or(0);
        let (m, r) = (hits.to_string(), rate(hits, c.total));
        let (id, lab) = (common::cell(id, raw), common::cell(&labels[t], raw));
        let mut cells: Vec<&[u8]> = vec![label.as_bytes()];
        if let Some(p) = person {
            cells.push(p);
        }
        cells.extend([
            &id[..],
            &lab[..],
            m.as_bytes(),
            total.as_bytes(),
            r.as_bytes(),
        ]);
        write_csv_row(buf, cells.into_iter());
    }
}

/// Writes topic counts per bucket (and per person with `per_person`) as CSV: matching
/// messages, all messages and the rate per 1,000 messages.
pub fn write_csv(
    trend: &Trend,
    ids: &[String],
    labels: &[String],
    per_person: bool,
    raw: bool,
    buf: &mut Vec<u8>,
) {
    let by = trend.bucket();
    if per_person {
        write_csv_row(
            buf,
            [
                "bucket", "person", "topic", "label", "messages", "total", "per_1000",
            ]
            .iter()
            .map(|c| c.as_bytes()),
        );
        for (person, key, c) in trend.person_buckets() {
            let name = common::cell(person, raw);
            rows(buf, by, key, Some(&name), c, ids, labels, raw);
        }
    } else {
        write_csv_row(
            buf,
            ["bucket", "topic", "label", "messages", "total", "per_1000"]
                .iter()
                .map(|c| c.as_bytes()),
        );
        for (key, c) in trend.buckets() {
            rows(buf, by, key, None, c, ids, labels, raw);
        }
    }
}

/// `--evaluate FILE`: precision and recall per topic, then the misclassified messages.
fn evaluate(args: &TopicsArgs, file: &std::path::Path) -> Result<()> {
    let matcher = args.filter.topics()?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.display().to_string();
    let is_jsonl = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let (mut set, skipped) = if is_jsonl {
        let text = std::str::from_utf8(&bytes).with_context(|| format!("{name}: not UTF-8"))?;
        (
            topic_eval::read_jsonl(text).with_context(|| name.clone())?,
            0,
        )
    } else {
        topic_eval::read_sample_csv(&bytes).with_context(|| name.clone())?
    };
    if let Some(split) = &args.split {
        set.retain(|m| m.split.as_deref() == Some(split.as_str()));
    }
    if set.is_empty() {
        bail!("{name}: no labelled message to evaluate (fill the `label` column, see --sample)");
    }
    let e = topic_eval::evaluate(&matcher, &set).with_context(|| name.clone())?;
    common::write_output(args.output.as_deref(), |out| {
        let mut buf = Vec::new();
        writeln!(
            buf,
            "{name}: {} labelled messages{}{}",
            thousands(e.messages as u64),
            args.split
                .as_deref()
                .map(|s| format!(" (split {s})"))
                .unwrap_or_default(),
            if skipped > 0 {
                format!(", {} not labelled yet (skipped)", thousands(skipped as u64))
            } else {
                String::new()
            }
        )?;
        buf.extend_from_slice(topic_eval::table(&e).as_bytes());
        if !e.mistakes.is_empty() {
            writeln!(
                buf,
                "\nmisclassified (FP: predicted, not labelled; FN: labelled, missed):"
            )?;
        }
        let ids = matcher.ids();
        for m in &e.mistakes {
            let msg = &set[m.message];
            let x = matcher.explain(&msg.text);
            let text: String = msg.text.chars().take(200).collect();
            writeln!(
                buf,
                "{} {:<10} {} ({})\n    {}\n    why: {}",
                if m.false_positive { "FP" } else { "FN" },
                ids[m.topic],
                msg.id,
                msg.source,
                text.replace('\n', " "),
                topic_eval::describe(&matcher, &x)
            )?;
        }
        out.write_all(&buf)?;
        Ok(())
    })
}

/// A 64-bit hash of `bytes` (FNV-1a, then a SplitMix64 finaliser): stable across runs,
/// platforms and versions, unlike the standard library's hasher.
fn stable_hash(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for p in parts {
        for &b in *p {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// A message a stratum keeps.
#[derive(Clone, Debug)]
struct Candidate {
    key: u64,
    file: u32,
    source: Option<String>,
    line: u64,
    body: String,
    topics: TopicSet,
}

impl Candidate {
    fn order(&self) -> (u64, u32, u64) {
        (self.key, self.file, self.line)
    }
}

/// One stratum: its population and the candidates with the smallest keys (bottom-k).
#[derive(Clone, Debug, Default)]
struct Stratum {
    population: u64,
    kept: Vec<Candidate>,
    /// Once `cap` are kept: the largest kept order; nothing above it can enter.
    bound: Option<(u64, u32, u64)>,
}

/// The `--sample` accumulator: per stratum, the `cap` messages with the smallest hash keys,
/// which is the same set however the input is split between threads.
struct Sampler {
    seed: u64,
    cap: usize,
    topics: usize,
    focus: Option<usize>,
    strata: Vec<Stratum>,
}

impl Sampler {
    /// The strata a message of `set` belongs to, as bits.
    fn strata_of(&self, set: TopicSet) -> u128 {
        match self.focus {
            Some(t) => 1 << usize::from(!set.contains(t)),
            None if set.is_empty() => 1 << self.topics,
            None => u128::from(set.0),
        }
    }

    /// Keeps the `cap` candidates with the smallest keys, and notes the largest kept.
    fn trim(cap: usize, s: &mut Stratum) {
        s.kept.sort_by_key(Candidate::order);
        s.kept.truncate(cap);
        if s.kept.len() == cap {
            s.bound = s.kept.last().map(Candidate::order);
        }
    }
}

impl Accumulator for Sampler {
    fn observe(&mut self, o: &Observation<'_, '_>) {
        let m = o.message;
        if matches!(
            m.kind,
            chatsift::model::Kind::System | chatsift::model::Kind::Encrypted
        ) || m.body.trim().is_empty()
        {
            return;
        }
        let line = m.origin.as_ref().map_or(m.loc.line, |x| x.line);
        let key = stable_hash(
            self.seed,
            &[
                &m.loc.file.to_le_bytes(),
                &line.to_le_bytes(),
                m.body.as_bytes(),
            ],
        );
        let cap = self.cap;
        let mut strata = self.strata_of(o.topics);
        while strata != 0 {
            let s = strata.trailing_zeros() as usize;
            strata &= strata - 1;
            let Some(st) = self.strata.get_mut(s) else {
                continue;
            };
            st.population += 1;
            let order = (key, m.loc.file, line);
            if st.bound.is_none_or(|b| order < b) {
                st.kept.push(Candidate {
                    key,
                    file: m.loc.file,
                    source: m.origin.as_ref().map(|x| x.source.to_string()),
                    line,
                    body: m.body.to_string(),
                    topics: o.topics,
                });
                if st.kept.len() > cap * 2 {
                    Sampler::trim(cap, st);
                }
            }
        }
    }

    fn merge(&mut self, later: Sampler) {
        for (mine, theirs) in self.strata.iter_mut().zip(later.strata) {
            mine.population += theirs.population;
            mine.kept.extend(theirs.kept);
            Sampler::trim(self.cap, mine);
        }
    }
}

/// `--sample N`: a stratified, reproducible sample as CSV with an empty label column.
fn sample(args: &TopicsArgs, n: usize) -> Result<()> {
    if n == 0 {
        bail!("--sample needs at least 1 message");
    }
    let setup = args.input.setup()?;
    let matcher: TopicMatcher = args.filter.topics()?;
    let ids = matcher.ids().to_vec();
    let focus = match &args.topic {
        Some(t) => Some(
            ids.iter()
                .position(|id| id == t)
                .with_context(|| format!("unknown --topic {t:?} (known: {})", ids.join(", ")))?,
        ),
        None => None,
    };
    let topics = ids.len();
    // Quotas: half the sample from matches (split evenly between the topics), half from the
    // rest; with --topic, half from its matches and half from its non-matches.
    let strata_names: Vec<String> = match focus {
        Some(t) => vec![ids[t].clone(), format!("not {}", ids[t])],
        None => ids.iter().cloned().chain(["none".to_string()]).collect(),
    };
    let matches_quota = n / 2;
    let quotas: Vec<usize> = match focus {
        Some(_) => vec![matches_quota, n - matches_quota],
        None => {
            let mut q: Vec<usize> = (0..topics)
                .map(|i| {
                    matches_quota / topics.max(1) + usize::from(i < matches_quota % topics.max(1))
                })
                .collect();
            q.push(n - matches_quota);
            q
        }
    };
    let cap = n;
    let (seed, f) = (args.seed, focus);
    let (sampler, report) = common::analyse(&setup, &args.filter, Some(&matcher), || Sampler {
        seed,
        cap,
        topics,
        focus: f,
        strata: vec![Stratum::default(); strata_names.len()],
    })?;
    // Fill each stratum's quota in key order, skipping messages another stratum took.
    let mut taken: std::collections::HashSet<(u32, u64, u64)> = Default::default();
    let mut rows: Vec<(usize, &Candidate)> = Vec::new();
    let mut weights = vec![1.0f64; strata_names.len()];
    for (s, st) in sampler.strata.iter().enumerate() {
        let mut k = 0usize;
        for c in &st.kept {
            if k >= quotas[s] {
                break;
            }
            if taken.insert((c.file, c.line, c.key)) {
                rows.push((s, c));
                k += 1;
            }
        }
        if k > 0 {
            weights[s] = st.population as f64 / k as f64;
        }
    }
    rows.sort_by_key(|(_, c)| c.order());
    let raw = args.raw_csv;
    common::write_output(args.output.as_deref(), |out| {
        let mut buf = Vec::new();
        chatsift::output::write_csv_row(
            &mut buf,
            [
                "id",
                "file",
                "line",
                "stratum",
                "weight",
                "predicted",
                "cues",
                "label",
                "text",
            ]
            .iter()
            .map(|c| c.as_bytes()),
        );
        for (i, (s, c)) in rows.iter().enumerate() {
            let id = (i + 1).to_string();
            let file = c.source.as_deref().unwrap_or_else(|| report.path(c.file));
            let line = c.line.to_string();
            let weight = format!("{:.3}", weights[*s]);
            let predicted: Vec<&str> = c.topics.iter().map(|t| ids[t].as_str()).collect();
            let predicted = predicted.join(";");
            let cues = if args.why {
                topic_eval::describe(&matcher, &matcher.explain(&c.body))
            } else {
                String::new()
            };
            let cells: [Vec<u8>; 9] = [
                id.into_bytes(),
                common::cell(file, raw),
                line.into_bytes(),
                common::cell(&strata_names[*s], raw),
                weight.into_bytes(),
                predicted.into_bytes(),
                common::cell(&cues, raw),
                Vec::new(),
                common::cell(&c.body, raw),
            ];
            chatsift::output::write_csv_row(&mut buf, cells.iter().map(|c| c.as_slice()));
        }
        out.write_all(&buf)?;
        Ok(())
    })?;
    if !setup.quiet {
        let pops: Vec<String> = sampler
            .strata
            .iter()
            .zip(&strata_names)
            .map(|(st, name)| format!("{name} {}", thousands(st.population)))
            .collect();
        eprintln!(
            "chatsift topics: sampled {} messages (seed {}); strata: {}",
            thousands(rows.len() as u64),
            args.seed,
            pops.join(", ")
        );
    }
    common::print_summary(&report, setup.quiet);
    Ok(())
}
