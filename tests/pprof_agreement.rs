//! Inputs `go tool pprof` reads that pprof-tui once refused, outputs it
//! once wrote that pprof refuses, and messages that said things twice or
//! wrongly (issue 25's items 6 to 11).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod support;

use pprof_tui::profile::pb;
use prost::Message;
use support::{Builder, pprof_tui};

/// Runs pprof-tui on `bytes` written to `name`; returns (exit code, stdout, stderr).
fn run_on(name: &str, bytes: &[u8], args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let output = pprof_tui()
        .args(args)
        .arg(&path)
        .current_dir(dir.path())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_line_naming_no_function_is_no_frame_and_convert_writes_none() {
    // main.alloc's location also holds a line with function id 0.
    let mut b = Builder::new();
    let root = b.location("main.main");
    let alloc = b.location("main.alloc");
    b.profile.location[alloc as usize - 1].line.insert(
        0,
        pb::Line {
            function_id: 0,
            line: 7,
            column: 0,
        },
    );
    b.sample_at(&[root, alloc], 1, 4096);
    let (code, out, err) = run_on("nofn.pb", &b.encode(), &["top", "--unit", "B"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("<unknown>"), "{out}");
    assert!(
        out.contains("     4096B   100%   100%      4096B   100%  main.alloc\n"),
        "{out}"
    );

    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("nofn.pb");
    std::fs::write(&input, b.encode()).unwrap();
    let converted = dir.path().join("out.pb.gz");
    let status = pprof_tui()
        .arg("convert")
        .arg(&input)
        .arg("-o")
        .arg(&converted)
        .output()
        .unwrap();
    assert!(status.status.success());
    let mut raw = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&converted).unwrap()),
        &mut raw,
    )
    .unwrap();
    let written = pb::Profile::decode(raw.as_slice()).unwrap();
    // pprof's CheckValid: "location id: N has a line with nil function".
    for l in &written.location {
        assert!(l.line.iter().all(|line| line.function_id != 0), "{l:?}");
    }
    assert_eq!(written.location.len(), 2);
}

#[test]
fn a_location_naming_a_missing_mapping_loads() {
    let mut b = Builder::new();
    b.sample(&["main.main", "main.alloc"], 1, 4096);
    b.profile.location[0].mapping_id = 99;
    let (code, out, err) = run_on("nomap.pb", &b.encode(), &["top", "--unit", "B"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("of 4096B total"), "{out}");
}

#[test]
fn more_than_1024_sample_types_load() {
    let mut b = Builder::new();
    b.sample(&["main.main", "main.alloc"], 1, 4096);
    let count = b.string("count");
    for i in 2..1100 {
        let name = b.string(&format!("t{i}"));
        b.profile.sample_type.push(pb::ValueType {
            r#type: name,
            unit: count,
        });
        b.profile.sample[0].value.push(i);
    }
    let (code, out, err) = run_on("types.pb", &b.encode(), &["top", "-i", "t1099"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Type: t1099\n"), "{out}");
    assert!(out.contains("of 1099 total"), "{out}");
}

#[test]
fn a_protobuf_error_is_said_once() {
    let (code, _, err) = run_on("zero.pb", &[0x00, 0x00], &["top"]);
    assert_eq!(code, 1);
    assert_eq!(err.matches("invalid tag value: 0").count(), 1, "{err}");
    assert_eq!(
        err.matches("failed to decode Protobuf message").count(),
        1,
        "{err}"
    );
}

/// A one-sample profile whose only sample type is `value/UNIT`.
fn profile_in(unit: &str, value: i64) -> Vec<u8> {
    let mut b = Builder::new();
    b.sample(&["main.main", "main.work"], 1, value);
    let name = b.string("value");
    let unit = b.string(unit);
    b.profile.sample_type = vec![pb::ValueType { r#type: name, unit }];
    for s in &mut b.profile.sample {
        s.value = vec![value];
    }
    b.encode()
}

#[test]
fn custom_units_keep_their_case() {
    for unit in ["MiB", "Requests", "NaN"] {
        let (code, out, err) = run_on("unit.pb", &profile_in(unit, 123456789), &["top"]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains(&format!("of 123456789{unit} total")),
            "{unit}: {out}"
        );
        assert!(
            out.contains(&format!("123456789{unit}   100%")),
            "{unit}: {out}"
        );
    }
    // Known units still scale, whatever their case.
    let (_, out, _) = run_on("unit.pb", &profile_in("Bytes", 2048), &["top"]);
    assert!(out.contains("of 2kB total"), "{out}");
}

/// A one-sample profile of `main.work` with these sample types (unit
/// `count`), values and period type.
fn typed(types: &[&str], values: &[i64], period_type: (&str, &str)) -> Vec<u8> {
    let mut b = Builder::new();
    b.sample(&["main.main", "main.work"], 0, 0);
    let count = b.string("count");
    b.profile.sample_type = types
        .iter()
        .map(|t| pb::ValueType {
            r#type: b.string(t),
            unit: count,
        })
        .collect();
    b.profile.sample[0].value = values.to_vec();
    b.profile.period_type = Some(pb::ValueType {
        r#type: b.string(period_type.0),
        unit: b.string(period_type.1),
    });
    b.profile.period = 1;
    b.encode()
}

#[test]
fn normalize_works_on_the_types_two_profiles_share() {
    // The base has a type the new profile lacks; the shared ones are
    // normalized (base total ÷ new total: 300/100 and 40/20).
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.pb");
    let new = dir.path().join("new.pb");
    let period = ("calls", "count");
    std::fs::write(
        &base,
        typed(&["calls", "extra", "errors"], &[300, 7, 40], period),
    )
    .unwrap();
    std::fs::write(&new, typed(&["calls", "errors"], &[100, 20], period)).unwrap();
    for index in ["calls", "errors"] {
        let output = pprof_tui()
            .args(["top", "--normalize", "-i", index, "--diff-base"])
            .arg(&base)
            .arg(&new)
            .output()
            .unwrap();
        let (out, err) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        assert_eq!(output.status.code(), Some(0), "{err}");
        assert_eq!(
            err,
            "pprof-tui: warning: the profiles have different sample types; using the 2 they share: calls, errors\n"
        );
        // Normalized, the new profile equals the base: nothing changed.
        let total = if index == "calls" { 300 } else { 40 };
        assert!(
            out.contains(&format!(
                "Showing nodes accounting for 0, 0% of {total} total"
            )),
            "{index}: {out}"
        );
    }
    // The flame graph of the same comparison says so too, once.
    let svg = dir.path().join("diff.svg");
    let output = pprof_tui()
        .args(["flamegraph", "--normalize", "--diff-base"])
        .arg(&base)
        .arg(&new)
        .arg("-o")
        .arg(&svg)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "pprof-tui: warning: the profiles have different sample types; using the 2 they share: calls, errors\n"
    );
}

#[test]
fn differing_period_types_are_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.pb");
    let b = dir.path().join("b.pb");
    std::fs::write(&a, typed(&["calls"], &[1], ("space", "bytes"))).unwrap();
    std::fs::write(&b, typed(&["calls"], &[1], ("cpu", "nanoseconds"))).unwrap();
    let output = pprof_tui().arg("top").arg(&a).arg(&b).output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert_eq!(
        err,
        "pprof-tui: incompatible period types 'space/bytes' and 'cpu/nanoseconds'\n"
    );
}

#[test]
fn a_filter_matching_only_unused_locations_says_so() {
    // main.orphan has a location no sample uses; pprof (which merges what
    // it loads, keeping only used locations) says the filter matched nothing.
    let mut b = Builder::new();
    b.sample(&["main.main", "main.work"], 1, 4096);
    b.location("main.orphan");
    for filter in ["--ignore", "--focus", "--hide", "--show"] {
        let (code, _, err) = run_on("orphan.pb", &b.encode(), &["top", filter, "orphan"]);
        let name = match filter {
            "--ignore" => "Ignore",
            "--focus" => "Focus",
            "--hide" => "Hide",
            _ => "Show",
        };
        assert!(
            err.contains(&format!(
                "pprof-tui: {name} expression matched no samples\n"
            )),
            "{filter}: {err}"
        );
        assert!(code == 0 || code == 1, "{filter}: {err}");
    }
}
