//! End-to-end checks of the `whatsapp` format through the binary: the iOS export zip
//! (`_chat.txt` inside `WhatsApp Chat - NAME.zip`, which the fixture harness cannot open) and
//! a file named like an export in which no line matches.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chatsift"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run chatsift")
}

const ZIP: &str = "testdata/whatsapp/WhatsApp Chat - Lin Wei.zip";

#[test]
fn ios_zip_is_read_with_its_chat_name_and_date_order_note() {
    let o = run(&["inspect", ZIP, "--json", "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &v["files"][0];
    assert_eq!(f["path"], format!("{ZIP}!/_chat.txt"));
    assert_eq!(f["format"], "whatsapp");
    assert_eq!(f["messages"], 11);
    assert_eq!(f["problems"], 0);
    assert_eq!(f["note"], "day first: a first field of 13 on line 10");
    assert_eq!(f["kinds"]["attachment"], 2);
    assert_eq!(f["kinds"]["system"], 2);
    assert_eq!(f["first"], "2022-03-12T20:58:02Z");
    assert_eq!(f["last"], "2022-03-13T12:31:00Z");

    let o = run(&["messages", ZIP, "-q"]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 11);
    assert!(rows.iter().all(|r| r["channel"] == "Lin Wei"));
    assert!(
        rows.iter()
            .any(|r| r["attachments"][0] == "00000042-PHOTO-2022-03-12-21-08-05.jpg")
    );
}

#[test]
fn date_order_option_reaches_the_zip() {
    let o = run(&["inspect", ZIP, "--json", "-q", "--date-order", "mdy"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &v["files"][0];
    assert_eq!(
        f["note"],
        "month first (--date-order mdy; the dates say day first: a first field of 13 on line 10)"
    );
    // The three lines dated 13/03/22 do not exist under month first.
    assert_eq!(f["problems"], 3);
    assert_eq!(f["messages"], 8);
}

#[test]
fn export_named_file_without_a_matching_line_says_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("WhatsApp Chat with Nobody.txt");
    std::fs::write(&p, "this is not\na chat export\n").unwrap();
    let o = run(&["inspect", p.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("whatsapp"), "{out}");
    assert!(out.contains("line 1: no WhatsApp header in"), "{out}");
    assert!(out.contains("WhatsApp Chat with Nobody.txt"), "{out}");
    assert!(out.contains("`12/03/2022, 21:04 - Name: text`"), "{out}");
}

#[test]
fn date_like_txt_in_no_known_layout_is_named_in_inspect_and_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("export.txt");
    std::fs::write(
        &p,
        "2018/06/13 @ 21:25 | Ana | hola\n2018/06/13 @ 21:26 | Luis | hi\n2018/06/14 @ 08:00 | Ana | ok\n",
    )
    .unwrap();
    let o = run(&["inspect", p.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    let want = "looks like a WhatsApp export but no header layout matched: 2018/06/13 @ 21:25 | Ana | hola";
    assert!(out.contains(want), "{out}");
    let o = run(&[
        "messages",
        p.to_str().unwrap(),
        "-o",
        dir.path().join("m.jsonl").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(want), "{err}");
}

#[test]
fn assumed_date_order_is_in_the_stderr_summary_with_the_option_hint() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("export.txt");
    std::fs::write(&p, "1/2/22, 10:00 - A: x\n1/2/22, 10:01 - B: y\n").unwrap();
    let o = run(&[
        "messages",
        p.to_str().unwrap(),
        "-o",
        dir.path().join("m.jsonl").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("date order day first (assumed"), "{err}");
    assert!(err.contains("pass --date-order dmy|mdy|ymd"), "{err}");
}
