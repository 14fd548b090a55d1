//! The TUI's "why on heap": class badges in Top and Source, the detail pane
//! for the selected row, and the column `w` toggles — screens drawn through
//! the app's update loop, as tests/tui.rs does.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use insta::assert_snapshot;
use pprof_tui::analysis::Granularity;
use pprof_tui::analysis::escape::Escapes;
use pprof_tui::tui::action::ViewKind;
use pprof_tui::tui::why::WhyRequest;
use pprof_tui::tui::{App, AppOptions};

use common::screen::{options, press, screen, trend_input};
use common::{load, testdata};
/// heap-3 explained with the -m=2 output, as `pprof-tui --escape` opens it,
/// showing `sample_type`.
fn app_of(sample_type: &str, granularity: Granularity, size: (u16, u16)) -> App {
    let profile = load("leaky/heap-3.pb.gz");
    let shown = profile.sample_index(sample_type).unwrap();
    let text = std::fs::read_to_string(testdata().join("leaky/escape-m2.txt")).unwrap();
    let escapes = Escapes::parse(&text);
    let why = WhyRequest {
        escapes: Some(Arc::new((escapes, "escape-m2.txt".to_owned()))),
        snapshots: None,
    };
    let options = AppOptions {
        sample_index: shown,
        granularity,
        source_paths: vec![PathBuf::from("testdata")],
        why: Some(why),
        ..options(&profile, "heap-3.pb.gz", size)
    };
    App::new(Arc::new(profile), options)
}

fn app(granularity: Granularity, size: (u16, u16)) -> App {
    app_of("inuse_space", granularity, size)
}
fn select(app: &mut App, label: &str) {
    let names = app.model.tree.names();
    let i = app
        .model
        .rows
        .iter()
        .position(|r| names[r.node.index()] == label)
        .unwrap_or_else(|| panic!("{label} not in Top"));
    // Down from the top, as a user would.
    for _ in 0..i {
        press(app, "j");
    }
}

#[test]
fn top_shows_badges_and_the_pane_for_the_selected_line() {
    let mut app = app(Granularity::Lines, (120, 30));
    select(&mut app, "main.recordAudit leaky/main.go:58");
    let s = screen(&app);
    assert!(
        s.contains("main.recordAudit leaky/main.go:58  [retained]"),
        "{s}"
    );
    assert!(
        s.contains("&auditRecord{...} escapes to heap — stored into a global, a map, a slice or an object on the heap"),
        "{s}"
    );
    assert_snapshot!("why_top_lines_audit", s);
}

#[test]
fn the_join_is_reported_once_explained() {
    let app = app(Granularity::Lines, (120, 30));
    assert_eq!(
        app.message,
        Some((
            "why on heap: 18 of 52 allocation sites explained by 'escape-m2.txt' (pprof-tui explain lists the others)"
                .to_owned(),
            false
        ))
    );
}

#[test]
fn w_toggles_the_why_column() {
    let mut app = app(Granularity::Lines, (120, 30));
    press(&mut app, "w");
    assert!(app.why_column);
    let s = screen(&app);
    assert!(
        s.contains("why on heap: the compiler's reasons shown"),
        "{s}"
    );
    assert_snapshot!("why_top_lines_column", s);
    press(&mut app, "w");
    assert!(!app.why_column);
    assert!(!screen(&app).contains("why on heap      name"));
}

#[test]
fn functions_gather_their_lines() {
    let mut app = app(Granularity::Functions, (120, 30));
    select(&mut app, "main.(*Cache).Put");
    let s = screen(&app);
    // Line 31's make and line 36's map growth, both retained.
    assert!(s.contains("main.(*Cache).Put  [retained]"), "{s}");
    assert!(
        s.contains("leaky/main.go:31 make([]byte, size) escapes to heap — its size is known only at run time"),
        "{s}"
    );
    assert!(
        s.contains("leaky/main.go:36 no compiler message: on lines with no escape message"),
        "{s}"
    );
}

#[test]
fn source_shows_classes_per_line_and_the_selected_lines_pane() {
    let mut app = app_of("alloc_space", Granularity::Functions, (120, 30));
    select(&mut app, "main.buildResponse");
    press(&mut app, "S w");
    assert_eq!(app.view, ViewKind::Source);
    let s = screen(&app);
    assert!(
        s.contains("    90    31.46MB    31.46MB  [large] [churn]      non_constant_si…      buf := make([]byte, size)"),
        "{s}"
    );
    assert_snapshot!("why_source_build_response", s);
}

#[test]
fn w_without_a_heap_profile_says_why() {
    let profile = load("leaky/cpu.pb.gz");
    let options = AppOptions {
        export_stem: "cpu".to_owned(),
        ..options(&profile, "cpu.pb.gz", (100, 30))
    };
    let mut app = App::new(Arc::new(profile), options);
    press(&mut app, "w");
    assert!(!app.why_column);
    assert_eq!(
        app.message,
        Some((
            "why on heap needs a Go heap profile (alloc_* and inuse_* sample types)".to_owned(),
            true
        ))
    );
}

#[test]
fn with_snapshots_the_leak_class_follows_the_trend() {
    let paths = [
        "leaky/heap-1.pb.gz",
        "leaky/heap-2.pb.gz",
        "leaky/heap-3.pb.gz",
    ];
    let (newest, input) = trend_input(&paths);
    let why = WhyRequest {
        escapes: None,
        snapshots: None,
    };
    let options = AppOptions {
        granularity: Granularity::Lines,
        why: Some(why),
        ..options(&newest, "heap-3.pb.gz (newest of 3)", (120, 30))
    };
    let mut app = App::new(newest, options).with_trend(input).unwrap();
    press(&mut app, "1");
    let s = screen(&app);
    assert!(
        s.contains("main.(*Cache).Put leaky/main.go:31  [leak] [retained]"),
        "{s}"
    );
    assert!(
        s.contains("main.recordAudit leaky/main.go:58  [leak] [retained]"),
        "{s}"
    );
    // Without the compiler's output the pane says where to get it.
    assert!(
        s.contains("no escape analysis: open with --escape FILE"),
        "{s}"
    );
}

/// A pane with more lines than rows says how many are below; `W` turns to
/// the next page, and back to the first after the last.
#[test]
fn the_why_pane_pages() {
    let mut app = app(Granularity::Functions, (120, 30));
    select(&mut app, "main.handleRequest");
    let first = screen(&app);
    assert!(first.contains("↓ 3 more (W: next page)"), "{first}");
    assert!(
        first.contains("leaky/main.go:103 allocated inside fmt.Sprintf, called here"),
        "{first}"
    );
    press(&mut app, "W");
    let second = screen(&app);
    assert!(second.contains("→ boxed into an interface"), "{second}");
    assert!(second.contains("(W: back to the first page)"), "{second}");
    assert!(!second.contains("fmt.Sprintf, called here"), "{second}");
    press(&mut app, "W");
    assert_eq!(screen(&app), first);
    // Any other key starts again from the first page.
    press(&mut app, "W j k");
    assert_eq!(screen(&app), first);
}

/// The row of a function that allocates for its callers (here the CPU
/// profiler's buffer) shows the line that called it.
#[test]
fn a_callee_row_shows_the_line_that_called_it() {
    let mut app = app(Granularity::Functions, (120, 30));
    select(&mut app, "runtime/pprof.StartCPUProfile");
    let s = screen(&app);
    assert!(
        s.contains("allocated inside runtime/pprof.StartCPUProfile, called here"),
        "{s}"
    );
    assert!(s.contains("[large] [retained]"), "{s}");
}
