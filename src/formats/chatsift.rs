//! `chatsift-jsonl` and `chatsift-csv`: placeholders until the readers land.

use super::{Chunk, Format, ParseCtx, Sink};

/// Reads chatsift's own JSONL output back.
#[derive(Debug, Clone, Copy)]
pub struct ChatsiftJsonl;

/// Reads chatsift's own CSV output back.
#[derive(Debug, Clone, Copy)]
pub struct ChatsiftCsv;

impl Format for ChatsiftJsonl {
    fn name(&self) -> &'static str {
        "chatsift-jsonl"
    }
    fn description(&self) -> &'static str {
        "chatsift-jsonl"
    }
    fn examples(&self) -> &'static [&'static str] {
        &[]
    }
    fn sniff(&self, _path: &str, _head: &str) -> u8 {
        0
    }
    fn parse<'a>(&self, _chunk: &Chunk<'a>, _ctx: &ParseCtx<'_>, _sink: &mut dyn Sink<'a>) {}
}

impl Format for ChatsiftCsv {
    fn name(&self) -> &'static str {
        "chatsift-csv"
    }
    fn description(&self) -> &'static str {
        "chatsift-csv"
    }
    fn examples(&self) -> &'static [&'static str] {
        &[]
    }
    fn sniff(&self, _path: &str, _head: &str) -> u8 {
        0
    }
    fn parse<'a>(&self, _chunk: &Chunk<'a>, _ctx: &ParseCtx<'_>, _sink: &mut dyn Sink<'a>) {}
}
