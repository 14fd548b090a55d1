//! `pprof-tui top`: the ranked table, as text (pprof's layout) or JSON —
//! of one profile, of several merged, or of a comparison with a base
//! (`--diff-base`, `--base`, `--normalize`), with `go tool pprof`'s numbers.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{Format, Input, View, ViewArgs, sort_by};
use crate::analysis::{Demangle, Study, TopOptions, top};
use crate::profile::{BaseMode, Profile};
use crate::report::json::{top_json, write_json};
use crate::report::text::{TextOptions, write_top};
use crate::safe_text::TerminalSafe;

#[derive(Debug, Args)]
pub struct TopArgs {
    /// The profile: a file, '-' for stdin, or a URL. Several are merged
    /// (the sample types they share, values summed), as pprof does.
    #[arg(value_name = "PROFILE", required = true)]
    profiles: Vec<String>,

    /// Compare with this base profile, as `pprof -diff_base`: its samples are
    /// negated and kept apart, and percentages are of the base total.
    /// Repeat to merge several bases.
    #[arg(long = "diff-base", value_name = "BASE", group = "baseline")]
    diff_base: Vec<String>,

    /// Subtract this base profile, as `pprof -base`: identical stacks
    /// cancel, and the total is that of what remains. Repeatable.
    #[arg(long, value_name = "BASE", group = "baseline")]
    base: Vec<String>,

    /// Scale the profile to the base's total before comparing (`pprof -normalize`).
    #[arg(long, requires = "baseline")]
    normalize: bool,

    #[command(flatten)]
    pub(crate) view: ViewArgs,

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

    /// Unit for text values: minimum (one unit per table, as pprof), auto
    /// (one per value), or a unit such as B, kB, MB, ns, ms. Defaults follow
    /// one rule: a report pprof also prints keeps pprof's default (minimum);
    /// `diff` and `trend`, whose rows hold values of very different sizes,
    /// use auto.
    #[arg(long, value_name = "UNIT", default_value = "minimum")]
    unit: String,

    /// Output format: text (pprof's table) or json (one object with exact
    /// integer values, for scripts).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,

    /// How C++ and Rust symbols are shown: default (simplified, as pprof:
    /// `std::vector::push_back`), templates (template arguments kept) or
    /// full (the whole signature, as `pprof -symbolize=demangle=full`).
    #[arg(long, value_name = "MODE", default_value = "default")]
    demangle: Demangle,
}

pub fn run(args: &TopArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let view = args.view.resolve()?;
    let profile = load(args, &view)?;
    let sample_index = view.sample_index(&profile)?;
    super::note_filters(&profile, &view.filters, args.demangle);
    let node_fraction = args.node_fraction.unwrap_or(match args.format {
        Format::Text => 0.005,
        Format::Json => 0.0,
    });
    let options = TopOptions {
        sample_index,
        granularity: view.granularity(),
        filters: view.filters,
        sort: sort_by(args.cum),
        node_count: args.node_count,
        node_fraction,
        demangle: args.demangle,
    };
    let table = top(&profile, &options);
    match args.format {
        Format::Text => {
            let text = TextOptions {
                unit: args.unit.clone(),
                node_fraction,
            };
            write_top(
                &mut TerminalSafe::new(&mut *out),
                &profile,
                &table,
                &options.filters,
                &text,
            )?;
        }
        Format::Json => {
            write_json(out, &top_json(&table))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads the profiles the arguments name and puts them in their roles:
/// one, merged, or against bases.
fn load(args: &TopArgs, view: &View) -> Result<Profile> {
    let (bases, mode) = if args.diff_base.is_empty() {
        (&args.base, BaseMode::Subtract)
    } else {
        (&args.diff_base, BaseMode::DiffBase)
    };
    let all: Vec<String> = args.profiles.iter().chain(bases).cloned().collect();
    let mut loaded = view.load(&Input::parse_all(&all))?;
    let bases = loaded.split_off(args.profiles.len().min(loaded.len()));
    let study = if bases.is_empty() {
        Study::of(loaded)?
    } else {
        Study::against(loaded, bases, mode, args.normalize)?
    };
    for note in study.notes() {
        super::warn(&note);
    }
    Ok(study.into_profile()?)
}
