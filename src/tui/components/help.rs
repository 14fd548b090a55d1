//! The help overlay: every binding from the key table, by section, in as
//! many columns as the screen allows, with a reminder of what flat and cum mean.

use std::cell::Cell;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::{close_overlay, truncate};
use crate::tui::action::Action;
use crate::tui::keymap::{BINDINGS, Section};
use crate::tui::theme::Theme;

const LABEL: usize = 10;
const COLUMN: usize = 39;

/// The help overlay, over whichever view is shown. On a screen too small
/// for every key it pages: `?` shows the next page, any other key closes.
#[derive(Debug, Clone, Default)]
pub struct HelpView {
    pub open: bool,
    /// The page shown, from 0.
    page: usize,
    /// How many pages the last drawing needed (the layout knows, not the keys).
    pages: Cell<usize>,
}

impl HelpView {
    /// While open, `?` turns to the next page when there is one; every
    /// other key but quit and resize closes it (and `?` on the last page);
    /// `true` when the action was for the overlay.
    pub fn update(&mut self, action: &Action) -> bool {
        if self.open && matches!(action, Action::Help) && self.page + 1 < self.pages.get() {
            self.page += 1;
            return true;
        }
        let closed = close_overlay(&mut self.open, action);
        if closed {
            self.page = 0;
        }
        closed
    }

    /// Draws the overlay when open; the watch keys only in watch mode,
    /// where they act.
    pub fn render(&self, theme: &Theme, watching: bool, area: Rect, buf: &mut Buffer) {
        if self.open {
            let pages = render(theme, watching, self.page, area, buf);
            self.pages.set(pages);
        }
    }
}

/// Draws page `page` of the keys; returns how many pages there are.
fn render(theme: &Theme, watching: bool, page: usize, area: Rect, buf: &mut Buffer) -> usize {
    let mut lines: Vec<Line<'_>> = Vec::new();
    let sections = [
        Section::General,
        Section::Move,
        Section::Flame,
        Section::Analysis,
        Section::Watch,
    ];
    for section in sections
        .into_iter()
        .filter(|&s| watching || s != Section::Watch)
    {
        lines.push(Line::from(Span::styled(section.title(), theme.header())));
        for b in BINDINGS.iter().filter(|b| b.section == section) {
            lines.push(Line::from(vec![
                Span::styled(format!("{:<LABEL$}", b.label), theme.key()),
                Span::raw(truncate(b.help, COLUMN - LABEL - 1)),
            ]));
        }
    }
    let columns = (usize::from(area.width.saturating_sub(2)) / COLUMN).clamp(1, 3);
    let per_column = lines.len().div_ceil(columns);
    let width = (columns * COLUMN + 2).min(usize::from(area.width)) as u16;
    let height = (per_column + 4).min(usize::from(area.height)) as u16;
    let x = area.x + (area.width - width) / 2;
    let y = area.y + (area.height - height) / 2;
    let popup = Rect::new(x, y, width, height);
    let inner = Block::bordered().inner(popup);
    // The keys come first: on a screen too short for both (80×24 with every
    // key), the reminder below gives its row to them; shorter still, they
    // take pages.
    let note_fits = per_column < usize::from(inner.height);
    let rows = usize::from(if note_fits {
        inner.height - 1
    } else {
        inner.height
    });
    let per_column = per_column.min(rows).max(1);
    let per_page = per_column * columns;
    let pages = lines.len().div_ceil(per_page).max(1);
    let page = page.min(pages - 1);
    let title = if pages > 1 {
        format!(
            " pprof-tui keys {}/{} — ? next page, any other key closes ",
            page + 1,
            pages
        )
    } else {
        " pprof-tui keys — any key closes ".to_owned()
    };
    Clear.render(popup, buf);
    let block = Block::bordered().title(title).border_style(theme.dim());
    block.render(popup, buf);
    for (i, line) in lines
        .iter()
        .skip(page * per_page)
        .take(per_page)
        .enumerate()
    {
        let col = (i / per_column) as u16;
        let row = (i % per_column) as u16;
        buf.set_line(
            inner.x + col * COLUMN as u16,
            inner.y + row,
            line,
            COLUMN as u16 - 1,
        );
    }
    let note = "flat: in the function itself · cum: with everything it calls";
    if note_fits && inner.height > 0 {
        buf.set_stringn(
            inner.x,
            inner.y + inner.height - 1,
            note,
            usize::from(inner.width),
            theme.dim(),
        );
    }
    pages
}
