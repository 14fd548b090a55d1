//! Writes a gzip bomb that starts valid: the Go compiler's heap profile
//! from testdata, then a string-table entry claiming 3 GiB, followed by
//! 3 GiB of zeros (about 3 MB compressed). `pprof-tui` refuses it by the
//! size the entry claims, once data follows it, instead of inflating and
//! holding the limit's worth first:
//!
//! ```sh
//! cargo run --release --example bomb -- /tmp/bomb.pb.gz
//! /usr/bin/time -v target/release/pprof-tui top /tmp/bomb.pb.gz
//! ```
//!
//! An optional second argument sets the claimed and written size in MiB
//! (default 3072).

#![allow(
    clippy::expect_used,
    reason = "a generator for benchmarks; failures should be loud"
)]

use std::io::{Read, Write};

fn main() -> std::io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "bomb.pb.gz".to_owned());
    let mib: u64 = match std::env::args().nth(2) {
        Some(s) => s
            .parse()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        None => 3072,
    };
    let compressed = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/compile/compile-heap.pb.gz"
    ))?;
    let mut prefix = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice()).read_to_end(&mut prefix)?;
    // Field 6 (string_table), length-delimited, then its length.
    prefix.push(0x32);
    let mut len = mib << 20;
    while len >= 0x80 {
        prefix.push((len as u8) | 0x80);
        len >>= 7;
    }
    prefix.push(len as u8);
    let file = std::io::BufWriter::new(std::fs::File::create(&out)?);
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    gz.write_all(&prefix)?;
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..mib {
        gz.write_all(&zeros)?;
    }
    gz.finish()?.flush()?;
    eprintln!(
        "wrote {out}: a {}-byte valid prefix, then {mib} MiB of zeros",
        prefix.len()
    );
    Ok(())
}
