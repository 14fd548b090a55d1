//! `pprof-tui PROFILE`: the interactive view, with the same view options as
//! the reports.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use clap::Args;

use super::{Input, View, ViewArgs};
use crate::analysis::Study;
use crate::analysis::runtime::runtime_point;
use crate::profile::BaseMode;
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
    let view = args.view.resolve()?;
    if args.diff_base.is_some() && profiles.len() > 1 {
        anyhow::bail!("--diff-base compares one profile with a base; give one PROFILE");
    }
    let inputs = Input::parse_all(profiles);
    let base = Input::parse_all(args.diff_base.as_slice());
    // Several snapshots without --merge: the Trend view over all of them,
    // the other views on the newest.
    let trend_mode = profiles.len() > 1 && !args.merge;
    let mut title = inputs
        .iter()
        .map(|i| i.source.short_name())
        .collect::<Vec<_>>()
        .join(" + ");
    let base_name = base.first().map(|b| b.source.short_name());
    if let Some(base) = &base_name {
        title = format!("{title} vs {base}");
    }
    // What export file names start with: the profile shown, plainly.
    let shown = inputs.last().map(|i| i.source.short_name());
    let mut stem = export_stem(shown.as_deref().unwrap_or("profile"), base_name.as_deref());
    if profiles.len() > 1 && args.merge {
        stem.push_str(".merged");
    }
    let what = profiles.join(" ");
    let args = args.clone();
    let load = move |size: (u16, u16)| -> Result<App> {
        if trend_mode {
            return trend_app(&inputs, &view, &args, size);
        }
        let mut loaded = view.load(&[inputs.as_slice(), base.as_slice()].concat())?;
        let study = if base.is_empty() {
            Study::of(loaded)?
        } else {
            let bases = loaded.split_off(inputs.len().min(loaded.len()));
            Study::against(loaded, bases, BaseMode::DiffBase, args.normalize)?
        };
        let (profile, study) = study.into_shown()?;
        let sample_index = view.sample_index(&profile)?;
        let options = app_options(&args, &view, title, stem, sample_index, size);
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
    view: &View,
    title: String,
    export_stem: String,
    sample_index: usize,
    size: (u16, u16),
) -> AppOptions {
    AppOptions {
        title,
        sample_index,
        granularity: view.granularity(),
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
/// The sample type is resolved once, against the snapshots as the study
/// holds them, and shown by the same name in the newest.
fn trend_app(inputs: &[Input], view: &View, args: &TuiArgs, size: (u16, u16)) -> Result<App> {
    let loaded = view.load(inputs)?;
    let names = inputs.iter().map(|i| i.source.display_name()).collect();
    let mut timeline = Study::snapshots(loaded, names).into_timeline()?;
    let newest = timeline
        .profiles
        .last()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no profile given"))?;
    let newest_input = timeline.order.last().and_then(|&i| inputs.get(i));
    let title = format!(
        "{} (newest of {})",
        newest_input.map_or_else(String::new, |i| i.source.display_name()),
        timeline.names.len()
    );
    let stem = export_stem(
        &newest_input.map_or_else(String::new, |i| i.source.short_name()),
        None,
    );
    let series = timeline
        .names
        .iter()
        .zip(&timeline.profiles)
        .map(|(name, p)| (name.clone(), runtime_point(p)))
        .collect();
    let snapshots = timeline.take_snapshots()?;
    let sample_index = view.sample_index(snapshots.profile())?;
    let name = &snapshots.profile().sample_types[sample_index].name;
    let shown_index = newest
        .sample_types
        .iter()
        .position(|t| &t.name == name)
        .ok_or_else(|| anyhow::anyhow!("the newest snapshot has no sample type '{name}'"))?;
    let input = TrendInput {
        sample_index,
        snapshots,
        minutes: timeline.minutes,
        granularity: view.granularity,
        filters: view.filters.clone(),
        warnings: timeline.notes,
    };
    let newest = Arc::new(newest);
    let options = AppOptions {
        sides: Some(Study::One(Arc::clone(&newest))),
        ..app_options(args, view, title, stem, shown_index, size)
    };
    Ok(App::new(newest, options)?
        .with_trend(input)?
        .with_runtime_series(series))
}
