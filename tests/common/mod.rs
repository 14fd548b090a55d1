//! Shared helpers for the diff and trend tests: the testdata corpus, its
//! `go tool pprof` oracles parsed into numbers, and running the CLI.

#![allow(dead_code, reason = "each test file uses part of these")]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// `pprof-tui ARGS`, run from `testdata/` so profile paths read as in the
/// manifest.
pub fn pprof_tui(args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("pprof-tui").expect("binary");
    cmd.current_dir(testdata()).args(args);
    cmd
}

/// Runs the CLI, expects exit code `code`, returns stdout parsed as JSON.
pub fn json(args: &[&str], code: i32) -> Value {
    let out = pprof_tui(args).assert().code(code).get_output().clone();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
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
