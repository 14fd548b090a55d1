//! Background work (a model, its call tree, a Trend ranking, the heap's
//! explanation) goes through
//! one runner where the latest request of each kind wins, like gitui's
//! `AsyncSingleJob`: asking again replaces a job still waiting, and the
//! result of one asked for before the latest is dropped on arrival.
//! Without a background thread (tests, benchmarks) jobs run at once.

use std::collections::VecDeque;
use std::time::Instant;

use std::sync::Arc;

use super::model::{Model, Settings, SourceModel};
use super::trend::{Ranking, TrendSettings};
use super::watch::{Rebuild, Rebuilt};
use super::why::{WhyIndex, WhyRequest};
use crate::analysis::calltree::TreeShape;
use crate::analysis::trend::Trend;
use crate::analysis::{CallTree, Inlined, NodeId, NodeTotals};
use crate::profile::{MergeError, Profile};

/// What a job computes.
#[derive(Debug, Clone)]
pub enum Work {
    /// The Top rows for new settings, and their call tree too when the
    /// stacks sorted for the current one fit (only the sample type changed).
    Model(Settings, Option<Arc<TreeShape>>),
    /// The call tree for the model's settings.
    Tree(Settings),
    /// Every Top row's inline suffix, from the rows' totals.
    Inline(Settings, Vec<NodeTotals>),
    /// The Trend view's ranking.
    Trend(Ranking),
    /// The lines of one function, for the Source view.
    Source(SourceRequest),
    /// The views rebuilt for a new snapshot of a watch.
    Watch(Box<Rebuild>),
    /// The heap profile's allocation sites explained (why on heap).
    Why(WhyRequest),
}

/// What the Source view asks for: the lines of `node`'s function.
#[derive(Debug, Clone)]
pub struct SourceRequest {
    pub node: crate::analysis::NodeId,
    pub function: String,
    pub sample_index: usize,
    pub filters: crate::analysis::Filters,
    /// Directories to look for the file in (`--source-path`).
    pub paths: Vec<std::path::PathBuf>,
}

impl Work {
    fn kind(&self) -> usize {
        match self {
            Work::Model(..) => 0,
            Work::Tree(_) => 1,
            Work::Trend(_) => 2,
            Work::Source(_) => 3,
            Work::Inline(..) => 4,
            Work::Watch(_) => 5,
            Work::Why(_) => 6,
        }
    }

    /// The progress indicator's words.
    pub fn label(&self) -> &'static str {
        LABELS[self.kind()]
    }
}

/// The progress indicator's words for each kind of work.
const LABELS: [&str; KINDS] = [
    "recomputing",
    "building the call tree",
    "ranking the snapshots",
    "reading the source lines",
    "finding inlined calls",
    "taking in the new snapshot",
    "explaining allocations",
];

/// Kinds of work.
const KINDS: usize = 7;

/// The kinds computed for one model's rows: a new model supersedes them.
const DEPENDS_ON_ROWS: [usize; 3] = [1, 3, 4];

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
    Model(Box<Model>),
    Tree(CallTree),
    Inline(Vec<(NodeId, Inlined)>),
    /// A ranking, with the id of the snapshots it ranks.
    Trend(Box<(TrendSettings, Result<Trend, MergeError>)>, usize),
    Source(crate::analysis::NodeId, Box<SourceModel>),
    Watch(Box<Rebuilt>),
    Why(Option<(WhyIndex, Option<(String, bool)>)>),
}

impl Job {
    /// Runs the job (on any thread).
    pub fn run(self, profile: &Profile) -> Done {
        let kind = self.work.kind();
        let output = match self.work {
            Work::Model(settings, shape) => Output::Model(Box::new(match shape {
                Some(shape) => Model::compute_with_tree(profile, &settings, shape),
                None => Model::compute(profile, &settings),
            })),
            Work::Tree(settings) => Output::Tree(Model::compute_tree(profile, &settings, None)),
            Work::Inline(settings, totals) => {
                Output::Inline(Model::compute_inlined(profile, &settings, totals))
            }
            Work::Trend(ranking) => Output::Trend(
                Box::new((ranking.settings.clone(), ranking.run())),
                ranking.input_id(),
            ),
            Work::Watch(rebuild) => Output::Watch(Box::new(rebuild.run())),
            Work::Why(request) => Output::Why(request.run(profile)),
            Work::Source(r) => Output::Source(
                r.node,
                Box::new(SourceModel::compute(
                    profile,
                    r.sample_index,
                    &r.filters,
                    &r.function,
                    &r.paths,
                )),
            ),
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
    latest: [u64; KINDS],
    /// Requests not yet started, at most one per kind.
    waiting: VecDeque<Job>,
    /// When the latest request of each kind was made, until its result
    /// arrives.
    since: [Option<Instant>; KINDS],
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
        self.since[kind] = Some(Instant::now());
        // New rows: the old tree, source lines and inline suffixes are of no use.
        let superseded = |k: usize| k == kind || (kind == 0 && DEPENDS_ON_ROWS.contains(&k));
        for k in DEPENDS_ON_ROWS
            .into_iter()
            .filter(|&k| kind == 0 && k != kind)
        {
            self.latest[k] = self.next_id;
            self.since[k] = None;
        }
        self.waiting.retain(|j| !superseded(j.work.kind()));
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

    /// Whether `done` answers the latest request of its kind (then that
    /// kind is no longer busy).
    pub fn finished(&mut self, done: &Done) -> bool {
        let latest = self.latest[done.kind] == done.id;
        if latest {
            self.since[done.kind] = None;
        }
        latest
    }

    /// What is being computed, and since when: the first of the kinds
    /// waited for, in the order model, tree, ranking, source lines, inline
    /// suffixes, new snapshot.
    pub fn busy(&self) -> Option<(&'static str, Instant)> {
        (0..KINDS).find_map(|k| self.since[k].map(|t| (LABELS[k], t)))
    }
}
