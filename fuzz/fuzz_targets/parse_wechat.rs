#![no_main]
//! Fuzzes the `wechat` parser (see common.rs for the invariants).
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::check_named("wechat", "项目群.txt", data));
