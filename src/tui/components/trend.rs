//! The Trend view: leak suspects across the snapshots, one row per site in
//! the order `pprof-tui trend` ranks them, with its score, confidence, first
//! and last value, growth, allocation rate and mean age (on wide screens)
//! and a sparkline, under the warnings `trend` prints (restarts among them).
//! The profiler's own sites are marked `[profiler]`, sites that match a
//! known leak signature `<id>`. Only the rows on screen are formatted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use regex::Regex;

use super::why::column_width;
use super::{
    Component, Ctx, Effect, Selection, moved, next_match, node_of_function, right, scrolled,
    truncate,
};
use crate::analysis::signatures::site_signature;
use crate::analysis::trend::TrendRow;
use crate::analysis::{Granularity, NodeId, SortBy};
use crate::report::trend::{age_label, confidence_label, rate_label, sparkline_within};
use crate::report::units::{scaled_label, signed_label};
use crate::safe_text::visible;
use crate::tui::action::Action;
use crate::tui::trend::{TrendModel, site_function};
use crate::tui::why::reasons;

/// The cells the site names keep beside a long sparkline.
const SITE_WIDTH: usize = 40;

const VALUE: usize = 10;
/// The allocation rate and age columns are shown from this width on.
const TURNOVER_WIDTH: usize = 110;
/// The suspect marker column.
const MARK: usize = 2;
/// At most this many warning lines above the table.
const MAX_WARNINGS: usize = 3;

impl TrendModel {
    /// Lines above the first row: the summary, the warnings, the column titles.
    fn header_rows(&self) -> u16 {
        2 + self.warnings().len().min(MAX_WARNINGS) as u16
    }

    /// Rows of the table that fit in the body.
    pub fn page(&self, body: Rect) -> usize {
        usize::from(body.height.saturating_sub(self.header_rows())).max(1)
    }

    /// The table row drawn at screen row `y`.
    fn row_at(&self, body: Rect, y: u16) -> Option<usize> {
        let top = body.y + self.header_rows();
        (y >= top && y < body.y + body.height).then(|| self.offset + usize::from(y - top))
    }

    fn select(&mut self, i: usize, body: Rect) {
        let n = self.trend.rows.len();
        self.selected = i.min(n.saturating_sub(1));
        self.offset = scrolled(self.selected, self.offset, self.page(body));
    }

    /// Asks for a ranking with `change` applied to the settings asked for last.
    fn rerank(&mut self, change: impl FnOnce(&mut crate::tui::trend::TrendSettings)) -> Effect {
        let mut settings = self.settings_wanted();
        change(&mut settings);
        self.wanted = Some(settings.clone());
        Effect::Rerank(Box::new(settings))
    }

    /// The function a site is in, and its node in the model (the newest
    /// snapshot's), when it has one.
    fn site_node(&self, row: &TrendRow, ctx: &Ctx<'_>) -> (String, Option<NodeId>) {
        let function = function_of_site(&site_function(row), self.settings.granularity);
        let node = node_of_function(ctx.model, &row.name)
            .or_else(|| node_of_function(ctx.model, &function));
        (function, node)
    }

    fn matches(&self, regex: &Regex, i: usize) -> bool {
        self.trend
            .rows
            .get(i)
            .is_some_and(|r| regex.is_match(&r.name))
    }
}

impl Component for TrendModel {
    fn update(&mut self, action: &Action, ctx: &Ctx<'_>) -> Effect {
        let n = self.trend.rows.len();
        let page = self.page(ctx.body);
        if n > 0
            && let Some(to) = moved(action, self.selected, n, page)
        {
            self.select(to, ctx.body);
            return Effect::None;
        }
        match *action {
            Action::Back => Effect::Leave(None),
            Action::Click(_, y) => {
                if let Some(i) = self.row_at(ctx.body, y) {
                    self.select(i, ctx.body);
                }
                Effect::None
            }
            Action::Enter => match self.selection(ctx) {
                Some(Selection {
                    node: Some(node), ..
                }) => Effect::JumpToTop(node),
                Some(s) => Effect::Message(
                    format!(
                        "{} has no samples in the newest snapshot",
                        visible(&s.function)
                    ),
                    true,
                ),
                None => Effect::None,
            },
            Action::NextSampleType | Action::PrevSampleType => {
                let n = self.sample_type_count().max(1);
                let next = *action == Action::NextSampleType;
                self.rerank(|s| {
                    let i = s.sample_index;
                    s.sample_index = if next { (i + 1) % n } else { (i + n - 1) % n };
                })
            }
            Action::CycleGranularity => self.rerank(|s| {
                let all = Granularity::ALL;
                let at = all.iter().position(|&g| g == s.granularity).unwrap_or(0);
                s.granularity = all[(at + 1) % all.len()];
            }),
            Action::CycleSort => self.rerank(|s| {
                s.by = match s.by {
                    SortBy::Flat => SortBy::Cum,
                    SortBy::Cum => SortBy::Flat,
                };
            }),
            _ => Effect::None,
        }
    }

    fn selection(&self, ctx: &Ctx<'_>) -> Option<Selection> {
        let row = self.selected_row()?;
        let (function, node) = self.site_node(row, ctx);
        Some(Selection {
            function,
            label: row.name.clone(),
            node,
        })
    }

    fn on_match(&self, regex: &Regex, _ctx: &Ctx<'_>) -> bool {
        self.matches(regex, self.selected)
    }

    fn find(&mut self, regex: &Regex, forward: bool, ctx: &Ctx<'_>) -> bool {
        let n = self.trend.rows.len();
        let found = next_match(self.selected, n, forward, |i| self.matches(regex, i));
        match found {
            Some(i) => {
                self.select(i, ctx.body);
                true
            }
            None => false,
        }
    }

    fn render(&self, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
        render(self, ctx, area, buf);
    }
}

/// The function a site of a trend at `granularity` is in: its name
/// without the line or address the printable name adds.
fn function_of_site(name: &str, granularity: Granularity) -> String {
    let mut words = name.split(' ');
    let word = match granularity {
        Granularity::FileFunctions | Granularity::Lines => words.next(),
        Granularity::Addresses => words.nth(1),
        Granularity::Functions | Granularity::Files | Granularity::Stacks => Some(name),
    };
    word.unwrap_or(name).to_owned()
}

fn render(model: &TrendModel, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    if area.height == 0 {
        return;
    }
    let theme = ctx.theme;
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
    buf.set_stringn(
        area.x,
        area.y,
        truncate(&summary, width),
        width,
        theme.header(),
    );
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
    let turnover = width >= TURNOVER_WIDTH && trend.rows.iter().any(|r| r.turnover.is_some());
    // The compiler's reasons (`w`), for a Go heap profile explained.
    let why = ctx.why.filter(|_| ctx.why_column);
    let why_width = column_width(area.width);
    // One cell a snapshot, as long as the site names keep SITE_WIDTH
    // cells beside the line (a long watch keeps hundreds of snapshots).
    let used = MARK
        + 5
        + 5
        + 2 * (VALUE + 1)
        + (VALUE + 2)
        + 4
        + if turnover { VALUE + 11 } else { 0 }
        + if why.is_some() { why_width + 2 } else { 0 };
    let spark = snapshots
        .min(width.saturating_sub(used + SITE_WIDTH))
        .max(5);
    let header = format!(
        "{:MARK$}{}{}{}{}{}{}  {:<spark$}  {}site",
        "",
        right("score", 5),
        right("conf", 5),
        right("first", VALUE + 1),
        right("last", VALUE + 1),
        right("growth", VALUE + 2),
        if turnover {
            format!("{}{}", right("alloc/s", VALUE + 3), right("age", 8))
        } else {
            String::new()
        },
        "trend",
        if why.is_some() {
            format!("{:why_width$}  ", "why on heap")
        } else {
            String::new()
        },
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
        let first = row.values().first().copied().unwrap_or(0);
        let last = row.values().last().copied().unwrap_or(0);
        let columns = match (turnover, &row.turnover) {
            (true, Some(t)) => format!(
                "{}{}",
                right(&rate_label(t), VALUE + 3),
                right(&age_label(t), 8)
            ),
            (true, None) => " ".repeat(VALUE + 11),
            (false, _) => String::new(),
        };
        let reasons = match why {
            Some(why) => {
                let sites = match model.site_node(row, ctx).1 {
                    Some(node) => why.for_node(ctx.model.tree.node(node)),
                    None => Vec::new(),
                };
                format!("{:why_width$}  ", truncate(&reasons(&sites), why_width))
            }
            None => String::new(),
        };
        // The known leak the site matches, as `trend --format json` names it.
        let signature = site_signature(row.stack.as_ref(), &row.name, &trend.sample_type, last)
            .map(|s| format!("  <{}>", s.id))
            .unwrap_or_default();
        let text = format!(
            "{:MARK$}{:>5.1}{}{}{}{}{columns}  {:<spark$}  {reasons}{}{}{}{signature}",
            if row.growth.suspect { "!" } else { "" },
            row.growth.score,
            right(&confidence_label(&row.growth), 5),
            right(&scaled_label(first, unit, "auto"), VALUE + 1),
            right(&scaled_label(last, unit, "auto"), VALUE + 1),
            right(&signed_label(row.growth.net, unit, "auto"), VALUE + 2),
            sparkline_within(row.values(), spark),
            visible(&row.name),
            row.inlined.suffix(),
            if row.profiler { "  [profiler]" } else { "" },
        );
        let selected = start + i == model.selected;
        let matched = !selected && ctx.search.is_some_and(|s| s.regex.is_match(&row.name));
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
