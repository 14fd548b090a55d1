//! Leak verdicts on real Go programs (`testdata/verdicts/`, Go's default
//! MemProfileRate): a series that starts on a fresh process, a restart in
//! the middle of a series, and 30 snapshots of a steady leak beside a
//! bounded cache, a periodically flushed cache and transient garbage.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use serde_json::Value;

use common::{assert_contains, json, load, run, testdata};

/// `testdata/verdicts/DIR` files whose names end with `suffix`, sorted.
fn files(dir: &str, suffix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(testdata().join("verdicts").join(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(suffix))
        .map(|n| format!("verdicts/{dir}/{n}"))
        .collect();
    names.sort();
    names
}

fn trend_doc(files: &[String], extra: &[&str]) -> Value {
    let mut args = vec!["trend", "--format", "json"];
    args.extend(extra);
    args.extend(files.iter().map(String::as_str));
    json(&args, 0)
}

fn rows(doc: &Value) -> &Vec<Value> {
    doc["rows"].as_array().unwrap()
}

/// The names of the suspect rows, in order.
fn suspects(doc: &Value) -> Vec<&str> {
    rows(doc)
        .iter()
        .filter(|r| r["suspect"] == true)
        .map(|r| r["name"].as_str().unwrap())
        .collect()
}

fn row<'a>(doc: &'a Value, name: &str) -> &'a Value {
    rows(doc)
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name}"))
}

/// Every suspect row comes before every other row.
fn assert_suspects_first(doc: &Value) {
    let flags: Vec<bool> = rows(doc).iter().map(|r| r["suspect"] == true).collect();
    assert!(
        flags.windows(2).all(|w| w[0] || !w[1]),
        "a suspect after a non-suspect: {flags:?}"
    );
}

#[test]
fn a_series_that_starts_on_a_fresh_process_ranks_its_leaks() {
    let fresh = files("fresh", ".heap.debug1.txt");
    assert_eq!(fresh.len(), 16);
    // Go 1.19 wrote the first snapshot before its first GC freed anything:
    // in-use equals allocated, which pprof reads as `objects/space`.
    let first = std::fs::read_to_string(testdata().join(&fresh[0])).unwrap();
    assert!(
        first.starts_with("heap profile: 5: 141840 [5: 141840] @ heap/1048576\n"),
        "{}",
        &first[..60]
    );
    let names: Vec<String> = load(&fresh[0])
        .sample_types
        .iter()
        .map(|t| t.name.clone())
        .collect();
    assert_eq!(names, ["objects", "space"], "top keeps pprof's names");
    // As a series it joins the others under all four types.
    let doc = trend_doc(&fresh, &[]);
    assert_eq!(doc["sample_type"]["type"], "inuse_space");
    assert_eq!(doc["warnings"], Value::Array(Vec::new()));
    assert_eq!(suspects(&doc), ["main.leak"]);
    let leak = row(&doc, "main.leak");
    assert_eq!(leak["values"].as_array().unwrap().len(), 16);
    assert_eq!(
        leak["values"][0], 0,
        "nothing of the leak in the fresh snapshot"
    );
    assert_suspects_first(&doc);
    // Every sample type ranks, alloc_* included.
    for index in ["alloc_space", "alloc_objects", "inuse_objects"] {
        let doc = trend_doc(&fresh, &["-i", index]);
        assert_eq!(doc["sample_type"]["type"], index);
        assert_eq!(
            rows(&doc).len(),
            doc["site_total"].as_u64().unwrap() as usize
        );
    }
    // The fresh snapshot against a later one (what `d` does in a watch).
    let out = run(&["top", "--diff-base", &fresh[0], &fresh[15]], 0);
    assert_contains(&out.stdout, "main.leak\n");
}

#[test]
fn a_restart_is_reported_and_the_leak_is_still_the_first_suspect() {
    for (suffix, why) in [
        (".heap.debug1.txt", "NumGC fell from 14 to 0"),
        (".heap.pb.gz", "the allocated totals fell"),
    ] {
        let series = files("restart", suffix);
        assert_eq!(series.len(), 22);
        let doc = trend_doc(&series, &[]);
        let restarts = doc["restarts"].as_array().unwrap();
        assert_eq!(restarts.len(), 1, "{suffix}: {restarts:?}");
        assert_eq!(restarts[0]["snapshot"], 14);
        assert_eq!(restarts[0]["source"], series[14].as_str());
        assert_eq!(restarts[0]["why"], why);
        assert_eq!(suspects(&doc), ["main.leak"], "{suffix}");
        assert_eq!(rows(&doc)[0]["name"], "main.leak");
        assert_suspects_first(&doc);
        // Growth within the lives: the drop at the restart is not a fall.
        let leak = row(&doc, "main.leak");
        let values: Vec<i64> = leak["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        let within = (values[13] - values[0]) + (values[21] - values[14]);
        assert_eq!(leak["growth"].as_i64().unwrap(), within);
        assert!(values[14] < values[13], "{values:?}");
        let text = run(
            &[
                &["trend"],
                &series.iter().map(String::as_str).collect::<Vec<_>>()[..],
            ]
            .concat(),
            0,
        );
        let line = format!(
            "restart: {} (snapshot 15) is a new process ({why}); growth is judged within each process\n",
            series[14]
        );
        assert_contains(&text.stdout, &line);
        assert_contains(&text.stderr, &line);
    }
    // The goroutine series of the same run: the parked goroutines collapse.
    let goroutines = files("restart", ".goroutine.pb.gz");
    let doc = trend_doc(&goroutines, &[]);
    assert_eq!(doc["restarts"][0]["snapshot"], 14);
    assert_eq!(doc["restarts"][0]["why"], "goroutines fell from 35 to 4");
    assert_eq!(
        suspects(&doc),
        ["main.parked [runtime.gopark → chanrecv → chanrecv1]"]
    );
}

#[test]
fn thirty_snapshots_at_the_default_rate_find_the_steady_leak_only() {
    let series = files("series", ".pb.gz");
    assert_eq!(series.len(), 30);
    let doc = trend_doc(&series, &[]);
    assert_eq!(doc["noise_floor"], 524288.0, "Go's default sampling period");
    assert_eq!(suspects(&doc), ["main.leak"]);
    assert_suspects_first(&doc);
    let leak = row(&doc, "main.leak");
    // A staircase: it never falls, but rises in fewer than half the
    // intervals (the old rule's miss).
    assert_eq!(leak["monotonic"], true);
    assert!(leak["rises"].as_u64().unwrap() < 15, "{leak}");
    assert!(leak["confidence"].as_f64().unwrap() > 0.99);
    assert_eq!(leak["continuing"], true);
    for name in ["main.(*bounded).put", "main.(*batch).add", "main.render"] {
        assert_eq!(row(&doc, name)["suspect"], false, "{name}");
    }
    // The same snapshots written as debug=1 text give the same verdict.
    let text = trend_doc(&files("series", ".debug1.txt"), &[]);
    assert_eq!(suspects(&text), ["main.leak"]);
}

#[test]
fn the_profilers_own_work_is_marked_and_kept_out_of_the_suspects() {
    let series = files("series", ".pb.gz");
    let doc = trend_doc(&series, &[]);
    let own: Vec<&Value> = rows(&doc)
        .iter()
        .filter(|r| r["profiler"] == true)
        .collect();
    assert!(!own.is_empty());
    for r in &own {
        let name = r["name"].as_str().unwrap();
        assert!(
            name.starts_with("compress/flate.") || name.starts_with("runtime/pprof."),
            "{name}"
        );
        assert_eq!(r["suspect"], false, "{name}");
    }
    // On the leaky service's text snapshots the profiler's own map grew in
    // each interval: a suspect only with --profiler.
    let heaps = [
        "legacy/heap-1.debug1.txt",
        "legacy/heap-2.debug1.txt",
        "legacy/heap-3.debug1.txt",
    ];
    let heaps: Vec<String> = heaps.iter().map(|s| (*s).to_owned()).collect();
    let lookup = "runtime/pprof.(*profMap).lookup";
    let doc = trend_doc(&heaps, &[]);
    assert_eq!(row(&doc, lookup)["suspect"], false);
    assert_eq!(row(&doc, lookup)["profiler"], true);
    let with = trend_doc(&heaps, &["--profiler"]);
    assert_eq!(row(&with, lookup)["suspect"], true);
    assert_eq!(
        with["suspects"].as_u64().unwrap(),
        doc["suspects"].as_u64().unwrap() + 1
    );
}

#[test]
fn allocation_rate_and_age_come_from_the_first_and_last_timed_snapshots() {
    let series = files("series", ".pb.gz");
    let doc = trend_doc(&series, &[]);
    let at = |i: usize| {
        let time = doc["snapshots"][i]["time"].as_str().unwrap();
        time.parse::<jiff::Timestamp>().unwrap().as_nanosecond()
    };
    let seconds = (at(29) - at(0)) as f64 / 1e9;
    // Each site's alloc_space and alloc_objects in the first and last
    // snapshot, as `top` reports them.
    let flat = |file: &str, index: &str, name: &str| -> f64 {
        let top = json(&["top", "--format", "json", "-i", index, file], 0);
        top["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .map_or(0.0, |r| r["flat"].as_f64().unwrap())
    };
    for name in ["main.leak", "main.(*bounded).put"] {
        let t = &row(&doc, name)["turnover"];
        let bytes = (flat(&series[29], "alloc_space", name)
            - flat(&series[0], "alloc_space", name))
            / seconds;
        let objects = (flat(&series[29], "alloc_objects", name)
            - flat(&series[0], "alloc_objects", name))
            / seconds;
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs().max(1.0);
        assert!(
            close(t["bytes_per_second"].as_f64().unwrap(), bytes),
            "{name}: {t}"
        );
        assert!(
            close(t["objects_per_second"].as_f64().unwrap(), objects),
            "{name}: {t}"
        );
        let inuse = flat(&series[29], "inuse_objects", name);
        assert!(
            close(t["mean_age_seconds"].as_f64().unwrap(), inuse / objects),
            "{name}: {t}"
        );
    }
    // The leak keeps what it allocated since the start; the cache replaces
    // its entries: the leak's objects are older.
    let age = |name: &str| {
        row(&doc, name)["turnover"]["mean_age_seconds"]
            .as_f64()
            .unwrap()
    };
    assert!(age("main.leak") > 2.0 * age("main.(*bounded).put"));
}
