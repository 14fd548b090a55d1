//! Profile strings never reach the terminal raw: a function, file, mapping,
//! sample type or comment holding escape sequences (`ESC]0;…BEL` sets the
//! window title, `ESC[2J` clears the screen, `ESC]52;…` writes the
//! clipboard) or bidi controls is printed with them escaped, by every text
//! report; JSON stays exact and decodes to the same strings.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod support;

use pprof_tui::profile::pb;
use support::{Builder, pprof_tui, stdout_of};

const TITLE: &str = "main.\u{1b}]0;pwned\u{7}title";
const CLEAR: &str = "main.clear\u{1b}[2J";
const CLIPBOARD: &str = "main.\u{1b}]52;c;ZXZpbA==\u{7}copy";
const BIDI: &str = "main.evil\u{202e}cod.exe";
const C1: &str = "main.csi\u{9b}31m";
const NEWLINE: &str = "main.two\nlines";

/// A heap-like profile whose every string that reports print is hostile.
fn hostile(scale: i64) -> Vec<u8> {
    let mut b = Builder::new();
    for (i, name) in [TITLE, CLEAR, CLIPBOARD, BIDI, C1, NEWLINE]
        .iter()
        .enumerate()
    {
        let i = i as i64 + 1;
        b.sample(&["main.main", name], i * scale, 1000 * i * scale);
    }
    // Sample type, mapping file and comment hostile too.
    let space = b.string("space\u{1b}[31m");
    b.profile.sample_type[1].r#type = space;
    let file = b.string("/bin/svc\u{1b}]0;x\u{7}");
    let comment = b.string("built \u{1b}[2J by ci");
    b.profile.mapping.push(pb::Mapping {
        id: 1,
        filename: file,
        ..Default::default()
    });
    b.profile.comment.push(comment);
    b.encode_gz()
}

/// Whether text holds a byte or character a terminal would act on.
fn unsafe_chars(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| c != '\n' && pprof_tui::safe_text::is_unsafe(c))
        .collect()
}

fn write_profiles() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.pb.gz");
    let new = dir.path().join("new.pb.gz");
    std::fs::write(&base, hostile(1)).unwrap();
    std::fs::write(&new, hostile(3)).unwrap();
    let base = base.display().to_string();
    let new = new.display().to_string();
    (dir, base, new)
}

#[test]
fn text_reports_escape_every_profile_string() {
    let (_dir, base, new) = write_profiles();
    let runs: [Vec<&str>; 4] = [
        vec!["top", &new],
        vec!["top", "-g", "lines", &new],
        vec!["diff", &base, &new],
        vec!["trend", &base, &new],
    ];
    for args in runs {
        let out = String::from_utf8(stdout_of(pprof_tui().args(&args))).unwrap();
        assert_eq!(unsafe_chars(&out), Vec::<char>::new(), "{args:?}:\n{out}");
        for shown in [
            "main.\\x1b]0;pwned\\x07title",
            "main.clear\\x1b[2J",
            "main.\\x1b]52;c;ZXZpbA==\\x07copy",
            "main.evil\\u{202e}cod.exe",
            "main.csi\\u{9b}31m",
            "main.two\\x0alines",
        ] {
            assert!(out.contains(shown), "{args:?}: no {shown} in\n{out}");
        }
    }
    let top = String::from_utf8(stdout_of(pprof_tui().args(["top", &new]))).unwrap();
    assert!(top.contains("File: svc\\x1b]0;x\\x07\n"), "{top}");
    assert!(top.contains("built \\x1b[2J by ci\n"), "{top}");
    assert!(top.contains("Type: space\\x1b[31m\n"), "{top}");
}

#[test]
fn json_is_exact_and_terminal_safe() {
    let (_dir, base, new) = write_profiles();
    for args in [
        vec!["top", &new],
        vec!["diff", &base, &new],
        vec!["trend", &base, &new],
    ] {
        let out = String::from_utf8(stdout_of(
            pprof_tui().args(&args).args(["--format", "json"]),
        ))
        .unwrap();
        assert_eq!(unsafe_chars(&out), Vec::<char>::new(), "{args:?}:\n{out}");
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let names: Vec<&str> = doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        for name in [TITLE, CLEAR, CLIPBOARD, BIDI, C1, NEWLINE] {
            assert!(names.contains(&name), "{args:?}: {name:?} not in {names:?}");
        }
    }
}

#[test]
fn folded_output_escapes_bidi_controls() {
    let (_dir, _, new) = write_profiles();
    let out = String::from_utf8(stdout_of(pprof_tui().args([
        "flamegraph",
        "--format",
        "folded",
        &new,
    ])))
    .unwrap();
    assert_eq!(unsafe_chars(&out), Vec::<char>::new(), "{out}");
    assert!(out.contains("main.evil%E2%80%AEcod.exe"), "{out}");
}
