//! `chatsift messages`: the normalized message stream as JSONL, CSV, Timesketch CSV or
//! plaso l2tcsv.
//!
//! Sorted output (the default) orders by (time, source, line) and holds every message in
//! memory (messages borrow the input; nothing is copied). `--unsorted` streams in input order
//! with memory bounded by the batch size, whatever the input size.

use super::common::{self, Filter, FilterArgs, InputArgs, Setup};
use anyhow::{Context, Result};
use chatsift::formats::Sink;
use chatsift::model::{Message, Problem};
use chatsift::output::atomic::AtomicFile;
use chatsift::output::{FileTable, MessageFormat, Renderer};
use chatsift::pipeline::{self, Report};
use chatsift::time::Zone;
use clap::Args;
use rayon::prelude::*;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::io::Write;
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
}

/// How to write the stream.
#[derive(Debug, Clone)]
pub struct StreamConfig {
    /// Output format.
    pub format: MessageFormat,
    /// Output zone for `local_time`.
    pub tz: Zone,
    /// Stream in input order.
    pub unsorted: bool,
    /// Drop exact repeats.
    pub dedup: bool,
    /// No CSV neutralizing.
    pub raw_csv: bool,
    /// Stop at the first problem.
    pub strict: bool,
    /// Which messages to keep.
    pub filter: Filter,
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
    let filter = args.filter.filter(setup.tz, &dates)?;
    let cfg = StreamConfig {
        format,
        tz: setup.tz,
        unsorted: args.unsorted,
        dedup: args.dedup,
        raw_csv: args.raw_csv,
        strict: setup.strict,
        filter,
    };
    let report = match args.output.as_deref().filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            let mut file = AtomicFile::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let report = write_stream(&setup, &cfg, &mut file)
                .with_context(|| format!("writing {}", path.display()))?;
            file.commit()
                .with_context(|| format!("cannot write {}", path.display()))?;
            report
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            let report = write_stream(&setup, &cfg, &mut out)?;
            out.flush().context("writing stdout")?;
            report
        }
    };
    common::print_summary(&report, setup.quiet);
    Ok(())
}

/// Reads every input of `setup` and writes the message stream to `out`.
pub fn write_stream(setup: &Setup, cfg: &StreamConfig, out: &mut dyn Write) -> Result<Report> {
    let mut table = FileTable {
        paths: setup.walk_files.iter().map(|f| f.path.clone()).collect(),
        formats: vec!["?"; setup.walk_files.len()],
    };
    let header = Renderer::new(cfg.format, cfg.tz, cfg.raw_csv, &table).header();
    out.write_all(&header).context("writing output")?;
    let mut opts = setup.options;
    if !cfg.unsorted {
        opts.batch_bytes = None;
    }
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
    let report = pipeline::run(
        &setup.walk_files,
        &opts,
        setup.walk_problems.clone(),
        |mut batch| -> Result<()> {
            for j in &batch.jobs {
                if let Some(f) = table.formats.get_mut(j.file as usize) {
                    *f = j.format.name();
                }
            }
            let table = &table;
            if cfg.unsorted {
                let outs = batch.parse(|_| StreamSink {
                    renderer: Renderer::new(cfg.format, cfg.tz, cfg.raw_csv, table),
                    filter: &cfg.filter,
                    dedup: cfg.dedup,
                    buf: Vec::new(),
                    ends: Vec::new(),
                });
                check_strict(cfg, batch.report())?;
                for o in outs {
                    if cfg.dedup {
                        let mut start = 0;
                        for &(key, end) in &o.ends {
                            if seen.insert(key) {
                                out.write_all(&o.buf[start..end])?;
                            }
                            start = end;
                        }
                    } else {
                        out.write_all(&o.buf)?;
                    }
                }
            } else {
                let parts = batch.parse(|_| Kept {
                    filter: &cfg.filter,
                    messages: Vec::new(),
                });
                check_strict(cfg, batch.report())?;
                let mut all: Vec<Message<'_>> =
                    Vec::with_capacity(parts.iter().map(|p| p.messages.len()).sum());
                for p in parts {
                    all.extend(p.messages);
                }
                sort_messages(&mut all, table);
                if cfg.dedup {
                    dedup_sorted(&mut all);
                }
                // Render in parallel, a slice at a time, and write in order.
                for group in all.chunks(1 << 18) {
                    let bufs: Vec<Vec<u8>> = group
                        .par_chunks(4096)
                        .map(|c| {
                            let mut r = Renderer::new(cfg.format, cfg.tz, cfg.raw_csv, table);
                            let mut buf = Vec::with_capacity(c.len() * 256);
                            for m in c {
                                r.render(m, &m.sender, &[], &mut buf);
                            }
                            buf
                        })
                        .collect();
                    for b in bufs {
                        out.write_all(&b)?;
                    }
                }
            }
            Ok(())
        },
    )?;
    Ok(report)
}

fn check_strict(cfg: &StreamConfig, report: &Report) -> Result<()> {
    if cfg.strict
        && let Some(stop) = common::strict_stop(report)
    {
        return Err(stop.into());
    }
    Ok(())
}

/// Sorts by (time, source, line): the order of the stream.
pub fn sort_messages(all: &mut [Message<'_>], table: &FileTable) {
    all.par_sort_by(|a, b| {
        a.time.micros.cmp(&b.time.micros).then_with(|| {
            let (sa, _, la, _) = table.provenance(a);
            let (sb, _, lb, _) = table.provenance(b);
            sa.cmp(sb).then(la.cmp(&lb))
        })
    });
}

/// Drops exact repeats (same time, sender, recipient, channel, body) from a sorted stream,
/// keeping the first.
pub fn dedup_sorted(all: &mut Vec<Message<'_>>) {
    let mut keep = vec![true; all.len()];
    let mut i = 0;
    while i < all.len() {
        let mut j = i + 1;
        while j < all.len() && all[j].time.micros == all[i].time.micros {
            j += 1;
        }
        if j - i > 1 {
            let mut group: HashSet<(&str, Option<&str>, Option<&str>, &str)> = HashSet::new();
            for (k, m) in all[i..j].iter().enumerate() {
                let key = (
                    m.sender.as_ref(),
                    m.recipient.as_deref(),
                    m.channel.as_deref(),
                    m.body.as_ref(),
                );
                if !group.insert(key) {
                    keep[i + k] = false;
                }
            }
        }
        i = j;
    }
    let mut k = keep.iter();
    all.retain(|_| *k.next().unwrap_or(&true));
}

/// The 128-bit dedup key of a message for streaming dedup.
fn dedup_key(m: &Message<'_>) -> (u64, u64) {
    let mut a = std::collections::hash_map::DefaultHasher::new();
    let mut b = std::collections::hash_map::DefaultHasher::new();
    0xC5u8.hash(&mut b);
    for h in [&mut a, &mut b] {
        m.time.micros.hash(h);
        m.sender.hash(h);
        m.recipient.hash(h);
        m.channel.hash(h);
        m.body.hash(h);
    }
    (a.finish(), b.finish())
}

/// Keeps filtered messages of one chunk.
struct Kept<'t, 'f> {
    filter: &'f Filter,
    messages: Vec<Message<'t>>,
}

impl<'t> Sink<'t> for Kept<'t, '_> {
    fn message(&mut self, m: Message<'t>) {
        if self.filter.keep(&m) {
            self.messages.push(m);
        }
    }
    fn problem(&mut self, _p: Problem) {}
}

/// Renders filtered messages of one chunk as they come.
struct StreamSink<'f> {
    renderer: Renderer<'f>,
    filter: &'f Filter,
    dedup: bool,
    buf: Vec<u8>,
    ends: Vec<((u64, u64), usize)>,
}

impl<'t> Sink<'t> for StreamSink<'_> {
    fn message(&mut self, m: Message<'t>) {
        if !self.filter.keep(&m) {
            return;
        }
        self.renderer.render(&m, &m.sender, &[], &mut self.buf);
        if self.dedup {
            self.ends.push((dedup_key(&m), self.buf.len()));
        }
    }
    fn problem(&mut self, _p: Problem) {}
}
