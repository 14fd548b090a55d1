//! The one way pprof-tui writes a file the user named: `flamegraph -o`,
//! `convert -o`, the TUI's exports and the watch's `--save-dir` snapshots
//! all go through [`write_file`]. It sits below every layer that writes
//! (the `input` layer of DESIGN.md: it imports nothing from the crate).
//!
//! One rule, decided by what the path names (a symbolic link is followed to
//! the end of its chain first, as a shell redirection would):
//!
//! * nothing yet, or a regular file: the output is written to a temporary
//!   file beside it, synced, and renamed into place. A failure (a full disk,
//!   a file-size limit, an error while making the output) removes the
//!   temporary file and leaves the old file, or no file, as it was. A
//!   replaced file keeps its permission bits, and its owner where the
//!   process may give it (otherwise the new file is the writer's own, as
//!   with `sed -i`); a read-only file is refused, not replaced.
//! * a regular file with several hard links: refused. Keeping the links one
//!   file means writing it in place, and an in-place write that fails half
//!   way (ENOSPC, EFBIG, or a copy-on-write filesystem needing new blocks
//!   for an overwrite, which no reservation can prevent) leaves every link
//!   truncated. Refusing is the only choice that is safe everywhere.
//! * anything else (a FIFO, a device, a terminal, `/dev/stdout`, a shell's
//!   `>(…)`, and any path under `/dev` or `/proc`): written directly, as a
//!   stream; it is never replaced (as root, `-o /dev/null` stays the
//!   device). What a reader already took cannot be taken back, so a failure
//!   there is reported, nothing more.
//!
//! A file-size limit (`ulimit -f`, as disk quotas set) would kill the
//! process with SIGXFSZ before it could clean up; [`tolerate_file_size_limit`]
//! turns that into an `EFBIG` error from the write.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// What to do when the path already names something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Existing {
    /// Replace it (or write into it, for a device) as the rule says.
    Replace,
    /// Refuse: the path must be new (a snapshot never overwrites another).
    Refuse,
}

/// Why [`write_file`] failed: the file system, or the output itself.
#[derive(Debug)]
pub(crate) enum Failure<E> {
    /// Opening, writing, syncing or renaming failed.
    Io(io::Error),
    /// The function making the output failed.
    Content(E),
}

/// Writes what `write` produces to `path`, as the module documentation
/// says. `write` gets a buffered writer; its errors come back as
/// [`Failure::Content`], the file system's as [`Failure::Io`].
pub(crate) fn write_file<T, E>(
    path: &Path,
    existing: Existing,
    write: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> Result<T, Failure<E>> {
    let write = |out: &mut dyn Write| -> Result<T, Failure<E>> {
        let mut out = BufWriter::with_capacity(1 << 16, out);
        let result = write(&mut out).map_err(Failure::Content)?;
        out.flush().map_err(Failure::Io)?;
        Ok(result)
    };
    let refuse = |why: String| Failure::Io(io::Error::other(why));
    match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let target = follow_links(path).map_err(Failure::Io)?;
            replace(&target, None, existing, write)
        }
        Err(e) => Err(Failure::Io(e)),
        Ok(_) if existing == Existing::Refuse => Err(Failure::Io(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "it already exists",
        ))),
        Ok(meta) if meta.is_dir() => Err(Failure::Io(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory",
        ))),
        Ok(meta) if meta.is_file() && !is_special_path(path) => {
            // Opening for writing (without truncating) asks the kernel
            // whether this user may write the file, and changes nothing.
            drop(
                OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(Failure::Io)?,
            );
            let links = hard_links(&meta);
            if links > 1 {
                return Err(refuse(format!(
                    "it has {links} hard links, and writing them all in place could leave them \
                     half-written if the disk fills; write to another path"
                )));
            }
            let target = fs::canonicalize(path).map_err(Failure::Io)?;
            replace(&target, Some(&meta), existing, write)
        }
        Ok(_) => {
            // A FIFO, a device, a socket, /dev/stdout …: write into it.
            let mut file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(Failure::Io)?;
            write(&mut file)
        }
    }
}

/// Writes into a temporary file beside `target` and renames it over
/// `target` once complete and synced (never over an existing file when
/// `existing` is [`Existing::Refuse`]). On any failure the temporary file
/// is removed as it drops.
fn replace<T, E>(
    target: &Path,
    old: Option<&Metadata>,
    existing: Existing,
    write: impl FnOnce(&mut dyn Write) -> Result<T, Failure<E>>,
) -> Result<T, Failure<E>> {
    let mut temp = temporary_beside(target).map_err(Failure::Io)?;
    let result = write(temp.as_file_mut())?;
    let io = |e: io::Error| Failure::Io(e);
    if let Some(meta) = old {
        temp.as_file()
            .set_permissions(meta.permissions())
            .map_err(io)?;
        keep_owner(temp.as_file(), meta);
    }
    temp.as_file().sync_all().map_err(io)?;
    match existing {
        Existing::Replace => temp.persist(target),
        Existing::Refuse => temp.persist_noclobber(target),
    }
    .map_err(|e| Failure::Io(e.error))?;
    Ok(result)
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

/// A temporary file beside `target`, named so that it is plainly ours.
fn temporary_beside(target: &Path) -> io::Result<tempfile::NamedTempFile> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".pprof-tui-").suffix(".tmp");
    // tempfile's default mode is 0600; a new file is meant to be shared,
    // so let the umask decide as it would for any new file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// Gives `file` the owner and group of `meta`'s file where allowed (root,
/// or the same owner); otherwise it stays the writer's.
#[cfg(unix)]
fn keep_owner(file: &File, meta: &Metadata) {
    use std::os::unix::fs::MetadataExt;
    let Ok(ours) = file.metadata() else {
        return;
    };
    if ours.uid() != meta.uid() || ours.gid() != meta.gid() {
        // Not allowed (not root, someone else's file): the writer keeps it.
        let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
    }
}

#[cfg(not(unix))]
fn keep_owner(_file: &File, _meta: &Metadata) {}

/// Makes a file-size limit (`RLIMIT_FSIZE`) a write error instead of the
/// end of the process: SIGXFSZ's default action kills it, leaving a
/// temporary file behind. With a handler installed (one that only records
/// the signal), the write that crosses the limit fails with `EFBIG`, and
/// the writer cleans up and says so. Called once, first thing in `main`.
pub fn tolerate_file_size_limit() {
    #[cfg(unix)]
    {
        use std::sync::Arc;
        use std::sync::atomic::AtomicBool;
        // A failure leaves the default action, as before: nothing to add.
        let _ = signal_hook::flag::register(
            signal_hook::consts::SIGXFSZ,
            Arc::new(AtomicBool::new(false)),
        );
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};

    type Result = std::result::Result<(), Failure<io::Error>>;

    fn hello(out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"hello\n")
    }

    fn write(path: &Path) -> Result {
        write_file(path, Existing::Replace, hello)
    }

    #[test]
    fn new_file_appears_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.svg");
        write(&path).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"hello\n");
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failure_leaves_the_existing_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.svg");
        fs::write(&path, "old").unwrap();
        let err = write_file(&path, Existing::Replace, |out| -> io::Result<()> {
            out.write_all(b"half")?;
            Err(io::Error::other("boom"))
        });
        assert!(matches!(err, Err(Failure::Content(_))));
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn replaced_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.svg");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        write(&path).unwrap();
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
        write(&link).unwrap();
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
        write(&dangling).unwrap();
        assert!(
            fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(dir.path().join("made.svg")).unwrap(), b"hello\n");
    }

    #[test]
    fn hard_links_are_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.svg");
        let b = dir.path().join("b.svg");
        fs::write(&a, "old old old").unwrap();
        fs::hard_link(&a, &b).unwrap();
        let Err(Failure::Io(e)) = write(&a) else {
            panic!("a hard-linked target was written");
        };
        assert!(e.to_string().contains("it has 2 hard links"), "{e}");
        assert_eq!(fs::read(&a).unwrap(), b"old old old");
        assert_eq!(fs::read(&b).unwrap(), b"old old old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn refuse_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snap.pb.gz");
        write_file(&path, Existing::Refuse, hello).unwrap();
        let again = write_file(&path, Existing::Refuse, |out| out.write_all(b"other"));
        assert!(matches!(again, Err(Failure::Io(e)) if e.kind() == io::ErrorKind::AlreadyExists));
        assert_eq!(fs::read(&path).unwrap(), b"hello\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(write(dir.path()), Err(Failure::Io(_))));
    }

    #[test]
    fn device_is_written_not_replaced() {
        // /dev/null stays a character device.
        write(Path::new("/dev/null")).unwrap();
        let meta = fs::metadata("/dev/null").unwrap();
        assert!(!meta.is_file());
        // /dev/full takes nothing: the error is the device's.
        let full = write(Path::new("/dev/full"));
        assert!(matches!(full, Err(Failure::Io(e)) if e.raw_os_error() == Some(28)));
    }
}
