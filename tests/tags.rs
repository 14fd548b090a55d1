//! `pprof-tui tags` against `go tool pprof -tags` (Go 1.27) on every
//! labelled profile of testdata/ (testdata/goroutines/tags/MANIFEST.tsv),
//! byte for byte.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;
mod support;

use std::path::Path;

use common::{load, run, testdata};

#[test]
fn tags_equal_pprof_on_every_labelled_profile() {
    let dir = testdata().join("goroutines/tags");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut checked = 0;
    for row in manifest.lines().skip(1) {
        let (profile, oracle) = row.split_once('\t').unwrap();
        let want = std::fs::read_to_string(dir.join(oracle)).unwrap();
        let got = run(&["tags", profile], 0).stdout;
        assert_eq!(got, want, "pprof-tui tags {profile}");
        checked += 1;
    }
    // Heaps (bytes labels) of leaky, go1.27, compile, legacy (text too),
    // explain, verdicts (text too) and the signature programs; the
    // service's goroutine profiles (route, tenant).
    assert_eq!(checked, 202);
}

/// Every profile file under testdata/ that pprof-tui reads, outside the
/// hand-made bad inputs, as `regen.sh tags` lists them.
fn profiles(dir: &Path, rel: &str, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir.join(rel)).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if entry.file_type().unwrap().is_dir() {
            if !["malformed", "hostile", "absurd"].contains(&path.as_str()) {
                profiles(dir, &path, out);
            }
        } else if [".pb.gz", ".pb", ".debug1.txt"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            out.push(path);
        }
    }
}

#[test]
fn every_labelled_profile_has_its_pprof_oracle() {
    let manifest =
        std::fs::read_to_string(testdata().join("goroutines/tags/MANIFEST.tsv")).unwrap();
    let listed: Vec<&str> = manifest
        .lines()
        .skip(1)
        .map(|row| row.split_once('\t').unwrap().0)
        .collect();
    let mut all = Vec::new();
    profiles(&testdata(), "", &mut all);
    let mut labelled = 0;
    for rel in &all {
        let p = load(rel);
        let samples = p.samples();
        if (0..samples.len()).any(|s| !samples.labels(s).is_empty()) {
            labelled += 1;
            assert!(
                listed.contains(&rel.as_str()),
                "{rel} has labels but no `go tool pprof -tags` oracle: run testdata/goroutines/regen.sh tags"
            );
        }
    }
    assert_eq!(labelled, listed.len());
}

#[test]
fn a_dump_has_its_labels_counted_like_the_proto_of_its_moment() {
    // The debug=2 dump and the proto were taken a moment apart from the
    // same goroutines: the labelled ones are the same.
    let dump = run(&["tags", "goroutines/service/out/goroutine.debug2.txt"], 0).stdout;
    for part in [
        " route: Total 60 of 156 (38.46%)",
        "        30 (19.23%): /login",
        "        30 (19.23%): /search",
        "  leaked:",
        "created_by: Total 155 of 156 (99.36%)",
        "        30 (19.23%): main.handleLogin",
        " wait: Total 156 of 156 (  100%)",
        "       151 (96.79%): 1",
    ] {
        if part == "  leaked:" {
            assert!(!dump.contains(part), "no goroutine proven yet:\n{dump}");
        } else {
            common::assert_contains(&dump, part);
        }
    }
    let leak = run(
        &["tags", "goroutines/service/out/goroutineleak.debug2.txt"],
        0,
    )
    .stdout;
    common::assert_contains(&leak, "leaked: Total 90 of 156 (57.69%)");
    // Filters apply: the proven /login goroutines only.
    let login = run(
        &[
            "tags",
            "--tagfocus",
            "route=/login",
            "goroutines/service/out/goroutineleak.debug2.txt",
        ],
        0,
    )
    .stdout;
    common::assert_contains(&login, "leaked: Total 30 of 30 (  100%)");
}

/// `top` with label frames against `go tool pprof -top` with the same
/// option, line for line but the `Time:` line (its format changed after
/// Go 1.19, whose layout `top` follows).
#[test]
fn tagroot_and_tagleaf_add_frames_as_pprof() {
    for (option, profile, oracle) in [
        (
            "--tagroot=route,tenant",
            "goroutines/service/out/goroutine.pb.gz",
            "tagroot-route,tenant.goroutine.top.txt",
        ),
        (
            "--tagleaf=tenant,route",
            "goroutines/service/out/goroutine.pb.gz",
            "tagleaf-tenant,route.goroutine.top.txt",
        ),
        (
            "--tagleaf=bytes",
            "leaky/heap-1.pb.gz",
            "tagleaf-bytes.leaky-heap-1.top.txt",
        ),
    ] {
        let want =
            std::fs::read_to_string(testdata().join("goroutines/tags").join(oracle)).unwrap();
        let got = run(&["top", option, profile], 0).stdout;
        let strip = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| !l.starts_with("Time: "))
                .map(str::to_owned)
                .collect()
        };
        assert_eq!(strip(&got), strip(&want), "{option} {profile}");
    }
    let none = run(&["top", "--tagroot=nokey", "leaky/heap-1.pb.gz"], 0);
    assert_eq!(
        none.stderr,
        "pprof-tui: TagRoot expression matched no samples\n"
    );
}

/// A string table may hold a string twice (Go's never does): keys of one
/// name are then listed in the order of their ids, the same every time
/// (they were in a hash map's order, which a seed drawn for each run
/// changes).
#[test]
fn keys_of_one_name_are_in_id_order() {
    use pprof_tui::analysis::{Filters, tags::tag_counts};
    use pprof_tui::profile::{DecodeOptions, decode, pb};

    let mut b = support::Builder::new();
    b.sample(&["main"], 1, 10);
    b.sample(&["main"], 1, 20);
    // "key" twice in the table: one id per sample.
    let first = b.string("key");
    b.profile.string_table.push("key".to_owned());
    let second = b.profile.string_table.len() as i64 - 1;
    for (sample, (key, value)) in [(first, "a"), (second, "b")].into_iter().enumerate() {
        let value = b.string(value);
        b.profile.sample[sample].label.push(pb::Label {
            key,
            str: value,
            ..Default::default()
        });
    }
    let profile = decode(&b.encode_gz(), &DecodeOptions::default()).unwrap();
    for _ in 0..20 {
        let keys = tag_counts(&profile, 1, &Filters::default());
        let got: Vec<_> = keys.iter().map(|k| (k.key.as_str(), k.total)).collect();
        assert_eq!(got, [("key", 10), ("key", 20)]);
    }
}
