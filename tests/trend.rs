//! `pprof-tui trend`: leak suspects across the leaking test service's heap
//! and goroutine snapshots (where the leaks are known: testdata/README.md),
//! on synthetic snapshots with transient garbage, and the growth gate.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use common::{GOROUTINES, HEAPS, assert_contains, json, load, oracle, row_name, run};
use pprof_tui::analysis::Lineup;
use pprof_tui::analysis::lineup::needs_merged;
use pprof_tui::analysis::trend::{Trend, TrendOptions, trend};
use pprof_tui::analysis::{Filters, Granularity, Inlined, SortBy, TagFilter, compile_regex};
use pprof_tui::profile::{DecodeOptions, Profile, ValueType, decode, pb};
use prost::Message;
use serde_json::Value;

fn trend_json(snapshots: &[&str], extra: &[&str]) -> Value {
    let mut args = vec!["trend", "--format", "json"];
    args.extend_from_slice(extra);
    args.extend_from_slice(snapshots);
    json(&args, 0)
}

fn rows(doc: &Value) -> &Vec<Value> {
    doc["rows"].as_array().expect("rows")
}

fn values(row: &Value) -> Vec<i64> {
    row["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

#[test]
fn the_growing_cache_and_the_audit_log_rank_first() {
    let doc = trend_json(&HEAPS, &[]);
    assert_eq!(doc["sample_type"]["type"], "inuse_space");
    assert_eq!(doc["ordered_by"], "time");
    let names: Vec<String> = rows(&doc).iter().map(row_name).collect();
    assert_eq!(names[..2], ["main.(*Cache).Put", "main.recordAudit"]);
    // Each row's values are the site's flat in each snapshot, as pprof
    // prints them for the single profiles.
    let snapshots: Vec<_> = ["heap-1", "heap-2", "heap-3"]
        .iter()
        .map(|s| oracle(&format!("leaky-{s}.inuse_space.top.txt")))
        .collect();
    for row in rows(&doc) {
        let name = row_name(row);
        let want: Vec<i64> = snapshots
            .iter()
            .map(|o| o.rows.get(&name).map_or(0, |r| r.0))
            .collect();
        assert_eq!(values(row), want, "{name}");
    }
    let totals: Vec<i64> = doc["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["total"].as_i64().unwrap())
        .collect();
    assert_eq!(
        totals,
        snapshots.iter().map(|o| o.total).collect::<Vec<_>>()
    );
    for row in &rows(&doc)[..2] {
        assert_eq!(row["suspect"], true);
        assert_eq!(row["monotonic"], true);
        assert_eq!(row["rises"], 2);
    }
    // 109976 → 434552 → 1069784 bytes: 480 kB per snapshot.
    let put = &rows(&doc)[0];
    assert_eq!(put["growth"], 1069784 - 109976);
    assert_eq!(put["slope_per_snapshot"], (1069784.0 - 109976.0) / 2.0);
    assert!(put["slope_per_minute"].as_f64().unwrap() > 0.0);
    // Suspects first, then scores fall down the list.
    let ranked: Vec<(bool, f64)> = rows(&doc)
        .iter()
        .map(|r| (r["suspect"] == true, r["score"].as_f64().unwrap()))
        .collect();
    assert!(
        ranked
            .windows(2)
            .all(|w| (w[0].0 && !w[1].0) || (w[0].0 == w[1].0 && w[0].1 >= w[1].1)),
        "{ranked:?}"
    );
}

#[test]
fn stable_memory_and_transient_garbage_are_not_suspects() {
    let doc = trend_json(&HEAPS, &[]);
    let find = |name: &str| rows(&doc).iter().find(|r| row_name(r) == name);
    // The CPU profiler's buffer: big and stable.
    let cpu = find("runtime/pprof.StartCPUProfile").expect("a row");
    assert_eq!(values(cpu), [1179920, 1179920, 1179920]);
    assert_eq!(cpu["suspect"], false);
    assert_eq!(cpu["score"], 0.0);
    // main.buildResponse's buffers are garbage by the time of each snapshot.
    assert!(find("main.buildResponse").is_none_or(|r| r["suspect"] == false));
    // A one-off allocation that grew once and then stayed.
    let lookup = find("runtime/pprof.(*profMap).lookup").expect("a row");
    assert_eq!(values(lookup), [0, 16576, 16576]);
    assert_eq!(lookup["suspect"], false);
}

/// A heap snapshot of a synthetic program: one sample per site, each site a
/// function called from `main.main`, with `inuse_space` = the given bytes.
fn heap_snapshot(time_nanos: i64, sites: &[(&str, i64)]) -> Vec<u8> {
    let mut strings = vec![String::new()];
    let mut id = |s: &str| {
        strings.push(s.to_owned());
        strings.len() as i64 - 1
    };
    let vt = |t: i64, u: i64| pb::ValueType { r#type: t, unit: u };
    let (count, bytes) = (id("count"), id("bytes"));
    let sample_type = vec![
        vt(id("alloc_objects"), count),
        vt(id("alloc_space"), bytes),
        vt(id("inuse_objects"), count),
        vt(id("inuse_space"), bytes),
    ];
    let period_type = Some(vt(id("space"), bytes));
    let mut function = vec![pb::Function {
        id: 1,
        name: id("main.main"),
        ..Default::default()
    }];
    let mut location = vec![pb::Location {
        id: 1,
        line: vec![pb::Line {
            function_id: 1,
            line: 1,
            column: 0,
        }],
        ..Default::default()
    }];
    let mut sample = Vec::new();
    for (i, (name, value)) in sites.iter().enumerate() {
        let n = i as u64 + 2;
        function.push(pb::Function {
            id: n,
            name: id(name),
            ..Default::default()
        });
        location.push(pb::Location {
            id: n,
            line: vec![pb::Line {
                function_id: n,
                line: 10,
                column: 0,
            }],
            ..Default::default()
        });
        sample.push(pb::Sample {
            location_id: vec![n, 1],
            value: vec![1, *value, 1, *value],
            label: vec![],
        });
    }
    pb::Profile {
        sample_type,
        sample,
        location,
        function,
        string_table: strings,
        time_nanos,
        period_type,
        period: 1,
        ..Default::default()
    }
    .encode_to_vec()
}

#[test]
fn memory_that_comes_and_goes_is_not_a_suspect() {
    let dir = tempfile::tempdir().unwrap();
    let minute = 60_000_000_000i64;
    let snapshots = [
        [
            ("main.leak", 100_000),
            ("main.buffers", 0),
            ("main.pool", 200_000),
            ("main.cache", 500_000),
        ],
        [
            ("main.leak", 400_000),
            ("main.buffers", 640_000),
            ("main.pool", 50_000),
            ("main.cache", 500_000),
        ],
        [
            ("main.leak", 900_000),
            ("main.buffers", 0),
            ("main.pool", 300_000),
            ("main.cache", 500_000),
        ],
    ];
    let paths: Vec<String> = snapshots
        .iter()
        .enumerate()
        .map(|(i, sites)| {
            let path = dir.path().join(format!("heap-{i}.pb"));
            std::fs::write(
                &path,
                heap_snapshot(1_700_000_000_000_000_000 + i as i64 * minute, sites),
            )
            .unwrap();
            path.display().to_string()
        })
        .collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let doc = trend_json(&paths, &[]);
    let find = |name: &str| {
        rows(&doc)
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(rows(&doc)[0]["name"], "main.leak");
    let leak = find("main.leak");
    assert_eq!(leak["suspect"], true);
    assert_eq!(leak["slope_per_minute"], 400_000.0);
    for transient in ["main.buffers", "main.pool", "main.cache"] {
        assert_eq!(find(transient)["suspect"], false, "{transient}");
    }
    assert_eq!(find("main.buffers")["score"], 0.0);
    assert_eq!(doc["suspects"], 1);
}

#[test]
fn the_blocked_goroutine_stack_ranks_first() {
    let doc = trend_json(&GOROUTINES, &[]);
    let first = &rows(&doc)[0];
    assert_eq!(
        first["name"],
        "main.leakyWorker [runtime.gopark → chanrecv → chanrecv1]"
    );
    assert_eq!(first["site"], "main.leakyWorker");
    assert_eq!(first["wait"][0], "runtime.gopark");
    assert_eq!(values(first), [10, 40, 90]);
    assert_eq!(first["suspect"], true);
    assert!(rows(&doc)[1..].iter().all(|r| r["suspect"] == false));
    assert_eq!(doc["suspects"], 1);
}

#[test]
fn snapshots_are_compared_in_time_order_with_a_warning() {
    let forward = trend_json(&HEAPS, &[]);
    let out = run(
        &["trend", "--format", "json", HEAPS[2], HEAPS[1], HEAPS[0]],
        0,
    );
    assert_contains(
        &out.stderr,
        "warning: the snapshots' time stamps disagree with the order given; comparing them oldest first: \
         leaky/heap-1.pb.gz, leaky/heap-2.pb.gz, leaky/heap-3.pb.gz",
    );
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["rows"], forward["rows"]);
    assert!(
        doc["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("the snapshots' time stamps disagree")
    );
}

#[test]
fn trend_text_has_a_sparkline_per_row() {
    let out = run(&["trend", "-n", "2", HEAPS[0], HEAPS[1], HEAPS[2]], 0);
    assert_contains(
        &out.stdout,
        "Leak suspects: 6, showing the top 2 of 26 sites, most suspicious first (by flat value)\n",
    );
    assert_contains(
        &out.stdout,
        " 36.4     yes  88%   107.40kB     1.02MB   +937.31kB   +468.66kB    +25.97MB  464.72kB/s     2.4s  ▂▄█    main.(*Cache).Put\n",
    );
    assert_contains(
        &out.stdout,
        "   2. leaky/heap-2.pb.gz, +1.05s, total 1.72MB\n",
    );
}

#[test]
fn a_long_trends_sparkline_is_64_cells_from_the_first_snapshot_to_the_last() {
    // 90 snapshots: leaky's three, 30 times over (compared oldest first,
    // so 30 of heap-1, then of heap-2, then of heap-3).
    let many: Vec<&str> = (0..30).flat_map(|_| HEAPS).collect();
    let mut args = vec!["trend", "-n", "1"];
    args.extend(&many);
    let out = run(&args, 0);
    let row = out
        .stdout
        .lines()
        .find(|l| l.ends_with("  main.(*Cache).Put"))
        .unwrap();
    let line: String = row.chars().filter(|c| ('▁'..='█').contains(c)).collect();
    // Evenly spaced: snapshot i * 89 / 63 for cell i, the first and the last
    // among them; heap-1's 107.40kB is ▂, heap-2's ▄, heap-3's 1.02MB █.
    let cell = |i: usize| match i * 89 / 63 {
        0..30 => '▂',
        30..60 => '▄',
        _ => '█',
    };
    assert_eq!(line, (0..64).map(cell).collect::<String>(), "{row}");
    // The header's column is as wide as the line.
    let header = out.stdout.lines().find(|l| l.starts_with("score")).unwrap();
    assert!(
        header.ends_with(&format!("  trend{}  ", " ".repeat(59))),
        "{header:?}"
    );
}

#[test]
fn cumulative_allocation_counts_get_a_warning() {
    let out = run(
        &["trend", "-i", "alloc_space", HEAPS[0], HEAPS[1], HEAPS[2]],
        0,
    );
    assert_contains(
        &out.stderr,
        "alloc_space counts every allocation since the program started",
    );
}

#[test]
fn the_gate_fails_only_when_a_suspect_grows_past_the_limit() {
    let gate = |snapshots: &[&str], limit: &str, code: i32| {
        let mut args = vec!["trend", "-n", "1", "--fail-on-growth", limit];
        args.extend_from_slice(snapshots);
        run(&args, code)
    };
    // 90 − 10 = 80 parked workers.
    assert_eq!(
        gate(&GOROUTINES, "79", 3).stderr,
        "pprof-tui: growth limit exceeded: leak suspect main.leakyWorker [runtime.gopark → chanrecv → chanrecv1] \
         grew by +80 (666.67% of the first snapshot's total) over 3 snapshots, over the limit of 79\n",
    );
    gate(&GOROUTINES, "80", 0);
    gate(&GOROUTINES, "100 goroutines", 0);
    // main.(*Cache).Put: +959808 B.
    gate(&HEAPS, "900kB", 3);
    gate(&HEAPS, "1MB", 0);
    // main.recordAudit (+252416 B) is over 200 kB too; the stable 1.1 MB
    // profiler buffer never counts: it is no suspect.
    assert_contains(
        &gate(&HEAPS, "200kB", 3).stderr,
        "; 1 more suspect is over it",
    );
}
/// `trend` on the snapshots kept apart (joined by node) and laid side by
/// side in one profile, as pprof would merge them.
fn both_ways(snapshots: &[&str], options: &TrendOptions) -> (Trend, Trend) {
    let profiles: Vec<Profile> = snapshots.iter().map(|s| load(s)).collect();
    let apart = Lineup::snapshots(profiles.clone()).unwrap();
    assert!(apart.kept_apart(), "{snapshots:?}");
    let merged = Lineup::snapshots(profiles).unwrap().into_merged().unwrap();
    assert!(!merged.kept_apart());
    assert_eq!(apart.count(), merged.count());
    assert_eq!(apart.profile().sample_types, merged.profile().sample_types);
    assert_eq!(
        apart.profile().default_sample_index(),
        merged.profile().default_sample_index()
    );
    (
        trend(&apart, None, &[], options).unwrap(),
        trend(&merged, None, &[], options).unwrap(),
    )
}

#[test]
fn snapshots_kept_apart_rank_as_the_merged_profile_does() {
    let focus = Filters {
        focus: Some(compile_regex("--focus", "main").unwrap()),
        ..Filters::default()
    };
    let hide = Filters {
        hide: Some(compile_regex("--hide", "runtime").unwrap()),
        ..Filters::default()
    };
    let mut compared = 0;
    for snapshots in [&HEAPS, &GOROUTINES] {
        let types = load(snapshots[0]).sample_types.len();
        for granularity in Granularity::ALL {
            if granularity == Granularity::Stacks {
                continue;
            }
            for sample_index in 0..types {
                for by in [SortBy::Flat, SortBy::Cum] {
                    for filters in [Filters::default(), focus.clone(), hide.clone()] {
                        for node_count in [0, 3] {
                            let options = TrendOptions {
                                sample_index,
                                granularity,
                                filters: filters.clone(),
                                by,
                                node_count,
                                limit: None,
                                profiler: false,
                                bare_names: false,
                            };
                            let (apart, merged) = both_ways(snapshots, &options);
                            let what = format!("{snapshots:?} {granularity:?} {options:?}");
                            assert_eq!(apart.rows, merged.rows, "{what}");
                            assert_eq!(apart.totals, merged.totals, "{what}");
                            assert_eq!(apart.sample_type, merged.sample_type, "{what}");
                            assert_eq!(apart.site_total, merged.site_total, "{what}");
                            assert_eq!(apart.suspects, merged.suspects, "{what}");
                            assert!(!apart.rows.is_empty(), "{what}");
                            compared += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(compared > 0);
}

#[test]
fn whole_stacks_and_label_filters_rank_snapshots_kept_apart_merged() {
    let tagged = Filters {
        tag_focus: Some(TagFilter::parse("--tagfocus", "bytes=1kb:").unwrap()),
        ..Filters::default()
    };
    for (snapshots, options) in [
        (
            &GOROUTINES,
            TrendOptions {
                granularity: Granularity::Stacks,
                ..TrendOptions::default()
            },
        ),
        (
            &HEAPS,
            TrendOptions {
                sample_index: 3,
                filters: tagged,
                ..TrendOptions::default()
            },
        ),
    ] {
        assert!(needs_merged(options.granularity, &options.filters));
        let (apart, merged) = both_ways(snapshots, &options);
        assert_eq!(apart.rows, merged.rows);
        assert_eq!(apart.totals, merged.totals);
        assert!(!apart.rows.is_empty());
    }
}

#[test]
fn snapshots_that_cannot_be_laid_side_by_side_are_refused() {
    let snapshot = |period: Option<(&str, &str)>| {
        let bytes = heap_snapshot(0, &[("main.leak", 100)]);
        let mut profile = decode(&bytes, &DecodeOptions::default()).unwrap();
        profile.period_type = period.map(|(name, unit)| ValueType {
            name: name.to_owned(),
            unit: unit.to_owned(),
        });
        profile
    };
    let same = vec![snapshot(None), snapshot(Some(("space", "bytes")))];
    assert!(Lineup::snapshots(same).unwrap().kept_apart());
    // Each later snapshot agrees with the first, which has no period type,
    // but not with the other: merging fails, so they cannot stay apart.
    let clashing = vec![
        snapshot(None),
        snapshot(Some(("space", "bytes"))),
        snapshot(Some(("cpu", "nanoseconds"))),
    ];
    assert!(Lineup::snapshots(clashing).is_err());
}

#[test]
fn snapshots_kept_apart_default_to_the_merged_profiles_sample_type() {
    let snapshot = |default: Option<&str>| {
        let bytes = heap_snapshot(0, &[("main.leak", 100)]);
        let mut profile = decode(&bytes, &DecodeOptions::default()).unwrap();
        profile.default_sample_type = default.map(str::to_owned);
        profile
    };
    for defaults in [
        [None, Some("alloc_space"), Some("inuse_objects")],
        [Some(""), None, Some("alloc_objects")],
        [None, None, None],
    ] {
        let profiles: Vec<Profile> = defaults.iter().map(|d| snapshot(*d)).collect();
        let apart = Lineup::snapshots(profiles.clone()).unwrap();
        let merged = Lineup::snapshots(profiles).unwrap().into_merged().unwrap();
        assert!(apart.kept_apart());
        assert_eq!(
            apart.profile().default_sample_index(),
            merged.profile().default_sample_index(),
            "{defaults:?}"
        );
    }
}

#[test]
fn bare_names_are_the_rows_without_their_inline_suffixes() {
    let profiles = [
        "go1.27/heap-1.pb.gz",
        "go1.27/heap-2.pb.gz",
        "go1.27/heap-3.pb.gz",
    ];
    let snapshots = Lineup::snapshots(profiles.iter().map(|p| load(p)).collect()).unwrap();
    let sample_index = snapshots
        .profile()
        .sample_types
        .iter()
        .position(|t| t.name == "inuse_space")
        .unwrap();
    let ranked = |bare_names: bool| {
        let options = TrendOptions {
            sample_index,
            granularity: Granularity::Lines,
            by: SortBy::Cum,
            bare_names,
            ..TrendOptions::default()
        };
        trend(&snapshots, None, &[], &options).unwrap()
    };
    let (named, bare) = (ranked(false), ranked(true));
    let suffixed: Vec<String> = named
        .rows
        .iter()
        .filter(|r| r.inlined != Inlined::No)
        .map(|r| r.name.clone())
        .collect();
    assert!(
        suffixed.contains(&"main.serve leaky/main.go:117".to_owned()),
        "{suffixed:?}"
    );
    assert!(bare.rows.iter().all(|r| r.inlined == Inlined::No));
    let plain = |t: &Trend| -> Vec<(String, Vec<i64>, bool)> {
        let rows = t.rows.iter();
        rows.map(|r| (r.name.clone(), r.cum.clone(), r.growth.suspect))
            .collect()
    };
    assert_eq!(plain(&bare), plain(&named));
}
