//! Keys and mouse gestures → [`Action`]s. One table serves both the
//! dispatch and the help overlay, so the help can never list a key that
//! does nothing or miss one that does something.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::action::{Action, FilterKind, ViewKind};

/// A key as written in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Code(KeyCode),
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    General,
    Move,
    Flame,
    Analysis,
    /// Listed in the help only in watch mode, where they act.
    Watch,
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::General => "General",
            Section::Move => "Moving around",
            Section::Flame => "Flame graph",
            Section::Analysis => "Analysis",
            Section::Watch => "Watching (--watch)",
        }
    }
}

/// Keys, what they do, and how the help and footer describe them.
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub section: Section,
    /// How the keys are written in the help, e.g. `j ↓`.
    pub label: &'static str,
    /// What the keys do, in the help; empty when the row before says it.
    pub help: &'static str,
}

use Key::{Char, Code, Ctrl};

macro_rules! bind {
    ($section:ident, [$($key:expr),+], $action:expr, $label:literal, $help:literal) => {
        Binding {
            keys: &[$($key),+],
            action: $action,
            section: Section::$section,
            label: $label,
            help: $help,
        }
    };
}

/// Every binding outside a prompt.
pub const BINDINGS: &[Binding] = &[
    bind!(
        General,
        [Char('?')],
        Action::Help,
        "? F1",
        "this help · F1 glossary"
    ),
    // Described on the row above: the help skips a binding without text.
    bind!(General, [Code(KeyCode::F(1))], Action::Glossary, "F1", ""),
    bind!(
        General,
        [Char('m')],
        Action::MemStats,
        "m",
        "runtime MemStats panel"
    ),
    bind!(
        General,
        [Char('q'), Ctrl('c')],
        Action::Quit,
        "q Ctrl-C",
        "quit"
    ),
    bind!(
        General,
        [Code(KeyCode::Tab)],
        Action::NextView,
        "Tab",
        "next view"
    ),
    bind!(
        General,
        [Code(KeyCode::BackTab)],
        Action::PrevView,
        "Shift-Tab",
        "previous view"
    ),
    bind!(
        General,
        [Char('1')],
        Action::ShowView(ViewKind::Top),
        "1",
        "Top: ranked functions"
    ),
    bind!(
        General,
        [Char('2')],
        Action::ShowView(ViewKind::Flame),
        "2",
        "Flame graph"
    ),
    bind!(
        General,
        [Char('3')],
        Action::ShowView(ViewKind::Peek),
        "3",
        "Peek: callers and callees"
    ),
    bind!(
        General,
        [Char('4')],
        Action::ShowView(ViewKind::Source),
        "4",
        "Source lines"
    ),
    bind!(
        General,
        [Char('5')],
        Action::ShowView(ViewKind::Trend),
        "5",
        "Trend: leaks (2+ profiles)"
    ),
    bind!(
        General,
        [Char('6')],
        Action::ShowView(ViewKind::Goroutines),
        "6",
        "Goroutines by stack"
    ),
    bind!(
        General,
        [Char('e')],
        Action::Export,
        "e",
        "export the view as SVG"
    ),
    bind!(
        Watch,
        [Char(' ')],
        Action::PauseWatch,
        "Space",
        "pause / resume polling"
    ),
    bind!(
        Watch,
        [Char('d')],
        Action::WatchDiff,
        "d",
        "diff vs oldest kept / off"
    ),
    bind!(
        Move,
        [Char('k'), Code(KeyCode::Up)],
        Action::Up,
        "k ↑",
        "up"
    ),
    bind!(
        Move,
        [Char('j'), Code(KeyCode::Down)],
        Action::Down,
        "j ↓",
        "down"
    ),
    bind!(
        Move,
        [Code(KeyCode::PageUp), Char('b')],
        Action::PageUp,
        "PgUp b",
        "page up"
    ),
    bind!(
        Move,
        [Code(KeyCode::PageDown), Char('f')],
        Action::PageDown,
        "PgDn f",
        "page down"
    ),
    bind!(
        Move,
        [Char('g'), Code(KeyCode::Home)],
        Action::First,
        "g Home",
        "first row"
    ),
    bind!(
        Move,
        [Char('G'), Code(KeyCode::End)],
        Action::Last,
        "G End",
        "last row"
    ),
    bind!(
        Move,
        [Code(KeyCode::Enter)],
        Action::Enter,
        "Enter",
        "zoom in / open / follow"
    ),
    bind!(
        Move,
        [Code(KeyCode::Esc), Code(KeyCode::Backspace)],
        Action::Back,
        "Esc Bksp",
        "back one step"
    ),
    bind!(
        Flame,
        [Char('h'), Code(KeyCode::Left)],
        Action::Left,
        "h ←",
        "previous frame"
    ),
    bind!(
        Flame,
        [Char('l'), Code(KeyCode::Right)],
        Action::Right,
        "l →",
        "next frame"
    ),
    bind!(Flame, [Char('r')], Action::ResetZoom, "r", "reset zoom"),
    bind!(Flame, [Char('i')], Action::Flip, "i", "flip icicle / flame"),
    bind!(
        Analysis,
        [Char('/')],
        Action::StartSearch,
        "/",
        "search names (regex)"
    ),
    bind!(Analysis, [Char('n')], Action::SearchNext, "n", "next match"),
    bind!(
        Analysis,
        [Char('N')],
        Action::SearchPrev,
        "N",
        "previous match"
    ),
    bind!(
        Analysis,
        [Char('#')],
        Action::SearchSelected,
        "#",
        "search the selected name"
    ),
    bind!(
        Analysis,
        [Char('p')],
        Action::PeekSelected,
        "p",
        "peek at the selection"
    ),
    bind!(
        Analysis,
        [Char('S')],
        Action::SourceSelected,
        "S",
        "source of the selection"
    ),
    bind!(
        Analysis,
        [Char('w')],
        Action::ToggleWhy,
        "w",
        "why on heap column (heap)"
    ),
    bind!(
        Analysis,
        [Char('W')],
        Action::WhyPage,
        "W",
        "why on heap pane: next page"
    ),
    bind!(
        Analysis,
        [Char('s')],
        Action::CycleSort,
        "s",
        "sort by flat / cum / name"
    ),
    bind!(
        Analysis,
        [Char('t')],
        Action::NextSampleType,
        "t",
        "next sample type"
    ),
    bind!(
        Analysis,
        [Char('T')],
        Action::PrevSampleType,
        "T",
        "previous sample type"
    ),
    bind!(
        Analysis,
        [Char('a')],
        Action::CycleGranularity,
        "a",
        "granularity: funcs, lines…"
    ),
    bind!(
        Analysis,
        [Char('F')],
        Action::Filter(FilterKind::Focus),
        "F",
        "focus on the selection"
    ),
    bind!(
        Analysis,
        [Char('I')],
        Action::Filter(FilterKind::Ignore),
        "I",
        "ignore the selection"
    ),
    bind!(
        Analysis,
        [Char('H')],
        Action::Filter(FilterKind::Hide),
        "H",
        "hide the selection's frames"
    ),
    bind!(
        Analysis,
        [Char('x')],
        Action::PopFilter,
        "x",
        "remove the last filter"
    ),
    bind!(
        Analysis,
        [Char('C')],
        Action::ClearFilters,
        "C",
        "clear all filters"
    ),
];

/// The short list in the footer, most important first: entries that do not
/// fit the width are left out whole.
pub const FOOTER: &[(&str, &str)] = &[
    ("?", "help"),
    ("q", "quit"),
    ("Tab", "views"),
    ("Enter", "zoom"),
    ("Esc", "back"),
    ("/", "search"),
    ("t", "type"),
    ("F/I/H", "filter"),
    ("p", "peek"),
    ("e", "svg"),
];

/// Translates a terminal event; `prompt` is true while a prompt has the
/// keyboard, which then takes every printable character.
pub fn action_for(event: &Event, prompt: bool) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => key_action(key, prompt),
        Event::Mouse(mouse) => mouse_action(mouse),
        Event::Resize(w, h) => Some(Action::Resize(*w, *h)),
        _ => None,
    }
}

fn key_action(key: &KeyEvent, prompt: bool) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if prompt {
        return match key.code {
            KeyCode::Enter => Some(Action::InputSubmit),
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Backspace => Some(Action::InputBackspace),
            KeyCode::Char(c) if !ctrl => Some(Action::Input(c)),
            _ => None,
        };
    }
    BINDINGS
        .iter()
        .find(|b| b.keys.iter().any(|k| matches(*k, key, ctrl)))
        .map(|b| b.action.clone())
}

fn matches(k: Key, key: &KeyEvent, ctrl: bool) -> bool {
    match k {
        Key::Char(c) => !ctrl && key.code == KeyCode::Char(c),
        Key::Ctrl(c) => ctrl && key.code == KeyCode::Char(c),
        Key::Code(code) => key.code == code,
    }
}

fn mouse_action(mouse: &MouseEvent) -> Option<Action> {
    match mouse.kind {
        MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(mouse.column, mouse.row)),
        MouseEventKind::ScrollUp => Some(Action::ScrollUp),
        MouseEventKind::ScrollDown => Some(Action::ScrollDown),
        _ => None,
    }
}

/// A key event as a test or the benchmark would send it.
pub fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice() {
        let mut seen = Vec::new();
        for b in BINDINGS {
            for k in b.keys {
                assert!(!seen.contains(k), "{k:?} bound twice");
                seen.push(*k);
            }
        }
    }

    #[test]
    fn prompts_take_letters_that_are_keys_elsewhere() {
        assert_eq!(
            action_for(&key(KeyCode::Char('q')), false),
            Some(Action::Quit)
        );
        assert_eq!(
            action_for(&key(KeyCode::Char('q')), true),
            Some(Action::Input('q'))
        );
        let ctrl_c = Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert_eq!(action_for(&ctrl_c, true), Some(Action::Quit));
        assert_eq!(action_for(&key(KeyCode::Esc), true), Some(Action::Back));
    }
}
