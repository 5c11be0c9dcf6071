//! `blackbasta`: placeholder until its parser lands.

use super::{Chunk, Format, ParseCtx, Sink};

/// The `blackbasta` format.
#[derive(Debug, Clone, Copy)]
pub struct BlackBasta;

impl Format for BlackBasta {
    fn name(&self) -> &'static str {
        "blackbasta"
    }
    fn description(&self) -> &'static str {
        "blackbasta"
    }
    fn examples(&self) -> &'static [&'static str] {
        &[]
    }
    fn sniff(&self, _path: &str, _head: &str) -> u8 {
        0
    }
    fn parse<'a>(&self, _chunk: &Chunk<'a>, _ctx: &ParseCtx<'_>, _sink: &mut dyn Sink<'a>) {}
}
