#![no_main]
//! Fuzzes what happens to an unknown file: encoding detection, decoding (BOMs, UTF-16,
//! GB18030, damaged UTF-8), sniffing among every format, then parsing with the winner.
use chatsift::formats;
use chatsift::source::decode;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    // The first byte picks a file name, so path-based sniffing is exercised too.
    const PATHS: [&str; 8] = [
        "chats/1.md",
        "result.json",
        "WhatsApp Chat with X.txt",
        "#ops.log",
        "2021-05-01.json",
        "messages.csv",
        "x.txt",
        "-",
    ];
    let path = PATHS[data.first().copied().unwrap_or(0) as usize % PATHS.len()];
    let decoded = decode::decode(data, None);
    let (lossy, _, _) = decode::utf8_lossy(data, 1);
    for text in [decoded.text.as_ref(), lossy.as_ref()] {
        if let Some(f) = formats::sniff(path, formats::sniff_head(text)) {
            common::check(f, path, text.as_bytes());
        }
    }
});
