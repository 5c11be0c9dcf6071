//! HTML text helpers shared by formats that carry HTML-ish text (isoon's chat table cells;
//! Slack's `&amp;`/`&lt;`/`&gt;` escapes).
//!
//! This is not an HTML parser. It reads the small subset that chat exports write into a
//! message: character references, line breaks, links and images, and any other tag (whose
//! text is kept and markup dropped). Everything is borrowed from the input when nothing needs
//! decoding, so plain text costs one `memchr` scan.
//!
//! - [`decode_entities`] / [`push_decoded`]: `&amp; &lt; &gt; &quot; &apos; &nbsp;` and numeric
//!   references (`&#39;`, `&#19978;`, `&#x4E0A;`); anything else is left as written.
//! - [`cell_text`]: the text and attachments of a cell's inner HTML (`<br>` → `\n`,
//!   `<img src>` and `<a href>` → attachments).
//! - [`tag_at`] and [`attribute`]: one tag and its attribute values.

use memchr::memchr;
use nom::branch::alt;
use nom::bytes::complete::{take_till, take_till1, take_while};
use nom::character::complete::{char, satisfy};
use nom::combinator::{opt, recognize};
use nom::multi::many0_count;
use nom::sequence::{delimited, pair, preceded};
use nom::{IResult, Parser};
use std::borrow::Cow;

/// Named references that chat exports write, with the character each stands for (the text
/// after `&`, `;` included). `&nbsp;` is U+00A0, not a plain space.
const NAMED: [(&[u8], char); 6] = [
    (b"amp;", '&'),
    (b"lt;", '<'),
    (b"gt;", '>'),
    (b"quot;", '"'),
    (b"apos;", '\''),
    (b"nbsp;", '\u{a0}'),
];

/// The character that the reference at the start of `s` stands for, and the reference's
/// length in bytes. `s` must start with `&`. Numeric references are decimal (`&#19978;`) or
/// hexadecimal (`&#x4E0A;`, `&#X4e0a;`); named ones are those in the module docs
/// (case-sensitive). The `;` is required. `None` for anything else, including numeric
/// references to NUL, surrogates or values past U+10FFFF, which callers leave as written.
pub fn entity_at(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'&') {
        return None;
    }
    if b.get(1) == Some(&b'#') {
        let (radix, start) = match b.get(2) {
            Some(b'x' | b'X') => (16, 3),
            _ => (10, 2),
        };
        let mut value: u32 = 0;
        let mut i = start;
        while let Some(d) = b.get(i).and_then(|&c| char::from(c).to_digit(radix)) {
            value = value.checked_mul(radix)?.checked_add(d)?;
            i += 1;
        }
        if i == start || b.get(i) != Some(&b';') {
            return None;
        }
        let c = char::from_u32(value).filter(|&c| c != '\0')?;
        return Some((c, i + 1));
    }
    let rest = &b[1..];
    NAMED
        .iter()
        .find(|(name, _)| rest.starts_with(name))
        .map(|&(name, c)| (c, 1 + name.len()))
}

/// Appends `s` to `out` with character references decoded (see [`entity_at`]); references
/// that are unknown or malformed are copied as written.
pub fn push_decoded(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let mut done = 0;
    let mut p = 0;
    while let Some(k) = memchr(b'&', &b[p..]) {
        let amp = p + k;
        // `&` is ASCII, so `amp` is a character boundary.
        match entity_at(&s[amp..]) {
            Some((c, len)) => {
                out.push_str(&s[done..amp]);
                out.push(c);
                done = amp + len;
                p = done;
            }
            None => p = amp + 1,
        }
    }
    out.push_str(&s[done..]);
}

/// `s` with character references decoded; borrowed when `s` has no `&`.
pub fn decode_entities(s: &str) -> Cow<'_, str> {
    if memchr(b'&', s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    push_decoded(&mut out, s);
    Cow::Owned(out)
}

/// One tag as written: `<name attrs>`, `<name attrs/>` or `</name>`, or a comment
/// `<!-- … -->` (name `!--`), a declaration `<!…>` (name `!`) or a processing instruction
/// `<?…>` (name `?`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag<'a> {
    /// The name as written; compare it with `eq_ignore_ascii_case`.
    pub name: &'a str,
    /// True for an end tag `</name>`.
    pub closing: bool,
    /// The raw attribute text after the name, up to (not including) the final `>`; read
    /// values with [`attribute`].
    pub attrs: &'a str,
    /// The tag's length in bytes, from `<` to `>` inclusive.
    pub len: usize,
}

#[inline]
fn is_space(c: char) -> bool {
    c.is_ascii_whitespace()
}

/// Whitespace and `/` between attributes (`<br />`, `<img src=a.png/>`).
fn attr_gap(i: &str) -> IResult<&str, &str> {
    take_while(|c: char| is_space(c) || c == '/').parse(i)
}

/// One attribute: a name and, after `=`, an optional value (quoted or bare).
fn attr(i: &str) -> IResult<&str, (&str, Option<&str>)> {
    let name = take_till1(|c: char| is_space(c) || matches!(c, '/' | '>' | '=' | '"' | '\'' | '<'));
    let value = alt((
        delimited(char('"'), take_till(|c| c == '"'), char('"')),
        delimited(char('\''), take_till(|c| c == '\''), char('\'')),
        recognize(pair(
            satisfy(|c| !is_space(c) && !matches!(c, '"' | '\'' | '>')),
            take_till(|c: char| is_space(c) || c == '>'),
        )),
    ));
    let ws = || take_while(is_space);
    (name, opt(preceded((ws(), char('='), ws()), value))).parse(i)
}

/// `<`, optional `/`, a name starting with a letter, attributes, optional `/`, `>`.
fn element(i: &str) -> IResult<&str, (bool, &str, &str)> {
    let (i, _) = char('<').parse(i)?;
    let (i, closing) = opt(char('/')).parse(i)?;
    let (i, name) = recognize(pair(
        satisfy(|c| c.is_ascii_alphabetic()),
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == ':'),
    ))
    .parse(i)?;
    let (i, attrs) = recognize(pair(many0_count(preceded(attr_gap, attr)), attr_gap)).parse(i)?;
    let (i, _) = char('>').parse(i)?;
    Ok((i, (closing.is_some(), name, attrs)))
}

/// The tag at the start of `s`, or `None` when `s` does not start with a well-formed tag
/// (a `<` that is just text, as in `a < b`, or a tag cut off before its `>`).
pub fn tag_at(s: &str) -> Option<Tag<'_>> {
    if !s.starts_with('<') {
        return None;
    }
    if s.starts_with("<!--") {
        let end = memchr::memmem::find(&s.as_bytes()[4..], b"-->")?;
        return Some(Tag {
            name: "!--",
            closing: false,
            attrs: "",
            len: 4 + end + 3,
        });
    }
    if s.starts_with("<!") || s.starts_with("<?") {
        let end = memchr(b'>', s.as_bytes())?;
        return Some(Tag {
            name: &s[1..2],
            closing: false,
            attrs: &s[2..end],
            len: end + 1,
        });
    }
    let (rest, (closing, name, attrs)) = element(s).ok()?;
    Some(Tag {
        name,
        closing,
        attrs,
        len: s.len() - rest.len(),
    })
}

/// The value of attribute `name` (ASCII case-insensitive) in a tag's raw attribute text
/// ([`Tag::attrs`]), entities decoded; `Some("")` for a bare attribute, `None` when absent.
pub fn attribute<'a>(attrs: &'a str, name: &str) -> Option<Cow<'a, str>> {
    let mut i = attrs;
    loop {
        let (rest, (n, v)) = preceded(attr_gap, attr).parse(i).ok()?;
        if n.eq_ignore_ascii_case(name) {
            return Some(decode_entities(v.unwrap_or("")));
        }
        i = rest;
    }
}

/// The text and attachments of a table cell's (or message's) inner HTML.
///
/// - Character references are decoded ([`push_decoded`]).
/// - `<br>` in any case and with any attributes or slash (`<br/>`, `<BR />`) becomes `\n`.
/// - `<img src="y.png">` adds the attachment `y.png`; `<a href="x.md">name</a>` adds the
///   attachment `x.md` and keeps `name` in the text.
/// - Every other tag and comment is dropped and the text around it kept; a `<` that does not
///   start a well-formed tag is text.
/// - CR LF becomes LF, as in HTML's input preprocessing (a lone CR is kept).
///
/// Nothing is trimmed. The text is borrowed when `inner` has no `&`, `<` or CR; attachment
/// names are borrowed unless they contain references.
pub fn cell_text(inner: &str) -> (Cow<'_, str>, Vec<Cow<'_, str>>) {
    let b = inner.as_bytes();
    let Some(first) = find_any(b, 0, [b'&', b'<', b'\r']) else {
        return (Cow::Borrowed(inner), Vec::new());
    };
    let mut out = String::with_capacity(inner.len());
    let mut attachments = Vec::new();
    // `inner[done..p]` is text still to copy; each stop is ASCII, so a character boundary.
    // One pass over references, CRs and tags gives what decoding the text between tags and
    // CR LFs would: a reference holds no `<` or CR, so it never spans those.
    let mut done = 0;
    let mut q = first;
    loop {
        let p = match b[q] {
            b'&' => match entity_at(&inner[q..]) {
                Some((c, len)) => {
                    out.push_str(&inner[done..q]);
                    out.push(c);
                    done = q + len;
                    done
                }
                None => q + 1,
            },
            b'\r' => {
                if b.get(q + 1) == Some(&b'\n') {
                    out.push_str(&inner[done..q]);
                    done = q + 1;
                }
                q + 1
            }
            // `<br>`, by far the most common tag, needs no tag parse.
            _ if b[q..].starts_with(b"<br>") => {
                out.push_str(&inner[done..q]);
                out.push('\n');
                done = q + 4;
                done
            }
            _ => match tag_at(&inner[q..]) {
                Some(t) => {
                    out.push_str(&inner[done..q]);
                    if !t.closing {
                        let link = if t.name.eq_ignore_ascii_case("br") {
                            out.push('\n');
                            None
                        } else if t.name.eq_ignore_ascii_case("img") {
                            attribute(t.attrs, "src")
                        } else if t.name.eq_ignore_ascii_case("a") {
                            attribute(t.attrs, "href")
                        } else {
                            None
                        };
                        if let Some(link) = link.filter(|l| !l.is_empty()) {
                            attachments.push(link);
                        }
                    }
                    done = q + t.len;
                    done
                }
                None => q + 1,
            },
        };
        match find_any(b, p, [b'&', b'<', b'\r']) {
            Some(next) => q = next,
            None => break,
        }
    }
    out.push_str(&inner[done..]);
    (Cow::Owned(out), attachments)
}

/// `0x01` in every byte of a word.
const ONES: u64 = u64::from_ne_bytes([1; 8]);

/// The first position at or after `from` whose byte is in `set` (`None` past the end).
///
/// Chat cells and message parts are short, too short for a SIMD search's setup to pay off:
/// this tests eight bytes at a time in a word. For each needle, `x - ONES & !x` over
/// `x = word ^ needle` sets the high bit of each matching byte; a borrow can also mark a
/// byte above a match, never one below it, so the lowest mark is exact.
#[inline]
pub(crate) fn find_any<const N: usize>(b: &[u8], mut from: usize, set: [u8; N]) -> Option<usize> {
    while let Some(w) = b.get(from..).and_then(|r| r.first_chunk::<8>()) {
        let w = u64::from_le_bytes(*w);
        let mut marks = 0;
        for c in set {
            let x = w ^ (ONES * u64::from(c));
            marks |= x.wrapping_sub(ONES) & !x;
        }
        marks &= ONES << 7;
        if marks != 0 {
            return Some(from + (marks.trailing_zeros() / 8) as usize);
        }
        from += 8;
    }
    let rest = b.get(from..)?;
    rest.iter().position(|c| set.contains(c)).map(|k| from + k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> String {
        cell_text(s).0.into_owned()
    }

    #[test]
    fn named_and_numeric_references_decode() {
        for (html, want) in [
            (
                "&amp; &lt; &gt; &quot; &#39; &apos; &nbsp;",
                "& < > \" ' ' \u{a0}",
            ),
            ("&#x4E0A;&#19978;&#X4e0a;", "上上上"),
            ("A&amp;B&amp;C", "A&B&C"),
        ] {
            assert_eq!(decode_entities(html), want);
        }
    }

    #[test]
    fn unknown_or_malformed_references_are_left_as_written() {
        for s in [
            "&copy;",
            "&amp",
            "& amp;",
            "&#;",
            "&#x;",
            "&#0;",
            "&#xD800;",
            "&#x110000;",
            "&#99999999999999999999;",
            "&#12a;",
            "AT&T",
            "&",
        ] {
            assert_eq!(decode_entities(s), s, "{s}");
        }
        assert_eq!(decode_entities("&copy;&amp;"), "&copy;&");
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(decode_entities("工资"), Cow::Borrowed("工资")));
        let (t, a) = cell_text("这个月工资什么时候发？");
        assert!(matches!(t, Cow::Borrowed("这个月工资什么时候发？")));
        assert!(a.is_empty());
    }

    #[test]
    fn br_in_any_spelling_is_a_newline() {
        assert_eq!(
            text("a<br>b<br/>c<br />d<BR>e<Br class=\"x\" >f< br>g"),
            "a\nb\nc\nd\ne\nf< br>g"
        );
    }

    #[test]
    fn img_and_link_become_attachments_and_link_text_stays() {
        let (t, a) = cell_text(r#"<img src="0-1b2c3d4e.png">"#);
        assert_eq!((t.as_ref(), a), ("", vec![Cow::Borrowed("0-1b2c3d4e.png")]));
        let (t, a) = cell_text(r#"看这个 <a class='f' HREF='files/报价单.md'>报价单</a>"#);
        assert_eq!(t, "看这个 报价单");
        assert_eq!(a, vec!["files/报价单.md"]);
        let (_, a) = cell_text("<IMG alt=\"a>b\" src=x&amp;y.png />");
        assert_eq!(a, vec!["x&y.png"]);
        let (_, a) = cell_text("<img alt=\"无\"><a>none</a>");
        assert!(a.is_empty());
    }

    #[test]
    fn other_tags_are_dropped_and_stray_angle_brackets_kept() {
        for (html, want) in [
            ("<b>加班</b><!-- note -->费<span x=1>呢</span>", "加班费呢"),
            ("1 < 2 and 3 <4", "1 < 2 and 3 <4"),
            ("<b unclosed", "<b unclosed"),
            ("&lt;tr&gt;<br>&amp;", "<tr>\n&"),
        ] {
            assert_eq!(text(html), want);
        }
    }

    #[test]
    fn crlf_becomes_lf_and_lone_cr_stays() {
        assert_eq!(text("a\r\nb\rc"), "a\nb\rc");
        assert_eq!(text("&amp;\r\n"), "&\n");
    }

    #[test]
    fn tag_at_reads_names_attributes_and_lengths() {
        let t = tag_at("<td align=\"left\">x").unwrap();
        assert_eq!((t.name, t.closing, t.len), ("td", false, 17));
        assert_eq!(attribute(t.attrs, "ALIGN").as_deref(), Some("left"));
        assert_eq!(attribute(t.attrs, "class"), None);
        let t = tag_at("</TD >").unwrap();
        assert_eq!((t.name, t.closing, t.len), ("TD", true, 6));
        assert_eq!(tag_at("<!-- a > b -->x").unwrap().len, 14);
        assert_eq!(tag_at("<!-- open"), None);
        assert_eq!(tag_at("<1>"), None);
        assert_eq!(tag_at("<a href=\"x>"), None);
        assert_eq!(attribute("checked", "checked").as_deref(), Some(""));
    }
}
