//! The ranked table of nodes behind `pprof-tui top` and the TUI's Top view:
//! one engine for both. The view adds what a report does not print: in a
//! diff, each row's base values beside the new ones; an order by name; and
//! the inline suffixes of the first screen only, the rest resolved later
//! ([`suffixes`]), which on a big profile is the slow part.

use super::aggregate::{
    Inlined, NodeTotals, SortBy, SuffixesInWalk, node_totals, node_totals_all_inlined,
    resolve_inlining, resolve_inlining_among, sort_totals, total,
};
use super::filter::Filters;
use super::names::Demangle;
use super::sites::{StackSite, series};
use super::stacks::{Granularity, NodeId, Stacks};
use crate::profile::{Profile, ValueType};

/// How the table is ordered: pprof's two orders, or by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TopOrder {
    /// By |flat|, as `go tool pprof -top`.
    #[default]
    Flat,
    /// By |cum|, as `-top -cum`.
    Cum,
    /// By name.
    Name,
}

impl TopOrder {
    /// The order after this one, for a key that cycles them.
    pub fn next(self) -> TopOrder {
        match self {
            TopOrder::Flat => TopOrder::Cum,
            TopOrder::Cum => TopOrder::Name,
            TopOrder::Name => TopOrder::Flat,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TopOrder::Flat => "flat",
            TopOrder::Cum => "cum",
            TopOrder::Name => "name",
        }
    }

    /// pprof's order, when this is one.
    fn by(self) -> Option<SortBy> {
        match self {
            TopOrder::Flat => Some(SortBy::Flat),
            TopOrder::Cum => Some(SortBy::Cum),
            TopOrder::Name => None,
        }
    }
}

impl From<SortBy> for TopOrder {
    fn from(by: SortBy) -> TopOrder {
        match by {
            SortBy::Flat => TopOrder::Flat,
            SortBy::Cum => TopOrder::Cum,
        }
    }
}

/// What to rank and how.
#[derive(Debug, Clone)]
pub struct TopOptions {
    /// Index into the profile's sample types.
    pub sample_index: usize,
    pub granularity: Granularity,
    pub filters: Filters,
    pub sort: TopOrder,
    /// Resolve the inline suffixes of only this many rows from the top (the
    /// others keep [`Inlined::No`] until [`suffixes`] resolves them); `None`
    /// resolves them all, as `top` prints them.
    pub first_suffixes: Option<usize>,
    /// Keep at most this many rows; 0 keeps all.
    pub node_count: usize,
    /// Drop nodes whose |cum| is below this fraction of the shown total
    /// (pprof's `-nodefraction`, 0.005 by default there).
    pub node_fraction: f64,
    /// How C++ and Rust names are demangled (pprof's `-symbolize=demangle=`).
    pub demangle: Demangle,
}

impl Default for TopOptions {
    fn default() -> Self {
        TopOptions {
            sample_index: 0,
            granularity: Granularity::default(),
            filters: Filters::default(),
            sort: TopOrder::default(),
            first_suffixes: None,
            node_count: 0,
            node_fraction: 0.0,
            demangle: Demangle::default(),
        }
    }
}

/// One ranked node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopRow {
    /// The node; at `stacks` granularity, the function that names the stack.
    pub node: NodeId,
    /// The node's name as pprof prints it (without the inline suffix), or
    /// the stack's label (`main.leakyWorker [runtime.gopark → …]`).
    pub name: String,
    /// Signed flat (new − base in a diff).
    pub flat: i64,
    pub cum: i64,
    pub inlined: Inlined,
    /// In a diff (`--diff-base`), the base's own flat and cum, as
    /// magnitudes; else 0.
    pub base_flat: i64,
    pub base_cum: i64,
    /// At `stacks` granularity: the whole stack this row stands for.
    pub stack: Option<StackSite>,
}

/// A ranked table with the facts pprof prints above it.
#[derive(Debug, Clone)]
pub struct Top {
    pub sample_type: ValueType,
    /// See [`total`]: all samples, before filters (the base's in a diff).
    pub total: i64,
    /// In a diff, the total of the samples outside the base; else `total`.
    pub new_total: i64,
    pub rows: Vec<TopRow>,
    /// Nodes left out by `node_fraction`, and the cut-off used for the header.
    pub dropped_nodes: usize,
    /// Number of nodes before `node_count` cut the list.
    pub node_total: usize,
}

impl Top {
    /// Sum of flat over the shown rows.
    pub fn shown_flat(&self) -> i64 {
        self.rows
            .iter()
            .fold(0i64, |sum, r| sum.wrapping_add(r.flat))
    }
}

/// Builds the ranked table.
pub fn top(profile: &Profile, options: &TopOptions) -> Top {
    let stacks = Stacks::with_demangle(
        profile,
        options.granularity,
        &options.filters,
        options.demangle,
    );
    top_of(&stacks, options)
}

/// Builds the ranked table from an existing view.
pub fn top_of(stacks: &Stacks<'_>, options: &TopOptions) -> Top {
    if stacks.granularity() == Granularity::Stacks {
        return top_of_stacks(stacks, options);
    }
    let profile = stacks.profile();
    let total = total(profile, options.sample_index);
    // The suffixes of all nodes in the walk when every node is shown;
    // otherwise a plain walk, and the suffixes of the rows shown (or of the
    // first rows, when asked) in a walk over call edges alone, below.
    let every_node_shown = options.node_fraction <= 0.0 && options.node_count == 0;
    let resolved = every_node_shown && options.first_suffixes.is_none();
    let mut totals = if resolved {
        node_totals_all_inlined(stacks, options.sample_index)
    } else {
        node_totals(stacks, options.sample_index)
    };
    // Go's int64 arithmetic and `abs64`, as pprof: sums wrap.
    let flat_sum = totals.iter().fold(0i64, |sum, t| sum.wrapping_add(t.flat));
    let cutoff = ((flat_sum as f64 * options.node_fraction) as i64).wrapping_abs();
    let before = totals.len();
    if cutoff > 0 {
        totals.retain(|t| t.cum.wrapping_abs() >= cutoff);
    }
    let dropped_nodes = before - totals.len();
    let mut names = vec![String::new(); stacks.nodes().len()];
    for t in &totals {
        names[t.node.index()] = stacks.node(t.node).printable_name();
    }
    order_totals(&mut totals, &names, options.sort);
    let node_total = totals.len();
    if options.node_count > 0 {
        totals.truncate(options.node_count);
    }
    match options.first_suffixes {
        _ if resolved => {}
        Some(first) => {
            let end = first.min(totals.len());
            resolve_inlining(stacks, options.sample_index, &mut totals[..end], flat_sum);
        }
        None => {
            // pprof decides the suffixes in a graph rebuilt without the
            // nodes it trimmed (by node fraction or node count): there a
            // call edge runs from the nearest kept caller.
            let trimmed = dropped_nodes > 0 || totals.len() < node_total;
            let kept = trimmed.then(|| {
                let mut kept = vec![false; stacks.nodes().len()];
                for t in &totals {
                    kept[t.node.index()] = true;
                }
                kept
            });
            resolve_inlining_among(
                stacks,
                options.sample_index,
                &mut totals,
                flat_sum,
                kept.as_deref(),
            );
        }
    }
    let base = has_base(profile).then(|| base_sums(stacks, options.sample_index));
    let rows = totals
        .into_iter()
        .map(|t| {
            let (base_flat, base_cum) = base.as_ref().map_or((0, 0), |b| b[t.node.index()]);
            TopRow {
                node: t.node,
                name: names[t.node.index()].clone(),
                flat: t.flat,
                cum: t.cum,
                inlined: t.inlined,
                base_flat,
                base_cum,
                stack: None,
            }
        })
        .collect();
    Top {
        sample_type: profile.sample_types[options.sample_index].clone(),
        total,
        new_total: new_total(profile, options.sample_index, total),
        rows,
        dropped_nodes,
        node_total,
    }
}

/// Puts rows of a table at `granularity` in `order`, as [`top`] would have
/// (rows cut by `node_count` stay out).
pub fn sort_rows(rows: &mut [TopRow], granularity: Granularity, order: TopOrder) {
    if granularity == Granularity::Stacks {
        sort_stack_rows(rows, order);
        return;
    }
    let mut totals: Vec<NodeTotals> = rows.iter().map(TopRow::totals).collect();
    let size = rows.iter().map(|r| r.node.index() + 1).max().unwrap_or(0);
    let mut names = vec![String::new(); size];
    for r in rows.iter() {
        names[r.node.index()].clone_from(&r.name);
    }
    order_totals(&mut totals, &names, order);
    let mut slot = vec![usize::MAX; size];
    for (i, t) in totals.iter().enumerate() {
        slot[t.node.index()] = i;
    }
    rows.sort_by_key(|r| slot[r.node.index()]);
}

/// Every row's inline suffix, for a table built with
/// [`TopOptions::first_suffixes`] (slow on big profiles: run it off the
/// UI thread). `totals` are all the node rows of `stacks`' table.
pub fn suffixes(
    stacks: &Stacks<'_>,
    sample_index: usize,
    mut totals: Vec<NodeTotals>,
) -> Vec<(NodeId, Inlined)> {
    let flat_sum = totals.iter().fold(0i64, |sum, t| sum.wrapping_add(t.flat));
    resolve_inlining(stacks, sample_index, &mut totals, flat_sum);
    totals.into_iter().map(|t| (t.node, t.inlined)).collect()
}

impl TopRow {
    /// The row's values as the engine's node totals.
    pub fn totals(&self) -> NodeTotals {
        NodeTotals {
            node: self.node,
            flat: self.flat,
            cum: self.cum,
            inlined: self.inlined,
        }
    }
}

/// Sorts node totals in `order`: pprof's, or by name.
fn order_totals(totals: &mut [NodeTotals], names: &[String], order: TopOrder) {
    match order.by() {
        Some(by) => sort_totals(totals, names, by),
        None => totals.sort_by(|a, b| names[a.node.index()].cmp(&names[b.node.index()])),
    }
}

/// Whole stacks in `order`: by size (flat equals cum), then label, as
/// `top -g stacks`; or by label.
fn sort_stack_rows(rows: &mut [TopRow], order: TopOrder) {
    rows.sort_by(|a, b| {
        let size = |r: &TopRow| match order {
            TopOrder::Cum => r.cum.unsigned_abs(),
            TopOrder::Flat | TopOrder::Name => r.flat.unsigned_abs(),
        };
        match order {
            TopOrder::Name => a.name.cmp(&b.name),
            TopOrder::Flat | TopOrder::Cum => {
                size(b).cmp(&size(a)).then_with(|| a.name.cmp(&b.name))
            }
        }
    });
}

/// Whether the profile is a `--diff-base` comparison (its base samples kept
/// apart).
fn has_base(profile: &Profile) -> bool {
    !profile.samples().diff_base.is_empty()
}

/// The total of the samples outside a diff's base (`total` when there is
/// no base).
fn new_total(profile: &Profile, sample_index: usize, total: i64) -> i64 {
    if !has_base(profile) {
        return total;
    }
    let samples = profile.samples();
    (0..samples.len())
        .filter(|&s| !samples.is_diff_base(s))
        .fold(0i64, |sum, s| {
            sum.saturating_add(samples.value(s, sample_index).saturating_abs())
        })
}

/// Flat and cum of the `--diff-base` samples alone (as magnitudes), per
/// node, with pprof's rule of counting a sample once per node.
fn base_sums(stacks: &Stacks<'_>, sample_index: usize) -> Vec<(i64, i64)> {
    let samples = stacks.profile().samples();
    let n = stacks.nodes().len();
    let mut sums = vec![(0i64, 0i64); n];
    let mut seen = vec![usize::MAX; n];
    let range = samples.diff_base.clone();
    stacks.for_each_stack(range, |s, stack| {
        let value = samples.value(s, sample_index).saturating_abs();
        if value == 0 {
            return;
        }
        let mut leaf = true;
        for frame in stack.leaf_first() {
            let i = frame.node.index();
            if leaf {
                sums[i].0 = sums[i].0.wrapping_add(value);
                leaf = false;
            }
            if seen[i] != s {
                seen[i] = s;
                sums[i].1 = sums[i].1.wrapping_add(value);
            }
        }
    });
    sums
}

/// One row per distinct stack: flat = cum = the value of the samples with
/// exactly that stack; sorted, trimmed and counted as `top` does for nodes.
/// In a diff, the base's samples are summed apart for the base columns.
fn top_of_stacks(stacks: &Stacks<'_>, options: &TopOptions) -> Top {
    let profile = stacks.profile();
    let total = total(profile, options.sample_index);
    let base = profile.samples().diff_base.clone();
    let diff = has_base(profile);
    // The node naming each stack, by its printed name.
    let by_name: foldhash::HashMap<String, NodeId> = stacks
        .nodes()
        .iter()
        .enumerate()
        .map(|(i, n)| (n.printable_name(), NodeId(i as u32)))
        .collect();
    let groups = if diff { 2 } else { 1 };
    // Whole stacks have no inline suffixes.
    let in_base = |s| Some(usize::from(diff && base.contains(&s)));
    let never = SuffixesInWalk::Never;
    let mut rows: Vec<TopRow> = series(stacks, options.sample_index, groups, in_base, never)
        .series
        .into_iter()
        .filter_map(|s| {
            let node = by_name.get(s.stack.as_ref()?.name()).copied()?;
            let old = if diff { (s.flat[1], s.cum[1]) } else { (0, 0) };
            let sum = |v: &[i64]| v.iter().fold(0i64, |a, &b| a.wrapping_add(b));
            Some(TopRow {
                node,
                name: s.name,
                flat: sum(&s.flat),
                cum: sum(&s.cum),
                inlined: s.inlined,
                base_flat: old.0.saturating_abs(),
                base_cum: old.1.saturating_abs(),
                stack: s.stack,
            })
        })
        // A stack whose base and new cancel is no row, as without the groups.
        .filter(|r| r.flat != 0 || r.cum != 0)
        .collect();
    let flat_sum = rows.iter().fold(0i64, |sum, r| sum.wrapping_add(r.flat));
    let cutoff = ((flat_sum as f64 * options.node_fraction) as i64).wrapping_abs();
    let before = rows.len();
    if cutoff > 0 {
        rows.retain(|r| r.cum.wrapping_abs() >= cutoff);
    }
    let dropped_nodes = before - rows.len();
    sort_stack_rows(&mut rows, options.sort);
    let node_total = rows.len();
    if options.node_count > 0 {
        rows.truncate(options.node_count);
    }
    Top {
        sample_type: profile.sample_types[options.sample_index].clone(),
        total,
        new_total: new_total(profile, options.sample_index, total),
        rows,
        dropped_nodes,
        node_total,
    }
}
