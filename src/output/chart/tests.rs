use super::*;
use crate::time::days_from_civil;

fn meta(title: &str) -> Meta {
    Meta {
        title: title.to_string(),
        subtitle: "testdata/demo · 373 messages · Asia/Shanghai".to_string(),
        note: None,
    }
}

fn day(y: i32, m: u32, d: u32) -> i64 {
    days_from_civil(y, m, d)
}

/// A small deterministic pseudo-random sequence (no dependency needed).
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *seed >> 33
}

fn topic_series() -> Vec<Series> {
    let start = day(2021, 6, 1);
    let labels = [
        "工资 pay",
        "加班 workload",
        "Зарплата (ru)",
        "tools & malware",
    ];
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| Series {
            label: l.to_string(),
            points: (0..60)
                .map(|d| {
                    let v = ((d as f64 / 6.0 + i as f64).sin() + 1.2) * (4 + i * 2) as f64;
                    (start + d, v.round())
                })
                .collect(),
        })
        .collect()
}

fn weekly_heat() -> [[u64; 24]; 7] {
    let mut c = [[0u64; 24]; 7];
    for (d, row) in c.iter_mut().enumerate() {
        for (h, v) in row.iter_mut().enumerate() {
            let work = (9..19).contains(&h) && d < 5;
            *v = if work {
                20 + (h as u64 * 7 + d as u64 * 3) % 40
            } else {
                (h as u64 + d as u64) % 4
            };
        }
    }
    c[2][14] = 1234;
    c
}

fn lanes_sample() -> Vec<Series> {
    let names = [
        "王伟 (wxid_k3f9x0a1b2c3d4)",
        "Сергей",
        "darkfox",
        "李娜",
        "Алексей Смирнов",
        "bentley@jabber.example",
    ];
    let start = day(2021, 3, 1);
    let mut seed = 7u64;
    names
        .iter()
        .enumerate()
        .map(|(i, n)| Series {
            label: n.to_string(),
            points: (0..150)
                .filter_map(|d| {
                    let r = lcg(&mut seed) % 10;
                    // Silences: each person is quiet for a stretch.
                    let quiet = (d / 25) as usize % names.len() == i;
                    (!quiet && r < 6).then_some((start + d, (r * (i as u64 + 1)) as f64 + 1.0))
                })
                .collect(),
        })
        .collect()
}

fn calendar_sample(years: i32) -> Vec<(i64, u64)> {
    let start = day(2022 - years + 1, 1, 1);
    let end = day(2022, 12, 31);
    let mut seed = 11u64;
    (start..=end)
        .filter_map(|d| {
            let r = lcg(&mut seed) % 100;
            (r < 70).then_some((d, r * r / 50))
        })
        .collect()
}

fn people_sample() -> Vec<(String, u64)> {
    vec![
        ("王伟 (wxid_k3f9x0a1b2c3d4)".to_string(), 812),
        ("Сергей".to_string(), 640),
        ("darkfox".to_string(), 377),
        ("李娜".to_string(), 120),
        ("Алексей Смирнов".to_string(), 95),
        (
            "a-very-long-identifier-that-goes-on-and-on@jabber.example.org".to_string(),
            12,
        ),
    ]
}

fn all_charts() -> Vec<(&'static str, Chart)> {
    vec![
        (
            "topics",
            topics_over_time(
                &meta("话题 Topics over time"),
                "messages per day",
                &topic_series(),
            ),
        ),
        ("heatmap", heatmap(&meta("Hour × weekday"), &weekly_heat())),
        (
            "activity",
            activity(&meta("活跃度 Activity per person"), &lanes_sample()),
        ),
        (
            "calendar",
            calendar(&meta("Messages per day"), &calendar_sample(3)),
        ),
        (
            "people",
            people(&meta("Top senders 发言最多"), &people_sample()),
        ),
    ]
}

/// Writes every chart kind (and the big and empty cases) to /tmp/chatsift-charts for a look.
#[test]
#[ignore]
fn render_samples_to_tmp() {
    let dir = std::path::Path::new("/tmp/chatsift-charts");
    std::fs::create_dir_all(dir).unwrap();
    let mut charts = all_charts();
    charts.push(("empty", activity(&meta("Activity"), &[])));
    charts.push(("many_lanes", activity(&meta("Activity"), &thousand_lanes())));
    charts.push((
        "long_topics",
        topics_over_time(&meta("Topics"), "messages", &five_years_daily()),
    ));
    charts.push((
        "calendar_5y",
        calendar(&meta("Calendar"), &calendar_sample(5)),
    ));
    charts.push(("many_people", people(&meta("People"), &thousand_people())));
    for (name, c) in charts {
        c.write(&dir.join(format!("{name}.png"))).unwrap();
        c.write(&dir.join(format!("{name}.svg"))).unwrap();
    }
}

fn thousand_lanes() -> Vec<Series> {
    let start = day(2018, 1, 1);
    (0..1000)
        .map(|i| Series {
            label: format!("用户{i} user{i}"),
            points: (0..1826)
                .filter(|d| (d * 7 + i * 13) % 11 < 3)
                .map(|d| (start + d as i64, 1.0 + (d % 5) as f64))
                .collect(),
        })
        .collect()
}

fn five_years_daily() -> Vec<Series> {
    let start = day(2018, 1, 1);
    ["工资 pay", "Сергей"]
        .iter()
        .map(|l| Series {
            label: l.to_string(),
            points: (0..1826)
                .map(|d| (start + d, ((d % 17) + (d / 100)) as f64))
                .collect(),
        })
        .collect()
}

fn thousand_people() -> Vec<(String, u64)> {
    (0..1000)
        .map(|i| (format!("王{i} Сергей{i}"), (i * 37 % 1000) as u64))
        .collect()
}

fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let dec = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    assert_eq!(info.color_type, png::ColorType::Rgb);
    (info.width, info.height, buf)
}

fn svg(c: &Chart) -> String {
    String::from_utf8(c.render(ChartFormat::Svg).unwrap()).unwrap()
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The chart renders as a PNG.
fn assert_png(c: &Chart) {
    assert!(
        c.render(ChartFormat::Png)
            .unwrap()
            .starts_with(PNG_SIGNATURE)
    );
}

#[test]
fn every_chart_kind_renders_a_decodable_png_of_its_size_with_more_than_one_colour() {
    for (name, c) in all_charts() {
        let bytes = c.render(ChartFormat::Png).unwrap();
        assert!(bytes.starts_with(PNG_SIGNATURE), "{name}");
        let (w, h, px) = decode_png(&bytes);
        assert_eq!((w, h), c.size(), "{name}");
        assert_eq!(px.len(), w as usize * h as usize * 3);
        let first = &px[..3];
        assert!(px.chunks(3).any(|p| p != first), "{name} is one colour");
        // Something coloured (a bar, line or cell), not only grey text on white.
        assert!(
            px.chunks(3).any(|p| p[2] > p[0].saturating_add(60)),
            "{name} has no coloured marks"
        );
    }
}

#[test]
fn every_chart_kind_renders_svg_carrying_its_chinese_and_cyrillic_labels() {
    let expect: [(&str, &[&str]); 5] = [
        (
            "topics",
            &[
                "工资 pay",
                "Зарплата (ru)",
                "话题 Topics over time",
                "messages per day",
            ],
        ),
        ("heatmap", &["Mon", "Sun", "hour of day", "1,234"]),
        (
            "activity",
            &[
                "王伟 (wxid_k3f9x0a1b2c3d4)",
                "Сергей",
                "Алексей Смирнов",
                "2021-04",
            ],
        ),
        (
            "calendar",
            &["2020", "2022", "Jan", "Dec", "messages per day:"],
        ),
        (
            "people",
            &[
                "王伟 (wxid_k3f9x0a1b2c3d4)",
                "Сергей",
                "812",
                "Top senders 发言最多",
            ],
        ),
    ];
    for ((name, c), (kind, labels)) in all_charts().into_iter().zip(expect) {
        assert_eq!(name, kind);
        let s = svg(&c);
        assert!(s.starts_with("<?xml"), "{name}");
        assert!(s.ends_with("</svg>\n"), "{name}");
        assert!(
            s.contains("testdata/demo · 373 messages · Asia/Shanghai"),
            "{name}"
        );
        for l in labels {
            assert!(s.contains(&format!("<title>{l}</title>")), "{name}: {l}");
        }
    }
}

#[test]
fn svg_text_is_bundled_glyph_outlines_and_every_glyph_used_is_defined() {
    let s = svg(&people(&meta("Top senders"), &people_sample()));
    assert!(!s.contains("<text"));
    assert!(!s.contains("font-family"));
    let used: std::collections::BTreeSet<&str> = s
        .split("xlink:href=\"#")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .collect();
    assert!(used.len() > 20, "{}", used.len());
    for id in used {
        assert!(
            s.contains(&format!("<path id=\"{id}\" d=\"M")),
            "{id} undefined"
        );
    }
    // 王 is drawn with the bundled font's own outline.
    let f = font::font().unwrap();
    let wang = ab_glyph::Font::glyph_id(f, '王').0;
    assert!(s.contains(&format!("xlink:href=\"#g{wang}\"")));
}

#[test]
fn svg_escapes_markup_in_labels_and_drops_control_characters() {
    let m = Meta {
        title: "<script>alert(1)</script> & co".into(),
        subtitle: "tab\there\u{7}bell".into(),
        note: None,
    };
    let s = svg(&people(&m, &[("\"quoted\" <b>".to_string(), 3)]));
    assert!(!s.contains("<script>"));
    assert!(s.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
    assert!(s.contains("&quot;quoted&quot; &lt;b&gt;"));
    assert!(s.contains("tab here\u{FFFD}bell"));
    assert!(!s.contains('\u{7}'));
}

#[test]
fn empty_input_renders_a_no_messages_chart_in_both_formats() {
    let m = meta("Nothing");
    let empty = [
        topics_over_time(&m, "messages", &[]),
        topics_over_time(
            &m,
            "messages",
            &[Series {
                label: "pay".into(),
                points: vec![],
            }],
        ),
        heatmap(&m, &[[0; 24]; 7]),
        activity(&m, &[]),
        calendar(&m, &[]),
        calendar(&m, &[(day(2021, 1, 1), 0)]),
        people(&m, &[]),
        people(&m, &[("nobody".into(), 0)]),
    ];
    for c in empty {
        assert_eq!(c.size(), (WIDTH, HEIGHT));
        assert!(svg(&c).contains("<title>no messages</title>"));
        let (w, h, _) = decode_png(&c.render(ChartFormat::Png).unwrap());
        assert_eq!((w, h), (WIDTH, HEIGHT));
    }
}

#[test]
fn a_thousand_lanes_over_five_years_draw_forty_with_a_not_shown_note() {
    let c = activity(&meta("Activity"), &thousand_lanes());
    assert_eq!(
        c.notes(),
        [
            "960 more not shown (first 40 of 1,000 drawn)",
            "values summed per month"
        ]
    );
    let s = svg(&c);
    assert!(s.contains("960 more not shown (first 40 of 1,000 drawn)"));
    assert!(s.contains("<title>用户39 user39</title>"));
    assert!(!s.contains("<title>用户40 user40</title>"));
    let (w, h, _) = decode_png(&c.render(ChartFormat::Png).unwrap());
    assert_eq!(w, WIDTH);
    assert!((900..1100).contains(&h), "{h}");
}

#[test]
fn five_years_of_daily_points_are_summed_into_months_and_say_so() {
    let c = topics_over_time(&meta("Topics"), "messages", &five_years_daily());
    assert_eq!(c.notes(), ["values summed per month"]);
    let data::Body::Topics(l) = &c.body else {
        panic!("not a line chart");
    };
    assert_eq!(l.bucket, data::Bucket::Month);
    assert_eq!(l.series[0].1.len(), 60);
    // January 2018: days 0..31 of the sample, each (d % 17) + 0.
    let jan: f64 = (0..31).map(|d| (d % 17) as f64).sum();
    assert_eq!(l.series[0].1[0], (day(2018, 1, 1), jan));
    assert!(svg(&c).contains("Note: values summed per month"));
    assert_png(&c);
}

#[test]
fn a_year_of_daily_points_is_summed_into_weeks_starting_monday() {
    let start = day(2021, 1, 4); // a Monday
    let s = Series {
        label: "pay".into(),
        points: (0..365).map(|d| (start + d, 1.0)).collect(),
    };
    let c = topics_over_time(&meta("Topics"), "messages", &[s]);
    let data::Body::Topics(l) = &c.body else {
        panic!("not a line chart");
    };
    assert_eq!(l.bucket, data::Bucket::Week);
    assert_eq!(l.series[0].1[0], (start, 7.0));
    assert_eq!(l.series[0].1.len(), 53);
    assert_eq!(c.notes(), ["values summed per week (Monday to Sunday)"]);
}

#[test]
fn more_than_ten_topics_draw_ten_and_note_the_rest() {
    let many: Vec<Series> = (0..13)
        .map(|i| Series {
            label: format!("topic {i}"),
            points: vec![(day(2021, 1, 1), 1.0)],
        })
        .collect();
    let c = topics_over_time(&meta("Topics"), "messages", &many);
    assert_eq!(c.notes(), ["3 more series not shown"]);
    let s = svg(&c);
    assert!(s.contains("<title>topic 9</title>"));
    assert!(!s.contains("<title>topic 10</title>"));
}

#[test]
fn calendar_keeps_the_ten_most_recent_years_and_notes_the_rest() {
    let days: Vec<(i64, u64)> = (2010..=2022).map(|y| (day(y, 6, 1), 5)).collect();
    let c = calendar(&meta("Calendar"), &days);
    assert_eq!(
        c.notes(),
        ["3 earlier years not shown (3 days with messages)"]
    );
    let data::Body::Calendar(cal) = &c.body else {
        panic!("not a calendar");
    };
    assert_eq!(cal.years, (2013..=2022).collect::<Vec<_>>());
    let s = svg(&c);
    assert!(s.contains("<title>2013</title>"));
    assert!(!s.contains("<title>2012</title>"));
}

#[test]
fn calendar_levels_are_quartiles_of_days_with_messages() {
    let days: Vec<(i64, u64)> = (1..=8).map(|i| (day(2021, 3, i), u64::from(i))).collect();
    let (body, _) = data::calendar(&days);
    let data::Body::Calendar(cal) = body else {
        panic!("not a calendar");
    };
    assert_eq!(cal.levels, [3, 5, 7, 8]);
    assert_eq!(
        [0, 1, 3, 4, 5, 7, 8, 9].map(|v| cal.level(v)),
        [0, 1, 1, 2, 2, 3, 4, 4]
    );
}

#[test]
fn people_are_drawn_largest_first_capped_at_forty_with_a_note() {
    let c = people(&meta("People"), &thousand_people());
    // Person 0 has no messages and is not counted.
    assert_eq!(c.notes(), ["959 more not shown (top 40 of 999 drawn)"]);
    let data::Body::People(bars) = &c.body else {
        panic!("not a bar chart");
    };
    assert_eq!(bars.len(), MAX_LANES);
    assert_eq!(bars[0].1, 999);
    assert!(bars.windows(2).all(|w| w[0].1 >= w[1].1));
    assert_png(&c);
}

#[test]
fn the_callers_note_comes_first_then_what_the_chart_left_out() {
    let m = Meta {
        note: Some("top 1,000 of 1,200 people".into()),
        ..meta("Activity")
    };
    let c = activity(&m, &thousand_lanes());
    assert_eq!(c.notes()[0], "top 1,000 of 1,200 people");
    assert_eq!(c.notes()[1], "960 more not shown (first 40 of 1,000 drawn)");
    assert!(svg(&c).contains(
        "Note: top 1,000 of 1,200 people · 960 more not shown (first 40 of 1,000 drawn)"
    ));
}

#[test]
fn hostile_values_and_dates_render_and_are_noted_not_panicked_on() {
    let s = Series {
        label: "x".repeat(100_000) + "\n\u{0}\u{202e}",
        points: vec![
            (i64::MIN, 1.0),
            (i64::MAX, 1.0),
            (day(2021, 1, 1), f64::NAN),
            (day(2021, 1, 2), f64::INFINITY),
            (day(2021, 1, 3), -5.0),
            (day(2021, 1, 4), 1e300),
        ],
    };
    let m = Meta {
        title: "\u{0}".repeat(10),
        ..meta("hostile")
    };
    let charts = [
        topics_over_time(&m, "", std::slice::from_ref(&s)),
        activity(&m, std::slice::from_ref(&s)),
        calendar(
            &m,
            &[
                (i64::MIN, u64::MAX),
                (day(2021, 1, 1), u64::MAX),
                (day(2021, 1, 1), 7),
            ],
        ),
        people(&m, &[(s.label.clone(), u64::MAX), ("b".into(), 1)]),
        heatmap(&m, &[[u64::MAX; 24]; 7]),
    ];
    assert_eq!(
        charts[0].notes(),
        ["4 points with no value or a date outside years 1–9999 ignored"]
    );
    for c in &charts {
        c.render(ChartFormat::Svg).unwrap();
        c.render(ChartFormat::Png).unwrap();
    }
}

#[test]
fn format_comes_from_the_extension_in_any_case() {
    assert_eq!(
        ChartFormat::from_path(Path::new("a/b.PNG")).unwrap(),
        ChartFormat::Png
    );
    assert_eq!(
        ChartFormat::from_path(Path::new("b.svg")).unwrap(),
        ChartFormat::Svg
    );
    for bad in ["b.jpg", "b", "png", "b.png.txt"] {
        assert!(matches!(
            ChartFormat::from_path(Path::new(bad)),
            Err(ChartError::UnknownFormat { .. })
        ));
    }
}

#[test]
fn write_puts_the_rendered_bytes_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let c = heatmap(&meta("Hour × weekday"), &weekly_heat());
    let p = dir.path().join("heat.svg");
    c.write(&p).unwrap();
    assert_eq!(
        std::fs::read(&p).unwrap(),
        c.render(ChartFormat::Svg).unwrap()
    );
    let p = dir.path().join("heat.png");
    c.write(&p).unwrap();
    assert_eq!(decode_png(&std::fs::read(&p).unwrap()).0, WIDTH);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn write_to_an_unwritable_path_fails_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let c = people(&meta("People"), &people_sample());
    let missing = dir.path().join("no-such-dir").join("people.png");
    assert!(matches!(c.write(&missing), Err(ChartError::Io { .. })));
    assert!(!missing.exists());
    let wrong = dir.path().join("people.jpg");
    assert!(matches!(
        c.write(&wrong),
        Err(ChartError::UnknownFormat { .. })
    ));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn bucket_starts_weeks_on_monday_months_on_the_first_and_years_on_january_first() {
    use data::Bucket;
    let wed = day(2021, 6, 2);
    assert_eq!(Bucket::Day.start(wed), wed);
    assert_eq!(Bucket::Week.start(wed), day(2021, 5, 31));
    assert_eq!(Bucket::Month.start(wed), day(2021, 6, 1));
    assert_eq!(Bucket::Year.start(wed), day(2021, 1, 1));
    assert_eq!(Bucket::Month.next(day(2021, 12, 1)), day(2022, 1, 1));
    assert_eq!(Bucket::Week.next(day(2021, 5, 31)), day(2021, 6, 7));
}

#[test]
fn rate_lines_break_at_buckets_without_messages_instead_of_bridging_them() {
    use data::Bucket;
    let pts = [
        (day(2021, 1, 1), 1.0),
        (day(2021, 2, 1), 2.0),
        (day(2021, 3, 1), 3.0),
        (day(2021, 11, 1), 4.0),
        (day(2023, 10, 1), 5.0),
        (day(2023, 11, 1), 6.0),
    ];
    let runs: Vec<usize> = data::runs(&pts, Some(Bucket::Month))
        .iter()
        .map(|r| r.len())
        .collect();
    assert_eq!(runs, [3, 1, 2]);
    assert_eq!(data::runs(&pts, None).len(), 1);
    assert!(data::runs(&[], Some(Bucket::Week)).is_empty());
    // The monthly rate chart carries its step, so the drawn lines break there.
    let series = [Series {
        label: "pay".into(),
        points: pts.to_vec(),
    }];
    let c = rates_over_time(
        &Meta::default(),
        "per 1,000",
        &series,
        "messages",
        &["21".into()],
        Some(crate::analysis::timeline::Bucket::Month),
    );
    let data::Body::Topics(l) = &c.body else {
        panic!("not a line chart")
    };
    assert_eq!(l.gaps, Some(Bucket::Month));
    assert_eq!(data::runs(&l.series[0].1, l.gaps).len(), 3);
}

#[test]
fn date_ticks_land_on_calendar_boundaries_within_the_range() {
    let t = data::date_ticks(day(2021, 1, 15), day(2021, 12, 20), 8);
    assert_eq!(
        t.first().unwrap(),
        &(day(2021, 3, 1), "2021-03".to_string())
    );
    assert!(
        t.iter()
            .all(|(d, _)| *d >= day(2021, 1, 15) && *d <= day(2021, 12, 20))
    );
    assert!(t.len() <= 8);
    let t = data::date_ticks(day(2018, 1, 1), day(2023, 1, 1), 8);
    assert_eq!(
        t.iter().map(|x| x.1.as_str()).collect::<Vec<_>>(),
        ["2018", "2019", "2020", "2021", "2022", "2023"]
    );
    let t = data::date_ticks(day(2021, 6, 1), day(2021, 6, 5), 8);
    assert_eq!(t.len(), 5);
    assert_eq!(t[0].1, "2021-06-01");
}

#[test]
fn numbers_are_written_with_thousands_separators() {
    assert_eq!(crate::text::thousands(0), "0");
    assert_eq!(crate::text::thousands(1_234_567), "1,234,567");
    assert_eq!(data::compact(12_345), "12.3k");
    assert_eq!(data::value(2.0), "2");
    assert_eq!(data::value(-1500.0), "-1,500");
    assert_eq!(data::value(0.126), "0.13");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
    #[test]
    fn random_series_render_as_svg_without_panicking(
        pts in proptest::collection::vec((proptest::prelude::any::<i64>(), proptest::prelude::any::<f64>()), 0..50),
        near in proptest::collection::vec((0i64..4000, 0u64..1000), 0..50),
        label in ".{0,40}",
    ) {
        let m = meta(&label);
        let mut all = pts.clone();
        all.extend(near.iter().map(|&(d, v)| (d + 17_000, v as f64)));
        let s = Series { label: label.clone(), points: all };
        topics_over_time(&m, &label, std::slice::from_ref(&s)).render(ChartFormat::Svg).unwrap();
        activity(&m, std::slice::from_ref(&s)).render(ChartFormat::Svg).unwrap();
        let days: Vec<(i64, u64)> = near.iter().map(|&(d, v)| (d + 17_000, v)).collect();
        calendar(&m, &days).render(ChartFormat::Svg).unwrap();
        people(&m, &[(label.clone(), near.len() as u64)]).render(ChartFormat::Svg).unwrap();
    }
}

#[test]
fn write_over_a_directory_fails_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("x.png");
    std::fs::create_dir(&target).unwrap();
    let c = people(&meta("People"), &people_sample());
    assert!(matches!(c.write(&target), Err(ChartError::Io { .. })));
    assert!(target.is_dir());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
