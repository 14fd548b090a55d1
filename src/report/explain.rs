//! What `pprof-tui explain` prints: every allocation site with its class
//! badges, the compiler's escape messages (and `-m=2` flows) and advice, as
//! text or JSON. Profile and compiler strings pass through
//! [`visible`] (text) or the terminal-safe JSON writer.

use std::io::{self, Write};

use serde_json::json;

use super::json::{RowsDoc, signature_json};
use super::trend::{age_label, rate_label, turnover_json};
use super::units::{label, percentage};
use crate::analysis::explain::{ExplainRow, Explained, Thresholds};
use crate::safe_text::visible;

/// What the header says about where the data came from.
#[derive(Debug, Clone, Default)]
pub struct ExplainSources {
    /// The profile explained, as the user named it.
    pub profile: String,
    /// The compiler output used (file or `go build` in a directory).
    pub escapes: Option<String>,
    /// How many snapshots the leak class was decided over.
    pub snapshots: usize,
}

/// `[retained] [leak]`, and the known leak signature it matches
/// (`[unclosed-body]`).
pub fn badges(row: &ExplainRow) -> String {
    row.classes
        .iter()
        .map(|c| c.as_str())
        .chain(row.signature.map(|s| s.id))
        .map(|b| format!("[{b}]"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The thresholds in words, for the header and the docs.
pub fn thresholds_line(t: &Thresholds) -> String {
    format!(
        "retained: inuse_space >= {} of all; churn: alloc_space >= {} of all with inuse_space <= {} of it; \
         large: >= {} per object; leak: a trend suspect across the snapshots",
        pct(t.retained_share),
        pct(t.churn_share),
        pct(t.churn_inuse),
        label(t.large_object, "bytes")
    )
}

fn pct(f: f64) -> String {
    let s = format!("{:.2}", f * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// Writes the text report.
pub fn write_explain(
    out: &mut dyn Write,
    sources: &ExplainSources,
    explained: &Explained,
    thresholds: &Thresholds,
) -> io::Result<()> {
    let t = &explained.totals;
    writeln!(out, "Profile: {}", visible(&sources.profile))?;
    writeln!(
        out,
        "Totals: inuse_space {}, alloc_space {}, inuse_objects {}, alloc_objects {}",
        label(t.inuse_space, "bytes"),
        label(t.alloc_space, "bytes"),
        t.inuse_objects,
        t.alloc_objects
    )?;
    match &sources.escapes {
        Some(e) => writeln!(
            out,
            "Escape analysis: {} ({} of {} sites matched)",
            visible(e),
            explained.matched,
            explained.site_total
        )?,
        None => writeln!(
            out,
            "Escape analysis: none (--escape FILE or --escape-from DIR)"
        )?,
    }
    if sources.snapshots > 0 {
        writeln!(out, "Snapshots: {}", sources.snapshots)?;
    }
    writeln!(out, "Classes: {}", thresholds_line(thresholds))?;
    writeln!(
        out,
        "Showing {} of {} allocation sites, by the larger of their inuse_space and alloc_space shares",
        explained.rows.len(),
        explained.site_total
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:>10} {:>6} {:>10} {:>6} {:>9}  site",
        "inuse", "inuse%", "alloc", "alloc%", "B/object"
    )?;
    for row in &explained.rows {
        let v = &row.values;
        let per_object = v
            .bytes_per_object()
            .map_or_else(|| "-".to_owned(), |b| label(b, "bytes"));
        let badges = badges(row);
        writeln!(
            out,
            "{:>10} {:>6} {:>10} {:>6} {:>9}  {}{}{}",
            label(v.inuse_space, "bytes"),
            percentage(v.inuse_space, t.inuse_space).trim(),
            label(v.alloc_space, "bytes"),
            percentage(v.alloc_space, t.alloc_space).trim(),
            per_object,
            visible(&row.name),
            if badges.is_empty() { "" } else { "  " },
            badges
        )?;
        if let Some(callee) = &row.allocated_in {
            writeln!(
                out,
                "{:>46}allocated inside {}, called here",
                "",
                visible(callee)
            )?;
        }
        for e in &row.escapes {
            writeln!(
                out,
                "{:>46}{}  ({})",
                "",
                visible(&e.text),
                e.reason.describe()
            )?;
            for f in &e.flow {
                writeln!(out, "{:>50}{}", "", visible(f))?;
            }
        }
        match &row.turnover {
            Some(t) if t.mean_age_seconds.is_some() => writeln!(
                out,
                "{:>46}allocates {}; its live objects are {} old on average",
                "",
                rate_label(t),
                age_label(t)
            )?,
            Some(_) => writeln!(out, "{:>46}allocated nothing between the snapshots", "")?,
            None => {}
        }
        for a in &row.advice {
            writeln!(out, "{:>46}-> {}", "", a)?;
        }
        if let Some(s) = row.signature {
            writeln!(out, "{:>46}-> {}: {}", "", s.name, s.fix)?;
        }
    }
    super::write_more(
        out,
        explained.site_total.saturating_sub(explained.rows.len()),
    )
}

/// The JSON document: `{"rows": [{"name", "file", "line", "flat", "class",
/// "escapes", "advice", …}], …}`.
pub fn explain_json<'a>(
    sources: &ExplainSources,
    explained: &'a Explained,
    thresholds: &Thresholds,
    warnings: &[String],
) -> RowsDoc<'a> {
    let t = &explained.totals;
    let rows = explained.rows.iter().map(|r| {
        let v = &r.values;
        json!({
            "name": r.function,
            "file": r.file,
            "line": r.line,
            "flat": r.flat,
            "values": {
                "alloc_objects": v.alloc_objects,
                "alloc_space": v.alloc_space,
                "inuse_objects": v.inuse_objects,
                "inuse_space": v.inuse_space,
            },
            "class": r.classes.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "escapes": r.escapes.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(),
            "why": r.escapes.iter().map(|e| e.reason.label()).collect::<Vec<_>>(),
            "allocated_in": r.allocated_in,
            "flows": r.escapes.iter().map(|e| e.flow.clone()).collect::<Vec<_>>(),
            "advice": r.advice,
            "unmatched": r.unmatched.map(|u| u.as_str()),
            "growth": r.growth.as_ref().map(|g| json!({
                "net": g.net,
                "suspect": g.suspect,
                "score": g.score,
                "confidence": g.confidence,
            })),
            "turnover": r.turnover.as_ref().map(turnover_json),
            "signature": signature_json(r.signature),
        })
    });
    let head = json!({
        "sample_type": {
            "type": explained.sample_type.name,
            "unit": explained.sample_type.unit,
        },
        "profile": sources.profile,
        "escape_source": sources.escapes,
        "snapshots": sources.snapshots,
        "totals": {
            "alloc_objects": t.alloc_objects,
            "alloc_space": t.alloc_space,
            "inuse_objects": t.inuse_objects,
            "inuse_space": t.inuse_space,
        },
        "thresholds": {
            "retained_share": thresholds.retained_share,
            "churn_share": thresholds.churn_share,
            "churn_inuse": thresholds.churn_inuse,
            "large_object": thresholds.large_object,
        },
        "site_total": explained.site_total,
        "matched": explained.matched,
        "unmatched": explained.unmatched.iter().map(|(why, n, example)| json!({
            "why": why.as_str(),
            "sites": n,
            "example": example,
        })).collect::<Vec<_>>(),
        "warnings": warnings,
        "rows": null,
    });
    RowsDoc::new(head, rows)
}

/// The warning about sites without messages, when there is one to give.
pub fn unmatched_warning(explained: &Explained, source: &str) -> Option<String> {
    let missing: usize = explained.unmatched.iter().map(|(_, n, _)| n).sum();
    if missing == 0 {
        return None;
    }
    let parts: Vec<String> = explained
        .unmatched
        .iter()
        .map(|(why, n, example)| format!("{n} {} (e.g. {example})", why.describe()))
        .collect();
    let mut text = format!(
        "{missing} of {} allocation sites have no message in '{source}': {}",
        explained.site_total,
        parts.join("; ")
    );
    for stale in &explained.stale {
        text.push_str(&format!("; stale build? {stale}"));
    }
    Some(text)
}
