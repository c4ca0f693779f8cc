//! Throughput of the token hot paths on the in-memory store.
//!
//! - `bearer/authenticate`: validating an admin JWT as a request would, signature, expiry and
//!   revocation check included, with revocation state cached (the default 2 s time-to-live, so
//!   the store is read about once per 2 s per user and token id).
//! - `bearer/read_jwt`: the JWT checks alone, without revocation.
//! - `issue/admin_token`: a whole login (throttle check, Argon2id verification, JWT), with
//!   the OWASP-minimum Argon2id parameters (m = 19456 KiB, t = 2, p = 1).
//! - `issue/argon2id_verify` and `issue/sign_jwt`: the two parts of a login on their own.
//!
//! Run with `cargo bench -p gatehouse-tokens --bench bearer`.

use std::sync::Arc;
use std::time::Duration;

use criterion::Criterion;

use gatehouse_domain::memory::MemoryStore;
use gatehouse_domain::{FixedClock, SequenceRandom, UserType};
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::jwt::{JwtAlgorithm, JwtCodec, UserTokenClaims};
use gatehouse_tokens::password::{PasswordHasher, PasswordParams};
use gatehouse_tokens::users::{AdminAccount, TokenSettings, UserTokenService};
use gatehouse_tokens::Context;

const NOW: i64 = 1_700_000_000;
const PASSWORD: &str = "correct horse battery staple";

fn context() -> Context {
    Context {
        store: Arc::new(MemoryStore::new()),
        clock: Arc::new(FixedClock::new(NOW)),
        random: Arc::new(SequenceRandom::new(1)),
        keys: Arc::new(
            CryptKeys::parse("an0older0entry0000000000000000000 k7g2m9x4p1w8c5v3b6n0q2r4t6y8u1i3")
                .expect("a valid crypt key"),
        ),
    }
}

/// A service with one admin, `alice`, at the default (OWASP minimum) password parameters.
fn service() -> UserTokenService {
    let service =
        UserTokenService::new(context(), TokenSettings::default()).expect("valid settings");
    service
        .create_admin(AdminAccount {
            username: "alice",
            password: PASSWORD,
            email: "alice@example.com",
        })
        .expect("a fresh store takes the admin");
    service
}

fn bearer(c: &mut Criterion) {
    let service = service();
    let token = service
        .issue_admin_token("alice", PASSWORD)
        .expect("alice logs in");
    let codec = JwtCodec::new(&context().keys, JwtAlgorithm::Hs256);

    let mut group = c.benchmark_group("bearer");
    group.bench_function("authenticate", |b| {
        b.iter(|| service.authenticate_bearer(&token).expect("a valid token"))
    });
    group.bench_function("read_jwt", |b| {
        b.iter(|| codec.read(&token, NOW).expect("a valid token"))
    });
    group.finish();
}

fn issue(c: &mut Criterion) {
    let service = service();
    let ctx = context();
    let hasher = PasswordHasher::new(PasswordParams::OWASP_MINIMUM, ctx.random.as_ref())
        .expect("valid parameters");
    let hash = hasher
        .hash(ctx.random.as_ref(), PASSWORD)
        .expect("hashing works");
    let codec = JwtCodec::new(&ctx.keys, JwtAlgorithm::Hs256);
    let claims = UserTokenClaims {
        user_type: UserType::Admin,
        user_id: 1,
        issued_at: NOW,
        expires_at: NOW + 3600,
        token_id: Some("k3v9q0w2e8r7t6y5u4i3o2p1a0s9d8f7".into()),
    };

    let mut group = c.benchmark_group("issue");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("admin_token", |b| {
        b.iter(|| {
            service
                .issue_admin_token("alice", PASSWORD)
                .expect("alice logs in")
        })
    });
    group.bench_function("argon2id_verify", |b| {
        b.iter(|| hasher.verify(PASSWORD, &hash).expect("a readable hash"))
    });
    group.finish();

    c.bench_function("issue/sign_jwt", |b| b.iter(|| codec.issue(&claims)));
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bearer(&mut criterion);
    issue(&mut criterion);
    criterion.final_summary();
}
