//! Running work on scoped threads: splitting a walk over samples by range
//! (each thread sums its own range and the caller adds the parts, so results
//! never depend on the split), a pipeline whose items are worked on in
//! parallel and taken in order, and joining threads with their panics
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

/// Runs `work` on each item `next` yields, on `workers` threads (each with
/// its own state, made by `state`, kept from item to item), with at most
/// `ahead` items given out and not yet taken; `take` gets the results in
/// the items' order, on the caller's thread, while the workers go on with
/// the next items, given more as each result is taken. When the next
/// result is not ready and more items wait than there are workers and one,
/// the caller works on one of them rather than wait (with a state of its
/// own): a caller with little to take keeps its core busy, and the workers
/// still hold an item each and one more when it is back. (Taking one when
/// two waited left a worker idle a quarter of the time on a legacy text
/// whose merge is heavy: the caller, busy with its own item, took results
/// and gave out items late.) The first error from `next` or `take` stops
/// the pipeline (the workers finish the item in hand and end) and is
/// returned. A panic in `work` is raised again in the caller.
pub(crate) fn pipeline<I: Send, S, T: Send, E>(
    workers: usize,
    ahead: usize,
    mut next: impl FnMut() -> Result<Option<I>, E>,
    state: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, I) -> T + Sync,
    mut take: impl FnMut(T) -> Result<(), E>,
) -> Result<(), E> {
    use std::collections::BTreeMap;
    use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Mutex, mpsc};

    let ahead = ahead.max(1);
    let workers = workers.max(1);
    let (state, work) = (&state, &work);
    let (give, jobs) = mpsc::channel::<(usize, I)>();
    let jobs = &Mutex::new(jobs);
    // Items the workers took.
    let received = &AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let give = give;
        let (done, results) = mpsc::channel();
        for _ in 0..workers {
            let done = done.clone();
            scope.spawn(move || {
                let mut s = state();
                loop {
                    // The lock is held only to wait for the next item.
                    let job = match jobs.lock() {
                        Ok(jobs) => jobs.recv(),
                        Err(_) => break,
                    };
                    let Ok((seq, item)) = job else {
                        break;
                    };
                    received.fetch_add(1, Ordering::Relaxed);
                    let result = catch_unwind(AssertUnwindSafe(|| work(&mut s, item)));
                    let failed = result.is_err();
                    if done.send((seq, result)).is_err() || failed {
                        break;
                    }
                }
            });
        }
        drop(done);
        // Returning drops `give`: the workers then end once idle.
        let (mut given, mut taken, mut exhausted) = (0, 0, false);
        let mut early: BTreeMap<usize, T> = BTreeMap::new();
        // The caller's state and how many items it worked on.
        let (mut own, mut stolen) = (None, 0);
        // Gives items out until `ahead` are given and not taken.
        let mut give_out = |given: &mut usize, taken: usize, exhausted: &mut bool| {
            while !*exhausted && *given - taken < ahead {
                match next()? {
                    Some(item) => {
                        // The workers end only once `give` is dropped.
                        let _ = give.send((*given, item));
                        *given += 1;
                    }
                    None => *exhausted = true,
                }
            }
            Ok(())
        };
        loop {
            give_out(&mut given, taken, &mut exhausted)?;
            if taken == given {
                return Ok(());
            }
            if !early.contains_key(&taken) {
                // A stale count only makes the caller look and find none.
                let waiting = given - received.load(Ordering::Relaxed) - stolen;
                let item = (waiting > workers + 1)
                    .then(|| jobs.try_lock().ok().and_then(|jobs| jobs.try_recv().ok()))
                    .flatten();
                if let Some((seq, item)) = item {
                    stolen += 1;
                    early.insert(seq, work(own.get_or_insert_with(state), item));
                } else {
                    // Every worker ended before its items were done only by
                    // a panic, which came as a result first.
                    let Ok((seq, result)) = results.recv() else {
                        return Ok(());
                    };
                    early.insert(seq, result.unwrap_or_else(|panic| resume_unwind(panic)));
                }
            }
            while let Some(result) = early.remove(&taken) {
                taken += 1;
                take(result)?;
                give_out(&mut given, taken, &mut exhausted)?;
            }
        }
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
    fn a_pipeline_takes_its_results_in_order_and_stops_at_an_error() {
        for workers in [1, 2, 5] {
            let mut items = 0..1000u64;
            let mut taken = Vec::new();
            let done: Result<(), ()> = pipeline(
                workers,
                3,
                || Ok(items.next()),
                || 0u64,
                |seen, i| {
                    *seen += 1;
                    // Uneven work, so that results come back out of order.
                    std::thread::sleep(std::time::Duration::from_micros(i % 7 * 20));
                    (i * i, *seen)
                },
                |(square, _)| {
                    taken.push(square);
                    Ok(())
                },
            );
            assert_eq!(done, Ok(()));
            assert_eq!(taken, (0..1000u64).map(|i| i * i).collect::<Vec<_>>());
        }
        let mut items = 0..;
        let mut taken = 0;
        let stopped = pipeline(
            2,
            4,
            || Ok(items.next()),
            || (),
            |(), i: u64| i,
            |i| {
                taken += 1;
                if i == 10 { Err(i) } else { Ok(()) }
            },
        );
        assert_eq!((stopped, taken), (Err(10), 11));
        let failing: Result<(), u64> = pipeline(2, 4, || Err(7), || (), |(), i: u64| i, |_| Ok(()));
        assert_eq!(failing, Err(7));
    }

    #[test]
    fn the_caller_works_on_waiting_items_rather_than_wait() {
        let caller = std::thread::current().id();
        let mut items = 0..40u64;
        let mut on_caller = 0;
        let mut taken = Vec::new();
        let done: Result<(), ()> = pipeline(
            1,
            5,
            || Ok(items.next()),
            || std::thread::current().id(),
            |thread, i| {
                std::thread::sleep(std::time::Duration::from_millis(2));
                (i, *thread)
            },
            |(i, thread)| {
                on_caller += usize::from(thread == caller);
                taken.push(i);
                Ok(())
            },
        );
        assert_eq!(done, Ok(()));
        assert_eq!(taken, (0..40).collect::<Vec<_>>());
        // One slow worker and items waiting: the caller took some.
        assert!(
            (1..40).contains(&on_caller),
            "{on_caller} of 40 on the caller"
        );
    }

    #[test]
    fn a_panic_in_a_pipeline_reaches_the_caller() {
        let mut items = 0..100u64;
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pipeline(
                2,
                4,
                || Ok::<_, ()>(items.next()),
                || (),
                |(), i| assert!(i != 50, "item 50"),
                |()| Ok(()),
            )
        }));
        assert!(caught.is_err());
    }

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
