//! `timeline`, `people` and the alias file, end to end, with every expected value computed
//! by hand in the test: DST boundaries in America/New_York and Europe/Moscow's history, reply
//! times, working-hour shares, a person with ids in two formats, and bad settings.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chatsift"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run chatsift")
}

fn out(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A trickbot dialect-B log (`sender -> recipient` blocks), stamps read as UTC.
fn arrow_log(dir: &Path, name: &str, records: &[(&str, &str, &str, &str)]) -> String {
    let mut s = String::new();
    for (t, from, to, body) in records {
        s.push_str(&format!("{t} {from} -> {to}\n{body}\n\n"));
    }
    let p = dir.join(name);
    std::fs::write(&p, s).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn timeline_days_follow_new_york_across_the_dst_switch() {
    let dir = tempfile::tempdir().unwrap();
    // Clocks went from 02:00 EST (-5) to 03:00 EDT (-4) at 2021-03-14T07:00Z.
    let f = arrow_log(
        dir.path(),
        "ny.log",
        &[
            ("2021-03-14T06:30:00", "vega", "quill", "a"), // 01:30 EST
            ("2021-03-14T07:30:00", "vega", "quill", "bb"), // 03:30 EDT
            ("2021-03-15T03:59:59", "vega", "quill", "ccc"), // 23:59:59 EDT, still the 14th
            ("2021-03-15T04:00:00", "vega", "baza", "dddd"), // 00:00 EDT on the 15th
        ],
    );
    let o = run(&[
        "timeline",
        &f,
        "--by",
        "day",
        "--tz",
        "America/New_York",
        "-q",
    ]);
    assert_eq!(
        out(&o),
        "person,bucket,messages,characters,conversations,first,last\n\
         vega,2021-03-14,3,6,1,2021-03-14T01:30:00-05:00,2021-03-14T23:59:59-04:00\n\
         vega,2021-03-15,1,4,1,2021-03-15T00:00:00-04:00,2021-03-15T00:00:00-04:00\n"
    );
    let o = run(&[
        "timeline",
        &f,
        "--by",
        "hour",
        "--tz",
        "America/New_York",
        "-q",
    ]);
    let buckets: Vec<String> = out(&o)
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(
        buckets,
        [
            "2021-03-14 01:00",
            "2021-03-14 03:00",
            "2021-03-14 23:00",
            "2021-03-15 00:00"
        ]
    );
}

#[test]
fn timeline_follows_moscow_offset_history() {
    let dir = tempfile::tempdir().unwrap();
    // 2011-03-27: +03 → +04 at 2011-03-26T23:00Z. 2014-10-26: +04 → +03 at 2014-10-25T22:00Z.
    let f = arrow_log(
        dir.path(),
        "msk.log",
        &[
            ("2011-03-26T22:30:00", "vega", "quill", "x"), // 01:30 +03
            ("2011-03-26T23:30:00", "vega", "quill", "y"), // 03:30 +04
            ("2014-10-25T21:30:00", "vega", "quill", "z"), // 01:30 +04
            ("2014-10-25T22:30:00", "vega", "quill", "w"), // 01:30 +03, one hour later
        ],
    );
    let o = run(&["timeline", &f, "--tz", "Europe/Moscow", "-q"]);
    assert_eq!(
        out(&o),
        "person,bucket,messages,characters,conversations,first,last\n\
         vega,2011-03-27,2,2,1,2011-03-27T01:30:00+03:00,2011-03-27T03:30:00+04:00\n\
         vega,2014-10-26,2,2,1,2014-10-26T01:30:00+04:00,2014-10-26T01:30:00+03:00\n"
    );
    // --fill writes the empty months between a person's first and last month.
    let o = run(&[
        "timeline",
        &f,
        "--tz",
        "Europe/Moscow",
        "--by",
        "month",
        "--fill",
        "-q",
    ]);
    let s = out(&o);
    assert_eq!(s.lines().count(), 1 + 44, "2011-03 … 2014-10 is 44 months");
    assert!(s.contains("\nvega,2012-01,0,0,0,,\n"));
    // --wide: one column per person.
    let o = run(&["timeline", &f, "--tz", "Europe/Moscow", "--wide", "-q"]);
    assert_eq!(out(&o), "bucket,vega\n2011-03-27,2\n2014-10-26,2\n");
}

#[test]
fn people_columns_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    // 2021-06-04 is a Friday, 2021-06-05 a Saturday. Zone UTC, workday 09:00-18:00.
    let f = arrow_log(
        dir.path(),
        "talk.log",
        &[
            ("2021-06-04T08:00:00", "vega", "quill", "abc"), // after hours
            ("2021-06-04T08:01:00", "quill", "vega", "de"), // quill replies after 60 s; after hours
            ("2021-06-04T10:00:00", "vega", "quill", "f"),  // vega replies after 7,140 s
            ("2021-06-05T12:00:00", "quill", "vega", "ghij"), // quill replies after 93,600 s; weekend
            ("2021-06-05T12:00:30", "quill", "baza", "k"),    // a new conversation: no reply
        ],
    );
    let o = run(&["people", &f, "-q"]);
    assert_eq!(
        out(&o),
        "person,ids,first_seen,last_seen,active_days,messages,characters,after_hours_share,weekend_share,busiest_hour,median_reply_seconds,replies,top_correspondents\n\
         quill,quill,2021-06-04T08:01:00+00:00,2021-06-05T12:00:30+00:00,2,3,7,0.333,0.667,12,60,2,vega (2); baza (1)\n\
         vega,vega,2021-06-04T08:00:00+00:00,2021-06-04T10:00:00+00:00,1,2,4,0.500,0.000,8,7140,1,quill (2)\n"
    );
    // Another working week changes the shares: Friday off, 07:00-19:00.
    let o = run(&[
        "people",
        &f,
        "--workday",
        "07:00-19:00",
        "--weekend",
        "fri,sat",
        "-q",
    ]);
    let s = out(&o);
    assert!(
        s.contains(
            "\nquill,quill,2021-06-04T08:01:00+00:00,2021-06-05T12:00:30+00:00,2,3,7,0.000,1.000,"
        ),
        "{s}"
    );
}

#[test]
fn a_person_with_ids_in_two_formats_is_one_person() {
    let dir = tempfile::tempdir().unwrap();
    let tb = arrow_log(
        dir.path(),
        "vega.log",
        &[("2021-03-04T08:00:00", "vega", "quill", "отчёт")],
    );
    let jabber = dir.path().join("10.0.0.7-20210304.json");
    std::fs::write(
        &jabber,
        "{\n  \"ts\": \"2021-03-04T09:12:44.512093\",\n  \"from\": \"vega@abcdefghij234567.onion\",\n  \"to\": \"heron@abcdefghij234567.onion\",\n  \"body\": \"зп пришла?\"\n}\n",
    )
    .unwrap();
    let alias = dir.path().join("aliases.toml");
    std::fs::write(
        &alias,
        "[[person]]\nname = \"Vega\"\nids = [\"vega\", \"vega@*.onion\"]\n",
    )
    .unwrap();
    let (a, t, j) = (
        alias.to_str().unwrap(),
        tb.as_str(),
        jabber.to_str().unwrap(),
    );
    let o = run(&["people", t, j, "--alias", a, "-q"]);
    let s = out(&o);
    assert!(
        s.contains("\nVega,vega;vega@abcdefghij234567.onion,2021-03-04T08:00:00+00:00,2021-03-04T09:12:44.512093+00:00,1,2,"),
        "{s}"
    );
    assert_eq!(s.lines().count(), 2, "one person: {s}");
    let o = run(&["messages", t, j, "--alias", a, "-q"]);
    let s = out(&o);
    assert!(
        s.contains("\"sender\":\"vega@abcdefghij234567.onion\",\"person\":\"Vega\""),
        "{s}"
    );
    assert!(s.contains("\"sender\":\"vega\",\"person\":\"Vega\""), "{s}");
    let o = run(&["messages", t, j, "--alias", a, "--person", "Vega", "-q"]);
    assert_eq!(out(&o).lines().count(), 2);
}

#[test]
fn bad_settings_are_fatal_name_the_problem_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let f = arrow_log(
        dir.path(),
        "x.log",
        &[("2021-03-04T08:00:00", "vega", "quill", "x")],
    );
    let target = dir.path().join("out.csv");
    let t = target.to_str().unwrap();
    let bad_syntax = dir.path().join("syntax.toml");
    std::fs::write(&bad_syntax, "[[person]]\nname = \"A\"\nids = [\"a\",\n").unwrap();
    let twice = dir.path().join("twice.toml");
    std::fs::write(&twice, "[[person]]\nname = \"A\"\nids = [\"vega\"]\n\n[[person]]\nname = \"B\"\nids = [\"vega\"]\n").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "people",
                &f,
                "--alias",
                bad_syntax.to_str().unwrap(),
                "-o",
                t,
            ],
            "line 3",
        ),
        (
            vec!["people", &f, "--alias", twice.to_str().unwrap(), "-o", t],
            "claimed by \"A\" (line 3) and \"B\" (line 7)",
        ),
        (
            vec!["timeline", &f, "--tz", "Mars/Olympus", "-o", t],
            "unknown time zone \"Mars/Olympus\"",
        ),
        (
            vec!["people", &f, "--workday", "25:00-18:00", "-o", t],
            "bad --workday \"25:00-18:00\"",
        ),
        (
            vec!["timeline", &f, "--by", "fortnight", "-o", t],
            "fortnight",
        ),
    ];
    for (args, says) in cases {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(
            err(&o).contains(says),
            "{args:?} should say {says:?}: {}",
            err(&o)
        );
        assert!(!target.exists(), "{args:?} wrote output");
    }
}

#[test]
fn timeline_and_people_are_identical_for_any_thread_count() {
    for cmd in [
        &["timeline", "testdata/demo", "--by", "hour"][..],
        &["people", "testdata/demo"][..],
    ] {
        let mut a = cmd.to_vec();
        a.extend(["--threads", "1", "-q"]);
        let mut b = cmd.to_vec();
        b.extend(["--threads", "4", "-q"]);
        assert_eq!(out(&run(&a)), out(&run(&b)), "{cmd:?}");
    }
}

#[test]
fn chart_writes_png_and_svg_and_refuses_unknown_extensions() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["heatmap", "activity", "calendar", "people"] {
        let png = dir.path().join(format!("{kind}.png"));
        let o = run(&[
            "chart",
            kind,
            "testdata/demo",
            "--tz",
            "Asia/Shanghai",
            "-o",
            png.to_str().unwrap(),
            "-q",
        ]);
        assert!(o.status.success(), "{kind}: {}", err(&o));
        assert!(
            std::fs::read(&png)
                .unwrap()
                .starts_with(b"\x89PNG\r\n\x1a\n"),
            "{kind}"
        );
        let svg = dir.path().join(format!("{kind}.svg"));
        let o = run(&[
            "chart",
            kind,
            "testdata/demo",
            "-o",
            svg.to_str().unwrap(),
            "-q",
            "--title",
            "工资 <pay>",
        ]);
        assert!(o.status.success(), "{kind}: {}", err(&o));
        let s = std::fs::read_to_string(&svg).unwrap();
        assert!(s.starts_with("<svg") || s.starts_with("<?xml"), "{kind}");
        assert!(
            s.contains("工资 &lt;pay&gt;"),
            "{kind}: the title is in the SVG, escaped"
        );
    }
    let bad = dir.path().join("chart.gif");
    let o = run(&[
        "chart",
        "heatmap",
        "testdata/demo",
        "-o",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!bad.exists());
}

#[test]
fn topics_counts_rates_and_examples_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let f = arrow_log(
        dir.path(),
        "t.log",
        &[
            (
                "2021-06-01T08:00:00",
                "vega",
                "quill",
                "这个月工资什么时候发？",
            ),
            ("2021-06-02T08:00:00", "quill", "vega", "今晚又要加班"),
            ("2021-06-03T08:00:00", "vega", "quill", "ok"),
            (
                "2021-06-04T08:00:00",
                "vega",
                "quill",
                "you need to repay me",
            ),
            (
                "2021-07-01T08:00:00",
                "quill",
                "vega",
                "зарплата задерживается, опять переработка",
            ),
        ],
    );
    let o = run(&["topics", &f, "--by", "month", "-q"]);
    let s = out(&o);
    let rows: Vec<&str> = s.lines().collect();
    assert_eq!(rows[0], "bucket,topic,label,messages,total,per_1000");
    assert!(
        rows.contains(&"2021-06,pay,Pay and wages,1,4,250.00"),
        "{s}"
    );
    assert!(
        rows.contains(&"2021-06,workload,Workload and hours,1,4,250.00"),
        "{s}"
    );
    assert!(
        rows.contains(&"2021-07,pay,Pay and wages,1,1,1000.00"),
        "{s}"
    );
    assert!(
        rows.contains(&"2021-07,workload,Workload and hours,1,1,1000.00"),
        "{s}"
    );
    let o = run(&["topics", &f, "--by", "month", "--per-person", "-q"]);
    assert!(
        out(&o).contains("\n2021-06,vega,pay,Pay and wages,1,3,333.33\n"),
        "{}",
        out(&o)
    );
    let o = run(&["topics", &f, "--examples", "5", "-q"]);
    let s = out(&o);
    assert!(s.starts_with("pay (Pay and wages): 2 messages\n"), "{s}");
    assert!(
        s.contains(&format!("{f}:1\n    这个月工资什么时候发？")),
        "{s}"
    );
    assert!(!s.contains("repay"), "'repay' is not about pay: {s}");
    let o = run(&["messages", &f, "-q"]);
    let s = out(&o);
    assert!(
        s.lines().next().unwrap().contains("\"topics\":[\"pay\"]"),
        "{s}"
    );
    assert!(
        s.lines()
            .nth(4)
            .unwrap()
            .contains("\"topics\":[\"pay\",\"workload\"]"),
        "{s}"
    );
    // A lexicon of one's own replaces the built-in one; +FILE extends it.
    let lex = dir.path().join("lex.toml");
    std::fs::write(
        &lex,
        "[smalltalk]\nlabel = \"Small talk\"\nterms = [\"ok\"]\n",
    )
    .unwrap();
    let o = run(&["topics", &f, "--lexicon", lex.to_str().unwrap(), "-q"]);
    assert!(
        out(&o).contains("2021-06,smalltalk,Small talk,1,4,250.00"),
        "{}",
        out(&o)
    );
    let plus = format!("+{}", lex.display());
    let o = run(&["topics", &f, "--lexicon", &plus, "-q"]);
    assert!(out(&o).contains(",pay,") && out(&o).contains(",smalltalk,"));
    let png = dir.path().join("topics.png");
    let o = run(&[
        "chart",
        "topics",
        &f,
        "-o",
        png.to_str().unwrap(),
        "--topic",
        "pay",
        "-q",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let o = run(&[
        "chart",
        "topics",
        &f,
        "-o",
        png.to_str().unwrap(),
        "--topic",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
}
