//! The stacks of an export view — every kept sample as its frame names,
//! root first — and a walk over them as a tree (a trie of names), with the
//! new profile's and the base's values side by side. Joining by name
//! sequence is joining by stack string: the two profiles are read through
//! their own [`Stacks`] and meet here, keyed by each name's rank among the
//! escaped names, so that siblings come in the order folded output writes
//! them.
//!
//! The walk is the analysis layer's lazy one
//! ([`StackList::walk_lazily`]): it splits the stacks level by level, the
//! step the interactive call tree sorts with, but only where it enters, so
//! a subtree too narrow to draw is summed and never split further.

use std::collections::HashMap;
use std::ops::AddAssign;

use super::ExportError;
use super::flamegraph::ExportView;
use super::folded::escape_frame;
use crate::analysis::Stacks;
use crate::analysis::calltree::{Descend, StackList};
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
}

/// Sums cannot overflow: [`StackSet::collect`] checked that the sum of
/// |values| of each side fits.
impl AddAssign for Pair {
    fn add_assign(&mut self, other: Pair) {
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
    /// The names as a folded line writes them, by name id.
    pub escaped: Vec<String>,
    /// The name id of each key (a key is a name's rank among `escaped`).
    name_of_key: Vec<u32>,
    /// Every kept sample's keys, root first.
    stacks: StackList,
    /// Every kept sample's value.
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
    /// children. A root child too narrow to keep, and a node past the
    /// walk's depth, is visited collapsed: its whole value in one line, no
    /// children (the root has no line of its own to take the value).
    pub line: Pair,
}

/// One profile's part of the view.
struct Input<'p> {
    profile: &'p Profile,
    sample_index: usize,
    side: Side,
    scale: Option<f64>,
}

impl StackSet {
    /// Reads every sample the view keeps.
    pub fn collect(view: &ExportView<'_>) -> Result<StackSet, ExportError> {
        let profile = view.profile();
        let count = profile.sample_types.len();
        let Some(sample_type) = profile.sample_types.get(view.sample_index) else {
            return Err(ExportError::SampleIndex {
                index: view.sample_index,
                count,
            });
        };
        let sides = view.sides;
        let prepared = sides.prepared()?;
        let profile = &*prepared;
        let mut inputs = vec![Input {
            profile,
            sample_index: view.sample_index,
            side: Side::New,
            scale: None,
        }];
        let (diff, total, base_total) = match sides.base {
            Some(base) => {
                let base_index = base
                    .sample_types
                    .iter()
                    .position(|t| t.name == sample_type.name)
                    .ok_or_else(|| ExportError::BaseSampleType {
                        name: sample_type.name.clone(),
                    })?;
                let scale = sides.scale(profile, view.sample_index, base_index);
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
        let mut key_of_name = vec![0u32; set.names.len()];
        for (key, &name) in set.name_of_key.iter().enumerate() {
            key_of_name[name as usize] = key as u32;
        }
        let ids: HashMap<&str, u32> = set
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        let key = |name: &str| ids.get(name).map(|&id| key_of_name[id as usize]);
        // A zoom through a name no node has keeps nothing.
        let zoom: Option<Vec<u32>> = view.zoom.iter().map(|n| key(n)).collect();
        let mut abs = [0i64; 2];
        let mut kept = Kept::default();
        for (s, input) in stacks.iter().zip(&inputs) {
            // Every node's name is in `names`.
            let keys: Vec<u32> = s
                .nodes()
                .iter()
                .map(|n| key(&n.printable_name()).unwrap_or(0))
                .collect();
            kept.add(s, input, &keys, zoom.as_deref(), &mut abs);
        }
        if kept.overflow {
            return Err(ExportError::Overflow {
                sample_type: set.sample_type.clone(),
            });
        }
        (set.stacks, set.values, set.negative) = (kept.stacks, kept.values, kept.negative);
        set.shown = set.values.iter().fold(Pair::default(), |mut sum, &v| {
            sum += v;
            sum
        });
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
            stacks: StackList::default(),
            values: Vec::new(),
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
            .stacks
            .stack(i as u32)
            .iter()
            .map(|&k| self.names[self.name_of_key[k as usize] as usize].as_str())
            .collect();
        let value = self.values[i];
        Err(ExportError::Negative {
            stack: names.join(";"),
            sample_type: self.sample_type.clone(),
            value: value.new.min(value.base),
        })
    }

    /// The most frames a kept stack has.
    pub fn deepest(&self) -> usize {
        (0..self.stacks.len() as u32)
            .map(|s| self.stacks.stack(s).len())
            .max()
            .unwrap_or(0)
    }

    /// Walks the tree of stacks depth first, parents before children and
    /// siblings in the order of their escaped names, calling `visit` on
    /// every node but the root. A child whose value `keep` rejects is not
    /// entered: its value joins its parent's line (or, under the root, it
    /// is visited once as a collapsed node when its new value is positive).
    /// A kept node deeper than `max_depth` is visited collapsed: its
    /// callees' values in its line, none of them visited.
    pub fn walk<E>(
        &self,
        keep: &dyn Fn(Pair) -> bool,
        max_depth: usize,
        mut visit: impl FnMut(&Visit) -> Result<(), E>,
    ) -> Result<(), E> {
        self.stacks.walk_lazily(
            0..self.values.len() as u32,
            |s| self.values[s as usize],
            |depth, cum| {
                let kept = keep(cum);
                if kept && depth <= max_depth {
                    Descend::Enter
                } else if kept || depth == 1 && cum.new > 0 {
                    Descend::Collapse
                } else {
                    Descend::Merge
                }
            },
            |v| {
                visit(&Visit {
                    node: v.node,
                    depth: v.depth,
                    name: self.name_of_key[v.key as usize],
                    cum: v.cum,
                    line: v.line,
                })
            },
        )
    }
}

/// The samples a view keeps, as they are read.
#[derive(Default)]
struct Kept {
    stacks: StackList,
    values: Vec<Pair>,
    negative: Option<usize>,
    overflow: bool,
}

impl Kept {
    /// Adds every sample of one profile with a non-zero value whose stack
    /// starts with `zoom` (none when the zoom names a frame no node has).
    fn add(
        &mut self,
        stacks: &Stacks<'_>,
        input: &Input<'_>,
        keys: &[u32],
        zoom: Option<&[u32]>,
        abs: &mut [i64; 2],
    ) {
        let Some(zoom) = zoom else {
            return;
        };
        let samples = stacks.profile().samples();
        let mut scratch = Vec::new();
        stacks.for_each_stack(0..samples.len(), |s, frames| {
            let value = scaled(samples.value(s, input.sample_index), input.scale);
            if value == 0 {
                return;
            }
            frames.visit_root_first(&mut scratch, |frame| {
                self.stacks.push_key(keys[frame.node.index()]);
            });
            if !self.stacks.pending().starts_with(zoom) {
                self.stacks.drop_pending();
                return;
            }
            self.stacks.end_stack();
            // A sample that a `--diff-base` merge put into this profile is
            // the base's (negated); it belongs on the other side.
            let (side, value) = if input.side == Side::New && samples.is_diff_base(s) {
                (Side::Base, value.saturating_neg())
            } else {
                (input.side, value)
            };
            let slot = side as usize;
            match abs[slot].checked_add(value.saturating_abs()) {
                Some(sum) if value != i64::MIN => abs[slot] = sum,
                _ => self.overflow = true,
            }
            if value < 0 && self.negative.is_none() {
                self.negative = Some(self.values.len());
            }
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
    let Some(sample_type) = view.profile().sample_types.get(view.sample_index) else {
        return 0;
    };
    let sides = view.sides;
    let scale = sides.base.and_then(|base| {
        let base_index = base
            .sample_types
            .iter()
            .position(|t| t.name == sample_type.name)?;
        sides.scale(sides.new, view.sample_index, base_index)
    });
    abs_totals(sides.new, view.sample_index, scale).0
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
    use crate::analysis::{Filters, Granularity, Sides};
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
        let sides = Sides {
            new: &profile,
            base: None,
            normalize: false,
        };
        let view = ExportView::of(sides, 0, Granularity::Functions, Filters::default());
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
