//! What the call tree says about functions rather than paths: a node's
//! flat and cum, its callers and callees (peek), the value a search
//! covers, a function's heaviest path, and the next match of a search.
//!
//! Each is one pass over the distinct stacks (pprof's rules count a
//! sample once per node and once per edge, which a walk over whole stacks
//! gives directly), or a descent that skips every subtree without a match.

use regex::Regex;

use super::{CallId, CallTree, Coverage, NodeSums, Peek, PeekEdge};
use crate::analysis::stacks::NodeId;

/// Integer-keyed maps with a fast (not DoS-resistant) hasher.
type IdMap<K, V> = foldhash::HashMap<K, V>;

impl CallTree {
    /// Calls `visit` with every stack that has samples of this sample type,
    /// and its values.
    fn for_each_sampled(&self, mut visit: impl FnMut(&[u32], super::Amount)) {
        self.for_each_sampled_entry(|_, stack, amount| visit(stack, amount));
    }

    /// Flat and cum of every graph node (pprof's rules: cum once per
    /// sample), plus the `--diff-base` part of each, indexed by [`NodeId`].
    pub fn node_sums(&self) -> Vec<NodeSums> {
        let mut sums = vec![NodeSums::default(); self.nodes().len()];
        // The last stack each node was counted for.
        let mut seen = vec![usize::MAX; self.nodes().len()];
        let mut count = 0usize;
        self.for_each_sampled(|stack, amount| {
            count += 1;
            for &key in stack {
                let n = key as usize;
                if seen[n] != count {
                    seen[n] = count;
                    sums[n].cum = sums[n].cum.wrapping_add(amount.total());
                    sums[n].base_cum = sums[n].base_cum.saturating_add(amount.base_abs);
                }
            }
            if let Some(&leaf) = stack.last() {
                let s = &mut sums[leaf as usize];
                s.flat = s.flat.wrapping_add(amount.total());
                s.base_flat = s.base_flat.saturating_add(amount.base_abs);
            }
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
        // The edges of one stack, each counted once.
        let mut into: Vec<u32> = Vec::new();
        let mut out: Vec<u32> = Vec::new();
        let add = |edges: &mut IdMap<u32, PeekEdge>, other: u32, amount: &super::Amount| {
            let e = edges.entry(other).or_insert(PeekEdge {
                node: NodeId(other),
                ..PeekEdge::default()
            });
            e.total = e.total.wrapping_add(amount.total());
            e.base = e.base.saturating_add(amount.base_abs);
            e.weight = e.weight.saturating_add(amount.new_abs);
        };
        let key = node.0;
        self.for_each_sampled(|stack, amount| {
            if !stack.contains(&key) {
                return;
            }
            peek.cum = peek.cum.wrapping_add(amount.total());
            peek.base_cum = peek.base_cum.saturating_add(amount.base_abs);
            peek.weight = peek.weight.saturating_add(amount.new_abs);
            if stack.last() == Some(&key) {
                peek.flat = peek.flat.wrapping_add(amount.total());
                peek.base_flat = peek.base_flat.saturating_add(amount.base_abs);
            }
            into.clear();
            out.clear();
            for (i, &k) in stack.iter().enumerate() {
                if k != key {
                    continue;
                }
                if let Some(&caller) = i.checked_sub(1).map(|j| &stack[j])
                    && caller != key
                    && !into.contains(&caller)
                {
                    into.push(caller);
                }
                if let Some(&callee) = stack.get(i + 1)
                    && callee != key
                    && !out.contains(&callee)
                {
                    out.push(callee);
                }
            }
            for &c in &into {
                add(&mut callers, c, &amount);
            }
            for &c in &out {
                add(&mut callees, c, &amount);
            }
        });
        let names = self.names();
        let by_weight = |a: &PeekEdge, b: &PeekEdge| {
            (b.total.unsigned_abs().max(b.base.unsigned_abs()))
                .cmp(&a.total.unsigned_abs().max(a.base.unsigned_abs()))
                .then_with(|| names[a.node.index()].cmp(&names[b.node.index()]))
                .then(a.node.cmp(&b.node))
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
        let matches: Vec<bool> = self.names().iter().map(|n| re.is_match(n)).collect();
        let mut cov = Coverage::default();
        let (_, _, zoom) = self.span(within);
        let order = self.order();
        // The depth of the current stack's outermost match: one pass over
        // the stored keys, each path node read once.
        let mut outermost = usize::MAX;
        for e in 0..order.len() {
            let lcp = order.lcp(e);
            if outermost > lcp {
                outermost = usize::MAX;
            }
            for (i, &k) in order.suffix(e).iter().enumerate() {
                if matches[k as usize] {
                    let depth = lcp + 1 + i;
                    outermost = outermost.min(depth);
                    if self.has_samples_at(e, depth) {
                        cov.frames += 1;
                    }
                }
            }
            if outermost == usize::MAX || !self.sums.has_samples(e) {
                continue;
            }
            let amount = self.sums.entry(e);
            cov.samples += amount.samples;
            cov.total = cov.total.wrapping_add(amount.total());
            cov.weight = cov.weight.saturating_add(amount.new_abs);
            if zoom.contains(&e) {
                cov.zoomed = cov.zoomed.saturating_add(amount.new_abs);
            }
        }
        cov
    }

    fn for_each_sampled_entry(&self, mut visit: impl FnMut(usize, &[u32], super::Amount)) {
        let order = self.order();
        order.for_each_stack(0..order.len(), |e, stack| {
            if self.sums.has_samples(e) {
                visit(e, stack, self.sums.entry(e));
            }
        });
    }

    /// The heaviest path node of a graph node, if any sample reaches it
    /// (the first in pre-order among equals).
    pub fn heaviest(&self, node: NodeId) -> Option<CallId> {
        let order = self.order();
        let mut best: Option<(i64, usize)> = None;
        for (pos, &k) in order.keys().iter().enumerate() {
            if k != node.0 {
                continue;
            }
            let (e, depth) = order.locate(pos);
            if !self.has_samples_at(e, depth) {
                continue;
            }
            let a = self.sums.range(order.subtree(e, depth));
            let weight = a.new_abs.max(a.base_abs);
            if best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, pos));
            }
        }
        best.map(|(_, pos)| CallId::at(pos))
    }

    /// Whether the node entry `e` introduces at `depth` has samples of
    /// this sample type.
    fn has_samples_at(&self, e: usize, depth: usize) -> bool {
        self.reach
            .get(e)
            .is_none_or(|&r| depth as u64 <= u64::from(r))
    }

    /// The next (or previous) path node under `zoom` whose name matches
    /// `re`, in the order a depth-first walk with children heaviest first
    /// visits them, after `from`, wrapping around; the first (or last)
    /// when `from` is not a match under `zoom`.
    pub fn find_match(
        &self,
        re: &Regex,
        zoom: CallId,
        from: CallId,
        forward: bool,
    ) -> Option<CallId> {
        let search = Search::new(self, re);
        let (_, _, within) = self.span(zoom);
        if !search.below(self, zoom, within) {
            return None;
        }
        let from_matches =
            from != CallTree::ROOT && self.is_ancestor(zoom, from) && search.is_match(self, from);
        if !from_matches {
            return Some(if forward {
                search.first(self, zoom)
            } else {
                search.last(self, zoom)
            });
        }
        let step = if forward {
            search.after(self, zoom, from)
        } else {
            search.before(self, zoom, from)
        };
        step.or_else(|| {
            Some(if forward {
                search.first(self, zoom)
            } else {
                search.last(self, zoom)
            })
        })
    }
}

/// Which entries hold a match, and how deep: a subtree has a match when
/// one of its entries has one at the subtree's depth or deeper.
struct Search {
    matches: Vec<bool>,
    /// Per entry, the depth of its deepest matching frame (0: none).
    deepest: Vec<u32>,
}

impl Search {
    fn new(tree: &CallTree, re: &Regex) -> Search {
        let matches: Vec<bool> = tree.names().iter().map(|n| re.is_match(n)).collect();
        let mut deepest = vec![0u32; tree.order().len()];
        tree.for_each_sampled_entry(|e, stack, _| {
            deepest[e] = stack
                .iter()
                .rposition(|&k| matches[k as usize])
                .map_or(0, |i| i as u32 + 1);
        });
        Search { matches, deepest }
    }

    fn is_match(&self, tree: &CallTree, id: CallId) -> bool {
        id != CallTree::ROOT && self.matches[tree.call(id).node.index()]
    }

    /// Whether the subtree of `id` (itself included) holds a match.
    fn below(&self, tree: &CallTree, id: CallId, entries: std::ops::Range<usize>) -> bool {
        let depth = tree.call(id).depth.max(1);
        self.deepest[entries].iter().any(|&d| d >= depth)
    }

    fn holds(&self, tree: &CallTree, id: CallId) -> bool {
        let (_, _, entries) = tree.span(id);
        self.below(tree, id, entries)
    }

    /// The first match in pre-order in the subtree of `id` (which holds one).
    fn first(&self, tree: &CallTree, mut id: CallId) -> CallId {
        loop {
            if self.is_match(tree, id) {
                return id;
            }
            match tree.children(id).into_iter().find(|&k| self.holds(tree, k)) {
                Some(k) => id = k,
                None => return id,
            }
        }
    }

    /// The last match in pre-order in the subtree of `id` (which holds one).
    fn last(&self, tree: &CallTree, mut id: CallId) -> CallId {
        loop {
            match tree
                .children(id)
                .into_iter()
                .rev()
                .find(|&k| self.holds(tree, k))
            {
                Some(k) => id = k,
                None => return id,
            }
        }
    }

    /// The first match after `from` in pre-order, within `zoom`'s subtree.
    fn after(&self, tree: &CallTree, zoom: CallId, from: CallId) -> Option<CallId> {
        if let Some(k) = tree
            .children(from)
            .into_iter()
            .find(|&k| self.holds(tree, k))
        {
            return Some(self.first(tree, k));
        }
        let mut at = from;
        while at != zoom {
            let parent = tree.call(at).parent;
            let siblings = tree.children(parent);
            let i = siblings.iter().position(|&k| k == at)?;
            if let Some(&k) = siblings[i + 1..].iter().find(|&&k| self.holds(tree, k)) {
                return Some(self.first(tree, k));
            }
            at = parent;
        }
        None
    }

    /// The last match before `from` in pre-order, within `zoom`'s subtree.
    fn before(&self, tree: &CallTree, zoom: CallId, from: CallId) -> Option<CallId> {
        let mut at = from;
        while at != zoom {
            let parent = tree.call(at).parent;
            let siblings = tree.children(parent);
            let i = siblings.iter().position(|&k| k == at)?;
            if let Some(&k) = siblings[..i].iter().rev().find(|&&k| self.holds(tree, k)) {
                return Some(self.last(tree, k));
            }
            if self.is_match(tree, parent) {
                return Some(parent);
            }
            at = parent;
        }
        None
    }
}
