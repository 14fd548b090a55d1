//! Function names as `go tool pprof` shows them: C++ and Rust symbols
//! demangled and simplified, names already demangled simplified, and a
//! function without a name shown by its system name. The profile is built
//! here and committed as testdata/names/names.pb (so pprof could read it);
//! the oracles are pprof's `-top` on it, by default and with
//! `-symbolize=demangle=full` and `=templates`.
//!
//! `PPROF_TUI_WRITE_FIXTURES=1 cargo test --test names` rewrites the
//! profile; then rerun `testdata/regen.sh oracles`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

use std::path::PathBuf;

mod support;

use pprof_tui::profile::pb;
use support::{Builder, assert_fixture, testdata_path, top_text};

fn testdata(rel: &str) -> PathBuf {
    testdata_path(rel)
}

/// Each case: the function's name and system name (the sample's leaf) as
/// a profiler would write them.
const FUNCTIONS: &[(&str, &str)] = &[
    // Mangled C++, as gperftools writes it (name = system name).
    ("_ZN3foo3barEv", "_ZN3foo3barEv"),
    (
        "_ZNSt6vectorIiSaIiEE9push_backERKi",
        "_ZNSt6vectorIiSaIiEE9push_backERKi",
    ),
    ("_Z3maxIiET_S0_S0_", "_Z3maxIiET_S0_S0_"),
    // A clone suffix: pprof's demangler gives up, the name stays.
    ("_ZN3foo3bazEv.constprop.0", "_ZN3foo3bazEv.constprop.0"),
    // Demangled already, but not simplified.
    (
        "std::vector<int>::push_back(int const&)",
        "std::vector<int>::push_back(int const&)",
    ),
    // Demangled by the profiler, with the mangled system name kept.
    ("qux::run(int)", "_ZN3qux3runEi"),
    // Rust: legacy (with its hash) and v0.
    (
        "_ZN4core3ptr13drop_in_place17h0123456789abcdefE",
        "_ZN4core3ptr13drop_in_place17h0123456789abcdefE",
    ),
    ("_RNvC6_123foo3bar", "_RNvC6_123foo3bar"),
    // Operators, constructors, const methods, lambdas, nested templates.
    ("_ZlsRSoRK3Foo", "_ZlsRSoRK3Foo"),
    ("_ZN3FooC2Ev", "_ZN3FooC2Ev"),
    ("_ZNK3Foo3getEv", "_ZNK3Foo3getEv"),
    ("_ZZ4mainENKUlvE_clEv", "_ZZ4mainENKUlvE_clEv"),
    (
        "_ZN9__gnu_cxx13new_allocatorIcE8allocateEmPKv",
        "_ZN9__gnu_cxx13new_allocatorIcE8allocateEmPKv",
    ),
    (
        "_ZN2ns3mapIiSt6vectorIiSaIiEEE3getEi",
        "_ZN2ns3mapIiSt6vectorIiSaIiEEE3getEi",
    ),
    ("_ZN3FoossERKS_", "_ZN3FoossERKS_"),
    ("_ZN3FooltERKS_", "_ZN3FooltERKS_"),
    // No name: pprof shows the system name, not the mapping.
    ("", "svc_handler"),
    // Go names are left alone, generics included.
    ("main.(*List[...]).Push", "main.(*List[...]).Push"),
    ("main.main", "main.main"),
];

fn names_profile() -> Vec<u8> {
    let mut b = Builder::new();
    let file = b.string("/usr/local/bin/svc");
    b.profile.mapping.push(pb::Mapping {
        id: 1,
        memory_start: 0x400000,
        memory_limit: 0x800000,
        filename: file,
        has_functions: true,
        ..Default::default()
    });
    let root = b.location("main.main");
    for (i, (name, system)) in FUNCTIONS.iter().enumerate() {
        // A location and function of their own (ids match one to one),
        // then renamed.
        let leaf = b.location(&format!("placeholder{i}"));
        let name_id = b.string(name);
        let system_id = b.string(system);
        let function = &mut b.profile.function[leaf as usize - 1];
        function.name = name_id;
        function.system_name = system_id;
        b.profile.location[leaf as usize - 1].mapping_id = 1;
        b.sample_at(&[root, leaf], 1, 1000 * (i as i64 + 1));
    }
    // The placeholders' names stay in the string table, unused.
    b.encode()
}

#[test]
fn the_committed_profile_is_this_one() {
    assert_fixture("names/names.pb", &names_profile(), "names");
}

fn top(extra: &[&str]) -> String {
    top_text("names/names.pb", extra)
}

fn oracle(name: &str) -> String {
    std::fs::read_to_string(testdata("oracle").join(name)).unwrap()
}

#[test]
fn names_match_pprof_by_default() {
    let text = top(&[]);
    assert_eq!(text, oracle("names-names.space.default.top.txt"));
    // The cases the issue names, spelled out.
    for name in ["foo::bar", "std::vector::push_back", "svc_handler"] {
        assert!(
            text.lines().any(|l| l.ends_with(&format!("  {name}"))),
            "{name}:\n{text}"
        );
    }
    assert!(!text.contains("[svc]"), "{text}");
}

#[test]
fn names_match_pprof_with_full_demangling() {
    assert_eq!(
        top(&["--demangle", "full"]),
        oracle("names-names.space.demangle-full.top.txt")
    );
}

#[test]
fn names_match_pprof_with_template_arguments() {
    assert_eq!(
        top(&["--demangle", "templates"]),
        oracle("names-names.space.demangle-templates.top.txt")
    );
}

#[test]
fn filters_match_the_shown_names() {
    assert_eq!(
        top(&["--focus", "std::vector::push_back"]),
        oracle("names-names.space.focus-push_back.top.txt")
    );
}
