//! conti-jabber: pretty-printed JSON objects separated by `},`, OTR noise, server notices.

use super::Gen;
use crate::{B64, push6};

impl Gen {
    pub(super) fn jabber_object(&mut self) {
        let c = self.civil();
        if self.messages > 0 {
            self.buf.extend_from_slice(b"},\n");
        }
        self.buf.extend_from_slice(b"{\n  \"ts\": \"");
        self.push_ymd_hms(&c, b'T');
        self.buf.push(b'.');
        push6(&mut self.buf, c.micros);
        self.buf.extend_from_slice(b"\",\n  \"from\": \"");
        let r = self.rng.below(1000);
        let (from, to) = (self.conv.a, self.conv.b);
        if r < 15 {
            // A server notice from the bare domain.
            self.buf.extend_from_slice(self.domain.as_bytes());
            self.buf.extend_from_slice(b"\",\n  \"to\": \"");
            self.buf.extend_from_slice(self.senders[to].as_bytes());
            self.buf.extend_from_slice(b"\",\n  \"body\": \"");
            self.buf.extend_from_slice(
                "Сервер будет перезагружен в 03:00 UTC. Server restart at 03:00 UTC.".as_bytes(),
            );
        } else {
            self.buf.extend_from_slice(self.senders[from].as_bytes());
            self.buf.extend_from_slice(b"\",\n  \"to\": \"");
            match self.conv.room {
                Some(room) => self.buf.extend_from_slice(self.rooms[room].as_bytes()),
                None => self.buf.extend_from_slice(self.senders[to].as_bytes()),
            }
            self.buf.extend_from_slice(b"\",\n  \"body\": \"");
            if r < 35 {
                // OTR ciphertext or the notice that it could not be read.
                if self.rng.chance(50) {
                    self.buf.extend_from_slice(b"?OTR:AAMD");
                    let n = self.rng.range(40, 300) as usize;
                    self.rng.fill(&mut self.buf, B64, n);
                    self.buf.push(b'.');
                } else {
                    self.buf
                        .extend_from_slice(b"[OTR] The encrypted message received from ");
                    self.buf.extend_from_slice(self.senders[from].as_bytes());
                    self.buf.extend_from_slice(
                        b" is unreadable, as you are not currently communicating privately.",
                    );
                }
            } else {
                self.body(b"\\n");
            }
        }
        self.buf.extend_from_slice(b"\"\n");
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::corpus_of;

    #[test]
    fn jabber_is_pretty_objects_separated_by_brace_comma() {
        let (text, stats) = corpus_of("conti-jabber", 300_000, 5);
        assert!(text.starts_with("{\n  \"ts\": \"20"));
        assert!(text.ends_with("\"\n}\n"));
        let opens = text.lines().filter(|l| *l == "{").count() as u64;
        assert_eq!(opens, stats.messages);
        assert_eq!(text.matches("},\n{\n").count() as u64, stats.messages - 1);
        // Wrapped in brackets the stream is a JSON array of four-field objects.
        let arr: Vec<serde_json::Map<String, serde_json::Value>> =
            serde_json::from_str(&format!("[{text}]")).unwrap();
        assert_eq!(arr.len() as u64, stats.messages);
        let mut last = String::new();
        for o in &arr {
            let keys: Vec<_> = o.keys().map(String::as_str).collect();
            assert_eq!(keys.len(), 4);
            for k in ["ts", "from", "to", "body"] {
                assert!(o[k].is_string(), "{k}");
            }
            let ts = o["ts"].as_str().unwrap();
            assert_eq!(ts.len(), 26, "{ts}");
            assert_eq!(&ts[10..11], "T");
            assert!(ts >= last.as_str());
            last = ts.to_string();
            let from = o["from"].as_str().unwrap();
            assert!(from.ends_with(".onion"), "{from}");
        }
        let bodies: Vec<&str> = arr.iter().map(|o| o["body"].as_str().unwrap()).collect();
        assert!(bodies.iter().any(|b| b.contains('\n')));
        assert!(bodies.iter().any(|b| b.contains('"')));
        assert!(bodies.iter().any(|b| b.starts_with("?OTR:")));
        assert!(
            bodies
                .iter()
                .any(|b| b.contains("зп") || b.contains("доступ"))
        );
        assert!(
            arr.iter()
                .any(|o| o["to"].as_str().unwrap().contains("@conference."))
        );
        assert!(text.contains("\\\"") && text.contains("\\n"));
    }
}
