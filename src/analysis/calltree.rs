//! Call trees: every kept sample's stack merged root-first into an arena
//! trie, the source of flame graphs, caller/callee "peek" tables and match
//! coverage.
//!
//! The tree is built from [`Stacks::for_each`] for one sample type, with no
//! recursion anywhere (stacks can be hundreds of thousands of frames deep):
//! building walks each stack in a loop, traversals use explicit stacks, and
//! the flame layout is breadth-first. Each path node keeps the value of the
//! samples through it, split into the new and the `--diff-base` part, so a
//! diff flame graph can size frames by the new profile and colour them by
//! the change. Per-function aggregates derived from the tree follow pprof's
//! graph rules exactly: a node's cum and an edge's weight count each sample
//! once, however often the stack recurses through them.

use std::ops::Range;

use regex::Regex;

use super::stacks::{NodeId, NodeInfo, Stacks};

/// Index of a path node in a [`CallTree`]; [`CallTree::ROOT`] is the
/// synthetic root above every stack's outermost frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u32);

impl CallId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One path from the root: a frame reached through one particular chain of callers.
#[derive(Debug, Clone)]
pub struct CallNode {
    /// The graph node of this frame (meaningless for the root).
    pub node: NodeId,
    pub parent: CallId,
    /// Distance from the root (the root is 0, outermost frames 1).
    pub depth: u32,
    /// Signed sum of the values of samples through this path; in a
    /// `--diff-base` profile, new minus base.
    pub total: i64,
    /// Signed sum of the values of samples that end here.
    pub self_total: i64,
    /// Sum of |value| over the new (non-base) samples through this path:
    /// the frame's width in a flame graph.
    pub weight: i64,
    /// Sum of |value| over the `--diff-base` samples through this path.
    pub base: i64,
    /// Number of samples through this path.
    pub samples: u64,
    children: Range<u32>,
}

impl CallNode {
    /// The tree's root: no frame, no value yet.
    fn root() -> CallNode {
        CallNode {
            node: NodeId(u32::MAX),
            parent: CallTree::ROOT,
            depth: 0,
            total: 0,
            self_total: 0,
            weight: 0,
            base: 0,
            samples: 0,
            children: 0..0,
        }
    }
}

/// The call tree of one sample type through one [`Stacks`] view.
#[derive(Debug, Clone)]
pub struct CallTree {
    calls: Vec<CallNode>,
    /// Child lists, each sorted heaviest first; `calls[i].children` indexes here.
    children: Vec<CallId>,
    nodes: Vec<NodeInfo>,
    names: Vec<String>,
}

/// Integer-keyed maps with a fast (not DoS-resistant) hasher.
type IdMap<K, V> = rustc_hash::FxHashMap<K, V>;

impl CallTree {
    /// The synthetic root.
    pub const ROOT: CallId = CallId(0);

    /// Merges every kept sample with a non-zero value of `sample_index`.
    pub fn build(stacks: &Stacks<'_>, sample_index: usize) -> CallTree {
        let samples = stacks.profile().samples();
        let mut calls = vec![CallNode::root()];
        // Sized for the worst case of no shared prefixes (bounded, so a
        // huge profile does not reserve memory it may never use).
        let guess = samples.frame_count().min(1 << 24);
        calls.reserve(guess);
        let mut child_of: IdMap<u64, u32> = IdMap::default();
        child_of.reserve(guess);
        // The previous sample's path, root first: consecutive samples often
        // share long prefixes, which then cost no hash lookups.
        let mut prev_nodes: Vec<NodeId> = Vec::new();
        let mut prev_path: Vec<u32> = Vec::new();
        let mut scratch = Vec::new();
        stacks.for_each_stack(0..samples.len(), |s, stack| {
            let value = samples.value(s, sample_index);
            if value == 0 {
                return;
            }
            let magnitude = value.saturating_abs();
            let (weight, base) = if samples.is_diff_base(s) {
                (0, magnitude)
            } else {
                (magnitude, 0)
            };
            let mut depth = 0usize;
            let mut diverged = false;
            let mut parent = 0u32;
            stack.visit_root_first(&mut scratch, |frame| {
                if !diverged && depth < prev_nodes.len() && prev_nodes[depth] == frame.node {
                    parent = prev_path[depth];
                    depth += 1;
                    return;
                }
                if !diverged {
                    diverged = true;
                    prev_nodes.truncate(depth);
                    prev_path.truncate(depth);
                }
                let key = (u64::from(parent) << 32) | u64::from(frame.node.0);
                let next = calls.len() as u32;
                let child = *child_of.entry(key).or_insert(next);
                if child == next {
                    calls.push(CallNode {
                        node: frame.node,
                        parent: CallId(parent),
                        depth: calls[parent as usize].depth + 1,
                        total: 0,
                        self_total: 0,
                        weight: 0,
                        base: 0,
                        samples: 0,
                        children: 0..0,
                    });
                }
                prev_nodes.push(frame.node);
                prev_path.push(child);
                parent = child;
                depth += 1;
            });
            if depth == 0 {
                return;
            }
            prev_nodes.truncate(depth);
            prev_path.truncate(depth);
            // Only the leaf is credited here; totals are summed up the tree
            // in one pass at the end (cheaper than touching every ancestor).
            let leaf = &mut calls[parent as usize];
            leaf.self_total = leaf.self_total.saturating_add(value);
            leaf.weight = leaf.weight.saturating_add(weight);
            leaf.base = leaf.base.saturating_add(base);
            leaf.samples += 1;
        });
        // A child is always created after its parent, so one backward pass
        // sees every node complete before adding it to its parent.
        for c in calls.iter_mut() {
            c.total = c.self_total;
        }
        for i in (1..calls.len()).rev() {
            let (parent, total, weight, base, samples) = {
                let c = &calls[i];
                (c.parent.index(), c.total, c.weight, c.base, c.samples)
            };
            let p = &mut calls[parent];
            p.total = p.total.saturating_add(total);
            p.weight = p.weight.saturating_add(weight);
            p.base = p.base.saturating_add(base);
            p.samples += samples;
        }
        drop(child_of);
        let nodes = stacks.nodes().to_vec();
        let names: Vec<String> = nodes.iter().map(NodeInfo::printable_name).collect();
        let children = link_children(&mut calls, &names);
        CallTree {
            calls,
            children,
            nodes,
            names,
        }
    }

    /// A tree with the root alone but every node's name: what views use
    /// while the real tree is still being built.
    pub fn names_only(stacks: &Stacks<'_>) -> CallTree {
        let nodes = stacks.nodes().to_vec();
        let names: Vec<String> = nodes.iter().map(NodeInfo::printable_name).collect();
        CallTree {
            calls: vec![CallNode::root()],
            children: Vec::new(),
            nodes,
            names,
        }
    }

    /// Number of path nodes, the root included.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// True when no sample made it into the tree.
    pub fn is_empty(&self) -> bool {
        self.calls.len() == 1
    }

    pub fn call(&self, id: CallId) -> &CallNode {
        &self.calls[id.index()]
    }

    /// Children of `id`, heaviest first.
    pub fn children(&self, id: CallId) -> &[CallId] {
        let r = &self.calls[id.index()].children;
        &self.children[r.start as usize..r.end as usize]
    }

    /// The graph nodes the tree refers to.
    pub fn nodes(&self) -> &[NodeInfo] {
        &self.nodes
    }

    pub fn node(&self, id: NodeId) -> &NodeInfo {
        &self.nodes[id.index()]
    }

    /// pprof's printable name of every graph node, indexed by [`NodeId`].
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The printable name of a path node's frame (`root` for the root).
    pub fn name(&self, id: CallId) -> &str {
        if id == CallTree::ROOT {
            return "root";
        }
        &self.names[self.calls[id.index()].node.index()]
    }

    /// The path from the root's first child down to `id`, root first.
    pub fn path(&self, id: CallId) -> Vec<CallId> {
        let mut path = Vec::with_capacity(self.calls[id.index()].depth as usize);
        let mut at = id;
        while at != CallTree::ROOT {
            path.push(at);
            at = self.calls[at.index()].parent;
        }
        path.reverse();
        path
    }

    /// Whether `ancestor` is `id` or lies on its path to the root.
    pub fn is_ancestor(&self, ancestor: CallId, id: CallId) -> bool {
        let depth = self.calls[ancestor.index()].depth;
        let mut at = id;
        while self.calls[at.index()].depth > depth {
            at = self.calls[at.index()].parent;
        }
        at == ancestor
    }

    /// The deepest path node reached by following `names` (printable
    /// names, outermost first) down from the root; the root when the first
    /// name is not found. Used to keep a zoom or a selection across a
    /// recomputation, where path node ids change.
    pub fn find_path<S: AsRef<str>>(&self, names: &[S]) -> CallId {
        let mut at = CallTree::ROOT;
        for name in names {
            match self
                .children(at)
                .iter()
                .find(|&&k| self.name(k) == name.as_ref())
            {
                Some(&k) => at = k,
                None => break,
            }
        }
        at
    }

    /// The printable names of the path to `id`, outermost first.
    pub fn path_names(&self, id: CallId) -> Vec<String> {
        self.path(id)
            .into_iter()
            .map(|c| self.name(c).to_owned())
            .collect()
    }

    /// Every path node in depth-first pre-order under `from` (itself first),
    /// children heaviest first: the order in which `n`/`N` visit matches.
    pub fn preorder(&self, from: CallId) -> Preorder<'_> {
        Preorder {
            tree: self,
            stack: vec![from],
        }
    }

    /// The heaviest path node of a graph node, if any sample reaches it.
    pub fn heaviest(&self, node: NodeId) -> Option<CallId> {
        (1..self.calls.len())
            .filter(|&i| self.calls[i].node == node)
            .max_by_key(|&i| {
                (
                    self.calls[i].weight.max(self.calls[i].base),
                    std::cmp::Reverse(i),
                )
            })
            .map(|i| CallId(i as u32))
    }

    /// Flat and cum of every graph node (pprof's rules: cum once per
    /// sample), plus the `--diff-base` part of each, indexed by [`NodeId`].
    pub fn node_sums(&self) -> Vec<NodeSums> {
        let mut sums = vec![NodeSums::default(); self.nodes.len()];
        let mut on_path = vec![0u32; self.nodes.len()];
        self.walk(CallTree::ROOT, |event| match event {
            Walk::Enter(CallTree::ROOT) | Walk::Leave(CallTree::ROOT) => {}
            Walk::Enter(id) => {
                let c = &self.calls[id.index()];
                let n = c.node.index();
                let sum = &mut sums[n];
                if on_path[n] == 0 {
                    sum.cum = sum.cum.saturating_add(c.total);
                    sum.base_cum = sum.base_cum.saturating_add(c.base);
                }
                on_path[n] += 1;
                sum.flat = sum.flat.saturating_add(c.self_total);
                sum.base_flat = sum.base_flat.saturating_add(self_base(self, id));
            }
            Walk::Leave(id) => on_path[self.calls[id.index()].node.index()] -= 1,
        });
        sums
    }

    /// Callers and callees of a graph node with pprof's edge weights (each
    /// sample counted once per edge), heaviest first.
    pub fn peek(&self, node: NodeId) -> Peek {
        let mut peek = Peek {
            node,
            ..Peek::default()
        };
        let mut callers: IdMap<u32, PeekEdge> = IdMap::default();
        let mut callees: IdMap<u32, PeekEdge> = IdMap::default();
        // How many times the node itself, and each edge into or out of it,
        // lies on the current path: only the outermost occurrence counts.
        let mut self_on_path = 0u32;
        let mut into_on_path: IdMap<u32, u32> = IdMap::default();
        let mut out_on_path: IdMap<u32, u32> = IdMap::default();
        let edge = |edges: &mut IdMap<u32, PeekEdge>, other: NodeId, c: &CallNode| {
            let e = edges.entry(other.0).or_insert(PeekEdge {
                node: other,
                ..PeekEdge::default()
            });
            e.total = e.total.saturating_add(c.total);
            e.base = e.base.saturating_add(c.base);
            e.weight = e.weight.saturating_add(c.weight);
        };
        self.walk(CallTree::ROOT, |event| {
            let (id, enter) = match event {
                Walk::Enter(id) => (id, true),
                Walk::Leave(id) => (id, false),
            };
            let c = &self.calls[id.index()];
            let parent_node = (c.parent != CallTree::ROOT && id != CallTree::ROOT)
                .then(|| self.calls[c.parent.index()].node);
            if id == CallTree::ROOT {
                return;
            }
            if c.node == node {
                if enter {
                    if self_on_path == 0 {
                        peek.cum = peek.cum.saturating_add(c.total);
                        peek.base_cum = peek.base_cum.saturating_add(c.base);
                        peek.weight = peek.weight.saturating_add(c.weight);
                    }
                    self_on_path += 1;
                    peek.flat = peek.flat.saturating_add(c.self_total);
                    peek.base_flat = peek.base_flat.saturating_add(self_base(self, id));
                } else {
                    self_on_path -= 1;
                }
                if let Some(p) = parent_node.filter(|&p| p != node) {
                    let count = into_on_path.entry(p.0).or_default();
                    if enter {
                        if *count == 0 {
                            edge(&mut callers, p, c);
                        }
                        *count += 1;
                    } else {
                        *count -= 1;
                    }
                }
            } else if parent_node == Some(node) {
                let count = out_on_path.entry(c.node.0).or_default();
                if enter {
                    if *count == 0 {
                        edge(&mut callees, c.node, c);
                    }
                    *count += 1;
                } else {
                    *count -= 1;
                }
            }
        });
        let by_weight = |a: &PeekEdge, b: &PeekEdge| {
            (b.total.unsigned_abs().max(b.base.unsigned_abs()))
                .cmp(&a.total.unsigned_abs().max(a.base.unsigned_abs()))
                .then_with(|| self.names[a.node.index()].cmp(&self.names[b.node.index()]))
        };
        peek.callers = callers.into_values().collect();
        peek.callers.sort_by(by_weight);
        peek.callees = callees.into_values().collect();
        peek.callees.sort_by(by_weight);
        peek
    }

    /// The value covered by frames whose name matches `re`, each sample
    /// counted once: within the whole tree and within the subtree at `within`.
    pub fn coverage(&self, re: &Regex, within: CallId) -> Coverage {
        let matches: Vec<bool> = self.names.iter().map(|n| re.is_match(n)).collect();
        let mut cov = Coverage::default();
        let mut depth_matched = 0u32;
        let mut zoom_depth = 0u32;
        self.walk(CallTree::ROOT, |event| match event {
            Walk::Enter(id) => {
                if id == within {
                    zoom_depth += 1;
                }
                if id == CallTree::ROOT || !matches[self.calls[id.index()].node.index()] {
                    return;
                }
                let c = &self.calls[id.index()];
                if depth_matched == 0 {
                    cov.frames += 1;
                    cov.samples += c.samples;
                    cov.total = cov.total.saturating_add(c.total);
                    cov.weight = cov.weight.saturating_add(c.weight);
                    if zoom_depth > 0 || self.is_ancestor(id, within) {
                        cov.zoomed = cov
                            .zoomed
                            .saturating_add(c.weight.min(self.calls[within.index()].weight));
                    }
                } else {
                    cov.frames += 1;
                }
                depth_matched += 1;
            }
            Walk::Leave(id) => {
                if id == within {
                    zoom_depth -= 1;
                }
                if id != CallTree::ROOT && matches[self.calls[id.index()].node.index()] {
                    depth_matched -= 1;
                }
            }
        });
        cov
    }

    /// Iterative depth-first walk reporting entry and exit of every node.
    fn walk(&self, from: CallId, mut visit: impl FnMut(Walk)) {
        let mut stack: Vec<(CallId, bool)> = vec![(from, true)];
        while let Some((id, enter)) = stack.pop() {
            if enter {
                visit(Walk::Enter(id));
                stack.push((id, false));
                for &child in self.children(id).iter().rev() {
                    stack.push((child, true));
                }
            } else {
                visit(Walk::Leave(id));
            }
        }
    }
}

/// The base part of samples ending exactly at `id`.
fn self_base(tree: &CallTree, id: CallId) -> i64 {
    let c = &tree.calls[id.index()];
    let children = tree.children(id).iter().fold(0i64, |sum, &k| {
        sum.saturating_add(tree.calls[k.index()].base)
    });
    c.base.saturating_sub(children)
}

enum Walk {
    Enter(CallId),
    Leave(CallId),
}

/// Pre-order iterator over a subtree; see [`CallTree::preorder`].
pub struct Preorder<'t> {
    tree: &'t CallTree,
    stack: Vec<CallId>,
}

impl Iterator for Preorder<'_> {
    type Item = CallId;

    fn next(&mut self) -> Option<CallId> {
        let id = self.stack.pop()?;
        self.stack.extend(self.tree.children(id).iter().rev());
        Some(id)
    }
}

/// Turns the parent links into per-node child ranges sorted heaviest first
/// (then by name, so equal frames keep a stable order).
fn link_children(calls: &mut [CallNode], names: &[String]) -> Vec<CallId> {
    let mut counts = vec![0u32; calls.len() + 1];
    for c in calls.iter().skip(1) {
        counts[c.parent.index() + 1] += 1;
    }
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
    let mut fill = counts.clone();
    let mut children = vec![CallId(0); calls.len().saturating_sub(1)];
    for (i, c) in calls.iter().enumerate().skip(1) {
        let slot = &mut fill[c.parent.index()];
        children[*slot as usize] = CallId(i as u32);
        *slot += 1;
    }
    for (i, c) in calls.iter_mut().enumerate() {
        c.children = counts[i]..counts[i + 1];
    }
    for i in 0..calls.len() {
        let r = calls[i].children.clone();
        if r.len() < 2 {
            continue;
        }
        children[r.start as usize..r.end as usize].sort_by(|a, b| {
            let (a, b) = (&calls[a.index()], &calls[b.index()]);
            (b.weight + b.base)
                .cmp(&(a.weight + a.base))
                .then_with(|| names[a.node.index()].cmp(&names[b.node.index()]))
        });
    }
    children
}

/// Flat and cum of one graph node derived from the tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeSums {
    /// Signed flat (new − base in a diff).
    pub flat: i64,
    /// Signed cum, each sample once.
    pub cum: i64,
    /// |flat| of the `--diff-base` samples.
    pub base_flat: i64,
    /// |cum| of the `--diff-base` samples.
    pub base_cum: i64,
}

/// One caller or callee of a peeked node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeekEdge {
    pub node: NodeId,
    /// Signed weight of the edge (new − base in a diff).
    pub total: i64,
    /// The `--diff-base` part, as a magnitude.
    pub base: i64,
    /// The new part, as a magnitude.
    pub weight: i64,
}

impl Default for PeekEdge {
    fn default() -> Self {
        PeekEdge {
            node: NodeId(u32::MAX),
            total: 0,
            base: 0,
            weight: 0,
        }
    }
}

/// A node with its callers and callees: pprof's `peek`, a "sandwich".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peek {
    pub node: NodeId,
    pub flat: i64,
    pub cum: i64,
    pub base_flat: i64,
    pub base_cum: i64,
    /// Magnitude of the new samples through the node.
    pub weight: i64,
    pub callers: Vec<PeekEdge>,
    pub callees: Vec<PeekEdge>,
}

impl Default for Peek {
    fn default() -> Self {
        Peek {
            node: NodeId(u32::MAX),
            flat: 0,
            cum: 0,
            base_flat: 0,
            base_cum: 0,
            weight: 0,
            callers: Vec::new(),
            callees: Vec::new(),
        }
    }
}

/// What a search matches, each sample counted once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Matching path nodes.
    pub frames: u64,
    /// Samples with at least one matching frame.
    pub samples: u64,
    /// Their signed value.
    pub total: i64,
    /// Their new-profile magnitude (comparable with [`CallNode::weight`]).
    pub weight: i64,
    /// The part of `weight` inside the zoomed subtree.
    pub zoomed: i64,
}

/// A frame placed in a flame graph: `depth` rows below the top frame,
/// `x..x+width` in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlameRect {
    pub call: CallId,
    pub depth: u32,
    pub x: u32,
    pub width: u32,
}

/// Lays out a flame graph `width` cells wide, zoomed on `zoom`: the zoomed
/// frame's ancestors are full-width rows above it, the zoomed frame fills
/// the width, and each frame's children share its cells by the largest
/// remainder method (with the frame's own value competing as one more
/// share), so children never exceed their parent and widths are exact.
/// Only rows in `rows` are returned, and nothing narrower than a cell is
/// visited. Rects come ordered by depth, then x.
pub fn flame_layout(tree: &CallTree, zoom: CallId, width: u32, rows: Range<u32>) -> Vec<FlameRect> {
    let mut out = Vec::new();
    if width == 0 || rows.is_empty() {
        return out;
    }
    let ancestors = tree.path(zoom);
    // Depth 0 is the root ("all samples"); the zoom target sits at its own depth.
    let zoom_depth = ancestors.len() as u32;
    for (depth, &id) in std::iter::once(&CallTree::ROOT)
        .chain(ancestors.iter())
        .enumerate()
    {
        let depth = depth as u32;
        if depth >= zoom_depth {
            break;
        }
        if rows.contains(&depth) {
            out.push(FlameRect {
                call: id,
                depth,
                x: 0,
                width,
            });
        }
    }
    let mut level = vec![FlameRect {
        call: zoom,
        depth: zoom_depth,
        x: 0,
        width,
    }];
    let mut next = Vec::new();
    let mut weights = Vec::new();
    let mut cells = Vec::new();
    while !level.is_empty() {
        let depth = level[0].depth;
        if depth >= rows.end {
            break;
        }
        if depth >= rows.start {
            out.extend_from_slice(&level);
        }
        next.clear();
        for rect in &level {
            let kids = tree.children(rect.call);
            if kids.is_empty() {
                continue;
            }
            weights.clear();
            weights.extend(kids.iter().map(|&k| frame_weight(tree.call(k))));
            apportion(
                rect.width,
                frame_weight(tree.call(rect.call)),
                &weights,
                &mut cells,
            );
            let mut x = rect.x;
            for (&k, &w) in kids.iter().zip(&cells) {
                if w > 0 {
                    next.push(FlameRect {
                        call: k,
                        depth: depth + 1,
                        x,
                        width: w,
                    });
                }
                x += w;
            }
        }
        std::mem::swap(&mut level, &mut next);
    }
    out
}

/// What sizes a frame: the new profile's samples, or in a diff where a
/// frame only exists in the base, nothing (it is gone).
fn frame_weight(c: &CallNode) -> i64 {
    c.weight
}

/// Largest-remainder apportionment of `cells` among `parts` of a whole of
/// `whole` (the part of `whole` not in `parts` competes as one more share
/// and is left blank). `out[i]` is the cells of `parts[i]`; the cells handed
/// out plus the blank share's sum to exactly `cells` when `whole > 0`.
pub fn apportion(cells: u32, whole: i64, parts: &[i64], out: &mut Vec<u32>) {
    out.clear();
    out.resize(parts.len(), 0);
    let sum: i128 = parts.iter().map(|&p| i128::from(p.max(0))).sum();
    let whole = i128::from(whole.max(0)).max(sum);
    if whole == 0 || cells == 0 {
        return;
    }
    let cells_i = i128::from(cells);
    let rest = whole - sum;
    let mut given: i128 = 0;
    // (remainder, weight, index); index parts.len() is the blank share.
    let mut remainders: Vec<(i128, i128, usize)> = Vec::with_capacity(parts.len() + 1);
    for (i, &p) in parts.iter().enumerate() {
        let p = i128::from(p.max(0));
        let q = p * cells_i;
        out[i] = (q / whole) as u32;
        given += q / whole;
        remainders.push((q % whole, p, i));
    }
    let q = rest * cells_i;
    given += q / whole;
    remainders.push((q % whole, rest, parts.len()));
    let mut left = cells_i - given;
    if left <= 0 {
        return;
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    for &(_, _, i) in &remainders {
        if left == 0 {
            break;
        }
        if i < parts.len() {
            out[i] += 1;
        }
        left -= 1;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    #[test]
    fn apportion_sums_exactly_and_favours_largest_remainders() {
        let mut out = Vec::new();
        // 10 cells for 1/3 each: 3.33 each, one extra cell to the first.
        apportion(10, 3, &[1, 1, 1], &mut out);
        assert_eq!(out, vec![4, 3, 3]);
        // A parent with self value: children 50% and 25%, self 25%.
        apportion(7, 100, &[50, 25], &mut out);
        assert_eq!(out, vec![3, 2], "3.5, 1.75 and a blank 1.75: the .75s win");
        assert!(out.iter().sum::<u32>() <= 7);
        // Tiny parts vanish rather than stealing cells.
        apportion(4, 1000, &[997, 1, 1, 1], &mut out);
        assert_eq!(out, vec![4, 0, 0, 0]);
        // Nothing to share.
        apportion(5, 0, &[0, 0], &mut out);
        assert_eq!(out, vec![0, 0]);
    }

    #[test]
    fn apportion_never_exceeds_the_parent() {
        let mut out = Vec::new();
        for cells in 1..40u32 {
            for whole in [7i64, 100, 12345] {
                let parts = [whole / 3, whole / 5, whole / 7, whole / 11];
                apportion(cells, whole, &parts, &mut out);
                let given: u32 = out.iter().sum();
                assert!(given <= cells, "{cells} {whole}: {out:?}");
                // With no self share left, children fill the parent exactly.
                apportion(cells, parts.iter().sum(), &parts, &mut out);
                assert_eq!(out.iter().sum::<u32>(), cells, "{cells} {whole}: {out:?}");
            }
        }
    }
}

#[cfg(test)]
mod profile_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
    use std::collections::HashMap;

    use super::*;
    use crate::analysis::{Filters, Granularity, compile_regex, node_totals};
    use crate::profile::{DecodeOptions, Profile, decode};

    fn load(rel: &str) -> Profile {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(rel);
        decode(&std::fs::read(path).unwrap(), &DecodeOptions::default()).unwrap()
    }

    /// The tree's per-node sums are pprof's flat and cum (checked against the
    /// engine, which reproduces `go tool pprof -top`), recursion included.
    #[test]
    fn node_sums_equal_engine_totals() {
        let cases = [
            ("leaky/heap-3.pb.gz", Granularity::Functions),
            ("leaky/cpu.pb.gz", Granularity::Functions),
            ("leaky/cpu.pb.gz", Granularity::Lines),
            ("compile/compile-heap.pb.gz", Granularity::Functions),
        ];
        for (file, granularity) in cases {
            let profile = load(file);
            // Every sample type of the small profiles; the compiler's is slow in debug builds.
            let indexes = if file.starts_with("compile") {
                vec![profile.default_sample_index()]
            } else {
                (0..profile.sample_types.len()).collect()
            };
            for sample_index in indexes {
                let stacks = Stacks::new(&profile, granularity, &Filters::default());
                let tree = CallTree::build(&stacks, sample_index);
                let sums = tree.node_sums();
                let totals = node_totals(&stacks, sample_index);
                assert!(!totals.is_empty());
                for t in &totals {
                    let s = sums[t.node.index()];
                    assert_eq!(
                        (s.flat, s.cum),
                        (t.flat, t.cum),
                        "{file} {}",
                        tree.names()[t.node.index()]
                    );
                }
                let nonzero = sums.iter().filter(|s| s.flat != 0 || s.cum != 0).count();
                assert_eq!(nonzero, totals.len(), "{file}");
                let root = tree.call(CallTree::ROOT);
                let flat_sum = totals.iter().fold(0i64, |sum, t| sum.wrapping_add(t.flat));
                assert_eq!(root.total, flat_sum);
                assert_eq!(root.self_total, 0);
            }
        }
    }

    /// In the CPU profile `main.fib` calls itself: its callee list must not
    /// list itself, and its cum counts each sample once.
    #[test]
    fn peek_of_a_recursive_function() {
        let profile = load("leaky/cpu.pb.gz");
        let sample_index = profile.default_sample_index();
        let stacks = Stacks::new(&profile, Granularity::Functions, &Filters::default());
        let tree = CallTree::build(&stacks, sample_index);
        let fib = tree
            .names()
            .iter()
            .position(|n| n == "main.fib")
            .map(|i| NodeId(i as u32))
            .unwrap();
        let peek = tree.peek(fib);
        let totals = node_totals(&stacks, sample_index);
        let engine = totals.iter().find(|t| t.node == fib).unwrap();
        assert_eq!((peek.flat, peek.cum), (engine.flat, engine.cum));
        assert!(peek.callers.iter().all(|e| e.node != fib));
        assert!(peek.callees.iter().all(|e| e.node != fib));
        let callers: Vec<&str> = peek
            .callers
            .iter()
            .map(|e| tree.names()[e.node.index()].as_str())
            .collect();
        assert_eq!(callers, ["main.crunch"]);
        // Every sample through fib enters it from main.crunch exactly once.
        assert_eq!(peek.callers[0].total, peek.cum);
    }

    #[test]
    fn coverage_counts_each_sample_once() {
        let profile = load("leaky/cpu.pb.gz");
        let sample_index = profile.default_sample_index();
        let stacks = Stacks::new(&profile, Granularity::Functions, &Filters::default());
        let tree = CallTree::build(&stacks, sample_index);
        let fib = tree.names().iter().position(|n| n == "main.fib").unwrap();
        let cov = tree.coverage(
            &compile_regex("search", "^main\\.fib$").unwrap(),
            CallTree::ROOT,
        );
        let sums = tree.node_sums();
        assert_eq!(cov.total, sums[fib].cum);
        assert!(
            cov.frames > cov.samples.min(2),
            "recursion gives nested matches"
        );
    }

    #[test]
    fn layout_children_fit_their_parent_exactly() {
        let profile = load("compile/compile-heap.pb.gz");
        let stacks = Stacks::new(&profile, Granularity::Functions, &Filters::default());
        let tree = CallTree::build(&stacks, profile.default_sample_index());
        let rects = flame_layout(&tree, CallTree::ROOT, 200, 0..60);
        assert_eq!(
            rects[0],
            FlameRect {
                call: CallTree::ROOT,
                depth: 0,
                x: 0,
                width: 200
            }
        );
        let by_call: HashMap<CallId, FlameRect> = rects.iter().map(|r| (r.call, *r)).collect();
        for r in &rects[1..] {
            let parent = by_call[&tree.call(r.call).parent];
            assert_eq!(parent.depth + 1, r.depth);
            assert!(r.x >= parent.x && r.x + r.width <= parent.x + parent.width);
        }
        // Rows are ordered and frames in a row do not overlap.
        for pair in rects.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(a.depth < b.depth || (a.depth == b.depth && a.x + a.width <= b.x));
        }
        // Zoomed: ancestors become full-width rows above the target.
        let target = tree.children(tree.children(CallTree::ROOT)[0])[0];
        let zoomed = flame_layout(&tree, target, 80, 0..5);
        assert_eq!(zoomed[0].width, 80);
        assert_eq!(
            zoomed[2],
            FlameRect {
                call: target,
                depth: 2,
                x: 0,
                width: 80
            }
        );
        assert!(zoomed.iter().all(|r| r.depth < 5));
    }
}
