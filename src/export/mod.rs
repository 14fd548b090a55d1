//! Files people share: SVG flame graphs (drawn by the inferno crate, plain
//! or differential) and folded stacks (`a;b;c 42`) for other tools.
//!
//! Both start from an [`ExportView`] — the profile, an optional diff base,
//! the sample type, filters and zoom — merged by `tree` into one tree of
//! stacks, so an export is exactly the view it was asked for. How a file is
//! written (atomically, or straight into a FIFO or device) is
//! [`crate::input::output`]'s business: a failure never leaves a half-written file.

use std::io;
use std::path::Path;

use thiserror::Error;

pub mod flamegraph;
pub mod folded;
mod proto;
mod titles;
mod tree;

pub use flamegraph::{
    DEFAULT_MIN_WIDTH, ExportStats, ExportView, MAX_DRAWN_DEPTH, Palette, SvgOptions,
    default_title, export_svg_file, write_svg,
};
pub use folded::{escape_frame, export_folded_file, unescape_frame, write_folded};
pub use proto::export_proto_file;

/// Writes what `write` produces to `path` through the one writer
/// ([`crate::input::output`]); every I/O failure names the path.
pub(crate) fn write_output<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn io::Write) -> Result<T, ExportError>,
) -> Result<T, ExportError> {
    use crate::input::output::{Existing, Failure, write_file};
    let file_error = |source| ExportError::File {
        path: path.display().to_string(),
        source,
    };
    write_file(path, Existing::Replace, write).map_err(|e| match e {
        Failure::Io(source) | Failure::Content(ExportError::Io(source)) => file_error(source),
        Failure::Content(other) => other,
    })
}

/// Why an export failed.
#[derive(Debug, Error)]
pub enum ExportError {
    /// Filters, zoom or the sample type left no value to draw.
    #[error("nothing to draw: no sample has a non-zero '{sample_type}' value in this view")]
    Empty { sample_type: String },
    /// A flame graph's widths cannot be negative (e.g. a profile written by `pprof -base`).
    #[error(
        "stack '{stack}' has a negative '{sample_type}' value ({value}); a flame graph needs non-negative values"
    )]
    Negative {
        stack: String,
        sample_type: String,
        value: i64,
    },
    /// Sums beyond what a 64-bit count (or inferno's colour scale) can hold exactly.
    #[error("the '{sample_type}' values are too large to draw exactly")]
    Overflow { sample_type: String },
    #[error("sample index '{index}' is out of range: the profile has {count} sample types")]
    SampleIndex { index: usize, count: usize },
    #[error("the base profile has no sample type '{name}'")]
    BaseSampleType { name: String },
    /// Combining the compared profile's samples (before `--normalize`) failed.
    #[error("cannot combine the profile's samples")]
    Combine(#[from] crate::profile::MergeError),
    /// An export option outside its range.
    #[error("invalid {option} '{value}': {reason}")]
    Option {
        option: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("writing '{path}' failed")]
    File {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("writing the output failed")]
    Io(#[from] io::Error),
    /// inferno drew something other than what was laid out (a bug, never input).
    #[error("internal error: {0}")]
    Internal(String),
}
