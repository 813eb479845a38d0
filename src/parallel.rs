//! Work spread over threads, results in the order of the input: what makes the CPU- and
//! fsync-bound steps of a batch fast (signatures with the CA key, staging files, parsing
//! certificates, running autosign policy programs).
//!
//! A worker thread that panics does not take the process down and loses no item: each item it
//! had is answered by the caller's `panicked` instead. Nothing here knows what the work is.

/// Apply `work` to every item of `items` on up to `threads` threads (the caller's and scoped
/// ones), each taking a run of at least `min_run` consecutive items; one result per item, in
/// order. The items of a thread that panicked get `panicked(item)`. When that leaves one run,
/// it runs on the caller's thread alone (spawning costs more than it saves), where a panic is
/// the caller's.
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
    let run = items.len().div_ceil(threads).max(min_run);
    let work = &work;
    let mut parts = items.chunks(run);
    // The caller works too: one thread fewer to start and stop (a daemon's batch of a few
    // signatures would otherwise spend a tenth of its time on it).
    let own = parts.next().unwrap_or_default();
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .map(|part| {
                (
                    part,
                    scope.spawn(move || part.iter().map(work).collect::<Vec<_>>()),
                )
            })
            .collect();
        let mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            own.iter().map(work).collect::<Vec<_>>()
        }))
        .unwrap_or_else(|_| own.iter().map(&panicked).collect());
        mine.into_iter()
            .chain(handles.into_iter().flat_map(|(part, handle)| {
                handle
                    .join()
                    .unwrap_or_else(|_| part.iter().map(&panicked).collect())
            }))
            .collect()
    })
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
    fn keeps_order_and_answers_for_a_panicked_thread() {
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
        assert_eq!(
            answered[29],
            Err(29),
            "the whole run of the panicked thread"
        );
        assert_eq!(answered[99], Ok(99));
        // The caller's own run (the first) is answered the same way.
        let answered = map(
            &items,
            2,
            1,
            |n| {
                assert!(*n != 10, "a failing caller");
                Ok(*n)
            },
            |n| Err(*n),
        );
        assert_eq!(
            (answered[0], answered[49], answered[50]),
            (Err(0), Err(49), Ok(50))
        );
    }
}
