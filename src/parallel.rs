//! Work spread over threads, results in the order of the input: what makes the CPU- and
//! fsync-bound steps of a batch fast (signatures with the CA key, staging files, parsing
//! certificates, running autosign policy programs).
//!
//! A panic in the work for one item does not take the process down and loses no item: that
//! item is answered by the caller's `panicked` instead, and the thread goes on with the next.
//! Nothing here knows what the work is.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Apply `work` to every item of `items` on up to `threads` threads (the caller's and scoped
/// ones), each taking the next run of `min_run` consecutive items as it gets free (so that a
/// thread slowed down by other work leaves the rest to the others, instead of finishing its
/// share alone at the end); one result per item, in order. An item whose work panicked gets
/// `panicked(item)`. When there is one run or one thread, everything runs on the caller's
/// thread alone (spawning costs more than it saves), where a panic is the caller's.
pub(crate) fn map<T, R, W, P>(
    items: &[T],
    threads: usize,
    min_run: usize,
    work: W,
    panicked: P,
) -> Vec<R>
where
    T: Sync,
    R: Send,
    W: Fn(&T) -> R + Sync,
    P: Fn(&T) -> R,
{
    let min_run = min_run.max(1);
    let threads = threads.min(items.len().div_ceil(min_run));
    if threads <= 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    // Each thread's results, by position; `None` where the work panicked.
    let take = || {
        let mut done: Vec<(usize, Option<R>)> = Vec::new();
        loop {
            let start = next.fetch_add(min_run, Ordering::Relaxed);
            if start >= items.len() {
                return done;
            }
            let end = (start + min_run).min(items.len());
            for (position, item) in (start..end).zip(&items[start..end]) {
                done.push((position, catch_unwind(AssertUnwindSafe(|| work(item))).ok()));
            }
        }
    };
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|scope| {
        let take = &take;
        // The caller works too: one thread fewer to start and stop (a daemon's batch of a few
        // signatures would otherwise spend a tenth of its time on it).
        let handles: Vec<_> = (1..threads).map(|_| scope.spawn(take)).collect();
        let mine = take();
        for (position, result) in handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_default())
            .chain(mine)
        {
            results[position] = result;
        }
    });
    results
        .into_iter()
        .zip(items)
        .map(|(result, item)| result.unwrap_or_else(|| panicked(item)))
        .collect()
}

/// How many threads the machine runs at once (1 when it cannot tell), read once per process:
/// std reads the cgroup's CPU quota from three files on every call, which a daemon's batches
/// would otherwise pay twice each.
pub(crate) fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_answers_for_a_panicked_item() {
        let items: Vec<u32> = (0..100).collect();
        let doubled = map(&items, 8, 4, |n| n * 2, |_| 0);
        assert_eq!(doubled, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        let one = map(&items[..3], 8, 4, |n| n + 1, |_| 0);
        assert_eq!(one, [1, 2, 3]);
        let answered = map(
            &items,
            4,
            1,
            |n| {
                assert!(*n != 30, "a failing worker");
                Ok(*n)
            },
            |n| Err(*n),
        );
        assert_eq!(answered.len(), 100);
        assert_eq!(answered[30], Err(30));
        // Only the item whose work panicked: the thread went on with the rest.
        assert_eq!(answered[29], Ok(29));
        assert_eq!(answered[31], Ok(31));
        assert_eq!(answered[99], Ok(99));
        // Whichever thread meets it, the caller's included.
        let answered = map(
            &items,
            2,
            1,
            |n| {
                assert!(*n % 10 != 3, "a failing item");
                Ok(*n)
            },
            |n| Err(*n),
        );
        for (n, answer) in items.iter().zip(&answered) {
            assert_eq!(*answer, if n % 10 == 3 { Err(*n) } else { Ok(*n) });
        }
        // A thread slowed down leaves the rest to the others: every item is done once.
        let calls = AtomicUsize::new(0);
        let slow = map(
            &items,
            2,
            4,
            |n| {
                calls.fetch_add(1, Ordering::Relaxed);
                if *n < 4 {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                *n
            },
            |_| 0,
        );
        assert_eq!(slow, items);
        assert_eq!(calls.load(Ordering::Relaxed), 100);
    }
}
