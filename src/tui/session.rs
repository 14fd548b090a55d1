//! Opening the interactive view: the one place that turns a [`Request`]
//! (the command line, resolved by the CLI) into a ready [`App`], whatever
//! is opened: one profile, several merged, a diff against a base, several
//! snapshots (the Trend view), or a watched service. It loads the profiles
//! under study, resolves the sample type once by name (the snapshots and
//! the newest profile may list their types in different orders), reads
//! the escape analysis, and assembles the app in one sequence.
//!
//! It runs on the loader thread of [`run`](super::run), while the terminal
//! shows progress. Snapshots opened from files are ranked once whole; then
//! only the newest stays in memory and the Trend view reads the older ones
//! again when it ranks anew (see [`super::trend`]).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Result, anyhow, bail};

use super::export::export_stem;
use super::theme::{ColorMode, Theme};
use super::trend::{Reload, TrendInput, TrendModel};
use super::watch::WatchState;
use super::why::WhyRequest;
use super::{App, AppOptions};
use crate::analysis::escape::Escapes;
use crate::analysis::explain::heap_indices;
use crate::analysis::runtime::{RuntimePoint, runtime_point};
use crate::analysis::{Filters, Granularity, Study};
use crate::input::source::{Source, redacted};
use crate::input::watch::{self, Event, WatchOptions, kind_of};
use crate::profile::{BaseMode, Profile};

/// Reads profiles (in parallel, in order), as the CLI prepares them
/// (label frames, grouping by label).
pub type Loader = Arc<dyn Fn(&[Source]) -> Result<Vec<Profile>> + Send + Sync>;

/// What to open.
#[derive(Debug, Clone)]
pub enum Opening {
    /// One profile, or several merged into one; with a base, their
    /// difference (pprof's `-diff_base`).
    Profiles {
        profiles: Vec<Source>,
        base: Option<Source>,
        /// Scale the profile to the base's total first.
        normalize: bool,
    },
    /// Several snapshots: the Trend view over all of them, the other views
    /// on the newest.
    Snapshots(Vec<Source>),
    /// A service polled on an interval; its first poll must succeed.
    Watch {
        url: String,
        options: WatchOptions,
        /// Snapshots kept as sums for the trend.
        keep: usize,
        /// Snapshots kept whole.
        keep_profiles: usize,
    },
}

/// The interactive view's request: what to open and how to show it.
pub struct Request {
    pub opening: Opening,
    /// `--sample-index` as given (a name or an index); `None`: the
    /// profile's default.
    pub sample_type: Option<String>,
    /// `--granularity` as asked; `None` leaves it to the study.
    pub granularity: Option<Granularity>,
    pub filters: Filters,
    pub load: Loader,
    /// `--escape`: the compiler's escape analysis, for heap profiles.
    pub escape: Option<PathBuf>,
    /// `--profiler`: the profiler's own sites may be leak suspects.
    pub profiler: bool,
    /// Directories searched for source files.
    pub source_paths: Vec<PathBuf>,
    /// Where `e` writes SVG files.
    pub export_dir: PathBuf,
}

/// An opened request: the profile shown, the options the app starts with,
/// and what comes with the opening (snapshots, a watch).
pub struct Session {
    profile: Arc<Profile>,
    options: AppOptions,
    with: With,
    /// A note for the status bar (an unusable escape file).
    note: Option<(String, bool)>,
}

/// What an opening adds to the app.
enum With {
    Nothing,
    Trend(Box<TrendInput>, Vec<(String, RuntimePoint)>, Option<Reload>),
    Watch(Box<WatchState>),
}

impl Session {
    /// Loads what `request` asks for, for a terminal of `size`.
    pub fn open(request: Request, size: (u16, u16)) -> Result<Session> {
        match &request.opening {
            Opening::Profiles {
                profiles,
                base,
                normalize,
            } => Session::profiles(&request, profiles, base.as_ref(), *normalize, size),
            Opening::Snapshots(sources) => Session::snapshots(&request, sources, size),
            Opening::Watch {
                url,
                options,
                keep,
                keep_profiles,
            } => Session::watch(
                &request,
                url,
                options.clone(),
                (*keep, *keep_profiles),
                size,
            ),
        }
    }

    /// The app, on its first screen (the Trend view's first ranking
    /// can still fail on snapshots it cannot line up).
    pub fn into_app(self) -> Result<App> {
        let mut app = match self.with {
            With::Nothing => App::new(self.profile, self.options).on_goroutines(),
            With::Trend(input, series, reload) => {
                // Ranked and the older snapshots let go before the views of
                // the newest are computed: they are never in memory together.
                let trend = TrendModel::new(*input)?;
                if let Some(reload) = reload {
                    trend.release(reload);
                }
                App::new(self.profile, self.options)
                    .with_trend_model(trend)
                    .with_runtime_series(series)
            }
            With::Watch(state) => App::new(self.profile, self.options).with_watch(*state),
        };
        if self.note.is_some() {
            app = app.with_message(self.note);
        }
        Ok(app)
    }

    fn profiles(
        request: &Request,
        profiles: &[Source],
        base: Option<&Source>,
        normalize: bool,
        size: (u16, u16),
    ) -> Result<Session> {
        let mut title = profiles
            .iter()
            .map(Source::short_name)
            .collect::<Vec<_>>()
            .join(" + ");
        let base_name = base.map(Source::short_name);
        if let Some(base) = &base_name {
            title = format!("{title} vs {base}");
        }
        // What export file names start with: the profile shown, plainly.
        let shown = profiles.last().map(Source::short_name);
        let mut stem = export_stem(shown.as_deref().unwrap_or("profile"), base_name.as_deref());
        if profiles.len() > 1 {
            stem.push_str(".merged");
        }
        let sources: Vec<Source> = profiles.iter().chain(base).cloned().collect();
        let mut loaded = (request.load)(&sources)?;
        let study = match base {
            None => Study::of(loaded)?,
            Some(_) => {
                let bases = loaded.split_off(profiles.len().min(loaded.len()));
                Study::against(loaded, bases, BaseMode::DiffBase, normalize)?
            }
        };
        let (profile, study) = study.into_shown()?;
        let sample_index = profile.resolve_sample_type(request.sample_type.as_deref())?;
        // A diff's combined profile holds negated base samples: nothing to
        // explain there.
        let (why, note) = match base {
            None => why_request(&profile, request),
            Some(_) => (None, None),
        };
        Ok(Session {
            options: AppOptions {
                study: Some(study),
                why,
                ..app_options(request, title, stem, sample_index, size)
            },
            profile,
            with: With::Nothing,
            note,
        })
    }

    /// Ordered and ranked as `pprof-tui trend` does, the other views on
    /// the newest snapshot. The sample type is resolved once, against the
    /// snapshots as the study holds them, and shown by the same name in
    /// the newest.
    fn snapshots(request: &Request, sources: &[Source], size: (u16, u16)) -> Result<Session> {
        let loaded = (request.load)(sources)?;
        let names = sources.iter().map(Source::display_name).collect();
        let mut timeline = Study::snapshots(loaded, names).into_timeline()?;
        let newest = timeline
            .profiles
            .last()
            .cloned()
            .ok_or_else(|| anyhow!("no profile given"))?;
        let newest_source = timeline.order.last().and_then(|&i| sources.get(i));
        let title = format!(
            "{} (newest of {})",
            newest_source.map_or_else(String::new, Source::display_name),
            timeline.names.len()
        );
        let stem = export_stem(
            &newest_source.map_or_else(String::new, Source::short_name),
            None,
        );
        let series = timeline
            .names
            .iter()
            .zip(&timeline.profiles)
            .map(|(name, p)| (name.clone(), runtime_point(p)))
            .collect();
        // The files read again by later rankings: those before the newest,
        // in comparison order, when the study took them as they were read.
        let reload = (!timeline.reshaped)
            .then(|| {
                let (_, older) = timeline.order.split_last()?;
                let older: Option<Vec<Source>> =
                    older.iter().map(|&i| sources.get(i).cloned()).collect();
                Some(Reload {
                    older: older?,
                    load: Arc::clone(&request.load),
                    newest: Arc::clone(&newest),
                })
            })
            .flatten();
        let snapshots = timeline.take_snapshots()?;
        let sample_index = snapshots
            .profile()
            .resolve_sample_type(request.sample_type.as_deref())?;
        let name = &snapshots.profile().sample_types[sample_index].name;
        let shown_index = newest
            .sample_types
            .iter()
            .position(|t| &t.name == name)
            .ok_or_else(|| anyhow!("the newest snapshot has no sample type '{name}'"))?;
        let input = TrendInput {
            sample_index,
            snapshots,
            minutes: timeline.minutes,
            granularity: request.granularity,
            filters: request.filters.clone(),
            warnings: timeline.notes,
            restarts: timeline.restarts,
            profiler: request.profiler,
        };
        let options = app_options(request, title, stem, shown_index, size);
        let with = With::Trend(Box::new(input), series, reload);
        Ok(Session::on_newest(request, newest, options, with))
    }

    /// On the watch's first snapshot (a service that cannot be read at all
    /// is an error, as `pprof-tui URL` makes it), fed the following ones;
    /// later failures show in the status bar while polling goes on.
    fn watch(
        request: &Request,
        url: &str,
        options: WatchOptions,
        (keep, keep_profiles): (usize, usize),
        size: (u16, u16),
    ) -> Result<Session> {
        // What the screen and the messages show: the URL without its password.
        let shown = redacted(url);
        let feed = watch::start(url.to_owned(), options);
        let first = match feed.events.recv() {
            Ok(Event::Snapshot(snapshot)) => snapshot,
            Ok(Event::Failed(failure)) => bail!("{}", failure.error),
            Err(_) => bail!("watching '{shown}' stopped before the first snapshot"),
        };
        let mut state = WatchState::new(feed, shown.clone(), keep, request.granularity)
            .with_keep_profiles(keep_profiles);
        state.profiler = request.profiler;
        let sample_index = first
            .profile
            .resolve_sample_type(request.sample_type.as_deref())?;
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
            .ok_or_else(|| anyhow!("no snapshot of '{shown}'"))?;
        let stem = export_stem(&kind_of(url), None);
        let options = app_options(request, title, stem, sample_index, size);
        let with = With::Watch(Box::new(state));
        Ok(Session::on_newest(request, newest, options, with))
    }

    /// The views on the newest of several profiles (snapshots, a watch),
    /// shown alone and explained when it is a heap profile.
    fn on_newest(
        request: &Request,
        newest: Arc<Profile>,
        options: AppOptions,
        with: With,
    ) -> Session {
        let (why, note) = why_request(&newest, request);
        Session {
            options: AppOptions {
                study: Some(Study::One(Arc::clone(&newest))),
                why,
                ..options
            },
            profile: newest,
            with,
            note,
        }
    }
}

fn app_options(
    request: &Request,
    title: String,
    export_stem: String,
    sample_index: usize,
    size: (u16, u16),
) -> AppOptions {
    AppOptions {
        title,
        sample_index,
        granularity: request.granularity.unwrap_or_default(),
        filters: request.filters.clone(),
        source_paths: request.source_paths.clone(),
        export_dir: request.export_dir.clone(),
        export_stem,
        theme: Theme::new(ColorMode::detect()),
        size,
        background: true,
        study: None,
        why: None,
    }
}

/// How the app explains a Go heap profile (`None` for other profiles),
/// with the compiler's messages when `--escape` is given, and a note for
/// the status bar when the file cannot be used.
fn why_request(
    profile: &Profile,
    request: &Request,
) -> (Option<WhyRequest>, Option<(String, bool)>) {
    let escape = request.escape.as_deref();
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
    let (escapes, note) = match escape.map(crate::input::escape::read_file) {
        Some(Ok(escape)) => {
            let escapes = Escapes::parse(&escape.text);
            let note = escapes.empty_note(&escape.name).map(|n| (n, true));
            (Some(Arc::new((escapes, escape.name))), note)
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
