//! Combining profiles the way `go tool pprof` does: merging several
//! profiles into one (`pprof A B C`), subtracting a base (`-base`), keeping a
//! negated base apart (`-diff_base`), scaling to the base's total
//! (`-normalize`) — and, for `diff` and `trend`, laying profiles side by
//! side in one profile, so that every report agrees on what a site is.
//!
//! The semantics are those of pprof's `profile.Merge`, `Profile.ScaleN`,
//! `Profile.Normalize`, `measurement.ScaleProfiles` and the driver's
//! `combineProfiles`/`fetchProfiles` (the pprof vendored in Go 1.19, which
//! made the oracle outputs in `testdata/`), plus the later
//! `CompatibilizeSampleTypes` so that profiles with different sample-type
//! lists merge over the types they share instead of failing:
//!
//! * samples with the same stack (locations identified by mapping, address
//!   relative to the mapping, and frames) and the same labels become one,
//!   their values summed; samples whose values are all zero are dropped;
//! * locations, functions and mappings are deduplicated by pprof's keys;
//! * headers: the earliest time stamp, the summed duration, the largest
//!   period, every distinct comment, the first default sample type.
//!
//! Where samples never combine — the two sides of `-diff_base`, the
//! snapshots of a trend — they are *appended* instead ([`SampleMerge`]): only
//! mappings are deduplicated (addresses are moved into the first profile's
//! mapping as pprof moves them), functions and locations are copied as they
//! are, and a lone profile's arrays are taken over without copying. Reports
//! see the same numbers, since a node is identified by its name, file, line
//! and address rather than by its location.
//!
//! The parts: `plan.rs` works out, before any sample is read, how each
//! input's values become output values (the sample types kept, unit and
//! `ScaleN` scaling) and the merged header; `table.rs` is the hash table and
//! the identity keys the merger deduplicates by; `merger.rs` builds the
//! output profile; this module holds the combinations the rest of the
//! program asks for, including the fast paths that take an owned profile's
//! arrays over instead of copying them.

mod merger;
mod plan;
mod table;

use std::ops::Range;

use foldhash::HashMap;
use thiserror::Error;

use super::model::Profile;
use merger::Merger;
use plan::{ValuePlan, compatible, plan};
pub use plan::{common_sample_types, normalize_ratios};
use table::{MappingKey, mapping_key};

/// The label pprof puts on the samples of a `-diff_base` profile.
pub const BASE_LABEL: (&str, &str) = ("pprof::base", "true");

/// Why profiles could not be combined.
#[derive(Debug, Error, PartialEq)]
pub enum MergeError {
    #[error("no profiles to merge")]
    Empty,
    #[error("merge inputs must come in non-decreasing group order")]
    GroupOrder,
    #[error("the profiles have no sample type in common: {0}")]
    NoCommonSampleTypes(String),
    #[error("incompatible sample types '{0}' and '{1}'")]
    IncompatibleSampleTypes(String, String),
    #[error("incompatible period types '{0}' and '{1}'")]
    IncompatiblePeriodTypes(String, String),
    #[error("the merged string table would pass 4 GiB")]
    TooLarge,
}

/// One profile going into [`merge_inputs`], with the value changes pprof
/// applies to it before merging.
#[derive(Debug, Clone)]
pub struct MergeInput<'a> {
    pub profile: &'a Profile,
    /// pprof `ScaleN` steps, applied in order before anything else: one
    /// ratio per sample type of `profile`; values are rounded, and a sample
    /// whose scaled values all round to zero is dropped.
    pub scales: Vec<Vec<f64>>,
    /// Samples of different groups never combine. Inputs must come in
    /// non-decreasing group order; [`Merged::groups`] then holds each
    /// group's sample range.
    pub group: usize,
    /// A string label set on every sample (pprof's `SetLabel`).
    pub label: Option<(&'a str, &'a str)>,
}

impl<'a> MergeInput<'a> {
    /// An input merged as it is, in group 0.
    pub fn plain(profile: &'a Profile) -> MergeInput<'a> {
        MergeInput {
            profile,
            scales: Vec::new(),
            group: 0,
            label: None,
        }
    }
}

/// A merged profile and where each group's samples ended up.
#[derive(Debug)]
pub struct Merged {
    pub profile: Profile,
    /// `groups[g]` is the range of samples of group `g` (empty if none).
    pub groups: Vec<Range<usize>>,
}

/// How a base profile is combined with the profile(s) under study.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseMode {
    /// `-diff_base`: the negated base is kept apart (labelled
    /// `pprof::base=true`); reports measure percentages against its total.
    DiffBase,
    /// `-base`: the base is subtracted, sample by sample.
    Subtract,
}

/// Merges profiles into one, as `go tool pprof A B C` does.
pub fn merge(profiles: &[&Profile]) -> Result<Profile, MergeError> {
    let inputs: Vec<MergeInput<'_>> = profiles.iter().map(|p| MergeInput::plain(p)).collect();
    merge_inputs(&inputs, SampleMerge::Combine).map(|m| m.profile)
}

/// Combines the profile(s) under study with base profile(s) the way
/// `go tool pprof -base`/`-diff_base` (and `-normalize`) does: each side is
/// merged, the sources are scaled to the base's total if asked, the base is
/// negated and both are merged.
pub fn combine_with_base(
    sources: &[&Profile],
    bases: &[&Profile],
    mode: BaseMode,
    normalize: bool,
) -> Result<Profile, MergeError> {
    // Today's pprof (Go 1.27) leaves a lone profile unmerged, so
    // -normalize rounds each original sample (Go 1.19's merged it first and
    // rounded each merged sample). Merging one profile first changes nothing
    // else the final merge would not do anyway (sums, dropped zeros, order,
    // header), so a lone source or base goes in as it is.
    let merged_sources;
    let p = match sources {
        [single] => *single,
        _ => {
            merged_sources = merge(sources)?;
            &merged_sources
        }
    };
    let merged_bases;
    let base = match bases {
        [single] => *single,
        _ => {
            merged_bases = merge(bases)?;
            &merged_bases
        }
    };
    let scales = if normalize {
        vec![normalize_ratios(p, base)?]
    } else {
        Vec::new()
    };
    let (group, label) = match mode {
        BaseMode::DiffBase => (1, Some(BASE_LABEL)),
        BaseMode::Subtract => (0, None),
    };
    // With -diff_base the two sides never combine, and combining within a
    // side changes no sum a report makes — except the total, the sum of the
    // base's |values|, if the base holds negative values (a saved diff).
    let samples = if mode == BaseMode::DiffBase && !has_negative_values(base) {
        SampleMerge::Append
    } else {
        SampleMerge::Combine
    };
    let inputs = [
        MergeInput {
            profile: p,
            scales,
            group: 0,
            label: None,
        },
        MergeInput {
            profile: base,
            scales: vec![vec![-1.0; base.sample_types.len()]],
            group,
            label,
        },
    ];
    let mut merged = merge_inputs(&inputs, samples)?;
    if mode == BaseMode::DiffBase {
        merged.profile.samples.diff_base = merged.groups.get(1).cloned().unwrap_or(0..0);
    }
    Ok(merged.profile)
}

/// Lays profiles side by side: one profile in which the samples of
/// `profiles[i]` stay apart, in group `i`, appended rather than combined
/// (the per-group sums are the same). With
/// `normalize_to = Some(b)`, every other profile is first scaled to profile
/// `b`'s total, as `-normalize` scales the source to the base.
pub fn side_by_side(
    profiles: &[&Profile],
    normalize_to: Option<usize>,
) -> Result<Merged, MergeError> {
    // Each profile is scaled sample by sample, unmerged, as today's pprof
    // scales a lone source.
    let mut ratios: Vec<(usize, Vec<f64>)> = Vec::new();
    if let Some(b) = normalize_to {
        let base = profiles.get(b).ok_or(MergeError::Empty)?;
        for (i, p) in profiles.iter().enumerate() {
            if i != b {
                ratios.push((i, normalize_ratios(p, base)?));
            }
        }
    }
    let inputs: Vec<MergeInput<'_>> = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| match ratios.iter().find(|(j, _)| *j == i) {
            Some((_, ratios)) => MergeInput {
                profile: p,
                scales: vec![ratios.clone()],
                group: i,
                label: None,
            },
            None => MergeInput {
                profile: p,
                scales: Vec::new(),
                group: i,
                label: None,
            },
        })
        .collect();
    merge_inputs(&inputs, SampleMerge::Append)
}

/// Whether laying `profiles` side by side ([`side_by_side`]) keeps every
/// location, function and value of each as it is: the same sample types
/// (nothing to convert), the same period type where one is given (so the
/// merge cannot fail), and every mapping of a later profile either new or
/// folded into an identical one (same file, same start: no address moves).
/// Then summing each profile apart and joining the results by node
/// ([`crate::analysis::joined`]) gives what the merged profile gives.
pub fn appends_as_is(profiles: &[&Profile]) -> bool {
    let Some((first, rest)) = profiles.split_first() else {
        return true;
    };
    let same_types = rest
        .iter()
        .all(|p| p.sample_types == first.sample_types && compatible(first, p).is_ok());
    // `compatible` skips a missing period type; two later profiles could
    // still disagree with each other.
    let mut periods = profiles.iter().filter_map(|p| p.period_type.as_ref());
    let same_periods = periods
        .next()
        .is_none_or(|period| periods.all(|other| other == period));
    if !same_types || !same_periods {
        return false;
    }
    // Every earlier mapping by key (a map, not a scan: a profile may hold millions).
    let mut earlier: HashMap<MappingKey<'_>, Vec<(&str, u64)>> = HashMap::default();
    for (i, p) in profiles.iter().enumerate() {
        if i > 0 {
            for m in &p.mappings {
                let file = p.string(m.file);
                let moved = earlier
                    .get(&mapping_key(m, |id| p.string(id)))
                    .is_some_and(|same| {
                        same.iter()
                            .any(|&(f, start)| f != file || start != m.memory_start)
                    });
                if moved {
                    return false;
                }
            }
        }
        for m in &p.mappings {
            let seen = earlier
                .entry(mapping_key(m, |id| p.string(id)))
                .or_default();
            // Two different ones already make every later mapping "moved".
            let this = (p.string(m.file), m.memory_start);
            if seen.len() < 2 && !seen.contains(&this) {
                seen.push(this);
            }
        }
    }
    true
}

/// Of profiles merged in this order, the index of the one whose default
/// sample type the merged header takes: the first that names one (as pprof
/// keeps the first), else 0.
pub fn default_type_source<'a>(profiles: impl IntoIterator<Item = &'a Profile>) -> usize {
    profiles
        .into_iter()
        .position(|p| {
            p.default_sample_type
                .as_ref()
                .is_some_and(|d| !d.is_empty())
        })
        .unwrap_or(0)
}

/// Whether [`Profile::diff_base`] just appends the base's samples negated
/// (see [`appends_as_is`]): no `normalize`, and a base with no negative
/// values (a saved diff gets its samples combined) and none too large to
/// negate exactly through pprof's floating-point scaling.
pub fn diff_base_appends_as_is(new: &Profile, base: &Profile, normalize: bool) -> bool {
    /// Integers up to 2^53 survive a round trip through `f64`.
    const EXACT: i64 = 1 << 53;
    let samples = base.samples();
    let plain =
        (0..samples.len()).all(|s| samples.values(s).iter().all(|&v| (0..=EXACT).contains(&v)));
    !normalize && plain && appends_as_is(&[new, base])
}

fn has_negative_values(p: &Profile) -> bool {
    let samples = p.samples();
    (0..samples.len()).any(|s| samples.values(s).iter().any(|&v| v < 0))
}

/// How samples of the inputs come together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleMerge {
    /// pprof's merge: identical samples (same group, stack and labels) are
    /// combined, their values summed, and samples summing to zero dropped.
    Combine,
    /// Samples are appended as they are (all-zero ones dropped). Every sum a
    /// report makes is the same as after combining, as long as a sample's
    /// absolute value is never taken on a combination of opposite signs —
    /// and it is much cheaper: no sample is hashed.
    Append,
}

/// Merges the inputs: the building block of every combination above.
pub fn merge_inputs(inputs: &[MergeInput<'_>], samples: SampleMerge) -> Result<Merged, MergeError> {
    if inputs.is_empty() {
        return Err(MergeError::Empty);
    }
    if inputs.windows(2).any(|w| w[0].group > w[1].group) {
        return Err(MergeError::GroupOrder);
    }
    let (header, plans) = plan(inputs)?;
    let capacity = inputs.iter().map(|i| i.profile.samples().len()).sum();
    let frames = inputs
        .iter()
        .map(|i| i.profile.samples().frame_count())
        .sum();
    let locations = inputs
        .iter()
        .map(|i| i.profile.locations.len())
        .max()
        .unwrap_or(0);
    let combine = samples == SampleMerge::Combine;
    let mut merger = Merger::new(
        header.sample_types.len(),
        (capacity, frames),
        locations,
        combine,
    );
    for (input, plan) in inputs.iter().zip(&plans) {
        if combine {
            merger.add_input(input, plan);
        } else {
            merger.append_input(input, plan);
        }
    }
    if combine {
        merger.compact();
    }
    let group_count = inputs.iter().map(|i| i.group + 1).max().unwrap_or(1);
    merger.finish(header, group_count)
}

/// Appends `rest` to `first`, taken over without copying: `first`'s arrays
/// become the output's and only the others are remapped. `None` when
/// `first`'s values would have to change (other sample types than the
/// merged ones, unit conversion), in which case nothing was consumed...
/// except that `first` is handed back.
fn append_to_owned(
    first: Profile,
    rest: &[MergeInput<'_>],
) -> Result<Result<Merged, Profile>, MergeError> {
    let (header, plans) = {
        let mut inputs = Vec::with_capacity(rest.len() + 1);
        inputs.push(MergeInput::plain(&first));
        inputs.extend(rest.iter().cloned());
        if inputs.windows(2).any(|w| w[0].group > w[1].group) {
            return Err(MergeError::GroupOrder);
        }
        let (header, plans) = plan(&inputs)?;
        if !plans[0].identity {
            return Ok(Err(first));
        }
        let plans: Vec<(Vec<usize>, Vec<f64>, bool)> = plans
            .into_iter()
            .skip(1)
            .map(|p| (p.columns, p.units, p.identity))
            .collect();
        (header, plans)
    };
    let value_count = header.sample_types.len();
    let more_samples = rest.iter().map(|i| i.profile.samples().len()).sum();
    let more_frames = rest.iter().map(|i| i.profile.samples().frame_count()).sum();
    let mut merger = Merger::seeded(first, value_count, more_samples, more_frames);
    for (input, (columns, units, identity)) in rest.iter().zip(plans) {
        let plan = ValuePlan {
            scales: &input.scales,
            columns,
            units,
            identity,
        };
        merger.append_input(input, &plan);
    }
    let group_count = rest.iter().map(|i| i.group + 1).max().unwrap_or(1);
    merger.finish(header, group_count).map(Ok)
}

/// [`Profile::diff_base`] for an owned `new` profile: when nothing has to be
/// rescaled or combined (no `normalize`, no negative base values, `new`'s
/// values kept as they are), `new`'s arrays are taken over as they are and
/// only the base is remapped and appended — the same profile, far cheaper on
/// large inputs. Otherwise it is [`combine_with_base`].
pub fn diff_base_owned(
    new: Profile,
    base: &Profile,
    normalize: bool,
) -> Result<Profile, MergeError> {
    if normalize || has_negative_values(base) {
        return combine_with_base(&[&new], &[base], BaseMode::DiffBase, normalize);
    }
    let input = MergeInput {
        profile: base,
        scales: vec![vec![-1.0; base.sample_types.len()]],
        group: 1,
        label: Some(BASE_LABEL),
    };
    match append_to_owned(new, &[input])? {
        Ok(mut merged) => {
            merged.profile.samples.diff_base = merged.groups[1].clone();
            Ok(merged.profile)
        }
        Err(new) => combine_with_base(&[&new], &[base], BaseMode::DiffBase, false),
    }
}

/// [`side_by_side`] (without normalizing) for owned profiles: the first is
/// taken over without copying when its values stay as they are.
pub fn side_by_side_owned(mut profiles: Vec<Profile>) -> Result<Merged, MergeError> {
    if profiles.is_empty() {
        return Err(MergeError::Empty);
    }
    let first = profiles.remove(0);
    let rest: Vec<MergeInput<'_>> = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| MergeInput {
            profile: p,
            scales: Vec::new(),
            group: i + 1,
            label: None,
        })
        .collect();
    match append_to_owned(first, &rest)? {
        Ok(merged) => Ok(merged),
        Err(first) => {
            let mut all = vec![&first];
            all.extend(profiles.iter());
            side_by_side(&all, None)
        }
    }
}
