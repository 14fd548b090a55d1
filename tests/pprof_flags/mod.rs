//! `go tool pprof` flags, as written in testdata/oracle/MANIFEST.tsv,
//! translated into the pprof-tui `top` command line that asks for the same,
//! so that tests build their options through the CLI's own resolution
//! (`pprof_tui::cli::TopRequest::parse`).

use std::path::Path;

/// The `top` arguments for `flags` over `profiles` (paths relative to
/// testdata/); panics on a flag it does not know, naming `oracle`.
pub fn top_args(oracle: &str, flags: &[String], profiles: &[String]) -> Vec<String> {
    let path = |rel: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(rel)
            .to_string_lossy()
            .into_owned()
    };
    let mut args: Vec<String> = Vec::new();
    for flag in flags {
        let (name, value) = flag
            .split_once('=')
            .map_or((flag.as_str(), ""), |(n, v)| (n, v));
        let with_value = |option: &str| [option.to_owned(), value.to_owned()];
        match name {
            "-top" => {}
            "-nodecount" => args.extend(with_value("--nodecount")),
            "-nodefraction" => args.extend(with_value("--node-fraction")),
            "-unit" => args.extend(with_value("--unit")),
            "-sample_index" => args.extend(with_value("--sample-index")),
            "-cum" => args.push("--cum".to_owned()),
            "-functions" | "-filefunctions" | "-files" | "-lines" | "-addresses" => {
                args.extend(["--granularity".to_owned(), name[1..].to_owned()])
            }
            "-focus" | "-ignore" | "-hide" | "-show" | "-tagfocus" | "-tagignore" => {
                args.extend(with_value(&format!("-{name}")))
            }
            "-diff_base" => args.extend(["--diff-base".to_owned(), path(value)]),
            "-base" => args.extend(["--base".to_owned(), path(value)]),
            "-normalize" => args.push("--normalize".to_owned()),
            "-symbolize" if value == "demangle=full" => {
                args.extend(["--demangle", "full"].map(String::from))
            }
            "-symbolize" if value == "demangle=templates" => {
                args.extend(["--demangle", "templates"].map(String::from))
            }
            other => panic!("{oracle}: flag {other} is not translated by this test"),
        }
    }
    args.extend(profiles.iter().map(|p| path(p)));
    args
}
