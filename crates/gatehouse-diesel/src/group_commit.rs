//! Group commit: concurrent writes of one kind, from one process, share a transaction.
//!
//! Every signed request records a nonce, and the costly part of such a write is its commit:
//! on SQLite one `fsync` of the write-ahead log, on the servers one log flush and a round trip.
//! [`GroupCommit::submit`] queues the caller's item and waits for its turn. Whoever gets the
//! turn first takes everything queued so far and commits it as one batch; each caller gets its
//! own result, and calls arriving meanwhile form the next batch. A caller alone makes a batch
//! of one, so nothing changes without concurrency.
//!
//! Nothing here decides an outcome: the batch function runs one statement per item inside the
//! transaction, and the database answers each of them (design decision 6).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The most items one batch takes; later ones wait for the next.
pub(crate) const MAX_BATCH: usize = 64;

/// Where a caller's result is left by whoever committed its item.
type Slot<R> = Arc<Mutex<Option<R>>>;

/// A queue of items waiting to be committed together, and the turn to commit them.
pub(crate) struct GroupCommit<T, R> {
    queue: Mutex<Vec<(T, Slot<R>)>>,
    turn: Mutex<()>,
}

impl<T, R> Default for GroupCommit<T, R> {
    fn default() -> Self {
        Self {
            queue: Mutex::new(Vec::new()),
            turn: Mutex::new(()),
        }
    }
}

impl<T: Clone, R> GroupCommit<T, R> {
    /// Commits `item`, alone or with whatever other callers queued meanwhile, and returns its
    /// result.
    ///
    /// `commit` receives a batch and must return one result per item, in order. It runs on
    /// the thread that holds the turn, for other callers' items too. If it panics, the items
    /// it held are not lost: each owner finds its result missing and commits its item itself.
    pub(crate) fn submit(&self, item: T, mut commit: impl FnMut(&[T]) -> Vec<R>) -> R {
        let slot: Slot<R> = Arc::new(Mutex::new(None));
        lock(&self.queue).push((item.clone(), Arc::clone(&slot)));

        let _turn = lock(&self.turn);
        loop {
            if let Some(result) = lock(&slot).take() {
                return result;
            }

            let batch: Vec<(T, Slot<R>)> = {
                let mut queue = lock(&self.queue);
                let taken = queue.len().min(MAX_BATCH);
                queue.drain(..taken).collect()
            };
            if batch.is_empty() {
                // Only the turn's holder takes from the queue, so the item was taken by a
                // holder that never answered it (its `commit` panicked).
                return commit(std::slice::from_ref(&item))
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| unreachable_result());
            }

            let (items, slots): (Vec<T>, Vec<Slot<R>>) = batch.into_iter().unzip();
            let results = commit(&items);
            debug_assert_eq!(results.len(), items.len(), "one result per item");
            for (slot, result) in slots.iter().zip(results) {
                *lock(slot) = Some(result);
            }
        }
    }
}

/// `commit` broke its contract by answering a batch of one with nothing.
#[cold]
fn unreachable_result<R>() -> R {
    panic!("a group commit returned no result for its item")
}

/// The mutexes guard plain data that a panic cannot leave half-written.
fn lock<V>(mutex: &Mutex<V>) -> MutexGuard<'_, V> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Barrier;
    use std::thread;
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_lone_caller_commits_its_own_item() {
        let group: GroupCommit<u32, u32> = GroupCommit::default();
        let mut batches = Vec::new();
        for item in 1..=3 {
            let result = group.submit(item, |batch| {
                batches.push(batch.to_vec());
                batch.iter().map(|item| item * 10).collect()
            });
            assert_eq!(result, item * 10);
        }
        assert_eq!(batches, [vec![1], vec![2], vec![3]]);
    }

    #[test]
    fn concurrent_callers_share_batches_and_each_gets_its_result() {
        const CALLERS: usize = 32;
        let group: Arc<GroupCommit<usize, usize>> = Arc::default();
        let batches = Arc::new(AtomicUsize::new(0));
        let start = Arc::new(Barrier::new(CALLERS));

        let handles: Vec<_> = (0..CALLERS)
            .map(|item| {
                let (group, batches, start) =
                    (Arc::clone(&group), Arc::clone(&batches), Arc::clone(&start));
                thread::spawn(move || {
                    start.wait();
                    group.submit(item, |batch| {
                        batches.fetch_add(1, Ordering::SeqCst);
                        // A slow commit, as a disk flush is, lets the others queue up.
                        thread::sleep(Duration::from_millis(20));
                        batch.iter().map(|item| item + 1000).collect()
                    })
                })
            })
            .collect();

        for (item, handle) in handles.into_iter().enumerate() {
            assert_eq!(handle.join().unwrap(), item + 1000);
        }
        let batches = batches.load(Ordering::SeqCst);
        assert!(
            batches < CALLERS,
            "{batches} batches for {CALLERS} callers: nothing was grouped"
        );
    }

    #[test]
    fn batches_are_bounded() {
        let group: GroupCommit<usize, usize> = GroupCommit::default();
        // Fill the queue as waiting callers would, then commit from one caller.
        for item in 0..MAX_BATCH + 10 {
            lock(&group.queue).push((item, Arc::new(Mutex::new(None))));
        }
        let mut sizes = Vec::new();
        let result = group.submit(usize::MAX, |batch| {
            sizes.push(batch.len());
            batch.to_vec()
        });
        assert_eq!(result, usize::MAX);
        assert_eq!(sizes, [MAX_BATCH, 11]);
    }

    #[test]
    fn items_of_a_panicked_commit_are_committed_by_their_owners() {
        use std::sync::atomic::AtomicBool;

        let group: Arc<GroupCommit<u32, u32>> = Arc::default();
        let panicked = Arc::new(AtomicBool::new(false));

        // Two callers queue while the turn is held, so the first to get it takes both items;
        // the first commit of all panics.
        let held = lock(&group.turn);
        let callers: Vec<_> = [1, 2]
            .into_iter()
            .map(|item| {
                let (group, panicked) = (Arc::clone(&group), Arc::clone(&panicked));
                thread::spawn(move || {
                    group.submit(item, |batch| {
                        if !panicked.swap(true, Ordering::SeqCst) {
                            assert_eq!(batch.len(), 2, "both items in the batch");
                            panic!("the database driver panicked");
                        }
                        batch.iter().map(|item| item * 10).collect()
                    })
                })
            })
            .collect();
        while lock(&group.queue).len() < 2 {
            thread::sleep(Duration::from_millis(1));
        }
        drop(held);

        let outcomes: Vec<_> = callers.into_iter().map(|caller| caller.join()).collect();
        let answered: Vec<u32> = outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok())
            .copied()
            .collect();
        assert_eq!(outcomes.iter().filter(|o| o.is_err()).count(), 1);
        // The other owner found no result and committed its own item alone.
        assert!(answered == [10] || answered == [20], "{answered:?}");
        assert!(lock(&group.queue).is_empty());
    }
}
