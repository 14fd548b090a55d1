//! Running work on scoped threads: splitting a walk over samples by range
//! (each thread sums its own range and the caller adds the parts, so results
//! never depend on the split), and joining threads with their panics
//! passed on.

use std::ops::Range;
use std::thread::ScopedJoinHandle;

/// Fewer samples than this per thread are not worth a thread. A thread
/// costs about 0.1 ms to start and join, and a Go heap profile's sample
/// (some 25 frames) about 70 ns to walk, so a range pays for its thread
/// from a few thousand samples; this keeps a wide margin, and still splits
/// the compiler's heap profile (95,000 samples) in two.
const MIN_PER_THREAD: usize = 25_000;

/// Runs `part` on consecutive ranges covering `0..len` (one per thread, up to
/// four, or a single range for small inputs) and returns their results in
/// range order. A panic in a part is propagated.
pub(crate) fn map_ranges<T: Send>(len: usize, part: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    let parts = parts_for(len / MIN_PER_THREAD);
    if parts == 1 {
        return vec![part(0..len)];
    }
    let chunk = len.div_ceil(parts);
    let ranges = (0..parts).map(|p| (p * chunk).min(len)..((p + 1) * chunk).min(len));
    map_parts(ranges.collect(), part)
}

/// How many parts to split work into that would keep `threads` threads
/// busy: at most one a core, and four.
fn parts_for(threads: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    cores.min(4).min(threads).max(1)
}

/// Less work than this per thread (in the units of a weight given to
/// [`map_weighted_ranges`]: a sample walk counts a frame as one) is not
/// worth a thread: about a third of a millisecond at a few nanoseconds a
/// frame, three times what a thread costs to start and join.
const MIN_WEIGHT_PER_THREAD: u64 = 100_000;

/// [`map_ranges`], with ranges of about equal total `weight` (of each
/// index) instead of equal length: a walk that skips most of its items
/// in one part of the range (a heap profile lists the samples still in
/// use first, and a walk of `inuse_space` skips the others) would
/// otherwise leave a thread idle. Weighing costs one pass over the items.
pub(crate) fn map_weighted_ranges<T: Send>(
    len: usize,
    weight: impl Fn(usize) -> u64,
    part: impl Fn(Range<usize>) -> T + Sync,
) -> Vec<T> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if cores < 2 || len < 2 {
        return vec![part(0..len)];
    }
    let total: u64 = (0..len).map(&weight).sum();
    let parts = parts_for(usize::try_from(total / MIN_WEIGHT_PER_THREAD).unwrap_or(usize::MAX));
    if parts == 1 {
        return vec![part(0..len)];
    }
    // Cut where the running weight passes each part's share.
    let mut ranges = Vec::with_capacity(parts);
    let (mut start, mut sum) = (0, 0u64);
    for i in 0..len {
        sum += weight(i);
        let share = total / parts as u64 * (ranges.len() as u64 + 1);
        if sum >= share && ranges.len() + 1 < parts {
            ranges.push(start..i + 1);
            start = i + 1;
        }
    }
    ranges.push(start..len);
    map_parts(ranges, part)
}

/// Runs `part` on every item, each on its own thread but the first, which
/// runs on the caller's while the others do (one thread fewer to start
/// and join), and returns their results in order. A panic in a part is
/// propagated.
pub(crate) fn map_parts<I: Send, T: Send>(items: Vec<I>, part: impl Fn(I) -> T + Sync) -> Vec<T> {
    let part = &part;
    let mut items = items.into_iter();
    let Some(first) = items.next() else {
        return Vec::new();
    };
    std::thread::scope(|scope| {
        let others: Vec<_> = items.map(|item| scope.spawn(move || part(item))).collect();
        let mut results = Vec::with_capacity(others.len() + 1);
        results.push(part(first));
        results.extend(join_all(others));
        results
    })
}

/// Joins scoped threads and returns their results in order; a thread's
/// panic is raised again in the caller.
pub(crate) fn join_all<T>(handles: Vec<ScopedJoinHandle<'_, T>>) -> Vec<T> {
    handles
        .into_iter()
        .map(|h| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_ranges_cover_everything_and_share_the_weight() {
        // The first tenth of the items carry nearly all the weight, as the
        // samples still in use do in a heap profile.
        let len = 100_000;
        let weight = |i: usize| if i < len / 10 { 100 } else { 1 };
        let ranges = map_weighted_ranges(len, weight, |range| range);
        assert_eq!(ranges.first().map(|r| r.start), Some(0));
        assert_eq!(ranges.last().map(|r| r.end), Some(len));
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
        }
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(ranges.len(), cores.min(4));
        let total: u64 = (0..len).map(weight).sum();
        for range in &ranges {
            let share: u64 = range.clone().map(weight).sum();
            let even = total / ranges.len() as u64;
            assert!(share.abs_diff(even) <= 100, "{range:?}: {share} of {total}");
        }
    }

    #[test]
    fn light_work_stays_on_one_thread() {
        let ranges = map_weighted_ranges(50_000, |_| 1, |range| range);
        assert_eq!(ranges, vec![0..50_000]);
    }
}
