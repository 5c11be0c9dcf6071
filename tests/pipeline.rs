//! The pipeline reads big files a window at a time and splits windows into chunks at record
//! boundaries. These tests prove that the cut points change nothing: every fixture and demo
//! file read with tiny windows and chunks (so windows end at many record boundaries, found on
//! text regions around the cut) gives exactly the stream of a whole-file read.

use chatsift::formats::Collect;
use chatsift::pipeline::{self, Options};
use chatsift::source;

/// Reads `paths` and returns one line per message and problem, in input order.
fn read(paths: &[String], opts: &Options) -> (Vec<String>, u64) {
    let (lines, n, _) = read_with(paths, opts, false);
    (lines, n)
}

/// As `read`, with small jobs sharing sinks when `grouped`; also gives (jobs, sinks).
fn read_with(
    paths: &[String],
    opts: &Options,
    grouped: bool,
) -> (Vec<String>, u64, (usize, usize)) {
    let walk = source::walk(paths).unwrap();
    let mut lines = Vec::new();
    let mut counts = (0, 0);
    let report = pipeline::run(
        &walk.files,
        opts,
        walk.problems,
        |mut batch| -> Result<(), ()> {
            let sinks = if grouped {
                batch.parse_grouped(|_| Collect::default())
            } else {
                batch.parse(|_| Collect::default())
            };
            counts.0 += batch.jobs.len();
            counts.1 += sinks.len();
            for c in sinks {
                for m in c.messages {
                    lines.push(format!(
                        "{} {}:{}@{} {} {:?} {:?} {:?} {} {:?} {:?}",
                        m.time.micros,
                        m.loc.file,
                        m.loc.line,
                        m.loc.offset,
                        m.sender,
                        m.recipient,
                        m.channel,
                        m.body,
                        m.kind,
                        m.attachments,
                        m.id
                    ));
                }
            }
            Ok(())
        },
    )
    .unwrap();
    for p in &report.problems {
        lines.push(format!("problem {}:{} {}", p.loc.file, p.loc.line, p.what));
    }
    for f in &report.files {
        lines.push(format!(
            "file {} {} {} {} {}",
            f.path, f.messages, f.problems, f.duplicates, f.dst_adjusted
        ));
    }
    (lines, report.messages(), counts)
}

#[test]
fn grouped_small_jobs_give_the_same_stream_and_counts_with_fewer_sinks() {
    for opts in [
        Options::default(),
        Options {
            window_bytes: 4096,
            chunk_bytes: 512,
            ..Options::default()
        },
    ] {
        let (one, n, (jobs, sinks)) = read_with(&all_inputs(), &opts, false);
        assert_eq!(jobs, sinks);
        let (grouped, m, (gjobs, gsinks)) = read_with(&all_inputs(), &opts, true);
        assert_eq!(one, grouped);
        assert_eq!(n, m);
        assert_eq!(jobs, gjobs);
        assert!(gsinks * 2 < gjobs, "{gsinks} sinks for {gjobs} jobs");
    }
}

fn all_inputs() -> Vec<String> {
    vec![concat!(env!("CARGO_MANIFEST_DIR"), "/testdata").to_string()]
}

#[test]
fn tiny_windows_and_chunks_read_exactly_what_a_whole_read_does() {
    let whole = Options {
        window_bytes: usize::MAX / 4,
        chunk_bytes: usize::MAX / 4,
        batch_bytes: None,
        ..Options::default()
    };
    let (base, n) = read(&all_inputs(), &whole);
    assert!(n > 200, "fixtures and demo hold messages: {n}");
    for (window, chunk, batch) in [(256, 64, Some(1024)), (1024, 100, Some(1)), (4096, 1, None)] {
        let opts = Options {
            window_bytes: window,
            chunk_bytes: chunk,
            batch_bytes: batch,
            ..Options::default()
        };
        let (got, _) = read(&all_inputs(), &opts);
        if got != base {
            let at = got
                .iter()
                .zip(&base)
                .position(|(a, b)| a != b)
                .unwrap_or(got.len().min(base.len()));
            panic!(
                "window {window} chunk {chunk} batch {batch:?}: item {at} differs:\n  got  {:?}\n  want {:?}",
                got.get(at),
                base.get(at)
            );
        }
    }
}

#[test]
fn a_file_bigger_than_many_windows_splits_at_record_boundaries() {
    use std::fmt::Write;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.txt");
    let mut s = String::new();
    for i in 0..20_000u32 {
        let _ = write!(
            s,
            "[04.11.21 {:02}:{:02}:{:02}] vega:\t\tстрока {i}\n[11:20:09] <stern> pasted\nещё\n",
            i / 3600 % 24,
            i / 60 % 60,
            i % 60
        );
    }
    std::fs::write(&p, &s).unwrap();
    let path = vec![p.to_string_lossy().into_owned()];
    let (base, n) = read(
        &path,
        &Options {
            window_bytes: usize::MAX / 4,
            batch_bytes: None,
            ..Options::default()
        },
    );
    assert_eq!(n, 20_000);
    let (got, _) = read(
        &path,
        &Options {
            window_bytes: 64 << 10,
            chunk_bytes: 8 << 10,
            batch_bytes: Some(128 << 10),
            ..Options::default()
        },
    );
    assert_eq!(got, base);
}

#[test]
fn an_error_from_the_first_batch_stops_the_reader_without_hanging() {
    use std::fmt::Write;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.txt");
    let mut s = String::new();
    for i in 0..50_000u32 {
        let _ = writeln!(
            s,
            "[04.11.21 10:{:02}:{:02}] vega:\t\tline {i}",
            i / 60 % 60,
            i % 60
        );
    }
    std::fs::write(&p, &s).unwrap();
    let walk = source::walk(&[p.to_string_lossy().into_owned()]).unwrap();
    let opts = Options {
        window_bytes: 16 << 10,
        chunk_bytes: 4 << 10,
        batch_bytes: Some(16 << 10),
        ..Options::default()
    };
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut batches = 0;
        let r = pipeline::run(
            &walk.files,
            &opts,
            Vec::new(),
            |_batch| -> Result<(), &'static str> {
                batches += 1;
                Err("stop")
            },
        );
        let _ = done.send((r.is_err(), batches));
    });
    let (failed, batches) = wait
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the run hung");
    assert!(failed);
    assert_eq!(batches, 1);
}
