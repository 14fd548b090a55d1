//! Changing what the views show: filter chips, the sample type and
//! granularity of the model, the Trend's settings, and the background
//! work that recomputes them, with the selections carried across by name.

use std::sync::Arc;

use super::App;
use crate::analysis::Granularity;
use crate::tui::action::{FilterKind, ViewKind};
use crate::tui::components::{Component, Ctx, scrolled};
use crate::tui::filters::{ChipKind, add_chip, filters_of};
use crate::tui::jobs::{Done, Job, Kind, Output, Work};
use crate::tui::model::Settings;
use crate::tui::trend::{Ranking, TrendSettings};
use crate::tui::views;

impl App {
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
        let before = self.chips.clone();
        add_chip(&mut self.chips, kind, &selection.function);
        if !self.refilter() {
            self.chips = before;
        }
    }

    /// Compiles the current chips once and recomputes every view for
    /// them; an invalid filter is said in the status bar and changes
    /// nothing (false).
    pub(super) fn refilter(&mut self) -> bool {
        match filters_of(&self.chips) {
            Ok(filters) => self.filters = filters,
            Err(e) => {
                self.say(&format!("invalid filter: {e:#}"), true);
                return false;
            }
        }
        let (sample_index, granularity) = self.settings_wanted();
        self.recompute(sample_index, granularity);
        if let Some(trend) = self.trend.as_mut() {
            let mut settings = trend.settings_wanted();
            settings.filters = self.filters.clone();
            trend.wanted = Some(settings.clone());
            self.rerank(settings);
        }
        true
    }

    pub(super) fn settings_wanted(&self) -> (usize, Granularity) {
        self.wanted
            .unwrap_or((self.model.sample_index, self.model.granularity))
    }

    pub(super) fn settings(&self) -> Settings {
        Settings {
            sample_index: self.model.sample_index,
            granularity: self.model.granularity,
            filters: self.filters(),
            sort: self.model.sort,
        }
    }

    /// Starts a recomputation for new settings; selections are carried
    /// over by name when the results arrive.
    pub(super) fn recompute(&mut self, sample_index: usize, granularity: Granularity) {
        let filters = self.filters.clone();
        if self.model.tree_ready {
            self.carry = Some((self.flame.carry(&self.model), self.peek.carry(&self.model)));
        }
        self.wanted = Some((sample_index, granularity));
        // Only the sample type changes: the sorted stacks serve again.
        let shape = self
            .model
            .tree_shape()
            .filter(|shape| shape.fits(granularity, &filters));
        let settings = Settings {
            sample_index,
            granularity,
            filters,
            sort: self.model.sort,
        };
        self.request(Work::Model(settings, shape));
    }

    /// Recomputes every view for a new profile (a watch's new snapshot),
    /// with the sort, granularity and filters as they are; selections are
    /// carried over by name.
    pub(super) fn reload(&mut self, sample_index: usize) {
        if self.model.tree_ready {
            self.carry = Some((self.flame.carry(&self.model), self.peek.carry(&self.model)));
        }
        let (_, granularity) = self.settings_wanted();
        self.wanted = Some((sample_index, granularity));
        let settings = Settings {
            sample_index,
            granularity,
            filters: self.filters.clone(),
            sort: self.model.sort,
        };
        // The sorted stacks were of the old profile: none are reused.
        self.request(Work::Model(settings, None));
    }

    /// Re-ranks the Trend view for `settings` (in a watch, through the
    /// watch's own job, which has the series).
    pub(super) fn rerank(&mut self, settings: TrendSettings) {
        if let Some(watch) = self.watch.as_mut() {
            watch.changed();
            return self.rebuild_watch();
        }
        let ranking: Option<Ranking> = self.trend.as_ref().and_then(|t| t.ranking(settings));
        if let Some(ranking) = ranking {
            self.request(Work::Trend(ranking));
        }
    }

    // ---- Background work.

    /// Asks the runner for `work`; without a background thread it runs now.
    pub(super) fn request(&mut self, work: Work) {
        let job = self.jobs.request(work, self.background);
        self.busy = self.jobs.busy();
        if let Some(job) = job {
            let done = job.run(&self.profile);
            self.finish(done);
        }
    }

    /// Hands the next waiting job to the caller, which runs it (typically
    /// on a thread) and passes the result to [`App::finish`].
    pub fn take_job(&mut self) -> Option<Job> {
        self.jobs.take()
    }

    /// Installs a finished job's result; one asked for before the latest
    /// request of its kind is dropped.
    pub fn finish(&mut self, done: Done) {
        let latest = self.jobs.finished(&done);
        self.busy = self.jobs.busy();
        if !latest {
            return;
        }
        match done.output {
            Output::Model(model) => {
                self.wanted = None;
                let label = self.top.carry(&self.model);
                self.model = *model;
                self.top.restore(label.as_deref(), &ctx!(self));
                self.flame.reset();
                self.peek.clear();
                if self.model.tree_ready {
                    self.tree_arrived();
                } else if !self.tree_deferred() {
                    self.request(Work::Tree(self.settings()));
                }
            }
            Output::Tree(tree) => {
                self.model.install_tree(tree);
                self.tree_arrived();
            }
            Output::Inline(inlined) => self.model.install_inlined(&inlined),
            Output::Why(explained) => {
                if let Some((index, note)) = explained {
                    self.why = Some(Arc::new(index));
                    if let Some((text, error)) = note {
                        self.say(&text, error);
                    }
                }
            }
            Output::Source(node, source) => {
                let body = views::areas(self.size).body;
                self.source.open(*source, node, body);
            }
            Output::Watch(rebuilt) => self.install_watch(*rebuilt),
            // Only a superseded job is told to stop: the latest is elsewhere.
            Output::Cancelled => {}
            Output::Trend(ranked, input) => {
                let (settings, result) = *ranked;
                let ctx = ctx!(self);
                let Some(trend) = self.trend.as_mut().filter(|t| t.input_id() == input) else {
                    return;
                };
                match result {
                    Ok(ranked) => {
                        trend.install(settings, ranked);
                        trend.offset = scrolled(trend.selected, trend.offset, trend.page(ctx.body));
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
        self.watch.is_some() && self.view == ViewKind::Trend
    }

    /// Asks for the call tree and the explanation put off by
    /// [`App::tree_deferred`], once a view that shows them is about to be.
    pub(super) fn run_deferred(&mut self) {
        if !self.model.tree_ready
            && !self.jobs.pending(Kind::Tree)
            && !self.jobs.pending(Kind::Model)
        {
            self.request(Work::Tree(self.settings()));
        }
        if let Some(request) = self.why_deferred.take() {
            self.request(Work::Why(request));
        }
    }

    /// Restores what the views showed on the new tree, then asks for the
    /// rows' inline suffixes.
    fn tree_arrived(&mut self) {
        self.restore_carry();
        let totals = self.model.row_totals();
        if !totals.is_empty() {
            self.request(Work::Inline(self.settings(), totals));
        }
    }

    /// Puts back zoom, selection and peek once a new tree is in place.
    fn restore_carry(&mut self) {
        let (flame, peek) = self.carry.take().unwrap_or_default();
        let ctx = ctx!(self);
        self.flame.restore(flame, &ctx);
        self.peek.restore(peek, &ctx);
        if self.view == ViewKind::Flame
            && self.flame.selected == crate::analysis::CallTree::ROOT
            && let Some(selection) = self.top.selection(&ctx)
            && let Some(node) = selection.node
        {
            self.flame.select_node(node, &ctx);
        }
        if self.source.is_open() {
            match self.peek.peek.as_ref().map(|p| p.node) {
                Some(node) => self.open_source(node),
                None => self.source.close(),
            }
        }
        self.refresh_coverage();
    }
}
