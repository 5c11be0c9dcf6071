//! `people.csv`: one row per person.
//!
//! Columns: `person,ids,first_seen,last_seen,active_days,messages,characters,
//! after_hours_share,weekend_share,busiest_hour,median_reply_seconds,replies,
//! top_correspondents`. `ids` are the raw ids merged into the person (by the alias file),
//! `;`-separated; times are RFC 3339 in `--tz`; shares are fractions of the person's
//! messages (3 decimals) outside `--workday` and on `--weekend` days, in `--tz`;
//! `busiest_hour` is the local hour (0–23) with most messages; `median_reply_seconds` is the
//! median gap between someone else's message and this person's next one in a conversation
//! (exact below two minutes, to 10 s below an hour, to the minute below a day);
//! `top_correspondents` lists up to three recipients or channels as `name (n); …`.

use super::{cell, local_stamp};
use crate::analysis::people::People;
use crate::output::write_csv_row;

/// The header.
pub const COLUMNS: [&str; 13] = [
    "person",
    "ids",
    "first_seen",
    "last_seen",
    "active_days",
    "messages",
    "characters",
    "after_hours_share",
    "weekend_share",
    "busiest_hour",
    "median_reply_seconds",
    "replies",
    "top_correspondents",
];

/// Writes the `people` table (header and one row per person) as CSV.
pub fn write_csv(p: &People, raw: bool, buf: &mut Vec<u8>) {
    write_csv_row(buf, COLUMNS.iter().map(|c| c.as_bytes()));
    for (name, s) in p.rows() {
        let mut ids: Vec<&str> = s.ids.keys().map(String::as_str).collect();
        ids.sort_unstable();
        let share = |n: u64| format!("{:.3}", n as f64 / s.messages.max(1) as f64);
        let top: Vec<String> = s
            .top_correspondents(3)
            .into_iter()
            .map(|(c, n)| format!("{c} ({n})"))
            .collect();
        let first = s.first.map(|t| local_stamp(&t)).unwrap_or_default();
        let last = s.last.map(|t| local_stamp(&t)).unwrap_or_default();
        let cells: Vec<Vec<u8>> = vec![
            cell(name, raw),
            cell(&ids.join(";"), raw),
            first,
            last,
            s.active_days().to_string().into_bytes(),
            s.messages.to_string().into_bytes(),
            s.characters.to_string().into_bytes(),
            share(s.after_hours).into_bytes(),
            share(s.weekend).into_bytes(),
            s.busiest_hour()
                .map(|h| h.to_string())
                .unwrap_or_default()
                .into_bytes(),
            s.median_reply_secs()
                .map(|r| r.to_string())
                .unwrap_or_default()
                .into_bytes(),
            s.replies().to_string().into_bytes(),
            cell(&top.join("; "), raw),
        ];
        write_csv_row(buf, cells.iter().map(|c| &c[..]));
    }
}
