//! Decoding pprof profiles into a validated, resolved [`Profile`].

mod decode;
mod encode;
mod error;
mod legacy;
mod merge;
mod model;

pub use decode::{DEFAULT_MAX_DECOMPRESSED, DecodeOptions, MAX_FRAMES, decode, decode_reader, pb};
pub use encode::{encode, encode_gzip};
pub use error::ProfileError;
pub use legacy::{MemStats, MemValue};
pub use merge::{
    BASE_LABEL, BaseMode, MergeError, MergeInput, Merged, SampleMerge, appends_as_is,
    combine_with_base, common_sample_types, default_type_source, diff_base_appends_as_is,
    diff_base_owned, merge, merge_inputs, normalize_ratios, side_by_side, side_by_side_owned,
};
pub use model::{
    Function, FunctionId, Label, Line, Location, LocationId, Mapping, MappingId, Profile, Samples,
    StrId, StringTable, ValueType,
};
