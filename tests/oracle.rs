//! Every `go tool pprof -top` output committed under testdata/oracle/ is
//! reproduced by pprof-tui: the same total, the same rows in the same order
//! with the same flat and cum values, and — for files printed in pprof's
//! default units — the very same text.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]
use std::path::{Path, PathBuf};

mod pprof_flags;

use pprof_tui::analysis::top;
use pprof_tui::cli::TopRequest;
use pprof_tui::profile::{DecodeOptions, Profile, combine_with_base, decode};
use pprof_tui::report::text::write_top;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn load(rel: &str) -> Profile {
    let bytes = std::fs::read(testdata().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    decode(&bytes, &DecodeOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// One manifest line: the oracle file, the profiles, and pprof's flags.
struct Case {
    oracle: String,
    profiles: Vec<String>,
    flags: Vec<String>,
}

fn cases() -> Vec<Case> {
    let manifest =
        std::fs::read_to_string(testdata().join("oracle/MANIFEST.tsv")).expect("manifest");
    manifest
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut cols = line.split('\t');
            let oracle = cols.next().expect("oracle column").to_owned();
            let profiles = cols
                .next()
                .expect("profiles column")
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            let flags = cols
                .next()
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            Case {
                oracle,
                profiles,
                flags,
            }
        })
        .collect()
}

/// A manifest's pprof flags as the pprof-tui `top` command line that asks
/// for the same, resolved the way the CLI resolves it.
fn request(case: &Case) -> TopRequest {
    let args = pprof_flags::top_args(&case.oracle, &case.flags, &case.profiles);
    TopRequest::parse(&args).unwrap_or_else(|e| panic!("{}: {args:?}: {e:#}", case.oracle))
}

/// Diff and merge oracles are checked by the diff tests.
fn is_single_profile(case: &Case) -> bool {
    case.profiles.len() == 1
        && !case
            .flags
            .iter()
            .any(|f| f.starts_with("-diff_base") || f.starts_with("-base") || f == "-normalize")
}

fn render(profile: &Profile, req: &TopRequest) -> String {
    let options = req.options(profile).expect("sample index");
    let table = top(profile, &options);
    let mut out = Vec::new();
    write_top(&mut out, profile, &table, &options.filters, &req.text).expect("write");
    String::from_utf8(out).expect("utf8")
}

fn first_difference(expected: &str, actual: &str) -> String {
    expected
        .lines()
        .zip(actual.lines())
        .enumerate()
        .find(|(_, (e, a))| e != a)
        .map(|(i, (e, a))| format!("line {}:\n  pprof:     {e}\n  pprof-tui: {a}", i + 1))
        .unwrap_or_else(|| {
            format!(
                "line counts differ: pprof {} vs pprof-tui {}",
                expected.lines().count(),
                actual.lines().count()
            )
        })
}

/// Diffs (`-diff_base`, `-base`, `-normalize`) and merges (several
/// profiles) go through the same combination code as the CLI.
#[test]
fn every_diff_and_merge_oracle_matches_exactly() {
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| !is_single_profile(c))
        .collect();
    assert!(
        cases.len() >= 15,
        "expected the diff and merge oracles, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let req = request(case);
        // The CLI's path: the study of the request, combined.
        let mut combined = vec![(
            "the study",
            req.study().expect("load").into_profile().expect("combine"),
        )];
        // And pprof's general combination, which the study short-cuts for
        // one profile against one diff base.
        if let [base] = req.bases.as_slice() {
            let sources: Vec<Profile> = case.profiles.iter().map(|p| load(p)).collect();
            let sources: Vec<&Profile> = sources.iter().collect();
            let base = req.view.load(std::slice::from_ref(base)).expect("base");
            combined.push((
                "combine_with_base",
                combine_with_base(&sources, &[&base[0]], req.mode, req.normalize).expect("combine"),
            ));
        }
        let expected = std::fs::read_to_string(testdata().join("oracle").join(&case.oracle))
            .expect("oracle file");
        for (how, profile) in &combined {
            let actual = render(profile, &req);
            if actual != expected {
                failures.push(format!(
                    "{} ({}, via {how}):\n{}",
                    case.oracle,
                    case.flags.join(" "),
                    first_difference(&expected, &actual)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} oracle files differ:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_single_profile_oracle_matches_exactly() {
    let cases: Vec<Case> = cases().into_iter().filter(is_single_profile).collect();
    assert!(
        cases.len() >= 250,
        "expected the full oracle corpus, found {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    let mut profiles: std::collections::HashMap<String, Profile> = Default::default();
    for case in &cases {
        let profile = profiles
            .entry(case.profiles[0].clone())
            .or_insert_with(|| load(&case.profiles[0]));
        let expected = std::fs::read_to_string(testdata().join("oracle").join(&case.oracle))
            .expect("oracle file");
        let req = request(case);
        let actual = render(profile, &req);
        if actual != expected {
            let first = expected
                .lines()
                .zip(actual.lines())
                .enumerate()
                .find(|(_, (e, a))| e != a)
                .map(|(i, (e, a))| format!("line {}:\n  pprof:     {e}\n  pprof-tui: {a}", i + 1))
                .unwrap_or_else(|| {
                    format!(
                        "line counts differ: pprof {} vs pprof-tui {}",
                        expected.lines().count(),
                        actual.lines().count()
                    )
                });
            failures.push(format!(
                "{} ({}):\n{first}",
                case.oracle,
                case.flags.join(" ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} oracle files differ:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
