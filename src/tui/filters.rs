//! Filter chips: the active focus/ignore/hide/show/tag filters, shown in
//! the status bar and cleared from there, and the engine filters they
//! stand for. Views and the command line add chips; the app re-ranks.

use regex::Regex;

use crate::analysis::{Filters, TagFilter, compile_regex};

/// A kind of active filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChipKind {
    Focus,
    Ignore,
    Hide,
    Show,
    TagFocus,
    TagIgnore,
}

impl ChipKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChipKind::Focus => "focus",
            ChipKind::Ignore => "ignore",
            ChipKind::Hide => "hide",
            ChipKind::Show => "show",
            ChipKind::TagFocus => "tagfocus",
            ChipKind::TagIgnore => "tagignore",
        }
    }
}

/// One active filter, shown as a chip in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chip {
    pub kind: ChipKind,
    /// The regex (or tag filter) as given.
    pub pattern: String,
}

/// Adds a chip matching exactly `name` (a function's, or a file's); a new
/// focus replaces the old one.
pub fn add_chip(chips: &mut Vec<Chip>, kind: ChipKind, name: &str) {
    if kind == ChipKind::Focus {
        chips.retain(|c| c.kind != ChipKind::Focus);
    }
    chips.push(Chip {
        kind,
        pattern: format!("^{}$", regex::escape(name)),
    });
}

/// The chips that compiled `filters` stand for, one per filter set, as
/// they were written.
pub fn chips_of(filters: &Filters) -> Vec<Chip> {
    let regexes = [
        (ChipKind::Focus, &filters.focus),
        (ChipKind::Ignore, &filters.ignore),
        (ChipKind::Hide, &filters.hide),
        (ChipKind::Show, &filters.show),
    ];
    let tags = [
        (ChipKind::TagFocus, &filters.tag_focus),
        (ChipKind::TagIgnore, &filters.tag_ignore),
    ];
    let regexes = regexes
        .into_iter()
        .filter_map(|(kind, r)| Some((kind, r.as_ref()?.as_str())));
    let tags = tags
        .into_iter()
        .filter_map(|(kind, t)| Some((kind, t.as_ref()?.spec())));
    regexes
        .chain(tags)
        .map(|(kind, pattern)| Chip {
            kind,
            pattern: pattern.to_owned(),
        })
        .collect()
}

/// Builds engine filters from chips: the last focus wins; ignore, hide and
/// show patterns combine as alternatives.
pub fn filters_of(chips: &[Chip]) -> anyhow::Result<Filters> {
    let union = |kind: ChipKind| -> Option<String> {
        let parts: Vec<String> = chips
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| format!("(?:{})", c.pattern))
            .collect();
        (!parts.is_empty()).then(|| parts.join("|"))
    };
    let regex = |name: &'static str, kind: ChipKind| -> anyhow::Result<Option<Regex>> {
        let pattern = if kind == ChipKind::Focus {
            chips
                .iter()
                .rev()
                .find(|c| c.kind == kind)
                .map(|c| c.pattern.clone())
        } else {
            union(kind)
        };
        Ok(pattern.map(|p| compile_regex(name, &p)).transpose()?)
    };
    let tag = |name: &'static str, kind: ChipKind| -> anyhow::Result<Option<TagFilter>> {
        Ok(chips
            .iter()
            .rev()
            .find(|c| c.kind == kind)
            .map(|c| TagFilter::parse(name, &c.pattern))
            .transpose()?)
    };
    Ok(Filters {
        focus: regex("focus", ChipKind::Focus)?,
        ignore: regex("ignore", ChipKind::Ignore)?,
        hide: regex("hide", ChipKind::Hide)?,
        show: regex("show", ChipKind::Show)?,
        tag_focus: tag("tagfocus", ChipKind::TagFocus)?,
        tag_ignore: tag("tagignore", ChipKind::TagIgnore)?,
    })
}
