//! Corpus generator for `discord`: one DiscordChatExporter JSON channel export (two-space
//! indentation), with authors with and without nicknames, replies, attachment-only
//! messages, pins, joins, calls and thread notices, timestamps at a `-04:00` offset.

use super::telegram::{json_escape, push_i64, text_body};
use super::{CorpusStats, FILE_NAMES, NICKS, Rng, civil_from_days, push_num, push2, push4};
use std::io::{self, Write};

const FLUSH_AT: usize = 1 << 20;

struct Author {
    id: String,
    name: String,
    nickname: Option<String>,
}

/// Writes at least `target_bytes` of one channel's export.
pub fn generate(target_bytes: u64, seed: u64, out: &mut dyn Write) -> io::Result<CorpusStats> {
    let mut rng = Rng(seed ^ 0xd15c_0dde_0000_0002);
    let authors: Vec<Author> = (0..300)
        .map(|i| {
            let name = format!("{}{}", rng.pick(NICKS), i);
            Author {
                id: (81_000_000_000_000_000u64 + rng.below(1_000_000_000_000)).to_string(),
                nickname: rng
                    .chance(40)
                    .then(|| format!("{} [{}]", name, rng.pick(NICKS))),
                name,
            }
        })
        .collect();
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 64 * 1024);
    buf.extend_from_slice(
        b"{\n  \"guild\": {\n    \"id\": \"974000000000000000\",\n    \"name\": \"Ops\",\n    \"iconUrl\": \"https://cdn.discordapp.com/embed/avatars/0.png\"\n  },\n  \"channel\": {\n    \"id\": \"975000000000000000\",\n    \"type\": \"GuildTextChat\",\n    \"categoryId\": \"974500000000000000\",\n    \"category\": \"work\",\n    \"name\": \"general\",\n    \"topic\": null\n  },\n  \"dateRange\": {\n    \"after\": null,\n    \"before\": null\n  },\n  \"exportedAt\": \"2022-06-01T10:00:00.000+00:00\",\n  \"messages\": [\n",
    );
    let mut written = 0u64;
    let mut messages = 0u64;
    let mut t_ms: i64 = 1_640_995_200_000 + 14 * 3_600_000; // 2022-01-01 14:00 UTC
    let mut id: u64 = 975_000_000_000_000_001;
    let mut body = Vec::with_capacity(4096);
    while messages == 0 || written + (buf.len() as u64) < target_bytes {
        if messages > 0 {
            buf.extend_from_slice(b",\n");
        }
        t_ms += match rng.below(100) {
            0..=49 => rng.range(200, 20_000) as i64,
            50..=89 => rng.range(20_000, 600_000) as i64,
            _ => rng.range(600_000, 6 * 3_600_000) as i64,
        };
        let a = &authors[rng.skewed(authors.len())];
        let r = rng.below(100);
        let ty: &[u8] = match r {
            0 => b"GuildMemberJoin",
            1 => b"ChannelPinnedMessage",
            2 => b"Call",
            3 => b"ThreadCreated",
            4..=11 => b"Reply",
            _ => b"Default",
        };
        buf.extend_from_slice(b"    {\n      \"id\": \"");
        push_u64(&mut buf, id);
        buf.extend_from_slice(b"\",\n      \"type\": \"");
        buf.extend_from_slice(ty);
        buf.extend_from_slice(b"\",\n      \"timestamp\": \"");
        stamp(&mut buf, t_ms);
        buf.extend_from_slice(b"\",\n      \"timestampEdited\": ");
        if rng.chance(3) {
            buf.push(b'"');
            stamp(&mut buf, t_ms + 30_000);
            buf.push(b'"');
        } else {
            buf.extend_from_slice(b"null");
        }
        buf.extend_from_slice(b",\n      \"callEndedTimestamp\": null,\n      \"isPinned\": false,\n      \"content\": \"");
        let attachment_only = (12..20).contains(&r);
        match r {
            0 => {}
            1 => buf.extend_from_slice(b"Pinned a message."),
            2 => {
                buf.extend_from_slice(b"Started a call that lasted ");
                push_num(&mut buf, rng.range(1, 90) as u32);
                buf.extend_from_slice(b" minutes.");
            }
            _ if attachment_only => {}
            _ => {
                body.clear();
                text_body(&mut rng, &mut body);
                json_escape(&mut buf, &body);
            }
        }
        buf.extend_from_slice(b"\",\n      \"author\": {\n        \"id\": \"");
        buf.extend_from_slice(a.id.as_bytes());
        buf.extend_from_slice(b"\",\n        \"name\": \"");
        json_escape(&mut buf, a.name.as_bytes());
        buf.extend_from_slice(b"\",\n        \"discriminator\": \"0000\",\n        \"nickname\": ");
        match &a.nickname {
            Some(n) => {
                buf.push(b'"');
                json_escape(&mut buf, n.as_bytes());
                buf.push(b'"');
            }
            None => buf.extend_from_slice(b"null"),
        }
        buf.extend_from_slice(b",\n        \"color\": null,\n        \"isBot\": false,\n        \"roles\": [],\n        \"avatarUrl\": \"https://cdn.discordapp.com/embed/avatars/1.png\"\n      },\n      \"attachments\": [");
        if attachment_only || rng.chance(3) {
            let f = rng.pick(FILE_NAMES);
            buf.extend_from_slice(b"\n        {\n          \"id\": \"");
            push_u64(&mut buf, id + 1);
            buf.extend_from_slice(b"\",\n          \"url\": \"https://cdn.discordapp.com/attachments/975000000000000000/");
            push_u64(&mut buf, id + 1);
            buf.push(b'/');
            buf.extend_from_slice(f.as_bytes());
            buf.extend_from_slice(b"\",\n          \"fileName\": \"");
            buf.extend_from_slice(f.as_bytes());
            buf.extend_from_slice(b"\",\n          \"fileSizeBytes\": ");
            push_num(&mut buf, rng.range(1000, 900_000) as u32);
            buf.extend_from_slice(b"\n        }\n      ");
        }
        buf.extend_from_slice(b"],\n      \"embeds\": [],\n      \"stickers\": [],\n      \"reactions\": [],\n      \"mentions\": []");
        if ty == b"Reply" && messages > 0 {
            buf.extend_from_slice(b",\n      \"reference\": {\n        \"messageId\": \"");
            push_u64(&mut buf, id - rng.range(1, 5.min(messages)) * 3);
            buf.extend_from_slice(b"\",\n        \"channelId\": \"975000000000000000\",\n        \"guildId\": \"974000000000000000\"\n      }");
        }
        buf.extend_from_slice(b"\n    }");
        id += 3;
        messages += 1;
        if buf.len() >= FLUSH_AT {
            out.write_all(&buf)?;
            written += buf.len() as u64;
            buf.clear();
        }
    }
    buf.extend_from_slice(b"\n  ],\n  \"messageCount\": ");
    push_i64(&mut buf, messages as i64);
    buf.extend_from_slice(b"\n}\n");
    out.write_all(&buf)?;
    written += buf.len() as u64;
    Ok(CorpusStats {
        bytes: written,
        messages,
    })
}

fn push_u64(buf: &mut Vec<u8>, v: u64) {
    buf.extend_from_slice(v.to_string().as_bytes());
}

/// `2022-01-01T10:00:00.123-04:00`.
fn stamp(buf: &mut Vec<u8>, t_ms: i64) {
    let l = t_ms.div_euclid(1000) - 4 * 3600;
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
    buf.push(b'.');
    let ms = t_ms.rem_euclid(1000) as u32;
    push_num(buf, ms / 100);
    push2(buf, ms % 100);
    buf.extend_from_slice(b"-04:00");
}
