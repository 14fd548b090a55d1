//! The Trend view's data: the snapshots and their sites ranked by
//! [`analysis::trend::trend`](crate::analysis::trend::trend), the same
//! ranking `pprof-tui trend` prints, re-ranked when the sample type,
//! granularity, filters or sort change.

use std::sync::Arc;

use crate::analysis::series::SeriesTrend;
use crate::analysis::trend::{Restart, Trend, TrendOptions, alloc_warning, trend};
use crate::analysis::{Filters, Granularity, Lineup, SortBy};
use crate::profile::MergeError;

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
    Files(Arc<TrendInput>),
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
        let input = TrendInput {
            snapshots: input
                .snapshots
                .ready_for(settings.granularity, &settings.filters)?,
            ..input
        };
        let trend = compute(&input, &settings)?;
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

    /// The snapshots and how they were given, shareable with a worker;
    /// `None` for a watch's series (no profiles behind it).
    pub fn input(&self) -> Option<Arc<TrendInput>> {
        match &self.input {
            Source::Files(input) => Some(Arc::clone(input)),
            Source::Watch { .. } => None,
        }
    }

    /// How many snapshots are compared.
    pub fn snapshot_count(&self) -> usize {
        match &self.input {
            Source::Files(input) => input.snapshots.count(),
            Source::Watch { snapshots, .. } => *snapshots,
        }
    }

    /// The sample types the trend can rank by.
    pub fn sample_type_count(&self) -> usize {
        match &self.input {
            Source::Files(input) => input.snapshots.profile().sample_types.len(),
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
    input: Arc<TrendInput>,
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

    pub fn run(&self) -> Result<Trend, MergeError> {
        compute(&self.input, &self.settings)
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

fn compute(input: &TrendInput, settings: &TrendSettings) -> Result<Trend, MergeError> {
    trend(
        &input.snapshots,
        input.minutes.as_deref(),
        &input.restarts,
        &options(settings, input.profiler),
    )
}
