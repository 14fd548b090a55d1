//! Writes a synthetic `go build -gcflags=-m=2` output for a profile, in Go
//! 1.27's form (`… escapes to heap in F:` headers, `←` flows), with one
//! message per source line the profile's frames name until it has the
//! number of lines asked for: the input of `explain`'s benchmark.
//!
//! ```sh
//! cargo run --release --example synth -- /tmp/synth.pb.gz
//! cargo run --release --example escape_synth -- /tmp/synth.pb.gz /tmp/escape-synth.txt 100000
//! /usr/bin/time -v target/release/pprof-tui explain /tmp/synth.pb.gz --escape /tmp/escape-synth.txt > /dev/null
//! ```
//!
//! The messages cycle through the flows `explain` reads (stored, returned,
//! boxed for fmt, too large), so parsing, classifying and joining all do
//! their real work.

#![allow(
    clippy::expect_used,
    reason = "a generator for benchmarks; failures should be loud"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use pprof_tui::profile::{DecodeOptions, decode};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let profile = args.next().unwrap_or_else(|| "synth.pb.gz".to_owned());
    let out = args.next().unwrap_or_else(|| "escape-synth.txt".to_owned());
    let wanted: usize = args
        .next()
        .map_or(100_000, |n| n.parse().expect("a line count"));
    let bytes = std::fs::read(&profile)?;
    let p = decode(&bytes, &DecodeOptions::default()).expect("a profile");
    // package → (file, line, function) of every frame, in order.
    let mut sites: BTreeMap<String, BTreeSet<(String, i64, String)>> = BTreeMap::new();
    for location in p.locations() {
        for line in p.lines(location) {
            let Some(id) = line.function else { continue };
            let f = p.function(id);
            let (name, file) = (p.string(f.name), p.string(f.filename));
            let start = name.rfind('/').map_or(0, |i| i + 1);
            let Some(dot) = name[start..].find('.') else {
                continue;
            };
            let package = &name[..start + dot];
            sites.entry(package.to_owned()).or_default().insert((
                file.to_owned(),
                line.line,
                name[start + dot + 1..].to_owned(),
            ));
        }
    }
    let mut w = std::io::BufWriter::new(std::fs::File::create(&out)?);
    let mut written = 0usize;
    let mut messages = 0usize;
    'all: for (package, lines) in &sites {
        writeln!(w, "# {package}")?;
        written += 1;
        // The build prints paths relative to the module: pkgN/fileK.go.
        let prefix = format!("{}/", package.rsplit_once('/').map_or("", |(head, _)| head));
        for (file, line, function) in lines {
            let path = format!("./{}", file.strip_prefix(&prefix).unwrap_or(file));
            let at = format!("{path}:{line}:9");
            let block = match messages % 4 {
                0 => vec![
                    format!("{at}: &T{{...}} escapes to heap in {function}:"),
                    format!("{at}:   flow: v ← &{{storage for &T{{...}}}}:"),
                    format!("{at}:     from &T{{...}} (spill) at {at}"),
                    format!("{at}:     from v := &T{{...}} (assign) at {at}"),
                    format!("{at}:   flow: {{heap}} ← v:"),
                    format!("{at}:     from append(cache, v) (call parameter) at {at}"),
                    format!("{at}: &T{{...}} escapes to heap"),
                ],
                1 => vec![
                    format!("{at}: &T{{...}} escapes to heap in {function}:"),
                    format!("{at}:   flow: ~r0 ← &{{storage for &T{{...}}}}:"),
                    format!("{at}:     from &T{{...}} (spill) at {at}"),
                    format!("{at}:     from return &T{{...}} (return) at {at}"),
                    format!("{at}: &T{{...}} escapes to heap"),
                ],
                2 => vec![
                    format!("{at}: id escapes to heap in {function}:"),
                    format!("{at}:   flow: {{storage for ... argument}} ← &{{storage for id}}:"),
                    format!("{at}:     from id (spill) at {at}"),
                    format!("{at}:     from ... argument (slice-literal-element) at {at}"),
                    format!("{at}:   flow: {{heap}} ← {{storage for ... argument}}:"),
                    format!("{at}:     from ... argument (spill) at {at}"),
                    format!(
                        "{at}:     from fmt.Sprintf(\"%d\", ... argument...) (call parameter) at {at}"
                    ),
                    format!("{at}: id escapes to heap"),
                ],
                _ => vec![
                    format!("{at}: make([]byte, 262144) escapes to heap in {function}:"),
                    format!("{at}:   flow: {{heap}} ← &{{storage for make([]byte, 262144)}}:"),
                    format!("{at}:     from make([]byte, 262144) (too large for stack) at {at}"),
                    format!("{at}: make([]byte, 262144) escapes to heap"),
                ],
            };
            for l in block {
                if written == wanted {
                    break 'all;
                }
                writeln!(w, "{l}")?;
                written += 1;
            }
            messages += 1;
        }
    }
    w.flush()?;
    eprintln!("wrote {out}: {written} lines, {messages} messages");
    Ok(())
}
