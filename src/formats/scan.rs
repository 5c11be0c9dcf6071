//! The scanning every line-based parser does: line bounds, the forward search for the next
//! record start, blank-line trimming and CR removal in bodies. Positions only; nothing here
//! panics on any input (positions past the end are clamped).
//!
//! Each function keeps one exact behaviour; where two parsers really need different ones
//! (a body's CRs), both are here under their own names.

use crate::model::{Loc, Problem};
use memchr::{memchr, memrchr};
use std::borrow::Cow;

/// The start of the line holding byte `i` (0, or the byte after the `\n` before `i`).
#[inline]
pub(crate) fn line_start(b: &[u8], i: usize) -> usize {
    memrchr(b'\n', &b[..i.min(b.len())]).map_or(0, |p| p + 1)
}

/// The end of the line starting at `i`: the position of its `\n`, or the text length.
#[inline]
pub(crate) fn line_end(b: &[u8], i: usize) -> usize {
    let i = i.min(b.len());
    memchr(b'\n', &b[i..]).map_or(b.len(), |p| i + p)
}

/// Where a forward search for a record start from `from` begins: `from` itself when it
/// starts a line (0 always does), else the start of the next line; `None` when there is no
/// next line.
#[inline]
pub(crate) fn line_at_or_after(text: &str, from: usize) -> Option<usize> {
    let b = text.as_bytes();
    if from == 0 {
        Some(0)
    } else if from < b.len() && b[from - 1] == b'\n' {
        Some(from)
    } else {
        super::next_line_start(text, from)
    }
}

/// The start of the first line at or after `from` (see [`line_at_or_after`]) for which
/// `hit` holds; `hit` sees each line without its `\n`, in order, and may keep state.
#[inline]
pub(crate) fn next_line_where(
    text: &str,
    from: usize,
    mut hit: impl FnMut(&str) -> bool,
) -> Option<usize> {
    let b = text.as_bytes();
    let mut pos = line_at_or_after(text, from)?;
    while pos < b.len() {
        let eol = line_end(b, pos);
        // `pos` follows a `\n` (or is 0) and `eol` is a `\n` or the end: char boundaries.
        if hit(text.get(pos..eol)?) {
            return Some(pos);
        }
        pos = eol + 1;
    }
    None
}

/// For formats whose records are a header line after a blank line (QQ, WeChat): the start
/// of the first header at or after `from` whose previous line is blank, or 0 when `from`
/// is 0 and the text is not empty (the file start is always a record start).
pub(crate) fn next_header_after_blank(
    text: &str,
    from: usize,
    is_header: impl Fn(&str) -> bool,
) -> Option<usize> {
    let b = text.as_bytes();
    if from >= b.len() {
        return None;
    }
    if from == 0 {
        return Some(0);
    }
    let pos = line_at_or_after(text, from)?;
    let mut prev_blank = {
        let end = pos.saturating_sub(1);
        text.get(line_start(b, end)..end).is_some_and(is_blank)
    };
    next_line_where(text, pos, |l| {
        let hit = prev_blank && is_header(l);
        prev_blank = is_blank(l);
        hit
    })
}

/// The line without a trailing `\r`.
#[inline]
pub(crate) fn strip_cr(l: &str) -> &str {
    l.strip_suffix('\r').unwrap_or(l)
}

/// Empty or only spaces, tabs and `\r`.
#[inline]
pub(crate) fn is_blank(l: &str) -> bool {
    l.bytes().all(|c| matches!(c, b' ' | b'\t' | b'\r'))
}

/// Drops trailing blank lines (empty or only spaces, tabs, `\r`) and the final line break;
/// the last line that is not blank keeps its trailing spaces.
#[inline]
pub(crate) fn trim_trailing_blank(s: &str) -> &str {
    let b = s.as_bytes();
    // The common case: line breaks after a non-blank character.
    let mut n = b.len();
    while n > 0 && b[n - 1] == b'\n' {
        n -= 1;
    }
    if n > 0 && !matches!(b[n - 1], b' ' | b'\t' | b'\r') {
        return &s[..n];
    }
    let mut end = b.len();
    loop {
        let start = memrchr(b'\n', &b[..end]).map_or(0, |i| i + 1);
        if b[start..end]
            .iter()
            .all(|&x| matches!(x, b' ' | b'\t' | b'\r'))
        {
            if start == 0 {
                return "";
            }
            end = start - 1;
        } else {
            return &s[..end];
        }
    }
}

/// The body without the `\r` that ends each line, the last line included (owned only if
/// there is a `\r`).
#[inline]
pub(crate) fn body_text(s: &str) -> Cow<'_, str> {
    if memchr(b'\r', s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(strip_cr(line));
    }
    Cow::Owned(out)
}

/// The body with each `\r\n` made `\n`; a `\r` not before a `\n` (also one ending the body)
/// is kept (owned only if there is a `\r`).
#[inline]
pub(crate) fn crlf_to_lf(s: &str) -> Cow<'_, str> {
    if memchr(b'\r', s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.replace("\r\n", "\n"))
}

/// The first position at or after `i` that is not JSON whitespace (space, tab, CR, LF).
#[inline]
pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(c) = b.get(i) {
        if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        i += 1;
    }
    i
}

/// A problem at `loc` about one line of the input: `what`, then a short excerpt of the line
/// (its CR dropped), as every line-oriented parser reports a line it cannot read.
pub(crate) fn line_problem(loc: Loc, what: impl std::fmt::Display, line: &str) -> Problem {
    Problem::new(loc, format!("{what}: {}", super::excerpt(strip_cr(line))))
}

/// The value in force at byte `offset`: the last entry of `marks` (sorted by offset) that
/// starts before it. Surveys record where a chat, a date or a section begins; later chunks
/// look up what applies to them with this.
pub(crate) fn in_force_at<T>(marks: &[(u64, T)], offset: u64) -> Option<&T> {
    let i = marks.partition_point(|(o, _)| *o < offset);
    marks.get(i.checked_sub(1)?).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_trailing_blank_drops_blank_lines_but_keeps_the_last_line_whole() {
        for (s, want) in [
            ("abc\n", "abc"),
            ("abc\n\n\n", "abc"),
            ("abc \n \t\r\n\n", "abc "),
            ("abc\r\n", "abc\r"),
            ("a\n \nb\n", "a\n \nb"),
            (" \n\t\n", ""),
            ("", ""),
            ("\n", ""),
            ("x", "x"),
        ] {
            assert_eq!(trim_trailing_blank(s), want, "{s:?}");
        }
    }

    #[test]
    fn the_two_cr_rules_differ_only_on_a_cr_not_before_a_line_break() {
        assert_eq!(body_text("a\r\nb\r"), "a\nb");
        assert_eq!(crlf_to_lf("a\r\nb\r"), "a\nb\r");
        assert_eq!(body_text("a\r\r\nb"), crlf_to_lf("a\r\r\nb"));
        assert!(matches!(body_text("ab"), Cow::Borrowed(_)));
    }

    #[test]
    fn line_search_starts_at_a_line_start() {
        let t = "ab\ncd\nef";
        assert_eq!(line_at_or_after(t, 0), Some(0));
        assert_eq!(line_at_or_after(t, 3), Some(3));
        assert_eq!(line_at_or_after(t, 4), Some(6));
        assert_eq!(line_at_or_after(t, 7), None);
        assert_eq!(next_line_where(t, 1, |l| l == "ef"), Some(6));
        assert_eq!(next_line_where(t, 1, |l| l == "ab"), None);
        assert_eq!(line_end(t.as_bytes(), 99), t.len());
        assert_eq!(line_start(t.as_bytes(), 4), 3);
        let q = "h\n\nh\nh\n\nh";
        assert_eq!(next_header_after_blank(q, 0, |l| l == "h"), Some(0));
        assert_eq!(next_header_after_blank(q, 1, |l| l == "h"), Some(3));
        assert_eq!(next_header_after_blank(q, 4, |l| l == "h"), Some(8));
        assert_eq!(next_header_after_blank(q, 9, |l| l == "h"), None);
    }
}
