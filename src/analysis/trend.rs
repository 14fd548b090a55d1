//! `pprof-tui trend SNAP1 … SNAPn`: leak suspects across heap (or
//! goroutine) snapshots.
//!
//! One snapshot cannot tell a leak from a big but stable cache; several can.
//! For every site this module lines up its value in each snapshot and asks
//! how a leak behaves: it grows, it keeps growing, with little given back,
//! and the growth is a noticeable share of the heap.
//!
//! **The rule.** A heap profile's values are sampled estimates: Go records
//! about one allocation per `Period` bytes (512 KiB by default) and scales
//! it up, so a leak that is never freed grows in steps of about one period,
//! flat for several snapshots at a time, and never falls. The test takes
//! that into account ([`judge`]):
//!
//! * the *noise floor* is what one sample stands for: the period for bytes,
//!   the period over the mean object size for object counts, 0 for exact
//!   profiles (goroutines, `MemProfileRate = 1`); a move of less than half
//!   the floor is no move;
//! * Mann–Kendall: over every pair of snapshots (near or far apart), how many
//!   went up minus how many went down, over all pairs (Kendall's τ), must be
//!   above [`MIN_TAU`]; its p-value (normal approximation with the tie
//!   correction, `S / √Var(S)`) gives each row's *confidence* that the
//!   site grows (one rising interval: 68%, two: 88%);
//! * Theil–Sen: the median of the pairwise slopes over the second half of
//!   the series must be above zero, so growth that stopped (a cache that
//!   filled, then stayed flat) stops making a suspect;
//! * net growth of at least [`MIN_FLOORS`] floors and [`MIN_SHARE`] of the
//!   last total, and net growth at least [`MIN_STEADINESS`] of all the
//!   movement, so memory that comes and goes (a cache flushed now and then,
//!   transient garbage) is not a suspect.
//!
//! **Restarts.** A snapshot from a new process ([`lives`]: the runtime's
//! cumulative counters or the allocated totals fell, or the goroutines
//! collapsed) starts a new *life*. Growth is judged within each life (the
//! drop at a restart is not a fall) and the pairs of Mann–Kendall are taken
//! within lives; the continuing-growth test applies to each life of three
//! or more snapshots, so a site is a suspect only when it grows in each.
//!
//! **The profiler's own work.** Writing a profile allocates
//! (`runtime/pprof.*`, `compress/flate.*`); in a watch, those allocations
//! are the measurement, not the service. Such rows are marked and are not
//! suspects unless asked ([`TrendOptions::profiler`]).
//!
//! **Turnover.** With time stamps and the `alloc_*` types, each site's
//! allocation rate (Δalloc/Δt) and the mean age of its live objects (in-use
//! objects ÷ allocation rate, Little's law) come from the first and last
//! snapshot of the newest life: a young, growing site and an old, flat
//! cache then read differently.
//!
//! Like `diff`, the snapshots are summed apart and joined by node when
//! laying them side by side would keep each as it is ([`Lineup`]): the
//! same numbers as the merged profile's, for less time and memory.

use std::ops::Range;

use super::aggregate::{Inlined, SortBy, SuffixesInWalk};
use super::diff::Breach;
use foldhash::HashMap;

use super::filter::Filters;
use super::limit::GrowthLimit;
use super::lineup::{Lineup, SiteSource};
use super::sites::{Sites, StackSite, resolve_kept};
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
    /// `--profiler`: the profiler's own sites may be suspects too.
    pub profiler: bool,
    /// Rows named without pprof's inline suffixes, and no call edges
    /// walked to decide them: for a trend read by its sites' names alone,
    /// as [`super::explain`] reads the heap's growth.
    pub bare_names: bool,
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
    /// Flat and cum in each snapshot, oldest first.
    pub flat: Vec<i64>,
    pub cum: Vec<i64>,
    /// Which of them the ranking followed ([`TrendRow::values`]).
    pub by: SortBy,
    /// Shape of the followed values.
    pub growth: Growth,
    /// The profiler's own work (see [`is_profiler_site`]).
    pub profiler: bool,
    /// Allocation rate and mean age, when the snapshots tell them.
    pub turnover: Option<Turnover>,
}

impl TrendRow {
    /// The followed value (flat or cum) in each snapshot, oldest first:
    /// one of the two series, not a third copy (a watch ranks thousands
    /// of sites of hundreds of snapshots at each arrival).
    pub fn values(&self) -> &[i64] {
        match self.by {
            SortBy::Flat => &self.flat,
            SortBy::Cum => &self.cum,
        }
    }
}

/// How fast a site allocates and how long its objects live, from two timed
/// snapshots of one process.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Turnover {
    /// Bytes allocated per second (Δalloc_space / Δt).
    pub bytes_per_second: f64,
    /// Objects allocated per second (Δalloc_objects / Δt).
    pub objects_per_second: f64,
    /// Mean age of the live objects in seconds: in-use objects ÷ objects
    /// allocated per second (Little's law); `None` when it allocated nothing.
    pub mean_age_seconds: Option<f64>,
}

/// How a series of values moved, and how much it looks like a leak.
#[derive(Debug, Clone, PartialEq)]
pub struct Growth {
    /// Growth within the lives: last value minus first of each life, summed
    /// (with one life, last minus first).
    pub net: i64,
    /// Least-squares slope per snapshot (within lives).
    pub per_snapshot: f64,
    /// Least-squares slope per minute of profile time (within lives), when
    /// every snapshot has a time stamp and they are not all equal.
    pub per_minute: Option<f64>,
    /// Never fell by the noise floor's half within a life, and grew.
    pub monotonic: bool,
    /// Intervals in which the value rose by more than half the noise floor.
    pub rises: usize,
    /// Net growth over the total movement, in −1..=1: 1 for steady growth,
    /// near 0 for values that come and go.
    pub steadiness: f64,
    /// Net growth as a share of the last snapshot's total (0..=1).
    pub share: f64,
    /// Kendall's τ within lives: rising pairs minus falling pairs, over all
    /// pairs (−1..=1).
    pub tau: f64,
    /// 0..=1: how sure Mann–Kendall is that the site grows (1 − its
    /// two-sided p-value when τ > 0, else 0).
    pub confidence: f64,
    /// The Theil–Sen slope of the second half of each life of three or more
    /// snapshots is above zero: the growth has not stopped.
    pub continuing: bool,
    /// 0..=100: `100 × share × steadiness × τ` for growing sites, 0
    /// otherwise.
    pub score: f64,
    /// See the module documentation.
    pub suspect: bool,
}

/// Smallest growth, as a share of the last total, that makes a suspect.
pub const MIN_SHARE: f64 = 0.001;
/// Smallest steadiness that makes a suspect.
pub const MIN_STEADINESS: f64 = 0.8;
/// Kendall's τ a suspect must exceed: most pairs of snapshots rose.
pub const MIN_TAU: f64 = 0.5;
/// Net growth of a suspect, in noise floors (sampled objects).
pub const MIN_FLOORS: f64 = 2.0;
/// The most snapshots a watch compares (see [`thinning_stride`]): up to
/// this many, every snapshot kept is compared, exactly as `trend`
/// compares the same files.
pub const MAX_COMPARED: usize = 256;

/// Which of `count` snapshots a long watch compares: those whose number
/// (counted from the watch's first snapshot, 0-based) is a multiple of
/// the stride returned, and the newest. The stride is the smallest power
/// of two that leaves at most [`MAX_COMPARED`] multiples in `count`: 1 up
/// to 256 snapshots, 2 up to 512, 64 for a day at 10 s (8,640). As a
/// power of two it only doubles as a watch grows, so a snapshot left out
/// is never needed again and its sums can go; the cost of a ranking and
/// the memory of the series stay bounded however long the watch runs.
pub fn thinning_stride(count: usize) -> u64 {
    let mut stride = 1u64;
    while (count as u64).div_ceil(stride) > MAX_COMPARED as u64 {
        stride *= 2;
    }
    stride
}

/// What the profiler's own sites start with.
pub const PROFILER_PREFIXES: [&str; 2] = ["runtime/pprof.", "compress/flate."];

/// Whether a site (a row name at any granularity but `files`) is the
/// profiler's own work: allocations `runtime/pprof` and `compress/flate`
/// make while writing a profile.
pub fn is_profiler_site(name: &str) -> bool {
    name.split_whitespace()
        .take(2)
        .any(|word| PROFILER_PREFIXES.iter().any(|p| word.starts_with(p)))
}

/// Σ(x − x̄)² and Σ(x − x̄)(y − ȳ) for x the position of each of `ys`
/// (0, 1, …) and, with `minutes`, for x its time. Each sum adds its terms
/// in order from −0.0, as `Iterator::sum` does, so the results are those
/// of summing each apart, bit for bit; together they take two passes over
/// `ys` instead of six (a watch judges thousands of series at each
/// arrival).
fn sums_of_squares(ys: &[i64], minutes: Option<&[f64]>) -> [(f64, f64); 2] {
    if ys.is_empty() {
        return [(0.0, 0.0); 2];
    }
    let n = ys.len() as f64;
    let minute = |i: usize| minutes.and_then(|m| m.get(i)).copied().unwrap_or(0.0);
    let (mut sum_x, mut sum_m, mut sum_y) = (-0.0, -0.0, -0.0);
    for (i, &y) in ys.iter().enumerate() {
        sum_x += i as f64;
        sum_m += minute(i);
        sum_y += y as f64;
    }
    let (mx, mm, my) = (sum_x / n, sum_m / n, sum_y / n);
    let (mut sxx, mut sxy, mut smm, mut smy) = (-0.0, -0.0, -0.0, -0.0);
    for (i, &y) in ys.iter().enumerate() {
        let (dx, dm, dy) = (i as f64 - mx, minute(i) - mm, y as f64 - my);
        sxx += dx * dx;
        sxy += dx * dy;
        smm += dm * dm;
        smy += dm * dy;
    }
    let by_minutes = if minutes.is_some() {
        (smm, smy)
    } else {
        (0.0, 0.0)
    };
    [(sxx, sxy), by_minutes]
}

/// What a series is judged against.
#[derive(Debug, Clone, Copy)]
pub struct Basis<'a> {
    /// Each snapshot's time in minutes since the first, when known.
    pub minutes: Option<&'a [f64]>,
    /// The lives (see [`lives`]); empty means one life.
    pub lives: &'a [Range<usize>],
    /// What one sample stands for, in the series' unit (0: exact).
    pub floor: f64,
    /// The last snapshot's total.
    pub last_total: i64,
}

/// Assesses one series of one life with exact values; `minutes` are the
/// snapshots' times in minutes since the first, `last_total` the last
/// snapshot's total.
pub fn assess(values: &[i64], minutes: Option<&[f64]>, last_total: i64) -> Growth {
    judge(
        values,
        &Basis {
            minutes,
            lives: &[],
            floor: 0.0,
            last_total,
        },
    )
}

/// What one life of a series adds to its judgement.
#[derive(Default)]
struct LifeStats {
    net: i64,
    up: f64,
    down: f64,
    rises: usize,
    /// Mann–Kendall S, its variance and the pairs compared.
    s: f64,
    variance: f64,
    pairs: f64,
    sxx: f64,
    sxy: f64,
    sxx_minutes: f64,
    sxy_minutes: f64,
}

/// The sign of a move from `a` to `b`, moves of at most `tie` being none.
fn direction(a: i64, b: i64, tie: f64) -> i32 {
    let d = b as f64 - a as f64;
    if d > tie {
        1
    } else if d < -tie {
        -1
    } else {
        0
    }
}

fn life_stats(values: &[i64], minutes: Option<&[f64]>, tie: f64, counts: &LifeCounts) -> LifeStats {
    let n = values.len();
    let mut st = LifeStats {
        net: match (values.first(), values.last()) {
            (Some(&f), Some(&l)) => l.wrapping_sub(f),
            _ => 0,
        },
        ..LifeStats::default()
    };
    for w in values.windows(2) {
        let d = w[1] as f64 - w[0] as f64;
        match direction(w[0], w[1], tie) {
            1 => {
                st.up += d;
                st.rises += 1;
            }
            -1 => st.down -= d,
            _ => {}
        }
    }
    // Mann–Kendall over every pair (counted in `counts`).
    let s = counts.rising as i64 - counts.falling as i64;
    st.s = s as f64;
    let tied = counts.tied as f64;
    let nf = n as f64;
    st.variance = ((nf * (nf - 1.0) * (2.0 * nf + 5.0) - tied) / 18.0).max(0.0);
    st.pairs = nf * (nf - 1.0) / 2.0;
    [(st.sxx, st.sxy), (st.sxx_minutes, st.sxy_minutes)] = sums_of_squares(values, minutes);
    st
}

/// What Mann–Kendall and Theil–Sen count in one life of a series: with
/// hundreds of snapshots, most of a ranking's work. A watch keeps them
/// from one ranking to the next and moves them by the snapshots that came
/// and went ([`recount`]): a pass over each series instead of a count of
/// its pairs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LifeCounts {
    /// Pairs `i < j` that rise by more than the tie ([`direction`] 1),
    /// and that fall by more than it (−1).
    pub(crate) rising: u64,
    pub(crate) falling: u64,
    /// Mann–Kendall's tie correction: Σ t(t−1)(2t+5) over the groups of
    /// values at one [`level`].
    pub(crate) tied: u64,
    /// Rising pairs of the life's [`second_half`] (Theil–Sen).
    pub(crate) half_rising: u64,
}

impl LifeCounts {
    /// The counts of one life's `values`, moves within `tie` being none.
    pub(crate) fn of(values: &[i64], tie: f64) -> LifeCounts {
        if values.len() <= SHORT_LIFE {
            return LifeCounts::of_short(values, tie);
        }
        let (rising, falling) = pair_moves(values, tie);
        LifeCounts {
            rising: rising as u64,
            falling: falling as u64,
            tied: tied(values, tie),
            half_rising: pair_moves(second_half(values), tie).0 as u64,
        }
    }
}

/// Lives this short are counted pair by pair in one loop: a service that
/// restarts every few snapshots gives each site hundreds of them, and the
/// general counting's sorts and buffers cost more than the pairs.
const SHORT_LIFE: usize = 16;

impl LifeCounts {
    /// [`LifeCounts::of`] for at most [`SHORT_LIFE`] values: every pair
    /// once. A group of `t` values at one level adds `(t−1)(2t+5)` for each
    /// of its members, `t(t−1)(2t+5)` in all, as [`tied`] counts it.
    fn of_short(values: &[i64], tie: f64) -> LifeCounts {
        let values = &values[..values.len().min(SHORT_LIFE)];
        let mut levels = [0i64; SHORT_LIFE];
        let at = Levels::new(tie);
        for (l, &v) in levels.iter_mut().zip(values) {
            *l = at.of(v);
        }
        let levels = &levels[..values.len()];
        let half = values.len().saturating_sub(1) / 2;
        let mut counts = LifeCounts::default();
        for (i, &a) in values.iter().enumerate() {
            let same = levels.iter().filter(|&&l| l == levels[i]).count() as u64;
            counts.tied += (same - 1) * (2 * same + 5);
            for &b in &values[i + 1..] {
                // As `direction(a, b, tie)`.
                let d = b as f64 - a as f64;
                let rises = u64::from(d > tie);
                counts.rising += rises;
                counts.falling += u64::from(d < -tie);
                counts.half_rising += rises * u64::from(i >= half);
            }
        }
        counts
    }
}

/// The group of values within `tie` of each other a value falls in, for
/// Mann–Kendall's tie correction: values rounded to twice the tie.
pub(crate) fn level(value: i64, tie: f64) -> i64 {
    if tie > 0.0 {
        round_to_i64(value as f64 / (2.0 * tie))
    } else {
        value
    }
}

/// [`level`] at one tie for many values: a multiplication by the
/// reciprocal of the step where that provably rounds as the division
/// would (the product is far enough from a half), the division
/// otherwise. A watch takes the level of every value it compares.
#[derive(Debug, Clone, Copy)]
struct Levels {
    tie: f64,
    step: f64,
    reciprocal: f64,
}

impl Levels {
    fn new(tie: f64) -> Levels {
        let step = 2.0 * tie;
        Levels {
            tie,
            step,
            reciprocal: 1.0 / step,
        }
    }

    fn of(&self, value: i64) -> i64 {
        if self.tie.is_nan() || self.tie <= 0.0 {
            return level(value, self.tie);
        }
        // The product is within a few units in the last place of the
        // quotient; away from halves (and below 2^51) both round alike.
        const SURE_BELOW: f64 = 2_251_799_813_685_248.0;
        let q = value as f64 * self.reciprocal;
        let a = q.abs();
        if self.reciprocal.is_finite() && a < SURE_BELOW {
            let from_half = ((a - (a as i64) as f64) - 0.5).abs();
            if from_half > 1e-9 * a.max(1.0) {
                return round_to_i64(q);
            }
        }
        round_to_i64(value as f64 / self.step)
    }
}

/// `x.round() as i64` (halves away from zero, saturating, NaN to 0),
/// without the C library's `round`: a watch takes the [`level`] of every
/// value it compares at each arrival, and the call was most of that.
fn round_to_i64(x: f64) -> i64 {
    // From 2^52 on every f64 is a whole number already.
    const WHOLE_FROM: f64 = 4_503_599_627_370_496.0;
    if x.abs() < WHOLE_FROM {
        // Both exact: |x| < 2^52.
        let whole = x as i64;
        let fraction = x - whole as f64;
        whole + i64::from(fraction >= 0.5) - i64::from(fraction <= -0.5)
    } else {
        x as i64
    }
}

/// A group of `t` tied values' share of Mann–Kendall's tie correction.
fn tie_term(t: u64) -> u64 {
    t * t.saturating_sub(1) * (2 * t + 5)
}

/// `f` of each of `values`: in `few` when they fit (most lives are short,
/// a restart every few snapshots: no allocation), else in `many`.
fn map_values<'a, T: Copy + Default>(
    values: &[i64],
    few: &'a mut [T; 32],
    many: &'a mut Vec<T>,
    f: impl Fn(i64) -> T,
) -> &'a mut [T] {
    let out = if values.len() <= few.len() {
        &mut few[..values.len()]
    } else {
        many.resize(values.len(), T::default());
        &mut many[..]
    };
    for (o, &v) in out.iter_mut().zip(values) {
        *o = f(v);
    }
    out
}

/// Σ t(t−1)(2t+5) over the groups of `values` at one [`level`].
fn tied(values: &[i64], tie: f64) -> u64 {
    let (mut few, mut many) = ([0i64; 32], Vec::new());
    let levels = map_values(values, &mut few, &mut many, |v| level(v, tie));
    levels.sort_unstable();
    levels
        .chunk_by(|a, b| a == b)
        .map(|run| tie_term(run.len() as u64))
        .sum()
}

/// The second half of a life's values, which Theil–Sen looks at.
fn second_half(values: &[i64]) -> &[i64] {
    &values[(values.len().saturating_sub(1)) / 2..]
}

/// Where one snapshot of a life whose counts [`recount`] moves stands: in
/// the life (and its second half) before, or now, or both.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Place {
    pub(crate) was: bool,
    pub(crate) was_in_half: bool,
    pub(crate) is: bool,
    pub(crate) is_in_half: bool,
}

/// The moves [`recount`] makes, the same for every series of a ranking:
/// made once from the [`Place`]s of its snapshots, so each series costs
/// a pass per move and nothing more.
#[derive(Debug)]
pub(crate) struct Moves {
    /// How many snapshots either life has.
    len: usize,
    steps: Vec<Step>,
    /// Some step moves the whole life (they need the values' levels).
    whole: bool,
}

/// One snapshot taken out of a life or put in (or of its second half),
/// with who is in (1) and out (0) just before.
#[derive(Debug)]
struct Step {
    at: usize,
    out: bool,
    /// The whole life, else its second half.
    whole: bool,
    inside: Vec<u64>,
}

impl Moves {
    /// The moves from the snapshots that `was` (and `was_in_half`) to those
    /// that `is`: out of the whole life, then in, then out of the second
    /// half, then in.
    pub(crate) fn new(places: &[Place]) -> Moves {
        let mut steps = Vec::new();
        for whole in [true, false] {
            let was_is = |p: &Place| {
                if whole {
                    (p.was, p.is)
                } else {
                    (p.was_in_half, p.is_in_half)
                }
            };
            let mut inside: Vec<u64> = places.iter().map(|p| u64::from(was_is(p).0)).collect();
            for out in [true, false] {
                for (at, p) in places.iter().enumerate() {
                    let (was, is) = was_is(p);
                    if was == out && is != out {
                        steps.push(Step {
                            at,
                            out,
                            whole,
                            inside: inside.clone(),
                        });
                        inside[at] = u64::from(!out);
                    }
                }
            }
        }
        Moves {
            len: places.len(),
            whole: steps.iter().any(|s| s.whole),
            steps,
        }
    }
}

/// What [`recount`] works in, kept by the caller from one series to the
/// next: the values as `f64` ([`direction`] compares them so) and their
/// [`level`]s.
#[derive(Debug, Default)]
pub(crate) struct RecountScratch {
    xs: Vec<f64>,
    levels: Vec<i64>,
}

/// The counts of a life from those (`before`) of the snapshots that were
/// in it, for those that are ([`Moves`]; `values`: of every snapshot of
/// either, in order): the snapshots that went are taken out one by one,
/// then those that came put in, each against the others. `None` when
/// `before` cannot be the counts of the snapshots that were (they went
/// negative), which cannot happen with consistent input, or the values
/// are not one a snapshot.
pub(crate) fn recount(
    before: LifeCounts,
    moves: &Moves,
    values: &[i64],
    tie: f64,
    scratch: &mut RecountScratch,
) -> Option<LifeCounts> {
    if values.len() != moves.len {
        return None;
    }
    let RecountScratch { xs, levels } = scratch;
    xs.clear();
    xs.extend(values.iter().map(|&v| v as f64));
    levels.clear();
    if moves.whole {
        let at = Levels::new(tie);
        levels.extend(values.iter().map(|&v| at.of(v)));
    }
    let mut c = before;
    for step in &moves.steps {
        if step.whole {
            let (r, f, same) = against(xs, levels, &step.inside, step.at, tie);
            let tied = tie_term(same + 1) - tie_term(same);
            if step.out {
                c.rising = c.rising.checked_sub(r)?;
                c.falling = c.falling.checked_sub(f)?;
                c.tied = c.tied.checked_sub(tied)?;
            } else {
                c.rising += r;
                c.falling += f;
                c.tied += tied;
            }
        } else {
            let rising = rising_against(xs, &step.inside, step.at, tie);
            if step.out {
                c.half_rising = c.half_rising.checked_sub(rising)?;
            } else {
                c.half_rising += rising;
            }
        }
    }
    Some(c)
}

/// How the value at `at` moves against the others `inside` says are in
/// (1): the pairs that rise and that fall ([`direction`], the earlier of
/// the pair first), and how many are at its level. Over arrays and
/// without branches: a watch runs it over every site's series at each
/// arrival.
fn against(xs: &[f64], levels: &[i64], inside: &[u64], at: usize, tie: f64) -> (u64, u64, u64) {
    let (Some(&v), Some(&level)) = (xs.get(at), levels.get(at)) else {
        return (0, 0, 0);
    };
    let (mut rising, mut falling, mut same) = (0u64, 0u64, 0u64);
    let mut count = |d: f64, l: i64, is_in: u64| {
        rising += is_in & u64::from(d > tie);
        falling += is_in & u64::from(d < -tie);
        same += is_in & u64::from(l == level);
    };
    let n = xs.len().min(levels.len()).min(inside.len());
    for j in 0..at.min(n) {
        count(v - xs[j], levels[j], inside[j]);
    }
    for j in (at + 1).min(n)..n {
        count(xs[j] - v, levels[j], inside[j]);
    }
    (rising, falling, same)
}

/// The rising pairs of [`against`] alone (the second half's).
fn rising_against(xs: &[f64], inside: &[u64], at: usize, tie: f64) -> u64 {
    let Some(&v) = xs.get(at) else {
        return 0;
    };
    let n = xs.len().min(inside.len());
    let mut rising = 0u64;
    for j in 0..at.min(n) {
        rising += inside[j] & u64::from(v - xs[j] > tie);
    }
    for j in (at + 1).min(n)..n {
        rising += inside[j] & u64::from(xs[j] - v > tie);
    }
    rising
}

/// Theil–Sen: the median of the slopes between every pair of the second
/// half of a life's values (moves within the tie count as flat; of an even
/// number of slopes, the lower middle one) is above zero, `len` being how
/// many values the life has and `half_rising` how many pairs of its second
/// half rise ([`LifeCounts::half_rising`]).
///
/// A slope is above zero exactly when its pair rises by more than the tie
/// ([`direction`] 1), so the lower median is above zero when the pairs
/// that do not rise are at most the lower middle position: counted, not
/// sorted.
fn still_growing(len: usize, half_rising: u64) -> bool {
    let half = (len - len.saturating_sub(1) / 2) as u64;
    let pairs = half * half.saturating_sub(1) / 2;
    if pairs == 0 {
        return false;
    }
    pairs.saturating_sub(half_rising) <= (pairs - 1) / 2
}

/// Values this small, and ties this small, are exact as `f64`, and so is
/// the difference of two of them: [`direction`] then compares integers.
const EXACT_IN_F64: i64 = 1 << 51;

/// How many pairs `i < j` of `values` rise by more than `tie` and how many
/// fall by more than it ([`direction`] 1 and −1): with hundreds of
/// snapshots, most of a ranking's work. Sorted and counted (O(n log n))
/// where [`direction`]'s `f64` arithmetic is exact, which it is for any
/// heap or goroutine count below 2^51, and pair by pair otherwise.
fn pair_moves(values: &[i64], tie: f64) -> (usize, usize) {
    let exact = tie.is_finite()
        && (0.0..EXACT_IN_F64 as f64).contains(&tie)
        && values
            .iter()
            .all(|v| v.unsigned_abs() < EXACT_IN_F64 as u64);
    if !exact || values.len() < 32 {
        return pair_moves_by_pairs(values, tie);
    }
    // The difference d of two values is an exact integer, so d > tie
    // exactly when d > ⌊tie⌋, and d < −tie when −d > ⌊tie⌋.
    let tie = tie.floor() as i64;
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    // A Fenwick tree over the distinct values: how many of those seen so
    // far are at most each.
    let mut tree = vec![0usize; sorted.len() + 1];
    let below = |tree: &[usize], mut at: usize| {
        let mut n = 0;
        while at > 0 {
            n += tree[at];
            at &= at - 1;
        }
        n
    };
    let (mut rising, mut falling) = (0, 0);
    for (seen, &v) in values.iter().enumerate() {
        // Earlier values below v − tie rise to v; above v + tie fall to it.
        rising += below(&tree, sorted.partition_point(|&u| u < v - tie));
        falling += seen - below(&tree, sorted.partition_point(|&u| u <= v + tie));
        let mut at = sorted.partition_point(|&u| u < v) + 1;
        while at < tree.len() {
            tree[at] += 1;
            at += at & at.wrapping_neg();
        }
    }
    (rising, falling)
}

/// [`pair_moves`] pair by pair, in a loop the compiler can vectorize.
fn pair_moves_by_pairs(values: &[i64], tie: f64) -> (usize, usize) {
    let (mut few, mut many) = ([0f64; 32], Vec::new());
    let as_f64 = map_values(values, &mut few, &mut many, |v| v as f64);
    let (mut rising, mut falling) = (0, 0);
    for (i, &a) in as_f64.iter().enumerate() {
        for &b in &as_f64[i + 1..] {
            let d = b - a;
            rising += usize::from(d > tie);
            falling += usize::from(d < -tie);
        }
    }
    (rising, falling)
}

/// The standard normal distribution function (Abramowitz and Stegun
/// 7.1.26, error below 1.5e-7: plenty for a confidence shown in percent).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Judges one site's series against `basis` (see the module documentation).
pub fn judge(values: &[i64], basis: &Basis<'_>) -> Growth {
    judge_counted(values, basis, None)
}

/// [`judge`], with the counts of the last life when they are known
/// ([`LifeCounts`]: a watch keeps them from one ranking to the next).
pub(crate) fn judge_counted(
    values: &[i64],
    basis: &Basis<'_>,
    last_life: Option<LifeCounts>,
) -> Growth {
    let whole = 0..values.len();
    let lives: &[Range<usize>] = if basis.lives.is_empty() {
        std::slice::from_ref(&whole)
    } else {
        basis.lives
    };
    let tie = basis.floor / 2.0;
    let mut total = LifeStats::default();
    let mut continuing = true;
    let longest = lives.iter().map(|l| l.len()).max().unwrap_or(0);
    for (i, life) in lives.iter().enumerate() {
        let Some(part) = values.get(life.clone()) else {
            continue;
        };
        if part.len() < 2 {
            continue;
        }
        let minutes = basis.minutes.and_then(|m| m.get(life.clone()));
        let counts = match last_life {
            Some(counts) if i + 1 == lives.len() => counts,
            _ => LifeCounts::of(part, tie),
        };
        let st = life_stats(part, minutes, tie, &counts);
        // Each life long enough to tell must still grow; with none of three
        // snapshots, the longest.
        if (part.len() >= 3 || part.len() == longest)
            && !still_growing(part.len(), counts.half_rising)
        {
            continuing = false;
        }
        total.net = total.net.wrapping_add(st.net);
        total.up += st.up;
        total.down += st.down;
        total.rises += st.rises;
        total.s += st.s;
        total.variance += st.variance;
        total.pairs += st.pairs;
        total.sxx += st.sxx;
        total.sxy += st.sxy;
        total.sxx_minutes += st.sxx_minutes;
        total.sxy_minutes += st.sxy_minutes;
    }
    let net = total.net;
    let steadiness = if total.up + total.down > 0.0 {
        (total.up - total.down) / (total.up + total.down)
    } else {
        0.0
    };
    let share = if net > 0 {
        (net as f64 / basis.last_total.unsigned_abs().max(1) as f64).min(1.0)
    } else {
        0.0
    };
    let tau = if total.pairs > 0.0 {
        total.s / total.pairs
    } else {
        0.0
    };
    let confidence = if total.s > 0.0 && total.variance > 0.0 {
        // No continuity correction: with two snapshots it would make any
        // growth 0% sure, where one interval is some evidence.
        let z = total.s / total.variance.sqrt();
        (2.0 * normal_cdf(z) - 1.0).max(0.0)
    } else {
        0.0
    };
    let score = if net > 0 {
        100.0 * share * steadiness.max(0.0) * tau.max(0.0)
    } else {
        0.0
    };
    let per_minute = basis
        .minutes
        .and_then(|_| (total.sxx_minutes != 0.0).then(|| total.sxy_minutes / total.sxx_minutes));
    let continuing = continuing && total.pairs > 0.0;
    Growth {
        net,
        per_snapshot: if total.sxx != 0.0 {
            total.sxy / total.sxx
        } else {
            0.0
        },
        per_minute,
        monotonic: net > 0 && total.down == 0.0,
        rises: total.rises,
        steadiness,
        share,
        tau,
        confidence,
        continuing,
        score,
        suspect: net > 0
            && net as f64 >= MIN_FLOORS * basis.floor
            && share >= MIN_SHARE
            && steadiness >= MIN_STEADINESS
            && tau > MIN_TAU
            && continuing,
    }
}

/// What is known of one snapshot besides its sites: enough to tell one
/// process from the next (see [`lives`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SnapshotFacts {
    /// Totals of `alloc_objects` and `alloc_space`, which only grow within
    /// a process.
    pub allocated: Option<(i64, i64)>,
    /// The runtime's `NumGC`, `TotalAlloc` and `Mallocs` (MemStats), which
    /// only grow within a process.
    pub counters: Option<[u64; 3]>,
    /// A goroutine profile's goroutine count.
    pub goroutines: Option<i64>,
}

/// Where a new process took over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restart {
    /// The first snapshot (position, oldest first) of the new process.
    pub at: usize,
    /// What showed it, e.g. `NumGC fell from 14 to 0`.
    pub why: String,
}

impl Restart {
    /// What a report says about it: `restart: poll-15.txt (snapshot 15) is
    /// a new process (NumGC fell from 14 to 0); growth is judged within each
    /// process`. `names`: the snapshots' names, oldest first.
    pub fn describe<S: AsRef<str>>(&self, names: &[S]) -> String {
        format!(
            "restart: {} (snapshot {}) is a new process ({}); growth is judged within each process",
            names.get(self.at).map_or("?", AsRef::as_ref),
            self.at + 1,
            self.why
        )
    }
}

/// A goroutine count that falls to a quarter or less, from at least this
/// many, is a restart.
pub const GOROUTINE_COLLAPSE_FROM: i64 = 16;

/// Where a new process started in a series of snapshots (oldest first): a
/// snapshot whose runtime counters (`NumGC`, `TotalAlloc`, `Mallocs`) fell,
/// whose allocated totals fell by more than 1% (they are sampled estimates,
/// which move a little within a process), or whose goroutine count fell to
/// a quarter or less of at least [`GOROUTINE_COLLAPSE_FROM`].
pub fn lives(facts: &[SnapshotFacts]) -> Vec<Restart> {
    const COUNTERS: [&str; 3] = ["NumGC", "TotalAlloc", "Mallocs"];
    let mut restarts = Vec::new();
    for (at, w) in facts.windows(2).enumerate() {
        let (before, now) = (&w[0], &w[1]);
        let mut why = None;
        if let (Some(b), Some(n)) = (before.counters, now.counters) {
            why = (0..3)
                .find(|&k| n[k] < b[k])
                .map(|k| format!("{} fell from {} to {}", COUNTERS[k], b[k], n[k]));
        }
        if why.is_none()
            && let (Some(b), Some(n)) = (before.allocated, now.allocated)
        {
            let fell = |b: i64, n: i64| (n as f64) < 0.99 * b as f64;
            if fell(b.1, n.1) || fell(b.0, n.0) {
                why = Some("the allocated totals fell".to_owned());
            }
        }
        if why.is_none()
            && let (Some(b), Some(n)) = (before.goroutines, now.goroutines)
            && b >= GOROUTINE_COLLAPSE_FROM
            && n.saturating_mul(4) <= b
        {
            why = Some(format!("goroutines fell from {b} to {n}"));
        }
        if let Some(why) = why {
            restarts.push(Restart { at: at + 1, why });
        }
    }
    restarts
}

/// The lives of `count` snapshots split at `restarts`.
pub fn life_ranges(count: usize, restarts: &[Restart]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for r in restarts {
        if r.at > start && r.at < count {
            ranges.push(start..r.at);
            start = r.at;
        }
    }
    ranges.push(start..count);
    ranges
}

/// Leak suspects across snapshots.
#[derive(Debug, Clone)]
pub struct Trend {
    pub sample_type: ValueType,
    /// Each snapshot's total (all samples, before filters), oldest first.
    pub totals: Vec<i64>,
    /// Suspects first, then by score.
    pub rows: Vec<TrendRow>,
    /// Rows before `node_count` cut the list.
    pub site_total: usize,
    /// Suspects among all rows.
    pub suspects: usize,
    /// Every suspect (not only the rows kept) over the limit, largest growth
    /// first.
    pub over_limit: Vec<Breach>,
    /// Where a new process started (see [`lives`]).
    pub restarts: Vec<Restart>,
    /// What one sample stands for, in the sample type's unit (0: exact).
    pub floor: f64,
}

/// Ranks every site of the snapshots (a lineup of snapshots, see
/// [`Lineup::snapshots`]). `minutes`: each snapshot's time in minutes since
/// the first, when known; `restarts`: where a new process started (see
/// [`lives`]).
pub fn trend(
    snapshots: &Lineup,
    minutes: Option<&[f64]>,
    restarts: &[Restart],
    options: &TrendOptions,
) -> Result<Trend, MergeError> {
    let totals = snapshots.totals(options.sample_index);
    let sample_type = snapshots.profile().sample_types[options.sample_index].clone();
    let floor = noise_floor(snapshots, options.sample_index);
    let lives = life_ranges(totals.len(), restarts);
    let profile = snapshots.profile();
    snapshots.rank_sites(
        options.sample_index,
        options.granularity,
        &options.filters,
        // Bare names: no suffixes in the walk, none resolved after it.
        if options.bare_names {
            SuffixesInWalk::Never
        } else {
            SuffixesInWalk::keeping(options.node_count)
        },
        |sites, source| {
            let context = Context {
                minutes,
                restarts,
                lives: &lives,
                floor,
                turnover: turnovers(source, profile, minutes, &lives, options.by),
                last_life: Vec::new(),
            };
            rank(
                sites,
                totals,
                sample_type,
                &context,
                options,
                |shown, flat_sum| {
                    if !options.bare_names {
                        source.inline_suffixes(flat_sum, shown);
                    }
                },
            )
        },
    )
}

/// What one sample of type `sample_index` stands for in the snapshots: the
/// heap profile's period for bytes, the period over the newest snapshot's
/// mean object size for object counts; 0 for profiles that record every
/// event (period 1, goroutines, CPU and others).
pub fn noise_floor(snapshots: &Lineup, sample_index: usize) -> f64 {
    let profile = snapshots.profile();
    sampling_floor(
        profile.period,
        profile.period_type.as_ref(),
        &profile.sample_types,
        sample_index,
        |index| snapshots.totals(index).last().copied().unwrap_or(0),
    )
}

/// [`noise_floor`] from what it reads: the profile's `period` and
/// `period_type`, its sample types, and `newest(i)`, the newest
/// snapshot's total of sample type `i`. The one rule, for profiles lined
/// up and for a watch's reduced snapshots.
pub(crate) fn sampling_floor(
    period: i64,
    period_type: Option<&ValueType>,
    sample_types: &[ValueType],
    sample_index: usize,
    newest: impl Fn(usize) -> i64,
) -> f64 {
    let sampled_bytes = period_type.is_some_and(|t| t.unit == "bytes");
    if !sampled_bytes || period <= 1 {
        return 0.0;
    }
    let period = period as f64;
    let Some(kind) = sample_types.get(sample_index) else {
        return 0.0;
    };
    if kind.unit == "bytes" {
        return period;
    }
    let space = match kind.name.strip_suffix("objects") {
        Some(stem) => format!("{stem}space"),
        None => return 0.0,
    };
    let Some(space) = sample_types.iter().position(|t| t.name == space) else {
        return 0.0;
    };
    let (objects, bytes) = (newest(sample_index), newest(space));
    if objects <= 0 || bytes <= 0 {
        return 0.0;
    }
    period / (bytes as f64 / objects as f64)
}

/// Each site's allocation rate and mean age (by row name), from the first
/// and last snapshot of the newest life whose times differ, summed again
/// over the views the ranking built; empty without time stamps, without
/// the `alloc_*` types, or when the snapshots had to be combined.
fn turnovers(
    source: &SiteSource<'_>,
    profile: &crate::profile::Profile,
    minutes: Option<&[f64]>,
    lives: &[Range<usize>],
    by: SortBy,
) -> HashMap<String, Turnover> {
    let mut table = HashMap::default();
    let (Some(minutes), SiteSource::Joined(joined)) = (minutes, source) else {
        return table;
    };
    let Some((a, b)) = lives
        .iter()
        .rev()
        .filter(|l| l.len() >= 2)
        .map(|l| (l.start, l.end - 1))
        .find(|&(a, b)| minutes.get(b) > minutes.get(a))
    else {
        return table;
    };
    let index = |name: &str| profile.sample_types.iter().position(|t| t.name == name);
    let (Some(alloc_objects), Some(alloc_space), Some(inuse_objects)) = (
        index("alloc_objects"),
        index("alloc_space"),
        index("inuse_objects"),
    ) else {
        return table;
    };
    let seconds = (minutes[b] - minutes[a]) * 60.0;
    let followed = |side: usize, index: usize| {
        let (flat, cum) = joined.values_of(side, index);
        match by {
            SortBy::Flat => flat,
            SortBy::Cum => cum,
        }
    };
    let objects = [followed(a, alloc_objects), followed(b, alloc_objects)];
    let bytes = [followed(a, alloc_space), followed(b, alloc_space)];
    let inuse = followed(b, inuse_objects);
    let rate = |from: i64, to: i64| (to as f64 - from as f64).max(0.0) / seconds;
    for (j, name) in joined.names().into_iter().enumerate() {
        if objects[1][j] == 0 && bytes[1][j] == 0 && inuse[j] == 0 {
            continue;
        }
        let objects_per_second = rate(objects[0][j], objects[1][j]);
        table.insert(
            name,
            Turnover {
                bytes_per_second: rate(bytes[0][j], bytes[1][j]),
                objects_per_second,
                mean_age_seconds: (objects_per_second > 0.0)
                    .then(|| inuse[j].max(0) as f64 / objects_per_second),
            },
        );
    }
    table
}

/// What a ranking judges the series against.
pub(crate) struct Context<'a> {
    pub(crate) minutes: Option<&'a [f64]>,
    pub(crate) restarts: &'a [Restart],
    pub(crate) lives: &'a [Range<usize>],
    pub(crate) floor: f64,
    pub(crate) turnover: HashMap<String, Turnover>,
    /// The counts of each site's last life, in the order of the sites,
    /// when known (a watch's, see [`LifeCounts`]); else empty.
    pub(crate) last_life: Vec<LifeCounts>,
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
    context: &Context<'_>,
    options: &TrendOptions,
    resolve_suffixes: impl FnOnce(Vec<(NodeId, &mut Inlined)>, i64),
) -> Trend {
    let basis = Basis {
        minutes: context.minutes,
        lives: context.lives,
        floor: context.floor,
        last_total: totals.last().copied().unwrap_or(0),
    };
    let inlining_resolved = sites.inlining_resolved;
    let all = sites.series;
    let flat_sum = all
        .iter()
        .flat_map(|s| s.flat.iter())
        .fold(0i64, |a, &b| a.wrapping_add(b));
    let mut rows: Vec<TrendRow> = all
        .into_iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let values = match options.by {
                SortBy::Flat => &s.flat,
                SortBy::Cum => &s.cum,
            };
            // A site whose followed value is zero throughout (a caller, when
            // following flat) has nothing to show.
            if values.iter().all(|&v| v == 0) {
                return None;
            }
            let profiler = is_profiler_site(&s.name);
            let mut growth = judge_counted(values, &basis, context.last_life.get(i).copied());
            growth.suspect &= options.profiler || !profiler;
            Some(TrendRow {
                node: s.node,
                turnover: context.turnover.get(&s.name).copied(),
                name: s.name,
                inlined: s.inlined,
                stack: s.stack,
                growth,
                flat: s.flat,
                cum: s.cum,
                by: options.by,
                profiler,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.growth
            .suspect
            .cmp(&a.growth.suspect)
            .then_with(|| b.growth.score.total_cmp(&a.growth.score))
            .then_with(|| b.growth.net.cmp(&a.growth.net))
            .then_with(|| a.name.cmp(&b.name))
    });
    let site_total = rows.len();
    let suspects = rows.iter().filter(|r| r.growth.suspect).count();
    let first_total = totals.first().copied().unwrap_or(0);
    let over = |r: &TrendRow| {
        let limit = options.limit.as_ref()?;
        (r.growth.suspect && limit.is_exceeded(r.growth.net, first_total)).then_some(r.growth.net)
    };
    let kept = resolve_kept(
        &mut rows,
        options.node_count,
        inlining_resolved,
        |r| over(r).is_some(),
        |r| Some((r.node?, &mut r.inlined)),
        |shown| resolve_suffixes(shown, flat_sum),
    );
    let over_limit = Breach::worst_first(&rows, over, |r| (&r.name, r.inlined));
    rows.truncate(kept);
    Trend {
        sample_type,
        totals,
        rows,
        site_total,
        suspects,
        over_limit,
        restarts: context.restarts.to_vec(),
        floor: context.floor,
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

    /// A series judged with a noise floor of 100 and one life.
    fn sampled(values: &[i64]) -> Growth {
        judge(
            values,
            &Basis {
                minutes: None,
                lives: &[],
                floor: 100.0,
                last_total: 1000,
            },
        )
    }

    #[test]
    fn a_sampled_staircase_is_a_suspect_and_a_filled_cache_is_not() {
        // Flat for several snapshots at a time, never falling.
        let stairs = [
            0, 0, 0, 100, 100, 100, 100, 200, 200, 300, 300, 300, 400, 400, 500,
        ];
        let g = sampled(&stairs);
        assert!(g.rises * 2 < stairs.len() - 1, "the old rule's miss");
        assert!(g.monotonic && g.continuing && g.tau > MIN_TAU, "{g:?}");
        assert!(g.suspect);
        assert!(g.confidence > 0.99);
        // Filled, then flat: the second half does not grow.
        let cache = [0, 300, 500, 500, 500, 500, 500, 500, 500, 500];
        let g = sampled(&cache);
        assert!(!g.continuing && !g.suspect, "{g:?}");
        // Flushed now and then: a sawtooth.
        let flushed = [0, 100, 200, 300, 0, 100, 200, 300, 0, 100, 200, 300, 0, 100];
        assert!(!sampled(&flushed).suspect);
        // Moves below half the floor are none: jitter of an unchanged site.
        let jitter = [500, 520, 490, 515, 505, 510, 495, 512];
        let g = sampled(&jitter);
        assert_eq!((g.rises, g.tau, g.confidence), (0, 0.0, 0.0));
        assert!(!g.suspect);
        // Growth of less than two samples is not enough.
        assert!(!sampled(&[0, 0, 100, 100, 150]).suspect);
    }

    #[test]
    fn growth_is_judged_within_each_life() {
        let values = [0, 100, 200, 300, 10, 110, 210];
        let lives = life_ranges(
            values.len(),
            &[Restart {
                at: 4,
                why: String::new(),
            }],
        );
        assert_eq!(lives, [0..4, 4..7]);
        let basis = Basis {
            minutes: None,
            lives: &lives,
            floor: 0.0,
            last_total: 1000,
        };
        let g = judge(&values, &basis);
        assert_eq!(g.net, 300 + 200);
        assert!(g.monotonic && g.suspect, "{g:?}");
        assert_eq!(g.per_snapshot, 100.0);
        // Grew in the first life only: the second, flat, stops it.
        let g = judge(&[0, 100, 200, 300, 50, 50, 50], &basis);
        assert!(!g.suspect, "{g:?}");
    }

    #[test]
    fn restarts_are_told_by_falling_counters_and_collapsing_goroutines() {
        let heap = |gc: u64, alloc: i64| SnapshotFacts {
            allocated: Some((alloc, alloc * 10)),
            counters: Some([gc, 1000 * gc, 10 * gc]),
            goroutines: None,
        };
        let r = lives(&[heap(3, 100), heap(5, 200), heap(0, 50), heap(2, 80)]);
        assert_eq!(
            r,
            [Restart {
                at: 2,
                why: "NumGC fell from 5 to 0".to_owned()
            }]
        );
        // Without MemStats, the allocated totals; a 1% wobble is not a fall.
        let proto = |alloc: i64| SnapshotFacts {
            allocated: Some((alloc, alloc)),
            ..SnapshotFacts::default()
        };
        assert!(lives(&[proto(1000), proto(995), proto(2000)]).is_empty());
        assert_eq!(
            lives(&[proto(1000), proto(10)])[0].why,
            "the allocated totals fell"
        );
        let goroutines = |n: i64| SnapshotFacts {
            goroutines: Some(n),
            ..SnapshotFacts::default()
        };
        let r = lives(&[goroutines(96), goroutines(13), goroutines(20)]);
        assert_eq!(r[0].why, "goroutines fell from 96 to 13");
        // Fewer goroutines, but no collapse (or too few to tell).
        assert!(
            lives(&[
                goroutines(96),
                goroutines(40),
                goroutines(12),
                goroutines(2)
            ])
            .is_empty()
        );
    }

    /// Pseudo-random numbers below the bound asked, from `seed`.
    fn numbers(mut seed: u64) -> impl FnMut(u64) -> u64 {
        move |below| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % below
        }
    }

    #[test]
    fn counted_statistics_match_their_pairwise_definitions() {
        // The sorted Theil–Sen median and the pair-by-pair Mann–Kendall S
        // the counting replaced, on series of every shape.
        let mut next = numbers(7);
        for case in 0..400 {
            let n = 2 + next(120) as usize;
            let step = [1, 10, 1000, 1 << 50, i64::MAX / 512][case % 5];
            let values: Vec<i64> = (0..n)
                .map(|i| (i as i64 * next(3) as i64 - next(5) as i64).saturating_mul(step))
                .collect();
            for tie in [0.0, 0.5, 5.0, 1500.0] {
                let half = &values[(values.len() - 1) / 2..];
                let mut slopes = Vec::new();
                for i in 0..half.len() {
                    for j in i + 1..half.len() {
                        let d = match direction(half[i], half[j], tie) {
                            0 => 0.0,
                            _ => half[j] as f64 - half[i] as f64,
                        };
                        slopes.push(d / (j - i) as f64);
                    }
                }
                slopes.sort_by(f64::total_cmp);
                let sorted = !slopes.is_empty() && slopes[(slopes.len() - 1) / 2] > 0.0;
                let counts = LifeCounts::of(&values, tie);
                assert_eq!(
                    still_growing(values.len(), counts.half_rising),
                    sorted,
                    "{values:?} {tie}"
                );
                let mut s = 0.0;
                for i in 0..n {
                    for j in i + 1..n {
                        s += f64::from(direction(values[i], values[j], tie));
                    }
                }
                assert_eq!(
                    life_stats(&values, None, tie, &counts).s,
                    s,
                    "{values:?} {tie}"
                );
            }
        }
    }

    #[test]
    fn short_lives_count_as_long_ones() {
        let mut next = numbers(3);
        for case in 0..3000 {
            let n = next(SHORT_LIFE as u64 + 1) as usize;
            let step = [1, 100, 1 << 40][case % 3];
            let values: Vec<i64> = (0..n)
                .map(|i| (i as i64 * next(3) as i64 - next(4) as i64) * step)
                .collect();
            let tie = [0.0, 0.5 * step as f64, 150.0 * step as f64][case / 3 % 3];
            let (rising, falling) = pair_moves(&values, tie);
            let general = LifeCounts {
                rising: rising as u64,
                falling: falling as u64,
                tied: tied(&values, tie),
                half_rising: pair_moves(second_half(&values), tie).0 as u64,
            };
            assert_eq!(
                LifeCounts::of_short(&values, tie),
                general,
                "{values:?} {tie}"
            );
        }
    }

    #[test]
    fn levels_round_as_the_c_library_does() {
        let mut next = numbers(5);
        let edges = [
            0.5,
            -0.5,
            1.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
        ];
        let huge = [
            4_503_599_627_370_495.5,
            9.3e18,
            -9.3e18,
            f64::INFINITY,
            f64::NAN,
        ];
        for x in edges.into_iter().chain(huge) {
            assert_eq!(round_to_i64(x), x.round() as i64, "{x}");
        }
        for _ in 0..20_000 {
            let value = next(1 << 62) as i64 - (1 << 61);
            let tie = [0.25, 0.5, 3.0, 1000.5, 262_144.0, 0.1, 7.3e-3, 48_611.7][next(8) as usize];
            for v in [value, value % 100_000] {
                let x = v as f64 / (2.0 * tie);
                assert_eq!(level(v, tie), x.round() as i64, "{v} {tie}");
                assert_eq!(Levels::new(tie).of(v), level(v, tie), "{v} {tie}");
            }
            // Values on a half step and a unit either side: where the
            // product and the quotient could round apart.
            let k = (value % 1_000_000) as f64;
            let half = ((k + 0.5) * 2.0 * tie) as i64;
            for v in [half - 1, half, half + 1] {
                assert_eq!(Levels::new(tie).of(v), level(v, tie), "{v} {tie}");
            }
        }
    }

    #[test]
    fn recounted_pairs_equal_pairs_counted_afresh() {
        // Two lives drawn from one run of values (which snapshots were
        // compared then and now): the counts of the first, moved by the
        // snapshots that went and came, are the counts of the second.
        let mut next = numbers(11);
        // One scratch for every case, as a watch keeps one for every site.
        let mut scratch = RecountScratch::default();
        for case in 0..600 {
            let n = 1 + next(90) as usize;
            let step = [1, 100, 1 << 40][case % 3];
            let values: Vec<i64> = (0..n)
                .map(|i| (i as i64 * next(3) as i64 - next(4) as i64) * step)
                .collect();
            let tie = [0.0, 0.5 * step as f64, 150.0 * step as f64][case % 4 % 3];
            // Mostly the same snapshots: a few go, a few come.
            let was: Vec<bool> = (0..n).map(|_| next(8) != 0).collect();
            let is: Vec<bool> = (0..n)
                .map(|i| if next(6) == 0 { !was[i] } else { was[i] })
                .collect();
            let pick = |set: &[bool]| -> Vec<i64> {
                values
                    .iter()
                    .zip(set)
                    .filter(|(_, s)| **s)
                    .map(|(v, _)| *v)
                    .collect()
            };
            let (before, after) = (pick(&was), pick(&is));
            let in_half = |set: &[bool]| -> Vec<bool> {
                let from = set.iter().filter(|s| **s).count().saturating_sub(1) / 2;
                let mut k = 0;
                set.iter()
                    .map(|&s| {
                        k += usize::from(s);
                        s && k > from
                    })
                    .collect()
            };
            let (was_half, is_half) = (in_half(&was), in_half(&is));
            let places: Vec<Place> = (0..n)
                .map(|i| Place {
                    was: was[i],
                    was_in_half: was_half[i],
                    is: is[i],
                    is_in_half: is_half[i],
                })
                .collect();
            let moved = recount(
                LifeCounts::of(&before, tie),
                &Moves::new(&places),
                &values,
                tie,
                &mut scratch,
            );
            assert_eq!(
                moved,
                Some(LifeCounts::of(&after, tie)),
                "{values:?} {was:?} {is:?} {tie}"
            );
        }
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
