//! The ranked table of nodes behind `pprof-tui top` and the TUI's Top view.

use super::aggregate::{
    Inlined, NodeTotals, SortBy, node_totals_and_edges, resolve_inlining_among, sort_totals, total,
};
use super::filter::Filters;
use super::names::Demangle;
use super::sites::{StackSite, series};
use super::stacks::{Granularity, Stacks};
use crate::profile::{Profile, ValueType};

/// What to rank and how.
#[derive(Debug, Clone)]
pub struct TopOptions {
    /// Index into the profile's sample types.
    pub sample_index: usize,
    pub granularity: Granularity,
    pub filters: Filters,
    pub sort: SortBy,
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
            sort: SortBy::default(),
            node_count: 0,
            node_fraction: 0.0,
            demangle: Demangle::default(),
        }
    }
}

/// One ranked node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopRow {
    /// The node's name as pprof prints it (without the inline suffix).
    pub name: String,
    pub flat: i64,
    pub cum: i64,
    pub inlined: Inlined,
    /// At `stacks` granularity: the whole stack this row stands for.
    pub stack: Option<StackSite>,
}

/// A ranked table with the facts pprof prints above it.
#[derive(Debug, Clone)]
pub struct Top {
    pub sample_type: ValueType,
    /// See [`total`]: all samples, before filters.
    pub total: i64,
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
    // Suffixes for all nodes when the walk can track them cheaply, with the
    // call edges they come from (see below).
    let every_node_shown = options.node_fraction <= 0.0 && options.node_count == 0;
    let (mut totals, edges) = node_totals_and_edges(stacks, options.sample_index, every_node_shown);
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
    sort_totals(&mut totals, &names, options.sort);
    let node_total = totals.len();
    if options.node_count > 0 {
        totals.truncate(options.node_count);
    }
    // pprof decides the suffixes in a graph rebuilt without the nodes it
    // trimmed (by node fraction or node count): there a call edge runs from
    // the nearest kept caller. Only nodes with a trimmed caller can change,
    // so only they (or all shown rows, when the walk did not track edges)
    // are resolved again, in a walk over the samples through them.
    let trimmed = dropped_nodes > 0 || totals.len() < node_total;
    let kept = trimmed.then(|| {
        let mut kept = vec![false; stacks.nodes().len()];
        for t in &totals {
            kept[t.node.index()] = true;
        }
        kept
    });
    let stale: Vec<usize> = match (&edges, &kept) {
        (Some(_), None) => Vec::new(),
        (Some(edges), Some(kept)) => {
            let mut stale = vec![false; stacks.nodes().len()];
            for &(caller, callee) in edges {
                if !kept[caller.index()] {
                    stale[callee.index()] = true;
                }
            }
            (0..totals.len())
                .filter(|&i| stale[totals[i].node.index()])
                .collect()
        }
        (None, _) => (0..totals.len()).collect(),
    };
    if !stale.is_empty() {
        let mut rows: Vec<NodeTotals> = stale.iter().map(|&i| totals[i].clone()).collect();
        resolve_inlining_among(
            stacks,
            options.sample_index,
            &mut rows,
            flat_sum,
            kept.as_deref(),
        );
        for (&i, row) in stale.iter().zip(rows) {
            totals[i].inlined = row.inlined;
        }
    }
    let rows = totals
        .into_iter()
        .map(|t| TopRow {
            name: names[t.node.index()].clone(),
            flat: t.flat,
            cum: t.cum,
            inlined: t.inlined,
            stack: None,
        })
        .collect();
    Top {
        sample_type: profile.sample_types[options.sample_index].clone(),
        total,
        rows,
        dropped_nodes,
        node_total,
    }
}

/// One row per distinct stack: flat = cum = the value of the samples with
/// exactly that stack; sorted, trimmed and counted as `top` does for nodes.
fn top_of_stacks(stacks: &Stacks<'_>, options: &TopOptions) -> Top {
    let profile = stacks.profile();
    let total = total(profile, options.sample_index);
    let mut rows: Vec<TopRow> = series(stacks, options.sample_index, 1, |_| Some(0))
        .series
        .into_iter()
        .map(|s| TopRow {
            name: s.name,
            flat: s.flat[0],
            cum: s.cum[0],
            inlined: s.inlined,
            stack: s.stack,
        })
        .collect();
    let flat_sum = rows.iter().fold(0i64, |sum, r| sum.wrapping_add(r.flat));
    let cutoff = ((flat_sum as f64 * options.node_fraction) as i64).wrapping_abs();
    let before = rows.len();
    if cutoff > 0 {
        rows.retain(|r| r.cum.wrapping_abs() >= cutoff);
    }
    let dropped_nodes = before - rows.len();
    rows.sort_by(|a, b| match options.sort {
        SortBy::Flat => b
            .flat
            .unsigned_abs()
            .cmp(&a.flat.unsigned_abs())
            .then_with(|| a.name.cmp(&b.name)),
        SortBy::Cum => b
            .cum
            .unsigned_abs()
            .cmp(&a.cum.unsigned_abs())
            .then_with(|| a.name.cmp(&b.name)),
    });
    let node_total = rows.len();
    if options.node_count > 0 {
        rows.truncate(options.node_count);
    }
    Top {
        sample_type: profile.sample_types[options.sample_index].clone(),
        total,
        rows,
        dropped_nodes,
        node_total,
    }
}
