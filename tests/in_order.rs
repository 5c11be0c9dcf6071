//! Input that already comes in the stream's order (one export, logs named by date) is
//! written as it is read instead of being held for the sort (issue 13): `messages` in every
//! output format and the report's `messages.csv` must be the bytes the full sort gives
//! (`CHATSIFT_ALWAYS_SORT=1` forces it), and the streamed run must hold less memory. Input
//! found out of order after rows were written starts again, sorted, with the same bytes.

use std::path::Path;
use std::process::Command;

fn run(args: &[&str], always_sort: bool) -> (Vec<u8>, u64) {
    let o = Command::new(env!("CARGO_BIN_EXE_chatsift"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env("CHATSIFT_ALWAYS_SORT", if always_sort { "1" } else { "0" })
        .env("CHATSIFT_REPORT_PEAK_RSS", "1")
        .output()
        .expect("run chatsift");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    let kb = err
        .lines()
        .find_map(|l| l.strip_prefix("chatsift-peak-rss-kb: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    (o.stdout, kb)
}

/// A generated WhatsApp export of `size` bytes: one file in time order.
fn export(dir: &Path, size: u64) -> String {
    let path = dir.join(chatsift_corpus::file_name("whatsapp"));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    chatsift_corpus::generate("whatsapp", size, 7, &mut f).unwrap();
    drop(f);
    path.to_str().unwrap().to_string()
}

/// The same command streamed and sorted: same bytes in its output file (or stdout).
fn agree(args: &[&str], out: Option<&Path>) -> (u64, u64) {
    let (a, rss_streamed) = run(args, false);
    let a = out.map_or(a, |p| std::fs::read(p).unwrap());
    let (b, rss_sorted) = run(args, true);
    let b = out.map_or(b, |p| std::fs::read(p).unwrap());
    assert!(!a.is_empty(), "{args:?}: no output");
    assert!(
        a == b,
        "{args:?}: streamed and sorted differ at byte {}",
        a.iter()
            .zip(&b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()))
    );
    (rss_streamed, rss_sorted)
}

#[test]
fn input_already_in_order_streams_the_bytes_of_the_full_sort() {
    let tmp = tempfile::tempdir().unwrap();
    // Two batches of input (32 MiB each), so the streamed rows cross a batch boundary.
    let big = export(tmp.path(), 40 << 20);
    let conti = "testdata/demo/conti";
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    for inputs in [vec![big.as_str()], vec![conti]] {
        for extra in [
            &["--to", "jsonl"][..],
            &["--to", "csv"],
            &["--to", "csv", "--fields", "time,sender,body"],
            &["--to", "timesketch"],
            &["--to", "jsonl", "--dedup"],
            &["--to", "parquet"],
        ] {
            let mut args = vec!["messages"];
            args.extend(&inputs);
            args.extend(extra);
            args.extend(["-o", o, "--threads", "2", "-q"]);
            agree(&args, Some(&out));
        }
        let report = tmp.path().join("report");
        let mut args = vec!["report"];
        args.extend(&inputs);
        args.extend(["-o", report.to_str().unwrap(), "--threads", "2", "-q"]);
        agree(&args, Some(&report.join("messages.csv")));
    }
}

#[test]
fn input_out_of_order_still_sorts() {
    // The demo leak's i-SOON files overlap in time: the order check gives up and sorts.
    let (out, _) = run(
        &["messages", "testdata/demo/isoon", "--to", "csv", "-q"],
        false,
    );
    let times: Vec<String> = csv::Reader::from_reader(&out[..])
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    assert!(times.len() > 100);
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "sorted by time");
    let (sorted, _) = run(
        &["messages", "testdata/demo/isoon", "--to", "csv", "-q"],
        true,
    );
    assert!(out == sorted);
}

#[test]
fn input_found_out_of_order_after_rows_were_written_starts_again_sorted() {
    let tmp = tempfile::tempdir().unwrap();
    // chat1: 40 MiB in time order (its first batch is written as it comes); chat2, read
    // after it, repeats chat1's first MiB, which sorts before most of what was written.
    let big = export(tmp.path(), 40 << 20);
    let dir = tmp.path().join("leak");
    std::fs::create_dir(&dir).unwrap();
    let text = std::fs::read(&big).unwrap();
    let cut = text[..1 << 20].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    std::fs::write(dir.join("chat1.txt"), &text).unwrap();
    std::fs::write(dir.join("chat2.txt"), &text[..cut]).unwrap();
    let leak = dir.to_str().unwrap();
    let out = tmp.path().join("out.csv");
    let o = out.to_str().unwrap();
    for to in ["jsonl", "csv"] {
        let args = [
            "messages",
            leak,
            "--to",
            to,
            "-o",
            o,
            "--threads",
            "2",
            "-q",
        ];
        agree(&args, Some(&out));
    }
    let report = tmp.path().join("report");
    let args = [
        "report",
        leak,
        "-o",
        report.to_str().unwrap(),
        "--threads",
        "2",
        "-q",
    ];
    agree(&args, Some(&report.join("messages.csv")));
    // The first attempt's files are gone: only the report's own files are there.
    let names: Vec<String> = std::fs::read_dir(&report)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    assert!(
        std::fs::read_dir(tmp.path())
            .unwrap()
            .all(|e| { !e.unwrap().file_name().to_string_lossy().starts_with('.') })
    );
}

#[test]
fn streaming_input_in_order_holds_a_batch_where_the_sort_holds_every_message() {
    // Three batches and more: the sort keeps a compact record of every message until the
    // end, the stream only the batch it is writing.
    let tmp = tempfile::tempdir().unwrap();
    let big = export(tmp.path(), 100 << 20);
    let out = tmp.path().join("out.jsonl");
    let args = [
        "messages",
        &big,
        "-o",
        out.to_str().unwrap(),
        "--threads",
        "2",
        "-q",
    ];
    let (streamed, sorted) = agree(&args, Some(&out));
    assert!(
        streamed > 0 && streamed + 50_000 < sorted,
        "streamed {streamed} KB, sorted {sorted} KB"
    );
}
