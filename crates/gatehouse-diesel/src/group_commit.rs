//! Group commit: concurrent writes of one kind, from one process, share a transaction.
//!
//! Every signed request records a nonce, and the costly part of such a write is its commit:
//! on SQLite one `fsync` of the write-ahead log, on the servers one log flush and a round trip.
//! [`GroupCommit::submit`] queues the caller's item. When no batch is being committed, the
//! caller takes everything queued so far and commits it as one batch; otherwise it waits, and
//! either a batch answers it or it leads the next one. Each caller gets its own result, and
//! calls arriving during a commit form the next batch. A caller alone makes a batch of one, so
//! nothing changes without concurrency.
//!
//! Nothing here decides an outcome: the batch function runs one statement per item inside the
//! transaction, and the database answers each of them (design decision 6).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::{self, Thread};

/// The most items one batch takes; later ones wait for the next.
pub(crate) const MAX_BATCH: usize = 64;

/// A queue of items waiting to be committed together, and their results.
///
/// Waiting callers are parked, and each is woken only when it has something to do: its result
/// is in, or the commit before it ended and it may lead the next one. (Waking every waiter
/// after each batch made them fight over the lock; in a profile of the signed route that was
/// a fifth of the server's time.)
pub(crate) struct GroupCommit<T, R> {
    state: Mutex<State<T, R>>,
}

struct State<T, R> {
    /// Tells callers apart.
    next_ticket: u64,
    /// Items not taken by a batch yet, with the thread waiting for each.
    queue: Vec<Queued<T>>,
    /// Results not collected by their callers yet.
    results: HashMap<u64, R>,
    /// Whether a caller is committing a batch right now, and the tickets in it.
    committing: bool,
    in_flight: Vec<u64>,
}

struct Queued<T> {
    ticket: u64,
    item: T,
    caller: Thread,
}

impl<T, R> Default for GroupCommit<T, R> {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                next_ticket: 0,
                queue: Vec::new(),
                results: HashMap::new(),
                committing: false,
                in_flight: Vec::new(),
            }),
        }
    }
}

impl<T: Clone, R> GroupCommit<T, R> {
    /// Commits `item`, alone or with whatever other callers queued meanwhile, and returns its
    /// result.
    ///
    /// `commit` receives a batch and must return one result per item, in order. It runs on
    /// one caller's thread, for other callers' items too. If it panics, the items it held are
    /// not lost: each owner finds its item gone unanswered and queues it again.
    pub(crate) fn submit(&self, item: T, mut commit: impl FnMut(&[T]) -> Vec<R>) -> R {
        let mut state = lock(&self.state);
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.queue.push(Queued {
            ticket,
            item: item.clone(),
            caller: thread::current(),
        });

        loop {
            if let Some(result) = state.results.remove(&ticket) {
                return result;
            }
            let pending = state.in_flight.contains(&ticket)
                || state.queue.iter().any(|queued| queued.ticket == ticket);
            if !pending {
                // Neither answered, nor queued, nor in the running batch: the commit that took
                // the item panicked. It goes back in the queue.
                state.queue.push(Queued {
                    ticket,
                    item: item.clone(),
                    caller: thread::current(),
                });
            }
            if state.committing {
                // Woken when answered, when its batch panicked, or when the running batch
                // ends with this item first in the queue. Any other wake-up costs one more look.
                drop(state);
                thread::park();
                state = lock(&self.state);
                continue;
            }

            // This caller commits the next batch, without holding the lock meanwhile.
            let taken = state.queue.len().min(MAX_BATCH);
            let mut tickets = Vec::with_capacity(taken);
            let mut items = Vec::with_capacity(taken);
            let mut callers = Vec::with_capacity(taken);
            for queued in state.queue.drain(..taken) {
                tickets.push(queued.ticket);
                items.push(queued.item);
                callers.push(queued.caller);
            }
            state.committing = true;
            state.in_flight.clone_from(&tickets);
            drop(state);

            let mut turn = Turn {
                group: self,
                callers,
                ended: false,
            };
            let results = commit(&items);
            debug_assert_eq!(results.len(), items.len(), "one result per item");
            turn.end(tickets.into_iter().zip(results));
            state = lock(&self.state);
        }
    }
}

/// A batch being committed, and the callers waiting for it. Its end (or its commit's panic)
/// wakes those callers, and the first caller still queued, who leads the next batch.
struct Turn<'g, T, R> {
    group: &'g GroupCommit<T, R>,
    callers: Vec<Thread>,
    ended: bool,
}

impl<T, R> Turn<'_, T, R> {
    /// Leaves the batch's results, ends the turn and wakes whoever it concerns.
    fn end(&mut self, results: impl Iterator<Item = (u64, R)>) {
        let mut state = lock(&self.group.state);
        state.results.extend(results);
        self.finish(state);
    }

    fn finish(&mut self, mut state: MutexGuard<'_, State<T, R>>) {
        state.committing = false;
        state.in_flight.clear();
        self.ended = true;
        let next_leader = state.queue.first().map(|queued| queued.caller.clone());
        drop(state);

        let me = thread::current().id();
        for caller in self.callers.iter().chain(next_leader.as_ref()) {
            if caller.id() != me {
                caller.unpark();
            }
        }
    }
}

impl<T, R> Drop for Turn<'_, T, R> {
    fn drop(&mut self) {
        // Only reached unended when the commit panicked: the callers must still be woken, to
        // find their items unanswered and queue them again.
        if !self.ended {
            let state = lock(&self.group.state);
            self.finish(state);
        }
    }
}

/// The mutexes guard plain data that a panic cannot leave half-written.
fn lock<V>(mutex: &Mutex<V>) -> MutexGuard<'_, V> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};
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
    fn many_rounds_lose_no_caller() {
        // Fast commits and many rounds exercise every hand-over: answered callers, the next
        // leader woken from the queue, newcomers leading while others wake.
        const THREADS: usize = 8;
        const ROUNDS: usize = 500;
        let group: Arc<GroupCommit<(usize, usize), (usize, usize)>> = Arc::default();
        let handles: Vec<_> = (0..THREADS)
            .map(|thread| {
                let group = Arc::clone(&group);
                thread::spawn(move || {
                    for round in 0..ROUNDS {
                        let answer = group.submit((thread, round), |batch| batch.to_vec());
                        assert_eq!(answer, (thread, round));
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        let state = lock(&group.state);
        assert!(state.queue.is_empty() && state.results.is_empty() && !state.committing);
    }

    #[test]
    fn batches_are_bounded() {
        let group: GroupCommit<usize, usize> = GroupCommit::default();
        // Fill the queue as waiting callers would, then commit from one caller.
        {
            let mut state = lock(&group.state);
            for item in 0..MAX_BATCH + 10 {
                let ticket = state.next_ticket;
                state.next_ticket += 1;
                state.queue.push(Queued {
                    ticket,
                    item,
                    caller: thread::current(),
                });
            }
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

        // Two callers queue while a commit seems to run, so the first to lead takes both
        // items; the first commit of all panics.
        lock(&group.state).committing = true;
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
        while lock(&group.state).queue.len() < 2 {
            thread::sleep(Duration::from_millis(1));
        }
        {
            let mut state = lock(&group.state);
            state.committing = false;
            for queued in &state.queue {
                queued.caller.unpark();
            }
        }

        let outcomes: Vec<_> = callers.into_iter().map(|caller| caller.join()).collect();
        let answered: Vec<u32> = outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok())
            .copied()
            .collect();
        assert_eq!(outcomes.iter().filter(|o| o.is_err()).count(), 1);
        // The other owner found no result and committed its own item alone.
        assert!(answered == [10] || answered == [20], "{answered:?}");
        let state = lock(&group.state);
        assert!(state.queue.is_empty() && state.results.is_empty() && !state.committing);
    }
}
