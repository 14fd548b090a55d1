//! `pprof-tui trend SNAP1 SNAP2 … SNAPn`: leak suspects across snapshots,
//! compared oldest first, with an optional CI gate (`--fail-on-growth`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::watch::{WatchArgs, watch_series};
use super::{
    BreachWording, Format, GrowthArgs, Input, Report, ReportArgs, View, ViewArgs, usage, warn,
};
use crate::analysis::series::{RankOptions, Reduction};
use crate::analysis::signatures::site_signature;
use crate::analysis::trend::{Trend, TrendOptions, alloc_warning, trend};
use crate::analysis::{Study, Timeline, study_granularity};
use crate::input::watch::WatchOptions;
use crate::profile::Profile;
use crate::report::ProfileInfo;
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
    if let Some((url, options)) = args.watch.resolve(&args.snapshots, &view)? {
        return run_watch(args, view, &url, options, out);
    }
    if args.snapshots.len() < 2 {
        return Err(usage(
            "trend compares two or more snapshots (or one URL with --watch)",
        ));
    }
    let mut timeline = load_timeline(&args.snapshots, &view)?;
    let infos = snapshot_infos(&timeline);
    let snapshots = timeline.take_snapshots()?;
    let Timeline {
        notes: warnings,
        by_time,
        minutes,
        restarts,
        ..
    } = timeline;
    let profile = snapshots.profile();
    let sample_index = view.sample_index(profile)?;
    let sample_type = &profile.sample_types[sample_index];
    let warnings = warned(warnings, &sample_type.name);
    let limit = args.growth.limit(sample_type)?;
    let options = TrendOptions {
        sample_index,
        granularity: study_granularity(profile, sample_index, view.granularity),
        filters: view.filters,
        by: args.report.sort_by(),
        node_count: args.report.node_count(false),
        limit,
        profiler: args.profiler,
        bare_names: false,
    };
    let snapshots = snapshots.ready_for(options.granularity, &options.filters)?;
    let result = trend(&snapshots, minutes.as_deref(), &restarts, &options)?;
    let shown = Shown {
        profiles: &snapshots.profiles(),
        infos: &infos,
        by_time,
        warnings: &warnings,
    };
    report(args, &shown, &result, &options, out)
}

/// `trend --watch`: each snapshot reduced as it comes (see
/// [`watch_series`]), then ranked as the same files would be.
fn run_watch(
    args: &TrendArgs,
    view: View,
    url: &str,
    options: WatchOptions,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let count = match args.count {
        Some(n) if n >= 2 => n,
        Some(_) => return Err(usage("--count must be 2 or more")),
        None => {
            return Err(usage(
                "trend --watch needs --count N: how many snapshots to compare",
            ));
        }
    };
    // Decided from the first snapshot, as `trend` decides from the files.
    let mut decided: Option<TrendOptions> = None;
    let mut watched = watch_series(
        url,
        options,
        count,
        args.max_failures.max(1),
        (args.watch.keep, args.watch.keep_profiles),
        |first| {
            let sample_index = view.sample_index(first)?;
            let options = TrendOptions {
                sample_index,
                granularity: study_granularity(first, sample_index, view.granularity),
                filters: view.filters.clone(),
                by: args.report.sort_by(),
                node_count: args.report.node_count(false),
                limit: args.growth.limit(&first.sample_types[sample_index])?,
                profiler: args.profiler,
                bare_names: false,
            };
            let how = Reduction {
                sample_index,
                granularity: options.granularity,
                filters: options.filters.clone(),
            };
            decided = Some(options);
            Ok(how)
        },
    )?;
    let options = decided.ok_or_else(|| anyhow::anyhow!("the watch took no snapshot"))?;
    let ranked = watched
        .series
        .rank(&RankOptions {
            by: options.by,
            node_count: options.node_count,
            limit: options.limit.clone(),
            profiler: options.profiler,
        })
        .ok_or_else(|| anyhow::anyhow!("the watch kept fewer than two snapshots"))?;
    let infos: Vec<ProfileInfo> = ranked
        .snapshots
        .iter()
        .map(|f| ProfileInfo {
            source: f.name.clone(),
            time_nanos: f.time_nanos,
            memstats: f.memstats.clone(),
            heap_gap: f.heap_gap,
        })
        .collect();
    let warnings = warned(ranked.notes, &ranked.trend.sample_type.name);
    // The headers of the snapshots kept whole head the report (a watch of
    // one service: the same binary, the same comments).
    let profiles: Vec<&Profile> = watched.profiles.iter().collect();
    let shown = Shown {
        profiles: &profiles,
        infos: &infos,
        by_time: ranked.by_time,
        warnings: &warnings,
    };
    report(args, &shown, &ranked.trend, &options, out)
}

/// The notes about the snapshots and the sample type, printed to stderr
/// before the report.
fn warned(mut warnings: Vec<String>, sample_type: &str) -> Vec<String> {
    warnings.extend(alloc_warning(sample_type));
    for w in &warnings {
        warn(w);
    }
    warnings
}

/// What the report says about the snapshots besides the ranking.
struct Shown<'a> {
    /// Whose headers head the text report.
    profiles: &'a [&'a Profile],
    infos: &'a [ProfileInfo],
    by_time: bool,
    warnings: &'a [String],
}

/// Writes the ranking as text or JSON, then applies `--fail-on-growth`.
fn report(
    args: &TrendArgs,
    shown: &Shown<'_>,
    result: &Trend,
    options: &TrendOptions,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let by = options.by;
    match args.report.format {
        Format::Text => {
            let text = TrendTextOptions {
                unit: args.report.unit(Report::Comparison),
                by,
            };
            write_trend(
                &mut TerminalSafe::new(&mut *out),
                shown.profiles,
                shown.infos,
                result,
                &options.filters,
                &text,
            )?;
        }
        Format::Json => {
            let doc = trend_json(shown.infos, result, by, shown.by_time, shown.warnings);
            let doc = super::leaks::add_signatures(
                doc,
                result.rows.iter().map(|r| {
                    let last = r.values().last().copied().unwrap_or(0);
                    site_signature(r.stack.as_ref(), &r.name, &result.sample_type, last)
                }),
            );
            doc.write(out)?;
        }
    }
    let first_total = result.totals.first().copied().unwrap_or(0);
    GrowthArgs::gate(
        options.limit.as_ref(),
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
