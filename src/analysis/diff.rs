//! `pprof-tui diff BASE NEW`: every site's value in the base and in the new
//! profile, ranked by growth.
//!
//! Its numbers are those of `top --diff-base`: a row's delta is the flat (or
//! cum) that `go tool pprof -diff_base` prints for it, and `--normalize`
//! scales the new profile to the base's total exactly as pprof does. pprof
//! merges the two profiles into one ([`diff_base_owned`](crate::profile::diff_base_owned)); when that
//! merge would only append the base, the two are summed apart and joined
//! instead ([`Lineup`]), which gives the same numbers for less time and
//! memory.

use std::cmp::Ordering;

use super::aggregate::{Inlined, SortBy, SuffixesInWalk};
use super::filter::Filters;
use super::limit::GrowthLimit;
use super::lineup::Lineup;
use super::sites::{Series, Sites, StackSite, resolve_kept};
use super::stacks::{Granularity, NodeId};
use crate::profile::{MergeError, ValueType};

/// How a site changed between the two profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Absent from the base (zero there), present in the new profile.
    New,
    /// Present in the base, gone (zero) in the new profile.
    Vanished,
    /// In both, with a different flat or cum.
    Changed,
    /// In both, with the same flat and cum.
    Unchanged,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Vanished => "vanished",
            Status::Changed => "changed",
            Status::Unchanged => "unchanged",
        }
    }
}

/// One site on both sides of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    /// The node, for node sites; `None` for whole stacks.
    pub node: Option<NodeId>,
    /// The row name, as `top` prints it (without the inline suffix).
    pub name: String,
    pub inlined: Inlined,
    /// At `stacks` granularity: the stack.
    pub stack: Option<StackSite>,
    pub base_flat: i64,
    pub new_flat: i64,
    pub base_cum: i64,
    pub new_cum: i64,
}

/// `new − base` relative to `|base|`; `None` when the base is zero.
fn relative(base: i64, new: i64) -> Option<f64> {
    (base != 0).then(|| (new as f64 - base as f64) / (base as f64).abs())
}

impl DiffRow {
    pub fn flat_delta(&self) -> i64 {
        self.new_flat.wrapping_sub(self.base_flat)
    }

    pub fn cum_delta(&self) -> i64 {
        self.new_cum.wrapping_sub(self.base_cum)
    }

    /// Flat growth as a fraction of the base flat (0.5 = +50%); `None` for a
    /// zero base.
    pub fn flat_relative(&self) -> Option<f64> {
        relative(self.base_flat, self.new_flat)
    }

    /// Cum growth as a fraction of the base cum.
    pub fn cum_relative(&self) -> Option<f64> {
        relative(self.base_cum, self.new_cum)
    }

    /// The delta a ranking by `by` uses.
    pub fn delta(&self, by: SortBy) -> i64 {
        match by {
            SortBy::Flat => self.flat_delta(),
            SortBy::Cum => self.cum_delta(),
        }
    }

    pub fn relative(&self, by: SortBy) -> Option<f64> {
        match by {
            SortBy::Flat => self.flat_relative(),
            SortBy::Cum => self.cum_relative(),
        }
    }

    pub fn status(&self) -> Status {
        let in_base = self.base_flat != 0 || self.base_cum != 0;
        let in_new = self.new_flat != 0 || self.new_cum != 0;
        match (in_base, in_new) {
            (false, _) => Status::New,
            (true, false) => Status::Vanished,
            _ if self.flat_delta() == 0 && self.cum_delta() == 0 => Status::Unchanged,
            _ => Status::Changed,
        }
    }
}

impl DiffRow {
    /// A site of a lineup: the base is position 0, held times `base_sign`
    /// (a `-diff_base` profile negates it, see [`diff_base_owned`](crate::profile::diff_base_owned)) and
    /// given back its sign here; the new side is position `last`.
    fn from_series(s: Series, base_sign: i64, last: usize) -> DiffRow {
        let side = |values: &[i64], g: usize| values.get(g).copied().unwrap_or(0);
        DiffRow {
            node: s.node,
            base_flat: side(&s.flat, 0).wrapping_mul(base_sign),
            new_flat: side(&s.flat, last),
            base_cum: side(&s.cum, 0).wrapping_mul(base_sign),
            new_cum: side(&s.cum, last),
            name: s.name,
            inlined: s.inlined,
            stack: s.stack,
        }
    }
}

/// Which growth ranks first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GrowthOrder {
    /// The largest increase (`new − base`) first.
    #[default]
    Absolute,
    /// The largest increase relative to the base first; new sites (an
    /// infinite increase) lead, vanished ones (−100%) trail.
    Relative,
}

/// What to compare and how to rank it.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Index into the profile's sample types.
    pub sample_index: usize,
    pub granularity: Granularity,
    pub filters: Filters,
    /// Rank by the change of flat (default) or of cum.
    pub by: SortBy,
    pub order: GrowthOrder,
    /// Keep at most this many rows; 0 keeps all.
    pub node_count: usize,
    /// Also list sites whose flat and cum did not change.
    pub unchanged: bool,
    /// `--fail-on-growth`: sites whose growth (of the ranked value) goes
    /// past it are reported in [`Diff::over_limit`]. Percentages are of the
    /// base total.
    pub limit: Option<GrowthLimit>,
}

/// A site that grew past the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    pub name: String,
    pub growth: i64,
}

impl Breach {
    /// The rows over a limit (`growth` is their growth), named with their
    /// inline suffixes: largest growth first, ties by name.
    pub(crate) fn worst_first<R>(
        rows: &[R],
        growth: impl Fn(&R) -> Option<i64>,
        name: impl Fn(&R) -> (&str, Inlined),
    ) -> Vec<Breach> {
        let mut breaches: Vec<Breach> = rows
            .iter()
            .filter_map(|r| {
                let (name, inlined) = name(r);
                Some(Breach {
                    growth: growth(r)?,
                    name: format!("{name}{}", inlined.suffix()),
                })
            })
            .collect();
        breaches.sort_by(|a, b| b.growth.cmp(&a.growth).then_with(|| a.name.cmp(&b.name)));
        breaches
    }
}

/// The ranked comparison.
#[derive(Debug, Clone)]
pub struct Diff {
    pub sample_type: ValueType,
    /// Sum of the base profile's values (all samples, before filters).
    pub base_total: i64,
    /// Sum of the new profile's values.
    pub new_total: i64,
    pub rows: Vec<DiffRow>,
    /// Rows before `node_count` cut the list.
    pub site_total: usize,
    /// Unchanged sites left out (0 with `unchanged`).
    pub unchanged: usize,
    /// Every site (not only the rows kept) over the limit, largest growth first.
    pub over_limit: Vec<Breach>,
}

/// Ranks the sites of a lineup by growth from its first position (the
/// base of a comparison, see [`Lineup::comparison`]) to its last.
pub fn diff(lineup: &Lineup, options: &DiffOptions) -> Result<Diff, MergeError> {
    let totals = lineup.totals(options.sample_index);
    let ends = (
        totals.first().copied().unwrap_or(0),
        totals.last().copied().unwrap_or(0),
    );
    let sample_type = lineup.profile().sample_types[options.sample_index].clone();
    let base_sign = lineup.sign(0);
    let last = lineup.count().saturating_sub(1);
    lineup.rank_sites(
        options.sample_index,
        options.granularity,
        &options.filters,
        SuffixesInWalk::keeping(options.node_count),
        |sites, source| {
            rank(
                sites,
                |s| DiffRow::from_series(s, base_sign, last),
                ends,
                sample_type,
                options,
                |shown, flat_sum| source.inline_suffixes(flat_sum, shown),
            )
        },
    )
}

/// Sorts, counts and trims the sites of a diff (group 0: the base, negated;
/// group 1: the new profile). `resolve_suffixes(rows, flat_sum)` fills in the
/// inline suffixes of the rows kept when the sums did not.
fn rank(
    sites: Sites,
    to_row: impl Fn(Series) -> DiffRow,
    (base_total, new_total): (i64, i64),
    sample_type: ValueType,
    options: &DiffOptions,
    resolve_suffixes: impl FnOnce(Vec<(NodeId, &mut Inlined)>, i64),
) -> Diff {
    let inlining_resolved = sites.inlining_resolved;
    let mut rows: Vec<DiffRow> = sites.series.into_iter().map(to_row).collect();
    let flat_sum = rows
        .iter()
        .map(DiffRow::flat_delta)
        .fold(0i64, i64::wrapping_add);
    // A row that did not change never grows past a limit.
    let over = |r: &DiffRow| {
        let growth = r.delta(options.by);
        let limit = options.limit.as_ref()?;
        limit.is_exceeded(growth, base_total).then_some(growth)
    };
    let before = rows.len();
    if !options.unchanged {
        rows.retain(|r| r.status() != Status::Unchanged);
    }
    let unchanged = before - rows.len();
    sort_rows(&mut rows, options.by, options.order);
    let site_total = rows.len();
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
    Diff {
        sample_type,
        base_total,
        new_total,
        rows,
        site_total,
        unchanged,
        over_limit,
    }
}

/// Largest growth first; ties by name.
pub fn sort_rows(rows: &mut [DiffRow], by: SortBy, order: GrowthOrder) {
    let growth = |r: &DiffRow| match order {
        GrowthOrder::Absolute => (r.delta(by) as f64, 0.0),
        GrowthOrder::Relative => {
            let rel = r.relative(by).unwrap_or(match r.delta(by).cmp(&0) {
                Ordering::Greater => f64::INFINITY,
                Ordering::Less => f64::NEG_INFINITY,
                Ordering::Equal => 0.0,
            });
            (rel, r.delta(by) as f64)
        }
    };
    rows.sort_by(|a, b| {
        let (ga, gb) = (growth(a), growth(b));
        gb.0.total_cmp(&ga.0)
            .then_with(|| gb.1.total_cmp(&ga.1))
            .then_with(|| a.name.cmp(&b.name))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, base: i64, new: i64) -> DiffRow {
        DiffRow {
            node: None,
            name: name.to_owned(),
            inlined: Inlined::No,
            stack: None,
            base_flat: base,
            new_flat: new,
            base_cum: base,
            new_cum: new,
        }
    }

    /// Sites whose suffixes the sums left unresolved: `node` `i` is named
    /// by the letter `a` + i and is in the base with `base` and in the new
    /// profile with `new` (flat and cum alike).
    fn unresolved(sites: &[(i64, i64)]) -> Sites {
        let series = sites
            .iter()
            .enumerate()
            .map(|(i, &(base, new))| Series {
                node: Some(NodeId(i as u32)),
                name: char::from(b'a' + i as u8).to_string(),
                inlined: Inlined::No,
                stack: None,
                flat: vec![-base, new],
                cum: vec![-base, new],
            })
            .collect();
        Sites {
            series,
            inlining_resolved: false,
        }
    }

    #[test]
    fn a_site_over_the_limit_is_named_with_its_suffix_though_not_shown() {
        let options = DiffOptions {
            node_count: 1,
            order: GrowthOrder::Relative,
            limit: Some(GrowthLimit::Amount {
                value: 50.0,
                spec: "50".into(),
            }),
            ..DiffOptions::default()
        };
        let sample_type = ValueType {
            name: "inuse_space".into(),
            unit: "bytes".into(),
        };
        // `a` doubles (shown first by relative growth); `b` grows the most
        // (over the limit, not shown) and is the one inlined; `c` did not
        // change (left out).
        let mut asked = Vec::new();
        let diff = rank(
            unresolved(&[(10, 20), (1000, 1100), (5, 5)]),
            |s| DiffRow::from_series(s, -1, 1),
            (1015, 1125),
            sample_type,
            &options,
            |rows, _| {
                for (node, inlined) in rows {
                    asked.push(node.0);
                    if node.0 == 1 {
                        *inlined = Inlined::Always;
                    }
                }
            },
        );
        let shown: Vec<&str> = diff.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(shown, ["a"]);
        assert_eq!(asked, [0, 1], "the row shown and the row over the limit");
        assert_eq!(
            diff.over_limit,
            [Breach {
                name: "b (inline)".into(),
                growth: 100,
            }]
        );
    }

    #[test]
    fn statuses() {
        assert_eq!(row("a", 0, 5).status(), Status::New);
        assert_eq!(row("a", 5, 0).status(), Status::Vanished);
        assert_eq!(row("a", 5, 7).status(), Status::Changed);
        assert_eq!(row("a", 5, 5).status(), Status::Unchanged);
        assert_eq!(row("a", 4, 6).flat_relative(), Some(0.5));
        assert_eq!(row("a", 0, 6).flat_relative(), None);
    }

    #[test]
    fn absolute_order_puts_the_largest_increase_first() {
        let mut rows = vec![
            row("shrinks", 100, 10),
            row("doubles", 10, 20),
            row("new", 0, 50),
            row("grows", 1000, 1100),
        ];
        sort_rows(&mut rows, SortBy::Flat, GrowthOrder::Absolute);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["grows", "new", "doubles", "shrinks"]);
    }

    #[test]
    fn relative_order_puts_new_sites_then_the_largest_ratio_first() {
        let mut rows = vec![
            row("shrinks", 100, 10),
            row("doubles", 10, 20),
            row("new-small", 0, 5),
            row("new-big", 0, 50),
            row("grows", 1000, 1100),
            row("gone", 10, 0),
        ];
        sort_rows(&mut rows, SortBy::Flat, GrowthOrder::Relative);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "new-big",
                "new-small",
                "doubles",
                "grows",
                "shrinks",
                "gone"
            ]
        );
    }
}
