//! "Why on heap": the explained allocation sites of the profile
//! ([`crate::analysis::explain`]), found again from what a view shows — a
//! node of the model at any granularity, or a line of the Source view.

use std::sync::Arc;

use foldhash::HashMap;

use super::trend::Snapshots;
use crate::analysis::NodeInfo;
use crate::analysis::escape::Escapes;
use crate::analysis::explain::{Class, ExplainOptions, ExplainRow, Explained, explain};
use crate::profile::Profile;

/// What the app explains its heap profile with, in the background once it
/// shows its first screen.
#[derive(Clone, Default)]
pub struct WhyRequest {
    /// The compiler's escape analysis, and the name it was read from.
    pub escapes: Option<Arc<(Escapes, String)>>,
    /// With snapshots (the Trend view's): the leak class, from their trend
    /// at lines granularity.
    pub snapshots: Option<Arc<Snapshots>>,
}

impl std::fmt::Debug for WhyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let escapes = self.escapes.as_ref().map(|e| &e.1);
        let snapshots = self.snapshots.as_ref().map(|s| s.count());
        write!(
            f,
            "WhyRequest(escapes: {escapes:?}, snapshots: {snapshots:?})"
        )
    }
}

impl WhyRequest {
    /// The explained sites, and what the status bar says about the join
    /// (an error only when nothing could be trusted); `None` when the
    /// profile is not a Go heap profile.
    pub fn run(&self, profile: &Profile) -> Option<(WhyIndex, Option<(String, bool)>)> {
        let options = ExplainOptions {
            sample_index: profile.default_sample_index(),
            ..ExplainOptions::default()
        };
        let escapes = self.escapes.as_deref();
        let growth = self.snapshots.as_ref().and_then(|s| s.heap_growth());
        let explained = explain(
            profile,
            escapes.map(|(e, _)| e),
            growth.as_deref(),
            &options,
        )
        .ok()?;
        let note = escapes.map(|(_, name)| status_note(&explained, name));
        let index = WhyIndex::new(explained, escapes.map(|(_, name)| name.clone()));
        Some((index, note))
    }
}

/// What the status bar says about the join: short, since the line is
/// narrow.
fn status_note(explained: &Explained, name: &str) -> (String, bool) {
    let text = match explained.stale.first() {
        Some(stale) => format!("why on heap: stale build? {stale}"),
        None => format!(
            "why on heap: {} of {} allocation sites explained by '{name}' (pprof-tui explain lists the others)",
            explained.matched, explained.site_total
        ),
    };
    (text, explained.matched == 0)
}

/// The sites, by function and line, and by the callee that allocated them.
#[derive(Debug, Clone, Default)]
pub struct WhyIndex {
    sites: Vec<ExplainRow>,
    by_line: HashMap<(String, i64), Vec<usize>>,
    by_function: HashMap<String, Vec<usize>>,
    by_file: HashMap<String, Vec<usize>>,
    /// Sites whose memory a callee allocated, by the callee's name: what
    /// a row of that callee shows.
    by_callee: HashMap<String, Vec<usize>>,
    /// What the explanation was made from, for the pane's title.
    pub source: Option<String>,
}

impl WhyIndex {
    /// Indexes every site of `explained` (which should keep all rows).
    pub fn new(explained: Explained, source: Option<String>) -> WhyIndex {
        let mut index = WhyIndex {
            source,
            ..WhyIndex::default()
        };
        for (i, site) in explained.rows.into_iter().enumerate() {
            index
                .by_line
                .entry((site.function.clone(), site.line))
                .or_default()
                .push(i);
            index
                .by_function
                .entry(site.function.clone())
                .or_default()
                .push(i);
            index.by_file.entry(site.file.clone()).or_default().push(i);
            if let Some(callee) = &site.allocated_in {
                index.by_callee.entry(callee.clone()).or_default().push(i);
            }
            index.sites.push(site);
        }
        index
    }

    fn rows(&self, found: Option<&Vec<usize>>) -> Vec<&ExplainRow> {
        found
            .into_iter()
            .flatten()
            .map(|&i| &self.sites[i])
            .collect()
    }

    /// The sites at `line` of `function`: its own allocations, and each
    /// callee's that allocated there.
    pub fn at_line(&self, function: &str, line: i64) -> Vec<&ExplainRow> {
        self.rows(self.by_line.get(&(function.to_owned(), line)))
    }

    /// The sites a node stands for: its line, its function's lines, or its
    /// file's, as the granularity keeps them — or, for a function that
    /// allocates on behalf of its callers, the lines that called it. Ranked
    /// as `explain` ranks.
    pub fn for_node(&self, node: &NodeInfo) -> Vec<&ExplainRow> {
        let callers = || self.rows(self.by_callee.get(&node.name));
        if node.line != 0 {
            let own = self.at_line(&node.name, node.line);
            return if own.is_empty() { callers() } else { own };
        }
        if node.name.is_empty() {
            return self.rows(self.by_file.get(&node.file));
        }
        let mut found = self.rows(self.by_function.get(&node.name));
        if found.is_empty() {
            found = callers();
        }
        found
    }
}

/// The classes of several sites, each once: `[retained] [leak]`.
pub fn badges(sites: &[&ExplainRow]) -> String {
    let mut classes: Vec<Class> = sites
        .iter()
        .flat_map(|s| s.classes.iter().copied())
        .collect();
    classes.sort_unstable();
    classes.dedup();
    classes
        .iter()
        .map(|c| format!("[{}]", c.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The reasons of several sites, each once: `non-const make, stored`.
pub fn reasons(sites: &[&ExplainRow]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for site in sites {
        for reason in site.reasons() {
            if !out.contains(&reason.label()) {
                out.push(reason.label());
            }
        }
    }
    out.join(", ")
}
