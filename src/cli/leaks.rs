//! `pprof-tui leaks PROFILE|URL…`: a CI gate on goroutine leaks, the rule
//! of uber-go/goleak for a running service. It lists the leaks the runtime
//! proved (a goroutineleak profile, or the `(leaked)` goroutines of a
//! `debug=2` dump; the last such input counts) and, given two or more
//! snapshots, the groups that keep growing (`trend`'s rule), each with the
//! known signature it matches; it exits 3 when any remain after the ignores.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use serde_json::{Value, json};

use super::{EXIT_GROWTH, Format, Input, ViewArgs, one_line, usage, warn};
use crate::analysis::leaks::{
    Ignores, ProvenGroup, has_proof, is_goroutineleak_profile, proven_leaks,
};
use crate::analysis::signatures::{RowFacts, Signature, row_kind, signature_of};
use crate::analysis::sites::StackSite;
use crate::analysis::trend::{TrendOptions, trend};
use crate::analysis::{Study, compile_regex, study_granularity};
use crate::profile::Profile;
use crate::report::json::{RowsDoc, signature_json};
use crate::safe_text::TerminalSafe;

#[derive(Debug, Args)]
pub struct LeaksArgs {
    /// Goroutine profiles or dumps (files, '-' or URLs such as
    /// http://host/debug/pprof/goroutineleak). Proven leaks come from the
    /// last goroutineleak profile or dump with `(leaked)` goroutines; the
    /// other inputs, when two or more, are snapshots whose growing groups
    /// are leaks too.
    #[arg(value_name = "PROFILE", required = true)]
    profiles: Vec<String>,

    /// Ignore goroutines whose top function (the first frame outside the
    /// runtime) matches this regex, anchored (goleak's IgnoreTopFunction).
    /// Repeatable.
    #[arg(long, value_name = "RE")]
    ignore_top_function: Vec<String>,

    /// Ignore goroutines with any frame matching this regex, anchored
    /// (goleak's IgnoreAnyFunction). Repeatable.
    #[arg(long, value_name = "RE")]
    ignore_any_function: Vec<String>,

    /// Read more ignores from a file: one per line, `top-function RE` or
    /// `any-function RE`; blank lines and lines starting with # are skipped.
    #[arg(long, value_name = "FILE")]
    ignore_file: Option<PathBuf>,

    /// Output format: text, or json (one object, for scripts).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,

    #[command(flatten)]
    pub(crate) view: ViewArgs,
}

/// A group that grew across the snapshots.
struct Growing {
    site: StackSite,
    values: Vec<i64>,
    net: i64,
    signature: Option<&'static Signature>,
}

/// Reads the ignores of the command line and of `--ignore-file`.
fn ignores(args: &LeaksArgs) -> Result<Ignores> {
    let anchored = |option, re: &str| compile_regex(option, &format!("^(?:{re})$")).map_err(usage);
    let mut ignores = Ignores::default();
    for re in &args.ignore_top_function {
        ignores
            .top_function
            .push(anchored("--ignore-top-function", re)?);
    }
    for re in &args.ignore_any_function {
        ignores
            .any_function
            .push(anchored("--ignore-any-function", re)?);
    }
    if let Some(path) = &args.ignore_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading ignore file '{}'", path.display()))?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = || {
                usage(format!(
                    "{}:{}: expected 'top-function RE' or 'any-function RE', found '{}'",
                    path.display(),
                    n + 1,
                    line
                ))
            };
            let (kind, re) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
            match kind {
                "top-function" => ignores
                    .top_function
                    .push(anchored("top-function", re.trim())?),
                "any-function" => ignores
                    .any_function
                    .push(anchored("any-function", re.trim())?),
                _ => return Err(bad()),
            }
        }
    }
    Ok(ignores)
}

pub fn run(args: &LeaksArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let ignores = ignores(args)?;
    let view = args.view.resolve()?;
    let inputs = Input::parse_all(&args.profiles);
    let loaded = view.load(&inputs)?;
    let names: Vec<String> = inputs.iter().map(|i| i.source.display_name()).collect();

    let proof = loaded.iter().rposition(has_proof);
    let (proven, mut ignored) = match proof {
        Some(i) => proven_leaks(&loaded[i], &view.filters, &ignores),
        None => (Vec::new(), 0),
    };
    let (snapshots, snapshot_names): (Vec<Profile>, Vec<String>) = loaded
        .into_iter()
        .zip(names.iter().cloned())
        .filter(|(p, _)| !is_goroutineleak_profile(p))
        .unzip();
    let growing = if snapshots.len() >= 2 {
        let (rows, skipped) = growing_groups(snapshots, snapshot_names, &view, &ignores)?;
        ignored += skipped;
        rows
    } else {
        Vec::new()
    };
    if proof.is_none() && growing.is_empty() && names.len() < 2 {
        warn(
            "no proof of leaks in the input (give a goroutineleak profile, a debug=2 dump \
             taken after one, or two or more snapshots)",
        );
    }
    let source = proof.map(|i| names[i].as_str());
    match args.format {
        Format::Text => write_text(
            &mut TerminalSafe::new(&mut *out),
            source,
            &proven,
            &growing,
            ignored,
        )?,
        Format::Json => {
            let doc = leaks_json(source, &proven, &growing, ignored);
            crate::report::json::write_json(out, &doc)?;
        }
    }
    let goroutines: i64 = proven.iter().map(|g| g.count).sum();
    if proven.is_empty() && growing.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    out.flush()?;
    eprintln!(
        "pprof-tui: {}",
        one_line(&format!(
            "leaks found: {} proven group{} ({goroutines} goroutine{}), {} growing group{}",
            proven.len(),
            plural(proven.len() as i64),
            plural(goroutines),
            growing.len(),
            plural(growing.len() as i64)
        ))
    );
    Ok(ExitCode::from(EXIT_GROWTH))
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The suspects of `trend` across the snapshots, not ignored; and the
/// goroutines (or units) of the ignored ones.
fn growing_groups(
    profiles: Vec<Profile>,
    names: Vec<String>,
    view: &super::View,
    ignores: &Ignores,
) -> Result<(Vec<Growing>, i64)> {
    let mut timeline = Study::snapshots(profiles, names).into_timeline()?;
    for note in &timeline.notes {
        warn(note);
    }
    let snapshots = timeline.take_snapshots()?;
    let profile = snapshots.profile();
    let sample_index = view.sample_index(profile)?;
    let sample_type = profile.sample_types[sample_index].clone();
    let options = TrendOptions {
        sample_index,
        granularity: study_granularity(profile, sample_index, view.granularity),
        filters: view.filters.clone(),
        ..TrendOptions::default()
    };
    let snapshots = snapshots.ready_for(options.granularity, &options.filters)?;
    let result = trend(
        &snapshots,
        timeline.minutes.as_deref(),
        &timeline.restarts,
        &options,
    )?;
    let kind = row_kind(&sample_type.name, &sample_type.unit);
    let mut ignored = 0;
    let mut rows = Vec::new();
    for row in result.rows.into_iter().filter(|r| r.growth.suspect) {
        let values = row.values().to_vec();
        let site = row
            .stack
            .unwrap_or_else(|| StackSite::new(vec![row.name.as_str().into()]));
        let last = values.last().copied().unwrap_or(0);
        if ignores.ignores(&site) {
            ignored += last;
            continue;
        }
        let signature = kind.and_then(|kind| {
            signature_of(RowFacts {
                frames: &site.frames,
                state: None,
                kind,
                value: last,
            })
        });
        rows.push(Growing {
            site,
            net: row.growth.net,
            values,
            signature,
        });
    }
    Ok((rows, ignored))
}

fn write_text(
    out: &mut dyn Write,
    source: Option<&str>,
    proven: &[ProvenGroup],
    growing: &[Growing],
    ignored: i64,
) -> std::io::Result<()> {
    if let Some(source) = source {
        writeln!(
            out,
            "Proven by the runtime ({source}): {} goroutine{} in {} group{}",
            proven.iter().map(|g| g.count).sum::<i64>(),
            plural(proven.iter().map(|g| g.count).sum()),
            proven.len(),
            plural(proven.len() as i64)
        )?;
        for g in proven {
            let mut line = format!("{:>8}  {}", g.count, g.site.label(1));
            if let Some(state) = &g.state {
                line.push_str(&format!("  [{state}]"));
            }
            if let Some(creator) = &g.created_by {
                line.push_str(&format!("  created by {creator}"));
            }
            writeln!(out, "{line}")?;
            write_signature(out, g.signature)?;
        }
    }
    if !growing.is_empty() {
        writeln!(
            out,
            "Growing across the snapshots: {} group{}",
            growing.len(),
            plural(growing.len() as i64)
        )?;
        for g in growing {
            let values: Vec<String> = g.values.iter().map(i64::to_string).collect();
            writeln!(
                out,
                "{:>8}  {}  ({})",
                format!("+{}", g.net),
                g.site.label(1),
                values.join(" → ")
            )?;
            write_signature(out, g.signature)?;
        }
    }
    if ignored > 0 {
        writeln!(out, "Ignored: {ignored}")?;
    }
    if proven.is_empty() && growing.is_empty() {
        writeln!(out, "No leaks.")?;
    }
    Ok(())
}

fn write_signature(out: &mut dyn Write, signature: Option<&Signature>) -> std::io::Result<()> {
    if let Some(s) = signature {
        writeln!(out, "          signature {}: {}", s.id, s.name)?;
        writeln!(out, "          fix: {}", s.fix)?;
    }
    Ok(())
}

/// Adds the `signature` field to each row of a report's JSON (`rows`,
/// in the order of `signatures`).
pub(crate) fn add_signatures<'a, 's: 'a>(
    doc: RowsDoc<'a>,
    mut signatures: impl Iterator<Item = Option<&'s Signature>> + 'a,
) -> RowsDoc<'a> {
    doc.map_rows(move |mut row| {
        if let (Some(signature), Some(object)) = (signatures.next(), row.as_object_mut()) {
            object.insert("signature".to_owned(), signature_json(signature));
        }
        row
    })
}

fn leaks_json(
    source: Option<&str>,
    proven: &[ProvenGroup],
    growing: &[Growing],
    ignored: i64,
) -> Value {
    json!({
        "proven_by": source,
        "proven": proven.iter().map(|g| json!({
            "name": g.site.name(),
            "count": g.count,
            "frames": g.site.frames,
            "state": g.state,
            "created_by": g.created_by,
            "proven_by_runtime": true,
            "signature": signature_json(g.signature),
        })).collect::<Vec<_>>(),
        "growing": growing.iter().map(|g| json!({
            "name": g.site.name(),
            "values": g.values,
            "net": g.net,
            "frames": g.site.frames,
            "signature": signature_json(g.signature),
        })).collect::<Vec<_>>(),
        "ignored": ignored,
        "leaks": proven.len() + growing.len(),
    })
}
