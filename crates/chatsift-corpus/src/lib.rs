//! Deterministic benchmark corpora of the formats `chatsift` reads (the five leaks and the
//! app exports), used by `chatsift bench` and the criterion benches; not part of the `chatsift`
//! library. It only writes bytes: it does not depend on `chatsift`, and the tests that parse its
//! output back are the root package's `tests/corpus.rs`.
//!
//! [`generate`] writes one file's worth of realistic, invented chat data in the on-disk layout
//! of a format (see the Formats section of chatsift's README): a few hundred senders with
//! format-appropriate ids, time moving forward (backward for Rocket.Chat, which is newest
//! first) in steps from bursts within one second to jumps of hours over about half a year, with
//! quiet night hours; bodies drawn from Chinese, Russian and English phrase banks, from a few
//! characters to several hundred bytes, about one in ten spanning several lines (pasted logs,
//! pasted code with lone `}` lines, `key: value` blocks), plus the noise each format has
//! (image-only cells, system rows, attachments, OTR notices, escapes).
//!
//! The same `(format, target_bytes, seed)` always gives the same bytes. Generation builds
//! records into one reusable buffer and writes it in large blocks, so it runs far faster than
//! parsing (`chatsift bench --size 1GiB` generates a gibibyte per format).
//!
//! One file per format: the five leak layouts share the generator in `leak.rs`, each with its
//! record writer in `leak/`; each app export has its own module. This file holds what they
//! share: the Rng, the name, phrase and alphabet tables, civil dates and digit writers.
#![deny(missing_docs)]

use std::io::{self, Write};

mod discord;
mod irc;
mod leak;
mod qq;
mod signal;
mod slack;
mod telegram;
mod wechat;
mod whatsapp;

use leak::Layout;

/// A corpus generator for a format that lives in its own module (the app exports).
#[derive(Clone, Copy)]
pub struct AppCorpus {
    /// The format name (as `--format` spells it).
    pub name: &'static str,
    /// A realistic file name for the corpus (the parser may read the chat name from it).
    pub file_name: &'static str,
    /// Writes at least `target_bytes` (completing the last record) for `seed`, deterministic.
    pub generate: fn(target_bytes: u64, seed: u64, out: &mut dyn Write) -> io::Result<CorpusStats>,
}

/// Generators of the app-export formats, one module each; each is also in [`FORMATS`].
pub const APPS: &[AppCorpus] = &[
    AppCorpus {
        name: "whatsapp",
        file_name: "WhatsApp Chat with Lin Wei.txt",
        generate: whatsapp::generate,
    },
    AppCorpus {
        name: "signal",
        file_name: "chat.md",
        generate: signal::generate,
    },
    AppCorpus {
        name: "qq",
        file_name: "全部消息记录.txt",
        generate: qq::generate,
    },
    AppCorpus {
        name: "irc",
        file_name: "#ops.log",
        generate: irc::generate,
    },
    AppCorpus {
        name: "telegram",
        file_name: "result.json",
        generate: telegram::generate,
    },
    AppCorpus {
        name: "discord",
        file_name: "Ops - work - general [975000000000000000].json",
        generate: discord::generate,
    },
    AppCorpus {
        name: "slack",
        file_name: "2021-05-01.json",
        generate: slack::generate,
    },
    AppCorpus {
        name: "wechat",
        file_name: "项目群.txt",
        generate: wechat::generate,
    },
];

fn app(name: &str) -> Option<&'static AppCorpus> {
    APPS.iter()
        .find(|a| a.name.eq_ignore_ascii_case(name.trim()))
}

/// The formats [`generate`] can write, in the order benches report them.
pub const FORMATS: &[&str] = &[
    "isoon",
    "conti-jabber",
    "rocketchat",
    "blackbasta",
    "trickbot",
    "whatsapp",
    "signal",
    "qq",
    "irc",
    "telegram",
    "discord",
    "slack",
    "wechat",
];

/// What [`generate`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CorpusStats {
    /// Bytes written to the output.
    pub bytes: u64,
    /// Records written (every one is a complete message, system row or attachment row that
    /// the format's parser should return).
    pub messages: u64,
}

/// A realistic file name for a corpus of `format` (`1.md`, `10.0.0.1-20210304.json`, …);
/// `corpus.txt` for a name not in [`FORMATS`].
pub fn file_name(format: &str) -> &'static str {
    match Layout::from_name(format) {
        Some(Layout::Isoon) => "1.md",
        Some(Layout::Jabber) => "10.0.0.1-20210304.json",
        Some(Layout::RocketChat) => "GENERAL-2021-03-01.json",
        Some(Layout::BlackBasta) => "blackbasta.json",
        Some(Layout::TrickBot) => "vega.txt",
        None => app(format).map_or("corpus.txt", |a| a.file_name),
    }
}

/// Writes a corpus of `format` with at least `target_bytes` bytes to `out`: records are
/// written until the output reaches the target (the record that crosses it is completed, and
/// at least one record is always written), then the layout is closed (`</table>`,
/// `],"success":true}`, …). The output is valid UTF-8 and depends only on the arguments.
///
/// An unknown `format` is an [`io::ErrorKind::InvalidInput`] error; write errors are passed on.
pub fn generate(
    format: &str,
    target_bytes: u64,
    seed: u64,
    out: &mut dyn Write,
) -> io::Result<CorpusStats> {
    if Layout::from_name(format).is_none()
        && let Some(a) = app(format)
    {
        return (a.generate)(target_bytes, seed, out);
    }
    let layout = Layout::from_name(format).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "unknown corpus format {format:?} (known: {})",
                FORMATS.join(", ")
            ),
        )
    })?;
    leak::generate(layout, target_bytes, seed, out)
}

/// splitmix64: small, fast and fully deterministic.
#[derive(Clone, Debug)]
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`0` when `n == 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// True with probability `pct` percent.
    pub(crate) fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }

    /// Per-mille variant of [`Rng::chance`].
    pub(crate) fn permille(&mut self, pm: u64) -> bool {
        self.below(1000) < pm
    }

    /// Appends `n` characters from `alphabet` (at most 64 characters long), taking several
    /// characters from each 64-bit draw.
    pub(crate) fn fill(&mut self, buf: &mut Vec<u8>, alphabet: &[u8], n: usize) {
        let k = alphabet.len() as u128;
        let mut left = n;
        while left > 0 {
            let mut r = self.next();
            for _ in 0..left.min(8) {
                let x = r as u128 * k;
                buf.push(alphabet[(x >> 64) as usize]);
                r = x as u64;
            }
            left -= left.min(8);
        }
    }

    pub(crate) fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index in `0..n` skewed towards small values (a few senders write most).
    pub(crate) fn skewed(&mut self, n: usize) -> usize {
        let n = n as u64;
        let a = self.below(n);
        let b = self.below(n);
        (a * b / n.max(1)) as usize
    }
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(z: i64) -> (u32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (y as u32, m as u32, d as u32)
}

/// Base64 (ciphertext).
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub(crate) const LOWER36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const BASE32: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
/// Meteor's id alphabet (Rocket.Chat `_id`s).
const METEOR: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
pub(crate) const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub(crate) const HEX: &[u8] = b"0123456789abcdef";

pub(crate) const NICKS: &[&str] = &[
    "bobcat",
    "heron",
    "vega",
    "quill",
    "wolfram",
    "stern",
    "mango",
    "target",
    "professor",
    "buza",
    "bentley",
    "tramp",
    "hof",
    "zulas",
    "derek",
    "silver",
    "ghost",
    "frog",
    "lemur",
    "bingo",
    "cypher",
    "demon",
    "elvis",
    "flint",
    "grom",
    "hunter",
    "iron",
    "jumbo",
    "kevin",
    "lazarus",
    "max",
    "neo",
    "orion",
    "pumba",
    "reshaev",
    "salamander",
    "tiger",
    "ultra",
    "viper",
    "whale",
    "yeti",
    "zorro",
    "angel",
    "baron",
    "cobalt",
    "dozer",
    "echo",
    "falcon",
    "gus",
    "hammer",
    "idol",
    "jester",
    "kraken",
    "lotus",
    "mushroom",
    "nomad",
    "otter",
    "pirate",
    "raptor",
    "sokol",
    "tor",
    "ugar",
    "volk",
    "wizard",
    "yoda",
    "zeus",
    "admin",
    "beny",
    "carter",
    "dandis",
    "ford",
    "green",
    "kagas",
    "logan",
    "mavemat",
    "naned",
    "paranoik",
    "skippy",
];

pub(crate) const PINYIN_SURNAMES: &[&str] = &[
    "zhang", "wang", "li", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma",
    "zhu", "hu", "guo", "he", "lin", "luo", "gao",
];
pub(crate) const PINYIN_GIVEN: &[&str] = &[
    "wei", "fang", "na", "min", "jing", "lei", "qiang", "jun", "yong", "jie", "tao", "ming",
    "chao", "xia", "hua", "peng", "hui", "bin", "yu", "hao",
];
const CUSTOM_IDS: &[&str] = &[
    "darkfox",
    "redcat",
    "bluesea",
    "nightowl",
    "sh_hacker",
    "coolboy",
    "shadow",
    "tiger",
    "ironman",
    "cloud",
    "panda",
    "dragon",
    "lucky",
    "sunny",
];

pub(crate) const ZH: &[&str] = &[
    "这个月工资什么时候发？",
    "今天又要加班到很晚",
    "客户那边催得很紧",
    "目标单位的资料整理好了吗",
    "财务说下周统一发",
    "加班费怎么算的？",
    "我先把报告发给你",
    "这个项目的目标是~个单位",
    "客户要求周五之前交付",
    "老板说这个月奖金减半",
    "服务器又连不上了",
    "明天上午开会，别迟到",
    "那个客户的合同签了没有",
    "数据已经拷贝到内网了",
    "报价太低了，根本不够成本",
    "我们组这个月只完成了~%",
    "新来的实习生工资才~块",
    "工资拖了两个月了",
    "客户说资料不全，要重新整理",
    "A&B公司那边的\"内部\"文件拿到了",
    "邮箱账号密码我发你私信了",
    "下班前把日报写完",
    "这批目标里有~个是政府单位",
    "周末还要加班吗",
    "你问问老吴，他知道",
    "报销单交了没有",
    "他们说<内部资料>不能外传",
    "先别动，等我消息",
    "收到，马上处理",
    "这个漏洞还能用吗",
    "工资条出来了，你看一下",
    "项目款还没到账",
    "客户嫌我们太慢",
    "安全部门查得很严",
    "今天的进度比昨天好一点",
];

pub(crate) const ZH_SHORT: &[&str] = &[
    "好的", "收到", "嗯", "哈哈", "行", "？", "ok", "在吗", "[捂脸]", "好",
];

pub(crate) const RU: &[&str] = &[
    "зп пришла?",
    "нужен новый доступ",
    "отчёт готов, скинул в общий чат",
    "когда будет зп за прошлый месяц?",
    "доступ к сети есть, но админ не доменный",
    "почти, ещё ~ минут",
    "сделай отчёт по сети до вечера",
    "бот отвалился, перезапусти",
    "сколько машин в сети? около ~",
    "завтра созвон в ^:00 по мск",
    "нужно почистить логи на сервере",
    "кинь мне креды от vpn",
    "таргет крупный, выручка ~ млн",
    "по зп вопрос к стерну",
    "скинь отчёт по \"таргету\" в личку",
    "путь C:\\Users\\admin\\Desktop\\backup.zip",
    "бэкапы нашли, удаляем",
    "переговоры идут, клиент торгуется",
    "выдай мне ещё ~$ на серверы",
    "не могу зайти, доступ закрыли",
    "касперский палит билд, нужен криптор",
    "залил на файлообменник, пароль в чате",
    "работаю, не отвлекай",
    "сегодня выходной или как?",
    "я в отпуске до понедельника",
    "кто взял этот доступ?",
    "отчёт принял, спасибо",
    "сеть большая, нужно время",
    "всё упало, переподними сервер",
    "зп будет в пятницу, так сказал босс",
    "пингани когда освободишься",
    "ldap выгрузил, смотрю админов",
    "сколько дней ещё нужно?",
    "дай доступ к панели",
    "выплату согласовали, ждём",
];

pub(crate) const RU_SHORT: &[&str] = &[
    "ок",
    "да",
    "нет",
    "+",
    "понял",
    "привет",
    "ага",
    "щас",
    "норм",
    "))",
];

pub(crate) const EN: &[&str] = &[
    "the client moved the deadline again",
    "did the payment go through?",
    "need access to the new target",
    "report is ready, check the share",
    "we got domain admin on ~ hosts",
    "R&D team wants the \"full\" list",
    "server is down, restarting now",
    "overtime again this weekend",
    "pay is late for the second month",
    "check the <script> tag in the panel",
    "it's on the usual share",
    "backup found, ~ GB",
    "can you send me the creds?",
    "meeting at ^:30 tomorrow",
    "the AV flagged our build, need a new crypt",
    "don't touch that box until I say",
    "client wants a discount",
    "I'll be offline for ^ hours",
    "see https://10.0.^.15:8443/admin/login",
    "hash is 5f4dcc3b5aa765d61d8327deb882cf99",
    "targets list updated, ~ new entries",
    "anyone online?",
    "they changed the VPN password",
    "invoice sent, waiting for them",
    "logs cleaned on DC01 & DC02",
];

pub(crate) const EN_SHORT: &[&str] =
    &["ok", "yes", "no", "k", "+", "thx", "hi", "lol", "?", "wait"];

/// Pasted code; never a `{` line, never ends with a `}` line.
pub(crate) const CODE: &[&str] = &[
    "function run() {\n    var s = new ActiveXObject(\"WScript.Shell\");\n    s.Run(\"cmd /c whoami > C:\\\\temp\\\\o.txt\");\n}\nтак запускаем",
    "if ($x -gt 0) {\n    Remove-Item -Recurse C:\\Backups\\*\n}\nelse {\n    Write-Host \"no backups\"\n}\n# done",
    "for i in $(cat hosts.txt); do\n    ping -c 1 $i && echo \"$i up\"\ndone",
    "int main(void) {\n  if (check() < 0) {\n    return 1;\n  }\n  return run(\"a&b\");\n}\n// билд без крипта",
    "{\"host\": \"10.0.0.5\", \"user\": \"admin\"}\n}\nскопировал криво, но понятно",
    "net group \"Domain Admins\" /domain\nnltest /dclist:corp.local\nwmic /node:10.1.2.3 process list",
];

/// Pasted `key: value` blocks (look like record fields).
pub(crate) const KV: &[&str] = &[
    "host: 10.2.3.4\nlogin: backup_admin\npass: Qwerty123!",
    "ip: 192.168.^.10\nuser: svc_sql\nport: 1433",
    "timestamp: 2021-01-01 00:00:00\nsender: test\nmessage: test",
    "url: https://vpn.target.example/\nlogin: j.doe\npassword: Summer2021",
];

pub(crate) const FILE_NAMES: &[&str] = &[
    "report.docx",
    "scan.png",
    "targets.xlsx",
    "network.txt",
    "shot.jpg",
    "ad_users.csv",
    "build.zip",
];

#[inline]
pub(crate) fn push2(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&[b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8]);
}

#[inline]
pub(crate) fn push3(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&[
        b'0' + (v / 100 % 10) as u8,
        b'0' + (v / 10 % 10) as u8,
        b'0' + (v % 10) as u8,
    ]);
}

#[inline]
pub(crate) fn push4(buf: &mut Vec<u8>, v: u32) {
    push2(buf, v / 100);
    push2(buf, v % 100);
}

#[inline]
pub(crate) fn push6(buf: &mut Vec<u8>, v: u32) {
    push3(buf, v / 1000);
    push3(buf, v % 1000);
}

/// Decimal digits of `v` without leading zeros.
pub(crate) fn push_num(buf: &mut Vec<u8>, mut v: u32) {
    let mut tmp = [0u8; 10];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leak::FLUSH_AT;

    pub(crate) fn corpus_of(format: &str, target: u64, seed: u64) -> (String, CorpusStats) {
        let mut out = Vec::new();
        let stats = generate(format, target, seed, &mut out).unwrap();
        assert_eq!(stats.bytes, out.len() as u64, "{format}: stats.bytes");
        let text = String::from_utf8(out).expect("corpus is UTF-8");
        (text, stats)
    }

    /// `[DD.MM.YY HH:MM:SS] nick:\t\t` at the start of a line.
    pub(crate) fn is_trickbot_header(line: &str) -> bool {
        let b = line.as_bytes();
        if b.len() < 23 || b[0] != b'[' || b[18] != b']' || b[19] != b' ' {
            return false;
        }
        let shape = b"#.#.# #:#:#";
        let mut i = 1;
        for &s in shape {
            if s == b'#' {
                if !(b[i].is_ascii_digit() && b[i + 1].is_ascii_digit()) {
                    return false;
                }
                i += 2;
            } else {
                if b[i] != s {
                    return false;
                }
                i += 1;
            }
        }
        match line[20..].find(":\t\t") {
            Some(n) => n > 0 && !line[20..20 + n].contains(' '),
            None => false,
        }
    }

    #[test]
    fn same_seed_gives_identical_bytes() {
        for f in FORMATS {
            let (a, sa) = corpus_of(f, 50_000, 7);
            let (b, sb) = corpus_of(f, 50_000, 7);
            assert_eq!(sa, sb, "{f}");
            assert!(a == b, "{f}: output differs for the same seed");
        }
    }

    #[test]
    fn different_seeds_give_different_bytes() {
        for f in FORMATS {
            let (a, _) = corpus_of(f, 50_000, 1);
            let (b, _) = corpus_of(f, 50_000, 2);
            assert_ne!(a, b, "{f}");
        }
    }

    #[test]
    fn stats_count_the_bytes_written_and_reach_the_target() {
        for f in FORMATS {
            for target in [0u64, 1, 3_000, 100_000] {
                let (text, stats) = corpus_of(f, target, 3);
                assert!(stats.bytes >= target, "{f} {target}: {}", stats.bytes);
                assert!(stats.messages > 0, "{f} {target}");
                // Stops after the record that crosses the target: never far beyond it.
                assert!(
                    stats.bytes < target + 8_000,
                    "{f} {target}: {}",
                    stats.bytes
                );
                assert_eq!(text.len() as u64, stats.bytes);
            }
        }
    }

    #[test]
    fn output_larger_than_the_write_block_is_complete() {
        // Crosses FLUSH_AT twice, so the block writes are exercised.
        let target = 2 * FLUSH_AT as u64 + 12_345;
        let mut out = Vec::new();
        let stats = generate("trickbot", target, 11, &mut out).unwrap();
        assert_eq!(stats.bytes, out.len() as u64);
        assert!(stats.bytes >= target);
        let text = std::str::from_utf8(&out).unwrap();
        let headers = text.lines().filter(|l| is_trickbot_header(l)).count() as u64;
        assert_eq!(headers, stats.messages);
    }

    #[test]
    fn number_placeholders_are_all_filled() {
        for f in FORMATS {
            let (text, _) = corpus_of(f, 200_000, 4);
            assert!(!text.contains('~') && !text.contains('^'), "{f}");
            // `&#39;` survives number filling.
            assert!(!text.contains("&1") && !text.contains("&2"), "{f}");
        }
    }

    #[test]
    fn unknown_format_is_invalid_input() {
        let mut out = Vec::new();
        let err = generate("whatsapp-ios", 10, 1, &mut out).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(out.is_empty());
        assert_eq!(file_name("nope"), "corpus.txt");
    }

    #[test]
    fn file_names_look_like_the_leaks() {
        assert_eq!(file_name("isoon"), "1.md");
        assert_eq!(file_name("conti-jabber"), "10.0.0.1-20210304.json");
        assert_eq!(file_name("rocketchat"), "GENERAL-2021-03-01.json");
        assert!(file_name("blackbasta").ends_with(".json"));
        assert_eq!(file_name("trickbot"), "vega.txt");
    }
}
