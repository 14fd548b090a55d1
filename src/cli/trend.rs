//! `pprof-tui trend SNAP1 SNAP2 … SNAPn`: leak suspects across snapshots,
//! compared oldest first, with an optional CI gate (`--fail-on-growth`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{
    EXIT_GROWTH, Format, UsageError, ViewArgs, load_profiles, more_over, one_line, profile_info,
    sort_by, warn,
};
use crate::analysis::comparison_granularity;
use crate::analysis::limit::GrowthLimit;
use crate::analysis::trend::{Snapshots, TrendOptions, alloc_warning, chronological_order, trend};
use crate::profile::{Profile, common_sample_types};
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
    view: ViewArgs,

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

    /// Set from the command line's value source: whether `--granularity`
    /// was given (goroutine profiles default to whole stacks).
    #[arg(skip)]
    pub(crate) granularity_given: bool,
}

/// Snapshots put in comparison order (oldest first, see
/// [`chronological_order`]): what `trend` and the interactive Trend view
/// both start from.
pub struct Ordered {
    /// The profiles, oldest first.
    pub profiles: Vec<Profile>,
    /// Their sources and time stamps, in the same order.
    pub infos: Vec<ProfileInfo>,
    /// Reordering and sample-type notes for the user.
    pub warnings: Vec<String>,
    /// Every snapshot has a time stamp and the order follows them.
    pub by_time: bool,
    /// Each snapshot's time in minutes since the first, when ordered by time.
    pub minutes: Option<Vec<f64>>,
}

/// Orders loaded snapshots (`args[i]` is where `loaded[i]` came from) for
/// comparison, noting anything the user should know about the order.
pub fn order_snapshots(args: &[String], loaded: Vec<Profile>) -> Ordered {
    let infos: Vec<ProfileInfo> = args
        .iter()
        .zip(&loaded)
        .map(|(arg, p)| profile_info(arg, p))
        .collect();
    let mut warnings = Vec::new();
    let times: Vec<i64> = loaded.iter().map(|p| p.time_nanos).collect();
    let chronology = chronological_order(&times);
    if chronology.reordered {
        let names: Vec<&str> = chronology
            .order
            .iter()
            .filter_map(|&i| infos.get(i))
            .map(|info| info.source.as_str())
            .collect();
        warnings.push(format!(
            "the snapshots' time stamps disagree with the order given; comparing them oldest first: {}",
            names.join(", ")
        ));
    }
    if chronology.partly_timed {
        warnings.push(
            "some snapshots have no time stamp; comparing them in the order given".to_owned(),
        );
    }
    let mut slots: Vec<Option<Profile>> = loaded.into_iter().map(Some).collect();
    let ordered: Vec<Profile> = chronology
        .order
        .iter()
        .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
        .collect();
    let infos: Vec<ProfileInfo> = chronology
        .order
        .iter()
        .filter_map(|&i| infos.get(i).cloned())
        .collect();
    let refs: Vec<&Profile> = ordered.iter().collect();
    let common = common_sample_types(&refs);
    if refs.iter().any(|p| {
        p.sample_types.len() != common.len()
            || p.sample_types
                .iter()
                .zip(&common)
                .any(|(t, c)| &t.name != c)
    }) && !common.is_empty()
    {
        warnings.push(format!(
            "the snapshots have different sample types; comparing the {} they share: {}",
            common.len(),
            common.join(", ")
        ));
    }
    let times: Vec<i64> = ordered.iter().map(|p| p.time_nanos).collect();
    let minutes: Option<Vec<f64>> = chronology.by_time.then(|| {
        let first = times.first().copied().unwrap_or(0);
        times
            .iter()
            .map(|t| t.wrapping_sub(first) as f64 / 60e9)
            .collect()
    });
    Ordered {
        profiles: ordered,
        infos,
        warnings,
        by_time: chronology.by_time,
        minutes,
    }
}

pub fn run(args: &TrendArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let filters = args.view.filters()?;
    let loaded = load_profiles(&args.snapshots, &args.view)?;
    let Ordered {
        profiles: ordered,
        infos,
        mut warnings,
        by_time,
        minutes,
    } = order_snapshots(&args.snapshots, loaded);
    let snapshots = Snapshots::new(ordered)?;
    let profile = snapshots.profile();
    let sample_index = args.view.sample_index(profile)?;
    let sample_type = &profile.sample_types[sample_index];
    warnings.extend(alloc_warning(&sample_type.name));
    for w in &warnings {
        warn(w);
    }
    let granularity = comparison_granularity(
        profile,
        sample_index,
        args.view.granularity,
        args.granularity_given,
    );
    let limit = args
        .fail_on_growth
        .as_deref()
        .map(|spec| GrowthLimit::parse(spec, sample_type))
        .transpose()
        .map_err(|e| UsageError(e.to_string()))?;
    let by = sort_by(args.cum);
    let options = TrendOptions {
        sample_index,
        granularity,
        filters,
        by,
        node_count: args.node_count,
        limit: limit.clone(),
    };
    // Merged once here rather than by `trend`, which would copy the first
    // snapshot too.
    let snapshots = if options.needs_merged() {
        snapshots.into_merged()?
    } else {
        snapshots
    };
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
    match breach {
        Some(reason) => {
            out.flush()?;
            eprintln!("pprof-tui: {}", one_line(&reason));
            Ok(ExitCode::from(EXIT_GROWTH))
        }
        None => Ok(ExitCode::SUCCESS),
    }
}
