//! Cases for [`NonceRepository`](crate::NonceRepository): replay detection per consumer and
//! the housekeeping of old nonces.

use super::ok;
use super::samples::*;
use crate::error::StorageError;
use crate::repository::{NonceOutcome, NonceUse, Store};
use crate::values::Nonce;

/// A nonce is `Recorded` on first use and `AlreadyUsed` after, whatever the timestamp; the same
/// nonce from another consumer is a first use.
pub fn nonce_is_recorded_once_per_consumer<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let other = ok(store.create_consumer(sample_consumer(2)), "create_consumer");
    let nonce = sample_nonce(1);

    let record = |consumer_id, nonce: &Nonce, timestamp| {
        ok(
            store.record_nonce(consumer_id, nonce, timestamp),
            "record_nonce",
        )
    };
    assert_eq!(
        record(consumer.id, &nonce, SAMPLE_TIME),
        NonceOutcome::Recorded,
        "the first use of a nonce is recorded"
    );
    assert_eq!(
        record(consumer.id, &nonce, SAMPLE_TIME),
        NonceOutcome::AlreadyUsed,
        "the second use of a nonce by the same consumer is a replay"
    );
    assert_eq!(
        record(consumer.id, &nonce, SAMPLE_TIME + 60),
        NonceOutcome::AlreadyUsed,
        "a replay with another timestamp is still a replay"
    );
    assert_eq!(
        record(other.id, &nonce, SAMPLE_TIME),
        NonceOutcome::Recorded,
        "a nonce used by another consumer does not count"
    );
    assert_eq!(
        record(other.id, &nonce, SAMPLE_TIME),
        NonceOutcome::AlreadyUsed
    );
    assert_eq!(
        record(consumer.id, &sample_nonce(2), SAMPLE_TIME),
        NonceOutcome::Recorded,
        "another nonce of the same consumer is a first use"
    );
}

/// Nonces are compared exactly: letter case, trailing spaces and every one of up to 255
/// characters count.
pub fn nonces_compare_exactly<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let parse = |text: &str| Nonce::parse(text).expect("the sample nonces are valid");
    let longest = "n".repeat(Nonce::MAX_LENGTH);
    let longest_variant = format!("{}m", &longest[..Nonce::MAX_LENGTH - 1]);

    let distinct = [
        "Nonce-Value",
        "nonce-value",
        "Nonce-Value ",
        " Nonce-Value",
        "with space ~!",
        &longest,
        &longest_variant,
    ];
    for text in distinct {
        assert_eq!(
            ok(
                store.record_nonce(consumer.id, &parse(text), SAMPLE_TIME),
                "record_nonce"
            ),
            NonceOutcome::Recorded,
            "the nonce {text:?} is new: nonces differing in case, spaces or any character are \
             distinct"
        );
    }
    for text in distinct {
        assert_eq!(
            ok(
                store.record_nonce(consumer.id, &parse(text), SAMPLE_TIME),
                "record_nonce"
            ),
            NonceOutcome::AlreadyUsed,
            "the nonce {text:?} was recorded and is now a replay"
        );
    }
}

/// `delete_nonces_before` deletes at most `limit` nonces stamped strictly before the boundary;
/// a deleted nonce can be recorded again, a kept one is still a replay.
pub fn delete_nonces_before_honours_boundary_and_limit<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let other = ok(store.create_consumer(sample_consumer(2)), "create_consumer");
    let boundary = SAMPLE_TIME;

    let recorded = [
        (consumer.id, 1, boundary - 600),
        (consumer.id, 2, boundary - 1),
        (other.id, 3, boundary - 1),
        (consumer.id, 4, boundary),
        (other.id, 5, boundary + 1),
    ];
    for (consumer_id, n, timestamp) in recorded {
        ok(
            store.record_nonce(consumer_id, &sample_nonce(n), timestamp),
            "record_nonce",
        );
    }

    let delete = |limit| {
        ok(
            store.delete_nonces_before(boundary, limit),
            "delete_nonces_before",
        )
    };
    assert_eq!(delete(2), 2, "at most `limit` nonces are deleted");
    assert_eq!(delete(2), 1, "the rest go in the next batch");
    assert_eq!(delete(2), 0, "then nothing is left before the boundary");

    for (consumer_id, n, timestamp) in recorded {
        let outcome = ok(
            store.record_nonce(consumer_id, &sample_nonce(n), timestamp),
            "record_nonce",
        );
        let expected = if timestamp < boundary {
            NonceOutcome::Recorded
        } else {
            NonceOutcome::AlreadyUsed
        };
        assert_eq!(
            outcome,
            expected,
            "a nonce stamped {} s from the boundary is {} by the cleanup",
            timestamp - boundary,
            if timestamp < boundary {
                "deleted"
            } else {
                "kept"
            }
        );
    }
}

/// `record_nonces` answers each record on its own: first uses are `Recorded`, a nonce used
/// before or earlier in the same call is `AlreadyUsed`, and a record of a missing consumer
/// fails alone.
pub fn record_nonces_answers_each_record<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let gone = ok(store.create_consumer(sample_consumer(2)), "create_consumer");
    ok(store.delete_consumer(gone.id), "delete_consumer");
    ok(
        store.record_nonce(consumer.id, &sample_nonce(3), SAMPLE_TIME),
        "record_nonce",
    );

    let record = |consumer_id, n| NonceUse {
        consumer_id,
        nonce: sample_nonce(n),
        timestamp: SAMPLE_TIME,
    };
    let answers = store.record_nonces(&[
        record(consumer.id, 1),
        record(consumer.id, 2),
        record(consumer.id, 1),
        record(consumer.id, 3),
        record(gone.id, 4),
        record(consumer.id, 4),
    ]);

    assert_eq!(answers.len(), 6, "one answer per record: {answers:?}");
    let outcome = |index: usize| match &answers[index] {
        Ok(outcome) => *outcome,
        Err(error) => panic!("record {index} failed: {error} ({error:?})"),
    };
    assert_eq!(outcome(0), NonceOutcome::Recorded, "a first use");
    assert_eq!(outcome(1), NonceOutcome::Recorded, "another first use");
    assert_eq!(
        outcome(2),
        NonceOutcome::AlreadyUsed,
        "a repeat within the call"
    );
    assert_eq!(
        outcome(3),
        NonceOutcome::AlreadyUsed,
        "a nonce used before the call"
    );
    assert!(
        matches!(answers[4], Err(StorageError::MissingReference { .. })),
        "a missing consumer fails alone: {:?}",
        answers[4]
    );
    assert_eq!(
        outcome(5),
        NonceOutcome::Recorded,
        "the others are unaffected"
    );
    assert_eq!(
        ok(
            store.record_nonce(consumer.id, &sample_nonce(2), SAMPLE_TIME),
            "record_nonce"
        ),
        NonceOutcome::AlreadyUsed,
        "what the call recorded stays recorded"
    );
    assert!(
        store.record_nonces(&[]).is_empty(),
        "an empty call answers nothing"
    );
}
