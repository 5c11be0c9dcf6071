//! Quality of the built-in topic lexicon against hand-labelled messages.
//!
//! `testdata/topics/labelled.jsonl` holds invented messages in the tone of leaked contractor
//! and ransomware chats, each labelled by hand with the topics it is about (not with what the
//! lexicon matches). This test computes per-topic precision and recall of the built-in
//! lexicon, prints them (`cargo test --test topics_quality -- --nocapture`; set
//! `TOPICS_MISTAKES=1` to list every false positive and negative), and holds the central
//! topics to a floor.
//!
//! `testdata/topics/heldout.jsonl` was written and labelled after the lexicon had been tuned
//! on `labelled.jsonl`, and the lexicon was not changed after measuring it: its table is the
//! honest estimate of how the lexicon does on unseen messages. It is printed, not asserted,
//! so that nobody tunes the lexicon to it; add new tuning examples to `labelled.jsonl`.

use chatsift::analysis::topics::{Lexicon, TopicMatcher};
use chatsift::model::Kind;
use serde::Deserialize;

#[derive(Deserialize)]
struct Labelled {
    body: String,
    topics: Vec<String>,
}

/// Per-topic counts: true positives, false positives, false negatives.
#[derive(Clone, Copy, Default)]
struct Counts {
    tp: u32,
    fp: u32,
    fn_: u32,
}

impl Counts {
    fn precision(self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
}

/// `num / den`, and 1 when there is nothing to measure.
fn ratio(num: u32, den: u32) -> f64 {
    if den == 0 {
        1.0
    } else {
        f64::from(num) / f64::from(den)
    }
}

fn load(name: &str) -> Vec<Labelled> {
    let path = format!("{}/testdata/topics/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}:{}: {e}", i + 1)))
        .collect()
}

/// Per-topic counts of the built-in lexicon over the messages of `name`, with the mistakes.
fn evaluate(name: &str) -> (TopicMatcher, Vec<Counts>, Vec<String>) {
    let matcher = TopicMatcher::new(&Lexicon::builtin()).expect("built-in lexicon compiles");
    let ids = matcher.ids().to_vec();
    let mut counts = vec![Counts::default(); ids.len()];
    let mut mistakes = Vec::new();
    for m in load(name) {
        for t in &m.topics {
            assert!(
                ids.contains(t),
                "unknown topic {t:?} in label of {:?}",
                m.body
            );
        }
        let got = matcher.matches(&m.body, Kind::Message);
        for (i, id) in ids.iter().enumerate() {
            let want = m.topics.contains(id);
            match (want, got.contains(i)) {
                (true, true) => counts[i].tp += 1,
                (false, true) => {
                    counts[i].fp += 1;
                    mistakes.push(format!("FP {id:<10} {}", m.body));
                }
                (true, false) => {
                    counts[i].fn_ += 1;
                    mistakes.push(format!("FN {id:<10} {}", m.body));
                }
                (false, false) => {}
            }
        }
    }
    (matcher, counts, mistakes)
}

/// Prints the per-topic table (and the mistakes when `TOPICS_MISTAKES` is set).
fn report(name: &str, matcher: &TopicMatcher, counts: &[Counts], mistakes: &[String]) {
    println!("{name}");
    println!(
        "{:<11} {:>9} {:>7} {:>8}",
        "topic", "precision", "recall", "support"
    );
    for (id, c) in matcher.ids().iter().zip(counts) {
        println!(
            "{id:<11} {:>9.3} {:>7.3} {:>8}",
            c.precision(),
            c.recall(),
            c.tp + c.fn_
        );
    }
    if std::env::var_os("TOPICS_MISTAKES").is_some() {
        for m in mistakes {
            println!("{m}");
        }
    }
}

#[test]
fn builtin_lexicon_reaches_precision_and_recall_floors_on_labelled_messages() {
    let (matcher, counts, mistakes) = evaluate("labelled.jsonl");
    report("labelled.jsonl", &matcher, &counts, &mistakes);
    for (i, id) in matcher.ids().iter().enumerate() {
        let c = counts[i];
        assert!(c.tp + c.fn_ >= 10, "topic {id} has too little support");
        if id == "pay" || id == "workload" {
            assert!(c.precision() >= 0.9, "{id} precision {:.3}", c.precision());
            assert!(c.recall() >= 0.9, "{id} recall {:.3}", c.recall());
        }
    }
}

#[test]
fn builtin_lexicon_is_measured_on_held_out_messages() {
    let (matcher, counts, mistakes) = evaluate("heldout.jsonl");
    report("heldout.jsonl (not tuned on)", &matcher, &counts, &mistakes);
    assert!(
        load("heldout.jsonl").len() >= 80,
        "too few held-out messages"
    );
    assert!(
        counts.iter().all(|c| c.tp + c.fn_ >= 5),
        "a topic has too little support"
    );
}
