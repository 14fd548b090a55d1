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

use std::ops::Range;

use rustc_hash::{FxHashMap, FxHashSet};
use thiserror::Error;

use super::error::ProfileError;
use super::model::{
    Function, FunctionId, Label, Line, Location, Mapping, MappingId, Profile, Samples, StrId,
    StringTable, ValueType,
};
use crate::units;

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

/// The sample types every profile has, in the order of the first one
/// (pprof's `commonSampleTypes`).
pub fn common_sample_types(profiles: &[&Profile]) -> Vec<String> {
    let Some(first) = profiles.first() else {
        return Vec::new();
    };
    first
        .sample_types
        .iter()
        .filter(|t| {
            profiles
                .iter()
                .all(|p| p.sample_types.iter().any(|u| u.name == t.name))
        })
        .map(|t| t.name.clone())
        .collect()
}

impl Profile {
    /// Merges profiles into one, as `go tool pprof A B C` does: the sample
    /// types they share, values of identical samples summed, the earliest
    /// time, the summed duration, the largest period.
    pub fn merge(profiles: &[Profile]) -> Result<Profile, ProfileError> {
        let refs: Vec<&Profile> = profiles.iter().collect();
        Ok(merge(&refs)?)
    }

    /// `go tool pprof -diff_base=BASE NEW`: the base's samples are negated
    /// and kept apart ([`Samples::is_diff_base`]), so reports can show both
    /// sides and measure percentages against the base total. With
    /// `normalize`, `new` is first scaled to the base's total.
    pub fn diff_base(
        new: &Profile,
        base: &Profile,
        normalize: bool,
    ) -> Result<Profile, ProfileError> {
        Ok(combine_with_base(
            &[new],
            &[base],
            BaseMode::DiffBase,
            normalize,
        )?)
    }

    /// [`Profile::diff_base`], consuming `self` (the new profile): its arrays
    /// are reused rather than copied, which is much cheaper on large profiles.
    pub fn into_diff_base(self, base: &Profile, normalize: bool) -> Result<Profile, ProfileError> {
        Ok(diff_base_owned(self, base, normalize)?)
    }

    /// `go tool pprof -base=BASE NEW`: the base is subtracted, so identical
    /// stacks (with identical labels) cancel and the total is what remains.
    pub fn subtract_base(
        new: &Profile,
        base: &Profile,
        normalize: bool,
    ) -> Result<Profile, ProfileError> {
        Ok(combine_with_base(
            &[new],
            &[base],
            BaseMode::Subtract,
            normalize,
        )?)
    }
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
    // Go 1.19's combineProfiles merges even a single profile, which matters
    // for -normalize: it rounds each merged sample, not each original one.
    // Otherwise merging one profile first changes nothing the final merge
    // would not do anyway (sums, dropped zeros, order, header), so a lone
    // source or base goes in as it is.
    let merged_sources;
    let p = match sources {
        [single] if !normalize => *single,
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
    let mut owned: Vec<(usize, Profile, Vec<f64>)> = Vec::new();
    if let Some(b) = normalize_to {
        let base = profiles.get(b).ok_or(MergeError::Empty)?;
        for (i, p) in profiles.iter().enumerate() {
            if i != b {
                let merged = merge(&[*p])?;
                let ratios = normalize_ratios(&merged, base)?;
                owned.push((i, merged, ratios));
            }
        }
    }
    let inputs: Vec<MergeInput<'_>> = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| match owned.iter().find(|(j, ..)| *j == i) {
            Some((_, merged, ratios)) => MergeInput {
                profile: merged,
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
    let mut earlier: FxHashMap<MappingKey<'_>, Vec<(&str, u64)>> = FxHashMap::default();
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

/// pprof's `Profile.Normalize` ratios: per sample type, the base's sum over
/// the source's sum (0 when the source sums to 0).
pub fn normalize_ratios(source: &Profile, base: &Profile) -> Result<Vec<f64>, MergeError> {
    compatible(source, base)?;
    let sums = |p: &Profile| {
        let k = p.sample_types.len();
        let mut sums = vec![0i64; k];
        let samples = p.samples();
        for s in 0..samples.len() {
            for (sum, v) in sums.iter_mut().zip(samples.values(s)) {
                *sum = sum.wrapping_add(*v);
            }
        }
        sums
    };
    let (src, base) = (sums(source), sums(base));
    Ok(src
        .iter()
        .zip(&base)
        .map(|(&s, &b)| if s == 0 { 0.0 } else { b as f64 / s as f64 })
        .collect())
}

fn describe_types(types: &[ValueType]) -> String {
    let names: Vec<String> = types
        .iter()
        .map(|t| format!("{}/{}", t.name, t.unit))
        .collect();
    format!("[{}]", names.join(" "))
}

fn describe_period(t: Option<&ValueType>) -> String {
    t.map_or_else(|| "none".to_owned(), |t| format!("{}/{}", t.name, t.unit))
}

/// pprof's `Profile.compatible`: the same period type and sample types.
fn compatible(a: &Profile, b: &Profile) -> Result<(), MergeError> {
    if let (Some(x), Some(y)) = (&a.period_type, &b.period_type)
        && x != y
    {
        return Err(MergeError::IncompatiblePeriodTypes(
            describe_period(Some(x)),
            describe_period(Some(y)),
        ));
    }
    if a.sample_types != b.sample_types {
        return Err(MergeError::IncompatibleSampleTypes(
            describe_types(&a.sample_types),
            describe_types(&b.sample_types),
        ));
    }
    Ok(())
}

/// pprof's `compatibleValueTypes`: the same type (a trailing `s` aside) and
/// units of the same family.
fn compatible_value_types(a: &ValueType, b: &ValueType) -> bool {
    if a.name.strip_suffix('s').unwrap_or(&a.name) != b.name.strip_suffix('s').unwrap_or(&b.name) {
        return false;
    }
    a.unit == b.unit || units::same_family(&a.unit, &b.unit)
}

/// pprof's `CommonValueType`: the finest of compatible types (`None` for
/// fewer than two).
fn common_value_type(types: &[&ValueType]) -> Result<Option<ValueType>, MergeError> {
    if types.len() <= 1 {
        return Ok(None);
    }
    let mut min = types[0];
    for t in &types[1..] {
        if !compatible_value_types(min, t) {
            return Err(MergeError::IncompatibleSampleTypes(
                format!("{}/{}", min.name, min.unit),
                format!("{}/{}", t.name, t.unit),
            ));
        }
        if units::scale(1, &t.unit, &min.unit).0 < 1.0 {
            min = t;
        }
    }
    Ok(Some(min.clone()))
}

/// Applies one `ScaleN` step in place; returns whether pprof keeps the sample.
fn scale_values(values: &mut [i64], ratios: &[f64]) -> bool {
    if ratios.iter().all(|&r| r == 1.0) {
        return true;
    }
    let mut keep = false;
    for (v, &r) in values.iter_mut().zip(ratios) {
        if r != 1.0 {
            *v = (*v as f64 * r).round() as i64;
            keep |= *v != 0;
        }
    }
    keep
}

/// How one input's values become output values.
struct ValuePlan<'a> {
    scales: &'a [Vec<f64>],
    /// Output column `i` is input column `columns[i]`.
    columns: Vec<usize>,
    /// Unit conversion per output column (pprof's `ScaleProfiles`).
    units: Vec<f64>,
    identity: bool,
}

impl ValuePlan<'_> {
    /// Fills `out` from `input`; false if pprof drops the sample.
    fn apply(&self, input: &[i64], scratch: &mut Vec<i64>, out: &mut [i64]) -> bool {
        if self.identity {
            out.copy_from_slice(input);
        } else {
            scratch.clear();
            scratch.extend_from_slice(input);
            for step in self.scales {
                if !scale_values(scratch, step) {
                    return false;
                }
            }
            for (o, &c) in out.iter_mut().zip(&self.columns) {
                *o = scratch[c];
            }
            if !scale_values(out, &self.units) {
                return false;
            }
        }
        out.iter().any(|&v| v != 0)
    }
}

/// Merged header fields.
struct Header {
    sample_types: Vec<ValueType>,
    default_sample_type: Option<String>,
    period_type: Option<ValueType>,
    period: i64,
    time_nanos: i64,
    duration_nanos: i64,
    comments: Vec<Box<str>>,
    seen_comments: FxHashSet<Box<str>>,
    drop_frames: Option<String>,
    keep_frames: Option<String>,
}

/// Works out column maps, unit conversions and the merged header.
fn plan<'a>(inputs: &'a [MergeInput<'a>]) -> Result<(Header, Vec<ValuePlan<'a>>), MergeError> {
    let profiles: Vec<&Profile> = inputs.iter().map(|i| i.profile).collect();
    let common = common_sample_types(&profiles);
    if common.is_empty() {
        let all: Vec<String> = profiles
            .iter()
            .map(|p| describe_types(&p.sample_types))
            .collect();
        let all: Vec<String> = all.into_iter().map(|t| format!("'{t}'")).collect();
        return Err(MergeError::NoCommonSampleTypes(all.join(" vs ")));
    }
    // CompatibilizeSampleTypes: column maps and per-profile sample types.
    let mut columns = Vec::with_capacity(inputs.len());
    let mut types: Vec<Vec<ValueType>> = Vec::with_capacity(inputs.len());
    let mut defaults: Vec<Option<String>> = Vec::with_capacity(inputs.len());
    for p in &profiles {
        let map: Vec<usize> = common
            .iter()
            .map(|name| p.sample_types.iter().position(|t| &t.name == name))
            .collect::<Option<_>>()
            .ok_or(MergeError::Empty)?;
        let modified =
            map.len() != p.sample_types.len() || map.iter().enumerate().any(|(i, &c)| i != c);
        let default = if modified {
            Some(
                p.default_sample_type
                    .clone()
                    .filter(|d| common.contains(d))
                    .unwrap_or_else(|| common[0].clone()),
            )
        } else {
            p.default_sample_type.clone()
        };
        types.push(map.iter().map(|&c| p.sample_types[c].clone()).collect());
        columns.push(map);
        defaults.push(default);
    }
    // ScaleProfiles: the finest unit of each column and of the period.
    let periods: Vec<&ValueType> = profiles
        .iter()
        .filter_map(|p| p.period_type.as_ref())
        .collect();
    let common_period = common_value_type(&periods)?;
    let mut common_units = Vec::with_capacity(common.len());
    for i in 0..common.len() {
        let column: Vec<&ValueType> = types.iter().map(|t| &t[i]).collect();
        common_units.push(common_value_type(&column)?);
    }
    let mut plans = Vec::with_capacity(inputs.len());
    let mut period_types = Vec::with_capacity(inputs.len());
    let mut header = Header {
        sample_types: Vec::new(),
        default_sample_type: None,
        period_type: None,
        period: 0,
        time_nanos: 0,
        duration_nanos: 0,
        comments: Vec::new(),
        seen_comments: FxHashSet::default(),
        drop_frames: profiles[0].drop_frames.clone(),
        keep_frames: profiles[0].keep_frames.clone(),
    };
    for (k, input) in inputs.iter().enumerate() {
        let p = input.profile;
        let mut period = p.period;
        let mut period_type = p.period_type.clone();
        if let (Some(pt), Some(common)) = (&mut period_type, &common_period) {
            period = units::scale(p.period, &pt.unit, &common.unit).0 as i64;
            pt.unit = common.unit.clone();
        }
        let mut unit_ratios = vec![1.0; common.len()];
        for (i, t) in types[k].iter_mut().enumerate() {
            if let Some(common) = &common_units[i] {
                unit_ratios[i] = units::scale(1, &t.unit, &common.unit).0;
                t.unit = common.unit.clone();
            }
        }
        let identity = input.scales.iter().all(|s| s.iter().all(|&r| r == 1.0))
            && columns[k].len() == p.sample_types.len()
            && columns[k].iter().enumerate().all(|(i, &c)| i == c)
            && unit_ratios.iter().all(|&r| r == 1.0);
        plans.push(ValuePlan {
            scales: &input.scales,
            columns: std::mem::take(&mut columns[k]),
            units: unit_ratios,
            identity,
        });
        period_types.push(period_type);
        // combineHeaders, in input order.
        if header.time_nanos == 0 || p.time_nanos < header.time_nanos {
            header.time_nanos = p.time_nanos;
        }
        header.duration_nanos = header.duration_nanos.wrapping_add(p.duration_nanos);
        if header.period == 0 || header.period < period {
            header.period = period;
        }
        for &c in &p.comments {
            // A set, not a scan of the list: a profile may hold millions.
            let c = p.string(c);
            if header.seen_comments.insert(c.into()) {
                header.comments.push(c.into());
            }
        }
        if header.default_sample_type.is_none() {
            header.default_sample_type = defaults[k].clone().filter(|d| !d.is_empty());
        }
    }
    // combineHeaders' compatibility check.
    for (k, t) in types.iter().enumerate().skip(1) {
        if let (Some(a), Some(b)) = (&period_types[0], &period_types[k])
            && a != b
        {
            return Err(MergeError::IncompatiblePeriodTypes(
                describe_period(Some(a)),
                describe_period(Some(b)),
            ));
        }
        if t != &types[0] {
            return Err(MergeError::IncompatibleSampleTypes(
                describe_types(&types[0]),
                describe_types(t),
            ));
        }
    }
    header.sample_types = types.swap_remove(0);
    header.period_type = period_types.swap_remove(0);
    Ok((header, plans))
}

const NONE: u32 = u32::MAX;

/// A FxHash-style mixer: fast, and good enough for the ids hashed here.
#[derive(Clone, Copy)]
struct Mix(u64);

impl Mix {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    fn add(self, x: u64) -> Mix {
        Mix((self.0.rotate_left(5) ^ x).wrapping_mul(Mix::K))
    }

    /// The hash, its bits spread (the table uses the low and the high half).
    fn finish(self) -> u64 {
        let h = self.0;
        (h ^ (h >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (h >> 32)
    }

    fn add_str(self, s: &str) -> Mix {
        let mut h = self.add(s.len() as u64);
        for chunk in s.as_bytes().chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            h = h.add(u64::from_le_bytes(word));
        }
        h
    }
}

/// An open-addressing table of arena indices by hash: lookups compare
/// candidates with the arena itself, so keys are never copied. A slot holds
/// the index and the hash's top half, so most mismatches cost no other read.
struct IndexTable {
    hashes: Vec<u64>,
    slots: Vec<u64>,
}

const EMPTY: u64 = u64::MAX;

impl IndexTable {
    fn with_capacity(n: usize) -> IndexTable {
        IndexTable {
            hashes: Vec::with_capacity(n),
            slots: vec![EMPTY; (n.max(8) * 2).next_power_of_two()],
        }
    }

    fn entry(hash: u64, index: usize) -> u64 {
        (hash & 0xffff_ffff_0000_0000) | index as u64
    }

    /// The index of an entry with this hash for which `same` holds, or the
    /// free slot where a new one goes.
    fn find(&self, hash: u64, same: impl Fn(u32) -> bool) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            let entry = self.slots[slot];
            if entry == EMPTY {
                return Err(slot);
            }
            if entry >> 32 == hash >> 32 && same(entry as u32) {
                return Ok(entry as u32);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Records the next index (`hashes.len()`) in the free `slot`.
    fn insert_at(&mut self, slot: usize, hash: u64) {
        self.slots[slot] = IndexTable::entry(hash, self.hashes.len());
        self.hashes.push(hash);
        if self.hashes.len() * 2 > self.slots.len() {
            self.grow();
        }
    }

    fn grow(&mut self) {
        let len = self.slots.len() * 2;
        let mask = len - 1;
        let mut slots = vec![EMPTY; len];
        for (i, &hash) in self.hashes.iter().enumerate() {
            let mut slot = hash as usize & mask;
            while slots[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            slots[slot] = IndexTable::entry(hash, i);
        }
        self.slots = slots;
    }
}

/// pprof's `mappingKey`: size rounded up to 4 KiB, offset, build id or file.
/// Size rounded up to a page, file offset, and build id (or file).
type MappingKey<'a> = (u64, u64, &'a str);

/// `strings` resolves the mapping's names (they are ids into its profile's table).
fn mapping_key<'a>(m: &Mapping, strings: impl Fn(StrId) -> &'a str) -> MappingKey<'a> {
    let size = m
        .memory_limit
        .wrapping_sub(m.memory_start)
        .wrapping_add(0xfff);
    let size = size - size % 0x1000;
    let build_id = strings(m.build_id);
    let who = if build_id.is_empty() {
        strings(m.file)
    } else {
        build_id
    };
    (size, m.file_offset, who)
}

/// pprof's `functionKey`: start line, name, system name and file name
/// (`strings` resolves the ids in the function's own profile).
fn function_key<'a>(f: &Function, strings: impl Fn(StrId) -> &'a str) -> (i64, [&'a str; 3]) {
    (
        f.start_line,
        [strings(f.name), strings(f.system_name), strings(f.filename)],
    )
}

fn function_hash((start_line, names): (i64, [&str; 3])) -> u64 {
    names
        .iter()
        .fold(Mix(start_line as u64), |h, s| h.add_str(s))
        .finish()
}

/// pprof's `locationKey` — mapping, address relative to it, folded, and
/// each frame's function and line (not its column) — hashed.
fn location_hash(mapping: u32, relative: u64, folded: bool, lines: &[Line]) -> u64 {
    let mut h = Mix(0)
        .add(u64::from(mapping))
        .add(relative)
        .add(u64::from(folded))
        .add(lines.len() as u64);
    for line in lines {
        h = h
            .add(line.function.map_or(u64::from(NONE), |f| u64::from(f.0)))
            .add(line.line as u64);
    }
    h.finish()
}

/// The output profile under construction.
struct Merger {
    value_count: usize,
    /// Combine identical samples (pprof's merge) or append them.
    combine: bool,
    mappings: Vec<Mapping>,
    functions: Vec<Function>,
    function_table: IndexTable,
    locations: Vec<Location>,
    lines: Vec<Line>,
    location_table: IndexTable,
    line_scratch: Vec<Line>,
    strings: Vec<Box<str>>,
    /// Output mappings by pprof's mapping key (filled on first use when seeded).
    mapping_ids: FxHashMap<(u64, u64, Box<str>), u32>,
    /// Filled on first use (a seeded string table may never need it).
    string_ids: FxHashMap<Box<str>, u32>,
    // Samples, structure of arrays as in the model.
    stack_ends: Vec<usize>,
    frames: Vec<u32>,
    values: Vec<i64>,
    label_ends: Vec<usize>,
    labels: Vec<Label>,
    groups: Vec<u32>,
    /// Only when combining.
    sample_table: IndexTable,
}

/// Per-input translation tables from input indices to output indices.
struct InputMaps {
    mappings: Vec<(u32, u64)>,
    functions: Vec<u32>,
    locations: Vec<u32>,
    strings: Vec<u32>,
}

impl Merger {
    fn new(
        value_count: usize,
        (samples, frames): (usize, usize),
        locations: usize,
        combine: bool,
    ) -> Self {
        Merger {
            value_count,
            combine,
            mappings: Vec::new(),
            functions: Vec::new(),
            function_table: IndexTable::with_capacity(1024),
            locations: Vec::with_capacity(locations),
            lines: Vec::with_capacity(locations),
            location_table: IndexTable::with_capacity(locations),
            line_scratch: Vec::new(),
            strings: vec!["".into()],
            string_ids: FxHashMap::default(),
            mapping_ids: FxHashMap::default(),
            stack_ends: Vec::with_capacity(samples),
            frames: Vec::with_capacity(frames),
            values: Vec::with_capacity(samples * value_count),
            label_ends: Vec::with_capacity(samples),
            labels: Vec::new(),
            groups: Vec::with_capacity(samples),
            sample_table: IndexTable::with_capacity(if combine { samples } else { 0 }),
        }
    }

    /// Starts from a whole profile, taken over without copying: its arenas
    /// become the output's (so its samples need no remapping) and its
    /// samples land in group 0. Only [`Merger::append_input`] may follow.
    fn seeded(p: Profile, value_count: usize, more_samples: usize, more_frames: usize) -> Self {
        let Profile {
            mappings,
            functions,
            locations,
            lines,
            samples,
            strings,
            ..
        } = p;
        let parts = samples.into_parts();
        let n = parts.stack_ends.len();
        let mut stack_ends = parts.stack_ends;
        let mut frames = parts.frames;
        let mut values = parts.values;
        let mut label_ends = parts.label_ends;
        if label_ends.is_empty() {
            label_ends = vec![0; n];
        }
        stack_ends.reserve(more_samples);
        frames.reserve(more_frames);
        values.reserve(more_samples * value_count);
        label_ends.reserve(more_samples);
        let mut groups = vec![0u32; n];
        groups.reserve(more_samples);
        Merger {
            value_count,
            combine: false,
            mappings,
            functions,
            // Only appending follows, which looks nothing up in these.
            function_table: IndexTable::with_capacity(0),
            locations,
            lines,
            location_table: IndexTable::with_capacity(0),
            line_scratch: Vec::new(),
            strings: strings.into_boxed(),
            string_ids: FxHashMap::default(),
            mapping_ids: FxHashMap::default(),
            stack_ends,
            frames,
            values,
            label_ends,
            labels: parts.labels,
            groups,
            sample_table: IndexTable::with_capacity(0),
        }
    }

    fn string(&mut self, s: &str) -> u32 {
        if self.string_ids.is_empty() {
            for (i, t) in self.strings.iter().enumerate().rev() {
                self.string_ids.insert(t.clone(), i as u32);
            }
        }
        if let Some(&id) = self.string_ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.into());
        self.string_ids.insert(s.into(), id);
        id
    }

    fn input_string(&mut self, maps: &mut InputMaps, p: &Profile, id: StrId) -> StrId {
        let slot = maps.strings[id.index()];
        if slot != NONE {
            return StrId(slot);
        }
        let out = self.string(p.string(id));
        maps.strings[id.index()] = out;
        StrId(out)
    }

    /// pprof's `mapMapping`: the output mapping and the address offset.
    fn mapping(&mut self, maps: &mut InputMaps, p: &Profile, id: MappingId) -> (u32, u64) {
        let slot = maps.mappings[id.index()];
        if slot.0 != NONE {
            return slot;
        }
        let m = p.mapping(id);
        if self.mapping_ids.len() < self.mappings.len() {
            // Seeded with a profile's mappings: index them on first use.
            let strings = &self.strings;
            for (i, o) in self.mappings.iter().enumerate() {
                let (size, offset, who) = mapping_key(o, |s| &strings[s.index()]);
                self.mapping_ids
                    .entry((size, offset, who.into()))
                    .or_insert(i as u32);
            }
        }
        let (size, offset, who) = mapping_key(m, |s| p.string(s));
        let found = self
            .mapping_ids
            .get(&(size, offset, Box::from(who)))
            .copied();
        let mapped = match found {
            Some(out) => {
                let start = self.mappings[out as usize].memory_start;
                (out, start.wrapping_sub(m.memory_start))
            }
            None => {
                let out = self.mappings.len() as u32;
                let mut copy = m.clone();
                copy.id = u64::from(out) + 1;
                copy.file = StrId(self.string(p.string(m.file)));
                copy.build_id = StrId(self.string(p.string(m.build_id)));
                self.mappings.push(copy);
                self.mapping_ids.insert((size, offset, who.into()), out);
                (out, 0)
            }
        };
        maps.mappings[id.index()] = mapped;
        mapped
    }

    /// pprof's `mapFunction`.
    fn function(&mut self, maps: &mut InputMaps, p: &Profile, id: FunctionId) -> u32 {
        let slot = maps.functions[id.index()];
        if slot != NONE {
            return slot;
        }
        let f = &p.functions[id.index()];
        let key = function_key(f, |s| p.string(s));
        let hash = function_hash(key);
        let strings = &self.strings;
        let out = match self.function_table.find(hash, |i| {
            function_key(&self.functions[i as usize], |s| &strings[s.index()]) == key
        }) {
            Ok(out) => out,
            Err(slot) => {
                let out = self.functions.len() as u32;
                let copy = Function {
                    id: u64::from(out) + 1,
                    name: self.input_string(maps, p, f.name),
                    system_name: self.input_string(maps, p, f.system_name),
                    filename: self.input_string(maps, p, f.filename),
                    start_line: f.start_line,
                };
                self.functions.push(copy);
                self.function_table.insert_at(slot, hash);
                out
            }
        };
        maps.functions[id.index()] = out;
        out
    }

    /// pprof's `mapLocation`.
    fn location(&mut self, maps: &mut InputMaps, p: &Profile, index: u32) -> u32 {
        let slot = maps.locations[index as usize];
        if slot != NONE {
            return slot;
        }
        let l = &p.locations[index as usize];
        let (mapping, offset, relative) = match l.mapping {
            Some(m) => {
                let (out, offset) = self.mapping(maps, p, m);
                let start = p.mapping(m).memory_start;
                (out, offset, l.address.wrapping_sub(start))
            }
            None => (NONE, 0, l.address),
        };
        let mut lines = std::mem::take(&mut self.line_scratch);
        lines.clear();
        for line in p.lines(l) {
            lines.push(Line {
                function: line.function.map(|f| FunctionId(self.function(maps, p, f))),
                line: line.line,
                column: line.column,
            });
        }
        let hash = location_hash(mapping, relative, l.is_folded, &lines);
        let found = self.location_table.find(hash, |i| {
            self.same_location(i, mapping, relative, l.is_folded, &lines)
        });
        let out = match found {
            Ok(i) => i,
            Err(slot) => {
                let out = self.locations.len() as u32;
                let start = self.lines.len() as u32;
                self.lines.extend_from_slice(&lines);
                self.locations.push(Location {
                    id: u64::from(out) + 1,
                    mapping: (mapping != NONE).then_some(MappingId(mapping)),
                    address: l.address.wrapping_add(offset),
                    lines: start..self.lines.len() as u32,
                    is_folded: l.is_folded,
                });
                self.location_table.insert_at(slot, hash);
                out
            }
        };
        self.line_scratch = lines;
        maps.locations[index as usize] = out;
        out
    }

    /// Whether output location `i` has this key.
    fn same_location(
        &self,
        i: u32,
        mapping: u32,
        relative: u64,
        folded: bool,
        lines: &[Line],
    ) -> bool {
        let l = &self.locations[i as usize];
        let l_relative = match l.mapping {
            Some(m) => l
                .address
                .wrapping_sub(self.mappings[m.index()].memory_start),
            None => l.address,
        };
        let l_lines = &self.lines[l.lines.start as usize..l.lines.end as usize];
        l.mapping.map_or(NONE, |m| m.0) == mapping
            && l_relative == relative
            && l.is_folded == folded
            && l_lines.len() == lines.len()
            && l_lines
                .iter()
                .zip(lines)
                .all(|(a, b)| a.function == b.function && a.line == b.line)
    }

    fn sample_frames(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.stack_ends[i - 1] };
        &self.frames[start..self.stack_ends[i]]
    }

    fn sample_labels(&self, i: usize) -> &[Label] {
        let start = if i == 0 { 0 } else { self.label_ends[i - 1] };
        &self.labels[start..self.label_ends[i]]
    }

    fn push_sample(&mut self, group: u32, frames: &[u32], labels: &[Label], values: &[i64]) {
        self.frames.extend_from_slice(frames);
        self.stack_ends.push(self.frames.len());
        self.labels.extend_from_slice(labels);
        self.label_ends.push(self.labels.len());
        self.values.extend_from_slice(values);
        self.groups.push(group);
    }

    /// Adds a sample, or (when combining) adds its values to the identical
    /// one already there.
    fn add_sample(&mut self, group: u32, frames: &[u32], labels: &[Label], values: &[i64]) {
        if !self.combine {
            self.push_sample(group, frames, labels, values);
            return;
        }
        let mut h = Mix(0).add(u64::from(group)).add(frames.len() as u64);
        for &f in frames {
            h = h.add(u64::from(f));
        }
        for l in labels {
            h = h
                .add(u64::from(l.key.0))
                .add(u64::from(l.str.0))
                .add(l.num as u64)
                .add(u64::from(l.num_unit.0));
        }
        let hash = h.finish();
        let found = self.sample_table.find(hash, |i| {
            let i = i as usize;
            self.groups[i] == group
                && self.sample_frames(i) == frames
                && labels_equal(self.sample_labels(i), labels)
        });
        match found {
            Ok(i) => {
                let k = self.value_count;
                let i = i as usize;
                for (acc, v) in self.values[i * k..(i + 1) * k].iter_mut().zip(values) {
                    *acc = acc.wrapping_add(*v);
                }
            }
            Err(slot) => {
                self.sample_table.insert_at(slot, hash);
                self.push_sample(group, frames, labels, values);
            }
        }
    }

    /// Appends an input without deduplicating anything but mappings: its
    /// functions, locations and strings are copied after the output's and
    /// its stacks shifted by the location offset — no lookup per location,
    /// a sequential pass per frame. Reports see the same nodes (a node is
    /// identified by name, file, line and address, not by location), and
    /// addresses are moved into the output mapping as pprof moves them.
    fn append_input(&mut self, input: &MergeInput<'_>, plan: &ValuePlan<'_>) {
        let p = input.profile;
        let mut maps = InputMaps {
            mappings: vec![(NONE, 0); p.mappings.len()],
            functions: Vec::new(),
            locations: Vec::new(),
            strings: Vec::new(),
        };
        if self.mappings.is_empty() && !p.mappings.is_empty() {
            self.mapping(&mut maps, p, MappingId(0));
        }
        let string_offset = self.strings.len() as u32 - 1;
        self.strings
            .extend((1..p.strings.len()).map(|i| Box::from(p.string(StrId(i as u32)))));
        let string = |id: StrId| {
            if id.0 == 0 {
                id
            } else {
                StrId(id.0 + string_offset)
            }
        };
        let function_offset = self.functions.len() as u32;
        self.functions
            .extend(p.functions.iter().enumerate().map(|(i, f)| Function {
                id: u64::from(function_offset) + i as u64 + 1,
                name: string(f.name),
                system_name: string(f.system_name),
                filename: string(f.filename),
                start_line: f.start_line,
            }));
        let location_offset = self.locations.len() as u32;
        self.locations.reserve(p.locations.len());
        self.lines.reserve(p.lines.len());
        for (i, l) in p.locations.iter().enumerate() {
            let (mapping, offset) = match l.mapping {
                Some(m) => {
                    let (out, offset) = self.mapping(&mut maps, p, m);
                    (Some(MappingId(out)), offset)
                }
                None => (None, 0),
            };
            let start = self.lines.len() as u32;
            self.lines.extend(p.lines(l).iter().map(|line| Line {
                function: line.function.map(|f| FunctionId(f.0 + function_offset)),
                line: line.line,
                column: line.column,
            }));
            self.locations.push(Location {
                id: u64::from(location_offset) + i as u64 + 1,
                mapping,
                address: l.address.wrapping_add(offset),
                lines: start..self.lines.len() as u32,
                is_folded: l.is_folded,
            });
        }
        let extra = input.label.map(|(k, v)| {
            self.strings.push(k.into());
            self.strings.push(v.into());
            let n = self.strings.len() as u32;
            Label {
                key: StrId(n - 2),
                str: StrId(n - 1),
                num: 0,
                num_unit: StrId(0),
            }
        });
        let samples = p.samples();
        let group = input.group as u32;
        let mut scratch = Vec::with_capacity(p.sample_types.len());
        let mut values = vec![0i64; self.value_count];
        for s in 0..samples.len() {
            if !plan.apply(samples.values(s), &mut scratch, &mut values) {
                continue;
            }
            self.frames
                .extend(samples.stack_raw(s).iter().map(|&l| l + location_offset));
            self.stack_ends.push(self.frames.len());
            for l in samples.labels(s) {
                if l.str.index() != 0
                    && extra
                        .is_some_and(|e| p.string(l.key) == self.strings[e.key.index()].as_ref())
                {
                    continue; // replaced by the extra label, as SetLabel does
                }
                self.labels.push(Label {
                    key: string(l.key),
                    str: string(l.str),
                    num: l.num,
                    num_unit: string(l.num_unit),
                });
            }
            if let Some(extra) = extra {
                self.labels.push(extra);
            }
            self.label_ends.push(self.labels.len());
            self.values.extend_from_slice(&values);
            self.groups.push(group);
        }
    }

    fn add_input(&mut self, input: &MergeInput<'_>, plan: &ValuePlan<'_>) {
        let p = input.profile;
        let mut maps = InputMaps {
            mappings: vec![(NONE, 0); p.mappings.len()],
            functions: vec![NONE; p.functions.len()],
            locations: vec![NONE; p.locations.len()],
            strings: vec![NONE; p.strings.len()],
        };
        if self.mappings.is_empty() && !p.mappings.is_empty() {
            // pprof maps the first mapping first: it is the main binary.
            self.mapping(&mut maps, p, MappingId(0));
        }
        let extra = input.label.map(|(k, v)| Label {
            key: StrId(self.string(k)),
            str: StrId(self.string(v)),
            num: 0,
            num_unit: StrId(0),
        });
        let samples = p.samples();
        let group = input.group as u32;
        let mut scratch = Vec::with_capacity(p.sample_types.len());
        let mut values = vec![0i64; self.value_count];
        let mut frames: Vec<u32> = Vec::with_capacity(64);
        let mut labels: Vec<Label> = Vec::new();
        for s in 0..samples.len() {
            if !plan.apply(samples.values(s), &mut scratch, &mut values) {
                continue;
            }
            frames.clear();
            for &l in samples.stack_raw(s) {
                let known = maps.locations[l as usize];
                frames.push(if known == NONE {
                    self.location(&mut maps, p, l)
                } else {
                    known
                });
            }
            labels.clear();
            for l in samples.labels(s) {
                let numeric = l.str.index() == 0;
                if numeric && l.num == 0 && l.num_unit.index() == 0 {
                    continue; // pprof ignores such labels when decoding.
                }
                labels.push(Label {
                    key: self.input_string(&mut maps, p, l.key),
                    str: self.input_string(&mut maps, p, l.str),
                    num: l.num,
                    num_unit: self.input_string(&mut maps, p, l.num_unit),
                });
            }
            if let Some(extra) = extra {
                labels.retain(|l| l.key != extra.key || l.str.index() == 0);
                labels.push(extra);
            }
            // Canonical order: string labels, then numeric ones, by key;
            // values of one key keep their order.
            labels.sort_by_key(|l| (l.str.index() == 0, l.key.0));
            self.add_sample(group, &frames, &labels, &values);
        }
    }

    /// Drops samples whose values summed to zero.
    fn compact(&mut self) {
        let k = self.value_count;
        let zero = |i: usize, values: &[i64]| values[i * k..(i + 1) * k].iter().all(|&v| v == 0);
        let n = self.stack_ends.len();
        if !(0..n).any(|i| zero(i, &self.values)) {
            return;
        }
        let mut stack_ends = Vec::with_capacity(n);
        let mut frames = Vec::with_capacity(self.frames.len());
        let mut values = Vec::with_capacity(self.values.len());
        let mut label_ends = Vec::with_capacity(n);
        let mut labels = Vec::with_capacity(self.labels.len());
        let mut groups = Vec::with_capacity(n);
        for i in 0..n {
            if zero(i, &self.values) {
                continue;
            }
            frames.extend_from_slice(self.sample_frames(i));
            stack_ends.push(frames.len());
            labels.extend_from_slice(self.sample_labels(i));
            label_ends.push(labels.len());
            values.extend_from_slice(&self.values[i * k..(i + 1) * k]);
            groups.push(self.groups[i]);
        }
        self.stack_ends = stack_ends;
        self.frames = frames;
        self.values = values;
        self.label_ends = label_ends;
        self.labels = labels;
        self.groups = groups;
    }

    /// The merged profile, and each group's sample range.
    fn finish(mut self, header: Header, group_count: usize) -> Result<Merged, MergeError> {
        let comments = header
            .comments
            .iter()
            .map(|c| StrId(self.string(c)))
            .collect();
        // Inputs come in non-decreasing group order and a sample never
        // combines across groups, so each group's samples are contiguous.
        let mut counts = vec![0usize; group_count];
        for &g in &self.groups {
            counts[g as usize] += 1;
        }
        let mut start = 0;
        let groups = counts
            .iter()
            .map(|&n| {
                start += n;
                start - n..start
            })
            .collect();
        let has_labels = !self.labels.is_empty();
        let samples = Samples::new(
            header.sample_types.len(),
            self.stack_ends,
            self.frames,
            self.values,
            if has_labels {
                self.label_ends
            } else {
                Vec::new()
            },
            self.labels,
        );
        let profile = Profile {
            sample_types: header.sample_types,
            default_sample_type: header.default_sample_type,
            period_type: header.period_type,
            period: header.period,
            time_nanos: header.time_nanos,
            duration_nanos: header.duration_nanos,
            comments,
            drop_frames: header.drop_frames,
            keep_frames: header.keep_frames,
            mappings: self.mappings,
            functions: self.functions,
            locations: self.locations,
            lines: self.lines,
            samples,
            strings: StringTable::from_boxed(self.strings).map_err(|_| MergeError::TooLarge)?,
        };
        Ok(Merged { profile, groups })
    }
}

fn labels_equal(a: &[Label], b: &[Label]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.key == y.key && x.str == y.str && x.num == y.num && x.num_unit == y.num_unit
        })
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
