//! The five leak layouts (isoon, conti-jabber, rocketchat, blackbasta, trickbot) share one
//! generator, [`Gen`]: the sender pool and rooms, the clock with its bursts and quiet nights,
//! who speaks next, and bodies from phrase banks escaped once for the layout. Each layout's
//! record writer is a `Gen` method in its own file under `leak/`.

use std::io::{self, Write};

use crate::{
    ALPHA, BASE32, CODE, CUSTOM_IDS, CorpusStats, EN, EN_SHORT, HEX, KV, LOWER36, METEOR, NICKS,
    PINYIN_GIVEN, PINYIN_SURNAMES, RU, RU_SHORT, Rng, ZH, ZH_SHORT, civil_from_days, push_num,
    push2, push4,
};

mod blackbasta;
mod conti_jabber;
mod isoon;
mod rocketchat;
mod trickbot;

/// Writes a corpus of `layout` (see [`crate::generate`]).
pub(crate) fn generate(
    layout: Layout,
    target_bytes: u64,
    seed: u64,
    out: &mut dyn Write,
) -> io::Result<CorpusStats> {
    let mut g = Gen::new(layout, seed, target_bytes);
    g.run(target_bytes, out)?;
    Ok(CorpusStats {
        bytes: g.flushed,
        messages: g.messages,
    })
}

/// Bytes gathered before a write to the output.
pub(crate) const FLUSH_AT: usize = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    Isoon,
    Jabber,
    RocketChat,
    BlackBasta,
    TrickBot,
}

impl Layout {
    pub(crate) fn from_name(name: &str) -> Option<Layout> {
        let name = name.trim();
        let is = |s: &str| name.eq_ignore_ascii_case(s);
        if is("isoon") {
            Some(Layout::Isoon)
        } else if is("conti-jabber") || is("conti_jabber") {
            Some(Layout::Jabber)
        } else if is("rocketchat") {
            Some(Layout::RocketChat)
        } else if is("blackbasta") {
            Some(Layout::BlackBasta)
        } else if is("trickbot") {
            Some(Layout::TrickBot)
        } else {
            None
        }
    }

    /// Rough bytes per record, to spread the corpus over about half a year.
    fn avg_record(self) -> u64 {
        match self {
            Layout::Isoon => 190,
            Layout::Jabber => 230,
            Layout::RocketChat => 420,
            Layout::BlackBasta => 210,
            Layout::TrickBot => 110,
        }
    }

    /// Quiet UTC hours `[start, end)` (the senders' night).
    fn quiet_hours(self) -> (i64, i64) {
        match self {
            // Beijing 00:00–07:00.
            Layout::Isoon => (16, 23),
            // Moscow 01:00–08:00.
            _ => (22, 5),
        }
    }

    /// Unix seconds of the first record written (the newest for Rocket.Chat).
    fn start(self) -> i64 {
        match self {
            Layout::Isoon => 1_583_110_800,      // 2020-03-02 01:00:00
            Layout::Jabber => 1_590_994_800,     // 2020-06-01 07:00:00
            Layout::RocketChat => 1_614_625_200, // 2021-03-01 19:00:00
            Layout::BlackBasta => 1_695_027_600, // 2023-09-18 09:00:00
            Layout::TrickBot => 1_617_267_600,   // 2021-04-01 09:00:00
        }
    }

    /// The share of Chinese, Russian (rest English) bodies in percent.
    fn languages(self) -> (u64, u64) {
        match self {
            Layout::Isoon => (85, 0),
            _ => (0, 80),
        }
    }
}

/// A calendar day and time of day, cached per day.
#[derive(Clone, Copy, Debug, Default)]
struct Civil {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    micros: u32,
}

/// One two-person (or room) exchange, kept for a run of records.
#[derive(Clone, Copy, Debug, Default)]
struct Conversation {
    a: usize,
    b: usize,
    room: Option<usize>,
    left: u32,
}

struct Gen {
    layout: Layout,
    rng: Rng,
    buf: Vec<u8>,
    /// Phrase banks escaped for the layout.
    banks: Banks,
    flushed: u64,
    messages: u64,
    /// Microseconds since the epoch of the current record.
    t_us: i64,
    /// Mean step between records.
    mean_us: i64,
    day_cache: (i64, u32, u32, u32),
    senders: Vec<String>,
    /// Rocket.Chat user `_id`s, parallel to `senders`.
    user_ids: Vec<String>,
    rooms: Vec<String>,
    /// Jabber: the bare server domain.
    domain: String,
    conv: Conversation,
    /// Jabber: records left in an offline-delivery burst.
    burst: u32,
}

impl Gen {
    fn new(layout: Layout, seed: u64, target: u64) -> Gen {
        let mut rng = Rng(seed ^ 0x6368_6174_7369_6674); // "chatsift"
        let mut g = Gen {
            layout,
            rng: Rng(0),
            buf: Vec::with_capacity(FLUSH_AT + (64 << 10)),
            banks: Banks::new(layout),
            flushed: 0,
            messages: 0,
            t_us: layout.start() * 1_000_000 + rng.below(1_000_000) as i64,
            mean_us: 0,
            day_cache: (i64::MIN, 0, 0, 0),
            senders: Vec::new(),
            user_ids: Vec::new(),
            rooms: Vec::new(),
            domain: String::new(),
            conv: Conversation::default(),
            burst: 0,
        };
        // Spread the corpus over about 180 days.
        let records = (target / layout.avg_record()).max(1);
        let span_us = 180 * 86_400 * 1_000_000i64;
        g.mean_us = (span_us / records as i64).clamp(2_000_000, 3_600_000_000);
        g.people(&mut rng);
        g.rng = rng;
        g
    }

    /// Builds the sender pool and rooms.
    fn people(&mut self, rng: &mut Rng) {
        let n = 240 + rng.below(120) as usize;
        let mut seen = std::collections::HashSet::new();
        let mut push = |s: String, v: &mut Vec<String>| {
            if seen.insert(s.clone()) {
                v.push(s);
            }
        };
        let mut senders = Vec::with_capacity(n);
        let mut rooms = Vec::new();
        let mut tries = 0;
        match self.layout {
            Layout::Isoon => {
                while senders.len() < n && tries < n * 20 {
                    tries += 1;
                    let s = if rng.chance(60) {
                        let mut s = String::from("wxid_");
                        for _ in 0..14 {
                            s.push(*rng.pick(LOWER36) as char);
                        }
                        s
                    } else if rng.chance(70) {
                        let mut s =
                            format!("{}{}", rng.pick(PINYIN_SURNAMES), rng.pick(PINYIN_GIVEN));
                        if rng.chance(50) {
                            s.push_str(&rng.range(1, 999).to_string());
                        }
                        s
                    } else {
                        format!("{}{}", rng.pick(CUSTOM_IDS), rng.range(0, 99))
                    };
                    push(s, &mut senders);
                }
                for _ in 0..24 {
                    rooms.push(format!(
                        "{}@chatroom",
                        rng.range(10_000_000_000, 99_999_999_999)
                    ));
                }
            }
            Layout::Jabber => {
                let mut domains = Vec::new();
                for _ in 0..3 {
                    let mut d = String::new();
                    for _ in 0..16 {
                        d.push(*rng.pick(BASE32) as char);
                    }
                    d.push_str(".onion");
                    domains.push(d);
                }
                while senders.len() < n && tries < n * 20 {
                    tries += 1;
                    let nick = nick(rng, tries);
                    // Most users sit on the main server.
                    let d = if rng.chance(80) {
                        &domains[0]
                    } else {
                        rng.pick(&domains[1..])
                    };
                    push(format!("{nick}@{d}"), &mut senders);
                }
                for r in ["main", "team", "bots", "money", "reversers", "admins"] {
                    rooms.push(format!("{r}@conference.{}", domains[0]));
                }
                self.domain = domains.swap_remove(0);
            }
            Layout::RocketChat => {
                while senders.len() < n && tries < n * 20 {
                    tries += 1;
                    push(nick(rng, tries), &mut senders);
                }
                self.user_ids = senders
                    .iter()
                    .map(|_| {
                        (0..17)
                            .map(|_| *rng.pick(METEOR) as char)
                            .collect::<String>()
                    })
                    .collect();
            }
            Layout::BlackBasta => {
                while senders.len() < n && tries < n * 20 {
                    tries += 1;
                    push(
                        format!("@{}:matrix.example.online", nick(rng, tries)),
                        &mut senders,
                    );
                }
                for _ in 0..40 {
                    let mut r = String::from("!");
                    for _ in 0..18 {
                        r.push(*rng.pick(ALPHA) as char);
                    }
                    r.push_str(":matrix.example.online");
                    rooms.push(r);
                }
            }
            Layout::TrickBot => {
                while senders.len() < n && tries < n * 20 {
                    tries += 1;
                    push(nick(rng, tries), &mut senders);
                }
            }
        }
        self.senders = senders;
        self.rooms = rooms;
    }

    fn run(&mut self, target: u64, out: &mut dyn Write) -> io::Result<()> {
        self.open();
        loop {
            self.next_time();
            self.next_speaker();
            match self.layout {
                Layout::Isoon => self.isoon_row(),
                Layout::Jabber => self.jabber_object(),
                Layout::RocketChat => self.rocket_message(),
                Layout::BlackBasta => self.basta_object(),
                Layout::TrickBot => self.trickbot_line(),
            }
            self.messages += 1;
            if self.buf.len() >= FLUSH_AT {
                out.write_all(&self.buf)?;
                self.flushed += self.buf.len() as u64;
                self.buf.clear();
            }
            if self.flushed + self.buf.len() as u64 >= target {
                break;
            }
        }
        self.close();
        out.write_all(&self.buf)?;
        self.flushed += self.buf.len() as u64;
        self.buf.clear();
        out.flush()
    }

    fn open(&mut self) {
        match self.layout {
            Layout::Isoon => self.buf.extend_from_slice(
                b"<table border=\"1\">\n<tr><th>Time</th><th>From</th><th>To</th><th>Message</th></tr>\n",
            ),
            Layout::RocketChat => self.buf.extend_from_slice(b"{\"messages\":["),
            _ => {}
        }
    }

    fn close(&mut self) {
        match self.layout {
            Layout::Isoon => self.buf.extend_from_slice(b"</table>\n"),
            Layout::Jabber | Layout::BlackBasta => self.buf.extend_from_slice(b"}\n"),
            Layout::RocketChat => self.buf.extend_from_slice(b"],\"success\":true}"),
            Layout::TrickBot => {}
        }
    }

    /// Moves time by one realistic step: bursts within a second, seconds to hours, and
    /// skips most of the night.
    fn next_time(&mut self) {
        if self.messages == 0 {
            return;
        }
        let m = self.mean_us as u64;
        if self.layout == Layout::Jabber {
            if self.burst > 0 {
                // Offline delivery: many stored messages logged within one second.
                self.burst -= 1;
                self.t_us += self.rng.range(20, 40_000) as i64;
                return;
            }
            if self.rng.permille(4) {
                self.burst = self.rng.range(5, 30) as u32;
            }
        }
        let r = self.rng.below(100);
        let step = if r < 15 {
            self.rng.range(300, 250_000)
        } else if r < 70 {
            self.rng.range(1_000_000, (m / 2).max(1_000_000))
        } else if r < 95 {
            self.rng.range(m / 2, m * 2)
        } else {
            self.rng.range(m * 2, m * 10)
        } as i64;
        let backward = self.layout == Layout::RocketChat;
        self.t_us = if backward {
            self.t_us - step
        } else {
            self.t_us + step
        };
        let (qs, qe) = self.layout.quiet_hours();
        let secs = self.t_us.div_euclid(1_000_000);
        let hour = secs.rem_euclid(86_400) / 3600;
        let quiet = if qs < qe {
            hour >= qs && hour < qe
        } else {
            hour >= qs || hour < qe
        };
        if quiet && self.rng.chance(90) {
            let day_start = secs - secs.rem_euclid(86_400);
            if backward {
                // Back to just before the quiet hours began.
                let mut start = day_start + qs * 3600;
                if start > secs {
                    start -= 86_400;
                }
                let jump = secs - start + 1 + self.rng.below(1800) as i64;
                self.t_us -= jump * 1_000_000;
            } else {
                let mut end = day_start + qe * 3600;
                if end <= secs {
                    end += 86_400;
                }
                let jump = end - secs + self.rng.below(1800) as i64;
                self.t_us += jump * 1_000_000;
            }
        }
    }

    /// Picks who writes this record: mostly the current conversation continues.
    fn next_speaker(&mut self) {
        if self.conv.left == 0 {
            let n = self.senders.len();
            let a = self.rng.skewed(n);
            let mut b = self.rng.skewed(n);
            if b == a {
                b = (a + 1 + self.rng.below(n as u64 - 1) as usize) % n;
            }
            let room = if !self.rooms.is_empty() && self.rng.chance(30) {
                Some(self.rng.below(self.rooms.len() as u64) as usize)
            } else {
                None
            };
            self.conv = Conversation {
                a,
                b,
                room,
                left: self.rng.range(1, 40) as u32,
            };
        } else {
            self.conv.left -= 1;
            if self.rng.chance(50) {
                std::mem::swap(&mut self.conv.a, &mut self.conv.b);
            }
            if self.conv.room.is_some() && self.rng.chance(30) {
                // Someone else speaks up in the room.
                self.conv.a = self.rng.skewed(self.senders.len());
            }
        }
    }

    fn civil(&mut self) -> Civil {
        let secs = self.t_us.div_euclid(1_000_000);
        let micros = self.t_us.rem_euclid(1_000_000) as u32;
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400) as u32;
        if self.day_cache.0 != days {
            let (y, m, d) = civil_from_days(days);
            self.day_cache = (days, y, m, d);
        }
        let (_, year, month, day) = self.day_cache;
        Civil {
            year,
            month,
            day,
            hour: sod / 3600,
            minute: sod / 60 % 60,
            second: sod % 60,
            micros,
        }
    }

    /// `YYYY-MM-DD` + `sep` + `HH:MM:SS`.
    fn push_ymd_hms(&mut self, c: &Civil, sep: u8) {
        push4(&mut self.buf, c.year);
        self.buf.push(b'-');
        push2(&mut self.buf, c.month);
        self.buf.push(b'-');
        push2(&mut self.buf, c.day);
        self.buf.push(sep);
        self.push_hms(c);
    }

    fn push_hms(&mut self, c: &Civil) {
        push2(&mut self.buf, c.hour);
        self.buf.push(b':');
        push2(&mut self.buf, c.minute);
        self.buf.push(b':');
        push2(&mut self.buf, c.second);
    }

    // ---- bodies ---------------------------------------------------------------------------

    /// Appends a message text, already escaped for the layout, to the output buffer.
    /// `nl` is how a line break is written (`<br>`, a `\n` escape, or a newline).
    fn body(&mut self, nl: &'static [u8]) {
        if self.rng.chance(10) {
            self.multi_line(nl);
        } else {
            self.one_line();
        }
    }

    /// One line of text in the format's language mix, from a few chars to several hundred
    /// bytes.
    fn one_line(&mut self) {
        let Gen {
            rng, buf, banks, ..
        } = self;
        let (zh, ru) = self.layout.languages();
        let l = rng.below(100);
        let bank = if l < zh {
            &banks.zh
        } else if l < zh + ru {
            &banks.ru
        } else {
            &banks.en
        };
        let r = rng.below(100);
        let phrases = if r < 25 {
            buf.extend_from_slice(pick_bytes(rng, &bank.short));
            return;
        } else if r < 70 {
            1
        } else if r < 92 {
            rng.range(2, 3)
        } else {
            rng.range(4, 12)
        };
        for i in 0..phrases {
            if i > 0 {
                // No separator after a phrase that already ends a sentence.
                let ended = matches!(buf.last(), Some(b'?' | b'!' | b'.'))
                    || buf.ends_with("？".as_bytes());
                if !ended {
                    buf.extend_from_slice(bank.sep.trim_ascii_end());
                }
                if bank.sep.ends_with(b" ") {
                    buf.push(b' ');
                }
            }
            let p = pick_bytes(rng, &bank.long);
            put_phrase(buf, rng, p);
        }
    }

    fn multi_line(&mut self, nl: &'static [u8]) {
        self.one_line();
        let r = self.rng.below(100);
        if r < 40 {
            for _ in 0..self.rng.range(1, 4) {
                self.buf.extend_from_slice(nl);
                self.one_line();
            }
        } else if r < 65 {
            // A pasted chat log from a while ago: `[11:20:09] <nick> text` lines.
            let secs = self.t_us.div_euclid(1_000_000);
            let mut sod = (secs - 60 - self.rng.below(3600) as i64).rem_euclid(86_400) as u32;
            for _ in 0..self.rng.range(2, 6) {
                sod = (sod + self.rng.range(1, 40) as u32) % 86_400;
                self.buf.extend_from_slice(nl);
                self.buf.push(b'[');
                push2(&mut self.buf, sod / 3600);
                self.buf.push(b':');
                push2(&mut self.buf, sod / 60 % 60);
                self.buf.push(b':');
                push2(&mut self.buf, sod % 60);
                self.buf.extend_from_slice(b"] ");
                self.buf.extend_from_slice(self.banks.lt);
                let who = *self.rng.pick(NICKS);
                self.buf.extend_from_slice(who.as_bytes());
                self.buf.extend_from_slice(self.banks.gt);
                self.buf.push(b' ');
                self.one_line();
            }
        } else if r < 85 {
            let Gen {
                rng, buf, banks, ..
            } = self;
            buf.extend_from_slice(nl);
            buf.extend_from_slice(pick_bytes(rng, &banks.code));
        } else {
            let Gen {
                rng, buf, banks, ..
            } = self;
            buf.extend_from_slice(nl);
            let p = pick_bytes(rng, &banks.kv);
            put_phrase(buf, rng, p);
        }
    }
}

/// A language's phrases, escaped for one layout.
struct Bank {
    long: Vec<Vec<u8>>,
    short: Vec<Vec<u8>>,
    sep: &'static [u8],
}

/// Every text snippet a body is made of, escaped once for the layout so bodies are written
/// straight into the output.
struct Banks {
    zh: Bank,
    ru: Bank,
    en: Bank,
    code: Vec<Vec<u8>>,
    kv: Vec<Vec<u8>>,
    lt: &'static [u8],
    gt: &'static [u8],
}

impl Banks {
    fn new(layout: Layout) -> Banks {
        let esc = |s: &str| -> Vec<u8> {
            let mut v = Vec::with_capacity(s.len() + 16);
            match layout {
                Layout::Isoon => html_escape(&mut v, s.as_bytes(), b"<br>"),
                Layout::Jabber | Layout::RocketChat => json_escape(&mut v, s.as_bytes()),
                Layout::BlackBasta | Layout::TrickBot => v.extend_from_slice(s.as_bytes()),
            }
            v
        };
        let all = |list: &[&str]| list.iter().map(|s| esc(s)).collect::<Vec<_>>();
        let bank = |long: &[&str], short: &[&str], sep: &'static str| Bank {
            long: all(long),
            short: all(short),
            sep: sep.as_bytes(),
        };
        let html = layout == Layout::Isoon;
        Banks {
            zh: bank(ZH, ZH_SHORT, "，"),
            ru: bank(RU, RU_SHORT, ", "),
            en: bank(EN, EN_SHORT, ". "),
            code: all(CODE),
            kv: all(KV),
            lt: if html { b"&lt;" } else { b"<" },
            gt: if html { b"&gt;" } else { b">" },
        }
    }
}

/// One of `items`, chosen by `rng`.
fn pick_bytes<'t>(rng: &mut Rng, items: &'t [Vec<u8>]) -> &'t [u8] {
    rng.pick::<Vec<u8>>(items)
}

/// Appends a phrase, replacing each `~` with a random number in 2..=500 and each `^` with
/// one in 1..=23 (neither character occurs in the escapes, unlike `#` in `&#39;`).
fn put_phrase(buf: &mut Vec<u8>, rng: &mut Rng, p: &[u8]) {
    let mut rest = p;
    while let Some(i) = memchr::memchr2(b'~', b'^', rest) {
        buf.extend_from_slice(&rest[..i]);
        let n = if rest[i] == b'~' {
            rng.range(2, 500)
        } else {
            rng.range(1, 23)
        };
        push_num(buf, n as u32);
        rest = &rest[i + 1..];
    }
    buf.extend_from_slice(rest);
}

/// A nickname: a word from the list, with a number once the list is used up.
fn nick(rng: &mut Rng, attempt: usize) -> String {
    let w = *rng.pick(NICKS);
    if attempt <= NICKS.len() / 2 && rng.chance(70) {
        w.to_string()
    } else if rng.chance(50) {
        format!("{w}{}", rng.range(1, 999))
    } else {
        format!("{w}_{}", rng.pick(NICKS))
    }
}

/// Escapes text for an HTML table cell; `\n` becomes `br`.
fn html_escape(buf: &mut Vec<u8>, text: &[u8], br: &[u8]) {
    let mut run = 0;
    for (i, &b) in text.iter().enumerate() {
        let rep: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#39;",
            b'\n' => br,
            _ => continue,
        };
        buf.extend_from_slice(&text[run..i]);
        buf.extend_from_slice(rep);
        run = i + 1;
    }
    buf.extend_from_slice(&text[run..]);
}

/// Escapes text for the inside of a JSON string.
fn json_escape(buf: &mut Vec<u8>, text: &[u8]) {
    let mut run = 0;
    for (i, &b) in text.iter().enumerate() {
        let rep: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\t' => b"\\t",
            b'\r' => b"\\r",
            0..=0x1f => {
                buf.extend_from_slice(&text[run..i]);
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[(b >> 4) as usize]);
                buf.push(HEX[(b & 15) as usize]);
                run = i + 1;
                continue;
            }
            _ => continue,
        };
        buf.extend_from_slice(&text[run..i]);
        buf.extend_from_slice(rep);
        run = i + 1;
    }
    buf.extend_from_slice(&text[run..]);
}
