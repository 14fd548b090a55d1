//! Profiles read from a live service's `/debug/pprof/` endpoint (served
//! here by a one-shot HTTP server on loopback) give the same report as the
//! file, and a failing endpoint gives one clear error line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;

use support::{pprof_tui, stdout_of};

/// Serves one HTTP response on 127.0.0.1; returns the port and the path it was asked for.
fn serve_once(status: &'static str, body: Vec<u8>) -> (u16, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut stream, path) = accept_request(&listener);
        let header = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(header.as_bytes()).unwrap();
        stream.write_all(&body).unwrap();
        path
    });
    (port, handle)
}

/// Accepts one connection and reads its request; returns the stream and the path asked for.
fn accept_request(listener: &TcpListener) -> (std::net::TcpStream, String) {
    let (stream, _) = listener.accept().unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap();
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap() > 2 {
        line.clear();
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (stream, path)
}

#[test]
fn a_heap_endpoint_reads_like_the_file() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/leaky/heap-3.pb.gz");
    let (port, server) = serve_once("200 OK", std::fs::read(&file).unwrap());
    let from_url =
        stdout_of(pprof_tui().args(["top", &format!("127.0.0.1:{port}/debug/pprof/heap")]));
    assert_eq!(server.join().unwrap(), "/debug/pprof/heap");
    let from_file = stdout_of(pprof_tui().arg("top").arg(&file));
    assert_eq!(
        String::from_utf8(from_url).unwrap(),
        String::from_utf8(from_file).unwrap()
    );
}

#[test]
fn a_debug1_text_endpoint_reads_like_the_file_and_converts() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/legacy/heap-2.debug1.txt");
    let url = |port: u16| format!("http://127.0.0.1:{port}/debug/pprof/heap?debug=1");
    let (port, server) = serve_once("200 OK", std::fs::read(&file).unwrap());
    let from_url = stdout_of(pprof_tui().args(["top", &url(port)]));
    assert_eq!(server.join().unwrap(), "/debug/pprof/heap?debug=1");
    let from_file = stdout_of(pprof_tui().arg("top").arg(&file));
    let from_file = String::from_utf8(from_file).unwrap();
    assert!(from_file.contains("MemStats: "), "{from_file}");
    assert_eq!(String::from_utf8(from_url).unwrap(), from_file);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("heap-2.pb.gz");
    let (port, server) = serve_once("200 OK", std::fs::read(&file).unwrap());
    stdout_of(pprof_tui().args(["convert", &url(port), "-o"]).arg(&out));
    server.join().unwrap();
    let converted = String::from_utf8(stdout_of(pprof_tui().arg("top").arg(&out))).unwrap();
    // MemStats included: the converted file keeps them in a comment.
    assert_eq!(converted, from_file);
}

#[test]
fn a_failing_endpoint_is_one_clear_error() {
    let (port, server) = serve_once("404 Not Found", b"no such profile".to_vec());
    let url = format!("http://127.0.0.1:{port}/debug/pprof/nope");
    let output = pprof_tui().args(["top", &url]).output().unwrap();
    server.join().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&url) && stderr.contains("404"), "{stderr}");
}

/// Serves a response with no length whose body never ends (`chunk` over
/// and over) until the client hangs up; returns the port and how many
/// bytes were sent.
fn serve_endless(chunk: &'static [u8]) -> (u16, std::thread::JoinHandle<u64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = accept_request(&listener);
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
            .unwrap();
        let block = chunk.repeat(65536 / chunk.len());
        let mut sent = 0u64;
        // Bounded, so a broken client cannot keep the test running forever.
        while sent < 8 << 30 && stream.write_all(&block).is_ok() {
            sent += block.len() as u64;
        }
        sent
    });
    (port, handle)
}

#[test]
fn an_endless_body_is_refused_at_the_download_limit() {
    // Empty string-table entries: valid protobuf for as long as it lasts.
    let (port, server) = serve_endless(b"\x32\x00");
    let url = format!("http://127.0.0.1:{port}/debug/pprof/heap");
    let output = pprof_tui()
        .args(["top", "--max-download", "4000000", &url])
        .output()
        .unwrap();
    let sent = server.join().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "pprof-tui: reading profile '{url}': the response is larger than 4000000 bytes (raise it with --max-download)\n"
        )
    );
    // The body was read as it came and the connection dropped at the limit,
    // not buffered to the end (socket buffers hold a few MB more at most).
    assert!(sent < 64 << 20, "the server sent {sent} bytes");
}

#[test]
fn a_text_response_with_a_control_byte_is_text_and_a_mutex_endpoint_reads() {
    // An escape in a function name once made the response pass for protobuf.
    let body = b"heap profile: 1: 1024 [1: 1024] @ heap/2\n1: 1024 [1: 1024] @ 0x1001\n#\t0x1000\tmain.ev\x1bil+0x0\tx.go:1\n".to_vec();
    let (port, server) = serve_once("200 OK", body);
    let out = stdout_of(pprof_tui().args([
        "top",
        "--unit",
        "B",
        &format!("http://127.0.0.1:{port}/debug/pprof/heap?debug=1"),
    ]));
    server.join().unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("1024B   100%   100%      1024B   100%  main.ev\\x1bil\n"),
        "{out}"
    );

    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/legacy/contention/mutex.debug1.txt");
    let (port, server) = serve_once("200 OK", std::fs::read(&file).unwrap());
    let from_url = stdout_of(pprof_tui().args([
        "top",
        &format!("http://127.0.0.1:{port}/debug/pprof/mutex?debug=1"),
    ]));
    server.join().unwrap();
    let from_file = stdout_of(pprof_tui().arg("top").arg(&file));
    assert_eq!(from_url, from_file);
    assert!(String::from_utf8(from_url).unwrap().contains("Type: delay"));
}
