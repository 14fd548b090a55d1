//! Sites of several profiles summed side by side, without merging them.
//!
//! `diff` and `trend` compare profiles of one program. pprof merges them into
//! one profile (for `-diff_base`, with the base negated) and builds one graph.
//! Summing each profile over its own [`Stacks`] and joining the nodes by what
//! they are — the [`NodeInfo`] pprof keys graph nodes by — gives the same
//! numbers, call edges included, without copying a profile; and each walk
//! reads only its own, smaller, location table.
//!
//! The join is exact only when merging would keep every location as it is;
//! [`crate::profile::appends_as_is`] says when the profiles allow it,
//! and the caller falls back to merging otherwise.

use foldhash::HashMap;

use super::aggregate::{
    EdgeTotal, Groups, Inlined, SuffixesInWalk, Sums, edge_cutoff, inline_kinds, sum_edges,
};
use super::filter::Filters;
use super::sites::{Sites, node_sites};
use super::stacks::{Granularity, NodeId, NodeInfo, Stacks};
use crate::parallel::join_all;
use crate::profile::Profile;

/// Whether a view with these settings can be joined across profiles at
/// all: whole stacks are sites of one view, not nodes, and label filters are
/// left to the merged profile (where a `-diff_base` base carries pprof's
/// `pprof::base` label).
pub fn joinable(granularity: Granularity, filters: &Filters) -> bool {
    granularity != Granularity::Stacks
        && filters.tag_focus.is_none()
        && filters.tag_ignore.is_none()
}

/// One profile of a comparison.
#[derive(Clone, Copy)]
pub struct Side<'p> {
    pub profile: &'p Profile,
    /// The sample type to sum, as an index into this profile's types.
    pub sample_index: usize,
    /// Multiplies this side's values: −1 for a `-diff_base` base, whose
    /// values pprof negates, else 1.
    pub sign: i64,
}

/// The views of several profiles and their nodes joined.
pub struct Joined<'p> {
    sides: Vec<Side<'p>>,
    views: Vec<Stacks<'p>>,
    /// Per view: local node id → joined node id.
    to_joined: Vec<Vec<u32>>,
    nodes: Vec<NodeInfo>,
}

impl<'p> Joined<'p> {
    /// Builds each side's view (in parallel) and joins their nodes. Not for
    /// [`Granularity::Stacks`], whose sites are whole stacks.
    pub fn new(sides: &[Side<'p>], granularity: Granularity, filters: &Filters) -> Joined<'p> {
        let views: Vec<Stacks<'p>> = std::thread::scope(|scope| {
            join_all(
                sides
                    .iter()
                    .map(|side| {
                        scope.spawn(move || Stacks::new(side.profile, granularity, filters))
                    })
                    .collect(),
            )
        });
        let mut nodes: Vec<NodeInfo> = Vec::new();
        let mut ids: HashMap<&NodeInfo, u32> = HashMap::default();
        let to_joined = views
            .iter()
            .map(|view| {
                view.nodes()
                    .iter()
                    .map(|info| {
                        *ids.entry(info).or_insert_with(|| {
                            nodes.push(info.clone());
                            nodes.len() as u32 - 1
                        })
                    })
                    .collect()
            })
            .collect();
        Joined {
            sides: sides.to_vec(),
            views,
            to_joined,
            nodes,
        }
    }

    /// A joined node.
    pub fn node(&self, id: NodeId) -> &NodeInfo {
        &self.nodes[id.index()]
    }

    /// Every site's flat and cum per side (group `i` is side `i`, its values
    /// times the side's sign), as [`super::series`] finds them in the merged
    /// profile. The inline suffixes `suffixes` says are resolved in the same
    /// walks; for the others see [`Joined::inline_suffixes`].
    pub fn series(&self, suffixes: SuffixesInWalk) -> Sites {
        let n = self.nodes.len();
        let mut capable = vec![false; n];
        for (view, map) in self.views.iter().zip(&self.to_joined) {
            for (local, &is) in view.inline_capable().iter().enumerate() {
                capable[map[local] as usize] |= is;
            }
        }
        let track = suffixes.tracks(capable.iter().filter(|&&c| c).count(), n);
        let groups = self.sides.len();
        let mut flat = vec![0i64; n * groups];
        let mut cum = vec![0i64; n * groups];
        let mut edges: Vec<(u64, EdgeTotal)> = Vec::new();
        for (g, ((side, view), map)) in self
            .sides
            .iter()
            .zip(&self.views)
            .zip(&self.to_joined)
            .enumerate()
        {
            let targets: Vec<bool> = if track {
                map.iter().map(|&j| capable[j as usize]).collect()
            } else {
                vec![false; map.len()]
            };
            let sums = Sums::walk(view, side.sample_index, Groups::ONE, &targets);
            for node in sums.nodes() {
                let j = map[node.index()] as usize;
                flat[j * groups + g] =
                    flat[j * groups + g].wrapping_add(side.sign.wrapping_mul(sums.flat(node)[0]));
                cum[j * groups + g] =
                    cum[j * groups + g].wrapping_add(side.sign.wrapping_mul(sums.cum(node)[0]));
            }
            edges.extend(self.joined_edges(g, &sums));
        }
        let kinds = track.then(|| {
            let flat_sum = flat.iter().fold(0i64, |a, &b| a.wrapping_add(b));
            inline_kinds(joined_callees(edges), edge_cutoff(flat_sum))
        });
        let sums = Sums::from_columns(groups, flat, cum);
        node_sites(&sums, |node| &self.nodes[node.index()], kinds)
    }

    /// Every joined node's printable name, by joined node id.
    pub fn names(&self) -> Vec<String> {
        self.nodes.iter().map(NodeInfo::printable_name).collect()
    }

    /// Every joined node's flat and cum in side `side`'s view of another
    /// sample type, `sample_index` (the side's sign applied): one more walk
    /// over a view already built, no inline suffixes.
    pub fn values_of(&self, side: usize, sample_index: usize) -> (Vec<i64>, Vec<i64>) {
        let n = self.nodes.len();
        let (mut flat, mut cum) = (vec![0i64; n], vec![0i64; n]);
        let (Some(view), Some(map), Some(s)) = (
            self.views.get(side),
            self.to_joined.get(side),
            self.sides.get(side),
        ) else {
            return (flat, cum);
        };
        let targets = vec![false; map.len()];
        let sums = Sums::walk(view, sample_index, Groups::ONE, &targets);
        for node in sums.nodes() {
            let j = map[node.index()] as usize;
            flat[j] = flat[j].wrapping_add(s.sign.wrapping_mul(sums.flat(node)[0]));
            cum[j] = cum[j].wrapping_add(s.sign.wrapping_mul(sums.cum(node)[0]));
        }
        (flat, cum)
    }

    /// Fills in the inline suffixes of the given (joined) nodes, as
    /// [`super::inline_suffixes`] does for one view: a second walk per side
    /// over the samples through those nodes. `flat_sum` is the sum of flat
    /// over all sites and sides.
    pub fn inline_suffixes<'r>(
        &self,
        flat_sum: i64,
        rows: impl IntoIterator<Item = (NodeId, &'r mut Inlined)>,
    ) {
        let rows: Vec<(NodeId, &mut Inlined)> = rows.into_iter().collect();
        let mut wanted = vec![false; self.nodes.len()];
        for (node, _) in &rows {
            wanted[node.index()] = true;
        }
        let mut edges: Vec<(u64, EdgeTotal)> = Vec::new();
        for (g, (view, map)) in self.views.iter().zip(&self.to_joined).enumerate() {
            let capable = view.inline_capable();
            let targets: Vec<bool> = map
                .iter()
                .zip(capable)
                .map(|(&j, &capable)| capable && wanted[j as usize])
                .collect();
            if !targets.contains(&true) {
                continue;
            }
            let sums = Sums::walk_edges(view, self.sides[g].sample_index, &targets, None);
            edges.extend(self.joined_edges(g, &sums));
        }
        let kinds = inline_kinds(joined_callees(edges), edge_cutoff(flat_sum));
        for (node, slot) in rows {
            *slot = kinds.get(&node.0).copied().unwrap_or_default();
        }
    }

    /// Side `g`'s call edges with joined node ids and signed weights.
    fn joined_edges<'s>(
        &'s self,
        g: usize,
        sums: &'s Sums,
    ) -> impl Iterator<Item = (u64, EdgeTotal)> + 's {
        let map = &self.to_joined[g];
        let sign = self.sides[g].sign;
        sums.edges().map(move |(caller, callee, edge)| {
            let key = u64::from(map[caller.index()]) << 32 | u64::from(map[callee.index()]);
            let edge = EdgeTotal {
                weight: edge.weight.wrapping_mul(sign),
                always_inline: edge.always_inline,
            };
            (key, edge)
        })
    }
}

/// The sides' edges summed per joined edge, by callee.
fn joined_callees(edges: Vec<(u64, EdgeTotal)>) -> impl Iterator<Item = (u32, EdgeTotal)> {
    sum_edges(edges)
        .into_iter()
        .map(|(key, edge)| (key as u32, edge))
}
