//! What `pprof-tui trend` prints: the snapshots compared, then every site
//! most suspicious first with its values, growth and a sparkline, as text or
//! JSON.

use crate::safe_text::visible;
use std::io::{self, Write};

use serde_json::{Value, json};

use super::ProfileInfo;
use super::diff::active_filters;
use super::json::{RowsDoc, add_stack, inline, memstats_json, time};
use super::text::{format_time, memstat_value, merged_heading};
use super::units::{label, scaled_label, signed_label};
use crate::analysis::trend::{Growth, Trend, TrendRow, Turnover};
use crate::analysis::{Filters, SortBy};
use crate::profile::Profile;

/// Presentation choices for the text table.
#[derive(Debug, Clone)]
pub struct TrendTextOptions {
    /// Output unit: `auto` (per value) or a unit such as `B`, `MB`.
    pub unit: String,
    /// Which value the rows follow, for the header.
    pub by: SortBy,
}

impl Default for TrendTextOptions {
    fn default() -> Self {
        TrendTextOptions {
            unit: "auto".to_owned(),
            by: SortBy::Flat,
        }
    }
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One bar per value, from zero (or the lowest negative value) to the highest.
pub fn sparkline(values: &[i64]) -> String {
    // A site that did not move is a flat line at the bottom, whatever its value.
    if values.windows(2).all(|w| w[0] == w[1]) {
        return BARS[0].to_string().repeat(values.len());
    }
    let lo = values.iter().copied().min().unwrap_or(0).min(0) as f64;
    let hi = values.iter().copied().max().unwrap_or(0) as f64;
    values
        .iter()
        .map(|&v| {
            if hi <= lo {
                return BARS[0];
            }
            let level = ((v as f64 - lo) / (hi - lo) * 7.0).round() as usize;
            BARS[level.min(7)]
        })
        .collect()
}

/// The widest sparkline of the text report: a `trend --watch` of hundreds
/// of snapshots draws this many evenly spaced ones, the first and the
/// last among them, so a row stays one readable line (JSON keeps every
/// value).
const TEXT_SPARKLINE_CELLS: usize = 64;

/// [`sparkline`] in at most `width` characters: with more values than
/// that, evenly spaced ones stand for the rest, the first and the last
/// among them (a long watch keeps hundreds of snapshots, and its site
/// names must stay readable beside the line).
pub fn sparkline_within(values: &[i64], width: usize) -> String {
    let line: Vec<char> = sparkline(values).chars().collect();
    if line.len() <= width {
        return line.into_iter().collect();
    }
    if width < 2 {
        return line.last().map(char::to_string).unwrap_or_default();
    }
    (0..width)
        .map(|i| line[i * (line.len() - 1) / (width - 1)])
        .collect()
}

/// A row's confidence that the site grows, in percent: `97%`.
pub fn confidence_label(growth: &Growth) -> String {
    format!("{:.0}%", (growth.confidence * 100.0).floor())
}

/// An allocation rate: `1.20MB/s`.
pub fn rate_label(turnover: &Turnover) -> String {
    format!(
        "{}/s",
        label(turnover.bytes_per_second.round() as i64, "bytes")
    )
}

/// The mean age of a site's live objects: `850ms`, `12.5s`, `3.2min`, `1.5h`.
pub fn age_label(turnover: &Turnover) -> String {
    match turnover.mean_age_seconds {
        None => "-".to_owned(),
        Some(s) if s < 1.0 => format!("{:.0}ms", s * 1000.0),
        Some(s) if s < 120.0 => format!("{s:.1}s"),
        Some(s) if s < 7200.0 => format!("{:.1}min", s / 60.0),
        Some(s) => format!("{:.1}h", s / 3600.0),
    }
}

/// A rate: `+468.66kB`, with `/min` style suffix left to the caller.
fn rate(value: f64, unit: &str, to: &str) -> String {
    signed_label(value.round() as i64, unit, to)
}

/// Per snapshot, what the runtime says beside what the profile attributes
/// (only when some snapshot carries MemStats, a `debug=1` heap profile).
fn runtime_lines(snapshots: &[ProfileInfo]) -> Vec<String> {
    if snapshots.iter().all(|s| s.memstats.is_none()) {
        return Vec::new();
    }
    let mut lines = vec!["Runtime MemStats, oldest first:".to_owned()];
    for (i, s) in snapshots.iter().enumerate() {
        let Some(stats) = s.memstats.as_deref() else {
            lines.push(format!("  {:>2}. no MemStats", i + 1));
            continue;
        };
        let mut parts: Vec<String> = ["HeapInuse", "HeapObjects", "NumGC"]
            .iter()
            .filter_map(|&n| {
                stats
                    .value(n)
                    .map(|v| format!("{n} {}", memstat_value(n, v)))
            })
            .collect();
        if let Some(gap) = &s.heap_gap {
            parts.push(format!(
                "profile inuse_space {}",
                label(gap.profiled, "bytes")
            ));
        }
        lines.push(format!("  {:>2}. {}", i + 1, parts.join(", ")));
    }
    lines
}

/// Writes the snapshot list and the ranked table. `profiles`: the
/// snapshots (or the profile merging them) whose headers head the report
/// ([`Lineup::profiles`](crate::analysis::Lineup::profiles)).
pub fn write_trend(
    out: &mut dyn Write,
    profiles: &[&Profile],
    snapshots: &[ProfileInfo],
    trend: &Trend,
    filters: &Filters,
    options: &TrendTextOptions,
) -> io::Result<()> {
    let unit = trend.sample_type.unit.as_str();
    let value = |v: i64| scaled_label(v, unit, &options.unit);
    let mut lines = merged_heading(profiles, &trend.sample_type.name);
    lines.push(format!("Snapshots, oldest first: {}", snapshots.len()));
    let first_time = snapshots.first().map_or(0, |s| s.time_nanos);
    for (i, (info, total)) in snapshots.iter().zip(&trend.totals).enumerate() {
        let when = match (i, info.time_nanos) {
            (_, 0) => String::new(),
            (0, t) => format!(", {}", format_time(t)),
            (_, t) => format!(
                ", {}{}",
                if t >= first_time { "+" } else { "" },
                label(t.wrapping_sub(first_time), "nanoseconds")
            ),
        };
        lines.push(format!(
            "  {:>2}. {}{when}, total {}",
            i + 1,
            info.source,
            value(*total)
        ));
    }
    lines.extend(runtime_lines(snapshots));
    let names: Vec<&str> = snapshots.iter().map(|s| s.source.as_str()).collect();
    lines.extend(trend.restarts.iter().map(|r| r.describe(&names)));
    if trend.floor > 0.0 {
        lines.push(format!(
            "Noise floor: {} (what one sample stands for at the profile's sampling period); smaller moves count as none",
            label(trend.floor.round() as i64, unit)
        ));
    }
    lines.extend(active_filters(filters));
    let by = match options.by {
        SortBy::Flat => "flat",
        SortBy::Cum => "cum",
    };
    let shown = if trend.rows.len() < trend.site_total {
        format!(
            ", showing the top {} of {} sites",
            trend.rows.len(),
            trend.site_total
        )
    } else if trend.site_total == 1 {
        " among 1 site".to_owned()
    } else {
        format!(" among {} sites", trend.site_total)
    };
    lines.push(format!(
        "Leak suspects: {}{shown}, most suspicious first (by {by} value)",
        trend.suspects
    ));
    for line in lines {
        writeln!(out, "{}", visible(&line))?;
    }
    let timed = trend.rows.iter().any(|r| r.growth.per_minute.is_some());
    let turnover = trend.rows.iter().any(|r| r.turnover.is_some());
    write!(
        out,
        "{:>5} {:>7} {:>4} {:>10} {:>10} {:>11} {:>11}",
        "score", "suspect", "conf", "first", "last", "growth", "/snapshot"
    )?;
    if timed {
        write!(out, " {:>11}", "/minute")?;
    }
    if turnover {
        write!(out, " {:>11} {:>8}", "alloc/s", "age")?;
    }
    let width = snapshots.len().clamp(5, TEXT_SPARKLINE_CELLS);
    writeln!(out, "  {:<width$}  ", "trend")?;
    let columns = Columns {
        timed,
        turnover,
        width,
    };
    for row in &trend.rows {
        write_row(out, row, unit, options, &columns)?;
    }
    Ok(())
}

/// The optional columns of the text table.
struct Columns {
    /// Per minute of profile time.
    timed: bool,
    /// Allocation rate and mean age.
    turnover: bool,
    /// Of the sparkline.
    width: usize,
}

fn write_row(
    out: &mut dyn Write,
    row: &TrendRow,
    unit: &str,
    options: &TrendTextOptions,
    columns: &Columns,
) -> io::Result<()> {
    let g = &row.growth;
    write!(
        out,
        "{:>5.1} {:>7} {:>4} {:>10} {:>10} {:>11} {:>11}",
        g.score,
        if g.suspect { "yes" } else { "" },
        confidence_label(g),
        scaled_label(
            row.values().first().copied().unwrap_or(0),
            unit,
            &options.unit
        ),
        scaled_label(
            row.values().last().copied().unwrap_or(0),
            unit,
            &options.unit
        ),
        signed_label(g.net, unit, &options.unit),
        rate(g.per_snapshot, unit, &options.unit),
    )?;
    if columns.timed {
        let per_minute = g
            .per_minute
            .map_or_else(String::new, |m| rate(m, unit, &options.unit));
        write!(out, " {per_minute:>11}")?;
    }
    if columns.turnover {
        let (per_second, age) = row
            .turnover
            .as_ref()
            .map_or_else(Default::default, |t| (rate_label(t), age_label(t)));
        write!(out, " {per_second:>11} {age:>8}")?;
    }
    writeln!(
        out,
        "  {:<width$}  {}{}{}",
        sparkline_within(row.values(), TEXT_SPARKLINE_CELLS),
        visible(&row.name),
        row.inlined.suffix(),
        if row.profiler { "  [profiler]" } else { "" },
        width = columns.width
    )
}

/// A site's allocation rate and mean age in JSON (`trend`, `explain`).
pub fn turnover_json(t: &Turnover) -> Value {
    json!({
        "bytes_per_second": t.bytes_per_second,
        "objects_per_second": t.objects_per_second,
        "mean_age_seconds": t.mean_age_seconds,
    })
}

/// One row of `trend --format json` (see [`trend_json`]).
pub fn row_json(row: &TrendRow) -> Value {
    let g = &row.growth;
    let mut value = json!({
        "name": row.name,
        "inline": inline(row.inlined),
        "values": row.values(),
        "suspect": g.suspect,
        "score": g.score,
        "growth": g.net,
        "slope_per_snapshot": g.per_snapshot,
        "slope_per_minute": g.per_minute,
        "monotonic": g.monotonic,
        "rises": g.rises,
        "steadiness": g.steadiness,
        "share": g.share,
        "tau": g.tau,
        "confidence": g.confidence,
        "continuing": g.continuing,
        "profiler": row.profiler,
        "turnover": row.turnover.as_ref().map(turnover_json),
        "flat": row.flat,
        "cum": row.cum,
    });
    add_stack(&mut value, row.stack.as_ref());
    value
}

/// `trend --format json`: `{"rows": [{"name", "values", "suspect", …}]}`
/// most suspicious first, with the snapshots (oldest first) and warnings.
pub fn trend_json<'a>(
    snapshots: &[ProfileInfo],
    trend: &'a Trend,
    by: SortBy,
    by_time: bool,
    warnings: &[String],
) -> RowsDoc<'a> {
    let head = json!({
        "sample_type": {"type": trend.sample_type.name, "unit": trend.sample_type.unit},
        "value": match by { SortBy::Flat => "flat", SortBy::Cum => "cum" },
        "ordered_by": if by_time { "time" } else { "arguments" },
        "snapshots": snapshots.iter().zip(&trend.totals).map(|(s, total)| {
            let mut snapshot = json!({
                "source": s.source,
                "time": time(s.time_nanos),
                "total": total,
            });
            if let (Some(stats), Some(map)) = (s.memstats.as_deref(), snapshot.as_object_mut()) {
                map.insert("memstats".to_owned(), memstats_json(stats));
            }
            snapshot
        }).collect::<Vec<_>>(),
        "restarts": trend.restarts.iter().map(|r| json!({
            "snapshot": r.at,
            "source": snapshots.get(r.at).map(|s| s.source.as_str()),
            "why": r.why,
        })).collect::<Vec<_>>(),
        "noise_floor": trend.floor,
        "site_total": trend.site_total,
        "suspects": trend.suspects,
        "warnings": warnings,
        "rows": null,
    });
    RowsDoc::new(head, trend.rows.iter().map(row_json))
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_long_sparkline_keeps_its_ends_within_its_width() {
        let values: Vec<i64> = (0..100).collect();
        let line = sparkline_within(&values, 10);
        assert_eq!(line.chars().count(), 10);
        assert_eq!(line.chars().next(), Some('▁'));
        assert_eq!(line.chars().last(), Some('█'));
        // Short enough: the line as it is.
        assert_eq!(sparkline_within(&[1, 2, 3], 10), sparkline(&[1, 2, 3]));
        assert_eq!(sparkline_within(&values, 1), "█");
    }

    use super::*;

    #[test]
    fn sparklines_run_from_zero_to_the_peak() {
        assert_eq!(sparkline(&[0, 50, 100]), "▁▅█");
        assert_eq!(sparkline(&[100, 100]), "▁▁", "no change: flat");
        assert_eq!(sparkline(&[1_179_920; 3]), "▁▁▁");
        assert_eq!(sparkline(&[0, 0, 0]), "▁▁▁");
        assert_eq!(sparkline(&[-10, 0, 10]), "▁▅█");
    }
}
