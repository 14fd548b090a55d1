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

use std::collections::HashMap;
use std::io::Read;

use prost::encoding::{self, DecodeContext, WireType, decode_key, decode_varint};

use super::error::ProfileError;
use super::model::{
    Function, FunctionId, Label, Line, Location, Mapping, MappingId, Profile, Samples, StrId,
    StringTable, ValueType,
};

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

/// Decodes a profile from its file contents: gzip-compressed or raw protobuf.
pub fn decode(bytes: &[u8], options: &DecodeOptions) -> Result<Profile, ProfileError> {
    if bytes.is_empty() {
        return Err(ProfileError::Empty);
    }
    let raw = if bytes.starts_with(&GZIP_MAGIC) {
        let inflated = inflate(bytes, options.max_decompressed)?;
        RawProfile::parse(&inflated)?
        // `inflated` is dropped here, before the model is built.
    } else {
        if bytes.len() as u64 > options.max_decompressed {
            return Err(ProfileError::TooLarge {
                limit: options.max_decompressed,
            });
        }
        RawProfile::parse(bytes)?
    };
    Profile::try_from(raw)
}

/// Inflates a gzip stream, refusing to produce more than `limit` bytes.
fn inflate(bytes: &[u8], limit: u64) -> Result<Vec<u8>, ProfileError> {
    // The gzip trailer stores the uncompressed size modulo 2^32: a good
    // capacity hint for the usual single-member file, which saves the
    // doubling reallocations (and their transient 1.5x peak) of a growing Vec.
    let hint = match bytes.len().checked_sub(4).map(|at| &bytes[at..]) {
        Some(&[a, b, c, d]) => u64::from(u32::from_le_bytes([a, b, c, d])),
        _ => 0,
    };
    let capacity = hint.min(limit).min(bytes.len() as u64 * 64);
    let mut out = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    let decoder = flate2::read::MultiGzDecoder::new(bytes);
    decoder
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(ProfileError::Gzip)?;
    if out.len() as u64 > limit {
        return Err(ProfileError::TooLarge { limit });
    }
    Ok(out)
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

    fn extend(&mut self, ids: &[u64]) {
        if let LocationIds::Narrow(narrow) = self {
            if ids.iter().all(|&id| u32::try_from(id).is_ok()) {
                narrow.extend(ids.iter().map(|&id| id as u32));
                return;
            }
            let wide = narrow.iter().map(|&id| u64::from(id)).collect();
            *self = LocationIds::Wide(wide);
        }
        if let LocationIds::Wide(wide) = self {
            wide.extend_from_slice(ids);
        }
    }
}

/// Per-sample scratch buffers, reused so that decoding a sample allocates nothing.
#[derive(Default)]
struct Scratch {
    ids: Vec<u64>,
    values: Vec<i64>,
}

/// Splits a length-delimited payload off the front of `buf`.
fn take_length_delimited<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], ProfileError> {
    let len = decode_varint(buf)?;
    let len = usize::try_from(len)
        .ok()
        .filter(|&len| len <= buf.len())
        .ok_or_else(|| {
            ProfileError::Protobuf(format!(
                "a length prefix of {len} bytes runs past the end of the data"
            ))
        })?;
    let (payload, rest) = buf.split_at(len);
    *buf = rest;
    Ok(payload)
}

fn expect_length_delimited(wire_type: WireType) -> Result<(), prost::DecodeError> {
    encoding::check_wire_type(WireType::LengthDelimited, wire_type)
}

impl RawProfile {
    fn parse(mut buf: &[u8]) -> Result<RawProfile, ProfileError> {
        use encoding::{int64, message};
        let ctx = DecodeContext::default();
        let mut p = RawProfile::default();
        let mut scratch = Scratch::default();
        let buf = &mut buf;
        while !buf.is_empty() {
            let (tag, wire_type) = decode_key(buf)?;
            match tag {
                1 => message::merge_repeated(wire_type, &mut p.sample_type, buf, ctx.clone())?,
                2 => {
                    expect_length_delimited(wire_type)?;
                    let body = take_length_delimited(buf)?;
                    p.samples.push(body, &mut scratch, &ctx)?;
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
        }
        Ok(p)
    }
}

impl RawSamples {
    fn push(
        &mut self,
        mut body: &[u8],
        scratch: &mut Scratch,
        ctx: &DecodeContext,
    ) -> Result<(), ProfileError> {
        use encoding::{int64, message, uint64};
        scratch.ids.clear();
        scratch.values.clear();
        let body = &mut body;
        while !body.is_empty() {
            let (tag, wire_type) = decode_key(body)?;
            match tag {
                1 => uint64::merge_repeated(wire_type, &mut scratch.ids, body, ctx.clone())?,
                2 => int64::merge_repeated(wire_type, &mut scratch.values, body, ctx.clone())?,
                3 => message::merge_repeated(wire_type, &mut self.labels, body, ctx.clone())?,
                _ => encoding::skip_field(wire_type, tag, body, ctx.clone())?,
            }
        }
        self.location_ids.extend(&scratch.ids);
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
            IdIndex::Sparse(HashMap::with_capacity(n))
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
        if total_lines > u32::MAX as usize {
            return Err(ProfileError::TooMany {
                what: "lines",
                max: u32::MAX as usize,
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
    let sample_of = |frame: usize| stack_ends.partition_point(|&end| end <= frame);
    let resolve = |frame: usize, id: u64| {
        locations
            .get(id)
            .ok_or_else(|| ProfileError::DanglingLocation {
                sample: sample_of(frame),
                id,
            })
    };
    let frames = match location_ids {
        LocationIds::Narrow(mut ids) => {
            for (frame, id) in ids.iter_mut().enumerate() {
                *id = resolve(frame, u64::from(*id))?;
            }
            ids
        }
        LocationIds::Wide(ids) => ids
            .iter()
            .enumerate()
            .map(|(frame, &id)| resolve(frame, id))
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
