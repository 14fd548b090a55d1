//! `trend --watch`: polling a live endpoint (a loopback server inside the
//! test that answers each request with the next reply of a script) gives
//! what `trend` gives on the same snapshots as files, `--save-dir` replays
//! to the same report, and a failing endpoint gives one clear line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use support::{pprof_tui, stdout_of, testdata_path};

/// What the server answers one request with.
enum Reply {
    /// `200 OK` with this body.
    Body(Vec<u8>),
    /// This status line and body.
    Status(&'static str, Vec<u8>),
    /// Nothing, for this long, then hang up.
    Stall(Duration),
}

fn heap(n: u32) -> PathBuf {
    testdata_path(&format!("leaky/heap-{n}.pb.gz"))
}

fn heaps() -> Vec<Reply> {
    (1..=3)
        .map(|n| Reply::Body(std::fs::read(heap(n)).unwrap()))
        .collect()
}

/// Serves `replies` in order, one per connection, on 127.0.0.1, then
/// closes the listener (later connections are refused). Returns the port
/// and, at the end, the paths asked for.
fn serve(replies: Vec<Reply>) -> (u16, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let mut paths = Vec::new();
        for reply in replies {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            paths.push(
                request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned(),
            );
            let (status, body) = match reply {
                Reply::Body(body) => ("200 OK", body),
                Reply::Status(status, body) => (status, body),
                Reply::Stall(time) => {
                    std::thread::sleep(time);
                    continue;
                }
            };
            let header = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            // The client may have given up already.
            let _ = stream.write_all(header.as_bytes());
            let _ = stream.write_all(&body);
        }
        paths
    });
    (port, handle)
}

fn url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/debug/pprof/heap")
}

/// What a watch of [`url`] polls: heap endpoints as `debug=1` text, for
/// the runtime's MemStats, unless `--proto`.
fn polled(port: u16) -> String {
    format!("{}?debug=1", url(port))
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

/// `trend`'s text `report` without the allocation rate and age columns,
/// which a watch does not show (its snapshots are reduced at one sample
/// type; see docs/watching.md): the header's 21-character `alloc/s` and
/// `age` cells and the same cells of every table row after it.
fn without_turnover(report: &str) -> String {
    const CELLS: &str = "     alloc/s      age";
    let mut at = None;
    let mut out: Vec<char> = Vec::new();
    for line in report.split_inclusive('\n') {
        let chars: Vec<char> = line.chars().collect();
        if at.is_none()
            && let Some(byte) = line.find(CELLS)
        {
            at = Some(line[..byte].chars().count());
        }
        match at {
            Some(p) if chars.len() > p + CELLS.len() => {
                out.extend(&chars[..p]);
                out.extend(&chars[p + CELLS.len()..]);
            }
            _ => out.extend(&chars),
        }
    }
    out.into_iter().collect()
}

/// `trend`'s JSON `report` with every row's turnover null, as a watch
/// prints it.
fn json_without_turnover(report: &str) -> serde_json::Value {
    let mut doc: serde_json::Value = serde_json::from_str(report).unwrap();
    for row in doc["rows"].as_array_mut().unwrap() {
        row["turnover"] = serde_json::Value::Null;
    }
    doc
}

#[test]
fn three_polls_rank_like_the_three_files() {
    let (port, server) = serve(heaps());
    let output = pprof_tui()
        .args(["trend", "--watch", "10ms", "--count", "3", &url(port)])
        .output()
        .unwrap();
    assert_eq!(server.join().unwrap(), ["/debug/pprof/heap?debug=1"; 3]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    // Progress goes to stderr only when it is a terminal.
    assert_eq!(stderr, "");
    let mut watched = text(output.stdout);
    let files: Vec<PathBuf> = (1..=3).map(heap).collect();
    let from_files = text(stdout_of(pprof_tui().arg("trend").args(&files)));
    // The snapshots are named by URL and poll; everything else is the same.
    for (n, file) in files.iter().enumerate() {
        let name = format!("{} (poll {})", polled(port), n + 1);
        assert!(watched.contains(&name), "{watched}");
        watched = watched.replace(&name, &file.display().to_string());
    }
    // The files show the allocation rate and age; a watch does not.
    assert!(from_files.contains("alloc/s"), "{from_files}");
    assert!(!watched.contains("alloc/s"), "{watched}");
    assert_eq!(watched, without_turnover(&from_files));
    assert!(from_files.contains("main.(*Cache).Put"));
}

#[test]
fn a_password_in_the_url_never_reaches_the_report() {
    for format in ["text", "json"] {
        let (port, server) = serve(heaps());
        let output = pprof_tui()
            .args([
                "trend", "--watch", "10ms", "--count", "3", "--format", format,
            ])
            .arg(format!(
                "http://ops:s3cret@127.0.0.1:{port}/debug/pprof/heap"
            ))
            .output()
            .unwrap();
        server.join().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        let stdout = text(output.stdout);
        assert!(!stdout.contains("s3cret"), "{stdout}");
        let shown = format!("http://ops:xxxxx@127.0.0.1:{port}/debug/pprof/heap?debug=1 (poll 1)");
        assert!(stdout.contains(&shown), "{format}: {stdout}");
    }
}

#[test]
fn growth_over_the_limit_exits_3_as_trend_does() {
    let (port, server) = serve(heaps());
    let output = pprof_tui()
        .args(["trend", "--watch", "10ms", "--count", "3"])
        .args(["--fail-on-growth", "500kB", "--format", "json", &url(port)])
        .output()
        .unwrap();
    server.join().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.starts_with(
            "pprof-tui: growth limit exceeded: leak suspect main.(*Cache).Put grew by +937.31kB"
        ),
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["rows"][0]["name"], "main.(*Cache).Put");
}

#[test]
fn a_saved_watch_replays_to_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("snaps");
    let (port, server) = serve(heaps());
    let watched = text(stdout_of(
        pprof_tui().args(["trend", "--watch", "10ms"]).args([
            "--count",
            "3",
            "--save-dir",
            save.to_str().unwrap(),
            &url(port),
        ]),
    ));
    server.join().unwrap();
    let mut saved: Vec<PathBuf> = std::fs::read_dir(&save)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    // What a shell's `heap-*.pb.gz` gives: sorted by name.
    saved.sort();
    let names: Vec<String> = saved
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    for name in &names {
        // heap-20261129T214903.123456Z.pb.gz
        assert!(
            name.starts_with("heap-") && name.ends_with("Z.pb.gz"),
            "{name}"
        );
        assert_eq!(
            name.len(),
            "heap-20261129T214903.123456Z.pb.gz".len(),
            "{name}"
        );
    }
    // Each file holds the body served, as it came.
    for (n, path) in saved.iter().enumerate() {
        let served = std::fs::read(heap(n as u32 + 1)).unwrap();
        assert!(std::fs::read(path).unwrap() == served, "{}", path.display());
    }
    let replayed = text(stdout_of(pprof_tui().arg("trend").args(&saved)));
    assert_eq!(watched, without_turnover(&replayed));
}

/// Runs `trend --watch` with `extra` options against `url`; returns the
/// exit code and stderr.
fn failing(url: &str, extra: &[&str]) -> (Option<i32>, String) {
    let output = pprof_tui()
        .args(["trend", "--watch", "10ms", "--count", "2"])
        .args(extra)
        .arg(url)
        .output()
        .unwrap();
    assert!(output.stdout.is_empty());
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_404_is_one_clear_line() {
    let (port, server) = serve(vec![Reply::Status("404 Not Found", b"nope".to_vec())]);
    let (code, stderr) = failing(&url(port), &["--max-failures", "1"]);
    server.join().unwrap();
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "pprof-tui: reading profile '{}': fetching failed: http status: 404\n",
            polled(port)
        )
    );
}

#[test]
fn a_garbage_body_is_one_clear_line() {
    let (port, server) = serve(vec![Reply::Body(b"<html>hello</html>".to_vec())]);
    let (code, stderr) = failing(&url(port), &["--max-failures", "1"]);
    server.join().unwrap();
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "pprof-tui: reading profile '{}': the response is not a profile",
            polled(port)
        )),
        "{stderr}"
    );
}

#[test]
fn a_stalled_server_costs_the_timeout_and_is_one_clear_line() {
    let (port, server) = serve(vec![Reply::Stall(Duration::from_secs(2))]);
    let started = std::time::Instant::now();
    let (code, stderr) = failing(&url(port), &["--max-failures", "1", "--timeout", "300ms"]);
    let took = started.elapsed();
    server.join().unwrap();
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("pprof-tui: reading profile '{}': ", polled(port))),
        "{stderr}"
    );
    assert!(
        stderr.contains("timeout") || stderr.contains("timed out"),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn a_refused_connection_gives_up_after_max_failures_in_a_row() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (code, stderr) = failing(&url(port), &["--max-failures", "3"]);
    assert_eq!(code, Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    let prefix = format!(
        "poll 1 failed: reading profile '{}': fetching failed: ",
        polled(port)
    );
    assert!(
        lines[0].starts_with(&format!("pprof-tui: warning: {prefix}")),
        "{stderr}"
    );
    assert!(lines[0].ends_with("; retrying in 20ms"), "{stderr}");
    assert!(
        lines[1].ends_with("; retrying in 40ms (2 failures in a row)"),
        "{stderr}"
    );
    assert!(
        lines[2].starts_with(&format!("pprof-tui: reading profile '{}'", polled(port)))
            && lines[2].ends_with("; gave up after 3 failed polls in a row"),
        "{stderr}"
    );
}

#[test]
fn a_failed_poll_is_retried_and_the_watch_goes_on() {
    let mut replies = vec![Reply::Status("503 Service Unavailable", Vec::new())];
    replies.extend(heaps());
    let (port, server) = serve(replies);
    let output = pprof_tui()
        .args(["trend", "--watch", "10ms", "--count", "3", &url(port)])
        .output()
        .unwrap();
    assert_eq!(server.join().unwrap().len(), 4);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "pprof-tui: warning: poll 1 failed: reading profile '{}': fetching failed: http status: 503; retrying in 20ms\n",
            polled(port)
        )
    );
    // Polls 2 to 4 are the snapshots.
    let out = text(output.stdout);
    assert!(
        out.contains(&format!("   1. {} (poll 2), ", polled(port))),
        "{out}"
    );
    assert!(
        out.contains(&format!("   3. {} (poll 4), ", polled(port))),
        "{out}"
    );
}

#[test]
fn watch_options_are_checked_before_polling() {
    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "trend", "--watch", "1s", "--count", "2", "--keep", "1", "x:1/heap",
            ],
            "pprof-tui: --keep must be 2 or more: a trend compares at least two snapshots\n",
        ),
        (
            &[
                "trend",
                "--watch",
                "1s",
                "http://127.0.0.1:1/debug/pprof/heap",
            ],
            "pprof-tui: trend --watch needs --count N: how many snapshots to compare\n",
        ),
        (
            &[
                "trend", "--watch", "1s", "--count", "2", "a.pb.gz", "b.pb.gz",
            ],
            "pprof-tui: --watch polls one URL; give exactly one\n",
        ),
        (
            &["trend", "--watch", "1s", "--count", "2", "Cargo.toml"],
            "pprof-tui: --watch polls a URL (http://host:port/debug/pprof/heap); 'Cargo.toml' is not one\n",
        ),
        (
            &["trend", "Cargo.toml"],
            "pprof-tui: trend compares two or more snapshots (or one URL with --watch)\n",
        ),
    ];
    for (args, expected) in cases {
        let output = pprof_tui().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            expected,
            "{args:?}"
        );
    }
    let output = pprof_tui()
        .args(["trend", "--watch", "soon", "--count", "2", "x:1/heap"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("'soon' is not a duration"));
}

#[test]
fn a_paused_poller_polls_again_only_when_resumed() {
    use pprof_tui::input::watch::{Event, WatchOptions, start};
    let (port, server) = serve(heaps());
    let feed = start(
        url(port),
        WatchOptions {
            interval: Duration::from_millis(20),
            count: Some(3),
            ..WatchOptions::default()
        },
    );
    let poll = |event: Event| match event {
        Event::Snapshot(s) => s.poll,
        Event::Failed(f) => panic!("{f}"),
    };
    let first = feed.events.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(poll(first), 1);
    feed.control.pause();
    // A poll that started before the pause may still arrive; no other.
    std::thread::sleep(Duration::from_millis(300));
    let during: Vec<u64> = feed.events.try_iter().map(poll).collect();
    assert!(during.len() <= 1, "{during:?}");
    assert!(feed.control.is_paused() && feed.control.next_poll().is_none());
    feed.control.resume();
    // The count reached, the poller ends and the channel closes.
    let after: Vec<u64> = feed.events.iter().map(poll).collect();
    let all: Vec<u64> = std::iter::once(1).chain(during).chain(after).collect();
    assert_eq!(all, [1, 2, 3]);
    assert_eq!(server.join().unwrap().len(), 3);
}

#[test]
fn proto_polls_the_url_as_given() {
    let (port, server) = serve(heaps());
    let output = pprof_tui()
        .args([
            "trend",
            "--watch",
            "10ms",
            "--count",
            "3",
            "--proto",
            &url(port),
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(server.join().unwrap(), ["/debug/pprof/heap"; 3]);
    assert!(text(output.stdout).contains(&format!("   1. {} (poll 1), ", url(port))));
}

fn legacy_heaps() -> Vec<Reply> {
    (1..=3)
        .map(|n| {
            let file = testdata_path(&format!("legacy/heap-{n}.debug1.txt"));
            Reply::Body(std::fs::read(file).unwrap())
        })
        .collect()
}

/// Watches the legacy text heaps with `--save-dir DIR` and `extra`
/// options; returns what it printed and the saved files, sorted by name.
fn watch_legacy_saving(dir: &std::path::Path, extra: &[&str]) -> (String, Vec<PathBuf>) {
    let (port, server) = serve(legacy_heaps());
    let watched = text(stdout_of(
        pprof_tui()
            .args(["trend", "--watch", "10ms", "--count", "3", "--save-dir"])
            .arg(dir)
            .args(extra)
            .arg(url(port)),
    ));
    assert_eq!(server.join().unwrap(), ["/debug/pprof/heap?debug=1"; 3]);
    let mut saved: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    saved.sort();
    assert_eq!(saved.len(), 3, "{saved:?}");
    (watched, saved)
}

#[test]
fn a_saved_watch_of_text_replays_with_its_times_and_memstats() {
    use prost::Message;
    let dir = tempfile::tempdir().unwrap();
    let (watched, saved) = watch_legacy_saving(&dir.path().join("text"), &[]);
    let replayed = text(stdout_of(pprof_tui().arg("trend").args(&saved)));
    assert_eq!(watched, without_turnover(&replayed));
    // The runtime's numbers are there, in order, from the text bodies.
    assert!(
        watched.contains(
            "Runtime MemStats, oldest first:\n   1. HeapInuse 3.27MB, HeapObjects 1575, NumGC 2, profile inuse_space 1.27MB\n   2. HeapInuse 4.07MB, HeapObjects 4532, NumGC 9, profile inuse_space 1.72MB\n   3. HeapInuse 5.21MB, HeapObjects 7703, NumGC 17, profile inuse_space 2.51MB\n"
        ),
        "{watched}"
    );
    // Each file is a gzip'd protobuf, stamped with its poll's start, with
    // the MemStats in a comment.
    let mut times = Vec::new();
    for path in &saved {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(bytes[..2], [0x1f, 0x8b], "{}", path.display());
        let raw = pprof_tui::profile::pb::Profile::decode(
            std::io::Read::bytes(flate2::read::GzDecoder::new(bytes.as_slice()))
                .collect::<Result<Vec<u8>, _>>()
                .unwrap()
                .as_slice(),
        )
        .unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let stamp: jiff::Timestamp =
            jiff::Timestamp::from_nanosecond(i128::from(raw.time_nanos)).unwrap();
        assert_eq!(
            name,
            format!(
                "heap-{}.{:06}Z.pb.gz",
                stamp.strftime("%Y%m%dT%H%M%S"),
                stamp.subsec_microsecond()
            )
        );
        times.push(raw.time_nanos);
        let comments: Vec<&str> = raw
            .comment
            .iter()
            .map(|&c| raw.string_table[c as usize].as_str())
            .collect();
        assert_eq!(comments.len(), 1, "{comments:?}");
        assert!(
            comments[0].starts_with("# runtime.MemStats {\"Alloc\":"),
            "{comments:?}"
        );
    }
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    // JSON too, memstats included.
    let (watched, saved) = watch_legacy_saving(&dir.path().join("json"), &["--format", "json"]);
    let replayed = text(stdout_of(
        pprof_tui().args(["trend", "--format", "json"]).args(&saved),
    ));
    assert_eq!(
        json_without_turnover(&watched),
        json_without_turnover(&replayed)
    );
    let doc: serde_json::Value = serde_json::from_str(&watched).unwrap();
    assert_eq!(doc["snapshots"][2]["memstats"]["HeapInuse"], 5_464_064);
    assert_eq!(doc["snapshots"][2]["memstats"]["NumGC"], 17);
}

#[test]
fn a_watch_polls_the_goroutineleak_endpoint() {
    // Go 1.27's leak profile, polled as served (proto), compared by whole
    // stacks like goroutine profiles: the same proven groups each time.
    let leak = testdata_path("goroutines/service/out/goroutineleak.pb.gz");
    let replies = (0..2)
        .map(|_| Reply::Body(std::fs::read(&leak).unwrap()))
        .collect();
    let (port, server) = serve(replies);
    let url = format!("http://127.0.0.1:{port}/debug/pprof/goroutineleak");
    let output = pprof_tui()
        .args([
            "trend", "--watch", "10ms", "--count", "2", "--format", "json", &url,
        ])
        .output()
        .unwrap();
    assert_eq!(server.join().unwrap(), ["/debug/pprof/goroutineleak"; 2]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["sample_type"]["type"], "goroutineleak");
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "one row per proven stack");
    assert!(
        rows.iter()
            .all(|r| r["values"] == serde_json::json!([30, 30]))
    );
}

#[test]
fn leaks_reads_the_goroutineleak_endpoint() {
    let leak = testdata_path("goroutines/service/out/goroutineleak.pb.gz");
    let (port, server) = serve(vec![Reply::Body(std::fs::read(&leak).unwrap())]);
    let url = format!("http://127.0.0.1:{port}/debug/pprof/goroutineleak");
    let output = pprof_tui().args(["leaks", &url]).output().unwrap();
    assert_eq!(server.join().unwrap(), ["/debug/pprof/goroutineleak"]);
    assert_eq!(output.status.code(), Some(3));
    let stdout = text(output.stdout);
    assert!(
        stdout.starts_with(&format!(
            "Proven by the runtime ({url}): 90 goroutines in 3 groups\n"
        )),
        "{stdout}"
    );
}
