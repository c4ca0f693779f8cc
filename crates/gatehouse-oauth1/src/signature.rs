//! Signature methods (RFC 5849 §3.4.2 HMAC-SHA1 and its SHA-256 sibling), the signing key, the
//! constant-time check of a received signature, and the body hash.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::{digest, hmac};

use crate::encoding::encode_into;
use crate::error::OAuth1Error;

/// A signature method Gatehouse can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureMethod {
    /// `HMAC-SHA1` (RFC 5849 §3.4.2): for old clients; off unless the policy allows it.
    HmacSha1,
    /// `HMAC-SHA256`: the reference's only method since 2.4.4, and the default.
    HmacSha256,
}

impl SignatureMethod {
    /// The name used in `oauth_signature_method`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HmacSha1 => "HMAC-SHA1",
            Self::HmacSha256 => "HMAC-SHA256",
        }
    }

    /// Reads an `oauth_signature_method` value; the match is exact, as in the reference.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "HMAC-SHA1" => Some(Self::HmacSha1),
            "HMAC-SHA256" => Some(Self::HmacSha256),
            _ => None,
        }
    }

    fn hmac_algorithm(self) -> hmac::Algorithm {
        match self {
            Self::HmacSha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Self::HmacSha256 => hmac::HMAC_SHA256,
        }
    }
}

/// The HMAC key of RFC 5849 §3.4.2: `enc(consumer_secret) & enc(token_secret)`, the token
/// secret empty when there is no token.
///
/// The key text is written at the end of `scratch`, which is left as it was found: the verifier
/// lends its base-string buffer, saving an allocation per request.
fn signing_key(
    method: SignatureMethod,
    consumer_secret: &str,
    token_secret: Option<&str>,
    scratch: &mut Vec<u8>,
) -> hmac::Key {
    let start = scratch.len();
    encode_into(consumer_secret.as_bytes(), scratch);
    scratch.push(b'&');
    encode_into(token_secret.unwrap_or_default().as_bytes(), scratch);
    let key = hmac::Key::new(method.hmac_algorithm(), &scratch[start..]);
    scratch.truncate(start);
    key
}

/// Signs a base string: `base64(HMAC(key, base_string))` with the key of RFC 5849 §3.4.2.
///
/// ```
/// use gatehouse_oauth1::{sign, SignatureMethod};
///
/// // RFC 5849 §1.2.
/// let base = "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal";
/// let signature = sign(SignatureMethod::HmacSha1, base, "kd94hf93k423kf44", Some("pfkkdhi9sl3r4s00"));
/// assert_eq!(signature, "MdpQcU8iPSUjWoN/UDMsK2sui9I=");
/// ```
pub fn sign(
    method: SignatureMethod,
    base_string: &str,
    consumer_secret: &str,
    token_secret: Option<&str>,
) -> String {
    let key = signing_key(method, consumer_secret, token_secret, &mut Vec::new());
    let tag = hmac::sign(&key, base_string.as_bytes());
    STANDARD.encode(tag.as_ref())
}

/// Checks a received `oauth_signature` (base64) against the base string held in `base_string`
/// (which is also lent as scratch space for the key, and left unchanged).
///
/// The tag is decoded and handed to `ring::hmac::verify`, which compares in constant time; a
/// signature that is not valid base64 of the right length is simply invalid.
pub(crate) fn verify(
    method: SignatureMethod,
    base_string: &mut Vec<u8>,
    consumer_secret: &str,
    token_secret: Option<&str>,
    signature: &str,
) -> Result<(), OAuth1Error> {
    // RFC 5849 §3.4.2: the signature is the base64 HMAC; anything else cannot match it.
    let mut tag = [0u8; 64];
    let length = STANDARD
        .decode_slice(signature.as_bytes(), &mut tag)
        .map_err(|_| OAuth1Error::InvalidSignature)?;

    let key = signing_key(method, consumer_secret, token_secret, base_string);
    hmac::verify(&key, base_string, &tag[..length]).map_err(|_| OAuth1Error::InvalidSignature)
}

/// The `oauth_body_hash` of `body`: base64 of its SHA-256 digest.
pub fn body_hash(body: &[u8]) -> String {
    STANDARD.encode(digest::digest(&digest::SHA256, body).as_ref())
}

/// Whether a received `oauth_body_hash` is the digest of `body`.
///
/// SHA-256 is what Gatehouse asks for; a 20-byte hash is read as SHA-1, because the body-hash
/// extension (draft-eaton-oauth-bodyhash-00 §3.1) ties the hash to HMAC-SHA1 and oauthlib sends
/// SHA-1 whatever the signature method. The hash is signed, so SHA-1 here only needs second
/// preimage resistance.
pub(crate) fn body_hash_matches(received: &str, body: &[u8]) -> bool {
    let mut decoded = [0u8; 64];
    let Ok(length) = STANDARD.decode_slice(received.as_bytes(), &mut decoded) else {
        return false;
    };
    let algorithm = match length {
        32 => &digest::SHA256,
        20 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        _ => return false,
    };
    digest::digest(algorithm, body).as_ref() == &decoded[..length]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_round_trip_exactly() {
        for method in [SignatureMethod::HmacSha1, SignatureMethod::HmacSha256] {
            assert_eq!(SignatureMethod::parse(method.as_str()), Some(method));
        }
        assert_eq!(SignatureMethod::parse("hmac-sha256"), None);
        assert_eq!(SignatureMethod::parse("PLAINTEXT"), None);
        assert_eq!(SignatureMethod::parse("RSA-SHA1"), None);
    }

    #[test]
    fn key_encodes_both_secrets() {
        // With secrets that need encoding, the key must be `a%26b&c%20d`.
        let expected = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, b"a%26b&c%20d"), b"base");
        let signature = sign(SignatureMethod::HmacSha256, "base", "a&b", Some("c d"));
        assert_eq!(signature, STANDARD.encode(expected.as_ref()));

        let no_token = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, b"cs&"), b"base");
        assert_eq!(
            sign(SignatureMethod::HmacSha256, "base", "cs", None),
            STANDARD.encode(no_token.as_ref())
        );
    }

    #[test]
    fn verify_accepts_the_signature_and_nothing_else() {
        let signature = sign(SignatureMethod::HmacSha256, "base", "cs", Some("ts"));
        assert_eq!(
            verify(
                SignatureMethod::HmacSha256,
                &mut b"base".to_vec(),
                "cs",
                Some("ts"),
                &signature
            ),
            Ok(())
        );

        let refused = [
            verify(
                SignatureMethod::HmacSha256,
                &mut b"basf".to_vec(),
                "cs",
                Some("ts"),
                &signature,
            ),
            verify(
                SignatureMethod::HmacSha256,
                &mut b"base".to_vec(),
                "cs",
                Some("tt"),
                &signature,
            ),
            verify(
                SignatureMethod::HmacSha256,
                &mut b"base".to_vec(),
                "cs",
                None,
                &signature,
            ),
            verify(
                SignatureMethod::HmacSha1,
                &mut b"base".to_vec(),
                "cs",
                Some("ts"),
                &signature,
            ),
            verify(
                SignatureMethod::HmacSha256,
                &mut b"base".to_vec(),
                "cs",
                Some("ts"),
                "not base64!",
            ),
            verify(
                SignatureMethod::HmacSha256,
                &mut b"base".to_vec(),
                "cs",
                Some("ts"),
                "",
            ),
            verify(
                SignatureMethod::HmacSha256,
                &mut b"base".to_vec(),
                "cs",
                Some("ts"),
                &signature[..signature.len() - 4],
            ),
            verify(
                SignatureMethod::HmacSha256,
                &mut b"base".to_vec(),
                "cs",
                Some("ts"),
                &"QUFB".repeat(40),
            ),
        ];
        for result in refused {
            assert_eq!(result, Err(OAuth1Error::InvalidSignature));
        }
    }

    #[test]
    fn body_hash_is_sha256_and_sha1_is_recognised() {
        // SHA-256 and SHA-1 of the empty string and of "{}".
        assert_eq!(
            body_hash(b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert!(body_hash_matches(
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            b""
        ));
        assert!(body_hash_matches("2jmj7l5rSw0yVb/vlWAYkK/YBwk=", b""));
        assert!(body_hash_matches(&body_hash(b"{}"), b"{}"));
        assert!(!body_hash_matches(&body_hash(b"{}"), b"{ }"));
        assert!(!body_hash_matches("2jmj7l5rSw0yVb/vlWAYkK/YBwk=", b"x"));
        // Right encoding, wrong length (an MD5-sized hash), and not base64 at all.
        assert!(!body_hash_matches("1B2M2Y8AsgTpgAmY7PhCfg==", b""));
        assert!(!body_hash_matches("not base64", b""));
    }
}
