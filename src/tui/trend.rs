//! The Trend view's data: the snapshots and their sites ranked by
//! [`analysis::trend::trend`](crate::analysis::trend::trend), the same
//! ranking `pprof-tui trend` prints, re-ranked when the sample type,
//! granularity, filters or sort change.
//!
//! Snapshots opened from files are held whole only while the view opens:
//! once the first ranking is done, the older ones are dropped ([`Reload`])
//! and every later ranking reads them again from their files, on the job's
//! thread, stopping between files when superseded: one file at a time, each
//! reduced to its sums before the next is read, unless the rows show
//! allocation rates (timed snapshots), which need them whole. "Why on heap"
//! reads them one at a time for the heap's growth by line. Three 80 MB
//! snapshots held whole cost three profiles' memory beside the views of the
//! newest, for a ranking that a user may never change.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::analysis::explain::{heap_indices, snapshot_trend};
use crate::analysis::series::{RankOptions, Reduction, SeriesError, SeriesTrend, SiteSeries};
use crate::analysis::trend::{MAX_COMPARED, Restart, Trend, TrendOptions, alloc_warning, trend};
use crate::analysis::{Filters, Granularity, Lineup, SortBy};
use crate::profile::{MergeError, Profile};

/// What the Trend view is opened with.
pub struct TrendInput {
    /// The snapshots, oldest first (see [`Lineup::snapshots`]).
    pub snapshots: Lineup,
    /// Each snapshot's time in minutes since the first, when all have one.
    pub minutes: Option<Vec<f64>>,
    /// Sample type to rank by, an index into the snapshots' sample types
    /// ([`Lineup::profile`]).
    pub sample_index: usize,
    /// The granularity asked for; `None` leaves it to the study (goroutine
    /// profiles compare whole stacks, as `trend` does).
    pub granularity: Option<Granularity>,
    pub filters: Filters,
    /// Notes about the snapshots (order, sample types) for the status bar.
    pub warnings: Vec<String>,
    /// Where a new process started (see [`crate::analysis::trend::lives`]).
    pub restarts: Vec<Restart>,
    /// `--profiler`: the profiler's own sites may be suspects.
    pub profiler: bool,
}

/// How the older snapshots of a Trend view of files are read again once
/// dropped: their files, in comparison order, read as the session first
/// read them; the newest stays with the views.
pub struct Reload {
    /// Every snapshot but the newest, oldest first.
    pub older: Vec<crate::input::source::Source>,
    /// The session's loader (see [`super::session::Loader`]).
    pub load: super::session::Loader,
    /// The newest snapshot, shared with the other views.
    pub newest: Arc<Profile>,
}

/// Why the snapshots could not be ranked.
#[derive(Debug, thiserror::Error)]
pub enum RankError {
    #[error(transparent)]
    Merge(#[from] MergeError),
    /// Reading a dropped snapshot again failed (its file changed or went).
    #[error("reading the snapshots again: {0}")]
    Reload(String),
    /// Superseded while reading the snapshots again.
    #[error("cancelled")]
    Cancelled,
}

/// The snapshots a Trend view of files ranks, shared with the jobs that
/// rank them and explain the heap.
pub struct Snapshots {
    /// The snapshots lined up, until [`Snapshots::release`] drops them.
    held: Mutex<Option<Arc<Lineup>>>,
    /// Set once they are dropped.
    reload: OnceLock<Reload>,
    /// The heap's growth by line ("why on heap"), computed once.
    heap_growth: OnceLock<Option<Arc<Trend>>>,
    count: usize,
    sample_types: usize,
    minutes: Option<Vec<f64>>,
    restarts: Vec<Restart>,
    warnings: Vec<String>,
    profiler: bool,
}

impl Snapshots {
    fn new(input: TrendInput) -> Snapshots {
        let TrendInput {
            snapshots,
            minutes,
            warnings,
            restarts,
            profiler,
            ..
        } = input;
        Snapshots {
            count: snapshots.count(),
            sample_types: snapshots.profile().sample_types.len(),
            held: Mutex::new(Some(Arc::new(snapshots))),
            reload: OnceLock::new(),
            heap_growth: OnceLock::new(),
            minutes,
            restarts,
            warnings,
            profiler,
        }
    }

    /// A watch's snapshots kept whole, held for good.
    pub fn whole(input: TrendInput) -> Arc<Snapshots> {
        Arc::new(Snapshots::new(input))
    }

    /// How many snapshots are compared.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The snapshots lined up: as held, or read again from their files
    /// (`cancelled` is asked between files).
    fn lineup(&self, cancelled: &dyn Fn() -> bool) -> Result<Arc<Lineup>, RankError> {
        if let Some(lineup) = self.held() {
            return Ok(lineup);
        }
        let Some(reload) = self.reload.get() else {
            return Err(RankError::Reload("the snapshots were dropped".to_owned()));
        };
        let mut profiles: Vec<Arc<Profile>> = Vec::with_capacity(reload.older.len() + 1);
        for source in &reload.older {
            if cancelled() {
                return Err(RankError::Cancelled);
            }
            let loaded = (reload.load)(std::slice::from_ref(source))
                .map_err(|e| RankError::Reload(format!("{e:#}")))?;
            profiles.extend(loaded.into_iter().map(Arc::new));
        }
        profiles.push(Arc::clone(&reload.newest));
        Ok(Arc::new(Lineup::snapshots(profiles)?))
    }

    /// The snapshots as held, until released.
    fn held(&self) -> Option<Arc<Lineup>> {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The heap's growth by line over the snapshots, which "why on heap"
    /// classifies leaks by; `None` for profiles other than Go heaps.
    pub fn heap_growth(&self) -> Option<Arc<Trend>> {
        self.heap_growth
            .get_or_init(|| match self.held() {
                Some(lineup) => {
                    heap_indices(lineup.profile()).ok()?;
                    snapshot_trend(
                        &lineup,
                        self.minutes.as_deref(),
                        &self.restarts,
                        &Filters::default(),
                    )
                    .ok()
                    .map(Arc::new)
                }
                None => self.reduced_heap_growth().map(Arc::new),
            })
            .clone()
    }

    /// [`Snapshots::heap_growth`] once the snapshots were dropped (see
    /// [`Snapshots::reduced`]).
    fn reduced_heap_growth(&self) -> Option<Trend> {
        let reload = self.reload.get()?;
        let [_, _, _, inuse_space] = heap_indices(&reload.newest).ok()?;
        let how = Reduction {
            sample_index: inuse_space,
            granularity: Granularity::Lines,
            filters: Filters::default(),
        };
        let mut series = self.reduced(reload, how, &|| false).ok()?;
        Some(series.rank(&RankOptions::default())?.trend)
    }

    /// The dropped snapshots read again one file at a time, each reduced
    /// to its sums at `how` before the next is read (as a watch reduces
    /// its snapshots), so no two old profiles are in memory together. A
    /// series ranks as `trend` ranks the profiles (tests/series.rs), but
    /// for the allocation rates and ages ([`Snapshots::needs_whole`]).
    fn reduced(
        &self,
        reload: &Reload,
        how: Reduction,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<SiteSeries, RankError> {
        let reduce_error = |e: SeriesError| match e {
            SeriesError::Cancelled => RankError::Cancelled,
            other => RankError::Reload(other.to_string()),
        };
        let mut series = SiteSeries::new(how, self.count);
        for source in &reload.older {
            if cancelled() {
                return Err(RankError::Cancelled);
            }
            let loaded = (reload.load)(std::slice::from_ref(source))
                .map_err(|e| RankError::Reload(format!("{e:#}")))?;
            for profile in loaded {
                series
                    .reduce_and_push(&profile, source.display_name(), cancelled)
                    .map_err(reduce_error)?;
            }
        }
        series
            .reduce_and_push(&reload.newest, "newest".to_owned(), cancelled)
            .map_err(reduce_error)?;
        Ok(series)
    }

    /// Whether a ranking may show allocation rates and ages (time stamps
    /// that differ: see [`crate::analysis::trend::Turnover`]), which only
    /// the snapshots lined up whole give; a series compares at most
    /// [`MAX_COMPARED`] snapshots.
    fn needs_whole(&self) -> bool {
        let timed = self
            .minutes
            .as_ref()
            .is_some_and(|m| m.windows(2).any(|w| w[0] != w[1]));
        timed || self.count > MAX_COMPARED
    }

    /// Ranks at `settings`: the snapshots as held; once dropped, reduced
    /// one file at a time when that gives the same rows, else read again
    /// whole.
    fn rank(
        &self,
        settings: &TrendSettings,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Trend, RankError> {
        if let (None, Some(reload), false) = (self.held(), self.reload.get(), self.needs_whole()) {
            let how = Reduction {
                sample_index: settings.sample_index,
                granularity: settings.granularity,
                filters: settings.filters.clone(),
            };
            let options = RankOptions {
                by: settings.by,
                profiler: self.profiler,
                ..RankOptions::default()
            };
            return self
                .reduced(reload, how, cancelled)?
                .rank(&options)
                .map(|ranked| ranked.trend)
                .ok_or_else(|| RankError::Reload("fewer than two snapshots".to_owned()));
        }
        let lineup = self.lineup(cancelled)?;
        Ok(trend(
            &lineup,
            self.minutes.as_deref(),
            &self.restarts,
            &options(settings, self.profiler),
        )?)
    }

    /// Drops the snapshots, to be read again through `reload`; kept when
    /// they are combined into one profile (small ones: goroutine stacks,
    /// labels filtered), since then the newest is not shared with the
    /// views.
    fn release(&self, reload: Reload) {
        let apart = self.held().is_some_and(|l| l.kept_apart());
        if !apart || reload.older.len() + 1 != self.count {
            return;
        }
        if self.reload.set(reload).is_ok() {
            let dropped = self
                .held
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            super::jobs::drop_elsewhere(dropped);
        }
    }
}

/// What one ranking is computed for.
#[derive(Debug, Clone)]
pub struct TrendSettings {
    pub sample_index: usize,
    pub granularity: Granularity,
    pub filters: Filters,
    /// Follow each site's flat value or its cum.
    pub by: SortBy,
}

/// What a Trend view ranks.
enum Source {
    /// Snapshots given as files, shared with rankings running on other
    /// threads.
    Files(Arc<Snapshots>),
    /// A watch's series (see [`crate::analysis::series`]): ranked by the
    /// watch's own job, which owns the series.
    Watch {
        snapshots: usize,
        sample_types: usize,
        notes: Vec<String>,
    },
}

/// The ranked sites and the view's selection.
pub struct TrendModel {
    input: Source,
    /// What `trend` is ranked by.
    pub settings: TrendSettings,
    pub trend: Trend,
    pub selected: usize,
    /// First visible row.
    pub offset: usize,
    /// Settings asked for but not ranked yet, so quick repeated keys step
    /// on from what was asked, not from what is shown.
    pub wanted: Option<TrendSettings>,
}

impl TrendModel {
    /// Ranks the snapshots; fails only when they had to be merged (see
    /// [`Lineup::ready_for`]) and could not be.
    pub fn new(input: TrendInput) -> Result<TrendModel, MergeError> {
        let granularity = crate::analysis::study_granularity(
            input.snapshots.profile(),
            input.sample_index,
            input.granularity,
        );
        let settings = TrendSettings {
            sample_index: input.sample_index,
            granularity,
            filters: input.filters.clone(),
            by: SortBy::Flat,
        };
        // Snapshots kept apart would be merged again on every ranking that
        // needs them merged: merged once, for good.
        let snapshots = input
            .snapshots
            .ready_for(settings.granularity, &settings.filters)?;
        let trend = trend(
            &snapshots,
            input.minutes.as_deref(),
            &input.restarts,
            &options(&settings, input.profiler),
        )?;
        let input = Snapshots::new(TrendInput { snapshots, ..input });
        Ok(TrendModel {
            input: Source::Files(Arc::new(input)),
            settings,
            trend,
            selected: 0,
            offset: 0,
            wanted: None,
        })
    }

    /// A watch's series ranked at `settings` (`sample_types`: how many
    /// the snapshots have).
    pub fn of_series(
        ranked: SeriesTrend,
        settings: TrendSettings,
        sample_types: usize,
    ) -> TrendModel {
        TrendModel {
            input: Source::Watch {
                snapshots: ranked.snapshots.len(),
                sample_types,
                notes: ranked.notes,
            },
            settings,
            trend: ranked.trend,
            selected: 0,
            offset: 0,
            wanted: None,
        }
    }

    /// Notes about the snapshots and about the sample type ranked by, as
    /// `pprof-tui trend` prints them.
    pub fn warnings(&self) -> Vec<String> {
        let mut all = match &self.input {
            Source::Files(input) => input.warnings.clone(),
            Source::Watch { notes, .. } => notes.clone(),
        };
        all.extend(alloc_warning(&self.trend.sample_type.name));
        all
    }

    /// The note on the newest restart among the snapshots (see
    /// [`Restart::describe`]), if any.
    pub fn newest_restart(&self) -> Option<&str> {
        let notes = match &self.input {
            Source::Files(input) => &input.warnings,
            Source::Watch { notes, .. } => notes,
        };
        notes
            .iter()
            .rev()
            .find(|w| w.starts_with("restart: "))
            .map(String::as_str)
    }

    /// Drops the snapshots opened from files, to be read again through
    /// `reload` by later rankings (see the module documentation).
    pub fn release(&self, reload: Reload) {
        if let Source::Files(input) = &self.input {
            input.release(reload);
        }
    }

    /// Whether the snapshots are in memory (a watch's, or files not yet
    /// released); otherwise each ranking reads them again.
    pub fn holds_snapshots(&self) -> bool {
        match &self.input {
            Source::Files(input) => input.held().is_some(),
            Source::Watch { .. } => false,
        }
    }

    /// The snapshots and how they were given, shareable with a worker;
    /// `None` for a watch's series (no profiles behind it).
    pub fn input(&self) -> Option<Arc<Snapshots>> {
        match &self.input {
            Source::Files(input) => Some(Arc::clone(input)),
            Source::Watch { .. } => None,
        }
    }

    /// How many snapshots are compared.
    pub fn snapshot_count(&self) -> usize {
        match &self.input {
            Source::Files(input) => input.count,
            Source::Watch { snapshots, .. } => *snapshots,
        }
    }

    /// The sample types the trend can rank by.
    pub fn sample_type_count(&self) -> usize {
        match &self.input {
            Source::Files(input) => input.sample_types,
            Source::Watch { sample_types, .. } => *sample_types,
        }
    }

    /// The ranking for `settings`, to run on any thread and hand to
    /// [`TrendModel::install`]; `None` for a type the snapshots lack, and
    /// for a watch (its own job ranks it).
    pub fn ranking(&self, settings: TrendSettings) -> Option<Ranking> {
        match &self.input {
            Source::Files(input) if settings.sample_index < self.sample_type_count() => {
                Some(Ranking {
                    input: Arc::clone(input),
                    settings,
                })
            }
            _ => None,
        }
    }

    /// Which snapshots this model ranks: a ranking of other snapshots is
    /// not installed.
    pub fn input_id(&self) -> usize {
        match &self.input {
            Source::Files(input) => Arc::as_ptr(input) as usize,
            Source::Watch { .. } => 0,
        }
    }

    /// The name of the selected site.
    pub fn selected_row(&self) -> Option<&crate::analysis::trend::TrendRow> {
        self.trend.rows.get(self.selected)
    }

    /// The settings asked for last (shown or still being ranked).
    pub fn settings_wanted(&self) -> TrendSettings {
        self.wanted.clone().unwrap_or_else(|| self.settings.clone())
    }

    /// Shows a finished ranking, keeping the selected site if it is still
    /// there (by name; a whole stack also by the function naming it).
    pub fn install(&mut self, settings: TrendSettings, trend: Trend) {
        self.wanted = None;
        let old = self
            .selected_row()
            .map(|r| (r.name.clone(), site_function(r)));
        self.settings = settings;
        self.trend = trend;
        self.selected = old
            .and_then(|(name, function)| {
                let rows = &self.trend.rows;
                rows.iter()
                    .position(|r| r.name == name)
                    .or_else(|| rows.iter().position(|r| site_function(r) == function))
            })
            .unwrap_or(0);
    }
}

/// The function a trend row stands for: a whole stack's site frame, else
/// the node's function (its name without a line or address).
pub fn site_function(row: &crate::analysis::trend::TrendRow) -> String {
    match &row.stack {
        Some(stack) => stack.name().to_owned(),
        None => row.name.clone(),
    }
}

/// Ranking the snapshots for some settings: slow on big profiles, so the
/// app runs it off the UI thread.
#[derive(Clone)]
pub struct Ranking {
    input: Arc<Snapshots>,
    pub settings: TrendSettings,
}

impl std::fmt::Debug for Ranking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ranking({:?})", self.settings)
    }
}

impl Ranking {
    /// Which snapshots it ranks (see [`TrendModel::input_id`]).
    pub fn input_id(&self) -> usize {
        Arc::as_ptr(&self.input) as usize
    }

    /// Ranks (reading dropped snapshots again first); `cancelled` is
    /// asked between the files read.
    pub fn run(&self, cancelled: &dyn Fn() -> bool) -> Result<Trend, RankError> {
        self.input.rank(&self.settings, cancelled)
    }
}

/// The options of a ranking for `settings`.
fn options(settings: &TrendSettings, profiler: bool) -> TrendOptions {
    TrendOptions {
        profiler,
        sample_index: settings.sample_index,
        granularity: settings.granularity,
        filters: settings.filters.clone(),
        by: settings.by,
        ..TrendOptions::default()
    }
}
