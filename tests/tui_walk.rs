//! The key-by-key walk: every key the help (`?`) lists, pressed in every
//! view of the app in single, diff, Trend and watch mode, on a fresh app
//! each time (a binding's other keys, e.g. `↓` beside `j`, are checked to
//! send the same action). Each key must change the screen — what it does, or a status
//! line saying why it cannot — and the keys with a known outcome (views,
//! overlays, the prompt, quitting, export, the watch keys) are checked for
//! that outcome.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use pprof_tui::analysis::Study;
use pprof_tui::input::watch::{Event, Feed, Snapshot};
use pprof_tui::profile::Profile;
use pprof_tui::tui::action::{Action, ViewKind};
use pprof_tui::tui::keymap::{BINDINGS, Key, Section, action_for};
use pprof_tui::tui::trend::TrendInput;
use pprof_tui::tui::watch::WatchState;
use pprof_tui::tui::why::WhyRequest;
use pprof_tui::tui::{App, AppOptions, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use common::HEAPS;
use common::screen::{options, press, screen};

/// A Go 1.27 goroutine dump whose headers mark 90 goroutines `(leaked)`:
/// the profile that brings the Goroutines view.
const LEAK_DUMP: &str = "goroutines/service/out/goroutineleak.debug2.txt";

/// leaky's heap snapshots and the leak dump, decoded once: the walk
/// builds hundreds of apps.
fn load(rel: &str) -> Profile {
    static DECODED: LazyLock<Vec<(&str, Profile)>> = LazyLock::new(|| {
        HEAPS
            .iter()
            .chain([&LEAK_DUMP])
            .map(|&rel| (rel, common::load(rel)))
            .collect()
    });
    DECODED
        .iter()
        .find(|(r, _)| *r == rel)
        .map(|(_, p)| p.clone())
        .unwrap()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Single,
    Diff,
    Trend,
    Watch,
    Goroutines,
}

const SIZE: (u16, u16) = (100, 30);

fn export_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pprof-tui-walk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Options every mode shares: the Source view finds leaky's main.go, `e`
/// writes to a directory of this run, and "why on heap" is computed as
/// the command line does for a Go heap profile.
fn walk_options(profile: &Profile, title: &str) -> AppOptions {
    AppOptions {
        source_paths: vec![PathBuf::from("testdata")],
        export_dir: export_dir(),
        why: Some(WhyRequest::default()),
        ..options(profile, title, SIZE)
    }
}

fn trend_input(files: &[&str]) -> (Arc<Profile>, TrendInput) {
    let names = files.iter().map(|s| (*s).to_owned()).collect();
    common::screen::trend_input(files.iter().map(|s| load(s)).collect(), names)
}

/// A replayed watch's snapshot `poll` of `rel` (as tests/tui_watch.rs).
fn snapshot(rel: &str, poll: u64) -> Event {
    let taken_at: jiff::Timestamp = "2026-11-22T02:16:00Z".parse().unwrap();
    let taken_at = taken_at
        .checked_add(jiff::SignedDuration::from_secs(poll as i64))
        .unwrap();
    Event::Snapshot(Box::new(Snapshot {
        profile: load(rel),
        taken_at,
        poll,
        name: rel.rsplit('/').next().unwrap().to_owned(),
        saved: None,
        skipped: 0,
    }))
}

fn app(mode: Mode) -> App {
    match mode {
        Mode::Single => {
            let profile = Arc::new(load("leaky/heap-3.pb.gz"));
            let options = walk_options(&profile, "heap-3.pb.gz");
            App::new(profile, options)
        }
        Mode::Diff => {
            let (profile, study) = common::diff_study("leaky/heap-3.pb.gz", "leaky/heap-1.pb.gz");
            let options = AppOptions {
                study: Some(study),
                why: None,
                ..walk_options(&profile, "heap-3.pb.gz vs heap-1.pb.gz")
            };
            App::new(profile, options)
        }
        Mode::Trend => {
            let (newest, input) = trend_input(&HEAPS);
            // (Explaining the heap over the snapshots is slow in a debug
            // build; Single mode has "why on heap".)
            let options = AppOptions {
                why: None,
                ..walk_options(&newest, "heap-3.pb.gz (newest of 3)")
            };
            App::new(newest, options).with_trend(input).unwrap()
        }
        Mode::Goroutines => {
            let profile = Arc::new(load(LEAK_DUMP));
            let options = AppOptions {
                why: None,
                ..walk_options(&profile, "goroutineleak.debug2.txt")
            };
            App::new(profile, options)
        }
        Mode::Watch => {
            let (_tx, feed) = Feed::manual();
            let mut state = WatchState::new(
                feed,
                "http://127.0.0.1:6060/debug/pprof/heap".into(),
                60,
                None,
            );
            state.take(snapshot(HEAPS[0], 1));
            let first = Arc::clone(&state.newest().unwrap().profile);
            let options = AppOptions {
                study: Some(Study::One(Arc::clone(&first))),
                why: None,
                ..walk_options(&first, "heap-1.pb.gz (watching)")
            };
            let mut app = App::new(first, options).with_watch(state);
            for (i, file) in HEAPS.iter().enumerate().skip(1) {
                app.take_watch_event(snapshot(file, i as u64 + 1));
            }
            app
        }
    }
}

/// The keys that bring a fresh app to `view` with the cursor off the
/// first row (so that up, first and page up have somewhere to go).
fn reach(mode: Mode, view: ViewKind) -> &'static str {
    match (mode, view) {
        (_, ViewKind::Top) => "1 j j",
        // The root's first callee, then its right neighbour.
        (_, ViewKind::Flame) => "2 g j l",
        // A function with callers and callees, on its own row: in the
        // dump, the netpoller's wait under every blocked read.
        (Mode::Goroutines, ViewKind::Peek) => "1 / p o l l D e s c Enter p",
        (_, ViewKind::Peek) => "1 / h a n d l e R e q u e s t Enter p",
        // A function of the program's main.go, whose lines are found.
        (Mode::Goroutines, ViewKind::Source) => "1 / q u e r y B a c k e n d Enter S",
        (_, ViewKind::Source) => "1 / r e c o r d A u d i t Enter S",
        (_, ViewKind::Trend) => "5 j j",
        (_, ViewKind::Goroutines) => "6 j j",
    }
}

/// The screen as drawn, styles included (the cursor is a reversed row).
fn drawn(app: &App) -> Buffer {
    let (w, h) = app.size();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|frame| views::render(app, frame)).unwrap();
    terminal.backend().buffer().clone()
}

/// A key as the terminal sends it.
fn term_key(key: Key) -> TermEvent {
    TermEvent::Key(match key {
        Key::Char(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
        Key::Ctrl(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
        Key::Code(code) => KeyEvent::new(code, KeyModifiers::NONE),
    })
}

/// Presses one key as the terminal would send it.
fn press_key(app: &mut App, key: Key) {
    let action = action_for(&term_key(key), app.prompt().is_some()).unwrap();
    app.update(action);
}

/// What a key is known to do, beyond changing the screen.
fn check(action: &Action, mode: Mode, from: ViewKind, views: &[ViewKind], app: &App, s: &str) {
    let at = views.iter().position(|&v| v == from).unwrap();
    let n = views.len();
    match action {
        Action::Quit => assert!(app.should_quit()),
        Action::Help => assert!(s.contains("General") && s.contains("Moving around"), "{s}"),
        Action::Glossary => assert!(s.contains(" glossary "), "{s}"),
        Action::MemStats => assert!(s.contains("Runtime MemStats"), "{s}"),
        Action::NextView => assert_eq!(app.view(), views[(at + 1) % n]),
        Action::PrevView => assert_eq!(app.view(), views[(at + n - 1) % n]),
        Action::ShowView(view) if views.contains(view) => assert_eq!(app.view(), *view),
        Action::ShowView(_) => assert!(s.contains("view needs"), "{s}"),
        Action::StartSearch => assert!(s.contains("search: /"), "{s}"),
        Action::Export => {
            let (text, error) = app.message().unwrap();
            assert!(!error && text.starts_with("wrote "), "{text}");
        }
        // A goroutine dump has one sample type, and its groups are whole
        // stacks: the keys that would change them say so.
        Action::NextSampleType | Action::PrevSampleType if mode == Mode::Goroutines => {
            assert!(
                s.contains("this profile has one sample type (goroutine)"),
                "{s}"
            );
        }
        Action::CycleGranularity if from == ViewKind::Goroutines => {
            assert!(
                s.contains("whole stacks here; a acts in other views"),
                "{s}"
            );
        }
        Action::Back if mode == Mode::Goroutines && from == ViewKind::Goroutines => {
            assert!(s.contains("nothing to go back to"), "{s}");
        }
        Action::PauseWatch => {
            assert_eq!(mode, Mode::Watch);
            assert!(s.contains("polling paused"), "{s}");
        }
        Action::WatchDiff => {
            assert_eq!(mode, Mode::Watch);
            assert!(s.contains("newest snapshot against the first"), "{s}");
        }
        _ => {}
    }
}

fn walk(mode: Mode) {
    let views = app(mode).views();
    let mut pressed = 0;
    let mut idle = Vec::new();
    for &view in &views {
        for binding in BINDINGS {
            // The help lists the watch keys only in watch mode.
            if binding.section == Section::Watch && mode != Mode::Watch {
                continue;
            }
            // A binding's other keys send the same action (checked here);
            // the walk presses its first.
            for &key in &binding.keys[1..] {
                let action = action_for(&term_key(key), false);
                assert_eq!(action.as_ref(), Some(&binding.action), "{key:?}");
            }
            {
                let key = binding.keys[0];
                let mut app = app(mode);
                press(&mut app, reach(mode, view));
                assert_eq!(app.view(), view, "{mode:?}: reaching {view:?}");
                let before = drawn(&app);
                press_key(&mut app, key);
                let after = screen(&app);
                let what = format!("{mode:?}, {view:?}, {key:?} ({})", binding.label);
                // Showing the view shown is no change, as clicking its tab.
                let shown = binding.action == Action::ShowView(view);
                if before == drawn(&app) && !app.should_quit() && !shown {
                    idle.push(what.clone());
                }
                assert!(!after.contains("panicked"), "{what}");
                check(&binding.action, mode, view, &views, &app, &after);
                pressed += 1;
            }
        }
    }
    assert!(
        idle.is_empty(),
        "keys that changed nothing on screen:\n{}",
        idle.join("\n")
    );
    // Every view, every listed key: nothing left out by a filter above.
    let listed = BINDINGS
        .iter()
        .filter(|b| b.section != Section::Watch || mode == Mode::Watch)
        .count();
    assert_eq!(pressed, listed * views.len());
}

#[test]
fn every_key_acts_in_every_view_of_a_single_profile() {
    walk(Mode::Single);
}

#[test]
fn every_key_acts_in_every_view_of_a_diff() {
    walk(Mode::Diff);
}

#[test]
fn every_key_acts_in_every_view_of_a_trend() {
    walk(Mode::Trend);
}

#[test]
fn every_key_acts_in_every_view_of_a_watch() {
    walk(Mode::Watch);
}

#[test]
fn every_key_acts_in_every_view_of_a_goroutine_dump() {
    walk(Mode::Goroutines);
}
