//! The records of a legacy text, read in parallel as the text arrives: the
//! text past its header is cut into blocks of about [`BLOCK`] bytes, each
//! ending before a record line (a line that starts with a digit, which every
//! kind of record line does and nothing else the records hold does). The
//! blocks are read on worker threads into [`Part`]s while the stream is read
//! on, and the parts are merged in text order into the [`Builder`] as they
//! come back; a block's bytes are then filled again, so the text is never
//! held whole. Merging in order gives every function, location and string
//! the id a single pass would give it (first seen, first numbered), so the
//! profile does not depend on how the text was cut.
//!
//! Reading a part allocates per new location, not per line: names are
//! copied once per worker (each worker numbers the functions it meets, and
//! the merge maps its numbers to the profile's), valid UTF-8 is checked
//! once per block, and the per-record buffers are reused.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::ops::Range;
use std::sync::atomic::{AtomicU32, Ordering};

use std::hash::{BuildHasher, Hasher};

use super::input::{Input, append};
use super::location_index::{BATCH, LocationIndex, NAMED, key};
use super::{Builder, Comment, Finder, Lines, comment_body, inlined_into};
use crate::profile::ProfileError;
use crate::profile::decode::Detail;
use crate::profile::model::FunctionId;

/// About how many bytes a block holds: enough that handing it over costs
/// little, few enough that the block and a worker's tables stay in its
/// cache. 256 KiB read the 100 MB text with 5% less CPU than 1 MiB and the
/// text whose pcs repeat with 11% less when the merge was heavier; since
/// the merge files fewer locations ([`KEPT`]), 512 KiB reads them in 0.98×
/// the time of 256 and the read for lines in 0.97×, for 2 MiB more at the
/// peak (128 KiB: 1.00×).
pub(super) const BLOCK: usize = 1 << 19;

/// Read for [`Detail::Functions`], how many locations [`Builder::by_lines`]
/// holds at most: the first ones met. Past them, a location of one
/// function is still looked up there, but one of several (functions
/// inlined into one another) is new each time a part has it: two with the
/// same lines are the same functions to every report read for functions.
///
/// A text's locations of several functions are few, a call site inlining
/// the same ones each time: 5,000 in the text whose pcs repeat as a
/// service's do, all filed. The synthetic 100 MB text has 180,000, most
/// met once: filing them all cost the merge a cache miss each and stalled
/// it as the table grew (`top` on that text took 1.1× the time it takes
/// now). With this many, the table stays in 1 MiB (a core's cache holds
/// it) and never grows past it. Past them, the locations (not the reports)
/// depend on how the text was cut.
const KEPT: usize = 57_344;

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

/// Where the records start in the text an [`Input`] holds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Start {
    /// Byte offset of a line start in the held bytes.
    pub(super) offset: usize,
    /// Lines before it.
    pub(super) line: usize,
    /// How large the blocks and tables are.
    pub(super) sizes: Sizes,
    /// What of each location to keep.
    pub(super) detail: Detail,
}

/// How large the blocks and tables of a read are: [`BLOCK`] and [`KEPT`]
/// but in tests.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sizes {
    /// About how many bytes a block holds.
    pub(super) block: usize,
    /// See [`KEPT`].
    pub(super) kept: usize,
}

impl Sizes {
    pub(super) const READ: Sizes = Sizes {
        block: BLOCK,
        kept: KEPT,
    };
}

/// Where the records ended.
pub(super) struct End {
    /// The text from the line that stopped them ([`Format::stops`]) to
    /// its end, if a line did.
    pub(super) tail: Option<Vec<u8>>,
}

/// Reads the records of `input` from `at` on into `b`.
pub(super) fn read(
    b: &mut Builder,
    mut input: Input<'_>,
    at: Start,
    format: &impl Format,
) -> Result<End, ProfileError> {
    let mut blocks = Blocks {
        carry: input.take_held(),
        at: at.offset,
        input,
        size: at.sizes.block.max(1),
        spare: Vec::new(),
    };
    let mut merge = Merge {
        detail: at.detail,
        kept: at.sizes.kept,
        lines_before: at.line,
        functions: Vec::new(),
        ids: Vec::new(),
        tail: None,
    };
    let Some(block) = blocks.next()? else {
        return Ok(End { tail: None });
    };
    if blocks.at_end() {
        // One block (most real texts): read here, with no thread.
        let part = Part::read(&block, format, &mut Worker::new(0, at.detail));
        merge.take(b, part, block, &mut blocks)?;
    } else {
        // The caller's thread reads the text and merges the parts, and
        // reads a block itself rather than wait: one worker fewer than
        // cores (one on two cores is the faster).
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let workers = cores.saturating_sub(1).max(1);
        // Workers number themselves as they start.
        let started = AtomicU32::new(0);
        let blocks = RefCell::new(&mut blocks);
        let stopped = Cell::new(false);
        let mut first = Some(block);
        crate::parallel::pipeline(
            workers,
            // The workers' blocks in hand, more waiting than workers and
            // one (so that the caller may take one), and two read but not
            // yet merged.
            2 * workers + 4,
            || match first.take() {
                Some(block) => Ok(Some(block)),
                // Past a stop, the rest is read into the tail below.
                None if stopped.get() => Ok(None),
                None => blocks.borrow_mut().next(),
            },
            || Worker::new(started.fetch_add(1, Ordering::Relaxed), at.detail),
            |worker, block| (Part::read(&block, format, worker), block),
            |(part, block)| {
                merge.take(b, part, block, &mut blocks.borrow_mut())?;
                stopped.set(merge.tail.is_some());
                Ok(())
            },
        )?;
    }
    if let Some(tail) = &mut merge.tail {
        // The text past the last block given out.
        blocks.rest_into(tail)?;
    }
    b.location_index = LocationIndex::default();
    b.by_lines = hashbrown::HashTable::new();
    Ok(End { tail: merge.tail })
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

/// The text cut into blocks that end before a record line.
struct Blocks<'a> {
    input: Input<'a>,
    /// Text read and not yet given out, from `at` on.
    carry: Vec<u8>,
    at: usize,
    size: usize,
    /// Blocks given back, to be filled again.
    spare: Vec<Vec<u8>>,
}

impl Blocks<'_> {
    /// The next block: from the first `size` bytes on to the start of the
    /// next record line, or the rest of the text.
    fn next(&mut self) -> Result<Option<Vec<u8>>, ProfileError> {
        // Where to look for a record line from (a block is never empty).
        let mut from = self.at.saturating_add(self.size);
        loop {
            if let Some(cut) = record_start(&self.carry, from) {
                let block = self.block(cut);
                return Ok(Some(block));
            }
            from = from.max(self.carry.len());
            // What was given out goes before more is read.
            if self.at > 0 {
                self.carry.drain(..self.at);
                from -= self.at;
                self.at = 0;
            }
            match self.input.next_chunk()? {
                Some(chunk) => {
                    append(&mut self.carry, &chunk)?;
                    self.input.give_back(chunk);
                }
                None if self.at == self.carry.len() => return Ok(None),
                None => {
                    let end = self.carry.len();
                    return Ok(Some(self.block(end)));
                }
            }
        }
    }

    /// The carried text from `at` to `end`, as a block.
    fn block(&mut self, end: usize) -> Vec<u8> {
        let mut other = self.spare.pop().unwrap_or_default();
        other.clear();
        if self.at == 0 {
            // Streaming: the carried bytes become the block, and only what
            // is past it is copied (less than a piece and a record).
            other.extend_from_slice(&self.carry[end..]);
            self.carry.truncate(end);
            std::mem::swap(&mut self.carry, &mut other);
            return other;
        }
        // A text held whole: each block is copied out of it once.
        other.extend_from_slice(&self.carry[self.at..end]);
        self.at = end;
        other
    }

    /// Whether the text was all given out in blocks.
    fn at_end(&self) -> bool {
        self.at == self.carry.len() && self.input.ended()
    }

    /// Takes a block back to be filled again.
    fn give_back(&mut self, block: Vec<u8>) {
        self.spare.push(block);
    }

    /// Appends the text not given out in blocks to `tail`.
    fn rest_into(&mut self, tail: &mut Vec<u8>) -> Result<(), ProfileError> {
        append(tail, &self.carry[self.at..])?;
        self.at = self.carry.len();
        while let Some(chunk) = self.input.next_chunk()? {
            append(tail, &chunk)?;
            self.input.give_back(chunk);
        }
        Ok(())
    }
}

/// The first line start at or after `from` (never 0) whose line starts with
/// a digit.
fn record_start(text: &[u8], from: usize) -> Option<usize> {
    let from = from.max(1);
    let searched = text.get(from - 1..)?;
    memchr::memchr_iter(b'\n', searched)
        .map(|i| from + i)
        .find(|&at| text.get(at).is_some_and(u8::is_ascii_digit))
}

/// The merge of the parts into the profile, in text order.
struct Merge {
    detail: Detail,
    /// See [`KEPT`].
    kept: usize,
    /// Lines of the text before the next part.
    lines_before: usize,
    /// Each worker's functions, by its numbers: name, file and the
    /// profile's id once the profile has the function (a function gets its
    /// id when a new location first has a line in it, as in one pass).
    functions: Vec<Vec<WorkerFunction>>,
    /// The profile's ids of the part's locations (reused).
    ids: Vec<u32>,
    /// Set by the part whose records stopped at a line.
    tail: Option<Vec<u8>>,
}

struct WorkerFunction {
    name: Box<str>,
    file: Box<str>,
    id: Option<FunctionId>,
    /// Read for [`Detail::Functions`], the location whose one line is in
    /// the function, once the profile has it.
    alone: Option<u32>,
}

impl Merge {
    /// Adds a part, read from `block`, to `b`; past a stop, the block
    /// only joins the tail.
    fn take(
        &mut self,
        b: &mut Builder,
        mut part: Part,
        block: Vec<u8>,
        blocks: &mut Blocks<'_>,
    ) -> Result<(), ProfileError> {
        if let Some(tail) = &mut self.tail {
            append(tail, &block)?;
            blocks.give_back(block);
            return Ok(());
        }
        let worker = part.worker as usize;
        if self.functions.len() <= worker {
            self.functions.resize_with(worker + 1, Vec::new);
        }
        self.functions[worker].extend(part.new_functions.drain(..).map(|(name, file)| {
            WorkerFunction {
                name,
                file,
                id: None,
                alone: None,
            }
        }));
        b.absorb(
            &part,
            &mut self.functions[worker],
            &mut self.ids,
            self.detail,
            self.kept,
        )?;
        match part.end {
            PartEnd::Done => self.lines_before += part.lines_read,
            PartEnd::Stop(offset) => self.tail = Some(block[offset.min(block.len())..].to_vec()),
            PartEnd::Failed(e) => return Err(renumber(e, self.lines_before)),
        }
        blocks.give_back(block);
        Ok(())
    }
}

/// What a worker keeps from one block to the next.
struct Worker {
    id: u32,
    detail: Detail,
    /// The functions the worker met, by its numbers for them.
    functions: FunctionTable,
    /// The block's locations (emptied for each block, its room kept), by
    /// what tells them apart ([`PartLocation`]), hashed by `hasher`.
    locations: hashbrown::HashTable<u32>,
    /// Seeded at random, as the worker's functions are: the text chooses
    /// its pcs and names, and keys chosen to share a hash would make every
    /// lookup walk them.
    hasher: foldhash::fast::RandomState,
    /// The lines of the frame group being read (reused).
    lines: Vec<(u32, i64)>,
    /// Read for [`Detail::Functions`], by the worker's function number: the
    /// block's location whose one line is in the function, if the block
    /// numbered it (`blocks` was then the number of the block read).
    alone: Vec<(u32, u32)>,
    /// Blocks read, this one included.
    blocks: u32,
    /// How much the worker's last part held: the next part takes that
    /// room up front rather than grow to it (growing, which copies, was
    /// 2.6% of the CPU samples of `top` on the 100 MB text).
    room: Room,
}

/// The lengths of a part's lists.
#[derive(Default, Clone, Copy)]
struct Room {
    locations: usize,
    lines: usize,
    samples: usize,
    frames: usize,
    values: usize,
}

impl Worker {
    fn new(id: u32, detail: Detail) -> Self {
        Worker {
            id,
            detail,
            functions: FunctionTable::default(),
            locations: hashbrown::HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
            lines: Vec::new(),
            alone: Vec::new(),
            blocks: 0,
            room: Room::default(),
        }
    }
}

/// A location of a part: the pc it is at, whether comments named it and its
/// lines in [`Part::lines`], all three telling it from others. A record's
/// frames are named by its own comments: a pc two records name otherwise
/// (which only a forged or damaged text does) is two locations. Read for
/// [`Detail::Functions`], pc and line numbers are 0 and the flag false: a
/// location is its functions.
struct PartLocation {
    pc: u64,
    symbolized: bool,
    lines: Range<u32>,
}

impl PartLocation {
    /// Its lines, of its part's `lines`.
    fn lines_in<'a>(&self, lines: &'a [(u32, i64)]) -> &'a [(u32, i64)] {
        lines
            .get(self.lines.start as usize..self.lines.end as usize)
            .unwrap_or_default()
    }
}

/// How reading a part ended.
enum PartEnd {
    /// At the part's end.
    Done,
    /// At a line that ends the records: its offset in the block.
    Stop(usize),
    /// At a bad record line (numbered within the part).
    Failed(ProfileError),
}

/// The samples of one block of the text, with locations numbered within
/// the part and functions by the worker's numbers.
pub(super) struct Part {
    /// The worker that read the part.
    worker: u32,
    /// Name and file of the functions the worker met first in this part,
    /// in the order it numbered them.
    new_functions: Vec<(Box<str>, Box<str>)>,
    locations: Vec<PartLocation>,
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

impl Part {
    /// Reads the records in `text`, a block of the text.
    fn read(text: &[u8], format: &impl Format, worker: &mut Worker) -> Part {
        // Blocks are of about one size: room for what the last one held,
        // and an eighth more.
        let room = |n: usize| n + n / 8;
        let last = worker.room;
        let mut part = Part {
            worker: worker.id,
            new_functions: Vec::new(),
            locations: Vec::with_capacity(room(last.locations)),
            lines: Vec::with_capacity(room(last.lines)),
            stack_ends: Vec::with_capacity(room(last.samples)),
            frames: Vec::with_capacity(room(last.frames)),
            values: Vec::with_capacity(room(last.values)),
            bytes: Vec::with_capacity(room(last.samples)),
            lines_read: 0,
            end: PartEnd::Done,
        };
        worker.locations.clear();
        worker.blocks = worker.blocks.wrapping_add(1);
        if worker.blocks == 0 {
            // What was numbered 2³² blocks ago would pass for this one's.
            worker.alone.clear();
            worker.blocks = 1;
        }
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
            // Nearly every line is a frame's comment: read on a path of its
            // own (a frame's comment never stops the records).
            if let Cow::Borrowed(l) = line
                && let Some(comment) = Comment::parse_frame(l)
            {
                if pending.open {
                    pending.comments.push(comment);
                }
                continue;
            }
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            if format.stops(trimmed) {
                part.end = PartEnd::Stop(at);
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
                part.add(&mut pending, worker);
            }
            pending.open = true;
            std::mem::swap(&mut pending.fields, &mut next);
            pending.comments.clear();
        }
        // A failed record's predecessor is not added: the single pass
        // adds a record only once the next one has been read.
        if pending.open && !matches!(part.end, PartEnd::Failed(_)) {
            part.add(&mut pending, worker);
        }
        part.lines_read = lines.number();
        worker.room = Room {
            locations: part.locations.len(),
            lines: part.lines.len(),
            samples: part.stack_ends.len(),
            frames: part.frames.len(),
            values: part.values.len(),
        };
        part
    }

    /// Adds a record as a sample: its stack symbolized from its comments.
    fn add<'a>(&mut self, r: &mut Pending<'a>, worker: &mut Worker) {
        // Which stack entry each comment describes (comments come in stack
        // order; several for one entry are the frames inlined at it).
        let finder = Finder::new(&r.fields.addresses);
        r.owners.clear();
        // The entry the last comment described, and its first comment.
        let mut current: Option<(usize, usize)> = None;
        for (i, c) in r.comments.iter().enumerate() {
            let cursor = current.map_or(0, |(entry, _)| entry);
            let (a, b) = (c.pc.wrapping_add(1), c.pc);
            let mut found = finder.first_of(a, b, cursor);
            // An entry's frames are of distinct functions, innermost first:
            // its first frame's function again starts the frames of the
            // next entry at the same pc (a function calling itself there),
            // if there is one.
            if let Some((entry, first)) = current
                && found == Some(entry)
                && r.comments[first].name == c.name
            {
                found = finder.first_of(a, b, entry + 1).or(found);
            }
            match found {
                Some(j) => {
                    r.owners.push(j as u32);
                    if current.is_none_or(|(entry, _)| entry != j) {
                        current = Some((j, i));
                    }
                }
                None => r.owners.push(u32::MAX),
            }
        }
        let any = current.is_some();
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
                // An entry at the pc of the one before is that pc called
                // again, never a frame inlined into it.
                let address = |entry: u32| r.fields.addresses.get(entry as usize);
                let joins = starts_entry
                    && previous.is_some_and(|(o, last)| {
                        address(o) != address(owner)
                            && inlined_into(&r.comments[last], &r.comments[i])
                    });
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
            let location = self.location(pc, &r.members[members], &r.comments, worker);
            self.frames.push(location);
        }
        self.stack_ends.push(self.frames.len());
        self.values.extend_from_slice(&r.fields.values);
        self.bytes.push(r.fields.bytes);
    }

    /// The location of one frame group: `members` (indexes into `comments`)
    /// innermost first, all at `pc` (the group's leaf pc).
    fn location(
        &mut self,
        pc: u64,
        members: &[u32],
        comments: &[Comment<'_>],
        worker: &mut Worker,
    ) -> u32 {
        let full = worker.detail == Detail::Full;
        let (pc, symbolized) = if full {
            (pc, !members.is_empty())
        } else {
            (0, false)
        };
        worker.lines.clear();
        for &m in members {
            let c = &comments[m as usize];
            // An unnamed frame is no line (a line needs a function, as a
            // proto's must for pprof): the location keeps its address.
            if c.name.is_empty() {
                continue;
            }
            let (function, new) = worker.functions.find_or_add(&c.name, &c.file);
            if new {
                self.new_functions
                    .push((c.name.as_ref().into(), c.file.as_ref().into()));
            }
            worker.lines.push((function, if full { c.line } else { 0 }));
        }
        // Most locations read for functions are one function's, found by
        // it; the others by all that tells them apart.
        match worker.lines[..] {
            [(f, _)] if !full => {
                let f = f as usize;
                if let Some(&(block, i)) = worker.alone.get(f)
                    && block == worker.blocks
                {
                    return i;
                }
                if worker.alone.len() <= f {
                    worker.alone.resize(f + 1, (0, 0));
                }
                let i = self.push_location(pc, symbolized, &worker.lines);
                worker.alone[f] = (worker.blocks, i);
                i
            }
            _ => {
                let (locations, lines) = (&self.locations, &self.lines);
                let hash = worker.hasher.hash_one((pc, symbolized, &worker.lines[..]));
                let same = |&i: &u32| {
                    let l = &locations[i as usize];
                    l.pc == pc && l.symbolized == symbolized && l.lines_in(lines) == worker.lines
                };
                if let Some(&i) = worker.locations.find(hash, same) {
                    return i;
                }
                let i = self.push_location(pc, symbolized, &worker.lines);
                let (locations, lines, hasher) = (&self.locations, &self.lines, &worker.hasher);
                worker.locations.insert_unique(hash, i, |&i| {
                    let l = &locations[i as usize];
                    hasher.hash_one((l.pc, l.symbolized, l.lines_in(lines)))
                });
                i
            }
        }
    }

    /// Adds a location at `pc` holding `lines`; returns its index.
    fn push_location(&mut self, pc: u64, symbolized: bool, lines: &[(u32, i64)]) -> u32 {
        let i = self.locations.len() as u32;
        let start = self.lines.len() as u32;
        self.lines.extend_from_slice(lines);
        self.locations.push(PartLocation {
            pc,
            symbolized,
            lines: start..self.lines.len() as u32,
        });
        i
    }
}

/// A worker's functions, told apart by name and file: both kept side by
/// side in one buffer, so that the comparison a lookup ends with reads
/// memory the lookups keep warm (not keys scattered over the heap), and
/// found by a hash of both. A function's entry in the table says where its
/// name and file are in the buffer: a lookup reads the entry, then the
/// name and file (not also a list of where each function is).
#[derive(Default)]
struct FunctionTable {
    /// Each function's name then file.
    text: String,
    /// The functions by name and file, numbered as they were met.
    table: hashbrown::HashTable<Entry>,
    /// Hashes names and files, seeded at random (see [`Worker::hasher`]).
    hasher: foldhash::fast::RandomState,
}

/// A function of a [`FunctionTable`], and where its name and file are.
#[derive(Clone, Copy)]
struct Entry {
    function: u32,
    start: usize,
    name_end: usize,
    file_end: usize,
}

impl FunctionTable {
    /// The number of the function named `name` in `file`, and whether it
    /// is new.
    fn find_or_add(&mut self, name: &str, file: &str) -> (u32, bool) {
        // Name and file are written each with an end (`str`'s hash).
        let hash = self.hasher.hash_one((name, file));
        let text = self.text.as_bytes();
        let same = |e: &Entry| {
            text.get(e.start..e.name_end) == Some(name.as_bytes())
                && text.get(e.name_end..e.file_end) == Some(file.as_bytes())
        };
        if let Some(e) = self.table.find(hash, same) {
            return (e.function, false);
        }
        let f = self.table.len() as u32;
        let start = self.text.len();
        self.text.push_str(name);
        let name_end = self.text.len();
        self.text.push_str(file);
        let file_end = self.text.len();
        let entry = Entry {
            function: f,
            start,
            name_end,
            file_end,
        };
        let (text, hasher) = (&self.text, &self.hasher);
        self.table.insert_unique(hash, entry, |e| {
            let name = text.get(e.start..e.name_end).unwrap_or_default();
            let file = text.get(e.name_end..e.file_end).unwrap_or_default();
            hasher.hash_one((name, file))
        });
        (f, true)
    }
}

impl Builder {
    /// Adds a part's samples, giving its locations not met before the next
    /// ids in the order the part met them, and each function the next id
    /// when a new location first has a line in it. `functions` are the
    /// part's worker's; `ids` is scratch room; read for functions, the
    /// lines of `kept` locations at most are filed ([`KEPT`]).
    fn absorb(
        &mut self,
        part: &Part,
        functions: &mut [WorkerFunction],
        ids: &mut Vec<u32>,
        detail: Detail,
        kept: usize,
    ) -> Result<(), ProfileError> {
        ids.clear();
        let lines_of = |l: &PartLocation| l.lines_in(&part.lines);
        match detail {
            Detail::Full => {
                for batch in part.locations.chunks(BATCH) {
                    let keys = batch.iter().map(|l| (l.pc, l.symbolized));
                    std::hint::black_box(self.location_index.look_ahead(keys));
                    for location in batch {
                        let (pc, named, lines) =
                            (location.pc, location.symbolized, lines_of(location));
                        let next = self.locations.len() as u32;
                        let locations = &self.locations;
                        let found = self
                            .location_index
                            .find_or_add(pc, named, next, |i| locations[i as usize].address);
                        if found.is_some() {
                            self.know(lines, functions);
                        }
                        ids.push(match found {
                            None => self.push_part_location(pc, lines, functions)?,
                            Some(first) if self.has_lines(first, lines, functions) => first,
                            // The pc named otherwise by an earlier record.
                            Some(_) => self.by_lines(pc, named, lines, functions, true)?,
                        });
                    }
                }
            }
            Detail::Functions => {
                for location in &part.locations {
                    let lines = lines_of(location);
                    // Most locations are one function's: found by it.
                    let alone = match lines {
                        &[(f, _)] => functions.get(f as usize).and_then(|wf| wf.alone),
                        _ => None,
                    };
                    // The others by their lines, while the table has room.
                    let filing = self.by_lines.len() < kept;
                    let id = match alone {
                        Some(id) => id,
                        None if filing || lines.len() == 1 => {
                            self.by_lines(0, false, lines, functions, filing)?
                        }
                        None => self.push_part_location(0, lines, functions)?,
                    };
                    if let &[(f, _)] = lines
                        && let Some(wf) = functions.get_mut(f as usize)
                    {
                        wf.alone = Some(id);
                    }
                    ids.push(id);
                }
            }
        }
        let mut start = 0;
        for &end in &part.stack_ends {
            self.frames
                .extend(part.frames[start..end].iter().map(|&l| ids[l as usize]));
            start = end;
            self.stack_ends.push(self.frames.len());
        }
        self.values.extend_from_slice(&part.values);
        for &bytes in &part.bytes {
            self.push_label(bytes);
        }
        Ok(())
    }

    /// A new location at `pc` with a part's `lines` (by the worker's
    /// function numbers), each function given the next id when it is first
    /// in a line.
    fn push_part_location(
        &mut self,
        pc: u64,
        lines: &[(u32, i64)],
        functions: &mut [WorkerFunction],
    ) -> Result<u32, ProfileError> {
        let start = self.lines.len();
        for &(f, line) in lines {
            // The worker numbered its functions as it met them.
            let Some(wf) = functions.get_mut(f as usize) else {
                continue;
            };
            let function = match wf.id {
                Some(g) => g,
                None => {
                    let g = self.function(&wf.name, &wf.file)?;
                    wf.id = Some(g);
                    g
                }
            };
            self.push_line(function, line);
        }
        self.push_location(pc, start)
    }

    /// Gives the functions of a part's `lines` that the profile has,
    /// though their worker did not add them, their ids: so that the
    /// locations they are in are found ([`Builder::has_lines`]).
    fn know(&self, lines: &[(u32, i64)], functions: &mut [WorkerFunction]) {
        for &(f, _) in lines {
            if let Some(wf) = functions.get_mut(f as usize)
                && wf.id.is_none()
            {
                wf.id = self.find_function(&wf.name, &wf.file);
            }
        }
    }

    /// Whether location `l` holds a part's `lines` (by the worker's
    /// function numbers).
    fn has_lines(&self, l: u32, lines: &[(u32, i64)], functions: &[WorkerFunction]) -> bool {
        let have = self.lines_of(l);
        have.len() == lines.len()
            && have.iter().zip(lines).all(|(have, &(f, line))| {
                have.line == line
                    && have.function.is_some()
                    && functions.get(f as usize).and_then(|wf| wf.id) == have.function
            })
    }

    fn lines_of(&self, l: u32) -> &[crate::profile::Line] {
        self.locations
            .get(l as usize)
            .and_then(|l| self.lines.get(l.lines.start as usize..l.lines.end as usize))
            .unwrap_or_default()
    }

    /// The hash [`Builder::by_lines`] files a location under: its lines
    /// (by the profile's function ids), pc and flag.
    fn key_hash(
        &self,
        pc: u64,
        named: bool,
        lines: impl Iterator<Item = (Option<FunctionId>, i64)>,
    ) -> u64 {
        let mut h = self.key_hasher.build_hasher();
        for (function, line) in lines {
            h.write_u32(function.map_or(u32::MAX, |f| f.index() as u32));
            h.write_i64(line);
        }
        h.write_u64(pc);
        h.write_u8(u8::from(named));
        h.finish()
    }

    /// The location at `pc` (`named`: comments named it) holding a part's
    /// `lines`, found among those [`Builder::by_lines`] holds or made (and,
    /// if `filing`, filed there).
    fn by_lines(
        &mut self,
        pc: u64,
        named: bool,
        lines: &[(u32, i64)],
        functions: &mut [WorkerFunction],
        filing: bool,
    ) -> Result<u32, ProfileError> {
        self.know(lines, functions);
        // A function with no id yet is in no location: the location is new.
        let id = |f: u32| functions.get(f as usize).and_then(|wf| wf.id);
        let known = lines
            .iter()
            .all(|&(f, _)| id(f).is_some())
            .then(|| self.key_hash(pc, named, lines.iter().map(|&(f, line)| (id(f), line))));
        if let Some(hash) = known {
            let found = self.by_lines.find(hash, |&(filed, k)| {
                let l = k & !NAMED;
                // The whole hash first: the location is read only when it
                // is likely the one.
                filed == hash
                    && (k & NAMED != 0) == named
                    && self
                        .locations
                        .get(l as usize)
                        .is_some_and(|l| l.address == pc)
                    && self.has_lines(l, lines, functions)
            });
            if let Some(&(_, k)) = found {
                return Ok(k & !NAMED);
            }
        }
        let l = self.push_part_location(pc, lines, functions)?;
        if !filing {
            return Ok(l);
        }
        // Its lines by the profile's ids, known now if not before.
        let hash = known.unwrap_or_else(|| {
            let lines = self
                .lines_of(l)
                .iter()
                .map(|line| (line.function, line.line));
            self.key_hash(pc, named, lines)
        });
        self.by_lines
            .insert_unique(hash, (hash, key(named, l)), |&(hash, _)| hash);
        Ok(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` as a stream read in pieces of `chunk` bytes.
    fn stream(text: &[u8], chunk: usize) -> Input<'static> {
        let chunks: Vec<_> = text.chunks(chunk).map(|c| Ok(c.to_vec())).collect();
        Input::new(Box::new(chunks.into_iter()), u64::MAX, drop)
    }

    /// The blocks `text` is cut in from `start`, at about `size` bytes,
    /// read in pieces of `chunk` bytes.
    fn cut(text: &[u8], start: usize, size: usize, chunk: usize) -> Vec<String> {
        let mut input = stream(text, chunk);
        input.read_all().unwrap();
        let mut blocks = Blocks {
            carry: input.take_held(),
            at: start,
            input: stream(&text[text.len()..], 1),
            size,
            spare: Vec::new(),
        };
        // The same text streamed: the carried bytes are read as they come.
        if chunk > 1 {
            blocks.carry.clear();
            blocks.input = stream(&text[start..], chunk);
            blocks.at = 0;
        }
        std::iter::from_fn(|| blocks.next().unwrap())
            .map(|b| String::from_utf8(b).unwrap())
            .collect()
    }

    #[test]
    fn blocks_end_before_record_lines() {
        let text = b"h\n1 @ 0x1\n# c\n22 @ 0x2\n#d\n\n3 @ 0x3\n";
        let records = ["1 @ 0x1\n# c\n", "22 @ 0x2\n#d\n\n", "3 @ 0x3\n"];
        for chunk in [1, 2, 3, 5, 100] {
            assert_eq!(cut(text, 2, 1, chunk), records, "in pieces of {chunk}");
            assert_eq!(
                cut(text, 2, 13, chunk),
                [records[0..2].concat(), records[2].into()]
            );
            assert_eq!(cut(text, 2, 1000, chunk), [records.concat()]);
        }
        // No record line past the header: one block; none past the text.
        assert_eq!(
            cut(b"h\n# only\n# comments", 2, 1, 3),
            ["# only\n# comments"]
        );
        assert!(cut(b"h", 1, 4, 1).is_empty());
        assert_eq!(record_start(b"h\n1", 3), None);
        assert_eq!(record_start(b"h\n1", 2), Some(2));
        assert_eq!(record_start(b"h\n", 2), None);
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

    /// The profile read in blocks of about `block` bytes from pieces of
    /// `chunk` bytes, or the error, as text.
    fn read_in(text: &[u8], block: usize, chunk: usize) -> String {
        read_in_for(text, block, chunk, Detail::Full)
    }

    /// [`read_in`] for `detail`.
    fn read_in_for(text: &[u8], block: usize, chunk: usize, detail: Detail) -> String {
        let sizes = Sizes { block, kept: KEPT };
        match super::super::parse_in(stream(text, chunk), sizes, detail) {
            Ok(p) => format!("{p:?}"),
            Err(e) => format!("error: {e:?}"),
        }
    }

    #[test]
    fn blocks_read_what_one_pass_reads() {
        for name in TEXTS {
            let text = testdata(name);
            let one = read_in(&text, usize::MAX, text.len());
            assert!(!one.starts_with("error"), "{name}: {one}");
            for (block, chunk) in [(1, 4096), (7, 13), (300, 1), (4096, 100), (1 << 20, 65536)] {
                assert_eq!(
                    read_in(&text, block, chunk),
                    one,
                    "{name} in blocks of {block} from pieces of {chunk}"
                );
            }
            // Every text with two records or more is cut in several (the
            // test can fail).
            let header_end = memchr::memchr(b'\n', &text).unwrap() + 1;
            let records = text[header_end..]
                .split(|&b| b == b'\n')
                .filter(|l| l.first().is_some_and(u8::is_ascii_digit))
                .count();
            let blocks = cut(&text, header_end, 1, 4096).len();
            assert!(
                blocks >= records,
                "{name}: {blocks} blocks, {records} records"
            );
        }
        let heap = read_in(&testdata("legacy/heap-1.debug1.txt"), 7, 64);
        assert!(heap.contains("HeapInuse"), "the MemStats block is read");
    }

    /// The profile read for `detail` in blocks of about `block` bytes.
    fn read_for(text: &[u8], block: usize, detail: Detail) -> crate::profile::Profile {
        read_keeping(text, block, KEPT, detail)
    }

    /// [`read_for`], filing the lines of `kept` locations at most.
    fn read_keeping(
        text: &[u8],
        block: usize,
        kept: usize,
        detail: Detail,
    ) -> crate::profile::Profile {
        let sizes = Sizes { block, kept };
        super::super::parse_in(stream(text, 4096), sizes, detail).unwrap()
    }

    /// Each sample's frames, leaf first, as `function file:line` (or the
    /// address of a frame with no function), with its values and labels.
    fn samples_of(p: &crate::profile::Profile, lines: bool) -> Vec<(Vec<String>, String)> {
        (0..p.samples().len())
            .map(|i| {
                let frames = p.samples().stack(i).flat_map(|l| {
                    let location = p.location(l);
                    let named = p.lines(location).iter().map(|line| {
                        let f = p.function(line.function.unwrap());
                        let (name, file) = (p.string(f.name), p.string(f.filename));
                        if lines {
                            format!("{name} {file}:{}", line.line)
                        } else {
                            format!("{name} {file}")
                        }
                    });
                    let unnamed = p.lines(location).is_empty().then(|| {
                        let address = if lines { location.address } else { 0 };
                        format!("{address:#x}")
                    });
                    named.chain(unnamed).collect::<Vec<_>>()
                });
                let facts = format!("{:?} {:?}", p.samples().values(i), p.samples().labels(i));
                (frames.collect(), facts)
            })
            .collect()
    }

    #[test]
    fn a_pc_named_otherwise_by_another_record_is_another_location() {
        // 0x1010 is main.a at a.go:1, then main.b, then main.a again, then
        // main.a at another line: three locations there, the third record
        // the first one's.
        let text = "heap profile: 4: 32 [4: 32] @ heap/2\n\
            1: 8 [1: 8] @ 0x1011 0x3011\n#\t0x1010\tmain.a+0x10\ta.go:1\n#\t0x3010\tmain.main+0x10\tm.go:9\n\n\
            1: 8 [1: 8] @ 0x1011 0x3011\n#\t0x1010\tmain.b+0x10\tb.go:2\n#\t0x3010\tmain.main+0x10\tm.go:9\n\n\
            1: 8 [1: 8] @ 0x1011 0x3011\n#\t0x1010\tmain.a+0x10\ta.go:1\n#\t0x3010\tmain.main+0x10\tm.go:9\n\n\
            1: 8 [1: 8] @ 0x1011 0x3011\n#\t0x1010\tmain.a+0x10\ta.go:5\n#\t0x3010\tmain.main+0x10\tm.go:9\n";
        let main = "main.main m.go:9";
        for block in [1, 60, 200, usize::MAX] {
            let p = read_for(text.as_bytes(), block, Detail::Full);
            let frames: Vec<Vec<String>> =
                samples_of(&p, true).into_iter().map(|(f, _)| f).collect();
            assert_eq!(
                frames,
                [
                    ["main.a a.go:1", main],
                    ["main.b b.go:2", main],
                    ["main.a a.go:1", main],
                    ["main.a a.go:5", main],
                ],
                "blocks of {block}"
            );
            assert_eq!(p.locations().len(), 4, "blocks of {block}");
            let leaf = |p: &crate::profile::Profile, i| p.samples().stack(i).next().unwrap();
            assert_eq!(leaf(&p, 0), leaf(&p, 2));
            assert!(p.locations().iter().all(|l| l.address != 0));
            // For functions, the lines go: main.a is one location.
            let p = read_for(text.as_bytes(), block, Detail::Functions);
            assert_eq!(p.locations().len(), 3, "blocks of {block}");
            assert_eq!((leaf(&p, 0), leaf(&p, 3)), (leaf(&p, 2), leaf(&p, 2)));
        }
    }

    #[test]
    fn a_read_for_functions_names_every_sample_alike() {
        let header = "heap profile: 1: 8 [1: 8] @ heap/2\n";
        // Unnamed frames, a pc named and not, inlined frames, a function
        // calling itself at one pc.
        let odd = format!(
            "{header}1: 8 [1: 8] @ 0x1011 0x2011 0x9011\n#\t0x1010\tmain.f+0x10\tf.go:1\n\n\
             2: 16 [2: 16] @ 0x1011 0x2011\n\n\
             1: 8 [1: 8] @ 0x2011 0x2011 0x3011\n#\t0x2010\tmain.h+0x10\tf.go:2\n\
             #\t0x2010\tmain.g+0x10\tf.go:3\n#\t0x2010\tmain.h+0x10\tf.go:2\n\
             #\t0x2010\tmain.g+0x10\tf.go:3\n#\t0x3010\tmain.k+0x10\tk.go:4\n\n\
             1: 8 [1: 8] @ 0x4011 0x3011\n#\t0x4010\t+0x10\tf.go:2\n#\t0x3010\tmain.k+0x10\tk.go:4\n\n\
             1: 8 [1: 8] @ 0x5011 0x3011\n#\t0x5010\tmain.f+0x10\tg.go:1\n#\t0x3010\tmain.k+0x10\tk.go:4\n"
        );
        let texts: Vec<Vec<u8>> = TEXTS
            .iter()
            .map(|name| testdata(name))
            .chain([odd.into_bytes()])
            .collect();
        for text in &texts {
            let whole = read_for(text, usize::MAX, Detail::Full);
            let once = read_for(text, usize::MAX, Detail::Functions);
            assert_eq!(samples_of(&once, false), samples_of(&whole, false));
            assert!(once.locations().len() <= whole.locations().len());
            assert!(once.locations().iter().all(|l| l.address == 0));
            assert!(once.lines.iter().all(|l| l.line == 0));
            for block in [1, 300, 4096] {
                let cut = read_for(text, block, Detail::Functions);
                assert_eq!(format!("{cut:?}"), format!("{once:?}"), "blocks of {block}");
                // Past the locations filed, the samples are named alike.
                for kept in [0, 1, 3] {
                    let cut = read_keeping(text, block, kept, Detail::Functions);
                    assert_eq!(samples_of(&cut, false), samples_of(&whole, false));
                }
            }
        }
    }

    #[test]
    fn past_the_locations_filed_a_chain_met_again_is_another_location() {
        // main.f inlined into main.g at two records' leaves: one location
        // of two lines, filed; and main.k alone.
        let record = "1: 8 [1: 8] @ 0x1011 0x3011\n#\t0x1010\tmain.f+0x10\tf.go:1\n\
            #\t0x1010\tmain.g+0x10\tg.go:2\n#\t0x3010\tmain.k+0x10\tk.go:4\n\n";
        let text = format!("heap profile: 2: 16 [2: 16] @ heap/2\n{record}{record}");
        let chains = |p: &crate::profile::Profile| {
            let lines = p.locations().iter().map(|l| p.lines(l).len());
            lines.filter(|&n| n == 2).count()
        };
        // Each record a block of its own: a second part meets the chain.
        for (kept, expected) in [(KEPT, 1), (3, 1), (1, 2), (0, 2)] {
            let p = read_keeping(text.as_bytes(), 1, kept, Detail::Functions);
            assert_eq!(chains(&p), expected, "{kept} kept");
            assert_eq!(p.locations().len(), 1 + expected, "{kept} kept");
            let whole = read_for(text.as_bytes(), 1, Detail::Full);
            assert_eq!(samples_of(&p, false), samples_of(&whole, false));
        }
    }

    #[test]
    fn cut_texts_read_alike_in_blocks() {
        // A record cut anywhere (inside a line, a number, a character,
        // before its comments), with and without a final newline.
        for name in TEXTS.iter().filter(|n| !n.contains("heap-3")) {
            let text = testdata(name);
            // Not a multiple of any line's length: cuts fall all over lines.
            let step = (text.len() / 31).max(1) | 1;
            for end in (0..text.len()).step_by(step).chain([text.len() - 1]) {
                let cut = &text[..end];
                assert_eq!(
                    read_in(cut, 5, 77),
                    read_in(cut, usize::MAX, cut.len().max(1)),
                    "{name} cut at {end}"
                );
            }
        }
    }

    #[test]
    fn what_follows_a_stop_is_read_whole_in_any_blocks() {
        // Record-like lines after the MemStats header and in a memory map
        // start blocks of their own: the tail gathers them back.
        let records = "heap profile: 2: 16 [2: 16] @ heap/2\n\
            1: 8 [1: 8] @ 0x1011\n#\t0x1010\tmain.f+0x10\tf.go:2\n\n\
            1: 8 [1: 8] @ 0x2011\n#\t0x2010\tmain.g+0x10\tg.go:3\n\n";
        let memstats = format!(
            "{records}# runtime.MemStats\n# Alloc = 5\n7: 8 [9: 10] @ 0x1\n# HeapInuse = 9\n\
             12 more\n# NumGC = 3\n"
        );
        let map =
            format!("{records}--- Memory map: ---\n00400000-00401000 r-xp 0 0:0 0 /bin/x\n1 2\n");
        for text in [memstats.as_str(), map.as_str()] {
            let text = text.as_bytes();
            let one = read_in(text, usize::MAX, text.len());
            assert!(!one.starts_with("error"), "{one}");
            for (block, chunk) in [(1, 1), (1, 5), (10, 3), (40, 1000)] {
                assert_eq!(read_in(text, block, chunk), one, "blocks of {block}");
            }
        }
        let one = read_in(memstats.as_bytes(), usize::MAX, memstats.len());
        for field in ["Alloc", "HeapInuse", "NumGC"] {
            assert!(one.contains(field), "{field} in {one}");
        }
    }

    #[test]
    fn a_last_line_without_its_break_reads_as_with_it() {
        // A header alone without its break once started the records past
        // the end of the text (a panic).
        for name in TEXTS {
            let text = testdata(name);
            let ends = memchr::memchr_iter(b'\n', &text).take(40);
            for end in ends.chain([text.len() - 1]) {
                let with = read_in(&text[..=end], usize::MAX, end + 1);
                for (block, chunk) in [(usize::MAX, end.max(1)), (1, 7)] {
                    assert_eq!(
                        read_in(&text[..end], block, chunk),
                        with,
                        "{name} cut at byte {end}, in blocks of {block} from pieces of {chunk}"
                    );
                }
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
            assert_eq!(
                read_in(&crlf, 100, 1000),
                read_in(&text, usize::MAX, text.len()),
                "{name}"
            );
        }
    }

    #[test]
    fn hostile_texts_fail_alike_in_blocks() {
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
        // Blanks longer than the head before the header.
        let blank_head = format!("{}{header}1: 8 [1: 8] @ 0x1\n", "\n".repeat(100_000));
        for (text, want) in [
            (long.as_str(), "Ok"),
            (comments.as_str(), "Ok"),
            (only_comments.as_str(), "UnknownText"),
            (bad_late.as_str(), "line: 5002"),
            (blank_head.as_str(), "Ok"),
        ] {
            let text = text.as_bytes();
            for detail in [Detail::Full, Detail::Functions] {
                let one = read_in_for(text, usize::MAX, text.len(), detail);
                assert!(
                    one.contains(want) || want == "Ok" && !one.starts_with("error"),
                    "{one:.200}"
                );
                for (block, chunk) in [(2, 1000), (8, 7), (1 << 16, 4096)] {
                    assert_eq!(read_in_for(text, block, chunk, detail), one);
                }
            }
        }
    }
}
