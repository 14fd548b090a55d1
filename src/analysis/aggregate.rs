//! Flat and cumulative values per node: the numbers of `go tool pprof -top`.

use std::cmp::Ordering;
use std::ops::Range;

use rustc_hash::FxHashMap;

use super::parallel::map_ranges;
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
/// `inlined` is left at [`Inlined::No`]: call [`resolve_inlining`] on the
/// rows that will be shown.
///
/// Large profiles are split across threads by sample range; each part keeps
/// its own sums and the parts are added, so the result does not depend on
/// the split.
pub fn node_totals(stacks: &Stacks<'_>, sample_index: usize) -> Vec<NodeTotals> {
    let n = stacks.nodes().len();
    let sum = sum_parallel(stacks, sample_index, &vec![false; n], None);
    (0..n)
        .filter(|&i| sum.flat[i] != 0 || sum.cum[i] != 0)
        .map(|i| NodeTotals {
            node: NodeId(i as u32),
            flat: sum.flat[i],
            cum: sum.cum[i],
            inlined: Inlined::No,
        })
        .collect()
}

/// Per node: whether some location shows it inlined into a caller (only
/// such nodes can get an inline suffix).
fn inline_capable(stacks: &Stacks<'_>) -> Vec<bool> {
    let mut capable = vec![false; stacks.nodes().len()];
    for frame in stacks.all_frames() {
        if frame.inline {
            capable[frame.node.index()] = true;
        }
    }
    capable
}

/// [`node_totals`], with the inline suffixes of all nodes resolved in the
/// same walk when that is cheap — when few nodes are ever inlined, as in Go
/// programs, where only small functions are. Returns `false` (suffixes left
/// unresolved) otherwise: tracking the call edges of most nodes costs more
/// than a second walk over the samples for the rows actually shown
/// ([`resolve_inlining`]).
pub fn node_totals_inlined(stacks: &Stacks<'_>, sample_index: usize) -> (Vec<NodeTotals>, bool) {
    /// At most one node in this many may be inline-capable for the single walk.
    const SPARSE: usize = 8;
    let n = stacks.nodes().len();
    let capable = inline_capable(stacks);
    if capable.iter().filter(|&&c| c).count() * SPARSE > n {
        return (node_totals(stacks, sample_index), false);
    }
    let sum = sum_parallel(stacks, sample_index, &capable, None);
    let flat_sum: i64 = sum.flat.iter().sum();
    let kinds = sum.inlining(((flat_sum as f64 * EDGE_FRACTION) as i64).unsigned_abs());
    let rows = (0..n)
        .filter(|&i| sum.flat[i] != 0 || sum.cum[i] != 0)
        .map(|i| NodeTotals {
            node: NodeId(i as u32),
            flat: sum.flat[i],
            cum: sum.cum[i],
            inlined: kinds.get(&(i as u32)).copied().unwrap_or_default(),
        })
        .collect();
    (rows, true)
}

/// Fills in pprof's ` (inline)` / ` (partial-inline)` suffixes for `rows`.
///
/// pprof decides them from call edges: edges lighter than
/// [`EDGE_FRACTION`] of `flat_sum` (the sum of flat over all nodes) are
/// trimmed, then a node is "inline" if every remaining incoming edge is
/// inlined and "partial-inline" if only some are. Edges are summed only into
/// the given rows' nodes, and only for those some location shows inlined,
/// so resolving the few rows on screen stays cheap on huge profiles.
pub fn resolve_inlining(
    stacks: &Stacks<'_>,
    sample_index: usize,
    rows: &mut [NodeTotals],
    flat_sum: i64,
) {
    let n = stacks.nodes().len();
    let inlined_somewhere = inline_capable(stacks);
    let mut candidate = vec![false; n];
    let mut any = false;
    for row in rows.iter() {
        if inlined_somewhere[row.node.index()] {
            candidate[row.node.index()] = true;
            any = true;
        }
    }
    if !any {
        return;
    }
    let touching = stacks.locations_containing(&candidate);
    let sum = sum_parallel(stacks, sample_index, &candidate, Some(&touching));
    let cutoff = ((flat_sum as f64 * EDGE_FRACTION) as i64).unsigned_abs();
    let kinds = sum.inlining(cutoff);
    for row in rows {
        row.inlined = kinds.get(&row.node.0).copied().unwrap_or_default();
    }
}

/// Sums all kept samples, in parallel for large profiles, tracking call
/// edges into the `edge_targets` nodes.
fn sum_parallel(
    stacks: &Stacks<'_>,
    sample_index: usize,
    edge_targets: &[bool],
    touching: Option<&[bool]>,
) -> Partial {
    let n = stacks.nodes().len();
    let samples = stacks.profile().samples().len();
    let partials = map_ranges(samples, |range| {
        Partial::sum(stacks, sample_index, edge_targets, touching, range)
    });
    let mut parts = partials.into_iter();
    let mut sum = parts.next().unwrap_or_else(|| Partial::new(n));
    for part in parts {
        sum.add(part);
    }
    sum
}

/// A call edge into a node whose inline suffix is being resolved.
#[derive(Clone, Copy)]
struct Edge {
    weight: i64,
    /// Inlined at every crossing (only the first crossing per sample counts).
    always_inline: bool,
    last_sample: u32,
}

/// Sums over one range of samples.
struct Partial {
    flat: Vec<i64>,
    cum: Vec<i64>,
    /// Keyed by `caller << 32 | callee`.
    edges: FxHashMap<u64, Edge>,
}

impl Partial {
    fn new(n: usize) -> Partial {
        Partial {
            flat: vec![0; n],
            cum: vec![0; n],
            edges: FxHashMap::default(),
        }
    }

    fn sum(
        stacks: &Stacks<'_>,
        sample_index: usize,
        candidate: &[bool],
        touching: Option<&[bool]>,
        range: Range<usize>,
    ) -> Partial {
        let samples = stacks.profile().samples();
        let n = stacks.nodes().len();
        let mut part = Partial::new(n);
        let mut seen = vec![u32::MAX; n];
        let mut scratch = Vec::with_capacity(64);
        stacks.for_each_stack_where(range, touching, |s, stack| {
            let value = samples.value(s, sample_index);
            if value == 0 {
                return;
            }
            let stamp = s as u32;
            let mut parent: Option<NodeId> = None;
            let mut leaf = None;
            stack.visit_root_first(&mut scratch, |frame| {
                let i = frame.node.index();
                if seen[i] != stamp {
                    seen[i] = stamp;
                    part.cum[i] += value;
                }
                if candidate[i]
                    && let Some(p) = parent.filter(|&p| p != frame.node)
                {
                    let key = u64::from(p.0) << 32 | u64::from(frame.node.0);
                    let edge = part.edges.entry(key).or_insert(Edge {
                        weight: 0,
                        always_inline: true,
                        last_sample: u32::MAX,
                    });
                    if edge.last_sample != stamp {
                        edge.last_sample = stamp;
                        edge.weight += value;
                        edge.always_inline &= frame.inline;
                    }
                }
                parent = Some(frame.node);
                leaf = Some(frame.node);
            });
            if let Some(leaf) = leaf {
                part.flat[leaf.index()] += value;
            }
        });
        part
    }

    fn add(&mut self, other: Partial) {
        for (a, b) in self.flat.iter_mut().zip(other.flat) {
            *a += b;
        }
        for (a, b) in self.cum.iter_mut().zip(other.cum) {
            *a += b;
        }
        for (key, edge) in other.edges {
            self.edges
                .entry(key)
                .and_modify(|e| {
                    e.weight += edge.weight;
                    e.always_inline &= edge.always_inline;
                })
                .or_insert(edge);
        }
    }

    /// pprof's inline suffixes: edges lighter than `cutoff` are trimmed; a
    /// node is "inline" if every remaining incoming edge is inlined,
    /// "partial-inline" if only some are.
    fn inlining(&self, cutoff: u64) -> FxHashMap<u32, Inlined> {
        let mut kinds: FxHashMap<u32, (bool, bool)> = FxHashMap::default();
        for (&key, edge) in &self.edges {
            if edge.weight.unsigned_abs() < cutoff {
                continue;
            }
            let (inline, real) = kinds.entry(key as u32).or_default();
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
