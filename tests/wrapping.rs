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

use std::path::PathBuf;

mod support;

use support::{Builder, assert_fixture, testdata_path, top_text};

fn testdata(rel: &str) -> PathBuf {
    testdata_path(rel)
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
    assert_fixture("absurd/absurd.pb", &absurd_profile(), "wrapping");
}

fn top(extra: &[&str]) -> String {
    top_text("absurd/absurd.pb", extra)
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
