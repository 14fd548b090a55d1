//! `tui::Session::open`: the one way the interactive view opens, for each
//! opening (one profile, a diff, snapshots), with the sample type resolved
//! once by name and an unknown one refused before any screen.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::screen::{app_trend_rows, press, screen};
use common::testdata;
use pprof_tui::analysis::Filters;
use pprof_tui::input::source::{LoadOptions, Source, load_all};
use pprof_tui::profile::UnknownSampleType;
use pprof_tui::tui::action::ViewKind;
use pprof_tui::tui::{App, Opening, Request, Session};

fn source(rel: &str) -> Source {
    Source::File(testdata().join(rel))
}

fn request(opening: Opening, sample_type: Option<&str>) -> Request {
    Request {
        opening,
        sample_type: sample_type.map(str::to_owned),
        granularity: None,
        filters: Filters::default(),
        load: Arc::new(|sources: &[Source]| load_all(sources, &LoadOptions::default())),
        escape: None,
        profiler: false,
        source_paths: vec![testdata()],
        export_dir: PathBuf::from("."),
    }
}

fn open(opening: Opening, sample_type: Option<&str>) -> anyhow::Result<App> {
    Session::open(request(opening, sample_type), (120, 40))?.into_app()
}

fn one(rel: &str, base: Option<&str>) -> Opening {
    Opening::Profiles {
        profiles: vec![source(rel)],
        base: base.map(source),
        normalize: false,
    }
}

#[test]
fn one_profile_opens_on_top_with_the_type_asked_by_name() {
    let app = open(one("leaky/heap-3.pb.gz", None), Some("alloc_space")).unwrap();
    assert_eq!(app.view(), ViewKind::Top);
    assert_eq!(app.title(), "heap-3.pb.gz");
    assert_eq!(app.model().sample_type.name, "alloc_space");
    // testdata/oracle/leaky-heap-3.alloc_space.top.txt: the total.
    assert_eq!(app.model().total, 41_368_392);
    // `space` finds inuse_space, as pprof's -sample_index=space does.
    let app = open(one("leaky/heap-3.pb.gz", None), Some("space")).unwrap();
    assert_eq!(app.model().sample_type.name, "inuse_space");
}

#[test]
fn a_goroutine_dump_opens_on_its_groups_and_a_diff_of_profiles_on_top() {
    let app = open(
        one("goroutines/service/out/goroutineleak.debug2.txt", None),
        None,
    )
    .unwrap();
    assert_eq!(app.view(), ViewKind::Goroutines);
    // The dump's 156 goroutines in 10 groups (tests/tui_goroutines.rs).
    assert_eq!(
        app.goroutines().unwrap().goroutines().unwrap().groups.len(),
        10
    );
    let app = open(one("goroutines/service/out/goroutine.pb.gz", None), None).unwrap();
    assert_eq!(app.view(), ViewKind::Goroutines);
    // A diff's base is negated: there are no groups to show, so Top.
    let diff = one("leaky/goroutine-3.pb.gz", Some("leaky/goroutine-1.pb.gz"));
    assert_eq!(open(diff, None).unwrap().view(), ViewKind::Top);
}

#[test]
fn a_base_opens_a_diff_with_the_base_total() {
    let app = open(one("leaky/heap-3.pb.gz", Some("leaky/heap-1.pb.gz")), None).unwrap();
    assert!(app.is_diff());
    assert_eq!(app.title(), "heap-3.pb.gz vs heap-1.pb.gz");
    // testdata/oracle/leaky-heap-3.inuse_space.diff_base-heap-1.top.txt: heap-1's total.
    assert_eq!(app.model().total, 1_334_904);
}

#[test]
fn snapshots_open_on_trend_with_the_newest_shown_by_the_same_type() {
    let snapshots = [
        "leaky/heap-1.pb.gz",
        "leaky/heap-2.pb.gz",
        "leaky/heap-3.pb.gz",
    ]
    .map(source)
    .to_vec();
    let app = open(Opening::Snapshots(snapshots), Some("alloc_objects")).unwrap();
    assert_eq!(app.view(), ViewKind::Trend);
    assert!(
        app.title().ends_with("heap-3.pb.gz (newest of 3)"),
        "{}",
        app.title()
    );
    assert_eq!(app.model().sample_type.name, "alloc_objects");
}

#[test]
fn an_unknown_sample_type_is_refused_by_name() {
    let err = open(one("leaky/heap-3.pb.gz", None), Some("bogus"))
        .err()
        .expect("refused");
    let unknown = err.downcast_ref::<UnknownSampleType>().expect("typed");
    assert_eq!(
        unknown.to_string(),
        "unknown sample type 'bogus' (this profile has: alloc_objects, alloc_space, inuse_objects, inuse_space)"
    );
}

/// Runs the app's queued jobs as its worker would, until none is left.
fn settle(app: &mut App) {
    let profile = app.profile_arc();
    while let Some(job) = app.take_job() {
        app.finish(job.run(&profile));
    }
}

/// Snapshots opened from files are ranked whole, then only the newest stays
/// in memory (issue 26): another sample type reads the older ones again from
/// their files and ranks them as the snapshots held whole rank, the newest's
/// flame graph and "why on heap" (its leak class from the snapshots' growth)
/// work as before, and a file gone since is said in the status bar. Timed
/// snapshots (allocation rates and ages) are read again whole; untimed ones
/// one at a time, each reduced to its sums before the next.
#[test]
fn snapshots_are_read_again_from_their_files_for_another_ranking() {
    read_again(true);
    read_again(false);
}

fn read_again(timed: bool) {
    let dir = tempfile::tempdir().unwrap();
    let mut loaded = Vec::new();
    let copies: Vec<Source> = common::HEAPS
        .iter()
        .map(|rel| {
            let mut profile = common::load(rel);
            if !timed {
                profile.time_nanos = 0;
            }
            let to = dir.path().join(rel.rsplit('/').next().unwrap());
            let mut file = std::fs::File::create(&to).unwrap();
            pprof_tui::profile::encode_gzip(&profile, &mut file).unwrap();
            loaded.push(profile);
            Source::File(to)
        })
        .collect();
    let mut request = request(Opening::Snapshots(copies), None);
    request.granularity = Some(pprof_tui::analysis::Granularity::Lines);
    let mut app = Session::open(request, (120, 40))
        .unwrap()
        .into_app()
        .unwrap();
    assert!(
        !app.trend().unwrap().holds_snapshots(),
        "the older are dropped"
    );
    // The same snapshots held whole, as the views' tests open them.
    let names = common::HEAPS.iter().map(|s| (*s).to_owned()).collect();
    let (newest, mut input) = common::screen::trend_input(loaded, names);
    input.granularity = Some(pprof_tui::analysis::Granularity::Lines);
    let options = pprof_tui::tui::AppOptions {
        granularity: pprof_tui::analysis::Granularity::Lines,
        ..common::screen::options(&newest, "held", (120, 40))
    };
    let mut held = App::new(newest, options).with_trend(input).unwrap();
    assert!(held.trend().unwrap().holds_snapshots());
    assert_eq!(app_trend_rows(&app), app_trend_rows(&held));
    settle(&mut app);
    // The Flame view of the newest: testdata/oracle/leaky-heap-3.inuse_space.top.txt.
    press(&mut app, "2");
    assert!(app.model().tree_ready);
    assert_eq!(app.model().total, 2_635_448);
    press(&mut app, "1");
    assert!(
        screen(&app).contains("main.(*Cache).Put leaky/main.go:31  [leak] [retained]"),
        "the leak class follows the snapshots' growth:\n{}",
        screen(&app)
    );
    // Other sample types and sorts: read again off the UI thread, ranked
    // as held (the same rows, values, growth and rates).
    press(&mut app, "5");
    press(&mut held, "5");
    for key in ["t", "s", "t"] {
        press(&mut app, key);
        assert!(screen(&app).contains("ranking the snapshots"));
        settle(&mut app);
        press(&mut held, key);
        let (ours, theirs) = (app.trend().unwrap(), held.trend().unwrap());
        assert!(!ours.holds_snapshots(), "read for the ranking, then let go");
        assert_eq!(ours.trend.sample_type, theirs.trend.sample_type);
        // Everything but the node ids (a series numbers its nodes its own
        // way; the view finds a row's node by name).
        let rows = |t: &pprof_tui::analysis::trend::Trend| {
            let mut rows = t.rows.clone();
            rows.iter_mut().for_each(|r| r.node = None);
            rows
        };
        assert_eq!(rows(&ours.trend), rows(&theirs.trend));
        assert_eq!(ours.trend.totals, theirs.trend.totals);
        assert!(ours.trend.rows.len() > 5);
        // The same screen below the title line (which names the files).
        let body = |app: &App| screen(app).lines().skip(1).collect::<Vec<_>>().join("\n");
        assert_eq!(body(&app), body(&held));
    }
    assert_eq!(app.trend().unwrap().trend.sample_type.name, "alloc_space");
    // A file gone since: the ranking says so and the view stays as it was.
    std::fs::remove_file(dir.path().join("heap-1.pb.gz")).unwrap();
    press(&mut app, "t");
    settle(&mut app);
    assert_eq!(app.trend().unwrap().trend.sample_type.name, "alloc_space");
    let (said, error) = app.message().cloned().unwrap();
    assert!(error);
    assert!(
        said.starts_with("cannot rank the snapshots: reading the snapshots again: reading profile"),
        "{said}"
    );
}
