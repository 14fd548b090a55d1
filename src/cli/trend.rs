//! `pprof-tui trend SNAP1 SNAP2 … SNAPn`: leak suspects across snapshots,
//! compared oldest first, with an optional CI gate (`--fail-on-growth`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{Format, Input, View, ViewArgs, growth_limit, more_over, sort_by, warn};
use crate::analysis::trend::{TrendOptions, alloc_warning, trend};
use crate::analysis::{Study, Timeline, snapshots_for, study_granularity};
use crate::report::ProfileInfo;
use crate::report::json::write_json;
use crate::report::trend::{TrendTextOptions, trend_json, write_trend};
use crate::report::units::{percentage, signed_label};
use crate::safe_text::TerminalSafe;

#[derive(Debug, Args)]
pub struct TrendArgs {
    /// Two or more snapshots of the same program (heap or goroutine
    /// profiles): files, '-' for stdin (once), or URLs. They are compared in
    /// the order of their time stamps when all have one, else as given.
    #[arg(value_name = "SNAPSHOT", num_args = 2.., required = true)]
    snapshots: Vec<String>,

    #[command(flatten)]
    pub(crate) view: ViewArgs,

    /// Show at most N rows (0 = all).
    #[arg(long = "nodecount", short = 'n', value_name = "N", default_value_t = 0)]
    node_count: usize,

    /// Follow each site's cumulative value instead of its flat value.
    #[arg(long)]
    cum: bool,

    /// Unit for text values: auto (one per value) or a unit such as B, kB,
    /// MB, ns, ms. Defaults follow one rule: a report pprof also prints
    /// (`top`) keeps pprof's default, minimum (one unit per table); `diff`
    /// and `trend`, whose rows hold values of very different sizes, use auto.
    #[arg(long, value_name = "UNIT", default_value = "auto")]
    unit: String,

    /// Output format: text (a table) or json (one object with exact integer
    /// values, for scripts).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,

    /// Exit with code 3 when a leak suspect grew, from the first snapshot to
    /// the last, by more than LIMIT: an amount (10MB, 100) or a percentage
    /// of the first snapshot's total (5%).
    #[arg(long, value_name = "LIMIT", value_parser = super::limit_syntax)]
    fail_on_growth: Option<String>,
}

/// The sources of snapshots put in comparison order, with their times.
pub fn snapshot_infos(timeline: &Timeline) -> Vec<ProfileInfo> {
    timeline
        .names
        .iter()
        .zip(&timeline.profiles)
        .map(|(name, p)| ProfileInfo::of(name.clone(), p))
        .collect()
}

/// Loads snapshots and puts them in time order (see [`Study::snapshots`]).
pub fn load_timeline(args: &[String], view: &View) -> Result<Timeline> {
    let inputs = Input::parse_all(args);
    let loaded = view.load(&inputs)?;
    let names = inputs.iter().map(|i| i.source.display_name()).collect();
    Ok(Study::snapshots(loaded, names).into_timeline()?)
}

pub fn run(args: &TrendArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let view = args.view.resolve()?;
    let mut timeline = load_timeline(&args.snapshots, &view)?;
    let infos = snapshot_infos(&timeline);
    let snapshots = timeline.take_snapshots()?;
    let Timeline {
        notes: mut warnings,
        by_time,
        minutes,
        ..
    } = timeline;
    let profile = snapshots.profile();
    let sample_index = view.sample_index(profile)?;
    let sample_type = &profile.sample_types[sample_index];
    warnings.extend(alloc_warning(&sample_type.name));
    for w in &warnings {
        warn(w);
    }
    let granularity = study_granularity(profile, sample_index, view.granularity);
    let limit = growth_limit(args.fail_on_growth.as_deref(), sample_type)?;
    let by = sort_by(args.cum);
    let options = TrendOptions {
        sample_index,
        granularity,
        filters: view.filters,
        by,
        node_count: args.node_count,
        limit: limit.clone(),
    };
    let snapshots = snapshots_for(snapshots, &options)?;
    let result = trend(&snapshots, minutes.as_deref(), &options)?;
    let first_total = result.totals.first().copied().unwrap_or(0);
    let breach = limit.as_ref().and_then(|limit| {
        let worst = result.over_limit.first()?;
        let unit = &result.sample_type.unit;
        Some(format!(
            "growth limit exceeded: leak suspect {} grew by {} ({} of the first snapshot's total) \
             over {} snapshots, over the limit of {}{}",
            worst.name,
            signed_label(worst.growth, unit, "auto"),
            percentage(worst.growth, first_total).trim(),
            result.totals.len(),
            limit.spec(),
            more_over(result.over_limit.len() - 1, "suspect")
        ))
    });
    match args.format {
        Format::Text => {
            let text = TrendTextOptions {
                unit: args.unit.clone(),
                by,
            };
            write_trend(
                &mut TerminalSafe::new(&mut *out),
                &snapshots.profiles(),
                &infos,
                &result,
                &options.filters,
                &text,
            )?;
        }
        Format::Json => {
            let doc = trend_json(&infos, &result, by, by_time, &warnings);
            write_json(out, &doc)?;
        }
    }
    super::gate(breach, out)
}
