//! The crypt key and everything derived from it: keyed digests of token values, sealing of
//! secrets at rest, and the JWT signing keys.
//!
//! The deployment's crypt key is a whitespace-separated list of entries, as in the reference.
//! The last entry signs and encrypts; every entry verifies and decrypts, so a key can rotate
//! without invalidating what exists (design decision 3).
//!
//! From each entry three independent keys are derived:
//! - the **digest key**: HKDF-SHA256 with the label [`DIGEST_LABEL`], used for HMAC-SHA256
//!   digests by which storage looks token values up;
//! - the **sealing key**: HKDF-SHA256 with the label [`SEAL_LABEL`], used for AES-256-GCM;
//! - the **JWT key**: the reference's own derivation (the entry padded with `&` to 2048
//!   characters), so that tokens interoperate with the reference.
//!
//! A sealed value is laid out as `version (1 byte) ‖ key id (4 bytes) ‖ nonce (12 bytes) ‖
//! ciphertext ‖ tag (16 bytes)`. The key id is itself derived by HKDF (label
//! [`KEY_ID_LABEL`]), so it names the entry without revealing anything about it and keeps
//! naming the same entry when older entries are dropped from the list.

use std::fmt;

use ring::{aead, hkdf, hmac};
use subtle::ConstantTimeEq;

use gatehouse_domain::{ConsumerKey, Digest, Random, Sealed, Secret};

use crate::error::TokensError;

/// HKDF info label of the digest key.
pub const DIGEST_LABEL: &[u8] = b"gatehouse token digest v1";

/// HKDF info label of the sealing key.
pub const SEAL_LABEL: &[u8] = b"gatehouse secret seal v1";

/// HKDF info label of the key id written in front of sealed values.
pub const KEY_ID_LABEL: &[u8] = b"gatehouse key id v1";

/// HKDF salt shared by every derivation: a fixed domain separator, not a secret.
const HKDF_SALT: &[u8] = b"gatehouse crypt key";

/// Length the reference pads each entry to before using it as an HMAC key for JWTs.
pub const JWT_KEY_LENGTH: usize = 2048;

/// The padding character of the reference's JWT key derivation.
const JWT_KEY_PAD: u8 = b'&';

/// Length of a generated crypt key, in characters of `[0-9a-z]` (about 310 bits).
pub const GENERATED_KEY_LENGTH: usize = 60;

/// The first byte of every sealed value; another value means another layout.
const SEALED_VERSION: u8 = 1;

/// Length of the key id in a sealed value.
const KEY_ID_LENGTH: usize = 4;

/// Bytes in front of the ciphertext: version, key id, nonce.
const SEALED_HEADER_LENGTH: usize = 1 + KEY_ID_LENGTH + aead::NONCE_LEN;

/// The keys derived from one entry of the crypt key.
struct KeyEntry {
    key_id: [u8; KEY_ID_LENGTH],
    digest_key: hmac::Key,
    seal_key: aead::LessSafeKey,
    jwt_key: Vec<u8>,
}

impl KeyEntry {
    fn derive(entry: &str) -> Result<Self, TokensError> {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(entry.as_bytes());
        let derivation_failed = |_| TokensError::CryptKey("key derivation failed".into());

        let digest_key: hmac::Key = prk
            .expand(&[DIGEST_LABEL], hmac::HMAC_SHA256)
            .map_err(derivation_failed)?
            .into();

        let unbound: aead::UnboundKey = prk
            .expand(&[SEAL_LABEL], &aead::AES_256_GCM)
            .map_err(derivation_failed)?
            .into();

        let mut key_id = [0u8; KEY_ID_LENGTH];
        prk.expand(&[KEY_ID_LABEL], OutputLength(KEY_ID_LENGTH))
            .and_then(|okm| okm.fill(&mut key_id))
            .map_err(derivation_failed)?;

        Ok(Self {
            key_id,
            digest_key,
            seal_key: aead::LessSafeKey::new(unbound),
            jwt_key: reference_jwt_key(entry),
        })
    }

    fn digest(&self, value: &str) -> Digest {
        let tag = hmac::sign(&self.digest_key, value.as_bytes());
        Digest::from_hex(to_hex(tag.as_ref()))
    }
}

/// An HKDF output length for derived values that are not keys of a ring algorithm.
struct OutputLength(usize);

impl hkdf::KeyType for OutputLength {
    fn len(&self) -> usize {
        self.0
    }
}

/// The keys of a deployment, parsed from its crypt key string.
///
/// Its `Debug` output shows how many entries there are, never key material.
pub struct CryptKeys {
    /// In the order written: the last one is current.
    entries: Vec<KeyEntry>,
}

impl CryptKeys {
    /// Parses a crypt key string: entries separated by whitespace, the last one current.
    ///
    /// Fails with [`TokensError::CryptKey`] when there is no entry at all.
    pub fn parse(crypt_key: &str) -> Result<Self, TokensError> {
        let entries = crypt_key
            .split_whitespace()
            .map(KeyEntry::derive)
            .collect::<Result<Vec<_>, _>>()?;

        if entries.is_empty() {
            return Err(TokensError::CryptKey("the crypt key is empty".into()));
        }
        Ok(Self { entries })
    }

    /// A fresh crypt key string of one entry, [`GENERATED_KEY_LENGTH`] characters of
    /// `[0-9a-z]`, for a deployment's first start.
    pub fn generate(random: &dyn Random) -> String {
        random.credential(GENERATED_KEY_LENGTH)
    }

    /// How many entries the crypt key has.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Always false: a parsed crypt key has at least one entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keyed digest of `value` under the current entry: what storage indexes new rows by.
    pub fn digest(&self, value: &str) -> Digest {
        self.current().digest(value)
    }

    /// The digests of `value` under every entry, current first: a lookup tries them in turn so
    /// that rows written before a key rotation are still found.
    pub fn digest_candidates(&self, value: &str) -> Vec<Digest> {
        self.entries
            .iter()
            .rev()
            .map(|entry| entry.digest(value))
            .collect()
    }

    /// Seals `secret` with AES-256-GCM under the current entry, with a fresh random nonce.
    ///
    /// `aad` binds the ciphertext to its row (see [`consumer_secret_aad`],
    /// [`token_secret_aad`]): opening it with any other `aad` fails.
    pub fn seal(&self, random: &dyn Random, secret: &Secret, aad: &[u8]) -> Sealed {
        let entry = self.current();

        let mut nonce = [0u8; aead::NONCE_LEN];
        random.fill(&mut nonce);

        let plaintext = secret.expose().as_bytes();
        let mut sealed =
            Vec::with_capacity(SEALED_HEADER_LENGTH + plaintext.len() + aead::MAX_TAG_LEN);
        sealed.push(SEALED_VERSION);
        sealed.extend_from_slice(&entry.key_id);
        sealed.extend_from_slice(&nonce);

        let mut in_out = plaintext.to_vec();
        // AES-GCM refuses only plaintexts longer than about 64 GiB; secrets are tens of bytes.
        #[allow(clippy::expect_used)]
        entry
            .seal_key
            .seal_in_place_append_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                &mut in_out,
            )
            .expect("a secret is far below the AES-GCM size limit");
        sealed.extend_from_slice(&in_out);

        Sealed::from_bytes(sealed)
    }

    /// Opens a value made by [`CryptKeys::seal`] with the same `aad`, under whichever entry
    /// sealed it.
    ///
    /// Fails with [`TokensError::Unseal`] when the layout is unknown, no entry has the key id,
    /// the `aad` differs, or any byte was changed.
    pub fn open(&self, sealed: &Sealed, aad: &[u8]) -> Result<Secret, TokensError> {
        let bytes = sealed.as_bytes();
        if bytes.len() < SEALED_HEADER_LENGTH + aead::MAX_TAG_LEN || bytes[0] != SEALED_VERSION {
            return Err(TokensError::Unseal);
        }

        let key_id = &bytes[1..1 + KEY_ID_LENGTH];
        let mut nonce = [0u8; aead::NONCE_LEN];
        nonce.copy_from_slice(&bytes[1 + KEY_ID_LENGTH..SEALED_HEADER_LENGTH]);
        let ciphertext = &bytes[SEALED_HEADER_LENGTH..];

        // Key ids are 32 bits, so two entries could share one: every match is tried.
        for entry in self.entries.iter().rev() {
            if entry.key_id != key_id {
                continue;
            }
            let mut in_out = ciphertext.to_vec();
            let opened = entry.seal_key.open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                &mut in_out,
            );
            if let Ok(plaintext) = opened {
                let text =
                    String::from_utf8(plaintext.to_vec()).map_err(|_| TokensError::Unseal)?;
                return Ok(Secret::new(text));
            }
        }
        Err(TokensError::Unseal)
    }

    /// The HMAC key that signs JWTs: the reference's derivation applied to the current entry
    /// (see [`reference_jwt_key`]).
    pub fn jwt_signing_key(&self) -> Vec<u8> {
        self.current().jwt_key.clone()
    }

    /// The HMAC keys that verify JWTs: every entry's, current first.
    pub fn jwt_verification_keys(&self) -> Vec<Vec<u8>> {
        self.entries
            .iter()
            .rev()
            .map(|entry| entry.jwt_key.clone())
            .collect()
    }

    fn current(&self) -> &KeyEntry {
        // `parse` refuses an empty list, and nothing removes entries afterwards.
        #[allow(clippy::expect_used)]
        self.entries
            .last()
            .expect("a parsed crypt key has at least one entry")
    }
}

impl fmt::Debug for CryptKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CryptKeys")
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

/// The reference's JWT key for one crypt key entry: the entry padded with `&` on both sides to
/// 2048 bytes, the left side getting the smaller half (PHP's `str_pad(…, STR_PAD_BOTH)`). An
/// entry already that long is used as it is.
pub fn reference_jwt_key(entry: &str) -> Vec<u8> {
    let bytes = entry.as_bytes();
    let padding = JWT_KEY_LENGTH.saturating_sub(bytes.len());
    let left = padding / 2;
    let right = padding - left;

    let mut key = Vec::with_capacity(bytes.len() + padding);
    key.resize(left, JWT_KEY_PAD);
    key.extend_from_slice(bytes);
    key.resize(key.len() + right, JWT_KEY_PAD);
    key
}

/// The associated data binding a consumer's sealed secret to that consumer's row.
pub fn consumer_secret_aad(key: &ConsumerKey) -> Vec<u8> {
    [
        b"oauth_consumer.secret:".as_slice(),
        key.as_str().as_bytes(),
    ]
    .concat()
}

/// The associated data binding a token's sealed secret to that token's row, by its digest.
pub fn token_secret_aad(digest: &Digest) -> Vec<u8> {
    [
        b"oauth_token.secret:".as_slice(),
        digest.as_hex().as_bytes(),
    ]
    .concat()
}

/// Whether `a` and `b` are equal, in time that does not depend on where they differ.
///
/// The lengths are not secret: slices of different lengths compare unequal at once.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Lower-case hex of `bytes`.
fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use gatehouse_domain::SequenceRandom;

    use super::*;

    const OLD: &str = "0123456789abcdefghijklmnopqrstuv";
    const NEW: &str = "wxyz9876543210zyxwvutsrqponmlkji";

    fn secret() -> Secret {
        Secret::new("k2nxd4a0mtz5vl1a7q0kfgbc90s3r2e8")
    }

    #[test]
    fn seal_and_open_round_trip() {
        let keys = CryptKeys::parse(NEW).unwrap();
        let random = SequenceRandom::new(1);

        let sealed = keys.seal(&random, &secret(), b"row 1");

        assert_eq!(keys.open(&sealed, b"row 1").unwrap(), secret());
        assert_eq!(
            sealed.as_bytes().len(),
            SEALED_HEADER_LENGTH + 32 + aead::MAX_TAG_LEN
        );
        assert!(!sealed
            .as_bytes()
            .windows(32)
            .any(|window| window == secret().expose().as_bytes()));
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let keys = CryptKeys::parse(NEW).unwrap();
        let random = SequenceRandom::new(1);

        let first = keys.seal(&random, &secret(), b"row");
        let second = keys.seal(&random, &secret(), b"row");

        assert_ne!(first, second);
    }

    #[test]
    fn another_aad_does_not_open() {
        let keys = CryptKeys::parse(NEW).unwrap();
        let sealed = keys.seal(&SequenceRandom::new(2), &secret(), b"row 1");

        assert!(matches!(
            keys.open(&sealed, b"row 2"),
            Err(TokensError::Unseal)
        ));
    }

    #[test]
    fn any_changed_byte_does_not_open() {
        let keys = CryptKeys::parse(NEW).unwrap();
        let sealed = keys.seal(&SequenceRandom::new(3), &secret(), b"row");

        for position in 0..sealed.as_bytes().len() {
            let mut bytes = sealed.as_bytes().to_vec();
            bytes[position] ^= 0x01;
            let tampered = Sealed::from_bytes(bytes);
            assert!(
                matches!(keys.open(&tampered, b"row"), Err(TokensError::Unseal)),
                "byte {position}"
            );
        }

        let truncated = Sealed::from_bytes(sealed.as_bytes()[..SEALED_HEADER_LENGTH].to_vec());
        assert!(matches!(
            keys.open(&truncated, b"row"),
            Err(TokensError::Unseal)
        ));
    }

    #[test]
    fn another_crypt_key_does_not_open() {
        let sealed =
            CryptKeys::parse(OLD)
                .unwrap()
                .seal(&SequenceRandom::new(4), &secret(), b"row");

        let other = CryptKeys::parse(NEW).unwrap();

        assert!(matches!(
            other.open(&sealed, b"row"),
            Err(TokensError::Unseal)
        ));
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_writes_with_the_last_entry() {
        let before = CryptKeys::parse(OLD).unwrap();
        let random = SequenceRandom::new(5);
        let sealed_before = before.seal(&random, &secret(), b"row");
        let digest_before = before.digest("token value");

        let rotated = CryptKeys::parse(&format!("{OLD}\n  {NEW}")).unwrap();

        assert_eq!(rotated.open(&sealed_before, b"row").unwrap(), secret());
        let candidates = rotated.digest_candidates("token value");
        assert_eq!(candidates.len(), 2);
        assert_eq!(candidates[1], digest_before);
        assert_eq!(candidates[0], rotated.digest("token value"));
        assert_ne!(rotated.digest("token value"), digest_before);

        // New values are written under the last entry: the old key alone cannot read them.
        let sealed_after = rotated.seal(&random, &secret(), b"row");
        assert!(before.open(&sealed_after, b"row").is_err());
        assert_eq!(
            CryptKeys::parse(NEW)
                .unwrap()
                .open(&sealed_after, b"row")
                .unwrap(),
            secret()
        );
        assert_eq!(
            rotated.digest("token value"),
            CryptKeys::parse(NEW).unwrap().digest("token value")
        );
    }

    #[test]
    fn digest_is_keyed_hex_sha256() {
        let keys = CryptKeys::parse(NEW).unwrap();

        let digest = keys.digest("abc");

        assert_eq!(digest.as_hex().len(), 64);
        assert!(digest
            .as_hex()
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(digest, keys.digest("abc"));
        assert_ne!(digest, keys.digest("abd"));
        assert_ne!(digest, CryptKeys::parse(OLD).unwrap().digest("abc"));
    }

    #[test]
    fn empty_crypt_key_is_refused() {
        assert!(matches!(
            CryptKeys::parse(""),
            Err(TokensError::CryptKey(_))
        ));
        assert!(matches!(
            CryptKeys::parse(" \n\t "),
            Err(TokensError::CryptKey(_))
        ));
    }

    #[test]
    fn generated_crypt_keys_parse_and_differ() {
        let random = SequenceRandom::new(6);

        let first = CryptKeys::generate(&random);
        let second = CryptKeys::generate(&random);

        assert_eq!(first.len(), GENERATED_KEY_LENGTH);
        assert_ne!(first, second);
        assert_eq!(CryptKeys::parse(&first).unwrap().len(), 1);
    }

    #[test]
    fn jwt_key_is_padded_with_the_smaller_half_on_the_left() {
        // Even padding: 2048 - 32 = 2016, 1008 on each side.
        let even = reference_jwt_key(OLD);
        assert_eq!(even.len(), 2048);
        assert_eq!(&even[..1008], "&".repeat(1008).as_bytes());
        assert_eq!(&even[1008..1040], OLD.as_bytes());
        assert_eq!(&even[1040..], "&".repeat(1008).as_bytes());

        // Odd padding: 2048 - 33 = 2015, 1007 on the left and 1008 on the right.
        let odd = reference_jwt_key("abcdefghijklmnopqrstuvwxyz0123456");
        assert_eq!(odd.len(), 2048);
        assert_eq!(odd.iter().take_while(|&&b| b == b'&').count(), 1007);
        assert_eq!(odd.iter().rev().take_while(|&&b| b == b'&').count(), 1008);

        // One character: 2047 of padding, 1023 left, 1024 right.
        let single = reference_jwt_key("k");
        assert_eq!(single[1023], b'k');
        assert_eq!(single.len(), 2048);

        // Long enough already: unchanged.
        let long = "x".repeat(2100);
        assert_eq!(reference_jwt_key(&long), long.as_bytes());
    }

    #[test]
    fn jwt_keys_follow_the_entries() {
        let keys = CryptKeys::parse(&format!("{OLD} {NEW}")).unwrap();

        assert_eq!(keys.jwt_signing_key(), reference_jwt_key(NEW));
        assert_eq!(
            keys.jwt_verification_keys(),
            vec![reference_jwt_key(NEW), reference_jwt_key(OLD)]
        );
    }

    #[test]
    fn debug_shows_no_key_material() {
        let keys = CryptKeys::parse(&format!("{OLD} {NEW}")).unwrap();

        let printed = format!("{keys:?}");

        assert!(printed.contains("entries: 2"));
        assert!(!printed.contains(&OLD[..8]));
        assert!(!printed.contains(&NEW[..8]));
    }

    #[test]
    fn aad_names_the_row() {
        let key = ConsumerKey::parse("abcdefghijklmnopqrstuvwxyz012345").unwrap();
        assert_eq!(
            consumer_secret_aad(&key),
            b"oauth_consumer.secret:abcdefghijklmnopqrstuvwxyz012345".to_vec()
        );
        assert_eq!(
            token_secret_aad(&Digest::from_hex("00ff")),
            b"oauth_token.secret:00ff".to_vec()
        );
    }

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"samf"));
        assert!(!constant_time_eq(b"same", b"sam"));
        assert!(constant_time_eq(b"", b""));
    }
}
