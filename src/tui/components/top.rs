//! The Top view: pprof's ranked table (flat, flat%, sum%, cum, cum%), or
//! in a diff base, new, signed delta and delta%. Only the rows on screen
//! are formatted, however many the profile has.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use regex::Regex;

use super::why::{column_width, render_pane, split};
use super::{Component, Ctx, Effect, ListState, Selection, right, truncate};
use crate::analysis::{TopOrder, TopRow};
use crate::report::diff::relative_label;
use crate::safe_text::visible;
use crate::tui::action::Action;
use crate::tui::model::Model;
use crate::tui::why::{badges, reasons};

const VALUE: usize = 10;
const PERCENT: usize = 8;

/// The Top view: a cursor over the model's rows.
#[derive(Debug, Clone, Default)]
pub struct TopView {
    pub list: ListState,
    /// The label of the row chosen last when the model shown has no such
    /// row (a watch's snapshot may hold nothing of it): the cursor waits
    /// on the first row and goes back to it once a model has it, unless
    /// moved first.
    missing: Option<String>,
}

impl TopView {
    /// Rows that fit under the column titles (above the why-on-heap
    /// pane, when there is one).
    pub fn page(ctx: &Ctx<'_>) -> usize {
        let (table, _) = split(ctx.body, ctx);
        usize::from(table.height.saturating_sub(1)).max(1)
    }

    /// Puts the cursor on row `i`.
    pub fn select(&mut self, i: usize, ctx: &Ctx<'_>) {
        self.missing = None;
        self.list.select(i, ctx.model.rows.len(), Self::page(ctx));
    }

    /// Keeps the cursor on its row in a body of another size.
    pub fn resized(&mut self, ctx: &Ctx<'_>) {
        let at = self.list.selected;
        self.list.select(at, ctx.model.rows.len(), Self::page(ctx));
    }

    /// The label of the row chosen last, to find it again in another
    /// model or order.
    pub fn carry(&self, model: &Model) -> Option<String> {
        self.missing.clone().or_else(|| {
            model
                .rows
                .get(self.list.selected)
                .map(|r| model.row_label(r).to_owned())
        })
    }

    /// Puts the cursor back on the row labelled `label` (on the first row
    /// while it is gone).
    pub fn restore(&mut self, label: Option<&str>, ctx: &Ctx<'_>) {
        let model = ctx.model;
        let found = label.and_then(|l| model.rows.iter().position(|r| model.row_label(r) == l));
        self.select(found.unwrap_or(0), ctx);
        if found.is_none() {
            self.missing = label.map(str::to_owned);
        }
    }

    /// Puts the cursor on the row of `node`, if it has one.
    pub fn select_node(&mut self, node: crate::analysis::NodeId, ctx: &Ctx<'_>) -> bool {
        match ctx.model.rows.iter().position(|r| r.node == node) {
            Some(i) => {
                self.select(i, ctx);
                true
            }
            None => false,
        }
    }

    fn matches(regex: &Regex, ctx: &Ctx<'_>, i: usize) -> bool {
        ctx.model
            .rows
            .get(i)
            .is_some_and(|r| regex.is_match(ctx.model.row_label(r)))
    }
}

impl Component for TopView {
    fn update(&mut self, action: &Action, ctx: &Ctx<'_>) -> Effect {
        let n = ctx.model.rows.len();
        let page = Self::page(ctx);
        if self.list.moved(action, n, page) {
            self.missing = None;
            return Effect::None;
        }
        match *action {
            Action::Back => Effect::Leave(None),
            Action::Enter => match self.selection(ctx).and_then(|s| s.node) {
                Some(node) => Effect::JumpToFlame(node),
                None => Effect::None,
            },
            Action::Click(_, y) => {
                let body = ctx.body;
                if y > body.y && y < body.y + body.height {
                    self.select(self.list.offset + usize::from(y - body.y - 1), ctx);
                }
                Effect::None
            }
            _ => Effect::None,
        }
    }

    fn selection(&self, ctx: &Ctx<'_>) -> Option<Selection> {
        let row = ctx.model.rows.get(self.list.selected)?;
        let mut selection = Selection::of_node(ctx.model, row.node);
        selection.label = ctx.model.row_label(row).to_owned();
        Some(selection)
    }

    fn on_match(&self, regex: &Regex, ctx: &Ctx<'_>) -> bool {
        Self::matches(regex, ctx, self.list.selected)
    }

    fn find(&mut self, regex: &Regex, forward: bool, ctx: &Ctx<'_>) -> bool {
        let n = ctx.model.rows.len();
        self.list.find(n, Self::page(ctx), forward, |i| {
            Self::matches(regex, ctx, i)
        })
    }

    fn render(&self, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
        render(self, ctx, area, buf);
    }
}

fn render(view: &TopView, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let (area, pane) = split(area, ctx);
    if let (Some(pane), Some(why)) = (pane, ctx.why)
        && let Some(row) = ctx.model.rows.get(view.list.selected)
    {
        let sites = why.for_node(ctx.model.tree.node(row.node));
        render_pane(ctx, &ctx.model.row_name(row), &sites, pane, buf);
    }
    if area.height == 0 {
        return;
    }
    let theme = ctx.theme;
    let model = ctx.model;
    let diff = ctx.diff;
    let why = column_width(area.width);
    let which = if model.sort == TopOrder::Cum {
        "cum"
    } else {
        "flat"
    };
    let why_title = if ctx.why_column {
        format!("  {:why$}", "why on heap")
    } else {
        String::new()
    };
    let header = if diff {
        format!(
            "{}{}{}{}{}",
            right("flat new", VALUE),
            right("flat Δ", VALUE + 1),
            right("cum new", VALUE + 1),
            right("cum Δ", VALUE + 1),
            right(&format!("{which} Δ%"), PERCENT + 1),
        )
    } else {
        format!(
            "{}{}{}{}{}",
            right("flat", VALUE),
            right("flat%", PERCENT + 1),
            right("sum%", PERCENT + 1),
            right("cum", VALUE + 1),
            right("cum%", PERCENT + 1),
        )
    };
    let header = format!("{header}{why_title}  name");
    buf.set_stringn(
        area.x,
        area.y,
        header,
        usize::from(area.width),
        theme.header(),
    );
    if model.rows.is_empty() {
        let note = if ctx.chips.is_empty() {
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
    let start = view.list.offset.min(model.rows.len());
    let end = (start + page).min(model.rows.len());
    // sum% needs the flat sum of the rows above the first visible one.
    let mut sum = model.rows[..start]
        .iter()
        .fold(0i64, |sum, r| sum.wrapping_add(r.flat));
    for (i, row) in model.rows[start..end].iter().enumerate() {
        let index = start + i;
        let y = area.y + 1 + i as u16;
        sum = sum.wrapping_add(row.flat);
        let mut name = visible(&model.row_name(row)).into_owned();
        let sites = ctx
            .why
            .map(|why| why.for_node(model.tree.node(row.node)))
            .unwrap_or_default();
        let badges = badges(&sites);
        if !badges.is_empty() {
            name = format!("{name}  {badges}");
        }
        let numbers = if diff {
            diff_numbers(model, row)
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
        let numbers = if ctx.why_column {
            format!("{numbers}  {:why$}", truncate(&reasons(&sites), why))
        } else {
            numbers
        };
        let matched = ctx
            .search
            .is_some_and(|s| s.regex.is_match(model.row_label(row)));
        let selected = index == view.list.selected;
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
fn diff_numbers(model: &Model, row: &TopRow) -> String {
    let (delta, base) = if model.sort == TopOrder::Cum {
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
