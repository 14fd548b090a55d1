//! Legacy `debug=1` text profiles (testdata/legacy/): `top` on the text
//! snapshot against `go tool pprof -top` on the proto snapshot of the same
//! moment, and against what pprof itself makes of the text.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use std::collections::BTreeMap;

use common::{Oracle, assert_contains, run, table, testdata};

fn legacy_oracle(file: &str) -> Oracle {
    let text = std::fs::read_to_string(testdata().join("legacy/oracle").join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    table(&text)
}

fn top(profile: &str, sample_type: &str) -> (String, Oracle) {
    let mut args = vec!["top", "-n", "0", "--node-fraction", "0", "-i", sample_type];
    if sample_type.ends_with("_space") {
        args.extend(["--unit", "B"]);
    }
    args.push(profile);
    let out = run(&args, 0).stdout;
    let parsed = table(&out);
    (out, parsed)
}

/// Frames the text names differently from the proto: the runtime's
/// timer code is inlined into `time.resetTimer`, so the proto writer (which
/// hides leading frames by physical function) keeps the runtime frames that
/// the text writer (which hides them by logical frame) leaves unnamed.
const TIMER_FRAMES: [&str; 4] = [
    "runtime.doaddtimer",
    "runtime.modtimer",
    "runtime.resettimer",
    "time.resetTimer",
];

#[test]
fn heap_text_equals_the_proto_of_the_same_moment() {
    for n in 1..=3 {
        for t in [
            "alloc_objects",
            "alloc_space",
            "inuse_objects",
            "inuse_space",
        ] {
            let (out, ours) = top(&format!("legacy/heap-{n}.debug1.txt"), t);
            let proto_file = format!("legacy-heap-{n}.{t}.top.txt");
            let proto = legacy_oracle(&proto_file);
            assert_eq!(ours.total, proto.total, "heap-{n} {t}");
            if t.starts_with("inuse") {
                // Byte for byte, but for the File: and Time: lines the text
                // has no source for (no mapping, no time stamp).
                let want =
                    std::fs::read_to_string(testdata().join("legacy/oracle").join(&proto_file))
                        .unwrap();
                let want: String = want
                    .lines()
                    .filter(|l| !l.starts_with("File: ") && !l.starts_with("Time: "))
                    .map(|l| format!("{l}\n"))
                    .collect();
                // And our MemStats lines, which pprof does not print.
                let out: String = out
                    .lines()
                    .filter(|l| !l.starts_with("MemStats: "))
                    .map(|l| format!("{l}\n"))
                    .collect();
                assert_eq!(out, want, "heap-{n} {t}");
            }
            for (name, numbers) in &proto.rows {
                if TIMER_FRAMES.contains(&name.as_str()) {
                    continue;
                }
                assert_eq!(ours.rows.get(name), Some(numbers), "heap-{n} {t} {name}");
            }
            assert_eq!(
                ours.rows.len() - usize::from(ours.rows.contains_key("time.resetTimer")),
                proto.rows.len() - usize::from(proto.rows.contains_key("time.resetTimer")),
                "heap-{n} {t}: the same rows"
            );
        }
    }
}

/// The folded stacks of a profile (`testdata/` relative) at a sample type,
/// each stack as `frames` leaves it, with the values of the stacks it makes
/// one summed.
fn folded_stacks(
    profile: &str,
    sample_type: &str,
    frames: fn(Vec<&str>) -> Vec<&str>,
) -> BTreeMap<String, i64> {
    let path = testdata().join(profile);
    let out = run(
        &[
            "flamegraph",
            "--format",
            "folded",
            "-i",
            sample_type,
            path.to_str().unwrap(),
            "-o",
            "-",
        ],
        0,
    )
    .stdout;
    let mut stacks = BTreeMap::new();
    for line in out.lines() {
        let (stack, value) = line.rsplit_once(' ').unwrap();
        let stack = frames(stack.split(';').collect());
        *stacks.entry(stack.join(";")).or_insert(0) += value.parse::<i64>().unwrap();
    }
    stacks
}

#[test]
fn heap_text_draws_the_stacks_of_the_proto_of_the_same_moment() {
    // Frame by frame: a function calling itself at one pc (text/tabwriter's
    // format) is that pc twice, not a frame inlined into itself. Each stack
    // is cut before the timer frames the text leaves unnamed.
    fn named(stack: Vec<&str>) -> Vec<&str> {
        let unnamed = &TIMER_FRAMES[..3];
        stack
            .into_iter()
            .take_while(|f| !unnamed.contains(f))
            .collect()
    }
    let mut recursive = 0;
    for n in 1..=3 {
        for t in ["alloc_space", "inuse_space"] {
            let text = folded_stacks(&format!("legacy/heap-{n}.debug1.txt"), t, named);
            let proto = folded_stacks(&format!("legacy/heap-{n}.pb.gz"), t, named);
            assert_eq!(text, proto, "heap-{n} {t}");
            let twice = "text/tabwriter.(*Writer).format;text/tabwriter.(*Writer).format";
            recursive += proto.keys().filter(|s| s.contains(twice)).count();
        }
    }
    assert!(recursive > 0, "the texts hold a recursive stack");
}

#[test]
fn contention_and_goroutine_texts_draw_the_stacks_of_their_protos() {
    fn whole(stack: Vec<&str>) -> Vec<&str> {
        stack
    }
    for kind in ["mutex", "block"] {
        for t in ["contentions", "delay"] {
            let text = format!("legacy/contention/{kind}.debug1.txt");
            let proto = format!("legacy/contention/{kind}.pb.gz");
            assert_eq!(
                folded_stacks(&text, t, whole),
                folded_stacks(&proto, t, whole),
                "{kind} {t}"
            );
        }
    }
    // The goroutine text hides runtime.goexit and the runtime frames a
    // goroutine is parked in (past its last frame of another package).
    fn shown(mut stack: Vec<&str>) -> Vec<&str> {
        if stack.first() == Some(&"runtime.goexit") {
            stack.remove(0);
        }
        if stack.iter().any(|f| !f.starts_with("runtime.")) {
            while stack.last().is_some_and(|f| f.starts_with("runtime.")) {
                stack.pop();
            }
        }
        stack
    }
    let out = "goroutines/service/out/goroutineleak";
    let text = folded_stacks(&format!("{out}.debug1.txt"), "goroutineleak", shown);
    let proto = folded_stacks(&format!("{out}.pb.gz"), "goroutineleak", shown);
    assert_eq!(text, proto);
    assert_eq!(text.get("main.awaitToken"), Some(&30), "{text:?}");
}

#[test]
fn heap_text_total_equals_pprofs_reading_of_the_text() {
    // Without the binary pprof names nothing (one <unknown> row), but its
    // total is the file's, and so is ours.
    for n in 1..=3 {
        for t in ["alloc_space", "inuse_objects", "inuse_space"] {
            let (_, ours) = top(&format!("legacy/heap-{n}.debug1.txt"), t);
            let pprof = legacy_oracle(&format!("legacy-heap-{n}.debug1.{t}.top.txt"));
            assert_eq!(pprof.order, ["<unknown>"]);
            assert_eq!(ours.total, pprof.total, "heap-{n} {t}");
        }
    }
}

#[test]
fn heap_text_agrees_with_pprof_symbolizing_it_from_the_binary() {
    // pprof with the binary names each address by the function its code is
    // in, so it loses inlined frames (`main.serve (inline)`) and names
    // `runtime.goexit`, which the text leaves unnamed. Every other row is
    // the same: same numbers, same frames pruned by the legacy
    // drop_frames.
    let (_, ours) = top("legacy/heap-3.debug1.txt", "inuse_space");
    let pprof = legacy_oracle("legacy-heap-3.debug1.inuse_space.binary.top.txt");
    assert_eq!(ours.total, pprof.total);
    for name in [
        "main.(*Cache).Put",
        "main.recordAudit",
        "main.handleRequest",
        "main.main",
        "runtime/pprof.StartCPUProfile",
        "runtime.main",
        "runtime.malg",
        "main.leakyWorker",
    ] {
        assert_eq!(ours.rows.get(name), pprof.rows.get(name), "{name}");
    }
    assert!(pprof.rows.contains_key("runtime.goexit"));
    assert!(!ours.rows.contains_key("runtime.goexit"));
    assert_eq!(ours.rows["main.serve (inline)"], (0, 1378592));
}

#[test]
fn goroutine_text_names_every_frame_the_proto_has_past_the_hidden_ones() {
    for n in 1..=3 {
        let (_, ours) = top(&format!("legacy/goroutine-{n}.debug1.txt"), "goroutine");
        let proto = legacy_oracle(&format!("legacy-goroutine-{n}.goroutine.top.txt"));
        assert_eq!(ours.total, proto.total, "goroutine-{n}");
        // The text leaves the parked goroutines' leading runtime frames
        // (gopark ← chanrecv ← chanrecv1) unnamed, so their count lands on
        // the first frame it names; every cum it shows is the proto's.
        for (name, &(_, cum)) in &ours.rows {
            assert_eq!(proto.rows[name].1, cum, "goroutine-{n} {name}");
        }
        let workers = proto.rows["runtime.chanrecv1"].1;
        assert_eq!(workers, 10 * [1, 4, 9][n - 1]);
        assert_eq!(ours.rows["main.leakyWorker"], (workers, workers));
    }
}

#[test]
fn gzip_and_stdin_read_text_too() {
    use std::io::Write;
    let text = std::fs::read(testdata().join("legacy/heap-1.debug1.txt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("heap.txt.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&text).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let plain = run(&["top", "legacy/heap-1.debug1.txt"], 0).stdout;
    assert_eq!(run(&["top", gz.to_str().unwrap()], 0).stdout, plain);
    let piped = assert_cmd::Command::cargo_bin("pprof-tui")
        .unwrap()
        .args(["top", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&piped.stdout), plain);
}

fn error_of(name: &str, bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let out = run(&["top", path.to_str().unwrap()], 1);
    assert!(out.stdout.is_empty());
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains(name), "{}", out.stderr);
    out.stderr
}

#[test]
fn bad_text_gets_one_line_with_its_line_number() {
    let e = error_of(
        "bad-record.txt",
        b"heap profile: 1: 2 [1: 2] @ heap/2\n1: 2 [1: 2] @ 0x1\n\nnonsense\n",
    );
    assert!(
        e.contains("line 4: no '@' in heap record 'nonsense'"),
        "{e}"
    );
    let e = error_of("bad-addr.txt", b"goroutine profile: total 1\n1 @ 0x12 zz\n");
    assert!(e.contains("line 2: 'zz' is not a hex address"), "{e}");
    let e = error_of(
        "zero.txt",
        b"heap profile: 1: 2 [1: 2] @ heap/2\n0: 5 [0: 5] @ 0x1\n",
    );
    assert!(
        e.contains("line 2: inuse count is 0 but inuse bytes is 5"),
        "{e}"
    );
    let e = error_of(
        "other.txt",
        "mutex profile \u{9b}31m of some sort\n".as_bytes(),
    );
    assert!(
        e.contains(
            "not a pprof protobuf nor a legacy text profile: it starts with 'mutex profile "
        ),
        "{e}"
    );
    assert!(!e.contains('\u{9b}'), "{e}");
    let e = error_of("header.txt", b"heap profile: 1: 2 @ heap/2\n");
    assert!(
        e.contains("line 1: unrecognized heap profile header"),
        "{e}"
    );
}

#[test]
fn a_record_is_named_by_its_own_comments_not_by_an_earlier_one() {
    // A pc whose first record names 20,000 frames, then a record of that pc
    // 20,000 times naming it one function. Were a pc named by its first
    // record alone, the second would be 4·10⁸ frames from 1.3 MB of text
    // (and the first record's 19,999 callers would each hold both).
    let mut text = String::from("heap profile: 2: 16 [2: 16] @ heap/2\n1: 8 [1: 8] @ 0x11\n");
    for i in 0..20_000 {
        text += &format!("#\t0x10\tmain.f{i}+0x10\tf.go:1\n");
    }
    text += &format!("\n1: 8 [1: 8] @{}\n", " 0x11".repeat(20_000));
    text += &"#\t0x10\tmain.f0+0x10\tf.go:1\n".repeat(20_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("renamed.txt");
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap();
    // Read for functions and read whole (lines): the same answer.
    for granularity in ["functions", "lines"] {
        let out = run(
            &[
                "top",
                "-g",
                granularity,
                "--format",
                "json",
                "-n",
                "3",
                path,
            ],
            0,
        );
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let rows: Vec<(String, i64, i64)> = doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let name = r["name"].as_str().unwrap().to_owned();
                (
                    name,
                    r["flat"].as_i64().unwrap(),
                    r["cum"].as_i64().unwrap(),
                )
            })
            .collect();
        let line = if granularity == "lines" {
            " f.go:1"
        } else {
            ""
        };
        assert_eq!(
            rows,
            [
                (format!("main.f0{line}"), 16, 16),
                (format!("main.f1{line}"), 0, 8),
                (format!("main.f10{line}"), 0, 8),
            ],
            "{granularity}"
        );
    }
}

#[test]
fn hostile_text_loads_without_harm() {
    // A deep stack, escapes in names, overlong numbers: no panic, and
    // names reach the terminal made visible.
    let mut text = String::from("heap profile: 1: 2 [1: 2] @ heap/1048576\n1: 1024 [1: 1024] @");
    for i in 0..100_000u64 {
        text.push_str(&format!(" 0x{:x}", 0x1000 + 2 * i));
    }
    text.push('\n');
    text.push_str("#\t0x1000\tevil\x1b]0;pwned\x07name+0x10\tx.go:1\n");
    // Comments naming no address of the stack: each is one lookup, not a
    // scan of the 100,000 entries each (quadratic: 10^10 comparisons).
    for i in 0..100_000u64 {
        text.push_str(&format!("#\t0x{:x}\tf{i}+0x10\tx.go:1\n", 0x90_0000 + i));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep.txt");
    std::fs::write(&path, &text).unwrap();
    let out = run(&["top", path.to_str().unwrap()], 0).stdout;
    assert!(!out.contains('\x1b'), "{out}");
    // 1 KiB sampled at 512 KiB, scaled as pprof does: 1/(1-e^(-1/512)).
    assert!(out.contains("512.50kB"), "{out}");
    let e = error_of(
        "huge.txt",
        b"heap profile: 1: 2 [1: 2] @ heap/2\n99999999999999999999: 1 [1: 1] @ 0x1\n",
    );
    assert!(e.contains("line 2: a count that is not a number"), "{e}");
}

/// The `# Name = value` lines of a heap profile's MemStats block, read
/// plainly (the file is the oracle here).
fn memstats_of(file: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(testdata().join(file)).unwrap();
    let block = text
        .split("# runtime.MemStats\n")
        .nth(1)
        .expect("a MemStats block");
    block
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn memstats_in_json_equal_the_files() {
    for n in 1..=3 {
        let file = format!("legacy/heap-{n}.debug1.txt");
        let doc: serde_json::Value =
            serde_json::from_str(&run(&["top", "--format", "json", &file], 0).stdout).unwrap();
        let stats = doc["memstats"].as_object().expect("memstats");
        let want = memstats_of(&file);
        assert!(want.len() >= 27, "{want:?}");
        for (name, value) in &want {
            match value.split_once(" / ") {
                // `Stack = inuse / sys` is Go's StackInuse and StackSys.
                Some((inuse, sys)) => {
                    assert_eq!(stats[&format!("{name}Inuse")].to_string(), inuse, "{name}");
                    assert_eq!(stats[&format!("{name}Sys")].to_string(), sys, "{name}");
                }
                None if value.starts_with('[') => {
                    let got: Vec<String> = stats[name]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_u64().unwrap().to_string())
                        .collect();
                    assert_eq!(format!("[{}]", got.join(" ")), *value, "{name}");
                }
                None if name == "GCCPUFraction" => {
                    assert_eq!(stats[name].as_f64().unwrap(), value.parse::<f64>().unwrap());
                }
                None => assert_eq!(stats[name].to_string(), *value, "{name}"),
            }
        }
        // Integers stay integers.
        assert!(stats["HeapInuse"].is_u64() && stats["NumGC"].is_u64());
        assert!(stats["GCCPUFraction"].is_f64());
    }
    // A proto carries none, and says nothing about it.
    let doc = run(&["top", "--format", "json", "legacy/heap-1.pb.gz"], 0).stdout;
    assert!(!doc.contains("memstats"), "{doc}");
}

#[test]
fn top_and_trend_headers_report_memstats() {
    let out = run(&["top", "-n", "1", "legacy/heap-3.debug1.txt"], 0).stdout;
    let stats: std::collections::HashMap<String, String> = memstats_of("legacy/heap-3.debug1.txt")
        .into_iter()
        .collect();
    let heap_inuse: i64 = stats["HeapInuse"].parse().unwrap();
    assert_eq!(heap_inuse, 5_464_064);
    assert_eq!(stats["NumGC"], "17");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[1..4],
        [
            "MemStats: HeapAlloc 4.55MB, HeapInuse 5.21MB, HeapIdle 6.29MB, HeapReleased 6.28MB, HeapObjects 7703",
            "MemStats: Sys 23.11MB, NextGC 5.37MB, NumGC 17, GCCPUFraction 0.29%, last GC pause 75.68us",
            "MemStats: the profile accounts for 2.51MB of 5.21MB HeapInuse; the rest is fragmentation or untracked runtime memory",
        ]
    );
    let out = run(
        &[
            "trend",
            "legacy/heap-1.debug1.txt",
            "legacy/heap-2.debug1.txt",
            "legacy/heap-3.debug1.txt",
        ],
        0,
    )
    .stdout;
    assert_contains(
        &out,
        "Runtime MemStats, oldest first:\n   1. HeapInuse 3.27MB, HeapObjects 1575, NumGC 2, profile inuse_space 1.27MB\n   2. HeapInuse 4.07MB, HeapObjects 4532, NumGC 9, profile inuse_space 1.72MB\n   3. HeapInuse 5.21MB, HeapObjects 7703, NumGC 17, profile inuse_space 2.51MB\n",
    );
    let doc: serde_json::Value = serde_json::from_str(
        &run(
            &[
                "trend",
                "--format",
                "json",
                "legacy/heap-1.debug1.txt",
                "legacy/heap-3.debug1.txt",
            ],
            0,
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(doc["snapshots"][1]["memstats"]["HeapInuse"], heap_inuse);
    assert_eq!(doc["snapshots"][1]["memstats"]["NumGC"], 17);
}

/// Our text without the MemStats lines (pprof prints none).
fn without_memstats(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("MemStats: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn pprof_reads_what_convert_wrote_as_top_reads_the_input() {
    // legacy/oracle/legacy-converted-*: `go tool pprof` on the files
    // `pprof-tui convert` wrote (legacy/converted/, regen.sh converted).
    let manifest = std::fs::read_to_string(testdata().join("legacy/oracle/MANIFEST.tsv")).unwrap();
    let mut checked = 0;
    for line in manifest
        .lines()
        .filter(|l| l.starts_with("legacy-converted-"))
    {
        let fields: Vec<&str> = line.split('\t').collect();
        let (oracle_file, converted, flags) = (fields[0], fields[1], fields[2]);
        let inputs: Vec<String> = match converted {
            "legacy/converted/heap-1+heap-2+heap-3.pb.gz" => (1..=3)
                .map(|n| format!("legacy/heap-{n}.debug1.txt"))
                .collect(),
            other => {
                let stem = other
                    .strip_prefix("legacy/converted/")
                    .and_then(|s| s.strip_suffix(".pb.gz"))
                    .unwrap();
                vec![format!("legacy/{stem}.debug1.txt")]
            }
        };
        let mut args = vec!["top".to_owned()];
        for flag in flags.split(' ') {
            match flag.split_once('=') {
                None if flag == "-top" => {}
                Some(("-nodecount", n)) => args.extend(["-n".to_owned(), n.to_owned()]),
                Some(("-nodefraction", f)) => {
                    args.extend(["--node-fraction".to_owned(), f.to_owned()]);
                }
                Some(("-unit", u)) => args.extend(["--unit".to_owned(), u.to_owned()]),
                Some(("-sample_index", t)) => args.extend(["-i".to_owned(), t.to_owned()]),
                _ => panic!("flag {flag} in {line}"),
            }
        }
        args.extend(inputs);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let ours = without_memstats(&run(&args, 0).stdout);
        let want =
            std::fs::read_to_string(testdata().join("legacy/oracle").join(oracle_file)).unwrap();
        assert_eq!(ours, want, "{oracle_file}: pprof-tui {args:?}");
        checked += 1;
    }
    assert_eq!(checked, 7);
}

#[test]
fn convert_round_trips_through_top() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.pb.gz");
    let out = out.to_str().unwrap();
    for inputs in [
        &["legacy/heap-2.debug1.txt"][..],
        &["legacy/goroutine-1.debug1.txt"],
        &["leaky/heap-1.pb.gz", "legacy/heap-3.debug1.txt"],
        &["leaky/cpu.pb.gz"],
        &["compile/compile-heap.pb.gz"],
    ] {
        let mut convert = vec!["convert"];
        convert.extend(inputs);
        convert.extend(["-o", out]);
        let run_convert = run(&convert, 0);
        assert!(run_convert.stdout.is_empty());
        for extra in [&[][..], &["-g", "lines"], &["-g", "addresses"], &["--cum"]] {
            let mut top_in = vec!["top"];
            top_in.extend(extra);
            let mut top_out = top_in.clone();
            top_in.extend(inputs);
            top_out.push(out);
            // MemStats included: they travel in a comment.
            assert_eq!(
                run(&top_out, 0).stdout,
                run(&top_in, 0).stdout,
                "{inputs:?} {extra:?}"
            );
        }
    }
}

#[test]
fn convert_fails_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "heap profile: 1: 2 [1: 2] @ heap/2\nnonsense\n").unwrap();
    let out = dir.path().join("out.pb.gz");
    let r = run(
        &[
            "convert",
            bad.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        1,
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("line 2"), "{}", r.stderr);
    assert!(!out.exists(), "no output for a bad input");
    let nowhere = dir.path().join("missing-dir/out.pb.gz");
    let r = run(
        &[
            "convert",
            "legacy/heap-1.debug1.txt",
            "-o",
            nowhere.to_str().unwrap(),
        ],
        1,
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("missing-dir"), "{}", r.stderr);
    let r = run(&["convert", "legacy/heap-1.debug1.txt"], 2);
    assert!(r.stderr.contains("--output"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary files left"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// Any text after a valid header decodes or is refused with an error:
    /// never a panic (decoded in process, no CLI).
    #[test]
    fn any_text_decodes_or_fails_cleanly(
        header in proptest::sample::select(vec![
            "heap profile: 1: 2 [3: 4] @ heap/1048576\n",
            "heap profile: 1: 2 [1: 2] @ heapprofile\n",
            "goroutine profile: total 3\n",
        ]),
        lines in proptest::collection::vec(
            "([0-9]{1,3}: [0-9]{1,5} \\[[0-9]{1,3}: [0-9]{1,5}\\] @( 0x[0-9a-f]{1,4}){0,4}|[0-9]{1,3} @( 0x[0-9a-f]{1,4}){0,4}|#\t0x[0-9a-f]{1,4}(\t[a-z.()*]{0,8}\\+0x[0-9a-f]{1,3}\t[a-z]{0,3}\\.go:[0-9]{1,3})?|# [A-Za-z]{1,6} = [0-9 /\\[\\]]{0,8}|# runtime.MemStats|\\PC{0,12}|)",
            0..24,
        ),
    ) {
        let text = format!("{header}{}", lines.join("\n"));
        if let Ok(p) = pprof_tui::profile::decode(
            text.as_bytes(),
            &pprof_tui::profile::DecodeOptions::default(),
        ) {
            // And what decodes, ranks and converts.
            let options = pprof_tui::analysis::TopOptions {
                sample_index: p.default_sample_index(),
                ..pprof_tui::analysis::TopOptions::default()
            };
            let _ = pprof_tui::analysis::top(&p, &options);
            let mut bytes = Vec::new();
            pprof_tui::profile::encode_gzip(&p, &mut bytes).unwrap();
            let q = pprof_tui::profile::decode(&bytes, &Default::default()).unwrap();
            proptest::prop_assert_eq!(q.samples().len(), p.samples().len());
        }
    }
}

#[test]
fn converted_files_carry_the_memstats_of_their_text() {
    // legacy/converted/heap-3.pb.gz holds them in a `# runtime.MemStats`
    // comment, which `go tool pprof -top` does not print (its oracles above
    // are what it printed before the comment was there).
    let memstats = |file: &str| -> serde_json::Value {
        let doc: serde_json::Value =
            serde_json::from_str(&run(&["top", "--format", "json", file], 0).stdout).unwrap();
        doc["memstats"].clone()
    };
    let converted = memstats("legacy/converted/heap-3.pb.gz");
    assert_eq!(converted["HeapInuse"], 5_464_064);
    assert_eq!(converted, memstats("legacy/heap-3.debug1.txt"));
    // A merge has no single runtime to speak for.
    assert!(memstats("legacy/converted/heap-1+heap-2+heap-3.pb.gz").is_null());
}

/// A small heap text whose first record's function name holds `control`,
/// within the first bytes a reader looks at.
fn heap_text_with(control: u8) -> Vec<u8> {
    let mut text = b"heap profile: 1: 1024 [1: 1024] @ heap/2\n1: 1024 [1: 1024] @ 0x1001 0x2001\n#\t0x1000\tmain.ev".to_vec();
    text.push(control);
    text.extend_from_slice(b"il+0x0\tx.go:1\n#\t0x2000\tmain.main+0x0\tx.go:2\n");
    text
}

#[test]
fn text_with_a_control_byte_in_a_name_is_still_text() {
    // pprof reads these; one C0 byte once made the file pass for protobuf.
    for control in [0x1b, 0x00, 0x07, 0x08, 0x0b, 0x0c, 0x01] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctl.txt");
        let text = heap_text_with(control);
        std::fs::write(&path, &text).unwrap();
        let out = run(
            &["top", "-n", "0", "--unit", "B", path.to_str().unwrap()],
            0,
        )
        .stdout;
        assert!(!out.as_bytes().contains(&control), "{control:#x}: {out}");
        let parsed = table(&out);
        assert_eq!(parsed.total, 1024, "{control:#x}");
        assert_eq!(parsed.order.len(), 2, "{control:#x}: {out}");
        assert_eq!(parsed.rows["main.main"], (0, 1024), "{control:#x}");
        let piped = assert_cmd::Command::cargo_bin("pprof-tui")
            .unwrap()
            .args(["top", "-n", "0", "--unit", "B", "-"])
            .write_stdin(text)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&piped.stdout), out, "{control:#x}");
    }
}

#[test]
fn a_corrupt_heap_address_cuts_its_stack_as_pprof_does() {
    // `go tool pprof -raw` of this file: the first sample keeps the
    // addresses before the corrupt one (0x1000, and 0x20 of "0x20zz"), the
    // second is whole; nothing is refused.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.txt");
    std::fs::write(
        &path,
        "heap profile: 2: 2048 [2: 2048] @ heap/2\n\
         1: 1024 [1: 1024] @ 0x1000 0x20zz 0x3000\n\
         1: 1024 [1: 1024] @ 0x4000\n",
    )
    .unwrap();
    let out = run(
        &[
            "top",
            "-n",
            "0",
            "--unit",
            "B",
            "--granularity",
            "addresses",
            path.to_str().unwrap(),
        ],
        0,
    )
    .stdout;
    let parsed = table(&out);
    assert_eq!(parsed.total, 2048, "{out}");
    assert_eq!(parsed.rows["0000000000000fff <unknown>"], (1024, 1024));
    assert_eq!(parsed.rows["000000000000001f <unknown>"], (0, 1024));
    assert_eq!(parsed.rows["0000000000003fff <unknown>"], (1024, 1024));
    assert_eq!(parsed.order.len(), 3, "{out}");
}

fn contention_oracle(file: &str) -> String {
    std::fs::read_to_string(testdata().join("legacy/contention/oracle").join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn mutex_and_block_text_equal_the_proto_of_the_same_moment() {
    for kind in ["mutex", "block"] {
        for t in ["contentions", "delay"] {
            let args = [
                "top",
                "-n",
                "0",
                "--node-fraction",
                "0",
                "-i",
                t,
                &format!("legacy/contention/{kind}.debug1.txt"),
            ];
            let out = run(&args, 0).stdout;
            // Byte for byte, but for the lines the text has no source for.
            let want = contention_oracle(&format!("{kind}.{t}.top.txt"));
            let want: String = want
                .lines()
                .filter(|l| {
                    !["File: ", "Build ID: ", "Time: "]
                        .iter()
                        .any(|p| l.starts_with(p))
                })
                .map(|l| format!("{l}\n"))
                .collect();
            assert_eq!(out, want, "{kind} {t}");
            // pprof's own reading of the text (no binary: one row; delay in
            // exact nanoseconds) has the same total.
            let text = contention_oracle(&format!("{kind}.debug1.{t}.top.txt"));
            let exact = run(&[&args[..], &["--unit", "ns"]].concat(), 0).stdout;
            let exact = if t == "delay" { exact } else { out.clone() };
            let total = |s: &str| {
                s.lines()
                    .find(|l| l.starts_with("Showing nodes"))
                    .map(str::to_owned)
            };
            assert_eq!(total(&exact), total(&text), "{kind} {t}");
            assert!(total(&text).is_some());
        }
    }
}

#[test]
fn memstats_past_i64_print_their_size() {
    // u64::MAX bytes is 16384PB (a cast to i64 once stopped it at 8192PB).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.txt");
    std::fs::write(
        &path,
        "heap profile: 1: 1024 [1: 1024] @ heap/2\n1: 1024 [1: 1024] @ 0x1001\n\
         #\t0x1000\tmain.alloc+0x0\tx.go:1\n\n# runtime.MemStats\n\
         # HeapInuse = 18446744073709551615\n# PauseNs = [18446744073709551615 0]\n# NumGC = 1\n",
    )
    .unwrap();
    let out = run(&["top", path.to_str().unwrap()], 0).stdout;
    assert!(out.contains("HeapInuse 16384PB"), "{out}");
    assert!(!out.contains("8192PB"), "{out}");
}
