//! Value formatting as pprof's `measurement` package does it: unit scaling
//! (bytes by 1024, time by 1000), `%.2f` with a trailing `.00` removed, and
//! percentages printed `%5.2f%%` (or `%5.2g%%` below 1%).

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

    fn convert(&self, value: i64, from: &str, to: &str) -> Option<(f64, String)> {
        let from = self.sniff(from)?;
        let v = value as f64 * from.factor;
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
    for family in FAMILIES {
        if let Some(r) = family.convert(value, from, to) {
            return r;
        }
    }
    match to {
        "count" | "sample" | "unit" | "minimum" | "auto" => (value as f64, String::new()),
        _ => (value as f64, to.to_owned()),
    }
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

/// `value` in `to` units, e.g. `14.50MB`; zero prints `0`.
pub fn scaled_label(value: i64, from: &str, to: &str) -> String {
    let (v, unit) = scale(value, from, to);
    let s = format!("{v:.2}");
    let s = s.strip_suffix(".00").unwrap_or(&s);
    if s == "0" || s == "-0" {
        return "0".to_owned();
    }
    format!("{s}{unit}")
}

/// Like [`scaled_label`], with a `+` on positive values: `+1.50kB`, `-2kB`, `0`.
pub fn signed_label(value: i64, from: &str, to: &str) -> String {
    let label = scaled_label(value, from, to);
    if value > 0 && label != "0" {
        format!("+{label}")
    } else {
        label
    }
}

/// A value with the unit picked automatically (pprof's `measurement.Label`).
pub fn label(value: i64, unit: &str) -> String {
    scaled_label(value, unit, "auto")
}

/// `value` as a percentage of `total`, formatted exactly as pprof does.
pub fn percentage(value: i64, total: i64) -> String {
    let ratio = if total != 0 {
        (value as f64 / total as f64).abs() * 100.0
    } else {
        0.0
    };
    if (99.95..=100.05).contains(&ratio) {
        "  100%".to_owned()
    } else if ratio >= 1.0 {
        format!("{ratio:5.2}%")
    } else {
        format!("{:>5}%", go_g2(ratio))
    }
}

/// Go's `%.2g`: two significant digits, exponent form when the exponent is
/// below -4 (or ≥ 2), trailing zeros removed.
fn go_g2(x: f64) -> String {
    if x == 0.0 {
        return "0".to_owned();
    }
    // Rust's `{:.1e}` rounds to two significant digits exactly like Go.
    let sci = format!("{x:.1e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
    if !(-4..2).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let negative = mantissa.starts_with('-');
    let body = if exp < 0 {
        format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
    } else {
        let (int, frac) = digits.split_at(((exp + 1) as usize).min(digits.len()));
        let int = format!("{int}{}", "0".repeat((exp + 1) as usize - int.len()));
        if frac.is_empty() {
            int
        } else {
            format!("{int}.{frac}")
        }
    };
    let body = if body.contains('.') {
        body.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        body
    };
    if negative { format!("-{body}") } else { body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_match_go() {
        assert_eq!(percentage(1, 2), "50.00%");
        assert_eq!(percentage(0, 2), "    0%");
        assert_eq!(percentage(1, 200), "  0.5%");
        assert_eq!(percentage(1, 300), " 0.33%");
        assert_eq!(percentage(1, 100_000), "0.001%");
        assert_eq!(percentage(1, 10_000_000), "1e-05%");
        assert_eq!(percentage(999, 1000), "99.90%");
        assert_eq!(percentage(9996, 10000), "  100%");
        assert_eq!(percentage(-5, 10), "50.00%");
    }

    #[test]
    fn labels_scale_like_pprof() {
        assert_eq!(scaled_label(0, "bytes", "minimum"), "0");
        assert_eq!(scaled_label(1536, "bytes", "minimum"), "1.50kB");
        assert_eq!(scaled_label(1024, "bytes", "minimum"), "1kB");
        assert_eq!(scaled_label(1536, "bytes", "MB"), "0");
        assert_eq!(scaled_label(15_533_544, "bytes", "B"), "15533544B");
        assert_eq!(scaled_label(4_130_000_000, "nanoseconds", "auto"), "4.13s");
        assert_eq!(scaled_label(10_000_000, "nanoseconds", "ms"), "10ms");
        assert_eq!(scaled_label(42, "count", "minimum"), "42");
        assert_eq!(scaled_label(-2048, "bytes", "minimum"), "-2kB");
    }
}
