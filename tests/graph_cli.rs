//! End-to-end tests of `chatsift graph` and of `inspect`'s zone hints and alias suggestions,
//! running the binary on small fixtures written to temporary directories.

use std::path::Path;
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

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// TrickBot's older dialect: `YYYY-MM-DDTHH:MM:SS sender -> recipient`, body, blank line.
/// vega → quill three times (08:15:30, 09:31:05, 10:02:00; not in time order), quill → vega
/// once (09:40:12), `=evil` → vega once (12:00:00), a `<script>` sender once (11:00:00).
const TRICKBOT_B: &str = "2020-08-14T09:31:05 vega -> quill
нужен отчёт по сети
до вечера

2020-08-14T09:40:12 quill -> vega
ок

2020-08-14T10:02:00 vega -> quill
=cmd|' /C calc'!A0

2020-08-14T08:15:30 vega -> quill
утро

2020-08-14T11:00:00 <script>alert(1)</script> -> vega
hi

2020-08-14T12:00:00 =evil -> vega
formula sender
";

/// An i-SOON group chat (`…@chatroom` is the channel) plus one direct message.
const ISOON_ROOM: &str = r#"<table border="1">
<tr><th>Time</th><th>From</th><th>To</th><th>Message</th></tr>
<tr><td>2021-06-02 01:15:09</td><td>wxid_a</td><td>20817364512@chatroom</td><td>开会</td></tr>
<tr><td>2021-06-02 01:16:40</td><td>darkfox</td><td>20817364512@chatroom</td><td>好</td></tr>
<tr><td>2021-06-02 02:00:00</td><td>wxid_a</td><td>20817364512@chatroom</td><td>散会</td></tr>
<tr><td>2021-06-02 03:00:00</td><td>lanmao</td><td>20817364512@chatroom</td><td>收到</td></tr>
<tr><td>2021-06-02 04:00:00</td><td>darkfox</td><td>wxid_a</td><td>私聊</td></tr>
</table>
"#;

/// Conti Jabber log: the same nick on two servers.
const JABBER: &str = r#"{
  "ts": "2021-03-04T09:12:44.512093",
  "from": "bobcat@a.onion",
  "to": "heron@a.onion",
  "body": "зп пришла?"
},
{
  "ts": "2021-03-04T09:13:02.000441",
  "from": "bobcat@b.onion",
  "to": "heron@a.onion",
  "body": "да"
}
"#;

fn fixture(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(name), text).expect("write fixture");
    dir
}

#[test]
fn direct_edges_have_every_csv_column_in_the_output_zone_and_neutralized_cells() {
    let dir = fixture("2020-08-14.txt", TRICKBOT_B);
    let o = run(&["graph", s(dir.path()), "--tz", "+08:00", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Rows sort by the ids as read ('<' before '='), not by the neutralized cells.
    assert_eq!(
        stdout(&o),
        "source,target,channel,messages,first,last\n\
         <script>alert(1)</script>,vega,,1,2020-08-14T19:00:00+08:00,2020-08-14T19:00:00+08:00\n\
         '=evil,vega,,1,2020-08-14T20:00:00+08:00,2020-08-14T20:00:00+08:00\n\
         quill,vega,,1,2020-08-14T17:40:12+08:00,2020-08-14T17:40:12+08:00\n\
         vega,quill,,3,2020-08-14T16:15:30+08:00,2020-08-14T18:02:00+08:00\n"
    );
    // --raw-csv writes the formula-looking id as it is; the default zone is UTC.
    let o = run(&["graph", s(dir.path()), "--raw-csv", "-q"]);
    let out = stdout(&o);
    assert!(
        out.contains("\n=evil,vega,,1,2020-08-14T12:00:00+00:00,2020-08-14T12:00:00+00:00\n"),
        "{out}"
    );
}

#[test]
fn room_messages_count_once_towards_each_other_member() {
    let dir = fixture("1.md", ISOON_ROOM);
    let o = run(&["graph", s(dir.path()), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let room = "20817364512@chatroom";
    let want = format!(
        "source,target,channel,messages,first,last\n\
         darkfox,lanmao,{room},1,2021-06-02T01:16:40+00:00,2021-06-02T01:16:40+00:00\n\
         darkfox,wxid_a,,1,2021-06-02T04:00:00+00:00,2021-06-02T04:00:00+00:00\n\
         darkfox,wxid_a,{room},1,2021-06-02T01:16:40+00:00,2021-06-02T01:16:40+00:00\n\
         lanmao,darkfox,{room},1,2021-06-02T03:00:00+00:00,2021-06-02T03:00:00+00:00\n\
         lanmao,wxid_a,{room},1,2021-06-02T03:00:00+00:00,2021-06-02T03:00:00+00:00\n\
         wxid_a,darkfox,{room},2,2021-06-02T01:15:09+00:00,2021-06-02T02:00:00+00:00\n\
         wxid_a,lanmao,{room},2,2021-06-02T01:15:09+00:00,2021-06-02T02:00:00+00:00\n"
    );
    assert_eq!(stdout(&o), want);
}

#[test]
fn channels_as_nodes_keeps_the_room_as_the_target() {
    let dir = fixture("1.md", ISOON_ROOM);
    let gexf = dir.path().join("g.gexf");
    let o = run(&[
        "graph",
        s(&dir.path().join("1.md")),
        "--channels-as-nodes",
        "-o",
        "-",
        "--gexf",
        s(&gexf),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let room = "20817364512@chatroom";
    let want = format!(
        "source,target,channel,messages,first,last\n\
         darkfox,{room},{room},1,2021-06-02T01:16:40+00:00,2021-06-02T01:16:40+00:00\n\
         darkfox,wxid_a,,1,2021-06-02T04:00:00+00:00,2021-06-02T04:00:00+00:00\n\
         lanmao,{room},{room},1,2021-06-02T03:00:00+00:00,2021-06-02T03:00:00+00:00\n\
         wxid_a,{room},{room},2,2021-06-02T01:15:09+00:00,2021-06-02T02:00:00+00:00\n"
    );
    assert_eq!(stdout(&o), want);
    let xml = std::fs::read_to_string(&gexf).unwrap();
    well_formed(&xml);
    // The room is a node with the 4 messages written in it; darkfox sent 2.
    assert!(xml.contains(&format!(r#"<node id="{room}" label="{room}"><attvalues><attvalue for="messages" value="4"/><attvalue for="kind" value="channel"/>"#)), "{xml}");
    assert!(xml.contains(r#"<node id="darkfox" label="darkfox"><attvalues><attvalue for="messages" value="2"/><attvalue for="kind" value="person"/>"#), "{xml}");
    assert!(xml.contains(&format!(r#"<edge id="3" source="wxid_a" target="{room}" weight="2"><attvalues><attvalue for="channel" value="{room}"/><attvalue for="first" value="2021-06-02T01:15:09+00:00"/><attvalue for="last" value="2021-06-02T02:00:00+00:00"/>"#)), "{xml}");
}

/// A tiny well-formedness check: every tag closes in order, attribute values hold no `<`.
fn well_formed(xml: &str) {
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = xml.find("?>").map(|i| &xml[i + 2..]).unwrap();
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').expect("unclosed tag") + i;
        let tag = &rest[i + 1..end];
        assert!(!tag.contains('<'), "raw < inside a tag: {tag}");
        assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap());
        }
        // Text between tags holds no raw markup characters.
        let text_end = rest[end + 1..]
            .find('<')
            .map_or(rest.len(), |j| end + 1 + j);
        assert!(!rest[end + 1..text_end].contains('>'));
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[test]
fn gexf_is_well_formed_and_escapes_markup_in_names() {
    let dir = fixture("2020-08-14.txt", TRICKBOT_B);
    let gexf = dir.path().join("out.gexf");
    let o = run(&["graph", s(dir.path()), "--gexf", s(&gexf), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // With --gexf and no -o, no CSV is written.
    assert_eq!(stdout(&o), "");
    let xml = std::fs::read_to_string(&gexf).unwrap();
    well_formed(&xml);
    assert!(!xml.contains("<script>"), "{xml}");
    assert!(xml.contains(
        r#"<node id="&lt;script&gt;alert(1)&lt;/script&gt;" label="&lt;script&gt;alert(1)&lt;/script&gt;">"#
    ));
    assert!(xml.contains(r#"<graph mode="static" defaultedgetype="directed">"#));
    assert!(xml.contains(r#"<edge id="3" source="vega" target="quill" weight="3"><attvalues><attvalue for="channel" value=""/><attvalue for="first" value="2020-08-14T08:15:30+00:00"/><attvalue for="last" value="2020-08-14T10:02:00+00:00"/></attvalues></edge>"#), "{xml}");
    // vega sent 3 messages; every person is a node once.
    assert!(xml.contains(
        r#"<node id="vega" label="vega"><attvalues><attvalue for="messages" value="3"/>"#
    ));
    assert_eq!(xml.matches("<node ").count(), 4);
    assert_eq!(xml.matches("<edge ").count(), 4);
    // No temporary file is left beside the output.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn alias_file_merges_ids_into_one_node() {
    let text = format!("{TRICKBOT_B}\n2020-08-14T13:00:00 vega2 -> quill\nвторой аккаунт\n");
    let dir = fixture("2020-08-14.txt", &text);
    let alias = dir.path().join("aliases.toml");
    std::fs::write(
        &alias,
        "[[person]]\nname = \"Vega\"\nids = [\"vega\", \"vega2\"]\n",
    )
    .unwrap();
    let out = dir.path().join("edges.csv");
    let o = run(&[
        "graph",
        s(&dir.path().join("2020-08-14.txt")),
        "--alias",
        s(&alias),
        "-o",
        s(&out),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let csv = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        csv,
        "source,target,channel,messages,first,last\n\
         <script>alert(1)</script>,Vega,,1,2020-08-14T11:00:00+00:00,2020-08-14T11:00:00+00:00\n\
         '=evil,Vega,,1,2020-08-14T12:00:00+00:00,2020-08-14T12:00:00+00:00\n\
         Vega,quill,,4,2020-08-14T08:15:30+00:00,2020-08-14T13:00:00+00:00\n\
         quill,Vega,,1,2020-08-14T09:40:12+00:00,2020-08-14T09:40:12+00:00\n"
    );
}

#[test]
fn person_filter_keeps_that_persons_edges_to_every_room_member() {
    let dir = fixture("1.md", ISOON_ROOM);
    let o = run(&["graph", s(dir.path()), "--person", "lanmao", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let room = "20817364512@chatroom";
    assert_eq!(
        stdout(&o),
        format!(
            "source,target,channel,messages,first,last\n\
             lanmao,darkfox,{room},1,2021-06-02T03:00:00+00:00,2021-06-02T03:00:00+00:00\n\
             lanmao,wxid_a,{room},1,2021-06-02T03:00:00+00:00,2021-06-02T03:00:00+00:00\n"
        )
    );
}

#[test]
fn thread_count_does_not_change_a_single_byte() {
    // A file big enough to be split into several chunks, plus the demo corpus.
    let dir = tempfile::tempdir().unwrap();
    let mut big = String::new();
    // Names the demo does not use, so no edge mixes the two inputs.
    let names = ["g_vega", "g_quill", "g_baza", "g_stern", "=g_mal"];
    for i in 0..60_000u32 {
        let from = names[(i % 5) as usize];
        let to = names[((i / 5 + 1 + i % 5) % 5) as usize];
        let to = if to == from { "g_target" } else { to };
        let (h, m, sec) = ((i / 3600) % 24, (i / 60) % 60, i % 60);
        let day = 1 + (i / 86_400);
        big.push_str(&format!(
            "2020-08-{day:02}T{h:02}:{m:02}:{sec:02} {from} -> {to}\nсообщение номер {i}\n\n"
        ));
    }
    std::fs::write(dir.path().join("big.txt"), &big).unwrap();
    assert!(big.len() > 3 << 20, "{}", big.len());
    let out = |threads: &str, gexf: &Path| {
        let o = run(&[
            "graph",
            s(dir.path()),
            "testdata/demo",
            "--threads",
            threads,
            "--gexf",
            s(gexf),
            "-o",
            "-",
            "--tz",
            "Asia/Shanghai",
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        o.stdout
    };
    let outs = tempfile::tempdir().unwrap();
    let g1 = outs.path().join("1.gexf");
    let g4 = outs.path().join("4.gexf");
    let one = out("1", &g1);
    let four = out("4", &g4);
    assert!(one == four, "CSV differs between --threads 1 and 4");
    assert!(std::fs::read(&g1).unwrap() == std::fs::read(&g4).unwrap());
    let text = String::from_utf8(one).unwrap();
    // Every one of the 60,000 generated messages is on an edge between generated names.
    let total: u64 = text
        .lines()
        .filter(|l| l.starts_with("g_") || l.starts_with("'=g_"))
        .map(|l| l.split(',').nth(3).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 60_000);
}

#[test]
fn strict_stops_with_exit_1_and_writes_nothing() {
    let text = format!("{TRICKBOT_B}\n2020-02-31T10:00:00 vega -> quill\nno such day\n");
    let dir = fixture("2020-08-14.txt", &text);
    let out = dir.path().join("edges.csv");
    let o = run(&[
        "graph",
        s(&dir.path().join("2020-08-14.txt")),
        "--strict",
        "-o",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("--strict"), "{}", stderr(&o));
    assert!(!out.exists());
    // Without --strict the bad record is reported and skipped: exit 0.
    let o = run(&["graph", s(&dir.path().join("2020-08-14.txt"))]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("1 problems"), "{}", stderr(&o));
}

#[test]
fn inspect_says_too_few_messages_for_the_small_isoon_demo() {
    let o = run(&["inspect", "testdata/demo/isoon", "--json", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut chats = 0;
    for f in v["files"].as_array().unwrap() {
        if f["format"] == "isoon" {
            chats += 1;
            assert_eq!(f["zone_hint"]["label"], "too few messages", "{f}");
            assert!(f["zone_hint"]["offset"].is_null(), "{f}");
        } else {
            assert!(f["zone_hint"].is_null(), "{f}");
        }
    }
    assert_eq!(chats, 3);
    assert_eq!(v["summary"]["zone_hint"]["label"], "too few messages");
    let o = run(&["inspect", "testdata/demo/isoon/1.md", "-q"]);
    assert!(
        stdout(&o).contains("  zone hint   too few messages (93; a hint needs 1,000)\n"),
        "{}",
        stdout(&o)
    );
}

/// An i-SOON table of generated rows (UTC stamps) for a Beijing office working 09:00–22:00
/// with a lunch dip, over four weeks, light at weekends.
fn beijing_isoon(dir: &Path) -> std::path::PathBuf {
    let local = [
        1u32, 0, 0, 0, 0, 0, 0, 0, 2, 8, 10, 10, 4, 3, 10, 10, 10, 9, 5, 7, 7, 6, 4, 2,
    ];
    let mut t = String::from(
        "<table border=\"1\">\n<tr><th>Time</th><th>From</th><th>To</th><th>Message</th></tr>\n",
    );
    // 2024-01-01 was a Monday.
    for day in 1..=28u32 {
        let n_scale = if (day - 1) % 7 >= 5 { 3 } else { 10 };
        for (h, &n) in local.iter().enumerate() {
            for i in 0..n * n_scale / 10 {
                // Local Beijing hour h is UTC h − 8, the day before when h < 8.
                let (d, uh) = if h >= 8 {
                    (day, h - 8)
                } else {
                    (day - 1, h + 16)
                };
                if d == 0 {
                    continue;
                }
                t.push_str(&format!(
                    "<tr><td>2024-01-{d:02} {uh:02}:{:02}:07</td><td>wxid_a</td><td>wxid_b</td><td>好的</td></tr>\n",
                    i * 5 % 60
                ));
            }
        }
    }
    t.push_str("</table>\n");
    let p = dir.join("1.md");
    std::fs::write(&p, t).unwrap();
    p
}

#[test]
fn whole_input_hint_says_plus_eight_and_report_warns_without_tz() {
    let dir = tempfile::tempdir().unwrap();
    let md = beijing_isoon(dir.path());
    let o = run(&["inspect", s(&md), "--json", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let hint = &v["summary"]["zone_hint"];
    assert_eq!(hint["offset"], "+08:00", "{hint}");
    assert_ne!(hint["label"], "low", "{hint}");
    // The stderr summary carries the whole input's hint.
    let o = run(&["inspect", s(&md)]);
    assert!(
        stderr(&o).contains("chatsift: zone hint for all input: +08:00 (fits "),
        "{}",
        stderr(&o)
    );
    // report: the hint in the summary, and a warning because --tz was not given.
    let out = dir.path().join("rep");
    let o = run(&["report", s(&md), "-o", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: --tz was not given") && stderr(&o).contains("--tz +08:00"),
        "{}",
        stderr(&o)
    );
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("Zone hint"), "no zone hint in the summary");
    assert!(
        html.contains("consider --tz +08:00"),
        "no warning in the summary"
    );
    // With --tz given there is no warning.
    let out2 = dir.path().join("rep2");
    let o = run(&["report", s(&md), "--tz", "+08:00", "-o", s(&out2)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning: --tz"), "{}", stderr(&o));
    let html = std::fs::read_to_string(out2.join("index.html")).unwrap();
    assert!(html.contains("Zone hint") && !html.contains("consider --tz"));
}

#[test]
fn suggest_aliases_groups_one_nick_on_two_servers_without_applying_it() {
    let dir = fixture("10.0.0.1-20210304.json", JABBER);
    let o = run(&["inspect", s(dir.path()), "--suggest-aliases", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    // The report itself still lists the raw ids.
    assert!(
        out.contains("bobcat@a.onion (1), bobcat@b.onion (1)"),
        "{out}"
    );
    assert!(
        out.ends_with(
            "# same local part \"bobcat\" on 2 servers\n[[person]]\nname = \"bobcat\"\nids = [\"bobcat@a.onion\", \"bobcat@b.onion\"]\n"
        ),
        "{out}"
    );
    let o = run(&[
        "inspect",
        s(dir.path()),
        "--suggest-aliases",
        "--json",
        "-q",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["suggested_aliases"],
        serde_json::json!([{
            "name": "bobcat",
            "ids": ["bobcat@a.onion", "bobcat@b.onion"],
            "why": "same local part \"bobcat\" on 2 servers"
        }])
    );
    // The snippet is an alias file: with it, the two ids are one node.
    let snippet = &out[out.find("# same local part").unwrap()..];
    let alias = dir.path().join("aliases.toml");
    std::fs::write(&alias, snippet).unwrap();
    let log = dir.path().join("10.0.0.1-20210304.json");
    let o = run(&["graph", s(&log), "--alias", s(&alias), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "source,target,channel,messages,first,last\n\
         bobcat,heron@a.onion,,2,2021-03-04T09:12:44.512093+00:00,2021-03-04T09:13:02.000441+00:00\n"
    );
    // Without the flag, nothing is suggested.
    let o = run(&["inspect", s(dir.path()), "-q"]);
    assert!(!stdout(&o).contains("[[person]]"));
}
