//! The watch soak and benchmark (issue: "a watch you can leave running for
//! a day"). A loopback server rotates four synthetic heap profiles of a
//! chosen raw size (benches/support/synth.rs, made at start, not
//! committed); the release binary watches it. Three measurements:
//!
//! - `cost MB [KEEP…]`: in this process, the CPU of one arrival (decode,
//!   reduce, rank a series of KEEP snapshots) against decoding and ranking
//!   one profile (`top`), and what a reduced snapshot and a decoded
//!   profile cost in memory: the terms of the README's formula.
//! - `trend MB POLLS [INTERVAL [FORMAT]]`: `pprof-tui trend --watch
//!   INTERVAL --count POLLS` (default 200ms) with default settings (or
//!   `--format FORMAT`); its RSS sampled every 50 ms, peak and end.
//! - `tui MB SECONDS [INTERVAL]`: `pprof-tui --watch INTERVAL` (default
//!   500ms) in a 160×40 pseudo-terminal; every second its RSS, threads and
//!   CPU, and how many snapshots the view is behind the server; at the end
//!   how long `q` takes to quit.
//! - `quit MB RUNS [INTERVAL [SNAPSHOTS]]`: RUNS times, `pprof-tui --watch
//!   INTERVAL` (default 500ms) in a pseudo-terminal, `q` pressed once the
//!   Trend view ranks SNAPSHOTS (default 3) (at a different moment of the arrivals
//!   each run, so often while a job runs); how long until the process
//!   has exited, seen from outside (the parent's `wait`).
//!
//! - `arrivals MB KEEP N [restarts]`: N arrivals after KEEP snapshots
//!   kept (as one process, or with the rotating profiles read as
//!   restarts), each arrival's CPU printed; with
//!   `WATCH_SOAK_PERF_CTL=FIFO` it writes `enable` to that `perf record
//!   --control fifo:FIFO -D -1` once warmed up, so a profile sees the
//!   arrivals only (not the profiles made and decoded, nor the KEEP pushes).
//!
//! `PPROF_TUI_BIN=PATH` runs another build of the binary (an A/B).
//!
//! Build first: `cargo build --release --bins --examples`; then e.g.
//! `nice -n 10 target/release/examples/watch_soak tui 7 600`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a measurement; failures should be loud"
)]

#[path = "../benches/support/synth.rs"]
#[allow(dead_code, reason = "only the generator and the shape are used here")]
mod synth;

#[path = "../benches/support/soak.rs"]
#[allow(dead_code, reason = "the CI test uses more of it")]
mod soak;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pprof_tui::analysis::series::{RankOptions, Reduced, Reduction, SiteSeries, reduce};
use pprof_tui::analysis::top::{TopOptions, top};
use pprof_tui::analysis::trend::SnapshotFacts as ProcessFacts;
use pprof_tui::profile::{DecodeOptions, Profile, decode};
use soak::{Proc, Server, Session, newest_of, poll_of};

/// A heap profile of about `mb` MB uncompressed, shaped like the large
/// benchmark profile (80 MB) scaled down; functions grow with the square
/// root of the size, as a bigger service has more code but not
/// proportionally more.
fn shape(mb: f64) -> synth::Shape {
    let f = mb / 80.0;
    synth::Shape {
        samples: (800_000.0 * f) as usize,
        locations: (650_000.0 * f) as usize,
        functions: (20_000.0 * f.sqrt()) as usize,
        max_depth: 48,
        inline_per_mille: 150,
        inlinable: (1_000.0 * f.sqrt()) as usize,
    }
}

fn arg<T: std::str::FromStr>(n: usize, default: T) -> T {
    std::env::args()
        .nth(n)
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn bin() -> PathBuf {
    if let Some(path) = std::env::var_os("PPROF_TUI_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("pprof-tui")
}

fn me() -> Proc {
    Proc(std::process::id())
}

fn main() {
    let mode: String = arg(1, "cost".to_owned());
    let mb: f64 = arg(2, 7.0);
    let (bodies, raw) = soak::bodies(&shape(mb), 4);
    println!(
        "4 profiles of {:.1} MB raw, {:.1} MB gzip'd",
        raw as f64 / 1e6,
        bodies[0].len() as f64 / 1e6
    );
    match mode.as_str() {
        "cost" => cost(&bodies),
        "trend" => trend(
            bodies,
            arg(3, 200),
            &arg(4, "200ms".to_owned()),
            std::env::args().nth(5),
        ),
        "tui" => tui(bodies, arg(3, 600), &arg(4, "500ms".to_owned())),
        "quit" => quit(bodies, arg(3, 10), &arg(4, "500ms".to_owned()), arg(5, 3)),
        "arrivals" => arrivals(
            &bodies,
            arg(3, 1000),
            arg(4, 100),
            std::env::args().nth(5).as_deref() == Some("restarts"),
        ),
        _ => eprintln!("usage: watch_soak cost|trend|tui|quit|arrivals MB …"),
    }
}

/// Process CPU time of `f`, run `reps` times, per run.
fn cpu_of(reps: u32, mut f: impl FnMut()) -> Duration {
    let start = me().cpu();
    let wall = Instant::now();
    for _ in 0..reps {
        f();
    }
    let cpu = me().cpu() - start;
    // /proc's ticks are 10 ms: wall time stands in for short runs (and
    // only for those: on a loaded machine it overstates the CPU).
    if cpu >= Duration::from_millis(500) {
        cpu / reps
    } else {
        cpu.max(wall.elapsed() / 2) / reps
    }
}

/// The profiles decoded, and what the series reduce them at (their
/// default sample type).
fn decoded(bodies: &[Vec<u8>]) -> (Vec<Profile>, Reduction) {
    let options = DecodeOptions::default();
    let profiles: Vec<_> = bodies
        .iter()
        .map(|b| decode(b, &options).unwrap())
        .collect();
    let how = Reduction {
        sample_index: profiles[0].default_sample_index(),
        ..Reduction::default()
    };
    (profiles, how)
}

fn cost(bodies: &[Vec<u8>]) {
    let options = DecodeOptions::default();
    let (profiles, how) = decoded(bodies);
    let decode_cpu = cpu_of(20, || drop(decode(&bodies[1], &options).unwrap()));
    let top_options = TopOptions {
        sample_index: how.sample_index,
        ..TopOptions::default()
    };
    let top_cpu = cpu_of(20, || drop(top(&profiles[1], &top_options)));
    let baseline = decode_cpu + top_cpu;
    println!(
        "decode {decode_cpu:?} + top {top_cpu:?} = {baseline:?}: decoding and ranking one profile"
    );
    // Memory: a decoded profile, and the sums a series keeps of one.
    let before = me().rss_kb();
    let held: Vec<_> = (0..4)
        .map(|i| decode(&bodies[i], &options).unwrap())
        .collect();
    let profile_kb = (me().rss_kb().saturating_sub(before)) / 4;
    drop(held);
    println!("a decoded profile: about {profile_kb} KiB resident");
    let reduced: Vec<_> = profiles
        .iter()
        .map(|p| reduce(p, "s".into(), &how, &|| false).unwrap())
        .collect();
    let keeps: Vec<usize> = std::env::args()
        .skip(3)
        .filter_map(|s| s.parse().ok())
        .collect();
    let keeps = if keeps.is_empty() {
        vec![10, 100, 1000]
    } else {
        keeps
    };
    for keep in keeps {
        // The four profiles in turn look like restarts to `trend` (their
        // allocated totals fall now and then), which keeps every life
        // short; as one process (allocated totals that only grow) each
        // site's series is one life as long as the window: the dearer case.
        for one_process in [false, true] {
            let mut series = warmed(&how, &reduced, keep, one_process);
            // Before any ranking: the reduced snapshots alone (`S` in
            // docs/watching.md; what a ranking keeps is `R`).
            let per_snapshot = series.heap_bytes() / series.compared();
            let mut i = keep;
            // WATCH_SOAK_ARRIVALS=N: how many arrivals are timed (20); more
            // for `perf record`.
            let arrivals = std::env::var("WATCH_SOAK_ARRIVALS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(20);
            let arrival = cpu_of(arrivals, || {
                arrive(&mut series, &bodies[i % 4], i, one_process);
                i += 1;
            });
            let reduce_cpu = cpu_of(20, || {
                drop(reduce(&profiles[2], "s".into(), &how, &|| false).unwrap())
            });
            // Ranked again with nothing new: what a ranking costs beyond
            // moving the counts.
            let rank_cpu = cpu_of(20, || drop(series.rank(&RankOptions::default()).unwrap()));
            let ranked = series.rank(&RankOptions::default()).unwrap();
            println!(
                "keep {keep:>5}{}: arrival {arrival:?} = {:.2}× the baseline (reduce {reduce_cpu:?}, rank {rank_cpu:?}); \
                 {} snapshots compared, {per_snapshot} bytes each in the series; {} sites ranked, {} restarts",
                if one_process { ", one process" } else { "" },
                arrival.as_secs_f64() / baseline.as_secs_f64(),
                series.compared(),
                ranked.trend.site_total,
                ranked.restarts.len()
            );
        }
    }
}

/// Snapshot `i` as taken in: as one process, allocated totals that only
/// grow (each site's series one life as long as the window); else the
/// rotating profiles' own, which fall now and then (restarts).
fn as_taken(mut r: Reduced, i: usize, one_process: bool) -> Reduced {
    if one_process {
        r.facts.process = ProcessFacts {
            allocated: Some((i as i64 + 1, i as i64 + 1)),
            ..ProcessFacts::default()
        };
    }
    r
}

/// A series of `keep` snapshots taken in: three of the four profiles in
/// turn (with four, a power-of-two stride would compare one profile
/// only, see `thinning_stride`).
fn warmed(how: &Reduction, reduced: &[Reduced], keep: usize, one_process: bool) -> SiteSeries {
    let mut series = SiteSeries::new(how.clone(), keep);
    for i in 0..keep {
        series
            .push(as_taken(reduced[i % 3].clone(), i, one_process))
            .unwrap();
    }
    series
}

/// One arrival: `body` decoded, reduced, taken in as snapshot `i`, and
/// the series ranked.
fn arrive(series: &mut SiteSeries, body: &[u8], i: usize, one_process: bool) {
    let profile = decode(body, &DecodeOptions::default()).unwrap();
    let r = reduce(&profile, format!("s{i}"), series.reduction(), &|| false).unwrap();
    series.push(as_taken(r, i, one_process)).unwrap();
    drop(series.rank(&RankOptions::default()).unwrap());
    drop(profile);
}

/// `count` arrivals (decode, reduce, push, rank) into a series of `keep`
/// snapshots, warmed up first; only the arrivals are shown to `perf`.
fn arrivals(bodies: &[Vec<u8>], keep: usize, count: u32, restarts: bool) {
    let (profiles, how) = decoded(bodies);
    let reduced: Vec<_> = profiles
        .iter()
        .map(|p| reduce(p, "s".into(), &how, &|| false).unwrap())
        .collect();
    drop(profiles);
    let mut series = warmed(&how, &reduced, keep, !restarts);
    drop(series.rank(&RankOptions::default()).unwrap());
    if let Some(fifo) = std::env::var_os("WATCH_SOAK_PERF_CTL") {
        std::fs::write(fifo, "enable\n").unwrap();
    }
    let mut i = keep;
    let cpu = cpu_of(count, || {
        arrive(&mut series, &bodies[i % 4], i, !restarts);
        i += 1;
    });
    println!(
        "keep {keep}{}: {count} arrivals, {cpu:?} each; {} compared",
        if restarts {
            ", restarts"
        } else {
            ", one process"
        },
        series.compared()
    );
}

/// Samples `proc` every 50 ms until `done` says so, printing its RSS
/// every `every`; returns the highest and the last RSS (KiB) and the
/// highest thread count.
fn sample(proc: Proc, every: Duration, mut done: impl FnMut() -> bool) -> (u64, u64, u64) {
    let (mut peak, mut last, mut threads) = (0, 0, 0);
    let started = Instant::now();
    let mut printed = Duration::ZERO;
    while !done() {
        let rss = proc.rss_kb();
        if rss > 0 {
            last = rss;
            peak = peak.max(proc.peak_kb()).max(rss);
        }
        if started.elapsed() >= printed + every {
            printed = started.elapsed();
            println!("  {:>6.1}s RSS {} MiB", printed.as_secs_f64(), rss / 1024);
        }
        threads = threads.max(proc.threads());
        std::thread::sleep(Duration::from_millis(50));
    }
    (peak, last, threads)
}

fn trend(bodies: Vec<Vec<u8>>, polls: u64, interval: &str, format: Option<String>) {
    let server = Server::start(bodies);
    let count = polls.to_string();
    let started = Instant::now();
    let mut child = Command::new(bin())
        .args(["trend", "--watch", interval, "--count", &count, "--proto"])
        .args(format.map(|f| format!("--format={f}")))
        .arg(&server.url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let proc = Proc(child.id());
    let mut cpu = Duration::ZERO;
    let (peak, last, threads) = sample(proc, Duration::from_secs(10), || {
        cpu = cpu.max(proc.cpu());
        child.try_wait().unwrap().is_some()
    });
    println!(
        "trend --watch {interval} --count {polls}: peak RSS {} MiB, last seen {} MiB, \
         at most {threads} threads, {:?} CPU over {:?}; server served {}",
        peak / 1024,
        last / 1024,
        cpu,
        started.elapsed(),
        server.served()
    );
}

fn tui(bodies: Vec<Vec<u8>>, seconds: u64, interval: &str) {
    let server = Server::start(bodies);
    let mut session = Session::start(
        &bin(),
        &["--watch", interval, "--proto", &server.url],
        (160, 40),
    );
    let started = Instant::now();
    let mut last_cpu = Duration::ZERO;
    let mut last_at = Instant::now();
    let mut worst_behind = 0;
    let mut most_threads = 0;
    println!("  time   RSS MiB  threads  CPU (cores)  served  shown  behind");
    while started.elapsed() < Duration::from_secs(seconds) {
        std::thread::sleep(Duration::from_secs(1));
        let screen = session.text();
        let served = server.served();
        let shown = poll_of(&screen).unwrap_or(0);
        // One poll may be under way or waiting to be taken in.
        let behind = served.saturating_sub(shown);
        worst_behind = worst_behind.max(behind);
        let cpu = session.proc.cpu();
        let threads = session.proc.threads();
        most_threads = most_threads.max(threads);
        let t = started.elapsed().as_secs();
        if t.is_multiple_of(10) || t < 10 {
            println!(
                "{t:>5}s {:>9} {threads:>8} {:>12.2} {served:>7} {shown:>6} {behind:>7}   (ranked {:?})",
                session.proc.rss_kb() / 1024,
                (cpu - last_cpu).as_secs_f64() / last_at.elapsed().as_secs_f64(),
                newest_of(&screen)
            );
            last_cpu = cpu;
            last_at = Instant::now();
        }
    }
    let cpu = session.proc.cpu();
    println!(
        "over {seconds}s: {:.2} cores on average, peak RSS {} MiB, at most {most_threads} threads, \
         at worst {worst_behind} snapshots served and not yet shown",
        cpu.as_secs_f64() / started.elapsed().as_secs_f64(),
        session.proc.peak_kb() / 1024
    );
    match session.quit(Duration::from_secs(10)) {
        Some((code, took)) => println!("q quit in {took:?} (exit {code})"),
        None => println!("q did not quit within 10 s"),
    }
}

fn quit(bodies: Vec<Vec<u8>>, runs: u64, interval: &str, snapshots: u64) {
    let server = Server::start(bodies);
    let (mut took, mut restored) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let mut session = Session::start(
            &bin(),
            &["--watch", interval, "--proto", &server.url],
            (160, 40),
        );
        let ready = session.wait_until(Duration::from_secs(120), |screen| {
            newest_of(screen).is_some_and(|n| n >= snapshots)
        });
        if ready.is_none() {
            println!("run {run}: the Trend view never ranked {snapshots} snapshots");
            continue;
        }
        // A different moment of the arrival cycle each run.
        std::thread::sleep(Duration::from_millis(97 * run % 500));
        match session.quit_phases(Duration::from_secs(10)) {
            Some(q) => {
                println!(
                    "run {run}: q quit in {:?} (exit {}); the terminal given back after {:?}; {} MiB resident at the key",
                    q.exited,
                    q.code,
                    q.restored,
                    q.rss_kb / 1024
                );
                took.push(q.exited);
                restored.extend(q.restored);
            }
            None => println!("run {run}: q did not quit within 10 s"),
        }
    }
    for (what, times) in [
        ("q quit in", &mut took),
        ("the terminal given back in", &mut restored),
    ] {
        times.sort();
        if let (Some(best), Some(worst)) = (times.first(), times.last()) {
            println!(
                "{what} {best:?} at best, {:?} median, {worst:?} at worst over {} runs",
                times[times.len() / 2],
                times.len()
            );
        }
    }
}
