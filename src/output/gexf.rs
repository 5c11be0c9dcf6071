//! `graph.gexf`: the who-writes-to-whom graph as GEXF 1.3, for Gephi.

use super::table::local_stamp;
use crate::analysis::graph::{Edge, Node, NodeKind};
use crate::text::{Esc, escape_by, markup};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;

/// Escapes text for XML content and attribute values. Characters XML 1.0 does not allow
/// (control characters other than TAB, LF, CR; U+FFFE, U+FFFF) become U+FFFD; TAB, LF and CR
/// are written as character references so attribute values keep them.
pub fn xml_escape(s: &str) -> Cow<'_, str> {
    escape_by(s, |c| match c {
        '\'' => Esc::Str("&apos;"),
        '\t' => Esc::Str("&#9;"),
        '\n' => Esc::Str("&#10;"),
        '\r' => Esc::Str("&#13;"),
        '\u{FFFE}' | '\u{FFFF}' => Esc::Char('\u{FFFD}'),
        // C0 controls are not allowed in XML 1.0; C1 controls are, but are discouraged.
        c if c.is_control() && (c as u32) < 0x20 => Esc::Char('\u{FFFD}'),
        c if c.is_control() => Esc::NumRef,
        c => markup(c).map_or(Esc::Keep, Esc::Str),
    })
}

/// GEXF node ids: people keep their id; a channel whose id is also a person's gets
/// `channel:` in front (repeated until unique).
fn node_ids(nodes: &[Node]) -> HashMap<(NodeKind, &str), String> {
    let mut taken: std::collections::HashSet<String> = nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Person)
        .map(|n| n.id.clone())
        .collect();
    let mut ids = HashMap::with_capacity(nodes.len());
    for n in nodes {
        let id = match n.kind {
            NodeKind::Person => n.id.clone(),
            NodeKind::Channel => {
                let mut id = n.id.clone();
                while taken.contains(&id) {
                    id = format!("channel:{id}");
                }
                taken.insert(id.clone());
                id
            }
        };
        ids.insert((n.kind, n.id.as_str()), id);
    }
    ids
}

/// The graph as GEXF 1.3: nodes with a `messages` and `kind` attribute, directed edges with
/// `weight` (messages) and `channel`, `first`, `last` attributes.
pub fn write_gexf(nodes: &[Node], edges: &[Edge], out: &mut Vec<u8>) {
    let ids = node_ids(nodes);
    out.extend_from_slice(
        br#"<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://gexf.net/1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">
  <meta>
    <creator>chatsift</creator>
    <description>who writes to whom</description>
  </meta>
  <graph mode="static" defaultedgetype="directed">
    <attributes class="node">
      <attribute id="messages" title="messages" type="long"/>
      <attribute id="kind" title="kind" type="string"/>
    </attributes>
    <attributes class="edge">
      <attribute id="channel" title="channel" type="string"/>
      <attribute id="first" title="first" type="string"/>
      <attribute id="last" title="last" type="string"/>
    </attributes>
    <nodes>
"#,
    );
    for n in nodes {
        let id = ids
            .get(&(n.kind, n.id.as_str()))
            .map_or(n.id.as_str(), String::as_str);
        let _ = writeln!(
            out,
            r#"      <node id="{}" label="{}"><attvalues><attvalue for="messages" value="{}"/><attvalue for="kind" value="{}"/></attvalues></node>"#,
            xml_escape(id),
            xml_escape(&n.id),
            n.messages,
            n.kind.as_str()
        );
    }
    out.extend_from_slice(b"    </nodes>\n    <edges>\n");
    for (i, e) in edges.iter().enumerate() {
        let target_kind = if e.target_is_channel {
            NodeKind::Channel
        } else {
            NodeKind::Person
        };
        let source = ids
            .get(&(NodeKind::Person, e.source.as_str()))
            .map_or(e.source.as_str(), String::as_str);
        let target = ids
            .get(&(target_kind, e.target.as_str()))
            .map_or(e.target.as_str(), String::as_str);
        let first = local_stamp(&e.tally.first);
        let last = local_stamp(&e.tally.last);
        let _ = writeln!(
            out,
            r#"      <edge id="{i}" source="{}" target="{}" weight="{}"><attvalues><attvalue for="channel" value="{}"/><attvalue for="first" value="{}"/><attvalue for="last" value="{}"/></attvalues></edge>"#,
            xml_escape(source),
            xml_escape(target),
            e.tally.messages,
            xml_escape(e.channel.as_deref().unwrap_or("")),
            String::from_utf8_lossy(&first),
            String::from_utf8_lossy(&last),
        );
    }
    out.extend_from_slice(b"    </edges>\n  </graph>\n</gexf>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escape_covers_markup_quotes_and_forbidden_characters() {
        for (text, want) in [
            ("plain 王伟", "plain 王伟"),
            (
                "<script>a&b\"'</script>",
                "&lt;script&gt;a&amp;b&quot;&apos;&lt;/script&gt;",
            ),
            ("a\u{1}b\nc\u{FFFF}", "a\u{FFFD}b&#10;c\u{FFFD}"),
        ] {
            assert_eq!(xml_escape(text), want);
        }
    }
}
