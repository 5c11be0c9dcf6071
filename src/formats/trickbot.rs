//! `trickbot`: placeholder until its parser lands.

use super::{Chunk, Format, ParseCtx, Sink};

/// The `trickbot` format.
#[derive(Debug, Clone, Copy)]
pub struct TrickBot;

impl Format for TrickBot {
    fn name(&self) -> &'static str {
        "trickbot"
    }
    fn description(&self) -> &'static str {
        "trickbot"
    }
    fn examples(&self) -> &'static [&'static str] {
        &[]
    }
    fn sniff(&self, _path: &str, _head: &str) -> u8 {
        0
    }
    fn parse<'a>(&self, _chunk: &Chunk<'a>, _ctx: &ParseCtx<'_>, _sink: &mut dyn Sink<'a>) {}
}
