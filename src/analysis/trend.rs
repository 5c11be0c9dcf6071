//! Topic frequency over time: per bucket (and per person), how many messages mention each
//! topic, how many messages there were, and the rate per 1,000; plus the first matching
//! messages of each topic as examples, so a researcher can check what the lexicon caught.
//!
//! Topics come from [`Observation::topics`](super::Observation), matched once per message
//! by the run's [`TopicMatcher`](super::topics::TopicMatcher). State is O(buckets × topics)
//! (× people with `per_person`), never O(messages).

use super::timeline::{Bucket, Instant};
use super::{Accumulator, FastMap, Observation};
use crate::model::FileId;

/// One example message of a topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    /// When it was sent.
    pub time: Instant,
    /// Who sent it.
    pub person: String,
    /// The file it was read from.
    pub file: FileId,
    /// For re-imported messages, the original source.
    pub source: Option<String>,
    /// Line of the record.
    pub line: u64,
    /// The body, cut to [`EXAMPLE_CHARS`] characters.
    pub body: String,
}

/// How much of an example's body is kept.
pub const EXAMPLE_CHARS: usize = 300;

/// Counts of one bucket (or one person's bucket).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// All messages.
    pub total: u64,
    /// Messages mentioning each topic, by topic index.
    pub hits: Vec<u64>,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.total += o.total;
        if self.hits.len() < o.hits.len() {
            self.hits.resize(o.hits.len(), 0);
        }
        for (a, b) in self.hits.iter_mut().zip(&o.hits) {
            *a += b;
        }
    }
}

/// The topic trend accumulator.
#[derive(Clone, Debug)]
pub struct Trend {
    by: Bucket,
    topics: usize,
    per_person: bool,
    examples_per_topic: usize,
    buckets: FastMap<i64, Counts>,
    people: FastMap<String, FastMap<i64, Counts>>,
    examples: Vec<Vec<Example>>,
}

impl Trend {
    /// An empty trend of `topics` topics in buckets of `by`; `per_person` also counts per
    /// person; keeps up to `examples` matching messages per topic.
    pub fn new(by: Bucket, topics: usize, per_person: bool, examples: usize) -> Trend {
        Trend {
            by,
            topics,
            per_person,
            examples_per_topic: examples,
            buckets: FastMap::default(),
            people: FastMap::default(),
            examples: vec![Vec::new(); topics],
        }
    }

    /// The bucket size.
    pub fn bucket(&self) -> Bucket {
        self.by
    }

    /// Buckets in order with their counts.
    pub fn buckets(&self) -> Vec<(i64, &Counts)> {
        let mut v: Vec<(i64, &Counts)> = self.buckets.iter().map(|(k, c)| (*k, c)).collect();
        v.sort_unstable_by_key(|(k, _)| *k);
        v
    }

    /// (person, bucket, counts), sorted by bucket then person (with `per_person`).
    pub fn person_buckets(&self) -> Vec<(&str, i64, &Counts)> {
        let mut v: Vec<(&str, i64, &Counts)> = self
            .people
            .iter()
            .flat_map(|(p, b)| b.iter().map(move |(k, c)| (p.as_str(), *k, c)))
            .collect();
        v.sort_unstable_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(b.0)));
        v
    }

    /// The kept examples of a topic, in input order.
    pub fn examples(&self, topic: usize) -> &[Example] {
        self.examples.get(topic).map_or(&[], |v| v.as_slice())
    }

    /// The same counts in coarser buckets (e.g. days into weeks); examples are kept.
    pub fn rebucket(&self, to: Bucket) -> Trend {
        let mut t = Trend::new(to, self.topics, self.per_person, self.examples_per_topic);
        for (k, c) in &self.buckets {
            let day = self.by.first_day(*k);
            let key = to.key(&super::LocalTime {
                days: day,
                second: 0,
                weekday: crate::time::weekday_from_days(day) as u8,
                offset: 0,
            });
            t.buckets.entry(key).or_default().add(c);
        }
        t.examples = self.examples.clone();
        t
    }
}

impl Accumulator for Trend {
    fn observe(&mut self, o: &Observation<'_, '_>) {
        let key = self.by.key(&o.local);
        let n = self.topics;
        let b = self.buckets.entry(key).or_insert_with(|| Counts {
            total: 0,
            hits: vec![0; n],
        });
        b.total += 1;
        for t in o.topics.iter() {
            if let Some(h) = b.hits.get_mut(t) {
                *h += 1;
            }
        }
        if self.per_person {
            let cells = match self.people.get_mut(o.person) {
                Some(c) => c,
                None => self.people.entry(o.person.to_string()).or_default(),
            };
            let c = cells.entry(key).or_insert_with(|| Counts {
                total: 0,
                hits: vec![0; n],
            });
            c.total += 1;
            for t in o.topics.iter() {
                if let Some(h) = c.hits.get_mut(t) {
                    *h += 1;
                }
            }
        }
        if self.examples_per_topic > 0 {
            for t in o.topics.iter() {
                let Some(list) = self.examples.get_mut(t) else {
                    continue;
                };
                if list.len() < self.examples_per_topic {
                    let m = o.message;
                    list.push(Example {
                        time: Instant::of(o),
                        person: o.person.to_string(),
                        file: m.loc.file,
                        source: m.origin.as_ref().map(|x| x.source.to_string()),
                        line: m.origin.as_ref().map_or(m.loc.line, |x| x.line),
                        body: m.body.chars().take(EXAMPLE_CHARS).collect(),
                    });
                }
            }
        }
    }

    fn merge(&mut self, later: Trend) {
        for (k, c) in later.buckets {
            self.buckets.entry(k).or_default().add(&c);
        }
        for (p, cells) in later.people {
            let mine = self.people.entry(p).or_default();
            for (k, c) in cells {
                mine.entry(k).or_default().add(&c);
            }
        }
        // Examples: the first N in input order.
        for (mine, theirs) in self.examples.iter_mut().zip(later.examples) {
            let room = self.examples_per_topic.saturating_sub(mine.len());
            mine.extend(theirs.into_iter().take(room));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::LocalTime;
    use crate::analysis::topics::TopicSet;
    use crate::model::{Loc, Message, Timestamp};
    use std::borrow::Cow;

    fn feed(t: &mut Trend, secs: i64, person: &str, topics: u64) {
        let m = Message::new(
            Timestamp::from_unix_seconds(secs),
            "x",
            Cow::Borrowed("body"),
            Loc::default(),
        );
        t.observe(&Observation {
            message: &m,
            person,
            recipient: None,
            local: LocalTime::at(m.time.micros, 0),
            topics: TopicSet(topics),
        });
    }

    #[test]
    fn counts_hits_totals_and_examples_per_bucket_and_person() {
        let day = 86_400;
        let mut a = Trend::new(Bucket::Day, 2, true, 1);
        feed(&mut a, 0, "p", 0b01);
        feed(&mut a, 10, "q", 0b11);
        let mut b = Trend::new(Bucket::Day, 2, true, 1);
        feed(&mut b, 20, "p", 0b00);
        feed(&mut b, day, "p", 0b10);
        a.merge(b);
        let buckets = a.buckets();
        assert_eq!(
            buckets[0],
            (
                0,
                &Counts {
                    total: 3,
                    hits: vec![2, 1]
                }
            )
        );
        assert_eq!(
            buckets[1],
            (
                1,
                &Counts {
                    total: 1,
                    hits: vec![0, 1]
                }
            )
        );
        let pb = a.person_buckets();
        assert_eq!(
            pb[0],
            (
                "p",
                0,
                &Counts {
                    total: 2,
                    hits: vec![1, 0]
                }
            )
        );
        assert_eq!(a.examples(0).len(), 1);
        assert_eq!(a.examples(0)[0].person, "p");
        assert_eq!(a.examples(1)[0].person, "q");
        let weeks = a
            .rebucket(Bucket::Week)
            .buckets()
            .into_iter()
            .map(|(_, c)| c.total)
            .collect::<Vec<_>>();
        assert_eq!(weeks, vec![4]);
    }
}
