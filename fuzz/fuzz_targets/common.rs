#![allow(dead_code)] // each target uses part of it
//! Shared by every parser target: the invariants a parser must keep on any input.

use chatsift::formats::{self, Format, FormatOptions, ParseCtx};
use chatsift::time::Zone;

/// Parses `data` (lossily decoded) with `format` whole and split into small chunks at the
/// format's record boundaries, and checks: no panic, every problem has a line, and the split
/// parse gives exactly the messages of the whole parse.
pub fn check(format: &dyn Format, path: &str, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let hint = formats::survey_text(format, path, &text, FormatOptions::default());
    let mut ctx = ParseCtx::new(0, path, Zone::Utc);
    ctx.hint = hint.as_deref();
    let whole = formats::parse_text(format, &text, &ctx, usize::MAX);
    for p in &whole.problems {
        assert!(p.loc.line >= 1, "problem without a line: {}", p.what);
        assert!(p.loc.offset <= text.len() as u64, "problem offset past the end");
    }
    for m in &whole.messages {
        assert!(m.loc.line >= 1, "message without a line");
        assert!(m.loc.offset <= text.len() as u64, "message offset past the end");
    }
    let target = 1 + data.first().copied().unwrap_or(0) as usize % 97;
    let split = formats::parse_text(format, &text, &ctx, target);
    assert_eq!(
        whole.messages, split.messages,
        "split at {target} bytes changed the messages"
    );
}

/// `check` for the format called `name`, with a realistic file name for it.
pub fn check_named(name: &str, path: &str, data: &[u8]) {
    let format = formats::by_name(name).expect("registered format");
    check(format, path, data);
}
