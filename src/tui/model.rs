//! The numbers the views show, computed from the loaded profile for the
//! current sample type, granularity and filters. The profile is decoded once;
//! a [`Model`] is recomputed from it whenever one of those settings changes,
//! and owns everything it computed so views never touch the profile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::analysis::aggregate::sort_totals;
use crate::analysis::calltree::TreeShape;
use crate::analysis::{
    CallTree, Cancel, Filters, Granularity, Inlined, NodeId, NodeTotals, SortBy, Stacks,
    node_totals, resolve_inlining, series, total,
};
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

    /// The Top rows and totals (fast: one parallel sample walk). Once
    /// `cancel` is set the walks stop early and the model is partial.
    pub fn compute(profile: &Profile, settings: &Settings, cancel: &Cancel) -> Model {
        let Settings {
            sample_index,
            granularity,
            ref filters,
            ..
        } = *settings;
        let stacks = Stacks::new(profile, granularity, filters).cancellable(cancel.clone());
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
    /// sample type, is reused: only the values are summed again. Once
    /// `cancel` is set the tree is partial.
    pub fn compute_tree(
        profile: &Profile,
        settings: &Settings,
        shape: Option<Arc<TreeShape>>,
        cancel: &Cancel,
    ) -> CallTree {
        let shape = match shape {
            Some(shape) if shape.fits(settings.granularity, &settings.filters) => shape,
            _ => {
                let stacks = Stacks::new(profile, settings.granularity, &settings.filters)
                    .cancellable(cancel.clone());
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
            .map(|r| NodeTotals {
                node: r.node,
                flat: r.flat,
                cum: r.cum,
                inlined: r.inlined,
            })
            .collect()
    }

    /// Every row's inline suffix (slow on big profiles: run off the UI
    /// thread, after the call tree). Once `cancel` is set they are partial.
    pub fn compute_inlined(
        profile: &Profile,
        settings: &Settings,
        mut totals: Vec<NodeTotals>,
        cancel: &Cancel,
    ) -> Vec<(NodeId, Inlined)> {
        let stacks = Stacks::new(profile, settings.granularity, &settings.filters)
            .cancellable(cancel.clone());
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

/// Per-line values of one function, and its source text when found.
#[derive(Debug, Clone)]
pub struct SourceModel {
    pub function: String,
    /// The file as the profile names it.
    pub file: String,
    /// Where the text was read from, if a file was found.
    pub path: Option<PathBuf>,
    pub text: Vec<String>,
    /// (line, flat, cum), ascending by line.
    pub lines: Vec<(i64, i64, i64)>,
}

impl SourceModel {
    /// Walks the samples at line granularity and sums flat and cum per line
    /// of `function` (cum once per line per sample), then looks for its
    /// file in `search` (each directory, then with the path's leading
    /// directories stripped one by one, as pprof's `-source_path` does).
    pub fn compute(
        profile: &Profile,
        sample_index: usize,
        filters: &Filters,
        function: &str,
        search: &[PathBuf],
    ) -> SourceModel {
        let stacks = Stacks::new(profile, Granularity::Lines, filters);
        let samples = profile.samples();
        let of_function: Vec<bool> = stacks.nodes().iter().map(|n| n.name == function).collect();
        let mut per_line: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        let mut files: BTreeMap<String, i64> = BTreeMap::new();
        let mut seen: Vec<i64> = Vec::new();
        stacks.for_each(|s, frames| {
            let value = samples.value(s, sample_index);
            if value == 0 {
                return;
            }
            seen.clear();
            for (i, frame) in frames.iter().enumerate() {
                if !of_function[frame.node.index()] {
                    continue;
                }
                let info = stacks.node(frame.node);
                let entry = per_line.entry(info.line).or_default();
                if i == 0 {
                    entry.0 = entry.0.wrapping_add(value);
                }
                if !seen.contains(&info.line) {
                    seen.push(info.line);
                    entry.1 = entry.1.wrapping_add(value);
                    let file = files.entry(info.file.clone()).or_default();
                    *file = file.saturating_add(value.saturating_abs());
                }
            }
        });
        let file = files
            .into_iter()
            .max_by_key(|(_, v)| *v)
            .map(|(f, _)| f)
            .unwrap_or_default();
        let path = find_source(&file, search);
        let text = path
            .as_deref()
            .and_then(|p| read_source(p).ok())
            .map(|b| {
                String::from_utf8_lossy(&b)
                    .lines()
                    .map(|l| l.replace('\t', "    "))
                    .collect()
            })
            .unwrap_or_default();
        SourceModel {
            function: function.to_owned(),
            file,
            path,
            text,
            lines: per_line.into_iter().map(|(l, (f, c))| (l, f, c)).collect(),
        }
    }

    /// The rows the Source view lists: every line of the file when its text
    /// was found, else only the lines with samples.
    pub fn row_count(&self) -> usize {
        if self.text.is_empty() {
            self.lines.len()
        } else {
            self.text.len()
        }
    }

    /// Row `i`: line number, flat, cum (0 when the line has no samples), text.
    pub fn row(&self, i: usize) -> (i64, i64, i64, &str) {
        if self.text.is_empty() {
            let (l, f, c) = self.lines[i];
            return (l, f, c, "");
        }
        let number = i as i64 + 1;
        let (f, c) = self
            .lines
            .binary_search_by_key(&number, |&(l, _, _)| l)
            .map_or((0, 0), |j| (self.lines[j].1, self.lines[j].2));
        (number, f, c, &self.text[i])
    }

    /// The row of the line with the largest cum, to open the view on.
    pub fn hottest_row(&self) -> usize {
        let Some(&(line, _, _)) = self.lines.iter().max_by_key(|(_, _, c)| c.unsigned_abs()) else {
            return 0;
        };
        if self.text.is_empty() {
            self.lines
                .iter()
                .position(|&(l, _, _)| l == line)
                .unwrap_or(0)
        } else {
            (line.max(1) as usize - 1).min(self.text.len().saturating_sub(1))
        }
    }
}

/// The most of a source file the Source view reads.
const MAX_SOURCE_BYTES: u64 = 16 << 20;

/// Reads at most [`MAX_SOURCE_BYTES`] of a source file.
fn read_source(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut text = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_SOURCE_BYTES)
        .read_to_end(&mut text)?;
    Ok(text)
}

/// Whether the Source view may read `path`: a regular file that is not in
/// the kernel's pseudo-filesystems, wherever links lead. A profile can name
/// any path, and some "regular files" there block or change state when
/// read (`/proc/kmsg` consumes the kernel log).
fn readable_source(path: &Path) -> bool {
    let Ok(real) = std::fs::canonicalize(path) else {
        return false;
    };
    !["/proc", "/sys", "/dev"]
        .iter()
        .any(|dir| real.starts_with(dir))
        && real.metadata().is_ok_and(|m| m.is_file())
}

/// Resolves a profile's file name against the search directories (never
/// climbing out of them: `..` parts are skipped).
fn find_source(file: &str, search: &[PathBuf]) -> Option<PathBuf> {
    if file.is_empty() {
        return None;
    }
    let path = Path::new(file);
    if path.is_absolute() && readable_source(path) {
        return Some(path.to_path_buf());
    }
    let parts: Vec<&str> = file
        .split('/')
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect();
    for dir in search {
        for skip in 0..parts.len() {
            let candidate = dir.join(parts[skip..].join("/"));
            if readable_source(&candidate) {
                return Some(candidate);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_files_come_only_from_ordinary_places() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("svc")).unwrap();
        let main = dir.path().join("svc/main.go");
        std::fs::write(&main, "package main\n").unwrap();
        let search = [dir.path().to_path_buf()];
        // Found by suffix under a search directory, or absolute.
        assert_eq!(
            find_source("/build/svc/main.go", &search),
            Some(dir.path().join("svc/main.go"))
        );
        assert_eq!(find_source(main.to_str().unwrap(), &[]), Some(main.clone()));
        // Never the kernel's pseudo-files, directly, by climbing, or through a link.
        assert_eq!(find_source("/proc/self/status", &search), None);
        assert_eq!(find_source("/proc/kmsg", &search), None);
        assert_eq!(
            find_source("../../../../../../proc/self/status", &search),
            None
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/proc/self/status", dir.path().join("status.go")).unwrap();
            assert_eq!(find_source("x/status.go", &search), None);
        }
        // Directories are not sources.
        assert_eq!(find_source("/build/svc", &search), None);
    }
}
