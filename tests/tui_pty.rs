//! End to end: the real binary in a pseudo-terminal. The screen is read
//! back through a terminal emulator (vt100); the test presses `?`, Tab and
//! `q` and checks that the process exits 0 with the terminal restored: raw
//! mode off, main screen back, cursor shown, mouse reporting off.

#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::termios::LocalFlags;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `needle`.
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = self.text();
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "never showed {needle:?}; screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The binary running in a 100×30 pseudo-terminal.
struct Session {
    screen: Screen,
    master: Box<dyn portable_pty::MasterPty + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    pump: std::thread::JoinHandle<()>,
}

impl Session {
    fn start(profile: &Path) -> Session {
        Session::run(&[profile.as_os_str()])
    }

    /// The binary with these arguments.
    fn run(args: &[&std::ffi::OsStr]) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 30,
                cols: 100,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let cooked = pair.master.get_termios().unwrap();
        assert!(
            cooked
                .local_flags
                .contains(LocalFlags::ICANON | LocalFlags::ECHO)
        );
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_pprof-tui"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            30.try_into().unwrap(),
            100.try_into().unwrap(),
            0,
        )));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let feed = Arc::clone(&parser);
        let pump = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().unwrap().process(&buf[..n]);
            }
        });
        let keys = pair.master.take_writer().unwrap();
        Session {
            screen: Screen { parser },
            master: pair.master,
            child,
            keys,
            pump,
        }
    }

    fn press(&mut self, bytes: &[u8]) {
        self.keys.write_all(bytes).unwrap();
        self.keys.flush().unwrap();
    }

    fn raw_mode(&self) -> bool {
        !self
            .master
            .get_termios()
            .unwrap()
            .local_flags
            .contains(LocalFlags::ICANON)
    }

    /// Waits for the exit, then checks the terminal is as it was; returns
    /// the exit code and the final screen.
    fn finish(mut self) -> (u32, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "did not exit");
            std::thread::sleep(Duration::from_millis(20));
        };
        let termios = self.master.get_termios().unwrap();
        assert!(
            termios
                .local_flags
                .contains(LocalFlags::ICANON | LocalFlags::ECHO),
            "raw mode left on"
        );
        drop(self.keys);
        drop(self.master);
        let _ = self.pump.join();
        let p = self.screen.parser.lock().unwrap();
        let s = p.screen();
        assert!(!s.alternate_screen(), "alternate screen left on");
        assert!(!s.hide_cursor(), "cursor left hidden");
        assert_eq!(s.mouse_protocol_mode(), vt100::MouseProtocolMode::None);
        (status.exit_code(), s.contents())
    }
}

fn heap3() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/leaky/heap-3.pb.gz")
}

#[test]
fn runs_in_a_terminal_and_restores_it() {
    let mut session = Session::start(&heap3());
    let top = session.screen.wait_for("runtime/pprof.StartCPUProfile");
    assert!(top.contains("flat%"), "{top}");
    assert!(
        session
            .screen
            .parser
            .lock()
            .unwrap()
            .screen()
            .alternate_screen()
    );
    assert!(session.raw_mode(), "raw mode while running");
    // F1 as a terminal sends it (SS3 P) opens the glossary directly; `?`
    // opens the keys, and `?` again turns to the glossary.
    session.press(b"\x1bOP");
    session.screen.wait_for(" glossary 1/");
    session.press(b"j");
    session.press(b"?");
    session.screen.wait_for("? glossary, any other key closes");
    session.press(b"?");
    session.screen.wait_for("│cum ");
    session.press(b"j");
    session.press(b"\t");
    let flame = session.screen.wait_for("of all");
    assert!(flame.lines().any(|l| l.trim_end() == "all"), "{flame}");
    session.press(b"q");
    let (code, _) = session.finish();
    assert_eq!(code, 0);
}

#[test]
fn ctrl_c_quits_cleanly() {
    let mut session = Session::start(&heap3());
    session.screen.wait_for("flat%");
    session.press(b"\x03");
    let (code, _) = session.finish();
    assert_eq!(code, 0);
}

#[test]
fn a_bad_profile_is_an_error_after_the_terminal_is_restored() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.pb.gz");
    std::fs::write(&bad, [0x1f, 0x8b, 0x08, 0x00, 0x01]).unwrap();
    let session = Session::start(&bad);
    let (code, screen) = session.finish();
    assert_eq!(code, 1);
    assert!(
        screen.contains("pprof-tui: "),
        "the error is printed on the main screen: {screen}"
    );
    assert!(screen.contains("bad.pb.gz"), "{screen}");
}

#[test]
fn refuses_to_run_without_a_terminal() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pprof-tui"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/leaky/heap-3.pb.gz"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("pprof-tui: standard output is not a terminal"),
        "{err}"
    );
    assert!(err.contains("pprof-tui top"), "{err}");
}

/// Serves heap-1, heap-2 and heap-3 of testdata/leaky, then holds every
/// later request open unanswered (a poll under way, until `--timeout`):
/// the watch takes in exactly those three snapshots however loaded the
/// machine, and no failure takes over the status bar. Returns the URL.
fn serve_heaps() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/leaky");
    let bodies: Vec<Vec<u8>> = (1..=3)
        .map(|n| std::fs::read(dir.join(format!("heap-{n}.pb.gz"))).unwrap())
        .collect();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for n in 0.. {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while std::io::BufRead::read_line(&mut reader, &mut line).unwrap_or(0) > 2 {
                line.clear();
            }
            let Some(body) = bodies.get(n) else {
                held.push(stream);
                continue;
            };
            let header = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(header.as_bytes());
            let _ = stream.write_all(body);
        }
    });
    format!("http://127.0.0.1:{port}/debug/pprof/heap")
}

#[test]
fn watch_mode_updates_live_and_restores_the_terminal() {
    let url = serve_heaps();
    let mut session = Session::run(&["--watch".as_ref(), "100ms".as_ref(), url.as_ref()]);
    // The main loop takes the feed in: the Trend view appears, and once it
    // ranked all three snapshots (the server sends no more) the leak
    // comes first.
    session.screen.wait_for("3 snapshots, oldest first");
    let trend = session.screen.wait_for("+937.31kB");
    assert!(trend.contains("Leak suspects"), "{trend}");
    assert!(trend.contains("3 snapshots, oldest first"), "{trend}");
    assert!(trend.contains("poll 3 "), "{trend}");
    let leak = trend
        .lines()
        .find(|l| l.contains("main.(*Cache).Put"))
        .unwrap_or_else(|| panic!("no leak row: {trend}"));
    assert!(leak.contains("+937.31kB"), "{trend}");
    session.press(b" ");
    session.screen.wait_for("paused (Space resumes)");
    session.press(b"d1");
    session.screen.wait_for("(base 1.27MB)");
    session.press(b"q");
    let (code, _) = session.finish();
    assert_eq!(code, 0);
}

#[test]
fn watch_mode_whose_first_poll_fails_is_an_error_after_the_terminal_is_restored() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/debug/pprof/heap");
    let session = Session::run(&["--watch".as_ref(), "1s".as_ref(), url.as_ref()]);
    let (code, screen) = session.finish();
    assert_eq!(code, 1);
    // A heap endpoint is polled as ?debug=1 text (not --proto).
    assert!(
        screen.contains(&format!(
            "pprof-tui: reading profile '{url}?debug=1': fetching failed"
        )),
        "{screen}"
    );
}

impl Screen {
    /// The text of the body row drawn highlighted (reversed, or on a
    /// background colour): the cursor's row.
    fn highlighted(&self) -> Option<String> {
        let parser = self.parser.lock().unwrap();
        let screen = parser.screen();
        let (rows, cols) = screen.size();
        let (rows, cols) = (rows.get(), cols.get());
        // Not the tabs (row 0), the status bar or the footer.
        (1..rows.saturating_sub(2)).find_map(|row| {
            let cell = screen.cell(row, 10)?;
            (cell.inverse() || cell.bgcolor() != vt100::Color::Default).then(|| {
                (0..cols)
                    .filter_map(|c| screen.cell(row, c))
                    .map(|c| c.contents())
                    .collect::<String>()
            })
        })
    }

    /// Waits until the highlighted row is `row`.
    fn wait_for_highlight(&self, row: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.highlighted().as_deref() != Some(row) {
            assert!(
                Instant::now() < deadline,
                "the highlight never came back to {row:?}; it is on {:?}; screen:\n{}",
                self.highlighted(),
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// In Trend, Enter on a suspect, `p` and `S` each leave for another view;
/// Esc comes back to the Trend view with the same row highlighted.
#[test]
fn esc_comes_back_to_the_trend_row_after_enter_p_and_s() {
    let heaps: Vec<std::path::PathBuf> = ["heap-1", "heap-2", "heap-3"]
        .iter()
        .map(|h| Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("testdata/leaky/{h}.pb.gz")))
        .collect();
    let args: Vec<&std::ffi::OsStr> = heaps.iter().map(|p| p.as_os_str()).collect();
    let mut session = Session::run(&args);
    session.screen.wait_for("Leak suspects");
    // The second suspect: main.recordAudit.
    session.press(b"j");
    let row = loop {
        match session.screen.highlighted() {
            Some(row) if row.contains("main.recordAudit") => break row,
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    for (key, shows) in [
        (&b"\r"[..], "flat%"),
        (b"p", "callers ↑ · callees ↓"),
        (b"S", "main.recordAudit  "),
    ] {
        session.press(key);
        // Drawn whole: the other view's text, and the Trend's gone.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = session.screen.text();
            if text.contains(shows) && !text.contains("Leak suspects") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "never left for {shows:?}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        session.press(b"\x1b");
        session.screen.wait_for("Leak suspects");
        session.screen.wait_for_highlight(&row);
    }
    session.press(b"q");
    let (code, _) = session.finish();
    assert_eq!(code, 0);
}
