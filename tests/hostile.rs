//! Hostile input and failure (issue 5): malformed and oversized inputs, archive tricks,
//! broken file systems, a failing output side, interrupted runs, spreadsheet formulas and
//! `--strict`. Every case runs the real binary and asserts its outcome: the exit code, the
//! message on stderr naming the file (and line, and what), the good input around the bad
//! still read, and for the big cases the peak memory (`CHATSIFT_REPORT_PEAK_RSS=1` makes the
//! binary print `chatsift-peak-rss-kb: N` on stderr at exit).
//!
//! Small cases are committed under `testdata/hostile/`; big ones (a 200 MB line, a 100 MB
//! JSON string, 100,000 nesting levels, 100,000 files, a zip bomb) are generated in a
//! temporary directory by the test. The README section "What chatsift does with bad input"
//! lists every case with its outcome.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn chatsift() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chatsift"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(args: &[&str]) -> Output {
    chatsift().args(args).output().expect("run chatsift")
}

/// Runs with the peak-memory report on; returns the output and the peak RSS in MiB.
fn run_rss(args: &[&str]) -> (Output, u64) {
    let o = chatsift()
        .args(args)
        .env("CHATSIFT_REPORT_PEAK_RSS", "1")
        .output()
        .expect("run chatsift");
    let kb = stderr(&o)
        .lines()
        .find_map(|l| l.strip_prefix("chatsift-peak-rss-kb: "))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no peak RSS line: {}", stderr(&o)));
    (o, kb / 1024)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A Trickbot/Conti-style record (`[dd.mm.yy hh:mm:ss] sender:\t\tbody`), second `sec`.
fn rec(sec: u32, body: &str) -> String {
    format!("[04.11.21 10:02:{sec:02}] vega:\t\t{body}\n")
}

/// A line of chatsift's own JSONL (which takes any strings), keys in the order it writes.
fn jsonl(time: &str, sender: &str, recipient: &str, channel: &str, body: &str) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap();
    format!(
        "{{\"time\":{t},\"local_time\":{t},\"sender\":{s},\"person\":{s},\"recipient\":{r},\"channel\":{c},\"body\":{b},\"kind\":\"message\",\"attachments\":[],\"id\":null,\"topics\":[],\"format\":\"isoon\",\"source\":\"chats/1.md\",\"line\":3,\"offset\":0}}\n",
        t = q(time),
        s = q(sender),
        r = q(recipient),
        c = q(channel),
        b = q(body)
    )
}

/// `inspect --json` of `paths`: the per-file entries by path.
fn inspect(paths: &[&str]) -> (Output, serde_json::Value) {
    let mut args = vec!["inspect", "--json", "-q"];
    args.extend_from_slice(paths);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = serde_json::from_slice(&o.stdout).expect("inspect --json");
    (o, v)
}

fn file<'v>(v: &'v serde_json::Value, path: &str) -> &'v serde_json::Value {
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in {v}"))
}

/// The bodies of a JSONL message stream, in order.
fn bodies(jsonl: &str) -> Vec<String> {
    jsonl
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["body"].as_str().unwrap().to_string()
        })
        .collect()
}

/// Files in `dir` (names), sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn is_root() -> bool {
    // The effective uid, without a libc dependency: /proc/self/status `Uid: real effective …`.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|v| v.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

// ---------------------------------------------------------------------------------------
// Empty, NUL, invalid UTF-8, UTF-16 without BOM (committed cases in testdata/hostile/)
// ---------------------------------------------------------------------------------------

#[test]
fn empty_inputs_are_skipped_with_a_reason_and_the_rest_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("blank.txt"), "\n\n   \n").unwrap();
    std::fs::write(tmp.path().join("good.txt"), rec(1, "still here")).unwrap();
    let dir = s(tmp.path());
    let (_, v) = inspect(&["testdata/hostile/empty.txt", dir]);
    assert_eq!(
        file(&v, "testdata/hostile/empty.txt")["skipped"],
        "empty file"
    );
    let blank = format!("{dir}/blank.txt");
    assert_eq!(file(&v, &blank)["skipped"], "no chat format recognised");
    assert_eq!(file(&v, &format!("{dir}/good.txt"))["messages"], 1);

    let o = run(&["messages", "testdata/hostile/empty.txt", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(bodies(&stdout(&o)), ["still here"]);
    assert!(
        stderr(&o).contains("1 file read, 2 skipped, 1 messages, 0 problems"),
        "{}",
        stderr(&o)
    );
    // Empty stdin: nothing to read, not an error.
    let o = chatsift()
        .args(["messages", "-", "--format", "trickbot"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).contains("0 files read, 1 skipped"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_nul_byte_inside_a_record_is_replaced_and_reported_and_the_file_still_read() {
    let path = "testdata/hostile/nul_in_record.txt";
    let o = run(&["messages", path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(bodies(&stdout(&o)), ["до NUL", "a\u{FFFD}b 上", "после"]);
    assert!(
        stderr(&o).contains(&format!(
            "{path}:2: invalid UTF-8 or NUL bytes replaced by U+FFFD"
        )),
        "{}",
        stderr(&o)
    );
    // A file that is mostly NULs (a zeroed, preallocated log) is binary: skipped, named.
    let tmp = tempfile::tempdir().unwrap();
    let zeroed = tmp.path().join("zeroed.txt");
    let mut bytes = vec![0u8; 8192];
    bytes.extend_from_slice(rec(1, "tail").as_bytes());
    std::fs::write(&zeroed, bytes).unwrap();
    let (_, v) = inspect(&[s(&zeroed)]);
    assert_eq!(
        file(&v, s(&zeroed))["skipped"],
        "binary file (mostly NUL or control bytes), not a chat"
    );
}

#[test]
fn one_nul_and_one_bad_sequence_among_good_rows_lose_no_message() {
    // The real damage: a recovered TrickBot log, one NUL run and one invalid byte among good
    // rows. It was skipped whole as binary; now each damaged line is named and all 8 are read.
    let path = "testdata/trickbot/damaged/bentley.txt";
    let o = run(&["messages", path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(bodies(&stdout(&o)).len(), 8);
    for line in [4, 8] {
        assert!(
            stderr(&o).contains(&format!(
                "{path}:{line}: invalid UTF-8 or NUL bytes replaced by U+FFFD"
            )),
            "{}",
            stderr(&o)
        );
    }
    assert!(
        stderr(&o).contains("8 messages, 2 problems"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn invalid_utf8_inside_a_json_record_is_replaced_and_the_record_kept() {
    let path = "testdata/hostile/invalid_utf8_in_record.jsonl";
    let o = run(&["messages", path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        bodies(&stdout(&o)),
        [
            "первое 第一",
            "битый \u{FFFD}\u{FFFD} байт 坏",
            "третье 第三"
        ]
    );
    assert!(
        stderr(&o).contains(&format!(
            "{path}:2: invalid UTF-8 or NUL bytes replaced by U+FFFD"
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn utf16le_without_bom_is_guessed_and_cjk_bytes_are_not_cut_as_newlines() {
    // `上` is U+4E0A: its low byte is 0x0A. Splitting lines before transcoding would cut it.
    let path = "testdata/hostile/utf16le_nobom.txt";
    let (_, v) = inspect(&[path]);
    let f = file(&v, path);
    assert_eq!(f["encoding"], "UTF-16LE (guessed)");
    assert_eq!(
        (f["messages"].as_u64(), f["problems"].as_u64()),
        (Some(3), Some(0))
    );
    let o = run(&["messages", path, "-q"]);
    assert_eq!(
        bodies(&stdout(&o)),
        ["上线了吗", "上传完成, загрузка готова", "ok 上"]
    );
}

#[test]
fn a_stray_latin1_byte_is_replaced_and_reported_not_read_as_gb18030() {
    // `é` as one Latin-1 byte (0xE9) followed by ASCII would pair up as a GB18030 character.
    let path = "testdata/hostile/latin1_stray_byte.txt";
    let (_, v) = inspect(&[path]);
    assert_eq!(file(&v, path)["encoding"], "UTF-8");
    let o = run(&["messages", path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        bodies(&stdout(&o)),
        ["lunch at the caf\u{FFFD} downstairs", "ok"]
    );
    assert!(
        stderr(&o).contains(&format!(
            "{path}:1: invalid UTF-8 or NUL bytes replaced by U+FFFD"
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn cyrillic_in_windows_1251_without_bom_is_guessed_and_read() {
    let path = "testdata/hostile/cp1251_no_bom.txt";
    let (_, v) = inspect(&[path]);
    assert_eq!(file(&v, path)["encoding"], "windows-1251 (guessed)");
    let o = run(&["messages", path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        bodies(&stdout(&o)),
        [
            "когда будет отчёт по зарплате?",
            "завтра, жду данные от бухгалтерии",
            "хорошо"
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Big inputs: bounded memory
// ---------------------------------------------------------------------------------------

#[test]
fn a_single_200_mb_line_is_one_message_in_bounded_memory() {
    const LINE: usize = 200 << 20;
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("long.txt");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        f.write_all(rec(1, "before").as_bytes()).unwrap();
        f.write_all(b"[04.11.21 10:02:02] vega:\t\t").unwrap();
        let block = "ж".repeat(1 << 19); // 1 MiB of two-byte characters
        for _ in 0..LINE >> 20 {
            f.write_all(block.as_bytes()).unwrap();
        }
        f.write_all(b"\n").unwrap();
        f.write_all(rec(3, "after").as_bytes()).unwrap();
    }
    let out = tmp.path().join("out.jsonl");
    let (o, peak) = run_rss(&["messages", s(&p), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("1 file read, 0 skipped, 3 messages, 0 problems"),
        "{}",
        stderr(&o)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let b = bodies(&text);
    assert_eq!(b.len(), 3);
    assert_eq!((b[0].as_str(), b[2].as_str()), ("before", "after"));
    assert_eq!(b[1].len(), LINE, "the long body is whole");
    // The line must be held once as input and once as output: bounded by 3× its size.
    assert!(peak < 3 * 200, "peak RSS {peak} MiB for a 200 MiB line");
}

/// A Telegram Desktop export (`result.json`, the exporter's own layout) of three messages
/// whose second carries `second` (the text of a JSON member) instead of a plain text.
fn telegram(second: &str) -> String {
    let msg = |i: u32, member: &str| {
        format!(
            "  {{\n   \"id\": {i},\n   \"type\": \"message\",\n   \"date\": \"2021-05-01T15:00:0{i}\",\n   \"date_unixtime\": \"{}\",\n   \"from\": \"Lin Wei\",\n   \"from_id\": \"user100200\",\n   {member}\n  }}",
            1_619_870_400 + i
        )
    };
    format!(
        "{{\n \"name\": \"Лин Вэй\",\n \"type\": \"personal_chat\",\n \"id\": 4419021,\n \"messages\": [\n{},\n{},\n{}\n ]\n}}\n",
        msg(1, "\"text\": \"первое\""),
        msg(2, second),
        msg(3, "\"text\": \"третье\"")
    )
}

#[test]
fn json_nested_100000_levels_deep_is_a_problem_not_a_stack_overflow() {
    const DEPTH: usize = 100_000;
    let nest = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let tmp = tempfile::tempdir().unwrap();
    // In the text of a Telegram message: that message is reported (line 15 opens it),
    // the other two are read.
    let tg = tmp.path().join("tg");
    std::fs::create_dir(&tg).unwrap();
    std::fs::write(
        tg.join("result.json"),
        telegram(&format!("\"text\": {nest}")),
    )
    .unwrap();
    // In a member chatsift does not read: skipped over without recursion.
    let tg2 = tmp.path().join("tg2");
    std::fs::create_dir(&tg2).unwrap();
    std::fs::write(
        tg2.join("result.json"),
        telegram(&format!("\"text\": \"второе\",\n   \"extra\": {nest}")),
    )
    .unwrap();
    // In a known member of chatsift's own JSONL.
    let jl = tmp.path().join("nested.jsonl");
    let bad = jsonl("2021-07-01T08:01:00Z", "bob", "ann", "ops", "two")
        .replace("\"attachments\":[]", &format!("\"attachments\":{nest}"));
    std::fs::write(
        &jl,
        jsonl("2021-07-01T08:00:00Z", "bob", "ann", "ops", "one")
            + &bad
            + &jsonl("2021-07-01T08:02:00Z", "bob", "ann", "ops", "three"),
    )
    .unwrap();
    for (input, want, problem) in [
        (
            tg.clone(),
            &["первое", "третье"][..],
            format!("{}/result.json:15: bad message JSON", s(&tg)),
        ),
        (
            tg2.clone(),
            &["первое", "второе", "третье"][..],
            String::new(),
        ),
        (
            jl.clone(),
            &["one", "three"][..],
            format!("{}:2: bad JSON record", s(&jl)),
        ),
    ] {
        let (o, peak) = run_rss(&["messages", s(&input)]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(bodies(&stdout(&o)), want, "{}", stderr(&o));
        if problem.is_empty() {
            assert!(stderr(&o).contains(" 0 problems"), "{}", stderr(&o));
        } else {
            assert!(stderr(&o).contains(&problem), "{problem}: {}", stderr(&o));
        }
        assert!(peak < 100, "peak RSS {peak} MiB for 200 KB of nesting");
    }
}

#[test]
fn a_100_mb_json_string_is_read_whole_in_bounded_memory() {
    const LEN: usize = 100 << 20;
    let tmp = tempfile::tempdir().unwrap();
    let tg = tmp.path().join("tg");
    std::fs::create_dir(&tg).unwrap();
    let big = "я".repeat(LEN / 2);
    std::fs::write(
        tg.join("result.json"),
        telegram(&format!("\"text\": \"{big}\"")),
    )
    .unwrap();
    drop(big);
    let out = tmp.path().join("out.jsonl");
    let (o, peak) = run_rss(&["messages", s(&tg), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("3 messages, 0 problems"),
        "{}",
        stderr(&o)
    );
    let b = bodies(&std::fs::read_to_string(&out).unwrap());
    assert_eq!((b[0].as_str(), b[2].as_str()), ("первое", "третье"));
    assert_eq!(b[1].len(), LEN);
    assert!(peak < 4 * 100, "peak RSS {peak} MiB for a 100 MiB string");
}

#[test]
fn a_directory_of_100000_tiny_files_is_read_in_bounded_memory() {
    const N: usize = 100_000;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("many");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..N {
        std::fs::write(
            dir.join(format!("{i:06}.txt")),
            format!(
                "[04.11.21 10:{:02}:{:02}] vega:\t\tfile {i}\n",
                i / 60 % 60,
                i % 60
            ),
        )
        .unwrap();
    }
    let (o, peak) = run_rss(&["messages", s(&dir), "--unsorted", "--no-topics"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("100,000 files read, 0 skipped, 100,000 messages, 0 problems"),
        "{}",
        stderr(&o)
    );
    let out = stdout(&o);
    assert_eq!(out.lines().count(), N);
    // In input (name) order.
    assert!(out.lines().next().unwrap().contains("\"body\":\"file 0\""));
    assert!(
        out.lines()
            .last()
            .unwrap()
            .contains("\"body\":\"file 99999\"")
    );
    // 65–95 MiB measured: per-file bookkeeping (paths, reports), not input size. (It was
    // 350 MiB when every tiny file had its own sink with buffers sized for a big chunk.)
    assert!(peak < 160, "peak RSS {peak} MiB for 100,000 files");
}

// ---------------------------------------------------------------------------------------
// Zip archives: bombs, path tricks, unreadable entries
// ---------------------------------------------------------------------------------------

/// One entry of a hand-written zip: stored (method 0) or deflated (8) `data`, with the
/// uncompressed size and CRC the headers declare (which a hostile archive may lie about).
struct Entry<'a> {
    name: &'a str,
    method: u16,
    data: &'a [u8],
    size: u64,
    crc: u32,
}

/// Writes a zip archive by hand, with Zip64 size fields where a size needs them (the `zip`
/// crate's writer would have to deflate gigabytes to make a bomb).
fn write_zip(path: &Path, entries: &[Entry<'_>]) {
    let mut out = Vec::new();
    let mut cd = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let z64 = e.size >= 0xFFFF_FFFF || e.data.len() as u64 >= 0xFFFF_FFFF;
        let mut extra = Vec::new();
        if z64 {
            extra.extend_from_slice(&1u16.to_le_bytes());
            extra.extend_from_slice(&16u16.to_le_bytes());
            extra.extend_from_slice(&e.size.to_le_bytes());
            extra.extend_from_slice(&(e.data.len() as u64).to_le_bytes());
        }
        let (usize32, csize32) = if z64 {
            (0xFFFF_FFFFu32, 0xFFFF_FFFFu32)
        } else {
            (e.size as u32, e.data.len() as u32)
        };
        let version: u16 = if z64 { 45 } else { 20 };
        let name = e.name.as_bytes();
        let common = |v: &mut Vec<u8>| {
            v.extend_from_slice(&version.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // flags
            v.extend_from_slice(&e.method.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // time
            v.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01
            v.extend_from_slice(&e.crc.to_le_bytes());
            v.extend_from_slice(&csize32.to_le_bytes());
            v.extend_from_slice(&usize32.to_le_bytes());
            v.extend_from_slice(&(name.len() as u16).to_le_bytes());
            v.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(name);
        out.extend_from_slice(&extra);
        out.extend_from_slice(e.data);
        cd.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        cd.extend_from_slice(&45u16.to_le_bytes()); // made by
        common(&mut cd);
        cd.extend_from_slice(&[0; 8]); // comment len, disk, internal attrs, external attrs…
        cd.extend_from_slice(&[0; 2]); // …the last two bytes of the external attributes
        cd.extend_from_slice(&offset.to_le_bytes());
        cd.extend_from_slice(name);
        cd.extend_from_slice(&extra);
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&cd);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    std::fs::write(path, out).unwrap();
}

fn crc32(data: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (i, t) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *t = c;
    }
    !data.iter().fold(!0u32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

/// LSB-first bit packing, as deflate wants it.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    /// `value`'s low `count` bits, least significant first (header fields, extra bits).
    fn put(&mut self, value: u64, count: u32) {
        self.acc |= value << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    /// A Huffman code: most significant bit first.
    fn code(&mut self, code: u64, len: u32) {
        for i in (0..len).rev() {
            self.put((code >> i) & 1, 1);
        }
    }
    /// `count` zero bits, fast.
    fn zeros(&mut self, mut count: u64) {
        while count > 0 && self.n != 0 {
            self.put(0, 1);
            count -= 1;
        }
        self.out.resize(self.out.len() + (count / 8) as usize, 0);
        self.put(0, (count % 8) as u32);
    }
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A raw deflate stream that inflates to `1 + 258 * matches` zero bytes in 2 bits per 258
/// bytes (the ratio of a real zip bomb, ~1000:1): one dynamic-Huffman block whose only
/// symbols are the literal 0, "length 258" (a 1-bit code, 0) and end-of-block, and whose
/// only distance is 1 (a 1-bit code, 0). Every match is two zero bits.
fn deflate_zeros(matches: u64) -> Vec<u8> {
    let mut b = Bits::default();
    b.put(1, 1); // BFINAL
    b.put(2, 2); // dynamic Huffman
    b.put(29, 5); // HLIT: 286 literal/length codes (up to 285, length 258)
    b.put(0, 5); // HDIST: 1 distance code
    b.put(14, 4); // HCLEN: 18 code-length codes
    // Code-length code lengths in the format's order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1:
    // 18 (a run of zeros) gets 1 bit, lengths 1 and 2 get 2 bits.
    for len in [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2] {
        b.put(len, 3);
    }
    // Canonical codes: 18 → 0, 1 → 10, 2 → 11.
    let zeros_run = |b: &mut Bits, n: u64| {
        b.code(0, 1);
        b.put(n - 11, 7);
    };
    b.code(0b11, 2); // literal 0: length 2
    zeros_run(&mut b, 138); // literals 1..=138
    zeros_run(&mut b, 117); // literals 139..=255
    b.code(0b11, 2); // 256 (end of block): length 2
    zeros_run(&mut b, 28); // 257..=284
    b.code(0b10, 2); // 285 (length 258): length 1
    b.code(0b10, 2); // distance code 0 (distance 1): length 1
    // Literal/length codes: 285 → 0, literal 0 → 10, end of block → 11. Distance 1 → 0.
    b.code(0b10, 2); // the first zero byte
    b.zeros(2 * matches); // each match: length code 0, distance code 0
    b.code(0b11, 2); // end of block
    b.finish()
}

#[test]
fn the_zip_bomb_generator_makes_valid_deflate() {
    // The generator is checked by the zip crate itself: 1 MB of zeros, CRC verified.
    let tmp = tempfile::tempdir().unwrap();
    let n = 4000u64;
    let size = 1 + 258 * n;
    let data = deflate_zeros(n);
    let zeros = vec![0u8; size as usize];
    let p = tmp.path().join("zeros.zip");
    write_zip(
        &p,
        &[Entry {
            name: "zeros.bin",
            method: 8,
            data: &data,
            size,
            crc: crc32(&zeros),
        }],
    );
    let mut a = zip::ZipArchive::new(std::fs::File::open(&p).unwrap()).unwrap();
    let mut got = Vec::new();
    std::io::Read::read_to_end(&mut a.by_index(0).unwrap(), &mut got).unwrap();
    assert_eq!(got.len() as u64, size);
    assert!(got.iter().all(|&b| b == 0));
    assert!(data.len() < 1100, "{} bytes", data.len());
}

#[test]
fn a_zip_bomb_is_refused_past_the_limit_and_the_other_entries_are_read() {
    // ~5 GiB of zeros in ~5 MB.
    let matches = 20_808_000u64;
    let expanded = 1 + 258 * matches;
    assert!(expanded > chatsift::source::MAX_ZIP_ENTRY);
    let bomb = deflate_zeros(matches);
    assert!(bomb.len() < 6 << 20);
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("bomb.zip");
    let good = rec(1, "from the zip");
    let late = rec(2, "after the bombs");
    write_zip(
        &zip,
        &[
            Entry {
                name: "a.txt",
                method: 0,
                data: good.as_bytes(),
                size: good.len() as u64,
                crc: crc32(good.as_bytes()),
            },
            // Honest headers: 5 GiB declared, over the 4 GiB limit: never inflated.
            Entry {
                name: "honest-bomb.txt",
                method: 8,
                data: &bomb,
                size: expanded,
                crc: 0,
            },
            // Lying headers: 1,000 bytes declared; inflating stops right past them.
            Entry {
                name: "lying-bomb.txt",
                method: 8,
                data: &bomb,
                size: 1000,
                crc: 0,
            },
            Entry {
                name: "z.txt",
                method: 0,
                data: late.as_bytes(),
                size: late.len() as u64,
                crc: crc32(late.as_bytes()),
            },
        ],
    );
    let started = std::time::Instant::now();
    let (o, peak) = run_rss(&["messages", s(&zip)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(bodies(&stdout(&o)), ["from the zip", "after the bombs"]);
    let err = stderr(&o);
    let z = s(&zip);
    assert!(
        err.contains(&format!(
            "{z}!/honest-bomb.txt: zip entry declares {expanded} bytes, over the 4294967296 byte limit: not read"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{z}!/lying-bomb.txt: cannot read: File is larger than its declared uncompressed size"
        )),
        "{err}"
    );
    assert!(peak < 100, "peak RSS {peak} MiB for a {expanded} byte bomb");
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn zip_entry_names_that_climb_out_are_only_shown_never_extracted() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let zip = work.join("export.zip");
    let marker = format!("chatsift-hostile-{}", std::process::id());
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        for (name, body) in [
            (
                "../../etc/passwd".to_string(),
                "root:x:0:0:root:/root:/bin/bash\n".to_string(),
            ),
            (format!("../../tmp/{marker}/log.txt"), rec(1, "climbing")),
            (format!("/tmp/{marker}-abs.txt"), rec(2, "absolute")),
            ("..\\..\\windows.txt".to_string(), rec(3, "backslashes")),
        ] {
            z.start_file(name.as_str(), opts).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    let rep = work.join("rep");
    let o = chatsift()
        .current_dir(&work)
        .args(["messages", "export.zip"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(bodies(&out), ["climbing", "absolute", "backslashes"]);
    for source in [
        format!("export.zip!/../../tmp/{marker}/log.txt"),
        format!("export.zip!//tmp/{marker}-abs.txt"),
        "export.zip!/..\\\\..\\\\windows.txt".to_string(),
    ] {
        assert!(
            out.contains(&format!("\"source\":\"{source}\"")),
            "{source}: {out}"
        );
    }
    let (_, v) = {
        let o = chatsift()
            .current_dir(&work)
            .args(["inspect", "--json", "-q", "export.zip"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        (o, v)
    };
    assert_eq!(
        file(&v, "export.zip!/../../etc/passwd")["skipped"],
        "no chat format recognised"
    );
    let o = chatsift()
        .current_dir(&work)
        .args(["report", "export.zip", "-o", "rep", "-q"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Nothing was written anywhere but the report folder.
    assert_eq!(names(tmp.path()), ["work"]);
    assert_eq!(names(&work), ["export.zip", "rep"]);
    assert!(
        names(&rep)
            .iter()
            .all(|n| !n.contains("..") && !n.contains("log"))
    );
    assert!(!Path::new(&format!("/tmp/{marker}")).exists());
    assert!(!Path::new(&format!("/tmp/{marker}-abs.txt")).exists());
}

#[test]
fn a_huge_binary_zip_entry_is_skipped_after_its_first_window_in_bounded_memory() {
    // The real case was 4 GiB of zeros beside a chat: 8.4 GB of memory and 37 s, because the
    // entry was inflated whole. 384 MiB keeps the test quick and still far above the bound.
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("export.zip");
    let chat: String = (0..40)
        .map(|i| rec(i % 60, &format!("строка {i}")))
        .collect();
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1))
            .large_file(true);
        z.start_file("export/zeros.bin", opts).unwrap();
        let block = vec![0u8; 1 << 20];
        for _ in 0..384 {
            z.write_all(&block).unwrap();
        }
        z.start_file("export/vega.txt", opts).unwrap();
        z.write_all(chat.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    let (o, peak_mib) = run_rss(&["messages", s(&zip), "-o", s(&tmp.path().join("m.jsonl"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("1 file read, 1 skipped, 40 messages"),
        "{}",
        stderr(&o)
    );
    assert!(
        peak_mib < 150,
        "peak RSS {peak_mib} MiB for a 384 MiB binary entry"
    );
    let (_, v) = inspect(&[s(&zip)]);
    assert_eq!(
        file(&v, &format!("{}!/export/zeros.bin", s(&zip)))["skipped"],
        "binary file (mostly NUL or control bytes), not a chat"
    );
}

#[test]
fn a_big_chat_zip_entry_streams_and_reads_as_the_same_file_unzipped() {
    // Entries over 1 MiB are inflated as they are read, window by window.
    let tmp = tempfile::tempdir().unwrap();
    let chat: String = (0..60_000)
        .map(|i| {
            rec(
                i % 60,
                &format!("сообщение номер {i}, чтобы файл был большим"),
            )
        })
        .collect();
    assert!(chat.len() > 4 << 20);
    let plain = tmp.path().join("vega.txt");
    std::fs::write(&plain, &chat).unwrap();
    let zip = tmp.path().join("export.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        z.start_file("vega.txt", opts).unwrap();
        z.write_all(chat.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    let zipped = run(&["messages", s(&zip), "--to", "csv"]);
    let unzipped = run(&["messages", s(&plain), "--to", "csv"]);
    assert_eq!(zipped.status.code(), Some(0), "{}", stderr(&zipped));
    let strip = |o: &Output, src: &str| stdout(o).replace(src, "SRC");
    assert_eq!(
        strip(&zipped, &format!("{}!/vega.txt", s(&zip))),
        strip(&unzipped, s(&plain))
    );
    assert!(
        stderr(&zipped).contains("60,000 messages"),
        "{}",
        stderr(&zipped)
    );
}

#[test]
fn a_corrupt_zip_entry_is_named_and_the_other_entries_are_read() {
    // An unreadable input for any user, root included: the stored CRC does not match.
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("damaged.zip");
    let good = rec(1, "intact");
    let bad = rec(2, "bit rot");
    write_zip(
        &zip,
        &[
            Entry {
                name: "bad.txt",
                method: 0,
                data: bad.as_bytes(),
                size: bad.len() as u64,
                crc: crc32(bad.as_bytes()) ^ 1,
            },
            Entry {
                name: "good.txt",
                method: 0,
                data: good.as_bytes(),
                size: good.len() as u64,
                crc: crc32(good.as_bytes()),
            },
        ],
    );
    let o = run(&["messages", s(&zip)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(bodies(&stdout(&o)), ["intact"]);
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{}!/bad.txt: cannot read: ", s(&zip))) && err.contains("checksum"),
        "{err}"
    );
    assert!(err.contains("1 file read, 1 skipped"), "{err}");
    // A file named .zip that is not an archive: fatal when named, a problem inside a folder.
    let fake = tmp.path().join("dir");
    std::fs::create_dir(&fake).unwrap();
    std::fs::write(fake.join("fake.zip"), "not a zip").unwrap();
    std::fs::write(fake.join("ok.txt"), rec(3, "beside")).unwrap();
    let o = run(&["messages", &format!("{}/fake.zip", s(&fake))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read zip archive"),
        "{}",
        stderr(&o)
    );
    let o = run(&["messages", s(&fake)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(bodies(&stdout(&o)), ["beside"]);
    assert!(
        stderr(&o).contains("fake.zip: not a readable zip archive"),
        "{}",
        stderr(&o)
    );
}

// ---------------------------------------------------------------------------------------
// File system: symlink loops, unreadable files
// ---------------------------------------------------------------------------------------

#[test]
#[cfg(unix)]
fn symlink_loops_are_reported_and_not_followed() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("d");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("good.txt"), rec(1, "outside the loop")).unwrap();
    symlink("b", d.join("a")).unwrap();
    symlink("a", d.join("b")).unwrap();
    symlink(".", d.join("self")).unwrap();
    symlink("..", d.join("up")).unwrap();
    let ds = s(&d);
    let o = run(&["messages", ds]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(bodies(&stdout(&o)), ["outside the loop"]);
    let err = stderr(&o);
    for (name, what) in [
        ("a", "broken or looping symbolic link"),
        ("b", "broken or looping symbolic link"),
        ("self", "symbolic link to a directory not followed"),
        ("up", "symbolic link to a directory not followed"),
    ] {
        assert!(
            err.contains(&format!("{ds}/{name}: {what}")),
            "{name}: {err}"
        );
    }
    assert!(
        err.contains("1 file read, 0 skipped, 1 messages, 4 problems"),
        "{err}"
    );
    // Named on the command line, a looping link cannot be read at all: exit 2.
    let o = run(&["messages", &format!("{ds}/a")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!("cannot read input {ds}/a")),
        "{}",
        stderr(&o)
    );
}

/// Runs chatsift as an unprivileged user: directly when not root (permissions then apply),
/// else through `setpriv` as `nobody` (root reads any file, whatever its mode). None when
/// root and `setpriv` is missing.
fn unprivileged(args: &[&str]) -> Option<Output> {
    if !is_root() {
        return Some(run(args));
    }
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let o = Command::new(setpriv)
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_chatsift"))
        .args(args)
        .current_dir("/")
        .output()
        .expect("setpriv");
    Some(o)
}

#[test]
#[cfg(unix)]
fn an_unreadable_file_is_named_and_the_rest_is_read() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    // Reachable by `nobody` (tempdir makes 0700 folders).
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let d = tmp.path().join("d");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("a_good.txt"), rec(1, "readable")).unwrap();
    let locked = d.join("b_locked.txt");
    std::fs::write(&locked, rec(2, "secret")).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let closed = d.join("c_closed");
    std::fs::create_dir(&closed).unwrap();
    std::fs::write(closed.join("x.txt"), rec(3, "hidden")).unwrap();
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o000)).unwrap();
    let Some(o) = unprivileged(&["messages", s(&d)]) else {
        eprintln!("skipped: running as root without setpriv, no way to drop privileges");
        return;
    };
    // The binary must be reachable by `nobody` for this to mean anything.
    assert!(
        !stderr(&o).contains("ermission denied") || !o.stdout.is_empty(),
        "chatsift could not run unprivileged: {}",
        stderr(&o)
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(bodies(&stdout(&o)), ["readable"]);
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{}: cannot read: Permission denied", s(&locked))),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}: cannot list directory: Permission denied",
            s(&closed)
        )),
        "{err}"
    );
    // Named on the command line: fatal, exit 2, naming it.
    let o = unprivileged(&["messages", s(&locked)]).unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("cannot read input {}", s(&locked)))
            && stderr(&o).contains("Permission denied"),
        "{}",
        stderr(&o)
    );
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o755)).unwrap();
}

// ---------------------------------------------------------------------------------------
// The output side: full disk, unwritable folder, interrupted run
// ---------------------------------------------------------------------------------------

/// Leftover temporary outputs (`.NAME.chatsift-PID-N.tmp`) in `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| n.contains(".chatsift-"))
        .collect()
}

#[test]
#[cfg(target_os = "linux")]
fn a_full_disk_fails_with_exit_2_and_leaves_the_previous_output() {
    // A device that is always full.
    let o = run(&["messages", "testdata/demo", "-o", "/dev/full"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/dev/full") && stderr(&o).contains("No space left on device"),
        "{}",
        stderr(&o)
    );
    // A file system that fills up mid-write: the file size limit (RLIMIT_FSIZE, which binds
    // root too) makes writes past 64 KiB fail with EFBIG; SIGXFSZ is ignored so the write
    // returns the error instead of killing the process.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.jsonl");
    std::fs::write(&out, "previous run\n").unwrap();
    for cmd in [&["messages"][..], &["messages", "--unsorted"], &["people"]] {
        let script = "trap '' XFSZ; ulimit -f 128; exec \"$0\" \"$@\"";
        let mut args: Vec<&str> = cmd.to_vec();
        args.extend(["testdata/demo", "testdata/telegram", "-o", s(&out)]);
        let o = Command::new("sh")
            .args(["-c", script, env!("CARGO_BIN_EXE_chatsift")])
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        if cmd == ["people"] {
            // A small output fits under the limit: written whole.
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            std::fs::write(&out, "previous run\n").unwrap();
            continue;
        }
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("File too large"), "{}", stderr(&o));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous run\n");
        assert_eq!(temp_files(tmp.path()), Vec::<String>::new());
    }
}

#[test]
#[cfg(unix)]
fn an_unwritable_output_folder_fails_with_exit_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    std::fs::write(&plain, "a file, not a folder").unwrap();
    // A folder that is a file: unwritable for root too.
    let target = plain.join("out.csv");
    let o = run(&["messages", "testdata/demo", "--to", "csv", "-o", s(&target)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!("cannot write {}", s(&target)))
            && stderr(&o).contains("Not a directory"),
        "{}",
        stderr(&o)
    );
    let o = run(&["report", "testdata/demo", "-o", s(&plain)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(s(&plain)), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&plain).unwrap(),
        "a file, not a folder"
    );
    // A read-only folder, as an unprivileged user.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let ro = tmp.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/demo/trickbot");
    let target = ro.join("out.jsonl");
    if let Some(o) = unprivileged(&["messages", demo, "-o", s(&target)]) {
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("cannot write {}", s(&target)))
                && stderr(&o).contains("Permission denied"),
            "{}",
            stderr(&o)
        );
        assert!(names(&ro).is_empty());
    }
}

#[test]
#[cfg(unix)]
fn an_interrupted_run_leaves_the_previous_output_and_no_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    // ~150 MB of records: long enough to be caught mid-write.
    let input = tmp.path().join("big.txt");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
        let mut day = String::new();
        for i in 0..86_400u32 {
            day.push_str(&format!(
                "[04.11.21 {:02}:{:02}:{:02}] vega:\t\tсообщение {i} 工资什么时候发 when is payday\n",
                i / 3600,
                i / 60 % 60,
                i % 60
            ));
        }
        for _ in 0..150_000_000 / day.len() {
            f.write_all(day.as_bytes()).unwrap();
        }
    }
    let out = tmp.path().join("out.jsonl");
    for signal in ["-INT", "-TERM"] {
        std::fs::write(&out, "previous run\n").unwrap();
        let mut child = chatsift()
            .args(["messages", s(&input), "--unsorted", "-q", "-o", s(&out)])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait for the temporary file, then interrupt.
        let started = std::time::Instant::now();
        loop {
            if !temp_files(tmp.path()).is_empty() {
                break;
            }
            assert!(
                child.try_wait().unwrap().is_none(),
                "the run ended before its output appeared"
            );
            assert!(
                started.elapsed().as_secs() < 30,
                "no temporary file appeared"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        let k = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(k.success());
        let o = child.wait_with_output().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert!(
            o.status.code() == Some(130) || o.status.signal().is_some(),
            "{signal}: {:?} {}",
            o.status,
            stderr(&o)
        );
        assert_eq!(o.status.code(), Some(130), "{signal}: the handler ran");
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "previous run\n",
            "{signal}"
        );
        assert_eq!(temp_files(tmp.path()), Vec::<String>::new(), "{signal}");
    }
}

// ---------------------------------------------------------------------------------------
// Spreadsheet safety and markup
// ---------------------------------------------------------------------------------------

const LEADS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A chat where sender, recipient, channel and body of each message start with one of the
/// formula leads, one message per lead, an hour apart on different days.
fn formula_chat(dir: &Path) -> PathBuf {
    let mut text = String::new();
    for (i, l) in LEADS.iter().enumerate() {
        let t = format!("2022-03-0{}T0{i}:00:00Z", 1 + i % 3);
        text.push_str(&jsonl(
            &t,
            &format!("{l}cmd|' /C calc'!A0"),
            &format!("{l}victim"),
            &format!("{l}chan"),
            &format!("{l}HYPERLINK(\"http://x\") 工资"),
        ));
    }
    let p = dir.join("formulas.jsonl");
    std::fs::write(&p, text).unwrap();
    p
}

/// The exact CSV bytes of a cell holding `text`: neutralized (a `'` in front) unless raw,
/// quoted when it holds a quote, comma or CR (as the csv writer does).
fn cell(text: &str, raw: bool) -> String {
    let v = if raw {
        text.to_string()
    } else {
        format!("'{text}")
    };
    if v.contains(['"', ',', '\r', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// Asserts that `out` holds `want` as a whole cell (between delimiters).
fn has_cell(out: &str, want: &str, what: &str) {
    let found = [",", "\n"].iter().any(|before| {
        [",", "\n"]
            .iter()
            .any(|after| out.contains(&format!("{before}{want}{after}")))
    });
    assert!(found, "{what}: no cell {want:?} in\n{out:?}");
}

#[test]
fn csv_cells_starting_with_formula_characters_are_neutralized_in_every_csv_command() {
    let tmp = tempfile::tempdir().unwrap();
    let chat = formula_chat(tmp.path());
    let c = s(&chat);
    type Case<'a> = (&'a [&'a str], &'a [&'a str]);
    // (command, which texts appear as whole cells: sender, recipient, channel, body)
    let cases: [Case<'_>; 8] = [
        (
            &["messages", "--to", "csv"],
            &["sender", "recipient", "channel", "body"],
        ),
        (
            &["messages", "--to", "timesketch"],
            &["sender", "recipient", "channel", "body"],
        ),
        (&["messages", "--to", "l2tcsv"], &["sender"]),
        (&["people"], &["sender"]),
        (&["timeline"], &["sender"]),
        (&["timeline", "--wide"], &[]),
        (&["topics", "--per-person"], &["sender"]),
        (&["graph"], &["sender", "recipient"]),
    ];
    for (cmd, fields) in cases {
        for raw in [false, true] {
            let mut args = cmd.to_vec();
            args.extend([c, "-q"]);
            if raw {
                args.push("--raw-csv");
            }
            let o = run(&args);
            assert_eq!(o.status.code(), Some(0), "{cmd:?}: {}", stderr(&o));
            let out = stdout(&o);
            for l in LEADS {
                for f in fields {
                    let text = match *f {
                        "sender" => format!("{l}cmd|' /C calc'!A0"),
                        "recipient" => format!("{l}victim"),
                        "channel" => format!("{l}chan"),
                        _ => format!("{l}HYPERLINK(\"http://x\") 工资"),
                    };
                    has_cell(&out, &cell(&text, raw), &format!("{cmd:?} raw={raw} {f}"));
                }
            }
            // Nothing starts a cell with a formula character unless --raw-csv.
            if !raw {
                let mut rdr = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(out.as_bytes());
                for r in rdr.records() {
                    for v in r.unwrap().iter() {
                        // l2tcsv's "-" placeholder is neutralized too, so no exception.
                        assert!(!v.starts_with(LEADS), "{cmd:?}: a live formula cell {v:?}");
                    }
                }
            }
        }
    }
    // Timesketch's `message` column starts with the sender: neutralized as a whole.
    let o = run(&["messages", "--to", "timesketch", c, "-q"]);
    has_cell(
        &stdout(&o),
        &cell(
            "=cmd|' /C calc'!A0 -> =victim: =HYPERLINK(\"http://x\") 工资",
            false,
        ),
        "timesketch message",
    );
    // JSONL is always verbatim (JSON has no formulas): exact bytes.
    let o = run(&["messages", c, "-q"]);
    let out = stdout(&o);
    for l in LEADS {
        let esc = match l {
            '\t' => "\\t".to_string(),
            '\r' => "\\r".to_string(),
            l => l.to_string(),
        };
        assert!(
            out.contains(&format!(
                "\"sender\":\"{esc}cmd|' /C calc'!A0\",\"person\":\"{esc}cmd|' /C calc'!A0\",\"recipient\":\"{esc}victim\",\"channel\":\"{esc}chan\",\"body\":\"{esc}HYPERLINK(\\\"http://x\\\") 工资\""
            )),
            "{l:?}: {out}"
        );
    }
}

#[test]
fn file_names_starting_with_formula_characters_are_neutralized_in_csv() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("=HYPERLINK.txt"), rec(1, "named badly")).unwrap();
    let o = chatsift()
        .current_dir(tmp.path())
        .args(["messages", "=HYPERLINK.txt", "--to", "csv", "-q"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    has_cell(&stdout(&o), "'=HYPERLINK.txt", "source");
    has_cell(&stdout(&o), "'=HYPERLINK", "channel from the file name");
}

#[test]
fn svg_charts_and_gexf_escape_markup_in_names() {
    let tmp = tempfile::tempdir().unwrap();
    let chat = tmp.path().join("markup.jsonl");
    let script = "<script>alert(1)</script>";
    let img = "<img src=x onerror=alert(1)>";
    let link = "<a href=\"javascript:alert(1)\">x</a>";
    let mut text = String::new();
    for (i, (from, to)) in [(script, img), (img, link), (link, script)]
        .iter()
        .enumerate()
    {
        text.push_str(&jsonl(
            &format!("2022-03-0{}T10:00:00Z", i + 1),
            from,
            to,
            "ops",
            "body",
        ));
    }
    std::fs::write(&chat, text).unwrap();
    for kind in ["people", "activity"] {
        let svg = tmp.path().join(format!("{kind}.svg"));
        let o = run(&[
            "chart",
            kind,
            s(&chat),
            "-o",
            s(&svg),
            "--title",
            "<b onmouseover=alert(1)>t</b>",
            "-q",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let page = std::fs::read_to_string(&svg).unwrap();
        for bad in ["<script", "<img", "<a ", "<b "] {
            assert!(!page.contains(bad), "{kind}: {bad} in the SVG");
        }
        assert!(
            page.contains("&lt;script&gt;"),
            "{kind}: the name is shown as text"
        );
    }
    let gexf = tmp.path().join("g.gexf");
    let o = run(&["graph", s(&chat), "--gexf", s(&gexf), "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let xml = std::fs::read_to_string(&gexf).unwrap();
    for bad in ["<script", "<img", "<a "] {
        assert!(!xml.contains(bad), "{bad} in the GEXF");
    }
    assert!(
        xml.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{xml}"
    );
    assert!(xml.contains("javascript:alert(1)"), "shown as text");
}

// ---------------------------------------------------------------------------------------
// --strict
// ---------------------------------------------------------------------------------------

#[test]
fn strict_exits_1_naming_file_line_and_what_and_writes_no_output_in_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("in");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("a.txt"), rec(1, "fine") + &rec(2, "fine too")).unwrap();
    std::fs::write(
        d.join("b.txt"),
        rec(1, "ok") + "[31.02.21 10:00:00] vega:\t\tbad date\n" + &rec(3, "after"),
    )
    .unwrap();
    let want = format!(
        "chatsift: --strict: malformed record at {}/b.txt:2: bad date or time in header: [31.02.21 10:00:00]",
        s(&d)
    );
    let outdir = tmp.path().join("out");
    std::fs::create_dir(&outdir).unwrap();
    let cases: [(&[&str], &str); 9] = [
        (&["messages"], "m.jsonl"),
        (&["messages", "--unsorted"], "u.jsonl"),
        (&["messages", "--to", "csv"], "m.csv"),
        (&["timeline"], "t.csv"),
        (&["people"], "p.csv"),
        (&["topics"], "tp.csv"),
        (&["graph"], "g.csv"),
        (&["chart", "heatmap"], "h.svg"),
        (&["inspect"], ""),
    ];
    for (cmd, name) in cases {
        let target = outdir.join(name);
        let mut args = cmd.to_vec();
        args.extend([s(&d), "--strict"]);
        if !name.is_empty() {
            args.extend(["-o", s(&target)]);
        }
        let o = run(&args);
        assert_eq!(o.status.code(), Some(1), "{cmd:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(&want), "{cmd:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty() || cmd == ["inspect"], "{cmd:?}");
        assert!(
            names(&outdir).is_empty(),
            "{cmd:?} wrote {:?}",
            names(&outdir)
        );
        // Without --strict the same run succeeds and reports the problem.
        if cmd != ["inspect"] {
            let mut args = cmd.to_vec();
            args.extend([s(&d), "-o", s(&target)]);
            let o = run(&args);
            assert_eq!(o.status.code(), Some(0), "{cmd:?}: {}", stderr(&o));
            assert!(stderr(&o).contains("b.txt:2: bad date"), "{}", stderr(&o));
            std::fs::remove_file(&target).unwrap();
        }
    }
    // report: no file and no folder is left (nested folders it created go too); a folder
    // that was there before stays, empty.
    let rep = outdir.join("rep/nested");
    let o = run(&["report", s(&d), "--strict", "-o", s(&rep)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(&want), "{}", stderr(&o));
    assert!(names(&outdir).is_empty(), "{:?}", names(&outdir));
    std::fs::create_dir(outdir.join("kept")).unwrap();
    let o = run(&["report", s(&d), "--strict", "-o", s(&outdir.join("kept"))]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(names(&outdir.join("kept")).is_empty());
    std::fs::remove_dir(outdir.join("kept")).unwrap();
    // A clean input passes --strict.
    let o = run(&["messages", &format!("{}/a.txt", s(&d)), "--strict", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(bodies(&stdout(&o)), ["fine", "fine too"]);
}
