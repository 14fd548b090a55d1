//! The filtered view of a profile's samples at a chosen granularity.
//!
//! [`Stacks`] maps every location once to its frames (graph nodes, leaf
//! first), applying the user's filters the way `go tool pprof` does, then walks samples without allocating. Every
//! report — the top table, call trees, flame graphs, diffs — is built from
//! this walk, so they all agree on what a node is.
//!
//! It is one file because it is one representation: the node interner, the
//! per-location filter flags and the packed frame words (`pack`, `NO_FRAME`,
//! `MORE_BIT`) are written by the builder and read by the walk, and none of
//! them should be visible outside it.

use foldhash::HashMap;
use std::fmt;
use std::hash::BuildHasher;
use std::str::FromStr;

use regex::Regex;

use std::ops::Range;

use super::cancel::{CHECK_EVERY, Cancel};
use super::filter::Filters;
use super::names::{Demangle, shown_names};
use crate::profile::{Detail, FunctionId, Label, Location, MappingId, Profile};

/// How frames are grouped into nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Granularity {
    /// One node per function (pprof's default).
    #[default]
    Functions,
    /// Per function and source file.
    FileFunctions,
    /// Per source file.
    Files,
    /// Per source line.
    Lines,
    /// Per instruction address (with inlined frames kept apart).
    Addresses,
    /// Per whole stack: nodes are functions, and reports group samples by
    /// their entire stack (one row per distinct goroutine stack, say).
    Stacks,
}

impl Granularity {
    pub const ALL: [Granularity; 6] = [
        Granularity::Functions,
        Granularity::FileFunctions,
        Granularity::Files,
        Granularity::Lines,
        Granularity::Addresses,
        Granularity::Stacks,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Functions => "functions",
            Granularity::FileFunctions => "filefunctions",
            Granularity::Files => "files",
            Granularity::Lines => "lines",
            Granularity::Addresses => "addresses",
            Granularity::Stacks => "stacks",
        }
    }

    /// What of each location a report at this granularity reads: its
    /// functions alone unless lines or addresses are shown.
    pub fn detail(self) -> Detail {
        let keep = self.keeps();
        if keep.line || keep.address {
            Detail::Full
        } else {
            Detail::Functions
        }
    }

    /// Which location facts survive aggregation at this granularity
    /// (pprof's `Profile.Aggregate`).
    fn keeps(self) -> Keep {
        let (function, filename, line, address) = match self {
            Granularity::Functions | Granularity::Stacks => (true, false, false, false),
            Granularity::FileFunctions => (true, true, false, false),
            Granularity::Files => (false, true, false, false),
            Granularity::Lines => (true, true, true, false),
            Granularity::Addresses => (true, true, true, true),
        };
        Keep {
            function,
            filename,
            line,
            address,
        }
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Granularity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Granularity::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| format!("unknown granularity '{s}' (use functions, filefunctions, files, lines, addresses or stacks)"))
    }
}

#[derive(Clone, Copy)]
struct Keep {
    function: bool,
    filename: bool,
    line: bool,
    address: bool,
}

/// Index of a node in [`Stacks::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What identifies a node: pprof's `NodeInfo`, after aggregation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NodeInfo {
    pub name: String,
    pub file: String,
    pub start_line: i64,
    pub line: i64,
    pub address: u64,
    pub objfile: String,
}

impl NodeInfo {
    /// The name pprof prints for this node: `[address] [function] [file[:line]]`.
    pub fn printable_name(&self) -> String {
        let mut parts: Vec<String> = Vec::with_capacity(3);
        if self.address != 0 {
            parts.push(format!("{:016x}", self.address));
        }
        if !self.name.is_empty() {
            parts.push(self.name.clone());
        }
        if self.line != 0 {
            parts.push(format!("{}:{}", self.file, self.line));
        } else if !self.file.is_empty() {
            parts.push(self.file.clone());
        } else if !self.name.is_empty() {
        } else if !self.objfile.is_empty() {
            let base = self.objfile.rsplit('/').next().unwrap_or(&self.objfile);
            parts.push(format!("[{base}]"));
        } else {
            parts.push("<unknown>".to_owned());
        }
        parts.join(" ")
    }
}

// A location's frames are packed so that the common single-frame location
// costs one 4-byte read in the sample walk (a random access into a table of
// hundreds of thousands of locations is the walk's main cost), and any other
// two dependent ones: `leaves[l]` is either the location's only frame — node
// id in the low 30 bits, then a clear "several frames" bit and an "inlined"
// bit — or, with the "several frames" bit set, the offset in `extra` of a
// count followed by the frames, innermost first; or NO_FRAME when filters
// hid the whole location. The decoder's limit on locations and lines
// (`profile::MAX_FRAMES`) keeps node ids and offsets below 2^30.
const NO_FRAME: u32 = u32::MAX;
const INLINE_BIT: u32 = 1 << 31;
const MORE_BIT: u32 = 1 << 30;
const NODE_MASK: u32 = MORE_BIT - 1;

/// The most nodes a view can have (node ids share a word with two flags).
pub const MAX_NODES: usize = NODE_MASK as usize;

fn pack(frame: Frame) -> u32 {
    frame.node.0 | if frame.inline { INLINE_BIT } else { 0 }
}

fn unpack(packed: u32) -> Frame {
    Frame {
        node: NodeId(packed & NODE_MASK),
        inline: packed & INLINE_BIT != 0,
    }
}

/// A kept sample's stack, read in place: its locations (leaf first), each
/// expanded to its frames on the fly.
#[derive(Clone, Copy)]
pub struct StackRef<'s> {
    stacks: &'s Stacks<'s>,
    locations: &'s [u32],
}

impl<'s> StackRef<'s> {
    /// Frames from the leaf (innermost) to the root.
    pub fn leaf_first(self) -> impl Iterator<Item = Frame> + 's {
        let stacks = self.stacks;
        self.locations
            .iter()
            .flat_map(move |&l| stacks.location_frames(l).iter().copied().map(unpack))
    }

    /// The stack's locations, from the root to the leaf.
    pub(crate) fn locations_root_first(self) -> impl Iterator<Item = u32> + 's {
        self.locations.iter().rev().copied()
    }

    /// Frames from the root (outermost) to the leaf.
    pub fn root_first(self) -> impl Iterator<Item = Frame> + 's {
        let stacks = self.stacks;
        self.locations_root_first()
            .flat_map(move |l| stacks.frames_root_first(l))
    }

    /// Calls `visit` on every frame from the root to the leaf: the sample
    /// walk's hot loop. The packed entries of all locations are gathered
    /// into `scratch` first, then the frames of those with several are
    /// touched, each in a tight loop whose independent loads the CPU can
    /// overlap, before the dependent work reads them.
    pub(crate) fn visit_root_first(self, scratch: &mut Vec<u32>, mut visit: impl FnMut(Frame)) {
        self.visit_root_first_in_blocks(scratch, |frame, _| visit(frame));
    }

    /// [`StackRef::visit_root_first`], also passing each frame's block: the
    /// frames of one location with several of them (inlined calls) share a
    /// block id, unique to that location and below [`Stacks::block_count`];
    /// frames of single-frame locations get [`NO_BLOCK`].
    pub(crate) fn visit_root_first_in_blocks(
        self,
        scratch: &mut Vec<u32>,
        mut visit: impl FnMut(Frame, u32),
    ) {
        let stacks = self.stacks;
        scratch.clear();
        scratch.extend(self.locations.iter().map(|&l| stacks.leaves[l as usize]));
        let mut counts = 0u32;
        for &packed in scratch.iter() {
            if packed != NO_FRAME && packed & MORE_BIT != 0 {
                counts = counts.wrapping_add(stacks.extra[(packed & NODE_MASK) as usize]);
            }
        }
        std::hint::black_box(counts);
        for &packed in scratch.iter().rev() {
            if packed == NO_FRAME {
                continue;
            }
            if packed & MORE_BIT != 0 {
                let block = packed & NODE_MASK;
                for &frame in stacks.block_frames(block).iter().rev() {
                    visit(unpack(frame), block);
                }
            } else {
                visit(unpack(packed), NO_BLOCK);
            }
        }
    }
}

/// The block of a frame from a single-frame location.
pub(crate) const NO_BLOCK: u32 = u32::MAX;

/// One frame of a stack: a node, and whether it was inlined into its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub node: NodeId,
    pub inline: bool,
}

const FOCUSED: u8 = 1;
const IGNORED: u8 = 2;
const HIDDEN: u8 = 4;
/// Some frame of the location matched `hide`.
const HIDE_MATCHED: u8 = 8;
/// Some frame of the location was kept by `show`.
const SHOW_MATCHED: u8 = 16;

/// Which filters matched something, as pprof reports it ("Focus expression
/// matched no samples"): focus, ignore and hide match when some location
/// matches, show when some location keeps a frame, and the tag filters
/// when some sample that focus and ignore keep matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FilterMatches {
    pub focus: bool,
    pub ignore: bool,
    pub hide: bool,
    pub show: bool,
    pub tag_focus: bool,
    pub tag_ignore: bool,
}

/// Samples seen through filters at one granularity.
pub struct Stacks<'p> {
    profile: &'p Profile,
    granularity: Granularity,
    filters: Filters,
    nodes: Vec<NodeInfo>,
    /// Per location: its only frame, packed (see [`pack`]), or where its
    /// frames are in `extra`.
    leaves: Vec<u32>,
    extra: Vec<u32>,
    /// Per node: whether some location shows it inlined into a caller
    /// (only such nodes can get an inline suffix).
    inline_capable: Vec<bool>,
    /// Whether some location lost all its frames to hide/show.
    any_hidden: bool,
    /// Whether focus/ignore must be checked per sample.
    check_focus: bool,
    flags: Vec<u8>,
    /// Stops the walks through the view early (see [`super::cancel`]).
    cancel: Cancel,
}

impl<'p> Stacks<'p> {
    /// The view with function names as pprof shows them by default.
    pub fn new(profile: &'p Profile, granularity: Granularity, filters: &Filters) -> Stacks<'p> {
        Stacks::with_demangle(profile, granularity, filters, Demangle::default())
    }

    /// The view with function names demangled as `demangle` says (see
    /// [`super::names`]); filters match those names, as pprof's do.
    pub fn with_demangle(
        profile: &'p Profile,
        granularity: Granularity,
        filters: &Filters,
        demangle: Demangle,
    ) -> Stacks<'p> {
        Stacks::build(profile, granularity, filters, demangle, Cancel::default())
    }

    /// The view whose building and walks stop early once `cancel` is set:
    /// its results are then partial (see [`super::cancel`]). A view stopped
    /// while it was built sees no samples through the locations it did not
    /// reach and has fewer nodes than the whole view: node ids from
    /// elsewhere are not to be used on it once [`Stacks::cancelled`].
    pub fn cancellable(
        profile: &'p Profile,
        granularity: Granularity,
        filters: &Filters,
        cancel: Cancel,
    ) -> Stacks<'p> {
        Stacks::build(profile, granularity, filters, Demangle::default(), cancel)
    }

    fn build(
        profile: &'p Profile,
        granularity: Granularity,
        filters: &Filters,
        demangle: Demangle,
        cancel: Cancel,
    ) -> Stacks<'p> {
        // The profile's drop_frames/keep_frames are kept in the model but not
        // applied: `go tool pprof` (the oracle) does not prune proto input.
        let shown = shown_names(profile, demangle);
        let name_of = |f: FunctionId| -> &str {
            shown[f.index()]
                .as_deref()
                .unwrap_or_else(|| profile.string(profile.function(f).name))
        };
        let mut interner = Interner::new(profile, granularity.keeps(), &shown);
        let mut leaves = Vec::with_capacity(profile.locations().len());
        let mut extra = Vec::new();
        let mut flags = Vec::with_capacity(profile.locations().len());
        // The lines hide and show keep of a location, copied only when
        // they may drop some.
        let line_filters = filters.hide.is_some() || filters.show.is_some();
        let mut kept_lines = Vec::new();
        for (l, location) in profile.locations().iter().enumerate() {
            // One pass over every location (≈ 100 ms on the 650,000 of the
            // synthetic profile): a superseded job stops within it.
            if l % CHECK_EVERY == 0 && cancel.is_cancelled() {
                break;
            }
            let mut flag = 0;
            let lines = profile.lines(location);
            let line_matches = |re: &Regex, function: Option<FunctionId>| {
                function.is_some_and(|f| {
                    re.is_match(name_of(f))
                        || re.is_match(profile.string(profile.function(f).filename))
                })
            };
            let mapping_matches = |re: &Regex| {
                location.mapping.is_some_and(|m| {
                    let file = profile.string(profile.mapping(m).file);
                    !file.is_empty() && re.is_match(file)
                })
            };
            let location_matches = |re: &Regex| {
                lines.iter().any(|l| line_matches(re, l.function)) || mapping_matches(re)
            };
            if filters.ignore.as_ref().is_some_and(location_matches) {
                flag |= IGNORED;
            } else if filters.focus.as_ref().is_none_or(location_matches) {
                flag |= FOCUSED;
            }
            if line_filters {
                kept_lines.clear();
                kept_lines.extend_from_slice(lines);
            }
            if let Some(hide) = &filters.hide
                && location_matches(hide)
            {
                flag |= HIDE_MATCHED;
                if mapping_matches(hide) {
                    kept_lines.clear();
                } else {
                    kept_lines.retain(|l| !line_matches(hide, l.function));
                }
                if kept_lines.is_empty() {
                    flag |= HIDDEN;
                }
            }
            if let Some(show) = &filters.show {
                if !mapping_matches(show) {
                    kept_lines.retain(|l| l.function.is_none() || line_matches(show, l.function));
                }
                if kept_lines.is_empty() {
                    flag |= HIDDEN;
                } else {
                    flag |= SHOW_MATCHED;
                }
            }
            let kept = if line_filters { &kept_lines[..] } else { lines };
            let packed = if flag & HIDDEN == 0 {
                interner.pack_frames(location, kept, &mut extra)
            } else {
                NO_FRAME
            };
            leaves.push(packed);
            flags.push(flag);
        }
        // Locations a stopped build did not reach are hidden: walks through
        // the partial view stay in bounds and skip the samples they reach.
        leaves.resize(profile.locations().len(), NO_FRAME);
        flags.resize(profile.locations().len(), HIDDEN);
        Stacks {
            profile,
            granularity,
            filters: filters.clone(),
            inline_capable: {
                let mut capable = interner.inline_capable;
                capable.resize(interner.nodes.len(), false);
                capable
            },
            nodes: interner.nodes,
            leaves,
            extra,
            any_hidden: flags.iter().any(|f| f & HIDDEN != 0),
            check_focus: filters.focus.is_some() || filters.ignore.is_some(),
            flags,
            cancel,
        }
    }

    /// Whether the walks through the view were told to stop.
    pub fn cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// What stops the view's walks, for work that follows them (the call
    /// tree's sort).
    pub(crate) fn cancel(&self) -> &Cancel {
        &self.cancel
    }

    pub fn profile(&self) -> &'p Profile {
        self.profile
    }

    pub fn granularity(&self) -> Granularity {
        self.granularity
    }

    pub fn filters(&self) -> &Filters {
        &self.filters
    }

    /// Per node: whether some location shows it inlined into a caller.
    pub(crate) fn inline_capable(&self) -> &[bool] {
        &self.inline_capable
    }

    /// All nodes any location maps to (some may get no samples).
    pub fn nodes(&self) -> &[NodeInfo] {
        &self.nodes
    }

    pub fn node(&self, id: NodeId) -> &NodeInfo {
        &self.nodes[id.index()]
    }

    /// The frames of the location with several, at `offset` in `extra`.
    fn block_frames(&self, offset: u32) -> &[u32] {
        let start = offset as usize;
        let count = self.extra[start] as usize;
        &self.extra[start + 1..start + 1 + count]
    }

    /// A location's frames, packed, innermost first (none if hidden).
    fn location_frames(&self, location: u32) -> &[u32] {
        let packed = &self.leaves[location as usize];
        if *packed == NO_FRAME {
            &[]
        } else if packed & MORE_BIT != 0 {
            self.block_frames(packed & NODE_MASK)
        } else {
            std::slice::from_ref(packed)
        }
    }

    /// How many locations the view maps (the profile's).
    pub(crate) fn location_count(&self) -> usize {
        self.leaves.len()
    }

    /// A location's frames, from the outermost (none if hidden).
    pub(crate) fn frames_root_first(&self, location: u32) -> impl Iterator<Item = Frame> + '_ {
        self.location_frames(location)
            .iter()
            .rev()
            .copied()
            .map(unpack)
    }

    /// Every frame of every location (each location's frames leaf first).
    pub fn all_frames(&self) -> impl Iterator<Item = Frame> + '_ {
        (0..self.leaves.len() as u32)
            .flat_map(move |l| self.location_frames(l).iter().copied().map(unpack))
    }

    /// Block ids are below this (see [`StackRef::visit_root_first_in_blocks`]).
    pub(crate) fn block_count(&self) -> usize {
        self.extra.len()
    }

    /// Every location with several frames: its block id and its frames,
    /// root first.
    pub(crate) fn blocks(&self) -> impl Iterator<Item = (u32, impl Iterator<Item = Frame>)> + '_ {
        self.leaves
            .iter()
            .filter(|&&packed| packed != NO_FRAME && packed & MORE_BIT != 0)
            .map(|&packed| {
                let block = packed & NODE_MASK;
                let frames = self.block_frames(block).iter().rev().copied().map(unpack);
                (block, frames)
            })
    }

    /// Calls `visit(sample, frames)` for every sample the filters keep, with
    /// its frames leaf first. Samples left with no frames are skipped.
    pub fn for_each(&self, mut visit: impl FnMut(usize, &[Frame])) {
        let mut frames = Vec::with_capacity(64);
        self.for_each_stack(0..self.profile.samples().len(), |s, stack| {
            frames.clear();
            frames.extend(stack.leaf_first());
            visit(s, &frames);
        });
    }

    /// Like [`Stacks::for_each`] over a range of samples, without copying:
    /// the stack is a view that yields frames in either direction.
    pub fn for_each_stack(&self, range: Range<usize>, mut visit: impl FnMut(usize, StackRef<'_>)) {
        let samples = self.profile.samples();
        let tag_filtering = self.filters.tag_focus.is_some() || self.filters.tag_ignore.is_some();
        for s in range {
            if s % CHECK_EVERY == 0 && self.cancel.is_cancelled() {
                return;
            }
            let locations = samples.stack_raw(s);
            if self.check_focus && !self.focused(locations) {
                continue;
            }
            if tag_filtering && !self.tags_match(samples.labels(s)) {
                continue;
            }
            let stack = StackRef {
                stacks: self,
                locations,
            };
            let empty = if self.any_hidden {
                stack.leaf_first().next().is_none()
            } else {
                locations.is_empty()
            };
            if !empty {
                visit(s, stack);
            }
        }
    }

    /// Which of the filters matched anything (pprof's warnings). Walks
    /// the samples only when a tag filter is set.
    pub fn filter_matches(&self) -> FilterMatches {
        // pprof merges what it loads first, which keeps only the locations
        // of samples with a non-zero value: a location no such sample uses
        // matches nothing.
        let samples = self.profile.samples();
        let mut used = vec![false; self.flags.len()];
        for s in 0..samples.len() {
            if samples.values(s).iter().any(|&v| v != 0) {
                for &l in samples.stack_raw(s) {
                    used[l as usize] = true;
                }
            }
        }
        let any = |bit: u8| {
            self.flags
                .iter()
                .zip(&used)
                .any(|(f, &used)| used && f & bit != 0)
        };
        let mut matches = FilterMatches {
            focus: any(FOCUSED),
            ignore: any(IGNORED),
            hide: any(HIDE_MATCHED),
            show: any(SHOW_MATCHED),
            ..FilterMatches::default()
        };
        let focus = &self.filters.tag_focus;
        let ignore = &self.filters.tag_ignore;
        if focus.is_some() || ignore.is_some() {
            let samples = self.profile.samples();
            for s in 0..samples.len() {
                if self.check_focus && !self.focused(samples.stack_raw(s)) {
                    continue;
                }
                let labels = samples.labels(s);
                matches.tag_focus |= focus
                    .as_ref()
                    .is_some_and(|t| t.matches(self.profile, labels));
                matches.tag_ignore |= ignore
                    .as_ref()
                    .is_some_and(|t| t.matches(self.profile, labels));
                if matches.tag_focus == focus.is_some() && matches.tag_ignore == ignore.is_some() {
                    break;
                }
            }
        }
        matches
    }

    fn tags_match(&self, labels: &[Label]) -> bool {
        let focus = &self.filters.tag_focus;
        let ignore = &self.filters.tag_ignore;
        focus
            .as_ref()
            .is_none_or(|t| t.matches(self.profile, labels))
            && !ignore
                .as_ref()
                .is_some_and(|t| t.matches(self.profile, labels))
    }

    /// pprof's `focusedAndNotIgnored`.
    fn focused(&self, stack: &[u32]) -> bool {
        let mut focused = false;
        for &location in stack {
            let flag = self.flags[location as usize];
            if flag & IGNORED != 0 {
                return false;
            }
            focused |= flag & FOCUSED != 0;
        }
        focused
    }
}

/// Interns nodes: a cheap per-(function, line, address, mapping) cache in
/// front of the full [`NodeInfo`] map, so most locations cost one small hash.
struct Interner<'p> {
    profile: &'p Profile,
    /// Per function: its shown name where it differs from its own.
    shown: &'p [Option<String>],
    keep: Keep,
    /// Seeded at random, as `by_info` is: lines, addresses and names are
    /// the profile's to choose.
    by_key: HashMap<(Option<FunctionId>, i64, u64, Option<MappingId>), NodeId>,
    /// [`Interner::by_key`] for the keys with no line and no address (all
    /// of them at function granularity), by function (its index + 1; 0 for
    /// none): the node of the key with the mapping last asked for.
    by_function: Vec<Option<(Option<MappingId>, NodeId)>>,
    /// Every node by its info's hash, told apart by its info in `nodes`
    /// (each info is held once, not also as a key).
    by_info: hashbrown::HashTable<NodeId>,
    /// Seeds the hashes of `by_info`.
    seed: foldhash::fast::RandomState,
    nodes: Vec<NodeInfo>,
    /// [`Stacks::inline_capable`] of the nodes met so far (shorter than
    /// `nodes` when the last ones are not).
    inline_capable: Vec<bool>,
}

impl<'p> Interner<'p> {
    fn new(profile: &'p Profile, keep: Keep, shown: &'p [Option<String>]) -> Self {
        Interner {
            profile,
            shown,
            keep,
            by_key: HashMap::default(),
            by_function: vec![None; profile.functions.len() + 1],
            by_info: hashbrown::HashTable::new(),
            seed: foldhash::fast::RandomState::default(),
            nodes: Vec::new(),
            inline_capable: Vec::new(),
        }
    }

    /// The frames of `location` showing `lines` (its kept ones), packed:
    /// one frame in the word returned, several in a block appended to
    /// `extra` (see [`pack`]).
    fn pack_frames(
        &mut self,
        location: &Location,
        lines: &[crate::profile::Line],
        extra: &mut Vec<u32>,
    ) -> u32 {
        let address = if self.keep.address {
            location.address
        } else {
            0
        };
        let keep_line = self.keep.line;
        let number = |line: &crate::profile::Line| if keep_line { line.line } else { 0 };
        match lines {
            [] => pack(Frame {
                node: self.node(None, 0, address, location.mapping),
                inline: false,
            }),
            [only] => pack(Frame {
                node: self.node(only.function, number(only), address, location.mapping),
                inline: false,
            }),
            several => {
                let offset = extra.len() as u32 | MORE_BIT;
                extra.push(several.len() as u32);
                let last = several.len() - 1;
                for (i, line) in several.iter().enumerate() {
                    let node = self.node(line.function, number(line), address, location.mapping);
                    let inline = i != last;
                    if inline {
                        let n = node.index();
                        if self.inline_capable.len() <= n {
                            self.inline_capable.resize(n + 1, false);
                        }
                        self.inline_capable[n] = true;
                    }
                    extra.push(pack(Frame { node, inline }));
                }
                offset
            }
        }
    }

    /// The node of a location line: looked up by function where it can be
    /// (at function granularity, every line), in `by_key` otherwise.
    #[inline]
    fn node(
        &mut self,
        function: Option<FunctionId>,
        line: i64,
        address: u64,
        mapping: Option<MappingId>,
    ) -> NodeId {
        let direct = (line == 0 && address == 0)
            .then(|| function.map_or(0, |f| f.index() + 1))
            .filter(|&slot| slot < self.by_function.len());
        if let Some(slot) = direct
            && let Some((m, id)) = self.by_function[slot]
            && m == mapping
        {
            return id;
        }
        self.node_by_key(function, line, address, mapping, direct)
    }

    /// [`Interner::node`] past its lookup by function (kept out of line,
    /// so that the lookup is inlined where a location's frames are packed).
    #[inline(never)]
    fn node_by_key(
        &mut self,
        function: Option<FunctionId>,
        line: i64,
        address: u64,
        mapping: Option<MappingId>,
        direct: Option<usize>,
    ) -> NodeId {
        let key = (function, line, address, mapping);
        let id = match self.by_key.get(&key) {
            Some(&id) => id,
            None => {
                let info = self.info(function, line, address, mapping);
                let seed = &self.seed;
                let hash_of = |info: &NodeInfo| seed.hash_one(info);
                let nodes = &mut self.nodes;
                let entry = self.by_info.entry(
                    hash_of(&info),
                    |id| nodes[id.index()] == info,
                    |id| hash_of(&nodes[id.index()]),
                );
                let id = match entry {
                    hashbrown::hash_table::Entry::Occupied(e) => *e.get(),
                    hashbrown::hash_table::Entry::Vacant(e) => {
                        let id = NodeId(nodes.len() as u32);
                        nodes.push(info);
                        e.insert(id);
                        id
                    }
                };
                self.by_key.insert(key, id);
                id
            }
        };
        if let Some(slot) = direct {
            self.by_function[slot] = Some((mapping, id));
        }
        id
    }

    /// pprof's `nodeInfo` applied to an aggregated location.
    fn info(
        &self,
        function: Option<FunctionId>,
        line: i64,
        address: u64,
        mapping: Option<MappingId>,
    ) -> NodeInfo {
        // Only a node with no function name shows its mapping's file.
        let objfile = || {
            mapping
                .map(|m| self.profile.string(self.profile.mapping(m).file).to_owned())
                .unwrap_or_default()
        };
        let Some(function) = function else {
            return NodeInfo {
                address,
                objfile: objfile(),
                ..NodeInfo::default()
            };
        };
        let f = self.profile.function(function);
        let name = if self.keep.function {
            self.shown[function.index()]
                .clone()
                .unwrap_or_else(|| self.profile.string(f.name).to_owned())
        } else {
            String::new()
        };
        let filename = self.profile.string(f.filename);
        let file = if self.keep.filename && !filename.is_empty() {
            clean_path(filename)
        } else {
            String::new()
        };
        let mut info = NodeInfo {
            name,
            file,
            line,
            address,
            ..NodeInfo::default()
        };
        if info.name.is_empty() {
            info.objfile = objfile();
            info.start_line = f.start_line;
        }
        info
    }
}

/// Lexical path cleaning as Go's `filepath.Clean` does it.
pub(crate) fn clean_path(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// Whether the sample type counts goroutines (a goroutine profile, or
/// Go 1.27's goroutineleak profile of the goroutines proven leaked).
pub fn is_goroutine_profile(profile: &Profile, sample_index: usize) -> bool {
    profile.sample_types.get(sample_index).is_some_and(|t| {
        matches!(
            t.name.as_str(),
            "goroutine" | "goroutines" | "goroutineleak"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A view built with a flag never set is the plain view; one told to
    /// stop before it was built maps no location and walks no sample.
    #[test]
    fn a_cancelled_build_sees_no_samples() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let bytes = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/leaky/heap-1.pb.gz"),
        )
        .unwrap();
        let profile = crate::profile::decode(&bytes, &Default::default()).unwrap();
        let flag = Arc::new(AtomicBool::new(false));
        let cancel = Cancel::new(Arc::clone(&flag));
        let filters = Filters::default();
        let frames = |stacks: &Stacks<'_>| {
            let mut all = Vec::new();
            stacks.for_each(|s, frames| all.push((s, frames.to_vec())));
            all
        };
        let plain = Stacks::new(&profile, Granularity::Lines, &filters);
        let kept = Stacks::cancellable(&profile, Granularity::Lines, &filters, cancel.clone());
        assert_eq!(kept.nodes(), plain.nodes());
        assert!(!frames(&plain).is_empty());
        assert_eq!(frames(&kept), frames(&plain));
        flag.store(true, Ordering::Relaxed);
        let stopped = Stacks::cancellable(&profile, Granularity::Lines, &filters, cancel);
        assert!(stopped.cancelled());
        assert!(stopped.nodes().is_empty());
        assert_eq!(stopped.all_frames().count(), 0);
        flag.store(false, Ordering::Relaxed);
        assert!(frames(&stopped).is_empty(), "no location was mapped");
    }

    /// The nodes the build marks as inlined somewhere are those a walk over
    /// every location's frames finds inlined, at each granularity and
    /// through a filter that hides lines (the Go compiler's CPU profile
    /// shows 260 functions inlined, 180 once `ssa` is hidden).
    #[test]
    fn inline_capable_is_every_frame_shown_inlined() {
        let bytes = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("testdata/compile/compile-cpu.pb.gz"),
        )
        .unwrap();
        let profile = crate::profile::decode(&bytes, &Default::default()).unwrap();
        let hide = Filters {
            hide: Some(crate::analysis::compile_regex("hide", "ssa").unwrap()),
            ..Filters::default()
        };
        for filters in [Filters::default(), hide] {
            for granularity in [Granularity::Functions, Granularity::Lines] {
                let stacks = Stacks::new(&profile, granularity, &filters);
                let mut walked = vec![false; stacks.nodes().len()];
                for frame in stacks.all_frames() {
                    walked[frame.node.index()] |= frame.inline;
                }
                assert!(walked.iter().filter(|&&i| i).count() > 150);
                assert_eq!(stacks.inline_capable(), walked, "{granularity:?}");
            }
        }
    }

    #[test]
    fn clean_path_matches_go() {
        assert_eq!(clean_path("a//b/./c/../d"), "a/b/d");
        assert_eq!(clean_path("/../x"), "/x");
        assert_eq!(clean_path("../x"), "../x");
        assert_eq!(clean_path("./"), ".");
    }
}
