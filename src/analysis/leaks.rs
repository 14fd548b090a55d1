//! `pprof-tui leaks`: the goroutines that leak, for a CI gate.
//!
//! Two kinds of evidence. *Proven* leaks: a `goroutineleak` profile holds
//! only goroutines the runtime's leak GC proved can never run again, and a
//! `debug=2` dump taken after that GC marks them `(leaked)` (the reader's
//! `leaked=true` label). *Growing* groups: across snapshots, the stacks
//! `trend`'s rule calls suspects (the runtime proves receivers on an
//! orphaned channel, but not every blocked sender, so growth still counts).
//!
//! Groups are whole stacks (as `-g stacks`), named by their first frame
//! outside the runtime (goleak's "top function"). Ignores take goleak's
//! names: a group is dropped when its top function matches an
//! `--ignore-top-function` regex, or any of its frames an
//! `--ignore-any-function` regex (both anchored: a plain function name
//! matches itself).

use std::sync::Arc;

use foldhash::HashMap;

use regex::Regex;

use super::signatures::{RowFacts, RowKind, Signature, signature_of};
use super::sites::StackSite;
use super::{Filters, Granularity, Stacks};
use crate::profile::{LEAKED, Profile, STATE, StrId};

/// Frames to ignore, as goleak's options.
#[derive(Debug, Clone, Default)]
pub struct Ignores {
    /// A group whose top function (first frame outside the runtime) matches.
    pub top_function: Vec<Regex>,
    /// A group any of whose frames matches.
    pub any_function: Vec<Regex>,
}

impl Ignores {
    /// Whether `site` is ignored.
    pub fn ignores(&self, site: &StackSite) -> bool {
        self.top_function.iter().any(|re| re.is_match(site.name()))
            || self
                .any_function
                .iter()
                .any(|re| site.frames.iter().any(|f| re.is_match(f)))
    }
}

/// Goroutines with one stack that the runtime proved leaked.
#[derive(Debug, Clone)]
pub struct ProvenGroup {
    pub site: StackSite,
    pub count: i64,
    /// The state the group's goroutines share, when a dump tells it.
    pub state: Option<String>,
    /// Who started them, when a dump tells it (the first one seen).
    pub created_by: Option<String>,
    pub signature: Option<&'static Signature>,
}

/// Whether the whole profile is made of proven leaks (a `goroutineleak`
/// profile, proto or `debug=1`).
pub fn is_goroutineleak_profile(profile: &Profile) -> bool {
    profile
        .sample_types
        .first()
        .is_some_and(|t| t.name == "goroutineleak")
}

/// Whether some goroutine of `profile` is marked proven (a dump's
/// `(leaked)`), or the profile is a goroutineleak profile.
pub fn has_proof(profile: &Profile) -> bool {
    is_goroutineleak_profile(profile) || leaked_key(profile).is_some()
}

/// The string id of the `leaked` label key, if any sample has one.
fn leaked_key(profile: &Profile) -> Option<StrId> {
    let samples = profile.samples();
    (0..samples.len())
        .flat_map(|s| samples.labels(s))
        .find(|l| profile.string(l.key) == LEAKED)
        .map(|l| l.key)
}

/// A sample's string label of key `key`.
fn label<'p>(profile: &'p Profile, sample: usize, key: &str) -> Option<&'p str> {
    profile
        .samples()
        .labels(sample)
        .iter()
        .find(|l| profile.string(l.key) == key && l.str != StrId::default())
        .map(|l| profile.string(l.str))
}

/// The proven leaks of `profile` among the samples `filters` keep, grouped
/// by stack, largest first; groups that `ignores` drops are counted in the
/// second value (goroutines).
pub fn proven_leaks(
    profile: &Profile,
    filters: &Filters,
    ignores: &Ignores,
) -> (Vec<ProvenGroup>, i64) {
    let all_proven = is_goroutineleak_profile(profile);
    let leaked = leaked_key(profile);
    let samples = profile.samples();
    let mut kept = vec![filters.is_empty(); samples.len()];
    if !filters.is_empty() {
        Stacks::new(profile, Granularity::Functions, filters).for_each(|s, _| kept[s] = true);
    }
    let mut groups: HashMap<Vec<Arc<str>>, ProvenGroup> = HashMap::default();
    for (s, _) in kept.iter().enumerate().filter(|(_, kept)| **kept) {
        let proven =
            all_proven || leaked.is_some_and(|k| samples.labels(s).iter().any(|l| l.key == k));
        if !proven {
            continue;
        }
        let frames: Vec<Arc<str>> = samples
            .stack(s)
            .flat_map(|l| profile.lines(profile.location(l)))
            .map(|line| {
                line.function.map_or_else(
                    || Arc::from(""),
                    |f| Arc::from(profile.string(profile.function(f).name)),
                )
            })
            .collect();
        let state = label(profile, s, STATE);
        let created_by = label(profile, s, crate::profile::CREATED_BY);
        let group = groups.entry(frames.clone()).or_insert_with(|| ProvenGroup {
            site: StackSite::new(frames),
            count: 0,
            state: state.map(str::to_owned),
            created_by: created_by.map(str::to_owned),
            signature: None,
        });
        group.count += samples.value(s, 0);
        if group.state.as_deref() != state {
            group.state = None;
        }
    }
    let mut ignored = 0;
    let mut kept: Vec<ProvenGroup> = groups
        .into_values()
        .filter(|g| {
            let drop = ignores.ignores(&g.site);
            if drop {
                ignored += g.count;
            }
            !drop
        })
        .map(|mut g| {
            g.signature = signature_of(RowFacts {
                frames: &g.site.frames,
                state: g.state.as_deref(),
                kind: RowKind::Goroutines,
                value: g.count,
            });
            g
        })
        .collect();
    kept.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.site.frames.cmp(&b.site.frames))
    });
    (kept, ignored)
}
