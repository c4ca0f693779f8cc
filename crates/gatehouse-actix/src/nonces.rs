//! The nonce writer: records the nonces of signed requests on a thread of its own, in batches,
//! while the async workers go on serving.
//!
//! A signed request whose consumer and access token are in the credential cache needs storage
//! for one thing only: recording its nonce. Through the blocking pool that cost each request
//! two thread hand-overs and a thread held while the commit ran. Instead, the worker checks
//! the signature itself ([`OAuthService::check_signed_cached`]) and queues the nonce here; the
//! writer takes every nonce waiting, records them with one
//! [`record_nonces`](gatehouse_domain::NonceRepository::record_nonces) call (one commit), and
//! answers each request through a one-shot channel. The database still decides every outcome.
//!
//! Bounds: the queue holds at most [`QUEUE_CAPACITY`] nonces, and a request waits for its
//! answer at most the service deadline; past either it is answered 503, as any storage call
//! that cannot be served. A writer that is gone (its thread could not start) sends requests
//! back to the blocking pool.
//!
//! [`OAuthService::check_signed_cached`]: gatehouse_tokens::oauth::OAuthService::check_signed_cached

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread;

use tokio::sync::oneshot;

use gatehouse_domain::{NonceOutcome, NonceUse, StorageError, StorageResult, Store};

/// Nonces waiting for the writer at most; beyond, requests are answered 503 at once rather
/// than queue without bound behind a database that stopped answering.
pub(crate) const QUEUE_CAPACITY: usize = 4_096;

/// The most nonces one `record_nonces` call takes.
const MAX_BATCH: usize = 64;

/// A nonce waiting to be recorded, and where its answer goes.
struct Pending {
    record: NonceUse,
    reply: oneshot::Sender<StorageResult<NonceOutcome>>,
}

/// The handle requests queue their nonces through; the writer thread stops when the last
/// handle is dropped.
pub(crate) struct NonceWriter {
    queue: SyncSender<Pending>,
}

impl fmt::Debug for NonceWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonceWriter").finish_non_exhaustive()
    }
}

impl NonceWriter {
    /// Starts the writer thread over `store`; `None` (logged) if the thread cannot start.
    pub(crate) fn start(store: Arc<dyn Store>) -> Option<Self> {
        let (queue, receiver) = mpsc::sync_channel(QUEUE_CAPACITY);
        let started = thread::Builder::new()
            .name("gatehouse-nonces".to_owned())
            .spawn(move || write(store.as_ref(), &receiver));
        match started {
            Ok(_) => Some(Self { queue }),
            Err(error) => {
                log::warn!(
                    "the nonce writer thread did not start ({error}); signed requests record \
                     their nonces through the blocking pool"
                );
                None
            }
        }
    }

    /// Records `record` and returns the store's answer. Waits without blocking the thread;
    /// the caller bounds the wait.
    pub(crate) async fn record(&self, record: NonceUse) -> StorageResult<NonceOutcome> {
        let (reply, answer) = oneshot::channel();
        match self.queue.try_send(Pending { record, reply }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(unavailable("the nonce queue is full")),
            Err(TrySendError::Disconnected(_)) => {
                return Err(unavailable("the nonce writer has stopped"))
            }
        }
        answer
            .await
            .unwrap_or_else(|_| Err(unavailable("the nonce writer dropped the request")))
    }
}

/// The writer thread: waits for a nonce, takes every other one waiting, records them together
/// and answers each.
fn write(store: &dyn Store, receiver: &Receiver<Pending>) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(pending) => batch.push(pending),
                Err(_) => break,
            }
        }

        let records: Vec<NonceUse> = batch.iter().map(|pending| pending.record.clone()).collect();
        // A store that panics fails this batch's requests, not the writer.
        let outcomes = panic::catch_unwind(AssertUnwindSafe(|| store.record_nonces(&records)));
        match outcomes {
            Ok(outcomes) if outcomes.len() == batch.len() => {
                for (pending, outcome) in batch.into_iter().zip(outcomes) {
                    // The request may have given up waiting; its answer is then dropped.
                    let _ = pending.reply.send(outcome);
                }
            }
            _ => {
                log::error!("recording a batch of {} nonces failed", batch.len());
                for pending in batch {
                    let _ = pending.reply.send(Err(StorageError::Internal(
                        "recording the nonce failed".into(),
                    )));
                }
            }
        }
    }
}

fn unavailable(why: &'static str) -> StorageError {
    StorageError::Unavailable(why.into())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use gatehouse_domain::memory::MemoryStore;
    use gatehouse_domain::{ConsumerKey, ConsumerRepository, NewConsumer, Nonce, Sealed};

    use super::*;

    fn store_with_consumer() -> (Arc<MemoryStore>, gatehouse_domain::ConsumerId) {
        let store = Arc::new(MemoryStore::new());
        let consumer = store
            .create_consumer(NewConsumer {
                name: "Integration1".to_owned(),
                key: ConsumerKey::parse(&"k".repeat(32)).unwrap(),
                sealed_secret: Sealed::from_bytes(vec![1, 2, 3]),
                callback_url: None,
                rejected_callback_url: None,
                created_at: 1_700_000_000,
            })
            .unwrap();
        (store, consumer.id)
    }

    fn record(consumer_id: gatehouse_domain::ConsumerId, nonce: &str) -> NonceUse {
        NonceUse {
            consumer_id,
            nonce: Nonce::parse(nonce).unwrap(),
            timestamp: 1_700_000_000,
        }
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        actix_web::rt::System::new().block_on(future)
    }

    #[test]
    fn each_request_gets_the_stores_answer() {
        let (store, consumer) = store_with_consumer();
        let writer = NonceWriter::start(store).unwrap();

        block_on(async {
            let first = writer.record(record(consumer, "n1")).await;
            let again = writer.record(record(consumer, "n1")).await;
            let other = writer.record(record(consumer, "n2")).await;
            assert_eq!(first.unwrap(), NonceOutcome::Recorded);
            assert_eq!(again.unwrap(), NonceOutcome::AlreadyUsed);
            assert_eq!(other.unwrap(), NonceOutcome::Recorded);
        });
    }

    #[test]
    fn concurrent_requests_are_answered_each() {
        let (store, consumer) = store_with_consumer();
        let writer = Arc::new(NonceWriter::start(store).unwrap());

        let outcomes = block_on(async {
            let requests: Vec<_> = (0..200)
                .map(|n| {
                    let writer = Arc::clone(&writer);
                    // Every nonce twice: exactly one of each pair is recorded.
                    actix_web::rt::spawn(async move {
                        writer
                            .record(record(consumer, &format!("n{}", n / 2)))
                            .await
                    })
                })
                .collect();
            let mut outcomes = Vec::new();
            for request in requests {
                outcomes.push(request.await.unwrap());
            }
            outcomes
        });

        let recorded = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, Ok(NonceOutcome::Recorded)))
            .count();
        assert_eq!(recorded, 100, "{outcomes:?}");
        assert!(outcomes.iter().all(Result::is_ok));
    }

    #[test]
    fn a_missing_consumer_fails_its_request_alone() {
        let (store, consumer) = store_with_consumer();
        let writer = Arc::new(NonceWriter::start(store).unwrap());
        let missing = gatehouse_domain::ConsumerId(consumer.0 + 1);

        block_on(async {
            let spawn = |record: NonceUse| {
                let writer = Arc::clone(&writer);
                actix_web::rt::spawn(async move { writer.record(record).await })
            };
            let (good, bad) = (spawn(record(consumer, "n1")), spawn(record(missing, "n1")));
            let (good, bad) = (good.await.unwrap(), bad.await.unwrap());
            assert_eq!(good.unwrap(), NonceOutcome::Recorded);
            assert!(matches!(bad, Err(StorageError::MissingReference { .. })));
        });
    }

    #[test]
    fn the_writer_stops_with_its_last_handle() {
        let (store, _) = store_with_consumer();
        let weak = Arc::downgrade(&store);
        let writer = NonceWriter::start(store).unwrap();
        drop(writer);

        // The thread returns and drops its store.
        for _ in 0..100 {
            if weak.upgrade().is_none() {
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
        panic!("the writer thread still holds the store");
    }
}
