//! What a user waits for, timed on the real binary in a pseudo-terminal:
//! launch to first screen, launch to the flame graph (pressing `2` as soon
//! as the first screen shows), the flame graph after `t` (next sample
//! type), and the process's peak memory — on the ≈ 80 MB synthetic heap
//! profile (benches/support/synth.rs), alone, as `--diff-base` of two, and
//! as three snapshots in Trend mode.
//!
//! Targets (issue 12, 2-core machine): flame ready ≤ 2.5 s after launch
//! (first screen ≤ 2 s), ≤ 1 s after `t`, ≤ 5 s for a `--diff-base` of two,
//! ≤ 4 s for the newest of three snapshots; peak RSS ≤ 700 MB on one.
//! Issue 26: one profile ≤ 470 MiB; three snapshots ≤ 700 MiB with the
//! newest's flame ready ≤ 3 s (`examples/tui_memory.rs` shows, in process,
//! where along the way the memory goes).
//!
//! Run: `cargo bench --bench flame_ready` (release build; the profiles are
//! written to a temporary directory first). Each scenario runs
//! `FLAME_READY_RUNS` times (default 3) and the median is printed; set
//! `PPROF_TUI_BIN` to time another build of the binary (an older commit).

#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark; failures should be loud"
)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

#[path = "support/synth.rs"]
mod synth;

const ROWS: u16 = 60;
const COLS: u16 = 200;

/// The binary in a pseudo-terminal, its screen read back through vt100.
struct Session {
    parser: Arc<Mutex<vt100::Parser>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    started: Instant,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Session {
    fn start(args: &[&Path], flags: &[&str]) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(binary());
        cmd.args(flags);
        for a in args {
            cmd.arg(a);
        }
        cmd.env("TERM", "xterm-256color");
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            ROWS.try_into().unwrap(),
            COLS.try_into().unwrap(),
            0,
        )));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let feed = Arc::clone(&parser);
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().unwrap().process(&buf[..n]);
            }
        });
        let keys = pair.master.take_writer().unwrap();
        Session {
            parser,
            child,
            keys,
            started,
            _master: pair.master,
        }
    }

    fn lines(&self) -> Vec<String> {
        let parser = self.parser.lock().unwrap();
        parser.screen().rows(0, COLS).collect()
    }

    /// Waits until `ready` holds for the screen's lines; returns when.
    fn wait(&self, what: &str, ready: impl Fn(&[String]) -> bool) -> Instant {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let lines = self.lines();
            if ready(&lines) {
                return Instant::now();
            }
            assert!(
                Instant::now() < deadline,
                "never showed {what}; screen:\n{}",
                lines.join("\n")
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn press(&mut self, key: &str) {
        self.keys.write_all(key.as_bytes()).unwrap();
        self.keys.flush().unwrap();
    }

    /// The process's peak resident set (VmHWM), in MiB.
    fn peak_mib(&self) -> f64 {
        let pid = self.child.process_id().unwrap();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap();
        kb / 1024.0
    }

    fn quit(mut self) {
        self.press("q");
        let _ = self.child.wait();
    }
}

/// The binary under test: this build's, or another build's given in
/// `PPROF_TUI_BIN` (to compare against an older commit).
fn binary() -> String {
    std::env::var("PPROF_TUI_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_pprof-tui").to_owned())
}

/// The first screen: a view's rows below the header (Top or Trend).
fn first_screen(lines: &[String]) -> bool {
    lines.len() > 3
        && lines[0].contains("total")
        && lines
            .iter()
            .any(|l| l.trim_end().ends_with(" name") || l.trim_end().ends_with(" site"))
}

/// The flame graph drawn: its root row under the header, no placeholder.
fn flame_drawn(lines: &[String]) -> bool {
    lines.len() > 2
        && lines[0].contains("Flame")
        && lines[1].starts_with("all")
        && !lines.iter().any(|l| l.contains("building the call tree"))
}

#[derive(Default)]
struct Figures {
    first: Vec<f64>,
    flame: Vec<f64>,
    after_t: Vec<f64>,
    peak: Vec<f64>,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Launch, press `2` at the first screen, wait for the flame graph; then
/// (when `t` is set) press `t` and wait for the next sample type's graph.
fn scenario(args: &[&Path], flags: &[&str], press_t: bool, figures: &mut Figures) {
    let mut s = Session::start(args, flags);
    let first = s.wait("the first screen", first_screen);
    s.press("2");
    let flame = s.wait("the flame graph", flame_drawn);
    figures
        .first
        .push(first.duration_since(s.started).as_secs_f64());
    figures
        .flame
        .push(flame.duration_since(s.started).as_secs_f64());
    if press_t {
        // From an idle app: the rows' inline suffixes, which follow the
        // tree in a job of their own, are in.
        s.wait("the background work to finish", |lines| {
            !lines.iter().any(|l| l.contains("finding inlined calls"))
        });
        let before = s.lines()[0].clone();
        s.press("t");
        let t = Instant::now();
        let done = s.wait("the next sample type's flame graph", |lines| {
            lines[0] != before && flame_drawn(lines)
        });
        figures.after_t.push(done.duration_since(t).as_secs_f64());
    }
    figures.peak.push(s.peak_mib());
    s.quit();
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    let runs: usize = std::env::var("FLAME_READY_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = [43u64, 44, 42]
        .iter()
        .map(|&seed| {
            let path = dir.path().join(format!("synth-{seed}.pb.gz"));
            std::fs::write(&path, synth::generate_gz(&synth::Shape::LARGE, seed).0).unwrap();
            path
        })
        .collect();
    let newest = paths[2].as_path();
    let cases: [(&str, Vec<&Path>, Vec<&str>, bool); 3] = [
        ("one profile", vec![newest], vec![], true),
        (
            "--diff-base of two",
            vec![newest],
            vec!["--diff-base", paths[0].to_str().unwrap()],
            false,
        ),
        (
            "Trend mode, three snapshots",
            paths.iter().map(PathBuf::as_path).collect(),
            vec![],
            false,
        ),
    ];
    println!(
        "{:<30} {:>13} {:>13} {:>10} {:>10}",
        "88 MB synthetic heap profile", "first screen", "flame ready", "after t", "peak RSS"
    );
    for (name, args, flags, press_t) in cases {
        let mut figures = Figures::default();
        for _ in 0..runs {
            scenario(&args, &flags, press_t, &mut figures);
        }
        let after_t = if press_t {
            format!("{:.2} s", median(&mut figures.after_t))
        } else {
            "—".to_owned()
        };
        println!(
            "{:<30} {:>11.2} s {:>11.2} s {:>10} {:>6.0} MiB",
            name,
            median(&mut figures.first),
            median(&mut figures.flame),
            after_t,
            median(&mut figures.peak),
        );
    }
}
