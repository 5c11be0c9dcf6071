//! Encodings: BOM first (UTF-8, UTF-16LE/BE), then UTF-8 validity, then a guess (UTF-16
//! without BOM from its NUL pattern, binary files by the proportion of control bytes in the
//! first window ([`looks_binary`]); otherwise GB18030 when the bytes pair up as GB18030
//! characters do, windows-1251 when they run in words as Cyrillic does, else UTF-8 with the
//! bad bytes replaced). Text with stray NULs and damaged sequences (a zeroed sector in a
//! recovered log) stays text: NULs and invalid bytes become U+FFFD and each damaged line is
//! reported with its line number.
//! `--encoding LABEL` overrides with any WHATWG label. UTF-16 is transcoded before any line
//! splitting, because `上` (U+4E0A) carries the byte 0x0A.

use encoding_rs::{Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1251};
use std::borrow::Cow;

/// How much of a file's start [`detect`] looks at.
pub const DETECT_LEN: usize = 64 * 1024;

/// What a file's bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detected {
    /// UTF-8; `bom` is the length of a byte-order mark to skip (0 or 3).
    Utf8 {
        /// Bytes of BOM at the start.
        bom: usize,
    },
    /// Another encoding, to be transcoded whole; `bom` bytes are skipped first.
    Other {
        /// The encoding.
        encoding: &'static Encoding,
        /// Bytes of BOM at the start.
        bom: usize,
        /// True when the choice is a guess (no BOM, not forced).
        guessed: bool,
    },
    /// Not text: NUL bytes without a UTF-16 pattern, more than one byte in 8 of them or
    /// among bytes that are not UTF-8.
    Binary,
}

impl Detected {
    /// A short name: `UTF-8`, `UTF-8 (BOM)`, `UTF-16LE (BOM)`, `GB18030 (guessed)`, `binary`.
    pub fn name(&self) -> String {
        match self {
            Detected::Utf8 { bom: 0 } => "UTF-8".into(),
            Detected::Utf8 { .. } => "UTF-8 (BOM)".into(),
            Detected::Other {
                encoding,
                bom,
                guessed,
            } => {
                let mut s = encoding.name().to_string();
                if *bom > 0 {
                    s.push_str(" (BOM)");
                } else if *guessed {
                    s.push_str(" (guessed)");
                }
                s
            }
            Detected::Binary => "binary".into(),
        }
    }
}

/// An encoding label that WHATWG does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown encoding label {0:?} (try utf-8, gb18030, utf-16le, windows-1251, …)")]
pub struct UnknownEncoding(pub String);

/// Looks up a WHATWG encoding label (`gb18030`, `gbk`, `utf-16le`, `windows-1251`, …).
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding, UnknownEncoding> {
    Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| UnknownEncoding(label.to_string()))
}

impl Detected {
    /// A known (not guessed) encoding with a BOM of `bom` bytes to skip.
    fn of(encoding: &'static Encoding, bom: usize) -> Detected {
        if encoding == UTF_8 {
            Detected::Utf8 { bom }
        } else {
            Detected::Other {
                encoding,
                bom,
                guessed: false,
            }
        }
    }
}

/// Decides a file's encoding from its first bytes (pass at least [`DETECT_LEN`] when the file
/// is that long). `forced` (from `--encoding`) wins over everything but a BOM's length, which
/// is still skipped when it matches the forced encoding.
pub fn detect(head: &[u8], forced: Option<&'static Encoding>) -> Detected {
    let bom = Encoding::for_bom(head);
    if let Some(enc) = forced {
        let skip = match bom {
            Some((b, n)) if b == enc => n,
            _ => 0,
        };
        return Detected::of(enc, skip);
    }
    if let Some((enc, n)) = bom {
        return Detected::of(enc, n);
    }
    let sample = &head[..head.len().min(DETECT_LEN)];
    if memchr::memchr(0, sample).is_some() {
        return match utf16_guess(sample) {
            Some(enc) => Detected::Other {
                encoding: enc,
                bom: 0,
                guessed: true,
            },
            None if looks_binary(sample) => Detected::Binary,
            None => Detected::Utf8 { bom: 0 },
        };
    }
    match simdutf8::compat::from_utf8(sample) {
        Ok(_) => Detected::Utf8 { bom: 0 },
        // A sequence cut by the sample's end is no evidence against UTF-8.
        Err(e) if e.error_len().is_none() => Detected::Utf8 { bom: 0 },
        Err(_) if mostly_utf8(sample) => Detected::Utf8 { bom: 0 },
        Err(_) => match legacy_guess(sample) {
            Some(encoding) => Detected::Other {
                encoding,
                bom: 0,
                guessed: true,
            },
            // Neither shape: UTF-8 with damaged bytes (a stray Latin-1 byte in ASCII text),
            // which are replaced and reported rather than the whole file garbled.
            None => Detected::Utf8 { bom: 0 },
        },
    }
}

/// The legacy encoding a sample that is not UTF-8 looks like, from the shape of its bytes
/// of 0x80 and above:
/// - GB18030: they pair up (a lead byte 0x81–0xFE, then a second byte, mostly 0x81 and above
///   in Chinese text; or the four-byte form), with no lead byte left without its partner;
/// - windows-1251: they are mostly Cyrillic letters (0xC0–0xFF, Ё/ё) running together in
///   words, where GB18030's pairing breaks on every word of odd length.
///
/// `None` when neither fits, e.g. one stray byte in ASCII text.
fn legacy_guess(sample: &[u8]) -> Option<&'static Encoding> {
    let (mut high_pairs, mut low_pairs, mut broken) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i < sample.len() {
        let b = sample[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        let Some(&t) = sample.get(i + 1) else {
            break; // cut by the sample's end: no evidence
        };
        match (b, t) {
            (0x81..=0xFE, 0x30..=0x39) => {
                // Four-byte form: lead, digit, lead-range byte, digit.
                match (sample.get(i + 2), sample.get(i + 3)) {
                    (Some(0x81..=0xFE), Some(0x30..=0x39)) => {
                        high_pairs += 1;
                        i += 4;
                    }
                    (Some(_), Some(_)) => {
                        broken += 1;
                        i += 1;
                    }
                    _ => break,
                }
            }
            (0x81..=0xFE, 0x81..=0xFE) => {
                high_pairs += 1;
                i += 2;
            }
            (0x81..=0xFE, 0x40..=0x7E | 0x80) => {
                low_pairs += 1;
                i += 2;
            }
            _ => {
                broken += 1;
                i += 1;
            }
        }
    }
    if high_pairs > 0 && broken * 8 <= high_pairs && low_pairs <= high_pairs {
        return Some(GB18030);
    }
    let (mut high, mut cyrillic, mut in_runs) = (0usize, 0usize, 0usize);
    for (i, &b) in sample.iter().enumerate() {
        if b < 0x80 {
            continue;
        }
        high += 1;
        if matches!(b, 0xC0..=0xFF | 0xA8 | 0xB8) {
            cyrillic += 1;
        }
        let before = i > 0 && sample[i - 1] >= 0x80;
        let after = sample.get(i + 1).is_some_and(|&c| c >= 0x80);
        if before || after {
            in_runs += 1;
        }
    }
    (high >= 8 && cyrillic * 10 >= high * 9 && in_runs * 10 >= high * 7).then_some(WINDOWS_1251)
}

/// UTF-8 with a few damaged bytes (a record cut by a bad copy) has many valid multi-byte
/// characters per invalid sequence; GB18030 read as UTF-8 is mostly invalid sequences. Damaged
/// UTF-8 stays UTF-8 (the bad bytes become U+FFFD and are reported) instead of being garbled
/// whole as GB18030.
fn mostly_utf8(sample: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    let mut rest = sample;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let good = &rest[..e.valid_up_to()];
                valid += good.iter().filter(|&&b| b >= 0xC0).count();
                let Some(n) = e.error_len() else { break };
                invalid += 1;
                rest = &rest[e.valid_up_to() + n..];
            }
        }
    }
    valid > 0 && valid >= 4 * invalid
}

/// Whether a file's first window is binary (an image, an archive, a database, a zeroed
/// file) rather than text with some damage in it. Judged by proportion, never by presence:
/// binary when control bytes (NUL and the C0 controls other than tab, line feed, carriage
/// return, form feed and escape, plus DEL) are more than one byte in 8 of the window, or when
/// they are more than one in 64 and the rest is not mostly UTF-8 either (compressed or
/// encrypted data: uniformly spread bytes, most high ones breaking UTF-8). A chat log with a
/// stray NUL and a bad sequence among good rows is text: the damage becomes U+FFFD, each
/// damaged line is reported (see [`utf8_lossy`]) and every good row is read.
pub fn looks_binary(window: &[u8]) -> bool {
    if window.is_empty() {
        return false;
    }
    let controls = window
        .iter()
        .filter(|&&b| matches!(b, 0x00..=0x08 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F | 0x7F))
        .count();
    if controls.saturating_mul(8) > window.len() {
        return true;
    }
    if controls.saturating_mul(64) <= window.len() {
        return false;
    }
    match simdutf8::compat::from_utf8(window) {
        Ok(_) => false,
        Err(e) if e.error_len().is_none() => false,
        Err(_) => !mostly_utf8(window),
    }
}

/// UTF-16 without a BOM shows as NULs in every other byte for ASCII-heavy text.
fn utf16_guess(sample: &[u8]) -> Option<&'static Encoding> {
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for p in sample.chunks_exact(2) {
        even += usize::from(p[0] == 0);
        odd += usize::from(p[1] == 0);
    }
    if odd * 10 >= pairs * 3 && even * 20 <= pairs {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 3 && odd * 20 <= pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// A whole file's decoded text.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The text (borrowed when the bytes were valid UTF-8).
    pub text: Cow<'a, str>,
    /// The encoding's name as [`Detected::name`] gives it.
    pub encoding: String,
    /// 1-based lines (in the decoded text) where bytes had to be replaced by U+FFFD, at most
    /// [`MAX_REPORTED`] of them; `replaced_total` counts them all (for a transcoded file: the
    /// malformed sequences, reported at line 1).
    pub replaced_lines: Vec<u64>,
    /// How many invalid sequences were replaced in all.
    pub replaced_total: u64,
    /// True when the bytes are not text.
    pub binary: bool,
}

/// How many replacement sites are listed individually.
pub const MAX_REPORTED: usize = 100;

/// Decodes a whole file: see [`detect`]. Binary files give empty text and `binary: true`.
pub fn decode<'a>(bytes: &'a [u8], forced: Option<&'static Encoding>) -> Decoded<'a> {
    let detected = detect(bytes, forced);
    match detected {
        Detected::Binary => Decoded {
            text: Cow::Borrowed(""),
            encoding: detected.name(),
            replaced_lines: Vec::new(),
            replaced_total: 0,
            binary: true,
        },
        Detected::Utf8 { bom } => {
            let (text, replaced_lines, replaced_total) = utf8_lossy(&bytes[bom..], 1);
            Decoded {
                text,
                encoding: detected.name(),
                replaced_lines,
                replaced_total,
                binary: false,
            }
        }
        Detected::Other { encoding, bom, .. } => {
            let (text, total) = transcode(&bytes[bom..], encoding);
            Decoded {
                text: Cow::Owned(text),
                encoding: detected.name(),
                replaced_lines: if total > 0 { vec![1] } else { Vec::new() },
                replaced_total: total,
                binary: false,
            }
        }
    }
}

/// Transcodes to UTF-8, replacing malformed sequences; returns the text and how many
/// sequences were replaced.
pub fn transcode(bytes: &[u8], encoding: &'static Encoding) -> (String, u64) {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let cap = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(cap.min(bytes.len().saturating_mul(3) + 16));
    let mut input = bytes;
    let mut replaced = 0u64;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(input, &mut out, true);
        input = &input[read..];
        match result {
            encoding_rs::DecoderResult::InputEmpty => break,
            encoding_rs::DecoderResult::OutputFull => {
                out.reserve(input.len().saturating_mul(3) + 16);
            }
            encoding_rs::DecoderResult::Malformed(_, _) => {
                replaced += 1;
                out.push('\u{FFFD}');
            }
        }
    }
    (out, replaced)
}

/// Validates UTF-8; invalid sequences and NUL bytes become U+FFFD. Returns the text
/// (borrowed when valid and free of NULs), the first [`MAX_REPORTED`] 1-based lines (counted
/// from `first_line`) that held invalid bytes or NULs, and how many distinct lines did (one
/// problem per damaged line).
pub fn utf8_lossy(bytes: &[u8], first_line: u64) -> (Cow<'_, str>, Vec<u64>, u64) {
    if let Ok(s) = simdutf8::basic::from_utf8(bytes)
        && memchr::memchr(0, bytes).is_none()
    {
        return (Cow::Borrowed(s), Vec::new(), 0);
    }
    let mut out = String::with_capacity(bytes.len() + 16);
    let mut lines = Vec::new();
    let mut damaged = 0u64;
    let mut last_damaged = 0u64;
    let mut line = first_line;
    let mut rest = bytes;
    let mut mark = |line: u64, out: &mut String| {
        if last_damaged != line {
            last_damaged = line;
            damaged += 1;
            if lines.len() < MAX_REPORTED {
                lines.push(line);
            }
        }
        out.push('\u{FFFD}');
    };
    loop {
        let (valid, bad) = match std::str::from_utf8(rest) {
            Ok(s) => (s, None),
            Err(e) => (
                // A prefix from_utf8 just validated.
                std::str::from_utf8(&rest[..e.valid_up_to()]).unwrap_or_default(),
                Some(e.error_len().unwrap_or(rest.len() - e.valid_up_to())),
            ),
        };
        // NULs are valid UTF-8 but never chat text: replaced and reported too.
        let mut good = valid;
        while let Some(z) = memchr::memchr(0, good.as_bytes()) {
            let (before, after) = good.split_at(z);
            out.push_str(before);
            line += memchr::memchr_iter(b'\n', before.as_bytes()).count() as u64;
            mark(line, &mut out);
            good = &after[1..];
        }
        out.push_str(good);
        line += memchr::memchr_iter(b'\n', good.as_bytes()).count() as u64;
        let Some(skip) = bad else { break };
        mark(line, &mut out);
        rest = &rest[valid.len() + skip..];
    }
    (Cow::Owned(out), lines, damaged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(detect(b"hello", None), Detected::Utf8 { bom: 0 });
        assert_eq!(detect(b"\xEF\xBB\xBFhi", None), Detected::Utf8 { bom: 3 });
        let d = decode(b"\xEF\xBB\xBFhi", None);
        assert_eq!(d.text, "hi");
        assert_eq!(d.encoding, "UTF-8 (BOM)");
    }

    #[test]
    fn utf16_is_transcoded_before_any_line_splitting() {
        // "上\n" in UTF-16LE: 0A 4E 0A 00 — the first 0x0A is not a newline.
        let bytes = [0xFF, 0xFE, 0x0A, 0x4E, 0x0A, 0x00];
        let d = decode(&bytes, None);
        assert_eq!(d.text, "上\n");
        assert_eq!(d.encoding, "UTF-16LE (BOM)");
        let no_bom: Vec<u8> = "[04.11.21 10:02:17] vega:\t\thi\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let d = decode(&no_bom, None);
        assert_eq!(d.encoding, "UTF-16LE (guessed)");
        assert!(d.text.starts_with("[04.11.21"));
    }

    #[test]
    fn gb18030_is_the_fallback_for_invalid_utf8() {
        let (bytes, _, _) = GB18030.encode("周末又要加班\n");
        let d = decode(&bytes, None);
        assert_eq!(d.text, "周末又要加班\n");
        assert_eq!(d.encoding, "gb18030 (guessed)");
    }

    #[test]
    fn a_few_bad_bytes_in_utf8_text_do_not_make_it_gb18030() {
        let mut bytes = "привет, отчёт готов? 这个月工资什么时候发？\n"
            .repeat(3)
            .into_bytes();
        bytes.extend_from_slice(b"broken \xFF\xFE bytes\n");
        assert_eq!(detect(&bytes, None), Detected::Utf8 { bom: 0 });
        // Real GB18030 text stays GB18030, even with a little valid-looking UTF-8 in it.
        let text = "周末又要加班，工资还没发。项目验收推迟到月底。\n".repeat(20);
        let (gb, _, _) = GB18030.encode(&text);
        assert!(
            matches!(detect(&gb, None), Detected::Other { encoding, .. } if encoding == GB18030)
        );
    }

    #[test]
    fn a_stray_high_byte_in_ascii_text_is_damaged_utf8_not_gb18030() {
        // A Latin-1 `é` (0xE9) before an ASCII letter would pair up as one GB18030 character.
        let bytes =
            b"[04.11.21 10:02:17] vega:\t\tcaf\xE9 at noon\n[04.11.21 10:02:18] vega:\t\tok\n";
        assert_eq!(detect(bytes, None), Detected::Utf8 { bom: 0 });
        let d = decode(bytes, None);
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.text.contains("caf\u{FFFD} at noon"));
        assert!(d.text.ends_with("vega:\t\tok\n"));
    }

    #[test]
    fn cyrillic_in_windows_1251_is_guessed_as_such_not_gb18030() {
        let text =
            "[2021-05-03 10:00:00] boss: когда будет отчёт по зарплате? жду до вечера\n".repeat(4);
        let (bytes, _, _) = WINDOWS_1251.encode(&text);
        assert!(std::str::from_utf8(&bytes).is_err());
        let d = decode(&bytes, None);
        assert_eq!(d.encoding, "windows-1251 (guessed)");
        assert_eq!(d.text, text);
        // GB18030 Chinese keeps its guess, with ASCII and a four-byte character among it.
        let zh = "[2021-05-03 10:00:00] 老王: 周末又要加班，工资还没发 € ok\n".repeat(4);
        let (gb, _, _) = GB18030.encode(&zh);
        let d = decode(&gb, None);
        assert_eq!(d.encoding, "gb18030 (guessed)");
        assert_eq!(d.text, zh);
    }

    #[test]
    fn stray_nuls_in_utf8_text_are_replaced_and_located_not_a_binary_file() {
        let bytes = b"[04.11.21 10:02:17] vega:\t\tok\n[04.11.21 10:02:18] vega:\t\ta\0b\n";
        assert_eq!(detect(bytes, None), Detected::Utf8 { bom: 0 });
        let (text, lines, total) = utf8_lossy(bytes, 1);
        assert!(text.ends_with("vega:\t\ta\u{FFFD}b\n"), "{text:?}");
        assert_eq!((lines, total), (vec![2], 1));
        // Mostly NULs (a zeroed file) is still binary.
        let mut zeroed = vec![0u8; 4096];
        zeroed.extend_from_slice(b"tail\n");
        assert_eq!(detect(&zeroed, None), Detected::Binary);
    }

    #[test]
    fn one_nul_and_one_bad_sequence_among_good_rows_is_damaged_text_not_binary() {
        // The real case: a recovered log, 8 good rows, one NUL and one invalid UTF-8 byte.
        let mut bytes = Vec::new();
        for i in 0..8 {
            bytes.extend_from_slice(
                format!("[04.11.21 10:0{i}:00] vega:\t\tстрока номер {i}\n").as_bytes(),
            );
            if i == 2 {
                bytes.extend_from_slice(b"[04.11.21 10:02:30] vega:\t\tbro\0ken\n");
            }
            if i == 5 {
                bytes.extend_from_slice(b"[04.11.21 10:05:30] vega:\t\tbad \xC3( byte\n");
            }
        }
        assert!(!looks_binary(&bytes));
        let d = decode(&bytes, None);
        assert!(!d.binary);
        assert_eq!(d.replaced_lines, vec![4, 8]);
        assert!(d.text.contains("bro\u{FFFD}ken"), "{}", d.text);
        assert!(d.text.contains("bad \u{FFFD}( byte"), "{}", d.text);
    }

    #[test]
    fn binary_is_judged_by_the_proportion_of_control_bytes() {
        assert!(looks_binary(&[0u8; 4096]));
        // Pseudo-random bytes (compressed data) are binary.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let noise: Vec<u8> = (0..8192)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect();
        assert!(looks_binary(&noise));
        // Text with a NUL every few hundred bytes is text.
        let mut text = "привет, как дела? all good here\n".repeat(200).into_bytes();
        for i in (0..text.len()).step_by(500) {
            text[i] = 0;
        }
        assert!(!looks_binary(&text));
        assert!(!looks_binary(b""));
    }

    #[test]
    fn binary_files_are_recognised() {
        let d = decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0", None);
        assert!(d.binary);
    }

    #[test]
    fn invalid_utf8_late_in_a_utf8_file_is_replaced_and_located() {
        let mut bytes = "ok line\n".repeat(10).into_bytes();
        bytes.extend_from_slice(b"bad \xFF\xFE here\nfine\n");
        let (text, lines, total) = utf8_lossy(&bytes, 1);
        assert!(text.contains("bad \u{FFFD}\u{FFFD} here"));
        assert_eq!(lines, vec![11]);
        assert_eq!(
            total, 1,
            "two bad sequences on one line are one damaged line"
        );
    }

    #[test]
    fn forced_label_wins() {
        let enc = encoding_for_label("gbk").unwrap();
        assert_eq!(
            detect(b"plain", Some(enc)),
            Detected::Other {
                encoding: GB18030.output_encoding(),
                bom: 0,
                guessed: false
            }
            .into_gbk_alias(enc)
        );
        assert!(encoding_for_label("klingon").is_err());
    }

    impl Detected {
        fn into_gbk_alias(self, enc: &'static Encoding) -> Detected {
            match self {
                Detected::Other { bom, guessed, .. } => Detected::Other {
                    encoding: enc,
                    bom,
                    guessed,
                },
                d => d,
            }
        }
    }
}
