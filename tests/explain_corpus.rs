//! The ground-truth corpus of `explain` (testdata/explain/): one small Go
//! program per escape reason and leak pattern, each with three heap
//! snapshots (Go 1.27), the `-m` and `-m=2` output of Go 1.27 and Go 1.19,
//! and `expected.json`, the verdict written by hand: the site (function,
//! line, `allocated_in`), its classes, its reason tags and its first advice.
//!
//! Every case must get exactly its verdict from both Go versions' `-m=2`,
//! and a sensible one from `-m` (which names no flow): the same site and
//! classes (a goroutine leak may read as a plain leak, since only `-m=2`
//! says which closure captures what), reasons among the expected ones or
//! `escapes`, and the first class's advice first.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use serde_json::Value;

use common::{json, testdata};

const GO_VERSIONS: [&str; 2] = ["go1.27", "go1.19"];

fn cases() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(testdata().join("explain"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("expected.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// `explain` of the case's snapshots (heap-3 last) with one compiler output.
fn explain(case: &str, escape: &str) -> Value {
    let dir = format!("explain/{case}");
    json(
        &[
            "explain",
            &format!("{dir}/heap-3.pb.gz"),
            &format!("{dir}/heap-1.pb.gz"),
            &format!("{dir}/heap-2.pb.gz"),
            "--escape",
            &format!("{dir}/{escape}"),
            "--format",
            "json",
        ],
        0,
    )
}

/// The row of the expected site.
fn site<'v>(doc: &'v Value, expected: &Value, context: &str) -> &'v Value {
    doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["name"] == expected["function"]
                && r["line"] == expected["line"]
                && r["allocated_in"] == expected["allocated_in"]
        })
        .unwrap_or_else(|| panic!("{context}: no row for {expected}"))
}

fn expected(case: &str) -> Value {
    let text = std::fs::read_to_string(testdata().join("explain").join(case).join("expected.json"))
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_corpus_has_every_pattern_of_the_issue() {
    assert_eq!(
        cases(),
        [
            "bounded-cache",
            "callee-alloc",
            "conversion-slice",
            "flushed-cache",
            "fmt-boxing",
            "go-closure",
            "goroutine-leak",
            "http-body",
            "nonconst-make",
            "returned-map",
            "too-large",
        ]
    );
}

#[test]
fn every_case_gets_its_verdict_from_m2_of_both_go_versions() {
    for case in cases() {
        let want = expected(&case);
        for go in GO_VERSIONS {
            let context = format!("{case} with {go} -m=2");
            let doc = explain(&case, &format!("escape-m2.{go}.txt"));
            let row = site(&doc, &want, &context);
            assert_eq!(row["class"], want["class"], "{context}: class");
            let mut why = strings(&row["why"]);
            why.dedup();
            assert_eq!(why, strings(&want["why"]), "{context}: why");
            assert_eq!(
                row["advice"][0], want["first_advice"],
                "{context}: first advice"
            );
            // -m=2 was given: no advice of any site asks for it.
            for r in doc["rows"].as_array().unwrap() {
                for a in strings(&r["advice"]) {
                    assert!(!a.contains("-m=2"), "{context}: {} says {a}", r["name"]);
                }
            }
        }
    }
}

/// Classes, with a goroutine leak read as a plain leak (what -m can tell).
fn without_goroutine(classes: &Value) -> Vec<String> {
    strings(classes)
        .into_iter()
        .map(|c| {
            if c == "goroutine_leak" {
                "leak".into()
            } else {
                c
            }
        })
        .collect()
}

#[test]
fn every_case_gets_a_sensible_verdict_from_m() {
    for case in cases() {
        let want = expected(&case);
        let want_why = strings(&want["why"]);
        let want_class = without_goroutine(&want["class"]);
        for go in GO_VERSIONS {
            let context = format!("{case} with {go} -m");
            let doc = explain(&case, &format!("escape-m.{go}.txt"));
            let row = site(&doc, &want, &context);
            let class = without_goroutine(&row["class"]);
            assert_eq!(class, want_class, "{context}: class");
            for why in strings(&row["why"]) {
                assert!(
                    why == "escapes" || want_why.contains(&why),
                    "{context}: why {why}, expected one of {want_why:?}"
                );
            }
            // The verdict leads: the expected advice, or a plain leak's
            // where -m cannot tell a goroutine leak.
            let first = &strings(&row["advice"])[0];
            if row["class"] == want["class"] {
                assert_eq!(first, &want["first_advice"], "{context}: first advice");
            } else {
                assert!(
                    first.starts_with("leak: "),
                    "{context}: first advice {first}"
                );
            }
        }
    }
}

/// The text report names the callee that allocated a site's memory.
#[test]
fn a_callee_allocation_is_named_in_text() {
    let out = common::run(
        &[
            "explain",
            "explain/callee-alloc/heap-3.pb.gz",
            "--escape",
            "explain/callee-alloc/escape-m2.go1.27.txt",
        ],
        0,
    );
    let at = out
        .stdout
        .find("main.register callee-alloc/main.go:23")
        .unwrap();
    let next: Vec<&str> = out.stdout[at..].lines().skip(1).take(2).collect();
    assert_eq!(
        next[0].trim(),
        "allocated inside fmt.Sprintf, called here",
        "{}",
        out.stdout
    );
    // The boxing of `id` on that line is no part of what Sprintf allocated.
    assert!(!next[1].contains("id escapes to heap"), "{}", out.stdout);
}
