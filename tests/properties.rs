//! Properties over generated input: decoding never panics, whatever the
//! bytes; aggregation keeps pprof's invariants on random profiles.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod support;

use pprof_tui::analysis::{Filters, Granularity, Stacks, node_totals, total};
use pprof_tui::profile::{DecodeOptions, decode};
use proptest::prelude::*;
use support::{Builder, gzip};

const NAMES: [&str; 6] = [
    "main.main",
    "main.a",
    "main.b",
    "main.c",
    "runtime.mallocgc",
    "main.(*T).m",
];

/// Random stacks (root first) over a few names, with recursion, and values.
fn profiles() -> impl Strategy<Value = Vec<(Vec<usize>, i64)>> {
    prop::collection::vec(
        (prop::collection::vec(0..NAMES.len(), 1..12), -1000i64..5000),
        1..40,
    )
}

fn build(samples: &[(Vec<usize>, i64)]) -> Builder {
    let mut b = Builder::new();
    for (stack, value) in samples {
        let names: Vec<&str> = stack.iter().map(|&i| NAMES[i]).collect();
        b.sample(&names, 1, *value);
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = decode(&bytes, &DecodeOptions::default());
        let _ = decode(&gzip(&bytes), &DecodeOptions::default());
    }

    #[test]
    fn mutated_profiles_never_panic(samples in profiles(), flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let mut bytes = build(&samples).encode();
        for (at, byte) in flips {
            let i = at % bytes.len();
            bytes[i] ^= byte;
        }
        if let Ok(profile) = decode(&bytes, &DecodeOptions::default()) {
            let stacks = Stacks::new(&profile, Granularity::Lines, &Filters::default());
            let _ = node_totals(&stacks, profile.sample_types.len() - 1);
        }
    }

    #[test]
    fn flat_sums_to_the_kept_values_and_cum_bounds_flat(samples in profiles()) {
        let profile = decode(&build(&samples).encode_gz(), &DecodeOptions::default()).unwrap();
        let stacks = Stacks::new(&profile, Granularity::Functions, &Filters::default());
        let rows = node_totals(&stacks, 1);
        let flat: i64 = rows.iter().map(|r| r.flat).sum();
        let values: i64 = samples.iter().map(|(_, v)| v).sum();
        prop_assert_eq!(flat, values);
        prop_assert_eq!(total(&profile, 1), samples.iter().map(|(_, v)| v.abs()).sum::<i64>());
        for row in &rows {
            // cum counts each sample once, however often the node recurs in it.
            let name = &stacks.node(row.node).name;
            let expected: i64 = samples
                .iter()
                .filter(|(stack, _)| stack.iter().any(|&i| NAMES[i] == name))
                .map(|(_, v)| v)
                .sum();
            prop_assert_eq!(row.cum, expected, "cum of {}", name);
        }
    }
}
