//! The goroutines of a goroutine profile or dump, grouped the way a reader
//! of a dump groups them by eye: one group per distinct stack (function
//! frames, as `-g stacks`) and state, with how many goroutines it holds,
//! how long they have waited, which of them the runtime proved leaked,
//! their pprof labels, who created them and the leak signature the group
//! matches. Also the histogram of wait times over all of them. What the
//! TUI's Goroutines view shows; computed here so it is tested without a
//! terminal.
//!
//! The state, wait, `(leaked)` and creator come from a `debug=2` dump's
//! headers (the reader's [`STATE`], [`WAIT`], [`LEAKED`] and
//! [`CREATED_BY`] labels); a proto profile has none of them, but a
//! `goroutineleak` profile proves every goroutine it holds.

use std::sync::Arc;

use foldhash::HashMap;

use super::leaks::is_goroutineleak_profile;
use super::signatures::{RowFacts, RowKind, Signature, signature_of};
use super::sites::{StackSite, unique_labels};
use super::{Filters, Granularity, Stacks};
use crate::profile::{CREATED_BY, LEAKED, Profile, STATE, StrId, WAIT};

/// One frame of a group's stack, as its first goroutine shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFrame {
    pub function: String,
    pub file: String,
    /// 0 when the profile has no line.
    pub line: i64,
}

/// How many goroutines of a group carry one pprof label value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelCount {
    pub key: String,
    pub value: String,
    pub goroutines: i64,
}

/// Goroutines with one stack and one state.
#[derive(Debug, Clone)]
pub struct GoroutineGroup {
    /// The stack's function names, leaf first, named by its first frame
    /// outside the runtime (what `leaks` and `trend` call the group).
    pub site: StackSite,
    /// The group's name: the site with as many callers as it takes to
    /// tell it from the other groups (`top --granularity stacks`'s names).
    pub name: String,
    /// The whole stack of the group's first goroutine, leaf first, with
    /// files and lines (filters that hide frames do not apply here).
    pub frames: Vec<GroupFrame>,
    /// The state its goroutines wait in (`chan receive`), from a dump.
    pub state: Option<String>,
    pub count: i64,
    /// The least and the most minutes its goroutines have waited, from a
    /// dump (0: under a minute, or a state the runtime gives no time);
    /// `None` without a time, as for goroutines proven leaked, whose
    /// header the runtime prints without one.
    pub wait: Option<(i64, i64)>,
    /// How many of its goroutines the runtime proved leaked.
    pub leaked: i64,
    /// The function that started its first goroutine, from a dump.
    pub created_by: Option<String>,
    /// Its goroutines' pprof labels: by key, then most goroutines first.
    pub labels: Vec<LabelCount>,
    pub signature: Option<&'static Signature>,
}

impl GoroutineGroup {
    /// The group's labels as one short line: a key with one value reads
    /// `key=value`, a key with several `key=a|b|…` (most goroutines first).
    pub fn labels_line(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut i = 0;
        while i < self.labels.len() {
            let key = &self.labels[i].key;
            let values: Vec<&str> = self.labels[i..]
                .iter()
                .take_while(|l| l.key == *key)
                .map(|l| l.value.as_str())
                .collect();
            i += values.len();
            parts.push(format!("{key}={}", values.join("|")));
        }
        parts.join(" ")
    }
}

/// How the groups are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupSort {
    /// Most goroutines first.
    #[default]
    Count,
    /// Longest waiting first (by the group's longest wait).
    Wait,
}

impl GroupSort {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupSort::Count => "count",
            GroupSort::Wait => "wait",
        }
    }

    pub fn next(self) -> GroupSort {
        match self {
            GroupSort::Count => GroupSort::Wait,
            GroupSort::Wait => GroupSort::Count,
        }
    }
}

/// The histogram's buckets: the least minutes of each (the runtime prints
/// waits in whole minutes, and none under one).
pub const WAIT_BUCKETS: [(i64, &str); 6] = [
    (0, "<1m"),
    (1, "1-4m"),
    (5, "5-14m"),
    (15, "15-59m"),
    (60, "1-4h"),
    (240, "4h+"),
];

/// The bucket of [`WAIT_BUCKETS`] that `minutes` falls in.
pub fn wait_bucket(minutes: i64) -> usize {
    WAIT_BUCKETS
        .iter()
        .rposition(|&(least, _)| minutes >= least)
        .unwrap_or(0)
}

/// The goroutines of a profile, grouped.
#[derive(Debug, Clone, Default)]
pub struct Goroutines {
    pub groups: Vec<GoroutineGroup>,
    /// All the profile's goroutines (pprof's total).
    pub total: i64,
    /// Those in the groups: the filters keep them and they have a stack.
    pub grouped: i64,
    /// Of which the runtime proved leaked.
    pub leaked: i64,
    /// Whether the goroutines have states (a dump).
    pub states: bool,
    /// Whether the profile is a `goroutineleak` profile (all proven).
    pub leak_profile: bool,
    /// Goroutines per bucket of [`WAIT_BUCKETS`]; `None` when the
    /// goroutines carry no wait times (a proto profile).
    pub histogram: Option<[i64; WAIT_BUCKETS.len()]>,
    /// Goroutines of a dump whose wait is not known: the runtime prints
    /// no time in a `(leaked)` header (its state is no longer "waiting").
    pub untimed: i64,
    pub sort: GroupSort,
}

/// A sample's numeric or string label of `key`, by key id.
fn find(labels: &[crate::profile::Label], key: Option<StrId>) -> Option<&crate::profile::Label> {
    let key = key?;
    labels.iter().find(|l| l.key == key)
}

/// The id of string `s` in the profile's table, if some label key uses it.
fn key_id(profile: &Profile, s: &str) -> Option<StrId> {
    let samples = profile.samples();
    (0..samples.len())
        .flat_map(|i| samples.labels(i))
        .find(|l| profile.string(l.key) == s)
        .map(|l| l.key)
}

/// Groups the goroutines of `profile` (sample type 0, goroutine counts)
/// that `filters` keep, sorted by `sort`.
pub fn group_goroutines(profile: &Profile, filters: &Filters, sort: GroupSort) -> Goroutines {
    let samples = profile.samples();
    let [state_key, wait_key, leaked_key, created_key] =
        [STATE, WAIT, LEAKED, CREATED_BY].map(|k| key_id(profile, k));
    let dump_keys = [state_key, wait_key, leaked_key, created_key];
    let leak_profile = is_goroutineleak_profile(profile);
    let stacks = Stacks::new(profile, Granularity::Stacks, filters);

    let mut index: HashMap<Vec<u32>, usize> = HashMap::default();
    let mut groups: Vec<GoroutineGroup> = Vec::new();
    let mut tally: HashMap<(usize, StrId, StrId), i64> = HashMap::default();
    let mut histogram = [0i64; WAIT_BUCKETS.len()];
    let mut grouped = 0i64;
    let mut leaked_total = 0i64;
    let mut untimed = 0i64;
    let mut key = Vec::with_capacity(64);
    stacks.for_each_stack(0..samples.len(), |s, stack| {
        let count = samples.value(s, 0);
        let labels = samples.labels(s);
        let state = find(labels, state_key).map(|l| l.str);
        key.clear();
        key.extend(stack.leaf_first().map(|f| f.node.0));
        // The state closes the key (a frame's node id never reaches u32::MAX).
        key.push(u32::MAX);
        key.push(state.map_or(u32::MAX, |s| s.0));
        let g = match index.get(key.as_slice()) {
            Some(&g) => g,
            None => {
                let names = stack
                    .leaf_first()
                    .map(|f| Arc::from(stacks.node(f.node).name.as_str()))
                    .collect();
                groups.push(GoroutineGroup {
                    site: StackSite::new(names),
                    name: String::new(),
                    frames: frames_of(profile, s),
                    state: state.map(|s| profile.string(s).to_owned()),
                    count: 0,
                    wait: None,
                    leaked: 0,
                    created_by: find(labels, created_key).map(|l| profile.string(l.str).to_owned()),
                    labels: Vec::new(),
                    signature: None,
                });
                index.insert(key.clone(), groups.len() - 1);
                groups.len() - 1
            }
        };
        let group = &mut groups[g];
        group.count += count;
        grouped += count;
        let proven_here = find(labels, leaked_key).is_some();
        if leak_profile || proven_here {
            group.leaked += count;
            leaked_total += count;
        }
        let wait = find(labels, wait_key).filter(|l| l.str == StrId::default());
        if proven_here && wait.is_some_and(|w| w.num == 0) {
            untimed += count;
        } else if let Some(wait) = wait {
            let minutes = wait.num;
            group.wait = Some(match group.wait {
                Some((lo, hi)) => (lo.min(minutes), hi.max(minutes)),
                None => (minutes, minutes),
            });
            histogram[wait_bucket(minutes)] += count;
        }
        for l in labels {
            if l.str != StrId::default() && !dump_keys.contains(&Some(l.key)) {
                *tally.entry((g, l.key, l.str)).or_default() += count;
            }
        }
    });
    for ((g, key, value), goroutines) in tally {
        groups[g].labels.push(LabelCount {
            key: profile.string(key).to_owned(),
            value: profile.string(value).to_owned(),
            goroutines,
        });
    }
    let sites: Vec<StackSite> = groups.iter().map(|g| g.site.clone()).collect();
    for (group, name) in groups.iter_mut().zip(unique_labels(&sites)) {
        group.name = name;
        group.labels.sort_by(|a, b| {
            a.key
                .cmp(&b.key)
                .then(b.goroutines.cmp(&a.goroutines))
                .then_with(|| a.value.cmp(&b.value))
        });
        group.signature = signature_of(RowFacts {
            frames: &group.site.frames,
            state: group.state.as_deref(),
            kind: RowKind::Goroutines,
            value: group.count,
        });
    }
    let has_wait = wait_key.is_some();
    let mut out = Goroutines {
        groups,
        total: (0..samples.len()).map(|s| samples.value(s, 0)).sum(),
        grouped,
        leaked: leaked_total,
        leak_profile,
        states: state_key.is_some(),
        histogram: has_wait.then_some(histogram),
        untimed,
        sort,
    };
    out.sort_by(sort);
    out
}

impl Goroutines {
    /// Orders the groups: by count (then proven, then longest wait), or
    /// by longest wait (then count); ties by stack, so the order is stable.
    pub fn sort_by(&mut self, sort: GroupSort) {
        self.sort = sort;
        let longest = |g: &GoroutineGroup| g.wait.map_or(-1, |(_, hi)| hi);
        self.groups.sort_by(|a, b| {
            let first = match sort {
                GroupSort::Count => b
                    .count
                    .cmp(&a.count)
                    .then(b.leaked.cmp(&a.leaked))
                    .then(longest(b).cmp(&longest(a))),
                GroupSort::Wait => longest(b)
                    .cmp(&longest(a))
                    .then(b.count.cmp(&a.count))
                    .then(b.leaked.cmp(&a.leaked)),
            };
            first
                .then_with(|| a.site.frames.cmp(&b.site.frames))
                .then_with(|| a.state.cmp(&b.state))
        });
    }
}

/// Sample `s`'s whole stack, leaf first, with files and lines.
fn frames_of(profile: &Profile, s: usize) -> Vec<GroupFrame> {
    profile
        .samples()
        .stack(s)
        .flat_map(|l| profile.lines(profile.location(l)))
        .map(|line| match line.function {
            Some(f) => {
                let f = profile.function(f);
                GroupFrame {
                    function: profile.string(f.name).to_owned(),
                    file: profile.string(f.filename).to_owned(),
                    line: line.line,
                }
            }
            None => GroupFrame {
                function: String::new(),
                file: String::new(),
                line: line.line,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_toggle() {
        assert_eq!(GroupSort::Count.next(), GroupSort::Wait);
        assert_eq!(GroupSort::Wait.next(), GroupSort::Count);
    }

    #[test]
    fn labels_line_joins_values_of_one_key() {
        let label = |key: &str, value: &str, goroutines| LabelCount {
            key: key.to_owned(),
            value: value.to_owned(),
            goroutines,
        };
        let group = GoroutineGroup {
            site: StackSite::new(vec!["main.f".into()]),
            name: "main.f".to_owned(),
            frames: Vec::new(),
            state: None,
            count: 30,
            wait: None,
            leaked: 0,
            created_by: None,
            labels: vec![
                label("route", "/login", 30),
                label("tenant", "acme", 20),
                label("tenant", "globex", 10),
            ],
            signature: None,
        };
        assert_eq!(group.labels_line(), "route=/login tenant=acme|globex");
    }
}
