//! Background work (a model, its call tree, a Trend ranking) goes through
//! one runner where the latest request of each kind wins, like gitui's
//! `AsyncSingleJob`: asking again replaces a job still waiting, and the
//! result of one asked for before the latest is dropped on arrival.
//! Without a background thread (tests, benchmarks) jobs run at once.

use std::collections::VecDeque;

use super::model::{Model, Settings, TreeParts};
use super::trend::{Ranking, TrendSettings};
use crate::analysis::trend::Trend;
use crate::profile::{Profile, ProfileError};

/// What a job computes.
#[derive(Debug, Clone)]
pub enum Work {
    /// The Top rows for new settings.
    Model(Settings),
    /// The call tree and inline suffixes for the model's settings.
    Tree(Settings),
    /// The Trend view's ranking.
    Trend(Ranking),
}

impl Work {
    fn kind(&self) -> usize {
        match self {
            Work::Model(_) => 0,
            Work::Tree(_) => 1,
            Work::Trend(_) => 2,
        }
    }

    /// The progress indicator's words.
    pub fn label(&self) -> &'static str {
        match self {
            Work::Model(_) => "recomputing",
            Work::Tree(_) => "building the call tree",
            Work::Trend(_) => "ranking the snapshots",
        }
    }
}

/// Work handed to the runner (see [`Jobs::take`]).
#[derive(Debug, Clone)]
pub struct Job {
    id: u64,
    work: Work,
}

/// A finished [`Job`].
pub struct Done {
    id: u64,
    kind: usize,
    pub output: Output,
}

pub enum Output {
    Model(Model),
    Tree(TreeParts),
    Trend(Box<(TrendSettings, Result<Trend, ProfileError>)>),
}

impl Job {
    /// Runs the job (on any thread).
    pub fn run(self, profile: &Profile) -> Done {
        let kind = self.work.kind();
        let output = match self.work {
            Work::Model(settings) => Output::Model(Model::compute(profile, &settings)),
            Work::Tree(settings) => Output::Tree(Model::compute_tree(profile, &settings)),
            Work::Trend(ranking) => {
                Output::Trend(Box::new((ranking.settings.clone(), ranking.run())))
            }
        };
        Done {
            id: self.id,
            kind,
            output,
        }
    }
}

/// The runner's bookkeeping.
#[derive(Debug, Default)]
pub struct Jobs {
    /// The id of the latest request of each kind.
    latest: [u64; 3],
    /// Requests not yet started, at most one per kind.
    waiting: VecDeque<Job>,
    next_id: u64,
}

impl Jobs {
    /// Asks for `work`, superseding any earlier request of its kind (a new
    /// model also supersedes the tree of the old one). Returns the job to
    /// run now when there is no background runner.
    pub fn request(&mut self, work: Work, background: bool) -> Option<Job> {
        self.next_id += 1;
        let kind = work.kind();
        self.latest[kind] = self.next_id;
        if kind == 0 {
            self.latest[1] = self.next_id;
        }
        self.waiting
            .retain(|j| j.work.kind() != kind && !(kind == 0 && j.work.kind() == 1));
        let job = Job {
            id: self.next_id,
            work,
        };
        if background {
            self.waiting.push_back(job);
            None
        } else {
            Some(job)
        }
    }

    /// The next job to start, oldest request first.
    pub fn take(&mut self) -> Option<Job> {
        self.waiting.pop_front()
    }

    /// Whether `done` answers the latest request of its kind.
    pub fn is_latest(&self, done: &Done) -> bool {
        self.latest[done.kind] == done.id
    }
}
