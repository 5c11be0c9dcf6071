//! `whatsapp`: WhatsApp's "Export chat" text, Android (`WhatsApp Chat with X.txt`) and iOS
//! (`_chat.txt` inside `WhatsApp Chat - X.zip`).
//!
//! ```text
//! 12/03/2022, 21:04 - Lin Wei: 明天还要加班吗
//! 12/03/2022, 21:05 - Sam Porter: yes, the client moved the deadline
//! again.
//! ‎[12/03/2022, 9:07:11 PM] Sam Porter: ok
//! ```
//!
//! **Header** (a strict, full match; any other line continues the previous record): read by
//! the grammar of parts in [`header`] (invisible marks, `[`, a date in any order with `/ . -`,
//! a trailing dot and spaces, 2/4-digit years, iOS's calendar years (`3/18/2565 BE` is
//! Buddhist era, minus 543; `3/18/R4` is Reiwa 4, 2022; `H30` Heisei 30), or the time first; `, `, `، `, ` klo ` or a
//! space; `H:MM[:SS]` with `:` or `.`; AM/PM markers before or after the time; Arabic-Indic
//! and Persian digits; then `] `, ` - `, `: ` or, after `13. 6. 2018. 21:25:15`, a space).
//!
//! The shape alone makes a header: whether `13/03/22` is valid depends on the date order, which
//! is decided for the whole file (see below). A header whose date or time is out of range under
//! that order (`32/13/2022`, hour 25, `13:00 PM`) is a problem at its line, and its record,
//! continuation lines included, is skipped. Text before the first header is one problem at its
//! first non-blank line (for a file with no header at all, the problem names the file and says
//! which header was expected).
//!
//! **Named months.** Old Android exports name the month in English and write the year only
//! for dates before the year of the export: `18 Mar 12:14 - `, `Mar 5, 8:11 PM - `,
//! `19:23, 28 Aug 2013 - ` then `08:43, 5 Jan - `. A date without a year is read in the year
//! after the last year the file writes (the year of the export, at the earliest; so the
//! dates stay in order), or in `--year`; when the file writes none, in 2000 (a leap year no
//! export is from, standing for the unknown year) and the note says to pass `--year`. A
//! date that does not exist in that year (29 Feb) is a problem at its line.
//!
//! **Layout.** A file is written in one layout: the date before the time (Android, iOS) or
//! the time before the date (`[21:25:15, 13/6/2018] `), with a numeric or a named month.
//! [`Format::survey`] decides it over
//! every header line (the layout of most lines; a tie goes to the first header's), and a
//! header-shaped line in the other layout is message text: people paste messages copied from
//! WhatsApp Desktop or Web (`[6:48 AM, 5/3/2021] Name: text`) into an Android chat. Chunks are
//! cut only at headers of the file's layout ([`Format::next_record_in`]); the note says how
//! many such lines were read as text and where the first is. Only headers of the file's
//! layout count as date-order evidence.
//!
//! **Date order.** [`Format::survey`] reads every header of the file: a first field above 12
//! means day first, a second field above 12 month first, a four-digit first field year first.
//! The order with the most evidence lines wins (ties: the earliest evidence); the note cites
//! the first evidence line (`day first: a first field of 13 on line 57`) and any conflicting
//! evidence. Without evidence the order is assumed from the first header: `.` and `-` dates are
//! day first, `/` dates are day first with a 24-hour clock and month first with AM/PM (the US
//! locale is the common 12-hour `/` one); the note says `assumed`. `--date-order dmy|mdy|ymd`
//! overrides all of it, and the note says so (and what the dates suggested, if it differs).
//! Without a survey (a chunk parsed on its own) the assumed rule is applied per header line,
//! with a four-digit first field read as year first. Two-digit years are 20YY; 12 AM is 00 h
//! and 12 PM is 12 h. Times are the phone's wall time, resolved in `--source-tz`.
//!
//! **Author and system lines.** The author is the text before the first `: ` (or a `:` ending
//! the line) after the header, as written (a name or a number like `+44 7700 900123`) but
//! for the directional marks around it: phones wrap numbers (and names in right-to-left
//! locales) in U+202A … U+202C, which are dropped, as are U+200E/U+200F and isolates at its
//! ends; marks inside it stay. The
//! line is a system line (kind `system`, sender the empty string, body the whole text after
//! the header) when there is no such `: `, when that prefix is empty, when it holds an odd
//! number of quote marks (`"` `“` `”` `«` `»` `„`: the `: ` is inside a quoted group subject;
//! a name with a quoted nickname, `Thandi "Masi" Tshabalala: `, closes it), or when it holds a system phrase
//! ([`SYSTEM_PHRASES`]: `created group`, `changed the subject`, …), so that
//! `Lin Wei changed the subject to "a: b"` is not a message from `Lin Wei changed the subject
//! to "a`. Messages that merely say "left" or "added" stay messages. iOS marks group notices,
//! and also a person's own attachments, deletions and some messages, with a U+200E at the
//! start of the text: such a record is a system line (sender empty, body the text after the
//! `: `) only when it is no placeholder and its `Name` writes nothing but such lines in the
//! file (the group's name; decided by the survey) or its text holds a notice phrase
//! ([`NOTICE_PHRASES`], [`SYSTEM_PHRASES`]); otherwise it keeps its author. Arabic iOS
//! exports start such notices with U+200F instead; people's own Arabic text may start with
//! it too, so a U+200F line is a notice only by its phrase. Every system line is its own record.
//!
//! **Kinds.** Matched on the body without leading U+200E and trailing spaces:
//! - `attachment`: media placeholders ([`MEDIA_OMITTED`], e.g. `<Media omitted>`,
//!   `<Medien ausgelassen>`, `<Multimedia omitido>`, `<Без медиафайлов>`, `<media omitted>`,
//!   `image omitted` (older iOS: `<` U+200E `image omitted>`),
//!   `video omitted`, `… document omitted`, and iOS's forms in Arabic, Czech, French, German,
//!   Hindi, Indonesian, Italian, Japanese, Portuguese, Russian, Spanish, Thai, Ukrainian and
//!   Vietnamese as real exports write them, after a U+200E or U+200F), `NAME (file attached)` (and localised suffixes,
//!   [`FILE_ATTACHED`]) and `<attached: NAME>`, where `NAME` goes into `attachments`. When a
//!   caption follows the placeholder on later lines, the record keeps kind `message` and
//!   still lists the attachment.
//! - `deleted`: `This message was deleted`, `You deleted this message` and localised forms
//!   ([`DELETED`]).
//! - `call`: missed voice/video call lines ([`CALLS`]).
//!
//! **Body**: the text after the author's `: ` plus continuation lines joined with `\n`,
//! trailing blank lines dropped, `\r` before `\n` removed, nothing else changed: a trailing
//! `<This message was edited>` and any U+200E stay in the body as WhatsApp wrote them.
//!
//! **Channel**: the chat name from the file name: `WhatsApp Chat with Lin Wei.txt` → `Lin Wei`;
//! for `_chat.txt` the name of the zip or folder holding it (`WhatsApp Chat - Lin Wei.zip!/_chat.txt`
//! → `Lin Wei`); the prefixes in [`NAME_PREFIXES`] are stripped, otherwise the file stem.

use std::borrow::Cow;
use std::sync::LazyLock;

use super::scan::{body_text, next_line_where, trim_trailing_blank};
use aho_corasick::AhoCorasick;
use memchr::memchr;

use super::{
    About, Chunk, DateOrder, Format, Hint, ParseCtx, Sink, Survey, SurveyEnv, SurveyPart, excerpt,
    file_name,
};
use crate::model::{Kind, Message, Problem};
use crate::time::Civil;

mod header;
use header::{Head, date_like, head};

/// The `whatsapp` format.
#[derive(Debug, Clone, Copy)]
pub struct WhatsApp;

/// Chat-name prefixes of the exported file names, by locale.
pub const NAME_PREFIXES: &[&str] = &[
    "WhatsApp Chat with ",
    "WhatsApp Chat - ",
    "WhatsApp-Chat mit ",
    "Chat de WhatsApp con ",
    "Discussion WhatsApp avec ",
    "Conversa do WhatsApp com ",
    "Chat WhatsApp con ",
    "WhatsApp-chat met ",
    "Чат WhatsApp с ",
    "Переписка WhatsApp с ",
];

/// Phrases that make a `Name: ` prefix a system line (the text after them quotes user input
/// that may hold `: `).
pub const SYSTEM_PHRASES: &[&str] = &[
    " created group",
    " changed the subject",
    " changed the group name",
    " changed the group description",
    " changed this group's",
    " changed the name",
    " hat die Gruppe",
    " hat den Betreff",
    " hat den Gruppennamen",
    " creó el grupo",
    " cambió el asunto",
    " cambió el nombre",
    " cambió la descripción",
    " a créé le groupe",
    " a modifié",
    " a changé le sujet",
    " создал(а) группу",
    " создал группу",
    " изменил(а) тему",
    " изменил тему",
    " изменил(а) название",
    "创建了群组",
    "更改了群组",
];

/// Media placeholders that are the whole body (Android `<…>` forms and iOS `… omitted`).
pub const MEDIA_OMITTED: &[&str] = &[
    "<Media omitted>",
    "<Medien ausgelassen>",
    "<Multimedia omitido>",
    "<Multimedia omitidos>",
    "<Медиа отсутствуют>",
    "<Médias omis>",
    "<Mídia oculta>",
    "<Media omessi>",
    "<Media weggelaten>",
    "<省略了媒体文件>",
    "<Média elhagyva>",
    "<Media tidak disertakan>",
    "<Medya dahil edilmedi>",
    "<Pominięto multimedia>",
    "<Arquivo de mídia oculto>",
    "<Media utelämnad>",
    "<Medier udeladt>",
    "<Media jätettiin pois>",
    "<Média vynechána>",
    "<تم استبعاد الوسائط>",
    // Android, as real exports write them (starkdmi/whats_json, WhatsR's samples, and many
    // parsers written against real Spanish exports).
    "<Medien ausgeschlossen>",
    "<Archivo omitido>",
    "<Без медиафайлов>",
    "<Média vynechány>",
    "<media omitted>",
    "image omitted",
    "video omitted",
    "audio omitted",
    "sticker omitted",
    "GIF omitted",
    "Contact card omitted",
    "imagen omitida",
    "video omitido",
    "audio omitido",
    "sticker omitido",
    "Bild weggelassen",
    "Video weggelassen",
    "Audio weggelassen",
    "Sticker weggelassen",
    "изображение отсутствует",
    "видео отсутствует",
    "аудио отсутствует",
    // iOS, by locale, as a real export in each writes them (image, video, audio, contact
    // card, sticker, GIF).
    // cs
    "obrázek vynechán",
    "video vynecháno",
    "zvukový soubor vynechán",
    "Vizitka vynechána",
    "nálepka vynechána",
    "GIF vynechán",
    // de
    "Kontaktkarte ausgelassen",
    "GIF weggelassen",
    // fr
    "image absente",
    "vidéo absente",
    "audio omis",
    "Fiche contact manquante",
    "sticker omis",
    "GIF retiré",
    // hi
    "फ़ोटो हटाई गई",
    "वीडियो छोड़ा गया",
    "ऑडियो हटाई गयी",
    "कॉन्टैक्ट कार्ड छोड़ा गया",
    "स्टिकर छोड़ा गया",
    "GIF छोड़ा गया",
    // id
    "gambar tidak disertakan",
    "video tidak disertakan",
    "audio tidak disertakan",
    "Kartu kontak tidak disertakan",
    "stiker tidak disertakan",
    "GIF tidak disertakan",
    // it
    "immagine omessa",
    "video omesso",
    "audio omesso",
    "Scheda contatto omessa",
    "sticker non incluso",
    "GIF esclusa",
    // ja
    "画像は含まれていません",
    "ビデオは含まれていません",
    "音声は含まれていません",
    "連絡先カードを省略",
    "スタンプは含まれていません",
    "GIFは含まれていません",
    // pt
    "imagem não revelada",
    "vídeo não revelado",
    "ficheiro de áudio não revelado",
    "Contacto não revelado",
    "sticker não revelado",
    "GIF não revelada",
    // ru
    "аудиофайл отсутствует",
    "Карточка контакта отсутствует",
    "стикер не добавлен",
    "GIF отсутствует",
    // es
    "Video omitido",
    "Tarjeta de contacto omitida",
    "GIF omitido",
    // th
    "ไม่มีรูปภาพ",
    "วิดีโอถูกลบ",
    "ไม่มีไฟล์เสียง",
    "บัตรรายชื่อที่ละเว้น",
    "ไม่มีสติกเกอร์",
    "ละเว้น GIF",
    // uk
    "зображення відсутнє",
    "відео відсутнє",
    "аудіо відсутнє",
    "Картка контакту відсутня",
    "Наклейку не додано",
    "GIF-анімацію пропущено",
    // vi
    "đã bỏ qua hình ảnh",
    "đã bỏ video",
    "bỏ qua tệp âm thanh",
    "Bỏ qua thẻ liên lạc",
    "đã bỏ sticker",
    "Đã bỏ qua ảnh GIF",
    // ar
    "لم يتم إدراج الصورة",
    "لم يتم إدراج الفيديوهات",
    "لم يتم إدراج المقاطع الصوتية",
    "لم يتم إدراج بطاقة جهة اتصال",
    "تم حذف الملصقات",
    "لم يتم إدراج صورة GIF",
];

/// Suffixes of `NAME (file attached)` lines, by locale.
pub const FILE_ATTACHED: &[&str] = &[
    " (file attached)",
    " (Datei angehängt)",
    " (archivo adjunto)",
    " (fichier joint)",
    " (arquivo anexado)",
    " (file allegato)",
    " (bestand bijgevoegd)",
    " (файл добавлен)",
    " (文件已附上)",
];

/// Deletion notices (with and without a final `.`).
pub const DELETED: &[&str] = &[
    "This message was deleted",
    "You deleted this message",
    "Diese Nachricht wurde gelöscht",
    "Du hast diese Nachricht gelöscht",
    "Se eliminó este mensaje",
    "Eliminaste este mensaje",
    "Este mensaje fue eliminado",
    "Ce message a été supprimé",
    "Vous avez supprimé ce message",
    "Данное сообщение удалено",
    "Вы удалили данное сообщение",
    "此消息已删除",
    "你删除了此消息",
    // iOS, by locale, as real exports write them.
    // cs
    "Tuto zprávu jste smazal/a",
    "Tato zpráva byla smazána",
    // hi
    "आपने यह मैसेज डिलीट किया",
    "यह मैसेज डिलीट कर दिया गया है",
    // id
    "Anda menghapus pesan ini",
    "Pesan ini dihapus",
    // it
    "Hai eliminato questo messaggio",
    "Questo messaggio è stato eliminato",
    // ja
    "このメッセージを削除しました。",
    "このメッセージは削除されました。",
    // pt
    "Apagou esta mensagem",
    "Esta mensagem foi apagada",
    // th
    "คุณได้ลบข้อความนี้",
    "ข้อความนี้ถูกลบแล้ว",
    // uk
    "Ви видалили це повідомлення",
    "Це повідомлення було видалено",
    // vi
    "Bạn đã xoá tin nhắn này",
    "Tin nhắn này đã bị xóa",
    // ar
    "لقد حذَفت هذه الرسالة",
    "أنت حذفت هذه الرسالة",
    "تم حذف هذه الرسالة",
];

/// How iOS ends a shared document's line (`report.pdf • 3 pages ‎document omitted`), by
/// locale.
pub const DOCUMENT_OMITTED: &[&str] = &[
    "document omitted",
    "dokument vynechán",
    "Dokument weggelassen",
    "document manquant",
    "डॉक्यूमेंट छोड़ा गया",
    "dokumen tidak disertakan",
    "documento omesso",
    "ドキュメントは含まれていません",
    "documento não revelado",
    "документ отсутствует",
    "documento omitido",
    "ละเว้นเอกสาร",
    "документ пропущено",
    "đã bỏ qua tài liệu",
    "لم يتم إدراج المستند",
];

/// Missed-call lines.
pub const CALLS: &[&str] = &[
    "Missed voice call",
    "Missed video call",
    "Missed group voice call",
    "Missed group video call",
    "Verpasster Sprachanruf",
    "Verpasster Videoanruf",
    "Llamada perdida",
    "Videollamada perdida",
    "Llamada de voz perdida",
    "Appel vocal manqué",
    "Appel vidéo manqué",
    "Пропущенный аудиозвонок",
    "Пропущенный видеозвонок",
];

static SYSTEM_AC: LazyLock<AhoCorasick> =
    LazyLock::new(|| AhoCorasick::new(SYSTEM_PHRASES).expect("static phrases"));

const LRM: &str = "\u{200E}";

/// Whether text after `Name: ` starts with U+200F, the mark right-to-left locales (Arabic
/// iOS) write where others write U+200E. People's own Arabic text may start with it too, so
/// such a line is a notice only by its phrase ([`notice`] without the survey's authors).
#[inline]
fn rlm_marked(text: &str) -> bool {
    text.as_bytes().starts_with("\u{200F}".as_bytes())
}

/// A sender name without the directional marks around it: Android and iOS wrap phone
/// numbers (and names in right-to-left locales) in U+202A … U+202C, and may add U+200E or
/// U+200F. Marks inside the name stay.
#[inline]
fn bare_name(name: &str) -> &str {
    // Every mark is three bytes from 0xE2: most names neither start nor end with one.
    let b = name.as_bytes();
    if b.first() != Some(&0xE2) && (b.len() < 3 || b[b.len() - 3] != 0xE2) {
        return name;
    }
    name.trim_matches(|c| {
        matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

/// The order assumed when nothing in the dates decides it (see the module docs).
fn assumed(sep: u8, twelve_hour: bool) -> DateOrder {
    if sep == b'/' && twelve_hour {
        DateOrder::Mdy
    } else {
        DateOrder::Dmy
    }
}

/// The year a named date without one is read in when nothing says which (see the module
/// docs): a leap year, so 29 Feb reads, and one no WhatsApp export is from.
const UNKNOWN_YEAR: i32 = 2000;

/// The wall time of a header under a date order, if every field is in range. A named date
/// without a year is in `year_less`.
#[inline]
fn civil(h: &Head, order: DateOrder, year_less: i32) -> Option<Civil> {
    let (d, m, y) = if h.named() {
        (0, 1, 2)
    } else if h.len[1] == 4 {
        // The year in the middle (`06/2018/13`): the order places day and month.
        match order {
            DateOrder::Mdy => (2, 0, 1),
            _ => (0, 2, 1),
        }
    } else {
        match order {
            DateOrder::Dmy => (0, 1, 2),
            DateOrder::Mdy => (1, 0, 2),
            DateOrder::Ymd => (2, 1, 0),
        }
    };
    if h.len[d] > 2 || h.len[m] > 2 {
        return None;
    }
    let year = match h.len[y] {
        4 => h.f[y] as i32,
        0 => year_less,
        _ => 2000 + h.f[y] as i32,
    };
    let hour = match h.pm {
        None => h.hour,
        Some(pm) => {
            if h.hour > 12 {
                return None;
            }
            h.hour % 12 + if pm { 12 } else { 0 }
        }
    };
    let c = Civil {
        year,
        month: h.f[m],
        day: h.f[d],
        hour,
        minute: h.minute,
        second: h.second,
        micros: 0,
        frac_digits: 0,
    };
    c.is_valid().then_some(c)
}

fn order_name(o: DateOrder) -> &'static str {
    match o {
        DateOrder::Dmy => "day first",
        DateOrder::Mdy => "month first",
        DateOrder::Ymd => "year first",
    }
}

/// What the survey decided for a file: the header layout, the date order and the note
/// `inspect` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatsAppHint {
    /// The date order every header of the file is read with (`None`: the file has no header).
    pub order: Option<DateOrder>,
    /// The file's header layout ([`Head::layout`]: date or time first, numeric or named
    /// month); a header line in another layout is a pasted copy and continues the message it
    /// is in (`None`: no header).
    pub layout: Option<u8>,
    /// The year of named dates written without one (`18 Mar 12:14 - `), when the file has
    /// such dates.
    pub year: Option<i32>,
    /// What was decided and on what evidence.
    pub note: Option<String>,
    /// The `Name:` prefixes that only ever precede text starting with U+200E (iOS group
    /// notices carry the group's name there): such lines are system rows. A person's own
    /// U+200E lines (attachments, deletions, some messages) keep their author.
    pub notice_authors: std::collections::BTreeSet<Box<str>>,
}

impl Hint for WhatsAppHint {
    fn describe(&self) -> Option<String> {
        self.note.clone()
    }
}

/// Evidence for one order: the first line, the field value there, and how many lines.
#[derive(Debug, Clone, Copy, Default)]
struct Evidence {
    first: Option<(u64, u32)>,
    lines: u64,
}

impl Evidence {
    fn add(&mut self, line: u64, value: u32) {
        if self.first.is_none() {
            self.first = Some((line, value));
        }
        self.lines += 1;
    }
}

/// What the headers of one layout ([`Head::layout`]) say.
#[derive(Debug, Default)]
struct Layout {
    /// Header lines in this layout, and the first of them.
    lines: u64,
    first_line: Option<u64>,
    /// Day first, month first, year first.
    ev: [Evidence; 3],
    /// Separator and clock of the first numeric header.
    first: Option<(u8, bool)>,
    /// Named dates: the latest year written (and the last line writing it), and the first
    /// line without a year.
    latest_year: Option<(u32, u64)>,
    year_less: Option<u64>,
    /// Authors of at least one line whose text does not start with U+200E.
    plain: AuthorSet,
    /// Authors of lines whose text starts with U+200E and is no placeholder.
    lrm: AuthorSet,
    /// The last author added to `plain` (consecutive lines share an author; one compare
    /// instead of a hash lookup).
    last_plain: String,
}

type AuthorSet = std::collections::HashSet<Box<str>, foldhash::fast::FixedState>;

impl Layout {
    /// Notes the author of a header line whose text after the header is `rest`.
    #[inline]
    fn author(&mut self, rest: &str) {
        let Some((a, body)) = author_split(rest.as_bytes()) else {
            return;
        };
        let (name, after) = (&rest[..a], &rest[body..]);
        if system_prefix(name) {
            return;
        }
        if after.starts_with(LRM) {
            if classify(after, false).0 == Kind::Message && !self.lrm.contains(name) {
                self.lrm.insert(name.into());
            }
        } else if self.last_plain != name {
            if !self.plain.contains(name) {
                self.plain.insert(name.into());
            }
            self.last_plain.clear();
            self.last_plain.push_str(name);
        }
    }

    /// Notes a header `h` on `line`.
    #[inline]
    fn header(&mut self, h: &Head, line: u64) {
        self.lines += 1;
        if self.first_line.is_none() {
            self.first_line = Some(line);
        }
        if h.named() {
            if h.len[2] == 0 {
                self.year_less = self.year_less.or(Some(line));
            } else if self.latest_year.is_none_or(|(y, _)| h.f[2] >= y) {
                self.latest_year = Some((h.f[2], line));
            }
            return;
        }
        if self.first.is_none() {
            self.first = Some((h.sep, h.pm.is_some()));
        }
        if h.len[0] == 4 {
            self.ev[2].add(line, h.f[0]);
        } else if h.len[1] == 4 {
            if h.f[0] > 12 {
                self.ev[0].add(line, h.f[0]);
            }
            if h.f[2] > 12 {
                self.ev[1].add(line, h.f[2]);
            }
        } else {
            if h.f[0] > 12 {
                self.ev[0].add(line, h.f[0]);
            }
            if h.f[1] > 12 {
                self.ev[1].add(line, h.f[1]);
            }
        }
    }

    fn evidence_text(&self, k: usize) -> Option<String> {
        let (line, v) = self.ev[k].first?;
        Some(match k {
            0 => format!("a first field of {v} on line {line}"),
            1 => format!("a second field of {v} on line {line}"),
            _ => format!("a four-digit first field on line {line}"),
        })
    }

    /// The order the dates themselves decide, with the note's evidence part.
    fn decided(&self) -> Option<(DateOrder, String)> {
        const ORDERS: [DateOrder; 3] = [DateOrder::Dmy, DateOrder::Mdy, DateOrder::Ymd];
        let best = (0..3).filter(|&k| self.ev[k].lines > 0).max_by_key(|&k| {
            let first = self.ev[k].first.map_or(u64::MAX, |f| f.0);
            (self.ev[k].lines, std::cmp::Reverse(first))
        })?;
        let mut text = self.evidence_text(best)?;
        let others: Vec<usize> = (0..3)
            .filter(|&k| k != best && self.ev[k].lines > 0)
            .collect();
        if !others.is_empty() {
            let n = self.ev[best].lines;
            text.push_str(&format!(" ({n} {})", plural(n)));
            for k in others {
                let n = self.ev[k].lines;
                text.push_str(&format!(
                    "; conflicting: {} says {} ({n} {})",
                    self.evidence_text(k).unwrap_or_default(),
                    order_name(ORDERS[k]),
                    plural(n)
                ));
            }
        }
        Some((ORDERS[best], text))
    }

    /// Takes in what a survey of the text after this one's found.
    fn absorb(&mut self, later: Layout) {
        self.lines += later.lines;
        self.first_line = self.first_line.or(later.first_line);
        for (ev, l) in self.ev.iter_mut().zip(later.ev) {
            ev.first = ev.first.or(l.first);
            ev.lines += l.lines;
        }
        self.first = self.first.or(later.first);
        self.latest_year = match (self.latest_year, later.latest_year) {
            (Some(a), Some(b)) if b.0 >= a.0 => Some(b),
            (a, b) => a.or(b),
        };
        self.year_less = self.year_less.or(later.year_less);
        if self.plain.is_empty() {
            self.plain = later.plain;
        } else {
            self.plain.extend(later.plain);
        }
        if self.lrm.is_empty() {
            self.lrm = later.lrm;
        } else {
            self.lrm.extend(later.lrm);
        }
        self.last_plain = later.last_plain;
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "line" } else { "lines" }
}

/// Reads every header of a file to decide its layout and date order.
#[derive(Debug)]
struct DateSurvey {
    option: Option<DateOrder>,
    /// `--year`: the year of named dates written without one.
    year: Option<i32>,
    /// The headers of each layout ([`Head::layout`]).
    layouts: [Layout; 4],
    /// The layout of the first header.
    first_layout: Option<usize>,
}

impl SurveyPart for DateSurvey {
    fn feed(&mut self, text: &str, offset: u64, line: u64) {
        Survey::feed(self, text, offset, line);
    }
}

impl DateSurvey {
    /// Takes in what a survey of the text after this one's found.
    fn absorb(&mut self, later: DateSurvey) {
        for (l, later) in self.layouts.iter_mut().zip(later.layouts) {
            l.absorb(later);
        }
        self.first_layout = self.first_layout.or(later.first_layout);
    }

    fn new(option: Option<DateOrder>, year: Option<i32>) -> Self {
        DateSurvey {
            option,
            year,
            layouts: Default::default(),
            first_layout: None,
        }
    }
}

impl Survey for DateSurvey {
    fn split(&self) -> Option<Box<dyn SurveyPart>> {
        Some(Box::new(DateSurvey::new(self.option, self.year)))
    }

    fn join(&mut self, part: Box<dyn SurveyPart>) {
        let part: Box<dyn std::any::Any + Send> = part;
        if let Ok(later) = part.downcast::<DateSurvey>() {
            self.absorb(*later);
        }
    }

    fn feed(&mut self, text: &str, _offset: u64, line: u64) {
        let b = text.as_bytes();
        let mut pos = 0usize;
        let mut line = line;
        while pos < b.len() {
            let eol = memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i);
            if let Some(h) = head(&b[pos..eol]) {
                let k = usize::from(h.layout());
                if self.first_layout.is_none() {
                    self.first_layout = Some(k);
                }
                let layout = &mut self.layouts[k];
                if let Some(rest) = text.get(pos + h.text..eol) {
                    layout.author(rest);
                }
                layout.header(&h, line);
            }
            line += 1;
            pos = eol + 1;
        }
    }

    fn finish(self: Box<Self>) -> Box<dyn Hint> {
        let first_layout = self.first_layout;
        if first_layout.is_none() && self.option.is_none() {
            return Box::new(WhatsAppHint {
                order: None,
                layout: None,
                year: None,
                note: None,
                notice_authors: Default::default(),
            });
        }
        // The layout of most header lines; a tie goes to the first header's.
        let k = (0..self.layouts.len())
            .max_by_key(|&k| (self.layouts[k].lines, first_layout == Some(k)))
            .unwrap_or(0);
        let main = &self.layouts[k];
        let notice_authors: std::collections::BTreeSet<Box<str>> = main
            .lrm
            .iter()
            .filter(|a| !main.plain.contains(*a))
            .cloned()
            .collect();
        let mut notes = Vec::new();
        let decided = main.decided();
        let order = match (self.option, &decided, main.first) {
            (Some(o), Some((d, ev)), _) if *d != o => {
                notes.push(format!(
                    "{} (--date-order {}; the dates say {}: {ev})",
                    order_name(o),
                    o.as_str(),
                    order_name(*d)
                ));
                Some(o)
            }
            (Some(o), _, _) => {
                notes.push(format!("{} (--date-order {})", order_name(o), o.as_str()));
                Some(o)
            }
            (None, Some((d, ev)), _) => {
                notes.push(format!("{}: {ev}", order_name(*d)));
                Some(*d)
            }
            (None, None, Some((sep, twelve))) => {
                let o = assumed(sep, twelve);
                let why = match (sep, twelve) {
                    (b'/', true) => "`/` dates with AM/PM are month first",
                    (b'/', false) => "`/` dates with a 24-hour clock are day first",
                    (b'.', _) => "`.` dates are day first",
                    _ => "`-` dates are day first",
                };
                notes.push(format!(
                    "{} (assumed: no date field above 12 decides it; {why})",
                    order_name(o)
                ));
                Some(o)
            }
            // Only named dates: no order to decide.
            (None, None, None) => None,
        };
        let year = main.year_less.map(|_| {
            let (year, why) = match (self.year, main.latest_year) {
                (Some(y), _) => (y, format!("--year {y}")),
                (None, Some((y, line))) => (
                    y as i32 + 1,
                    format!(
                        "the year after the last one written, {y} on line {line}: exports leave out the year of the current year's dates only"
                    ),
                ),
                (None, None) => (
                    UNKNOWN_YEAR,
                    "no year is written in the file; pass --year".to_string(),
                ),
            };
            notes.push(format!("dates without a year read as {year} ({why})"));
            year
        });
        let others = self.layouts.iter().enumerate().filter(|(i, _)| *i != k);
        let n: u64 = others.clone().map(|(_, l)| l.lines).sum();
        if let Some(at) = others.filter_map(|(_, l)| l.first_line).min() {
            notes.push(format!(
                "{n} header-like {} in another layout read as message text (copied messages; the first on line {at})",
                plural(n)
            ));
        }
        Box::new(WhatsAppHint {
            order,
            layout: first_layout.map(|_| k as u8),
            year,
            note: Some(notes.join("; ")),
            notice_authors,
        })
    }
}

/// Whether a line is a header with a valid date under some order, for sniffing. A
/// `Name:` followed by a tab is the TrickBot layout (`[04.11.21 10:02:17] vega:\t\tx`),
/// not WhatsApp.
fn sniff_header(l: &str) -> bool {
    let Some(h) = head(l.as_bytes()) else {
        return false;
    };
    let rest = l.as_bytes().get(h.text..).unwrap_or(&[]);
    if let Some(c) = memchr(b':', rest)
        && rest.get(c + 1) == Some(&b'\t')
    {
        return false;
    }
    [DateOrder::Dmy, DateOrder::Mdy, DateOrder::Ymd]
        .iter()
        .any(|&o| civil(&h, o, UNKNOWN_YEAR).is_some())
}

/// What a skipped `.txt` file is told when it looks like a WhatsApp export in a layout that
/// no header reading matches: most of its first non-blank lines start with something
/// date-like (`12/03/2022`, `[2018. 6. 13.`, `21:25`) and none is a header. The first such
/// line, for the message `looks like a WhatsApp export but no header layout matched: LINE`.
pub fn unmatched_layout<'h>(path: &str, head_text: &'h str) -> Option<&'h str> {
    if !file_name(path).to_ascii_lowercase().ends_with(".txt") {
        return None;
    }
    let mut lines = 0;
    let mut dated = 0;
    let mut first = None;
    for l in head_text.lines().filter(|l| !l.trim().is_empty()).take(12) {
        lines += 1;
        if sniff_header(l) {
            return None;
        }
        if date_like(l.as_bytes()) {
            dated += 1;
            first = first.or(Some(l));
        }
    }
    (dated * 2 > lines).then_some(first).flatten()
}

/// Phrases of the notices WhatsApp writes under a person's name (the encryption notice and
/// a changed security code in a one-to-one chat, member changes), by locale; the
/// [`SYSTEM_PHRASES`] count too.
pub const NOTICE_PHRASES: &[&str] = &[
    "end-to-end",
    "security code",
    "extremo a extremo",
    "Ende-zu-Ende",
    "de bout en bout",
    "ponta a ponta",
    "сквозным шифрованием",
    "端到端",
    "エンドツーエンド",
    "종단간",
    "uçtan uca",
    "από άκρο σε άκρο",
    "تشفير",
    // Arabic iOS: `الرسائل والمكالمات مشفرة تمامًا بين الطرفين` (end to end).
    "بين الطرفين",
    // Arabic iOS: `تغيّر رمز أمانك المُستخدَم مع …` (your security code changed).
    "رمز أمانك",
    " added ",
    " removed ",
    " left",
    " joined using",
    " changed their phone number",
];

/// Whether a line `Name: ‎text` (text starting with U+200E, no placeholder) is a notice:
/// `Name` only ever writes such lines in the file (the survey's `notice_authors`), or the
/// text holds one of the [`NOTICE_PHRASES`] or [`SYSTEM_PHRASES`]. Otherwise it is the
/// person's own message.
fn notice(name: &str, text: &str, hint: Option<&WhatsAppHint>) -> bool {
    hint.is_some_and(|h| h.notice_authors.contains(name))
        || NOTICE_PHRASES.iter().any(|p| text.contains(p))
        || SYSTEM_AC.is_match(text)
}

/// Where the author ends and the message text starts in `rest` (the text after the header):
/// the first `: `, or a `:` that ends the line.
#[inline]
fn author_split(rest: &[u8]) -> Option<(usize, usize)> {
    let mut from = 0usize;
    while let Some(k) = memchr(b':', &rest[from..]) {
        let p = from + k;
        match rest.get(p + 1) {
            Some(b' ') => return Some((p, p + 2)),
            None => return Some((p, p + 1)),
            Some(b'\r') if p + 2 == rest.len() => return Some((p, p + 1)),
            _ => from = p + 1,
        }
    }
    None
}

/// The bytes [`system_prefix`] acts on: `"`, a space, and the lead bytes 0xC2, 0xE2, 0xE4
/// of `«`, `“ ” „` and `了`.
static PREFIX_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b' ' as usize] = true;
    t[0xC2] = true;
    t[0xE2] = true;
    t[0xE4] = true;
    t
};

/// Whether a `Name: ` prefix is really the start of a system line (see the module docs).
///
/// One pass over the bytes finds quote marks (`"`, and `“ ” „` / `«` by their UTF-8 bytes)
/// and whether any system phrase could occur at all: every phrase starts with a space and
/// `c`, `h`, `a`, `с` or `и`, or holds `了` (the Chinese ones). Only then is the phrase
/// automaton run.
#[inline]
fn system_prefix(prefix: &str) -> bool {
    let b = prefix.as_bytes();
    if b.is_empty() || b.starts_with(LRM.as_bytes()) {
        return true;
    }
    let mut maybe_phrase = false;
    let mut quotes = 0u32;
    for (i, &c) in b.iter().enumerate() {
        // Most bytes of a name are none of the five the match below looks at; one table
        // load skips them (the match then sees exactly the bytes it acts on).
        if !PREFIX_BYTES[usize::from(c)] {
            continue;
        }
        match c {
            b'"' => quotes += 1,
            0xE2 if b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0x9C..=0x9E)) => {
                quotes += 1;
            }
            0xC2 if matches!(b.get(i + 1), Some(0xAB | 0xBB)) => quotes += 1,
            b' ' => {
                maybe_phrase |= match b.get(i + 1) {
                    Some(b'c' | b'h' | b'a') => true,
                    // `с` (создал) and `и` (изменил).
                    Some(0xD1) => b.get(i + 2) == Some(&0x81),
                    Some(0xD0) => b.get(i + 2) == Some(&0xB8),
                    _ => false,
                }
            }
            // `了` (创建了群组, 更改了群组).
            0xE4 if b.get(i + 1) == Some(&0xBA) && b.get(i + 2) == Some(&0x86) => {
                maybe_phrase = true;
            }
            _ => {}
        }
    }
    // An odd number of quote marks: the `: ` lies inside a quotation (a group subject or
    // description), so this is no name. A name may hold a quoted nickname, closed before
    // its `: ` (`Thandi "Masi" Tshabalala: hi`).
    quotes % 2 == 1 || maybe_phrase && SYSTEM_AC.is_match(prefix)
}

/// `s` without trailing spaces, tabs and a final `.`.
fn core(s: &str) -> &str {
    let s = s.trim_end_matches([' ', '\t', '\r']);
    s.strip_suffix('.').unwrap_or(s)
}

type Exact = std::collections::HashMap<&'static str, Kind, foldhash::fast::FixedState>;

/// Whole-body placeholders by their [`core`] text, and a mask of their byte lengths.
static EXACT: LazyLock<(Exact, u128)> = LazyLock::new(|| {
    let mut m = Exact::with_hasher(foldhash::fast::FixedState::with_seed(7));
    let mut lengths = 0u128;
    for (list, kind) in [
        (MEDIA_OMITTED, Kind::Attachment),
        (DELETED, Kind::Deleted),
        (CALLS, Kind::Call),
    ] {
        for &k in list {
            m.insert(k, kind);
            if k.len() < 128 {
                lengths |= 1 << k.len();
            }
        }
    }
    (m, lengths)
});

/// The kind of a body and the attachment it names, if any (see the module docs). `first`
/// is the body's first line and `more` whether other lines follow.
#[inline]
fn classify(first: &str, more: bool) -> (Kind, Option<&str>) {
    // Right-to-left locales (Arabic) mark the text with U+200F where others use U+200E.
    let first = first
        .trim_start_matches(['\u{200E}', '\u{200F}'])
        .trim_end_matches([' ', '\t', '\r']);
    let kind_of = |more: bool| {
        if more {
            Kind::Message
        } else {
            Kind::Attachment
        }
    };
    if first.len() > 120 {
        return (Kind::Message, None);
    }
    if let Some(r) = first.strip_prefix("<attached: ")
        && let Some(name) = r.strip_suffix('>')
    {
        return (kind_of(more), Some(name));
    }
    if first.ends_with(')') {
        for suf in FILE_ATTACHED {
            if let Some(name) = first.strip_suffix(suf) {
                let name = name.trim_start_matches('\u{200E}');
                if !name.is_empty() {
                    return (kind_of(more), Some(name));
                }
            }
        }
    }
    if more {
        return (Kind::Message, None);
    }
    if DOCUMENT_OMITTED.iter().any(|d| first.ends_with(d)) {
        return (Kind::Attachment, None);
    }
    let c = core(first);
    if let Some(k) = exact(c) {
        return (k, None);
    }
    // Older iOS exports wrap the placeholder in brackets after a U+200E
    // (`<\u{200E}image omitted>`).
    if let Some(inner) = c
        .strip_prefix("<\u{200E}")
        .and_then(|r| r.strip_suffix('>'))
        && exact(inner) == Some(Kind::Attachment)
    {
        return (Kind::Attachment, None);
    }
    (Kind::Message, None)
}

/// The kind of a whole-body placeholder (its [`core`] text), if it is one.
#[inline(always)]
fn exact(c: &str) -> Option<Kind> {
    let (map, lengths) = &*EXACT;
    if c.len() < 128 && lengths & (1 << c.len()) != 0 {
        map.get(c).copied()
    } else {
        None
    }
}

/// The chat name from a display path (see the module docs).
pub fn chat_name(path: &str) -> &str {
    let mut p = path;
    let mut name = file_name(p);
    if name == "_chat.txt" {
        p = &p[..p.len() - name.len()];
        p = p
            .strip_suffix("!/")
            .or_else(|| p.strip_suffix('/'))
            .or_else(|| p.strip_suffix('\\'))
            .unwrap_or(p);
        if !p.is_empty() {
            name = file_name(p);
        }
    }
    let stem = match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    };
    for pre in NAME_PREFIXES {
        if let Some(rest) = stem.strip_prefix(pre)
            && !rest.is_empty()
        {
            return rest;
        }
    }
    stem
}

/// A record whose header was read and whose body runs to the next header.
struct Pending<'a> {
    civil: Civil,
    start: usize,
    line: u64,
    sender: &'a str,
    system: bool,
    /// Start of the body relative to the chunk.
    body: usize,
    /// End of the header line relative to the chunk.
    first_eol: usize,
    /// Whether a line of the record ends with `\r`.
    cr: bool,
}

fn expected_header() -> &'static str {
    "expected WhatsApp lines like `12/03/2022, 21:04 - Name: text` (Android) or `[12/03/2022, 9:07:11 PM] Name: text` (iOS)"
}

impl Format for WhatsApp {
    about! { "whatsapp", ["WhatsApp Chat with Lin Wei.txt", "WhatsApp Chat - Lin Wei.zip!/_chat.txt"], "WhatsApp \"Export chat\" text, Android and iOS layouts (`.txt`, `_chat.txt` in the iOS zip), any locale's date order" }

    fn sniff(&self, path: &str, head_text: &str) -> u8 {
        let name = file_name(path);
        let lower = name.to_ascii_lowercase();
        if [".md", ".json", ".html", ".htm", ".csv", ".jsonl"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            return 0;
        }
        let named = name == "_chat.txt" || NAME_PREFIXES.iter().any(|p| name.starts_with(p));
        let lines = head_text.lines().filter(|l| !l.trim().is_empty());
        let mut headers = 0;
        let mut first_at = None;
        for (i, l) in lines.take(12).enumerate() {
            if sniff_header(l) {
                headers += 1;
                first_at = first_at.or(Some(i));
            }
        }
        let first_ok = first_at == Some(0);
        match headers {
            // A file named like an export but without a header: still ours, so the parse
            // reports what header was expected.
            0 if named => 10,
            _ if named => 95,
            // An export cut at its start begins with the tail of a message: a line or two,
            // then headers.
            n if !first_ok && n >= 3 && first_at.is_some_and(|i| i <= 2) => 60,
            _ if !first_ok => 0,
            n if n >= 3 => 85,
            _ => 40,
        }
    }

    fn next_record(&self, text: &str, from: usize) -> Option<usize> {
        next_line_where(text, from, |l| head(l.as_bytes()).is_some())
    }

    fn next_record_in(&self, text: &str, from: usize, hint: Option<&dyn Hint>) -> Option<usize> {
        let any: Option<&dyn std::any::Any> = hint.map(|h| h as &dyn std::any::Any);
        let layout = any
            .and_then(|a| a.downcast_ref::<WhatsAppHint>())
            .and_then(|h| h.layout);
        next_line_where(text, from, |l| {
            head(l.as_bytes()).is_some_and(|h| layout.is_none_or(|t| h.layout() == t))
        })
    }

    fn survey(&self, env: &mut SurveyEnv<'_>) -> Option<Box<dyn Survey>> {
        Some(Box::new(DateSurvey::new(
            env.options.date_order,
            env.options.year,
        )))
    }

    fn parse<'a>(&self, chunk: &Chunk<'a>, ctx: &ParseCtx<'a>, sink: &mut dyn Sink<'a>) {
        let text = chunk.text;
        let b = text.as_bytes();
        let order = ctx
            .options
            .date_order
            .or_else(|| ctx.hint::<WhatsAppHint>().and_then(|h| h.order));
        let channel = chat_name(ctx.path);
        let hint = ctx.hint::<WhatsAppHint>();
        // Header lines in the other layout are pasted copies: message text.
        let layout = hint.and_then(|h| h.layout);
        let year_less = hint
            .and_then(|h| h.year)
            .or(ctx.options.year)
            .unwrap_or(UNKNOWN_YEAR);
        let mut r = ctx.resolver();

        let mut emit = |p: Pending<'a>, end: usize, sink: &mut dyn Sink<'a>| {
            let slice = text.get(p.body.min(end)..end).unwrap_or("");
            let raw = trim_trailing_blank(slice);
            let (kind, attachment) = if p.system {
                (Kind::System, None)
            } else {
                let first_len = p.first_eol.saturating_sub(p.body);
                match raw.get(..first_len) {
                    Some(first) if first_len < raw.len() => classify(first, true),
                    _ => classify(raw, false),
                }
            };
            let body = if p.cr {
                body_text(raw)
            } else {
                Cow::Borrowed(raw)
            };
            // The resolver caches the day's epoch seconds (UTC stamps need nothing else).
            let time = r.resolve(&p.civil);
            let mut m = Message::new(time, p.sender, body, ctx.loc(chunk, p.start, p.line));
            m.kind = kind;
            if let Some(a) = attachment {
                m.attachments.push(Cow::Borrowed(a));
            }
            m.channel = Some(Cow::Borrowed(channel));
            sink.message(m);
        };

        let mut pending: Option<Pending<'a>> = None;
        // Text before the first header: (offset, line, excerpt) of its first non-blank line.
        let mut before: Option<(usize, u64)> = None;
        let mut seen = false;
        let mut pos = 0usize;
        let mut line = chunk.line;
        while pos < b.len() {
            let eol = memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i);
            let lb = &b[pos..eol];
            if let Some(h) = head(lb)
                && layout.is_none_or(|t| h.layout() == t)
            {
                if let Some(p) = pending.take() {
                    emit(p, pos, sink);
                }
                if !seen {
                    seen = true;
                    if let Some((at, at_line)) = before.take() {
                        let l = text.get(at..).unwrap_or("").lines().next().unwrap_or("");
                        sink.problem(Problem::new(
                            ctx.loc(chunk, at, at_line),
                            format!("text before the first WhatsApp header: {}", excerpt(l)),
                        ));
                    }
                }
                let o = order.unwrap_or_else(|| {
                    if h.len[0] == 4 {
                        DateOrder::Ymd
                    } else {
                        assumed(h.sep, h.pm.is_some())
                    }
                });
                match civil(&h, o, year_less) {
                    Some(c) => {
                        let rest = text.get(pos + h.text..eol).unwrap_or("");
                        let (sender, system, body) = match author_split(rest.as_bytes()) {
                            Some((a, body)) if !system_prefix(&rest[..a]) => {
                                let after = &rest[body..];
                                let lrm = after.starts_with(LRM);
                                if (lrm || rlm_marked(after))
                                    && classify(after, false).0 == Kind::Message
                                    && notice(&rest[..a], after, hint.filter(|_| lrm))
                                {
                                    ("", true, pos + h.text + body)
                                } else {
                                    (bare_name(&rest[..a]), false, pos + h.text + body)
                                }
                            }
                            _ => ("", true, pos + h.text),
                        };
                        pending = Some(Pending {
                            civil: c,
                            start: pos,
                            line,
                            sender,
                            system,
                            body,
                            first_eol: eol,
                            cr: lb.last() == Some(&b'\r'),
                        });
                    }
                    None => {
                        let l = text.get(pos..eol).unwrap_or("");
                        sink.problem(Problem::new(
                            ctx.loc(chunk, pos, line),
                            format!(
                                "bad date or time in WhatsApp header (read {}): {}",
                                order_name(o),
                                excerpt(l)
                            ),
                        ));
                    }
                }
            } else if let Some(p) = pending.as_mut() {
                p.cr |= lb.last() == Some(&b'\r');
            } else if !seen
                && before.is_none()
                && !lb.iter().all(|&x| matches!(x, b' ' | b'\t' | b'\r'))
            {
                before = Some((pos, line));
            }
            line += 1;
            pos = eol + 1;
        }
        if let Some(p) = pending.take() {
            emit(p, b.len(), sink);
        }
        if let Some((at, at_line)) = before {
            let l = text.get(at..).unwrap_or("").lines().next().unwrap_or("");
            let what = if chunk.last {
                format!(
                    "no WhatsApp header in {}: {}; found {}",
                    ctx.path,
                    expected_header(),
                    excerpt(l)
                )
            } else {
                // The next chunk starts at a header (chunks are cut at headers).
                format!("text before the first WhatsApp header: {}", excerpt(l))
            };
            sink.problem(Problem::new(ctx.loc(chunk, at, at_line), what));
        }
        sink.dst_adjusted(r.adjusted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testkit::{self, Find, Subject};
    use crate::formats::testkit::{bodies, kinds, problem_lines};
    use crate::formats::{Collect, FormatOptions, parse_text, survey_text};
    use crate::time::Zone;
    use proptest::prelude::*;

    testkit::fixtures!("whatsapp": ANDROID "WhatsApp Chat with Lin Wei.txt",
        IOS "ios/WhatsApp Chat - Lin Wei/_chat.txt", US "WhatsApp Chat with Dana Kim.txt",
        ES "Chat de WhatsApp con Ana.txt", BAD "bad/WhatsApp Chat with Bad.txt");

    fn parse<'a>(path: &'a str, text: &'a str) -> Collect<'a> {
        testkit::parse(&WhatsApp, path, text)
    }

    /// Parses with the survey's hint, as the pipeline does; and what the survey says.
    fn surveyed(text: &str, order: Option<DateOrder>) -> (Collect<'_>, Option<String>) {
        let options = FormatOptions {
            date_order: order,
            ..Default::default()
        };
        let hint = survey_text(&WhatsApp, "c.txt", text, options).expect("a survey");
        let c = testkit::surveyed(&WhatsApp, "c.txt", text, Zone::Utc, options, usize::MAX);
        (c, hint.describe())
    }

    /// Each row's sender and kind, in order.
    fn senders_and_kinds<'a>(c: &'a Collect<'_>) -> Vec<(&'a str, Kind)> {
        c.messages
            .iter()
            .map(|m| (m.sender.as_ref(), m.kind))
            .collect()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        let c = Civil::at(y, mo, d, h, mi, s);
        c.unix_seconds_as_utc() * 1_000_000
    }

    #[test]
    fn localised_ios_placeholders_and_deletions_keep_their_author() {
        // As real iOS exports write them, in Czech, Italian, Vietnamese and Arabic (U+200F).
        let t = "[3/18/22 14:56:00] Elon Musk: \u{200e}Zprávy a hovory jsou opatřeny koncovým šifrováním.\n\
                 \u{200e}[3/27/22 21:41:55] Dmitry S: \u{200e}obrázek vynechán\n\
                 \u{200e}[3/27/22 21:42:00] Dmitry S: \u{200e}immagine omessa\n\
                 \u{200e}[3/27/22 21:43:00] Dmitry S: \u{200e}đã bỏ qua hình ảnh\n\
                 \u{200e}[3/27/22 21:44:00] Dmitry S: \u{200f}لم يتم إدراج الصورة\n\
                 \u{200e}[3/27/22 21:50:09] Dmitry S: Some file.txt \u{200e}dokument vynechán\n\
                 [3/27/22 21:50:54] Dmitry S: \u{200e}Tuto zprávu jste smazal/a.\n\
                 [3/27/22 21:54:45] Elon Musk: \u{200e}Tato zpráva byla smazána.\n";
        let (c, _) = surveyed(t, None);
        let got = senders_and_kinds(&c);
        assert_eq!(
            got,
            [
                ("", Kind::System),
                ("Dmitry S", Kind::Attachment),
                ("Dmitry S", Kind::Attachment),
                ("Dmitry S", Kind::Attachment),
                ("Dmitry S", Kind::Attachment),
                ("Dmitry S", Kind::Attachment),
                ("Dmitry S", Kind::Deleted),
                ("Elon Musk", Kind::Deleted),
            ]
        );
    }

    #[test]
    fn formats_md_example_reads_android_and_ios_lines() {
        let t = "12/03/2022, 21:04 - Lin Wei: 明天还要加班吗\n12/03/2022, 21:05 - Sam Porter: yes, the client moved the deadline\nagain.\n12/03/2022, 21:06 - Lin Wei: <Media omitted>\n[12/03/2022, 9:07:11 PM] Sam Porter: ok\n";
        // The survey reads the first header's 24-hour clock: `/` dates are day first.
        let (c, _) = surveyed(t, None);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(
            bodies(&c),
            [
                "明天还要加班吗",
                "yes, the client moved the deadline\nagain.",
                "<Media omitted>",
                "ok"
            ]
        );
        assert_eq!(c.messages[2].kind, Kind::Attachment);
        assert_eq!(c.messages[3].time.micros, utc(2022, 3, 12, 21, 7, 11));
        assert_eq!(c.messages[3].loc.line, 5);
        assert_eq!(c.messages[0].channel.as_deref(), Some("c"));
        // Without a survey each line is read by the assumed rule: AM/PM `/` is month first.
        let c = parse("WhatsApp Chat with Lin Wei.txt", t);
        assert_eq!(c.messages[3].time.micros, utc(2022, 12, 3, 21, 7, 11));
        assert_eq!(c.messages[0].channel.as_deref(), Some("Lin Wei"));
    }

    #[test]
    fn twelve_hour_markers_in_every_spelling_are_read() {
        for (m, pm) in [
            ("PM", true),
            ("pm", true),
            ("p.m.", true),
            ("p. m.", true),
            ("p.\u{a0}m.", true),
            ("AM", false),
            ("a. m.", false),
            ("a.m.", false),
        ] {
            for space in [" ", "\u{a0}", "\u{202f}"] {
                let line = format!("1/2/22, 9:07{space}{m} - A: x");
                let h = head(line.as_bytes()).unwrap_or_else(|| panic!("{line:?}"));
                assert_eq!(h.pm, Some(pm), "{line:?}");
                assert_eq!(&line[h.text..], "A: x");
            }
        }
        let h = head("[1/2/22, 12:00:00\u{202f}AM] A: x".as_bytes()).unwrap();
        assert_eq!(civil(&h, DateOrder::Dmy, UNKNOWN_YEAR).unwrap().hour, 0);
        let h = head(b"1/2/22, 12:30 PM - A: x").unwrap();
        assert_eq!(civil(&h, DateOrder::Dmy, UNKNOWN_YEAR).unwrap().hour, 12);
        let h = head(b"1/2/22, 13:30 PM - A: x").unwrap();
        assert_eq!(civil(&h, DateOrder::Dmy, UNKNOWN_YEAR), None);
    }

    #[test]
    fn east_asian_markers_before_the_time_are_read_as_am_and_pm() {
        for (line, hour, minute) in [
            ("2022/3/12 下午9:07 - 王芳: 好", 21, 7),
            ("2022/3/12 上午12:05 - 王芳: 好", 0, 5),
            ("2022/3/12 下午12:15 - 王芳: 好", 12, 15),
            ("2022/3/12 下午 1:00 - 王芳: 好", 13, 0),
            ("2022/03/12 午後9:07 - 田中: 好", 21, 7),
            ("2022/03/12 午前9:07 - 田中: 好", 9, 7),
            ("[2022/3/12, 오후 9:07:11] 김민수: 好", 21, 7),
        ] {
            let h = head(line.as_bytes()).unwrap_or_else(|| panic!("{line:?}"));
            let c = civil(&h, DateOrder::Ymd, UNKNOWN_YEAR).unwrap_or_else(|| panic!("{line:?}"));
            assert_eq!((c.hour, c.minute), (hour, minute), "{line:?}");
            assert!(line[h.text..].ends_with(": 好"), "{line:?}");
        }
        // A marker on both sides, or one that is not a marker, is not a header.
        assert!(head("2022/3/12 下午9:07 PM - A: x".as_bytes()).is_none());
        assert!(head("2022/3/12 中午9:07 - A: x".as_bytes()).is_none());
        assert!(
            head("2022/3/12 下午13:07 - A: x".as_bytes()).is_some_and(|h| civil(
                &h,
                DateOrder::Ymd,
                UNKNOWN_YEAR
            )
            .is_none())
        );
    }

    #[test]
    fn header_needs_the_full_shape() {
        for l in [
            "12/03/2022 21:04 Lin Wei: x",
            "[12/03/2022 9:07 PM]Sam: x",
            "12/03/2022 21:04:05 Lin Wei: x",
            "13. 6. 2018. 21:25 Lin: x",
            "13. 6. 2018. 21:25:15 no name here",
            "1/2/22, 9:07 Amy - A: x",
            "12/03/2022, 21:04 -Lin: x",
            "12/03/2022, 21:4 - Lin: x",
            "12/03-2022, 21:04 - Lin: x",
            "123/03/2022, 21:04 - Lin: x",
            "2022/03/2022, 21:04 - Lin: x",
            "12/03/2022, 21:04 Uhr - Lin: x",
            "2020-08-14T09:31:05 vega -> quill",
        ] {
            assert!(head(l.as_bytes()).is_none(), "{l:?}");
        }
        // The TrickBot layout has WhatsApp's shape but is never sniffed as WhatsApp.
        assert!(head(b"[04.11.21 10:02:17] vega:\t\tx").is_some());
        assert!(!sniff_header("[04.11.21 10:02:17] vega:\t\tx"));
        for l in [
            "12/03/2022, 21:04 - Lin: x",
            "12/03/2022 21:04 - Lin: x",
            "\u{200e}[12.03.22, 21:04:11] Lin: x",
            "2022-03-12, 21:04 - Lin: x",
            "12-3-22, 9:04 - x",
            "[12/03/2022 9:07 PM] Sam: x",
            "[15.01.20 02:22:56] Sam: x",
            "13. 6. 2018. 21:25:15 Lin: x",
            "13.6.2018 klo 21.25.15 - Lin: x",
            "13/06/18 21:25:15: Lin: x",
            "[21:25:15, 13/6/2018] Lin: x",
            "\u{feff}\u{200f}[2018/06/13, 21:25:15] Lin: x",
            "\u{200f}١٣\u{200f}/٦\u{200f}/٢٠١٨، ٩:٢٥ م - ليلى: x",
            "[06/2018/13, 21:25:15] Lin: x",
            "2018. 6. 13. 오후 9:25 - 김민수: x",
        ] {
            assert!(head(l.as_bytes()).is_some(), "{l:?}");
        }
    }

    #[test]
    fn system_lines_are_their_own_records_and_messages_saying_left_stay_messages() {
        let t = "12/03/2022, 21:00 - Lin Wei created group \"Ops: 2022\"\n12/03/2022, 21:01 - Lin Wei added Sam\n12/03/2022, 21:02 - Sam: I left the keys\n12/03/2022, 21:03 - Sam: added: two files\n12/03/2022, 21:04 - Sam left\n12/03/2022, 21:05 - Lin Wei changed the subject to “Q3: plan”\n";
        let c = parse("x.txt", t);
        assert_eq!(
            kinds(&c),
            [
                Kind::System,
                Kind::System,
                Kind::Message,
                Kind::Message,
                Kind::System,
                Kind::System
            ]
        );
        assert_eq!(c.messages[0].sender, "");
        assert_eq!(c.messages[0].body, "Lin Wei created group \"Ops: 2022\"");
        assert_eq!(c.messages[2].sender, "Sam");
        assert_eq!(c.messages[3].body, "added: two files");
        assert_eq!(c.messages[5].sender, "");
    }

    #[test]
    fn pasted_header_looking_line_inside_body_does_not_start_a_record() {
        let t = "12/03/2022, 21:09 - Sam: log:\n12/03/2022 21:04 Lin Wei: no dash\n[12/03/2022 9:07 PM]x\n12/03/2022, 21:10 - Lin: ok\n";
        let c = parse("x.txt", t);
        assert_eq!(
            bodies(&c),
            [
                "log:\n12/03/2022 21:04 Lin Wei: no dash\n[12/03/2022 9:07 PM]x",
                "ok"
            ]
        );
        assert_eq!(c.messages[1].loc.line, 4);
    }

    /// An Android export with WhatsApp Desktop lines pasted into a message (the first valid
    /// under day first, the second not), and a time-first export with a date-first line
    /// pasted into it.
    const PASTED: &str = "14/05/21, 7:00 am - Neha: fwd:\n[6:48 AM, 5/3/2021] Arjun: a\n[6:49 AM, 5/14/2021] Arjun: b\n14/05/21, 7:04 am - Vikram: ok\n";
    const PASTED_VI: &str = "[21:25:15, 13/6/2018] Lan: xem:\n13/06/2018, 21:20 - Minh: c\n[21:26:00, 13/6/2018] Minh: d\n";

    #[test]
    fn lines_in_the_other_layout_are_pasted_text_not_headers() {
        let (c, note) = surveyed(PASTED, None);
        assert_eq!(
            bodies(&c),
            [
                "fwd:\n[6:48 AM, 5/3/2021] Arjun: a\n[6:49 AM, 5/14/2021] Arjun: b",
                "ok"
            ]
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(
            note.as_deref(),
            Some(
                "day first: a first field of 14 on line 1; 2 header-like lines in another layout read as message text (copied messages; the first on line 2)"
            )
        );
        let (c, note) = surveyed(PASTED_VI, None);
        assert_eq!(bodies(&c), ["xem:\n13/06/2018, 21:20 - Minh: c", "d"]);
        assert!(
            note.unwrap()
                .contains("1 header-like line in another layout")
        );
        // Chunks are cut only at headers of the file's layout.
        let options = FormatOptions::default();
        let hint = survey_text(&WhatsApp, "c.txt", PASTED, options).expect("a survey");
        let second = PASTED.find("[6:48").unwrap();
        let vikram = PASTED.find("14/05/21, 7:04").unwrap();
        assert_eq!(
            WhatsApp.next_record_in(PASTED, second, Some(&*hint)),
            Some(vikram)
        );
        assert_eq!(WhatsApp.next_record_in(PASTED, second, None), Some(second));
        // A tie goes to the first header's layout.
        let (c, _) = surveyed("1/2/22, 10:00 - A: x\n[10:01 AM, 1/2/2022] B: y\n", None);
        assert_eq!(c.messages.len(), 1);
    }

    /// Old Android exports name the month and leave out the year of the current year's
    /// dates.
    const NAMED: &str = "19:23, 28 Aug 2013 - A: x\n22:10, 31 Dec 2013 - B: y\n08:43, 5 Jan - A: z\n10:46, 29 Feb - B: leap\n";

    #[test]
    fn named_months_read_and_a_missing_year_is_the_one_after_the_last_written() {
        for (line, f, time_first) in [
            ("18 Mar 12:14 - A: x", [18, 3, 0], false),
            ("Mar 5, 8:11 PM - A: x", [5, 3, 0], false),
            ("Mar 5, 2014, 8:11 PM - A: x", [5, 3, 2014], false),
            ("19:23, 28 Aug 2013 - A: x", [28, 8, 2013], true),
            ("08:43, 5 Jan - A: x", [5, 1, 0], true),
        ] {
            let h = head(line.as_bytes()).unwrap_or_else(|| panic!("{line:?}"));
            assert_eq!(
                (h.f, h.named(), h.time_first),
                (f, true, time_first),
                "{line:?}"
            );
            assert_eq!(&line[h.text..], "A: x");
        }
        for line in [
            "18 March 12:14 - A: x",
            "18 Mar12:14 - A: x",
            "Mars 5, 8:11 PM - A: x",
        ] {
            assert!(head(line.as_bytes()).is_none(), "{line:?}");
        }
        let (c, note) = surveyed(NAMED, None);
        let t = &c.messages;
        assert_eq!(t[1].time.micros, utc(2013, 12, 31, 22, 10, 0));
        assert_eq!(t[2].time.micros, utc(2014, 1, 5, 8, 43, 0));
        // 2014 has no 29 February: a problem at its line, not a guess.
        assert_eq!(t.len(), 3);
        assert_eq!(problem_lines(&c), [4]);
        assert!(
            note.unwrap()
                .starts_with("dates without a year read as 2014")
        );
        // --year says which year; without any year written, 2000 says it is unknown.
        let options = FormatOptions {
            year: Some(2012),
            ..Default::default()
        };
        let c = testkit::surveyed(&WhatsApp, "c.txt", NAMED, Zone::Utc, options, usize::MAX);
        assert_eq!(c.messages[3].time.micros, utc(2012, 2, 29, 10, 46, 0));
        let (c, note) = surveyed("18 Mar 12:14 - A: x\n", None);
        assert_eq!(c.messages[0].time.micros, utc(2000, 3, 18, 12, 14, 0));
        assert_eq!(
            note.as_deref(),
            Some("dates without a year read as 2000 (no year is written in the file; pass --year)")
        );
    }

    #[test]
    fn placeholders_give_kinds_and_attachment_names() {
        let t = "1/2/22, 10:00 - A: IMG-1.jpg (file attached)\n1/2/22, 10:01 - A: <Medien ausgelassen>\n1/2/22, 10:02 - A: <Медиа отсутствуют>\n1/2/22, 10:03 - A: Данное сообщение удалено\n1/2/22, 10:04 - A: Missed video call\n1/2/22, 10:05 - A: \u{200e}<attached: 00000001-PHOTO.jpg>\n1/2/22, 10:06 - A: report.pdf • 3 pages \u{200e}document omitted\n1/2/22, 10:07 - A: the <Media omitted> tag\n";
        let c = parse("x.txt", t);
        assert_eq!(
            kinds(&c),
            [
                Kind::Attachment,
                Kind::Attachment,
                Kind::Attachment,
                Kind::Deleted,
                Kind::Call,
                Kind::Attachment,
                Kind::Attachment,
                Kind::Message
            ]
        );
        assert_eq!(c.messages[0].attachments, ["IMG-1.jpg"]);
        assert_eq!(c.messages[5].attachments, ["00000001-PHOTO.jpg"]);
    }

    #[test]
    fn android_placeholders_as_real_exports_write_them_are_attachments() {
        for body in [
            "<Без медиафайлов>",
            "<Média vynechány>",
            "<Medien ausgeschlossen>",
            "<Archivo omitido>",
            "<media omitted>",
            "<\u{200e}image omitted>",
            "<\u{200e}GIF omitted>",
        ] {
            assert_eq!(classify(body, false), (Kind::Attachment, None), "{body:?}");
        }
        // The bracketed iOS form holds a placeholder, not any text.
        assert_eq!(classify("<\u{200e}hello>", false).0, Kind::Message);
        assert_eq!(
            classify("<\u{200e}This message was deleted>", false).0,
            Kind::Message
        );
    }

    #[test]
    fn directional_marks_around_a_sender_are_dropped() {
        let t = "1/2/22, 10:00 - \u{202a}+44\u{a0}7700\u{a0}900123\u{202c}: hi\n1/2/22, 10:01 - \u{2068}Ana\u{2069}: yo\n1/2/22, 10:02 - A\u{200e}B: x\n";
        let c = parse("x.txt", t);
        let senders: Vec<&str> = c.messages.iter().map(|m| m.sender.as_ref()).collect();
        assert_eq!(senders, ["+44\u{a0}7700\u{a0}900123", "Ana", "A\u{200e}B"]);
        assert!(
            c.messages
                .iter()
                .all(|m| matches!(m.sender, Cow::Borrowed(_)))
        );
    }

    #[test]
    fn arabic_ios_notices_after_u200f_are_system_rows_by_their_phrase_only() {
        // The encryption notice under the contact's number, a security-code notice, and the
        // contact's own Arabic text that starts with U+200F too.
        let n = "\u{202a}+40\u{a0}555\u{202c}";
        let t = format!(
            "[18/3/2022, 14:56:01] {n}: \u{200f}الرسائل والمكالمات مشفرة تمامًا بين الطرفين.\n\
             [18/3/2022, 14:57:00] {n}: \u{200f}إن شاء الله\n\
             [28/4/2022, 20:17:30] {n}: \u{200f}\u{200f}تغيّر رمز أمانك المُستخدَم مع سامر.\n"
        );
        let (c, _) = surveyed(&t, None);
        let rows = senders_and_kinds(&c);
        assert_eq!(
            rows,
            [
                ("", Kind::System),
                ("+40\u{a0}555", Kind::Message),
                ("", Kind::System)
            ]
        );
    }

    #[test]
    fn ios_lrm_text_is_a_notice_only_without_an_author_of_its_own() {
        // The group's name writes only U+200E lines: its lines are notices. Sam writes an
        // ordinary message too, so Sam's U+200E lines (placeholder or not) stay Sam's.
        let t = "[1/2/22, 10:00:00] Ops: \u{200e}Lin added Sam\n[1/2/22, 10:00:01] Sam: \u{200e}sticker omitted\n[1/2/22, 10:00:02] Sam: \u{200e}Location: https://maps.example/x\n[1/2/22, 10:00:03] Sam: hi\n[1/2/22, 10:00:04] Ops: \u{200e}Sam left\n";
        let (c, _) = surveyed(t, None);
        let rows = senders_and_kinds(&c);
        assert_eq!(
            rows,
            [
                ("", Kind::System),
                ("Sam", Kind::Attachment),
                ("Sam", Kind::Message),
                ("Sam", Kind::Message),
                ("", Kind::System)
            ]
        );
        assert_eq!(c.messages[0].body, "\u{200e}Lin added Sam");
        // In a one-to-one chat the contact's name carries the encryption notice.
        let t = "[1/2/22, 10:00:00] Ana: \u{200e}Messages and calls are end-to-end encrypted.\n[1/2/22, 10:00:01] Ana: hola\n";
        let (c, _) = surveyed(t, None);
        assert_eq!(c.messages[0].kind, Kind::System);
        assert_eq!(c.messages[1].sender, "Ana");
    }

    #[test]
    fn date_order_is_decided_over_the_whole_file_and_cites_the_line() {
        let (c, note) = surveyed(US, None);
        assert_eq!(
            note.as_deref(),
            Some("month first: a second field of 13 on line 12")
        );
        assert!(c.problems.is_empty());
        assert_eq!(c.messages[11].time.micros, utc(2022, 3, 13, 9, 15, 0));
        let (_, note) = surveyed(ANDROID, None);
        assert_eq!(
            note.as_deref(),
            Some("day first: a first field of 13 on line 18")
        );
        let (_, note) = surveyed(ES, None);
        assert!(note.unwrap().contains("assumed"));
        let (_, note) = surveyed("1/2/22, 9:00 PM - A: x\n", None);
        assert_eq!(
            note.as_deref(),
            Some(
                "month first (assumed: no date field above 12 decides it; `/` dates with AM/PM are month first)"
            )
        );
        let (_, note) = surveyed("no header here\n", None);
        assert_eq!(note, None);
    }

    #[test]
    fn date_order_option_overrides_the_evidence_and_says_so() {
        let (c, note) = surveyed(ANDROID, Some(DateOrder::Mdy));
        assert_eq!(
            note.as_deref(),
            Some(
                "month first (--date-order mdy; the dates say day first: a first field of 13 on line 18)"
            )
        );
        // Lines with day 13 do not exist under month first.
        assert!(c.problems.iter().all(|p| p.what.contains("month first")));
        assert_eq!(c.problems.len(), 8);
        let (_, note) = surveyed(ANDROID, Some(DateOrder::Dmy));
        assert_eq!(note.as_deref(), Some("day first (--date-order dmy)"));
    }

    #[test]
    fn conflicting_evidence_is_reported_and_the_majority_wins() {
        let t = "13/01/2022, 10:00 - A: x\n14/01/2022, 10:00 - A: y\n01/13/2022, 10:00 - A: z\n";
        let (c, note) = surveyed(t, None);
        assert_eq!(
            note.as_deref(),
            Some(
                "day first: a first field of 13 on line 1 (2 lines); conflicting: a second field of 13 on line 3 says month first (1 line)"
            )
        );
        assert_eq!(c.messages.len(), 2);
        assert_eq!(c.problems[0].loc.line, 3);
    }

    #[test]
    fn bad_dates_and_hours_are_problems_and_skip_their_records() {
        let (c, _) = surveyed(BAD, None);
        assert_eq!(bodies(&c), ["first", "last"]);
        assert_eq!(problem_lines(&c), [1, 3, 5, 6, 7]);
        assert!(
            c.problems[0]
                .what
                .starts_with("text before the first WhatsApp header")
        );
        assert!(c.problems[2].what.contains("25:00"));
    }

    #[test]
    fn a_file_without_any_header_is_one_problem_naming_the_file() {
        let c = parse("notes.txt", "\nmeeting notes\n- buy milk\n12/03 call Sam\n");
        assert!(c.messages.is_empty());
        assert_eq!(c.problems.len(), 1);
        assert_eq!(c.problems[0].loc.line, 2);
        assert!(c.problems[0].what.contains("notes.txt"));
        assert!(
            c.problems[0]
                .what
                .contains("12/03/2022, 21:04 - Name: text")
        );
        assert!(parse("e.txt", "").problems.is_empty());
    }

    #[test]
    fn chat_name_comes_from_the_file_or_zip_name() {
        for (path, name) in [
            ("a/WhatsApp Chat with Lin Wei.txt", "Lin Wei"),
            ("x/WhatsApp Chat - Lin Wei.zip!/_chat.txt", "Lin Wei"),
            ("WhatsApp Chat - Lin Wei/_chat.txt", "Lin Wei"),
            ("WhatsApp-Chat mit Jörg.txt", "Jörg"),
            ("Chat de WhatsApp con Ana.txt", "Ana"),
            ("Discussion WhatsApp avec Zoé.txt", "Zoé"),
            ("backup/ops.txt", "ops"),
            ("_chat.txt", "_chat"),
        ] {
            assert_eq!(chat_name(path), name, "{path}");
        }
    }

    #[test]
    fn crlf_lines_lose_their_carriage_return_and_bodies_borrow_otherwise() {
        let c = parse(
            "x.txt",
            "1/2/22, 10:00 - A: one\r\ntwo\r\n\r\n1/2/22, 10:01 - B: x\r\n",
        );
        assert_eq!(bodies(&c), ["one\ntwo", "x"]);
        let c = parse("x.txt", "1/2/22, 10:00 - A: one\ntwo\n");
        assert!(matches!(c.messages[0].body, Cow::Borrowed("one\ntwo")));
    }

    #[test]
    fn naive_times_are_read_in_the_source_zone() {
        let ctx = ParseCtx::new(0, "x.txt", "Europe/Moscow".parse().unwrap());
        let c = parse_text(&WhatsApp, "13/03/2022, 00:30 - A: x\n", &ctx, usize::MAX);
        assert_eq!(c.messages[0].time.micros, utc(2022, 3, 12, 21, 30, 0));
    }

    #[test]
    fn sniff_is_confident_only_on_several_strict_headers() {
        testkit::assert_sniffs(
            &WhatsApp,
            &[
                ("WhatsApp Chat with Lin Wei.txt", ANDROID, 95),
                ("x.zip!/_chat.txt", IOS, 95),
                ("export.txt", ANDROID, 85),
                ("export.txt", "12/03/2022, 21:04 - A: x\n", 40),
                ("chat.md", ANDROID, 0),
                ("x.txt", "notes\n12/03/2022, 21:04 - A: x\n", 0),
                // An export cut at its start: the tail of a message, then headers.
                (
                    "x.txt",
                    "of the data.\n7/5/18, 3:59 PM - C: a\n7/5/18, 4:00 PM - D: b\n7/5/18, 4:01 PM - C: c\n",
                    60,
                ),
                (
                    "x.txt",
                    "a\nb\nc\n7/5/18, 3:59 PM - C: a\n7/5/18, 4:00 PM - D: b\n7/5/18, 4:01 PM - C: c\n",
                    0,
                ),
                ("x.txt", "[04.11.21 10:02:17] vega:\t\tx\n", 0),
                ("x.txt", "32/13/2022, 21:04 - A: x\n", 0),
                ("WhatsApp Chat with X.txt", "hello\n", 10),
                ("x/_chat.txt", "notes\n1/2/22, 10:00 - A: x\n", 95),
            ],
        );
    }

    #[test]
    fn next_record_stops_only_at_strict_headers() {
        let t = "1/2/22, 10:00 - A: x\n1/2/22 10:00 A: y\n1/2/22, 10:01 - B: z\n";
        let second = t.find("1/2/22, 10:01").unwrap();
        assert_eq!(WhatsApp.next_record(t, 1), Some(second));
        assert_eq!(WhatsApp.next_record(t, second), Some(second));
        assert_eq!(WhatsApp.next_record(t, second + 1), None);
        assert_eq!(WhatsApp.next_record(t, t.len() + 3), None);
    }

    #[test]
    fn fixtures_parse_the_same_split_at_every_size() {
        let fixtures = [ANDROID, IOS, US, ES, BAD, PASTED, PASTED_VI, NAMED].map(|t| ("c.txt", t));
        testkit::assert_split_reads_match(read_surveyed, &fixtures, 1..80);
    }

    #[test]
    fn survey_in_parts_decides_as_the_whole_file() {
        // Day-first evidence only on the last line, an LRM author whose plain line comes
        // later, and a plain author seen in several parts.
        let late = "01/02/2022, 09:00 - Ana: hola\n01/02/2022, 09:01 - Ben: \u{200e}imagen omitida\n02/03/2022, 10:00 - Cy: \u{200e}ok\n02/03/2022, 10:05 - Grupo: \u{200e}Ana añadió a Dee\n03/04/2022, 11:00 - Ana: bien\n04/05/2022, 12:00 - Cy: sí\n25/05/2022, 13:00 - Ben: fin\n";
        for text in [ANDROID, IOS, US, ES, BAD, PASTED, PASTED_VI, NAMED, late] {
            for order in [None, Some(DateOrder::Mdy)] {
                let options = FormatOptions {
                    date_order: order,
                    ..Default::default()
                };
                let whole = survey_text(&WhatsApp, "c.txt", text, options).expect("a survey");
                if text == late {
                    let h = format!("{whole:?}");
                    assert!(h.contains("Grupo") && h.contains("day first"), "{h}");
                }
                for lines in 1..=7 {
                    let parts = testkit::survey_in_parts(&WhatsApp, "c.txt", text, options, lines)
                        .expect("the survey splits");
                    assert_eq!(
                        format!("{parts:?}"),
                        format!("{whole:?}"),
                        "{lines} lines a part"
                    );
                }
            }
        }
    }

    fn read<'a>(path: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        testkit::parse_at(&WhatsApp, path, text, target)
    }

    fn read_surveyed<'a>(path: &'a str, text: &'a str, target: usize) -> Collect<'a> {
        let options = FormatOptions::default();
        testkit::surveyed(&WhatsApp, path, text, Zone::Utc, options, target)
    }

    /// A record survives damage when the next header starts before the damaged line.
    fn survives(original: &str, whole: &Collect<'_>, i: usize, damage: usize) -> bool {
        let next = whole.messages.get(i + 1).map(|m| m.loc.offset as usize);
        next.is_some_and(|n| n < testkit::line_start_of(original, damage))
    }

    const SUBJECT: Subject = Subject::new(
        &WhatsApp,
        "f.txt",
        read,
        &[
            ("f.txt", ANDROID),
            ("f.txt", IOS),
            ("f.txt", US),
            ("f.txt", ES),
            ("f.txt", BAD),
        ],
        survives,
    )
    .find(Find::Offset);

    testkit::props!(SUBJECT);

    testkit::noise!(SUBJECT, headerish_noise_never_panics, lines [
        Just("12/03/2022, 21:04 - Lin: x".to_string()),
        Just("32/13/2022, 25:04 - Lin: x".to_string()),
        Just("\u{200e}[1/2/22, 9:07:11\u{202f}PM] A: \u{200e}image omitted".to_string()),
        Just("1.3.22, 9:05 p.\u{a0}m. - x".to_string()),
        Just("18 Mar 12:14 - Lin: x".to_string()),
        Just("08:43, 29 Feb - \u{202a}+1 555\u{202c}: x".to_string()),
        Just("[3/18/R4, 14:56:01] A: \u{200f}x".to_string()),
        Just("[6:48 AM, 5/3/2565 BE] A: <\u{200e}image omitted>".to_string()),
        Just(String::new()),
        "[\\[\\]0-9/.,: \\-apmAPM\u{200e}\u{a0}\u{202f}a-z\r]{0,30}",
    ]);
}
