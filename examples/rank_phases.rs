//! The ranking of `pprof-tui top` in its two phases, on a profile loaded
//! once, best of N runs each: `stacks`, the view over every location
//! (`Stacks::new`: each location's frames packed, node ids interned), and
//! `top_of`, the walk over the samples that sums, trims and orders the rows.
//! `top_phases` times a whole run once; this isolates the ranking from the
//! noise of a single run (docs/performance.md quotes both).
//!
//! ```sh
//! scripts/gen-legacy-heap.py 70000 /tmp/legacy-100mb.txt
//! cargo run --release --example rank_phases -- /tmp/legacy-100mb.txt 20
//! ```

#![allow(
    clippy::expect_used,
    reason = "a measuring tool for the docs; failures should be loud"
)]

use std::time::{Duration, Instant};

use pprof_tui::analysis::{Stacks, top_of};
use pprof_tui::cli::TopRequest;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: rank_phases PROFILE [RUNS]");
    let runs: usize = std::env::args()
        .nth(2)
        .map_or(10, |s| s.parse().expect("RUNS is a number"));
    let request = TopRequest::parse([&path]).expect("a top command line");
    let profile = request
        .study()
        .expect("load the profile")
        .into_profile()
        .expect("one profile");
    let options = request.options(&profile).expect("options");
    let mut best = [Duration::MAX; 2];
    for _ in 0..runs {
        let t = Instant::now();
        let stacks = Stacks::new(&profile, options.granularity, &options.filters);
        best[0] = best[0].min(t.elapsed());
        let t = Instant::now();
        let table = top_of(&stacks, &options);
        best[1] = best[1].min(t.elapsed());
        drop((table, stacks));
    }
    println!(
        "{path}: {} locations; best of {runs}: stacks {:.2} ms, top_of {:.2} ms",
        profile.locations().len(),
        best[0].as_secs_f64() * 1e3,
        best[1].as_secs_f64() * 1e3
    );
}
