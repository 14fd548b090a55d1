//! `analysis::top` as the TUI's Top view uses it: suffixes of the first
//! page first and the rest later end as `top` prints them; the name order;
//! the base columns of a diff against `go tool pprof`'s numbers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use common::{diff_base, load};
use pprof_tui::analysis::top::{TopOptions, TopOrder, suffixes, top_of};
use pprof_tui::analysis::{Filters, Granularity, Stacks};
use pprof_tui::profile::Profile;

fn options(profile: &Profile, granularity: Granularity, sort: TopOrder) -> TopOptions {
    TopOptions {
        sample_index: profile.default_sample_index(),
        granularity,
        sort,
        ..TopOptions::default()
    }
}

#[test]
fn suffixes_resolved_in_two_steps_equal_tops() {
    let mut suffixed = 0;
    for (rel, granularity) in [
        ("compile/compile-cpu.pb.gz", Granularity::Functions),
        ("compile/compile-heap.pb.gz", Granularity::Functions),
        ("leaky/heap-3.pb.gz", Granularity::Lines),
    ] {
        let profile = load(rel);
        let stacks = Stacks::new(&profile, granularity, &Filters::default());
        let whole = top_of(&stacks, &options(&profile, granularity, TopOrder::Flat));
        let staged_options = TopOptions {
            first_suffixes: Some(5),
            ..options(&profile, granularity, TopOrder::Flat)
        };
        let mut staged = top_of(&stacks, &staged_options);
        let totals = staged.rows.iter().map(|r| r.totals()).collect();
        let rest = suffixes(&stacks, staged_options.sample_index, totals);
        for (node, inlined) in rest {
            for row in staged.rows.iter_mut().filter(|r| r.node == node) {
                row.inlined = inlined;
            }
        }
        assert_eq!(staged.rows, whole.rows, "{rel}");
        suffixed += whole
            .rows
            .iter()
            .filter(|r| !r.inlined.suffix().is_empty())
            .count();
    }
    assert!(suffixed > 5, "suffixes past the first page to check");
}

#[test]
fn the_name_order_sorts_by_the_printed_name() {
    let profile = load("leaky/heap-3.pb.gz");
    let stacks = Stacks::new(&profile, Granularity::Functions, &Filters::default());
    let by_name = top_of(
        &stacks,
        &options(&profile, Granularity::Functions, TopOrder::Name),
    );
    let names: Vec<&str> = by_name.rows.iter().map(|r| r.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    let mut rows = by_name.rows.clone();
    pprof_tui::analysis::top::sort_rows(&mut rows, Granularity::Functions, TopOrder::Flat);
    let flat = top_of(
        &stacks,
        &options(&profile, Granularity::Functions, TopOrder::Flat),
    );
    assert_eq!(rows, flat.rows, "re-sorting gives top's order");
}

#[test]
fn a_diff_has_the_bases_own_columns() {
    let profile = diff_base("leaky/heap-3.pb.gz", "leaky/heap-1.pb.gz");
    let stacks = Stacks::new(&profile, Granularity::Functions, &Filters::default());
    let top = top_of(
        &stacks,
        &options(&profile, Granularity::Functions, TopOrder::Flat),
    );
    // leaky-heap-3.inuse_space.diff_base-heap-1.top.txt: heap-1's total,
    // and main.(*Cache).Put's growth; leaky-heap-1.inuse_space.top.txt:
    // Put's flat in the base.
    assert_eq!(top.total, 1_334_904);
    let put = top
        .rows
        .iter()
        .find(|r| r.name == "main.(*Cache).Put")
        .unwrap();
    assert_eq!((put.flat, put.base_flat), (959_808, 109_976));
    // leaky-heap-3.inuse_space.top.txt: the new side's total.
    assert_eq!(top.new_total, 2_635_448);
}
