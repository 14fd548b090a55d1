//! The Goroutines view's groups (`analysis::goroutines`) on the real Go
//! 1.27 dumps and profiles of testdata/goroutines: every count is taken
//! from the dump's own headers, or from `pprof-tui top --granularity
//! stacks` (whose numbers tests/oracle.rs ties to pprof's).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use std::collections::BTreeMap;

use pprof_tui::analysis::goroutines::{
    GoroutineGroup, Goroutines, GroupSort, WAIT_BUCKETS, group_goroutines, wait_bucket,
};
use pprof_tui::analysis::{Filters, TagFilter, compile_regex};

use common::{json, load, testdata};

const LEAK_DUMP: &str = "goroutines/service/out/goroutineleak.debug2.txt";

fn groups(rel: &str, filters: &Filters, sort: GroupSort) -> Goroutines {
    group_goroutines(&load(rel), filters, sort)
}

/// The goroutine headers of a dump (`goroutine 7 [chan receive, 1 minutes] {…}:`).
fn headers(rel: &str) -> Vec<String> {
    std::fs::read_to_string(testdata().join(rel))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("goroutine ") && l.ends_with(':'))
        .map(str::to_owned)
        .collect()
}

/// The minutes a header says its goroutine waited (none: 0).
fn header_minutes(header: &str) -> i64 {
    let status = &header[header.find('[').unwrap() + 1..header.find(']').unwrap()];
    status
        .split(", ")
        .find_map(|p| p.strip_suffix(" minutes"))
        .map_or(0, |n| n.parse().unwrap())
}

fn group<'g>(g: &'g Goroutines, name: &str, state: Option<&str>) -> &'g GoroutineGroup {
    g.groups
        .iter()
        .find(|x| x.site.name() == name && x.state.as_deref() == state)
        .unwrap_or_else(|| panic!("no group {name} {state:?}"))
}

#[test]
fn a_dump_groups_every_goroutine_with_its_proof_state_and_labels() {
    let heads = headers(LEAK_DUMP);
    let g = groups(LEAK_DUMP, &Filters::default(), GroupSort::Count);
    assert_eq!(g.total, heads.len() as i64);
    assert_eq!(g.grouped, g.total, "every goroutine of a dump has a stack");
    assert_eq!(g.groups.iter().map(|x| x.count).sum::<i64>(), g.total);
    let leaked = heads.iter().filter(|h| h.contains(" (leaked)]")).count() as i64;
    assert_eq!(g.leaked, leaked);
    assert_eq!(g.leaked, 90);
    assert!(!g.leak_profile);
    assert!(g.states);

    // The receivers the runtime proved: the header's labels, counted.
    let login = |tenant: &str| {
        heads
            .iter()
            .filter(|h| {
                h.contains("[chan receive (leaked)] {route: /login, tenant: ")
                    && h.ends_with(&format!("tenant: {tenant}}}:"))
            })
            .count() as i64
    };
    let tokens = group(&g, "main.awaitToken", Some("chan receive"));
    assert_eq!(tokens.count, login("acme") + login("globex"));
    assert_eq!(tokens.count, 30);
    assert_eq!(tokens.leaked, 30);
    assert_eq!(tokens.created_by.as_deref(), Some("main.handleLogin"));
    assert_eq!(tokens.labels_line(), "route=/login tenant=acme|globex");
    let tenants: Vec<(&str, i64)> = tokens
        .labels
        .iter()
        .filter(|l| l.key == "tenant")
        .map(|l| (l.value.as_str(), l.goroutines))
        .collect();
    assert_eq!(
        tenants,
        vec![("acme", login("acme")), ("globex", login("globex"))]
    );
    assert_eq!(tokens.signature.map(|s| s.id), Some("blocked-channel"));
    // The whole stack with its lines, as the dump prints it.
    let frames: Vec<String> = tokens
        .frames
        .iter()
        .map(|f| format!("{} {}:{}", f.function, f.file, f.line))
        .collect();
    assert_eq!(
        frames,
        vec!["main.awaitToken goroutines/service/main.go:64"]
    );

    // The blocked senders: not proven, but the dump says how long they waited.
    let senders = group(&g, "main.queryBackend", Some("chan send"));
    assert_eq!(senders.leaked, 0);
    assert_eq!(senders.wait, Some((1, 1)));
    assert_eq!(senders.signature.map(|s| s.id), Some("blocked-channel"));

    // One stack, some of its goroutines proven: 30 of the 31 writeLoops.
    let writers = group(&g, "net/http.(*persistConn).writeLoop", Some("select"));
    let writer_heads = heads
        .iter()
        .filter(|h| h.contains("[select (leaked)]"))
        .count();
    assert_eq!(writers.count, 31);
    assert_eq!(writers.leaked, 30);
    assert_eq!(writer_heads, 60, "readLoop and writeLoop");
    assert_eq!(writers.signature.map(|s| s.id), Some("unclosed-body"));
    assert_eq!(
        writers.created_by.as_deref(),
        Some("net/http.(*Transport).dialConn")
    );
}

#[test]
fn the_histogram_counts_the_headers_wait_times() {
    for rel in [
        LEAK_DUMP,
        "goroutines/service/out/goroutine.debug2.txt",
        "goroutines/service/out/sigquit.txt",
        "goroutines/panic/traceback.txt",
    ] {
        let heads = headers(rel);
        let g = groups(rel, &Filters::default(), GroupSort::Count);
        let mut expected = [0i64; WAIT_BUCKETS.len()];
        let mut untimed = 0;
        for h in &heads {
            // The runtime prints no time in a leaked goroutine's header.
            if h.contains(" (leaked)") {
                assert_eq!(header_minutes(h), 0, "{h}");
                untimed += 1;
            } else {
                expected[wait_bucket(header_minutes(h))] += 1;
            }
        }
        assert_eq!(g.histogram, Some(expected), "{rel}");
        assert_eq!(g.untimed, untimed, "{rel}");
        assert_eq!(g.total, heads.len() as i64, "{rel}");
    }
    let g = groups(LEAK_DUMP, &Filters::default(), GroupSort::Count);
    // 5 headers without a time, 61 at one minute, 90 leaked: the dump's.
    assert_eq!(g.histogram, Some([5, 61, 0, 0, 0, 0]));
    assert_eq!(g.untimed, 90);
    assert_eq!(wait_bucket(0), 0);
    assert_eq!(wait_bucket(4), 1);
    assert_eq!(wait_bucket(5), 2);
    assert_eq!(wait_bucket(59), 3);
    assert_eq!(wait_bucket(60), 4);
    assert_eq!(wait_bucket(10_000), 5);
}

#[test]
fn sorting_by_wait_puts_the_longest_waits_first() {
    let by_count = groups(LEAK_DUMP, &Filters::default(), GroupSort::Count);
    let counts: Vec<i64> = by_count.groups.iter().map(|g| g.count).collect();
    let mut sorted = counts.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(counts, sorted);

    let mut by_wait = by_count.clone();
    by_wait.sort_by(GroupSort::Wait);
    assert_eq!(by_wait.sort, GroupSort::Wait);
    let longest: Vec<i64> = by_wait
        .groups
        .iter()
        .map(|g| g.wait.map_or(-1, |w| w.1))
        .collect();
    assert_eq!(longest, {
        let mut l = longest.clone();
        l.sort_by(|a, b| b.cmp(a));
        l
    });
    assert_eq!(longest[0], 1);
    // Same groups, another order.
    assert_eq!(by_wait.groups.len(), by_count.groups.len());
    assert_eq!(by_wait.groups[0].site.name(), "net.(*netFD).Read");
}

#[test]
fn filters_choose_the_goroutines_grouped() {
    let leaked = Filters {
        tag_focus: Some(TagFilter::parse("--tagfocus", "leaked=true").unwrap()),
        ..Filters::default()
    };
    let g = groups(LEAK_DUMP, &leaked, GroupSort::Count);
    assert_eq!(g.grouped, 90);
    assert_eq!(g.leaked, 90);
    assert_eq!(g.total, 156, "the total stays the profile's, as pprof's");
    let focus = Filters {
        focus: Some(compile_regex("--focus", "main.awaitToken").unwrap()),
        ..Filters::default()
    };
    let g = groups(LEAK_DUMP, &focus, GroupSort::Count);
    assert_eq!(g.groups.len(), 1);
    assert_eq!(g.grouped, 30);
}

#[test]
fn a_proto_profile_groups_as_top_granularity_stacks() {
    for rel in [
        "goroutines/service/out/goroutine.pb.gz",
        "goroutines/service/out/goroutineleak.pb.gz",
        "goroutines/service/out/goroutine-3.pb.gz",
    ] {
        let g = groups(rel, &Filters::default(), GroupSort::Count);
        let doc = json(
            &[
                "top",
                "--granularity",
                "stacks",
                "--nodecount",
                "0",
                "--format",
                "json",
                rel,
            ],
            0,
        );
        assert_eq!(g.total, doc["total"].as_i64().unwrap(), "{rel}");
        let mut top: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for row in doc["rows"].as_array().unwrap() {
            top.entry(row["name"].as_str().unwrap().to_owned())
                .or_default()
                .push(row["flat"].as_i64().unwrap());
        }
        let mut ours: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for x in &g.groups {
            ours.entry(x.name.clone()).or_default().push(x.count);
        }
        for v in top.values_mut().chain(ours.values_mut()) {
            v.sort_unstable();
        }
        assert_eq!(ours, top, "{rel}");
        assert!(!g.states);
        assert_eq!(g.histogram, None, "a proto profile has no wait times");
    }
    let leak = groups(
        "goroutines/service/out/goroutineleak.pb.gz",
        &Filters::default(),
        GroupSort::Count,
    );
    assert!(leak.leak_profile);
    assert_eq!(leak.leaked, 90, "the runtime proved every goroutine in it");
    assert!(leak.groups.iter().all(|g| g.leaked == g.count));
}
