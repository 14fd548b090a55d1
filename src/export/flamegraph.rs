//! SVG flame graphs drawn by inferno: one export function for the CLI's
//! `flamegraph` command and the TUI's export key alike, so an exported file
//! is exactly the view on screen.
//!
//! The view's stacks are merged into a tree (module `tree`); frames
//! narrower than `min_width` are pruned *before* inferno sees them (their
//! value moves into their parent, so every drawn width stays exact and a
//! large profile stays light), and the remaining stacks are handed to
//! inferno in tree order. A differential view feeds inferno its two-column
//! input (`stack base new`): widths are the new profile's values; colours
//! are inferno's — red where a frame's own value (including pruned callees)
//! grew, blue where it shrank. Tooltips are then rewritten
//! (module `titles`) to read in the sample type's unit.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::str::FromStr;

use inferno::flamegraph::color::{
    BackgroundColor, BasicPalette, Color, Palette as InfernoPalette, PaletteMap, StrokeColor,
};
use inferno::flamegraph::{Direction, Options};

use super::titles::{DrawnFrame, FrameTitles, Measure, TitleRewriter};
use super::tree::{Pair, StackSet};
use super::{ExportError, write_output};
use crate::analysis::{Filters, Granularity, Sides};
use crate::profile::Profile;

/// What is on screen: the view an export reproduces.
pub struct ExportView<'a> {
    /// What the view draws, as the study prepared it: the profile shown,
    /// and in a comparison its base and whether it is normalized
    /// (`-normalize`'s merge and scale live in the study).
    pub sides: Sides<'a>,
    /// Index into the shown profile's sample types; the base's type is
    /// matched by name.
    pub sample_index: usize,
    /// How frames are grouped into nodes (functions, lines …).
    pub granularity: Granularity,
    /// The filters in effect (applied to the base too).
    pub filters: Filters,
    /// Root-first printable node names (`NodeInfo::printable_name`, without
    /// pprof's ` (inline)` suffix) of the zoomed frame's path; empty for
    /// the whole graph. Only samples whose stack starts with this path are
    /// drawn, and the path's frames stay drawn below the zoomed frame (at its
    /// width) so the context shows.
    pub zoom: Vec<String>,
    /// The graph's title; `None` for `<sample type> — <total>` (see
    /// [`default_title`] for one that names the file).
    pub title: Option<String>,
}

impl<'a> ExportView<'a> {
    /// The whole view of what a study prepared (see
    /// [`Study::sides`](crate::analysis::Study::sides)), untitled.
    pub fn of(
        sides: Sides<'a>,
        sample_index: usize,
        granularity: Granularity,
        filters: Filters,
    ) -> ExportView<'a> {
        ExportView {
            sides,
            sample_index,
            granularity,
            filters,
            zoom: Vec::new(),
            title: None,
        }
    }

    /// The profile shown (the new one in a comparison).
    pub fn profile(&self) -> &'a Profile {
        self.sides.new
    }
}

/// The default `min_width`: frames under 0.05% of the total width (0.6 px
/// at the default 1200 px) are left out. Browsers cannot show them, and
/// huge profiles stay a few megabytes.
pub const DEFAULT_MIN_WIDTH: f64 = 0.05;

/// How many frames deep a stack is drawn: the frame below the last drawn
/// level stands for itself and all its callees. Go records at most 1,024
/// frames a stack (`GODEBUG=profstackdepth`), inlined ones aside; a deeper
/// drawing is taller than any browser shows, and a hostile profile's
/// millions of levels would take gigabytes.
pub const MAX_DRAWN_DEPTH: usize = 1024;

/// How the SVG is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct SvgOptions {
    /// Image width in pixels; `None` for a fluid width (1200 px until a
    /// browser fits it to the window).
    pub width: Option<usize>,
    /// Draw an icicle graph: roots at the top, callees below.
    pub icicle: bool,
    /// Leave out frames narrower than this percentage of the total width;
    /// their value stays in their caller's width.
    pub min_width: f64,
    /// Colours of the frames (a differential graph colours by change).
    pub colors: Palette,
    /// Embed inferno's script (search, click to zoom). Off only for
    /// reproducible snapshots.
    pub javascript: bool,
    /// Indent the XML: for reviewable snapshots (bigger files).
    pub pretty_xml: bool,
}

impl Default for SvgOptions {
    fn default() -> Self {
        SvgOptions {
            width: None,
            icicle: false,
            min_width: DEFAULT_MIN_WIDTH,
            colors: Palette::default(),
            javascript: true,
            pretty_xml: false,
        }
    }
}

impl SvgOptions {
    fn validate(&self) -> Result<(), ExportError> {
        if let Some(width) = self.width
            && !(MIN_IMAGE_WIDTH..=MAX_IMAGE_WIDTH).contains(&width)
        {
            return Err(ExportError::Option {
                option: "width",
                value: width.to_string(),
                reason: "use 200 to 100000 pixels",
            });
        }
        if !(self.min_width.is_finite() && (0.0..=100.0).contains(&self.min_width)) {
            return Err(ExportError::Option {
                option: "min-width",
                value: self.min_width.to_string(),
                reason: "use a percentage from 0 to 100",
            });
        }
        Ok(())
    }
}

/// Narrowest and widest `--width` (inferno subtracts its padding from the width).
pub const MIN_IMAGE_WIDTH: usize = 200;
pub const MAX_IMAGE_WIDTH: usize = 100_000;

/// Frame colours. Every palette gives a function the same colour in every
/// graph (colours come from a hash of the name, never from a random draw).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Palette {
    /// By Go package: the runtime blue, the standard library yellow, the
    /// program's own code (main and module paths) red-orange, the rest grey.
    #[default]
    Go,
    /// inferno's classic red-yellow.
    Hot,
    /// inferno's green-blue, for memory.
    Mem,
    /// inferno's blues, for I/O.
    Io,
    Red,
    Green,
    Blue,
    Aqua,
    Yellow,
    Purple,
    Orange,
}

impl Palette {
    pub const ALL: [Palette; 11] = [
        Palette::Go,
        Palette::Hot,
        Palette::Mem,
        Palette::Io,
        Palette::Red,
        Palette::Green,
        Palette::Blue,
        Palette::Aqua,
        Palette::Yellow,
        Palette::Purple,
        Palette::Orange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Palette::Go => "go",
            Palette::Hot => "hot",
            Palette::Mem => "mem",
            Palette::Io => "io",
            Palette::Red => "red",
            Palette::Green => "green",
            Palette::Blue => "blue",
            Palette::Aqua => "aqua",
            Palette::Yellow => "yellow",
            Palette::Purple => "purple",
            Palette::Orange => "orange",
        }
    }

    fn inferno(self) -> InfernoPalette {
        let basic = match self {
            // Every Go colour is supplied through a palette map; this is
            // only the (unused) fallback.
            Palette::Go | Palette::Hot => BasicPalette::Hot,
            Palette::Mem => BasicPalette::Mem,
            Palette::Io => BasicPalette::Io,
            Palette::Red => BasicPalette::Red,
            Palette::Green => BasicPalette::Green,
            Palette::Blue => BasicPalette::Blue,
            Palette::Aqua => BasicPalette::Aqua,
            Palette::Yellow => BasicPalette::Yellow,
            Palette::Purple => BasicPalette::Purple,
            Palette::Orange => BasicPalette::Orange,
        };
        InfernoPalette::Basic(basic)
    }
}

impl FromStr for Palette {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Palette::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Palette::ALL.iter().map(|p| p.as_str()).collect();
                format!("unknown palette '{s}' (use {})", names.join(", "))
            })
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportStats {
    /// The profile's total for the sample type, before filters (pprof's
    /// report total; after `--normalize` scaling in a comparison).
    pub total: i64,
    /// The base's total, in a comparison.
    pub base_total: Option<i64>,
    /// The total of what the view shows (the flame graph's full width).
    pub shown: i64,
    /// Stack lines written (folded) or handed to inferno (SVG).
    pub stacks: usize,
    /// Frames drawn (0 for folded output).
    pub frames: usize,
}

/// A title naming the file(s): `heap-3.pb.gz — inuse_space — 14.81MB`, or
/// `heap-3.pb.gz vs heap-1.pb.gz — …` in a comparison.
pub fn default_title(name: &str, base_name: Option<&str>, view: &ExportView<'_>) -> String {
    let names = match base_name {
        Some(base) => format!("{name} vs {base}"),
        None => name.to_owned(),
    };
    match generic_title(view) {
        Some(rest) => format!("{names} — {rest}"),
        None => names,
    }
}

/// `inuse_space — 14.81MB`.
fn generic_title(view: &ExportView<'_>) -> Option<String> {
    let sample_type = view.profile().sample_types.get(view.sample_index)?;
    let total = super::tree::view_total(view);
    let measure = Measure::new(&sample_type.name, &sample_type.unit, total);
    Some(type_and_total(&sample_type.name, &measure))
}

fn type_and_total(sample_type: &str, measure: &Measure) -> String {
    format!("{sample_type} — {}", measure.short(measure.total))
}

/// Writes the view as an SVG flame graph.
pub fn write_svg(
    view: &ExportView<'_>,
    options: &SvgOptions,
    out: &mut dyn Write,
) -> Result<ExportStats, ExportError> {
    options.validate()?;
    let mut set = StackSet::collect(view)?;
    set.signed_as_magnitudes()?;
    set.check_non_negative()?;
    if set.shown.new <= 0 {
        return Err(ExportError::Empty {
            sample_type: set.sample_type.clone(),
        });
    }
    let escaped = &set.escaped;
    let layout = Layout::new(&set, options.min_width)?;

    let mut palette_map = PaletteMap::default();
    if options.colors == Palette::Go {
        for name in layout.drawn_names() {
            let raw = &set.names[name as usize];
            palette_map.insert(&escaped[name as usize], go_color(raw));
        }
    }
    let measure = Measure::new(&set.sample_type, &set.unit, set.total);
    let mut opt = Options::default();
    opt.title = match &view.title {
        Some(title) => xml_safe(title),
        None => xml_safe(&type_and_total(&set.sample_type, &measure)),
    };
    opt.subtitle = subtitle(view, &set, &measure, layout.cut);
    opt.image_width = options.width;
    opt.min_width = options.min_width;
    opt.direction = if options.icicle {
        Direction::Inverted
    } else {
        Direction::Straight
    };
    opt.colors = options.colors.inferno();
    if set.diff {
        // Unchanged frames are near-white: a tinted background and a thin
        // outline keep them visible.
        opt.bgcolors = Some(BackgroundColor::Yellow);
        opt.stroke_color = StrokeColor::Color(Color {
            r: 200,
            g: 200,
            b: 200,
        });
    } else if options.colors == Palette::Go {
        opt.bgcolors = Some(BackgroundColor::Grey);
        opt.palette_map = Some(&mut palette_map);
    }
    opt.deterministic = true;
    opt.no_javascript = !options.javascript;
    opt.pretty_xml = options.pretty_xml;
    // inferno's merge needs the stacks of a frame to be adjacent, not
    // sorted. Sorting lines as strings would split a frame whose sibling's
    // name extends it with a character that sorts before ';' (`main.run`
    // with own samples, `main.run.func1`, `main.run;x` sort as run,
    // run.func1, run;x). Flame-chart mode takes lines in the order given
    // (reversed), so it gets the tree's order, reversed.
    opt.flame_chart = true;

    let titles = FrameTitles {
        frames: &layout.frames,
        nodes: &layout.nodes,
        fills: (set.diff && !set.signed).then_some((&layout.own[..], set.total)),
        escaped,
        measure: &measure,
        diff: set.diff,
        signed: set.signed,
    };
    let mut rewriter = TitleRewriter::new(BufWriter::with_capacity(1 << 16, out), &titles);
    let drawn = inferno::flamegraph::from_lines(&mut opt, layout.lines().rev(), &mut rewriter);
    if let Some(message) = rewriter.error.take() {
        return Err(ExportError::Internal(message));
    }
    drawn?;
    rewriter.finish()?;
    Ok(ExportStats {
        total: set.total,
        base_total: set.base_total,
        shown: set.shown.new,
        stacks: layout.line_ends.len(),
        frames: layout.frames.len(),
    })
}

/// [`write_svg`] into a file, atomically (a temporary file renamed into place).
pub fn export_svg_file(
    view: &ExportView<'_>,
    options: &SvgOptions,
    path: &Path,
) -> Result<ExportStats, ExportError> {
    write_output(path, |out| write_svg(view, options, out))
}

/// The second line: how this view differs from the whole profile.
fn subtitle(view: &ExportView<'_>, set: &StackSet, measure: &Measure, cut: bool) -> Option<String> {
    let mut parts = Vec::new();
    if set.signed {
        parts.push(
            "signed values: width = magnitude, colour = sign (red positive, blue negative)"
                .to_owned(),
        );
    } else if set.diff {
        let base = set.base_total.unwrap_or_default();
        parts.push(format!(
            "differential vs base ({}): width = this profile, colour = change in own value as a share of the total (red grew, blue shrank; 1% is half strength, 100% full)",
            measure.short(base)
        ));
        if view.sides.scales() {
            parts.push("scaled to the base's total (normalize)".to_owned());
        }
    }
    parts.extend(view.filters.describe());
    if !view.zoom.is_empty() {
        parts.push(format!("zoom: {}", view.zoom.join(" › ")));
    }
    if cut {
        parts.push(format!(
            "stacks cut below {MAX_DRAWN_DEPTH} frames: the frame under the cut holds its callees"
        ));
    }
    let shown = set.shown.new;
    if shown != set.total {
        parts.push(format!(
            "showing {} ({})",
            measure.short(shown),
            measure.percent(shown)
        ));
    }
    (!parts.is_empty()).then(|| xml_safe(&parts.join(" · ")))
}

/// Text that XML 1.0 can carry: control characters and U+FFFE/U+FFFF are
/// written as Rust escapes (quick-xml escapes `<`, `&` and quotes itself).
fn xml_safe(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let bad = c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}');
            let escaped: Vec<char> = if bad {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// The pruned tree as inferno will draw it.
struct Layout {
    /// All stack lines, concatenated; `line_ends[i]` ends line `i`.
    text: String,
    line_ends: Vec<usize>,
    /// The frames inferno will draw, in the order it writes them.
    frames: Vec<DrawnFrame>,
    /// Name and cumulative value of every node visited, by node id (the
    /// root is node 0).
    nodes: Vec<(u32, Pair)>,
    /// Own (flat) value of every node, by node id.
    own: Vec<Pair>,
    /// Whether a drawn frame stands for callees below
    /// [`MAX_DRAWN_DEPTH`] (+1, itself).
    cut: bool,
}

impl Layout {
    fn new(set: &StackSet, min_width: f64) -> Result<Layout, ExportError> {
        let escaped = &set.escaped;
        let total = set.shown.new as u64;
        // inferno's own pruning rule, computed the same way, so the frames
        // kept here are exactly the frames it keeps. Values are
        // non-negative, so a child is never wider than its parent and the
        // kept frames form a tree from the root.
        let minwidth_time = min_width / (100.0 / total as f64);
        #[expect(
            clippy::neg_cmp_op_on_partial_ord,
            reason = "inferno's test, written as inferno writes it"
        )]
        let drawn = |width: u64| !((width as f64) < minwidth_time);
        let keep = |cum: Pair| cum.new > 0 && drawn(cum.new as u64);

        let mut layout = Layout {
            text: String::new(),
            line_ends: Vec::new(),
            frames: Vec::new(),
            nodes: vec![(u32::MAX, set.shown)],
            own: vec![Pair::default()],
            cut: false,
        };
        let deeper = set.deepest() > MAX_DRAWN_DEPTH + 1;
        // Replays inferno's merge: frames of the previous line that the
        // next one does not share close (shallowest first) as it starts.
        let mut path: Vec<u32> = Vec::new();
        let mut open: Vec<(u32, u64)> = Vec::new();
        let mut time = 0u64;
        let mut prefix = String::new();
        let mut ends: Vec<usize> = vec![0];
        let mut max_delta = 0u64;
        set.walk(&keep, MAX_DRAWN_DEPTH, |v| -> Result<(), ExportError> {
            debug_assert_eq!(v.node as usize, layout.nodes.len());
            layout.cut |= deeper && v.depth > MAX_DRAWN_DEPTH;
            layout.nodes.push((v.name, v.cum));
            layout.own.push(v.line);
            path.truncate(v.depth - 1);
            path.push(v.node);
            ends.truncate(v.depth);
            prefix.truncate(ends[v.depth - 1]);
            if v.depth > 1 {
                prefix.push(';');
            }
            prefix.push_str(&escaped[v.name as usize]);
            ends.push(prefix.len());
            let values = v.line;
            if values.is_zero() {
                return Ok(());
            }
            max_delta = max_delta.max(values.new.abs_diff(values.base));
            layout.text.push_str(&prefix);
            if set.diff {
                layout
                    .text
                    .push_str(&format!(" {} {}", values.base, values.new));
            } else {
                layout.text.push_str(&format!(" {}", values.new));
            }
            layout.line_ends.push(layout.text.len());
            let mut shared = 0;
            while shared < open.len().min(path.len()) && open[shared].0 == path[shared] {
                shared += 1;
            }
            for &(node, start) in &open[shared..] {
                layout.frames.push(DrawnFrame {
                    node,
                    start,
                    width: time - start,
                });
            }
            open.truncate(shared);
            open.extend(path[shared..].iter().map(|&node| (node, time)));
            time += values.new as u64;
            Ok(())
        })?;
        // inferno's colour scale multiplies differences by 150 in an isize.
        if max_delta > (isize::MAX / 512) as u64 {
            return Err(ExportError::Overflow {
                sample_type: set.sample_type.clone(),
            });
        }
        layout.frames.push(DrawnFrame {
            node: 0,
            start: 0,
            width: time,
        });
        for &(node, start) in &open {
            layout.frames.push(DrawnFrame {
                node,
                start,
                width: time - start,
            });
        }
        layout.frames.retain(|f| drawn(f.width));
        Ok(layout)
    }

    fn lines(&self) -> impl DoubleEndedIterator<Item = &str> {
        (0..self.line_ends.len()).map(|i| {
            let start = if i == 0 { 0 } else { self.line_ends[i - 1] };
            &self.text[start..self.line_ends[i]]
        })
    }

    /// Names of the drawn frames.
    fn drawn_names(&self) -> Vec<u32> {
        let mut names: Vec<u32> = self
            .frames
            .iter()
            .filter(|f| f.node != 0)
            .map(|f| self.nodes[f.node as usize].0)
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// The own change at which a differential frame is drawn at half strength,
/// as a share of the total: growth this size is clearly red, whatever the
/// largest change in the graph.
pub const CLEAR_CHANGE: f64 = 0.01;

/// How strongly a frame whose own value changed by `delta` is coloured, in
/// −1..=1 (negative: shrank), by the change as a share of `total`: a linear
/// ramp to ½ at [`CLEAR_CHANGE`], then logarithmic to 1 at 100%. The one
/// scale of the SVG and the TUI, so a small leak is as visible as its share
/// says, not washed out by the biggest grower.
pub fn change_strength(delta: i64, total: i64) -> f64 {
    if delta == 0 || total == 0 {
        return 0.0;
    }
    let share = delta.unsigned_abs() as f64 / total.unsigned_abs() as f64;
    let strength = if share < CLEAR_CHANGE {
        0.5 * share / CLEAR_CHANGE
    } else {
        0.5 + 0.5 * ((share / CLEAR_CHANGE).log10() / 2.0).min(1.0)
    };
    strength.copysign(delta as f64)
}

/// The SVG fill of a differential frame (see [`change_strength`]): white
/// to red for growth, white to blue for shrinkage, near-white unchanged.
pub fn change_rgb(delta: i64, total: i64) -> (u8, u8, u8) {
    let s = change_strength(delta, total);
    if s == 0.0 {
        return (250, 250, 250);
    }
    let c = (245.0 - 165.0 * s.abs()).round().clamp(0.0, 255.0) as u8;
    if s > 0.0 { (255, c, c) } else { (c, c, 255) }
}

/// The Go palette's colour for a frame name: the family by package, the
/// shade by a hash of the whole name (FNV-1a, stable everywhere).
fn go_color(name: &str) -> Color {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let a = (hash & 0xff) as f32 / 255.0;
    let b = ((hash >> 8) & 0xff) as f32 / 255.0;
    let shade = |base: u8, span: f32, v: f32| base.saturating_add((span * v) as u8);
    let (r, g, bl) = match go_family(name) {
        GoFamily::Runtime => (
            shade(110, 50.0, a),
            shade(150, 50.0, a),
            shade(215, 40.0, b),
        ),
        GoFamily::Std => (shade(200, 40.0, a), shade(170, 50.0, b), shade(60, 50.0, a)),
        GoFamily::Own => (shade(215, 40.0, a), shade(90, 90.0, b), shade(50, 40.0, a)),
        GoFamily::Other => (
            shade(170, 40.0, a),
            shade(170, 40.0, a),
            shade(170, 40.0, a),
        ),
    };
    Color { r, g, b: bl }
}

enum GoFamily {
    Runtime,
    Std,
    Own,
    Other,
}

/// Which part of a Go program a printable node name belongs to.
fn go_family(name: &str) -> GoFamily {
    // `-addresses` names start with the address.
    let name = match name.split_once(' ') {
        Some((address, rest))
            if address.len() == 16 && address.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            rest
        }
        _ => name,
    };
    let symbol = name.split(' ').next().unwrap_or(name);
    // The package path ends at the first '.' after the last '/'.
    let slash = symbol.rfind('/').map_or(0, |i| i + 1);
    let Some(dot) = symbol[slash..].find('.') else {
        return GoFamily::Other;
    };
    let package = &symbol[..slash + dot];
    let first = package.split('/').next().unwrap_or(package);
    if package == "runtime" || package.starts_with("runtime/") || first == "internal" {
        GoFamily::Runtime
    } else if package == "main" || first.contains('.') {
        GoFamily::Own
    } else if !package.is_empty()
        && package
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'_')
    {
        GoFamily::Std
    } else {
        GoFamily::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_families() {
        for (name, runtime, own, std) in [
            ("runtime.gopark", true, false, false),
            ("runtime/pprof.StartCPUProfile", true, false, false),
            ("internal/poll.(*FD).Read", true, false, false),
            ("main.(*Cache).Put", false, true, false),
            ("github.com/x/y.(*T).M", false, true, false),
            ("net/http.(*conn).serve", false, false, true),
            ("fmt.Sprintf", false, false, true),
            (
                "00000000004b84e9 main.hash leaky/main.go:80",
                false,
                true,
                false,
            ),
        ] {
            let family = go_family(name);
            assert_eq!(matches!(family, GoFamily::Runtime), runtime, "{name}");
            assert_eq!(matches!(family, GoFamily::Own), own, "{name}");
            assert_eq!(matches!(family, GoFamily::Std), std, "{name}");
        }
        assert!(matches!(go_family("<unknown>"), GoFamily::Other));
    }

    #[test]
    fn go_colours_are_stable_and_distinct() {
        assert_eq!(go_color("main.main"), go_color("main.main"));
        assert_ne!(go_color("main.main"), go_color("main.serve"));
    }

    #[test]
    fn xml_safe_escapes_controls() {
        assert_eq!(xml_safe("a\nb\u{1}c<"), "a\\nb\\u{1}c<");
    }
}
