//! Revocation of admin and customer tokens, and the per-process cache that keeps checking it
//! in memory on the hot path (design decision 7).
//!
//! Two kinds of revocation exist:
//! - **per user** (`jwt_auth_revoked`): a watermark; every token of the user issued at or
//!   before it (`iat ≤ revoke_before`) is refused. This is all the reference has.
//! - **per token**: the token's `jti` is recorded until the token expires. Tokens minted by
//!   the reference carry no `jti` and can only be revoked with their user.
//!
//! The cache remembers what storage said, positive or negative, for a short time-to-live
//! (default 2 s). A revocation written by another process, or by the command line, is
//! therefore seen everywhere within that time; one made through this process is seen in this
//! process at once. A time-to-live of zero turns the cache off.
//!
//! [`RevocationCache::check_cached`] answers from fresh entries alone, without storage, so
//! that a caller can check a token where it must not block and go to storage only when the
//! cache cannot answer.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use gatehouse_domain::{
    ErrorClass, Message, RevocationRepository, StorageError, TokenRevocation, UserRevocation,
    UserType,
};

use crate::error::TokensError;
use crate::jwt::UserTokenClaims;

/// The reference's refusal of a revoked user token.
pub const REVOKED_TOKEN: &str = "User token has been revoked";

/// Default time-to-live of cached revocation state.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(2);

/// Entries per map beyond which stale entries are swept out; if the map is still that full
/// afterwards, it is emptied. This bounds memory whatever the traffic.
const MAX_CACHED_ENTRIES: usize = 100_000;

/// A value read from storage, and when.
#[derive(Debug, Clone, Copy)]
struct Cached<T> {
    value: T,
    fetched_at: Instant,
}

/// A map of cached values with one time-to-live.
#[derive(Debug)]
struct TtlMap<K, V> {
    entries: RwLock<HashMap<K, Cached<V>>>,
}

impl<K: Hash + Eq, V: Copy> TtlMap<K, V> {
    fn new() -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
        }
    }

    fn get<Q>(&self, key: &Q, ttl: Duration) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        let cached = entries.get(key)?;
        (cached.fetched_at.elapsed() < ttl).then_some(cached.value)
    }

    fn insert(&self, key: K, value: V, ttl: Duration) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_CACHED_ENTRIES {
            entries.retain(|_, cached| cached.fetched_at.elapsed() < ttl);
            if entries.len() >= MAX_CACHED_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Cached {
                value,
                fetched_at: Instant::now(),
            },
        );
    }

    fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// Reads and writes revocations through storage, remembering what it read for a short time.
#[derive(Debug)]
pub struct RevocationCache {
    ttl: Duration,
    /// Per user: the watermark, or `None` when the user has none.
    users: TtlMap<(UserType, i64), Option<i64>>,
    /// Per token id: whether it is revoked.
    tokens: TtlMap<String, bool>,
}

impl RevocationCache {
    /// A cache keeping what it read for `ttl`; zero reads storage every time.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            users: TtlMap::new(),
            tokens: TtlMap::new(),
        }
    }

    /// The time-to-live of cached state.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Refuses `claims` with `User token has been revoked` when the user's watermark covers
    /// the token (`iat ≤ revoke_before`) or the token's own id is revoked.
    pub fn check(
        &self,
        store: &(impl RevocationRepository + ?Sized),
        claims: &UserTokenClaims,
    ) -> Result<(), TokensError> {
        let watermark = self.user_watermark(store, claims.user_type, claims.user_id)?;
        if watermark.is_some_and(|revoke_before| claims.issued_at <= revoke_before) {
            return Err(revoked());
        }

        if let Some(token_id) = &claims.token_id {
            if self.is_token_revoked(store, token_id)? {
                return Err(revoked());
            }
        }
        Ok(())
    }

    /// What [`RevocationCache::check`] would answer for `claims`, from fresh cached state
    /// alone: `None` when an entry it needs is missing or stale (or the cache is off), and only
    /// storage can answer. Never reads storage and never changes the cache.
    pub fn check_cached(&self, claims: &UserTokenClaims) -> Option<Result<(), TokensError>> {
        let watermark = self.fresh_user_watermark(claims.user_type, claims.user_id)?;
        if watermark.is_some_and(|revoke_before| claims.issued_at <= revoke_before) {
            return Some(Err(revoked()));
        }

        if let Some(token_id) = &claims.token_id {
            if self.fresh_token_revoked(token_id)? {
                return Some(Err(revoked()));
            }
        }
        Some(Ok(()))
    }

    /// The user's watermark if the cache holds a fresh entry for the user: `Some(None)` when
    /// storage said the user has none, `None` when the entry is missing or stale.
    pub fn fresh_user_watermark(&self, user_type: UserType, user_id: i64) -> Option<Option<i64>> {
        self.users.get(&(user_type, user_id), self.ttl)
    }

    /// Whether the token with this id is revoked, if the cache holds a fresh entry for it;
    /// `None` when the entry is missing or stale.
    pub fn fresh_token_revoked(&self, token_id: &str) -> Option<bool> {
        self.tokens.get(token_id, self.ttl)
    }

    /// The user's watermark, from the cache when fresh.
    pub fn user_watermark(
        &self,
        store: &(impl RevocationRepository + ?Sized),
        user_type: UserType,
        user_id: i64,
    ) -> Result<Option<i64>, StorageError> {
        if let Some(watermark) = self.users.get(&(user_type, user_id), self.ttl) {
            return Ok(watermark);
        }

        let watermark = store.user_revocation(user_type, user_id)?;
        self.users.insert((user_type, user_id), watermark, self.ttl);
        Ok(watermark)
    }

    /// Whether the token with this id is revoked, from the cache when fresh.
    pub fn is_token_revoked(
        &self,
        store: &(impl RevocationRepository + ?Sized),
        token_id: &str,
    ) -> Result<bool, StorageError> {
        if let Some(revoked) = self.tokens.get(token_id, self.ttl) {
            return Ok(revoked);
        }

        let revoked = store.is_token_revoked(token_id)?;
        self.tokens.insert(token_id.to_owned(), revoked, self.ttl);
        Ok(revoked)
    }

    /// Revokes every token of the user issued at or before `now`, in storage and in this
    /// process's cache.
    pub fn revoke_user(
        &self,
        store: &(impl RevocationRepository + ?Sized),
        user_type: UserType,
        user_id: i64,
        now: i64,
    ) -> Result<(), StorageError> {
        store.revoke_user_tokens(UserRevocation {
            user_type,
            user_id,
            revoke_before: now,
        })?;

        // Storage never lowers a watermark; neither does the cache.
        let previous = self
            .users
            .get(&(user_type, user_id), Duration::MAX)
            .flatten();
        let watermark = previous.map_or(now, |previous| previous.max(now));
        self.users
            .insert((user_type, user_id), Some(watermark), self.ttl);
        Ok(())
    }

    /// Revokes one token by its id, in storage and in this process's cache.
    pub fn revoke_token(
        &self,
        store: &(impl RevocationRepository + ?Sized),
        revocation: TokenRevocation,
    ) -> Result<(), StorageError> {
        let token_id = revocation.token_id.clone();
        store.revoke_single_token(revocation)?;
        self.tokens.insert(token_id, true, self.ttl);
        Ok(())
    }

    /// How many users and token ids are cached, fresh or stale.
    pub fn cached_entries(&self) -> usize {
        self.users.len() + self.tokens.len()
    }
}

fn revoked() -> TokensError {
    TokensError::refused(ErrorClass::Authentication, Message::new(REVOKED_TOKEN))
}

#[cfg(test)]
mod tests {
    use gatehouse_domain::memory::MemoryStore;

    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn claims(issued_at: i64, token_id: Option<&str>) -> UserTokenClaims {
        UserTokenClaims {
            user_type: UserType::Customer,
            user_id: 5,
            issued_at,
            expires_at: issued_at + 3600,
            token_id: token_id.map(str::to_owned),
        }
    }

    #[test]
    fn watermark_covers_tokens_issued_at_or_before_it() {
        let store = MemoryStore::new();
        let cache = RevocationCache::new(Duration::ZERO);

        cache
            .revoke_user(&store, UserType::Customer, 5, NOW)
            .unwrap();

        let error = cache.check(&store, &claims(NOW, None)).unwrap_err();
        assert_eq!(error.message().render(), REVOKED_TOKEN);
        assert_eq!(error.class(), ErrorClass::Authentication);
        assert!(cache.check(&store, &claims(NOW - 1, None)).is_err());
        assert!(cache.check(&store, &claims(NOW + 1, None)).is_ok());
    }

    #[test]
    fn watermark_is_per_user_and_type() {
        let store = MemoryStore::new();
        let cache = RevocationCache::new(DEFAULT_CACHE_TTL);

        cache.revoke_user(&store, UserType::Admin, 5, NOW).unwrap();
        cache
            .revoke_user(&store, UserType::Customer, 6, NOW)
            .unwrap();

        assert!(cache.check(&store, &claims(NOW, None)).is_ok());
    }

    #[test]
    fn single_token_revocation_spares_the_others() {
        let store = MemoryStore::new();
        let cache = RevocationCache::new(DEFAULT_CACHE_TTL);
        assert!(cache.check(&store, &claims(NOW, Some("a"))).is_ok());

        cache
            .revoke_token(
                &store,
                TokenRevocation {
                    token_id: "a".into(),
                    user_type: UserType::Customer,
                    user_id: 5,
                    expires_at: NOW + 3600,
                },
            )
            .unwrap();

        // Revoked in this process: seen at once, though "a" was cached as not revoked.
        assert!(cache.check(&store, &claims(NOW, Some("a"))).is_err());
        assert!(cache.check(&store, &claims(NOW, Some("b"))).is_ok());
        assert!(cache.check(&store, &claims(NOW, None)).is_ok());
    }

    #[test]
    fn revocations_by_others_are_seen_once_the_cache_expires() {
        let store = MemoryStore::new();
        let ttl = Duration::from_millis(50);
        let cache = RevocationCache::new(ttl);
        let elsewhere = RevocationCache::new(ttl);
        assert!(cache.check(&store, &claims(NOW, Some("a"))).is_ok());

        elsewhere
            .revoke_user(&store, UserType::Customer, 5, NOW)
            .unwrap();

        // Still cached as not revoked here…
        assert!(cache.check(&store, &claims(NOW, Some("a"))).is_ok());
        // …until the time-to-live has passed.
        std::thread::sleep(ttl + Duration::from_millis(10));
        assert!(cache.check(&store, &claims(NOW, Some("a"))).is_err());
    }

    #[test]
    fn a_lower_watermark_never_replaces_a_higher_one() {
        let store = MemoryStore::new();
        let cache = RevocationCache::new(DEFAULT_CACHE_TTL);

        cache
            .revoke_user(&store, UserType::Customer, 5, NOW + 10)
            .unwrap();
        cache
            .revoke_user(&store, UserType::Customer, 5, NOW)
            .unwrap();

        assert_eq!(
            cache.user_watermark(&store, UserType::Customer, 5).unwrap(),
            Some(NOW + 10)
        );
        assert!(cache.check(&store, &claims(NOW + 10, None)).is_err());
    }

    #[test]
    fn cached_check_answers_only_from_fresh_entries() {
        let store = MemoryStore::new();
        let ttl = Duration::from_millis(200);
        let cache = RevocationCache::new(ttl);
        let token = claims(NOW, Some("a"));

        // Cold: nothing to answer from.
        assert!(cache.check_cached(&token).is_none());
        assert_eq!(cache.fresh_user_watermark(UserType::Customer, 5), None);

        // The watermark alone is not enough while the token id is unknown.
        cache.user_watermark(&store, UserType::Customer, 5).unwrap();
        assert_eq!(
            cache.fresh_user_watermark(UserType::Customer, 5),
            Some(None)
        );
        assert!(cache.check_cached(&token).is_none());
        assert!(matches!(
            cache.check_cached(&claims(NOW, None)),
            Some(Ok(()))
        ));

        cache.check(&store, &token).unwrap();
        assert_eq!(cache.fresh_token_revoked("a"), Some(false));
        assert!(matches!(cache.check_cached(&token), Some(Ok(()))));

        // Stale again once the time-to-live has passed.
        std::thread::sleep(ttl + Duration::from_millis(50));
        assert!(cache.check_cached(&token).is_none());
        assert_eq!(cache.fresh_token_revoked("a"), None);
    }

    #[test]
    fn cached_check_refuses_as_the_storage_check_does() {
        let store = MemoryStore::new();
        let cache = RevocationCache::new(DEFAULT_CACHE_TTL);
        cache
            .revoke_user(&store, UserType::Customer, 5, NOW)
            .unwrap();

        // The watermark refuses without any token id being known.
        let error = cache
            .check_cached(&claims(NOW, Some("x")))
            .unwrap()
            .unwrap_err();
        assert_eq!(error.message().render(), REVOKED_TOKEN);
        assert_eq!(error.class(), ErrorClass::Authentication);

        let later = claims(NOW + 1, Some("b"));
        cache
            .revoke_token(
                &store,
                TokenRevocation {
                    token_id: "b".into(),
                    user_type: UserType::Customer,
                    user_id: 5,
                    expires_at: NOW + 3600,
                },
            )
            .unwrap();
        let error = cache.check_cached(&later).unwrap().unwrap_err();
        assert_eq!(error.message().render(), REVOKED_TOKEN);
        assert!(cache.check(&store, &later).is_err());
    }

    #[test]
    fn a_zero_time_to_live_never_answers_from_the_cache() {
        let store = MemoryStore::new();
        let cache = RevocationCache::new(Duration::ZERO);
        let token = claims(NOW, Some("a"));

        cache.check(&store, &token).unwrap();

        assert!(cache.check_cached(&token).is_none());
    }

    #[test]
    fn cache_size_is_bounded() {
        let store = MemoryStore::new();
        let cache = RevocationCache::new(Duration::from_secs(60));

        for index in 0..(MAX_CACHED_ENTRIES + 10) {
            cache
                .is_token_revoked(&store, &format!("token-{index}"))
                .unwrap();
        }

        assert!(cache.cached_entries() <= MAX_CACHED_ENTRIES);
    }
}
