//! `pprof-tui explain`: what kind of memory problem each allocation site is,
//! and why the compiler put it on the heap.
//!
//! A site is a source line that allocates (lines granularity, flat). Its
//! class comes from the four sample types of one Go heap or allocs profile
//! ([`Thresholds`] says where each line is drawn), and, with snapshots, from
//! `trend`'s leak assessment ([`super::trend::assess`]) — not a second
//! one. Its reasons come from the compiler's escape analysis
//! ([`super::escape`]), each with one line of advice.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;

use super::aggregate::node_totals;
use super::escape::{Escapes, Lookup, Reason};
use super::filter::Filters;
use super::lineup::Lineup;
use super::stacks::{Granularity, Stacks};
use super::trend::{Growth, Restart, Trend, TrendOptions, Turnover, trend};
use crate::profile::{MergeError, Profile, ValueType};

/// The four Go heap sample types, by name.
pub const HEAP_TYPES: [&str; 4] = [
    "alloc_objects",
    "alloc_space",
    "inuse_objects",
    "inuse_space",
];

/// Where the classes start. Shares are fractions of the profile's total of
/// that sample type (all samples, before filters).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// retained: `inuse_space` at least this share of all `inuse_space`
    /// (default 1%).
    pub retained_share: f64,
    /// churn: `alloc_space` at least this share of all `alloc_space`
    /// (default 1%) …
    pub churn_share: f64,
    /// … while `inuse_space` is at most this fraction of the site's own
    /// `alloc_space` (default 5%): what it allocates is nearly all garbage.
    pub churn_inuse: f64,
    /// large: `alloc_space / alloc_objects` at least this many bytes
    /// (default 32 KiB, where Go stops using size classes and gives every
    /// object its own span).
    pub large_object: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            retained_share: 0.01,
            churn_share: 0.01,
            churn_inuse: 0.05,
            large_object: 32 << 10,
        }
    }
}

/// What kind of problem a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// A large share of what is in use.
    Retained,
    /// Much allocated, nearly none of it still in use: GC load.
    Churn,
    /// Large objects.
    Large,
    /// Grows across snapshots (trend's suspect).
    LeakSuspect,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Retained => "retained",
            Class::Churn => "churn",
            Class::Large => "large",
            Class::LeakSuspect => "leak",
        }
    }

    /// One line of advice.
    pub fn advice(self) -> &'static str {
        match self {
            Class::Retained => {
                "retained: find what holds it (a cache, a global, a long-lived struct) and bound it"
            }
            Class::Churn => {
                "churn: short-lived garbage that drives the GC; reuse it (sync.Pool, a caller-owned buffer) or allocate less often"
            }
            Class::Large => {
                "large objects: allocate once and reuse, or stream instead of holding the whole thing"
            }
            Class::LeakSuspect => {
                "grows in every snapshot: bound the cache, map or slice (eviction, a size cap), close bodies and files, stop goroutines that never return"
            }
        }
    }
}

/// A site's four values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeapValues {
    pub alloc_objects: i64,
    pub alloc_space: i64,
    pub inuse_objects: i64,
    pub inuse_space: i64,
}

impl HeapValues {
    /// Bytes per allocated object, when any was allocated.
    pub fn bytes_per_object(&self) -> Option<i64> {
        (self.alloc_objects > 0).then(|| self.alloc_space / self.alloc_objects)
    }
}

/// A compiler message on a site's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escape {
    pub column: u32,
    pub text: String,
    pub flow: Vec<String>,
    pub reason: Reason,
}

/// One allocation site, explained.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainRow {
    /// The function (`main.(*Cache).Put`).
    pub function: String,
    pub file: String,
    pub line: i64,
    /// pprof's name of the node: `function file:line`.
    pub name: String,
    /// Flat value of the ranked sample type.
    pub flat: i64,
    pub values: HeapValues,
    pub classes: Vec<Class>,
    /// The compiler's messages for the line (empty when not matched).
    pub escapes: Vec<Escape>,
    /// Why there are no messages, when there are none and an escape output
    /// was given.
    pub unmatched: Option<Unmatched>,
    /// With snapshots: how `inuse_space` moved.
    pub growth: Option<Growth>,
    /// With timed snapshots: allocation rate and mean age (see `trend`).
    pub turnover: Option<Turnover>,
    /// Reason advice first, then class advice; no repeats.
    pub advice: Vec<String>,
}

impl ExplainRow {
    /// The distinct reasons of the messages, in order of first mention.
    pub fn reasons(&self) -> Vec<Reason> {
        let mut seen = Vec::new();
        for e in &self.escapes {
            if !seen.contains(&e.reason) {
                seen.push(e.reason);
            }
        }
        seen
    }
}

/// Why a site found no compiler message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unmatched {
    /// Its file is not in the compiler output.
    NotCovered,
    /// Several compiler paths match its file equally well.
    Ambiguous,
    /// The compiler output's file belongs to another package.
    OtherPackage,
    /// The compiler output is older than the binary.
    Stale,
    /// The line has no message that puts anything on the heap.
    NoMessage,
}

impl Unmatched {
    /// The name scripts see.
    pub fn as_str(self) -> &'static str {
        match self {
            Unmatched::NotCovered => "not_covered",
            Unmatched::Ambiguous => "ambiguous",
            Unmatched::OtherPackage => "other_package",
            Unmatched::Stale => "stale",
            Unmatched::NoMessage => "no_message",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Unmatched::NotCovered => {
                "in files the compiler output does not cover (standard library, other modules)"
            }
            Unmatched::Ambiguous => "in files that several compiler paths match equally well",
            Unmatched::OtherPackage => "in a file the compiler output has for another package",
            Unmatched::Stale => "in files whose compiler output is stale (lines moved since)",
            Unmatched::NoMessage => {
                "on lines with no escape message (runtime growth of maps, appends, channels, goroutines — or a stale build?)"
            }
        }
    }
}

/// What to rank and how.
#[derive(Debug, Clone, Default)]
pub struct ExplainOptions {
    /// The sample type ranked by and shown as `flat`.
    pub sample_index: usize,
    pub filters: Filters,
    /// Keep at most this many rows; 0 keeps all.
    pub node_count: usize,
    pub thresholds: Thresholds,
}

/// The sites of a profile, explained.
#[derive(Debug, Clone)]
pub struct Explained {
    pub sample_type: ValueType,
    /// Each heap type's total (all samples, before filters), in
    /// [`HEAP_TYPES`] order.
    pub totals: HeapValues,
    /// Largest first, by the larger of a site's share of `inuse_space`
    /// and of `alloc_space`.
    pub rows: Vec<ExplainRow>,
    /// Rows before `node_count` cut the list.
    pub site_total: usize,
    /// Sites (all, not only the rows kept) without messages, by why, with
    /// the first such site's `file:line` as an example.
    pub unmatched: Vec<(Unmatched, usize, String)>,
    /// Sites matched to compiler messages.
    pub matched: usize,
    /// Why files were found stale.
    pub stale: Vec<String>,
}

/// Something explain cannot work with.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error(
        "it has no '{0}' sample type; explain needs a Go heap or allocs profile (alloc_objects, alloc_space, inuse_objects, inuse_space)"
    )]
    NotHeap(&'static str),
    #[error(transparent)]
    Merge(#[from] MergeError),
}

/// Indices of [`HEAP_TYPES`] in the profile.
pub fn heap_indices(profile: &Profile) -> Result<[usize; 4], ExplainError> {
    let mut out = [0; 4];
    for (slot, name) in out.iter_mut().zip(HEAP_TYPES) {
        *slot = profile
            .sample_types
            .iter()
            .position(|t| t.name == name)
            .ok_or(ExplainError::NotHeap(name))?;
    }
    Ok(out)
}

/// `inuse_space` across snapshots at lines granularity, for the leak class
/// (ready them with [`Lineup::ready_for`] at [`Granularity::Lines`] to
/// combine them only once, when `filters` need that).
pub fn snapshot_trend(
    snapshots: &Lineup,
    minutes: Option<&[f64]>,
    restarts: &[Restart],
    filters: &Filters,
) -> Result<Trend, ExplainError> {
    let [_, _, _, inuse_space] = heap_indices(snapshots.profile())?;
    let options = TrendOptions {
        sample_index: inuse_space,
        granularity: Granularity::Lines,
        filters: filters.clone(),
        ..TrendOptions::default()
    };
    Ok(trend(snapshots, minutes, restarts, &options)?)
}

/// Explains every allocation site of `profile`. `escapes`: parsed compiler
/// output; `snapshots`: a trend over snapshots of the same program.
pub fn explain(
    profile: &Profile,
    escapes: Option<&Escapes>,
    snapshots: Option<&Trend>,
    options: &ExplainOptions,
) -> Result<Explained, ExplainError> {
    let indices = heap_indices(profile)?;
    let stacks = Stacks::new(profile, Granularity::Lines, &options.filters);
    let mut values: Vec<HeapValues> = vec![HeapValues::default(); stacks.nodes().len()];
    let mut ranked = vec![0i64; stacks.nodes().len()];
    for (k, &index) in indices.iter().enumerate() {
        for t in node_totals(&stacks, index) {
            let v = &mut values[t.node.index()];
            match k {
                0 => v.alloc_objects = t.flat,
                1 => v.alloc_space = t.flat,
                2 => v.inuse_objects = t.flat,
                _ => v.inuse_space = t.flat,
            }
        }
    }
    if !indices.contains(&options.sample_index) {
        for t in node_totals(&stacks, options.sample_index) {
            ranked[t.node.index()] = t.flat;
        }
    }
    let totals = HeapValues {
        alloc_objects: super::aggregate::total(profile, indices[0]),
        alloc_space: super::aggregate::total(profile, indices[1]),
        inuse_objects: super::aggregate::total(profile, indices[2]),
        inuse_space: super::aggregate::total(profile, indices[3]),
    };
    let growth: HashMap<&str, (&Growth, Option<Turnover>)> = snapshots
        .map(|t| {
            t.rows
                .iter()
                .map(|r| (r.name.as_str(), (&r.growth, r.turnover)))
                .collect()
        })
        .unwrap_or_default();
    let mut join = escapes.map(|e| e.join(profile));
    let mut unmatched: HashMap<Unmatched, (usize, String)> = HashMap::default();
    let mut matched = 0;
    let mut rows = Vec::new();
    for (i, node) in stacks.nodes().iter().enumerate() {
        let v = values[i];
        if v == HeapValues::default() {
            continue;
        }
        let flat = match indices.iter().position(|&x| x == options.sample_index) {
            Some(0) => v.alloc_objects,
            Some(1) => v.alloc_space,
            Some(2) => v.inuse_objects,
            Some(_) => v.inuse_space,
            None => ranked[i],
        };
        let name = node.printable_name();
        let (row_growth, turnover) = match growth.get(name.as_str()) {
            Some((g, t)) => (Some((*g).clone()), *t),
            None => (None, None),
        };
        let classes = classify(&v, &totals, row_growth.as_ref(), &options.thresholds);
        let (escapes, why) = match join.as_mut() {
            None => (Vec::new(), None),
            Some(join) => match join.lookup(&node.file, node.line, &node.name) {
                Lookup::Found(messages) => {
                    matched += 1;
                    let escapes = messages
                        .into_iter()
                        .map(|m| Escape {
                            column: m.column,
                            text: m.text.clone(),
                            flow: m.flow.clone(),
                            reason: m.reason,
                        })
                        .collect();
                    (escapes, None)
                }
                Lookup::NotCovered => (Vec::new(), Some(Unmatched::NotCovered)),
                Lookup::Ambiguous => (Vec::new(), Some(Unmatched::Ambiguous)),
                Lookup::OtherPackage => (Vec::new(), Some(Unmatched::OtherPackage)),
                Lookup::Stale => (Vec::new(), Some(Unmatched::Stale)),
                Lookup::NoMessage => (Vec::new(), Some(Unmatched::NoMessage)),
            },
        };
        if let Some(why) = why {
            let entry = unmatched.entry(why).or_insert((0, String::new()));
            if entry.0 == 0 {
                entry.1 = format!("{}:{}", node.file, node.line);
            }
            entry.0 += 1;
        }
        let mut row = ExplainRow {
            function: node.name.clone(),
            file: node.file.clone(),
            line: node.line,
            name,
            flat,
            values: v,
            classes,
            escapes,
            unmatched: why,
            growth: row_growth,
            turnover,
            advice: Vec::new(),
        };
        row.advice = advice(&row);
        rows.push(row);
    }
    // Retained and churning sites both matter: rank by the larger of the
    // two shares, so neither sample type hides the other's problems.
    let weight = |r: &ExplainRow| {
        share(r.values.inuse_space, totals.inuse_space)
            .max(share(r.values.alloc_space, totals.alloc_space))
    };
    rows.sort_by(|a, b| {
        weight(b)
            .total_cmp(&weight(a))
            .then_with(|| b.flat.unsigned_abs().cmp(&a.flat.unsigned_abs()))
            .then_with(|| a.name.cmp(&b.name))
    });
    let site_total = rows.len();
    if options.node_count > 0 {
        rows.truncate(options.node_count);
    }
    let mut unmatched: Vec<(Unmatched, usize, String)> = unmatched
        .into_iter()
        .map(|(why, (n, example))| (why, n, example))
        .collect();
    unmatched.sort();
    Ok(Explained {
        sample_type: profile.sample_types[options.sample_index].clone(),
        totals,
        rows,
        site_total,
        unmatched,
        matched,
        stale: join
            .map(|j| j.stale_files().map(str::to_owned).collect())
            .unwrap_or_default(),
    })
}

fn share(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The classes of one site (see [`Thresholds`]).
pub fn classify(
    v: &HeapValues,
    totals: &HeapValues,
    growth: Option<&Growth>,
    t: &Thresholds,
) -> Vec<Class> {
    let mut classes = Vec::new();
    if v.inuse_space > 0 && share(v.inuse_space, totals.inuse_space) >= t.retained_share {
        classes.push(Class::Retained);
    }
    if v.alloc_space > 0
        && share(v.alloc_space, totals.alloc_space) >= t.churn_share
        && share(v.inuse_space, v.alloc_space) <= t.churn_inuse
    {
        classes.push(Class::Churn);
    }
    if v.bytes_per_object().is_some_and(|b| b >= t.large_object) {
        classes.push(Class::Large);
    }
    if growth.is_some_and(|g| g.suspect) {
        classes.push(Class::LeakSuspect);
    }
    classes
}

/// The reasons' advice, then the classes'.
fn advice(row: &ExplainRow) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let reasons = row.reasons().into_iter().map(Reason::advice);
    let classes = row.classes.iter().map(|c| c.advice());
    reasons
        .chain(classes)
        .filter(|a| seen.insert(*a))
        .map(str::to_owned)
        .collect()
}
