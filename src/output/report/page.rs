//! `index.html`: one self-contained page (charts inlined as `data:` PNGs, no scripts, no
//! requests; everything from the input escaped) with the summary, the charts, the top
//! people and topics with example messages, the files and the problems. One function per
//! section, each over what [`crate::analysis::bundle::Bundle`] computed.

use super::Outputs;
use crate::analysis::timeline::Instant;
use crate::analysis::tzhint::{MIN_MESSAGES, ZoneEvidence};
use crate::model::Kind;
use crate::output::html::{Cell, Page};
use crate::output::shown_inputs;
use crate::output::table::local_stamp;
use crate::text::thousands;
use std::borrow::Cow;

/// How many files and problems the page lists (all are in the CSVs).
const FILES_SHOWN: usize = 500;
const PROBLEMS_SHOWN: usize = 200;

fn stamp(t: &Instant) -> String {
    String::from_utf8(local_stamp(t)).unwrap_or_default()
}

/// The summary's zone hint line.
fn zone_fact(zones: &ZoneEvidence) -> String {
    let all = zones.total();
    match all.hint() {
        Some(h) => h.describe(),
        None => format!(
            "too few messages ({}; a hint needs {})",
            thousands(all.total()),
            thousands(MIN_MESSAGES)
        ),
    }
}

impl Outputs<'_> {
    /// The whole page.
    pub(super) fn page(&self, pngs: &[Vec<u8>]) -> String {
        let mut p = Page::new();
        self.summary(&mut p);
        self.charts(&mut p, pngs);
        self.people(&mut p);
        self.topics(&mut p);
        self.files(&mut p);
        self.problems(&mut p);
        self.outputs(&mut p);
        let people = self.acc.overview.timeline.people_by_activity();
        let sub = format!(
            "{} · {} messages · {} people · {}",
            shown_inputs(&self.settings.inputs).join(", "),
            thousands(self.report.messages()),
            thousands(people.len() as u64),
            self.settings.tz_name
        );
        p.finish(
            &self.settings.title,
            &sub,
            &[
                ("summary", "Summary"),
                ("charts", "Charts"),
                ("people", "People"),
                ("topics", "Topics"),
                ("files", "Files"),
                ("problems", "Problems"),
                ("outputs", "Outputs"),
            ],
        )
    }

    fn summary(&self, p: &mut Page) {
        let (acc, report) = (self.acc, self.report);
        // Summary.
        p.section("summary", "Summary");
        let people = acc.overview.timeline.people_by_activity();
        let (first, last) = acc.first_last();
        let skipped = report.files.len() - report.files_read();
        let kinds: Vec<String> = Kind::ALL
            .iter()
            .zip(self.kinds)
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{} {}", thousands(n), k.as_str()))
            .collect();
        let mut facts = vec![
            ("Inputs", shown_inputs(&self.settings.inputs).join(", ")),
            (
                "Files",
                format!(
                    "{} read, {} skipped (not chats, empty or unreadable), {} unreadable paths",
                    thousands(report.files_read() as u64),
                    thousands(skipped as u64),
                    thousands(report.walk_problems.len() as u64)
                ),
            ),
            (
                "Messages",
                format!(
                    "{} read; {} kept after filters ({})",
                    thousands(report.messages()),
                    thousands(self.kinds.iter().sum()),
                    if kinds.is_empty() {
                        "none".into()
                    } else {
                        kinds.join(", ")
                    }
                ),
            ),
            (
                "Counted in charts",
                format!(
                    "{} messages{}",
                    thousands(acc.overview.activity.total()),
                    if self.include_system {
                        ", system rows included"
                    } else {
                        " (system rows left out; --include-system counts them)"
                    }
                ),
            ),
            ("People", thousands(people.len() as u64)),
            (
                "First and last message",
                match (first, last) {
                    (Some(f), Some(l)) => format!("{} … {}", stamp(&f), stamp(&l)),
                    _ => "none".into(),
                },
            ),
            ("Zone of times and charts", self.settings.tz_name.clone()),
            (
                "Zone hint (offset whose hours look most like a day)",
                zone_fact(&acc.zones),
            ),
            (
                "Problems",
                format!(
                    "{} (malformed records were skipped and are listed below and in problems.csv)",
                    thousands(report.problem_count())
                ),
            ),
        ];
        if let Some(w) =
            super::zone_warning(acc.zones.total().hint().as_ref(), self.settings.tz_given)
        {
            facts.push(("Warning", w));
        }
        if acc.people.out_of_order() > 0 {
            facts.push((
                    "Out of order",
                    format!(
                        "{} messages older than the one before them in their conversation (not counted as replies)",
                        thousands(acc.people.out_of_order())
                    ),
                ));
        }
        p.facts(&facts);
    }

    fn charts(&self, p: &mut Page, pngs: &[Vec<u8>]) {
        // Charts.
        p.section("charts", "Charts");
        for ((_, stem, caption), png) in super::CHARTS.iter().zip(pngs) {
            let (png_name, svg_name) = (format!("{stem}.png"), format!("{stem}.svg"));
            p.figure(
                stem,
                png,
                caption,
                &[("PNG", png_name.as_str()), ("SVG", svg_name.as_str())],
            );
        }
    }

    fn people(&self, p: &mut Page) {
        let acc = self.acc;
        // People.
        p.section("people", "Top people");
        let rows = acc.people.rows();
        let shown = self.settings.top.max(1);
        let table: Vec<Vec<Cell<'_>>> = rows
            .iter()
            .take(shown)
            .map(|(name, s)| {
                let mut ids: Vec<&str> = s.ids.keys().map(String::as_str).collect();
                ids.sort_unstable();
                let share = |n: u64| format!("{:.0}%", n as f64 * 100.0 / s.messages.max(1) as f64);
                let top: Vec<String> = s
                    .top_correspondents(3)
                    .into_iter()
                    .map(|(c, n)| format!("{c} ({n})"))
                    .collect();
                vec![
                    Cell::Text(Cow::Borrowed(*name)),
                    Cell::Code(Cow::Owned(ids.join(", "))),
                    Cell::Num(thousands(s.messages)),
                    Cell::Text(Cow::Owned(s.first.map(|t| stamp(&t)).unwrap_or_default())),
                    Cell::Text(Cow::Owned(s.last.map(|t| stamp(&t)).unwrap_or_default())),
                    Cell::Num(s.active_days().to_string()),
                    Cell::Num(share(s.after_hours)),
                    Cell::Num(share(s.weekend)),
                    Cell::Num(
                        s.busiest_hour()
                            .map(|h| format!("{h:02}:00"))
                            .unwrap_or_default(),
                    ),
                    Cell::Text(Cow::Owned(top.join("; "))),
                ]
            })
            .collect();
        p.table(
            "people",
            &[
                "person",
                "ids",
                "messages",
                "first",
                "last",
                "active days",
                "after hours",
                "weekend",
                "busiest hour",
                "writes most to",
            ],
            &table,
        );
        if rows.len() > shown {
            p.note(&format!(
                "Top {shown} of {} people by messages; all are in people.csv.",
                thousands(rows.len() as u64)
            ));
        }
    }

    fn topics(&self, p: &mut Page) {
        let (acc, report) = (self.acc, self.report);
        // Topics.
        p.section("topics", "Topics");
        let total = acc.topic_total();
        p.note(&format!(
                "Messages matching each topic of the lexicon, of {} messages (system and encrypted rows never match). Examples are the first matches in input order, for checking what the lexicon caught.",
                thousands(total)
            ));
        let order = acc.topic_ranking();
        let topic_rows: Vec<Vec<Cell<'_>>> = order
            .iter()
            .map(|&(t, hits)| {
                let who: Vec<String> = acc
                    .topic_voices(t, 3)
                    .iter()
                    .map(|(p, n)| format!("{p} ({n})"))
                    .collect();
                vec![
                    Cell::Code(Cow::Borrowed(self.matcher.ids()[t].as_str())),
                    Cell::Text(Cow::Borrowed(self.matcher.labels()[t].as_str())),
                    Cell::Num(thousands(hits)),
                    Cell::Num(format!("{:.1}", hits as f64 * 1000.0 / total.max(1) as f64)),
                    Cell::Text(Cow::Owned(who.join("; "))),
                ]
            })
            .collect();
        p.table(
            "topics",
            &["topic", "label", "messages", "per 1,000", "voiced most by"],
            &topic_rows,
        );
        // How far to trust each line: the built-in lexicon's measured held-out quality.
        if self.settings.builtin_lexicon {
            for &(t, _) in &order {
                let id = self.matcher.ids()[t].as_str();
                if let Some(q) = crate::analysis::topic_eval::quality_note(id) {
                    p.note(&format!("{id}: {q}"));
                }
            }
        }
        for &(t, hits) in &order {
            if hits == 0 {
                continue;
            }
            p.para(&format!(
                "{} ({}): examples",
                self.matcher.ids()[t],
                self.matcher.labels()[t]
            ));
            for e in acc.trend.examples(t) {
                let source = e.source.as_deref().unwrap_or_else(|| report.path(e.file));
                p.quote(
                    &e.person,
                    &stamp(&e.time),
                    &format!("{source}:{}", e.line),
                    &e.body,
                );
            }
        }
    }

    fn files(&self, p: &mut Page) {
        let report = self.report;
        // Files and problems.
        p.section("files", "Files");
        let file_rows: Vec<Vec<Cell<'_>>> = report
            .files
            .iter()
            .take(FILES_SHOWN)
            .map(|f| {
                vec![
                    Cell::Code(Cow::Borrowed(f.path.as_str())),
                    Cell::Text(Cow::Borrowed(f.format.unwrap_or("—"))),
                    Cell::Num(thousands(f.messages)),
                    Cell::Num(thousands(f.problems)),
                    Cell::Text(Cow::Owned(
                        f.skipped
                            .clone()
                            .or_else(|| f.note.clone())
                            .unwrap_or_default(),
                    )),
                ]
            })
            .collect();
        p.table(
            "files",
            &["file", "format", "messages", "problems", "note"],
            &file_rows,
        );
        if report.files.len() > FILES_SHOWN {
            p.note(&format!(
                "First 500 of {} files; all are in files.csv.",
                thousands(report.files.len() as u64)
            ));
        }
    }

    fn problems(&self, p: &mut Page) {
        let report = self.report;
        p.section("problems", "Problems");
        if report.problems.is_empty() && report.walk_problems.is_empty() {
            p.para("None: every record was read.");
        } else {
            let prob_rows: Vec<Vec<Cell<'_>>> = report
                .walk_problems
                .iter()
                .map(|w| {
                    vec![
                        Cell::Code(Cow::Borrowed(w.path.as_str())),
                        Cell::Num(String::new()),
                        Cell::Text(Cow::Borrowed(w.what.as_str())),
                    ]
                })
                .chain(report.problems.iter().take(PROBLEMS_SHOWN).map(|pr| {
                    vec![
                        Cell::Code(Cow::Borrowed(report.path(pr.loc.file))),
                        Cell::Num(pr.loc.line.to_string()),
                        Cell::Text(Cow::Borrowed(pr.what.as_str())),
                    ]
                }))
                .collect();
            p.table("problems", &["file", "line", "problem"], &prob_rows);
            if report.problems.len() > PROBLEMS_SHOWN {
                p.note(&format!(
                    "First 200 of {} problems; all kept ones are in problems.csv.",
                    thousands(report.problem_count())
                ));
            }
        }
    }

    fn outputs(&self, p: &mut Page) {
        // The files beside the page.
        p.section("outputs", "Files in this report");
        let mut files: Vec<(&str, &str)> = Vec::new();
        if self.settings.messages {
            files.push((
                "messages.csv",
                "every message, sorted by time (the `messages --to csv` stream)",
            ));
        }
        files.extend([
            ("timeline.csv", "messages per person and bucket"),
            ("people.csv", "one row per person"),
            ("topics.csv", "topic counts and rates per bucket"),
            ("edges.csv", "who writes to whom (rooms as nodes)"),
            ("graph.gexf", "the same graph for Gephi"),
            ("files.csv", "every input: format, counts, why skipped"),
            ("problems.csv", "every kept problem with file and line"),
        ]);
        p.files(&files);
    }
}
