//! pprof-tui: read Go (pprof) profiles in the terminal.
//!
//! Data flows one way: [`input`] reads bytes (files, stdin, URLs, a watched
//! service) and writes files, [`profile`] decodes bytes into a validated model
//! (quantities and their units are [`units`], below everything),
//! [`analysis`] computes reports from it with no I/O, and the outputs
//! ([`report`], [`export`], [`tui`]) present them. [`cli`] wires it together.

pub mod analysis;
pub mod cli;
pub mod export;
pub mod glossary;
pub mod input;
mod parallel;
pub mod profile;
pub mod report;
pub mod safe_text;
pub mod tui;
pub mod units;
