//! `pprof-tui leaks`, the CI gate, on the Go 1.27 service of
//! testdata/goroutines/service/: exit 3 on the leaks the runtime proved
//! (goroutineleak profiles, `(leaked)` in a dump) and on groups growing
//! across snapshots; 0 once the ignores name them all.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use common::{assert_contains, json, run};

const OUT: &str = "goroutines/service/out";

fn at(file: &str) -> String {
    format!("{OUT}/{file}")
}

/// (name, count, signature id) of each proven group.
fn proven(doc: &serde_json::Value) -> Vec<(String, i64, String)> {
    doc["proven"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap().to_owned(),
                g["count"].as_i64().unwrap(),
                g["signature"]["id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn groups(list: &[(&str, i64, &str)]) -> Vec<(String, i64, String)> {
    list.iter()
        .map(|(n, c, s)| ((*n).to_owned(), *c, (*s).to_owned()))
        .collect()
}

const PROVEN: [(&str, i64, &str); 3] = [
    ("main.awaitToken", 30, "blocked-channel"),
    ("net/http.(*persistConn).readLoop", 30, "unclosed-body"),
    ("net/http.(*persistConn).writeLoop", 30, "unclosed-body"),
];

#[test]
fn proven_leaks_fail_the_gate() {
    for file in [
        "goroutineleak.pb.gz",
        "goroutineleak.debug1.txt",
        "goroutineleak.debug2.txt",
    ] {
        let doc = json(&["leaks", "--format", "json", &at(file)], 3);
        let mut want = groups(&PROVEN);
        if file.ends_with("debug1.txt") {
            // debug=1 names no runtime frame (no chanrecv) and no state:
            // nothing tells the channel wait.
            want[0].2 = String::new();
        }
        assert_eq!(proven(&doc), want, "{file}");
        assert_eq!(doc["leaks"], 3, "{file}");
        assert_eq!(doc["proven"][0]["proven_by_runtime"], true);
    }
    // The dump tells more: the state and who started them.
    let doc = json(
        &["leaks", "--format", "json", &at("goroutineleak.debug2.txt")],
        3,
    );
    assert_eq!(doc["proven"][0]["state"], "chan receive");
    assert_eq!(doc["proven"][0]["created_by"], "main.handleLogin");
    // Filters choose among the proven goroutines.
    let doc = json(
        &[
            "leaks",
            "--format",
            "json",
            "--tagfocus",
            "route=/login",
            &at("goroutineleak.debug2.txt"),
        ],
        3,
    );
    assert_eq!(proven(&doc), groups(&PROVEN[..1]));
    let text = run(&["leaks", &at("goroutineleak.pb.gz")], 3);
    assert_contains(&text.stdout, "Proven by the runtime");
    assert_contains(
        &text.stdout,
        "signature unclosed-body: HTTP response bodies not closed",
    );
    assert_eq!(
        text.stderr.trim(),
        "pprof-tui: leaks found: 3 proven groups (90 goroutines), 0 growing groups"
    );
}

#[test]
fn ignores_take_goleaks_names() {
    let file = at("goroutineleak.pb.gz");
    // Naming one group leaves the others.
    let doc = json(
        &[
            "leaks",
            "--format",
            "json",
            "--ignore-top-function",
            "main.awaitToken",
            &file,
        ],
        3,
    );
    assert_eq!(proven(&doc), groups(&PROVEN[1..]));
    assert_eq!(doc["ignored"], 30);
    // Naming them all passes.
    let doc = json(
        &[
            "leaks",
            "--format",
            "json",
            "--ignore-top-function",
            "main.awaitToken",
            "--ignore-any-function",
            r"net/http\.\(\*persistConn\)\..*",
            &file,
        ],
        0,
    );
    assert_eq!(doc["leaks"], 0);
    assert_eq!(doc["ignored"], 90);
    // Anchored: a prefix names nothing.
    json(
        &[
            "leaks",
            "--format",
            "json",
            "--ignore-top-function",
            "main.await",
            &file,
        ],
        3,
    );
    // The same from a file.
    let dir = tempfile::tempdir().unwrap();
    let ignore = dir.path().join("leaks.ignore");
    std::fs::write(
        &ignore,
        "# known\ntop-function main.awaitToken\n\nany-function net/http\\.\\(\\*persistConn\\)\\..*\n",
    )
    .unwrap();
    let ignore = ignore.to_str().unwrap();
    run(&["leaks", "--ignore-file", ignore, &file], 0);
    std::fs::write(dir.path().join("bad.ignore"), "bottom-function x\n").unwrap();
    let bad = run(
        &[
            "leaks",
            "--ignore-file",
            dir.path().join("bad.ignore").to_str().unwrap(),
            &file,
        ],
        2,
    );
    assert_contains(
        &bad.stderr,
        "bad.ignore:1: expected 'top-function RE' or 'any-function RE'",
    );
}

#[test]
fn groups_growing_across_snapshots_fail_the_gate() {
    let snaps = [
        "goroutine-1.pb.gz",
        "goroutine-2.pb.gz",
        "goroutine-3.pb.gz",
    ]
    .map(at);
    let mut args = vec!["leaks", "--format", "json"];
    args.extend(snaps.iter().map(String::as_str));
    let doc = json(&args, 3);
    let growing: Vec<(String, Vec<i64>)> = doc["growing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let values = g["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap());
            (g["name"].as_str().unwrap().to_owned(), values.collect())
        })
        .collect();
    // The rounds of 5, 10 and 15 requests: every leak grows in step,
    // /search's senders too, which the runtime cannot prove.
    assert!(
        growing.contains(&("main.queryBackend".to_owned(), vec![5, 15, 30])),
        "{growing:?}"
    );
    assert!(growing.contains(&("main.awaitToken".to_owned(), vec![5, 15, 30])));
    assert_eq!(doc["proven"], serde_json::json!([]));
    // Snapshots plus the proof: both kinds at once.
    args.push("goroutineleak.pb.gz");
    let last = at("goroutineleak.pb.gz");
    *args.last_mut().unwrap() = &last;
    let doc = json(&args, 3);
    assert_eq!(proven(&doc), groups(&PROVEN));
    assert_eq!(doc["growing"].as_array().unwrap().len(), growing.len());
}

#[test]
fn no_proof_and_no_growth_passes() {
    // A dump taken before any leak GC marks nothing leaked.
    let out = run(&["leaks", &at("goroutine.debug2.txt")], 0);
    assert_contains(&out.stdout, "No leaks.");
    assert_contains(&out.stderr, "no proof of leaks in the input");
    // The fixed twin of a leaking program does not grow against itself.
    let fixed = "goroutines/signatures/orphaned-channel/fixed/out/goroutine.pb.gz";
    run(&["leaks", fixed, fixed], 0);
}
