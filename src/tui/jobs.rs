//! Background work (a model, its call tree, a Trend ranking, a watch's new
//! snapshot, the heap's explanation) goes through one runner where the
//! latest request of each kind wins, like gitui's `AsyncSingleJob`: asking
//! again replaces a job still waiting, tells one running to stop (work that
//! can stop early checks its flag), and the result of one asked for before
//! the latest is dropped on arrival. Jobs run on a fixed pool of workers
//! ([`Workers`]); without one (tests, benchmarks) they run at once.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::model::{Model, Settings, SourceModel};
use super::trend::{RankError, Ranking, TrendSettings};
use super::watch::{Rebuild, Rebuilt};
use super::why::{WhyIndex, WhyRequest};
use crate::analysis::calltree::TreeShape;
use crate::analysis::trend::Trend;
use crate::analysis::{CallTree, Cancel, Inlined, NodeId, NodeTotals};
use crate::profile::Profile;

/// What a job computes.
#[derive(Debug)]
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

/// The kinds of work: at most one of each runs and one waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Model,
    Tree,
    Trend,
    Source,
    Inline,
    Watch,
    Why,
}

impl Kind {
    /// Every kind, in the order the progress indicator names them first.
    const ALL: [Kind; 7] = [
        Kind::Model,
        Kind::Tree,
        Kind::Trend,
        Kind::Source,
        Kind::Inline,
        Kind::Watch,
        Kind::Why,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// The progress indicator's words.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Model => "recomputing",
            Kind::Tree => "building the call tree",
            Kind::Trend => "ranking the snapshots",
            Kind::Source => "reading the source lines",
            Kind::Inline => "finding inlined calls",
            Kind::Watch => "taking in the new snapshot",
            Kind::Why => "explaining allocations",
        }
    }

    /// Whether a new request of this kind makes work of `other` useless:
    /// its own kind, and for new rows (a model) the tree, source lines and
    /// inline suffixes computed from the old rows.
    fn supersedes(self, other: Kind) -> bool {
        self == other
            || (self == Kind::Model && matches!(other, Kind::Tree | Kind::Source | Kind::Inline))
    }
}

/// How many kinds there are.
const KINDS: usize = Kind::ALL.len();

impl Work {
    pub fn kind(&self) -> Kind {
        match self {
            Work::Model(..) => Kind::Model,
            Work::Tree(_) => Kind::Tree,
            Work::Trend(_) => Kind::Trend,
            Work::Source(_) => Kind::Source,
            Work::Inline(..) => Kind::Inline,
            Work::Watch(_) => Kind::Watch,
            Work::Why(_) => Kind::Why,
        }
    }

    /// The progress indicator's words.
    pub fn label(&self) -> &'static str {
        self.kind().label()
    }
}

/// Work handed to the runner (see [`Jobs::take`]).
#[derive(Debug)]
pub struct Job {
    id: u64,
    work: Work,
    /// Set when a later request supersedes this one while it runs.
    cancel: Arc<AtomicBool>,
}

/// A finished [`Job`].
pub struct Done {
    id: u64,
    kind: Kind,
    pub output: Output,
}

pub enum Output {
    Model(Box<Model>),
    Tree(CallTree),
    Inline(Vec<(NodeId, Inlined)>),
    /// A ranking, with the id of the snapshots it ranks.
    Trend(Box<(TrendSettings, Result<Trend, RankError>)>, usize),
    Source(crate::analysis::NodeId, Box<SourceModel>),
    Watch(Box<Rebuilt>),
    Why(Option<(WhyIndex, Option<(String, bool)>)>),
    /// A job told to stop before it finished: no result.
    Cancelled,
}

impl Job {
    pub fn kind(&self) -> Kind {
        self.work.kind()
    }

    /// Runs the job (on any thread). A model, call tree or set of inline
    /// suffixes told to stop meanwhile ends early, as [`Output::Cancelled`].
    pub fn run(self, profile: &Profile) -> Done {
        let kind = self.work.kind();
        let cancel = Cancel::new(Arc::clone(&self.cancel));
        let cancelled = |output: Output| {
            if cancel.is_cancelled() {
                Output::Cancelled
            } else {
                output
            }
        };
        let output = match self.work {
            Work::Model(settings, shape) => cancelled(Output::Model(Box::new(match shape {
                Some(shape) => Model::compute_with_tree(profile, &settings, shape, &cancel),
                None => Model::compute(profile, &settings, &cancel),
            }))),
            Work::Tree(settings) => cancelled(Output::Tree(Model::compute_tree(
                profile, &settings, None, &cancel,
            ))),
            Work::Inline(settings, totals) => cancelled(Output::Inline(Model::compute_inlined(
                profile, &settings, totals, &cancel,
            ))),
            Work::Trend(ranking) => match ranking.run(&|| cancel.is_cancelled()) {
                Err(RankError::Cancelled) => Output::Cancelled,
                ranked => Output::Trend(
                    Box::new((ranking.settings.clone(), ranked)),
                    ranking.input_id(),
                ),
            },
            Work::Watch(rebuild) => Output::Watch(Box::new(rebuild.run(&self.cancel))),
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

/// The runner's bookkeeping: single-flight per kind, like gitui's
/// `AsyncSingleJob`. Asking again replaces a job of the kind still
/// waiting; one running goes on (the work of a watch stops itself, see
/// [`Rebuild`]) and its result, asked for before the latest, is dropped on
/// arrival. A kind's next job starts only once its running one is done,
/// so at most one runs and one waits per kind.
#[derive(Debug, Default)]
pub struct Jobs {
    /// The id of the latest request of each kind.
    latest: [u64; KINDS],
    /// Requests not yet started, at most one per kind.
    waiting: VecDeque<Job>,
    /// The id of the job of each kind running, and its stop flag.
    running: [Option<(u64, Arc<AtomicBool>)>; KINDS],
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
        for other in Kind::ALL.into_iter().filter(|&k| kind.supersedes(k)) {
            self.latest[other.index()] = self.next_id;
            self.since[other.index()] = None;
            self.cancel(other);
        }
        self.since[kind.index()] = Some(Instant::now());
        self.waiting.retain(|j| !kind.supersedes(j.kind()));
        let job = Job {
            id: self.next_id,
            work,
            cancel: Arc::default(),
        };
        if background {
            self.waiting.push_back(job);
            None
        } else {
            Some(job)
        }
    }

    /// The next job to start, oldest request first, of a kind with none
    /// running; it counts as running until [`Jobs::finished`] sees it.
    pub fn take(&mut self) -> Option<Job> {
        let at = self
            .waiting
            .iter()
            .position(|j| self.running[j.kind().index()].is_none())?;
        let job = self.waiting.remove(at)?;
        self.running[job.kind().index()] = Some((job.id, Arc::clone(&job.cancel)));
        Some(job)
    }

    /// Tells the running job of `kind`, if any, to stop.
    pub fn cancel(&mut self, kind: Kind) {
        if let Some((_, flag)) = &self.running[kind.index()] {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// Whether a job of `kind` runs or waits.
    pub fn pending(&self, kind: Kind) -> bool {
        self.running[kind.index()].is_some() || self.waiting.iter().any(|j| j.kind() == kind)
    }

    /// Whether `done` answers the latest request of its kind (then that
    /// kind is no longer busy).
    pub fn finished(&mut self, done: &Done) -> bool {
        let k = done.kind.index();
        if self.running[k]
            .as_ref()
            .is_some_and(|(id, _)| *id == done.id)
        {
            self.running[k] = None;
        }
        let latest = self.latest[k] == done.id;
        if latest {
            self.since[k] = None;
        }
        latest
    }

    /// What is being computed, and since when: the first of the kinds
    /// waited for, in the order model, tree, ranking, source lines, inline
    /// suffixes, new snapshot.
    pub fn busy(&self) -> Option<(&'static str, Instant)> {
        Kind::ALL
            .into_iter()
            .find_map(|k| self.since[k.index()].map(|t| (k.label(), t)))
    }
}

/// Work to run on a worker.
type Task = Box<dyn FnOnce() + Send>;

/// A fixed pool of worker threads that run jobs in the order given, and
/// free what the app let go of (a snapshot, the views it replaced:
/// hundreds of megabytes, tens of milliseconds to free). No thread per job:
/// the threads a watch uses stay bounded however fast snapshots come.
/// Nobody waits for the workers: dropping the pool lets them end after
/// their task, and a process that quits does not join them.
pub struct Workers {
    tasks: Sender<Task>,
}

/// The workers a UI runs jobs on: one. Jobs mostly wait on each other
/// anyway (rows, then their tree, then inline suffixes), large walks split
/// across cores by themselves, and a watch then costs few threads: this one
/// and the UI's, the poller (with its request's resolver and its decoder's
/// inflater), and a walk's helpers.
pub const WORKERS: usize = 1;

/// Where [`drop_elsewhere`] sends what it frees: the workers, once started.
static FREEING: Mutex<Option<Sender<Task>>> = Mutex::new(None);

impl Workers {
    /// Starts `n` workers (at least one); they also free what
    /// [`drop_elsewhere`] is given from then on.
    pub fn start(n: usize) -> Workers {
        let (tasks, queue) = mpsc::channel::<Task>();
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..n.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || {
                loop {
                    // The lock is held only to take a task, not to run it.
                    let task = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match task {
                        Ok(task) => task(),
                        Err(_) => return,
                    }
                }
            });
        }
        if let Ok(mut freeing) = FREEING.lock() {
            *freeing = Some(tasks.clone());
        }
        Workers { tasks }
    }

    /// Runs `job` on `profile` on a worker and sends the result to `done`.
    pub fn run(&self, job: Job, profile: Arc<Profile>, done: Sender<Done>) {
        let _ = self.tasks.send(Box::new(move || {
            let _ = done.send(job.run(&profile));
        }));
    }
}

/// Frees `value` on a worker (see [`Workers`]), or here when none runs
/// (tests): a snapshot leaving a watch, or the views it replaced, can hold
/// hundreds of megabytes, and freeing them took the UI thread tens of
/// milliseconds on a 5 MB profile.
pub fn drop_elsewhere<T: Send + 'static>(value: T) {
    let task: Task = Box::new(move || drop(value));
    let rejected = match FREEING.lock() {
        Ok(freeing) => match freeing.as_ref() {
            Some(tx) => tx.send(task).err().map(|e| e.0),
            None => Some(task),
        },
        Err(_) => Some(task),
    };
    // Not sent: freed here, after the lock is let go.
    drop(rejected);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Filters;
    use crate::analysis::TopOrder;

    fn model() -> Work {
        Work::Model(
            Settings {
                sample_index: 0,
                granularity: Default::default(),
                filters: Filters::default(),
                sort: TopOrder::Flat,
            },
            None,
        )
    }

    fn tree() -> Work {
        Work::Tree(Settings {
            sample_index: 0,
            granularity: Default::default(),
            filters: Filters::default(),
            sort: TopOrder::Flat,
        })
    }

    #[test]
    fn one_runs_and_one_waits_per_kind() {
        let mut jobs = Jobs::default();
        assert!(jobs.request(model(), true).is_none());
        assert!(jobs.request(model(), true).is_none());
        let first = jobs.take().unwrap();
        assert_eq!(first.id, 2, "the later request replaced the waiting one");
        // Another model waits while one runs, and tells it to stop.
        jobs.request(model(), true);
        assert!(first.cancel.load(Ordering::Relaxed));
        assert!(jobs.take().is_none(), "a model is running");
        // Other kinds still start.
        jobs.request(tree(), true);
        let tree_job = jobs.take().unwrap();
        assert_eq!(tree_job.kind(), Kind::Tree);
        assert!(jobs.pending(Kind::Model));
        // The superseded model's result is dropped; then the next starts.
        let done = Done {
            id: first.id,
            kind: Kind::Model,
            output: Output::Inline(Vec::new()),
        };
        assert!(!jobs.finished(&done));
        assert_eq!(jobs.take().unwrap().id, 3);
        assert!(jobs.take().is_none());
    }

    #[test]
    fn a_new_model_supersedes_the_work_on_the_old_rows() {
        let mut jobs = Jobs::default();
        jobs.request(tree(), true);
        let tree_job = jobs.take().unwrap();
        jobs.request(model(), true);
        assert!(tree_job.cancel.load(Ordering::Relaxed));
        let done = Done {
            id: tree_job.id,
            kind: Kind::Tree,
            output: Output::Inline(Vec::new()),
        };
        assert!(!jobs.finished(&done));
        assert_eq!(jobs.busy().map(|b| b.0), Some("recomputing"));
    }

    #[test]
    fn a_superseded_job_stops_with_no_result() {
        let profile = crate::profile::decode(
            &std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("testdata/leaky/heap-1.pb.gz"),
            )
            .unwrap(),
            &crate::profile::DecodeOptions::default(),
        )
        .unwrap();
        // The rows' totals, for the inline suffixes: node ids of the whole
        // view, which a view stopped while it was built does not have.
        let Output::Model(rows) = Jobs::default()
            .request(model(), false)
            .unwrap()
            .run(&profile)
            .output
        else {
            panic!("a model");
        };
        let totals = rows.row_totals();
        assert!(!totals.is_empty());
        let Work::Model(settings, _) = model() else {
            panic!("a model");
        };
        let inline = || Work::Inline(settings.clone(), totals.clone());
        let works: [&dyn Fn() -> Work; 3] = [&model, &tree, &inline];
        for work in works {
            let mut jobs = Jobs::default();
            jobs.request(work(), true);
            let first = jobs.take().unwrap();
            // A new model supersedes a running model, tree or suffixes:
            // told to stop.
            jobs.request(model(), true);
            let done = first.run(&profile);
            assert!(matches!(done.output, Output::Cancelled));
            assert!(!jobs.finished(&done));
            // The latest runs to the end.
            let done = jobs.take().unwrap().run(&profile);
            assert!(matches!(&done.output, Output::Model(m) if !m.rows.is_empty()));
            assert!(jobs.finished(&done));
        }
    }

    #[test]
    fn workers_run_jobs_and_stay_few() {
        let workers = Workers::start(WORKERS);
        let (tx, rx) = mpsc::channel();
        let profile = Arc::new(
            crate::profile::decode(
                &std::fs::read(
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("testdata/leaky/heap-1.pb.gz"),
                )
                .unwrap(),
                &crate::profile::DecodeOptions::default(),
            )
            .unwrap(),
        );
        let mut jobs = Jobs::default();
        for _ in 0..20 {
            jobs.request(tree(), true);
            if let Some(job) = jobs.take() {
                workers.run(job, Arc::clone(&profile), tx.clone());
            }
        }
        let done = rx.recv().unwrap();
        // Superseded while it ran: stopped, unless it was done by then.
        assert!(matches!(done.output, Output::Tree(_) | Output::Cancelled));
        assert!(!jobs.finished(&done), "superseded while it ran");
        if let Some(job) = jobs.take() {
            workers.run(job, Arc::clone(&profile), tx.clone());
        }
        let last = rx.recv().unwrap();
        assert!(jobs.finished(&last));
        assert!(jobs.take().is_none());
    }
}
