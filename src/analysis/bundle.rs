//! Everything the report aggregates, in one accumulator: each message is observed once
//! (person, local time and topics computed by the [`super::Observer`]) and shown to every
//! part.

use super::graph::Graph;
use super::overview::Overview;
use super::people::{People, WorkWeek};
use super::timeline::{Bucket, Instant, Timeline};
use super::trend::Trend;
use super::tzhint::ZoneEvidence;
use super::{Accumulator, FastMap, Observation};

/// Example messages kept per topic for the report page.
pub const EXAMPLES: usize = 3;

/// Everything the report aggregates, in one accumulator.
#[derive(Debug)]
pub struct Bundle {
    /// Hours × weekdays, days, and per-person days (charts).
    pub overview: Overview,
    /// The `--by` timeline, when it is not days.
    pub timeline: Option<Timeline>,
    /// The people table.
    pub people: People,
    /// Topic counts per day, with examples.
    pub trend: Trend,
    /// Per topic: matching messages per person.
    pub topic_people: Vec<FastMap<String, u64>>,
    /// Who writes to whom.
    pub graph: Graph,
    /// Hours of the messages per file, for the zone hint.
    pub zones: ZoneEvidence,
}

impl Bundle {
    /// An empty bundle: the `by` timeline, people with `work`, `topics` topics.
    pub fn new(by: Bucket, work: WorkWeek, topics: usize) -> Bundle {
        Bundle {
            overview: Overview::new(),
            timeline: (by != Bucket::Day).then(|| Timeline::new(by)),
            people: People::new(work),
            trend: Trend::new(Bucket::Day, topics, false, EXAMPLES),
            topic_people: vec![FastMap::default(); topics],
            graph: Graph::new(),
            zones: ZoneEvidence::new(),
        }
    }
}

impl Accumulator for Bundle {
    fn observe(&mut self, o: &Observation<'_, '_>) {
        self.overview.observe(o);
        if let Some(t) = &mut self.timeline {
            t.observe(o);
        }
        self.people.observe(o);
        self.trend.observe(o);
        for t in o.topics.iter() {
            if let Some(m) = self.topic_people.get_mut(t) {
                match m.get_mut(o.person) {
                    Some(n) => *n += 1,
                    None => {
                        m.insert(o.person.to_string(), 1);
                    }
                }
            }
        }
        self.graph.observe(o);
        self.zones.observe(o);
    }
    fn merge(&mut self, later: Bundle) {
        self.overview.merge(later.overview);
        if let (Some(a), Some(b)) = (&mut self.timeline, later.timeline) {
            a.merge(b);
        }
        self.people.merge(later.people);
        self.trend.merge(later.trend);
        for (a, b) in self.topic_people.iter_mut().zip(later.topic_people) {
            for (k, v) in b {
                *a.entry(k).or_insert(0) += v;
            }
        }
        self.graph.merge(later.graph);
        self.zones.merge(later.zones);
    }
}

/// What the report page shows beyond the tables, computed from a [`Bundle`].
impl Bundle {
    /// The first and last message of anyone (by time; on ties, the first in input order).
    pub fn first_last(&self) -> (Option<Instant>, Option<Instant>) {
        self.people
            .rows()
            .iter()
            .fold((None::<Instant>, None::<Instant>), |(f, l), (_, s)| {
                let f = match (f, s.first) {
                    (Some(a), Some(b)) => Some(if b.micros < a.micros { b } else { a }),
                    (a, b) => a.or(b),
                };
                let l = match (l, s.last) {
                    (Some(a), Some(b)) => Some(if b.micros > a.micros { b } else { a }),
                    (a, b) => a.or(b),
                };
                (f, l)
            })
    }

    /// Messages the topics were matched against (system and encrypted rows never match).
    pub fn topic_total(&self) -> u64 {
        self.trend.buckets().iter().map(|(_, c)| c.total).sum()
    }

    /// Every topic with its matching messages, most first (ties in lexicon order).
    pub fn topic_ranking(&self) -> Vec<(usize, u64)> {
        let mut order: Vec<(usize, u64)> = (0..self.topic_people.len())
            .map(|t| {
                let hits = self
                    .trend
                    .buckets()
                    .iter()
                    .map(|(_, c)| c.hits.get(t).copied().unwrap_or(0))
                    .sum();
                (t, hits)
            })
            .collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        order
    }

    /// The `n` people who voice topic `t` most, with their matching messages.
    pub fn topic_voices(&self, t: usize, n: usize) -> Vec<(&str, u64)> {
        let mut who: Vec<(&str, u64)> = self
            .topic_people
            .get(t)
            .map(|m| m.iter().map(|(k, v)| (k.as_str(), *v)).collect())
            .unwrap_or_default();
        who.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        who.truncate(n);
        who
    }
}
