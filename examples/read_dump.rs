//! Reads a goroutine dump (or any profile) the way every command does and
//! prints how long decoding took, with the goroutine count and distinct
//! stacks, then how long the Goroutines view's grouping takes: the docs'
//! figures for a 100,000-goroutine `debug=2` dump.
//! Make the dump with testdata/goroutines/many (`go run ./many OUT`), then
//! measure the whole process:
//! `/usr/bin/time -v target/release/examples/read_dump OUT`.

#![allow(
    clippy::expect_used,
    reason = "a measuring tool for the README; failures should be loud"
)]

use std::time::Instant;

use pprof_tui::analysis::Filters;
use pprof_tui::analysis::goroutines::{GroupSort, group_goroutines};
use pprof_tui::profile::{DecodeOptions, decode_reader};

fn main() {
    let path = std::env::args().nth(1).expect("usage: read_dump FILE");
    let file = std::fs::File::open(&path).expect("open the dump");
    let start = Instant::now();
    let profile = decode_reader(std::io::BufReader::new(file), &DecodeOptions::default())
        .expect("decode the dump");
    let elapsed = start.elapsed();
    let samples = profile.samples();
    let total: i64 = (0..samples.len()).map(|s| samples.value(s, 0)).sum();
    println!(
        "{path}: {} goroutines ({} samples, {} locations) decoded in {:.3} s",
        total,
        samples.len(),
        profile.locations().len(),
        elapsed.as_secs_f64()
    );
    // What the TUI's Goroutines view computes when it is shown.
    let start = Instant::now();
    let groups = group_goroutines(&profile, &Filters::default(), GroupSort::Count);
    println!(
        "grouped into {} groups by stack and state ({} proven leaked) in {:.3} s",
        groups.groups.len(),
        groups.leaked,
        start.elapsed().as_secs_f64()
    );
}
