//! Files people share: SVG flame graphs (drawn by the inferno crate, plain
//! or differential) and folded stacks (`a;b;c 42`) for other tools.
//!
//! Both start from an [`ExportView`] — the profile, an optional diff base,
//! the sample type, filters and zoom — merged by `tree` into one tree of
//! stacks, so an export is exactly the view it was asked for. Files are
//! written to a temporary file next to the destination and renamed into
//! place: a failure never leaves a half-written file, and an existing file
//! is only ever replaced by a complete one.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use thiserror::Error;

pub mod flamegraph;
pub mod folded;
mod titles;
mod tree;

pub use flamegraph::{
    DEFAULT_MIN_WIDTH, ExportStats, ExportView, Palette, SvgOptions, default_title,
    export_svg_file, write_svg,
};
pub use folded::{escape_frame, export_folded_file, unescape_frame, write_folded};

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

/// Writes a file through a temporary file in the same directory, renamed
/// over `path` only once everything was written and synced.
pub(crate) fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T, ExportError>,
) -> Result<T, ExportError> {
    let file_error = |source: io::Error| ExportError::File {
        path: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".pprof-tui-").suffix(".tmp");
    // tempfile's default mode is 0600; an exported graph is meant to be
    // shared, so let the umask decide as it would for any new file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(dir).map_err(file_error)?;
    let result = {
        let mut out = BufWriter::with_capacity(1 << 16, temp.as_file_mut());
        let result = write(&mut out).map_err(|e| match e {
            ExportError::Io(source) => file_error(source),
            other => other,
        })?;
        out.flush().map_err(file_error)?;
        result
    };
    temp.as_file().sync_all().map_err(file_error)?;
    temp.persist(path).map_err(|e| file_error(e.error))?;
    Ok(result)
}
