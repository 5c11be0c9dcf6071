//! Quality of the built-in topic lexicon against hand-labelled messages.
//!
//! Two kinds of labelled sets live in `testdata/topics/`:
//!
//! - **Real messages** (`real_zh.jsonl`, i-SOON chats; `real_ru.jsonl`, Conti chats), labelled
//!   by meaning following `docs/TOPICS.md`, one JSON object per line: `{"id", "split": "tune" |
//!   "heldout", "text", "topics": [..], "note", "source": {"repo", "file", "row"}}`. The split
//!   was drawn at random before any message was compared with the lexicon. The **tune** half
//!   is held to [`GUARDS`] (what the lexicon reached, so it cannot silently get worse) and
//!   compared with issue 12's [`TARGETS`], printed as met or not; the **held-out** half is only printed, so nobody
//!   tunes the lexicon to it: its table is the lexicon's honest quality. Until a file exists,
//!   its checks are skipped with a printed note.
//! - **Invented unit examples** (`labelled.jsonl`, `heldout.jsonl`), written in the tone of the
//!   leaks by the same hand as the lexicon. They guard the documented behaviour; their scores
//!   say little about quality on real chats.
//!
//! `cargo test --release --test topics_quality -- --nocapture` prints the tables (set
//! `TOPICS_MISTAKES=1` to list every false positive and negative with the cues that fired).
//! `TOPICS_WRITE_QUALITY=1` also writes the held-out tables to `src/lexicon/quality.json`,
//! which the README and the report quote next to each topic.

use chatsift::analysis::topic_eval::{self, Evaluation, Labelled};
use chatsift::analysis::topics::{Lexicon, TopicMatcher};

/// A precision (and recall) pair for one topic of one real set.
struct Floor {
    /// The labelled set: `testdata/topics/real_<set>.jsonl`.
    set: &'static str,
    topic: &'static str,
    /// Least precision on the tune half.
    precision: f64,
    /// Least recall on the tune half (`None`: not asked for).
    recall: Option<f64>,
}

/// THE TARGETS of issue 12 on the tune half. Not all are reached yet: the test prints which
/// are met and which are not, so the gap stays visible; the README gives the held-out table.
const TARGETS: &[Floor] = &[
    Floor {
        set: "zh",
        topic: "pay",
        precision: 0.90,
        recall: Some(0.75),
    },
    Floor {
        set: "zh",
        topic: "workload",
        precision: 0.90,
        recall: Some(0.75),
    },
    Floor {
        set: "zh",
        topic: "quitting",
        precision: 0.90,
        recall: Some(0.75),
    },
    Floor {
        set: "zh",
        topic: "clients",
        precision: 0.90,
        recall: Some(0.75),
    },
    Floor {
        set: "ru",
        topic: "pay",
        precision: 0.85,
        recall: None,
    },
    Floor {
        set: "ru",
        topic: "workload",
        precision: 0.85,
        recall: None,
    },
    Floor {
        set: "ru",
        topic: "quitting",
        precision: 0.85,
        recall: None,
    },
    Floor {
        set: "ru",
        topic: "clients",
        precision: 0.85,
        recall: None,
    },
];

/// What the built-in lexicon reached on the tune half when these sets were labelled, less
/// 0.05: asserted, so a lexicon change cannot lose measured quality unnoticed. Raise these as
/// the lexicon improves, towards [`TARGETS`].
const GUARDS: &[Floor] = &[
    Floor {
        set: "zh",
        topic: "pay",
        precision: 0.87,
        recall: Some(0.70),
    },
    Floor {
        set: "zh",
        topic: "workload",
        precision: 0.77,
        recall: Some(0.77),
    },
    Floor {
        set: "zh",
        topic: "quitting",
        precision: 0.94,
        recall: Some(0.75),
    },
    Floor {
        set: "zh",
        topic: "clients",
        precision: 0.79,
        recall: Some(0.69),
    },
    Floor {
        set: "ru",
        topic: "pay",
        precision: 0.86,
        recall: Some(0.76),
    },
    Floor {
        set: "ru",
        topic: "workload",
        precision: 0.95,
        recall: Some(0.73),
    },
    Floor {
        set: "ru",
        topic: "quitting",
        precision: 0.95,
        recall: Some(0.57),
    },
    Floor {
        set: "ru",
        topic: "clients",
        precision: 0.74,
        recall: Some(0.39),
    },
];

/// The real sets, in the order their tables are printed and shipped.
const REAL_SETS: [&str; 2] = ["zh", "ru"];

fn path(name: &str) -> String {
    format!("{}/testdata/topics/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn matcher() -> TopicMatcher {
    TopicMatcher::new(&Lexicon::builtin()).expect("built-in lexicon compiles")
}

/// The labelled messages of `name`, or `None` when the file does not exist.
fn load(name: &str) -> Option<Vec<Labelled>> {
    let p = path(name);
    let text = match std::fs::read_to_string(&p) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("{p}: {e}"),
    };
    Some(topic_eval::read_jsonl(&text).unwrap_or_else(|e| panic!("{p}: {e}")))
}

/// Evaluates the built-in lexicon on `set`, printing the table (and the mistakes when
/// `TOPICS_MISTAKES` is set).
fn measure(title: &str, m: &TopicMatcher, set: &[Labelled]) -> Evaluation {
    let e = topic_eval::evaluate(m, set).unwrap_or_else(|e| panic!("{title}: {e}"));
    println!("{title}: {} messages", e.messages);
    print!("{}", topic_eval::table(&e));
    if std::env::var_os("TOPICS_MISTAKES").is_some() {
        for k in &e.mistakes {
            let msg = &set[k.message];
            let why = topic_eval::describe(m, &m.explain(&msg.text));
            println!(
                "{} {:<10} {} ({}) {}\n    why: {why}",
                if k.false_positive { "FP" } else { "FN" },
                m.ids()[k.topic],
                msg.id,
                msg.source,
                msg.text.replace('\n', " ")
            );
        }
    }
    println!();
    e
}

fn split(set: &[Labelled], name: &str) -> Vec<Labelled> {
    set.iter()
        .filter(|m| m.split.as_deref() == Some(name))
        .cloned()
        .collect()
}

#[test]
fn builtin_lexicon_keeps_its_measured_quality_on_the_tune_half_of_real_messages() {
    let m = matcher();
    for set in REAL_SETS {
        let name = format!("real_{set}.jsonl");
        let Some(all) = load(&name) else {
            println!("NOTE: {name} does not exist yet; its floors are not checked");
            continue;
        };
        let tune = split(&all, "tune");
        assert!(!tune.is_empty(), "{name} has no tune half");
        let e = measure(&format!("{name} tune half"), &m, &tune);
        let value = |topic: &str| {
            let t = e
                .topics
                .iter()
                .find(|t| t.id == topic)
                .unwrap_or_else(|| panic!("no topic {topic}"));
            (
                t.precision.map_or(0.0, |x| x.value),
                t.recall.map_or(0.0, |x| x.value),
            )
        };
        for f in TARGETS.iter().filter(|f| f.set == set) {
            let (p, r) = value(f.topic);
            let met = p >= f.precision && f.recall.is_none_or(|floor| r >= floor);
            println!(
                "target {set} {:<9} precision {p:.2} (target {:.2}), recall {r:.2}{}: {}",
                f.topic,
                f.precision,
                f.recall
                    .map_or(String::new(), |x| format!(" (target {x:.2})")),
                if met { "met" } else { "NOT MET" }
            );
        }
        let mut failures = Vec::new();
        for f in GUARDS.iter().filter(|f| f.set == set) {
            let (p, r) = value(f.topic);
            if p < f.precision {
                failures.push(format!(
                    "{set} {} precision {p:.3} < {}",
                    f.topic, f.precision
                ));
            }
            if let Some(floor) = f.recall
                && r < floor
            {
                failures.push(format!("{set} {} recall {r:.3} < {floor}", f.topic));
            }
        }
        assert!(failures.is_empty(), "below the guards: {failures:#?}");
    }
}

#[test]
fn builtin_lexicon_is_measured_on_the_held_out_half_of_real_messages() {
    let m = matcher();
    let mut shipped = Vec::new();
    for set in REAL_SETS {
        let name = format!("real_{set}.jsonl");
        let Some(all) = load(&name) else {
            println!("NOTE: {name} does not exist yet; no held-out table");
            continue;
        };
        for msg in &all {
            assert!(
                matches!(msg.split.as_deref(), Some("tune" | "heldout")),
                "{name}: message {} has split {:?} (tune or heldout)",
                msg.id,
                msg.split
            );
        }
        let held = split(&all, "heldout");
        let e = measure(&format!("{name} HELD-OUT half (not tuned on)"), &m, &held);
        shipped.extend(topic_eval::shipped(set, &e));
    }
    if std::env::var_os("TOPICS_WRITE_QUALITY").is_some() {
        let p = format!("{}/src/lexicon/quality.json", env!("CARGO_MANIFEST_DIR"));
        let mut text = serde_json::to_string_pretty(&shipped).unwrap();
        text.push('\n');
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{p}: {e}"));
        println!("wrote {p}");
    }
}

#[test]
fn shipped_quality_names_known_topics_and_valid_intervals() {
    let ids: Vec<String> = matcher().ids().to_vec();
    for q in topic_eval::builtin_quality() {
        assert!(
            ids.contains(&q.topic),
            "quality.json names unknown topic {}",
            q.topic
        );
        for [v, lo, hi] in [q.precision, q.recall].into_iter().flatten() {
            assert!(
                (0.0..=1.0).contains(&v) && lo <= v && v <= hi && hi <= 1.0,
                "{q:?}"
            );
        }
    }
}

/// The invented examples: unit checks of the documented behaviour, not a quality measure.
#[test]
fn builtin_lexicon_catches_the_invented_unit_examples() {
    let m = matcher();
    let set = load("labelled.jsonl").expect("labelled.jsonl");
    let e = measure("labelled.jsonl (invented unit examples)", &m, &set);
    for t in &e.topics {
        assert!(t.labelled >= 10, "topic {} has too little support", t.id);
        if t.id == "pay" || t.id == "workload" {
            let (p, r) = (t.precision.unwrap().value, t.recall.unwrap().value);
            assert!(p >= 0.9, "{} precision {p:.3}", t.id);
            assert!(r >= 0.9, "{} recall {r:.3}", t.id);
        }
    }
    let held = load("heldout.jsonl").expect("heldout.jsonl");
    assert!(held.len() >= 80, "too few invented held-out messages");
    let e = measure("heldout.jsonl (invented)", &m, &held);
    assert!(
        e.topics.iter().all(|t| t.labelled >= 5),
        "a topic has too little support"
    );
}
