//! HMAC-SHA256 for the `oauth1-request` crate, which ships HMAC-SHA1 and PLAINTEXT only, while
//! Gatehouse (like the reference platform since 2.4.4) accepts HMAC-SHA256 only.
//!
//! `oauth1-request` does the protocol work: it collects and sorts the parameters, encodes them
//! and feeds the signature base string of RFC 5849 §3.4.1 to a [`Sign`] piece by piece. A
//! signature method only has to key an HMAC and encode its result, which is what this module
//! adds, with `ring`'s HMAC-SHA256.

use std::fmt::{self, Display, Write as _};

use base64::Engine as _;
use oauth1_request::signature_method::{Sign, SignatureMethod, PLAINTEXT};
use ring::hmac;

/// The `HMAC-SHA256` signature method (RFC 5849 §3.4.2 with SHA-256 in place of SHA-1).
///
/// ```
/// use example_integration_app::signing::HmacSha256;
///
/// let consumer = oauth1_request::Credentials::new("consumer-key", "consumer-secret");
/// let header = oauth1_request::Builder::<_, &str, &str>::new(consumer, HmacSha256)
///     .authorize("POST", "https://shop.example.com/oauth/token/request", &());
/// assert!(header.starts_with("OAuth "));
/// assert!(header.contains("oauth_signature_method=\"HMAC-SHA256\""));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct HmacSha256;

/// The signing state of [`HmacSha256`]: the key, and the base string fed so far.
pub struct HmacSha256Sign {
    key: hmac::Key,
    base_string: String,
}

impl fmt::Debug for HmacSha256Sign {
    /// Neither the key nor the base string: both are derived from credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacSha256Sign").finish_non_exhaustive()
    }
}

impl SignatureMethod for HmacSha256 {
    type Sign = HmacSha256Sign;

    fn sign_with(self, client_secret: &str, token_secret: Option<&str>) -> HmacSha256Sign {
        // RFC 5849 §3.4.2: the key is the encoded client secret, `&`, and the encoded token
        // secret, which is exactly the PLAINTEXT signature of §3.4.4. Letting the crate build
        // it keeps its percent-encoding the only one in play.
        let key = PLAINTEXT.sign_with(client_secret, token_secret).end();
        HmacSha256Sign {
            key: hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes()),
            base_string: String::new(),
        }
    }
}

impl Sign for HmacSha256Sign {
    type Signature = EncodedSignature;

    fn get_signature_method_name(&self) -> &'static str {
        "HMAC-SHA256"
    }

    fn request_method(&mut self, method: &str) {
        self.base_string.push_str(method);
        self.base_string.push('&');
    }

    fn uri<T: Display>(&mut self, uri: T) {
        // Writing to a `String` cannot fail.
        let _ = write!(self.base_string, "{uri}&");
    }

    fn parameter<V: Display>(&mut self, key: &str, value: V) {
        // Writing to a `String` cannot fail.
        let _ = write!(self.base_string, "{key}%3D{value}");
    }

    fn delimiter(&mut self) {
        self.base_string.push_str("%26");
    }

    fn end(self) -> EncodedSignature {
        let tag = hmac::sign(&self.key, self.base_string.as_bytes());
        EncodedSignature(base64::engine::general_purpose::STANDARD.encode(tag.as_ref()))
    }
}

/// A signature in base64, displayed percent-encoded as `oauth1-request` puts it in the header.
#[derive(Clone, PartialEq, Eq)]
pub struct EncodedSignature(String);

impl fmt::Debug for EncodedSignature {
    /// A signature is a credential for as long as its timestamp is valid: never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncodedSignature(..)")
    }
}

impl Display for EncodedSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Of the base64 alphabet only `+`, `/` and `=` are outside RFC 3986's unreserved set.
        for character in self.0.chars() {
            match character {
                '+' => f.write_str("%2B")?,
                '/' => f.write_str("%2F")?,
                '=' => f.write_str("%3D")?,
                other => f.write_char(other)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU64;

    use gatehouse_oauth1::{
        check_protocol, verify_signature, Endpoint, OAuthRequest, Policy, RequestParts,
        SignatureMethod as GatehouseMethod, Signer,
    };

    use super::*;

    const URL: &str = "https://shop.example.com/rest/V1/integration/self";

    /// The header `oauth1-request` builds with [`HmacSha256`], with a fixed nonce and time.
    fn header(token: Option<(&str, &str)>) -> String {
        let consumer = oauth1_request::Credentials::new(
            "0123456789abcdefghijklmnopqrstuv",
            "consumer secret+&",
        );
        let mut builder = oauth1_request::Builder::<_, &str, &str>::new(consumer, HmacSha256);
        builder.token(token.map(|(token, secret)| oauth1_request::Credentials::new(token, secret)));
        builder.nonce("fixed-nonce");
        builder.timestamp(NonZeroU64::new(1_700_000_000));
        builder.authorize("GET", URL, &())
    }

    /// The value of `name` in an `Authorization: OAuth` header, still encoded.
    fn header_parameter<'a>(header: &'a str, name: &str) -> &'a str {
        let start = header.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let length = header[start..].find('"').unwrap();
        &header[start..start + length]
    }

    #[test]
    fn gatehouse_verifies_what_oauth1_request_signs() {
        let header = header(Some(("abcdefghijklmnopqrstuvwxyz012345", "token secret/=")));

        let parts = RequestParts {
            method: "GET",
            base_uri: URL,
            query: "",
            authorization: Some(&header),
            content_type: None,
            body: b"",
        };
        let request = OAuthRequest::collect(&parts).unwrap();
        let policy = Policy::default();
        let params = check_protocol(&request, Endpoint::Resource, &policy).unwrap();
        let verified = verify_signature(
            &request,
            &parts,
            &params,
            "consumer secret+&",
            Some("token secret/="),
            &policy,
        );
        assert!(verified.is_ok(), "{verified:?}");

        // The same request under another token secret must not verify.
        let refused = verify_signature(
            &request,
            &parts,
            &params,
            "consumer secret+&",
            Some("another secret"),
            &policy,
        );
        assert!(refused.is_err());
    }

    #[test]
    fn the_signature_equals_gatehouses_own_signer() {
        let ours = header(None);

        let theirs = Signer::new(
            "0123456789abcdefghijklmnopqrstuv",
            "consumer secret+&",
            GatehouseMethod::HmacSha256,
            "fixed-nonce",
            1_700_000_000,
        )
        .authorization_header("GET", URL, None);

        assert_eq!(
            header_parameter(&ours, "oauth_signature"),
            header_parameter(&theirs, "oauth_signature")
        );
        assert_eq!(
            header_parameter(&ours, "oauth_signature_method"),
            "HMAC-SHA256"
        );
    }

    #[test]
    fn the_signature_is_percent_encoded_base64() {
        let signature = EncodedSignature("ab+/cd==".to_owned());

        assert_eq!(signature.to_string(), "ab%2B%2Fcd%3D%3D");
        assert_eq!(format!("{signature:?}"), "EncodedSignature(..)");
    }
}
