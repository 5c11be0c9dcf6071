//! The alias file: which ids belong to one person.
//!
//! ```toml
//! # ids are exact, or glob patterns with `*` (any run) and `?` (one character)
//! [[person]]
//! name = "Wang Wei"
//! ids = ["wxid_k3f9x0a1b2c3d4", "wangwei@jabber.example", "*@q3mc*.onion"]
//! ```
//!
//! Every output reports the person (the name); `messages` keeps the raw sender beside it.
//! An id claimed by two people is an error: at load time for exact ids and for an exact id
//! that another person's pattern matches; during the run when an id matches the patterns of
//! two people.

use super::FastMap;
use crate::model::Message;
use serde::Deserialize;

/// A problem with the alias file itself. Nothing is read or written when it has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AliasError {
    /// The file is not valid TOML or not of the expected shape.
    #[error("alias file {path}: {message}")]
    Syntax {
        /// The alias file.
        path: String,
        /// What the TOML reader said (it names the line and column).
        message: String,
    },
    /// A person entry without a name or without ids.
    #[error("alias file {path}, line {line}: {what}")]
    Entry {
        /// The alias file.
        path: String,
        /// Line of the entry.
        line: usize,
        /// What is missing.
        what: String,
    },
    /// One id listed for two people.
    #[error(
        "alias file {path}: id {id:?} is claimed by {first:?} (line {first_line}) and {second:?} (line {second_line})"
    )]
    Claimed {
        /// The alias file.
        path: String,
        /// The id or pattern.
        id: String,
        /// The first person.
        first: String,
        /// Line of the first claim.
        first_line: usize,
        /// The second person.
        second: String,
        /// Line of the second claim.
        second_line: usize,
    },
}

/// An id of the input matched the patterns of two people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "alias file {path}: id {id:?} matches patterns of both {first:?} ({first_pattern:?}, line {first_line}) and {second:?} ({second_pattern:?}, line {second_line})"
)]
pub struct AliasConflict {
    /// The alias file.
    pub path: String,
    /// The id from the input.
    pub id: String,
    /// The first person.
    pub first: String,
    /// Their pattern.
    pub first_pattern: String,
    /// Its line.
    pub first_line: usize,
    /// The second person.
    pub second: String,
    /// Their pattern.
    pub second_pattern: String,
    /// Its line.
    pub second_line: usize,
}

/// One person of the alias file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The name every output reports.
    pub name: String,
    /// Exact ids and patterns, as written.
    pub ids: Vec<String>,
    /// Line of the entry in the alias file.
    pub line: usize,
}

/// The loaded alias file (or none).
#[derive(Debug, Clone, Default)]
pub struct Aliases {
    path: String,
    people: Vec<Person>,
    exact: FastMap<String, u32>,
    /// (pattern, person, line of the pattern)
    globs: Vec<(String, u32, usize)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    #[serde(default)]
    person: Vec<toml::Spanned<PersonToml>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonToml {
    #[serde(default)]
    name: String,
    #[serde(default)]
    ids: Vec<toml::Spanned<String>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..offset.min(text.len())]).count()
}

impl Aliases {
    /// No alias file: every sender is their own person.
    pub fn none() -> Aliases {
        Aliases::default()
    }

    /// True when there are no people.
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// The people of the file, in file order.
    pub fn people(&self) -> &[Person] {
        &self.people
    }

    /// Reads an alias file's text; `path` names it in errors.
    pub fn from_toml(text: &str, path: &str) -> Result<Aliases, AliasError> {
        let file: FileToml = toml::from_str(text).map_err(|e| AliasError::Syntax {
            path: path.to_string(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        let mut a = Aliases {
            path: path.to_string(),
            ..Aliases::default()
        };
        let mut claims: FastMap<String, (u32, usize)> = FastMap::default();
        for entry in file.person {
            let line = line_of(text, entry.span().start);
            let p = entry.into_inner();
            let name = p.name.trim().to_string();
            if name.is_empty() {
                return Err(AliasError::Entry {
                    path: path.into(),
                    line,
                    what: "person without a name".into(),
                });
            }
            if p.ids.is_empty() {
                return Err(AliasError::Entry {
                    path: path.into(),
                    line,
                    what: format!("person {name:?} has no ids"),
                });
            }
            let idx = a.people.len() as u32;
            let mut ids = Vec::new();
            for id in p.ids {
                let id_line = line_of(text, id.span().start);
                let id = id.into_inner();
                if id.trim().is_empty() {
                    return Err(AliasError::Entry {
                        path: path.into(),
                        line: id_line,
                        what: format!("person {name:?} has an empty id"),
                    });
                }
                if let Some(&(other, other_line)) = claims.get(&id) {
                    if other != idx {
                        return Err(AliasError::Claimed {
                            path: path.into(),
                            id,
                            first: a.people[other as usize].name.clone(),
                            first_line: other_line,
                            second: name,
                            second_line: id_line,
                        });
                    }
                    continue;
                }
                claims.insert(id.clone(), (idx, id_line));
                if is_pattern(&id) {
                    a.globs.push((id.clone(), idx, id_line));
                } else {
                    a.exact.insert(id.clone(), idx);
                }
                ids.push(id);
            }
            a.people.push(Person { name, ids, line });
        }
        // An exact id of one person that another person's pattern also matches.
        for (id, &(owner, id_line)) in &claims {
            if is_pattern(id) {
                continue;
            }
            for (pat, who, pat_line) in &a.globs {
                if *who != owner && glob_match(pat, id) {
                    let (first, second) = if id_line <= *pat_line {
                        ((owner, id_line, id), (*who, *pat_line, pat))
                    } else {
                        ((*who, *pat_line, pat), (owner, id_line, id))
                    };
                    return Err(AliasError::Claimed {
                        path: path.into(),
                        id: format!("{id} (matched by pattern {pat:?})"),
                        first: a.people[first.0 as usize].name.clone(),
                        first_line: first.1,
                        second: a.people[second.0 as usize].name.clone(),
                        second_line: second.1,
                    });
                }
            }
        }
        Ok(a)
    }

    /// Reads an alias file from disk.
    pub fn load(path: &std::path::Path) -> Result<Aliases, AliasError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| AliasError::Syntax {
            path: shown.clone(),
            message: format!("cannot read: {e}"),
        })?;
        Aliases::from_toml(&text, &shown)
    }

    /// The person index of an id, if the file names it.
    pub fn lookup(&self, id: &str) -> Result<Option<u32>, Box<AliasConflict>> {
        if let Some(&i) = self.exact.get(id) {
            return Ok(Some(i));
        }
        let mut found: Option<&(String, u32, usize)> = None;
        for g in &self.globs {
            if glob_match(&g.0, id) {
                match found {
                    Some(f) if f.1 != g.1 => {
                        return Err(Box::new(AliasConflict {
                            path: self.path.clone(),
                            id: id.to_string(),
                            first: self.people[f.1 as usize].name.clone(),
                            first_pattern: f.0.clone(),
                            first_line: f.2,
                            second: self.people[g.1 as usize].name.clone(),
                            second_pattern: g.0.clone(),
                            second_line: g.2,
                        }));
                    }
                    Some(_) => {}
                    None => found = Some(g),
                }
            }
        }
        Ok(found.map(|f| f.1))
    }

    /// A caching resolver of senders to persons (one per chunk).
    pub fn resolver(&self) -> Resolver<'_> {
        Resolver {
            aliases: self,
            cache: FastMap::default(),
        }
    }
}

/// Resolves senders to persons, remembering each sender's answer.
#[derive(Debug, Clone)]
pub struct Resolver<'s> {
    aliases: &'s Aliases,
    cache: FastMap<String, Option<u32>>,
}

impl<'s> Resolver<'s> {
    /// The index of the person an id belongs to, looked up once per id.
    #[inline]
    fn index(&mut self, id: &str) -> Result<Option<u32>, Box<AliasConflict>> {
        if let Some(&i) = self.cache.get(id) {
            return Ok(i);
        }
        let i = self.aliases.lookup(id)?;
        self.cache.insert(id.to_string(), i);
        Ok(i)
    }

    /// The alias name of a sender id, if the alias file names it.
    #[inline]
    pub fn alias(&mut self, id: &str) -> Result<Option<&'s str>, Box<AliasConflict>> {
        if self.aliases.is_empty() {
            return Ok(None);
        }
        let idx = self.index(id)?;
        Ok(idx.map(|i| self.aliases.people[i as usize].name.as_str()))
    }

    /// The person a sender id belongs to: its alias name, or the id itself.
    #[inline]
    pub fn person<'i>(&mut self, id: &'i str) -> Result<&'i str, Box<AliasConflict>>
    where
        's: 'i,
    {
        if self.aliases.is_empty() {
            return Ok(id);
        }
        let idx = self.index(id)?;
        Ok(match idx {
            Some(i) => self.aliases.people[i as usize].name.as_str(),
            None => id,
        })
    }

    /// The person who sent `m`: the alias name of its sender id (or else of its display
    /// name), or else the display name the export gives, or else the sender id itself.
    #[inline]
    pub fn person_of<'i>(&mut self, m: &'i Message<'_>) -> Result<&'i str, Box<AliasConflict>>
    where
        's: 'i,
    {
        let alias = self.alias_of(m)?;
        Ok(alias.or(m.name.as_deref()).unwrap_or(&m.sender))
    }

    /// The alias name of whoever sent `m`: of its sender id, or else of its display name;
    /// None when the alias file names neither. [`Resolver::person_of`] falls back from it to
    /// the display name and the id.
    #[inline]
    pub fn alias_of(&mut self, m: &Message<'_>) -> Result<Option<&'s str>, Box<AliasConflict>> {
        match self.alias(&m.sender)? {
            Some(p) => Ok(Some(p)),
            None => match m.name.as_deref() {
                Some(n) => self.alias(n),
                None => Ok(None),
            },
        }
    }
}

fn is_pattern(id: &str) -> bool {
    id.contains(['*', '?'])
}

/// Glob match with `*` (any run, also empty) and `?` (exactly one character).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"# investigators' alias file
[[person]]
name = "Wang Wei"
ids = ["wxid_k3f9x0a1b2c3d4", "darkfox"]

[[person]]
name = "Bobcat"
ids = [
  "bobcat@abcdefghij234567.onion",
  "*@q3mc*.onion",
]
"#;

    #[test]
    fn exact_ids_and_patterns_resolve_to_their_person() {
        let a = Aliases::from_toml(FILE, "aliases.toml").unwrap();
        let mut r = a.resolver();
        assert_eq!(r.person("darkfox").unwrap(), "Wang Wei");
        assert_eq!(r.person("wxid_k3f9x0a1b2c3d4").unwrap(), "Wang Wei");
        assert_eq!(r.person("cat@q3mcxyz.onion").unwrap(), "Bobcat");
        assert_eq!(r.person("cat@q3mcxyz.onion").unwrap(), "Bobcat");
        assert_eq!(r.person("someone_else").unwrap(), "someone_else");
        assert_eq!(a.people()[1].line, 6);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = Aliases::from_toml("[[person]]\nname = \"x\nids = []\n", "a.toml").unwrap_err();
        let s = e.to_string();
        assert!(s.contains("a.toml") && s.contains("line 2"), "{s}");
        let e =
            Aliases::from_toml("[[person]]\nname = \"x\"\nidz = [\"a\"]\n", "a.toml").unwrap_err();
        assert!(e.to_string().contains("idz"), "{e}");
    }

    #[test]
    fn an_id_claimed_by_two_people_is_an_error_with_both_lines() {
        let text = "[[person]]\nname = \"A\"\nids = [\"x\"]\n\n[[person]]\nname = \"B\"\nids = [\"y\", \"x\"]\n";
        let e = Aliases::from_toml(text, "a.toml").unwrap_err();
        assert_eq!(
            e,
            AliasError::Claimed {
                path: "a.toml".into(),
                id: "x".into(),
                first: "A".into(),
                first_line: 3,
                second: "B".into(),
                second_line: 7,
            }
        );
        let text = "[[person]]\nname = \"A\"\nids = [\"bob@q3mc.onion\"]\n[[person]]\nname = \"B\"\nids = [\"*@q3mc*.onion\"]\n";
        let e = Aliases::from_toml(text, "a.toml").unwrap_err();
        assert!(e.to_string().contains("bob@q3mc.onion"), "{e}");
    }

    #[test]
    fn an_id_matching_two_peoples_patterns_is_a_conflict() {
        let text = "[[person]]\nname = \"A\"\nids = [\"bob@*\"]\n[[person]]\nname = \"B\"\nids = [\"*@jabber.example\"]\n";
        let a = Aliases::from_toml(text, "a.toml").unwrap();
        let e = a.resolver().person("bob@jabber.example").unwrap_err();
        assert_eq!((e.first_line, e.second_line), (3, 6));
        assert_eq!(a.resolver().person("bob@other").unwrap(), "A");
    }

    #[test]
    fn entries_need_a_name_and_ids() {
        let e = Aliases::from_toml("[[person]]\nids = [\"x\"]\n", "a.toml").unwrap_err();
        assert!(matches!(e, AliasError::Entry { line: 1, .. }), "{e}");
        let e = Aliases::from_toml("[[person]]\nname = \"A\"\n", "a.toml").unwrap_err();
        assert!(e.to_string().contains("no ids"));
    }

    #[test]
    fn globs_match_runs_and_single_characters() {
        assert!(glob_match("*@q3mc*.onion", "x@q3mcabc.onion"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("*.onion", "x.onion.evil"));
        assert!(glob_match("王*", "王伟"));
    }
}
