//! What watching a live service costs the interactive view: the UI thread's
//! frame time while snapshots of a ≈ 5 MB (gzip) heap profile are fetched,
//! decoded and ranked in the background, and the memory held once more
//! snapshots came than the ring keeps.
//!
//! A loopback HTTP server serves the synthetic profile of
//! benches/support/synth.rs at a reduced size, a little different on each
//! request (a later time stamp, some values grown; all made before the
//! watch starts). The app runs as `pprof-tui --watch` runs it: fed by the
//! poller, jobs on the app's worker, and a 60 Hz loop that collects
//! results, takes the feed in and draws on a 200×60 TestBackend. A frame
//! is that loop's work, without the sleep, in wall time (which includes
//! waiting for a core on a busy machine) and in the thread's own CPU time
//! as Linux's schedstat counts it (updated at scheduler ticks: coarse).
//!
//! Run: `cargo run --release --example watch_frames -- [POLLS] [KEEP]`
//! (default 20 polls, a ring of 5, one poll every 500 ms). glibc's malloc
//! keeps freed memory in per-thread arenas; `MALLOC_ARENA_MAX=2` shows the
//! bound the ring sets without that slack.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a measurement; failures should be loud"
)]

#[path = "../benches/support/soak.rs"]
#[allow(dead_code, reason = "only the server is used here")]
mod soak;

#[path = "../benches/support/synth.rs"]
#[expect(dead_code, reason = "only the generator and the shape are used here")]
mod synth;

use std::io::Write;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use pprof_tui::analysis::{Filters, Granularity, Study};
use pprof_tui::input::watch::{Event, WatchOptions};
use pprof_tui::tui::jobs::{Done, WORKERS, Workers};
use pprof_tui::tui::theme::{ColorMode, Theme};
use pprof_tui::tui::watch::WatchState;
use pprof_tui::tui::{App, AppOptions, views};
use prost::Message;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// About 1/14 of the large benchmark profile: ≈ 5 MB gzip'd.
const SHAPE: synth::Shape = synth::Shape {
    samples: 60_000,
    locations: 48_000,
    functions: 5_000,
    max_depth: 48,
    inline_per_mille: 150,
    inlinable: 500,
};

/// The bodies to serve, made before the watch starts so that making them
/// does not compete with it for a core: snapshots a minute apart, some
/// values grown each time.
fn bodies(n: u64) -> Vec<Vec<u8>> {
    let mut template = synth::generate(&SHAPE, 42);
    (0..n)
        .map(|step| {
            template.time_nanos += 60_000_000_000;
            for (i, sample) in template.sample.iter_mut().enumerate() {
                if (i as u64 + step).is_multiple_of(7) {
                    for v in &mut sample.value {
                        *v += 1;
                    }
                }
            }
            let raw = template.encode_to_vec();
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&raw).unwrap();
            gz.finish().unwrap()
        })
        .collect()
}

/// This thread's time on a CPU so far (Linux schedstat), to tell the
/// frame's own work from time the scheduler gave to other threads.
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = stat
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

fn rss_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let polls: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let keep: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let bodies = bodies(polls + 1);
    let body_size = bodies[0].len();
    let served: usize = bodies.iter().map(Vec::len).sum();
    let server = soak::Server::start(bodies);
    println!(
        "RSS before watching: {} kB ({served} bytes of bodies to serve)",
        rss_kb("VmRSS:")
    );
    let url = server.url.clone();
    let feed = pprof_tui::input::watch::start(
        url.clone(),
        WatchOptions {
            interval: Duration::from_millis(500),
            ..WatchOptions::default()
        },
    );
    let started = Instant::now();
    let Ok(Event::Snapshot(first)) = feed.events.recv() else {
        panic!("the first poll failed");
    };
    println!(
        "first snapshot: {} bytes gzip'd, fetched and decoded in {:?}",
        body_size,
        started.elapsed()
    );
    let mut state = WatchState::new(feed, url, keep, None);
    state.take(Event::Snapshot(first));
    let profile = Arc::clone(&state.newest().unwrap().profile);
    let size = (200, 60);
    let options = AppOptions {
        title: "watch".to_owned(),
        sample_index: profile.default_sample_index(),
        granularity: Granularity::Functions,
        filters: Filters::default(),
        source_paths: Vec::new(),
        export_dir: std::env::temp_dir(),
        export_stem: "watch".to_owned(),
        theme: Theme::new(ColorMode::TrueColor),
        size,
        background: true,
        study: Some(Study::One(Arc::clone(&profile))),
        why: None,
    };
    let mut app = App::new(profile, options).with_watch(state);
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
    let (tx, rx) = mpsc::channel::<Done>();
    let workers = Workers::start(WORKERS);
    // (frame time, a poll or a job was under way)
    let mut frames: Vec<(Duration, bool)> = Vec::new();
    let mut rss_at = Vec::new();
    let mut seen = 1;
    let mut parts: Vec<(&'static str, Duration)> = Vec::new();
    let mut cpu_frames: Vec<Duration> = Vec::new();
    while app.watch().unwrap().taken < polls {
        let frame = Instant::now();
        let cpu = thread_cpu();
        while let Some(job) = app.take_job() {
            workers.run(job, app.profile_arc(), tx.clone());
        }
        while let Ok(done) = rx.try_recv() {
            let t = Instant::now();
            let kind = done_kind(&done);
            app.finish(done);
            parts.push((kind, t.elapsed()));
        }
        let t = Instant::now();
        app.poll_feed();
        parts.push(("feed", t.elapsed()));
        let t = Instant::now();
        terminal.draw(|f| views::render(&app, f)).unwrap();
        parts.push(("draw", t.elapsed()));
        let busy = app.busy().is_some() || app.watch().unwrap().fetching();
        frames.push((frame.elapsed(), busy));
        cpu_frames.push(thread_cpu().saturating_sub(cpu));
        let taken = app.watch().unwrap().taken;
        if taken != seen {
            seen = taken;
            rss_at.push((taken, rss_kb("VmRSS:")));
        }
        std::thread::sleep(Duration::from_millis(16));
    }
    let mut busy: Vec<Duration> = frames.iter().filter(|f| f.1).map(|f| f.0).collect();
    let mut all: Vec<Duration> = frames.iter().map(|f| f.0).collect();
    busy.sort();
    all.sort();
    let pct = |v: &[Duration], p: f64| v[((v.len() as f64 - 1.0) * p) as usize];
    println!(
        "{} frames ({} while fetching, decoding or ranking): median {:?}, p99 {:?}, max {:?}; while busy: p99 {:?}, max {:?}",
        all.len(),
        busy.len(),
        pct(&all, 0.5),
        pct(&all, 0.99),
        all.last().unwrap(),
        pct(&busy, 0.99),
        busy.last().unwrap()
    );
    cpu_frames.sort();
    println!(
        "the UI thread's own CPU time per frame: median {:?}, p99 {:?}, max {:?}",
        pct(&cpu_frames, 0.5),
        pct(&cpu_frames, 0.99),
        cpu_frames.last().unwrap()
    );
    let over = all
        .iter()
        .filter(|d| **d > Duration::from_millis(16))
        .count();
    println!("frames over 16 ms: {over}");
    println!("RSS (kB) after each snapshot, ring of {keep}:");
    for (taken, rss) in &rss_at {
        println!("  {taken:>3} {rss}");
    }
    for kind in [
        "model", "tree", "inline", "trend", "source", "watch", "feed", "draw",
    ] {
        let max = parts.iter().filter(|p| p.0 == kind).map(|p| p.1).max();
        if let Some(max) = max {
            println!("  slowest {kind}: {max:?}");
        }
    }
    println!("peak RSS: {} kB", rss_kb("VmHWM:"));
}

fn done_kind(done: &Done) -> &'static str {
    use pprof_tui::tui::jobs::Output;
    match done.output {
        Output::Model(_) => "model",
        Output::Tree(_) => "tree",
        Output::Inline(_) => "inline",
        Output::Trend(..) => "trend",
        Output::Source(..) => "source",
        Output::Watch(_) => "watch",
        Output::Why(_) => "why",
        Output::Cancelled => "cancelled",
    }
}
