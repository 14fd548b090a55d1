//! Properties over generated input: decoding never panics, whatever the
//! bytes; aggregation keeps pprof's invariants on random profiles.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod support;

use std::collections::{BTreeMap, HashSet};

use pprof_tui::analysis::Lineup;
use pprof_tui::analysis::diff::{DiffOptions, diff};
use pprof_tui::analysis::trend::{TrendOptions, trend};
use pprof_tui::analysis::{
    EDGE_FRACTION, Filters, Granularity, Stacks, TopOptions, node_totals, resolve_inlining, top,
    total,
};
use pprof_tui::profile::{DecodeOptions, Profile, decode};
use pprof_tui::report::ProfileInfo;
use pprof_tui::report::diff::{DiffTextOptions, write_diff};
use pprof_tui::report::text::{TextOptions, write_top};
use pprof_tui::report::trend::{TrendTextOptions, write_trend};
use proptest::prelude::*;
use support::{Builder, NAMES, gzip, random_profile, random_samples};

/// Random stacks (root first) over a few names, with recursion, and values.
fn profiles() -> impl Strategy<Value = Vec<(Vec<usize>, i64)>> {
    random_samples(12, -1000..5000)
}

/// Functions that locations are in, and the two small ones inlined into
/// them (they are called normally too, as outermost frames).
const OUTER: [&str; 12] = [
    "main.main",
    "main.serve",
    "main.handle",
    "main.decode",
    "main.encode",
    "main.walk",
    "main.visit",
    "main.put",
    "main.get",
    "main.grow",
    "runtime.mallocgc",
    "main.(*T).m",
];
const HELPERS: [&str; 2] = ["main.min", "main.hash"];

fn function_name(i: usize) -> &'static str {
    OUTER.get(i).copied().unwrap_or(HELPERS[i % HELPERS.len()])
}

/// A location: its function, and the helpers inlined into it, innermost first.
type LocationSpec = (usize, Vec<usize>);
/// A sample: locations root first, and a value.
type SampleSpec = (Vec<usize>, i64);

/// A pool of locations, some with inlined frames, and samples over it with
/// recursion (a location or a function may come back in a stack).
fn inlined_profiles() -> impl Strategy<Value = (Vec<LocationSpec>, Vec<SampleSpec>)> {
    let pool = prop::collection::vec(
        (
            0..OUTER.len() + HELPERS.len(),
            prop::collection::vec(0..HELPERS.len(), 0..3),
        ),
        1..16,
    );
    pool.prop_flat_map(|pool| {
        let samples = prop::collection::vec(
            (prop::collection::vec(0..pool.len(), 1..10), -1000i64..5000),
            1..40,
        );
        (Just(pool), samples)
    })
}

/// Frame names of a pooled location, innermost first.
fn frames(spec: &LocationSpec) -> Vec<&'static str> {
    let (outer, inlined) = spec;
    let mut names: Vec<&str> = inlined.iter().map(|&h| HELPERS[h]).collect();
    names.push(function_name(*outer));
    names
}

fn build_inlined(pool: &[LocationSpec], samples: &[SampleSpec]) -> Profile {
    let mut b = Builder::new();
    let ids: Vec<u64> = pool
        .iter()
        .map(|spec| b.inlined_location(&frames(spec)))
        .collect();
    for (stack, value) in samples {
        let locations: Vec<u64> = stack.iter().map(|&l| ids[l]).collect();
        b.sample_at(&locations, 1, *value);
    }
    decode(&b.encode(), &DecodeOptions::default()).unwrap()
}

/// pprof's inline suffixes at function granularity, written out as its
/// graph builder does it: per sample, root first, each location's frames
/// outermost first; an edge is counted once per sample, with the inline
/// flag of that first crossing; edges lighter than the edge fraction of the
/// flat sum are trimmed.
fn reference_suffixes(
    pool: &[LocationSpec],
    samples: &[SampleSpec],
) -> BTreeMap<&'static str, &'static str> {
    reference_suffixes_among(pool, samples, |_| true)
}

/// [`reference_suffixes`] in the graph pprof rebuilds with only the `kept`
/// functions once it has trimmed nodes: a frame of another function is
/// passed over, so an edge runs from the nearest kept caller.
fn reference_suffixes_among(
    pool: &[LocationSpec],
    samples: &[SampleSpec],
    kept: impl Fn(&str) -> bool,
) -> BTreeMap<&'static str, &'static str> {
    let mut edges: BTreeMap<(&str, &str), (i64, bool)> = BTreeMap::new();
    let mut flat_sum = 0i64;
    for (stack, value) in samples {
        if *value == 0 {
            continue;
        }
        flat_sum += value;
        let mut seen = HashSet::new();
        let mut parent: Option<&str> = None;
        for &l in stack {
            let names = frames(&pool[l]);
            for (i, &name) in names.iter().enumerate().rev() {
                if !kept(name) {
                    continue;
                }
                let inline = i != names.len() - 1;
                if let Some(p) = parent.filter(|&p| p != name)
                    && seen.insert((p, name))
                {
                    let edge = edges.entry((p, name)).or_insert((0, true));
                    edge.0 += value;
                    edge.1 &= inline;
                }
                parent = Some(name);
            }
        }
    }
    let cutoff = ((flat_sum as f64 * EDGE_FRACTION) as i64).unsigned_abs();
    let mut kinds: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
    for ((_, callee), (weight, inline)) in edges {
        if weight.unsigned_abs() >= cutoff {
            let kind = kinds.entry(callee).or_default();
            if inline {
                kind.0 = true;
            } else {
                kind.1 = true;
            }
        }
    }
    kinds
        .into_iter()
        .filter_map(|(name, kind)| match kind {
            (true, true) => Some((name, " (partial-inline)")),
            (true, false) => Some((name, " (inline)")),
            _ => None,
        })
        .collect()
}

/// A diff's rows without node ids (which differ between the two ways of
/// computing it), in a canonical order.
fn diff_rows(comparison: &Lineup, granularity: Granularity) -> (Vec<String>, (i64, i64)) {
    let options = DiffOptions {
        sample_index: 1,
        granularity,
        unchanged: true,
        ..DiffOptions::default()
    };
    let result = diff(comparison, &options).unwrap();
    let mut rows: Vec<String> = result
        .rows
        .iter()
        .map(|r| {
            format!(
                "{}{} {} {} {} {}",
                r.name,
                r.inlined.suffix(),
                r.base_flat,
                r.new_flat,
                r.base_cum,
                r.new_cum
            )
        })
        .collect();
    rows.sort();
    (rows, (result.base_total, result.new_total))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn inline_suffixes_are_pprofs((pool, samples) in inlined_profiles()) {
        let profile = build_inlined(&pool, &samples);
        let expected = reference_suffixes(&pool, &samples);
        let suffix = |name: &str| expected.get(name).copied().unwrap_or("");
        // `top` resolves them in its sample walk when few nodes are inlinable…
        let options = TopOptions { sample_index: 1, ..TopOptions::default() };
        for row in top(&profile, &options).rows {
            prop_assert_eq!(row.inlined.suffix(), suffix(&row.name), "top: {}", row.name);
        }
        // …and in a second walk over the rows shown otherwise.
        let stacks = Stacks::new(&profile, Granularity::Functions, &Filters::default());
        let mut rows = node_totals(&stacks, 1);
        let flat_sum = rows.iter().map(|r| r.flat).sum();
        resolve_inlining(&stacks, 1, &mut rows, flat_sum);
        for row in rows {
            let name = &stacks.node(row.node).name;
            prop_assert_eq!(row.inlined.suffix(), suffix(name), "resolve: {}", name);
        }
    }

    #[test]
    fn inline_suffixes_in_a_trimmed_graph_are_pprofs(
        (pool, samples) in inlined_profiles(),
        rows in 1usize..8,
    ) {
        // Rows cut by count: a shown node's callers may be gone, and its
        // edges then run from the nearest shown caller.
        let profile = build_inlined(&pool, &samples);
        let options = TopOptions {
            sample_index: 1,
            node_count: rows,
            node_fraction: 0.0,
            ..TopOptions::default()
        };
        let shown = top(&profile, &options).rows;
        let kept: HashSet<&str> = shown.iter().map(|r| r.name.as_str()).collect();
        let expected = reference_suffixes_among(&pool, &samples, |name| kept.contains(name));
        for row in &shown {
            let suffix = expected.get(row.name.as_str()).copied().unwrap_or("");
            prop_assert_eq!(row.inlined.suffix(), suffix, "{} of {} rows", row.name, rows);
        }
    }

    #[test]
    fn summing_apart_is_merging((pool, samples) in inlined_profiles(), split in 0usize..40) {
        // The base holds no negative values: a saved diff as base is merged.
        // Half the base's samples come again in the new profile: their
        // values, and their call edges' weights, cancel.
        let split = split.min(samples.len());
        let base_samples: Vec<SampleSpec> =
            samples[..split].iter().map(|(s, v)| (s.clone(), v.abs())).collect();
        let mut new_samples = base_samples[..split / 2].to_vec();
        new_samples.extend_from_slice(&samples[split..]);
        let base = build_inlined(&pool, &base_samples);
        let new = build_inlined(&pool, &new_samples);
        let merged = Lineup::comparison(base.clone(), new.clone(), false)
            .unwrap()
            .into_merged()
            .unwrap();
        let apart = Lineup::comparison(base, new, false).unwrap();
        prop_assert!(apart.kept_apart() && !merged.kept_apart());
        for granularity in [
            Granularity::Functions,
            Granularity::FileFunctions,
            Granularity::Files,
            Granularity::Lines,
            Granularity::Addresses,
        ] {
            prop_assert_eq!(
                diff_rows(&apart, granularity),
                diff_rows(&merged, granularity),
                "{}", granularity
            );
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = decode(&bytes, &DecodeOptions::default());
        let _ = decode(&gzip(&bytes), &DecodeOptions::default());
    }

    #[test]
    fn mutated_profiles_never_panic(samples in profiles(), flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let mut bytes = random_profile(&samples).encode();
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
        let profile = decode(&random_profile(&samples).encode_gz(), &DecodeOptions::default()).unwrap();
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

/// Characters a hostile profile puts in its names: letters, the controls
/// that drive a terminal (C0, DEL, C1 such as CSI U+009B) and the bidi
/// controls that make text read backwards, and anything else.
fn hostile_name() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        3 => prop::char::range('a', 'z'),
        2 => prop::sample::select(vec![
            '\x1b', '\x07', '\0', '\r', '\t', '\n', '\x08', '\x7f', '\u{85}', '\u{9b}', '\u{9d}',
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '[', ']', ';', '.', '/',
        ]),
        1 => any::<char>(),
    ];
    prop::collection::vec(c, 1..16).prop_map(|cs| cs.into_iter().collect())
}

/// A profile's hostile strings: function names, file names, a sample
/// type name and a comment; and samples over the functions (root first)
/// with their values in the base and in the new profile.
type HostileSpec = (
    Vec<String>,
    Vec<String>,
    String,
    String,
    Vec<(Vec<usize>, i64, i64)>,
);

fn hostile_profiles() -> impl Strategy<Value = HostileSpec> {
    (
        prop::collection::vec(hostile_name(), 1..6),
        prop::collection::vec(hostile_name(), 1..4),
        hostile_name(),
        hostile_name(),
        prop::collection::vec(
            (
                prop::collection::vec(0usize..6, 1..6),
                0i64..5000,
                0i64..5000,
            ),
            1..12,
        ),
    )
}

/// One profile of a [`HostileSpec`]: the base's values or the new ones.
fn build_hostile(spec: &HostileSpec, new: bool) -> Profile {
    let (functions, files, sample_type, comment, samples) = spec;
    let mut b = Builder::new();
    for (stack, base, grown) in samples {
        let names: Vec<&str> = stack
            .iter()
            .map(|&i| functions[i % functions.len()].as_str())
            .collect();
        b.sample(&names, 1, if new { *grown } else { *base });
    }
    for i in 0..b.profile.function.len() {
        b.profile.function[i].filename = b.string(&files[i % files.len()]);
    }
    b.profile.sample_type[1].r#type = b.string(sample_type);
    let comment = b.string(comment);
    b.profile.comment.push(comment);
    decode(&b.encode(), &DecodeOptions::default()).unwrap()
}

/// The first character a terminal would act on rather than show: a C0
/// control other than the line feed ending each line, DEL, a C1 control,
/// or a bidi embedding, override or isolate.
fn first_control(text: &str) -> Option<(usize, char)> {
    text.char_indices().find(|&(_, c)| {
        matches!(c,
            '\0'..='\x09' | '\x0b'..='\x1f' | '\x7f'..='\u{9f}'
            | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

fn assert_no_controls(what: &str, out: Vec<u8>) -> Result<(), TestCaseError> {
    let text = String::from_utf8(out).map_err(|e| TestCaseError::fail(format!("{what}: {e}")))?;
    if let Some((at, c)) = first_control(&text) {
        let mut before: Vec<char> = text[..at].chars().rev().take(40).collect();
        before.reverse();
        return Err(TestCaseError::fail(format!(
            "{what}: {c:?} at byte {at}, after {:?}",
            before.into_iter().collect::<String>()
        )));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn text_reports_hold_no_control_characters(spec in hostile_profiles()) {
        let base = build_hostile(&spec, false);
        let new = build_hostile(&spec, true);
        for granularity in [
            Granularity::Functions,
            Granularity::FileFunctions,
            Granularity::Files,
            Granularity::Lines,
            Granularity::Addresses,
        ] {
            let options = TopOptions { sample_index: 1, granularity, ..TopOptions::default() };
            let table = top(&new, &options);
            let mut out = Vec::new();
            write_top(&mut out, &new, &table, &options.filters, &TextOptions::default()).unwrap();
            assert_no_controls(&format!("top -g {granularity}"), out)?;
        }
        let infos = [
            ProfileInfo { source: "base.pb.gz".to_owned(), ..ProfileInfo::default() },
            ProfileInfo { source: "new.pb.gz".to_owned(), ..ProfileInfo::default() },
        ];
        let comparison = Lineup::comparison(base.clone(), new.clone(), false).unwrap();
        for granularity in [Granularity::Functions, Granularity::Lines, Granularity::Stacks] {
            let options = DiffOptions {
                sample_index: 1,
                granularity,
                unchanged: true,
                ..DiffOptions::default()
            };
            let result = diff(&comparison, &options).unwrap();
            let mut out = Vec::new();
            write_diff(
                &mut out,
                &comparison.profiles(),
                [&infos[0], &infos[1]],
                &result,
                &options.filters,
                &DiffTextOptions::default(),
            )
            .unwrap();
            assert_no_controls(&format!("diff -g {granularity}"), out)?;
        }
        let snapshots = Lineup::snapshots(vec![base, new]).unwrap();
        let options = TrendOptions { sample_index: 1, ..TrendOptions::default() };
        let result = trend(&snapshots, None, &[], &options).unwrap();
        let mut out = Vec::new();
        write_trend(
            &mut out,
            &snapshots.profiles(),
            &infos,
            &result,
            &options.filters,
            &TrendTextOptions::default(),
        )
        .unwrap();
        assert_no_controls("trend", out)?;
    }
}
