//! Writing an export to the path the user named, without surprising them.
//!
//! `-o PATH` means "put the output there", and what is there decides how:
//!
//! * nothing yet: a new file, written to a temporary file beside it and
//!   renamed into place, so a failure never leaves a half-written file;
//! * a regular file: replaced the same way, keeping its permission bits and
//!   (where we may) its owner, after checking that the user could write it
//!   (a read-only file in a writable directory is refused, not replaced);
//!   a file with several hard links is written in place instead, so that
//!   the links stay one file (the output is complete in the temporary file
//!   before the target is touched);
//! * anything else — a FIFO, a device, a terminal, `/dev/stdout`, a shell's
//!   `>(…)` — is opened and written directly: it is never replaced;
//! * a symbolic link is followed, as any shell redirection would.
//!
//! As root, `-o /dev/null` therefore writes into the system's `/dev/null`
//! instead of replacing it with a regular file.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use super::ExportError;

/// Writes what `write` produces to `path`, as the module documentation says.
pub(crate) fn write_output<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T, ExportError>,
) -> Result<T, ExportError> {
    let file_error = |source: io::Error| ExportError::File {
        path: path.display().to_string(),
        source,
    };
    let write = |out: &mut dyn Write| -> Result<T, ExportError> {
        let mut out = BufWriter::with_capacity(1 << 16, out);
        let result = write(&mut out).map_err(|e| match e {
            ExportError::Io(source) => file_error(source),
            other => other,
        })?;
        out.flush().map_err(file_error)?;
        Ok(result)
    };
    match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let target = follow_links(path).map_err(file_error)?;
            replace_atomically(&target, None, write).map_err(|e| e.into_export(path))
        }
        Err(e) => Err(file_error(e)),
        Ok(meta) if meta.is_dir() => Err(file_error(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory",
        ))),
        Ok(meta) if meta.is_file() && !is_special_path(path) => {
            // Opening for writing (without truncating) asks the kernel
            // whether this user may write the file, and changes nothing.
            let existing = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(file_error)?;
            let target = fs::canonicalize(path).map_err(file_error)?;
            if hard_links(&meta) > 1 {
                return write_through_temp(&target, existing, write)
                    .map_err(|e| e.into_export(path));
            }
            drop(existing);
            replace_atomically(&target, Some(&meta), write).map_err(|e| e.into_export(path))
        }
        Ok(_) => {
            // A FIFO, a device, a socket, /dev/stdout …: write into it.
            let mut file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(file_error)?;
            write(&mut file)
        }
    }
}

/// Paths that name a process's open files (`/dev/stdout`, `/dev/fd/63`,
/// `/proc/self/fd/1`): written directly even when they lead to a regular
/// file, so that `-o /dev/stdout >> log` appends as the shell arranged.
fn is_special_path(path: &Path) -> bool {
    path.starts_with("/dev") || path.starts_with("/proc")
}

#[cfg(unix)]
fn hard_links(meta: &Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.nlink()
}

#[cfg(not(unix))]
fn hard_links(_meta: &Metadata) -> u64 {
    1
}

/// The most symbolic links followed before giving up (the kernel's own limit).
const MAX_LINKS: usize = 40;

/// Where writing to `path` would land: `path` itself, or the end of its
/// chain of symbolic links (which need not exist yet).
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// An error on the way, kept apart from the export's own errors so that
/// every I/O failure names the path the user gave.
enum Failure {
    Io(io::Error),
    Export(ExportError),
}

impl Failure {
    fn into_export(self, path: &Path) -> ExportError {
        match self {
            Failure::Io(source) => ExportError::File {
                path: path.display().to_string(),
                source,
            },
            Failure::Export(e) => e,
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

/// A temporary file beside `target`, named so that it is plainly ours.
fn temporary_beside(target: &Path) -> io::Result<tempfile::NamedTempFile> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".pprof-tui-").suffix(".tmp");
    // tempfile's default mode is 0600; a new graph is meant to be shared,
    // so let the umask decide as it would for any new file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// Writes into a temporary file beside `target` and renames it over
/// `target` once complete and synced. An existing file's mode and owner
/// carry over; when the owner cannot (not root, someone else's file), the
/// file is written in place instead of changing hands.
fn replace_atomically<T>(
    target: &Path,
    existing: Option<&Metadata>,
    write: impl FnOnce(&mut dyn Write) -> Result<T, ExportError>,
) -> Result<T, Failure> {
    let mut temp = temporary_beside(target)?;
    let result = write(temp.as_file_mut()).map_err(Failure::Export)?;
    if let Some(meta) = existing {
        temp.as_file().set_permissions(meta.permissions())?;
        if !keep_owner(temp.as_file(), meta) {
            let file = OpenOptions::new().write(true).open(target)?;
            copy_into(temp.as_file_mut(), file)?;
            return Ok(result);
        }
    }
    temp.as_file().sync_all()?;
    temp.persist(target).map_err(|e| e.error)?;
    Ok(result)
}

/// Gives `file` the owner and group of `meta`'s file; false if not allowed.
#[cfg(unix)]
fn keep_owner(file: &File, meta: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(ours) = file.metadata() else {
        return false;
    };
    if ours.uid() == meta.uid() && ours.gid() == meta.gid() {
        return true;
    }
    std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid())).is_ok()
}

#[cfg(not(unix))]
fn keep_owner(_file: &File, _meta: &Metadata) -> bool {
    true
}

/// Writes the whole output to a temporary file first, then copies it into
/// `existing` in place (truncating it): the target is touched only once the
/// output is complete, and stays the same file for all its hard links.
fn write_through_temp<T>(
    target: &Path,
    existing: File,
    write: impl FnOnce(&mut dyn Write) -> Result<T, ExportError>,
) -> Result<T, Failure> {
    let mut temp = temporary_beside(target)?;
    let result = write(temp.as_file_mut()).map_err(Failure::Export)?;
    copy_into(temp.as_file_mut(), existing)?;
    Ok(result)
}

/// Replaces `target`'s contents with `source`'s, from the start.
fn copy_into(source: &mut File, mut target: File) -> io::Result<()> {
    source.rewind()?;
    target.set_len(0)?;
    io::copy(source, &mut target)?;
    target.sync_all()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};

    fn hello(out: &mut dyn Write) -> Result<(), ExportError> {
        out.write_all(b"hello\n")?;
        Ok(())
    }

    #[test]
    fn new_file_appears_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.svg");
        write_output(&path, hello).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"hello\n");
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failure_leaves_the_existing_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.svg");
        fs::write(&path, "old").unwrap();
        let err = write_output(&path, |out| -> Result<(), ExportError> {
            out.write_all(b"half")?;
            Err(ExportError::Internal("boom".into()))
        });
        assert!(err.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn replaced_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.svg");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        write_output(&path, hello).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"hello\n");
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
    }

    #[test]
    fn symlink_is_followed_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.svg");
        let link = dir.path().join("link.svg");
        fs::write(&real, "old").unwrap();
        symlink("real.svg", &link).unwrap();
        write_output(&link, hello).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"hello\n");
        // A dangling link is followed too: its target is created.
        let dangling = dir.path().join("dangling.svg");
        symlink("made.svg", &dangling).unwrap();
        write_output(&dangling, hello).unwrap();
        assert!(
            fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(dir.path().join("made.svg")).unwrap(), b"hello\n");
    }

    #[test]
    fn hard_links_stay_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.svg");
        let b = dir.path().join("b.svg");
        fs::write(&a, "old old old").unwrap();
        fs::hard_link(&a, &b).unwrap();
        write_output(&a, hello).unwrap();
        assert_eq!(fs::read(&b).unwrap(), b"hello\n");
        assert_eq!(
            fs::metadata(&a).unwrap().ino(),
            fs::metadata(&b).unwrap().ino()
        );
    }

    #[test]
    fn directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_output(dir.path(), hello).unwrap_err();
        assert!(err.to_string().contains(&dir.path().display().to_string()));
    }

    #[test]
    fn device_is_written_not_replaced() {
        // /dev/null stays a character device.
        write_output(Path::new("/dev/null"), hello).unwrap();
        let meta = fs::metadata("/dev/null").unwrap();
        assert!(!meta.is_file());
    }
}
