//! What `top`, `diff` and `trend` print: pprof-compatible text and JSON.

pub mod diff;
pub mod explain;
pub mod json;
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
}
