//! pprof's `list`: flat and cum per source line, for the Source view.
//!
//! The sums are those of `top -g lines` (the same stack walk: a node per
//! function, file and line, cum counted once per sample), read per line of
//! one file. A listing opens on a function, as `list FUNC` does, but holds
//! every sampled line of that function's file, each with its own numbers
//! and the function they belong to, so a line of another function reached
//! by scrolling shows what that function spent there.

use std::collections::BTreeMap;

use super::aggregate::node_totals;
use super::filter::Filters;
use super::stacks::{Granularity, Stacks};
use crate::profile::Profile;

/// One sampled line of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineSums {
    pub line: i64,
    /// Value of samples whose leaf frame is this line.
    pub flat: i64,
    /// Value of samples through this line. When several functions share a
    /// line (a closure written on it), each one's cum is added, as their
    /// listings each count it.
    pub cum: i64,
    /// The function with the largest |cum| on this line (the only one,
    /// nearly always).
    pub function: String,
}

/// The lines of the file holding a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The function the listing was asked for.
    pub function: String,
    /// Its file as the profile names it (the one with most of its cum when
    /// the name appears in several); empty when the function has no samples.
    pub file: String,
    /// Every sampled line of `file`, ascending.
    pub lines: Vec<LineSums>,
}

impl Listing {
    /// The lines of the listed function alone, as `list FUNC` prints them.
    pub fn own_lines(&self) -> impl Iterator<Item = &LineSums> + '_ {
        self.lines.iter().filter(|l| l.function == self.function)
    }

    /// The line at `number`, if it has samples.
    pub fn at(&self, number: i64) -> Option<&LineSums> {
        self.lines
            .binary_search_by_key(&number, |l| l.line)
            .ok()
            .map(|i| &self.lines[i])
    }
}

/// Lists `function` (its exact name, as the views show it): flat and cum
/// of `sample_index` per line of its file, through `filters`.
pub fn list(profile: &Profile, sample_index: usize, filters: &Filters, function: &str) -> Listing {
    let stacks = Stacks::new(profile, Granularity::Lines, filters);
    let totals = node_totals(&stacks, sample_index);
    let mut files: BTreeMap<&str, u64> = BTreeMap::new();
    for t in &totals {
        let node = stacks.node(t.node);
        if node.name == function {
            *files.entry(&node.file).or_default() += t.cum.unsigned_abs();
        }
    }
    // The largest share; among equals, the first name.
    let file = files
        .iter()
        .fold(None, |best: Option<(&str, u64)>, (&f, &v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((f, v)),
        })
        .map(|(f, _)| f.to_owned())
        .unwrap_or_default();
    // Per line: the sums, and each function's |cum| there.
    let mut by_line: BTreeMap<i64, (i64, i64, BTreeMap<&str, u64>)> = BTreeMap::new();
    for t in &totals {
        let node = stacks.node(t.node);
        if file.is_empty() || node.file != file {
            continue;
        }
        let entry = by_line.entry(node.line).or_default();
        entry.0 = entry.0.wrapping_add(t.flat);
        entry.1 = entry.1.wrapping_add(t.cum);
        *entry.2.entry(&node.name).or_default() += t.cum.unsigned_abs();
    }
    let lines = by_line
        .into_iter()
        .map(|(line, (flat, cum, functions))| {
            // The listed function keeps a line it shares with an equal.
            let top = functions.values().copied().max().unwrap_or(0);
            let owner = if functions.get(function) == Some(&top) {
                function
            } else {
                functions
                    .iter()
                    .find(|&(_, &v)| v == top)
                    .map_or(function, |(&f, _)| f)
            };
            LineSums {
                line,
                flat,
                cum,
                function: owner.to_owned(),
            }
        })
        .collect();
    Listing {
        function: function.to_owned(),
        file,
        lines,
    }
}
