//! Password hashing for admin users and customers: Argon2id, stored as a PHC string.
//!
//! The default parameters are OWASP's minimum recommendation for Argon2id: 19 MiB of memory
//! (m = 19456 KiB), two passes (t = 2), one lane (p = 1). A hash records its own parameters, so
//! raising them later leaves existing hashes verifiable.
//!
//! A login for a user that does not exist still pays for one verification
//! ([`PasswordHasher::verify_dummy`]), so that response times do not tell which user names
//! exist.
//!
//! Each hash needs its full memory cost at once, so logins arriving together would each take
//! 19 MiB, and the allocator keeps much of it afterwards. The hasher therefore owns a few
//! memory areas (one per core by default) and every hash or verification borrows one, waiting
//! when all are in use: memory stays bounded whatever the number of concurrent logins, and
//! throughput is unchanged since more hashes than cores cannot run at once anyway.

use std::sync::{Condvar, Mutex, PoisonError};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;

use gatehouse_domain::Random;

use crate::error::TokensError;

/// Bytes of random salt per hash (the PHC recommendation is at least 16).
const SALT_LENGTH: usize = 16;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordParams {
    /// Memory per hash, in KiB.
    pub memory_kib: u32,
    /// Number of passes over the memory.
    pub iterations: u32,
    /// Number of lanes.
    pub parallelism: u32,
}

impl PasswordParams {
    /// OWASP's minimum for Argon2id: m = 19456 KiB, t = 2, p = 1. The default.
    pub const OWASP_MINIMUM: Self = Self {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };

    /// The cheapest parameters Argon2 accepts (m = 8 KiB, t = 1, p = 1): for tests only, where
    /// hashing cost would only slow the suite down.
    pub const INSECURE_FOR_TESTS: Self = Self {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };
}

impl Default for PasswordParams {
    fn default() -> Self {
        Self::OWASP_MINIMUM
    }
}

/// Hashes and verifies passwords with one set of parameters.
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    argon2_params: Params,
    params: PasswordParams,
    memory: MemoryAreas,
    /// A hash of a random password made with the same parameters, verified against when the
    /// user does not exist.
    dummy_hash: String,
}

impl PasswordHasher {
    /// A hasher with `params`. Fails with [`TokensError::PasswordHash`] when Argon2 refuses
    /// them (for example less than 8 KiB of memory per lane).
    pub fn new(params: PasswordParams, random: &dyn Random) -> Result<Self, TokensError> {
        let argon2_params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|error| TokensError::PasswordHash(error.to_string()))?;

        let areas = std::thread::available_parallelism().map_or(2, |cores| cores.get());
        let mut hasher = Self {
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, argon2_params.clone()),
            argon2_params,
            params,
            memory: MemoryAreas::new(areas),
            dummy_hash: String::new(),
        };
        hasher.dummy_hash = hasher.hash(random, &random.credential(32))?;
        Ok(hasher)
    }

    /// The parameters new hashes are made with.
    pub fn params(&self) -> PasswordParams {
        self.params
    }

    /// The PHC string of `password` with a fresh random salt, for example
    /// `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
    pub fn hash(&self, random: &dyn Random, password: &str) -> Result<String, TokensError> {
        let mut salt_bytes = [0u8; SALT_LENGTH];
        random.fill(&mut salt_bytes);
        let salt = SaltString::encode_b64(&salt_bytes)
            .map_err(|error| TokensError::PasswordHash(error.to_string()))?;

        let hash_error =
            |error: argon2::password_hash::Error| TokensError::PasswordHash(error.to_string());
        let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
        self.memory
            .with(self.argon2_params.block_count(), |blocks| {
                self.argon2.hash_password_into_with_memory(
                    password.as_bytes(),
                    &salt_bytes,
                    &mut output,
                    blocks,
                )
            })
            .map_err(|error| TokensError::PasswordHash(error.to_string()))?;

        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.argon2_params).map_err(hash_error)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&output).map_err(hash_error)?),
        };
        Ok(phc.to_string())
    }

    /// Whether `password` matches `hash`, a PHC string made by [`PasswordHasher::hash`] with
    /// any parameters.
    ///
    /// A wrong password is `Ok(false)`; only an unreadable hash is an error.
    pub fn verify(&self, password: &str, hash: &str) -> Result<bool, TokensError> {
        let unreadable =
            |error: &dyn std::fmt::Display| TokensError::PasswordHash(error.to_string());
        let parsed = PasswordHash::new(hash).map_err(|error| unreadable(&error))?;

        // The hash names its own algorithm, version and parameters; they may be older ones.
        let algorithm =
            Algorithm::try_from(parsed.algorithm).map_err(|error| unreadable(&error))?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()
            .map_err(|error| unreadable(&error))?
            .unwrap_or_default();
        let params = Params::try_from(&parsed).map_err(|error| unreadable(&error))?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(unreadable(&"the hash has no salt or no output"));
        };

        // Argon2 hashes with the salt's bytes; the PHC string holds them in base64.
        let mut salt_buffer = [0u8; 64];
        let salt_bytes = salt
            .decode_b64(&mut salt_buffer)
            .map_err(|error| unreadable(&error))?;

        let argon2 = Argon2::new(algorithm, version, params.clone());
        let mut output = vec![0u8; expected.len()];
        self.memory
            .with(params.block_count(), |blocks| {
                argon2.hash_password_into_with_memory(
                    password.as_bytes(),
                    salt_bytes,
                    &mut output,
                    blocks,
                )
            })
            .map_err(|error| unreadable(&error))?;
        Ok(bool::from(output.as_slice().ct_eq(expected.as_bytes())))
    }

    /// Spends as long as a real verification, for a user name that does not exist. The answer
    /// is always a mismatch.
    pub fn verify_dummy(&self, password: &str) {
        // The dummy password is random and discarded, so the result carries no information.
        let _ = self.verify(password, &self.dummy_hash);
    }
}

/// Memory areas for Argon2, lent to one hash at a time.
struct MemoryAreas {
    /// Areas not in use. Fewer than `total` exist until that many hashes have run at once.
    idle: Mutex<Vec<Vec<Block>>>,
    /// Areas created so far.
    created: Mutex<usize>,
    returned: Condvar,
    total: usize,
}

impl MemoryAreas {
    fn new(total: usize) -> Self {
        Self {
            idle: Mutex::new(Vec::new()),
            created: Mutex::new(0),
            returned: Condvar::new(),
            total: total.max(1),
        }
    }

    /// Runs `hash` with an area of at least `blocks` blocks, waiting for one when all are lent.
    fn with<T>(&self, blocks: usize, hash: impl FnOnce(&mut [Block]) -> T) -> T {
        let mut area = self.borrow();
        if area.len() < blocks {
            area.resize(blocks, Block::new());
        }
        let result = hash(&mut area[..blocks]);
        self.give_back(area);
        result
    }

    fn borrow(&self) -> Vec<Block> {
        // A poisoned lock only means a panic elsewhere while holding it; the list of areas is
        // still a list of areas.
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(area) = idle.pop() {
                return area;
            }
            let mut created = self.created.lock().unwrap_or_else(PoisonError::into_inner);
            if *created < self.total {
                *created += 1;
                return Vec::new();
            }
            drop(created);
            idle = self
                .returned
                .wait(idle)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn give_back(&self, area: Vec<Block>) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(area);
        self.returned.notify_one();
    }
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use gatehouse_domain::SequenceRandom;

    use super::*;

    fn cheap() -> PasswordHasher {
        PasswordHasher::new(PasswordParams::INSECURE_FOR_TESTS, &SequenceRandom::new(1)).unwrap()
    }

    #[test]
    fn hash_is_an_argon2id_phc_string_that_verifies() {
        let hasher = cheap();
        let random = SequenceRandom::new(2);

        let hash = hasher.hash(&random, "correct horse").unwrap();

        assert!(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{hash}");
        assert!(hasher.verify("correct horse", &hash).unwrap());
        assert!(!hasher.verify("correct horse ", &hash).unwrap());
        assert!(!hasher.verify("", &hash).unwrap());
    }

    #[test]
    fn salts_differ_between_hashes() {
        let hasher = cheap();
        let random = SequenceRandom::new(3);

        let first = hasher.hash(&random, "same").unwrap();
        let second = hasher.hash(&random, "same").unwrap();

        assert_ne!(first, second);
    }

    #[test]
    fn hashes_made_with_other_parameters_still_verify() {
        let random = SequenceRandom::new(4);
        let stronger = PasswordParams {
            memory_kib: 64,
            iterations: 2,
            parallelism: 1,
        };
        let old_hash = PasswordHasher::new(stronger, &random)
            .unwrap()
            .hash(&random, "pw")
            .unwrap();

        assert!(cheap().verify("pw", &old_hash).unwrap());
    }

    #[test]
    fn concurrent_hashes_share_a_bounded_number_of_memory_areas() {
        let hasher = std::sync::Arc::new(cheap());
        let hash = hasher.hash(&SequenceRandom::new(7), "pw").unwrap();

        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (hasher, hash) = (std::sync::Arc::clone(&hasher), hash.clone());
                std::thread::spawn(move || hasher.verify("pw", &hash).unwrap())
            })
            .collect();
        for thread in threads {
            assert!(thread.join().unwrap());
        }

        let created = *hasher.memory.created.lock().unwrap();
        assert!(
            created >= 1 && created <= hasher.memory.total,
            "{created} areas"
        );
    }

    #[test]
    fn hashes_of_the_argon2_crate_verify() {
        use argon2::password_hash::PasswordHasher as _;

        let salt = SaltString::encode_b64(b"sixteen byte salt").unwrap();
        let params = Params::new(8, 1, 1, None).unwrap();
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"pw", &salt)
            .unwrap()
            .to_string();

        assert!(cheap().verify("pw", &reference).unwrap());
        assert!(!cheap().verify("pW", &reference).unwrap());
    }

    #[test]
    fn unreadable_hash_is_an_error_not_a_mismatch() {
        assert!(matches!(
            cheap().verify("pw", "not a phc string"),
            Err(TokensError::PasswordHash(_))
        ));
    }

    #[test]
    fn invalid_parameters_are_refused() {
        let params = PasswordParams {
            memory_kib: 1,
            iterations: 1,
            parallelism: 1,
        };

        assert!(matches!(
            PasswordHasher::new(params, &SequenceRandom::new(5)),
            Err(TokensError::PasswordHash(_))
        ));
    }

    #[test]
    fn default_is_the_owasp_minimum() {
        assert_eq!(
            PasswordParams::default(),
            PasswordParams {
                memory_kib: 19_456,
                iterations: 2,
                parallelism: 1
            }
        );
    }

    #[test]
    fn dummy_verification_is_not_a_cheap_early_exit() {
        // Parameters heavy enough that the hash dominates the measurement.
        let params = PasswordParams {
            memory_kib: 2048,
            iterations: 2,
            parallelism: 1,
        };
        let random = SequenceRandom::new(6);
        let hasher = PasswordHasher::new(params, &random).unwrap();
        let hash = hasher.hash(&random, "pw").unwrap();

        // Interleaved, so that load from other tests slows both sides alike.
        let mut real = Duration::ZERO;
        let mut dummy = Duration::ZERO;
        for _ in 0..4 {
            let started = Instant::now();
            assert!(!hasher.verify("wrong", &hash).unwrap());
            real += started.elapsed();

            let started = Instant::now();
            hasher.verify_dummy("wrong");
            dummy += started.elapsed();
        }

        // A dummy that skipped the hash would take microseconds against milliseconds.
        assert!(dummy * 4 > real, "dummy {dummy:?} vs real {real:?}");
    }
}
