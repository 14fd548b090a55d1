//! What the views show, for the current sample type, granularity and
//! filters. The engine computes it (the Top rows are `analysis::top`'s, as
//! `pprof-tui top` prints them; Source's lines are `analysis::lines`', as
//! pprof's `list`; source files come from `input::code`); this module holds
//! the results as view state and formats their values. The profile is
//! decoded once; a [`Model`] is recomputed from it whenever one of those
//! settings changes, and owns what it holds so views never touch the
//! profile.

use std::path::PathBuf;
use std::sync::Arc;

use crate::analysis::calltree::TreeShape;
use crate::analysis::lines::{self, LineSums, Listing};
use crate::analysis::top::{TopOptions, TopOrder, TopRow, sort_rows, suffixes, top_of};
use crate::analysis::{
    CallTree, Cancel, Filters, Granularity, Inlined, NodeId, NodeTotals, Stacks,
};
use crate::input::code;
use crate::profile::{Profile, ValueType};
use crate::report::units::{label, percentage};

/// What a model is computed for.
#[derive(Debug, Clone)]
pub struct Settings {
    pub sample_index: usize,
    pub granularity: Granularity,
    pub filters: Filters,
    pub sort: TopOrder,
}

impl Settings {
    /// The view of `profile` at these settings, its walks stopping once
    /// `cancel` is set.
    fn stacks<'p>(&self, profile: &'p Profile, cancel: &Cancel) -> Stacks<'p> {
        Stacks::cancellable(profile, self.granularity, &self.filters, cancel.clone())
    }
}

/// Everything computed for one setting of sample type, granularity and
/// filters. It arrives in two steps: the Top rows first (with the inline
/// suffixes of the first page), then the call tree and the remaining
/// suffixes, which take longer on big profiles.
pub struct Model {
    pub sample_index: usize,
    pub granularity: Granularity,
    pub sample_type: ValueType,
    /// pprof's total: all samples before filters (the base total in a diff).
    pub total: i64,
    /// In a diff, the new profile's total (all samples outside the base);
    /// else `total`.
    pub new_total: i64,
    /// The call tree behind the flame graph and peek; only the root and the
    /// node names until `tree_ready`.
    pub tree: CallTree,
    pub tree_ready: bool,
    /// Top rows in the current sort order.
    pub rows: Vec<TopRow>,
    pub sort: TopOrder,
}

/// Rows whose inline suffix is resolved before the first screen; the rest
/// follow with the call tree.
const FIRST_PAGE: usize = 256;

impl Model {
    /// The Top rows and totals (fast: one parallel sample walk, with the
    /// inline suffixes of the first page); the call tree holds names only
    /// until it is built. Once `cancel` is set the walks stop early and the
    /// model is partial.
    pub fn compute(profile: &Profile, settings: &Settings, cancel: &Cancel) -> Model {
        let stacks = settings.stacks(profile, cancel);
        let tree = CallTree::names_only(&stacks);
        let options = TopOptions {
            sample_index: settings.sample_index,
            granularity: settings.granularity,
            filters: settings.filters.clone(),
            sort: settings.sort,
            first_suffixes: Some(FIRST_PAGE),
            ..TopOptions::default()
        };
        let top = top_of(&stacks, &options);
        Model {
            sample_index: settings.sample_index,
            granularity: settings.granularity,
            sample_type: top.sample_type,
            total: top.total,
            new_total: top.new_total,
            tree,
            tree_ready: false,
            rows: top.rows,
            sort: settings.sort,
        }
    }

    /// The call tree (off the UI thread: it sorts every stack). A shape
    /// sorted for the same granularity and filters, the tree of another
    /// sample type, is reused: only the values are summed again. Once
    /// `cancel` is set the tree is partial or empty.
    pub fn compute_tree(
        profile: &Profile,
        settings: &Settings,
        shape: Option<Arc<TreeShape>>,
        cancel: &Cancel,
    ) -> CallTree {
        let shape = match shape {
            Some(shape) if shape.fits(settings.granularity, &settings.filters) => shape,
            _ => {
                let stacks = settings.stacks(profile, cancel);
                Arc::new(TreeShape::of(&stacks))
            }
        };
        // A tree told to stop is thrown away: an empty one stands for it.
        CallTree::cancellable(shape, profile, settings.sample_index, cancel)
            .unwrap_or_else(CallTree::empty)
    }

    /// The Top rows and the call tree over `shape`, the sorted stacks of
    /// the same view for another sample type, side by side (summing values
    /// over sorted stacks is quick, so the flame graph is ready with the
    /// rows).
    pub fn compute_with_tree(
        profile: &Profile,
        settings: &Settings,
        shape: Arc<TreeShape>,
        cancel: &Cancel,
    ) -> Model {
        let (mut model, tree) = std::thread::scope(|scope| {
            let tree = scope.spawn(|| Model::compute_tree(profile, settings, Some(shape), cancel));
            let model = Model::compute(profile, settings, cancel);
            (model, tree.join())
        });
        match tree {
            Ok(tree) => model.install_tree(tree),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        model
    }

    /// Installs the call tree.
    pub fn install_tree(&mut self, tree: CallTree) {
        self.tree = tree;
        self.tree_ready = true;
    }

    /// The shape of the installed tree, for the next model's tree.
    pub fn tree_shape(&self) -> Option<Arc<TreeShape>> {
        self.tree_ready.then(|| Arc::clone(self.tree.shape()))
    }

    /// The Top rows' totals, for [`Model::compute_inlined`].
    pub fn row_totals(&self) -> Vec<NodeTotals> {
        self.rows
            .iter()
            .filter(|r| r.stack.is_none())
            .map(TopRow::totals)
            .collect()
    }

    /// Every row's inline suffix (slow on big profiles: run off the UI
    /// thread, after the call tree). Once `cancel` is set they are partial.
    pub fn compute_inlined(
        profile: &Profile,
        settings: &Settings,
        totals: Vec<NodeTotals>,
        cancel: &Cancel,
    ) -> Vec<(NodeId, Inlined)> {
        let stacks = settings.stacks(profile, cancel);
        // The rows' node ids are those of the whole view: one stopped
        // while it was built has fewer nodes.
        if stacks.cancelled() {
            return Vec::new();
        }
        suffixes(&stacks, settings.sample_index, totals)
    }

    /// Installs every row's inline suffix.
    pub fn install_inlined(&mut self, inlined: &[(NodeId, Inlined)]) {
        let by_node: std::collections::HashMap<NodeId, Inlined> = inlined.iter().copied().collect();
        for row in self.rows.iter_mut().filter(|r| r.stack.is_none()) {
            if let Some(&i) = by_node.get(&row.node) {
                row.inlined = i;
            }
        }
    }

    /// Reorders the Top rows.
    pub fn sort_rows(&mut self, sort: TopOrder) {
        self.sort = sort;
        sort_rows(&mut self.rows, self.granularity, sort);
    }

    /// The row's name as `top` prints it, with pprof's inline suffix.
    pub fn row_name(&self, row: &TopRow) -> String {
        format!("{}{}", row.name, row.inlined.suffix())
    }

    /// The row's name without the inline suffix: what searches match.
    pub fn row_label<'a>(&self, row: &'a TopRow) -> &'a str {
        &row.name
    }

    /// A value in the sample type's unit, scaled for reading (`14.50MB`).
    pub fn format(&self, value: i64) -> String {
        label(value, &self.sample_type.unit)
    }

    /// A signed value for diffs: `+1.50MB`, `-2kB`, `0`.
    pub fn format_signed(&self, value: i64) -> String {
        let s = self.format(value);
        if value > 0 { format!("+{s}") } else { s }
    }

    /// `value` as a share of the total, pprof style.
    pub fn percent(&self, value: i64) -> String {
        percentage(value, self.total).trim().to_owned()
    }
}

/// One function's listing (see [`lines::list`]) and its source text when
/// found: what the Source view shows.
#[derive(Debug, Clone)]
pub struct SourceModel {
    pub function: String,
    /// The file as the profile names it.
    pub file: String,
    /// Where the text was read from, if a file was found.
    pub path: Option<PathBuf>,
    pub text: Vec<String>,
    pub listing: Listing,
}

impl SourceModel {
    /// Lists `function` and looks for its file in `search` (see
    /// [`code::find`]).
    pub fn compute(
        profile: &Profile,
        sample_index: usize,
        filters: &Filters,
        function: &str,
        search: &[PathBuf],
    ) -> SourceModel {
        let listing = lines::list(profile, sample_index, filters, function);
        let path = code::find(&listing.file, search);
        let text = path
            .as_deref()
            .and_then(|p| code::read_lines(p).ok())
            .map(|lines| lines.iter().map(|l| l.replace('\t', "    ")).collect())
            .unwrap_or_default();
        SourceModel {
            function: function.to_owned(),
            file: listing.file.clone(),
            path,
            text,
            listing,
        }
    }

    /// The lines listed without the text: the function's own, as `list`
    /// prints them.
    fn own(&self) -> Vec<&LineSums> {
        self.listing.own_lines().collect()
    }

    /// The rows the Source view lists: every line of the file when its text
    /// was found, else only the function's lines with samples.
    pub fn row_count(&self) -> usize {
        if self.text.is_empty() {
            self.listing.own_lines().count()
        } else {
            self.text.len()
        }
    }

    /// Row `i`: its line, with that line's own numbers and function (the
    /// listed function's, with no samples, when nothing was sampled
    /// there), and its text.
    pub fn row(&self, i: usize) -> (SourceLine<'_>, &str) {
        if self.text.is_empty() {
            let own = self.own();
            return (
                own.get(i)
                    .map_or_else(|| self.unsampled(0), |l| SourceLine::of(l)),
                "",
            );
        }
        let number = i as i64 + 1;
        let line = self
            .listing
            .at(number)
            .map_or_else(|| self.unsampled(number), SourceLine::of);
        (line, self.text.get(i).map_or("", String::as_str))
    }

    fn unsampled(&self, line: i64) -> SourceLine<'_> {
        SourceLine {
            line,
            flat: 0,
            cum: 0,
            function: &self.function,
        }
    }

    /// The row of the function's line with the largest cum, to open the
    /// view on.
    pub fn hottest_row(&self) -> usize {
        let own = self.own();
        let Some(hottest) = own.iter().max_by_key(|l| l.cum.unsigned_abs()) else {
            return 0;
        };
        if self.text.is_empty() {
            own.iter().position(|l| l.line == hottest.line).unwrap_or(0)
        } else {
            (hottest.line.max(1) as usize - 1).min(self.text.len().saturating_sub(1))
        }
    }
}

/// A row of the Source view: a line's own numbers and the function they
/// belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceLine<'a> {
    pub line: i64,
    pub flat: i64,
    pub cum: i64,
    pub function: &'a str,
}

impl<'a> SourceLine<'a> {
    fn of(sums: &'a LineSums) -> SourceLine<'a> {
        SourceLine {
            line: sums.line,
            flat: sums.flat,
            cum: sums.cum,
            function: &sums.function,
        }
    }
}
