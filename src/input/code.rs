//! The program's source files, for the Source view: a profile names a file
//! as it was on the build machine (`/build/svc/main.go`); this finds it
//! under the directories the user gave, as pprof's `-source_path` does, and
//! reads it with a size bound. A profile can name any path, so only
//! ordinary files are read, never the kernel's pseudo-files.

use std::path::{Path, PathBuf};

/// The most of a source file read.
const MAX_SOURCE_BYTES: u64 = 16 << 20;

/// Resolves a profile's file name: the path itself when absolute, else in
/// each search directory with the path's leading directories stripped one
/// by one (never climbing out of them: `..` parts are skipped).
pub fn find(file: &str, search: &[PathBuf]) -> Option<PathBuf> {
    if file.is_empty() {
        return None;
    }
    let path = Path::new(file);
    if path.is_absolute() && readable(path) {
        return Some(path.to_path_buf());
    }
    let parts: Vec<&str> = file
        .split('/')
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect();
    for dir in search {
        for skip in 0..parts.len() {
            let candidate = dir.join(parts[skip..].join("/"));
            if readable(&candidate) {
                return Some(candidate);
            }
        }
    }
    None
}

/// The lines of at most [`MAX_SOURCE_BYTES`] of a source file (invalid
/// UTF-8 replaced).
pub fn read_lines(path: &Path) -> std::io::Result<Vec<String>> {
    use std::io::Read;
    let mut text = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_SOURCE_BYTES)
        .read_to_end(&mut text)?;
    Ok(String::from_utf8_lossy(&text)
        .lines()
        .map(str::to_owned)
        .collect())
}

/// Whether `path` may be read: a regular file that is not in the kernel's
/// pseudo-filesystems, wherever links lead. Some "regular files" there
/// block or change state when read (`/proc/kmsg` consumes the kernel log).
fn readable(path: &Path) -> bool {
    let Ok(real) = std::fs::canonicalize(path) else {
        return false;
    };
    !["/proc", "/sys", "/dev"]
        .iter()
        .any(|dir| real.starts_with(dir))
        && real.metadata().is_ok_and(|m| m.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_files_come_only_from_ordinary_places() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("svc")).unwrap();
        let main = dir.path().join("svc/main.go");
        std::fs::write(&main, "package main\n").unwrap();
        let search = [dir.path().to_path_buf()];
        // Found by suffix under a search directory, or absolute.
        assert_eq!(
            find("/build/svc/main.go", &search),
            Some(dir.path().join("svc/main.go"))
        );
        assert_eq!(find(main.to_str().unwrap(), &[]), Some(main.clone()));
        assert_eq!(read_lines(&main).unwrap(), vec!["package main"]);
        // Never the kernel's pseudo-files, directly, by climbing, or through a link.
        assert_eq!(find("/proc/self/status", &search), None);
        assert_eq!(find("/proc/kmsg", &search), None);
        assert_eq!(find("../../../../../../proc/self/status", &search), None);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/proc/self/status", dir.path().join("status.go")).unwrap();
            assert_eq!(find("x/status.go", &search), None);
        }
        // Directories are not sources.
        assert_eq!(find("/build/svc", &search), None);
    }
}
