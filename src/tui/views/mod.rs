//! The screen around the views: a header (view tabs, profile, sample
//! type, total), the shown view's body (drawn by its component), a status
//! bar (settings, filter chips, search coverage or the prompt) and a
//! footer with the main keys. Nothing here changes state.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::action::ViewKind;
use super::app::App;
use super::components::{pct, truncate_left};
use super::keymap::FOOTER;
use super::watch::WatchState;
use crate::report::units::label;
use crate::safe_text::visible;

/// Where each part of the screen goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub body: Rect,
    pub status: Rect,
    pub footer: Rect,
}

/// Splits a screen of `size` (width, height). Views and the mouse handling
/// use the same split, so a click lands where the row was drawn.
pub fn areas((width, height): (u16, u16)) -> Areas {
    let row = |y: u16| {
        Rect::new(
            0,
            y.min(height.saturating_sub(1)),
            width,
            u16::from(height > 0),
        )
    };
    Areas {
        header: row(0),
        body: Rect::new(0, 1.min(height), width, height.saturating_sub(3)),
        status: row(height.saturating_sub(2)),
        footer: row(height.saturating_sub(1)),
    }
}

/// Draws the whole screen.
pub fn render(app: &App, frame: &mut Frame<'_>) {
    let area = frame.area();
    let areas = areas((area.width, area.height));
    let buf = frame.buffer_mut();
    if area.height < 4 || area.width < 20 {
        buf.set_stringn(
            0,
            0,
            "terminal too small",
            usize::from(area.width),
            Style::default(),
        );
        return;
    }
    header(app, areas.header, buf);
    if let Some(view) = app.shown() {
        view.render(&app.ctx(), areas.body, buf);
    }
    status(app, areas.status, buf);
    footer(app, areas.footer, buf);
    app.memstats().render(app.profile(), app.theme(), area, buf);
    app.help()
        .render(app.theme(), app.watch().is_some(), area, buf);
}

/// The header's parts on a screen `width` cells wide: each tab with its
/// x and text, and the profile's description on the right. When they do
/// not fit, the sample type (also in the status bar) goes first, then the
/// file name is cut from its start (to a dozen characters); only then do
/// the inactive tabs shrink to their numbers.
pub fn header_layout(app: &App, width: u16) -> (Vec<(ViewKind, u16, String)>, String) {
    let model = app.model();
    // The Trend view follows its own sample type: its newest snapshot's total.
    let (sample_type, total) = match (app.trend(), app.view()) {
        (Some(t), ViewKind::Trend) => {
            let trend = &t.trend;
            let newest = trend.totals.last().copied().unwrap_or(0);
            let total = label(newest, &trend.sample_type.unit);
            (trend.sample_type.name.as_str(), total)
        }
        // In a diff: the new profile's total, and the base's that
        // percentages are of (pprof's rule).
        _ if app.is_diff() => (
            model.sample_type.name.as_str(),
            format!(
                "{} (base {})",
                model.format(model.new_total),
                model.format(model.total)
            ),
        ),
        _ => (model.sample_type.name.as_str(), model.format(model.total)),
    };
    let title = visible(app.title());
    let sample_type = visible(sample_type);
    let views = app.views();
    let tabs = |compact: bool| -> Vec<(ViewKind, u16, String)> {
        let mut x = 0u16;
        views
            .iter()
            .map(|&view| {
                let text = if compact && view != app.view() {
                    format!(" {} ", view.number())
                } else {
                    format!(" {} {} ", view.number(), view.title())
                };
                let at = x;
                x += text.chars().count() as u16;
                (view, at, text)
            })
            .collect()
    };
    let used = |tabs: &[(ViewKind, u16, String)]| -> usize {
        tabs.iter()
            .map(|(_, _, t)| t.chars().count())
            .sum::<usize>()
            + 2
    };
    let width = usize::from(width);
    let full = format!("{title}  {sample_type}  total {total} ");
    let short = format!("{title}  total {total} ");
    let rest = format!("  total {total} ");
    // The description in `room` cells: whole, without the sample type,
    // then with the file name cut (to no fewer than `keep` characters).
    let fit = |room: usize, keep: usize| -> Option<String> {
        if full.chars().count() <= room {
            return Some(full.clone());
        }
        if short.chars().count() <= room {
            return Some(short.clone());
        }
        let left = room.checked_sub(rest.chars().count())?;
        (left >= keep).then(|| format!("{}{rest}", truncate_left(&title, left)))
    };
    let named = tabs(false);
    if let Some(info) = fit(width.saturating_sub(used(&named)), 12) {
        return (named, info);
    }
    let compact = tabs(true);
    let room = width.saturating_sub(used(&compact));
    let info = fit(room, 8).unwrap_or_else(|| truncate_left(&short, room));
    (compact, info)
}

fn header(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    let (tabs, info) = header_layout(app, area.width);
    for (view, x, text) in &tabs {
        let room = area.width.saturating_sub(*x);
        buf.set_stringn(
            area.x + x,
            area.y,
            text,
            usize::from(room),
            theme.tab(*view == app.view()),
        );
    }
    let x = area.x + area.width.saturating_sub(info.chars().count() as u16);
    buf.set_stringn(x, area.y, info, usize::from(area.width), theme.header());
}

fn status(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    if let Some(prompt) = app.prompt() {
        let line = Line::from(vec![
            Span::styled("search: /", theme.key()),
            Span::raw(visible(&prompt.text).into_owned()),
            Span::styled("█", theme.dim()),
            Span::styled("   Enter apply · Esc cancel · empty clears", theme.dim()),
        ]);
        buf.set_line(area.x, area.y, &line, area.width);
        return;
    }
    let model = app.model();
    let settings = match (app.trend(), app.view()) {
        (Some(trend), ViewKind::Trend) => format!(
            " {} · {} · by {} · {} snapshots, oldest first ",
            visible(&trend.trend.sample_type.name),
            trend.settings.granularity,
            match trend.settings.by {
                crate::analysis::SortBy::Flat => "flat",
                crate::analysis::SortBy::Cum => "cum",
            },
            trend.snapshot_count()
        ),
        (_, ViewKind::Goroutines) => format!(
            " {} · groups of one stack and state · by {} ",
            visible(&model.sample_type.name),
            app.goroutines().map_or("count", |g| g.sort().as_str())
        ),
        _ => format!(
            " {} · {} · sort {}{}{} ",
            visible(&model.sample_type.name),
            model.granularity,
            model.sort.as_str(),
            if app.is_diff() {
                " · Δ% of each site's own base"
            } else {
                ""
            },
            // A goroutineleak profile holds only goroutines the runtime
            // proved leaked: every row is a proven leak.
            if crate::analysis::leaks::is_goroutineleak_profile(app.profile()) {
                " · every goroutine proven leaked by the runtime"
            } else {
                ""
            }
        ),
    };
    let mut spans = vec![Span::raw(settings)];
    if let Some(watch) = app.watch() {
        // A failed poll and a message are news: they go first, alone, so
        // a narrow terminal cuts the settings rather than them.
        let (text, failed) = watch_status(watch);
        let style = if failed { theme.error() } else { theme.chip() };
        if failed || app.message().is_some() {
            spans = vec![Span::styled(text, style)];
            if let Some((text, error)) = app.message() {
                let style = if *error {
                    theme.error()
                } else {
                    theme.header()
                };
                spans.push(Span::raw(" "));
                spans.push(Span::styled(visible(text).into_owned(), style));
            }
            buf.set_line(area.x, area.y, &Line::from(spans), area.width);
            return;
        }
        spans.push(Span::styled(text, style));
    }
    for chip in app.chips() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!(" {}={} ", chip.kind.as_str(), visible(&chip.pattern)),
            theme.chip(),
        ));
    }
    if !app.chips().is_empty() {
        spans.push(Span::styled(" x/C clear", theme.dim()));
    }
    if let Some((what, since)) = app.busy() {
        let spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
        let elapsed = since.elapsed();
        let tick = (elapsed.as_millis() / 100) as usize % spinner.len();
        spans.push(Span::styled(
            format!("  {} {what}… {:.1}s", spinner[tick], elapsed.as_secs_f64()),
            theme.header(),
        ));
    }
    if let Some((text, error)) = app.message() {
        spans.push(Span::raw("  "));
        let style = if *error {
            theme.error()
        } else {
            theme.header()
        };
        spans.push(Span::styled(visible(text).into_owned(), style));
    } else if let Some(search) = app.search() {
        let c = &search.coverage;
        let mut text = match (app.trend(), app.view()) {
            // The Trend view lists sites: how many match.
            (Some(trend), ViewKind::Trend) => {
                let rows = &trend.trend.rows;
                let hits = rows
                    .iter()
                    .filter(|r| search.regex.is_match(&r.name))
                    .count();
                format!("{hits} of {} sites", rows.len())
            }
            // Of the profile's total, as Top's percentages: focusing
            // shrinks the call tree's root, not what percentages are of.
            _ => format!(
                "{} samples, {} of total",
                c.samples,
                app.model().percent(c.weight)
            ),
        };
        if !app.flame().zoom.is_empty() && app.view() != ViewKind::Trend {
            let zoom = app.model().tree.call(app.zoom()).weight;
            text.push_str(&format!(", {} of zoom", pct(c.zoomed, zoom)));
        }
        // The pattern first: a narrow status bar cuts the numbers, not it.
        let text = format!("/{}/ matches {text}", visible(search.regex.as_str()));
        spans.push(Span::raw("  "));
        spans.push(Span::styled(text, theme.matched()));
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}

/// The watch's part of the status bar: the poll count, the time of the
/// newest snapshot and of the next poll (UTC), or that polling is paused;
/// after a failed poll, the failure on one line instead (it says when the
/// next try comes). True when it is a failure.
pub fn watch_status(watch: &WatchState) -> (String, bool) {
    if let Some(failure) = &watch.failure {
        // The URL is in the title: the error without it.
        let mut failure = failure.clone();
        let prefix = format!("reading profile '{}': ", watch.url);
        if let Some(rest) = failure.error.strip_prefix(&prefix) {
            failure.error = rest.to_owned();
        }
        return (format!(" {} ", visible(&failure.to_string())), true);
    }
    let clock = |t: jiff::Timestamp| t.strftime("%H:%M:%S UTC").to_string();
    let mut text = format!(" poll {}", watch.polls);
    if let Some(newest) = watch.newest() {
        text.push_str(&format!(" · last {}", clock(newest.taken_at)));
    }
    if watch.skipped > 0 {
        // Polls left out while a snapshot was being taken in.
        text.push_str(&format!(" · {} skipped", watch.skipped));
    }
    if watch.paused() {
        text.push_str(" · paused");
    } else if let Some(next) = watch.next_poll() {
        text.push_str(&format!(" · next {}", clock(next)));
    }
    text.push(' ');
    (text, false)
}

fn footer(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    let mut spans = Vec::new();
    let mut used = 0;
    for &(key, what) in FOOTER {
        // Enter does what the shown view makes of it.
        let what = match (key, app.view()) {
            ("Enter", ViewKind::Top) => "flame",
            ("Enter", ViewKind::Peek) => "follow",
            ("Enter", ViewKind::Trend) => "top",
            ("Enter", ViewKind::Goroutines) => "stack",
            ("Enter", ViewKind::Source) => continue,
            _ => what,
        };
        let width = key.chars().count() + what.chars().count() + 3;
        if used + width > usize::from(area.width) {
            break;
        }
        used += width;
        spans.push(Span::styled(format!(" {key}"), theme.key()));
        spans.push(Span::styled(format!(" {what} "), theme.dim()));
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}
