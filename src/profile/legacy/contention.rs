//! Contention profiles in text, what `/debug/pprof/mutex?debug=1` and
//! `/debug/pprof/block?debug=1` serve: `--- mutex:` (or `--- contention:`),
//! `key=value` attributes (`cycles/second`, `sampling period`), then one
//! `cycles count @ 0x…` record per stack with its comment lines. As in
//! pprof's `parseContention`, a record becomes the values `contentions`
//! (count × period) and `delay` (cycles × period, turned into nanoseconds
//! by the clock rate).

use super::input::Input;
use super::records::{self, Fields, Format};
use super::{
    Builder, Header, LOCK_DROP_FRAMES, Lines, address_prefix, malformed, quote, value_type,
};
use crate::profile::{Profile, ProfileError};

/// The first lines pprof takes for a contention profile.
pub(super) fn is_header(line: &str) -> bool {
    ["--- mutex:", "--- contention:", "--- contentionz "]
        .iter()
        .any(|h| line.starts_with(h))
}

/// The attributes before the records.
#[derive(Default)]
struct Attributes {
    cycles_per_second: i64,
    period: i64,
    duration_nanos: i64,
}

/// Go's `strconv.ParseInt(s, 0, 64)` for what the runtime writes: decimal,
/// or hexadecimal after `0x`.
fn parse_int(s: &str) -> Option<i64> {
    match s.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Reads one `key = value` line into `a`; `Ok(false)` when the line is no
/// attribute (the records start there).
fn attribute(n: usize, line: &str, a: &mut Attributes) -> Result<bool, ProfileError> {
    let Some((key, value)) = line.split_once('=') else {
        return Ok(false);
    };
    let (key, value) = (key.trim(), value.trim());
    let bad = || {
        malformed(
            n,
            format!(
                "unrecognized contention profile attribute '{}'",
                quote(line)
            ),
        )
    };
    match key {
        "cycles/second" => a.cycles_per_second = parse_int(value).ok_or_else(bad)?,
        "sampling period" => a.period = parse_int(value).ok_or_else(bad)?,
        "ms since reset" => {
            let ms = parse_int(value).ok_or_else(bad)?;
            a.duration_nanos = ms.wrapping_mul(1_000_000);
        }
        "discarded samples" => {}
        // `format`, `resolution` (C++ contentionz) and anything else.
        _ => return Err(bad()),
    }
    Ok(true)
}

/// Parses `cycles count @ 0x… …` into `[contentions, delay]` and the
/// addresses, unsampled as pprof's `parseContentionSample` does.
fn record(
    n: usize,
    line: &str,
    a: &Attributes,
    values: &mut Vec<i64>,
    addresses: &mut Vec<u64>,
) -> Result<(), ProfileError> {
    let bad = || {
        malformed(
            n,
            format!("expected 'cycles count @ 0x…', found '{}'", quote(line)),
        )
    };
    let (numbers, list) = line.split_once('@').ok_or_else(bad)?;
    let mut numbers = numbers.split_whitespace();
    let (Some(cycles), Some(count), None) = (numbers.next(), numbers.next(), numbers.next()) else {
        return Err(bad());
    };
    let digits = |s: &str| -> Result<i64, ProfileError> {
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let (mut delay, mut count) = (digits(cycles)?, digits(count)?);
    if a.period > 0 {
        if a.cycles_per_second > 0 {
            // pprof's float arithmetic, operation for operation.
            let ghz = a.cycles_per_second as f64 / 1e9;
            delay = (delay as f64 * a.period as f64 / ghz) as i64;
        }
        count = count.wrapping_mul(a.period);
    }
    values.extend([count, delay]);
    address_prefix(n, list, addresses)
}

/// The records of a contention profile, after its attributes.
struct Records<'a>(&'a Attributes);

impl Format for Records<'_> {
    fn record(&self, line_no: usize, line: &str, out: &mut Fields) -> Result<(), ProfileError> {
        record(line_no, line, self.0, &mut out.values, &mut out.addresses)
    }
}

/// Where the attributes read from `text` (from `at` on) end.
enum AttributesEnd {
    /// At the end of `text`: the records, if any, may start past it.
    More,
    /// At a `---` line or the end of the text: there are no records.
    NoRecords,
    /// At a record line: its byte offset and the lines before it.
    Records(usize, usize),
}

fn attributes(
    text: &[u8],
    at: &records::Start,
    a: &mut Attributes,
) -> Result<AttributesEnd, ProfileError> {
    let mut lines = Lines::at(text, at.offset, at.line);
    loop {
        let (offset, before) = (lines.offset(), lines.number());
        let Some((n, line)) = lines.next() else {
            return Ok(AttributesEnd::More);
        };
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("---") {
            return Ok(AttributesEnd::NoRecords);
        }
        if !attribute(n, line, a)? {
            return Ok(AttributesEnd::Records(offset, before));
        }
    }
}

pub(super) fn parse(mut input: Input<'_>, at: records::Start) -> Result<Profile, ProfileError> {
    let mut a = Attributes {
        period: 1,
        ..Attributes::default()
    };
    let mut b = Builder::new(2)?;
    // The attributes, up to the first line that is none: the records
    // start there. Comments before it belong to no record. Attributes that
    // run past the head (never, in a real profile) are read again whole.
    let records = loop {
        match attributes(input.complete(), &at, &mut a)? {
            AttributesEnd::More if !input.ended() => input.read_all()?,
            AttributesEnd::More | AttributesEnd::NoRecords => break None,
            AttributesEnd::Records(offset, line) => break Some((offset, line)),
        }
    };
    if let Some((offset, line)) = records {
        let at = records::Start { offset, line, ..at };
        records::read(&mut b, input, at, &Records(&a))?;
    }
    b.prune(LOCK_DROP_FRAMES, None);
    Ok(b.finish(Header {
        sample_types: vec![
            value_type("contentions", "count"),
            value_type("delay", "nanoseconds"),
        ],
        period_type: value_type("contentions", "count"),
        period: a.period,
        duration_nanos: a.duration_nanos,
        drop_frames: LOCK_DROP_FRAMES,
        keep_frames: None,
        memstats: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_unsampled_like_pprof() {
        let a = Attributes {
            cycles_per_second: 2_596_121_728,
            period: 1,
            duration_nanos: 0,
        };
        let (mut values, mut addresses) = (Vec::new(), Vec::new());
        record(
            4,
            "1856678771 199 @ 0x4e0007 0x4e0006",
            &a,
            &mut values,
            &mut addresses,
        )
        .unwrap();
        // 1856678771 cycles at 2.596121728 GHz.
        assert_eq!(values, vec![199, 715_174_003]);
        assert_eq!(addresses, vec![0x4e0007, 0x4e0006]);
        let a = Attributes {
            cycles_per_second: 0,
            period: 5,
            duration_nanos: 0,
        };
        // No clock rate: the delay stays in cycles, unscaled (as in pprof).
        let (mut values, mut addresses) = (Vec::new(), Vec::new());
        record(1, "10 2 @ 0x1", &a, &mut values, &mut addresses).unwrap();
        assert_eq!(values, vec![10, 10]);
        assert!(record(1, "10 @ 0x1", &a, &mut values, &mut addresses).is_err());
        assert!(record(1, "10 -2 @ 0x1", &a, &mut values, &mut addresses).is_err());
    }

    #[test]
    fn attributes_follow_pprof() {
        let mut a = Attributes::default();
        assert!(attribute(2, "cycles/second=2596121728", &mut a).unwrap());
        assert!(attribute(3, "sampling period = 0x10", &mut a).unwrap());
        assert!(attribute(4, "ms since reset=7", &mut a).unwrap());
        assert_eq!(
            (a.cycles_per_second, a.period, a.duration_nanos),
            (2_596_121_728, 16, 7_000_000)
        );
        assert!(!attribute(5, "1 2 @ 0x1", &mut a).unwrap());
        assert!(attribute(5, "format=1", &mut a).is_err());
        assert!(attribute(5, "cycles/second=fast", &mut a).is_err());
    }
}
