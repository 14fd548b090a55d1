//! The Trend view: leak suspects across the snapshots, one row per site in
//! the order `pprof-tui trend` ranks them, with its score, first and last
//! value, growth and a sparkline, under the warnings `trend` prints. Only
//! the rows on screen are formatted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{right, truncate};
use crate::report::trend::sparkline;
use crate::report::units::{scaled_label, signed_label};
use crate::safe_text::visible;
use crate::tui::app::App;

const VALUE: usize = 10;
/// The suspect marker column.
const MARK: usize = 2;
/// At most this many warning lines above the table.
const MAX_WARNINGS: usize = 3;

/// Lines above the first row: the summary, the warnings, the column titles.
pub fn header_rows(app: &App) -> u16 {
    let warnings = app
        .trend
        .as_ref()
        .map_or(0, |t| t.warnings().len().min(MAX_WARNINGS));
    2 + warnings as u16
}

/// Rows of the table that fit in the body.
pub fn page(app: &App, body: Rect) -> usize {
    usize::from(body.height.saturating_sub(header_rows(app))).max(1)
}

/// The table row drawn at screen row `y`.
pub fn row_at(app: &App, body: Rect, y: u16) -> Option<usize> {
    let top = body.y + header_rows(app);
    let trend = app.trend.as_ref()?;
    (y >= top && y < body.y + body.height).then(|| trend.offset + usize::from(y - top))
}

/// A sparkline in which a site that did not move is a flat line at the
/// bottom, whatever its value.
fn trend_line(values: &[i64]) -> String {
    match values.first() {
        Some(first) if values.iter().all(|v| v == first) => "▁".repeat(values.len()),
        _ => sparkline(values),
    }
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    if area.height == 0 {
        return;
    }
    let theme = &app.theme;
    let Some(model) = &app.trend else {
        return;
    };
    let trend = &model.trend;
    let width = usize::from(area.width);
    let snapshots = model.snapshot_count();
    let sites = if trend.site_total == 1 {
        "1 site".to_owned()
    } else {
        format!("{} sites", trend.site_total)
    };
    let summary = format!(
        "Leak suspects: {} among {sites} in {snapshots} snapshots ({}), most suspicious first",
        trend.suspects,
        visible(&trend.sample_type.name),
    );
    buf.set_stringn(area.x, area.y, summary, width, theme.header());
    let mut y = area.y + 1;
    for warning in model.warnings().iter().take(MAX_WARNINGS) {
        if y >= area.y + area.height {
            return;
        }
        let text = truncate(&format!("⚠ {}", visible(warning)), width);
        buf.set_stringn(area.x, y, text, width, theme.error());
        y += 1;
    }
    if y >= area.y + area.height {
        return;
    }
    let spark = snapshots.max(5);
    let header = format!(
        "{:MARK$}{}{}{}{}  {:<spark$}  site",
        "",
        right("score", 5),
        right("first", VALUE + 1),
        right("last", VALUE + 1),
        right("growth", VALUE + 2),
        "trend",
    );
    buf.set_stringn(area.x, y, header, width, theme.header());
    y += 1;
    if trend.rows.is_empty() {
        buf.set_stringn(
            area.x + 2,
            y + 1,
            "no site has a non-zero value in any snapshot — press t for another sample type",
            width.saturating_sub(2),
            theme.dim(),
        );
        return;
    }
    let unit = trend.sample_type.unit.as_str();
    let page = usize::from((area.y + area.height).saturating_sub(y));
    let start = model.offset.min(trend.rows.len());
    let end = (start + page).min(trend.rows.len());
    for (i, row) in trend.rows[start..end].iter().enumerate() {
        let y = y + i as u16;
        let first = row.values.first().copied().unwrap_or(0);
        let last = row.values.last().copied().unwrap_or(0);
        let text = format!(
            "{:MARK$}{:>5.1}{}{}{}  {:<spark$}  {}{}",
            if row.growth.suspect { "!" } else { "" },
            row.growth.score,
            right(&scaled_label(first, unit, "auto"), VALUE + 1),
            right(&scaled_label(last, unit, "auto"), VALUE + 1),
            right(&signed_label(row.growth.net, unit, "auto"), VALUE + 2),
            trend_line(&row.values),
            visible(&row.name),
            row.inlined.suffix(),
        );
        let selected = start + i == model.selected;
        let matched = !selected
            && app
                .search
                .as_ref()
                .is_some_and(|s| s.regex.is_match(&row.name));
        let style = if selected {
            theme.selected()
        } else if matched {
            theme.matched()
        } else {
            Style::default()
        };
        buf.set_stringn(
            area.x,
            y,
            format!("{:width$}", truncate(&text, width)),
            width,
            style,
        );
        if row.growth.suspect && !selected {
            buf.set_stringn(area.x, y, "!", 1, theme.error());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_that_did_not_move_is_flat() {
        assert_eq!(trend_line(&[1_179_920, 1_179_920, 1_179_920]), "▁▁▁");
        assert_eq!(trend_line(&[0, 0]), "▁▁");
        assert_eq!(trend_line(&[1, 2, 4]), sparkline(&[1, 2, 4]));
    }
}
