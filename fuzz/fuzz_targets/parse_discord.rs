#![no_main]
//! Fuzzes the `discord` parser (see common.rs for the invariants).
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::check_named("discord", "Ops - work - general [975000000000000000].json", data));
