//! The per-process cache of what a signed API request needs from storage (design decision 7,
//! applied to OAuth access tokens).
//!
//! Authenticating a signed request reads the consumer, the access token, the integration and
//! its grant: four to five look-ups for a request whose only write is its nonce. The answer is
//! the same for every request of one (consumer key, access token) pair until an integration or
//! its tokens change, so it is kept for a short time-to-live (default 2 s, as revocations are).
//!
//! - **Only success is kept.** An entry exists only for a pair that passed every storage
//!   check (known consumer, its own access token, not revoked), so refusals always go to
//!   storage, and guessing credentials cannot fill the cache. The signature and the nonce are
//!   still checked on every request.
//! - **Writes in this process are seen at once.** The OAuth and integration services call
//!   [`SignedCache::invalidate`] after every write that could change an answer (reauthorize,
//!   delete, new grant, activation); an entry read from storage before such a write is never
//!   stored after it, because each entry carries the generation it was read in.
//! - **Writes elsewhere are seen within the time-to-live**: another replica, or the command
//!   line, reauthorizing an integration stops its old token here within that bound.
//! - A time-to-live of zero turns the cache off.
//!
//! Timing: a hit needs a valid consumer key *and* access token, that is the credentials
//! themselves, so how fast an answer comes tells a caller without them nothing new.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use gatehouse_acl::Principal;
use gatehouse_domain::{ConsumerId, ConsumerKey, Digest, Secret};

/// Entries beyond which stale ones are swept out; if the map is still that full afterwards, it
/// is emptied. Entries only come from valid credentials, so this is the number of distinct
/// access tokens in use within one time-to-live.
const MAX_ENTRIES: usize = 100_000;

/// What storage said about one (consumer key, access token) pair that passed its checks.
#[derive(Debug)]
pub(crate) struct SignedCredentials {
    pub(crate) consumer_id: ConsumerId,
    pub(crate) consumer_secret: Secret,
    pub(crate) token_secret: Secret,
    /// The caller the request authenticates as, if its signature holds.
    pub(crate) principal: Principal,
}

/// An entry, when it was read, and in which generation.
#[derive(Debug)]
struct Entry {
    credentials: Arc<SignedCredentials>,
    fetched_at: Instant,
    generation: u64,
}

/// The cache key: the consumer key and the digest of the access token under the current crypt
/// key (the token itself is not kept).
type Key = (ConsumerKey, Digest);

/// See the [module documentation](self).
#[derive(Debug)]
pub(crate) struct SignedCache {
    ttl: Duration,
    /// Bumped by every invalidation; an entry of an older generation is never answered.
    generation: AtomicU64,
    entries: RwLock<HashMap<Key, Entry>>,
}

impl SignedCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            generation: AtomicU64::new(0),
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// The fresh entry for `key`, if any.
    pub(crate) fn get(&self, key: &Key) -> Option<Arc<SignedCredentials>> {
        if self.ttl.is_zero() {
            return None;
        }
        let generation = self.generation.load(Ordering::Acquire);
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.get(key)?;
        (entry.generation == generation && entry.fetched_at.elapsed() < self.ttl)
            .then(|| Arc::clone(&entry.credentials))
    }

    /// The current generation: take it **before** reading storage, and give it to
    /// [`SignedCache::insert`].
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps `credentials`, read from storage in `generation`, unless something was written
    /// since (then they may be stale, and are dropped).
    pub(crate) fn insert(&self, key: Key, credentials: SignedCredentials, generation: u64) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        // Checked under the write lock, which `invalidate` also takes: an invalidation either
        // happened before (and is seen here) or clears this entry after.
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, entry| entry.fetched_at.elapsed() < self.ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                credentials: Arc::new(credentials),
                fetched_at: Instant::now(),
                generation,
            },
        );
    }

    /// Forgets everything: called after any write that could change an answer.
    pub(crate) fn invalidate(&self) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    /// How many entries are held, fresh or stale.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use std::thread;

    use gatehouse_domain::{IntegrationId, SetupType};

    use super::*;

    fn key(n: u8) -> Key {
        let consumer = ConsumerKey::parse(&format!("{n:0>32}")).unwrap();
        let digest = Digest::from_hex(format!("{n:0>64}"));
        (consumer, digest)
    }

    fn credentials(integration: i64) -> SignedCredentials {
        SignedCredentials {
            consumer_id: ConsumerId(integration),
            consumer_secret: Secret::new("c".repeat(32)),
            token_secret: Secret::new("t".repeat(32)),
            principal: Principal::Integration {
                integration_id: IntegrationId(integration),
                resources: vec!["Magento_Backend::all".to_owned()],
                setup_type: SetupType::Manual,
            },
        }
    }

    #[test]
    fn entries_are_answered_until_they_expire() {
        let cache = SignedCache::new(Duration::from_millis(200));
        cache.insert(key(1), credentials(1), cache.generation());
        let hit = cache.get(&key(1)).expect("fresh");
        assert_eq!(hit.consumer_id, ConsumerId(1));
        assert!(cache.get(&key(2)).is_none());

        thread::sleep(Duration::from_millis(250));
        assert!(
            cache.get(&key(1)).is_none(),
            "stale entries are not answered"
        );
    }

    #[test]
    fn invalidation_forgets_everything() {
        let cache = SignedCache::new(Duration::from_secs(60));
        cache.insert(key(1), credentials(1), cache.generation());
        cache.insert(key(2), credentials(2), cache.generation());
        cache.invalidate();
        assert!(cache.get(&key(1)).is_none());
        assert!(cache.get(&key(2)).is_none());
        assert_eq!(cache.len(), 0, "secrets are not kept after an invalidation");
    }

    #[test]
    fn what_was_read_before_a_write_is_not_kept_after_it() {
        let cache = SignedCache::new(Duration::from_secs(60));
        // A reader takes the generation and reads storage; a write lands meanwhile.
        let read_in = cache.generation();
        cache.invalidate();
        cache.insert(key(1), credentials(1), read_in);
        assert!(cache.get(&key(1)).is_none());
        assert_eq!(cache.len(), 0);

        // A reader that started after the write keeps its entry.
        cache.insert(key(1), credentials(1), cache.generation());
        assert!(cache.get(&key(1)).is_some());
    }

    #[test]
    fn a_zero_time_to_live_keeps_nothing() {
        let cache = SignedCache::new(Duration::ZERO);
        cache.insert(key(1), credentials(1), cache.generation());
        assert!(cache.get(&key(1)).is_none());
        assert_eq!(cache.len(), 0);
    }
}
