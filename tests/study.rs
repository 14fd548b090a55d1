//! The study: the profiles under study in their roles, and the choices it
//! owns (snapshot order, sample-type notes, the goroutine default, what an
//! export draws).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use pprof_tui::analysis::{Granularity, Study, StudyError, study_granularity};
use pprof_tui::profile::{BaseMode, Profile};

use common::load;

#[test]
fn snapshots_given_out_of_order_are_compared_oldest_first_and_said_so() {
    let names = ["heap-3", "heap-1", "heap-2"].map(String::from).to_vec();
    let loaded = [
        "leaky/heap-3.pb.gz",
        "leaky/heap-1.pb.gz",
        "leaky/heap-2.pb.gz",
    ]
    .map(load)
    .to_vec();
    let timeline = Study::snapshots(loaded, names).into_timeline().unwrap();
    assert_eq!(timeline.names, ["heap-1", "heap-2", "heap-3"]);
    assert_eq!(timeline.order, [1, 2, 0]);
    assert!(timeline.by_time);
    assert_eq!(
        timeline.notes,
        [
            "the snapshots' time stamps disagree with the order given; comparing them oldest first: heap-1, heap-2, heap-3"
        ]
    );
    let minutes = timeline.minutes.unwrap();
    assert_eq!(minutes[0], 0.0);
    assert!(minutes[1] > 0.0 && minutes[2] > minutes[1], "{minutes:?}");
}

#[test]
fn goroutine_comparisons_use_whole_stacks_unless_asked() {
    let goroutines = load("leaky/goroutine-1.pb.gz");
    let heap = load("leaky/heap-1.pb.gz");
    let g = goroutines.default_sample_index();
    let h = heap.default_sample_index();
    assert_eq!(study_granularity(&goroutines, g, None), Granularity::Stacks);
    assert_eq!(
        study_granularity(&goroutines, g, Some(Granularity::Functions)),
        Granularity::Functions
    );
    assert_eq!(study_granularity(&heap, h, None), Granularity::Functions);
    assert_eq!(
        study_granularity(&heap, h, Some(Granularity::Lines)),
        Granularity::Lines
    );
}

#[test]
fn a_diff_base_is_drawn_and_a_subtraction_is_not() {
    let heap = load("leaky/heap-1.pb.gz");
    let allocs = load("leaky/allocs.pb.gz");
    let same = Study::against(
        vec![load("leaky/heap-3.pb.gz")],
        vec![heap.clone()],
        BaseMode::DiffBase,
        false,
    )
    .unwrap();
    assert!(same.notes().is_empty());
    let sides = same.sides().unwrap();
    assert!(sides.base.is_some() && !sides.scales());

    let subtract = Study::against(vec![allocs], vec![heap], BaseMode::Subtract, true).unwrap();
    assert!(matches!(subtract.sides(), Err(StudyError::NotDrawable)));
    assert!(matches!(Study::of(Vec::new()), Err(StudyError::Empty)));
    assert!(matches!(
        Study::against(
            Vec::new(),
            vec![load("leaky/heap-1.pb.gz")],
            BaseMode::DiffBase,
            false
        ),
        Err(StudyError::NotTwo)
    ));
}

#[test]
fn a_diff_base_study_combines_as_pprof_does() {
    let (shown, study) = common::diff_study("leaky/heap-3.pb.gz", "leaky/heap-1.pb.gz");
    let combined = study.into_profile().unwrap();
    let total = |p: &Profile| {
        let i = p.default_sample_index();
        let samples = p.samples();
        (0..samples.len()).map(|s| samples.value(s, i)).sum::<i64>()
    };
    // Shown (sides kept) and consumed: the same numbers. heap-3's
    // inuse_space total is 2635448.
    assert_eq!(total(&shown), total(&combined));
    assert_eq!(total(&combined), 2_635_448 - 1_334_904);
    // The base's samples are its own, negated: heap-1's inuse_space total
    // is 1334904 (see the merge plan's tests).
    let index = combined.default_sample_index();
    let samples = combined.samples();
    let base: i64 = (0..samples.len())
        .filter(|&s| samples.is_diff_base(s))
        .map(|s| samples.value(s, index))
        .sum();
    assert_eq!(base, -1_334_904);
}
