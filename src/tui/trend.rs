//! The Trend view's data: the snapshots and their sites ranked by
//! [`analysis::trend::trend`](crate::analysis::trend::trend), the same
//! ranking `pprof-tui trend` prints, recomputed when the sample type
//! changes.

use std::sync::Arc;

use crate::analysis::trend::{Snapshots, Trend, TrendOptions, trend};
use crate::analysis::{Filters, Granularity};
use crate::cli::trend::trend_granularity;
use crate::profile::ProfileError;

/// What the Trend view is opened with.
pub struct TrendInput {
    /// The snapshots, oldest first (see [`Snapshots::new`]).
    pub snapshots: Snapshots,
    /// Each snapshot's time in minutes since the first, when all have one.
    pub minutes: Option<Vec<f64>>,
    /// Sample type to rank by, an index into the snapshots' sample types
    /// ([`Snapshots::profile`]).
    pub sample_index: usize,
    pub granularity: Granularity,
    /// Whether the granularity was chosen by the user; if not, goroutine
    /// profiles compare whole stacks, as `trend` does.
    pub granularity_given: bool,
    pub filters: Filters,
    /// Notes about the snapshots (order, sample types) for the status bar.
    pub warnings: Vec<String>,
}

/// The ranked sites and the view's selection.
pub struct TrendModel {
    /// Shared with rankings running on other threads.
    input: Arc<TrendInput>,
    /// The sample type `trend` ranks by.
    sample_index: usize,
    pub trend: Trend,
    pub selected: usize,
    /// First visible row.
    pub offset: usize,
}

impl TrendModel {
    /// Ranks the snapshots; fails only when they had to be merged (see
    /// [`TrendOptions::needs_merged`]) and could not be.
    pub fn new(input: TrendInput) -> Result<TrendModel, ProfileError> {
        // Snapshots kept apart would be merged again on every ranking that
        // needs them merged: merge them once, for good.
        let merge = (0..input.snapshots.profile().sample_types.len())
            .any(|i| options(&input, i).needs_merged());
        let input = if merge {
            TrendInput {
                snapshots: input.snapshots.into_merged()?,
                ..input
            }
        } else {
            input
        };
        let sample_index = input.sample_index;
        let trend = compute(&input, sample_index)?;
        Ok(TrendModel {
            input: Arc::new(input),
            sample_index,
            trend,
            selected: 0,
            offset: 0,
        })
    }

    /// Notes about the snapshots.
    pub fn warnings(&self) -> &[String] {
        &self.input.warnings
    }

    /// How many snapshots are compared.
    pub fn snapshot_count(&self) -> usize {
        self.input.snapshots.count()
    }

    pub fn sample_index(&self) -> usize {
        self.sample_index
    }

    /// The sample types the trend can rank by.
    pub fn sample_type_count(&self) -> usize {
        self.input.snapshots.profile().sample_types.len()
    }

    /// The ranking by another sample type, to run on any thread and hand
    /// to [`TrendModel::install`]; `None` for a type the snapshots lack.
    pub fn ranking(&self, sample_index: usize) -> Option<Ranking> {
        (sample_index < self.sample_type_count()).then(|| Ranking {
            input: Arc::clone(&self.input),
            sample_index,
        })
    }

    /// Shows a finished ranking, keeping the selected site if it is still
    /// there.
    pub fn install(&mut self, sample_index: usize, trend: Trend) {
        let name = self.trend.rows.get(self.selected).map(|r| r.name.clone());
        self.sample_index = sample_index;
        self.trend = trend;
        self.selected = name
            .and_then(|n| self.trend.rows.iter().position(|r| r.name == n))
            .unwrap_or(0);
        self.offset = 0;
    }
}

/// Ranking the snapshots by one sample type: slow on big profiles, so the
/// app runs it off the UI thread.
#[derive(Clone)]
pub struct Ranking {
    input: Arc<TrendInput>,
    pub sample_index: usize,
}

impl std::fmt::Debug for Ranking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ranking({})", self.sample_index)
    }
}

impl Ranking {
    pub fn run(&self) -> Result<Trend, ProfileError> {
        compute(&self.input, self.sample_index)
    }
}

/// The options ranking by sample type `sample_index` uses.
fn options(input: &TrendInput, sample_index: usize) -> TrendOptions {
    TrendOptions {
        sample_index,
        granularity: trend_granularity(
            input.snapshots.profile(),
            sample_index,
            input.granularity,
            input.granularity_given,
        ),
        filters: input.filters.clone(),
        ..TrendOptions::default()
    }
}

fn compute(input: &TrendInput, sample_index: usize) -> Result<Trend, ProfileError> {
    trend(
        &input.snapshots,
        input.minutes.as_deref(),
        &options(input, sample_index),
    )
}
