//! Corpus generator for `irc`: one irssi channel log (`#chan.log`).
//!
//! `--- Log opened` at the start, `--- Day changed` at every midnight and a close/reopen now
//! and then; `HH:MM <@nick> text` messages from ~400 nicks with mode prefixes, actions
//! (`HH:MM  * nick text`) and `-!-` join/quit/mode events. Bodies mix Russian, English and
//! Chinese, with pasted log lines (`[11:20:09] <bot> …`, `--- Day changed …`) inside
//! messages. Every line but the `---` lines is a record the parser returns.

use std::io::{self, Write};

use super::{
    CorpusStats, EN, EN_SHORT, NICKS, RU, RU_SHORT, Rng, ZH, civil_from_days, push_num, push2,
    push4,
};

const FLUSH_AT: usize = 1 << 20;

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MODES: &[u8] = b"@+%& ";
const PASTED: &[&str] = &[
    "[11:20:09] <bentley> bot online",
    "--- Day changed Fri Aug 13 2021",
    "12:00 <@admin> this was pasted",
];

fn put_phrase(buf: &mut Vec<u8>, rng: &mut Rng, p: &str) {
    let mut rest = p.as_bytes();
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

/// `Www Mmm DD` for a day number.
fn day_words(buf: &mut Vec<u8>, days: i64) {
    let (_, m, d) = civil_from_days(days);
    buf.extend_from_slice(WEEKDAYS[days.rem_euclid(7) as usize].as_bytes());
    buf.push(b' ');
    buf.extend_from_slice(MONTHS[(m - 1) as usize].as_bytes());
    buf.push(b' ');
    push2(buf, d);
}

fn log_opened(buf: &mut Vec<u8>, t: i64) {
    let days = t.div_euclid(86_400);
    let sod = t.rem_euclid(86_400) as u32;
    buf.extend_from_slice(b"--- Log opened ");
    day_words(buf, days);
    buf.push(b' ');
    push2(buf, sod / 3600);
    buf.push(b':');
    push2(buf, sod / 60 % 60);
    buf.push(b':');
    push2(buf, sod % 60);
    buf.push(b' ');
    push4(buf, civil_from_days(days).0);
    buf.push(b'\n');
}

/// Writes an irssi log of at least `target_bytes` bytes.
pub fn generate(target_bytes: u64, seed: u64, out: &mut dyn Write) -> io::Result<CorpusStats> {
    let mut rng = Rng(seed ^ 0x1cc0_1cc0_0000_0002);
    let nicks: Vec<String> = (0..400)
        .map(|i| {
            let w = *rng.pick(NICKS);
            if i < NICKS.len() / 2 {
                w.to_string()
            } else {
                format!("{w}{i}")
            }
        })
        .collect();
    let modes: Vec<u8> = (0..400).map(|_| MODES[rng.skewed(MODES.len())]).collect();
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 4096);
    let mut stats = CorpusStats::default();
    let records = (target_bytes / 60).max(1);
    let mean_step = (63_072_000 / records).clamp(1, 3600);
    let mut t: i64 = 1_609_459_200; // 2021-01-01 00:00:00
    log_opened(&mut buf, t);
    let mut day = t.div_euclid(86_400);
    loop {
        t += rng.below(2 * mean_step + 1) as i64;
        let d = t.div_euclid(86_400);
        if d != day {
            if rng.chance(3) {
                buf.extend_from_slice(b"--- Log closed ");
                day_words(&mut buf, day);
                buf.extend_from_slice(b" 23:59:59 ");
                push4(&mut buf, civil_from_days(day).0);
                buf.push(b'\n');
                log_opened(&mut buf, t);
            } else {
                buf.extend_from_slice(b"--- Day changed ");
                day_words(&mut buf, d);
                buf.push(b' ');
                push4(&mut buf, civil_from_days(d).0);
                buf.push(b'\n');
            }
            day = d;
        }
        let sod = t.rem_euclid(86_400) as u32;
        push2(&mut buf, sod / 3600);
        buf.push(b':');
        push2(&mut buf, sod / 60 % 60);
        buf.push(b' ');
        let who = rng.skewed(nicks.len());
        let nick = nicks[who].as_bytes();
        let roll = rng.below(100);
        if roll < 4 {
            buf.extend_from_slice(b"-!- ");
            buf.extend_from_slice(nick);
            match roll {
                0 | 1 => buf.extend_from_slice(b" [u@198.51.100.7] has joined #ops"),
                2 => {
                    buf.extend_from_slice(b" [u@198.51.100.7] has quit [Ping timeout: 250 seconds]")
                }
                _ => {
                    buf.extend_from_slice(" changed the topic of #ops to: зп в пятницу".as_bytes())
                }
            }
        } else if roll < 7 {
            buf.extend_from_slice(b" * ");
            buf.extend_from_slice(nick);
            buf.push(b' ');
            let p = *rng.pick(RU_SHORT);
            put_phrase(&mut buf, &mut rng, p);
        } else {
            buf.push(b'<');
            buf.push(modes[who]);
            buf.extend_from_slice(nick);
            buf.extend_from_slice(b"> ");
            let lang = rng.below(100);
            let (long, short): (&[&str], &[&str]) = if lang < 60 {
                (RU, RU_SHORT)
            } else if lang < 85 {
                (EN, EN_SHORT)
            } else {
                (ZH, super::ZH_SHORT)
            };
            if rng.chance(3) {
                buf.extend_from_slice(rng.pick(PASTED).as_bytes());
            } else if rng.chance(30) {
                let p = *rng.pick(short);
                put_phrase(&mut buf, &mut rng, p);
            } else {
                let p = *rng.pick(long);
                put_phrase(&mut buf, &mut rng, p);
            }
        }
        buf.push(b'\n');
        stats.messages += 1;
        if buf.len() >= FLUSH_AT {
            out.write_all(&buf)?;
            stats.bytes += buf.len() as u64;
            buf.clear();
        }
        if stats.bytes + buf.len() as u64 >= target_bytes {
            break;
        }
    }
    out.write_all(&buf)?;
    stats.bytes += buf.len() as u64;
    Ok(stats)
}
