//! Alias suggestions: ids that probably belong to one person, proposed (never applied) as an
//! alias-file snippet.
//!
//! Ids are split into a local part and a server: `bobcat@a.onion` (a JID; a `/resource` is
//! dropped) and `@wolfram:a.online` (a Matrix user id) have servers; anything else (a
//! Rocket.Chat username, a WeChat id, a nick) is a plain id whose local part is itself. Ids
//! whose local parts are equal ignoring case form a group, and a group of two or more ids is
//! proposed, with the reasons:
//! - the same local part on two or more servers (`bobcat@a.onion`, `bobcat@b.onion`);
//! - ids equal ignoring case (`Bobcat@a.onion`, `bobcat@a.onion`);
//! - a plain username equal to an account's local part (`bobcat`, `bobcat@a.onion`);
//! - the same account with different JID resources.
//!
//! The proposals are disjoint (one id is in at most one group) so the snippet can be pasted
//! into an alias file as it is. Ids with `*` or `?` are left out (the alias file would read
//! them as patterns). State is O(distinct ids).

use super::alias::Aliases;
use super::{Accumulator, FastSet, Observation};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The distinct raw sender and recipient ids of the input.
#[derive(Clone, Debug, Default)]
pub struct IdSet {
    ids: FastSet<String>,
}

impl IdSet {
    /// No ids yet.
    pub fn new() -> IdSet {
        IdSet::default()
    }

    /// Adds one id (empty ids are ignored).
    pub fn insert(&mut self, id: &str) {
        if !id.is_empty() && !self.ids.contains(id) {
            self.ids.insert(id.to_string());
        }
    }

    /// Distinct ids seen.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when no id was seen.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The proposals for these ids, leaving out ids the alias file already names.
    pub fn suggest(&self, aliases: &Aliases) -> Vec<Suggestion> {
        suggest(
            self.ids
                .iter()
                .map(String::as_str)
                .filter(|id| aliases.is_empty() || matches!(aliases.lookup(id), Ok(None))),
        )
    }
}

impl Accumulator for IdSet {
    fn observe(&mut self, o: &Observation<'_, '_>) {
        self.insert(&o.message.sender);
        if let Some(r) = &o.message.recipient {
            self.insert(r);
        }
    }

    fn merge(&mut self, later: IdSet) {
        if self.ids.is_empty() {
            self.ids = later.ids;
        } else {
            self.ids.extend(later.ids);
        }
    }
}

/// One proposed person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// The proposed name: a plain username of the group if there is one, else the local
    /// part of the first id.
    pub name: String,
    /// The ids, sorted.
    pub ids: Vec<String>,
    /// Why they were grouped, e.g. `same local part "bobcat" on 2 servers`.
    pub why: String,
}

/// An id split into its local part and server (None for plain ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Split<'a> {
    local: &'a str,
    server: Option<&'a str>,
}

fn split_id(id: &str) -> Split<'_> {
    // Matrix: @local:server
    if let Some(rest) = id.strip_prefix('@')
        && let Some((local, server)) = rest.split_once(':')
        && !local.is_empty()
        && !server.is_empty()
    {
        return Split {
            local,
            server: Some(server),
        };
    }
    // JID: local@server[/resource]
    if let Some((local, rest)) = id.split_once('@')
        && !local.is_empty()
    {
        let server = rest.split_once('/').map_or(rest, |(s, _)| s);
        if !server.is_empty() {
            return Split {
                local,
                server: Some(server),
            };
        }
    }
    Split {
        local: id,
        server: None,
    }
}

/// Groups ids that probably belong to one person (see the module docs). Deterministic: the
/// groups are sorted by name, then by their first id.
pub fn suggest<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<Suggestion> {
    let mut groups: BTreeMap<String, Vec<&'a str>> = BTreeMap::new();
    for id in ids {
        if id.trim().is_empty() || id.contains(['*', '?']) {
            continue;
        }
        let s = split_id(id);
        groups.entry(s.local.to_lowercase()).or_default().push(id);
    }
    let mut out = Vec::new();
    for (key, mut ids) in groups {
        ids.sort_unstable();
        ids.dedup();
        if ids.len() < 2 {
            continue;
        }
        let splits: Vec<Split<'_>> = ids.iter().map(|id| split_id(id)).collect();
        let mut servers: Vec<String> = splits
            .iter()
            .filter_map(|s| s.server.map(str::to_lowercase))
            .collect();
        servers.sort_unstable();
        servers.dedup();
        let plain: Vec<&str> = splits
            .iter()
            .filter(|s| s.server.is_none())
            .map(|s| s.local)
            .collect();
        let accounts = splits.len() - plain.len();
        let mut lower: Vec<String> = ids.iter().map(|id| id.to_lowercase()).collect();
        lower.sort_unstable();
        let case_twins = lower.windows(2).any(|w| w[0] == w[1]);
        let mut bare: Vec<String> = splits
            .iter()
            .filter_map(|s| {
                s.server
                    .map(|srv| format!("{}@{}", s.local, srv).to_lowercase())
            })
            .collect();
        bare.sort_unstable();
        let resources = bare.windows(2).any(|w| w[0] == w[1]) && !case_twins;
        let local = splits.first().map_or(key.as_str(), |s| s.local);
        let mut why = Vec::new();
        if servers.len() >= 2 {
            why.push(format!(
                "same local part {local:?} on {} servers",
                servers.len()
            ));
        }
        if case_twins {
            why.push("ids equal ignoring case".to_string());
        }
        if let Some(p) = plain.first()
            && accounts > 0
        {
            why.push(format!("username {p:?} equals an account's local part"));
        }
        if resources {
            why.push("same account with different resources".to_string());
        }
        if why.is_empty() {
            why.push(format!("same local part {local:?} ignoring case"));
        }
        let name = plain.first().copied().unwrap_or(local).to_string();
        out.push(Suggestion {
            name,
            ids: ids.into_iter().map(str::to_string).collect(),
            why: why.join("; "),
        });
    }
    out.sort_by(|a, b| (&a.name, &a.ids).cmp(&(&b.name, &b.ids)));
    out
}

/// A TOML basic string with its quotes.
fn toml_string(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(o, "\\u{:04X}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// A comment line's text: control characters escaped so it stays one line.
fn comment(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// The suggestions as an alias-file snippet: one `[[person]]` per group, with a comment
/// saying why.
pub fn to_toml(suggestions: &[Suggestion]) -> String {
    let mut o = String::new();
    for (i, s) in suggestions.iter().enumerate() {
        if i > 0 {
            o.push('\n');
        }
        let _ = writeln!(o, "# {}", comment(&s.why));
        o.push_str("[[person]]\n");
        let _ = writeln!(o, "name = {}", toml_string(&s.name));
        let ids: Vec<String> = s.ids.iter().map(|id| toml_string(id)).collect();
        let _ = writeln!(o, "ids = [{}]", ids.join(", "));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_local_part_on_two_servers_is_one_group() {
        let s = suggest([
            "bobcat@a.onion",
            "heron@a.onion",
            "bobcat@b.onion",
            "@wolfram:a.online",
            "@wolfram:b.online",
            "wxid_k3f9x0a1b2c3d4",
        ]);
        assert_eq!(
            s,
            vec![
                Suggestion {
                    name: "bobcat".into(),
                    ids: vec!["bobcat@a.onion".into(), "bobcat@b.onion".into()],
                    why: "same local part \"bobcat\" on 2 servers".into(),
                },
                Suggestion {
                    name: "wolfram".into(),
                    ids: vec!["@wolfram:a.online".into(), "@wolfram:b.online".into()],
                    why: "same local part \"wolfram\" on 2 servers".into(),
                },
            ]
        );
    }

    #[test]
    fn case_twins_and_plain_usernames_join_the_group_of_their_local_part() {
        let s = suggest([
            "Bobcat@a.onion",
            "bobcat@a.onion",
            "bobcat",
            "Wang Wei",
            "wang wei",
        ]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "Wang Wei");
        assert_eq!(s[0].ids, vec!["Wang Wei", "wang wei"]);
        assert_eq!(s[0].why, "ids equal ignoring case");
        assert_eq!(s[1].name, "bobcat");
        assert_eq!(s[1].ids, vec!["Bobcat@a.onion", "bobcat", "bobcat@a.onion"]);
        assert_eq!(
            s[1].why,
            "ids equal ignoring case; username \"bobcat\" equals an account's local part"
        );
    }

    #[test]
    fn resources_of_one_account_are_grouped_and_patterns_left_out() {
        let s = suggest(["heron@x.onion/laptop", "heron@x.onion", "he*", "he?"]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].why, "same account with different resources");
        assert_eq!(s[0].ids, vec!["heron@x.onion", "heron@x.onion/laptop"]);
    }

    #[test]
    fn lone_ids_give_no_suggestion() {
        assert!(suggest(["a@x", "b@x", "c", "@d:m"]).is_empty());
    }

    #[test]
    fn the_snippet_is_a_valid_alias_file_with_a_comment_per_group() {
        let s = suggest([
            "bobcat@a.onion",
            "bobcat@b.onion",
            "q\"uote\n@a",
            "Q\"UOTE\n@a",
        ]);
        let text = to_toml(&s);
        assert!(
            text.starts_with(
                "# ids equal ignoring case\n[[person]]\nname = \"Q\\\"UOTE\\n\"\nids = [\"Q\\\"UOTE\\n@a\", \"q\\\"uote\\n@a\"]\n\n# same local part \"bobcat\" on 2 servers\n"
            ),
            "{text}"
        );
        let a = Aliases::from_toml(&text, "s.toml").unwrap();
        assert_eq!(a.people().len(), 2);
        let mut r = a.resolver();
        assert_eq!(r.person("bobcat@b.onion").unwrap(), "bobcat");
    }

    #[test]
    fn ids_the_alias_file_names_are_left_out() {
        let mut ids = IdSet::new();
        for id in ["bobcat@a.onion", "bobcat@b.onion", "bobcat@c.onion"] {
            ids.insert(id);
        }
        let a = Aliases::from_toml(
            "[[person]]\nname = \"B\"\nids = [\"bobcat@a.onion\"]\n",
            "a.toml",
        )
        .unwrap();
        let s = ids.suggest(&a);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].ids, vec!["bobcat@b.onion", "bobcat@c.onion"]);
    }
}
