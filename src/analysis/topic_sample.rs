//! `topics --sample`: a reproducible sample of messages to label by hand, stratified
//! between matches and non-matches. The sample is chosen by a stable hash of (seed, file,
//! line, text), so it is the same for any `--threads` and any version.

use super::topics::TopicSet;
use super::{Accumulator, Observation};

/// A 64-bit hash of `bytes` (FNV-1a, then a SplitMix64 finaliser): stable across runs,
/// platforms and versions, unlike the standard library's hasher.
fn stable_hash(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for p in parts {
        for &b in *p {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// A message a stratum keeps.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The sampling key: a stable hash of (seed, file, line, text).
    pub key: u64,
    /// The file it came from.
    pub file: u32,
    /// Its own source, for re-imported messages.
    pub source: Option<String>,
    /// Its line.
    pub line: u64,
    /// Its text.
    pub body: String,
    /// The topics the lexicon found.
    pub topics: TopicSet,
}

impl Candidate {
    /// The order candidates are drawn and listed in.
    pub fn order(&self) -> (u64, u32, u64) {
        (self.key, self.file, self.line)
    }
}

/// One stratum: its population and the candidates with the smallest keys (bottom-k).
#[derive(Clone, Debug, Default)]
struct Stratum {
    population: u64,
    kept: Vec<Candidate>,
    /// Once `cap` are kept: the largest kept order; nothing above it can enter.
    bound: Option<(u64, u32, u64)>,
}

/// The `--sample` accumulator: per stratum, the `cap` messages with the smallest hash keys,
/// which is the same set however the input is split between threads.
pub struct Sampler {
    seed: u64,
    cap: usize,
    topics: usize,
    focus: Option<usize>,
    strata: Vec<Stratum>,
}

impl Sampler {
    /// The strata a message of `set` belongs to, as bits.
    fn strata_of(&self, set: TopicSet) -> u128 {
        match self.focus {
            Some(t) => 1 << usize::from(!set.contains(t)),
            None if set.is_empty() => 1 << self.topics,
            None => u128::from(set.0),
        }
    }

    /// Keeps the `cap` candidates with the smallest keys, and notes the largest kept.
    fn trim(cap: usize, s: &mut Stratum) {
        s.kept.sort_by_key(Candidate::order);
        s.kept.truncate(cap);
        if s.kept.len() == cap {
            s.bound = s.kept.last().map(Candidate::order);
        }
    }
}

impl Accumulator for Sampler {
    fn observe(&mut self, o: &Observation<'_, '_>) {
        let m = o.message;
        if matches!(
            m.kind,
            crate::model::Kind::System | crate::model::Kind::Encrypted
        ) || m.body.trim().is_empty()
        {
            return;
        }
        let line = m.origin.as_ref().map_or(m.loc.line, |x| x.line);
        let key = stable_hash(
            self.seed,
            &[
                &m.loc.file.to_le_bytes(),
                &line.to_le_bytes(),
                m.body.as_bytes(),
            ],
        );
        let cap = self.cap;
        let mut strata = self.strata_of(o.topics);
        while strata != 0 {
            let s = strata.trailing_zeros() as usize;
            strata &= strata - 1;
            let Some(st) = self.strata.get_mut(s) else {
                continue;
            };
            st.population += 1;
            let order = (key, m.loc.file, line);
            if st.bound.is_none_or(|b| order < b) {
                st.kept.push(Candidate {
                    key,
                    file: m.loc.file,
                    source: m.origin.as_ref().map(|x| x.source.to_string()),
                    line,
                    body: m.body.to_string(),
                    topics: o.topics,
                });
                if st.kept.len() > cap * 2 {
                    Sampler::trim(cap, st);
                }
            }
        }
    }

    fn merge(&mut self, later: Sampler) {
        for (mine, theirs) in self.strata.iter_mut().zip(later.strata) {
            mine.population += theirs.population;
            mine.kept.extend(theirs.kept);
            Sampler::trim(self.cap, mine);
        }
    }
}

/// A drawn sample: the rows to label, in listing order, each with its stratum.
#[derive(Debug)]
pub struct Sample {
    /// The strata's names: the topic ids and `none`, or `T` and `not T` for one topic.
    pub strata: Vec<String>,
    /// Each stratum's population (messages of the input in it).
    pub populations: Vec<u64>,
    /// Each stratum's weight: its population over the rows drawn from it.
    pub weights: Vec<f64>,
    /// The rows: (stratum, message), sorted by sampling key.
    pub rows: Vec<(usize, Candidate)>,
}

impl Sampler {
    /// A sampler of `n` messages for a lexicon of `topics` topics, stratified on `focus`
    /// alone when given.
    pub fn new(seed: u64, n: usize, topics: usize, focus: Option<usize>) -> Sampler {
        let strata = match focus {
            Some(_) => 2,
            None => topics + 1,
        };
        Sampler {
            seed,
            cap: n,
            topics,
            focus,
            strata: vec![Stratum::default(); strata],
        }
    }

    /// The sample of `n` messages: half from matches (split evenly between the topics),
    /// half from the rest; with a focus topic, half from its matches and half from its
    /// non-matches. Each stratum's quota is filled in key order, skipping messages another
    /// stratum took.
    pub fn finish(self, ids: &[String], n: usize) -> Sample {
        let topics = self.topics;
        let strata: Vec<String> = match self.focus {
            Some(t) => vec![ids[t].clone(), format!("not {}", ids[t])],
            None => ids.iter().cloned().chain(["none".to_string()]).collect(),
        };
        let matches_quota = n / 2;
        let quotas: Vec<usize> = match self.focus {
            Some(_) => vec![matches_quota, n - matches_quota],
            None => {
                let mut q: Vec<usize> = (0..topics)
                    .map(|i| {
                        matches_quota / topics.max(1)
                            + usize::from(i < matches_quota % topics.max(1))
                    })
                    .collect();
                q.push(n - matches_quota);
                q
            }
        };
        let mut taken: std::collections::HashSet<(u32, u64, u64)> = Default::default();
        let mut rows: Vec<(usize, Candidate)> = Vec::new();
        let mut weights = vec![1.0f64; strata.len()];
        for (s, st) in self.strata.iter().enumerate() {
            let mut k = 0usize;
            for c in &st.kept {
                if k >= quotas[s] {
                    break;
                }
                if taken.insert((c.file, c.line, c.key)) {
                    rows.push((s, c.clone()));
                    k += 1;
                }
            }
            if k > 0 {
                weights[s] = st.population as f64 / k as f64;
            }
        }
        rows.sort_by_key(|(_, c)| c.order());
        Sample {
            populations: self.strata.iter().map(|s| s.population).collect(),
            strata,
            weights,
            rows,
        }
    }
}
