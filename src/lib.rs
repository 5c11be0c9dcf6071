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
//! Whole runs over files, directories and zip archives go through [`source::walk`] and
//! [`pipeline::run`]; the `chatsift` binary is a thin command line over them.
#![deny(missing_docs)]

pub mod analysis;
pub mod formats;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod source;
pub mod text;
pub mod time;
