#![allow(
    clippy::expect_used,
    reason = "generator for benchmarks; failures should be loud"
)]

//! A deterministic generator of large, Go-heap-shaped pprof profiles, for
//! benchmarks: `samples` stacks of depth 1..=`max_depth` over `locations`
//! locations and `functions` functions, with the four heap sample types and
//! a `bytes` label per sample, as Go's runtime writes them.
//!
//! Stacks are random walks down a layered call graph, so they share
//! prefixes near the root (like real programs) and fan out below.

use pprof_tui::profile::pb;

/// Sizes of the generated profile.
pub struct Shape {
    pub samples: usize,
    pub locations: usize,
    pub functions: usize,
    pub max_depth: usize,
    /// Fraction (per mille) of locations that carry an inlined call.
    pub inline_per_mille: u64,
    /// How many small helper functions those inlined calls go to (as in
    /// Go, where only small functions are inlined).
    pub inlinable: usize,
}

impl Shape {
    /// The benchmark profile: about 80 MB uncompressed.
    pub const LARGE: Shape = Shape {
        samples: 800_000,
        locations: 650_000,
        functions: 20_000,
        max_depth: 48,
        inline_per_mille: 150,
        inlinable: 1_000,
    };
}

/// SplitMix64: tiny, deterministic, good enough for shaping test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Strings(Vec<String>, std::collections::HashMap<String, i64>);

impl Strings {
    fn id(&mut self, s: &str) -> i64 {
        if let Some(&i) = self.1.get(s) {
            return i;
        }
        self.0.push(s.to_owned());
        let i = self.0.len() as i64 - 1;
        self.1.insert(s.to_owned(), i);
        i
    }
}

/// Builds the profile message.
pub fn generate(shape: &Shape, seed: u64) -> pb::Profile {
    let mut rng = Rng(seed);
    let mut strings = Strings(vec![String::new()], Default::default());
    strings.1.insert(String::new(), 0);
    let vt = |strings: &mut Strings, t: &str, u: &str| pb::ValueType {
        r#type: strings.id(t),
        unit: strings.id(u),
    };
    let sample_type = vec![
        vt(&mut strings, "alloc_objects", "count"),
        vt(&mut strings, "alloc_space", "bytes"),
        vt(&mut strings, "inuse_objects", "count"),
        vt(&mut strings, "inuse_space", "bytes"),
    ];
    let functions: Vec<pb::Function> = (0..shape.functions)
        .map(|i| {
            let package = i % 211;
            let name = match i % 3 {
                0 => format!(
                    "github.com/acme/service/pkg{package}.(*Type{}).Method{}",
                    i % 97,
                    i
                ),
                1 => format!("github.com/acme/service/pkg{package}.func{i}"),
                _ => format!("github.com/acme/service/pkg{package}.Handler{i}.func1"),
            };
            let file = format!("github.com/acme/service/pkg{package}/file{}.go", i % 13);
            pb::Function {
                id: i as u64 + 1,
                name: strings.id(&name),
                system_name: strings.id(&name),
                filename: strings.id(&file),
                start_line: (i % 500) as i64 + 1,
            }
        })
        .collect();
    let locations: Vec<pb::Location> = (0..shape.locations)
        .map(|i| {
            let function = (i % shape.functions) as u64 + 1;
            let mut line = vec![pb::Line {
                function_id: function,
                line: 10 + (i % 400) as i64,
                column: 0,
            }];
            if rng.below(1000) < shape.inline_per_mille {
                let inlined = ((i * 7 + 3) % shape.inlinable.max(1)) as u64 + 1;
                line.insert(
                    0,
                    pb::Line {
                        function_id: inlined,
                        line: 5 + (i % 60) as i64,
                        column: 0,
                    },
                );
            }
            pb::Location {
                id: i as u64 + 1,
                mapping_id: 1,
                address: 0x40_0000 + i as u64 * 16,
                line,
                is_folded: false,
            }
        })
        .collect();
    // Locations are layered by depth; each step picks one of 4 callees.
    let per_level = (shape.locations / shape.max_depth).max(1);
    let bytes_key = strings.id("bytes");
    let sample = (0..shape.samples)
        .map(|_| {
            let depth = 1 + rng.below(shape.max_depth as u64) as usize;
            let mut stack = Vec::with_capacity(depth);
            let mut local = rng.below(8) as usize;
            for level in 0..depth {
                stack.push((level * per_level + local % per_level) as u64 + 1);
                local = local * 4 + rng.below(4) as usize;
            }
            stack.reverse(); // leaf first
            let size = 16u64 << rng.below(10);
            let objects = 1 + rng.below(64);
            let live = rng.below(objects + 1);
            pb::Sample {
                location_id: stack,
                value: vec![
                    objects as i64,
                    (objects * size) as i64,
                    live as i64,
                    (live * size) as i64,
                ],
                label: vec![pb::Label {
                    key: bytes_key,
                    str: 0,
                    num: size as i64,
                    num_unit: 0,
                }],
            }
        })
        .collect();
    let mapping = vec![pb::Mapping {
        id: 1,
        memory_start: 0x40_0000,
        memory_limit: 0x40_0000 + shape.locations as u64 * 16,
        filename: strings.id("/usr/local/bin/service"),
        has_functions: true,
        has_filenames: true,
        has_line_numbers: true,
        has_inline_frames: true,
        ..Default::default()
    }];
    let period_type = Some(vt(&mut strings, "space", "bytes"));
    pb::Profile {
        sample_type,
        sample,
        mapping,
        location: locations,
        function: functions,
        string_table: strings.0,
        time_nanos: 1_700_000_000_000_000_000,
        period_type,
        period: 524_288,
        ..Default::default()
    }
}

/// The profile encoded and gzip-compressed as Go writes it (fastest level).
pub fn generate_gz(shape: &Shape, seed: u64) -> (Vec<u8>, usize) {
    use prost::Message;
    use std::io::Write;
    let raw = generate(shape, seed).encode_to_vec();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&raw).expect("writing to a Vec cannot fail");
    (
        gz.finish().expect("writing to a Vec cannot fail"),
        raw.len(),
    )
}
