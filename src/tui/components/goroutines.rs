//! The Goroutines view, for goroutine profiles and dumps: one row per
//! distinct stack and state ([`group_goroutines`] decides the groups, the
//! order and the histogram), with its count, the goroutines the runtime
//! proved leaked, the state, the least and most minutes waited, the
//! function that names the stack, the leak signature it matches and its
//! pprof labels; beside it, on wide screens, the wait-time histogram of
//! all the goroutines shown. `s` orders by count or by wait; Enter opens
//! the group: its details and the whole stack with `created by`, Esc
//! goes back. Only the rows on screen are formatted.

use std::sync::{Arc, Weak};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use regex::Regex;

use super::{
    Component, Ctx, Effect, ListState, Selection, draw_lines, node_of_function, right, truncate,
};
use crate::analysis::Filters;
use crate::analysis::goroutines::{
    GoroutineGroup, Goroutines, GroupSort, WAIT_BUCKETS, group_goroutines, wait_bucket,
};
use crate::glossary::wrap;
use crate::profile::Profile;
use crate::safe_text::visible;
use crate::tui::action::Action;

/// The histogram panel's width, and the least body width that shows it.
const PANEL: u16 = 26;
const PANEL_FROM: u16 = 90;
/// Lines above the first row: the summary and the column titles.
const HEAD: u16 = 2;

/// The view: the groups of the profile it was last given, a cursor, and
/// the group opened with Enter (with how far its page is scrolled).
#[derive(Debug, Default)]
pub struct GoroutinesView {
    groups: Option<Arc<Goroutines>>,
    /// What the groups were computed from: the profile (held weakly, so
    /// its address is not reused while compared) and the filters' text,
    /// so a new snapshot or filter recomputes them once.
    from: Option<(Weak<Profile>, String)>,
    pub list: ListState,
    sort: GroupSort,
    /// The open group and the first line of its page shown.
    pub open: Option<(usize, usize)>,
}

impl GoroutinesView {
    /// Groups `profile`'s goroutines through `filters`, unless they are
    /// what the view shows already; the cursor stays on the group of the
    /// same stack when it is still there, and so does an open page (a
    /// watch's next snapshot shows the open group's new counts).
    pub fn sync(&mut self, profile: &Arc<Profile>, filters: &Filters) {
        let filters_text = format!("{filters:?}");
        if self
            .from
            .as_ref()
            .is_some_and(|(p, f)| Weak::ptr_eq(p, &Arc::downgrade(profile)) && *f == filters_text)
        {
            return;
        }
        let carried = self.carry();
        self.groups = Some(Arc::new(group_goroutines(profile, filters, self.sort)));
        let found = self.restore(carried);
        self.open = self
            .open
            .filter(|_| found)
            .map(|(_, scroll)| (self.list.selected, scroll));
        self.from = Some((Arc::downgrade(profile), filters_text));
    }

    /// The selected group's stack and state, to find it again after the
    /// groups are made again or reordered.
    fn carry(&self) -> Option<(Vec<Arc<str>>, Option<String>)> {
        self.group()
            .map(|g| (g.site.frames.clone(), g.state.clone()))
    }

    /// Puts the cursor back on the carried group (the first if it is
    /// gone); says whether it was found.
    fn restore(&mut self, carried: Option<(Vec<Arc<str>>, Option<String>)>) -> bool {
        let groups = self
            .groups
            .as_ref()
            .map_or(&[][..], |g| g.groups.as_slice());
        let found = carried.and_then(|(frames, state)| {
            groups
                .iter()
                .position(|g| g.site.frames == frames && g.state == state)
        });
        self.list.selected = found.unwrap_or(0);
        found.is_some()
    }

    /// The groups shown, once computed.
    pub fn goroutines(&self) -> Option<&Goroutines> {
        self.groups.as_deref()
    }

    /// The group under the cursor.
    pub fn group(&self) -> Option<&GoroutineGroup> {
        self.groups.as_ref()?.groups.get(self.list.selected)
    }

    pub fn sort(&self) -> GroupSort {
        self.sort
    }

    /// Orders the groups the other way, keeping the cursor on its group.
    fn resort(&mut self) -> Effect {
        self.sort = self.sort.next();
        let carried = self.carry();
        let Some(groups) = self.groups.as_mut() else {
            return Effect::None;
        };
        Arc::make_mut(groups).sort_by(self.sort);
        self.restore(carried);
        Effect::Message(
            format!("goroutines sorted by {}", self.sort.as_str()),
            false,
        )
    }

    /// The table's area and the histogram panel's, if the body is wide
    /// enough for it.
    fn split(area: Rect) -> (Rect, Option<Rect>) {
        if area.width < PANEL_FROM {
            return (area, None);
        }
        let table = Rect {
            width: area.width - PANEL - 1,
            ..area
        };
        let panel = Rect {
            x: area.x + area.width - PANEL,
            width: PANEL,
            ..area
        };
        (table, Some(panel))
    }

    fn page(body: Rect) -> usize {
        usize::from(body.height.saturating_sub(HEAD)).max(1)
    }

    fn matches(&self, regex: &Regex, i: usize) -> bool {
        self.groups
            .as_ref()
            .and_then(|g| g.groups.get(i))
            .is_some_and(|g| regex.is_match(&g.name))
    }

    /// The open group's page: its facts, then its stack, leaf first, and
    /// the function that created it; explanations wrapped to `width`.
    /// Lines marked `true` are the proof and the signature, drawn as
    /// warnings.
    fn page_lines(group: &GoroutineGroup, width: usize) -> Vec<(String, bool)> {
        let mut lines: Vec<(String, bool)> = Vec::new();
        let plain = false;
        let mut facts = vec![format!(
            "{} goroutine{}",
            group.count,
            if group.count == 1 { "" } else { "s" }
        )];
        if let Some(state) = &group.state {
            facts.push(format!("state {}", visible(state)));
        }
        match group.wait {
            Some(wait) => facts.push(format!("waited {}", wait_text(wait))),
            // Leaked goroutines of a dump: the runtime prints no time.
            None if group.leaked > 0 && group.state.is_some() => {
                facts.push("wait not in the dump (leaked)".to_owned());
            }
            None => {}
        }
        lines.push((facts.join(" · "), plain));
        if group.leaked > 0 {
            lines.push((
                format!("{} proven leaked by the runtime", group.leaked),
                true,
            ));
        }
        for label in &group.labels {
            lines.push((
                format!(
                    "label {}={} ({})",
                    visible(&label.key),
                    visible(&label.value),
                    label.goroutines
                ),
                plain,
            ));
        }
        if let Some(s) = group.signature {
            lines.push((format!("signature {}: {}", s.id, s.name), true));
            let indent = "    ";
            let room = width.saturating_sub(indent.len()).max(20);
            for text in [s.explanation, &format!("fix: {}", s.fix)] {
                for line in wrap(text, room) {
                    lines.push((format!("{indent}{line}"), plain));
                }
            }
        }
        lines.push((String::new(), plain));
        lines.push(("stack, leaf first:".to_owned(), plain));
        for frame in &group.frames {
            let name = if frame.function.is_empty() {
                "<unknown>".to_owned()
            } else {
                visible(&frame.function).into_owned()
            };
            lines.push((format!("  {name}"), plain));
            if !frame.file.is_empty() {
                let at = if frame.line > 0 {
                    format!("{}:{}", visible(&frame.file), frame.line)
                } else {
                    visible(&frame.file).into_owned()
                };
                lines.push((format!("      {at}"), plain));
            }
        }
        if let Some(creator) = &group.created_by {
            lines.push((format!("created by {}", visible(creator)), plain));
        }
        lines
    }
}

/// `1m`, `3-47m`, or `<1m`.
fn wait_text((lo, hi): (i64, i64)) -> String {
    match (lo, hi) {
        (0, 0) => "<1m".to_owned(),
        (lo, hi) if lo == hi => format!("{lo}m"),
        (lo, hi) => format!("{lo}-{hi}m"),
    }
}

impl Component for GoroutinesView {
    fn update(&mut self, action: &Action, ctx: &Ctx<'_>) -> Effect {
        let n = self.groups.as_ref().map_or(0, |g| g.groups.len());
        let page = Self::page(ctx.body);
        if let Some((group, scroll)) = self.open {
            // The page is drawn under one title line, beside the histogram.
            let (area, _) = Self::split(ctx.body);
            let page = usize::from(area.height.saturating_sub(1)).max(1);
            let lines = self
                .group()
                .map_or(0, |g| Self::page_lines(g, usize::from(area.width)).len());
            let last = lines.saturating_sub(page);
            let scroll = match action {
                Action::Back => {
                    self.open = None;
                    return Effect::None;
                }
                Action::Up | Action::ScrollUp => scroll.saturating_sub(1),
                Action::Down | Action::ScrollDown => scroll + 1,
                Action::PageUp => scroll.saturating_sub(page),
                Action::PageDown => scroll + page,
                Action::First => 0,
                Action::Last => last,
                _ => return Effect::None,
            };
            self.open = Some((group, scroll.min(last)));
            return Effect::None;
        }
        if self.list.moved(action, n, page) {
            return Effect::None;
        }
        match *action {
            Action::Enter if n > 0 => {
                self.open = Some((self.list.selected, 0));
                Effect::None
            }
            Action::CycleSort => self.resort(),
            Action::Back => Effect::Leave(None),
            Action::Click(_, y) => {
                let top = ctx.body.y + HEAD;
                if y >= top && y < ctx.body.y + ctx.body.height {
                    self.list
                        .select(self.list.offset + usize::from(y - top), n, page);
                }
                Effect::None
            }
            _ => Effect::None,
        }
    }

    fn selection(&self, ctx: &Ctx<'_>) -> Option<Selection> {
        let group = self.group()?;
        // Filters, peek and source act on the function that names the
        // stack; `#` searches the row's name.
        let function = group.site.name().to_owned();
        Some(Selection {
            node: node_of_function(ctx.model, &function),
            label: group.name.clone(),
            function,
        })
    }

    fn on_match(&self, regex: &Regex, _ctx: &Ctx<'_>) -> bool {
        self.matches(regex, self.list.selected)
    }

    fn find(&mut self, regex: &Regex, forward: bool, ctx: &Ctx<'_>) -> bool {
        let n = self.groups.as_ref().map_or(0, |g| g.groups.len());
        let page = Self::page(ctx.body);
        let mut list = self.list;
        let found = list.find(n, page, forward, |i| self.matches(regex, i));
        self.list = list;
        found
    }

    fn render(&self, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
        let Some(goroutines) = self.goroutines() else {
            return;
        };
        let (table, panel) = Self::split(area);
        if let Some(panel) = panel {
            histogram(self, goroutines, ctx, panel, buf);
        }
        match self
            .open
            .and_then(|(i, scroll)| goroutines.groups.get(i).map(|g| (g, scroll)))
        {
            Some((group, scroll)) => open_page(group, scroll, ctx, table, buf),
            None => rows(self, goroutines, ctx, table, buf),
        }
    }
}

const COUNT: usize = 7;
const PROVEN: usize = 7;
const STATE: usize = 14;
const WAIT: usize = 7;

fn rows(view: &GoroutinesView, g: &Goroutines, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let theme = ctx.theme;
    let width = usize::from(area.width);
    if area.height == 0 {
        return;
    }
    let proven = if g.leak_profile {
        format!(" · all {} proven leaked by the runtime", g.leaked)
    } else if g.leaked > 0 {
        format!(" · {} proven leaked by the runtime", g.leaked)
    } else {
        String::new()
    };
    let outside = if g.grouped == g.total {
        String::new()
    } else {
        format!(" ({} without a stack or filtered out)", g.total - g.grouped)
    };
    let summary = format!(
        "{} goroutines in {} groups{outside}{proven} · by {} (s) · Enter: stack",
        g.total,
        g.groups.len(),
        g.sort.as_str()
    );
    buf.set_stringn(area.x, area.y, summary, width, theme.header());
    if area.height < 2 {
        return;
    }
    // A proto profile has no states or waits: no columns for them.
    let dump = |state: &str, wait: &str| {
        if g.states {
            format!(" {:STATE$} {}", truncate(state, STATE), right(wait, WAIT))
        } else {
            String::new()
        }
    };
    let titles = format!(
        "{}{}{}  stack",
        right("count", COUNT),
        right("proven", PROVEN + 1),
        dump("state", "wait"),
    );
    buf.set_stringn(area.x, area.y + 1, titles, width, theme.header());
    if g.groups.is_empty() {
        let note = if ctx.chips.is_empty() {
            "no goroutines in this profile"
        } else {
            "no goroutines pass the filters — x removes the last filter, C clears them"
        };
        if area.height > 3 {
            buf.set_stringn(area.x + 2, area.y + 3, note, width, theme.dim());
        }
        return;
    }
    let page = usize::from(area.height - HEAD);
    let start = view.list.offset.min(g.groups.len());
    let end = (start + page).min(g.groups.len());
    for (i, group) in g.groups[start..end].iter().enumerate() {
        let index = start + i;
        let y = area.y + HEAD + i as u16;
        let selected = index == view.list.selected;
        let matched = ctx.search.is_some_and(|s| s.regex.is_match(&group.name));
        let base = if selected {
            theme.selected()
        } else {
            Style::default()
        };
        let state = group.state.as_deref().map_or("-".into(), visible);
        let proven = if group.leaked > 0 {
            group.leaked.to_string()
        } else {
            "-".to_owned()
        };
        let numbers = format!(
            "{}{}{}  ",
            right(&group.count.to_string(), COUNT),
            right(&proven, PROVEN + 1),
            dump(&state, &group.wait.map_or("-".to_owned(), wait_text)),
        );
        let name = visible(&group.name).into_owned();
        let mut spans = vec![Span::raw(numbers.clone())];
        let name_style = if matched && !selected {
            theme.matched()
        } else {
            Style::default()
        };
        spans.push(Span::styled(name, name_style));
        if let Some(s) = group.signature {
            spans.push(Span::styled(format!("  <{}>", s.id), theme.error()));
        }
        let labels = group.labels_line();
        if !labels.is_empty() {
            spans.push(Span::styled(format!("  {}", visible(&labels)), theme.dim()));
        }
        buf.set_stringn(area.x, y, " ".repeat(width), width, base);
        buf.set_line(area.x, y, &Line::from(spans), area.width);
        if selected {
            buf.set_style(Rect::new(area.x, y, area.width, 1), theme.selected());
        } else if group.leaked > 0 {
            let x = area.x + COUNT as u16;
            let w = (PROVEN + 1) as u16;
            if x + w <= area.x + area.width {
                buf.set_style(Rect::new(x, y, w, 1), theme.error());
            }
        }
    }
}

/// The open group's page, scrolled to `scroll`.
fn open_page(group: &GoroutineGroup, scroll: usize, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let theme = ctx.theme;
    let width = usize::from(area.width);
    if area.height == 0 {
        return;
    }
    let title = format!("{} — Esc back · j/k scroll", visible(&group.name));
    buf.set_stringn(
        area.x,
        area.y,
        truncate(&title, width),
        width,
        theme.header(),
    );
    let lines = GoroutinesView::page_lines(group, width);
    let shown = lines.iter().skip(scroll).map(|(text, warning)| {
        let style = if *warning {
            theme.error()
        } else {
            Style::default()
        };
        (text.as_str(), style)
    });
    draw_lines(area, 1, shown, buf);
}

/// The wait-time histogram of all goroutines shown; the buckets the
/// selected group's waits fall in are marked `>`.
fn histogram(view: &GoroutinesView, g: &Goroutines, ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let theme = ctx.theme;
    let width = usize::from(area.width);
    buf.set_stringn(area.x, area.y, "wait (> selected)", width, theme.header());
    let Some(counts) = g.histogram else {
        for (i, text) in ["no wait times: only a", "debug=2 dump has them"]
            .iter()
            .enumerate()
        {
            if (i as u16) + 1 < area.height {
                buf.set_stringn(area.x, area.y + 1 + i as u16, text, width, theme.dim());
            }
        }
        return;
    };
    let selected = view
        .group()
        .and_then(|group| group.wait)
        .map(|(lo, hi)| (wait_bucket(lo), wait_bucket(hi)));
    let most = counts.iter().copied().max().unwrap_or(0).max(1);
    // `> ` label(6) bar count(6)
    let bar_room = width.saturating_sub(2 + 6 + 1 + 6);
    for (i, (&(_, label), &count)) in WAIT_BUCKETS.iter().zip(counts.iter()).enumerate() {
        let y = area.y + 1 + i as u16;
        if y >= area.y + area.height {
            return;
        }
        let mark = if selected.is_some_and(|(lo, hi)| (lo..=hi).contains(&i)) {
            "> "
        } else {
            "  "
        };
        let bar = if count > 0 {
            ((count as f64 / most as f64) * bar_room as f64).ceil() as usize
        } else {
            0
        };
        let text = format!(
            "{mark}{label:6} {:bar_room$}{}",
            "█".repeat(bar.min(bar_room)),
            right(&count.to_string(), 6)
        );
        buf.set_stringn(area.x, y, text, width, Style::default());
    }
    let y = area.y + 1 + WAIT_BUCKETS.len() as u16;
    if g.untimed > 0 && y < area.y + area.height {
        let text = format!("  no time: {} leaked", g.untimed);
        buf.set_stringn(area.x, y, text, width, theme.dim());
    }
}
