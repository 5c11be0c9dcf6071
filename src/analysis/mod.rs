//! Analyses: accumulators that observe the message stream and merge.
//!
//! Each analysis implements [`Accumulator`]: chunks are parsed in parallel, each into a fresh
//! accumulator, and the accumulators are merged in input order, so results are identical for
//! any thread count. State is O(people × buckets) (or O(conversations)), never O(messages):
//! `timeline` over 10 GB runs in the memory of 10 MB.
//!
//! What every analysis sees of a message is an [`Observation`]: the message, the person it is
//! from after the alias file, and its local time in the output zone, computed once.

pub mod activity;
pub mod alias;
pub mod bundle;
pub mod files;
pub mod graph;
pub mod overview;
pub mod people;
pub mod suggest;
pub mod timeline;
pub mod topic_eval;
pub mod topic_sample;
pub mod topics;
pub mod trend;
pub mod tzhint;

use crate::formats::Sink;
use crate::model::{Kind, Message, Problem};
use crate::pipeline::{self, Options, Report};
use crate::source::{SourceFile, WalkProblem};
use crate::time::{OffsetCache, Zone, civil_from_days};
use alias::{AliasConflict, Aliases, Resolver};

/// A fast hash map with a fixed seed (deterministic across runs).
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// A fast hash set with a fixed seed.
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::FixedState>;

/// Adds the entries of `later` to `mine`: a key in both is merged with `merge`, a new key
/// is moved in. The merge step of accumulators that keep a map per person or channel.
pub fn merge_map<K, V>(
    mine: &mut FastMap<K, V>,
    later: FastMap<K, V>,
    mut merge: impl FnMut(&mut V, V),
) where
    K: std::hash::Hash + Eq,
{
    for (k, v) in later {
        match mine.get_mut(&k) {
            Some(m) => merge(m, v),
            None => {
                mine.insert(k, v);
            }
        }
    }
}

/// Which messages to keep: time range, kinds and senders.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Inclusive lower bound, µs since the epoch.
    pub from: Option<i64>,
    /// Exclusive upper bound, µs since the epoch.
    pub to: Option<i64>,
    /// Keep only messages whose sender or person is one of these (all when empty).
    pub persons: Vec<String>,
}

impl Filter {
    /// True when `m`, from `person`, passes.
    #[inline]
    pub fn keep(&self, m: &Message<'_>, person: &str) -> bool {
        if self.from.is_some_and(|f| m.time.micros < f)
            || self.to.is_some_and(|t| m.time.micros >= t)
        {
            return false;
        }
        self.persons.is_empty()
            || self
                .persons
                .iter()
                .any(|p| p == m.sender.as_ref() || p == person)
    }
}

/// A local wall-clock reading of an instant in the output zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalTime {
    /// Local days since 1970-01-01.
    pub days: i64,
    /// Second of the local day (0–86,399).
    pub second: u32,
    /// Weekday, Monday = 0 … Sunday = 6.
    pub weekday: u8,
    /// The zone's offset at that instant, seconds east of UTC.
    pub offset: i32,
}

impl LocalTime {
    /// The local reading of `micros` at `offset`.
    #[inline]
    pub fn at(micros: i64, offset: i32) -> LocalTime {
        let local = micros.div_euclid(1_000_000) + i64::from(offset);
        let days = local.div_euclid(86_400);
        LocalTime {
            days,
            second: local.rem_euclid(86_400) as u32,
            weekday: crate::time::weekday_from_days(days) as u8,
            offset,
        }
    }

    /// Hour of the day, 0–23.
    #[inline]
    pub fn hour(&self) -> u32 {
        self.second / 3600
    }

    /// (year, month, day) of the local date.
    pub fn date(&self) -> (i32, u32, u32) {
        civil_from_days(self.days)
    }
}

/// What an analysis sees of one message.
#[derive(Debug)]
pub struct Observation<'o, 'a> {
    /// The message.
    pub message: &'o Message<'a>,
    /// The person it is from: the alias file's name for the sender, or the sender itself.
    pub person: &'o str,
    /// The person it is to (the recipient after the alias file), for direct messages.
    pub recipient: Option<&'o str>,
    /// When it was sent, read in the output zone.
    pub local: LocalTime,
    /// The topics it mentions (empty when the run matches no topics, and for system and
    /// encrypted rows).
    pub topics: topics::TopicSet,
}

/// A mergeable analysis state.
pub trait Accumulator: Send {
    /// Takes one message into account.
    fn observe(&mut self, o: &Observation<'_, '_>);
    /// Adds the state of the input that comes after this one.
    fn merge(&mut self, later: Self)
    where
        Self: Sized;
}

/// How messages reach the analyses.
#[derive(Debug, Clone)]
pub struct Settings<'s> {
    /// The zone of local times, hours and buckets.
    pub tz: Zone,
    /// The alias file (or none).
    pub aliases: &'s Aliases,
    /// Which messages to keep.
    pub filter: &'s Filter,
    /// Count system rows (joins, notices) as activity.
    pub include_system: bool,
    /// Match topics (fills [`Observation::topics`]).
    pub topics: Option<&'s topics::TopicMatcher>,
}

/// An alias conflict found while reading ends the run with this error.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// An id matched the patterns of two people.
    #[error(transparent)]
    Alias(#[from] Box<AliasConflict>),
}

/// Turns messages into [`Observation`]s for accumulators: the person after the alias file,
/// the filter, the local time and the topics, each computed once. One per chunk.
pub struct Observer<'s> {
    resolver: Resolver<'s>,
    offsets: OffsetCache,
    settings: &'s Settings<'s>,
    conflict: Option<Box<AliasConflict>>,
}

impl<'s> Observer<'s> {
    /// An observer with the run's settings.
    pub fn new(settings: &'s Settings<'s>) -> Observer<'s> {
        Observer {
            resolver: settings.aliases.resolver(),
            offsets: OffsetCache::new(settings.tz),
            settings,
            conflict: None,
        }
    }

    /// Shows `m` to `acc` unless the filter drops it. Returns `None` when the filter drops
    /// it (or an alias conflict stopped the run: see [`Observer::conflict`]), else the topics
    /// it matched. System rows pass the filter but are shown to `acc` only with
    /// [`Settings::include_system`].
    #[inline]
    pub fn observe<A: Accumulator>(
        &mut self,
        m: &Message<'_>,
        acc: &mut A,
    ) -> Option<topics::TopicSet> {
        self.observe_with(m, acc, None)
    }

    /// [`Observer::observe`] with the topics of `m` already matched (`Some`), as
    /// [`topics::TopicMatcher::matches_batch`] finds them for many messages at once.
    #[inline]
    pub fn observe_with<A: Accumulator>(
        &mut self,
        m: &Message<'_>,
        acc: &mut A,
        matched: Option<topics::TopicSet>,
    ) -> Option<topics::TopicSet> {
        let person = match self.resolver.person_of(m) {
            Ok(p) => p,
            Err(c) => {
                self.conflict.get_or_insert(c);
                return None;
            }
        };
        if !self.settings.filter.keep(m, person) {
            return None;
        }
        let topics = match (matched, self.settings.topics) {
            (Some(t), _) => t,
            (None, Some(t)) => t.matches(&m.body, m.kind),
            (None, None) => topics::TopicSet::default(),
        };
        if m.kind == Kind::System && !self.settings.include_system {
            return Some(topics);
        }
        let recipient = match m.recipient.as_deref().map(|r| self.resolver.person(r)) {
            Some(Ok(r)) => Some(r),
            Some(Err(c)) => {
                self.conflict.get_or_insert(c);
                return None;
            }
            None => None,
        };
        let offset = self.offsets.offset(m.time.micros);
        let o = Observation {
            message: m,
            person,
            recipient,
            local: LocalTime::at(m.time.micros, offset),
            topics,
        };
        acc.observe(&o);
        Some(topics)
    }

    /// The run's settings.
    pub fn settings(&self) -> &'s Settings<'s> {
        self.settings
    }

    /// The first alias conflict met, which must end the run.
    pub fn conflict(&mut self) -> Option<Box<AliasConflict>> {
        self.conflict.take()
    }
}

/// How many messages a feed holds to match their topics together (faster than one by one).
pub const HOLD: usize = 64;

/// How many messages a chunk of `len` bytes holds back for topic matching at most: [`HOLD`],
/// or fewer for a small chunk, so thousands of tiny files in a batch stay small.
pub fn hold_for(len: usize) -> usize {
    HOLD.min(len / 32 + 1)
}

/// Feeds one chunk's messages to an accumulator; with topics, [`HOLD`] at a time.
struct Feed<'t, 's, A> {
    acc: A,
    observer: Observer<'s>,
    held: Vec<Message<'t>>,
    sets: Vec<topics::TopicSet>,
}

impl<A: Accumulator> Feed<'_, '_, A> {
    fn flush(&mut self) {
        let Some(t) = self.observer.settings.topics else {
            return;
        };
        t.match_messages(&self.held, &mut self.sets);
        for (m, set) in self.held.drain(..).zip(&self.sets) {
            self.observer.observe_with(&m, &mut self.acc, Some(*set));
        }
    }
}

impl<'t, A: Accumulator> Sink<'t> for Feed<'t, '_, A> {
    fn message(&mut self, m: Message<'t>) {
        if m.kind == Kind::System && !self.observer.settings.include_system {
            return;
        }
        if self.observer.settings.topics.is_none() {
            self.observer.observe(&m, &mut self.acc);
            return;
        }
        self.held.push(m);
        if self.held.len() == HOLD {
            self.flush();
        }
    }
    fn problem(&mut self, _p: Problem) {}
    fn finish(&mut self) {
        self.flush();
    }
}

/// Reads every input and folds the messages into one accumulator made by `make`, merging
/// chunk states in input order. `on_batch` sees the merged state after each batch (for
/// `--strict` checks); return an error from it to stop.
pub fn run<A, M, E>(
    files: &[SourceFile],
    opts: &Options,
    walk_problems: Vec<WalkProblem>,
    settings: &Settings<'_>,
    make: M,
    mut on_batch: impl FnMut(&Report) -> Result<(), E>,
) -> Result<(A, Report), E>
where
    A: Accumulator,
    M: Fn() -> A + Sync,
    E: From<AnalysisError>,
{
    let mut total = make();
    let report = pipeline::run(files, opts, walk_problems, |mut batch| -> Result<(), E> {
        let feeds = batch.parse_grouped(|_| Feed {
            acc: make(),
            observer: Observer::new(settings),
            held: Vec::new(),
            sets: Vec::new(),
        });
        for mut f in feeds {
            if let Some(c) = f.observer.conflict() {
                return Err(AnalysisError::Alias(c).into());
            }
            total.merge(f.acc);
        }
        on_batch(batch.report())
    })?;
    Ok((total, report))
}

/// Characters (Unicode scalar values) of a text, counted without decoding: the bytes that
/// are not UTF-8 continuation bytes (`10xxxxxx`), eight at a time.
#[inline]
pub fn char_count(s: &str) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let b = s.as_bytes();
    let mut continuation = 0u64;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let mut x = [0u8; 8];
        x.copy_from_slice(w);
        let x = u64::from_le_bytes(x);
        // Bit 7 set and bit 6 clear in the same byte (the shift never carries bit 7 of one
        // byte into bit 7 of the next).
        continuation += u64::from((x & !(x << 1) & HIGH).count_ones());
    }
    continuation += words
        .remainder()
        .iter()
        .filter(|&&c| c & 0xC0 == 0x80)
        .count() as u64;
    b.len() as u64 - continuation
}

/// A 64-bit key for the conversation a message belongs to (see [`Message::conversation`]).
#[inline]
pub fn conversation_key(m: &Message<'_>) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let (a, b) = m.conversation();
    let mut h = foldhash::fast::FixedState::with_seed(0x5EED).build_hasher();
    a.hash(&mut h);
    b.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_time_reads_day_hour_and_weekday_in_the_zone() {
        // 2021-06-02T01:15:09Z is a Wednesday; at +08:00 it is 09:15:09 the same day.
        let t = LocalTime::at(1_622_596_509_000_000, 8 * 3600);
        assert_eq!(t.date(), (2021, 6, 2));
        assert_eq!(t.hour(), 9);
        assert_eq!(t.weekday, 2);
        // At -05:00 it is still Tuesday evening.
        let t = LocalTime::at(1_622_596_509_000_000, -5 * 3600);
        assert_eq!((t.date(), t.hour(), t.weekday), ((2021, 6, 1), 20, 1));
    }

    #[test]
    fn char_count_counts_scalar_values() {
        assert_eq!(char_count("工资 pay зп"), 9);
        assert_eq!(char_count(""), 0);
        for s in [
            "a",
            "ab工资cdef зарплата 😀 x",
            "😀😀😀😀😀",
            "1234567",
            "12345678工",
        ] {
            for cut in 0..=s.len() {
                if let Some(t) = s.get(cut..) {
                    assert_eq!(char_count(t), t.chars().count() as u64, "{t:?}");
                }
            }
        }
    }
}
