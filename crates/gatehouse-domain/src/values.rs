//! Validated protocol values. Each constructor enforces the reference's rule, so a value of
//! these types is known to be well-formed wherever it travels.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ErrorClass;
use crate::message::Message;
use crate::random::{Random, CREDENTIAL_LENGTH};

/// Why a protocol value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// A consumer key that is not 32 characters long.
    #[error("consumer key is not 32 characters")]
    ConsumerKeyLength,
    /// A token that is not 32 characters long.
    #[error("token is not 32 characters")]
    TokenLength,
    /// A verifier that is not 32 characters long.
    #[error("verifier is not 32 characters")]
    VerifierLength,
    /// A nonce that is empty, longer than 255 characters or not printable ASCII.
    #[error("nonce is not 1 to 255 printable ascii characters")]
    Nonce,
    /// A timestamp that is not a positive decimal number.
    #[error("timestamp is not a positive decimal number")]
    Timestamp,
}

impl ValueError {
    /// The reference's message for this refusal.
    pub fn message(&self) -> Message {
        Message::new(match self {
            Self::ConsumerKeyLength => "Consumer key is not the correct length",
            Self::TokenLength => "The token length is invalid. Check the length and try again.",
            Self::VerifierLength => "Verifier is not the correct length",
            Self::Nonce => "Invalid nonce value in the oauth_nonce parameter",
            Self::Timestamp => "Incorrect timestamp value in the oauth_timestamp parameter",
        })
    }

    /// The class of this refusal: a malformed value is always bad input.
    pub fn class(&self) -> ErrorClass {
        ErrorClass::Input
    }
}

/// Whether every byte is visible ASCII (no control characters, nothing above `~`).
fn is_visible_ascii(text: &str) -> bool {
    text.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

macro_rules! credential_value {
    ($(#[$meta:meta])* $name:ident, $error:expr) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Checks `value` against the reference's rule: exactly 32 visible ASCII characters.
            pub fn parse(value: &str) -> Result<Self, ValueError> {
                // Visible ASCII has one byte per character, so the byte length is the count.
                if value.len() != CREDENTIAL_LENGTH || !is_visible_ascii(value) {
                    return Err($error);
                }
                Ok(Self(value.to_owned()))
            }

            /// A fresh random value of 32 characters of `[0-9a-z]`.
            pub fn generate(random: &dyn Random) -> Self {
                Self(random.credential(CREDENTIAL_LENGTH))
            }

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValueError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

credential_value!(
    /// `oauth_consumer_key`: public, it identifies a consumer and may be shown and logged.
    ConsumerKey,
    ValueError::ConsumerKeyLength
);
credential_value!(
    /// `oauth_token`: a verifier, request or access token value. A credential: never printed.
    TokenValue,
    ValueError::TokenLength
);
credential_value!(
    /// `oauth_verifier`. A credential: never printed.
    Verifier,
    ValueError::VerifierLength
);

impl fmt::Debug for ConsumerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ConsumerKey").field(&self.0).finish()
    }
}

impl fmt::Display for ConsumerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TokenValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenValue([redacted])")
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Verifier([redacted])")
    }
}

/// `oauth_nonce`: 1 to 255 printable ASCII characters (space included), unique per consumer for
/// as long as its timestamp is acceptable.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nonce(String);

impl Nonce {
    /// Longest accepted nonce, in characters.
    pub const MAX_LENGTH: usize = 255;

    /// Checks `value`: 1 to 255 characters from space to `~`.
    pub fn parse(value: &str) -> Result<Self, ValueError> {
        let printable = value.bytes().all(|b| (0x20..=0x7e).contains(&b));
        if value.is_empty() || value.len() > Self::MAX_LENGTH || !printable {
            return Err(ValueError::Nonce);
        }
        Ok(Self(value.to_owned()))
    }

    /// A fresh client nonce of 32 characters of `[0-9a-z]`.
    pub fn generate(random: &dyn Random) -> Self {
        Self(random.credential(CREDENTIAL_LENGTH))
    }

    /// The value as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Nonce([redacted])")
    }
}

/// `oauth_timestamp`: seconds since the Unix epoch, written as decimal digits only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OAuthTimestamp(i64);

impl OAuthTimestamp {
    /// Parses decimal digits into a positive number of seconds. Signs, spaces, fractions and
    /// values that overflow are refused, and so is zero (the reference refuses `≤ 0`).
    pub fn parse(value: &str) -> Result<Self, ValueError> {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValueError::Timestamp);
        }
        match value.parse::<i64>() {
            Ok(seconds) if seconds > 0 => Ok(Self(seconds)),
            _ => Err(ValueError::Timestamp),
        }
    }

    /// A timestamp from seconds; `None` unless positive.
    pub fn from_seconds(seconds: i64) -> Option<Self> {
        (seconds > 0).then_some(Self(seconds))
    }

    /// Seconds since the Unix epoch.
    pub fn seconds(self) -> i64 {
        self.0
    }
}

/// A secret held in memory: consumer secrets, token secrets, passwords.
///
/// It neither prints nor serializes; reading it takes an explicit [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// A fresh random secret of 32 characters of `[0-9a-z]`.
    pub fn generate(random: &dyn Random) -> Self {
        Self(random.credential(CREDENTIAL_LENGTH))
    }

    /// The secret itself. Call sites are where secrets leave safety: keep them few.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// A keyed digest of a credential (HMAC-SHA256, lower-case hex), by which storage looks a token
/// up without holding the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(String);

impl Digest {
    /// Wraps the hex form of a digest as computed by the services.
    pub fn from_hex(hex: impl Into<String>) -> Self {
        Self(hex.into())
    }

    /// The hex form, as stored.
    pub fn as_hex(&self) -> &str {
        &self.0
    }
}

/// A secret sealed with AES-256-GCM by the services: opaque bytes to storage.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed(Vec<u8>);

impl Sealed {
    /// Wraps sealed bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The sealed bytes, as stored.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealed({} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SequenceRandom;

    #[test]
    fn credentials_must_be_32_visible_characters() {
        assert!(ConsumerKey::parse("abcdefghijklmnopqrstuvwxyz012345").is_ok());
        assert_eq!(
            ConsumerKey::parse("short"),
            Err(ValueError::ConsumerKeyLength)
        );
        assert_eq!(
            TokenValue::parse("abcdefghijklmnopqrstuvwxyz0123456"),
            Err(ValueError::TokenLength)
        );
        assert_eq!(
            Verifier::parse("abcdefghijklmnopqrstuvwxyz01234 "),
            Err(ValueError::VerifierLength)
        );
        // 32 characters, but not ASCII; and 32 bytes of 16 characters.
        assert_eq!(
            ConsumerKey::parse(&"é".repeat(32)),
            Err(ValueError::ConsumerKeyLength)
        );
        assert_eq!(
            ConsumerKey::parse(&"é".repeat(16)),
            Err(ValueError::ConsumerKeyLength)
        );
    }

    #[test]
    fn generated_credentials_parse() {
        let random = SequenceRandom::new(1);
        let token = TokenValue::generate(&random);
        assert_eq!(TokenValue::parse(token.as_str()), Ok(token));
    }

    #[test]
    fn nonce_bounds() {
        assert!(Nonce::parse("a").is_ok());
        assert!(Nonce::parse("with space ~").is_ok());
        assert!(Nonce::parse(&"n".repeat(255)).is_ok());
        assert_eq!(Nonce::parse(""), Err(ValueError::Nonce));
        assert_eq!(Nonce::parse(&"n".repeat(256)), Err(ValueError::Nonce));
        assert_eq!(Nonce::parse("tab\there"), Err(ValueError::Nonce));
        assert_eq!(Nonce::parse("é"), Err(ValueError::Nonce));
    }

    #[test]
    fn timestamp_is_positive_decimal_digits() {
        assert_eq!(
            OAuthTimestamp::parse("137131202").map(OAuthTimestamp::seconds),
            Ok(137131202)
        );
        for bad in [
            "",
            "0",
            "-5",
            "+5",
            " 5",
            "5.0",
            "1e9",
            "99999999999999999999",
        ] {
            assert_eq!(
                OAuthTimestamp::parse(bad),
                Err(ValueError::Timestamp),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn secrets_do_not_print() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "Secret([redacted])");
        let token = TokenValue::parse("abcdefghijklmnopqrstuvwxyz012345").unwrap();
        assert!(!format!("{token:?}").contains("abcdef"));
    }
}
