//! The heap profile in text: `heap profile: a: b [c: d] @ heap/R`, one
//! record per allocation site (`inuse_objects: inuse_bytes [alloc_objects:
//! alloc_bytes] @ 0x…`), and the `# runtime.MemStats` block.

use super::input::Input;
use super::records::{self, Fields, Format};
use super::{
    Builder, HEAP_DROP_FRAMES, HEAP_KEEP_FRAMES, Header, Lines, MemStats, address_prefix,
    comment_body, malformed, quote, split_once_byte, value_type,
};
use crate::profile::{Profile, ProfileError};

/// How the header says records were sampled.
#[derive(Debug, PartialEq)]
enum Sampling {
    /// Poisson sampling at the period: records are scaled up (pprof's "v2").
    Poisson,
    /// Every allocation recorded, or unknown: values are taken as they are.
    Exact,
}

struct HeapHeader {
    sampling: Sampling,
    period: i64,
    has_alloc: bool,
}

/// Reads `heap profile: a: b [c: d] @ heap/R` as pprof's `parseHeapHeader`
/// does: `heap/R` is Go's (period R/2: the runtime writes twice the rate),
/// `heap_v2/R` and `heapz_v2/R` have period R, `heapprofile` period 1; and
/// the profile has alloc_* types unless the bracket repeats the in-use pair
/// (or is zero).
fn header(line_no: usize, line: &str) -> Result<HeapHeader, ProfileError> {
    let bad = || {
        malformed(
            line_no,
            format!("unrecognized heap profile header '{}'", quote(line)),
        )
    };
    let body = line.trim().strip_prefix("heap profile:").ok_or_else(bad)?;
    let (counts, kind) = body.split_once('@').ok_or_else(bad)?;
    let counts: Vec<&str> = counts
        .split(|c: char| c == ':' || c == '[' || c == ']' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    if counts.len() != 4
        || counts
            .iter()
            .any(|c| !c.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let has_alloc = (counts[2] != counts[0] && counts[2] != "0")
        || (counts[3] != counts[1] && counts[3] != "0");
    let kind = kind.trim();
    if kind.starts_with("growth") || kind.starts_with("fragmentation") {
        return Ok(HeapHeader {
            sampling: Sampling::Exact,
            period: 1,
            has_alloc: false,
        });
    }
    let (name, rate) = match kind.split_once('/') {
        Some((name, rate)) => (name, rate),
        None => (kind, ""),
    };
    let rate = rate.split_whitespace().next().unwrap_or("");
    let rate: i64 = if rate.is_empty() {
        0
    } else {
        rate.parse().map_err(|_| bad())?
    };
    let (sampling, period) = match name {
        "heapz_v2" | "heap_v2" => (Sampling::Poisson, rate),
        "heapprofile" => (Sampling::Exact, 1),
        "heap" => (Sampling::Poisson, rate / 2),
        _ => return Err(bad()),
    };
    Ok(HeapHeader {
        sampling,
        period,
        has_alloc,
    })
}

/// pprof's `scaleHeapSample`: divides a Poisson-sampled record by the
/// probability `1 - exp(-avg/rate)` that an object of its average size
/// was sampled. A rate of 1 or less means every object was (no change).
fn scale(count: i64, size: i64, rate: i64) -> (i64, i64) {
    if count == 0 || size == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (count, size);
    }
    let average = size as f64 / count as f64;
    let factor = 1.0 / (1.0 - (-average / rate as f64).exp());
    (
        (count as f64 * factor) as i64,
        (size as f64 * factor) as i64,
    )
}

/// Parses `a: b [c: d] @ 0x… …` into the values (alloc pair first when the
/// profile has one) and the addresses; returns the `bytes` label.
fn record(
    line_no: usize,
    line: &str,
    h: &HeapHeader,
    values: &mut Vec<i64>,
    addresses: &mut Vec<u64>,
) -> Result<i64, ProfileError> {
    let bad = |why: &str| malformed(line_no, format!("{why} in heap record '{}'", quote(line)));
    let (counts, list) = split_once_byte(line, b'@').ok_or_else(|| bad("no '@'"))?;
    let mut numbers = counts
        .split(|c: char| c == ':' || c == '[' || c == ']' || c.is_whitespace())
        .filter(|s| !s.is_empty());
    let mut found = [""; 4];
    let mut count = 0;
    for n in numbers.by_ref().take(5) {
        if let Some(slot) = found.get_mut(count) {
            *slot = n;
        }
        count += 1;
    }
    if count != 4 {
        return Err(bad("not four counts"));
    }
    let mut parsed = [0i64; 4];
    for (slot, n) in parsed.iter_mut().zip(found) {
        *slot = n.parse().map_err(|_| bad("a count that is not a number"))?;
    }
    if parsed[2] < 0 || parsed[3] < 0 {
        return Err(bad("a negative allocation count"));
    }
    let mut block = 0;
    let mut add = |count: i64, size: i64, what: &str| -> Result<(), ProfileError> {
        if count == 0 && size != 0 {
            return Err(malformed(
                line_no,
                format!("{what} count is 0 but {what} bytes is {size}"),
            ));
        }
        let (mut count, mut size) = (count, size);
        if count != 0 {
            block = size / count;
            if h.sampling == Sampling::Poisson {
                (count, size) = scale(count, size, h.period);
            }
        }
        values.extend([count, size]);
        Ok(())
    };
    if h.has_alloc {
        add(parsed[2], parsed[3], "allocation")?;
    }
    add(parsed[0], parsed[1], "inuse")?;
    address_prefix(line_no, list, addresses)?;
    Ok(block)
}

/// The records of a heap profile.
struct Records<'h>(&'h HeapHeader);

impl Format for Records<'_> {
    fn stops(&self, line: &str) -> bool {
        match comment_body(line) {
            Some(body) => body.trim() == "runtime.MemStats",
            None => is_memory_map(line),
        }
    }

    fn record(&self, line_no: usize, line: &str, out: &mut Fields) -> Result<(), ProfileError> {
        out.bytes = Some(record(
            line_no,
            line,
            self.0,
            &mut out.values,
            &mut out.addresses,
        )?);
        Ok(())
    }
}

pub(super) fn parse(
    first: &(usize, String),
    input: Input<'_>,
    at: records::Start,
) -> Result<Profile, ProfileError> {
    let h = header(first.0, &first.1)?;
    let sample_types = if h.has_alloc {
        vec![
            value_type("alloc_objects", "count"),
            value_type("alloc_space", "bytes"),
            value_type("inuse_objects", "count"),
            value_type("inuse_space", "bytes"),
        ]
    } else {
        vec![value_type("objects", "count"), value_type("space", "bytes")]
    };
    let mut b = Builder::new(sample_types.len())?;
    let end = records::read(&mut b, input, at, &Records(&h))?;
    // The records stop at the MemStats block (which runs to the end) or
    // at the memory map (which is not read).
    let memstats = end.tail.and_then(|tail| {
        let mut tail = Lines::new(&tail);
        let (_, first) = tail.next()?;
        if !first.trim().starts_with('#') {
            return None;
        }
        let mut stats = MemStats::default();
        for (_, line) in tail {
            if let Some(body) = line.trim().strip_prefix('#') {
                stats.add_line(body);
            }
        }
        Some(stats)
    });
    b.prune(HEAP_DROP_FRAMES, Some(HEAP_KEEP_FRAMES));
    Ok(b.finish(Header {
        sample_types,
        period_type: value_type("space", "bytes"),
        period: h.period,
        duration_nanos: 0,
        drop_frames: HEAP_DROP_FRAMES,
        keep_frames: Some(HEAP_KEEP_FRAMES),
        memstats,
    }))
}

/// Whether pprof's header rule read `profile` as a fresh heap: a heap profile
/// in text whose in-use and allocated counts were equal (nothing freed yet)
/// has the two types `objects/count, space/bytes`, which are its in-use and
/// its allocated values at once.
pub fn is_fresh_heap(profile: &Profile) -> bool {
    let names: Vec<(&str, &str)> = profile
        .sample_types
        .iter()
        .map(|t| (t.name.as_str(), t.unit.as_str()))
        .collect();
    names == [("objects", "count"), ("space", "bytes")]
}

/// A fresh heap ([`is_fresh_heap`]) with the four types of every later
/// snapshot of the same process (`alloc_objects, alloc_space,
/// inuse_objects, inuse_space`), its values allocated and in use at once.
/// Any other profile is copied as it is.
pub fn with_alloc_and_inuse(profile: &Profile) -> Profile {
    let mut widened = profile.clone();
    if !is_fresh_heap(profile) {
        return widened;
    }
    let parts = std::mem::take(&mut widened.samples).into_parts();
    let values: Vec<i64> = parts
        .values
        .chunks_exact(2)
        .flat_map(|pair| [pair[0], pair[1], pair[0], pair[1]])
        .collect();
    widened.samples = crate::profile::model::Samples::new(
        4,
        parts.stack_ends,
        parts.frames,
        values,
        parts.label_ends,
        parts.labels,
    );
    widened.sample_types = vec![
        value_type("alloc_objects", "count"),
        value_type("alloc_space", "bytes"),
        value_type("inuse_objects", "count"),
        value_type("inuse_space", "bytes"),
    ];
    widened
}

/// pprof's `isMemoryMapSentinel`: the mappings section (never symbolized
/// here) starts the end of the records.
fn is_memory_map(line: &str) -> bool {
    line.contains("--- Memory map: ---") || line.contains("MAPPED_LIBRARIES:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_period_follows_pprof() {
        let h = header(1, "heap profile: 468: 1333400 [656: 4631240] @ heap/2").unwrap();
        assert_eq!((h.period, h.has_alloc), (1, true));
        assert_eq!(h.sampling, Sampling::Poisson);
        let h = header(1, "heap profile: 1: 2 [1: 2] @ heap/1048576").unwrap();
        assert_eq!((h.period, h.has_alloc), (524288, false));
        let h = header(1, "heap profile: 1: 2 [3: 4] @ heap_v2/524288").unwrap();
        assert_eq!(h.period, 524288);
        assert!(header(1, "heap profile: 1: 2 @ heap/2").is_err());
    }

    #[test]
    fn scaling_matches_pprof() {
        // A 1 KiB object sampled at 512 KiB: 1/(1-exp(-1024/524288)).
        assert_eq!(scale(1, 1024, 524288), (512, 524800));
        assert_eq!(scale(3, 96, 1), (3, 96));
        assert_eq!(scale(0, 0, 524288), (0, 0));
    }
}
