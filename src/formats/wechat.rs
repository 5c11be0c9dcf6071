//! `wechat`: WeChatMsg / MemoTrace exports (TXT and CSV).

use super::{Chunk, Format, ParseCtx, Sink};

/// The `wechat` format.
#[derive(Debug, Clone, Copy)]
pub struct WeChat;

impl Format for WeChat {
    fn name(&self) -> &'static str {
        "wechat"
    }
    fn description(&self) -> &'static str {
        "WeChatMsg / MemoTrace TXT and CSV exports"
    }
    fn examples(&self) -> &'static [&'static str] {
        &["张三.txt", "messages.csv"]
    }
    fn sniff(&self, _path: &str, _head: &str) -> u8 {
        0
    }
    fn parse<'a>(&self, _chunk: &Chunk<'a>, _ctx: &ParseCtx<'a>, _sink: &mut dyn Sink<'a>) {}
}
