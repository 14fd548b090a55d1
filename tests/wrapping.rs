//! Sums past `i64`: pprof adds with Go's `int64`, which wraps around, and
//! pprof-tui follows it (totals, percentages, the "Dropped" line), so even
//! absurd profiles print what `go tool pprof -top` prints. The profile is
//! built here and committed as testdata/absurd/absurd.pb; the oracles are
//! pprof's `-top` on it.
//!
//! `PPROF_TUI_WRITE_FIXTURES=1 cargo test --test wrapping` rewrites the
//! profile; then rerun `testdata/regen.sh oracles`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

use std::path::{Path, PathBuf};

mod support;

use support::{Builder, pprof_tui, stdout_of};

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

fn absurd_profile() -> Vec<u8> {
    let mut b = Builder::new();
    b.sample(&["main.main", "main.huge"], 1, i64::MAX - 10)
        .sample(&["main.main", "main.big"], 1, i64::MAX / 4)
        .sample(&["main.main", "main.small"], 1, 100)
        .sample(&["main.main", "main.helper", "main.tiny"], 1, 7)
        .sample(&["main.main", "main.negative"], 1, -(i64::MAX / 2));
    b.encode()
}

#[test]
fn the_committed_profile_is_this_one() {
    let bytes = absurd_profile();
    let path = testdata("absurd/absurd.pb");
    if std::env::var_os("PPROF_TUI_WRITE_FIXTURES").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "testdata/absurd/absurd.pb is stale: PPROF_TUI_WRITE_FIXTURES=1 cargo test --test wrapping"
    );
}

fn top(extra: &[&str]) -> String {
    let mut cmd = pprof_tui();
    cmd.current_dir(testdata(""))
        .arg("top")
        .args(extra)
        .arg("absurd/absurd.pb");
    String::from_utf8(stdout_of(&mut cmd)).unwrap()
}

fn oracle(name: &str) -> String {
    std::fs::read_to_string(testdata("oracle").join(name)).unwrap()
}

#[test]
fn wrapped_sums_print_as_pprof_prints_them() {
    assert_eq!(top(&[]), oracle("absurd-absurd.space.default.top.txt"));
    assert_eq!(
        top(&["--node-fraction", "0", "--unit", "B"]),
        oracle("absurd-absurd.space.top.txt")
    );
    assert_eq!(
        top(&["--cum"]),
        oracle("absurd-absurd.space.cum.default.top.txt")
    );
}
