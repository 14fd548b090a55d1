//! `pprof-tui top`: the ranked table, as text (pprof's layout) or JSON.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{Format, ViewArgs, load_profile, sort_by};
use crate::analysis::{TopOptions, top};
use crate::report::json::top_json;
use crate::report::text::{TextOptions, write_top};

#[derive(Debug, Args)]
pub struct TopArgs {
    /// The profile: a file, '-' for stdin, or a URL.
    #[arg(value_name = "PROFILE")]
    profile: String,

    #[command(flatten)]
    view: ViewArgs,

    /// Show at most N rows (0 = all).
    #[arg(long = "nodecount", short = 'n', value_name = "N", default_value_t = 0)]
    node_count: usize,

    /// Sort by cumulative value instead of flat.
    #[arg(long)]
    cum: bool,

    /// Drop nodes whose cum is below this fraction of the total
    /// (default 0.005 for text, as pprof; 0 for JSON, so it lists every node).
    #[arg(long, value_name = "F")]
    node_fraction: Option<f64>,

    /// Unit for text values: minimum (one unit per table), auto, or e.g. B, MB, ns, ms.
    #[arg(long, default_value = "minimum")]
    unit: String,

    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(args: &TopArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let filters = args.view.filters()?;
    let profile = load_profile(&args.profile, &args.view)?;
    let sample_index = args.view.sample_index(&profile)?;
    let node_fraction = args.node_fraction.unwrap_or(match args.format {
        Format::Text => 0.005,
        Format::Json => 0.0,
    });
    let options = TopOptions {
        sample_index,
        granularity: args.view.granularity,
        filters,
        sort: sort_by(args.cum),
        node_count: args.node_count,
        node_fraction,
    };
    let table = top(&profile, &options);
    match args.format {
        Format::Text => {
            let text = TextOptions {
                unit: args.unit.clone(),
                node_fraction,
            };
            write_top(out, &profile, &table, &options.filters, &text)?;
        }
        Format::Json => {
            serde_json::to_writer(&mut *out, &top_json(&table))?;
            writeln!(out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
