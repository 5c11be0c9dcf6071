//! `chatsift formats`: the formats chatsift reads.

use anyhow::Result;
use chatsift::formats;
use std::io::Write;

/// Prints each format with its description and example file names.
pub fn run() -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let width = formats::registry()
        .iter()
        .map(|f| f.name().len())
        .max()
        .unwrap_or(0);
    for f in formats::registry() {
        writeln!(out, "{:width$}  {}", f.name(), f.description())?;
        if !f.examples().is_empty() {
            writeln!(out, "{:width$}  e.g. {}", "", f.examples().join(", "))?;
        }
    }
    Ok(())
}
