//! bytes → the compiler's escape-analysis output (`go build -gcflags=-m`,
//! as `explain --escape` reads it) → parsed, then joined with a real heap
//! profile and looked up at every line the profile names. Every line of the
//! text is input; a panic, a hang or runaway memory is a finding.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pprof_tui::analysis::escape::Escapes;
use pprof_tui::profile::{DecodeOptions, Profile, decode};

/// testdata/leaky/heap-3.pb.gz, whose files and lines the escape text of
/// the seeds (`leaky/escape-m*.txt`) names.
fn profile() -> Option<&'static Profile> {
    static PROFILE: OnceLock<Option<Profile>> = OnceLock::new();
    PROFILE
        .get_or_init(|| {
            let bytes = include_bytes!("../../testdata/leaky/heap-3.pb.gz");
            decode(bytes, &DecodeOptions::default()).ok()
        })
        .as_ref()
}

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    let escapes = Escapes::parse(&text);
    let Some(profile) = profile() else {
        return;
    };
    let mut join = escapes.join(profile);
    for function in &profile.functions {
        let file = profile.string(function.filename);
        let name = profile.string(function.name);
        for line in [function.start_line, 1, 31, 1 << 40, -1] {
            std::hint::black_box(join.lookup(file, line, name));
        }
        std::hint::black_box(join.build_path(file));
    }
    std::hint::black_box(join.stale_files().count());
});
