//! Topics: which subjects (pay, workload, clients, …) a message mentions.
//!
//! A [`Lexicon`] is a list of [`Topic`]s read from TOML (the built-in one is
//! `src/lexicon/default.toml`, see [`Lexicon::builtin`]). A [`TopicMatcher`] compiles a lexicon
//! into one Aho-Corasick automaton and answers, per message body, the [`TopicSet`] of topics the
//! message mentions: a message counts once per topic, however many terms it contains.
//!
//! # Lexicon format
//!
//! Every top-level table is a topic; its name is the topic id. Topics keep the order of the
//! file. Keys of a topic (unknown keys are an error, so a typo does not silently drop terms):
//!
//! ```toml
//! [pay]                          # id
//! label = "Pay and wages"        # optional, defaults to the id
//! label_zh = "工资待遇"           # optional
//! terms = ["工资", "salary", "зарплат*"]   # required, at least one
//! exclude = ["付款方式"]          # optional
//! pairs = [["来不及", ["项目", "报告"]]]   # optional cue pairs
//! ```
//!
//! `terms` is one list for all languages; the script of each term decides how it matches:
//!
//! - Every match is a plain substring match on the body, ASCII letters compared without case.
//! - Word boundaries: a term that starts with a *word character* (ASCII letter, digit or `_`, or
//!   a Cyrillic letter U+0400–U+04FF) matches only where the body has no word character just
//!   before it; a term that ends with one matches only where the body has none just after it.
//!   So `pay` does not match in `repay` or `payload`, `зп` not in `зпшка`, but `pay` matches in
//!   `Pay!`, `PAY` and `这个月的pay` (Chinese characters are not word characters).
//! - A `*` at the start or end of a term drops the boundary on that side: `зарплат*` matches
//!   `зарплата`, `зарплаты`, `зарплату`; `deadline*` matches `deadlines`. A `*` elsewhere is a
//!   literal star.
//! - Chinese (and any other script) has no boundaries: `加班` matches inside `周末加班`.
//! - Cyrillic case: each term with Cyrillic letters is also compiled in its lower-case,
//!   capitalised (`Зарплата`) and upper-case (`ЗАРПЛАТА`) forms, so the common ways of writing
//!   it match without allocating or lower-casing the body. Mixed case inside a word
//!   (`зАрплата`) does not match.
//!
//! # Excludes
//!
//! An exclude term of a topic is matched exactly like a term (same boundary, star and case
//! rules). A term match of topic T is cancelled when an exclude match of the same topic T
//! covers it (starts at or before it and ends at or after it). Other matches of T in the same
//! message still count, and other topics are not affected: with `exclude = ["压力测试"]` in
//! workload, `压力测试` (a stress test) does not count as `压力` (pressure), but
//! `压力测试做完了，压力好大` still does. An exclude that contains none of its topic's terms has
//! no effect.
//!
//! # Cue pairs
//!
//! Where one word has many meanings, a pair matches what carries the meaning: `pairs` is a list
//! of pairs, each a list of two or more *sides*, each side a term or a list of terms (same
//! matching rules as `terms`). The topic is found when a term of every side occurs in the
//! message, in any order and anywhere in it: `["来不及", ["项目", "报告"]]` finds workload in
//! `项目来不及了` but not in `飞机来不及`. A side's match inside an exclude of the topic does
//! not count. A topic may have only pairs (no `terms`). A lexicon has at most
//! [`MAX_PAIR_SIDES`] sides in all.
//!
//! # Russian word forms
//!
//! Russian inflects: a stem with `*` (`зарплат*`) covers the case forms, and short forms are
//! listed as their own terms (`зп`, `з/п`). A term written with `ё` also matches with `е`
//! (`ушёл` finds `ушел`), since most people type `е`.
//!
//! # Why
//!
//! [`TopicMatcher::explain`] lists every cue found in a message (terms, pair sides, and
//! matches an exclude cancelled, with the exclude): what `topics --why` prints.
//!
//! # Matching
//!
//! The automaton is one Aho-Corasick DFA (the `aho-corasick` crate's, with standard match
//! semantics) over every term in all its case forms, deduplicated. Every occurrence of every
//! term is seen (each DFA state lists all patterns ending there, suffixes included), so a term
//! that fails its boundary check never hides an overlapping one that passes, and a longer term
//! never hides a shorter one of another topic. Leftmost-longest matching would do both.
//!
//! Excludes are compiled into the term patterns they contain (the exclude's bytes and the
//! term's offset inside it), so a candidate match is checked in place against the excludes
//! that could cover it, by comparing the body around it: the same result as searching the
//! excludes in the automaton and cancelling covered matches, without buffering matches or
//! relying on the order in which overlapping matches are reported.
//!
//! Matching does not allocate. [`TopicMatcher::matches`] walks one body;
//! [`TopicMatcher::matches_batch`] walks four bodies in lock-step, which lets the CPU overlap
//! the table look-ups of independent bodies and is about 1.5 times as fast on chat-sized
//! bodies (each byte of one body costs a dependent memory load, which bounds a single walk).

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::nfa::contiguous;
use aho_corasick::{Anchored, BuildError, MatchKind, dfa};
use serde::Deserialize;
use toml::Spanned;

use crate::model::{Kind, Message};

/// The most topics a lexicon can have: a [`TopicSet`] is a 64-bit set.
pub const MAX_TOPICS: usize = 64;

/// The built-in lexicon's TOML text.
pub const BUILTIN_TOML: &str = include_str!("../lexicon/default.toml");

/// One topic of a [`Lexicon`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topic {
    /// The topic's id: its TOML table name (`pay`, `workload`, …).
    pub id: String,
    /// English label for tables and charts (the id when the TOML gives none).
    pub label: String,
    /// Chinese label, when the TOML gives one.
    pub label_zh: Option<String>,
    /// Terms as written in the TOML (with their `*` markers), in file order.
    pub terms: Vec<String>,
    /// Exclude terms as written in the TOML, in file order.
    pub exclude: Vec<String>,
    /// Cue pairs: each pair is a list of two or more sides, each side a list of terms; the
    /// topic is found when one term of every side occurs in the message.
    pub pairs: Vec<Vec<Vec<String>>>,
}

/// An ordered list of topics (see the module docs for the TOML format).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lexicon {
    topics: Vec<Topic>,
}

/// What is wrong with a lexicon, and where (1-based line and column of the TOML text, when
/// known).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexiconError {
    /// 1-based line of the offending place in the TOML text, when known.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the offending place, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl LexiconError {
    fn at(text: &str, offset: Option<usize>, message: String) -> LexiconError {
        let (line, column) = match offset {
            Some(off) => {
                let (l, c) = line_column(text, off);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        LexiconError {
            line,
            column,
            message,
        }
    }
}

impl fmt::Display for LexiconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "lexicon line {l}, column {c}: {}", self.message),
            (Some(l), None) => write!(f, "lexicon line {l}: {}", self.message),
            _ => write!(f, "lexicon: {}", self.message),
        }
    }
}

impl std::error::Error for LexiconError {}

/// 1-based line and column (in characters) of byte `offset` of `text`, clamped to the text.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let column = 1 + before[line_start..]
        .iter()
        .filter(|&&b| (b & 0xC0) != 0x80)
        .count();
    (line, column)
}

/// One topic table as written in the TOML.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    label: Option<String>,
    label_zh: Option<String>,
    #[serde(default)]
    terms: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pairs: Vec<Spanned<Vec<Side>>>,
}

/// One side of a cue pair as written: a term or a list of terms.
#[derive(Deserialize)]
#[serde(untagged)]
enum Side {
    One(String),
    Many(Vec<String>),
}

impl Lexicon {
    /// The built-in lexicon (`src/lexicon/default.toml`): pay, workload, management, quitting,
    /// clients, targets, tools and money/crypto, with Chinese, English and Russian terms.
    pub fn builtin() -> Lexicon {
        // The text is a constant, checked by `builtin_lexicon_parses_with_the_eight_topics`.
        Lexicon::from_toml(BUILTIN_TOML).expect("the built-in lexicon is valid")
    }

    /// Reads a lexicon from TOML text (format in the module docs).
    ///
    /// Errors name the line and column and say what is wrong: TOML syntax, a key that is not
    /// `label`, `label_zh`, `terms` or `exclude`, a topic without terms, an empty term, a term
    /// that is only whitespace or only `*`, or more than [`MAX_TOPICS`] topics.
    pub fn from_toml(text: &str) -> Result<Lexicon, LexiconError> {
        let raw: Vec<(Spanned<String>, RawTopic)> =
            toml::from_str::<std::collections::BTreeMap<Spanned<String>, RawTopic>>(text)
                .map_err(|e| LexiconError::at(text, e.span().map(|s| s.start), toml_message(&e)))?
                .into_iter()
                .collect();
        // The map is sorted by id; the file order is the order of the ids' positions.
        let mut raw = raw;
        raw.sort_by_key(|(id, _)| id.span().start);
        if let Some((id, _)) = raw.get(MAX_TOPICS) {
            return Err(LexiconError::at(
                text,
                Some(id.span().start),
                format!(
                    "too many topics: {} (at most {MAX_TOPICS}); `{}` is topic {}",
                    raw.len(),
                    id.get_ref(),
                    MAX_TOPICS + 1
                ),
            ));
        }
        let mut topics = Vec::with_capacity(raw.len());
        for (id, t) in raw {
            let id_at = Some(id.span().start);
            let id = id.into_inner();
            if t.terms.is_empty() && t.pairs.is_empty() {
                return Err(LexiconError::at(
                    text,
                    id_at,
                    format!("topic `{id}` has no terms (give it `terms = [\"…\"]`)"),
                ));
            }
            let terms = check_terms(text, &id, "term", t.terms)?;
            let exclude = check_terms(text, &id, "exclude term", t.exclude)?;
            let mut pairs = Vec::with_capacity(t.pairs.len());
            for pair in t.pairs {
                let pair_span = pair.span();
                let at = Some(pair_span.start);
                let sides = pair.into_inner();
                if sides.len() < 2 {
                    return Err(LexiconError::at(
                        text,
                        at,
                        format!(
                            "a pair of topic `{id}` has {} side(s); it needs two or more \
                             (`[\"来不及\", [\"项目\", \"报告\"]]`)",
                            sides.len()
                        ),
                    ));
                }
                let mut out = Vec::with_capacity(sides.len());
                for side in sides {
                    let list = match side {
                        Side::One(t) => vec![t],
                        Side::Many(v) => v,
                    };
                    if list.is_empty() {
                        return Err(LexiconError::at(
                            text,
                            at,
                            format!("a pair of topic `{id}` has an empty side"),
                        ));
                    }
                    let spanned = list
                        .into_iter()
                        .map(|t| Spanned::new(pair_span.clone(), t))
                        .collect();
                    out.push(check_terms(text, &id, "pair term", spanned)?);
                }
                pairs.push(out);
            }
            topics.push(Topic {
                label: t.label.unwrap_or_else(|| id.clone()),
                label_zh: t.label_zh,
                id,
                terms,
                exclude,
                pairs,
            });
        }
        Ok(Lexicon { topics })
    }

    /// Adds `other`'s topics: a topic whose id is already here gets `other`'s terms and
    /// excludes appended (those it does not have yet; its label stays, its `label_zh` is taken
    /// from `other` when it had none); a new id is appended at the end. The result may exceed
    /// [`MAX_TOPICS`], which [`TopicMatcher::new`] reports.
    pub fn extend(&mut self, other: Lexicon) {
        for topic in other.topics {
            match self.topics.iter_mut().find(|t| t.id == topic.id) {
                Some(here) => {
                    for term in topic.terms {
                        if !here.terms.contains(&term) {
                            here.terms.push(term);
                        }
                    }
                    for term in topic.exclude {
                        if !here.exclude.contains(&term) {
                            here.exclude.push(term);
                        }
                    }
                    for pair in topic.pairs {
                        if !here.pairs.contains(&pair) {
                            here.pairs.push(pair);
                        }
                    }
                    if here.label_zh.is_none() {
                        here.label_zh = topic.label_zh;
                    }
                }
                None => self.topics.push(topic),
            }
        }
    }

    /// The topics, in file order (then in the order [`Lexicon::extend`] appended them).
    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }
}

/// The message of a TOML error without toml's own rendering of the location (we give ours).
fn toml_message(e: &toml::de::Error) -> String {
    let m = e.message().trim();
    if m.is_empty() {
        "invalid TOML".to_string()
    } else {
        format!("invalid lexicon TOML: {m}")
    }
}

/// Checks the terms of topic `id`: none empty, only whitespace or only `*`.
fn check_terms(
    text: &str,
    id: &str,
    what: &str,
    terms: Vec<Spanned<String>>,
) -> Result<Vec<String>, LexiconError> {
    let mut out = Vec::with_capacity(terms.len());
    for term in terms {
        let at = Some(term.span().start);
        let t = term.into_inner();
        let problem = if t.is_empty() {
            Some("is empty")
        } else if t.trim().is_empty() {
            Some("is only whitespace")
        } else if t.trim_matches('*').trim().is_empty() {
            Some("has nothing but `*` and whitespace")
        } else {
            None
        };
        if let Some(p) = problem {
            return Err(LexiconError::at(
                text,
                at,
                format!("{what} {t:?} of topic `{id}` {p}"),
            ));
        }
        out.push(t);
    }
    Ok(out)
}

/// A set of topic indices (bit `i` is topic `i` of the matcher's lexicon).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TopicSet(pub u64);

impl TopicSet {
    /// The empty set.
    pub const EMPTY: TopicSet = TopicSet(0);

    /// Whether topic `index` is in the set (false for an index of 64 or more).
    pub fn contains(self, index: usize) -> bool {
        index < MAX_TOPICS && (self.0 >> index) & 1 == 1
    }

    /// Adds topic `index` (an index of 64 or more is ignored).
    pub fn insert(&mut self, index: usize) {
        if index < MAX_TOPICS {
            self.0 |= 1 << index;
        }
    }

    /// Whether no topic is in the set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// How many topics are in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The topic indices in the set, ascending.
    pub fn iter(self) -> TopicSetIter {
        TopicSetIter(self.0)
    }
}

impl IntoIterator for TopicSet {
    type Item = usize;
    type IntoIter = TopicSetIter;
    fn into_iter(self) -> TopicSetIter {
        self.iter()
    }
}

/// Iterator over the topic indices of a [`TopicSet`], ascending.
#[derive(Clone, Debug)]
pub struct TopicSetIter(u64);

impl Iterator for TopicSetIter {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let i = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(i)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.0.count_ones() as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for TopicSetIter {}

/// Matches message bodies against a lexicon with one Aho-Corasick automaton (semantics in the
/// module docs).
#[derive(Clone, Debug)]
pub struct TopicMatcher {
    engine: Engine,
    /// Per automaton pattern: the topics it can signal and its rules.
    patterns: Vec<PatternRules>,
    rules: Vec<Rule>,
    excludes: Vec<ExcludeCheck>,
    /// Per cue side (its bit in [`Walk::cues`]): the pair it belongs to.
    side_pair: Vec<u32>,
    pairs: Vec<PairRule>,
    /// Terms and excludes as written in the lexicon, for [`TopicMatcher::explain`].
    texts: Vec<String>,
    ids: Vec<String>,
    labels: Vec<String>,
}

/// Messages the batch walk interleaves.
const LANES: usize = 4;

/// The most cue-pair sides a lexicon can have (all topics together): a walk keeps them in a
/// 128-bit set.
pub const MAX_PAIR_SIDES: usize = 128;

/// A rule that counts for its topic directly (not a side of a cue pair).
const NO_CUE: u32 = u32::MAX;

/// Whether messages of `kind` are matched at all.
fn matchable(kind: Kind) -> bool {
    !matches!(kind, Kind::System | Kind::Encrypted)
}

/// The automaton: a DFA (one table look-up per byte), or for a lexicon too large for one, a
/// contiguous NFA. Both find every occurrence of every pattern (standard Aho-Corasick
/// semantics: each state lists all patterns that end there, suffixes included).
#[derive(Clone, Debug)]
enum Engine {
    Dfa(dfa::DFA),
    Nfa(contiguous::NFA),
}

impl Engine {
    fn build(patterns: &[Vec<u8>]) -> Result<Engine, BuildError> {
        let dfa = dfa::Builder::new()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .prefilter(false)
            .build(patterns);
        match dfa {
            Ok(d) => Ok(Engine::Dfa(d)),
            Err(_) => contiguous::Builder::new()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(true)
                .prefilter(false)
                .build(patterns)
                .map(Engine::Nfa),
        }
    }
}

#[derive(Clone, Debug)]
struct PatternRules {
    /// Union of the rules' topic bits: a match is skipped when all are already found.
    mask: u64,
    rules: Range<usize>,
}

/// One (pattern, topic) pair: how a match of the pattern counts for the topic.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule {
    topic: u32,
    /// [`NO_CUE`] for a term; for a side of a cue pair, the side's bit.
    cue: u32,
    start_boundary: bool,
    end_boundary: bool,
    excludes: Range<usize>,
    /// The term as written (index into `texts`).
    text: u32,
}

/// A cue pair: its topic is found when every side's bit is set.
#[derive(Clone, Debug)]
struct PairRule {
    topic: u32,
    sides: u128,
    first_side: u32,
    /// The pair's index among its topic's pairs.
    index: u32,
}

/// An exclude (one case form) that contains a rule's pattern at `offset`.
#[derive(Clone, Debug)]
struct ExcludeCheck {
    /// The exclude's bytes, ASCII lower-cased.
    bytes: Box<[u8]>,
    offset: usize,
    start_boundary: bool,
    end_boundary: bool,
    /// The exclude as written (index into `texts`).
    text: u32,
}

/// The state of one walk: topics found and cue-pair sides seen.
#[derive(Clone, Copy, Debug, Default)]
struct Walk {
    found: u64,
    cues: u128,
}

/// A term with its `*` markers read: the text to find and where boundaries are required.
struct Parsed {
    core: String,
    start_boundary: bool,
    end_boundary: bool,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || ('\u{400}'..='\u{4FF}').contains(&c)
}

fn parse_term(term: &str) -> Parsed {
    let (open_start, rest) = match term.strip_prefix('*') {
        Some(r) => (true, r),
        None => (false, term),
    };
    let (open_end, core) = match rest.strip_suffix('*') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    Parsed {
        start_boundary: !open_start && core.chars().next().is_some_and(is_word_char),
        end_boundary: !open_end && core.chars().next_back().is_some_and(is_word_char),
        core: core.to_string(),
    }
}

/// The case forms a term is compiled in, ASCII lower-cased (the automaton ignores ASCII case).
/// A Cyrillic term is compiled in lower, Capitalised and UPPER case, and a term with `ё` also
/// with `е` in its place (`ушёл` matches `ушел`, as most people type it).
fn case_forms(core: &str) -> Vec<Vec<u8>> {
    let mut forms = vec![core.to_string()];
    if core.chars().any(|c| ('\u{400}'..='\u{4FF}').contains(&c)) {
        let mut spellings = vec![core.to_string()];
        if core.contains(['ё', 'Ё']) {
            spellings.push(core.replace('ё', "е").replace('Ё', "Е"));
        }
        for s in spellings {
            let lower = s.to_lowercase();
            let mut chars = lower.chars();
            let capital: String = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            forms.push(s.clone());
            forms.push(s.to_uppercase());
            forms.push(capital);
            forms.push(lower);
        }
    }
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(forms.len());
    for f in forms {
        let b = f.to_ascii_lowercase().into_bytes();
        if !b.is_empty() && !out.contains(&b) {
            out.push(b);
        }
    }
    out
}

/// Start offsets of every (possibly overlapping) occurrence of `needle` in `hay`.
fn occurrences(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return Vec::new();
    }
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// Whether the character that ends just before byte `start` of `b` is a word character.
/// `start` is a match start, so a char boundary of valid UTF-8.
fn word_before(b: &[u8], start: usize) -> bool {
    let Some(&prev) = start.checked_sub(1).and_then(|i| b.get(i)) else {
        return false;
    };
    if prev.is_ascii() {
        return prev.is_ascii_alphanumeric() || prev == b'_';
    }
    // The second byte of a two-byte sequence led by D0..D3 (U+0400..U+04FF).
    (0x80..=0xBF).contains(&prev)
        && start
            .checked_sub(2)
            .and_then(|i| b.get(i))
            .is_some_and(|l| (0xD0..=0xD3).contains(l))
}

/// Whether the character that starts at byte `end` of `b` is a word character.
fn word_at(b: &[u8], end: usize) -> bool {
    match b.get(end) {
        Some(&c) if c.is_ascii() => c.is_ascii_alphanumeric() || c == b'_',
        Some(&c) => (0xD0..=0xD3).contains(&c),
        None => false,
    }
}

/// Why a message has (or does not have) its topics: every cue of the lexicon found in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The topics found (the same set as [`TopicMatcher::matches`]).
    pub topics: TopicSet,
    /// Every cue found, in the order of its end in the body: terms that counted, sides of cue
    /// pairs, and matches cancelled by an exclude. Matches that failed a word boundary are
    /// not listed (they are not cues: `pay` in `repay`).
    pub cues: Vec<Cue>,
    /// The cue pairs complete in the body (every side found, none excluded), as (topic index,
    /// pair index among the topic's pairs), in lexicon order.
    pub complete_pairs: Vec<(usize, usize)>,
}

/// One cue found in a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cue {
    /// The topic's index.
    pub topic: usize,
    /// The term as written in the lexicon (with its `*` markers).
    pub term: String,
    /// Where it was found (byte range of the body).
    pub at: Range<usize>,
    /// A term, or a side of a cue pair.
    pub role: CueRole,
    /// The exclude (as written) that cancelled this match, if one did.
    pub excluded_by: Option<String>,
}

/// What a [`Cue`] is to its topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CueRole {
    /// A term: it finds the topic alone.
    Term,
    /// Side `side` of the topic's cue pair `pair` (indices in the lexicon's order): it finds
    /// the topic only together with every other side of the pair.
    PairSide {
        /// The pair's index among the topic's pairs.
        pair: usize,
        /// The side's index in the pair.
        side: usize,
    },
}

impl TopicMatcher {
    /// Compiles `lexicon` into one automaton. Fails when the lexicon has more than
    /// [`MAX_TOPICS`] topics (possible after [`Lexicon::extend`]) or more than
    /// [`MAX_PAIR_SIDES`] cue-pair sides, a term is empty, or the automaton would be too large.
    pub fn new(lexicon: &Lexicon) -> Result<TopicMatcher, LexiconError> {
        let topics = lexicon.topics();
        let plain = |message: String| LexiconError {
            line: None,
            column: None,
            message,
        };
        if topics.len() > MAX_TOPICS {
            return Err(plain(format!(
                "too many topics: {} (at most {MAX_TOPICS})",
                topics.len()
            )));
        }
        let sides: usize = topics.iter().flat_map(|t| &t.pairs).map(|p| p.len()).sum();
        if sides > MAX_PAIR_SIDES {
            return Err(plain(format!(
                "too many cue-pair sides: {sides} (at most {MAX_PAIR_SIDES} in all topics)"
            )));
        }
        let mut b = Builder::default();
        for (ti, topic) in topics.iter().enumerate() {
            let excl: Vec<(Parsed, Vec<Vec<u8>>, u32)> = topic
                .exclude
                .iter()
                .map(|e| {
                    let p = parse_term(e);
                    let forms = case_forms(&p.core);
                    (p, forms, b.text(e))
                })
                .collect();
            for term in &topic.terms {
                b.add(ti as u32, NO_CUE, term, &excl, &topic.id)?;
            }
            for (pi, pair) in topic.pairs.iter().enumerate() {
                let first = b.side_pair.len() as u32;
                let mut mask = 0u128;
                for side in pair {
                    let bit = b.side_pair.len() as u32;
                    b.side_pair.push(b.pairs.len() as u32);
                    mask |= 1u128 << bit;
                    for term in side {
                        b.add(ti as u32, bit, term, &excl, &topic.id)?;
                    }
                }
                b.pairs.push(PairRule {
                    topic: ti as u32,
                    sides: mask,
                    first_side: first,
                    index: pi as u32,
                });
            }
        }
        let engine = Engine::build(&b.pats)
            .map_err(|e| plain(format!("cannot build the topic automaton: {e}")))?;
        let mut rules = Vec::new();
        let mut patterns = Vec::with_capacity(b.pat_rules.len());
        for list in b.pat_rules {
            let start = rules.len();
            let mask = list.iter().fold(0u64, |m, r| m | (1u64 << r.topic));
            rules.extend(list);
            patterns.push(PatternRules {
                mask,
                rules: start..rules.len(),
            });
        }
        Ok(TopicMatcher {
            engine,
            patterns,
            rules,
            excludes: b.excludes,
            side_pair: b.side_pair,
            pairs: b.pairs,
            texts: b.texts,
            ids: topics.iter().map(|t| t.id.clone()).collect(),
            labels: topics.iter().map(|t| t.label.clone()).collect(),
        })
    }

    /// The topics `body` mentions. System and encrypted messages mention none.
    pub fn matches(&self, body: &str, kind: Kind) -> TopicSet {
        if !matchable(kind) {
            return TopicSet::EMPTY;
        }
        TopicSet(match &self.engine {
            Engine::Dfa(a) => self.scan(a, body.as_bytes()),
            Engine::Nfa(a) => self.scan(a, body.as_bytes()),
        })
    }

    /// Every cue of the lexicon in `body` and the topics they give (see [`Explanation`]):
    /// what `--why` shows. Slower than [`TopicMatcher::matches`] (it records every match and
    /// allocates); meant for single messages.
    pub fn explain(&self, body: &str) -> Explanation {
        let b = body.as_bytes();
        let mut cues = Vec::new();
        match &self.engine {
            Engine::Dfa(a) => self.explain_walk(a, b, &mut cues),
            Engine::Nfa(a) => self.explain_walk(a, b, &mut cues),
        }
        let mut seen = 0u128;
        for (c, r) in &cues {
            if c.excluded_by.is_none() && *r != NO_CUE {
                seen |= 1u128 << (r & 127);
            }
        }
        Explanation {
            topics: self.matches(body, Kind::Message),
            cues: cues.into_iter().map(|(c, _)| c).collect(),
            complete_pairs: self
                .pairs
                .iter()
                .filter(|p| seen & p.sides == p.sides)
                .map(|p| (p.topic as usize, p.index as usize))
                .collect(),
        }
    }

    fn explain_walk<A: Automaton>(&self, a: &A, b: &[u8], cues: &mut Vec<(Cue, u32)>) {
        let Ok(mut sid) = a.start_state(Anchored::No) else {
            return;
        };
        for (i, &byte) in b.iter().enumerate() {
            sid = a.next_state(Anchored::No, sid, byte);
            if !a.is_match(sid) {
                continue;
            }
            let end = i + 1;
            for k in 0..a.match_len(sid) {
                let pid = a.match_pattern(sid, k);
                let Some(p) = self.patterns.get(pid.as_usize()) else {
                    continue;
                };
                let Some(start) = end.checked_sub(a.pattern_len(pid)) else {
                    continue;
                };
                for r in self.rules.get(p.rules.clone()).unwrap_or_default() {
                    if (r.start_boundary && word_before(b, start))
                        || (r.end_boundary && word_at(b, end))
                    {
                        continue;
                    }
                    let role = match self.side_pair.get(r.cue as usize) {
                        Some(&pi) => {
                            let pr = &self.pairs[pi as usize];
                            CueRole::PairSide {
                                pair: pr.index as usize,
                                side: (r.cue - pr.first_side) as usize,
                            }
                        }
                        None => CueRole::Term,
                    };
                    let cue = Cue {
                        topic: r.topic as usize,
                        term: self.text(r.text).to_string(),
                        at: start..end,
                        role,
                        excluded_by: self
                            .exclude_at(r, b, start)
                            .map(|x| self.text(x.text).to_string()),
                    };
                    cues.push((cue, r.cue));
                }
            }
        }
    }

    fn text(&self, i: u32) -> &str {
        self.texts.get(i as usize).map_or("", |s| s.as_str())
    }

    /// The topics of each of `messages`, into `sets` (cleared first), in order: what a sink
    /// that holds messages back to match them together calls.
    pub fn match_messages(&self, messages: &[Message<'_>], sets: &mut Vec<TopicSet>) {
        sets.clear();
        self.matches_batch(messages.iter().map(|m| (m.body.as_ref(), m.kind)), sets);
    }

    /// [`TopicMatcher::matches`] for many messages: pushes one set per message to `out`, in
    /// order. Same results, about twice as fast on short bodies: it walks the automaton over
    /// four messages at once, so the CPU overlaps their table look-ups.
    pub fn matches_batch<'b, I>(&self, messages: I, out: &mut Vec<TopicSet>)
    where
        I: IntoIterator<Item = (&'b str, Kind)>,
    {
        match &self.engine {
            Engine::Dfa(a) => self.batch(a, messages.into_iter(), out),
            Engine::Nfa(a) => self.batch(a, messages.into_iter(), out),
        }
    }

    /// Walks `b` through the automaton; the topic bits found.
    fn scan<A: Automaton>(&self, a: &A, b: &[u8]) -> u64 {
        let all = self.all();
        let Ok(mut sid) = a.start_state(Anchored::No) else {
            return 0;
        };
        let mut w = Walk::default();
        for (i, &byte) in b.iter().enumerate() {
            sid = a.next_state(Anchored::No, sid, byte);
            if a.is_match(sid) {
                self.on_match(a, sid, b, i + 1, &mut w);
                if w.found == all {
                    break;
                }
            }
        }
        w.found
    }

    /// The interleaved walk behind [`TopicMatcher::matches_batch`].
    fn batch<'b, A: Automaton>(
        &self,
        a: &A,
        mut messages: impl Iterator<Item = (&'b str, Kind)>,
        out: &mut Vec<TopicSet>,
    ) {
        let Ok(start) = a.start_state(Anchored::No) else {
            out.extend(messages.map(|_| TopicSet::EMPTY));
            return;
        };
        // Per lane: the body, how far it is walked, its state, its walk and its slot.
        let mut body: [&[u8]; LANES] = [&[]; LANES];
        let mut pos = [0usize; LANES];
        let mut sid = [start; LANES];
        let mut walk = [Walk::default(); LANES];
        let mut slot = [usize::MAX; LANES];
        loop {
            // Refill the idle lanes with the next messages that need a walk.
            for l in 0..LANES {
                if slot[l] != usize::MAX {
                    continue;
                }
                for (text, kind) in messages.by_ref() {
                    out.push(TopicSet::EMPTY);
                    if matchable(kind) && !text.is_empty() {
                        (body[l], pos[l], sid[l], walk[l]) =
                            (text.as_bytes(), 0, start, Walk::default());
                        slot[l] = out.len() - 1;
                        break;
                    }
                }
            }
            if slot.contains(&usize::MAX) {
                // The messages ran out: finish the lanes one by one.
                for l in 0..LANES {
                    if let Some(o) = out.get_mut(slot[l]) {
                        let rest = body[l].get(pos[l]..).unwrap_or_default();
                        *o = TopicSet(self.resume(a, sid[l], body[l], pos[l], rest, walk[l]));
                    }
                }
                return;
            }
            let n = (0..LANES)
                .map(|l| body[l].len().saturating_sub(pos[l]))
                .min()
                .unwrap_or(0);
            let chunk = |l: usize| body[l].get(pos[l]..pos[l] + n).unwrap_or_default();
            let (c0, c1, c2, c3) = (chunk(0), chunk(1), chunk(2), chunk(3));
            for (k, (((&x0, &x1), &x2), &x3)) in c0.iter().zip(c1).zip(c2).zip(c3).enumerate() {
                let s0 = a.next_state(Anchored::No, sid[0], x0);
                let s1 = a.next_state(Anchored::No, sid[1], x1);
                let s2 = a.next_state(Anchored::No, sid[2], x2);
                let s3 = a.next_state(Anchored::No, sid[3], x3);
                sid = [s0, s1, s2, s3];
                if a.is_match(s0) | a.is_match(s1) | a.is_match(s2) | a.is_match(s3) {
                    for l in 0..LANES {
                        if a.is_match(sid[l]) {
                            self.on_match(a, sid[l], body[l], pos[l] + k + 1, &mut walk[l]);
                        }
                    }
                }
            }
            for l in 0..LANES {
                pos[l] += n;
                if pos[l] >= body[l].len() {
                    if let Some(o) = out.get_mut(slot[l]) {
                        *o = TopicSet(walk[l].found);
                    }
                    slot[l] = usize::MAX;
                }
            }
        }
    }

    /// Continues a walk of `body` at `pos` (where `rest` starts) in state `sid`.
    fn resume<A: Automaton>(
        &self,
        a: &A,
        mut sid: StateID,
        body: &[u8],
        pos: usize,
        rest: &[u8],
        mut w: Walk,
    ) -> u64 {
        for (k, &byte) in rest.iter().enumerate() {
            sid = a.next_state(Anchored::No, sid, byte);
            if a.is_match(sid) {
                self.on_match(a, sid, body, pos + k + 1, &mut w);
            }
        }
        w.found
    }

    /// Every topic bit of the lexicon.
    fn all(&self) -> u64 {
        match self.ids.len() {
            n if n >= MAX_TOPICS => u64::MAX,
            n => (1u64 << n) - 1,
        }
    }

    /// Takes the matches that end at `end` in state `sid` into `w`: a term's topic is found,
    /// a pair side's bit is set (and its pair's topic found once every side is).
    #[inline(never)]
    fn on_match<A: Automaton>(&self, a: &A, sid: StateID, b: &[u8], end: usize, w: &mut Walk) {
        for i in 0..a.match_len(sid) {
            let pid = a.match_pattern(sid, i);
            let Some(p) = self.patterns.get(pid.as_usize()) else {
                continue;
            };
            if p.mask & !w.found == 0 {
                continue;
            }
            let Some(start) = end.checked_sub(a.pattern_len(pid)) else {
                continue;
            };
            let Some(rules) = self.rules.get(p.rules.clone()) else {
                continue;
            };
            for r in rules {
                let bit = 1u64 << r.topic;
                if w.found & bit != 0
                    || (r.start_boundary && word_before(b, start))
                    || (r.end_boundary && word_at(b, end))
                    || self.exclude_at(r, b, start).is_some()
                {
                    continue;
                }
                if r.cue == NO_CUE {
                    w.found |= bit;
                } else {
                    w.cues |= 1u128 << (r.cue & 127);
                    let pair = self
                        .side_pair
                        .get(r.cue as usize)
                        .and_then(|&p| self.pairs.get(p as usize));
                    if let Some(pr) = pair
                        && w.cues & pr.sides == pr.sides
                    {
                        w.found |= bit;
                    }
                }
            }
        }
    }

    /// The exclude of rule `r`'s topic that covers the match of its pattern at `start`, if any.
    fn exclude_at(&self, r: &Rule, b: &[u8], start: usize) -> Option<&ExcludeCheck> {
        let checks = self.excludes.get(r.excludes.clone())?;
        checks.iter().find(|x| {
            let Some(s) = start.checked_sub(x.offset) else {
                return false;
            };
            let Some(e) = s.checked_add(x.bytes.len()) else {
                return false;
            };
            b.get(s..e)
                .is_some_and(|w| w.eq_ignore_ascii_case(&x.bytes))
                && !(x.start_boundary && word_before(b, s))
                && !(x.end_boundary && word_at(b, e))
        })
    }

    /// Topic ids by index (the index of a [`TopicSet`]).
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Topic labels by index.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// How many topics the matcher knows.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the matcher knows no topic.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// What [`TopicMatcher::new`] collects before building the automaton.
#[derive(Default)]
struct Builder {
    /// Pattern bytes (ASCII lower-cased) → index.
    index: HashMap<Vec<u8>, usize>,
    pats: Vec<Vec<u8>>,
    /// Per pattern: its rules.
    pat_rules: Vec<Vec<Rule>>,
    excludes: Vec<ExcludeCheck>,
    side_pair: Vec<u32>,
    pairs: Vec<PairRule>,
    texts: Vec<String>,
}

impl Builder {
    fn text(&mut self, t: &str) -> u32 {
        self.texts.push(t.to_string());
        (self.texts.len() - 1) as u32
    }

    /// Adds `term` of topic `topic` (a pair side when `cue` is not [`NO_CUE`]), with the
    /// excludes of its topic that contain it.
    fn add(
        &mut self,
        topic: u32,
        cue: u32,
        term: &str,
        excl: &[(Parsed, Vec<Vec<u8>>, u32)],
        id: &str,
    ) -> Result<(), LexiconError> {
        let p = parse_term(term);
        let forms = case_forms(&p.core);
        if forms.is_empty() {
            return Err(LexiconError {
                line: None,
                column: None,
                message: format!("term {term:?} of topic `{id}` is empty"),
            });
        }
        let text = self.text(term);
        for form in forms {
            let pi = match self.index.get(&form) {
                Some(&i) => i,
                None => {
                    self.pats.push(form.clone());
                    self.pat_rules.push(Vec::new());
                    self.index.insert(form.clone(), self.pats.len() - 1);
                    self.pats.len() - 1
                }
            };
            let first = self.excludes.len();
            for (ep, eforms, etext) in excl {
                for ef in eforms {
                    for offset in occurrences(ef, &form) {
                        self.excludes.push(ExcludeCheck {
                            bytes: ef.clone().into_boxed_slice(),
                            offset,
                            start_boundary: ep.start_boundary,
                            end_boundary: ep.end_boundary,
                            text: *etext,
                        });
                    }
                }
            }
            let rule = Rule {
                topic,
                cue,
                start_boundary: p.start_boundary,
                end_boundary: p.end_boundary,
                excludes: first..self.excludes.len(),
                text,
            };
            let list = &mut self.pat_rules[pi];
            let dup = list.iter().any(|r| {
                r.topic == rule.topic
                    && r.cue == rule.cue
                    && r.start_boundary == rule.start_boundary
                    && r.end_boundary == rule.end_boundary
            });
            if dup {
                self.excludes.truncate(first);
            } else {
                list.push(rule);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(toml: &str) -> TopicMatcher {
        TopicMatcher::new(&Lexicon::from_toml(toml).unwrap()).unwrap()
    }

    /// The ids of the topics `body` (an ordinary message) mentions.
    fn ids(m: &TopicMatcher, body: &str) -> Vec<String> {
        m.matches(body, Kind::Message)
            .iter()
            .map(|i| m.ids()[i].clone())
            .collect()
    }

    const PAY: &str = "[pay]\nlabel = \"Pay\"\nterms = [\"pay\", \"зп\", \"зарплат*\", \"工资\"]\n";

    #[test]
    fn ascii_term_needs_word_boundaries() {
        let m = matcher(PAY);
        assert!(ids(&m, "I will repay you tomorrow").is_empty());
        assert!(ids(&m, "the payload is ready").is_empty());
        assert!(ids(&m, "pay_day and pay2 and xpay").is_empty());
        assert_eq!(ids(&m, "where is my pay?"), ["pay"]);
        assert_eq!(ids(&m, "pay"), ["pay"]);
        assert_eq!(ids(&m, "(pay)"), ["pay"]);
    }

    #[test]
    fn ascii_terms_match_in_any_case_and_next_to_punctuation() {
        let m = matcher(PAY);
        assert_eq!(ids(&m, "Pay!"), ["pay"]);
        assert_eq!(ids(&m, "NO PAY AGAIN"), ["pay"]);
        assert_eq!(ids(&m, "pAy."), ["pay"]);
    }

    #[test]
    fn ascii_term_matches_next_to_chinese_characters() {
        let m = matcher(PAY);
        assert_eq!(ids(&m, "这个月的pay还没到"), ["pay"]);
    }

    #[test]
    fn cyrillic_term_needs_cyrillic_word_boundaries() {
        let m = matcher(PAY);
        assert!(ids(&m, "зпшка").is_empty());
        assert!(ids(&m, "азп").is_empty());
        assert!(ids(&m, "зп2").is_empty());
        assert_eq!(ids(&m, "где зп?"), ["pay"]);
        assert_eq!(ids(&m, "зп"), ["pay"]);
    }

    #[test]
    fn cyrillic_terms_match_lower_capitalised_and_upper_case() {
        let m = matcher(PAY);
        assert_eq!(ids(&m, "ЗП задерживают"), ["pay"]);
        assert_eq!(ids(&m, "Зп когда"), ["pay"]);
        assert_eq!(ids(&m, "Зарплата пришла"), ["pay"]);
        assert_eq!(ids(&m, "ГДЕ ЗАРПЛАТА"), ["pay"]);
        // Mixed case inside a word is not a compiled form.
        assert!(ids(&m, "зАрплата").is_empty());
    }

    #[test]
    fn star_drops_the_boundary_on_its_side() {
        let m = matcher(PAY);
        assert_eq!(ids(&m, "зарплату опять задержали"), ["pay"]);
        assert_eq!(ids(&m, "без зарплаты"), ["pay"]);
        // The start still needs a boundary.
        assert!(ids(&m, "недозарплата").is_empty());
        let m = matcher("[w]\nterms = [\"*line\"]\n");
        assert_eq!(ids(&m, "deadline"), ["w"]);
        assert!(ids(&m, "lines").is_empty());
    }

    #[test]
    fn chinese_terms_match_as_substrings() {
        let m = matcher(PAY);
        assert_eq!(ids(&m, "这个月工资又拖了"), ["pay"]);
        assert_eq!(ids(&m, "发工资了吗"), ["pay"]);
        assert_eq!(ids(&m, "工资"), ["pay"]);
    }

    #[test]
    fn a_message_counts_once_per_topic() {
        let m = matcher(
            "[pay]\nterms = [\"pay\", \"工资\"]\n[work]\nterms = [\"加班\", \"overtime\"]\n",
        );
        let set = m.matches("pay pay 工资 工资 加班 overtime 加班", Kind::Message);
        assert_eq!(set.len(), 2);
        assert_eq!(set.iter().collect::<Vec<_>>(), [0, 1]);
        assert!(set.contains(0) && set.contains(1) && !set.contains(2));
    }

    #[test]
    fn system_and_encrypted_messages_are_never_matched() {
        let m = matcher(PAY);
        assert!(m.matches("pay 工资 зп", Kind::System).is_empty());
        assert!(m.matches("pay 工资 зп", Kind::Encrypted).is_empty());
        for kind in [Kind::Message, Kind::Attachment, Kind::Call, Kind::Deleted] {
            assert_eq!(m.matches("pay", kind), TopicSet(1), "{kind:?}");
        }
    }

    #[test]
    fn overlapping_terms_of_different_topics_both_count() {
        let m = matcher("[pay]\nterms = [\"加班费\"]\n[work]\nterms = [\"加班\"]\n");
        assert_eq!(ids(&m, "加班费什么时候发"), ["pay", "work"]);
        // A longer term failing its boundary does not hide a shorter one.
        let m = matcher("[a]\nterms = [\"pay day\"]\n[b]\nterms = [\"pay\"]\n");
        assert_eq!(ids(&m, "pay days"), ["b"]);
    }

    #[test]
    fn exclude_cancels_only_the_term_matches_it_covers() {
        let m = matcher(
            "[work]\nterms = [\"压力\", \"累了\"]\nexclude = [\"压力测试\", \"积累了\"]\n\
             [other]\nterms = [\"测试\"]\n",
        );
        assert_eq!(ids(&m, "明天做压力测试"), ["other"]);
        assert!(ids(&m, "积累了不少经验").is_empty());
        assert_eq!(ids(&m, "压力测试做完了，压力好大"), ["work", "other"]);
        assert_eq!(ids(&m, "积累了经验，但我累了"), ["work"]);
    }

    #[test]
    fn exclude_follows_case_and_boundary_rules() {
        let m = matcher(
            "[pay]\nterms = [\"payment\", \"премия\"]\n\
             exclude = [\"payment gateway\", \"премия дарвина\"]\n",
        );
        assert!(ids(&m, "the Payment Gateway is down").is_empty());
        assert!(ids(&m, "Премия дарвина этому админу").is_empty());
        assert!(ids(&m, "ПРЕМИЯ ДАРВИНА").is_empty());
        // The exclude needs its own end boundary: "gatewayx" is not the exclude.
        assert_eq!(ids(&m, "payment gatewayx"), ["pay"]);
        assert_eq!(ids(&m, "премия будет"), ["pay"]);
    }

    #[test]
    fn a_pair_finds_its_topic_only_when_every_side_occurs() {
        let m = matcher(
            "[work]\nterms = [\"加班\"]\npairs = [[\"来不及\", [\"项目\", \"报告\"]]]\n\
             [other]\nterms = [\"飞机\"]\n",
        );
        assert_eq!(ids(&m, "项目来不及了"), ["work"]);
        assert_eq!(ids(&m, "来不及写报告"), ["work"]);
        assert_eq!(ids(&m, "上午早班飞机来不及"), ["other"]);
        assert!(ids(&m, "项目报告").is_empty());
        // Three sides: all are needed.
        let m = matcher("[w]\npairs = [[\"a\", \"b\", [\"c\", \"d\"]]]\n");
        assert!(ids(&m, "a b").is_empty());
        assert_eq!(ids(&m, "d then b then a"), ["w"]);
    }

    #[test]
    fn an_excluded_match_does_not_count_as_a_pair_side() {
        let m = matcher("[work]\npairs = [[\"忙\", [\"项目\", \"活\"]]]\nexclude = [\"帮忙\"]\n");
        assert!(ids(&m, "帮忙看下这个项目").is_empty());
        assert_eq!(ids(&m, "项目太忙了"), ["work"]);
        assert_eq!(ids(&m, "帮忙看下，活太多忙不过来"), ["work"]);
    }

    #[test]
    fn explain_lists_terms_pair_sides_and_exclusions() {
        let m = matcher(
            "[work]\nterms = [\"累了\"]\nexclude = [\"积累了\", \"帮忙\"]\n\
             pairs = [[\"忙\", \"项目\"]]\n[pay]\nterms = [\"工资\"]\n",
        );
        let x = m.explain("积累了经验，项目帮忙");
        assert!(x.topics.is_empty());
        assert_eq!(x.cues.len(), 3, "{x:?}");
        assert_eq!(x.cues[0].term, "累了");
        assert_eq!(x.cues[0].excluded_by.as_deref(), Some("积累了"));
        assert_eq!(x.cues[1].role, CueRole::PairSide { pair: 0, side: 1 });
        assert_eq!(x.cues[2].excluded_by.as_deref(), Some("帮忙"));
        assert!(x.complete_pairs.is_empty());
        let x = m.explain("项目忙，工资");
        assert_eq!(x.topics, m.matches("项目忙，工资", Kind::Message));
        assert_eq!(x.complete_pairs, [(0, 0)]);
        assert_eq!(x.cues.last().unwrap().term, "工资");
        assert_eq!(x.cues.last().unwrap().at, 12..18);
    }

    #[test]
    fn russian_forms_match_through_stems_short_forms_and_yo() {
        let m = matcher(
            "[pay]\nterms = [\"зарплат*\", \"зп\", \"з/п\"]\n[quit]\nterms = [\"ушёл из\"]\n",
        );
        for body in [
            "зарплата",
            "где зарплату?",
            "без зарплаты",
            "с зарплатой",
            "Зарплаты нет",
            "ЗП",
            "дай з/п",
            "З/П когда",
        ] {
            assert_eq!(ids(&m, body), ["pay"], "{body}");
        }
        assert_eq!(ids(&m, "он ушел из команды"), ["quit"]);
        assert_eq!(ids(&m, "Ушёл из команды"), ["quit"]);
        assert_eq!(ids(&m, "УШЕЛ ИЗ"), ["quit"]);
    }

    #[test]
    fn malformed_pairs_are_errors_at_the_pair() {
        let e = Lexicon::from_toml("[w]\nterms = [\"x\"]\npairs = [[\"a\"]]\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("two or more"), "{e}");
        let e = Lexicon::from_toml("[w]\npairs = [[\"a\", []]]\n").unwrap_err();
        assert!(e.message.contains("empty side"), "{e}");
        let e = Lexicon::from_toml("[w]\npairs = [[\"a\", [\"\"]]]\n").unwrap_err();
        assert!(e.message.contains("is empty"), "{e}");
        let many: String = (0..65)
            .map(|i| format!("[t{i}]\npairs = [[\"a{i}\", \"b{i}\"]]\n"))
            .collect();
        let lex = Lexicon::from_toml(&many[..many.len()]).unwrap_err();
        assert!(lex.message.contains("too many topics"), "{lex}");
        let sides: String = format!(
            "[t]\npairs = [{}]\n",
            (0..65)
                .map(|i| format!("[\"a{i}\", \"b{i}\"]"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let e = TopicMatcher::new(&Lexicon::from_toml(&sides).unwrap()).unwrap_err();
        assert!(e.message.contains("too many cue-pair sides: 130"), "{e}");
    }

    #[test]
    fn topic_set_iterates_indices_in_order() {
        let mut s = TopicSet::EMPTY;
        assert!(s.is_empty());
        s.insert(63);
        s.insert(0);
        s.insert(5);
        s.insert(64);
        assert_eq!(s.len(), 3);
        assert_eq!(s.iter().collect::<Vec<_>>(), [0, 5, 63]);
        assert!(s.contains(63) && !s.contains(64) && !s.contains(1));
    }

    #[test]
    fn lexicon_keeps_file_order_and_defaults_the_label_to_the_id() {
        let lex = Lexicon::from_toml(
            "[zeta]\nlabel = \"Zeta\"\nterms = [\"z\"]\n[alpha]\nterms = [\"a\"]\nexclude = [\"ab\"]\n",
        )
        .unwrap();
        let t = lex.topics();
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].id.as_str(), t[0].label.as_str()), ("zeta", "Zeta"));
        assert_eq!((t[1].id.as_str(), t[1].label.as_str()), ("alpha", "alpha"));
        assert_eq!(t[1].exclude, ["ab"]);
        let m = TopicMatcher::new(&lex).unwrap();
        assert_eq!(m.ids(), ["zeta", "alpha"]);
        assert_eq!(m.labels(), ["Zeta", "alpha"]);
    }

    #[test]
    fn topic_without_terms_is_an_error_at_its_header() {
        let e = Lexicon::from_toml("[pay]\nterms = [\"pay\"]\n\n[work]\nlabel = \"Work\"\n")
            .unwrap_err();
        assert_eq!((e.line, e.column), (Some(4), Some(2)));
        assert!(e.message.contains("`work` has no terms"), "{e}");
        assert!(
            e.to_string().starts_with("lexicon line 4, column 2:"),
            "{e}"
        );
        let e = Lexicon::from_toml("[work]\nterms = []\n").unwrap_err();
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn empty_and_whitespace_terms_are_errors_at_the_term() {
        let e = Lexicon::from_toml("[pay]\nterms = [\n  \"pay\",\n  \"\",\n]\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(4), Some(3)));
        assert!(e.message.contains("is empty"), "{e}");
        let e = Lexicon::from_toml("[pay]\nterms = [\"pay\"]\nexclude = [\"x\", \"  \"]\n")
            .unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(17)));
        assert!(
            e.message
                .contains("exclude term \"  \" of topic `pay` is only whitespace")
        );
        let e = Lexicon::from_toml("[pay]\nterms = [\"**\"]\n").unwrap_err();
        assert!(e.message.contains("nothing but `*`"), "{e}");
    }

    #[test]
    fn toml_syntax_and_unknown_keys_are_errors_with_their_line() {
        let e = Lexicon::from_toml("[pay]\nterms = [\"pay\"\n").unwrap_err();
        assert!(e.line.is_some(), "{e}");
        let e = Lexicon::from_toml("[pay]\nterms = [\"pay\"]\nterm = [\"wage\"]\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("term"), "{e}");
        let e = Lexicon::from_toml("[pay]\nterms = [\"pay\", 3]\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn more_than_64_topics_is_an_error() {
        let text: String = (0..65)
            .map(|i| format!("[t{i}]\nterms = [\"w{i}\"]\n"))
            .collect();
        let e = Lexicon::from_toml(&text).unwrap_err();
        assert_eq!(e.line, Some(129), "{e}");
        assert!(e.message.contains("too many topics: 65"), "{e}");
        let ok: String = (0..64)
            .map(|i| format!("[t{i}]\nterms = [\"w{i}\"]\n"))
            .collect();
        let mut lex = Lexicon::from_toml(&ok).unwrap();
        let m = TopicMatcher::new(&lex).unwrap();
        let s = m.matches("w0 w63", Kind::Message);
        assert_eq!(s.iter().collect::<Vec<_>>(), [0, 63]);
        lex.extend(Lexicon::from_toml("[extra]\nterms = [\"x\"]\n").unwrap());
        let e = TopicMatcher::new(&lex).unwrap_err();
        assert!(e.message.contains("too many topics: 65"), "{e}");
    }

    #[test]
    fn extend_adds_terms_to_known_ids_and_appends_new_ones() {
        let mut lex = Lexicon::from_toml(
            "[pay]\nlabel = \"Pay\"\nterms = [\"pay\"]\n[work]\nterms = [\"加班\"]\n",
        )
        .unwrap();
        lex.extend(
            Lexicon::from_toml(
                "[new]\nterms = [\"n\"]\n[pay]\nlabel = \"Other\"\nlabel_zh = \"工资\"\n\
                 terms = [\"pay\", \"wage\"]\nexclude = [\"pay it\"]\n",
            )
            .unwrap(),
        );
        let t = lex.topics();
        assert_eq!(
            t.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            ["pay", "work", "new"]
        );
        assert_eq!(t[0].label, "Pay");
        assert_eq!(t[0].label_zh.as_deref(), Some("工资"));
        assert_eq!(t[0].terms, ["pay", "wage"]);
        assert_eq!(t[0].exclude, ["pay it"]);
        let m = TopicMatcher::new(&lex).unwrap();
        assert_eq!(ids(&m, "wage and n"), ["pay", "new"]);
        assert!(ids(&m, "pay it").is_empty());
    }

    #[test]
    fn builtin_lexicon_parses_with_the_eight_topics() {
        let lex = Lexicon::builtin();
        let ids: Vec<&str> = lex.topics().iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "pay",
                "workload",
                "management",
                "quitting",
                "clients",
                "targets",
                "tools",
                "crypto"
            ]
        );
        assert!(
            lex.topics()
                .iter()
                .all(|t| !t.label.is_empty() && t.label_zh.is_some())
        );
        let m = TopicMatcher::new(&lex).unwrap();
        assert_eq!(m.len(), 8);
    }

    #[test]
    fn builtin_lexicon_keeps_the_documented_near_misses_apart() {
        let m = TopicMatcher::new(&Lexicon::builtin()).unwrap();
        assert_eq!(ids(&m, "the payload is crypted"), ["tools"]);
        assert!(ids(&m, "he will repay the loan").is_empty());
        assert_eq!(ids(&m, "скинь крипту на кошелек"), ["crypto"]);
        assert_eq!(ids(&m, "надо закриптовать билд"), ["tools"]);
        assert_eq!(ids(&m, "积累了很多经验"), Vec::<String>::new());
        assert_eq!(ids(&m, "我太累了"), ["workload"]);
        // 来不及 is workload only as work that cannot be finished in time (a cue pair).
        assert!(ids(&m, "上午早班飞机来不及").is_empty());
        assert!(ids(&m, "你那个签字今天来不及吗").is_empty());
        assert_eq!(ids(&m, "这个活今天肯定来不及做完"), ["workload"]);
        assert_eq!(ids(&m, "зарплату задержали"), ["pay"]);
        assert_eq!(ids(&m, "где з/п?"), ["pay"]);
    }
}

#[cfg(test)]
mod batch_tests {
    use super::*;
    use proptest::prelude::*;

    /// The built-in matcher, built once (a debug build takes a while to compile the DFA).
    fn builtin() -> &'static TopicMatcher {
        static M: std::sync::OnceLock<TopicMatcher> = std::sync::OnceLock::new();
        M.get_or_init(|| TopicMatcher::new(&Lexicon::builtin()).unwrap())
    }

    fn single(m: &TopicMatcher, items: &[(&str, Kind)]) -> Vec<TopicSet> {
        items.iter().map(|(b, k)| m.matches(b, *k)).collect()
    }

    fn batch(m: &TopicMatcher, items: &[(&str, Kind)]) -> Vec<TopicSet> {
        let mut out = Vec::new();
        m.matches_batch(items.iter().copied(), &mut out);
        out
    }

    #[test]
    fn batch_gives_the_same_sets_as_single_matching_in_order() {
        let m = builtin();
        let items: Vec<(&str, Kind)> = vec![
            ("工资又拖了", Kind::Message),
            ("", Kind::Message),
            ("pay day and the payload", Kind::Message),
            ("工资 system row", Kind::System),
            (
                "ЗП задерживают, сроки горят, надо закриптовать билд",
                Kind::Message,
            ),
            ("ciphertext pay", Kind::Encrypted),
            ("ok", Kind::Message),
            (
                "send btc to the wallet, boss says the client agreed",
                Kind::Attachment,
            ),
            ("积累了经验", Kind::Message),
            (
                "通宵加班，老板还画饼，甲方又改需求，内网横向到域控，免杀做好了，USDT到账",
                Kind::Call,
            ),
        ];
        let want = single(m, &items);
        assert_eq!(batch(m, &items), want);
        assert_eq!(want[0], TopicSet(1));
        assert!(want[3].is_empty() && want[5].is_empty() && want[1].is_empty());
        let ids: Vec<&str> = want[9].iter().map(|i| m.ids()[i].as_str()).collect();
        assert_eq!(
            ids,
            [
                "workload",
                "management",
                "clients",
                "targets",
                "tools",
                "crypto"
            ]
        );
        // Fewer messages than lanes, and none.
        assert_eq!(batch(m, &items[..2]), want[..2]);
        assert_eq!(batch(m, &[]), Vec::<TopicSet>::new());
    }

    #[test]
    fn batch_appends_to_what_out_holds() {
        let m = builtin();
        let mut out = vec![TopicSet(7)];
        m.matches_batch([("工资", Kind::Message)], &mut out);
        assert_eq!(out, [TopicSet(7), TopicSet(1)]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn any_text_matches_without_panic_and_batch_agrees(
            bodies in proptest::collection::vec(
                proptest::string::string_regex("[a-zа-яА-Я工资加班 _!0-9]{0,40}|.{0,60}").unwrap(),
                0..12,
            ),
            raw in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let m = builtin();
            let lossy = String::from_utf8_lossy(&raw).into_owned();
            let mut items: Vec<(&str, Kind)> =
                bodies.iter().map(|b| (b.as_str(), Kind::Message)).collect();
            items.push((lossy.as_str(), Kind::Message));
            prop_assert_eq!(batch(m, &items), single(m, &items));
        }
    }
}
