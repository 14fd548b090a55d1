//! The Top view: pprof's ranked table (flat, flat%, sum%, cum, cum%), or
//! in a diff base, new, signed delta and delta%. Only the rows on screen
//! are formatted, however many the profile has.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{right, truncate};
use crate::tui::app::App;
use crate::tui::model::{Row, Sort};

const VALUE: usize = 10;
const PERCENT: usize = 8;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    if area.height == 0 {
        return;
    }
    let theme = &app.theme;
    let model = &app.model;
    let diff = app.is_diff();
    let which = if model.sort == Sort::Cum {
        "cum"
    } else {
        "flat"
    };
    let header = if diff {
        format!(
            "{}{}{}{}  name",
            right(&format!("base {which}"), VALUE),
            right(&format!("new {which}"), VALUE + 1),
            right("delta", VALUE + 1),
            right("delta%", PERCENT + 1),
        )
    } else {
        format!(
            "{}{}{}{}{}  name",
            right("flat", VALUE),
            right("flat%", PERCENT + 1),
            right("sum%", PERCENT + 1),
            right("cum", VALUE + 1),
            right("cum%", PERCENT + 1),
        )
    };
    buf.set_stringn(
        area.x,
        area.y,
        header,
        usize::from(area.width),
        theme.header(),
    );
    if model.rows.is_empty() {
        let note = if app.chips.is_empty() {
            format!(
                "no samples with a non-zero {} value — press t for another sample type",
                model.sample_type.name
            )
        } else {
            "no samples pass the filters — x removes the last filter, C clears them".to_owned()
        };
        buf.set_stringn(
            area.x + 2,
            area.y + 2,
            note,
            usize::from(area.width.saturating_sub(2)),
            theme.dim(),
        );
        return;
    }
    let page = usize::from(area.height - 1);
    let start = app.top.offset.min(model.rows.len());
    let end = (start + page).min(model.rows.len());
    // sum% needs the flat sum of the rows above the first visible one.
    let mut sum = model.rows[..start]
        .iter()
        .fold(0i64, |sum, r| sum.wrapping_add(r.flat));
    for (i, row) in model.rows[start..end].iter().enumerate() {
        let index = start + i;
        let y = area.y + 1 + i as u16;
        sum = sum.wrapping_add(row.flat);
        let name = model.row_name(row);
        let numbers = if diff {
            diff_numbers(app, row)
        } else {
            format!(
                "{}{}{}{}{}",
                right(&model.format(row.flat), VALUE),
                right(&model.percent(row.flat), PERCENT + 1),
                right(&model.percent(sum), PERCENT + 1),
                right(&model.format(row.cum), VALUE + 1),
                right(&model.percent(row.cum), PERCENT + 1),
            )
        };
        let matched = app
            .search
            .as_ref()
            .is_some_and(|s| s.regex.is_match(&model.tree.names()[row.node.index()]));
        let selected = index == app.top.selected;
        let base = if selected {
            theme.selected()
        } else {
            Style::default()
        };
        let width = usize::from(area.width);
        let text = format!("{numbers}  {name}");
        buf.set_stringn(
            area.x,
            y,
            format!("{:width$}", truncate(&text, width)),
            width,
            base,
        );
        if matched && !selected {
            let x = area.x + numbers.chars().count() as u16 + 2;
            let room = usize::from(area.width.saturating_sub(x - area.x));
            buf.set_stringn(x, y, truncate(&name, room), room, theme.matched());
        } else if diff && !selected {
            let delta = if model.sort == Sort::Cum {
                row.cum
            } else {
                row.flat
            };
            let x = area.x + (VALUE * 2 + 1) as u16;
            let w = VALUE + 1 + PERCENT + 1;
            if x + (w as u16) <= area.x + area.width {
                buf.set_style(Rect::new(x, y, w as u16, 1), theme.delta(delta));
            }
        }
    }
}

/// base, new, delta and delta% of the sorted-by value.
fn diff_numbers(app: &App, row: &Row) -> String {
    let model = &app.model;
    let (delta, base) = if model.sort == Sort::Cum {
        (row.cum, row.base_cum)
    } else {
        (row.flat, row.base_flat)
    };
    let new = delta + base;
    let percent = if delta == 0 {
        "0%".to_owned()
    } else {
        let sign = if delta > 0 { "+" } else { "-" };
        format!("{sign}{}", model.percent(delta))
    };
    format!(
        "{}{}{}{}",
        right(&model.format(base), VALUE),
        right(&model.format(new), VALUE + 1),
        right(&model.format_signed(delta), VALUE + 1),
        right(&percent, PERCENT + 1),
    )
}
