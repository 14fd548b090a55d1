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

/// What `e` draws: the view on screen.
pub struct Export<'a> {
    /// What the study draws: the profile shown (in a diff: the new one,
    /// with its base).
    pub sides: crate::analysis::Sides<'a>,
    pub sample_index: usize,
    pub granularity: crate::analysis::Granularity,
    pub filters: crate::analysis::Filters,
    /// The zoomed frame's path of names (empty when not zoomed).
    pub zoom: Vec<String>,
    /// Root on top.
    pub icicle: bool,
    /// The header's title, for the SVG's.
    pub title: &'a str,
    /// The sample type's name, for the file's.
    pub sample_type: &'a str,
}

impl Export<'_> {
    /// Writes the SVG into `dir` under a fresh plain name (never over an
    /// existing file); the status bar's message, and whether it is an error.
    pub fn write(self, dir: &Path, stem: &str) -> (String, bool) {
        use crate::export::flamegraph::{ExportView, SvgOptions, default_title, export_svg_file};
        use crate::safe_text::visible;
        let path = export_path(dir, stem, self.sample_type, !self.zoom.is_empty());
        let mut view = ExportView::of(
            self.sides,
            self.sample_index,
            self.granularity,
            self.filters,
        );
        view.zoom = self.zoom;
        view.title = Some(default_title(self.title, None, &view));
        let options = SvgOptions {
            icicle: self.icicle,
            ..SvgOptions::default()
        };
        match export_svg_file(&view, &options, &path) {
            Ok(stats) => (
                format!(
                    "wrote {} ({} frames)",
                    visible(&path.display().to_string()),
                    stats.frames
                ),
                false,
            ),
            Err(e) => (format!("export failed: {}", visible(&e.to_string())), true),
        }
    }
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
