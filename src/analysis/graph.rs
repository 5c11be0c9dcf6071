//! Who writes to whom: directed edges between people, with message counts and the first and
//! last message of each edge.
//!
//! A direct message (one with a recipient) is an edge from its person to the recipient's
//! person. A message to a channel (room, group, conversation) is an edge from its person to
//! the channel; the channel's members are everyone who wrote in it. When the graph is
//! finished, each person → channel edge is expanded to one edge from that person to every
//! *other* member of the channel, carrying the channel id and the number of messages the
//! person sent to the channel: **a message to a room counts once towards each other member**
//! (a room of five where Ann wrote 10 messages gives Ann four edges of weight 10). With
//! `channels_as_nodes` the channel stays a node of its own instead (Ann → room, weight 10).
//! A channel where only one person wrote gives no person edges (no one else is known to have
//! been there); keep channel nodes to see it.
//!
//! A message with both a recipient and a channel is a direct message (the recipient wins); a
//! message with neither gives no edge. Self-loops (a person writing to themself, often two
//! ids merged by the alias file) are kept. Membership is counted from every observed message
//! (within the time range); with [`Graph::only`] edges come only from the listed senders, so
//! `--person` shows a person's edges to everyone they shared a room with.
//!
//! State is O(edges + channel members), never O(messages): per (person, recipient) and per
//! (channel, member) one [`Tally`]. Chunk states merge in input order, so the result is the
//! same for any thread count.

use super::timeline::Instant;
use super::{Accumulator, FastMap, Observation, merge_map};
use std::sync::Arc;

/// Messages on one edge and its first and last message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tally {
    /// Messages counted.
    pub messages: u64,
    /// The earliest message (on ties, the first in input order).
    pub first: Instant,
    /// The latest message (on ties, the last in input order).
    pub last: Instant,
}

impl Tally {
    /// No messages yet; [`Tally::add`] of `s` makes it a tally of that one message.
    fn empty_at(s: Instant) -> Tally {
        Tally {
            messages: 0,
            first: s,
            last: s,
        }
    }

    fn one(s: Instant) -> Tally {
        Tally {
            messages: 1,
            first: s,
            last: s,
        }
    }

    fn add(&mut self, s: Instant) {
        self.messages = self.messages.saturating_add(1);
        if s.micros < self.first.micros {
            self.first = s;
        }
        if s.micros >= self.last.micros {
            self.last = s;
        }
    }

    /// Adds the tally of later input.
    fn merge(&mut self, later: Tally) {
        self.messages = self.messages.saturating_add(later.messages);
        if later.first.micros < self.first.micros {
            self.first = later.first;
        }
        if later.last.micros >= self.last.micros {
            self.last = later.last;
        }
    }
}

fn merge_opt(a: &mut Option<Tally>, later: Option<Tally>) {
    match (a.as_mut(), later) {
        (Some(x), Some(y)) => x.merge(y),
        (None, Some(y)) => *a = Some(y),
        (_, None) => {}
    }
}

/// One directed edge of the finished graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    /// The person who wrote.
    pub source: String,
    /// The person written to, or the channel when `target_is_channel`.
    pub target: String,
    /// The channel the messages went to (None for direct messages).
    pub channel: Option<String>,
    /// True when `target` is a channel node (only with `channels_as_nodes`).
    pub target_is_channel: bool,
    /// Messages, first and last.
    pub tally: Tally,
}

/// What a node of the finished graph is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    /// A person (after the alias file).
    Person,
    /// A channel (only with `channels_as_nodes`).
    Channel,
}

impl NodeKind {
    /// `person` or `channel`.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Person => "person",
            NodeKind::Channel => "channel",
        }
    }
}

/// One node of the finished graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The person or channel id.
    pub id: String,
    /// Person or channel.
    pub kind: NodeKind,
    /// For a person, the messages they sent (every observed message, with or without an
    /// edge); for a channel, the messages counted into it.
    pub messages: u64,
}

/// The graph accumulator.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// Only messages from these senders or persons make edges (all when empty).
    only: Arc<Vec<String>>,
    /// person → recipient person → tally.
    direct: FastMap<String, FastMap<String, Tally>>,
    /// channel → member person → tally of their counted messages (None: member whose
    /// messages do not make edges).
    rooms: FastMap<String, FastMap<String, Option<Tally>>>,
    /// person → (messages sent, whether any of them makes edges).
    sent: FastMap<String, (u64, bool)>,
}

/// Runs `f` on the value of `key`, made by `make` (and stored under an owned copy of the key)
/// when missing: the key is copied only for new entries.
fn with<V>(
    map: &mut FastMap<String, V>,
    key: &str,
    make: impl FnOnce() -> V,
    f: impl FnOnce(&mut V),
) {
    match map.get_mut(key) {
        Some(v) => f(v),
        None => {
            let mut v = make();
            f(&mut v);
            map.insert(key.to_string(), v);
        }
    }
}

impl Graph {
    /// An empty graph where every message makes edges.
    pub fn new() -> Graph {
        Graph::default()
    }

    /// An empty graph where only messages sent by these ids or persons make edges (all when
    /// empty); everyone else still counts as a channel member.
    pub fn only(persons: Arc<Vec<String>>) -> Graph {
        Graph {
            only: persons,
            ..Graph::default()
        }
    }

    fn counts(&self, o: &Observation<'_, '_>) -> bool {
        self.only.is_empty()
            || self
                .only
                .iter()
                .any(|p| p == o.person || p == o.message.sender.as_ref())
    }

    /// Finishes the graph: the edges, sorted by (source, target, channel).
    pub fn finish(self, channels_as_nodes: bool) -> Vec<Edge> {
        self.finish_all(channels_as_nodes).1
    }

    /// Finishes the graph: its nodes (people first, each group sorted by id) and its edges
    /// (sorted by source, target, channel). The nodes are every end of an edge and every
    /// person whose messages make edges.
    pub fn finish_all(self, channels_as_nodes: bool) -> (Vec<Node>, Vec<Edge>) {
        let mut edges = Vec::new();
        for (source, targets) in self.direct {
            for (target, tally) in targets {
                edges.push(Edge {
                    source: source.clone(),
                    target,
                    channel: None,
                    target_is_channel: false,
                    tally,
                });
            }
        }
        let mut channel_nodes = Vec::new();
        for (channel, members) in &self.rooms {
            if channels_as_nodes {
                let mut total = 0u64;
                for (person, tally) in members {
                    if let Some(t) = tally {
                        total = total.saturating_add(t.messages);
                        edges.push(Edge {
                            source: person.clone(),
                            target: channel.clone(),
                            channel: Some(channel.clone()),
                            target_is_channel: true,
                            tally: *t,
                        });
                    }
                }
                if total > 0 {
                    channel_nodes.push(Node {
                        id: channel.clone(),
                        kind: NodeKind::Channel,
                        messages: total,
                    });
                }
            } else {
                for (person, tally) in members {
                    let Some(t) = tally else { continue };
                    for other in members.keys() {
                        if other != person {
                            edges.push(Edge {
                                source: person.clone(),
                                target: other.clone(),
                                channel: Some(channel.clone()),
                                target_is_channel: false,
                                tally: *t,
                            });
                        }
                    }
                }
            }
        }
        edges.sort_unstable_by(|a, b| {
            (&a.source, &a.target, &a.channel).cmp(&(&b.source, &b.target, &b.channel))
        });
        // People: ends of edges and senders that make edges.
        let mut people: FastMap<&str, u64> = FastMap::default();
        let sent = |p: &str| self.sent.get(p).map_or(0, |s| s.0);
        for e in &edges {
            people
                .entry(e.source.as_str())
                .or_insert_with(|| sent(&e.source));
            if !e.target_is_channel {
                people
                    .entry(e.target.as_str())
                    .or_insert_with(|| sent(&e.target));
            }
        }
        for (p, &(n, counted)) in &self.sent {
            if counted {
                people.entry(p.as_str()).or_insert(n);
            }
        }
        let mut nodes: Vec<Node> = people
            .into_iter()
            .map(|(id, messages)| Node {
                id: id.to_string(),
                kind: NodeKind::Person,
                messages,
            })
            .collect();
        nodes.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        channel_nodes.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        nodes.extend(channel_nodes);
        (nodes, edges)
    }
}

impl Accumulator for Graph {
    fn observe(&mut self, o: &Observation<'_, '_>) {
        let m = o.message;
        let stamp = Instant::of(o);
        let counts = self.counts(o);
        with(
            &mut self.sent,
            o.person,
            || (0, false),
            |n| *n = (n.0.saturating_add(1), n.1 || counts),
        );
        if let Some(r) = o.recipient.filter(|r| !r.is_empty()) {
            if counts {
                with(&mut self.direct, o.person, FastMap::default, |targets| {
                    with(targets, r, || Tally::empty_at(stamp), |t| t.add(stamp));
                });
            }
        } else if let Some(c) = m.channel.as_deref().filter(|c| !c.is_empty()) {
            with(&mut self.rooms, c, FastMap::default, |members| {
                with(
                    members,
                    o.person,
                    || None,
                    |t| {
                        if counts {
                            match t {
                                Some(t) => t.add(stamp),
                                None => *t = Some(Tally::one(stamp)),
                            }
                        }
                    },
                );
            });
        }
    }

    fn merge(&mut self, later: Graph) {
        merge_map(&mut self.direct, later.direct, |mine, targets| {
            merge_map(mine, targets, |t, tally| t.merge(tally));
        });
        for (channel, members) in later.rooms {
            let mine = self.rooms.entry(channel).or_default();
            for (person, tally) in members {
                merge_opt(mine.entry(person).or_default(), tally);
            }
        }
        for (person, (n, counted)) in later.sent {
            let mine = self.sent.entry(person).or_default();
            *mine = (mine.0.saturating_add(n), mine.1 || counted);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::LocalTime;
    use crate::model::{Loc, Message, Timestamp};
    use std::borrow::Cow;

    /// 2021-06-02T01:00:00Z plus `min` minutes.
    fn at(min: i64) -> i64 {
        1_622_595_600_000_000 + min * 60_000_000
    }

    struct Msg {
        min: i64,
        from: &'static str,
        to: Option<&'static str>,
        room: Option<&'static str>,
    }

    fn dm(min: i64, from: &'static str, to: &'static str) -> Msg {
        Msg {
            min,
            from,
            to: Some(to),
            room: None,
        }
    }

    fn room(min: i64, from: &'static str, room: &'static str) -> Msg {
        Msg {
            min,
            from,
            to: None,
            room: Some(room),
        }
    }

    fn feed(g: &mut Graph, msgs: &[Msg], offset: i32) {
        for x in msgs {
            let mut m = Message::new(
                Timestamp {
                    micros: at(x.min),
                    offset: None,
                    frac_digits: 0,
                },
                x.from,
                Cow::Borrowed("hi"),
                Loc::default(),
            );
            m.recipient = x.to.map(Cow::Borrowed);
            m.channel = x.room.map(Cow::Borrowed);
            let o = Observation {
                message: &m,
                person: x.from,
                recipient: x.to,
                local: LocalTime::at(at(x.min), offset),
                topics: Default::default(),
            };
            g.observe(&o);
        }
    }

    fn corpus() -> Vec<Msg> {
        vec![
            dm(5, "ann", "bob"),
            room(1, "ann", "ops"),
            dm(2, "ann", "bob"),
            room(3, "bob", "ops"),
            dm(9, "bob", "ann"),
            room(4, "cat", "ops"),
            room(7, "ann", "ops"),
            dm(9, "ann", "bob"),
            room(8, "dan", "solo"),
        ]
    }

    fn stamp(min: i64, offset: i32) -> Instant {
        Instant {
            micros: at(min),
            offset,
            frac_digits: 0,
        }
    }

    fn edge(s: &str, t: &str, ch: Option<&str>, n: u64, first: i64, last: i64) -> Edge {
        Edge {
            source: s.into(),
            target: t.into(),
            channel: ch.map(Into::into),
            target_is_channel: false,
            tally: Tally {
                messages: n,
                first: stamp(first, 3600),
                last: stamp(last, 3600),
            },
        }
    }

    #[test]
    fn direct_and_room_edges_expand_to_every_other_member_with_counts_and_times() {
        let mut g = Graph::new();
        feed(&mut g, &corpus(), 3600);
        let edges = g.finish(false);
        // ann → bob direct: minutes 5, 2, 9. ann wrote 2 messages to ops (1, 7), bob 1 (3),
        // cat 1 (4); dan alone in "solo" gives no edge.
        let want = vec![
            edge("ann", "bob", None, 3, 2, 9),
            edge("ann", "bob", Some("ops"), 2, 1, 7),
            edge("ann", "cat", Some("ops"), 2, 1, 7),
            edge("bob", "ann", None, 1, 9, 9),
            edge("bob", "ann", Some("ops"), 1, 3, 3),
            edge("bob", "cat", Some("ops"), 1, 3, 3),
            edge("cat", "ann", Some("ops"), 1, 4, 4),
            edge("cat", "bob", Some("ops"), 1, 4, 4),
        ];
        assert_eq!(edges, want);
    }

    #[test]
    fn channels_as_nodes_keeps_one_edge_per_person_and_channel() {
        let mut g = Graph::new();
        feed(&mut g, &corpus(), 0);
        let (nodes, edges) = g.finish_all(true);
        let got: Vec<(&str, &str, bool, u64)> = edges
            .iter()
            .map(|e| {
                (
                    e.source.as_str(),
                    e.target.as_str(),
                    e.target_is_channel,
                    e.tally.messages,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("ann", "bob", false, 3),
                ("ann", "ops", true, 2),
                ("bob", "ann", false, 1),
                ("bob", "ops", true, 1),
                ("cat", "ops", true, 1),
                ("dan", "solo", true, 1),
            ]
        );
        let got: Vec<(&str, NodeKind, u64)> = nodes
            .iter()
            .map(|n| (n.id.as_str(), n.kind, n.messages))
            .collect();
        assert_eq!(
            got,
            vec![
                ("ann", NodeKind::Person, 5),
                ("bob", NodeKind::Person, 2),
                ("cat", NodeKind::Person, 1),
                ("dan", NodeKind::Person, 1),
                ("ops", NodeKind::Channel, 4),
                ("solo", NodeKind::Channel, 1),
            ]
        );
    }

    #[test]
    fn merging_chunk_states_in_input_order_equals_one_pass() {
        let all = corpus();
        for cut in 0..=all.len() {
            let mut whole = Graph::new();
            feed(&mut whole, &all, 0);
            let mut a = Graph::new();
            let mut b = Graph::new();
            feed(&mut a, &all[..cut], 0);
            feed(&mut b, &all[cut..], 0);
            a.merge(b);
            assert_eq!(a.finish_all(false), whole.clone().finish_all(false));
            let mut a = Graph::new();
            let mut b = Graph::new();
            feed(&mut a, &all[..cut], 0);
            feed(&mut b, &all[cut..], 0);
            a.merge(b);
            assert_eq!(a.finish_all(true), whole.finish_all(true));
        }
    }

    #[test]
    fn equal_instants_keep_the_first_as_first_and_the_last_as_last() {
        // Two messages at the same minute with different zone offsets: first is the one read
        // first, last the one read last, also across a chunk merge.
        let mut a = Graph::new();
        feed(&mut a, &[dm(1, "x", "y")], 0);
        let mut b = Graph::new();
        feed(&mut b, &[dm(1, "x", "y")], 7200);
        a.merge(b);
        let e = a.finish(false);
        assert_eq!(e[0].tally.first.offset, 0);
        assert_eq!(e[0].tally.last.offset, 7200);
        assert_eq!(e[0].tally.messages, 2);
    }

    #[test]
    fn only_listed_senders_make_edges_but_everyone_is_a_member() {
        let mut g = Graph::only(Arc::new(vec!["cat".to_string()]));
        feed(&mut g, &corpus(), 0);
        let (nodes, edges) = g.finish_all(false);
        let got: Vec<(&str, &str, u64)> = edges
            .iter()
            .map(|e| (e.source.as_str(), e.target.as_str(), e.tally.messages))
            .collect();
        assert_eq!(got, vec![("cat", "ann", 1), ("cat", "bob", 1)]);
        let ids: Vec<(&str, u64)> = nodes.iter().map(|n| (n.id.as_str(), n.messages)).collect();
        assert_eq!(ids, vec![("ann", 5), ("bob", 2), ("cat", 1)]);
    }

    #[test]
    fn messages_without_recipient_or_channel_count_for_the_node_but_make_no_edge() {
        let mut g = Graph::new();
        feed(
            &mut g,
            &[Msg {
                min: 0,
                from: "lone",
                to: None,
                room: None,
            }],
            0,
        );
        let (nodes, edges) = g.finish_all(false);
        assert!(edges.is_empty());
        assert_eq!(nodes.len(), 1);
        assert_eq!((nodes[0].id.as_str(), nodes[0].messages), ("lone", 1));
    }
}
