//! Minimal, fast JSON writing for the message stream (strings, arrays, integers).

/// Appends `s` as a JSON string: `"` `\\` and control characters escaped (`\n`, `\r`, `\t`,
/// `\b`, `\f`, others as `\u00XX`); everything else, non-ASCII included, written as is.
/// Eight bytes are tested at a time, so runs of plain text are copied in bulk.
#[inline]
pub fn string(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let b = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        if let Some(word) = b.get(i..i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            if !needs_escape(u64::from_le_bytes(w)) {
                i += 8;
                continue;
            }
        }
        let end = (i + 8).min(b.len());
        while i < end {
            let c = b[i];
            if c < 0x20 || c == b'"' || c == b'\\' {
                out.extend_from_slice(&b[start..i]);
                escape(out, c);
                start = i + 1;
            }
            i += 1;
        }
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// True when any byte of `x` is below 0x20, `"` or `\\` (exact, SWAR).
#[inline]
fn needs_escape(x: u64) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let below = x.wrapping_sub(LO * 0x20) & !x & HI;
    let q = x ^ (LO * u64::from(b'"'));
    let quote = q.wrapping_sub(LO) & !q & HI;
    let bs = x ^ (LO * u64::from(b'\\'));
    let backslash = bs.wrapping_sub(LO) & !bs & HI;
    (below | quote | backslash) != 0
}

#[inline]
fn escape(out: &mut Vec<u8>, c: u8) {
    match c {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0C => out.extend_from_slice(b"\\f"),
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 15)]);
        }
    }
}

/// Appends a JSON string or `null`.
#[inline]
pub fn opt_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends a JSON array of strings.
pub fn string_array<'s>(out: &mut Vec<u8>, items: impl Iterator<Item = &'s str>) {
    out.push(b'[');
    for (i, s) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, s);
    }
    out.push(b']');
}

/// Appends an unsigned integer in decimal.
#[inline]
pub fn uint(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_exactly_what_json_requires() {
        let mut out = Vec::new();
        string(&mut out, "a\"b\\c\nd\te\u{1}f上\u{7f}");
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "\"a\\\"b\\\\c\\nd\\te\\u0001f上\u{7f}\""
        );
        let back: String = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, "a\"b\\c\nd\te\u{1}f上\u{7f}");
    }

    #[test]
    fn every_byte_value_escapes_like_serde_json_at_every_alignment() {
        for lead in 0..9 {
            for c in 0u8..0x80 {
                let s = format!("{}{}{}", "x".repeat(lead), c as char, "上海 plain text");
                let mut out = Vec::new();
                string(&mut out, &s);
                assert_eq!(
                    out,
                    serde_json::to_vec(&s).unwrap(),
                    "byte {c:#x} at {lead}"
                );
            }
        }
    }

    #[test]
    fn integers_and_arrays() {
        let mut out = Vec::new();
        uint(&mut out, 0);
        out.push(b' ');
        uint(&mut out, u64::MAX);
        out.push(b' ');
        string_array(&mut out, ["x", "y\"z"].into_iter());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "0 18446744073709551615 [\"x\",\"y\\\"z\"]"
        );
    }
}
