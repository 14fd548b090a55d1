//! Bytes to [`Profile`]: gzip sniffing, bounded inflation, protobuf decoding
//! and validation. The protobuf types never leave this module.
//!
//! The top-level `Profile` message is decoded by hand with prost's own wire
//! functions instead of `#[derive(Message)]`: a derived `Vec<Sample>` costs a
//! struct and two heap vectors per sample (about six times the input size on
//! large heap profiles), while here every sample lands in flat arrays — one
//! vector of location ids, one of values — with no per-sample allocation.
//! The small messages (locations, functions, mappings …) use prost's
//! generated code.

use rustc_hash::FxHashMap as HashMap;
use std::io::Read;

use prost::encoding::{self, DecodeContext, WireType, decode_key, decode_varint};

use super::error::ProfileError;
use super::model::{
    Function, FunctionId, Label, Line, Location, Mapping, MappingId, Profile, Samples, StrId,
    StringTable, ValueType,
};
use crate::parallel::join_all;

/// The protobuf messages generated from `proto/profile.proto`. Public only
/// so tests, benchmarks and the synthetic-profile generator can *write*
/// profiles (including malformed ones); the rest of the crate sees
/// [`Profile`] alone.
#[doc(hidden)]
pub mod pb {
    #![allow(clippy::all, clippy::pedantic, missing_docs)]
    include!(concat!(env!("OUT_DIR"), "/perftools.profiles.rs"));
}

/// The default cap on the decompressed size of a profile: 2 GiB.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 2 << 30;

/// The most lines and locations (together) a profile may have: the sample
/// walk packs node ids and frame offsets into 30 bits
/// ([`crate::analysis::Stacks`]), and neither can exceed 1.5 times this.
/// Far above what the default decompression limit lets through.
pub const MAX_FRAMES: usize = 1 << 29;

/// How to decode a profile.
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    /// Refuse inputs whose decompressed protobuf is larger than this many bytes.
    pub max_decompressed: u64,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_decompressed: DEFAULT_MAX_DECOMPRESSED,
        }
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Decodes a profile held in memory: gzip-compressed or raw protobuf.
pub fn decode(bytes: &[u8], options: &DecodeOptions) -> Result<Profile, ProfileError> {
    decode_reader(bytes, options)
}

/// Size of the pieces inflated data is handed over in.
const CHUNK: usize = 1 << 20;

/// Decodes a profile from a stream: gzip-compressed (detected by its magic
/// bytes) or raw protobuf.
///
/// The stream is never held whole: a gzip stream is inflated on a second
/// thread in 1 MiB chunks that the protobuf parser consumes as they come,
/// so inflating and parsing overlap and neither the compressed nor the
/// inflated bytes are kept (on an 80 MB profile, that is most of the peak
/// memory of a decode-then-parse design).
pub fn decode_reader<R: Read + Send>(
    mut reader: R,
    options: &DecodeOptions,
) -> Result<Profile, ProfileError> {
    let mut head = [0u8; 2];
    let got = read_full(&mut reader, &mut head)?;
    if got == 0 {
        return Err(ProfileError::Empty);
    }
    let input = (&head[..got]).chain(reader);
    let limit = options.max_decompressed;
    let raw = if head[..got] == GZIP_MAGIC {
        std::thread::scope(|scope| {
            let (sender, receiver) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(4);
            scope.spawn(move || {
                let mut gz = flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(
                    1 << 18,
                    input,
                ));
                loop {
                    let mut chunk = vec![0u8; CHUNK];
                    let result = read_full(&mut gz, &mut chunk).map(|n| {
                        chunk.truncate(n);
                        chunk
                    });
                    let done = !matches!(&result, Ok(chunk) if !chunk.is_empty());
                    // A closed channel means the parser gave up: stop too.
                    if sender.send(result).is_err() || done {
                        break;
                    }
                }
            });
            let chunks = receiver
                .into_iter()
                .map(|chunk| chunk.map_err(ProfileError::Gzip));
            // Returning drops the receiver, which stops the inflater early on error.
            RawProfile::parse_chunks(chunks, limit)
        })?
    } else {
        let mut input = input;
        let chunks = std::iter::from_fn(move || {
            let mut chunk = vec![0u8; CHUNK];
            match read_full(&mut input, &mut chunk) {
                Ok(0) => None,
                Ok(n) => {
                    chunk.truncate(n);
                    Some(Ok(chunk))
                }
                Err(e) => Some(Err(ProfileError::Io(e))),
            }
        });
        RawProfile::parse_chunks(chunks, limit)?
    };
    Profile::try_from(raw)
}

/// Fills `buf` as far as the reader allows; returns how many bytes it read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The length of the complete top-level field at the start of `buf`, or
/// `None` if more bytes are needed to tell or to hold it.
fn field_extent(buf: &[u8]) -> Result<Option<usize>, ProfileError> {
    let mut cursor = buf;
    let Some(key) = try_varint(&mut cursor) else {
        return Ok(None);
    };
    let body = match key & 7 {
        0 => match try_varint(&mut cursor) {
            Some(_) => 0,
            None => return Ok(None),
        },
        1 => 8,
        2 => match try_varint(&mut cursor) {
            Some(len) => usize::try_from(len).map_err(|_| length_error(len))?,
            None => return Ok(None),
        },
        5 => 4,
        other => {
            return Err(ProfileError::Protobuf(format!(
                "unsupported wire type {other}"
            )));
        }
    };
    let header = buf.len() - cursor.len();
    Ok(header.checked_add(body).filter(|&total| total <= buf.len()))
}

/// Reads a varint if `buf` holds all of it (an over-long one is taken as
/// complete here and rejected by the real decoder).
fn try_varint(buf: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for (i, &byte) in buf.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 || i == 9 {
            *buf = &buf[i + 1..];
            return Some(value);
        }
    }
    None
}

fn length_error(len: u64) -> ProfileError {
    ProfileError::Protobuf(format!(
        "a length prefix of {len} bytes runs past the end of the data"
    ))
}

/// The top-level message as it is on the wire, with samples already flat.
#[derive(Default)]
struct RawProfile {
    sample_type: Vec<pb::ValueType>,
    samples: RawSamples,
    mapping: Vec<pb::Mapping>,
    location: Vec<pb::Location>,
    function: Vec<pb::Function>,
    strings: Vec<String>,
    drop_frames: i64,
    keep_frames: i64,
    time_nanos: i64,
    duration_nanos: i64,
    period_type: Option<pb::ValueType>,
    period: i64,
    comment: Vec<i64>,
    default_sample_type: i64,
}

/// Samples in structure-of-arrays form, straight off the wire.
#[derive(Default)]
struct RawSamples {
    location_ids: LocationIds,
    stack_ends: Vec<usize>,
    values: Vec<i64>,
    value_ends: Vec<usize>,
    labels: Vec<pb::Label>,
    label_ends: Vec<usize>,
}

/// Raw location ids: 4 bytes each while they fit (Go numbers them from 1),
/// widened to 8 bytes only if some id needs it.
enum LocationIds {
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

impl Default for LocationIds {
    fn default() -> Self {
        LocationIds::Narrow(Vec::new())
    }
}

impl LocationIds {
    fn len(&self) -> usize {
        match self {
            LocationIds::Narrow(v) => v.len(),
            LocationIds::Wide(v) => v.len(),
        }
    }

    fn push(&mut self, id: u64) {
        match self {
            LocationIds::Narrow(narrow) => match u32::try_from(id) {
                Ok(id) => narrow.push(id),
                Err(_) => {
                    let mut wide: Vec<u64> = narrow.iter().map(|&id| u64::from(id)).collect();
                    wide.push(id);
                    *self = LocationIds::Wide(wide);
                }
            },
            LocationIds::Wide(wide) => wide.push(id),
        }
    }
}

/// Per-sample scratch buffers, reused so that decoding a sample allocates nothing.
#[derive(Default)]
struct Scratch {
    values: Vec<i64>,
}

/// Splits a length-delimited payload off the front of `buf`.
fn take_length_delimited<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], ProfileError> {
    let len = decode_varint(buf)?;
    let len = usize::try_from(len)
        .ok()
        .filter(|&len| len <= buf.len())
        .ok_or_else(|| length_error(len))?;
    let (payload, rest) = buf.split_at(len);
    *buf = rest;
    Ok(payload)
}

fn expect_length_delimited(wire_type: WireType) -> Result<(), prost::DecodeError> {
    expect_wire_type(WireType::LengthDelimited, wire_type)
}

fn expect_wire_type(expected: WireType, actual: WireType) -> Result<(), prost::DecodeError> {
    encoding::check_wire_type(expected, actual)
}

impl RawProfile {
    /// Parses a stream of chunks, field by field: a field split across
    /// chunks waits for the next one. Refuses more than `limit` bytes.
    fn parse_chunks(
        chunks: impl Iterator<Item = Result<Vec<u8>, ProfileError>>,
        limit: u64,
    ) -> Result<RawProfile, ProfileError> {
        let ctx = DecodeContext::default();
        let mut p = RawProfile::default();
        let mut scratch = Scratch::default();
        let mut pending: Vec<u8> = Vec::new();
        let mut total = 0u64;
        for chunk in chunks {
            let chunk = chunk?;
            total += chunk.len() as u64;
            if total > limit {
                return Err(ProfileError::TooLarge { limit });
            }
            if pending.is_empty() {
                let consumed = p.parse_complete_fields(&chunk, &mut scratch, &ctx)?;
                pending.extend_from_slice(&chunk[consumed..]);
            } else {
                pending.extend_from_slice(&chunk);
                let consumed = p.parse_complete_fields(&pending, &mut scratch, &ctx)?;
                pending.drain(..consumed);
            }
        }
        if !pending.is_empty() {
            // The stream ended inside a field: let the decoder say what is wrong.
            let mut buf = pending.as_slice();
            let (tag, wire_type) = decode_key(&mut buf)?;
            p.merge_field(tag, wire_type, &mut buf, &mut scratch, &ctx)?;
            return Err(ProfileError::Protobuf(
                "the data ends in the middle of a field".to_owned(),
            ));
        }
        Ok(p)
    }

    /// Parses every complete field at the front of `data`; returns how many
    /// bytes they took.
    fn parse_complete_fields(
        &mut self,
        data: &[u8],
        scratch: &mut Scratch,
        ctx: &DecodeContext,
    ) -> Result<usize, ProfileError> {
        let mut at = 0;
        while let Some(len) = field_extent(&data[at..])? {
            let mut field = &data[at..at + len];
            let (tag, wire_type) = decode_key(&mut field)?;
            self.merge_field(tag, wire_type, &mut field, scratch, ctx)?;
            if !field.is_empty() {
                return Err(ProfileError::Protobuf(format!("field {tag} is malformed")));
            }
            at += len;
        }
        Ok(at)
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut &[u8],
        scratch: &mut Scratch,
        ctx: &DecodeContext,
    ) -> Result<(), ProfileError> {
        use encoding::{int64, message};
        let p = self;
        match tag {
            1 => message::merge_repeated(wire_type, &mut p.sample_type, buf, ctx.clone())?,
            2 => {
                expect_length_delimited(wire_type)?;
                let body = take_length_delimited(buf)?;
                p.samples.push(body, scratch, ctx)?;
            }
            3 => message::merge_repeated(wire_type, &mut p.mapping, buf, ctx.clone())?,
            4 => message::merge_repeated(wire_type, &mut p.location, buf, ctx.clone())?,
            5 => message::merge_repeated(wire_type, &mut p.function, buf, ctx.clone())?,
            6 => {
                // Decoded leniently: Go symbol names are not always valid UTF-8.
                expect_length_delimited(wire_type)?;
                let bytes = take_length_delimited(buf)?;
                p.strings.push(String::from_utf8_lossy(bytes).into_owned());
            }
            7 => int64::merge(wire_type, &mut p.drop_frames, buf, ctx.clone())?,
            8 => int64::merge(wire_type, &mut p.keep_frames, buf, ctx.clone())?,
            9 => int64::merge(wire_type, &mut p.time_nanos, buf, ctx.clone())?,
            10 => int64::merge(wire_type, &mut p.duration_nanos, buf, ctx.clone())?,
            11 => message::merge(
                wire_type,
                p.period_type.get_or_insert_with(Default::default),
                buf,
                ctx.clone(),
            )?,
            12 => int64::merge(wire_type, &mut p.period, buf, ctx.clone())?,
            13 => int64::merge_repeated(wire_type, &mut p.comment, buf, ctx.clone())?,
            14 => int64::merge(wire_type, &mut p.default_sample_type, buf, ctx.clone())?,
            _ => encoding::skip_field(wire_type, tag, buf, ctx.clone())?,
        }
        Ok(())
    }
}

impl RawSamples {
    fn push(
        &mut self,
        mut body: &[u8],
        scratch: &mut Scratch,
        ctx: &DecodeContext,
    ) -> Result<(), ProfileError> {
        use encoding::{int64, message};
        scratch.values.clear();
        let body = &mut body;
        while !body.is_empty() {
            let (tag, wire_type) = decode_key(body)?;
            match tag {
                // Location ids go straight into the flat array, packed or not.
                1 if wire_type == WireType::LengthDelimited => {
                    let mut packed = take_length_delimited(body)?;
                    while !packed.is_empty() {
                        self.location_ids.push(decode_varint(&mut packed)?);
                    }
                }
                1 => {
                    expect_wire_type(WireType::Varint, wire_type)?;
                    self.location_ids.push(decode_varint(body)?);
                }
                2 => int64::merge_repeated(wire_type, &mut scratch.values, body, ctx.clone())?,
                3 => message::merge_repeated(wire_type, &mut self.labels, body, ctx.clone())?,
                _ => encoding::skip_field(wire_type, tag, body, ctx.clone())?,
            }
        }
        self.stack_ends.push(self.location_ids.len());
        self.values.extend_from_slice(&scratch.values);
        self.value_ends.push(self.values.len());
        self.label_ends.push(self.labels.len());
        Ok(())
    }
}

/// Maps the ids a profile uses (arbitrary u64s, in practice 1..=n) to arena
/// indices: a direct table when ids are dense, a hash map otherwise.
enum IdIndex {
    Dense(Vec<u32>),
    Sparse(HashMap<u64, u32>),
}

impl IdIndex {
    const ABSENT: u32 = u32::MAX;

    fn build(
        ids: impl ExactSizeIterator<Item = u64> + Clone,
        what: &'static str,
    ) -> Result<Self, ProfileError> {
        let n = ids.len();
        if n >= IdIndex::ABSENT as usize {
            return Err(ProfileError::TooMany {
                what,
                max: IdIndex::ABSENT as usize - 1,
            });
        }
        let max = ids.clone().max().unwrap_or(0);
        let mut index = if max <= (n as u64).saturating_mul(4).max(1024) {
            IdIndex::Dense(vec![IdIndex::ABSENT; max as usize + 1])
        } else {
            IdIndex::Sparse(HashMap::with_capacity_and_hasher(n, Default::default()))
        };
        for (i, id) in ids.enumerate() {
            if id == 0 {
                return Err(ProfileError::ZeroId { what });
            }
            let fresh = match &mut index {
                IdIndex::Dense(table) => {
                    let slot = &mut table[id as usize];
                    let fresh = *slot == IdIndex::ABSENT;
                    *slot = i as u32;
                    fresh
                }
                IdIndex::Sparse(map) => map.insert(id, i as u32).is_none(),
            };
            if !fresh {
                return Err(ProfileError::DuplicateId { what, id });
            }
        }
        Ok(index)
    }

    /// Replaces every id by its index, in parallel for large inputs; on a
    /// dangling id, returns the position of the first one (left unresolved).
    fn resolve_in_place(&self, ids: &mut [u32]) -> Result<(), usize> {
        const MIN_PER_THREAD: usize = 1 << 20;
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(4);
        let parts = (ids.len() / MIN_PER_THREAD).clamp(1, threads);
        let chunk = ids.len().div_ceil(parts).max(1);
        if parts == 1 {
            return self.resolve_chunk(ids);
        }
        let results: Vec<Result<(), usize>> = std::thread::scope(|scope| {
            join_all(
                ids.chunks_mut(chunk)
                    .map(|part| scope.spawn(move || self.resolve_chunk(part)))
                    .collect(),
            )
        });
        for (i, result) in results.into_iter().enumerate() {
            result.map_err(|at| i * chunk + at)?;
        }
        Ok(())
    }

    fn resolve_chunk(&self, ids: &mut [u32]) -> Result<(), usize> {
        match self {
            IdIndex::Dense(table) => {
                for (i, id) in ids.iter_mut().enumerate() {
                    match table.get(*id as usize) {
                        Some(&index) if index != IdIndex::ABSENT => *id = index,
                        _ => return Err(i),
                    }
                }
            }
            IdIndex::Sparse(map) => {
                for (i, id) in ids.iter_mut().enumerate() {
                    *id = *map.get(&u64::from(*id)).ok_or(i)?;
                }
            }
        }
        Ok(())
    }

    fn get(&self, id: u64) -> Option<u32> {
        match self {
            IdIndex::Dense(table) => usize::try_from(id)
                .ok()
                .and_then(|i| table.get(i))
                .copied()
                .filter(|&i| i != IdIndex::ABSENT),
            IdIndex::Sparse(map) => map.get(&id).copied(),
        }
    }
}

/// Resolves string-table indices, rejecting those out of range.
struct Strings<'a>(&'a [String]);

impl Strings<'_> {
    fn get(&self, index: i64) -> Result<&str, ProfileError> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.0.get(i))
            .map(String::as_str)
            .ok_or(ProfileError::StringIndex {
                index,
                len: self.0.len(),
            })
    }

    fn owned(&self, index: i64) -> Result<String, ProfileError> {
        self.get(index).map(str::to_owned)
    }

    fn id(&self, index: i64) -> Result<StrId, ProfileError> {
        self.get(index)?;
        Ok(StrId(index as u32))
    }

    fn value_type(&self, vt: &pb::ValueType) -> Result<ValueType, ProfileError> {
        Ok(ValueType {
            name: self.owned(vt.r#type)?,
            unit: self.owned(vt.unit)?,
        })
    }

    fn optional(&self, index: i64) -> Result<Option<String>, ProfileError> {
        let s = self.get(index)?;
        Ok((!s.is_empty()).then(|| s.to_owned()))
    }
}

impl TryFrom<RawProfile> for Profile {
    type Error = ProfileError;

    fn try_from(raw: RawProfile) -> Result<Profile, ProfileError> {
        if raw.strings.first().is_some_and(|s| !s.is_empty()) {
            return Err(ProfileError::StringTableStart);
        }
        if raw.strings.len() > u32::MAX as usize {
            return Err(ProfileError::TooMany {
                what: "strings",
                max: u32::MAX as usize,
            });
        }
        let strings = Strings(&raw.strings);
        if raw.sample_type.is_empty() {
            return Err(ProfileError::NoSampleTypes);
        }
        let sample_types = raw
            .sample_type
            .iter()
            .map(|vt| strings.value_type(vt))
            .collect::<Result<Vec<_>, _>>()?;

        let mappings = raw
            .mapping
            .iter()
            .map(|m| {
                Ok(Mapping {
                    id: m.id,
                    memory_start: m.memory_start,
                    memory_limit: m.memory_limit,
                    file_offset: m.file_offset,
                    file: strings.owned(m.filename)?,
                    build_id: strings.owned(m.build_id)?,
                    has_functions: m.has_functions,
                    has_filenames: m.has_filenames,
                    has_line_numbers: m.has_line_numbers,
                    has_inline_frames: m.has_inline_frames,
                })
            })
            .collect::<Result<Vec<_>, ProfileError>>()?;
        let mapping_index = IdIndex::build(raw.mapping.iter().map(|m| m.id), "mapping")?;

        let functions = raw
            .function
            .iter()
            .map(|f| {
                Ok(Function {
                    id: f.id,
                    name: strings.owned(f.name)?,
                    system_name: strings.owned(f.system_name)?,
                    filename: strings.owned(f.filename)?,
                    start_line: f.start_line,
                })
            })
            .collect::<Result<Vec<_>, ProfileError>>()?;
        let function_index = IdIndex::build(raw.function.iter().map(|f| f.id), "function")?;

        let total_lines: usize = raw.location.iter().map(|l| l.line.len()).sum();
        if total_lines.saturating_add(raw.location.len()) > MAX_FRAMES {
            return Err(ProfileError::TooMany {
                what: "location lines",
                max: MAX_FRAMES,
            });
        }
        let mut lines = Vec::with_capacity(total_lines);
        let mut locations = Vec::with_capacity(raw.location.len());
        for l in &raw.location {
            let mapping = match l.mapping_id {
                0 => None,
                id => {
                    Some(MappingId(mapping_index.get(id).ok_or(
                        ProfileError::DanglingMapping { location: l.id, id },
                    )?))
                }
            };
            let start = lines.len() as u32;
            for line in &l.line {
                let function = match line.function_id {
                    0 => None,
                    id => {
                        Some(FunctionId(function_index.get(id).ok_or(
                            ProfileError::DanglingFunction { location: l.id, id },
                        )?))
                    }
                };
                lines.push(Line {
                    function,
                    line: line.line,
                    column: line.column,
                });
            }
            locations.push(Location {
                id: l.id,
                mapping,
                address: l.address,
                lines: start..lines.len() as u32,
                is_folded: l.is_folded,
            });
        }
        let location_index = IdIndex::build(raw.location.iter().map(|l| l.id), "location")?;

        let samples = build_samples(raw.samples, &location_index, &strings, sample_types.len())?;

        let comments = raw
            .comment
            .iter()
            .map(|&c| strings.owned(c))
            .collect::<Result<_, _>>()?;
        let period_type = match &raw.period_type {
            Some(vt) => Some(strings.value_type(vt)?),
            None => None,
        };
        Ok(Profile {
            default_sample_type: strings.optional(raw.default_sample_type)?,
            drop_frames: strings.optional(raw.drop_frames)?,
            keep_frames: strings.optional(raw.keep_frames)?,
            sample_types,
            period_type,
            period: raw.period,
            time_nanos: raw.time_nanos,
            duration_nanos: raw.duration_nanos,
            comments,
            mappings,
            functions,
            locations,
            lines,
            samples,
            strings: StringTable::new(raw.strings),
        })
    }
}

/// Resolves raw location ids to arena indices (in place while they are
/// narrow) and validates each sample's value count and label strings.
fn build_samples(
    raw: RawSamples,
    locations: &IdIndex,
    strings: &Strings<'_>,
    value_count: usize,
) -> Result<Samples, ProfileError> {
    let RawSamples {
        location_ids,
        stack_ends,
        values,
        value_ends,
        labels,
        label_ends,
    } = raw;
    let dangling = |frame: usize, id: u64| ProfileError::DanglingLocation {
        sample: stack_ends.partition_point(|&end| end <= frame),
        id,
    };
    let frames = match location_ids {
        LocationIds::Narrow(mut ids) => {
            locations
                .resolve_in_place(&mut ids)
                .map_err(|frame| dangling(frame, u64::from(ids[frame])))?;
            ids
        }
        LocationIds::Wide(ids) => ids
            .iter()
            .enumerate()
            .map(|(frame, &id)| locations.get(id).ok_or_else(|| dangling(frame, id)))
            .collect::<Result<_, _>>()?,
    };
    let mut start = 0;
    for (sample, &end) in value_ends.iter().enumerate() {
        if end - start != value_count {
            return Err(ProfileError::ValueCount {
                sample,
                got: end - start,
                want: value_count,
            });
        }
        start = end;
    }
    let labels = labels
        .iter()
        .map(|l| {
            Ok(Label {
                key: strings.id(l.key)?,
                str: strings.id(l.str)?,
                num: l.num,
                num_unit: strings.id(l.num_unit)?,
            })
        })
        .collect::<Result<Vec<_>, ProfileError>>()?;
    let has_labels = !labels.is_empty();
    Ok(Samples::new(
        value_count,
        stack_ends,
        frames,
        values,
        if has_labels { label_ends } else { Vec::new() },
        labels,
    ))
}
