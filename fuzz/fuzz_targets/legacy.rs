//! bytes → a legacy text profile → model → `top`. The first byte picks the
//! header (heap, count, mutex, block) so that every input takes the text
//! path; the rest is the body, any bytes at all (control characters in
//! names, corrupt addresses, overlong numbers). Errors are fine; a panic,
//! a hang or an allocation blow-up is a finding, and so is a model whose
//! ids do not hold up.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pprof_tui::analysis::{Granularity, TopOptions, top};
use pprof_tui::profile::{DecodeOptions, decode};

const HEADERS: [&[u8]; 5] = [
    b"heap profile: 1: 2 [3: 4] @ heap/1048576\n",
    b"heap profile: 1: 2 [1: 2] @ heap_v2/524288\n",
    b"goroutine profile: total 3\n",
    b"--- mutex:\ncycles/second=2596121728\nsampling period=5\n",
    b"--- contention:\ncycles/second=1000000000\n",
];

fuzz_target!(|bytes: &[u8]| {
    let Some((&pick, body)) = bytes.split_first() else {
        return;
    };
    let mut text = HEADERS[usize::from(pick) % HEADERS.len()].to_vec();
    text.extend_from_slice(body);
    let options = DecodeOptions {
        max_decompressed: 16 << 20,
    };
    let Ok(profile) = decode(&text, &options) else {
        return;
    };
    for index in 0..profile.sample_types.len() {
        for granularity in [Granularity::Functions, Granularity::Addresses] {
            let options = TopOptions {
                sample_index: index,
                granularity,
                ..TopOptions::default()
            };
            std::hint::black_box(top(&profile, &options));
        }
    }
});
