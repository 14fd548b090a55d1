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
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let parts = cores.min(4).min(len / MIN_PER_THREAD).max(1);
    if parts == 1 {
        return vec![part(0..len)];
    }
    let chunk = len.div_ceil(parts);
    let ranges = (0..parts).map(|p| (p * chunk).min(len)..((p + 1) * chunk).min(len));
    map_parts(ranges.collect(), part)
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
