//! Admin and customer bearer tokens: JWS compact serialization with an HMAC signature, made
//! and read exactly as the reference does (behaviour.md §6), so that tokens cross between the
//! reference and Gatehouse when both share a crypt key.
//!
//! - Header `{"kid":"1","alg":"HS256"}` (or HS384, HS512 when configured).
//! - Claims `uid`, `utypid` (2 admin, 3 customer), `iat`, `exp = iat + ttl`, and a `jti` (a
//!   random token id) that Gatehouse adds so that one token can be revoked alone. Tokens
//!   without `jti`, as the reference mints them, are accepted.
//! - Keys: [`CryptKeys::jwt_signing_key`] signs; every key of
//!   [`CryptKeys::jwt_verification_keys`] verifies.
//!
//! The JWS is assembled with `ring`'s HMAC directly rather than a JWT library: the header
//! bytes must be the reference's (a library orders them its own way), the HMAC keys are
//! 2048-byte strings whose preparation is worth doing once rather than per token, and the
//! checks a bearer token needs are few and listed below. A token is refused when it:
//! - is not three base64url parts separated by dots, or is longer than [`MAX_TOKEN_LENGTH`];
//! - names another algorithm than the configured one (`none` included), or carries `crit`;
//! - fails the signature under every verification key (compared in constant time by `ring`);
//! - lacks a claim, or has a `utypid` other than 2 or 3;
//! - is expired: the reference accepts a token up to and including the second `exp`, and
//!   refuses it from `exp + 1` on.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::hmac;
use serde::{Deserialize, Serialize};

use gatehouse_domain::{ErrorClass, Message, UserType};

use crate::crypto::CryptKeys;
use crate::error::TokensError;

/// Longest token read at all; real ones are about 200 characters.
pub const MAX_TOKEN_LENGTH: usize = 4096;

/// The `kid` header value the reference writes.
pub const KEY_ID: &str = "1";

/// The refusal of a token that is malformed, wrongly signed or of an unexpected kind.
pub const UNREADABLE_TOKEN: &str = "Failed to read JWT token";

/// The reference's refusal of an expired user token.
pub const EXPIRED_TOKEN: &str = "Consumer key has expired";

/// An HMAC algorithm for user tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum JwtAlgorithm {
    /// HMAC-SHA256, the reference's default.
    #[default]
    Hs256,
    /// HMAC-SHA384.
    Hs384,
    /// HMAC-SHA512.
    Hs512,
}

impl JwtAlgorithm {
    /// The `alg` header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::Hs384 => "HS384",
            Self::Hs512 => "HS512",
        }
    }

    fn hmac(self) -> hmac::Algorithm {
        match self {
            Self::Hs256 => hmac::HMAC_SHA256,
            Self::Hs384 => hmac::HMAC_SHA384,
            Self::Hs512 => hmac::HMAC_SHA512,
        }
    }

    /// The header the reference writes for this algorithm, byte for byte.
    fn header(self) -> String {
        format!(r#"{{"kid":"{KEY_ID}","alg":"{}"}}"#, self.as_str())
    }
}

impl fmt::Display for JwtAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JwtAlgorithm {
    type Err = TokensError;

    /// Parses `HS256`, `HS384` or `HS512`.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "HS256" => Ok(Self::Hs256),
            "HS384" => Ok(Self::Hs384),
            "HS512" => Ok(Self::Hs512),
            other => Err(TokensError::Config(format!(
                "unsupported jwt algorithm {other:?}: use HS256, HS384 or HS512"
            ))),
        }
    }
}

/// What a user token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTokenClaims {
    /// Admin or customer (`utypid`).
    pub user_type: UserType,
    /// The admin's or customer's id (`uid`).
    pub user_id: i64,
    /// Issue time, Unix seconds (`iat`).
    pub issued_at: i64,
    /// Expiry, Unix seconds (`exp`); the token is accepted through this second.
    pub expires_at: i64,
    /// The token's own id (`jti`), absent from tokens minted by the reference.
    pub token_id: Option<String>,
}

/// The claims as they travel, in the reference's order.
#[derive(Serialize, Deserialize)]
struct WireClaims {
    uid: i64,
    utypid: u8,
    iat: i64,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jti: Option<String>,
}

/// The header fields that matter when reading; others are ignored.
#[derive(Deserialize)]
struct WireHeader {
    alg: String,
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

/// Signs and reads user tokens with one algorithm and one crypt key's keys.
pub struct JwtCodec {
    algorithm: JwtAlgorithm,
    /// The base64url form of the header, the same for every token.
    encoded_header: String,
    signing_key: hmac::Key,
    /// Current first.
    verification_keys: Vec<hmac::Key>,
}

impl JwtCodec {
    /// A codec signing with `algorithm` under the current entry of `keys` and verifying under
    /// every entry.
    pub fn new(keys: &CryptKeys, algorithm: JwtAlgorithm) -> Self {
        let hmac_algorithm = algorithm.hmac();
        Self {
            algorithm,
            encoded_header: URL_SAFE_NO_PAD.encode(algorithm.header()),
            signing_key: hmac::Key::new(hmac_algorithm, &keys.jwt_signing_key()),
            verification_keys: keys
                .jwt_verification_keys()
                .iter()
                .map(|key| hmac::Key::new(hmac_algorithm, key))
                .collect(),
        }
    }

    /// The configured algorithm.
    pub fn algorithm(&self) -> JwtAlgorithm {
        self.algorithm
    }

    /// The compact JWS for `claims`.
    pub fn issue(&self, claims: &UserTokenClaims) -> String {
        let wire = WireClaims {
            uid: claims.user_id,
            utypid: claims.user_type.code(),
            iat: claims.issued_at,
            exp: claims.expires_at,
            jti: claims.token_id.clone(),
        };
        // Serializing a struct of integers and an optional string into a Vec cannot fail.
        #[allow(clippy::expect_used)]
        let payload = serde_json::to_vec(&wire).expect("claims serialize to JSON");

        let mut token = String::with_capacity(self.encoded_header.len() + payload.len() * 2 + 100);
        token.push_str(&self.encoded_header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);

        let signature = hmac::sign(&self.signing_key, token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature.as_ref(), &mut token);
        token
    }

    /// The claims of a valid token at time `now`: well-formed, signed with the configured
    /// algorithm under one of the keys, of an admin or customer, and not expired.
    pub fn read(&self, token: &str, now: i64) -> Result<UserTokenClaims, TokensError> {
        let claims = self.read_ignoring_expiry(token)?;

        if now > claims.expires_at {
            return Err(TokensError::refused(
                ErrorClass::Authentication,
                Message::new(EXPIRED_TOKEN),
            ));
        }
        Ok(claims)
    }

    /// The claims of a token that passes every check of [`JwtCodec::read`] but expiry.
    pub fn read_ignoring_expiry(&self, token: &str) -> Result<UserTokenClaims, TokensError> {
        if token.len() > MAX_TOKEN_LENGTH {
            return Err(unreadable());
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(unreadable());
        };

        // RFC 7515 §4.1.1 and RFC 8725 §3.1: the algorithm is the configured one or nothing,
        // so `none` and algorithm substitution are refused before any key is used.
        let header: WireHeader = decode_json(header)?;
        if header.alg != self.algorithm.as_str() || header.crit.is_some() {
            return Err(unreadable());
        }

        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| unreadable())?;
        let signing_input = &token.as_bytes()[..token.len() - signature_part_len(token)];
        let verified = self
            .verification_keys
            .iter()
            .any(|key| hmac::verify(key, signing_input, &signature).is_ok());
        if !verified {
            return Err(unreadable());
        }

        let wire: WireClaims = decode_json(payload)?;
        let user_type = match UserType::from_code(wire.utypid) {
            Some(user_type @ (UserType::Admin | UserType::Customer)) => user_type,
            _ => return Err(unreadable()),
        };
        Ok(UserTokenClaims {
            user_type,
            user_id: wire.uid,
            issued_at: wire.iat,
            expires_at: wire.exp,
            token_id: wire.jti,
        })
    }
}

impl fmt::Debug for JwtCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtCodec")
            .field("algorithm", &self.algorithm)
            .field("verification_keys", &self.verification_keys.len())
            .finish_non_exhaustive()
    }
}

/// Length of the `.signature` tail of a token that has three parts.
fn signature_part_len(token: &str) -> usize {
    token.rfind('.').map_or(0, |dot| token.len() - dot)
}

fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, TokensError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| unreadable())?;
    serde_json::from_slice(&bytes).map_err(|_| unreadable())
}

fn unreadable() -> TokensError {
    TokensError::refused(ErrorClass::Authentication, Message::new(UNREADABLE_TOKEN))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec(algorithm: JwtAlgorithm) -> JwtCodec {
        JwtCodec::new(
            &CryptKeys::parse("0123456789abcdefghijklmnopqrstuv").unwrap(),
            algorithm,
        )
    }

    fn claims() -> UserTokenClaims {
        UserTokenClaims {
            user_type: UserType::Admin,
            user_id: 7,
            issued_at: 1_700_000_000,
            expires_at: 1_700_003_600,
            token_id: Some("jti0".into()),
        }
    }

    fn message(result: Result<UserTokenClaims, TokensError>) -> String {
        result.unwrap_err().message().render()
    }

    #[test]
    fn header_and_claims_are_laid_out_as_the_reference_does() {
        let token = codec(JwtAlgorithm::Hs256).issue(&claims());
        let parts: Vec<&str> = token.split('.').collect();

        assert_eq!(parts.len(), 3);
        assert_eq!(
            URL_SAFE_NO_PAD.decode(parts[0]).unwrap(),
            br#"{"kid":"1","alg":"HS256"}"#
        );
        assert_eq!(
            URL_SAFE_NO_PAD.decode(parts[1]).unwrap(),
            br#"{"uid":7,"utypid":2,"iat":1700000000,"exp":1700003600,"jti":"jti0"}"#
        );
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(), 32);
    }

    #[test]
    fn round_trip_with_each_algorithm() {
        for (algorithm, signature_len) in [
            (JwtAlgorithm::Hs256, 32),
            (JwtAlgorithm::Hs384, 48),
            (JwtAlgorithm::Hs512, 64),
        ] {
            let codec = codec(algorithm);
            let token = codec.issue(&claims());

            assert_eq!(codec.read(&token, 1_700_000_000).unwrap(), claims());
            let signature = token.rsplit('.').next().unwrap();
            assert_eq!(
                URL_SAFE_NO_PAD.decode(signature).unwrap().len(),
                signature_len
            );
        }
    }

    #[test]
    fn expiry_is_inclusive_of_exp() {
        let codec = codec(JwtAlgorithm::Hs256);
        let token = codec.issue(&claims());

        assert!(codec.read(&token, 1_700_003_600).is_ok());
        assert_eq!(message(codec.read(&token, 1_700_003_601)), EXPIRED_TOKEN);
        assert!(codec.read_ignoring_expiry(&token).is_ok());
    }

    #[test]
    fn token_of_another_algorithm_is_refused() {
        let token = codec(JwtAlgorithm::Hs512).issue(&claims());

        assert_eq!(
            message(codec(JwtAlgorithm::Hs256).read(&token, 1_700_000_000)),
            UNREADABLE_TOKEN
        );
    }

    #[test]
    fn token_without_jti_is_read() {
        let codec = codec(JwtAlgorithm::Hs256);
        let claims = UserTokenClaims {
            token_id: None,
            ..claims()
        };
        let token = codec.issue(&claims);

        assert_eq!(codec.read(&token, 1_700_000_000).unwrap(), claims);
        assert!(!token.contains('='));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let codec = codec(JwtAlgorithm::Hs256);
        let token = codec.issue(&claims());

        for bad in [
            String::new(),
            "a.b".to_owned(),
            format!("{token}.extra"),
            format!("{token}="),
            token.replace('.', ""),
            "x".repeat(MAX_TOKEN_LENGTH + 1),
        ] {
            assert_eq!(message(codec.read(&bad, 1_700_000_000)), UNREADABLE_TOKEN);
        }
    }

    #[test]
    fn guest_and_integration_user_types_are_refused() {
        let codec = codec(JwtAlgorithm::Hs256);
        for code in [1u8, 4, 9] {
            let payload = URL_SAFE_NO_PAD.encode(format!(
                r#"{{"uid":1,"utypid":{code},"iat":1700000000,"exp":1700003600}}"#
            ));
            let input = format!("{}.{payload}", codec.encoded_header);
            let signature = hmac::sign(&codec.signing_key, input.as_bytes());
            let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()));

            assert_eq!(
                message(codec.read(&token, 1_700_000_000)),
                UNREADABLE_TOKEN,
                "{code}"
            );
        }
    }

    #[test]
    fn algorithm_names_parse() {
        assert_eq!(
            "HS384".parse::<JwtAlgorithm>().unwrap(),
            JwtAlgorithm::Hs384
        );
        assert!("none".parse::<JwtAlgorithm>().is_err());
        assert!("hs256".parse::<JwtAlgorithm>().is_err());
        assert_eq!(JwtAlgorithm::default().to_string(), "HS256");
    }
}
