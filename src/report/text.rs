//! The `top` table as `go tool pprof -top` prints it, byte for byte.

use crate::safe_text::visible;
use std::io::{self, Write};

use super::units::{label, percentage, scaled_label, unsigned_label};
use crate::analysis::runtime::{HeapGap, KEY_FIELDS, heap_gap, is_bytes};
use crate::analysis::{Filters, Top};
use crate::profile::{MemValue, Profile};
use crate::units::scale;

/// Presentation choices for the text table.
#[derive(Debug, Clone)]
pub struct TextOptions {
    /// Output unit: `minimum` (one unit for the table, pprof's default),
    /// `auto` (per value), or a unit such as `B`, `MB`, `ns`, `ms`.
    pub unit: String,
    /// The node fraction used, for the "Dropped N nodes" line.
    pub node_fraction: f64,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            unit: "minimum".to_owned(),
            node_fraction: 0.0,
        }
    }
}

/// Formats values of one report in one chosen unit.
pub struct ValueFormat {
    sample_unit: String,
    output_unit: String,
}

impl ValueFormat {
    /// Picks the output unit as pprof's `selectOutputUnit` does: for
    /// `minimum`, the unit of the smallest non-zero row value, bumped one
    /// step when that value is under 1/100 of the total.
    pub fn new(top: &Top, unit: &str) -> ValueFormat {
        // Kept as written: pprof prints a unit it does not know (`MiB`,
        // `Requests`) in its own case; the families match case-blind anyway.
        let sample_unit = top.sample_type.unit.clone();
        let output_unit = if unit != "minimum" || top.rows.is_empty() {
            unit.to_owned()
        } else {
            let min = top
                .rows
                .iter()
                // Go's abs64 and int64 arithmetic, as pprof: i64::MIN
                // stays negative, products wrap.
                .map(|r| {
                    if r.flat != 0 {
                        r.flat.wrapping_abs()
                    } else {
                        r.cum.wrapping_abs()
                    }
                })
                .filter(|&v| v > 0)
                .min()
                .unwrap_or(top.total);
            let max = top.total;
            let (_, min_unit) = scale(min, &sample_unit, "minimum");
            let (_, max_unit) = scale(max, &sample_unit, "minimum");
            let unit = if min_unit != max_unit && min.wrapping_mul(100) < max {
                scale(min.wrapping_mul(100), &sample_unit, "minimum").1
            } else {
                min_unit
            };
            if unit.is_empty() {
                sample_unit.clone()
            } else {
                unit
            }
        };
        ValueFormat {
            sample_unit,
            output_unit,
        }
    }

    pub fn format(&self, value: i64) -> String {
        scaled_label(value, &self.sample_unit, &self.output_unit)
    }
}

/// `File:`, `Build ID:`, comments and `Type:`: how every report starts.
pub(crate) fn profile_heading(profile: &Profile, sample_type: &str) -> Vec<String> {
    merged_heading(&[profile], sample_type)
}

/// [`profile_heading`] of the profile merging `profiles` would give: the
/// first mapping of the first profile that has one, and the comments of
/// all, in order, once each (a merge drops repeats; one profile keeps them).
pub(crate) fn merged_heading(profiles: &[&Profile], sample_type: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((p, m)) = profiles
        .iter()
        .find_map(|p| p.mappings.first().map(|m| (p, m)))
    {
        let file = p.string(m.file);
        if !file.is_empty() {
            out.push(format!("File: {}", file.rsplit('/').next().unwrap_or(file)));
        }
        let build_id = p.string(m.build_id);
        if !build_id.is_empty() {
            out.push(format!("Build ID: {build_id}"));
        }
    }
    let mut seen = foldhash::HashSet::default();
    for p in profiles {
        for c in p.comments.iter().map(|&c| p.string(c)) {
            if !c.starts_with('#') && (profiles.len() == 1 || seen.insert(c)) {
                out.push(c.to_owned());
            }
        }
    }
    out.push(format!("Type: {sample_type}"));
    out
}

/// The profile facts pprof prints first: File, Build ID, comments, Type,
/// Time, Duration.
pub fn profile_labels(
    profile: &Profile,
    sample_type: &str,
    total: i64,
    fmt: &ValueFormat,
) -> Vec<String> {
    let mut out = profile_heading(profile, sample_type);
    if profile.time_nanos != 0 {
        out.push(format!("Time: {}", format_time(profile.time_nanos)));
    }
    if profile.duration_nanos != 0 {
        let duration = label(profile.duration_nanos, "nanoseconds");
        let (nanos, unit) = scale(total, &fmt.sample_unit, "nanoseconds");
        let ratio = if unit == "ns" && nanos != 0.0 {
            format!("({})", percentage(nanos as i64, profile.duration_nanos))
        } else {
            String::new()
        };
        out.push(format!(
            "Duration: {duration}, Total samples = {} {ratio}",
            fmt.format(total)
        ));
    }
    out
}

/// A MemStats value as the header shows it: bytes scaled (`3.23MB`),
/// counts as they are, `GCCPUFraction` as a percentage.
pub fn memstat_value(field: &str, value: &MemValue) -> String {
    match value {
        MemValue::Int(v) if is_bytes(field) => unsigned_label(*v, "bytes"),
        MemValue::Int(v) => v.to_string(),
        MemValue::Float(f) if field == "GCCPUFraction" => format!("{:.2}%", f * 100.0),
        MemValue::Float(f) => f.to_string(),
        MemValue::Bool(b) => b.to_string(),
        MemValue::Ints(v) => format!("[{} values]", v.len()),
    }
}

/// `the profile accounts for X of Y HeapInuse; …`, the sentence that
/// names what the profile cannot see (see [`crate::analysis::runtime`]).
pub fn heap_gap_sentence(gap: &HeapGap) -> String {
    if gap.unaccounted() < 0 {
        // Sampled profiles are scaled up record by record: the estimate can
        // pass what the runtime holds.
        return format!(
            "the profile's estimate, {}, exceeds HeapInuse, {}: its values are scaled up from sampled allocations",
            label(gap.profiled, "bytes"),
            unsigned_label(gap.heap_inuse, "bytes")
        );
    }
    format!(
        "the profile accounts for {} of {} HeapInuse; the rest is fragmentation or untracked runtime memory",
        label(gap.profiled, "bytes"),
        unsigned_label(gap.heap_inuse, "bytes")
    )
}

/// The `MemStats:` header lines of `top` for a profile that carries the
/// runtime's numbers (a `debug=1` heap profile); none for a proto.
pub fn memstats_lines(profile: &Profile) -> Vec<String> {
    let Some(stats) = profile.memstats.as_deref() else {
        return Vec::new();
    };
    let fields = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .filter_map(|&n| {
                stats
                    .value(n)
                    .map(|v| format!("{n} {}", memstat_value(n, v)))
            })
            .collect()
    };
    let mut second = fields(&KEY_FIELDS[5..]);
    if let Some(pause) = stats.last_pause_ns() {
        second.push(format!(
            "last GC pause {}",
            unsigned_label(pause, "nanoseconds")
        ));
    }
    let mut out: Vec<String> = [fields(&KEY_FIELDS[..5]), second]
        .into_iter()
        .filter(|f| !f.is_empty())
        .map(|f| format!("MemStats: {}", f.join(", ")))
        .collect();
    if let Some(gap) = heap_gap(profile) {
        out.push(format!("MemStats: {}", heap_gap_sentence(&gap)));
    }
    out
}

/// `2006-01-02 15:04:05 MST` in the local time zone, as pprof prints it
/// (Go 1.19's pprof printed `Jan 2, 2006 at 3:04pm (MST)`; the oracle is
/// today's).
pub fn format_time(nanos: i64) -> String {
    let Ok(ts) = jiff::Timestamp::from_nanosecond(i128::from(nanos)) else {
        return nanos.to_string();
    };
    ts.to_zoned(jiff::tz::TimeZone::system())
        .strftime("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// Writes the whole table: header lines, column titles, rows.
pub fn write_top(
    out: &mut dyn Write,
    profile: &Profile,
    top: &Top,
    filters: &Filters,
    options: &TextOptions,
) -> io::Result<()> {
    let fmt = ValueFormat::new(top, &options.unit);
    let mut lines = profile_labels(profile, &top.sample_type.name, top.total, &fmt);
    lines.extend(memstats_lines(profile));
    let active = filters.describe();
    if !active.is_empty() {
        lines.push("Active filters:".to_owned());
        lines.extend(active.into_iter().map(|f| {
            let f = if f.chars().count() > 80 {
                format!("{}…", f.chars().take(80).collect::<String>())
            } else {
                f
            };
            format!("   {f}")
        }));
    }
    let shown = top.shown_flat();
    lines.push(format!(
        "Showing nodes accounting for {}, {} of {} total",
        fmt.format(shown),
        percentage(shown, top.total).trim(),
        fmt.format(top.total)
    ));
    if top.total != 0 {
        if top.dropped_nodes > 0 {
            let cutoff = ((top.total as f64 * options.node_fraction) as i64).abs();
            let plural = if top.dropped_nodes > 1 { "s" } else { "" };
            lines.push(format!(
                "Dropped {} node{plural} (cum <= {})",
                top.dropped_nodes,
                fmt.format(cutoff)
            ));
        }
        if !top.rows.is_empty() && top.rows.len() < top.node_total {
            lines.push(format!(
                "Showing top {} nodes out of {}",
                top.rows.len(),
                top.node_total
            ));
        }
    }
    for line in lines {
        writeln!(out, "{}", visible(&line))?;
    }
    writeln!(
        out,
        "{:>10} {:>5}% {:>5}% {:>10} {:>5}%",
        "flat", "flat", "sum", "cum", "cum"
    )?;
    let mut sum = 0i64;
    for row in &top.rows {
        sum = sum.wrapping_add(row.flat);
        writeln!(
            out,
            "{:>10} {} {} {:>10} {}  {}{}",
            fmt.format(row.flat),
            percentage(row.flat, top.total),
            percentage(sum, top.total),
            fmt.format(row.cum),
            percentage(row.cum, top.total),
            visible(&row.name),
            row.inlined.suffix()
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod memstats_tests {
    use super::*;

    #[test]
    fn the_gap_sentence_says_which_side_is_larger() {
        let gap = HeapGap {
            profiled: 2_635_360,
            heap_inuse: 5_464_064,
        };
        assert_eq!(
            heap_gap_sentence(&gap),
            "the profile accounts for 2.51MB of 5.21MB HeapInuse; the rest is fragmentation or untracked runtime memory"
        );
        let gap = HeapGap {
            profiled: 6 << 30,
            heap_inuse: 1 << 30,
        };
        assert_eq!(
            heap_gap_sentence(&gap),
            "the profile's estimate, 6GB, exceeds HeapInuse, 1GB: its values are scaled up from sampled allocations"
        );
    }
}
