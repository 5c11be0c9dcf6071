//! Benchmark corpus for `whatsapp`: an Android export of one large group chat
//! (`DD/MM/YYYY, HH:MM - Author: text`, 24-hour clock, day first), about 70 bytes per record.
//!
//! A few hundred members (Latin, Chinese and Cyrillic names and bare phone numbers), bodies
//! from the Chinese, Russian and English phrase banks, about one in ten spanning several lines
//! (pasted logs and code, including lines that look like headers but are not strict), system
//! lines (joins, leaves, subject changes with quoted `: `), media placeholders, files attached,
//! deleted and edited messages, and ordinary messages that say "left" or "added" (they must
//! stay messages). Time moves forward over about half a year with quiet nights.

use std::io::{self, Write};

use super::{
    CODE, CorpusStats, EN, EN_SHORT, FILE_NAMES, PINYIN_GIVEN, PINYIN_SURNAMES, RU, RU_SHORT, Rng,
    ZH, ZH_SHORT, civil_from_days, push_num, push2, push4,
};

/// Bytes gathered before a write to the output.
const FLUSH: usize = 1 << 20;

const LATIN_FIRST: &[&str] = &[
    "Sam", "Dana", "Mark", "Lena", "Omar", "Nina", "Tom", "Ava", "Raj", "Kim", "Luis", "Ana",
    "Eva", "Jon", "Mia", "Ivan", "Zoe", "Ben", "Amir", "Lucy",
];
const LATIN_LAST: &[&str] = &[
    "Porter", "Kim", "Diaz", "Novak", "Haddad", "Berg", "Reyes", "Shah", "Moreau", "Young",
    "Okafor", "Silva", "Weber", "Costa", "Ito", "Park",
];
const ZH_SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const ZH_GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "磊", "强", "军", "洋", "勇", "艳", "杰",
];
const RU_FIRST: &[&str] = &[
    "Сергей",
    "Анна",
    "Дмитрий",
    "Ольга",
    "Иван",
    "Мария",
    "Алексей",
    "Елена",
    "Павел",
    "Юлия",
];
const RU_LAST: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Соколов",
    "Лебедев",
    "Козлов",
    "Новиков",
];

/// Messages that say "left" or "added" (a competing tool drops them as system lines).
const LEFT_ADDED: &[&str] = &[
    "I left the laptop at the office",
    "she added ~ new targets to the list",
    "who added this to the report?",
    "left early, the client call moved",
    "added: the VPN creds are in the usual place",
    "I added you to the shared folder",
    "он left чат? нет, просто молчит",
    "已经added到表里了",
];

/// System lines; `{}` is replaced by members' names.
const SYSTEM: &[&str] = &[
    "{} added {}",
    "{} left",
    "{} removed {}",
    "{} joined using this group's invite link",
    "{} changed this group's icon",
    "{} changed the subject from \"Ops: Q~\" to \"Ops: Q~ final\"",
    "{} created group \"Проект: ~\"",
    "{} changed the group description",
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.",
];

/// Continuation lines that look like headers but are not strict ones.
const PASTED: &[&str] = &[
    "12/03/2022 21:04 Lin Wei: pasted without the dash",
    "[12/03/2022 9:07 PM]Sam: no space after the bracket",
    "12/03/2022, 21:04 -Lin Wei: no space after the dash",
    "[11:20:09] <bot> online",
];

/// Appends a phrase, replacing each `~` with a number in 2..=500 and each `^` with 1..=23.
pub(crate) fn put_phrase(buf: &mut Vec<u8>, rng: &mut Rng, p: &str) {
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

/// A pool of several hundred distinct display names (no `:` and no quote marks).
pub(crate) fn people(rng: &mut Rng) -> Vec<String> {
    let n = 260 + rng.below(100) as usize;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let name = match rng.below(10) {
            0..=3 => format!("{} {}", rng.pick(LATIN_FIRST), rng.pick(LATIN_LAST)),
            4..=5 => format!(
                "{}{}{}",
                rng.pick(ZH_SURNAMES),
                rng.pick(ZH_GIVEN),
                rng.pick(ZH_GIVEN)
            ),
            6 => {
                let (s, g) = (rng.pick(PINYIN_SURNAMES), rng.pick(PINYIN_GIVEN));
                format!("{}{} {}", &s[..1].to_uppercase(), &s[1..], g)
            }
            7..=8 => format!("{} {}", rng.pick(RU_FIRST), rng.pick(RU_LAST)),
            _ => format!(
                "+{} {} {}",
                [44u64, 7, 86, 1][rng.below(4) as usize],
                rng.range(700, 999),
                rng.range(100_000, 999_999)
            ),
        };
        if seen.insert(name.clone()) {
            out.push(name);
        }
    }
    out
}

/// One body line from the phrase banks (about 45% Chinese, 30% Russian, 25% English).
pub(crate) fn line(buf: &mut Vec<u8>, rng: &mut Rng) {
    let short = rng.chance(25);
    let p = match (rng.below(100), short) {
        (0..=44, false) => rng.pick(ZH),
        (0..=44, true) => rng.pick(ZH_SHORT),
        (45..=74, false) => rng.pick(RU),
        (45..=74, true) => rng.pick(RU_SHORT),
        (_, false) => rng.pick(EN),
        (_, true) => rng.pick(EN_SHORT),
    };
    put_phrase(buf, rng, p);
}

/// Writes a WhatsApp Android corpus of at least `target_bytes` (see the module docs).
pub fn generate(target_bytes: u64, seed: u64, out: &mut dyn Write) -> io::Result<CorpusStats> {
    let mut rng = Rng(seed ^ 0x7768_6174_7361_7070); // "whatsapp"
    let names = people(&mut rng);
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH + (64 << 10));
    let mut stats = CorpusStats::default();
    // Local wall time in seconds, from 2022-01-03 09:00.
    let mut t: i64 = 1_641_200_400;
    // About 180 days over the expected number of records (~70 bytes each).
    let records = (target_bytes / 70).max(1) as i64;
    let mean = (180 * 86_400 / records).clamp(1, 3600);
    let mut day = (i64::MIN, 0u32, 0u32, 0u32);
    let mut first = true;
    loop {
        let d = t.div_euclid(86_400);
        if d != day.0 {
            let (y, m, dd) = civil_from_days(d);
            day = (d, y, m, dd);
        }
        let sod = t.rem_euclid(86_400) as u32;
        push2(&mut buf, day.3);
        buf.push(b'/');
        push2(&mut buf, day.2);
        buf.push(b'/');
        push4(&mut buf, day.1);
        buf.extend_from_slice(b", ");
        push2(&mut buf, sod / 3600);
        buf.push(b':');
        push2(&mut buf, sod / 60 % 60);
        buf.extend_from_slice(b" - ");
        let who = names[rng.skewed(names.len())].as_str();
        let roll = rng.below(1000);
        if first || roll < 30 {
            // A system line: no author.
            let tpl = if first {
                SYSTEM[SYSTEM.len() - 1]
            } else {
                *rng.pick(&SYSTEM[..SYSTEM.len() - 1])
            };
            let mut parts = tpl.split("{}");
            if let Some(p) = parts.next() {
                put_phrase(&mut buf, &mut rng, p);
            }
            for (n, p) in parts.enumerate() {
                let name = if n == 0 {
                    who
                } else {
                    names[rng.below(names.len() as u64) as usize].as_str()
                };
                buf.extend_from_slice(name.as_bytes());
                put_phrase(&mut buf, &mut rng, p);
            }
            first = false;
        } else {
            buf.extend_from_slice(who.as_bytes());
            buf.extend_from_slice(b": ");
            match roll {
                30..=69 => buf.extend_from_slice(b"<Media omitted>"),
                70..=89 => {
                    buf.extend_from_slice(if rng.chance(70) { b"IMG-" } else { b"DOC-" });
                    push4(&mut buf, day.1);
                    push2(&mut buf, day.2);
                    push2(&mut buf, day.3);
                    buf.extend_from_slice(b"-WA");
                    push4(&mut buf, rng.below(10_000) as u32);
                    buf.push(b'.');
                    let f = rng.pick(FILE_NAMES);
                    buf.extend_from_slice(f.rsplit('.').next().unwrap_or("jpg").as_bytes());
                    buf.extend_from_slice(b" (file attached)");
                    if rng.chance(30) {
                        buf.push(b'\n');
                        line(&mut buf, &mut rng);
                    }
                }
                90..=99 => buf.extend_from_slice(if rng.chance(50) {
                    b"This message was deleted".as_slice()
                } else {
                    b"You deleted this message".as_slice()
                }),
                100..=129 => {
                    let p = *rng.pick(LEFT_ADDED);
                    put_phrase(&mut buf, &mut rng, p);
                }
                130..=229 => {
                    // Several lines: pasted logs or code.
                    line(&mut buf, &mut rng);
                    let extra = 1 + rng.below(3);
                    for _ in 0..extra {
                        buf.extend_from_slice(b"\n");
                        match rng.below(10) {
                            0 => buf.extend_from_slice(rng.pick(PASTED).as_bytes()),
                            1 => buf.extend_from_slice(rng.pick(CODE).as_bytes()),
                            _ => line(&mut buf, &mut rng),
                        }
                    }
                }
                _ => {
                    line(&mut buf, &mut rng);
                    if rng.permille(30) {
                        buf.extend_from_slice(b" <This message was edited>");
                    }
                }
            }
        }
        buf.push(b'\n');
        stats.messages += 1;
        // Next stamp: bursts within a minute, gaps of minutes, now and then hours; quiet nights.
        let step = match rng.below(10) {
            0..=5 => rng.below(mean as u64 + 1) as i64,
            6..=8 => mean + rng.below(mean as u64 * 2 + 1) as i64,
            _ => mean * 4 + rng.below(3600) as i64,
        };
        t += step;
        let hour = t.rem_euclid(86_400) / 3600;
        if hour < 7 {
            t += (7 - hour) * 3600;
        }
        if buf.len() >= FLUSH {
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
