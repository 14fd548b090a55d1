//! `top --diff-base/--base/--normalize`, several-profile `top`, `diff` and
//! the growth gate, end to end through the CLI, against `go tool pprof`'s
//! outputs in testdata/oracle.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;
mod support;

use common::{assert_contains, json, oracle, row_name, run, testdata};
use serde_json::Value;

/// The manifest's diff and merge cases printed in exact units (every value
/// an integer), as (oracle file, profiles, pprof flags).
fn exact_diff_and_merge_cases() -> Vec<(String, Vec<String>, Vec<String>)> {
    let manifest = std::fs::read_to_string(testdata().join("oracle/MANIFEST.tsv")).unwrap();
    manifest
        .lines()
        .map(|line| {
            let mut cols = line.split('\t');
            let file = cols.next().unwrap().to_owned();
            let profiles = cols.next().unwrap().split(' ').map(str::to_owned).collect();
            let flags = cols
                .next()
                .unwrap_or("")
                .split(' ')
                .map(str::to_owned)
                .collect();
            (file, profiles, flags)
        })
        .filter(
            |(_, profiles, flags): &(String, Vec<String>, Vec<String>)| {
                let diff = flags
                    .iter()
                    .any(|f| f.starts_with("-diff_base") || f.starts_with("-base"));
                (diff || profiles.len() > 1) && flags.iter().any(|f| f == "-nodefraction=0")
            },
        )
        .collect()
}

/// pprof's flags as pprof-tui arguments.
fn cli_args(profiles: &[String], flags: &[String]) -> Vec<String> {
    let mut args = vec!["top".to_owned(), "--format".to_owned(), "json".to_owned()];
    for flag in flags {
        let (name, value) = flag.split_once('=').unwrap_or((flag, ""));
        match name {
            "-top" | "-nodecount" | "-nodefraction" | "-unit" => {}
            "-sample_index" => args.extend(["--sample-index".to_owned(), value.to_owned()]),
            "-diff_base" => args.extend(["--diff-base".to_owned(), value.to_owned()]),
            "-base" => args.extend(["--base".to_owned(), value.to_owned()]),
            "-normalize" => args.push("--normalize".to_owned()),
            "-cum" => args.push("--cum".to_owned()),
            "-lines" | "-addresses" | "-files" | "-filefunctions" => {
                args.extend(["-g".to_owned(), name[1..].to_owned()])
            }
            "-focus" | "-tagfocus" => args.extend([format!("-{name}"), value.to_owned()]),
            other => panic!("flag {other} is not translated"),
        }
    }
    args.extend(profiles.iter().cloned());
    args
}

#[test]
fn top_json_equals_every_exact_diff_and_merge_oracle() {
    let cases = exact_diff_and_merge_cases();
    assert!(cases.len() >= 25, "found only {} cases", cases.len());
    for (file, profiles, flags) in cases {
        let expected = oracle(&file);
        let args = cli_args(&profiles, &flags);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let doc = json(&args, 0);
        assert_eq!(doc["total"], expected.total, "{file}: total");
        let rows = doc["rows"].as_array().unwrap();
        let got: Vec<(String, i64, i64)> = rows
            .iter()
            .map(|r| {
                (
                    row_name(r),
                    r["flat"].as_i64().unwrap(),
                    r["cum"].as_i64().unwrap(),
                )
            })
            .collect();
        let want: Vec<(String, i64, i64)> = expected
            .order
            .iter()
            .map(|n| (n.clone(), expected.rows[n].0, expected.rows[n].1))
            .collect();
        assert_eq!(got, want, "{file}");
    }
}

fn rows(doc: &Value) -> &Vec<Value> {
    doc["rows"].as_array().expect("rows")
}

fn find<'a>(doc: &'a Value, name: &str) -> &'a Value {
    rows(doc)
        .iter()
        .find(|r| row_name(r) == name)
        .unwrap_or_else(|| panic!("no row {name}"))
}

#[test]
fn diff_rows_hold_both_profiles_values_and_the_pprof_delta() {
    let doc = json(
        &[
            "diff",
            "leaky/heap-1.pb.gz",
            "leaky/heap-3.pb.gz",
            "--all",
            "--format",
            "json",
        ],
        0,
    );
    let base = oracle("leaky-heap-1.inuse_space.top.txt");
    let new = oracle("leaky-heap-3.inuse_space.top.txt");
    let delta = oracle("leaky-heap-3.inuse_space.diff_base-heap-1.top.txt");
    assert_eq!(doc["base"]["total"], base.total);
    assert_eq!(doc["new"]["total"], new.total);
    assert_eq!(doc["sample_type"]["type"], "inuse_space");
    // Every site of either profile is a row, and only those.
    let mut names: Vec<String> = rows(&doc).iter().map(row_name).collect();
    names.sort();
    let mut all: Vec<String> = base.rows.keys().chain(new.rows.keys()).cloned().collect();
    all.sort();
    all.dedup();
    assert_eq!(names, all);
    for row in rows(&doc) {
        let name = row_name(row);
        let (base_flat, base_cum) = base.rows.get(&name).copied().unwrap_or((0, 0));
        let (new_flat, new_cum) = new.rows.get(&name).copied().unwrap_or((0, 0));
        assert_eq!(row["flat"]["base"], base_flat, "{name}");
        assert_eq!(row["flat"]["new"], new_flat, "{name}");
        assert_eq!(row["cum"]["base"], base_cum, "{name}");
        assert_eq!(row["cum"]["new"], new_cum, "{name}");
        // The delta is what `go tool pprof -diff_base` prints for the site.
        let (flat, cum) = delta.rows.get(&name).copied().unwrap_or((0, 0));
        assert_eq!(row["flat"]["delta"], flat, "{name}");
        assert_eq!(row["cum"]["delta"], cum, "{name}");
    }
}

#[test]
fn diff_ranks_the_largest_growth_first_and_marks_new_sites() {
    let doc = json(
        &[
            "diff",
            "leaky/heap-1.pb.gz",
            "leaky/heap-3.pb.gz",
            "--format",
            "json",
        ],
        0,
    );
    let names: Vec<String> = rows(&doc).iter().map(row_name).collect();
    assert_eq!(names[..2], ["main.(*Cache).Put", "main.recordAudit"]);
    let deltas: Vec<i64> = rows(&doc)
        .iter()
        .map(|r| r["flat"]["delta"].as_i64().unwrap())
        .collect();
    assert!(deltas.windows(2).all(|w| w[0] >= w[1]), "{deltas:?}");
    let put = find(&doc, "main.(*Cache).Put");
    assert_eq!(put["status"], "changed");
    // 109976 B -> 1069784 B: +872.7%.
    let pct = put["flat"]["delta_percent"].as_f64().unwrap();
    assert!((pct - (1069784.0 - 109976.0) / 109976.0 * 100.0).abs() < 1e-9);
    let lookup = find(&doc, "runtime/pprof.(*profMap).lookup");
    assert_eq!(lookup["status"], "new");
    assert_eq!(lookup["flat"]["base"], 0);
    assert_eq!(lookup["flat"]["delta_percent"], Value::Null);
    // Unchanged sites are left out unless asked for.
    assert!(rows(&doc).iter().all(|r| r["status"] != "unchanged"));
    assert!(doc["unchanged_hidden"].as_u64().unwrap() > 0);
}

#[test]
fn a_reversed_diff_marks_vanished_sites_and_ranks_shrinking_last() {
    let doc = json(
        &[
            "diff",
            "leaky/heap-3.pb.gz",
            "leaky/heap-1.pb.gz",
            "--format",
            "json",
        ],
        0,
    );
    let lookup = find(&doc, "runtime/pprof.(*profMap).lookup");
    assert_eq!(lookup["status"], "vanished");
    assert_eq!(lookup["flat"]["new"], 0);
    assert_eq!(lookup["flat"]["delta_percent"], -100.0);
    assert_eq!(row_name(rows(&doc).last().unwrap()), "main.(*Cache).Put");
}

#[test]
fn relative_order_puts_new_sites_first_then_the_largest_ratio() {
    let doc = json(
        &[
            "diff",
            "leaky/heap-1.pb.gz",
            "leaky/heap-3.pb.gz",
            "--sort",
            "relative",
            "--format",
            "json",
        ],
        0,
    );
    // Sites whose flat grew from zero (an infinite increase) lead …
    let from_zero = |r: &Value| r["flat"]["base"] == 0 && r["flat"]["delta"].as_i64().unwrap() > 0;
    let new = rows(&doc).iter().take_while(|r| from_zero(r)).count();
    assert!(new >= 2, "{new}");
    assert!(rows(&doc)[new..].iter().all(|r| !from_zero(r)));
    assert!(rows(&doc)[..new].iter().all(|r| r["status"] == "new"));
    // … then the largest relative growth.
    let ratios: Vec<f64> = rows(&doc)[new..]
        .iter()
        .filter_map(|r| r["flat"]["delta_percent"].as_f64())
        .collect();
    assert!(ratios.windows(2).all(|w| w[0] >= w[1]), "{ratios:?}");
    assert_eq!(doc["sort"]["order"], "relative");
}

#[test]
fn normalized_diff_deltas_equal_pprof_normalize() {
    let doc = json(
        &[
            "diff",
            "leaky/heap-1.pb.gz",
            "leaky/heap-3.pb.gz",
            "--normalize",
            "--all",
            "--format",
            "json",
        ],
        0,
    );
    let expected = oracle("leaky-heap-3.inuse_space.diff_base-heap-1.normalize.top.txt");
    for row in rows(&doc) {
        let name = row_name(row);
        let (flat, cum) = expected.rows.get(&name).copied().unwrap_or((0, 0));
        assert_eq!(row["flat"]["delta"], flat, "{name}");
        assert_eq!(row["cum"]["delta"], cum, "{name}");
    }
    // The new side was scaled to the base's total.
    assert_eq!(doc["base"]["total"], 1334904);
    let new_total = doc["new"]["total"].as_i64().unwrap();
    assert!((new_total - 1334904).abs() < 100, "{new_total}");
}

#[test]
fn goroutine_diffs_compare_whole_stacks_named_by_the_blocked_function() {
    let doc = json(
        &[
            "diff",
            "leaky/goroutine-1.pb.gz",
            "leaky/goroutine-3.pb.gz",
            "--format",
            "json",
        ],
        0,
    );
    let rows = rows(&doc);
    assert_eq!(rows.len(), 1, "only the leaking stack changed");
    let row = &rows[0];
    assert_eq!(
        row["name"],
        "main.leakyWorker [runtime.gopark → chanrecv → chanrecv1]"
    );
    assert_eq!(row["site"], "main.leakyWorker");
    assert_eq!(
        row["wait"],
        serde_json::json!(["runtime.gopark", "runtime.chanrecv", "runtime.chanrecv1"])
    );
    assert_eq!(row["flat"]["base"], 10);
    assert_eq!(row["flat"]["new"], 90);
    // An explicit granularity wins.
    let by_function = json(
        &[
            "diff",
            "leaky/goroutine-1.pb.gz",
            "leaky/goroutine-3.pb.gz",
            "-g",
            "functions",
            "--format",
            "json",
        ],
        0,
    );
    assert!(by_function["rows"][0].get("stack").is_none());
    assert_eq!(row_name(&by_function["rows"][0]), "runtime.gopark");
}

#[test]
fn top_groups_goroutines_by_whole_stack() {
    let out = run(&["top", "-g", "stacks", "leaky/goroutine-3.pb.gz"], 0);
    assert_contains(
        &out.stdout,
        "        90 97.83% 97.83%         90 97.83%  main.leakyWorker [runtime.gopark → chanrecv → chanrecv1]\n",
    );
    assert_contains(
        &out.stdout,
        "Showing nodes accounting for 92, 100% of 92 total\n",
    );
}

#[test]
fn diff_text_shows_both_sides_and_the_change() {
    let out = run(
        &[
            "diff",
            "leaky/heap-1.pb.gz",
            "leaky/heap-3.pb.gz",
            "-n",
            "2",
        ],
        0,
    );
    assert_contains(&out.stdout, "Type: inuse_space\n");
    assert_contains(
        &out.stdout,
        "Base: leaky/heap-1.pb.gz, 2026-11-22 02:16:55 UTC, total 1.27MB\n",
    );
    assert_contains(
        &out.stdout,
        "  107.40kB     1.02MB   +937.31kB  +872.7%    107.40kB     1.02MB   +937.31kB  +872.7%  main.(*Cache).Put\n",
    );
    assert_contains(&out.stdout, "Showing top 2 of 49 changed sites");
    assert!(
        out.stdout.ends_with("\n… 47 more (-n 0 for all)\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn diff_text_shows_the_top_20_unless_told_and_json_every_row() {
    let pair = ["diff", "leaky/heap-1.pb.gz", "leaky/heap-3.pb.gz"];
    let text = run(&pair, 0).stdout;
    assert_contains(&text, "Showing top 20 of 49 changed sites");
    assert!(text.ends_with("\n… 29 more (-n 0 for all)\n"), "{text}");
    let all = run(&[&pair[..], &["-n", "0"]].concat(), 0).stdout;
    assert_contains(&all, "Showing 49 changed sites");
    assert!(!all.contains("more (-n 0 for all)"), "{all}");
    let json: Value =
        serde_json::from_str(&run(&[&pair[..], &["--format", "json"]].concat(), 0).stdout).unwrap();
    assert_eq!(rows(&json).len(), 49);
}

#[test]
fn the_gate_fails_only_past_the_limit() {
    let with = |limit: &str, code: i32| {
        run(
            &[
                "diff",
                "leaky/heap-1.pb.gz",
                "leaky/heap-3.pb.gz",
                "-n",
                "1",
                "--fail-on-growth",
                limit,
            ],
            code,
        )
    };
    // main.(*Cache).Put grew by 959808 B = 937.31 kB, 71.90% of heap-1's total.
    let over = with("900kB", 3);
    assert_eq!(
        over.stderr,
        "pprof-tui: growth limit exceeded: main.(*Cache).Put grew by +937.31kB (71.90% of the base total), \
         over the limit of 900kB\n",
    );
    // The table is written either way.
    assert_contains(&over.stdout, "main.(*Cache).Put");
    assert_eq!(with("959808", 0).stderr, "");
    with("959807", 3);
    with("71%", 3);
    with("72%", 0);
    // Every site counts, not only the rows shown: recordAudit grew 252416 B.
    assert_contains(
        &with("200kB", 3).stderr,
        "over the limit of 200kB; 1 more site is over it",
    );
}

#[test]
fn a_limit_in_the_wrong_unit_or_form_is_a_usage_error() {
    let out = run(
        &[
            "diff",
            "leaky/goroutine-1.pb.gz",
            "leaky/goroutine-3.pb.gz",
            "--fail-on-growth",
            "10MB",
        ],
        2,
    );
    assert_contains(
        &out.stderr,
        "growth limit '10MB' is not in a unit of 'goroutine'",
    );
    run(
        &[
            "diff",
            "leaky/heap-1.pb.gz",
            "leaky/heap-3.pb.gz",
            "--fail-on-growth",
            "ten",
        ],
        2,
    );
}

#[test]
fn profiles_without_a_common_sample_type_cannot_be_compared() {
    let out = run(
        &["diff", "leaky/heap-1.pb.gz", "leaky/goroutine-3.pb.gz"],
        1,
    );
    assert_contains(&out.stderr, "no sample type in common");
}

#[test]
fn normalize_needs_a_base_and_the_two_bases_exclude_each_other() {
    run(&["top", "--normalize", "leaky/heap-3.pb.gz"], 2);
    run(
        &[
            "top",
            "--base",
            "leaky/heap-1.pb.gz",
            "--diff-base",
            "leaky/heap-2.pb.gz",
            "leaky/heap-3.pb.gz",
        ],
        2,
    );
}

#[test]
fn profiles_with_different_sample_types_merge_over_the_ones_they_share() {
    let mut a = support::Builder::new();
    a.sample(&["main.main", "main.alloc"], 2, 2048);
    let mut b = support::Builder::new();
    b.sample(&["main.main", "main.alloc"], 1, 1024)
        .sample(&["main.main", "main.other"], 1, 512);
    // b records only `space`.
    b.profile.sample_type.remove(0);
    for s in &mut b.profile.sample {
        s.value.remove(0);
    }
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (dir.path().join("a.pb"), dir.path().join("b.pb"));
    std::fs::write(&pa, a.encode()).unwrap();
    std::fs::write(&pb, b.encode_gz()).unwrap();
    let (pa, pb) = (pa.display().to_string(), pb.display().to_string());
    let out = run(&["top", "--format", "json", &pa, &pb], 0);
    assert_contains(
        &out.stderr,
        "warning: the profiles have different sample types; using the 1 they share: space",
    );
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["sample_type"]["type"], "space");
    assert_eq!(doc["total"], 2048 + 1024 + 512);
    assert_eq!(find(&doc, "main.alloc")["flat"], 2048 + 1024);
    assert_eq!(find(&doc, "main.other")["flat"], 512);
    assert_eq!(find(&doc, "main.main")["cum"], 2048 + 1024 + 512);
}

#[test]
fn profiles_kept_apart_take_the_default_sample_type_a_merge_would() {
    use pprof_tui::analysis::Lineup;
    use pprof_tui::profile::{DecodeOptions, decode, diff_base_owned};
    let build = |default: Option<&str>| {
        let mut b = support::Builder::new();
        b.sample(&["main.main", "main.alloc"], 3, 300);
        if let Some(name) = default {
            b.profile.default_sample_type = b.string(name);
        }
        decode(&b.encode(), &DecodeOptions::default()).unwrap()
    };
    // Only the base names a default: the merged profile takes it.
    let (base, new) = (build(Some("objects")), build(None));
    let merged = diff_base_owned(new.clone(), &base, false).unwrap();
    assert_eq!(merged.default_sample_index(), 0);
    let apart = Lineup::comparison(base, new, false).unwrap();
    assert!(apart.kept_apart());
    assert_eq!(apart.profile().default_sample_index(), 0);
    // The new profile's default wins over the base's.
    let (base, new) = (build(Some("space")), build(Some("objects")));
    let merged = diff_base_owned(new.clone(), &base, false).unwrap();
    let apart = Lineup::comparison(base, new, false).unwrap();
    assert_eq!(
        apart.profile().default_sample_index(),
        merged.default_sample_index()
    );
    assert_eq!(apart.profile().default_sample_index(), 0);
}
