//! Screen tests: the app driven by synthetic key events, drawn on ratatui's
//! TestBackend, compared with snapshots under tests/snapshots/. State tests
//! check sorting, the zoom stack and filters directly.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;
mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use insta::assert_snapshot;
use pprof_tui::analysis::Filters;
use pprof_tui::analysis::{CallTree, Granularity};
use pprof_tui::profile::{DecodeOptions, Profile, decode};
use pprof_tui::tui::action::ViewKind;
use pprof_tui::tui::keymap::action_for;
use pprof_tui::tui::theme::{ColorMode, Theme};
use pprof_tui::tui::{App, AppOptions, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use common::screen::{
    app_trend_rows, cli_trend_rows, options, press, screen, trend_input, type_text,
};
use common::{GOROUTINES, HEAPS, load, testdata};
fn app_with(profile: Profile, title: &str, size: (u16, u16)) -> App {
    app_running(profile, title, size, false)
}

/// The app; with `background`, slow work waits in [`App::take_job`].
fn app_running(
    profile: impl Into<Arc<Profile>>,
    title: &str,
    size: (u16, u16),
    background: bool,
) -> App {
    let profile = profile.into();
    let options = AppOptions {
        // Relative, as a user would type it (tests run in the crate root).
        source_paths: vec![PathBuf::from("testdata")],
        background,
        ..options(&profile, title, size)
    };
    App::new(profile, options)
}

fn app(rel: &str, size: (u16, u16)) -> App {
    let name = Path::new(rel)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    app_with(load(rel), &name, size)
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
    assert!(app.help().open);
    let s = screen(&app);
    // The watch keys are listed in watch mode only (tests/tui_watch.rs).
    for b in pprof_tui::tui::keymap::BINDINGS
        .iter()
        .filter(|b| b.section != pprof_tui::tui::keymap::Section::Watch)
    {
        assert!(s.contains(b.label), "help misses {}", b.label);
    }
    assert_snapshot!("help_80x24", s);
    press(&mut app, "j");
    assert!(!app.help().open, "any key closes the help");
}

/// The glossary's pages from the one open now to the last, turning with `?`
/// until the overlay closes.
fn glossary_pages(app: &mut App) -> Vec<String> {
    let mut pages = Vec::new();
    while app.help().open && pages.len() < 20 {
        pages.push(screen(app));
        press(app, "?");
    }
    assert!(!app.help().open, "the glossary never closed");
    pages
}

/// Whether `screen` shows `term` as a glossary entry: at the start of a
/// line inside the popup's border, its meaning indented under it.
fn shows_term(screen: &str, term: &str) -> bool {
    screen.contains(&format!("│{term} "))
}

#[test]
fn f1_shows_the_glossary_paged_at_80x24() {
    let mut app = app("leaky/heap-3.pb.gz", (80, 24));
    press(&mut app, "F1");
    let first = screen(&app);
    assert_snapshot!("glossary_80x24", first);
    // PgUp on the first page stays; PgDn and PgUp turn.
    press(&mut app, "PageUp");
    assert_eq!(screen(&app), first);
    press(&mut app, "PageDown");
    assert!(screen(&app).contains(" glossary 2/"), "{}", screen(&app));
    press(&mut app, "PageUp");
    assert_eq!(screen(&app), first);
    let pages = glossary_pages(&mut app);
    assert!(pages.len() > 1, "80×24 cannot hold every term");
    // Every term of src/glossary.rs is on exactly one page, in its order.
    let mut at = 0;
    for (term, meaning) in pprof_tui::glossary::TERMS {
        let page = pages[at..]
            .iter()
            .position(|p| shows_term(p, term))
            .map(|i| i + at)
            .unwrap_or_else(|| panic!("no page shows {term}"));
        assert_eq!(
            pages.iter().filter(|p| shows_term(p, term)).count(),
            1,
            "{term} on several pages"
        );
        let first_word = meaning.split_whitespace().next().unwrap();
        assert!(pages[page].contains(&format!("│   {first_word}")), "{term}");
        at = page;
    }
    let last = pages.last().unwrap();
    assert!(last.contains("— PgUp back, any other key closes"), "{last}");
}

/// On the smallest screen the app draws (20×4) every term still gets a page.
#[test]
fn the_glossary_pages_on_the_smallest_screen() {
    let mut app = app("leaky/heap-3.pb.gz", (20, 4));
    press(&mut app, "F1");
    let mut pages = Vec::new();
    while app.help().open && pages.len() < 500 {
        pages.push(screen(&app));
        press(&mut app, "?");
    }
    assert!(!app.help().open, "the glossary never closed");
    for (term, _) in pprof_tui::glossary::TERMS {
        assert!(
            pages.iter().any(|p| shows_term(p, term)),
            "no page shows {term}"
        );
    }
}

#[test]
fn the_glossary_follows_the_keys_at_120x40() {
    let mut app = app("leaky/heap-3.pb.gz", (120, 40));
    press(&mut app, "?");
    let keys = screen(&app);
    assert!(keys.contains("pprof-tui keys — ? glossary, any other key closes"));
    press(&mut app, "?");
    let s = screen(&app);
    assert_snapshot!("glossary_120x40", s);
    let pages = glossary_pages(&mut app);
    for (term, _) in pprof_tui::glossary::TERMS {
        assert!(
            pages.iter().any(|p| shows_term(p, term)),
            "no page shows {term}"
        );
    }
}

#[test]
fn quit_keys() {
    let mut app = app("leaky/heap-3.pb.gz", (80, 24));
    press(&mut app, "q");
    assert!(app.should_quit());
}

/// The row of a function in the Top view.
/// Moves the Top view's cursor to row `row` with the keys.
fn select_row(app: &mut App, row: usize) {
    press(app, "g");
    for _ in 0..row {
        press(app, "j");
    }
    assert_eq!(app.top().list.selected, row);
}

fn top_row(app: &App, name: &str) -> usize {
    let names = app.model().tree.names();
    app.model()
        .rows
        .iter()
        .position(|r| names[r.node.index()] == name)
        .unwrap_or_else(|| panic!("{name} not in Top"))
}

fn selected_name(app: &App) -> String {
    app.model().tree.name(app.flame().selected).to_owned()
}

#[test]
fn flame_view_unzoomed() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    press(&mut app, "2");
    assert_eq!(app.view(), ViewKind::Flame);
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
    assert_eq!(app.top().list.selected, top_row(&app, "main.handleRequest"));
    press(&mut app, "Enter");
    assert_eq!(app.view(), ViewKind::Flame);
    assert_eq!(selected_name(&app), "main.handleRequest");
    assert!(app.flame().zoom.is_empty(), "wide enough to show unzoomed");
    press(&mut app, "Enter");
    assert_eq!(app.flame().zoom, vec![app.flame().selected]);
    assert_snapshot!("flame_heap3_zoomed", screen(&app));
}

#[test]
fn zoom_stack_goes_back_one_step_at_a_time() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    press(&mut app, "2 g");
    assert_eq!(app.flame().selected, CallTree::ROOT);
    // Down the heaviest path: runtime.main, main.main, main.serve.
    press(&mut app, "j Enter");
    let first = app.flame().selected;
    assert_eq!(selected_name(&app), "runtime.main");
    press(&mut app, "j j Enter");
    let second = app.flame().selected;
    assert_eq!(selected_name(&app), "main.serve");
    assert_eq!(app.flame().zoom, vec![first, second]);
    // Enter on the zoomed frame itself is not a new step.
    press(&mut app, "Enter");
    assert_eq!(app.flame().zoom.len(), 2);
    press(&mut app, "Esc");
    assert_eq!(app.flame().zoom, vec![first]);
    assert_eq!(
        app.flame().selected,
        second,
        "selection stays when still visible"
    );
    press(&mut app, "Backspace");
    assert!(app.flame().zoom.is_empty());
    press(&mut app, "j j Enter j Enter r");
    assert!(app.flame().zoom.is_empty(), "r resets the whole stack");
}

#[test]
fn zoom_and_selection_survive_a_sample_type_change() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    press(&mut app, "2 g j j j j Enter");
    let zoom_path = app.model().tree.path_names(app.zoom());
    assert_eq!(
        zoom_path.last().map(String::as_str),
        Some("main.handleRequest")
    );
    press(&mut app, "t");
    assert_eq!(app.model().sample_type.name, "alloc_objects");
    assert_eq!(app.model().tree.path_names(app.zoom()), zoom_path);
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

#[test]
fn peek_shows_callers_above_and_callees_below() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    let row = top_row(&app, "main.handleRequest");
    select_row(&mut app, row);
    press(&mut app, "p");
    assert_eq!(app.view(), ViewKind::Peek);
    let s = screen(&app);
    // Edge weights follow pprof: main.handleRequest's cum is 1378176 B = 1.31MB (52.29%).
    assert!(s.contains("● main.handleRequest  (flat 9.44kB)"), "{s}");
    assert!(s.contains("1.31MB   52.29%"), "{s}");
    assert_snapshot!("peek_handle_request", s);
    // Enter follows a callee; Esc comes back.
    press(&mut app, "Down Enter");
    let peeked = app.peek().peek.as_ref().unwrap().node;
    assert_eq!(
        app.model().tree.names()[peeked.index()],
        "main.(*Cache).Put"
    );
    press(&mut app, "Esc");
    let peeked = app.peek().peek.as_ref().unwrap().node;
    assert_eq!(
        app.model().tree.names()[peeked.index()],
        "main.handleRequest"
    );
}

#[test]
fn peek_values_match_the_tree_and_the_top_table() {
    let mut app = app("leaky/cpu.pb.gz", (100, 30));
    let row = top_row(&app, "main.fib");
    select_row(&mut app, row);
    press(&mut app, "3");
    let peek = app.peek().peek.clone().unwrap();
    let row = &app.model().rows[top_row(&app, "main.fib")];
    assert_eq!((peek.flat, peek.cum), (row.flat, row.cum));
    // fib is recursive, but only main.crunch calls it from outside.
    let callers: Vec<&str> = peek
        .callers
        .iter()
        .map(|e| app.model().tree.names()[e.node.index()].as_str())
        .collect();
    assert_eq!(callers, ["main.crunch"]);
}

#[test]
fn search_reports_coverage_and_steps_through_matches() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    press(&mut app, "/");
    type_text(&mut app, "Cache|recordAudit");
    let s = screen(&app);
    assert!(
        s.contains("search: /Cache|recordAudit"),
        "the prompt shows what is typed"
    );
    press(&mut app, "Enter");
    let cov = app.search().unwrap().coverage;
    // main.(*Cache).Put 1069784 B + main.recordAudit 283840 B (the oracle's cum), no overlap:
    // 1353624 of 2635448 B.
    assert_eq!(cov.total, 1_069_784 + 283_840);
    let s = screen(&app);
    // In the table's own form: Top prints percentages as pprof does.
    assert!(
        s.contains("/Cache|recordAudit/ matches 14 samples, 51.36% of total"),
        "{s}"
    );
    assert_snapshot!("search_top", s);
    assert_eq!(app.top().list.selected, top_row(&app, "main.(*Cache).Put"));
    press(&mut app, "n");
    assert_eq!(app.top().list.selected, top_row(&app, "main.recordAudit"));
    press(&mut app, "N");
    assert_eq!(app.top().list.selected, top_row(&app, "main.(*Cache).Put"));
    // In the flame graph n walks matching frames.
    press(&mut app, "2 n");
    assert!(
        app.search()
            .as_ref()
            .unwrap()
            .regex
            .is_match(&selected_name(&app))
    );
    // A bad regex is an error message, not a crash.
    press(&mut app, "/");
    type_text(&mut app, "(");
    press(&mut app, "Enter");
    assert!(app.message().unwrap().1);
}

#[test]
fn sort_keys_reorder_top() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    let names = |app: &App| -> Vec<String> {
        app.model()
            .rows
            .iter()
            .take(3)
            .map(|r| app.model().row_name(r))
            .collect()
    };
    assert_eq!(
        names(&app),
        [
            "runtime/pprof.StartCPUProfile",
            "main.(*Cache).Put",
            "main.recordAudit"
        ]
    );
    press(&mut app, "s");
    // As `-top -cum` (testdata/oracle/leaky-heap-3.inuse_space.cum.top.txt).
    assert_eq!(
        names(&app),
        ["runtime.main", "main.main", "main.handleRequest"]
    );
    press(&mut app, "s");
    let sorted: Vec<String> = app
        .model()
        .rows
        .iter()
        .map(|r| app.model().row_name(r))
        .collect();
    let mut expected = sorted.clone();
    expected.sort();
    assert_eq!(sorted, expected);
    // The selection follows its row across sorts.
    press(&mut app, "g j");
    let name = app
        .model()
        .row_name(&app.model().rows[app.top().list.selected]);
    press(&mut app, "s");
    assert_eq!(
        app.model()
            .row_name(&app.model().rows[app.top().list.selected]),
        name
    );
}

#[test]
fn filters_become_chips_and_clear() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    let row = top_row(&app, "main.handleRequest");
    select_row(&mut app, row);
    press(&mut app, "F");
    // As `-focus=handleRequest` (testdata/oracle/leaky-heap-3.inuse_space.focus-handleRequest.top.txt).
    let put = &app.model().rows[top_row(&app, "main.(*Cache).Put")];
    assert_eq!(put.flat, 1_069_784);
    assert!(
        app.model()
            .rows
            .iter()
            .all(|r| app.model().row_name(r) != "runtime/pprof.StartCPUProfile")
    );
    let row = top_row(&app, "main.recordAudit");
    select_row(&mut app, row);
    press(&mut app, "I");
    assert!(
        app.model()
            .rows
            .iter()
            .all(|r| app.model().row_name(r) != "main.recordAudit")
    );
    let s = screen(&app);
    assert!(s.contains(" focus=^main\\.handleRequest$ "), "{s}");
    assert!(s.contains(" ignore=^main\\.recordAudit$ "), "{s}");
    assert_snapshot!("filters_top", s);
    press(&mut app, "x");
    assert_eq!(app.chips().len(), 1);
    press(&mut app, "C");
    assert!(app.chips().is_empty());
    assert_eq!(app.model().rows[0].flat, 1_179_920);
    // Hiding the biggest site removes its frames, not its samples.
    select_row(&mut app, 0);
    press(&mut app, "H");
    assert!(
        app.model()
            .rows
            .iter()
            .all(|r| app.model().row_name(r) != "runtime/pprof.StartCPUProfile")
    );
}

#[test]
fn sample_type_and_granularity_cycle() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    assert_eq!(app.model().sample_type.name, "inuse_space");
    press(&mut app, "t");
    assert_eq!(app.model().sample_type.name, "alloc_objects");
    press(&mut app, "T T");
    assert_eq!(app.model().sample_type.name, "inuse_objects");
    press(&mut app, "t a");
    assert_eq!(app.model().granularity, Granularity::FileFunctions);
    press(&mut app, "a a");
    assert_eq!(app.model().granularity, Granularity::Lines);
    // pprof -lines: testdata/oracle/leaky-heap-3.inuse_space.lines.top.txt, second row.
    assert_eq!(
        app.model().row_name(&app.model().rows[1]),
        "main.(*Cache).Put leaky/main.go:31"
    );
    assert_eq!(app.model().rows[1].flat, 921_600);
}

#[test]
fn source_view_shows_lines_with_values() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    let row = top_row(&app, "main.(*Cache).Put");
    select_row(&mut app, row);
    press(&mut app, "S");
    assert_eq!(app.view(), ViewKind::Source);
    let source = app.source().source.as_ref().unwrap();
    assert_eq!(source.file, "leaky/main.go");
    // pprof -lines: line 31 holds 921600 B, line 36 148184 B.
    let lines: Vec<(i64, i64, i64)> = source
        .listing
        .own_lines()
        .map(|l| (l.line, l.flat, l.cum))
        .collect();
    assert_eq!(lines, vec![(31, 921_600, 921_600), (36, 148_184, 148_184)]);
    assert!(source.path.is_some(), "found under testdata/");
    assert_eq!(app.source().selected, 30, "opens on the hottest line");
    let s = screen(&app);
    assert!(
        s.contains("    31      900kB      900kB      v := make([]byte, size)"),
        "{s}"
    );
    assert_snapshot!("source_cache_put", s);
}

#[test]
fn source_view_without_the_file_lists_line_numbers() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    let row = top_row(&app, "runtime/pprof.StartCPUProfile");
    select_row(&mut app, row);
    press(&mut app, "S");
    let s = screen(&app);
    assert!(
        s.contains("runtime/pprof/pprof.go not found — pass --source-path DIR"),
        "{s}"
    );
    assert!(s.contains("   782     1.13MB     1.13MB"), "{s}");
}

#[test]
fn background_jobs_install_in_order_and_drop_stale_results() {
    let profile = Arc::new(load("leaky/heap-3.pb.gz"));
    let options = AppOptions {
        background: true,
        ..options(&profile, "heap-3.pb.gz", (100, 30))
    };
    let mut app = App::new(Arc::clone(&profile), options);
    assert!(!app.model().tree_ready, "the tree is left to a job");
    assert!(app.busy().is_some());
    press(&mut app, "2");
    assert!(screen(&app).contains("building the call tree"));
    let tree_job = app.take_job().unwrap();
    app.finish(tree_job.run(&profile));
    assert!(app.model().tree_ready);
    // The tree is in place; the inline suffixes of the rows past the first
    // page follow.
    assert_eq!(
        app.busy().map(|(what, _)| what),
        Some("finding inlined calls")
    );
    let inline_job = app.take_job().unwrap();
    app.finish(inline_job.run(&profile));
    assert!(app.busy().is_none());
    assert_eq!(
        selected_name(&app),
        "runtime/pprof.StartCPUProfile",
        "the wanted frame is selected on arrival"
    );
    let shape = Arc::clone(app.model().tree.shape());
    // Two quick changes: the second waits while the first runs (one job
    // of a kind at a time), and the first one's result is dropped.
    press(&mut app, "t");
    let stale = app.take_job().unwrap();
    press(&mut app, "t");
    assert!(app.take_job().is_none(), "a model is being computed");
    app.finish(stale.run(&profile));
    assert_eq!(
        app.model().sample_type.name,
        "inuse_space",
        "stale result ignored"
    );
    let fresh = app.take_job().unwrap();
    app.finish(fresh.run(&profile));
    assert_eq!(app.model().sample_type.name, "alloc_space");
    // Another sample type re-sums values over the same sorted stacks, so
    // its tree comes with its rows.
    assert!(app.model().tree_ready);
    assert!(Arc::ptr_eq(&shape, app.model().tree.shape()));
    assert_eq!(
        app.busy().map(|(what, _)| what),
        Some("finding inlined calls")
    );
    let inline_job = app.take_job().unwrap();
    app.finish(inline_job.run(&profile));
    assert_eq!(
        selected_name(&app),
        "runtime/pprof.StartCPUProfile",
        "selection carried by name"
    );
    // Another granularity sorts its own stacks.
    press(&mut app, "a");
    for _ in 0..2 {
        let job = app.take_job().unwrap();
        app.finish(job.run(&profile));
    }
    assert!(app.model().tree_ready);
    assert!(!Arc::ptr_eq(&shape, app.model().tree.shape()));
}

#[test]
fn export_writes_the_zoomed_view_as_svg() {
    let dir = tempfile::tempdir().unwrap();
    let profile = load("leaky/heap-3.pb.gz");
    let options = AppOptions {
        export_dir: dir.path().to_path_buf(),
        ..options(&profile, "heap-3.pb.gz", (100, 30))
    };
    let mut app = App::new(Arc::new(profile), options);
    press(&mut app, "2 g j j j j Enter");
    assert_eq!(selected_name(&app), "main.handleRequest");
    press(&mut app, "e");
    let path = dir.path().join("heap-3.inuse_space.zoom.svg");
    let (message, error) = app.message().cloned().unwrap();
    assert!(!error, "{message}");
    assert!(
        message.starts_with(&format!("wrote {}", path.display())),
        "{message}"
    );
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.contains("main.(*Cache).Put"));
    assert!(!svg.contains("StartCPUProfile"), "outside the zoom");
    assert!(screen(&app).contains("wrote "));
    // A second export never overwrites the first.
    press(&mut app, "e");
    assert!(dir.path().join("heap-3.inuse_space.zoom-2.svg").exists());
}

fn diff_app(size: (u16, u16)) -> App {
    diff_app_in(size, Theme::new(ColorMode::None))
}

fn diff_app_in(size: (u16, u16), theme: Theme) -> App {
    let (profile, study) = common::diff_study("leaky/heap-3.pb.gz", "leaky/heap-1.pb.gz");
    let options = AppOptions {
        study: Some(study),
        theme,
        ..options(&profile, "heap-3.pb.gz vs heap-1.pb.gz", size)
    };
    App::new(profile, options)
}

#[test]
fn diff_mode_top_shows_base_new_and_signed_delta() {
    let app = diff_app((100, 30));
    assert!(app.is_diff());
    // testdata/oracle/leaky-heap-3.inuse_space.diff_base-heap-1.top.txt: total is heap-1's
    // 1334904 B; main.(*Cache).Put grew by 959808 B from 109976 B (heap-1's flat).
    assert_eq!(app.model().total, 1_334_904);
    let put = &app.model().rows[0];
    assert_eq!(app.model().row_name(put), "main.(*Cache).Put");
    assert_eq!((put.flat, put.base_flat), (959_808, 109_976));
    assert_eq!(put.flat + put.base_flat, 1_069_784, "heap-3's own flat");
    let s = screen(&app);
    // New and Δ of flat and cum; Δ% of the site's own base, as `diff`
    // prints it (+872.7% for main.(*Cache).Put).
    assert!(
        s.contains("    1.02MB  +937.31kB     1.02MB  +937.31kB  +872.7%  main.(*Cache).Put"),
        "{s}"
    );
    // Callers show their cum: main.serve grew by 1.18MB to 1.31MB.
    assert!(
        s.contains("         0          0     1.31MB    +1.18MB           main.serve (inline)"),
        "{s}"
    );
    // The header's total is the new profile's, and says which is the base's.
    assert!(
        s.lines()
            .next()
            .unwrap()
            .contains("total 2.51MB (base 1.27MB)"),
        "{s}"
    );
    assert_snapshot!("diff_top", s);
}

#[test]
fn diff_mode_flame_colours_and_legend() {
    let mut app = diff_app((100, 30));
    press(&mut app, "2");
    let s = screen(&app);
    assert!(s.contains("base 107.40kB → new 1.02MB (+937.31kB)"), "{s}");
    assert_snapshot!("diff_flame", s);
    let mut app = diff_app_in((100, 30), Theme::new(ColorMode::TrueColor));
    press(&mut app, "2 g j j j j j");
    assert_eq!(selected_name(&app), "main.(*Cache).Put");
    // Grew: its frame (not selected now) is drawn red.
    press(&mut app, "k");
    let (w, h) = app.size();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|frame| views::render(&app, frame)).unwrap();
    let buf = terminal.backend().buffer();
    let text = terminal.backend().to_string();
    let (y, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("main.(*Cache).Put"))
        .expect("Put drawn");
    let x = line[1..].find("main.(*Cache).Put").unwrap();
    let x = line[1..][..x].chars().count() as u16;
    let cell = &buf[(x, y as u16)];
    let ratatui::style::Color::Rgb(r, _, b) = cell.bg else {
        panic!("{:?}", cell.bg)
    };
    assert!(r > b, "grew is red");
}

#[test]
fn mouse_click_selects_and_zooms_wheel_scrolls() {
    use crossterm::event::{Event, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mouse = |kind, column, row| {
        Event::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    // Row 2 of the screen is the first table row (header line, column titles).
    let click = action_for(&mouse(MouseEventKind::Down(MouseButton::Left), 5, 4), false).unwrap();
    app.update(click);
    assert_eq!(app.top().list.selected, 2);
    app.update(action_for(&mouse(MouseEventKind::ScrollDown, 5, 4), false).unwrap());
    assert_eq!(app.top().list.selected, 3);
    // In the flame graph a click on a frame zooms into it: row 5 is main.handleRequest.
    press(&mut app, "2");
    app.update(action_for(&mouse(MouseEventKind::Down(MouseButton::Left), 3, 5), false).unwrap());
    assert_eq!(selected_name(&app), "main.handleRequest");
    assert_eq!(app.flame().zoom, vec![app.flame().selected]);
}

#[test]
fn resize_keeps_the_selection_visible() {
    let mut app = app("compile/compile-heap.pb.gz", (100, 40));
    press(
        &mut app,
        "j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j",
    );
    assert_eq!(app.top().list.selected, 30);
    app.update(pprof_tui::tui::action::Action::Resize(80, 24));
    let s = screen(&app);
    let name = app.model().row_name(&app.model().rows[30]);
    assert!(
        s.contains(&name[..20]),
        "row 30 still on screen after shrinking:\n{s}"
    );
}

#[test]
fn a_new_search_starts_empty_after_jumping_to_a_function() {
    // Enter on a Top row jumps to the flame graph and highlights the
    // function with an anchored search; a following `/` must not extend it.
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    press(&mut app, "j Enter 1 /");
    type_text(&mut app, "recordAudit");
    press(&mut app, "Enter");
    let search = app.search().unwrap();
    assert_eq!(search.regex.as_str(), "recordAudit");
    assert_eq!(
        search.coverage.total, 283_840,
        "the oracle's cum of main.recordAudit"
    );
}

/// The app as `pprof-tui SNAP1 SNAP2 …` opens it: snapshots ordered and
/// laid side by side as `trend` does, the other views on the newest.
fn trend_app(snapshots: &[&str], size: (u16, u16)) -> App {
    trend_app_running(snapshots, size, false)
}

fn trend_app_running(snapshots: &[&str], size: (u16, u16), background: bool) -> App {
    let names: Vec<String> = snapshots.iter().map(|s| (*s).to_owned()).collect();
    // The files are given oldest first: the last is the newest.
    let title = format!("{} (newest of {})", names.last().unwrap(), names.len());
    let loaded = snapshots.iter().map(|s| load(s)).collect();
    let (newest, input) = trend_input(loaded, names);
    app_running(newest, &title, size, background)
        .with_trend(input)
        .unwrap()
}

#[test]
fn trend_view_ranks_the_heap_leaks_first() {
    let app = trend_app(&HEAPS, (100, 30));
    assert_eq!(app.view(), ViewKind::Trend);
    let rows = app_trend_rows(&app);
    assert_eq!(rows[0].0, "main.(*Cache).Put");
    assert_eq!(rows[1].0, "main.recordAudit");
    // The same rows, in the same order, with the same values as the CLI.
    assert_eq!(rows, cli_trend_rows(&HEAPS));
    let screen = screen(&app);
    let trend = &app.trend().unwrap().trend;
    let put = &trend.rows[0];
    assert!(put.growth.suspect);
    // first, last and growth in the sample type's unit, as `trend` prints them.
    let unit = trend.sample_type.unit.as_str();
    let expected = format!(
        "{:>10}{:>11}{:>12}",
        pprof_tui::report::units::scaled_label(put.values()[0], unit, "auto"),
        pprof_tui::report::units::scaled_label(put.values()[2], unit, "auto"),
        pprof_tui::report::units::signed_label(put.growth.net, unit, "auto"),
    );
    assert!(screen.contains(&expected), "{expected:?} not on screen");
    assert_snapshot!("trend_heap_1_3", screen);
}

#[test]
fn trend_view_ranks_the_blocked_goroutines_first() {
    let app = trend_app(&GOROUTINES, (100, 30));
    let rows = app_trend_rows(&app);
    assert_eq!(
        rows[0],
        (
            "main.leakyWorker [runtime.gopark → chanrecv → chanrecv1]".to_owned(),
            vec![10, 40, 90]
        )
    );
    assert_eq!(rows, cli_trend_rows(&GOROUTINES));
    assert!(screen(&app).contains("main.leakyWorker [runtime.gopark"));
}

#[test]
fn trend_view_needs_several_profiles() {
    let mut single = app("leaky/heap-3.pb.gz", (100, 30));
    assert_eq!(single.views().len(), 4);
    press(&mut single, "5");
    assert_eq!(single.view(), ViewKind::Top);
    assert_eq!(
        single.message().cloned(),
        Some(("the Trend view needs several profiles".to_owned(), true))
    );
    let mut app = trend_app(&HEAPS, (100, 30));
    press(&mut app, "1");
    assert_eq!(app.view(), ViewKind::Top);
    // The other views show the newest snapshot.
    let newest = app_with(load("leaky/heap-3.pb.gz"), "x", (100, 30));
    assert_eq!(app.model().total, newest.model().total);
    press(&mut app, "BackTab");
    assert_eq!(app.view(), ViewKind::Trend);
    press(&mut app, "Tab 5");
    assert_eq!(app.view(), ViewKind::Trend);
}

#[test]
fn trend_view_moves_and_opens_the_site_in_top() {
    let mut app = trend_app(&HEAPS, (100, 30));
    let n = app.trend().unwrap().trend.rows.len();
    press(&mut app, "j j");
    assert_eq!(app.trend().unwrap().selected, 2);
    press(&mut app, "G");
    assert_eq!(app.trend().unwrap().selected, n - 1);
    press(&mut app, "g j Enter");
    assert_eq!(app.view(), ViewKind::Top);
    let row = &app.model().rows[app.top().list.selected];
    assert_eq!(
        app.model().tree.names()[row.node.index()],
        "main.recordAudit"
    );
}

#[test]
fn trend_rankings_run_as_jobs_and_stale_ones_are_dropped() {
    let mut app = trend_app_running(&HEAPS, (100, 30), true);
    let profile = app.profile_arc();
    while let Some(job) = app.take_job() {
        app.finish(job.run(&profile));
    }
    let trend = |app: &App| app.trend().unwrap().trend.sample_type.name.clone();
    press(&mut app, "5 t");
    assert_eq!(trend(&app), "inuse_space", "ranked off the UI thread");
    assert!(screen(&app).contains("ranking the snapshots"));
    // The runner starts it; a second key steps on from what was asked,
    // not from what is shown, and waits while the first ranking runs.
    let stale = app.take_job().unwrap();
    press(&mut app, "t");
    assert!(app.take_job().is_none(), "one ranking runs at a time");
    app.finish(stale.run(&profile));
    assert_eq!(trend(&app), "inuse_space", "the stale ranking is dropped");
    let fresh = app.take_job().unwrap();
    assert!(app.take_job().is_none());
    app.finish(fresh.run(&profile));
    assert_eq!(trend(&app), "alloc_space");
    assert!(app.busy().is_none());
    assert_eq!(app.model().sample_type.name, "inuse_space");
    // Latest request wins: keys pressed before the runner gets to them
    // leave one ranking to do, for the last one asked.
    press(&mut app, "t t");
    let only = app.take_job().unwrap();
    assert!(app.take_job().is_none(), "superseded requests never run");
    app.finish(only.run(&profile));
    assert_eq!(trend(&app), "inuse_space");
}

#[test]
fn trend_view_cycles_sample_types() {
    let mut app = trend_app(&HEAPS, (100, 30));
    let trend = |app: &App| app.trend().unwrap().trend.sample_type.name.clone();
    assert_eq!(trend(&app), "inuse_space");
    press(&mut app, "t");
    assert_eq!(trend(&app), "alloc_objects");
    assert_eq!(app.model().sample_type.name, "inuse_space");
    // The header follows the view: the Trend's sample type and the newest
    // snapshot's total of it (`top` on heap-3 prints "of 9007 total");
    // the other views keep theirs.
    let first_line = |app: &App| {
        let line = screen(app).lines().next().unwrap().to_owned();
        line.trim_end_matches('"').trim_end().to_owned()
    };
    // (The header leaves the sample type to the status bar beside five
    // named tabs.)
    assert!(
        first_line(&app).ends_with("total 9007"),
        "{}",
        first_line(&app)
    );
    assert!(screen(&app).contains(" alloc_objects · functions · by flat"));
    press(&mut app, "1");
    assert!(
        first_line(&app).ends_with("total 2.51MB"),
        "{}",
        first_line(&app)
    );
    assert!(screen(&app).contains(" inuse_space · functions · sort flat"));
}

// ---- Every key acts on the highlighted row (issue: the Trend view's keys
// acted on whatever Peek last showed).

fn trend_name(app: &App, row: usize) -> String {
    app.trend().unwrap().trend.rows[row].name.clone()
}

fn peeked_name(app: &App) -> String {
    let node = app.peek().peek.as_ref().expect("a peek").node;
    app.model().tree.names()[node.index()].clone()
}

#[test]
fn trend_keys_act_on_the_highlighted_site() {
    let mut app = trend_app(&HEAPS, (100, 30));
    // A fresh Trend view: `j j p` peeks at the third site.
    press(&mut app, "j j p");
    assert_eq!(app.view(), ViewKind::Peek);
    assert_eq!(peeked_name(&app), trend_name(&app, 2));
    // `j S` opens the second suspect's source.
    let mut app = trend_app(&HEAPS, (100, 30));
    press(&mut app, "j S");
    assert_eq!(app.view(), ViewKind::Source);
    assert_eq!(
        app.source().source.as_ref().unwrap().function,
        "main.recordAudit"
    );
    // Peek showing Top's second row must not leak into the Trend view.
    let mut app = trend_app(&HEAPS, (100, 30));
    press(&mut app, "1 g j p 5 g S");
    assert_eq!(
        app.source().source.as_ref().unwrap().function,
        "main.(*Cache).Put"
    );
    // `I` on a fresh Trend view ignores the highlighted site.
    let mut app = trend_app(&HEAPS, (100, 30));
    press(&mut app, "I");
    assert_eq!(app.message().cloned(), None);
    assert_eq!(app.chips().len(), 1);
    assert_eq!(app.chips()[0].pattern, "^main\\.\\(\\*Cache\\)\\.Put$");
    // ... and the trend itself is filtered.
    assert!(
        app_trend_rows(&app)
            .iter()
            .all(|(name, _)| name != "main.(*Cache).Put"),
        "ignored site still ranked"
    );
    // `j F` focuses on the second suspect: the trend keeps only its stacks.
    let mut app = trend_app(&HEAPS, (100, 30));
    press(&mut app, "j F");
    assert_eq!(app.chips()[0].pattern, "^main\\.recordAudit$");
    let rows = app_trend_rows(&app);
    assert!(rows.iter().all(|(name, _)| name != "main.(*Cache).Put"));
    assert_eq!(
        trend_name(&app, app.trend().unwrap().selected),
        "main.recordAudit",
        "the selection stays on the site across the re-rank"
    );
    // `#` searches the highlighted site's name.
    let mut app = trend_app(&HEAPS, (100, 30));
    press(&mut app, "j #");
    assert_eq!(app.search().unwrap().regex.as_str(), "^main\\.recordAudit$");
}

#[test]
fn trend_search_moves_the_selection() {
    let mut app = trend_app(&HEAPS, (100, 30));
    press(&mut app, "/");
    type_text(&mut app, "runtime");
    press(&mut app, "Enter");
    let selected = |app: &App| app.trend().unwrap().selected;
    let first = selected(&app);
    assert_eq!(
        trend_name(&app, first),
        "runtime.malg",
        "jumps to the first match"
    );
    // The status bar counts the matching sites.
    let hits = app_trend_rows(&app)
        .iter()
        .filter(|(name, _)| name.contains("runtime"))
        .count();
    let s = screen(&app);
    assert!(
        s.contains(&format!("/runtime/ matches {hits} of 26 sites")),
        "{s}"
    );
    press(&mut app, "n");
    assert!(selected(&app) > first);
    assert!(trend_name(&app, selected(&app)).starts_with("runtime"));
    press(&mut app, "N");
    assert_eq!(selected(&app), first);
}

#[test]
fn trend_sort_and_granularity_rerank() {
    let mut app = trend_app(&HEAPS, (100, 30));
    press(&mut app, "s");
    let trend = &app.trend().unwrap();
    assert_eq!(trend.settings.by, pprof_tui::analysis::SortBy::Cum);
    // By cum, main.handleRequest carries its callees' growth.
    let handle = trend
        .trend
        .rows
        .iter()
        .find(|r| r.name == "main.handleRequest")
        .unwrap();
    assert_eq!(handle.values(), handle.cum);
    assert!(screen(&app).contains("by cum"));
    press(&mut app, "a");
    let trend = &app.trend().unwrap();
    assert_eq!(trend.settings.granularity, Granularity::FileFunctions);
    assert!(
        trend
            .trend
            .rows
            .iter()
            .any(|r| r.name == "main.(*Cache).Put leaky/main.go")
    );
    // The other views keep their own settings.
    assert_eq!(app.model().granularity, Granularity::Functions);
}

#[test]
fn trend_view_warns_about_alloc_types_and_shows_the_score() {
    let mut app = trend_app(&HEAPS, (120, 30));
    let s = screen(&app);
    assert!(s.contains("score"), "{s}");
    let put = &app.trend().unwrap().trend.rows[0];
    assert!(s.contains(&format!("{:>5.1}", put.growth.score)), "{s}");
    press(&mut app, "t");
    let s = screen(&app);
    assert!(
        s.contains("⚠ alloc_objects counts every allocation since the program started"),
        "{s}"
    );
    assert_snapshot!("trend_alloc_objects", s);
}

#[test]
fn trend_sparkline_of_a_constant_site_is_flat() {
    let app = trend_app(&HEAPS, (100, 30));
    let s = screen(&app);
    let line = s
        .lines()
        .find(|l| l.contains("runtime/pprof.StartCPUProfile"))
        .unwrap();
    assert!(line.contains("▁▁▁"), "{line}");
}

#[test]
fn stacks_granularity_lists_whole_stacks_as_top_does() {
    let profile = load("leaky/goroutine-3.pb.gz");
    let options = AppOptions {
        granularity: Granularity::Stacks,
        ..options(&profile, "goroutine-3.pb.gz", (120, 30))
    };
    let mut app = App::new(Arc::new(profile), options);
    // `top -g stacks --format json` on the same file.
    let path = testdata().join("leaky/goroutine-3.pb.gz");
    let doc = common::json(
        &[
            "top",
            "-g",
            "stacks",
            "--format",
            "json",
            path.to_str().unwrap(),
        ],
        0,
    );
    let expected: Vec<(String, i64)> = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["flat"].as_i64().unwrap(),
            )
        })
        .collect();
    let rows: Vec<(String, i64)> = app
        .model()
        .rows
        .iter()
        .map(|r| (app.model().row_name(r), r.flat))
        .collect();
    assert_eq!(rows, expected);
    assert_eq!(
        rows[0].0,
        "main.leakyWorker [runtime.gopark → chanrecv → chanrecv1]"
    );
    assert!(screen(&app).contains("main.leakyWorker [runtime.gopark → chanrecv → chanrecv1]"));
    // The cross-view keys act on the function naming the stack.
    press(&mut app, "p");
    assert_eq!(peeked_name(&app), "main.leakyWorker");
    // Cycling `a` from functions reaches the same rows.
    let mut app = app_with(load("leaky/goroutine-3.pb.gz"), "g", (100, 30));
    press(&mut app, "a a a a a");
    assert_eq!(app.model().granularity, Granularity::Stacks);
    assert_eq!(
        app.model().row_name(&app.model().rows[0]),
        "main.leakyWorker [runtime.gopark → chanrecv → chanrecv1]"
    );
}

/// The rendered buffer of the app's screen.
fn buffer(app: &App) -> ratatui::buffer::Buffer {
    let (w, h) = app.size();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|frame| views::render(app, frame)).unwrap();
    terminal.backend().buffer().clone()
}

#[test]
fn flame_frames_stay_inside_their_parents_and_the_root_fills_the_width() {
    use ratatui::style::Modifier;
    for size in [(120, 40), (200, 60), (100, 30)] {
        let mut app = app("leaky/heap-3.pb.gz", size);
        press(&mut app, "2");
        let buf = buffer(&app);
        let (w, h) = size;
        // Without colour every frame is reversed, the selected one underlined.
        let painted = |x: u16, y: u16| {
            let m = buf[(x, y)].modifier;
            m.contains(Modifier::REVERSED) || m.contains(Modifier::UNDERLINED)
        };
        // Row 1 is the root, `all`: the whole width.
        for x in 0..w {
            assert!(painted(x, 1), "{size:?}: root cell {x} not drawn");
        }
        // Icicle: a frame's cells lie under its parent's.
        let graph_rows = h - 4;
        for y in 2..1 + graph_rows {
            for x in 0..w {
                if painted(x, y) {
                    assert!(
                        painted(x, y - 1),
                        "{size:?}: cell ({x}, {y}) outside its parent"
                    );
                }
            }
        }
        // Every level shows its extent, not only every other one.
        assert!(painted(0, 2) && painted(0, 3), "{size:?}");
    }
}

/// At 80 columns the tabs keep their names (issue 23: they read `1 2 3 4
/// 5 Trend`); the sample type (also in the status bar) goes first, then
/// the file name is cut from its start, so its end stays. At 100 columns
/// a diff's two file names fit whole.
#[test]
fn narrow_headers_name_the_tabs_and_keep_the_file_names_end() {
    let app = trend_app(&HEAPS, (80, 24));
    let s = screen(&app);
    let header = s.lines().next().unwrap();
    assert!(
        header.contains(" 1 Top  2 Flame  3 Peek  4 Source  5 Trend "),
        "{header}"
    );
    assert!(
        header.contains("pb.gz (newest of 3)  total 2.51MB"),
        "{header}"
    );
    let app = diff_app((80, 24));
    let header = screen(&app).lines().next().unwrap().to_owned();
    assert!(
        header.contains(" 1 Top  2 Flame  3 Peek  4 Source "),
        "{header}"
    );
    assert!(
        header.contains("heap-1.pb.gz  total 2.51MB (base 1.27MB)"),
        "{header}"
    );
    let app = diff_app((100, 30));
    let header = screen(&app).lines().next().unwrap().to_owned();
    assert!(
        header.contains("heap-3.pb.gz vs heap-1.pb.gz  total 2.51MB (base 1.27MB)"),
        "{header}"
    );
}

#[test]
fn clicking_a_tab_shows_its_view() {
    use crossterm::event::{Event, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mut app = trend_app(&HEAPS, (100, 30));
    let (tabs, _) = views::header_layout(&app, 100);
    let flame = tabs.iter().find(|t| t.0 == ViewKind::Flame).unwrap().1;
    let click = Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: flame + 2,
        row: 0,
        modifiers: KeyModifiers::NONE,
    });
    app.update(action_for(&click, false).unwrap());
    assert_eq!(app.view(), ViewKind::Flame);
    // The Trend's highlighted site is the frame selected.
    assert_eq!(selected_name(&app), "main.(*Cache).Put");
}

/// A hand-made profile whose function and sample type names are hostile.
fn hostile_profile(function: &str, sample_type: &str) -> Profile {
    let mut b = support::Builder::new();
    let space = b.string("space") as usize;
    b.profile.string_table[space] = sample_type.to_owned();
    b.sample(&["main.main", function], 1, 4096);
    b.sample(&["main.main"], 1, 1024);
    decode(&b.encode_gz(), &DecodeOptions::default()).unwrap()
}

#[test]
fn export_names_from_hostile_profiles_stay_in_the_export_directory() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("a/b/work");
    std::fs::create_dir_all(&work).unwrap();
    let profile = hostile_profile("main.f", "./../../x");
    let options = AppOptions {
        sample_index: profile.sample_types.len() - 1,
        export_dir: work.clone(),
        export_stem: pprof_tui::tui::export::export_stem(".pb.gz", None),
        ..options(&profile, ".pb.gz", (100, 30))
    };
    let mut app = App::new(Arc::new(profile), options);
    press(&mut app, "e");
    let (message, error) = app.message().cloned().unwrap();
    assert!(!error, "{message}");
    let written: Vec<String> = std::fs::read_dir(&work)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, ["profile._.._.._x.svg"]);
    // Nothing landed above the export directory.
    assert!(!dir.path().join("a/x.svg").exists() && !dir.path().join("x.svg").exists());
}

#[test]
fn export_names_are_plain() {
    use pprof_tui::tui::export::export_stem;
    assert_eq!(export_stem("heap-3.pb.gz", None), "heap-3");
    assert_eq!(export_stem("<stdin>", None), "stdin");
    assert_eq!(
        export_stem("heap-3.pb.gz", Some("heap-1.pb.gz")),
        "heap-3.diff-heap-1"
    );
}

#[test]
fn profile_strings_are_drawn_escaped() {
    let evil = "main.evil\u{1b}]0;pwned\u{7}";
    let profile = hostile_profile(evil, "space\u{202e}");
    let mut app = app_with(profile, "evil\u{1b}[2J.pb.gz", (100, 30));
    let check = |app: &App, what: &str| {
        let s = screen(app);
        assert!(
            !s.contains('\u{1b}') && !s.contains('\u{7}') && !s.contains('\u{202e}'),
            "{what}: raw control on screen:\n{s}"
        );
        s
    };
    let s = check(&app, "top");
    assert!(s.contains("main.evil\\x1b]0;pwned\\x07"), "{s}");
    assert!(s.contains("space\\u{202e}"), "{s}");
    assert!(s.contains("evil\\x1b[2J.pb.gz"), "{s}");
    press(&mut app, "2");
    press(&mut app, "/");
    type_text(&mut app, "evil");
    press(&mut app, "Enter");
    let s = check(&app, "flame");
    assert!(s.contains("main.evil\\x1b]0;pwned\\x07"), "{s}");
    press(&mut app, "p");
    let s = check(&app, "peek");
    assert!(s.contains("main.evil\\x1b]0;pwned\\x07"), "{s}");
    press(&mut app, "S");
    let s = check(&app, "source");
    assert!(s.contains("main.evil\\x1b]0;pwned\\x07"), "{s}");
    press(&mut app, "I");
    check(&app, "chips");
}

#[test]
fn search_is_smart_case_and_jumps_to_the_first_match() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    press(&mut app, "/");
    type_text(&mut app, "audit");
    press(&mut app, "Enter");
    assert_eq!(app.message().cloned(), None);
    assert_eq!(app.top().list.selected, top_row(&app, "main.recordAudit"));
    // A capital makes it case-sensitive.
    press(&mut app, "g /");
    type_text(&mut app, "Audit|put");
    press(&mut app, "Enter");
    assert_eq!(app.top().list.selected, top_row(&app, "main.recordAudit"));
    // In the flame graph the cursor jumps too.
    press(&mut app, "2 g /");
    type_text(&mut app, "cache");
    press(&mut app, "Enter");
    assert_eq!(selected_name(&app), "main.(*Cache).Put");
}

#[test]
fn a_function_asked_for_while_the_tree_is_built_is_shown_when_it_arrives() {
    let mut app = app_running(load("leaky/heap-3.pb.gz"), "heap-3.pb.gz", (100, 30), true);
    let profile = app.profile_arc();
    let run_all = |app: &mut App| {
        while let Some(job) = app.take_job() {
            app.finish(job.run(&profile));
        }
    };
    run_all(&mut app);
    press(&mut app, "2 g j");
    assert_eq!(selected_name(&app), "runtime.main");
    // Another granularity: the new rows arrive first, the tree later.
    press(&mut app, "a");
    let rows = app.take_job().unwrap();
    app.finish(rows.run(&profile));
    assert!(!app.model().tree_ready);
    // Enter on a Top row before the tree is there: its function, not the
    // frame carried over from before, is what the flame graph shows.
    press(&mut app, "1 j j");
    let wanted = app
        .model()
        .row_name(&app.model().rows[app.top().list.selected]);
    assert_ne!(wanted, "runtime.main");
    press(&mut app, "Enter");
    run_all(&mut app);
    assert_eq!(app.view(), ViewKind::Flame);
    assert_eq!(selected_name(&app), wanted);
}

#[test]
fn searching_the_flame_graph_before_its_tree_is_not_an_error() {
    let mut app = app_running(load("leaky/heap-3.pb.gz"), "heap-3.pb.gz", (100, 30), true);
    press(&mut app, "2 /");
    type_text(&mut app, "audit");
    press(&mut app, "Enter");
    assert_eq!(app.message().cloned(), None);
    press(&mut app, "n");
    assert_eq!(
        app.message().cloned(),
        Some(("the call tree is still being built".to_owned(), false))
    );
}

#[test]
fn diff_mode_at_stacks_granularity_compares_whole_stacks() {
    let (profile, study) = common::diff_study("leaky/goroutine-3.pb.gz", "leaky/goroutine-1.pb.gz");
    let options = AppOptions {
        granularity: Granularity::Stacks,
        export_stem: "goroutine-3.diff-goroutine-1".to_owned(),
        study: Some(study),
        ..options(
            &profile,
            "goroutine-3.pb.gz vs goroutine-1.pb.gz",
            (140, 30),
        )
    };
    let app = App::new(profile, options);
    // `pprof-tui diff -g stacks goroutine-1.pb.gz goroutine-3.pb.gz`: 10 → 90, +80, +800%.
    let row = &app.model().rows[0];
    assert_eq!(
        app.model().row_name(row),
        "main.leakyWorker [runtime.gopark → chanrecv → chanrecv1]"
    );
    assert_eq!(
        (row.flat, row.base_flat, row.cum, row.base_cum),
        (80, 10, 80, 10)
    );
    let s = screen(&app);
    assert!(
        s.contains(
            "        90        +80         90        +80    +800%  main.leakyWorker [runtime.gopark"
        ),
        "{s}"
    );
}

#[test]
fn source_lines_are_read_off_the_ui_thread() {
    let mut app = app_running(load("leaky/heap-3.pb.gz"), "heap-3.pb.gz", (100, 30), true);
    let profile = app.profile_arc();
    while let Some(job) = app.take_job() {
        app.finish(job.run(&profile));
    }
    press(&mut app, "j S");
    assert_eq!(app.view(), ViewKind::Source);
    assert!(app.source().source.is_none(), "left to a job");
    let s = screen(&app);
    assert!(
        s.contains("reading the source lines of main.(*Cache).Put"),
        "{s}"
    );
    let job = app.take_job().unwrap();
    app.finish(job.run(&profile));
    assert_eq!(
        app.source().source.as_ref().unwrap().function,
        "main.(*Cache).Put"
    );
    assert!(app.busy().is_none());
}

#[test]
fn the_progress_indicator_waits_for_every_job() {
    let mut app = trend_app_running(&HEAPS, (100, 30), true);
    let profile = app.profile_arc();
    while let Some(job) = app.take_job() {
        app.finish(job.run(&profile));
    }
    assert!(app.busy().is_none());
    press(&mut app, "j S 5 t");
    let source = app.take_job().unwrap();
    let ranking = app.take_job().unwrap();
    app.finish(source.run(&profile));
    // The ranking is still running: the UI must keep waking up for it.
    assert_eq!(
        app.busy().map(|(what, _)| what),
        Some("ranking the snapshots")
    );
    app.finish(ranking.run(&profile));
    assert!(app.busy().is_none());
}

/// Found by fuzzing (`fuzz/`): values whose sums pass `i64` made the Top
/// view's model and its running sum panic with "attempt to add with
/// overflow" in builds with overflow checks. They wrap, as in `top`.
#[test]
fn values_overflowing_i64_are_shown_not_a_panic() {
    let mut app = app("malformed/values-overflowing-i64.pb", (100, 30));
    let top = screen(&app);
    assert!(top.contains("main.main"), "{top}");
    assert!(top.contains("main.a"), "{top}");
    press(&mut app, "2");
    assert_eq!(app.view(), ViewKind::Flame);
    assert!(screen(&app).contains("main.main"));
    press(&mut app, "3");
    assert_eq!(app.view(), ViewKind::Peek);
    screen(&app);
}

/// Found by fuzzing: a profile whose samples all have empty stacks gave the
/// call tree's sort an empty group, and the flame graph's job panicked.
#[test]
fn a_profile_without_any_stack_draws_an_empty_flame_graph() {
    let mut b = support::Builder::new();
    b.sample(&[], 1, 100).sample(&[], 2, 50);
    let profile = decode(&b.encode_gz(), &DecodeOptions::default()).unwrap();
    let mut app = app_running(profile, "empty.pb.gz", (100, 20), false);
    press(&mut app, "2");
    assert!(app.model().tree_ready && app.model().tree.is_empty());
    assert!(
        screen(&app).contains("no samples to draw"),
        "{}",
        screen(&app)
    );
    press(&mut app, "/");
    type_text(&mut app, "main");
    press(&mut app, "Enter n N p");
}

/// The command line's filters, compiled once there, open as chips written
/// as they were given, and the app filters with them as they are.
#[test]
fn command_line_filters_open_as_chips() {
    use pprof_tui::analysis::{TagFilter, compile_regex};
    let profile = load("leaky/heap-3.pb.gz");
    let filters = Filters {
        focus: Some(compile_regex("--focus", "main\\.").unwrap()),
        hide: Some(compile_regex("--hide", "runtime").unwrap()),
        tag_focus: Some(TagFilter::parse("--tagfocus", "bytes=1kb:").unwrap()),
        ..Filters::default()
    };
    let options = AppOptions {
        filters,
        ..options(&profile, "heap-3.pb.gz", (100, 30))
    };
    let app = App::new(Arc::new(profile), options);
    let chips: Vec<String> = app
        .chips()
        .iter()
        .map(|c| format!("{}={}", c.kind.as_str(), c.pattern))
        .collect();
    assert_eq!(
        chips,
        ["focus=main\\.", "hide=runtime", "tagfocus=bytes=1kb:"]
    );
    let filters = app.filters();
    assert_eq!(
        filters.focus.map(|r| r.as_str().to_owned()).as_deref(),
        Some("main\\.")
    );
    assert!(app.message().is_none());
}

/// Chips that do not compile never turn silently into "no filters": the
/// status bar says why and the filters stay as they were.
#[test]
fn an_invalid_filter_is_said_in_the_status_bar() {
    use pprof_tui::tui::filters::{Chip, ChipKind};
    let chip = |pattern: &str| Chip {
        kind: ChipKind::Focus,
        pattern: pattern.to_owned(),
    };
    let mut app =
        app("leaky/heap-3.pb.gz", (100, 30)).with_chips(vec![chip("main.("), chip("main")]);
    press(&mut app, "x");
    let (message, error) = app.message().cloned().unwrap();
    assert!(error);
    assert!(message.starts_with("invalid filter: "), "{message}");
    assert!(message.contains("main.("), "{message}");
    assert!(app.filters().is_empty());
}

const LEGACY_HEAPS: [&str; 3] = [
    "legacy/heap-1.debug1.txt",
    "legacy/heap-2.debug1.txt",
    "legacy/heap-3.debug1.txt",
];

#[test]
fn memstats_panel_shows_the_runtime_numbers_and_the_gap() {
    let mut app = app("legacy/heap-3.debug1.txt", (80, 24));
    press(&mut app, "m");
    assert!(app.memstats().open);
    let screen = screen(&app);
    // The file's own values: HeapInuse = 5464064, NumGC = 17.
    assert!(screen.contains("HeapInuse             5.21MB"), "{screen}");
    assert_snapshot!("memstats_heap3_80x24", screen);
    press(&mut app, "j");
    assert!(!app.memstats().open, "any key closes it");
    assert_eq!(app.top().list.selected, 0, "the key only closed the panel");
}

#[test]
fn memstats_panel_says_a_proto_has_none() {
    let mut app = app("leaky/heap-3.pb.gz", (80, 24));
    press(&mut app, "m");
    let screen = screen(&app);
    assert!(
        screen.contains("This profile carries no runtime MemStats."),
        "{screen}"
    );
}

#[test]
fn memstats_panel_in_trend_mode_lists_each_snapshot() {
    let names: Vec<String> = LEGACY_HEAPS.iter().map(|s| (*s).to_owned()).collect();
    let loaded: Vec<Profile> = LEGACY_HEAPS.iter().map(|s| load(s)).collect();
    let series = names
        .iter()
        .zip(&loaded)
        .map(|(n, p)| (n.clone(), pprof_tui::analysis::runtime::runtime_point(p)))
        .collect();
    let mut app = trend_app(&LEGACY_HEAPS, (100, 34)).with_runtime_series(series);
    assert_eq!(app.view(), ViewKind::Trend);
    press(&mut app, "m");
    let screen = screen(&app);
    assert!(
        screen.contains("heap-3.debug1.txt            5.21MB        7703       2.51MB      2.70MB"),
        "{screen}"
    );
    assert_snapshot!("memstats_trend_legacy_heaps", screen);
}

/// Proto snapshots carry no MemStats: the panel still gives each one's
/// in-use total (the profile's, as Top's header says it) and says what
/// the dashes mean (issue 23: every value was `-`).
#[test]
fn memstats_panel_gives_proto_snapshots_their_inuse_totals() {
    let loaded: Vec<Profile> = HEAPS.iter().map(|s| load(s)).collect();
    let series = HEAPS
        .iter()
        .zip(&loaded)
        .map(|(n, p)| {
            let point = pprof_tui::analysis::runtime::runtime_point(p);
            ((*n).to_owned(), point)
        })
        .collect();
    let mut app = trend_app(&HEAPS, (100, 34)).with_runtime_series(series);
    press(&mut app, "m");
    let s = screen(&app);
    // The totals Top's header shows for each file (heap-1 is the diff's
    // base, heap-2 a watch's newest in tests/tui_watch.rs).
    for (name, total) in [
        ("heap-1.pb.gz", "1.27MB"),
        ("heap-2.pb.gz", "1.72MB"),
        ("heap-3.pb.gz", "2.51MB"),
    ] {
        let row = format!("{name:<24}{:>11}{:>12}{total:>13}{:>12}", "-", "-", "-");
        assert!(s.contains(&row), "{row:?} not in\n{s}");
    }
    assert!(s.contains("-: a proto snapshot carries no MemStats"), "{s}");
}

/// After `F` the search's share of the total is the table's (issue 23:
/// it said 100.0% where the table said 0.15%: it was of the focused call
/// tree's root), and so is the flame graph's.
#[test]
fn percentages_after_focus_agree_with_the_table() {
    // Wide enough for the status bar's chip and search both.
    let mut app = app("leaky/heap-3.pb.gz", (140, 30));
    let row = top_row(&app, "main.recordAudit");
    select_row(&mut app, row);
    press(&mut app, "F");
    assert_eq!(app.chips().len(), 1);
    let s = screen(&app);
    let line = s
        .lines()
        .find(|l| l.contains("  main.recordAudit"))
        .unwrap()
        .to_owned();
    let cum_pct = line.split_whitespace().nth(5).unwrap().to_owned();
    assert!(cum_pct.ends_with('%') && cum_pct != "100%", "{line}");
    let row = top_row(&app, "main.recordAudit");
    select_row(&mut app, row);
    press(&mut app, "#");
    let s = screen(&app);
    assert!(s.contains(&format!("{cum_pct} of total")), "{cum_pct}: {s}");
    press(&mut app, "Enter");
    assert_eq!(app.view(), ViewKind::Flame);
    let s = screen(&app);
    assert!(s.contains(&format!("{cum_pct} of all")), "{cum_pct}: {s}");
}

/// Enter, `p` and `S` leave a place Esc comes back to: the view, its
/// highlighted row and the search, as they were.
#[test]
fn esc_goes_back_to_where_enter_p_and_s_came_from() {
    for keys in ["Enter", "p", "S"] {
        let mut app = trend_app(&HEAPS, (100, 30));
        press(&mut app, "j");
        let row = app.trend().unwrap().selected;
        let before = screen(&app);
        press(&mut app, keys);
        assert_ne!(app.view(), ViewKind::Trend, "{keys} left the Trend view");
        press(&mut app, "Esc");
        assert_eq!(app.view(), ViewKind::Trend, "Esc after {keys}");
        assert_eq!(app.trend().unwrap().selected, row, "Esc after {keys}");
        assert_eq!(screen(&app), before, "Esc after {keys}");
    }
    // From Top: `p`, Enter on a caller, Esc back to the first peek, Esc back
    // to Top on the same row.
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    let row = top_row(&app, "main.(*Cache).Put");
    select_row(&mut app, row);
    press(&mut app, "p");
    assert_eq!(peeked_name(&app), "main.(*Cache).Put");
    press(&mut app, "g Enter");
    assert_ne!(peeked_name(&app), "main.(*Cache).Put");
    press(&mut app, "Esc");
    assert_eq!(peeked_name(&app), "main.(*Cache).Put");
    assert_eq!(app.view(), ViewKind::Peek);
    press(&mut app, "Esc");
    assert_eq!(app.view(), ViewKind::Top);
    assert_eq!(app.top().list.selected, row);
    // With nothing to go back to, Esc says so and stays.
    press(&mut app, "Esc");
    assert_eq!(app.view(), ViewKind::Top);
    assert!(app.message().unwrap().0.contains("nothing to go back to"));
}

/// Enter on a Top row searches the function in the flame graph; the
/// user's own search comes back with Esc, and the status bar says so.
#[test]
fn enter_keeps_the_users_search_for_esc() {
    let mut app = app("leaky/heap-3.pb.gz", (100, 30));
    press(&mut app, "/");
    type_text(&mut app, "main");
    press(&mut app, "Enter");
    let row = app.top().list.selected;
    press(&mut app, "Enter");
    assert_eq!(app.view(), ViewKind::Flame);
    assert_ne!(app.search().unwrap().regex.as_str(), "main");
    assert!(screen(&app).contains("Esc: back to /main/"));
    // Enter zooms; the first Esc zooms out, the second goes back.
    press(&mut app, "Enter Esc");
    assert_eq!(app.view(), ViewKind::Flame);
    assert!(app.flame().zoom.is_empty());
    press(&mut app, "Esc");
    assert_eq!(app.view(), ViewKind::Top);
    assert_eq!(app.search().unwrap().regex.as_str(), "main");
    assert_eq!(app.top().list.selected, row);
    assert!(screen(&app).contains("/main/"));
}
