//! The compiler's escape analysis as text: a saved file (`go build
//! -gcflags=-m=2 ./... 2> FILE`) read with a size bound, or the output of
//! running that build in a module's directory. What the text means is
//! `analysis::escape`'s to say; this module only fetches it and names it
//! for headers and messages.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Largest compiler output read (a whole module's `-m=2` is a few MB).
const MAX_ESCAPE_FILE: u64 = 256 << 20;

/// Compiler output and the name to show for it.
#[derive(Debug, Clone)]
pub struct EscapeText {
    pub text: String,
    /// The file's path, or the build that made the text.
    pub name: String,
}

/// Reads a saved escape-analysis file; the error is the one line to show
/// ("cannot read escape file 'F': …").
pub fn read_file(file: &Path) -> Result<EscapeText, String> {
    let name = file.display().to_string();
    let text = read_bounded(file).map_err(|e| format!("cannot read escape file '{name}': {e}"))?;
    Ok(EscapeText { text, name })
}

fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_ESCAPE_FILE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_ESCAPE_FILE {
        return Err(std::io::Error::other(format!(
            "larger than {MAX_ESCAPE_FILE} bytes"
        )));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Runs `go build -gcflags=-m=2 ./...` in `dir` and returns what the
/// compiler printed; `Ok(None)` when `go` is not on `PATH` (the caller says
/// how to make the file by hand).
pub fn go_build(dir: &Path) -> Result<Option<EscapeText>> {
    let shown = dir.display().to_string();
    if on_path("go").is_none() {
        return Ok(None);
    }
    let out_dir = std::env::temp_dir().join(format!("pprof-tui-escape-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("creating '{}'", out_dir.display()))?;
    // -o DIR/ keeps a main package's binary out of the module.
    let output = std::process::Command::new("go")
        .args(["build", "-gcflags=-m=2", "-o"])
        .arg(format!("{}/", out_dir.display()))
        .arg("./...")
        .current_dir(dir)
        .output();
    let _ = std::fs::remove_dir_all(&out_dir);
    let output = output.with_context(|| format!("running go build in '{shown}'"))?;
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        let first = text.lines().find(|l| !l.starts_with('#')).unwrap_or("");
        anyhow::bail!("go build -gcflags=-m=2 ./... failed in '{shown}': {first}");
    }
    Ok(Some(EscapeText {
        text,
        name: format!("go build -gcflags=-m=2 ./... in {shown}"),
    }))
}

/// The first file named `name` in a directory of `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}
