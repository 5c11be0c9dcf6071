//! `chatsift report`: the files it writes, what the page shows, and that hostile chat content
//! stays text, checked in a real browser (headless Chromium) when one is installed.

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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SCRIPT_BODY: &str = "<script>document.title='PWNED'</script> 工资什么时候发";
const IMG_NAME: &str = "<img src=x onerror=\"document.title='PWNED'\">";
const JS_LINK: &str = "<a href=\"javascript:document.title='PWNED'\">click</a> зарплата";

/// A chat (chatsift's own JSONL, which takes any strings) whose names and bodies are markup.
fn hostile_chat(dir: &Path) -> PathBuf {
    // Keys in the order chatsift writes them (sniffing reads our own layout).
    let line = |t: &str, sender: &str, body: &str| {
        let q = |s: &str| serde_json::to_string(s).unwrap();
        format!(
            "{{\"time\":{t},\"local_time\":{t},\"sender\":{s},\"person\":{s},\"recipient\":\"victim\",\"channel\":null,\"body\":{b},\"kind\":\"message\",\"attachments\":[],\"id\":null,\"topics\":[],\"format\":\"isoon\",\"source\":\"chats/1.md\",\"line\":3,\"offset\":0}}",
            t = q(t),
            s = q(sender),
            b = q(body)
        )
    };
    let text = [
        line("2022-03-01T01:00:00Z", "mallory", SCRIPT_BODY),
        line(
            "2022-03-01T02:00:00Z",
            IMG_NAME,
            "加班到很晚 overtime again",
        ),
        line("2022-03-02T03:00:00Z", "javascript:alert(1)", JS_LINK),
        line(
            "2022-03-03T04:00:00Z",
            "mallory",
            "=HYPERLINK(\"http://x\") 奖金",
        ),
    ]
    .join("\n");
    let p = dir.join("hostile.jsonl");
    std::fs::write(&p, text + "\n").unwrap();
    p
}

fn report(input: &Path, out: &Path) -> String {
    let o = run(&[
        "report",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--tz",
        "Asia/Shanghai",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::read_to_string(out.join("index.html")).unwrap()
}

#[test]
fn report_writes_every_csv_chart_and_page_on_the_demo() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    let html = report(Path::new("testdata/demo"), &out);
    for f in [
        "messages.csv",
        "timeline.csv",
        "people.csv",
        "topics.csv",
        "edges.csv",
        "graph.gexf",
        "files.csv",
        "problems.csv",
        "topics.png",
        "topics.svg",
        "heatmap.png",
        "heatmap.svg",
        "activity.png",
        "activity.svg",
        "calendar.png",
        "calendar.svg",
        "people.png",
        "people.svg",
        "index.html",
    ] {
        let meta = std::fs::metadata(out.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(meta.len() > 20, "{f} is nearly empty");
    }
    // messages.csv is the `messages --to csv` stream, byte for byte.
    let o = run(&[
        "messages",
        "testdata/demo",
        "--to",
        "csv",
        "--tz",
        "Asia/Shanghai",
    ]);
    assert!(o.status.success());
    assert_eq!(std::fs::read(out.join("messages.csv")).unwrap(), o.stdout);
    // people.csv and timeline.csv (by week) are the other commands' output.
    let o = run(&["people", "testdata/demo", "--tz", "Asia/Shanghai"]);
    assert_eq!(std::fs::read(out.join("people.csv")).unwrap(), o.stdout);
    let o = run(&[
        "timeline",
        "testdata/demo",
        "--by",
        "week",
        "--tz",
        "Asia/Shanghai",
    ]);
    assert_eq!(std::fs::read(out.join("timeline.csv")).unwrap(), o.stdout);
    let o = run(&[
        "topics",
        "testdata/demo",
        "--by",
        "week",
        "--tz",
        "Asia/Shanghai",
    ]);
    assert_eq!(std::fs::read(out.join("topics.csv")).unwrap(), o.stdout);
    let o = run(&[
        "graph",
        "testdata/demo",
        "--channels-as-nodes",
        "--tz",
        "Asia/Shanghai",
    ]);
    assert_eq!(std::fs::read(out.join("edges.csv")).unwrap(), o.stdout);
    // The page: the summary's figures, five inline charts, no scripts, the policy.
    assert!(html.contains("373 read"), "summary missing");
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), 5);
    assert!(!html.contains("<script"));
    assert!(html.contains("Content-Security-Policy"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    // Top people and topics.
    assert!(html.contains("wxid_k3f9x0a1b2c3d4"));
    assert!(html.contains("Pay and wages"));
}

#[test]
fn report_is_identical_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let mut pages = Vec::new();
    for threads in ["1", "3"] {
        let out = tmp.path().join(threads);
        let o = run(&[
            "report",
            "testdata/demo",
            "-o",
            out.to_str().unwrap(),
            "--threads",
            threads,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        pages.push(files);
    }
    assert_eq!(pages[0].len(), pages[1].len());
    for (a, b) in pages[0].iter().zip(&pages[1]) {
        assert_eq!(a.0, b.0);
        assert!(a.1 == b.1, "{} differs between 1 and 3 threads", a.0);
    }
}

#[test]
fn report_page_escapes_hostile_names_and_bodies() {
    let tmp = tempfile::tempdir().unwrap();
    let input = hostile_chat(tmp.path());
    let html = report(&input, &tmp.path().join("r"));
    assert!(!html.contains("<script"), "a script tag reached the page");
    assert!(!html.contains("<img src=x"), "an img tag reached the page");
    assert!(!html.contains("href=\"javascript"), "a javascript: link");
    assert!(html.contains("&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=&quot;document.title=&#39;PWNED&#39;&quot;&gt;"));
    assert!(
        html.contains("javascript:alert(1)"),
        "the name is shown as text"
    );
    // The CSV beside it neutralizes the formula; the page shows it as it was.
    let csv = std::fs::read_to_string(tmp.path().join("r/messages.csv")).unwrap();
    assert!(
        csv.contains(",\"'=HYPERLINK(\"\"http://x\"\") 奖金\","),
        "{csv}"
    );
}

/// The browser to check pages with: `CHATSIFT_CHROMIUM`, else `chromium` on the path.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHATSIFT_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

/// The DOM of `page` after it loaded in headless Chromium.
fn dump_dom(browser: &Path, page: &Path, profile: &Path) -> String {
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("run chromium");
    assert!(o.status.success(), "chromium failed: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn report_page_in_headless_chromium_loads_its_images_and_shows_script_as_text() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CHATSIFT_REQUIRE_BROWSER").is_none(),
            "CHATSIFT_REQUIRE_BROWSER is set but no chromium was found"
        );
        eprintln!(
            "skipped: no chromium on PATH (set CHATSIFT_CHROMIUM to check pages in a browser)"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let input = hostile_chat(tmp.path());
    let out = tmp.path().join("r");
    let html = report(&input, &out);

    // 1. The page as written: nothing from the chat ran (the title is still ours) and the
    //    hostile text is in the document as text.
    let dom = dump_dom(&browser, &out.join("index.html"), &tmp.path().join("p1"));
    assert!(
        dom.contains("<title>chatsift report</title>"),
        "title changed:\n{dom}"
    );
    assert!(!dom.contains("PWNED</title>"));
    assert!(dom.contains("&lt;script&gt;document.title='PWNED'&lt;/script&gt;"));

    // 2. The same page with a checker script added (and the policy opened for it alone):
    //    every image decoded, exactly one script (the checker), the `<script>` body visible
    //    as text, no element with an onerror handler, no javascript: link.
    let checker = r#"<script id="chatsift-check">
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  var text = document.body.innerText;
  // `<\/` keeps the HTML parser from ending this script at the quoted tag.
  var shown = text.indexOf("<script>document.title='PWNED'<\/script>") >= 0;
  var onerror = document.querySelectorAll('[onerror]').length;
  var js = Array.prototype.slice.call(document.links)
    .filter(function (a) { return a.protocol === 'javascript:'; }).length;
  var out = document.createElement('pre');
  out.id = 'result';
  out.textContent = 'CHECK images=' + ok + '/' + imgs.length + ' scripts=' +
    document.scripts.length + ' shown=' + shown + ' onerror=' + onerror + ' js=' + js +
    ' title=' + document.title;
  document.body.appendChild(out);
});
</script>"#;
    let csp_start = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .unwrap();
    let csp_end = csp_start + html[csp_start..].find('>').unwrap() + 1;
    let opened = format!(
        "{}<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">{}",
        &html[..csp_start],
        &html[csp_end..]
    )
    .replace("</body>", &format!("{checker}</body>"));
    let check = out.join("check.html");
    std::fs::write(&check, opened).unwrap();
    let dom = dump_dom(&browser, &check, &tmp.path().join("p2"));
    let line = dom
        .lines()
        .find_map(|l| l.split("<pre id=\"result\">CHECK ").nth(1))
        .unwrap_or_else(|| panic!("no check result in:\n{dom}"));
    assert!(
        line.starts_with("images=5/5 scripts=1 shown=true onerror=0 js=0 title=chatsift report"),
        "{line}"
    );
}
