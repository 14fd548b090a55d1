//! Changing what the views show: filter chips, the sort, sample type and
//! granularity of the model, the Trend's settings, and the background
//! work that recomputes them, with the selections carried across by name.

use std::sync::Arc;

use super::App;
use crate::analysis::Granularity;
use crate::tui::action::{FilterKind, ViewKind};
use crate::tui::components::scrolled;
use crate::tui::filters::{ChipKind, add_chip, filters_of};
use crate::tui::jobs::{Done, Kind, Output, Work};
use crate::tui::model::Settings;
use crate::tui::trend::{Ranking, TrendSettings};
use crate::tui::views;

impl App {
    pub(super) fn cycle_sort(&mut self) {
        let label = self.views.top.carry(&self.shared.model);
        let model = &mut self.shared.model;
        model.sort_rows(model.sort.next());
        self.views.top.restore(label.as_deref(), &self.shared.ctx());
        let text = format!("sorted by {}", self.shared.model.sort.as_str());
        self.say(&text, false);
    }

    pub(super) fn step_sample_type(&mut self, forward: bool) {
        let n = self.shared.profile.sample_types.len();
        if n < 2 {
            let text = format!(
                "this profile has one sample type ({})",
                self.shared.model.sample_type.name
            );
            return self.say(&text, false);
        }
        let (i, granularity) = self.settings_wanted();
        let step = if forward { 1 } else { n - 1 };
        self.recompute((i + step) % n, granularity);
    }

    pub(super) fn cycle_granularity(&mut self) {
        let all = Granularity::ALL;
        let (sample_index, granularity) = self.settings_wanted();
        let at = all.iter().position(|&g| g == granularity).unwrap_or(0);
        self.recompute(sample_index, all[(at + 1) % all.len()]);
    }

    pub(super) fn add_filter(&mut self, kind: FilterKind) {
        let Some(selection) = self.selection() else {
            return self.say("select a function first", true);
        };
        if selection.function.is_empty() {
            return self.say("this frame has no name to filter on", true);
        }
        let kind = match kind {
            FilterKind::Focus => ChipKind::Focus,
            FilterKind::Ignore => ChipKind::Ignore,
            FilterKind::Hide => ChipKind::Hide,
        };
        let before = self.shared.chips.clone();
        add_chip(&mut self.shared.chips, kind, &selection.function);
        if !self.refilter() {
            self.shared.chips = before;
        }
    }

    /// Compiles the current chips once and recomputes every view for
    /// them; an invalid filter is said in the status bar and changes
    /// nothing (false).
    pub(super) fn refilter(&mut self) -> bool {
        match filters_of(&self.shared.chips) {
            Ok(filters) => self.ctl.filters = filters,
            Err(e) => {
                self.say(&format!("invalid filter: {e:#}"), true);
                return false;
            }
        }
        let (sample_index, granularity) = self.settings_wanted();
        self.recompute(sample_index, granularity);
        if let Some(trend) = self.views.trend.as_mut() {
            let mut settings = trend.settings_wanted();
            settings.filters = self.ctl.filters.clone();
            trend.wanted = Some(settings.clone());
            self.rerank(settings);
        }
        true
    }

    pub(super) fn settings_wanted(&self) -> (usize, Granularity) {
        let model = &self.shared.model;
        self.ctl
            .wanted
            .unwrap_or((model.sample_index, model.granularity))
    }

    pub(super) fn settings(&self) -> Settings {
        let model = &self.shared.model;
        Settings {
            sample_index: model.sample_index,
            granularity: model.granularity,
            filters: self.filters(),
            sort: model.sort,
        }
    }

    /// Starts a recomputation for new settings; selections are carried
    /// over by name when the results arrive.
    pub(super) fn recompute(&mut self, sample_index: usize, granularity: Granularity) {
        // Only the sample type changes: the sorted stacks serve again.
        let filters = &self.ctl.filters;
        let shape = self
            .shared
            .model
            .tree_shape()
            .filter(|shape| shape.fits(granularity, filters));
        self.model_for(sample_index, granularity, shape);
    }

    /// Recomputes every view for a new profile (a watch's new snapshot),
    /// with the sort, granularity and filters as they are; selections are
    /// carried over by name.
    pub(super) fn reload(&mut self, sample_index: usize) {
        let (_, granularity) = self.settings_wanted();
        // The sorted stacks were of the old profile: none are reused.
        self.model_for(sample_index, granularity, None);
    }

    fn model_for(
        &mut self,
        sample_index: usize,
        granularity: Granularity,
        shape: Option<Arc<crate::analysis::calltree::TreeShape>>,
    ) {
        let model = &self.shared.model;
        if model.tree_ready {
            self.ctl.carry = Some((self.views.flame.carry(model), self.views.peek.carry(model)));
        }
        self.ctl.wanted = Some((sample_index, granularity));
        let settings = Settings {
            sample_index,
            granularity,
            filters: self.ctl.filters.clone(),
            sort: model.sort,
        };
        self.request(Work::Model(settings, shape));
    }

    /// Re-ranks the Trend view for `settings` (in a watch, through the
    /// watch's own job, which has the series).
    pub(super) fn rerank(&mut self, settings: TrendSettings) {
        if let Some(watch) = self.ctl.watch.as_mut() {
            watch.changed();
            return self.rebuild_watch();
        }
        let ranking: Option<Ranking> = self.views.trend.as_ref().and_then(|t| t.ranking(settings));
        if let Some(ranking) = ranking {
            self.request(Work::Trend(ranking));
        }
    }

    // ---- Background work.

    /// Asks the runner for `work`; without a background thread it runs now.
    pub(super) fn request(&mut self, work: Work) {
        let job = self.ctl.jobs.request(work, self.ctl.background);
        self.shared.busy = self.ctl.jobs.busy();
        if let Some(job) = job {
            let done = job.run(&self.shared.profile);
            self.finish(done);
        }
    }

    /// Installs a finished job's result; one asked for before the latest
    /// request of its kind is dropped.
    pub fn finish(&mut self, done: Done) {
        let latest = self.ctl.jobs.finished(&done);
        self.shared.busy = self.ctl.jobs.busy();
        if !latest {
            return;
        }
        match done.output {
            Output::Model(model) => {
                self.ctl.wanted = None;
                let label = self.views.top.carry(&self.shared.model);
                self.shared.model = *model;
                self.views.top.restore(label.as_deref(), &self.shared.ctx());
                self.sync_goroutines();
                self.views.flame.reset();
                self.views.peek.clear();
                if self.shared.model.tree_ready {
                    self.tree_arrived();
                } else if !self.tree_deferred() {
                    self.request(Work::Tree(self.settings()));
                }
            }
            Output::Tree(tree) => {
                self.shared.model.install_tree(tree);
                self.tree_arrived();
            }
            Output::Inline(inlined) => self.shared.model.install_inlined(&inlined),
            Output::Why(explained) => {
                if let Some((index, note)) = explained {
                    self.shared.why = Some(Arc::new(index));
                    if let Some((text, error)) = note {
                        self.say(&text, error);
                    }
                }
            }
            Output::Source(node, source) => {
                let body = views::areas(self.shared.size).body;
                self.views.source.open(*source, node, body);
            }
            Output::Watch(rebuilt) => self.install_watch(*rebuilt),
            // Only a superseded job is told to stop: the latest is elsewhere.
            Output::Cancelled => {}
            Output::Trend(ranked, input) => {
                let (settings, result) = *ranked;
                let body = self.shared.ctx().body;
                let Some(trend) = self.views.trend.as_mut().filter(|t| t.input_id() == input)
                else {
                    return;
                };
                match result {
                    Ok(ranked) => {
                        trend.install(settings, ranked);
                        trend.offset = scrolled(trend.selected, trend.offset, trend.page(body));
                    }
                    Err(e) => {
                        trend.wanted = None;
                        self.say(&format!("cannot rank the snapshots: {e}"), true);
                    }
                }
            }
        }
    }

    /// Whether the call tree (and "why on heap") waits until a view shows
    /// it: in a watch, while the Trend view is shown, building them for
    /// every snapshot would cost several times taking the snapshot in.
    pub(super) fn tree_deferred(&self) -> bool {
        self.ctl.watch.is_some() && self.view == ViewKind::Trend
    }

    /// Asks for the call tree and the explanation put off by
    /// [`App::tree_deferred`], once a view that shows them is about to be.
    pub(super) fn run_deferred(&mut self) {
        if !self.shared.model.tree_ready
            && !self.ctl.jobs.pending(Kind::Tree)
            && !self.ctl.jobs.pending(Kind::Model)
        {
            self.request(Work::Tree(self.settings()));
        }
        if let Some(request) = self.ctl.why_deferred.take() {
            self.request(Work::Why(request));
        }
    }

    /// Restores what the views showed on the new tree, then asks for the
    /// rows' inline suffixes.
    fn tree_arrived(&mut self) {
        self.restore_carry();
        let totals = self.shared.model.row_totals();
        if !totals.is_empty() {
            self.request(Work::Inline(self.settings(), totals));
        }
    }

    /// Puts back zoom, selection and peek once a new tree is in place.
    fn restore_carry(&mut self) {
        let (flame, peek) = self.ctl.carry.take().unwrap_or_default();
        let ctx = self.shared.ctx();
        let views = &mut self.views;
        views.flame.restore(flame, &ctx);
        views.peek.restore(peek, &ctx);
        if self.view == ViewKind::Flame
            && views.flame.selected == crate::analysis::CallTree::ROOT
            && let Some(selection) = crate::tui::components::Component::selection(&views.top, &ctx)
            && let Some(node) = selection.node
        {
            views.flame.select_node(node, &ctx);
        }
        if views.source.is_open() {
            match (
                views.peek.peek.as_ref().map(|p| p.node),
                views.peek.missing(),
            ) {
                (Some(node), _) => self.open_source(node),
                (None, Some(function)) => {
                    let function = function.to_owned();
                    self.views.source.wait_for(&function);
                }
                (None, None) => self.views.source.close(),
            }
        }
        self.refresh_coverage();
    }
}
