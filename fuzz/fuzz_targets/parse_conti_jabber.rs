#![no_main]
//! Fuzzes the `conti-jabber` parser (see common.rs for the invariants).
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::check_named("conti-jabber", "10.0.0.1-20210304.json", data));
