//! Writes the synthetic benchmark profile (≈ 80 MB uncompressed heap
//! profile: 800,000 samples, 650,000 locations, 20,000 functions, stacks up
//! to 48 deep): `cargo run --release --example synth -- /tmp/synth.pb.gz`.
//! An optional second argument sets the random seed (default 42): profiles
//! of different seeds share functions and most locations, like two
//! snapshots of one program, and serve `diff` and `trend` benchmarks.
//! An optional third argument sets the number of functions (the profile
//! of a million functions that `trend`'s memory is measured on:
//! `synth -- /tmp/wide.pb.gz 42 1000000`), with at least 1.2 locations
//! per function.

#![allow(
    clippy::expect_used,
    reason = "a generator for benchmarks; failures should be loud"
)]

#[path = "../benches/support/synth.rs"]
mod synth;

fn main() -> std::io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "synth.pb.gz".to_owned());
    let seed = match std::env::args().nth(2) {
        Some(s) => s
            .parse()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        None => 42,
    };
    let shape = match std::env::args().nth(3) {
        Some(s) => {
            let functions: usize = s
                .parse()
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
            synth::Shape {
                functions,
                locations: synth::Shape::LARGE.locations.max(functions / 5 * 6),
                ..synth::Shape::LARGE
            }
        }
        None => synth::Shape::LARGE,
    };
    let (bytes, raw) = synth::generate_gz(&shape, seed);
    std::fs::write(&out, &bytes)?;
    eprintln!(
        "wrote {out}: {} bytes compressed, {raw} bytes uncompressed",
        bytes.len()
    );
    Ok(())
}
