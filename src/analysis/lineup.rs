//! Profiles lined up to be compared site by site: the base and the new
//! profile of `diff`, or the snapshots of `trend`, oldest first.
//!
//! Both are the same idea. Position `i` of a [`Lineup`] is one profile, and
//! every site gets one value per position. pprof combines the profiles into
//! one first: `-diff_base` appends the base negated and marked
//! ([`diff_base_owned`]); snapshots are laid side by side, each in a
//! sample range of its own ([`side_by_side`]). When that combination would
//! keep every profile as it is, the profiles are kept apart instead, each
//! summed over its own view and the sites joined by node ([`Joined`]): the
//! same numbers for less time and memory. A lineup decides which, once, and
//! hands the ranking its sites either way.

use std::ops::Range;
use std::sync::Arc;

use super::aggregate::{Inlined, SuffixesInWalk};
use super::filter::Filters;
use super::joined::{Joined, Side, joinable};
use super::sites::{Sites, inline_suffixes, series};
use super::stacks::{Granularity, NodeId, Stacks};
use crate::profile::{
    BaseMode, MergeError, Profile, appends_as_is, combine_with_base, default_type_source,
    diff_base_appends_as_is, diff_base_owned, side_by_side, side_by_side_owned,
};

/// Profiles lined up for comparison, held the cheapest way that keeps
/// pprof's numbers. A comparison holds two positions (0: the base, 1: the
/// new profile); snapshots hold one position each, oldest first.
#[derive(Debug)]
pub struct Lineup {
    role: Role,
    held: Held,
}

/// What the positions are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `[base, new]`: the base counts negatively, as `-diff_base` has it.
    Comparison,
    /// Snapshots in time order.
    Snapshots,
}

#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "one per lineup; boxing would only add an indirection"
)]
enum Held {
    /// Kept apart (never none), position `i` in `profiles[i]`; shared, so
    /// that a watch's ring and its ranking hold each snapshot once.
    Apart(Vec<Arc<Profile>>),
    /// Combined into one profile, as pprof combines them.
    Merged(Profile, Groups),
}

/// Which position each sample of a combined profile belongs to.
#[derive(Debug)]
enum Groups {
    /// A `-diff_base` profile: the base's samples are marked
    /// ([`crate::profile::Samples::is_diff_base`]), the rest are the new
    /// profile's.
    DiffBase,
    /// Snapshots side by side: `ranges[i]` holds position `i`'s samples.
    Ranges(Vec<Range<usize>>),
}

/// Whether ranking at `granularity` with `filters` needs the profiles
/// combined: whole stacks are sites of the combined profile's view, and
/// label filters see the base's `pprof::base` label.
pub fn needs_merged(granularity: Granularity, filters: &Filters) -> bool {
    !joinable(granularity, filters)
}

impl Lineup {
    /// `base → new`; fails when the profiles cannot be compared (other
    /// sample or period types). `normalize` scales the new profile to the
    /// base's total first, as `-normalize` does.
    pub fn comparison(base: Profile, new: Profile, normalize: bool) -> Result<Lineup, MergeError> {
        let held = if diff_base_appends_as_is(&new, &base, normalize) {
            Held::Apart(vec![Arc::new(base), Arc::new(new)])
        } else {
            Held::Merged(diff_base_owned(new, &base, normalize)?, Groups::DiffBase)
        };
        Ok(Lineup {
            role: Role::Comparison,
            held,
        })
    }

    /// Snapshots, oldest first (owned or shared); fails when they cannot
    /// be compared (no shared sample types, other period types) or there
    /// are none.
    pub fn snapshots<P: Into<Arc<Profile>>>(profiles: Vec<P>) -> Result<Lineup, MergeError> {
        let profiles: Vec<Arc<Profile>> = profiles.into_iter().map(Into::into).collect();
        let refs: Vec<&Profile> = profiles.iter().map(|p| &**p).collect();
        let held = if !refs.is_empty() && appends_as_is(&refs) {
            Held::Apart(profiles)
        } else {
            side_by_side_held(profiles)?
        };
        Ok(Lineup {
            role: Role::Snapshots,
            held,
        })
    }

    /// The same lineup combined as pprof combines it (the new profile's
    /// arrays taken over, not copied).
    pub fn into_merged(self) -> Result<Lineup, MergeError> {
        let held = match (self.role, self.held) {
            (Role::Comparison, Held::Apart(profiles)) => {
                match <[Arc<Profile>; 2]>::try_from(profiles) {
                    Ok([base, new]) => Held::Merged(
                        diff_base_owned(Arc::unwrap_or_clone(new), &base, false)?,
                        Groups::DiffBase,
                    ),
                    Err(_) => return Err(MergeError::Empty),
                }
            }
            (Role::Snapshots, Held::Apart(profiles)) => side_by_side_held(profiles)?,
            (_, merged @ Held::Merged(..)) => merged,
        };
        Ok(Lineup {
            role: self.role,
            held,
        })
    }

    /// The lineup as ranking at `granularity` with `filters` needs it:
    /// combined once when the ranking needs that ([`needs_merged`]), else
    /// as it is — ranking would otherwise combine a copy on every call.
    pub fn ready_for(
        self,
        granularity: Granularity,
        filters: &Filters,
    ) -> Result<Lineup, MergeError> {
        if needs_merged(granularity, filters) {
            self.into_merged()
        } else {
            Ok(self)
        }
    }

    /// Whether the profiles are kept apart rather than combined.
    pub fn kept_apart(&self) -> bool {
        matches!(self.held, Held::Apart(_))
    }

    /// How many positions there are.
    pub fn count(&self) -> usize {
        match &self.held {
            Held::Apart(profiles) => profiles.len(),
            Held::Merged(_, Groups::DiffBase) => 2,
            Held::Merged(_, Groups::Ranges(ranges)) => ranges.len(),
        }
    }

    /// The profiles whose headers the combined profile's header combines:
    /// of a comparison the new one first, snapshots oldest first; the
    /// combined profile alone once combined.
    pub fn profiles(&self) -> Vec<&Profile> {
        match &self.held {
            Held::Apart(profiles) => match self.role {
                Role::Comparison => profiles.iter().rev().map(|p| &**p).collect(),
                Role::Snapshots => profiles.iter().map(|p| &**p).collect(),
            },
            Held::Merged(profile, _) => vec![profile],
        }
    }

    /// The profile whose sample types a sample index indexes, with the
    /// combined profile's default sample type: the combined profile, or of
    /// the profiles kept apart (they have the same sample types) the first
    /// in header order that names a default, else the first.
    pub fn profile(&self) -> &Profile {
        let profiles = self.profiles();
        profiles[default_type_source(profiles.iter().copied())]
    }

    /// Each position's total of sample type `sample_index` (all samples,
    /// before filters; the base's with its sign restored).
    pub fn totals(&self, sample_index: usize) -> Vec<i64> {
        let sum = |profile: &Profile, samples: Range<usize>| {
            let values = profile.samples();
            samples
                .map(|s| values.value(s, sample_index))
                .fold(0i64, i64::wrapping_add)
        };
        match &self.held {
            Held::Apart(profiles) => profiles
                .iter()
                .map(|p| sum(p, 0..p.samples().len()))
                .collect(),
            Held::Merged(profile, Groups::DiffBase) => {
                let samples = profile.samples();
                let (mut base, mut new) = (0i64, 0i64);
                for s in 0..samples.len() {
                    let v = samples.value(s, sample_index);
                    if samples.is_diff_base(s) {
                        base = base.wrapping_sub(v);
                    } else {
                        new = new.wrapping_add(v);
                    }
                }
                vec![base, new]
            }
            Held::Merged(profile, Groups::Ranges(ranges)) => {
                ranges.iter().map(|r| sum(profile, r.clone())).collect()
            }
        }
    }

    /// How position `position`'s values are held: a comparison's base
    /// negated (-1), as `-diff_base` holds it; every other position as it is.
    pub(crate) fn sign(&self, position: usize) -> i64 {
        match self.role {
            Role::Comparison if position == 0 => -1,
            _ => 1,
        }
    }

    /// Every site's values, one per position (the base's negated), at
    /// `granularity` with `filters`, handed to `rank` with what resolves
    /// the inline suffixes of the rows it keeps (those `suffixes` leaves
    /// unresolved). Combines a copy first when the lineup is kept apart but
    /// the ranking needs it combined (see [`Lineup::ready_for`]).
    pub(crate) fn rank_sites<R>(
        &self,
        sample_index: usize,
        granularity: Granularity,
        filters: &Filters,
        suffixes: SuffixesInWalk,
        rank: impl FnOnce(Sites, &SiteSource<'_>) -> R,
    ) -> Result<R, MergeError> {
        match &self.held {
            Held::Apart(profiles) if needs_merged(granularity, filters) => {
                let refs: Vec<&Profile> = profiles.iter().map(|p| &**p).collect();
                let (profile, groups) = match self.role {
                    Role::Comparison => (
                        combine_with_base(&refs[1..], &refs[..1], BaseMode::DiffBase, false)?,
                        Groups::DiffBase,
                    ),
                    Role::Snapshots => {
                        let merged = side_by_side(&refs, None)?;
                        (merged.profile, Groups::Ranges(merged.groups))
                    }
                };
                Ok(rank_merged(
                    &profile,
                    &groups,
                    sample_index,
                    granularity,
                    filters,
                    suffixes,
                    rank,
                ))
            }
            Held::Apart(profiles) => {
                let sides: Vec<Side<'_>> = profiles
                    .iter()
                    .enumerate()
                    .map(|(position, profile)| Side {
                        profile,
                        sample_index,
                        sign: self.sign(position),
                    })
                    .collect();
                let joined = Joined::new(&sides, granularity, filters);
                Ok(rank(joined.series(suffixes), &SiteSource::Joined(joined)))
            }
            Held::Merged(profile, groups) => Ok(rank_merged(
                profile,
                groups,
                sample_index,
                granularity,
                filters,
                suffixes,
                rank,
            )),
        }
    }
}

/// Snapshots laid side by side: moved into the combined profile when no one
/// else holds them (the cheap way), copied from otherwise.
fn side_by_side_held(profiles: Vec<Arc<Profile>>) -> Result<Held, MergeError> {
    let merged = if profiles.iter().all(|p| Arc::strong_count(p) == 1) {
        side_by_side_owned(profiles.into_iter().map(Arc::unwrap_or_clone).collect())?
    } else {
        let refs: Vec<&Profile> = profiles.iter().map(|p| &**p).collect();
        side_by_side(&refs, None)?
    };
    Ok(Held::Merged(merged.profile, Groups::Ranges(merged.groups)))
}

/// The sites of a combined profile, position `i` being group `i`.
fn rank_merged<R>(
    profile: &Profile,
    groups: &Groups,
    sample_index: usize,
    granularity: Granularity,
    filters: &Filters,
    suffixes: SuffixesInWalk,
    rank: impl FnOnce(Sites, &SiteSource<'_>) -> R,
) -> R {
    let stacks = Stacks::new(profile, granularity, filters);
    let samples = profile.samples();
    let sites = match groups {
        Groups::DiffBase => series(
            &stacks,
            sample_index,
            2,
            |s| Some(usize::from(!samples.is_diff_base(s))),
            suffixes,
        ),
        Groups::Ranges(ranges) => series(
            &stacks,
            sample_index,
            ranges.len(),
            |s| group_of(ranges, s),
            suffixes,
        ),
    };
    rank(
        sites,
        &SiteSource::Merged {
            stacks,
            sample_index,
        },
    )
}

/// Where a lineup's sites came from, to resolve the inline suffixes of the
/// rows a ranking keeps.
#[allow(
    clippy::large_enum_variant,
    reason = "one per ranking, on the stack of the call that ranks"
)]
pub(crate) enum SiteSource<'p> {
    Merged {
        stacks: Stacks<'p>,
        sample_index: usize,
    },
    Joined(Joined<'p>),
}

impl SiteSource<'_> {
    /// Fills in the inline suffixes of `rows` (see [`inline_suffixes`]).
    pub(crate) fn inline_suffixes<'r>(
        &self,
        flat_sum: i64,
        rows: impl IntoIterator<Item = (NodeId, &'r mut Inlined)>,
    ) {
        match self {
            SiteSource::Merged {
                stacks,
                sample_index,
            } => inline_suffixes(stacks, *sample_index, flat_sum, rows),
            SiteSource::Joined(joined) => joined.inline_suffixes(flat_sum, rows),
        }
    }
}

/// The group whose (non-decreasing, contiguous) range holds sample `s`.
fn group_of(groups: &[Range<usize>], s: usize) -> Option<usize> {
    let g = groups.partition_point(|r| r.end <= s);
    groups.get(g).filter(|r| r.contains(&s)).map(|_| g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_found_by_range() {
        let groups = [0..3, 3..3, 3..5];
        assert_eq!(group_of(&groups, 0), Some(0));
        assert_eq!(group_of(&groups, 2), Some(0));
        assert_eq!(group_of(&groups, 3), Some(2));
        assert_eq!(group_of(&groups, 5), None);
    }
}
