//! The Top view: pprof's ranked table (flat, flat%, sum%, cum, cum%), or
//! in a diff base, new, signed delta and delta%. Only the rows on screen
//! are formatted, however many the profile has.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{right, truncate};
use crate::report::diff::relative_label;
use crate::safe_text::visible;
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
            "{}{}{}{}{}  name",
            right("flat new", VALUE),
            right("flat Δ", VALUE + 1),
            right("cum new", VALUE + 1),
            right("cum Δ", VALUE + 1),
            right(&format!("{which} Δ%"), PERCENT + 1),
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
    let mut sum: i64 = model.rows[..start].iter().map(|r| r.flat).sum();
    for (i, row) in model.rows[start..end].iter().enumerate() {
        let index = start + i;
        let y = area.y + 1 + i as u16;
        sum += row.flat;
        let name = visible(&model.row_name(row)).into_owned();
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
            .is_some_and(|s| s.regex.is_match(model.row_label(row)));
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
            // Red grew, blue shrank: the two Δ columns.
            for (x, delta) in [(VALUE, row.flat), (VALUE * 3 + 2, row.cum)] {
                let x = area.x + x as u16;
                let w = (VALUE + 1) as u16;
                if x + w <= area.x + area.width {
                    buf.set_style(Rect::new(x, y, w, 1), theme.delta(delta));
                }
            }
        }
    }
}

/// New and Δ of flat and cum, and Δ% of the sorted-by value relative to
/// the site's own base, as `pprof-tui diff` prints it (`new` when it grew
/// from nothing).
fn diff_numbers(app: &App, row: &Row) -> String {
    let model = &app.model;
    let (delta, base) = if model.sort == Sort::Cum {
        (row.cum, row.base_cum)
    } else {
        (row.flat, row.base_flat)
    };
    let relative = (base != 0).then(|| delta as f64 / base as f64);
    format!(
        "{}{}{}{}{}",
        right(&model.format(row.flat + row.base_flat), VALUE),
        right(&model.format_signed(row.flat), VALUE + 1),
        right(&model.format(row.cum + row.base_cum), VALUE + 1),
        right(&model.format_signed(row.cum), VALUE + 1),
        right(&relative_label(relative, delta), PERCENT + 1),
    )
}
