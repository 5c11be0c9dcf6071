//! One run over the inputs: what was found, how to read it, and who is who.
//!
//! A command builds a [`Job`] (the inputs listed by [`crate::source::walk`], the pipeline
//! options, the output zone) and a [`Selection`] (the alias file, the filter), then calls one
//! function of [`crate::output`] or [`Job::analyse`] with them.

use crate::analysis::alias::Aliases;
use crate::analysis::topics::TopicMatcher;
use crate::analysis::{self, Accumulator, Filter, Settings};
use crate::error::{Result, StrictStop};
use crate::pipeline::{Options, Report};
use crate::source::{self, SourceFile, Walk, WalkProblem};
use crate::time::Zone;

/// What one command reads and how.
#[derive(Debug, Clone)]
pub struct Job {
    /// The inputs found, ordered by display path.
    pub files: Vec<SourceFile>,
    /// Inputs that could not be listed.
    pub walk_problems: Vec<WalkProblem>,
    /// Pipeline options (format, encoding, source zone, …).
    pub options: Options,
    /// Output zone for local times, hours and buckets.
    pub tz: Zone,
    /// Stop at the first malformed record.
    pub strict: bool,
    /// Print nothing on stderr but errors.
    pub quiet: bool,
}

impl Job {
    /// Lists the inputs under `paths` (files, folders, zip archives, `-`).
    pub fn open(paths: &[String], options: Options, tz: Zone) -> Result<Job> {
        let Walk { files, problems } = source::walk(paths)?;
        Ok(Job {
            files,
            walk_problems: problems,
            options,
            tz,
            strict: false,
            quiet: false,
        })
    }

    /// Keeps only shard `k` of `n` (1-based, `--shard K/N`) of the inputs found under
    /// `roots`: the files whose path relative to their root hashes to it
    /// ([`source::shard_of`]). The `n` shards together read every file exactly once; a file
    /// is never cut between shards.
    pub fn keep_shard(&mut self, roots: &[String], k: u32, n: u32) {
        let mine =
            |path: &str| source::shard_of(&source::relative_to_roots(roots, path), n) + 1 == k;
        self.files.retain(|f| mine(&f.path));
        for (i, f) in self.files.iter_mut().enumerate() {
            f.id = i as crate::model::FileId;
        }
        self.walk_problems.retain(|p| mine(&p.path));
    }

    /// The analysis settings of this job with `selection` and, optionally, topics.
    pub fn settings<'s>(
        &self,
        selection: &'s Selection,
        topics: Option<&'s TopicMatcher>,
    ) -> Settings<'s> {
        Settings {
            tz: self.tz,
            aliases: &selection.aliases,
            filter: &selection.filter,
            include_system: selection.include_system,
            topics,
        }
    }

    /// With `--strict`, the first problem so far as an error.
    pub fn check_strict(&self, report: &Report) -> Result<()> {
        if self.strict
            && let Some(stop) = StrictStop::first(report)
        {
            return Err(stop.into());
        }
        Ok(())
    }

    /// Reads every input into one accumulator (a fresh one per chunk from `make`, merged in
    /// input order), honouring `--strict`.
    pub fn analyse<A, M>(
        &self,
        selection: &Selection,
        topics: Option<&TopicMatcher>,
        make: M,
    ) -> Result<(A, Report)>
    where
        A: Accumulator,
        M: Fn() -> A + Sync,
    {
        let settings = self.settings(selection, topics);
        analysis::run(
            &self.files,
            &self.options,
            self.walk_problems.clone(),
            &settings,
            make,
            |report| self.check_strict(report),
        )
    }
}

/// Which messages count, and who is who.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// The alias file (or none).
    pub aliases: Aliases,
    /// Time range and senders.
    pub filter: Filter,
    /// Count system rows (joins, notices) as activity.
    pub include_system: bool,
}
