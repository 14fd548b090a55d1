//! The validated, resolved profile every analysis works on.
//!
//! Arenas indexed by typed ids replace the protobuf's id references; strings
//! are resolved once; samples are kept in flat arrays (structure of arrays)
//! so a profile with millions of frames costs a few bytes per frame.

use std::ops::Range;

use super::error::ProfileError;

/// A sample type asked for that the profile does not have (a usage error:
/// the command line named it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sample type '{asked}' (this profile has: {known})")]
pub struct UnknownSampleType {
    pub asked: String,
    /// The profile's types, comma-separated.
    pub known: String,
}

/// Index of a [`Location`] in [`Profile::locations`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocationId(pub(crate) u32);

/// Index of a [`Function`] in [`Profile::functions`], held as the index
/// plus one, as [`MappingId`] is: an `Option<FunctionId>` takes four bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionId(std::num::NonZeroU32);

impl FunctionId {
    /// The id of the function at `index` (`None` for `u32::MAX`, more
    /// functions than a profile can hold).
    pub(crate) fn new(index: u32) -> Option<FunctionId> {
        index
            .checked_add(1)
            .and_then(std::num::NonZeroU32::new)
            .map(FunctionId)
    }

    /// [`FunctionId::new`], or the error for a profile with more functions
    /// than it can hold.
    pub(crate) fn at(index: usize) -> Result<FunctionId, ProfileError> {
        u32::try_from(index)
            .ok()
            .and_then(FunctionId::new)
            .ok_or(ProfileError::TooMany {
                what: "functions",
                max: u32::MAX as usize - 1,
            })
    }

    /// The arena index.
    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// Index of a [`Mapping`] in [`Profile::mappings`], held as the index plus
/// one: an `Option<MappingId>` then takes four bytes, and a [`Location`]
/// (which holds one) 8 bytes less, memory not faulted in for every
/// location of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MappingId(std::num::NonZeroU32);

impl MappingId {
    /// The first mapping (pprof's main binary).
    pub(crate) const FIRST: MappingId = MappingId(std::num::NonZeroU32::MIN);

    /// The id of the mapping at `index` (`None` for `u32::MAX`, more
    /// mappings than a profile can hold).
    pub(crate) fn new(index: u32) -> Option<MappingId> {
        index
            .checked_add(1)
            .and_then(std::num::NonZeroU32::new)
            .map(MappingId)
    }

    /// The arena index.
    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// Index into the profile's string table (used by labels).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StrId(pub(crate) u32);

macro_rules! id_index {
    ($($id:ident),*) => {$(
        impl $id {
            /// The arena index.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}
id_index!(LocationId, StrId);

/// What a sample value measures, e.g. `inuse_space` in `bytes`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ValueType {
    /// The sample type's name (`type` in the protobuf).
    pub name: String,
    /// Its unit: `bytes`, `nanoseconds`, `count` …
    pub unit: String,
}

/// A binary or shared library the profiled program had mapped. Its names
/// are string-table ids ([`Profile::string`]): a profile may name one long
/// string from a million places, and none of them copies it.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub id: u64,
    pub memory_start: u64,
    pub memory_limit: u64,
    pub file_offset: u64,
    /// Path of the object file, possibly empty.
    pub file: StrId,
    pub build_id: StrId,
    pub has_functions: bool,
    pub has_filenames: bool,
    pub has_line_numbers: bool,
    pub has_inline_frames: bool,
}

/// A function, named as the runtime reported it (e.g. `main.(*Cache).Put`);
/// names are string-table ids, like [`Mapping`]'s.
#[derive(Debug, Clone, Default)]
pub struct Function {
    pub id: u64,
    pub name: StrId,
    pub system_name: StrId,
    pub filename: StrId,
    pub start_line: i64,
}

/// A program counter: one or more frames (several when calls were inlined).
/// Identified by its place in [`Profile::locations`], not by the id the
/// profile gave it (read only to resolve the samples' ids, and written
/// again from the place): 24 bytes a location, not 32.
#[derive(Debug, Clone)]
pub struct Location {
    pub mapping: Option<MappingId>,
    pub address: u64,
    /// Range into [`Profile::lines`]; innermost (leaf) frame first.
    pub(crate) lines: Range<u32>,
    pub is_folded: bool,
}

/// A source position within a location: one frame of a stack. Its column,
/// which Go does not write, is kept apart, by the profile: 16 bytes
/// a line, not 24.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    /// `None` when the profile did not symbolize this frame.
    pub function: Option<FunctionId>,
    pub line: i64,
}

/// A sample label. String labels have a non-empty `str`; the others are
/// numeric (`num` in `num_unit`, e.g. Go heap samples' `bytes` label).
#[derive(Debug, Clone, Copy)]
pub struct Label {
    pub key: StrId,
    pub str: StrId,
    pub num: i64,
    pub num_unit: StrId,
}

/// The profile's string table, compact: one buffer of text and the end of
/// each string in it, so an entry costs 4 bytes however short it is (a
/// `String` each would cost 24 and a heap block: a profile of nothing but
/// empty strings, 2 bytes each on the wire, would take 12 times its size).
#[derive(Debug, Clone, Default)]
pub struct StringTable {
    text: String,
    ends: Vec<u32>,
}

impl StringTable {
    /// Appends a string; its id is the previous [`StringTable::len`].
    /// Fails when the text would pass 4 GiB (the most 32-bit offsets
    /// address) or memory runs out.
    pub(crate) fn push(&mut self, s: &str) -> Result<(), ProfileError> {
        let end = u32::try_from(self.text.len() + s.len()).map_err(|_| ProfileError::TooMany {
            what: "bytes of strings",
            max: u32::MAX as usize,
        })?;
        let oom = |_| ProfileError::OutOfMemory;
        self.text.try_reserve(s.len()).map_err(oom)?;
        if self.ends.len() == self.ends.capacity() {
            self.ends.try_reserve(self.ends.len().max(8)).map_err(oom)?;
        }
        self.text.push_str(s);
        self.ends.push(end);
        Ok(())
    }

    /// The string behind `id` (ids are validated when the profile is built).
    pub fn get(&self, id: StrId) -> &str {
        let i = id.index();
        let Some(&end) = self.ends.get(i) else {
            return "";
        };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start as usize..end as usize).unwrap_or("")
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// A table of these strings (the first must be empty), for a merge.
    pub(crate) fn from_boxed(strings: Vec<Box<str>>) -> Result<StringTable, ProfileError> {
        let mut table = StringTable::default();
        for s in &strings {
            table.push(s)?;
        }
        Ok(table)
    }

    /// The strings one by one, for a merge to build another table from.
    pub(crate) fn into_boxed(self) -> Vec<Box<str>> {
        (0..self.len())
            .map(|i| Box::from(self.get(StrId(i as u32))))
            .collect()
    }
}

/// All samples, in flat arrays. Sample `i`'s stack is
/// `frames[stack_ends[i-1]..stack_ends[i]]`, leaf first; its values are
/// `values[i*k..(i+1)*k]` for `k` sample types.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    value_count: usize,
    stack_ends: Vec<usize>,
    frames: Vec<u32>,
    values: Vec<i64>,
    /// Empty when no sample has labels.
    label_ends: Vec<usize>,
    labels: Vec<Label>,
    /// Samples in this range came from a `--diff-base` profile (negated).
    pub(crate) diff_base: Range<usize>,
}

/// The arrays of [`Samples`], taken apart (see [`Samples::into_parts`]).
pub(crate) struct SampleParts {
    pub stack_ends: Vec<usize>,
    pub frames: Vec<u32>,
    pub values: Vec<i64>,
    /// Empty when no sample has labels.
    pub label_ends: Vec<usize>,
    pub labels: Vec<Label>,
}

impl Samples {
    /// The arrays, for building another sample set without copying them.
    pub(crate) fn into_parts(self) -> SampleParts {
        SampleParts {
            stack_ends: self.stack_ends,
            frames: self.frames,
            values: self.values,
            label_ends: self.label_ends,
            labels: self.labels,
        }
    }

    /// The samples from their arrays; `label_ends` is dropped when no
    /// sample has labels (the empty form the accessors expect).
    pub(crate) fn new(
        value_count: usize,
        stack_ends: Vec<usize>,
        frames: Vec<u32>,
        values: Vec<i64>,
        label_ends: Vec<usize>,
        labels: Vec<Label>,
    ) -> Samples {
        Samples {
            value_count,
            stack_ends,
            frames,
            values,
            label_ends: if labels.is_empty() {
                Vec::new()
            } else {
                label_ends
            },
            labels,
            diff_base: 0..0,
        }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.stack_ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.stack_ends.is_empty()
    }

    /// Total number of location references over all samples.
    pub fn frame_count(&self) -> usize {
        self.frames.len()
    }

    fn bounds(ends: &[usize], i: usize) -> Range<usize> {
        let start = if i == 0 { 0 } else { ends[i - 1] };
        start..ends[i]
    }

    /// Sample `i`'s stack, leaf first.
    pub fn stack(
        &self,
        i: usize,
    ) -> impl DoubleEndedIterator<Item = LocationId> + ExactSizeIterator + '_ {
        self.frames[Samples::bounds(&self.stack_ends, i)]
            .iter()
            .map(|&l| LocationId(l))
    }

    /// Sample `i`'s stack as raw location indices, leaf first.
    pub(crate) fn stack_raw(&self, i: usize) -> &[u32] {
        &self.frames[Samples::bounds(&self.stack_ends, i)]
    }

    /// Sample `i`'s values, one per sample type.
    pub fn values(&self, i: usize) -> &[i64] {
        &self.values[i * self.value_count..(i + 1) * self.value_count]
    }

    /// Sample `i`'s value of sample type `index`.
    pub fn value(&self, i: usize, index: usize) -> i64 {
        self.values[i * self.value_count + index]
    }

    /// Sample `i`'s labels.
    pub fn labels(&self, i: usize) -> &[Label] {
        if self.label_ends.is_empty() {
            return &[];
        }
        &self.labels[Samples::bounds(&self.label_ends, i)]
    }

    /// Whether sample `i` came from a `--diff-base` profile.
    pub fn is_diff_base(&self, i: usize) -> bool {
        self.diff_base.contains(&i)
    }
}

/// A decoded and validated pprof profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// At least one; every sample has one value per type.
    pub sample_types: Vec<ValueType>,
    /// The type the profile asks to show by default, if it names one.
    pub default_sample_type: Option<String>,
    pub period_type: Option<ValueType>,
    pub period: i64,
    pub time_nanos: i64,
    pub duration_nanos: i64,
    /// String-table ids, in order.
    pub comments: Vec<StrId>,
    /// Regex of frames to drop (with their callees), anchored by users.
    pub drop_frames: Option<String>,
    pub keep_frames: Option<String>,
    pub mappings: Vec<Mapping>,
    pub functions: Vec<Function>,
    pub(crate) locations: Vec<Location>,
    pub(crate) lines: Vec<Line>,
    /// Each line's column, by its index in `lines`; empty when every
    /// column is 0 (the runtime writes none).
    pub(crate) columns: Vec<i64>,
    pub(crate) samples: Samples,
    pub(crate) strings: StringTable,
    /// The runtime's `MemStats`, when the profile carried them (a Go heap
    /// profile written with `debug=1`); a proto has none.
    pub memstats: Option<Box<super::MemStats>>,
}

impl Profile {
    /// Refuses a profile whose samples hold more than
    /// [`MAX_STACK_FRAMES`](super::MAX_STACK_FRAMES) frames, each location
    /// counted once per line. Counted only when the frames times the most
    /// lines a location has could pass it (a real profile's locations have
    /// a few lines at most): no pass over the stacks otherwise.
    pub(crate) fn check_stack_frames(&self) -> Result<(), ProfileError> {
        let max = super::MAX_STACK_FRAMES;
        let lines = |l: &Location| self.lines(l).len().max(1);
        let most = self.locations.iter().map(lines).max().unwrap_or(1);
        if self.samples.frames.len().saturating_mul(most) <= max {
            return Ok(());
        }
        let mut frames = 0usize;
        for &l in &self.samples.frames {
            frames += self.locations.get(l as usize).map_or(1, lines);
            if frames > max {
                return Err(ProfileError::TooMany {
                    what: "frames in its samples' stacks, each location counted once per line",
                    max,
                });
            }
        }
        Ok(())
    }

    pub fn samples(&self) -> &Samples {
        &self.samples
    }

    pub fn locations(&self) -> &[Location] {
        &self.locations
    }

    pub fn location(&self, id: LocationId) -> &Location {
        &self.locations[id.index()]
    }

    /// The frames of a location, innermost (leaf) first.
    pub fn lines(&self, location: &Location) -> &[Line] {
        &self.lines[location.lines.start as usize..location.lines.end as usize]
    }

    /// The column of the line at `index` in the profile's lines (0, as
    /// for all of Go's, when the profile gave none).
    pub(crate) fn column(&self, index: usize) -> i64 {
        self.columns.get(index).copied().unwrap_or(0)
    }

    pub fn function(&self, id: FunctionId) -> &Function {
        &self.functions[id.index()]
    }

    pub fn mapping(&self, id: MappingId) -> &Mapping {
        &self.mappings[id.index()]
    }

    /// The string behind a label's key or value.
    pub fn string(&self, id: StrId) -> &str {
        self.strings.get(id)
    }

    /// Index of the sample type shown when none is asked for: the profile's
    /// `default_sample_type` if it names one of its types, else the last type
    /// (so Go heap profiles show `inuse_space`), as `go tool pprof` does.
    pub fn default_sample_index(&self) -> usize {
        self.default_sample_type
            .as_deref()
            .and_then(|name| self.sample_types.iter().position(|t| t.name == name))
            .unwrap_or(self.sample_types.len() - 1)
    }

    /// Resolves the sample type asked for (`--sample-index` as given, by
    /// name or index; the default when none was asked): the one place a
    /// request's sample type becomes an index into this profile's types.
    pub fn resolve_sample_type(&self, asked: Option<&str>) -> Result<usize, UnknownSampleType> {
        match asked {
            None => Ok(self.default_sample_index()),
            Some(spec) => self.sample_index(spec).ok_or_else(|| UnknownSampleType {
                asked: spec.to_owned(),
                known: self
                    .sample_types
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// The index [`Profile::resolve_sample_type`] gives for `asked`, told
    /// from the number of sample types alone, as the decoder must before
    /// the string table: the last type when none is asked, the index asked
    /// by number; `None` when a name is asked or the number is out of
    /// range. A `default_sample_type` naming another type makes it wrong:
    /// the decoder checks it against [`Profile::resolve_sample_type`] at
    /// the end.
    pub fn sample_index_by_position(asked: Option<&str>, sample_types: usize) -> Option<usize> {
        match asked {
            None => sample_types.checked_sub(1),
            Some(spec) => spec.parse::<usize>().ok().filter(|&i| i < sample_types),
        }
    }

    /// Resolves `--sample-index`: a type name (an `inuse_` prefix may be
    /// left out, as in pprof) or a zero-based index.
    pub fn sample_index(&self, spec: &str) -> Option<usize> {
        if let Ok(i) = spec.parse::<usize>() {
            return (i < self.sample_types.len()).then_some(i);
        }
        let bare = spec.strip_prefix("sample_index=").unwrap_or(spec);
        self.sample_types
            .iter()
            .position(|t| t.name == bare)
            .or_else(|| {
                self.sample_types
                    .iter()
                    .position(|t| t.name.strip_prefix("inuse_") == Some(bare))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_takes_24_bytes_a_line_16_and_ids_keep_their_index() {
        assert_eq!(std::mem::size_of::<Option<MappingId>>(), 4);
        assert_eq!(std::mem::size_of::<Option<FunctionId>>(), 4);
        assert_eq!(std::mem::size_of::<Location>(), 24);
        assert_eq!(std::mem::size_of::<Line>(), 16);
        for index in [0, 1, 7, u32::MAX - 1] {
            assert_eq!(
                FunctionId::new(index).map(FunctionId::index),
                Some(index as usize)
            );
        }
        assert_eq!(FunctionId::new(u32::MAX), None);
        for index in [0, 1, 7, u32::MAX - 1] {
            assert_eq!(
                MappingId::new(index).map(MappingId::index),
                Some(index as usize)
            );
        }
        assert_eq!(MappingId::new(u32::MAX), None);
        assert_eq!(MappingId::FIRST.index(), 0);
    }
}
