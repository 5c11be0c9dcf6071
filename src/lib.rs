//! chatsift turns chat exports (leaked internal chats and app exports) into one normalized,
//! provenance-carrying message stream, and builds timelines and summaries from it.
#![deny(missing_docs)]

pub mod analysis;
pub mod corpus;
pub mod formats;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod source;
pub mod text;
pub mod time;
