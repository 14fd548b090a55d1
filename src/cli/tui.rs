//! `pprof-tui PROFILE`: the interactive view, with the same view options as
//! the reports.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use clap::Args;

use super::trend::load_timeline;
use super::{ViewArgs, load_profiles};
use crate::analysis::Study;
use crate::profile::BaseMode;
use crate::source::Source;
use crate::tui::export::export_stem;
use crate::tui::trend::TrendInput;
use crate::tui::{self, App, AppOptions, Chip, ChipKind, theme};

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

    /// Directory `e` writes SVG files into (default: the working directory).
    #[arg(long, value_name = "DIR")]
    export_dir: Option<PathBuf>,
}

impl TuiArgs {
    /// The filters given on the command line, as chips the user can clear.
    fn chips(&self) -> Vec<Chip> {
        let v = &self.view;
        [
            (ChipKind::Focus, &v.focus),
            (ChipKind::Ignore, &v.ignore),
            (ChipKind::Hide, &v.hide),
            (ChipKind::Show, &v.show),
            (ChipKind::TagFocus, &v.tagfocus),
            (ChipKind::TagIgnore, &v.tagignore),
        ]
        .into_iter()
        .filter_map(|(kind, p)| {
            p.as_ref().map(|p| Chip {
                kind,
                pattern: p.clone(),
            })
        })
        .collect()
    }

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

pub fn run(profiles: &[String], args: &TuiArgs) -> Result<ExitCode> {
    // Bad filters are reported before the terminal is touched.
    args.view.filters()?;
    if args.diff_base.is_some() && profiles.len() > 1 {
        anyhow::bail!("--diff-base compares one profile with a base; give one PROFILE");
    }
    // Several snapshots without --merge: the Trend view over all of them,
    // the other views on the newest.
    let trend_mode = profiles.len() > 1 && !args.merge;
    let mut title = profiles
        .iter()
        .map(|p| Source::parse(p).short_name())
        .collect::<Vec<_>>()
        .join(" + ");
    if let Some(base) = &args.diff_base {
        title = format!("{title} vs {}", Source::parse(base).short_name());
    }
    // What export file names start with: the profile shown, plainly.
    let shown = profiles.last().map(|p| Source::parse(p).short_name());
    let base = args
        .diff_base
        .as_deref()
        .map(|b| Source::parse(b).short_name());
    let mut stem = export_stem(shown.as_deref().unwrap_or("profile"), base.as_deref());
    if profiles.len() > 1 && args.merge {
        stem.push_str(".merged");
    }
    let what = profiles.join(" ");
    let profiles = profiles.to_vec();
    let args = args.clone();
    let load = move |size: (u16, u16)| -> Result<App> {
        if trend_mode {
            return trend_app(&profiles, &args, size);
        }
        let mut names = profiles.clone();
        names.extend(args.diff_base.iter().cloned());
        let mut loaded = load_profiles(&names, &args.view)?;
        let study = match args.diff_base {
            Some(_) => {
                let bases = loaded.split_off(loaded.len().saturating_sub(1));
                Study::against(loaded, bases, BaseMode::DiffBase, args.normalize)?
            }
            None => Study::of(loaded)?,
        };
        let (profile, study) = study.into_shown()?;
        let sample_index = args.view.sample_index(&profile)?;
        let options = app_options(&args, title, stem, sample_index, size);
        App::new(
            profile,
            AppOptions {
                sides: Some(study),
                ..options
            },
        )
    };
    tui::run(load, &what)?;
    Ok(ExitCode::SUCCESS)
}

fn app_options(
    args: &TuiArgs,
    title: String,
    export_stem: String,
    sample_index: usize,
    size: (u16, u16),
) -> AppOptions {
    AppOptions {
        title,
        sample_index,
        granularity: args.view.granularity,
        chips: args.chips(),
        source_paths: args.source_paths(),
        export_dir: args
            .export_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(".")),
        export_stem,
        theme: theme::Theme::new(theme::ColorMode::detect()),
        size,
        background: true,
        sides: None,
    }
}

/// The app over several snapshots: ordered and ranked as `pprof-tui trend`
/// does, opened on the Trend view, the other views on the newest snapshot.
fn trend_app(profiles: &[String], args: &TuiArgs, size: (u16, u16)) -> Result<App> {
    let mut timeline = load_timeline(profiles, &args.view)?;
    let newest = timeline
        .profiles
        .last()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no profile given"))?;
    let newest_source = timeline.names.last().cloned().unwrap_or_default();
    let title = format!("{newest_source} (newest of {})", timeline.names.len());
    let stem = export_stem(&Source::parse(&newest_source).short_name(), None);
    let snapshots = timeline.take_snapshots()?;
    let input = TrendInput {
        sample_index: args.view.sample_index(snapshots.profile())?,
        snapshots,
        minutes: timeline.minutes,
        granularity: args.view.asked_granularity(),
        filters: args.view.filters()?,
        warnings: timeline.notes,
    };
    let sample_index = args.view.sample_index(&newest)?;
    let newest = Arc::new(newest);
    let options = AppOptions {
        sides: Some(Study::One(Arc::clone(&newest))),
        ..app_options(args, title, stem, sample_index, size)
    };
    Ok(App::new(newest, options)?.with_trend(input)?)
}
