//! Self-contained HTML: escaping, base64 for inline images, and a small page builder.
//!
//! Chat content is hostile (leaked chats are written by adversaries), so everything that
//! comes from the input goes through [`escape`], which leaves no character that can open a
//! tag, an entity or an attribute: `&`, `<`, `>`, `"` and `'` become entities, and C0
//! controls other than tab and newline become U+FFFD (they have no business in a page and
//! some are not allowed in HTML at all). Pages carry a Content-Security-Policy that forbids
//! scripts and every fetch but inline `data:` images, so even a mistake in escaping could
//! not run code or reach the network.

use crate::text::{Esc, escape_by, markup};
use std::borrow::Cow;
use std::fmt::Write as _;

/// The policy every page carries: no scripts, no requests; inline styles and `data:` images.
pub const CSP: &str = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; \
                       base-uri 'none'; form-action 'none'";

/// `s` safe to place in HTML text or in a double- or single-quoted attribute value.
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_by(s, |c| match c {
        '\'' => Esc::Str("&#39;"),
        c if c.is_control() && c != '\n' && c != '\t' => Esc::Char('\u{FFFD}'),
        c => markup(c).map_or(Esc::Keep, Esc::Str),
    })
}

/// Standard base64 (RFC 4648, with padding) of `bytes`.
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= c.len() {
                out.push(char::from(A[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A page under construction. Every method that takes `&str` content escapes it; only the
/// builder's own markup is written raw.
#[derive(Debug, Default)]
pub struct Page {
    body: String,
}

/// One table cell: text (escaped), or a number (right-aligned).
#[derive(Debug, Clone)]
pub enum Cell<'a> {
    /// Text, escaped.
    Text(Cow<'a, str>),
    /// A number or other short figure, right-aligned.
    Num(String),
    /// Text in a monospace font (paths, ids), escaped.
    Code(Cow<'a, str>),
}

impl Page {
    /// An empty page.
    pub fn new() -> Page {
        Page::default()
    }

    /// A heading of level 2 with an anchor id (`id` must be a plain ASCII word).
    pub fn section(&mut self, id: &str, title: &str) {
        let _ = writeln!(
            self.body,
            "<h2 id=\"{}\">{}</h2>",
            escape(id),
            escape(title)
        );
    }

    /// A paragraph of text.
    pub fn para(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p>{}</p>", escape(text));
    }

    /// A small, muted paragraph.
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p class=\"note\">{}</p>", escape(text));
    }

    /// A definition list of (term, value) pairs.
    pub fn facts(&mut self, rows: &[(&str, String)]) {
        self.body.push_str("<dl class=\"facts\">\n");
        for (k, v) in rows {
            let _ = writeln!(self.body, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
        }
        self.body.push_str("</dl>\n");
    }

    /// An inline PNG image (base64 `data:` URI) with alternative text, inside a figure
    /// with a caption and links to the image files beside the page (`links`: (label,
    /// relative file name) pairs, names made by chatsift, never by the input).
    pub fn figure(&mut self, id: &str, png: &[u8], alt: &str, links: &[(&str, &str)]) {
        let _ = write!(
            self.body,
            "<figure id=\"{}\"><img alt=\"{}\" src=\"data:image/png;base64,{}\"><figcaption>{}",
            escape(id),
            escape(alt),
            base64(png),
            escape(alt)
        );
        for (label, file) in links {
            let _ = write!(
                self.body,
                " · <a href=\"{}\">{}</a>",
                escape(file),
                escape(label)
            );
        }
        self.body.push_str("</figcaption></figure>\n");
    }

    /// A table with a header row.
    pub fn table(&mut self, class: &str, header: &[&str], rows: &[Vec<Cell<'_>>]) {
        let _ = writeln!(self.body, "<table class=\"{}\">", escape(class));
        self.body.push_str("<thead><tr>");
        for h in header {
            let _ = write!(self.body, "<th>{}</th>", escape(h));
        }
        self.body.push_str("</tr></thead>\n<tbody>\n");
        for r in rows {
            self.body.push_str("<tr>");
            for c in r {
                let _ = match c {
                    Cell::Text(t) => write!(self.body, "<td>{}</td>", escape(t)),
                    Cell::Num(t) => write!(self.body, "<td class=\"num\">{}</td>", escape(t)),
                    Cell::Code(t) => write!(self.body, "<td><code>{}</code></td>", escape(t)),
                };
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</tbody></table>\n");
    }

    /// A quoted chat message: who, when, where from, and the body (escaped; line breaks
    /// kept by CSS, never turned into markup).
    pub fn quote(&mut self, who: &str, when: &str, source: &str, body: &str) {
        let _ = writeln!(
            self.body,
            "<blockquote><div class=\"meta\">{} · {} · <code>{}</code></div><div class=\"body\">{}</div></blockquote>",
            escape(who),
            escape(when),
            escape(source),
            escape(body)
        );
    }

    /// A list of links to files beside the page (names made by chatsift).
    pub fn files(&mut self, files: &[(&str, &str)]) {
        self.body.push_str("<ul class=\"files\">\n");
        for (file, what) in files {
            let _ = writeln!(
                self.body,
                "<li><a href=\"{}\"><code>{}</code></a> {}</li>",
                escape(file),
                escape(file),
                escape(what)
            );
        }
        self.body.push_str("</ul>\n");
    }

    /// The finished document: doctype, charset, the policy, the style and the body.
    pub fn finish(&self, title: &str, subtitle: &str, nav: &[(&str, &str)]) -> String {
        let mut out = String::with_capacity(self.body.len() + 4096);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
             <meta name=\"referrer\" content=\"no-referrer\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header><h1>{}</h1><p>{}</p>\n<nav>",
            escape(title),
            escape(title),
            escape(subtitle)
        );
        for (i, (id, label)) in nav.iter().enumerate() {
            if i > 0 {
                out.push_str(" · ");
            }
            let _ = write!(out, "<a href=\"#{}\">{}</a>", escape(id), escape(label));
        }
        out.push_str("</nav></header>\n<main>\n");
        out.push_str(&self.body);
        out.push_str("</main>\n<footer>Made by chatsift ");
        out.push_str(env!("CARGO_PKG_VERSION"));
        out.push_str(". Everything from the input is shown as text; this page runs no scripts and loads nothing.</footer>\n</body>\n</html>\n");
        out
    }
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans','Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:0;color:#1d2733;background:#fafbfc;line-height:1.45}\
header{background:#1d2733;color:#fff;padding:1.2em 2em}header h1{margin:0 0 .2em;font-size:1.6em}header p{margin:0 0 .6em;color:#c9d3de}\
header a{color:#9fd0ff;text-decoration:none}main{max-width:1280px;margin:0 auto;padding:0 2em 2em}\
h2{border-bottom:2px solid #dde3ea;padding-bottom:.2em;margin-top:1.8em}\
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1.5em}dl.facts dt{font-weight:600}dl.facts dd{margin:0}\
figure{margin:1.2em 0;background:#fff;border:1px solid #dde3ea;padding:.5em}figure img{max-width:100%;height:auto;display:block}\
figcaption{color:#556;font-size:.9em;padding-top:.3em}\
table{border-collapse:collapse;margin:.8em 0;background:#fff;font-size:.92em}th,td{border:1px solid #dde3ea;padding:.3em .6em;text-align:left;vertical-align:top;white-space:pre-wrap;overflow-wrap:anywhere}\
th{background:#eef2f6}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
blockquote{margin:.5em 0;padding:.4em .8em;background:#fff;border-left:4px solid #8aa4c0}blockquote .meta{color:#556;font-size:.85em}\
blockquote .body{white-space:pre-wrap;overflow-wrap:anywhere}code{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.92em}\
p.note{color:#667;font-size:.9em}ul.files{columns:2}footer{color:#778;font-size:.85em;padding:1em 2em;border-top:1px solid #dde3ea}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup_characters_and_drops_controls() {
        let hostile =
            "<script>alert(1)</script> <img src=x onerror='a()'> \"q\" & \u{0}\u{7}x\ny\tz";
        let e = escape(hostile);
        assert_eq!(
            e,
            "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=&#39;a()&#39;&gt; &quot;q&quot; &amp; \u{FFFD}\u{FFFD}x\ny\tz"
        );
        assert!(matches!(escape("工资 зп pay"), Cow::Borrowed(_)));
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn page_escapes_every_piece_of_content_and_carries_the_policy() {
        let mut p = Page::new();
        p.section("s", "<b>x</b>");
        p.para("javascript:alert(1)");
        p.table(
            "t",
            &["<th>"],
            &[vec![
                Cell::Text("<img src=x onerror=alert(1)>".into()),
                Cell::Code("a\"b".into()),
                Cell::Num("1".into()),
            ]],
        );
        p.quote(
            "<i>who</i>",
            "when",
            "src.md:3",
            "<script>alert('x')</script>",
        );
        let html = p.finish("<title>", "sub & more", &[("s", "<nav>")]);
        assert!(!html.contains("<script"));
        assert!(!html.contains("<img src=x"));
        assert!(!html.contains("<b>x"));
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains(CSP));
        // The only links are the page's own anchors; content never becomes an href.
        assert!(!html.contains("href=\"javascript"));
    }
}
