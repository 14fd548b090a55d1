//! Known leak signatures: stack fingerprints of the ways Go programs leak
//! goroutines (and the memory those goroutines hold), each with a name, what
//! it means and how to fix it. `trend`, `diff` and `leaks` name the
//! signature a row matches.
//!
//! Every entry is proven by a real Go 1.27 program in
//! `testdata/goroutines/signatures/<id>/leak`, and its fixed twin
//! (`…/fixed`) must not match (tests/signatures.rs).
//!
//! A pattern is a set of function names, anchored regexes matched against
//! the frames of the row's stack (leaf first, as a goroutine or heap stack
//! names them), plus the least number of goroutines (or bytes) that makes a
//! leak rather than normal use: one idle keep-alive connection is normal,
//! forty are not.

use std::sync::{Arc, LazyLock};

use regex::Regex;

use super::sites::{StackSite, series};
use super::{Filters, Granularity, Stacks, SuffixesInWalk};
use crate::profile::{Profile, ValueType};

/// One catalogue entry.
#[derive(Debug, PartialEq, Eq)]
pub struct Signature {
    /// Stable identifier (the JSON `signature` field), e.g. `unclosed-body`.
    pub id: &'static str,
    /// A short name for people.
    pub name: &'static str,
    /// What the stacks mean.
    pub explanation: &'static str,
    /// How to fix the program.
    pub fix: &'static str,
    /// Frames (anchored regex, on function names) of goroutines that leak
    /// this way.
    goroutine_frames: &'static str,
    /// A state the goroutine's dump header may give instead of the runtime
    /// frames a `debug=2` dump leaves out (`chan send`).
    goroutine_state: Option<&'static str>,
    /// Fewest goroutines in one row that make it a leak.
    min_goroutines: i64,
    /// Frames of heap allocations the leak keeps, if it has a heap fingerprint.
    heap_frames: Option<&'static str>,
    /// Fewest bytes in one heap row that make it a leak.
    min_bytes: i64,
}

/// The catalogue, most specific first (the first match wins).
pub const CATALOGUE: &[Signature] = &[
    Signature {
        id: "unclosed-body",
        name: "HTTP response bodies not closed",
        explanation: "net/http.(*persistConn).readLoop/writeLoop goroutines pile up: each response \
                      whose body is never closed (nor read to the end) keeps its connection, two \
                      goroutines and their buffers",
        fix: "`defer resp.Body.Close()` after every successful request, and drain the body \
              (`io.Copy(io.Discard, resp.Body)`) so the connection is reused",
        goroutine_frames: r"net/http\.\(\*persistConn\)\.(readLoop|writeLoop)",
        goroutine_state: None,
        min_goroutines: 10,
        heap_frames: Some(r"net/http\.\(\*Transport\)\.dialConn|net/http\.\(\*persistConn\)\..*"),
        min_bytes: 64 << 10,
    },
    Signature {
        id: "context-not-cancelled",
        name: "contexts never cancelled",
        explanation: "context.(*cancelCtx).propagateCancel started a goroutine per derived context \
                      to watch a parent of a type the context package does not know; a cancel \
                      function that is never called leaves each one waiting forever",
        fix: "call the cancel function of every context.WithCancel/WithTimeout/WithDeadline \
              (`defer cancel()`); `go vet`'s lostcancel check finds many",
        goroutine_frames: r"context\.\(\*cancelCtx\)\.propagateCancel.*",
        goroutine_state: None,
        min_goroutines: 5,
        heap_frames: None,
        min_bytes: 0,
    },
    Signature {
        id: "sql-db-not-closed",
        name: "database handles not closed",
        explanation: "each sql.DB runs a database/sql.(*DB).connectionOpener goroutine until Close; \
                      opening a handle per request and dropping it leaks one goroutine (and its \
                      pool) each time",
        fix: "open one *sql.DB at start-up and share it (it is a pool, safe for concurrent use); \
              `defer db.Close()` where a handle really is short-lived",
        goroutine_frames: r"database/sql\.\(\*DB\)\.connection(Opener|Cleaner|ResetterRunner)",
        goroutine_state: None,
        min_goroutines: 5,
        heap_frames: None,
        min_bytes: 0,
    },
    Signature {
        id: "sleep-loop",
        name: "polling loops never stopped",
        explanation: "goroutines loop around time.Sleep with no way to stop: each one started \
                      (per subscription, per request) runs until the program exits",
        fix: "loop on a time.Ticker (`defer t.Stop()`) in a select with ctx.Done(), and cancel \
              the context when the work's owner goes away",
        goroutine_frames: r"time\.Sleep",
        goroutine_state: None,
        min_goroutines: 10,
        heap_frames: None,
        min_bytes: 0,
    },
    Signature {
        id: "blocked-channel",
        name: "goroutines blocked on a channel no one serves",
        explanation: "goroutines parked in a channel send or receive (runtime.chansend/chanrecv) \
                      pile up under one creator: the other side returned early (a timeout, an \
                      error, the first of several answers) and nothing will ever read or write",
        fix: "give the channel room for every sender (`make(chan T, n)`), or select on \
              ctx.Done() beside the send/receive, or close the channel when the other side is \
              done",
        goroutine_frames: r"runtime\.(chansend|chanrecv)[12]?",
        goroutine_state: Some("chan send|chan receive"),
        min_goroutines: 10,
        heap_frames: None,
        min_bytes: 0,
    },
];

/// What a row is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// Counts of goroutines.
    Goroutines,
    /// Bytes of heap.
    Bytes,
}

/// A row to match: its frames (function names, leaf first), the state its
/// goroutines share (from a dump), its kind and its value (the last one,
/// for a row across snapshots).
#[derive(Debug, Clone, Copy)]
pub struct RowFacts<'a> {
    pub frames: &'a [Arc<str>],
    pub state: Option<&'a str>,
    pub kind: RowKind,
    pub value: i64,
}

/// The catalogue's patterns, compiled once (they are this module's
/// constants: they compile; one that did not would match nothing).
static COMPILED: LazyLock<Vec<Compiled>> = LazyLock::new(|| {
    let anchored = |re: &str| Regex::new(&format!("^(?:{re})$")).ok();
    CATALOGUE
        .iter()
        .map(|s| Compiled {
            goroutine: anchored(s.goroutine_frames),
            state: s.goroutine_state.and_then(anchored),
            heap: s.heap_frames.and_then(anchored),
        })
        .collect()
});

struct Compiled {
    goroutine: Option<Regex>,
    state: Option<Regex>,
    heap: Option<Regex>,
}

/// The first signature `row` matches.
pub fn signature_of(row: RowFacts<'_>) -> Option<&'static Signature> {
    CATALOGUE.iter().zip(COMPILED.iter()).find_map(|(s, c)| {
        let any = |re: &Option<Regex>| {
            re.as_ref()
                .is_some_and(|re| row.frames.iter().any(|f| re.is_match(f)))
        };
        let hit = match row.kind {
            RowKind::Goroutines => {
                row.value >= s.min_goroutines
                    && (any(&c.goroutine)
                        || row
                            .state
                            .is_some_and(|st| c.state.as_ref().is_some_and(|re| re.is_match(st))))
            }
            RowKind::Bytes => row.value >= s.min_bytes && any(&c.heap),
        };
        hit.then_some(s)
    })
}

/// The kind of rows a sample type gives, if signatures apply to it.
pub fn row_kind(sample_type: &str, unit: &str) -> Option<RowKind> {
    match (sample_type, unit) {
        ("goroutine" | "goroutines" | "goroutineleak", _) => Some(RowKind::Goroutines),
        (_, "bytes") => Some(RowKind::Bytes),
        _ => None,
    }
}

/// The signature of a `trend` or `diff` row: its stack (whole-stack rows)
/// or its name (node rows), of a sample type, holding `value` (the last
/// snapshot's, the new side's).
pub fn site_signature(
    stack: Option<&StackSite>,
    name: &str,
    sample_type: &ValueType,
    value: i64,
) -> Option<&'static Signature> {
    let kind = row_kind(&sample_type.name, &sample_type.unit)?;
    let own;
    let frames = match stack {
        Some(site) => site.frames.as_slice(),
        None => {
            own = [Arc::from(name)];
            &own
        }
    };
    signature_of(RowFacts {
        frames,
        state: None,
        kind,
        value,
    })
}

/// Which catalogue entry's heap frames each node's function matches (the
/// first, in catalogue order), decided for every node once, before a walk
/// that asks it for every frame of every sample.
pub(crate) struct HeapEntries {
    /// Per node: the entry, or [`HeapEntries::NONE`].
    of_node: Vec<u8>,
}

impl HeapEntries {
    const NONE: u8 = u8::MAX;

    /// The entries of nodes named `names` (their functions, in node
    /// order); `None` when no node matches any entry, so that a walk need
    /// not look at its frames for one at all.
    pub(crate) fn of<'n>(names: impl Iterator<Item = &'n str>) -> Option<HeapEntries> {
        let heap: Vec<(u8, &Regex)> = COMPILED
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((u8::try_from(i).ok()?, c.heap.as_ref()?)))
            .collect();
        if heap.is_empty() {
            return None;
        }
        let of_node: Vec<u8> = names
            .map(|name| {
                heap.iter()
                    .find(|(_, re)| re.is_match(name))
                    .map_or(HeapEntries::NONE, |&(i, _)| i)
            })
            .collect();
        of_node
            .iter()
            .any(|&e| e != HeapEntries::NONE)
            .then_some(HeapEntries { of_node })
    }

    /// The first entry whose heap frames one of the stack's frames (node
    /// indices) matches.
    pub(crate) fn of_stack(&self, nodes: impl IntoIterator<Item = usize>) -> Option<usize> {
        nodes
            .into_iter()
            .map(|node| self.of_node[node])
            .min()
            .filter(|&e| e != HeapEntries::NONE)
            .map(usize::from)
    }
}

/// The signature of a heap row whose samples, through the catalogue's
/// heap frames, hold `bytes` per entry ((entry, bytes), as
/// [`HeapEntries::of_stack`] numbers them): the first entry that holds
/// its least number of bytes.
pub(crate) fn heap_signature(bytes: &[(usize, i64)]) -> Option<&'static Signature> {
    let mut held: Vec<(usize, i64)> = bytes.to_vec();
    held.sort_unstable();
    held.iter()
        .find_map(|&(i, b)| CATALOGUE.get(i).filter(|s| b > 0 && b >= s.min_bytes))
}

/// A whole stack of a profile that matches a signature.
#[derive(Debug, Clone)]
pub struct Match {
    pub site: StackSite,
    /// The stack's value (goroutines, bytes).
    pub value: i64,
    pub signature: &'static Signature,
}

/// The stacks of `profile` (whole stacks, as `-g stacks`, of sample type
/// `sample_index`) that match a signature, largest first; none when the
/// sample type is neither goroutines nor bytes.
pub fn profile_matches(profile: &Profile, sample_index: usize) -> Vec<Match> {
    let sample_type = &profile.sample_types[sample_index];
    let Some(kind) = row_kind(&sample_type.name, &sample_type.unit) else {
        return Vec::new();
    };
    let stacks = Stacks::new(profile, Granularity::Stacks, &Filters::default());
    let sites = series(&stacks, sample_index, 1, |_| Some(0), SuffixesInWalk::Never);
    let mut matches: Vec<Match> = sites
        .series
        .into_iter()
        .filter_map(|s| {
            let site = s.stack?;
            let value = s.flat.first().copied().unwrap_or(0);
            let signature = signature_of(RowFacts {
                frames: &site.frames,
                state: None,
                kind,
                value,
            })?;
            Some(Match {
                site,
                value,
                signature,
            })
        })
        .collect();
    matches.sort_by(|a, b| {
        b.value
            .cmp(&a.value)
            .then_with(|| a.site.frames.cmp(&b.site.frames))
    });
    matches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(names: &[&str]) -> Vec<Arc<str>> {
        names.iter().map(|&s| s.into()).collect()
    }

    #[test]
    fn patterns_compile() {
        for c in COMPILED.iter() {
            assert!(c.goroutine.is_some());
        }
        assert_eq!(COMPILED.len(), CATALOGUE.len());
    }

    #[test]
    fn thresholds_tell_a_leak_from_normal_use() {
        let f = frames(&[
            "runtime.gopark",
            "runtime.selectgo",
            "net/http.(*persistConn).readLoop",
        ]);
        let row = |value| RowFacts {
            frames: &f,
            state: None,
            kind: RowKind::Goroutines,
            value,
        };
        assert_eq!(signature_of(row(40)).map(|s| s.id), Some("unclosed-body"));
        assert!(
            signature_of(row(1)).is_none(),
            "one idle keep-alive connection"
        );
    }

    #[test]
    fn a_dump_state_stands_for_the_runtime_frames_it_hides() {
        let f = frames(&["main.lookup"]);
        let row = RowFacts {
            frames: &f,
            state: Some("chan send"),
            kind: RowKind::Goroutines,
            value: 30,
        };
        assert_eq!(signature_of(row).map(|s| s.id), Some("blocked-channel"));
        let row = RowFacts {
            state: Some("select"),
            ..row
        };
        assert!(signature_of(row).is_none());
    }
}
