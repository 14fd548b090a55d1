//! The Source view: flat and cum per line of the peeked function, next to
//! the source text when the file is found locally (`--source-path`, then the
//! current directory), else the sampled line numbers alone.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use regex::Regex;

use super::why::{column_width, render_pane, split};
use super::{Component, Ctx, Effect, Selection, moved, right, scrolled, truncate, truncate_left};
use crate::analysis::NodeId;
use crate::safe_text::visible;
use crate::tui::action::{Action, ViewKind};
use crate::tui::model::SourceModel;
use crate::tui::why::{badges, reasons};

const LINE: usize = 6;
const VALUE: usize = 10;
/// The class badges' column, when the profile was explained.
const CLASS: usize = 19;

/// The Source view: one function's lines, opened on the hottest.
#[derive(Debug, Clone, Default)]
pub struct SourceView {
    pub source: Option<SourceModel>,
    /// The function's node in the model.
    pub node: Option<NodeId>,
    /// A function whose lines are being read.
    pub loading: Option<String>,
    /// The function shown, which the profile shown lacks: its lines are
    /// read again once a profile has it (see [`PeekView`]'s own).
    ///
    /// [`PeekView`]: super::peek::PeekView
    pub missing: Option<String>,
    pub selected: usize,
    pub offset: usize,
}

/// Rows of source that fit below the two title lines.
pub fn page(body: Rect) -> usize {
    usize::from(body.height.saturating_sub(2)).max(1)
}

impl SourceView {
    /// Shows `source`, the lines of `node`'s function, on its hottest line.
    pub fn open(&mut self, source: SourceModel, node: NodeId, body: Rect) {
        self.loading = None;
        self.missing = None;
        self.selected = source.hottest_row();
        self.offset = self.selected.saturating_sub(page(body) / 2);
        self.source = Some(source);
        self.node = Some(node);
    }

    /// Shows that the lines of `function` are being read.
    pub fn loading(&mut self, function: &str, node: NodeId) {
        self.loading = Some(function.to_owned());
        self.missing = None;
        self.node = Some(node);
    }

    /// Shows that the profile has no `function`, whose lines come back
    /// with a profile that has it.
    pub fn wait_for(&mut self, function: &str) {
        self.close();
        self.missing = Some(function.to_owned());
    }

    /// Whether the view shows (or is about to show, or waits for) a
    /// function.
    pub fn is_open(&self) -> bool {
        self.source.is_some() || self.loading.is_some() || self.missing.is_some()
    }

    pub fn close(&mut self) {
        self.loading = None;
        self.missing = None;
        self.source = None;
        self.node = None;
    }
}

impl Component for SourceView {
    fn update(&mut self, action: &Action, ctx: &Ctx<'_>) -> Effect {
        match action {
            Action::Back => return Effect::Leave(Some(ViewKind::Peek)),
            Action::Enter => {
                return Effect::Message(
                    "Source has nothing to open: Esc goes back".to_owned(),
                    false,
                );
            }
            _ => {}
        }
        let Some(source) = &self.source else {
            return Effect::None;
        };
        let n = source.row_count();
        let page = page(split(ctx.body, ctx).0);
        if n > 0
            && let Some(to) = moved(action, self.selected, n, page)
        {
            self.selected = to;
            self.offset = scrolled(to, self.offset, page);
            return Effect::None;
        }
        Effect::None
    }

    fn selection(&self, ctx: &Ctx<'_>) -> Option<Selection> {
        self.node.map(|node| Selection::of_node(ctx.model, node))
    }

    fn on_match(&self, _regex: &Regex, _ctx: &Ctx<'_>) -> bool {
        true
    }

    fn find(&mut self, _regex: &Regex, _forward: bool, _ctx: &Ctx<'_>) -> bool {
        false
    }

    fn render(&self, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
        render(self, ctx, area, buf);
    }
}

fn render(view: &SourceView, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let (area, pane) = split(area, ctx);
    if let (Some(pane), Some(why), Some(source)) = (pane, ctx.why, &view.source)
        && view.selected < source.row_count()
    {
        // The line's own function: scrolled past the opened one, another's.
        let (line, _) = source.row(view.selected);
        let sites = why.at_line(line.function, line.line);
        let label = format!("{} line {}", line.function, line.line);
        render_pane(ctx, &label, &sites, pane, buf);
    }
    let theme = ctx.theme;
    let model = ctx.model;
    let width = usize::from(area.width);
    if let Some(function) = &view.loading {
        let text = format!("reading the source lines of {}…", visible(function));
        buf.set_stringn(
            area.x + 2,
            area.y + 1,
            text,
            width.saturating_sub(2),
            theme.dim(),
        );
        return;
    }
    let Some(source) = &view.source else {
        let text = match &view.missing {
            Some(function) => format!(
                "{} is not in this profile: its lines are shown again when a profile has it",
                visible(function)
            ),
            None => "select a function in Top or Flame first, then press S (or 4)".to_owned(),
        };
        buf.set_stringn(
            area.x + 2,
            area.y + 1,
            text,
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
    let why_width = column_width(area.width);
    let mut columns = format!(
        "{}{}{}",
        right("line", LINE),
        right("flat", VALUE + 1),
        right("cum", VALUE + 1),
    );
    if ctx.why.is_some() {
        columns.push_str(&format!("  {:CLASS$}", "class"));
    }
    if ctx.why_column {
        columns.push_str(&format!("  {:why_width$}", "why on heap"));
    }
    columns.push_str("  source");
    buf.set_stringn(area.x, area.y + 1, columns, width, theme.header());
    let page = usize::from(area.height - 2);
    let rows = source.row_count();
    // The pane may leave fewer rows than the page the cursor moved on.
    let start = view
        .offset
        .max((view.selected + 1).saturating_sub(page))
        .min(rows);
    for (i, index) in (start..rows.min(start + page)).enumerate() {
        let (row_line, text) = source.row(index);
        let (line, flat, cum) = (row_line.line, row_line.flat, row_line.cum);
        let value = |v: i64| {
            if v == 0 {
                String::new()
            } else {
                model.format(v)
            }
        };
        let mut row = format!(
            "{}{}{}",
            right(&line.to_string(), LINE),
            right(&value(flat), VALUE + 1),
            right(&value(cum), VALUE + 1),
        );
        if let Some(why) = ctx.why {
            let sites = why.at_line(row_line.function, line);
            row.push_str(&format!("  {:CLASS$}", truncate(&badges(&sites), CLASS)));
            if ctx.why_column {
                row.push_str(&format!(
                    "  {:why_width$}",
                    truncate(&reasons(&sites), why_width)
                ));
            }
        }
        row.push_str("  ");
        row.push_str(&visible(text));
        let y = area.y + 2 + i as u16;
        let style = if index == view.selected {
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
