//! `flamegraph -o` and `convert -o` on every kind of target (`-` for stdout), when the write
//! fails half way: on a full filesystem (a 64 KiB tmpfs: ENOSPC) and under
//! a file-size limit (`ulimit -f`: EFBIG, where SIGXFSZ once killed the
//! process). Each run exits 1 with one line naming the file, leaves the old
//! content (or no file) as it was, and no temporary file behind.
//!
//! Mounting needs root; where it is not allowed, those tests say so and
//! skip (CI runs as root, so there they run).

#![cfg(target_os = "linux")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A 64 KiB tmpfs mounted on a temporary directory, unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount() -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "pprof-tui-test"])
            .arg(dir.path())
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("skipped: cannot mount a tmpfs here (needs root)");
            return None;
        }
        Some(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the filesystem up to `leave` bytes free, with a file of its own.
    fn fill(&self, leave: u64) {
        let free = free_bytes(self.path());
        if free > leave {
            let filler = vec![b'x'; (free - leave) as usize];
            // Filling may stop short of the exact byte: that is fine.
            let _ = fs::write(self.path().join("filler"), filler);
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn free_bytes(dir: &Path) -> u64 {
    let out = Command::new("df")
        .args(["-B1", "--output=avail"])
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

/// The command lines that write a file: a flame graph (about 27 KB) and a
/// converted profile.
fn writers(out: &Path) -> Vec<Vec<String>> {
    let profile = testdata("leaky/heap-3.pb.gz").display().to_string();
    let out = out.display().to_string();
    vec![
        vec![
            "flamegraph".into(),
            profile.clone(),
            "-o".into(),
            out.clone(),
        ],
        vec!["convert".into(), profile, "-o".into(), out],
    ]
}

/// Runs pprof-tui, under `ulimit -f BLOCKS` (512-byte blocks) when given.
fn pprof_tui(args: &[String], ulimit_blocks: Option<u64>) -> Output {
    let bin = assert_cmd::cargo::cargo_bin("pprof-tui");
    match ulimit_blocks {
        None => Command::new(bin).args(args).output().unwrap(),
        Some(blocks) => Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -f {blocks} && exec \"$0\" \"$@\""))
            .arg(bin)
            .args(args)
            .output()
            .unwrap(),
    }
}

/// One line on stderr naming `target` and the reason; exit 1.
fn assert_one_line_failure(out: &Output, target: &Path, reason: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("writing '{}' failed", target.display())),
        "{stderr}"
    );
    assert!(stderr.contains(reason), "{stderr}");
    assert!(
        !stderr.contains("writing '") || stderr.matches("writing '").count() == 1,
        "{stderr}"
    );
}

/// Names in `dir` that are pprof-tui's temporary files.
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pprof-tui-"))
        .collect()
}

#[test]
fn a_full_disk_leaves_every_kind_of_target_as_it_was() {
    let Some(fs_) = Tmpfs::mount() else {
        return;
    };
    let dir = fs_.path();
    let old = b"old content\n";
    let regular = dir.join("regular.svg");
    let linked = dir.join("h1.svg");
    let other_link = dir.join("h2.svg");
    let symlink = dir.join("link.svg");
    let new = dir.join("new.svg");
    fs::write(&regular, old).unwrap();
    fs::write(&linked, old).unwrap();
    fs::hard_link(&linked, &other_link).unwrap();
    std::os::unix::fs::symlink("regular.svg", &symlink).unwrap();
    fs_.fill(8 << 10);
    for target in [&regular, &symlink, &new] {
        for args in writers(target) {
            let out = pprof_tui(&args, None);
            assert_one_line_failure(&out, target, "No space left on device");
            assert_eq!(leftovers(dir), Vec::<String>::new(), "{args:?}");
        }
    }
    assert_eq!(fs::read(&regular).unwrap(), old);
    assert!(!new.exists());
    for args in writers(&linked) {
        let out = pprof_tui(&args, None);
        assert_one_line_failure(&out, &linked, "it has 2 hard links");
    }
    assert_eq!(fs::read(&linked).unwrap(), old);
    assert_eq!(fs::read(&other_link).unwrap(), old);
    assert_eq!(leftovers(dir), Vec::<String>::new());
}

#[test]
fn a_file_size_limit_is_an_error_not_a_signal() {
    let dir = tempfile::tempdir().unwrap();
    let old = b"old content\n";
    let regular = dir.path().join("regular.svg");
    let symlink = dir.path().join("link.svg");
    let new = dir.path().join("new.svg");
    fs::write(&regular, old).unwrap();
    std::os::unix::fs::symlink("regular.svg", &symlink).unwrap();
    for target in [&regular, &symlink, &new] {
        for args in writers(target) {
            // 16 blocks: 8 KiB, less than either output.
            let out = pprof_tui(&args, Some(16));
            assert_one_line_failure(&out, target, "File too large");
            assert_eq!(leftovers(dir.path()), Vec::<String>::new(), "{args:?}");
        }
    }
    assert_eq!(fs::read(&regular).unwrap(), old);
    assert!(!new.exists());
}

#[test]
fn devices_are_written_into_and_their_errors_reported() {
    // /dev/null takes everything and stays a device; /dev/full takes
    // nothing (ENOSPC), and says so in one line.
    for args in writers(Path::new("/dev/null")) {
        let out = pprof_tui(&args, None);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }
    assert!(!fs::metadata("/dev/null").unwrap().is_file());
    for args in writers(Path::new("/dev/full")) {
        let out = pprof_tui(&args, None);
        assert_one_line_failure(&out, Path::new("/dev/full"), "No space left on device");
    }
}

#[test]
fn a_dash_writes_to_stdout_and_a_full_stdout_is_one_line() {
    let dash = Path::new("-");
    for args in writers(dash) {
        let out = pprof_tui(&args, None);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(!out.stdout.is_empty(), "{args:?} wrote to stdout");
        assert!(!dash.exists(), "no file named '-'");
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let bin = assert_cmd::cargo::cargo_bin("pprof-tui");
        let out = Command::new(bin).args(&args).stdout(full).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_eq!(
            stderr,
            "pprof-tui: writing the output failed: No space left on device (os error 28)\n"
        );
    }
    // What `convert` wrote to stdout is the profile.
    let source = testdata("leaky/heap-3.pb.gz").display().to_string();
    let converted = pprof_tui(
        &["convert".into(), source.clone(), "-o".into(), "-".into()],
        None,
    );
    let scratch = tempfile::tempdir().unwrap();
    let written = scratch.path().join("heap.pb.gz");
    fs::write(&written, &converted.stdout).unwrap();
    let top = |path: String| pprof_tui(&["top".into(), "-n".into(), "0".into(), path], None);
    let (from_source, from_stdout) = (top(source), top(written.display().to_string()));
    let text = |out: &Output| String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(text(&from_stdout), text(&from_source));
    assert!(text(&from_source).contains("main.(*Cache).Put"));
}
