//! The Trend view: leak suspects across the snapshots, one row per site in
//! the order `pprof-tui trend` ranks them, with its first and last value,
//! growth and a sparkline. Only the rows on screen are formatted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{right, truncate};
use crate::report::trend::sparkline;
use crate::report::units::{scaled_label, signed_label};
use crate::tui::app::App;

const VALUE: usize = 10;
/// The suspect marker column.
const MARK: usize = 2;

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
        trend.suspects, trend.sample_type.name
    );
    buf.set_stringn(area.x, area.y, summary, width, theme.header());
    if area.height < 2 {
        return;
    }
    let spark = snapshots.max(5);
    let header = format!(
        "{:MARK$}{}{}{}  {:<spark$}  site",
        "",
        right("first", VALUE),
        right("last", VALUE + 1),
        right("growth", VALUE + 2),
        "trend",
    );
    buf.set_stringn(area.x, area.y + 1, header, width, theme.header());
    if trend.rows.is_empty() {
        buf.set_stringn(
            area.x + 2,
            area.y + 3,
            "no site has a non-zero value in any snapshot — press t for another sample type",
            width.saturating_sub(2),
            theme.dim(),
        );
        return;
    }
    let unit = trend.sample_type.unit.as_str();
    let page = usize::from(area.height.saturating_sub(2));
    let start = model.offset.min(trend.rows.len());
    let end = (start + page).min(trend.rows.len());
    for (i, row) in trend.rows[start..end].iter().enumerate() {
        let y = area.y + 2 + i as u16;
        let first = row.values.first().copied().unwrap_or(0);
        let last = row.values.last().copied().unwrap_or(0);
        let text = format!(
            "{:MARK$}{}{}{}  {:<spark$}  {}{}",
            if row.growth.suspect { "!" } else { "" },
            right(&scaled_label(first, unit, "auto"), VALUE),
            right(&scaled_label(last, unit, "auto"), VALUE + 1),
            right(&signed_label(row.growth.net, unit, "auto"), VALUE + 2),
            sparkline(&row.values),
            row.name,
            row.inlined.suffix(),
        );
        let selected = start + i == model.selected;
        let style = if selected {
            theme.selected()
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
