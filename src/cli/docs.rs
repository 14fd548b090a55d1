//! `pprof-tui completions SHELL` and `pprof-tui man`: the shell completion
//! scripts and the manual page, both generated from the clap definition the
//! arguments are parsed with, so they can never disagree with it.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use clap_complete::Shell;

/// Arguments of `pprof-tui completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for. Install, for example, with
    /// `pprof-tui completions bash > ~/.local/share/bash-completion/completions/pprof-tui`.
    #[arg(value_enum)]
    shell: Shell,
}

/// Writes the completion script for `args.shell`.
pub fn completions(
    args: &CompletionsArgs,
    command: &mut clap::Command,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    clap_complete::generate(args.shell, command, "pprof-tui", out);
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `pprof-tui man`.
#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// The page of this command (`pprof-tui-top(1)`, ...); without it, the
    /// page of `pprof-tui` itself, which lists them.
    #[arg(value_name = "COMMAND")]
    command: Option<String>,
}

/// Writes a manual page, in roff: `pprof-tui man > pprof-tui.1`,
/// `pprof-tui man top > pprof-tui-top.1`.
pub fn man(args: &ManArgs, command: clap::Command, out: &mut dyn Write) -> Result<ExitCode> {
    let mut command = command.disable_help_subcommand(true);
    // Building gives each subcommand its page name (`pprof-tui-top`) and its
    // usage line's program name (`pprof-tui top`).
    command.build();
    let page = match &args.command {
        None => command,
        Some(name) => {
            let pages: Vec<&str> = command
                .get_subcommands()
                .filter(|c| !c.is_hide_set())
                .map(|c| c.get_name())
                .collect();
            let Some(sub) = command.find_subcommand(name).filter(|c| !c.is_hide_set()) else {
                return Err(super::usage(format!(
                    "no manual page for '{}' (there are: {})",
                    crate::safe_text::visible(name),
                    pages.join(", ")
                )));
            };
            sub.clone()
        }
    };
    clap_mangen::Man::new(page)
        .source(format!("pprof-tui {}", env!("CARGO_PKG_VERSION")))
        .render(out)
        .context("writing the manual page")?;
    Ok(ExitCode::SUCCESS)
}
