//! The help overlay: every binding from the key table, by section, in as
//! many columns as the screen allows, with a reminder of what flat and cum
//! mean; then the glossary (`crate::glossary::TERMS`), which F1 opens
//! directly. Both parts page on a screen too small for them.

use std::cell::Cell;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::{close_overlay, truncate};
use crate::glossary::{INDENT, TERMS, wrap};
use crate::tui::action::Action;
use crate::tui::keymap::{BINDINGS, Section};
use crate::tui::theme::Theme;

const LABEL: usize = 10;
const COLUMN: usize = 39;
/// The glossary's widest text, for lines a reader can follow.
const GLOSSARY_WIDTH: u16 = 90;

/// Which part of the help is shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Part {
    #[default]
    Keys,
    Glossary,
}

/// The help overlay, over whichever view is shown. `?` (or PgDn) turns to
/// the next page, from the keys on to the glossary, and closes after the
/// last; F1 goes to the glossary; PgUp turns back; any other key closes.
#[derive(Debug, Clone, Default)]
pub struct HelpView {
    pub open: bool,
    part: Part,
    /// The page shown within the part, from 0.
    page: usize,
    /// How many pages the part needed when last drawn (the layout knows,
    /// not the keys); `usize::MAX` until the part is drawn.
    pages: Cell<usize>,
}

impl HelpView {
    /// Opens the overlay: at the glossary for [`Action::Glossary`], else at
    /// the keys.
    pub fn open_at(&mut self, action: &Action) {
        self.open = true;
        let part = if *action == Action::Glossary {
            Part::Glossary
        } else {
            Part::Keys
        };
        self.show(part);
    }

    fn show(&mut self, part: Part) {
        self.part = part;
        self.page = 0;
        self.pages.set(usize::MAX);
    }

    /// While open, turns pages or closes (every key but quit and resize
    /// does one or the other); `true` when the action was for the overlay.
    pub fn update(&mut self, action: &Action) -> bool {
        if !self.open {
            return false;
        }
        let last = self.page.saturating_add(1) >= self.pages.get();
        match action {
            Action::Glossary if self.part == Part::Keys => self.show(Part::Glossary),
            Action::Help | Action::Glossary | Action::PageDown if !last => self.page += 1,
            Action::Help | Action::PageDown if self.part == Part::Keys => self.show(Part::Glossary),
            Action::PageUp => self.page = self.page.saturating_sub(1),
            _ => return close_overlay(&mut self.open, action),
        }
        true
    }

    /// Draws the overlay when open; the watch keys only in watch mode,
    /// where they act.
    pub fn render(&self, theme: &Theme, watching: bool, area: Rect, buf: &mut Buffer) {
        if !self.open {
            return;
        }
        let pages = match self.part {
            Part::Keys => render_keys(theme, watching, self.page, area, buf),
            Part::Glossary => render_glossary(theme, self.page, area, buf),
        };
        self.pages.set(pages);
    }
}

/// Draws page `page` of the keys; returns how many pages there are.
fn render_keys(theme: &Theme, watching: bool, page: usize, area: Rect, buf: &mut Buffer) -> usize {
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
        for b in BINDINGS
            .iter()
            .filter(|b| b.section == section && !b.help.is_empty())
        {
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
    let inner = Block::bordered().inner(popup(area, width, height));
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
    let place = if pages > 1 {
        format!(" {}/{}", page + 1, pages)
    } else {
        String::new()
    };
    let next = if page + 1 < pages {
        "next page"
    } else {
        "glossary"
    };
    let title = format!(" pprof-tui keys{place} — ? {next}, any other key closes ");
    frame(theme, &title, popup(area, width, height), buf);
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

/// Draws page `page` of the glossary, each term with its meaning wrapped
/// under it; a term starts a new page rather than be cut, unless it is
/// longer than a page. Returns how many pages there are.
fn render_glossary(theme: &Theme, page: usize, area: Rect, buf: &mut Buffer) -> usize {
    let width = area.width.min(GLOSSARY_WIDTH);
    // Inside the border, after the indent, one column kept free on the right.
    let text_width = usize::from(width.saturating_sub(3))
        .saturating_sub(INDENT.len())
        .max(10);
    let blocks: Vec<Vec<Line<'_>>> = TERMS
        .iter()
        .map(|(term, meaning)| {
            let mut block = vec![Line::from(Span::styled(*term, theme.key()))];
            block.extend(
                wrap(meaning, text_width)
                    .into_iter()
                    .map(|l| Line::raw(format!("{INDENT}{l}"))),
            );
            block
        })
        .collect();
    let all: usize = blocks.iter().map(|b| b.len() + 1).sum::<usize>() - 1;
    let height = (all + 2).min(usize::from(area.height)) as u16;
    let outer = popup(area, width, height);
    let inner = Block::bordered().inner(outer);
    let rows = usize::from(inner.height).max(1);
    // Pages of lines, a blank line between terms on the same page.
    let mut pages: Vec<Vec<Line<'_>>> = Vec::new();
    let mut current: Vec<Line<'_>> = Vec::new();
    for block in blocks {
        if !current.is_empty() {
            if current.len() + 1 + block.len() > rows {
                pages.push(std::mem::take(&mut current));
            } else {
                current.push(Line::raw(""));
            }
        }
        for line in block {
            if current.len() == rows {
                pages.push(std::mem::take(&mut current));
            }
            current.push(line);
        }
    }
    pages.push(current);
    let count = pages.len();
    let page = page.min(count - 1);
    let title = if count > 1 && page + 1 < count {
        format!(
            " glossary {}/{count} — ? next page, PgUp back, any other key closes ",
            page + 1
        )
    } else if count > 1 {
        format!(" glossary {count}/{count} — PgUp back, any other key closes ")
    } else {
        " glossary — any key closes ".to_owned()
    };
    frame(theme, &title, outer, buf);
    for (row, line) in pages[page].iter().enumerate() {
        buf.set_line(inner.x, inner.y + row as u16, line, inner.width);
    }
    count
}

/// The popup of `width`×`height` centred in `area`.
fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let x = area.x + (area.width - width) / 2;
    let y = area.y + (area.height - height) / 2;
    Rect::new(x, y, width, height)
}

/// Clears the popup and draws its border and title.
fn frame(theme: &Theme, title: &str, popup: Rect, buf: &mut Buffer) {
    Clear.render(popup, buf);
    Block::bordered()
        .title(title.to_owned())
        .border_style(theme.dim())
        .render(popup, buf);
}
