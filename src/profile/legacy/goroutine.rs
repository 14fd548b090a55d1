//! Count profiles in text, goroutine's above all: `goroutine profile:
//! total N`, then `count @ 0x… 0x…` records, each with its comment lines.
//! The profile's name becomes its one sample type (`goroutine/count`), as
//! in pprof's `parseGoCount`.

use super::input::Input;
use super::records::{self, Fields, Format};
use super::{Builder, Header, OTHER_DROP_FRAMES, malformed, parse_addresses, quote, value_type};
use crate::profile::{Profile, ProfileError};

/// `NAME profile: total N`, pprof's `countStartRE`.
pub(super) fn is_header(line: &str) -> bool {
    header_name(line).is_some()
}

fn header_name(line: &str) -> Option<&str> {
    let (name, rest) = line.split_once(" profile: total ")?;
    let valid_name = !name.is_empty() && !name.contains(char::is_whitespace);
    let valid_total = !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
    (valid_name && valid_total).then_some(name)
}

/// The records of a count profile.
struct Records;

impl Format for Records {
    fn record(&self, n: usize, line: &str, out: &mut Fields) -> Result<(), ProfileError> {
        let bad = || {
            malformed(
                n,
                format!("expected 'count @ 0x…', found '{}'", quote(line)),
            )
        };
        let (count, list) = line.split_once(" @ ").ok_or_else(bad)?;
        let count: i64 = count.trim().parse().map_err(|_| bad())?;
        if count < 0 {
            return Err(bad());
        }
        out.values.push(count);
        parse_addresses(n, list, &mut out.addresses)
    }
}

pub(super) fn parse(
    first: &(usize, String),
    input: Input<'_>,
    at: records::Start,
) -> Result<Profile, ProfileError> {
    let name = header_name(first.1.trim())
        .unwrap_or("goroutine")
        .to_owned();
    let mut b = Builder::new(1)?;
    records::read(&mut b, input, at, &Records)?;
    b.prune(OTHER_DROP_FRAMES, None);
    Ok(b.finish(Header {
        sample_types: vec![value_type(&name, "count")],
        period_type: value_type(&name, "count"),
        period: 1,
        duration_nanos: 0,
        drop_frames: OTHER_DROP_FRAMES,
        keep_frames: None,
        memstats: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_needs_name_and_total() {
        assert_eq!(
            header_name("goroutine profile: total 92"),
            Some("goroutine")
        );
        assert_eq!(
            header_name("threadcreate profile: total 7"),
            Some("threadcreate")
        );
        assert_eq!(header_name("goroutine profile: total"), None);
        assert_eq!(header_name("goroutine profile: total x"), None);
    }
}
