//! Screen tests: the app driven by synthetic key events, drawn on ratatui's
//! TestBackend, compared with snapshots under tests/snapshots/. State tests
//! check sorting, the zoom stack and filters directly.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use pprof_tui::analysis::{CallTree, Granularity};
use pprof_tui::profile::{DecodeOptions, Profile, decode};
use pprof_tui::tui::action::ViewKind;
use pprof_tui::tui::keymap::{action_for, key};
use pprof_tui::tui::theme::{ColorMode, Theme};
use pprof_tui::tui::{App, AppOptions, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn load(rel: &str) -> Profile {
    let bytes = std::fs::read(testdata().join(rel)).unwrap();
    decode(&bytes, &DecodeOptions::default()).unwrap()
}

fn app_with(profile: Profile, title: &str, size: (u16, u16)) -> App {
    let sample_index = profile.default_sample_index();
    App::new(
        Arc::new(profile),
        AppOptions {
            title: title.to_owned(),
            sample_index,
            granularity: Granularity::Functions,
            chips: Vec::new(),
            source_paths: vec![testdata()],
            export_dir: std::env::temp_dir(),
            theme: Theme::new(ColorMode::None),
            size,
        },
    )
    .unwrap()
}

fn app(rel: &str, size: (u16, u16)) -> App {
    let name = Path::new(rel)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    app_with(load(rel), &name, size)
}

/// Presses keys as a user would: `"j j Enter"`; names are crossterm's.
fn press(app: &mut App, keys: &str) {
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
            "Space" => KeyCode::Char(' '),
            s if s.chars().count() == 1 => KeyCode::Char(s.chars().next().unwrap()),
            other => panic!("unknown key {other}"),
        };
        let action = action_for(&key(code), app.prompt.is_some()).expect("bound key");
        app.update(action);
    }
}

/// Types text into the open prompt.
fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        let action = action_for(&key(KeyCode::Char(c)), true).unwrap();
        app.update(action);
    }
}

fn screen(app: &App) -> String {
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|frame| views::render(app, frame)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn top_view_lists_pprof_rows() {
    let app = app("leaky/heap-3.pb.gz", (100, 30));
    let screen = screen(&app);
    // The values are pprof's, from testdata/oracle/leaky-heap-3.inuse_space.top.txt.
    assert!(
        screen.contains(
            "1.13MB   44.77%   44.77%     1.13MB   44.77%  runtime/pprof.StartCPUProfile"
        )
    );
    assert_snapshot!("top_heap3", screen);
}

#[test]
fn top_view_at_80x24() {
    let app = app("leaky/cpu.pb.gz", (80, 24));
    assert_snapshot!("top_cpu_80x24", screen(&app));
}

#[test]
fn help_overlay_lists_every_key() {
    let mut app = app("leaky/heap-3.pb.gz", (80, 24));
    press(&mut app, "?");
    assert!(app.help);
    let s = screen(&app);
    for b in pprof_tui::tui::keymap::BINDINGS {
        assert!(s.contains(b.label), "help misses {}", b.label);
    }
    assert_snapshot!("help_80x24", s);
    press(&mut app, "j");
    assert!(!app.help, "any key closes the help");
}

#[test]
fn quit_keys() {
    let mut app = app("leaky/heap-3.pb.gz", (80, 24));
    press(&mut app, "q");
    assert!(app.should_quit());
}

/// The row of a function in the Top view.
fn top_row(app: &App, name: &str) -> usize {
    let names = app.model.tree.names();
    app.model
        .rows
        .iter()
        .position(|r| names[r.node.index()] == name)
        .unwrap_or_else(|| panic!("{name} not in Top"))
}

fn selected_name(app: &App) -> String {
    app.model.tree.name(app.flame.selected).to_owned()
}

#[test]
fn flame_view_unzoomed() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    press(&mut app, "2");
    assert_eq!(app.view, ViewKind::Flame);
    // Tab from Top selects the Top row's function: the largest flat.
    assert_eq!(selected_name(&app), "runtime/pprof.StartCPUProfile");
    let s = screen(&app);
    assert_snapshot!("flame_heap3", s);
}

#[test]
fn enter_on_a_top_row_jumps_to_the_function_then_zooms() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    press(&mut app, "/");
    type_text(&mut app, "handleRequest");
    press(&mut app, "Enter");
    assert_eq!(app.top.selected, top_row(&app, "main.handleRequest"));
    press(&mut app, "Enter");
    assert_eq!(app.view, ViewKind::Flame);
    assert_eq!(selected_name(&app), "main.handleRequest");
    assert!(app.flame.zoom.is_empty(), "wide enough to show unzoomed");
    press(&mut app, "Enter");
    assert_eq!(app.flame.zoom, vec![app.flame.selected]);
    assert_snapshot!("flame_heap3_zoomed", screen(&app));
}

#[test]
fn zoom_stack_goes_back_one_step_at_a_time() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    press(&mut app, "2 g");
    assert_eq!(app.flame.selected, CallTree::ROOT);
    // Down the heaviest path: runtime.main, main.main, main.serve.
    press(&mut app, "j Enter");
    let first = app.flame.selected;
    assert_eq!(selected_name(&app), "runtime.main");
    press(&mut app, "j j Enter");
    let second = app.flame.selected;
    assert_eq!(selected_name(&app), "main.serve");
    assert_eq!(app.flame.zoom, vec![first, second]);
    // Enter on the zoomed frame itself is not a new step.
    press(&mut app, "Enter");
    assert_eq!(app.flame.zoom.len(), 2);
    press(&mut app, "Esc");
    assert_eq!(app.flame.zoom, vec![first]);
    assert_eq!(
        app.flame.selected, second,
        "selection stays when still visible"
    );
    press(&mut app, "Backspace");
    assert!(app.flame.zoom.is_empty());
    press(&mut app, "j j Enter j Enter r");
    assert!(app.flame.zoom.is_empty(), "r resets the whole stack");
}

#[test]
fn zoom_and_selection_survive_a_sample_type_change() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    press(&mut app, "2 g j j j j Enter");
    let zoom_path = app.model.tree.path_names(app.zoom());
    assert_eq!(
        zoom_path.last().map(String::as_str),
        Some("main.handleRequest")
    );
    press(&mut app, "t");
    assert_eq!(app.model.sample_type.name, "alloc_objects");
    assert_eq!(app.model.tree.path_names(app.zoom()), zoom_path);
    assert_eq!(selected_name(&app), "main.handleRequest");
}

#[test]
fn flame_navigation_moves_between_siblings() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    press(&mut app, "2 g j j j j j");
    // main.handleRequest's heaviest callee.
    assert_eq!(selected_name(&app), "main.(*Cache).Put");
    press(&mut app, "l");
    assert_eq!(selected_name(&app), "main.recordAudit");
    press(&mut app, "h k");
    assert_eq!(selected_name(&app), "main.handleRequest");
    // Flipped, the root is at the bottom and ↓ goes toward it.
    press(&mut app, "i Down");
    assert_eq!(selected_name(&app), "main.serve");
    let s = screen(&app);
    let lines: Vec<&str> = s.lines().collect();
    assert!(
        lines[lines.len() - 4].contains("\"all"),
        "root drawn last:\n{s}"
    );
}
