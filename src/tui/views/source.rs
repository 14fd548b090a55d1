//! The Source view: flat and cum per line of the peeked function, next to
//! the source text when the file is found locally (`--source-path`, then the
//! current directory), else the sampled line numbers alone.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{right, truncate, truncate_left};
use crate::safe_text::visible;
use crate::tui::app::App;

const LINE: usize = 6;
const VALUE: usize = 10;

/// Rows of source that fit below the two title lines.
pub fn page(body: Rect) -> usize {
    usize::from(body.height.saturating_sub(2)).max(1)
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let model = &app.model;
    let width = usize::from(area.width);
    let Some(source) = &app.source.source else {
        buf.set_stringn(
            area.x + 2,
            area.y + 1,
            "select a function in Top or Flame first, then press S (or 4)",
            width.saturating_sub(2),
            theme.dim(),
        );
        return;
    };
    let file = match &source.path {
        Some(path) => visible(&path.display().to_string()).into_owned(),
        None if source.file.is_empty() => "no file name in the profile".to_owned(),
        None => format!(
            "{} not found — pass --source-path DIR",
            visible(&source.file)
        ),
    };
    // Line 1: the function and where its text came from; line 2: column titles.
    let title = truncate(&format!(" {}  ", visible(&source.function)), width);
    let used = title.chars().count();
    buf.set_stringn(area.x, area.y, &title, width, theme.header());
    // A path's end says the most, so a long one is cut at its start.
    let file = truncate_left(&file, width - used);
    buf.set_stringn(
        area.x + used as u16,
        area.y,
        file,
        width - used,
        theme.dim(),
    );
    if area.height < 2 {
        return;
    }
    let columns = format!(
        "{}{}{}  source",
        right("line", LINE),
        right("flat", VALUE + 1),
        right("cum", VALUE + 1),
    );
    buf.set_stringn(area.x, area.y + 1, columns, width, theme.header());
    let page = usize::from(area.height - 2);
    let rows = source.row_count();
    let start = app.source.offset.min(rows);
    for (i, index) in (start..rows.min(start + page)).enumerate() {
        let (line, flat, cum, text) = source.row(index);
        let value = |v: i64| {
            if v == 0 {
                String::new()
            } else {
                model.format(v)
            }
        };
        let row = format!(
            "{}{}{}  {}",
            right(&line.to_string(), LINE),
            right(&value(flat), VALUE + 1),
            right(&value(cum), VALUE + 1),
            visible(text)
        );
        let y = area.y + 2 + i as u16;
        let style = if index == app.source.selected {
            theme.selected()
        } else if cum == 0 {
            theme.dim()
        } else {
            Style::default()
        };
        let row = truncate(&row, width);
        buf.set_stringn(area.x, y, format!("{row:width$}"), width, style);
    }
}
