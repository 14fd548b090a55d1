//! What `pprof -tags` counts: for each label key, the samples' value summed
//! per label value, over the samples the filters keep. Numeric values stay
//! numbers here, with the unit pprof gives their key; the report formats
//! them (pprof groups numeric values by their formatted text).

use foldhash::HashMap;

use super::{Filters, Granularity, Stacks};
use crate::profile::{Profile, StrId};

/// One label value of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagValue {
    Str(StrId),
    Num(i64),
}

/// The counts of one label key.
#[derive(Debug, Clone)]
pub struct KeyCounts {
    pub key: String,
    /// For numeric values: their unit, as pprof's `NumLabelUnits` infers
    /// it (the first unit any sample gives the key, else `bytes` for
    /// `alignment` and `request`, else the key itself).
    pub unit: String,
    /// Sum of the values of the samples with this key (a sample with two
    /// values of one key counts twice, as in pprof).
    pub total: i64,
    /// Per value, in no particular order.
    pub values: Vec<(TagValue, i64)>,
}

/// The label counts of `profile`'s samples at `sample_index` that `filters`
/// keep, keys in name order.
pub fn tag_counts(profile: &Profile, sample_index: usize, filters: &Filters) -> Vec<KeyCounts> {
    let mut keys: HashMap<StrId, (HashMap<TagValue, i64>, i64, StrId)> = HashMap::default();
    let samples = profile.samples();
    let mut count = |s: usize| {
        let value = samples.value(s, sample_index);
        for l in samples.labels(s) {
            let entry = keys
                .entry(l.key)
                .or_insert_with(|| (HashMap::default(), 0, StrId::default()));
            let v = if l.str == StrId::default() {
                if entry.2 == StrId::default() {
                    entry.2 = l.num_unit;
                }
                TagValue::Num(l.num)
            } else {
                TagValue::Str(l.str)
            };
            *entry.0.entry(v).or_default() += value;
            entry.1 += value;
        }
    };
    if filters.is_empty() {
        (0..samples.len()).for_each(&mut count);
    } else {
        Stacks::new(profile, Granularity::Functions, filters).for_each(|s, _| count(s));
    }
    // In name order; keys of one name (a string table may hold a string
    // twice) in the order of their ids.
    let mut keys: Vec<_> = keys.into_iter().collect();
    keys.sort_by(|(a, _), (b, _)| profile.string(*a).cmp(profile.string(*b)).then(a.cmp(b)));
    keys.into_iter()
        .map(|(key, (values, total, unit))| {
            let key = profile.string(key).to_owned();
            let unit = match profile.string(unit) {
                "" if key == "alignment" || key == "request" => "bytes".to_owned(),
                "" => key.clone(),
                u => u.to_owned(),
            };
            KeyCounts {
                key,
                unit,
                total,
                values: values.into_iter().collect(),
            }
        })
        .collect()
}
