//! A watch's snapshots, each reduced once, on arrival, to what a trend
//! ranks: every site's flat and cum at one sample type, granularity and
//! set of filters, its call edges into inlined functions (for pprof's
//! inline suffixes), and the snapshot's facts (time, the total of every
//! sample type, MemStats). The full profile can then go.
//!
//! [`reduce`] is the per-snapshot work, pure and on any thread; a
//! [`SiteSeries`] joins reduced snapshots by what their sites are (the
//! [`NodeInfo`] pprof keys graph nodes by, or a whole stack of them), as
//! [`Joined`](super::joined::Joined) joins profiles kept apart, and keeps
//! the newest `keep`. [`SiteSeries::rank`] hands the joined series to the
//! same [`rank`] file-based `trend` uses, so a watch ranks its snapshots
//! exactly as `trend` ranks the same files. Two approximations, both of
//! pprof's inline suffixes (` (inline)`) only, never of a number: a
//! function's incoming edges are tracked only in snapshots that show it
//! inlined somewhere, and once snapshots were dropped an edge's weight
//! (which decides whether pprof trims it) is its total scaled to the kept
//! ones: edges per snapshot would cost more memory than the sites.
//!
//! Ranking reads only the series: an arrival costs one profile's walk and
//! a pass over the kept sums, not a walk per snapshot kept. A long watch
//! compares a thinning of its snapshots ([`thinning_stride`]: all of them
//! up to [`MAX_COMPARED`](trend::MAX_COMPARED), then every 2nd, 4th, …
//! and the newest), and only those keep their sums: a ranking's cost and
//! the series' memory stay bounded however long the watch runs.

use std::collections::VecDeque;

use foldhash::HashMap;

use super::SortBy;
use super::aggregate::{EdgeTotal, Groups, Sums, edge_cutoff, inline_kinds};
use super::filter::Filters;
use super::limit::GrowthLimit;
use super::runtime::{HeapGap, RuntimePoint, heap_gap, runtime_point, snapshot_facts};
use super::sites::{Series, SharedNames, Sites, StackSite, unique_labels};
use super::stacks::{Granularity, NodeId, NodeInfo, Stacks};
use super::study::{minutes_since_first, snapshot_order};
use super::trend::{
    self, Context, LifeCounts, Moves, Place, RecountScratch, Restart, Trend, TrendOptions,
    life_ranges, lives, rank, recount, sampling_floor, thinning_stride,
};
use crate::profile::{MemStats, Profile, ValueType};

/// What a snapshot is reduced at: the sample type, granularity and filters
/// of the ranking (the sort can change without reducing again).
#[derive(Debug, Clone, Default)]
pub struct Reduction {
    /// Index into the snapshots' sample types (they must all have the same).
    pub sample_index: usize,
    pub granularity: Granularity,
    pub filters: Filters,
}

/// What a watch keeps of every snapshot for as long as it keeps its sites:
/// what `trend` reports of each, and what tells a restart of the service
/// (time, every sample type's total, MemStats).
#[derive(Debug, Clone)]
pub struct SnapshotFacts {
    /// How reports name it.
    pub name: String,
    /// Its `time_nanos`; 0 when it has none.
    pub time_nanos: i64,
    /// The total of each sample type (all samples, before filters), in the
    /// profile's order.
    pub totals: Vec<i64>,
    /// The runtime's MemStats, when the profile carried them.
    pub memstats: Option<Box<MemStats>>,
    /// Its `inuse_space` against `HeapInuse`, when it has both.
    pub heap_gap: Option<HeapGap>,
    /// What the runtime panel plots.
    pub runtime: RuntimePoint,
    /// What tells its process from the next ([`trend::lives`]).
    pub process: trend::SnapshotFacts,
    /// The profile's sampling period and its type, and whether it names a
    /// default sample type: what [`trend::noise_floor`] reads.
    pub period: i64,
    pub period_type: Option<ValueType>,
    pub names_default: bool,
}

impl SnapshotFacts {
    /// The facts of `profile`, named `name`.
    pub fn of(profile: &Profile, name: String) -> SnapshotFacts {
        let samples = profile.samples();
        let mut totals = vec![0i64; profile.sample_types.len()];
        for s in 0..samples.len() {
            for (t, total) in totals.iter_mut().enumerate() {
                *total = total.wrapping_add(samples.value(s, t));
            }
        }
        SnapshotFacts {
            name,
            time_nanos: profile.time_nanos,
            totals,
            memstats: profile.memstats.clone(),
            heap_gap: heap_gap(profile),
            runtime: runtime_point(profile),
            process: snapshot_facts(profile),
            period: profile.period,
            period_type: profile.period_type.clone(),
            names_default: profile
                .default_sample_type
                .as_ref()
                .is_some_and(|d| !d.is_empty()),
        }
    }
}

/// Why a snapshot could not be reduced or joined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeriesError {
    /// The work was superseded (see [`reduce`]'s `cancelled`).
    #[error("cancelled")]
    Cancelled,
    #[error("snapshot '{0}' has other sample types than the snapshots before it")]
    OtherTypes(String),
    #[error("snapshot '{name}' has no sample type {index}")]
    NoSampleType { name: String, index: usize },
}

/// One snapshot reduced: its facts and its sites' sums, with ids local to it.
#[derive(Debug, Clone)]
pub struct Reduced {
    pub facts: SnapshotFacts,
    sample_types: Vec<ValueType>,
    /// The nodes the sites and edges name, in the view's node order.
    nodes: Vec<NodeInfo>,
    /// At stacks granularity: each site's stack as indices into `nodes`,
    /// root first, in the order the samples first show them.
    stacks: Vec<Box<[u32]>>,
    /// (site, flat, cum): a site indexes `nodes`, or `stacks` at stacks
    /// granularity.
    sites: Vec<(u32, i64, i64)>,
    /// Call edges into inline-capable nodes, keyed `caller << 32 | callee`.
    edges: Vec<(u64, EdgeTotal)>,
}

/// Reduces `profile` (named `name`) at `how`: one walk over its samples.
/// `cancelled` is asked between the stages (the view, the walk); once it
/// says yes the work stops with [`SeriesError::Cancelled`].
pub fn reduce(
    profile: &Profile,
    name: String,
    how: &Reduction,
    cancelled: &dyn Fn() -> bool,
) -> Result<Reduced, SeriesError> {
    if how.sample_index >= profile.sample_types.len() {
        return Err(SeriesError::NoSampleType {
            name,
            index: how.sample_index,
        });
    }
    let stop = |cancelled: &dyn Fn() -> bool| {
        if cancelled() {
            Err(SeriesError::Cancelled)
        } else {
            Ok(())
        }
    };
    stop(cancelled)?;
    let facts = SnapshotFacts::of(profile, name);
    let stacks = Stacks::new(profile, how.granularity, &how.filters);
    stop(cancelled)?;
    let mut reduced = Reduced {
        facts,
        sample_types: profile.sample_types.clone(),
        nodes: Vec::new(),
        stacks: Vec::new(),
        sites: Vec::new(),
        edges: Vec::new(),
    };
    if how.granularity == Granularity::Stacks {
        reduce_stacks(&stacks, how.sample_index, &mut reduced);
    } else {
        reduce_nodes(&stacks, how.sample_index, &mut reduced);
    }
    stop(cancelled)?;
    Ok(reduced)
}

/// Node sites: flat and cum per node, and the call edges into nodes that
/// some location shows inlined (only those can get an inline suffix).
fn reduce_nodes(stacks: &Stacks<'_>, sample_index: usize, out: &mut Reduced) {
    let capable = stacks.inline_capable();
    let sums = Sums::walk(stacks, sample_index, Groups::ONE, capable);
    let edges: Vec<(NodeId, NodeId, EdgeTotal)> = sums.edges().collect();
    // Local ids for the nodes named, in the view's node order (the order
    // `Joined` meets them in, which breaks ties between equal names).
    let mut named = vec![false; stacks.nodes().len()];
    let sites: Vec<NodeId> = sums.nodes().collect();
    for &node in &sites {
        named[node.index()] = true;
    }
    for &(caller, callee, _) in &edges {
        named[caller.index()] = true;
        named[callee.index()] = true;
    }
    let mut local = vec![u32::MAX; named.len()];
    for (i, _) in named.iter().enumerate().filter(|(_, n)| **n) {
        local[i] = out.nodes.len() as u32;
        out.nodes.push(stacks.nodes()[i].clone());
    }
    out.sites = sites
        .into_iter()
        .map(|n| (local[n.index()], sums.flat(n)[0], sums.cum(n)[0]))
        .collect();
    out.edges = edges
        .into_iter()
        .map(|(caller, callee, e)| {
            let key = u64::from(local[caller.index()]) << 32 | u64::from(local[callee.index()]);
            (key, e)
        })
        .collect();
}

/// Whole-stack sites: the value of every distinct stack, as
/// [`series`](super::sites::series) sums them.
fn reduce_stacks(stacks: &Stacks<'_>, sample_index: usize, out: &mut Reduced) {
    let samples = stacks.profile().samples();
    let mut local = vec![u32::MAX; stacks.nodes().len()];
    let mut index: HashMap<Box<[u32]>, usize> = HashMap::default();
    let mut values: Vec<i64> = Vec::new();
    let mut key: Vec<u32> = Vec::with_capacity(64);
    let mut scratch = Vec::with_capacity(64);
    let nodes = &mut out.nodes;
    let keys = &mut out.stacks;
    stacks.for_each_stack(0..samples.len(), |s, stack| {
        let value = samples.value(s, sample_index);
        if value == 0 {
            return;
        }
        key.clear();
        stack.visit_root_first(&mut scratch, |f| {
            let slot = &mut local[f.node.index()];
            if *slot == u32::MAX {
                *slot = nodes.len() as u32;
                nodes.push(stacks.node(f.node).clone());
            }
            key.push(*slot);
        });
        let row = *index.entry(key.as_slice().into()).or_insert_with(|| {
            keys.push(key.as_slice().into());
            values.push(0);
            values.len() - 1
        });
        values[row] = values[row].wrapping_add(value);
    });
    out.sites = values
        .into_iter()
        .enumerate()
        .filter(|&(_, v)| v != 0)
        .map(|(row, v)| (row as u32, v, v))
        .collect();
}

/// One kept snapshot: its facts and its sites by the series' ids. Cum is
/// kept for every site, flat only where it is not zero (most sites of a
/// heap profile are callers, with no flat value).
#[derive(Debug)]
struct Kept {
    /// Its number among the snapshots taken in, from 0.
    seq: u64,
    facts: SnapshotFacts,
    sites: Box<[u32]>,
    cum: Box<[i64]>,
    /// Positions in `sites` with a flat value, and the values.
    flat_at: Box<[u32]>,
    flat: Box<[i64]>,
}

/// The newest `keep` reduced snapshots of a watch, their sites joined.
#[derive(Debug)]
pub struct SiteSeries {
    how: Reduction,
    keep: usize,
    /// The sample types of the first snapshot; the others must match.
    sample_types: Option<Vec<ValueType>>,
    nodes: Vec<NodeInfo>,
    node_ids: HashMap<NodeInfo, u32>,
    /// Whole stacks as node ids, root first.
    stacks: Vec<Box<[u32]>>,
    stack_ids: HashMap<Box<[u32]>, u32>,
    kept: VecDeque<Kept>,
    /// Snapshots taken in, dropped ones included.
    taken: u64,
    /// The call edges into inline-capable nodes over every snapshot taken
    /// in: kept per snapshot they would cost more than the sites (tens of
    /// thousands of edges a profile). With no snapshot dropped yet they are
    /// exactly the edges `trend` sums; after that, whether an edge was
    /// inlined at every crossing, and whether it was crossed at all, are
    /// still exact for the kept snapshots, and its weight (which only
    /// decides whether pprof trims it) is the total scaled to them.
    edges: HashMap<u64, EdgeSum>,
    /// What the last ranking counted of each site's last life, for the
    /// next to start from.
    counts: Option<CountCache>,
    /// Each site's flat and cum over the snapshots the last ranking
    /// compared, moved by the snapshots that came and went since.
    matrix: Matrix,
}

/// The pairs each site's last life counted at the last ranking
/// ([`LifeCounts`]): the next ranking moves them by the snapshots that
/// came and went, a pass over each series instead of a count of its
/// pairs, so an arrival's cost does not grow with the snapshots kept.
#[derive(Debug)]
struct CountCache {
    /// The value followed, and the tie (its bits), they were counted at.
    by: SortBy,
    tie: u64,
    /// The last life's snapshots (by [`Kept::seq`]), oldest first.
    seqs: Vec<u64>,
    /// By site id (a node, or a stack at stacks granularity), for the
    /// sites that ranking followed.
    counts: HashMap<u32, LifeCounts>,
    /// Snapshots of `seqs` dropped since, with the followed value of each
    /// of their sites (by id, sorted): what taking them out needs.
    gone: Vec<Gone>,
}

/// A snapshot gone from a [`CountCache`]'s life: its number and the
/// followed value of each of its sites, by id, sorted.
#[derive(Debug)]
struct Gone {
    seq: u64,
    values: Box<[(u32, i64)]>,
}

/// Snapshots that may come and go between two rankings before the counts
/// are made anew: past this, counting afresh costs less than moving them
/// (and the stride doubling drops half the snapshots at once).
const MAX_MOVED: usize = 16;

/// A call edge over the snapshots of a series (see [`SiteSeries::edges`]).
#[derive(Debug, Clone, Copy)]
struct EdgeSum {
    /// Summed over every snapshot taken in.
    weight: i64,
    /// The last snapshot (by [`SiteSeries::taken`]) that crossed it, and
    /// the last that crossed it not inlined.
    last_seen: u64,
    last_not_inline: Option<u64>,
}

/// A ranking of a series, with what `trend` says about its snapshots.
#[derive(Debug, Clone)]
pub struct SeriesTrend {
    pub trend: Trend,
    /// Each snapshot's facts, in comparison order (oldest first).
    pub snapshots: Vec<SnapshotFacts>,
    /// Notes about the order and the restarts, as `trend` words them.
    pub notes: Vec<String>,
    /// Where a new process took over (positions in `snapshots`).
    pub restarts: Vec<Restart>,
    /// Every snapshot has a time stamp and the order follows them.
    pub by_time: bool,
}

/// How to rank a series: what [`TrendOptions`] adds to its [`Reduction`].
#[derive(Debug, Clone, Default)]
pub struct RankOptions {
    pub by: SortBy,
    /// Keep at most this many rows; 0 keeps all.
    pub node_count: usize,
    pub limit: Option<GrowthLimit>,
    /// `--profiler`: the profiler's own sites may be suspects too.
    pub profiler: bool,
}

impl SiteSeries {
    /// An empty series reducing at `how`, keeping the newest `keep`
    /// snapshots (at least one).
    pub fn new(how: Reduction, keep: usize) -> SiteSeries {
        SiteSeries {
            how,
            keep: keep.max(1),
            sample_types: None,
            nodes: Vec::new(),
            node_ids: HashMap::default(),
            stacks: Vec::new(),
            stack_ids: HashMap::default(),
            kept: VecDeque::new(),
            taken: 0,
            edges: HashMap::default(),
            counts: None,
            matrix: Matrix::default(),
        }
    }

    /// What each snapshot is reduced at.
    pub fn reduction(&self) -> &Reduction {
        &self.how
    }

    /// How many snapshots the series spans: the newest `keep` taken in.
    pub fn len(&self) -> usize {
        self.taken.min(self.keep as u64) as usize
    }

    /// How many of them a ranking compares (all up to
    /// [`MAX_COMPARED`](trend::MAX_COMPARED), then a thinning of them:
    /// see [`thinning_stride`]); only these keep their sums.
    pub fn compared(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    pub fn keep(&self) -> usize {
        self.keep
    }

    /// Snapshots taken in since the series started.
    pub fn taken(&self) -> u64 {
        self.taken
    }

    /// The sample types of the snapshots, once one came.
    pub fn sample_types(&self) -> &[ValueType] {
        self.sample_types.as_deref().unwrap_or_default()
    }

    /// The compared snapshots' facts, in arrival order.
    pub fn facts(&self) -> impl DoubleEndedIterator<Item = &SnapshotFacts> + ExactSizeIterator {
        self.kept.iter().map(|k| &k.facts)
    }

    /// Reduces `profile` at the series' settings and takes it in.
    pub fn reduce_and_push(
        &mut self,
        profile: &Profile,
        name: String,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<(), SeriesError> {
        let reduced = reduce(profile, name, &self.how, cancelled)?;
        self.push(reduced)
    }

    /// Takes in a snapshot reduced at this series' [`Reduction`] as the
    /// newest; the oldest goes when more than `keep` are kept.
    pub fn push(&mut self, reduced: Reduced) -> Result<(), SeriesError> {
        match &self.sample_types {
            Some(types) if *types != reduced.sample_types => {
                return Err(SeriesError::OtherTypes(reduced.facts.name));
            }
            Some(_) => {}
            None => self.sample_types = Some(reduced.sample_types),
        }
        let nodes: Vec<u32> = reduced
            .nodes
            .into_iter()
            .map(|info| intern(&mut self.node_ids, &mut self.nodes, info))
            .collect();
        let global = |local: u32| nodes[local as usize];
        let ids: Box<[u32]> = if reduced.stacks.is_empty() {
            reduced
                .sites
                .iter()
                .map(|&(site, _, _)| global(site))
                .collect()
        } else {
            let stacks: Vec<u32> = reduced
                .stacks
                .into_iter()
                .map(|stack| {
                    let key: Box<[u32]> = stack.iter().map(|&n| global(n)).collect();
                    intern(&mut self.stack_ids, &mut self.stacks, key)
                })
                .collect();
            reduced
                .sites
                .iter()
                .map(|&(site, _, _)| stacks[site as usize])
                .collect()
        };
        let (flat_at, flat): (Vec<u32>, Vec<i64>) = reduced
            .sites
            .iter()
            .enumerate()
            .filter(|(_, s)| s.1 != 0)
            .map(|(i, s)| (i as u32, s.1))
            .unzip();
        let seq = self.taken + 1;
        for (key, edge) in reduced.edges {
            let (caller, callee) = ((key >> 32) as u32, key as u32);
            let key = u64::from(global(caller)) << 32 | u64::from(global(callee));
            let sum = self.edges.entry(key).or_insert(EdgeSum {
                weight: 0,
                last_seen: seq,
                last_not_inline: None,
            });
            sum.weight = sum.weight.wrapping_add(edge.weight);
            sum.last_seen = seq;
            if !edge.always_inline {
                sum.last_not_inline = Some(seq);
            }
        }
        self.kept.push_back(Kept {
            seq: self.taken,
            facts: reduced.facts,
            sites: ids,
            cum: reduced.sites.iter().map(|s| s.2).collect(),
            flat_at: flat_at.into(),
            flat: flat.into(),
        });
        self.taken += 1;
        self.thin();
        Ok(())
    }

    /// Drops the snapshots older than the newest `keep`, and those a
    /// ranking of so many no longer compares ([`thinning_stride`]): the
    /// stride only grows with the window, so what goes is never needed
    /// again.
    fn thin(&mut self) {
        let first = self.taken.saturating_sub(self.keep as u64);
        let stride = thinning_stride(self.len());
        let newest = self.taken.saturating_sub(1);
        let mut at = 0;
        while at < self.kept.len() {
            let seq = self.kept[at].seq;
            let goes = seq < first || (stride > 1 && !seq.is_multiple_of(stride) && seq != newest);
            match goes.then(|| self.kept.remove(at)).flatten() {
                Some(gone) => self.forget(gone),
                None => at += 1,
            }
        }
    }

    /// Keeps what the next ranking needs of a snapshot that goes: the
    /// values of its sites, when the counts kept from the last ranking
    /// counted it.
    fn forget(&mut self, gone: Kept) {
        let Some(cache) = self.counts.as_mut() else {
            return;
        };
        if cache.seqs.binary_search(&gone.seq).is_err() {
            return;
        }
        if cache.gone.len() >= MAX_MOVED {
            self.counts = None;
            return;
        }
        let mut values: Vec<(u32, i64)> = match cache.by {
            SortBy::Flat => gone
                .flat_at
                .iter()
                .zip(&gone.flat)
                .map(|(&at, &f)| (gone.sites[at as usize], f))
                .collect(),
            SortBy::Cum => gone
                .sites
                .iter()
                .copied()
                .zip(gone.cum.iter().copied())
                .collect(),
        };
        values.sort_unstable_by_key(|&(id, _)| id);
        cache.gone.push(Gone {
            seq: gone.seq,
            values: values.into(),
        });
    }

    /// Ranks the kept snapshots as `trend` ranks the same files: put in
    /// time order when all have a time stamp, every site's series handed
    /// to [`rank`]. `None` with fewer than two snapshots.
    pub fn rank(&mut self, options: &RankOptions) -> Option<SeriesTrend> {
        if self.kept.len() < 2 {
            return None;
        }
        let sample_type = self.sample_types().get(self.how.sample_index)?.clone();
        let names: Vec<String> = self.kept.iter().map(|k| k.facts.name.clone()).collect();
        let times: Vec<i64> = self.kept.iter().map(|k| k.facts.time_nanos).collect();
        let (chronology, mut notes) = snapshot_order(&times, &names);
        let ordered: Vec<&Kept> = chronology
            .order
            .iter()
            .filter_map(|&i| self.kept.get(i))
            .collect();
        let minutes = chronology.by_time.then(|| {
            let times: Vec<i64> = ordered.iter().map(|k| k.facts.time_nanos).collect();
            minutes_since_first(&times)
        });
        let totals: Vec<i64> = ordered
            .iter()
            .map(|k| {
                k.facts
                    .totals
                    .get(self.how.sample_index)
                    .copied()
                    .unwrap_or(0)
            })
            .collect();
        let process: Vec<trend::SnapshotFacts> = ordered.iter().map(|k| k.facts.process).collect();
        let restarts = lives(&process);
        let ordered_names: Vec<&str> = ordered.iter().map(|k| k.facts.name.as_str()).collect();
        notes.extend(restarts.iter().map(|r| r.describe(&ordered_names)));
        let lives = life_ranges(ordered.len(), &restarts);
        let floor = self.floor(&ordered);
        let mut matrix = std::mem::take(&mut self.matrix);
        // At most every snapshot kept, or the thinning's multiples and
        // the newest.
        matrix.update(&ordered, self.keep.min(trend::MAX_COMPARED + 1));
        let (sites, ids) = self.sites(&ordered, options.by, &matrix);
        self.matrix = matrix;
        // The counts of the last lives carry over from one ranking to the
        // next while the snapshots are compared in the order they came.
        let seqs: Vec<u64> = ordered.iter().map(|k| k.seq).collect();
        let old = self.counts.take();
        let counted = seqs.is_sorted().then(|| {
            let last = lives.last().cloned().unwrap_or_default();
            let life = Life {
                seqs: &seqs,
                last,
                by: options.by,
                tie: floor / 2.0,
            };
            count_last_life(old, &sites, &ids, &life)
        });
        let trend_options = TrendOptions {
            sample_index: self.how.sample_index,
            granularity: self.how.granularity,
            filters: self.how.filters.clone(),
            by: options.by,
            node_count: options.node_count,
            limit: options.limit.clone(),
            profiler: options.profiler,
            bare_names: false,
        };
        let (last_life, cache) = counted.unzip();
        let context = Context {
            last_life: last_life.unwrap_or_default(),
            minutes: minutes.as_deref(),
            restarts: &restarts,
            lives: &lives,
            floor,
            // No allocation rate and age here: they need each site's
            // alloc_* values in two snapshots, which a reduction at one
            // sample type does not keep.
            turnover: HashMap::default(),
        };
        let trend = rank(
            sites,
            totals,
            sample_type,
            &context,
            &trend_options,
            // Every suffix is resolved from the kept edges.
            |_, _| {},
        );
        let snapshots = ordered.iter().map(|k| k.facts.clone()).collect();
        self.counts = cache;
        Some(SeriesTrend {
            trend,
            snapshots,
            notes,
            restarts,
            by_time: chronology.by_time,
        })
    }

    /// [`trend::noise_floor`] of the snapshots `ordered`: the sampling of
    /// the first that names a default sample type (else the first), as a
    /// [`Lineup`](super::lineup::Lineup) of them reads it.
    fn floor(&self, ordered: &[&Kept]) -> f64 {
        let Some(source) = ordered
            .iter()
            .find(|k| k.facts.names_default)
            .or_else(|| ordered.first())
        else {
            return 0.0;
        };
        let newest = ordered.last();
        sampling_floor(
            source.facts.period,
            source.facts.period_type.as_ref(),
            self.sample_types(),
            self.how.sample_index,
            |index| {
                newest
                    .and_then(|k| k.facts.totals.get(index))
                    .copied()
                    .unwrap_or(0)
            },
        )
    }

    /// Every site with a followed value (flat or cum, by `by`) in some
    /// kept snapshot, its flat and cum per snapshot (`ordered`), in the
    /// order the snapshots first show them, and the site ids of the rows. The others would be left out
    /// by [`rank`] anyway: leaving them out here saves their series.
    fn sites(&self, ordered: &[&Kept], by: SortBy, matrix: &Matrix) -> (Sites, Vec<u32>) {
        let n = ordered.len();
        let ids = if self.how.granularity == Granularity::Stacks {
            self.stacks.len()
        } else {
            self.nodes.len()
        };
        let mut row_of = vec![u32::MAX; ids];
        let mut rows: Vec<u32> = Vec::new();
        let mut add = |id: u32| {
            if row_of[id as usize] == u32::MAX {
                row_of[id as usize] = rows.len() as u32;
                rows.push(id);
            }
        };
        // The order the snapshots first show the sites in: the order of
        // their nodes, which breaks ties between equal names as `trend`'s.
        // One pass over each snapshot's sites finds both: whether a site
        // was seen, and whether its followed value ever was not zero.
        const SEEN: u8 = 1;
        const FOLLOWED: u8 = 2;
        let mut state = vec![0u8; ids];
        let mut order: Vec<u32> = Vec::new();
        for kept in ordered {
            for (&id, &c) in kept.sites.iter().zip(&kept.cum) {
                let site = &mut state[id as usize];
                if *site & SEEN == 0 {
                    *site |= SEEN;
                    order.push(id);
                }
                if by == SortBy::Cum && c != 0 {
                    *site |= FOLLOWED;
                }
            }
            if by == SortBy::Flat {
                for (&at, &f) in kept.flat_at.iter().zip(&kept.flat) {
                    if f != 0 {
                        state[kept.sites[at as usize] as usize] |= FOLLOWED;
                    }
                }
            }
        }
        for &id in order
            .iter()
            .filter(|&&id| state[id as usize] & FOLLOWED != 0)
        {
            add(id);
        }
        let (flat, cum): (Vec<Vec<i64>>, Vec<Vec<i64>>) =
            rows.iter().map(|&id| matrix.series(id, n)).unzip();
        if self.how.granularity == Granularity::Stacks {
            let mut names = SharedNames::new(self.nodes.len());
            let stacks: Vec<StackSite> = rows
                .iter()
                .map(|&id| {
                    StackSite::new(
                        self.stacks[id as usize]
                            .iter()
                            .rev()
                            .map(|&node| {
                                names.get(node, |n| self.nodes[n as usize].printable_name())
                            })
                            .collect(),
                    )
                })
                .collect();
            let labels = unique_labels(&stacks);
            let series = stacks
                .into_iter()
                .zip(labels)
                .zip(flat.into_iter().zip(cum))
                .map(|((stack, name), (flat, cum))| Series {
                    node: None,
                    name,
                    inlined: Default::default(),
                    stack: Some(stack),
                    flat,
                    cum,
                })
                .collect();
            let sites = Sites {
                series,
                inlining_resolved: true,
            };
            return (sites, rows);
        }
        let kinds = self.inline_kinds(ordered);
        let series = rows
            .iter()
            .zip(flat.into_iter().zip(cum))
            .map(|(&id, (flat, cum))| Series {
                node: Some(NodeId(id)),
                name: self.nodes[id as usize].printable_name(),
                inlined: kinds.get(&id).copied().unwrap_or_default(),
                stack: None,
                flat,
                cum,
            })
            .collect();
        let sites = Sites {
            series,
            inlining_resolved: true,
        };
        (sites, rows)
    }

    /// pprof's inline suffixes from the summed edges, their weights scaled
    /// to the kept snapshots, trimmed against the kept snapshots' flat sum.
    fn inline_kinds(&self, ordered: &[&Kept]) -> HashMap<u32, super::Inlined> {
        let flat_sum = ordered
            .iter()
            .flat_map(|k| k.flat.iter())
            .fold(0i64, |a, &b| a.wrapping_add(b));
        let scale = ordered.len() as f64 / self.taken.max(1) as f64;
        let exact = self.taken as usize == ordered.len();
        // Snapshot numbers (from 1, as the edges count them) from here on
        // are in the window.
        let first_kept = self.kept.front().map_or(self.taken, |k| k.seq) + 1;
        inline_kinds(
            self.edges
                .iter()
                .filter(|(_, e)| e.last_seen >= first_kept)
                .map(|(&key, e)| {
                    let weight = if exact {
                        e.weight
                    } else {
                        (e.weight as f64 * scale) as i64
                    };
                    let always_inline = e.last_not_inline.is_none_or(|at| at < first_kept);
                    (
                        key as u32,
                        EdgeTotal {
                            weight,
                            always_inline,
                        },
                    )
                }),
            edge_cutoff(flat_sum),
        )
    }

    /// Bytes the kept snapshots' sites, edges and facts take, and the
    /// joined site tables: what the series costs, for measurements.
    pub fn heap_bytes(&self) -> usize {
        let kept: usize = self
            .kept
            .iter()
            .map(|k| {
                std::mem::size_of::<Kept>()
                    + k.sites.len() * 4
                    + k.cum.len() * 8
                    + k.flat_at.len() * 4
                    + k.flat.len() * 8
                    + facts_bytes(&k.facts)
            })
            .sum();
        let nodes: usize = self
            .nodes
            .iter()
            .map(|n| {
                std::mem::size_of::<NodeInfo>() * 2
                    + n.name.len() * 2
                    + n.file.len() * 2
                    + n.objfile.len() * 2
            })
            .sum();
        let stacks: usize = self.stacks.iter().map(|s| s.len() * 8 + 32).sum();
        let edges = self.edges.len() * (std::mem::size_of::<(u64, EdgeSum)>() + 8);
        let counts = self.counts.as_ref().map_or(0, |c| {
            c.seqs.len() * 8
                + c.counts.capacity() * (std::mem::size_of::<(u32, LifeCounts)>() + 1)
                + c.gone
                    .iter()
                    .map(|g| g.values.len() * 16 + 24)
                    .sum::<usize>()
        });
        kept + nodes + stacks + edges + counts + self.matrix.heap_bytes()
    }
}

/// Every site's flat and cum over the snapshots a ranking compares, a row
/// a site: what [`SiteSeries::sites`] hands to the ranking. Kept from one
/// ranking to the next and moved by the snapshots that came and went (a
/// column out at the oldest or beside the newest, one in at the end), so
/// a ranking copies each row out once instead of gathering every value
/// from the snapshots (scattered reads and writes over tens of
/// megabytes). Rows whose values are all zero go.
#[derive(Debug, Default)]
struct Matrix {
    /// The columns: the snapshots' numbers ([`Kept::seq`]), in order.
    seqs: Vec<u64>,
    /// Row of each site id, `u32::MAX` for none.
    row_of: Vec<u32>,
    /// Site id of each row.
    ids: Vec<u32>,
    flat: Vec<VecDeque<i64>>,
    cum: Vec<VecDeque<i64>>,
    /// Columns of each row with a flat or cum value that is not zero.
    nonzero: Vec<u32>,
    /// The most columns a row will hold: its room, made once.
    room: usize,
}

/// Columns that may come and go between two rankings before the matrix
/// is made anew: the stride doubling drops half of them at once.
const MAX_MOVED_COLUMNS: usize = 32;

impl Matrix {
    /// Brings the columns to the snapshots `ordered`, rows making room
    /// for `most` of them.
    fn update(&mut self, ordered: &[&Kept], most: usize) {
        let seqs: Vec<u64> = ordered.iter().map(|k| k.seq).collect();
        let gone: Vec<usize> = (0..self.seqs.len())
            .filter(|&at| seqs.binary_search(&self.seqs[at]).is_err())
            .collect();
        let stays = self.seqs.len() - gone.len();
        // What stays must be what `ordered` starts with, the rest new.
        let moves = seqs.is_sorted()
            && !self.seqs.is_empty()
            && stays <= seqs.len()
            && gone.len() + (seqs.len() - stays) <= MAX_MOVED_COLUMNS
            && self
                .seqs
                .iter()
                .filter(|s| seqs.binary_search(s).is_ok())
                .eq(seqs[..stays].iter())
            && seqs[stays..]
                .first()
                .is_none_or(|first| self.seqs.last().is_none_or(|last| first > last));
        if !moves {
            *self = Matrix {
                room: most.max(ordered.len()),
                ..Matrix::default()
            };
            for kept in ordered {
                self.push(kept);
            }
            return;
        }
        for &at in gone.iter().rev() {
            for row in 0..self.ids.len() {
                let f = self.flat[row].remove(at).unwrap_or(0);
                let c = self.cum[row].remove(at).unwrap_or(0);
                self.nonzero[row] = self.nonzero[row].saturating_sub(u32::from(f != 0 || c != 0));
            }
            self.seqs.remove(at);
        }
        if !gone.is_empty() {
            self.sweep();
        }
        for kept in &ordered[stays..] {
            self.push(kept);
        }
    }

    /// Takes in `kept` as the newest column.
    fn push(&mut self, kept: &Kept) {
        for (flat, cum) in self.flat.iter_mut().zip(&mut self.cum) {
            flat.push_back(0);
            cum.push_back(0);
        }
        self.seqs.push(kept.seq);
        for (&id, &c) in kept.sites.iter().zip(&kept.cum) {
            let row = self.row(id);
            if let Some(last) = self.cum[row].back_mut() {
                *last = c;
            }
        }
        for (&at, &f) in kept.flat_at.iter().zip(&kept.flat) {
            if let Some(&id) = kept.sites.get(at as usize) {
                let row = self.row(id);
                if let Some(last) = self.flat[row].back_mut() {
                    *last = f;
                }
            }
        }
        for &id in &kept.sites {
            let row = self.row(id);
            let newest = |d: &VecDeque<i64>| d.back().copied().unwrap_or(0);
            self.nonzero[row] +=
                u32::from(newest(&self.flat[row]) != 0 || newest(&self.cum[row]) != 0);
        }
    }

    /// The row of site `id`, a new one of zeros when it has none.
    fn row(&mut self, id: u32) -> usize {
        let at = id as usize;
        if at >= self.row_of.len() {
            self.row_of.resize(at + 1, u32::MAX);
        }
        if self.row_of[at] == u32::MAX {
            self.row_of[at] = self.ids.len() as u32;
            self.ids.push(id);
            let zeros = || {
                let mut row = VecDeque::with_capacity(self.room.max(self.seqs.len()));
                row.resize(self.seqs.len(), 0);
                row
            };
            self.flat.push(zeros());
            self.cum.push(zeros());
            self.nonzero.push(0);
        }
        self.row_of[at] as usize
    }

    /// Drops the rows with nothing but zeros left.
    fn sweep(&mut self) {
        let mut row = 0;
        while row < self.ids.len() {
            if self.nonzero[row] > 0 {
                row += 1;
                continue;
            }
            self.row_of[self.ids[row] as usize] = u32::MAX;
            self.ids.swap_remove(row);
            self.flat.swap_remove(row);
            self.cum.swap_remove(row);
            self.nonzero.swap_remove(row);
            if let Some(&moved) = self.ids.get(row) {
                self.row_of[moved as usize] = row as u32;
            }
        }
    }

    /// Site `id`'s flat and cum over the `n` columns (zeros when it has no
    /// row: nothing but zeros).
    fn series(&self, id: u32, n: usize) -> (Vec<i64>, Vec<i64>) {
        let copy = |d: &VecDeque<i64>| {
            let (a, b) = d.as_slices();
            let mut v = Vec::with_capacity(n);
            v.extend_from_slice(a);
            v.extend_from_slice(b);
            v
        };
        match self.row_of.get(id as usize) {
            Some(&row) if row != u32::MAX => {
                let row = row as usize;
                (copy(&self.flat[row]), copy(&self.cum[row]))
            }
            _ => (vec![0; n], vec![0; n]),
        }
    }

    fn heap_bytes(&self) -> usize {
        let columns = self.flat.first().map_or(0, VecDeque::capacity);
        self.ids.len() * (2 * (columns * 8 + 32) + 8) + self.row_of.len() * 4
    }
}

/// The last life of a ranking's sites: what [`count_last_life`] counts.
struct Life<'a> {
    /// The compared snapshots' numbers ([`Kept::seq`]), in order.
    seqs: &'a [u64],
    /// Positions in `seqs` of the last life.
    last: std::ops::Range<usize>,
    by: SortBy,
    tie: f64,
}

/// Where a snapshot of [`recount`]'s members has its values: a column of
/// the ranked series, or a snapshot gone since the counts were made.
#[derive(Clone, Copy)]
enum Source {
    Column(usize),
    Gone(usize),
}

/// The counts of every site's last life (`sites` with their `ids`): moved from `old` where it has them, counted afresh
/// otherwise; and the cache for the next ranking.
fn count_last_life(
    old: Option<CountCache>,
    sites: &Sites,
    ids: &[u32],
    life: &Life<'_>,
) -> (Vec<LifeCounts>, CountCache) {
    let tie = life.tie;
    let seqs = life.seqs.get(life.last.clone()).unwrap_or_default();
    let old = old.filter(|c| c.by == life.by && c.tie == tie.to_bits());
    let plan = old.as_ref().and_then(|old| moves(old, life));
    let mut values_then: Vec<i64> = Vec::new();
    let mut scratch = RecountScratch::default();
    let mut next = CountCache {
        by: life.by,
        tie: tie.to_bits(),
        seqs: seqs.to_vec(),
        counts: HashMap::with_capacity_and_hasher(ids.len(), Default::default()),
        gone: Vec::new(),
    };
    let counts = sites
        .series
        .iter()
        .zip(ids)
        .map(|(series, &id)| {
            let values = match life.by {
                SortBy::Flat => &series.flat,
                SortBy::Cum => &series.cum,
            };
            let moved = old.as_ref().zip(plan.as_ref()).and_then(|(old, plan)| {
                let before = *old.counts.get(&id)?;
                values_then.clear();
                values_then.extend(plan.sources.iter().map(|&source| match source {
                    Source::Column(at) => values.get(at).copied().unwrap_or(0),
                    Source::Gone(g) => old.gone.get(g).map_or(0, |gone| {
                        let values = &gone.values;
                        values
                            .binary_search_by_key(&id, |&(id, _)| id)
                            .map_or(0, |i| values[i].1)
                    }),
                }));
                recount(before, &plan.moves, &values_then, tie, &mut scratch)
            });
            let counts = moved.unwrap_or_else(|| {
                LifeCounts::of(values.get(life.last.clone()).unwrap_or_default(), tie)
            });
            next.counts.insert(id, counts);
            counts
        })
        .collect();
    (counts, next)
}

/// The snapshots of the last life counted before and now, in order: where
/// each one's values are, and where it stands ([`Place`]). The same for
/// every site of a ranking.
struct Plan {
    sources: Vec<Source>,
    moves: Moves,
}

/// The [`Plan`] from the last life counted before (`old`) to the last
/// life now; `None` when more than [`MAX_MOVED`] moves separate them, or
/// a snapshot's values are gone.
fn moves(old: &CountCache, life: &Life<'_>) -> Option<Plan> {
    let now = life.seqs.get(life.last.clone())?;
    if old.seqs.is_empty() {
        return None;
    }
    let half_from = |len: usize| len.saturating_sub(1) / 2;
    let (old_half, now_half) = (half_from(old.seqs.len()), half_from(now.len()));
    let most = old.seqs.len().max(now.len()) + MAX_MOVED;
    let mut sources = Vec::with_capacity(most);
    let mut places = Vec::with_capacity(most);
    let (mut i, mut j) = (0, 0);
    let mut moved = 0;
    while i < old.seqs.len() || j < now.len() {
        let (a, b) = (old.seqs.get(i), now.get(j));
        let seq = match (a, b) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let was = a == Some(&seq);
        let is = b == Some(&seq);
        let place = Place {
            was,
            was_in_half: was && i >= old_half,
            is,
            is_in_half: is && j >= now_half,
        };
        moved +=
            usize::from(place.was != place.is) + usize::from(place.was_in_half != place.is_in_half);
        if moved > MAX_MOVED {
            return None;
        }
        let source = match life.seqs.binary_search(&seq) {
            Ok(at) => Source::Column(at),
            Err(_) => Source::Gone(old.gone.iter().position(|g| g.seq == seq)?),
        };
        sources.push(source);
        places.push(place);
        i += usize::from(was);
        j += usize::from(is);
    }
    Some(Plan {
        sources,
        moves: Moves::new(&places),
    })
}

/// Bytes one snapshot's facts take, roughly.
fn facts_bytes(facts: &SnapshotFacts) -> usize {
    let memstats = facts.memstats.as_ref().map_or(0, |m| {
        m.fields
            .iter()
            .map(|(name, value)| {
                48 + name.len()
                    + match value {
                        crate::profile::MemValue::Ints(v) => v.len() * 8,
                        _ => 0,
                    }
            })
            .sum()
    });
    std::mem::size_of::<SnapshotFacts>() + facts.name.len() + facts.totals.len() * 8 + memstats
}

/// The id of `key` in `table`, added when new.
fn intern<K: std::hash::Hash + Eq + Clone>(
    ids: &mut HashMap<K, u32>,
    table: &mut Vec<K>,
    key: K,
) -> u32 {
    if let Some(&id) = ids.get(&key) {
        return id;
    }
    let id = table.len() as u32;
    table.push(key.clone());
    ids.insert(key, id);
    id
}
