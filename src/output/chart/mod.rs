//! Charts as PNG or SVG: topics over time, an hour × weekday heatmap, per-person activity
//! lanes, a calendar heatmap of daily messages, and a top-senders bar chart.
//!
//! Charts take plain, already computed data (days since 1970-01-01 in the caller's zone,
//! counts, labels); this module knows nothing of parsing or analysis. Every text — titles,
//! Chinese and Russian names, topic labels — is drawn with the bundled WenQuanYi Micro Hei
//! font (`assets/fonts/`, Apache-2.0), never with system fonts: PNG text is rasterized from
//! it and SVG text is written as its glyph outlines (the text itself is kept in each path's
//! `<title>`, so it stays searchable), so a chart looks the same everywhere.
//!
//! Charts stay readable whatever they are given: lines with more than 200 points are summed
//! into weeks, months or years; at most 10 lines, 40 lanes and 40 bars are drawn, and 10
//! calendar years; whatever is left out is said on the chart, beside the caller's
//! [`Meta::note`]. Empty input draws a chart that says "no messages".
//!
//! ```no_run
//! use chatsift::output::chart::{self, ChartFormat, Meta, Series};
//! let meta = Meta {
//!     title: "Topics over time".into(),
//!     subtitle: "testdata/demo · 373 messages · Asia/Shanghai".into(),
//!     note: None,
//! };
//! let pay = Series { label: "工资 pay".into(), points: vec![(18_780, 3.0), (18_781, 5.0)] };
//! let c = chart::topics_over_time(&meta, "messages per day", &[pay]);
//! let png: Vec<u8> = c.render(ChartFormat::Png)?;
//! c.write(std::path::Path::new("topics.svg"))?;
//! # Ok::<(), chart::ChartError>(())
//! ```

mod canvas;
mod data;
mod draw;
mod font;
#[cfg(test)]
mod tests;
pub mod views;

pub use font::FAMILY;

use crate::output::atomic::AtomicFile;
use canvas::{Canvas, SvgWriter};
use plotters::backend::BitMapBackend;
use plotters::drawing::IntoDrawingArea;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Default chart width in pixels.
pub const WIDTH: u32 = 1200;
/// Default chart height in pixels (charts with many lanes, bars or years grow taller).
pub const HEIGHT: u32 = 700;

/// Most lines drawn in [`topics_over_time`] (one per palette colour).
pub const MAX_LINES: usize = 10;
/// Most lanes drawn in [`activity`] and bars in [`people`].
pub const MAX_LANES: usize = 40;
/// Most points per line (or buckets per lane) before days are summed into longer buckets.
pub const MAX_POINTS: usize = 200;
/// Most calendar years drawn (the most recent ones).
pub const MAX_YEARS: usize = 10;

/// A chart could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The output path's extension names no chart format.
    #[error("{}: unknown chart format (use a .png or .svg file name)", path.display())]
    UnknownFormat {
        /// The path given.
        path: PathBuf,
    },
    /// The bundled font could not be loaded (a broken build).
    #[error("chart font: {0}")]
    Font(String),
    /// Drawing failed.
    #[error("drawing the chart: {0}")]
    Draw(String),
    /// PNG encoding failed.
    #[error("encoding the PNG: {0}")]
    Encode(String),
    /// The file could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The output path.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// The image formats charts render to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartFormat {
    /// A PNG image (anti-aliased, RGB).
    Png,
    /// An SVG document (text as glyph outlines from the bundled font).
    Svg,
}

impl ChartFormat {
    /// The format named by a path's extension (`.png` or `.svg`, any case).
    pub fn from_path(path: &Path) -> Result<ChartFormat, ChartError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("png") => Ok(ChartFormat::Png),
            Some("svg") => Ok(ChartFormat::Svg),
            _ => Err(ChartError::UnknownFormat {
                path: path.to_path_buf(),
            }),
        }
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ChartFormat::Png => "png",
            ChartFormat::Svg => "svg",
        }
    }
}

/// What a chart says about itself, in its header.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Meta {
    /// The title, e.g. "Topics over time".
    pub title: String,
    /// The corpus and zone, e.g. "testdata/demo · 373 messages · Asia/Shanghai".
    pub subtitle: String,
    /// What the caller left out, e.g. "top 20 of 1,000 people shown".
    pub note: Option<String>,
}

/// One labelled series of values per day.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// The label (a topic, a person).
    pub label: String,
    /// (days since 1970-01-01, value). Values are counts: when they are too many they are
    /// summed into longer buckets. Repeated days are summed; non-finite values are ignored.
    pub points: Vec<(i64, f64)>,
}

/// A chart ready to render: the data is already prepared (aggregated, capped, notes made).
#[derive(Clone, Debug)]
pub struct Chart {
    meta: Meta,
    notes: Vec<String>,
    width: u32,
    height: u32,
    body: data::Body,
}

/// Topics over time: one line per series (topic), a legend, dates on the x axis, `y_label`
/// on the y axis. At most [`MAX_LINES`] lines; more than [`MAX_POINTS`] points per line are
/// summed into weeks, months or years.
pub fn topics_over_time(meta: &Meta, y_label: &str, series: &[Series]) -> Chart {
    let (body, notes) = data::lines(y_label, series);
    Chart::new(meta, notes, body)
}

/// Like [`topics_over_time`] for rates: the caller's points are drawn as they are (give at
/// most [`MAX_POINTS`] per line, since rates cannot be summed into coarser buckets) and the
/// legend shows the caller's column (e.g. matching messages) instead of a sum of the points.
/// `every`: the points are at the starts of these buckets, and a bucket without a point had
/// no messages, so its rate is unknown: the line breaks there instead of bridging the gap.
pub fn rates_over_time(
    meta: &Meta,
    y_label: &str,
    series: &[Series],
    legend_header: &str,
    legend_values: &[String],
    every: Option<crate::analysis::timeline::Bucket>,
) -> Chart {
    let (mut body, notes) = data::lines(y_label, series);
    if let data::Body::Topics(l) = &mut body {
        let mut values = legend_values.to_vec();
        values.resize(l.series.len(), String::new());
        l.legend = Some((legend_header.to_string(), values));
        use crate::analysis::timeline::Bucket as By;
        let step = every.and_then(|b| match b {
            By::Hour => None,
            By::Day => Some(data::Bucket::Day),
            By::Week => Some(data::Bucket::Week),
            By::Month => Some(data::Bucket::Month),
        });
        // Points summed into coarser buckets than the caller's break where those are empty.
        l.gaps = step.map(|s| s.max(l.bucket));
    }
    Chart::new(meta, notes, body)
}

/// Hour of day × weekday heatmap of message counts (`counts[weekday][hour]`, Monday first),
/// with the counts written in the cells, row totals and a colour scale.
pub fn heatmap(meta: &Meta, counts: &[[u64; 24]; 7]) -> Chart {
    let body = if counts.iter().flatten().all(|&c| c == 0) {
        data::Body::Empty
    } else {
        data::Body::Heatmap(Box::new(*counts))
    };
    Chart::new(meta, Vec::new(), body)
}

/// Activity lanes: one lane per person (label at left, total at right), a bar per day (or
/// week, month, year when the span is long) so bursts and silences show. Bar heights are
/// relative to each lane's own busiest bucket. Lanes are drawn in the order given, at most
/// [`MAX_LANES`] of them; the rest are counted in a note.
pub fn activity(meta: &Meta, lanes: &[Series]) -> Chart {
    let (body, notes) = data::lanes(lanes);
    Chart::new(meta, notes, body)
}

/// Calendar heatmap of daily message counts: per year a grid of weeks × weekdays with month
/// labels, years stacked (at most [`MAX_YEARS`], the most recent), colours by quartile.
pub fn calendar(meta: &Meta, days: &[(i64, u64)]) -> Chart {
    let (body, notes) = data::calendar(days);
    Chart::new(meta, notes, body)
}

/// Top senders: horizontal bars, largest first, names at left and counts at the bar ends.
/// At most [`MAX_LANES`] bars; the rest are counted in a note.
pub fn people(meta: &Meta, bars: &[(String, u64)]) -> Chart {
    let (body, notes) = data::bars(bars);
    Chart::new(meta, notes, body)
}

impl Chart {
    /// A chart of `body`, as tall as its lanes, years or bars need (the standard height
    /// for the fixed-size kinds and for an empty chart).
    fn new(meta: &Meta, notes: Vec<String>, body: data::Body) -> Chart {
        let mut notes = notes;
        if let Some(n) = meta.note.as_deref().filter(|n| !n.trim().is_empty()) {
            notes.insert(0, n.to_string());
        }
        Chart {
            meta: meta.clone(),
            notes,
            width: WIDTH,
            height: match &body {
                data::Body::Activity(a) => draw::activity_height(a.lanes.len()),
                data::Body::Calendar(c) => draw::calendar_height(c.years.len()),
                data::Body::People(b) => draw::people_height(b.len()),
                _ => HEIGHT,
            },
            body,
        }
    }

    /// Width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The notes the chart shows: the caller's [`Meta::note`] first, then what this module
    /// left out or aggregated (e.g. "960 more not shown").
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Renders into memory.
    pub fn render(&self, format: ChartFormat) -> Result<Vec<u8>, ChartError> {
        font::font()?;
        match format {
            ChartFormat::Png => self.render_png(),
            ChartFormat::Svg => self.render_svg(),
        }
    }

    /// Renders in the format of `path`'s extension and writes it atomically (nothing is left
    /// under `path` if rendering or writing fails).
    pub fn write(&self, path: &Path) -> Result<(), ChartError> {
        let bytes = self.render(ChartFormat::from_path(path)?)?;
        let io = |source| ChartError::Io {
            path: path.to_path_buf(),
            source,
        };
        // Refused up front: the final rename onto a directory would fail after the temporary
        // file is written, and AtomicFile leaves that file behind when a rename fails.
        if path.is_dir() {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory",
            )));
        }
        let mut f = AtomicFile::create(path).map_err(io)?;
        f.write_all(&bytes).map_err(io)?;
        f.commit().map_err(io)
    }

    fn render_png(&self) -> Result<Vec<u8>, ChartError> {
        // Drawn at twice the size and averaged down: anti-aliased lines and text.
        const SS: u32 = 2;
        let (w, h) = (self.width * SS, self.height * SS);
        let mut buf = vec![255u8; w as usize * h as usize * 3];
        {
            let backend = BitMapBackend::with_buffer_and_format(&mut buf, (w, h))
                .map_err(|e| ChartError::Draw(e.to_string()))?;
            let root = Canvas::Bitmap(backend).into_drawing_area();
            draw::draw(self, &root, f64::from(SS)).map_err(draw_err)?;
            root.present().map_err(draw_err)?;
        }
        let small = downsample(&buf, w as usize, h as usize, SS as usize);
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.width, self.height);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            let mut wr = enc
                .write_header()
                .map_err(|e| ChartError::Encode(e.to_string()))?;
            wr.write_image_data(&small)
                .map_err(|e| ChartError::Encode(e.to_string()))?;
            wr.finish().map_err(|e| ChartError::Encode(e.to_string()))?;
        }
        Ok(out)
    }

    fn render_svg(&self) -> Result<Vec<u8>, ChartError> {
        let (w, h) = (self.width, self.height);
        let mut s = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
             xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
             width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n<title>"
        );
        canvas::xml_escape(&mut s, &self.meta.title);
        s.push_str("</title>\n");
        let mut glyphs = font::GlyphSet::new();
        {
            let root = Canvas::Svg(SvgWriter::new(&mut s, &mut glyphs, (w, h))).into_drawing_area();
            draw::draw(self, &root, 1.0).map_err(draw_err)?;
            root.present().map_err(draw_err)?;
        }
        canvas::glyph_defs(&mut s, &glyphs);
        s.push_str("</svg>\n");
        Ok(s.into_bytes())
    }
}

fn draw_err(e: impl std::fmt::Display) -> ChartError {
    ChartError::Draw(e.to_string())
}

/// Averages `k`×`k` blocks of an RGB8 image of `w`×`h` pixels.
fn downsample(src: &[u8], w: usize, h: usize, k: usize) -> Vec<u8> {
    let (sw, sh) = (w / k, h / k);
    let mut out = vec![0u8; sw * sh * 3];
    let n = (k * k) as u32;
    for y in 0..sh {
        for x in 0..sw {
            let mut acc = [0u32; 3];
            for dy in 0..k {
                let row = (y * k + dy) * w;
                for dx in 0..k {
                    let i = (row + x * k + dx) * 3;
                    if let Some(px) = src.get(i..i + 3) {
                        acc[0] += u32::from(px[0]);
                        acc[1] += u32::from(px[1]);
                        acc[2] += u32::from(px[2]);
                    }
                }
            }
            let o = (y * sw + x) * 3;
            for (c, a) in acc.iter().enumerate() {
                if let Some(p) = out.get_mut(o + c) {
                    *p = ((a + n / 2) / n) as u8;
                }
            }
        }
    }
    out
}
