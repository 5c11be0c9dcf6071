//! blackbasta: unquoted `key: value` objects whose messages may run over several lines.

use super::Gen;

impl Gen {
    pub(super) fn basta_object(&mut self) {
        let c = self.civil();
        if self.messages > 0 {
            self.buf.extend_from_slice(b"}\n");
        }
        self.buf.extend_from_slice(b"{\n    timestamp: ");
        self.push_ymd_hms(&c, b' ');
        self.buf.extend_from_slice(b",\n    chat_id: ");
        // A chat id per conversation: rooms stand for both DMs and groups.
        let room = self.conv.room.unwrap_or(self.conv.b % self.rooms.len());
        self.buf.extend_from_slice(self.rooms[room].as_bytes());
        self.buf.extend_from_slice(b",\n    sender_alias: ");
        self.buf
            .extend_from_slice(self.senders[self.conv.a].as_bytes());
        self.buf.extend_from_slice(b",\n    message: ");
        self.body(b"\n");
        self.buf.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::corpus_of;

    #[test]
    fn blackbasta_records_end_only_at_a_brace_line_before_an_open_brace() {
        let (text, stats) = corpus_of("blackbasta", 300_000, 5);
        assert!(text.starts_with("{\n    timestamp: 20"));
        assert!(text.ends_with("\n}\n"));
        let records: Vec<&str> = text
            .strip_prefix("{\n")
            .unwrap()
            .strip_suffix("}\n")
            .unwrap()
            .split("}\n{\n")
            .collect();
        assert_eq!(records.len() as u64, stats.messages);
        let lines: Vec<&str> = text.lines().collect();
        let mut lone_brace_in_body = 0;
        for (i, l) in lines.iter().enumerate() {
            if *l == "{" {
                assert!(
                    i == 0 || lines[i - 1] == "}",
                    "a bare `{{` line only opens a record"
                );
            }
            if *l == "}" && i + 1 < lines.len() && lines[i + 1] != "{" {
                lone_brace_in_body += 1;
            }
        }
        assert!(
            lone_brace_in_body > 0,
            "no pasted code with lone `}}` lines"
        );
        for r in &records {
            let mut it = r.lines();
            assert!(it.next().unwrap().starts_with("    timestamp: "));
            let chat = it.next().unwrap();
            assert!(
                chat.starts_with("    chat_id: !") && chat.ends_with(":matrix.example.online,")
            );
            let who = it.next().unwrap();
            assert!(
                who.starts_with("    sender_alias: @") && who.ends_with(":matrix.example.online,")
            );
            assert!(it.next().unwrap().starts_with("    message: "));
        }
        assert!(text.contains("\nhost: 10.2.3.4\n"));
    }
}
