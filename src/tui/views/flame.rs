//! The flame graph in terminal cells: one row per stack depth, icicle
//! (root on top) by default. Frames come from
//! [`flame_layout`](crate::analysis::flame_layout), which only visits what
//! fits on screen; names are cut to their frame. The last line describes
//! the selected frame (and, in a diff, carries the colour legend).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{pct, truncate};
use std::ops::Range;

use crate::analysis::{CallId, CallTree, FlameRect, flame_layout};
use crate::safe_text::visible;
use crate::tui::app::App;
use crate::tui::theme::{Change, package_of};

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

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let graph = graph_area(area);
    if !app.model.tree_ready {
        super::building(app, area, buf);
        return;
    }
    let tree = &app.model.tree;
    if tree.is_empty() {
        buf.set_stringn(
            area.x + 2,
            area.y + 1,
            "no samples to draw — press t for another sample type, or C to clear filters",
            usize::from(area.width.saturating_sub(2)),
            app.theme.dim(),
        );
        return;
    }
    let rows = u32::from(graph.height);
    let first = app.flame.scroll;
    let rects = layout(tree, app.zoom(), graph.width, first..first + rows);
    for rect in &rects {
        let row = rect.depth - first;
        let y = if app.flame.flipped {
            graph.y + graph.height - 1 - row as u16
        } else {
            graph.y + row as u16
        };
        draw_frame(app, rect, graph.x, graph.x + graph.width, y, buf);
    }
    if area.height > graph.height {
        detail(
            app,
            Rect::new(area.x, area.y + graph.height, area.width, 1),
            buf,
        );
    }
}

fn draw_frame(app: &App, rect: &FlameRect, x0: u16, right_edge: u16, y: u16, buf: &mut Buffer) {
    let theme = &app.theme;
    let tree = &app.model.tree;
    let raw = if rect.call == CallTree::ROOT {
        "all"
    } else {
        tree.name(rect.call)
    };
    let name = &*visible(raw);
    let call = tree.call(rect.call);
    let style = if rect.call == app.flame.selected {
        theme.selected_frame()
    } else if app
        .search
        .as_ref()
        .is_some_and(|s| rect.call != CallTree::ROOT && s.regex.is_match(raw))
    {
        theme.matched_frame()
    } else if app.is_diff() {
        theme.diff_frame(change(call.weight, call.base))
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

/// How a frame changed: by the share of its larger side that moved.
pub fn change(new: i64, base: i64) -> Change {
    let larger = new.max(base);
    if new == base || larger == 0 {
        return Change::Same;
    }
    let f = (new - base).unsigned_abs() as f64 / larger as f64;
    if new > base {
        Change::Grew(f)
    } else {
        Change::Shrank(f)
    }
}

fn detail(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let model = &app.model;
    let tree = &model.tree;
    let id = app.flame.selected;
    let call = tree.call(id);
    let name = if id == CallTree::ROOT {
        "all"
    } else {
        tree.name(id)
    };
    let name = visible(name);
    let root = tree.call(CallTree::ROOT);
    let mut spans = vec![Span::styled(format!(" {name} "), theme.header())];
    if app.is_diff() {
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
            pct(call.weight, root.weight)
        )));
        if !app.flame.zoom.is_empty() {
            let zoom = tree.call(app.zoom()).weight;
            spans.push(Span::raw(format!(" · {} of zoom", pct(call.weight, zoom))));
        }
        spans.push(Span::raw(format!(
            " · self {} · {} samples",
            model.format(call.self_total),
            call.samples
        )));
    }
    if !app.flame.zoom.is_empty() {
        spans.push(Span::styled(
            format!("  zoom {} · Esc back", app.flame.zoom.len()),
            theme.dim(),
        ));
    }
    let line = Line::from(spans);
    buf.set_line(area.x, area.y, &line, area.width);
    if app.is_diff() {
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
        assert_eq!(change(10, 5), Change::Grew(0.5));
        assert_eq!(change(5, 10), Change::Shrank(0.5));
        assert_eq!(change(7, 7), Change::Same);
        assert_eq!(change(0, 4), Change::Shrank(1.0));
    }
}
