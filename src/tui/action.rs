//! What the user asked for, independent of the key or mouse gesture that
//! asked: [`App::update`](super::app::App::update) is the only place that
//! turns an action into a state change (job results and a watch's
//! snapshots come in through their own doors, see [`super::app`]).

/// The views, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewKind {
    Top,
    Flame,
    Peek,
    Source,
    Trend,
    /// Goroutine profiles and dumps: goroutines grouped by stack.
    Goroutines,
}

impl ViewKind {
    /// Every view, in Tab order (the number keys follow it).
    pub const ALL: [ViewKind; 6] = [
        ViewKind::Top,
        ViewKind::Flame,
        ViewKind::Peek,
        ViewKind::Source,
        ViewKind::Trend,
        ViewKind::Goroutines,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ViewKind::Top => "Top",
            ViewKind::Flame => "Flame",
            ViewKind::Peek => "Peek",
            ViewKind::Source => "Source",
            ViewKind::Trend => "Trend",
            ViewKind::Goroutines => "Goroutines",
        }
    }

    /// The number key that shows the view, as its tab shows it.
    pub fn number(self) -> u8 {
        match self {
            ViewKind::Top => 1,
            ViewKind::Flame => 2,
            ViewKind::Peek => 3,
            ViewKind::Source => 4,
            ViewKind::Trend => 5,
            ViewKind::Goroutines => 6,
        }
    }
}

/// A filter the user can add from the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterKind {
    /// Keep only samples through the function.
    Focus,
    /// Drop samples through the function.
    Ignore,
    /// Remove the function's frames from stacks.
    Hide,
}

/// One user intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Quit,
    /// Open the help overlay at its keys; while open, the next page.
    Help,
    /// Open the help overlay at its glossary; while open, the next page.
    Glossary,
    /// Open the runtime MemStats panel.
    MemStats,
    NextView,
    PrevView,
    ShowView(ViewKind),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    First,
    Last,
    /// Zoom into the selected frame, open the selected row, follow a caller.
    Enter,
    /// One step back: zoom out, close an overlay, leave a prompt.
    Back,
    /// Drop the whole zoom stack.
    ResetZoom,
    /// Icicle (root on top) ⇄ flame (root at the bottom).
    Flip,
    /// Next sort order of the Top view (of the Goroutines view: count or
    /// wait).
    CycleSort,
    NextSampleType,
    PrevSampleType,
    CycleGranularity,
    /// Add a filter on the selected function.
    Filter(FilterKind),
    /// Remove the most recent filter.
    PopFilter,
    ClearFilters,
    /// Open the `/` prompt.
    StartSearch,
    SearchNext,
    SearchPrev,
    /// Search for the selected name (`#`).
    SearchSelected,
    /// Write the current view as an SVG flame graph.
    Export,
    /// Peek at the selected function.
    PeekSelected,
    /// Show the selected function's source lines.
    SourceSelected,
    /// A character typed into the open prompt.
    Input(char),
    InputBackspace,
    InputSubmit,
    /// The terminal changed size.
    Resize(u16, u16),
    /// A left click at a screen cell.
    Click(u16, u16),
    ScrollUp,
    ScrollDown,
    /// Pause or resume polling (watch mode).
    PauseWatch,
    /// Show the newest snapshot against the first, or alone again (watch mode).
    WatchDiff,
    /// Show or hide the "why on heap" column.
    ToggleWhy,
    /// The "why on heap" pane's next page (back to the first after the
    /// last).
    WhyPage,
}
