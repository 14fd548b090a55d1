//! The call tree against a reference built the plain way, on random
//! profiles (recursion, duplicate stacks, zero and negative values, a
//! `--diff-base` side): every path node's values, the children and their
//! order, pprof's graph rules for flat/cum and peek edges (each sample
//! once per node and per edge), search coverage, the heaviest path of a
//! function, and the order in which `n`/`N` step through matches.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use pprof_tui::analysis::{CallId, CallTree, Filters, Granularity, Stacks, compile_regex};
use pprof_tui::profile::{DecodeOptions, Profile, decode, diff_base_owned};
use proptest::prelude::*;
use support::{random_profile, random_samples};

/// Random stacks (root first) over a few names, with recursion, and values.
fn samples() -> impl Strategy<Value = Vec<(Vec<usize>, i64)>> {
    random_samples(9, -300..1000)
}

fn profile(samples: &[(Vec<usize>, i64)]) -> Profile {
    decode(
        &random_profile(samples).encode_gz(),
        &DecodeOptions::default(),
    )
    .unwrap()
}

/// One sample as the reference reads it: names root first, value, side.
struct Sample {
    names: Vec<String>,
    value: i64,
    base: bool,
}

fn reference_samples(stacks: &Stacks<'_>, index: usize) -> Vec<Sample> {
    let samples = stacks.profile().samples();
    let mut out = Vec::new();
    stacks.for_each(|s, frames| {
        let value = samples.value(s, index);
        if value != 0 {
            out.push(Sample {
                names: frames
                    .iter()
                    .rev()
                    .map(|f| stacks.node(f.node).name.clone())
                    .collect(),
                value,
                base: samples.is_diff_base(s),
            });
        }
    });
    out
}

/// A path node of the reference trie.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Node {
    total: i64,
    self_total: i64,
    weight: i64,
    base: i64,
    samples: u64,
}

fn reference_trie(samples: &[Sample]) -> BTreeMap<Vec<String>, Node> {
    let mut trie: BTreeMap<Vec<String>, Node> = BTreeMap::new();
    for s in samples {
        for depth in 1..=s.names.len() {
            let n = trie.entry(s.names[..depth].to_vec()).or_default();
            n.total += s.value;
            n.samples += 1;
            if s.base {
                n.base += s.value.abs();
            } else {
                n.weight += s.value.abs();
            }
            if depth == s.names.len() {
                n.self_total += s.value;
            }
        }
    }
    trie
}

/// Every path node of the tree, children in the tree's order (heaviest
/// first), depth first: the order `n` visits matches in.
fn preorder(tree: &CallTree) -> Vec<CallId> {
    let mut out = Vec::new();
    let mut stack = vec![CallTree::ROOT];
    while let Some(id) = stack.pop() {
        out.push(id);
        stack.extend(tree.children(id).into_iter().rev());
    }
    out
}

fn check(profile: &Profile, index: usize) -> Result<(), TestCaseError> {
    let stacks = Stacks::new(profile, Granularity::Functions, &Filters::default());
    let tree = CallTree::build(&stacks, index);
    let samples = reference_samples(&stacks, index);
    let trie = reference_trie(&samples);
    let name_of = |id: CallId| tree.name(id).to_owned();

    // Every path node, its values and children.
    let nodes = preorder(&tree);
    prop_assert_eq!(nodes.len() - 1, trie.len(), "path nodes");
    prop_assert_eq!(tree.is_empty(), samples.is_empty());
    for &id in &nodes[1..] {
        let path = tree.path_names(id);
        let want = trie.get(&path).copied().unwrap_or_default();
        let c = tree.call(id);
        let got = Node {
            total: c.total,
            self_total: c.self_total,
            weight: c.weight,
            base: c.base,
            samples: c.samples,
        };
        prop_assert_eq!(got, want, "{:?}", path);
        prop_assert_eq!(c.depth as usize, path.len());
        prop_assert_eq!(tree.find_path(&path), id);
        prop_assert!(tree.is_ancestor(c.parent, id));
        prop_assert!(!tree.is_ancestor(id, c.parent) || c.parent == id);
        let kids = tree.children(id);
        let want_kids = trie
            .keys()
            .filter(|k| k.len() == path.len() + 1 && k.starts_with(&path))
            .count();
        prop_assert_eq!(kids.len(), want_kids, "children of {:?}", path);
        for pair in kids.windows(2) {
            let (a, b) = (tree.call(pair[0]), tree.call(pair[1]));
            let key = |n: &pprof_tui::analysis::CallNode| n.weight + n.base;
            prop_assert!(
                key(&a) > key(&b) || (key(&a) == key(&b) && name_of(pair[0]) < name_of(pair[1]))
            );
        }
        for &k in &kids {
            prop_assert_eq!(tree.call(k).parent, id);
        }
    }
    let deepest = trie.keys().map(Vec::len).max().unwrap_or(0) as u32;
    prop_assert_eq!(tree.deepest(CallTree::ROOT), deepest);

    for (n, info) in stacks.nodes().iter().enumerate() {
        let node = pprof_tui::analysis::NodeId(n as u32);
        let name = &info.name;
        // pprof's rules: cum counts each sample once, flat its leaf.
        let through: Vec<&Sample> = samples.iter().filter(|s| s.names.contains(name)).collect();
        let sums = tree.node_sums()[n];
        let cum: i64 = through.iter().map(|s| s.value).sum();
        let flat: i64 = samples
            .iter()
            .filter(|s| s.names.last() == Some(name))
            .map(|s| s.value)
            .sum();
        prop_assert_eq!((sums.flat, sums.cum), (flat, cum), "{}", name);
        // Peek: each edge once per sample.
        let peek = tree.peek(node);
        prop_assert_eq!((peek.flat, peek.cum), (flat, cum));
        let mut callers: BTreeMap<String, i64> = BTreeMap::new();
        let mut callees: BTreeMap<String, i64> = BTreeMap::new();
        for s in &through {
            let mut into = BTreeSet::new();
            let mut out = BTreeSet::new();
            for (i, n) in s.names.iter().enumerate() {
                if n != name {
                    continue;
                }
                if i > 0 && s.names[i - 1] != *name {
                    into.insert(s.names[i - 1].clone());
                }
                if i + 1 < s.names.len() && s.names[i + 1] != *name {
                    out.insert(s.names[i + 1].clone());
                }
            }
            for c in into {
                *callers.entry(c).or_default() += s.value;
            }
            for c in out {
                *callees.entry(c).or_default() += s.value;
            }
        }
        let got = |edges: &[pprof_tui::analysis::PeekEdge]| -> BTreeMap<String, i64> {
            edges
                .iter()
                .map(|e| (stacks.node(e.node).name.clone(), e.total))
                .collect()
        };
        prop_assert_eq!(got(&peek.callers), callers, "callers of {}", name);
        prop_assert_eq!(got(&peek.callees), callees, "callees of {}", name);
        // The heaviest path through the function.
        let heaviest = trie
            .iter()
            .filter(|(path, _)| path.last() == Some(name))
            .map(|(_, n)| n.weight.max(n.base))
            .max();
        let got = tree.heaviest(node).map(|id| {
            let c = tree.call(id);
            c.weight.max(c.base)
        });
        prop_assert_eq!(got, heaviest, "heaviest {}", name);
        // Coverage of a search for the function.
        let re = compile_regex("search", &format!("^{}$", regex::escape(name))).unwrap();
        let cov = tree.coverage(&re, CallTree::ROOT);
        let frames = trie.keys().filter(|p| p.last() == Some(name)).count() as u64;
        prop_assert_eq!(cov.frames, frames);
        prop_assert_eq!(cov.samples, through.len() as u64);
        prop_assert_eq!(cov.total, cum);
        // `n` and `N` step through the matches in pre-order, wrapping.
        let matches: Vec<CallId> = nodes
            .iter()
            .copied()
            .filter(|&id| id != CallTree::ROOT && tree.name(id) == name)
            .collect();
        let first = tree.find_match(&re, CallTree::ROOT, CallTree::ROOT, true);
        let last = tree.find_match(&re, CallTree::ROOT, CallTree::ROOT, false);
        prop_assert_eq!(first, matches.first().copied());
        prop_assert_eq!(last, matches.last().copied());
        for (i, &m) in matches.iter().enumerate() {
            let next = matches[(i + 1) % matches.len()];
            let prev = matches[(i + matches.len() - 1) % matches.len()];
            prop_assert_eq!(tree.find_match(&re, CallTree::ROOT, m, true), Some(next));
            prop_assert_eq!(tree.find_match(&re, CallTree::ROOT, m, false), Some(prev));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_call_tree_is_the_plain_trie(samples in samples()) {
        check(&profile(&samples), 1)?;
    }

    #[test]
    fn a_diff_base_tree_keeps_both_sides(new in samples(), base in samples()) {
        let merged = diff_base_owned(profile(&new), &profile(&base), false).unwrap();
        check(&merged, 1)?;
    }
}
