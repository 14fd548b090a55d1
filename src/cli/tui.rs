//! `pprof-tui PROFILE`: the interactive view, with the same view options as
//! the reports.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use clap::Args;

use super::{ViewArgs, load_profile};
use crate::source::Source;
use crate::tui::{self, App, AppOptions, Chip, ChipKind, theme};

/// Options of the interactive view (used when no subcommand is given).
#[derive(Debug, Clone, Args)]
pub struct TuiArgs {
    #[command(flatten)]
    view: ViewArgs,

    /// Directories to look for source files in (separated like PATH), as pprof's -source_path.
    #[arg(long, value_name = "DIRS")]
    source_path: Option<String>,
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
    let [profile] = profiles else {
        anyhow::bail!(
            "the interactive view opens one profile; for several use `pprof-tui top {}`",
            profiles.join(" ")
        );
    };
    let source = Source::parse(profile);
    let title = source.short_name();
    let what = profile.clone();
    let args = args.clone();
    let load = move |size: (u16, u16)| -> Result<App> {
        let profile = load_profile(&what, &args.view)?;
        let sample_index = args.view.sample_index(&profile)?;
        App::new(
            Arc::new(profile),
            AppOptions {
                title,
                sample_index,
                granularity: args.view.granularity,
                chips: args.chips(),
                source_paths: args.source_paths(),
                export_dir: PathBuf::from("."),
                theme: theme::Theme::new(theme::ColorMode::detect()),
                size,
                background: true,
            },
        )
    };
    tui::run(load, profile)?;
    Ok(ExitCode::SUCCESS)
}
