//! How close reading a legacy text profile is to merely reading its bytes
//! (issue 26 asks for 20× Go's `go tool pprof` on a 100 MB text): in one
//! process, alternating, the best of N runs of
//!
//! - `stream`: the file read in reused 256 KiB blocks and scanned for line
//!   ends with memchr, nothing kept (the floor of a parser that streams);
//! - `hold`: the file read whole into memory and scanned the same way (the
//!   floor of one that holds the text, as `decode` does: its page faults);
//! - `decode`: `pprof_tui::profile::decode_reader` on the file, the whole
//!   parse `pprof-tui top` runs before it ranks.
//!
//! ```sh
//! scripts/gen-legacy-heap.py 100000 /tmp/big-legacy.txt
//! cargo run --release --example legacy_floor -- /tmp/big-legacy.txt 5
//! ```

#![allow(
    clippy::expect_used,
    reason = "a measuring tool; failures should be loud"
)]

use std::io::Read;
use std::time::{Duration, Instant};

use pprof_tui::profile::{DecodeOptions, decode_reader};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: legacy_floor FILE [RUNS]");
    let runs: usize = std::env::args()
        .nth(2)
        .map_or(3, |s| s.parse().expect("RUNS is a number"));
    let open = || std::fs::File::open(&path).expect("the file opens");
    let mut best = [Duration::MAX; 3];
    let mut lines = [0usize; 2];
    let mut samples = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let mut file = open();
        let mut block = vec![0u8; 1 << 18];
        let mut count = 0;
        loop {
            let n = file.read(&mut block).expect("the file reads");
            if n == 0 {
                break;
            }
            count += memchr::memchr_iter(b'\n', &block[..n]).count();
        }
        lines[0] = count;
        best[0] = best[0].min(t.elapsed());

        let t = Instant::now();
        let text = std::fs::read(&path).expect("the file reads");
        lines[1] = memchr::memchr_iter(b'\n', &text).count();
        drop(text);
        best[1] = best[1].min(t.elapsed());

        let t = Instant::now();
        let profile = decode_reader(open(), &DecodeOptions::default()).expect("a profile");
        samples = profile.samples().len();
        drop(profile);
        best[2] = best[2].min(t.elapsed());
    }
    assert_eq!(lines[0], lines[1], "both scans count the same lines");
    println!(
        "{path}: {} lines, {samples} samples; best of {runs}:",
        lines[0]
    );
    for (name, time) in ["stream", "hold", "decode"].iter().zip(best) {
        println!("  {name:<7} {:>8.3} s", time.as_secs_f64());
    }
}
