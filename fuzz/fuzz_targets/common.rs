#![allow(dead_code)] // each target uses part of it
//! Shared by every parser target: the invariants a parser must keep on any input (those of
//! issue 5: no panic, every problem and message has a line, messages before the damage are
//! returned whole or split).

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
        assert!(
            p.loc.offset <= text.len() as u64,
            "problem offset past the end"
        );
    }
    for m in &whole.messages {
        assert!(m.loc.line >= 1, "message without a line");
        assert!(
            m.loc.offset <= text.len() as u64,
            "message offset past the end"
        );
    }
    let target = 1 + data.first().copied().unwrap_or(0) as usize % 97;
    let split = formats::parse_text(format, &text, &ctx, target);
    // Input without damage splits into exactly the same messages. With damage, the messages
    // that start before the first problem (of either read) must be the same: those before the
    // damage are always returned, wherever the file was cut. (How far a reader recovers after
    // damage may depend on where a chunk starts.)
    let damage = whole
        .problems
        .iter()
        .chain(&split.problems)
        .map(|p| p.loc.offset)
        .min()
        .unwrap_or(u64::MAX);
    let before = |v: &[chatsift::model::Message<'_>]| -> Vec<String> {
        v.iter()
            .filter(|m| m.loc.offset < damage)
            .map(|m| format!("{m:?}"))
            .collect()
    };
    assert_eq!(
        before(&whole.messages),
        before(&split.messages),
        "split at {target} bytes changed the messages before the first problem (offset {damage})"
    );
}
