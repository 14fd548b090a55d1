//! A profile written back as a gzip'd `profile.proto` (`pprof-tui
//! convert`): whatever pprof-tui read — legacy text, a URL, several
//! profiles merged — in the format every pprof tool reads.

use std::path::Path;

use super::{ExportError, write_output};
use crate::profile::{Profile, encode_gzip};

/// Writes `profile` to `path` as a gzip'd protobuf, atomically (a
/// temporary file renamed into place; see `output`).
pub fn export_proto_file(profile: &Profile, path: &Path) -> Result<(), ExportError> {
    write_output(path, |out| {
        encode_gzip(profile, out).map_err(ExportError::Io)
    })
}
