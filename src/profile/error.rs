//! Errors raised while reading and validating a profile. Each message quotes
//! the offending value so that one line on stderr says what is wrong.

use thiserror::Error;

/// Why a byte stream could not become a [`Profile`](super::Profile).
#[derive(Debug, Error)]
pub enum ProfileError {
    #[error("the file is empty")]
    Empty,
    #[error("reading failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a valid gzip stream: {0}")]
    Gzip(std::io::Error),
    #[error(
        "decompressed size exceeds the limit of {limit} bytes (raise it with --max-decompressed)"
    )]
    TooLarge { limit: u64 },
    #[error(
        "a field of {len} bytes would take the decompressed size past the limit of {limit} bytes (raise it with --max-decompressed)"
    )]
    FieldTooLarge { len: u64, limit: u64 },
    #[error("not a pprof protobuf: {0}")]
    Protobuf(String),
    /// prost's own decode error, said once (not also as a source, which
    /// `{:#}` would print a second time).
    #[error("not a pprof protobuf: {0}")]
    Prost(prost::DecodeError),
    #[error("the profile has no sample types")]
    NoSampleTypes,
    #[error("string index {index} is out of range (the string table has {len} entries)")]
    StringIndex { index: i64, len: usize },
    #[error("string index {index} is out of range")]
    StringIndexTooLarge { index: i64 },
    #[error("out of memory while reading the profile (it needs more than this machine can give)")]
    OutOfMemory,
    #[error("the string table must start with an empty string")]
    StringTableStart,
    #[error("sample {sample} refers to location id {id}, which does not exist")]
    DanglingLocation { sample: usize, id: u64 },
    #[error("location id {location} refers to function id {id}, which does not exist")]
    DanglingFunction { location: u64, id: u64 },
    #[error("location id {location} refers to mapping id {id}, which does not exist")]
    DanglingMapping { location: u64, id: u64 },
    #[error("sample {sample} has {got} values but the profile has {want} sample types")]
    ValueCount {
        sample: usize,
        got: usize,
        want: usize,
    },
    #[error("duplicate {what} id {id}")]
    DuplicateId { what: &'static str, id: u64 },
    #[error("{what} id 0 is reserved")]
    ZeroId { what: &'static str },
    #[error("the profile has more than {max} {what}")]
    TooMany { what: &'static str, max: usize },
    #[error(
        "not a pprof protobuf nor a legacy text profile: it starts with '{first_line}' (expected 'heap profile: …', 'goroutine profile: total N', '--- mutex:' or a goroutine dump)"
    )]
    UnknownText { first_line: String },
    #[error("line {line}: {message}")]
    Legacy { line: usize, message: String },
    /// Samples were skipped by their value of a sample type guessed before
    /// the names were read, and the guess was wrong: the caller reads the
    /// profile again keeping every sample ([`Keep`](super::Keep)).
    #[error("the samples were skipped by another sample type than the one asked for")]
    SkippedForAnotherType,
    /// Profiles that cannot be merged or compared.
    #[error(transparent)]
    Merge(#[from] super::merge::MergeError),
}

impl From<prost::DecodeError> for ProfileError {
    fn from(e: prost::DecodeError) -> Self {
        ProfileError::Prost(e)
    }
}
