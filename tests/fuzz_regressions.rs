//! Inputs the fuzzers (fuzz/) found that broke an invariant, kept so the bug stays fixed:
//! `testdata/fuzz/<format>/<input>`. Each is checked as the fuzz target checks it: no panic,
//! every problem has a line, and parsing split into small chunks (at the format's record
//! boundaries, target size from the first byte) gives the same messages as the whole parse
//! up to the first damage (all of them for undamaged input).

use chatsift::formats;

/// The checks every fuzz target makes, shared so a kept input is checked exactly as found.
#[path = "../fuzz/fuzz_targets/common.rs"]
mod common;

/// The display path each fuzz target uses for its format.
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
        // The path a fuzz target gives its input: the format's first example name.
        let path = format.examples()[0];
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).unwrap();
            // The fuzz target's own checks (the captured output names the input on failure).
            eprintln!("checking {}", f.display());
            common::check(format, path, &data);
            checked += 1;
        }
    }
    assert!(checked > 0);
}
