//! Sample rows and values for the conformance cases, public so that a backend's own tests can
//! build rows the same way.
//!
//! Every constructor takes a number `n`; different numbers give rows that differ in every
//! unique field, the same number gives equal rows.

use crate::entities::*;
use crate::ids::ConsumerId;
use crate::values::{ConsumerKey, Digest, Nonce, Sealed};

/// The creation time of sample rows: a plausible present, in Unix seconds.
pub const SAMPLE_TIME: i64 = 1_700_000_000;

/// 9999-12-31T23:59:59Z: far past 2³² seconds, and the latest instant a SQL `DATETIME` or
/// `TIMESTAMP` column can hold, so a backend may store times in either integers or date types.
pub const LATE_TIME: i64 = 253_402_300_799;

/// One 64-bit word of a well-spread, repeatable sequence (splitmix64 of `seed`).
fn spread(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A 32-character consumer key unique to `n`, of `[0-9a-z]` as generated keys are.
pub fn sample_consumer_key(n: u32) -> ConsumerKey {
    let key = format!("key{n:029}");
    ConsumerKey::parse(&key).expect("\"key\" and 29 digits are 32 visible characters")
}

/// A digest as the services compute them (64 lower-case hex characters), unique to `n`.
pub fn sample_digest(n: u32) -> Digest {
    // Each word is a bijection of its seed, so distinct `n` give distinct digests.
    let seed = u64::from(n) * 4;
    Digest::from_hex(format!(
        "{:016x}{:016x}{:016x}{:016x}",
        spread(seed),
        spread(seed + 1),
        spread(seed + 2),
        spread(seed + 3)
    ))
}

/// Sealed bytes of the size an AES-GCM-sealed 32-character secret takes, unique to `n`.
///
/// They start and end with a zero byte and hold `0xff` and bytes that are not UTF-8, so a
/// backend that stores them as text or trims them fails the round trip.
pub fn sample_sealed(n: u32) -> Sealed {
    let mut bytes = vec![0x00, 0xff, 0xc3, 0x28];
    bytes.extend_from_slice(&n.to_be_bytes());
    for word in 0..7u64 {
        bytes.extend_from_slice(&spread(u64::from(n) * 8 + word).to_le_bytes());
    }
    bytes.push(0x00);
    Sealed::from_bytes(bytes)
}

/// A 32-character client nonce unique to `n`.
pub fn sample_nonce(n: u32) -> Nonce {
    Nonce::parse(&format!("nonce{n:027}")).expect("\"nonce\" and 27 digits are printable ASCII")
}

/// A consumer named as the consumer of integration `n` is, with a callback URL and no
/// rejected-callback URL, created at `SAMPLE_TIME + n`.
pub fn sample_consumer(n: u32) -> NewConsumer {
    NewConsumer {
        name: format!("Integration{n}"),
        key: sample_consumer_key(n),
        sealed_secret: sample_sealed(n),
        callback_url: Some(format!("https://integration{n}.example.com/oauth/callback")),
        rejected_callback_url: None,
        created_at: SAMPLE_TIME + i64::from(n),
    }
}

/// A token of `owner` at stage `kind` whose digest is [`sample_digest`]`(n)`, created at
/// `SAMPLE_TIME`.
///
/// Consumer tokens carry a verifier digest and are authorized once they are access tokens;
/// admin and customer tokens carry no verifier and are authorized.
pub fn sample_token(owner: TokenOwner, kind: TokenKind, n: u32) -> NewToken {
    let is_consumer_token = matches!(owner, TokenOwner::Consumer(_));
    NewToken {
        owner,
        kind,
        token_digest: sample_digest(n),
        sealed_secret: sample_sealed(n),
        verifier_digest: is_consumer_token.then(|| sample_digest(n | 0x8000_0000)),
        callback_url: "oob".to_owned(),
        authorized: !is_consumer_token || kind == TokenKind::Access,
        created_at: SAMPLE_TIME,
    }
}

/// The conversion of a row into `kind`, with the new digest [`sample_digest`]`(n)`.
pub fn sample_conversion(kind: TokenKind, n: u32) -> TokenConversion {
    TokenConversion {
        kind,
        token_digest: sample_digest(n),
        sealed_secret: sample_sealed(n),
        authorized: kind == TokenKind::Access,
    }
}

/// An inactive, manually created integration named after `n`, with an endpoint and no
/// identity link, created at `SAMPLE_TIME + n`.
pub fn sample_integration(n: u32, consumer_id: Option<ConsumerId>) -> NewIntegration {
    NewIntegration {
        name: format!("Integration {n}"),
        email: format!("integration+{n}@example.com"),
        endpoint: Some(format!(
            "https://integration{n}.example.com/endpoint?store=1&x=%20"
        )),
        identity_link_url: None,
        status: IntegrationStatus::Inactive,
        setup_type: SetupType::Manual,
        consumer_id,
        created_at: SAMPLE_TIME + i64::from(n),
    }
}

/// An active admin whose username is unique to `n`.
pub fn sample_admin(n: u32) -> NewAdminUser {
    NewAdminUser {
        username: format!("admin{n}"),
        email: format!("admin{n}@example.com"),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ${n:043}"),
        is_active: true,
        created_at: SAMPLE_TIME,
    }
}

/// An active customer whose email is unique to `n`.
pub fn sample_customer(n: u32) -> NewCustomer {
    NewCustomer {
        email: format!("customer{n}@example.com"),
        firstname: "Zoë".to_owned(),
        lastname: format!("Ångström-O'Brien {n}"),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ${n:043}"),
        is_active: true,
        created_at: SAMPLE_TIME,
    }
}

/// The role of one user, named after the user id as the reference names integration roles.
pub fn sample_role(user_type: UserType, user_id: i64) -> NewRole {
    NewRole {
        name: user_id.to_string(),
        user_type,
        user_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_differ_by_number() {
        assert_ne!(sample_digest(1), sample_digest(2));
        assert_eq!(sample_digest(7), sample_digest(7));
        assert_eq!(sample_digest(1).as_hex().len(), 64);
        assert_ne!(sample_sealed(1), sample_sealed(2));
        assert_ne!(sample_consumer_key(1), sample_consumer_key(2));
        assert_ne!(sample_nonce(1), sample_nonce(2));
    }
}
