#![no_main]
//! Fuzzes the `slack` parser (see common.rs for the invariants).
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::check_named("slack", "export/general/2021-05-01.json", data));
