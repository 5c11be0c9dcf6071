//! Parquet output and input (issue 14): `messages --to parquet` as one file or a Hive
//! dataset, read back as `chatsift-parquet` to the same tables as the source; the same bytes
//! for any `--threads`; `--shard K/N` parts that together are one unsharded run; the schema
//! and metadata the README documents.

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chatsift"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run chatsift")
}

fn ok(args: &[&str]) -> Vec<u8> {
    let o = run(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A generated isoon corpus of about `bytes` (several row groups and pipeline batches).
fn corpus(dir: &Path, bytes: u64) -> PathBuf {
    let path = dir.join(chatsift_corpus::file_name("isoon"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    chatsift_corpus::generate("isoon", bytes, 11, &mut out).unwrap();
    drop(out);
    path
}

#[test]
fn a_parquet_file_and_a_dataset_read_back_to_the_tables_of_their_source() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("demo.parquet");
    let ds = tmp.path().join("ds");
    ok(&[
        "messages",
        "testdata/demo",
        "--to",
        "parquet",
        "-o",
        s(&file),
        "-q",
    ]);
    ok(&[
        "messages",
        "testdata/demo",
        "--to",
        "parquet-dataset",
        "-o",
        s(&ds),
        "-q",
    ]);
    assert!(
        ds.join("format=isoon/month=2021-02/part-00000.parquet")
            .is_file()
    );
    assert!(
        ds.join("format=conti-jabber/month=2021-03/part-00000.parquet")
            .is_file()
    );
    for cmd in [
        &["messages"][..],
        &["messages", "--to", "csv"],
        &["timeline", "--by", "day", "--tz", "+08:00"],
        &["topics", "--by", "week"],
        &["graph"],
    ] {
        let want = ok(&[cmd, &["testdata/demo", "-q"]].concat());
        for input in [&file, &ds] {
            let got = ok(&[cmd, &[s(input), "-q"]].concat());
            assert!(
                got == want,
                "{cmd:?} over {} differs from the source",
                input.display()
            );
        }
    }
    // Reply times follow input order, which a sorted re-import does not keep: `people`
    // agrees with the JSONL round trip, as any re-import does.
    let jsonl = tmp.path().join("demo.jsonl");
    ok(&["messages", "testdata/demo", "-o", s(&jsonl), "-q"]);
    let want = ok(&["people", s(&jsonl), "-q"]);
    assert_eq!(ok(&["people", s(&file), "-q"]), want);
    assert_eq!(ok(&["people", s(&ds), "-q"]), want);
}

#[test]
fn parquet_files_are_the_same_bytes_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let big = corpus(tmp.path(), 12_000_000);
    let mut first: Option<BTreeMap<String, Vec<u8>>> = None;
    for threads in ["1", "2", "8"] {
        let out = tmp.path().join(format!("t{threads}"));
        std::fs::create_dir_all(&out).unwrap();
        for (name, extra) in [
            ("sorted.parquet", &[][..]),
            ("unsorted.parquet", &["--unsorted"][..]),
            ("ds/", &[][..]),
        ] {
            let target = out.join(name);
            let mut args = vec![
                "messages",
                s(&big),
                "testdata/demo",
                "--to",
                "parquet",
                "-o",
                s(&target),
                "--threads",
                threads,
                "-q",
            ];
            // Small pipeline batches, so the stream is many batches and sorted runs.
            args.extend(extra);
            let o = Command::new(env!("CARGO_BIN_EXE_chatsift"))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .args(&args)
                .env("CHATSIFT_SORT_MEMORY", "0")
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        let files = tree(&out);
        assert!(files.len() > 4, "{:?}", files.keys().collect::<Vec<_>>());
        match &first {
            None => first = Some(files),
            Some(f) => {
                assert_eq!(
                    f.keys().collect::<Vec<_>>(),
                    files.keys().collect::<Vec<_>>()
                );
                for (k, v) in f {
                    assert!(files[k] == *v, "{k} differs with --threads {threads}");
                }
            }
        }
    }
    // The big file has several row groups, and its rows are in time order.
    let first = first.unwrap();
    let reader =
        SerializedFileReader::new(bytes::Bytes::from(first["sorted.parquet"].clone())).unwrap();
    assert!(reader.metadata().num_row_groups() > 1);
}

#[test]
fn three_shards_written_into_one_folder_hold_the_rows_of_one_unsharded_run() {
    let tmp = tempfile::tempdir().unwrap();
    let big = corpus(&tmp.path().join("in"), 2_000_000);
    let inputs = [
        s(big.parent().unwrap()),
        "testdata/demo",
        "testdata/whatsapp",
        "testdata/qq",
    ];
    let whole = tmp.path().join("whole");
    let shared = tmp.path().join("shared");
    ok(&[
        &["messages"][..],
        &inputs,
        &["--to", "parquet-dataset", "-o", s(&whole), "-q"],
    ]
    .concat());
    let mut read = 0u64;
    for k in ["1/3", "2/3", "3/3"] {
        let o = run(&[
            &["messages"][..],
            &inputs,
            &["--shard", k, "--to", "parquet-dataset", "-o", s(&shared)],
        ]
        .concat());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let err = String::from_utf8_lossy(&o.stderr);
        // "chatsift: N files read, …"
        let n: u64 = err
            .lines()
            .find_map(|l| {
                l.strip_prefix("chatsift: ")?
                    .split(' ')
                    .next()?
                    .parse()
                    .ok()
            })
            .unwrap_or_else(|| panic!("no summary in {err}"));
        assert!(n > 0, "shard {k} read no file: {err}");
        read += n;
    }
    let all = ok(&[&["inspect"][..], &inputs, &["--json", "-q"]].concat());
    let all: serde_json::Value = serde_json::from_slice(&all).unwrap();
    let files = all["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["skipped"].is_null())
        .count() as u64;
    assert_eq!(read, files, "the shards together read every file once");
    // Each shard names its files part-K-…; the union reads back to the unsharded rows.
    let names: Vec<String> = tree(&shared).into_keys().collect();
    for k in 1..=3 {
        assert!(
            names
                .iter()
                .any(|n| n.ends_with(&format!("part-{k}-00000.parquet"))),
            "{names:?}"
        );
    }
    assert_eq!(
        ok(&["messages", s(&shared), "-q"]),
        ok(&["messages", s(&whole), "-q"])
    );
    assert_eq!(
        ok(&["timeline", s(&shared), "--by", "month", "-q"]),
        ok(&[&["timeline"][..], &inputs, &["--by", "month", "-q"]].concat())
    );
}

#[test]
fn the_file_carries_the_documented_schema_metadata_seq_and_people() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("m.parquet");
    let alias = tmp.path().join("alias.toml");
    std::fs::write(&alias, "[[person]]\nname = \"Vega\"\nids = [\"vega\"]\n").unwrap();
    ok(&[
        "messages",
        "testdata/demo/trickbot",
        "--unsorted",
        "--alias",
        s(&alias),
        "--tz",
        "+03:00",
        "--to",
        "parquet",
        "-o",
        s(&file),
        "-q",
    ]);
    let bytes = bytes::Bytes::from(std::fs::read(&file).unwrap());
    let reader = SerializedFileReader::new(bytes.clone()).unwrap();
    let kv: BTreeMap<String, String> = reader
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .unwrap()
        .iter()
        .map(|k| (k.key.clone(), k.value.clone().unwrap_or_default()))
        .collect();
    assert_eq!(kv["chatsift.version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(kv["chatsift.zone"], "+03:00");
    assert_eq!(kv["chatsift.lexicon"], "built-in");
    let batches: Vec<_> = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, chatsift::formats::parquet::COLUMNS);
    let mut seqs = Vec::new();
    let mut to_vega = 0;
    for b in &batches {
        let seq = b.column_by_name("seq").unwrap().as_primitive::<Int64Type>();
        seqs.extend(seq.values().iter().copied());
        let rcpt = b.column_by_name("recipient").unwrap().as_string::<i32>();
        let rp = b
            .column_by_name("recipient_person")
            .unwrap()
            .as_string::<i32>();
        for i in 0..b.num_rows() {
            if rcpt.is_valid(i) && rcpt.value(i) == "vega" {
                assert_eq!(rp.value(i), "Vega");
                to_vega += 1;
            }
        }
        let local = b.column_by_name("local_time").unwrap().as_string::<i32>();
        assert!(local.value(0).ends_with("+03:00"), "{}", local.value(0));
    }
    assert!(to_vega > 0);
    // Unsorted output is input order: seq counts 0, 1, 2, …
    assert_eq!(seqs, (0..seqs.len() as i64).collect::<Vec<_>>());
}

#[test]
fn sorted_parquet_numbers_rows_in_input_order_like_unsorted() {
    let tmp = tempfile::tempdir().unwrap();
    let read = |name: &str, extra: &[&str]| -> Vec<(i64, String)> {
        let file = tmp.path().join(name);
        ok(&[
            &[
                "messages",
                "testdata/demo",
                "--to",
                "parquet",
                "-o",
                s(&file),
                "-q",
            ][..],
            extra,
        ]
        .concat());
        let bytes = bytes::Bytes::from(std::fs::read(&file).unwrap());
        let mut rows = Vec::new();
        for b in ParquetRecordBatchReaderBuilder::try_new(bytes)
            .unwrap()
            .build()
            .unwrap()
        {
            let b = b.unwrap();
            let seq = b.column_by_name("seq").unwrap().as_primitive::<Int64Type>();
            let body = b.column_by_name("body").unwrap().as_string::<i32>();
            for i in 0..b.num_rows() {
                rows.push((seq.value(i), body.value(i).to_string()));
            }
        }
        rows.sort();
        rows
    };
    assert_eq!(
        read("sorted.parquet", &[]),
        read("unsorted.parquet", &["--unsorted"])
    );
}

#[test]
fn parquet_needs_a_file_and_an_empty_run_still_writes_a_valid_one() {
    let o = run(&["messages", "testdata/demo", "--to", "parquet", "-q"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Parquet output needs -o"));
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("none.parquet");
    ok(&[
        "messages",
        "testdata/demo",
        "--person",
        "nobody",
        "--to",
        "parquet",
        "-o",
        s(&file),
        "-q",
    ]);
    let reader = SerializedFileReader::new(std::fs::File::open(&file).unwrap()).unwrap();
    assert_eq!(reader.metadata().file_metadata().num_rows(), 0);
    let o = run(&["messages", s(&file), "-q"]);
    assert!(o.status.success() && o.stdout.is_empty());
    let o = run(&[
        "messages",
        "testdata/demo",
        "--to",
        "parquet",
        "--compression",
        "brotli",
        "-o",
        s(&file),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// Writes chatsift's own tables over `inputs` in `zone` into `dir` (the files
/// scripts/sql_check.py compares with), and the dataset into `dir/ds`.
fn tables_and_dataset(inputs: &[&str], zone: &str, dir: &Path) -> PathBuf {
    let ds = dir.join("ds");
    let out = |name: &str| s(&dir.join(name)).to_string();
    for (cmd, extra, file) in [
        ("timeline", &["--by", "day"][..], "timeline.csv"),
        ("topics", &["--by", "week"][..], "topics.csv"),
        ("people", &[][..], "people.csv"),
        ("graph", &[][..], "edges.csv"),
    ] {
        let o = out(file);
        ok(&[&[cmd][..], inputs, extra, &["--tz", zone, "-o", &o, "-q"]].concat());
    }
    ok(&[
        &["messages"][..],
        inputs,
        &["--tz", zone, "--to", "parquet-dataset", "-o", s(&ds), "-q"],
    ]
    .concat());
    ds
}

/// Python with the duckdb package, or None (CI installs it and sets
/// CHATSIFT_REQUIRE_DUCKDB=1, so there a missing package fails instead of skipping).
fn python_with(module: &str, require: &str) -> Option<&'static str> {
    let found = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some("python3");
    }
    assert!(
        std::env::var(require).is_err(),
        "{require} is set but python3 cannot import {module}"
    );
    eprintln!("python3 cannot import {module}: check skipped");
    None
}

#[test]
fn duckdb_reads_the_dataset_and_its_sql_gives_chatsift_tables_row_for_row() {
    let Some(python) = python_with("duckdb", "CHATSIFT_REQUIRE_DUCKDB") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // A generated corpus of every leak layout and two app formats, beside the demo.
    let generated = tmp.path().join("generated");
    for (i, f) in [
        "isoon",
        "conti-jabber",
        "rocketchat",
        "blackbasta",
        "trickbot",
        "whatsapp",
        "telegram",
    ]
    .iter()
    .enumerate()
    {
        let dir = generated.join(f);
        std::fs::create_dir_all(&dir).unwrap();
        let mut out = std::fs::File::create(dir.join(chatsift_corpus::file_name(f))).unwrap();
        chatsift_corpus::generate(f, 400_000, i as u64 + 1, &mut out).unwrap();
    }
    for (name, inputs, zone) in [
        ("demo", vec!["testdata/demo"], "+08:00"),
        ("generated", vec![s(&generated)], "Europe/Moscow"),
    ] {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let ds = tables_and_dataset(&inputs, zone, &dir);
        let o = Command::new(python)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["scripts/sql_check.py", "duckdb", s(&ds), s(&dir)])
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{name}: {said}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(said.contains("4 of 4 queries agree"), "{said}");
        eprint!("{name}:\n{said}");
    }
}
