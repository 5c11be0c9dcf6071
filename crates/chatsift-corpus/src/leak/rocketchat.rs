//! rocketchat: one REST API response, newest message first.

use super::{Civil, Gen};
use crate::{B64, FILE_NAMES, METEOR, push_num, push3};

fn push_capitalized(buf: &mut Vec<u8>, s: &[u8]) {
    if let Some((&first, rest)) = s.split_first() {
        buf.push(first.to_ascii_uppercase());
        buf.extend_from_slice(rest);
    }
}

impl Gen {
    pub(super) fn rocket_message(&mut self) {
        let c = self.civil();
        if self.messages > 0 {
            self.buf.push(b',');
        }
        let who = self.conv.a;
        self.buf.extend_from_slice(b"{\"_id\":\"");
        self.meteor_id();
        self.buf.extend_from_slice(b"\",\"rid\":\"GENERAL\",");
        let r = self.rng.below(1000);
        let system = r < 25;
        if system {
            self.buf.extend_from_slice(if r < 20 {
                b"\"t\":\"uj\",\"msg\":\""
            } else {
                b"\"t\":\"ul\",\"msg\":\""
            });
            self.buf.extend_from_slice(self.senders[who].as_bytes());
            self.buf.push(b'"');
        } else if r < 35 {
            self.buf.extend_from_slice(b"\"t\":\"e2e\",\"msg\":\"");
            let n = self.rng.range(52, 412) as usize;
            self.rng.fill(&mut self.buf, B64, n);
            self.buf.extend_from_slice(b"==\",\"e2e\":\"pending\"");
        } else if r < 75 {
            // An attachment, sometimes with a caption.
            let f = *self.rng.pick(FILE_NAMES);
            self.buf.extend_from_slice(b"\"msg\":\"");
            if self.rng.chance(30) {
                self.body(b"\\n");
            }
            self.buf.extend_from_slice(b"\",\"file\":{\"_id\":\"");
            let fid = self.buf.len();
            self.meteor_id();
            self.buf.extend_from_slice(b"\",\"name\":\"");
            self.buf.extend_from_slice(f.as_bytes());
            self.buf.extend_from_slice(b"\",\"type\":\"");
            let mime: &[u8] = if f.ends_with(".png") {
                b"image/png"
            } else if f.ends_with(".jpg") {
                b"image/jpeg"
            } else {
                b"application/octet-stream"
            };
            self.buf.extend_from_slice(mime);
            self.buf
                .extend_from_slice(b"\"},\"attachments\":[{\"type\":\"file\",\"title\":\"");
            self.buf.extend_from_slice(f.as_bytes());
            self.buf
                .extend_from_slice(b"\",\"title_link\":\"/file-upload/");
            self.buf.extend_from_within(fid..fid + 17);
            self.buf.push(b'/');
            self.buf.extend_from_slice(f.as_bytes());
            self.buf
                .extend_from_slice(b"\",\"title_link_download\":true,\"size\":");
            push_num(&mut self.buf, self.rng.range(2_000, 9_000_000) as u32);
            self.buf.extend_from_slice(b"}]");
        } else {
            self.buf.extend_from_slice(b"\"msg\":\"");
            self.body(b"\\n");
            self.buf.push(b'"');
            if self.rng.chance(4) {
                self.buf.extend_from_slice(b",\"tmid\":\"");
                self.meteor_id();
                self.buf.push(b'"');
            }
        }
        self.buf.extend_from_slice(b",\"ts\":\"");
        self.push_rocket_ts(&c);
        self.buf.extend_from_slice(b"\",\"u\":{\"_id\":\"");
        self.buf.extend_from_slice(self.user_ids[who].as_bytes());
        self.buf.extend_from_slice(b"\",\"username\":\"");
        self.buf.extend_from_slice(self.senders[who].as_bytes());
        self.buf.extend_from_slice(b"\",\"name\":\"");
        push_capitalized(&mut self.buf, self.senders[who].as_bytes());
        self.buf.extend_from_slice(b"\"}");
        if system {
            self.buf.extend_from_slice(b",\"groupable\":false");
        } else {
            if self.rng.chance(3) {
                let mut e = c;
                e.minute = (e.minute + 1 + self.rng.below(5) as u32).min(59);
                self.buf.extend_from_slice(b",\"editedAt\":\"");
                self.push_rocket_ts(&e);
                self.buf.extend_from_slice(b"\",\"editedBy\":{\"_id\":\"");
                self.buf.extend_from_slice(self.user_ids[who].as_bytes());
                self.buf.extend_from_slice(b"\",\"username\":\"");
                self.buf.extend_from_slice(self.senders[who].as_bytes());
                self.buf.extend_from_slice(b"\"}");
            }
            if self.rng.chance(5) {
                let other = self.conv.b;
                self.buf
                    .extend_from_slice(b",\"reactions\":{\":+1:\":{\"usernames\":[\"");
                self.buf.extend_from_slice(self.senders[other].as_bytes());
                self.buf.extend_from_slice(b"\"]}}");
            }
            self.buf
                .extend_from_slice(b",\"mentions\":[],\"channels\":[]");
        }
        self.buf.extend_from_slice(b",\"_updatedAt\":\"");
        self.push_rocket_ts(&c);
        self.buf.extend_from_slice(b"\"}");
    }

    fn meteor_id(&mut self) {
        self.rng.fill(&mut self.buf, METEOR, 17);
    }

    fn push_rocket_ts(&mut self, c: &Civil) {
        self.push_ymd_hms(c, b'T');
        self.buf.push(b'.');
        push3(&mut self.buf, c.micros / 1000);
        self.buf.push(b'Z');
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::corpus_of;
    use std::collections::HashSet;

    #[test]
    fn rocketchat_is_one_api_response_newest_first() {
        let (text, stats) = corpus_of("rocketchat", 400_000, 5);
        assert!(text.starts_with("{\"messages\":[{\"_id\":\""));
        assert!(text.ends_with("}],\"success\":true}"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["success"], serde_json::Value::Bool(true));
        let msgs = v["messages"].as_array().unwrap();
        assert_eq!(msgs.len() as u64, stats.messages);
        let mut prev: Option<String> = None;
        let mut kinds = HashSet::new();
        for m in msgs {
            assert_eq!(m["_id"].as_str().unwrap().len(), 17);
            assert_eq!(m["rid"], "GENERAL");
            assert!(m["msg"].is_string());
            assert!(m["u"]["username"].is_string() && m["u"]["_id"].is_string());
            let ts = m["ts"].as_str().unwrap().to_string();
            assert!(ts.ends_with('Z') && ts.len() == 24, "{ts}");
            if let Some(p) = &prev {
                assert!(ts <= *p, "{ts} after {p}: not newest first");
            }
            prev = Some(ts);
            kinds.insert(m["t"].as_str().unwrap_or("").to_string());
        }
        for k in ["", "uj", "e2e"] {
            assert!(kinds.contains(k), "no t={k:?} rows");
        }
        assert!(msgs.iter().any(|m| m["attachments"].is_array()));
        assert!(msgs.iter().any(|m| m["editedAt"].is_string()));
        assert!(
            msgs.iter()
                .any(|m| m["msg"].as_str().unwrap().contains('"'))
        );
        assert!(
            msgs.iter()
                .any(|m| m["msg"].as_str().unwrap().contains('\n'))
        );
    }
}
