//! The study: the profiles under study and their roles, decided in one
//! place.
//!
//! A command names profiles; what it does with them depends on their roles:
//! one profile; several merged into one (`top A B`, `--merge`); a profile
//! compared with a base (`--diff-base`, `--base`, `--normalize`, `diff`); or
//! snapshots in time (`trend`, the Trend view). A [`Study`] holds the loaded
//! profiles in their roles and owns every choice that follows from them:
//! keeping profiles apart or merging them, the order of snapshots, the
//! sample-type notes, the goroutine whole-stack default and pprof's
//! `-normalize` arithmetic. Reports, exports and the TUI consume what it
//! prepares; they never combine profiles themselves.

use std::borrow::Cow;
use std::sync::Arc;

use super::lineup::Lineup;
use super::runtime::snapshot_facts;
use super::stacks::{Granularity, is_goroutine_profile};
use super::trend::{Chronology, Restart, chronological_order, lives};
use crate::profile::{
    BaseMode, MergeError, Profile, combine_with_base, common_sample_types, diff_base_owned,
    is_fresh_heap, merge, with_alloc_and_inuse,
};

/// Why the profiles of a study could not be put together: they cannot be
/// merged or compared (no shared sample types, other period types), or the
/// study has no profile in a role it needs. Never a decode error: the
/// profiles were read before.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// Merging or comparing failed (the message is the merge's).
    #[error(transparent)]
    Merge(#[from] MergeError),
    #[error("no profile given")]
    Empty,
    #[error("two profiles are needed")]
    NotTwo,
    /// Export draws one profile, or one profile against one base.
    #[error("a flame graph draws one profile, alone or against one base")]
    NotDrawable,
}

/// The profiles under study, in their roles.
pub enum Study {
    /// One profile.
    One(Arc<Profile>),
    /// Several profiles merged into one, as `go tool pprof A B C` does.
    Merged(Vec<Profile>),
    /// Profiles compared with bases: `-diff_base` (the base kept apart,
    /// percentages of its total) or `-base` (subtracted), optionally
    /// normalized. Each side is merged when it holds several.
    Against(Against),
    /// Snapshots of one program, oldest first.
    Snapshots(Timeline),
}

/// Profiles compared with bases.
pub struct Against {
    news: Vec<Profile>,
    bases: Vec<Profile>,
    mode: BaseMode,
    normalize: bool,
}

/// Snapshots put in comparison order (oldest first, see
/// [`chronological_order`]).
pub struct Timeline {
    /// The profiles, oldest first (shared: a watch's ring holds them too).
    pub profiles: Vec<Arc<Profile>>,
    /// Their names (as the user gave them), in the same order.
    pub names: Vec<String>,
    /// Where each came in the order given.
    pub order: Vec<usize>,
    /// Reordering and sample-type notes for the user.
    pub notes: Vec<String>,
    /// Every snapshot has a time stamp and the order follows them.
    pub by_time: bool,
    /// Each snapshot's time in minutes since the first, when ordered by time.
    pub minutes: Option<Vec<f64>>,
    /// Where a new process started (see [`lives`]).
    pub restarts: Vec<Restart>,
    /// Some snapshots were given all four heap types (see
    /// [`mixes_heap_forms`]): the profiles differ from the files as read.
    pub reshaped: bool,
}

/// What an export draws: one profile, alone or against a base.
#[derive(Clone, Copy)]
pub struct Sides<'a> {
    /// The profile shown (the new one in a comparison).
    pub new: &'a Profile,
    pub base: Option<&'a Profile>,
    /// Scale `new` to the base's total first (`-normalize`).
    pub normalize: bool,
}

impl Study {
    /// One profile, or several merged.
    pub fn of(mut profiles: Vec<Profile>) -> Result<Study, StudyError> {
        match profiles.len() {
            0 => Err(StudyError::Empty),
            1 => Ok(Study::One(Arc::new(profiles.remove(0)))),
            _ => Ok(Study::Merged(profiles)),
        }
    }

    /// `news` compared with `bases` (neither empty).
    pub fn against(
        news: Vec<Profile>,
        bases: Vec<Profile>,
        mode: BaseMode,
        normalize: bool,
    ) -> Result<Study, StudyError> {
        if news.is_empty() || bases.is_empty() {
            return Err(StudyError::NotTwo);
        }
        let (mut news, mut bases) = (news, bases);
        let fresh_among_full = {
            let all: Vec<&Profile> = news.iter().chain(&bases).collect();
            mixes_heap_forms(&all)
        };
        if fresh_among_full {
            for p in news.iter_mut().chain(bases.iter_mut()) {
                if is_fresh_heap(p) {
                    *p = with_alloc_and_inuse(p);
                }
            }
        }
        Ok(Study::Against(Against {
            news,
            bases,
            mode,
            normalize,
        }))
    }

    /// Snapshots (`names[i]` names `profiles[i]`), put oldest first by their
    /// time stamps when all have one, else kept in the order given.
    pub fn snapshots<P: Into<Arc<Profile>>>(profiles: Vec<P>, names: Vec<String>) -> Study {
        Study::Snapshots(Timeline::new(profiles, names))
    }

    /// What the user should know about the study before it is prepared:
    /// profiles merged or compared whose sample types differ (only the
    /// common ones are kept); snapshots reordered.
    pub fn notes(&self) -> Vec<String> {
        match self {
            Study::One(_) => Vec::new(),
            Study::Merged(profiles) => {
                let refs: Vec<&Profile> = profiles.iter().collect();
                type_note(&refs, "the profiles", "using")
                    .into_iter()
                    .collect()
            }
            Study::Against(a) => {
                let refs: Vec<&Profile> = a.news.iter().chain(&a.bases).collect();
                type_note(&refs, "the profiles", "using")
                    .into_iter()
                    .collect()
            }
            Study::Snapshots(t) => t.notes.clone(),
        }
    }

    /// The one profile a report ranks: the profile, the merged profiles,
    /// or the comparison combined as pprof combines it.
    pub fn into_profile(self) -> Result<Profile, StudyError> {
        match self {
            Study::One(p) => Ok(Arc::unwrap_or_clone(p)),
            Study::Merged(profiles) => {
                let refs: Vec<&Profile> = profiles.iter().collect();
                Ok(merge(&refs)?)
            }
            Study::Against(a) => a.into_profile(),
            Study::Snapshots(t) => {
                let refs: Vec<&Profile> = t.profiles.iter().map(|p| &**p).collect();
                Ok(merge(&refs)?)
            }
        }
    }

    /// The profile shown, and the study as export still needs it (the
    /// sides of a comparison; a merged profile once, not its parts).
    pub fn into_shown(self) -> Result<(Arc<Profile>, Study), StudyError> {
        match self {
            Study::One(p) => Ok((Arc::clone(&p), Study::One(p))),
            Study::Against(a) => {
                let combined = Arc::new(a.combined()?);
                Ok((combined, Study::Against(a)))
            }
            other => {
                let p = Arc::new(other.into_profile()?);
                Ok((Arc::clone(&p), Study::One(p)))
            }
        }
    }

    /// The two profiles of `diff BASE NEW`, lined up (see
    /// [`Lineup::comparison`]).
    pub fn into_comparison(self) -> Result<Lineup, StudyError> {
        match self {
            Study::Against(Against {
                mut news,
                mut bases,
                normalize,
                ..
            }) if news.len() == 1 && bases.len() == 1 => match (news.pop(), bases.pop()) {
                (Some(new), Some(base)) => Ok(Lineup::comparison(base, new, normalize)?),
                _ => Err(StudyError::NotTwo),
            },
            _ => Err(StudyError::NotTwo),
        }
    }

    /// What an export draws.
    pub fn sides(&self) -> Result<Sides<'_>, StudyError> {
        match self {
            Study::One(p) => Ok(Sides {
                new: p,
                base: None,
                normalize: false,
            }),
            Study::Against(Against {
                news,
                bases,
                normalize,
                mode: BaseMode::DiffBase,
            }) => match (news.as_slice(), bases.as_slice()) {
                ([new], [base]) => Ok(Sides {
                    new,
                    base: Some(base),
                    normalize: *normalize,
                }),
                _ => Err(StudyError::NotDrawable),
            },
            _ => Err(StudyError::NotDrawable),
        }
    }
}

impl Against {
    /// The comparison combined into one profile, as pprof does (the new
    /// profile's arrays taken over in the common `-diff_base` case).
    fn into_profile(mut self) -> Result<Profile, StudyError> {
        if self.mode == BaseMode::DiffBase && self.news.len() == 1 && self.bases.len() == 1 {
            return match (self.news.pop(), self.bases.pop()) {
                (Some(new), Some(base)) => Ok(diff_base_owned(new, &base, self.normalize)?),
                _ => Err(StudyError::NotTwo),
            };
        }
        self.combined()
    }

    /// The comparison combined into one profile, the sides kept.
    fn combined(&self) -> Result<Profile, StudyError> {
        let news: Vec<&Profile> = self.news.iter().collect();
        let bases: Vec<&Profile> = self.bases.iter().collect();
        Ok(combine_with_base(&news, &bases, self.mode, self.normalize)?)
    }
}

impl Sides<'_> {
    /// Whether `new` is scaled to the base's total.
    pub fn scales(&self) -> bool {
        self.normalize && self.base.is_some()
    }

    /// The new profile as `-normalize` scales it: as it is, each original
    /// sample rounded (today's pprof no longer merges a lone profile first,
    /// as Go 1.19's did).
    pub fn prepared(&self) -> Result<Cow<'_, Profile>, MergeError> {
        Ok(Cow::Borrowed(self.new))
    }

    /// The factor `-normalize` multiplies every sample of `new` (type
    /// `index`) by: base total ÷ new total of the base's type `base_index`;
    /// `None` without normalizing.
    pub fn scale(&self, new: &Profile, index: usize, base_index: usize) -> Option<f64> {
        let base = self.base.filter(|_| self.normalize)?;
        Some(normalize_ratio(new, index, base, base_index))
    }
}

/// pprof's `-normalize` (`Profile.Normalize`) scales the compared profile,
/// not the base: every sample of the new profile is multiplied by
/// base total ÷ new total (sums of the raw values, before any filter) and
/// rounded half away from zero (Go's `math.Round`, Rust's `f64::round`).
fn normalize_ratio(profile: &Profile, index: usize, base: &Profile, base_index: usize) -> f64 {
    let new = raw_sum(profile, index);
    let old = raw_sum(base, base_index);
    if new == 0 {
        0.0
    } else {
        old as f64 / new as f64
    }
}

/// Sum of the raw values, as pprof's `Normalize` computes it.
fn raw_sum(profile: &Profile, index: usize) -> i64 {
    let samples = profile.samples();
    (0..samples.len()).fold(0i64, |sum, s| sum.saturating_add(samples.value(s, index)))
}

impl Timeline {
    fn new<P: Into<Arc<Profile>>>(loaded: Vec<P>, names: Vec<String>) -> Timeline {
        let loaded: Vec<Arc<Profile>> = loaded.into_iter().map(Into::into).collect();
        let times: Vec<i64> = loaded.iter().map(|p| p.time_nanos).collect();
        let (chronology, mut notes) = snapshot_order(&times, &names);
        let mut slots: Vec<Option<Arc<Profile>>> = loaded.into_iter().map(Some).collect();
        let mut profiles: Vec<Arc<Profile>> = chronology
            .order
            .iter()
            .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
            .collect();
        let names: Vec<String> = chronology
            .order
            .iter()
            .filter_map(|&i| names.get(i).cloned())
            .collect();
        let refs: Vec<&Profile> = profiles.iter().map(|p| &**p).collect();
        let reshaped = mixes_heap_forms(&refs);
        if reshaped {
            for p in &mut profiles {
                if is_fresh_heap(p) {
                    *p = Arc::new(with_alloc_and_inuse(p));
                }
            }
        }
        let refs: Vec<&Profile> = profiles.iter().map(|p| &**p).collect();
        notes.extend(type_note(&refs, "the snapshots", "comparing"));
        let facts: Vec<_> = refs.iter().map(|p| snapshot_facts(p)).collect();
        let restarts = lives(&facts);
        notes.extend(restarts.iter().map(|r| r.describe(&names)));
        let ordered: Vec<i64> = profiles.iter().map(|p| p.time_nanos).collect();
        let minutes = chronology.by_time.then(|| minutes_since_first(&ordered));
        Timeline {
            profiles,
            names,
            order: chronology.order,
            notes,
            by_time: chronology.by_time,
            minutes,
            restarts,
            reshaped,
        }
    }
}

/// The order snapshots with these time stamps (`names[i]` names the
/// `i`-th) are compared in, and what the user should know about it: the
/// one place the ordering notes are worded, for files and for a watch.
pub(crate) fn snapshot_order(times: &[i64], names: &[String]) -> (Chronology, Vec<String>) {
    let chronology = chronological_order(times);
    let mut notes = Vec::new();
    if chronology.reordered {
        let ordered: Vec<&str> = chronology
            .order
            .iter()
            .filter_map(|&i| names.get(i))
            .map(String::as_str)
            .collect();
        notes.push(format!(
            "the snapshots' time stamps disagree with the order given; comparing them oldest first: {}",
            ordered.join(", ")
        ));
    }
    if chronology.partly_timed {
        notes.push(
            "some snapshots have no time stamp; comparing them in the order given".to_owned(),
        );
    }
    (chronology, notes)
}

/// Each time (nanoseconds, in comparison order) in minutes since the first.
pub(crate) fn minutes_since_first(times: &[i64]) -> Vec<f64> {
    let first = times.first().copied().unwrap_or(0);
    times
        .iter()
        .map(|&t| t.wrapping_sub(first) as f64 / 60e9)
        .collect()
}

impl Study {
    /// The snapshots in order (a study of one profile is one snapshot).
    pub fn into_timeline(self) -> Result<Timeline, StudyError> {
        match self {
            Study::Snapshots(t) => Ok(t),
            _ => Err(StudyError::NotTwo),
        }
    }
}

impl Timeline {
    /// The snapshots lined up for ranking (see [`Lineup::snapshots`]); the
    /// names, notes and times stay here.
    pub fn take_snapshots(&mut self) -> Result<Lineup, StudyError> {
        Ok(Lineup::snapshots(std::mem::take(&mut self.profiles))?)
    }
}

/// The granularity a comparison (`diff`, `trend`, the Trend view, a
/// watch) works at: what was asked; else whole stacks for goroutine
/// profiles and functions for the rest. The one place this rule is
/// applied, for the CLI and the TUI.
pub fn study_granularity(
    profile: &Profile,
    sample_index: usize,
    asked: Option<Granularity>,
) -> Granularity {
    match asked {
        Some(granularity) => granularity,
        None if is_goroutine_profile(profile, sample_index) => Granularity::Stacks,
        None => Granularity::default(),
    }
}

/// Whether some of `profiles` are fresh heaps ([`is_fresh_heap`]: pprof's
/// `objects/space` reading of a `debug=1` header whose in-use and allocated
/// counts are equal) and others have the four heap types. Such a snapshot's
/// values are in use and allocated at once, so it joins the others under
/// all four ([`with_alloc_and_inuse`]): a series that starts on a fresh
/// process, or a comparison with one, is one series. The one place this is
/// decided; a profile read alone keeps pprof's names.
fn mixes_heap_forms(profiles: &[&Profile]) -> bool {
    let full = |p: &Profile| {
        [
            "alloc_objects",
            "alloc_space",
            "inuse_objects",
            "inuse_space",
        ]
        .iter()
        .all(|name| p.sample_types.iter().any(|t| t.name == *name))
    };
    profiles.iter().any(|p| is_fresh_heap(p)) && profiles.iter().any(|p| full(p))
}

/// A note when `profiles` do not all have the same sample types: only the
/// common ones are kept.
fn type_note(profiles: &[&Profile], what: &str, verb: &str) -> Option<String> {
    let common = common_sample_types(profiles);
    let differ = profiles.iter().any(|p| {
        p.sample_types.len() != common.len()
            || p.sample_types
                .iter()
                .zip(&common)
                .any(|(t, c)| &t.name != c)
    });
    (differ && !common.is_empty()).then(|| {
        format!(
            "{what} have different sample types; {verb} the {} they share: {}",
            common.len(),
            common.join(", ")
        )
    })
}
