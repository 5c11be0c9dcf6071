//! `rocketchat`: placeholder until its parser lands.

use super::{Chunk, Format, ParseCtx, Sink};

/// The `rocketchat` format.
#[derive(Debug, Clone, Copy)]
pub struct RocketChat;

impl Format for RocketChat {
    fn name(&self) -> &'static str {
        "rocketchat"
    }
    fn description(&self) -> &'static str {
        "rocketchat"
    }
    fn examples(&self) -> &'static [&'static str] {
        &[]
    }
    fn sniff(&self, _path: &str, _head: &str) -> u8 {
        0
    }
    fn parse<'a>(&self, _chunk: &Chunk<'a>, _ctx: &ParseCtx<'_>, _sink: &mut dyn Sink<'a>) {}
}
