//! The Peek view, a "sandwich": the selected function's callers above it
//! and its callees below, each with the weight of that call edge (every
//! sample counted once per edge, as pprof's `peek` does).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{right, truncate};
use crate::analysis::PeekEdge;
use crate::safe_text::visible;
use crate::tui::app::App;

const VALUE: usize = 10;
const PERCENT: usize = 8;

/// Rows of the list that fit in the body (below the column titles).
pub fn page(body: Rect) -> usize {
    usize::from(body.height.saturating_sub(1)).max(1)
}

/// The list row drawn at screen row `y`.
pub fn row_at(app: &App, y: u16) -> Option<usize> {
    let body = app.areas().body;
    (y > body.y && y < body.y + body.height).then(|| app.peek.offset + usize::from(y - body.y - 1))
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    if !app.model.tree_ready {
        super::building(app, area, buf);
        return;
    }
    let model = &app.model;
    let width = usize::from(area.width);
    let Some(peek) = &app.peek.peek else {
        buf.set_stringn(
            area.x + 2,
            area.y + 1,
            "select a function in Top or Flame first, then press p (or 3)",
            width.saturating_sub(2),
            theme.dim(),
        );
        return;
    };
    let diff = app.is_diff();
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
    let start = app.peek.offset.min(rows);
    for (i, index) in (start..rows.min(start + page)).enumerate() {
        let y = area.y + 1 + i as u16;
        let (numbers, label, style) = if index < peek.callers.len() {
            let e = &peek.callers[index];
            (
                edge_numbers(app, e),
                format!("  ↑ {}", visible(&names[e.node.index()])),
                Style::default(),
            )
        } else if index == peek.callers.len() {
            let numbers = if diff {
                numbers3(app, peek.base_cum, peek.cum + peek.base_cum, peek.cum)
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
                edge_numbers(app, e),
                format!("  ↓ {}", visible(&names[e.node.index()])),
                Style::default(),
            )
        };
        let style = if index == app.peek.selected {
            theme.selected()
        } else {
            style
        };
        let text = truncate(&format!("{numbers}  {label}"), width);
        buf.set_stringn(area.x, y, format!("{text:width$}"), width, style);
    }
}

fn edge_numbers(app: &App, e: &PeekEdge) -> String {
    let model = &app.model;
    if app.is_diff() {
        numbers3(app, e.base, e.weight, e.total)
    } else {
        format!(
            "{}{}",
            right(&model.format(e.total), VALUE),
            right(&model.percent(e.total), PERCENT)
        )
    }
}

fn numbers3(app: &App, base: i64, new: i64, delta: i64) -> String {
    let model = &app.model;
    format!(
        "{}{}{}",
        right(&model.format(base), VALUE),
        right(&model.format(new), VALUE + 1),
        right(&model.format_signed(delta), VALUE + 1)
    )
}
