//! Writes the synthetic benchmark profile (≈ 80 MB uncompressed heap
//! profile: 800,000 samples, 650,000 locations, 20,000 functions, stacks up
//! to 48 deep): `cargo run --release --example synth -- /tmp/synth.pb.gz`.

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
    let (bytes, raw) = synth::generate_gz(&synth::Shape::LARGE, 42);
    std::fs::write(&out, &bytes)?;
    eprintln!(
        "wrote {out}: {} bytes compressed, {raw} bytes uncompressed",
        bytes.len()
    );
    Ok(())
}
