//! `pprof-tui diff BASE NEW`: sites ranked by growth between two profiles,
//! with an optional CI gate (`--fail-on-growth`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::{Format, Input, ViewArgs, growth_limit, more_over, sort_by, warn};
use crate::analysis::diff::{DiffOptions, GrowthOrder, diff};
use crate::analysis::{Study, study_granularity};
use crate::profile::BaseMode;
use crate::report::diff::{DiffTextOptions, diff_json, write_diff};
use crate::report::json::write_json;
use crate::report::units::{percentage, signed_label};
use crate::safe_text::TerminalSafe;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier profile: a file, '-' for stdin, or a URL.
    #[arg(value_name = "BASE")]
    base: String,

    /// The later profile.
    #[arg(value_name = "NEW")]
    new: String,

    #[command(flatten)]
    pub(crate) view: ViewArgs,

    /// Show at most N rows (0 = all).
    #[arg(long = "nodecount", short = 'n', value_name = "N", default_value_t = 0)]
    node_count: usize,

    /// Rank by the change of cumulative value instead of flat.
    #[arg(long)]
    cum: bool,

    /// Rank by absolute growth, or by growth relative to the site's base value
    /// (new sites first).
    #[arg(long, value_enum, default_value = "absolute")]
    sort: SortArg,

    /// Scale the new profile to the base's total first, as `pprof -normalize`.
    #[arg(long)]
    normalize: bool,

    /// Also list sites whose values did not change.
    #[arg(long)]
    all: bool,

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

    /// Exit with code 3 when a site grows by more than LIMIT: an amount in the
    /// sample type's units (10MB, 250ms, 100) or a percentage of the base
    /// total (5%).
    #[arg(long, value_name = "LIMIT", value_parser = super::limit_syntax)]
    fail_on_growth: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SortArg {
    #[value(alias = "abs")]
    Absolute,
    #[value(alias = "rel")]
    Relative,
}

pub fn run(args: &DiffArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let view = args.view.resolve()?;
    let inputs = Input::parse_all(&[args.base.clone(), args.new.clone()]);
    let mut loaded = view.load(&inputs)?;
    let (Some(new), Some(base), [base_input, new_input]) =
        (loaded.pop(), loaded.pop(), inputs.as_slice())
    else {
        anyhow::bail!("two profiles are needed");
    };
    let sides = [base_input.info(&base), new_input.info(&new)];
    let study = Study::against(vec![new], vec![base], BaseMode::DiffBase, args.normalize)?;
    for note in study.notes() {
        warn(&note);
    }
    let comparison = study.into_comparison()?;
    let profile = comparison.profile();
    let sample_index = view.sample_index(profile)?;
    let granularity = study_granularity(profile, sample_index, view.granularity);
    let by = sort_by(args.cum);
    let order = match args.sort {
        SortArg::Absolute => GrowthOrder::Absolute,
        SortArg::Relative => GrowthOrder::Relative,
    };
    let limit = growth_limit(
        args.fail_on_growth.as_deref(),
        &profile.sample_types[sample_index],
    )?;
    let options = DiffOptions {
        sample_index,
        granularity,
        filters: view.filters,
        by,
        order,
        node_count: args.node_count,
        unchanged: args.all,
        limit: limit.clone(),
    };
    let comparison = comparison.ready_for(options.granularity, &options.filters)?;
    let result = diff(&comparison, &options)?;
    let breach = limit.as_ref().and_then(|limit| {
        let worst = result.over_limit.first()?;
        let unit = &result.sample_type.unit;
        Some(format!(
            "growth limit exceeded: {} grew by {} ({} of the base total), over the limit of {}{}",
            worst.name,
            signed_label(worst.growth, unit, "auto"),
            percentage(worst.growth, result.base_total).trim(),
            limit.spec(),
            more_over(result.over_limit.len() - 1, "site")
        ))
    });
    let sides = [&sides[0], &sides[1]];
    let text = DiffTextOptions {
        unit: args.unit.clone(),
        by,
        order,
    };
    match args.format {
        Format::Text => write_diff(
            &mut TerminalSafe::new(&mut *out),
            &comparison.profiles(),
            sides,
            &result,
            &options.filters,
            &text,
        )?,
        Format::Json => {
            write_json(out, &diff_json(sides, &result, &text))?;
        }
    }
    super::gate(breach, out)
}
