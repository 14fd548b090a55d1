//! Frame tooltips in the units people read. inferno titles every frame
//! `name (12,345 samples, 1.23%)` with a percentage of what is drawn; an
//! SVG of a heap profile should say `main.f (13.81MB = 14,476,224 bytes,
//! 93.20%)` with the percentage of the profile's total, as `go tool pprof`
//! does, and a differential one should say what the frame was in the base.
//!
//! [`TitleRewriter`] sits between inferno and the output and replaces the
//! parenthesised part of each `<title>`. inferno writes one `<title>` per
//! frame, in the order its layout closes frames, which the caller has
//! replayed into the `frames` list; each title's name and count are
//! checked against that list, so a mismatch is an error, never a wrong number.

use std::io::{self, Write};

use super::ExportError;
use super::tree::Pair;
use crate::report::units;
use crate::units::scale;

/// A frame inferno will draw: a tree node and its horizontal extent in
/// inferno's counts (the new profile's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DrawnFrame {
    pub node: u32,
    pub start: u64,
    pub width: u64,
}

/// How values of the shown sample type read.
pub(crate) struct Measure {
    pub unit: String,
    /// What one count is: `bytes`, `ns`, `goroutines`, `objects` …
    pub count_name: String,
    /// The percentage base (pprof's report total of the new profile).
    pub total: i64,
}

impl Measure {
    pub fn new(sample_type: &str, unit: &str, total: i64) -> Measure {
        Measure {
            unit: unit.to_owned(),
            count_name: count_name(sample_type, unit),
            total,
        }
    }

    /// A value as it reads naturally, with the exact count when the
    /// natural form is rounded: `13.81MB = 14,476,224 bytes`, `90 goroutines`.
    pub fn value(&self, v: i64) -> String {
        let (scaled, unit) = scale(v, &self.unit, "auto");
        let exact = format!("{} {}", group_digits(v), self.counted(v));
        if unit.is_empty() || scaled == v as f64 {
            exact
        } else {
            format!("{} = {exact}", units::label(v, &self.unit))
        }
    }

    /// A value in its natural unit only: `13.81MB`, `90 goroutines`.
    pub fn short(&self, v: i64) -> String {
        let (_, unit) = scale(v, &self.unit, "auto");
        if unit.is_empty() {
            format!("{} {}", group_digits(v), self.counted(v))
        } else {
            units::label(v, &self.unit)
        }
    }

    /// The count name for `v` of them: `1 goroutine`, `2 goroutines`.
    fn counted(&self, v: i64) -> &str {
        let singular = self.count_name.strip_suffix('s').filter(|_| {
            v.unsigned_abs() == 1
                && matches!(
                    self.count_name.as_str(),
                    "bytes" | "goroutines" | "objects" | "samples" | "contentions"
                )
        });
        singular.unwrap_or(&self.count_name)
    }

    /// A change: `+1.2MB`, `-3 goroutines`, `±0`.
    pub fn change(&self, delta: i64) -> String {
        match delta {
            0 => "±0".to_owned(),
            d if d > 0 => format!("+{}", self.short(d)),
            d => self.short(d),
        }
    }

    pub fn percent(&self, v: i64) -> String {
        units::percentage(v, self.total).trim().to_owned()
    }

    /// The tooltip info of a frame with these cumulative values.
    pub fn info(&self, cum: Pair, diff: bool, signed: bool) -> String {
        if signed {
            // new = |v| and base = |v| - v summed: the signed value is new - base.
            let value = cum.new.saturating_sub(cum.base);
            return format!(
                "{}, {}; magnitude {}",
                self.value(value),
                self.percent(value),
                self.short(cum.new)
            );
        }
        let mut info = format!("{}, {}", self.value(cum.new), self.percent(cum.new));
        if diff {
            info.push_str(&format!(
                "; base {}, {}",
                self.short(cum.base),
                self.change(cum.new.saturating_sub(cum.base))
            ));
        }
        info
    }
}

/// The name of one count of a sample type, for tooltips: the unit when it
/// is a measure (`bytes`, `ns`), else what is counted.
fn count_name(sample_type: &str, unit: &str) -> String {
    let name = match unit {
        "bytes" => "bytes",
        "nanoseconds" => "ns",
        "count" | "" => match sample_type {
            "goroutine" | "goroutines" | "goroutineleak" => "goroutines",
            t if t.ends_with("_objects") => "objects",
            "samples" | "contentions" => sample_type,
            _ => "",
        },
        other => other,
    };
    let name = if name.is_empty() { sample_type } else { name };
    // The name comes from the profile: keep it printable, and free of
    // parentheses (inferno's script strips the last "(…)" of a title to get
    // the frame's label).
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || "_-/. ".contains(c) {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// `14476224` → `14,476,224`.
pub(crate) fn group_digits(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// XML text escaping as quick-xml (inferno's writer) does it.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// inferno's `deannotate`: it shows `f_[k]` (a perf annotation) as `f`.
fn deannotate(f: &str) -> &str {
    if let Some(stripped) = f.strip_suffix(']')
        && let Some(i) = stripped.rfind("_[")
        && f.len() - i == 4
        && "kwij".contains(&f[i + 2..i + 3])
    {
        return &f[..i];
    }
    f
}

/// What each frame's title should say.
pub(crate) struct FrameTitles<'a> {
    pub frames: &'a [DrawnFrame],
    /// Name id and cumulative value by node id (node 0 is the root).
    pub nodes: &'a [(u32, Pair)],
    /// The names as inferno received them.
    pub escaped: &'a [String],
    pub measure: &'a Measure,
    /// In a differential graph: each node's own values and the total,
    /// which colour its frame ([`super::flamegraph::change_rgb`]).
    pub fills: Option<(&'a [Pair], i64)>,
    pub diff: bool,
    /// Values are signed magnitudes (`StackSet::signed`).
    pub signed: bool,
}

impl FrameTitles<'_> {
    /// The new content of the `k`-th title, given inferno's.
    fn title(&self, k: usize, inferno: &str) -> Result<String, String> {
        let frame = self.frames.get(k).ok_or_else(|| {
            format!(
                "inferno drew more than the {} frames laid out",
                self.frames.len()
            )
        })?;
        let (prefix, info) = inferno
            .rsplit_once(" (")
            .ok_or_else(|| format!("unexpected frame title '{inferno}'"))?;
        let (name, cum) = self.nodes[frame.node as usize];
        let expected = if frame.node == 0 {
            "all".to_owned()
        } else {
            xml_escape(deannotate(&self.escaped[name as usize]))
        };
        let count: Option<u64> = info
            .split(' ')
            .next()
            .and_then(|n| n.replace(',', "").parse().ok());
        if prefix != expected || count != Some(frame.width) || cum.new as u64 != frame.width {
            return Err(format!(
                "frame {k}: inferno drew '{inferno}', expected '{expected}' of width {}",
                frame.width
            ));
        }
        Ok(format!(
            "{prefix} ({})",
            xml_escape(&self.measure.info(cum, self.diff, self.signed))
        ))
    }
}

impl FrameTitles<'_> {
    /// The fill of the `k`-th frame's rectangle, when it is recoloured.
    fn fill(&self, k: usize) -> Option<String> {
        let (own, total) = self.fills?;
        let node = self.frames.get(k)?.node as usize;
        let own = own.get(node).copied().unwrap_or_default();
        let (r, g, b) = super::flamegraph::change_rgb(own.new.wrapping_sub(own.base), total);
        Some(format!("rgb({r},{g},{b})"))
    }
}

/// A writer that passes inferno's SVG through, replacing frame titles (and,
/// in a differential graph, the fill of the rectangle after each).
pub(crate) struct TitleRewriter<'a, W: Write> {
    out: W,
    titles: &'a FrameTitles<'a>,
    pending: Vec<u8>,
    /// Where to resume searching `pending`.
    scan_from: usize,
    in_title: bool,
    next: usize,
    /// The fill the next rectangle gets.
    fill: Option<String>,
    /// The first mismatch between inferno's frames and the layout.
    pub error: Option<String>,
}

const OPEN: &[u8] = b"<title>";
const CLOSE: &[u8] = b"</title>";
const FILL: &[u8] = b"fill=\"";

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl<'a, W: Write> TitleRewriter<'a, W> {
    pub fn new(out: W, titles: &'a FrameTitles<'a>) -> Self {
        TitleRewriter {
            out,
            titles,
            pending: Vec::new(),
            scan_from: 0,
            in_title: false,
            next: 0,
            fill: None,
            error: None,
        }
    }

    fn fail(&mut self, message: String) -> io::Error {
        let error = io::Error::other(message.clone());
        self.error.get_or_insert(message);
        error
    }

    /// Writes what is left and checks every laid-out frame was drawn.
    pub fn finish(mut self) -> Result<(), ExportError> {
        if self.in_title {
            return Err(ExportError::Internal(
                "the SVG ended inside a frame title".to_owned(),
            ));
        }
        if self.next != self.titles.frames.len() {
            return Err(ExportError::Internal(format!(
                "inferno drew {} frames, {} were laid out",
                self.next,
                self.titles.frames.len()
            )));
        }
        self.out.write_all(&self.pending)?;
        self.out.flush()?;
        Ok(())
    }
}

impl<W: Write> Write for TitleRewriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        loop {
            if self.in_title {
                let Some(i) = find(&self.pending[self.scan_from..], CLOSE) else {
                    self.scan_from = self.pending.len().saturating_sub(CLOSE.len() - 1);
                    break;
                };
                let end = self.scan_from + i;
                let old = String::from_utf8_lossy(&self.pending[..end]).into_owned();
                let new = match self.titles.title(self.next, &old) {
                    Ok(new) => new,
                    Err(message) => return Err(self.fail(message)),
                };
                self.out.write_all(new.as_bytes())?;
                self.pending.drain(..end);
                self.fill = self.titles.fill(self.next);
                self.next += 1;
                self.in_title = false;
                self.scan_from = 0;
            } else if self.fill.is_some() {
                // The rectangle's `fill="…"` follows its title.
                let Some(i) = find(&self.pending, FILL) else {
                    break;
                };
                let start = i + FILL.len();
                let Some(len) = self.pending[start..].iter().position(|&b| b == b'"') else {
                    break;
                };
                self.out.write_all(&self.pending[..start])?;
                if let Some(fill) = self.fill.take() {
                    self.out.write_all(fill.as_bytes())?;
                }
                self.pending.drain(..start + len);
                self.scan_from = 0;
            } else {
                match find(&self.pending[self.scan_from..], OPEN) {
                    Some(i) => {
                        let end = self.scan_from + i + OPEN.len();
                        self.out.write_all(&self.pending[..end])?;
                        self.pending.drain(..end);
                        self.in_title = true;
                        self.scan_from = 0;
                    }
                    None => {
                        // Keep a tail that could be the start of a split tag.
                        let cut = self.pending.len().saturating_sub(OPEN.len() - 1);
                        self.out.write_all(&self.pending[..cut])?;
                        self.pending.drain(..cut);
                        self.scan_from = 0;
                        break;
                    }
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // `pending` may hold half a tag; it is written by `finish`.
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(14_476_224), "14,476,224");
        assert_eq!(group_digits(-1_334_904), "-1,334,904");
        assert_eq!(group_digits(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn values_read_in_their_unit() {
        let bytes = Measure::new("inuse_space", "bytes", 15_533_544);
        assert_eq!(bytes.value(14_476_224), "13.81MB = 14,476,224 bytes");
        assert_eq!(bytes.value(512), "512 bytes");
        assert_eq!(bytes.percent(14_476_224), "93.19%");
        assert_eq!(bytes.change(-2048), "-2kB");
        assert_eq!(bytes.change(0), "±0");
        let goroutines = Measure::new("goroutine", "count", 90);
        assert_eq!(goroutines.value(90), "90 goroutines");
        assert_eq!(goroutines.change(80), "+80 goroutines");
        assert_eq!(goroutines.value(1), "1 goroutine");
        assert_eq!(goroutines.change(-1), "-1 goroutine");
        let cpu = Measure::new("cpu", "nanoseconds", 2_720_000_000);
        assert_eq!(cpu.value(1_290_000_000), "1.29s = 1,290,000,000 ns");
        assert_eq!(cpu.percent(1_290_000_000), "47.43%");
        let objects = Measure::new("inuse_objects", "count", 1);
        assert_eq!(objects.value(1234), "1,234 objects");
    }

    #[test]
    fn hostile_units_stay_printable() {
        assert_eq!(count_name("x", "<b>(s)"), "?b??s?");
    }

    /// Feeds `svg` to a rewriter in pieces of `chunk` bytes.
    fn rewrite(svg: &str, chunk: usize, titles: &FrameTitles<'_>) -> Result<String, ExportError> {
        let mut out = Vec::new();
        let mut rewriter = TitleRewriter::new(&mut out, titles);
        for piece in svg.as_bytes().chunks(chunk) {
            if rewriter.write_all(piece).is_err() {
                return Err(ExportError::Internal(
                    rewriter.error.take().unwrap_or_default(),
                ));
            }
        }
        rewriter.finish()?;
        Ok(String::from_utf8(out).unwrap_or_default())
    }

    #[test]
    fn titles_are_replaced_wherever_writes_split_them() {
        let measure = Measure::new("inuse_space", "bytes", 4096);
        let frames = [
            DrawnFrame {
                node: 1,
                start: 0,
                width: 2048,
            },
            DrawnFrame {
                node: 0,
                start: 0,
                width: 2048,
            },
        ];
        let nodes = [
            (u32::MAX, Pair { new: 2048, base: 0 }),
            (0, Pair { new: 2048, base: 0 }),
        ];
        let escaped = ["a<b".to_owned()];
        let titles = FrameTitles {
            fills: None,
            frames: &frames,
            nodes: &nodes,
            escaped: &escaped,
            measure: &measure,
            diff: false,
            signed: false,
        };
        let svg = "<svg><g><title>a&lt;b (2,048 samples, 100.00%)</title><rect/></g>\
                   <g><title>all (2,048 samples, 100%)</title></g></svg>";
        let expected = "<svg><g><title>a&lt;b (2kB = 2,048 bytes, 50.00%)</title><rect/></g>\
                        <g><title>all (2kB = 2,048 bytes, 50.00%)</title></g></svg>";
        for chunk in [1, 2, 3, 7, 8, 1000] {
            assert_eq!(
                rewrite(svg, chunk, &titles).unwrap(),
                expected,
                "chunk {chunk}"
            );
        }
        // A count that is not the laid-out width is an error, not a wrong number.
        let wrong = svg.replace("2,048 samples, 100.00%", "2,047 samples, 99.00%");
        assert!(matches!(
            rewrite(&wrong, 5, &titles),
            Err(ExportError::Internal(_))
        ));
        // So is a frame more or less than laid out.
        let fewer = "<svg><g><title>a&lt;b (2,048 samples, 100.00%)</title></g></svg>";
        assert!(matches!(
            rewrite(fewer, 5, &titles),
            Err(ExportError::Internal(_))
        ));
    }

    #[test]
    fn deannotate_matches_inferno() {
        assert_eq!(deannotate("f_[k]"), "f");
        assert_eq!(deannotate("f_[x]"), "f_[x]");
        assert_eq!(deannotate("a[k]"), "a[k]");
    }
}
