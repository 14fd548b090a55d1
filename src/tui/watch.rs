//! Watch mode: the app fed by a [`Feed`] of snapshots from a live service
//! (`pprof-tui --watch 10s URL`). The newest snapshots are kept in a ring;
//! each arrival re-ranks the Trend view over the ring and shows the newest
//! snapshot (or, after `d`, the newest against the first, as
//! `--diff-base` would) in the other views. The work runs as a job off the
//! UI thread; the app only swaps in what it built.

use std::sync::Arc;

use jiff::Timestamp;

use super::trend::{TrendInput, TrendModel, TrendSettings, site_function};
use crate::analysis::runtime::{RuntimePoint, runtime_point};
use crate::analysis::{Filters, Granularity, SortBy, Study};
use crate::profile::{BaseMode, Profile};
use crate::watch::{Event, Failure, Feed, Ring};

/// One snapshot as the app keeps it.
#[derive(Debug)]
pub struct Kept {
    pub profile: Arc<Profile>,
    pub name: String,
    pub taken_at: Timestamp,
    pub poll: u64,
}

impl From<crate::watch::Snapshot> for Kept {
    fn from(s: crate::watch::Snapshot) -> Kept {
        Kept {
            profile: Arc::new(s.profile),
            name: s.name,
            taken_at: s.taken_at,
            poll: s.poll,
        }
    }
}

/// The watch as the app sees it.
pub struct WatchState {
    feed: Feed,
    /// The newest snapshots, oldest first.
    ring: Ring<Arc<Kept>>,
    /// What is watched, for the title.
    pub url: String,
    /// The latest poll heard of (snapshot or failure).
    pub polls: u64,
    /// Snapshots taken since the start (the ring keeps the newest).
    pub taken: u64,
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
    /// A watch whose snapshots arrive through `feed`, keeping `keep`.
    pub fn new(
        feed: Feed,
        url: String,
        keep: usize,
        granularity: Option<Granularity>,
    ) -> WatchState {
        WatchState {
            feed,
            ring: Ring::new(keep),
            url,
            polls: 0,
            taken: 0,
            failure: None,
            diff: false,
            granularity,
            sample_type: None,
            profiler: false,
        }
    }

    /// Takes what the feed delivered since the last call; true when a
    /// snapshot came (the views must be rebuilt).
    pub fn drain(&mut self) -> bool {
        let mut arrived = false;
        while let Ok(event) = self.feed.events.try_recv() {
            arrived |= self.take(event);
        }
        arrived
    }

    /// Takes one event; true for a snapshot.
    pub fn take(&mut self, event: Event) -> bool {
        match event {
            Event::Snapshot(snapshot) => {
                self.polls = self.polls.max(snapshot.poll);
                self.taken += 1;
                self.failure = None;
                if let Some(old) = self.ring.push(Arc::new(Kept::from(*snapshot))) {
                    drop_elsewhere(old);
                }
                true
            }
            Event::Failed(failure) => {
                self.polls = self.polls.max(failure.poll);
                self.failure = Some(failure);
                false
            }
        }
    }

    /// The newest snapshot.
    pub fn newest(&self) -> Option<&Arc<Kept>> {
        self.ring.last()
    }

    /// How many snapshots the ring holds.
    pub fn kept(&self) -> usize {
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

    /// What rebuilding the views over the ring takes, with the Trend
    /// view's current settings and the name of its sample type (`None`:
    /// its defaults).
    pub fn rebuild(&self, trend: Option<(TrendSettings, String)>, filters: Filters) -> Rebuild {
        let (trend, sample_type) = match trend {
            Some((settings, name)) => (Some(settings), Some(name)),
            None => (None, self.sample_type.clone()),
        };
        Rebuild {
            snapshots: self.ring.iter().cloned().collect(),
            diff: self.diff,
            trend,
            sample_type,
            granularity: self.granularity,
            filters,
            profiler: self.profiler,
        }
    }
}

impl Drop for WatchState {
    fn drop(&mut self) {
        self.feed.control.stop();
    }
}

/// Rebuilding the views for the snapshots in the ring: slow on big
/// profiles (every snapshot is copied into the ranking, and a diff merges
/// two), so it runs as a job.
#[derive(Debug, Clone)]
pub struct Rebuild {
    snapshots: Vec<Arc<Kept>>,
    diff: bool,
    /// The Trend view's settings, once it has some.
    trend: Option<TrendSettings>,
    /// The sample type to rank by, by name.
    sample_type: Option<String>,
    granularity: Option<Granularity>,
    filters: Filters,
    profiler: bool,
}

/// What [`Rebuild::run`] built.
pub struct Rebuilt {
    /// The Trend view over the ring; `None` with one snapshot.
    pub trend: Result<Option<TrendModel>, String>,
    /// The profile the other views show and the study export draws from.
    pub shown: Result<(Arc<Profile>, Study), String>,
    /// The header's title.
    pub title: String,
    /// Whether `shown` is the newest against the first.
    pub diff: bool,
    /// The runtime panel's series: each snapshot in the ring, oldest
    /// first, with its runtime numbers.
    pub runtime: Vec<(String, RuntimePoint)>,
}

impl Rebuild {
    pub fn run(&self) -> Rebuilt {
        let title = self.title();
        Rebuilt {
            trend: self.trend_model(),
            shown: self.shown(),
            title,
            diff: self.diff,
            runtime: self
                .snapshots
                .iter()
                .map(|s| (s.name.clone(), runtime_point(&s.profile)))
                .collect(),
        }
    }

    fn title(&self) -> String {
        let newest = self.snapshots.last().map_or("", |s| s.name.as_str());
        match (self.diff, self.snapshots.first()) {
            (true, Some(first)) if self.snapshots.len() > 1 => {
                format!("{newest} vs {} (watching)", first.name)
            }
            _ => format!("{newest} (newest of {}, watching)", self.snapshots.len()),
        }
    }

    /// The Trend view over the snapshots, ranked as before (sample type by
    /// name, granularity, sort, filters).
    fn trend_model(&self) -> Result<Option<TrendModel>, String> {
        if self.snapshots.len() < 2 {
            return Ok(None);
        }
        // Shared with the ring, not copied: each snapshot is held once.
        let profiles: Vec<Arc<Profile>> = self
            .snapshots
            .iter()
            .map(|s| Arc::clone(&s.profile))
            .collect();
        let names = self.snapshots.iter().map(|s| s.name.clone()).collect();
        let fail = |e: &dyn std::fmt::Display| format!("cannot rank the snapshots: {e}");
        let mut timeline = Study::snapshots(profiles, names)
            .into_timeline()
            .map_err(|e| fail(&e))?;
        let lineup = timeline.take_snapshots().map_err(|e| fail(&e))?;
        let types = &lineup.profile().sample_types;
        let sample_index = self
            .sample_type
            .as_ref()
            .and_then(|name| types.iter().position(|t| &t.name == name))
            .unwrap_or_else(|| lineup.profile().default_sample_index());
        let wanted = self.trend.as_ref();
        let input = TrendInput {
            snapshots: lineup,
            minutes: timeline.minutes,
            sample_index,
            granularity: wanted.map(|w| w.granularity).or(self.granularity),
            filters: self.filters.clone(),
            warnings: timeline.notes,
            restarts: timeline.restarts,
            profiler: self.profiler,
        };
        let mut model = TrendModel::new(input).map_err(|e| fail(&e))?;
        if let Some(w) = wanted.filter(|w| w.by != SortBy::Flat) {
            let settings = TrendSettings {
                by: w.by,
                ..model.settings.clone()
            };
            if let Some(ranking) = model.ranking(settings.clone()) {
                let ranked = ranking.run().map_err(|e| fail(&e))?;
                model.install(settings, ranked);
            }
        }
        Ok(Some(model))
    }

    /// The newest snapshot, or the newest against the first.
    fn shown(&self) -> Result<(Arc<Profile>, Study), String> {
        let newest = self.snapshots.last().ok_or("no snapshot yet")?;
        match self.snapshots.first() {
            Some(first) if self.diff && self.snapshots.len() > 1 => Study::against(
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

/// Frees `value` on another thread: a snapshot leaving the ring, or the
/// views it replaced, can hold hundreds of megabytes, and freeing them
/// took the UI thread tens of milliseconds on a 5 MB profile.
pub fn drop_elsewhere<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
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
