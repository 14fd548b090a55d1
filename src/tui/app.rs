//! The application state and [`App::update`], the only place it changes.
//!
//! Views render from `&App`; keys and mouse gestures become
//! [`Action`]s (see [`keymap`](super::keymap)); each action is applied here.
//! Heavy numbers live in a [`Model`] recomputed from the profile when the
//! sample type, granularity or filters change; selections, zooms and the
//! peeked function are carried across by name, since ids change.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use regex::Regex;

use super::action::{Action, FilterKind, ViewKind};
use super::model::{Model, Settings, Sort, SourceModel, TreeParts};
use super::theme::Theme;
use super::trend::{Ranking, TrendInput, TrendModel, TrendSettings, site_function};
use super::views::{self, Areas};
use crate::analysis::trend::Trend;
use crate::analysis::{
    CallId, CallTree, Coverage, Filters, Granularity, NodeId, Peek, SortBy, TagFilter,
    compile_regex,
};
use crate::export::flamegraph::{ExportView, SvgOptions, default_title, export_svg_file};
use crate::profile::{Profile, ProfileError};
use crate::safe_text::visible;

/// What the app is started with.
pub struct AppOptions {
    /// Shown in the header: the file name(s).
    pub title: String,
    /// Sample type index to start with.
    pub sample_index: usize,
    pub granularity: Granularity,
    /// Filters given on the command line, shown as chips.
    pub chips: Vec<Chip>,
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
    /// In diff mode: the new and the base profile as loaded (the app's
    /// profile is their `--diff-base` combination), and `--normalize`;
    /// SVG export draws from these.
    pub sides: Option<(Arc<Profile>, Arc<Profile>, bool)>,
}

/// A kind of active filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChipKind {
    Focus,
    Ignore,
    Hide,
    Show,
    TagFocus,
    TagIgnore,
}

impl ChipKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChipKind::Focus => "focus",
            ChipKind::Ignore => "ignore",
            ChipKind::Hide => "hide",
            ChipKind::Show => "show",
            ChipKind::TagFocus => "tagfocus",
            ChipKind::TagIgnore => "tagignore",
        }
    }
}

/// One active filter, shown as a chip in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chip {
    pub kind: ChipKind,
    /// The regex (or tag filter) as given.
    pub pattern: String,
}

/// State of the Top view.
#[derive(Debug, Clone, Default)]
pub struct TopState {
    pub selected: usize,
    /// First visible row.
    pub offset: usize,
}

/// State of the flame graph.
#[derive(Debug, Clone)]
pub struct FlameState {
    /// Zoom steps; the last is the frame filling the width.
    pub zoom: Vec<CallId>,
    pub selected: CallId,
    /// First visible depth row.
    pub scroll: u32,
    /// Root at the bottom (flame) instead of the top (icicle).
    pub flipped: bool,
}

/// State of the Peek view.
#[derive(Debug, Clone, Default)]
pub struct PeekState {
    pub peek: Option<Peek>,
    /// Functions peeked at before, for Esc.
    pub history: Vec<NodeId>,
    /// Row over callers, the function itself, then callees.
    pub selected: usize,
    pub offset: usize,
}

/// State of the Source view.
#[derive(Debug, Clone, Default)]
pub struct SourceState {
    pub source: Option<SourceModel>,
    pub selected: usize,
    pub offset: usize,
}

/// An active search.
#[derive(Debug, Clone)]
pub struct Search {
    pub regex: Regex,
    pub coverage: Coverage,
}

/// A line of text the user is typing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub text: String,
}

/// The function a view has selected (see [`App::selection`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The function's name (a file's at `files` granularity): what filters
    /// and searches match.
    pub function: String,
    /// Its node in the model (the newest snapshot in Trend mode), when
    /// there is one.
    pub node: Option<NodeId>,
}

/// The function a site of a trend at `granularity` is in: its name
/// without the line or address the printable name adds.
fn function_of_site(name: &str, granularity: Granularity) -> String {
    let mut words = name.split(' ');
    let word = match granularity {
        Granularity::FileFunctions | Granularity::Lines => words.next(),
        Granularity::Addresses => words.nth(1),
        Granularity::Functions | Granularity::Files | Granularity::Stacks => Some(name),
    };
    word.unwrap_or(name).to_owned()
}

/// The application.
pub struct App {
    profile: Arc<Profile>,
    pub title: String,
    pub model: Model,
    pub view: ViewKind,
    pub help: bool,
    pub chips: Vec<Chip>,
    pub top: TopState,
    pub flame: FlameState,
    pub peek: PeekState,
    pub source: SourceState,
    /// The Trend view, when several snapshots were given.
    pub trend: Option<TrendModel>,
    pub search: Option<Search>,
    pub prompt: Option<Prompt>,
    /// A one-off message for the status bar, and whether it is an error.
    pub message: Option<(String, bool)>,
    pub size: (u16, u16),
    pub theme: Theme,
    source_paths: Vec<PathBuf>,
    export_dir: PathBuf,
    export_stem: String,
    quit: bool,
    background: bool,
    sides: Option<(Arc<Profile>, Arc<Profile>, bool)>,
    /// Bumped on every settings change; results of older jobs are dropped.
    generation: u64,
    /// Jobs waiting to be started by the runner.
    queued: Vec<Job>,
    /// Like `generation`, for the Trend view's rankings.
    trend_generation: u64,
    /// The Trend's settings asked for but not yet ranked by.
    trend_wanted: Option<TrendSettings>,
    /// What is being computed, and since when: the progress indicator.
    pub busy: Option<(&'static str, Instant)>,
    /// Selections by name, to restore once the new call tree arrives.
    carry: Option<Carry>,
    /// Sample type and granularity asked for but not yet computed, so quick
    /// repeated keys step on from what was asked, not from what is shown.
    wanted: Option<(usize, Granularity)>,
}

/// Work too slow for `update`, run by the caller (see [`App::take_job`]).
#[derive(Debug, Clone)]
pub struct Job {
    generation: u64,
    work: Work,
}

#[derive(Debug, Clone)]
enum Work {
    Model(Settings),
    Tree(Settings),
    Trend(Ranking),
}

/// The progress label of a Trend ranking.
const RANKING: &str = "ranking the snapshots";

/// A finished [`Job`], handed back with [`App::finish`].
pub struct Done {
    generation: u64,
    output: Output,
}

enum Output {
    Model(Model),
    Tree(TreeParts),
    Trend(Box<(TrendSettings, Result<Trend, ProfileError>)>),
}

impl Job {
    /// Runs the job (on any thread).
    pub fn run(self, profile: &Profile) -> Done {
        let output = match &self.work {
            Work::Model(settings) => Output::Model(Model::compute(profile, settings)),
            Work::Tree(settings) => Output::Tree(Model::compute_tree(profile, settings)),
            Work::Trend(ranking) => {
                Output::Trend(Box::new((ranking.settings.clone(), ranking.run())))
            }
        };
        Done {
            generation: self.generation,
            output,
        }
    }
}

/// The state that refers to a call tree, by name.
#[derive(Debug, Clone, Default)]
struct Carry {
    zoom: Vec<Vec<String>>,
    selected: Vec<String>,
    peek: Option<String>,
    history: Vec<String>,
    /// A function to select in the flame graph (Enter on a Top row).
    flame_node: Option<String>,
}

impl App {
    /// Builds the app around a first model (see [`App::first_model`]) and
    /// queues the call tree.
    pub fn with_model(profile: Arc<Profile>, model: Model, options: AppOptions) -> App {
        let mut app = App {
            profile,
            title: options.title,
            model,
            view: ViewKind::Top,
            help: false,
            chips: options.chips,
            top: TopState::default(),
            flame: FlameState {
                zoom: Vec::new(),
                selected: CallTree::ROOT,
                scroll: 0,
                flipped: false,
            },
            peek: PeekState::default(),
            source: SourceState::default(),
            trend: None,
            search: None,
            prompt: None,
            message: None,
            size: options.size,
            theme: options.theme,
            source_paths: options.source_paths,
            export_dir: options.export_dir,
            export_stem: options.export_stem,
            quit: false,
            background: options.background,
            sides: options.sides,
            generation: 0,
            queued: Vec::new(),
            trend_generation: 0,
            trend_wanted: None,
            busy: None,
            carry: None,
            wanted: None,
        };
        app.queue(true);
        app
    }

    /// Computes the first model (the Top rows) for `options`.
    pub fn first_model(profile: &Profile, options: &AppOptions) -> anyhow::Result<Model> {
        let settings = Settings {
            sample_index: options.sample_index,
            granularity: options.granularity,
            filters: filters_of(&options.chips)?,
            sort: Sort::Flat,
        };
        Ok(Model::compute(profile, &settings))
    }

    /// Builds the app and computes everything it shows at first.
    pub fn new(profile: Arc<Profile>, options: AppOptions) -> anyhow::Result<App> {
        let model = App::first_model(&profile, &options)?;
        Ok(App::with_model(profile, model, options))
    }

    /// Adds the Trend view over `input` and shows it; the other views keep
    /// showing the app's profile (the newest snapshot). Fails when the
    /// snapshots had to be merged and could not be.
    pub fn with_trend(mut self, input: TrendInput) -> Result<App, ProfileError> {
        let trend = TrendModel::new(input)?;
        self.message = trend.warnings().first().map(|w| (w.clone(), false));
        self.trend = Some(trend);
        self.view = ViewKind::Trend;
        Ok(self)
    }

    /// The profile, shareable with a worker thread.
    pub fn profile_arc(&self) -> Arc<Profile> {
        Arc::clone(&self.profile)
    }

    /// Hands the queued job to the caller, which runs it (typically on a
    /// thread) and passes the result to [`App::finish`].
    pub fn take_job(&mut self) -> Option<Job> {
        (!self.queued.is_empty()).then(|| self.queued.remove(0))
    }

    /// Queues the next computation for the current settings: the model, or
    /// (`tree`) its call tree. Without a background runner it runs at once.
    fn queue(&mut self, tree: bool) {
        let settings = Settings {
            sample_index: self.model.sample_index,
            granularity: self.model.granularity,
            filters: self.filters(),
            sort: self.model.sort,
        };
        self.queue_settings(settings, tree);
    }

    fn queue_settings(&mut self, settings: Settings, tree: bool) {
        let job = Job {
            generation: self.generation,
            work: if tree {
                Work::Tree(settings)
            } else {
                Work::Model(settings)
            },
        };
        self.busy = Some((
            if tree {
                "building the call tree"
            } else {
                "recomputing"
            },
            Instant::now(),
        ));
        self.run_or_queue(job);
    }

    /// Queues the Trend's ranking by another sample type.
    fn queue_ranking(&mut self, ranking: Ranking) {
        self.trend_generation += 1;
        self.trend_wanted = Some(ranking.settings.clone());
        if self.busy.is_none() {
            self.busy = Some((RANKING, Instant::now()));
        }
        let job = Job {
            generation: self.trend_generation,
            work: Work::Trend(ranking),
        };
        self.run_or_queue(job);
    }

    /// Hands `job` to the background runner, or runs it now without one.
    fn run_or_queue(&mut self, job: Job) {
        if self.background {
            self.queued.push(job);
        } else {
            let done = job.run(&self.profile);
            self.finish(done);
        }
    }

    /// Installs a finished job's result (stale ones are dropped).
    pub fn finish(&mut self, done: Done) {
        let current = match done.output {
            Output::Trend(..) => self.trend_generation,
            _ => self.generation,
        };
        if done.generation != current {
            return;
        }
        match done.output {
            Output::Model(model) => {
                self.wanted = None;
                let top_name = self.selected_top_name();
                self.model = model;
                self.select_top_name(top_name.as_deref());
                self.flame.zoom.clear();
                self.flame.selected = CallTree::ROOT;
                self.peek.peek = None;
                self.peek.history.clear();
                self.queue(true);
            }
            Output::Tree(parts) => {
                self.model.install_tree(parts);
                self.busy = None;
                self.restore_carry();
            }
            Output::Trend(ranked) => {
                let (settings, result) = *ranked;
                self.trend_wanted = None;
                if self.busy.is_some_and(|(what, _)| what == RANKING) {
                    self.busy = None;
                }
                let page = self.trend_page();
                let Some(trend) = self.trend.as_mut() else {
                    return;
                };
                match result {
                    Ok(ranked) => {
                        trend.install(settings, ranked);
                        trend.offset = scrolled(trend.selected, trend.offset, page);
                    }
                    Err(e) => {
                        self.message = Some((format!("cannot rank the snapshots: {e}"), true))
                    }
                }
            }
        }
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
        self.flame.zoom.last().copied().unwrap_or(CallTree::ROOT)
    }

    pub fn areas(&self) -> Areas {
        views::areas(self.size)
    }

    /// Rows of the Top table that fit on screen.
    pub fn top_page(&self) -> usize {
        usize::from(self.areas().body.height.saturating_sub(1)).max(1)
    }

    /// Depth rows the flame graph shows.
    pub fn flame_rows(&self) -> u32 {
        u32::from(self.areas().body.height.saturating_sub(1)).max(1)
    }

    /// The function the current view has selected, if any: each view
    /// answers for its own highlighted row, and the keys that act on "the
    /// selection" (`p`, `S`, `F`/`I`/`H`, `#`, Enter) ask this.
    pub fn selection(&self) -> Option<Selection> {
        match self.view {
            ViewKind::Top => self
                .model
                .rows
                .get(self.top.selected)
                .map(|r| self.node_selection(r.node)),
            ViewKind::Flame => (self.flame.selected != CallTree::ROOT)
                .then(|| self.node_selection(self.model.tree.call(self.flame.selected).node)),
            ViewKind::Peek => self.peek_row_node().map(|n| self.node_selection(n)),
            ViewKind::Source => {
                let source = self.source.source.as_ref()?;
                let node = self
                    .peek
                    .peek
                    .as_ref()
                    .map(|p| p.node)
                    .filter(|&n| self.model.tree.node(n).name == source.function)
                    .or_else(|| self.node_of_function(&source.function));
                Some(Selection {
                    function: source.function.clone(),
                    node,
                })
            }
            ViewKind::Trend => {
                let trend = self.trend.as_ref()?;
                let row = trend.selected_row()?;
                let function = function_of_site(&site_function(row), trend.settings.granularity);
                let node = self
                    .node_named(&row.name)
                    .or_else(|| self.node_of_function(&function));
                Some(Selection { function, node })
            }
        }
    }

    /// The graph node the current view has selected, if the model has it.
    pub fn selected_node(&self) -> Option<NodeId> {
        self.selection().and_then(|s| s.node)
    }

    fn node_selection(&self, node: NodeId) -> Selection {
        let info = self.model.tree.node(node);
        let function = if info.name.is_empty() {
            info.file.clone()
        } else {
            info.name.clone()
        };
        Selection {
            function,
            node: Some(node),
        }
    }

    /// The heaviest row of the model whose node is in `function`.
    fn node_of_function(&self, function: &str) -> Option<NodeId> {
        let tree = &self.model.tree;
        self.node_named(function).or_else(|| {
            self.model
                .rows
                .iter()
                .filter(|r| {
                    let info = tree.node(r.node);
                    info.name == function || (info.name.is_empty() && info.file == function)
                })
                .max_by_key(|r| r.cum.unsigned_abs())
                .map(|r| r.node)
        })
    }

    fn peek_row_node(&self) -> Option<NodeId> {
        let peek = self.peek.peek.as_ref()?;
        let i = self.peek.selected;
        if i < peek.callers.len() {
            Some(peek.callers[i].node)
        } else if i == peek.callers.len() {
            Some(peek.node)
        } else {
            peek.callees.get(i - peek.callers.len() - 1).map(|e| e.node)
        }
    }

    /// Applies one action.
    pub fn update(&mut self, action: Action) {
        if !matches!(action, Action::Resize(..)) {
            self.message = None;
        }
        if self.prompt.is_some() {
            self.update_prompt(action);
            return;
        }
        if self.help {
            match action {
                Action::Quit => self.quit = true,
                Action::Resize(w, h) => self.resize(w, h),
                _ => self.help = false,
            }
            return;
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.help = true,
            Action::NextView | Action::PrevView => {
                let views = self.views();
                let at = views.iter().position(|&v| v == self.view).unwrap_or(0);
                let n = views.len();
                let next = if action == Action::NextView {
                    (at + 1) % n
                } else {
                    (at + n - 1) % n
                };
                self.show_view(views[next]);
            }
            Action::ShowView(view) => {
                if self.views().contains(&view) {
                    self.show_view(view);
                } else {
                    self.message = Some((
                        format!("the {} view needs several profiles", view.title()),
                        true,
                    ));
                }
            }
            Action::Resize(w, h) => self.resize(w, h),
            // A click on a tab shows its view.
            Action::Click(x, 0) => {
                let (tabs, _) = views::header_layout(self, self.size.0);
                if let Some(&(view, _, _)) = tabs
                    .iter()
                    .find(|(_, at, text)| (*at..*at + text.chars().count() as u16).contains(&x))
                {
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
                Some(selection) => {
                    let name = match (self.view, selection.node) {
                        (ViewKind::Trend, _) | (_, None) => selection.function,
                        (_, Some(node)) => self.model.tree.names()[node.index()].clone(),
                    };
                    self.set_search(&format!("^{}$", regex::escape(&name)));
                }
                None => self.message = Some(("select a function first".to_owned(), true)),
            },
            Action::SearchNext => self.search_step(true),
            Action::SearchPrev => self.search_step(false),
            Action::CycleSort if self.view == ViewKind::Trend => {
                if let Some(mut settings) = self.trend_settings_wanted() {
                    settings.by = match settings.by {
                        SortBy::Flat => SortBy::Cum,
                        SortBy::Cum => SortBy::Flat,
                    };
                    self.rerank(settings);
                }
            }
            Action::CycleSort => {
                let name = self.selected_top_name();
                self.model.sort_rows(self.model.sort.next());
                self.select_top_name(name.as_deref());
                self.message = Some((format!("sorted by {}", self.model.sort.as_str()), false));
            }
            Action::NextSampleType | Action::PrevSampleType if self.view == ViewKind::Trend => {
                if let (Some(trend), Some(mut settings)) =
                    (self.trend.as_ref(), self.trend_settings_wanted())
                {
                    let n = trend.sample_type_count().max(1);
                    let i = settings.sample_index;
                    settings.sample_index = if action == Action::NextSampleType {
                        (i + 1) % n
                    } else {
                        (i + n - 1) % n
                    };
                    self.rerank(settings);
                }
            }
            Action::CycleGranularity if self.view == ViewKind::Trend => {
                if let Some(mut settings) = self.trend_settings_wanted() {
                    let all = Granularity::ALL;
                    let at = all
                        .iter()
                        .position(|&g| g == settings.granularity)
                        .unwrap_or(0);
                    settings.granularity = all[(at + 1) % all.len()];
                    self.rerank(settings);
                }
            }
            Action::NextSampleType | Action::PrevSampleType => {
                let n = self.profile.sample_types.len();
                let (i, granularity) = self.settings_wanted();
                let next = if action == Action::NextSampleType {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.recompute(next, granularity);
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
                    self.open_peek(node, true);
                    self.view = ViewKind::Peek;
                }
            }
            Action::SourceSelected => {
                if let Some(node) = self.selected_node_or_say() {
                    self.open_peek(node, true);
                    self.open_source();
                    self.view = ViewKind::Source;
                }
            }
            Action::Export => self.export(),
            Action::Input(_) | Action::InputBackspace | Action::InputSubmit => {}
            other => match self.view {
                ViewKind::Top => self.update_top(other),
                ViewKind::Flame => self.update_flame(other),
                ViewKind::Peek => self.update_peek(other),
                ViewKind::Source => self.update_source(other),
                ViewKind::Trend => self.update_trend(other),
            },
        }
    }

    /// The selected function's node, or a message saying why there is none.
    fn selected_node_or_say(&mut self) -> Option<NodeId> {
        let Some(selection) = self.selection() else {
            self.message = Some(("select a function first".to_owned(), true));
            return None;
        };
        if selection.node.is_none() {
            self.message = Some((
                format!(
                    "{} has no samples in {}",
                    visible(&selection.function),
                    if self.trend.is_some() {
                        "the newest snapshot"
                    } else {
                        "this view"
                    }
                ),
                true,
            ));
        }
        selection.node
    }

    /// The Trend settings asked for last (shown or still being ranked).
    fn trend_settings_wanted(&self) -> Option<TrendSettings> {
        // Quick repeated keys step on from what was asked.
        self.trend_wanted
            .clone()
            .or_else(|| self.trend.as_ref().map(|t| t.settings.clone()))
    }

    /// Re-ranks the Trend view for `settings`.
    fn rerank(&mut self, settings: TrendSettings) {
        if let Some(ranking) = self.trend.as_ref().and_then(|t| t.ranking(settings)) {
            self.queue_ranking(ranking);
        }
    }

    fn resize(&mut self, w: u16, h: u16) {
        self.size = (w, h);
        self.top.offset = scrolled(self.top.selected, self.top.offset, self.top_page());
        self.keep_flame_selection_visible();
    }

    fn show_view(&mut self, view: ViewKind) {
        let node = self.selected_node();
        match view {
            ViewKind::Peek | ViewKind::Source => {
                if let Some(node) = node
                    && self.view != ViewKind::Peek
                    && self.view != ViewKind::Source
                {
                    self.open_peek(node, true);
                }
                if view == ViewKind::Source {
                    self.open_source();
                }
            }
            ViewKind::Flame if self.view != ViewKind::Flame => {
                if let Some(node) = node {
                    self.select_in_flame(node);
                }
            }
            _ => {}
        }
        self.view = view;
    }

    fn update_prompt(&mut self, action: Action) {
        let Some(prompt) = self.prompt.as_mut() else {
            return;
        };
        match action {
            Action::Input(c) => prompt.text.push(c),
            Action::InputBackspace => {
                prompt.text.pop();
            }
            Action::InputSubmit => {
                let text = std::mem::take(&mut prompt.text);
                self.prompt = None;
                if text.is_empty() {
                    self.search = None;
                } else {
                    self.set_search(&text);
                }
            }
            Action::Back => self.prompt = None,
            Action::Quit => self.quit = true,
            Action::Resize(w, h) => self.resize(w, h),
            _ => {}
        }
    }

    /// Searches for `pattern` and moves the view's cursor to the first
    /// match from where it is.
    fn set_search(&mut self, pattern: &str) {
        match search_regex(pattern) {
            Ok(regex) => {
                let coverage = if self.model.tree_ready {
                    self.model.tree.coverage(&regex, self.zoom())
                } else {
                    Coverage::default()
                };
                self.search = Some(Search { regex, coverage });
                let on_match = match self.view {
                    ViewKind::Top => self.top_matches(self.top.selected),
                    ViewKind::Trend => self
                        .trend
                        .as_ref()
                        .is_some_and(|t| self.trend_matches(t, t.selected)),
                    ViewKind::Flame => {
                        self.flame.selected != CallTree::ROOT
                            && self.search.as_ref().is_some_and(|s| {
                                s.regex.is_match(self.model.tree.name(self.flame.selected))
                            })
                    }
                    ViewKind::Peek | ViewKind::Source => true,
                };
                if !on_match {
                    self.search_step(true);
                }
            }
            Err(e) => self.message = Some((e.to_string(), true)),
        }
    }

    fn trend_matches(&self, trend: &TrendModel, row: usize) -> bool {
        let (Some(search), Some(r)) = (&self.search, trend.trend.rows.get(row)) else {
            return false;
        };
        search.regex.is_match(&r.name)
    }

    fn top_matches(&self, row: usize) -> bool {
        let (Some(search), Some(r)) = (&self.search, self.model.rows.get(row)) else {
            return false;
        };
        search.regex.is_match(self.model.row_label(r))
    }

    fn search_step(&mut self, forward: bool) {
        let Some(search) = &self.search else {
            self.message = Some(("no search: press / to search".to_owned(), true));
            return;
        };
        match self.view {
            ViewKind::Top => {
                let n = self.model.rows.len();
                if n == 0 {
                    return;
                }
                let found = (1..=n)
                    .map(|k| {
                        if forward {
                            (self.top.selected + k) % n
                        } else {
                            (self.top.selected + n - k % n) % n
                        }
                    })
                    .find(|&i| self.top_matches(i));
                match found {
                    Some(i) => self.select_top(i),
                    None => self.message = Some(("no matching row".to_owned(), true)),
                }
            }
            ViewKind::Trend => {
                let Some(trend) = self.trend.as_ref() else {
                    return;
                };
                let n = trend.trend.rows.len();
                let at = trend.selected;
                let found = (1..=n)
                    .map(|k| {
                        if forward {
                            (at + k) % n
                        } else {
                            (at + n - k % n) % n
                        }
                    })
                    .find(|&i| self.trend_matches(trend, i));
                let page = self.trend_page();
                match (found, self.trend.as_mut()) {
                    (Some(i), Some(trend)) => {
                        trend.selected = i;
                        trend.offset = scrolled(i, trend.offset, page);
                    }
                    _ => self.message = Some(("no matching site".to_owned(), true)),
                }
            }
            ViewKind::Flame => {
                let tree = &self.model.tree;
                let matches: Vec<CallId> = tree
                    .preorder(self.zoom())
                    .filter(|&c| c != CallTree::ROOT && search.regex.is_match(tree.name(c)))
                    .collect();
                if matches.is_empty() {
                    self.message = Some(("no matching frame under the zoom".to_owned(), true));
                    return;
                }
                let at = matches.iter().position(|&c| c == self.flame.selected);
                let next = match (at, forward) {
                    (Some(i), true) => (i + 1) % matches.len(),
                    (Some(i), false) => (i + matches.len() - 1) % matches.len(),
                    (None, true) => 0,
                    (None, false) => matches.len() - 1,
                };
                self.select_frame(matches[next]);
            }
            _ => {}
        }
    }

    fn add_filter(&mut self, kind: FilterKind) {
        let Some(selection) = self.selection() else {
            self.message = Some(("select a function first".to_owned(), true));
            return;
        };
        let name = &selection.function;
        if name.is_empty() {
            self.message = Some(("this frame has no name to filter on".to_owned(), true));
            return;
        }
        let pattern = format!("^{}$", regex::escape(name));
        let kind = match kind {
            FilterKind::Focus => {
                // One focus at a time: a new one replaces the old.
                self.chips.retain(|c| c.kind != ChipKind::Focus);
                ChipKind::Focus
            }
            FilterKind::Ignore => ChipKind::Ignore,
            FilterKind::Hide => ChipKind::Hide,
        };
        self.chips.push(Chip { kind, pattern });
        self.refilter();
    }

    fn refilter(&mut self) {
        let (sample_index, granularity) = self.settings_wanted();
        self.recompute(sample_index, granularity);
        if let Some(mut settings) = self.trend_settings_wanted()
            && let Ok(filters) = filters_of(&self.chips)
        {
            settings.filters = filters;
            self.rerank(settings);
        }
    }

    fn settings_wanted(&self) -> (usize, Granularity) {
        self.wanted
            .unwrap_or((self.model.sample_index, self.model.granularity))
    }

    /// Starts a recomputation for new settings; selections are carried
    /// over by name when the results arrive.
    fn recompute(&mut self, sample_index: usize, granularity: Granularity) {
        let filters = match filters_of(&self.chips) {
            Ok(f) => f,
            Err(e) => {
                self.message = Some((format!("{e:#}"), true));
                return;
            }
        };
        if self.model.tree_ready {
            self.carry = Some(self.carry_names());
        }
        self.generation += 1;
        self.wanted = Some((sample_index, granularity));
        let settings = Settings {
            sample_index,
            granularity,
            filters,
            sort: self.model.sort,
        };
        self.queue_settings(settings, false);
    }

    fn carry_names(&self) -> Carry {
        let tree = &self.model.tree;
        let name = |n: NodeId| tree.names()[n.index()].clone();
        Carry {
            zoom: self
                .flame
                .zoom
                .iter()
                .map(|&z| tree.path_names(z))
                .collect(),
            selected: tree.path_names(self.flame.selected),
            peek: self.peek.peek.as_ref().map(|p| name(p.node)),
            history: self.peek.history.iter().map(|&n| name(n)).collect(),
            flame_node: None,
        }
    }

    /// Puts back zoom, selection and peek once a new tree is in place.
    fn restore_carry(&mut self) {
        let carry = self.carry.take().unwrap_or_default();
        let tree = &self.model.tree;
        let mut zoom: Vec<CallId> = carry.zoom.iter().map(|p| tree.find_path(p)).collect();
        zoom.dedup();
        zoom.retain(|&z| z != CallTree::ROOT);
        self.flame.zoom = zoom;
        self.flame.selected = tree.find_path(&carry.selected);
        if !tree.is_ancestor(self.zoom(), self.flame.selected)
            && !tree.is_ancestor(self.flame.selected, self.zoom())
        {
            self.flame.selected = self.zoom();
        }
        self.keep_flame_selection_visible();
        self.peek.history = carry
            .history
            .iter()
            .filter_map(|n| self.node_named(n))
            .collect();
        match carry.peek.and_then(|n| self.node_named(&n)) {
            Some(node) => self.open_peek(node, false),
            None => self.peek.peek = None,
        }
        if self.source.source.is_some() {
            self.open_source();
        }
        if let Some(node) = carry.flame_node.and_then(|n| self.node_named(&n)) {
            self.select_in_flame(node);
        } else if self.flame.selected == CallTree::ROOT
            && self.view == ViewKind::Flame
            && let Some(node) = self.model.rows.get(self.top.selected).map(|r| r.node)
        {
            self.select_in_flame(node);
        }
        self.refresh_coverage();
    }

    fn node_named(&self, name: &str) -> Option<NodeId> {
        let names = self.model.tree.names();
        self.model
            .rows
            .iter()
            .find(|r| names[r.node.index()] == name)
            .map(|r| r.node)
    }

    fn selected_top_name(&self) -> Option<String> {
        self.model
            .rows
            .get(self.top.selected)
            .map(|r| self.model.row_label(r).to_owned())
    }

    fn select_top_name(&mut self, name: Option<&str>) {
        let i = name
            .and_then(|name| {
                self.model
                    .rows
                    .iter()
                    .position(|r| self.model.row_label(r) == name)
            })
            .unwrap_or(0);
        self.select_top(i);
    }

    fn select_top(&mut self, i: usize) {
        let last = self.model.rows.len().saturating_sub(1);
        self.top.selected = i.min(last);
        self.top.offset = scrolled(self.top.selected, self.top.offset, self.top_page());
    }

    fn update_top(&mut self, action: Action) {
        let rows = self.model.rows.len().max(1);
        if let Some(to) = moved(&action, self.top.selected, rows, self.top_page()) {
            self.select_top(to);
            return;
        }
        match action {
            Action::Enter => {
                if let Some(node) = self.selected_node() {
                    // Highlight every frame of the function; n/N visit them.
                    let name = self.model.tree.names()[node.index()].clone();
                    self.view = ViewKind::Flame;
                    self.flame.zoom.clear();
                    self.select_in_flame(node);
                    self.set_search(&format!("^{}$", regex::escape(&name)));
                }
            }
            Action::Click(_, y) => {
                let body = self.areas().body;
                if y > body.y && y < body.y + body.height {
                    self.select_top(self.top.offset + usize::from(y - body.y - 1));
                }
            }
            _ => {}
        }
    }

    /// Rows of the Trend table that fit on screen.
    pub fn trend_page(&self) -> usize {
        views::trend::page(self, self.areas().body)
    }

    fn update_trend(&mut self, action: Action) {
        let page = self.trend_page();
        let clicked = match action {
            Action::Click(_, y) => views::trend::row_at(self, self.areas().body, y),
            _ => None,
        };
        let Some(trend) = self.trend.as_mut() else {
            return;
        };
        let n = trend.trend.rows.len();
        if n == 0 {
            return;
        }
        let to = match moved(&action, trend.selected, n, page) {
            Some(to) => to,
            None => match action {
                Action::Click(..) => match clicked {
                    Some(i) => i,
                    None => return,
                },
                Action::Enter => {
                    self.trend_to_top();
                    return;
                }
                _ => return,
            },
        };
        trend.selected = to.min(n - 1);
        trend.offset = scrolled(trend.selected, trend.offset, page);
    }

    /// Enter on a Trend row: the site's row in Top (the newest snapshot).
    fn trend_to_top(&mut self) {
        let Some(node) = self.selected_node_or_say() else {
            return;
        };
        if let Some(i) = self.model.rows.iter().position(|r| r.node == node) {
            self.view = ViewKind::Top;
            self.select_top(i);
        }
    }

    /// Selects a function's heaviest frame in the flame graph.
    fn select_in_flame(&mut self, node: NodeId) {
        if !self.model.tree_ready {
            let name = self.model.tree.names()[node.index()].clone();
            self.carry.get_or_insert_with(Carry::default).flame_node = Some(name);
            return;
        }
        let Some(call) = self.model.tree.heaviest(node) else {
            return;
        };
        self.select_frame(call);
    }

    /// Selects a frame, zooming to its caller when it is too narrow to be
    /// drawn at the current zoom.
    fn select_frame(&mut self, call: CallId) {
        let tree = &self.model.tree;
        if !tree.is_ancestor(self.zoom(), call) {
            self.flame.zoom.clear();
        }
        let depth = tree.call(call).depth;
        let width = self.size.0;
        let visible = views::flame::layout(tree, self.zoom(), width, depth..depth + 1)
            .iter()
            .find(|r| r.call == call)
            .map_or(0, |r| r.width);
        if visible == 0 && call != self.zoom() {
            let parent = tree.call(call).parent;
            let target = if parent == CallTree::ROOT {
                call
            } else {
                parent
            };
            if target != self.zoom() {
                self.flame.zoom.push(target);
            }
        }
        self.flame.selected = call;
        self.keep_flame_selection_visible();
        self.refresh_coverage();
    }

    fn refresh_coverage(&mut self) {
        if !self.model.tree_ready {
            return;
        }
        if let Some(search) = &self.search {
            let regex = search.regex.clone();
            let coverage = self.model.tree.coverage(&regex, self.zoom());
            self.search = Some(Search { regex, coverage });
        }
    }

    fn keep_flame_selection_visible(&mut self) {
        let depth = self.model.tree.call(self.flame.selected).depth;
        let rows = self.flame_rows();
        if depth < self.flame.scroll {
            self.flame.scroll = depth;
        } else if depth >= self.flame.scroll + rows {
            self.flame.scroll = depth + 1 - rows;
        }
    }

    fn update_flame(&mut self, action: Action) {
        if !self.model.tree_ready {
            return;
        }
        let tree = &self.model.tree;
        let selected = self.flame.selected;
        let width = self.size.0;
        // Visually up and down: in the flame orientation the root is at the bottom.
        let (toward_leaves, toward_root) = if self.flame.flipped {
            (Action::Up, Action::Down)
        } else {
            (Action::Down, Action::Up)
        };
        let action = match action {
            Action::ScrollDown => Action::Down,
            Action::ScrollUp => Action::Up,
            a => a,
        };
        match action {
            a if a == toward_leaves => {
                let depth = tree.call(selected).depth + 1;
                let child = views::flame::layout(tree, self.zoom(), width, depth..depth + 1)
                    .into_iter()
                    .filter(|r| tree.call(r.call).parent == selected)
                    .max_by_key(|r| (r.width, std::cmp::Reverse(r.x)));
                if let Some(child) = child {
                    self.flame.selected = child.call;
                }
            }
            a if a == toward_root && selected != CallTree::ROOT => {
                self.flame.selected = tree.call(selected).parent;
            }
            Action::Left | Action::Right => {
                let depth = tree.call(selected).depth;
                let row = views::flame::layout(tree, self.zoom(), width, depth..depth + 1);
                if let Some(i) = row.iter().position(|r| r.call == selected) {
                    let j = if action == Action::Left {
                        i.checked_sub(1)
                    } else {
                        (i + 1 < row.len()).then_some(i + 1)
                    };
                    if let Some(j) = j {
                        self.flame.selected = row[j].call;
                    }
                }
            }
            Action::PageDown | Action::PageUp => {
                let rows = self.flame_rows();
                let max = self.deepest_visible();
                self.flame.scroll = if action == Action::PageDown {
                    (self.flame.scroll + rows).min(max.saturating_sub(rows - 1))
                } else {
                    self.flame.scroll.saturating_sub(rows)
                };
                // Keep the selection on screen by moving it to the edge.
                let top = self.flame.scroll;
                let d = tree.call(selected).depth;
                if d < top || d >= top + rows {
                    let target = if d < top { top } else { top + rows - 1 };
                    let mut at = selected;
                    while tree.call(at).depth > target {
                        at = tree.call(at).parent;
                    }
                    while tree.call(at).depth < target {
                        match tree.children(at).first() {
                            Some(&k) => at = k,
                            None => break,
                        }
                    }
                    self.flame.selected = at;
                }
            }
            Action::First => self.flame.selected = self.zoom(),
            Action::Last => {
                let mut at = selected;
                while let Some(&k) = tree.children(at).first() {
                    at = k;
                }
                self.flame.selected = at;
            }
            Action::Enter => self.zoom_into(selected),
            Action::Back => {
                if self.flame.zoom.pop().is_none() {
                    self.message = Some(("not zoomed".to_owned(), false));
                } else {
                    let tree = &self.model.tree;
                    if !tree.is_ancestor(self.zoom(), self.flame.selected) {
                        self.flame.selected = self.zoom();
                    }
                    self.refresh_coverage();
                }
            }
            Action::ResetZoom => {
                self.flame.zoom.clear();
                self.flame.scroll = 0;
                self.refresh_coverage();
            }
            Action::Flip => self.flame.flipped = !self.flame.flipped,
            Action::Click(x, y) => {
                if let Some(call) = self.frame_at(x, y) {
                    self.flame.selected = call;
                    self.zoom_into(call);
                }
            }
            _ => {}
        }
        self.keep_flame_selection_visible();
    }

    fn zoom_into(&mut self, call: CallId) {
        if call == self.zoom() {
            return;
        }
        if call == CallTree::ROOT {
            self.flame.zoom.clear();
        } else {
            self.flame.zoom.push(call);
        }
        self.flame.selected = call;
        self.refresh_coverage();
    }

    /// The deepest depth with a visible frame under the zoom (bounded by the
    /// tree; used to stop paging past the bottom).
    fn deepest_visible(&self) -> u32 {
        let tree = &self.model.tree;
        let mut deepest = 0;
        for id in tree.preorder(self.zoom()) {
            deepest = deepest.max(tree.call(id).depth);
        }
        deepest
    }

    /// The frame drawn at a screen cell.
    pub fn frame_at(&self, x: u16, y: u16) -> Option<CallId> {
        let area = views::flame::graph_area(self.areas().body);
        if !(area.x..area.x + area.width).contains(&x)
            || !(area.y..area.y + area.height).contains(&y)
        {
            return None;
        }
        let row = u32::from(y - area.y);
        let depth = if self.flame.flipped {
            self.flame.scroll + u32::from(area.height) - 1 - row
        } else {
            self.flame.scroll + row
        };
        let x = u32::from(x - area.x);
        views::flame::layout(&self.model.tree, self.zoom(), area.width, depth..depth + 1)
            .into_iter()
            .find(|r| (r.x..r.x + r.width).contains(&x))
            .map(|r| r.call)
    }

    /// Peeks at `node`; `remember` pushes the current one onto the history.
    fn open_peek(&mut self, node: NodeId, remember: bool) {
        if !self.model.tree_ready {
            let name = self.model.tree.names()[node.index()].clone();
            self.carry.get_or_insert_with(Carry::default).peek = Some(name);
            return;
        }
        if let Some(old) = &self.peek.peek {
            if old.node == node && remember {
                return;
            }
            if remember {
                self.peek.history.push(old.node);
            }
        }
        let peek = self.model.tree.peek(node);
        self.peek.selected = peek.callers.len();
        self.peek.peek = Some(peek);
        let page = self.top_page();
        self.peek.offset = self.peek.selected.saturating_sub(page / 2);
        if self.source.source.is_some() {
            self.open_source();
        }
    }

    fn peek_rows(&self) -> usize {
        self.peek
            .peek
            .as_ref()
            .map_or(0, |p| p.callers.len() + 1 + p.callees.len())
    }

    fn update_peek(&mut self, action: Action) {
        let n = self.peek_rows();
        if n == 0 {
            return;
        }
        let page = views::peek::page(self.areas().body);
        let to = match moved(&action, self.peek.selected, n, page) {
            Some(to) => to,
            None => match action {
                Action::Enter => {
                    if let Some(node) = self.peek_row_node() {
                        self.open_peek(node, true);
                    }
                    return;
                }
                Action::Back => {
                    if let Some(node) = self.peek.history.pop() {
                        self.open_peek(node, false);
                    }
                    return;
                }
                Action::Click(_, y) => match views::peek::row_at(self, y) {
                    Some(i) => i,
                    None => return,
                },
                _ => return,
            },
        };
        self.peek.selected = to.min(n - 1);
        self.peek.offset = scrolled(self.peek.selected, self.peek.offset, page);
    }

    fn open_source(&mut self) {
        let Some(peek) = &self.peek.peek else {
            self.source.source = None;
            return;
        };
        let info = self.model.tree.node(peek.node);
        let function = info.name.clone();
        let filters = filters_of(&self.chips).unwrap_or_default();
        let source = SourceModel::compute(
            &self.profile,
            self.model.sample_index,
            &filters,
            &function,
            &self.source_paths,
        );
        self.source.selected = source.hottest_row();
        let page = views::source::page(self.areas().body);
        self.source.offset = self.source.selected.saturating_sub(page / 2);
        self.source.source = Some(source);
    }

    fn update_source(&mut self, action: Action) {
        let Some(source) = &self.source.source else {
            return;
        };
        let n = source.row_count();
        if n == 0 {
            return;
        }
        let page = views::source::page(self.areas().body);
        let to = match moved(&action, self.source.selected, n, page) {
            Some(to) => to,
            None => match action {
                Action::Back => {
                    self.view = ViewKind::Peek;
                    return;
                }
                _ => return,
            },
        };
        self.source.selected = to.min(n - 1);
        self.source.offset = scrolled(self.source.selected, self.source.offset, page);
    }

    /// Writes the flame graph of what is on screen (sample type,
    /// granularity, filters, zoom, orientation) as an SVG next to the
    /// working directory, never over an existing file.
    fn export(&mut self) {
        let (profile, base, normalize) = match &self.sides {
            Some((new, base, normalize)) => (&**new, Some(&**base), *normalize),
            None => (&*self.profile, None, false),
        };
        let mut view = ExportView {
            profile,
            base,
            normalize,
            sample_index: self.model.sample_index,
            granularity: self.model.granularity,
            filters: self.filters(),
            zoom: if self.model.tree_ready {
                self.model.tree.path_names(self.zoom())
            } else {
                Vec::new()
            },
            title: None,
        };
        view.title = Some(default_title(&self.title, None, &view));
        let options = SvgOptions {
            icicle: !self.flame.flipped,
            ..SvgOptions::default()
        };
        let path = self.export_path();
        self.message = Some(match export_svg_file(&view, &options, &path) {
            Ok(stats) => (
                format!(
                    "wrote {} ({} frames)",
                    visible(&path.display().to_string()),
                    stats.frames
                ),
                false,
            ),
            Err(e) => (format!("export failed: {}", visible(&e.to_string())), true),
        });
    }

    fn export_path(&self) -> PathBuf {
        super::export::export_path(
            &self.export_dir,
            &self.export_stem,
            &self.model.sample_type.name,
            !self.flame.zoom.is_empty(),
        )
    }

    /// The filters the current chips stand for.
    pub fn filters(&self) -> Filters {
        filters_of(&self.chips).unwrap_or_default()
    }
}

/// A search pattern as a regex, with smart case as vim, less and ripgrep
/// have it: a pattern without capitals ignores case.
fn search_regex(pattern: &str) -> Result<Regex, crate::analysis::FilterError> {
    let regex = compile_regex("search", pattern)?;
    if pattern.chars().any(char::is_uppercase) {
        return Ok(regex);
    }
    Ok(regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .unwrap_or(regex))
}

/// Where a list-moving key (up/down, page, first/last) takes the selection
/// `at` in a list of `n > 0` rows shown `page` at a time, clamped to the
/// list; `None` for every other key.
fn moved(action: &Action, at: usize, n: usize, page: usize) -> Option<usize> {
    let to = match action {
        Action::Up | Action::ScrollUp => at.saturating_sub(1),
        Action::Down | Action::ScrollDown => at + 1,
        Action::PageUp => at.saturating_sub(page),
        Action::PageDown => at + page,
        Action::First => 0,
        Action::Last => n - 1,
        _ => return None,
    };
    Some(to.min(n - 1))
}

/// The first visible row that keeps `selected` on a page of `page` rows.
fn scrolled(selected: usize, offset: usize, page: usize) -> usize {
    if selected < offset {
        selected
    } else if selected >= offset + page {
        selected + 1 - page
    } else {
        offset
    }
}

/// Builds engine filters from chips: the last focus wins; ignore, hide and
/// show patterns combine as alternatives.
pub fn filters_of(chips: &[Chip]) -> anyhow::Result<Filters> {
    let union = |kind: ChipKind| -> Option<String> {
        let parts: Vec<String> = chips
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| format!("(?:{})", c.pattern))
            .collect();
        (!parts.is_empty()).then(|| parts.join("|"))
    };
    let regex = |name: &'static str, kind: ChipKind| -> anyhow::Result<Option<Regex>> {
        let pattern = if kind == ChipKind::Focus {
            chips
                .iter()
                .rev()
                .find(|c| c.kind == kind)
                .map(|c| c.pattern.clone())
        } else {
            union(kind)
        };
        Ok(pattern.map(|p| compile_regex(name, &p)).transpose()?)
    };
    let tag = |name: &'static str, kind: ChipKind| -> anyhow::Result<Option<TagFilter>> {
        Ok(chips
            .iter()
            .rev()
            .find(|c| c.kind == kind)
            .map(|c| TagFilter::parse(name, &c.pattern))
            .transpose()?)
    };
    Ok(Filters {
        focus: regex("focus", ChipKind::Focus)?,
        ignore: regex("ignore", ChipKind::Ignore)?,
        hide: regex("hide", ChipKind::Hide)?,
        show: regex("show", ChipKind::Show)?,
        tag_focus: tag("tagfocus", ChipKind::TagFocus)?,
        tag_ignore: tag("tagignore", ChipKind::TagIgnore)?,
    })
}
