//! `pprof-tui flamegraph`: an SVG flame graph (plain or differential) or
//! folded stacks, to a file or to standard output.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::{Input, View, ViewArgs, usage};
use crate::analysis::Study;
use crate::export::flamegraph::{MAX_IMAGE_WIDTH, MIN_IMAGE_WIDTH};
use crate::export::{
    DEFAULT_MIN_WIDTH, ExportError, ExportView, Palette, SvgOptions, default_title,
    export_folded_file, export_svg_file, write_folded, write_svg,
};
use crate::profile::BaseMode;

#[derive(Debug, Args)]
pub struct FlamegraphArgs {
    /// The profile: a file, '-' for stdin, or a URL.
    #[arg(value_name = "PROFILE")]
    profile: String,

    #[command(flatten)]
    pub(crate) view: ViewArgs,

    /// Write to this file ('-' for stdout). Without it, output goes to
    /// stdout unless stdout is a terminal.
    #[arg(long, short = 'o', value_name = "OUT")]
    output: Option<String>,

    /// Draw a differential flame graph against this base profile: widths
    /// from PROFILE, red where a frame grew, blue where it shrank.
    #[arg(long = "diff-base", value_name = "BASE")]
    diff_base: Option<String>,

    /// Scale PROFILE to the base's total first (pprof's -normalize).
    #[arg(long, requires = "diff_base")]
    normalize: bool,

    /// svg, or folded stacks (`a;b;c 42`, two values `base new` with --diff-base).
    #[arg(long, value_enum, default_value = "svg")]
    format: FlameFormat,

    /// The graph's title (default: file, sample type and total).
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,

    /// Draw an icicle graph: roots at the top.
    #[arg(long)]
    icicle: bool,

    /// Leave out frames narrower than this percentage of the width (their
    /// value stays in their caller).
    #[arg(long, value_name = "PERCENT", default_value_t = DEFAULT_MIN_WIDTH, value_parser = parse_min_width)]
    min_width: f64,

    /// Frame colours: go (by package), hot, mem, io, red, green, blue, aqua, yellow, purple, orange.
    #[arg(long, value_name = "PALETTE", default_value = "go", value_parser = parse_palette)]
    colors: Palette,

    /// Image width in pixels (default: fit the browser window).
    #[arg(long, value_name = "PIXELS", value_parser = parse_width)]
    width: Option<usize>,
}

/// What `flamegraph` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FlameFormat {
    Svg,
    Folded,
}

fn parse_palette(s: &str) -> Result<Palette, String> {
    s.parse()
}

fn parse_min_width(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=100.0).contains(&v) => Ok(v),
        _ => Err(format!("'{s}' is not a percentage from 0 to 100")),
    }
}

fn parse_width(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(v) if (MIN_IMAGE_WIDTH..=MAX_IMAGE_WIDTH).contains(&v) => Ok(v),
        _ => Err(format!(
            "'{s}' is not a width from {MIN_IMAGE_WIDTH} to {MAX_IMAGE_WIDTH} pixels"
        )),
    }
}

pub fn run(args: &FlamegraphArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let to_stdout = match args.output.as_deref() {
        Some("-") => true,
        Some(_) => false,
        None => {
            if args.format == FlameFormat::Svg && std::io::stdout().is_terminal() {
                return Err(usage(
                    "not writing an SVG to a terminal; use -o FILE.svg (or -o - to force stdout)",
                ));
            }
            true
        }
    };
    let mut view = args.view.resolve()?;
    view.read_only_what_is_shown();
    // A differential graph keeps every sample of both: the base's default
    // type may be another.
    if args.diff_base.is_none() {
        view.read_only_nonzero();
    }
    let input = &Input::parse_all(std::slice::from_ref(&args.profile))[..];
    let base_input = Input::parse_all(args.diff_base.as_slice());
    let profile = load_one(&view, input)?;
    let sample_index = view.sample_index(&profile)?;
    let study = match base_input.as_slice() {
        [] => Study::of(vec![profile])?,
        one => Study::against(
            vec![profile],
            vec![load_one(&view, one)?],
            BaseMode::DiffBase,
            args.normalize,
        )?,
    };
    for note in study.notes() {
        super::warn(&note);
    }
    let name = |inputs: &[Input]| inputs.first().map(|i| i.source.short_name());
    let mut export = ExportView::of(
        study.sides()?,
        sample_index,
        view.granularity(),
        view.filters,
    );
    export.title = Some(match &args.title {
        Some(title) => title.clone(),
        None => default_title(
            &name(input).unwrap_or_default(),
            name(&base_input).as_deref(),
            &export,
        ),
    });
    let options = SvgOptions {
        width: args.width,
        icicle: args.icicle,
        min_width: args.min_width,
        colors: args.colors,
        ..SvgOptions::default()
    };
    let written = match (args.format, to_stdout) {
        (FlameFormat::Svg, true) => write_svg(&export, &options, out).map(drop),
        (FlameFormat::Folded, true) => write_folded(&export, out).map(drop),
        (FlameFormat::Svg, false) => {
            export_svg_file(&export, &options, output_path(args)).map(drop)
        }
        (FlameFormat::Folded, false) => export_folded_file(&export, output_path(args)).map(drop),
    };
    match written {
        // What the data cannot be drawn as names the data.
        Err(e @ (ExportError::Negative { .. } | ExportError::Overflow { .. })) => Err(e)
            .with_context(|| {
                let name = input.first().map(|i| i.source.display_name());
                format!("profile '{}'", name.unwrap_or_default())
            })?,
        other => other?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads the one profile `inputs` names.
fn load_one(view: &View, inputs: &[Input]) -> Result<crate::profile::Profile> {
    view.load(inputs)?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no profile given"))
}

fn output_path(args: &FlamegraphArgs) -> &Path {
    Path::new(args.output.as_deref().unwrap_or("-"))
}
