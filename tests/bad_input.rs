//! Every kind of bad input gets exit code 1 and exactly one line on stderr
//! naming the file and the problem — never a panic. Valid but odd profiles
//! (negative values, 200,000-frame stacks, hostile names) load.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod support;

use std::path::Path;

use pprof_tui::profile::pb;
use support::{Builder, gzip, noise, pprof_tui, stdout_of};

/// Runs `top` on `bytes` written to a file and checks the one-line error.
fn assert_rejected(name: &str, bytes: &[u8], problem: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    assert_error_line(&path, problem);
}

fn assert_error_line(path: &Path, problem: &str) {
    assert_error_line_with(path, &[], problem);
}

/// [`assert_error_line`] with more arguments to `top`.
fn assert_error_line_with(path: &Path, args: &[&str], problem: &str) {
    let output = pprof_tui()
        .arg("top")
        .args(args)
        .arg(path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}: stderr {stderr}",
        path.display()
    );
    assert!(
        output.stdout.is_empty(),
        "no partial output: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains(&path.display().to_string()),
        "names the file: {stderr}"
    );
    assert!(stderr.contains(problem), "says '{problem}': {stderr}");
}

fn valid() -> Builder {
    let mut b = Builder::new();
    b.sample(&["main.main", "main.alloc"], 2, 2048);
    b
}

#[test]
fn empty_file() {
    assert_rejected("empty.pb.gz", b"", "the file is empty");
}

#[test]
fn random_bytes() {
    assert_rejected("random.pb", &noise(4096, 7), "not a pprof protobuf");
}

#[test]
fn plain_text() {
    assert_rejected(
        "notes.txt",
        b"this is not a profile\njust some text\n",
        "not a pprof protobuf",
    );
}

#[test]
fn truncated_gzip() {
    let gz = valid().encode_gz();
    assert_rejected(
        "truncated.pb.gz",
        &gz[..gz.len() / 2],
        "not a valid gzip stream",
    );
}

#[test]
fn gzip_of_garbage() {
    assert_rejected(
        "garbage.pb.gz",
        &gzip(&noise(10_000, 3)),
        "not a pprof protobuf",
    );
}

#[test]
fn length_prefix_claiming_terabytes() {
    // Field 2 (sample), length-delimited, claiming 2^42 bytes.
    let mut bytes = vec![0x12];
    push_varint(&mut bytes, 1 << 42);
    bytes.extend_from_slice(b"tiny");
    assert_rejected("huge.pb", &bytes, "runs past the end of the data");
}

#[test]
fn decompressed_size_over_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.pb.gz");
    std::fs::write(&path, gzip(&vec![0u8; 100_000])).unwrap();
    assert_error_line_with(
        &path,
        &["--max-decompressed", "1000"],
        "exceeds the limit of 1000 bytes",
    );
}

fn push_varint(bytes: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        bytes.push((value as u8) | 0x80);
        value >>= 7;
    }
    bytes.push(value as u8);
}

/// A valid profile, then a string-table entry (field 6) claiming `claimed`
/// bytes, followed by `zeros` of them: a gzip bomb that starts valid.
fn valid_prefix_bomb(claimed: u64, zeros: usize) -> Vec<u8> {
    let mut bytes = valid().encode();
    bytes.push(0x32);
    push_varint(&mut bytes, claimed);
    bytes.resize(bytes.len() + zeros, 0);
    gzip(&bytes)
}

#[test]
fn bomb_with_a_valid_prefix_is_refused_by_the_size_it_claims() {
    // 3 MiB of it arrive, the field claims 3 GiB, the limit is 2 MiB: it
    // is refused by what the field claims once more data follows it, not
    // after the limit's worth of it was held.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.pb.gz");
    std::fs::write(&path, valid_prefix_bomb(3 << 30, 3 << 20)).unwrap();
    assert_error_line_with(
        &path,
        &["--max-decompressed", "2097152"],
        "a field of 3221225478 bytes would take the decompressed size past the limit of 2097152 bytes",
    );
    // Within the limit, the same claim is the data cut short.
    assert_rejected(
        "short.pb.gz",
        &valid_prefix_bomb(3 << 30, 1000),
        "runs past the end of the data",
    );
}

#[test]
fn a_deep_location_repeated_through_a_stack_is_refused_at_once() {
    // 2,000 frames inlined at one pc, and a stack through that pc 200,000
    // times: 4·10⁸ frames for every report to walk, from a few hundred kB.
    let names: Vec<String> = (0..2_000).map(|i| format!("main.f{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut b = Builder::new();
    let deep = b.inlined_location(&names);
    b.sample_at(&vec![deep; 200_000], 1, 8);
    assert_rejected(
        "amplified.pb.gz",
        &b.encode_gz(),
        "more than 67108864 frames in its samples' stacks",
    );
    // The deep location once, and a long stack of another: the frames are
    // counted (their bound passes the limit) and the profile is read.
    let mut b = Builder::new();
    let deep = b.inlined_location(&names);
    let plain = b.location("main.spin");
    b.sample_at(&[deep], 1, 8);
    b.sample_at(&vec![plain; 150_000], 1, 16);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep-once.pb.gz");
    std::fs::write(&path, b.encode_gz()).unwrap();
    let out = stdout_of(pprof_tui().args(["top", "-n", "1"]).arg(&path));
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("16B 66.67% 66.67%        16B 66.67%  main.spin"),
        "{out}"
    );
}

#[test]
fn dangling_location_id() {
    let mut b = valid();
    b.profile.sample[0].location_id.push(99);
    assert_rejected(
        "dangling-location.pb.gz",
        &b.encode_gz(),
        "location id 99, which does not exist",
    );
}

#[test]
fn dangling_function_id() {
    let mut b = valid();
    b.profile.location[0].line[0].function_id = 42;
    assert_rejected(
        "dangling-function.pb.gz",
        &b.encode_gz(),
        "function id 42, which does not exist",
    );
}

#[test]
fn string_index_out_of_range() {
    let mut b = valid();
    b.profile.function[0].name = 1000;
    assert_rejected(
        "bad-string.pb.gz",
        &b.encode_gz(),
        "string index 1000 is out of range",
    );
}

#[test]
fn wrong_number_of_values() {
    let mut b = valid();
    b.profile.sample[0].value.push(7);
    assert_rejected(
        "values.pb.gz",
        &b.encode_gz(),
        "sample 0 has 3 values but the profile has 2 sample types",
    );
}

#[test]
fn no_sample_types() {
    let mut b = valid();
    b.profile.sample_type.clear();
    b.profile.sample[0].value.clear();
    assert_rejected(
        "no-types.pb.gz",
        &b.encode_gz(),
        "the profile has no sample types",
    );
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    assert_error_line(&dir.path().join("nope.pb.gz"), "no such file");
}

#[test]
fn a_directory() {
    let dir = tempfile::tempdir().unwrap();
    assert_error_line(dir.path(), "is a directory");
}

/// Runs `top --format json -n 0` on a profile and returns the document.
fn top_json(bytes: &[u8], extra: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.pb.gz");
    std::fs::write(&path, bytes).unwrap();
    let stdout = stdout_of(
        pprof_tui()
            .args(["top", "--format", "json", "-n", "0"])
            .args(extra)
            .arg(&path),
    );
    serde_json::from_slice(&stdout).unwrap()
}

fn row<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name}: {doc}"))
}

#[test]
fn negative_values_load_and_sum() {
    let mut b = Builder::new();
    b.sample(&["main.main", "main.grow"], 3, 3000)
        .sample(&["main.main", "main.shrink"], -1, -1000);
    let doc = top_json(&b.encode_gz(), &[]);
    assert_eq!(doc["total"], 4000, "total is the sum of |value|");
    assert_eq!(row(&doc, "main.shrink")["flat"], -1000);
    assert_eq!(row(&doc, "main.main")["cum"], 2000);
}

#[test]
fn two_hundred_thousand_frame_stack() {
    // A deep recursion: 200,000 frames cycling through three functions.
    let mut b = Builder::new();
    let names = ["main.walk", "main.visit", "main.descend"];
    let mut stack: Vec<&str> = vec!["main.main"];
    stack.extend((0..200_000).map(|i| names[i % 3]));
    b.sample(&stack, 1, 4096);
    assert_eq!(b.profile.sample[0].location_id.len(), 200_001);
    let doc = top_json(&b.encode_gz(), &[]);
    assert_eq!(doc["total"], 4096);
    // Recursion is counted once per sample in cum.
    for name in names {
        assert_eq!(row(&doc, name)["cum"], 4096, "{name}");
    }
    assert_eq!(row(&doc, "main.main")["flat"], 0);
    // The leaf is frame 200,000: names[199_999 % 3].
    assert_eq!(row(&doc, names[199_999 % 3])["flat"], 4096);
}

#[test]
fn hostile_names_load_and_survive_json() {
    let mut b = Builder::new();
    b.sample(&["main.main", "main.<&\"quoted\">\nnext"], 1, 100);
    let mut bytes_b = b.encode();
    // Splice an invalid UTF-8 byte into a function name in the wire bytes.
    let at = bytes_b.windows(9).position(|w| w == b"main.main").unwrap();
    bytes_b[at + 4] = 0xff;
    let doc = top_json(&gzip(&bytes_b), &[]);
    assert_eq!(row(&doc, "main.<&\"quoted\">\nnext")["flat"], 100);
    assert_eq!(row(&doc, "main\u{fffd}main")["cum"], 100);
}

#[test]
fn unknown_sample_type_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.pb.gz");
    std::fs::write(&path, valid().encode_gz()).unwrap();
    let output = pprof_tui()
        .args(["top", "-i", "nonsense"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown sample type 'nonsense' (this profile has: objects, space)"),
        "{stderr}"
    );
}

#[test]
fn bad_regex_is_a_usage_error() {
    let output = pprof_tui()
        .args(["top", "--focus", "(unclosed", "whatever.pb.gz"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid --focus regex '(unclosed'"));
}

#[test]
fn missing_argument_is_a_usage_error() {
    let output = pprof_tui().arg("top").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn location_without_lines_is_named_by_address_or_unknown() {
    let mut b = valid();
    b.profile.location.push(pb::Location {
        id: 50,
        address: 0x1234,
        ..Default::default()
    });
    b.profile.sample.push(pb::Sample {
        location_id: vec![50],
        value: vec![1, 10],
        label: vec![],
    });
    let doc = top_json(&b.encode_gz(), &["-g", "addresses"]);
    assert_eq!(row(&doc, "0000000000001234 <unknown>")["flat"], 10);
}

/// A 49 KB gzip that inflates to 48 MiB of empty string-table entries (two
/// bytes each): `String`s per entry made it take over 1 GB; the compact
/// table takes about 4 bytes an entry.
const EMPTY_STRINGS: &str = "testdata/hostile/empty-strings-48MiB.pb.gz";

/// Runs `pprof-tui top` on a file under an address-space limit.
fn top_limited(limit_bytes: u64, file: &str) -> std::process::Output {
    let binary = assert_cmd::cargo::cargo_bin("pprof-tui");
    std::process::Command::new("prlimit")
        .arg(format!("--as={limit_bytes}"))
        .arg(binary)
        .arg("top")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .output()
        .expect("prlimit (util-linux) runs")
}

#[cfg(target_os = "linux")]
#[test]
fn amplifying_profile_loads_within_a_small_multiple_of_its_size() {
    let output = top_limited(800_000_000, EMPTY_STRINGS);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("Type: space\n"));
}

#[cfg(target_os = "linux")]
#[test]
fn running_out_of_memory_is_one_clear_line() {
    let output = top_limited(150_000_000, EMPTY_STRINGS);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(EMPTY_STRINGS);
    assert_eq!(
        stderr,
        format!(
            "pprof-tui: profile '{}': out of memory while reading the profile (it needs more than this machine can give)\n",
            path.display()
        )
    );
}

/// Runs pprof-tui with `args` and returns its exit code and stderr.
fn run_status(args: &[&str]) -> (Option<i32>, String) {
    let output = pprof_tui().args(args).output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Found by fuzzing (`fuzz/`, see its README): values whose sums pass
/// `i64` (here `i64::MAX` twice, then `i64::MIN`) made every report panic
/// with "attempt to add with overflow" in builds with overflow checks
/// (the aggregation's flat and cum sums, whole-stack sites, the text
/// table's running sum, the TUI's model). Sums now wrap as Go's `int64`
/// sums in pprof do, the report total included (Σ|v| with Go's `abs64`).
#[test]
fn values_overflowing_i64_wrap_instead_of_panicking() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/malformed/values-overflowing-i64.pb");
    let doc = top_json(&std::fs::read(&path).unwrap(), &[]);
    // |MAX| + |MAX| + abs64(MIN) = -2 + MIN, wrapped: MAX - 1.
    assert_eq!(doc["total"], i64::MAX - 1, "the total wraps as pprof's");
    assert_eq!(row(&doc, "main.a")["flat"], -2, "i64::MAX + i64::MAX wraps");
    assert_eq!(row(&doc, "main.main")["flat"], i64::MIN);
    assert_eq!(row(&doc, "main.main")["cum"], i64::MAX - 1);
    let file = path.to_str().unwrap();
    for g in [
        "functions",
        "filefunctions",
        "files",
        "lines",
        "addresses",
        "stacks",
    ] {
        for args in [
            vec!["top", "-g", g, file],
            vec!["top", "-g", g, "--cum", "--diff-base", file, file],
            vec!["diff", "-g", g, file, file],
            vec!["trend", "-g", g, file, file, file],
        ] {
            let (code, stderr) = run_status(&args);
            assert_eq!(code, Some(0), "{args:?}: {stderr}");
        }
    }
    // A flame graph cannot draw such widths exactly, and says so.
    let (code, stderr) = run_status(&["flamegraph", "-o", "-", file]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("values are too large to draw exactly"),
        "{stderr}"
    );
}
