//! Generates the pprof protobuf types from `proto/profile.proto` with protox,
//! a pure-Rust protobuf compiler, so no system `protoc` is needed; and
//! stamps `--version` with the git commit the binary was built from.

use std::process::Command;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/profile.proto");
    let descriptors = protox::compile(["proto/profile.proto"], ["proto"])?;
    prost_build::Config::new().compile_fds(descriptors)?;
    stamp_version();
    Ok(())
}

/// Sets `PPROF_TUI_VERSION` to `0.1.0 (commit 1a2b3c4d5e6f)`, or to the bare
/// crate version outside a git checkout (a packaged crate, a tarball).
/// Rebuilt when HEAD moves: the files that say where it points are watched.
fn stamp_version() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let stamped = match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) => format!("{version} (commit {commit})"),
        None => version,
    };
    println!("cargo:rustc-env=PPROF_TUI_VERSION={stamped}");
    let watched = [
        Some("HEAD".to_owned()),
        git(&["symbolic-ref", "-q", "HEAD"]),
    ];
    for name in watched.into_iter().flatten() {
        let path = git(&["rev-parse", "--git-path", &name]);
        if let Some(path) = path.filter(|p| std::path::Path::new(p).exists()) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}

/// One line of a git command's output, or `None` (no git, not a checkout).
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let line = text.trim();
    (output.status.success() && !line.is_empty()).then(|| line.to_owned())
}
