//! How soon a superseded TUI job stops (issue: "a watch you can leave
//! running for a day", item "single-flight jobs … a superseded job stops
//! within about 50 ms"). On the ≈ 80 MB synthetic heap profile, a model
//! (a sample type change, with and without the sorted stacks of the call
//! tree), a call tree and the inline suffixes each run through the job
//! runner; a new model supersedes each after 1 ms, 5 ms and at 19 points
//! spread evenly over its whole run, and the time from that request to the
//! old job's end is measured: per kind of job, the median and the worst
//! of those stops. Then `t` during the inline suffixes: the time to the
//! new model's end, against the same model from idle.
//!
//! Run: `cargo run --release --example job_cancel [PROFILE]` (default: the
//! profile `cargo run --release --example synth` writes, made here).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a measurement; failures should be loud"
)]

#[path = "../benches/support/synth.rs"]
mod synth;

use std::time::{Duration, Instant};

use pprof_tui::analysis::TopOrder;
use pprof_tui::analysis::{Cancel, Filters, Granularity};
use pprof_tui::profile::{DecodeOptions, Profile, decode};
use pprof_tui::tui::jobs::{Jobs, Output, Work};
use pprof_tui::tui::model::{Model, Settings};

/// Points spread over a job's run at which it is superseded.
const POINTS: u32 = 20;

fn settings(sample_index: usize) -> Settings {
    Settings {
        sample_index,
        granularity: Granularity::Functions,
        filters: Filters::default(),
        sort: TopOrder::Flat,
    }
}

/// Runs `work` as the runner would, supersedes it with a new model after
/// `delay`, and returns how long the old job took to end after that, and
/// whether it ended cancelled.
fn stop_after(profile: &Profile, work: Work, delay: Duration) -> (Duration, bool) {
    let mut jobs = Jobs::default();
    jobs.request(work, true);
    let job = jobs.take().unwrap();
    std::thread::scope(|scope| {
        let running = scope.spawn(|| {
            let done = job.run(profile);
            (Instant::now(), matches!(done.output, Output::Cancelled))
        });
        std::thread::sleep(delay);
        let asked = Instant::now();
        jobs.request(Work::Model(settings(0), None), true);
        let (ended, cancelled) = running.join().unwrap();
        (ended.saturating_duration_since(asked), cancelled)
    })
}

fn main() {
    let bytes = match std::env::args().nth(1) {
        Some(path) => std::fs::read(path).unwrap(),
        None => synth::generate_gz(&synth::Shape::LARGE, 42).0,
    };
    let profile = decode(&bytes, &DecodeOptions::default()).unwrap();
    let index = profile.default_sample_index();
    let other = (index + 1) % profile.sample_types.len();
    let timed = |f: &dyn Fn()| {
        let start = Instant::now();
        f();
        start.elapsed()
    };
    let never = Cancel::default();
    let model = Model::compute(&profile, &settings(index), &never);
    let totals = model.row_totals();
    let shape = Model::compute_tree(&profile, &settings(index), None, &never)
        .shape()
        .clone();
    let kinds: [(&str, &dyn Fn() -> Work); 4] = [
        ("model", &|| Work::Model(settings(other), None)),
        ("model on a sorted tree", &|| {
            Work::Model(settings(other), Some(shape.clone()))
        }),
        ("call tree", &|| Work::Tree(settings(index))),
        ("inline suffixes", &|| {
            Work::Inline(settings(index), totals.clone())
        }),
    ];
    for (name, work) in kinds {
        let whole = timed(&|| {
            let job = Jobs::default().request(work(), false).unwrap();
            drop(job.run(&profile));
        });
        // Superseded early (building the view), then at evenly spread
        // points of the job's whole run, so every phase is hit.
        let delays = [1, 5]
            .into_iter()
            .map(Duration::from_millis)
            .chain((1..POINTS).map(|i| whole * i / POINTS))
            .filter(|&d| d < whole);
        let mut stops = Vec::new();
        let mut finished = 0;
        for delay in delays {
            let (took, cancelled) = stop_after(&profile, work(), delay);
            if cancelled {
                stops.push(took);
            } else {
                finished += 1;
            }
        }
        stops.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let median = stops.get(stops.len() / 2).copied().unwrap_or_default();
        let worst = stops.last().copied().unwrap_or_default();
        println!(
            "{name}: {:.0} ms whole; superseded {} times, stopped in median {:.1} ms, \
             worst {:.1} ms{}",
            ms(whole),
            stops.len(),
            ms(median),
            ms(worst),
            if finished > 0 {
                format!(" ({finished} finished first)")
            } else {
                String::new()
            }
        );
    }
    // `t` while the inline suffixes are computed, on one worker: the new
    // model waits for the old job to stop, then runs.
    let idle = timed(&|| drop(Model::compute(&profile, &settings(other), &never)));
    let busy = {
        let (stop, _) = stop_after(
            &profile,
            Work::Inline(settings(index), totals.clone()),
            Duration::from_millis(50),
        );
        stop + idle
    };
    println!(
        "t (another sample type): {:.0} ms from idle, {:.0} ms during the inline suffixes \
         (their stop, then the model)",
        idle.as_secs_f64() * 1e3,
        busy.as_secs_f64() * 1e3
    );
}
