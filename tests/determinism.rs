//! Determinism (issue 5): every command gives byte-identical output for `--threads 1`, `2`
//! and `8`, and for the same inputs named in a different order on the command line. Inputs:
//! the demo leaks plus app-export fixtures (WhatsApp, Telegram, Discord with overlapping
//! partitions, QQ), read together so files of many formats, zips and duplicate ids meet.

use std::path::Path;
use std::process::{Command, Output};

const INPUTS: [&str; 5] = [
    "testdata/demo",
    "testdata/whatsapp",
    "testdata/telegram",
    "testdata/discord",
    "testdata/qq",
];

fn run(args: &[String]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_chatsift"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run chatsift");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The ways of running a command that must agree: thread counts and input orders.
fn variants() -> Vec<(String, Vec<String>)> {
    let fwd: Vec<String> = INPUTS.iter().map(|s| s.to_string()).collect();
    let mut rev = fwd.clone();
    rev.reverse();
    // Another permutation, and a file named twice (once inside its folder).
    let mut mixed = vec![fwd[2].clone(), fwd[0].clone(), fwd[4].clone()];
    mixed.extend([fwd[3].clone(), fwd[1].clone(), "testdata/qq".to_string()]);
    let mut v = Vec::new();
    for t in ["1", "2", "8"] {
        v.push((format!("threads {t}"), with_threads(&fwd, t)));
    }
    v.push(("reversed inputs".into(), with_threads(&rev, "2")));
    v.push(("shuffled inputs".into(), with_threads(&mixed, "8")));
    v
}

fn with_threads(paths: &[String], t: &str) -> Vec<String> {
    let mut a = paths.to_vec();
    a.extend(["--threads".to_string(), t.to_string(), "-q".to_string()]);
    a
}

/// Runs `cmd` (its output on stdout) in every variant and compares the bytes.
fn same_stdout(cmd: &[&str]) {
    let mut first: Option<(String, Vec<u8>)> = None;
    for (name, rest) in variants() {
        let mut args: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
        args.extend(rest);
        let o = run(&args);
        assert!(!o.stdout.is_empty(), "{cmd:?}: no output");
        match &first {
            None => first = Some((name, o.stdout)),
            Some((n0, out0)) => assert!(
                *out0 == o.stdout,
                "{cmd:?}: {name} differs from {n0} (first difference at byte {})",
                out0.iter()
                    .zip(&o.stdout)
                    .position(|(a, b)| a != b)
                    .unwrap_or(out0.len().min(o.stdout.len()))
            ),
        }
    }
}

/// Runs `cmd` writing into `dir/NAME` files (`-o`, `--gexf`, report folders) in every
/// variant and compares every file written.
fn same_files(cmd: &[&str], outputs: &[&str], dir_output: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let mut first: Option<(String, Tree)> = None;
    let runs = variants();
    for (i, (name, rest)) in runs.into_iter().enumerate() {
        let d = tmp.path().join(i.to_string());
        std::fs::create_dir(&d).unwrap();
        let mut args: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
        for o in outputs {
            args.push(o.to_string());
            if !dir_output {
                let flag = args.pop().unwrap();
                let (flag, file) = flag.split_once('=').unwrap();
                args.push(flag.to_string());
                args.push(d.join(file).to_string_lossy().into_owned());
            }
        }
        if dir_output {
            args.push("-o".into());
            args.push(d.join("r").to_string_lossy().into_owned());
        }
        args.extend(rest);
        run(&args);
        let files = read_tree(&d);
        assert!(!files.is_empty(), "{cmd:?}: nothing written");
        match &first {
            None => first = Some((name, files)),
            Some((n0, f0)) => {
                let names0: Vec<_> = f0.iter().map(|f| &f.0).collect();
                let names: Vec<_> = files.iter().map(|f| &f.0).collect();
                assert_eq!(names0, names, "{cmd:?}: {name} wrote other files than {n0}");
                for ((p, a), (_, b)) in f0.iter().zip(&files) {
                    assert!(a == b, "{cmd:?}: {p} differs between {n0} and {name}");
                }
            }
        }
    }
}

/// Files written: (path relative to the output folder, bytes), sorted.
type Tree = Vec<(String, Vec<u8>)>;

fn read_tree(d: &Path) -> Tree {
    let mut out = Vec::new();
    let mut stack = vec![d.to_path_buf()];
    while let Some(p) = stack.pop() {
        for e in std::fs::read_dir(&p).unwrap() {
            let e = e.unwrap().path();
            if e.is_dir() {
                stack.push(e);
            } else {
                let rel = e.strip_prefix(d).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&e).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn messages_in_every_format_sorted_and_unsorted() {
    for to in ["jsonl", "csv", "timesketch", "l2tcsv"] {
        same_stdout(&["messages", "--to", to]);
        same_stdout(&["messages", "--to", to, "--unsorted"]);
    }
    same_stdout(&["messages", "--dedup"]);
}

#[test]
fn timeline_people_topics_and_graph() {
    same_stdout(&["timeline"]);
    same_stdout(&["timeline", "--wide", "--by", "hour"]);
    same_stdout(&["people"]);
    same_stdout(&["topics"]);
    same_stdout(&["topics", "--per-person"]);
    same_stdout(&["topics", "--examples", "3"]);
    same_stdout(&["graph"]);
    same_files(&["graph"], &["-o=edges.csv", "--gexf=g.gexf"], false);
}

#[test]
fn charts_as_svg_bytes() {
    for kind in ["heatmap", "activity", "calendar", "people", "topics"] {
        same_files(&["chart", kind], &["-o=chart.svg"], false);
    }
}

#[test]
fn report_every_file_and_inspect() {
    same_files(&["report"], &[], true);
    same_stdout(&["inspect", "--json"]);
    same_stdout(&["inspect"]);
}

/// A TrickBot-style log of `n` records whose times run backwards from `start_sec`, so a sort
/// has to move every record.
fn backwards_log(n: usize, start_sec: u64, who: &str) -> String {
    let mut s = String::with_capacity(n * 80);
    for i in 0..n {
        let t = start_sec - (i as u64 % 80_000);
        let (h, m, sec) = (t / 3600 % 24, t / 60 % 60, t % 60);
        let day = 1 + (t / 86_400) % 28;
        s.push_str(&format!(
            "[{day:02}.11.21 {h:02}:{m:02}:{sec:02}] {who}:\t\tзарплата опять задерживается, record {i} 工资\n"
        ));
    }
    s
}

#[test]
fn sorted_output_bigger_than_a_batch_is_the_same_held_in_memory_or_spilled_for_any_thread_count() {
    // About 80 MB over three files: more than two 32 MiB batches, so there are sorted runs to
    // merge. `CHATSIFT_SORT_MEMORY=0` spills them to scratch files beside the output, none of
    // which may be left behind; the bytes must not change.
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for (i, who) in ["vega", "mango", "stern"].iter().enumerate() {
        std::fs::write(
            input.join(format!("{i}.txt")),
            backwards_log(330_000, 2_000_000 + i as u64 * 7, who),
        )
        .unwrap();
    }
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let mut first: Option<Vec<u8>> = None;
    for (t, budget) in [
        ("1", None),
        ("2", Some("0")),
        ("8", Some("0")),
        ("2", Some("40000000")),
    ] {
        let target = out.join(format!("t{t}-{}.csv", budget.unwrap_or("default")));
        let args: Vec<String> = [
            "messages",
            input.to_str().unwrap(),
            "--to",
            "csv",
            "--no-topics",
            "-q",
            "--threads",
            t,
            "-o",
            target.to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_chatsift"));
        cmd.args(&args);
        if let Some(b) = budget {
            cmd.env("CHATSIFT_SORT_MEMORY", b);
        }
        let o = cmd.output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let bytes = std::fs::read(&target).unwrap();
        match &first {
            None => first = Some(bytes),
            Some(f) => assert!(f == &bytes, "--threads {t}, budget {budget:?} differs"),
        }
    }
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 4, "scratch files left: {names:?}");
    let text = String::from_utf8(first.unwrap()).unwrap();
    let times: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(times.len(), 990_000);
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "not in time order");
}
