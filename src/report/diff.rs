//! What `pprof-tui diff` prints: a table of sites with their base and new
//! values, deltas and relative changes, as text or JSON.

use crate::safe_text::visible;
use std::io::{self, Write};

use serde_json::{Value, json};

use super::ProfileInfo;
use super::json::{RowsDoc, add_stack, inline, time};
use super::text::{format_time, merged_heading};
use super::units::{scaled_label, signed_label};
use crate::analysis::diff::{Diff, DiffRow, GrowthOrder, Status};
use crate::analysis::{Filters, SortBy};
use crate::profile::Profile;

/// Presentation choices for the text table.
#[derive(Debug, Clone)]
pub struct DiffTextOptions {
    /// Output unit: `auto` (per value, the default) or a unit such as `B`,
    /// `MB`, `ms`.
    pub unit: String,
    /// What the rows were ranked by, for the header.
    pub by: SortBy,
    pub order: GrowthOrder,
}

impl Default for DiffTextOptions {
    fn default() -> Self {
        DiffTextOptions {
            unit: "auto".to_owned(),
            by: SortBy::Flat,
            order: GrowthOrder::Absolute,
        }
    }
}

pub(crate) fn active_filters(filters: &Filters) -> Vec<String> {
    let active = filters.describe();
    if active.is_empty() {
        return Vec::new();
    }
    let mut out = vec!["Active filters:".to_owned()];
    out.extend(active.into_iter().map(|f| format!("   {f}")));
    out
}

/// A relative change: `+872.7%`, `-100%`; `new` for growth from zero.
pub(crate) fn relative_label(relative: Option<f64>, delta: i64) -> String {
    match relative {
        Some(r) => {
            let pct = r * 100.0;
            let s = format!("{pct:+.1}");
            let s = s.strip_suffix(".0").unwrap_or(&s);
            if s == "+0" || s == "-0" {
                "0%".to_owned()
            } else {
                format!("{s}%")
            }
        }
        None if delta > 0 => "new".to_owned(),
        None if delta < 0 => "-".to_owned(),
        None => String::new(),
    }
}

fn side_line(label: &str, info: &ProfileInfo, total: String) -> String {
    let mut line = format!("{label} {}", info.source);
    if info.time_nanos != 0 {
        line.push_str(&format!(", {}", format_time(info.time_nanos)));
    }
    line.push_str(&format!(", total {total}"));
    line
}

/// Writes the diff table.
pub fn write_diff(
    out: &mut dyn Write,
    profiles: &[&Profile],
    sides: [&ProfileInfo; 2],
    diff: &Diff,
    filters: &Filters,
    options: &DiffTextOptions,
) -> io::Result<()> {
    let unit = diff.sample_type.unit.as_str();
    let value = |v: i64| scaled_label(v, unit, &options.unit);
    let signed = |v: i64| signed_label(v, unit, &options.unit);
    let mut lines = merged_heading(profiles, &diff.sample_type.name);
    lines.push(side_line("Base:", sides[0], value(diff.base_total)));
    let change = diff.new_total.wrapping_sub(diff.base_total);
    let relative = (diff.base_total != 0).then(|| change as f64 / diff.base_total as f64);
    lines.push(side_line(
        "New: ",
        sides[1],
        format!(
            "{} ({}, {})",
            value(diff.new_total),
            signed(change),
            relative_label(relative, change)
        ),
    ));
    lines.extend(active_filters(filters));
    let by = match options.by {
        SortBy::Flat => "flat",
        SortBy::Cum => "cum",
    };
    let order = match options.order {
        GrowthOrder::Absolute => "growth",
        GrowthOrder::Relative => "relative growth",
    };
    let sites = |n: usize| if n == 1 { "site" } else { "sites" };
    let what = if diff.unchanged > 0 {
        format!(
            "{} changed {} ({} unchanged not shown)",
            diff.site_total,
            sites(diff.site_total),
            diff.unchanged
        )
    } else {
        format!("{} {}", diff.site_total, sites(diff.site_total))
    };
    if diff.rows.len() < diff.site_total {
        lines.push(format!(
            "Showing top {} of {what}, by {by} {order}",
            diff.rows.len()
        ));
    } else {
        lines.push(format!("Showing {what}, by {by} {order}"));
    }
    for line in lines {
        writeln!(out, "{}", visible(&line))?;
    }
    writeln!(
        out,
        "{:>10} {:>10} {:>11} {:>8}  {:>10} {:>10} {:>11} {:>8}  ",
        "flat base", "flat new", "flat Δ", "flat Δ%", "cum base", "cum new", "cum Δ", "cum Δ%"
    )?;
    for row in &diff.rows {
        let flat_rel = match row.status() {
            Status::Vanished if row.base_flat != 0 => "gone".to_owned(),
            _ => relative_label(row.flat_relative(), row.flat_delta()),
        };
        let cum_rel = match row.status() {
            Status::Vanished => "gone".to_owned(),
            _ => relative_label(row.cum_relative(), row.cum_delta()),
        };
        writeln!(
            out,
            "{:>10} {:>10} {:>11} {:>8}  {:>10} {:>10} {:>11} {:>8}  {}{}",
            value(row.base_flat),
            value(row.new_flat),
            signed(row.flat_delta()),
            flat_rel,
            value(row.base_cum),
            value(row.new_cum),
            signed(row.cum_delta()),
            cum_rel,
            visible(&row.name),
            row.inlined.suffix()
        )?;
    }
    super::write_more(out, diff.site_total.saturating_sub(diff.rows.len()))?;
    Ok(())
}

fn change(base: i64, new: i64, delta: i64, relative: Option<f64>) -> Value {
    json!({
        "base": base,
        "new": new,
        "delta": delta,
        "delta_percent": relative.map(|r| r * 100.0),
    })
}

fn row_json(row: &DiffRow) -> Value {
    let mut value = json!({
        "name": row.name,
        "inline": inline(row.inlined),
        "status": row.status().as_str(),
        "flat": change(row.base_flat, row.new_flat, row.flat_delta(), row.flat_relative()),
        "cum": change(row.base_cum, row.new_cum, row.cum_delta(), row.cum_relative()),
    });
    add_stack(&mut value, row.stack.as_ref());
    value
}

/// `diff --format json`: both sides' totals and the ranked rows, values as
/// exact integers in the sample type's unit; `delta_percent` is relative to
/// the site's base value (null when that is zero).
pub fn diff_json<'a>(
    sides: [&ProfileInfo; 2],
    diff: &'a Diff,
    options: &DiffTextOptions,
) -> RowsDoc<'a> {
    let side = |info: &ProfileInfo, total: i64| {
        json!({
            "source": info.source,
            "time": time(info.time_nanos),
            "total": total,
        })
    };
    let head = json!({
        "sample_type": {"type": diff.sample_type.name, "unit": diff.sample_type.unit},
        "base": side(sides[0], diff.base_total),
        "new": side(sides[1], diff.new_total),
        "sort": {
            "by": match options.by { SortBy::Flat => "flat", SortBy::Cum => "cum" },
            "order": match options.order {
                GrowthOrder::Absolute => "absolute",
                GrowthOrder::Relative => "relative",
            },
        },
        "site_total": diff.site_total,
        "unchanged_hidden": diff.unchanged,
        "rows": null,
    });
    RowsDoc::new(head, diff.rows.iter().map(row_json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_labels() {
        assert_eq!(relative_label(Some(8.727), 10), "+872.7%");
        assert_eq!(relative_label(Some(-1.0), -10), "-100%");
        assert_eq!(relative_label(Some(0.0), 0), "0%");
        assert_eq!(relative_label(Some(0.00001), 1), "0%");
        assert_eq!(relative_label(None, 5), "new");
        assert_eq!(relative_label(None, 0), "");
    }
}
