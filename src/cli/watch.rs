//! `--watch INTERVAL URL`: the options of a watch, shared by `trend` and the
//! interactive view, and the watch `trend --watch` runs to the end before
//! ranking what it saw.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;

use super::{View, usage, warn};
use crate::analysis::series::{Reduction, SiteSeries};
use crate::input::source::Source;
use crate::input::watch::{self, Event, Ring, WatchOptions, short_duration};
use crate::profile::Profile;

/// Watching a live service instead of reading files.
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// Poll the profile URL every INTERVAL (500ms, 10s, 2m) instead of
    /// reading files: one URL, e.g. http://host:6060/debug/pprof/heap or
    /// host:6060/debug/pprof/goroutine.
    #[arg(long, value_name = "INTERVAL", value_parser = watch::parse_duration)]
    pub watch: Option<Duration>,

    /// With --watch: rank the newest N snapshots (older ones are dropped).
    /// Each is kept reduced to its sites' sums; the default covers a day
    /// at 10s. Beyond 256, a thinning of them is compared (every 2nd,
    /// 4th, … and the newest: docs/watching.md).
    #[arg(long, value_name = "N", default_value_t = 8640, requires = "watch")]
    pub keep: usize,

    /// With --watch: keep the newest N snapshots whole (what the Top,
    /// flame and diff views show; the others keep only their sums).
    #[arg(long, value_name = "N", default_value_t = 3, requires = "watch")]
    pub keep_profiles: usize,

    /// With --watch: also write each snapshot to DIR as
    /// <kind>-<UTC time>.pb.gz, atomically; the names sort in time order, so
    /// `pprof-tui trend DIR/heap-*.pb.gz` replays the watch.
    #[arg(long, value_name = "DIR", requires = "watch")]
    pub save_dir: Option<PathBuf>,

    // With --watch, heap endpoints are polled as ?debug=1 text (see
    // `watch::poll_url`); this keeps the binary form. The help is the
    // attribute's, so that --help and -h say the same.
    #[arg(
        long,
        requires = "watch",
        help = "poll the binary profile (?debug=0) instead of the ?debug=1 text: 10-50x smaller and with addresses, but without the runtime's MemStats"
    )]
    pub proto: bool,

    /// With --watch: give up on one request after this long (default: 60s,
    /// or 1.5 × seconds=N when the URL asks for a duration, as pprof).
    #[arg(long, value_name = "DURATION", requires = "watch", value_parser = watch::parse_duration)]
    pub timeout: Option<Duration>,
}

impl WatchArgs {
    /// The URL to watch, from the profile arguments (exactly one URL), and
    /// the options; `None` without `--watch`. The save directory is
    /// created when missing.
    pub fn resolve(
        &self,
        profiles: &[String],
        view: &View,
    ) -> Result<Option<(String, WatchOptions)>> {
        let Some(interval) = self.watch else {
            return Ok(None);
        };
        let url = match profiles {
            [one] => match Source::parse(one) {
                Source::Url(url) => url,
                _ => {
                    return Err(usage(format!(
                        "--watch polls a URL (http://host:port/debug/pprof/heap); '{one}' is not one"
                    )));
                }
            },
            _ => return Err(usage("--watch polls one URL; give exactly one")),
        };
        if self.keep < 2 {
            return Err(usage(
                "--keep must be 2 or more: a trend compares at least two snapshots",
            ));
        }
        if self.keep_profiles < 1 {
            return Err(usage("--keep-profiles must be 1 or more"));
        }
        if let Some(dir) = &self.save_dir {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the save directory '{}'", dir.display()))?;
        }
        Ok(Some((
            watch::poll_url(&url, self.proto),
            WatchOptions {
                interval,
                timeout: self.timeout,
                save_dir: self.save_dir.clone(),
                load: view.load.clone(),
                count: None,
                max_failures: None,
            },
        )))
    }
}

/// What a watch of `trend --watch` saw: every snapshot reduced, the
/// newest `--keep` of them kept as sums, and the newest few kept whole
/// (their headers head the report).
pub struct Watched {
    pub series: SiteSeries,
    /// The newest `--keep-profiles` snapshots, oldest first.
    pub profiles: Vec<Profile>,
}

/// Watches `url` until `count` snapshots came, reducing each as it comes
/// at what `how` decides from the first, so that memory holds the newest
/// `keep` snapshots' sums and `keep_profiles` whole profiles, not `keep`
/// profiles. A failed poll is a warning and is retried with back-off;
/// `max_failures` in a row end the watch with the last error. Progress
/// goes to stderr when it is a terminal.
pub fn watch_series(
    url: &str,
    mut options: WatchOptions,
    count: u64,
    max_failures: u32,
    (keep, keep_profiles): (usize, usize),
    how: impl FnOnce(&Profile) -> Result<Reduction>,
) -> Result<Watched> {
    options.count = Some(count);
    options.max_failures = Some(max_failures);
    let interval = options.interval;
    let feed = watch::start(url.to_owned(), options);
    let progress = std::io::stderr().is_terminal();
    let mut how = Some(how);
    let mut series: Option<SiteSeries> = None;
    let mut profiles: Ring<Profile> = Ring::new(keep_profiles);
    let mut taken = 0u64;
    let mut skipped = 0u64;
    let clear = |progress: bool| {
        if progress {
            eprint!("\r\x1b[K");
        }
    };
    for event in feed.events.iter() {
        match event {
            Event::Snapshot(snapshot) => {
                taken += 1;
                skipped += snapshot.skipped;
                let snapshot = *snapshot;
                let series = match (&mut series, how.take()) {
                    (Some(series), _) => series,
                    (None, Some(how)) => {
                        series.insert(SiteSeries::new(how(&snapshot.profile)?, keep))
                    }
                    (None, None) => anyhow::bail!("the watch lost its settings"),
                };
                series
                    .reduce_and_push(&snapshot.profile, snapshot.name.clone(), &|| false)
                    .with_context(|| format!("reading profile '{url}'"))?;
                profiles.push(snapshot.profile);
                if progress && taken < count {
                    let behind = if skipped > 0 {
                        format!(" ({skipped} polls skipped while ranking)")
                    } else {
                        String::new()
                    };
                    eprint!(
                        "\r\x1b[Kpprof-tui: {taken} of {count} snapshots, the next in {}{behind}",
                        short_duration(interval)
                    );
                    let _ = std::io::stderr().flush();
                }
            }
            Event::Failed(failure) if failure.retry_in.is_none() => {
                clear(progress);
                let gave_up = if failure.in_a_row > 1 {
                    format!("; gave up after {} failed polls in a row", failure.in_a_row)
                } else {
                    String::new()
                };
                anyhow::bail!("{}{gave_up}", failure.error);
            }
            Event::Failed(failure) => {
                clear(progress);
                warn(&failure.to_string());
            }
        }
    }
    clear(progress);
    match series {
        Some(series) if taken >= count => Ok(Watched {
            series,
            profiles: profiles.into_vec(),
        }),
        _ => anyhow::bail!("the watch stopped after {taken} of {count} snapshots"),
    }
}
