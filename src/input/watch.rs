//! Watching a live service: a poller fetches a profile URL every interval on
//! its own thread and hands each snapshot (or a one-line failure) to whoever
//! holds the [`Feed`], oldest first.
//!
//! It sits beside [`source`](crate::input::source): it fetches and decodes through
//! [`fetch_whole`] (the same path as `pprof-tui top URL`), and knows nothing
//! of analysis or terminals. A failed poll does not stop the watch: the next
//! one comes after a back-off that doubles with each failure in a row
//! (capped), and a stalled server costs at most the request timeout. Heap
//! endpoints are polled as `debug=1` text by default ([`poll_url`]), for
//! the runtime's MemStats; a snapshot without a time stamp (text has none)
//! gets the poll's. With a save directory, each snapshot is written there
//! as a gzip'd pprof protobuf, atomically, under a name that sorts in time
//! order, so that `pprof-tui trend DIR/heap-*` replays the watch. The consumer keeps the snapshots it wants in a
//! [`Ring`]; the poller keeps none.

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use jiff::Timestamp;

use crate::input::source::{LoadOptions, fetch_whole};
use crate::profile::{Profile, encode_gzip, gzip};
use crate::safe_text::file_name_part;

/// How to watch.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// From the start of one poll to the start of the next.
    pub interval: Duration,
    /// Bound on one request; `None`: pprof's (60 s, or 1.5 × `seconds=N`).
    pub timeout: Option<Duration>,
    /// Where each fetched body is written, if anywhere.
    pub save_dir: Option<PathBuf>,
    /// Size limits for the responses.
    pub load: LoadOptions,
    /// Stop after this many snapshots; `None`: poll until stopped.
    pub count: Option<u64>,
    /// Stop after this many failed polls in a row; `None`: never.
    pub max_failures: Option<u32>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            interval: Duration::from_secs(10),
            timeout: None,
            save_dir: None,
            load: LoadOptions::default(),
            count: None,
            max_failures: None,
        }
    }
}

/// One successful poll.
#[derive(Debug)]
pub struct Snapshot {
    pub profile: Profile,
    /// When the poll started.
    pub taken_at: Timestamp,
    /// Which poll this was, from 1 (failed polls count too).
    pub poll: u64,
    /// How reports name it: the saved file's path, else the URL and the poll.
    pub name: String,
    /// Where its body was saved, with a save directory.
    pub saved: Option<PathBuf>,
    /// Polls left out before this one because the consumer was still busy
    /// with the previous snapshot (see [`start`]).
    pub skipped: u64,
}

/// One failed poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Which poll this was, from 1.
    pub poll: u64,
    /// Failed polls in a row, this one included.
    pub in_a_row: u32,
    /// The error, on one line (it names the URL).
    pub error: String,
    /// When the next poll comes; `None`: the watch gave up.
    pub retry_in: Option<Duration>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "poll {} failed: {}", self.poll, self.error)?;
        match self.retry_in {
            Some(wait) => write!(f, "; retrying in {}", short_duration(wait))?,
            None => write!(f, "; giving up")?,
        }
        if self.in_a_row > 1 {
            write!(f, " ({} failures in a row)", self.in_a_row)?;
        }
        Ok(())
    }
}

/// What the poller reports.
#[derive(Debug)]
pub enum Event {
    Snapshot(Box<Snapshot>),
    Failed(Failure),
}

/// The state a poller shares with its controls.
#[derive(Debug, Default)]
struct State {
    paused: bool,
    stopped: bool,
    /// When the next poll starts; `None` while one runs.
    next_at: Option<Instant>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

/// Pauses, resumes and stops a poller, and tells when it polls next. A
/// clone controls the same poller.
#[derive(Debug, Clone, Default)]
pub struct Control(Arc<Shared>);

impl Control {
    /// A control with no poller behind it (a feed built by hand).
    pub fn detached() -> Control {
        Control::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a poller thread panicked; its state is
        // still plain data.
        self.0
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Holds the next poll until [`Control::resume`] (a poll under way finishes).
    pub fn pause(&self) {
        self.state().paused = true;
        self.0.wake.notify_all();
    }

    /// Lets polling go on: the next poll comes when it was due, or at once
    /// when that time has passed.
    pub fn resume(&self) {
        self.state().paused = false;
        self.0.wake.notify_all();
    }

    pub fn is_paused(&self) -> bool {
        self.state().paused
    }

    /// Ends the watch after any poll under way.
    pub fn stop(&self) {
        self.state().stopped = true;
        self.0.wake.notify_all();
    }

    /// When the next poll starts; `None` while one runs, when paused or
    /// stopped.
    pub fn next_poll(&self) -> Option<Instant> {
        let state = self.state();
        if state.paused || state.stopped {
            None
        } else {
            state.next_at
        }
    }

    /// Waits until `at`, or while paused; false once stopped.
    fn wait_until(&self, at: Instant) -> bool {
        let mut state = self.state();
        state.next_at = Some(at);
        loop {
            if state.stopped {
                return false;
            }
            let now = Instant::now();
            if !state.paused && now >= at {
                state.next_at = None;
                return true;
            }
            let wait = if state.paused {
                Duration::from_secs(3600)
            } else {
                at - now
            };
            state = match self.0.wake.wait_timeout(state, wait) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

/// The snapshots and failures of a watch, and its controls.
pub struct Feed {
    pub events: Receiver<Event>,
    pub control: Control,
}

impl Feed {
    /// A feed fed by hand (tests, replays): send events into the sender.
    pub fn manual() -> (Sender<Event>, Feed) {
        let (tx, events) = mpsc::channel();
        (
            tx,
            Feed {
                events,
                control: Control::detached(),
            },
        )
    }
}

/// Starts polling `url` on a new thread; the first poll starts at once.
/// The thread ends when the count is reached, after too many failures in a
/// row, when stopped, or when the feed is dropped.
///
/// The poller never runs ahead of its consumer by more than one snapshot:
/// it hands each over and waits until it is taken before it polls again
/// (back-pressure). Polls whose time passed meanwhile are left out, and
/// the next snapshot says how many ([`Snapshot::skipped`]).
pub fn start(url: String, options: WatchOptions) -> Feed {
    let (tx, events) = mpsc::sync_channel(0);
    let control = Control::default();
    let poller = control.clone();
    std::thread::spawn(move || poll_loop(&url, &options, &poller, &tx));
    Feed { events, control }
}

fn poll_loop(url: &str, options: &WatchOptions, control: &Control, tx: &SyncSender<Event>) {
    let kind = kind_of(url);
    let mut due = Instant::now();
    let mut poll = 0u64;
    let mut skipped = 0u64;
    let mut taken = 0u64;
    let mut in_a_row = 0u32;
    while control.wait_until(due) {
        poll += 1;
        let started = Instant::now();
        let taken_at = Timestamp::now();
        let event = match poll_once(url, &kind, taken_at, poll, options) {
            Ok(mut snapshot) => {
                in_a_row = 0;
                taken += 1;
                due = started + options.interval;
                snapshot.skipped = std::mem::take(&mut skipped);
                Event::Snapshot(Box::new(snapshot))
            }
            Err(e) => {
                in_a_row = in_a_row.saturating_add(1);
                let give_up = options.max_failures.is_some_and(|max| in_a_row >= max);
                let wait = backoff(options.interval, in_a_row);
                due = Instant::now() + wait;
                Event::Failed(Failure {
                    poll,
                    in_a_row,
                    error: crate::safe_text::visible(&format!("{e:#}")).into_owned(),
                    retry_in: (!give_up).then_some(wait),
                })
            }
        };
        let last = match &event {
            Event::Snapshot(_) => options.count.is_some_and(|n| taken >= n),
            Event::Failed(f) => f.retry_in.is_none(),
        };
        if tx.send(event).is_err() || last {
            break;
        }
        // The consumer took its time: the poll times that passed are left
        // out, and the next poll starts now.
        let now = Instant::now();
        if now > due {
            let late = now - due;
            skipped += (late.as_nanos() / options.interval.as_nanos().max(1)) as u64;
            due = now;
        }
    }
    control.state().next_at = None;
}

/// One poll: fetch, decode, stamp, save.
fn poll_once(
    url: &str,
    kind: &str,
    taken_at: Timestamp,
    poll: u64,
    options: &WatchOptions,
) -> Result<Snapshot> {
    let mut fetched = fetch_whole(url, &options.load, options.timeout)?;
    // Legacy text carries no time stamp: the poll's start stands in, so
    // that snapshots order and grow per minute as protobuf ones do.
    let stamped = fetched.profile.time_nanos != 0;
    if !stamped {
        fetched.profile.time_nanos = taken_at.as_nanosecond().try_into().unwrap_or(0);
    }
    let saved = match &options.save_dir {
        Some(dir) => {
            let name = snapshot_file_name(kind, taken_at);
            // A stamped body is a protobuf as Go served it; anything else
            // (text) is written through the encoder, time stamp and
            // MemStats included, so the file is the pprof its name says.
            let body = if stamped {
                Body::AsServed(&fetched.body)
            } else {
                Body::Encoded(&fetched.profile)
            };
            Some(save(dir, &name, body)?)
        }
        None => None,
    };
    let name = match &saved {
        Some(path) => path.display().to_string(),
        // Named as messages name it: no password in a report or a title.
        None => format!("{} (poll {poll})", crate::input::source::redacted(url)),
    };
    Ok(Snapshot {
        profile: fetched.profile,
        taken_at,
        poll,
        name,
        saved,
        skipped: 0,
    })
}

/// The wait after `in_a_row` failed polls: the interval doubled for each,
/// at most 16 intervals or 5 minutes, whichever is less, and never less
/// than the interval.
pub fn backoff(interval: Duration, in_a_row: u32) -> Duration {
    let cap = interval
        .saturating_mul(16)
        .min(Duration::from_secs(300))
        .max(interval);
    interval.saturating_mul(1u32 << in_a_row.min(16)).min(cap)
}

/// The URL a watch of `url` polls. Heap endpoints (`…/heap`, `…/allocs`)
/// are asked for `debug=1`, the text form that ends with the runtime's
/// MemStats, so every snapshot brings them; unless `proto` (the user chose
/// the binary profile: smaller, with addresses, without MemStats) or the URL
/// already says which `debug=` it wants. Other endpoints keep the protobuf.
pub fn poll_url(url: &str, proto: bool) -> String {
    let (rest, fragment) = match url.split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (url, None),
    };
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    let heap = matches!(kind_of(path).as_str(), "heap" | "allocs");
    let has_debug = query.is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.split('=').next() == Some("debug"))
    });
    if proto || !heap || has_debug {
        return url.to_owned();
    }
    let mut out = match query {
        Some(q) if !q.is_empty() => format!("{path}?{q}&debug=1"),
        _ => format!("{path}?debug=1"),
    };
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// The kind of profile a URL serves, from its last path segment (`heap`,
/// `allocs`, `goroutine` …), safe as part of a file name.
pub fn kind_of(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let path = path.split_once("://").map_or(path, |(_, rest)| rest);
    let segment = path
        .split_once('/')
        .and_then(|(_, p)| p.rsplit('/').find(|s| !s.is_empty()))
        .unwrap_or("profile");
    file_name_part(segment)
}

/// `<kind>-<UTC time>.pb.gz`, the time to the microsecond in a fixed-width
/// form (`20261129T214903.123456Z`), so that names sort in time order.
pub fn snapshot_file_name(kind: &str, at: Timestamp) -> String {
    format!(
        "{kind}-{}.{:06}Z.pb.gz",
        at.strftime("%Y%m%dT%H%M%S"),
        at.subsec_microsecond()
    )
}

/// What to write of a snapshot.
enum Body<'a> {
    /// The bytes served (a protobuf), gzipped when they are not yet.
    AsServed(&'a [u8]),
    /// The decoded profile, through the encoder.
    Encoded(&'a Profile),
}

/// Writes `body` to `dir/name` as a gzip'd protobuf through the one writer
/// ([`crate::input::output`]): a temporary file renamed into place, never over an
/// existing file, so a reader of `dir` never sees half a snapshot.
fn save(dir: &Path, name: &str, body: Body<'_>) -> Result<PathBuf> {
    use crate::input::output::{Existing, Failure, write_file};
    let path = dir.join(name);
    let written = write_file(&path, Existing::Refuse, |out| match body {
        Body::AsServed(bytes) if bytes.starts_with(&[0x1f, 0x8b]) => out.write_all(bytes),
        Body::AsServed(bytes) => {
            let mut gz = gzip(out);
            gz.write_all(bytes)?;
            gz.finish().map(drop)
        }
        Body::Encoded(profile) => encode_gzip(profile, out),
    });
    match written {
        Ok(()) => Ok(path),
        Err(Failure::Io(e) | Failure::Content(e)) => {
            Err(e).with_context(|| format!("saving snapshot '{}'", path.display()))
        }
    }
}

/// `1.5s`, `20s`, `2m30s`: a wait as a person reads it.
pub fn short_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        let s = ms as f64 / 1000.0;
        if ms.is_multiple_of(1000) {
            format!("{}s", ms / 1000)
        } else {
            format!("{s:.1}s")
        }
    } else {
        let s = d.as_secs();
        match s % 60 {
            0 => format!("{}m", s / 60),
            r => format!("{}m{r}s", s / 60),
        }
    }
}

/// Parses a watch interval or timeout: `500ms`, `10s`, `2m`, `1h` (jiff's
/// friendly format); it must be positive.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let parsed: jiff::SignedDuration = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (write e.g. 500ms, 10s, 2m)"))?;
    match Duration::try_from(parsed) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(format!("'{text}' is not a positive duration")),
    }
}

/// The last `keep` snapshots (or anything else), oldest first.
#[derive(Debug)]
pub struct Ring<T> {
    keep: usize,
    items: VecDeque<T>,
}

impl<T> Ring<T> {
    /// A ring of at most `keep` items (at least one).
    pub fn new(keep: usize) -> Ring<T> {
        Ring {
            keep: keep.max(1),
            items: VecDeque::new(),
        }
    }

    /// Adds `item` as the newest; returns the oldest when it had to go.
    pub fn push(&mut self, item: T) -> Option<T> {
        let dropped = if self.items.len() >= self.keep {
            self.items.pop_front()
        } else {
            None
        };
        self.items.push_back(item);
        dropped
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn keep(&self) -> usize {
        self.keep
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.items.iter()
    }

    pub fn first(&self) -> Option<&T> {
        self.items.front()
    }

    pub fn last(&self) -> Option<&T> {
        self.items.back()
    }

    pub fn into_vec(self) -> Vec<T> {
        self.items.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_last_path_segment() {
        assert_eq!(kind_of("http://h:6060/debug/pprof/heap"), "heap");
        assert_eq!(kind_of("http://h:6060/debug/pprof/heap?debug=1"), "heap");
        assert_eq!(kind_of("http://h:6060/debug/pprof/goroutine/"), "goroutine");
        assert_eq!(kind_of("http://h:6060"), "profile");
        assert_eq!(kind_of("http://h/x/../a b"), "a_b");
        assert_eq!(kind_of("http://h/.."), "profile");
    }

    #[test]
    fn heap_endpoints_are_polled_as_text_unless_told_otherwise() {
        let h = "http://h:6060/debug/pprof";
        for (url, want) in [
            (format!("{h}/heap"), format!("{h}/heap?debug=1")),
            (format!("{h}/allocs"), format!("{h}/allocs?debug=1")),
            (format!("{h}/heap/"), format!("{h}/heap/?debug=1")),
            (format!("{h}/heap?gc=1"), format!("{h}/heap?gc=1&debug=1")),
            (format!("{h}/heap?"), format!("{h}/heap?debug=1")),
            (format!("{h}/heap#x"), format!("{h}/heap?debug=1#x")),
            // The URL's own choice stands, whatever it is.
            (format!("{h}/heap?debug=0"), format!("{h}/heap?debug=0")),
            (
                format!("{h}/heap?gc=1&debug=2"),
                format!("{h}/heap?gc=1&debug=2"),
            ),
            // Only heap endpoints have MemStats to gain.
            (format!("{h}/goroutine"), format!("{h}/goroutine")),
            (
                format!("{h}/profile?seconds=5"),
                format!("{h}/profile?seconds=5"),
            ),
            (format!("{h}/mutex"), format!("{h}/mutex")),
            ("http://heap:6060".to_owned(), "http://heap:6060".to_owned()),
        ] {
            assert_eq!(poll_url(&url, false), want, "{url}");
        }
        // --proto keeps every URL as it is.
        assert_eq!(poll_url(&format!("{h}/heap"), true), format!("{h}/heap"));
        assert_eq!(
            poll_url(&format!("{h}/allocs?gc=1"), true),
            format!("{h}/allocs?gc=1")
        );
    }

    #[test]
    fn file_names_sort_in_time_order() {
        let times = [
            "2026-11-29T09:59:59.999999Z",
            "2026-11-29T10:00:00Z",
            "2026-11-29T10:00:00.000001Z",
            "2027-01-01T00:00:00Z",
        ];
        let names: Vec<String> = times
            .iter()
            .map(|t| snapshot_file_name("heap", t.parse().unwrap()))
            .collect();
        assert_eq!(names[1], "heap-20261129T100000.000000Z.pb.gz");
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(sorted, names);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let s = Duration::from_secs;
        let waits: Vec<Duration> = (1..=6).map(|n| backoff(s(10), n)).collect();
        assert_eq!(waits, [s(20), s(40), s(80), s(160), s(160), s(160)]);
        assert_eq!(backoff(s(60), 9), s(300));
        assert_eq!(backoff(s(600), 3), s(600));
        assert_eq!(backoff(s(1), 40), s(16));
    }

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(parse_duration("10ms"), Ok(Duration::from_millis(10)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("soon").is_err());
        assert_eq!(short_duration(Duration::from_millis(20)), "20ms");
        assert_eq!(short_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(short_duration(Duration::from_secs(150)), "2m30s");
    }

    #[test]
    fn a_ring_keeps_the_newest() {
        let mut ring = Ring::new(2);
        assert_eq!(ring.push(1), None);
        assert_eq!(ring.push(2), None);
        assert_eq!(ring.push(3), Some(1));
        assert_eq!(ring.into_vec(), [2, 3]);
    }

    #[test]
    fn a_failure_says_what_comes_next() {
        let mut f = Failure {
            poll: 4,
            in_a_row: 2,
            error: "reading profile 'u': fetching failed: http status: 404".to_owned(),
            retry_in: Some(Duration::from_secs(40)),
        };
        assert_eq!(
            f.to_string(),
            "poll 4 failed: reading profile 'u': fetching failed: http status: 404; retrying in 40s (2 failures in a row)"
        );
        f.retry_in = None;
        f.in_a_row = 1;
        assert!(f.to_string().ends_with("404; giving up"));
    }

    #[test]
    fn a_paused_control_has_no_next_poll() {
        let control = Control::detached();
        control.0.state.lock().unwrap().next_at = Some(Instant::now());
        assert!(control.next_poll().is_some());
        control.pause();
        assert!(control.is_paused() && control.next_poll().is_none());
        control.resume();
        assert!(control.next_poll().is_some());
    }
}
