//! The runtime panel (`m`): what `runtime.ReadMemStats` said when a
//! `debug=1` heap profile was written, the fields worth a first look first,
//! and how much of `HeapInuse` the profile can name. Over several snapshots
//! it lists, per snapshot, what grows at the runtime level (HeapInuse, heap
//! objects, goroutines) beside what the profile attributes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::{close_overlay, truncate};
use crate::analysis::runtime::{KEY_FIELDS, RuntimePoint, heap_gap};
use crate::profile::{MemStats, Profile};
use crate::report::text::{heap_gap_sentence, memstat_value};
use crate::report::units::{label, signed_label};
use crate::safe_text::visible;
use crate::tui::action::Action;
use crate::tui::theme::Theme;

/// The panel, over whichever view is shown.
#[derive(Debug, Clone, Default)]
pub struct MemStatsView {
    pub open: bool,
    /// Per snapshot, oldest first (Trend mode): its name and runtime numbers.
    pub series: Vec<(String, RuntimePoint)>,
}

impl MemStatsView {
    /// While open, every key but quit and resize closes it; `true` when
    /// the action was for the panel.
    pub fn update(&mut self, action: &Action) -> bool {
        close_overlay(&mut self.open, action)
    }

    pub fn render(&self, profile: &Profile, theme: &Theme, area: Rect, buf: &mut Buffer) {
        if !self.open {
            return;
        }
        let width = area.width.min(96);
        let lines: Vec<(String, Kind)> = panel_lines(profile, &self.series)
            .into_iter()
            .flat_map(|(text, kind)| {
                wrap(&text, usize::from(width.saturating_sub(2)))
                    .into_iter()
                    .map(move |t| (t, kind))
            })
            .collect();
        let height = (lines.len() as u16 + 2).min(area.height);
        let popup = Rect::new(
            area.x + (area.width - width) / 2,
            area.y + (area.height - height) / 2,
            width,
            height,
        );
        Clear.render(popup, buf);
        let block = Block::bordered()
            .title(" Runtime MemStats — any key closes ")
            .border_style(theme.dim());
        let inner = block.inner(popup);
        block.render(popup, buf);
        for (i, (text, kind)) in lines.iter().enumerate().take(usize::from(inner.height)) {
            let style = match kind {
                Kind::Heading => theme.header(),
                Kind::Note => theme.dim(),
                Kind::Plain => ratatui::style::Style::default(),
            };
            let text = truncate(text, usize::from(inner.width));
            buf.set_line(
                inner.x,
                inner.y + i as u16,
                &Line::from(Span::styled(text, style)),
                inner.width,
            );
        }
    }
}

/// `text` cut at spaces into lines of at most `width` characters (a word
/// longer than that is cut when drawn).
fn wrap(text: &str, width: usize) -> Vec<String> {
    if text.chars().count() <= width || width == 0 {
        return vec![text.to_owned()];
    }
    let indent: String = text.chars().take_while(|&c| c == ' ').collect();
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if line.is_empty() {
            line.push_str(&indent);
        } else {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// How a panel line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Heading,
    Plain,
    Note,
}

/// The panel's text: the current profile's MemStats and the gap, then
/// (over several snapshots) the runtime series.
pub fn panel_lines(profile: &Profile, series: &[(String, RuntimePoint)]) -> Vec<(String, Kind)> {
    let mut out = Vec::new();
    match profile.memstats.as_deref() {
        Some(stats) => current(profile, stats, series.len() > 1, &mut out),
        None => {
            out.push((
                "This profile carries no runtime MemStats.".to_owned(),
                Kind::Plain,
            ));
            out.push((
                "A proto profile has none; /debug/pprof/heap?debug=1 serves them with the heap profile."
                    .to_owned(),
                Kind::Note,
            ));
        }
    }
    if series.len() > 1 {
        out.push((String::new(), Kind::Plain));
        snapshots(series, &mut out);
    }
    out
}

fn current(profile: &Profile, stats: &MemStats, newest: bool, out: &mut Vec<(String, Kind)>) {
    let which = if newest {
        "the newest snapshot"
    } else {
        "the profile"
    };
    out.push((
        format!("When {which} was written (runtime.ReadMemStats)"),
        Kind::Heading,
    ));
    for name in KEY_FIELDS {
        if let Some(v) = stats.value(name) {
            out.push((
                format!("  {name:<16}{:>12}", memstat_value(name, v)),
                Kind::Plain,
            ));
        }
    }
    if let Some(pause) = stats.last_pause_ns() {
        let pause = label(i64::try_from(pause).unwrap_or(i64::MAX), "nanoseconds");
        out.push((format!("  {:<16}{pause:>12}", "last GC pause"), Kind::Plain));
    }
    if let Some(gap) = heap_gap(profile) {
        out.push((String::new(), Kind::Plain));
        let mut sentence = heap_gap_sentence(&gap);
        if let Some(first) = sentence.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        out.push((sentence, Kind::Plain));
        out.push((
            "(inuse_space: live objects as of the last GC; HeapInuse also holds the free slots of in-use spans)"
                .to_owned(),
            Kind::Note,
        ));
    }
}

fn snapshots(series: &[(String, RuntimePoint)], out: &mut Vec<(String, Kind)>) {
    out.push(("Per snapshot, oldest first".to_owned(), Kind::Heading));
    let goroutines = series.iter().any(|(_, p)| p.goroutines.is_some());
    let mut head = format!(
        "  {:<24}{:>11}{:>12}{:>13}{:>12}",
        "snapshot", "HeapInuse", "HeapObjects", "inuse_space", "unnamed"
    );
    if goroutines {
        head.push_str(&format!("{:>12}", "goroutines"));
    }
    out.push((head, Kind::Note));
    let bytes = |v: Option<i64>| v.map_or_else(|| "-".to_owned(), |v| label(v, "bytes"));
    let inuse = |p: &RuntimePoint| p.heap_inuse.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
    let unnamed = |p: &RuntimePoint| Some(inuse(p)? - p.profiled?);
    for (name, p) in series {
        let short = name.rsplit('/').next().unwrap_or(name);
        let mut line = format!(
            "  {:<24}{:>11}{:>12}{:>13}{:>12}",
            truncate(&visible(short), 23),
            bytes(inuse(p)),
            p.heap_objects
                .map_or_else(|| "-".to_owned(), |v| v.to_string()),
            bytes(p.profiled),
            bytes(unnamed(p)),
        );
        if goroutines {
            line.push_str(&format!(
                "{:>12}",
                p.goroutines
                    .map_or_else(|| "-".to_owned(), |v| v.to_string())
            ));
        }
        out.push((line, Kind::Plain));
    }
    let (Some((_, first)), Some((_, last))) = (series.first(), series.last()) else {
        return;
    };
    let growth = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (Some(a), Some(b)) => signed_label(b.saturating_sub(a), "bytes", "auto"),
        _ => "-".to_owned(),
    };
    let objects = match (first.heap_objects, last.heap_objects) {
        (Some(a), Some(b)) => format!("{:+}", i128::from(b) - i128::from(a)),
        _ => "-".to_owned(),
    };
    let mut line = format!(
        "  {:<24}{:>11}{:>12}{:>13}{:>12}",
        "growth",
        growth(inuse(first), inuse(last)),
        objects,
        growth(first.profiled, last.profiled),
        growth(unnamed(first), unnamed(last)),
    );
    if goroutines {
        let g = match (first.goroutines, last.goroutines) {
            (Some(a), Some(b)) => format!("{:+}", i128::from(b) - i128::from(a)),
            _ => "-".to_owned(),
        };
        line.push_str(&format!("{g:>12}"));
    }
    out.push((line, Kind::Heading));
    out.push((
        "unnamed: HeapInuse the profile does not attribute (fragmentation, untracked runtime memory)"
            .to_owned(),
        Kind::Note,
    ));
    if series.iter().any(|(_, p)| p.heap_inuse.is_none()) {
        out.push((
            "-: a proto snapshot carries no MemStats; its inuse_space is the profile's own total"
                .to_owned(),
            Kind::Note,
        ));
    }
}
