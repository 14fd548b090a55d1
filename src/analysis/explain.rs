//! `pprof-tui explain`: what kind of memory problem each allocation site is,
//! and why the compiler put it on the heap.
//!
//! A site is a source line that allocates (lines granularity, flat). Its
//! class comes from the four sample types of one Go heap or allocs profile
//! ([`Thresholds`] says where each line is drawn), and, with snapshots, from
//! `trend`'s leak assessment ([`super::trend::assess`]) — not a second
//! one. Its reasons come from the compiler's escape analysis
//! ([`super::escape`]), each with one line of advice.

use std::ops::Range;

use foldhash::HashMap;

use super::escape::{EscapeMessage, Escapes, FlowCopy, Lookup, Reason, same_function};
use super::filter::Filters;
use super::lineup::Lineup;
use super::signatures::{HeapEntries, Signature, heap_signature};
use super::stacks::{Granularity, NodeId, Stacks};
use super::trend::{Growth, Restart, Trend, TrendOptions, Turnover, trend};
use crate::parallel::map_ranges;
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

/// What kind of problem a site is. The order is the verdict's: the first
/// class a site has leads its advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Grows across snapshots, held by goroutines that never return (what
    /// it allocates is captured by a closure a go statement starts).
    GoroutineLeak,
    /// Grows across snapshots (trend's suspect).
    LeakSuspect,
    /// Large objects.
    Large,
    /// Much allocated, nearly none of it still in use: GC load.
    Churn,
    /// A large share of what is in use.
    Retained,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::GoroutineLeak => "goroutine_leak",
            Class::LeakSuspect => "leak",
            Class::Large => "large",
            Class::Churn => "churn",
            Class::Retained => "retained",
        }
    }

    /// One line of advice.
    pub fn advice(self) -> &'static str {
        match self {
            Class::GoroutineLeak => {
                "goroutine leak: the goroutines holding it never return; give each a way out (close or send on the channel, a context with cancel, a timeout)"
            }
            Class::LeakSuspect => {
                "leak: grows in every snapshot; find what holds it and bound it (evict from the map, trim the slice, close bodies and files)"
            }
            Class::Large => {
                "large objects: stream instead of holding the whole thing, or allocate once and reuse it"
            }
            Class::Churn => {
                "churn: short-lived garbage that drives the GC; reuse it (sync.Pool, a caller-owned buffer) or allocate less often"
            }
            Class::Retained => {
                "retained: find what holds it (a cache, a global, a long-lived struct) and bound it"
            }
        }
    }

    fn is_leak(self) -> bool {
        matches!(self, Class::GoroutineLeak | Class::LeakSuspect)
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
    /// The function called on this line that allocated the memory, when
    /// it is not the line's own (a callee outside the compiler output, e.g.
    /// `fmt.Sprintf`).
    pub allocated_in: Option<String>,
    /// Flat value of the ranked sample type.
    pub flat: i64,
    pub values: HeapValues,
    /// The verdict first (see [`Class`]).
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
    /// The verdict's advice first, then one line per reason, then the other
    /// classes'; no repeats.
    pub advice: Vec<String>,
    /// The known leak whose heap fingerprint its stacks carry (see
    /// [`super::signatures`]): what holds the memory, and the fix.
    pub signature: Option<&'static Signature>,
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
        // The growth is looked up by the sites' names alone.
        bare_names: true,
        ..TrendOptions::default()
    };
    Ok(trend(snapshots, minutes, restarts, &options)?)
}

/// A site being summed: a line, and the callee that allocated there.
#[derive(Default)]
struct Site {
    values: HeapValues,
    ranked: i64,
    /// The frames of the functions the line was compiled in (itself, or
    /// the functions it was inlined into): which copies of the compiler's
    /// messages apply.
    compiled_in: Vec<NodeId>,
    /// The leaf lines (callee sites), for their growth.
    leaves: Vec<NodeId>,
    /// `inuse_space` of its samples whose stacks match a signature's heap
    /// frames, per catalogue entry.
    signed: Vec<(usize, i64)>,
}

/// At most this many compiled-in functions and leaves are kept per site.
const SITE_LIST: usize = 8;

fn push_bounded<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if list.len() < SITE_LIST && !list.contains(&item) {
        list.push(item);
    }
}

/// Sites summed over a range of samples, in the order each was first seen.
#[derive(Default)]
struct SiteSums {
    /// The site's key in `ids`, the callee's frame (when charged to a
    /// caller) and its sums.
    sites: Vec<((NodeId, u32), Option<NodeId>, Site)>,
    /// Sites by line and callee function ([`NO_CALLEE`] for none).
    ids: HashMap<(NodeId, u32), usize>,
}

/// The callee number of a site charged to the line that allocated.
const NO_CALLEE: u32 = u32::MAX;

impl SiteSums {
    fn site(&mut self, node: NodeId, callee: Option<NodeId>, callee_id: u32) -> &mut Site {
        let next = self.sites.len();
        let id = *self.ids.entry((node, callee_id)).or_insert(next);
        if id == next {
            self.sites
                .push(((node, callee_id), callee, Site::default()));
        }
        &mut self.sites[id].2
    }

    /// Adds the sums of a later range of samples: sites keep the order of
    /// their first sample, and each list its first items, as one walk over
    /// both ranges would have left them.
    fn add(&mut self, later: SiteSums) {
        for ((node, callee_id), callee, theirs) in later.sites {
            let ours = self.site(node, callee, callee_id);
            let (v, w) = (&mut ours.values, theirs.values);
            v.alloc_objects = v.alloc_objects.wrapping_add(w.alloc_objects);
            v.alloc_space = v.alloc_space.wrapping_add(w.alloc_space);
            v.inuse_objects = v.inuse_objects.wrapping_add(w.inuse_objects);
            v.inuse_space = v.inuse_space.wrapping_add(w.inuse_space);
            ours.ranked = ours.ranked.wrapping_add(theirs.ranked);
            for n in theirs.compiled_in {
                push_bounded(&mut ours.compiled_in, n);
            }
            for n in theirs.leaves {
                push_bounded(&mut ours.leaves, n);
            }
            for (entry, bytes) in theirs.signed {
                add_signed(&mut ours.signed, entry, bytes);
            }
        }
    }
}

/// Adds `bytes` to a site's bytes held through signature `entry`.
fn add_signed(signed: &mut Vec<(usize, i64)>, entry: usize, bytes: i64) {
    match signed.iter_mut().find(|(i, _)| *i == entry) {
        Some((_, held)) => *held = held.wrapping_add(bytes),
        None => signed.push((entry, bytes)),
    }
}

/// What the walk over samples reads; shared by its parts on all threads.
struct SiteWalk<'a> {
    stacks: &'a Stacks<'a>,
    /// Per node, with compiler output: whether it covers the node's file.
    covered: Option<&'a [bool]>,
    /// Per node, with compiler output: its function's number.
    function_of: &'a [u32],
    /// Per node: the leak signature its function is a heap frame of; `None`
    /// when no node is one.
    heap_entries: Option<&'a HeapEntries>,
    /// Where [`HEAP_TYPES`] are among the sample's values.
    indices: [usize; 4],
    /// The sample type ranked.
    ranked: usize,
}

impl SiteWalk<'_> {
    /// Sums the samples in `range` by site, reading each stack in place
    /// only as far up as the site and the function it was compiled in.
    fn sum(&self, range: Range<usize>) -> SiteSums {
        let samples = self.stacks.profile().samples();
        let mut sums = SiteSums::default();
        self.stacks.for_each_stack(range, |s, stack| {
            let mut frames = stack.leaf_first();
            let Some(leaf) = frames.next() else {
                return;
            };
            // The line charged, and the frame it called (when not the leaf):
            // with compiler output, memory allocated in code it does not
            // cover is charged to the last line up the stack that it covers.
            let (mut at, mut callee) = (leaf, None);
            if let Some(covered) = self.covered
                && !covered[leaf.node.index()]
            {
                let mut below = leaf;
                for frame in frames.by_ref() {
                    if covered[frame.node.index()] {
                        (at, callee) = (frame, Some(below));
                        break;
                    }
                    below = frame;
                }
                if callee.is_none() {
                    // None covered: the leaf is charged, and the function
                    // it was compiled in is looked for from it again.
                    frames = stack.leaf_first();
                    frames.next();
                }
            }
            // The function compiled: the first frame from here up that was
            // not inlined into its caller.
            let compiled = if at.inline {
                frames.find(|f| !f.inline).unwrap_or(at)
            } else {
                at
            };
            let callee_id = callee.map_or(NO_CALLEE, |c| self.function_of[c.node.index()]);
            let site = sums.site(at.node, callee.map(|c| c.node), callee_id);
            let v = &mut site.values;
            let [objects, space, inuse_objects, inuse_space] = self.indices;
            v.alloc_objects = v.alloc_objects.wrapping_add(samples.value(s, objects));
            v.alloc_space = v.alloc_space.wrapping_add(samples.value(s, space));
            v.inuse_objects = v
                .inuse_objects
                .wrapping_add(samples.value(s, inuse_objects));
            v.inuse_space = v.inuse_space.wrapping_add(samples.value(s, inuse_space));
            site.ranked = site.ranked.wrapping_add(samples.value(s, self.ranked));
            push_bounded(&mut site.compiled_in, compiled.node);
            if callee.is_some() {
                push_bounded(&mut site.leaves, leaf.node);
            }
            // The known leak whose heap frames the whole stack passes
            // through, and the bytes in use it holds there.
            if let Some(entries) = self.heap_entries
                && let Some(entry) = entries.of_stack(stack.leaf_first().map(|f| f.node.index()))
            {
                add_signed(&mut site.signed, entry, samples.value(s, inuse_space));
            }
        });
        sums
    }
}

/// Explains every allocation site of `profile`. `escapes`: parsed compiler
/// output; `snapshots`: a trend over snapshots of the same program.
///
/// A site is the line that allocated. With compiler output, memory
/// allocated in code it does not cover (the standard library, other
/// modules) is charged to the last line up the stack that it covers, and
/// names the function called there ([`ExplainRow::allocated_in`]).
pub fn explain(
    profile: &Profile,
    escapes: Option<&Escapes>,
    snapshots: Option<&Trend>,
    options: &ExplainOptions,
) -> Result<Explained, ExplainError> {
    let indices = heap_indices(profile)?;
    let stacks = Stacks::new(profile, Granularity::Lines, &options.filters);
    let nodes = stacks.nodes();
    let mut join = escapes.map(|e| e.join(profile));
    // Per node: whether the compiler output covers its file, and the
    // number of its function (a callee's line nodes share it), both decided
    // before the walk so that its parts on other threads only read them.
    // Without compiler output no line is charged to another, and neither is
    // asked.
    let (covered, function_of) = match join.as_mut() {
        Some(join) => {
            let covered: Vec<bool> = nodes.iter().map(|n| join.covers(&n.file)).collect();
            let mut function_ids: HashMap<&str, u32> = HashMap::default();
            let function_of: Vec<u32> = nodes
                .iter()
                .map(|n| {
                    let next = function_ids.len() as u32;
                    *function_ids.entry(n.name.as_str()).or_insert(next)
                })
                .collect();
            (Some(covered), function_of)
        }
        None => (None, Vec::new()),
    };
    // Likewise each node's leak signature, so the walk reads a byte per
    // frame instead of asking for names; and not at all when no node has one.
    let heap_entries = HeapEntries::of(nodes.iter().map(|n| n.name.as_str()));
    let walk = SiteWalk {
        stacks: &stacks,
        covered: covered.as_deref(),
        function_of: &function_of,
        heap_entries: heap_entries.as_ref(),
        indices,
        ranked: options.sample_index,
    };
    let parts = map_ranges(profile.samples().len(), |range| walk.sum(range));
    let mut sites = SiteSums::default();
    for part in parts {
        sites.add(part);
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
    let has_flows = escapes.is_some_and(|e| e.has_flows);
    let mut unmatched: HashMap<Unmatched, (usize, String)> = HashMap::default();
    let mut matched = 0;
    let mut rows = Vec::new();
    for ((node_id, _), callee, site) in sites.sites {
        let v = site.values;
        if v == HeapValues::default() {
            continue;
        }
        let node = &nodes[node_id.index()];
        let name = node.printable_name();
        // A callee's memory grows as its own lines do.
        let found = if site.leaves.is_empty() {
            growth.get(name.as_str())
        } else {
            site.leaves
                .iter()
                .filter_map(|l| growth.get(nodes[l.index()].printable_name().as_str()))
                .max_by_key(|(g, _)| g.net)
        };
        let (row_growth, turnover) = match found {
            Some((g, t)) => (Some((*g).clone()), *t),
            None => (None, None),
        };
        let mut goroutine = false;
        let (escapes, why) = match join.as_mut() {
            None => (Vec::new(), None),
            Some(join) => match join.lookup(&node.file, node.line, &node.name) {
                Lookup::Found(messages) => {
                    matched += 1;
                    // A callee's memory is no expression of this line.
                    let escapes = if callee.is_some() {
                        Vec::new()
                    } else {
                        goroutine = join.held_by_goroutine(&node.file, node.line);
                        let compiled_in: Vec<&str> = site
                            .compiled_in
                            .iter()
                            .map(|n| nodes[n.index()].name.as_str())
                            .collect();
                        applicable(&messages, &compiled_in)
                    };
                    (escapes, None)
                }
                Lookup::NoMessage if callee.is_some() => {
                    matched += 1;
                    (Vec::new(), None)
                }
                // A channel or map made here has no message, but a
                // goroutine's closure may still capture it.
                Lookup::NoMessage if join.held_by_goroutine(&node.file, node.line) => {
                    goroutine = true;
                    (Vec::new(), Some(Unmatched::NoMessage))
                }
                Lookup::NotCovered => (Vec::new(), Some(Unmatched::NotCovered)),
                Lookup::Ambiguous => (Vec::new(), Some(Unmatched::Ambiguous)),
                Lookup::OtherPackage => (Vec::new(), Some(Unmatched::OtherPackage)),
                Lookup::Stale => (Vec::new(), Some(Unmatched::Stale)),
                Lookup::NoMessage => (Vec::new(), Some(Unmatched::NoMessage)),
            },
        };
        goroutine |= escapes.iter().any(|e| e.reason == Reason::GoStatement);
        if let Some(why) = why {
            let entry = unmatched.entry(why).or_insert((0, String::new()));
            if entry.0 == 0 {
                entry.1 = format!("{}:{}", node.file, node.line);
            }
            entry.0 += 1;
        }
        let classes = classify(
            &v,
            &totals,
            row_growth.as_ref(),
            goroutine,
            &options.thresholds,
        );
        let flat = match indices.iter().position(|&x| x == options.sample_index) {
            Some(0) => v.alloc_objects,
            Some(1) => v.alloc_space,
            Some(2) => v.inuse_objects,
            Some(_) => v.inuse_space,
            None => site.ranked,
        };
        let row = ExplainRow {
            function: node.name.clone(),
            file: node.file.clone(),
            line: node.line,
            name,
            allocated_in: callee.map(|c| nodes[c.index()].name.clone()),
            flat,
            values: v,
            classes,
            escapes,
            unmatched: why,
            growth: row_growth,
            turnover,
            advice: Vec::new(),
            signature: heap_signature(&site.signed),
        };
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
            .then_with(|| a.allocated_in.cmp(&b.allocated_in))
    });
    let site_total = rows.len();
    if options.node_count > 0 {
        rows.truncate(options.node_count);
    }
    // Only the rows kept are advised.
    for row in &mut rows {
        row.advice = advice(row, has_flows);
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

/// The copies of `messages` that belong to the functions the line was
/// compiled in (Go ≥ 1.20 prints one copy per function a line is inlined
/// into); every copy when none names one of them (older output, or a
/// profile of another build).
fn applicable(messages: &[&EscapeMessage], compiled_in: &[&str]) -> Vec<Escape> {
    let belongs = |c: &FlowCopy| {
        c.function
            .as_deref()
            .is_none_or(|f| compiled_in.iter().any(|p| same_function(f, p)))
    };
    let any_belongs = messages.iter().any(|m| m.copies.iter().any(belongs));
    let mut out: Vec<Escape> = Vec::new();
    for m in messages {
        for c in m.copies.iter().filter(|c| !any_belongs || belongs(c)) {
            if out.iter().any(|e| e.text == m.text && e.reason == c.reason) {
                continue;
            }
            out.push(Escape {
                column: m.column,
                text: m.text.clone(),
                flow: c.flow.clone(),
                reason: c.reason,
            });
        }
    }
    out
}

fn share(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The classes of one site (see [`Thresholds`]), the verdict first.
/// `goroutine`: what it allocates is held by a goroutine (a go statement's
/// closure captures it), which makes a leak a goroutine leak.
pub fn classify(
    v: &HeapValues,
    totals: &HeapValues,
    growth: Option<&Growth>,
    goroutine: bool,
    t: &Thresholds,
) -> Vec<Class> {
    let mut classes = Vec::new();
    if growth.is_some_and(|g| g.suspect) {
        classes.push(if goroutine {
            Class::GoroutineLeak
        } else {
            Class::LeakSuspect
        });
    }
    if v.bytes_per_object().is_some_and(|b| b >= t.large_object) {
        classes.push(Class::Large);
    }
    if v.alloc_space > 0
        && share(v.alloc_space, totals.alloc_space) >= t.churn_share
        && share(v.inuse_space, v.alloc_space) <= t.churn_inuse
    {
        classes.push(Class::Churn);
    }
    if v.inuse_space > 0 && share(v.inuse_space, totals.inuse_space) >= t.retained_share {
        classes.push(Class::Retained);
    }
    classes
}

/// The verdict's advice, the callee's, one line per reason, then the other
/// classes' (a leak's says what retained's would).
fn advice(row: &ExplainRow, has_flows: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |a: String| {
        if !out.contains(&a) {
            out.push(a);
        }
    };
    let mut classes = row.classes.iter();
    let verdict = classes.next();
    if let Some(c) = verdict {
        add(c.advice().to_owned());
    }
    if let Some(callee) = &row.allocated_in {
        add(format!(
            "allocated inside {callee}: keep less of what it returns, or call a variant that fills a buffer you reuse"
        ));
    }
    for reason in row.reasons() {
        if let Some(a) = reason.advice(has_flows) {
            add(a.to_owned());
        }
    }
    let leak = verdict.is_some_and(|c| c.is_leak());
    for c in classes {
        if !(leak && *c == Class::Retained) {
            add(c.advice().to_owned());
        }
    }
    out
}
