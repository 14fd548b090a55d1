#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test and measurement harness; failures should be loud"
)]

//! What a watch soak needs, shared by examples/watch_soak.rs (the
//! measurement) and tests/watch_soak.rs (its short form in CI): a loopback
//! HTTP server that serves profiles in rotation and counts what it served,
//! a process's RSS, threads and CPU time from /proc, and the real binary
//! in a pseudo-terminal read back through a terminal emulator.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use pprof_tui::profile::pb;
use prost::Message;

#[path = "../../tests/common/loopback.rs"]
mod loopback;

/// `count` snapshots of one program shaped `shape`, gzip'd as Go writes
/// them, without time stamps (the poller stamps each with its poll's
/// time); returns them with their uncompressed size.
pub fn bodies(shape: &super::synth::Shape, count: u64) -> (Vec<Vec<u8>>, usize) {
    let mut raw_size = 0;
    let bodies = (0..count)
        .map(|seed| {
            let mut profile: pb::Profile = super::synth::generate(shape, 42 + seed);
            profile.time_nanos = 0;
            let raw = profile.encode_to_vec();
            raw_size = raw.len();
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&raw).unwrap();
            gz.finish().unwrap()
        })
        .collect();
    (bodies, raw_size)
}

/// A loopback server answering every request with the next body in turn.
pub struct Server {
    pub url: String,
    served: Arc<AtomicU64>,
}

impl Server {
    pub fn start(bodies: Vec<Vec<u8>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = Arc::new(AtomicU64::new(0));
        let count = Arc::clone(&served);
        std::thread::spawn(move || {
            for body in bodies.iter().cycle() {
                if !loopback::answer(&listener, body) {
                    return;
                }
                count.fetch_add(1, Ordering::SeqCst);
            }
        });
        Server {
            // The binary profile: no `?debug=1` text to make of a synthetic one.
            url: format!("http://127.0.0.1:{port}/debug/pprof/heap"),
            served,
        }
    }

    /// Bodies sent in full so far.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::SeqCst)
    }
}

/// A process, read from /proc.
#[derive(Clone, Copy)]
pub struct Proc(pub u32);

impl Proc {
    fn status(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.0))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    /// Resident memory, in KiB.
    pub fn rss_kb(&self) -> u64 {
        self.status("VmRSS:")
    }

    /// The highest resident memory so far, in KiB.
    pub fn peak_kb(&self) -> u64 {
        self.status("VmHWM:")
    }

    pub fn threads(&self) -> u64 {
        self.status("Threads:")
    }

    /// User and system CPU time so far.
    pub fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.0)).unwrap_or_default();
        // The fields after the command name (which may hold spaces).
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<u64> = rest
            .split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        // utime and stime are fields 14 and 15 of stat, 12 and 13 here.
        let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
        Duration::from_millis(ticks * 10)
    }
}

/// The binary running in a pseudo-terminal.
pub struct Session {
    parser: Arc<Mutex<vt100::Parser>>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    pub proc: Proc,
}

impl Session {
    /// `bin` with `args` in a `cols`×`rows` terminal.
    pub fn start(bin: &Path, args: &[&str], (cols, rows): (u16, u16)) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(bin);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().unwrap(),
            cols.try_into().unwrap(),
            0,
        )));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let feed = Arc::clone(&parser);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().unwrap().process(&buf[..n]);
            }
        });
        let keys = pair.master.take_writer().unwrap();
        let proc = Proc(child.process_id().unwrap());
        Session {
            parser,
            _master: pair.master,
            child,
            keys,
            proc,
        }
    }

    pub fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen satisfies `done`, up to `limit`.
    pub fn wait_until(
        &self,
        limit: Duration,
        mut done: impl FnMut(&str) -> bool,
    ) -> Option<String> {
        let deadline = Instant::now() + limit;
        loop {
            let text = self.text();
            if done(&text) {
                return Some(text);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn press(&mut self, bytes: &[u8]) {
        self.keys.write_all(bytes).unwrap();
        self.keys.flush().unwrap();
    }

    /// Presses `q` and waits up to `limit` for the exit: the exit code and
    /// how long it took.
    pub fn quit(&mut self, limit: Duration) -> Option<(u32, Duration)> {
        self.quit_phases(limit).map(|q| (q.code, q.exited))
    }

    /// [`Session::quit`], with when the terminal was given back (the
    /// alternate screen left) and how much memory the process held when
    /// `q` was pressed: the kernel frees it between the two.
    pub fn quit_phases(&mut self, limit: Duration) -> Option<Quit> {
        let rss_kb = self.proc.rss_kb();
        let started = Instant::now();
        self.press(b"q");
        let mut restored = None;
        loop {
            if restored.is_none() && !self.parser.lock().unwrap().screen().alternate_screen() {
                restored = Some(started.elapsed());
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(Quit {
                    code: status.exit_code(),
                    restored,
                    exited: started.elapsed(),
                    rss_kb,
                });
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// How a `q` went ([`Session::quit_phases`]).
pub struct Quit {
    pub code: u32,
    /// From the key to the terminal given back, when the reader saw it
    /// before the exit.
    pub restored: Option<Duration>,
    /// From the key to the exit, as the parent's `wait` sees it.
    pub exited: Duration,
    /// Resident memory when the key was pressed, KiB.
    pub rss_kb: u64,
}

/// "newest of N" in the title: how many snapshots the Trend view ranks.
pub fn newest_of(screen: &str) -> Option<u64> {
    number_after(screen, "(newest of ")
}

/// "poll N" in the status bar: the latest poll the view took in.
pub fn poll_of(screen: &str) -> Option<u64> {
    number_after(screen, " poll ")
}

/// The number right after the first `marker` on the screen.
fn number_after(screen: &str, marker: &str) -> Option<u64> {
    let at = screen.find(marker)? + marker.len();
    let digits: String = screen[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}
