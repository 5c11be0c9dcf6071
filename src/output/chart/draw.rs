//! Drawing each chart kind. Coordinates here are logical pixels of the chart size; `k` scales
//! them to the canvas (2 for the supersampled PNG, 1 for SVG).

use super::canvas::{Canvas, CanvasError};
use super::data::{Body, Bucket, Cal, Lanes, Lines, compact, date_ticks, value as fmt_value};
use super::font::{self, FAMILY};
use super::{Chart, HEIGHT};
use crate::text::thousands;
use crate::time::{days_from_civil, weekday_from_days};
use ab_glyph::FontRef;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;

type Area<'a> = DrawingArea<Canvas<'a>, Shift>;
type DResult<T = ()> = Result<T, DrawingAreaErrorKind<CanvasError>>;

const TEXT: RGBColor = RGBColor(0x1a, 0x1a, 0x1a);
const MUTED: RGBColor = RGBColor(0x5a, 0x5a, 0x5a);
const NOTE: RGBColor = RGBColor(0xa0, 0x40, 0x00);
const GRID: RGBColor = RGBColor(0xe2, 0xe2, 0xe2);
const AXIS: RGBColor = RGBColor(0x88, 0x88, 0x88);
const STRIPE: RGBColor = RGBColor(0xf4, 0xf5, 0xf7);
const ZERO: RGBColor = RGBColor(0xee, 0xee, 0xee);
const BAR: RGBColor = RGBColor(0x4e, 0x79, 0xa7);

/// Line colours (Tableau 10), distinguishable and in a fixed order.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x79, 0x70, 0x6e),
];

/// Sequential colour ramp (YlGnBu) for counts.
const RAMP: [(u8, u8, u8); 8] = [
    (0xed, 0xf8, 0xb1),
    (0xc7, 0xe9, 0xb4),
    (0x7f, 0xcd, 0xbb),
    (0x41, 0xb6, 0xc4),
    (0x1d, 0x91, 0xc0),
    (0x22, 0x5e, 0xa8),
    (0x25, 0x34, 0x94),
    (0x08, 0x1d, 0x58),
];

/// The ramp colour at `t` in 0..=1.
fn ramp(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (RAMP.len() - 1) as f64;
    let i = (x.floor() as usize).min(RAMP.len() - 2);
    let f = x - i as f64;
    let (a, b) = (RAMP[i], RAMP[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

const HEADER: f64 = 104.0;
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A painter on an area, in logical pixels.
struct P<'x, 'a> {
    area: &'x Area<'a>,
    k: f64,
    font: &'static FontRef<'static>,
    /// Logical size of the area.
    w: f64,
    h: f64,
}

impl<'x, 'a> P<'x, 'a> {
    fn new(area: &'x Area<'a>, k: f64, font: &'static FontRef<'static>) -> P<'x, 'a> {
        let (w, h) = area.dim_in_pixel();
        P {
            area,
            k,
            font,
            w: f64::from(w) / k,
            h: f64::from(h) / k,
        }
    }

    fn px(&self, v: f64) -> i32 {
        (v * self.k).round() as i32
    }

    fn style(&self, size: f64, color: RGBColor) -> TextStyle<'static> {
        (FAMILY, size * self.k).into_font().color(&color)
    }

    /// Logical width of a text.
    fn width(&self, t: &str, size: f64) -> f64 {
        f64::from(font::width(self.font, t, (size * self.k) as f32)) / self.k
    }

    fn fit(&self, t: &str, size: f64, max: f64) -> String {
        font::fit(self.font, t, (size * self.k) as f32, (max * self.k) as f32)
    }

    #[allow(clippy::too_many_arguments)]
    fn text(
        &self,
        t: &str,
        x: f64,
        y: f64,
        size: f64,
        color: RGBColor,
        h: HPos,
        v: VPos,
    ) -> DResult {
        let style = self.style(size, color).pos(Pos::new(h, v));
        self.area.draw_text(t, &style, (self.px(x), self.px(y)))
    }

    fn rect(&self, x0: f64, y0: f64, x1: f64, y1: f64, color: RGBColor) -> DResult {
        // The far corner is exclusive (in the bitmap backend and in SVG alike).
        let (a, b) = ((self.px(x0), self.px(y0)), (self.px(x1), self.px(y1)));
        if b.0 <= a.0 || b.1 <= a.1 {
            return Ok(());
        }
        self.area
            .draw(&Rectangle::new([a, b], color.filled()))
            .map(|_| ())
    }

    fn line(&self, x0: f64, y0: f64, x1: f64, y1: f64, color: RGBColor, width: f64) -> DResult {
        let sw = ((width * self.k).round() as u32).max(1);
        self.area.draw(&PathElement::new(
            vec![(self.px(x0), self.px(y0)), (self.px(x1), self.px(y1))],
            color.stroke_width(sw),
        ))
    }
}

/// Draws a whole chart on `root`, scaled by `k`.
pub(crate) fn draw(chart: &Chart, root: &Area<'_>, k: f64) -> DResult {
    let f = match font::font() {
        Ok(f) => f,
        Err(e) => {
            return Err(DrawingAreaErrorKind::BackendError(
                plotters_backend::DrawingErrorKind::FontError(Box::new(e)),
            ));
        }
    };
    root.fill(&WHITE)?;
    let p = P::new(root, k, f);
    let m = &chart.meta;
    p.text(
        &p.fit(&m.title, 24.0, p.w - 56.0),
        28.0,
        18.0,
        24.0,
        TEXT,
        HPos::Left,
        VPos::Top,
    )?;
    p.text(
        &p.fit(&m.subtitle, 15.0, p.w - 56.0),
        28.0,
        54.0,
        15.0,
        MUTED,
        HPos::Left,
        VPos::Top,
    )?;
    if !chart.notes.is_empty() {
        let all = format!("Note: {}", chart.notes.join(" · "));
        p.text(
            &p.fit(&all, 14.0, p.w - 56.0),
            28.0,
            76.0,
            14.0,
            NOTE,
            HPos::Left,
            VPos::Top,
        )?;
    }
    let (_, body) = root.split_vertically(p.px(HEADER));
    let b = P::new(&body, k, f);
    match &chart.body {
        Body::Empty => b.text(
            "no messages",
            b.w / 2.0,
            b.h / 2.0 - 20.0,
            24.0,
            MUTED,
            HPos::Center,
            VPos::Center,
        ),
        Body::Topics(l) => topics(&b, l),
        Body::Heatmap(c) => heatmap(&b, c),
        Body::Activity(a) => activity(&b, a),
        Body::Calendar(c) => calendar(&b, c),
        Body::People(v) => people(&b, v),
    }
}

/// A day axis with ticks on calendar boundaries (months, years) rather than round numbers.
struct DayAxis {
    lo: i64,
    hi: i64,
    ticks: Vec<i64>,
}

impl Ranged for DayAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = i64;

    fn map(&self, v: &i64, limit: (i32, i32)) -> i32 {
        let span = (self.hi - self.lo).max(1) as f64;
        let t = (*v - self.lo) as f64 / span;
        limit.0 + (f64::from(limit.1 - limit.0) * t).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<i64> {
        if hint.max_num_points() == 0 {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<i64> {
        self.lo..self.hi
    }
}

fn topics(p: &P<'_, '_>, l: &Lines) -> DResult {
    let label_w = l
        .series
        .iter()
        .map(|(s, _)| p.width(s, 14.0))
        .fold(0.0, f64::max);
    let (header, totals): (&str, Vec<String>) = match &l.legend {
        Some((h, v)) => (h.as_str(), v.clone()),
        None => (
            "total",
            l.series
                .iter()
                .map(|(_, pts)| fmt_value(pts.iter().map(|p| p.1).sum()))
                .collect(),
        ),
    };
    let total_w = totals
        .iter()
        .map(|t| p.width(t, 12.0))
        .fold(p.width(header, 12.0), f64::max);
    let legend_w = (label_w + total_w + 68.0).clamp(170.0, 340.0);
    let (plot, legend) = p.area.split_horizontally(p.px(p.w - legend_w));
    let plot_w = p.w - legend_w - 110.0;
    let ticks = date_ticks(l.x.0, l.x.1, ((plot_w / 110.0) as usize).max(2));
    let axis = DayAxis {
        lo: l.x.0,
        hi: l.x.1,
        ticks: ticks.iter().map(|t| t.0).collect(),
    };
    let mut chart = ChartBuilder::on(&plot)
        .margin_left(p.px(12.0))
        .margin_right(p.px(28.0))
        .margin_top(p.px(10.0))
        .margin_bottom(p.px(8.0))
        .x_label_area_size(p.px(56.0))
        .y_label_area_size(p.px(84.0))
        .build_cartesian_2d(axis, l.y.0..l.y.1)?;
    let x_fmt = |d: &i64| {
        ticks
            .iter()
            .find(|t| t.0 == *d)
            .map_or_else(String::new, |t| t.1.clone())
    };
    let y_fmt = |v: &f64| fmt_value(*v);
    let x_desc = match l.bucket {
        Bucket::Day => "date".to_string(),
        Bucket::Week => "week (starting Monday)".to_string(),
        b => b.noun().to_string(),
    };
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID.stroke_width(p.px(1.0).max(1) as u32))
        .axis_style(AXIS.stroke_width(p.px(1.0).max(1) as u32))
        .set_all_tick_mark_size(p.px(5.0))
        .label_style(p.style(13.0, MUTED))
        .axis_desc_style(p.style(14.0, TEXT))
        .x_desc(x_desc)
        .y_desc(l.y_label.as_str())
        .x_labels(ticks.len().max(1))
        .y_labels(8)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()?;
    let stroke = (p.k * 2.0).round() as u32;
    let r = p.px(3.0).max(1) as u32;
    for (i, (_, pts)) in l.series.iter().enumerate() {
        let c = PALETTE[i % PALETTE.len()];
        // A line per run of consecutive buckets: an empty bucket breaks it. A run of one
        // point has no line, so it always gets its dot.
        for run in super::data::runs(pts, l.gaps) {
            chart.draw_series(LineSeries::new(run.iter().copied(), c.stroke_width(stroke)))?;
            if pts.len() <= 40 || run.len() == 1 {
                chart.draw_series(run.iter().map(|&pt| Circle::new(pt, r, c.filled())))?;
            }
        }
    }
    // Legend: colour, label, total (or the caller's column).
    let lp = P::new(&legend, p.k, p.font);
    lp.text(
        header,
        lp.w - 12.0,
        14.0,
        12.0,
        MUTED,
        HPos::Right,
        VPos::Top,
    )?;
    for (i, ((name, _), t)) in l.series.iter().zip(&totals).enumerate() {
        let c = PALETTE[i % PALETTE.len()];
        let y = 44.0 + i as f64 * 28.0;
        lp.line(6.0, y, 30.0, y, c, 3.0)?;
        let name = lp.fit(name, 14.0, lp.w - 38.0 - total_w - 22.0);
        lp.text(&name, 38.0, y, 14.0, TEXT, HPos::Left, VPos::Center)?;
        lp.text(t, lp.w - 12.0, y, 12.0, MUTED, HPos::Right, VPos::Center)?;
    }
    Ok(())
}

fn heatmap(p: &P<'_, '_>, counts: &[[u64; 24]; 7]) -> DResult {
    let max = counts.iter().flatten().copied().max().unwrap_or(0).max(1);
    let (left, total_w, legend_w, top) = (84.0, 90.0, 120.0, 30.0);
    let gx0 = left;
    let gx1 = p.w - legend_w - total_w;
    let cw = (gx1 - gx0) / 24.0;
    let ch = ((p.h - top - 70.0) / 7.0).min(66.0);
    let gy0 = top;
    for h in 0..24 {
        let x = gx0 + (f64::from(h) + 0.5) * cw;
        p.text(
            &h.to_string(),
            x,
            gy0 - 8.0,
            12.0,
            MUTED,
            HPos::Center,
            VPos::Bottom,
        )?;
    }
    p.text(
        "total",
        gx1 + total_w - 14.0,
        gy0 - 8.0,
        12.0,
        MUTED,
        HPos::Right,
        VPos::Bottom,
    )?;
    for (d, row) in counts.iter().enumerate() {
        let y = gy0 + d as f64 * ch;
        p.text(
            WEEKDAYS[d],
            gx0 - 12.0,
            y + ch / 2.0,
            14.0,
            TEXT,
            HPos::Right,
            VPos::Center,
        )?;
        for (h, &v) in row.iter().enumerate() {
            let x = gx0 + h as f64 * cw;
            let t = v as f64 / max as f64;
            let c = if v == 0 { ZERO } else { ramp(0.05 + 0.95 * t) };
            p.rect(x + 1.0, y + 1.0, x + cw - 1.0, y + ch - 1.0, c)?;
            if v > 0 {
                // The full count if it fits, else a shorter form, else a smaller size.
                let room = cw - 6.0;
                let (s, size) = [
                    (thousands(v), 13.0),
                    (compact_k(v), 13.0),
                    (compact_k(v), 10.0),
                ]
                .into_iter()
                .find(|(s, size)| p.width(s, *size) <= room)
                .unwrap_or((compact_k(v), 9.0));
                let fg = if t > 0.45 { WHITE } else { TEXT };
                p.text(
                    &s,
                    x + cw / 2.0,
                    y + ch / 2.0,
                    size,
                    fg,
                    HPos::Center,
                    VPos::Center,
                )?;
            }
        }
        let sum: u64 = row.iter().fold(0u64, |a, &b| a.saturating_add(b));
        p.text(
            &thousands(sum),
            gx1 + total_w - 14.0,
            y + ch / 2.0,
            13.0,
            MUTED,
            HPos::Right,
            VPos::Center,
        )?;
    }
    let gy1 = gy0 + 7.0 * ch;
    p.text(
        "hour of day",
        (gx0 + gx1) / 2.0,
        gy1 + 14.0,
        14.0,
        TEXT,
        HPos::Center,
        VPos::Top,
    )?;
    // Colour scale.
    let lx = p.w - legend_w + 30.0;
    let steps = 60;
    for i in 0..steps {
        let t0 = f64::from(i) / f64::from(steps);
        let y = gy1 - (t0 + 1.0 / f64::from(steps)) * (gy1 - gy0);
        let y1 = gy1 - t0 * (gy1 - gy0);
        p.rect(lx, y, lx + 18.0, y1 + 1.0, ramp(0.05 + 0.95 * t0))?;
    }
    for (t, v) in [(0.0, 1u64), (0.5, max / 2), (1.0, max)] {
        let y = gy1 - t * (gy1 - gy0);
        p.line(lx + 18.0, y, lx + 23.0, y, AXIS, 1.0)?;
        p.text(
            &thousands(v.max(1)),
            lx + 27.0,
            y,
            12.0,
            MUTED,
            HPos::Left,
            VPos::Center,
        )?;
    }
    p.text(
        "messages",
        lx,
        gy0 - 8.0,
        12.0,
        MUTED,
        HPos::Left,
        VPos::Bottom,
    )?;
    Ok(())
}

/// A count in at most about four characters: `999`, `1.2k`, `12k`, `1.2M`.
fn compact_k(n: u64) -> String {
    if n < 1000 {
        n.to_string()
    } else if n < 10_000 {
        format!("{:.1}k", n as f64 / 1e3)
    } else if n < 1_000_000 {
        format!("{}k", n / 1000)
    } else {
        compact(n)
    }
}

/// A calendar legend label at (`x`, `y`), left-aligned and vertically centred; its width.
fn legend_text(p: &P<'_, '_>, text: &str, x: f64, y: f64) -> DResult<f64> {
    p.text(text, x, y, 13.0, MUTED, HPos::Left, VPos::Center)?;
    Ok(p.width(text, 13.0))
}

/// The pitch of `n` stacked rows: that of the first step whose limit holds `n`, else `min`.
fn pitch(n: usize, steps: [(usize, f64); 2], min: f64) -> f64 {
    steps
        .iter()
        .find(|(limit, _)| n <= *limit)
        .map_or(min, |s| s.1)
}

/// The height of a chart of `n` stacked rows `pitch` apart, with `above` and `below` them.
fn stacked_height(n: usize, pitch: f64, above: f64, below: f64) -> u32 {
    if n == 0 {
        return HEIGHT;
    }
    (HEADER + above + n as f64 * pitch + below).max(420.0) as u32
}

fn lane_height(n: usize) -> f64 {
    pitch(n, [(12, 36.0), (24, 26.0)], 20.0)
}

/// Height of an activity chart with `n` lanes.
pub(crate) fn activity_height(n: usize) -> u32 {
    stacked_height(n, lane_height(n), 24.0, 90.0)
}

fn activity(p: &P<'_, '_>, a: &Lanes) -> DResult {
    let n = a.lanes.len();
    let lh = lane_height(n);
    let size = if lh >= 26.0 { 14.0 } else { 13.0 };
    let label_w = a
        .lanes
        .iter()
        .map(|l| p.width(&l.label, size))
        .fold(0.0, f64::max)
        .clamp(80.0, 300.0);
    let (x0, x1) = (28.0 + label_w + 14.0, p.w - 110.0);
    let top = 24.0;
    let bottom = top + n as f64 * lh;
    let span = (a.x.1 - a.x.0).max(1) as f64;
    let map = |d: i64| x0 + (d - a.x.0) as f64 / span * (x1 - x0);
    for (i, _) in a.lanes.iter().enumerate() {
        if i % 2 == 1 {
            let y = top + i as f64 * lh;
            p.rect(16.0, y, p.w - 16.0, y + lh, STRIPE)?;
        }
    }
    let ticks = date_ticks(a.x.0, a.x.1, (((x1 - x0) / 110.0) as usize).max(2));
    for (d, t) in &ticks {
        let x = map(*d);
        p.line(x, top, x, bottom + 4.0, GRID, 1.0)?;
        p.text(t, x, bottom + 8.0, 12.0, MUTED, HPos::Center, VPos::Top)?;
    }
    p.line(x0, bottom, x1, bottom, AXIS, 1.0)?;
    p.text(
        "total",
        p.w - 20.0,
        top - 6.0,
        12.0,
        MUTED,
        HPos::Right,
        VPos::Bottom,
    )?;
    for (i, lane) in a.lanes.iter().enumerate() {
        let y = top + i as f64 * lh;
        let name = p.fit(&lane.label, size, label_w);
        p.text(
            &name,
            28.0,
            y + lh / 2.0,
            size,
            TEXT,
            HPos::Left,
            VPos::Center,
        )?;
        p.text(
            &fmt_value(lane.total),
            p.w - 20.0,
            y + lh / 2.0,
            13.0,
            MUTED,
            HPos::Right,
            VPos::Center,
        )?;
        let peak = if lane.peak > 0.0 { lane.peak } else { 1.0 };
        let base = y + lh - 3.0;
        let full = lh - 6.0;
        for &(d, v) in &lane.points {
            if v <= 0.0 {
                continue;
            }
            let bx0 = map(d);
            let mut bx1 = map(a.bucket.next(d));
            if bx1 - bx0 > 3.0 {
                bx1 -= 1.0;
            }
            let bx1 = bx1.max(bx0 + 1.0);
            let bh = (v / peak * full).max(2.0);
            p.rect(bx0, base - bh, bx1, base, BAR)?;
        }
    }
    let caption = format!(
        "bars: messages per {b}; height relative to each row's busiest {b}",
        b = a.bucket.noun()
    );
    p.text(
        &caption,
        x0,
        bottom + 32.0,
        13.0,
        MUTED,
        HPos::Left,
        VPos::Top,
    )
}

const PITCH: f64 = 19.0;
const BLOCK: f64 = 7.0 * PITCH + 46.0;

/// Height of a calendar chart with `years` years.
pub(crate) fn calendar_height(years: usize) -> u32 {
    if years == 0 {
        return HEIGHT;
    }
    (HEADER + 8.0 + years as f64 * BLOCK + 70.0).max(420.0) as u32
}

fn calendar(p: &P<'_, '_>, c: &Cal) -> DResult {
    let gx = 124.0;
    let cell = PITCH - 3.0;
    let colour = |level: usize| -> RGBColor {
        if level == 0 {
            return ZERO;
        }
        let n = c.levels.len().max(1);
        if n == 1 {
            ramp(0.6)
        } else {
            ramp(0.12 + 0.83 * (level - 1) as f64 / (n - 1) as f64)
        }
    };
    for (bi, &year) in c.years.iter().enumerate() {
        let by = 8.0 + bi as f64 * BLOCK;
        let gy = by + 20.0;
        let jan1 = days_from_civil(year, 1, 1);
        let next = days_from_civil(year.saturating_add(1), 1, 1);
        let col0 = Bucket::Week.start(jan1);
        let total: u64 = c
            .days
            .range(jan1..next)
            .fold(0u64, |a, (_, &v)| a.saturating_add(v));
        p.text(
            &year.to_string(),
            28.0,
            gy,
            20.0,
            TEXT,
            HPos::Left,
            VPos::Top,
        )?;
        p.text(
            &thousands(total),
            28.0,
            gy + 28.0,
            12.0,
            MUTED,
            HPos::Left,
            VPos::Top,
        )?;
        p.text(
            "messages",
            28.0,
            gy + 44.0,
            12.0,
            MUTED,
            HPos::Left,
            VPos::Top,
        )?;
        for (r, name) in WEEKDAYS.iter().enumerate().filter(|(r, _)| r % 2 == 0) {
            p.text(
                name,
                gx - 6.0,
                gy + r as f64 * PITCH + cell / 2.0,
                11.0,
                MUTED,
                HPos::Right,
                VPos::Center,
            )?;
        }
        for (m, name) in MONTHS.iter().enumerate() {
            let d = days_from_civil(year, m as u32 + 1, 1);
            let col = ((d - col0) / 7) as f64;
            p.text(
                name,
                gx + col * PITCH,
                by + 2.0,
                12.0,
                MUTED,
                HPos::Left,
                VPos::Top,
            )?;
        }
        for d in jan1..next {
            let col = ((d - col0) / 7) as f64;
            let row = f64::from(weekday_from_days(d));
            let v = c.days.get(&d).copied().unwrap_or(0);
            let x = gx + col * PITCH;
            let y = gy + row * PITCH;
            p.rect(x, y, x + cell, y + cell, colour(c.level(v)))?;
        }
    }
    // Legend.
    let ly = 8.0 + c.years.len() as f64 * BLOCK + 6.0;
    let mut x = gx + legend_text(p, "messages per day:", gx, ly + cell / 2.0)? + 14.0;
    let mut lo = 1u64;
    let mut entries = vec![(ZERO, "0".to_string())];
    for (i, &hi) in c.levels.iter().enumerate() {
        let label = if lo >= hi {
            thousands(hi)
        } else {
            format!("{}–{}", thousands(lo), thousands(hi))
        };
        entries.push((colour(i + 1), label));
        lo = hi.saturating_add(1);
    }
    for (col, label) in entries {
        p.rect(x, ly, x + cell, ly + cell, col)?;
        x += cell + 6.0 + legend_text(p, &label, x + cell + 6.0, ly + cell / 2.0)? + 18.0;
    }
    Ok(())
}

fn bar_pitch(n: usize) -> f64 {
    pitch(n, [(15, 30.0), (25, 24.0)], 20.0)
}

/// Height of a people chart with `n` bars.
pub(crate) fn people_height(n: usize) -> u32 {
    stacked_height(n, bar_pitch(n), 16.0, 80.0)
}

/// A round step giving about `n` intervals up to `max`.
fn nice_step(max: f64, n: f64) -> f64 {
    let raw = (max / n).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

fn people(p: &P<'_, '_>, bars: &[(String, u64)]) -> DResult {
    let n = bars.len();
    let pitch = bar_pitch(n);
    let size = if pitch >= 24.0 { 14.0 } else { 13.0 };
    let label_w = bars
        .iter()
        .map(|b| p.width(&b.0, size))
        .fold(0.0, f64::max)
        .clamp(80.0, 380.0);
    let (x0, x1) = (28.0 + label_w + 16.0, p.w - 110.0);
    let top = 16.0;
    let bottom = top + n as f64 * pitch;
    let max = bars.iter().map(|b| b.1).max().unwrap_or(1).max(1) as f64;
    let step = nice_step(max, 5.0);
    let mut t = 0.0;
    while t <= max * 1.0001 && t.is_finite() {
        let x = x0 + t / max * (x1 - x0);
        p.line(x, top, x, bottom + 4.0, GRID, 1.0)?;
        p.text(
            &fmt_value(t),
            x,
            bottom + 8.0,
            12.0,
            MUTED,
            HPos::Center,
            VPos::Top,
        )?;
        t += step;
    }
    p.line(x0, top, x0, bottom, AXIS, 1.0)?;
    for (i, (name, v)) in bars.iter().enumerate() {
        let y = top + i as f64 * pitch;
        let name = p.fit(name, size, label_w);
        p.text(
            &name,
            28.0,
            y + pitch / 2.0,
            size,
            TEXT,
            HPos::Left,
            VPos::Center,
        )?;
        let bx1 = x0 + *v as f64 / max * (x1 - x0);
        p.rect(x0, y + 3.0, bx1.max(x0 + 1.0), y + pitch - 3.0, BAR)?;
        p.text(
            &thousands(*v),
            bx1 + 6.0,
            y + pitch / 2.0,
            13.0,
            TEXT,
            HPos::Left,
            VPos::Center,
        )?;
    }
    p.text(
        "messages",
        (x0 + x1) / 2.0,
        bottom + 30.0,
        14.0,
        TEXT,
        HPos::Center,
        VPos::Top,
    )
}
