//! What `top`, `diff` and `trend` print: pprof-compatible text and JSON.

pub mod diff;
pub mod explain;
pub mod json;
pub mod tags;
pub mod text;
pub mod trend;
pub mod units;

/// Where a compared profile came from, for report headers.
#[derive(Debug, Clone, Default)]
pub struct ProfileInfo {
    /// The argument that named it (file, URL, `<stdin>`).
    pub source: String,
    /// Its `time_nanos`; 0 when it has none.
    pub time_nanos: i64,
    /// The runtime's MemStats, when the profile carried them.
    pub memstats: Option<Box<crate::profile::MemStats>>,
    /// Its `inuse_space` against `HeapInuse`, when it has both.
    pub heap_gap: Option<crate::analysis::runtime::HeapGap>,
}

impl ProfileInfo {
    /// The header facts of `profile`, loaded from `source`.
    pub fn of(source: String, profile: &crate::profile::Profile) -> ProfileInfo {
        ProfileInfo {
            source,
            time_nanos: profile.time_nanos,
            memstats: profile.memstats.clone(),
            heap_gap: crate::analysis::runtime::heap_gap(profile),
        }
    }
}

/// The line under a table cut short: `… 44 more (-n 0 for all)`; nothing
/// when every row was shown.
pub(crate) fn write_more(out: &mut dyn std::io::Write, hidden: usize) -> std::io::Result<()> {
    if hidden == 0 {
        return Ok(());
    }
    writeln!(out, "… {hidden} more (-n 0 for all)")
}
