//! Sites and their values side by side: what `diff` and `trend` rank, and
//! what `top --granularity stacks` lists.
//!
//! A site is a node at the view's granularity (a function, a line …) or, at
//! [`Granularity::Stacks`], a whole stack. Whole stacks are how goroutine
//! leaks show: 240 goroutines parked on the same stack. Such a stack is named
//! by its first frame outside the runtime — the function that is blocked —
//! followed by the runtime frames it waits in (`runtime.gopark → chanrecv …`).
//!
//! [`series`] walks the samples once and sums every site's flat and cum per
//! group of samples (the two sides of a diff, the snapshots of a trend).

use std::sync::Arc;

use foldhash::HashMap;

use super::aggregate::{Groups, Inlined, NodeTotals, SuffixesInWalk, Sums, resolve_inlining};
use super::stacks::{Granularity, NodeId, NodeInfo, Stacks};

/// A whole stack, named by the frame that matters to its reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSite {
    /// Frame names, leaf first, shared among the stacks of one table (a
    /// profile of a million stacks holds each name once, not per frame).
    pub frames: Vec<Arc<str>>,
    /// Index in `frames` of the frame that names the site: the first one
    /// (from the leaf) outside the runtime, else the outermost.
    pub site: usize,
}

impl StackSite {
    pub fn new(frames: Vec<Arc<str>>) -> StackSite {
        let site = frames
            .iter()
            .position(|f| !is_runtime_frame(f))
            .unwrap_or(frames.len().saturating_sub(1));
        StackSite { frames, site }
    }

    /// The function that names the site, e.g. `main.leakyWorker`.
    pub fn name(&self) -> &str {
        self.frames.get(self.site).map_or("", |f| f)
    }

    /// The runtime frames under the site, leaf first: where a goroutine
    /// waits (`runtime.gopark`, `runtime.chanrecv` …) or what allocated.
    pub fn wait(&self) -> &[Arc<str>] {
        &self.frames[..self.site.min(self.frames.len())]
    }

    /// The frames above the site, innermost first.
    pub fn callers(&self) -> &[Arc<str>] {
        self.frames.get(self.site + 1..).unwrap_or(&[])
    }

    /// `site [leaf → caller → …]` with `callers` callers appended as
    /// `via a ← b`; a frame's package is left out when it repeats the
    /// previous frame's (`runtime.gopark → chanrecv → chanrecv1`).
    pub fn label(&self, callers: usize) -> String {
        let mut label = self.name().to_owned();
        if !self.wait().is_empty() {
            let mut previous = "";
            let wait = self.wait();
            // A name stays readable: the innermost frames, then an ellipsis.
            let shown = &wait[..wait.len().min(MAX_LABEL_FRAMES)];
            let mut parts: Vec<&str> = shown
                .iter()
                .map(|f| {
                    let (package, _) = split_package(f);
                    let short = if package == previous && !package.is_empty() {
                        &f[package.len() + 1..]
                    } else {
                        f
                    };
                    previous = package;
                    short
                })
                .collect();
            if shown.len() < wait.len() {
                parts.push("…");
            }
            label.push_str(&format!(" [{}]", parts.join(" → ")));
        }
        let callers: Vec<&str> = self.callers().iter().take(callers).map(|f| &**f).collect();
        if !callers.is_empty() {
            label.push_str(&format!(" via {}", callers.join(" ← ")));
        }
        label
    }
}

/// Nodes' printed names, each made once and shared by every stack through
/// the node.
pub(crate) struct SharedNames(Vec<Option<Arc<str>>>);

impl SharedNames {
    pub(crate) fn new(nodes: usize) -> SharedNames {
        SharedNames(vec![None; nodes])
    }

    /// Node `n`'s name, made by `name` the first time.
    pub(crate) fn get(&mut self, n: u32, name: impl FnOnce(u32) -> String) -> Arc<str> {
        match self.0.get_mut(n as usize) {
            Some(slot) => slot.get_or_insert_with(|| name(n).into()).clone(),
            None => name(n).into(),
        }
    }
}

/// At most this many runtime frames, and this many callers, go into a
/// stack's label (the JSON output has them all).
const MAX_LABEL_FRAMES: usize = 8;

/// `path/to/pkg.(*T).Method` → (`path/to/pkg`, `(*T).Method`).
fn split_package(name: &str) -> (&str, &str) {
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    match name[last_slash..].find('.') {
        Some(dot) => (&name[..last_slash + dot], &name[last_slash + dot + 1..]),
        None => ("", name),
    }
}

/// Frames that belong to the machinery rather than to the program: the
/// runtime itself, runtime hooks linked into other packages
/// (`sync.runtime_SemacquireMutex`, `internal/poll.runtime_pollWait`), and
/// the standard library's blocking primitives (`sync`, and `internal/sync`
/// where Go 1.24 moved `sync.Mutex`'s slow path; `internal/poll`;
/// `time.Sleep`). A goroutine parked under them is blocked in the first
/// frame above them.
pub fn is_runtime_frame(name: &str) -> bool {
    let (package, function) = split_package(name);
    package == "runtime"
        || package.starts_with("runtime/internal/")
        || package.starts_with("internal/runtime/")
        || function.starts_with("runtime_")
        || package == "sync"
        || package == "internal/sync"
        || package == "internal/poll"
        || name == "time.Sleep"
}

/// One site's values per group of samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// The node, for node sites; `None` for whole stacks.
    pub node: Option<NodeId>,
    /// The row name: pprof's node name, or the stack's label.
    pub name: String,
    pub inlined: Inlined,
    /// The stack, for whole-stack sites.
    pub stack: Option<StackSite>,
    /// Flat value per group.
    pub flat: Vec<i64>,
    /// Cumulative value per group (equal to flat for whole stacks).
    pub cum: Vec<i64>,
}

/// The sites of a view with their values per group: what [`series`] finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sites {
    /// Sites with some non-zero value, in no particular order.
    pub series: Vec<Series>,
    /// Whether the inline suffixes (`Series::inlined`) are filled in. They
    /// are when that came cheap with the sums; otherwise call
    /// [`inline_suffixes`] on the rows that will be shown.
    pub inlining_resolved: bool,
}

/// Sums flat and cum of every site per group: `group_of(sample)` says which
/// group a sample belongs to (`None` leaves it out). One walk over the
/// samples, split across threads on large profiles, which resolves the
/// inline suffixes `suffixes` says.
pub fn series(
    stacks: &Stacks<'_>,
    sample_index: usize,
    groups: usize,
    group_of: impl Fn(usize) -> Option<usize> + Sync,
    suffixes: SuffixesInWalk,
) -> Sites {
    if stacks.granularity() == Granularity::Stacks {
        return Sites {
            series: stack_series(stacks, sample_index, groups, group_of),
            inlining_resolved: true,
        };
    }
    let groups = Groups {
        count: groups,
        of: group_of,
    };
    let (sums, kinds) = Sums::with_suffixes(stacks, sample_index, groups, suffixes);
    node_sites(&sums, |node| stacks.node(node), kinds)
}

/// The sites of per-node sums: every node with a non-zero value, named as
/// pprof names it, with its inline suffix when `kinds` resolved them.
pub(crate) fn node_sites<'n>(
    sums: &Sums,
    info: impl Fn(NodeId) -> &'n NodeInfo,
    kinds: Option<HashMap<u32, Inlined>>,
) -> Sites {
    let series = sums
        .nodes()
        .map(|node| Series {
            node: Some(node),
            name: info(node).printable_name(),
            inlined: kinds
                .as_ref()
                .and_then(|k| k.get(&node.0).copied())
                .unwrap_or_default(),
            stack: None,
            flat: sums.flat(node).to_vec(),
            cum: sums.cum(node).to_vec(),
        })
        .collect();
    Sites {
        series,
        inlining_resolved: kinds.is_some(),
    }
}

/// When the sums left the inline suffixes unresolved, has `resolve` fill in
/// those of the rows a ranking keeps, its first `node_count` (all with 0),
/// and of the later rows `also` names (such as a row over a growth limit,
/// which a report names outside its table); `slot` gives a row's node and
/// suffix (none for whole stacks). Returns how many rows are kept: cut the
/// rows to that once the later ones are done with.
pub(crate) fn resolve_kept<R>(
    rows: &mut [R],
    node_count: usize,
    inlining_resolved: bool,
    also: impl Fn(&R) -> bool,
    slot: fn(&mut R) -> Option<(NodeId, &mut Inlined)>,
    resolve: impl FnOnce(Vec<(NodeId, &mut Inlined)>),
) -> usize {
    let kept = match node_count {
        0 => rows.len(),
        n => n.min(rows.len()),
    };
    if !inlining_resolved {
        let (first, later) = rows.split_at_mut(kept);
        let named_later = later.iter_mut().filter(|r| also(r));
        resolve(
            first
                .iter_mut()
                .chain(named_later)
                .filter_map(slot)
                .collect(),
        );
    }
    kept
}

/// Fills in pprof's inline suffixes (` (inline)`, ` (partial-inline)`) of
/// the given rows — those that will be shown, as `top` resolves only those.
/// `flat_sum` is the sum of flat over all sites, the edge-trimming reference.
pub fn inline_suffixes<'r>(
    stacks: &Stacks<'_>,
    sample_index: usize,
    flat_sum: i64,
    rows: impl IntoIterator<Item = (NodeId, &'r mut Inlined)>,
) {
    let (nodes, slots): (Vec<NodeId>, Vec<&mut Inlined>) = rows.into_iter().unzip();
    let mut totals: Vec<NodeTotals> = nodes
        .into_iter()
        .map(|node| NodeTotals {
            node,
            flat: 0,
            cum: 0,
            inlined: Inlined::No,
        })
        .collect();
    resolve_inlining(stacks, sample_index, &mut totals, flat_sum);
    for (slot, total) in slots.into_iter().zip(totals) {
        *slot = total.inlined;
    }
}

fn stack_series(
    stacks: &Stacks<'_>,
    sample_index: usize,
    groups: usize,
    group_of: impl Fn(usize) -> Option<usize>,
) -> Vec<Series> {
    let samples = stacks.profile().samples();
    // Stacks as node ids, root first → their rows.
    let mut index: HashMap<Box<[u32]>, usize> = HashMap::default();
    let mut values: Vec<i64> = Vec::new();
    let mut key: Vec<u32> = Vec::with_capacity(64);
    let mut scratch = Vec::with_capacity(64);
    stacks.for_each_stack(0..samples.len(), |s, stack| {
        let value = samples.value(s, sample_index);
        let Some(g) = group_of(s).filter(|&g| g < groups) else {
            return;
        };
        if value == 0 {
            return;
        }
        key.clear();
        stack.visit_root_first(&mut scratch, |f| key.push(f.node.0));
        let row = match index.get(key.as_slice()) {
            Some(&row) => row,
            None => {
                let row = index.len();
                index.insert(key.as_slice().into(), row);
                values.extend(std::iter::repeat_n(0, groups));
                row
            }
        };
        let sum = &mut values[row * groups + g];
        *sum = sum.wrapping_add(value);
    });
    let mut keys: Vec<Box<[u32]>> = vec![Box::default(); index.len()];
    for (key, row) in index {
        keys[row] = key;
    }
    let mut names = SharedNames::new(stacks.nodes().len());
    let sites: Vec<StackSite> = keys
        .iter()
        .map(|k| {
            StackSite::new(
                k.iter()
                    .rev()
                    .map(|&n| names.get(n, |n| stacks.node(NodeId(n)).printable_name()))
                    .collect(),
            )
        })
        .collect();
    let labels = unique_labels(&sites);
    sites
        .into_iter()
        .zip(labels)
        .enumerate()
        .filter(|(row, _)| {
            values[row * groups..(row + 1) * groups]
                .iter()
                .any(|&v| v != 0)
        })
        .map(|(row, (site, name))| {
            let v = values[row * groups..(row + 1) * groups].to_vec();
            Series {
                node: None,
                name,
                inlined: Inlined::No,
                stack: Some(site),
                flat: v.clone(),
                cum: v,
            }
        })
        .collect()
}

/// Labels for stacks, with as many callers as it takes (up to
/// [`MAX_LABEL_FRAMES`]) to tell apart stacks that share a site and its
/// runtime frames; stacks still alike are numbered.
pub(crate) fn unique_labels(sites: &[StackSite]) -> Vec<String> {
    let mut callers = vec![0usize; sites.len()];
    let mut labels: Vec<String> = sites.iter().map(|s| s.label(0)).collect();
    // Labels are told apart by hash first (each hashed once, when made),
    // then, among those sharing a hash, by their text. The hash is seeded
    // at random: names are the profile's to choose.
    let hasher = foldhash::fast::RandomState::default();
    let hash_label = |label: &str| std::hash::BuildHasher::hash_one(&hasher, label);
    let mut hashes: Vec<u64> = labels.iter().map(|l| hash_label(l)).collect();
    let mut count: HashMap<u64, u32> =
        HashMap::with_capacity_and_hasher(labels.len(), Default::default());
    loop {
        count.clear();
        for &h in &hashes {
            *count.entry(h).or_default() += 1;
        }
        let mut shared: Vec<usize> = (0..sites.len())
            .filter(|&i| count.get(&hashes[i]).is_some_and(|&n| n > 1))
            .collect();
        shared.sort_unstable_by(|&a, &b| (hashes[a], &labels[a]).cmp(&(hashes[b], &labels[b])));
        let mut clashing: Vec<usize> = shared
            .chunk_by(|&a, &b| labels[a] == labels[b])
            .filter(|alike| alike.len() > 1)
            .flatten()
            .copied()
            .collect();
        clashing.sort_unstable();
        let growing: Vec<usize> = clashing
            .iter()
            .copied()
            .filter(|&i| callers[i] < sites[i].callers().len().min(MAX_LABEL_FRAMES))
            .collect();
        if growing.is_empty() {
            let mut seen: HashMap<String, usize> = HashMap::default();
            for i in clashing {
                let n = seen.entry(labels[i].clone()).or_default();
                *n += 1;
                labels[i] = format!("{} #{n}", labels[i]);
            }
            return labels;
        }
        for i in growing {
            callers[i] += 1;
            labels[i] = sites[i].label(callers[i]);
            hashes[i] = hash_label(&labels[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(frames: &[&str]) -> StackSite {
        StackSite::new(frames.iter().map(|&f| f.into()).collect())
    }

    #[test]
    fn a_parked_goroutine_is_named_by_the_blocked_function() {
        let s = site(&[
            "runtime.gopark",
            "runtime.chanrecv",
            "runtime.chanrecv1",
            "main.leakyWorker",
        ]);
        assert_eq!(s.name(), "main.leakyWorker");
        assert_eq!(
            s.wait(),
            ["runtime.gopark", "runtime.chanrecv", "runtime.chanrecv1"].map(Arc::from)
        );
        assert_eq!(
            s.label(0),
            "main.leakyWorker [runtime.gopark → chanrecv → chanrecv1]"
        );
    }

    #[test]
    fn runtime_hooks_and_blocking_primitives_are_runtime_frames() {
        assert!(is_runtime_frame("sync.runtime_SemacquireMutex"));
        assert!(is_runtime_frame("sync.(*WaitGroup).Wait"));
        assert!(is_runtime_frame("internal/poll.(*FD).Read"));
        assert!(is_runtime_frame(
            "runtime/pprof.runtime_goroutineProfileWithLabels"
        ));
        assert!(is_runtime_frame("time.Sleep"));
        // Go 1.24+: sync.Mutex.Lock's slow path.
        assert!(is_runtime_frame("internal/sync.(*Mutex).lockSlow"));
        assert!(!is_runtime_frame("runtime/pprof.writeGoroutine"));
        assert!(!is_runtime_frame("main.main"));
        assert!(!is_runtime_frame("net/http.(*conn).serve"));
    }

    #[test]
    fn an_all_runtime_stack_is_named_by_its_outermost_frame() {
        let s = site(&[
            "runtime.gopark",
            "runtime.bgsweep",
            "runtime.gcenable.func1",
        ]);
        assert_eq!(s.name(), "runtime.gcenable.func1");
        assert!(s.callers().is_empty());
    }

    #[test]
    fn a_grown_label_that_meets_another_sites_label_is_told_apart() {
        // The first two clash and grow a caller each; the first's grown
        // label is then the third's (a name holding " via "), which no
        // caller can tell apart: both are numbered, in site order.
        let sites = [
            site(&["main.f", "main.g"]),
            site(&["main.f", "main.h"]),
            site(&["main.f via main.g"]),
        ];
        assert_eq!(
            unique_labels(&sites),
            [
                "main.f via main.g #1",
                "main.f via main.h",
                "main.f via main.g #2"
            ]
        );
    }

    #[test]
    fn labels_stay_short_and_distinct_on_deep_alike_stacks() {
        let deep = |root: &str| {
            let mut frames: Vec<Arc<str>> = vec!["runtime.gopark".into()];
            frames.extend(std::iter::repeat_n("runtime.deep".into(), 1000));
            frames.push("main.worker".into());
            frames.extend(std::iter::repeat_n("main.recurse".into(), 1000));
            frames.push(root.into());
            StackSite::new(frames)
        };
        let labels = unique_labels(&[deep("main.a"), deep("main.b")]);
        assert_eq!(
            labels,
            [
                "main.worker [runtime.gopark → deep → deep → deep → deep → deep → deep → deep → …] \
                 via main.recurse ← main.recurse ← main.recurse ← main.recurse ← main.recurse ← \
                 main.recurse ← main.recurse ← main.recurse #1",
                "main.worker [runtime.gopark → deep → deep → deep → deep → deep → deep → deep → …] \
                 via main.recurse ← main.recurse ← main.recurse ← main.recurse ← main.recurse ← \
                 main.recurse ← main.recurse ← main.recurse #2",
            ]
        );
    }

    #[test]
    fn clashing_labels_gain_callers_until_distinct() {
        let sites = [
            site(&["runtime.gopark", "main.worker", "main.startA", "main.main"]),
            site(&["runtime.gopark", "main.worker", "main.startB", "main.main"]),
            site(&["runtime.gopark", "main.other"]),
        ];
        assert_eq!(
            unique_labels(&sites),
            [
                "main.worker [runtime.gopark] via main.startA",
                "main.worker [runtime.gopark] via main.startB",
                "main.other [runtime.gopark]",
            ]
        );
    }
}
