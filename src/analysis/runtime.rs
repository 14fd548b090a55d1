//! The runtime's own numbers beside what the profile attributes: a heap
//! profile written with `debug=1` carries `runtime.MemStats`
//! ([`MemStats`]), and its `inuse_space` says how much of the heap the
//! profile can name.
//!
//! The profile figure compared with `HeapInuse` is `inuse_space`, the one
//! that measures the same thing: bytes of live objects (as of the last GC,
//! sampling undone). `alloc_space` counts everything ever allocated and
//! the `*_objects` types are not bytes. `HeapInuse` (bytes in in-use heap
//! spans) is the larger: it also holds the free slots of those spans
//! (fragmentation, size-class rounding) and whatever was allocated since
//! the last GC, which the profile does not show yet.

use super::trend::SnapshotFacts;
use crate::profile::{MemStats, Profile};

/// MemStats fields worth a first look, in the order shown.
pub const KEY_FIELDS: [&str; 9] = [
    "HeapAlloc",
    "HeapInuse",
    "HeapIdle",
    "HeapReleased",
    "HeapObjects",
    "Sys",
    "NextGC",
    "NumGC",
    "GCCPUFraction",
];

/// MemStats fields counted in bytes (the others are counts or fractions).
pub fn is_bytes(field: &str) -> bool {
    !matches!(
        field,
        "HeapObjects"
            | "NumGC"
            | "NumForcedGC"
            | "GCCPUFraction"
            | "Mallocs"
            | "Frees"
            | "Lookups"
            | "LastGC"
            | "DebugGC"
            | "EnableGC"
            | "PauseNs"
            | "PauseEnd"
            | "PauseTotalNs"
    )
}

/// How much of `HeapInuse` the profile accounts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeapGap {
    /// The profile's `inuse_space` total, in bytes.
    pub profiled: i64,
    /// The runtime's `HeapInuse`, in bytes.
    pub heap_inuse: u64,
}

impl HeapGap {
    /// `HeapInuse` the profile does not name (negative when the profile's
    /// estimate is the larger, as unsampling can make it).
    pub fn unaccounted(&self) -> i128 {
        i128::from(self.heap_inuse) - i128::from(self.profiled)
    }
}

/// The profile's `inuse_space` against the runtime's `HeapInuse`, when the
/// profile has both.
pub fn heap_gap(profile: &Profile) -> Option<HeapGap> {
    let heap_inuse = profile.memstats.as_deref()?.int("HeapInuse")?;
    let index = profile
        .sample_types
        .iter()
        .position(|t| t.name == "inuse_space" && t.unit == "bytes")?;
    Some(HeapGap {
        profiled: super::total(profile, index),
        heap_inuse,
    })
}

/// A profile's runtime numbers as one snapshot of a series: `HeapInuse`,
/// `HeapObjects` and, for a goroutine profile, the goroutine count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuntimePoint {
    pub heap_inuse: Option<u64>,
    pub heap_objects: Option<u64>,
    pub goroutines: Option<i64>,
    /// What the profile attributes: its `inuse_space` total.
    pub profiled: Option<i64>,
}

/// The runtime numbers of one snapshot (the MemStats ones are `None` for
/// a proto heap profile: it carries none; its `inuse_space` total is
/// there all the same).
pub fn runtime_point(profile: &Profile) -> RuntimePoint {
    let stats: Option<&MemStats> = profile.memstats.as_deref();
    let inuse = profile
        .sample_types
        .iter()
        .position(|t| t.name == "inuse_space" && t.unit == "bytes");
    RuntimePoint {
        heap_inuse: stats.and_then(|m| m.int("HeapInuse")),
        heap_objects: stats.and_then(|m| m.int("HeapObjects")),
        goroutines: super::is_goroutine_profile(profile, 0).then(|| super::total(profile, 0)),
        profiled: inuse.map(|i| super::total(profile, i)),
    }
}

/// What tells one process from the next in a snapshot (see
/// [`super::trend::lives`]): its allocated totals, the runtime's cumulative
/// counters, its goroutine count.
pub fn snapshot_facts(profile: &Profile) -> SnapshotFacts {
    let index = |name: &str| profile.sample_types.iter().position(|t| t.name == name);
    let stats: Option<&MemStats> = profile.memstats.as_deref();
    let counter = |name: &str| stats.and_then(|m| m.int(name));
    SnapshotFacts {
        allocated: index("alloc_objects")
            .zip(index("alloc_space"))
            .map(|(o, s)| (super::total(profile, o), super::total(profile, s))),
        counters: match (counter("NumGC"), counter("TotalAlloc"), counter("Mallocs")) {
            (Some(gc), Some(total), Some(mallocs)) => Some([gc, total, mallocs]),
            _ => None,
        },
        goroutines: super::is_goroutine_profile(profile, 0).then(|| super::total(profile, 0)),
    }
}
