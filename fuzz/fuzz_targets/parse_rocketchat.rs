#![no_main]
//! Fuzzes the `rocketchat` parser (see common.rs for the invariants).
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::check_named("rocketchat", "GENERAL-2021-03-01.json", data));
