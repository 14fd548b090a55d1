//! `pprof-tui convert IN… -o OUT.pb.gz`: any source pprof-tui reads — a
//! legacy `debug=1` text profile, a URL, several profiles merged as `top`
//! merges them — written as a gzip'd pprof protobuf that other tools read.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{Input, TlsArgs, usage, warn};
use crate::analysis::Study;
use crate::export::{ExportError, export_proto_file};
use crate::input::source::{DEFAULT_MAX_DOWNLOAD, LoadOptions, Source, load_all};
use crate::profile::{DEFAULT_MAX_DECOMPRESSED, DecodeOptions, encode_gzip};

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The profiles: files, '-' for stdin, or URLs. Several are merged (the
    /// sample types they share, values summed), as `top` merges them.
    #[arg(value_name = "PROFILE", required = true)]
    profiles: Vec<String>,

    /// Where to write the gzip'd protobuf (replaced atomically; '-' for
    /// stdout, unless it is a terminal).
    #[arg(long, short = 'o', value_name = "OUT.pb.gz")]
    output: PathBuf,

    /// Refuse profiles whose decompressed size exceeds this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_DECOMPRESSED)]
    max_decompressed: u64,

    /// Refuse HTTP responses larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_DOWNLOAD)]
    max_download: u64,

    #[command(flatten)]
    tls: TlsArgs,
}

pub fn run(args: &ConvertArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let to_stdout = args.output.as_os_str() == "-";
    if to_stdout && std::io::stdout().is_terminal() {
        return Err(usage(
            "not writing a gzip'd protobuf to a terminal; redirect stdout or use -o FILE.pb.gz",
        ));
    }
    let inputs = Input::parse_all(&args.profiles);
    let sources: Vec<Source> = inputs.iter().map(|i| i.source.clone()).collect();
    let options = LoadOptions {
        decode: DecodeOptions {
            max_decompressed: args.max_decompressed,
            ..DecodeOptions::default()
        },
        max_download: args.max_download,
        tls: args.tls.options(),
    };
    let study = Study::of(load_all(&sources, &options)?)?;
    for note in study.notes() {
        warn(&note);
    }
    let profile = study.into_profile()?;
    if to_stdout {
        encode_gzip(&profile, out).map_err(ExportError::Io)?;
    } else {
        // The error names the file already ("writing 'X' failed: …").
        export_proto_file(&profile, &args.output)?;
    }
    Ok(ExitCode::SUCCESS)
}
