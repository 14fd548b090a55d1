//! A walk over listed stacks that sorts only what it visits: the way to
//! read a call tree once, pruned, as an SVG flame graph does.
//!
//! It splits the stacks level by level with the same step as
//! [`StackOrder::sort`](super::StackOrder::sort) (sorting a group by its
//! next key, as an MSD radix sort does), but only enters the children it is
//! told to: a subtree too narrow to draw is summed and never split further.
//! The interactive views read the tree many times and in any order, and
//! sort it whole instead.

use std::ops::{AddAssign, Range};

use super::order::{Item, StackList, runs, sort_level};

/// What [`StackList::walk_lazily`] does with a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Descend {
    /// Visit it and its children.
    Enter,
    /// Visit it with its whole value as its own line, and no children.
    Collapse,
    /// Do not visit it: its value joins its parent's line.
    Merge,
}

/// A node as [`StackList::walk_lazily`] visits it.
#[derive(Debug, Clone, Copy)]
pub struct LazyVisit<V> {
    /// Sequential id in visiting order; the root (never visited) is 0.
    pub node: u32,
    /// Distance from the root: the root's children have depth 1.
    pub depth: usize,
    /// The frame's key.
    pub key: u32,
    /// Value of the stacks through this node.
    pub cum: V,
    /// Value of the stacks ending here, plus the children merged into it
    /// (a collapsed node's whole value).
    pub line: V,
}

/// A node waiting to be visited.
struct Pending<V> {
    items: Range<usize>,
    depth: usize,
    key: u32,
    cum: V,
    collapsed: bool,
}

impl StackList {
    /// Walks the tree of the stacks of `slots` (empty ones left out) depth
    /// first, parents before children and siblings in key order, calling
    /// `visit` on every node entered but the root. `value` gives a slot's
    /// value; `descend` decides, from a child's depth and value, whether it
    /// is entered. Nothing recurses.
    pub fn walk_lazily<V, E>(
        &self,
        slots: impl IntoIterator<Item = u32>,
        value: impl Fn(u32) -> V,
        mut descend: impl FnMut(usize, V) -> Descend,
        mut visit: impl FnMut(&LazyVisit<V>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        V: Copy + Default + AddAssign,
    {
        let mut items: Vec<Item> = slots.into_iter().filter_map(|s| self.item(s)).collect();
        let mut total = V::default();
        for item in &items {
            total += value(item.slot);
        }
        let mut stack = vec![Pending {
            items: 0..items.len(),
            depth: 0,
            key: u32::MAX,
            cum: total,
            collapsed: false,
        }];
        let mut keys = Vec::new();
        let mut children: Vec<Pending<V>> = Vec::new();
        let mut next_node = 0u32;
        while let Some(node) = stack.pop() {
            let id = next_node;
            next_node += 1;
            let mut line = V::default();
            if node.collapsed {
                line = node.cum;
            } else {
                let start = node.items.start;
                sort_level(self, &mut items[node.items], node.depth, &mut keys);
                children.clear();
                for (key, run) in runs(&keys) {
                    let mut cum = V::default();
                    for &(_, item) in &keys[run.clone()] {
                        cum += value(item.slot);
                    }
                    // Key 0: the stacks that end at this node.
                    let what = if key == 0 {
                        Descend::Merge
                    } else {
                        descend(node.depth + 1, cum)
                    };
                    match what {
                        Descend::Merge => line += cum,
                        Descend::Enter | Descend::Collapse => children.push(Pending {
                            items: start + run.start..start + run.end,
                            depth: node.depth + 1,
                            key: key - 1,
                            cum,
                            collapsed: what == Descend::Collapse,
                        }),
                    }
                }
                stack.extend(children.drain(..).rev());
            }
            if node.depth > 0 {
                visit(&LazyVisit {
                    node: id,
                    depth: node.depth,
                    key: node.key,
                    cum: node.cum,
                    line,
                })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lazy_walk_visits_what_it_enters_in_key_order() {
        let mut list = StackList::default();
        for stack in [&[2u32, 1][..], &[0, 5], &[2, 1], &[2], &[0, 3], &[]] {
            list.push(stack.iter().copied());
        }
        let mut seen = Vec::new();
        // Values 1, 10, 100, …: every slot's part stays visible in the sums.
        let walked = list.walk_lazily(
            0..list.len() as u32,
            |s| 10i64.pow(s),
            |depth, cum| match (depth, cum) {
                (_, 10_000) => Descend::Collapse,
                (2, 10) => Descend::Merge,
                _ => Descend::Enter,
            },
            |v| {
                seen.push((v.node, v.depth, v.key, v.cum, v.line));
                Ok::<(), ()>(())
            },
        );
        assert!(walked.is_ok());
        assert_eq!(
            seen,
            vec![
                (1, 1, 0, 10_010, 10),
                (2, 2, 3, 10_000, 10_000),
                (3, 1, 2, 1_101, 1_000),
                (4, 2, 1, 101, 101),
            ]
        );
    }
}
