//! Call trees: every kept sample's stack merged root first, the source of
//! flame graphs (in the terminal and as SVG), folded stacks, caller/callee
//! "peek" tables and match coverage.
//!
//! The tree is never built node by node. [`StackOrder`] sorts the distinct
//! stacks once per view (granularity and filters) and stores them front
//! coded, so that a path node is a position in one array of keys, its
//! subtree a range of entries, and its children the sub-ranges where the
//! next key changes. [`Sums`] adds one sample type's values over that
//! order as prefix sums: a node's value is two reads, and changing the
//! sample type re-sums values without sorting again. A [`CallTree`] is the
//! two together, with the names of the view's nodes; only what a view asks
//! for (the frames on screen, one node's callers) is ever computed.
//!
//! Per-function aggregates follow pprof's graph rules exactly: a node's cum
//! and an edge's weight count each sample once, however often the stack
//! recurses through them. Nothing recurses on input: stacks can be
//! hundreds of thousands of frames deep.

mod graph;
mod layout;
pub mod lazy;
pub mod order;
pub mod sums;

use std::sync::Arc;

pub use layout::{FlameRect, apportion, flame_layout};
pub use lazy::{Descend, LazyVisit};
pub use order::{StackList, StackOrder};
pub use sums::{Amount, Side, Sums};

use super::cancel::Cancel;
use super::filter::Filters;
use super::stacks::{Granularity, NodeId, NodeInfo, Stacks};
use crate::profile::Profile;

/// A path node of a [`CallTree`]; [`CallTree::ROOT`] is the synthetic root
/// above every stack's outermost frame. Ids are positions in the tree's
/// pre-order (children in node-id order), stable for one [`TreeShape`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u64);

impl CallId {
    /// The node's position in [`StackOrder`]'s keys (the root has none).
    fn raw_pos(self) -> Option<usize> {
        usize::try_from(self.0).ok()?.checked_sub(1)
    }

    fn at(pos: usize) -> CallId {
        CallId(pos as u64 + 1)
    }
}

/// One path from the root: a frame reached through one particular chain of callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

/// The stacks of one view (granularity and filters) sorted into a tree,
/// with its nodes' names: what every sample type of the view shares.
#[derive(Debug, Default)]
pub struct TreeShape {
    order: StackOrder,
    nodes: Vec<NodeInfo>,
    names: Vec<String>,
    granularity: Granularity,
    filters: Vec<String>,
}

impl TreeShape {
    /// Sorts the stacks of every sample the view keeps (slot `s` is sample `s`).
    pub fn of(stacks: &Stacks<'_>) -> TreeShape {
        let samples = stacks.profile().samples();
        // Room for a frame per location (inlined calls add a few more).
        let per_sample = samples.frame_count() as f64 / samples.len().max(1) as f64;
        let parts = crate::parallel::map_ranges(samples.len(), |range| {
            let frames = (per_sample * range.len() as f64 * 1.1) as usize;
            let mut list = StackList::with_capacity(range.len(), frames);
            let mut scratch = Vec::new();
            let first = range.start;
            stacks.for_each_stack(range.clone(), |s, stack| {
                while list.len() < s - first {
                    list.push_empty();
                }
                stack.visit_root_first(&mut scratch, |frame| list.push_key(frame.node.0));
                list.end_stack();
            });
            while list.len() < range.len() {
                list.push_empty();
            }
            list
        });
        // A stopped walk left the list partial: no use sorting it (nor
        // naming the nodes: the caller throws the shape away).
        if stacks.cancelled() {
            return TreeShape::default();
        }
        let list = StackList::concat(parts);
        let Some(order) = StackOrder::sort_cancellable(&list, stacks.cancel()) else {
            return TreeShape::default();
        };
        drop(list);
        TreeShape {
            order,
            ..TreeShape::names_only(stacks)
        }
    }

    /// The view's node names, with no stacks yet.
    fn names_only(stacks: &Stacks<'_>) -> TreeShape {
        let nodes = stacks.nodes().to_vec();
        let names = nodes.iter().map(NodeInfo::printable_name).collect();
        TreeShape {
            order: StackOrder::default(),
            nodes,
            names,
            granularity: stacks.granularity(),
            filters: stacks.filters().describe(),
        }
    }

    /// Whether this is the shape of the view with these settings.
    pub fn fits(&self, granularity: Granularity, filters: &Filters) -> bool {
        self.granularity == granularity && self.filters == filters.describe()
    }

    pub fn order(&self) -> &StackOrder {
        &self.order
    }
}

/// The call tree of one sample type through one [`Stacks`] view.
#[derive(Debug, Clone)]
pub struct CallTree {
    shape: Arc<TreeShape>,
    sums: Sums,
    /// Per entry, the depth up to which the nodes it introduces have
    /// samples of this sample type (a node's subtree reaches a later entry
    /// with samples while the shared prefix is at least its depth); empty
    /// when every entry has samples, and so every node.
    reach: Vec<u32>,
}

impl CallTree {
    /// The synthetic root.
    pub const ROOT: CallId = CallId(0);

    /// Merges every kept sample with a non-zero value of `sample_index`.
    pub fn build(stacks: &Stacks<'_>, sample_index: usize) -> CallTree {
        CallTree::new(
            Arc::new(TreeShape::of(stacks)),
            stacks.profile(),
            sample_index,
        )
    }

    /// The tree of `sample_index` over a sorted shape of `profile`'s
    /// samples: samples a `--diff-base` merge marked are the base.
    pub fn new(shape: Arc<TreeShape>, profile: &Profile, sample_index: usize) -> CallTree {
        CallTree::cancellable(shape, profile, sample_index, &Cancel::default())
            .unwrap_or_else(CallTree::empty)
    }

    /// [`CallTree::new`], or `None` once `cancel` is set.
    pub fn cancellable(
        shape: Arc<TreeShape>,
        profile: &Profile,
        sample_index: usize,
        cancel: &Cancel,
    ) -> Option<CallTree> {
        let samples = profile.samples();
        let value = |s| {
            let side = if samples.is_diff_base(s) {
                Side::Base
            } else {
                Side::New
            };
            (samples.value(s, sample_index), side)
        };
        let sums = Sums::cancellable(&shape.order, value, cancel)?;
        let reach = reach(&shape.order, &sums);
        Some(CallTree { shape, sums, reach })
    }

    /// The tree of no stacks and no names.
    pub fn empty() -> CallTree {
        CallTree::unsorted(TreeShape::default())
    }

    /// A tree with the root alone but every node's name: what views use
    /// while the real tree is still being built.
    pub fn names_only(stacks: &Stacks<'_>) -> CallTree {
        CallTree::unsorted(TreeShape::names_only(stacks))
    }

    /// The tree of a shape with no stacks sorted: the root alone.
    fn unsorted(shape: TreeShape) -> CallTree {
        let sums = Sums::new(&shape.order, |_| (0, Side::New));
        CallTree {
            shape: Arc::new(shape),
            sums,
            reach: Vec::new(),
        }
    }

    /// The sorted stacks and names, to share with the tree of another
    /// sample type of the same view.
    pub fn shape(&self) -> &Arc<TreeShape> {
        &self.shape
    }

    fn order(&self) -> &StackOrder {
        &self.shape.order
    }

    /// The position of `id` in this tree's keys; none for the root, and
    /// for an id of another tree that lies past this one's nodes (read as
    /// the root rather than trusted).
    fn pos(&self, id: CallId) -> Option<usize> {
        id.raw_pos().filter(|&p| p < self.order().node_count())
    }

    /// Number of path nodes, the root included (nodes whose samples all
    /// have a zero value of this sample type count too).
    pub fn len(&self) -> usize {
        self.order().node_count() + 1
    }

    /// True when no sample made it into the tree.
    pub fn is_empty(&self) -> bool {
        !self.sums.any_samples(0..self.order().len())
    }

    /// The entry through which `id` was first reached, its depth, and its
    /// subtree's entries.
    fn span(&self, id: CallId) -> (usize, usize, std::ops::Range<usize>) {
        let order = self.order();
        match self.pos(id) {
            None => (0, 0, 0..order.len()),
            Some(pos) => {
                let (e, depth) = order.locate(pos);
                (e, depth, order.subtree(e, depth))
            }
        }
    }

    pub fn call(&self, id: CallId) -> CallNode {
        let (e, depth, entries) = self.span(id);
        self.node_of(id, self.parent_of(id, e, depth), e, depth, entries)
    }

    /// The parent of `id`, which entry `e` reaches at `depth`.
    fn parent_of(&self, id: CallId, e: usize, depth: usize) -> CallId {
        match self.pos(id) {
            Some(_) if depth > 1 => CallId::at(self.order().node_at(e, depth - 1)),
            _ => CallTree::ROOT,
        }
    }

    fn node_of(
        &self,
        id: CallId,
        parent: CallId,
        e: usize,
        depth: usize,
        entries: std::ops::Range<usize>,
    ) -> CallNode {
        let order = self.order();
        let all = self.sums.range(entries);
        let own = match self.pos(id) {
            Some(_) if order.stack_len(e) == depth => self.sums.entry(e),
            _ => Amount::default(),
        };
        CallNode {
            node: NodeId(self.pos(id).map_or(u32::MAX, |p| order.key(p))),
            parent,
            depth: depth as u32,
            total: all.total(),
            self_total: own.total(),
            weight: all.new_abs,
            base: all.base_abs,
            samples: all.samples,
        }
    }

    /// A node and its children with samples, heaviest first (then by
    /// name, so equal frames keep a stable order).
    pub fn with_children(&self, id: CallId) -> (CallNode, Vec<(CallId, CallNode)>) {
        let (e, depth, entries) = self.span(id);
        let node = self.node_of(id, self.parent_of(id, e, depth), e, depth, entries.clone());
        let order = self.order();
        let firsts: Vec<usize> = order.child_entries(entries.clone(), depth).collect();
        let mut kids = Vec::with_capacity(firsts.len());
        for (i, &c) in firsts.iter().enumerate() {
            let end = firsts.get(i + 1).copied().unwrap_or(entries.end);
            if !self.sums.any_samples(c..end) {
                continue;
            }
            let pos = order.node_at(c, depth + 1);
            let kid = CallId::at(pos);
            kids.push((kid, self.node_of(kid, id, c, depth + 1, c..end)));
        }
        let names = self.names();
        kids.sort_by(|(_, a), (_, b)| {
            (b.weight.saturating_add(b.base))
                .cmp(&a.weight.saturating_add(a.base))
                .then_with(|| names[a.node.index()].cmp(&names[b.node.index()]))
        });
        (node, kids)
    }

    /// Children of `id` with samples, heaviest first.
    pub fn children(&self, id: CallId) -> Vec<CallId> {
        self.with_children(id)
            .1
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    /// The graph nodes the tree refers to.
    pub fn nodes(&self) -> &[NodeInfo] {
        &self.shape.nodes
    }

    pub fn node(&self, id: NodeId) -> &NodeInfo {
        &self.shape.nodes[id.index()]
    }

    /// pprof's printable name of every graph node, indexed by [`NodeId`].
    pub fn names(&self) -> &[String] {
        &self.shape.names
    }

    /// The printable name of a path node's frame (`root` for the root).
    pub fn name(&self, id: CallId) -> &str {
        match self.pos(id) {
            None => "root",
            Some(pos) => &self.shape.names[self.order().key(pos) as usize],
        }
    }

    /// The path from the root's first child down to `id`, root first.
    pub fn path(&self, id: CallId) -> Vec<CallId> {
        let Some(pos) = self.pos(id) else {
            return Vec::new();
        };
        let order = self.order();
        let (e, depth) = order.locate(pos);
        (1..=depth)
            .map(|d| CallId::at(order.node_at(e, d)))
            .collect()
    }

    /// Whether `ancestor` is `id` or lies on its path to the root.
    pub fn is_ancestor(&self, ancestor: CallId, id: CallId) -> bool {
        let Some(pos) = self.pos(ancestor) else {
            return true;
        };
        let Some(at) = self.pos(id) else {
            return false;
        };
        let order = self.order();
        let (e, depth) = order.locate(pos);
        let (f, d) = order.locate(at);
        d >= depth && order.subtree(e, depth).contains(&f)
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
                .into_iter()
                .find(|&k| self.name(k) == name.as_ref())
            {
                Some(k) => at = k,
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

    /// The depth of the deepest frame under `from` (itself included).
    pub fn deepest(&self, from: CallId) -> u32 {
        let (_, depth, entries) = self.span(from);
        let order = self.order();
        entries
            .filter(|&e| self.sums.has_samples(e))
            .map(|e| order.stack_len(e))
            .max()
            .unwrap_or(depth) as u32
    }
}

/// [`CallTree::reach`]: for an entry with samples, every node; for one
/// without, the nodes no deeper than the prefix it shares with every entry
/// up to the next one with samples (none when there is no such entry).
fn reach(order: &StackOrder, sums: &Sums) -> Vec<u32> {
    let n = order.len();
    if (0..n).all(|e| sums.has_samples(e)) {
        return Vec::new();
    }
    let mut reach = vec![0u32; n];
    // The reach of the entry after `e` as seen from `e`.
    let mut next = 0u32;
    for e in (0..n).rev() {
        reach[e] = if sums.has_samples(e) { u32::MAX } else { next };
        next = (order.lcp(e) as u32).min(reach[e]);
    }
    reach
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

    /// A tree summed with a flag never set is the plain tree; one told to
    /// stop gives none, and a view told to stop sorts no stacks.
    #[test]
    fn a_cancelled_tree_gives_no_result() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let profile = load("leaky/cpu.pb.gz");
        let sample_index = profile.default_sample_index();
        let flag = Arc::new(AtomicBool::new(false));
        let cancel = Cancel::new(Arc::clone(&flag));
        let filters = Filters::default();
        let stacks =
            Stacks::cancellable(&profile, Granularity::Functions, &filters, cancel.clone());
        let shape = Arc::new(TreeShape::of(&stacks));
        let plain = CallTree::build(
            &Stacks::new(&profile, Granularity::Functions, &filters),
            sample_index,
        );
        let tree =
            CallTree::cancellable(Arc::clone(&shape), &profile, sample_index, &cancel).unwrap();
        assert!(tree.len() > 1);
        assert_eq!(tree.len(), plain.len());
        assert_eq!(tree.call(CallTree::ROOT), plain.call(CallTree::ROOT));
        assert_eq!(tree.node_sums(), plain.node_sums());
        flag.store(true, Ordering::Relaxed);
        assert!(CallTree::cancellable(shape, &profile, sample_index, &cancel).is_none());
        assert_eq!(TreeShape::of(&stacks).order().len(), 0);
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

    /// An id kept from another tree (a bigger one) reads as the root here:
    /// no panic, nothing made up.
    #[test]
    fn an_id_of_another_tree_reads_as_the_root() {
        let profile = load("leaky/cpu.pb.gz");
        let stacks = Stacks::new(&profile, Granularity::Functions, &Filters::default());
        let big = CallTree::build(&stacks, profile.default_sample_index());
        let stale = CallId(big.len() as u64 - 1);
        let small = CallTree::names_only(&stacks);
        assert_eq!(small.call(stale).depth, 0);
        assert!(small.children(stale).is_empty());
        assert!(small.path(stale).is_empty());
        assert_eq!(small.name(stale), "root");
        assert!(small.is_ancestor(stale, CallTree::ROOT));
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
