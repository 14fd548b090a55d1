//! `pprof-tui trend SNAP1 … SNAPn`: leak suspects across heap (or
//! goroutine) snapshots.
//!
//! One snapshot cannot tell a leak from a big but stable cache; several can.
//! For every site this module lines up its value in each snapshot and asks
//! how a leak behaves: it grows, it keeps growing (in most intervals, with
//! little given back), and the growth is a noticeable share of the heap.
//! Memory that comes and goes — transient garbage, a buffer pool — grows and
//! shrinks by turns, so its net growth is small next to its total movement
//! and it is not a suspect. A site that grew once and then stayed flat (a
//! cache warming up, a one-off table) grew in too few intervals.
//!
//! Like `diff`, the snapshots are summed apart and joined by node when
//! laying them side by side would keep each as it is ([`Lineup`]): the
//! same numbers as the merged profile's, for less time and memory.

use super::aggregate::{Inlined, SortBy};
use super::diff::Breach;
use super::filter::Filters;
use super::limit::GrowthLimit;
use super::lineup::Lineup;
use super::sites::{Sites, StackSite, keep_shown};
use super::stacks::{Granularity, NodeId};
use crate::profile::{MergeError, ValueType};

/// The order in which snapshots are compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chronology {
    /// Snapshot indices (as given) in comparison order.
    pub order: Vec<usize>,
    /// Every snapshot has a time stamp and the order follows them.
    pub by_time: bool,
    /// The time stamps disagree with the order the snapshots were given in.
    pub reordered: bool,
    /// Some snapshots have a time stamp and others do not.
    pub partly_timed: bool,
}

/// Orders snapshots by their time stamps (`time_nanos`; 0 = none) when all
/// have one, else keeps the given order. Equal times keep the given order.
pub fn chronological_order(times: &[i64]) -> Chronology {
    let given: Vec<usize> = (0..times.len()).collect();
    let timed = times.iter().filter(|&&t| t != 0).count();
    if timed < times.len() || times.is_empty() {
        return Chronology {
            order: given,
            by_time: false,
            reordered: false,
            partly_timed: timed > 0,
        };
    }
    let mut order = given.clone();
    order.sort_by_key(|&i| times[i]);
    Chronology {
        reordered: order != given,
        order,
        by_time: true,
        partly_timed: false,
    }
}

/// The caveat `trend` prints when ranking by an `alloc_*` sample type,
/// which only ever grows: every allocating site looks like a leak.
pub fn alloc_warning(sample_type: &str) -> Option<String> {
    sample_type.starts_with("alloc_").then(|| {
        format!(
            "{sample_type} counts every allocation since the program started, so every allocating site grows; \
             use inuse_space or inuse_objects to find what is retained"
        )
    })
}

/// What to rank and how.
#[derive(Debug, Clone, Default)]
pub struct TrendOptions {
    /// Index into the snapshots' sample types ([`Lineup::profile`]).
    pub sample_index: usize,
    pub granularity: Granularity,
    pub filters: Filters,
    /// Follow each site's flat value (default) or its cum.
    pub by: SortBy,
    /// Keep at most this many rows; 0 keeps all.
    pub node_count: usize,
    /// `--fail-on-growth`: suspects whose net growth goes past it are
    /// reported in [`Trend::over_limit`]. Percentages are of the first
    /// snapshot's total.
    pub limit: Option<GrowthLimit>,
}

/// One site across the snapshots.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendRow {
    /// The node, for node sites; `None` for whole stacks.
    pub node: Option<NodeId>,
    pub name: String,
    pub inlined: Inlined,
    /// At `stacks` granularity: the stack.
    pub stack: Option<StackSite>,
    /// The followed value (flat or cum) in each snapshot, oldest first.
    pub values: Vec<i64>,
    pub flat: Vec<i64>,
    pub cum: Vec<i64>,
    /// Shape of `values`.
    pub growth: Growth,
}

/// How a series of values moved, and how much it looks like a leak.
#[derive(Debug, Clone, PartialEq)]
pub struct Growth {
    /// Last value minus first.
    pub net: i64,
    /// Least-squares slope per snapshot.
    pub per_snapshot: f64,
    /// Least-squares slope per minute of profile time, when every snapshot
    /// has a time stamp and they are not all equal.
    pub per_minute: Option<f64>,
    /// Never decreased, and grew.
    pub monotonic: bool,
    /// Intervals in which the value increased.
    pub rises: usize,
    /// Net growth over the total movement, in −1..=1: 1 for steady growth,
    /// near 0 for values that come and go.
    pub steadiness: f64,
    /// Net growth as a share of the last snapshot's total (0..=1).
    pub share: f64,
    /// 0..=100: `100 × share × steadiness × rises/intervals` for growing
    /// sites, 0 otherwise.
    pub score: f64,
    /// Grew by at least 0.1% of the last total, in more than half of the
    /// intervals, with steadiness ≥ 0.8.
    pub suspect: bool,
}

/// Smallest growth, as a share of the last total, that makes a suspect.
pub const MIN_SHARE: f64 = 0.001;
/// Smallest steadiness that makes a suspect.
pub const MIN_STEADINESS: f64 = 0.8;

fn slope(xs: &[f64], ys: &[i64]) -> Option<f64> {
    let n = xs.len() as f64;
    if xs.len() < 2 {
        return None;
    }
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().map(|&y| y as f64).sum::<f64>() / n;
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = xs
        .iter()
        .zip(ys)
        .map(|(x, &y)| (x - mx) * (y as f64 - my))
        .sum();
    Some(sxy / sxx)
}

/// Assesses one series; `minutes` are the snapshots' times in minutes since
/// the first, `last_total` the last snapshot's total.
pub fn assess(values: &[i64], minutes: Option<&[f64]>, last_total: i64) -> Growth {
    let intervals = values.len().saturating_sub(1);
    let (first, last) = match (values.first(), values.last()) {
        (Some(&f), Some(&l)) => (f, l),
        _ => (0, 0),
    };
    let net = last.wrapping_sub(first);
    let (mut up, mut down, mut rises) = (0f64, 0f64, 0usize);
    for w in values.windows(2) {
        let d = w[1] as f64 - w[0] as f64;
        if d > 0.0 {
            up += d;
            rises += 1;
        } else {
            down -= d;
        }
    }
    let steadiness = if up + down > 0.0 {
        (up - down) / (up + down)
    } else {
        0.0
    };
    let share = if net > 0 {
        (net as f64 / last_total.unsigned_abs().max(1) as f64).min(1.0)
    } else {
        0.0
    };
    let persistence = if intervals > 0 {
        rises as f64 / intervals as f64
    } else {
        0.0
    };
    let score = if net > 0 {
        100.0 * share * steadiness.max(0.0) * persistence
    } else {
        0.0
    };
    let indices: Vec<f64> = (0..values.len()).map(|i| i as f64).collect();
    Growth {
        net,
        per_snapshot: slope(&indices, values).unwrap_or(0.0),
        per_minute: minutes.and_then(|m| slope(m, values)),
        monotonic: net > 0 && down == 0.0,
        rises,
        steadiness,
        share,
        score,
        suspect: net > 0
            && share >= MIN_SHARE
            && steadiness >= MIN_STEADINESS
            && rises * 2 > intervals,
    }
}

/// Leak suspects across snapshots.
#[derive(Debug, Clone)]
pub struct Trend {
    pub sample_type: ValueType,
    /// Each snapshot's total (all samples, before filters), oldest first.
    pub totals: Vec<i64>,
    /// Most suspicious first.
    pub rows: Vec<TrendRow>,
    /// Rows before `node_count` cut the list.
    pub site_total: usize,
    /// Suspects among all rows.
    pub suspects: usize,
    /// Every suspect (not only the rows kept) over the limit, largest growth
    /// first.
    pub over_limit: Vec<Breach>,
}

/// Ranks every site of the snapshots (a lineup of snapshots, see
/// [`Lineup::snapshots`]). `minutes`: each snapshot's time in minutes since
/// the first, when known.
pub fn trend(
    snapshots: &Lineup,
    minutes: Option<&[f64]>,
    options: &TrendOptions,
) -> Result<Trend, MergeError> {
    let totals = snapshots.totals(options.sample_index);
    let sample_type = snapshots.profile().sample_types[options.sample_index].clone();
    snapshots.rank_sites(
        options.sample_index,
        options.granularity,
        &options.filters,
        |sites, source| {
            rank(
                sites,
                totals,
                sample_type,
                minutes,
                options,
                |shown, flat_sum| source.inline_suffixes(flat_sum, shown),
            )
        },
    )
}

/// Assesses, sorts, counts and trims the sites of a trend (group `i`: the
/// `i`-th snapshot; `totals`: each snapshot's). `resolve_suffixes(rows,
/// flat_sum)` fills in the inline suffixes of the rows kept when the sums
/// did not. The one ranking of a trend: over profiles lined up
/// ([`trend`]) and over a watch's reduced snapshots
/// ([`super::series::SiteSeries::rank`]).
pub(crate) fn rank(
    sites: Sites,
    totals: Vec<i64>,
    sample_type: ValueType,
    minutes: Option<&[f64]>,
    options: &TrendOptions,
    resolve_suffixes: impl FnOnce(Vec<(NodeId, &mut Inlined)>, i64),
) -> Trend {
    let last_total = totals.last().copied().unwrap_or(0);
    let inlining_resolved = sites.inlining_resolved;
    let all = sites.series;
    let flat_sum = all
        .iter()
        .flat_map(|s| s.flat.iter())
        .fold(0i64, |a, &b| a.wrapping_add(b));
    let mut rows: Vec<TrendRow> = all
        .into_iter()
        .map(|s| {
            let values = match options.by {
                SortBy::Flat => s.flat.clone(),
                SortBy::Cum => s.cum.clone(),
            };
            TrendRow {
                node: s.node,
                name: s.name,
                inlined: s.inlined,
                stack: s.stack,
                growth: assess(&values, minutes, last_total),
                values,
                flat: s.flat,
                cum: s.cum,
            }
        })
        // A site whose followed value is zero throughout (a caller, when
        // following flat) has nothing to show.
        .filter(|r| r.values.iter().any(|&v| v != 0))
        .collect();
    rows.sort_by(|a, b| {
        b.growth
            .score
            .total_cmp(&a.growth.score)
            .then_with(|| b.growth.suspect.cmp(&a.growth.suspect))
            .then_with(|| b.growth.net.cmp(&a.growth.net))
            .then_with(|| a.name.cmp(&b.name))
    });
    let site_total = rows.len();
    let suspects = rows.iter().filter(|r| r.growth.suspect).count();
    let first_total = totals.first().copied().unwrap_or(0);
    let over_limit = match &options.limit {
        Some(limit) => Breach::worst_first(
            rows.iter()
                .filter(|r| r.growth.suspect && limit.is_exceeded(r.growth.net, first_total))
                .map(|r| Breach {
                    name: format!("{}{}", r.name, r.inlined.suffix()),
                    growth: r.growth.net,
                })
                .collect(),
        ),
        None => Vec::new(),
    };
    keep_shown(
        &mut rows,
        options.node_count,
        inlining_resolved,
        |r| Some((r.node?, &mut r.inlined)),
        |shown| resolve_suffixes(shown, flat_sum),
    );
    Trend {
        sample_type,
        totals,
        rows,
        site_total,
        suspects,
        over_limit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_leak_is_a_suspect() {
        let g = assess(&[100, 400, 900], None, 1000);
        assert_eq!(g.net, 800);
        assert!(g.monotonic);
        assert_eq!(g.rises, 2);
        assert_eq!(g.steadiness, 1.0);
        assert_eq!(g.per_snapshot, 400.0);
        assert!((g.score - 80.0).abs() < 1e-9);
        assert!(g.suspect);
    }

    #[test]
    fn transient_garbage_is_not_a_suspect() {
        for values in [[0, 65536, 0], [10_000, 50_000, 20_000], [50_000, 0, 50_000]] {
            let g = assess(&values, None, 100_000);
            assert!(!g.suspect, "{values:?}: {g:?}");
            assert!(!g.monotonic, "{values:?}");
        }
        assert_eq!(assess(&[0, 65536, 0], None, 100_000).score, 0.0);
    }

    #[test]
    fn growth_that_stopped_or_is_tiny_is_not_a_suspect() {
        // Grew once, then flat: a warmed-up cache.
        let plateau = assess(&[0, 16576, 16576], None, 2_635_448);
        assert!(plateau.monotonic);
        assert!(!plateau.suspect);
        // Steady but negligible next to the heap.
        assert!(!assess(&[256, 512, 1024], None, 2_635_448).suspect);
        // Shrinking.
        let shrinking = assess(&[900, 400, 100], None, 1000);
        assert_eq!(shrinking.score, 0.0);
        assert!(!shrinking.suspect);
    }

    #[test]
    fn slope_per_minute_uses_time_stamps() {
        let g = assess(&[0, 30, 60], Some(&[0.0, 0.5, 1.0]), 60);
        assert_eq!(g.per_minute, Some(60.0));
        assert_eq!(assess(&[1, 2], Some(&[3.0, 3.0]), 2).per_minute, None);
    }

    #[test]
    fn snapshots_follow_their_time_stamps() {
        let c = chronological_order(&[30, 10, 20]);
        assert_eq!(c.order, [1, 2, 0]);
        assert!(c.by_time && c.reordered);
        let c = chronological_order(&[10, 20, 30]);
        assert!(c.by_time && !c.reordered);
        let c = chronological_order(&[10, 0, 5]);
        assert_eq!(c.order, [0, 1, 2]);
        assert!(!c.by_time && c.partly_timed);
        let c = chronological_order(&[0, 0]);
        assert!(!c.by_time && !c.partly_timed);
    }
}
