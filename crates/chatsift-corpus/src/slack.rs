//! Corpus generator for `slack`: one (very busy) channel day file of a Slack export, a JSON
//! array indented by four spaces, with joins, topic changes, bot messages, file shares,
//! deleted-message tombstones, huddles, threads and `&amp;`-escaped text.

use super::telegram::{json_escape, push_i64, text_body};
use super::{CorpusStats, FILE_NAMES, LOWER36, Rng, push_num};
use std::io::{self, Write};

const FLUSH_AT: usize = 1 << 20;

/// Writes at least `target_bytes` of one day file.
pub fn generate(target_bytes: u64, seed: u64, out: &mut dyn Write) -> io::Result<CorpusStats> {
    let mut rng = Rng(seed ^ 0x51ac_0000_0000_0003);
    let users: Vec<String> = (0..300)
        .map(|_| {
            let mut id = b"U0".to_vec();
            rng.fill(&mut id, &LOWER36[10..], 9);
            String::from_utf8(id).unwrap_or_default().to_uppercase()
        })
        .collect();
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 64 * 1024);
    buf.extend_from_slice(b"[\n");
    let mut written = 0u64;
    let mut messages = 0u64;
    let mut t_us: i64 = 1_619_827_200_000_000; // 2021-05-01 00:00 UTC
    let mut body = Vec::with_capacity(4096);
    while messages == 0 || written + (buf.len() as u64) < target_bytes {
        if messages > 0 {
            buf.extend_from_slice(b",\n");
        }
        t_us += rng.range(1, 90_000_000) as i64;
        let u = &users[rng.skewed(users.len())];
        let r = rng.below(100);
        buf.extend_from_slice(b"    {\n        \"type\": \"message\",\n");
        let subtype: Option<&[u8]> = match r {
            0 => Some(b"channel_join"),
            1 => Some(b"channel_topic"),
            2 => Some(b"tombstone"),
            3 => Some(b"huddle_thread"),
            4..=6 => Some(b"bot_message"),
            7..=11 => Some(b"file_share"),
            _ => None,
        };
        if let Some(s) = subtype {
            buf.extend_from_slice(b"        \"subtype\": \"");
            buf.extend_from_slice(s);
            buf.extend_from_slice(b"\",\n");
        }
        buf.extend_from_slice(b"        \"text\": \"");
        match r {
            0 => {
                buf.extend_from_slice(b"<@");
                buf.extend_from_slice(u.as_bytes());
                buf.extend_from_slice(b"> has joined the channel");
            }
            1 => buf.extend_from_slice("set the channel topic: план &amp; сроки".as_bytes()),
            2 => buf.extend_from_slice(b"This message was deleted."),
            3 | 7..=9 => {}
            _ => {
                body.clear();
                text_body(&mut rng, &mut body);
                let mut esc = Vec::with_capacity(body.len() + 16);
                for &c in &body {
                    match c {
                        b'&' => esc.extend_from_slice(b"&amp;"),
                        b'<' => esc.extend_from_slice(b"&lt;"),
                        b'>' => esc.extend_from_slice(b"&gt;"),
                        _ => esc.push(c),
                    }
                }
                if rng.chance(10) {
                    esc.extend_from_slice(b" <@");
                    esc.extend_from_slice(users[rng.below(users.len() as u64) as usize].as_bytes());
                    esc.push(b'>');
                }
                json_escape(&mut buf, &esc);
            }
        }
        buf.extend_from_slice(b"\",\n");
        if (4..=6).contains(&r) {
            buf.extend_from_slice(
                b"        \"username\": \"deploybot\",\n        \"bot_id\": \"B01BOT0001\",\n",
            );
        } else {
            buf.extend_from_slice(b"        \"user\": \"");
            buf.extend_from_slice(if r == 2 { b"USLACKBOT" } else { u.as_bytes() });
            buf.extend_from_slice(b"\",\n");
        }
        if (7..=11).contains(&r) {
            let f = rng.pick(FILE_NAMES);
            buf.extend_from_slice(
                b"        \"files\": [\n            {\n                \"id\": \"F0",
            );
            push_num(&mut buf, rng.below(1_000_000_000) as u32);
            buf.extend_from_slice(b"\",\n                \"name\": \"");
            buf.extend_from_slice(f.as_bytes());
            buf.extend_from_slice(b"\",\n                \"title\": \"");
            buf.extend_from_slice(f.as_bytes());
            buf.extend_from_slice(b"\",\n                \"mimetype\": \"application/octet-stream\"\n            }\n        ],\n        \"upload\": true,\n");
        }
        if rng.chance(5) {
            buf.extend_from_slice(b"        \"thread_ts\": \"");
            ts(&mut buf, t_us - 60_000_000);
            buf.extend_from_slice(b"\",\n");
        }
        buf.extend_from_slice(b"        \"ts\": \"");
        ts(&mut buf, t_us);
        buf.extend_from_slice(b"\"\n    }");
        messages += 1;
        if buf.len() >= FLUSH_AT {
            out.write_all(&buf)?;
            written += buf.len() as u64;
            buf.clear();
        }
    }
    buf.extend_from_slice(b"\n]\n");
    out.write_all(&buf)?;
    written += buf.len() as u64;
    Ok(CorpusStats {
        bytes: written,
        messages,
    })
}

/// `1620000000.000200`.
fn ts(buf: &mut Vec<u8>, t_us: i64) {
    push_i64(buf, t_us.div_euclid(1_000_000));
    buf.push(b'.');
    let us = t_us.rem_euclid(1_000_000);
    let s = format!("{us:06}");
    buf.extend_from_slice(s.as_bytes());
}
