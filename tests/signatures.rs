//! The signature catalogue (src/analysis/signatures.rs) against the Go 1.27
//! programs of testdata/goroutines/signatures/: every entry matches its
//! leaking program and not the fixed twin.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use common::load;
use pprof_tui::analysis::signatures::{CATALOGUE, profile_matches};

/// Signature ids of `rel`'s stacks, with the goroutines (or bytes) each
/// matched stack holds.
fn matches(rel: &str, sample_type: &str) -> Vec<(String, i64)> {
    let p = load(rel);
    let index = p.sample_index(sample_type).unwrap();
    profile_matches(&p, index)
        .into_iter()
        .map(|m| (m.signature.id.to_owned(), m.value))
        .collect()
}

/// The program directory proving each entry, and what its leak program
/// leaves behind (per matched stack) in its goroutine profile.
const PROVEN: [(&str, &str, &[i64]); 5] = [
    ("unclosed-body", "unclosed-body", &[40, 40]),
    ("context-not-cancelled", "context-cancel", &[25]),
    ("sql-db-not-closed", "sql-opener", &[12]),
    ("sleep-loop", "sleep-loop", &[20]),
    ("blocked-channel", "orphaned-channel", &[30]),
];

#[test]
fn every_entry_matches_its_program_and_not_its_fixed_twin() {
    assert_eq!(CATALOGUE.len(), PROVEN.len(), "every entry has a program");
    for (id, dir, counts) in PROVEN {
        let base = format!("goroutines/signatures/{dir}");
        let leak = matches(&format!("{base}/leak/out/goroutine.pb.gz"), "goroutine");
        let want: Vec<(String, i64)> = counts.iter().map(|&n| (id.to_owned(), n)).collect();
        assert_eq!(leak, want, "{dir}/leak");
        let fixed = matches(&format!("{base}/fixed/out/goroutine.pb.gz"), "goroutine");
        assert_eq!(fixed, [], "{dir}/fixed");
        // The dumps of the same moment: the frames a debug=2 dump shows
        // (it hides the runtime's chansend/chanrecv, so the blocked-channel
        // entry reads a dump's state instead; see tests/leaks.rs).
        if id != "blocked-channel" {
            let leak = matches(
                &format!("{base}/leak/out/goroutine.debug2.txt"),
                "goroutine",
            );
            assert_eq!(leak, want, "{dir}/leak dump");
        }
        let fixed = matches(
            &format!("{base}/fixed/out/goroutine.debug2.txt"),
            "goroutine",
        );
        assert_eq!(fixed, [], "{dir}/fixed dump");
    }
}

#[test]
fn unclosed_bodies_show_in_the_heap_too() {
    let leak = matches(
        "goroutines/signatures/unclosed-body/leak/out/heap.pb.gz",
        "inuse_space",
    );
    assert!(
        !leak.is_empty() && leak.iter().all(|(id, _)| id == "unclosed-body"),
        "{leak:?}"
    );
    let fixed = matches(
        "goroutines/signatures/unclosed-body/fixed/out/heap.pb.gz",
        "inuse_space",
    );
    assert_eq!(fixed, []);
}

/// `name → signature id` of the rows of a report's JSON.
fn row_signatures(doc: &serde_json::Value) -> Vec<(String, Option<String>)> {
    doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let name = r["name"].as_str().unwrap();
            let name = name.split(" [").next().unwrap().to_owned();
            (name, r["signature"]["id"].as_str().map(str::to_owned))
        })
        .collect()
}

#[test]
fn trend_and_diff_rows_name_their_signature() {
    let snaps = ["1", "2", "3"].map(|n| format!("goroutines/service/out/goroutine-{n}.pb.gz"));
    let trend = common::json(
        &["trend", "--format", "json", &snaps[0], &snaps[1], &snaps[2]],
        0,
    );
    let diff = common::json(&["diff", "--format", "json", &snaps[0], &snaps[2]], 0);
    for doc in [trend, diff] {
        let rows = row_signatures(&doc);
        for (name, id) in [
            ("main.awaitToken", "blocked-channel"),
            ("main.queryBackend", "blocked-channel"),
            ("net/http.(*persistConn).readLoop", "unclosed-body"),
            ("net/http.(*persistConn).writeLoop", "unclosed-body"),
        ] {
            assert!(
                rows.contains(&(name.to_owned(), Some(id.to_owned()))),
                "{name}: {rows:?}"
            );
        }
        // Rows without a known fingerprint say so with null.
        assert!(rows.iter().any(|(_, id)| id.is_none()));
    }
}

/// `explain`'s rows (JSON) that name a signature: `function file:line → id`.
fn explain_signatures(rel: &str) -> Vec<(String, String)> {
    let doc = common::json(&["explain", "-n", "0", "--format", "json", rel], 0);
    doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["signature"].is_null())
        .map(|r| {
            let name = format!(
                "{} {}:{}",
                r["name"].as_str().unwrap(),
                r["file"].as_str().unwrap(),
                r["line"]
            );
            (name, r["signature"]["id"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn explain_names_the_heap_fingerprint_of_unclosed_bodies() {
    let leak = "goroutines/signatures/unclosed-body/leak/out/heap.pb.gz";
    // The lines holding at least 64 KiB in use under the entry's heap
    // frames, as `top --focus` on those frames counts them.
    let top = common::json(
        &[
            "top",
            "--granularity",
            "lines",
            "--sample-index",
            "inuse_space",
            "--focus",
            r"net/http\.\(\*Transport\)\.dialConn|net/http\.\(\*persistConn\)\..*",
            "--format",
            "json",
            leak,
        ],
        0,
    );
    let mut expected: Vec<(String, String)> = top["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["flat"].as_i64().unwrap() >= 64 << 10)
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                "unclosed-body".to_owned(),
            )
        })
        .collect();
    expected.sort();
    let mut got = explain_signatures(leak);
    got.sort();
    assert_eq!(got, expected);
    assert_eq!(
        got.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        [
            "bufio.NewReaderSize bufio/bufio.go:57",
            "bufio.NewWriterSize bufio/bufio.go:599"
        ]
    );
    let text = common::run(&["explain", leak], 0).stdout;
    assert!(
        text.contains("bufio/bufio.go:599  [retained] [unclosed-body]"),
        "{text}"
    );
    assert!(text.contains("-> HTTP response bodies not closed: `defer resp.Body.Close()`"));
    // The fixed twin, and every other program's heap: no row matches.
    for dir in [
        "unclosed-body/fixed",
        "context-cancel/leak",
        "orphaned-channel/leak",
    ] {
        let rel = format!("goroutines/signatures/{dir}/out/heap.pb.gz");
        assert_eq!(explain_signatures(&rel), [], "{dir}");
    }
}
