//! What only a store with one lock per table can get wrong: a cascade that spans tables racing
//! the inserts that refer to the row it deletes. Whatever the interleaving, nothing may outlive
//! its consumer, and an insert either happens before the delete (and is cascaded away) or is
//! refused as a missing reference.

use std::sync::{Arc, Barrier};
use std::thread;

use example_custom_backend::TableStore;
use gatehouse_domain::conformance::{
    sample_consumer, sample_integration, sample_nonce, sample_token, SAMPLE_TIME,
};
use gatehouse_domain::{
    ConsumerRepository, IntegrationRepository, NonceRepository, StorageError, StorageResult,
    TokenKind, TokenOwner, TokenRepository,
};

/// How many times the race is run, each on a fresh store.
const ROUNDS: u32 = 200;

/// Asserts that an insert racing the delete either succeeded or found its consumer gone.
fn succeeded_or_missing<T: std::fmt::Debug>(result: StorageResult<T>, what: &str) {
    match result {
        Ok(_) | Err(StorageError::MissingReference { what: "consumer" }) => {}
        other => panic!("{what}: expected success or a missing consumer, got {other:?}"),
    }
}

#[test]
fn nothing_outlives_a_consumer_deleted_during_inserts() {
    for round in 0..ROUNDS {
        let store = Arc::new(TableStore::new());
        let consumer = store.create_consumer(sample_consumer(1)).unwrap();
        let barrier = Arc::new(Barrier::new(4));

        let deleter = {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                store.delete_consumer(consumer.id)
            })
        };
        let token_writer = {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                let owner = TokenOwner::Consumer(consumer.id);
                store.create_token(sample_token(owner, TokenKind::Verifier, round))
            })
        };
        let nonce_writer = {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                store.record_nonce(consumer.id, &sample_nonce(round), SAMPLE_TIME)
            })
        };
        let integration_writer = {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                store.create_integration(sample_integration(round, Some(consumer.id)))
            })
        };

        assert!(
            deleter.join().unwrap().unwrap(),
            "round {round}: the delete"
        );
        succeeded_or_missing(token_writer.join().unwrap(), "create_token");
        succeeded_or_missing(nonce_writer.join().unwrap(), "record_nonce");
        succeeded_or_missing(integration_writer.join().unwrap(), "create_integration");

        let counts = store.row_counts();
        assert_eq!(counts.consumers, 0, "round {round}");
        assert_eq!(
            counts.tokens, 0,
            "round {round}: a token outlived its consumer"
        );
        assert_eq!(
            counts.nonces, 0,
            "round {round}: a nonce outlived its consumer"
        );
        assert_eq!(
            counts.integrations, 0,
            "round {round}: an integration outlived its consumer"
        );
        assert_eq!(store.integration_by_consumer(consumer.id).unwrap(), None);
    }
}

#[test]
fn debug_output_shows_counts_not_rows() {
    let store = TableStore::new();
    let consumer = store.create_consumer(sample_consumer(1)).unwrap();
    store
        .record_nonce(consumer.id, &sample_nonce(7), SAMPLE_TIME)
        .unwrap();

    let printed = format!("{store:?}");

    assert!(printed.contains("nonces: 1"), "{printed}");
    assert!(printed.contains("consumers: 1"), "{printed}");
    assert!(!printed.contains(sample_nonce(7).as_str()), "{printed}");
    assert!(!printed.contains(consumer.key.as_str()), "{printed}");
}
