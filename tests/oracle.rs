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

use pprof_tui::analysis::{
    Demangle, Filters, Granularity, SortBy, TagFilter, TopOptions, compile_regex, top,
};
use pprof_tui::profile::{BaseMode, DecodeOptions, Profile, combine_with_base, decode, merge};
use pprof_tui::report::text::{TextOptions, write_top};

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

/// What a manifest's pprof flags ask for, in pprof-tui's terms.
struct Request {
    options: TopOptions,
    sample_index: Option<String>,
    text: TextOptions,
    /// `-diff_base=`/`-base=` profile and whether it is a diff base.
    base: Option<(String, BaseMode)>,
    normalize: bool,
}

fn request(case: &Case) -> Request {
    let mut options = TopOptions {
        node_fraction: 0.005,
        ..TopOptions::default()
    };
    let mut text = TextOptions::default();
    let mut sample_index = None;
    let mut filters = Filters::default();
    let mut base = None;
    let mut normalize = false;
    for flag in &case.flags {
        let (name, value) = flag
            .split_once('=')
            .map_or((flag.as_str(), ""), |(n, v)| (n, v));
        match name {
            "-top" => {}
            "-nodecount" => options.node_count = value.parse().expect("nodecount"),
            "-nodefraction" => options.node_fraction = value.parse().expect("nodefraction"),
            "-unit" => text.unit = value.to_owned(),
            "-sample_index" => sample_index = Some(value.to_owned()),
            "-cum" => options.sort = SortBy::Cum,
            "-functions" => options.granularity = Granularity::Functions,
            "-filefunctions" => options.granularity = Granularity::FileFunctions,
            "-files" => options.granularity = Granularity::Files,
            "-lines" => options.granularity = Granularity::Lines,
            "-addresses" => options.granularity = Granularity::Addresses,
            "-focus" => filters.focus = Some(compile_regex("focus", value).expect("focus")),
            "-ignore" => filters.ignore = Some(compile_regex("ignore", value).expect("ignore")),
            "-hide" => filters.hide = Some(compile_regex("hide", value).expect("hide")),
            "-show" => filters.show = Some(compile_regex("show", value).expect("show")),
            "-tagfocus" => {
                filters.tag_focus = Some(TagFilter::parse("tagfocus", value).expect("tagfocus"))
            }
            "-tagignore" => {
                filters.tag_ignore = Some(TagFilter::parse("tagignore", value).expect("tagignore"))
            }
            "-diff_base" => base = Some((value.to_owned(), BaseMode::DiffBase)),
            "-base" => base = Some((value.to_owned(), BaseMode::Subtract)),
            "-normalize" => normalize = true,
            "-symbolize" if value == "demangle=full" => options.demangle = Demangle::Full,
            "-symbolize" if value == "demangle=templates" => options.demangle = Demangle::Templates,
            other => panic!(
                "{}: flag {other} is not translated by this test",
                case.oracle
            ),
        }
    }
    text.node_fraction = options.node_fraction;
    options.filters = filters;
    Request {
        options,
        sample_index,
        text,
        base,
        normalize,
    }
}

/// Diff and merge oracles are checked by the diff tests.
fn is_single_profile(case: &Case) -> bool {
    case.profiles.len() == 1
        && !case
            .flags
            .iter()
            .any(|f| f.starts_with("-diff_base") || f.starts_with("-base") || f == "-normalize")
}

fn render(profile: &Profile, req: &mut Request) -> String {
    req.options.sample_index = match &req.sample_index {
        Some(name) => profile.sample_index(name).expect("sample index"),
        None => profile.default_sample_index(),
    };
    let table = top(profile, &req.options);
    let mut out = Vec::new();
    write_top(&mut out, profile, &table, &req.options.filters, &req.text).expect("write");
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
        let sources: Vec<Profile> = case.profiles.iter().map(|p| load(p)).collect();
        let sources: Vec<&Profile> = sources.iter().collect();
        let mut req = request(case);
        let mut combined = Vec::new();
        match &req.base {
            Some((base, mode)) => {
                let base = load(base);
                combined.push((
                    "combine_with_base",
                    combine_with_base(&sources, &[&base], *mode, req.normalize).expect("combine"),
                ));
                // The CLI's path for one profile against a diff base.
                if *mode == BaseMode::DiffBase && sources.len() == 1 {
                    let new = sources[0].clone();
                    combined.push((
                        "into_diff_base",
                        new.into_diff_base(&base, req.normalize).expect("diff base"),
                    ));
                }
            }
            None => combined.push(("merge", merge(&sources).expect("merge"))),
        }
        let expected = std::fs::read_to_string(testdata().join("oracle").join(&case.oracle))
            .expect("oracle file");
        for (how, profile) in &combined {
            let actual = render(profile, &mut req);
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
        let mut req = request(case);
        let actual = render(profile, &mut req);
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
