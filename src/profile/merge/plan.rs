//! The plan of a merge, made before any sample is read: which sample types
//! survive (those all inputs share, pprof's `CompatibilizeSampleTypes`), the
//! unit each is converted to (the finest, pprof's `ScaleProfiles`), the
//! `ScaleN` steps (negation, `-normalize`), and the merged header.

use foldhash::{HashMap, HashSet};

use super::{MergeError, MergeInput};
use crate::profile::model::{Profile, ValueType};
use crate::units;

/// The sample types every profile has, in the order of the first one
/// (pprof's `commonSampleTypes`).
pub fn common_sample_types(profiles: &[&Profile]) -> Vec<String> {
    let Some(first) = profiles.first() else {
        return Vec::new();
    };
    let by_name: Vec<_> = profiles.iter().map(|p| positions(p)).collect();
    first
        .sample_types
        .iter()
        .filter(|t| by_name.iter().all(|p| p.contains_key(t.name.as_str())))
        .map(|t| t.name.clone())
        .collect()
}

/// Where each of a profile's sample types is, by name (the first of two
/// of one name, as pprof's searches find it): looked up rather than
/// searched for, as a profile may have 65,536 types.
fn positions(p: &Profile) -> HashMap<&str, usize> {
    let mut positions = HashMap::default();
    for (i, t) in p.sample_types.iter().enumerate() {
        positions.entry(t.name.as_str()).or_insert(i);
    }
    positions
}

/// pprof's `Profile.Normalize` ratios: per sample type, the base's sum over
/// the source's sum (0 when the source sums to 0).
pub fn normalize_ratios(source: &Profile, base: &Profile) -> Result<Vec<f64>, MergeError> {
    period_compatible(source, base)?;
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
    let (src, base_sums) = (sums(source), sums(base));
    let in_base = positions(base);
    // Each type against the base's type of the same name (pprof insists on
    // identical lists and fails otherwise; the merge keeps only the shared
    // types anyway, so a type the base lacks keeps its values, ratio 1).
    Ok(source
        .sample_types
        .iter()
        .zip(&src)
        .map(|(t, &s)| {
            let Some(&b) = in_base.get(t.name.as_str()) else {
                return 1.0;
            };
            let b_total =
                base_sums[b] as f64 * units::scale(1, &base.sample_types[b].unit, &t.unit).0;
            if s == 0 { 0.0 } else { b_total / s as f64 }
        })
        .collect())
}

/// The period types' half of [`compatible`].
fn period_compatible(a: &Profile, b: &Profile) -> Result<(), MergeError> {
    if let (Some(x), Some(y)) = (&a.period_type, &b.period_type)
        && x != y
    {
        return Err(MergeError::IncompatiblePeriodTypes(
            describe_period(Some(x)),
            describe_period(Some(y)),
        ));
    }
    Ok(())
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
pub(super) fn compatible(a: &Profile, b: &Profile) -> Result<(), MergeError> {
    period_compatible(a, b)?;
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
pub(super) struct ValuePlan<'a> {
    pub(super) scales: &'a [Vec<f64>],
    /// Output column `i` is input column `columns[i]`.
    pub(super) columns: Vec<usize>,
    /// Unit conversion per output column (pprof's `ScaleProfiles`).
    pub(super) units: Vec<f64>,
    pub(super) identity: bool,
}

impl ValuePlan<'_> {
    /// Fills `out` from `input`; false if pprof drops the sample.
    pub(super) fn apply(&self, input: &[i64], scratch: &mut Vec<i64>, out: &mut [i64]) -> bool {
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
pub(super) struct Header {
    pub(super) sample_types: Vec<ValueType>,
    pub(super) default_sample_type: Option<String>,
    pub(super) period_type: Option<ValueType>,
    pub(super) period: i64,
    pub(super) time_nanos: i64,
    pub(super) duration_nanos: i64,
    pub(super) comments: Vec<Box<str>>,
    pub(super) seen_comments: HashSet<Box<str>>,
    pub(super) drop_frames: Option<String>,
    pub(super) keep_frames: Option<String>,
}

/// Works out column maps, unit conversions and the merged header.
pub(super) fn plan<'a>(
    inputs: &'a [MergeInput<'a>],
) -> Result<(Header, Vec<ValuePlan<'a>>), MergeError> {
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
    let in_common: HashSet<&str> = common.iter().map(String::as_str).collect();
    for p in &profiles {
        let at = positions(p);
        let map: Vec<usize> = common
            .iter()
            .map(|name| at.get(name.as_str()).copied())
            .collect::<Option<_>>()
            .ok_or(MergeError::Empty)?;
        let modified =
            map.len() != p.sample_types.len() || map.iter().enumerate().any(|(i, &c)| i != c);
        let default = if modified {
            Some(
                p.default_sample_type
                    .clone()
                    .filter(|d| in_common.contains(d.as_str()))
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
    let common_period = common_value_type(&periods).map_err(|e| match e {
        MergeError::IncompatibleSampleTypes(a, b) => MergeError::IncompatiblePeriodTypes(a, b),
        other => other,
    })?;
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
        seen_comments: HashSet::default(),
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

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;
    use crate::profile::{DecodeOptions, decode, pb};

    fn load(rel: &str) -> Profile {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(rel);
        decode(&std::fs::read(path).unwrap(), &DecodeOptions::default()).unwrap()
    }

    fn vt(name: &str, unit: &str) -> ValueType {
        ValueType {
            name: name.to_owned(),
            unit: unit.to_owned(),
        }
    }

    /// A one-sample profile with these `(type, unit)` sample types and
    /// values, and a `cpu/<period_unit>` period of `period`.
    fn synthetic(
        types: &[(&str, &str)],
        values: &[i64],
        period_unit: &str,
        period: i64,
    ) -> Profile {
        let mut strings = vec![String::new(), "f".to_owned(), "cpu".to_owned()];
        let mut id = |s: &str| match strings.iter().position(|t| t == s) {
            Some(i) => i as i64,
            None => {
                strings.push(s.to_owned());
                strings.len() as i64 - 1
            }
        };
        let sample_type = types
            .iter()
            .map(|(t, u)| pb::ValueType {
                r#type: id(t),
                unit: id(u),
            })
            .collect();
        let period_type = Some(pb::ValueType {
            r#type: 2,
            unit: id(period_unit),
        });
        let bytes = pb::Profile {
            sample_type,
            period_type,
            period,
            sample: vec![pb::Sample {
                location_id: vec![1],
                value: values.to_vec(),
                label: vec![],
            }],
            location: vec![pb::Location {
                id: 1,
                line: vec![pb::Line {
                    function_id: 1,
                    line: 3,
                    column: 0,
                }],
                ..Default::default()
            }],
            function: vec![pb::Function {
                id: 1,
                name: 1,
                ..Default::default()
            }],
            string_table: strings,
            ..Default::default()
        }
        .encode_to_vec();
        decode(&bytes, &DecodeOptions::default()).unwrap()
    }

    fn inputs(profiles: &[&'static Profile]) -> Vec<MergeInput<'static>> {
        profiles.iter().map(|p| MergeInput::plain(p)).collect()
    }

    fn leak(p: Profile) -> &'static Profile {
        Box::leak(Box::new(p))
    }

    #[test]
    fn types_are_found_by_name_as_pprofs_searches_find_them() {
        // 3,000 types, 500 of them named twice; the second profile has
        // every other name, last first.
        let names: Vec<String> = (0..3000).map(|i| format!("t{}", i % 2500)).collect();
        let a_types: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "count")).collect();
        let b_types: Vec<(&str, &str)> = a_types.iter().rev().step_by(2).copied().collect();
        let a = synthetic(&a_types, &vec![1; a_types.len()], "nanoseconds", 1);
        let b = synthetic(&b_types, &vec![1; b_types.len()], "nanoseconds", 1);
        let search = |p: &Profile, name: &str| p.sample_types.iter().position(|t| t.name == name);
        let common: Vec<String> = (a.sample_types.iter())
            .filter(|t| search(&b, &t.name).is_some())
            .map(|t| t.name.clone())
            .collect();
        assert_eq!(common_sample_types(&[&a, &b]), common);
        assert!(common.len() > 1000 && common.len() < 3000);
        for p in [&a, &b] {
            let at = positions(p);
            for t in &a.sample_types {
                assert_eq!(at.get(t.name.as_str()).copied(), search(p, &t.name));
            }
        }
    }

    #[test]
    fn heap_snapshots_keep_every_type_as_it_is() {
        let (h1, h3) = (
            leak(load("leaky/heap-1.pb.gz")),
            leak(load("leaky/heap-3.pb.gz")),
        );
        let inputs = inputs(&[h3, h1]);
        let (header, plans) = plan(&inputs).unwrap();
        assert_eq!(
            header.sample_types,
            [
                vt("alloc_objects", "count"),
                vt("alloc_space", "bytes"),
                vt("inuse_objects", "count"),
                vt("inuse_space", "bytes"),
            ]
        );
        // The earliest time, the summed duration, the largest period.
        assert_eq!(header.time_nanos, h1.time_nanos.min(h3.time_nanos));
        assert!(h1.time_nanos < h3.time_nanos);
        assert_eq!(header.period, 1);
        assert_eq!(header.default_sample_type, None);
        for p in &plans {
            assert!(p.identity);
            assert_eq!(p.columns, [0, 1, 2, 3]);
            assert_eq!(p.units, [1.0; 4]);
        }
    }

    #[test]
    fn the_first_named_default_type_wins() {
        let (heap, allocs) = (
            leak(load("leaky/heap-1.pb.gz")),
            leak(load("leaky/allocs.pb.gz")),
        );
        let (header, _) = plan(&inputs(&[heap, allocs])).unwrap();
        assert_eq!(header.default_sample_type.as_deref(), Some("alloc_space"));
        assert_eq!(default_source_name(&[heap, allocs]), "alloc_space");
    }

    fn default_source_name(profiles: &[&Profile]) -> String {
        let i = super::super::default_type_source(profiles.iter().copied());
        profiles[i].default_sample_type.clone().unwrap_or_default()
    }

    #[test]
    fn only_shared_types_survive_and_units_go_to_the_finest() {
        // contentions/count + delay/microseconds, and delay/nanoseconds alone.
        let a = leak(synthetic(
            &[("contentions", "count"), ("delay", "microseconds")],
            &[2, 3],
            "microseconds",
            10,
        ));
        let b = leak(synthetic(
            &[("delay", "nanoseconds")],
            &[500],
            "nanoseconds",
            7,
        ));
        let inputs = inputs(&[a, b]);
        let (header, plans) = plan(&inputs).unwrap();
        assert_eq!(header.sample_types, [vt("delay", "nanoseconds")]);
        // a's type list changed, so it gets the first common type as default.
        assert_eq!(header.default_sample_type.as_deref(), Some("delay"));
        // 10µs against 7ns: the periods in ns, the largest kept.
        assert_eq!(header.period, 10_000);
        assert_eq!(header.period_type, Some(vt("cpu", "nanoseconds")));
        assert_eq!(plans[0].columns, [1]);
        assert_eq!(plans[0].units, [1000.0]);
        assert!(!plans[0].identity);
        assert!(plans[1].identity);
        let mut scratch = Vec::new();
        let mut out = [0i64];
        assert!(plans[0].apply(&[2, 3], &mut scratch, &mut out));
        assert_eq!(out, [3000]);
    }

    #[test]
    fn scale_steps_round_and_drop_zeros() {
        let p = synthetic(
            &[("samples", "count"), ("cpu", "nanoseconds")],
            &[1, 1],
            "nanoseconds",
            1,
        );
        let scales = vec![vec![-1.0, -1.0], vec![0.5, 2.5]];
        let input = MergeInput {
            profile: &p,
            scales: scales.clone(),
            group: 0,
            label: None,
        };
        let inputs = [input];
        let (_, plans) = plan(&inputs).unwrap();
        let plan = &plans[0];
        assert!(!plan.identity);
        let (mut scratch, mut out) = (Vec::new(), [0i64; 2]);
        // -3 × 0.5 = -1.5 rounds away from zero; 4 × -1 × 2.5 = -10.
        assert!(plan.apply(&[3, 4], &mut scratch, &mut out));
        assert_eq!(out, [-2, -10]);
        // -1 × 0.5 = -0.5 rounds away from zero, to -1: kept.
        assert!(plan.apply(&[1, 0], &mut scratch, &mut out));
        assert_eq!(out, [-1, 0]);
        // Every value scaled to zero: pprof drops the sample.
        assert!(!plan.apply(&[0, 0], &mut scratch, &mut out));
        let mut v = [1i64, 5];
        assert!(!scale_values(&mut v[..1], &[0.4]));
        assert_eq!(v, [0, 5]);
        assert!(scale_values(&mut v, &[1.0, 0.1]));
        assert_eq!(v, [0, 1]);
    }

    #[test]
    fn profiles_without_a_shared_type_are_refused() {
        let (heap, goroutine) = (
            leak(load("leaky/heap-3.pb.gz")),
            leak(load("leaky/goroutine-1.pb.gz")),
        );
        let err = plan(&inputs(&[heap, goroutine])).err();
        assert_eq!(
            err,
            Some(MergeError::NoCommonSampleTypes(
                "'[alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes]' \
                 vs '[goroutine/count]'"
                    .to_owned()
            ))
        );
        let bytes = leak(synthetic(&[("delay", "bytes")], &[1], "nanoseconds", 1));
        let time = leak(synthetic(
            &[("delay", "nanoseconds")],
            &[1],
            "nanoseconds",
            1,
        ));
        assert_eq!(
            plan(&inputs(&[time, bytes])).err(),
            Some(MergeError::IncompatibleSampleTypes(
                "delay/nanoseconds".to_owned(),
                "delay/bytes".to_owned()
            ))
        );
    }

    #[test]
    fn value_types_match_pprofs_rules() {
        assert!(compatible_value_types(
            &vt("contentions", "count"),
            &vt("contention", "count")
        ));
        assert!(compatible_value_types(
            &vt("delay", "ms"),
            &vt("delay", "nanoseconds")
        ));
        assert!(!compatible_value_types(
            &vt("delay", "ms"),
            &vt("delay", "bytes")
        ));
        assert!(!compatible_value_types(
            &vt("space", "bytes"),
            &vt("objects", "bytes")
        ));
        let (ms, ns) = (vt("delay", "ms"), vt("delay", "nanoseconds"));
        assert_eq!(common_value_type(&[&ms, &ns]), Ok(Some(ns.clone())));
        assert_eq!(common_value_type(&[&ms]), Ok(None));
    }

    #[test]
    fn normalize_ratios_are_base_over_source_per_type() {
        let (h1, h3) = (load("leaky/heap-1.pb.gz"), load("leaky/heap-3.pb.gz"));
        // Totals per type (alloc_objects, alloc_space, inuse_objects,
        // inuse_space): heap-1 660, 4631576, 473, 1334904; heap-3 9007,
        // 41368392, 3922, 2635448.
        assert_eq!(
            normalize_ratios(&h3, &h1),
            Ok(vec![
                660.0 / 9007.0,
                4_631_576.0 / 41_368_392.0,
                473.0 / 3922.0,
                1_334_904.0 / 2_635_448.0,
            ])
        );
        let goroutine = load("leaky/goroutine-1.pb.gz");
        assert_eq!(
            normalize_ratios(&h3, &goroutine),
            Err(MergeError::IncompatiblePeriodTypes(
                "space/bytes".to_owned(),
                "goroutine/count".to_owned()
            ))
        );
        assert_eq!(
            common_sample_types(&[&h3, &goroutine]),
            Vec::<String>::new()
        );
        assert_eq!(
            common_sample_types(&[&h3, &h1]),
            [
                "alloc_objects",
                "alloc_space",
                "inuse_objects",
                "inuse_space"
            ]
        );
    }
}
