//! Decoding pprof profiles into a validated, resolved [`Profile`].

mod decode;
mod error;
mod model;

pub use decode::{DEFAULT_MAX_DECOMPRESSED, DecodeOptions, decode, decode_reader, pb};
pub use error::ProfileError;
pub use model::{
    Function, FunctionId, Label, Line, Location, LocationId, Mapping, MappingId, Profile, Samples,
    StrId, StringTable, ValueType,
};
