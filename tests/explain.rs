//! `pprof-tui explain`: the leaky service's allocation sites joined with the
//! compiler's escape analysis (testdata/leaky/escape-m*.txt, made by
//! `regen.sh escape`), classed from the four heap sample types and, with
//! snapshots, trend's leak suspects.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use pprof_tui::analysis::escape::{Escapes, Reason};
use pprof_tui::analysis::explain::{ExplainOptions, ExplainRow, Unmatched, explain, heap_indices};
use pprof_tui::profile::{DecodeOptions, Profile, decode};
use serde_json::Value;

use common::{assert_contains, json, run, testdata};

fn load(path: &Path) -> Profile {
    let bytes = std::fs::read(path).unwrap();
    decode(&bytes, &DecodeOptions::default()).unwrap()
}

fn escapes(name: &str) -> Escapes {
    Escapes::parse(&std::fs::read_to_string(testdata().join("leaky").join(name)).unwrap())
}

fn explained(profile: &Profile, escapes: &Escapes) -> Vec<ExplainRow> {
    let options = ExplainOptions {
        sample_index: heap_indices(profile).unwrap()[3],
        ..ExplainOptions::default()
    };
    explain(profile, Some(escapes), None, &options)
        .unwrap()
        .rows
}

fn row<'r>(rows: &'r [ExplainRow], file: &str, line: i64) -> &'r ExplainRow {
    rows.iter()
        .find(|r| r.file == file && r.line == line && r.allocated_in.is_none())
        .unwrap_or_else(|| panic!("no site {file}:{line}"))
}

fn texts(row: &ExplainRow) -> Vec<&str> {
    row.escapes.iter().map(|e| e.text.as_str()).collect()
}

/// The JSON row of `file:line` (its own allocations, not a callee's).
fn json_row<'v>(doc: &'v Value, file: &str, line: i64) -> &'v Value {
    doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["file"] == file && r["line"] == line && r["allocated_in"].is_null())
        .unwrap_or_else(|| panic!("no row {file}:{line} in {doc}"))
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

#[test]
fn the_m2_output_is_read_with_its_flows() {
    let e = escapes("escape-m2.txt");
    assert_eq!(e.files, ["main.go"]);
    assert_eq!(e.skipped_lines, 0);
    assert!(e.has_flows);
    let summary: Vec<(u32, &str, Reason, usize)> = e
        .messages
        .iter()
        .map(|m| (m.line, m.text.as_str(), m.reason(), m.copies[0].flow.len()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                31,
                "make([]byte, size) escapes to heap",
                Reason::NonConstantSize,
                2
            ),
            (56, "make([]byte, 256) escapes to heap", Reason::Stored, 5),
            (58, "&auditRecord{...} escapes to heap", Reason::Stored, 5),
            (
                90,
                "make([]byte, size) escapes to heap",
                Reason::NonConstantSize,
                2
            ),
            (103, "id escapes to heap", Reason::Interface, 6),
            (
                141,
                "make([]node, 1 << depth - 1) escapes to heap",
                Reason::NonConstantSize,
                2
            ),
            (
                172,
                "make([]byte, 64 << 10) does not escape",
                Reason::NonConstantSize,
                0
            ),
            (
                176,
                "make([]node, 1 << depth - 1) escapes to heap",
                Reason::NonConstantSize,
                2
            ),
            (218, "moved to heap: wg", Reason::Passed, 3),
            (270, "n escapes to heap", Reason::Interface, 6),
            (271, "n escapes to heap", Reason::Interface, 6),
            (
                280,
                "\"usage: leaky OUTDIR\" escapes to heap",
                Reason::Interface,
                6
            ),
            (319, "len(cache.m) escapes to heap", Reason::Interface, 8),
            (319, "len(auditLog) escapes to heap", Reason::Interface, 8),
            (
                319,
                "len(workerChans) escapes to heap",
                Reason::Interface,
                8
            ),
            (319, "sink escapes to heap", Reason::Interface, 8),
            (319, "hotCounter escapes to heap", Reason::Interface, 8),
            (
                25,
                "make(map[string][]byte) escapes to heap",
                Reason::Stored,
                3
            ),
            // Go prints no plain message for a go statement's closure: its
            // header alone says it escapes.
            (109, "func literal escapes to heap", Reason::GoStatement, 2),
            (221, "func literal escapes to heap", Reason::GoStatement, 2),
            (222, "func literal escapes to heap", Reason::GoStatement, 2),
            (248, "func literal escapes to heap", Reason::GoStatement, 2),
        ]
    );
    // The flow that says why &auditRecord{...} is on the heap: it is
    // appended to the global audit log.
    let audit = &e.messages[2].copies[0].flow;
    assert_eq!(audit[0], "flow: rec = &{storage for &auditRecord{...}}");
    assert_eq!(
        audit[4],
        "from append(auditLog, rec) (call parameter) at ./main.go:60:19"
    );
}

#[test]
fn the_m_output_is_read_without_flows() {
    let e = escapes("escape-m.txt");
    assert!(!e.has_flows);
    assert_eq!(e.messages.len(), 18);
    // Without -m=2 the compiler says no flow, and the reason is never
    // guessed from the expression: `make([]byte, size)` and `id` (an fmt
    // argument) are as unknown as `&auditRecord{...}`. A make that "does
    // not escape" is on the heap only when its run-time size was too big
    // for the stack buffer.
    for m in &e.messages {
        let want = if m.text.ends_with("does not escape") {
            Reason::NonConstantSize
        } else {
            Reason::Unknown
        };
        assert_eq!(m.reason(), want, "{}", m.text);
        assert_eq!(m.copies.len(), 1);
        assert!(m.copies[0].flow.is_empty());
    }
}

/// Go 1.27's -m=2 of the same program (go1.27/escape-m2.txt): `escapes to
/// heap in F:` headers, `←` arrows, and a flow for every message; the
/// reasons come from where the flows end.
#[test]
fn go_1_27s_m2_output_is_read_from_its_flows() {
    let text = std::fs::read_to_string(testdata().join("go1.27/escape-m2.txt")).unwrap();
    let e = Escapes::parse(&text);
    assert!(e.has_flows);
    let at = |line: u32| -> Vec<(&str, Option<&str>, Reason)> {
        e.messages
            .iter()
            .filter(|m| m.line == line && e.files[m.file] == "main.go")
            .flat_map(|m| {
                m.copies
                    .iter()
                    .map(|c| (m.text.as_str(), c.function.as_deref(), c.reason))
            })
            .collect()
    };
    // Stored into the cache's map (Go 1.19 said only "non-constant size").
    assert_eq!(
        at(31),
        [(
            "make([]byte, size) escapes to heap",
            Some("(*Cache).Put"),
            Reason::Stored
        )]
    );
    assert_eq!(
        at(58),
        [(
            "&auditRecord{...} escapes to heap",
            Some("recordAudit"),
            Reason::Stored
        )]
    );
    // Go 1.25+ prints the growth of a slice as `append escapes to heap`;
    // its flow is the header `append(auditLog, rec) escapes to heap in …`.
    assert_eq!(
        at(60),
        [(
            "append escapes to heap",
            Some("recordAudit"),
            Reason::Stored
        )]
    );
    // A run-time size: the compiler keeps small ones on the stack and says
    // "does not escape"; the profile shows the large ones on the heap.
    assert_eq!(
        at(90),
        [(
            "make([]byte, size) does not escape",
            None,
            Reason::NonConstantSize
        )]
    );
    assert_eq!(
        at(103),
        [(
            "id escapes to heap",
            Some("handleRequest"),
            Reason::Interface
        )]
    );
    assert_eq!(
        at(109),
        [(
            "func literal escapes to heap",
            Some("handleRequest"),
            Reason::GoStatement
        )]
    );
    // Two flows of one variable, both into sync.WaitGroup's methods.
    assert_eq!(
        at(218),
        [
            ("moved to heap: wg", Some("lockContention"), Reason::Passed),
            ("moved to heap: wg", Some("lockContention"), Reason::Passed)
        ]
    );
    assert_eq!(e.skipped_lines, 0);
}

#[test]
fn leaky_sites_are_classed_and_explained_with_snapshots() {
    let doc = json(
        &[
            "explain",
            "leaky/heap-3.pb.gz",
            "leaky/heap-1.pb.gz",
            "leaky/heap-2.pb.gz",
            "--escape",
            "leaky/escape-m2.txt",
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(doc["snapshots"], 3);
    // Memory the standard library allocates for a line of main.go is that
    // line's (with allocated_in): 95 lines that allocate, 52 sites.
    assert_eq!(doc["site_total"], 52);
    assert_eq!(doc["matched"], 18);

    // The cache's values: retained, growing, and explained.
    let put = json_row(&doc, "leaky/main.go", 31);
    assert_eq!(put["name"], "main.(*Cache).Put");
    assert_eq!(put["flat"], 921_600);
    assert_eq!(strings(&put["class"]), ["leak", "retained"]);
    assert_eq!(
        strings(&put["escapes"]),
        ["make([]byte, size) escapes to heap"]
    );
    // Go 1.19's flow says only this (Go 1.27's says the map keeps it).
    assert_eq!(strings(&put["why"]), ["non_constant_size"]);
    assert_eq!(put["growth"]["net"], 819_200);
    assert_eq!(put["growth"]["suspect"], true);

    // The audit records: retained, growing, stored into the global slice.
    let audit = json_row(&doc, "leaky/main.go", 58);
    assert_eq!(audit["name"], "main.recordAudit");
    assert_eq!(audit["flat"], 43_200);
    assert_eq!(strings(&audit["class"]), ["leak", "retained"]);
    assert_eq!(
        strings(&audit["escapes"]),
        ["&auditRecord{...} escapes to heap"]
    );
    assert_eq!(strings(&audit["why"]), ["stored"]);
    // The verdict's advice first, then the reason's; retained's is the
    // leak's already.
    assert_eq!(
        strings(&audit["advice"]),
        [
            "leak: grows in every snapshot; find what holds it and bound it (evict from the map, trim the slice, close bodies and files)",
            "stored: it lives as long as the map, slice or global that holds it; bound that (eviction, a size cap, trimming)",
        ]
    );

    // The transient response buffer: churn (and large), non-constant make.
    let response = json_row(&doc, "leaky/main.go", 90);
    assert_eq!(response["flat"], 0);
    assert_eq!(response["values"]["alloc_space"], 32_984_832);
    assert_eq!(response["values"]["alloc_objects"], 900);
    assert_eq!(strings(&response["class"]), ["large", "churn"]);
    assert_eq!(
        strings(&response["escapes"]),
        ["make([]byte, size) escapes to heap"]
    );
    assert_eq!(
        strings(&response["advice"]),
        [
            "large objects: stream instead of holding the whole thing, or allocate once and reuse it",
            "size known at run time: preallocate with a constant size when there is a bound, or reuse the buffer (sync.Pool, a caller-owned slice)",
            "churn: short-lived garbage that drives the GC; reuse it (sync.Pool, a caller-owned buffer) or allocate less often",
        ]
    );

    // fmt.Sprintf's argument: an interface conversion, 8 bytes a time.
    let boxed = json_row(&doc, "leaky/main.go", 103);
    assert_eq!(strings(&boxed["escapes"]), ["id escapes to heap"]);
    assert_eq!(strings(&boxed["why"]), ["interface"]);
    assert_eq!(boxed["values"]["alloc_space"], 5280);
    assert_eq!(strings(&boxed["class"]), Vec::<&str>::new());
    assert_eq!(
        strings(&boxed["advice"]),
        [
            "boxed into an interface: avoid fmt and any arguments on hot paths (strconv.Append*, typed writers, a reused buffer)"
        ]
    );
    // The key strings Sprintf makes on that line: allocated inside it, kept
    // by the cache, and charged with none of the line's messages.
    let sprintf = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["line"] == 103 && r["allocated_in"] == "fmt.Sprintf")
        .unwrap();
    assert_eq!(sprintf["name"], "main.handleRequest");
    assert_eq!(sprintf["values"]["inuse_space"], 14_888);
    assert_eq!(strings(&sprintf["class"]), ["leak"]);
    assert_eq!(strings(&sprintf["escapes"]), Vec::<&str>::new());
    assert_eq!(
        strings(&sprintf["advice"])[1],
        "allocated inside fmt.Sprintf: keep less of what it returns, or call a variant that fills a buffer you reuse"
    );
    // The CPU profile's buffer, allocated inside pprof.StartCPUProfile.
    let cpu = doc["rows"][1].clone();
    assert_eq!(cpu["name"], "main.main");
    assert_eq!(cpu["allocated_in"], "runtime/pprof.StartCPUProfile");
    assert_eq!(strings(&cpu["class"]), ["large", "retained"]);

    // The first row is the biggest share: the response buffers' 79.73% of
    // alloc_space.
    assert_eq!(doc["rows"][0]["line"], 90);
    // Map growth in Put has no message: counted, not joined.
    let map_growth = json_row(&doc, "leaky/main.go", 36);
    assert_eq!(map_growth["unmatched"], "no_message");
    assert_eq!(strings(&map_growth["escapes"]), Vec::<&str>::new());
    let unmatched: Vec<(String, u64)> = doc["unmatched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["why"].as_str().unwrap().to_owned(),
                u["sites"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        unmatched,
        [("not_covered".to_owned(), 29), ("no_message".to_owned(), 5)]
    );
}

#[test]
fn one_profile_has_no_leak_class() {
    let doc = json(
        &[
            "explain",
            "leaky/heap-3.pb.gz",
            "--escape",
            "leaky/escape-m.txt",
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(doc["snapshots"], 0);
    let put = json_row(&doc, "leaky/main.go", 31);
    assert_eq!(strings(&put["class"]), ["retained"]);
    assert_eq!(put["growth"], Value::Null);
    let audit = json_row(&doc, "leaky/main.go", 58);
    assert_eq!(strings(&audit["why"]), ["escapes"]);
    // Plain -m says no flow: the class leads, then how to see the flow.
    assert_eq!(
        strings(&audit["advice"]),
        [
            "retained: find what holds it (a cache, a global, a long-lived struct) and bound it",
            "build with -gcflags=-m=2 to see where it flows"
        ]
    );
}

#[test]
fn thresholds_are_flags() {
    let doc = json(
        &[
            "explain",
            "leaky/heap-3.pb.gz",
            "--retained-share",
            "10%",
            "--large-object",
            "1MB",
            "--format",
            "json",
        ],
        0,
    );
    // 34.97% of inuse_space: still retained; 8.74%: no longer.
    assert_eq!(
        strings(&json_row(&doc, "leaky/main.go", 31)["class"]),
        ["retained"]
    );
    assert_eq!(
        strings(&json_row(&doc, "leaky/main.go", 56)["class"]),
        Vec::<&str>::new()
    );
    assert_eq!(
        strings(&json_row(&doc, "leaky/main.go", 90)["class"]),
        ["churn"]
    );
    assert_eq!(doc["thresholds"]["large_object"], 1 << 20);
    let bad = run(&["explain", "leaky/heap-3.pb.gz", "--churn-share", "x"], 2);
    assert_contains(&bad.stderr, "'x' is not a share (write 5% or 0.05)");
}

#[test]
fn the_text_report() {
    let out = run(
        &[
            "explain",
            "leaky/heap-3.pb.gz",
            "leaky/heap-1.pb.gz",
            "leaky/heap-2.pb.gz",
            "--escape",
            "leaky/escape-m2.txt",
            "-n",
            "6",
        ],
        0,
    );
    insta::assert_snapshot!("explain_heap3_text", out.stdout);
    assert_eq!(
        out.stderr,
        "pprof-tui: warning: 34 of 52 allocation sites have no message in 'leaky/escape-m2.txt': \
         29 in files the compiler output does not cover (standard library, other modules) (e.g. runtime/proc.go:539); \
         5 on lines with no escape message (runtime growth of maps, appends, channels, goroutines — or a stale build?) (e.g. leaky/main.go:60)\n"
    );
}

/// heap-3 with `leaky/main.go` renamed in its string table (a top-level
/// protobuf field, so only its length prefix changes).
fn renamed(file: &str, dir: &Path) -> PathBuf {
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(testdata().join("leaky/heap-3.pb.gz")).unwrap(),
    )
    .read_to_end(&mut raw)
    .unwrap();
    let old = b"\x32\x0dleaky/main.go";
    let at = raw.windows(old.len()).position(|w| w == old).unwrap();
    assert!(file.len() < 128);
    let mut entry = vec![0x32, file.len() as u8];
    entry.extend_from_slice(file.as_bytes());
    raw.splice(at..at + old.len(), entry);
    let path = dir.join(format!("heap-{}.pb", file.replace('/', "_")));
    std::fs::File::create(&path)
        .unwrap()
        .write_all(&raw)
        .unwrap();
    path
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pprof-tui-explain-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn paths_match_absolute_module_relative_and_trimpath_profiles() {
    let dir = temp_dir("paths");
    let e = escapes("escape-m2.txt");
    for file in ["leaky/main.go", "/home/dev/src/leaky/main.go", "main.go"] {
        let profile = if file == "leaky/main.go" {
            load(&testdata().join("leaky/heap-3.pb.gz"))
        } else {
            load(&renamed(file, &dir))
        };
        let rows = explained(&profile, &e);
        assert_eq!(
            texts(row(&rows, file, 31)),
            ["make([]byte, size) escapes to heap"],
            "{file}"
        );
        assert_eq!(
            texts(row(&rows, file, 58)),
            ["&auditRecord{...} escapes to heap"],
            "{file}"
        );
        assert_eq!(
            texts(row(&rows, file, 103)),
            ["id escapes to heap"],
            "{file}"
        );
        assert_eq!(
            row(&rows, file, 36).unmatched,
            Some(Unmatched::NoMessage),
            "{file}"
        );
        // The standard library is never joined with the module's main.go.
        let runtime = rows.iter().find(|r| r.file == "runtime/proc.go").unwrap();
        assert_eq!(runtime.unmatched, Some(Unmatched::NotCovered));
    }
    // A build path longer than the profile's is no match: another main.go.
    let other = Escapes::parse(
        &std::fs::read_to_string(testdata().join("leaky/escape-m2.txt"))
            .unwrap()
            .replace("./main.go", "./cmd/other/main.go"),
    );
    let rows = explained(&load(&testdata().join("leaky/heap-3.pb.gz")), &other);
    assert_eq!(
        row(&rows, "leaky/main.go", 31).unmatched,
        Some(Unmatched::NotCovered)
    );
    // An absolute build path ends with the trimpath profile's path.
    let text = std::fs::read_to_string(testdata().join("leaky/escape-m.txt")).unwrap();
    let absolute = Escapes::parse(&text.replace("./main.go", "/build/src/leaky/main.go"));
    let rows = explained(&load(&testdata().join("leaky/heap-3.pb.gz")), &absolute);
    assert_eq!(
        texts(row(&rows, "leaky/main.go", 31)),
        ["make([]byte, size) escapes to heap"]
    );
    // Two build files that fit equally well are not guessed between.
    let both = Escapes::parse(&format!(
        "{}{}",
        text.replace("./main.go", "/a/leaky/main.go"),
        text.replace("./main.go", "/b/leaky/main.go")
    ));
    let rows = explained(&load(&testdata().join("leaky/heap-3.pb.gz")), &both);
    assert_eq!(
        row(&rows, "leaky/main.go", 31).unmatched,
        Some(Unmatched::Ambiguous)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The compiler output with every line number of main.go moved by `by`, as
/// if main.go had changed since the profiled binary was built.
fn shifted(text: &str, by: u32) -> String {
    text.lines()
        .map(|l| match l.strip_prefix("./main.go:") {
            Some(rest) => {
                let (n, tail) = rest.split_once(':').unwrap();
                format!("./main.go:{}:{tail}\n", n.parse::<u32>().unwrap() + by)
            }
            None => format!("{l}\n"),
        })
        .collect()
}

#[test]
fn a_stale_escape_file_is_a_warning_not_a_wrong_join() {
    let dir = temp_dir("stale");
    // Moved by 2, make([]byte, 256) of line 56 would sit on line 58, where
    // the profile has &auditRecord{...}.
    let stale = dir.join("escape-stale.txt");
    let text = std::fs::read_to_string(testdata().join("leaky/escape-m.txt")).unwrap();
    std::fs::write(&stale, shifted(&text, 2)).unwrap();
    let stale = stale.to_str().unwrap();
    let out = run(
        &[
            "explain",
            "leaky/heap-3.pb.gz",
            "--escape",
            stale,
            "--format",
            "json",
        ],
        0,
    );
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["matched"], 0);
    assert!(
        doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["escapes"] == Value::Array(vec![]))
    );
    assert_eq!(json_row(&doc, "leaky/main.go", 58)["unmatched"], "stale");
    assert_contains(
        &out.stderr,
        "stale build? the profile has os.Create inlined at line 256 of main.go, the compiler output at lines 258, 290\n",
    );
    assert_contains(
        &out.stderr,
        "23 in files whose compiler output is stale (lines moved since)",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_escape_file_is_an_error_and_an_empty_one_a_warning() {
    let out = run(
        &[
            "explain",
            "leaky/heap-3.pb.gz",
            "--escape",
            "leaky/nonexistent.txt",
            "-n",
            "1",
        ],
        1,
    );
    assert_eq!(
        out.stderr,
        "pprof-tui: cannot read escape file 'leaky/nonexistent.txt': No such file or directory (os error 2)\n"
    );
    assert_eq!(out.stdout, "");
    let out = run(
        &[
            "explain",
            "leaky/heap-3.pb.gz",
            "--escape",
            "leaky/main.go",
            "-n",
            "1",
        ],
        0,
    );
    assert_contains(
        &out.stderr,
        "pprof-tui: warning: 'leaky/main.go' holds no escape analysis messages ('escapes to heap', 'moved to heap'); \
         make it with go build -gcflags=-m=2 ./... 2> FILE\n",
    );
}

#[test]
fn escape_from_without_go_says_how_to_make_the_file() {
    let empty = temp_dir("nogo");
    let output = assert_cmd::Command::cargo_bin("pprof-tui")
        .unwrap()
        .current_dir(testdata())
        .env("PATH", &empty)
        .args([
            "explain",
            "leaky/heap-3.pb.gz",
            "--escape-from",
            "leaky",
            "-n",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "pprof-tui: warning: go is not on PATH, so --escape-from cannot build 'leaky'; make the file by hand: \
         (cd leaky && go build -gcflags=-m=2 ./... 2> escape.txt) and pass --escape leaky/escape.txt\n"
    );
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn explain_needs_a_heap_profile() {
    let out = run(&["explain", "leaky/cpu.pb.gz"], 1);
    assert_eq!(
        out.stderr,
        "pprof-tui: profile 'leaky/cpu.pb.gz': it has no 'alloc_objects' sample type; explain needs a Go heap or \
         allocs profile (alloc_objects, alloc_space, inuse_objects, inuse_space)\n"
    );
    let out = run(
        &[
            "explain",
            "leaky/heap-3.pb.gz",
            "--escape",
            "a",
            "--escape-from",
            "b",
        ],
        2,
    );
    assert_contains(&out.stderr, "cannot be used with");
}

#[test]
fn compiler_text_reaches_the_terminal_escaped() {
    let dir = temp_dir("hostile");
    let hostile = dir.join("escape-hostile.txt");
    std::fs::write(
        &hostile,
        "# leaky\n./main.go:31:11: make([]byte, \u{1b}[2Jsize\u{202e}) escapes to heap:\n\
         ./main.go:31:11:   flow: {heap} = \u{1b}]0;title\u{7}:\n\
         ./main.go:31:11: make([]byte, \u{1b}[2Jsize\u{202e}) escapes to heap\n",
    )
    .unwrap();
    let hostile = hostile.to_str().unwrap();
    let out = run(
        &[
            "explain",
            "leaky/heap-3.pb.gz",
            "--escape",
            hostile,
            "-n",
            "3",
        ],
        0,
    );
    assert!(!out.stdout.contains('\u{1b}'), "{}", out.stdout);
    assert!(!out.stdout.contains('\u{202e}'), "{}", out.stdout);
    assert_contains(
        &out.stdout,
        "make([]byte, \\x1b[2Jsize\\u{202e}) escapes to heap",
    );
    let doc = json(
        &[
            "explain",
            "leaky/heap-3.pb.gz",
            "--escape",
            hostile,
            "--format",
            "json",
        ],
        0,
    );
    // JSON keeps the text exactly, escaped as JSON.
    assert_eq!(
        strings(&json_row(&doc, "leaky/main.go", 31)["escapes"]),
        ["make([]byte, \u{1b}[2Jsize\u{202e}) escapes to heap"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// With Go installed (CI has none: there the test says so and passes),
/// `--escape-from` builds the module and joins what the compiler says
/// exactly as the committed -m=2 output does.
#[test]
fn escape_from_builds_the_module_when_go_is_there() {
    let has_go = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("go").is_file()));
    if !has_go {
        eprintln!("go is not on PATH: --escape-from is tested without it only");
        return;
    }
    let doc = json(
        &[
            "explain",
            "leaky/heap-3.pb.gz",
            "--escape-from",
            "leaky",
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(
        doc["escape_source"],
        "go build -gcflags=-m=2 ./... in leaky"
    );
    // The same as the committed output of that Go release, when it is one
    // of the two the corpus has.
    let version = std::process::Command::new("go")
        .arg("version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let committed = if version.contains("go1.19") {
        Some("leaky/escape-m2.txt")
    } else if version.contains("go1.27") {
        Some("go1.27/escape-m2.txt")
    } else {
        None
    };
    match committed {
        Some(file) => {
            let want = json(
                &[
                    "explain",
                    "leaky/heap-3.pb.gz",
                    "--escape",
                    file,
                    "--format",
                    "json",
                ],
                0,
            );
            assert_eq!(doc["matched"], want["matched"], "{version}");
            assert_eq!(doc["rows"], want["rows"], "{version}");
        }
        None => assert!(doc["matched"].as_u64().unwrap() > 0, "{version}"),
    }
    let put = json_row(&doc, "leaky/main.go", 31);
    assert_eq!(
        strings(&put["escapes"]),
        ["make([]byte, size) escapes to heap"]
    );
    assert!(
        !testdata().join("leaky/leaky").exists(),
        "the build wrote no binary into the module"
    );
    // A directory that is no module: go build's own complaint, exit 1.
    let empty = temp_dir("notamodule");
    let out = run(
        &[
            "explain",
            "leaky/heap-3.pb.gz",
            "--escape-from",
            empty.to_str().unwrap(),
        ],
        1,
    );
    assert!(
        out.stderr
            .starts_with("pprof-tui: go build -gcflags=-m=2 ./... failed in '"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    std::fs::remove_dir_all(&empty).unwrap();
}

/// The same service built and profiled by Go 1.27 (go1.27/), explained
/// with Go 1.27's -m=2: today's reasons for the same sites.
#[test]
fn go_1_27s_leaky_is_explained_with_todays_reasons() {
    let doc = json(
        &[
            "explain",
            "go1.27/heap-3.pb.gz",
            "go1.27/heap-1.pb.gz",
            "go1.27/heap-2.pb.gz",
            "--escape",
            "go1.27/escape-m2.txt",
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(doc["matched"], 25);
    let put = json_row(&doc, "leaky/main.go", 31);
    assert_eq!(strings(&put["class"]), ["leak", "retained"]);
    // The flow ends in the cache's map: `c.m[key] = v`.
    assert_eq!(strings(&put["why"]), ["stored"]);
    let response = json_row(&doc, "leaky/main.go", 90);
    assert_eq!(strings(&response["class"]), ["large", "churn"]);
    assert_eq!(
        strings(&response["escapes"]),
        ["make([]byte, size) does not escape"]
    );
    assert_eq!(strings(&response["why"]), ["non_constant_size"]);
    let cpu = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["line"] == 292)
        .unwrap();
    assert_eq!(cpu["allocated_in"], "runtime/pprof.StartCPUProfile");
    for r in doc["rows"].as_array().unwrap() {
        for a in strings(&r["advice"]) {
            assert!(!a.contains("-m=2"), "{a}");
        }
    }
}
