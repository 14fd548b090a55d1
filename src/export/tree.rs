//! The stacks of an export view — every kept sample as its frame names,
//! root first — as a call tree (a trie of names), with the new profile's
//! and the base's values side by side. Joining by name sequence is joining
//! by stack string: the two profiles are read through their own [`Stacks`]
//! and meet here, in the analysis layer's [`StackOrder`] with a name's
//! rank (its place among the escaped names) as its key, so that a node's
//! children come in the order folded output writes them.
//!
//! The tree is never built node by node: a subtree is a range of sorted
//! stacks and its value a difference of prefix sums, so a pruned walk (the
//! SVG's) visits only the frames it keeps, and a full walk (folded output)
//! is one pass over the stored keys.

use std::collections::HashMap;
use std::ops::Range;

use super::ExportError;
use super::flamegraph::ExportView;
use super::folded::escape_frame;
use crate::analysis::Stacks;
use crate::analysis::calltree::order::{NO_ENTRY, Walk};
use crate::analysis::calltree::{Side, StackList, StackOrder, Sums};
use crate::profile::Profile;

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

    /// Sums cannot overflow: [`StackSet::collect`] checked that the sum of
    /// |values| of each side fits.
    fn add(&mut self, other: Pair) {
        self.new += other.new;
        self.base += other.base;
    }
}

/// The kept samples of an export view.
pub(crate) struct StackSet {
    /// Printable node names (pprof's), by name id.
    pub names: Vec<String>,
    /// The names as a folded line writes them, by name id.
    pub escaped: Vec<String>,
    /// The name id of each key (a key is a name's rank among `escaped`).
    name_of_key: Vec<u32>,
    /// The distinct stacks; slots are the new profile's samples, then the
    /// base's.
    order: StackOrder,
    sums: Sums,
    /// The entries under the zoomed frame.
    zoomed: Range<usize>,
    /// Whether a base profile takes part (a differential view).
    pub diff: bool,
    /// A single profile with negative values (e.g. one saved by `pprof
    /// -base`), drawn as magnitudes with the sign in the colour: each value
    /// `v` counts as `new = |v|`, `base = |v| - v`, so widths are `|v|`
    /// and `new - base` is `v` (see [`StackSet::signed_as_magnitudes`]).
    pub signed: bool,
    /// The new profile's total over all samples before filters (pprof's
    /// report total), after `--normalize` scaling.
    pub total: i64,
    /// The same for the base.
    pub base_total: Option<i64>,
    /// The sum of the kept samples: the flame graph's full width (and the
    /// base's counterpart).
    pub shown: Pair,
    /// Name and unit of the sample type shown.
    pub sample_type: String,
    pub unit: String,
    /// The first kept sample with a negative value: its slot and value.
    negative: Option<(usize, i64)>,
}

/// A node of the tree, as [`StackSet::walk`] enters it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Visit {
    /// Sequential id in visiting order; the root (never visited) is 0.
    pub node: u32,
    /// Distance from the root: the root's children have depth 1.
    pub depth: usize,
    /// Name id.
    pub name: u32,
    /// Value of the stacks through this node (not computed by
    /// [`StackSet::walk_all`]).
    pub cum: Pair,
    /// Value of this node's own stack line: stacks ending here, plus pruned
    /// children. A root child too narrow to keep is visited collapsed: its
    /// whole value in one line, no children (the root has no line of its
    /// own to take the value).
    pub line: Pair,
}

/// A node waiting to be visited by [`StackSet::walk`].
struct Group {
    entries: Range<usize>,
    depth: usize,
    name: u32,
    cum: Pair,
    collapsed: bool,
}

/// One profile's part of the view.
struct Input<'p> {
    profile: &'p Profile,
    sample_index: usize,
    /// The side its samples are on (a `--diff-base` merge's marked samples
    /// are the base's whatever this says).
    side: Side,
    scale: Option<f64>,
}

impl StackSet {
    /// Reads every sample the view keeps.
    pub fn collect(view: &ExportView<'_>) -> Result<StackSet, ExportError> {
        let profile = view.profile;
        let count = profile.sample_types.len();
        let Some(sample_type) = profile.sample_types.get(view.sample_index) else {
            return Err(ExportError::SampleIndex {
                index: view.sample_index,
                count,
            });
        };
        // pprof merges the compared profile (identical samples combined)
        // before `-normalize` rounds each sample's value.
        let merged = match view.base {
            Some(_) if view.normalize => Some(crate::profile::merge(&[profile])?),
            _ => None,
        };
        let profile = merged.as_ref().unwrap_or(profile);
        let mut inputs = vec![Input {
            profile,
            sample_index: view.sample_index,
            side: Side::New,
            scale: None,
        }];
        let (diff, total, base_total) = match view.base {
            Some(base) => {
                let base_index = base
                    .sample_types
                    .iter()
                    .position(|t| t.name == sample_type.name)
                    .ok_or_else(|| ExportError::BaseSampleType {
                        name: sample_type.name.clone(),
                    })?;
                let scale = view
                    .normalize
                    .then(|| normalize_ratio(profile, view.sample_index, base, base_index));
                inputs[0].scale = scale;
                inputs.push(Input {
                    profile: base,
                    sample_index: base_index,
                    side: Side::Base,
                    scale: None,
                });
                let total = abs_totals(profile, view.sample_index, scale).0;
                (true, total, Some(abs_totals(base, base_index, None).0))
            }
            None => {
                let (total, base_total) = abs_totals(profile, view.sample_index, None);
                // A profile merged with `--diff-base` carries its base inside.
                let diff = !profile.samples().diff_base.is_empty();
                (diff, total, diff.then_some(base_total))
            }
        };
        let stacks: Vec<Stacks<'_>> = inputs
            .iter()
            .map(|i| Stacks::new(i.profile, view.granularity, &view.filters))
            .collect();
        let mut set = StackSet::named(&stacks, sample_type.name.clone(), &sample_type.unit);
        (set.diff, set.total, set.base_total) = (diff, total, base_total);
        let firsts = set.sort(&stacks, &inputs);
        set.zoom(&view.zoom);
        if !set.sums.fits(set.zoomed.clone()) {
            return Err(ExportError::Overflow {
                sample_type: set.sample_type.clone(),
            });
        }
        set.shown = set.pair(set.zoomed.clone());
        // The first kept sample (in slot order) with a negative value.
        let entry_of = set.order.entry_of();
        set.negative = (0..entry_of.len())
            .filter(|&slot| {
                let e = entry_of[slot];
                e != NO_ENTRY && set.zoomed.contains(&(e as usize))
            })
            .map(|slot| (slot, slot_value(&inputs, &firsts, slot).0))
            .find(|&(_, v)| v < 0);
        Ok(set)
    }

    /// A set with the names of every node of `stacks` and no samples yet.
    fn named(stacks: &[Stacks<'_>], sample_type: String, unit: &str) -> StackSet {
        let mut names: Vec<String> = Vec::new();
        let mut ids: HashMap<String, u32> = HashMap::new();
        for s in stacks {
            for node in s.nodes() {
                let name = node.printable_name();
                if !ids.contains_key(&name) {
                    ids.insert(name.clone(), names.len() as u32);
                    names.push(name);
                }
            }
        }
        let escaped: Vec<String> = names.iter().map(|n| escape_frame(n).into_owned()).collect();
        let mut name_of_key: Vec<u32> = (0..names.len() as u32).collect();
        name_of_key.sort_unstable_by(|&a, &b| {
            escaped[a as usize]
                .cmp(&escaped[b as usize])
                .then(a.cmp(&b))
        });
        StackSet {
            names,
            escaped,
            name_of_key,
            order: StackOrder::default(),
            sums: Sums::default(),
            zoomed: 0..0,
            diff: false,
            signed: false,
            total: 0,
            base_total: None,
            shown: Pair::default(),
            sample_type,
            unit: unit.to_owned(),
            negative: None,
        }
    }

    /// Sorts the stacks of every input and sums their values. Returns the
    /// first slot of each input.
    fn sort(&mut self, stacks: &[Stacks<'_>], inputs: &[Input<'_>]) -> Vec<usize> {
        let mut key_of_name = vec![0u32; self.names.len()];
        for (key, &name) in self.name_of_key.iter().enumerate() {
            key_of_name[name as usize] = key as u32;
        }
        let ids: HashMap<&str, u32> = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        let mut list = StackList::default();
        let mut scratch = Vec::new();
        let mut firsts = Vec::with_capacity(stacks.len());
        for s in stacks {
            let first = list.len();
            firsts.push(first);
            // Every node's name was interned by `named`.
            let keys: Vec<u32> = s
                .nodes()
                .iter()
                .map(|n| {
                    ids.get(n.printable_name().as_str())
                        .map_or(0, |&id| key_of_name[id as usize])
                })
                .collect();
            let samples = s.profile().samples();
            s.for_each_stack(0..samples.len(), |i, stack| {
                while list.len() < first + i {
                    list.push_empty();
                }
                stack.visit_root_first(&mut scratch, |frame| {
                    list.push_key(keys[frame.node.index()]);
                });
                list.end_stack();
            });
            while list.len() < first + samples.len() {
                list.push_empty();
            }
        }
        self.order = StackOrder::sort(&list);
        drop(list);
        self.sums = Sums::new(&self.order, |slot| slot_value(inputs, &firsts, slot));
        firsts
    }

    /// Restricts the view to the stacks that start with the path `zoom`.
    fn zoom(&mut self, zoom: &[String]) {
        let order = &self.order;
        let mut entries = 0..order.len();
        for (depth, name) in zoom.iter().enumerate() {
            let found = order
                .child_entries(entries.clone(), depth)
                .collect::<Vec<usize>>();
            let at = found
                .iter()
                .position(|&c| self.names[self.name_at(c, depth + 1) as usize] == *name);
            entries = match at {
                Some(i) => found[i]..found.get(i + 1).copied().unwrap_or(entries.end),
                None => 0..0,
            };
        }
        self.zoomed = entries;
    }

    /// The values of a range of entries.
    fn pair(&self, entries: Range<usize>) -> Pair {
        let a = self.sums.range(entries);
        if self.signed {
            Pair {
                new: a.new_abs,
                base: a.new_abs.wrapping_sub(a.new),
            }
        } else {
            Pair {
                new: a.new,
                base: a.base,
            }
        }
    }

    /// The name id of the node at `depth` on entry `e`'s stack.
    fn name_at(&self, e: usize, depth: usize) -> u32 {
        self.name_of_key[self.order.key(self.order.node_at(e, depth)) as usize]
    }

    /// Makes a single profile with negative values drawable the way
    /// pprof's flame graph draws it: widths are magnitudes, and the sign
    /// shows in the colour (the differential colouring: red where the
    /// signed value is positive, blue where negative) and the tooltips.
    /// Differential views and profiles without negative values are left as
    /// they are.
    pub fn signed_as_magnitudes(&mut self) -> Result<(), ExportError> {
        if self.diff || self.negative.is_none() {
            return Ok(());
        }
        // |v| - v is at most 2|v|: that sum must fit too.
        if !self.sums.fits_twice(self.zoomed.clone()) {
            return Err(ExportError::Overflow {
                sample_type: self.sample_type.clone(),
            });
        }
        self.diff = true;
        self.signed = true;
        self.negative = None;
        self.shown = self.pair(self.zoomed.clone());
        Ok(())
    }

    /// Fails on a sample with a negative value: a flame graph's widths (and
    /// inferno's counts) are non-negative.
    pub fn check_non_negative(&self) -> Result<(), ExportError> {
        let Some((slot, value)) = self.negative else {
            return Ok(());
        };
        let e = self.order.entry_of()[slot] as usize;
        let mut names = Vec::new();
        self.order.for_each_stack(e..e + 1, |_, stack| {
            names = stack
                .iter()
                .map(|&k| self.names[self.name_of_key[k as usize] as usize].as_str())
                .collect();
        });
        Err(ExportError::Negative {
            stack: names.join(";"),
            sample_type: self.sample_type.clone(),
            value,
        })
    }

    /// Walks the tree depth first, parents before children and siblings in
    /// the order of their escaped names, calling `visit` on every node but
    /// the root. A child whose value `keep` rejects is not entered: its
    /// value joins its parent's line (or, under the root, it is visited
    /// once as a collapsed node when its new value is positive).
    pub fn walk<E>(
        &self,
        keep: &dyn Fn(Pair) -> bool,
        mut visit: impl FnMut(&Visit) -> Result<(), E>,
    ) -> Result<(), E> {
        let order = &self.order;
        let mut stack = vec![Group {
            entries: self.zoomed.clone(),
            depth: 0,
            name: u32::MAX,
            cum: self.shown,
            collapsed: false,
        }];
        let mut children: Vec<Group> = Vec::new();
        let mut next_node = 0u32;
        while let Some(group) = stack.pop() {
            let node = next_node;
            next_node += 1;
            let mut line = Pair::default();
            if group.collapsed {
                line = group.cum;
            } else {
                let first = group.entries.start;
                if group.depth > 0 && order.stack_len(first) == group.depth {
                    line = self.pair(first..first + 1);
                }
                let firsts: Vec<usize> = order
                    .child_entries(group.entries.clone(), group.depth)
                    .collect();
                children.clear();
                for (i, &c) in firsts.iter().enumerate() {
                    let entries = c..firsts.get(i + 1).copied().unwrap_or(group.entries.end);
                    if !self.sums.any_samples(entries.clone()) {
                        continue;
                    }
                    let cum = self.pair(entries.clone());
                    let kept = keep(cum);
                    if kept || (group.depth == 0 && cum.new > 0) {
                        children.push(Group {
                            name: self.name_at(c, group.depth + 1),
                            entries,
                            depth: group.depth + 1,
                            cum,
                            collapsed: !kept,
                        });
                    } else if group.depth > 0 {
                        line.add(cum);
                    }
                }
                stack.extend(children.drain(..).rev());
            }
            if group.depth > 0 {
                visit(&Visit {
                    node,
                    depth: group.depth,
                    name: group.name,
                    cum: group.cum,
                    line,
                })?;
            }
        }
        Ok(())
    }

    /// Walks every node in the order of [`StackSet::walk`] with nothing
    /// pruned, in one pass over the stored stacks: nodes are not numbered
    /// and `cum` is not computed (both are left 0).
    pub fn walk_all<E>(&self, mut visit: impl FnMut(&Visit) -> Result<(), E>) -> Result<(), E> {
        let order = &self.order;
        let mut result = Ok(());
        order.walk(self.zoomed.clone(), 0, |w| {
            let Walk::Enter { pos, depth, entry } = w else {
                return;
            };
            if result.is_err() {
                return;
            }
            let line = if order.stack_len(entry) == depth {
                self.pair(entry..entry + 1)
            } else {
                Pair::default()
            };
            result = visit(&Visit {
                node: 0,
                depth,
                name: self.name_of_key[order.key(pos) as usize],
                cum: Pair::default(),
                line,
            });
        });
        result
    }
}

/// The value slot `slot` adds, and its side; `firsts` holds each input's
/// first slot.
fn slot_value(inputs: &[Input<'_>], firsts: &[usize], slot: usize) -> (i64, Side) {
    let k = firsts.partition_point(|&f| f <= slot) - 1;
    let (input, s) = (&inputs[k], slot - firsts[k]);
    let samples = input.profile.samples();
    let v = scaled(samples.value(s, input.sample_index), input.scale);
    // A sample that a `--diff-base` merge put into this profile is the
    // base's (negated); it belongs on the other side.
    if input.side == Side::New && samples.is_diff_base(s) {
        (v.saturating_neg(), Side::Base)
    } else {
        (v, input.side)
    }
}

fn scaled(value: i64, scale: Option<f64>) -> i64 {
    match scale {
        // `as` saturates; such values fail the overflow check.
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
    if new == 0 {
        0.0
    } else {
        old as f64 / new as f64
    }
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

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;
    use crate::analysis::{Filters, Granularity};
    use crate::profile::{DecodeOptions, decode, pb};

    /// Two samples of the stack `a;b`: 10 in the profile, and 4 from a
    /// base merged in the way `--diff-base` merges (negated, marked).
    fn merged() -> Profile {
        let strings = ["", "inuse_space", "bytes", "a", "b"]
            .map(String::from)
            .to_vec();
        let function = (0..2)
            .map(|i| pb::Function {
                id: i + 1,
                name: i as i64 + 3,
                ..Default::default()
            })
            .collect();
        let location = (0..2)
            .map(|i| pb::Location {
                id: i + 1,
                line: vec![pb::Line {
                    function_id: i + 1,
                    line: 1,
                    column: 0,
                }],
                ..Default::default()
            })
            .collect();
        let sample = [10, -4]
            .map(|v| pb::Sample {
                location_id: vec![2, 1],
                value: vec![v],
                label: Vec::new(),
            })
            .to_vec();
        let bytes = pb::Profile {
            sample_type: vec![pb::ValueType { r#type: 1, unit: 2 }],
            sample,
            location,
            function,
            string_table: strings,
            ..Default::default()
        }
        .encode_to_vec();
        let mut profile = decode(&bytes, &DecodeOptions::default()).unwrap();
        profile.samples.diff_base = 1..2;
        profile
    }

    #[test]
    fn a_merged_diff_base_is_read_as_the_base() {
        let profile = merged();
        let view = ExportView {
            profile: &profile,
            base: None,
            normalize: false,
            sample_index: 0,
            granularity: Granularity::Functions,
            filters: Filters::default(),
            zoom: Vec::new(),
            title: None,
        };
        let set = StackSet::collect(&view).unwrap();
        assert!(set.diff);
        assert_eq!((set.total, set.base_total), (10, Some(4)));
        assert_eq!(set.shown, Pair { new: 10, base: 4 });
        assert!(set.check_non_negative().is_ok());
        let mut out = Vec::new();
        crate::export::write_folded(&view, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a;b 4 10\n");
    }
}
