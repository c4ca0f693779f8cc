//! Randomness, injected: generated keys, secrets, tokens, verifiers and nonces come from a
//! [`Random`], a CSPRNG in production and a predictable sequence in tests.

use std::sync::atomic::{AtomicU64, Ordering};

use ring::rand::SecureRandom;

/// The alphabet of every generated credential: `[0-9a-z]`, as in the reference.
pub const CREDENTIAL_ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Length of generated keys, secrets, tokens, verifiers and nonces.
pub const CREDENTIAL_LENGTH: usize = 32;

/// A source of random bytes.
///
/// Production implementations must be cryptographically secure: their output becomes consumer
/// secrets and tokens.
pub trait Random: Send + Sync {
    /// Fills `dest` with random bytes.
    fn fill(&self, dest: &mut [u8]);

    /// A string of `len` characters drawn uniformly from [`CREDENTIAL_ALPHABET`].
    fn credential(&self, len: usize) -> String {
        let mut out = String::with_capacity(len);
        let mut byte = [0u8; 1];
        while out.len() < len {
            self.fill(&mut byte);
            // 252 is the largest multiple of 36 below 256: rejecting the rest keeps it uniform.
            if byte[0] < 252 {
                out.push(char::from(CREDENTIAL_ALPHABET[usize::from(byte[0] % 36)]));
            }
        }
        out
    }
}

/// The operating system's CSPRNG, through ring.
#[derive(Debug)]
pub struct SystemRandom {
    inner: ring::rand::SystemRandom,
}

impl SystemRandom {
    /// A handle on the system CSPRNG.
    pub fn new() -> Self {
        Self {
            inner: ring::rand::SystemRandom::new(),
        }
    }
}

impl Default for SystemRandom {
    fn default() -> Self {
        Self::new()
    }
}

impl Random for SystemRandom {
    fn fill(&self, dest: &mut [u8]) {
        // ring's system source only fails when the kernel has no entropy source at all, which a
        // running service cannot recover from; producing predictable secrets would be worse.
        #[allow(clippy::expect_used)]
        self.inner
            .fill(dest)
            .expect("the operating system's random source failed");
    }
}

/// A predictable byte stream for tests: the same seed gives the same credentials.
///
/// Never use it outside tests: its output is trivially guessable.
#[derive(Debug)]
pub struct SequenceRandom {
    state: AtomicU64,
}

impl SequenceRandom {
    /// A stream starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
        }
    }
}

impl Random for SequenceRandom {
    fn fill(&self, dest: &mut [u8]) {
        for byte in dest.iter_mut() {
            // splitmix64: well spread, so credentials drawn from it look varied.
            let mut z = self
                .state
                .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
                .wrapping_add(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *byte = (z ^ (z >> 31)) as u8;
        }
    }
}

impl<R: Random + ?Sized> Random for std::sync::Arc<R> {
    fn fill(&self, dest: &mut [u8]) {
        (**self).fill(dest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_use_the_reference_alphabet() {
        let random = SystemRandom::new();
        let value = random.credential(CREDENTIAL_LENGTH);
        assert_eq!(value.len(), 32);
        assert!(value.bytes().all(|b| CREDENTIAL_ALPHABET.contains(&b)));
        assert_ne!(value, random.credential(CREDENTIAL_LENGTH));
    }

    #[test]
    fn sequence_random_is_repeatable() {
        let first = SequenceRandom::new(7).credential(32);
        let second = SequenceRandom::new(7).credential(32);
        assert_eq!(first, second);
        assert_ne!(first, SequenceRandom::new(8).credential(32));
    }
}
