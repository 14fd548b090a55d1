//! bytes → decode → the whole engine, the way the command line drives it:
//! `top` at every granularity for every sample type (text and JSON), a
//! diff of the profile against itself, a trend of two copies, the call
//! tree with its flame layout and peek tables, and the folded and SVG
//! exports, all into memory. Errors are fine (an empty view cannot be
//! drawn); panics, hangs and `internal error`s are findings.
//!
//! Work per input is bounded by the model's size, not the input's: a
//! gzip'd input can decode to a large model, and a slow run on a large
//! model is only big, not a hang. What is skipped is counted by
//! [`Budget`], so a slow input that passes it is a real finding.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pprof_tui::analysis::diff::{DiffOptions, GrowthOrder, diff};
use pprof_tui::analysis::trend::{TrendOptions, trend};
use pprof_tui::analysis::{
    CallTree, Filters, Granularity, Lineup, Sides, SortBy, Stacks, TopOptions, compile_regex,
    flame_layout, top,
};
use pprof_tui::export::{ExportError, ExportView, SvgOptions, write_folded, write_svg};
use pprof_tui::profile::{DecodeOptions, Profile, decode, merge};
use pprof_tui::report::ProfileInfo;
use pprof_tui::report::diff::{DiffTextOptions, diff_json, write_diff};
use pprof_tui::report::json::top_json;
use pprof_tui::report::text::{TextOptions, write_top};
use pprof_tui::report::trend::{TrendTextOptions, trend_json, write_trend};

fuzz_target!(|bytes: &[u8]| {
    let options = DecodeOptions {
        max_decompressed: 16 << 20,
    };
    let Ok(profile) = decode(bytes, &options) else {
        return;
    };
    let Some(budget) = Budget::of(&profile) else {
        return;
    };
    analyze(&profile, &budget);
});

/// How much the engine may be asked to do for one input.
struct Budget {
    /// Whether the exports (whose output grows with depth × name length)
    /// fit too.
    exports: bool,
}

/// Frames over all samples (inline frames expanded), at most.
const MAX_FRAMES: u64 = 200_000;
/// Bytes of frame names over all samples' stacks, at most, for the exports.
const MAX_NAME_BYTES: u64 = 32 << 20;
/// Sample types analysed (each one repeats every granularity).
const MAX_TYPES: usize = 4;

impl Budget {
    fn of(profile: &Profile) -> Option<Budget> {
        let samples = profile.samples();
        let mut frames = 0u64;
        let mut name_bytes = 0u64;
        let longest = profile
            .functions
            .iter()
            .map(|f| profile.string(f.name).len() + profile.string(f.filename).len())
            .chain(
                profile
                    .mappings
                    .iter()
                    .map(|m| profile.string(m.file).len()),
            )
            .max()
            .unwrap_or(0) as u64
            + 64;
        for s in 0..samples.len() {
            for id in samples.stack(s) {
                let lines = profile.lines(profile.location(id)).len().max(1) as u64;
                frames += lines;
                name_bytes += lines * longest;
            }
            if frames > MAX_FRAMES {
                return None;
            }
        }
        if samples.len() as u64 * profile.sample_types.len() as u64 > 4 * MAX_FRAMES {
            return None;
        }
        Some(Budget {
            exports: name_bytes <= MAX_NAME_BYTES,
        })
    }
}

fn analyze(profile: &Profile, budget: &Budget) {
    let types = profile.sample_types.len();
    let mut indices: Vec<usize> = (0..types.min(MAX_TYPES)).collect();
    let default = profile.default_sample_index();
    if !indices.contains(&default) {
        indices.push(default);
    }
    let focus = Filters {
        focus: compile_regex("--focus", "main|runtime").ok(),
        hide: compile_regex("--hide", "^runtime\\.").ok(),
        ..Filters::default()
    };
    for &sample_index in &indices {
        for granularity in Granularity::ALL {
            top_report(profile, sample_index, granularity, &Filters::default());
            tree_and_flame(profile, sample_index, granularity);
            // The exports' code does not depend on the sample type: once
            // (at the default one) is enough, and SVGs are the slowest.
            if budget.exports && sample_index == default {
                let svg = matches!(granularity, Granularity::Functions | Granularity::Lines);
                exports(profile, sample_index, granularity, svg);
            }
        }
        top_report(profile, sample_index, Granularity::Functions, &focus);
    }
    self_diff(profile, default);
    self_trend(profile, default);
    if let Ok(merged) = merge(&[profile, profile]) {
        top_report(
            &merged,
            merged.default_sample_index(),
            Granularity::Functions,
            &Filters::default(),
        );
    }
}

fn top_report(profile: &Profile, sample_index: usize, granularity: Granularity, filters: &Filters) {
    for (sort, node_fraction) in [(SortBy::Flat, 0.005), (SortBy::Cum, 0.0)] {
        let options = TopOptions {
            sample_index,
            granularity,
            filters: filters.clone(),
            sort: sort.into(),
            first_suffixes: None,
            node_count: 0,
            node_fraction,
            demangle: Default::default(),
        };
        let table = top(profile, &options);
        let text = TextOptions {
            unit: "minimum".to_owned(),
            node_fraction,
        };
        let mut out = Vec::new();
        write_top(&mut out, profile, &table, filters, &text).expect("writing to memory");
        std::hint::black_box(top_json(&table).to_string());
    }
}

fn tree_and_flame(profile: &Profile, sample_index: usize, granularity: Granularity) {
    let stacks = Stacks::new(profile, granularity, &Filters::default());
    let tree = CallTree::build(&stacks, sample_index);
    let rects = flame_layout(&tree, CallTree::ROOT, 200, 0..64);
    // Zoom on the widest frame one row down, as the TUI's Enter does.
    if let Some(rect) = rects
        .iter()
        .filter(|r| r.depth == 1)
        .max_by_key(|r| r.width)
    {
        let zoomed = flame_layout(&tree, rect.call, 200, 0..64);
        std::hint::black_box(zoomed.len());
        std::hint::black_box(tree.path_names(rect.call));
        let node = tree.call(rect.call).node;
        std::hint::black_box(tree.peek(node));
        std::hint::black_box(tree.heaviest(node));
        std::hint::black_box(tree.deepest(rect.call));
        let names = tree.path_names(rect.call);
        std::hint::black_box(tree.find_path(&names));
    }
    // A search over every frame: coverage and stepping through matches.
    if let Ok(re) = compile_regex("search", ".") {
        std::hint::black_box(tree.coverage(&re, CallTree::ROOT));
        let first = tree.find_match(&re, CallTree::ROOT, CallTree::ROOT, true);
        if let Some(first) = first {
            std::hint::black_box(tree.find_match(&re, CallTree::ROOT, first, true));
            std::hint::black_box(tree.find_match(&re, CallTree::ROOT, first, false));
        }
    }
    std::hint::black_box(tree.node_sums());
}

fn exports(profile: &Profile, sample_index: usize, granularity: Granularity, svg: bool) {
    let sides = Sides {
        new: profile,
        base: None,
        normalize: false,
    };
    let view = ExportView::of(sides, sample_index, granularity, Filters::default());
    let options = SvgOptions {
        javascript: false,
        ..SvgOptions::default()
    };
    check(write_folded(&view, &mut Vec::new()));
    if svg {
        check(write_svg(&view, &options, &mut Vec::new()));
    }
    let diff_view = ExportView {
        sides: Sides {
            base: Some(profile),
            ..sides
        },
        ..view
    };
    check(write_folded(&diff_view, &mut Vec::new()));
    if svg {
        check(write_svg(&diff_view, &options, &mut Vec::new()));
    }
}

/// Export errors that input can cause are fine; an internal one is a bug.
fn check<T>(result: Result<T, ExportError>) {
    if let Err(err @ ExportError::Internal(_)) = result {
        panic!("{err}");
    }
}

fn info(name: &str, profile: &Profile) -> ProfileInfo {
    ProfileInfo {
        source: name.to_owned(),
        time_nanos: profile.time_nanos,
        memstats: None,
        heap_gap: None,
    }
}

fn self_diff(profile: &Profile, sample_index: usize) {
    for normalize in [false, true] {
        let Ok(comparison) = Lineup::comparison(profile.clone(), profile.clone(), normalize) else {
            continue;
        };
        for granularity in [
            Granularity::Functions,
            Granularity::Lines,
            Granularity::Stacks,
        ] {
            let options = DiffOptions {
                sample_index,
                granularity,
                unchanged: true,
                order: if normalize {
                    GrowthOrder::Relative
                } else {
                    GrowthOrder::Absolute
                },
                ..DiffOptions::default()
            };
            let Ok(result) = diff(&comparison, &options) else {
                continue;
            };
            let (base, new) = (info("base", profile), info("new", profile));
            let text = DiffTextOptions::default();
            let mut out = Vec::new();
            write_diff(
                &mut out,
                &comparison.profiles(),
                [&base, &new],
                &result,
                &options.filters,
                &text,
            )
            .expect("writing to memory");
            std::hint::black_box(diff_json([&base, &new], &result, &text).to_string());
        }
    }
}

fn self_trend(profile: &Profile, sample_index: usize) {
    let Ok(snapshots) = Lineup::snapshots(vec![profile.clone(), profile.clone()]) else {
        return;
    };
    let options = TrendOptions {
        sample_index,
        ..TrendOptions::default()
    };
    let Ok(result) = trend(&snapshots, None, &options) else {
        return;
    };
    let infos = [info("one", profile), info("two", profile)];
    let mut out = Vec::new();
    write_trend(
        &mut out,
        &snapshots.profiles(),
        &infos,
        &result,
        &options.filters,
        &TrendTextOptions::default(),
    )
    .expect("writing to memory");
    std::hint::black_box(trend_json(&infos, &result, SortBy::Flat, false, &[]).to_string());
}
