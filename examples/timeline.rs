//! A timeline CSV from the library, as `chatsift timeline PATH… --by week` writes it.
//!
//! ```text
//! cargo run --release --example timeline -- testdata/demo > timeline.csv
//! ```
//!
//! Every path is read (folders recursively, zip archives by entry) with the format sniffed
//! per file; the CSV goes to standard output and the run's summary to standard error.

use chatsift::analysis::timeline::{Bucket, Timeline};
use chatsift::output::{atomic, summary, table};
use chatsift::pipeline::Options;
use chatsift::time::Zone;
use chatsift::{Job, Selection};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        return Err("usage: timeline PATH…".into());
    }
    let job = Job::open(&paths, Options::default(), Zone::Utc)?;
    let (timeline, report) =
        job.analyse(&Selection::default(), None, || Timeline::new(Bucket::Week))?;
    let mut csv = Vec::new();
    table::timeline::write_long(&timeline, false, false, &mut csv);
    atomic::write_to(None, |out| Ok(out.write_all(&csv)?))?;
    for line in summary::lines(&report) {
        eprintln!("timeline: {line}");
    }
    Ok(())
}
