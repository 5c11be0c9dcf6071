//! Input that already comes in the stream's order (one export, logs named by date) is
//! written as it is read instead of being held for the sort (issue 13): `messages` in every
//! output format and the report's `messages.csv` must be the bytes the full sort gives
//! (`CHATSIFT_ALWAYS_SORT=1` forces it), and the streamed run must hold less memory.

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
fn input_already_in_order_streams_the_bytes_of_the_full_sort_in_less_memory() {
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
            let (streamed, sorted) = agree(&args, Some(&out));
            if inputs[0] == big && extra == ["--to", "jsonl"] {
                assert!(
                    streamed > 0 && streamed < sorted,
                    "streaming in-order input holds less than sorting it: {streamed} KB vs {sorted} KB"
                );
            }
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
