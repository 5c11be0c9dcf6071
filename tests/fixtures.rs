//! Data-driven fixture checks: every `testdata/**/NAME.expect.json` states what chatsift
//! must read from the fixture `NAME` beside it (tokei-style), and this test checks it, both
//! parsing the file whole and split into small chunks at the format's record boundaries.
//!
//! Schema of an expect file (all keys but `format` optional):
//! ```json
//! { "format": "isoon" | null,      // the format sniffing must pick; null: no chat, skipped
//!   "force": false,                 // parse with `format` without sniffing
//!   "date_order": "dmy",            // --date-order, for formats that read numeric dates
//!   "year": 2015,                   // --year, for dates written without one (WhatsApp)
//!   "note": "day first: …",         // what the format's survey says (`inspect` shows it)
//!   "source_tz": "UTC",             // zone for naive stamps
//!   "encoding": "UTF-8",            // decoded encoding name
//!   "messages": 3, "problems": 0, "problem_lines": [7],
//!   "first": "2021-06-02T01:15:09Z", "last": "2021-06-02T01:17:02Z",
//!   "senders": ["darkfox", "wxid_k3f9x0a1b2c3d4"],   // sorted, unique
//!   "kinds": {"message": 2, "attachment": 1},
//!   "records": [{"index": 1, "line": 4, "time": "…", "sender": "…", "name": null, "recipient": "…",
//!                "channel": null, "body": "…", "kind": "message", "attachments": [],
//!                "id": null}] }   // index: 0-based position in file order; keys present are checked
//! ```

use chatsift::formats::{self, Format, ParseCtx};
use chatsift::model::{Message, Problem};
use chatsift::source::decode;
use chatsift::time::{Zone, write_rfc3339};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn expect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            expect_files(&p, out);
        } else if p.to_string_lossy().ends_with(".expect.json") {
            out.push(p);
        }
    }
}

fn rfc3339(m: &Message<'_>) -> String {
    let mut v = Vec::new();
    write_rfc3339(&mut v, m.time.micros, 0, m.time.frac_digits, true);
    String::from_utf8(v).unwrap()
}

fn opt(v: &Option<std::borrow::Cow<'_, str>>) -> Value {
    v.as_ref()
        .map_or(Value::Null, |s| Value::String(s.to_string()))
}

fn record_json(m: &Message<'_>) -> Value {
    serde_json::json!({
        "line": m.loc.line,
        "offset": m.loc.offset,
        "time": rfc3339(m),
        "sender": m.sender,
        "name": opt(&m.name),
        "recipient": opt(&m.recipient),
        "channel": opt(&m.channel),
        "body": m.body,
        "kind": m.kind.as_str(),
        "attachments": m.attachments,
        "id": opt(&m.id),
    })
}

fn summary(msgs: &[Message<'_>], problems: &[Problem]) -> Vec<String> {
    msgs.iter()
        .map(|m| record_json(m).to_string())
        .chain(
            problems
                .iter()
                .map(|p| format!("problem {} {}", p.loc.line, p.what)),
        )
        .collect()
}

/// What the expect file says that `msgs` and `problems` do not hold.
fn expectations(
    exp: &Value,
    msgs: &[Message<'_>],
    problems: &[Problem],
) -> Result<Vec<String>, String> {
    let mut errors = Vec::new();
    let mut eq = |what: &str, got: Value, want: Option<&Value>| {
        if let Some(w) = want
            && &got != w
        {
            errors.push(format!("{what}: got {got}, expected {w}"));
        }
    };
    eq("messages", msgs.len().into(), exp.get("messages"));
    eq("problems", problems.len().into(), exp.get("problems"));
    eq(
        "problem_lines",
        problems
            .iter()
            .map(|p| p.loc.line)
            .collect::<Vec<_>>()
            .into(),
        exp.get("problem_lines"),
    );
    let min = msgs.iter().min_by_key(|m| m.time.micros);
    let max = msgs.iter().max_by_key(|m| m.time.micros);
    eq("first", min.map(rfc3339).into(), exp.get("first"));
    eq("last", max.map(rfc3339).into(), exp.get("last"));
    let mut senders: Vec<String> = msgs.iter().map(|m| m.sender.to_string()).collect();
    senders.sort();
    senders.dedup();
    eq("senders", senders.into(), exp.get("senders"));
    let mut kinds = BTreeMap::new();
    for m in msgs {
        *kinds.entry(m.kind.as_str().to_string()).or_insert(0u64) += 1;
    }
    eq(
        "kinds",
        serde_json::to_value(&kinds).unwrap(),
        exp.get("kinds"),
    );
    for want in exp
        .get("records")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let idx = want["index"].as_u64().ok_or("record without index")? as usize;
        let Some(m) = msgs.get(idx) else {
            errors.push(format!("record {idx}: missing"));
            continue;
        };
        let got = record_json(m);
        for (k, v) in want.as_object().unwrap() {
            if k != "index" && &got[k] != v {
                errors.push(format!("record {idx} {k}: got {}, expected {v}", got[k]));
            }
        }
    }
    Ok(errors)
}

/// A Parquet fixture (`chatsift-parquet`): read whole through the library's reader, row
/// group by row group, and checked against its expect file.
fn check_parquet(exp: &Value, bytes: Vec<u8>, display: &str) -> Result<(), String> {
    let got = formats::parquet::read_all(bytes.into(), display);
    let got = match (exp.get("format").and_then(Value::as_str), got) {
        // A Parquet file that cannot be read is skipped, as no chat.
        (None, Err(_)) => return Ok(()),
        (None, Ok(_)) => return Err("read as chatsift-parquet but expected no chat".into()),
        (Some("chatsift-parquet"), Ok(got)) => got,
        (Some("chatsift-parquet"), Err(e)) => return Err(e),
        (Some(w), _) => return Err(format!("a Parquet file reads as chatsift-parquet, not {w}")),
    };
    let errors = expectations(exp, &got.messages, &got.problems)?;
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n  "))
    }
}

fn check(expect_path: &Path) -> Result<(), String> {
    let exp: Value = serde_json::from_str(&std::fs::read_to_string(expect_path).unwrap())
        .map_err(|e| format!("bad expect file: {e}"))?;
    let fixture = PathBuf::from(
        expect_path
            .to_string_lossy()
            .trim_end_matches(".expect.json"),
    );
    let display = fixture.to_string_lossy().replace('\\', "/");
    let bytes = std::fs::read(&fixture).map_err(|e| format!("cannot read fixture: {e}"))?;
    if bytes.starts_with(b"PAR1") {
        return check_parquet(&exp, bytes, &display);
    }
    let decoded = decode::decode(&bytes, None);
    if let Some(enc) = exp.get("encoding").and_then(Value::as_str)
        && decoded.encoding != enc
    {
        return Err(format!("encoding {} != expected {enc}", decoded.encoding));
    }
    let text: &str = &decoded.text;
    let want_format = exp.get("format").and_then(Value::as_str);
    let force = exp.get("force").and_then(Value::as_bool).unwrap_or(false);
    let format: &dyn Format = if force {
        formats::by_name(want_format.ok_or("force without format")?).ok_or("unknown format")?
    } else {
        let sniffed = formats::sniff(&display, formats::sniff_head(text));
        match (sniffed, want_format) {
            (None, None) => return Ok(()),
            (Some(f), None) => return Err(format!("sniffed as {} but expected no chat", f.name())),
            (None, Some(w)) => return Err(format!("not sniffed; expected {w}")),
            (Some(f), Some(w)) if f.name() != w => {
                return Err(format!("sniffed as {}, expected {w}", f.name()));
            }
            (Some(f), Some(_)) => f,
        }
    };
    let zone: Zone = exp
        .get("source_tz")
        .and_then(Value::as_str)
        .unwrap_or("UTC")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let mut options = formats::FormatOptions::default();
    if let Some(o) = exp.get("date_order").and_then(Value::as_str) {
        options.date_order = Some(o.parse()?);
    }
    if let Some(y) = exp.get("year").and_then(Value::as_i64) {
        options.year = Some(i32::try_from(y).map_err(|e| format!("{e}"))?);
    }
    let hint = formats::survey_text(format, &display, text, options);
    let mut ctx = ParseCtx::new(0, &display, zone);
    ctx.options = options;
    ctx.hint = hint.as_deref();
    if let Some(w) = exp.get("note") {
        let got = hint.as_ref().and_then(|h| h.describe());
        if got.as_deref() != w.as_str() {
            return Err(format!("survey note: got {got:?}, expected {w}"));
        }
    }
    let whole = formats::parse_text(format, text, &ctx, usize::MAX);
    let (msgs, problems) = (&whole.messages, &whole.problems);

    let mut errors = expectations(&exp, msgs, problems)?;
    // Splitting at any record boundary must change nothing.
    let base = summary(msgs, problems);
    for target in [1usize, 16, 97, 1000] {
        let split = formats::parse_text(format, text, &ctx, target);
        let got = summary(&split.messages, &split.problems);
        if got != base {
            let at = got
                .iter()
                .zip(&base)
                .position(|(a, b)| a != b)
                .unwrap_or(got.len().min(base.len()));
            errors.push(format!(
                "split at ~{target} bytes differs from whole parse at item {at}: {:?} vs {:?}",
                got.get(at),
                base.get(at)
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n  "))
    }
}

#[test]
fn every_fixture_reads_as_its_expect_file_says() {
    let mut files = Vec::new();
    expect_files(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .as_path(),
        &mut files,
    );
    let only = std::env::var("FIXTURE").ok();
    let mut failures = Vec::new();
    let mut checked = 0;
    for f in &files {
        let rel = f
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .to_string_lossy()
            .to_string();
        if only.as_deref().is_some_and(|o| !rel.contains(o)) {
            continue;
        }
        checked += 1;
        // Paths are given relative to the crate, as a user in the checkout would.
        let cwd = std::env::current_dir().unwrap();
        std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
        let r = check(Path::new(&rel));
        std::env::set_current_dir(cwd).unwrap();
        if let Err(e) = r {
            failures.push(format!("{rel}:\n  {e}"));
        }
    }
    assert!(checked > 0 || only.is_some(), "no fixtures found");
    assert!(
        failures.is_empty(),
        "{} of {checked} fixtures failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
