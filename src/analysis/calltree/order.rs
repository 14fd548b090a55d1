//! The distinct stacks of a view, sorted root first and stored front coded:
//! the shape of the call tree, shared by every sample type.
//!
//! Sorting the stacks (as sequences of frame keys, root first) puts every
//! subtree of the call tree on a contiguous range of entries, and the
//! children of a frame on consecutive sub-ranges. Each entry stores only
//! the keys past the prefix it shares with the entry before it, so the
//! stored keys are the tree's nodes, each once, in pre-order: a path node
//! is simply its position in [`StackOrder::keys`].
//!
//! The sort is MSD radix-like: samples are split level by level by the key
//! at that depth, and a group of one sample (or of identical stacks) stops
//! at once, so the work is the length of the prefixes stacks share, not
//! their depth. Nothing recurses: stacks can be hundreds of thousands of
//! frames deep.

use std::ops::Range;

/// A slot with no stack in the tree (filtered out, or empty).
pub const NO_ENTRY: u32 = u32::MAX;

/// The sorted, front-coded distinct stacks.
#[derive(Debug, Clone, Default)]
pub struct StackOrder {
    /// Per entry: the number of keys it shares with the entry before it.
    lcp: Vec<u32>,
    /// Per entry, plus one past the end: where its own keys start in `keys`.
    starts: Vec<usize>,
    /// Every entry's keys past its shared prefix, concatenated.
    keys: Vec<u32>,
    /// Range minimum over `lcp`, for subtree ends and parents.
    min_lcp: MinTree,
    /// Per slot (a sample of one of the inputs): its entry, or [`NO_ENTRY`].
    entry_of: Vec<u32>,
}

/// Stacks as key sequences, root first, before sorting: slot `s` is
/// `frames[ends[s - 1]..ends[s]]` (empty for a slot not in the tree).
#[derive(Debug, Default)]
pub struct StackList {
    frames: Vec<u32>,
    ends: Vec<usize>,
}

impl StackList {
    /// An empty list with room for `slots` stacks of `frames` keys in all.
    pub fn with_capacity(slots: usize, frames: usize) -> StackList {
        StackList {
            frames: Vec::with_capacity(frames),
            ends: Vec::with_capacity(slots),
        }
    }

    /// Appends the next slot's stack, root first.
    pub fn push(&mut self, keys: impl IntoIterator<Item = u32>) {
        self.frames.extend(keys);
        self.ends.push(self.frames.len());
    }

    /// Appends a slot with no stack.
    pub fn push_empty(&mut self) {
        self.ends.push(self.frames.len());
    }

    /// Appends one key to the stack being built (see [`StackList::end_stack`]).
    pub fn push_key(&mut self, key: u32) {
        self.frames.push(key);
    }

    /// Ends the stack built by [`StackList::push_key`].
    pub fn end_stack(&mut self) {
        self.ends.push(self.frames.len());
    }

    /// The keys pushed since the last stack ended.
    pub fn pending(&self) -> &[u32] {
        &self.frames[self.ends.last().copied().unwrap_or(0)..]
    }

    /// Drops the keys pushed since the last stack ended.
    pub fn drop_pending(&mut self) {
        self.frames.truncate(self.ends.last().copied().unwrap_or(0));
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The slots of `parts`, one after the other.
    pub fn concat(parts: Vec<StackList>) -> StackList {
        let mut parts = parts.into_iter();
        let mut list = parts.next().unwrap_or_default();
        for part in parts {
            let offset = list.frames.len();
            list.frames.extend_from_slice(&part.frames);
            list.ends.extend(part.ends.iter().map(|&e| e + offset));
        }
        list
    }

    /// The item of `slot`, or none when its stack is empty.
    pub(super) fn item(&self, slot: u32) -> Option<Item> {
        (!self.bounds(slot).is_empty()).then_some(Item { slot })
    }

    /// The keys of slot `slot`'s stack, root first.
    pub fn stack(&self, slot: u32) -> &[u32] {
        &self.frames[self.bounds(slot)]
    }

    fn bounds(&self, slot: u32) -> Range<usize> {
        let s = slot as usize;
        let start = if s == 0 { 0 } else { self.ends[s - 1] };
        start..self.ends[s]
    }
}

/// A slot being sorted.
#[derive(Clone, Copy)]
pub(super) struct Item {
    pub slot: u32,
}

impl Item {
    /// The key at `depth`, shifted up by one so that a stack ending there
    /// sorts first as 0.
    pub fn key(self, list: &StackList, depth: usize) -> u32 {
        list.stack(self.slot)
            .get(depth)
            .map_or(0, |&k| k.saturating_add(1))
    }
}

/// A range of sorted slots sharing their first `depth` keys.
struct Group {
    slots: Range<usize>,
    depth: usize,
    /// Keys shared with the entry emitted before the group's first.
    lcp: usize,
}

/// The entries of a contiguous run of groups, sorted apart from the rest.
#[derive(Default)]
struct Part {
    lcp: Vec<u32>,
    /// Where each entry's keys start in `keys`.
    starts: Vec<usize>,
    keys: Vec<u32>,
    /// Per position of the part's slots (as sorted): its entry in the part.
    entry_at: Vec<u32>,
}

/// Fewer slots than this are sorted on one thread.
const MIN_PARALLEL: usize = 50_000;

/// Sorts a group's slots (`order` holds the slots from position `base`
/// on) by their key at the group's depth, going deeper while they all
/// share it, and pushes the groups this makes onto `out` in order: the
/// stacks that end at that depth first (they are identical), then one
/// group per key. Returns false, pushing nothing, when the whole group is
/// identical stacks.
fn split(
    list: &StackList,
    order: &mut [Item],
    base: usize,
    group: &Group,
    keys: &mut Vec<(u32, Item)>,
    out: &mut Vec<Group>,
) -> bool {
    let slots = group.slots.start - base..group.slots.end - base;
    let mut depth = group.depth;
    loop {
        let items = &order[slots.clone()];
        let first = items[0].key(list, depth);
        if items.iter().any(|item| item.key(list, depth) != first) {
            break;
        }
        if first == 0 {
            return false;
        }
        depth += 1;
    }
    sort_level(list, &mut order[slots], depth, keys);
    let mut lcp = group.lcp;
    for (key, run) in runs(keys) {
        out.push(Group {
            slots: group.slots.start + run.start..group.slots.start + run.end,
            depth: if key == 0 { depth } else { depth + 1 },
            lcp,
        });
        lcp = depth;
    }
    true
}

/// Sorts `items` by their key at `depth` (stacks ending there first),
/// leaving the sorted keys in `keys` for [`runs`].
pub(super) fn sort_level(
    list: &StackList,
    items: &mut [Item],
    depth: usize,
    keys: &mut Vec<(u32, Item)>,
) {
    keys.clear();
    keys.extend(items.iter().map(|&item| (item.key(list, depth), item)));
    keys.sort_unstable_by_key(|&(key, _)| key);
    for (slot, &(_, item)) in items.iter_mut().zip(keys.iter()) {
        *slot = item;
    }
}

/// The runs of equal keys in sorted `keys`: each key (0 for the stacks
/// that end) and its positions.
pub(super) fn runs(keys: &[(u32, Item)]) -> impl Iterator<Item = (u32, Range<usize>)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        let &(key, _) = keys.get(i)?;
        let j = i + keys[i..].partition_point(|p| p.0 == key);
        let run = i..j;
        i = j;
        Some((key, run))
    })
}

impl Part {
    /// Sorts `groups` (of `order`, whose first position is `base`) one
    /// after the other.
    fn sort(list: &StackList, order: &mut [Item], base: usize, groups: Vec<Group>) -> Part {
        let mut part = Part {
            entry_at: vec![0; order.len()],
            ..Part::default()
        };
        let mut work: Vec<Group> = groups.into_iter().rev().collect();
        let mut keys = Vec::new();
        let mut split_into: Vec<Group> = Vec::new();
        while let Some(group) = work.pop() {
            // No stack at all (every sample filtered out, or empty).
            if group.slots.is_empty() {
                continue;
            }
            if group.slots.len() == 1
                || !split(list, order, base, &group, &mut keys, &mut split_into)
            {
                let positions = group.slots.start - base..group.slots.end - base;
                part.emit(list, order, positions, group.lcp);
                continue;
            }
            work.extend(split_into.drain(..).rev());
        }
        part
    }

    /// Adds the entry of the identical stacks at `positions` of `order`,
    /// sharing `lcp` keys with the entry before it.
    fn emit(&mut self, list: &StackList, order: &[Item], positions: Range<usize>, lcp: usize) {
        let entry = self.lcp.len() as u32;
        let item = order[positions.start];
        self.lcp.push(lcp as u32);
        self.starts.push(self.keys.len());
        self.keys.extend_from_slice(&list.stack(item.slot)[lcp..]);
        self.entry_at[positions].fill(entry);
    }
}

impl StackOrder {
    /// Sorts the stacks of `list`. Groups are split on this thread until
    /// none holds half the stacks, then the two halves are sorted side by
    /// side.
    pub fn sort(list: &StackList) -> StackOrder {
        let mut order: Vec<Item> = (0..list.len() as u32)
            .filter_map(|slot| list.item(slot))
            .collect();
        let total = order.len();
        let mut frontier = vec![Group {
            slots: 0..total,
            depth: 0,
            lcp: 0,
        }];
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let mut keys = Vec::new();
        let mut split_into = Vec::new();
        if threads > 1 && total >= MIN_PARALLEL {
            while let Some(big) = frontier.iter().position(|g| g.slots.len() > total / 2) {
                let group = &frontier[big];
                if !split(list, &mut order, 0, group, &mut keys, &mut split_into) {
                    break;
                }
                frontier.splice(big..big + 1, split_into.drain(..));
            }
        }
        drop(keys);
        let cut = frontier.partition_point(|g| g.slots.end <= total / 2);
        let parts = if cut == 0 || cut == frontier.len() {
            vec![Part::sort(list, &mut order, 0, frontier)]
        } else {
            let second = frontier.split_off(cut);
            let mid = second[0].slots.start;
            let (left, right) = order.split_at_mut(mid);
            std::thread::scope(|scope| {
                let other = scope.spawn(move || Part::sort(list, right, mid, second));
                let mut parts = vec![Part::sort(list, left, 0, frontier)];
                parts.extend(crate::parallel::join_all(vec![other]));
                parts
            })
        };
        let mut out = StackOrder {
            entry_of: vec![NO_ENTRY; list.len()],
            ..StackOrder::default()
        };
        let mut position = 0;
        for part in parts {
            let entries = out.lcp.len() as u32;
            let keys = out.keys.len();
            out.lcp.extend_from_slice(&part.lcp);
            out.starts.extend(part.starts.iter().map(|&s| s + keys));
            out.keys.extend_from_slice(&part.keys);
            for (item, &e) in order[position..].iter().zip(&part.entry_at) {
                out.entry_of[item.slot as usize] = entries + e;
            }
            position += part.entry_at.len();
        }
        out.starts.push(out.keys.len());
        out.min_lcp = MinTree::new(&out.lcp);
        out
    }

    /// Number of entries (distinct stacks).
    pub fn len(&self) -> usize {
        self.lcp.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lcp.is_empty()
    }

    /// Number of path nodes (the root not included).
    pub fn node_count(&self) -> usize {
        self.keys.len()
    }

    /// Each slot's entry, or [`NO_ENTRY`].
    pub fn entry_of(&self) -> &[u32] {
        &self.entry_of
    }

    /// Keys entry `e` shares with the entry before it.
    pub fn lcp(&self, e: usize) -> usize {
        self.lcp[e] as usize
    }

    /// The depth of entry `e`'s stack.
    pub fn stack_len(&self, e: usize) -> usize {
        self.lcp[e] as usize + (self.starts[e + 1] - self.starts[e])
    }

    /// The keys entry `e` stores: its stack past the shared prefix.
    pub fn suffix(&self, e: usize) -> &[u32] {
        &self.keys[self.starts[e]..self.starts[e + 1]]
    }

    /// Every path node's key, in pre-order.
    pub fn keys(&self) -> &[u32] {
        &self.keys
    }

    /// The key of the path node at `pos`.
    pub fn key(&self, pos: usize) -> u32 {
        self.keys[pos]
    }

    /// The entry whose stored keys hold `pos`, and the node's depth.
    pub fn locate(&self, pos: usize) -> (usize, usize) {
        let e = self.starts.partition_point(|&s| s <= pos) - 1;
        (e, self.lcp(e) + (pos - self.starts[e]) + 1)
    }

    /// The position of the node at `depth` (≥ 1) on entry `e`'s stack.
    pub fn node_at(&self, e: usize, depth: usize) -> usize {
        let owner = if depth > self.lcp(e) {
            e
        } else {
            self.min_lcp.last_below(e, depth as u32).unwrap_or(0)
        };
        self.starts[owner] + (depth - self.lcp(owner) - 1)
    }

    /// The entries of the subtree of the node at `depth` on entry `e`,
    /// when `e` is the first entry through it; `depth` 0 is the root.
    pub fn subtree(&self, e: usize, depth: usize) -> Range<usize> {
        if depth == 0 {
            return 0..self.len();
        }
        e..self.min_lcp.first_below(e + 1, depth as u32, self.len())
    }

    /// The first entry of each child of the node at `depth` whose subtree
    /// is `entries`, in key order.
    pub fn child_entries(
        &self,
        entries: Range<usize>,
        depth: usize,
    ) -> impl Iterator<Item = usize> + '_ {
        let mut next = entries.start;
        if next < entries.end && self.stack_len(next) == depth {
            next += 1;
        }
        std::iter::from_fn(move || {
            if next >= entries.end {
                return None;
            }
            let child = next;
            next = self
                .min_lcp
                .first_below(child + 1, depth as u32 + 1, entries.end);
            Some(child)
        })
    }

    /// Calls `visit` with every entry's whole stack, in order.
    pub fn for_each_stack(&self, entries: Range<usize>, mut visit: impl FnMut(usize, &[u32])) {
        let mut stack: Vec<u32> = Vec::new();
        if let Some(first) = entries.clone().next() {
            // The prefix the first entry shares with earlier ones.
            let lcp = self.lcp(first);
            stack.extend((1..=lcp).map(|d| self.keys[self.node_at(first, d)]));
        }
        for e in entries {
            stack.truncate(self.lcp(e));
            stack.extend_from_slice(self.suffix(e));
            visit(e, &stack);
        }
    }
}

/// A minimum segment tree over `u32`s, answering "the first (or last)
/// index past (or before) `i` whose value is below `x`" in O(log n).
#[derive(Debug, Clone, Default)]
struct MinTree {
    /// Leaves start at `size`; padding leaves hold 0, below any query.
    tree: Vec<u32>,
    size: usize,
}

impl MinTree {
    fn new(values: &[u32]) -> MinTree {
        let size = values.len().next_power_of_two().max(1);
        let mut tree = vec![0u32; 2 * size];
        tree[size..size + values.len()].copy_from_slice(values);
        for i in (1..size).rev() {
            tree[i] = tree[2 * i].min(tree[2 * i + 1]);
        }
        MinTree { tree, size }
    }

    /// The first index `j >= from` with a value below `x`, or `limit` when
    /// there is none before `limit`.
    fn first_below(&self, from: usize, x: u32, limit: usize) -> usize {
        if from >= limit {
            return limit;
        }
        let t = &self.tree;
        let mut i = from + self.size;
        if t[i] >= x {
            loop {
                while i > 1 && i & 1 == 1 {
                    i >>= 1;
                }
                if i == 1 {
                    return limit;
                }
                i += 1;
                if t[i] < x {
                    break;
                }
            }
            while i < self.size {
                i *= 2;
                if t[i] >= x {
                    i += 1;
                }
            }
        }
        (i - self.size).min(limit)
    }

    /// The last index `j <= to` with a value below `x`.
    fn last_below(&self, to: usize, x: u32) -> Option<usize> {
        let t = &self.tree;
        let mut i = to + self.size;
        if t[i] >= x {
            loop {
                while i > 1 && i & 1 == 0 {
                    i >>= 1;
                }
                if i == 1 {
                    return None;
                }
                i -= 1;
                if t[i] < x {
                    break;
                }
            }
            while i < self.size {
                i = 2 * i + 1;
                if t[i] >= x {
                    i -= 1;
                }
            }
        }
        Some(i - self.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(stacks: &[&[u32]]) -> StackOrder {
        let mut list = StackList::default();
        for s in stacks {
            list.push(s.iter().copied());
        }
        StackOrder::sort(&list)
    }

    fn whole(order: &StackOrder) -> Vec<Vec<u32>> {
        let mut out = Vec::new();
        order.for_each_stack(0..order.len(), |_, s| out.push(s.to_vec()));
        out
    }

    #[test]
    fn stacks_sort_root_first_and_share_their_prefixes() {
        let o = order(&[
            &[1, 2, 3],
            &[1, 2],
            &[0, 5],
            &[1, 2, 3],
            &[1, 4],
            &[],
            &[1, 2, 0],
        ]);
        assert_eq!(
            whole(&o),
            vec![
                vec![0, 5],
                vec![1, 2],
                vec![1, 2, 0],
                vec![1, 2, 3],
                vec![1, 4]
            ]
        );
        assert_eq!(o.lcp, vec![0, 0, 2, 2, 1]);
        // The trie in pre-order: 0 5 | 1 2 | 0 | 3 | 4.
        assert_eq!(o.keys, vec![0, 5, 1, 2, 0, 3, 4]);
        // Identical stacks share an entry; the empty one has none.
        assert_eq!(o.entry_of, vec![3, 1, 0, 3, 4, NO_ENTRY, 2]);
        assert_eq!(o.locate(3), (1, 2));
        assert_eq!(o.node_at(3, 2), 3, "the `2` under `1`, stored by entry 1");
        assert_eq!(o.subtree(1, 1), 1..5);
        assert_eq!(o.subtree(1, 2), 1..4);
        assert_eq!(o.subtree(0, 0), 0..5);
        let kids: Vec<usize> = o.child_entries(1..4, 2).collect();
        assert_eq!(kids, vec![2, 3], "entry 1 ends at the node: its own");
        let kids: Vec<usize> = o.child_entries(0..5, 0).collect();
        assert_eq!(kids, vec![0, 1]);
    }

    #[test]
    fn no_stacks_sort_to_no_entries() {
        for stacks in [&[][..], &[&[][..], &[]]] {
            let o = order(stacks);
            assert!(o.is_empty());
            assert_eq!(o.node_count(), 0);
            assert_eq!(o.entry_of, vec![NO_ENTRY; stacks.len()]);
            assert_eq!(o.child_entries(0..0, 0).count(), 0);
        }
    }

    /// Enough stacks to be sorted in two halves: every slot finds its own
    /// stack in its entry, entries strictly increase, and the shared
    /// prefixes are exact.
    #[test]
    fn a_large_sort_in_halves_is_exact() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as u32
        };
        let mut list = StackList::default();
        let mut stacks = Vec::new();
        for _ in 0..(2 * MIN_PARALLEL) {
            let depth = next(12) as usize;
            // Few keys near the root, so that groups are shared and deep.
            let stack: Vec<u32> = (0..depth).map(|d| next(2 + d as u64 * 3)).collect();
            list.push(stack.iter().copied());
            stacks.push(stack);
        }
        let o = StackOrder::sort(&list);
        let entries = whole(&o);
        for pair in entries.windows(2) {
            assert!(pair[0] < pair[1]);
        }
        for (e, stack) in entries.iter().enumerate() {
            if e > 0 {
                let shared = entries[e - 1]
                    .iter()
                    .zip(stack)
                    .take_while(|(a, b)| a == b)
                    .count();
                assert_eq!(o.lcp(e), shared);
            }
        }
        for (slot, stack) in stacks.iter().enumerate() {
            match o.entry_of[slot] {
                NO_ENTRY => assert!(stack.is_empty()),
                e => assert_eq!(&entries[e as usize], stack),
            }
        }
    }

    #[test]
    fn min_tree_finds_the_nearest_smaller_values() {
        let values = [0, 3, 1, 4, 1, 5, 9, 2, 6];
        let t = MinTree::new(&values);
        for from in 0..values.len() {
            for x in 0..11 {
                let want = (from..values.len())
                    .find(|&j| values[j] < x)
                    .unwrap_or(values.len());
                assert_eq!(t.first_below(from, x, values.len()), want, "{from} {x}");
                let want = (0..=from).rev().find(|&j| values[j] < x);
                assert_eq!(t.last_below(from, x), want, "{from} {x}");
            }
        }
        assert_eq!(t.first_below(2, 1, 5), 5, "limited");
    }
}
