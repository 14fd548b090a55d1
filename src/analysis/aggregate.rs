//! Flat and cumulative values per node: the numbers of `go tool pprof -top`.

use std::cmp::Ordering;
use std::ops::Range;

use foldhash::HashMap;

use super::stacks::{NO_BLOCK, NodeId, Stacks};
use crate::parallel::map_weighted_ranges;
use crate::profile::Profile;
use crate::profile::Samples;

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
    let sums = Sums::walk(stacks, sample_index, Groups::ONE, &vec![false; n]);
    sums.totals(|_| Inlined::No)
}

/// [`node_totals`], with the inline suffixes of all nodes resolved in the
/// same walk when that is cheap ([`SuffixesInWalk::WhenSparse`]). Returns
/// `false` (suffixes left unresolved) otherwise.
pub fn node_totals_inlined(stacks: &Stacks<'_>, sample_index: usize) -> (Vec<NodeTotals>, bool) {
    let (sums, kinds) = Sums::with_suffixes(
        stacks,
        sample_index,
        Groups::ONE,
        SuffixesInWalk::WhenSparse,
    );
    let resolved = kinds.is_some();
    let kinds = kinds.unwrap_or_default();
    let rows = sums.totals(|node| kinds.get(&node.0).copied().unwrap_or_default());
    (rows, resolved)
}

/// [`node_totals_inlined`] with the suffixes of every node resolved in the
/// walk, however many nodes are inlined: for a table that shows every node
/// (a second walk for all the rows would cost more).
pub(crate) fn node_totals_all_inlined(stacks: &Stacks<'_>, sample_index: usize) -> Vec<NodeTotals> {
    let (sums, kinds) =
        Sums::with_suffixes(stacks, sample_index, Groups::ONE, SuffixesInWalk::Always);
    let kinds = kinds.unwrap_or_default();
    sums.totals(|node| kinds.get(&node.0).copied().unwrap_or_default())
}

/// Which nodes' inline suffixes the walk that sums the nodes resolves too,
/// by tracking the call edges into them as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuffixesInWalk {
    /// None: for a ranking that keeps only some rows, which resolves theirs
    /// afterwards in a walk over their call edges alone
    /// ([`resolve_inlining`]). Tracking edges in the sums' walk costs it
    /// more than that second walk does.
    Never,
    /// Every node's when few nodes are ever inlined (at most one in
    /// [`SPARSE_INLINING`]), as in Go programs, where only small functions
    /// are; none otherwise, as tracking the call edges of most nodes costs
    /// more than a second walk for the rows kept.
    WhenSparse,
    /// Every node's, however many are inlined.
    Always,
}

impl SuffixesInWalk {
    /// For a ranking that keeps its first `node_count` rows, or every row
    /// when `node_count` is 0.
    pub(crate) fn keeping(node_count: usize) -> SuffixesInWalk {
        if node_count == 0 {
            SuffixesInWalk::WhenSparse
        } else {
            SuffixesInWalk::Never
        }
    }

    /// Whether the walk tracks call edges, in a view of `nodes` nodes of
    /// which `inline_capable` are shown inlined by some location.
    pub(crate) fn tracks(self, inline_capable: usize, nodes: usize) -> bool {
        match self {
            SuffixesInWalk::Never => false,
            SuffixesInWalk::WhenSparse => inline_capable.saturating_mul(SPARSE_INLINING) <= nodes,
            SuffixesInWalk::Always => true,
        }
    }
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
    resolve_inlining_among(stacks, sample_index, rows, flat_sum, None);
}

/// [`resolve_inlining`] in a graph that holds only the `kept` nodes, as
/// pprof's does once it has trimmed nodes (by `-nodefraction`, or by
/// `-nodecount`): pprof rebuilds its graph from the samples with the other
/// nodes left out, so a call edge runs from the nearest kept caller and is
/// inlined when the callee's frame is not the outermost of its location.
/// The suffix of a node whose caller was dropped can change with it.
pub fn resolve_inlining_among(
    stacks: &Stacks<'_>,
    sample_index: usize,
    rows: &mut [NodeTotals],
    flat_sum: i64,
    kept: Option<&[bool]>,
) {
    let n = stacks.nodes().len();
    let inlined_somewhere = stacks.inline_capable();
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
    let sums = Sums::walk_edges(stacks, sample_index, &candidate, kept);
    let kinds = sums.inlining(edge_cutoff(flat_sum));
    for row in rows {
        row.inlined = kinds.get(&row.node.0).copied().unwrap_or_default();
    }
}

/// Inline suffixes are resolved in the sample walk itself only when at most
/// one node in this many is inline-capable.
const SPARSE_INLINING: usize = 8;

/// The weight below which pprof trims a call edge.
pub(crate) fn edge_cutoff(flat_sum: i64) -> i64 {
    ((flat_sum as f64 * EDGE_FRACTION) as i64).wrapping_abs()
}

/// What walking sample `s` costs, for splitting a walk over threads
/// ([`map_weighted_ranges`]): a frame is one, and a sample whose value of
/// `sample_index` is zero is skipped at once.
pub(crate) fn walk_weight(samples: &Samples, sample_index: usize) -> impl Fn(usize) -> u64 + '_ {
    move |s| {
        if samples.value(s, sample_index) == 0 {
            1
        } else {
            samples.stack_raw(s).len() as u64 + 1
        }
    }
}

/// How the samples are split into groups summed apart (the two sides of a
/// diff, the snapshots of a trend): `of(sample)` names a sample's group, or
/// `None` to leave it out.
#[derive(Clone, Copy)]
pub(crate) struct Groups<F> {
    pub count: usize,
    pub of: F,
}

impl Groups<fn(usize) -> Option<usize>> {
    /// Every sample in one group.
    pub const ONE: Self = Groups {
        count: 1,
        of: |_| Some(0),
    };
}

/// A call edge into a node whose inline suffix is being resolved.
#[derive(Clone, Copy)]
struct Edge {
    weight: i64,
    /// Inlined at every crossing (only the first crossing per sample counts).
    always_inline: bool,
    last_sample: u32,
}

impl Edge {
    const NEW: Edge = Edge {
        weight: 0,
        always_inline: true,
        last_sample: u32::MAX,
    };
}

/// Flat and cum per node and group, and the call edges into chosen nodes
/// (summed over all groups, signed values as they are: what pprof's graph
/// holds for a merged or `-diff_base` profile).
///
/// Most edges into inlined functions lie inside one location (its inlined
/// frames), and in a stack where no node repeats every edge is crossed once.
/// Such samples add their value to the location's block
/// ([`StackRef::visit_root_first_in_blocks`]) — an array slot, not a hash
/// lookup — and the blocks are spread over their edges at the end. Edges
/// between locations, and all edges of samples with a repeated node (where
/// pprof counts an edge once per sample, with the inline flag of its first
/// crossing), go to the edge map.
///
/// [`StackRef::visit_root_first_in_blocks`]: super::stacks::StackRef::visit_root_first_in_blocks
pub(crate) struct Sums {
    groups: usize,
    /// `flat[node * groups + group]`.
    flat: Vec<i64>,
    cum: Vec<i64>,
    /// Keyed by `caller << 32 | callee`.
    edges: HashMap<u64, Edge>,
    /// Per block: the value of the samples crossing it without repeats, and
    /// whether any did (empty when no edges are tracked).
    blocks: Vec<i64>,
    block_crossed: Vec<bool>,
}

/// What [`Sums::walk_edges`] does at a location: visit its frames (a kept
/// frame of it is a candidate), or hand on no caller (no frame of it is
/// kept); any other step is the node it hands on.
const VISITED: u32 = u32::MAX;
const HANDS_ON_NONE: u32 = u32::MAX - 1;

/// The key of the call edge `caller → callee`.
fn edge_key(caller: NodeId, callee: NodeId) -> u64 {
    u64::from(caller.0) << 32 | u64::from(callee.0)
}

impl Sums {
    fn new(nodes: usize, groups: usize, blocks: usize) -> Sums {
        Sums {
            groups,
            flat: vec![0; nodes * groups],
            cum: vec![0; nodes * groups],
            edges: HashMap::default(),
            blocks: vec![0; blocks],
            block_crossed: vec![false; blocks],
        }
    }

    /// Sums computed elsewhere (`flat[node * groups + group]`), with no edges.
    pub(crate) fn from_columns(groups: usize, flat: Vec<i64>, cum: Vec<i64>) -> Sums {
        Sums {
            groups,
            flat,
            cum,
            edges: HashMap::default(),
            blocks: Vec::new(),
            block_crossed: Vec::new(),
        }
    }

    /// Adds one sample's crossing of an edge, counting it once per sample.
    fn cross(&mut self, key: u64, inline: bool, value: i64, stamp: u32) {
        let edge = self.edges.entry(key).or_insert(Edge::NEW);
        if edge.last_sample != stamp {
            edge.last_sample = stamp;
            edge.weight = edge.weight.wrapping_add(value);
            edge.always_inline &= inline;
        }
    }

    /// Spreads the blocks' values over the edges inside them.
    fn spread_blocks(&mut self, stacks: &Stacks<'_>, candidate: &[bool]) {
        if self.blocks.is_empty() {
            return;
        }
        for (block, frames) in stacks.blocks() {
            let b = block as usize;
            if !self.block_crossed[b] {
                continue;
            }
            let value = self.blocks[b];
            let mut parent: Option<NodeId> = None;
            for frame in frames {
                if frame.inline
                    && candidate[frame.node.index()]
                    && let Some(p) = parent.filter(|&p| p != frame.node)
                {
                    let edge = self
                        .edges
                        .entry(edge_key(p, frame.node))
                        .or_insert(Edge::NEW);
                    edge.weight = edge.weight.wrapping_add(value);
                }
                parent = Some(frame.node);
            }
        }
        self.blocks = Vec::new();
        self.block_crossed = Vec::new();
    }

    /// Sums all kept samples, in parallel for large profiles, tracking call
    /// edges into the `edge_targets` nodes.
    pub(crate) fn walk<F: Fn(usize) -> Option<usize> + Sync>(
        stacks: &Stacks<'_>,
        sample_index: usize,
        groups: Groups<F>,
        edge_targets: &[bool],
    ) -> Sums {
        let n = stacks.nodes().len();
        let samples = stacks.profile().samples();
        let parts =
            map_weighted_ranges(samples.len(), walk_weight(samples, sample_index), |range| {
                Sums::sum(stacks, sample_index, &groups, edge_targets, range)
            });
        let mut parts = parts.into_iter();
        let mut sums = parts
            .next()
            .unwrap_or_else(|| Sums::new(n, groups.count, 0));
        for part in parts {
            sums.add(part);
        }
        sums.spread_blocks(stacks, edge_targets);
        sums
    }

    /// The call edges into the `candidate` nodes alone, over the samples
    /// through them, from each one's nearest caller among the `kept` nodes
    /// (all nodes when `None`: pprof's graph once it has trimmed nodes, see
    /// [`resolve_inlining_among`]); no flat or cum. A location none of
    /// whose kept frames is a candidate is one read in the walk: the caller
    /// it hands on (its innermost kept frame, or none); only the frames of
    /// the others are visited. Every crossing goes through [`Sums::cross`],
    /// counted once per sample with the inline flag of its first, which is
    /// what the blocks of [`Sums::walk`] add up to where no node repeats.
    pub(crate) fn walk_edges(
        stacks: &Stacks<'_>,
        sample_index: usize,
        candidate: &[bool],
        kept: Option<&[bool]>,
    ) -> Sums {
        let is_kept = |node: NodeId| kept.is_none_or(|k| k[node.index()]);
        let steps: Vec<u32> = (0..stacks.location_count() as u32)
            .map(|l| {
                let mut step = HANDS_ON_NONE;
                for frame in stacks.frames_root_first(l) {
                    if !is_kept(frame.node) {
                        continue;
                    }
                    if candidate[frame.node.index()] {
                        return VISITED;
                    }
                    step = frame.node.0;
                }
                step
            })
            .collect();
        let samples = stacks.profile().samples();
        let parts =
            map_weighted_ranges(samples.len(), walk_weight(samples, sample_index), |range| {
                let mut part = Sums::new(0, 1, 0);
                // Every sample is walked: a test for a visited location
                // would read the steps it then reads again.
                stacks.for_each_stack(range, |s, stack| {
                    let value = samples.value(s, sample_index);
                    if value == 0 {
                        return;
                    }
                    let stamp = s as u32;
                    let mut parent: Option<NodeId> = None;
                    for l in stack.locations_root_first() {
                        match steps[l as usize] {
                            HANDS_ON_NONE => {}
                            VISITED => {
                                for frame in stacks.frames_root_first(l) {
                                    if !is_kept(frame.node) {
                                        // Edges go over a node outside the
                                        // graph (pprof's "residual" edges).
                                        continue;
                                    }
                                    if candidate[frame.node.index()]
                                        && let Some(p) = parent.filter(|&p| p != frame.node)
                                    {
                                        let key = edge_key(p, frame.node);
                                        part.cross(key, frame.inline, value, stamp);
                                    }
                                    parent = Some(frame.node);
                                }
                            }
                            node => parent = Some(NodeId(node)),
                        }
                    }
                });
                part
            });
        let mut sums = Sums::new(0, 1, 0);
        for part in parts {
            sums.add(part);
        }
        sums
    }

    /// [`Sums::walk`], resolving the inline suffixes of the nodes `when`
    /// says in the same walk (`None` when it resolves none).
    pub(crate) fn with_suffixes<F: Fn(usize) -> Option<usize> + Sync>(
        stacks: &Stacks<'_>,
        sample_index: usize,
        groups: Groups<F>,
        when: SuffixesInWalk,
    ) -> (Sums, Option<HashMap<u32, Inlined>>) {
        let n = stacks.nodes().len();
        let capable = stacks.inline_capable();
        if !when.tracks(capable.iter().filter(|&&c| c).count(), n) {
            let sums = Sums::walk(stacks, sample_index, groups, &vec![false; n]);
            return (sums, None);
        }
        let sums = Sums::walk(stacks, sample_index, groups, capable);
        let flat_sum = sums.flat.iter().fold(0i64, |a, &b| a.wrapping_add(b));
        let kinds = sums.inlining(edge_cutoff(flat_sum));
        (sums, Some(kinds))
    }

    fn sum<F: Fn(usize) -> Option<usize>>(
        stacks: &Stacks<'_>,
        sample_index: usize,
        groups: &Groups<F>,
        candidate: &[bool],
        range: Range<usize>,
    ) -> Sums {
        let samples = stacks.profile().samples();
        let n = stacks.nodes().len();
        let width = groups.count;
        let tracking = candidate.contains(&true);
        let blocks = if tracking { stacks.block_count() } else { 0 };
        let mut part = Sums::new(n, width, blocks);
        let mut seen = vec![u32::MAX; n];
        let mut scratch = Vec::with_capacity(64);
        // One sample's edge crossings, in order (key, inlined, whether the
        // caller is in the callee's block), and the blocks they lie in.
        let mut crossings: Vec<(u64, bool, bool)> = Vec::new();
        let mut crossed_blocks: Vec<u32> = Vec::new();
        stacks.for_each_stack(range, |s, stack| {
            let value = samples.value(s, sample_index);
            if value == 0 {
                return;
            }
            let Some(g) = (groups.of)(s).filter(|&g| g < width) else {
                return;
            };
            let stamp = s as u32;
            let mut parent: Option<NodeId> = None;
            let mut parent_block = NO_BLOCK;
            let mut leaf: Option<NodeId> = None;
            let mut repeats = false;
            crossings.clear();
            crossed_blocks.clear();
            stack.visit_root_first_in_blocks(&mut scratch, |frame, block| {
                let i = frame.node.index();
                if seen[i] != stamp {
                    seen[i] = stamp;
                    let cum = &mut part.cum[i * width + g];
                    *cum = cum.wrapping_add(value);
                } else {
                    repeats = true;
                }
                leaf = Some(frame.node);
                if candidate[i]
                    && let Some(p) = parent.filter(|&p| p != frame.node)
                {
                    let in_block = frame.inline && block != NO_BLOCK && parent_block == block;
                    crossings.push((edge_key(p, frame.node), frame.inline, in_block));
                    if in_block && crossed_blocks.last() != Some(&block) {
                        crossed_blocks.push(block);
                    }
                }
                parent = Some(frame.node);
                parent_block = block;
            });
            if let Some(leaf) = leaf {
                let flat = &mut part.flat[leaf.index() * width + g];
                *flat = flat.wrapping_add(value);
            }
            if repeats {
                for &(key, inline, _) in &crossings {
                    part.cross(key, inline, value, stamp);
                }
            } else {
                for &block in &crossed_blocks {
                    let sum = &mut part.blocks[block as usize];
                    *sum = sum.wrapping_add(value);
                    part.block_crossed[block as usize] = true;
                }
                for &(key, inline, in_block) in &crossings {
                    if !in_block {
                        part.cross(key, inline, value, stamp);
                    }
                }
            }
        });
        part
    }

    fn add(&mut self, other: Sums) {
        for (a, b) in self.flat.iter_mut().zip(other.flat) {
            *a = a.wrapping_add(b);
        }
        for (a, b) in self.cum.iter_mut().zip(other.cum) {
            *a = a.wrapping_add(b);
        }
        for (a, b) in self.blocks.iter_mut().zip(other.blocks) {
            *a = a.wrapping_add(b);
        }
        for (a, b) in self.block_crossed.iter_mut().zip(other.block_crossed) {
            *a |= b;
        }
        for (key, edge) in other.edges {
            self.edges
                .entry(key)
                .and_modify(|e| {
                    e.weight = e.weight.wrapping_add(edge.weight);
                    e.always_inline &= edge.always_inline;
                })
                .or_insert(edge);
        }
    }

    /// Flat of `node`, one value per group.
    pub(crate) fn flat(&self, node: NodeId) -> &[i64] {
        &self.flat[node.index() * self.groups..(node.index() + 1) * self.groups]
    }

    pub(crate) fn cum(&self, node: NodeId) -> &[i64] {
        &self.cum[node.index() * self.groups..(node.index() + 1) * self.groups]
    }

    /// Nodes with a non-zero flat or cum in some group.
    pub(crate) fn nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        let groups = self.groups.max(1);
        (0..self.flat.len() / groups)
            .map(|i| NodeId(i as u32))
            .filter(|&node| {
                self.flat(node).iter().any(|&v| v != 0) || self.cum(node).iter().any(|&v| v != 0)
            })
    }

    /// One [`NodeTotals`] per node with a value (single-group sums).
    fn totals(&self, inlined: impl Fn(NodeId) -> Inlined) -> Vec<NodeTotals> {
        self.nodes()
            .map(|node| NodeTotals {
                node,
                flat: self.flat(node)[0],
                cum: self.cum(node)[0],
                inlined: inlined(node),
            })
            .collect()
    }

    /// The call edges summed: caller, callee, total.
    pub(crate) fn edges(&self) -> impl Iterator<Item = (NodeId, NodeId, EdgeTotal)> + '_ {
        self.edges.iter().map(|(&key, edge)| {
            let total = EdgeTotal {
                weight: edge.weight,
                always_inline: edge.always_inline,
            };
            (NodeId((key >> 32) as u32), NodeId(key as u32), total)
        })
    }

    /// The inline suffix of every node with a tracked edge into it.
    pub(crate) fn inlining(&self, cutoff: i64) -> HashMap<u32, Inlined> {
        inline_kinds(self.edges().map(|(_, callee, e)| (callee.0, e)), cutoff)
    }
}

/// A call edge's weight, and whether every crossing was inlined.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EdgeTotal {
    pub weight: i64,
    pub always_inline: bool,
}

/// Call edges keyed `caller << 32 | callee` summed per key (an edge may come
/// several times, from several profiles): weights added, inlined only if
/// inlined in every part.
pub(crate) fn sum_edges(
    edges: impl IntoIterator<Item = (u64, EdgeTotal)>,
) -> HashMap<u64, EdgeTotal> {
    let mut totals: HashMap<u64, EdgeTotal> = HashMap::default();
    for (key, edge) in edges {
        totals
            .entry(key)
            .and_modify(|e| {
                e.weight = e.weight.wrapping_add(edge.weight);
                e.always_inline &= edge.always_inline;
            })
            .or_insert(edge);
    }
    totals
}

/// pprof's inline suffixes from call edges (each once: callee and total):
/// edges lighter than `cutoff` are trimmed; a node is "inline" if every
/// remaining incoming edge is inlined, "partial-inline" if only some are.
pub(crate) fn inline_kinds(
    edges: impl IntoIterator<Item = (u32, EdgeTotal)>,
    cutoff: i64,
) -> HashMap<u32, Inlined> {
    let mut kinds: HashMap<u32, (bool, bool)> = HashMap::default();
    for (callee, edge) in edges {
        if edge.weight.wrapping_abs() < cutoff {
            continue;
        }
        let (inline, real) = kinds.entry(callee).or_default();
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
///
/// Sums past `i64` wrap around, as Go's `int64` arithmetic does in pprof
/// (and as every sum behind `top` does): the numbers stay pprof's even on
/// absurd profiles, where saturating would print totals pprof never shows.
pub fn total(profile: &Profile, sample_index: usize) -> i64 {
    let samples = profile.samples();
    let mut total = 0i64;
    let mut base = 0i64;
    for s in 0..samples.len() {
        let v = samples.value(s, sample_index).wrapping_abs();
        total = total.wrapping_add(v);
        if samples.is_diff_base(s) {
            base = base.wrapping_add(v);
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

/// Sorts rows the way pprof's `FlatNameOrder` / `CumNameOrder` do, with
/// Go's `abs64` (so `i64::MIN` stays negative and sorts last).
pub fn sort_totals(rows: &mut [NodeTotals], names: &[String], by: SortBy) {
    let order = |a: &NodeTotals, b: &NodeTotals| -> Ordering {
        let name = || names[a.node.index()].cmp(&names[b.node.index()]);
        match by {
            SortBy::Flat => b
                .flat
                .wrapping_abs()
                .cmp(&a.flat.wrapping_abs())
                .then_with(name)
                .then_with(|| b.cum.wrapping_abs().cmp(&a.cum.wrapping_abs())),
            SortBy::Cum => b
                .cum
                .wrapping_abs()
                .cmp(&a.cum.wrapping_abs())
                .then_with(name),
        }
    };
    rows.sort_by(order);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Filters, Granularity};

    fn edges(sums: &Sums) -> Vec<(u64, i64, bool)> {
        let mut all: Vec<_> = sums
            .edges
            .iter()
            .map(|(&key, e)| (key, e.weight, e.always_inline))
            .collect();
        all.sort_unstable();
        all
    }

    /// The walk for the edges into a few nodes sums them as the full walk
    /// does, which adds the edges inside a location by block.
    #[test]
    fn edges_into_a_few_nodes_sum_as_in_the_full_walk() {
        let mut checked = 0;
        for name in [
            "compile/compile-cpu.pb.gz",
            "go1.27/cpu.pb.gz",
            "go1.27/heap-3.pb.gz",
            "go1.27/allocs.pb.gz",
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("testdata")
                .join(name);
            let profile =
                crate::profile::decode(&std::fs::read(path).unwrap(), &Default::default()).unwrap();
            let stacks = Stacks::new(&profile, Granularity::Functions, &Filters::default());
            let n = stacks.nodes().len();
            let capable = stacks.inline_capable();
            let candidate: Vec<bool> = (0..n).map(|i| capable[i] && i % 3 != 0).collect();
            let full = Sums::walk(&stacks, 0, Groups::ONE, &candidate);
            let few = Sums::walk_edges(&stacks, 0, &candidate, None);
            assert_eq!(edges(&few), edges(&full), "{name}");
            checked += usize::from(!few.edges.is_empty());
        }
        // The test can fail: edges were summed.
        assert!(checked >= 2, "{checked} profiles summed edges");
    }
}
