//! The views, one component each (flamelens's `FlameGraphView`, gitui's
//! components): a component owns its state and selection, handles the
//! actions meant for it against the shared model, returns an [`Effect`]
//! for the app to carry out, and draws itself from `&self`. No component
//! knows the app; what they share is lent to them as a [`Ctx`].

pub mod flame;
pub mod goroutines;
pub mod help;
pub mod memstats;
pub mod peek;
pub mod source;
pub mod top;
pub mod trend;
pub mod why;

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use regex::Regex;

use super::action::{Action, ViewKind};
use super::filters::Chip;
use super::model::Model;
use super::search::Search;
use super::theme::Theme;
use super::trend::TrendSettings;
use super::why::WhyIndex;
use crate::analysis::NodeId;

/// What the app lends a component: the shared model and settings.
pub struct Ctx<'a> {
    pub model: &'a Model,
    pub theme: &'a Theme,
    pub search: Option<&'a Search>,
    pub chips: &'a [Chip],
    /// Where the view is drawn (between the header and the status bar).
    pub body: Rect,
    /// Whether this is a `--diff-base` comparison.
    pub diff: bool,
    /// What is being computed, and since when.
    pub busy: Option<(&'static str, Instant)>,
    /// The explained allocation sites, for a Go heap profile.
    pub why: Option<&'a WhyIndex>,
    /// Whether Top and Source show the "why on heap" column (`w`).
    pub why_column: bool,
    /// The page of the "why on heap" pane (`W`), modulo its pages.
    pub why_page: usize,
}

/// What a component asks the app to do after an action.
#[derive(Debug, Clone)]
pub enum Effect {
    None,
    /// A note for the status bar, and whether it is an error.
    Message(String, bool),
    /// The view has no step of its own left to go back on (Esc): the app
    /// goes back to where Enter, `p` or `S` came from, else to the view
    /// given.
    Leave(Option<ViewKind>),
    /// Show a function in the flame graph and highlight its frames (Enter
    /// on a Top row).
    JumpToFlame(NodeId),
    /// Show a function's row in Top (Enter on a Trend row).
    JumpToTop(NodeId),
    /// The Peek view peeks at another function (the Source view follows).
    Peeked(NodeId),
    /// The flame graph's zoom changed (the search coverage follows).
    Zoomed,
    /// Re-rank the Trend view.
    Rerank(Box<TrendSettings>),
}

/// The function a view has selected: what `p`, `S`, `F`/`I`/`H`, `#` and
/// Enter act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The function's name (a file's at `files` granularity): what filters
    /// match.
    pub function: String,
    /// The name as rows and frames print it: what `#` searches.
    pub label: String,
    /// Its node in the model (the newest snapshot in Trend mode), when
    /// there is one.
    pub node: Option<NodeId>,
}

impl Selection {
    /// The selection of a node of the model.
    pub fn of_node(model: &Model, node: NodeId) -> Selection {
        let info = model.tree.node(node);
        let function = if info.name.is_empty() {
            info.file.clone()
        } else {
            info.name.clone()
        };
        Selection {
            function,
            label: model.tree.names()[node.index()].clone(),
            node: Some(node),
        }
    }
}

/// One view.
pub trait Component {
    /// Handles an action meant for this view.
    fn update(&mut self, action: &Action, ctx: &Ctx<'_>) -> Effect;
    /// The function under the cursor, if any.
    fn selection(&self, ctx: &Ctx<'_>) -> Option<Selection>;
    /// Whether the cursor is on a match of `regex`.
    fn on_match(&self, regex: &Regex, ctx: &Ctx<'_>) -> bool;
    /// Moves the cursor to the next (or previous) match of `regex`;
    /// `false` when nothing matches.
    fn find(&mut self, regex: &Regex, forward: bool, ctx: &Ctx<'_>) -> bool;
    fn render(&self, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer);
}

/// A cursor over a list of rows shown a page at a time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListState {
    pub selected: usize,
    /// First visible row.
    pub offset: usize,
}

impl ListState {
    /// Moves the cursor to row `i` of `n`, keeping it on a page of `page` rows.
    pub fn select(&mut self, i: usize, n: usize, page: usize) {
        self.selected = i.min(n.saturating_sub(1));
        self.offset = scrolled(self.selected, self.offset, page.max(1));
    }

    /// Applies a list-moving key; `false` for any other key.
    pub fn moved(&mut self, action: &Action, n: usize, page: usize) -> bool {
        if n == 0 {
            return false;
        }
        match moved(action, self.selected, n, page) {
            Some(to) => {
                self.select(to, n, page);
                true
            }
            None => false,
        }
    }

    /// The row at a cycle step from the cursor that satisfies `hit`.
    pub fn find(
        &mut self,
        n: usize,
        page: usize,
        forward: bool,
        hit: impl Fn(usize) -> bool,
    ) -> bool {
        let found = next_match(self.selected, n, forward, hit);
        match found {
            Some(i) => {
                self.select(i, n, page);
                true
            }
            None => false,
        }
    }
}

/// An overlay's keys: while it is `open`, every key but quit and resize
/// closes it; `true` when the action was for the overlay.
pub fn close_overlay(open: &mut bool, action: &Action) -> bool {
    if *open && !matches!(action, Action::Quit | Action::Resize(..)) {
        *open = false;
        return true;
    }
    false
}

/// The first row after `at` (before it, going back) in a cycle over `n`
/// rows that satisfies `hit`; `at` itself comes last.
pub fn next_match(
    at: usize,
    n: usize,
    forward: bool,
    hit: impl Fn(usize) -> bool,
) -> Option<usize> {
    (1..=n)
        .map(|k| {
            if forward {
                (at + k) % n
            } else {
                (at + n - k % n) % n
            }
        })
        .find(|&i| hit(i))
}

/// Where a list-moving key (up/down, page, first/last) takes the selection
/// `at` in a list of `n > 0` rows shown `page` at a time, clamped to the
/// list; `None` for every other key.
pub fn moved(action: &Action, at: usize, n: usize, page: usize) -> Option<usize> {
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
pub fn scrolled(selected: usize, offset: usize, page: usize) -> usize {
    if selected < offset {
        selected
    } else if selected >= offset + page {
        selected + 1 - page
    } else {
        offset
    }
}

/// `part` as a percentage of `whole` with one decimal.
pub fn pct(part: i64, whole: i64) -> String {
    if whole == 0 {
        return "0%".to_owned();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// Cuts `s` to `width` characters, marking the cut with `…` at the end.
pub fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Cuts `s` to `width` characters from the left (`…` first): for paths
/// and titles, whose end says the most.
pub fn truncate_left(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::from("…");
    out.extend(s.chars().skip(n - width + 1));
    out
}

/// Draws `lines` one per row of `area` from its row `from` down, as many
/// as fit, each cut to the width.
pub fn draw_lines<'a>(
    area: Rect,
    from: u16,
    lines: impl IntoIterator<Item = (&'a str, ratatui::style::Style)>,
    buf: &mut Buffer,
) {
    let width = usize::from(area.width);
    let rows = area.height.saturating_sub(from);
    for (i, (text, style)) in lines.into_iter().take(usize::from(rows)).enumerate() {
        let y = area.y + from + i as u16;
        buf.set_stringn(area.x, y, truncate(text, width), width, style);
    }
}

/// Right-aligns `s` in `width` cells.
pub fn right(s: &str, width: usize) -> String {
    format!("{s:>width$}")
}

/// The placeholder of views that need the call tree while it is built.
pub fn building(ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let elapsed = ctx.busy.map_or(0.0, |(_, t)| t.elapsed().as_secs_f64());
    let text = format!("building the call tree… {elapsed:.1}s (Top works meanwhile)");
    if area.height > 1 {
        buf.set_stringn(
            area.x + 2,
            area.y + 1,
            text,
            usize::from(area.width.saturating_sub(2)),
            ctx.theme.dim(),
        );
    }
}

/// The model's row printed as `name`, else the heaviest row whose node is
/// in function (or file) `name`.
pub fn node_of_function(model: &Model, name: &str) -> Option<NodeId> {
    let tree = &model.tree;
    let names = tree.names();
    model
        .rows
        .iter()
        .find(|r| names[r.node.index()] == name)
        .or_else(|| {
            model
                .rows
                .iter()
                .filter(|r| {
                    let info = tree.node(r.node);
                    info.name == name || (info.name.is_empty() && info.file == name)
                })
                .max_by_key(|r| r.cum.unsigned_abs())
        })
        .map(|r| r.node)
}
