//! The controller: the background work and what it is computed from — the
//! study, the compiled filters, the jobs runner, the settings asked for
//! but not yet shown, and the watch feeding new snapshots. A watch's
//! snapshot comes in here ([`App::poll_feed`]), is rebuilt off the UI
//! thread, and is installed when its job is back.

use std::path::PathBuf;
use std::sync::Arc;

use super::App;
use crate::analysis::{Filters, Granularity, Study};
use crate::tui::action::ViewKind;
use crate::tui::components::flame::FlameCarry;
use crate::tui::components::peek::PeekCarry;
use crate::tui::jobs::{Jobs, Work, drop_elsewhere};
use crate::tui::trend::Snapshots;
use crate::tui::watch::{Rebuilt, WatchState, carry_selection};
use crate::tui::why::WhyRequest;

pub(super) struct Controller {
    /// What export draws (see [`AppOptions::study`](super::AppOptions::study)).
    pub(super) study: Study,
    /// The filters the chips stand for, compiled once when they change.
    pub(super) filters: Filters,
    pub(super) jobs: Jobs,
    /// Whether jobs run on workers (else inside `update`).
    pub(super) background: bool,
    /// The watch feeding the app new snapshots (`--watch`).
    pub(super) watch: Option<WatchState>,
    /// What the last watch rebuild said in the status bar (an error, or a
    /// restart): it holds only until the next rebuild, which clears it.
    watch_said: Option<String>,
    /// The newest restart the status bar announced, so it is said once.
    restart_said: Option<String>,
    /// Sample type and granularity asked for but not yet computed, so quick
    /// repeated keys step on from what was asked, not from what is shown.
    pub(super) wanted: Option<(usize, Granularity)>,
    /// Zoom, selection and peek by name, to restore once a new call tree
    /// arrives.
    pub(super) carry: Option<(FlameCarry, PeekCarry)>,
    /// What "why on heap" is computed from (`None`: not a Go heap profile).
    pub(super) why_request: Option<WhyRequest>,
    /// A watch's newest snapshot to explain once a view shows it (see
    /// [`App::tree_deferred`]).
    pub(super) why_deferred: Option<WhyRequest>,
    /// Directories searched for source files.
    pub(super) source_paths: Vec<PathBuf>,
    /// Where `e` writes, and what its file names start with.
    pub(super) export_dir: PathBuf,
    pub(super) export_stem: String,
}

impl Controller {
    pub(super) fn new(
        study: Study,
        filters: Filters,
        background: bool,
        why_request: Option<WhyRequest>,
        (source_paths, export_dir, export_stem): (Vec<PathBuf>, PathBuf, String),
    ) -> Controller {
        Controller {
            study,
            filters,
            jobs: Jobs::default(),
            background,
            watch: None,
            watch_said: None,
            restart_said: None,
            wanted: None,
            carry: None,
            why_request,
            why_deferred: None,
            source_paths,
            export_dir,
            export_stem,
        }
    }
}

impl App {
    /// Takes what the watch delivered since the last call (the main loop
    /// calls it on every turn); a new snapshot starts rebuilding the views.
    /// True when the watch heard something (the status bar changed).
    pub fn poll_feed(&mut self) -> bool {
        let Some(watch) = self.ctl.watch.as_mut() else {
            return false;
        };
        let polls = watch.polls;
        if watch.drain() {
            self.rebuild_watch();
            return true;
        }
        self.ctl.watch.as_ref().is_some_and(|w| w.polls != polls)
    }

    /// Hands one event to the watch, as if the feed delivered it (tests).
    pub fn take_watch_event(&mut self, event: crate::input::watch::Event) {
        if self.ctl.watch.as_mut().is_some_and(|w| w.take(event)) {
            self.rebuild_watch();
        }
    }

    pub(super) fn pause_watch(&mut self) {
        let text = match &self.ctl.watch {
            Some(watch) if watch.toggle_pause() => "polling paused (Space resumes)",
            Some(_) => "polling resumed",
            None => "Space pauses polling in watch mode (--watch)",
        };
        self.say(text, false);
    }

    pub(super) fn toggle_watch_diff(&mut self) {
        match self.ctl.watch.as_mut() {
            Some(watch) if watch.kept_whole() > 1 => {
                watch.diff = !watch.diff;
                watch.changed();
                let text = if watch.diff {
                    "showing the newest snapshot against the first (d: newest alone)"
                } else {
                    "showing the newest snapshot"
                };
                self.say(text, false);
                self.rebuild_watch();
            }
            Some(_) => self.say("d needs a second snapshot", true),
            None => self.say(
                "d compares snapshots in watch mode (--watch); for two files use --diff-base",
                false,
            ),
        }
    }

    /// Brings the views up to date with the watch, off the UI thread; a
    /// job already at it is followed by another once it is back.
    pub(super) fn rebuild_watch(&mut self) {
        let trend = self
            .views
            .trend
            .as_ref()
            .map(|t| (t.settings_wanted(), t.trend.sample_type.name.clone()));
        let filters = self.filters();
        if let Some(rebuild) = self
            .ctl
            .watch
            .as_mut()
            .and_then(|watch| watch.rebuild(trend, filters))
        {
            self.request(Work::Watch(Box::new(rebuild)));
        }
    }

    /// Takes back the series from the watch's job and swaps in the views
    /// it built: the Trend view keeps its selection by name and opens at
    /// the first ranking if the app still shows Top; the other views are
    /// recomputed for the new profile with the same sample type (by name),
    /// granularity, filters and sort. A stopped job built nothing; the next
    /// one starts at once.
    pub(super) fn install_watch(&mut self, mut rebuilt: Rebuilt) {
        let Some(watch) = self.ctl.watch.as_mut() else {
            return;
        };
        watch.back(&mut rebuilt);
        let behind = watch.behind();
        if let Some(note) = rebuilt.note.take() {
            self.say(&note, true);
        }
        if rebuilt.complete() {
            self.show_rebuilt(rebuilt, behind);
        }
        if self.ctl.watch.as_ref().is_some_and(WatchState::behind) {
            self.rebuild_watch();
        }
    }

    fn show_rebuilt(&mut self, rebuilt: Rebuilt, behind: bool) {
        // The runtime panel lists the newest snapshots, as it lists the
        // files in Trend mode.
        self.memstats.series = rebuilt.runtime;
        // What the last rebuild said no longer holds once this one is in.
        if let Some(said) = self.ctl.watch_said.take()
            && self.message.as_ref().is_some_and(|(m, _)| *m == said)
        {
            self.message = None;
        }
        match rebuilt.trend {
            Ok(Some(mut model)) => {
                let first = self.views.trend.is_none();
                let restart = model.newest_restart().map(str::to_owned);
                if restart.is_some() && restart != self.ctl.restart_said {
                    self.ctl.restart_said.clone_from(&restart);
                    self.watch_says(restart.unwrap_or_default(), false);
                }
                if let Some(old) = &self.views.trend {
                    carry_selection(old, &mut model);
                    // Settings asked for since are being ranked: keys
                    // step on from them.
                    if behind {
                        model.wanted = old.wanted.clone();
                    }
                }
                if let Some(old) = self.views.trend.replace(model) {
                    drop_elsewhere(old);
                }
                if first && self.view == ViewKind::Top {
                    self.view = ViewKind::Trend;
                }
            }
            Ok(None) => {}
            Err(e) => self.watch_says(e, true),
        }
        match rebuilt.shown {
            Ok((profile, study)) => {
                let name = self.shared.model.sample_type.name.clone();
                let sample_index = profile
                    .sample_types
                    .iter()
                    .position(|t| t.name == name)
                    .unwrap_or_else(|| profile.default_sample_index());
                let old = (
                    std::mem::replace(&mut self.shared.profile, profile),
                    std::mem::replace(&mut self.ctl.study, study),
                );
                drop_elsewhere(old);
                self.offer_goroutines();
                self.title = rebuilt.title;
                self.reload(sample_index);
                self.explain_again(rebuilt.diff, rebuilt.whole);
            }
            Err(e) => {
                if let Some(watch) = self.ctl.watch.as_mut() {
                    watch.diff = false;
                }
                self.watch_says(e, true);
            }
        }
    }

    /// Says what a watch rebuild found, until the next rebuild.
    fn watch_says(&mut self, text: String, error: bool) {
        self.say(&text, error);
        self.ctl.watch_said = Some(text);
    }

    /// With `--escape` in a watch: the newest snapshot explained again, its
    /// leak class from the snapshots kept whole. A diff (the newest against
    /// the first) has nothing to explain: its profile holds the base
    /// negated.
    fn explain_again(&mut self, diff: bool, snapshots: Option<Arc<Snapshots>>) {
        let Some(request) = self.ctl.why_request.clone() else {
            return;
        };
        if diff {
            self.shared.why = None;
            return;
        }
        let request = WhyRequest {
            snapshots,
            ..request
        };
        if self.tree_deferred() {
            // Like the call tree: explained once a view shows it.
            self.ctl.why_deferred = Some(request);
        } else {
            self.request(Work::Why(request));
        }
    }
}
