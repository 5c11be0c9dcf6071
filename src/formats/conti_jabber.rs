//! `conti-jabber`: placeholder until its parser lands.

use super::{Chunk, Format, ParseCtx, Sink};

/// The `conti-jabber` format.
#[derive(Debug, Clone, Copy)]
pub struct ContiJabber;

impl Format for ContiJabber {
    fn name(&self) -> &'static str {
        "conti-jabber"
    }
    fn description(&self) -> &'static str {
        "conti-jabber"
    }
    fn examples(&self) -> &'static [&'static str] {
        &[]
    }
    fn sniff(&self, _path: &str, _head: &str) -> u8 {
        0
    }
    fn parse<'a>(&self, _chunk: &Chunk<'a>, _ctx: &ParseCtx<'_>, _sink: &mut dyn Sink<'a>) {}
}
