//! Shared helpers for the diff and trend tests: the testdata corpus, its
//! `go tool pprof` oracles parsed into numbers, and running the CLI.

#![allow(dead_code, reason = "each test file uses part of these")]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use pprof_tui::profile::{DecodeOptions, Profile, decode};
use serde_json::Value;

pub mod loopback;
pub mod screen;

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// A profile of `testdata/`, decoded.
pub fn load(rel: &str) -> Profile {
    let bytes = std::fs::read(testdata().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    decode(&bytes, &DecodeOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `new` against `base` as pprof's `-diff_base` combines them: the profile
/// a diff shows (its base samples negated and kept apart).
pub fn diff_base(new: &str, base: &str) -> std::sync::Arc<Profile> {
    diff_study(new, base).0
}

/// `new` against `base` as the TUI's diff mode opens them (`--diff-base`):
/// the profile shown and the study that keeps both sides.
pub fn diff_study(new: &str, base: &str) -> (std::sync::Arc<Profile>, pprof_tui::analysis::Study) {
    use pprof_tui::analysis::Study;
    use pprof_tui::profile::BaseMode;
    let study = Study::against(vec![load(new)], vec![load(base)], BaseMode::DiffBase, false)
        .expect("a diff of the two");
    study.into_shown().expect("one profile shown")
}

/// What a run of the CLI produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `pprof-tui ARGS` from `testdata/` (so profile paths read as in the
/// manifest), in UTC so `Time:` lines are stable, and requires exit code
/// `code`.
pub fn run(args: &[&str], code: i32) -> Run {
    let output = Command::cargo_bin("pprof-tui")
        .expect("binary")
        .current_dir(testdata())
        .env("TZ", "UTC")
        .args(args)
        .output()
        .expect("run pprof-tui");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert_eq!(
        run.code, code,
        "pprof-tui {args:?} exited with {}; stderr: {}",
        run.code, run.stderr
    );
    run
}

/// Asserts that `text` contains `part`, showing both otherwise.
pub fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "expected\n{part}\nin\n{text}");
}

/// Runs the CLI, requires exit code `code`, returns stdout parsed as JSON.
pub fn json(args: &[&str], code: i32) -> Value {
    let out = run(args, code);
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", out.stdout))
}

/// An oracle table: total and, per row name (with pprof's inline suffix),
/// flat and cum — exact integers, for oracles printed with `-unit=B` or in
/// counts.
pub struct Oracle {
    pub total: i64,
    pub rows: HashMap<String, (i64, i64)>,
    /// Row names in pprof's order.
    pub order: Vec<String>,
}

fn number(field: &str) -> i64 {
    let digits = field
        .strip_suffix('B')
        .or_else(|| field.strip_suffix("ns"))
        .unwrap_or(field);
    digits
        .parse()
        .unwrap_or_else(|e| panic!("'{field}' is not an exact value: {e}"))
}

/// What follows the first `n` whitespace-separated fields of `line`.
fn after_fields(line: &str, n: usize) -> &str {
    let mut rest = line;
    for _ in 0..n {
        rest = rest.trim_start();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = &rest[end..];
    }
    rest.trim_start()
}

pub fn oracle(file: &str) -> Oracle {
    let text = std::fs::read_to_string(testdata().join("oracle").join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    table(&text)
}

/// The numbers of a `-top` table (pprof's or pprof-tui's text output).
pub fn table(text: &str) -> Oracle {
    let mut total = None;
    let mut rows = HashMap::new();
    let mut order = Vec::new();
    let mut table = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Showing nodes accounting for ") {
            let t = rest
                .rsplit(" of ")
                .next()
                .and_then(|t| t.strip_suffix(" total"))
                .expect("total");
            total = Some(number(t));
        } else if line.trim_start().starts_with("flat ") {
            table = true;
        } else if table {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // flat flat% sum% cum cum%, then the name (which may hold spaces).
            let name = after_fields(line, 5).to_owned();
            rows.insert(name.clone(), (number(fields[0]), number(fields[3])));
            order.push(name);
        }
    }
    Oracle {
        total: total.expect("a total line"),
        rows,
        order,
    }
}

/// A JSON row's name with pprof's inline suffix, as oracle rows are named.
pub fn row_name(row: &Value) -> String {
    let name = row["name"].as_str().expect("name");
    match row["inline"].as_str().unwrap_or("") {
        "" => name.to_owned(),
        kind => format!("{name} ({kind})"),
    }
}

/// The leaky service's heap snapshots, oldest first (under `testdata/`).
pub const HEAPS: [&str; 3] = [
    "leaky/heap-1.pb.gz",
    "leaky/heap-2.pb.gz",
    "leaky/heap-3.pb.gz",
];

/// Its goroutine snapshots, oldest first.
pub const GOROUTINES: [&str; 3] = [
    "leaky/goroutine-1.pb.gz",
    "leaky/goroutine-2.pb.gz",
    "leaky/goroutine-3.pb.gz",
];

/// The Go compiler's heap profile with its `default_sample_type` set to
/// `alloc_space`, a type before the last (what a reader that guesses the
/// type before the names must read again whole), encoded, and written to
/// `alloc-default.pb` in `dir`: the bytes and the file's path.
pub fn compile_heap_defaulting_to_alloc_space(dir: &Path) -> (Vec<u8>, String) {
    use pprof_tui::profile::pb;
    use prost::Message;

    let gz = std::fs::read(testdata().join("compile/compile-heap.pb.gz")).unwrap();
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz.as_slice()), &mut raw).unwrap();
    let mut profile = pb::Profile::decode(raw.as_slice()).unwrap();
    let alloc_space = profile
        .string_table
        .iter()
        .position(|s| s == "alloc_space")
        .unwrap();
    profile.default_sample_type = alloc_space as i64;
    let bytes = profile.encode_to_vec();
    let file = dir.join("alloc-default.pb");
    std::fs::write(&file, &bytes).unwrap();
    (bytes, file.to_str().unwrap().to_owned())
}
