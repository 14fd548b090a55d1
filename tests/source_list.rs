//! The Source view's numbers (`analysis::lines`) against `go tool pprof
//! -list` on the same profiles: testdata/oracle-list/ (see its README).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use std::sync::Arc;

use common::screen::{options, press, screen};
use common::{diff_base, load, testdata};
use pprof_tui::analysis::Filters;
use pprof_tui::analysis::lines::{Listing, list};
use pprof_tui::profile::Profile;
use pprof_tui::tui::App;

/// Sampled lines: (line, flat, cum).
type Lines = Vec<(i64, i64, i64)>;

/// One `ROUTINE` block of a `-list` output: the function and its sampled
/// lines (line, flat, cum), `.` read as 0.
fn routines(oracle: &str) -> Vec<(String, Lines)> {
    let text = std::fs::read_to_string(testdata().join("oracle-list").join(oracle)).unwrap();
    let value = |v: &str| -> i64 {
        if v == "." {
            0
        } else {
            v.trim_end_matches('B').parse().unwrap()
        }
    };
    let mut out: Vec<(String, Lines)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("ROUTINE ======================== ") {
            let name = rest.split(" in ").next().unwrap().to_owned();
            out.push((name, Vec::new()));
            continue;
        }
        let Some((numbers, _)) = line.split_once(":\t") else {
            continue;
        };
        let cols: Vec<&str> = numbers.split_whitespace().collect();
        let [flat, cum, number] = cols[..] else {
            continue;
        };
        let (flat, cum) = (value(flat), value(cum));
        if flat != 0 || cum != 0 {
            let routine = out.last_mut().unwrap();
            routine.1.push((number.parse().unwrap(), flat, cum));
        }
    }
    out
}

fn own(listing: &Listing) -> Lines {
    listing
        .own_lines()
        .map(|l| (l.line, l.flat, l.cum))
        .collect()
}

fn check(profile: &Profile, oracle: &str) {
    let routines = routines(oracle);
    assert!(!routines.is_empty(), "{oracle}");
    let index = profile
        .sample_index(oracle.split('.').nth(1).unwrap())
        .unwrap();
    for (function, lines) in routines {
        let listing = list(profile, index, &Filters::default(), &function);
        assert_eq!(listing.file, "leaky/main.go", "{oracle}: {function}");
        assert_eq!(own(&listing), lines, "{oracle}: {function}");
    }
}

#[test]
fn lines_match_pprof_list() {
    let heap = load("leaky/heap-3.pb.gz");
    check(&heap, "leaky-heap-3.alloc_space.list.txt");
    check(&heap, "leaky-heap-3.inuse_space.list.txt");
}

#[test]
fn lines_of_a_diff_match_pprof_list_with_diff_base() {
    let profile = diff_base("leaky/heap-3.pb.gz", "leaky/heap-1.pb.gz");
    check(
        &profile,
        "leaky-heap-3.alloc_space.diff_base-heap-1.list.txt",
    );
}

#[test]
fn every_line_of_the_file_has_its_own_function_and_numbers() {
    let heap = load("leaky/heap-3.pb.gz");
    let index = heap.sample_index("alloc_space").unwrap();
    let listing = list(&heap, index, &Filters::default(), "main.handleRequest");
    // Line 31 belongs to main.(*Cache).Put, in the same file: its numbers
    // are Put's own (leaky-heap-3.alloc_space.list.txt), not handleRequest's.
    let put = listing.at(31).unwrap();
    assert_eq!(
        (put.function.as_str(), put.flat, put.cum),
        ("main.(*Cache).Put", 921_600, 921_600)
    );
    assert_eq!(listing.at(105).unwrap().function, "main.handleRequest");
    assert_eq!(listing.at(105).unwrap().cum, 32_984_832);
    // Lines without samples are not listed.
    assert_eq!(listing.at(1), None);
    // A function with no samples lists nothing.
    let none = list(&heap, index, &Filters::default(), "main.nothing");
    assert_eq!((none.file.as_str(), none.lines.len()), ("", 0));
}

#[test]
fn the_source_view_shows_another_functions_line_with_its_numbers() {
    let profile = Arc::new(load("leaky/heap-3.pb.gz"));
    let mut app = App::new(
        Arc::clone(&profile),
        pprof_tui::tui::AppOptions {
            source_paths: vec![testdata()],
            ..options(&profile, "heap-3.pb.gz", (100, 30))
        },
    );
    let names = app.model().tree.names();
    let row = app
        .model()
        .rows
        .iter()
        .position(|r| names[r.node.index()] == "main.handleRequest")
        .unwrap();
    // The cursor moves as a user moves it.
    press(&mut app, "g");
    press(&mut app, &vec!["j"; row].join(" "));
    assert_eq!(app.top().list.selected, row);
    press(&mut app, "S");
    let s = screen(&app);
    assert!(s.contains(" main.handleRequest "), "{s}");
    // Opened on handleRequest's hottest line (103: cache.Put, 1.03MB in use,
    // leaky-heap-3.inuse_space.list.txt); scrolled up to line 31, in
    // main.(*Cache).Put: Put's own 900kB there, not a blank line.
    assert!(s.contains("   103                1.03MB"), "{s}");
    press(&mut app, &["Up"; 72].join(" "));
    let s = screen(&app);
    assert!(
        s.contains("    31      900kB      900kB      v := make([]byte, size)"),
        "{s}"
    );
}
