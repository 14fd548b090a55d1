//! Command-line parsing and dispatch. Each subcommand lives in its own
//! module with its arguments and its `run`.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::analysis::diff::Breach;
use crate::analysis::limit::GrowthLimit;
use crate::analysis::{Demangle, Filters, Granularity, SortBy, Stacks};
use crate::input::source::DEFAULT_MAX_DOWNLOAD;
use crate::profile::{DEFAULT_MAX_DECOMPRESSED, Profile, UnknownSampleType, ValueType};
use crate::report::units::{percentage, signed_label};

pub use request::{Input, View};
pub use top::TopRequest;

mod convert;
mod diff;
mod docs;
pub(crate) mod explain;
mod flamegraph;
pub(crate) mod leaks;
pub mod request;
mod tags;
pub mod top;
pub mod trend;
mod tui;
mod watch;

/// Columns the glossary is wrapped to, for `glossary` and its help alike.
const GLOSSARY_WIDTH: usize = 80;

/// Exit code for a usage error (clap uses the same).
pub const EXIT_USAGE: u8 = 2;

/// A mistake in the command line found after parsing (a bad regex, an
/// unknown sample type): reported like any error, but with exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Wraps an error as a usage error, keeping its message.
pub fn usage(err: impl std::fmt::Display) -> anyhow::Error {
    UsageError(err.to_string()).into()
}

/// Exit code when `--fail-on-growth` finds a site that grew past the limit.
pub const EXIT_GROWTH: u8 = 3;

/// Read Go pprof profiles in the terminal: rank allocation sites, diff heap
/// snapshots, find leaks, export flame graphs.
#[derive(Debug, Parser)]
#[command(
    name = "pprof-tui",
    version = env!("PPROF_TUI_VERSION"),
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    arg_required_else_help = true,
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Profile(s) to open in the interactive view: a file, '-' for stdin, or a URL.
    /// Several open on the Trend view (leak suspects across the snapshots) unless
    /// --merge is given.
    #[arg(value_name = "PROFILE", required = true)]
    profiles: Vec<String>,

    #[command(flatten)]
    tui: tui::TuiArgs,
}

/// The end of the root help: what the interactive view does with several
/// profiles, and where its keys are listed.
const AFTER_HELP: &str = "\
Without a command, pprof-tui opens the interactive view (it needs a terminal). \
With one PROFILE it shows that profile; with several it opens on the Trend view, \
leak suspects across the snapshots, and --merge opens them merged \
into one profile instead. Inside the view, press ? for the list of keys; q quits.

Shell completions: pprof-tui completions bash|zsh|fish. Manual page: pprof-tui man. \
The words the reports use: pprof-tui help glossary.";

#[derive(Debug, Subcommand)]
enum Command {
    /// Rank nodes by flat or cumulative value, like `go tool pprof -top`.
    Top(top::TopArgs),
    /// Write an SVG flame graph (or folded stacks), optionally differential.
    Flamegraph(flamegraph::FlamegraphArgs),
    /// Compare two profiles: every site's base and new value, largest growth first.
    Diff(diff::DiffArgs),
    /// Find leak suspects across several snapshots: sites that keep growing.
    Trend(trend::TrendArgs),
    /// Explain a heap profile's allocation sites: retained, churn, large or
    /// leaking, and why on the heap (the compiler's escape analysis).
    Explain(explain::ExplainArgs),
    /// CI gate on goroutine leaks: those the runtime proved (goroutineleak
    /// profiles, `(leaked)` in dumps) and groups growing across snapshots;
    /// exit code 3 when any remain after the ignores.
    Leaks(leaks::LeaksArgs),
    /// Label keys and values with the share of the total each carries,
    /// like `go tool pprof -tags`.
    Tags(tags::TagsArgs),
    /// Write any profile pprof-tui reads (legacy text, a URL, several files
    /// merged as `top` merges them) as a gzip'd pprof protobuf.
    Convert(convert::ConvertArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell).
    Completions(docs::CompletionsArgs),
    /// Print the manual page (roff) to standard output.
    Man(docs::ManArgs),
    /// Explain the words the reports use: flat, cum, inuse vs alloc, score,
    /// suspect, the explain classes…
    #[command(long_about = crate::glossary::text(GLOSSARY_WIDTH))]
    Glossary,
}

/// Options shared by every report: what to measure, at which granularity,
/// through which filters.
#[derive(Debug, Clone, Args)]
pub struct ViewArgs {
    /// Sample type to show, by name (e.g. inuse_space, alloc_objects) or index.
    #[arg(long = "sample-index", short = 'i', value_name = "NAME|N")]
    pub sample_index: Option<String>,

    /// How frames are grouped into nodes: functions, filefunctions, files,
    /// lines, addresses, or stacks (one row per whole stack; `diff` and
    /// `trend` use it for goroutine profiles unless told otherwise)
    /// [default: functions]
    #[arg(long, short = 'g', value_name = "G", value_parser = parse_granularity)]
    pub granularity: Option<Granularity>,

    /// Keep only samples with a frame matching this regex (function, file or mapping).
    #[arg(long, value_name = "RE")]
    pub focus: Option<String>,

    /// Drop samples with a frame matching this regex.
    #[arg(long, value_name = "RE")]
    pub ignore: Option<String>,

    /// Remove frames matching this regex from stacks.
    #[arg(long, value_name = "RE")]
    pub hide: Option<String>,

    /// Keep only frames matching this regex.
    #[arg(long, value_name = "RE")]
    pub show: Option<String>,

    /// Keep samples whose labels match: `[key=]regex[,regex]` or `[key=]low:high` (e.g. `bytes=1kb:`).
    /// As in pprof, a range is compared in the unit it is written in: write `8B`, not `8`, for bytes.
    #[arg(long, value_name = "FILTER")]
    pub tagfocus: Option<String>,

    /// Drop samples whose labels match (same syntax as --tagfocus).
    #[arg(long, value_name = "FILTER")]
    pub tagignore: Option<String>,

    /// Add label values as frames at the root of every stack, as pprof
    /// -tagroot: comma-separated keys, the first at the new root.
    #[arg(long, value_name = "KEYS")]
    pub tagroot: Option<String>,

    /// Add label values as frames at the leaf of every stack, as pprof
    /// -tagleaf: comma-separated keys, the last at the new leaf.
    #[arg(long, value_name = "KEYS")]
    pub tagleaf: Option<String>,

    /// Refuse profiles whose decompressed size exceeds this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_DECOMPRESSED)]
    pub max_decompressed: u64,

    /// Refuse HTTP responses larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_DOWNLOAD)]
    pub max_download: u64,

    #[command(flatten)]
    pub tls: TlsArgs,
}

/// Certificates for `https://` profile URLs, spelled as pprof spells them
/// (`--tls_ca` …) or in this tool's style (`--tls-ca` …).
#[derive(Debug, Clone, Default, Args)]
pub struct TlsArgs {
    /// PEM file of CA certificates to trust for https URLs, instead of the built-in (Mozilla) roots.
    #[arg(long, alias = "tls_ca", value_name = "PEM")]
    pub tls_ca: Option<std::path::PathBuf>,

    /// PEM client certificate for https URLs (mutual TLS; needs --tls-key).
    #[arg(long, alias = "tls_cert", value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,

    /// PEM private key of --tls-cert.
    #[arg(long, alias = "tls_key", value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
}

impl TlsArgs {
    pub(crate) fn options(&self) -> crate::input::source::TlsOptions {
        crate::input::source::TlsOptions {
            ca: self.tls_ca.clone(),
            cert: self.tls_cert.clone(),
            key: self.tls_key.clone(),
        }
    }
}

fn parse_granularity(s: &str) -> Result<Granularity, String> {
    s.parse()
}

/// Output format of the script-facing subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// How a ranked report is cut and printed: the options `top`, `diff` and
/// `trend` share.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Show at most N rows (0 = all). By default all, except in `diff`'s
    /// text, which shows the top 20 and says how many more there are.
    #[arg(long = "nodecount", short = 'n', value_name = "N")]
    pub node_count: Option<usize>,

    /// Rank by cumulative value instead of flat (`diff`: by the change of
    /// cum; `trend`: following each site's cum).
    #[arg(long)]
    pub cum: bool,

    /// Unit for text values: minimum (one unit per table, as pprof), auto
    /// (one per value), or a unit such as B, kB, MB, ns, ms. Defaults follow
    /// one rule: a report pprof also prints (`top`) keeps pprof's default,
    /// minimum; `diff` and `trend`, whose rows hold values of very different
    /// sizes, use auto (and read minimum as auto).
    #[arg(long, value_name = "UNIT")]
    pub unit: Option<String>,

    /// Output format: text (a table; pprof's for `top`) or json (one object
    /// with exact integer values, for scripts).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Rows a capped text report shows unless `-n` says otherwise.
pub(crate) const SHOWN_BY_DEFAULT: usize = 20;

/// How many rows to show (0 = all): `-n` when given; otherwise all in JSON
/// (scripts get every row) and in uncapped reports, [`SHOWN_BY_DEFAULT`]
/// in a capped text report.
pub(crate) fn shown_rows(given: Option<usize>, format: Format, capped: bool) -> usize {
    match given {
        Some(n) => n,
        None if capped && format == Format::Text => SHOWN_BY_DEFAULT,
        None => 0,
    }
}

/// Which rule picks a report's default unit (see [`ReportArgs::unit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Report {
    /// A report pprof also prints: pprof's default, `minimum`.
    AsPprof,
    /// A comparison (`diff`, `trend`): `auto`.
    Comparison,
}

impl ReportArgs {
    /// `--cum` as a sort order.
    pub(crate) fn sort_by(&self) -> SortBy {
        if self.cum { SortBy::Cum } else { SortBy::Flat }
    }

    /// `-n`, or the default: all rows, or [`SHOWN_BY_DEFAULT`] for a text
    /// report that is `capped` (one whose long tail is mostly noise).
    pub(crate) fn node_count(&self, capped: bool) -> usize {
        shown_rows(self.node_count, self.format, capped)
    }

    /// `--unit`, or the default of `report`.
    pub(crate) fn unit(&self, report: Report) -> String {
        self.unit.clone().unwrap_or_else(|| {
            match report {
                Report::AsPprof => "minimum",
                Report::Comparison => "auto",
            }
            .to_owned()
        })
    }
}

/// `--fail-on-growth`, shared by `diff` and `trend`, and the exit code 3
/// it leads to.
#[derive(Debug, Clone, Args)]
pub struct GrowthArgs {
    /// Exit with code 3 when a site grew by more than LIMIT: an amount in
    /// the sample type's units (10MB, 250ms, 100) or a percentage (5%) of
    /// the starting total. `diff`: growth from the base, percentages of the
    /// base total; `trend`: a leak suspect's growth from the first snapshot
    /// to the last, percentages of the first snapshot's total.
    #[arg(long, value_name = "LIMIT", value_parser = limit_syntax)]
    pub fail_on_growth: Option<String>,
}

/// How a breach of the growth limit is told: `{subject}NAME grew by X (P
/// of {of_total}){span} over the limit of LIMIT; N more {noun}s are over
/// it`.
pub(crate) struct BreachWording<'a> {
    pub subject: &'a str,
    pub of_total: &'a str,
    pub span: String,
    pub noun: &'a str,
}

impl GrowthArgs {
    /// The limit for the sample type ranked (a usage error when a
    /// percentage or unit does not fit it).
    pub(crate) fn limit(&self, sample_type: &ValueType) -> Result<Option<GrowthLimit>> {
        self.fail_on_growth
            .as_deref()
            .map(|spec| GrowthLimit::parse(spec, sample_type))
            .transpose()
            .map_err(|e| UsageError(e.to_string()).into())
    }

    /// The end of a report gated by the limit: when a site went past it
    /// (`over`, worst first), the report is flushed, the reason goes to
    /// stderr on one line and the exit code is 3.
    pub(crate) fn gate(
        limit: Option<&GrowthLimit>,
        over: &[Breach],
        (unit, start_total): (&str, i64),
        wording: BreachWording<'_>,
        out: &mut dyn Write,
    ) -> Result<ExitCode> {
        let (Some(limit), Some(worst)) = (limit, over.first()) else {
            return Ok(ExitCode::SUCCESS);
        };
        let reason = format!(
            "growth limit exceeded: {}{} grew by {} ({} of {}){} over the limit of {}{}",
            wording.subject,
            worst.name,
            signed_label(worst.growth, unit, "auto"),
            percentage(worst.growth, start_total).trim(),
            wording.of_total,
            wording.span,
            limit.spec(),
            more_over(over.len() - 1, wording.noun)
        );
        out.flush()?;
        eprintln!("pprof-tui: {}", one_line(&reason));
        Ok(ExitCode::from(EXIT_GROWTH))
    }
}

/// Checks the form of a `--fail-on-growth` limit at parse time.
fn limit_syntax(spec: &str) -> Result<String, String> {
    GrowthLimit::check_syntax(spec)
        .map(|_| spec.to_owned())
        .map_err(|e| e.to_string())
}

/// `; 2 more sites are over it`, or nothing.
fn more_over(n: usize, what: &str) -> String {
    match n {
        0 => String::new(),
        1 => format!("; 1 more {what} is over it"),
        n => format!("; {n} more {what}s are over it"),
    }
}

/// pprof's notes on the filters, on stderr, in pprof's words: how a
/// numeric tag filter was read ("tagfocus:Interpreted '1kb:' as range, not
/// regexp") and which filters matched nothing ("TagFocus expression
/// matched no samples"), with a hint when a number without a unit was
/// probably meant in bytes. Regexes match names demangled as `demangle`
/// says, as the report's do.
pub fn note_filters(profile: &Profile, filters: &Filters, demangle: Demangle) {
    for line in filter_notes(profile, filters, demangle) {
        eprintln!("pprof-tui: {}", one_line(&line));
    }
}

/// The lines [`note_filters`] prints.
pub(crate) fn filter_notes(
    profile: &Profile,
    filters: &Filters,
    demangle: Demangle,
) -> Vec<String> {
    let mut notes = Vec::new();
    if filters.is_empty() {
        return notes;
    }
    let tags = [
        ("tagfocus", "TagFocus", &filters.tag_focus),
        ("tagignore", "TagIgnore", &filters.tag_ignore),
    ];
    for (option, _, tag) in tags {
        if let Some(note) = tag.as_ref().and_then(|t| t.range_note()) {
            notes.push(format!("{option}:{note}"));
        }
    }
    let matches =
        Stacks::with_demangle(profile, Granularity::Functions, filters, demangle).filter_matches();
    let regexes = [
        ("Focus", filters.focus.is_some(), matches.focus),
        ("Ignore", filters.ignore.is_some(), matches.ignore),
        ("Hide", filters.hide.is_some(), matches.hide),
        ("Show", filters.show.is_some(), matches.show),
    ];
    for (name, set, matched) in regexes {
        if set && !matched {
            notes.push(format!("{name} expression matched no samples"));
        }
    }
    for ((option, name, tag), matched) in tags
        .into_iter()
        .zip([matches.tag_focus, matches.tag_ignore])
    {
        let Some(tag) = tag else { continue };
        if matched {
            continue;
        }
        notes.push(format!("{name} expression matched no samples"));
        if let Some(bytes) = tag.in_bytes() {
            notes.push(format!(
                "hint: a number without a unit only matches labels without one; for sizes in bytes, write --{option}={bytes}"
            ));
        }
    }
    notes
}

/// Prints a warning on stderr, on one line.
pub fn warn(message: &str) {
    eprintln!("pprof-tui: warning: {}", one_line(message));
}

/// Parses arguments, runs, prints any error as one line, returns the exit code.
pub fn main() -> ExitCode {
    crate::input::output::tolerate_file_size_limit();
    let cli = parse(std::env::args_os()).unwrap_or_else(|e| e.exit());
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = run(cli, &mut out).and_then(|code| {
        out.flush().map_err(crate::export::ExportError::Io)?;
        Ok(code)
    });
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pprof-tui: {}", one_line(&format!("{err:#}")));
            // A sample type the profile lacks was named on the command line
            // (the TUI finds out while loading, past the CLI).
            let usage = err.downcast_ref::<UsageError>().is_some()
                || err.downcast_ref::<UnknownSampleType>().is_some();
            if usage {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Leaves `value` for the process's exit to free: a command's model is
/// dropped just before the process ends, and the system takes back all its
/// memory at once, while dropping it frees it block by block (2 ms of
/// `top`'s 30 on the Go compiler's heap profile). Only for what a command
/// run by [`main`] holds at its end.
pub(crate) fn leave_to_exit<T>(value: T) {
    std::mem::forget(value);
}

/// Parses a command line (`argv[0]` first) into clap's structs.
fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(args)
}

fn run(cli: Cli, out: &mut dyn Write) -> Result<ExitCode> {
    match cli.command {
        Some(Command::Top(args)) => top::run(&args, out),
        Some(Command::Flamegraph(args)) => flamegraph::run(&args, out),
        Some(Command::Diff(args)) => diff::run(&args, out),
        Some(Command::Trend(args)) => trend::run(&args, out),
        Some(Command::Explain(args)) => explain::run(&args, out),
        Some(Command::Convert(args)) => convert::run(&args, out),
        Some(Command::Tags(args)) => tags::run(&args, out),
        Some(Command::Leaks(args)) => leaks::run(&args, out),
        Some(Command::Completions(args)) => docs::completions(&args, &mut Cli::command(), out),
        Some(Command::Man(args)) => docs::man(&args, Cli::command(), out),
        Some(Command::Glossary) => {
            out.write_all(crate::glossary::text(GLOSSARY_WIDTH).as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        None => tui::run(&cli.profiles, &cli.tui),
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Keeps an error on one line: control characters from hostile input are escaped.
fn one_line(message: &str) -> String {
    crate::safe_text::visible(message).into_owned()
}
