//! `--fail-on-growth LIMIT`: the growth a CI check tolerates per site.
//!
//! A limit is an amount in any unit of the sample type's family (`10MB`,
//! `250ms`), a plain number in the sample type's own unit (`100` goroutines,
//! `4096` bytes), or a percentage (`5%`) of a reference total: the base
//! profile's total for `diff`, the first snapshot's for `trend` — the same
//! reference as the percentages of `top --diff-base`.

use thiserror::Error;

use crate::profile::ValueType;
use crate::units::{self, Quantity};

/// A limit that could not be parsed or does not fit the sample type.
#[derive(Debug, Error, PartialEq)]
pub enum LimitError {
    #[error(
        "invalid growth limit '{0}' (expected an amount such as 10MB, 250ms or 100, or a percentage such as 5%)"
    )]
    Syntax(String),
    #[error(
        "growth limit '{limit}' is not in a unit of '{sample_type}', which is measured in '{unit}'"
    )]
    Unit {
        limit: String,
        sample_type: String,
        unit: String,
    },
}

/// How much a site may grow.
#[derive(Debug, Clone, PartialEq)]
pub enum GrowthLimit {
    /// An amount in the sample type's unit.
    Amount { value: f64, spec: String },
    /// A percentage of the reference total.
    Percent { percent: f64, spec: String },
}

impl GrowthLimit {
    /// Checks the form of a limit (a number, then nothing, `%` or a unit
    /// name) before any profile is read; returns the number and the unit.
    pub fn check_syntax(spec: &str) -> Result<(f64, &str), LimitError> {
        let syntax = || LimitError::Syntax(spec.to_owned());
        // Growth is positive: a signed number is refused.
        let quantity = Quantity::parse(spec.trim())
            .filter(|q| q.sign.is_none())
            .ok_or_else(syntax)?;
        let value = quantity.value().ok_or_else(syntax)?;
        Ok((value, quantity.unit))
    }

    /// Parses `10MB`, `1.5 GB`, `250ms`, `100`, `5%` against a sample type.
    pub fn parse(spec: &str, sample_type: &ValueType) -> Result<GrowthLimit, LimitError> {
        let (value, unit) = GrowthLimit::check_syntax(spec)?;
        let s = spec.trim();
        if unit == "%" {
            return Ok(GrowthLimit::Percent {
                percent: value,
                spec: s.to_owned(),
            });
        }
        let own_unit = |u: &str| {
            let u = u.to_ascii_lowercase();
            let singular = u.strip_suffix('s').unwrap_or(&u).to_owned();
            [&sample_type.unit, &sample_type.name].iter().any(|name| {
                let name = name.to_ascii_lowercase();
                name == u || name == singular
            })
        };
        let value = if unit.is_empty() || own_unit(unit) {
            value
        } else {
            units::convert(value, unit, &sample_type.unit).ok_or_else(|| LimitError::Unit {
                limit: s.to_owned(),
                sample_type: sample_type.name.clone(),
                unit: sample_type.unit.clone(),
            })?
        };
        Ok(GrowthLimit::Amount {
            value,
            spec: s.to_owned(),
        })
    }

    /// The limit as the user wrote it.
    pub fn spec(&self) -> &str {
        match self {
            GrowthLimit::Amount { spec, .. } | GrowthLimit::Percent { spec, .. } => spec,
        }
    }

    /// Whether `growth` goes past the limit; `reference` is the total a
    /// percentage refers to.
    pub fn is_exceeded(&self, growth: i64, reference: i64) -> bool {
        if growth <= 0 {
            return false;
        }
        match self {
            GrowthLimit::Amount { value, .. } => growth as f64 > *value,
            GrowthLimit::Percent { percent, .. } => {
                reference == 0 || growth as f64 * 100.0 / (reference as f64).abs() > *percent
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vt(name: &str, unit: &str) -> ValueType {
        ValueType {
            name: name.to_owned(),
            unit: unit.to_owned(),
        }
    }

    #[test]
    fn amounts_convert_to_the_sample_unit() {
        let space = vt("inuse_space", "bytes");
        let amount = |s| match GrowthLimit::parse(s, &space) {
            Ok(GrowthLimit::Amount { value, .. }) => value,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(amount("10MB"), 10.0 * 1024.0 * 1024.0);
        assert_eq!(amount("1.5 kB"), 1536.0);
        assert_eq!(amount("4096"), 4096.0);
        assert_eq!(amount("12bytes"), 12.0);
        let cpu = vt("cpu", "nanoseconds");
        assert!(matches!(
            GrowthLimit::parse("250ms", &cpu),
            Ok(GrowthLimit::Amount { value, .. }) if value == 250e6
        ));
        let goroutines = vt("goroutine", "count");
        assert!(matches!(
            GrowthLimit::parse("100 goroutines", &goroutines),
            Ok(GrowthLimit::Amount { value, .. }) if value == 100.0
        ));
    }

    #[test]
    fn bad_limits_are_rejected() {
        let goroutines = vt("goroutine", "count");
        assert_eq!(
            GrowthLimit::parse("10MB", &goroutines),
            Err(LimitError::Unit {
                limit: "10MB".to_owned(),
                sample_type: "goroutine".to_owned(),
                unit: "count".to_owned()
            })
        );
        for bad in ["", "MB", "-5", "5%%", "1e9", "ten"] {
            assert!(
                matches!(
                    GrowthLimit::parse(bad, &goroutines),
                    Err(LimitError::Syntax(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn limits_are_exceeded_strictly_above() {
        let count = vt("goroutine", "count");
        let hundred = GrowthLimit::parse("100", &count).unwrap();
        assert!(!hundred.is_exceeded(100, 0));
        assert!(hundred.is_exceeded(101, 0));
        assert!(!hundred.is_exceeded(-500, 0));
        let five = GrowthLimit::parse("5%", &count).unwrap();
        assert!(!five.is_exceeded(5, 100));
        assert!(five.is_exceeded(6, 100));
        assert!(five.is_exceeded(1, 0));
    }
}
