//! `--watch INTERVAL URL`: the options of a watch, shared by `trend` and the
//! interactive view, and the watch `trend --watch` runs to the end before
//! ranking what it saw.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;

use super::{View, usage, warn};
use crate::analysis::{Study, Timeline};
use crate::source::Source;
use crate::watch::{self, Event, Feed, Ring, WatchOptions, short_duration};

/// Watching a live service instead of reading files.
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// Poll the profile URL every INTERVAL (500ms, 10s, 2m) instead of
    /// reading files: one URL, e.g. http://host:6060/debug/pprof/heap or
    /// host:6060/debug/pprof/goroutine.
    #[arg(long, value_name = "INTERVAL", value_parser = watch::parse_duration)]
    pub watch: Option<Duration>,

    /// With --watch: keep the newest N snapshots (older ones are dropped).
    #[arg(long, value_name = "N", default_value_t = 60, requires = "watch")]
    pub keep: usize,

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

/// Watches `url` until `count` snapshots came (the newest `keep` kept), then
/// puts them in order as `trend` does with files. A failed poll is a
/// warning and is retried with back-off; `max_failures` in a row end the
/// watch with the last error. Progress goes to stderr when it is a terminal.
pub fn watch_timeline(
    url: &str,
    mut options: WatchOptions,
    count: u64,
    max_failures: u32,
    keep: usize,
) -> Result<Timeline> {
    options.count = Some(count);
    options.max_failures = Some(max_failures);
    let interval = options.interval;
    let feed = watch::start(url.to_owned(), options);
    let snapshots = collect(
        &feed,
        count,
        keep,
        interval,
        std::io::stderr().is_terminal(),
    )?;
    let (profiles, names) = snapshots
        .into_vec()
        .into_iter()
        .map(|s| (s.profile, s.name))
        .unzip();
    Ok(Study::snapshots(profiles, names).into_timeline()?)
}

/// Reads the feed to its end.
fn collect(
    feed: &Feed,
    count: u64,
    keep: usize,
    interval: Duration,
    progress: bool,
) -> Result<Ring<watch::Snapshot>> {
    let mut ring = Ring::new(keep);
    let mut taken = 0u64;
    let clear = |progress: bool| {
        if progress {
            eprint!("\r\x1b[K");
        }
    };
    for event in feed.events.iter() {
        match event {
            Event::Snapshot(snapshot) => {
                taken += 1;
                ring.push(*snapshot);
                if progress && taken < count {
                    eprint!(
                        "\r\x1b[Kpprof-tui: {taken} of {count} snapshots, the next in {}",
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
    if taken < count {
        anyhow::bail!("the watch stopped after {taken} of {count} snapshots");
    }
    Ok(ring)
}
