//! Peak memory and time to the flame graph of the interactive view, in
//! process, as the terminal opens it: the profiles named on the command line
//! go through [`Session::open`] (one profile opens on Top, several on the
//! Trend view with the other views on the newest), then `2` shows the Flame
//! view and the app's jobs run on its one worker until the graph is drawn,
//! then `t` asks for the next sample type (what the Trend view's ranking and
//! the other views recompute from what the session kept) and its graph is
//! waited for too.
//!
//! It prints, at each step, the wall time since launch, the resident set
//! (`VmRSS`) and the peak so far (`VmHWM`, from `/proc/self/status`). Issue
//! 26's targets: one 80 MB profile ≤ 470 MiB; three snapshots ≤ 700 MiB
//! with the newest's flame graph ready ≤ 3 s.
//!
//! ```text
//! cargo run --release --example synth -- /tmp/synth-42.pb.gz 42   # and 43, 44
//! target/release/examples/tui_memory /tmp/synth-42.pb.gz /tmp/synth-43.pb.gz /tmp/synth-44.pb.gz
//! target/release/examples/tui_memory /tmp/synth-42.pb.gz
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a measurement; failures should be loud"
)]

use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use pprof_tui::analysis::Filters;
use pprof_tui::input::source::{LoadOptions, Source, load_all};
use pprof_tui::tui::action::{Action, ViewKind};
use pprof_tui::tui::jobs::{Done, Output, WORKERS, Workers};
use pprof_tui::tui::{App, Opening, Request, Session};

/// The terminal the brief measures in (tmux at 130×32).
const SIZE: (u16, u16) = (130, 32);

/// `VmRSS` and `VmHWM` of this process, in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn report(started: Instant, what: &str) {
    let (rss, hwm) = memory();
    println!(
        "{:>7.2} s  rss {rss:>5.0} MiB  peak {hwm:>5.0} MiB  {what}",
        started.elapsed().as_secs_f64()
    );
}

/// Runs the app's jobs, as the terminal's loop does, until `done` holds.
fn settle(
    app: &mut App,
    workers: &Workers,
    results: (&mpsc::Sender<Done>, &mpsc::Receiver<Done>),
    started: Instant,
    done: impl Fn(&App) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(600);
    while !done(app) {
        while let Some(job) = app.take_job() {
            workers.run(job, app.profile_arc(), results.0.clone());
        }
        if let Ok(finished) = results.1.recv_timeout(Duration::from_millis(50)) {
            let kind = label(&finished.output);
            app.finish(finished);
            report(started, &format!("done: {kind}"));
        }
        assert!(Instant::now() < deadline, "the jobs never settled");
    }
}

/// What a finished job made.
fn label(output: &Output) -> &'static str {
    match output {
        Output::Model(_) => "rows",
        Output::Tree(_) => "call tree",
        Output::Inline(_) => "inline suffixes",
        Output::Trend(..) => "trend ranking",
        Output::Source(..) => "source lines",
        Output::Watch(_) => "watch",
        Output::Why(_) => "heap explanation",
        Output::Cancelled => "cancelled",
    }
}

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    assert!(!paths.is_empty(), "usage: tui_memory PROFILE…");
    let sources: Vec<Source> = paths.into_iter().map(Source::File).collect();
    let opening = if sources.len() == 1 {
        Opening::Profiles {
            profiles: sources,
            base: None,
            normalize: false,
        }
    } else {
        Opening::Snapshots(sources)
    };
    let request = Request {
        opening,
        sample_type: None,
        granularity: None,
        filters: Filters::default(),
        load: Arc::new(|sources: &[Source]| load_all(sources, &LoadOptions::default())),
        escape: None,
        profiler: false,
        source_paths: Vec::new(),
        export_dir: std::env::temp_dir(),
    };
    let started = Instant::now();
    let session = Session::open(request, SIZE).unwrap();
    report(started, "session open (profiles loaded)");
    let mut app = session.into_app().unwrap();
    report(started, &format!("first screen: {:?}", app.view()));
    let workers = Workers::start(WORKERS);
    let (tx, rx) = mpsc::channel();
    app.update(Action::ShowView(ViewKind::Flame));
    settle(&mut app, &workers, (&tx, &rx), started, |app| {
        app.model().tree_ready
    });
    report(started, "FLAME READY");
    // The rest of the background work (inline suffixes, the heap
    // explanation), then another sample type everywhere.
    settle(&mut app, &workers, (&tx, &rx), started, |app| {
        app.busy().is_none()
    });
    let before = app.model().sample_type.name.clone();
    app.update(Action::ShowView(ViewKind::Trend));
    app.update(Action::NextSampleType);
    app.update(Action::ShowView(ViewKind::Flame));
    settle(&mut app, &workers, (&tx, &rx), started, |app| {
        app.busy().is_none() && app.model().tree_ready
    });
    report(
        started,
        &format!(
            "idle on {} (was {before}){}",
            app.model().sample_type.name,
            app.trend()
                .map(|t| format!(", trend by {}", t.trend.sample_type.name))
                .unwrap_or_default()
        ),
    );
    // Freeing hundreds of megabytes is not part of what is measured.
    std::mem::forget(app);
}
