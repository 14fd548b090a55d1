//! `pprof-tui PROFILE`: the interactive view, with the same view options as
//! the reports. A thin door: the arguments become a [`Request`] and
//! [`Session::open`] does the rest.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use clap::Args;

use super::watch::WatchArgs;
use super::{ViewArgs, usage};
use crate::input::source::{Source, redacted};
use crate::tui::{self, Opening, Request, Session};

/// Options of the interactive view (used when no subcommand is given).
#[derive(Debug, Clone, Args)]
pub struct TuiArgs {
    #[command(flatten)]
    pub(crate) view: ViewArgs,

    /// Directories to look for source files in (separated like PATH), as pprof's -source_path.
    #[arg(long, value_name = "DIRS")]
    source_path: Option<String>,

    /// Compare with this base profile (pprof's -diff_base): the flame graph
    /// colours growth red and shrinkage blue, Top shows base, new and delta.
    #[arg(long, value_name = "BASE")]
    diff_base: Option<String>,

    /// With --diff-base: scale the profile to the base's total first.
    #[arg(long, requires = "diff_base")]
    normalize: bool,

    /// Open several profiles merged into one (as `top` does with several files).
    #[arg(long)]
    merge: bool,

    /// Let the profiler's own allocations (runtime/pprof.*, compress/flate.*:
    /// writing the profile) be leak suspects in the Trend view; by default
    /// they are marked and never suspects.
    #[arg(long)]
    profiler: bool,

    /// Directory `e` writes SVG files into (default: the working directory).
    #[arg(long, value_name = "DIR")]
    export_dir: Option<PathBuf>,

    /// The compiler's escape analysis for a heap profile (`go build
    /// -gcflags=-m=2 ./... 2> FILE`): Top and Source explain why each
    /// allocation is on the heap (w shows the reasons as a column).
    #[arg(long, value_name = "FILE")]
    escape: Option<PathBuf>,

    #[command(flatten)]
    watch: WatchArgs,
}

impl TuiArgs {
    fn source_paths(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self
            .source_path
            .as_deref()
            .map(|p| std::env::split_paths(p).collect())
            .unwrap_or_default();
        paths.push(PathBuf::from("."));
        paths
    }
}

/// Checks the command line, resolves it into the session's request (bad
/// filters and options are reported before the terminal is touched) and
/// runs the view.
pub fn run(profiles: &[String], args: &TuiArgs) -> Result<ExitCode> {
    let view = args.view.resolve()?;
    if args.diff_base.is_some() && profiles.len() > 1 {
        anyhow::bail!("--diff-base compares one profile with a base; give one PROFILE");
    }
    let sources = |args: &[String]| args.iter().map(|a| Source::parse(a)).collect::<Vec<_>>();
    let mut what = profiles.join(" ");
    let opening = match args.watch.watch {
        Some(_) if args.diff_base.is_some() || args.merge => {
            return Err(usage(
                "--watch shows one service's snapshots; it takes no --diff-base or --merge (in the view, d diffs the newest snapshot against the first)",
            ));
        }
        Some(_) => match args.watch.resolve(profiles, &view)? {
            Some((url, options)) => {
                what = redacted(&url);
                Opening::Watch {
                    url,
                    options,
                    keep: args.watch.keep,
                    keep_profiles: args.watch.keep_profiles,
                }
            }
            None => one_or_snapshots(sources(profiles), args),
        },
        None => one_or_snapshots(sources(profiles), args),
    };
    let loader = view.clone();
    let request = Request {
        opening,
        sample_type: view.sample_index.clone(),
        granularity: view.granularity,
        filters: view.filters.clone(),
        load: Arc::new(move |sources: &[Source]| loader.load_sources(sources)),
        escape: args.escape.clone(),
        profiler: args.profiler,
        source_paths: args.source_paths(),
        export_dir: args
            .export_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    tui::run(move |size| Session::open(request, size)?.into_app(), &what)?;
    Ok(ExitCode::SUCCESS)
}

/// Several profiles without `--merge` open on the Trend view; otherwise
/// one profile (or several merged), against `--diff-base` when given.
fn one_or_snapshots(profiles: Vec<Source>, args: &TuiArgs) -> Opening {
    if profiles.len() > 1 && !args.merge {
        return Opening::Snapshots(profiles);
    }
    Opening::Profiles {
        profiles,
        base: args.diff_base.as_deref().map(Source::parse),
        normalize: args.normalize,
    }
}
