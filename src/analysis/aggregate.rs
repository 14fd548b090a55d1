//! Flat and cumulative values per node: the numbers of `go tool pprof -top`.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::stacks::{NodeId, Stacks};
use crate::profile::Profile;

/// How a node was reached from its callers, for pprof's name suffixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Inlined {
    /// Never inlined (or a root): no suffix.
    #[default]
    No,
    /// Every call edge into it was inlined: ` (inline)`.
    Always,
    /// Some edges were: ` (partial-inline)`.
    Partly,
}

impl Inlined {
    /// The suffix pprof appends to the node's name.
    pub fn suffix(self) -> &'static str {
        match self {
            Inlined::No => "",
            Inlined::Always => " (inline)",
            Inlined::Partly => " (partial-inline)",
        }
    }
}

/// The totals of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeTotals {
    pub node: NodeId,
    /// Value of samples whose leaf is this node.
    pub flat: i64,
    /// Value of samples in which this node appears (once per sample).
    pub cum: i64,
    pub inlined: Inlined,
}

/// pprof's default `-edgefraction`: call edges lighter than this fraction of
/// the shown total are trimmed before the inline suffix is decided.
pub const EDGE_FRACTION: f64 = 0.001;

/// Sums flat and cum for every node reached by a kept sample with a
/// non-zero value of `sample_index`; nodes with flat = cum = 0 are left out.
pub fn node_totals(stacks: &Stacks<'_>, sample_index: usize) -> Vec<NodeTotals> {
    let profile = stacks.profile();
    let samples = profile.samples();
    let n = stacks.nodes().len();
    let mut flat = vec![0i64; n];
    let mut cum = vec![0i64; n];
    let mut seen = vec![u32::MAX; n];
    // Whether a node was ever entered from a caller through an inlined frame.
    let mut inlined_into = vec![false; n];
    let mut visit = 0u32;
    stacks.for_each(|s, frames| {
        let value = samples.value(s, sample_index);
        if value == 0 {
            return;
        }
        visit = visit.wrapping_add(1);
        let mut parent: Option<NodeId> = None;
        for frame in frames.iter().rev() {
            let i = frame.node.index();
            if seen[i] != visit {
                seen[i] = visit;
                cum[i] += value;
            }
            if frame.inline && parent.is_some_and(|p| p != frame.node) {
                inlined_into[i] = true;
            }
            parent = Some(frame.node);
        }
        flat[frames[0].node.index()] += value;
    });
    let flat_sum: i64 = flat.iter().sum();
    let edge_cutoff = ((flat_sum as f64 * EDGE_FRACTION) as i64).unsigned_abs();
    let inlined = if inlined_into.contains(&true) {
        edge_inlining(stacks, sample_index, &inlined_into, edge_cutoff)
    } else {
        HashMap::new()
    };
    (0..n)
        .filter(|&i| flat[i] != 0 || cum[i] != 0)
        .map(|i| NodeTotals {
            node: NodeId(i as u32),
            flat: flat[i],
            cum: cum[i],
            inlined: inlined.get(&NodeId(i as u32)).copied().unwrap_or_default(),
        })
        .collect()
}

/// An incoming call edge of a node that is sometimes inlined.
struct Edge {
    weight: i64,
    /// Inlined at every crossing (the first crossing per sample counts).
    always_inline: bool,
    last_sample: usize,
}

/// Decides the inline suffix of nodes that are ever entered inlined, the way
/// pprof does: call edges are summed (once per sample), edges lighter than
/// `cutoff` are trimmed, and the node is "inline" if all remaining incoming
/// edges are inlined, "partial-inline" if only some are.
pub(crate) fn edge_inlining(
    stacks: &Stacks<'_>,
    sample_index: usize,
    candidates: &[bool],
    cutoff: u64,
) -> HashMap<NodeId, Inlined> {
    let samples = stacks.profile().samples();
    let mut edges: HashMap<(NodeId, NodeId), Edge> = HashMap::new();
    stacks.for_each(|s, frames| {
        let value = samples.value(s, sample_index);
        if value == 0 {
            return;
        }
        let mut parent: Option<NodeId> = None;
        for frame in frames.iter().rev() {
            if let Some(p) = parent.filter(|&p| p != frame.node && candidates[frame.node.index()]) {
                let edge = edges.entry((p, frame.node)).or_insert(Edge {
                    weight: 0,
                    always_inline: true,
                    last_sample: usize::MAX,
                });
                if edge.last_sample != s {
                    edge.last_sample = s;
                    edge.weight += value;
                    edge.always_inline &= frame.inline;
                }
            }
            parent = Some(frame.node);
        }
    });
    let mut kinds: HashMap<NodeId, (bool, bool)> = HashMap::new();
    for ((_, to), edge) in edges {
        if edge.weight.unsigned_abs() < cutoff {
            continue;
        }
        let (inline, real) = kinds.entry(to).or_default();
        if edge.always_inline {
            *inline = true;
        } else {
            *real = true;
        }
    }
    kinds
        .into_iter()
        .filter_map(|(node, kind)| match kind {
            (true, true) => Some((node, Inlined::Partly)),
            (true, false) => Some((node, Inlined::Always)),
            _ => None,
        })
        .collect()
}

/// The report total as pprof computes it: the sum of |value| over all
/// samples, before focus filters (so percentages are of the whole profile);
/// in a `--diff-base` comparison, over the base samples only.
pub fn total(profile: &Profile, sample_index: usize) -> i64 {
    let samples = profile.samples();
    let mut total = 0i64;
    let mut base = 0i64;
    for s in 0..samples.len() {
        let v = samples.value(s, sample_index).saturating_abs();
        total = total.saturating_add(v);
        if samples.is_diff_base(s) {
            base = base.saturating_add(v);
        }
    }
    if base > 0 { base } else { total }
}

/// Row order of pprof's text report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// By |flat|, then name, then |cum| (pprof's default).
    #[default]
    Flat,
    /// By |cum|, then name (`-cum`).
    Cum,
}

/// Sorts rows the way pprof's `FlatNameOrder` / `CumNameOrder` do.
pub fn sort_totals(rows: &mut [NodeTotals], names: &[String], by: SortBy) {
    let order = |a: &NodeTotals, b: &NodeTotals| -> Ordering {
        let name = || names[a.node.index()].cmp(&names[b.node.index()]);
        match by {
            SortBy::Flat => b
                .flat
                .unsigned_abs()
                .cmp(&a.flat.unsigned_abs())
                .then_with(name)
                .then_with(|| b.cum.unsigned_abs().cmp(&a.cum.unsigned_abs())),
            SortBy::Cum => b
                .cum
                .unsigned_abs()
                .cmp(&a.cum.unsigned_abs())
                .then_with(name),
        }
    };
    rows.sort_by(order);
}
