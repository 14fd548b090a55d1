//! Where bytes come from and where files go: profiles from files, standard
//! input and URLs ([`source`]), a live service polled on an interval
//! ([`watch`]), the compiler's escape analysis read from a file or made by
//! running `go build` ([`escape`]), the program's source files the Source
//! view lists ([`code`]), and the one atomic writer every output goes
//! through ([`output`]).
//!
//! This layer sits just above `profile` (it decodes what it reads) and
//! below `analysis`: it returns bytes, text and profiles, and decides
//! nothing about what they mean.

pub mod code;
pub mod escape;
pub(crate) mod output;
pub mod source;
pub mod watch;
