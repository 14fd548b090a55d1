//! Watch mode in the TUI, driven through the app's update loop with a feed
//! built by hand (the app takes a feed, not a URL): snapshots arriving
//! re-rank the Trend view as `trend` ranks the same files, the selection
//! stays on its site, failures show in the status bar, Space pauses, and
//! `d` shows the newest against the first as `--diff-base` does; a real
//! service killed and started again (its recorded answers on loopback) is
//! told apart.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use pprof_tui::analysis::Study;
use pprof_tui::analysis::{Granularity, SortBy};
use pprof_tui::input::watch::{Event, Failure, Feed, Snapshot};
use pprof_tui::tui::action::ViewKind;
use pprof_tui::tui::keymap::{BINDINGS, Key, action_for, key};
use pprof_tui::tui::watch::WatchState;
use pprof_tui::tui::why::WhyRequest;
use pprof_tui::tui::{App, AppOptions};

use common::screen::{app_trend_rows, cli_trend_rows, options, press, screen};
use common::{GOROUTINES, HEAPS, load, testdata};
/// Snapshot `poll` of a watch: the file `rel`, taken `poll` seconds after
/// 02:16:00 UTC.
fn snapshot(rel: &str, poll: u64) -> Event {
    let taken_at: jiff::Timestamp = "2026-11-22T02:16:00Z".parse().unwrap();
    let taken_at = taken_at
        .checked_add(jiff::SignedDuration::from_secs(poll as i64))
        .unwrap();
    let mut profile = load(rel);
    // As the poller does: text has no time stamp, the poll's start stands in.
    if profile.time_nanos == 0 {
        profile.time_nanos = taken_at.as_nanosecond() as i64;
    }
    Event::Snapshot(Box::new(Snapshot {
        profile,
        taken_at,
        poll,
        name: rel.rsplit('/').next().unwrap().to_owned(),
        saved: None,
        skipped: 0,
    }))
}

/// The app as `pprof-tui --watch` opens it on the first snapshot of
/// `files`, fed the others; jobs run at once (no background thread).
fn watch_app(files: &[&str], keep: usize, size: (u16, u16)) -> App {
    watch_app_with(files, (keep, 3), size, Granularity::Functions, None)
}

/// [`watch_app`] keeping `(keep, keep_profiles)`, at `granularity`, with
/// `--escape`'s request when given.
fn watch_app_with(
    files: &[&str],
    (keep, keep_profiles): (usize, usize),
    size: (u16, u16),
    granularity: Granularity,
    why: Option<WhyRequest>,
) -> App {
    let (_tx, feed) = Feed::manual();
    let mut state = WatchState::new(
        feed,
        "http://127.0.0.1:6060/debug/pprof/heap".into(),
        keep,
        None,
    )
    .with_keep_profiles(keep_profiles);
    state.take(snapshot(files[0], 1));
    let first = Arc::clone(&state.newest().unwrap().profile);
    let title = format!("{} (newest of 1, watching)", files[0]);
    let options = AppOptions {
        granularity,
        export_stem: "heap".to_owned(),
        study: Some(Study::One(Arc::clone(&first))),
        why,
        ..options(&first, &title, size)
    };
    let mut app = App::new(first, options).with_watch(state);
    for (i, file) in files.iter().enumerate().skip(1) {
        app.take_watch_event(snapshot(file, i as u64 + 1));
    }
    app
}
fn status_line(app: &App) -> String {
    let screen = screen(app);
    let lines: Vec<&str> = screen.lines().collect();
    // TestBackend quotes each line.
    lines[lines.len() - 2]
        .trim_matches('"')
        .trim_end()
        .to_owned()
}

#[test]
fn one_snapshot_shows_top_and_the_second_opens_the_trend() {
    let app = watch_app(&HEAPS[..1], 60, (100, 30));
    assert!(app.trend().is_none());
    assert_eq!(app.view(), ViewKind::Top);
    assert_eq!(
        status_line(&app),
        " inuse_space · functions · sort flat  poll 1 · last 02:16:01 UTC"
    );
    let app = watch_app(&HEAPS[..2], 60, (100, 30));
    assert_eq!(app.view(), ViewKind::Trend);
    assert_eq!(app_trend_rows(&app), cli_trend_rows(&HEAPS[..2]));
}

#[test]
fn snapshots_rank_as_trend_ranks_the_files() {
    let app = watch_app(&HEAPS, 60, (100, 30));
    assert_eq!(app.view(), ViewKind::Trend);
    let rows = app_trend_rows(&app);
    assert_eq!(rows[0].0, "main.(*Cache).Put");
    assert_eq!(rows, cli_trend_rows(&HEAPS));
    // The other views show the newest snapshot: heap-3's total, as in
    // testdata/oracle/leaky-heap-3.inuse_space.top.txt.
    assert_eq!(app.model().total, 2_635_448);
    assert_eq!(app.title(), "heap-3.pb.gz (newest of 3, watching)");
    assert_snapshot!("watch_trend_heaps", screen(&app));
}

/// The Trend view ranks every snapshot the series keeps, though only the
/// newest are kept whole; `d` diffs against the oldest kept whole, and new
/// settings rank what is kept whole again.
#[test]
fn the_series_outlives_the_profiles_kept_whole() {
    let mut app = watch_app_with(&HEAPS, (60, 2), (100, 30), Granularity::Functions, None);
    let trend = app.trend().unwrap();
    assert_eq!(trend.snapshot_count(), 3);
    assert_eq!(app_trend_rows(&app), cli_trend_rows(&HEAPS));
    assert_eq!(app.watch().unwrap().kept_whole(), 2);
    assert_eq!(app.title(), "heap-3.pb.gz (newest of 3, watching)");
    press(&mut app, "d");
    assert_eq!(app.title(), "heap-3.pb.gz vs heap-2.pb.gz (watching)");
    press(&mut app, "d 5");
    // Sorting by cum needs no profile: all three are ranked again.
    press(&mut app, "s");
    let trend = app.trend().unwrap();
    assert_eq!(trend.settings.by, SortBy::Cum);
    assert_eq!(trend.snapshot_count(), 3);
    let mut args = vec!["trend", "--format", "json", "--cum"];
    let files: Vec<String> = HEAPS
        .iter()
        .map(|f| testdata().join(f).display().to_string())
        .collect();
    args.extend(files.iter().map(String::as_str));
    let doc = common::json(&args, 0);
    assert_eq!(
        app.trend().unwrap().trend.rows[0].name,
        doc["rows"][0]["name"].as_str().unwrap()
    );
    // Another granularity needs the profiles: the two kept whole.
    press(&mut app, "a");
    let trend = app.trend().unwrap();
    assert_eq!(trend.settings.granularity, Granularity::FileFunctions);
    assert_eq!(trend.snapshot_count(), 2);
    // The next snapshot is reduced at the new granularity and joins them.
    app.take_watch_event(snapshot(HEAPS[2], 4));
    let trend = app.trend().unwrap();
    assert_eq!(trend.snapshot_count(), 3);
    assert_eq!(trend.settings.granularity, Granularity::FileFunctions);
    assert!(
        trend.trend.rows[0].name.contains("leaky/main.go"),
        "{:?}",
        trend.trend.rows[0]
    );
}

/// Polls left out while a snapshot was being taken in are counted in the
/// status bar.
#[test]
fn skipped_polls_show_in_the_status_bar() {
    let mut app = watch_app(&HEAPS[..2], 60, (120, 30));
    let Event::Snapshot(mut late) = snapshot(HEAPS[2], 5) else {
        unreachable!()
    };
    late.skipped = 2;
    app.take_watch_event(Event::Snapshot(late));
    assert!(
        status_line(&app).ends_with("poll 5 · last 02:16:05 UTC · 2 skipped"),
        "{}",
        status_line(&app)
    );
}

/// While the Trend view is shown, a new snapshot's call tree waits until a
/// view that draws it is opened: building it for every snapshot cost more
/// than taking the snapshot in.
#[test]
fn the_call_tree_waits_for_a_view_that_shows_it() {
    let mut app = watch_app(&HEAPS, 60, (100, 30));
    assert_eq!(app.view(), ViewKind::Trend);
    assert_eq!(app.model().total, 2_635_448, "the rows follow at once");
    assert!(!app.model().tree_ready);
    press(&mut app, "2");
    assert!(app.model().tree_ready);
    assert!(screen(&app).contains("main.(*Cache).Put"));
    // Shown elsewhere, a new snapshot brings its tree along.
    app.take_watch_event(snapshot(HEAPS[2], 4));
    assert!(app.model().tree_ready);
}

#[test]
fn the_ring_keeps_the_newest_snapshots() {
    let app = watch_app(&HEAPS, 2, (100, 30));
    assert_eq!(app.trend().unwrap().snapshot_count(), 2);
    assert_eq!(app_trend_rows(&app), cli_trend_rows(&HEAPS[1..]));
}

#[test]
fn the_selection_stays_on_its_site_across_snapshots() {
    let mut app = watch_app(&HEAPS[..2], 60, (100, 30));
    press(&mut app, "j j");
    let picked = app.trend().unwrap().selected_row().unwrap().name.clone();
    app.take_watch_event(snapshot(HEAPS[2], 3));
    let trend = app.trend().unwrap();
    assert_eq!(trend.snapshot_count(), 3);
    assert_eq!(trend.selected_row().unwrap().name, picked);
    // The sort chosen in the view survives too.
    press(&mut app, "s");
    let by = app.trend().unwrap().settings.by;
    app.take_watch_event(snapshot(HEAPS[2], 4));
    assert_eq!(app.trend().unwrap().settings.by, by);
    assert_eq!(app.trend().unwrap().selected_row().unwrap().name, picked);
}

#[test]
fn a_failed_poll_shows_in_the_status_bar_until_one_succeeds() {
    let mut app = watch_app(&HEAPS[..2], 60, (100, 30));
    app.take_watch_event(Event::Failed(Failure {
        poll: 3,
        in_a_row: 2,
        error: "reading profile 'http://127.0.0.1:6060/debug/pprof/heap': fetching failed: http status: 404".into(),
        retry_in: Some(Duration::from_secs(40)),
    }));
    assert_snapshot!("watch_failed_poll", screen(&app));
    // Nothing else changed: two snapshots, still ranked.
    assert_eq!(app.trend().unwrap().snapshot_count(), 2);
    app.take_watch_event(snapshot(HEAPS[2], 4));
    assert_eq!(
        status_line(&app),
        " inuse_space · functions · by flat · 3 snapshots, oldest first  poll 4 · last 02:16:04 UTC"
    );
}

#[test]
fn space_pauses_and_resumes_polling() {
    let mut app = watch_app(&HEAPS[..2], 60, (100, 30));
    press(&mut app, "Space");
    assert!(app.watch().unwrap().paused());
    assert!(
        status_line(&app)
            .contains(" poll 2 · last 02:16:02 UTC · paused  polling paused (Space resumes)"),
        "{}",
        status_line(&app)
    );
    press(&mut app, "Space");
    assert!(!app.watch().unwrap().paused());
    assert!(status_line(&app).ends_with("polling resumed"));
}

#[test]
fn d_diffs_the_newest_against_the_first_as_diff_base_does() {
    let mut app = watch_app(&HEAPS, 60, (100, 30));
    press(&mut app, "d 1");
    assert!(app.is_diff());
    assert_eq!(app.title(), "heap-3.pb.gz vs heap-1.pb.gz (watching)");
    let files: Vec<String> = [HEAPS[0], HEAPS[2]]
        .iter()
        .map(|f| testdata().join(f).display().to_string())
        .collect();
    let doc = common::json(
        &[
            "top",
            "--format",
            "json",
            "--diff-base",
            &files[0],
            &files[1],
        ],
        0,
    );
    // pprof's -diff_base total is the base's.
    assert_eq!(doc["total"].as_i64().unwrap(), app.model().total);
    assert_eq!(
        doc["rows"][0]["flat"].as_i64().unwrap(),
        app.model().rows[0].flat
    );
    assert_snapshot!("watch_diff_top", screen(&app));
    // A new snapshot keeps the diff, against the first still kept.
    app.take_watch_event(snapshot(HEAPS[2], 4));
    assert!(app.is_diff());
    press(&mut app, "d");
    assert!(!app.is_diff());
    assert_eq!(app.title(), "heap-3.pb.gz (newest of 4, watching)");
}

#[test]
fn d_needs_a_second_snapshot() {
    let mut app = watch_app(&HEAPS[..1], 60, (100, 30));
    press(&mut app, "d");
    assert!(!app.is_diff());
    assert!(status_line(&app).ends_with("d needs a second snapshot"));
}

#[test]
fn goroutine_endpoints_rank_whole_stacks_as_trend_does() {
    let app = watch_app(&GOROUTINES, 60, (100, 30));
    let trend = app.trend().unwrap();
    assert_eq!(trend.settings.granularity, Granularity::Stacks);
    assert_eq!(app_trend_rows(&app), cli_trend_rows(&GOROUTINES));
}

#[test]
fn an_open_goroutine_group_stays_open_as_snapshots_arrive() {
    let mut app = watch_app(&GOROUTINES[..2], 60, (120, 30));
    press(&mut app, "6 Enter");
    let opened = |app: &App| {
        let view = app.goroutines().unwrap();
        view.open
            .map(|(at, _)| view.goroutines().unwrap().groups[at].clone())
    };
    let group = opened(&app).expect("Enter opens the group under the cursor");
    let name = "main.leakyWorker [runtime.gopark → chanrecv → chanrecv1]";
    assert_eq!((group.name.as_str(), group.count), (name, 40));
    // The next poll: the same group, open, with its new count.
    app.take_watch_event(snapshot(GOROUTINES[2], 3));
    let group = opened(&app).expect("the page stays open");
    assert_eq!((group.name.as_str(), group.count), (name, 90));
    assert!(screen(&app).contains(&format!("{name} — Esc back")));
    // Esc still goes back to the list, on the same group.
    press(&mut app, "Esc");
    assert!(opened(&app).is_none());
    let view = app.goroutines().unwrap();
    assert_eq!(view.group().unwrap().name, name);
}

/// The restarted service's heap poll `n` (`main.render` is in use in all
/// of 01 to 04 but 03).
fn restart_heap(n: u64) -> String {
    format!("verdicts/restart/poll-{n:02}.heap.pb.gz")
}

/// [`restart_heap`] `n` as the watch's poll `poll`.
fn restart_poll(n: u64, poll: u64) -> Event {
    snapshot(&restart_heap(n), poll)
}

/// A watch that has taken the restarted service's polls 01 and 02, with
/// Top's cursor on `main.render`.
fn watch_on_main_render() -> App {
    let mut app = watch_app(&[&restart_heap(1), &restart_heap(2)], 60, (120, 30));
    press(&mut app, "1 /");
    for c in "main.render".chars() {
        press(&mut app, &c.to_string());
    }
    press(&mut app, "Enter");
    app
}

/// The function peeked at when a snapshot holds none of it (the restarted
/// service's third poll has no `main.render` in use): the Peek view says
/// so, and peeks at it again when the next snapshot has it.
#[test]
fn a_peeked_function_missing_from_a_snapshot_is_peeked_at_again_when_back() {
    let mut app = watch_on_main_render();
    press(&mut app, "p");
    let peeked = |app: &App| {
        app.peek()
            .peek
            .as_ref()
            .map(|p| app.model().tree.names()[p.node.index()].clone())
    };
    assert_eq!(peeked(&app).as_deref(), Some("main.render"));
    app.take_watch_event(restart_poll(3, 3));
    assert_eq!(peeked(&app), None);
    assert!(
        screen(&app).contains("main.render is not in this profile: it is shown again"),
        "{}",
        screen(&app)
    );
    app.take_watch_event(restart_poll(4, 4));
    assert_eq!(peeked(&app).as_deref(), Some("main.render"));
    // Choosing another function forgets the missing one.
    app.take_watch_event(restart_poll(3, 5));
    press(&mut app, "1 g p");
    let chosen = peeked(&app).expect("the first row is peeked at");
    assert_ne!(chosen, "main.render");
    app.take_watch_event(restart_poll(4, 6));
    assert_eq!(peeked(&app), Some(chosen));
}

/// The Source view of a function a snapshot holds none of says so, and
/// shows its lines again with the next snapshot that has it.
#[test]
fn source_lines_of_a_function_missing_from_a_snapshot_come_back() {
    let mut app = watch_on_main_render();
    press(&mut app, "S");
    assert_eq!(app.view(), ViewKind::Source);
    let shown = |app: &App| app.source().source.as_ref().map(|s| s.function.clone());
    assert_eq!(shown(&app).as_deref(), Some("main.render"));
    app.take_watch_event(restart_poll(3, 3));
    assert_eq!(shown(&app), None);
    assert!(
        screen(&app).contains("main.render is not in this profile: its lines are shown again"),
        "{}",
        screen(&app)
    );
    app.take_watch_event(restart_poll(4, 4));
    assert_eq!(shown(&app).as_deref(), Some("main.render"));
    assert_eq!(app.view(), ViewKind::Source);
}

/// Top's cursor on a function a snapshot holds none of waits on the first
/// row and goes back to it with the next snapshot that has it, unless moved.
#[test]
fn tops_cursor_goes_back_to_a_function_that_comes_back() {
    let mut app = watch_on_main_render();
    let on = |app: &App| {
        let model = app.model();
        model
            .row_label(&model.rows[app.top().list.selected])
            .to_owned()
    };
    assert_eq!(on(&app), "main.render");
    assert_ne!(app.top().list.selected, 0, "not on the first row already");
    app.take_watch_event(restart_poll(3, 3));
    assert_eq!(app.top().list.selected, 0);
    app.take_watch_event(restart_poll(4, 4));
    assert_eq!(on(&app), "main.render");
    // Moved while it is gone, the cursor stays where it was moved to.
    app.take_watch_event(restart_poll(3, 5));
    press(&mut app, "j");
    let moved_to = on(&app);
    app.take_watch_event(restart_poll(4, 6));
    assert_eq!(on(&app), moved_to);
}

#[test]
fn every_listed_key_works_in_watch_mode() {
    let mut app = watch_app(&HEAPS, 60, (100, 30));
    for binding in BINDINGS {
        for k in binding.keys {
            let code = match *k {
                Key::Char(c) => KeyCode::Char(c),
                Key::Code(code) => code,
                Key::Ctrl(_) => continue,
            };
            for view in ["5", "1", "2", "3", "4"] {
                press(&mut app, view);
                let action = action_for(&key(code), false).unwrap();
                app.update(action);
                press(&mut app, "Esc");
                let _ = screen(&app);
            }
        }
    }
    assert!(app.should_quit());
}

#[test]
fn the_help_lists_the_watch_keys_in_watch_mode() {
    let mut app = watch_app(&HEAPS, 60, (100, 30));
    press(&mut app, "?");
    let s = screen(&app);
    for b in BINDINGS {
        assert!(s.contains(b.label), "help misses {}", b.label);
    }
    assert!(s.contains("Watching (--watch)"));
    assert_snapshot!("watch_help_100x30", s);
}

#[test]
fn a_selection_on_the_first_row_follows_the_ranking() {
    // Two equal snapshots rank every site at 0 growth, by name; as the
    // leak shows, the untouched selection stays on the top suspect.
    let files = [HEAPS[0], HEAPS[0], HEAPS[1], HEAPS[2]];
    let app = watch_app(&files, 60, (100, 30));
    let trend = app.trend().unwrap();
    assert_eq!(trend.selected, 0);
    assert_eq!(trend.selected_row().unwrap().name, "main.(*Cache).Put");
}

/// With `--escape`, each new snapshot is explained again: the newest
/// profile's sites, with the leak class from the snapshots the Trend view
/// ranks; a diff against the first has nothing to explain.
#[test]
fn with_escape_each_snapshot_is_explained_again() {
    use pprof_tui::analysis::escape::Escapes;
    let text = std::fs::read_to_string(testdata().join("leaky/escape-m2.txt")).unwrap();
    let why = WhyRequest {
        escapes: Some(Arc::new((
            Escapes::parse(&text),
            "escape-m2.txt".to_owned(),
        ))),
        snapshots: None,
    };
    let mut app = watch_app_with(
        &HEAPS[..1],
        (60, 3),
        (120, 30),
        Granularity::Lines,
        Some(why),
    );
    press(&mut app, "1");
    let s = screen(&app);
    assert!(
        s.contains("main.(*Cache).Put leaky/main.go:31  [retained]")
            && !s.contains("main.(*Cache).Put leaky/main.go:31  [leak]"),
        "one snapshot, no leak class yet: {s}"
    );
    for (i, file) in HEAPS.iter().enumerate().skip(1) {
        app.take_watch_event(snapshot(file, i as u64 + 1));
    }
    press(&mut app, "1");
    let s = screen(&app);
    assert!(s.contains("heap-3.pb.gz"), "the newest is shown: {s}");
    assert!(
        s.contains("main.(*Cache).Put leaky/main.go:31  [leak] [retained]"),
        "{s}"
    );
    assert!(
        s.contains("main.recordAudit leaky/main.go:58  [leak] [retained]"),
        "{s}"
    );
    press(&mut app, "d");
    let s = screen(&app);
    assert!(!s.contains("[leak]") && !s.contains("[retained]"), "{s}");
}

#[test]
fn the_runtime_panel_lists_the_rings_snapshots() {
    let texts = [
        "legacy/heap-1.debug1.txt",
        "legacy/heap-2.debug1.txt",
        "legacy/heap-3.debug1.txt",
    ];
    let mut app = watch_app(&texts[..2], 60, (100, 34));
    press(&mut app, "m");
    let s = screen(&app);
    assert!(
        s.contains("│  heap-1.debug1.txt            3.27MB        1575       1.27MB")
            && s.contains("│  heap-2.debug1.txt            4.07MB        4532       1.72MB")
            && !s.contains("heap-3.debug1.txt"),
        "{s}"
    );
    press(&mut app, "m");
    // A new snapshot rebuilds the series: the panel lists all three.
    app.take_watch_event(snapshot(texts[2], 3));
    press(&mut app, "m");
    assert_snapshot!(screen(&app));
}

/// At 80×24 the watch keys do not fit beside the others: the help pages,
/// and `?` turns to the page that holds them before it closes.
#[test]
fn the_help_pages_when_the_screen_cannot_hold_every_key() {
    let mut app = watch_app(&HEAPS, 60, (80, 24));
    press(&mut app, "?");
    let first = screen(&app);
    assert!(
        first.contains("pprof-tui keys 1/2 — ? next page, any other key closes"),
        "{first}"
    );
    assert!(!first.contains("diff vs oldest kept"), "{first}");
    assert!(first.contains("Esc Bksp  back one step"), "{first}");
    press(&mut app, "?");
    let second = screen(&app);
    assert!(second.contains("pprof-tui keys 2/2"), "{second}");
    assert!(
        second.contains("d         diff vs oldest kept / off"),
        "{second}"
    );
    assert!(
        second.contains("pprof-tui keys 2/2 — ? glossary, any other key closes"),
        "{second}"
    );
    // The last page of keys turns to the glossary; Esc closes.
    press(&mut app, "?");
    assert!(screen(&app).contains(" glossary 1/"));
    press(&mut app, "Esc");
    assert!(!screen(&app).contains(" glossary "));
    // Opened again, it starts at the first page.
    press(&mut app, "?");
    assert!(screen(&app).contains("pprof-tui keys 1/2"));
}

/// Serves `bodies` on 127.0.0.1 as a Go service killed after `first` of
/// them and started again on the same port: the first `first` requests
/// are answered, then the port is closed for `down` (connections are
/// refused, as after `kill -9`), then bound again for the rest.
fn serve_with_restart(
    bodies: Vec<Vec<u8>>,
    first: usize,
    down: Duration,
) -> (u16, std::thread::JoinHandle<()>) {
    use common::loopback::answer;
    use std::net::TcpListener;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        for body in &bodies[..first] {
            assert!(answer(&listener, body));
        }
        drop(listener);
        std::thread::sleep(down);
        let again = TcpListener::bind(("127.0.0.1", port)).unwrap();
        for body in &bodies[first..] {
            assert!(answer(&again, body));
        }
    });
    (port, handle)
}

/// `--watch` against a real Go service (its recorded answers, replayed on
/// loopback) that is killed after 14 polls and started again on the same
/// port: the Trend view says where the restart was at once, keeps the leak
/// as its first suspect (within two polls of the restart), and the status
/// bar drops the failed polls' error once polling works again.
#[test]
fn a_restarted_service_is_told_apart_within_two_polls() {
    use pprof_tui::input::watch::{WatchOptions, start};
    let bodies: Vec<Vec<u8>> = (1..=22)
        .map(|n| {
            std::fs::read(testdata().join(format!("verdicts/restart/poll-{n:02}.heap.debug1.txt")))
                .unwrap()
        })
        .collect();
    let (port, server) = serve_with_restart(bodies, 14, Duration::from_millis(150));
    let url = format!("http://127.0.0.1:{port}/debug/pprof/heap");
    let feed = start(
        url.clone(),
        WatchOptions {
            interval: Duration::from_millis(20),
            count: Some(22),
            ..WatchOptions::default()
        },
    );
    let next = || feed.events.recv_timeout(Duration::from_secs(20)).unwrap();
    let (_tx, manual) = Feed::manual();
    let mut state = WatchState::new(manual, url, 60, None);
    state.take(next());
    let first = Arc::clone(&state.newest().unwrap().profile);
    let options = AppOptions {
        study: Some(Study::One(Arc::clone(&first))),
        ..options(&first, "watching", (120, 30))
    };
    let mut app = App::new(first, options).with_watch(state);
    let top = |app: &App| {
        let row = &app.trend().unwrap().trend.rows[0];
        (row.name.clone(), row.growth.suspect)
    };
    let leak = ("main.leak".to_owned(), true);
    let mut snapshots = 1;
    let mut failures = 0;
    while snapshots < 22 {
        let event = next();
        let snapshot = matches!(event, Event::Snapshot(_));
        app.take_watch_event(event);
        if !snapshot {
            failures += 1;
            assert!(
                status_line(&app).contains("failed"),
                "{}",
                status_line(&app)
            );
            continue;
        }
        snapshots += 1;
        let screen = screen(&app);
        let restart = "(snapshot 15) is a new process (NumGC fell from 14 to 0)";
        match snapshots {
            14 => {
                assert_eq!(top(&app), leak, "the first process");
                assert!(!screen.contains("restart"), "{screen}");
            }
            15 => {
                assert!(screen.contains(restart), "{screen}");
                // Said in the status bar, and the failed polls' error is gone.
                assert!(status_line(&app).contains("restart:"), "{screen}");
                assert!(!status_line(&app).contains("failed"), "{screen}");
            }
            16.. => {
                assert_eq!(top(&app), leak, "poll {snapshots}:\n{screen}");
                assert!(screen.contains(restart), "{screen}");
                assert!(!status_line(&app).contains("restart:"), "said once");
            }
            _ => {}
        }
    }
    assert!(failures >= 1, "the service was down for a while");
    server.join().unwrap();
}

/// A long watch draws its sparklines within the screen: the site names
/// keep their place beside them (they were cut to `main.…` once the line
/// took a cell for each of 74 snapshots at 130 columns).
#[test]
fn a_long_watch_keeps_the_site_names_beside_its_sparklines() {
    let files: Vec<&str> = HEAPS.iter().copied().cycle().take(60).collect();
    let app = watch_app(&files, 8640, (120, 30));
    let s = screen(&app);
    let row = s
        .lines()
        .find(|l| l.contains("main.(*Cache).Put"))
        .unwrap_or_else(|| panic!("no whole site name:\n{s}"));
    // 120 columns less the numbers (50) and 40 for the names: 30 cells.
    let line: String = row.chars().filter(|c| ('▁'..='█').contains(c)).collect();
    assert_eq!(line.chars().count(), 30, "{row}");
}
