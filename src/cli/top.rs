//! `pprof-tui top`: the ranked table, as text (pprof's layout) or JSON —
//! of one profile, of several merged, or of a comparison with a base
//! (`--diff-base`, `--base`, `--normalize`), with `go tool pprof`'s numbers.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{Format, Input, Report, ReportArgs, View, ViewArgs};
use crate::analysis::SortBy;
use crate::analysis::{Demangle, Study, TopOptions, top};
use crate::profile::{BaseMode, Profile};
use crate::report::json::{memstats_json, top_json};
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

    #[command(flatten)]
    report: ReportArgs,

    /// Drop nodes whose cum is below this fraction of the total
    /// (default 0.005 for text, as pprof; 0 for JSON, so it lists every node).
    #[arg(long, value_name = "F")]
    node_fraction: Option<f64>,

    /// How C++ and Rust symbols are shown: default (simplified, as pprof:
    /// `std::vector::push_back`), templates (template arguments kept) or
    /// full (the whole signature, as `pprof -symbolize=demangle=full`).
    #[arg(long, value_name = "MODE", default_value = "default")]
    demangle: Demangle,
}

/// `top` resolved: what the command line asks for, in the library's
/// terms. The CLI and the oracle tests both go through it.
#[derive(Debug)]
pub struct TopRequest {
    /// The profiles under study, merged when several.
    pub inputs: Vec<Input>,
    /// `--diff-base` or `--base` profiles, merged when several.
    pub bases: Vec<Input>,
    pub mode: BaseMode,
    pub normalize: bool,
    pub view: View,
    pub format: Format,
    /// Text layout: unit and the node fraction the header states.
    pub text: TextOptions,
    sort: SortBy,
    node_count: usize,
    demangle: Demangle,
}

impl TopRequest {
    /// Resolves `pprof-tui top ARGS…` (`args` without `top`), as the
    /// command line does; clap's errors (usage) are errors here.
    pub fn parse<I, T>(args: I) -> Result<TopRequest>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let words = ["pprof-tui", "top"].map(std::ffi::OsString::from);
        let args = words.into_iter().chain(args.into_iter().map(Into::into));
        match super::parse(args)?.command {
            Some(super::Command::Top(args)) => TopRequest::resolve(&args),
            _ => anyhow::bail!("not a top command"),
        }
    }

    /// Resolves parsed arguments once.
    pub(crate) fn resolve(args: &TopArgs) -> Result<TopRequest> {
        let mut view = args.view.resolve()?;
        view.read_only_what_is_shown();
        // Merged or compared profiles keep every sample: the shared types
        // or the base's default may be another type.
        if args.profiles.len() == 1 && args.diff_base.is_empty() && args.base.is_empty() {
            view.read_only_nonzero();
        }
        let (bases, mode) = if args.diff_base.is_empty() {
            (&args.base, BaseMode::Subtract)
        } else {
            (&args.diff_base, BaseMode::DiffBase)
        };
        let node_fraction = args.node_fraction.unwrap_or(match args.report.format {
            Format::Text => 0.005,
            Format::Json => 0.0,
        });
        Ok(TopRequest {
            inputs: Input::parse_all(&args.profiles),
            bases: Input::parse_all(bases),
            mode,
            normalize: args.normalize,
            view,
            format: args.report.format,
            text: TextOptions {
                unit: args.report.unit(Report::AsPprof),
                node_fraction,
            },
            sort: args.report.sort_by(),
            node_count: args.report.node_count(false),
            demangle: args.demangle,
        })
    }

    /// Loads the profiles and puts them in their roles: one, merged, or
    /// against bases.
    pub fn study(&self) -> Result<Study> {
        let all: Vec<Input> = self.inputs.iter().chain(&self.bases).cloned().collect();
        let mut loaded = self.view.load(&all)?;
        let bases = loaded.split_off(self.inputs.len().min(loaded.len()));
        Ok(if bases.is_empty() {
            Study::of(loaded)?
        } else {
            Study::against(loaded, bases, self.mode, self.normalize)?
        })
    }

    /// The ranking's options for `profile` (the sample index resolved
    /// against it).
    pub fn options(&self, profile: &Profile) -> Result<TopOptions> {
        Ok(TopOptions {
            sample_index: self.view.sample_index(profile)?,
            granularity: self.view.granularity(),
            filters: self.view.filters.clone(),
            sort: self.sort.into(),
            first_suffixes: None,
            node_count: self.node_count,
            node_fraction: self.text.node_fraction,
            demangle: self.demangle,
        })
    }
}

pub fn run(args: &TopArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let request = TopRequest::resolve(args)?;
    let study = request.study()?;
    for note in study.notes() {
        super::warn(&note);
    }
    let profile = study.into_profile()?;
    let options = request.options(&profile)?;
    super::note_filters(&profile, &options.filters, request.demangle);
    let table = top(&profile, &options);
    match request.format {
        Format::Text => {
            write_top(
                &mut TerminalSafe::new(&mut *out),
                &profile,
                &table,
                &options.filters,
                &request.text,
            )?;
        }
        Format::Json => {
            let mut doc = top_json(&table);
            if let (Some(stats), Some(map)) =
                (profile.memstats.as_deref(), doc.head.as_object_mut())
            {
                map.insert("memstats".to_owned(), memstats_json(stats));
            }
            doc.write(out)?;
        }
    }
    super::leave_to_exit((profile, table));
    Ok(ExitCode::SUCCESS)
}
