//! Property test of the WhatsApp header grammar: an export written in a random layout built
//! from the grammar's parts (invisible marks, `[`, date order, separators, trailing dot,
//! 2/4-digit years, time first, `, `/` `/`، `/` klo `, `:`/`.` times, seconds, AM/PM in
//! several spellings and places, Arabic-Indic digits, ` - `/`: `/`] `, LF/CRLF), with random
//! names and multi-line bodies, reads back every message: sender, body and time.

use chatsift::formats::{self, FormatOptions, ParseCtx};
use chatsift::time::Zone;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Layout {
    mark: &'static str,
    bracket: bool,
    time_first: bool,
    /// 0 day first, 1 month first, 2 year first.
    order: u8,
    sep: char,
    year4: bool,
    spaced_dot: bool,
    between: &'static str,
    tsep: char,
    seconds: bool,
    /// `None`: 24-hour clock; else (am, pm, before the time).
    clock: Option<(&'static str, &'static str, bool)>,
    arabic_digits: bool,
    colon_close: bool,
    crlf: bool,
}

#[derive(Debug, Clone)]
struct Msg {
    y: u32,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    name: String,
    lines: Vec<String>,
}

const CLOCKS: &[(&str, &str, bool)] = &[
    (" AM", " PM", false),
    ("\u{202f}am", "\u{202f}pm", false),
    (" a. m.", " p. m.", false),
    ("\u{202f}a.\u{a0}m.", "\u{202f}p.\u{a0}m.", false),
    (" a.m.", " p.m.", false),
    (" ص", " م", false),
    ("上午", "下午", true),
    ("오전 ", "오후 ", true),
];

fn layout() -> impl Strategy<Value = Layout> {
    (
        (
            prop::sample::select(vec!["", "\u{200e}", "\u{200f}", "\u{feff}\u{200e}"]),
            any::<bool>(),
            any::<bool>(),
            0u8..3,
            prop::sample::select(vec!['/', '.', '-']),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            prop::sample::select(vec![", ", " ", "، ", " klo "]),
            prop::sample::select(vec![':', '.']),
            any::<bool>(),
            prop::option::of(prop::sample::select(CLOCKS.to_vec())),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (mark, bracket, time_first, order, sep, year4, spaced_dot),
                (between, tsep, seconds, clock, arabic_digits, colon_close, crlf),
            )| {
                let time_first = time_first && bracket;
                Layout {
                    mark,
                    bracket,
                    time_first,
                    order,
                    sep,
                    // Year first is written with four digits.
                    year4: year4 || order == 2,
                    spaced_dot: spaced_dot && sep == '.' && !time_first,
                    between: if time_first { ", " } else { between },
                    // Time first is written with `:` (a `.` time would read as a date).
                    tsep: if time_first { ':' } else { tsep },
                    // `: ` after the time is the old iOS form, always with seconds.
                    seconds: seconds || (colon_close && !bracket),
                    clock,
                    arabic_digits,
                    colon_close: colon_close && !bracket,
                    crlf,
                }
            },
        )
}

fn msg(first: bool) -> impl Strategy<Value = Msg> {
    (
        2010u32..2031,
        1u32..13,
        if first { 13u32..29 } else { 1u32..29 },
        0u32..24,
        0u32..60,
        0u32..60,
        "[A-Z][a-zà-ö]{0,7}( [A-Z][a-z]{0,7})?",
        prop::collection::vec("[a-z]{1,8}( [a-z]{1,8}){0,3}", 1..4),
    )
        .prop_map(|(y, mo, d, h, mi, s, name, lines)| Msg {
            y,
            mo,
            d,
            h,
            mi,
            s,
            name,
            lines,
        })
}

fn digits(layout: &Layout, n: u32, width: usize) -> String {
    let s = format!("{n:0width$}");
    if !layout.arabic_digits {
        return s;
    }
    s.chars()
        .map(|c| char::from_u32(0x660 + c.to_digit(10).unwrap()).unwrap())
        .collect()
}

fn header(l: &Layout, m: &Msg) -> String {
    let y = if l.year4 { m.y } else { m.y % 100 };
    let yw = if l.year4 { 4 } else { 2 };
    let (a, b, c) = match l.order {
        0 => (digits(l, m.d, 1), digits(l, m.mo, 2), digits(l, y, yw)),
        1 => (digits(l, m.mo, 1), digits(l, m.d, 2), digits(l, y, yw)),
        _ => (digits(l, y, yw), digits(l, m.mo, 2), digits(l, m.d, 1)),
    };
    let date = if l.spaced_dot {
        format!("{a}. {b}. {c}.")
    } else {
        format!("{a}{s}{b}{s}{c}", s = l.sep)
    };
    let (hour, marker) = match l.clock {
        None => (m.h, None),
        Some((am, pm, before)) => {
            let h12 = if m.h.is_multiple_of(12) { 12 } else { m.h % 12 };
            (h12, Some((if m.h >= 12 { pm } else { am }, before)))
        }
    };
    let mut time = format!("{}{}{}", digits(l, hour, 1), l.tsep, digits(l, m.mi, 2));
    if l.seconds {
        time.push(l.tsep);
        time.push_str(&digits(l, m.s, 2));
    }
    match marker {
        Some((mk, true)) => time = format!("{mk}{time}"),
        Some((mk, false)) => time.push_str(mk),
        None => {}
    }
    let stamp = if l.time_first {
        format!("{time}{}{date}", l.between)
    } else {
        format!("{date}{}{time}", l.between)
    };
    if l.bracket {
        format!("{}[{stamp}] ", l.mark)
    } else if l.colon_close {
        format!("{}{stamp}: ", l.mark)
    } else {
        format!("{}{stamp} - ", l.mark)
    }
}

fn unix(m: &Msg, l: &Layout) -> i64 {
    let (y, mo, d) = (m.y as i64, m.mo as i64, m.d as i64);
    let y = if l.year4 { y } else { 2000 + y % 100 };
    let (yy, mm) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let s = if l.seconds { m.s } else { 0 };
    days * 86_400 + (m.h * 3600 + m.mi * 60 + s) as i64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn an_export_in_any_layout_reads_back_every_message(
        l in layout(),
        first in msg(true),
        rest in prop::collection::vec(msg(false), 0..6),
    ) {
        let msgs: Vec<Msg> = std::iter::once(first).chain(rest).collect();
        let eol = if l.crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        for m in &msgs {
            text.push_str(&header(&l, m));
            text.push_str(&m.name);
            text.push_str(": ");
            text.push_str(&m.lines.join(eol));
            text.push_str(eol);
        }
        let wa = formats::by_name("whatsapp").unwrap();
        prop_assert!(wa.sniff("export.txt", &text) > 0, "not sniffed:\n{}", text);
        let hint = formats::survey_text(wa, "export.txt", &text, FormatOptions::default());
        let mut ctx = ParseCtx::new(0, "export.txt", Zone::Utc);
        ctx.hint = hint.as_deref();
        for target in [usize::MAX, 40] {
            let got = formats::parse_text(wa, &text, &ctx, target);
            prop_assert!(got.problems.is_empty(), "{:?}\n{}", got.problems, text);
            prop_assert_eq!(got.messages.len(), msgs.len(), "{}", text);
            for (g, m) in got.messages.iter().zip(&msgs) {
                prop_assert_eq!(g.sender.as_ref(), m.name.as_str(), "{}", text);
                prop_assert_eq!(g.body.as_ref(), m.lines.join("\n"), "{}", text);
                prop_assert_eq!(g.time.micros, unix(m, &l) * 1_000_000, "{}", text);
            }
        }
    }
}
