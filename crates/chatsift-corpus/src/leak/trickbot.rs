//! trickbot: `[DD.MM.YY HH:MM:SS] nick:\t\t` lines, continuation lines for the rest.

use super::Gen;
use crate::push2;

impl Gen {
    pub(super) fn trickbot_line(&mut self) {
        let c = self.civil();
        self.buf.push(b'[');
        push2(&mut self.buf, c.day);
        self.buf.push(b'.');
        push2(&mut self.buf, c.month);
        self.buf.push(b'.');
        push2(&mut self.buf, c.year % 100);
        self.buf.push(b' ');
        self.push_hms(&c);
        self.buf.extend_from_slice(b"] ");
        self.buf
            .extend_from_slice(self.senders[self.conv.a].as_bytes());
        self.buf.extend_from_slice(b":\t\t");
        self.body(b"\n");
        self.buf.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::{corpus_of, is_trickbot_header};

    #[test]
    fn trickbot_headers_match_messages_and_bodies_paste_log_lines() {
        let (text, stats) = corpus_of("trickbot", 300_000, 5);
        assert!(text.ends_with('\n'));
        let headers = text.lines().filter(|l| is_trickbot_header(l)).count() as u64;
        assert_eq!(headers, stats.messages);
        let continuation: Vec<&str> = text.lines().filter(|l| !is_trickbot_header(l)).collect();
        assert!(!continuation.is_empty());
        assert!(continuation.iter().all(|l| !l.is_empty()));
        assert!(
            continuation
                .iter()
                .any(|l| l.len() > 12 && l.starts_with('[') && &l[9..12] == "] <")
        );
        assert!(text.contains("отчёт") || text.contains("доступ"));
    }
}
