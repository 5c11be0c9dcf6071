//! Measuring a lexicon: precision and recall per topic against hand-labelled messages.
//!
//! A labelled set is a list of [`Labelled`] messages: the text and the topics a person gave it
//! by meaning (see `docs/TOPICS.md`). [`evaluate`] re-runs a [`TopicMatcher`] on each text and
//! counts, per topic, true positives, false positives and false negatives, and gives precision
//! and recall with Wilson 95% intervals ([`Estimate`]) and the misclassified messages.
//!
//! Two on-disk forms are read:
//! - JSONL ([`read_jsonl`]): one object per line, `{"id", "split", "text", "topics": [..],
//!   "note", "source": {"repo", "file", "row"}}` (`body` is accepted for `text`). `topics: []`
//!   is a reviewed message with no topic.
//! - The sample CSV that `chatsift topics --sample` writes ([`read_sample_csv`]): columns found
//!   by header name: `text` (required), `label` (required), and the optional `id`, `file`,
//!   `line`, `weight`. A label is topic ids separated by `;` (spaces ignored), `-` for a
//!   message reviewed and found to carry no topic; an empty label is a row not reviewed yet,
//!   which is skipped.
//!
//! Rows may carry a weight (a stratified sample's inverse sampling fraction): the counts are
//! then weighted sums, and the interval uses the effective sample size
//! `(Σw)² / Σw²` of the rows behind each ratio (Kish), which equals the plain count when all
//! weights are 1.

use std::fmt;

use serde::Deserialize;

use super::topics::{Explanation, TopicMatcher};

/// One hand-labelled message.
#[derive(Clone, Debug, PartialEq)]
pub struct Labelled {
    /// Its id (the JSONL `id`, the CSV `id`, or the 1-based row when there is none).
    pub id: String,
    /// Where it came from (`file:line`, or `repo/file:row`), for listing mistakes.
    pub source: String,
    /// `tune` or `heldout` (JSONL `split`), when given.
    pub split: Option<String>,
    /// The message text.
    pub text: String,
    /// The topic ids it carries by meaning.
    pub topics: Vec<String>,
    /// Its weight (1 unless the sample gives one).
    pub weight: f64,
}

/// What is wrong with a labelled set, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelError {
    /// 1-based line (JSONL) or record (CSV, header = 1).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for LabelError {}

#[derive(Deserialize)]
struct JsonRow {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    split: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    body: Option<String>,
    topics: Vec<String>,
    #[serde(default)]
    source: Option<serde_json::Value>,
}

/// Reads labelled JSONL (format in the module docs). Blank lines are skipped; a malformed
/// line is an error naming it.
pub fn read_jsonl(text: &str) -> Result<Vec<Labelled>, LabelError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |message: String| LabelError {
            line: i + 1,
            message,
        };
        let row: JsonRow = serde_json::from_str(line).map_err(|e| err(e.to_string()))?;
        let text = row
            .text
            .or(row.body)
            .ok_or_else(|| err("no `text`".into()))?;
        let id = match row.id {
            Some(serde_json::Value::String(s)) => s,
            Some(v) => v.to_string(),
            None => (i + 1).to_string(),
        };
        let source = match &row.source {
            Some(serde_json::Value::Object(o)) => {
                let f = |k: &str| match o.get(k) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => String::new(),
                };
                format!("{}/{}:{}", f("repo"), f("file"), f("row"))
            }
            Some(serde_json::Value::String(s)) => s.clone(),
            _ => format!("line {}", i + 1),
        };
        out.push(Labelled {
            id,
            source,
            split: row.split,
            text,
            topics: row.topics,
            weight: 1.0,
        });
    }
    Ok(out)
}

/// Parses a label cell: topic ids separated by `;`, `-` for none. `None` for an empty cell
/// (not reviewed).
pub fn parse_label(cell: &str) -> Option<Vec<String>> {
    let c = cell.trim();
    if c.is_empty() {
        return None;
    }
    if c == "-" {
        return Some(Vec::new());
    }
    Some(
        c.split([';', ','])
            .map(str::trim)
            .filter(|t| !t.is_empty() && *t != "-")
            .map(str::to_string)
            .collect(),
    )
}

/// Reads a filled sample CSV (format in the module docs). Rows with an empty label are
/// skipped; the second value is how many were.
pub fn read_sample_csv(bytes: &[u8]) -> Result<(Vec<Labelled>, usize), LabelError> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let err = |line: usize, message: String| LabelError { line, message };
    let header = r.headers().map_err(|e| err(1, e.to_string()))?.clone();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let text_col = col("text").ok_or_else(|| err(1, "no `text` column".into()))?;
    let label_col = col("label").ok_or_else(|| err(1, "no `label` column".into()))?;
    let (id_col, file_col, line_col, weight_col) =
        (col("id"), col("file"), col("line"), col("weight"));
    let mut out = Vec::new();
    let mut unlabelled = 0;
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| err(line, e.to_string()))?;
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("");
        let Some(topics) = parse_label(get(Some(label_col))) else {
            unlabelled += 1;
            continue;
        };
        let weight = match get(weight_col).trim() {
            "" => 1.0,
            w => w
                .parse::<f64>()
                .ok()
                .filter(|w| w.is_finite() && *w > 0.0)
                .ok_or_else(|| err(line, format!("bad weight {w:?}")))?,
        };
        let id = match get(id_col) {
            "" => (i + 1).to_string(),
            s => s.to_string(),
        };
        out.push(Labelled {
            id,
            source: format!("{}:{}", get(file_col), get(line_col)),
            split: None,
            text: get(Some(text_col)).to_string(),
            topics,
            weight,
        });
    }
    Ok((out, unlabelled))
}

/// A ratio with its Wilson 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The (weighted) ratio.
    pub value: f64,
    /// Lower end of the 95% interval.
    pub low: f64,
    /// Upper end of the 95% interval.
    pub high: f64,
    /// Messages behind the ratio (its denominator, unweighted).
    pub n: u64,
}

/// The Wilson score 95% interval of `p` observed on (an effective) `n` trials.
pub fn wilson(p: f64, n: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (0.0, 1.0);
    }
    let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
    let z = 1.959_963_984_540_054_f64;
    let z2 = z * z;
    let den = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / den;
    let half = z * ((p * (1.0 - p) / n + z2 / (4.0 * n * n)).max(0.0)).sqrt() / den;
    // The bounds hold p exactly, also where rounding puts centre ± half a hair beside it
    // (p = 0 gave a lower bound of 3e-17).
    ((centre - half).clamp(0.0, p), (centre + half).clamp(p, 1.0))
}

/// Weighted sums behind one ratio.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Sums {
    hit: f64,
    all: f64,
    all_sq: f64,
    n: u64,
}

impl Sums {
    fn add(&mut self, hit: bool, w: f64) {
        if hit {
            self.hit += w;
        }
        self.all += w;
        self.all_sq += w * w;
        self.n += 1;
    }
    fn estimate(&self) -> Option<Estimate> {
        if self.n == 0 || self.all <= 0.0 {
            return None;
        }
        let p = self.hit / self.all;
        let n_eff = self.all * self.all / self.all_sq;
        let (low, high) = wilson(p, n_eff);
        Some(Estimate {
            value: p,
            low,
            high,
            n: self.n,
        })
    }
}

/// One topic's measured quality.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicQuality {
    /// The topic id.
    pub id: String,
    /// Messages labelled with the topic.
    pub labelled: u64,
    /// Messages the lexicon gave the topic.
    pub predicted: u64,
    /// Labelled and predicted.
    pub true_positives: u64,
    /// Predicted, not labelled.
    pub false_positives: u64,
    /// Labelled, not predicted.
    pub false_negatives: u64,
    /// Of the predicted, the share labelled (`None` when nothing was predicted).
    pub precision: Option<Estimate>,
    /// Of the labelled, the share predicted (`None` when nothing was labelled).
    pub recall: Option<Estimate>,
}

/// A misclassified message.
#[derive(Clone, Debug, PartialEq)]
pub struct Mistake {
    /// Index of the message in the evaluated list.
    pub message: usize,
    /// The topic's index.
    pub topic: usize,
    /// A false positive (predicted, not labelled) or a false negative.
    pub false_positive: bool,
}

/// The result of [`evaluate`].
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Per topic of the matcher, in its order.
    pub topics: Vec<TopicQuality>,
    /// Misclassified messages, in message order then topic order.
    pub mistakes: Vec<Mistake>,
    /// Messages evaluated.
    pub messages: usize,
}

/// Evaluates `matcher` against `set`. A label naming a topic the matcher does not know is an
/// error (a typo would otherwise read as a false negative of nothing).
pub fn evaluate(matcher: &TopicMatcher, set: &[Labelled]) -> Result<Evaluation, LabelError> {
    let n = matcher.len();
    let ids = matcher.ids();
    let mut prec = vec![Sums::default(); n];
    let mut rec = vec![Sums::default(); n];
    let mut counts = vec![[0u64; 3]; n];
    let mut mistakes = Vec::new();
    for (mi, m) in set.iter().enumerate() {
        let mut want = vec![false; n];
        for t in &m.topics {
            let Some(i) = ids.iter().position(|id| id == t) else {
                return Err(LabelError {
                    line: mi + 1,
                    message: format!(
                        "message {} ({}): unknown topic {t:?} (known: {})",
                        m.id,
                        m.source,
                        ids.join(", ")
                    ),
                });
            };
            want[i] = true;
        }
        let got = matcher.matches(&m.text, crate::model::Kind::Message);
        for (i, &w) in want.iter().enumerate() {
            let g = got.contains(i);
            if g {
                prec[i].add(w, m.weight);
            }
            if w {
                rec[i].add(g, m.weight);
            }
            // 0: right, 1: predicted but not labelled, 2: labelled but missed.
            let outcome = match (w, g) {
                (true, true) => 0,
                (false, true) => 1,
                (true, false) => 2,
                (false, false) => continue,
            };
            counts[i][outcome] += 1;
            if outcome > 0 {
                mistakes.push(Mistake {
                    message: mi,
                    topic: i,
                    false_positive: outcome == 1,
                });
            }
        }
    }
    let topics = (0..n)
        .map(|i| TopicQuality {
            id: ids[i].clone(),
            labelled: rec[i].n,
            predicted: prec[i].n,
            true_positives: counts[i][0],
            false_positives: counts[i][1],
            false_negatives: counts[i][2],
            precision: prec[i].estimate(),
            recall: rec[i].estimate(),
        })
        .collect();
    Ok(Evaluation {
        topics,
        mistakes,
        messages: set.len(),
    })
}

fn cell(e: Option<Estimate>) -> String {
    match e {
        Some(e) => format!("{:.2} [{:.2}–{:.2}] n={}", e.value, e.low, e.high, e.n),
        None => "– (n=0)".to_string(),
    }
}

/// The evaluation as a plain-text table: per topic, labelled and predicted counts, TP/FP/FN,
/// and precision and recall with their 95% intervals and sample sizes.
pub fn table(e: &Evaluation) -> String {
    let mut s = format!(
        "{:<11} {:>8} {:>9} {:>5} {:>5} {:>5}  {:<26} {:<26}\n",
        "topic",
        "labelled",
        "predicted",
        "tp",
        "fp",
        "fn",
        "precision [95% CI] n",
        "recall [95% CI] n"
    );
    for t in &e.topics {
        s.push_str(&format!(
            "{:<11} {:>8} {:>9} {:>5} {:>5} {:>5}  {:<26} {:<26}\n",
            t.id,
            t.labelled,
            t.predicted,
            t.true_positives,
            t.false_positives,
            t.false_negatives,
            cell(t.precision),
            cell(t.recall)
        ));
    }
    s
}

/// The cues of an explanation in one line: `term 加班 (workload); pair 来不及 + 项目
/// (workload); 忙 (workload) excluded by 帮忙`.
pub fn describe(matcher: &TopicMatcher, x: &Explanation) -> String {
    use super::topics::CueRole;
    let ids = matcher.ids();
    let mut parts = Vec::new();
    for c in &x.cues {
        let id = ids.get(c.topic).map_or("?", |s| s.as_str());
        let what = match c.role {
            CueRole::Term => format!("{} ({id})", c.term),
            CueRole::PairSide { pair, side } => {
                format!("{} ({id}, pair {} side {})", c.term, pair + 1, side + 1)
            }
        };
        match &c.excluded_by {
            Some(by) => parts.push(format!("{what} excluded by {by}")),
            None => parts.push(what),
        }
    }
    for &(t, p) in &x.complete_pairs {
        let id = ids.get(t).map_or("?", |s| s.as_str());
        parts.push(format!("pair {} of {id} complete", p + 1));
    }
    if parts.is_empty() {
        "no cue".to_string()
    } else {
        parts.join("; ")
    }
}

/// A topic's measured quality as shipped with the built-in lexicon (`src/lexicon/quality.json`,
/// written by `TOPICS_WRITE_QUALITY=1 cargo test --release --test topics_quality`).
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize)]
pub struct ShippedQuality {
    /// The labelled set (`zh`, `ru`).
    pub set: String,
    /// The topic id.
    pub topic: String,
    /// Held-out precision, its 95% interval and the messages behind it.
    pub precision: Option<[f64; 3]>,
    /// Messages predicted (the precision's n).
    pub precision_n: u64,
    /// Held-out recall, its 95% interval.
    pub recall: Option<[f64; 3]>,
    /// Messages labelled (the recall's n).
    pub recall_n: u64,
}

/// The built-in lexicon's measured held-out quality (empty until the real labelled sets are
/// measured).
pub const BUILTIN_QUALITY_JSON: &str = include_str!("../lexicon/quality.json");

/// The built-in lexicon's measured held-out quality, one entry per (set, topic).
pub fn builtin_quality() -> Vec<ShippedQuality> {
    serde_json::from_str(BUILTIN_QUALITY_JSON).unwrap_or_default()
}

/// The shipped quality of `topic` in words, for the report and README: `held-out zh:
/// precision 0.93 [0.85–0.97] (n=58), recall 0.80 [0.70–0.87] (n=75)`; `None` when nothing is
/// shipped for it.
pub fn quality_note(topic: &str) -> Option<String> {
    note_from(&builtin_quality(), topic)
}

fn note_from(shipped: &[ShippedQuality], topic: &str) -> Option<String> {
    let parts: Vec<String> = shipped
        .iter()
        .filter(|q| q.topic == topic)
        .map(|q| {
            let f = |v: Option<[f64; 3]>, n: u64| match v {
                Some([p, l, h]) => format!("{p:.2} [{l:.2}–{h:.2}] (n={n})"),
                None => format!("– (n={n})"),
            };
            format!(
                "held-out {}: precision {}, recall {}",
                q.set,
                f(q.precision, q.precision_n),
                f(q.recall, q.recall_n)
            )
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The shipped form of an evaluation of set `set`.
pub fn shipped(set: &str, e: &Evaluation) -> Vec<ShippedQuality> {
    e.topics
        .iter()
        .map(|t| ShippedQuality {
            set: set.to_string(),
            topic: t.id.clone(),
            precision: t.precision.map(|e| [e.value, e.low, e.high]),
            precision_n: t.predicted,
            recall: t.recall.map(|e| [e.value, e.low, e.high]),
            recall_n: t.labelled,
        })
        .collect()
}

/// Reads a labelled set: JSONL (its first non-blank byte is `{`) or a filled `--sample`
/// CSV. Returns the labelled messages and how many rows are not labelled yet.
pub fn read_labelled(bytes: &[u8]) -> Result<(Vec<Labelled>, usize), LabelError> {
    let is_jsonl = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if is_jsonl {
        let text = std::str::from_utf8(bytes).map_err(|e| LabelError {
            line: 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count(),
            message: "not UTF-8".into(),
        })?;
        Ok((read_jsonl(text)?, 0))
    } else {
        read_sample_csv(bytes)
    }
}

/// Writes an evaluation as text: a heading line naming `name` (with its `split` and the
/// rows `skipped` as not labelled yet), the table of [`table`], then each misclassified
/// message with the cues that fired.
pub fn write_evaluation(
    name: &str,
    split: Option<&str>,
    skipped: usize,
    e: &Evaluation,
    set: &[Labelled],
    matcher: &TopicMatcher,
    buf: &mut Vec<u8>,
) -> std::io::Result<()> {
    use crate::text::thousands;
    use std::io::Write;
    writeln!(
        buf,
        "{name}: {} labelled messages{}{}",
        thousands(e.messages as u64),
        split.map(|s| format!(" (split {s})")).unwrap_or_default(),
        if skipped > 0 {
            format!(", {} not labelled yet (skipped)", thousands(skipped as u64))
        } else {
            String::new()
        }
    )?;
    buf.extend_from_slice(table(e).as_bytes());
    if !e.mistakes.is_empty() {
        writeln!(
            buf,
            "\nmisclassified (FP: predicted, not labelled; FN: labelled, missed):"
        )?;
    }
    let ids = matcher.ids();
    for m in &e.mistakes {
        let msg = &set[m.message];
        let x = matcher.explain(&msg.text);
        let text: String = msg.text.chars().take(200).collect();
        writeln!(
            buf,
            "{} {:<10} {} ({})\n    {}\n    why: {}",
            if m.false_positive { "FP" } else { "FN" },
            ids[m.topic],
            msg.id,
            msg.source,
            text.replace('\n', " "),
            describe(matcher, &x)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::topics::Lexicon;

    #[test]
    fn wilson_interval_matches_known_values() {
        for n in 1..40 {
            let (l, h) = wilson(0.0, f64::from(n));
            assert!(l == 0.0 && h > 0.0, "n={n}: {l} {h}");
            let (l, h) = wilson(1.0, f64::from(n));
            assert!(l < 1.0 && h == 1.0, "n={n}: {l} {h}");
        }
        let (l, h) = wilson(0.5, 10.0);
        assert!(
            (l - 0.2366).abs() < 1e-3 && (h - 0.7634).abs() < 1e-3,
            "{l} {h}"
        );
        let (l, h) = wilson(1.0, 20.0);
        assert!((l - 0.8389).abs() < 1e-3 && h == 1.0, "{l} {h}");
        assert_eq!(wilson(0.3, 0.0), (0.0, 1.0));
    }

    #[test]
    fn labels_parse_semicolons_dash_and_empty() {
        assert_eq!(parse_label(""), None);
        assert_eq!(parse_label("  "), None);
        assert_eq!(parse_label("-"), Some(vec![]));
        assert_eq!(
            parse_label("pay; workload"),
            Some(vec!["pay".to_string(), "workload".to_string()])
        );
    }

    #[test]
    fn evaluation_counts_hits_misses_and_intervals() {
        let m = TopicMatcher::new(
            &Lexicon::from_toml("[pay]\nterms = [\"工资\"]\n[work]\nterms = [\"加班\"]\n").unwrap(),
        )
        .unwrap();
        let set = read_jsonl(
            "{\"id\":\"a\",\"text\":\"工资没发\",\"topics\":[\"pay\"]}\n\
             {\"id\":\"b\",\"text\":\"工资条\",\"topics\":[]}\n\
             \n\
             {\"id\":\"c\",\"body\":\"又要熬夜\",\"topics\":[\"work\"]}\n",
        )
        .unwrap();
        let e = evaluate(&m, &set).unwrap();
        assert_eq!(e.messages, 3);
        let pay = &e.topics[0];
        assert_eq!(
            (pay.true_positives, pay.false_positives, pay.false_negatives),
            (1, 1, 0)
        );
        assert_eq!(pay.precision.unwrap().value, 0.5);
        assert_eq!(pay.precision.unwrap().n, 2);
        assert_eq!(pay.recall.unwrap().value, 1.0);
        let work = &e.topics[1];
        assert_eq!(work.recall.unwrap().value, 0.0);
        assert!(work.precision.is_none());
        assert_eq!(e.mistakes.len(), 2);
        assert!(e.mistakes[0].false_positive && e.mistakes[0].message == 1);
        let bad = read_jsonl("{\"text\":\"x\",\"topics\":[\"payy\"]}").unwrap();
        assert!(
            evaluate(&m, &bad)
                .unwrap_err()
                .message
                .contains("unknown topic")
        );
    }

    #[test]
    fn sample_csv_skips_unreviewed_rows_and_reads_weights() {
        let csv = "id,file,line,stratum,weight,predicted,label,text\n\
                   1,a.txt,3,pay,2.5,pay,pay,工资没发\n\
                   2,a.txt,4,none,10,,,还没看\n\
                   3,b.txt,9,none,10,,-,吃饭了吗\n";
        let (rows, skipped) = read_sample_csv(csv.as_bytes()).unwrap();
        assert_eq!(skipped, 1);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].weight, 2.5);
        assert_eq!(rows[0].source, "a.txt:3");
        assert!(rows[1].topics.is_empty());
        let e = read_sample_csv(b"id,text\n1,x\n").unwrap_err();
        assert!(e.message.contains("label"));
    }

    #[test]
    fn shipped_quality_round_trips_into_a_note_per_topic() {
        let m =
            TopicMatcher::new(&Lexicon::from_toml("[pay]\nterms = [\"工资\"]\n").unwrap()).unwrap();
        let set = read_jsonl(
            "{\"text\":\"工资\",\"topics\":[\"pay\"]}\n{\"text\":\"钱\",\"topics\":[\"pay\"]}",
        )
        .unwrap();
        let q = shipped("zh", &evaluate(&m, &set).unwrap());
        let json = serde_json::to_string(&q).unwrap();
        let back: Vec<ShippedQuality> = serde_json::from_str(&json).unwrap();
        let note = note_from(&back, "pay").unwrap();
        assert!(
            note.starts_with("held-out zh: precision 1.00 [0.21–1.00] (n=1), recall 0.50"),
            "{note}"
        );
        assert_eq!(note_from(&back, "workload"), None);
        // The shipped file parses (it is empty until the real sets are measured).
        let _ = builtin_quality();
    }

    #[test]
    fn weights_change_the_ratio_and_the_effective_size() {
        let mut s = Sums::default();
        s.add(true, 1.0);
        s.add(false, 3.0);
        let e = s.estimate().unwrap();
        assert_eq!(e.value, 0.25);
        assert_eq!(e.n, 2);
        // n_eff = 16 / 10 = 1.6: wider than the plain interval of 2 trials.
        let (l, h) = wilson(0.25, 2.0);
        assert!(e.low < l && e.high > h);
    }
}
