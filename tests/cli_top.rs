//! `pprof-tui top` end to end: the binary's text output equals
//! `go tool pprof -top`'s byte for byte, and its JSON carries the same
//! exact numbers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

use std::path::{Path, PathBuf};

mod common;
mod support;

use support::{pprof_tui, stdout_of};

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

fn top(args: &[&str]) -> String {
    String::from_utf8(stdout_of(pprof_tui().arg("top").args(args))).unwrap()
}

fn oracle(name: &str) -> String {
    std::fs::read_to_string(testdata("oracle").join(name)).unwrap()
}

/// Oracle rows as (name with suffix, flat, cum), parsed from `-unit=B` or
/// unit-less output.
fn oracle_rows(text: &str) -> (i64, Vec<(String, i64, i64)>) {
    let total_line = text
        .lines()
        .find(|l| l.starts_with("Showing nodes accounting for"))
        .unwrap();
    let total = number(
        total_line
            .rsplit(" of ")
            .next()
            .unwrap()
            .trim_end_matches(" total"),
    );
    let rows = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("flat  flat%"))
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let name = after_fields(line, 5);
            (name.to_owned(), number(fields[0]), number(fields[3]))
        })
        .collect();
    (total, rows)
}

/// The rest of `line` after `n` whitespace-separated fields (a row's name
/// may itself contain spaces).
fn after_fields(line: &str, n: usize) -> &str {
    let mut rest = line.trim_start();
    for _ in 0..n {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = rest[end..].trim_start();
    }
    rest
}

fn number(s: &str) -> i64 {
    s.trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .unwrap_or_else(|_| panic!("number '{s}'"))
}

#[test]
fn default_text_is_byte_identical_to_pprof() {
    let heap = testdata("leaky/heap-3.pb.gz");
    assert_eq!(
        top(&[heap.to_str().unwrap()]),
        oracle("leaky-heap-3.inuse_space.default.top.txt")
    );
    let cpu = testdata("leaky/cpu.pb.gz");
    assert_eq!(
        top(&[cpu.to_str().unwrap()]),
        oracle("leaky-cpu.cpu.default.top.txt")
    );
}

#[test]
fn json_rows_equal_the_oracle_exactly() {
    let heap = testdata("leaky/heap-3.pb.gz");
    let doc: serde_json::Value = serde_json::from_str(&top(&[
        "--format",
        "json",
        "-n",
        "0",
        "-i",
        "inuse_space",
        heap.to_str().unwrap(),
    ]))
    .unwrap();
    let (total, rows) = oracle_rows(&oracle("leaky-heap-3.inuse_space.top.txt"));
    assert_eq!(doc["sample_type"]["type"], "inuse_space");
    assert_eq!(doc["sample_type"]["unit"], "bytes");
    assert_eq!(doc["total"], total);
    let json_rows = doc["rows"].as_array().unwrap();
    assert_eq!(json_rows.len(), rows.len());
    for (json, (name, flat, cum)) in json_rows.iter().zip(&rows) {
        let suffix = match json["inline"].as_str().unwrap() {
            "" => String::new(),
            kind => format!(" ({kind})"),
        };
        assert_eq!(format!("{}{suffix}", json["name"].as_str().unwrap()), *name);
        assert_eq!(json["flat"], *flat, "{name}");
        assert_eq!(json["cum"], *cum, "{name}");
    }
}

#[test]
fn node_count_limits_rows_and_says_so() {
    let heap = testdata("leaky/heap-3.pb.gz");
    let text = top(&["-n", "3", heap.to_str().unwrap()]);
    let rows = text
        .lines()
        .skip_while(|l| !l.contains("flat  flat%"))
        .skip(1)
        .count();
    assert_eq!(rows, 3);
    assert!(text.contains("Showing top 3 nodes out of"), "{text}");
}

#[test]
fn reads_standard_input() {
    let bytes = std::fs::read(testdata("leaky/heap-3.pb.gz")).unwrap();
    let stdout = stdout_of(pprof_tui().args(["top", "-"]).write_stdin(bytes));
    let expected = oracle("leaky-heap-3.inuse_space.default.top.txt");
    assert_eq!(String::from_utf8(stdout).unwrap(), expected);
}

/// The oracles made with pprof's stderr kept (`<name>.stderr.txt`): numeric
/// tag filters and filters that match nothing. The text is pprof's byte for
/// byte, and every line pprof printed on stderr is printed by pprof-tui too
/// (after its `pprof-tui: ` prefix); a number without a unit that matched
/// nothing also gets the hint to write it in bytes.
#[test]
fn filter_oracles_match_with_pprofs_notes() {
    let manifest = oracle("MANIFEST.tsv");
    let mut checked = 0;
    for line in manifest.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, profile, flags) = (cols[0], cols[1], cols[2]);
        let stem = name.strip_suffix(".top.txt").unwrap();
        let Ok(notes) =
            std::fs::read_to_string(testdata("oracle").join(format!("{stem}.stderr.txt")))
        else {
            continue;
        };
        let mut args = vec!["top".to_owned()];
        for flag in flags.split(' ') {
            match flag {
                "-top" => {}
                f if f.starts_with("-tagfocus=")
                    || f.starts_with("-tagignore=")
                    || f.starts_with("-focus=") =>
                {
                    args.push(format!("-{f}"))
                }
                f => panic!("{name}: flag {f} is not translated by this test"),
            }
        }
        args.push(profile.to_owned());
        let output = pprof_tui()
            .current_dir(testdata(""))
            .env("TZ", "UTC")
            .args(&args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{name}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stdout, oracle(name), "{name}: stdout differs from pprof's");
        for note in notes.lines() {
            assert!(
                stderr.lines().any(|l| l == format!("pprof-tui: {note}")),
                "{name}: pprof said '{note}' on stderr; pprof-tui said:\n{stderr}"
            );
        }
        let unitless_miss = notes.contains("expression matched no samples")
            && flags.contains("-tag")
            && !flags.contains('B')
            && !flags.contains("kb");
        if unitless_miss {
            assert!(
                stderr.contains("hint: a number without a unit only matches labels without one; for sizes in bytes, write --tag"),
                "{name}: no hint to write bytes:\n{stderr}"
            );
        } else {
            assert!(
                !stderr.contains("hint:"),
                "{name}: unexpected hint:\n{stderr}"
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 10,
        "expected the filter oracles, found {checked}"
    );
}

/// The hint spells the filter out in bytes, keeping its key and shape.
#[test]
fn unitless_tag_filters_hint_at_bytes() {
    let output = pprof_tui()
        .current_dir(testdata(""))
        .args(["top", "--tagfocus=bytes=16:64", "leaky/heap-3.pb.gz"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr,
        "pprof-tui: tagfocus:Interpreted '16:64' as range, not regexp\n\
         pprof-tui: TagFocus expression matched no samples\n\
         pprof-tui: hint: a number without a unit only matches labels without one; for sizes in bytes, write --tagfocus=bytes=16B:64B\n"
    );
}

/// `top` of one file skips the samples of zero value at the type it ranks,
/// guessing the type before the names are read (the last one, unless asked
/// by number). A profile whose `default_sample_type` names another type is
/// read again in full: the output is that of the type named, as from
/// standard input (read once, every sample kept) and as asked by name.
#[test]
fn a_default_sample_type_before_the_last_is_ranked_as_named() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, file) = common::compile_heap_defaulting_to_alloc_space(dir.path());
    let file = file.as_str();

    let by_default = top(&[file]);
    assert!(by_default.contains("Type: alloc_space\n"), "{by_default}");
    assert_eq!(by_default, top(&["--sample-index", "alloc_space", file]));
    let from_stdin = stdout_of(pprof_tui().args(["top", "-"]).write_stdin(bytes.clone()));
    assert_eq!(
        by_default.replace(file, "-"),
        String::from_utf8(from_stdin).unwrap()
    );
    // And the profile as Go wrote it ranks `inuse_space`, pprof's numbers.
    assert_eq!(
        top(&[testdata("compile/compile-heap.pb.gz").to_str().unwrap()]),
        oracle("compile-compile-heap.inuse_space.default.top.txt")
    );
}
