//! Colours, chosen once from the terminal's abilities: 24-bit where the
//! terminal says so (`COLORTERM`), the 16 ANSI colours otherwise, and no
//! colour at all when `NO_COLOR` is set (selection and highlights then use
//! reverse video and bold, which every terminal has).

use ratatui::style::{Color, Modifier, Style};

/// How many colours the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorMode {
    /// `NO_COLOR`: attributes only.
    None,
    /// The 16 ANSI colours.
    Basic,
    /// 24-bit RGB.
    TrueColor,
}

impl ColorMode {
    /// Reads `NO_COLOR`, `COLORTERM` and `TERM` the way most terminal tools do.
    pub fn detect() -> ColorMode {
        let var = |name| std::env::var(name).unwrap_or_default();
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return ColorMode::None;
        }
        let colorterm = var("COLORTERM");
        if colorterm == "truecolor" || colorterm == "24bit" {
            return ColorMode::TrueColor;
        }
        if var("TERM") == "dumb" {
            return ColorMode::None;
        }
        ColorMode::Basic
    }
}

/// The styles every view draws with.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub mode: ColorMode,
}

/// How a flame frame compares with the base profile in a diff.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    /// Grew by this fraction of the frame's larger value (0 < f ≤ 1).
    Grew(f64),
    /// Shrank by this fraction.
    Shrank(f64),
    Same,
}

/// The ANSI colours flame frames cycle through on 16-colour terminals.
const BASIC_FLAME: [Color; 4] = [
    Color::Yellow,
    Color::Red,
    Color::LightRed,
    Color::LightYellow,
];

impl Theme {
    pub fn new(mode: ColorMode) -> Theme {
        Theme { mode }
    }

    fn colored(&self, style: Style) -> Style {
        if self.mode == ColorMode::None {
            Style::default()
        } else {
            style
        }
    }

    /// Column titles and the header bar.
    pub fn header(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn tab(&self, active: bool) -> Style {
        if active {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            self.colored(Style::default().fg(Color::Gray))
        }
    }

    /// The selected row or frame.
    pub fn selected(&self) -> Style {
        match self.mode {
            ColorMode::None => Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            ColorMode::Basic => Style::default()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            ColorMode::TrueColor => Style::default()
                .fg(Color::Black)
                .bg(Color::Rgb(0x7d, 0xd3, 0xfc))
                .add_modifier(Modifier::BOLD),
        }
    }

    /// Text matching the search.
    /// The selected frame of the flame graph: without colour, the one
    /// frame not reversed (the others are), underlined.
    pub fn selected_frame(&self) -> Style {
        match self.mode {
            ColorMode::None => Style::default().add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
            _ => self.selected(),
        }
    }

    /// A frame matching the search: without colour, reversed and underlined.
    pub fn matched_frame(&self) -> Style {
        match self.mode {
            ColorMode::None => Style::default()
                .add_modifier(Modifier::REVERSED | Modifier::UNDERLINED | Modifier::BOLD),
            _ => self.matched(),
        }
    }

    pub fn matched(&self) -> Style {
        match self.mode {
            ColorMode::None => Style::default().add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
            _ => Style::default()
                .fg(Color::Black)
                .bg(Color::Magenta)
                .add_modifier(Modifier::BOLD),
        }
    }

    /// Secondary text: hints, units, the footer's descriptions.
    pub fn dim(&self) -> Style {
        self.colored(Style::default().fg(Color::DarkGray))
    }

    /// Key names in the footer and the help.
    pub fn key(&self) -> Style {
        self.colored(Style::default().fg(Color::Cyan))
            .add_modifier(Modifier::BOLD)
    }

    /// A filter chip in the status bar.
    pub fn chip(&self) -> Style {
        match self.mode {
            ColorMode::None => Style::default().add_modifier(Modifier::REVERSED),
            _ => Style::default().fg(Color::Black).bg(Color::Yellow),
        }
    }

    pub fn error(&self) -> Style {
        self.colored(Style::default().fg(Color::Red))
            .add_modifier(Modifier::BOLD)
    }

    /// A value that grew in a diff (red: worse), or shrank (blue).
    pub fn delta(&self, value: i64) -> Style {
        match value.signum() {
            1 => self.colored(Style::default().fg(Color::Red)),
            -1 => self.colored(Style::default().fg(Color::Blue)),
            _ => Style::default(),
        }
    }

    /// A flame frame's colour: stable per package, so one package keeps its
    /// colour across zooms, filters and runs.
    pub fn frame(&self, package: &str) -> Style {
        let h = fnv1a(package);
        match self.mode {
            // Every frame reversed, so every row shows each frame's extent
            // (a plain row would show none); the blank last cell keeps
            // neighbours apart, and the names tell the rows apart.
            ColorMode::None => Style::default().add_modifier(Modifier::REVERSED),
            ColorMode::Basic => Style::default()
                .fg(Color::Black)
                .bg(BASIC_FLAME[(h % BASIC_FLAME.len() as u64) as usize]),
            ColorMode::TrueColor => {
                // Warm flame-graph palette: red 205–255, green 90–220, blue 40–95.
                let r = 205 + (h % 51) as u8;
                let g = 90 + ((h >> 8) % 131) as u8;
                let b = 40 + ((h >> 16) % 56) as u8;
                with_text(Color::Rgb(r, g, b), (r, g, b))
            }
        }
    }

    /// A diff frame: red when it grew, blue when it shrank, grey when equal;
    /// the stronger the change, the stronger the colour.
    pub fn diff_frame(&self, change: Change) -> Style {
        match (self.mode, change) {
            (ColorMode::None, Change::Same) => self.frame(""),
            (ColorMode::None, Change::Grew(_)) => {
                Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
            }
            (ColorMode::None, Change::Shrank(_)) => {
                Style::default().add_modifier(Modifier::REVERSED | Modifier::ITALIC)
            }
            (ColorMode::Basic, Change::Grew(f)) => Style::default()
                .fg(Color::Black)
                .bg(if f > 0.5 { Color::Red } else { Color::LightRed }),
            (ColorMode::Basic, Change::Shrank(f)) => {
                Style::default().fg(Color::Black).bg(if f > 0.5 {
                    Color::Blue
                } else {
                    Color::LightBlue
                })
            }
            (ColorMode::Basic, Change::Same) => Style::default().fg(Color::Black).bg(Color::Gray),
            (ColorMode::TrueColor, Change::Grew(f)) => {
                let fade = (200.0 * (1.0 - f.clamp(0.0, 1.0))) as u8;
                let rgb = (255, fade.saturating_add(20), fade.saturating_add(20));
                with_text(Color::Rgb(rgb.0, rgb.1, rgb.2), rgb)
            }
            (ColorMode::TrueColor, Change::Shrank(f)) => {
                let fade = (200.0 * (1.0 - f.clamp(0.0, 1.0))) as u8;
                let rgb = (fade.saturating_add(20), fade.saturating_add(50), 255);
                with_text(Color::Rgb(rgb.0, rgb.1, rgb.2), rgb)
            }
            (ColorMode::TrueColor, Change::Same) => {
                with_text(Color::Rgb(200, 200, 200), (200, 200, 200))
            }
        }
    }
}

/// Dark or light text, whichever reads better on the background.
fn with_text(bg: Color, (r, g, b): (u8, u8, u8)) -> Style {
    let luma = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    let fg = if luma > 140.0 {
        Color::Black
    } else {
        Color::White
    };
    Style::default().fg(fg).bg(bg)
}

/// FNV-1a: a fixed hash, so colours do not change between runs.
fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The package of a Go function name: everything before the first dot
/// after the last slash (`runtime/pprof.StartCPUProfile` → `runtime/pprof`).
pub fn package_of(name: &str) -> &str {
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    match name[slash..].find('.') {
        Some(dot) => &name[..slash + dot],
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_of_go_names() {
        assert_eq!(package_of("runtime/pprof.StartCPUProfile"), "runtime/pprof");
        assert_eq!(package_of("main.(*Cache).Put"), "main");
        assert_eq!(
            package_of("cmd/compile/internal/ssa.(*Func).newValue"),
            "cmd/compile/internal/ssa"
        );
        assert_eq!(package_of("<unknown>"), "<unknown>");
    }

    #[test]
    fn no_color_uses_attributes_only() {
        let theme = Theme::new(ColorMode::None);
        for style in [
            theme.selected(),
            theme.matched(),
            theme.frame("main"),
            theme.diff_frame(Change::Grew(1.0)),
            theme.chip(),
            theme.delta(5),
        ] {
            assert_eq!((style.fg, style.bg), (None, None), "{style:?}");
        }
    }

    #[test]
    fn basic_mode_uses_only_ansi_colours() {
        let theme = Theme::new(ColorMode::Basic);
        for style in [
            theme.frame("main"),
            theme.frame("runtime"),
            theme.diff_frame(Change::Shrank(0.2)),
            theme.selected(),
        ] {
            for c in [style.fg, style.bg].into_iter().flatten() {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?}");
            }
        }
    }

    #[test]
    fn diff_colours_mean_what_they_say() {
        let theme = Theme::new(ColorMode::TrueColor);
        let Some(Color::Rgb(r, _, b)) = theme.diff_frame(Change::Grew(1.0)).bg else {
            panic!("rgb expected")
        };
        assert!(r > b, "grew is red");
        let Some(Color::Rgb(r, _, b)) = theme.diff_frame(Change::Shrank(1.0)).bg else {
            panic!("rgb expected")
        };
        assert!(b > r, "shrank is blue");
    }
}
