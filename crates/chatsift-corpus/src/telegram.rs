//! Corpus generator for `telegram`: one Telegram Desktop single-chat `result.json`, in the
//! exporter's layout (one space per level), with string and entity-array texts, service rows
//! (invites, pins, calls), media rows (photos, voice messages, stickers, files with
//! captions), replies, edits, multi-line bodies and escapes.

use super::{
    CODE, CorpusStats, EN, EN_SHORT, FILE_NAMES, NICKS, PINYIN_GIVEN, PINYIN_SURNAMES, RU,
    RU_SHORT, Rng, ZH, ZH_SHORT, civil_from_days, push_num, push2, push4,
};
use std::io::{self, Write};

const FLUSH_AT: usize = 1 << 20;

const RU_NAMES: &[&str] = &[
    "Сергей",
    "Алексей",
    "Дмитрий",
    "Ольга",
    "Ирина",
    "Павел",
    "Никита",
    "Анна",
    "Олег",
    "Мария",
];
const RU_SURNAMES: &[&str] = &["К", "Иванов", "Смирнов", "Петрова", "Орлов", "Волкова"];

struct Person {
    id: String,
    name: String,
}

/// Writes at least `target_bytes` of a single-chat `result.json`.
pub fn generate(target_bytes: u64, seed: u64, out: &mut dyn Write) -> io::Result<CorpusStats> {
    let mut rng = Rng(seed ^ 0x7e1e_67a3_0000_0001);
    let people: Vec<Person> = (0..300)
        .map(|i| {
            let name = match rng.below(3) {
                0 => {
                    let mut s = String::new();
                    let sur = rng.pick(PINYIN_SURNAMES);
                    let giv = rng.pick(PINYIN_GIVEN);
                    s.push_str(&sur[..1].to_uppercase());
                    s.push_str(&sur[1..]);
                    s.push(' ');
                    s.push_str(&giv[..1].to_uppercase());
                    s.push_str(&giv[1..]);
                    s
                }
                1 => format!("{} {}", rng.pick(RU_NAMES), rng.pick(RU_SURNAMES)),
                _ => format!(
                    "{}{}",
                    rng.pick(NICKS),
                    if i % 7 == 0 { "\u{1F60E}" } else { "" }
                ),
            };
            Person {
                id: format!("user{}", 100_000_000 + rng.below(900_000_000)),
                name,
            }
        })
        .collect();
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 64 * 1024);
    buf.extend_from_slice(
        "{\n \"name\": \"Рабочий чат \\\"Север\\\"\",\n \"type\": \"private_supergroup\",\n \"id\": 1500600700,\n \"messages\": [\n"
            .as_bytes(),
    );
    let mut written = 0u64;
    let mut messages = 0u64;
    let mut t: i64 = 1_614_585_600 + 9 * 3600; // 2021-03-01 09:00 UTC
    let mut id: u32 = 1;
    let mut body = Vec::with_capacity(4096);
    while messages == 0 || written + (buf.len() as u64) < target_bytes {
        if messages > 0 {
            buf.extend_from_slice(b",\n");
        }
        // Time moves forward: bursts, minutes, hours; quiet nights.
        t += match rng.below(100) {
            0..=49 => rng.range(0, 20) as i64,
            50..=89 => rng.range(20, 600) as i64,
            _ => rng.range(600, 6 * 3600) as i64,
        };
        let hour = t.rem_euclid(86_400) / 3600;
        if (22..24).contains(&hour) || hour < 5 {
            t += 7 * 3600;
        }
        let who = &people[rng.skewed(people.len())];
        let r = rng.below(100);
        buf.extend_from_slice(b"  {\n   \"id\": ");
        push_num(&mut buf, id);
        id += 1;
        if r < 4 {
            // A service row.
            buf.extend_from_slice(b",\n   \"type\": \"service\",\n");
            dates(&mut buf, t);
            buf.extend_from_slice(b"   \"actor\": \"");
            json_escape(&mut buf, who.name.as_bytes());
            buf.extend_from_slice(b"\",\n   \"actor_id\": \"");
            buf.extend_from_slice(who.id.as_bytes());
            buf.extend_from_slice(b"\",\n");
            match rng.below(3) {
                0 => {
                    let other = &people[rng.below(people.len() as u64) as usize];
                    buf.extend_from_slice(
                        b"   \"action\": \"invite_members\",\n   \"members\": [\n    \"",
                    );
                    json_escape(&mut buf, other.name.as_bytes());
                    buf.extend_from_slice(b"\"\n   ],\n");
                }
                1 => {
                    buf.extend_from_slice(b"   \"action\": \"pin_message\",\n   \"message_id\": ");
                    push_num(&mut buf, id.saturating_sub(rng.range(2, 50) as u32).max(1));
                    buf.extend_from_slice(b",\n");
                }
                _ => {
                    buf.extend_from_slice(b"   \"action\": \"group_call\",\n   \"duration\": ");
                    push_num(&mut buf, rng.range(5, 3000) as u32);
                    buf.extend_from_slice(b",\n");
                }
            }
            buf.extend_from_slice(b"   \"text\": \"\",\n   \"text_entities\": []\n  }");
        } else {
            buf.extend_from_slice(b",\n   \"type\": \"message\",\n");
            dates(&mut buf, t);
            buf.extend_from_slice(b"   \"from\": \"");
            json_escape(&mut buf, who.name.as_bytes());
            buf.extend_from_slice(b"\",\n   \"from_id\": \"");
            buf.extend_from_slice(who.id.as_bytes());
            buf.extend_from_slice(b"\",\n");
            if rng.chance(8) && id > 3 {
                buf.extend_from_slice(b"   \"reply_to_message_id\": ");
                push_num(&mut buf, id - 2);
                buf.extend_from_slice(b",\n");
            }
            if rng.chance(3) {
                buf.extend_from_slice(b"   \"edited\": \"");
                local(&mut buf, t + 60);
                buf.extend_from_slice(b"\",\n   \"edited_unixtime\": \"");
                push_i64(&mut buf, t + 60);
                buf.extend_from_slice(b"\",\n");
            }
            if r < 10 {
                // Media only: photo, voice or sticker.
                match rng.below(3) {
                    0 => {
                        buf.extend_from_slice(b"   \"photo\": \"photos/photo_");
                        push_num(&mut buf, id);
                        buf.extend_from_slice(b"@01-03-2021_10-00-00.jpg\",\n   \"width\": 1280,\n   \"height\": 720,\n");
                    }
                    1 => {
                        buf.extend_from_slice(b"   \"file\": \"voice_messages/audio_");
                        push_num(&mut buf, id);
                        buf.extend_from_slice(b"@01-03-2021_10-00-00.ogg\",\n   \"media_type\": \"voice_message\",\n   \"mime_type\": \"audio/ogg\",\n   \"duration_seconds\": ");
                        push_num(&mut buf, rng.range(1, 120) as u32);
                        buf.extend_from_slice(b",\n");
                    }
                    _ => {
                        buf.extend_from_slice(
                            "   \"file\": \"stickers/sticker.webp\",\n   \"thumbnail\": \"stickers/sticker.webp_thumb.jpg\",\n   \"media_type\": \"sticker\",\n   \"sticker_emoji\": \"\u{1F44D}\",\n   \"width\": 512,\n   \"height\": 512,\n"
                                .as_bytes(),
                        );
                    }
                }
                buf.extend_from_slice(b"   \"text\": \"\",\n   \"text_entities\": []\n  }");
            } else {
                if r < 13 {
                    buf.extend_from_slice(b"   \"file\": \"files/");
                    buf.extend_from_slice(rng.pick(FILE_NAMES).as_bytes());
                    buf.extend_from_slice(
                        b"\",\n   \"mime_type\": \"application/octet-stream\",\n",
                    );
                }
                body.clear();
                text_body(&mut rng, &mut body);
                if r < 25 {
                    // An entity array: plain, link, plain.
                    let link = b"https://example.org/doc/";
                    buf.extend_from_slice(b"   \"text\": [\n    \"");
                    json_escape(&mut buf, &body);
                    buf.extend_from_slice(
                        b" \",\n    {\n     \"type\": \"link\",\n     \"text\": \"",
                    );
                    buf.extend_from_slice(link);
                    push_num(&mut buf, id);
                    buf.extend_from_slice(b"\"\n    }\n   ],\n   \"text_entities\": [\n    {\n     \"type\": \"plain\",\n     \"text\": \"");
                    json_escape(&mut buf, &body);
                    buf.extend_from_slice(
                        b" \"\n    },\n    {\n     \"type\": \"link\",\n     \"text\": \"",
                    );
                    buf.extend_from_slice(link);
                    push_num(&mut buf, id);
                    buf.extend_from_slice(b"\"\n    }\n   ]\n  }");
                } else {
                    buf.extend_from_slice(b"   \"text\": \"");
                    json_escape(&mut buf, &body);
                    buf.extend_from_slice(b"\",\n   \"text_entities\": [\n    {\n     \"type\": \"plain\",\n     \"text\": \"");
                    json_escape(&mut buf, &body);
                    buf.extend_from_slice(b"\"\n    }\n   ]\n  }");
                }
            }
        }
        messages += 1;
        if buf.len() >= FLUSH_AT {
            out.write_all(&buf)?;
            written += buf.len() as u64;
            buf.clear();
        }
    }
    buf.extend_from_slice(b"\n ]\n}\n");
    out.write_all(&buf)?;
    written += buf.len() as u64;
    Ok(CorpusStats {
        bytes: written,
        messages,
    })
}

/// `date` (Moscow wall time, +03:00) and `date_unixtime` lines.
fn dates(buf: &mut Vec<u8>, t: i64) {
    buf.extend_from_slice(b"   \"date\": \"");
    local(buf, t);
    buf.extend_from_slice(b"\",\n   \"date_unixtime\": \"");
    push_i64(buf, t);
    buf.extend_from_slice(b"\",\n");
}

fn local(buf: &mut Vec<u8>, t: i64) {
    let l = t + 3 * 3600;
    let (y, m, d) = civil_from_days(l.div_euclid(86_400));
    let s = l.rem_euclid(86_400) as u32;
    push4(buf, y);
    buf.push(b'-');
    push2(buf, m);
    buf.push(b'-');
    push2(buf, d);
    buf.push(b'T');
    push2(buf, s / 3600);
    buf.push(b':');
    push2(buf, s / 60 % 60);
    buf.push(b':');
    push2(buf, s % 60);
}

pub(super) fn push_i64(buf: &mut Vec<u8>, v: i64) {
    buf.extend_from_slice(v.to_string().as_bytes());
}

/// A message text (raw, unescaped): one or more phrases, sometimes several lines or code.
pub(super) fn text_body(rng: &mut Rng, out: &mut Vec<u8>) {
    let lines = if rng.chance(10) { rng.range(2, 5) } else { 1 };
    for l in 0..lines {
        if l > 0 {
            out.push(b'\n');
        }
        if rng.chance(3) {
            out.extend_from_slice(rng.pick(CODE).as_bytes());
            continue;
        }
        let (bank, short): (&[&str], &[&str]) = match rng.below(10) {
            0..=3 => (RU, RU_SHORT),
            4..=6 => (ZH, ZH_SHORT),
            _ => (EN, EN_SHORT),
        };
        if rng.chance(25) {
            out.extend_from_slice(rng.pick(short).as_bytes());
            continue;
        }
        for k in 0..rng.range(1, 3) {
            if k > 0 {
                out.push(b' ');
            }
            let p = *rng.pick(bank);
            phrase(rng, out, p);
        }
    }
}

/// A phrase with `~` and `^` replaced by numbers.
fn phrase(rng: &mut Rng, out: &mut Vec<u8>, p: &str) {
    for &c in p.as_bytes() {
        match c {
            b'~' => push_num(out, rng.range(2, 500) as u32),
            b'^' => push_num(out, rng.range(1, 23) as u32),
            _ => out.push(c),
        }
    }
}

/// Escapes text for the inside of a JSON string.
pub(super) fn json_escape(buf: &mut Vec<u8>, text: &[u8]) {
    for &c in text {
        match c {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            0..=0x1f => {
                buf.extend_from_slice(b"\\u00");
                buf.push(super::HEX[(c >> 4) as usize]);
                buf.push(super::HEX[(c & 15) as usize]);
            }
            _ => buf.push(c),
        }
    }
}
