//! `pprof-tui tags`: the label report of `go tool pprof -tags`, byte for
//! byte. Each key gets `key: Total X of T (P%)`, then its values, largest
//! first (numeric values formatted in their unit, values that format alike
//! counted together), laid out as Go's `text/tabwriter` aligns them to the
//! right.

use std::collections::HashMap;
use std::io::{self, Write};

use super::units::{percentage, scaled_label};
use crate::analysis::tags::{KeyCounts, TagValue};
use crate::profile::Profile;

/// How values are printed: the sample type's unit and the output unit
/// (`minimum`, pprof's default, scales each value on its own).
pub struct TagsOptions<'a> {
    pub sample_unit: &'a str,
    pub output_unit: &'a str,
}

/// Writes the report of `keys` (as `analysis::tags::tag_counts` gives
/// them) for a profile whose total is `total`.
pub fn write_tags(
    out: &mut dyn Write,
    profile: &Profile,
    keys: &[KeyCounts],
    total: i64,
    options: &TagsOptions<'_>,
) -> io::Result<()> {
    let value = |v: i64| scaled_label(v, options.sample_unit, options.output_unit);
    let mut lines: Vec<String> = Vec::new();
    for key in keys {
        let mut merged: HashMap<String, i64> = HashMap::new();
        for (v, n) in &key.values {
            let name = match *v {
                TagValue::Str(s) => profile.string(s).to_owned(),
                TagValue::Num(x) => scaled_label(x, &key.unit, options.output_unit),
            };
            *merged.entry(name).or_default() += n;
        }
        let mut values: Vec<(String, i64)> = merged.into_iter().collect();
        values.sort_by(|a, b| b.1.abs().cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
        if total > 0 {
            lines.push(format!(
                "{}:\t Total {} of {} ({})",
                key.key,
                value(key.total),
                value(total),
                percentage(key.total, total)
            ));
        } else {
            lines.push(format!(
                "{}:\t Total {} of {}",
                key.key,
                value(key.total),
                value(total)
            ));
        }
        for (name, n) in values {
            if total > 0 {
                lines.push(format!(
                    " \t{} ({}):\t {name}",
                    value(n),
                    percentage(n, total)
                ));
            } else {
                lines.push(format!(" \t{}:\t {name}", value(n)));
            }
        }
        lines.push(String::new());
    }
    out.write_all(align_right(&lines).as_bytes())
}

/// Lays out lines of tab-terminated cells as Go's `text/tabwriter` with
/// `minwidth 0, tabwidth 0, padding 1, padchar ' ', AlignRight`: a column's
/// width is that of its widest cell plus one, over each run of adjacent
/// lines that have a cell in that column; cells are padded on the left;
/// the text after a line's last tab is written as it is. Widths count
/// characters, as tabwriter counts runes.
pub fn align_right(lines: &[String]) -> String {
    let cells: Vec<Vec<&str>> = lines.iter().map(|l| l.split('\t').collect()).collect();
    // Terminated cells of each line (the last cell is not one).
    let terminated = |i: usize| cells[i].len() - 1;
    let columns = (0..cells.len()).map(terminated).max().unwrap_or(0);
    // widths[i][c]: the width of line i's cell c.
    let mut widths: Vec<Vec<usize>> = cells.iter().map(|c| vec![0; c.len() - 1]).collect();
    for c in 0..columns {
        let mut start = 0;
        while start < cells.len() {
            if terminated(start) <= c {
                start += 1;
                continue;
            }
            let mut end = start;
            let mut width = 0;
            while end < cells.len() && terminated(end) > c {
                width = width.max(cells[end][c].chars().count() + 1);
                end += 1;
            }
            for w in &mut widths[start..end] {
                w[c] = width;
            }
            start = end;
        }
    }
    let mut out = String::new();
    for (line, widths) in cells.iter().zip(&widths) {
        for (j, cell) in line.iter().enumerate() {
            if let Some(&w) = widths.get(j) {
                let pad = w.saturating_sub(cell.chars().count());
                out.extend(std::iter::repeat_n(' ', pad));
            }
            out.push_str(cell);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_right_per_run_of_lines() {
        let lines = [
            "k:\t Total",
            " \t10 (1%):\t a",
            " \t5 (0.5%):\t bb",
            "",
            "key2:\t x",
        ]
        .map(str::to_owned);
        assert_eq!(
            align_right(&lines),
            " k: Total\n     10 (1%): a\n    5 (0.5%): bb\n\n key2: x\n"
        );
    }
}
