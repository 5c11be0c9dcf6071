//! `topics --sample`: the sample to label, as CSV with an empty `label` column. Columns:
//! `id,file,line,stratum,weight,predicted,cues,label,text`.

use super::cell;
use crate::analysis::topic_eval;
use crate::analysis::topic_sample::Sample;
use crate::analysis::topics::TopicMatcher;
use crate::output::write_csv_row;
use crate::pipeline::Report;

/// The header.
pub const COLUMNS: [&str; 9] = [
    "id",
    "file",
    "line",
    "stratum",
    "weight",
    "predicted",
    "cues",
    "label",
    "text",
];

/// Writes the sample; with `why`, each row's `cues` says which cues fired.
pub fn write_csv(
    sample: &Sample,
    matcher: &TopicMatcher,
    report: &Report,
    why: bool,
    raw: bool,
    buf: &mut Vec<u8>,
) {
    let ids = matcher.ids();
    write_csv_row(buf, COLUMNS.iter().map(|c| c.as_bytes()));
    for (i, (s, c)) in sample.rows.iter().enumerate() {
        let id = (i + 1).to_string();
        let file = c.source.as_deref().unwrap_or_else(|| report.path(c.file));
        let line = c.line.to_string();
        let weight = format!("{:.3}", sample.weights[*s]);
        let predicted: Vec<&str> = c.topics.iter().map(|t| ids[t].as_str()).collect();
        let predicted = predicted.join(";");
        let cues = if why {
            topic_eval::describe(matcher, &matcher.explain(&c.body))
        } else {
            String::new()
        };
        let cells: [Vec<u8>; 9] = [
            id.into_bytes(),
            cell(file, raw),
            line.into_bytes(),
            cell(&sample.strata[*s], raw),
            weight.into_bytes(),
            predicted.into_bytes(),
            cell(&cues, raw),
            Vec::new(),
            cell(&c.body, raw),
        ];
        write_csv_row(buf, cells.iter().map(|c| c.as_slice()));
    }
}
