//! The library's error type: what can end a run.
//!
//! Malformed records never end a run (they are [`crate::model::Problem`]s in the
//! [`crate::pipeline::Report`]); these are the failures that do: an input that cannot be
//! listed or opened, an output that cannot be written, an alias conflict, `--strict`.

use crate::analysis::AnalysisError;
use crate::analysis::alias::AliasConflict;
use crate::output::chart::ChartError;
use crate::pipeline::Report;
use crate::source::SourceError;
use std::io;
use std::path::PathBuf;

/// What ends a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An output file could not be created or committed.
    #[error("cannot write {}", path.display())]
    Create {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Writing into an output failed part way.
    #[error("writing {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// An output folder could not be created, or is not a folder.
    #[error("cannot create {}", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A file the run needs (a sort scratch file, an input to evaluate) could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Any other input or output failure, with what was being done.
    #[error("{what}")]
    Io {
        /// What was being done.
        what: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// `--strict` and a record was malformed.
    #[error(transparent)]
    Strict(#[from] StrictStop),
    /// An id matched the patterns of two people.
    #[error(transparent)]
    Alias(#[from] Box<AliasConflict>),
    /// Listing or opening the inputs failed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// A setting was wrong (a folder that is a file, a sample file without labels, …).
    #[error("{0}")]
    Invalid(String),
}

impl From<AnalysisError> for Error {
    fn from(e: AnalysisError) -> Error {
        match e {
            AnalysisError::Alias(c) => Error::Alias(c),
        }
    }
}

impl Error {
    /// The error as it happened while writing `path`: an unnamed input or output failure
    /// gets the file's name.
    pub fn writing(self, path: &std::path::Path) -> Error {
        match self {
            Error::Io { source, .. } => Error::Write {
                path: path.to_path_buf(),
                source,
            },
            e => e,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io {
            what: "writing output".into(),
            source: e,
        }
    }
}

/// The error `--strict` stops with: the first malformed record.
#[derive(Debug, thiserror::Error)]
#[error("--strict: malformed record at {path}:{line}: {what}")]
pub struct StrictStop {
    /// File.
    pub path: String,
    /// Line.
    pub line: u64,
    /// What.
    pub what: String,
}

impl StrictStop {
    /// The first problem of a report, if there is one.
    pub fn first(report: &Report) -> Option<StrictStop> {
        if let Some(p) = report.problems.first() {
            return Some(StrictStop {
                path: report.path(p.loc.file).to_string(),
                line: p.loc.line,
                what: p.what.clone(),
            });
        }
        report.walk_problems.first().map(|w| StrictStop {
            path: w.path.clone(),
            line: 0,
            what: w.what.clone(),
        })
    }
}

/// The library's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
