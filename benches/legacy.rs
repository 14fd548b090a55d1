//! Reading a legacy `debug=1` heap text: the parse behind `pprof-tui top
//! heap.txt` (issue 26: ≥ 20× Go 1.27's `go tool pprof -top`), on a text of
//! the shape `scripts/gen-legacy-heap.py` writes, generated in memory:
//! 4–24 frames a record over 5,000 functions, every fifth frame with one
//! inlined into it, and the MemStats block. `LEGACY_RECORDS` sets the
//! record count (default 100,000: about 140 MB, the size measured in
//! docs/performance.md).
//!
//! `cargo bench --bench legacy`. Whole-process figures against `go tool
//! pprof` are in docs/performance.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmarks fail loudly on broken fixtures"
)]

use std::fmt::Write;
use std::sync::LazyLock;

use pprof_tui::profile::{DecodeOptions, decode};

fn main() {
    divan::main();
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

static TEXT: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let records: usize = std::env::var("LEGACY_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    generate(records).into_bytes()
});

fn generate(records: usize) -> String {
    const FUNCTIONS: u64 = 5000;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let entry = |f: u64| 0x40_0000 + 0x400 * f;
    let name = |f: u64| format!("example.com/svc/pkg{}.(*T{}).Method{f}", f % 97, f % 13);
    let file = |f: u64| format!("example.com/svc/pkg{}/file{}.go", f % 97, f % 7);
    let mut body = String::new();
    let mut total = [0u64; 4];
    for _ in 0..records {
        let depth = 4 + rng.below(21) as usize;
        let frames: Vec<u64> = (0..depth).map(|_| rng.below(FUNCTIONS)).collect();
        let size = [16, 32, 64, 128, 1024, 4096, 32768][rng.below(7) as usize];
        let alloc = 1 + rng.below(50);
        let inuse = rng.below(alloc + 1);
        let record = [inuse, inuse * size, alloc, alloc * size];
        for (t, r) in total.iter_mut().zip(record) {
            *t += r;
        }
        let (mut addresses, mut comments) = (String::new(), String::new());
        let mut i = 0;
        while i < depth {
            let f = frames[i];
            let offset = 16 + rng.below(0x3f0 - 16);
            let pc = entry(f) + offset;
            write!(addresses, " {:#x}", pc + 1).unwrap();
            if i + 1 < depth && i % 5 == 0 {
                // The next frame's function inlined here: same entry.
                let g = frames[i + 1];
                let line = 1 + rng.below(900);
                writeln!(
                    comments,
                    "#\t{pc:#x}\t{}+{offset:#x}\t{}:{line}",
                    name(g),
                    file(g)
                )
                .unwrap();
                write!(addresses, " {pc:#x}").unwrap();
                let line = 1 + rng.below(900);
                writeln!(
                    comments,
                    "#\t{:#x}\t{}+{:#x}\t{}:{line}",
                    pc - 1,
                    name(f),
                    offset - 1,
                    file(f)
                )
                .unwrap();
                i += 2;
                continue;
            }
            let line = 1 + rng.below(900);
            writeln!(
                comments,
                "#\t{pc:#x}\t{}+{offset:#x}\t\t{}:{line}",
                name(f),
                file(f)
            )
            .unwrap();
            i += 1;
        }
        let [a, b, c, d] = record;
        writeln!(body, "{a}: {b} [{c}: {d}] @{addresses}\n{comments}").unwrap();
    }
    let [a, b, c, d] = total;
    let mut text = format!("heap profile: {a}: {b} [{c}: {d}] @ heap/1048576\n{body}");
    text.push_str("\n# runtime.MemStats\n# Alloc = 1\n# HeapInuse = 2\n# NumGC = 3\n");
    text
}

#[divan::bench(sample_count = 10)]
fn decode_text(bencher: divan::Bencher) {
    bencher
        .counter(divan::counter::BytesCount::new(TEXT.len()))
        .bench(|| {
            decode(&TEXT, &DecodeOptions::default())
                .unwrap()
                .samples()
                .len()
        });
}
