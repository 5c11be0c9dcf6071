//! Property tests of the whole reading path (decode → sniff → window → chunk → parse) on
//! hostile bytes: random bytes and mutated fixtures (cut, lines duplicated or swapped, bytes
//! flipped), read with every format forced and with sniffing. Nothing may panic, every
//! problem names a line, and reading with tiny windows and chunks gives what a whole read gives
//! up to the first damage (exactly, when there is none).

use chatsift::formats::{self, Collect};
use chatsift::pipeline::{self, Options};
use chatsift::source;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata"
    ))];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if !p.to_string_lossy().ends_with(".json")
                || !p.to_string_lossy().contains(".expect.")
            {
                let b = std::fs::read(&p).unwrap();
                if !b.is_empty() && b.len() < 64 << 10 {
                    out.push(b);
                }
            }
        }
    }
    out
}

fn read(path: &Path, format: Option<&'static dyn formats::Format>, tiny: bool) -> Vec<String> {
    let walk = source::walk(&[path.to_string_lossy().into_owned()]).unwrap();
    let opts = if tiny {
        Options {
            format,
            window_bytes: 128,
            chunk_bytes: 32,
            batch_bytes: Some(256),
            ..Options::default()
        }
    } else {
        Options {
            format,
            window_bytes: usize::MAX / 4,
            chunk_bytes: usize::MAX / 4,
            batch_bytes: None,
            ..Options::default()
        }
    };
    let mut out = Vec::new();
    let report = pipeline::run(
        &walk.files,
        &opts,
        walk.problems,
        |mut batch| -> Result<(), ()> {
            for c in batch.parse(|_| Collect::default()) {
                for m in c.messages {
                    out.push(format!(
                        "{}:{} {} {} {:?} {:?}",
                        m.loc.line, m.loc.offset, m.time.micros, m.sender, m.body, m.kind
                    ));
                }
            }
            Ok(())
        },
    )
    .unwrap();
    for p in &report.problems {
        assert!(p.loc.line >= 1, "problem without a line: {p:?}");
        assert!(!p.what.is_empty());
        out.push(format!("problem {} {}", p.loc.line, p.what));
    }
    out
}

fn mutate(mut b: Vec<u8>, kind: u8, at: usize, byte: u8) -> Vec<u8> {
    if b.is_empty() {
        return b;
    }
    let at = at % b.len();
    match kind % 4 {
        0 => b.truncate(at),
        1 => b[at] = byte,
        2 => {
            // duplicate the line holding `at`
            let s = b[..at]
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |i| i + 1);
            let e = b[at..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |i| at + i + 1);
            let line = b[s..e].to_vec();
            b.splice(e..e, line);
        }
        _ => {
            // swap the line holding `at` with the next one
            let lines: Vec<&[u8]> = b.split_inclusive(|&c| c == b'\n').collect();
            let mut lines: Vec<Vec<u8>> = lines.into_iter().map(<[u8]>::to_vec).collect();
            let mut pos = 0;
            let idx = lines
                .iter()
                .position(|l| {
                    pos += l.len();
                    pos > at
                })
                .unwrap_or(0);
            if idx + 1 < lines.len() {
                lines.swap(idx, idx + 1);
            }
            b = lines.concat();
        }
    }
    b
}

/// Reads `bytes` whole and in tiny windows and chunks, with every format forced and with
/// sniffing: no panic, every problem has a line, and the messages that start before the first
/// problem (of either read) are the same (all of them, and the same problems, when there is no
/// damage). How far a reader recovers after damage may depend on where a chunk starts.
fn check(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("input.txt");
    std::fs::write(&p, bytes).unwrap();
    let mut choices: Vec<Option<&'static dyn formats::Format>> = vec![None];
    choices.extend(formats::registry().iter().copied().map(Some));
    let problem_line =
        |s: &String| -> Option<u64> { s.strip_prefix("problem ")?.split(' ').next()?.parse().ok() };
    for f in choices {
        let whole = read(&p, f, false);
        let tiny = read(&p, f, true);
        let damage = whole
            .iter()
            .chain(&tiny)
            .filter_map(problem_line)
            .min()
            .unwrap_or(u64::MAX);
        if damage == u64::MAX {
            assert_eq!(
                tiny,
                whole,
                "format {:?}: tiny windows differ",
                f.map(|f| f.name())
            );
            continue;
        }
        let before = |v: &[String]| -> Vec<String> {
            v.iter()
                .filter(|s| {
                    !s.starts_with("problem ")
                        && s.split(':')
                            .next()
                            .and_then(|l| l.parse::<u64>().ok())
                            .is_some_and(|l| l < damage)
                })
                .cloned()
                .collect()
        };
        assert_eq!(
            before(&tiny),
            before(&whole),
            "format {:?}: tiny windows differ before the damage on line {damage}",
            f.map(|f| f.name())
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_and_windows_change_nothing(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes);
    }

    #[test]
    fn mutated_fixtures_never_panic_and_windows_change_nothing(
        which in any::<usize>(), kind in any::<u8>(), at in any::<usize>(), byte in any::<u8>()
    ) {
        let all = fixtures();
        let b = mutate(all[which % all.len()].clone(), kind, at, byte);
        check(&b);
    }
}
