//! The flame graph in terminal cells: one row per stack depth, icicle
//! (root on top) by default. Frames come from
//! [`flame_layout`](crate::analysis::flame_layout), which only visits what
//! fits on screen; names are cut to their frame. The last line describes
//! the selected frame (and, in a diff, carries the colour legend).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use std::ops::Range;

use regex::Regex;

use super::{Component, Ctx, Effect, Selection, node_of_function, pct, truncate};
use crate::analysis::{CallId, CallTree, FlameRect, NodeId, flame_layout};
use crate::export::flamegraph::change_strength;
use crate::safe_text::visible;
use crate::tui::action::Action;
use crate::tui::model::Model;
use crate::tui::theme::{Change, package_of};

/// The flame graph: its zoom stack, selected frame and scroll.
#[derive(Debug, Clone)]
pub struct FlameView {
    /// Zoom steps; the last is the frame filling the width.
    pub zoom: Vec<CallId>,
    pub selected: CallId,
    /// First visible depth row.
    pub scroll: u32,
    /// Root at the bottom (flame) instead of the top (icicle).
    pub flipped: bool,
    /// A function to select once the call tree arrives.
    pending: Option<String>,
}

impl Default for FlameView {
    fn default() -> FlameView {
        FlameView {
            zoom: Vec::new(),
            selected: CallTree::ROOT,
            scroll: 0,
            flipped: false,
            pending: None,
        }
    }
}

/// The flame graph's zoom and selection as paths of names, to find again
/// in another call tree.
#[derive(Debug, Clone, Default)]
pub struct FlameCarry {
    zoom: Vec<Vec<String>>,
    selected: Vec<String>,
    pending: Option<String>,
}

impl FlameView {
    /// The frame filling the width.
    pub fn zoom(&self) -> CallId {
        self.zoom.last().copied().unwrap_or(CallTree::ROOT)
    }

    /// Depth rows the graph shows.
    fn rows(body: Rect) -> u32 {
        u32::from(body.height.saturating_sub(1)).max(1)
    }

    fn keep_visible(&mut self, ctx: &Ctx<'_>) {
        let depth = ctx.model.tree.call(self.selected).depth;
        let rows = Self::rows(ctx.body);
        if depth < self.scroll {
            self.scroll = depth;
        } else if depth >= self.scroll + rows {
            self.scroll = depth + 1 - rows;
        }
    }

    /// Keeps the selection on screen after a resize.
    pub fn resized(&mut self, ctx: &Ctx<'_>) {
        self.keep_visible(ctx);
    }

    /// Selects a function's heaviest frame (once the tree is there).
    pub fn select_node(&mut self, node: NodeId, ctx: &Ctx<'_>) {
        let model = ctx.model;
        if !model.tree_ready {
            self.pending = Some(model.tree.names()[node.index()].clone());
            return;
        }
        if let Some(call) = model.tree.heaviest(node) {
            self.select_frame(call, ctx);
        }
    }

    /// Selects a frame, zooming to its caller when it is too narrow to be
    /// drawn at the current zoom.
    pub fn select_frame(&mut self, call: CallId, ctx: &Ctx<'_>) {
        let tree = &ctx.model.tree;
        if !tree.is_ancestor(self.zoom(), call) {
            self.zoom.clear();
        }
        let depth = tree.call(call).depth;
        let visible = layout(tree, self.zoom(), ctx.body.width, depth..depth + 1)
            .iter()
            .any(|r| r.call == call);
        if !visible && call != self.zoom() {
            let parent = tree.call(call).parent;
            let target = if parent == CallTree::ROOT {
                call
            } else {
                parent
            };
            if target != self.zoom() {
                self.zoom.push(target);
            }
        }
        self.selected = call;
        self.keep_visible(ctx);
    }

    fn zoom_into(&mut self, call: CallId) -> Effect {
        if call == self.zoom() {
            return Effect::None;
        }
        if call == CallTree::ROOT {
            self.zoom.clear();
        } else {
            self.zoom.push(call);
        }
        self.selected = call;
        Effect::Zoomed
    }

    /// The deepest depth with a frame under the zoom (to stop paging past
    /// the bottom).
    fn deepest_visible(&self, model: &Model) -> u32 {
        model.tree.deepest(self.zoom())
    }

    /// The frame drawn at a screen cell.
    pub fn frame_at(&self, x: u16, y: u16, ctx: &Ctx<'_>) -> Option<CallId> {
        let area = graph_area(ctx.body);
        if !(area.x..area.x + area.width).contains(&x)
            || !(area.y..area.y + area.height).contains(&y)
        {
            return None;
        }
        let row = u32::from(y - area.y);
        let depth = if self.flipped {
            self.scroll + u32::from(area.height) - 1 - row
        } else {
            self.scroll + row
        };
        let x = u32::from(x - area.x);
        layout(&ctx.model.tree, self.zoom(), area.width, depth..depth + 1)
            .into_iter()
            .find(|r| (r.x..r.x + r.width).contains(&x))
            .map(|r| r.call)
    }

    /// The zoom and selection by name.
    pub fn carry(&self, model: &Model) -> FlameCarry {
        if !model.tree_ready {
            return FlameCarry {
                pending: self.pending.clone(),
                ..FlameCarry::default()
            };
        }
        let tree = &model.tree;
        FlameCarry {
            zoom: self.zoom.iter().map(|&z| tree.path_names(z)).collect(),
            selected: tree.path_names(self.selected),
            pending: self.pending.clone(),
        }
    }

    /// Finds the carried zoom and selection in a new tree.
    pub fn restore(&mut self, carry: FlameCarry, ctx: &Ctx<'_>) {
        let tree = &ctx.model.tree;
        let mut zoom: Vec<CallId> = carry.zoom.iter().map(|p| tree.find_path(p)).collect();
        zoom.dedup();
        zoom.retain(|&z| z != CallTree::ROOT);
        self.zoom = zoom;
        self.selected = tree.find_path(&carry.selected);
        if !tree.is_ancestor(self.zoom(), self.selected)
            && !tree.is_ancestor(self.selected, self.zoom())
        {
            self.selected = self.zoom();
        }
        self.keep_visible(ctx);
        // A function asked for while the tree was being built wins.
        let pending = self.pending.take().or(carry.pending);
        if let Some(node) = pending.and_then(|n| node_of_function(ctx.model, &n)) {
            self.select_node(node, ctx);
        }
    }

    /// Back to the whole graph (a new model, before its tree).
    pub fn reset(&mut self) {
        self.zoom.clear();
        self.selected = CallTree::ROOT;
    }

    fn matches(&self, regex: &Regex, ctx: &Ctx<'_>, call: CallId) -> bool {
        call != CallTree::ROOT && regex.is_match(ctx.model.tree.name(call))
    }
}

impl Component for FlameView {
    fn update(&mut self, action: &Action, ctx: &Ctx<'_>) -> Effect {
        if !ctx.model.tree_ready {
            return match action {
                Action::Back => Effect::Leave(None),
                _ => Effect::None,
            };
        }
        let effect = self.navigate(action, ctx);
        self.keep_visible(ctx);
        effect
    }

    fn selection(&self, ctx: &Ctx<'_>) -> Option<Selection> {
        (self.selected != CallTree::ROOT)
            .then(|| Selection::of_node(ctx.model, ctx.model.tree.call(self.selected).node))
    }

    fn on_match(&self, regex: &Regex, ctx: &Ctx<'_>) -> bool {
        self.matches(regex, ctx, self.selected)
    }

    fn find(&mut self, regex: &Regex, forward: bool, ctx: &Ctx<'_>) -> bool {
        let found = ctx
            .model
            .tree
            .find_match(regex, self.zoom(), self.selected, forward);
        match found {
            Some(call) => {
                self.select_frame(call, ctx);
                true
            }
            None => false,
        }
    }

    fn render(&self, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
        render(self, ctx, area, buf);
    }
}

impl FlameView {
    fn navigate(&mut self, action: &Action, ctx: &Ctx<'_>) -> Effect {
        let tree = &ctx.model.tree;
        let selected = self.selected;
        let width = ctx.body.width;
        // Visually up and down: in the flame orientation the root is at the bottom.
        let (toward_leaves, toward_root) = if self.flipped {
            (Action::Up, Action::Down)
        } else {
            (Action::Down, Action::Up)
        };
        let action = match action {
            Action::ScrollDown => Action::Down,
            Action::ScrollUp => Action::Up,
            a => a.clone(),
        };
        match action {
            a if a == toward_leaves => {
                let depth = tree.call(selected).depth + 1;
                let child = layout(tree, self.zoom(), width, depth..depth + 1)
                    .into_iter()
                    .filter(|r| tree.call(r.call).parent == selected)
                    .max_by_key(|r| (r.width, std::cmp::Reverse(r.x)));
                match child {
                    Some(child) => self.selected = child.call,
                    None if tree.children(selected).is_empty() => {
                        return Effect::Message("no callees below this frame".to_owned(), false);
                    }
                    None => {
                        return Effect::Message(
                            "its callees are too narrow to draw (Enter zooms in)".to_owned(),
                            false,
                        );
                    }
                }
            }
            a if a == toward_root && selected != CallTree::ROOT => {
                self.selected = tree.call(selected).parent;
            }
            Action::Left | Action::Right => {
                let depth = tree.call(selected).depth;
                let row = layout(tree, self.zoom(), width, depth..depth + 1);
                if row.len() < 2 {
                    return Effect::Message("no other frame at this depth".to_owned(), false);
                }
                // At either end of the row, round to the other end.
                if let Some(i) = row.iter().position(|r| r.call == selected) {
                    let n = row.len();
                    let j = if action == Action::Left {
                        (i + n - 1) % n
                    } else {
                        (i + 1) % n
                    };
                    self.selected = row[j].call;
                }
            }
            Action::PageDown | Action::PageUp => {
                let rows = Self::rows(ctx.body);
                let max = self.deepest_visible(ctx.model);
                let scroll = if action == Action::PageDown {
                    (self.scroll + rows).min(max.saturating_sub(rows - 1))
                } else {
                    self.scroll.saturating_sub(rows)
                };
                if scroll == self.scroll {
                    // The graph fits (or the end is reached): the page
                    // moves the selection instead, a page of depths along
                    // the heaviest callees or toward the zoomed frame.
                    self.selected = if action == Action::PageDown {
                        descend(tree, selected, rows)
                    } else {
                        let mut at = selected;
                        for _ in 0..rows {
                            if at == self.zoom() || at == CallTree::ROOT {
                                break;
                            }
                            at = tree.call(at).parent;
                        }
                        at
                    };
                    return Effect::None;
                }
                self.scroll = scroll;
                // Keep the selection on screen by moving it to the edge.
                let top = self.scroll;
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
                    self.selected = at;
                }
            }
            Action::First => self.selected = self.zoom(),
            // The bottom of the graph: the heaviest callees from the
            // zoomed frame down to a leaf.
            Action::Last => self.selected = descend(tree, self.zoom(), u32::MAX),
            Action::Enter => return self.zoom_into(selected),
            Action::Back => {
                if self.zoom.pop().is_none() {
                    return Effect::Leave(None);
                }
                if !tree.is_ancestor(self.zoom(), self.selected) {
                    self.selected = self.zoom();
                }
                return Effect::Zoomed;
            }
            Action::ResetZoom if self.zoom.is_empty() => {
                return Effect::Message("not zoomed (Enter zooms)".to_owned(), false);
            }
            Action::ResetZoom => {
                self.zoom.clear();
                self.scroll = 0;
                return Effect::Zoomed;
            }
            Action::Flip => self.flipped = !self.flipped,
            Action::Click(x, y) => {
                if let Some(call) = self.frame_at(x, y, ctx) {
                    self.selected = call;
                    return self.zoom_into(call);
                }
            }
            _ => {}
        }
        Effect::None
    }
}

/// The frame `steps` calls below `from` along the heaviest callee (the
/// first child: children come heaviest first), or the leaf before that.
fn descend(tree: &CallTree, from: CallId, steps: u32) -> CallId {
    let mut at = from;
    for _ in 0..steps {
        match tree.children(at).first() {
            Some(&k) => at = k,
            None => break,
        }
    }
    at
}

/// The frames drawn on a graph `width` cells wide, depth rows `rows`.
/// Every frame leaves its last cell blank to keep neighbours apart, so the
/// layout is one cell wider than the screen: the root's blank cell falls
/// off the edge and it fills the width, and a frame at its parent's right
/// end shares the parent's blank cell instead of being drawn in it. A
/// frame one cell wide would be only that blank cell, so none is returned.
pub fn layout(tree: &CallTree, zoom: CallId, width: u16, rows: Range<u32>) -> Vec<FlameRect> {
    let mut rects = flame_layout(tree, zoom, u32::from(width) + 1, rows);
    rects.retain(|r| r.width >= 2);
    rects
}

/// The part of the body the frames fill (the last row is the detail line).
pub fn graph_area(body: Rect) -> Rect {
    Rect::new(body.x, body.y, body.width, body.height.saturating_sub(1))
}

fn render(view: &FlameView, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let graph = graph_area(area);
    if !ctx.model.tree_ready {
        super::building(ctx, area, buf);
        return;
    }
    let tree = &ctx.model.tree;
    if tree.is_empty() {
        buf.set_stringn(
            area.x + 2,
            area.y + 1,
            "no samples to draw — press t for another sample type, or C to clear filters",
            usize::from(area.width.saturating_sub(2)),
            ctx.theme.dim(),
        );
        return;
    }
    let rows = u32::from(graph.height);
    let first = view.scroll;
    let rects = layout(tree, view.zoom(), graph.width, first..first + rows);
    for rect in &rects {
        let row = rect.depth - first;
        let y = if view.flipped {
            graph.y + graph.height - 1 - row as u16
        } else {
            graph.y + row as u16
        };
        draw_frame(view, ctx, rect, graph.x, graph.x + graph.width, y, buf);
    }
    if area.height > graph.height {
        detail(
            view,
            ctx,
            Rect::new(area.x, area.y + graph.height, area.width, 1),
            buf,
        );
    }
}

fn draw_frame(
    view: &FlameView,
    ctx: &Ctx<'_>,
    rect: &FlameRect,
    x0: u16,
    right_edge: u16,
    y: u16,
    buf: &mut Buffer,
) {
    let theme = ctx.theme;
    let tree = &ctx.model.tree;
    let raw = if rect.call == CallTree::ROOT {
        "all"
    } else {
        tree.name(rect.call)
    };
    let name = &*visible(raw);
    let call = tree.call(rect.call);
    let style = if rect.call == view.selected {
        theme.selected_frame()
    } else if ctx
        .search
        .is_some_and(|s| rect.call != CallTree::ROOT && s.regex.is_match(raw))
    {
        theme.matched_frame()
    } else if ctx.diff {
        // Shares of what the graph draws (the new profile), as the SVG's.
        let drawn = tree.call(CallTree::ROOT).weight;
        theme.diff_frame(change(call.self_total, drawn))
    } else {
        theme.frame(package_of(name))
    };
    let x = x0 + rect.x as u16;
    // The last cell stays blank so neighbours stay apart (see [`layout`]);
    // the root's is off screen.
    let body = (rect.width as u16 - 1).min(right_edge.saturating_sub(x));
    buf.set_style(Rect::new(x, y, body, 1), style);
    // A name cut below three cells would be a lone `…`: noise, not information.
    if body >= 3 {
        let fits = name.chars().count() <= usize::from(body);
        let text = truncate(
            if fits { name } else { short_name(name) },
            usize::from(body),
        );
        buf.set_stringn(x, y, text, usize::from(body), style);
    }
    if x + body < right_edge {
        buf.set_string(x + body, y, " ", Style::default());
    }
}

/// A Go name without its package's directory (`cmd/compile/internal/ssa.(*Func).newValue`
/// → `ssa.(*Func).newValue`), for frames too narrow for the whole name.
pub fn short_name(name: &str) -> &str {
    let end = name.find([' ', '(', '[']).unwrap_or(name.len());
    match name[..end].rfind('/') {
        Some(slash) => &name[slash + 1..],
        None => name,
    }
}

/// How a frame changed: its own value's change (new − base) as a share of
/// `total`, on the SVG's scale ([`change_strength`]): growth of 1% of the
/// total is half strength, clearly red, whatever else grew.
pub fn change(own_delta: i64, total: i64) -> Change {
    let s = change_strength(own_delta, total);
    if s > 0.0 {
        Change::Grew(s)
    } else if s < 0.0 {
        Change::Shrank(-s)
    } else {
        Change::Same
    }
}

fn detail(view: &FlameView, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let theme = ctx.theme;
    let model = ctx.model;
    let tree = &model.tree;
    let id = view.selected;
    let call = tree.call(id);
    let name = if id == CallTree::ROOT {
        "all"
    } else {
        tree.name(id)
    };
    let name = visible(name);
    let mut spans = vec![Span::styled(format!(" {name} "), theme.header())];
    if ctx.diff {
        let new = call.weight;
        let base = call.base;
        spans.push(Span::raw(format!(
            "base {} → new {} ",
            model.format(base),
            model.format(new)
        )));
        spans.push(Span::styled(
            format!("({})", model.format_signed(new - base)),
            theme.delta(new - base),
        ));
    } else {
        spans.push(Span::raw(format!(
            "{} · {} of all",
            model.format(call.total),
            // Of the profile's total, as Top's percentages (not of the
            // root, which filters shrink).
            model.percent(call.weight)
        )));
        if !view.zoom.is_empty() {
            let zoom = tree.call(view.zoom()).weight;
            spans.push(Span::raw(format!(" · {} of zoom", pct(call.weight, zoom))));
        }
        spans.push(Span::raw(format!(
            " · self {} · {} samples",
            model.format(call.self_total),
            call.samples
        )));
    }
    if !view.zoom.is_empty() {
        spans.push(Span::styled(
            format!("  zoom {} · Esc back", view.zoom.len()),
            theme.dim(),
        ));
    }
    let line = Line::from(spans);
    buf.set_line(area.x, area.y, &line, area.width);
    if ctx.diff {
        let legend = Line::from(vec![
            Span::styled(" grew ", theme.diff_frame(Change::Grew(1.0))),
            Span::styled(" shrank ", theme.diff_frame(Change::Shrank(1.0))),
            Span::styled(" same ", theme.diff_frame(Change::Same)),
        ]);
        let w = legend.width() as u16;
        if line.width() as u16 + w < area.width {
            buf.set_line(area.x + area.width - w, area.y, &legend, w);
        }
    }
    let _ = Style::default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_drop_the_package_directory() {
        assert_eq!(
            short_name("cmd/compile/internal/ssa.(*Func).newValue"),
            "ssa.(*Func).newValue"
        );
        assert_eq!(
            short_name("main.foo leaky/main.go:12"),
            "main.foo leaky/main.go:12"
        );
        assert_eq!(
            short_name("pkg.F[go.shape.*a/b.T]"),
            "pkg.F[go.shape.*a/b.T]"
        );
        assert_eq!(
            short_name("runtime/pprof.StartCPUProfile"),
            "pprof.StartCPUProfile"
        );
    }

    #[test]
    fn changes_are_never_reversed() {
        assert_eq!(change(1, 100), Change::Grew(0.5), "1% of the total: half");
        assert_eq!(change(-100, 100), Change::Shrank(1.0));
        assert_eq!(change(0, 100), Change::Same);
        assert_eq!(change(5, 1000), Change::Grew(0.25), "0.5%: a quarter");
    }
}
