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
#![deny(missing_docs)]

use std::io::{self, Write};

mod discord;
mod irc;
mod qq;
mod signal;
mod slack;
mod telegram;
mod wechat;
mod whatsapp;

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
    let mut g = Gen::new(layout, seed, target_bytes);
    g.run(target_bytes, out)?;
    Ok(CorpusStats {
        bytes: g.flushed,
        messages: g.messages,
    })
}

/// Bytes gathered before a write to the output.
const FLUSH_AT: usize = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    Isoon,
    Jabber,
    RocketChat,
    BlackBasta,
    TrickBot,
}

impl Layout {
    fn from_name(name: &str) -> Option<Layout> {
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

const IMG_EXT: &[&str] = &["png", "jpg", "png", "png", "gif"];
pub(crate) const FILE_NAMES: &[&str] = &[
    "report.docx",
    "scan.png",
    "targets.xlsx",
    "network.txt",
    "shot.jpg",
    "ad_users.csv",
    "build.zip",
];

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

    // ---- isoon ----------------------------------------------------------------------------

    fn isoon_row(&mut self) {
        let c = self.civil();
        let start = self.buf.len();
        self.buf.extend_from_slice(b"<tr><td>");
        self.push_ymd_hms(&c, b' ');
        self.buf.extend_from_slice(b"</td><td>");
        let from = self.conv.a;
        self.buf.extend_from_slice(self.senders[from].as_bytes());
        self.buf.extend_from_slice(b"</td><td>");
        match self.conv.room {
            Some(r) => self.buf.extend_from_slice(self.rooms[r].as_bytes()),
            None => self
                .buf
                .extend_from_slice(self.senders[self.conv.b].as_bytes()),
        }
        self.buf.extend_from_slice(b"</td><td>");
        let r = self.rng.below(1000);
        if r < 40 {
            // Image-only cell.
            self.buf.extend_from_slice(b"<img src=\"");
            push_num(&mut self.buf, self.rng.below(50) as u32);
            self.buf.push(b'-');
            self.rng.fill(&mut self.buf, HEX, 8);
            self.buf.push(b'.');
            let ext = *self.rng.pick(IMG_EXT);
            self.buf.extend_from_slice(ext.as_bytes());
            self.buf.extend_from_slice(b"\">");
        } else {
            // Most multi-line cells use `<br>`, a few hold literal newlines.
            let br: &'static [u8] = if self.rng.chance(90) { b"<br>" } else { b"\n" };
            self.body(br);
            if r < 55 {
                self.buf.extend_from_slice(b"<br><a href=\"");
                let f = *self.rng.pick(FILE_NAMES);
                self.buf.extend_from_slice(f.as_bytes());
                self.buf.extend_from_slice(b".md\">");
                self.buf.extend_from_slice(f.as_bytes());
                self.buf.extend_from_slice(b"</a>");
            }
        }
        self.buf.extend_from_slice(b"</td></tr>\n");
        // Some rows repeat exactly.
        if self.rng.permille(5) {
            self.buf.extend_from_within(start..);
            self.messages += 1;
        }
    }

    // ---- conti-jabber ---------------------------------------------------------------------

    fn jabber_object(&mut self) {
        let c = self.civil();
        if self.messages > 0 {
            self.buf.extend_from_slice(b"},\n");
        }
        self.buf.extend_from_slice(b"{\n  \"ts\": \"");
        self.push_ymd_hms(&c, b'T');
        self.buf.push(b'.');
        push6(&mut self.buf, c.micros);
        self.buf.extend_from_slice(b"\",\n  \"from\": \"");
        let r = self.rng.below(1000);
        let (from, to) = (self.conv.a, self.conv.b);
        if r < 15 {
            // A server notice from the bare domain.
            self.buf.extend_from_slice(self.domain.as_bytes());
            self.buf.extend_from_slice(b"\",\n  \"to\": \"");
            self.buf.extend_from_slice(self.senders[to].as_bytes());
            self.buf.extend_from_slice(b"\",\n  \"body\": \"");
            self.buf.extend_from_slice(
                "Сервер будет перезагружен в 03:00 UTC. Server restart at 03:00 UTC.".as_bytes(),
            );
        } else {
            self.buf.extend_from_slice(self.senders[from].as_bytes());
            self.buf.extend_from_slice(b"\",\n  \"to\": \"");
            match self.conv.room {
                Some(room) => self.buf.extend_from_slice(self.rooms[room].as_bytes()),
                None => self.buf.extend_from_slice(self.senders[to].as_bytes()),
            }
            self.buf.extend_from_slice(b"\",\n  \"body\": \"");
            if r < 35 {
                // OTR ciphertext or the notice that it could not be read.
                if self.rng.chance(50) {
                    self.buf.extend_from_slice(b"?OTR:AAMD");
                    let n = self.rng.range(40, 300) as usize;
                    self.rng.fill(&mut self.buf, B64, n);
                    self.buf.push(b'.');
                } else {
                    self.buf
                        .extend_from_slice(b"[OTR] The encrypted message received from ");
                    self.buf.extend_from_slice(self.senders[from].as_bytes());
                    self.buf.extend_from_slice(
                        b" is unreadable, as you are not currently communicating privately.",
                    );
                }
            } else {
                self.body(b"\\n");
            }
        }
        self.buf.extend_from_slice(b"\"\n");
    }

    // ---- rocketchat -----------------------------------------------------------------------

    fn rocket_message(&mut self) {
        let c = self.civil();
        if self.messages > 0 {
            self.buf.push(b',');
        }
        let who = self.conv.a;
        self.buf.extend_from_slice(b"{\"_id\":\"");
        self.meteor_id();
        self.buf.extend_from_slice(b"\",\"rid\":\"GENERAL\",");
        let r = self.rng.below(1000);
        let system = r < 25;
        if system {
            self.buf.extend_from_slice(if r < 20 {
                b"\"t\":\"uj\",\"msg\":\""
            } else {
                b"\"t\":\"ul\",\"msg\":\""
            });
            self.buf.extend_from_slice(self.senders[who].as_bytes());
            self.buf.push(b'"');
        } else if r < 35 {
            self.buf.extend_from_slice(b"\"t\":\"e2e\",\"msg\":\"");
            let n = self.rng.range(52, 412) as usize;
            self.rng.fill(&mut self.buf, B64, n);
            self.buf.extend_from_slice(b"==\",\"e2e\":\"pending\"");
        } else if r < 75 {
            // An attachment, sometimes with a caption.
            let f = *self.rng.pick(FILE_NAMES);
            self.buf.extend_from_slice(b"\"msg\":\"");
            if self.rng.chance(30) {
                self.body(b"\\n");
            }
            self.buf.extend_from_slice(b"\",\"file\":{\"_id\":\"");
            let fid = self.buf.len();
            self.meteor_id();
            self.buf.extend_from_slice(b"\",\"name\":\"");
            self.buf.extend_from_slice(f.as_bytes());
            self.buf.extend_from_slice(b"\",\"type\":\"");
            let mime: &[u8] = if f.ends_with(".png") {
                b"image/png"
            } else if f.ends_with(".jpg") {
                b"image/jpeg"
            } else {
                b"application/octet-stream"
            };
            self.buf.extend_from_slice(mime);
            self.buf
                .extend_from_slice(b"\"},\"attachments\":[{\"type\":\"file\",\"title\":\"");
            self.buf.extend_from_slice(f.as_bytes());
            self.buf
                .extend_from_slice(b"\",\"title_link\":\"/file-upload/");
            self.buf.extend_from_within(fid..fid + 17);
            self.buf.push(b'/');
            self.buf.extend_from_slice(f.as_bytes());
            self.buf
                .extend_from_slice(b"\",\"title_link_download\":true,\"size\":");
            push_num(&mut self.buf, self.rng.range(2_000, 9_000_000) as u32);
            self.buf.extend_from_slice(b"}]");
        } else {
            self.buf.extend_from_slice(b"\"msg\":\"");
            self.body(b"\\n");
            self.buf.push(b'"');
            if self.rng.chance(4) {
                self.buf.extend_from_slice(b",\"tmid\":\"");
                self.meteor_id();
                self.buf.push(b'"');
            }
        }
        self.buf.extend_from_slice(b",\"ts\":\"");
        self.push_rocket_ts(&c);
        self.buf.extend_from_slice(b"\",\"u\":{\"_id\":\"");
        self.buf.extend_from_slice(self.user_ids[who].as_bytes());
        self.buf.extend_from_slice(b"\",\"username\":\"");
        self.buf.extend_from_slice(self.senders[who].as_bytes());
        self.buf.extend_from_slice(b"\",\"name\":\"");
        push_capitalized(&mut self.buf, self.senders[who].as_bytes());
        self.buf.extend_from_slice(b"\"}");
        if system {
            self.buf.extend_from_slice(b",\"groupable\":false");
        } else {
            if self.rng.chance(3) {
                let mut e = c;
                e.minute = (e.minute + 1 + self.rng.below(5) as u32).min(59);
                self.buf.extend_from_slice(b",\"editedAt\":\"");
                self.push_rocket_ts(&e);
                self.buf.extend_from_slice(b"\",\"editedBy\":{\"_id\":\"");
                self.buf.extend_from_slice(self.user_ids[who].as_bytes());
                self.buf.extend_from_slice(b"\",\"username\":\"");
                self.buf.extend_from_slice(self.senders[who].as_bytes());
                self.buf.extend_from_slice(b"\"}");
            }
            if self.rng.chance(5) {
                let other = self.conv.b;
                self.buf
                    .extend_from_slice(b",\"reactions\":{\":+1:\":{\"usernames\":[\"");
                self.buf.extend_from_slice(self.senders[other].as_bytes());
                self.buf.extend_from_slice(b"\"]}}");
            }
            self.buf
                .extend_from_slice(b",\"mentions\":[],\"channels\":[]");
        }
        self.buf.extend_from_slice(b",\"_updatedAt\":\"");
        self.push_rocket_ts(&c);
        self.buf.extend_from_slice(b"\"}");
    }

    fn meteor_id(&mut self) {
        self.rng.fill(&mut self.buf, METEOR, 17);
    }

    fn push_rocket_ts(&mut self, c: &Civil) {
        self.push_ymd_hms(c, b'T');
        self.buf.push(b'.');
        push3(&mut self.buf, c.micros / 1000);
        self.buf.push(b'Z');
    }

    // ---- blackbasta -----------------------------------------------------------------------

    fn basta_object(&mut self) {
        let c = self.civil();
        if self.messages > 0 {
            self.buf.extend_from_slice(b"}\n");
        }
        self.buf.extend_from_slice(b"{\n    timestamp: ");
        self.push_ymd_hms(&c, b' ');
        self.buf.extend_from_slice(b",\n    chat_id: ");
        // A chat id per conversation: rooms stand for both DMs and groups.
        let room = self.conv.room.unwrap_or(self.conv.b % self.rooms.len());
        self.buf.extend_from_slice(self.rooms[room].as_bytes());
        self.buf.extend_from_slice(b",\n    sender_alias: ");
        self.buf
            .extend_from_slice(self.senders[self.conv.a].as_bytes());
        self.buf.extend_from_slice(b",\n    message: ");
        self.body(b"\n");
        self.buf.push(b'\n');
    }

    // ---- trickbot -------------------------------------------------------------------------

    fn trickbot_line(&mut self) {
        let c = self.civil();
        self.buf.push(b'[');
        push2(&mut self.buf, c.day);
        self.buf.push(b'.');
        push2(&mut self.buf, c.month);
        self.buf.push(b'.');
        push2(&mut self.buf, c.year % 100);
        self.buf.push(b' ');
        self.push_hms(&c);
        self.buf.extend_from_slice(b"] ");
        self.buf
            .extend_from_slice(self.senders[self.conv.a].as_bytes());
        self.buf.extend_from_slice(b":\t\t");
        self.body(b"\n");
        self.buf.push(b'\n');
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

fn push_capitalized(buf: &mut Vec<u8>, s: &[u8]) {
    if let Some((&first, rest)) = s.split_first() {
        buf.push(first.to_ascii_uppercase());
        buf.extend_from_slice(rest);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn corpus_of(format: &str, target: u64, seed: u64) -> (String, CorpusStats) {
        let mut out = Vec::new();
        let stats = generate(format, target, seed, &mut out).unwrap();
        assert_eq!(stats.bytes, out.len() as u64, "{format}: stats.bytes");
        let text = String::from_utf8(out).expect("corpus is UTF-8");
        (text, stats)
    }

    /// `[DD.MM.YY HH:MM:SS] nick:\t\t` at the start of a line.
    fn is_trickbot_header(line: &str) -> bool {
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

    #[test]
    fn isoon_is_one_table_with_a_header_and_one_row_per_message() {
        let (text, stats) = corpus_of("isoon", 300_000, 5);
        assert!(text.starts_with(
            "<table border=\"1\">\n<tr><th>Time</th><th>From</th><th>To</th><th>Message</th></tr>\n"
        ));
        assert!(text.ends_with("</tr>\n</table>\n"));
        assert_eq!(text.matches("<table").count(), 1);
        assert_eq!(text.matches("<th>").count(), 4);
        assert_eq!(text.matches("<tr>").count() as u64, stats.messages + 1);
        assert_eq!(text.matches("<tr><td>").count() as u64, stats.messages);
        assert_eq!(text.matches("</td></tr>").count() as u64, stats.messages);
        // Every row has exactly four cells.
        for row in text.split("<tr><td>").skip(1) {
            let row = &row[..row.find("</tr>").unwrap()];
            assert_eq!(row.matches("</td>").count(), 4, "{row}");
        }
        for marker in [
            "&amp;",
            "&lt;",
            "&quot;",
            "<br>",
            "<img src=\"",
            "wxid_",
            "@chatroom",
        ] {
            assert!(text.contains(marker), "isoon lacks {marker}");
        }
        assert!(text.contains("工资") && text.contains("加班") && text.contains("客户"));
        // Image-only cells.
        assert!(text.contains(".png\"></td></tr>"));
    }

    #[test]
    fn isoon_times_move_forward_over_months_with_quiet_nights() {
        let (text, stats) = corpus_of("isoon", 2_000_000, 9);
        let mut last = String::new();
        let mut hours = [0u64; 24];
        let mut months = HashSet::new();
        let mut senders = HashSet::new();
        let mut same_second = 0;
        for row in text.split("<tr><td>").skip(1) {
            let t = &row[..19];
            assert!(t.as_bytes()[4] == b'-' && t.as_bytes()[10] == b' ', "{t}");
            assert!(t >= last.as_str(), "{t} after {last}");
            if t == last {
                same_second += 1;
            }
            hours[t[11..13].parse::<usize>().unwrap()] += 1;
            months.insert(t[..7].to_string());
            let from = row[19 + 9..].split("</td>").next().unwrap();
            senders.insert(from.to_string());
            last = t.to_string();
        }
        assert!(months.len() >= 4, "{months:?}");
        assert!(same_second > 0);
        assert!(senders.len() >= 150, "{}", senders.len());
        let day: u64 = hours[1..10].iter().sum();
        let night: u64 = hours[16..22].iter().sum();
        assert!(day > night * 5, "day {day} night {night}");
        assert!(stats.messages > 5_000);
        for s in &senders {
            if let Some(id) = s.strip_prefix("wxid_") {
                assert_eq!(id.len(), 14, "{s}");
                assert!(
                    id.bytes()
                        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
                );
            }
        }
    }

    #[test]
    fn jabber_is_pretty_objects_separated_by_brace_comma() {
        let (text, stats) = corpus_of("conti-jabber", 300_000, 5);
        assert!(text.starts_with("{\n  \"ts\": \"20"));
        assert!(text.ends_with("\"\n}\n"));
        let opens = text.lines().filter(|l| *l == "{").count() as u64;
        assert_eq!(opens, stats.messages);
        assert_eq!(text.matches("},\n{\n").count() as u64, stats.messages - 1);
        // Wrapped in brackets the stream is a JSON array of four-field objects.
        let arr: Vec<serde_json::Map<String, serde_json::Value>> =
            serde_json::from_str(&format!("[{text}]")).unwrap();
        assert_eq!(arr.len() as u64, stats.messages);
        let mut last = String::new();
        for o in &arr {
            let keys: Vec<_> = o.keys().map(String::as_str).collect();
            assert_eq!(keys.len(), 4);
            for k in ["ts", "from", "to", "body"] {
                assert!(o[k].is_string(), "{k}");
            }
            let ts = o["ts"].as_str().unwrap();
            assert_eq!(ts.len(), 26, "{ts}");
            assert_eq!(&ts[10..11], "T");
            assert!(ts >= last.as_str());
            last = ts.to_string();
            let from = o["from"].as_str().unwrap();
            assert!(from.ends_with(".onion"), "{from}");
        }
        let bodies: Vec<&str> = arr.iter().map(|o| o["body"].as_str().unwrap()).collect();
        assert!(bodies.iter().any(|b| b.contains('\n')));
        assert!(bodies.iter().any(|b| b.contains('"')));
        assert!(bodies.iter().any(|b| b.starts_with("?OTR:")));
        assert!(
            bodies
                .iter()
                .any(|b| b.contains("зп") || b.contains("доступ"))
        );
        assert!(
            arr.iter()
                .any(|o| o["to"].as_str().unwrap().contains("@conference."))
        );
        assert!(text.contains("\\\"") && text.contains("\\n"));
    }

    #[test]
    fn rocketchat_is_one_api_response_newest_first() {
        let (text, stats) = corpus_of("rocketchat", 400_000, 5);
        assert!(text.starts_with("{\"messages\":[{\"_id\":\""));
        assert!(text.ends_with("}],\"success\":true}"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["success"], serde_json::Value::Bool(true));
        let msgs = v["messages"].as_array().unwrap();
        assert_eq!(msgs.len() as u64, stats.messages);
        let mut prev: Option<String> = None;
        let mut kinds = HashSet::new();
        for m in msgs {
            assert_eq!(m["_id"].as_str().unwrap().len(), 17);
            assert_eq!(m["rid"], "GENERAL");
            assert!(m["msg"].is_string());
            assert!(m["u"]["username"].is_string() && m["u"]["_id"].is_string());
            let ts = m["ts"].as_str().unwrap().to_string();
            assert!(ts.ends_with('Z') && ts.len() == 24, "{ts}");
            if let Some(p) = &prev {
                assert!(ts <= *p, "{ts} after {p}: not newest first");
            }
            prev = Some(ts);
            kinds.insert(m["t"].as_str().unwrap_or("").to_string());
        }
        for k in ["", "uj", "e2e"] {
            assert!(kinds.contains(k), "no t={k:?} rows");
        }
        assert!(msgs.iter().any(|m| m["attachments"].is_array()));
        assert!(msgs.iter().any(|m| m["editedAt"].is_string()));
        assert!(
            msgs.iter()
                .any(|m| m["msg"].as_str().unwrap().contains('"'))
        );
        assert!(
            msgs.iter()
                .any(|m| m["msg"].as_str().unwrap().contains('\n'))
        );
    }

    #[test]
    fn blackbasta_records_end_only_at_a_brace_line_before_an_open_brace() {
        let (text, stats) = corpus_of("blackbasta", 300_000, 5);
        assert!(text.starts_with("{\n    timestamp: 20"));
        assert!(text.ends_with("\n}\n"));
        let records: Vec<&str> = text
            .strip_prefix("{\n")
            .unwrap()
            .strip_suffix("}\n")
            .unwrap()
            .split("}\n{\n")
            .collect();
        assert_eq!(records.len() as u64, stats.messages);
        let lines: Vec<&str> = text.lines().collect();
        let mut lone_brace_in_body = 0;
        for (i, l) in lines.iter().enumerate() {
            if *l == "{" {
                assert!(
                    i == 0 || lines[i - 1] == "}",
                    "a bare `{{` line only opens a record"
                );
            }
            if *l == "}" && i + 1 < lines.len() && lines[i + 1] != "{" {
                lone_brace_in_body += 1;
            }
        }
        assert!(
            lone_brace_in_body > 0,
            "no pasted code with lone `}}` lines"
        );
        for r in &records {
            let mut it = r.lines();
            assert!(it.next().unwrap().starts_with("    timestamp: "));
            let chat = it.next().unwrap();
            assert!(
                chat.starts_with("    chat_id: !") && chat.ends_with(":matrix.example.online,")
            );
            let who = it.next().unwrap();
            assert!(
                who.starts_with("    sender_alias: @") && who.ends_with(":matrix.example.online,")
            );
            assert!(it.next().unwrap().starts_with("    message: "));
        }
        assert!(text.contains("\nhost: 10.2.3.4\n"));
    }

    #[test]
    fn trickbot_headers_match_messages_and_bodies_paste_log_lines() {
        let (text, stats) = corpus_of("trickbot", 300_000, 5);
        assert!(text.ends_with('\n'));
        let headers = text.lines().filter(|l| is_trickbot_header(l)).count() as u64;
        assert_eq!(headers, stats.messages);
        let continuation: Vec<&str> = text.lines().filter(|l| !is_trickbot_header(l)).collect();
        assert!(!continuation.is_empty());
        assert!(continuation.iter().all(|l| !l.is_empty()));
        assert!(
            continuation
                .iter()
                .any(|l| l.len() > 12 && l.starts_with('[') && &l[9..12] == "] <")
        );
        assert!(text.contains("отчёт") || text.contains("доступ"));
    }
}
