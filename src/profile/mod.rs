//! Decoding pprof profiles into a validated, resolved [`Profile`].

mod decode;
mod dump;
mod encode;
mod error;
mod interner;
mod label_frames;
mod legacy;
mod merge;
mod model;

pub use decode::{
    DEFAULT_MAX_DECOMPRESSED, DecodeOptions, Detail, Keep, MAX_FRAMES, MAX_STACK_FRAMES, decode,
    decode_reader, pb,
};
pub use dump::{CREATED_BY, LEAKED, STATE, WAIT};
pub(crate) use encode::gzip;
pub use encode::{encode, encode_gzip};
pub use error::ProfileError;
pub use label_frames::{add_label_frames, group_by_label};
pub use legacy::{MemStats, MemValue, is_fresh_heap, with_alloc_and_inuse};
// The combining API is what `analysis::Study` and `analysis::Lineup` need:
// merge, compare with a base, lay snapshots side by side, and say when
// profiles can stay apart. The merger's own parts stay inside `merge`.
pub use merge::{
    BaseMode, MergeError, Merged, appends_as_is, combine_with_base, common_sample_types,
    default_type_source, diff_base_appends_as_is, diff_base_owned, merge, side_by_side,
    side_by_side_owned,
};
pub use model::{
    Function, FunctionId, Label, Line, Location, LocationId, Mapping, MappingId, Profile, Samples,
    StrId, StringTable, UnknownSampleType, ValueType,
};
