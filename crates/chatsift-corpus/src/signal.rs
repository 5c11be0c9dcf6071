//! Benchmark corpus for `signal`: a signal-export `chat.md` of one large group
//! (`[YYYY-MM-DD HH:MM:SS] Sender: body  ` and a blank line per message).
//!
//! Several hundred members plus `Me`, bodies from the phrase banks with the exporter's two
//! trailing spaces, about one in ten spanning several lines (some with blank lines), image and
//! file attachments as markdown links, reactions lines, quoted replies, deleted messages and
//! call lines.

use std::io::{self, Write};

use super::whatsapp::{line, people};
use super::{CorpusStats, FILE_NAMES, Rng, civil_from_days, push2, push4};

/// Bytes gathered before a write to the output.
const FLUSH: usize = 1 << 20;

const CALLS: &[&str] = &[
    "Missed voice call",
    "Missed video call",
    "Incoming voice call (accepted, 2m 14s)",
    "Outgoing video call (unanswered)",
];

const EMOJI: &[&str] = &["👍", "❤️", "😂", "😮", "🙏"];

/// Writes a signal-export `chat.md` corpus of at least `target_bytes` (see the module docs).
pub fn generate(target_bytes: u64, seed: u64, out: &mut dyn Write) -> io::Result<CorpusStats> {
    let mut rng = Rng(seed ^ 0x7369_676e_616c_6d64); // "signalmd"
    let mut names = people(&mut rng);
    names.push("Me".to_string());
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH + (64 << 10));
    let mut stats = CorpusStats::default();
    let mut t: i64 = 1_654_070_400 + 9 * 3600; // 2022-06-01 09:00 local
    let records = (target_bytes / 80).max(1) as i64;
    let mean = (180 * 86_400 / records).clamp(1, 3600);
    let mut day = (i64::MIN, 0u32, 0u32, 0u32);
    loop {
        let d = t.div_euclid(86_400);
        if d != day.0 {
            let (y, m, dd) = civil_from_days(d);
            day = (d, y, m, dd);
        }
        let sod = t.rem_euclid(86_400) as u32;
        buf.push(b'[');
        push4(&mut buf, day.1);
        buf.push(b'-');
        push2(&mut buf, day.2);
        buf.push(b'-');
        push2(&mut buf, day.3);
        buf.push(b' ');
        push2(&mut buf, sod / 3600);
        buf.push(b':');
        push2(&mut buf, sod / 60 % 60);
        buf.push(b':');
        push2(&mut buf, sod % 60);
        buf.extend_from_slice(b"] ");
        let who = if rng.chance(15) {
            "Me"
        } else {
            names[rng.skewed(names.len())].as_str()
        };
        buf.extend_from_slice(who.as_bytes());
        buf.extend_from_slice(b": ");
        match rng.below(100) {
            0..=1 => buf.extend_from_slice(b"(This message was deleted)"),
            2 => {
                buf.extend_from_slice(rng.pick(CALLS).as_bytes());
                buf.extend_from_slice(b"  ");
            }
            3..=7 => {
                // Attachment only, or with a caption.
                if rng.chance(40) {
                    line(&mut buf, &mut rng);
                }
                buf.extend_from_slice(b"  ");
                let f = *rng.pick(FILE_NAMES);
                let image = f.ends_with(".png") || f.ends_with(".jpg");
                if image {
                    buf.push(b'!');
                }
                buf.push(b'[');
                buf.extend_from_slice(f.as_bytes());
                buf.extend_from_slice(b"](./media/");
                push4(&mut buf, day.1);
                buf.push(b'-');
                push2(&mut buf, day.2);
                buf.push(b'-');
                push2(&mut buf, day.3);
                buf.extend_from_slice(b"_00_");
                buf.extend_from_slice(f.as_bytes());
                buf.extend_from_slice(b")  ");
            }
            8..=10 => {
                // A quoted reply.
                buf.extend_from_slice(b"\n\n> ");
                line(&mut buf, &mut rng);
                buf.extend_from_slice(b"\n\n");
                line(&mut buf, &mut rng);
                buf.extend_from_slice(b"  ");
            }
            11..=20 => {
                line(&mut buf, &mut rng);
                for _ in 0..1 + rng.below(3) {
                    buf.extend_from_slice(if rng.chance(20) { b"\n\n" } else { b"\n" });
                    line(&mut buf, &mut rng);
                }
                buf.extend_from_slice(b"  ");
            }
            _ => {
                line(&mut buf, &mut rng);
                buf.extend_from_slice(b"  ");
                if rng.chance(5) {
                    buf.extend_from_slice(b"\n(- ");
                    buf.extend_from_slice(names[rng.below(names.len() as u64) as usize].as_bytes());
                    buf.extend_from_slice(b": ");
                    buf.extend_from_slice(rng.pick(EMOJI).as_bytes());
                    buf.extend_from_slice(b" -)");
                }
            }
        }
        buf.extend_from_slice(b"\n\n");
        stats.messages += 1;
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
