//! The diff speed target: comparing two ≈ 80 MB profiles takes at most 2.2×
//! the time of loading one.
//!
//! Three synthetic heap profiles (`benches/support/synth.rs`, the shape of
//! `examples/synth.rs`: 800,000 samples, 650,000 locations, ≈ 88 MB
//! uncompressed each; seeds 42, 43, 44 share functions and most locations,
//! like snapshots of one program) are written to a temporary directory, then:
//!
//! * `top_one`: loading one profile as pprof-tui loads it to show it —
//!   `pprof-tui top PROFILE -n 20`, unprinted. The target's yardstick;
//! * `decode_one`: the bare decode inside that (read, inflate, parse): the
//!   floor, which no report reaches;
//! * `diff_two`: everything `pprof-tui diff BASE NEW -n 20` does but print —
//!   load both (in parallel, as the CLI does), sum each apart, join, rank
//!   every site by growth;
//! * `top_diff_base`: `pprof-tui top NEW --diff-base BASE -n 20`, unprinted
//!   (merges the two, as pprof does);
//! * `trend_three`: `pprof-tui trend A B C -n 20`, unprinted.
//!
//! Run with `cargo bench --bench diff`; the target is `diff_two` ≤ 2.2 ×
//! `top_one`.

#![allow(
    clippy::expect_used,
    reason = "benchmark setup; failures should be loud"
)]

use std::path::PathBuf;
use std::sync::LazyLock;

use pprof_tui::analysis::Lineup;
use pprof_tui::analysis::diff::{DiffOptions, diff};
use pprof_tui::analysis::trend::{TrendOptions, trend};
use pprof_tui::analysis::{TopOptions, top};
use pprof_tui::input::source::{LoadOptions, Source, load, load_all};
use pprof_tui::profile::{Profile, diff_base_owned};

#[path = "support/synth.rs"]
mod synth;

struct Files {
    _dir: tempfile::TempDir,
    paths: Vec<PathBuf>,
}

static FILES: LazyLock<Files> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("temporary directory");
    let paths = [42, 43, 44]
        .iter()
        .map(|&seed| {
            let (bytes, _) = synth::generate_gz(&synth::Shape::LARGE, seed);
            let path = dir.path().join(format!("synth-{seed}.pb.gz"));
            std::fs::write(&path, bytes).expect("writing a benchmark profile");
            path
        })
        .collect();
    Files { _dir: dir, paths }
});

fn sources(n: usize) -> Vec<Source> {
    FILES.paths[..n]
        .iter()
        .map(|p| Source::File(p.clone()))
        .collect()
}

fn load_two() -> (Profile, Profile) {
    let mut both = load_all(&sources(2), &LoadOptions::default()).expect("profiles load");
    let new = both.pop().expect("new");
    let base = both.pop().expect("base");
    (base, new)
}

fn main() {
    LazyLock::force(&FILES);
    divan::main();
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn decode_one() -> Profile {
    load(&sources(1)[0], &LoadOptions::default()).expect("profile loads")
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn top_one() -> usize {
    let profile = load(&sources(1)[0], &LoadOptions::default()).expect("profile loads");
    let options = TopOptions {
        sample_index: profile.default_sample_index(),
        node_count: 20,
        ..TopOptions::default()
    };
    top(&profile, &options).rows.len()
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn diff_two() -> usize {
    let (base, new) = load_two();
    let comparison = Lineup::comparison(base, new, false).expect("comparable");
    let options = DiffOptions {
        sample_index: comparison.profile().default_sample_index(),
        node_count: 20,
        ..DiffOptions::default()
    };
    diff(&comparison, &options).expect("diffs").rows.len()
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn top_diff_base() -> usize {
    let (base, new) = load_two();
    let profile = diff_base_owned(new, &base, false).expect("comparable");
    let options = TopOptions {
        sample_index: profile.default_sample_index(),
        node_count: 20,
        ..TopOptions::default()
    };
    top(&profile, &options).rows.len()
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn trend_three() -> usize {
    let snapshots = load_all(&sources(3), &LoadOptions::default()).expect("profiles load");
    let snapshots = Lineup::snapshots(snapshots).expect("comparable");
    let options = TrendOptions {
        sample_index: snapshots.profile().default_sample_index(),
        node_count: 20,
        ..TrendOptions::default()
    };
    trend(&snapshots, None, &[], &options)
        .expect("ranks")
        .rows
        .len()
}
