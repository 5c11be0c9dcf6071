#![no_main]
//! Fuzzes every parser with one target: the first byte picks the format (its index in
//! `formats::registry()`, modulo the count), the rest is the input, read under the format's
//! first example file name. A new format is fuzzed as soon as it is registered.
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let all = chatsift::formats::registry();
    let format = all[usize::from(pick) % all.len()];
    common::check(format, format.examples()[0], input);
});
