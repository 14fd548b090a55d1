//! The stacks of an export view — every kept sample as its frame names,
//! root first — and a walk over them as a tree (a trie of names), with the
//! new profile's and the base's values side by side. Joining by name
//! sequence is joining by stack string: the two profiles are read through
//! their own [`Stacks`] and meet here.
//!
//! The tree is never built whole: a large profile's trie has a node for
//! nearly every frame of every sample. [`StackSet::walk`] splits the
//! samples level by level (sorting each group by its next frame's name,
//! the way an MSD radix sort does), so it only touches the groups it
//! visits; with pruning, a narrow group is summed and never split further.
//! Everything is iterative: stacks can be hundreds of thousands of frames
//! deep.

use std::collections::HashMap;

use super::ExportError;
use super::flamegraph::ExportView;
use crate::analysis::{Filters, Granularity, Stacks};
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

/// Which side of a comparison a profile is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    New,
    Base,
}

/// The kept samples of an export view.
pub(crate) struct StackSet {
    /// Printable node names (pprof's), by name id.
    pub names: Vec<String>,
    name_ids: HashMap<String, u32>,
    /// Every kept sample's name ids, root first, concatenated; sample `i`
    /// is `frames[ends[i - 1]..ends[i]]`.
    frames: Vec<u32>,
    ends: Vec<usize>,
    values: Vec<Pair>,
    /// Whether a base profile takes part (a differential view).
    pub diff: bool,
    /// A single profile with negative values (e.g. one saved by `pprof
    /// -base`), drawn as magnitudes with the sign in the colour: each value
    /// `v` is held as `new = |v|`, `base = |v| - v`, so widths are `|v|`
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
    /// The first kept sample with a negative value.
    negative: Option<usize>,
    overflow: bool,
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
    /// Value of the stacks through this node.
    pub cum: Pair,
    /// Value of this node's own stack line: stacks ending here, plus pruned
    /// children. A root child too narrow to keep is visited collapsed: its
    /// whole value in one line, no children (the root has no line of its
    /// own to take the value).
    pub line: Pair,
}

/// A group of samples sharing the path to one node.
struct Group {
    /// Range into the walk's sample order.
    start: usize,
    end: usize,
    depth: usize,
    name: u32,
    cum: Pair,
    collapsed: bool,
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
        let mut set = StackSet {
            names: Vec::new(),
            name_ids: HashMap::new(),
            frames: Vec::new(),
            ends: Vec::new(),
            values: Vec::new(),
            diff: false,
            signed: false,
            total: 0,
            base_total: None,
            shown: Pair::default(),
            sample_type: sample_type.name.clone(),
            unit: sample_type.unit.clone(),
            negative: None,
            overflow: false,
        };
        let zoom: Vec<u32> = view.zoom.iter().map(|name| set.intern(name)).collect();
        let walk = Walk {
            granularity: view.granularity,
            filters: &view.filters,
            zoom: &zoom,
        };
        let mut abs = [0i64; 2];
        match view.base {
            Some(base) => {
                // pprof merges the compared profile (identical samples
                // combined) before `-normalize` rounds each sample's value.
                let merged = if view.normalize {
                    crate::profile::merge(&[profile]).ok()
                } else {
                    None
                };
                let profile = merged.as_ref().unwrap_or(profile);
                let base_index = base
                    .sample_types
                    .iter()
                    .position(|t| t.name == sample_type.name)
                    .ok_or_else(|| ExportError::BaseSampleType {
                        name: sample_type.name.clone(),
                    })?;
                set.diff = true;
                let scale = view
                    .normalize
                    .then(|| normalize_ratio(profile, view.sample_index, base, base_index));
                set.total = abs_totals(profile, view.sample_index, scale).0;
                set.base_total = Some(abs_totals(base, base_index, None).0);
                set.add(
                    profile,
                    view.sample_index,
                    &walk,
                    Side::New,
                    scale,
                    &mut abs,
                );
                set.add(base, base_index, &walk, Side::Base, None, &mut abs);
            }
            None => {
                let (total, base_total) = abs_totals(profile, view.sample_index, None);
                // A profile merged with `--diff-base` carries its base inside.
                set.diff = !profile.samples().diff_base.is_empty();
                set.total = total;
                set.base_total = set.diff.then_some(base_total);
                set.add(profile, view.sample_index, &walk, Side::New, None, &mut abs);
            }
        }
        if set.overflow {
            return Err(ExportError::Overflow {
                sample_type: set.sample_type.clone(),
            });
        }
        set.shown = set.values.iter().fold(Pair::default(), |mut sum, v| {
            sum.add(*v);
            sum
        });
        Ok(set)
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

    /// Adds every sample the view keeps from one profile.
    fn add(
        &mut self,
        profile: &Profile,
        sample_index: usize,
        walk: &Walk<'_>,
        side: Side,
        scale: Option<f64>,
        abs: &mut [i64; 2],
    ) {
        let stacks = Stacks::new(profile, walk.granularity, walk.filters);
        let name_ids: Vec<u32> = stacks
            .nodes()
            .iter()
            .map(|n| self.intern(&n.printable_name()))
            .collect();
        let samples = profile.samples();
        let zoom = walk.zoom;
        let mut scratch = Vec::new();
        stacks.for_each_stack(0..samples.len(), |s, stack| {
            let value = scaled(samples.value(s, sample_index), scale);
            if value == 0 {
                return;
            }
            let start = self.frames.len();
            stack.visit_root_first(&mut scratch, |frame| {
                self.frames.push(name_ids[frame.node.index()]);
            });
            let frames = &self.frames[start..];
            if frames.len() < zoom.len() || frames[..zoom.len()] != *zoom {
                self.frames.truncate(start);
                return;
            }
            // A sample that a `--diff-base` merge put into this profile is
            // the base's (negated); it belongs on the other side.
            let (side, value) = if side == Side::New && samples.is_diff_base(s) {
                (Side::Base, value.saturating_neg())
            } else {
                (side, value)
            };
            let slot = side as usize;
            match abs[slot].checked_add(value.saturating_abs()) {
                Some(sum) if value != i64::MIN => abs[slot] = sum,
                _ => self.overflow = true,
            }
            if value < 0 && self.negative.is_none() {
                self.negative = Some(self.ends.len());
            }
            self.ends.push(self.frames.len());
            self.values.push(match side {
                Side::New => Pair {
                    new: value,
                    base: 0,
                },
                Side::Base => Pair {
                    new: 0,
                    base: value,
                },
            });
        });
    }

    /// Sample `i`'s name ids, root first.
    fn stack(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.frames[start..self.ends[i]]
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
        let mut shown = Pair::default();
        for v in &mut self.values {
            let magnitude = v.new.saturating_abs();
            // |v| - v is at most 2|v|: checked, like every sum here.
            let base = magnitude.checked_sub(v.new);
            let sums = base.and_then(|base| {
                Some(Pair {
                    new: shown.new.checked_add(magnitude)?,
                    base: shown.base.checked_add(base)?,
                })
            });
            match (base, sums) {
                (Some(base), Some(sums)) => {
                    *v = Pair {
                        new: magnitude,
                        base,
                    };
                    shown = sums;
                }
                _ => {
                    return Err(ExportError::Overflow {
                        sample_type: self.sample_type.clone(),
                    });
                }
            }
        }
        self.shown = shown;
        self.diff = true;
        self.signed = true;
        self.negative = None;
        Ok(())
    }

    /// Fails on a sample with a negative value: a flame graph's widths (and
    /// inferno's counts) are non-negative.
    pub fn check_non_negative(&self) -> Result<(), ExportError> {
        let Some(i) = self.negative else {
            return Ok(());
        };
        let names: Vec<&str> = self
            .stack(i)
            .iter()
            .map(|&n| self.names[n as usize].as_str())
            .collect();
        let value = self.values[i];
        Err(ExportError::Negative {
            stack: names.join(";"),
            sample_type: self.sample_type.clone(),
            value: value.new.min(value.base),
        })
    }

    /// Walks the tree of stacks depth first, parents before children and
    /// siblings in `rank` order (a rank per name id), calling `visit` on
    /// every node but the root.
    ///
    /// With `keep`, a child whose value `keep` rejects is not entered: its
    /// value joins its parent's line (or, under the root, it is visited
    /// once as a collapsed node when its new value is positive).
    pub fn walk<E>(
        &self,
        rank: &[u32],
        keep: Option<&dyn Fn(Pair) -> bool>,
        mut visit: impl FnMut(&Visit) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut order: Vec<u32> = (0..self.values.len() as u32).collect();
        let mut keyed: Vec<(u32, u32)> = Vec::new();
        let mut children: Vec<Group> = Vec::new();
        let mut stack = vec![Group {
            start: 0,
            end: order.len(),
            depth: 0,
            name: u32::MAX,
            cum: self.shown,
            collapsed: false,
        }];
        let mut next_node = 0u32;
        while let Some(group) = stack.pop() {
            let mut line = Pair::default();
            let node = next_node;
            next_node += 1;
            if group.collapsed {
                line = group.cum;
            } else {
                // Split the group by the name at `depth`; samples that end
                // here are this node's own.
                keyed.clear();
                for &s in &order[group.start..group.end] {
                    match self.stack(s as usize).get(group.depth) {
                        Some(&name) => keyed.push((rank[name as usize], s)),
                        None => line.add(self.values[s as usize]),
                    }
                }
                keyed.sort_unstable_by_key(|&(r, _)| r);
                for (i, &(_, s)) in keyed.iter().enumerate() {
                    order[group.start + i] = s;
                }
                children.clear();
                let mut i = 0;
                while i < keyed.len() {
                    let r = keyed[i].0;
                    let mut j = i;
                    let mut cum = Pair::default();
                    while j < keyed.len() && keyed[j].0 == r {
                        cum.add(self.values[keyed[j].1 as usize]);
                        j += 1;
                    }
                    let kept = keep.is_none_or(|keep| keep(cum));
                    if kept || (group.depth == 0 && cum.new > 0) {
                        let name = self.stack(keyed[i].1 as usize)[group.depth];
                        children.push(Group {
                            start: group.start + i,
                            end: group.start + j,
                            depth: group.depth + 1,
                            name,
                            cum,
                            collapsed: !kept,
                        });
                    } else if group.depth > 0 {
                        line.add(cum);
                    }
                    i = j;
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

    /// Each name's rank when names are ordered by `key` (e.g. as written).
    pub fn ranks(&self, key: &[String]) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| key[a as usize].cmp(&key[b as usize]));
        let mut rank = vec![0u32; self.names.len()];
        for (r, &id) in order.iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        rank
    }
}

struct Walk<'a> {
    granularity: Granularity,
    filters: &'a Filters,
    zoom: &'a [u32],
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
