//! The bundled font: WenQuanYi Micro Hei (Apache-2.0, `assets/fonts/`), embedded in the binary.
//!
//! Every chart text goes through this module, for PNG and SVG alike, so a chart looks the same
//! on every machine and never depends on the fonts installed there: PNG text is rasterized from
//! the glyph outlines here, SVG text is written as the same outlines (paths). The font covers
//! Chinese (simplified and traditional), Latin, Greek and Cyrillic.
//!
//! The font is also registered with plotters (`register_font`, ab_glyph) under [`FAMILY`], once,
//! so plotters' own text styles resolve; the drawing itself is done by [`super::canvas`].

use super::ChartError;
use ab_glyph::{Font, FontRef, GlyphId, OutlineCurve, Point, ScaleFont, point};

/// Font-unit glyph ids drawn in an SVG, with their outlines (None: nothing to draw).
pub(crate) type GlyphSet = std::collections::BTreeMap<u16, Option<String>>;
use std::sync::OnceLock;

/// The family name the bundled font is registered under (with plotters, and in SVG titles).
pub const FAMILY: &str = "WenQuanYi Micro Hei";

/// The font file: a TrueType collection whose face 0 is the proportional Micro Hei.
static FONT_BYTES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/wqy-microhei.ttc"
));

static FONT: OnceLock<Result<FontRef<'static>, String>> = OnceLock::new();

/// The bundled font, parsed and registered with plotters on first use.
pub(crate) fn font() -> Result<&'static FontRef<'static>, ChartError> {
    FONT.get_or_init(|| {
        let face = FontRef::try_from_slice_and_index(FONT_BYTES, 0)
            .map_err(|e| format!("bundled font: {e}"))?;
        plotters::style::register_font(FAMILY, plotters::style::FontStyle::Normal, FONT_BYTES)
            .map_err(|_| "plotters rejected the bundled font".to_string())?;
        Ok(face)
    })
    .as_ref()
    .map_err(|e| ChartError::Font(e.clone()))
}

/// One line of text laid out at a pixel size: glyphs and their pen positions.
pub(crate) struct Layout {
    /// Advance width in pixels.
    pub width: f32,
    /// Distance from the top of the line box to the baseline.
    pub ascent: f32,
    /// Height of the line box (ascent + |descent|).
    pub height: f32,
    glyphs: Vec<(GlyphId, f32)>,
    size: f32,
}

/// Lays out `text` on one line at a font size of `size` px per em (as CSS `font-size`; the
/// line box is about 1.17 em high). Control characters (newlines, tabs) become spaces;
/// characters the font lacks show its fallback glyph.
pub(crate) fn layout(font: &FontRef<'static>, text: &str, size: f32) -> Layout {
    let em = if size.is_finite() && size > 0.0 {
        size
    } else {
        1.0
    };
    // ab_glyph scales so that ascent - descent is the given size: convert from em.
    let size = match font.units_per_em() {
        Some(upem) if upem > 0.0 => em * font.height_unscaled() / upem,
        _ => em,
    };
    let scaled = font.as_scaled(size);
    let mut glyphs = Vec::with_capacity(text.len());
    let mut x = 0f32;
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let c = if c.is_control() { ' ' } else { c };
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            x += scaled.kern(p, id);
        }
        glyphs.push((id, x));
        x += scaled.h_advance(id);
        prev = Some(id);
    }
    Layout {
        width: x,
        ascent: scaled.ascent(),
        height: scaled.ascent() - scaled.descent(),
        glyphs,
        size,
    }
}

/// Pixel width of `text` at `size` (px per em).
pub(crate) fn width(font: &FontRef<'static>, text: &str, size: f32) -> f32 {
    layout(font, text, size).width
}

/// `text`, shortened with "…" to fit `max` pixels at `size` (px per em).
pub(crate) fn fit(font: &FontRef<'static>, text: &str, size: f32, max: f32) -> String {
    if width(font, text, size) <= max {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    // Binary search the longest prefix that fits with the ellipsis.
    let (mut lo, mut hi) = (0usize, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let cand: String = chars[..mid].iter().chain(std::iter::once(&'…')).collect();
        if width(font, &cand, size) <= max {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let mut s: String = chars[..lo].iter().collect();
    s.truncate(s.trim_end().len());
    s.push('…');
    s
}

impl Layout {
    /// Rasterizes the text with the top-left of its line box at `origin` (sub-pixel), calling
    /// `pixel(x, y, coverage)` for every touched pixel in the same coordinates.
    pub(crate) fn raster(
        &self,
        font: &FontRef<'static>,
        origin: (f32, f32),
        mut pixel: impl FnMut(i32, i32, f32),
    ) {
        let baseline = origin.1 + self.ascent;
        for &(id, x) in &self.glyphs {
            let glyph = id.with_scale_and_position(self.size, point(origin.0 + x, baseline));
            if let Some(outlined) = font.outline_glyph(glyph) {
                let b = outlined.px_bounds();
                let (bx, by) = (b.min.x as i32, b.min.y as i32);
                outlined.draw(|gx, gy, c| {
                    pixel(
                        bx.saturating_add(gx as i32),
                        by.saturating_add(gy as i32),
                        c,
                    )
                });
            }
        }
    }

    /// The glyphs with a visible outline and their pen positions (x, baseline y), with the
    /// top-left of the line box at `origin`.
    pub(crate) fn placements(
        &self,
        origin: (f32, f32),
    ) -> impl Iterator<Item = (GlyphId, f32, f32)> + '_ {
        let baseline = origin.1 + self.ascent;
        self.glyphs
            .iter()
            .map(move |&(id, x)| (id, origin.0 + x, baseline))
    }

    /// Pixels per font unit at this size.
    pub(crate) fn units_scale(&self, font: &FontRef<'static>) -> f32 {
        font.as_scaled(self.size).h_scale_factor()
    }
}

/// A glyph's outline as SVG path data in font units, y pointing down (None when the glyph
/// has no outline, like a space).
pub(crate) fn glyph_path(font: &FontRef<'static>, id: GlyphId) -> Option<String> {
    use std::fmt::Write;
    let outline = font.outline(id)?;
    let pt = |p: Point| (p.x, -p.y);
    let mut d = String::new();
    let mut last: Option<Point> = None;
    for curve in &outline.curves {
        let first = match curve {
            OutlineCurve::Line(a, _)
            | OutlineCurve::Quad(a, _, _)
            | OutlineCurve::Cubic(a, _, _, _) => *a,
        };
        if last != Some(first) {
            if last.is_some() {
                d.push('Z');
            }
            let (x, y) = pt(first);
            let _ = write!(d, "M{x} {y}");
        }
        let end = match curve {
            OutlineCurve::Line(_, b) => {
                let (x, y) = pt(*b);
                let _ = write!(d, "L{x} {y}");
                *b
            }
            OutlineCurve::Quad(_, c, b) => {
                let ((cx, cy), (x, y)) = (pt(*c), pt(*b));
                let _ = write!(d, "Q{cx} {cy} {x} {y}");
                *b
            }
            OutlineCurve::Cubic(_, c1, c2, b) => {
                let ((ax, ay), (bx, by), (x, y)) = (pt(*c1), pt(*c2), pt(*b));
                let _ = write!(d, "C{ax} {ay} {bx} {by} {x} {y}");
                *b
            }
        };
        last = Some(end);
    }
    if last.is_some() {
        d.push('Z');
    }
    (!d.is_empty()).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_font_has_real_glyphs_for_chinese_cyrillic_and_latin() {
        let f = font().unwrap();
        for c in [
            '王', '伟', '工', '资', 'С', 'е', 'р', 'г', 'й', 'A', 'z', '0', '…', '·',
        ] {
            assert_ne!(f.glyph_id(c).0, 0, "no glyph for {c:?}");
        }
    }

    #[test]
    fn fit_shortens_long_text_with_an_ellipsis_and_keeps_short_text() {
        let f = font().unwrap();
        assert_eq!(fit(f, "王伟", 14.0, 500.0), "王伟");
        let long = "王伟 (wxid_k3f9x0a1b2c3d4) Сергей Иванович Петров";
        let short = fit(f, long, 14.0, 120.0);
        assert!(short.ends_with('…'));
        assert!(width(f, &short, 14.0) <= 120.0);
        assert!(short.starts_with("王伟"));
    }
}
