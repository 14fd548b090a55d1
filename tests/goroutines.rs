//! Goroutine dumps and profiles written by Go 1.27 programs
//! (testdata/goroutines/): `debug=2` dumps, a SIGQUIT dump and a panic
//! read into one sample per goroutine, with the header's state, wait,
//! `(leaked)`, creator and pprof labels as labels that the filters use.
//! Every expected count is taken from the dump's own text.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use common::{json, load, testdata};

const SERVICE: &str = "goroutines/service/out";

/// The dumps, each with its goroutine headers (`goroutine N [...]...:`).
fn dumps() -> Vec<(String, Vec<String>)> {
    [
        "service/out/goroutine.debug2.txt",
        "service/out/goroutineleak.debug2.txt",
        "service/out/sigquit.txt",
        "panic/traceback.txt",
    ]
    .iter()
    .map(|f| {
        let rel = format!("goroutines/{f}");
        let text = std::fs::read_to_string(testdata().join(&rel)).unwrap();
        let headers = text
            .lines()
            .filter(|l| l.starts_with("goroutine ") && l.ends_with(':'))
            .map(str::to_owned)
            .collect();
        (rel, headers)
    })
    .collect()
}

/// The goroutines `top` counts in `rel` through `--tagfocus` (the sum of
/// the flat column: every matched goroutine has a stack).
fn matching(rel: &str, tagfocus: &str) -> i64 {
    let doc = json(&["top", "--format", "json", "--tagfocus", tagfocus, rel], 0);
    doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["flat"].as_i64().unwrap())
        .sum()
}

#[test]
fn a_dump_totals_its_goroutines() {
    for (rel, headers) in dumps() {
        let p = load(&rel);
        assert_eq!(p.samples().len(), headers.len(), "{rel}");
        let total: i64 = (0..p.samples().len())
            .map(|i| p.samples().value(i, 0))
            .sum();
        assert_eq!(total, headers.len() as i64, "{rel}");
        let doc = json(&["top", "--format", "json", &rel], 0);
        assert_eq!(doc["total"], headers.len() as i64, "{rel}");
        assert_eq!(doc["sample_type"]["type"], "goroutine", "{rel}");
    }
}

#[test]
fn tag_filters_count_exactly_the_matching_goroutines() {
    for (rel, headers) in dumps() {
        let count = |pred: &dyn Fn(&str) -> bool| headers.iter().filter(|h| pred(h)).count() as i64;
        let leaked = count(&|h| h.contains(" (leaked)"));
        if leaked > 0 {
            assert_eq!(matching(&rel, "leaked=true"), leaked, "{rel}");
        }
        let login = count(&|h| h.contains("{route: /login"));
        if login > 0 {
            assert_eq!(matching(&rel, "route=/login"), login, "{rel}");
        }
        let waited = count(&|h| h.contains(" minutes"));
        if waited > 0 {
            assert_eq!(matching(&rel, "wait=1:"), waited, "{rel}");
        }
        let sends = count(&|h| h.contains("[chan send"));
        if sends > 0 {
            assert_eq!(matching(&rel, "state=^chan send$"), sends, "{rel}");
        }
    }
}

#[test]
fn the_service_dumps_hold_what_the_program_did() {
    let dumps = dumps();
    let count = |i: usize, part: &str| dumps[i].1.iter().filter(|h| h.contains(part)).count();
    // 30 /login receivers proven leaked, 30 /search senders waiting a
    // minute (not provable: the channel stays reachable).
    assert_eq!(count(1, "[chan receive (leaked)] {route: /login"), 30);
    assert_eq!(count(0, "[chan send, 1 minutes] {route: /search"), 30);
    assert_eq!(count(1, "[chan send, 1 minutes] {route: /search"), 30);
    assert_eq!(matching(&dumps[0].0, "created_by=^main.handleLogin$"), 30);
    assert_eq!(matching(&dumps[2].0, "created_by=^main.handleSearch$"), 30);
}

#[test]
fn a_panic_keeps_its_message_and_quoted_labels() {
    let rel = "goroutines/panic/traceback.txt";
    let p = load(rel);
    assert_eq!(
        p.string(p.comments[0]),
        "panic: assignment to entry in nil map"
    );
    assert_eq!(matching(rel, "tenant=^acme corp$"), 3);
    let out = common::run(&["top", rel], 0).stdout;
    common::assert_contains(&out, "main.(*session).set");
}

#[test]
fn debug1_and_proto_goroutineleak_profiles_read() {
    for f in ["goroutineleak.pb.gz", "goroutineleak.debug1.txt"] {
        let doc = json(&["top", "--format", "json", &format!("{SERVICE}/{f}")], 0);
        assert_eq!(
            doc["total"], 90,
            "{f}: 30 logins + 30 readLoops + 30 writeLoops"
        );
    }
}

#[test]
fn trend_and_diff_group_by_a_label() {
    let snaps = ["1", "2", "3"].map(|n| format!("{SERVICE}/goroutine-{n}.pb.gz"));
    let doc = json(
        &[
            "trend",
            "--format",
            "json",
            "--group-by-label",
            "route",
            &snaps[0],
            &snaps[1],
            &snaps[2],
        ],
        0,
    );
    let rows: Vec<(String, Vec<i64>)> = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let values = r["values"].as_array().unwrap().iter();
            (
                r["name"].as_str().unwrap().to_owned(),
                values.map(|v| v.as_i64().unwrap()).collect(),
            )
        })
        .collect();
    // 5, 10, 15 more requests per round; the unlabelled rest (the
    // leaked connections' goroutines among them) under (none).
    assert!(
        rows.contains(&("route=/login".to_owned(), vec![5, 15, 30])),
        "{rows:?}"
    );
    assert!(rows.contains(&("route=/search".to_owned(), vec![5, 15, 30])));
    let none = rows.iter().find(|r| r.0 == "route=(none)").unwrap();
    assert_eq!(none.1.iter().sum::<i64>() + 100, 31 + 81 + 156);
    let doc = json(
        &[
            "diff",
            "--format",
            "json",
            "--group-by-label",
            "tenant",
            &snaps[0],
            &snaps[2],
        ],
        0,
    );
    let acme = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "tenant=acme")
        .unwrap();
    assert_eq!(
        (acme["flat"]["base"].as_i64(), acme["flat"]["new"].as_i64()),
        (Some(6), Some(40))
    );
}

#[test]
fn hostile_dumps_are_read_safely_or_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    // Escapes in names and labels never reach the terminal raw.
    let evil = write(
        "evil.txt",
        b"panic: \x1b]0;owned\x07\n\ngoroutine 1 [chan receive, 3 minutes] {\"k\\x1b\": \"v\\x1b[2J\"}:\n\
          main.\x1b[31mred(...)\n\t/x.go:1\ncreated by main.\x1b[0m in goroutine 0\n\t/x.go:2 +0x1\n",
    );
    for cmd in ["top", "tags"] {
        let out = common::run(&[cmd, &evil], 0);
        assert!(!out.stdout.contains('\x1b'), "{cmd}: {:?}", out.stdout);
    }
    assert_eq!(matching(&evil, "wait=3:"), 1);
    // A header cut short is one error line naming the line.
    let cut = write(
        "cut.txt",
        b"goroutine 1 [running]:\nmain.main()\n\ngoroutine 2 [chan rec",
    );
    let out = common::run(&["top", &cut], 1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("line 4: malformed goroutine header"),
        "{}",
        out.stderr
    );
    // Deep stacks and many goroutines: no recursion, counted exactly.
    let mut deep = b"goroutine 1 [select]:\n".to_vec();
    for _ in 0..20_000 {
        deep.extend_from_slice(b"main.f(...)\n\t/x.go:3\n");
    }
    for g in 2..2_000 {
        deep.extend_from_slice(
            format!("\ngoroutine {g} [select]:\nmain.g()\n\t/x.go:4 +0x1\n").as_bytes(),
        );
    }
    let deep = write("deep.txt", &deep);
    let doc = json(&["top", "--format", "json", &deep], 0);
    assert_eq!(doc["total"], 1999);
}

mod mutations {
    use pprof_tui::profile::{DecodeOptions, decode};
    use proptest::prelude::*;

    /// A real traceback with its header, label and frame syntax.
    fn seed() -> Vec<u8> {
        std::fs::read(super::testdata().join("goroutines/panic/traceback.txt")).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any edit of a dump is read or refused, never a panic; when it
        /// is read, every goroutine still counts one.
        #[test]
        fn edited_dumps_never_panic(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8)
        ) {
            let mut text = seed();
            for (at, byte, op) in edits {
                let i = at.index(text.len().max(1));
                match op {
                    0 if i < text.len() => text[i] = byte,
                    1 => text.insert(i.min(text.len()), byte),
                    _ if i < text.len() => { text.remove(i); }
                    _ => {}
                }
            }
            if let Ok(p) = decode(&text, &DecodeOptions::default()) {
                let samples = p.samples();
                let total: i64 = (0..samples.len()).map(|s| samples.value(s, 0)).sum();
                if p.sample_types[0].name == "goroutine" && p.period == 1 && p.drop_frames.is_none() {
                    prop_assert_eq!(total, samples.len() as i64);
                }
            }
        }
    }
}
