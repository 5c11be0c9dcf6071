//! Small text codecs shared by writers and readers.

use std::borrow::Cow;

/// True for the first characters that make a spreadsheet read a cell as a formula or
/// control: `=`, `+`, `-`, `@`, TAB and CR.
#[inline]
pub fn is_formula_lead(b: u8) -> bool {
    matches!(b, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
}

/// Neutralizes a CSV cell for spreadsheets: a cell that starts with a formula lead gets a
/// `'` in front. So that [`unneutralize`] can undo it exactly, a cell that already starts
/// with `'` followed by a formula lead or another `'` gets one too.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    let b = cell.as_bytes();
    let needs = match b {
        [first, ..] if is_formula_lead(*first) => true,
        [b'\'', second, ..] => is_formula_lead(*second) || *second == b'\'',
        _ => false,
    };
    if needs {
        let mut s = String::with_capacity(cell.len() + 1);
        s.push('\'');
        s.push_str(cell);
        Cow::Owned(s)
    } else {
        Cow::Borrowed(cell)
    }
}

/// Undoes [`neutralize`]: drops one leading `'` when a formula lead or `'` follows it.
pub fn unneutralize(cell: &str) -> &str {
    match cell.as_bytes() {
        [b'\'', second, ..] if is_formula_lead(*second) || *second == b'\'' => &cell[1..],
        _ => cell,
    }
}

/// `1234567` → `"1,234,567"`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How [`escape_by`] writes one character.
pub(crate) enum Esc {
    /// As it is.
    Keep,
    /// As this text (`&amp;`).
    Str(&'static str),
    /// As this character (U+FFFD for one that is not allowed).
    Char(char),
    /// As a numeric character reference (`&#133;`).
    NumRef,
}

/// `s` with each character written as `rule` says: the one loop under the HTML, SVG and
/// GEXF escapers, which differ only in their rules. Borrowed when nothing changes.
pub(crate) fn escape_by(s: &str, rule: impl Fn(char) -> Esc) -> Cow<'_, str> {
    if s.chars().all(|c| matches!(rule(c), Esc::Keep)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match rule(c) {
            Esc::Keep => out.push(c),
            Esc::Str(r) => out.push_str(r),
            Esc::Char(r) => out.push(r),
            Esc::NumRef => {
                let _ = std::fmt::Write::write_fmt(&mut out, format_args!("&#{};", c as u32));
            }
        }
    }
    Cow::Owned(out)
}

/// The markup characters every escaper writes as entities.
pub(crate) fn markup(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralize_prefixes_exactly_the_formula_leads() {
        for lead in ["=", "+", "-", "@", "\t", "\r"] {
            let cell = format!("{lead}SUM(A1)");
            assert_eq!(neutralize(&cell), format!("'{cell}"));
        }
        for (cell, want) in [
            ("hello", "hello"),
            ("'quoted", "'quoted"),
            ("'=x", "''=x"),
            ("", ""),
        ] {
            assert_eq!(neutralize(cell), want);
        }
    }

    #[test]
    fn unneutralize_inverts_neutralize() {
        for cell in [
            "=1+1", "'=x", "''", "'", "'a", "plain", "-5", "", "@here", "\u{4E0A}",
        ] {
            assert_eq!(unneutralize(&neutralize(cell)), cell, "cell {cell:?}");
        }
    }
}
