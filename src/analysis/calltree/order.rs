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
//! frames deep. Large groups are split by counting passes over their keys
//! (an LSD radix sort) rather than by comparisons: faster, and a sort that
//! is told to stop ([`Cancel`]) looks at the flag between passes and
//! groups, so it gives its thread back within milliseconds.

use std::ops::Range;

use crate::analysis::Cancel;

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
    scratch: &mut Scratch,
    out: &mut Vec<Group>,
) -> Split {
    let slots = group.slots.start - base..group.slots.end - base;
    let mut depth = group.depth;
    loop {
        // Each level of a large group's shared prefix is one pass over it.
        if scratch.cancel.is_cancelled() {
            return Split::Cancelled;
        }
        let items = &order[slots.clone()];
        let first = items[0].key(list, depth);
        if items.iter().any(|item| item.key(list, depth) != first) {
            break;
        }
        if first == 0 {
            return Split::Identical;
        }
        depth += 1;
    }
    if !scratch.sort_level(list, &mut order[slots], depth) {
        return Split::Cancelled;
    }
    let mut lcp = group.lcp;
    for (key, run) in runs(&scratch.keys) {
        out.push(Group {
            slots: group.slots.start + run.start..group.slots.start + run.end,
            depth: if key == 0 { depth } else { depth + 1 },
            lcp,
        });
        lcp = depth;
    }
    Split::Divided
}

/// What [`split`] did with a group.
#[derive(PartialEq, Eq)]
enum Split {
    /// Pushed its subgroups.
    Divided,
    /// Nothing: the group is identical stacks.
    Identical,
    /// Nothing: the sort was told to stop.
    Cancelled,
}

/// Groups at least this large are sorted by counting passes; smaller ones
/// by comparisons, for which a pass's table of counts would cost more
/// than it saves.
const RADIX_MIN: usize = 2048;

/// Bits of a key sorted per counting pass: keys are node ids, so two passes
/// cover views of up to four million nodes.
const DIGIT_BITS: u32 = 11;

/// What [`split`] reuses from group to group: the keys of the group being
/// sorted, room for a counting pass, and the flag that stops the sort.
struct Scratch<'c> {
    keys: Vec<(u32, Item)>,
    spare: Vec<(u32, Item)>,
    cancel: &'c Cancel,
}

impl<'c> Scratch<'c> {
    fn new(cancel: &'c Cancel) -> Scratch<'c> {
        Scratch {
            keys: Vec::new(),
            spare: Vec::new(),
            cancel,
        }
    }

    /// [`sort_level`], by counting passes over the keys when the group is
    /// large (the order within a run of equal keys differs, which no entry
    /// depends on). False when told to stop between passes.
    fn sort_level(&mut self, list: &StackList, items: &mut [Item], depth: usize) -> bool {
        if items.len() < RADIX_MIN {
            sort_level(list, items, depth, &mut self.keys);
            return true;
        }
        let keys = &mut self.keys;
        keys.clear();
        keys.extend(items.iter().map(|&item| (item.key(list, depth), item)));
        let (low, high) = keys
            .iter()
            .fold((u32::MAX, 0), |(lo, hi), &(k, _)| (lo.min(k), hi.max(k)));
        let span = high.saturating_sub(low);
        let mut shift = 0;
        while shift < u32::BITS && span >> shift != 0 {
            if self.cancel.is_cancelled() {
                return false;
            }
            counting_pass(keys, &mut self.spare, low, shift);
            shift += DIGIT_BITS;
        }
        for (slot, &(_, item)) in items.iter_mut().zip(keys.iter()) {
            *slot = item;
        }
        true
    }
}

/// One stable counting pass of an LSD radix sort: orders `keys` by the
/// digit of `key - low` at `shift`, through `spare`. A pass in which every
/// key has the same digit leaves them as they are.
fn counting_pass(keys: &mut Vec<(u32, Item)>, spare: &mut Vec<(u32, Item)>, low: u32, shift: u32) {
    const MASK: u32 = (1 << DIGIT_BITS) - 1;
    let digit = |key: u32| ((key - low) >> shift & MASK) as usize;
    let mut starts = [0usize; 1 << DIGIT_BITS];
    for &(key, _) in keys.iter() {
        starts[digit(key)] += 1;
    }
    if starts.contains(&keys.len()) {
        return;
    }
    let mut next = 0;
    for start in &mut starts {
        let count = *start;
        *start = next;
        next += count;
    }
    spare.clear();
    spare.resize(keys.len(), (0, Item { slot: 0 }));
    for &pair in keys.iter() {
        let d = digit(pair.0);
        spare[starts[d]] = pair;
        starts[d] += 1;
    }
    std::mem::swap(keys, spare);
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

/// Groups a part sorts between two looks at its [`Cancel`] (groups of one
/// stack cost tens of nanoseconds; a larger group looks itself).
const GROUPS_PER_CHECK: usize = 1024;

impl Part {
    /// Sorts `groups` (of `order`, whose first position is `base`) one
    /// after the other; `None` once `cancel` is set.
    fn sort(
        list: &StackList,
        order: &mut [Item],
        base: usize,
        groups: Vec<Group>,
        cancel: &Cancel,
    ) -> Option<Part> {
        let mut part = Part {
            entry_at: vec![0; order.len()],
            ..Part::default()
        };
        let mut work: Vec<Group> = groups.into_iter().rev().collect();
        let mut scratch = Scratch::new(cancel);
        let mut split_into: Vec<Group> = Vec::new();
        let mut sorted = 0usize;
        while let Some(group) = work.pop() {
            sorted += 1;
            if sorted.is_multiple_of(GROUPS_PER_CHECK) && cancel.is_cancelled() {
                return None;
            }
            // No stack at all (every sample filtered out, or empty).
            if group.slots.is_empty() {
                continue;
            }
            let how = if group.slots.len() == 1 {
                Split::Identical
            } else {
                split(list, order, base, &group, &mut scratch, &mut split_into)
            };
            match how {
                Split::Identical => {
                    let positions = group.slots.start - base..group.slots.end - base;
                    part.emit(list, order, positions, group.lcp);
                }
                Split::Divided => work.extend(split_into.drain(..).rev()),
                Split::Cancelled => return None,
            }
        }
        Some(part)
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
        StackOrder::sort_cancellable(list, &Cancel::default()).unwrap_or_default()
    }

    /// [`StackOrder::sort`], or `None` once `cancel` is set: the sort looks
    /// at it between groups and between the passes over a large one.
    pub fn sort_cancellable(list: &StackList, cancel: &Cancel) -> Option<StackOrder> {
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
        let mut split_into = Vec::new();
        if threads > 1 && total >= MIN_PARALLEL {
            let mut scratch = Scratch::new(cancel);
            while let Some(big) = frontier.iter().position(|g| g.slots.len() > total / 2) {
                let group = &frontier[big];
                match split(list, &mut order, 0, group, &mut scratch, &mut split_into) {
                    Split::Divided => {
                        frontier.splice(big..big + 1, split_into.drain(..));
                    }
                    Split::Identical => break,
                    Split::Cancelled => return None,
                }
            }
        }
        let cut = frontier.partition_point(|g| g.slots.end <= total / 2);
        let parts = if cut == 0 || cut == frontier.len() {
            vec![Part::sort(list, &mut order, 0, frontier, cancel)]
        } else {
            let second = frontier.split_off(cut);
            let mid = second[0].slots.start;
            let (left, right) = order.split_at_mut(mid);
            std::thread::scope(|scope| {
                let other = scope.spawn(move || Part::sort(list, right, mid, second, cancel));
                let mut parts = vec![Part::sort(list, left, 0, frontier, cancel)];
                parts.extend(crate::parallel::join_all(vec![other]));
                parts
            })
        };
        let parts: Vec<Part> = parts.into_iter().collect::<Option<_>>()?;
        if cancel.is_cancelled() {
            return None;
        }
        Some(StackOrder::joined(list.len(), &order, parts))
    }

    /// The order of `slots` slots whose sorted items are `order`, from
    /// the entries of its parts, in order. The first part's arrays become
    /// the order's, so the keys (the bulk) are not held twice.
    fn joined(slots: usize, order: &[Item], parts: Vec<Part>) -> StackOrder {
        let mut out = StackOrder {
            entry_of: vec![NO_ENTRY; slots],
            ..StackOrder::default()
        };
        let mut position = 0;
        for part in parts {
            let entries = out.lcp.len() as u32;
            let keys = out.keys.len();
            if entries == 0 && keys == 0 {
                out.lcp = part.lcp;
                out.starts = part.starts;
                out.keys = part.keys;
            } else {
                out.lcp.extend_from_slice(&part.lcp);
                out.starts.extend(part.starts.iter().map(|&s| s + keys));
                out.keys.extend_from_slice(&part.keys);
            }
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

    /// Pseudo-random numbers below `n`, from `seed`.
    fn xorshift(mut seed: u64) -> impl FnMut(u64) -> u32 {
        move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as u32
        }
    }

    /// Each slot's entry is its own stack; empty stacks have none.
    fn slots_find_their_stacks(o: &StackOrder, entries: &[Vec<u32>], stacks: &[Vec<u32>]) {
        for (slot, stack) in stacks.iter().enumerate() {
            match o.entry_of[slot] {
                NO_ENTRY => assert!(stack.is_empty()),
                e => assert_eq!(&entries[e as usize], stack),
            }
        }
    }

    /// Enough stacks to be sorted in two halves: every slot finds its own
    /// stack in its entry, entries strictly increase, and the shared
    /// prefixes are exact.
    #[test]
    fn a_large_sort_in_halves_is_exact() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
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
        slots_find_their_stacks(&o, &entries, &stacks);
    }

    /// Stacks whose keys at a level span more than two counting passes
    /// (and start far from zero), in groups large enough to be counted:
    /// the entries are the distinct stacks in lexicographic order (the one
    /// order a comparison sort gives), and each slot finds its own.
    #[test]
    fn counting_passes_sort_as_comparisons_do() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        let mut list = StackList::default();
        let mut stacks = Vec::new();
        for _ in 0..(8 * RADIX_MIN) {
            let depth = 1 + next(6) as usize;
            let stack: Vec<u32> = (0..depth)
                .map(|d| match d {
                    // Shared by all: the group is split one level down.
                    0 => 7,
                    // Wide keys: three passes of DIGIT_BITS.
                    1 => 1_000_000 + next(1 << 30),
                    // Few keys: runs of equal ones.
                    _ => 5_000 + next(3),
                })
                .collect();
            list.push(stack.iter().copied());
            stacks.push(stack);
        }
        // Some identical stacks, and slots with none.
        for i in 0..RADIX_MIN {
            let again = stacks[i * 3].clone();
            list.push(again.iter().copied());
            stacks.push(again);
            list.push_empty();
            stacks.push(Vec::new());
        }
        let o = StackOrder::sort(&list);
        let want: Vec<Vec<u32>> = stacks
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let entries = whole(&o);
        assert_eq!(entries, want);
        slots_find_their_stacks(&o, &entries, &stacks);
    }

    /// A sort told to stop gives no order; one never told to gives the
    /// order [`StackOrder::sort`] gives.
    #[test]
    fn a_cancelled_sort_gives_no_order() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let mut list = StackList::default();
        for i in 0..(3 * MIN_PARALLEL as u32) {
            list.push([i % 5, i % 7, i % 11, i]);
        }
        list.push([1]);
        let flag = Arc::new(AtomicBool::new(false));
        let cancel = Cancel::new(Arc::clone(&flag));
        let sorted = StackOrder::sort_cancellable(&list, &cancel).unwrap();
        let plain = StackOrder::sort(&list);
        assert_eq!(whole(&sorted), whole(&plain));
        assert_eq!(sorted.entry_of, plain.entry_of);
        assert_eq!(sorted.lcp, plain.lcp);
        assert_eq!(sorted.len(), 3 * MIN_PARALLEL + 1);
        flag.store(true, Ordering::Relaxed);
        assert!(StackOrder::sort_cancellable(&list, &cancel).is_none());
        let mut one = StackList::default();
        one.push([4, 2]);
        assert!(StackOrder::sort_cancellable(&one, &cancel).is_none());
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
