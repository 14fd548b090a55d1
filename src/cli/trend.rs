//! `pprof-tui trend SNAP1 SNAP2 … SNAPn`: leak suspects across snapshots,
//! compared oldest first, with an optional CI gate (`--fail-on-growth`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::watch::{WatchArgs, watch_timeline};
use super::{
    BreachWording, Format, GrowthArgs, Input, Report, ReportArgs, View, ViewArgs, usage, warn,
};
use crate::analysis::signatures::site_signature;
use crate::analysis::trend::{TrendOptions, alloc_warning, trend};
use crate::analysis::{Study, Timeline, study_granularity};
use crate::report::ProfileInfo;
use crate::report::json::write_json;
use crate::report::trend::{TrendTextOptions, trend_json, write_trend};
use crate::safe_text::TerminalSafe;

#[derive(Debug, Args)]
pub struct TrendArgs {
    /// Two or more snapshots of the same program (heap or goroutine
    /// profiles): files, '-' for stdin (once), or URLs. They are compared in
    /// the order of their time stamps when all have one, else as given.
    /// With --watch: the one URL to poll.
    #[arg(value_name = "SNAPSHOT", num_args = 1.., required = true)]
    snapshots: Vec<String>,

    #[command(flatten)]
    watch: WatchArgs,

    /// With --watch: how many snapshots to take before ranking them (the
    /// newest --keep of them are compared).
    #[arg(long, value_name = "N", requires = "watch")]
    count: Option<u64>,

    /// With --watch: give up after N failed polls in a row (each failure
    /// is a warning, and the poll is retried after a back-off that doubles).
    #[arg(long, value_name = "N", default_value_t = 3, requires = "watch")]
    max_failures: u32,

    #[command(flatten)]
    pub(crate) view: ViewArgs,

    #[command(flatten)]
    report: ReportArgs,

    #[command(flatten)]
    growth: GrowthArgs,

    /// Rank the values of this label instead of stacks: which handler's
    /// (route's, tenant's) goroutines or bytes grow. Samples without the
    /// label count under `KEY=(none)`.
    #[arg(long, value_name = "KEY")]
    group_by_label: Option<String>,

    /// Let the profiler's own allocations (runtime/pprof.*, compress/flate.*:
    /// writing the profile) be leak suspects; by default they are marked and
    /// never suspects.
    #[arg(long)]
    profiler: bool,
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
    let mut view = args.view.resolve()?;
    view.group_by_label.clone_from(&args.group_by_label);
    let mut timeline = match args.watch.resolve(&args.snapshots, &view)? {
        Some((url, options)) => {
            let count = match args.count {
                Some(n) if n >= 2 => n,
                Some(_) => return Err(usage("--count must be 2 or more")),
                None => {
                    return Err(usage(
                        "trend --watch needs --count N: how many snapshots to compare",
                    ));
                }
            };
            watch_timeline(
                &url,
                options,
                count,
                args.max_failures.max(1),
                args.watch.keep,
            )?
        }
        None if args.snapshots.len() < 2 => {
            return Err(usage(
                "trend compares two or more snapshots (or one URL with --watch)",
            ));
        }
        None => load_timeline(&args.snapshots, &view)?,
    };
    let infos = snapshot_infos(&timeline);
    let snapshots = timeline.take_snapshots()?;
    let Timeline {
        notes: mut warnings,
        by_time,
        minutes,
        restarts,
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
    let limit = args.growth.limit(sample_type)?;
    let by = args.report.sort_by();
    let options = TrendOptions {
        sample_index,
        granularity,
        filters: view.filters,
        by,
        node_count: args.report.node_count(false),
        limit: limit.clone(),
        profiler: args.profiler,
    };
    let snapshots = snapshots.ready_for(options.granularity, &options.filters)?;
    let result = trend(&snapshots, minutes.as_deref(), &restarts, &options)?;
    match args.report.format {
        Format::Text => {
            let text = TrendTextOptions {
                unit: args.report.unit(Report::Comparison),
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
            let mut doc = trend_json(&infos, &result, by, by_time, &warnings);
            super::leaks::add_signatures(
                &mut doc,
                result.rows.iter().map(|r| {
                    let last = r.values.last().copied().unwrap_or(0);
                    site_signature(r.stack.as_ref(), &r.name, &result.sample_type, last)
                }),
            );
            write_json(out, &doc)?;
        }
    }
    let first_total = result.totals.first().copied().unwrap_or(0);
    GrowthArgs::gate(
        limit.as_ref(),
        &result.over_limit,
        (&result.sample_type.unit, first_total),
        BreachWording {
            subject: "leak suspect ",
            of_total: "the first snapshot's total",
            span: format!(" over {} snapshots,", result.totals.len()),
            noun: "suspect",
        },
        out,
    )
}
