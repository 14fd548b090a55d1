//! What a newcomer meets first: `pprof-tui` alone shows the commands, the
//! help explains the interactive view, and the completion scripts and the
//! manual page come from the same clap definition as the parser.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod support;

use support::{pprof_tui, stdout_of};

const COMMANDS: [&str; 11] = [
    "top",
    "flamegraph",
    "diff",
    "trend",
    "explain",
    "leaks",
    "tags",
    "convert",
    "completions",
    "man",
    "glossary",
];

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

#[test]
fn bare_pprof_tui_shows_the_help_with_the_commands() {
    let output = pprof_tui().output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let help = String::from_utf8_lossy(&output.stderr);
    assert!(
        help.contains("Usage: pprof-tui [OPTIONS] <PROFILE>..."),
        "{help}"
    );
    assert!(help.contains("\nCommands:\n"), "{help}");
    for command in COMMANDS {
        assert!(
            help.contains(&format!("\n  {command} ")),
            "{command}: {help}"
        );
    }
    // The same text as --help, on stderr since nothing was asked for.
    assert_eq!(help, text(stdout_of(pprof_tui().arg("--help"))));
}

#[test]
fn the_root_help_explains_the_interactive_view() {
    let help = text(stdout_of(pprof_tui().arg("--help")));
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("with several it opens on the Trend view"),
        "{help}"
    );
    assert!(flat.contains("press ? for the list of keys"), "{help}");
    assert!(
        flat.contains("pprof-tui completions bash|zsh|fish"),
        "{help}"
    );
}

#[test]
fn format_and_unit_say_what_they_do() {
    for command in ["top", "diff", "trend"] {
        let help = text(stdout_of(pprof_tui().args([command, "--help"])));
        let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("--format <FORMAT> Output format: text"),
            "{command}: {help}"
        );
        assert!(
            flat.contains(
                "Defaults follow one rule: a report pprof also prints (`top`) keeps pprof's default, minimum; \
                 `diff` and `trend`, whose rows hold values of very different sizes, use auto"
            ),
            "{command}: {help}"
        );
    }
}

#[test]
fn completion_scripts_know_the_commands() {
    let bash = text(stdout_of(pprof_tui().args(["completions", "bash"])));
    assert!(bash.starts_with("_pprof__tui() {"), "{bash}");
    assert!(bash.contains("complete -F _pprof__tui"), "{bash}");
    for command in COMMANDS {
        assert!(
            bash.contains(&format!("pprof__tui,{command})")),
            "{command}"
        );
    }
    assert!(bash.contains("--diff-base"));
    let zsh = text(stdout_of(pprof_tui().args(["completions", "zsh"])));
    assert!(zsh.starts_with("#compdef pprof-tui"), "{zsh}");
    let fish = text(stdout_of(pprof_tui().args(["completions", "fish"])));
    for command in COMMANDS {
        assert!(
            fish.contains(&format!("-a \"{command}\"")),
            "{command}: {fish}"
        );
    }
    let output = pprof_tui().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_manual_page_lists_the_commands() {
    let page = text(stdout_of(pprof_tui().arg("man")));
    assert!(page.contains("\n.TH pprof-tui 1 "), "{page}");
    assert!(page.contains("\n.SH SUBCOMMANDS\n"), "{page}");
    for command in COMMANDS {
        assert!(
            page.contains(&format!("pprof\\-tui\\-{command}(1)")),
            "{command}: {page}"
        );
    }
    // The after-help text is there too.
    assert!(page.contains("press ? for the list of keys"), "{page}");
    let top = text(stdout_of(pprof_tui().args(["man", "top"])));
    assert!(top.contains("\n.TH pprof-tui-top 1 "), "{top}");
    assert!(top.contains("\\fBpprof\\-tui top\\fR"), "{top}");
    assert!(top.contains("\\-\\-diff\\-base"), "{top}");
    let output = pprof_tui().args(["man", "nope"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "pprof-tui: no manual page for 'nope' (there are: top, flamegraph, diff, trend, explain, leaks, tags, convert, completions, man, glossary)\n"
    );
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let version = text(stdout_of(pprof_tui().arg("--version")));
    let expected = match std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
    {
        Ok(out) if out.status.success() => format!(
            "pprof-tui {} (commit {})\n",
            env!("CARGO_PKG_VERSION"),
            String::from_utf8_lossy(&out.stdout).trim()
        ),
        _ => format!("pprof-tui {}\n", env!("CARGO_PKG_VERSION")),
    };
    assert_eq!(version, expected);
}

#[test]
fn the_glossary_defines_the_report_words() {
    let glossary = text(stdout_of(pprof_tui().arg("glossary")));
    for term in ["flat", "cum", "inuse / alloc", "score", "suspect", "churn"] {
        assert!(
            glossary.contains(&format!("\n{term}\n   "))
                || glossary.starts_with(&format!("{term}\n")),
            "{term}: {glossary}"
        );
    }
    // `help glossary` shows the same text (clap's help of the subcommand).
    let help = text(stdout_of(pprof_tui().args(["help", "glossary"])));
    assert!(help.contains(glossary.trim_end()), "{help}");
}
