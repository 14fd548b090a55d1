//! The "why on heap" pane under the Top and Source views: for the selected
//! row, its allocation sites' classes, the compiler's escape messages and
//! the advice (see [`crate::tui::why`]). Shown only when the profile could
//! be explained (a Go heap profile), so other profiles keep the whole body.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Ctx, draw_lines, truncate};
use crate::analysis::explain::ExplainRow;
use crate::safe_text::visible;
use crate::tui::why::badges;

/// Rows the pane takes, title included.
pub const PANE: u16 = 7;
/// The body must be at least this tall for the pane to take a part of it.
const MIN_BODY: u16 = 14;

/// The "why on heap" column's width (`w`) on a view `width` cells wide:
/// 16 up to 130 columns, then half of each column more, up to 64, so
/// wide screens show the compiler's reasons whole.
pub fn column_width(width: u16) -> usize {
    (16 + usize::from(width.saturating_sub(130)) / 2).min(64)
}

/// Splits a view's area into the table and the pane under it.
pub fn split(area: Rect, ctx: &Ctx<'_>) -> (Rect, Option<Rect>) {
    if ctx.why.is_none() || area.height < MIN_BODY {
        return (area, None);
    }
    let table = Rect {
        height: area.height - PANE,
        ..area
    };
    let pane = Rect {
        y: area.y + area.height - PANE,
        height: PANE,
        ..area
    };
    (table, Some(pane))
}

/// Draws the pane for `sites`, the selected row's (`label` names it).
pub fn render_pane(
    ctx: &Ctx<'_>,
    label: &str,
    sites: &[&ExplainRow],
    area: Rect,
    buf: &mut Buffer,
) {
    let theme = ctx.theme;
    let width = usize::from(area.width);
    let mut title = format!("── why on heap: {} {} ", visible(label), badges(sites));
    let fill = width.saturating_sub(title.chars().count());
    title.push_str(&"─".repeat(fill));
    buf.set_stringn(
        area.x,
        area.y,
        truncate(&title, width),
        width,
        theme.header(),
    );
    let mut lines: Vec<(String, bool)> = Vec::new();
    if sites.is_empty() {
        lines.push(("  no allocation here".to_owned(), true));
    }
    let several = sites.len() > 1;
    let mut advice: Vec<&str> = Vec::new();
    for site in sites {
        // A callee's site is another function's line: always say which.
        let place = if several || site.allocated_in.is_some() {
            format!("  {}:{} ", visible(&site.file), site.line)
        } else {
            "  ".to_owned()
        };
        if let Some(callee) = &site.allocated_in {
            lines.push((
                format!("{place}allocated inside {}, called here", visible(callee)),
                false,
            ));
        } else if site.escapes.is_empty() {
            let why = match (site.unmatched, ctx.why.and_then(|w| w.source.as_ref())) {
                (Some(u), _) => format!("no compiler message: {}", u.describe()),
                (None, None) => "no escape analysis: open with --escape FILE".to_owned(),
                (None, Some(_)) => "no compiler message".to_owned(),
            };
            lines.push((format!("{place}{why}"), true));
        }
        for e in &site.escapes {
            lines.push((
                format!("{place}{} — {}", visible(&e.text), e.reason.describe()),
                false,
            ));
        }
        for a in &site.advice {
            if !advice.contains(&a.as_str()) {
                advice.push(a);
            }
        }
    }
    lines.extend(advice.iter().map(|a| (format!("  → {a}"), false)));
    let shown = page(&mut lines, usize::from(area.height) - 1, ctx.why_page);
    let styled = shown.iter().map(|(text, dim)| {
        let style = if *dim {
            theme.dim()
        } else {
            Default::default()
        };
        (text.as_str(), style)
    });
    draw_lines(area, 1, styled, buf);
}

/// Page `page` (modulo the pages there are) of `lines` in `rows` rows:
/// when they do not fit, the last row says how many lines are below and
/// which key shows them.
fn page(lines: &mut Vec<(String, bool)>, rows: usize, page: usize) -> Vec<(String, bool)> {
    if lines.len() <= rows || rows < 2 {
        lines.truncate(rows);
        // `W` on a pane of one page: say so, on its last row.
        if page > 0 && rows > 0 {
            lines.truncate(rows - 1);
            lines.push(("  (W: one page, all of it shown)".to_owned(), true));
        }
        return std::mem::take(lines);
    }
    let per_page = rows - 1;
    let pages = lines.len().div_ceil(per_page);
    let start = (page % pages) * per_page;
    let end = (start + per_page).min(lines.len());
    let mut shown: Vec<(String, bool)> = lines[start..end].to_vec();
    let below = lines.len() - end;
    shown.push(if below > 0 {
        (format!("  ↓ {below} more (W: next page)"), true)
    } else {
        ("  (W: back to the first page)".to_owned(), true)
    });
    shown
}
