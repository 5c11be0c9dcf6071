//! `chatsift bench`: the arguments of the benchmark harness (`src/bench.rs`), which generates a realistic corpus per format (deterministic seed) and reports
//! MB/s and messages/s for each stage — read, a memchr line-count baseline, parse, and
//! `messages --to jsonl` (sorted and `--unsorted`) to /dev/null — with each stage's peak
//! resident memory where the OS tells it.
//!
//! Each stage runs the same code as the commands (the pipeline, the renderer, the writer).
//! The corpus is written to disk first, so stages read it warm from the page cache.

use anyhow::{Context, Result, bail};
use clap::Args;
use std::path::PathBuf;

/// `bench` options.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Corpus size per format: bytes, or with a unit (256MiB, 1GiB, 500MB).
    #[arg(long, default_value = "256MiB", value_name = "SIZE")]
    size: String,
    /// Only these formats (repeatable; default: every format with a corpus generator).
    #[arg(long, value_name = "NAME")]
    format: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Where to write the corpora (default: a temporary directory, removed afterwards).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Keep the generated corpora.
    #[arg(long)]
    keep: bool,
    /// Runs per stage; the fastest is reported.
    #[arg(long, default_value_t = 1, value_name = "N")]
    runs: usize,
    /// Random seed of the generated corpora.
    #[arg(long, default_value_t = 1, value_name = "N")]
    seed: u64,
    /// Only these stages (comma-separated: read, parse, topics, messages, unsorted, timeline,
    /// people, report; `read` includes the memchr baseline). Default: all.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    stages: Vec<String>,
}

/// Parses `256MiB`, `1GiB`, `500MB`, `1G`, `4096`.
pub fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().with_context(|| format!("bad size {s:?}"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "kb" => 1e3,
        "m" | "mib" => 1024.0 * 1024.0,
        "mb" => 1e6,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "gb" => 1e9,
        _ => bail!("bad size unit in {s:?} (use B, KiB, MiB, GiB, KB, MB, GB)"),
    };
    let v = n * mult;
    if !(1.0..=1.2e12).contains(&v) {
        bail!("size {s:?} out of range");
    }
    Ok(v as u64)
}

/// Runs `bench`.
pub fn run(args: BenchArgs) -> Result<()> {
    let size = parse_size(&args.size)?;
    super::common::set_threads(args.threads)?;
    crate::bench::run(&crate::bench::Settings {
        size,
        formats: args.format,
        dir: args.dir,
        keep: args.keep,
        runs: args.runs,
        seed: args.seed,
        stages: args.stages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_and_decimal_units() {
        assert_eq!(parse_size("1GiB").unwrap(), 1 << 30);
        assert_eq!(parse_size("256MiB").unwrap(), 256 << 20);
        assert_eq!(parse_size("500MB").unwrap(), 500_000_000);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("1.5G").unwrap(), 1_610_612_736);
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("0").is_err());
    }
}
