//! Driving the app as a user does, for the TUI tests: keys by name through
//! the keymap into `App::update`, and the screen drawn on a test backend.

use crossterm::event::KeyCode;
use std::sync::Arc;

use pprof_tui::analysis::{Filters, Granularity, Study};
use pprof_tui::profile::Profile;
use pprof_tui::tui::keymap::{action_for, key};
use pprof_tui::tui::theme::{ColorMode, Theme};
use pprof_tui::tui::trend::TrendInput;
use pprof_tui::tui::{App, AppOptions, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Options for a test app: no colours, no background jobs, exports to the
/// temporary directory; tests change the fields they are about.
pub fn options(profile: &Profile, title: &str, size: (u16, u16)) -> AppOptions {
    AppOptions {
        title: title.to_owned(),
        sample_index: profile.default_sample_index(),
        granularity: Granularity::Functions,
        filters: Filters::default(),
        source_paths: Vec::new(),
        export_dir: std::env::temp_dir(),
        export_stem: "heap-3".to_owned(),
        theme: Theme::new(ColorMode::None),
        size,
        background: false,
        study: None,
        why: None,
    }
}

/// Presses `keys`, separated by spaces: a character, or a key's name
/// (`Enter`, `Esc`, `Tab`, `BackTab`, `Backspace`, `Down`, `Up`, `PageDown`,
/// `PageUp`, `F1`, `Space`). A key the keymap does not bind fails the test.
pub fn press(app: &mut App, keys: &str) {
    for k in keys.split_whitespace() {
        let code = match k {
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "BackTab" => KeyCode::BackTab,
            "Backspace" => KeyCode::Backspace,
            "Down" => KeyCode::Down,
            "Up" => KeyCode::Up,
            "PageDown" => KeyCode::PageDown,
            "PageUp" => KeyCode::PageUp,
            "F1" => KeyCode::F(1),
            "Space" => KeyCode::Char(' '),
            s if s.chars().count() == 1 => KeyCode::Char(s.chars().next().unwrap()),
            other => panic!("unknown key {other}"),
        };
        let action = action_for(&key(code), app.prompt().is_some()).expect("bound key");
        app.update(action);
    }
}

/// Types text into the open prompt.
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        let action = action_for(&key(KeyCode::Char(c)), true).unwrap();
        app.update(action);
    }
}

/// The whole screen at the app's size, one quoted line per row.
pub fn screen(app: &App) -> String {
    let (w, h) = app.size();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|frame| views::render(app, frame)).unwrap();
    terminal.backend().to_string()
}

/// The Trend view's rows: (name, values) per row, as ranked.
pub fn app_trend_rows(app: &App) -> Vec<(String, Vec<i64>)> {
    app.trend()
        .as_ref()
        .unwrap()
        .trend
        .rows
        .iter()
        .map(|r| (r.name.clone(), r.values().to_vec()))
        .collect()
}

/// `pprof-tui trend --format json` on `files` (relative to testdata/):
/// (name, values) per row, to compare with [`app_trend_rows`].
pub fn cli_trend_rows(files: &[&str]) -> Vec<(String, Vec<i64>)> {
    let mut args = vec!["trend", "--format", "json"];
    args.extend(files);
    let doc = super::json(&args, 0);
    doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let values = r["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            (r["name"].as_str().unwrap().to_owned(), values)
        })
        .collect()
}

/// The snapshots `profiles` (named `names`, oldest first) as the Trend
/// view takes them, and the newest, which the other views show.
pub fn trend_input(profiles: Vec<Profile>, names: Vec<String>) -> (Arc<Profile>, TrendInput) {
    let mut timeline = Study::snapshots(profiles, names).into_timeline().unwrap();
    let newest = timeline.profiles.last().cloned().unwrap();
    let snapshots = timeline.take_snapshots().unwrap();
    let input = TrendInput {
        sample_index: snapshots.profile().default_sample_index(),
        snapshots,
        minutes: timeline.minutes,
        granularity: None,
        filters: Filters::default(),
        warnings: timeline.notes,
        restarts: timeline.restarts,
        profiler: false,
    };
    (newest, input)
}
