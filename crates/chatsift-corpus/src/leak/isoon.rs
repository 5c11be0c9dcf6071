//! isoon: one HTML table with a header row and a row per message, mostly Chinese.

use super::Gen;
use crate::{FILE_NAMES, HEX, push_num};

const IMG_EXT: &[&str] = &["png", "jpg", "png", "png", "gif"];

impl Gen {
    pub(super) fn isoon_row(&mut self) {
        let c = self.civil();
        let start = self.buf.len();
        self.buf.extend_from_slice(b"<tr><td>");
        self.push_ymd_hms(&c, b' ');
        self.buf.extend_from_slice(b"</td><td>");
        let from = self.conv.a;
        self.buf.extend_from_slice(self.senders[from].as_bytes());
        self.buf.extend_from_slice(b"</td><td>");
        match self.conv.room {
            Some(r) => self.buf.extend_from_slice(self.rooms[r].as_bytes()),
            None => self
                .buf
                .extend_from_slice(self.senders[self.conv.b].as_bytes()),
        }
        self.buf.extend_from_slice(b"</td><td>");
        let r = self.rng.below(1000);
        if r < 40 {
            // Image-only cell.
            self.buf.extend_from_slice(b"<img src=\"");
            push_num(&mut self.buf, self.rng.below(50) as u32);
            self.buf.push(b'-');
            self.rng.fill(&mut self.buf, HEX, 8);
            self.buf.push(b'.');
            let ext = *self.rng.pick(IMG_EXT);
            self.buf.extend_from_slice(ext.as_bytes());
            self.buf.extend_from_slice(b"\">");
        } else {
            // Most multi-line cells use `<br>`, a few hold literal newlines.
            let br: &'static [u8] = if self.rng.chance(90) { b"<br>" } else { b"\n" };
            self.body(br);
            if r < 55 {
                self.buf.extend_from_slice(b"<br><a href=\"");
                let f = *self.rng.pick(FILE_NAMES);
                self.buf.extend_from_slice(f.as_bytes());
                self.buf.extend_from_slice(b".md\">");
                self.buf.extend_from_slice(f.as_bytes());
                self.buf.extend_from_slice(b"</a>");
            }
        }
        self.buf.extend_from_slice(b"</td></tr>\n");
        // Some rows repeat exactly.
        if self.rng.permille(5) {
            self.buf.extend_from_within(start..);
            self.messages += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::corpus_of;
    use std::collections::HashSet;

    #[test]
    fn isoon_is_one_table_with_a_header_and_one_row_per_message() {
        let (text, stats) = corpus_of("isoon", 300_000, 5);
        assert!(text.starts_with(
            "<table border=\"1\">\n<tr><th>Time</th><th>From</th><th>To</th><th>Message</th></tr>\n"
        ));
        assert!(text.ends_with("</tr>\n</table>\n"));
        assert_eq!(text.matches("<table").count(), 1);
        assert_eq!(text.matches("<th>").count(), 4);
        assert_eq!(text.matches("<tr>").count() as u64, stats.messages + 1);
        assert_eq!(text.matches("<tr><td>").count() as u64, stats.messages);
        assert_eq!(text.matches("</td></tr>").count() as u64, stats.messages);
        // Every row has exactly four cells.
        for row in text.split("<tr><td>").skip(1) {
            let row = &row[..row.find("</tr>").unwrap()];
            assert_eq!(row.matches("</td>").count(), 4, "{row}");
        }
        for marker in [
            "&amp;",
            "&lt;",
            "&quot;",
            "<br>",
            "<img src=\"",
            "wxid_",
            "@chatroom",
        ] {
            assert!(text.contains(marker), "isoon lacks {marker}");
        }
        assert!(text.contains("工资") && text.contains("加班") && text.contains("客户"));
        // Image-only cells.
        assert!(text.contains(".png\"></td></tr>"));
    }

    #[test]
    fn isoon_times_move_forward_over_months_with_quiet_nights() {
        let (text, stats) = corpus_of("isoon", 2_000_000, 9);
        let mut last = String::new();
        let mut hours = [0u64; 24];
        let mut months = HashSet::new();
        let mut senders = HashSet::new();
        let mut same_second = 0;
        for row in text.split("<tr><td>").skip(1) {
            let t = &row[..19];
            assert!(t.as_bytes()[4] == b'-' && t.as_bytes()[10] == b' ', "{t}");
            assert!(t >= last.as_str(), "{t} after {last}");
            if t == last {
                same_second += 1;
            }
            hours[t[11..13].parse::<usize>().unwrap()] += 1;
            months.insert(t[..7].to_string());
            let from = row[19 + 9..].split("</td>").next().unwrap();
            senders.insert(from.to_string());
            last = t.to_string();
        }
        assert!(months.len() >= 4, "{months:?}");
        assert!(same_second > 0);
        assert!(senders.len() >= 150, "{}", senders.len());
        let day: u64 = hours[1..10].iter().sum();
        let night: u64 = hours[16..22].iter().sum();
        assert!(day > night * 5, "day {day} night {night}");
        assert!(stats.messages > 5_000);
        for s in &senders {
            if let Some(id) = s.strip_prefix("wxid_") {
                assert_eq!(id.len(), 14, "{s}");
                assert!(
                    id.bytes()
                        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
                );
            }
        }
    }
}
