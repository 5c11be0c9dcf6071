//! chatsift turns chat exports (leaked internal chats and app exports) into one normalized,
//! provenance-carrying message stream, and builds timelines and summaries from it.
//!
//! The data flows one way: [`source`] lists inputs and decodes bytes to UTF-8, [`formats`]
//! sniffs each file and parses record-aligned chunks into [`model::Message`]s that borrow
//! from the input, [`pipeline`] reads files a window at a time and parses chunks in parallel,
//! merging results in input order, and [`output`] renders the stream (JSONL, CSV, Timesketch,
//! l2tcsv) into atomically written files.
//!
//! Parse one file's text with the format sniffing picks:
//!
//! ```
//! use chatsift::formats::{self, ParseCtx};
//! use chatsift::time::Zone;
//!
//! let text = "[04.11.21 10:02:17] vega:\t\tпривет, отчёт готов?\n\
//!             [04.11.21 10:05:40] quill:\t\tпочти\nещё 10 минут\n";
//! let format = formats::sniff("logs/quill.txt", text).expect("a trickbot log");
//! assert_eq!(format.name(), "trickbot");
//! let ctx = ParseCtx::new(0, "logs/quill.txt", Zone::Utc);
//! let read = formats::parse_text(format, text, &ctx, usize::MAX);
//! assert!(read.problems.is_empty());
//! assert_eq!(read.messages.len(), 2);
//! assert_eq!(read.messages[1].sender, "quill");
//! assert_eq!(read.messages[1].body, "почти\nещё 10 минут");
//! assert_eq!(read.messages[1].loc.line, 2);
//! ```
//!
//! Whole runs over files, folders and zip archives start from a [`Job`] (the inputs found
//! and how to read them) and a [`Selection`] (the alias file and the filter). An analysis
//! reads them into an accumulator, and [`output`] writes what the commands write. Here, a
//! timeline CSV and a whole report folder from a path:
//!
//! ```
//! use chatsift::analysis::people::WorkWeek;
//! use chatsift::analysis::timeline::{Bucket, Timeline};
//! use chatsift::analysis::topics::{Lexicon, TopicMatcher};
//! use chatsift::output::report::{self, ReportSettings};
//! use chatsift::output::{atomic, table};
//! use chatsift::pipeline::Options;
//! use chatsift::time::Zone;
//! use chatsift::{Job, Selection};
//!
//! # fn main() -> chatsift::Result<()> {
//! let inputs = vec![concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/demo").to_string()];
//! let out = std::env::temp_dir().join(format!("chatsift-doc-{}", std::process::id()));
//! let job = Job::open(&inputs, Options::default(), Zone::Utc)?;
//! let everyone = Selection::default();
//!
//! // timeline.csv: messages per person and week.
//! let (timeline, read) = job.analyse(&everyone, None, || Timeline::new(Bucket::Week))?;
//! let mut csv = Vec::new();
//! table::timeline::write_long(&timeline, false, false, &mut csv);
//! std::fs::create_dir_all(&out).expect("a temporary folder");
//! atomic::write_file(&out.join("timeline.csv"), &csv)?;
//! assert!(read.messages() > 0);
//!
//! // The report folder: every table, every chart and index.html.
//! let topics = TopicMatcher::new(&Lexicon::builtin()).expect("the built-in lexicon builds");
//! let settings = ReportSettings {
//!     dir: out.join("report"),
//!     by: Bucket::Week,
//!     top: 20,
//!     work: WorkWeek::parse("09:00-18:00", "sat,sun").expect("a valid week"),
//!     messages: true,
//!     raw_csv: false,
//!     title: "chatsift report".into(),
//!     inputs: inputs.clone(),
//!     tz_name: "UTC".into(),
//!     tz_given: true,
//!     builtin_lexicon: true,
//! };
//! let written = report::write_report(&job, &everyone, &topics, &settings)?;
//! assert_eq!(written.report.messages(), read.messages());
//! assert!(out.join("report/index.html").is_file());
//! # std::fs::remove_dir_all(&out).ok();
//! # Ok(())
//! # }
//! ```
//!
//! The `chatsift` binary is a thin command line over these: each command turns its arguments
//! into a `Job`, a `Selection` and its settings, and calls one function. `ARCHITECTURE.md`
//! is the map of the code.
#![deny(missing_docs)]

pub mod analysis;
mod error;
pub mod formats;
pub mod job;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod source;
pub mod text;
pub mod time;

pub use error::{Error, Result, StrictStop};
pub use job::{Job, Selection};
