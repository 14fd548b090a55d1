//! Where one `pprof-tui top PROFILE` spends its time, phase by phase, in a
//! fresh process (so that first touches of memory count as they do in the
//! command): loading (read, inflate, decode, build the model), ranking,
//! printing and freeing, each with the wall time and the page faults it
//! took. The docs' breakdown of `top` on the Go compiler's heap profile
//! comes from many runs of it:
//! `for i in $(seq 30); do target/release/examples/top_phases testdata/compile/compile-heap.pb.gz; done`.
//! Process start and exit are measured apart (`perf stat pprof-tui --version`).
//! Options go before the profile, as for `top`: `top_phases -g lines PROFILE`.

#![allow(
    clippy::expect_used,
    reason = "a measuring tool for the docs; failures should be loud"
)]

use std::time::Instant;

use pprof_tui::analysis::top;
use pprof_tui::cli::TopRequest;
use pprof_tui::report::text::write_top;
use pprof_tui::safe_text::TerminalSafe;

/// Minor page faults of this process so far (`/proc/self/stat`, field 10).
fn faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    after
        .split_whitespace()
        .nth(7)
        .and_then(|f| f.parse().ok())
        .unwrap_or(0)
}

fn main() {
    // `top`'s arguments: a profile, and options such as `-g lines`.
    let args: Vec<String> = std::env::args().skip(1).collect();
    assert!(!args.is_empty(), "usage: top_phases [TOP OPTIONS] PROFILE");
    let mut phases: Vec<(&str, f64, u64)> = Vec::new();
    let mut mark = (Instant::now(), faults());
    let mut lap = |name, phases: &mut Vec<(&str, f64, u64)>| {
        let now = (Instant::now(), faults());
        phases.push((name, (now.0 - mark.0).as_secs_f64() * 1e3, now.1 - mark.1));
        mark = (Instant::now(), faults());
    };
    let request = TopRequest::parse(&args).expect("a top command line");
    let study = request.study().expect("load the profile");
    let profile = study.into_profile().expect("one profile");
    lap("load", &mut phases);
    let options = request.options(&profile).expect("options");
    let table = top(&profile, &options);
    lap("rank", &mut phases);
    let mut out = Vec::new();
    write_top(
        &mut TerminalSafe::new(&mut out),
        &profile,
        &table,
        &options.filters,
        &request.text,
    )
    .expect("print");
    lap("print", &mut phases);
    drop((table, profile, out));
    lap("free", &mut phases);
    let line: Vec<String> = phases
        .iter()
        .map(|(name, ms, faults)| format!("{name} {ms:.2} ms {faults} faults"))
        .collect();
    println!("{}", line.join(", "));
}
