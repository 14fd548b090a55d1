//! Combining profiles the way `go tool pprof` does: merging several
//! profiles into one (`pprof A B C`), subtracting a base (`-base`), keeping a
//! negated base apart (`-diff_base`), scaling to the base's total
//! (`-normalize`) — and, for `diff` and `trend`, laying profiles side by
//! side with unified locations so that every report agrees on what a site is.
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

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ops::Range;

use thiserror::Error;

use super::error::ProfileError;
use super::model::{
    Function, FunctionId, Label, Line, Location, Mapping, MappingId, Profile, Samples, StrId,
    StringTable, ValueType,
};
use crate::report::units;

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
    merge_inputs(&inputs).map(|m| m.profile)
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
    let p = merge(sources)?;
    let base = merge(bases)?;
    let scales = if normalize {
        vec![normalize_ratios(&p, &base)?]
    } else {
        Vec::new()
    };
    let (group, label) = match mode {
        BaseMode::DiffBase => (1, Some(BASE_LABEL)),
        BaseMode::Subtract => (0, None),
    };
    let inputs = [
        MergeInput {
            profile: &p,
            scales,
            group: 0,
            label: None,
        },
        MergeInput {
            profile: &base,
            scales: vec![vec![-1.0; base.sample_types.len()]],
            group,
            label,
        },
    ];
    let mut merged = merge_inputs(&inputs)?;
    if mode == BaseMode::DiffBase {
        merged.profile.samples.diff_base = merged.groups.get(1).cloned().unwrap_or(0..0);
    }
    Ok(merged.profile)
}

/// Lays profiles side by side: one merged profile (shared locations, so one
/// node per site) in which the samples of `profiles[i]` stay apart, in group
/// `i`. With `normalize_to = Some(b)`, every other profile is first scaled
/// to profile `b`'s total, as `-normalize` scales the source to the base.
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
    merge_inputs(&inputs)
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
    if let (Some(x), Some(y)) = (&a.period_type, &b.period_type) {
        if x != y {
            return Err(MergeError::IncompatiblePeriodTypes(
                describe_period(Some(x)),
                describe_period(Some(y)),
            ));
        }
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
    comments: Vec<String>,
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
        for c in &p.comments {
            if !header.comments.contains(c) {
                header.comments.push(c.clone());
            }
        }
        if header.default_sample_type.is_none() {
            header.default_sample_type = defaults[k].clone().filter(|d| !d.is_empty());
        }
    }
    // combineHeaders' compatibility check.
    for (k, t) in types.iter().enumerate().skip(1) {
        if let (Some(a), Some(b)) = (&period_types[0], &period_types[k]) {
            if a != b {
                return Err(MergeError::IncompatiblePeriodTypes(
                    describe_period(Some(a)),
                    describe_period(Some(b)),
                ));
            }
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

/// pprof's `mappingKey`: size rounded up to 4 KiB, offset, build id or file.
type MappingKey<'a> = (u64, u64, &'a str);
/// pprof's `functionKey`.
type FunctionKey<'a> = (i64, &'a str, &'a str, &'a str);
/// pprof's `locationKey`: mapping, address relative to it, folded, and the
/// frames as (function, line).
type LocationKey = (u32, u64, bool, Box<[(u32, i64)]>);

/// A FxHash-style mixer: fast, and good enough for the ids hashed here.
#[derive(Clone, Copy)]
struct Mix(u64);

impl Mix {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    fn add(self, x: u64) -> Mix {
        Mix((self.0.rotate_left(5) ^ x).wrapping_mul(Mix::K))
    }
}

/// The output profile under construction.
struct Merger<'a> {
    value_count: usize,
    mappings: Vec<Mapping>,
    mapping_keys: HashMap<MappingKey<'a>, u32>,
    functions: Vec<Function>,
    function_keys: HashMap<FunctionKey<'a>, u32>,
    locations: Vec<Location>,
    lines: Vec<Line>,
    location_keys: HashMap<LocationKey, u32>,
    strings: Vec<String>,
    string_ids: HashMap<&'a str, u32>,
    // Samples, structure of arrays as in the model.
    stack_ends: Vec<usize>,
    frames: Vec<u32>,
    values: Vec<i64>,
    label_ends: Vec<usize>,
    labels: Vec<Label>,
    groups: Vec<u32>,
    hashes: Vec<u64>,
    /// Open-addressing table of sample indices (NONE = empty).
    table: Vec<u32>,
}

/// Per-input translation tables from input indices to output indices.
struct InputMaps {
    mappings: Vec<(u32, u64)>,
    functions: Vec<u32>,
    locations: Vec<u32>,
    strings: Vec<u32>,
}

impl<'a> Merger<'a> {
    fn new(value_count: usize, capacity: usize) -> Self {
        let table_len = (capacity.max(8) * 2).next_power_of_two();
        Merger {
            value_count,
            mappings: Vec::new(),
            mapping_keys: HashMap::new(),
            functions: Vec::new(),
            function_keys: HashMap::new(),
            locations: Vec::new(),
            lines: Vec::new(),
            location_keys: HashMap::new(),
            strings: vec![String::new()],
            string_ids: HashMap::from([("", 0)]),
            stack_ends: Vec::with_capacity(capacity),
            frames: Vec::new(),
            values: Vec::with_capacity(capacity * value_count),
            label_ends: Vec::with_capacity(capacity),
            labels: Vec::new(),
            groups: Vec::with_capacity(capacity),
            hashes: Vec::with_capacity(capacity),
            table: vec![NONE; table_len],
        }
    }

    fn string(&mut self, s: &'a str) -> u32 {
        if let Some(&id) = self.string_ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.to_owned());
        self.string_ids.insert(s, id);
        id
    }

    fn input_string(&mut self, maps: &mut InputMaps, p: &'a Profile, id: StrId) -> StrId {
        let slot = &mut maps.strings[id.index()];
        if *slot == NONE {
            *slot = self.string(p.string(id));
        }
        StrId(maps.strings[id.index()])
    }

    /// pprof's `mapMapping`: the output mapping and the address offset.
    fn mapping(&mut self, maps: &mut InputMaps, p: &'a Profile, id: MappingId) -> (u32, u64) {
        let slot = maps.mappings[id.index()];
        if slot.0 != NONE {
            return slot;
        }
        let m = p.mapping(id);
        let size = m
            .memory_limit
            .wrapping_sub(m.memory_start)
            .wrapping_add(0xfff);
        let size = size - size % 0x1000;
        let who = if !m.build_id.is_empty() {
            m.build_id.as_str()
        } else {
            m.file.as_str()
        };
        let key = (size, m.file_offset, who);
        let mapped = match self.mapping_keys.entry(key) {
            Entry::Occupied(e) => {
                let out = *e.get();
                let start = self.mappings[out as usize].memory_start;
                (out, start.wrapping_sub(m.memory_start))
            }
            Entry::Vacant(e) => {
                let out = self.mappings.len() as u32;
                let mut copy = m.clone();
                copy.id = u64::from(out) + 1;
                self.mappings.push(copy);
                e.insert(out);
                (out, 0)
            }
        };
        maps.mappings[id.index()] = mapped;
        mapped
    }

    fn function(&mut self, maps: &mut InputMaps, p: &'a Profile, id: FunctionId) -> u32 {
        let slot = maps.functions[id.index()];
        if slot != NONE {
            return slot;
        }
        let f = &p.functions[id.index()];
        let key = (
            f.start_line,
            f.name.as_str(),
            f.system_name.as_str(),
            f.filename.as_str(),
        );
        let next = self.functions.len() as u32;
        let out = *self.function_keys.entry(key).or_insert(next);
        if out == next {
            let mut copy = f.clone();
            copy.id = u64::from(out) + 1;
            self.functions.push(copy);
        }
        maps.functions[id.index()] = out;
        out
    }

    /// pprof's `mapLocation`.
    fn location(&mut self, maps: &mut InputMaps, p: &'a Profile, index: u32) -> u32 {
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
        let lines = p.lines(l);
        let mut key_lines = Vec::with_capacity(lines.len());
        let mut mapped_lines = Vec::with_capacity(lines.len());
        for line in lines {
            let function = line.function.map(|f| self.function(maps, p, f));
            key_lines.push((function.unwrap_or(NONE), line.line));
            mapped_lines.push(Line {
                function: function.map(FunctionId),
                line: line.line,
                column: line.column,
            });
        }
        let key = (mapping, relative, l.is_folded, key_lines.into_boxed_slice());
        let next = self.locations.len() as u32;
        let out = *self.location_keys.entry(key).or_insert(next);
        if out == next {
            let start = self.lines.len() as u32;
            self.lines.extend(mapped_lines);
            self.locations.push(Location {
                id: u64::from(out) + 1,
                mapping: (mapping != NONE).then_some(MappingId(mapping)),
                address: l.address.wrapping_add(offset),
                lines: start..self.lines.len() as u32,
                is_folded: l.is_folded,
            });
        }
        maps.locations[index as usize] = out;
        out
    }

    fn sample_frames(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.stack_ends[i - 1] };
        &self.frames[start..self.stack_ends[i]]
    }

    fn sample_labels(&self, i: usize) -> &[Label] {
        let start = if i == 0 { 0 } else { self.label_ends[i - 1] };
        &self.labels[start..self.label_ends[i]]
    }

    /// Adds a sample, or adds its values to the identical one already there.
    fn add_sample(&mut self, group: u32, frames: &[u32], labels: &[Label], values: &[i64]) {
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
        let hash = h.0;
        let mask = self.table.len() - 1;
        let mut slot = (hash >> 7) as usize & mask;
        loop {
            let i = self.table[slot];
            if i == NONE {
                break;
            }
            let i = i as usize;
            if self.hashes[i] == hash
                && self.groups[i] == group
                && self.sample_frames(i) == frames
                && labels_equal(self.sample_labels(i), labels)
            {
                let k = self.value_count;
                for (acc, v) in self.values[i * k..(i + 1) * k].iter_mut().zip(values) {
                    *acc = acc.wrapping_add(*v);
                }
                return;
            }
            slot = (slot + 1) & mask;
        }
        let index = self.stack_ends.len();
        self.table[slot] = index as u32;
        self.frames.extend_from_slice(frames);
        self.stack_ends.push(self.frames.len());
        self.labels.extend_from_slice(labels);
        self.label_ends.push(self.labels.len());
        self.values.extend_from_slice(values);
        self.groups.push(group);
        self.hashes.push(hash);
        if self.stack_ends.len() * 2 > self.table.len() {
            self.grow();
        }
    }

    fn grow(&mut self) {
        let len = self.table.len() * 2;
        let mask = len - 1;
        let mut table = vec![NONE; len];
        for (i, &hash) in self.hashes.iter().enumerate() {
            let mut slot = (hash >> 7) as usize & mask;
            while table[slot] != NONE {
                slot = (slot + 1) & mask;
            }
            table[slot] = i as u32;
        }
        self.table = table;
    }

    fn add_input(&mut self, input: &MergeInput<'a>, plan: &ValuePlan<'_>) {
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
        let extra = input.label.map(|(k, v)| {
            let key = StrId(self.string(k));
            let value = StrId(self.string(v));
            Label {
                key,
                str: value,
                num: 0,
                num_unit: StrId(0),
            }
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
            for l in samples.stack(s) {
                frames.push(self.location(&mut maps, p, l.0));
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
}

fn labels_equal(a: &[Label], b: &[Label]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.key == y.key && x.str == y.str && x.num == y.num && x.num_unit == y.num_unit
        })
}

/// Merges the inputs: the building block of every combination above.
pub fn merge_inputs(inputs: &[MergeInput<'_>]) -> Result<Merged, MergeError> {
    if inputs.is_empty() {
        return Err(MergeError::Empty);
    }
    if inputs.windows(2).any(|w| w[0].group > w[1].group) {
        return Err(MergeError::GroupOrder);
    }
    let (header, plans) = plan(inputs)?;
    let capacity = inputs.iter().map(|i| i.profile.samples().len()).sum();
    let mut merger = Merger::new(header.sample_types.len(), capacity);
    for (input, plan) in inputs.iter().zip(&plans) {
        merger.add_input(input, plan);
    }
    merger.compact();
    // Inputs come in non-decreasing group order and a sample never
    // combines across groups, so each group's samples are contiguous.
    let group_count = inputs.iter().map(|i| i.group + 1).max().unwrap_or(1);
    let mut counts = vec![0usize; group_count];
    for &g in &merger.groups {
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
    let has_labels = !merger.labels.is_empty();
    let samples = Samples::new(
        header.sample_types.len(),
        merger.stack_ends,
        merger.frames,
        merger.values,
        if has_labels {
            merger.label_ends
        } else {
            Vec::new()
        },
        merger.labels,
    );
    let profile = Profile {
        sample_types: header.sample_types,
        default_sample_type: header.default_sample_type,
        period_type: header.period_type,
        period: header.period,
        time_nanos: header.time_nanos,
        duration_nanos: header.duration_nanos,
        comments: header.comments,
        drop_frames: header.drop_frames,
        keep_frames: header.keep_frames,
        mappings: merger.mappings,
        functions: merger.functions,
        locations: merger.locations,
        lines: merger.lines,
        samples,
        strings: StringTable::new(merger.strings),
    };
    Ok(Merged { profile, groups })
}
