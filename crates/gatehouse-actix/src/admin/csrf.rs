//! Forgery protection of the admin forms: the `form_key` is an HMAC-SHA256 of the session
//! token (or, on the sign-in form, of a random value kept in a cookie), under a key derived
//! from the crypt key with a label of its own. A page from another site can neither read the
//! cookie nor compute the key, so it cannot post a form the server accepts.

use ring::hmac;

use gatehouse_tokens::crypto::{constant_time_eq, CryptKeys};

/// Separates the forgery-protection key from every other key derived from the crypt key.
const KEY_LABEL: &[u8] = b"gatehouse admin form key v1";

/// What a form key protects; each purpose gets keys that are useless for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// The sign-in form, bound to the sign-in cookie's random value.
    SignIn,
    /// Every form of a signed-in admin, bound to the session token.
    Session,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::SignIn => b"sign-in:",
            Self::Session => b"session:",
        }
    }
}

/// The form key for `bound_to` (a session token or a sign-in cookie value), as lower-case hex.
pub(crate) fn form_key(keys: &CryptKeys, purpose: Purpose, bound_to: &str) -> String {
    let tag = hmac::sign(
        &derived_key(keys),
        &[purpose.label(), bound_to.as_bytes()].concat(),
    );
    to_hex(tag.as_ref())
}

/// Whether `presented` is the form key for `bound_to`, compared in constant time.
pub(crate) fn is_valid(
    keys: &CryptKeys,
    purpose: Purpose,
    bound_to: &str,
    presented: &str,
) -> bool {
    let expected = form_key(keys, purpose, bound_to);
    constant_time_eq(expected.as_bytes(), presented.as_bytes())
}

/// The key of form keys: an HMAC of the label under the current JWT key, which is itself
/// derived from the current crypt key entry.
fn derived_key(keys: &CryptKeys) -> hmac::Key {
    let root = hmac::Key::new(hmac::HMAC_SHA256, &keys.jwt_signing_key());
    let derived = hmac::sign(&root, KEY_LABEL);
    hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref())
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(crypt_key: &str) -> CryptKeys {
        CryptKeys::parse(crypt_key).unwrap()
    }

    #[test]
    fn a_key_is_bound_to_its_token_purpose_and_crypt_key() {
        let current = keys("first0123456789abcdefghijklmnopqr");
        let key = form_key(&current, Purpose::Session, "token-a");

        assert_eq!(key.len(), 64);
        assert!(is_valid(&current, Purpose::Session, "token-a", &key));
        assert!(!is_valid(&current, Purpose::Session, "token-b", &key));
        assert!(!is_valid(&current, Purpose::SignIn, "token-a", &key));
        assert!(!is_valid(&current, Purpose::Session, "token-a", ""));
        assert!(!is_valid(&current, Purpose::Session, "token-a", &key[..63]));

        let other = keys("other0123456789abcdefghijklmnopqr");
        assert!(!is_valid(&other, Purpose::Session, "token-a", &key));
    }

    #[test]
    fn the_key_is_stable_for_one_crypt_key() {
        let first = form_key(&keys("same0123456789"), Purpose::SignIn, "x");
        let again = form_key(&keys("same0123456789"), Purpose::SignIn, "x");
        assert_eq!(first, again);
    }
}
