//! The Goroutines view on real Go 1.27 dumps and profiles
//! (testdata/goroutines): exact screens, the sort key, Enter and Esc.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use std::sync::Arc;

use pprof_tui::analysis::goroutines::GroupSort;
use pprof_tui::tui::action::{Action, ViewKind};
use pprof_tui::tui::{App, AppOptions};

use common::load;
use common::screen::{options, press, screen, trend_input};
use insta::assert_snapshot;

fn open(rel: &str, size: (u16, u16)) -> App {
    let profile = Arc::new(load(rel));
    let name = rel.rsplit('/').next().unwrap().to_owned();
    let options: AppOptions = options(&profile, &name, size);
    App::new(profile, options)
}

const LEAK_DUMP: &str = "goroutines/service/out/goroutineleak.debug2.txt";

/// The name of the selected group.
fn selected(app: &App) -> String {
    app.goroutines().unwrap().group().unwrap().name.clone()
}

#[test]
fn goroutines_view_of_a_leak_dump() {
    let mut app = open(LEAK_DUMP, (120, 30));
    assert!(app.views().contains(&ViewKind::Goroutines));
    press(&mut app, "6");
    assert_eq!(app.view(), ViewKind::Goroutines);
    let s = screen(&app);
    // The dump's numbers: 156 goroutines, 90 headers say (leaked); the
    // 31 writeLoops of which 30 proven lead.
    assert!(s.contains("156 goroutines in 10 groups · 90 proven leaked by the runtime"));
    assert!(s.contains(
        "     31      30 select             <1m  net/http.(*persistConn).writeLoop  <unclosed-body>"
    ));
    assert_snapshot!("goroutines_leak_dump_120x30", s);
}

#[test]
fn s_sorts_by_wait_and_back_keeping_the_cursor_on_its_group() {
    let mut app = open(LEAK_DUMP, (120, 30));
    press(&mut app, "6 j");
    let on = selected(&app);
    assert_eq!(on, "main.awaitToken");
    press(&mut app, "s");
    assert_eq!(app.goroutines().unwrap().sort(), GroupSort::Wait);
    assert_eq!(selected(&app), on, "the cursor follows its group");
    let groups = &app.goroutines().unwrap().goroutines().unwrap().groups;
    let first = groups[0].wait.unwrap().1;
    assert!(groups.iter().all(|g| g.wait.map_or(-1, |w| w.1) <= first));
    assert_eq!(first, 1);
    assert_snapshot!("goroutines_by_wait_120x30", screen(&app));
    press(&mut app, "s");
    assert_eq!(app.goroutines().unwrap().sort(), GroupSort::Count);
    assert_eq!(selected(&app), on);
    // Top's sort is untouched.
    press(&mut app, "1");
    assert_eq!(app.model().sort.as_str(), "flat");
}

#[test]
fn enter_opens_the_stack_with_its_creator_and_esc_goes_back() {
    let mut app = open(LEAK_DUMP, (120, 30));
    press(&mut app, "6 j Enter");
    assert!(app.goroutines().unwrap().open.is_some());
    let s = screen(&app);
    assert!(s.contains("30 goroutines · state chan receive · wait not in the dump (leaked)"));
    assert!(s.contains("30 proven leaked by the runtime"));
    assert!(s.contains("label tenant=acme (20)"));
    assert!(s.contains("  main.awaitToken"));
    assert!(s.contains("      goroutines/service/main.go:64"));
    assert!(s.contains("created by main.handleLogin"));
    assert_snapshot!("goroutines_open_await_token", s);
    // The whole page fits: j has nothing to scroll.
    press(&mut app, "j");
    assert_eq!(
        app.goroutines().unwrap().open.map(|(_, scroll)| scroll),
        Some(0)
    );
    // On a short screen j scrolls the page, not the list, and G shows
    // its end: the creator.
    app.update(Action::Resize(120, 12));
    press(&mut app, "j");
    assert_eq!(
        app.goroutines().unwrap().open.map(|(_, scroll)| scroll),
        Some(1)
    );
    press(&mut app, "G");
    let s = screen(&app);
    let body: Vec<&str> = s.lines().collect();
    assert!(
        body[body.len() - 3].contains("created by main.handleLogin"),
        "{s}"
    );
    press(&mut app, "g");
    assert_eq!(
        app.goroutines().unwrap().open.map(|(_, scroll)| scroll),
        Some(0)
    );
    assert_eq!(selected(&app), "main.awaitToken");
    press(&mut app, "Esc");
    assert!(app.goroutines().unwrap().open.is_none());
    assert_eq!(app.view(), ViewKind::Goroutines);
    assert_eq!(selected(&app), "main.awaitToken");
    press(&mut app, "j");
    assert_ne!(selected(&app), "main.awaitToken", "j moves the list again");
}

#[test]
fn a_proto_profile_at_80x24() {
    let mut app = open("goroutines/service/out/goroutineleak.pb.gz", (80, 24));
    press(&mut app, "Tab Tab Tab Tab");
    assert_eq!(app.view(), ViewKind::Goroutines, "Tab reaches the view");
    let s = screen(&app);
    assert!(s.contains("90 goroutines in 3 groups · all 90 proven leaked by the runtime"));
    assert_snapshot!("goroutines_leak_proto_80x24", s);
}

#[test]
fn filters_regroup_the_goroutines() {
    let mut app = open(LEAK_DUMP, (120, 30));
    press(&mut app, "6 j F");
    assert_eq!(app.chips().len(), 1);
    let g = app.goroutines().unwrap().goroutines().unwrap();
    assert_eq!(g.groups.len(), 1);
    assert_eq!(g.grouped, 30);
    assert_eq!(selected(&app), "main.awaitToken");
    press(&mut app, "x");
    assert_eq!(app.goroutines().unwrap().goroutines().unwrap().grouped, 156);
}

#[test]
fn the_view_is_for_goroutine_profiles_only() {
    let mut app = open("leaky/heap-3.pb.gz", (100, 30));
    assert!(!app.views().contains(&ViewKind::Goroutines));
    press(&mut app, "6");
    assert_eq!(app.view(), ViewKind::Top);
    let s = screen(&app);
    assert!(s.contains("the Goroutines view needs a goroutine profile or dump"));
}

#[test]
fn search_moves_to_a_matching_group() {
    let mut app = open(LEAK_DUMP, (120, 30));
    press(&mut app, "6 /");
    for c in "queryBackend".chars() {
        press(&mut app, &c.to_string());
    }
    press(&mut app, "Enter");
    assert_eq!(selected(&app), "main.queryBackend");
}

#[test]
fn trend_rows_name_their_signature_and_the_newest_snapshot_groups() {
    let paths = ["1", "2", "3"].map(|n| format!("goroutines/service/out/goroutine-{n}.pb.gz"));
    let loaded = paths.iter().map(|p| load(p)).collect();
    let (newest, input) = trend_input(loaded, paths.to_vec());
    let options = options(&newest, "goroutine-3.pb.gz (newest of 3)", (160, 30));
    let mut app = App::new(newest, options).with_trend(input).unwrap();
    assert_eq!(app.view(), ViewKind::Trend);
    let s = screen(&app);
    // The same ids as `trend --format json` (tests/signatures.rs).
    let line = |name: &str| {
        s.lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no {name} in {s}"))
            .to_owned()
    };
    assert!(line("main.awaitToken").contains("<blocked-channel>"));
    assert!(line("main.queryBackend").contains("<blocked-channel>"));
    assert!(line("net/http.(*persistConn).readLoop").contains("<unclosed-body>"));
    assert!(!line("runtime/pprof.writeRuntimeProfile").contains('<'));
    // Beside Trend, the Goroutines view groups the newest snapshot.
    press(&mut app, "6");
    assert_eq!(app.view(), ViewKind::Goroutines);
    let g = app.goroutines().unwrap().goroutines().unwrap();
    let p = load("goroutines/service/out/goroutine-3.pb.gz");
    let total: i64 = (0..p.samples().len())
        .map(|i| p.samples().value(i, 0))
        .sum();
    assert_eq!(g.total, total);
    assert_eq!(g.total, app.model().total, "the header's total");
}

#[test]
fn top_says_a_goroutineleak_profile_is_all_proven() {
    let app = open("goroutines/service/out/goroutineleak.pb.gz", (100, 24));
    assert_eq!(app.view(), ViewKind::Top);
    let s = screen(&app);
    assert!(
        s.contains(
            " goroutineleak · functions · sort flat · every goroutine proven leaked by the runtime"
        ),
        "{s}"
    );
    let app = open("goroutines/service/out/goroutine.pb.gz", (100, 24));
    assert!(!screen(&app).contains("proven leaked"));
}
