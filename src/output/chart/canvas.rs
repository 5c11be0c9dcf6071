//! The drawing backend behind every chart: a plotters [`DrawingBackend`] that draws either into
//! an RGB pixel buffer (PNG) or into SVG markup, and renders all text with the bundled font
//! ([`super::font`]) in both cases: rasterized glyphs for the bitmap, glyph outlines as paths
//! (with the text itself in a `<title>`) for SVG, so neither depends on installed fonts.

use super::font::{self, GlyphSet};
use crate::text::{Esc, escape_by, markup};
use plotters::backend::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontTransform,
};
use std::fmt::Write;

/// A drawing error of the canvas (the bitmap backend's, as text).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct CanvasError(String);

/// Where a chart is drawn.
pub(crate) enum Canvas<'a> {
    /// An RGB8 pixel buffer.
    Bitmap(BitMapBackend<'a>),
    /// SVG markup appended to a string.
    Svg(SvgWriter<'a>),
}

/// Writes SVG elements into a caller-owned string (the caller writes the `<svg>` wrapper and,
/// at the end, the glyph definitions collected in `glyphs` with [`glyph_defs`]).
pub(crate) struct SvgWriter<'a> {
    out: &'a mut String,
    glyphs: &'a mut GlyphSet,
    size: (u32, u32),
}

impl<'a> SvgWriter<'a> {
    /// A writer for an image of `size` pixels, appending to `out`.
    pub(crate) fn new(
        out: &'a mut String,
        glyphs: &'a mut GlyphSet,
        size: (u32, u32),
    ) -> SvgWriter<'a> {
        SvgWriter { out, glyphs, size }
    }
}

/// The `<defs>` element defining every glyph used (in font units, y down), referenced by the
/// text groups as `#g<id>`.
pub(crate) fn glyph_defs(out: &mut String, glyphs: &GlyphSet) {
    out.push_str("<defs>\n");
    for (id, d) in glyphs {
        if let Some(d) = d {
            let _ = writeln!(out, "<path id=\"g{id}\" d=\"{d}\"/>");
        }
    }
    out.push_str("</defs>\n");
}

type Result<T = ()> = std::result::Result<T, DrawingErrorKind<CanvasError>>;

fn bitmap_err<E: std::error::Error + Send + Sync + 'static>(
    e: DrawingErrorKind<E>,
) -> DrawingErrorKind<CanvasError> {
    match e {
        DrawingErrorKind::DrawingError(e) => {
            DrawingErrorKind::DrawingError(CanvasError(e.to_string()))
        }
        DrawingErrorKind::FontError(f) => DrawingErrorKind::FontError(f),
    }
}

/// `#rrggbb` of a colour.
fn hex(c: BackendColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.rgb.0, c.rgb.1, c.rgb.2)
}

/// ` NAME-opacity="a"` when the colour is not opaque.
fn opacity(name: &str, c: BackendColor) -> String {
    if c.alpha >= 1.0 {
        String::new()
    } else {
        format!(" {name}-opacity=\"{:.3}\"", c.alpha.clamp(0.0, 1.0))
    }
}

/// Escapes text for XML content, dropping characters XML 1.0 forbids (control characters).
pub(crate) fn xml_escape(out: &mut String, s: &str) {
    out.push_str(&escape_by(s, |c| match c {
        '\t' | '\n' | '\r' => Esc::Char(' '),
        c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => Esc::Char('\u{FFFD}'),
        c => markup(c).map_or(Esc::Keep, Esc::Str),
    }));
}

fn points(path: impl IntoIterator<Item = BackendCoord>) -> String {
    let mut s = String::new();
    for (x, y) in path {
        if !s.is_empty() {
            s.push(' ');
        }
        let _ = write!(s, "{x},{y}");
    }
    s
}

impl SvgWriter<'_> {
    fn stroke_attrs(&self, style: &impl BackendStyle) -> String {
        let c = style.color();
        format!(
            "fill=\"none\" stroke=\"{}\"{} stroke-width=\"{}\"",
            hex(c),
            opacity("stroke", c),
            style.stroke_width()
        )
    }

    /// Filled or outlined, as plotters asks.
    fn shape_attrs(&self, style: &impl BackendStyle, fill: bool) -> String {
        if fill {
            self.fill_attrs(style.color())
        } else {
            self.stroke_attrs(style)
        }
    }

    fn fill_attrs(&self, c: BackendColor) -> String {
        format!("fill=\"{}\"{}", hex(c), opacity("fill", c))
    }
}

impl DrawingBackend for Canvas<'_> {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        match self {
            Canvas::Bitmap(b) => b.get_size(),
            Canvas::Svg(s) => s.size,
        }
    }

    fn ensure_prepared(&mut self) -> Result {
        match self {
            Canvas::Bitmap(b) => b.ensure_prepared().map_err(bitmap_err),
            Canvas::Svg(_) => Ok(()),
        }
    }

    fn present(&mut self) -> Result {
        match self {
            Canvas::Bitmap(b) => b.present().map_err(bitmap_err),
            Canvas::Svg(_) => Ok(()),
        }
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result {
        match self {
            Canvas::Bitmap(b) => b.draw_pixel(point, color).map_err(bitmap_err),
            Canvas::Svg(s) => {
                if color.alpha > 0.0 {
                    let attrs = s.fill_attrs(color);
                    let _ = writeln!(
                        s.out,
                        "<rect x=\"{}\" y=\"{}\" width=\"1\" height=\"1\" {attrs}/>",
                        point.0, point.1
                    );
                }
                Ok(())
            }
        }
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result {
        match self {
            Canvas::Bitmap(b) => b.draw_line(from, to, style).map_err(bitmap_err),
            Canvas::Svg(s) => {
                if style.color().alpha > 0.0 {
                    let attrs = s.stroke_attrs(style);
                    let _ = writeln!(
                        s.out,
                        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {attrs}/>",
                        from.0, from.1, to.0, to.1
                    );
                }
                Ok(())
            }
        }
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result {
        match self {
            Canvas::Bitmap(b) => b
                .draw_rect(upper_left, bottom_right, style, fill)
                .map_err(bitmap_err),
            Canvas::Svg(s) => {
                if style.color().alpha > 0.0 {
                    let attrs = s.shape_attrs(style, fill);
                    let (x0, x1) = (
                        upper_left.0.min(bottom_right.0),
                        upper_left.0.max(bottom_right.0),
                    );
                    let (y0, y1) = (
                        upper_left.1.min(bottom_right.1),
                        upper_left.1.max(bottom_right.1),
                    );
                    let _ = writeln!(
                        s.out,
                        "<rect x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\" {attrs}/>",
                        x1.saturating_sub(x0),
                        y1.saturating_sub(y0)
                    );
                }
                Ok(())
            }
        }
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result {
        match self {
            Canvas::Bitmap(b) => b.draw_path(path, style).map_err(bitmap_err),
            Canvas::Svg(s) => {
                if style.color().alpha > 0.0 {
                    let attrs = s.stroke_attrs(style);
                    let pts = points(path);
                    let _ = writeln!(
                        s.out,
                        "<polyline points=\"{pts}\" {attrs} stroke-linejoin=\"round\" stroke-linecap=\"round\"/>"
                    );
                }
                Ok(())
            }
        }
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result {
        match self {
            Canvas::Bitmap(b) => b
                .draw_circle(center, radius, style, fill)
                .map_err(bitmap_err),
            Canvas::Svg(s) => {
                if style.color().alpha > 0.0 {
                    let attrs = s.shape_attrs(style, fill);
                    let _ = writeln!(
                        s.out,
                        "<circle cx=\"{}\" cy=\"{}\" r=\"{radius}\" {attrs}/>",
                        center.0, center.1
                    );
                }
                Ok(())
            }
        }
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result {
        match self {
            Canvas::Bitmap(b) => b.fill_polygon(vert, style).map_err(bitmap_err),
            Canvas::Svg(s) => {
                if style.color().alpha > 0.0 {
                    let attrs = s.fill_attrs(style.color());
                    let pts = points(vert);
                    let _ = writeln!(s.out, "<polygon points=\"{pts}\" {attrs}/>");
                }
                Ok(())
            }
        }
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result {
        let color = style.color();
        if color.alpha <= 0.0 || text.is_empty() {
            return Ok(());
        }
        let f = font::font().map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let lay = font::layout(f, text, style.size() as f32);
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -lay.width / 2.0,
            HPos::Right => -lay.width,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -lay.height / 2.0,
            VPos::Bottom => -lay.height,
        };
        let angle = match style.transform() {
            FontTransform::None => 0,
            FontTransform::Rotate90 => 90,
            FontTransform::Rotate180 => 180,
            FontTransform::Rotate270 => 270,
        };
        // The same rotations as plotters' `FontTransform::transform` (y points down).
        let rot = move |x: f32, y: f32| -> (f32, f32) {
            match angle {
                90 => (-y, x),
                180 => (-x, -y),
                270 => (y, -x),
                _ => (x, y),
            }
        };
        let (px, py) = (pos.0 as f32, pos.1 as f32);
        match self {
            Canvas::Bitmap(b) => {
                let (w, h) = b.get_size();
                let (w, h) = (w as i32, h as i32);
                let mut result = Ok(());
                lay.raster(f, (dx, dy), |x, y, cov| {
                    if result.is_err() || cov <= 0.0 {
                        return;
                    }
                    // Rotate the pixel's centre, then take the pixel it lands in.
                    let (rx, ry) = rot(x as f32 + 0.5, y as f32 + 0.5);
                    let (tx, ty) = ((px + rx).floor() as i32, (py + ry).floor() as i32);
                    if tx >= 0 && tx < w && ty >= 0 && ty < h {
                        let c = color.mix(f64::from(cov.min(1.0)));
                        result = b.draw_pixel((tx, ty), c).map_err(bitmap_err);
                    }
                });
                result
            }
            Canvas::Svg(s) => {
                // One group per text: moved to the anchor and rotated; glyphs are `<use>`s of
                // shared definitions, scaled from font units; the text itself is the title.
                let attrs = s.fill_attrs(color);
                let _ = write!(s.out, "<g transform=\"translate({px} {py})");
                if angle != 0 {
                    let _ = write!(s.out, " rotate({angle})");
                }
                let _ = write!(s.out, "\" {attrs}><title>");
                xml_escape(s.out, text);
                s.out.push_str("</title>");
                let scale = lay.units_scale(f);
                for (id, x, y) in lay.placements((dx, dy)) {
                    let visible = s
                        .glyphs
                        .entry(id.0)
                        .or_insert_with(|| font::glyph_path(f, id))
                        .is_some();
                    if visible {
                        let _ = write!(
                            s.out,
                            "<use xlink:href=\"#g{}\" transform=\"matrix({scale:.5} 0 0 {scale:.5} {x:.2} {y:.2})\"/>",
                            id.0
                        );
                    }
                }
                s.out.push_str("</g>\n");
                Ok(())
            }
        }
    }

    fn estimate_text_size<T: BackendTextStyle>(&self, text: &str, style: &T) -> Result<(u32, u32)> {
        let f = font::font().map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let lay = font::layout(f, text, style.size() as f32);
        Ok((lay.width.ceil() as u32, lay.height.ceil() as u32))
    }
}
