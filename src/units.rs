//! Quantities and their arithmetic, below every other layer: the unit
//! families pprof's `measurement` package knows (bytes scaled by 1024, time
//! by 1000), conversion and scaling between their units, and the one parser
//! of quantities as users write them (`10MB`, `1.5 kB`, `-3`, `5%`).
//! Formatting values for display (labels, percentages) is `report`'s.

/// A unit and its factor to the family's base unit.
struct Unit {
    name: &'static str,
    aliases: &'static [&'static str],
    factor: f64,
}

struct Family {
    units: &'static [Unit],
    default: &'static str,
    default_factor: f64,
}

const BYTES: Family = Family {
    units: &[
        Unit {
            name: "B",
            aliases: &["b", "byte"],
            factor: 1.0,
        },
        Unit {
            name: "kB",
            aliases: &["kb", "kbyte", "kilobyte"],
            factor: 1024.0,
        },
        Unit {
            name: "MB",
            aliases: &["mb", "mbyte", "megabyte"],
            factor: 1048576.0,
        },
        Unit {
            name: "GB",
            aliases: &["gb", "gbyte", "gigabyte"],
            factor: 1073741824.0,
        },
        Unit {
            name: "TB",
            aliases: &["tb", "tbyte", "terabyte"],
            factor: 1099511627776.0,
        },
        Unit {
            name: "PB",
            aliases: &["pb", "pbyte", "petabyte"],
            factor: 1125899906842624.0,
        },
    ],
    default: "B",
    default_factor: 1.0,
};

const TIME: Family = Family {
    units: &[
        Unit {
            name: "ns",
            aliases: &["ns", "nanosecond"],
            factor: 1.0,
        },
        Unit {
            name: "us",
            aliases: &["μs", "us", "microsecond"],
            factor: 1e3,
        },
        Unit {
            name: "ms",
            aliases: &["ms", "millisecond"],
            factor: 1e6,
        },
        Unit {
            name: "s",
            aliases: &["s", "sec", "second"],
            factor: 1e9,
        },
        Unit {
            name: "hrs",
            aliases: &["hour", "hr"],
            factor: 3600e9,
        },
    ],
    default: "s",
    default_factor: 1e9,
};

const FAMILIES: [&Family; 2] = [&BYTES, &TIME];

impl Family {
    fn sniff(&self, unit: &str) -> Option<&Unit> {
        let mut unit = unit.to_lowercase();
        if unit.chars().count() > 2
            && let Some(stripped) = unit.strip_suffix('s')
        {
            unit = stripped.to_owned();
        }
        self.units
            .iter()
            .find(|u| u.aliases.contains(&unit.as_str()))
    }

    fn auto_scale(&self, value: f64) -> Option<(f64, &'static str)> {
        let mut best: Option<&Unit> = None;
        for u in self.units {
            if u.factor >= best.map_or(0.0, |b| b.factor) && value / u.factor >= 1.0 {
                best = Some(u);
            }
        }
        best.map(|u| (value / u.factor, u.name))
    }

    fn convert(&self, value: f64, from: &str, to: &str) -> Option<(f64, String)> {
        let from = self.sniff(from)?;
        let v = value * from.factor;
        if to == "minimum" || to == "auto" {
            return Some(match self.auto_scale(v) {
                Some((v, name)) => (v, name.to_owned()),
                None => (v / self.default_factor, self.default.to_owned()),
            });
        }
        Some(match self.sniff(to) {
            Some(to) => (v / to.factor, to.name.to_owned()),
            None => (v / self.default_factor, self.default.to_owned()),
        })
    }
}

/// Converts `value` in `from` units to `to` units (`minimum`/`auto` pick the
/// largest unit that keeps the value ≥ 1); returns the value and unit name.
pub fn scale(value: i64, from: &str, to: &str) -> (f64, String) {
    if value < 0 && value != i64::MIN {
        let (v, u) = scale(-value, from, to);
        return (-v, u);
    }
    scale_float(value as f64, from, to)
}

/// [`scale`] for a count too large for `i64` (a `u64` MemStats field).
pub fn scale_unsigned(value: u64, from: &str, to: &str) -> (f64, String) {
    scale_float(value as f64, from, to)
}

fn scale_float(value: f64, from: &str, to: &str) -> (f64, String) {
    for family in FAMILIES {
        if let Some(r) = family.convert(value, from, to) {
            return r;
        }
    }
    match to {
        "count" | "sample" | "unit" | "minimum" | "auto" => (value, String::new()),
        _ => (value, to.to_owned()),
    }
}

/// `value` in `to` units, e.g. `14.50MB` (pprof's `ScaledLabel`: `%.2f`
/// with a trailing `.00` removed); zero prints `0`.
pub fn scaled_label(value: i64, from: &str, to: &str) -> String {
    let (v, unit) = scale(value, from, to);
    format_scaled(v, &unit)
}

/// [`scaled_label`] for an unsigned value (MemStats fields are `uint64`):
/// the whole range, where a cast to `i64` would stop at 8192PB.
pub fn unsigned_label(value: u64, unit: &str) -> String {
    let (v, unit) = scale_unsigned(value, unit, "auto");
    format_scaled(v, &unit)
}

/// `%.2f` with a trailing `.00` removed, zero as `0`, then the unit.
fn format_scaled(v: f64, unit: &str) -> String {
    let s = format!("{v:.2}");
    let s = s.strip_suffix(".00").unwrap_or(&s);
    if s == "0" || s == "-0" {
        return "0".to_owned();
    }
    format!("{s}{unit}")
}

/// Whether two units belong to the same family (both bytes, or both time).
pub fn same_family(a: &str, b: &str) -> bool {
    FAMILIES
        .iter()
        .any(|f| f.sniff(a).is_some() && f.sniff(b).is_some())
}

/// Converts `value` from one unit to another of the same family (`kB` to
/// `bytes`, `ms` to `nanoseconds`); identical units convert as they are.
/// `None` when the units are of different families.
pub fn convert(value: f64, from: &str, to: &str) -> Option<f64> {
    if from.eq_ignore_ascii_case(to) {
        return Some(value);
    }
    FAMILIES.iter().find_map(|f| {
        let (from, to) = (f.sniff(from)?, f.sniff(to)?);
        Some(value * from.factor / to.factor)
    })
}

/// A number and the unit written after it, as a user typed them: `10MB`,
/// `1.5 kB`, `-3`, `5%`, `250ms`. This is the only parser of quantities;
/// each option then says which forms it takes (a tag filter range takes
/// signed integers glued to an ASCII unit, a growth limit takes unsigned
/// decimals and percentages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity<'a> {
    /// `+`, `-`, or `None` when no sign was written.
    pub sign: Option<char>,
    /// The digits, with any decimal points, as written (never empty).
    pub digits: &'a str,
    /// Whether white space separates the number from its unit.
    pub spaced: bool,
    /// What follows the number: empty, `%`, or a unit name made of letters
    /// (ASCII, `µ` or `μ`), not checked against the known units.
    pub unit: &'a str,
}

impl<'a> Quantity<'a> {
    /// Reads the whole of `text` as `[+-]digits[.digits][ ][unit|%]`; `None`
    /// for anything else (no digits, a second unit, trailing characters).
    /// White space around `text` is not skipped.
    pub fn parse(text: &'a str) -> Option<Quantity<'a>> {
        let (sign, rest) = match text.chars().next() {
            Some(c @ ('+' | '-')) => (Some(c), &text[1..]),
            _ => (None, text),
        };
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (digits, after) = rest.split_at(number_end);
        if digits.is_empty() {
            return None;
        }
        let unit = after.trim_start();
        if unit.is_empty() && !after.is_empty() {
            return None;
        }
        let unit_ok = unit.is_empty()
            || unit == "%"
            || unit
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == 'µ' || c == 'μ');
        unit_ok.then_some(Quantity {
            sign,
            digits,
            spaced: unit.len() != after.len(),
            unit,
        })
    }

    /// Whether the number is an integer (no decimal point).
    pub fn is_integer(&self) -> bool {
        !self.digits.contains('.')
    }

    /// The number with its sign as an `i64`; `None` when it has a decimal
    /// point or does not fit.
    pub fn integer(&self) -> Option<i64> {
        if !self.is_integer() {
            return None;
        }
        let sign = self.sign.map_or("", |c| if c == '-' { "-" } else { "+" });
        format!("{sign}{}", self.digits).parse().ok()
    }

    /// The number with its sign; `None` when the digits are not a number
    /// (`1.2.3`, `.`) or too large to be finite.
    pub fn value(&self) -> Option<f64> {
        let v: f64 = self.digits.parse().ok()?;
        let v = if self.sign == Some('-') { -v } else { v };
        v.is_finite().then_some(v)
    }

    /// Whether the unit is `%`.
    pub fn is_percent(&self) -> bool {
        self.unit == "%"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Option<(Option<char>, &str, bool, &str)> {
        Quantity::parse(text).map(|q| (q.sign, q.digits, q.spaced, q.unit))
    }

    #[test]
    fn quantities_are_read_whole() {
        assert_eq!(q("10MB"), Some((None, "10", false, "MB")));
        assert_eq!(q("1kb"), Some((None, "1", false, "kb")));
        assert_eq!(q("5%"), Some((None, "5", false, "%")));
        assert_eq!(q("5 %"), Some((None, "5", true, "%")));
        assert_eq!(q("1.5 kB"), Some((None, "1.5", true, "kB")));
        assert_eq!(q("-3"), Some((Some('-'), "3", false, "")));
        assert_eq!(q("+16B"), Some((Some('+'), "16", false, "B")));
        assert_eq!(q("250µs"), Some((None, "250", false, "µs")));
        assert_eq!(q(".5"), Some((None, ".5", false, "")));
        assert_eq!(q("100 goroutines"), Some((None, "100", true, "goroutines")));
    }

    #[test]
    fn other_text_is_not_a_quantity() {
        for bad in [
            "", "MB", "-", "+-5", "ten", "5%%", "1e9", "5 k B", "5kb2", " 5", "5 ", "1kb:", "1,5",
            "0x10",
        ] {
            assert_eq!(q(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn numbers_have_exact_values() {
        let parse = |s| Quantity::parse(s).unwrap_or_else(|| panic!("{s}"));
        assert_eq!(parse("10MB").value(), Some(10.0));
        assert_eq!(parse("1.5 kB").value(), Some(1.5));
        assert_eq!(parse("-3").value(), Some(-3.0));
        assert_eq!(parse("-3").integer(), Some(-3));
        assert_eq!(parse("+16B").integer(), Some(16));
        assert_eq!(parse("1.5kB").integer(), None);
        assert!(!parse("1.5kB").is_integer());
        assert_eq!(parse("1.2.3").value(), None);
        assert_eq!(parse("99999999999999999999").integer(), None);
        assert_eq!(parse("99999999999999999999").value(), Some(1e20));
        let huge = "9".repeat(400);
        assert_eq!(Quantity::parse(&huge).and_then(|q| q.value()), None);
        assert!(parse("5%").is_percent());
        assert!(!parse("5").is_percent());
    }

    #[test]
    fn units_scale_and_convert_within_their_family() {
        assert_eq!(scale(1536, "bytes", "auto"), (1.5, "kB".to_owned()));
        assert_eq!(scale(1, "kb", "kb"), (1.0, "kB".to_owned()));
        assert_eq!(scale(2, "mb", "kB"), (2048.0, "kB".to_owned()));
        assert_eq!(scale(-2048, "bytes", "minimum"), (-2.0, "kB".to_owned()));
        assert_eq!(
            scale(4_130_000_000, "nanoseconds", "auto"),
            (4.13, "s".to_owned())
        );
        assert_eq!(scale(3, "widgets", "widgets"), (3.0, "widgets".to_owned()));
        assert_eq!(scale(3, "", ""), (3.0, String::new()));
        assert_eq!(scale(42, "count", "auto"), (42.0, String::new()));
        assert_eq!(convert(10.0, "MB", "bytes"), Some(10_485_760.0));
        assert_eq!(convert(250.0, "ms", "nanoseconds"), Some(250e6));
        assert_eq!(convert(7.0, "count", "COUNT"), Some(7.0));
        assert_eq!(convert(1.0, "MB", "ms"), None);
        assert!(same_family("bytes", "kB"));
        assert!(same_family("nanoseconds", "seconds"));
        assert!(!same_family("bytes", "nanoseconds"));
        assert!(!same_family("count", "count"));
    }
}
