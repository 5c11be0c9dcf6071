//! The `chatsift` binary: parse arguments, run, map errors to exit codes.
//!
//! Exit codes: 0 success (skipped malformed records are reported on stderr, not fatal);
//! 1 `--strict` and a record was malformed; 2 fatal (bad arguments, unreadable input,
//! unwritable output). A broken pipe (`| head`) exits 0 quietly. SIGINT or SIGTERM (Ctrl-C,
//! `kill`) removes any output file still being written and exits 130: the previous file
//! under the final name stays as it was, and no temporary file is left.

mod bench;
mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let code = run();
    // For `chatsift bench`, which runs commands as child processes to measure their memory.
    if std::env::var_os("CHATSIFT_REPORT_PEAK_RSS").is_some()
        && let Ok(status) = std::fs::read_to_string("/proc/self/status")
        && let Some(kb) = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
    {
        eprintln!("chatsift-peak-rss-kb: {kb}");
    }
    code
}

fn run() -> ExitCode {
    // Interrupted: drop half-written outputs (they are temporary files beside their targets,
    // renamed into place only when complete) and stop. The handler runs on its own thread.
    let _ = ctrlc::set_handler(|| {
        chatsift::output::atomic::remove_pending();
        std::process::exit(130);
    });
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            chatsift::output::atomic::remove_pending();
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            let stop = e.downcast_ref::<chatsift::StrictStop>().or_else(|| {
                match e.downcast_ref::<chatsift::Error>() {
                    Some(chatsift::Error::Strict(s)) => Some(s),
                    _ => None,
                }
            });
            if let Some(stop) = stop {
                eprintln!("chatsift: {stop}");
                return ExitCode::from(1);
            }
            eprintln!("chatsift: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
