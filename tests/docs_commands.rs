//! Every command the README and `docs/` show on the shipped profiles runs
//! as written. The rules (docs/architecture.md, "Commands in the docs are
//! tested"): in a fenced block, a line starting `pprof-tui ` (or `$ pprof-tui `)
//! that names a path under `testdata/` is run by `sh` with the built binary
//! first on `PATH`, in a scratch directory where `testdata` links to the
//! repository's, so output files land there; it must exit 0, or N when the
//! line ends in a `# exit N` comment. Output pasted under a `$ pprof-tui`
//! line must appear in its standard output, line by line in order (a line
//! `…` stands for lines left out). Skipped: the interactive form (no
//! subcommand: it needs a terminal), `--watch` and URLs (they need a
//! network), and pipelines (`|`: the last command's code would hide ours).
//! The relative links between the documents must lead to a file and heading.

#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A documented command: where it is, the shell line, the exit code wanted,
/// and the output pasted under it.
#[derive(Debug, PartialEq)]
struct DocCommand {
    place: String,
    line: String,
    code: i32,
    output: Vec<String>,
}

/// The commands of one markdown text that the rules say to run.
fn extract(name: &str, markdown: &str) -> Vec<DocCommand> {
    let mut commands: Vec<DocCommand> = Vec::new();
    let mut fenced = false;
    let mut pending: Option<(usize, String)> = None;
    // Whether the lines that follow are the last command's pasted output.
    let mut pasting = false;
    for (i, raw) in markdown.lines().enumerate() {
        if raw.trim_start().starts_with("```") {
            fenced = !fenced;
            pending = None;
            pasting = false;
            continue;
        }
        if !fenced {
            continue;
        }
        if pasting && !raw.starts_with("$ ") && !raw.starts_with("pprof-tui ") {
            if let Some(last) = commands.last_mut()
                && raw.trim() != "…"
            {
                last.output.push(raw.trim_end().to_owned());
            }
            continue;
        }
        pasting = false;
        // A line ending in `\` continues on the next, as in a shell.
        let (start, joined) = match pending.take() {
            Some((start, before)) => (start, format!("{before} {}", raw.trim())),
            None => (i + 1, raw.trim().to_owned()),
        };
        if let Some(head) = joined.strip_suffix('\\') {
            pending = Some((start, head.trim_end().to_owned()));
            continue;
        }
        let prompt = joined.strip_prefix("$ ");
        if let Some(command) = runnable(prompt.unwrap_or(&joined)) {
            commands.push(DocCommand {
                place: format!("{name}:{start}"),
                line: command.0,
                code: command.1,
                output: Vec::new(),
            });
            pasting = prompt.is_some();
        }
    }
    commands
}

/// The shell line and expected exit code of `line`, when the rules run it.
fn runnable(line: &str) -> Option<(String, i32)> {
    let rest = line.strip_prefix("pprof-tui ")?;
    let (command, comment) = match rest.find(" #") {
        Some(at) => (&rest[..at], rest[at + 2..].trim()),
        None => (rest, ""),
    };
    let words: Vec<&str> = command.split_whitespace().collect();
    let subcommand = words
        .first()
        .is_some_and(|w| w.chars().all(|c| c.is_ascii_lowercase()));
    let names_testdata = words.iter().any(|w| w.contains("testdata/"));
    let network = words.iter().any(|w| *w == "--watch" || w.contains("://"));
    if !subcommand || !names_testdata || network || command.contains('|') {
        return None;
    }
    let code = comment
        .strip_prefix("exit ")
        .and_then(|c| c.split(|ch: char| !ch.is_ascii_digit()).next())
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Some((format!("pprof-tui {}", command.trim()), code))
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `command` as the rules say: `Err` names what went wrong.
fn check(command: &DocCommand, scratch: &Path) -> Result<(), String> {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_pprof-tui"));
    let bin_dir = binary.parent().expect("the binary's directory");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(&command.line)
        .current_dir(scratch)
        .env("PATH", path)
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| format!("{}: cannot run sh: {e}", command.place))?;
    let code = output.status.code().unwrap_or(-1);
    if code != command.code {
        return Err(format!(
            "{}: `{}` exited with {code}, the doc expects {}; stderr: {}",
            command.place,
            command.line,
            command.code,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut printed = stdout.lines().map(str::trim_end);
    for pasted in &command.output {
        if !printed.any(|line| line == pasted) {
            return Err(format!(
                "{}: `{}` does not print, in this order, the line\n{pasted}\nIt printed:\n{stdout}",
                command.place, command.line
            ));
        }
    }
    Ok(())
}

/// A scratch directory whose `testdata` is the repository's.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a scratch directory");
    std::os::unix::fs::symlink(repo().join("testdata"), dir.path().join("testdata"))
        .expect("link testdata");
    dir
}

/// README.md and every docs/*.md, by name relative to the repository.
fn documents() -> Vec<(String, String)> {
    let mut names = vec![PathBuf::from("README.md")];
    let mut guides: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/")
        .map(|e| e.expect("a docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| p.strip_prefix(repo()).expect("under the repo").to_owned())
        .collect();
    guides.sort();
    names.extend(guides);
    names
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(repo().join(&n)).expect("read a document");
            (n.display().to_string(), text)
        })
        .collect()
}

#[test]
fn every_documented_command_on_testdata_runs_as_written() {
    let scratch = scratch();
    let commands: Vec<DocCommand> = documents()
        .iter()
        .flat_map(|(name, text)| extract(name, text))
        .collect();
    // The README's leak hunt alone shows more than this; an extractor that
    // finds nothing must not pass.
    assert!(commands.len() >= 10, "only {commands:#?}");
    let failures: Vec<String> = commands
        .iter()
        .filter_map(|c| check(c, scratch.path()).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const SAMPLE: &str = "\
Text, not a command: pprof-tui top testdata/leaky/heap-3.pb.gz

```
$ pprof-tui top -n 3 testdata/leaky/heap-3.pb.gz
      flat  flat%   sum%        cum   cum%
pprof-tui top --no-such-flag testdata/leaky/heap-3.pb.gz
pprof-tui diff testdata/leaky/heap-1.pb.gz testdata/leaky/heap-3.pb.gz \\
    --fail-on-growth 500kB   # exit 3: main.(*Cache).Put grew more
pprof-tui trend testdata/leaky/heap-1.pb.gz testdata/leaky/heap-3.pb.gz   # exit 3
pprof-tui testdata/leaky/heap-3.pb.gz
pprof-tui --diff-base testdata/leaky/heap-1.pb.gz testdata/leaky/heap-3.pb.gz
pprof-tui trend --watch 1s --count 2 http://127.0.0.1:1/debug/pprof/heap
pprof-tui top heap.pb.gz
pprof-tui top --format json testdata/leaky/heap-3.pb.gz | head -c 10
$ pprof-tui top -n 1 testdata/leaky/heap-3.pb.gz
…
 1152.27kB 44.77% 44.77%  1152.27kB 44.77%  main.notPrinted
```
";

#[test]
fn the_extractor_follows_the_rules() {
    let found = extract("sample.md", SAMPLE);
    let lines: Vec<(&str, &str, i32)> = found
        .iter()
        .map(|c| (c.place.as_str(), c.line.as_str(), c.code))
        .collect();
    let outputs: Vec<&[String]> = found.iter().map(|c| c.output.as_slice()).collect();
    assert_eq!(
        outputs,
        [
            &["      flat  flat%   sum%        cum   cum%".to_owned()][..],
            &[],
            &[],
            &[],
            &[" 1152.27kB 44.77% 44.77%  1152.27kB 44.77%  main.notPrinted".to_owned()],
        ]
    );
    assert_eq!(
        lines,
        [
            (
                "sample.md:4",
                "pprof-tui top -n 3 testdata/leaky/heap-3.pb.gz",
                0
            ),
            (
                "sample.md:6",
                "pprof-tui top --no-such-flag testdata/leaky/heap-3.pb.gz",
                0
            ),
            (
                "sample.md:7",
                "pprof-tui diff testdata/leaky/heap-1.pb.gz testdata/leaky/heap-3.pb.gz \
                 --fail-on-growth 500kB",
                3
            ),
            (
                "sample.md:9",
                "pprof-tui trend testdata/leaky/heap-1.pb.gz testdata/leaky/heap-3.pb.gz",
                3
            ),
            (
                "sample.md:15",
                "pprof-tui top -n 1 testdata/leaky/heap-3.pb.gz",
                0
            ),
        ]
    );
}

/// The proof that a broken command fails the test: of the sample's five,
/// the bad flag (exit 2), the trend that does not exit 3 and the output
/// that is not printed are reported.
#[test]
fn a_broken_documented_command_is_reported() {
    let scratch = scratch();
    let results: Vec<Result<(), String>> = extract("sample.md", SAMPLE)
        .iter()
        .map(|c| check(c, scratch.path()))
        .collect();
    assert!(results[0].is_ok(), "{:?}", results[0]);
    let broken = results[1].as_ref().unwrap_err();
    assert!(
        broken.starts_with("sample.md:6: `pprof-tui top --no-such-flag")
            && broken.contains("exited with 2, the doc expects 0"),
        "{broken}"
    );
    assert!(results[2].is_ok(), "{:?}", results[2]);
    let wrong_code = results[3].as_ref().unwrap_err();
    assert!(
        wrong_code.contains("exited with 0, the doc expects 3"),
        "{wrong_code}"
    );
    let wrong_output = results[4].as_ref().unwrap_err();
    assert!(
        wrong_output.starts_with(
            "sample.md:15: `pprof-tui top -n 1 testdata/leaky/heap-3.pb.gz` does not print, \
             in this order, the line\n 1152.27kB 44.77% 44.77%  1152.27kB 44.77%  main.notPrinted\n"
        ),
        "{wrong_output}"
    );
}

/// GitHub's anchor for a heading: lower case, spaces to `-`, punctuation
/// other than `-` and `_` dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The relative links `[text](target)` of a markdown text, outside code.
fn links(markdown: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced {
            continue;
        }
        // Inline code is not a link: drop the parts between backticks.
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        for (at, _) in prose.match_indices("](") {
            if let Some(end) = prose[at + 2..].find(')') {
                let target = &prose[at + 2..at + 2 + end];
                if !target.contains("://") && !target.starts_with("mailto:") {
                    found.push(target.to_owned());
                }
            }
        }
    }
    found
}

/// The guides link to each other by file and heading: a renamed heading or
/// a moved guide must not leave a link to nowhere.
#[test]
fn every_relative_link_in_the_docs_resolves() {
    let mut broken = Vec::new();
    for (name, text) in documents() {
        let dir = repo().join(&name);
        let dir = dir.parent().expect("a document's directory");
        for target in links(&text) {
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let path = if file.is_empty() {
                repo().join(&name)
            } else {
                dir.join(file)
            };
            if !path.exists() {
                broken.push(format!("{name}: ({target}): no file {}", path.display()));
                continue;
            }
            if anchor.is_empty() || path.extension().is_none_or(|x| x != "md") {
                continue;
            }
            let target_text = std::fs::read_to_string(&path).expect("read a linked document");
            let headings: Vec<String> = target_text
                .lines()
                .filter_map(|l| l.strip_prefix('#'))
                .map(|l| slug(l.trim_start_matches('#')))
                .collect();
            if !headings.iter().any(|h| h == anchor) {
                broken.push(format!("{name}: ({target}): no heading '{anchor}'"));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn slugs_and_links_as_github_makes_them() {
    assert_eq!(
        slug(" Refactors: `scripts/compare-outputs.sh`"),
        "refactors-scriptscompare-outputssh"
    );
    assert_eq!(slug(" The runtime's MemStats"), "the-runtimes-memstats");
    assert_eq!(
        links("see [a](a.md#x) and `[b](b.md)`, [c](https://c.org)\n```\n[d](d.md)\n```"),
        ["a.md#x"]
    );
}

/// The README is a front door: short, with the pictures the link test above
/// proves exist.
#[test]
fn the_readme_stays_short_and_shows_the_tui() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= 220,
        "README.md has {lines} lines; move detail to docs/"
    );
    for image in ["docs/images/trend.svg", "docs/images/flame.svg"] {
        assert!(
            readme.contains(&format!("]({image})")),
            "README does not show {image}"
        );
    }
}
