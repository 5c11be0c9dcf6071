//! Corpus generator for `wechat`: one MemoTrace TXT export of a busy group chat.
//!
//! Records `YYYY-MM-DD HH:MM:SS name` + content + a blank line, as MemoTrace writes them, for
//! ~400 members (Chinese nicks, pinyin and Russian/English names with spaces, nicks with
//! parentheses); bodies mostly Chinese with Russian and English, about one in ten over
//! several lines (a pasted header directly under a body line, now and then a blank line
//! inside the body), placeholders (`[图片]` `[语音]` `[视频]` `[文件]` `[动画表情]`
//! `[表情包]`), link cards (`[链接]:title:…` on indented lines, as the exporter writes them)
//! and system rows (a stamp and the system text, no name line). Every record is a message the
//! parser returns.

use std::io::{self, Write};

use super::{
    CorpusStats, EN, EN_SHORT, PINYIN_GIVEN, PINYIN_SURNAMES, RU, RU_SHORT, Rng, ZH, ZH_SHORT,
    civil_from_days, push_num, push2, push4,
};

const FLUSH_AT: usize = 1 << 20;

const NICKS_ZH: &[&str] = &[
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "杨磊",
    "赵敏",
    "黄强",
    "周杰",
    "吴琳",
    "老李",
    "小刘",
    "阿强",
    "老周",
    "小王",
    "大刘",
    "王小明",
    "李华",
];

const NAMES_RU: &[&str] = &["Иван", "Ольга", "Дмитрий", "Сергей", "Анна"];

const NAMES_EN: &[&str] = &["Sam Porter", "Lin Wei", "Kate", "Tom H.", "Alex"];

const PLACEHOLDERS: &[&str] = &[
    "[图片]",
    "[语音]",
    "[视频]",
    "[文件]",
    "[动画表情]",
    "[表情包]",
];

const PASTED: &[&str] = &[
    "2021-03-04 09:12:44 机器人",
    "[12:00:01] <bot> job done",
    "2021-03-04 09:12:45 \"李华\" 撤回了一条消息",
];

const SYSTEM: &[&str] = &[
    "\"老李\" 撤回了一条消息",
    "张伟邀请Иван加入了群聊",
    "你已添加了王小明，现在可以开始聊天了。",
    "群主已启用\"群聊邀请确认\"",
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

/// The members' display names.
fn members(rng: &mut Rng) -> Vec<Vec<u8>> {
    (0..400u32)
        .map(|i| {
            let mut s = Vec::new();
            match rng.below(10) {
                0..=5 => {
                    s.extend_from_slice(rng.pick(NICKS_ZH).as_bytes());
                    if rng.chance(40) {
                        push_num(&mut s, i);
                    }
                }
                6 => {
                    s.extend_from_slice(rng.pick(PINYIN_SURNAMES).as_bytes());
                    s.push(b' ');
                    s.extend_from_slice(rng.pick(PINYIN_GIVEN).as_bytes());
                }
                7 => {
                    s.extend_from_slice(rng.pick(NAMES_RU).as_bytes());
                    s.push(b' ');
                    push_num(&mut s, i);
                }
                8 => {
                    s.extend_from_slice(rng.pick(NAMES_EN).as_bytes());
                    push_num(&mut s, i);
                }
                _ => {
                    // A remark in parentheses (not digits: that would be QQ's sender tail).
                    s.extend_from_slice(rng.pick(NICKS_ZH).as_bytes());
                    s.extend_from_slice("(财务".as_bytes());
                    s.extend_from_slice(rng.pick(PINYIN_GIVEN).as_bytes());
                    s.push(b')');
                }
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
        (RU, RU_SHORT)
    } else {
        (EN, EN_SHORT)
    };
    if rng.chance(25) {
        let p = *rng.pick(short);
        put_phrase(buf, rng, p);
    } else {
        for i in 0..rng.range(1, 3) {
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
            if rng.chance(10) {
                // A paragraph break: the line after it is no header.
                buf.push(b'\n');
                let p = *rng.pick(long);
                put_phrase(buf, rng, p);
            } else if rng.chance(20) {
                buf.extend_from_slice(rng.pick(PASTED).as_bytes());
            } else {
                let p = *rng.pick(long);
                put_phrase(buf, rng, p);
            }
        }
    }
}

/// Writes a MemoTrace TXT export of at least `target_bytes` bytes.
pub fn generate(target_bytes: u64, seed: u64, out: &mut dyn Write) -> io::Result<CorpusStats> {
    let mut rng = Rng(seed ^ 0x7765_6368_6174_0001);
    let people = members(&mut rng);
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 4096);
    let mut stats = CorpusStats::default();
    // About two years over the whole corpus.
    let records = (target_bytes / 80).max(1);
    let mean_step = (63_072_000 / records).clamp(1, 3600);
    let mut t: i64 = 1_609_459_200; // 2021-01-01 00:00:00
    loop {
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
        push2(&mut buf, sod / 3600);
        buf.push(b':');
        push2(&mut buf, sod / 60 % 60);
        buf.push(b':');
        push2(&mut buf, sod % 60);
        buf.push(b' ');
        let roll = rng.below(100);
        if roll == 0 {
            buf.extend_from_slice(rng.pick(SYSTEM).as_bytes());
        } else {
            let who = rng.skewed(people.len());
            buf.extend_from_slice(&people[who]);
            buf.push(b'\n');
            if roll < 7 {
                buf.extend_from_slice(rng.pick(PLACEHOLDERS).as_bytes());
            } else if roll == 7 {
                let pad = "            ";
                buf.extend_from_slice(pad.as_bytes());
                buf.extend_from_slice("[链接]:title:".as_bytes());
                let p = *rng.pick(ZH_SHORT);
                put_phrase(&mut buf, &mut rng, p);
                for (k, v) in [
                    ("description:", "第一季度"),
                    ("url:", "https://mp.weixin.qq.com/s/AbCdEf"),
                    ("name:", "腾讯文档"),
                ] {
                    buf.push(b'\n');
                    buf.extend_from_slice(pad.as_bytes());
                    buf.extend_from_slice(k.as_bytes());
                    buf.extend_from_slice(v.as_bytes());
                }
                buf.push(b'\n');
                buf.extend_from_slice(pad.as_bytes());
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
