//! The benchmark corpora of `chatsift-corpus` parse back with `chatsift`'s parsers: no
//! problems, one message per record the generator wrote, the same messages whole or split into
//! chunks, and the kinds, channels and offsets each generator puts in. (The generator crate
//! cannot depend on `chatsift`, so these round trips live here; its own tests check the bytes.)

/// A registered format by name (the format modules are private to the library).
fn format(name: &str) -> &'static dyn chatsift::formats::Format {
    chatsift::formats::by_name(name).expect("a registered format")
}

/// Generates `name`'s corpus (`size` bytes, `seed`), checks that it sniffs as `name` under
/// `path`, surveys it, and parses it at each chunk target with no problem and every generated
/// message; `check` sees each parse with its target.
fn round_trip(
    name: &str,
    size: u64,
    seed: u64,
    path: &str,
    targets: &[usize],
    check: impl Fn(usize, &chatsift::formats::Collect<'_>),
) {
    use chatsift::formats::{self, FormatOptions, ParseCtx};
    let mut out = Vec::new();
    let stats = chatsift_corpus::generate(name, size, seed, &mut out).unwrap();
    assert_eq!(stats.bytes, out.len() as u64);
    let text = String::from_utf8(out).unwrap();
    assert!(formats::sniff(path, formats::sniff_head(&text)).is_some_and(|f| f.name() == name));
    let hint = formats::survey_text(format(name), path, &text, FormatOptions::default());
    let mut ctx = ParseCtx::new(0, path, chatsift::time::Zone::Utc);
    ctx.hint = hint.as_deref();
    for &target in targets {
        let c = formats::parse_text(format(name), &text, &ctx, target);
        assert!(
            c.problems.is_empty(),
            "{:?}",
            &c.problems[..c.problems.len().min(3)]
        );
        assert_eq!(c.messages.len() as u64, stats.messages);
        check(target, &c);
    }
}

mod whatsapp {
    use chatsift::formats::{self, FormatOptions, ParseCtx};
    use chatsift::model::Kind;
    use chatsift::time::Zone;
    use chatsift_corpus::generate;

    #[test]
    fn corpus_parses_back_with_no_problems_and_every_record() {
        let mut out = Vec::new();
        let stats = generate("whatsapp", 2_000_000, 3, &mut out).unwrap();
        assert_eq!(stats.bytes, out.len() as u64);
        let text = String::from_utf8(out).unwrap();
        let path = chatsift_corpus::file_name("whatsapp");
        let hint = formats::survey_text(
            super::format("whatsapp"),
            path,
            &text,
            FormatOptions::default(),
        );
        let note = hint.as_ref().and_then(|h| h.describe()).unwrap();
        assert!(
            note.starts_with("day first: a first field of 13 on line "),
            "{note}"
        );
        let mut ctx = ParseCtx::new(0, path, Zone::Utc);
        ctx.hint = hint.as_deref();
        let got = formats::parse_text(super::format("whatsapp"), &text, &ctx, 256 << 10);
        assert_eq!(got.problems, vec![]);
        assert_eq!(got.messages.len() as u64, stats.messages);
        // The same without a survey (as the parse bench runs it).
        let bare = ParseCtx::new(0, path, Zone::Utc);
        let plain = formats::parse_text(super::format("whatsapp"), &text, &bare, usize::MAX);
        assert_eq!(plain.messages, got.messages);
        let kinds = |k: Kind| got.messages.iter().filter(|m| m.kind == k).count();
        assert!(kinds(Kind::System) > 100 && kinds(Kind::Attachment) > 100);
        assert!(kinds(Kind::Deleted) > 10);
        assert!(
            got.messages.iter().any(|m| m.kind == Kind::Message
                && m.body.contains("left")
                && !m.sender.is_empty())
        );
        assert!(
            got.messages.iter().any(|m| m.kind == Kind::Message
                && m.body.contains("added")
                && !m.sender.is_empty())
        );
        assert!(got.messages.iter().any(|m| m.body.contains('\n')));
        let senders: std::collections::HashSet<&str> =
            got.messages.iter().map(|m| m.sender.as_ref()).collect();
        assert!(senders.len() > 200, "{}", senders.len());
        assert!(
            got.messages
                .iter()
                .all(|m| m.channel.as_deref() == Some("Lin Wei"))
        );
        // About 70 bytes a record.
        let per = stats.bytes / stats.messages;
        assert!((50..=95).contains(&per), "{per} bytes per record");
    }
}

mod signal {
    use chatsift::formats::{self, ParseCtx};
    use chatsift::model::Kind;
    use chatsift::time::Zone;
    use chatsift_corpus::generate;

    #[test]
    fn corpus_parses_back_with_no_problems_and_every_record() {
        let mut out = Vec::new();
        let stats = generate("signal", 1_500_000, 5, &mut out).unwrap();
        assert_eq!(stats.bytes, out.len() as u64);
        let text = String::from_utf8(out).unwrap();
        let path = chatsift_corpus::file_name("signal");
        let ctx = ParseCtx::new(0, path, Zone::Utc);
        let got = formats::parse_text(super::format("signal"), &text, &ctx, 128 << 10);
        assert_eq!(got.problems, vec![]);
        assert_eq!(got.messages.len() as u64, stats.messages);
        let whole = formats::parse_text(super::format("signal"), &text, &ctx, usize::MAX);
        assert_eq!(whole.messages, got.messages);
        let kinds = |k: Kind| got.messages.iter().filter(|m| m.kind == k).count();
        assert!(kinds(Kind::Attachment) > 50 && kinds(Kind::Deleted) > 50);
        assert!(kinds(Kind::Call) > 20);
        assert!(got.messages.iter().all(|m| !m.body.ends_with("  ")));
        assert!(got.messages.iter().any(|m| m.body.contains("\n\n")));
        assert!(got.messages.iter().any(|m| m.sender == "Me"));
        assert!(
            got.messages
                .iter()
                .filter(|m| !m.attachments.is_empty())
                .count()
                > 50
        );
    }
}

mod qq {
    use chatsift::formats::{self, ParseCtx, parse_text};
    use chatsift::time::Zone;
    use chatsift_corpus::generate;

    #[test]
    fn generated_qq_corpus_parses_back_with_no_problems() {
        let mut out = Vec::new();
        let stats = generate("qq", 3 << 20, 5, &mut out).unwrap();
        assert_eq!(stats.bytes, out.len() as u64);
        let text = String::from_utf8(out).unwrap();
        let hint = formats::survey_text(
            super::format("qq"),
            "全部消息记录.txt",
            &text,
            Default::default(),
        );
        let mut ctx = ParseCtx::new(0, "全部消息记录.txt", Zone::Utc);
        ctx.hint = hint.as_deref();
        let whole = parse_text(super::format("qq"), &text, &ctx, usize::MAX);
        assert_eq!(whole.problems, vec![]);
        assert_eq!(whole.messages.len() as u64, stats.messages);
        let split = parse_text(super::format("qq"), &text, &ctx, 64 << 10);
        assert_eq!(split.messages, whole.messages);
        assert!(whole.messages.iter().all(|m| m.channel.is_some()));
        assert_eq!(
            formats::sniff("x.txt", formats::sniff_head(&text)).map(|f| f.name()),
            Some("qq")
        );
    }
}

mod irc {
    use chatsift::formats::{self, ParseCtx, parse_text};
    use chatsift::time::Zone;
    use chatsift_corpus::generate;

    #[test]
    fn generated_irssi_corpus_parses_back_with_no_problems() {
        let mut out = Vec::new();
        let stats = generate("irc", 3 << 20, 9, &mut out).unwrap();
        assert_eq!(stats.bytes, out.len() as u64);
        let text = String::from_utf8(out).unwrap();
        let hint =
            formats::survey_text(super::format("irc"), "#ops.log", &text, Default::default());
        let mut ctx = ParseCtx::new(0, "#ops.log", Zone::Utc);
        ctx.hint = hint.as_deref();
        let whole = parse_text(super::format("irc"), &text, &ctx, usize::MAX);
        assert_eq!(whole.problems, vec![]);
        assert_eq!(whole.messages.len() as u64, stats.messages);
        let split = parse_text(super::format("irc"), &text, &ctx, 64 << 10);
        assert_eq!(split.messages, whole.messages);
        assert_eq!(whole.messages[0].channel.as_deref(), Some("#ops"));
        assert_eq!(
            formats::sniff("#ops.log", formats::sniff_head(&text)).map(|f| f.name()),
            Some("irc")
        );
    }
}

mod telegram {
    use chatsift::model::Kind;

    #[test]
    fn generated_export_parses_back_with_no_problems_and_every_record() {
        let path = "ChatExport/result.json";
        super::round_trip(
            "telegram",
            400_000,
            9,
            path,
            &[usize::MAX, 50_000],
            |target, c| {
                assert!(
                    c.messages
                        .iter()
                        .all(|m| m.channel.as_deref() == Some("Рабочий чат \"Север\""))
                );
                for k in [Kind::System, Kind::Attachment, Kind::Call] {
                    assert!(c.messages.iter().any(|m| m.kind == k), "{k}");
                }
                // Local dates are +03:00 of the epoch stamps.
                assert!(c.messages.iter().all(|m| m.time.offset == Some(3 * 3600)));
                if target == usize::MAX {
                    let senders: std::collections::HashSet<_> =
                        c.messages.iter().map(|m| m.sender.to_string()).collect();
                    assert!(senders.len() > 100, "{}", senders.len());
                }
            },
        );
    }
}

mod discord {
    use chatsift::model::Kind;

    #[test]
    fn generated_export_parses_back_with_no_problems_and_every_record() {
        let path = "Ops - work - general [975000000000000000].json";
        super::round_trip(
            "discord",
            400_000,
            5,
            path,
            &[usize::MAX, 50_000],
            |_, c| {
                assert!(
                    c.messages
                        .iter()
                        .all(|m| m.channel.as_deref() == Some("general"))
                );
                assert!(c.messages.iter().all(|m| m.time.offset == Some(-4 * 3600)));
                for k in [Kind::System, Kind::Attachment, Kind::Call, Kind::Message] {
                    assert!(c.messages.iter().any(|m| m.kind == k), "{k}");
                }
            },
        );
    }
}

mod slack {
    use chatsift::formats::{self, ParseCtx};
    use chatsift::model::Kind;
    use chatsift::time::Zone;
    use chatsift_corpus::generate;

    #[test]
    fn generated_day_file_parses_back_with_no_problems_and_every_record() {
        let mut out = Vec::new();
        let stats = generate("slack", 300_000, 3, &mut out).unwrap();
        assert_eq!(stats.bytes, out.len() as u64);
        let text = String::from_utf8(out).unwrap();
        let path = "export/general/2021-05-01.json";
        assert!(
            formats::sniff(path, formats::sniff_head(&text)).is_some_and(|f| f.name() == "slack")
        );
        let ctx = ParseCtx::new(0, path, Zone::Utc);
        for target in [usize::MAX, 40_000] {
            let c = formats::parse_text(super::format("slack"), &text, &ctx, target);
            assert!(
                c.problems.is_empty(),
                "{:?}",
                &c.problems[..c.problems.len().min(3)]
            );
            assert_eq!(c.messages.len() as u64, stats.messages);
            for k in [Kind::System, Kind::Attachment, Kind::Call, Kind::Deleted] {
                assert!(c.messages.iter().any(|m| m.kind == k), "{k}");
            }
            assert!(c.messages.iter().all(|m| m.time.frac_digits == 6));
        }
    }
}

mod wechat {
    use chatsift::formats::{self, ParseCtx, parse_text};
    use chatsift::model::Kind;
    use chatsift::time::Zone;
    use chatsift_corpus::generate;

    #[test]
    fn generated_wechat_corpus_parses_back_with_no_problems() {
        let mut out = Vec::new();
        let stats = generate("wechat", 3 << 20, 5, &mut out).unwrap();
        assert_eq!(stats.bytes, out.len() as u64);
        let text = String::from_utf8(out).unwrap();
        let ctx = ParseCtx::new(0, "聊天记录/项目群/项目群.txt", Zone::Utc);
        let whole = parse_text(super::format("wechat"), &text, &ctx, usize::MAX);
        assert_eq!(whole.problems, vec![]);
        assert_eq!(whole.messages.len() as u64, stats.messages);
        let split = parse_text(super::format("wechat"), &text, &ctx, 64 << 10);
        assert_eq!(split.problems, vec![]);
        assert_eq!(split.messages, whole.messages);
        assert!(
            whole
                .messages
                .iter()
                .all(|m| m.channel.as_deref() == Some("项目群"))
        );
        for kind in [Kind::Message, Kind::System, Kind::Attachment] {
            assert!(whole.messages.iter().any(|m| m.kind == kind), "{kind}");
        }
        assert_eq!(
            formats::sniff("项目群.txt", formats::sniff_head(&text)).map(|f| f.name()),
            Some("wechat")
        );
    }
}
