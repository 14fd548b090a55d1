//! The Source view: flat and cum per line of the peeked function, next to
//! the source text when the file is found locally (`--source-path`, then the
//! current directory), else the sampled line numbers alone.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{right, truncate, truncate_left};
use crate::tui::app::App;

const LINE: usize = 6;
const VALUE: usize = 10;

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
        Some(path) => path.display().to_string(),
        None if source.file.is_empty() => "no file name in the profile".to_owned(),
        None => format!("{} not found — pass --source-path DIR", source.file),
    };
    let title = format!(
        "{}{}{}  {}  {}",
        right("line", LINE),
        right("flat", VALUE + 1),
        right("cum", VALUE + 1),
        source.function,
        file
    );
    buf.set_stringn(
        area.x,
        area.y,
        truncate_left(&title, width),
        width,
        theme.header(),
    );
    let page = usize::from(area.height.saturating_sub(1));
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
            text
        );
        let style = if index == app.source.selected {
            theme.selected()
        } else if cum == 0 {
            theme.dim()
        } else {
            Style::default()
        };
        let row = truncate(&row, width);
        buf.set_stringn(
            area.x,
            area.y + 1 + i as u16,
            format!("{row:width$}"),
            width,
            style,
        );
    }
}
