//! Corpus generator for `qq`: one QQ message-manager export with many `消息对象` sections.
//!
//! A title line, then sections (`====` / `消息分组:` / `====` / `消息对象:` / `====`) of a
//! few hundred to a few thousand records each; headers `YYYY-MM-DD H:MM:SS nick(number)` for
//! ~400 senders (role tags `【管理员】`, nicks with parentheses, a few `nick<email>` senders,
//! about one header in twenty with `上午/下午`), bodies mostly Chinese with Russian and English,
//! about one in ten over several lines (pasted headers directly under a body line included),
//! `[图片]`/`[表情]` attachment rows and `系统消息(10000)` rows. Every record is a message the
//! parser returns.

use std::io::{self, Write};

use super::{
    CorpusStats, EN, EN_SHORT, PINYIN_GIVEN, PINYIN_SURNAMES, RU, Rng, ZH, ZH_SHORT,
    civil_from_days, push_num, push2, push4,
};

const FLUSH_AT: usize = 1 << 20;

const SEP: &[u8] = b"================================================================\n";

const NICKS_ZH: &[&str] = &[
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴琳", "老李", "小刘",
    "阿强", "老周", "小王", "大刘",
];

const ROLES: &[&str] = &["【管理员】", "【群主】", "【活跃】"];

const GROUPS: &[&str] = &["我的群聊", "我的好友", "同事", "家人"];

const PASTED: &[&str] = &[
    "2020-07-09 20:59:01 机器人(999999)",
    "消息对象:假的对象",
    "[12:00:01] <bot> job done",
];

/// Appends a phrase with `~` and `^` replaced by numbers.
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

/// A sender: the header text after the time (`【管理员】老李(400500600)`).
fn senders(rng: &mut Rng) -> Vec<Vec<u8>> {
    (0..400)
        .map(|i| {
            let mut s = Vec::new();
            if rng.chance(5) {
                s.extend_from_slice(rng.pick(ROLES).as_bytes());
            }
            match rng.below(10) {
                0..=5 => {
                    s.extend_from_slice(rng.pick(NICKS_ZH).as_bytes());
                    if rng.chance(30) {
                        push_num(&mut s, i);
                    }
                }
                6 | 7 => {
                    let sur = rng.pick(PINYIN_SURNAMES);
                    let given = rng.pick(PINYIN_GIVEN);
                    s.extend_from_slice(sur.as_bytes());
                    s.push(b' ');
                    s.extend_from_slice(given.as_bytes());
                }
                _ => {
                    // Parentheses inside the nick.
                    s.extend_from_slice(rng.pick(NICKS_ZH).as_bytes());
                    s.extend_from_slice("(备注".as_bytes());
                    push_num(&mut s, i);
                    s.push(b')');
                }
            }
            if i % 50 == 7 {
                s.push(b'<');
                s.extend_from_slice(rng.pick(PINYIN_GIVEN).as_bytes());
                push_num(&mut s, i);
                s.extend_from_slice(b"@example.cn>");
            } else {
                s.push(b'(');
                push_num(&mut s, 10_000_000 + rng.below(2_000_000_000) as u32);
                s.push(b')');
            }
            s
        })
        .collect()
}

fn body(buf: &mut Vec<u8>, rng: &mut Rng) {
    let lang = rng.below(100);
    let (long, short): (&[&str], &[&str]) = if lang < 75 {
        (ZH, ZH_SHORT)
    } else if lang < 90 {
        (RU, super::RU_SHORT)
    } else {
        (EN, EN_SHORT)
    };
    if rng.chance(25) {
        let p = *rng.pick(short);
        put_phrase(buf, rng, p);
    } else {
        let n = rng.range(1, 3);
        for i in 0..n {
            if i > 0 {
                buf.extend_from_slice("，".as_bytes());
            }
            let p = *rng.pick(long);
            put_phrase(buf, rng, p);
        }
    }
    if rng.chance(10) {
        for _ in 0..rng.range(1, 4) {
            buf.push(b'\n');
            if rng.chance(20) {
                buf.extend_from_slice(rng.pick(PASTED).as_bytes());
            } else {
                let p = *rng.pick(long);
                put_phrase(buf, rng, p);
            }
        }
    }
}

/// Writes a QQ export of at least `target_bytes` bytes.
pub fn generate(target_bytes: u64, seed: u64, out: &mut dyn Write) -> io::Result<CorpusStats> {
    let mut rng = Rng(seed ^ 0x5151_5151_0000_0001);
    let people = senders(&mut rng);
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 4096);
    let mut stats = CorpusStats::default();
    buf.extend_from_slice("消息记录（此消息记录为文本格式，不支持重新导入）\n\n".as_bytes());
    // About two years over the whole corpus.
    let records = (target_bytes / 90).max(1);
    let mean_step = (63_072_000 / records).clamp(1, 3600);
    let mut t: i64 = 1_577_836_800; // 2020-01-01 00:00:00
    let mut section_left = 0u64;
    let mut section = 0u32;
    loop {
        if section_left == 0 {
            section += 1;
            section_left = rng.range(200, 3000);
            buf.push(b'\n');
            buf.extend_from_slice(SEP);
            buf.extend_from_slice("消息分组:".as_bytes());
            buf.extend_from_slice(rng.pick(GROUPS).as_bytes());
            buf.push(b'\n');
            buf.extend_from_slice(SEP);
            buf.extend_from_slice("消息对象:".as_bytes());
            buf.extend_from_slice(rng.pick(NICKS_ZH).as_bytes());
            buf.extend_from_slice("项目组".as_bytes());
            push_num(&mut buf, section);
            buf.push(b'\n');
            buf.extend_from_slice(SEP);
            buf.push(b'\n');
        }
        section_left -= 1;
        t += rng.below(2 * mean_step + 1) as i64;
        let days = t.div_euclid(86_400);
        let sod = t.rem_euclid(86_400) as u32;
        let (y, mo, d) = civil_from_days(days);
        push4(&mut buf, y);
        buf.push(b'-');
        push2(&mut buf, mo);
        buf.push(b'-');
        push2(&mut buf, d);
        buf.push(b' ');
        let (h, mi, s) = (sod / 3600, sod / 60 % 60, sod % 60);
        if rng.chance(5) {
            buf.extend_from_slice(if h < 12 { "上午" } else { "下午" }.as_bytes());
            let h12 = if h % 12 == 0 { 12 } else { h % 12 };
            push_num(&mut buf, h12);
        } else {
            push_num(&mut buf, h);
        }
        buf.push(b':');
        push2(&mut buf, mi);
        buf.push(b':');
        push2(&mut buf, s);
        buf.push(b' ');
        let roll = rng.below(100);
        if roll == 0 {
            buf.extend_from_slice("系统消息(10000)\n".as_bytes());
            buf.extend_from_slice("老李 撤回了一条消息".as_bytes());
        } else {
            let who = rng.skewed(people.len());
            buf.extend_from_slice(&people[who]);
            buf.push(b'\n');
            if roll < 6 {
                buf.extend_from_slice(if roll < 4 { "[图片]" } else { "[表情]" }.as_bytes());
            } else {
                body(&mut buf, &mut rng);
            }
        }
        buf.extend_from_slice(b"\n\n");
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
