//! `pprof-tui PROFILE`: the interactive view, with the same view options as
//! the reports.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use clap::Args;

use super::watch::WatchArgs;
use super::{Input, View, ViewArgs, usage};
use crate::analysis::Study;
use crate::analysis::explain::heap_indices;
use crate::analysis::runtime::runtime_point;
use crate::profile::{BaseMode, Profile};
use crate::tui::export::export_stem;
use crate::tui::trend::TrendInput;
use crate::tui::watch::WatchState;
use crate::tui::why::WhyRequest;
use crate::tui::{self, App, AppOptions, theme};
use crate::watch::{Event, WatchOptions, kind_of};

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

pub fn run(profiles: &[String], args: &TuiArgs) -> Result<ExitCode> {
    // Bad filters are reported before the terminal is touched.
    let view = args.view.resolve()?;
    if args.diff_base.is_some() && profiles.len() > 1 {
        anyhow::bail!("--diff-base compares one profile with a base; give one PROFILE");
    }
    if args.watch.watch.is_some() {
        if args.diff_base.is_some() || args.merge {
            return Err(usage(
                "--watch shows one service's snapshots; it takes no --diff-base or --merge (in the view, d diffs the newest snapshot against the first)",
            ));
        }
        if let Some((url, options)) = args.watch.resolve(profiles, &view)? {
            return watch(url, options, view, args.clone());
        }
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
        // A diff's combined profile holds negated base samples: nothing to
        // explain there.
        let (why, note) = if base.is_empty() {
            why_request(&profile, args.escape.as_deref())
        } else {
            (None, None)
        };
        let mut app = App::new(
            profile,
            AppOptions {
                study: Some(study),
                why,
                ..options
            },
        );
        if note.is_some() {
            app = app.with_message(note);
        }
        Ok(app)
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
        filters: view.filters.clone(),
        source_paths: args.source_paths(),
        export_dir: args
            .export_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(".")),
        export_stem,
        theme: theme::Theme::new(theme::ColorMode::detect()),
        size,
        background: true,
        study: None,
        why: None,
    }
}

/// How the app explains a Go heap profile (`None` for other profiles),
/// with the compiler's messages when `escape` is given, and a note for the
/// status bar when the file cannot be used.
fn why_request(
    profile: &Profile,
    escape: Option<&Path>,
) -> (Option<WhyRequest>, Option<(String, bool)>) {
    if heap_indices(profile).is_err() {
        let note = escape.map(|_| {
            (
                "--escape explains heap profiles only; this one has no alloc_*/inuse_* types"
                    .to_owned(),
                true,
            )
        });
        return (None, note);
    }
    let (escapes, note) = match escape.map(super::explain::read_escape_file) {
        Some(Ok((escapes, name, note))) => {
            (Some(Arc::new((escapes, name))), note.map(|n| (n, true)))
        }
        Some(Err(note)) => (None, Some((note, true))),
        None => (None, None),
    };
    let request = WhyRequest {
        escapes,
        snapshots: None,
    };
    (Some(request), note)
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
        restarts: timeline.restarts,
        profiler: args.profiler,
    };
    let (why, note) = why_request(&newest, args.escape.as_deref());
    let options = AppOptions {
        study: Some(Study::One(Arc::clone(&newest))),
        why,
        ..app_options(args, view, title, stem, shown_index, size)
    };
    let mut app = App::new(newest, options)
        .with_trend(input)?
        .with_runtime_series(series);
    if note.is_some() {
        app = app.with_message(note);
    }
    Ok(app)
}

/// `pprof-tui --watch INTERVAL URL`: the app on the watch's first snapshot
/// (the first poll must succeed: a service that cannot be read at all is
/// an error, as `pprof-tui URL` makes it), fed the following ones; later
/// failures show in the status bar while polling goes on.
fn watch(url: String, options: WatchOptions, view: View, args: TuiArgs) -> Result<ExitCode> {
    // What the screen and the messages show: the URL without its password.
    let what = crate::source::redacted(&url);
    let shown = what.clone();
    let load = move |size: (u16, u16)| -> Result<App> {
        let feed = crate::watch::start(url.clone(), options);
        let first = match feed.events.recv() {
            Ok(Event::Snapshot(snapshot)) => snapshot,
            Ok(Event::Failed(failure)) => anyhow::bail!("{}", failure.error),
            Err(_) => anyhow::bail!("watching '{shown}' stopped before the first snapshot"),
        };
        let mut state = WatchState::new(feed, shown.clone(), args.watch.keep, view.granularity)
            .with_keep_profiles(args.watch.keep_profiles);
        state.profiler = args.profiler;
        let sample_index = view.sample_index(&first.profile)?;
        state.sample_type = first
            .profile
            .sample_types
            .get(sample_index)
            .map(|t| t.name.clone());
        let title = format!("{} (newest of 1, watching)", first.name);
        state.take(Event::Snapshot(first));
        let newest = state
            .newest()
            .map(|kept| Arc::clone(&kept.profile))
            .ok_or_else(|| anyhow::anyhow!("no snapshot of '{shown}'"))?;
        let stem = export_stem(&kind_of(&url), None);
        let (why, note) = why_request(&newest, args.escape.as_deref());
        let options = AppOptions {
            study: Some(Study::One(Arc::clone(&newest))),
            why,
            ..app_options(&args, &view, title, stem, sample_index, size)
        };
        let mut app = App::new(newest, options).with_watch(state);
        if note.is_some() {
            app = app.with_message(note);
        }
        Ok(app)
    };
    tui::run(load, &what)?;
    Ok(ExitCode::SUCCESS)
}
