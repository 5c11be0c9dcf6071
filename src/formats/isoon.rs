//! `isoon`: placeholder until its parser lands.

use super::{Chunk, Format, ParseCtx, Sink};

/// The `isoon` format.
#[derive(Debug, Clone, Copy)]
pub struct Isoon;

impl Format for Isoon {
    fn name(&self) -> &'static str {
        "isoon"
    }
    fn description(&self) -> &'static str {
        "isoon"
    }
    fn examples(&self) -> &'static [&'static str] {
        &[]
    }
    fn sniff(&self, _path: &str, _head: &str) -> u8 {
        0
    }
    fn parse<'a>(&self, _chunk: &Chunk<'a>, _ctx: &ParseCtx<'_>, _sink: &mut dyn Sink<'a>) {}
}
