//! A watch's series of reduced snapshots ranks exactly as `trend` ranks the
//! same profiles: every granularity, sample type and sort, with filters,
//! whole goroutine stacks, and a series that kept only the newest.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use common::{GOROUTINES, HEAPS, load};
use pprof_tui::analysis::runtime::snapshot_facts;
use pprof_tui::analysis::series::{RankOptions, Reduction, SeriesError, SiteSeries, reduce};
use pprof_tui::analysis::trend::{Trend, TrendOptions, lives, noise_floor, trend};
use pprof_tui::analysis::{Filters, Granularity, Lineup, SortBy, TagFilter, compile_regex};

/// What a row shows, without the node id (ids differ between a lineup and
/// a series; the names are what join them). `suffixes`: with the inline
/// suffixes, which a series that dropped snapshots decides from edge
/// weights scaled to the kept ones (pprof trims an edge below 0.1% of the
/// total, so a suffix near that line can differ).
fn shown(trend: &Trend, suffixes: bool) -> Vec<String> {
    let mut out = vec![format!(
        "{} totals {:?} sites {} suspects {}",
        trend.sample_type.name, trend.totals, trend.site_total, trend.suspects
    )];
    out.extend(trend.rows.iter().map(|r| {
        format!(
            "{}{} values {:?} flat {:?} cum {:?} {:?} {:?}",
            r.name,
            if suffixes { r.inlined.suffix() } else { "" },
            r.values(),
            r.flat,
            r.cum,
            r.stack,
            r.growth
        )
    }));
    out
}

/// `files` ranked by `trend` and by a series fed all of them (keeping the
/// newest `keep`), with `options`.
fn both(files: &[&str], keep: usize, options: &TrendOptions) -> Vec<String> {
    let how = Reduction {
        sample_index: options.sample_index,
        granularity: options.granularity,
        filters: options.filters.clone(),
    };
    let mut series = SiteSeries::new(how, keep);
    for file in files {
        series
            .reduce_and_push(&load(file), (*file).to_owned(), &|| false)
            .unwrap();
    }
    let ranked = series
        .rank(&RankOptions {
            by: options.by,
            node_count: options.node_count,
            limit: None,
            profiler: options.profiler,
        })
        .unwrap();
    let snapshots: Vec<&str> = ranked.snapshots.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(snapshots, files[files.len() - keep..]);
    let profiles: Vec<_> = files[files.len() - keep..]
        .iter()
        .map(|f| load(f))
        .collect();
    let restarts = lives(&profiles.iter().map(snapshot_facts).collect::<Vec<_>>());
    assert_eq!(ranked.restarts, restarts);
    let lineup = Lineup::snapshots(profiles).unwrap();
    assert_eq!(
        ranked.trend.floor,
        noise_floor(&lineup, options.sample_index),
        "{options:?}"
    );
    let expected = trend(
        &lineup
            .ready_for(options.granularity, &options.filters)
            .unwrap(),
        minutes(&ranked.snapshots).as_deref(),
        &restarts,
        options,
    )
    .unwrap();
    let suffixes = keep == files.len();
    let got = shown(&ranked.trend, suffixes);
    assert_eq!(got, shown(&expected, suffixes), "{options:?} keep {keep}");
    got
}

fn minutes(facts: &[pprof_tui::analysis::series::SnapshotFacts]) -> Option<Vec<f64>> {
    let first = facts.first()?.time_nanos;
    facts.iter().all(|f| f.time_nanos != 0).then(|| {
        facts
            .iter()
            .map(|f| (f.time_nanos - first) as f64 / 60e9)
            .collect()
    })
}

#[test]
fn a_series_ranks_heaps_as_trend_ranks_the_files() {
    let hide = Filters {
        hide: Some(compile_regex("--hide", "runtime").unwrap()),
        ..Filters::default()
    };
    let focus = Filters {
        focus: Some(compile_regex("--focus", "main").unwrap()),
        ..Filters::default()
    };
    let tags = Filters {
        tag_focus: Some(TagFilter::parse("--tagfocus", "bytes=1kb:").unwrap()),
        ..Filters::default()
    };
    let mut cases = 0;
    for granularity in Granularity::ALL {
        // alloc_objects and inuse_space: a count and bytes.
        for sample_index in [0, 3] {
            for by in [SortBy::Flat, SortBy::Cum] {
                for filters in [
                    Filters::default(),
                    hide.clone(),
                    focus.clone(),
                    tags.clone(),
                ] {
                    let options = TrendOptions {
                        sample_index,
                        granularity,
                        filters,
                        by,
                        ..TrendOptions::default()
                    };
                    for keep in [3, 2] {
                        both(&HEAPS, keep, &options);
                        cases += 1;
                    }
                }
            }
        }
    }
    assert_eq!(cases, 6 * 2 * 2 * 4 * 2);
}

#[test]
fn a_series_ranks_goroutine_stacks_as_trend_does() {
    let functions = TrendOptions::default();
    both(&GOROUTINES, 3, &functions);
    both(&GOROUTINES, 2, &functions);
    let stacks = TrendOptions {
        granularity: Granularity::Stacks,
        ..TrendOptions::default()
    };
    let series = both(&GOROUTINES, 3, &stacks);
    assert!(series.len() > 3, "{series:?}");
    assert!(
        series[1].starts_with("main.leakyWorker"),
        "the leak leads: {series:?}"
    );
}

#[test]
fn the_inline_suffixes_come_from_the_kept_edges() {
    let options = TrendOptions {
        granularity: Granularity::Lines,
        ..TrendOptions::default()
    };
    let series = both(&HEAPS, 3, &options);
    assert!(
        series.iter().any(|r| r.contains(" (inline) values")),
        "{series:?}"
    );
}

#[test]
fn a_series_keeps_the_newest_and_refuses_other_sample_types() {
    let mut series = SiteSeries::new(Reduction::default(), 2);
    for file in HEAPS {
        series
            .reduce_and_push(&load(file), file.to_owned(), &|| false)
            .unwrap();
    }
    assert_eq!(series.len(), 2);
    assert_eq!(series.taken(), 3);
    let names: Vec<&str> = series.facts().map(|f| f.name.as_str()).collect();
    assert_eq!(names, HEAPS[1..]);
    // heap-3's inuse_space total, as testdata/oracle has it.
    assert_eq!(series.facts().last().unwrap().totals[3], 2_635_448);
    let goroutines = load(GOROUTINES[0]);
    assert_eq!(
        series.reduce_and_push(&goroutines, "g".into(), &|| false),
        Err(SeriesError::OtherTypes("g".into()))
    );
    assert_eq!(
        reduce(&load(HEAPS[0]), "h".into(), &Reduction::default(), &|| true).err(),
        Some(SeriesError::Cancelled)
    );
    let mut one = SiteSeries::new(Reduction::default(), 5);
    assert!(one.rank(&RankOptions::default()).is_none());
}

#[test]
fn a_series_judges_growth_within_each_process_as_trend_does() {
    for suffix in [".heap.debug1.txt", ".heap.pb.gz", ".goroutine.pb.gz"] {
        let files: Vec<String> = (1..=22)
            .map(|n| format!("verdicts/restart/poll-{n:02}{suffix}"))
            .collect();
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let goroutines = suffix.starts_with(".goroutine");
        // The fixture restarts once, at snapshot 15 (index 14).
        let facts: Vec<_> = files.iter().map(|f| snapshot_facts(&load(f))).collect();
        let at: Vec<usize> = lives(&facts).iter().map(|r| r.at).collect();
        assert_eq!(at, [14], "{suffix}");
        for profiler in [false, true] {
            let options = TrendOptions {
                sample_index: if goroutines { 0 } else { 3 },
                profiler,
                ..TrendOptions::default()
            };
            // All 22 (the restart at snapshot 15 inside), and the newest 10.
            let rows = both(&files, 22, &options);
            assert!(rows.len() > 1, "{suffix}: {rows:?}");
            both(&files, 10, &options);
        }
    }
}

#[test]
fn a_long_series_compares_a_thinning_of_its_snapshots() {
    use pprof_tui::analysis::trend::{MAX_COMPARED, thinning_stride};
    assert_eq!(thinning_stride(MAX_COMPARED), 1);
    assert_eq!(thinning_stride(MAX_COMPARED + 1), 2);
    assert_eq!(thinning_stride(8640), 64, "a day at 10 s: 135 snapshots");
    let reduced: Vec<_> = HEAPS
        .iter()
        .map(|f| reduce(&load(f), (*f).to_owned(), &Reduction::default(), &|| false).unwrap())
        .collect();
    // Snapshot `i`: the heaps in turn, a second apart, named by number.
    let snapshot = |i: usize| {
        let mut r = reduced[i % reduced.len()].clone();
        r.facts.name = format!("s{i}");
        r.facts.time_nanos = 1_700_000_000_000_000_000 + i as i64 * 1_000_000_000;
        r
    };
    let names =
        |series: &SiteSeries| -> Vec<String> { series.facts().map(|f| f.name.clone()).collect() };
    let mut series = SiteSeries::new(Reduction::default(), 1000);
    for i in 0..600 {
        series.push(snapshot(i)).unwrap();
        if i + 1 == MAX_COMPARED {
            assert_eq!(series.compared(), MAX_COMPARED, "all of them, exactly");
        }
    }
    // 600 snapshots: every 4th (150 of them) and the newest.
    assert_eq!((series.len(), series.compared()), (600, 151));
    let mut expected: Vec<String> = (0..600).step_by(4).map(|i| format!("s{i}")).collect();
    expected.push("s599".to_owned());
    assert_eq!(names(&series), expected);
    // Ranked as a series of just those snapshots is, but for the inline
    // suffixes (edge weights scaled to the snapshots compared).
    let mut just = SiteSeries::new(Reduction::default(), 1000);
    for i in (0..600).step_by(4).chain([599]) {
        just.push(snapshot(i)).unwrap();
    }
    let options = RankOptions::default();
    let thinned = series.rank(&options).unwrap();
    assert_eq!(thinned.trend.totals.len(), 151);
    assert_eq!(
        shown(&thinned.trend, false),
        shown(&just.rank(&options).unwrap().trend, false)
    );
    // A window of 300 that slid: the even ones of the newest 300, and the newest.
    let mut sliding = SiteSeries::new(Reduction::default(), 300);
    for i in 0..601 {
        sliding.push(snapshot(i)).unwrap();
    }
    let expected: Vec<String> = (302..=600).step_by(2).map(|i| format!("s{i}")).collect();
    assert_eq!(sliding.len(), 300);
    assert_eq!(names(&sliding), expected);
}

#[test]
fn rankings_after_every_arrival_equal_a_ranking_afresh() {
    // A watch's ranking moves each site's pair counts from the ranking
    // before (the snapshots that came and went); a series ranked only at
    // the end counts them afresh. Both must judge every site alike:
    // windows that slide, thinning strides that grow, restarts and none,
    // flat and cum. (The sites' series are moved from the ranking before
    // too, and must equal the series gathered afresh.)
    use pprof_tui::analysis::trend::SnapshotFacts as ProcessFacts;
    let reduced: Vec<_> = HEAPS
        .iter()
        .map(|f| reduce(&load(f), (*f).to_owned(), &Reduction::default(), &|| false).unwrap())
        .collect();
    let snapshot = |i: usize, one_process: bool| {
        let mut r = reduced[(i * 7 / 5) % reduced.len()].clone();
        r.facts.name = format!("s{i}");
        r.facts.time_nanos = 1_700_000_000_000_000_000 + i as i64 * 1_000_000_000;
        if one_process {
            r.facts.process = ProcessFacts {
                allocated: Some((i as i64 + 1, i as i64 + 1)),
                ..ProcessFacts::default()
            };
        }
        r
    };
    for (keep, count, by, one_process) in [
        // Windows so short that sites leave them and come back.
        (3, 40, SortBy::Flat, false),
        (4, 40, SortBy::Cum, true),
        (20, 70, SortBy::Flat, true),
        (20, 70, SortBy::Cum, false),
        (300, 330, SortBy::Flat, true),
        (1000, 270, SortBy::Cum, true),
    ] {
        let options = RankOptions {
            by,
            ..RankOptions::default()
        };
        let mut watched = SiteSeries::new(Reduction::default(), keep);
        for i in 0..count {
            watched.push(snapshot(i, one_process)).unwrap();
            let Some(ranked) = watched.rank(&options) else {
                continue;
            };
            if i % 29 != 28 && i + 1 != count {
                continue;
            }
            let mut afresh = SiteSeries::new(Reduction::default(), keep);
            for j in 0..=i {
                afresh.push(snapshot(j, one_process)).unwrap();
            }
            let expected = afresh.rank(&options).unwrap();
            let what = format!("keep {keep}, {i} taken, {by:?}, one process: {one_process}");
            assert_eq!(ranked.trend.rows, expected.trend.rows, "{what}");
            assert_eq!(ranked.trend.suspects, expected.trend.suspects, "{what}");
            assert_eq!(ranked.restarts, expected.restarts, "{what}");
            assert_eq!(one_process, ranked.restarts.is_empty(), "{what}");
        }
    }
}

#[test]
fn sites_that_leave_the_window_and_come_back_rank_as_afresh() {
    // Two programs' heaps in turns of five: with a window of three, every
    // site of one leaves it entirely, then comes back. The series moved
    // from ranking to ranking must drop and make their rows again.
    let files = [
        "verdicts/series/heap-01.pb.gz",
        "verdicts/series/heap-02.pb.gz",
        HEAPS[0],
        HEAPS[1],
        HEAPS[2],
    ];
    let reduced: Vec<_> = files
        .iter()
        .map(|f| reduce(&load(f), (*f).to_owned(), &Reduction::default(), &|| false).unwrap())
        .collect();
    let snapshot = |i: usize| {
        // Turns of five: the first program's two heaps, then the other's three.
        let pick = if (i / 5).is_multiple_of(2) {
            i % 2
        } else {
            2 + i % 3
        };
        let mut r = reduced[pick].clone();
        r.facts.name = format!("s{i}");
        r.facts.time_nanos = 1_700_000_000_000_000_000 + i as i64 * 1_000_000_000;
        r
    };
    for by in [SortBy::Flat, SortBy::Cum] {
        let options = RankOptions {
            by,
            ..RankOptions::default()
        };
        let mut watched = SiteSeries::new(Reduction::default(), 3);
        for i in 0..24 {
            watched.push(snapshot(i)).unwrap();
            let Some(ranked) = watched.rank(&options) else {
                continue;
            };
            let mut afresh = SiteSeries::new(Reduction::default(), 3);
            for j in i.saturating_sub(2)..=i {
                afresh.push(snapshot(j)).unwrap();
            }
            let expected = afresh.rank(&options).unwrap();
            assert_eq!(
                ranked.trend.rows.len(),
                expected.trend.rows.len(),
                "{i} {by:?}"
            );
            assert_eq!(
                shown(&ranked.trend, false),
                shown(&expected.trend, false),
                "{i} {by:?}"
            );
        }
    }
}
