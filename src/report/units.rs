//! Value formatting as pprof's `measurement` package does it: `%.2f` with a
//! trailing `.00` removed after scaling (the arithmetic is [`crate::units`]'s),
//! and percentages printed `%5.2f%%` (or `%5.2g%%` below 1%).

pub use crate::units::{scaled_label, unsigned_label};

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
