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
//!
//! It is one file because it is one boundary: the streaming reader, the
//! hand decoder of the top-level message and the conversion into the model
//! share the raw types (`RawProfile`, `RawSamples`, `RawLocations`) and the
//! fallible-growth helpers, which must never leave it; past it, only
//! [`Profile`] exists.

use foldhash::HashMap;
use std::io::Read;

use prost::encoding::{self, DecodeContext, WireType, decode_key, decode_varint};

use super::error::ProfileError;
use super::legacy::{self, MemStats};
use super::model::{
    Function, FunctionId, Label, Line, Location, Mapping, MappingId, Profile, Samples, StrId,
    StringTable, ValueType,
};
use crate::parallel::map_parts;

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

/// The most frames a profile's samples may hold, each location counted
/// once per line (its inlined calls too): the frames every report walks.
/// Three times the 80 MB benchmark profile's 22.5 million, room for a dump
/// of a million goroutines 60 frames deep; the memory of the widest view (an
/// SVG flame graph, about 48 bytes a frame) stays near 3 GB. A location of
/// many lines repeated in a stack multiplies them: 200 kB of protobuf can
/// describe 10⁸ frames, and 2 MB 4·10¹⁰ (hours of walking), refused at once.
pub const MAX_STACK_FRAMES: usize = 1 << 26;

/// How to decode a profile.
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    /// Refuse inputs whose decompressed protobuf is larger than this many bytes.
    pub max_decompressed: u64,
    /// Which samples to keep.
    pub keep: Keep,
    /// What of each location to keep.
    pub detail: Detail,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_decompressed: DEFAULT_MAX_DECOMPRESSED,
            keep: Keep::All,
            detail: Detail::Full,
        }
    }
}

impl DecodeOptions {
    /// These options, keeping every sample.
    pub fn keeping_all(&self) -> DecodeOptions {
        DecodeOptions {
            keep: Keep::All,
            ..self.clone()
        }
    }
}

/// Which samples a decode keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Keep {
    /// Every sample: what every view of more than one sample type needs.
    #[default]
    All,
    /// Only the samples with a non-zero value of one sample type: the one
    /// `--sample-index` asks for (`None`: the profile's default). A report
    /// of that type alone sums nothing else, and most samples of a Go heap
    /// profile are allocations freed since (`inuse_*` zero), whose stacks
    /// are then skipped unread (`top` on the Go compiler's heap profile
    /// reads 29,000 stacks instead of 96,000).
    ///
    /// The type's name is not known until the string table, which comes
    /// after the samples, so the decoder goes by the number of types
    /// ([`Profile::sample_index_by_position`]) and checks its guess against
    /// [`Profile::resolve_sample_type`] at the end: a wrong guess is
    /// [`ProfileError::SkippedForAnotherType`], and the caller reads the
    /// profile again keeping all. A skipped sample's stack is not checked:
    /// its location ids may be dangling without an error.
    NonZero { asked: Option<String> },
}

/// What of each location a decode keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Detail {
    /// All the input says of it.
    #[default]
    Full,
    /// What a report by function, file or whole stack reads: the functions
    /// of its lines. A reader may then set every address and line number to
    /// 0 and make the locations that differ in nothing else one, as pprof's
    /// `Profile.Aggregate` does before such a report; the legacy text
    /// reader does (a text names nearly every pc once: a million
    /// locations in a 100 MB text, where a few thousand functions call
    /// each other). A protobuf is read whole.
    Functions,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Decodes a profile held in memory: gzip-compressed or raw protobuf.
pub fn decode(bytes: &[u8], options: &DecodeOptions) -> Result<Profile, ProfileError> {
    decode_reader(bytes, options)
}

/// Size of the pieces inflated data is handed over in. The inflater runs
/// ahead of the parser until the queue is full, so the chunks in flight
/// (about six) are all first touches of fresh memory: at 64 KiB they cost
/// the compiler's heap profile 330 page faults fewer than at 256 KiB (of
/// 5,290), and a larger profile reads no slower.
const CHUNK: usize = 1 << 16;

/// Decodes a profile from a stream: gzip-compressed (detected by its magic
/// bytes) or raw protobuf.
///
/// The stream is never held whole: a gzip stream is inflated on a second
/// thread in 64 KiB chunks that the protobuf parser consumes as they come,
/// so inflating and parsing overlap and neither the compressed nor the
/// inflated bytes are kept (on an 80 MB profile, that is most of the peak
/// memory of a decode-then-parse design).
pub fn decode_reader<R: Read + Send>(
    reader: R,
    options: &DecodeOptions,
) -> Result<Profile, ProfileError> {
    let profile = read_any(reader, options)?;
    profile.check_stack_frames()?;
    Ok(profile)
}

/// [`decode_reader`] but for the limit on the frames the stacks hold.
fn read_any<R: Read + Send>(
    mut reader: R,
    options: &DecodeOptions,
) -> Result<Profile, ProfileError> {
    let mut head = [0u8; legacy::SNIFF];
    let got = read_full(&mut reader, &mut head)?;
    if got == 0 {
        return Err(ProfileError::Empty);
    }
    let input = (&head[..got]).chain(reader);
    if head[..got.min(2)] == GZIP_MAGIC {
        std::thread::scope(|scope| {
            let (sender, receiver) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(4);
            // Parsed chunks go back to the inflater to be filled again, so
            // a stream of any size touches only a few chunks' worth of
            // fresh memory (page faults were a fifth of a small decode).
            let (give_back, given_back) = std::sync::mpsc::sync_channel::<Vec<u8>>(8);
            scope.spawn(move || {
                let mut gz = flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(
                    1 << 18,
                    input,
                ));
                loop {
                    let mut chunk = given_back.try_recv().unwrap_or_default();
                    chunk.resize(CHUNK, 0);
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
            parse_any(chunks, options, |chunk| {
                // A full queue or a finished inflater: the chunk is freed.
                let _ = give_back.try_send(chunk);
            })
        })
    } else {
        let mut input = input;
        // Parsed chunks are filled again, as the inflater's are.
        let spare = std::cell::RefCell::new(Vec::<Vec<u8>>::new());
        let chunks = std::iter::from_fn(|| {
            let mut chunk = spare.borrow_mut().pop().unwrap_or_default();
            chunk.resize(CHUNK, 0);
            match read_full(&mut input, &mut chunk) {
                Ok(0) => None,
                Ok(n) => {
                    chunk.truncate(n);
                    Some(Ok(chunk))
                }
                Err(e) => Some(Err(ProfileError::Io(e))),
            }
        });
        parse_any(chunks, options, |chunk| {
            let mut spare = spare.borrow_mut();
            if spare.len() < 8 {
                spare.push(chunk);
            }
        })
    }
}

/// Parses the (inflated) stream as it comes: a protobuf, or, when it starts
/// with a text profile's header, a legacy text profile ([`legacy`]), both
/// within the same size limit. A goroutine dump, and printable text with
/// no known header (for the error naming its first line), are read whole.
fn parse_any<'a>(
    chunks: impl Iterator<Item = Result<Vec<u8>, ProfileError>> + 'a,
    options: &DecodeOptions,
    spent: impl FnMut(Vec<u8>) + 'a,
) -> Result<Profile, ProfileError> {
    let limit = options.max_decompressed;
    let mut chunks = chunks.peekable();
    // Text by its header (a control byte in a name does not make it
    // protobuf); a dump is text even when a panic message holds control bytes.
    let is_text = matches!(chunks.peek(), Some(Ok(first))
        if legacy::has_text_header(first)
            || legacy::looks_like_text(first)
            || super::dump::looks_like_dump(first));
    if !is_text {
        let raw = RawProfile::parse_chunks(chunks, limit, &options.keep, spent)?;
        return Profile::try_from(raw);
    }
    // A text profile is read as it comes; anything else whole.
    let mut input = legacy::Input::new(Box::new(chunks), limit, spent);
    input.read_head()?;
    let head = input.complete();
    if legacy::has_text_header(head) && !super::dump::looks_like_dump(head) {
        return legacy::parse_input(input, options.detail);
    }
    let text = input.into_text()?;
    if super::dump::looks_like_dump(&text) {
        return super::dump::parse(&text);
    }
    legacy::parse_input(legacy::Input::whole(text), options.detail)
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

/// The most bytes a field's key and length prefix (or a whole scalar
/// field) take: two varints of at most ten bytes.
const FIELD_HEAD: usize = 20;

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

/// The length a top-level field at the start of `buf` says it has (its
/// key, length and body), once its key and length prefix are there.
fn declared_extent(buf: &[u8]) -> Option<u64> {
    let mut cursor = buf;
    let key = try_varint(&mut cursor)?;
    let body = match key & 7 {
        2 => try_varint(&mut cursor)?,
        _ => return None,
    };
    let header = (buf.len() - cursor.len()) as u64;
    Some(header.saturating_add(body))
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

/// The top-level message as it is on the wire, with samples already flat
/// and every table in a compact form: nothing here costs much more than the
/// bytes it came from (see docs/safety.md, "Memory is bounded by the input").
#[derive(Default)]
struct RawProfile {
    sample_type: Vec<pb::ValueType>,
    samples: RawSamples,
    mappings: Vec<Mapping>,
    locations: RawLocations,
    functions: Vec<Function>,
    strings: StringTable,
    drop_frames: i64,
    keep_frames: i64,
    time_nanos: i64,
    duration_nanos: i64,
    period_type: Option<pb::ValueType>,
    period: i64,
    comment: Vec<u32>,
    default_sample_type: i64,
}

/// Samples in structure-of-arrays form, straight off the wire.
#[derive(Default)]
struct RawSamples {
    location_ids: LocationIds,
    stack_ends: Vec<usize>,
    values: Vec<i64>,
    /// How many values each sample has: the first sample's count, which
    /// every other sample must match (checked against the sample types at
    /// the end).
    value_count: Option<usize>,
    labels: Vec<Label>,
    /// Empty until some sample has a label.
    label_ends: Vec<usize>,
    /// The largest key of the labels dropped for having no value.
    dropped_label_key: StrId,
    /// Whether samples of zero value are skipped, and at which type.
    skipping: Skipping,
    /// How many samples were skipped.
    skipped: usize,
}

/// The decoder's side of [`Keep`].
#[derive(Default)]
enum Skipping {
    /// Every sample is kept.
    #[default]
    Off,
    /// To be settled at the first sample, once the sample types are counted.
    Pending { asked: Option<String> },
    /// Samples whose value at `index` is zero are skipped; `asked` checks
    /// the guess at the end.
    At { index: usize, asked: Option<String> },
}

impl Skipping {
    fn new(keep: &Keep) -> Skipping {
        match keep {
            Keep::All => Skipping::Off,
            Keep::NonZero { asked } => Skipping::Pending {
                asked: asked.clone(),
            },
        }
    }

    /// The value index to judge by, settling a pending guess first.
    fn index(&mut self, sample_types: usize) -> Option<usize> {
        if let Skipping::Pending { asked } = self {
            // Sample types written after the first sample (no encoder does)
            // leave nothing to guess by: every sample is kept.
            *self = match Profile::sample_index_by_position(asked.as_deref(), sample_types) {
                Some(index) if sample_types > 0 => Skipping::At {
                    index,
                    asked: asked.take(),
                },
                _ => Skipping::Off,
            };
        }
        match self {
            Skipping::At { index, .. } => Some(*index),
            _ => None,
        }
    }
}

/// Locations as they come, already in the model's form; the raw mapping and
/// function ids wait beside them until every table has been read.
#[derive(Default)]
struct RawLocations {
    locations: Vec<Location>,
    /// The id each location has in the profile (the model numbers them
    /// by their place).
    ids: Vec<u64>,
    mapping_ids: Vec<u64>,
    lines: Vec<Line>,
    /// Each line's column, from the first line with one on (empty while
    /// every column is 0, as Go writes them).
    columns: Vec<i64>,
    function_ids: Vec<u64>,
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

    fn truncate(&mut self, len: usize) {
        match self {
            LocationIds::Narrow(v) => v.truncate(len),
            LocationIds::Wide(v) => v.truncate(len),
        }
    }

    fn push(&mut self, id: u64) -> Result<(), ProfileError> {
        match self {
            LocationIds::Narrow(narrow) => match u32::try_from(id) {
                Ok(id) => try_push(narrow, id),
                Err(_) => {
                    let mut wide = Vec::new();
                    reserve(&mut wide, narrow.len() + 1)?;
                    wide.extend(narrow.iter().map(|&id| u64::from(id)));
                    wide.push(id);
                    *self = LocationIds::Wide(wide);
                    Ok(())
                }
            },
            LocationIds::Wide(wide) => try_push(wide, id),
        }
    }

    /// Appends a packed run of ids: the sample decoder's hot loop (a
    /// large heap profile has millions), so room is made once for the
    /// whole run (each id takes at least a byte) and nothing else is
    /// checked per id but its width.
    fn extend_packed(&mut self, mut packed: &[u8]) -> Result<(), ProfileError> {
        while !packed.is_empty() {
            let wide_id = match self {
                LocationIds::Narrow(narrow) => {
                    // Slots are made first and filled through a slice, so the
                    // loop keeps its place in registers instead of the
                    // vector's length in memory; the unused ones are cut.
                    let start = narrow.len();
                    reserve(narrow, packed.len())?;
                    narrow.resize(start + packed.len(), 0);
                    let mut filled = 0;
                    let mut wide_id = None;
                    for slot in &mut narrow[start..] {
                        if packed.is_empty() {
                            break;
                        }
                        let id;
                        (id, packed) = split_varint(packed)?;
                        match u32::try_from(id) {
                            Ok(id) => *slot = id,
                            Err(_) => {
                                wide_id = Some(id);
                                break;
                            }
                        }
                        filled += 1;
                    }
                    narrow.truncate(start + filled);
                    wide_id
                }
                LocationIds::Wide(wide) => {
                    reserve(wide, packed.len())?;
                    while !packed.is_empty() {
                        let id;
                        (id, packed) = split_varint(packed)?;
                        wide.push(id);
                    }
                    None
                }
            };
            // An id past 32 bits widens the array, then the run goes on.
            if let Some(id) = wide_id {
                self.push(id)?;
            }
        }
        Ok(())
    }
}

/// Splits a varint off the front of `bytes`: the one- and two-byte forms
/// (nearly every location id and many values) inline, longer ones through
/// prost, whose errors they then keep. The rest comes back by value, so
/// a loop over a packed run keeps its place in registers.
#[inline(always)]
fn split_varint(bytes: &[u8]) -> Result<(u64, &[u8]), prost::DecodeError> {
    match *bytes {
        [b0, ref rest @ ..] if b0 < 0x80 => Ok((u64::from(b0), rest)),
        [b0, b1, ref rest @ ..] if b1 < 0x80 => {
            Ok((u64::from(b0 & 0x7f) | u64::from(b1) << 7, rest))
        }
        _ => split_long_varint(bytes),
    }
}

#[inline(never)]
fn split_long_varint(mut bytes: &[u8]) -> Result<(u64, &[u8]), prost::DecodeError> {
    let value = decode_varint(&mut bytes)?;
    Ok((value, bytes))
}

/// Makes room for `additional` more items, or says that memory ran out
/// (instead of aborting the process, as a failed `Vec` growth would).
pub(super) fn reserve<T>(v: &mut Vec<T>, additional: usize) -> Result<(), ProfileError> {
    v.try_reserve(additional)
        .map_err(|_| ProfileError::OutOfMemory)
}

/// `v.push(x)`, growing the vector fallibly.
fn try_push<T>(v: &mut Vec<T>, x: T) -> Result<(), ProfileError> {
    if v.len() == v.capacity() {
        reserve(v, v.len().max(8))?;
    }
    v.push(x);
    Ok(())
}

/// Per-sample scratch buffers, reused so that decoding a sample allocates nothing.
#[derive(Default)]
struct Scratch {
    indices: Vec<i64>,
    function: pb::Function,
    mapping: pb::Mapping,
}

/// Splits a length-delimited payload off the front of `buf`.
fn take_length_delimited<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], ProfileError> {
    let len;
    (len, *buf) = split_varint(buf)?;
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

/// A string-table index as the model stores it (`u32`): larger ones can
/// never be valid, since the table cannot have that many entries.
fn string_index(index: i64) -> Result<StrId, ProfileError> {
    u32::try_from(index)
        .map(StrId)
        .map_err(|_| ProfileError::StringIndexTooLarge { index })
}

impl RawProfile {
    /// Parses a stream of chunks, field by field: a field split across
    /// chunks waits for the next one. Refuses more than `limit` bytes.
    fn parse_chunks(
        chunks: impl Iterator<Item = Result<Vec<u8>, ProfileError>>,
        limit: u64,
        keep: &Keep,
        mut spent: impl FnMut(Vec<u8>),
    ) -> Result<RawProfile, ProfileError> {
        let ctx = DecodeContext::default();
        let mut p = RawProfile::default();
        p.samples.skipping = Skipping::new(keep);
        let mut scratch = Scratch::default();
        let mut pending: Vec<u8> = Vec::new();
        let mut total = 0u64;
        for chunk in chunks {
            let chunk = chunk?;
            // When more data comes after a field that says it will pass the
            // limit, it is refused now, not after inflating and holding it
            // up to the limit: a bomb with a valid prefix then costs what
            // the prefix does. (Data that ends first is cut short instead.)
            if !chunk.is_empty()
                && let Some(extent) = declared_extent(&pending)
            {
                let start = total - pending.len() as u64;
                if start.saturating_add(extent) > limit {
                    return Err(ProfileError::FieldTooLarge { len: extent, limit });
                }
            }
            total += chunk.len() as u64;
            if total > limit {
                return Err(ProfileError::TooLarge { limit });
            }
            let mut rest = chunk.as_slice();
            // A field cut by the chunk's start is completed from the chunk's
            // front alone (not by copying the whole chunk after it), then
            // the rest is parsed where it lies.
            while !pending.is_empty() && !rest.is_empty() {
                let wanted = match declared_extent(&pending) {
                    // The rest of a length-delimited field whose length is in.
                    Some(extent) => usize::try_from(extent)
                        .unwrap_or(usize::MAX)
                        .saturating_sub(pending.len()),
                    // A key or length still cut, or a scalar: a few bytes more.
                    None => FIELD_HEAD,
                }
                .clamp(1, rest.len());
                let (head, tail) = rest.split_at(wanted);
                reserve(&mut pending, head.len())?;
                pending.extend_from_slice(head);
                rest = tail;
                let consumed = p.parse_complete_fields(&pending, &mut scratch, &ctx)?;
                pending.drain(..consumed);
            }
            if pending.is_empty() {
                let consumed = p.parse_complete_fields(rest, &mut scratch, &ctx)?;
                reserve(&mut pending, rest.len() - consumed)?;
                pending.extend_from_slice(&rest[consumed..]);
            }
            spent(chunk);
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
            1 => {
                if p.sample_type.len() >= MAX_SAMPLE_TYPES {
                    return Err(ProfileError::TooMany {
                        what: "sample types",
                        max: MAX_SAMPLE_TYPES,
                    });
                }
                message::merge_repeated(wire_type, &mut p.sample_type, buf, ctx.clone())?
            }
            2 => {
                expect_length_delimited(wire_type)?;
                let body = take_length_delimited(buf)?;
                p.samples.push(body, p.sample_type.len(), ctx)?;
            }
            3 => {
                let m = &mut scratch.mapping;
                *m = pb::Mapping::default();
                message::merge(wire_type, m, buf, ctx.clone())?;
                if m.id == 0 {
                    return Err(ProfileError::ZeroId { what: "mapping" });
                }
                // String indices are checked once the table is complete.
                let mapping = Mapping {
                    id: m.id,
                    memory_start: m.memory_start,
                    memory_limit: m.memory_limit,
                    file_offset: m.file_offset,
                    file: string_index(m.filename)?,
                    build_id: string_index(m.build_id)?,
                    has_functions: m.has_functions,
                    has_filenames: m.has_filenames,
                    has_line_numbers: m.has_line_numbers,
                    has_inline_frames: m.has_inline_frames,
                };
                try_push(&mut p.mappings, mapping)?;
            }
            4 => {
                expect_length_delimited(wire_type)?;
                let body = take_length_delimited(buf)?;
                p.locations.push(body, ctx)?;
            }
            5 => {
                let f = &mut scratch.function;
                *f = pb::Function::default();
                message::merge(wire_type, f, buf, ctx.clone())?;
                if f.id == 0 {
                    return Err(ProfileError::ZeroId { what: "function" });
                }
                let function = Function {
                    id: f.id,
                    name: string_index(f.name)?,
                    system_name: string_index(f.system_name)?,
                    filename: string_index(f.filename)?,
                    start_line: f.start_line,
                };
                try_push(&mut p.functions, function)?;
            }
            6 => {
                // Decoded leniently: Go symbol names are not always valid UTF-8.
                expect_length_delimited(wire_type)?;
                let bytes = take_length_delimited(buf)?;
                p.strings.push(&String::from_utf8_lossy(bytes))?;
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
            13 => {
                scratch.indices.clear();
                int64::merge_repeated(wire_type, &mut scratch.indices, buf, ctx.clone())?;
                reserve(&mut p.comment, scratch.indices.len())?;
                for &index in &scratch.indices {
                    p.comment.push(string_index(index)?.0);
                }
            }
            14 => int64::merge(wire_type, &mut p.default_sample_type, buf, ctx.clone())?,
            _ => encoding::skip_field(wire_type, tag, buf, ctx.clone())?,
        }
        Ok(())
    }
}

/// The most sample types a profile may have. Real ones have one to four,
/// pprof sets no limit, and each costs a value in every sample (read from
/// the input, so bounded by it) and copies of two names (bounded by
/// [`MAX_TYPE_NAME_BYTES`]): this only stops a list of types alone from
/// growing without end.
const MAX_SAMPLE_TYPES: usize = 1 << 16;

impl RawSamples {
    fn push(
        &mut self,
        mut body: &[u8],
        sample_types: usize,
        ctx: &DecodeContext,
    ) -> Result<(), ProfileError> {
        use encoding::int64;
        let values_before = self.values.len();
        let labels_before = self.labels.len();
        let ids_before = self.location_ids.len();
        let skip_at = self.skipping.index(sample_types);
        // When samples may be skipped, a sample's packed ids wait until its
        // values say whether it is kept (encoders write ids first).
        let mut waiting: Option<&[u8]> = None;
        let body = &mut body;
        while let [first, ref rest @ ..] = **body {
            // The keys every encoder writes (packed ids, packed values, a
            // label) are read here; any other goes through prost.
            let (tag, wire_type) = match first {
                0x0a | 0x12 | 0x1a => {
                    *body = rest;
                    (u32::from(first >> 3), WireType::LengthDelimited)
                }
                _ => decode_key(body)?,
            };
            match tag {
                // Location ids go straight into the flat array, packed or not.
                1 if wire_type == WireType::LengthDelimited => {
                    let packed = take_length_delimited(body)?;
                    if let Some(earlier) = waiting.take() {
                        self.location_ids.extend_packed(earlier)?;
                        self.location_ids.extend_packed(packed)?;
                    } else if skip_at.is_some() {
                        waiting = Some(packed);
                    } else {
                        self.location_ids.extend_packed(packed)?;
                    }
                }
                1 => {
                    expect_wire_type(WireType::Varint, wire_type)?;
                    if let Some(earlier) = waiting.take() {
                        self.location_ids.extend_packed(earlier)?;
                    }
                    self.location_ids.push(decode_varint(body)?)?;
                }
                // Values go straight into the flat array too; the count is
                // checked below, and an error ends the whole decode.
                2 if wire_type == WireType::LengthDelimited => {
                    let mut packed = take_length_delimited(body)?;
                    // Each value takes at least a byte.
                    reserve(&mut self.values, packed.len())?;
                    while !packed.is_empty() {
                        let value;
                        (value, packed) = split_varint(packed)?;
                        // int64 on the wire: the varint's bits, two's complement.
                        self.values.push(value as i64);
                    }
                }
                2 => int64::merge_repeated(wire_type, &mut self.values, body, ctx.clone())?,
                3 => {
                    expect_length_delimited(wire_type)?;
                    let label = decode_label(take_length_delimited(body)?)?;
                    if label.str == 0 && label.num == 0 && label.num_unit == 0 {
                        // Neither a string nor a number: pprof drops such a
                        // label when decoding (its key must still be valid).
                        let key = string_index(label.key)?;
                        self.dropped_label_key = self.dropped_label_key.max(key);
                        continue;
                    }
                    try_push(
                        &mut self.labels,
                        Label {
                            key: string_index(label.key)?,
                            str: string_index(label.str)?,
                            num: label.num,
                            num_unit: string_index(label.num_unit)?,
                        },
                    )?;
                }
                _ => encoding::skip_field(wire_type, tag, body, ctx.clone())?,
            }
        }
        let sample = self.stack_ends.len() + self.skipped;
        let got = self.values.len() - values_before;
        match self.value_count {
            None => self.value_count = Some(got),
            Some(want) if want != got => {
                // Sample types usually come first; if not, the first sample sets the count.
                let want = if sample_types > 0 { sample_types } else { want };
                let sample = if got == want { 0 } else { sample };
                return Err(ProfileError::ValueCount { sample, got, want });
            }
            Some(_) => {}
        }
        if sample_types > 0 && got != sample_types {
            return Err(ProfileError::ValueCount {
                sample,
                got,
                want: sample_types,
            });
        }
        if let Some(index) = skip_at
            && self.values.get(values_before + index) == Some(&0)
        {
            // Ids written one by one (Go does for stacks of one or two) are
            // in already.
            self.location_ids.truncate(ids_before);
            self.values.truncate(values_before);
            self.labels.truncate(labels_before);
            self.skipped += 1;
            return Ok(());
        }
        if let Some(packed) = waiting {
            self.location_ids.extend_packed(packed)?;
        }
        let sample = self.stack_ends.len();
        // The first sample with labels fills in the (empty) ends of those before it.
        if self.labels.len() > labels_before || !self.label_ends.is_empty() {
            if self.label_ends.len() < sample {
                reserve(&mut self.label_ends, sample + 1)?;
                self.label_ends.resize(sample, 0);
            }
            try_push(&mut self.label_ends, self.labels.len())?;
        }
        try_push(&mut self.stack_ends, self.location_ids.len())?;
        Ok(())
    }
}

/// Decodes a `Label`: by hand when its fields are the plain varints every
/// encoder writes (a heap profile has a label per sample), else through
/// prost, which then also gives the errors.
fn decode_label(body: &[u8]) -> Result<pb::Label, ProfileError> {
    let mut label = pb::Label::default();
    let mut rest = body;
    while let [key, ref tail @ ..] = *rest {
        let field = match key {
            0x08 => &mut label.key,
            0x10 => &mut label.str,
            0x18 => &mut label.num,
            0x20 => &mut label.num_unit,
            _ => break,
        };
        let Ok((value, tail)) = split_varint(tail) else {
            break;
        };
        // int64 on the wire: the varint's bits, two's complement.
        *field = value as i64;
        rest = tail;
    }
    if !rest.is_empty() {
        label = pb::Label::default();
        prost::Message::merge(&mut label, body)?;
    }
    Ok(label)
}

impl RawLocations {
    /// Reads one `Location` message (decoded by hand, so that its lines
    /// land in the flat array instead of a vector of their own).
    fn push(&mut self, mut body: &[u8], ctx: &DecodeContext) -> Result<(), ProfileError> {
        use encoding::{bool as boolean, uint64};
        let (mut id, mut mapping_id, mut address, mut is_folded) = (0, 0, 0, false);
        let start = self.lines.len();
        let body = &mut body;
        while !body.is_empty() {
            let (tag, wire_type) = decode_key(body)?;
            match tag {
                1 => uint64::merge(wire_type, &mut id, body, ctx.clone())?,
                2 => uint64::merge(wire_type, &mut mapping_id, body, ctx.clone())?,
                3 => uint64::merge(wire_type, &mut address, body, ctx.clone())?,
                4 => {
                    expect_length_delimited(wire_type)?;
                    let mut line = pb::Line::default();
                    prost::Message::merge(&mut line, take_length_delimited(body)?)?;
                    try_push(&mut self.function_ids, line.function_id)?;
                    if line.column != 0 || !self.columns.is_empty() {
                        self.columns.resize(self.lines.len(), 0);
                        try_push(&mut self.columns, line.column)?;
                    }
                    try_push(
                        &mut self.lines,
                        Line {
                            function: None,
                            line: line.line,
                        },
                    )?;
                }
                5 => boolean::merge(wire_type, &mut is_folded, body, ctx.clone())?,
                _ => encoding::skip_field(wire_type, tag, body, ctx.clone())?,
            }
        }
        if id == 0 {
            return Err(ProfileError::ZeroId { what: "location" });
        }
        if self.lines.len().saturating_add(self.locations.len()) >= MAX_FRAMES {
            return Err(ProfileError::TooMany {
                what: "location lines",
                max: MAX_FRAMES,
            });
        }
        try_push(&mut self.mapping_ids, mapping_id)?;
        try_push(&mut self.ids, id)?;
        try_push(
            &mut self.locations,
            Location {
                mapping: None,
                address,
                lines: start as u32..self.lines.len() as u32,
                is_folded,
            },
        )
    }
}

/// Maps the ids a profile uses (arbitrary u64s, in practice 1..=n) to arena
/// indices: a direct table when ids are dense, a hash map otherwise.
enum IdIndex {
    Dense(Vec<u32>),
    /// Hashed with a random seed: the ids are the profile's to choose.
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
            let mut table = Vec::new();
            reserve(&mut table, max as usize + 1)?;
            table.resize(max as usize + 1, IdIndex::ABSENT);
            IdIndex::Dense(table)
        } else {
            let mut map = HashMap::default();
            map.try_reserve(n).map_err(|_| ProfileError::OutOfMemory)?;
            IdIndex::Sparse(map)
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
        let results = map_parts(ids.chunks_mut(chunk).collect(), |part| {
            self.resolve_chunk(part)
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
struct Strings<'a>(&'a StringTable);

impl<'a> Strings<'a> {
    fn id(&self, index: i64) -> Result<StrId, ProfileError> {
        match u32::try_from(index) {
            Ok(i) if (i as usize) < self.0.len() => Ok(StrId(i)),
            _ => Err(ProfileError::StringIndex {
                index,
                len: self.0.len(),
            }),
        }
    }

    fn check(&self, id: StrId) -> Result<(), ProfileError> {
        self.id(i64::from(id.0)).map(drop)
    }

    fn get(&self, index: i64) -> Result<&'a str, ProfileError> {
        Ok(self.0.get(self.id(index)?))
    }

    fn owned(&self, index: i64) -> Result<String, ProfileError> {
        self.get(index).map(str::to_owned)
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

/// The most bytes the names of the sample types (and period type) may
/// take together: they are copied, so a thousand types named after one
/// long string must not copy it a thousand times.
const MAX_TYPE_NAME_BYTES: usize = 1 << 20;

/// Collects fallibly: reserves for every item first.
fn try_collect<T>(
    len: usize,
    items: impl Iterator<Item = Result<T, ProfileError>>,
) -> Result<Vec<T>, ProfileError> {
    let mut out = Vec::new();
    reserve(&mut out, len)?;
    for item in items {
        out.push(item?);
    }
    Ok(out)
}

impl TryFrom<RawProfile> for Profile {
    type Error = ProfileError;

    fn try_from(raw: RawProfile) -> Result<Profile, ProfileError> {
        if !raw.strings.is_empty() && !raw.strings.get(StrId(0)).is_empty() {
            return Err(ProfileError::StringTableStart);
        }
        let strings = Strings(&raw.strings);
        if raw.sample_type.is_empty() {
            return Err(ProfileError::NoSampleTypes);
        }
        let type_bytes: usize = raw
            .sample_type
            .iter()
            .chain(&raw.period_type)
            .map(|vt| {
                let name = strings.get(vt.r#type).map_or(0, str::len);
                name + strings.get(vt.unit).map_or(0, str::len)
            })
            .sum();
        if type_bytes > MAX_TYPE_NAME_BYTES {
            return Err(ProfileError::TooMany {
                what: "bytes of sample type names",
                max: MAX_TYPE_NAME_BYTES,
            });
        }
        let sample_types = raw
            .sample_type
            .iter()
            .map(|vt| strings.value_type(vt))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(got) = raw.samples.value_count
            && got != sample_types.len()
        {
            return Err(ProfileError::ValueCount {
                sample: 0,
                got,
                want: sample_types.len(),
            });
        }

        let skipped_at = match &raw.samples.skipping {
            Skipping::At { index, asked } => Some((*index, asked.clone())),
            _ => None,
        };
        let RawProfile {
            mappings,
            functions,
            ..
        } = raw;
        for m in &mappings {
            strings.check(m.file)?;
            strings.check(m.build_id)?;
        }
        let mapping_index = IdIndex::build(mappings.iter().map(|m| m.id), "mapping")?;
        for f in &functions {
            strings.check(f.name)?;
            strings.check(f.system_name)?;
            strings.check(f.filename)?;
        }
        let function_index = IdIndex::build(functions.iter().map(|f| f.id), "function")?;

        let RawLocations {
            mut locations,
            ids: location_ids,
            mapping_ids,
            mut lines,
            mut columns,
            function_ids,
        } = raw.locations;
        // Lines are kept in location order, so compacting them in place
        // (dropping lines with no function) only ever moves one backwards.
        let mut kept = 0usize;
        for ((l, &id), &location) in locations.iter_mut().zip(&mapping_ids).zip(&location_ids) {
            // A mapping id that names no mapping is no mapping, as pprof
            // reads it (it checks functions, not mappings).
            l.mapping = (id != 0)
                .then(|| mapping_index.get(id))
                .flatten()
                .and_then(MappingId::new);
            let start = kept;
            for i in l.lines.start as usize..l.lines.end as usize {
                let id = function_ids[i];
                // A line naming no function (id 0) is no frame: pprof
                // refuses such a line, and a converted file must not carry
                // one, so it is dropped here, once, for every reader.
                if id == 0 {
                    continue;
                }
                let index = function_index
                    .get(id)
                    .ok_or(ProfileError::DanglingFunction { location, id })?;
                let mut line = lines[i];
                line.function = Some(FunctionId::at(index as usize)?);
                lines[kept] = line;
                let column = columns.get(i).copied().unwrap_or(0);
                if let Some(slot) = columns.get_mut(kept) {
                    *slot = column;
                }
                kept += 1;
            }
            l.lines = start as u32..kept as u32;
        }
        lines.truncate(kept);
        columns.truncate(kept);
        if columns.iter().all(|&c| c == 0) {
            columns = Vec::new();
        }
        drop((mapping_ids, function_ids));
        let location_index = IdIndex::build(location_ids.iter().copied(), "location")?;
        drop(location_ids);

        let samples = build_samples(raw.samples, &location_index, &strings, sample_types.len())?;

        // MemStats written as a comment (by `convert` or `--save-dir`) go
        // back into the model, and the comment with them: the model holds
        // them once, and the encoder writes them again from there.
        let mut memstats = None;
        let mut comments = Vec::with_capacity(raw.comment.len());
        for c in raw.comment {
            let id = strings.id(i64::from(c))?;
            match MemStats::from_comment(strings.0.get(id)) {
                Some(stats) => {
                    memstats.get_or_insert_with(|| Box::new(stats));
                }
                None => comments.push(id),
            }
        }
        let period_type = match &raw.period_type {
            Some(vt) => Some(strings.value_type(vt)?),
            None => None,
        };
        let profile = Profile {
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
            columns,
            samples,
            strings: raw.strings,
            memstats,
        };
        // Samples skipped by their value at a guessed type: the guess must
        // be the type the request resolves to, now that names are known.
        if let Some((index, asked)) = skipped_at
            && profile.resolve_sample_type(asked.as_deref()).ok() != Some(index)
        {
            return Err(ProfileError::SkippedForAnotherType);
        }
        Ok(profile)
    }
}

/// Resolves raw location ids to arena indices (in place while they are
/// narrow) and validates the label strings.
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
        labels,
        label_ends,
        dropped_label_key,
        ..
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
        LocationIds::Wide(ids) => try_collect(
            ids.len(),
            ids.iter()
                .enumerate()
                .map(|(frame, &id)| locations.get(id).ok_or_else(|| dangling(frame, id))),
        )?,
    };
    strings.check(dropped_label_key)?;
    for l in &labels {
        strings.check(l.key)?;
        strings.check(l.str)?;
        strings.check(l.num_unit)?;
    }
    Ok(Samples::new(
        value_count,
        stack_ends,
        frames,
        values,
        label_ends,
        labels,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    /// A profile of `n` one-frame samples; those in `labelled` get a label.
    fn labelled_profile(n: usize, labelled: &[usize]) -> Vec<u8> {
        let strings = ["", "v", "c", "f", "k"].map(String::from).to_vec();
        pb::Profile {
            sample_type: vec![pb::ValueType { r#type: 1, unit: 2 }],
            sample: (0..n)
                .map(|i| pb::Sample {
                    location_id: vec![1],
                    value: vec![i as i64],
                    label: if labelled.contains(&i) {
                        vec![
                            pb::Label {
                                key: 4,
                                num: i as i64 + 1,
                                ..Default::default()
                            },
                            // No value: dropped, as pprof drops it.
                            pb::Label {
                                key: 4,
                                ..Default::default()
                            },
                        ]
                    } else {
                        vec![]
                    },
                })
                .collect(),
            location: vec![pb::Location {
                id: 1,
                line: vec![pb::Line {
                    function_id: 1,
                    line: 3,
                    column: 0,
                }],
                ..Default::default()
            }],
            function: vec![pb::Function {
                id: 1,
                name: 3,
                ..Default::default()
            }],
            string_table: strings,
            ..Default::default()
        }
        .encode_to_vec()
    }

    /// A legacy heap text of several blocks, with a MemStats block.
    fn long_heap_text() -> Vec<u8> {
        let mut text = String::from("heap profile: 1: 8 [1: 8] @ heap/1048576\n");
        for i in 0..30_000u64 {
            let pc = 0x40_0000 + (i % 997) * 0x40;
            text += &format!(
                "1: 8 [{}: {}] @ {:#x} {:#x}\n#\t{:#x}\tmain.f{}+0x10\tf.go:{}\n#\t{:#x}\tmain.main+0x8\tm.go:3\n\n",
                i % 5 + 1,
                8 * (i % 5 + 1),
                pc + 1,
                0x50_0009,
                pc,
                i % 13,
                i % 7,
                0x50_0008
            );
        }
        text += "\n# runtime.MemStats\n# HeapInuse = 4096\n";
        text.into_bytes()
    }

    #[test]
    fn a_legacy_text_streamed_reads_as_held_whole_within_the_limit() {
        let text = long_heap_text();
        assert!(text.len() > 2 * legacy::BLOCK_FOR_TESTS, "several blocks");
        let whole = format!("{:?}", legacy::parse(&text).unwrap());
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &text).unwrap();
        let gz = gz.finish().unwrap();
        for input in [&text, &gz] {
            let streamed = decode_reader(input.as_slice(), &DecodeOptions::default()).unwrap();
            assert!(streamed.memstats.is_some(), "the MemStats block is read");
            assert_eq!(format!("{streamed:?}"), whole);
            let limited = DecodeOptions {
                max_decompressed: text.len() as u64 - 1,
                ..DecodeOptions::default()
            };
            let refused = decode_reader(input.as_slice(), &limited);
            assert!(
                matches!(refused, Err(ProfileError::TooLarge { .. })),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn labels_stay_with_their_samples() {
        for labelled in [&[0usize, 2][..], &[1, 2], &[3], &[]] {
            let bytes = labelled_profile(4, labelled);
            let p = decode(&bytes, &DecodeOptions::default()).unwrap();
            for i in 0..4 {
                let nums: Vec<i64> = p.samples().labels(i).iter().map(|l| l.num).collect();
                let want: Vec<i64> = if labelled.contains(&i) {
                    vec![i as i64 + 1]
                } else {
                    vec![]
                };
                assert_eq!(nums, want, "sample {i} of {labelled:?}");
            }
        }
    }

    /// Every sample's stack (each location by its place, from 1), values
    /// and label numbers.
    fn sample_facts(p: &Profile) -> Vec<(Vec<u64>, Vec<i64>, Vec<i64>)> {
        let samples = p.samples();
        (0..samples.len())
            .map(|i| {
                let stack = samples
                    .stack_raw(i)
                    .iter()
                    .map(|&l| u64::from(l) + 1)
                    .collect();
                let values = (0..p.sample_types.len())
                    .map(|k| samples.value(i, k))
                    .collect();
                let labels = samples.labels(i).iter().map(|l| l.num).collect();
                (stack, values, labels)
            })
            .collect()
    }

    #[test]
    fn fields_cut_anywhere_between_chunks_parse_alike() {
        let bytes = labelled_profile(12, &[1, 5, 6]);
        let whole = decode(&bytes, &DecodeOptions::default()).unwrap();
        assert_eq!(sample_facts(&whole)[5], (vec![1], vec![5], vec![6]));
        for size in 1..=bytes.len() {
            let chunks = bytes.chunks(size).map(|c| Ok(c.to_vec()));
            let mut spent = 0;
            let raw =
                RawProfile::parse_chunks(chunks, u64::MAX, &Keep::All, |_| spent += 1).unwrap();
            let cut = Profile::try_from(raw).unwrap();
            assert_eq!(sample_facts(&cut), sample_facts(&whole), "chunks of {size}");
            assert_eq!(spent, bytes.len().div_ceil(size), "chunks of {size}");
        }
    }

    /// A profile of one sample type and one function (`f`, id 1) with
    /// these samples and locations, encoded.
    fn with_one_function(sample: Vec<pb::Sample>, location: Vec<pb::Location>) -> Vec<u8> {
        pb::Profile {
            sample_type: vec![pb::ValueType { r#type: 1, unit: 2 }],
            sample,
            location,
            function: vec![pb::Function {
                id: 1,
                name: 3,
                ..Default::default()
            }],
            string_table: ["", "v", "c", "f"].map(String::from).to_vec(),
            ..Default::default()
        }
        .encode_to_vec()
    }

    #[test]
    fn columns_survive_decoding_writing_and_merging() {
        use crate::profile::merge::{MergeInput, SampleMerge, merge, merge_inputs};
        let line = |function_id, line, column| pb::Line {
            function_id,
            line,
            column,
        };
        let location = |id, line: Vec<pb::Line>| pb::Location {
            id,
            line,
            ..Default::default()
        };
        let profile = |columns: [i64; 3]| {
            let sample = pb::Sample {
                location_id: vec![1, 2],
                value: vec![3],
                label: vec![],
            };
            let locations = vec![
                // The line naming no function is dropped, and the columns
                // after it move with their lines.
                location(1, vec![line(1, 10, columns[0]), line(0, 11, 9)]),
                location(2, vec![line(1, 12, columns[1]), line(1, 13, columns[2])]),
            ];
            let bytes = with_one_function(vec![sample], locations);
            decode(&bytes, &DecodeOptions::default()).unwrap()
        };
        let columns =
            |p: &Profile| -> Vec<i64> { (0..p.lines.len()).map(|i| p.column(i)).collect() };
        let with = profile([0, 7, 5]);
        assert_eq!(columns(&with), [0, 7, 5]);
        let without = profile([0, 0, 0]);
        assert!(without.columns.is_empty(), "Go's profiles keep no columns");
        assert_eq!(columns(&without), [0, 0, 0]);
        let mut bytes = Vec::new();
        crate::profile::encode::encode(&with, &mut bytes).unwrap();
        let again = decode(&bytes, &DecodeOptions::default()).unwrap();
        assert_eq!(columns(&again), [0, 7, 5]);
        // A merge keeps each location's columns, whichever input has them.
        assert_eq!(columns(&merge(&[&without, &with]).unwrap()), [0, 0, 0]);
        let other = profile([4, 0, 0]);
        assert_eq!(columns(&merge(&[&with, &other]).unwrap()), [0, 7, 5]);
        // Appended, every input's locations are the output's.
        let inputs = [MergeInput::plain(&without), MergeInput::plain(&with)];
        let appended = merge_inputs(&inputs, SampleMerge::Append).unwrap();
        assert_eq!(columns(&appended.profile), [0, 0, 0, 0, 7, 5]);
    }

    #[test]
    fn an_id_past_32_bits_widens_the_ids_in_the_middle_of_a_run() {
        let far = 1u64 << 40;
        let location = |id| pb::Location {
            id,
            line: vec![pb::Line {
                function_id: 1,
                line: 3,
                column: 0,
            }],
            ..Default::default()
        };
        let stacks = [vec![2, 1], vec![1, far, 2, 1], vec![far, 300]];
        let ids = [1, 2, far, 300];
        let samples = stacks.iter().map(|stack| pb::Sample {
            location_id: stack.clone(),
            value: vec![-7],
            label: vec![],
        });
        let bytes = with_one_function(samples.collect(), ids.map(location).to_vec());
        let p = decode(&bytes, &DecodeOptions::default()).unwrap();
        // The model numbers a location by its place in the profile.
        let place = |id: &u64| ids.iter().position(|i| i == id).unwrap() as u64 + 1;
        let want: Vec<_> = stacks
            .iter()
            .map(|stack| (stack.iter().map(place).collect(), vec![-7], vec![]))
            .collect();
        assert_eq!(sample_facts(&p), want);
    }

    #[test]
    fn labels_read_by_hand_read_as_prost_reads_them() {
        let plain = pb::Label {
            key: 4,
            str: 0,
            num: -3,
            num_unit: 300,
        }
        .encode_to_vec();
        let mut unknown_field = plain.clone();
        unknown_field.extend([0x28, 0x01]);
        let bodies = [
            plain,
            unknown_field,
            // The key of field 1 in two bytes, then a value.
            vec![0x88, 0x00, 0x02],
            // Field 2 twice: the last wins.
            vec![0x10, 0x05, 0x10, 0x06],
            // Field 1 as bytes: prost's error.
            vec![0x0a, 0x01, 0x00],
            // A value cut short.
            vec![0x18, 0x80],
            vec![],
        ];
        for body in bodies {
            let want = pb::Label::decode(body.as_slice()).map_err(|e| e.to_string());
            let got = decode_label(&body).map_err(|e| match e {
                ProfileError::Prost(e) => e.to_string(),
                other => format!("not prost's: {other}"),
            });
            assert_eq!(got, want, "{body:02x?}");
        }
    }

    #[test]
    fn strings_are_compact_and_shared() {
        let bytes = labelled_profile(1, &[]);
        let p = decode(&bytes, &DecodeOptions::default()).unwrap();
        assert_eq!(p.strings.len(), 5);
        assert_eq!(p.string(StrId(3)), "f");
        assert_eq!(p.string(p.functions[0].name), "f");
        assert_eq!(p.string(p.functions[0].filename), "");
    }

    /// A profile of two types ("alloc", "inuse") and `n` samples: sample
    /// `i` has the stack `[i % 3 + 1, 1]`, values `[1, (i % 2) * 10]` (every
    /// other one freed) and, on every third from the second, a label (so
    /// on kept and skipped samples alike). `default_alloc` makes
    /// "alloc" the default type. Every third sample's ids are written one
    /// by one, not packed, as Go writes stacks of one or two.
    fn two_type_profile(n: usize, default_alloc: bool) -> Vec<u8> {
        use prost::encoding::{encode_key, encode_varint};
        let mut profile =
            pb::Profile::decode(two_type_packed(n, default_alloc).as_slice()).unwrap();
        let samples = std::mem::take(&mut profile.sample);
        let mut bytes = profile.encode_to_vec();
        for (i, sample) in samples.iter().enumerate() {
            let body = if i % 3 == 0 {
                let mut body = Vec::new();
                for &id in &sample.location_id {
                    encode_key(1, WireType::Varint, &mut body);
                    encode_varint(id, &mut body);
                }
                let rest = pb::Sample {
                    location_id: vec![],
                    ..sample.clone()
                };
                body.extend(rest.encode_to_vec());
                body
            } else {
                sample.encode_to_vec()
            };
            encode_key(2, WireType::LengthDelimited, &mut bytes);
            encode_varint(body.len() as u64, &mut bytes);
            bytes.extend(body);
        }
        bytes
    }

    fn two_type_packed(n: usize, default_alloc: bool) -> Vec<u8> {
        let strings = ["", "alloc", "count", "inuse", "bytes", "f", "k"].map(String::from);
        let line = pb::Line {
            function_id: 1,
            line: 3,
            column: 0,
        };
        pb::Profile {
            sample_type: vec![
                pb::ValueType { r#type: 1, unit: 2 },
                pb::ValueType { r#type: 3, unit: 4 },
            ],
            sample: (0..n)
                .map(|i| pb::Sample {
                    location_id: vec![i as u64 % 3 + 1, 1],
                    value: vec![1, (i as i64 % 2) * 10],
                    label: (i % 3 == 1)
                        .then(|| pb::Label {
                            key: 6,
                            num: i as i64 + 1,
                            ..Default::default()
                        })
                        .into_iter()
                        .collect(),
                })
                .collect(),
            location: (1..=3)
                .map(|id| pb::Location {
                    id,
                    line: vec![line],
                    ..Default::default()
                })
                .collect(),
            function: vec![pb::Function {
                id: 1,
                name: 5,
                ..Default::default()
            }],
            string_table: strings.to_vec(),
            default_sample_type: if default_alloc { 1 } else { 0 },
            ..Default::default()
        }
        .encode_to_vec()
    }

    fn keeping(asked: Option<&str>) -> DecodeOptions {
        DecodeOptions {
            keep: Keep::NonZero {
                asked: asked.map(str::to_owned),
            },
            ..DecodeOptions::default()
        }
    }

    #[test]
    fn samples_of_zero_value_at_the_type_asked_are_skipped_and_the_rest_kept_whole() {
        let bytes = two_type_profile(10, false);
        let all = sample_facts(&decode(&bytes, &DecodeOptions::default()).unwrap());
        assert_eq!(all.len(), 10);
        let nonzero: Vec<_> = all.iter().filter(|s| s.1[1] != 0).cloned().collect();
        assert_eq!(nonzero.len(), 5);
        // The default type (the last) and the same asked by number.
        for asked in [None, Some("1")] {
            let kept = decode(&bytes, &keeping(asked)).unwrap();
            assert_eq!(sample_facts(&kept), nonzero, "{asked:?}");
        }
        // No sample is zero at "alloc"; a name is not known in time to
        // skip by, so every sample is kept.
        for asked in [Some("0"), Some("inuse"), Some("alloc")] {
            let kept = decode(&bytes, &keeping(asked)).unwrap();
            assert_eq!(sample_facts(&kept), all, "{asked:?}");
        }
    }

    #[test]
    fn a_default_type_other_than_the_last_refuses_the_guess() {
        let bytes = two_type_profile(10, true);
        assert!(matches!(
            decode(&bytes, &keeping(None)),
            Err(ProfileError::SkippedForAnotherType)
        ));
        // Asked by number, the default does not matter.
        let kept = decode(&bytes, &keeping(Some("1"))).unwrap();
        assert_eq!(kept.samples().len(), 5);
    }

    #[test]
    fn a_bad_sample_is_numbered_among_all_samples_while_skipping() {
        let mut profile = pb::Profile::decode(two_type_profile(10, false).as_slice()).unwrap();
        profile.sample[7].value.push(0);
        let bytes = profile.encode_to_vec();
        for options in [DecodeOptions::default(), keeping(None)] {
            let err = decode(&bytes, &options).unwrap_err().to_string();
            assert_eq!(
                err, "sample 7 has 3 values but the profile has 2 sample types",
                "{options:?}"
            );
        }
    }
}
