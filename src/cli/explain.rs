//! `pprof-tui explain PROFILE [--escape FILE | --escape-from DIR]
//! [SNAPSHOT…]`: every allocation site of a Go heap profile, classed
//! (retained, churn, large, leak) and explained by the compiler's escape
//! analysis, with advice.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use super::{Format, Input, ViewArgs, usage, warn};
use crate::analysis::escape::Escapes;
use crate::analysis::explain::{ExplainOptions, Thresholds, explain, snapshot_trend};
use crate::analysis::{Granularity, Study};
use crate::input;
use crate::report::explain::{ExplainSources, explain_json, unmatched_warning, write_explain};
use crate::safe_text::TerminalSafe;
use crate::units::Quantity;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A Go heap or allocs profile (all four sample types): a file, '-' for
    /// stdin, or a URL.
    #[arg(value_name = "PROFILE")]
    profile: String,

    /// Earlier heap snapshots of the same program: with them, sites that
    /// keep growing (trend's leak suspects, on inuse_space) get the leak
    /// class. PROFILE is the last snapshot unless time stamps say otherwise.
    #[arg(value_name = "SNAPSHOT")]
    snapshots: Vec<String>,

    /// The compiler's escape analysis, saved: `go build -gcflags=-m=2 ./...
    /// 2> FILE` (or -m) run in the module's directory.
    #[arg(long, value_name = "FILE", conflicts_with = "escape_from")]
    escape: Option<PathBuf>,

    /// Run `go build -gcflags=-m=2 ./...` in DIR (the module's directory)
    /// and use its output; needs `go` on PATH.
    #[arg(long, value_name = "DIR")]
    escape_from: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) view: ViewArgs,

    /// Show at most N sites (0 = all). By default the top 20 in text, all
    /// in JSON.
    #[arg(long = "nodecount", short = 'n', value_name = "N")]
    node_count: Option<usize>,

    /// retained: a site's inuse_space is at least this share of all
    /// inuse_space.
    #[arg(long, value_name = "PCT", default_value = "1%", value_parser = parse_share)]
    retained_share: f64,

    /// churn: a site's alloc_space is at least this share of all
    /// alloc_space …
    #[arg(long, value_name = "PCT", default_value = "1%", value_parser = parse_share)]
    churn_share: f64,

    /// … while its inuse_space is at most this share of its own alloc_space.
    #[arg(long, value_name = "PCT", default_value = "5%", value_parser = parse_share)]
    churn_inuse: f64,

    /// large: at least this many bytes per allocated object (32kB: where Go
    /// gives each object a span of its own).
    #[arg(long, value_name = "BYTES", default_value = "32kB", value_parser = parse_bytes)]
    large_object: i64,

    /// Output format: text or json.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// `5%` or `0.05` → 0.05.
fn parse_share(text: &str) -> Result<f64, String> {
    let q =
        Quantity::parse(text).filter(|q| q.sign.is_none() && (q.unit.is_empty() || q.is_percent()));
    let value = q.and_then(|q| Some((q.value()?, q.is_percent())));
    match value {
        Some((v, true)) if v <= 100.0 => Ok(v / 100.0),
        Some((v, false)) if v <= 1.0 => Ok(v),
        _ => Err(format!("'{text}' is not a share (write 5% or 0.05)")),
    }
}

/// `32kB`, `1MB`, `4096` → bytes.
fn parse_bytes(text: &str) -> Result<i64, String> {
    let bad = || format!("'{text}' is not a size in bytes (write 32kB, 1MB or 4096)");
    let q = Quantity::parse(text)
        .filter(|q| q.sign.is_none() && !q.is_percent())
        .ok_or_else(bad)?;
    let v = q.value().ok_or_else(bad)?;
    let unit = if q.unit.is_empty() { "B" } else { q.unit };
    let bytes = crate::units::convert(v, unit, "B").ok_or_else(bad)?;
    Ok(bytes.round() as i64)
}

/// The escape analysis to use, with a name for headers; `None` (after a
/// warning) when there is none to read.
fn load_escapes(args: &ExplainArgs) -> Result<Option<(Escapes, String)>> {
    let escape = if let Some(file) = &args.escape {
        // A path the user typed that cannot be read is an error: explaining
        // without it would quietly drop every reason.
        input::escape::read_file(file).map_err(anyhow::Error::msg)?
    } else if let Some(dir) = &args.escape_from {
        let Some(built) = input::escape::go_build(dir)? else {
            let shown = dir.display();
            warn(&format!(
                "go is not on PATH, so --escape-from cannot build '{shown}'; make the file by hand: \
                 (cd {shown} && go build -gcflags=-m=2 ./... 2> escape.txt) and pass --escape {shown}/escape.txt"
            ));
            return Ok(None);
        };
        built
    } else {
        return Ok(None);
    };
    let escapes = Escapes::parse(&escape.text);
    if let Some(note) = escapes.empty_note(&escape.name) {
        warn(&note);
    }
    Ok(Some((escapes, escape.name)))
}

pub fn run(args: &ExplainArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let view = args.view.resolve()?;
    if view.granularity.is_some_and(|g| g != Granularity::Lines) {
        return Err(usage(
            "explain works on source lines; leave out --granularity",
        ));
    }
    let thresholds = Thresholds {
        retained_share: args.retained_share,
        churn_share: args.churn_share,
        churn_inuse: args.churn_inuse,
        large_object: args.large_object,
    };
    // Snapshots first, PROFILE last: without time stamps, the given order
    // is the order in time.
    let mut names: Vec<String> = args
        .snapshots
        .iter()
        .filter(|s| **s != args.profile)
        .cloned()
        .collect();
    names.push(args.profile.clone());
    let inputs = Input::parse_all(&names);
    let mut loaded = view.load(&inputs)?;
    let source = inputs
        .last()
        .map(|i| i.source.display_name())
        .unwrap_or_default();
    let Some(profile) = loaded.pop() else {
        return Err(usage("explain needs a PROFILE"));
    };
    let sample_index = view.sample_index(&profile)?;
    let mut warnings = Vec::new();
    let growth = if loaded.is_empty() {
        None
    } else {
        let mut all = std::mem::take(&mut loaded);
        all.push(profile.clone());
        let names = inputs.iter().map(|i| i.source.display_name()).collect();
        let mut timeline = Study::snapshots(all, names).into_timeline()?;
        warnings.append(&mut timeline.notes);
        let minutes = timeline.minutes.clone();
        let restarts = std::mem::take(&mut timeline.restarts);
        let lineup = timeline
            .take_snapshots()?
            .ready_for(Granularity::Lines, &view.filters)?;
        Some(
            snapshot_trend(&lineup, minutes.as_deref(), &restarts, &view.filters)
                .with_context(|| format!("snapshots of '{source}'"))?,
        )
    };
    let escapes = load_escapes(args)?;
    let options = ExplainOptions {
        sample_index,
        filters: view.filters.clone(),
        node_count: super::shown_rows(args.node_count, args.format, true),
        thresholds,
    };
    let explained = explain(
        &profile,
        escapes.as_ref().map(|(e, _)| e),
        growth.as_ref(),
        &options,
    )
    .with_context(|| format!("profile '{source}'"))?;
    if let Some((escapes, name)) = &escapes {
        warnings.extend(unmatched_warning(&explained, name));
        if explained.matched == 0 && explained.stale.is_empty() && !escapes.messages.is_empty() {
            let paths: Vec<&str> = escapes.files.iter().take(3).map(String::as_str).collect();
            warnings.push(format!(
                "no allocation site matched '{name}' (its files: {}); was it built from this program's module, at the same version?",
                paths.join(", ")
            ));
        }
    }
    for w in &warnings {
        warn(w);
    }
    let sources = ExplainSources {
        profile: source,
        escapes: escapes.as_ref().map(|(_, name)| name.clone()),
        snapshots: growth.as_ref().map_or(0, |t| t.totals.len()),
    };
    match args.format {
        Format::Text => write_explain(
            &mut TerminalSafe::new(&mut *out),
            &sources,
            &explained,
            &thresholds,
        )?,
        Format::Json => explain_json(&sources, &explained, &thresholds, &warnings).write(out)?,
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_sizes_parse() {
        assert_eq!(parse_share("5%"), Ok(0.05));
        assert_eq!(parse_share("0.25"), Ok(0.25));
        assert!(parse_share("150%").is_err());
        assert!(parse_share("-1%").is_err());
        assert!(parse_share("2").is_err());
        assert_eq!(parse_bytes("32kB"), Ok(32768));
        assert_eq!(parse_bytes("4096"), Ok(4096));
        assert!(parse_bytes("5%").is_err());
        assert!(parse_bytes("x").is_err());
    }
}
