//! The numbers the views show, computed from the loaded profile for the
//! current sample type, granularity and filters. The profile is decoded once;
//! a [`Model`] is recomputed from it whenever one of those settings changes,
//! and owns everything it computed so views never touch the profile.

use std::path::PathBuf;
use std::sync::Arc;

use crate::analysis::aggregate::sort_totals;
use crate::analysis::calltree::TreeShape;
use crate::analysis::lines::{self, LineSums, Listing};
use crate::analysis::{
    CallTree, Filters, Granularity, Inlined, NodeId, NodeTotals, SortBy, Stacks, node_totals,
    resolve_inlining, series, total,
};
use crate::input::code;
use crate::profile::{Profile, ValueType};
use crate::report::units::{label, percentage};

/// How the Top view orders its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// By |flat|, as `go tool pprof -top`.
    Flat,
    /// By |cum|, as `-top -cum`.
    Cum,
    /// By name.
    Name,
}

impl Sort {
    pub fn next(self) -> Sort {
        match self {
            Sort::Flat => Sort::Cum,
            Sort::Cum => Sort::Name,
            Sort::Name => Sort::Flat,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Flat => "flat",
            Sort::Cum => "cum",
            Sort::Name => "name",
        }
    }
}

/// One row of the Top view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub node: NodeId,
    /// Signed flat (new − base in a diff).
    pub flat: i64,
    pub cum: i64,
    pub inlined: Inlined,
    /// The base profile's flat and cum in a diff, else 0.
    pub base_flat: i64,
    pub base_cum: i64,
    /// At `stacks` granularity the row is a whole stack, named by this
    /// label (`main.leakyWorker [runtime.gopark → …]`); `node` is then the
    /// function that names it.
    pub stack: Option<String>,
}

/// What a model is computed for.
#[derive(Debug, Clone)]
pub struct Settings {
    pub sample_index: usize,
    pub granularity: Granularity,
    pub filters: Filters,
    pub sort: Sort,
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
    pub rows: Vec<Row>,
    pub sort: Sort,
}

/// Rows whose inline suffix is resolved before the first screen; the rest
/// follow with the call tree.
const FIRST_PAGE: usize = 256;

impl Model {
    /// A model of these rows (sorted as `settings` asks) and totals; the
    /// call tree holds names only until it is built.
    fn sorted(profile: &Profile, settings: &Settings, tree: CallTree, rows: Vec<Row>) -> Model {
        let sample_index = settings.sample_index;
        let mut model = Model {
            sample_index,
            granularity: settings.granularity,
            sample_type: profile.sample_types[sample_index].clone(),
            total: total(profile, sample_index),
            new_total: new_total(profile, sample_index),
            tree,
            tree_ready: false,
            rows,
            sort: settings.sort,
        };
        model.sort_rows(settings.sort);
        model
    }

    /// The Top rows and totals (fast: one parallel sample walk).
    pub fn compute(profile: &Profile, settings: &Settings) -> Model {
        let Settings {
            sample_index,
            granularity,
            ref filters,
            ..
        } = *settings;
        let stacks = Stacks::new(profile, granularity, filters);
        let tree = CallTree::names_only(&stacks);
        if granularity == Granularity::Stacks {
            let rows = stack_rows(&stacks, sample_index, tree.names());
            return Model::sorted(profile, settings, tree, rows);
        }
        let base =
            (!profile.samples().diff_base.is_empty()).then(|| base_sums(&stacks, sample_index));
        let totals = node_totals(&stacks, sample_index);
        let rows = totals
            .into_iter()
            .map(|t: NodeTotals| {
                let (base_flat, base_cum) = base.as_ref().map_or((0, 0), |b| b[t.node.index()]);
                Row {
                    node: t.node,
                    flat: t.flat,
                    cum: t.cum,
                    inlined: t.inlined,
                    base_flat,
                    base_cum,
                    stack: None,
                }
            })
            .collect();
        let mut model = Model::sorted(profile, settings, tree, rows);
        let first: Vec<NodeId> = model.rows.iter().take(FIRST_PAGE).map(|r| r.node).collect();
        let inlined = inline_suffixes(&stacks, &model, &first);
        model.set_inlined(&inlined);
        model
    }

    /// The call tree (off the UI thread: it sorts every stack). A shape
    /// sorted for the same granularity and filters, the tree of another
    /// sample type, is reused: only the values are summed again.
    pub fn compute_tree(
        profile: &Profile,
        settings: &Settings,
        shape: Option<Arc<TreeShape>>,
    ) -> CallTree {
        let shape = match shape {
            Some(shape) if shape.fits(settings.granularity, &settings.filters) => shape,
            _ => {
                let stacks = Stacks::new(profile, settings.granularity, &settings.filters);
                Arc::new(TreeShape::of(&stacks))
            }
        };
        CallTree::new(shape, profile, settings.sample_index)
    }

    /// The Top rows and the call tree over `shape`, the sorted stacks of
    /// the same view for another sample type, side by side (summing values
    /// over sorted stacks is quick, so the flame graph is ready with the
    /// rows).
    pub fn compute_with_tree(
        profile: &Profile,
        settings: &Settings,
        shape: Arc<TreeShape>,
    ) -> Model {
        let (mut model, tree) = std::thread::scope(|scope| {
            let tree = scope.spawn(|| Model::compute_tree(profile, settings, Some(shape)));
            let model = Model::compute(profile, settings);
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
            .map(|r| NodeTotals {
                node: r.node,
                flat: r.flat,
                cum: r.cum,
                inlined: r.inlined,
            })
            .collect()
    }

    /// Every row's inline suffix (slow on big profiles: run off the UI
    /// thread, after the call tree).
    pub fn compute_inlined(
        profile: &Profile,
        settings: &Settings,
        mut totals: Vec<NodeTotals>,
    ) -> Vec<(NodeId, Inlined)> {
        let stacks = Stacks::new(profile, settings.granularity, &settings.filters);
        let flat_sum = totals.iter().fold(0i64, |sum, t| sum.wrapping_add(t.flat));
        resolve_inlining(&stacks, settings.sample_index, &mut totals, flat_sum);
        totals.into_iter().map(|t| (t.node, t.inlined)).collect()
    }

    /// Installs every row's inline suffix.
    pub fn install_inlined(&mut self, inlined: &[(NodeId, Inlined)]) {
        self.set_inlined(inlined);
    }

    fn set_inlined(&mut self, inlined: &[(NodeId, Inlined)]) {
        let by_node: std::collections::HashMap<NodeId, Inlined> = inlined.iter().copied().collect();
        for row in self.rows.iter_mut().filter(|r| r.stack.is_none()) {
            if let Some(&i) = by_node.get(&row.node) {
                row.inlined = i;
            }
        }
    }

    /// Reorders the Top rows.
    pub fn sort_rows(&mut self, sort: Sort) {
        self.sort = sort;
        if self.granularity == Granularity::Stacks {
            // Whole stacks: flat equals cum; by size, then label, as `top -g stacks`.
            self.rows.sort_by(|a, b| {
                let by_label = a.stack.cmp(&b.stack);
                match sort {
                    Sort::Name => by_label,
                    Sort::Flat | Sort::Cum => b
                        .flat
                        .unsigned_abs()
                        .cmp(&a.flat.unsigned_abs())
                        .then(by_label),
                }
            });
            return;
        }
        let names = self.tree.names();
        match sort {
            Sort::Name => self
                .rows
                .sort_by(|a, b| names[a.node.index()].cmp(&names[b.node.index()])),
            Sort::Flat | Sort::Cum => {
                // The engine's order, so the Top view lists rows exactly as `top` prints them.
                let mut totals: Vec<NodeTotals> = self
                    .rows
                    .iter()
                    .map(|r| NodeTotals {
                        node: r.node,
                        flat: r.flat,
                        cum: r.cum,
                        inlined: r.inlined,
                    })
                    .collect();
                let by = if sort == Sort::Cum {
                    SortBy::Cum
                } else {
                    SortBy::Flat
                };
                sort_totals(&mut totals, names, by);
                let order: std::collections::HashMap<NodeId, usize> = totals
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.node, i))
                    .collect();
                self.rows
                    .sort_by_key(|r| order.get(&r.node).copied().unwrap_or(usize::MAX));
            }
        }
    }

    /// The row's name as `top` prints it, with pprof's inline suffix.
    pub fn row_name(&self, row: &Row) -> String {
        format!("{}{}", self.row_label(row), row.inlined.suffix())
    }

    /// The row's name without the inline suffix: what searches match.
    pub fn row_label<'a>(&'a self, row: &'a Row) -> &'a str {
        match &row.stack {
            Some(label) => label,
            None => &self.tree.names()[row.node.index()],
        }
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

/// The total of the samples outside a diff's base (all of them when
/// there is no base).
fn new_total(profile: &Profile, sample_index: usize) -> i64 {
    let samples = profile.samples();
    (0..samples.len())
        .filter(|&s| !samples.is_diff_base(s))
        .fold(0i64, |sum, s| {
            sum.saturating_add(samples.value(s, sample_index).saturating_abs())
        })
}

/// One row per distinct stack (flat = cum = the value of the samples with
/// exactly that stack), as `top -g stacks` lists them; in a diff, the base
/// side's samples are summed apart.
fn stack_rows(stacks: &Stacks<'_>, sample_index: usize, names: &[String]) -> Vec<Row> {
    let base = stacks.profile().samples().diff_base.clone();
    let by_name: std::collections::HashMap<&str, NodeId> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), NodeId(i as u32)))
        .collect();
    series(stacks, sample_index, 2, |s| {
        Some(usize::from(base.contains(&s)))
    })
    .series
    .into_iter()
    .filter_map(|s| {
        let stack = s.stack?;
        let node = *by_name.get(stack.name())?;
        let (new, old) = (s.flat[0], s.flat[1]);
        Some(Row {
            node,
            flat: new + old,
            cum: new + old,
            inlined: s.inlined,
            base_flat: old.saturating_abs(),
            base_cum: old.saturating_abs(),
            stack: Some(s.name),
        })
    })
    .collect()
}

/// Inline suffixes of some of the model's rows.
fn inline_suffixes(stacks: &Stacks<'_>, model: &Model, nodes: &[NodeId]) -> Vec<(NodeId, Inlined)> {
    let flat_sum = model
        .rows
        .iter()
        .fold(0i64, |sum, r| sum.wrapping_add(r.flat));
    let mut suffixes: Vec<(NodeId, Inlined)> = nodes.iter().map(|&n| (n, Inlined::No)).collect();
    let slots = suffixes.iter_mut().map(|(node, inlined)| (*node, inlined));
    crate::analysis::inline_suffixes(stacks, model.sample_index, flat_sum, slots);
    suffixes
}

/// Flat and cum of the `--diff-base` samples alone (as magnitudes), per
/// node, with pprof's rule of counting a sample once per node.
fn base_sums(stacks: &Stacks<'_>, sample_index: usize) -> Vec<(i64, i64)> {
    let samples = stacks.profile().samples();
    let n = stacks.nodes().len();
    let mut sums = vec![(0i64, 0i64); n];
    let mut seen = vec![usize::MAX; n];
    let range = samples.diff_base.clone();
    stacks.for_each_stack(range, |s, stack| {
        let value = samples.value(s, sample_index).saturating_abs();
        if value == 0 {
            return;
        }
        let mut leaf = true;
        for frame in stack.leaf_first() {
            let i = frame.node.index();
            if leaf {
                sums[i].0 = sums[i].0.wrapping_add(value);
                leaf = false;
            }
            if seen[i] != s {
                seen[i] = s;
                sums[i].1 = sums[i].1.wrapping_add(value);
            }
        }
    });
    sums
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
