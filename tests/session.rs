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
