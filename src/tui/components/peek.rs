//! The Peek view, a "sandwich": the selected function's callers above it
//! and its callees below, each with the weight of that call edge (every
//! sample counted once per edge, as pprof's `peek` does).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use regex::Regex;

use super::{
    Component, Ctx, Effect, Selection, moved, next_match, node_of_function, right, scrolled,
    truncate,
};
use crate::analysis::{NodeId, Peek, PeekEdge};
use crate::safe_text::visible;
use crate::tui::action::Action;
use crate::tui::model::Model;

const VALUE: usize = 10;
/// pprof's percentages take up to 8 characters (`8.5e-05%`), plus a space.
const PERCENT: usize = 9;

/// Rows of the list that fit in the body (below the column titles).
pub fn page(body: Rect) -> usize {
    usize::from(body.height.saturating_sub(1)).max(1)
}

/// The Peek view: one function's callers and callees, and the functions
/// peeked at before it.
#[derive(Debug, Clone, Default)]
pub struct PeekView {
    pub peek: Option<Peek>,
    /// Functions peeked at before, for Esc.
    pub history: Vec<NodeId>,
    /// Row over callers, the function itself, then callees.
    pub selected: usize,
    pub offset: usize,
    /// A function to peek at once the call tree arrives.
    pending: Option<String>,
    /// The function peeked at, which the profile shown lacks (a watch's
    /// newest snapshot may hold nothing of it): peeked at again once a
    /// profile has it, unless another is chosen first.
    missing: Option<String>,
}

/// The Peek view's functions by name, to find again in another model.
#[derive(Debug, Clone, Default)]
pub struct PeekCarry {
    peek: Option<String>,
    history: Vec<String>,
}

impl PeekView {
    /// Peeks at `node`; `remember` pushes the current function onto the
    /// history. Before the call tree is there, the wish is kept.
    pub fn open(&mut self, node: NodeId, remember: bool, ctx: &Ctx<'_>) {
        let model = ctx.model;
        self.missing = None;
        if !model.tree_ready {
            self.pending = Some(model.tree.names()[node.index()].clone());
            return;
        }
        if let Some(old) = &self.peek {
            if old.node == node && remember {
                return;
            }
            if remember {
                self.history.push(old.node);
            }
        }
        let peek = model.tree.peek(node);
        self.selected = peek.callers.len();
        self.peek = Some(peek);
        self.offset = self.selected.saturating_sub(page(ctx.body) / 2);
    }

    /// The peeked function and the history, by name.
    pub fn carry(&self, model: &Model) -> PeekCarry {
        let name = |n: NodeId| model.tree.names()[n.index()].clone();
        PeekCarry {
            peek: self
                .peek
                .as_ref()
                .map(|p| name(p.node))
                .or_else(|| self.pending.clone())
                .or_else(|| self.missing.clone()),
            history: self.history.iter().map(|&n| name(n)).collect(),
        }
    }

    /// Peeks again at the carried function in a new model (with its tree).
    pub fn restore(&mut self, carry: PeekCarry, ctx: &Ctx<'_>) {
        // A function asked for while the tree was being built wins.
        let wanted = self.pending.take().or(carry.peek).or(self.missing.take());
        self.history = carry
            .history
            .iter()
            .filter_map(|n| node_of_function(ctx.model, n))
            .collect();
        self.peek = None;
        let Some(wanted) = wanted else {
            return;
        };
        match node_of_function(ctx.model, &wanted) {
            Some(node) => self.open(node, false, ctx),
            None => self.missing = Some(wanted),
        }
    }

    /// The function peeked at that the profile shown lacks, if any.
    pub fn missing(&self) -> Option<&str> {
        self.missing.as_deref()
    }

    /// Forgets everything (the model changed and its tree is not there yet).
    pub fn clear(&mut self) {
        self.peek = None;
        self.history.clear();
    }

    fn rows(&self) -> usize {
        self.peek
            .as_ref()
            .map_or(0, |p| p.callers.len() + 1 + p.callees.len())
    }

    fn row_node(&self, i: usize) -> Option<NodeId> {
        let peek = self.peek.as_ref()?;
        if i < peek.callers.len() {
            Some(peek.callers[i].node)
        } else if i == peek.callers.len() {
            Some(peek.node)
        } else {
            peek.callees.get(i - peek.callers.len() - 1).map(|e| e.node)
        }
    }

    fn matches(&self, regex: &Regex, ctx: &Ctx<'_>, i: usize) -> bool {
        self.row_node(i)
            .is_some_and(|n| regex.is_match(&ctx.model.tree.names()[n.index()]))
    }
}

impl Component for PeekView {
    fn update(&mut self, action: &Action, ctx: &Ctx<'_>) -> Effect {
        let n = self.rows();
        if n == 0 {
            return match action {
                Action::Back => Effect::Leave(None),
                _ => Effect::None,
            };
        }
        let page = page(ctx.body);
        let to = match moved(action, self.selected, n, page) {
            Some(to) => to,
            None => match *action {
                Action::Enter => {
                    return match self.row_node(self.selected) {
                        Some(node) if self.peek.as_ref().is_some_and(|p| p.node == node) => {
                            Effect::Message(
                                "Enter follows a caller (above) or a callee (below)".to_owned(),
                                false,
                            )
                        }
                        Some(node) => {
                            self.open(node, true, ctx);
                            Effect::Peeked(node)
                        }
                        None => Effect::None,
                    };
                }
                Action::Back => {
                    return match self.history.pop() {
                        Some(node) => {
                            self.open(node, false, ctx);
                            Effect::Peeked(node)
                        }
                        None => Effect::Leave(None),
                    };
                }
                Action::Click(_, y) => {
                    let body = ctx.body;
                    if y > body.y && y < body.y + body.height {
                        self.offset + usize::from(y - body.y - 1)
                    } else {
                        return Effect::None;
                    }
                }
                _ => return Effect::None,
            },
        };
        self.selected = to.min(n - 1);
        self.offset = scrolled(self.selected, self.offset, page);
        Effect::None
    }

    fn selection(&self, ctx: &Ctx<'_>) -> Option<Selection> {
        self.row_node(self.selected)
            .map(|n| Selection::of_node(ctx.model, n))
    }

    fn on_match(&self, regex: &Regex, ctx: &Ctx<'_>) -> bool {
        self.matches(regex, ctx, self.selected)
    }

    fn find(&mut self, regex: &Regex, forward: bool, ctx: &Ctx<'_>) -> bool {
        let n = self.rows();
        let found = next_match(self.selected, n, forward, |i| self.matches(regex, ctx, i));
        match found {
            Some(i) => {
                self.selected = i;
                self.offset = scrolled(i, self.offset, page(ctx.body));
                true
            }
            None => false,
        }
    }

    fn render(&self, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
        render(self, ctx, area, buf);
    }
}

fn render(view: &PeekView, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let theme = ctx.theme;
    if !ctx.model.tree_ready {
        super::building(ctx, area, buf);
        return;
    }
    let model = ctx.model;
    let width = usize::from(area.width);
    let Some(peek) = &view.peek else {
        let text = match &view.missing {
            Some(name) => format!(
                "{} is not in this profile: it is shown again when a profile has it",
                visible(name)
            ),
            None => "select a function in Top or Flame first, then press p (or 3)".to_owned(),
        };
        buf.set_stringn(
            area.x + 2,
            area.y + 1,
            text,
            width.saturating_sub(2),
            theme.dim(),
        );
        return;
    };
    let diff = ctx.diff;
    let header = if diff {
        format!(
            "{}{}{}    callers ↑ · callees ↓",
            right("base", VALUE),
            right("new", VALUE + 1),
            right("delta", VALUE + 1)
        )
    } else {
        format!(
            "{}{}    callers ↑ · callees ↓",
            right("value", VALUE),
            right("%", PERCENT)
        )
    };
    buf.set_stringn(area.x, area.y, header, width, theme.header());
    let names = model.tree.names();
    let rows = peek.callers.len() + 1 + peek.callees.len();
    let page = page(area);
    let start = view.offset.min(rows);
    for (i, index) in (start..rows.min(start + page)).enumerate() {
        let y = area.y + 1 + i as u16;
        let (numbers, label, style) = if index < peek.callers.len() {
            let e = &peek.callers[index];
            (
                edge_numbers(ctx, e),
                format!("  ↑ {}", visible(&names[e.node.index()])),
                Style::default(),
            )
        } else if index == peek.callers.len() {
            let numbers = if diff {
                numbers3(model, peek.base_cum, peek.cum + peek.base_cum, peek.cum)
            } else {
                format!(
                    "{}{}",
                    right(&model.format(peek.cum), VALUE),
                    right(&model.percent(peek.cum), PERCENT)
                )
            };
            let flat = if diff {
                model.format_signed(peek.flat)
            } else {
                model.format(peek.flat)
            };
            (
                numbers,
                format!("● {}  (flat {flat})", visible(&names[peek.node.index()])),
                theme.header(),
            )
        } else {
            let e = &peek.callees[index - peek.callers.len() - 1];
            (
                edge_numbers(ctx, e),
                format!("  ↓ {}", visible(&names[e.node.index()])),
                Style::default(),
            )
        };
        let style = if index == view.selected {
            theme.selected()
        } else {
            style
        };
        let text = truncate(&format!("{numbers}  {label}"), width);
        buf.set_stringn(area.x, y, format!("{text:width$}"), width, style);
    }
}

fn edge_numbers(ctx: &Ctx<'_>, e: &PeekEdge) -> String {
    let model = ctx.model;
    if ctx.diff {
        numbers3(model, e.base, e.weight, e.total)
    } else {
        format!(
            "{}{}",
            right(&model.format(e.total), VALUE),
            right(&model.percent(e.total), PERCENT)
        )
    }
}

fn numbers3(model: &Model, base: i64, new: i64, delta: i64) -> String {
    format!(
        "{}{}{}",
        right(&model.format(base), VALUE),
        right(&model.format(new), VALUE + 1),
        right(&model.format_signed(delta), VALUE + 1)
    )
}
