//! `e`: the view on screen written as an SVG flame graph. Its file name is
//! built from profile data (file names, sample type names), which is
//! hostile: every part goes through
//! [`file_name_part`](crate::safe_text::file_name_part), so the file lands
//! in the export directory (the working directory unless `--export-dir`),
//! named plainly: `heap-3.inuse_space.svg`, `stdin.inuse_space.svg`,
//! `heap-3.diff-heap-1.inuse_space.svg`.

use std::path::{Path, PathBuf};

use crate::safe_text::file_name_part;

/// The part of export names that says which profile was drawn, from the
/// short names of the profile (`heap-3.pb.gz`, `<stdin>`, a URL's last
/// segment) and of the base in a diff.
pub fn export_stem(profile: &str, base: Option<&str>) -> String {
    let stem = plain(profile);
    match base {
        Some(base) => format!("{stem}.diff-{}", plain(base)),
        None => stem,
    }
}

/// A profile's short name without its usual extensions, made safe.
fn plain(name: &str) -> String {
    if name == "<stdin>" || name == "-" {
        return "stdin".to_owned();
    }
    let mut stem = name;
    for ext in [".gz", ".pb", ".pprof", ".prof"] {
        stem = stem.strip_suffix(ext).unwrap_or(stem);
    }
    file_name_part(stem)
}

/// `<stem>.<sample type>[.zoom].svg` in `dir`, with a number added when
/// the name is taken.
pub fn export_path(dir: &Path, stem: &str, sample_type: &str, zoomed: bool) -> PathBuf {
    let zoom = if zoomed { ".zoom" } else { "" };
    let base = format!(
        "{}.{}{zoom}",
        file_name_part(stem),
        file_name_part(sample_type)
    );
    (1..10_000)
        .map(|n| {
            let name = if n == 1 {
                format!("{base}.svg")
            } else {
                format!("{base}-{n}.svg")
            };
            dir.join(name)
        })
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(format!("{base}.svg")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_and_safe() {
        assert_eq!(export_stem("heap-3.pb.gz", None), "heap-3");
        assert_eq!(export_stem("<stdin>", None), "stdin");
        assert_eq!(
            export_stem("heap-3.pb.gz", Some("heap-1.pb.gz")),
            "heap-3.diff-heap-1"
        );
        assert_eq!(export_stem("cpu.prof", None), "cpu");
        assert_eq!(export_stem(".pb.gz", None), "profile");
        assert_eq!(export_stem("../../etc/x.pb.gz", None), "_.._etc_x");
        let dir = Path::new("/nonexistent-dir");
        assert_eq!(
            export_path(dir, "profile", "./../../x", false),
            dir.join("profile._.._.._x.svg")
        );
    }
}
