//! The router: [`App::update`] is the only place state changes, and it
//! mostly hands actions on. Keys and mouse gestures become [`Action`]s
//! (see [`keymap`](super::keymap)); an action for the shown view goes to
//! its [`Component`], which returns an [`Effect`] the app carries out.
//! What the app keeps itself is what the views share: the [`Model`] of the
//! profile (recomputed through the [`Jobs`] runner when the sample type,
//! granularity or filters change), the filter chips, the search and the
//! prompt. Selections, zooms and the peeked function are carried across
//! recomputations by name, since ids change.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use super::action::{Action, ViewKind};
use super::components::flame::{FlameCarry, FlameView};
use super::components::help::HelpView;
use super::components::memstats::MemStatsView;
use super::components::peek::{PeekCarry, PeekView};
use super::components::source::SourceView;
use super::components::top::TopView;
use super::components::{Component, Ctx, Effect, Selection};
use super::export::Export;
use super::filters::{Chip, chips_of};
use super::jobs::{Jobs, SourceRequest, Work, drop_elsewhere};
use super::model::{Model, Settings, Sort};
use super::search::{Prompt, Search};
use super::theme::Theme;
use super::trend::{TrendInput, TrendModel};

use super::views::{self, Areas};
use super::watch::{Rebuilt, WatchState, carry_selection};
use super::why::{WhyIndex, WhyRequest};
use crate::analysis::runtime::RuntimePoint;
use crate::analysis::{CallId, Cancel, Filters, Granularity, NodeId, Study};
use crate::profile::{MergeError, Profile};
use crate::safe_text::visible;

/// What the app is started with.
pub struct AppOptions {
    /// Shown in the header: the file name(s).
    pub title: String,
    /// Sample type index to start with.
    pub sample_index: usize,
    pub granularity: Granularity,
    /// Filters given on the command line, compiled once there; the app
    /// shows them as chips (see [`chips_of`]).
    pub filters: Filters,
    /// Directories searched for source files (`--source-path`).
    pub source_paths: Vec<PathBuf>,
    /// Where `e` writes SVG files.
    pub export_dir: PathBuf,
    /// What export file names start with, e.g. `heap-3` (see
    /// [`export_stem`](super::export::export_stem)).
    pub export_stem: String,
    pub theme: Theme,
    /// Terminal size at start.
    pub size: (u16, u16),
    /// Compute new models on another thread (the interactive UI) instead of
    /// inside `update` (tests, benchmarks).
    pub background: bool,
    /// The study the app's profile was prepared from (in diff mode: the new
    /// and the base profile, which the app shows combined); SVG export
    /// draws from it. `None`: the app's profile alone.
    pub study: Option<Study>,
    /// How to explain the profile's allocation sites (`pprof-tui explain`)
    /// for the "why on heap" pane and column, computed after the first
    /// screen; `None` for profiles that are not Go heap profiles.
    pub why: Option<WhyRequest>,
}

/// The application.
pub struct App {
    profile: Arc<Profile>,
    pub title: String,
    pub model: Model,
    pub view: ViewKind,
    pub help: HelpView,
    /// The runtime panel (`m`).
    pub memstats: MemStatsView,
    pub chips: Vec<Chip>,
    /// The filters the chips stand for, compiled once when they change.
    filters: Filters,
    pub top: TopView,
    pub flame: FlameView,
    pub peek: PeekView,
    pub source: SourceView,
    /// The Trend view, when several snapshots were given.
    pub trend: Option<TrendModel>,
    /// The watch feeding the app new snapshots (`--watch`).
    pub watch: Option<WatchState>,
    pub search: Option<Search>,
    pub prompt: Option<Prompt>,
    /// A one-off message for the status bar, and whether it is an error.
    pub message: Option<(String, bool)>,
    /// What the last watch rebuild said in the status bar (an error, or a
    /// restart): it holds only until the next rebuild, which clears it.
    watch_said: Option<String>,
    /// The newest restart the status bar announced, so it is said once.
    restart_said: Option<String>,
    pub size: (u16, u16),
    pub theme: Theme,
    source_paths: Vec<PathBuf>,
    export_dir: PathBuf,
    export_stem: String,
    quit: bool,
    background: bool,
    /// What export draws (see [`AppOptions::study`]).
    study: Study,
    jobs: Jobs,
    /// What is being computed, and since when: the progress indicator.
    pub busy: Option<(&'static str, Instant)>,
    /// Zoom, selection and peek by name, to restore once a new call tree
    /// arrives.
    carry: Option<(FlameCarry, PeekCarry)>,
    /// Sample type and granularity asked for but not yet computed, so quick
    /// repeated keys step on from what was asked, not from what is shown.
    wanted: Option<(usize, Granularity)>,
    /// The explained sites, once computed (see [`AppOptions::why`]).
    why: Option<Arc<WhyIndex>>,
    /// What they are computed from.
    why_request: Option<WhyRequest>,
    /// Whether the "why on heap" column is shown.
    pub why_column: bool,
    /// A watch's newest snapshot to explain once a view shows it (see
    /// [`App::tree_deferred`]).
    why_deferred: Option<WhyRequest>,
    /// The page of the "why on heap" pane shown (`W`); any other key goes
    /// back to the first.
    why_page: usize,
}

/// What the views share, lent to a component.
macro_rules! ctx {
    ($app:expr) => {
        Ctx {
            model: &$app.model,
            theme: &$app.theme,
            search: $app.search.as_ref(),
            chips: &$app.chips,
            body: views::areas($app.size).body,
            diff: !$app.profile.samples().diff_base.is_empty(),
            busy: $app.busy,
            why: $app.why.as_deref(),
            why_column: $app.why_column,
            why_page: $app.why_page,
        }
    };
}

mod search;
mod settings;

impl App {
    /// Builds the app around a first model (see [`App::first_model`]) and
    /// queues the call tree.
    pub fn with_model(profile: Arc<Profile>, model: Model, options: AppOptions) -> App {
        let study = options
            .study
            .unwrap_or_else(|| Study::One(Arc::clone(&profile)));
        let chips = chips_of(&options.filters);
        let mut app = App {
            profile,
            title: options.title,
            model,
            view: ViewKind::Top,
            help: HelpView::default(),
            memstats: MemStatsView::default(),
            chips,
            filters: options.filters,
            top: TopView::default(),
            flame: FlameView::default(),
            peek: PeekView::default(),
            source: SourceView::default(),
            trend: None,
            watch: None,
            search: None,
            prompt: None,
            message: None,
            watch_said: None,
            restart_said: None,
            size: options.size,
            theme: options.theme,
            source_paths: options.source_paths,
            export_dir: options.export_dir,
            export_stem: options.export_stem,
            quit: false,
            background: options.background,
            study,
            jobs: Jobs::default(),
            busy: None,
            carry: None,
            wanted: None,
            why: None,
            why_request: options.why.clone(),
            why_column: false,
            why_deferred: None,
            why_page: 0,
        };
        app.request(Work::Tree(app.settings()));
        if let Some(request) = options.why {
            app.request(Work::Why(request));
        }
        app
    }

    /// Computes the first model (the Top rows) for `options`.
    pub fn first_model(profile: &Profile, options: &AppOptions) -> Model {
        let settings = Settings {
            sample_index: options.sample_index,
            granularity: options.granularity,
            filters: options.filters.clone(),
            sort: Sort::Flat,
        };
        Model::compute(profile, &settings, &Cancel::default())
    }

    /// Builds the app and computes everything it shows at first.
    pub fn new(profile: Arc<Profile>, options: AppOptions) -> App {
        let model = App::first_model(&profile, &options);
        App::with_model(profile, model, options)
    }

    /// Adds the Trend view over `input` and shows it; the other views keep
    /// showing the app's profile (the newest snapshot). Fails when the
    /// snapshots had to be merged and could not be.
    pub fn with_trend(mut self, input: TrendInput) -> Result<App, MergeError> {
        let trend = TrendModel::new(input)?;
        // The leak class follows the snapshots: explained again with them.
        if let Some(request) = self.why_request.take() {
            let request = WhyRequest {
                snapshots: trend.input(),
                ..request
            };
            self.why_request = Some(request.clone());
            self.request(Work::Why(request));
        }
        self.trend = Some(trend);
        self.view = ViewKind::Trend;
        Ok(self)
    }

    /// Gives the runtime panel each snapshot's runtime numbers (names as
    /// the user gave them, oldest first), for Trend mode.
    pub fn with_runtime_series(mut self, series: Vec<(String, RuntimePoint)>) -> App {
        self.memstats.series = series;
        self
    }

    /// Feeds the app from a watch: every snapshot it delivers re-ranks the
    /// Trend view and replaces the profile the other views show. The app
    /// was built on the watch's first snapshot.
    pub fn with_watch(mut self, watch: WatchState) -> App {
        self.watch = Some(watch);
        self
    }

    /// Takes what the watch delivered since the last call (the main loop
    /// calls it on every turn); a new snapshot starts rebuilding the views.
    /// True when the watch heard something (the status bar changed).
    pub fn poll_feed(&mut self) -> bool {
        let Some(watch) = self.watch.as_mut() else {
            return false;
        };
        let polls = watch.polls;
        if watch.drain() {
            self.rebuild_watch();
            return true;
        }
        self.watch.as_ref().is_some_and(|w| w.polls != polls)
    }

    /// Hands one event to the watch, as if the feed delivered it (tests).
    pub fn take_watch_event(&mut self, event: crate::watch::Event) {
        if self.watch.as_mut().is_some_and(|w| w.take(event)) {
            self.rebuild_watch();
        }
    }

    /// Brings the views up to date with the watch, off the UI thread; a
    /// job already at it is followed by another once it is back.
    pub(super) fn rebuild_watch(&mut self) {
        let trend = self
            .trend
            .as_ref()
            .map(|t| (t.settings_wanted(), t.trend.sample_type.name.clone()));
        let filters = self.filters();
        if let Some(rebuild) = self
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
    fn install_watch(&mut self, mut rebuilt: Rebuilt) {
        let Some(watch) = self.watch.as_mut() else {
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
        if self.watch.as_ref().is_some_and(WatchState::behind) {
            self.rebuild_watch();
        }
    }

    fn show_rebuilt(&mut self, rebuilt: Rebuilt, behind: bool) {
        // The runtime panel lists the newest snapshots, as it lists the
        // files in Trend mode.
        self.memstats.series = rebuilt.runtime;
        // What the last rebuild said no longer holds once this one is in.
        if let Some(said) = self.watch_said.take()
            && self.message.as_ref().is_some_and(|(m, _)| *m == said)
        {
            self.message = None;
        }
        match rebuilt.trend {
            Ok(Some(mut model)) => {
                let first = self.trend.is_none();
                let restart = model.newest_restart().map(str::to_owned);
                if restart.is_some() && restart != self.restart_said {
                    self.restart_said.clone_from(&restart);
                    self.watch_says(restart.unwrap_or_default(), false);
                }
                if let Some(old) = &self.trend {
                    carry_selection(old, &mut model);
                    // Settings asked for since are being ranked: keys
                    // step on from them.
                    if behind {
                        model.wanted = old.wanted.clone();
                    }
                }
                if let Some(old) = self.trend.replace(model) {
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
                let name = self.model.sample_type.name.clone();
                let sample_index = profile
                    .sample_types
                    .iter()
                    .position(|t| t.name == name)
                    .unwrap_or_else(|| profile.default_sample_index());
                let old = (
                    std::mem::replace(&mut self.profile, profile),
                    std::mem::replace(&mut self.study, study),
                );
                drop_elsewhere(old);
                self.title = rebuilt.title;
                self.reload(sample_index);
                self.explain_again(rebuilt.diff, rebuilt.whole);
            }
            Err(e) => {
                if let Some(watch) = self.watch.as_mut() {
                    watch.diff = false;
                }
                self.watch_says(e, true);
            }
        }
    }

    /// With `--escape` in a watch: the newest snapshot explained again, its
    /// leak class from the snapshots kept whole. A diff (the newest against
    /// the first) has nothing to explain: its profile holds the base
    /// negated.
    fn explain_again(&mut self, diff: bool, snapshots: Option<Arc<TrendInput>>) {
        let Some(request) = self.why_request.clone() else {
            return;
        };
        if diff {
            self.why = None;
            return;
        }
        let request = WhyRequest {
            snapshots,
            ..request
        };
        if self.tree_deferred() {
            // Like the call tree: explained once a view shows it.
            self.why_deferred = Some(request);
        } else {
            self.request(Work::Why(request));
        }
    }

    /// The profile, shareable with a worker thread.
    pub fn profile_arc(&self) -> Arc<Profile> {
        Arc::clone(&self.profile)
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Whether this is a `--diff-base` comparison.
    pub fn is_diff(&self) -> bool {
        !self.profile.samples().diff_base.is_empty()
    }

    /// The views Tab cycles through.
    pub fn views(&self) -> Vec<ViewKind> {
        let mut views = vec![
            ViewKind::Top,
            ViewKind::Flame,
            ViewKind::Peek,
            ViewKind::Source,
        ];
        if self.trend.is_some() {
            views.push(ViewKind::Trend);
        }
        views
    }

    /// The frame filling the flame graph's width.
    pub fn zoom(&self) -> CallId {
        self.flame.zoom()
    }

    pub fn areas(&self) -> Areas {
        views::areas(self.size)
    }

    /// What the views share, for drawing.
    pub fn ctx(&self) -> Ctx<'_> {
        ctx!(self)
    }

    /// The filters the current chips stand for.
    pub fn filters(&self) -> Filters {
        self.filters.clone()
    }

    // ---- The selected function: each view answers for itself.

    /// The function the shown view has selected, if any: what `p`, `S`,
    /// `F`/`I`/`H`, `#` and Enter act on.
    pub fn selection(&self) -> Option<Selection> {
        let ctx = ctx!(self);
        match self.view {
            ViewKind::Top => self.top.selection(&ctx),
            ViewKind::Flame => self.flame.selection(&ctx),
            ViewKind::Peek => self.peek.selection(&ctx),
            ViewKind::Source => self.source.selection(&ctx),
            ViewKind::Trend => self.trend.as_ref()?.selection(&ctx),
        }
    }

    /// The selected function's node in the model, if it has one.
    pub fn selected_node(&self) -> Option<NodeId> {
        self.selection().and_then(|s| s.node)
    }

    /// The selected function's node, or a message saying why there is none.
    fn selected_node_or_say(&mut self) -> Option<NodeId> {
        let Some(selection) = self.selection() else {
            self.say("select a function first", true);
            return None;
        };
        if selection.node.is_none() {
            let place = if self.trend.is_some() {
                "the newest snapshot"
            } else {
                "this view"
            };
            let text = format!("{} has no samples in {place}", visible(&selection.function));
            self.say(&text, true);
        }
        selection.node
    }

    fn say(&mut self, text: &str, error: bool) {
        self.message = Some((text.to_owned(), error));
    }

    /// Says what a watch rebuild found, until the next rebuild.
    fn watch_says(&mut self, text: String, error: bool) {
        self.say(&text, error);
        self.watch_said = Some(text);
    }

    // ---- Routing.

    /// Applies one action.
    pub fn update(&mut self, action: Action) {
        if !matches!(action, Action::Resize(..)) {
            self.message = None;
        }
        if action != Action::WhyPage {
            self.why_page = 0;
        }
        if self.prompt.is_some() {
            self.update_prompt(action);
            return;
        }
        if self.help.update(&action) || self.memstats.update(&action) {
            return;
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Help | Action::Glossary => self.help.open_at(&action),
            Action::MemStats => self.memstats.open = true,
            Action::NextView | Action::PrevView => {
                let views = self.views();
                let at = views.iter().position(|&v| v == self.view).unwrap_or(0);
                let n = views.len();
                let step = if action == Action::NextView { 1 } else { n - 1 };
                self.show_view(views[(at + step) % n]);
            }
            Action::ShowView(view) => {
                if self.views().contains(&view) {
                    self.show_view(view);
                } else {
                    let text = format!("the {} view needs several profiles", view.title());
                    self.say(&text, true);
                }
            }
            Action::Resize(w, h) => self.resize(w, h),
            Action::Click(x, 0) => {
                let (tabs, _) = views::header_layout(self, self.size.0);
                let hit = tabs
                    .iter()
                    .find(|(_, at, text)| (*at..*at + text.chars().count() as u16).contains(&x));
                if let Some(&(view, _, _)) = hit {
                    self.show_view(view);
                }
            }
            // Like less and vim, `/` starts empty: typing must not extend an
            // earlier (possibly anchored) pattern. `#` searches the selection.
            Action::StartSearch => {
                self.prompt = Some(Prompt {
                    text: String::new(),
                })
            }
            Action::SearchSelected => match self.selection() {
                Some(s) => self.set_search(&format!("^{}$", regex::escape(&s.label))),
                None => self.say("select a function first", true),
            },
            Action::SearchNext => self.search_step(true),
            Action::SearchPrev => self.search_step(false),
            // The Trend view ranks by its own sample type, granularity and sort.
            Action::CycleSort
            | Action::NextSampleType
            | Action::PrevSampleType
            | Action::CycleGranularity
                if self.view == ViewKind::Trend =>
            {
                self.route(&action)
            }
            Action::CycleSort => {
                let label = self.top.carry(&self.model);
                self.model.sort_rows(self.model.sort.next());
                self.top.restore(label.as_deref(), &ctx!(self));
                let text = format!("sorted by {}", self.model.sort.as_str());
                self.say(&text, false);
            }
            Action::NextSampleType | Action::PrevSampleType => {
                let n = self.profile.sample_types.len();
                let (i, granularity) = self.settings_wanted();
                let step = if action == Action::NextSampleType {
                    1
                } else {
                    n - 1
                };
                self.recompute((i + step) % n, granularity);
            }
            Action::CycleGranularity => {
                let all = Granularity::ALL;
                let (sample_index, granularity) = self.settings_wanted();
                let at = all.iter().position(|&g| g == granularity).unwrap_or(0);
                self.recompute(sample_index, all[(at + 1) % all.len()]);
            }
            Action::Filter(kind) => self.add_filter(kind),
            Action::PopFilter => {
                if self.chips.pop().is_some() {
                    self.refilter();
                }
            }
            Action::ClearFilters => {
                if !self.chips.is_empty() {
                    self.chips.clear();
                    self.refilter();
                }
            }
            Action::PeekSelected => {
                if let Some(node) = self.selected_node_or_say() {
                    self.peek_at(node);
                    self.run_deferred();
                    self.view = ViewKind::Peek;
                }
            }
            Action::SourceSelected => {
                if let Some(node) = self.selected_node_or_say() {
                    self.peek_at(node);
                    self.open_source(node);
                    self.run_deferred();
                    self.view = ViewKind::Source;
                }
            }
            Action::Export => self.export(),
            Action::PauseWatch => match &self.watch {
                Some(watch) => {
                    let text = if watch.toggle_pause() {
                        "polling paused (Space resumes)"
                    } else {
                        "polling resumed"
                    };
                    self.say(text, false);
                }
                None => self.say("Space pauses polling in watch mode (--watch)", false),
            },
            Action::WatchDiff => match self.watch.as_mut() {
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
            },
            Action::WhyPage => self.why_page = self.why_page.wrapping_add(1),
            Action::ToggleWhy => {
                if self.why.is_none() {
                    self.say(
                        "why on heap needs a Go heap profile (alloc_* and inuse_* sample types)",
                        true,
                    );
                } else {
                    self.why_column = !self.why_column;
                    let text = if self.why_column {
                        "why on heap: the compiler's reasons shown"
                    } else {
                        "why on heap: column hidden"
                    };
                    self.say(text, false);
                }
            }
            Action::Input(_) | Action::InputBackspace | Action::InputSubmit => {}
            other => self.route(&other),
        }
    }

    /// Hands an action to the shown view and carries out its effect.
    fn route(&mut self, action: &Action) {
        if matches!(action, Action::ResetZoom | Action::Flip) && self.view != ViewKind::Flame {
            return self.say("r and i act on the flame graph (2)", false);
        }
        let ctx = ctx!(self);
        let effect = match self.view {
            ViewKind::Top => self.top.update(action, &ctx),
            ViewKind::Flame => self.flame.update(action, &ctx),
            ViewKind::Peek => self.peek.update(action, &ctx),
            ViewKind::Source => self.source.update(action, &ctx),
            ViewKind::Trend => match self.trend.as_mut() {
                Some(trend) => trend.update(action, &ctx),
                None => Effect::None,
            },
        };
        self.apply(effect);
    }

    fn apply(&mut self, effect: Effect) {
        match effect {
            Effect::None => {}
            Effect::Message(text, error) => self.say(&text, error),
            Effect::Show(view) => self.show_view(view),
            Effect::JumpToFlame(node) => {
                // Highlight every frame of the function; n/N visit them.
                let label = self.model.tree.names()[node.index()].clone();
                self.run_deferred();
                self.view = ViewKind::Flame;
                self.flame.zoom.clear();
                self.flame.select_node(node, &ctx!(self));
                self.set_search(&format!("^{}$", regex::escape(&label)));
            }
            Effect::JumpToTop(node) => {
                self.run_deferred();
                self.view = ViewKind::Top;
                self.top.select_node(node, &ctx!(self));
            }
            Effect::Peeked(node) => {
                if self.source.is_open() {
                    self.open_source(node);
                }
            }
            Effect::Zoomed => self.refresh_coverage(),
            Effect::Rerank(settings) => self.rerank(*settings),
        }
    }

    fn show_view(&mut self, view: ViewKind) {
        if view != ViewKind::Trend && self.watch.is_some() {
            self.run_deferred();
        }
        let node = self.selected_node();
        let from_list = !matches!(self.view, ViewKind::Peek | ViewKind::Source);
        match view {
            ViewKind::Peek | ViewKind::Source => {
                if let Some(node) = node
                    && from_list
                {
                    self.peek_at(node);
                }
                if view == ViewKind::Source {
                    match self.peek.peek.as_ref().map(|p| p.node) {
                        Some(node) => self.open_source(node),
                        None => self.source.close(),
                    }
                }
            }
            ViewKind::Flame if self.view != ViewKind::Flame => {
                if let Some(node) = node {
                    self.flame.select_node(node, &ctx!(self));
                    self.refresh_coverage();
                }
            }
            _ => {}
        }
        self.view = view;
    }

    fn resize(&mut self, w: u16, h: u16) {
        self.size = (w, h);
        let ctx = ctx!(self);
        let at = self.top.list.selected;
        self.top.select(at, &ctx);
        if self.model.tree_ready {
            self.flame.resized(&ctx);
        }
    }

    /// Peeks at `node` (the Source view follows when it shows something).
    fn peek_at(&mut self, node: NodeId) {
        self.peek.open(node, true, &ctx!(self));
        if self.source.is_open() {
            self.open_source(node);
        }
    }

    /// Asks for the lines of `node`'s function for the Source view (off
    /// the UI thread: it walks every sample).
    fn open_source(&mut self, node: NodeId) {
        let function = self.model.tree.node(node).name.clone();
        self.source.loading(&function, node);
        self.request(Work::Source(SourceRequest {
            node,
            function,
            sample_index: self.model.sample_index,
            filters: self.filters(),
            paths: self.source_paths.clone(),
        }));
    }

    /// Writes the flame graph of what is on screen (sample type,
    /// granularity, filters, zoom, orientation) as an SVG.
    fn export(&mut self) {
        let sides = match self.study.sides() {
            Ok(sides) => sides,
            Err(e) => return self.say(&format!("export failed: {e}"), true),
        };
        let zoom = if self.model.tree_ready && !self.flame.zoom.is_empty() {
            self.model.tree.path_names(self.zoom())
        } else {
            Vec::new()
        };
        let export = Export {
            sides,
            sample_index: self.model.sample_index,
            granularity: self.model.granularity,
            filters: self.filters(),
            zoom,
            icicle: !self.flame.flipped,
            title: &self.title,
            sample_type: &self.model.sample_type.name,
        };
        let (text, error) = export.write(&self.export_dir, &self.export_stem);
        self.say(&text, error);
    }
}
