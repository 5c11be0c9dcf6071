//! App exports through the binary: what only a whole run shows (several files of one export,
//! tables beside the chats, archives).

use std::io::Write;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chatsift"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run chatsift")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const PARTS: &str = "testdata/discord/partitions";

#[test]
fn overlapping_discord_partitions_merge_into_one_channel_without_repeats() {
    // Part 1 holds messages …01–…05, part 2 …04–…08: ten records, eight messages.
    let o = run(&["messages", PARTS, "--to", "jsonl"]);
    assert!(o.status.success(), "{}", err(&o));
    let lines: Vec<serde_json::Value> = out(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 8);
    let ids: Vec<&str> = lines.iter().map(|m| m["id"].as_str().unwrap()).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 8, "{ids:?}");
    // The copy kept is the first in input order: part 1's.
    for m in &lines {
        let id = m["id"].as_str().unwrap();
        if id.ends_with("04") || id.ends_with("05") {
            assert!(m["source"].as_str().unwrap().contains("[part 1]"), "{m}");
        }
    }
    assert!(
        err(&o).contains("8 messages") && err(&o).contains("2 repeated message ids merged"),
        "{}",
        err(&o)
    );
    // inspect says where the repeats were.
    let o = run(&["inspect", PARTS]);
    assert!(
        out(&o).contains("duplicates  2 messages whose id was read before"),
        "{}",
        out(&o)
    );
}

#[test]
fn discord_merge_is_the_same_for_any_thread_count() {
    let a = run(&["messages", PARTS, "--to", "csv", "--threads", "1"]);
    let b = run(&["messages", PARTS, "--to", "csv", "--threads", "3"]);
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn slack_names_come_from_users_json_in_a_folder_and_in_a_zip() {
    let o = run(&["messages", "testdata/slack/export", "--to", "csv"]);
    assert!(o.status.success(), "{}", err(&o));
    let folder = out(&o);
    assert!(folder.contains("U01AAAA0001,Lin Wei,"), "{folder}");
    assert!(folder.contains("U01AAAA0003,王芳,"), "{folder}");
    // users.json and channels.json are no chats: skipped, not errors (the fixture folder
    // also holds the expect files, skipped alike).
    assert!(err(&o).contains("2 files read"), "{}", err(&o));
    let o = run(&["inspect", "testdata/slack/export/users.json"]);
    assert!(out(&o).contains("skipped"), "{}", out(&o));

    // The same export as a zip archive.
    let tmp = tempfile::tempdir().unwrap();
    let zip_path = tmp.path().join("slack-export.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/slack/export");
    let mut files = Vec::new();
    for dir in ["", "general", "random"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() && !p.to_string_lossy().ends_with(".expect.json") {
                files.push(p);
            }
        }
    }
    files.sort();
    for p in files {
        let name = p
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&std::fs::read(&p).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    let o = run(&["messages", zip_path.to_str().unwrap(), "--to", "csv"]);
    assert!(o.status.success(), "{}", err(&o));
    let zipped = out(&o);
    assert!(zipped.contains("U01AAAA0001,Lin Wei,"), "{zipped}");
    // Same rows but for the source column.
    let strip = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| {
                let cells: Vec<&str> = l.split(',').collect();
                cells[..cells.len().saturating_sub(3)].join(",")
            })
            .collect()
    };
    assert_eq!(strip(&folder), strip(&zipped));
}

#[test]
fn an_alias_file_wins_over_an_export_display_name() {
    let tmp = tempfile::tempdir().unwrap();
    let alias = tmp.path().join("aliases.toml");
    std::fs::write(
        &alias,
        "[[person]]\nname = \"Lin W. (suspect)\"\nids = [\"U01AAAA0001\"]\n",
    )
    .unwrap();
    let o = run(&[
        "messages",
        "testdata/slack/export",
        "--to",
        "csv",
        "--alias",
        alias.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let csv = out(&o);
    assert!(csv.contains("U01AAAA0001,Lin W. (suspect),"), "{csv}");
    assert!(!csv.contains("U01AAAA0001,Lin Wei,"));
    // Unaliased ids keep the export's names.
    assert!(csv.contains("U01AAAA0003,王芳,"));
}

#[test]
fn a_zip_with_no_chat_inside_is_named_with_what_was_expected() {
    let tmp = tempfile::tempdir().unwrap();
    let zip_path = tmp.path().join("phone-dump.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for (name, bytes) in [
        (
            "DCIM/IMG_0001.jpg",
            &b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"[..],
        ),
        ("notes/shopping.txt", &b"milk\neggs\n"[..]),
    ] {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    let z = zip_path.to_str().unwrap();
    let o = run(&["messages", z, "--to", "csv"]);
    assert!(o.status.success(), "{}", err(&o));
    let e = err(&o);
    assert!(
        e.contains(&format!(
            "{z}: no chat inside (2 entries of no known chat format"
        )),
        "{e}"
    );
    assert!(
        e.contains("no chat found in 2 files: expected one of the formats isoon"),
        "{e}"
    );
    assert!(e.contains("whatsapp") && e.contains("telegram"), "{e}");
    // inspect lists each entry as skipped, with the reason, not as an error.
    let o = run(&["inspect", z]);
    assert!(o.status.success());
    assert!(
        out(&o).contains("phone-dump.zip!/DCIM/IMG_0001.jpg\n  skipped     binary file"),
        "{}",
        out(&o)
    );
    assert!(
        out(&o).contains(
            "phone-dump.zip!/notes/shopping.txt\n  skipped     no chat format recognised"
        ),
        "{}",
        out(&o)
    );
}
