//! The property checks every parser's own tests share: random bytes read whole and split,
//! and fixtures damaged (cut, a line duplicated, two lines swapped, a byte replaced) keep
//! the records before the damage. A format describes itself once as a [`Subject`] and
//! calls [`props!`](crate::formats::testkit::props); what survives damage stays the
//! format's own rule ([`Subject::survives`]).
//!
//! `tests/props.rs` runs related checks over the whole reading path for every registered
//! format; these run many more cases per format, on its own fixtures and paths.

use super::{
    Collect, DiskFiles, Format, FormatOptions, Hint, ParseCtx, SurveyEnv, parse_text, split_text,
    survey_text,
};
use crate::model::Kind;
use crate::time::Zone;
use proptest::test_runner::TestCaseError;
use proptest::{prop_assert, prop_assert_eq};

/// How a format's tests read a text found at a path, in chunks of about `target` bytes
/// (`usize::MAX`: one).
pub(crate) type Read = for<'t> fn(path: &'t str, text: &'t str, target: usize) -> Collect<'t>;

/// What a read split into chunks must agree on with a whole read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Agree {
    /// Nothing beyond "no panic, every problem has a line".
    Lines,
    /// The same messages.
    Messages,
    /// The same messages and problems.
    Everything,
}

/// Where a surviving record must be found in the damaged read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Find {
    /// At the same index.
    Index,
    /// Somewhere, at the same offset.
    Offset,
    /// Anywhere in the damaged read made whole.
    Anywhere,
}

/// One format under test.
pub(crate) struct Subject {
    /// The format (sniffed, surveyed and split on random bytes too).
    pub format: &'static dyn Format,
    /// The path random bytes are read under.
    pub path: &'static str,
    /// How its tests read a text.
    pub read: Read,
    /// Fixtures to damage, with the paths they are read under.
    pub fixtures: &'static [(&'static str, &'static str)],
    /// What split reads agree on: random bytes and then damaged fixtures.
    pub agree: (Agree, Agree),
    /// Random bytes are also read after each of these starts (to get past the file header).
    pub prefixes: &'static [&'static str],
    /// Whether message `i` of the whole read of `original` must survive damage at byte
    /// `damage`.
    pub survives: fn(original: &str, whole: &Collect<'_>, i: usize, damage: usize) -> bool,
    /// Where a surviving message is looked for.
    pub find: Find,
}

impl Subject {
    /// `format` read by `read`, with the rules most formats keep: split reads of random
    /// bytes agree on messages and of damaged fixtures on everything, no prefixes, and a
    /// surviving message is found at its own index. The other methods change one rule.
    pub(crate) const fn new(
        format: &'static dyn Format,
        path: &'static str,
        read: Read,
        fixtures: &'static [(&'static str, &'static str)],
        survives: fn(&str, &Collect<'_>, usize, usize) -> bool,
    ) -> Self {
        Subject {
            format,
            path,
            read,
            fixtures,
            agree: (Agree::Messages, Agree::Everything),
            prefixes: &[],
            survives,
            find: Find::Index,
        }
    }

    /// What split reads agree on: random bytes, then damaged fixtures.
    pub(crate) const fn agree(self, random: Agree, damaged: Agree) -> Self {
        Subject {
            agree: (random, damaged),
            ..self
        }
    }

    /// Random bytes are also read after each of these.
    pub(crate) const fn prefixes(self, prefixes: &'static [&'static str]) -> Self {
        Subject { prefixes, ..self }
    }

    /// Where a surviving message is looked for.
    pub(crate) const fn find(self, find: Find) -> Self {
        Subject { find, ..self }
    }
}

/// A context for `path` in UTC.
pub(crate) fn ctx(path: &str) -> ParseCtx<'_> {
    ParseCtx::new(0, path, Zone::Utc)
}

/// `text` read by `format` as found at `path`, in UTC, in chunks of about `target` bytes.
pub(crate) fn parse_at<'a>(
    format: &dyn Format,
    path: &'a str,
    text: &'a str,
    target: usize,
) -> Collect<'a> {
    parse_text(format, text, &ctx(path), target)
}

/// `text` read whole by `format` as found at `path`, in UTC.
pub(crate) fn parse<'a>(format: &dyn Format, path: &'a str, text: &'a str) -> Collect<'a> {
    parse_at(format, path, text, usize::MAX)
}

/// `text` read as the pipeline reads it: surveyed first (with `options`), then parsed in
/// `zone` with the survey's hint (leaked, as a test may) in chunks of about `target` bytes.
pub(crate) fn surveyed<'a>(
    format: &dyn Format,
    path: &'a str,
    text: &'a str,
    zone: Zone,
    options: FormatOptions,
    target: usize,
) -> Collect<'a> {
    let hint = survey_text(format, path, text, options);
    let mut ctx = ParseCtx::new(0, path, zone);
    ctx.options = options;
    ctx.hint = hint.map(|h| &*Box::leak(h));
    parse_text(format, text, &ctx, target)
}

/// `format`'s survey of `text` as the pipeline runs it on several threads: the text cut at
/// line starts every `lines` lines, each piece fed to its own part ([`super::Survey::split`])
/// with its offset and line, the parts joined in order. `None` when the survey does not split.
pub(crate) fn survey_in_parts(
    format: &dyn Format,
    path: &str,
    text: &str,
    options: FormatOptions,
    lines: usize,
) -> Option<Box<dyn Hint>> {
    let mut files = DiskFiles;
    let mut memo = std::collections::HashMap::new();
    let mut env = SurveyEnv::new(path, options, &mut files, &mut memo);
    let mut survey = format.survey(&mut env)?;
    let (mut offset, mut line) = (0usize, 1u64);
    let pieces: Vec<&str> = text.split_inclusive('\n').collect();
    for group in pieces.chunks(lines.max(1)) {
        let piece: String = group.concat();
        let mut part = survey.split()?;
        part.feed(&piece, offset as u64, line);
        survey.join(part);
        offset += piece.len();
        line += group.len() as u64;
    }
    Some(survey.finish())
}

/// The messages' bodies.
pub(crate) fn bodies<'a>(c: &'a Collect<'_>) -> Vec<&'a str> {
    c.messages.iter().map(|m| m.body.as_ref()).collect()
}

/// The messages' kinds.
pub(crate) fn kinds(c: &Collect<'_>) -> Vec<Kind> {
    c.messages.iter().map(|m| m.kind).collect()
}

/// The problems' lines.
pub(crate) fn problem_lines(c: &Collect<'_>) -> Vec<u64> {
    c.problems.iter().map(|p| p.loc.line).collect()
}

/// The problems' lines and what they say.
pub(crate) fn problems<'a>(c: &'a Collect<'_>) -> Vec<(u64, &'a str)> {
    c.problems
        .iter()
        .map(|p| (p.loc.line, p.what.as_str()))
        .collect()
}

/// Asserts that `c` read no message and one problem, on `line`, whose text contains `what`.
pub(crate) fn assert_only_problem(c: &Collect<'_>, line: u64, what: &str) {
    assert!(c.messages.is_empty(), "messages: {:?}", c.messages);
    assert_eq!(problems(c).len(), 1, "problems: {:?}", problems(c));
    assert_eq!(c.problems[0].loc.line, line);
    assert!(
        c.problems[0].what.contains(what),
        "{:?}",
        c.problems[0].what
    );
}

/// Asserts that every message of `c` is in `channel`.
pub(crate) fn assert_all_in_channel(c: &Collect<'_>, channel: &str) {
    for m in &c.messages {
        assert_eq!(m.channel.as_deref(), Some(channel), "{m:?}");
    }
}

/// Checks `format`'s sniff score for each `(path, head, score)`, naming the case that fails.
pub(crate) fn assert_sniffs(format: &dyn Format, cases: &[(&str, &str, u8)]) {
    for &(path, head, score) in cases {
        assert_eq!(format.sniff(path, head), score, "sniff({path:?}, {head:?})");
    }
}

/// Every split point `format` offers in `text`, from the start: asserts each one starts with
/// `layout` (the text a record opens with) and returns how many there are.
pub(crate) fn count_splits(format: &dyn Format, text: &str, layout: &str) -> usize {
    let mut from = 0;
    let mut n = 0;
    while let Some(p) = format.next_record(text, from) {
        assert!(
            text[p..].starts_with(layout),
            "split at {p} does not open a record: {:?}",
            &text[p..(p + 40).min(text.len())]
        );
        n += 1;
        from = p + 1;
    }
    n
}

/// Each `(path, text)` read by `read` in chunks of every size in `targets` gives the same
/// messages and problems as read whole.
pub(crate) fn assert_split_reads_match(
    read: impl for<'t> Fn(&'t str, &'t str, usize) -> Collect<'t>,
    texts: &[(&str, &str)],
    targets: std::ops::Range<usize>,
) {
    for &(path, text) in texts {
        let whole = read(path, text, usize::MAX);
        for target in targets.clone() {
            let split = read(path, text, target);
            assert_eq!(split.messages, whole.messages, "{path} at {target}");
            assert_eq!(split.problems, whole.problems, "{path} at {target}");
        }
    }
}

/// A [`Subject::survives`] rule: a record survives when the record after the next one
/// starts before the damage.
pub(crate) fn after_next_starts_before(_: &str, whole: &Collect<'_>, i: usize, d: usize) -> bool {
    let after_next = whole.messages.get(i + 2);
    after_next.is_some_and(|n| n.loc.offset as usize <= d)
}

/// A [`Subject::survives`] rule: a message whose JSON object ends before the damage survives.
pub(crate) fn object_ends_before(original: &str, whole: &Collect<'_>, i: usize, d: usize) -> bool {
    let start = whole.messages[i].loc.offset as usize;
    super::jsonish::object_end(original.as_bytes(), start).is_some_and(|e| e <= d)
}

/// Reads `text` whole and split at `target`, checking lines and what `agree` asks for.
pub(crate) fn split_agrees(
    read: Read,
    path: &str,
    text: &str,
    target: usize,
    agree: Agree,
) -> Result<(), TestCaseError> {
    let split = read(path, text, target);
    prop_assert!(split.problems.iter().all(|p| p.loc.line >= 1));
    if agree == Agree::Lines {
        return Ok(());
    }
    let whole = read(path, text, usize::MAX);
    prop_assert!(whole.problems.iter().all(|p| p.loc.line >= 1));
    prop_assert_eq!(&split.messages, &whole.messages);
    if agree == Agree::Everything {
        prop_assert_eq!(&split.problems, &whole.problems);
    }
    Ok(())
}

/// Random bytes: no panic anywhere (sniff, survey, split, parse), split reads agree.
pub(crate) fn random_bytes(s: &Subject, bytes: &[u8], target: usize) -> Result<(), TestCaseError> {
    let t = String::from_utf8_lossy(bytes);
    split_agrees(s.read, s.path, &t, target, s.agree.0)?;
    let _ = s.format.sniff(s.path, &t);
    let _ = survey_text(s.format, s.path, &t, FormatOptions::default());
    let _ = split_text(s.format, &t, target);
    for p in s.prefixes {
        split_agrees(s.read, s.path, &format!("{p}{t}"), target, s.agree.0)?;
    }
    Ok(())
}

/// Fixture `f` damaged by [`mutate`]: split reads agree, and every message
/// [`Subject::survives`] names is read as before.
#[allow(clippy::too_many_arguments)]
pub(crate) fn damaged(
    s: &Subject,
    f: usize,
    kind: u8,
    a: usize,
    b: usize,
    byte: u8,
    target: usize,
) -> Result<(), TestCaseError> {
    let (path, original) = s.fixtures[f % s.fixtures.len()];
    let (damaged, damage) = mutate(original, kind, a, b, byte);
    split_agrees(s.read, path, &damaged, target, s.agree.1)?;
    let whole = (s.read)(path, original, usize::MAX);
    let got = match s.find {
        Find::Anywhere => (s.read)(path, &damaged, usize::MAX),
        _ => (s.read)(path, &damaged, target),
    };
    for (i, m) in whole.messages.iter().enumerate() {
        if !(s.survives)(original, &whole, i, damage) {
            continue;
        }
        match s.find {
            Find::Index => prop_assert_eq!(Some(m), got.messages.get(i), "message {}", i),
            Find::Offset => {
                let g = got.messages.iter().find(|g| g.loc.offset == m.loc.offset);
                prop_assert_eq!(Some(m), g, "message {}", i);
            }
            Find::Anywhere => prop_assert!(got.messages.contains(m), "lost {:?}", m),
        }
    }
    Ok(())
}

/// The start of the line holding byte `at` of `text`.
pub(crate) fn line_start_of(text: &str, at: usize) -> usize {
    super::scan::line_start(text.as_bytes(), at)
}

/// The 1-based line number of byte `at` of `text`.
pub(crate) fn line_of(text: &str, at: usize) -> u64 {
    let b = text.as_bytes();
    memchr::memchr_iter(b'\n', &b[..at.min(b.len())]).count() as u64 + 1
}

fn floor_boundary(s: &str, mut p: usize) -> usize {
    p = p.min(s.len());
    while !s.is_char_boundary(p) {
        p -= 1;
    }
    p
}

/// Damages `text` by `kind % 4`: 0 cuts it, 1 duplicates a line after itself, 2 swaps two
/// lines, 3 replaces a byte. The damaged text and its first changed byte.
pub(crate) fn mutate(text: &str, kind: u8, a: usize, b: usize, byte: u8) -> (String, usize) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let line_start = |k: usize| lines[..k].iter().map(|l| l.len()).sum::<usize>();
    match kind % 4 {
        _ if text.is_empty() => (String::new(), 0),
        0 => {
            let p = floor_boundary(text, a % (text.len() + 1));
            (text[..p].to_string(), p)
        }
        1 => {
            let k = a % lines.len();
            let copy = if lines[k].ends_with('\n') {
                lines[k].to_string()
            } else {
                format!("\n{}", lines[k])
            };
            let mut out: Vec<&str> = lines.clone();
            out.insert(k + 1, &copy);
            (out.concat(), line_start(k + 1))
        }
        2 => {
            let (j, k) = (a % lines.len(), b % lines.len());
            let (j, k) = (j.min(k), j.max(k));
            let mut out = lines.clone();
            out.swap(j, k);
            (out.concat(), line_start(j))
        }
        _ => {
            let p = a % text.len();
            let mut bytes = text.as_bytes().to_vec();
            bytes[p] = byte;
            (
                String::from_utf8_lossy(&bytes).into_owned(),
                floor_boundary(text, p),
            )
        }
    }
}

/// The two shared properties of a format's tests, for its [`Subject`]:
/// `random_bytes_never_panic` and `mutated_fixture_keeps_earlier_messages`.
macro_rules! props {
    ($subject:expr) => {
        proptest::proptest! {
            #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

            #[test]
            fn random_bytes_never_panic(
                bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
                target in 1usize..64,
            ) {
                $crate::formats::testkit::random_bytes(&$subject, &bytes, target)?;
            }

            #[test]
            fn mutated_fixture_keeps_earlier_messages(
                f in proptest::prelude::any::<usize>(),
                kind in proptest::prelude::any::<u8>(),
                a in proptest::prelude::any::<usize>(),
                b in proptest::prelude::any::<usize>(),
                byte in proptest::prelude::any::<u8>(),
                target in proptest::prop_oneof![
                    proptest::strategy::Just(usize::MAX),
                    1usize..200,
                    200usize..2000,
                ],
            ) {
                $crate::formats::testkit::damaged(&$subject, f, kind, a, b, byte, target)?;
            }
        }
    };
}
pub(crate) use props;

/// A proptest named `$name`: text made of random pieces reads the same whole and split
/// (messages and problems) by the [`Subject`]'s `read` at its path. `lines [strategies]`:
/// up to 20 lines drawn from the string strategies, split at 1..64 bytes; `tokens SOUP`:
/// up to 300 pieces of the `&str` array `SOUP` run together, split at 1..120 bytes.
macro_rules! noise {
    ($subject:expr, $name:ident, lines [$($line:expr),+ $(,)?]) => {
        proptest::proptest! {
            #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

            #[test]
            fn $name(
                lines in proptest::collection::vec(proptest::prop_oneof![$($line),+], 0..20),
                target in 1usize..64,
            ) {
                let s = &$subject;
                let text = lines.join("\n");
                $crate::formats::testkit::split_agrees(
                    s.read, s.path, &text, target, $crate::formats::testkit::Agree::Everything,
                )?;
            }
        }
    };
    ($subject:expr, $name:ident, tokens $soup:expr) => {
        proptest::proptest! {
            #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

            #[test]
            fn $name(
                toks in proptest::collection::vec(0usize..$soup.len(), 0..300),
                target in 1usize..120,
            ) {
                let s = &$subject;
                let text: String = toks.iter().map(|&t| $soup[t]).collect();
                $crate::formats::testkit::split_agrees(
                    s.read, s.path, &text, target, $crate::formats::testkit::Agree::Everything,
                )?;
            }
        }
    };
}
pub(crate) use noise;

/// `const NAME: &str` holding each fixture file, named relative to `testdata/DIR/`:
/// `fixtures!("dir": NAME "file", …)`.
macro_rules! fixtures {
    ($dir:literal: $($name:ident $file:literal),+ $(,)?) => {
        $(
            const $name: &str = include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"), "/testdata/", $dir, "/", $file
            ));
        )+
    };
}
pub(crate) use fixtures;
