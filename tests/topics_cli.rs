//! `chatsift topics --sample`, `--evaluate` and `--why` end to end on the demo inputs.

use std::process::Command;

fn chatsift() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chatsift"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(args: &[&str]) -> String {
    let out = chatsift().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn sample_is_the_same_for_any_thread_count_and_changes_with_the_seed() {
    let one = run(&[
        "topics",
        "testdata/demo",
        "--sample",
        "12",
        "-q",
        "--threads",
        "1",
    ]);
    let two = run(&[
        "topics",
        "testdata/demo",
        "--sample",
        "12",
        "-q",
        "--threads",
        "2",
    ]);
    assert_eq!(one, two);
    assert_eq!(
        one.lines().next(),
        Some("id,file,line,stratum,weight,predicted,cues,label,text")
    );
    // Records, not lines: a message body may hold a newline inside its quoted cell.
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(one.as_bytes())
        .records()
        .collect::<Result<_, _>>()
        .expect("the sample is valid CSV");
    // Six matched rows are asked for, one per topic in file order; the demo has no quitting
    // message, so that stratum gives none.
    assert_eq!(rows.len(), 11, "{one}");
    // Half the rows asked for come from messages that match no topic.
    assert_eq!(rows.iter().filter(|r| &r[3] == "none").count(), 6);
    let other = run(&[
        "topics",
        "testdata/demo",
        "--sample",
        "12",
        "-q",
        "--seed",
        "2",
    ]);
    assert_ne!(one, other);
}

#[test]
fn sample_of_one_topic_splits_its_matches_and_the_rest() {
    let out = run(&[
        "topics",
        "testdata/demo",
        "--sample",
        "6",
        "--topic",
        "pay",
        "--why",
        "-q",
    ]);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert!(
        rows.iter().filter(|l| l.contains(",pay,")).count() >= 3,
        "{out}"
    );
    assert_eq!(
        rows.iter().filter(|l| l.contains(",not pay,")).count(),
        3,
        "{out}"
    );
    let bad = chatsift()
        .args([
            "topics",
            "testdata/demo",
            "--sample",
            "6",
            "--topic",
            "payy",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown --topic"));
}

#[test]
fn evaluate_reads_a_filled_sample_without_paths_and_lists_mistakes_with_cues() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("s.csv");
    std::fs::write(
        &csv,
        "id,file,line,stratum,weight,predicted,cues,label,text\n\
         1,a.md,1,pay,1,pay,,pay,这个月工资还没发\n\
         2,a.md,2,none,1,,,workload,报告今天肯定来不及写完了\n\
         3,a.md,3,none,1,,,-,上午早班飞机来不及\n\
         4,a.md,4,none,1,,,,没看过\n",
    )
    .unwrap();
    let out = run(&["topics", "--evaluate", csv.to_str().unwrap()]);
    assert!(
        out.contains("3 labelled messages, 1 not labelled yet"),
        "{out}"
    );
    let pay = out.lines().find(|l| l.starts_with("pay ")).unwrap();
    assert!(pay.contains("1.00 [0.21–1.00] n=1"), "{pay}");
    // The built-in lexicon finds workload in message 2 through its 来不及 pair.
    let work = out.lines().find(|l| l.starts_with("workload ")).unwrap();
    assert!(work.contains("1.00 [0.21–1.00] n=1"), "{work}");
    assert!(!out.contains("FP"), "{out}");
    // A lexicon without the pair misses it, and the mistake is listed.
    let lex = dir.path().join("lex.toml");
    std::fs::write(
        &lex,
        "[pay]\nterms = [\"工资\"]\n[workload]\nterms = [\"加班\"]\n",
    )
    .unwrap();
    let out = run(&[
        "topics",
        "--evaluate",
        csv.to_str().unwrap(),
        "--lexicon",
        lex.to_str().unwrap(),
    ]);
    assert!(out.contains("FN workload   2 (a.md:2)"), "{out}");
    assert!(out.contains("why: no cue"), "{out}");
}

#[test]
fn examples_with_why_show_the_cues_that_fired() {
    let out = run(&["topics", "testdata/demo", "--examples", "1", "--why", "-q"]);
    assert!(out.contains("    why: "), "{out}");
    let missing = chatsift().args(["topics", "-q"]).output().unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("at least one PATH"));
}
