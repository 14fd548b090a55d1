//! Sample and frame filters with `go tool pprof`'s semantics:
//! `focus`/`ignore` keep or drop whole samples by a frame's function name,
//! file name or mapping file; `hide`/`show` remove or keep frames;
//! `tagfocus`/`tagignore` select samples by label.

use regex::Regex;
use thiserror::Error;

use crate::profile::{Label, Profile};
use crate::units::{Quantity, scale};

/// A filter option that could not be parsed.
#[derive(Debug, Error)]
pub enum FilterError {
    #[error("invalid {option} regex '{pattern}': {message}")]
    Regex {
        option: &'static str,
        pattern: String,
        message: String,
    },
    #[error("invalid {option} value '{value}': number out of range")]
    Number { option: &'static str, value: String },
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
/// `[key=]low:high` (either end optional) on numeric labels, parsed and
/// matched as pprof 1.19 does it.
///
/// A numeric filter is compared in the unit its first number is written
/// in: `1kb:` in kB, `10ms` in ms, and a number without a unit in no unit,
/// so `bytes=8` matches no `bytes` label (they are in bytes) — write `8B`.
#[derive(Debug, Clone)]
pub struct TagFilter {
    source: String,
    key: Option<String>,
    kind: TagMatch,
}

#[derive(Debug, Clone)]
enum TagMatch {
    Strings(Vec<Regex>),
    /// Bounds in `unit`, the name pprof's `measurement.Scale` gives the
    /// filter's unit (`kB`, `ms`, `B`, or empty); a label matches when it
    /// scales to the same unit name and lies within the bounds.
    Range {
        low: Option<f64>,
        high: Option<f64>,
        unit: String,
        /// The range as written after `key=`, for pprof's note.
        text: String,
    },
}

/// One bound of a range as pprof's `tagFilterRangeRx` reads it: a signed
/// integer glued to an optional ASCII unit (`32kb`, `-8`, `16B`).
fn range_bound(text: &str) -> Option<Quantity<'_>> {
    Quantity::parse(text)
        .filter(|q| q.is_integer() && !q.spaced && q.unit.chars().all(|c| c.is_ascii_alphabetic()))
}

/// pprof's `parseTagFilterRange`: `32kb` (equal), `:64kb`, `4mb:`,
/// `12kb:64mb`; anything else is not a range. Bounds are in the first
/// number's unit (the second number is converted to it).
fn parse_range(option: &'static str, value: &str) -> Result<Option<TagMatch>, FilterError> {
    let number = |q: Quantity<'_>| -> Result<(i64, String), FilterError> {
        let n = q.integer().ok_or_else(|| FilterError::Number {
            option,
            value: value.to_owned(),
        })?;
        Ok((n, q.unit.to_owned()))
    };
    let (low, high, unit) = match value.split_once(':') {
        None => {
            let Some(q) = range_bound(value) else {
                return Ok(None);
            };
            let (n, u) = number(q)?;
            let (v, unit) = scale(n, &u, &u);
            (Some(v), Some(v), unit)
        }
        Some((low, "")) | Some(("", low)) => {
            let Some(q) = range_bound(low) else {
                return Ok(None);
            };
            let (n, u) = number(q)?;
            let (v, unit) = scale(n, &u, &u);
            if value.starts_with(':') {
                (None, Some(v), unit)
            } else {
                (Some(v), None, unit)
            }
        }
        Some((first, second)) => {
            let (Some(first), Some(second)) = (range_bound(first), range_bound(second)) else {
                return Ok(None);
            };
            let (n, u) = number(first)?;
            let (low, unit) = scale(n, &u, &u);
            let (n2, u2) = number(second)?;
            let (high, _) = scale(n2, &u2, &unit);
            (Some(low), Some(high), unit)
        }
    };
    Ok(Some(TagMatch::Range {
        low,
        high,
        unit,
        text: value.to_owned(),
    }))
}

impl TagFilter {
    /// The filter as it was written (`[key=]…`).
    pub fn spec(&self) -> &str {
        &self.source
    }

    pub fn parse(option: &'static str, spec: &str) -> Result<TagFilter, FilterError> {
        let (key, value) = match spec.split_once('=') {
            Some((k, v)) => (Some(k.to_owned()), v),
            None => (None, spec),
        };
        let kind = match parse_range(option, value)? {
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

    /// pprof's note on a numeric filter: `Interpreted '1kb:' as range, not
    /// regexp` (the range as written, without `key=`).
    pub fn range_note(&self) -> Option<String> {
        match &self.kind {
            TagMatch::Range { text, .. } => {
                Some(format!("Interpreted '{text}' as range, not regexp"))
            }
            TagMatch::Strings(_) => None,
        }
    }

    /// For a numeric filter written without a unit (which only matches
    /// labels without one): the same filter with the numbers in bytes,
    /// `bytes=16B:64B` for `bytes=16:64` — usually what was meant.
    pub fn in_bytes(&self) -> Option<String> {
        let TagMatch::Range { unit, text, .. } = &self.kind else {
            return None;
        };
        if !unit.is_empty() {
            return None;
        }
        // `text` is a range, so each side of its `:` is a bound or empty.
        let value = text
            .split(':')
            .map(|bound| match range_bound(bound) {
                Some(q) if q.unit.is_empty() => format!("{bound}B"),
                _ => bound.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(":");
        Some(match &self.key {
            Some(key) => format!("{key}={value}"),
            None => value,
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
            TagMatch::Range {
                low, high, unit, ..
            } => labels
                .iter()
                .filter(|l| l.str.index() == 0)
                .filter(|l| {
                    self.key
                        .as_deref()
                        .is_none_or(|k| profile.string(l.key) == k)
                })
                .any(|l| {
                    let label_unit = label_unit(profile.string(l.key), profile.string(l.num_unit));
                    let (value, scaled_unit) = scale(l.num, label_unit, unit);
                    scaled_unit == *unit
                        && low.is_none_or(|b| value >= b)
                        && high.is_none_or(|b| value <= b)
                }),
        }
    }
}

/// The unit of a numeric label as pprof 1.19 sees it: its own, else
/// `bytes` for the keys `alignment` and `request`, else the key itself
/// (so `bytes` labels are in bytes).
fn label_unit<'a>(key: &'a str, unit: &'a str) -> &'a str {
    if !unit.is_empty() {
        unit
    } else if key == "alignment" || key == "request" {
        "bytes"
    } else {
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(spec: &str) -> (Option<f64>, Option<f64>, String) {
        match TagFilter::parse("tagfocus", spec).map(|t| t.kind) {
            Ok(TagMatch::Range {
                low, high, unit, ..
            }) => (low, high, unit),
            other => panic!("{spec}: {other:?}"),
        }
    }

    #[test]
    fn ranges_are_read_in_the_unit_they_are_written_in() {
        assert_eq!(range("8"), (Some(8.0), Some(8.0), String::new()));
        assert_eq!(
            range("bytes=16:64"),
            (Some(16.0), Some(64.0), String::new())
        );
        assert_eq!(range(":512"), (None, Some(512.0), String::new()));
        assert_eq!(range("1kb:"), (Some(1.0), None, "kB".to_owned()));
        // The second bound is converted to the first one's unit.
        assert_eq!(range("1kb:2mb"), (Some(1.0), Some(2048.0), "kB".to_owned()));
        assert_eq!(range("16B:64B"), (Some(16.0), Some(64.0), "B".to_owned()));
        assert_eq!(range("10ms"), (Some(10.0), Some(10.0), "ms".to_owned()));
        assert_eq!(range("-8:+8"), (Some(-8.0), Some(8.0), String::new()));
        assert_eq!(range("+16B"), (Some(16.0), Some(16.0), "B".to_owned()));
        // A unit pprof does not know is a unit all the same.
        assert_eq!(
            range("3widgets"),
            (Some(3.0), Some(3.0), "widgets".to_owned())
        );
    }

    #[test]
    fn other_shapes_are_regexes() {
        for spec in [
            "foo8", "8:9:10", "a=b", "1kb,2kb", "x1kb:", "5.5kb", "5 kb", "5%", "::5", ":", "",
            "1kb:2kb:", "250µs",
        ] {
            let filter = TagFilter::parse("tagfocus", spec).unwrap();
            assert!(matches!(filter.kind, TagMatch::Strings(_)), "{spec}");
            assert_eq!(filter.range_note(), None);
        }
        assert!(matches!(
            TagFilter::parse("tagfocus", "99999999999999999999"),
            Err(FilterError::Number { .. })
        ));
    }

    #[test]
    fn the_hint_writes_numbers_in_bytes() {
        let hint = |spec: &str| TagFilter::parse("tagfocus", spec).unwrap().in_bytes();
        assert_eq!(hint("bytes=16:64").as_deref(), Some("bytes=16B:64B"));
        assert_eq!(hint(":512").as_deref(), Some(":512B"));
        assert_eq!(hint("16:64kb").as_deref(), Some("16B:64kb"));
        assert_eq!(hint("-8").as_deref(), Some("-8B"));
        assert_eq!(hint("1kb:"), None);
        assert_eq!(hint("main"), None);
    }
}
