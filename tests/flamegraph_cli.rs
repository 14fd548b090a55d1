//! `pprof-tui flamegraph` as a user runs it: where the output goes, what
//! it says, and that errors are one line with the right exit code and
//! never leave a file behind.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

mod common;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn pprof_tui() -> Command {
    let mut cmd = Command::cargo_bin("pprof-tui").unwrap();
    cmd.current_dir(testdata());
    cmd
}

/// Runs the command: exit code, stdout, stderr.
fn run(cmd: &mut Command) -> (i32, String, String) {
    let output = cmd.output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// The `... of N total` of a pprof oracle.
fn oracle_total(file: &str) -> i64 {
    let text = std::fs::read_to_string(testdata().join("oracle").join(file)).unwrap();
    let (_, rest) = text.split_once("% of ").unwrap();
    let (total, _) = rest.split_once(" total").unwrap();
    total.trim_end_matches('B').parse().unwrap()
}

fn grouped(v: i64) -> String {
    let digits = v.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn writes_an_svg_file_titled_with_file_type_and_total() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("heap.svg");
    let result = run(pprof_tui()
        .args(["flamegraph", "leaky/heap-3.pb.gz", "-o"])
        .arg(&out));
    assert_eq!(result, (0, String::new(), String::new()));
    let svg = std::fs::read_to_string(&out).unwrap();
    let total = oracle_total("leaky-heap-3.inuse_space.top.txt");
    let label = pprof_tui::report::units::label(total, "bytes");
    assert!(svg.starts_with("<?xml"));
    assert!(svg.contains(&format!(">heap-3.pb.gz — inuse_space — {label}</text>")));
    assert!(svg.contains(&format!(
        "<title>all ({label} = {} bytes, 100%)</title>",
        grouped(total)
    )));
    assert!(svg.contains(&format!("total_samples=\"{total}\"")));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(files_in(dir.path()), ["heap.svg"]);
}

#[test]
fn writes_to_stdout_when_it_is_not_a_terminal() {
    // assert_cmd's stdout is a pipe.
    for args in [
        &["flamegraph", "leaky/goroutine-3.pb.gz"][..],
        &["flamegraph", "leaky/goroutine-3.pb.gz", "-o", "-"][..],
    ] {
        let (code, stdout, stderr) = run(pprof_tui().args(args));
        assert_eq!((code, stderr.as_str()), (0, ""));
        assert!(stdout.starts_with("<?xml"));
        assert!(stdout.contains(">goroutine-3.pb.gz — goroutine — 92 goroutines</text>"));
    }
}

#[test]
fn folded_stacks_sum_to_the_total() {
    let total = oracle_total("leaky-heap-3.inuse_space.top.txt");
    let output = pprof_tui()
        .args(["flamegraph", "leaky/heap-3.pb.gz", "--format", "folded"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let sum: i64 = text
        .lines()
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<i64>().unwrap())
        .sum();
    assert_eq!(sum, total);
    assert!(
        text.contains("runtime.main;main.main;main.serve;main.handleRequest;main.(*Cache).Put ")
    );
    // The same lines into a file.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("heap.folded");
    let result = run(pprof_tui()
        .args([
            "flamegraph",
            "leaky/heap-3.pb.gz",
            "--format",
            "folded",
            "-o",
        ])
        .arg(&out));
    assert_eq!(result, (0, String::new(), String::new()));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    assert_eq!(files_in(dir.path()), ["heap.folded"]);
}

#[test]
fn differential_folded_has_base_and_new_columns() {
    let base_total = oracle_total("leaky-heap-3.inuse_space.diff_base-heap-1.top.txt");
    let new_total = oracle_total("leaky-heap-3.inuse_space.top.txt");
    let output = pprof_tui()
        .args([
            "flamegraph",
            "leaky/heap-3.pb.gz",
            "--diff-base",
            "leaky/heap-1.pb.gz",
            "--format",
            "folded",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let (mut base, mut new) = (0i64, 0i64);
    for line in text.lines() {
        let mut fields = line.rsplitn(3, ' ');
        new += fields.next().unwrap().parse::<i64>().unwrap();
        base += fields.next().unwrap().parse::<i64>().unwrap();
    }
    assert_eq!((base, new), (base_total, new_total));
}

#[test]
fn differential_svg_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("diff.svg");
    let (code, _, stderr) = run(pprof_tui()
        .args([
            "flamegraph",
            "--diff-base",
            "leaky/goroutine-1.pb.gz",
            "leaky/goroutine-3.pb.gz",
            "--normalize",
            "-o",
        ])
        .arg(&out));
    assert_eq!(code, 0, "{stderr}");
    let svg = std::fs::read_to_string(&out).unwrap();
    // Normalized: goroutine-3 (92) scaled to goroutine-1's 12.
    assert!(
        svg.contains(">goroutine-3.pb.gz vs goroutine-1.pb.gz — goroutine — 12 goroutines</text>")
    );
    assert!(svg.contains("scaled to the base&apos;s total (normalize)"));
}

#[test]
fn options_change_the_drawing() {
    let output = pprof_tui()
        .args([
            "flamegraph",
            "leaky/cpu.pb.gz",
            "--title",
            "CPU <b>",
            "--icicle",
            "--width",
            "800",
            "--min-width",
            "1",
            "--colors",
            "hot",
            "--granularity",
            "lines",
            "--focus",
            "main\\.",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let svg = String::from_utf8(output.stdout).unwrap();
    assert!(svg.contains(">CPU &lt;b&gt;</text>"));
    assert!(svg.contains("var inverted = true;"));
    assert!(svg.contains("<svg version=\"1.1\" width=\"800\""));
    assert!(svg.contains("focus=main\\."));
    assert!(svg.contains("<title>main.fib leaky/main.go:"));
}

#[test]
fn usage_errors_exit_2() {
    for (args, message) in [
        (
            &["flamegraph", "leaky/cpu.pb.gz", "--min-width", "200"][..],
            "is not a percentage from 0 to 100",
        ),
        (
            &["flamegraph", "leaky/cpu.pb.gz", "--width", "10"][..],
            "is not a width from 200 to 100000 pixels",
        ),
        (
            &["flamegraph", "leaky/cpu.pb.gz", "--colors", "rainbow"][..],
            "unknown palette 'rainbow' (use go, hot, mem",
        ),
        (
            &["flamegraph", "leaky/cpu.pb.gz", "--normalize"][..],
            "--diff-base",
        ),
        (
            &["flamegraph", "leaky/cpu.pb.gz", "--format", "png"][..],
            "invalid value 'png'",
        ),
        (
            &[
                "flamegraph",
                "leaky/heap-3.pb.gz",
                "--sample-index",
                "bogus",
            ][..],
            "pprof-tui: unknown sample type 'bogus' (this profile has: alloc_objects, alloc_space, inuse_objects, inuse_space)\n",
        ),
    ] {
        let (code, stdout, stderr) = run(pprof_tui().args(args));
        assert_eq!((code, stdout.as_str()), (2, ""), "{args:?}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn runtime_errors_are_one_line_and_leave_files_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("graph.svg");
    std::fs::write(&out, "previous graph").unwrap();
    for (args, message) in [
        (
            vec!["flamegraph", "leaky/missing.pb.gz"],
            "pprof-tui: reading profile 'leaky/missing.pb.gz': no such file\n",
        ),
        (
            vec![
                "flamegraph",
                "leaky/heap-3.pb.gz",
                "--focus",
                "no-such-function",
            ],
            "pprof-tui: nothing to draw: no sample has a non-zero 'inuse_space' value in this view\n",
        ),
        (
            vec![
                "flamegraph",
                "leaky/goroutine-3.pb.gz",
                "--diff-base",
                "leaky/heap-1.pb.gz",
            ],
            "pprof-tui: the base profile has no sample type 'goroutine'\n",
        ),
    ] {
        let result = run(pprof_tui().args(&args).arg("-o").arg(&out));
        assert_eq!(result, (1, String::new(), message.to_owned()), "{args:?}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous graph");
        assert_eq!(files_in(dir.path()), ["graph.svg"]);
    }
    // An output path in a missing directory.
    let missing = dir.path().join("nope/graph.svg");
    let (code, _, stderr) = run(pprof_tui()
        .args(["flamegraph", "leaky/goroutine-3.pb.gz", "-o"])
        .arg(&missing));
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with(&format!(
            "pprof-tui: writing '{}' failed: ",
            missing.display()
        )),
        "{stderr}"
    );
    assert!(!missing.exists());
}

/// `-o` writes into what the path names: it never replaces a FIFO, a device
/// or a symbolic link with a regular file, and keeps a replaced file's mode.
#[cfg(unix)]
mod output_targets {
    use super::*;
    use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt, symlink};
    use std::process::Stdio;

    fn folded(out: &Path) -> (i32, String, String) {
        run(pprof_tui()
            .args([
                "flamegraph",
                "leaky/heap-3.pb.gz",
                "--format",
                "folded",
                "-o",
            ])
            .arg(out))
    }

    fn expected_folded() -> String {
        let output = pprof_tui()
            .args(["flamegraph", "leaky/heap-3.pb.gz", "--format", "folded"])
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    }

    #[test]
    fn a_fifo_is_written_into() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("graph.fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        assert_eq!(folded(&fifo).0, 0);
        assert_eq!(reader.join().unwrap(), expected_folded());
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }

    #[test]
    fn a_symlink_is_followed() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.folded");
        let link = dir.path().join("link.folded");
        std::fs::write(&real, "old").unwrap();
        symlink(&real, &link).unwrap();
        assert_eq!(folded(&link).0, 0);
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), expected_folded());
    }

    #[test]
    fn a_replaced_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("private.svg");
        std::fs::write(&out, "old").unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
        let (code, _, stderr) = run(pprof_tui()
            .args(["flamegraph", "leaky/heap-3.pb.gz", "-o"])
            .arg(&out));
        assert_eq!((code, stderr.as_str()), (0, ""));
        assert!(std::fs::read_to_string(&out).unwrap().starts_with("<?xml"));
        assert_eq!(std::fs::metadata(&out).unwrap().mode() & 0o777, 0o600);
        assert_eq!(files_in(dir.path()), ["private.svg"]);
    }

    #[test]
    fn a_device_node_stays_a_device() {
        // As root (CI), a fresh node for the null device; otherwise the
        // system's own /dev/null, which a user may write but not replace.
        let dir = tempfile::tempdir().unwrap();
        let node = dir.path().join("null");
        let made = std::process::Command::new("mknod")
            .arg(&node)
            .args(["c", "1", "3"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let target = if made {
            node
        } else {
            PathBuf::from("/dev/null")
        };
        assert_eq!(folded(&target).0, 0);
        let meta = std::fs::metadata(&target).unwrap();
        assert!(meta.file_type().is_char_device(), "{target:?}");
        assert_eq!(meta.rdev(), std::fs::metadata("/dev/null").unwrap().rdev());
    }

    #[test]
    fn dev_stdout_and_dash_reach_stdout() {
        let expected = expected_folded();
        for out in ["/dev/stdout", "-"] {
            let (code, stdout, stderr) = folded(Path::new(out));
            assert_eq!((code, stderr.as_str()), (0, ""), "{out}");
            assert_eq!(stdout, expected, "{out}");
        }
    }
}

/// A profile with negative values (as `pprof -base` saves one) is drawn as
/// pprof's flame graph draws it: widths are magnitudes, the sign is the
/// colour (red positive, blue negative) and the tooltip says the signed value.
#[test]
fn negative_values_are_drawn_as_signed_magnitudes() {
    use pprof_tui::profile::pb;
    use prost::Message;
    let strings = [
        "",
        "space",
        "bytes",
        "main.main",
        "main.grow",
        "main.shrink",
    ];
    let function = |id: u64| pb::Function {
        id,
        name: id as i64 + 2,
        ..Default::default()
    };
    let location = |id: u64| pb::Location {
        id,
        line: vec![pb::Line {
            function_id: id,
            line: 1,
            column: 0,
        }],
        ..Default::default()
    };
    let profile = pb::Profile {
        sample_type: vec![pb::ValueType { r#type: 1, unit: 2 }],
        sample: vec![
            pb::Sample {
                location_id: vec![2, 1],
                value: vec![3000],
                label: vec![],
            },
            pb::Sample {
                location_id: vec![3, 1],
                value: vec![-1000],
                label: vec![],
            },
        ],
        location: (1..=3).map(location).collect(),
        function: (1..=3).map(function).collect(),
        string_table: strings.map(String::from).to_vec(),
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("based.pb");
    std::fs::write(&input, profile.encode_to_vec()).unwrap();
    let out = dir.path().join("based.svg");
    let (code, _, stderr) = run(pprof_tui()
        .arg("flamegraph")
        .arg(&input)
        .arg("-o")
        .arg(&out));
    assert_eq!((code, stderr.as_str()), (0, ""));
    let svg = std::fs::read_to_string(&out).unwrap();
    // Widths: 3000 + 1000 = 4000 in all; main.main is the signed sum.
    for frame in [
        r#"<title>all (1.95kB = 2,000 bytes, 50.00%; magnitude 3.91kB)</title><rect x="0.0000%" y="93" width="100.0000%""#,
        r#"<title>main.main (1.95kB = 2,000 bytes, 50.00%; magnitude 3.91kB)</title><rect x="0.0000%" y="77" width="100.0000%""#,
        // Red: grew. Blue: shrank (percentages unsigned, as pprof prints them).
        r#"<title>main.grow (2.93kB = 3,000 bytes, 75.00%; magnitude 2.93kB)</title><rect x="0.0000%" y="61" width="75.0000%" height="15" fill="rgb(255,100,100)""#,
        r#"<title>main.shrink (-1,000 bytes, 25.00%; magnitude 1000B)</title><rect x="75.0000%" y="61" width="25.0000%" height="15" fill="rgb(200,200,255)""#,
    ] {
        assert!(svg.contains(frame), "no {frame} in\n{svg}");
    }
    assert!(
        svg.contains(
            "signed values: width = magnitude, colour = sign (red positive, blue negative)"
        )
    );
    // Folded output keeps the signs.
    let (code, stdout, _) = run(pprof_tui()
        .arg("flamegraph")
        .arg(&input)
        .args(["--format", "folded"]));
    assert_eq!(
        (code, stdout.as_str()),
        (0, "main.main;main.grow 3000\nmain.main;main.shrink -1000\n")
    );
}

/// Like `top`, `flamegraph` of one file reads only the samples of non-zero
/// value at the type it draws, guessing the type before the names are read.
/// A profile whose `default_sample_type` names a type before the last is
/// read again in full: the graph is that of the type named, as asked by
/// name and as from standard input (read once, every sample kept).
#[test]
fn a_default_sample_type_before_the_last_is_drawn_as_named() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, file) = common::compile_heap_defaulting_to_alloc_space(dir.path());
    let file = file.as_str();

    let folded = |args: &[&str], stdin: Option<Vec<u8>>| {
        let mut cmd = pprof_tui();
        cmd.args(["flamegraph", "--format", "folded", "-o", "-"])
            .args(args);
        if let Some(bytes) = stdin {
            cmd.write_stdin(bytes);
        }
        let (code, out, err) = run(&mut cmd);
        assert_eq!((code, err.as_str()), (0, ""), "{args:?}");
        out
    };
    let by_default = folded(&[file], None);
    assert_eq!(by_default, folded(&["-i", "alloc_space", file], None));
    assert_eq!(by_default, folded(&["-"], Some(bytes.clone())));
    assert_ne!(by_default, folded(&["-i", "inuse_space", file], None));
    // Every stack drawn, summed: pprof's alloc_space total.
    let sum: i64 = by_default
        .lines()
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<i64>().unwrap())
        .sum();
    assert_eq!(
        sum,
        oracle_total("compile-compile-heap.alloc_space.top.txt")
    );
}
