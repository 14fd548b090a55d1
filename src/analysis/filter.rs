//! Sample and frame filters with `go tool pprof`'s semantics:
//! `focus`/`ignore` keep or drop whole samples by a frame's function name,
//! file name or mapping file; `hide`/`show` remove or keep frames;
//! `tagfocus`/`tagignore` select samples by label.

use regex::Regex;
use thiserror::Error;

use crate::profile::{Label, Profile};

/// A filter option that could not be parsed.
#[derive(Debug, Error)]
pub enum FilterError {
    #[error("invalid {option} regex '{pattern}': {message}")]
    Regex {
        option: &'static str,
        pattern: String,
        message: String,
    },
}

/// The active filters of a view. All are optional; the default keeps everything.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Keep only samples with a frame matching this.
    pub focus: Option<Regex>,
    /// Drop samples with a frame matching this.
    pub ignore: Option<Regex>,
    /// Remove matching frames from stacks.
    pub hide: Option<Regex>,
    /// Keep only matching frames in stacks.
    pub show: Option<Regex>,
    /// Keep only samples whose labels match.
    pub tag_focus: Option<TagFilter>,
    /// Drop samples whose labels match.
    pub tag_ignore: Option<TagFilter>,
}

impl Filters {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.focus.is_none()
            && self.ignore.is_none()
            && self.hide.is_none()
            && self.show.is_none()
            && self.tag_focus.is_none()
            && self.tag_ignore.is_none()
    }

    /// Human-readable descriptions of the active filters, as pprof lists them.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        let regexes = [
            ("focus", &self.focus),
            ("ignore", &self.ignore),
            ("hide", &self.hide),
            ("show", &self.show),
        ];
        for (name, re) in regexes {
            if let Some(re) = re {
                out.push(format!("{name}={}", re.as_str()));
            }
        }
        for (name, tag) in [
            ("tagfocus", &self.tag_focus),
            ("tagignore", &self.tag_ignore),
        ] {
            if let Some(tag) = tag {
                out.push(format!("{name}={}", tag.source));
            }
        }
        out
    }
}

/// Compiles a user regex (unanchored, like pprof's).
pub fn compile_regex(option: &'static str, pattern: &str) -> Result<Regex, FilterError> {
    Regex::new(pattern).map_err(|e| FilterError::Regex {
        option,
        pattern: pattern.to_owned(),
        message: e
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_owned(),
    })
}

/// A label filter: `[key=]regex[,regex…]` on string labels, or
/// `[key=]low:high` (either end optional, units like `kb` or `ms` allowed)
/// on numeric labels.
#[derive(Debug, Clone)]
pub struct TagFilter {
    source: String,
    key: Option<String>,
    kind: TagMatch,
}

#[derive(Debug, Clone)]
enum TagMatch {
    Strings(Vec<Regex>),
    Range {
        low: Option<(f64, Unit)>,
        high: Option<(f64, Unit)>,
        exact: bool,
    },
}

/// A unit family and the factor to its base unit (bytes or nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Bytes(f64),
    Nanos(f64),
    Plain,
}

fn parse_unit(s: &str) -> Option<Unit> {
    let lower = s.to_ascii_lowercase();
    let trimmed = if lower.len() > 2 {
        lower.trim_end_matches('s').to_owned()
    } else {
        lower.clone()
    };
    let unit = match trimmed.as_str() {
        "" => Unit::Plain,
        "b" | "byte" => Unit::Bytes(1.0),
        "kb" | "kbyte" | "kilobyte" => Unit::Bytes(1024.0),
        "mb" | "mbyte" | "megabyte" => Unit::Bytes(1024.0 * 1024.0),
        "gb" | "gbyte" | "gigabyte" => Unit::Bytes(1024.0 * 1024.0 * 1024.0),
        "tb" | "tbyte" | "terabyte" => Unit::Bytes(1024.0f64.powi(4)),
        "ns" | "nanosecond" => Unit::Nanos(1.0),
        "us" | "microsecond" => Unit::Nanos(1e3),
        "ms" | "millisecond" => Unit::Nanos(1e6),
        "s" | "sec" | "second" => Unit::Nanos(1e9),
        "hr" | "hour" => Unit::Nanos(3600e9),
        _ => return None,
    };
    Some(unit)
}

/// Parses `12`, `1.5kb`, `10ms` into a number and unit.
fn parse_quantity(s: &str) -> Option<(f64, Unit)> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    Some((num.parse().ok()?, parse_unit(unit)?))
}

impl TagFilter {
    pub fn parse(option: &'static str, spec: &str) -> Result<TagFilter, FilterError> {
        let (key, value) = match spec.split_once('=') {
            Some((k, v)) => (Some(k.to_owned()), v),
            None => (None, spec),
        };
        let range = if let Some((lo, hi)) = value.split_once(':') {
            let lo = if lo.is_empty() {
                Some(None)
            } else {
                parse_quantity(lo).map(Some)
            };
            let hi = if hi.is_empty() {
                Some(None)
            } else {
                parse_quantity(hi).map(Some)
            };
            match (lo, hi) {
                (Some(low), Some(high)) if low.is_some() || high.is_some() => {
                    Some(TagMatch::Range {
                        low,
                        high,
                        exact: false,
                    })
                }
                _ => None,
            }
        } else {
            parse_quantity(value).map(|q| TagMatch::Range {
                low: Some(q),
                high: Some(q),
                exact: true,
            })
        };
        let kind = match range {
            Some(range) => range,
            None => TagMatch::Strings(
                value
                    .split(',')
                    .map(|p| compile_regex(option, p))
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(TagFilter {
            source: spec.to_owned(),
            key,
            kind,
        })
    }

    /// Whether a sample with these labels matches.
    pub fn matches(&self, profile: &Profile, labels: &[Label]) -> bool {
        match &self.kind {
            TagMatch::Strings(regexes) => {
                let string_labels = labels.iter().filter(|l| l.str.index() != 0);
                match &self.key {
                    // Every regex must match some `key:value`.
                    None => regexes.iter().all(|re| {
                        string_labels.clone().any(|l| {
                            re.is_match(&format!(
                                "{}:{}",
                                profile.string(l.key),
                                profile.string(l.str)
                            ))
                        })
                    }),
                    Some(key) => string_labels
                        .filter(|l| profile.string(l.key) == key)
                        .any(|l| regexes.iter().any(|re| re.is_match(profile.string(l.str)))),
                }
            }
            TagMatch::Range { low, high, exact } => labels
                .iter()
                .filter(|l| l.str.index() == 0)
                .filter(|l| {
                    self.key
                        .as_deref()
                        .is_none_or(|k| profile.string(l.key) == k)
                })
                .any(|l| {
                    let unit = label_unit(profile.string(l.key), profile.string(l.num_unit));
                    let value = l.num as f64;
                    let in_unit = |(q, u): &(f64, Unit)| -> Option<f64> {
                        match (u, unit) {
                            (Unit::Bytes(f), Unit::Bytes(g)) | (Unit::Nanos(f), Unit::Nanos(g)) => {
                                Some(q * f / g)
                            }
                            (Unit::Plain, _) => Some(*q),
                            _ => None,
                        }
                    };
                    let low = low.as_ref().map(in_unit);
                    let high = high.as_ref().map(in_unit);
                    if *exact {
                        return low.flatten().is_some_and(|v| value == v);
                    }
                    let above = match low {
                        None => true,
                        Some(bound) => bound.is_some_and(|b| value >= b),
                    };
                    let below = match high {
                        None => true,
                        Some(bound) => bound.is_some_and(|b| value <= b),
                    };
                    above && below
                }),
        }
    }
}

/// The unit of a numeric label: its own, else guessed from the key as pprof
/// does (`bytes` and `*_bytes` are bytes, `*_ns`/`nanoseconds` are time).
fn label_unit(key: &str, unit: &str) -> Unit {
    if let Some(u) = parse_unit(unit).filter(|_| !unit.is_empty()) {
        return u;
    }
    match key {
        "bytes" | "request" | "alignment" => Unit::Bytes(1.0),
        k if k.ends_with("bytes") => Unit::Bytes(1.0),
        k if k.ends_with("_ns") || k == "nanoseconds" => Unit::Nanos(1.0),
        _ => Unit::Plain,
    }
}
