//! `pprof-tui tags PROFILE…`: the label report of `go tool pprof -tags`
//! (each label key, its values and the share of the total they carry),
//! over the samples the filters keep.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{Input, ViewArgs};
use crate::analysis::{Granularity, Stacks, Study, tags::tag_counts, total};
use crate::report::tags::{TagsOptions, write_tags};
use crate::safe_text::TerminalSafe;

#[derive(Debug, Args)]
pub struct TagsArgs {
    /// The profile: a file, '-' for stdin, or a URL. Several are merged, as
    /// `top` merges them.
    #[arg(value_name = "PROFILE", required = true)]
    profiles: Vec<String>,

    #[command(flatten)]
    pub(crate) view: ViewArgs,

    /// Unit for values: minimum (pprof's default: each value scaled on its
    /// own), or a unit such as B, kB, MB, ms.
    #[arg(long, value_name = "UNIT", default_value = "minimum")]
    unit: String,
}

pub fn run(args: &TagsArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let view = args.view.resolve()?;
    let study = Study::of(view.load(&Input::parse_all(&args.profiles))?)?;
    for note in study.notes() {
        super::warn(&note);
    }
    let profile = study.into_profile()?;
    let index = view.sample_index(&profile)?;
    super::note_filters(
        &profile,
        &view.filters,
        crate::analysis::Demangle::default(),
    );
    let keys = tag_counts(&profile, index, &view.filters);
    // The total of the samples the filters keep, as pprof's report has it.
    let total = if view.filters.is_empty() {
        total(&profile, index)
    } else {
        let mut sum = 0i64;
        Stacks::new(&profile, Granularity::Functions, &view.filters).for_each(|s, _| {
            sum = sum.wrapping_add(profile.samples().value(s, index).wrapping_abs());
        });
        sum
    };
    let unit = profile.sample_types[index].unit.to_lowercase();
    write_tags(
        &mut TerminalSafe::new(&mut *out),
        &profile,
        &keys,
        total,
        &TagsOptions {
            sample_unit: &unit,
            output_unit: &args.unit,
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
