//! Watch mode: the app fed by a [`Feed`] of snapshots from a live service
//! (`pprof-tui --watch 10s URL`). Each snapshot is reduced once, on
//! arrival, to its sites' sums ([`SiteSeries`]), and the Trend view ranks
//! that series: an arrival costs one profile's walk, not one per snapshot
//! kept. Only the newest few snapshots are kept whole (`--keep-profiles`),
//! for the other views: the newest, or after `d` the newest against the
//! oldest kept whole, as `--diff-base` would show them.
//!
//! The series lives in one job at a time ([`Rebuild`]): the job takes it,
//! adds the new snapshot (or reduces the snapshots kept whole again, for
//! new settings), ranks it and hands it back with the views it built. While
//! it is out, the app takes no new snapshot from the feed, so the poller
//! waits (back-pressure) and the views are never more than one snapshot
//! behind. Settings changed meanwhile stop the job early; the app then
//! starts the next one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jiff::Timestamp;

use super::jobs::drop_elsewhere;
use super::trend::{Snapshots, TrendInput, TrendModel, TrendSettings, site_function};
use crate::analysis::runtime::RuntimePoint;
use crate::analysis::series::{RankOptions, Reduction, SiteSeries};
use crate::analysis::{Filters, Granularity, Lineup, SortBy, Study, study_granularity};
use crate::input::watch::{Event, Failure, Feed, Ring};
use crate::profile::{BaseMode, Profile};

/// One snapshot kept whole.
#[derive(Debug)]
pub struct Kept {
    pub profile: Arc<Profile>,
    pub name: String,
    pub taken_at: Timestamp,
    pub poll: u64,
}

impl From<crate::input::watch::Snapshot> for Kept {
    fn from(s: crate::input::watch::Snapshot) -> Kept {
        Kept {
            profile: Arc::new(s.profile),
            name: s.name,
            taken_at: s.taken_at,
            poll: s.poll,
        }
    }
}

/// The snapshots kept whole by default (`--keep-profiles`).
pub const KEEP_PROFILES: usize = 3;

/// At most this many snapshots are listed in the runtime panel (the newest).
const RUNTIME_ROWS: usize = 100;

/// The watch as the app sees it.
pub struct WatchState {
    feed: Feed,
    /// The newest snapshots kept whole, oldest first.
    ring: Ring<Arc<Kept>>,
    /// The reduced snapshots; `None` while a job has it, or before the first.
    series: Option<SiteSeries>,
    /// Whether a job has the series.
    out: bool,
    /// Snapshots taken but not yet reduced, oldest first.
    unreduced: Vec<Arc<Kept>>,
    /// How many reduced snapshots the series keeps (`--keep`).
    keep: usize,
    /// Bumped by every change the views must follow (a snapshot, new
    /// settings, `d`); `built` is the one the views show.
    asked: u64,
    built: u64,
    /// The stop flag of the job that has the series.
    stop: Option<Arc<AtomicBool>>,
    /// What is watched, for the title.
    pub url: String,
    /// The latest poll heard of (snapshot or failure).
    pub polls: u64,
    /// Snapshots taken since the start.
    pub taken: u64,
    /// Polls left out because the previous snapshot was still being taken in.
    pub skipped: u64,
    /// The last poll's failure, until a poll succeeds.
    pub failure: Option<Failure>,
    /// Whether the other views show the newest against the first (`d`).
    pub diff: bool,
    /// The granularity asked for on the command line (`None`: the study's).
    pub granularity: Option<Granularity>,
    /// The sample type the Trend view opens on, by name (`None`: the
    /// snapshots' default).
    pub sample_type: Option<String>,
    /// `--profiler`: the profiler's own sites may be suspects.
    pub profiler: bool,
}

impl WatchState {
    /// A watch whose snapshots arrive through `feed`, ranking the newest
    /// `keep` and keeping [`KEEP_PROFILES`] whole.
    pub fn new(
        feed: Feed,
        url: String,
        keep: usize,
        granularity: Option<Granularity>,
    ) -> WatchState {
        WatchState {
            feed,
            ring: Ring::new(KEEP_PROFILES),
            series: None,
            out: false,
            unreduced: Vec::new(),
            keep,
            asked: 0,
            built: 0,
            stop: None,
            url,
            polls: 0,
            taken: 0,
            skipped: 0,
            failure: None,
            diff: false,
            granularity,
            sample_type: None,
            profiler: false,
        }
    }

    /// Keeps the newest `n` snapshots whole (at least one).
    pub fn with_keep_profiles(mut self, n: usize) -> WatchState {
        self.ring = Ring::new(n);
        self
    }

    /// Takes what the feed delivered since the last call, up to one
    /// snapshot, and none while a job has the series (the poller waits
    /// meanwhile); true when a snapshot came (the views must follow).
    pub fn drain(&mut self) -> bool {
        if self.out {
            return false;
        }
        while let Ok(event) = self.feed.events.try_recv() {
            if self.take(event) {
                return true;
            }
        }
        false
    }

    /// Takes one event; true for a snapshot.
    pub fn take(&mut self, event: Event) -> bool {
        match event {
            Event::Snapshot(snapshot) => {
                self.polls = self.polls.max(snapshot.poll);
                self.taken += 1;
                self.skipped += snapshot.skipped;
                self.failure = None;
                let kept = Arc::new(Kept::from(*snapshot));
                self.unreduced.push(Arc::clone(&kept));
                if let Some(old) = self.ring.push(kept) {
                    drop_elsewhere(old);
                }
                self.asked += 1;
                true
            }
            Event::Failed(failure) => {
                self.polls = self.polls.max(failure.poll);
                self.failure = Some(failure);
                false
            }
        }
    }

    /// The views must follow a change (new settings, `d`); a job that has
    /// the series is told to stop.
    pub fn changed(&mut self) {
        self.asked += 1;
        if let Some(stop) = &self.stop {
            stop.store(true, Ordering::Relaxed);
        }
    }

    /// The newest snapshot.
    pub fn newest(&self) -> Option<&Arc<Kept>> {
        self.ring.last()
    }

    /// How many snapshots the Trend view ranks (or will, once the first
    /// job is back).
    pub fn kept(&self) -> usize {
        self.series
            .as_ref()
            .map_or(self.ring.len(), |s| s.len().max(self.ring.len()))
    }

    /// How many snapshots are kept whole.
    pub fn kept_whole(&self) -> usize {
        self.ring.len()
    }

    pub fn paused(&self) -> bool {
        self.feed.control.is_paused()
    }

    /// Pauses or resumes polling; returns whether it is paused now.
    pub fn toggle_pause(&self) -> bool {
        if self.paused() {
            self.feed.control.resume();
            false
        } else {
            self.feed.control.pause();
            true
        }
    }

    /// Whether a poll is under way (fetching and decoding).
    pub fn fetching(&self) -> bool {
        !self.paused() && self.feed.control.next_poll().is_none()
    }

    /// When the next poll starts, as a time of day (UTC); `None` while a
    /// poll runs, when paused, or with no poller behind the feed.
    pub fn next_poll(&self) -> Option<Timestamp> {
        let at = self.feed.control.next_poll()?;
        let wait = at.saturating_duration_since(std::time::Instant::now());
        let wait = jiff::SignedDuration::try_from(wait).ok()?;
        Timestamp::now().checked_add(wait).ok()
    }

    /// Whether the views lag behind what was asked and no job is at it.
    pub fn behind(&self) -> bool {
        !self.out && self.asked != self.built
    }

    /// The job that brings the views up to date: it takes the series,
    /// with the Trend view's settings asked for last and the name of its
    /// sample type (`None`: the defaults). `None` while a job has the series.
    pub fn rebuild(
        &mut self,
        trend: Option<(TrendSettings, String)>,
        filters: Filters,
    ) -> Option<Rebuild> {
        if self.out {
            return None;
        }
        let (trend, sample_type) = match trend {
            Some((settings, name)) => (Some(settings), Some(name)),
            None => (None, self.sample_type.clone()),
        };
        let stop = Arc::new(AtomicBool::new(false));
        self.stop = Some(Arc::clone(&stop));
        self.out = true;
        Some(Rebuild {
            series: self.series.take(),
            unreduced: std::mem::take(&mut self.unreduced),
            whole: self.ring.iter().cloned().collect(),
            keep: self.keep,
            diff: self.diff,
            trend,
            sample_type,
            granularity: self.granularity,
            filters,
            asked: self.asked,
            stop,
            profiler: self.profiler,
        })
    }

    /// Takes the series back from the job that had it.
    pub fn back(&mut self, rebuilt: &mut Rebuilt) {
        self.out = false;
        self.stop = None;
        self.series = rebuilt.series.take();
        // What the job did not get to (it was stopped) comes first.
        let mut left = std::mem::take(&mut rebuilt.unreduced);
        left.append(&mut self.unreduced);
        self.unreduced = left;
        if rebuilt.complete {
            self.built = rebuilt.asked;
        }
    }
}

impl WatchState {
    /// Ends the polling (after a poll under way).
    pub fn stop(&self) {
        self.feed.control.stop();
    }
}

impl Drop for WatchState {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Bringing the views up to date with the watch: reduce the new
/// snapshots (or, for new settings, every snapshot kept whole), rank the
/// series, and prepare the profile the other views show. It owns the series
/// while it runs and hands it back in [`Rebuilt`].
#[derive(Debug)]
pub struct Rebuild {
    series: Option<SiteSeries>,
    unreduced: Vec<Arc<Kept>>,
    /// The snapshots kept whole, oldest first.
    whole: Vec<Arc<Kept>>,
    keep: usize,
    diff: bool,
    /// The Trend view's settings, once it has some.
    trend: Option<TrendSettings>,
    /// The sample type to rank by, by name.
    sample_type: Option<String>,
    granularity: Option<Granularity>,
    filters: Filters,
    asked: u64,
    stop: Arc<AtomicBool>,
    profiler: bool,
}

/// What [`Rebuild::run`] built (when it was not stopped: see
/// [`Rebuilt::complete`]).
pub struct Rebuilt {
    /// The series, handed back (see [`WatchState::back`]).
    series: Option<SiteSeries>,
    /// Snapshots the job was stopped before reducing.
    unreduced: Vec<Arc<Kept>>,
    /// Whether the job finished (it was not stopped).
    complete: bool,
    asked: u64,
    /// The Trend view over the series; `None` with one snapshot.
    pub trend: Result<Option<TrendModel>, String>,
    /// The profile the other views show and the study export draws from.
    pub shown: Result<(Arc<Profile>, Study), String>,
    /// The header's title.
    pub title: String,
    /// Whether `shown` is the newest against the first.
    pub diff: bool,
    /// The runtime panel's series: the newest snapshots, oldest first,
    /// with their runtime numbers.
    pub runtime: Vec<(String, RuntimePoint)>,
    /// The snapshots kept whole, as the leak class of "why on heap" reads
    /// them.
    pub whole: Option<Arc<Snapshots>>,
    /// What the status bar should say (a snapshot that could not be taken in).
    pub note: Option<String>,
}

impl Rebuilt {
    /// Whether the job finished; a stopped one built no views.
    pub fn complete(&self) -> bool {
        self.complete
    }
}

impl Rebuild {
    /// Runs the job; `cancel` (the runner's flag) stops it early, as does
    /// the watch's own.
    pub fn run(mut self, cancel: &AtomicBool) -> Rebuilt {
        let stop = Arc::clone(&self.stop);
        let stopped = move || stop.load(Ordering::Relaxed) || cancel.load(Ordering::Relaxed);
        let mut note = None;
        let mut complete = true;
        let newest = self.whole.last().map(|k| Arc::clone(&k.profile));
        let how = newest.as_deref().map(|p| self.reduction(p));
        let mut series = self.series.take();
        let mut again = false;
        if let Some(how) = how {
            again = series
                .as_ref()
                .is_none_or(|s| !same_reduction(s.reduction(), &how));
            if again {
                // New settings: the snapshots kept whole are reduced anew
                // (the older ones are gone) and the series starts over.
                self.unreduced = self.whole.clone();
                series = Some(SiteSeries::new(how, self.keep));
            }
            if let Some(series) = series.as_mut() {
                while !self.unreduced.is_empty() {
                    if stopped() {
                        complete = false;
                        break;
                    }
                    let kept = self.unreduced.remove(0);
                    match series.reduce_and_push(&kept.profile, kept.name.clone(), &stopped) {
                        Ok(()) => {}
                        Err(crate::analysis::series::SeriesError::Cancelled) => {
                            self.unreduced.insert(0, kept);
                            complete = false;
                            break;
                        }
                        Err(e) => note = Some(format!("cannot rank the snapshots: {e}")),
                    }
                }
                if again && !complete {
                    // The snapshots kept whole are all reduced next time.
                    self.unreduced.clear();
                }
            }
        }
        let (trend, shown, runtime, title, whole) = if complete {
            let trend = series.as_mut().map_or(Ok(None), |s| self.trend_model(s));
            let runtime = series.as_ref().map_or_else(Vec::new, |s| {
                let skip = s.len().saturating_sub(RUNTIME_ROWS);
                s.facts()
                    .skip(skip)
                    .map(|f| (f.name.clone(), f.runtime.clone()))
                    .collect()
            });
            let count = series.as_ref().map_or(self.whole.len(), SiteSeries::len);
            (
                trend,
                self.shown(),
                runtime,
                self.title(count),
                self.whole_input(),
            )
        } else {
            (
                Ok(None),
                Err(String::new()),
                Vec::new(),
                String::new(),
                None,
            )
        };
        // A series half reduced at new settings is thrown away: the next
        // job reduces the snapshots kept whole again.
        let series = if again && !complete { None } else { series };
        Rebuilt {
            series,
            unreduced: self.unreduced,
            complete,
            asked: self.asked,
            trend,
            shown,
            title,
            diff: self.diff,
            runtime,
            whole,
            note,
        }
    }

    /// What to reduce the snapshots at: the Trend view's settings, else
    /// the sample type by name (or the default) and the study's granularity
    /// for `profile`.
    fn reduction(&self, profile: &Profile) -> Reduction {
        match &self.trend {
            Some(t) => Reduction {
                sample_index: t.sample_index,
                granularity: t.granularity,
                filters: t.filters.clone(),
            },
            None => {
                let sample_index = self
                    .sample_type
                    .as_ref()
                    .and_then(|name| profile.sample_types.iter().position(|t| &t.name == name))
                    .unwrap_or_else(|| profile.default_sample_index());
                Reduction {
                    sample_index,
                    granularity: study_granularity(profile, sample_index, self.granularity),
                    filters: self.filters.clone(),
                }
            }
        }
    }

    fn title(&self, count: usize) -> String {
        let newest = self.whole.last().map_or("", |s| s.name.as_str());
        match (self.diff, self.whole.first()) {
            (true, Some(first)) if self.whole.len() > 1 => {
                format!("{newest} vs {} (watching)", first.name)
            }
            _ => format!("{newest} (newest of {count}, watching)"),
        }
    }

    /// The Trend view over the series, ranked by the view's sort.
    fn trend_model(&self, series: &mut SiteSeries) -> Result<Option<TrendModel>, String> {
        let by = self.trend.as_ref().map_or(SortBy::Flat, |t| t.by);
        let Some(ranked) = series.rank(&RankOptions {
            by,
            profiler: self.profiler,
            ..RankOptions::default()
        }) else {
            return Ok(None);
        };
        let how = series.reduction();
        let settings = TrendSettings {
            sample_index: how.sample_index,
            granularity: how.granularity,
            filters: how.filters.clone(),
            by,
        };
        Ok(Some(TrendModel::of_series(
            ranked,
            settings,
            series.sample_types().len(),
        )))
    }

    /// The snapshots kept whole, lined up (shared, not copied).
    fn whole_input(&self) -> Option<Arc<Snapshots>> {
        if self.whole.len() < 2 {
            return None;
        }
        let profiles: Vec<Arc<Profile>> =
            self.whole.iter().map(|k| Arc::clone(&k.profile)).collect();
        let names = self.whole.iter().map(|k| k.name.clone()).collect();
        let mut timeline = Study::snapshots(profiles, names).into_timeline().ok()?;
        let snapshots: Lineup = timeline.take_snapshots().ok()?;
        Some(Snapshots::whole(TrendInput {
            snapshots,
            minutes: timeline.minutes,
            sample_index: 0,
            granularity: None,
            filters: Filters::default(),
            warnings: timeline.notes,
            restarts: timeline.restarts,
            profiler: self.profiler,
        }))
    }

    /// The newest snapshot, or the newest against the oldest kept whole.
    fn shown(&self) -> Result<(Arc<Profile>, Study), String> {
        let newest = self.whole.last().ok_or("no snapshot yet")?;
        match self.whole.first() {
            Some(first) if self.diff && self.whole.len() > 1 => Study::against(
                vec![(*newest.profile).clone()],
                vec![(*first.profile).clone()],
                BaseMode::DiffBase,
                false,
            )
            .and_then(Study::into_shown)
            .map_err(|e| format!("cannot diff the newest snapshot against the first: {e}")),
            _ => Ok((
                Arc::clone(&newest.profile),
                Study::One(Arc::clone(&newest.profile)),
            )),
        }
    }
}

/// Whether snapshots reduced at `a` and at `b` have the same sums.
fn same_reduction(a: &Reduction, b: &Reduction) -> bool {
    a.sample_index == b.sample_index
        && a.granularity == b.granularity
        && a.filters.describe() == b.filters.describe()
}

/// Keeps the selection of `old` in `new` by the site's name (a whole stack
/// also by the function naming it), and the scroll position. A selection
/// on the first row stays there: it follows the top suspect, as a live
/// view should when the user has not picked another site.
pub fn carry_selection(old: &TrendModel, new: &mut TrendModel) {
    if old.selected == 0 {
        return;
    }
    let Some(row) = old.selected_row() else {
        return;
    };
    let (name, function) = (row.name.clone(), site_function(row));
    let rows = &new.trend.rows;
    if let Some(at) = rows
        .iter()
        .position(|r| r.name == name)
        .or_else(|| rows.iter().position(|r| site_function(r) == function))
    {
        new.selected = at;
        new.offset = old.offset.min(at);
    }
}
