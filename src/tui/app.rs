//! The router. Keys and mouse gestures become [`Action`]s (see
//! [`keymap`](super::keymap)) and [`App::update`] applies them: an action
//! for the shown view goes to its [`Component`], found through
//! [`Views::shown_mut`], which returns an [`Effect`] the app carries out.
//! State changes through three doors, all in this module: `update` (the
//! user), [`App::finish`] (a background job's result) and
//! [`App::poll_feed`] (a watch's new snapshot); the screen is drawn from
//! `&self`.
//!
//! The app keeps apart what the views share ([`Shared`], lent to a
//! component as a [`Ctx`]), the views ([`Views`]), and the background work
//! with what it is computed from ([`Controller`]). Enter, `p` and `S` push
//! the place they leave on a stack that Esc pops, once the shown view has
//! no step of its own left (a zoom, a peeked caller). Selections, zooms and
//! the peeked function are carried across recomputations by name, since
//! ids change.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use super::action::{Action, ViewKind};
use super::components::flame::FlameView;
use super::components::goroutines::GoroutinesView;
use super::components::help::HelpView;
use super::components::memstats::MemStatsView;
use super::components::peek::PeekView;
use super::components::source::SourceView;
use super::components::top::TopView;
use super::components::{Ctx, Effect, Selection};
use super::export::Export;
use super::filters::{Chip, chips_of};
use super::jobs::{Job, SourceRequest, Work};
use super::model::{Model, Settings};
use super::search::{Prompt, Search};
use super::theme::Theme;
use super::trend::{TrendInput, TrendModel};
use super::views::{self, Areas};
use super::watch::WatchState;
use super::why::WhyRequest;
use crate::analysis::TopOrder;
use crate::analysis::runtime::RuntimePoint;
use crate::analysis::{CallId, Cancel, Filters, Granularity, NodeId, Study};
use crate::profile::{MergeError, Profile};
use crate::safe_text::visible;

mod controller;
mod router;
mod search;
mod settings;
mod shared;

use controller::Controller;
use router::Views;
use shared::Shared;

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

/// A place Esc comes back to: the view that Enter, `p` or `S` left and the
/// search it had. The view's own cursor stays where it was, carried by
/// name across recomputations like every selection.
struct Place {
    view: ViewKind,
    search: Option<Search>,
}

/// How many places Esc can go back through; older ones are forgotten.
const MAX_BACK: usize = 64;

/// The application.
pub struct App {
    shared: Shared,
    views: Views,
    ctl: Controller,
    /// The view shown.
    view: ViewKind,
    /// Where Esc goes back to, newest last.
    back: Vec<Place>,
    help: HelpView,
    /// The runtime panel (`m`).
    memstats: MemStatsView,
    prompt: Option<Prompt>,
    /// A one-off message for the status bar, and whether it is an error.
    message: Option<(String, bool)>,
    /// Shown in the header: the file name(s), or the watched URL.
    title: String,
    quit: bool,
}

impl App {
    /// Builds the app around a first model (see [`App::first_model`]) and
    /// queues the call tree.
    pub fn with_model(profile: Arc<Profile>, model: Model, options: AppOptions) -> App {
        let study = options
            .study
            .unwrap_or_else(|| Study::One(Arc::clone(&profile)));
        let chips = chips_of(&options.filters);
        let mut app = App {
            shared: Shared {
                profile,
                model,
                theme: options.theme,
                search: None,
                chips,
                size: options.size,
                busy: None,
                why: None,
                why_column: false,
                why_page: 0,
            },
            views: Views::default(),
            ctl: Controller::new(
                study,
                options.filters,
                options.background,
                options.why.clone(),
                (
                    options.source_paths,
                    options.export_dir,
                    options.export_stem,
                ),
            ),
            view: ViewKind::Top,
            back: Vec::new(),
            help: HelpView::default(),
            memstats: MemStatsView::default(),
            prompt: None,
            message: None,
            title: options.title,
            quit: false,
        };
        app.offer_goroutines();
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
            sort: TopOrder::Flat,
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
    pub fn with_trend(self, input: TrendInput) -> Result<App, MergeError> {
        Ok(self.with_trend_model(TrendModel::new(input)?))
    }

    /// Adds the Trend view, ranked (see [`App::with_trend`]).
    pub fn with_trend_model(mut self, trend: TrendModel) -> App {
        // The leak class follows the snapshots: explained again with them.
        if let Some(request) = self.ctl.why_request.take() {
            let request = WhyRequest {
                snapshots: trend.input(),
                ..request
            };
            self.ctl.why_request = Some(request.clone());
            self.request(Work::Why(request));
        }
        self.views.trend = Some(trend);
        self.view = ViewKind::Trend;
        self
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
        self.ctl.watch = Some(watch);
        self
    }

    /// Opens on the Goroutines view when the profile brings one (a
    /// goroutine profile or dump, not a diff): its groups, states and
    /// waits are where a goroutine leak shows; Top is a key away.
    pub fn on_goroutines(mut self) -> App {
        if self.views.goroutines.is_some() {
            self.show(ViewKind::Goroutines);
        }
        self
    }

    /// Opens with a note in the status bar (from loading the profile).
    pub fn with_message(mut self, note: Option<(String, bool)>) -> App {
        self.message = note;
        self
    }

    /// Opens with these chips as typed, compiled only when they next change
    /// (tests: keys cannot make a chip that does not compile).
    #[doc(hidden)]
    pub fn with_chips(mut self, chips: Vec<Chip>) -> App {
        self.shared.chips = chips;
        self
    }

    // ---- What the screen and the tests read.

    /// The profile, shareable with a worker thread.
    pub fn profile_arc(&self) -> Arc<Profile> {
        Arc::clone(&self.shared.profile)
    }

    pub fn profile(&self) -> &Profile {
        &self.shared.profile
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Whether this is a `--diff-base` comparison.
    pub fn is_diff(&self) -> bool {
        self.shared.is_diff()
    }

    /// The view shown.
    pub fn view(&self) -> ViewKind {
        self.view
    }

    /// The views Tab cycles through.
    pub fn views(&self) -> Vec<ViewKind> {
        self.views.available()
    }

    /// What the Top, Flame, Peek and Source views show.
    pub fn model(&self) -> &Model {
        &self.shared.model
    }

    /// The Trend view, when several snapshots were given.
    pub fn trend(&self) -> Option<&TrendModel> {
        self.views.trend.as_ref()
    }

    /// The Top view's cursor.
    pub fn top(&self) -> &TopView {
        &self.views.top
    }

    /// The flame graph's zoom and selection.
    pub fn flame(&self) -> &FlameView {
        &self.views.flame
    }

    /// The Peek view's function and history.
    pub fn peek(&self) -> &PeekView {
        &self.views.peek
    }

    /// The Source view's lines.
    pub fn source(&self) -> &SourceView {
        &self.views.source
    }

    /// The Goroutines view, when the profile is a goroutine profile or dump.
    pub fn goroutines(&self) -> Option<&GoroutinesView> {
        self.views.goroutines.as_ref()
    }

    /// The watch feeding the app (`--watch`).
    pub fn watch(&self) -> Option<&WatchState> {
        self.ctl.watch.as_ref()
    }

    /// The status bar's message, and whether it is an error.
    pub fn message(&self) -> Option<&(String, bool)> {
        self.message.as_ref()
    }

    /// What is being computed, and since when.
    pub fn busy(&self) -> Option<(&'static str, Instant)> {
        self.shared.busy
    }

    pub fn search(&self) -> Option<&Search> {
        self.shared.search.as_ref()
    }

    /// The `/` prompt, while it is open: it then takes every key.
    pub fn prompt(&self) -> Option<&Prompt> {
        self.prompt.as_ref()
    }

    pub fn chips(&self) -> &[Chip] {
        &self.shared.chips
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn size(&self) -> (u16, u16) {
        self.shared.size
    }

    pub fn theme(&self) -> &Theme {
        &self.shared.theme
    }

    /// The help overlay.
    pub fn help(&self) -> &HelpView {
        &self.help
    }

    /// The runtime panel.
    pub fn memstats(&self) -> &MemStatsView {
        &self.memstats
    }

    /// Whether the "why on heap" column is shown.
    pub fn why_column(&self) -> bool {
        self.shared.why_column
    }

    /// The frame filling the flame graph's width.
    pub fn zoom(&self) -> CallId {
        self.views.flame.zoom()
    }

    pub fn areas(&self) -> Areas {
        views::areas(self.shared.size)
    }

    /// What the views share, for drawing.
    pub fn ctx(&self) -> Ctx<'_> {
        self.shared.ctx()
    }

    /// The shown view's component, for drawing.
    pub(crate) fn shown(&self) -> Option<&dyn super::components::Component> {
        self.views.shown(self.view)
    }

    /// The filters the current chips stand for.
    pub fn filters(&self) -> Filters {
        self.ctl.filters.clone()
    }

    // ---- The selected function: each view answers for itself.

    /// The function the shown view has selected, if any: what `p`, `S`,
    /// `F`/`I`/`H`, `#` and Enter act on.
    pub fn selection(&self) -> Option<Selection> {
        self.shown()?.selection(&self.shared.ctx())
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
            let place = if self.views.trend.is_some() {
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

    // ---- Routing.

    /// Applies one action.
    pub fn update(&mut self, action: Action) {
        if !matches!(action, Action::Resize(..)) {
            self.message = None;
        }
        if action != Action::WhyPage {
            self.shared.why_page = 0;
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
                self.switch_to(views[(at + step) % n]);
            }
            Action::ShowView(view) => {
                if self.views.shown(view).is_some() {
                    self.switch_to(view);
                } else if view == ViewKind::Goroutines {
                    self.say(
                        "the Goroutines view needs a goroutine profile or dump",
                        true,
                    );
                } else {
                    let text = format!("the {} view needs several profiles", view.title());
                    self.say(&text, true);
                }
            }
            Action::Resize(w, h) => self.resize(w, h),
            Action::Click(x, 0) => {
                let (tabs, _) = views::header_layout(self, self.shared.size.0);
                let hit = tabs
                    .iter()
                    .find(|(_, at, text)| (*at..*at + text.chars().count() as u16).contains(&x));
                if let Some(&(view, _, _)) = hit {
                    self.switch_to(view);
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
            // The Goroutines view orders its groups by count or wait, and
            // always groups whole stacks.
            Action::CycleSort if self.view == ViewKind::Goroutines => self.route(&action),
            Action::CycleGranularity if self.view == ViewKind::Goroutines => {
                self.say("whole stacks here; a acts in other views", false)
            }
            Action::CycleSort => self.cycle_sort(),
            Action::NextSampleType | Action::PrevSampleType => {
                self.step_sample_type(action == Action::NextSampleType)
            }
            Action::CycleGranularity => self.cycle_granularity(),
            Action::Filter(kind) => self.add_filter(kind),
            Action::PopFilter | Action::ClearFilters if self.shared.chips.is_empty() => {
                self.say("no filters (F, I and H add one)", false)
            }
            Action::PopFilter => {
                self.shared.chips.pop();
                self.refilter();
            }
            Action::ClearFilters => {
                self.shared.chips.clear();
                self.refilter();
            }
            Action::PeekSelected => {
                if let Some(node) = self.selected_node_or_say() {
                    if self.view == ViewKind::Peek
                        && self
                            .views
                            .peek
                            .peek
                            .as_ref()
                            .is_some_and(|p| p.node == node)
                    {
                        return self.say(
                            "peeking at it already (Enter follows a caller or callee)",
                            false,
                        );
                    }
                    // From another view a fresh peek, so that Esc goes back
                    // there; within Peek, one step Esc takes back.
                    let within = self.view == ViewKind::Peek;
                    self.go(ViewKind::Peek);
                    self.peek_at(node, within);
                }
            }
            Action::SourceSelected => {
                if let Some(node) = self.selected_node_or_say() {
                    if self.view == ViewKind::Source && self.views.source.node == Some(node) {
                        return self.say("its source is shown already", false);
                    }
                    // Peek keeps its place when S is pressed in it: Esc
                    // comes back to it as it was.
                    if self.view != ViewKind::Peek {
                        self.peek_at(node, false);
                    }
                    self.go(ViewKind::Source);
                    self.open_source(node);
                }
            }
            Action::Export => self.export(),
            Action::PauseWatch => self.pause_watch(),
            Action::WatchDiff => self.toggle_watch_diff(),
            Action::WhyPage => self.why_page(),
            Action::ToggleWhy => self.toggle_why(),
            Action::Input(_) | Action::InputBackspace | Action::InputSubmit => {}
            other => self.route(&other),
        }
    }

    /// Hands an action to the shown view and carries out its effect.
    fn route(&mut self, action: &Action) {
        let flame_keys = matches!(
            action,
            Action::Left | Action::Right | Action::ResetZoom | Action::Flip
        );
        if flame_keys && self.view != ViewKind::Flame {
            return self.say("h, l, r and i act on the flame graph (2)", false);
        }
        let ctx = self.shared.ctx();
        let effect = match self.views.shown_mut(self.view) {
            Some(view) => view.update(action, &ctx),
            None => Effect::None,
        };
        self.apply(effect);
    }

    fn apply(&mut self, effect: Effect) {
        match effect {
            Effect::None => {}
            Effect::Message(text, error) => self.say(&text, error),
            Effect::Leave(fallback) => self.go_back(fallback),
            Effect::JumpToFlame(node) => {
                // Highlight every frame of the function; n/N visit them.
                let label = self.shared.model.tree.names()[node.index()].clone();
                let before = self.shared.search.as_ref().map(|s| s.regex.to_string());
                self.go(ViewKind::Flame);
                self.views.flame.zoom.clear();
                self.views.flame.select_node(node, &self.shared.ctx());
                self.set_search(&format!("^{}$", regex::escape(&label)));
                if let Some(before) = before {
                    let text = format!(
                        "searching the function (Esc: back to /{}/)",
                        visible(&before)
                    );
                    self.say(&text, false);
                }
            }
            Effect::JumpToTop(node) => {
                self.go(ViewKind::Top);
                self.views.top.select_node(node, &self.shared.ctx());
            }
            Effect::Peeked(node) => {
                if self.views.source.is_open() {
                    self.open_source(node);
                }
            }
            Effect::Zoomed => self.refresh_coverage(),
            Effect::Rerank(settings) => self.rerank(*settings),
        }
    }

    /// Goes to `view` from a place Esc comes back to (Enter, `p`, `S`).
    fn go(&mut self, view: ViewKind) {
        if view == self.view {
            return;
        }
        if self.back.len() == MAX_BACK {
            self.back.remove(0);
        }
        self.back.push(Place {
            view: self.view,
            search: self.shared.search.clone(),
        });
        self.show(view);
    }

    /// Esc once the shown view has no step of its own left: back to the
    /// place the last Enter, `p` or `S` left, else to `fallback`.
    fn go_back(&mut self, fallback: Option<ViewKind>) {
        match self.back.pop() {
            Some(place) => {
                self.shared.search = place.search;
                self.refresh_coverage();
                self.show(place.view);
            }
            None => match fallback {
                Some(view) => self.show(view),
                None => self.say(
                    "nothing to go back to (Esc returns from Enter, p and S)",
                    false,
                ),
            },
        }
    }

    /// Tab, Shift-Tab, a number key or a click on a tab: the shown view's
    /// selection follows into the Flame, Peek and Source views. Esc does
    /// not come back across it.
    fn switch_to(&mut self, view: ViewKind) {
        if view == self.view {
            return;
        }
        self.back.clear();
        let node = self.selected_node();
        let from_list = !matches!(self.view, ViewKind::Peek | ViewKind::Source);
        self.show(view);
        match view {
            ViewKind::Peek | ViewKind::Source => {
                if let Some(node) = node
                    && from_list
                {
                    self.peek_at(node, true);
                }
                if view == ViewKind::Source {
                    match self.views.peek.peek.as_ref().map(|p| p.node) {
                        Some(node) => self.open_source(node),
                        None => self.views.source.close(),
                    }
                }
            }
            ViewKind::Flame => {
                if let Some(node) = node {
                    self.views.flame.select_node(node, &self.shared.ctx());
                    self.refresh_coverage();
                }
            }
            ViewKind::Top | ViewKind::Trend | ViewKind::Goroutines => {}
        }
    }

    /// Shows `view` as it is; the call tree put off by a watch is asked for
    /// once a view that needs it shows.
    fn show(&mut self, view: ViewKind) {
        self.view = view;
        if view != ViewKind::Trend {
            self.run_deferred();
        }
        self.sync_goroutines();
    }

    /// Gives the app its Goroutines view when the profile is a goroutine
    /// profile or dump and not a diff (whose base is negated); called when
    /// the profile changes.
    pub(super) fn offer_goroutines(&mut self) {
        let applies = crate::analysis::is_goroutine_profile(&self.shared.profile, 0)
            && !self.shared.is_diff();
        match (applies, self.views.goroutines.is_some()) {
            (true, false) => self.views.goroutines = Some(Default::default()),
            (false, true) => self.views.goroutines = None,
            _ => {}
        }
    }

    /// Brings the Goroutines view up to date with the profile and filters
    /// while it is shown (it groups again only when they changed).
    pub(super) fn sync_goroutines(&mut self) {
        if self.view != ViewKind::Goroutines {
            return;
        }
        let filters = self.filters();
        if let Some(view) = self.views.goroutines.as_mut() {
            view.sync(&self.shared.profile, &filters);
        }
    }

    fn resize(&mut self, w: u16, h: u16) {
        self.shared.size = (w, h);
        let ctx = self.shared.ctx();
        self.views.top.resized(&ctx);
        if ctx.model.tree_ready {
            self.views.flame.resized(&ctx);
        }
    }

    /// Peeks at `node` (the Source view follows when it shows something).
    /// Without `remember`, the Peek view starts afresh, so that Esc goes
    /// back to where `p` was pressed rather than to an earlier peek.
    fn peek_at(&mut self, node: NodeId, remember: bool) {
        if !remember {
            self.views.peek.history.clear();
        }
        self.views.peek.open(node, remember, &self.shared.ctx());
        if self.views.source.is_open() {
            self.open_source(node);
        }
    }

    /// Asks for the lines of `node`'s function for the Source view (off
    /// the UI thread: it walks every sample).
    fn open_source(&mut self, node: NodeId) {
        let model = &self.shared.model;
        let function = model.tree.node(node).name.clone();
        self.views.source.loading(&function, node);
        let request = SourceRequest {
            node,
            function,
            sample_index: model.sample_index,
            filters: self.filters(),
            paths: self.ctl.source_paths.clone(),
        };
        self.request(Work::Source(request));
    }

    /// `W`: the "why on heap" pane's next page, where there is a pane.
    fn why_page(&mut self) {
        let paned = matches!(self.view, ViewKind::Top | ViewKind::Source);
        if self.shared.why.is_none() || !paned {
            return self.say(
                "W pages the why on heap pane (Top and Source, Go heap profiles)",
                false,
            );
        }
        // The pane says which page it shows (or that it has one).
        self.shared.why_page = self.shared.why_page.wrapping_add(1);
    }

    fn toggle_why(&mut self) {
        if self.shared.why.is_none() {
            return self.say(
                "why on heap needs a Go heap profile (alloc_* and inuse_* sample types)",
                true,
            );
        }
        let shared = &mut self.shared;
        shared.why_column = !shared.why_column;
        let text = if shared.why_column {
            "why on heap: the compiler's reasons shown"
        } else {
            "why on heap: column hidden"
        };
        self.say(text, false);
    }

    /// Writes the flame graph of what is on screen (sample type,
    /// granularity, filters, zoom, orientation) as an SVG.
    fn export(&mut self) {
        let sides = match self.ctl.study.sides() {
            Ok(sides) => sides,
            Err(e) => return self.say(&format!("export failed: {e}"), true),
        };
        let model = &self.shared.model;
        let flame = &self.views.flame;
        let zoom = if model.tree_ready && !flame.zoom.is_empty() {
            model.tree.path_names(flame.zoom())
        } else {
            Vec::new()
        };
        let export = Export {
            sides,
            sample_index: model.sample_index,
            granularity: model.granularity,
            filters: self.filters(),
            zoom,
            icicle: !flame.flipped,
            title: &self.title,
            sample_type: &model.sample_type.name,
        };
        let (text, error) = export.write(&self.ctl.export_dir, &self.ctl.export_stem);
        self.say(&text, error);
    }

    /// Hands the next waiting job to the caller, which runs it (typically
    /// on a thread) and passes the result to [`App::finish`].
    pub fn take_job(&mut self) -> Option<Job> {
        self.ctl.jobs.take()
    }
}
