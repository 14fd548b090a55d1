//! What `top`, `diff` and `trend` print: pprof-compatible text and JSON.

pub mod json;
pub mod text;
pub mod units;
