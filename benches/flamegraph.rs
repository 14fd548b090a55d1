//! Flame graph export on the synthetic ≈ 80 MB heap profile (800,000
//! samples, stacks up to 48 deep). Target: the SVG, decode included, in
//! at most 3 s with the default min-width, and under 10 MB.
//!
//! `cargo bench --bench flamegraph` (the SVG's size is printed first).
//! End to end, as a user runs it:
//! `cargo run --release --example synth -- /tmp/synth.pb.gz` then
//! `hyperfine 'target/release/pprof-tui flamegraph /tmp/synth.pb.gz -o /tmp/synth.svg'`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark; failures should be loud"
)]

use std::sync::LazyLock;

use divan::Bencher;
use pprof_tui::analysis::{Filters, Granularity, Sides};
use pprof_tui::export::{ExportView, SvgOptions, write_folded, write_svg};
use pprof_tui::profile::{DecodeOptions, Profile, decode};

#[path = "support/synth.rs"]
mod synth;

/// The gzip'd synthetic profile, generated once.
static BYTES: LazyLock<Vec<u8>> = LazyLock::new(|| synth::generate_gz(&synth::Shape::LARGE, 42).0);

static PROFILE: LazyLock<Profile> =
    LazyLock::new(|| decode(&BYTES, &DecodeOptions::default()).unwrap());

fn view(profile: &Profile) -> ExportView<'_> {
    let sides = Sides {
        new: profile,
        base: None,
        normalize: false,
    };
    ExportView::of(
        sides,
        profile.default_sample_index(),
        Granularity::Functions,
        Filters::default(),
    )
}

fn main() {
    let mut svg = Vec::new();
    let stats = write_svg(&view(&PROFILE), &SvgOptions::default(), &mut svg).unwrap();
    eprintln!(
        "synthetic profile: {} bytes gzip'd; SVG: {} bytes, {} frames from {} stack lines",
        BYTES.len(),
        svg.len(),
        stats.frames,
        stats.stacks
    );
    divan::main();
}

/// What `pprof-tui flamegraph synth.pb.gz -o out.svg` does: decode, then draw.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn decode_and_svg(bencher: Bencher) {
    let bytes: &[u8] = &BYTES;
    bencher.bench(|| {
        let profile = decode(bytes, &DecodeOptions::default()).unwrap();
        let mut out = Vec::with_capacity(1 << 20);
        write_svg(&view(&profile), &SvgOptions::default(), &mut out).unwrap();
        out.len()
    });
}

/// The export alone, on a decoded profile (what the TUI's export key costs).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn svg(bencher: Bencher) {
    let profile = &*PROFILE;
    bencher.bench(|| {
        let mut out = Vec::with_capacity(1 << 20);
        write_svg(&view(profile), &SvgOptions::default(), &mut out).unwrap();
        out.len()
    });
}

/// Every stack as folded text (no pruning: one line per distinct stack,
/// about 1 GB here), written to a sink.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn folded(bencher: Bencher) {
    let profile = &*PROFILE;
    bencher.bench(|| {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::sink());
        write_folded(&view(profile), &mut out).unwrap().stacks
    });
}
