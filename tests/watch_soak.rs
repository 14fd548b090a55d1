//! The watch soak's short form (examples/watch_soak.rs measures the long
//! one): the real binary in a pseudo-terminal watches a loopback server
//! that rotates four synthetic heap profiles at a fast interval. The view
//! takes in every snapshot served (none is left behind once polling
//! pauses), the process keeps a bounded number of threads however many
//! snapshots come, and `q` quits. No timing is asserted: CI machines vary.

#![cfg(target_os = "linux")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

#[path = "../benches/support/synth.rs"]
#[allow(dead_code, reason = "only the generator and the shape are used here")]
mod synth;

#[path = "../benches/support/soak.rs"]
#[allow(dead_code, reason = "the measurement uses more of it")]
mod soak;

use std::path::Path;
use std::time::Duration;

use soak::{Server, Session, newest_of, poll_of};

/// Small enough for CI, big enough that taking a snapshot in is not free.
const SHAPE: synth::Shape = synth::Shape {
    samples: 4_000,
    locations: 3_000,
    functions: 600,
    max_depth: 24,
    inline_per_mille: 150,
    inlinable: 60,
};

#[test]
fn a_fast_watch_keeps_up_with_bounded_threads_and_quits() {
    let (bodies, _) = soak::bodies(&SHAPE, 4);
    let server = Server::start(bodies);
    let bin = Path::new(env!("CARGO_BIN_EXE_pprof-tui"));
    let mut session = Session::start(
        bin,
        &["--watch", "20ms", "--proto", "--keep", "10", &server.url],
        (120, 30),
    );
    let limit = Duration::from_secs(120);
    let mut threads = Vec::new();
    // Polls keep coming; the thread count is read while they do.
    let screen = session.wait_until(limit, |screen| {
        threads.push(session.proc.threads());
        poll_of(screen).is_some_and(|n| n >= 12) && newest_of(screen) == Some(10)
    });
    let screen = screen.unwrap_or_else(|| panic!("the view fell behind: {}", session.text()));
    assert!(screen.contains("Leak suspects"), "{screen}");
    // Paused, the poll under way is the last: the view takes it in too.
    session.press(b" ");
    let last = session
        .wait_until(limit, |screen| {
            threads.push(session.proc.threads());
            let served = server.served();
            screen.contains("paused")
                && poll_of(screen) == Some(served)
                && newest_of(screen) == Some(served.min(10))
        })
        .unwrap_or_else(|| {
            panic!(
                "served {} but the view shows: {}",
                server.served(),
                session.text()
            )
        });
    let served = server.served();
    assert_eq!(poll_of(&last), Some(served), "{last}");
    // Every snapshot served is ranked (the series keeps the newest 10).
    assert_eq!(newest_of(&last), Some(served.min(10)), "{last}");
    let most = threads.iter().copied().max().unwrap();
    eprintln!(
        "{} samples of the thread count, at most {most}",
        threads.len()
    );
    assert!(most <= 8, "up to {most} threads: {threads:?}");
    let (code, _) = session.quit(limit).expect("q did not quit");
    assert_eq!(code, 0);
}
