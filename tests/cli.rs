//! End-to-end tests that run the `chatsift` binary as a user would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn chatsift() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chatsift"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(args: &[&str]) -> Output {
    chatsift().args(args).output().expect("run chatsift")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn demo() -> &'static str {
    "testdata/demo"
}

#[test]
fn formats_lists_every_leak_and_app_format() {
    let o = run(&["formats"]);
    assert!(o.status.success());
    let out = stdout(&o);
    for name in chatsift::formats::registry().iter().map(|f| f.name()) {
        assert!(
            out.lines().any(|l| l.starts_with(name)),
            "{name} missing from:\n{out}"
        );
    }
}

#[test]
fn unknown_format_and_zone_are_fatal_with_exit_2() {
    let o = run(&["messages", demo(), "--format", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown format \"nope\""),
        "{}",
        stderr(&o)
    );
    let o = run(&["messages", demo(), "--source-tz", "Mars/Base"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown time zone"), "{}", stderr(&o));
    let o = run(&["messages", "no/such/path"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read input no/such/path"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn messages_jsonl_has_every_field_in_order_and_is_sorted() {
    let o = run(&["messages", demo(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let mut last = String::new();
    let mut n = 0;
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            v.as_object().unwrap().len(),
            chatsift::output::MESSAGE_FIELDS.len()
        );
        // Keys in contract order: each top-level key appears after the previous one.
        let mut at = 0;
        for key in chatsift::output::MESSAGE_FIELDS {
            let pos = line[at..]
                .find(&format!("\"{key}\":"))
                .unwrap_or_else(|| panic!("{key} missing or out of order in {line}"));
            at += pos + key.len() + 3;
        }
        let t = v["time"].as_str().unwrap().to_string();
        assert!(t.ends_with('Z'));
        assert!(
            t >= last || t.len() != last.len(),
            "not sorted: {t} after {last}"
        );
        last = t;
        n += 1;
    }
    assert!(n > 50, "demo corpus should have messages, got {n}");
}

#[test]
fn one_thread_and_four_threads_give_byte_identical_output() {
    for to in ["jsonl", "csv", "timesketch", "l2tcsv"] {
        let a = run(&["messages", demo(), "--to", to, "--threads", "1", "-q"]);
        let b = run(&["messages", demo(), "--to", to, "--threads", "4", "-q"]);
        assert!(a.status.success() && b.status.success());
        assert_eq!(
            a.stdout, b.stdout,
            "--to {to} differs between 1 and 4 threads"
        );
        let c = run(&[
            "messages",
            demo(),
            "--to",
            to,
            "--unsorted",
            "--threads",
            "1",
            "-q",
        ]);
        let d = run(&[
            "messages",
            demo(),
            "--to",
            to,
            "--unsorted",
            "--threads",
            "4",
            "-q",
        ]);
        assert_eq!(
            c.stdout, d.stdout,
            "--unsorted --to {to} differs between 1 and 4 threads"
        );
    }
}

#[test]
fn jsonl_read_back_as_chatsift_jsonl_gives_the_same_stream() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.jsonl");
    let o = run(&["messages", demo(), "-o", first.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let again = run(&["messages", first.to_str().unwrap(), "-q"]);
    assert!(again.status.success(), "{}", stderr(&again));
    let original = std::fs::read(&first).unwrap();
    assert!(!original.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        String::from_utf8_lossy(&original)
    );
}

#[test]
fn csv_read_back_as_chatsift_csv_gives_the_same_stream() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("all.csv");
    let o = run(&[
        "messages",
        demo(),
        "--to",
        "csv",
        "-o",
        csv.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let direct = run(&["messages", demo(), "-q"]);
    let again = run(&["messages", csv.to_str().unwrap(), "-q"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        String::from_utf8_lossy(&direct.stdout)
    );
}

#[test]
fn csv_formula_cells_are_neutralized_unless_raw() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("evil.txt");
    std::fs::write(
        &log,
        "[04.11.21 10:02:17] vega:\t\t=HYPERLINK(\"http://x\",\"y\")\n[04.11.21 10:02:18] @quill:\t\t-5\n",
    )
    .unwrap();
    let o = run(&["messages", log.to_str().unwrap(), "--to", "csv", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","),
        "{out}"
    );
    assert!(out.contains(",'@quill,'@quill,"), "{out}");
    assert!(out.contains(",'-5,"), "{out}");
    let raw = run(&[
        "messages",
        log.to_str().unwrap(),
        "--to",
        "csv",
        "--raw-csv",
        "-q",
    ]);
    let out = stdout(&raw);
    assert!(out.contains(",\"=HYPERLINK("), "{out}");
    assert!(out.contains(",-5,"), "{out}");
    let jsonl = run(&["messages", log.to_str().unwrap(), "-q"]);
    assert!(stdout(&jsonl).contains("\"body\":\"=HYPERLINK("));
}

#[test]
fn a_failed_run_leaves_no_output_file_and_strict_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.txt");
    std::fs::write(
        &bad,
        "[04.11.21 10:02:17] vega:\t\tok\n[31.02.21 10:00:00] vega:\t\tbad date\n",
    )
    .unwrap();
    let out = dir.path().join("out.jsonl");
    std::fs::write(&out, "previous").unwrap();
    let o = run(&[
        "messages",
        bad.to_str().unwrap(),
        "--strict",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(":2:"), "names the line: {}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 2, "no temporary file is left behind");
    // Without --strict the good record is written and the bad one reported.
    let o = run(&[
        "messages",
        bad.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 1);
    assert!(
        stderr(&o).contains("1 problems") || stderr(&o).contains("1 problem"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn unwritable_output_is_fatal_with_exit_2() {
    let o = run(&["messages", demo(), "-o", "/nonexistent-dir/out.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot write /nonexistent-dir/out.jsonl"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn inspect_reports_formats_skips_and_problems() {
    let o = run(&["inspect", demo(), "--json", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let files = v["files"].as_array().unwrap();
    let formats: std::collections::BTreeSet<&str> =
        files.iter().filter_map(|f| f["format"].as_str()).collect();
    for name in [
        "isoon",
        "conti-jabber",
        "rocketchat",
        "blackbasta",
        "trickbot",
    ] {
        assert!(formats.contains(name), "demo lacks {name}: {formats:?}");
    }
    assert!(
        files.iter().any(|f| f["skipped"].is_string()),
        "the demo holds a non-chat file"
    );
    assert_eq!(
        v["summary"]["messages"].as_u64().unwrap(),
        files
            .iter()
            .map(|f| f["messages"].as_u64().unwrap())
            .sum::<u64>()
    );
}

#[test]
fn from_to_and_person_filter_messages() {
    let all = run(&["messages", demo(), "-q"]);
    let lines: Vec<serde_json::Value> = stdout(&all)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let sender = lines[0]["sender"].as_str().unwrap().to_string();
    let day = &lines[lines.len() / 2]["time"].as_str().unwrap()[..10];
    let o = run(&["messages", demo(), "--person", &sender, "-q"]);
    assert!(stdout(&o).lines().all(|l| l.contains(&format!(
        "\"sender\":{}",
        serde_json::to_string(&sender).unwrap()
    ))));
    let o = run(&["messages", demo(), "--from", day, "--to", day, "-q"]);
    let kept: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!kept.is_empty());
    assert!(
        kept.iter()
            .all(|v| v["time"].as_str().unwrap().starts_with(day))
    );
    let expected = lines
        .iter()
        .filter(|v| v["time"].as_str().unwrap().starts_with(day))
        .count();
    assert_eq!(kept.len(), expected);
}

#[test]
fn dedup_drops_exact_repeats_only() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("dup.txt");
    std::fs::write(
        &p,
        "[04.11.21 10:02:17] vega:\t\tsame\n[04.11.21 10:02:17] vega:\t\tsame\n[04.11.21 10:02:17] vega:\t\tother\n",
    )
    .unwrap();
    let all = run(&["messages", p.to_str().unwrap(), "-q"]);
    assert_eq!(stdout(&all).lines().count(), 3);
    for extra in [&[][..], &["--unsorted"][..]] {
        let mut args = vec!["messages", p.to_str().unwrap(), "--dedup", "-q"];
        args.extend_from_slice(extra);
        let o = run(&args);
        assert_eq!(stdout(&o).lines().count(), 2, "{extra:?}");
    }
}

#[test]
fn broken_pipe_exits_quietly_with_0() {
    use std::io::Read;
    let mut child = chatsift()
        .args(["messages", demo(), "-q"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_directory_of_unrelated_files_is_skipped_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("notes.md"),
        "# Meeting notes\n\nNothing here.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("photo.png"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
    )
    .unwrap();
    std::fs::write(dir.path().join("empty.txt"), b"").unwrap();
    let o = run(&["inspect", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.matches("skipped").count(), 3, "{out}");
    assert!(out.contains("binary file"));
    assert!(out.contains("empty file"));
}

#[test]
fn zip_archives_are_read_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("export.zip");
    let f = std::fs::File::create(&zip_path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default();
    z.start_file("logs/vega.txt", opts).unwrap();
    std::io::Write::write_all(&mut z, b"[04.11.21 10:02:17] vega:\t\tfrom a zip\n").unwrap();
    z.start_file("../../etc/passwd", opts).unwrap();
    std::io::Write::write_all(&mut z, b"root:x:0:0:root:/root:/bin/bash\n").unwrap();
    z.finish().unwrap();
    let o = run(&["messages", zip_path.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("\"body\":\"from a zip\""), "{out}");
    assert!(out.contains("export.zip!/logs/vega.txt"), "{out}");
    assert!(!Path::new("/etc/passwd.chatsift").exists());
}

#[test]
fn stdin_is_read_with_a_dash() {
    use std::io::Write;
    let mut child = chatsift()
        .args(["messages", "-", "--format", "trickbot", "-q"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"[04.11.21 10:02:17] vega:\t\tvia stdin\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("\"source\":\"-\"") && s.contains("via stdin"),
        "{s}"
    );
}

#[allow(dead_code)]
fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn invalid_utf8_inside_a_record_is_replaced_and_reported_with_its_line() {
    let o = run(&[
        "inspect",
        "testdata/encodings/invalid_utf8.txt",
        "--json",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &v["files"][0];
    assert_eq!(f["messages"], 3);
    assert_eq!(f["problems"], 1);
    assert_eq!(f["problem_list"][0]["line"], 2);
    assert!(
        f["problem_list"][0]["what"]
            .as_str()
            .unwrap()
            .contains("invalid UTF-8")
    );
    let o = run(&["messages", "testdata/encodings/invalid_utf8.txt"]);
    assert!(
        stderr(&o).contains("testdata/encodings/invalid_utf8.txt:2: invalid UTF-8"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn random_bytes_forced_through_every_format_never_crash() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("noise.bin");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    std::fs::write(&p, &bytes).unwrap();
    for f in chatsift::formats::registry() {
        let o = run(&[
            "inspect",
            p.to_str().unwrap(),
            "--format",
            f.name(),
            "--encoding",
            "utf-8",
            "-q",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}: {}", f.name(), stderr(&o));
    }
    // Sniffed, the noise is recognised as no chat at all.
    let o = run(&["inspect", p.to_str().unwrap()]);
    assert!(stdout(&o).contains("skipped"), "{}", stdout(&o));
}

#[test]
fn timesketch_csv_has_the_mandatory_columns_in_the_documented_forms() {
    let o = run(&[
        "messages",
        "testdata/demo/trickbot/old/2020-08-14.txt",
        "--to",
        "timesketch",
        "-q",
    ]);
    assert!(o.status.success());
    let s = stdout(&o);
    let mut rdr = csv::Reader::from_reader(s.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let (msg, dt, ts, desc) = (
        col("message"),
        col("datetime"),
        col("timestamp"),
        col("timestamp_desc"),
    );
    let first = rdr.records().next().unwrap().unwrap();
    assert_eq!(&first[dt], "2020-08-14T11:36:44+00:00");
    assert_eq!(&first[ts], "1597405004000000");
    assert_eq!(&first[desc], "Message Sent");
    assert!(first[msg].starts_with("baza -> vega: "), "{}", &first[msg]);
}

#[test]
fn fields_in_full_order_write_the_same_bytes_and_a_subset_projects_each_row() {
    let all = chatsift::output::MESSAGE_FIELDS.join(",");
    for to in ["jsonl", "csv"] {
        for extra in [&[][..], &["--unsorted"][..]] {
            let full = run(&[&["messages", demo(), "--to", to, "-q"][..], extra].concat());
            let same = run(&[
                &["messages", demo(), "--to", to, "--fields", &all, "-q"][..],
                extra,
            ]
            .concat());
            assert!(full.status.success() && same.status.success());
            assert!(
                full.stdout == same.stdout,
                "--to {to} {extra:?}: --fields with every field differs"
            );
        }
    }
    // A subset, in the order asked: each JSONL row is the full row's keys, projected.
    let full = stdout(&run(&["messages", demo(), "-q"]));
    let some = stdout(&run(&[
        "messages",
        demo(),
        "--fields",
        "body,time,topics,line",
        "-q",
    ]));
    let (full, some): (Vec<&str>, Vec<&str>) = (full.lines().collect(), some.lines().collect());
    assert_eq!(full.len(), some.len());
    for (f, s) in full.iter().zip(&some) {
        let f: serde_json::Value = serde_json::from_str(f).unwrap();
        let at: Vec<usize> = ["body", "time", "topics", "line"]
            .iter()
            .map(|k| s.find(&format!("\"{k}\":")).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "keys out of order: {s}");
        let s: serde_json::Map<String, serde_json::Value> = serde_json::from_str(s).unwrap();
        assert_eq!(s.len(), 4);
        for (k, v) in &s {
            assert_eq!(&f[k], v, "{k}");
        }
    }
    // CSV: the header is the fields; bodies are quoted and guarded as in the full output.
    let csv = stdout(&run(&[
        "messages",
        demo(),
        "--to",
        "csv",
        "--fields",
        "time,sender,body",
        "-q",
    ]));
    assert!(csv.starts_with("time,sender,body\n"), "{csv}");
    assert!(
        csv.contains("\n2020-08-14T11:36:44Z,baza,\"когда будет зарплата\nдо вечера\"\n"),
        "{csv}"
    );
    // Unknown, repeated, or for a format with its own columns: refused with exit 2.
    for bad in [
        &["--fields", "time,nope"][..],
        &["--fields", "time,time"][..],
        &["--fields", "time", "--to", "timesketch"][..],
    ] {
        let o = run(&[&["messages", demo(), "-q"][..], bad].concat());
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
    }
}
