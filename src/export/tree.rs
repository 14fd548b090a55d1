//! The stacks of an export view merged into one tree (a trie of frame
//! names, root first), with the new profile's and the base's values side by
//! side. Joining by name sequence is joining by stack string: the two
//! profiles are walked through their own [`Stacks`] and meet here.
//!
//! Everything is iterative: stacks can be hundreds of thousands of frames
//! deep. Children always come after their parent in `nodes`, so one
//! backwards pass sums cumulative values.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::ExportError;
use super::flamegraph::ExportView;
use crate::analysis::{Filters, Granularity, Stacks};
use crate::profile::Profile;

/// The tree's root: the `all` frame of a flame graph.
pub(crate) const ROOT: u32 = 0;

/// A value of the new profile and of the base.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Pair {
    pub new: i64,
    pub base: i64,
}

impl Pair {
    pub fn is_zero(self) -> bool {
        self.new == 0 && self.base == 0
    }

    fn checked_add(self, other: Pair) -> Option<Pair> {
        Some(Pair {
            new: self.new.checked_add(other.new)?,
            base: self.base.checked_add(other.base)?,
        })
    }
}

/// One node: a frame name reached through one path from the root.
#[derive(Debug, Clone)]
pub(crate) struct TreeNode {
    /// Index into [`StackTree::names`] (unused for the root).
    pub name: u32,
    pub parent: u32,
    /// Value of the stacks that end here.
    pub own: Pair,
    /// Value of the stacks that pass through here (filled by `finish`).
    pub cum: Pair,
}

/// Which side of a comparison a profile is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    New,
    Base,
}

/// The merged stacks of an export view.
pub(crate) struct StackTree {
    /// Printable node names (pprof's), by name id.
    pub names: Vec<String>,
    name_ids: HashMap<String, u32>,
    pub nodes: Vec<TreeNode>,
    children: HashMap<u64, u32, BuildHasherDefault<MixHasher>>,
    /// Whether a base profile takes part (a differential view).
    pub diff: bool,
    /// The new profile's total over all samples before filters (pprof's
    /// report total), after `--normalize` scaling.
    pub total: i64,
    /// The same for the base.
    pub base_total: Option<i64>,
    /// Name and unit of the sample type shown.
    pub sample_type: String,
    pub unit: String,
    overflow: bool,
}

impl StackTree {
    /// Builds the tree of everything the view shows.
    pub fn build(view: &ExportView<'_>) -> Result<StackTree, ExportError> {
        let profile = view.profile;
        let count = profile.sample_types.len();
        let Some(sample_type) = profile.sample_types.get(view.sample_index) else {
            return Err(ExportError::SampleIndex {
                index: view.sample_index,
                count,
            });
        };
        let mut tree = StackTree {
            names: Vec::new(),
            name_ids: HashMap::new(),
            nodes: vec![TreeNode {
                name: u32::MAX,
                parent: ROOT,
                own: Pair::default(),
                cum: Pair::default(),
            }],
            children: HashMap::default(),
            diff: false,
            total: 0,
            base_total: None,
            sample_type: sample_type.name.clone(),
            unit: sample_type.unit.clone(),
            overflow: false,
        };
        let zoom: Vec<u32> = view.zoom.iter().map(|name| tree.intern(name)).collect();
        let walk = Walk {
            granularity: view.granularity,
            filters: &view.filters,
            zoom: &zoom,
        };
        match view.base {
            Some(base) => {
                let base_index = base
                    .sample_types
                    .iter()
                    .position(|t| t.name == sample_type.name)
                    .ok_or_else(|| ExportError::BaseSampleType {
                        name: sample_type.name.clone(),
                    })?;
                tree.diff = true;
                let scale = view
                    .normalize
                    .then(|| normalize_ratio(profile, view.sample_index, base, base_index));
                tree.total = abs_totals(profile, view.sample_index, scale).0;
                tree.base_total = Some(abs_totals(base, base_index, None).0);
                tree.add(profile, view.sample_index, &walk, Side::New, scale);
                tree.add(base, base_index, &walk, Side::Base, None);
            }
            None => {
                let (total, base_total) = abs_totals(profile, view.sample_index, None);
                tree.diff = !profile.samples().diff_base.is_empty();
                tree.total = total;
                // A profile merged with `--diff-base` carries its base inside.
                tree.base_total = tree.diff.then_some(base_total);
                tree.add(profile, view.sample_index, &walk, Side::New, None);
            }
        }
        tree.finish()?;
        Ok(tree)
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.name_ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.name_ids.insert(name.to_owned(), id);
        id
    }

    fn child(&mut self, parent: u32, name: u32) -> u32 {
        let key = (u64::from(parent) << 32) | u64::from(name);
        let next = self.nodes.len() as u32;
        let id = *self.children.entry(key).or_insert(next);
        if id == next {
            self.nodes.push(TreeNode {
                name,
                parent,
                own: Pair::default(),
                cum: Pair::default(),
            });
        }
        id
    }

    /// Adds every sample the view keeps from one profile.
    fn add(
        &mut self,
        profile: &Profile,
        sample_index: usize,
        walk: &Walk<'_>,
        side: Side,
        scale: Option<f64>,
    ) {
        let stacks = Stacks::new(profile, walk.granularity, walk.filters);
        let name_ids: Vec<u32> = stacks
            .nodes()
            .iter()
            .map(|n| self.intern(&n.printable_name()))
            .collect();
        let samples = profile.samples();
        let zoom = walk.zoom;
        stacks.for_each(|s, frames| {
            let value = scaled(samples.value(s, sample_index), scale);
            if value == 0 || frames.len() < zoom.len() {
                return;
            }
            let in_zoom = zoom
                .iter()
                .zip(frames.iter().rev())
                .all(|(&z, f)| name_ids[f.node.index()] == z);
            if !in_zoom {
                return;
            }
            // A sample that a `--diff-base` merge put into this profile is
            // the base's (negated); it belongs on the other side.
            let (side, value) = if side == Side::New && samples.is_diff_base(s) {
                (Side::Base, value.saturating_neg())
            } else {
                (side, value)
            };
            let mut node = ROOT;
            for frame in frames.iter().rev() {
                node = self.child(node, name_ids[frame.node.index()]);
            }
            let own = &mut self.nodes[node as usize].own;
            let slot = match side {
                Side::New => &mut own.new,
                Side::Base => &mut own.base,
            };
            match slot.checked_add(value) {
                Some(v) => *slot = v,
                None => self.overflow = true,
            }
        });
    }

    /// Sums cumulative values bottom-up.
    fn finish(&mut self) -> Result<(), ExportError> {
        for node in &mut self.nodes {
            node.cum = node.own;
        }
        for i in (1..self.nodes.len()).rev() {
            let (cum, parent) = (self.nodes[i].cum, self.nodes[i].parent as usize);
            match self.nodes[parent].cum.checked_add(cum) {
                Some(sum) => self.nodes[parent].cum = sum,
                None => self.overflow = true,
            }
        }
        if self.overflow {
            return Err(ExportError::Overflow {
                sample_type: self.sample_type.clone(),
            });
        }
        Ok(())
    }

    /// Fails on a stack with a negative value: a flame graph's widths (and
    /// inferno's counts) are non-negative.
    pub fn check_non_negative(&self) -> Result<(), ExportError> {
        let bad = self
            .nodes
            .iter()
            .enumerate()
            .find_map(|(i, n)| [n.own.new, n.own.base].into_iter().find(|&v| v < 0).map(|v| (i, v)));
        match bad {
            None => Ok(()),
            Some((i, value)) => Err(ExportError::Negative {
                stack: self.path_names(i as u32).join(";"),
                sample_type: self.sample_type.clone(),
                value,
            }),
        }
    }

    /// The printable names from the root's child down to `node`.
    pub fn path_names(&self, mut node: u32) -> Vec<&str> {
        let mut path = Vec::new();
        while node != ROOT {
            let n = &self.nodes[node as usize];
            path.push(self.names[n.name as usize].as_str());
            node = n.parent;
        }
        path.reverse();
        path
    }

    /// The kept nodes' children, sorted by their names as `key` spells them
    /// (so output is deterministic), in one flat array.
    pub fn children(&self, keep: impl Fn(u32) -> bool, key: &[String]) -> Children {
        let mut rank = vec![0u32; self.names.len()];
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| key[a as usize].cmp(&key[b as usize]));
        for (r, &id) in order.iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        let mut kept: Vec<(u32, u32, u32)> = (1..self.nodes.len() as u32)
            .filter(|&i| keep(i))
            .map(|i| {
                let n = &self.nodes[i as usize];
                (n.parent, rank[n.name as usize], i)
            })
            .collect();
        kept.sort_unstable();
        let mut start = vec![0u32; self.nodes.len() + 1];
        for &(parent, _, _) in &kept {
            start[parent as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        Children {
            start,
            list: kept.into_iter().map(|(_, _, i)| i).collect(),
        }
    }

    /// Visits the nodes reachable through `children` in pre-order (parents
    /// before children, siblings in order) with their depth (root's
    /// children have depth 1); the root itself is not visited.
    pub fn walk(&self, children: &Children, mut visit: impl FnMut(u32, usize)) {
        // (node, index of its next child to visit)
        let mut stack: Vec<(u32, u32)> = vec![(ROOT, children.start[ROOT as usize])];
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            if next == children.start[node as usize + 1] {
                stack.pop();
                continue;
            }
            top.1 += 1;
            let child = children.list[next as usize];
            visit(child, stack.len());
            stack.push((child, children.start[child as usize]));
        }
    }
}

/// Children lists of a tree, flattened: node `n`'s are
/// `list[start[n]..start[n + 1]]`.
pub(crate) struct Children {
    start: Vec<u32>,
    list: Vec<u32>,
}

struct Walk<'a> {
    granularity: Granularity,
    filters: &'a Filters,
    zoom: &'a [u32],
}

fn scaled(value: i64, scale: Option<f64>) -> i64 {
    match scale {
        // `as` saturates, like Go's conversion does not; values that large
        // are rejected later as an overflow anyway.
        Some(ratio) => (value as f64 * ratio).round() as i64,
        None => value,
    }
}

/// The total a view's title states: the new profile's (scaled when normalized).
pub(crate) fn view_total(view: &ExportView<'_>) -> i64 {
    let Some(sample_type) = view.profile.sample_types.get(view.sample_index) else {
        return 0;
    };
    let scale = match view.base {
        Some(base) if view.normalize => base
            .sample_types
            .iter()
            .position(|t| t.name == sample_type.name)
            .map(|base_index| normalize_ratio(view.profile, view.sample_index, base, base_index)),
        _ => None,
    };
    abs_totals(view.profile, view.sample_index, scale).0
}

/// pprof's `-normalize` (`Profile.Normalize`) scales the compared profile,
/// not the base: every sample of the new profile is multiplied by
/// base total ÷ new total (sums of the raw values, before any filter) and
/// rounded half away from zero (Go's `math.Round`, Rust's `f64::round`).
fn normalize_ratio(profile: &Profile, index: usize, base: &Profile, base_index: usize) -> f64 {
    let new = raw_sum(profile, index);
    let old = raw_sum(base, base_index);
    if new == 0 { 0.0 } else { old as f64 / new as f64 }
}

/// Sum of the raw values, as pprof's `Normalize` computes it.
fn raw_sum(profile: &Profile, index: usize) -> i64 {
    let samples = profile.samples();
    (0..samples.len()).fold(0i64, |sum, s| sum.saturating_add(samples.value(s, index)))
}

/// pprof's report total: the sum of |value| over all samples, before
/// filters (so percentages are of the whole profile); separately for the
/// samples a `--diff-base` merge marked as the base's.
fn abs_totals(profile: &Profile, index: usize, scale: Option<f64>) -> (i64, i64) {
    let samples = profile.samples();
    let (mut total, mut base) = (0i64, 0i64);
    for s in 0..samples.len() {
        let v = scaled(samples.value(s, index), scale).saturating_abs();
        if samples.is_diff_base(s) {
            base = base.saturating_add(v);
        } else {
            total = total.saturating_add(v);
        }
    }
    (total, base)
}

/// A hasher for the (parent, name) keys: the splitmix64 finaliser, so both
/// halves of the key reach the low bits the table indexes with.
#[derive(Default)]
struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}
