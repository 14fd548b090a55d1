//! Decode and aggregate: the work behind `pprof-tui top`, `top -g lines`
//! and `explain`, on the real Go compiler heap profile in testdata/ and on
//! the ≈ 80 MB synthetic profile (generated in memory by the same code as
//! `examples/synth.rs`).
//!
//! `cargo bench --bench engine`. Whole-process figures (wall time, peak
//! RSS) are in docs/performance.md, measured with hyperfine and /usr/bin/time -v.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmarks fail loudly on broken fixtures"
)]

#[path = "support/synth.rs"]
mod synth;

use std::sync::LazyLock;

use pprof_tui::analysis::explain::{ExplainOptions, explain};
use pprof_tui::analysis::{Granularity, TopOptions, top};
use pprof_tui::profile::{DecodeOptions, decode};

fn main() {
    divan::main();
}

static COMPILE: LazyLock<Vec<u8>> = LazyLock::new(|| {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/compile/compile-heap.pb.gz"
    ))
    .unwrap()
});

static SYNTHETIC: LazyLock<Vec<u8>> =
    LazyLock::new(|| synth::generate_gz(&synth::Shape::LARGE, 42).0);

fn decode_and_top(bytes: &[u8]) -> usize {
    let profile = decode(bytes, &DecodeOptions::default()).unwrap();
    let options = TopOptions {
        sample_index: profile.default_sample_index(),
        node_fraction: 0.005,
        ..TopOptions::default()
    };
    top(&profile, &options).rows.len()
}

#[divan::bench(sample_count = 20)]
fn compile_profile_decode(bencher: divan::Bencher) {
    bencher.bench(|| {
        decode(&COMPILE, &DecodeOptions::default())
            .unwrap()
            .samples()
            .len()
    });
}

#[divan::bench(sample_count = 20)]
fn compile_profile_top(bencher: divan::Bencher) {
    bencher.bench(|| decode_and_top(&COMPILE));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn synthetic_80mb_decode(bencher: divan::Bencher) {
    let bytes = &*SYNTHETIC;
    bencher.bench(|| {
        decode(bytes, &DecodeOptions::default())
            .unwrap()
            .samples()
            .len()
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn synthetic_80mb_top(bencher: divan::Bencher) {
    let bytes = &*SYNTHETIC;
    bencher.bench(|| decode_and_top(bytes));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn synthetic_80mb_top_lines(bencher: divan::Bencher) {
    let bytes = &*SYNTHETIC;
    bencher.bench(|| {
        let profile = decode(bytes, &DecodeOptions::default()).unwrap();
        let options = TopOptions {
            sample_index: profile.default_sample_index(),
            granularity: Granularity::Lines,
            node_fraction: 0.005,
            ..TopOptions::default()
        };
        top(&profile, &options).rows.len()
    });
}

/// `explain -n 20` without compiler output: the sites summed over the
/// samples at lines granularity.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn synthetic_80mb_explain(bencher: divan::Bencher) {
    let bytes = &*SYNTHETIC;
    bencher.bench(|| {
        let profile = decode(bytes, &DecodeOptions::default()).unwrap();
        let options = ExplainOptions {
            sample_index: profile.default_sample_index(),
            node_count: 20,
            ..ExplainOptions::default()
        };
        explain(&profile, None, None, &options).unwrap().rows.len()
    });
}
