//! Password hashing for admin users and customers: Argon2id, stored as a PHC string.
//!
//! The default parameters are OWASP's minimum recommendation for Argon2id: 19 MiB of memory
//! (m = 19456 KiB), two passes (t = 2), one lane (p = 1). A hash records its own parameters, so
//! raising them later leaves existing hashes verifiable.
//!
//! A login for a user that does not exist still pays for one verification
//! ([`PasswordHasher::verify_dummy`]), so that response times do not tell which user names
//! exist.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

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
    params: PasswordParams,
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

        let mut hasher = Self {
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, argon2_params),
            params,
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
        let mut salt = [0u8; SALT_LENGTH];
        random.fill(&mut salt);
        let salt = SaltString::encode_b64(&salt)
            .map_err(|error| TokensError::PasswordHash(error.to_string()))?;

        let hash = self
            .argon2
            .hash_password(password.as_bytes(), &salt)
            .map_err(|error| TokensError::PasswordHash(error.to_string()))?;
        Ok(hash.to_string())
    }

    /// Whether `password` matches `hash`, a PHC string made by [`PasswordHasher::hash`] with
    /// any parameters.
    ///
    /// A wrong password is `Ok(false)`; only an unreadable hash is an error.
    pub fn verify(&self, password: &str, hash: &str) -> Result<bool, TokensError> {
        let parsed = PasswordHash::new(hash)
            .map_err(|error| TokensError::PasswordHash(error.to_string()))?;

        match self.argon2.verify_password(password.as_bytes(), &parsed) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::Password) => Ok(false),
            Err(error) => Err(TokensError::PasswordHash(error.to_string())),
        }
    }

    /// Spends as long as a real verification, for a user name that does not exist. The answer
    /// is always a mismatch.
    pub fn verify_dummy(&self, password: &str) {
        // The dummy password is random and discarded, so the result carries no information.
        let _ = self.verify(password, &self.dummy_hash);
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
