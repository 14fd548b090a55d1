//! The Trend view's data: snapshots laid side by side and their sites
//! ranked by [`analysis::trend::trend`](crate::analysis::trend::trend), the
//! same ranking `pprof-tui trend` prints, recomputed when the sample type
//! changes.

use crate::analysis::trend::{Trend, TrendOptions, trend};
use crate::analysis::{Filters, Granularity};
use crate::cli::trend::trend_granularity;
use crate::profile::Merged;

/// What the Trend view is opened with.
pub struct TrendInput {
    /// The snapshots laid side by side, oldest first
    /// (see [`side_by_side_owned`](crate::profile::side_by_side_owned)).
    pub snapshots: Merged,
    /// Each snapshot's time in minutes since the first, when all have one.
    pub minutes: Option<Vec<f64>>,
    /// Sample type to rank by, an index into the merged sample types.
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
    input: TrendInput,
    pub trend: Trend,
    pub selected: usize,
    /// First visible row.
    pub offset: usize,
}

impl TrendModel {
    pub fn new(input: TrendInput) -> TrendModel {
        let trend = compute(&input);
        TrendModel {
            input,
            trend,
            selected: 0,
            offset: 0,
        }
    }

    /// Notes about the snapshots.
    pub fn warnings(&self) -> &[String] {
        &self.input.warnings
    }

    /// How many snapshots are compared.
    pub fn snapshot_count(&self) -> usize {
        self.input.snapshots.groups.len()
    }

    pub fn sample_index(&self) -> usize {
        self.input.sample_index
    }

    /// The sample types the trend can rank by.
    pub fn sample_type_count(&self) -> usize {
        self.input.snapshots.profile.sample_types.len()
    }

    /// Ranks again by another sample type, keeping the selected site if it
    /// is still there.
    pub fn set_sample_index(&mut self, sample_index: usize) {
        if sample_index >= self.sample_type_count() {
            return;
        }
        let name = self.trend.rows.get(self.selected).map(|r| r.name.clone());
        self.input.sample_index = sample_index;
        self.trend = compute(&self.input);
        self.selected = name
            .and_then(|n| self.trend.rows.iter().position(|r| r.name == n))
            .unwrap_or(0);
        self.offset = 0;
    }
}

fn compute(input: &TrendInput) -> Trend {
    let profile = &input.snapshots.profile;
    let options = TrendOptions {
        sample_index: input.sample_index,
        granularity: trend_granularity(
            profile,
            input.sample_index,
            input.granularity,
            input.granularity_given,
        ),
        filters: input.filters.clone(),
        ..TrendOptions::default()
    };
    trend(&input.snapshots, input.minutes.as_deref(), &options)
}
