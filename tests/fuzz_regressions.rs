//! Inputs the fuzzers (fuzz/) found that broke an invariant, kept so the bug stays fixed:
//! `testdata/fuzz/<format>/<input>`. Each is checked as the fuzz target checks it: no panic,
//! every problem has a line, and parsing split into small chunks (at the format's record
//! boundaries, target size from the first byte) gives the same messages as the whole parse
//! up to the first damage (all of them for undamaged input).

use chatsift::formats::{self, FormatOptions, ParseCtx};
use chatsift::time::Zone;

/// The display path each fuzz target uses for its format.
fn path_for(format: &str) -> &'static str {
    match format {
        "discord" => "Ops - work - general [975000000000000000].json",
        "slack" => "export/general/2021-05-01.json",
        "telegram" => "result.json",
        "whatsapp" => "WhatsApp Chat with Lin Wei.txt",
        "signal" => "Lin Wei/chat.md",
        "qq" => "全部消息记录.txt",
        "irc" => "libera/#ops.log",
        "wechat" => "项目群.txt",
        _ => "input",
    }
}

#[test]
fn every_fuzz_finding_keeps_the_parser_invariants() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz");
    let mut checked = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let format = formats::by_name(&name).unwrap_or_else(|| panic!("{name}: no such format"));
        let path = path_for(&name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).unwrap();
            let text = String::from_utf8_lossy(&data);
            let hint = formats::survey_text(format, path, &text, FormatOptions::default());
            let mut ctx = ParseCtx::new(0, path, Zone::Utc);
            ctx.hint = hint.as_deref();
            let whole = formats::parse_text(format, &text, &ctx, usize::MAX);
            for p in &whole.problems {
                assert!(p.loc.line >= 1, "{}: problem without a line", f.display());
            }
            let target = 1 + data.first().copied().unwrap_or(0) as usize % 97;
            let split = formats::parse_text(format, &text, &ctx, target);
            // As the fuzz targets check: messages that start before the first problem of
            // either read are the same whole and split (all of them when there is none).
            let damage = whole
                .problems
                .iter()
                .chain(&split.problems)
                .map(|p| p.loc.offset)
                .min()
                .unwrap_or(u64::MAX);
            let before =
                |v: &[chatsift::model::Message<'_>]| -> Vec<(u64, Option<String>, String)> {
                    v.iter()
                        .filter(|m| m.loc.offset < damage)
                        .map(|m| {
                            (
                                m.loc.line,
                                m.id.as_deref().map(str::to_string),
                                m.body.to_string(),
                            )
                        })
                        .collect()
                };
            let (w, s) = (before(&whole.messages), before(&split.messages));
            assert!(
                w == s,
                "{}: split at {target} bytes differs before the damage at {damage}\nwhole: {w:?}\nsplit: {s:?}",
                f.display()
            );
            // The first readable messages are never lost to damage that comes later.
            assert!(
                whole.messages.len() >= w.len(),
                "{}: fewer messages than before the damage",
                f.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}
