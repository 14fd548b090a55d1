//! Flame graph and folded-stack exports: the numbers are pprof's (every
//! `-nodefraction=0` oracle in testdata/oracle, diffs included, is
//! reproduced from the folded stacks), every SVG frame's width is the exact
//! sum of the stacks below it, the SVG is well-formed XML whatever the
//! function names contain, and a small SVG is pinned by a snapshot.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

mod pprof_flags;
mod support;

use prost::Message;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use regex::Regex;

use pprof_tui::analysis::{Filters, Granularity, Sides, compile_regex};
use pprof_tui::cli::{Input, TopRequest};
use pprof_tui::export::{
    ExportError, ExportView, MAX_DRAWN_DEPTH, Palette, SvgOptions, export_svg_file, unescape_frame,
    write_folded, write_svg,
};
use pprof_tui::profile::{DecodeOptions, Profile, decode, pb};
use pprof_tui::report::units;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn load(rel: &str) -> Profile {
    let bytes = std::fs::read(testdata().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    decode(&bytes, &DecodeOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn view<'a>(profile: &'a Profile, base: Option<&'a Profile>) -> ExportView<'a> {
    let sides = Sides {
        new: profile,
        base,
        normalize: false,
    };
    ExportView::of(
        sides,
        profile.default_sample_index(),
        Granularity::Functions,
        Filters::default(),
    )
}

fn svg_of(view: &ExportView<'_>, options: &SvgOptions) -> String {
    let mut out = Vec::new();
    write_svg(view, options, &mut out).expect("svg");
    String::from_utf8(out).expect("utf8")
}

/// One folded line: frames (escaped, root first), base value, new value.
struct Line {
    frames: Vec<String>,
    base: i64,
    new: i64,
}

fn folded_of(view: &ExportView<'_>) -> Vec<Line> {
    let mut out = Vec::new();
    write_folded(view, &mut out).expect("folded");
    let diff = view.sides.base.is_some();
    String::from_utf8(out)
        .expect("utf8")
        .lines()
        .map(|line| {
            let (rest, new) = line.rsplit_once(' ').expect("value");
            let (stack, base) = if diff {
                let (stack, base) = rest.rsplit_once(' ').expect("base value");
                (stack, base.parse().expect("base"))
            } else {
                (rest, 0)
            };
            Line {
                frames: stack.split(';').map(str::to_owned).collect(),
                base,
                new: new.parse().expect("value"),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// pprof oracles

/// Rows of a `go tool pprof -top` oracle: name → (flat, cum), and the total.
fn oracle(file: &str) -> (HashMap<String, (i64, i64)>, i64) {
    let text = std::fs::read_to_string(testdata().join("oracle").join(file)).expect("oracle");
    let row = Regex::new(r"^\s*(\S+)\s+\S+\s+\S+\s+(\S+)\s+\S+\s+(.*)$").unwrap();
    let total = Regex::new(r"of (\S+) total").unwrap();
    let number = |s: &str| -> i64 {
        s.trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .parse()
            .unwrap_or_else(|_| panic!("{file}: value '{s}'"))
    };
    let total = number(&total.captures(&text).expect("total line")[1]);
    let mut rows = HashMap::new();
    let mut in_table = false;
    for line in text.lines() {
        if line.trim_start().starts_with("flat  flat%") {
            in_table = true;
            continue;
        }
        if !in_table {
            continue;
        }
        let c = row
            .captures(line)
            .unwrap_or_else(|| panic!("{file}: row '{line}'"));
        // pprof marks a node whose every caller inlined it; a flame graph
        // frame is named by the node alone.
        let name = c[3]
            .trim_end_matches(" (inline)")
            .trim_end_matches(" (partial-inline)")
            .to_owned();
        let previous = rows.insert(name.clone(), (number(&c[1]), number(&c[2])));
        assert!(previous.is_none(), "{file}: two rows named '{name}'");
    }
    (rows, total)
}

/// flat and cum per frame name, computed from folded stacks the way pprof
/// computes them from samples: flat on the leaf, cum once per stack.
fn flat_cum(lines: &[Line]) -> HashMap<String, (i64, i64)> {
    // Escaping is one-to-one, so sum by escaped name and unescape once.
    let mut totals: HashMap<&str, (i64, i64)> = HashMap::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for line in lines {
        let value = line.new - line.base;
        totals
            .entry(line.frames[line.frames.len() - 1].as_str())
            .or_default()
            .0 += value;
        seen.clear();
        for frame in &line.frames {
            if seen.insert(frame) {
                totals.entry(frame).or_default().1 += value;
            }
        }
    }
    totals
        .into_iter()
        .filter(|(_, (flat, cum))| *flat != 0 || *cum != 0)
        .map(|(name, values)| (unescape_frame(name), values))
        .collect()
}

struct Case {
    oracle: String,
    profile: String,
    flags: Vec<String>,
}

/// Manifest cases whose every node is listed (`-nodefraction=0`), of one
/// profile, optionally against a `-diff_base`.
fn complete_cases() -> Vec<Case> {
    let manifest = std::fs::read_to_string(testdata().join("oracle/MANIFEST.tsv")).unwrap();
    manifest
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let flags: Vec<String> = cols[2].split_whitespace().map(str::to_owned).collect();
            let single = !cols[1].contains(' ');
            let complete = flags.iter().any(|f| f == "-nodefraction=0");
            let subtracts = flags.iter().any(|f| f.starts_with("-base="));
            // Sums past i64 wrap in pprof's table; the flame graph refuses
            // them instead (tests/wrapping.rs covers the table).
            let absurd = cols[1].starts_with("absurd/");
            (single && complete && !subtracts && !absurd).then(|| Case {
                oracle: cols[0].to_owned(),
                profile: cols[1].to_owned(),
                flags,
            })
        })
        .collect()
}

#[test]
fn folded_stacks_reproduce_every_pprof_oracle() {
    let cases = complete_cases();
    assert!(cases.len() >= 70, "found only {} cases", cases.len());
    let mut profiles: HashMap<String, Profile> = HashMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        let args = pprof_flags::top_args(
            &case.oracle,
            &case.flags,
            std::slice::from_ref(&case.profile),
        );
        let req = TopRequest::parse(&args).unwrap();
        let read = |input: &Input| {
            let bytes = std::fs::read(&input.arg).unwrap();
            decode(&bytes, &DecodeOptions::default()).unwrap()
        };
        for input in req.inputs.iter().chain(&req.bases) {
            profiles
                .entry(input.arg.clone())
                .or_insert_with(|| read(input));
        }
        let profile = &profiles[&req.inputs[0].arg];
        let sides = Sides {
            new: profile,
            base: req.bases.first().map(|b| &profiles[&b.arg]),
            normalize: req.normalize,
        };
        let export = ExportView::of(
            sides,
            req.view.sample_index(profile).unwrap(),
            req.view.granularity(),
            req.view.filters.clone(),
        );
        let ours = flat_cum(&folded_of(&export));
        let (theirs, _) = oracle(&case.oracle);
        let mut names: Vec<&String> = ours.keys().chain(theirs.keys()).collect();
        names.sort();
        names.dedup();
        for name in names {
            let a = theirs.get(name).copied().unwrap_or_default();
            let b = ours.get(name).copied().unwrap_or_default();
            if a != b {
                failures.push(format!(
                    "{}: '{name}': pprof flat/cum {a:?}, folded {b:?}",
                    case.oracle
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures[..failures.len().min(30)].join("\n")
    );
}

// ---------------------------------------------------------------------------
// Reading SVGs back

#[derive(Debug)]
struct SvgFrame {
    title: String,
    x: u64,
    w: u64,
    y: f64,
    fill: String,
}

#[derive(Debug, Default)]
struct Svg {
    title: String,
    subtitle: Option<String>,
    total_samples: u64,
    frames: Vec<SvgFrame>,
    scripts: usize,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.try_get_attribute(name)
        .expect("attribute")
        .map(|a| a.unescape_value().expect("attribute value").into_owned())
}

/// Parses an SVG with an XML parser; panics on anything malformed.
fn parse_svg(svg: &str) -> Svg {
    for c in svg.chars() {
        let xml_char = matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}';
        assert!(xml_char, "character {c:?} is not allowed in XML");
    }
    let mut reader = Reader::from_str(svg);
    let mut parsed = Svg::default();
    let mut stack: Vec<(String, Option<String>)> = Vec::new();
    let mut text = String::new();
    let mut title: Option<String> = None;
    loop {
        let event = reader.read_event().unwrap_or_else(|e| {
            panic!(
                "SVG is not well-formed at {}: {e}",
                reader.buffer_position()
            )
        });
        match event {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if name == "script" {
                    parsed.scripts += 1;
                }
                if name == "svg" && attr(&e, "id").as_deref() == Some("frames") {
                    parsed.total_samples = attr(&e, "total_samples").unwrap().parse().unwrap();
                }
                text.clear();
                stack.push((name, attr(&e, "id")));
            }
            Event::Empty(e)
                if e.name().as_ref() == b"rect" && stack.last().is_some_and(|(n, _)| n == "g") =>
            {
                parsed.frames.push(SvgFrame {
                    title: title.take().expect("a frame's title comes first"),
                    x: attr(&e, "fg:x").unwrap().parse().unwrap(),
                    w: attr(&e, "fg:w").unwrap().parse().unwrap(),
                    y: attr(&e, "y").unwrap().parse().unwrap(),
                    fill: attr(&e, "fill").unwrap(),
                });
            }
            Event::Text(t) => text.push_str(&t.decode().unwrap()),
            Event::CData(_) => {}
            Event::GeneralRef(r) => {
                if let Some(c) = r.resolve_char_ref().unwrap() {
                    text.push(c);
                } else {
                    text.push(match r.decode().unwrap().as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => panic!("unknown entity &{other};"),
                    });
                }
            }
            Event::End(e) => {
                let (name, id) = stack.pop().expect("balanced tags");
                assert_eq!(name.as_bytes(), e.name().as_ref());
                match (name.as_str(), id.as_deref()) {
                    ("title", _) => title = Some(std::mem::take(&mut text)),
                    ("text", Some("title")) => parsed.title = std::mem::take(&mut text),
                    ("text", Some("subtitle")) => parsed.subtitle = Some(std::mem::take(&mut text)),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    parsed
}

/// The frame name in a title: everything before the last " (".
fn frame_name(title: &str) -> &str {
    title.rsplit_once(" (").expect("title info").0
}

fn root(svg: &Svg) -> &SvgFrame {
    let roots: Vec<&SvgFrame> = svg
        .frames
        .iter()
        .filter(|f| f.title.starts_with("all ("))
        .collect();
    assert_eq!(roots.len(), 1);
    roots[0]
}

/// Rebuilds every frame's stack from the geometry (depth from `y`, parent
/// = the frame one level closer to the root that spans it) and checks its
/// width — and the count in its tooltip — is exactly the sum of the folded
/// stacks under that stack.
fn check_widths(svg: &Svg, lines: &[Line], icicle: bool) {
    check_widths_with(svg, &StackSums::of(lines), icicle);
}

/// The new value under every stack prefix (`a;b` → sum of `a;b…` lines).
struct StackSums {
    sums: HashMap<String, i64>,
    total: i64,
}

impl StackSums {
    fn of(lines: &[Line]) -> StackSums {
        let mut sums: HashMap<String, i64> = HashMap::new();
        for line in lines {
            let mut prefix = String::new();
            for frame in &line.frames {
                if !prefix.is_empty() {
                    prefix.push(';');
                }
                prefix.push_str(frame);
                *sums.entry(prefix.clone()).or_default() += line.new;
            }
        }
        StackSums {
            sums,
            total: lines.iter().map(|l| l.new).sum(),
        }
    }
}

fn check_widths_with(svg: &Svg, sums: &StackSums, icicle: bool) {
    let StackSums { sums, total } = sums;
    let mut ys: Vec<i64> = svg.frames.iter().map(|f| f.y as i64).collect();
    ys.sort_unstable();
    ys.dedup();
    if !icicle {
        ys.reverse();
    }
    let depth = |f: &SvgFrame| ys.iter().position(|&y| y == f.y as i64).unwrap();
    let mut by_depth: Vec<Vec<usize>> = vec![Vec::new(); ys.len()];
    for (i, f) in svg.frames.iter().enumerate() {
        by_depth[depth(f)].push(i);
    }
    assert_eq!(by_depth[0].len(), 1, "one root");
    let mut paths: HashMap<usize, String> = HashMap::new();
    paths.insert(by_depth[0][0], String::new());
    for d in 1..by_depth.len() {
        for &i in &by_depth[d] {
            let f = &svg.frames[i];
            let parents: Vec<usize> = by_depth[d - 1]
                .iter()
                .copied()
                .filter(|&p| {
                    let p = &svg.frames[p];
                    p.x <= f.x && f.x + f.w <= p.x + p.w
                })
                .collect();
            assert_eq!(parents.len(), 1, "frame '{}' has one parent", f.title);
            let parent = &paths[&parents[0]];
            let name = frame_name(&f.title);
            let path = if parent.is_empty() {
                name.to_owned()
            } else {
                format!("{parent};{name}")
            };
            let expected = sums.get(&path).copied().unwrap_or(0);
            assert_eq!(f.w as i64, expected, "width of '{path}'");
            paths.insert(i, path);
        }
    }
    for f in &svg.frames {
        let digits = group(f.w as i64);
        assert!(
            f.title.contains(&format!("({digits} ")) || f.title.contains(&format!("= {digits} ")),
            "tooltip '{}' states the exact width {digits}",
            f.title
        );
    }
    assert_eq!(root(svg).w as i64, *total);
    assert_eq!(svg.total_samples as i64, *total);
}

fn group(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}

// ---------------------------------------------------------------------------
// SVG

#[test]
fn heap_svg_states_pprofs_total_and_exact_widths() {
    let profile = load("leaky/heap-3.pb.gz");
    let (rows, total) = oracle("leaky-heap-3.inuse_space.top.txt");
    let mut view = view(&profile, None);
    view.title = Some("heap-3.pb.gz — inuse_space — 2.51MB".to_owned());
    let svg = parse_svg(&svg_of(&view, &SvgOptions::default()));
    assert_eq!(svg.title, "heap-3.pb.gz — inuse_space — 2.51MB");
    assert_eq!(svg.subtitle, None);
    assert_eq!(
        root(&svg).title,
        format!(
            "all ({} = {} bytes, 100%)",
            units::label(total, "bytes"),
            group(total)
        )
    );
    assert_eq!(svg.total_samples as i64, total);
    // inferno's script is embedded (search and zoom work in a browser).
    assert_eq!(svg.scripts, 1);
    check_widths(&svg, &folded_of(&view), false);
    // Every function pprof lists with at least 0.05% cum is drawn, with
    // pprof's cum% in its tooltip where it is drawn once.
    let names: Vec<&str> = svg.frames.iter().map(|f| frame_name(&f.title)).collect();
    for (name, (_, cum)) in &rows {
        if *cum as f64 >= total as f64 * 0.0005 {
            assert!(names.contains(&name.as_str()), "'{name}' is drawn");
        }
    }
    let put = svg
        .frames
        .iter()
        .find(|f| frame_name(&f.title) == "main.(*Cache).Put")
        .unwrap();
    let cum = rows["main.(*Cache).Put"].1;
    assert_eq!(put.w as i64, cum);
    assert!(
        put.title
            .ends_with(&format!(", {})", units::percentage(cum, total).trim()))
    );
}

#[test]
fn default_title_names_file_type_and_total() {
    let profile = load("leaky/heap-3.pb.gz");
    let base = load("leaky/heap-1.pb.gz");
    let (_, total) = oracle("leaky-heap-3.inuse_space.top.txt");
    let v = view(&profile, None);
    let expected = format!(
        "heap-3.pb.gz — inuse_space — {}",
        units::label(total, "bytes")
    );
    assert_eq!(
        pprof_tui::export::default_title("heap-3.pb.gz", None, &v),
        expected
    );
    let d = view(&profile, Some(&base));
    assert_eq!(
        pprof_tui::export::default_title("heap-3.pb.gz", Some("heap-1.pb.gz"), &d),
        format!(
            "heap-3.pb.gz vs heap-1.pb.gz — inuse_space — {}",
            units::label(total, "bytes")
        )
    );
    // Without a title, the SVG still states the sample type and total.
    let svg = parse_svg(&svg_of(&v, &SvgOptions::default()));
    assert_eq!(
        svg.title,
        format!("inuse_space — {}", units::label(total, "bytes"))
    );
    let goroutines = load("leaky/goroutine-3.pb.gz");
    let (_, total) = oracle("leaky-goroutine-3.goroutine.top.txt");
    assert_eq!(
        pprof_tui::export::default_title("g", None, &view(&goroutines, None)),
        format!("g — goroutine — {total} goroutines")
    );
}

#[test]
fn cpu_svg_in_time_units_with_filters_and_lines() {
    let profile = load("leaky/cpu.pb.gz");
    let (rows, total) = oracle("leaky-cpu.cpu.focus-fib.top.txt");
    let mut v = view(&profile, None);
    v.filters.focus = Some(compile_regex("focus", "fib").unwrap());
    let svg = parse_svg(&svg_of(&v, &SvgOptions::default()));
    // Percentages are of the whole profile, as pprof's; the subtitle says
    // what is shown.
    let shown = rows["main.fib"].1;
    assert_eq!(root(&svg).w as i64, shown);
    assert_eq!(
        svg.subtitle.as_deref(),
        Some(
            format!(
                "focus=fib · showing {} ({})",
                units::label(shown, "nanoseconds"),
                units::percentage(shown, total).trim()
            )
            .as_str()
        )
    );
    assert!(root(&svg).title.contains(" ns, "), "{}", root(&svg).title);
    check_widths(&svg, &folded_of(&v), false);

    let mut lines = view(&profile, None);
    lines.granularity = Granularity::Lines;
    let svg = parse_svg(&svg_of(&lines, &SvgOptions::default()));
    assert!(
        svg.frames
            .iter()
            .any(|f| frame_name(&f.title).starts_with("main.fib leaky/main.go:"))
    );
    check_widths(&svg, &folded_of(&lines), false);
}

#[test]
fn compile_heap_prunes_narrow_frames_yet_keeps_widths_exact() {
    let profile = load("compile/compile-heap.pb.gz");
    let (_, total) = oracle("compile-compile-heap.inuse_space.top.txt");
    let v = view(&profile, None);
    let sums = StackSums::of(&folded_of(&v));
    let mut frame_counts = Vec::new();
    for min_width in [0.05, 1.0] {
        let options = SvgOptions {
            min_width,
            ..SvgOptions::default()
        };
        let svg = parse_svg(&svg_of(&v, &options));
        assert_eq!(root(&svg).w as i64, total);
        for f in &svg.frames {
            assert!(
                f.w as f64 >= total as f64 * min_width / 100.0,
                "{}",
                f.title
            );
        }
        check_widths_with(&svg, &sums, false);
        frame_counts.push(svg.frames.len());
    }
    assert!(frame_counts[1] < frame_counts[0], "{frame_counts:?}");
}

/// The fill of the frame titled `name …` as `(r, g, b)`.
fn fill_of(svg: &Svg, name: &str) -> (i32, i32, i32) {
    let frame = svg
        .frames
        .iter()
        .find(|f| f.title.starts_with(&format!("{name} (")))
        .unwrap_or_else(|| panic!("no frame {name}"));
    let rgb: Vec<i32> = frame
        .fill
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .map(|c| c.parse().unwrap())
        .collect();
    (rgb[0], rgb[1], rgb[2])
}

#[test]
fn a_small_leak_is_clearly_red_beside_a_big_grower() {
    // main.leak grows by 2% of the total while main.big grows by 77%:
    // scaled to the largest change (inferno's way) the leak was near white.
    let decode_built =
        |b: &support::Builder| decode(&b.encode(), &DecodeOptions::default()).unwrap();
    let mut base = support::Builder::new();
    base.sample(&["main.main", "main.big"], 1, 2000)
        .sample(&["main.main", "main.leak"], 1, 100)
        .sample(&["main.main", "main.gone"], 1, 300);
    let mut new = support::Builder::new();
    new.sample(&["main.main", "main.big"], 1, 9700)
        .sample(&["main.main", "main.leak"], 1, 300);
    let (base, new) = (decode_built(&base), decode_built(&new));
    let svg = parse_svg(&svg_of(&view(&new, Some(&base)), &SvgOptions::default()));
    assert_eq!(svg.total_samples, 10_000);
    let (r, g, b) = fill_of(&svg, "main.leak");
    assert!(
        r >= g + 40 && r >= b + 40,
        "main.leak (+2%) drawn rgb({r},{g},{b})"
    );
    assert_eq!((r, g, b), (255, 150, 150));
    // 77% is stronger still.
    let (r, g, _) = fill_of(&svg, "main.big");
    assert!(r - g > 105, "main.big (+77%) drawn with green {g}");
    assert!(
        svg.subtitle
            .as_deref()
            .unwrap()
            .contains("1% is half strength")
    );
    // main.gone (3% of the total) is not drawn: its loss stays in its
    // caller, which is clearly blue.
    assert_eq!(fill_of(&svg, "main.main"), (143, 143, 255));
}

#[test]
fn differential_svg_of_heap_snapshots() {
    let new = load("leaky/heap-3.pb.gz");
    let base = load("leaky/heap-1.pb.gz");
    let (_, base_total) = oracle("leaky-heap-3.inuse_space.diff_base-heap-1.top.txt");
    let (_, new_total) = oracle("leaky-heap-3.inuse_space.top.txt");
    let v = view(&new, Some(&base));
    let mut out = Vec::new();
    let stats = write_svg(&v, &SvgOptions::default(), &mut out).unwrap();
    assert_eq!(stats.base_total, Some(base_total));
    assert_eq!(stats.total, new_total);
    let svg = parse_svg(&String::from_utf8(out).unwrap());
    let lines = folded_of(&v);
    // Widths are the new profile's.
    check_widths(&svg, &lines, false);
    assert_eq!(svg.total_samples as i64, new_total);
    assert_eq!(
        svg.subtitle.as_deref(),
        Some(
            format!(
                "differential vs base ({}): width = this profile, colour = change in own value as a share of the total (red grew, blue shrank; 1% is half strength, 100% full)",
                units::label(base_total, "bytes")
            )
            .as_str()
        )
    );
    // The tooltip gives the base's value and the change of the whole frame.
    let base_of = |name: &str| -> i64 {
        lines
            .iter()
            .filter(|l| l.frames.iter().any(|f| f == name))
            .map(|l| l.base)
            .sum()
    };
    let handle = svg
        .frames
        .iter()
        .find(|f| frame_name(&f.title) == "main.handleRequest")
        .unwrap();
    let was = base_of("main.handleRequest");
    assert!(
        handle.title.ends_with(&format!(
            "; base {}, +{})",
            units::label(was, "bytes"),
            units::label(handle.w as i64 - was, "bytes")
        )),
        "{}",
        handle.title
    );
    // Red where a frame's own value grew.
    let put = svg
        .frames
        .iter()
        .find(|f| frame_name(&f.title) == "main.(*Cache).Put")
        .unwrap();
    assert!(put.fill.starts_with("rgb(255,"), "{}", put.fill);
}

#[test]
fn normalized_differential_scales_the_new_profile_like_pprof() {
    let new = load("leaky/heap-3.pb.gz");
    let base = load("leaky/heap-1.pb.gz");
    let (rows, base_total) = oracle("leaky-heap-3.inuse_space.diff_base-heap-1.normalize.top.txt");
    let mut v = view(&new, Some(&base));
    v.sides.normalize = true;
    let mut out = Vec::new();
    let stats = write_svg(&v, &SvgOptions::default(), &mut out).unwrap();
    let svg = parse_svg(&String::from_utf8(out).unwrap());
    // pprof scales the compared profile to the base's total, sample by
    // sample with rounding, so the totals differ by rounding only (the
    // oracle: "Showing nodes accounting for -3B").
    let flat_sum: i64 = rows.values().map(|(flat, _)| flat).sum();
    assert_eq!(flat_sum, -3);
    assert_eq!(stats.total, base_total - 3);
    assert_eq!(svg.total_samples as i64, base_total - 3);
    assert!(
        svg.subtitle
            .as_deref()
            .unwrap()
            .ends_with(" · scaled to the base's total (normalize)")
    );
    check_widths(&svg, &folded_of(&v), false);
    // StartCPUProfile's buffer did not change, so after scaling it shrank
    // (pprof: -582269B): blue.
    assert!(rows["runtime/pprof.StartCPUProfile"].0 < 0);
    let cpu = svg
        .frames
        .iter()
        .find(|f| frame_name(&f.title) == "runtime/pprof.StartCPUProfile")
        .unwrap();
    assert!(cpu.fill.ends_with(",255)"), "{}", cpu.fill);
    assert!(!cpu.fill.starts_with("rgb(255,"), "{}", cpu.fill);
}

#[test]
fn goroutine_diff_counts_goroutines() {
    let new = load("leaky/goroutine-3.pb.gz");
    let base = load("leaky/goroutine-1.pb.gz");
    let v = view(&new, Some(&base));
    let svg = parse_svg(&svg_of(&v, &SvgOptions::default()));
    let gopark = svg
        .frames
        .iter()
        .find(|f| f.title.starts_with("runtime.gopark (90 goroutines"))
        .unwrap();
    assert!(
        gopark
            .title
            .ends_with("; base 10 goroutines, +80 goroutines)"),
        "{}",
        gopark.title
    );
    check_widths(&svg, &folded_of(&v), false);
}

#[test]
fn zoom_draws_only_the_zoomed_frames_samples_with_its_context() {
    let profile = load("leaky/heap-3.pb.gz");
    let (rows, total) = oracle("leaky-heap-3.inuse_space.top.txt");
    let mut v = view(&profile, None);
    let path = [
        "runtime.main",
        "main.main",
        "main.serve",
        "main.handleRequest",
    ];
    v.zoom = path.iter().map(|s| s.to_string()).collect();
    let svg = parse_svg(&svg_of(&v, &SvgOptions::default()));
    let cum = rows["main.handleRequest"].1;
    assert_eq!(root(&svg).w as i64, cum);
    // The path stays drawn, at the zoomed frame's width.
    for name in path {
        let frames: Vec<&SvgFrame> = svg
            .frames
            .iter()
            .filter(|f| frame_name(&f.title) == name)
            .collect();
        assert_eq!(frames.len(), 1, "{name}");
        assert_eq!(frames[0].w as i64, cum, "{name}");
    }
    assert!(
        !svg.frames
            .iter()
            .any(|f| frame_name(&f.title) == "runtime/pprof.StartCPUProfile")
    );
    assert_eq!(
        svg.subtitle.as_deref(),
        Some(
            format!(
                "zoom: runtime.main › main.main › main.serve › main.handleRequest · showing {} ({})",
                units::label(cum, "bytes"),
                units::percentage(cum, total).trim()
            )
            .as_str()
        )
    );
    let lines = folded_of(&v);
    assert!(lines.iter().all(|l| l.frames[..4] == path));
    check_widths(&svg, &lines, false);
    // A path that exists nowhere leaves nothing to draw.
    v.zoom = vec!["main.nowhere".to_owned()];
    let err = write_svg(&v, &SvgOptions::default(), &mut Vec::new()).unwrap_err();
    assert!(matches!(err, ExportError::Empty { .. }), "{err}");
}

#[test]
fn icicle_puts_the_root_on_top() {
    let profile = load("leaky/goroutine-3.pb.gz");
    let v = view(&profile, None);
    let options = SvgOptions {
        icicle: true,
        ..SvgOptions::default()
    };
    let svg = parse_svg(&svg_of(&v, &options));
    let top = svg.frames.iter().map(|f| f.y as i64).min().unwrap();
    assert_eq!(root(&svg).y as i64, top);
    check_widths(&svg, &folded_of(&v), true);
}

#[test]
fn colours_are_stable_per_function_and_palette() {
    let profile = load("leaky/heap-3.pb.gz");
    let v = view(&profile, None);
    let fills = |colors: Palette| -> HashMap<String, String> {
        let options = SvgOptions {
            colors,
            ..SvgOptions::default()
        };
        parse_svg(&svg_of(&v, &options))
            .frames
            .into_iter()
            .map(|f| (frame_name(&f.title).to_owned(), f.fill))
            .collect()
    };
    let go = fills(Palette::Go);
    assert_eq!(go, fills(Palette::Go), "same colours on every run");
    assert_ne!(go, fills(Palette::Mem));
    // The same function gets the same colour wherever it appears, in any
    // profile (a hash of its name).
    let cpu = load("leaky/cpu.pb.gz");
    let cpu_svg = parse_svg(&svg_of(&view(&cpu, None), &SvgOptions::default()));
    let main = cpu_svg
        .frames
        .iter()
        .find(|f| frame_name(&f.title) == "main.main")
        .unwrap();
    assert_eq!(main.fill, go["main.main"]);
    // Go's palette tells the runtime (blue) from the program (red-orange).
    let rgb = |s: &str| -> Vec<u8> {
        s.trim_start_matches("rgb(")
            .trim_end_matches(')')
            .split(',')
            .map(|c| c.parse().unwrap())
            .collect()
    };
    let runtime = rgb(&go["runtime.main"]);
    let own = rgb(&go["main.main"]);
    assert!(runtime[2] > runtime[0], "{runtime:?}");
    assert!(own[0] > own[2], "{own:?}");
}

// ---------------------------------------------------------------------------
// Synthetic profiles

/// A profile of the given stacks (root first) and values, one location per
/// function. Names may hold anything; `INVALID__` in a name becomes two
/// bytes of invalid UTF-8 in the encoded profile.
fn synthetic(stacks: &[(&[&str], i64)], sample_type: (&str, &str)) -> Profile {
    let mut strings = vec![String::new()];
    let mut intern = |s: &str| -> i64 {
        if let Some(i) = strings.iter().position(|x| x == s) {
            return i as i64;
        }
        strings.push(s.to_owned());
        (strings.len() - 1) as i64
    };
    let value_type = pb::ValueType {
        r#type: intern(sample_type.0),
        unit: intern(sample_type.1),
    };
    let mut names: Vec<&str> = Vec::new();
    for (stack, _) in stacks {
        for name in *stack {
            if !names.contains(name) {
                names.push(name);
            }
        }
    }
    let function: Vec<pb::Function> = names
        .iter()
        .enumerate()
        .map(|(i, name)| pb::Function {
            id: i as u64 + 1,
            name: intern(name),
            filename: intern("x.go"),
            ..Default::default()
        })
        .collect();
    let location: Vec<pb::Location> = (0..names.len())
        .map(|i| pb::Location {
            id: i as u64 + 1,
            address: 0x1000 + i as u64,
            line: vec![pb::Line {
                function_id: i as u64 + 1,
                line: 1,
                column: 0,
            }],
            ..Default::default()
        })
        .collect();
    let sample = stacks
        .iter()
        .map(|(stack, value)| pb::Sample {
            location_id: stack
                .iter()
                .rev()
                .map(|n| names.iter().position(|m| m == n).unwrap() as u64 + 1)
                .collect(),
            value: vec![*value],
            label: Vec::new(),
        })
        .collect();
    let profile = pb::Profile {
        sample_type: vec![value_type],
        sample,
        location,
        function,
        string_table: strings,
        ..Default::default()
    };
    let mut bytes = profile.encode_to_vec();
    let marker = b"INVALID__";
    while let Some(i) = bytes.windows(marker.len()).position(|w| w == marker) {
        bytes[i + 7] = 0xff;
        bytes[i + 8] = 0xfe;
    }
    decode(&bytes, &DecodeOptions::default()).expect("synthetic profile")
}

const HOSTILE: [&str; 9] = [
    "<script>alert(\"x&y\")</script>",
    "it's \"quoted\" & <b>bold</b>",
    "line1\nline2\r\ttab",
    "main.F[struct { a int; b int }]",
    "]]><!-- -->",
    "\u{0}nul\u{1b}[31m",
    "bad INVALID__ bytes",
    "# not a comment",
    " spaced 12",
];

#[test]
fn hostile_names_are_escaped_in_svg_and_folded() {
    let stacks: Vec<(&[&str], i64)> = vec![
        (&HOSTILE[..], 100),
        (&HOSTILE[..4], 50),
        (&HOSTILE[5..], 25),
        (&["main.main", HOSTILE[8]], 7),
    ];
    let profile = synthetic(&stacks, ("alloc_space", "bytes"));
    // Each invalid byte reads as one U+FFFD.
    let decoded = |name: &str| name.replace("INVALID__", "INVALID\u{fffd}\u{fffd}");
    let v = view(&profile, None);

    let folded = folded_of(&v);
    assert_eq!(folded.len(), 4);
    for line in &folded {
        let names: Vec<String> = line.frames.iter().map(|f| unescape_frame(f)).collect();
        let (stack, value) = stacks
            .iter()
            .find(|(s, _)| s.iter().map(|n| decoded(n)).collect::<Vec<_>>() == names)
            .unwrap_or_else(|| panic!("unexpected stack {names:?}"));
        assert_eq!(line.new, *value);
        assert_eq!(line.frames.len(), stack.len());
        for frame in &line.frames {
            assert!(!frame.contains([';', '\n', '\r', '\t', '\0']), "{frame:?}");
            assert_eq!(frame.trim(), frame);
        }
    }

    for options in [
        SvgOptions::default(),
        SvgOptions {
            javascript: false,
            pretty_xml: true,
            icicle: true,
            ..SvgOptions::default()
        },
    ] {
        let mut v = view(&profile, None);
        v.title = Some("title <with> \"markup\" &\nnewline".to_owned());
        let raw = svg_of(&v, &options);
        assert!(
            !raw.contains("<script>alert"),
            "markup in a name is escaped"
        );
        let svg = parse_svg(&raw);
        assert_eq!(svg.scripts, 1, "only inferno's own script element");
        assert_eq!(svg.title, "title <with> \"markup\" &\\nnewline");
        let names: HashSet<&str> = svg.frames.iter().map(|f| frame_name(&f.title)).collect();
        let expected: HashSet<String> = HOSTILE
            .iter()
            .map(|n| pprof_tui::export::escape_frame(&decoded(n)).into_owned())
            .chain(["main.main".to_owned(), "all".to_owned()])
            .collect();
        assert_eq!(
            names,
            expected.iter().map(String::as_str).collect::<HashSet<_>>()
        );
        assert!(names.contains("<script>alert(\"x&y\")</script>"));
        assert!(names.contains("line1%0Aline2%0D%09tab"));
        assert!(names.contains("main.F[struct { a int%3B b int }]"));
        assert!(names.contains("bad INVALID\u{fffd}\u{fffd} bytes"));
        check_widths(&svg, &folded, options.icicle);
    }
}

#[test]
fn sibling_whose_name_extends_another_does_not_split_a_frame() {
    // As strings, "main.run 5" < "main.run.func1 3" < "main.run;x 2": a
    // sorted merge would draw main.run twice.
    let stacks: Vec<(&[&str], i64)> = vec![
        (&["main.run"], 5),
        (&["main.run.func1"], 3),
        (&["main.run", "x"], 2),
        (&["main.run", "x", "y"], 4),
    ];
    let profile = synthetic(&stacks, ("samples", "count"));
    let v = view(&profile, None);
    let svg = parse_svg(&svg_of(&v, &SvgOptions::default()));
    let run: Vec<&SvgFrame> = svg
        .frames
        .iter()
        .filter(|f| frame_name(&f.title) == "main.run")
        .collect();
    assert_eq!(run.len(), 1);
    assert_eq!(run[0].w, 11);
    assert_eq!(run[0].title, "main.run (11 samples, 78.57%)");
    check_widths(&svg, &folded_of(&v), false);
}

#[test]
fn negative_values_are_drawn_as_magnitudes() {
    let profile = synthetic(
        &[(&["a", "b"], 10), (&["a", "c"], -4)],
        ("inuse_space", "bytes"),
    );
    let mut out = Vec::new();
    let stats = write_svg(&view(&profile, None), &SvgOptions::default(), &mut out).unwrap();
    // The full width is the sum of magnitudes; a and b are drawn, and c.
    assert_eq!((stats.shown, stats.total, stats.frames), (14, 14, 4));
    let svg = String::from_utf8(out).unwrap();
    assert!(
        svg.contains("<title>c (-4 bytes, 28.57%; magnitude 4B)</title>"),
        "{svg}"
    );
    // In a differential view a negative value has no meaning: refused.
    let err = write_svg(
        &view(&profile, Some(&profile)),
        &SvgOptions::default(),
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "stack 'a;c' has a negative 'inuse_space' value (-4); a flame graph needs non-negative values"
    );
    // Folded stacks carry them as they are.
    let folded = folded_of(&view(&profile, None));
    assert_eq!(folded.iter().map(|l| l.new).collect::<Vec<_>>(), [10, -4]);
}

#[test]
fn deep_stacks_are_drawn_to_a_depth_and_folded_whole() {
    let names: Vec<String> = (0..100_000).map(|i| format!("f{}", i % 3)).collect();
    let stack: Vec<&str> = names.iter().map(String::as_str).collect();
    // Parts from the first below the drawn depth.
    let mut other = stack[..5_000].to_vec();
    other.push("leaf");
    let stacks: Vec<(&[&str], i64)> = vec![(&stack, 1), (&other, 2), (&stack[..10], 4)];
    let profile = synthetic(&stacks, ("samples", "count"));
    let v = view(&profile, None);
    let mut out = Vec::new();
    let stats = write_svg(&v, &SvgOptions::default(), &mut out).unwrap();
    // The root and MAX_DRAWN_DEPTH + 1 levels, one frame each.
    assert_eq!(stats.frames, MAX_DRAWN_DEPTH + 2);
    let svg = parse_svg(&String::from_utf8(out).unwrap());
    let subtitle = svg.subtitle.as_deref().unwrap_or_default();
    assert!(
        subtitle.contains("stacks cut below 1024 frames"),
        "{subtitle}"
    );
    // Each frame is as wide as the stacks through it; the last drawn one
    // holds both stacks that part below it.
    let cut: Vec<Line> = folded_of(&v)
        .into_iter()
        .map(|mut line| {
            line.frames.truncate(MAX_DRAWN_DEPTH + 1);
            line
        })
        .collect();
    check_widths(&svg, &cut, false);
    let deepest = svg.frames.iter().min_by_key(|f| f.y as i64).unwrap();
    assert_eq!((frame_name(&deepest.title), deepest.w), ("f1", 3));
    // Folded stacks are never cut.
    let folded = folded_of(&v);
    assert_eq!(folded.len(), 3);
    assert_eq!(folded[1].frames.len(), 100_000);
    // A stack as deep as the drawing is drawn whole, with no note.
    let whole = synthetic(&[(&stack[..MAX_DRAWN_DEPTH + 1], 1)], ("samples", "count"));
    let svg = parse_svg(&svg_of(&view(&whole, None), &SvgOptions::default()));
    assert_eq!(svg.frames.len(), MAX_DRAWN_DEPTH + 2);
    assert!(svg.subtitle.is_none(), "{:?}", svg.subtitle);
}

#[test]
fn bad_options_are_errors() {
    let profile = load("leaky/goroutine-3.pb.gz");
    let v = view(&profile, None);
    for options in [
        SvgOptions {
            width: Some(10),
            ..SvgOptions::default()
        },
        SvgOptions {
            min_width: f64::NAN,
            ..SvgOptions::default()
        },
        SvgOptions {
            min_width: 101.0,
            ..SvgOptions::default()
        },
    ] {
        let err = write_svg(&v, &options, &mut Vec::new()).unwrap_err();
        assert!(matches!(err, ExportError::Option { .. }), "{err}");
    }
    let mut bad_index = view(&profile, None);
    bad_index.sample_index = 7;
    let err = write_svg(&bad_index, &SvgOptions::default(), &mut Vec::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "sample index '7' is out of range: the profile has 1 sample types"
    );
    let heap = load("leaky/heap-1.pb.gz");
    let err = write_svg(
        &view(&profile, Some(&heap)),
        &SvgOptions::default(),
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the base profile has no sample type 'goroutine'"
    );
}

#[test]
fn file_export_replaces_only_with_a_complete_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("graph.svg");
    std::fs::write(&path, "old").unwrap();
    let profile = load("leaky/goroutine-3.pb.gz");
    let mut v = view(&profile, None);
    v.filters.focus = Some(compile_regex("focus", "no-such-function").unwrap());
    let err = export_svg_file(&v, &SvgOptions::default(), &path).unwrap_err();
    assert!(matches!(err, ExportError::Empty { .. }));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    let entries = || -> Vec<String> {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(entries(), ["graph.svg"], "no temporary file is left behind");

    let v = view(&profile, None);
    let stats = export_svg_file(&v, &SvgOptions::default(), &path).unwrap();
    let (_, total) = oracle("leaky-goroutine-3.goroutine.top.txt");
    assert_eq!(stats.total, total);
    assert_eq!(stats.shown, total);
    let svg = parse_svg(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(svg.frames.len(), stats.frames);
    assert_eq!(entries(), ["graph.svg"]);

    // A directory that does not exist: an error naming the file, nothing written.
    let missing = dir.path().join("no/such/dir/graph.svg");
    let err = export_svg_file(&v, &SvgOptions::default(), &missing).unwrap_err();
    assert!(err.to_string().starts_with("writing '"), "{err}");
    assert!(!missing.exists());
}

#[test]
fn small_svg_snapshot() {
    let profile = load("leaky/goroutine-3.pb.gz");
    let mut v = view(&profile, None);
    v.title = Some("goroutine-3.pb.gz — goroutine — 92 goroutines".to_owned());
    let options = SvgOptions {
        width: Some(1200),
        javascript: false,
        pretty_xml: true,
        ..SvgOptions::default()
    };
    insta::assert_snapshot!("goroutine_3_svg", svg_of(&v, &options));

    let new = load("leaky/goroutine-3.pb.gz");
    let base = load("leaky/goroutine-1.pb.gz");
    let mut d = view(&new, Some(&base));
    d.title = Some("goroutine-3.pb.gz vs goroutine-1.pb.gz — goroutine — 92 goroutines".to_owned());
    insta::assert_snapshot!("goroutine_3_vs_1_svg", svg_of(&d, &options));
}
