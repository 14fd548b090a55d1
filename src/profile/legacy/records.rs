//! The records of a legacy text, read in parallel: the text past its header
//! is cut at record boundaries (a line that starts with a digit, which every
//! kind of record line does and nothing else the records hold does) into a
//! few parts, each part is read on its own thread into a [`Part`] with its
//! own function and location tables, and the parts are merged in text order
//! into the [`Builder`]. Merging in order gives every function, location and
//! string the id a single pass would give it (first seen, first numbered),
//! so the profile does not depend on how the text was cut.
//!
//! Reading a part allocates per new function and location, not per line:
//! names borrow from the text (valid UTF-8 is checked once per part) and the
//! per-record buffers are reused.

use std::borrow::Cow;
use std::ops::Range;

use rustc_hash::FxHashMap as HashMap;
use std::collections::hash_map::Entry;

use super::{Builder, Comment, Finder, Lines, comment_body, inlined_into};
use crate::profile::ProfileError;
use crate::profile::model::FunctionId;

/// Fewer bytes than this per part are not worth a thread.
const MIN_PART: usize = 1 << 20;
/// The most parts by default: a part looks its locations up in every
/// earlier part's index, so the lookups grow with the square of the parts.
const MAX_PARTS: usize = 16;

/// What one kind of text profile reads in its records.
pub(super) trait Format: Sync {
    /// Whether a (trimmed, non-blank) line ends the records: what follows
    /// it is no record (by default a count or contention profile's `---`
    /// mappings; the heap's MemStats and memory map).
    fn stops(&self, line: &str) -> bool {
        line.starts_with("---")
    }

    /// Reads a record line (trimmed, neither blank nor a comment) into
    /// `out`, empty on entry.
    fn record(&self, line_no: usize, line: &str, out: &mut Fields) -> Result<(), ProfileError>;
}

/// What a record line holds.
#[derive(Default)]
pub(super) struct Fields {
    pub(super) values: Vec<i64>,
    pub(super) addresses: Vec<u64>,
    /// pprof's `bytes` label (the heap record's object size).
    pub(super) bytes: Option<i64>,
}

/// Where the records ended.
pub(super) struct End {
    /// Byte offset of the line that stopped them ([`Format::stops`]), if
    /// one did.
    pub(super) stop: Option<usize>,
}

/// Reads the records of `text` from byte `start` (a line start; `line_no`
/// lines come before it) into `b`, in at most `parts` parts, by default
/// as many as the machine and the text's size call for (two a core: parts
/// differ in how many new functions they meet).
pub(super) fn read(
    b: &mut Builder,
    text: &[u8],
    start: usize,
    line_no: usize,
    format: &impl Format,
    parts: Option<usize>,
) -> Result<End, ProfileError> {
    let parts = parts.unwrap_or_else(|| {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        (2 * cores)
            .min(MAX_PARTS)
            .min(text.len().saturating_sub(start) / MIN_PART)
    });
    let cuts = boundaries(text, start, parts.max(1));
    let ranges = cuts.windows(2).map(|w| w[0]..w[1]);
    let read_part = |range: Range<usize>| Part::read(&text[range.clone()], range.start, format);
    let mut parts: Vec<Part<'_>> = in_parallel(ranges, read_part);
    // Which of each part's locations an earlier part has: a lookup in the
    // earlier parts' indexes, each part on its own thread.
    let earlier = in_parallel(0..parts.len(), |k| parts[k].seen_before(&parts[..k]));
    for part in &mut parts {
        part.location_index = HashMap::default();
    }
    b.locations
        .reserve(parts.iter().map(|p| p.locations.len()).sum());
    // Global ids of each absorbed part's locations.
    let mut ids: Vec<Vec<u32>> = Vec::with_capacity(parts.len());
    let mut lines_before = line_no;
    for (part, earlier) in parts.into_iter().zip(earlier) {
        ids.push(b.absorb(&part, &earlier, &ids)?);
        match part.end {
            PartEnd::Done => lines_before += part.lines_read,
            PartEnd::Stop(offset) => {
                return Ok(End { stop: Some(offset) });
            }
            PartEnd::Failed(e) => return Err(renumber(e, lines_before)),
        }
    }
    Ok(End { stop: None })
}

/// `work` on each item, on a thread each when there are several; the
/// results in the items' order.
fn in_parallel<I, T>(items: I, work: impl Fn(I::Item) -> T + Sync) -> Vec<T>
where
    I: ExactSizeIterator,
    I::Item: Send,
    T: Send,
{
    if items.len() <= 1 {
        return items.map(work).collect();
    }
    let work = &work;
    std::thread::scope(|scope| {
        crate::parallel::join_all(items.map(|item| scope.spawn(move || work(item))).collect())
    })
}

/// A part's error with its line counted from the start of the text.
fn renumber(e: ProfileError, lines_before: usize) -> ProfileError {
    match e {
        ProfileError::Legacy { line, message } => ProfileError::Legacy {
            line: line + lines_before,
            message,
        },
        e => e,
    }
}

/// `start`, up to `parts - 1` record boundaries after it spread evenly
/// over the text, and the text's end.
fn boundaries(text: &[u8], start: usize, parts: usize) -> Vec<usize> {
    let start = start.min(text.len());
    let len = text.len() - start;
    let mut cuts = vec![start];
    for p in 1..parts {
        let target = start + len / parts * p;
        let Some(at) = record_start(text, target.max(cuts[cuts.len() - 1] + 1)) else {
            break;
        };
        cuts.push(at);
    }
    cuts.push(text.len());
    cuts
}

/// The first line start at or after `from` (never 0) whose line starts with
/// a digit.
fn record_start(text: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    if at > text.len() {
        return None;
    }
    // Each turn moves past one newline, so this ends within the text.
    loop {
        if text[at - 1] == b'\n' && text.get(at).is_some_and(u8::is_ascii_digit) {
            return Some(at);
        }
        at += memchr::memchr(b'\n', text.get(at..)?)? + 1;
    }
}

/// A location of a part: the pc it is at, whether comments named it and its
/// lines in [`Part::lines`].
struct PartLocation {
    pc: u64,
    symbolized: bool,
    lines: Range<u32>,
}

/// How reading a part ended.
enum PartEnd {
    /// At the part's end.
    Done,
    /// At a line that ends the records: its offset in the whole text.
    Stop(usize),
    /// At a bad record line (numbered within the part).
    Failed(ProfileError),
}

/// The samples of one part of the text, with functions and locations
/// numbered within the part.
pub(super) struct Part<'a> {
    /// Name and file of each function.
    functions: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Each function's [`function_key`] → its index. The keys are copies:
    /// compared where they sit together, not scattered over the text.
    function_index: std::collections::HashMap<Box<str>, u32, BuildMixed>,
    /// The key being looked up.
    key: String,
    locations: Vec<PartLocation>,
    location_index: HashMap<(u64, bool), u32>,
    /// Function and line number of each location's named frames.
    lines: Vec<(u32, i64)>,
    stack_ends: Vec<usize>,
    frames: Vec<u32>,
    values: Vec<i64>,
    /// Each sample's `bytes` label.
    bytes: Vec<Option<i64>>,
    lines_read: usize,
    end: PartEnd,
}

/// The record being read, its buffers reused from one record to the next.
#[derive(Default)]
struct Pending<'a> {
    open: bool,
    fields: Fields,
    comments: Vec<Comment<'a>>,
    /// The stack entry each comment belongs to (`u32::MAX`: none).
    owners: Vec<u32>,
    /// Groups of frames (one location each): leaf pc and the range of
    /// [`Pending::members`] holding their comments.
    groups: Vec<(u64, Range<usize>)>,
    members: Vec<u32>,
}

impl<'a> Part<'a> {
    /// Reads the records in `text` (the part starting at byte `offset` of
    /// the whole text).
    fn read(text: &'a [u8], offset: usize, format: &impl Format) -> Part<'a> {
        let mut part = Part {
            functions: Vec::new(),
            function_index: Default::default(),
            key: String::new(),
            locations: Vec::new(),
            location_index: HashMap::default(),
            lines: Vec::new(),
            stack_ends: Vec::new(),
            frames: Vec::new(),
            values: Vec::new(),
            bytes: Vec::new(),
            lines_read: 0,
            end: PartEnd::Done,
        };
        let mut pending = Pending::default();
        // The next record's fields, read before the pending record is added
        // (a bad line fails before it is).
        let mut next = Fields::default();
        let mut lines = Lines::checked(text);
        loop {
            let at = lines.offset();
            let Some((n, line)) = lines.next() else {
                break;
            };
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            if format.stops(trimmed) {
                part.end = PartEnd::Stop(offset + at);
                break;
            }
            if comment_body(trimmed).is_some() {
                if pending.open {
                    // A valid line's comment borrows from the text.
                    let comment = match &line {
                        Cow::Borrowed(s) => comment_body(s.trim()).and_then(Comment::parse),
                        Cow::Owned(s) => comment_body(s.trim())
                            .and_then(Comment::parse)
                            .map(Comment::into_owned),
                    };
                    pending.comments.extend(comment);
                }
                continue;
            }
            next.values.clear();
            next.addresses.clear();
            next.bytes = None;
            if let Err(e) = format.record(n, trimmed, &mut next) {
                part.end = PartEnd::Failed(e);
                break;
            }
            if pending.open {
                part.add(&mut pending);
            }
            pending.open = true;
            std::mem::swap(&mut pending.fields, &mut next);
            pending.comments.clear();
        }
        // A failed record's predecessor is not added: the single pass
        // adds a record only once the next one has been read.
        if pending.open && !matches!(part.end, PartEnd::Failed(_)) {
            part.add(&mut pending);
        }
        part.lines_read = lines.number();
        // The location index serves the later parts' lookups.
        part.function_index = Default::default();
        part
    }

    /// For each location of this part, where an earlier part (in `before`)
    /// has it: the part's number and its index there.
    fn seen_before(&self, before: &[Part<'_>]) -> Vec<Option<(u32, u32)>> {
        self.locations
            .iter()
            .map(|l| {
                let key = (l.pc, l.symbolized);
                before
                    .iter()
                    .enumerate()
                    .find_map(|(j, p)| Some((j as u32, *p.location_index.get(&key)?)))
            })
            .collect()
    }

    /// Adds a record as a sample: its stack symbolized from its comments.
    fn add(&mut self, r: &mut Pending<'a>) {
        // Which stack entry each comment describes (comments come in stack
        // order; several for one entry are the frames inlined at it).
        let finder = Finder::new(&r.fields.addresses);
        r.owners.clear();
        let mut cursor = 0;
        let mut any = false;
        for c in &r.comments {
            let found = [c.pc.wrapping_add(1), c.pc]
                .into_iter()
                .filter_map(|address| finder.next(address, cursor))
                .min();
            match found {
                Some(j) => {
                    r.owners.push(j as u32);
                    cursor = j;
                    any = true;
                }
                None => r.owners.push(u32::MAX),
            }
        }
        // Group the entries into locations: without comments, one per
        // address (as pprof has them); with them, the unnamed entries go
        // and an entry whose frame was inlined into the next one's function
        // (same entry address, another name) joins it, as one location
        // holds a pc's inlined frames in a proto. An entry's comments are
        // consecutive among the owned ones, as owners never decrease.
        r.groups.clear();
        r.members.clear();
        if any {
            let mut previous: Option<(u32, usize)> = None;
            for (i, &owner) in r.owners.iter().enumerate() {
                if owner == u32::MAX {
                    continue;
                }
                let starts_entry = previous.is_none_or(|(o, _)| o != owner);
                let joins = starts_entry
                    && previous
                        .is_some_and(|(_, last)| inlined_into(&r.comments[last], &r.comments[i]));
                if starts_entry && !joins {
                    let at = r.members.len();
                    r.groups.push((r.comments[i].pc, at..at));
                }
                r.members.push(i as u32);
                if let Some((_, members)) = r.groups.last_mut() {
                    members.end = r.members.len();
                }
                previous = Some((owner, i));
            }
        } else {
            r.groups
                .extend(r.fields.addresses.iter().map(|a| (a.wrapping_sub(1), 0..0)));
        }
        for g in 0..r.groups.len() {
            let (pc, members) = r.groups[g].clone();
            let location = self.location(pc, &r.members[members], &r.comments);
            self.frames.push(location);
        }
        self.stack_ends.push(self.frames.len());
        self.values.extend_from_slice(&r.fields.values);
        self.bytes.push(r.fields.bytes);
    }

    /// The location of one frame group: `members` (indexes into `comments`)
    /// innermost first, all at `pc` (the group's leaf pc).
    fn location(&mut self, pc: u64, members: &[u32], comments: &[Comment<'a>]) -> u32 {
        let symbolized = !members.is_empty();
        let i = self.locations.len() as u32;
        match self.location_index.entry((pc, symbolized)) {
            Entry::Occupied(e) => return *e.get(),
            Entry::Vacant(e) => e.insert(i),
        };
        let start = self.lines.len() as u32;
        for &m in members {
            let c = &comments[m as usize];
            // An unnamed frame is no line (a line needs a function, as a
            // proto's must for pprof): the location keeps its address.
            if c.name.is_empty() {
                continue;
            }
            function_key(&mut self.key, &c.name, &c.file);
            let function = match self.function_index.get(self.key.as_str()) {
                Some(&f) => f,
                None => {
                    let f = self.functions.len() as u32;
                    self.functions.push((c.name.clone(), c.file.clone()));
                    self.function_index.insert(self.key.as_str().into(), f);
                    f
                }
            };
            self.lines.push((function, c.line));
        }
        self.locations.push(PartLocation {
            pc,
            symbolized,
            lines: start..self.lines.len() as u32,
        });
        i
    }
}

/// Fx hashes with their bits mixed at the end: Fx alone leaves the top bits
/// (which the table compares before the keys) nearly alike for names that
/// differ only near their end, and every lookup then compared many keys.
#[derive(Default)]
struct Mixed(rustc_hash::FxHasher);

impl std::hash::Hasher for Mixed {
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }

    fn write_u8(&mut self, i: u8) {
        self.0.write_u8(i);
    }

    fn finish(&self) -> u64 {
        // MurmurHash3's fmix64.
        let mut h = self.0.finish();
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

type BuildMixed = std::hash::BuildHasherDefault<Mixed>;

/// Writes into `key` what tells a function from another: its name and
/// file, apart by a tab (which neither holds: comments are cut at tabs).
fn function_key(key: &mut String, name: &str, file: &str) {
    key.clear();
    key.push_str(name);
    key.push('\t');
    key.push_str(file);
}

impl Builder {
    /// Adds a part's samples, giving its new functions and locations the
    /// next ids in the order the part met them; `earlier` says which of its
    /// locations an earlier part has, `ids` the ids those parts' got.
    /// Returns the ids of this part's locations.
    fn absorb(
        &mut self,
        part: &Part<'_>,
        earlier: &[Option<(u32, u32)>],
        ids: &[Vec<u32>],
    ) -> Result<Vec<u32>, ProfileError> {
        let mut functions: Vec<Option<FunctionId>> = vec![None; part.functions.len()];
        let mut locations: Vec<u32> = Vec::with_capacity(part.locations.len());
        for (location, earlier) in part.locations.iter().zip(earlier) {
            if let Some((j, i)) = *earlier {
                locations.push(ids[j as usize][i as usize]);
                continue;
            }
            let start = self.lines.len();
            for &(f, line) in
                &part.lines[location.lines.start as usize..location.lines.end as usize]
            {
                let function = match functions[f as usize] {
                    Some(g) => g,
                    None => {
                        let (name, file) = &part.functions[f as usize];
                        let g = self.function(name, file)?;
                        functions[f as usize] = Some(g);
                        g
                    }
                };
                self.push_line(function, line);
            }
            locations.push(self.push_location(location.pc, start)?);
        }
        let mut start = 0;
        for &end in &part.stack_ends {
            self.frames.extend(
                part.frames[start..end]
                    .iter()
                    .map(|&l| locations[l as usize]),
            );
            start = end;
            self.stack_ends.push(self.frames.len());
        }
        self.values.extend_from_slice(&part.values);
        for &bytes in &part.bytes {
            self.push_label(bytes);
        }
        Ok(locations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_fall_on_record_lines() {
        let text = b"h\n1 @ 0x1\n# c\n22 @ 0x2\n#d\n\n3 @ 0x3\n";
        let cuts = boundaries(text, 2, 8);
        for w in cuts.windows(2) {
            assert!(w[0] < w[1], "{cuts:?}");
        }
        assert_eq!(cuts.first(), Some(&2));
        assert_eq!(cuts.last(), Some(&text.len()));
        for &c in &cuts[1..cuts.len() - 1] {
            assert_eq!(text[c - 1], b'\n');
            assert!(text[c].is_ascii_digit());
        }
        assert_eq!(cuts, [2, 14, 27, text.len()]);
        // No record line past the header: one part.
        assert_eq!(boundaries(b"h\n# only\n# comments", 2, 4), [2, 19]);
        assert_eq!(boundaries(b"h", 1, 4), [1, 1]);
        assert_eq!(record_start(b"h\n1", 3), None);
    }

    /// Real texts of every kind: heap (with MemStats), goroutine, mutex,
    /// block.
    const TEXTS: [&str; 6] = [
        "legacy/heap-1.debug1.txt",
        "legacy/heap-3.debug1.txt",
        "legacy/goroutine-2.debug1.txt",
        "goroutines/service/out/goroutineleak.debug1.txt",
        "legacy/contention/mutex.debug1.txt",
        "legacy/contention/block.debug1.txt",
    ];

    fn testdata(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The profile read in `parts` parts, or the error, as text.
    fn read_in(text: &[u8], parts: usize) -> String {
        match super::super::parse_in(text, Some(parts)) {
            Ok(p) => format!("{p:?}"),
            Err(e) => format!("error: {e:?}"),
        }
    }

    #[test]
    fn parts_read_what_one_pass_reads() {
        for name in TEXTS {
            let text = testdata(name);
            let one = read_in(&text, 1);
            assert!(!one.starts_with("error"), "{name}: {one}");
            let header_end = memchr::memchr(b'\n', &text).unwrap() + 1;
            for parts in [2, 3, 7, 64] {
                assert_eq!(read_in(&text, parts), one, "{name} in {parts} parts");
            }
            // Every text with two records or more is cut (the test can fail).
            let records = text[header_end..]
                .split(|&b| b == b'\n')
                .filter(|l| l.first().is_some_and(u8::is_ascii_digit))
                .count();
            let cuts = boundaries(&text, header_end, 64).len() - 1;
            assert!(cuts >= records.min(64), "{name}: {cuts} parts");
        }
        let heap = read_in(&testdata("legacy/heap-1.debug1.txt"), 7);
        assert!(heap.contains("HeapInuse"), "the MemStats block is read");
    }

    #[test]
    fn cut_texts_read_alike_in_parts() {
        // A record cut anywhere (inside a line, a number, a character,
        // before its comments), with and without a final newline.
        for name in TEXTS.iter().filter(|n| !n.contains("heap-3")) {
            let text = testdata(name);
            // Not a multiple of any line's length: cuts fall all over lines.
            let step = (text.len() / 31).max(1) | 1;
            for end in (0..text.len()).step_by(step).chain([text.len() - 1]) {
                let cut = &text[..end];
                assert_eq!(read_in(cut, 5), read_in(cut, 1), "{name} cut at {end}");
            }
        }
    }

    #[test]
    fn crlf_texts_read_as_lf_texts() {
        for name in TEXTS {
            let text = testdata(name);
            let crlf: Vec<u8> = text
                .iter()
                .flat_map(|&b| {
                    if b == b'\n' {
                        vec![b'\r', b'\n']
                    } else {
                        vec![b]
                    }
                })
                .collect();
            assert_eq!(read_in(&crlf, 4), read_in(&text, 1), "{name}");
        }
    }

    #[test]
    fn hostile_texts_fail_alike_in_parts() {
        let header = "heap profile: 1: 8 [1: 8] @ heap/2\n";
        let mut long = String::from(header);
        long.push_str("1: 8 [1: 8] @");
        long.push_str(&" 0x10".repeat(100_000));
        long.push_str("\n#\t0xf\tmain.f+0x1\tf.go:1\n");
        let comments = format!("{header}{}", "#\t0x1\tmain.f+0x1\tf.go:1\n".repeat(20_000));
        let only_comments = "# runtime.MemStats\n".repeat(1000);
        let bad_late = format!(
            "{header}{}1: 8 [1: 8]\n2: 8 [1: 8] @ 0x1\n",
            "1: 8 [1: 8] @ 0x1\n".repeat(5000)
        );
        for (text, want) in [
            (long.as_str(), "Ok"),
            (comments.as_str(), "Ok"),
            (only_comments.as_str(), "UnknownText"),
            (bad_late.as_str(), "line: 5002"),
        ] {
            let one = read_in(text.as_bytes(), 1);
            assert!(
                one.contains(want) || want == "Ok" && !one.starts_with("error"),
                "{one:.200}"
            );
            for parts in [2, 8] {
                assert_eq!(read_in(text.as_bytes(), parts), one);
            }
        }
    }
}
