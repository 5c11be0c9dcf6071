//! Parser throughput per leak format, against a line-counting baseline.
//!
//! For every format in [`chatsift_corpus::FORMATS`] a 16 MiB corpus is generated once
//! (deterministic, seed 1; see `crates/chatsift-corpus/`), then one criterion group per format
//! measures, with `Throughput::Bytes` of the corpus size:
//!
//! - `baseline/memchr-lines`: counting `\n` with `memchr::memchr_iter`, the floor any parser
//!   that looks at every byte is compared against;
//! - `parse/<format>`: what `chatsift` does per file: `split_text` into ~4 MiB chunks at
//!   record boundaries, then `Format::parse` of every chunk (sequentially, one core) into a
//!   sink that only counts messages and problems, with the hint of the format's survey (run
//!   once beforehand, as the pipeline does before any chunk is parsed);
//! - `survey/<format>`: that survey pass alone, for formats that have one (telegram's chats,
//!   whatsapp's date order, qq's sections, irc's dates, discord's channel).
//!
//! Decoding, sniffing and output are not included. Before measuring, each format is parsed
//! once and a line on stderr says whether the parser's message count matches the number of
//! records the generator wrote.
//!
//! Run: `cargo bench --bench parse` (about 4 s per function, 10 samples each), one format:
//! `cargo bench --bench parse -- rocketchat`, a smoke run: `cargo bench --bench parse -- --quick`.

use std::hint::black_box;
use std::time::Duration;

use chatsift::formats::{self, Format, FormatOptions, ParseCtx, Sink};
use chatsift::model::{Message, Problem};
use chatsift::time::Zone;
use chatsift_corpus as corpus;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Size of each generated corpus.
const CORPUS_BYTES: u64 = 16 << 20;
/// Chunk size handed to `split_text`.
const CHUNK_BYTES: usize = 4 << 20;

/// A sink that keeps only counts.
#[derive(Default)]
struct Count {
    messages: u64,
    problems: u64,
}

impl<'a> Sink<'a> for Count {
    fn message(&mut self, m: Message<'a>) {
        black_box(&m);
        self.messages += 1;
    }
    fn problem(&mut self, p: Problem) {
        black_box(&p);
        self.problems += 1;
    }
}

/// Splits and parses a whole corpus the way the pipeline does, on one thread.
fn parse_all(format: &dyn Format, text: &str, ctx: &ParseCtx<'_>) -> Count {
    let mut sink = Count::default();
    for chunk in formats::split_text(format, text, CHUNK_BYTES) {
        format.parse(&chunk, ctx, &mut sink);
    }
    sink
}

fn bench_formats(c: &mut Criterion) {
    for &name in corpus::FORMATS {
        let mut data = Vec::with_capacity(CORPUS_BYTES as usize + (1 << 16));
        let stats = corpus::generate(name, CORPUS_BYTES, 1, &mut data).expect("generate corpus");
        let text = String::from_utf8(data).expect("corpus is UTF-8");
        let format = formats::by_name(name).expect("format in registry");
        let path = corpus::file_name(name);
        let hint = formats::survey_text(format, path, &text, FormatOptions::default());
        let mut ctx = ParseCtx::new(0, path, Zone::Utc);
        ctx.hint = hint.as_deref();

        let check = parse_all(format, &text, &ctx);
        eprintln!(
            "{name}: corpus {} bytes, {} records; parser: {} messages, {} problems{}",
            stats.bytes,
            stats.messages,
            check.messages,
            check.problems,
            if check.messages == stats.messages && check.problems == 0 {
                ""
            } else {
                " (MISMATCH: differs from the records written)"
            }
        );

        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function("baseline/memchr-lines", |b| {
            b.iter(|| memchr::memchr_iter(b'\n', black_box(text.as_bytes())).count())
        });
        group.bench_function(format!("parse/{name}"), |b| {
            b.iter(|| {
                let n = parse_all(format, black_box(&text), &ctx);
                black_box((n.messages, n.problems))
            })
        });
        if hint.is_some() {
            group.bench_function(format!("survey/{name}"), |b| {
                b.iter(|| {
                    let h = formats::survey_text(
                        format,
                        path,
                        black_box(&text),
                        FormatOptions::default(),
                    );
                    black_box(h.is_some())
                })
            });
        }
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_formats
}
criterion_main!(benches);
