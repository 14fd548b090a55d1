//! bytes → `profile::decode` → model. Any panic, hang or allocation blow-up
//! in decoding (gzip sniffing, bounded inflation, protobuf parsing,
//! validation) is a finding; a decoded model is then walked once, so that a
//! model the validator let through but whose ids or ranges do not hold up
//! is a finding too.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pprof_tui::profile::{DecodeOptions, Profile, decode};

fuzz_target!(|bytes: &[u8]| {
    // A limit well under the rss limit: inflating more than this is refused
    // with an error, as `--max-decompressed` would.
    let options = DecodeOptions {
        max_decompressed: 64 << 20,
    };
    if let Ok(profile) = decode(bytes, &options) {
        walk(&profile);
    }
});

/// Touches every id and range the model hands out.
fn walk(profile: &Profile) {
    let types = profile.sample_types.len();
    assert!(types > 0, "a decoded profile has sample types");
    assert!(profile.default_sample_index() < types);
    let samples = profile.samples();
    let mut touched = 0u64;
    for s in 0..samples.len() {
        assert_eq!(samples.values(s).len(), types);
        for id in samples.stack(s) {
            let location = profile.location(id);
            if let Some(mapping) = location.mapping {
                touched += profile.string(profile.mapping(mapping).file).len() as u64;
            }
            for line in profile.lines(location) {
                if let Some(function) = line.function {
                    touched += profile.string(profile.function(function).name).len() as u64;
                }
            }
        }
        for label in samples.labels(s) {
            touched += profile.string(label.key).len() as u64;
            touched += profile.string(label.str).len() as u64;
            touched += profile.string(label.num_unit).len() as u64;
        }
    }
    std::hint::black_box(touched);
}
