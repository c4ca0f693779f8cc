//! Cases that race threads against one store, for the guarantees that must hold under
//! concurrency: atomic check-and-insert, atomic upsert, single-winner conversions, unique
//! inserts and all-or-nothing replacement.
//!
//! Each case takes the store in an `Arc`, starts its threads together on a barrier, and
//! checks the outcome of every call.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};
use std::thread;

use super::ok;
use super::samples::*;
use crate::entities::*;
use crate::error::StorageError;
use crate::repository::{NonceOutcome, Store};

/// How many threads race in each case.
pub const RACING_THREADS: usize = 16;

/// How many failures each thread records in [`concurrent_login_failures_all_count`].
pub const FAILURES_PER_THREAD: usize = 8;

/// Runs `contender(store, thread_index)` on [`RACING_THREADS`] threads released together, and
/// returns their results in thread order.
fn race<S, T, F>(store: &Arc<S>, contender: F) -> Vec<T>
where
    S: Store + 'static,
    T: Send + 'static,
    F: Fn(&S, usize) -> T + Send + Sync + 'static,
{
    let barrier = Arc::new(Barrier::new(RACING_THREADS));
    let contender = Arc::new(contender);

    let handles: Vec<_> = (0..RACING_THREADS)
        .map(|index| {
            let store = Arc::clone(store);
            let barrier = Arc::clone(&barrier);
            let contender = Arc::clone(&contender);
            thread::spawn(move || {
                barrier.wait();
                contender(&store, index)
            })
        })
        .collect();

    handles
        .into_iter()
        .map(|handle| {
            handle
                .join()
                .unwrap_or_else(|_| panic!("a racing thread panicked; see its message above"))
        })
        .collect()
}

/// [`RACING_THREADS`] threads record the same nonce for the same consumer at once: exactly one
/// is told `Recorded`.
pub fn concurrent_nonce_records_admit_one<S: Store + 'static>(store: Arc<S>) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");

    let outcomes = race(&store, move |store, _| {
        ok(
            store.record_nonce(consumer.id, &sample_nonce(1), SAMPLE_TIME),
            "record_nonce",
        )
    });

    let recorded = outcomes
        .iter()
        .filter(|outcome| **outcome == NonceOutcome::Recorded)
        .count();
    assert_eq!(
        recorded, 1,
        "of {RACING_THREADS} concurrent uses of one nonce exactly one is recorded, got \
         {outcomes:?}"
    );
}

/// [`RACING_THREADS`] threads record overlapping runs of nonces at once, some for a consumer
/// that does not exist: each call gets its own answer. Every nonce is `Recorded` exactly once
/// and `AlreadyUsed` otherwise, and a call that fails (the missing consumer) fails alone.
///
/// This holds a store that commits concurrent records together to its promise: one caller's
/// repeat or failure must not leak into another's answer.
pub fn concurrent_nonce_records_get_their_own_answers<S: Store + 'static>(store: Arc<S>) {
    const PER_THREAD: usize = 8;
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let gone = ok(store.create_consumer(sample_consumer(2)), "create_consumer");
    ok(store.delete_consumer(gone.id), "delete_consumer");

    // Thread t records nonces t*4 … t*4+7, so each nonce but the first and last four is raced
    // by two threads. Every fourth thread also records one nonce for the missing consumer.
    let answers = race(&store, move |store, thread| {
        (0..PER_THREAD)
            .map(|step| {
                let number = thread * PER_THREAD / 2 + step;
                let missing = thread % 4 == 0 && step == PER_THREAD / 2;
                let owner = if missing { gone.id } else { consumer.id };
                let answer = store.record_nonce(owner, &sample_nonce(number as u32), SAMPLE_TIME);
                (number, missing, answer)
            })
            .collect::<Vec<_>>()
    });

    let mut recorded = BTreeSet::new();
    let mut answered = BTreeSet::new();
    for (number, missing, answer) in answers.into_iter().flatten() {
        if missing {
            assert!(
                matches!(answer, Err(StorageError::MissingReference { .. })),
                "a nonce of a missing consumer is refused as a missing reference, got {answer:?}"
            );
            continue;
        }
        answered.insert(number);
        match ok(answer, "record_nonce") {
            NonceOutcome::Recorded => {
                assert!(recorded.insert(number), "nonce {number} was recorded twice")
            }
            NonceOutcome::AlreadyUsed => {}
        }
    }
    assert_eq!(
        recorded, answered,
        "every nonce used is recorded exactly once"
    );
}

/// [`RACING_THREADS`] threads each record [`FAILURES_PER_THREAD`] failures of one user at once,
/// all within the lock: no failure is lost, and each call sees its own new count.
pub fn concurrent_login_failures_all_count<S: Store + 'static>(store: Arc<S>) {
    let lock_expires_at = SAMPLE_TIME + 1_800;

    let counts = race(&store, move |store, _| {
        (0..FAILURES_PER_THREAD)
            .map(|_| {
                ok(
                    store.record_login_failure(
                        "mallory",
                        UserType::Customer,
                        SAMPLE_TIME,
                        lock_expires_at,
                    ),
                    "record_login_failure",
                )
            })
            .collect::<Vec<u32>>()
    });

    let attempts = RACING_THREADS * FAILURES_PER_THREAD;
    let final_count = ok(
        store.login_failures("mallory", UserType::Customer),
        "login_failures",
    )
    .map(|row| row.failures_count);
    assert_eq!(
        final_count.map(|count| count as usize),
        Some(attempts),
        "the final count equals the number of concurrent failures"
    );

    let mut returned: Vec<u32> = counts.into_iter().flatten().collect();
    returned.sort_unstable();
    let expected: Vec<u32> = (1..).take(attempts).collect();
    assert_eq!(
        returned, expected,
        "each concurrent failure returns its own new count, 1 to {attempts}"
    );
}

/// [`RACING_THREADS`] threads convert one verifier row to a request token at once, each with
/// its own new digest: exactly one gets the row, and the row holds the winner's digest.
pub fn concurrent_conversions_admit_one<S: Store + 'static>(store: Arc<S>) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let verifier = ok(
        store.create_token(sample_token(
            TokenOwner::Consumer(consumer.id),
            TokenKind::Verifier,
            1,
        )),
        "create_token",
    );

    let results = race(&store, move |store, index| {
        let conversion = sample_conversion(TokenKind::Request, 100 + index as u32);
        ok(
            store.convert_token(verifier.id, TokenKind::Verifier, conversion),
            "convert_token",
        )
    });

    let winners: Vec<Token> = results.into_iter().flatten().collect();
    assert_eq!(
        winners.len(),
        1,
        "of {RACING_THREADS} concurrent conversions of one row exactly one succeeds"
    );
    let winner = &winners[0];
    assert_eq!(winner.kind, TokenKind::Request);
    assert_eq!(
        ok(
            store.token_by_digest(&winner.token_digest),
            "token_by_digest"
        )
        .as_ref(),
        Some(winner),
        "the row holds the winning conversion"
    );
    for index in 0..RACING_THREADS {
        let digest = sample_digest(100 + index as u32);
        if digest != winner.token_digest {
            assert_eq!(
                ok(store.token_by_digest(&digest), "token_by_digest"),
                None,
                "a losing conversion leaves no trace"
            );
        }
    }
}

/// [`RACING_THREADS`] threads create consumers with the same key at once: exactly one is
/// created, every other call fails with `Conflict { what: "consumer key" }`.
pub fn concurrent_consumer_creates_admit_one<S: Store + 'static>(store: Arc<S>) {
    let results = race(&store, |store, index| {
        let consumer = NewConsumer {
            name: format!("Contender{index}"),
            ..sample_consumer(1)
        };
        match store.create_consumer(consumer) {
            Ok(created) => Ok(created),
            Err(StorageError::Conflict { what }) => Err(what),
            Err(error) => panic!("create_consumer failed: {error} ({error:?})"),
        }
    });

    let created: Vec<&Consumer> = results
        .iter()
        .filter_map(|result| result.as_ref().ok())
        .collect();
    assert_eq!(
        created.len(),
        1,
        "of {RACING_THREADS} concurrent inserts of one key exactly one succeeds"
    );
    let conflicts: BTreeSet<&str> = results
        .iter()
        .filter_map(|result| result.as_ref().err().copied())
        .collect();
    assert_eq!(
        conflicts,
        BTreeSet::from(["consumer key"]),
        "every losing insert is a consumer key conflict"
    );
    assert_eq!(
        ok(
            store.consumer_by_key(&sample_consumer_key(1)),
            "consumer_by_key"
        )
        .as_ref(),
        Some(created[0]),
        "the key finds the one consumer created"
    );
}

/// While one thread keeps replacing a role's resources, the others read it: every read sees
/// one whole list, never a mix or a half-written one.
pub fn concurrent_role_reads_see_whole_lists<S: Store + 'static>(store: Arc<S>) {
    const REPLACEMENTS: usize = 40;
    const READS_PER_THREAD: usize = 20;

    let role = ok(
        store.create_role(sample_role(UserType::Integration, 1)),
        "create_role",
    );
    let lists: [Vec<String>; 2] = [
        [
            "Magento_Sales::sales",
            "Magento_Sales::actions",
            "Magento_Cart::cart",
        ]
        .map(str::to_owned)
        .to_vec(),
        ["Magento_Customer::manage", "Magento_Backend::stores"]
            .map(str::to_owned)
            .to_vec(),
    ];
    ok(
        store.replace_role_resources(role.id, &lists[0]),
        "replace_role_resources",
    );
    let sorted_lists: Vec<Vec<String>> = lists
        .iter()
        .map(|list| {
            let mut sorted = list.clone();
            sorted.sort();
            sorted
        })
        .collect();

    // Thread 0 writes, alternating the two lists; the others read.
    let writes = lists.clone();
    let reads = race(&store, move |store, index| {
        if index == 0 {
            for round in 1..=REPLACEMENTS {
                ok(
                    store.replace_role_resources(role.id, &writes[round % 2]),
                    "replace_role_resources",
                );
            }
            return Vec::new();
        }
        (0..READS_PER_THREAD)
            .map(|_| ok(store.role_resources(role.id), "role_resources"))
            .collect()
    });

    for read in reads.iter().flatten() {
        assert!(
            sorted_lists.contains(read),
            "a concurrent reader must see one whole list, got {read:?}"
        );
    }
    assert_eq!(
        ok(store.role_resources(role.id), "role_resources"),
        sorted_lists[REPLACEMENTS % 2],
        "after the race the role holds the last list written"
    );
}
