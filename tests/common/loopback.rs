//! One HTTP/1.1 answer on loopback, for the tests and examples that stand
//! in for a Go service's `/debug/pprof` endpoint.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

/// Accepts one connection on `listener`, reads the request's head and
/// answers `200 OK` with `body` (a client that gave up is no error);
/// false when no connection could be accepted.
pub fn answer(listener: &TcpListener, body: &[u8]) -> bool {
    let Ok((mut stream, _)) = listener.accept() else {
        return false;
    };
    let Ok(reading) = stream.try_clone() else {
        return false;
    };
    let mut reader = BufReader::new(reading);
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 2 {
        line.clear();
    }
    let header = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(header.as_bytes());
    let _ = stream.write_all(body);
    true
}
