//! Builders for hand-made profiles: valid ones with odd content, and
//! malformed ones, written with the generated protobuf types.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support module"
)]

use std::io::Write;

use pprof_tui::profile::pb;
use prost::Message;

/// A small heap-like profile: sample types `objects/count` and
/// `space/bytes`, one function and location per name.
pub struct Builder {
    pub profile: pb::Profile,
}

impl Builder {
    pub fn new() -> Builder {
        let mut b = Builder {
            profile: pb::Profile::default(),
        };
        b.profile.string_table.push(String::new());
        let objects = b.string("objects");
        let count = b.string("count");
        let space = b.string("space");
        let bytes = b.string("bytes");
        b.profile.sample_type = vec![
            pb::ValueType {
                r#type: objects,
                unit: count,
            },
            pb::ValueType {
                r#type: space,
                unit: bytes,
            },
        ];
        b
    }

    pub fn string(&mut self, s: &str) -> i64 {
        if let Some(i) = self.profile.string_table.iter().position(|t| t == s) {
            return i as i64;
        }
        self.profile.string_table.push(s.to_owned());
        self.profile.string_table.len() as i64 - 1
    }

    /// The location id of a one-frame location in function `name`,
    /// creating both on first use.
    pub fn location(&mut self, name: &str) -> u64 {
        let name_id = self.string(name);
        let function = match self.profile.function.iter().find(|f| f.name == name_id) {
            Some(f) => f.id,
            None => {
                let id = self.profile.function.len() as u64 + 1;
                let file = self.string("main.go");
                self.profile.function.push(pb::Function {
                    id,
                    name: name_id,
                    system_name: name_id,
                    filename: file,
                    start_line: 1,
                });
                id
            }
        };
        if let Some(l) = self
            .profile
            .location
            .iter()
            .find(|l| l.line.len() == 1 && l.line[0].function_id == function)
        {
            return l.id;
        }
        let id = self.profile.location.len() as u64 + 1;
        self.profile.location.push(pb::Location {
            id,
            line: vec![pb::Line {
                function_id: function,
                line: 10,
                column: 0,
            }],
            ..Default::default()
        });
        id
    }

    /// A new location whose frames are `names`, innermost first: all but
    /// the last were inlined into the next. Each line gets its own number,
    /// so two such locations never coincide.
    pub fn inlined_location(&mut self, names: &[&str]) -> u64 {
        let lines = names
            .iter()
            .map(|name| {
                let function = self.location(name);
                let function_id = self.profile.location[function as usize - 1].line[0].function_id;
                pb::Line {
                    function_id,
                    line: 20 + self.profile.location.len() as i64,
                    column: 0,
                }
            })
            .collect();
        let id = self.profile.location.len() as u64 + 1;
        self.profile.location.push(pb::Location {
            id,
            line: lines,
            ..Default::default()
        });
        id
    }

    /// Adds a sample of locations given by id, root first.
    pub fn sample_at(&mut self, locations: &[u64], objects: i64, space: i64) -> &mut Builder {
        self.profile.sample.push(pb::Sample {
            location_id: locations.iter().rev().copied().collect(),
            value: vec![objects, space],
            label: vec![],
        });
        self
    }

    /// Adds a sample; `stack` is root first, like a reader writes it.
    pub fn sample(&mut self, stack: &[&str], objects: i64, space: i64) -> &mut Builder {
        let ids: Vec<u64> = stack.iter().rev().map(|name| self.location(name)).collect();
        self.profile.sample.push(pb::Sample {
            location_id: ids,
            value: vec![objects, space],
            label: vec![],
        });
        self
    }

    pub fn encode(&self) -> Vec<u8> {
        self.profile.encode_to_vec()
    }

    pub fn encode_gz(&self) -> Vec<u8> {
        gzip(&self.encode())
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).expect("gzip to memory");
    gz.finish().expect("gzip to memory")
}

/// Deterministic pseudo-random bytes.
pub fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

/// The pprof-tui binary under test, in UTC so `Time:` lines are stable.
pub fn pprof_tui() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("pprof-tui").expect("binary");
    cmd.env("TZ", "UTC");
    cmd
}

/// Runs `cmd`, requires success, returns its standard output.
pub fn stdout_of(cmd: &mut assert_cmd::Command) -> Vec<u8> {
    let output = cmd.output().expect("run pprof-tui");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// A path under `testdata/`.
pub fn testdata_path(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

/// Checks that the committed fixture `testdata/REL` holds `bytes`, as its
/// generator in test binary `test` writes it; `PPROF_TUI_WRITE_FIXTURES=1`
/// rewrites it first.
pub fn assert_fixture(rel: &str, bytes: &[u8], test: &str) {
    let path = testdata_path(rel);
    if std::env::var_os("PPROF_TUI_WRITE_FIXTURES").is_some() {
        std::fs::write(&path, bytes).expect("write the fixture");
    }
    assert!(
        std::fs::read(&path).expect("read the fixture") == bytes,
        "testdata/{rel} is stale: PPROF_TUI_WRITE_FIXTURES=1 cargo test --test {test}"
    );
}

/// `pprof-tui top EXTRA testdata/REL`, run from `testdata/`: its standard output.
pub fn top_text(rel: &str, extra: &[&str]) -> String {
    let mut cmd = pprof_tui();
    cmd.current_dir(testdata_path(""))
        .arg("top")
        .args(extra)
        .arg(rel);
    String::from_utf8(stdout_of(&mut cmd)).expect("UTF-8 output")
}

/// Function names for random profiles: a few, so that stacks share
/// frames and recurse.
pub const NAMES: [&str; 6] = [
    "main.main",
    "main.a",
    "main.b",
    "main.c",
    "runtime.mallocgc",
    "main.(*T).m",
];

/// Random samples: stacks (root first, indexes into [`NAMES`], up to
/// `depth` deep, with recursion) and values in `values`.
pub fn random_samples(
    depth: usize,
    values: std::ops::Range<i64>,
) -> impl proptest::strategy::Strategy<Value = Vec<(Vec<usize>, i64)>> {
    use proptest::prelude::*;
    prop::collection::vec(
        (prop::collection::vec(0..NAMES.len(), 1..depth), values),
        1..40,
    )
}

/// A profile of random samples: each with one object and its value as space.
pub fn random_profile(samples: &[(Vec<usize>, i64)]) -> Builder {
    let mut b = Builder::new();
    for (stack, value) in samples {
        let names: Vec<&str> = stack.iter().map(|&i| NAMES[i]).collect();
        b.sample(&names, 1, *value);
    }
    b
}
