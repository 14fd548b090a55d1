//! `pprof-tui diff BASE NEW`: sites ranked by growth between two profiles,
//! with an optional CI gate (`--fail-on-growth`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::{BreachWording, Format, GrowthArgs, Input, Report, ReportArgs, ViewArgs, warn};
use crate::analysis::diff::{DiffOptions, GrowthOrder, diff};
use crate::analysis::signatures::site_signature;
use crate::analysis::{SortBy, Study, study_granularity};
use crate::profile::BaseMode;
use crate::report::diff::{DiffTextOptions, diff_json, write_diff};
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

    #[command(flatten)]
    report: ReportArgs,

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

    #[command(flatten)]
    growth: GrowthArgs,

    /// Rank the values of this label instead of stacks: which handler's
    /// (route's, tenant's) goroutines or bytes grow. Samples without the
    /// label count under `KEY=(none)`.
    #[arg(long, value_name = "KEY")]
    group_by_label: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SortArg {
    #[value(alias = "abs")]
    Absolute,
    #[value(alias = "rel")]
    Relative,
}

pub fn run(args: &DiffArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let mut view = args.view.resolve()?;
    view.group_by_label.clone_from(&args.group_by_label);
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
    let by = args.report.sort_by();
    let order = match args.sort {
        SortArg::Absolute => GrowthOrder::Absolute,
        SortArg::Relative => GrowthOrder::Relative,
    };
    let limit = args.growth.limit(&profile.sample_types[sample_index])?;
    let options = DiffOptions {
        sample_index,
        granularity,
        filters: view.filters,
        by,
        order,
        node_count: args.report.node_count(true),
        unchanged: args.all,
        limit: limit.clone(),
    };
    let comparison = comparison.ready_for(options.granularity, &options.filters)?;
    let result = diff(&comparison, &options)?;
    let sides = [&sides[0], &sides[1]];
    let text = DiffTextOptions {
        unit: args.report.unit(Report::Comparison),
        by,
        order,
    };
    match args.report.format {
        Format::Text => write_diff(
            &mut TerminalSafe::new(&mut *out),
            &comparison.profiles(),
            sides,
            &result,
            &options.filters,
            &text,
        )?,
        Format::Json => {
            let doc = diff_json(sides, &result, &text);
            let doc = super::leaks::add_signatures(
                doc,
                result.rows.iter().map(|r| {
                    let new = match by {
                        SortBy::Flat => r.new_flat,
                        SortBy::Cum => r.new_cum,
                    };
                    site_signature(r.stack.as_ref(), &r.name, &result.sample_type, new)
                }),
            );
            doc.write(out)?;
        }
    }
    GrowthArgs::gate(
        limit.as_ref(),
        &result.over_limit,
        (&result.sample_type.unit, result.base_total),
        BreachWording {
            subject: "",
            of_total: "the base total",
            span: ",".to_owned(),
            noun: "site",
        },
        out,
    )
}
