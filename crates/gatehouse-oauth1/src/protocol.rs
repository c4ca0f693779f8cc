//! The protocol checks of a signed request, in the reference's order: version, required
//! parameters, token length, signature method, consumer key, nonce and timestamp format; then
//! the timestamp window and the signature itself.
//!
//! Storage lookups (does the consumer exist, was the nonce used, is the token an access token)
//! are the caller's: this module only says whether the request is well formed and correctly
//! signed with the secrets it is given.

use gatehouse_domain::{ConsumerKey, Nonce, OAuthTimestamp, TokenValue};

use crate::base_string::{write_base_string, Canonicalization, SignedPair};
use crate::error::OAuth1Error;
use crate::request::{OAuthRequest, Parameter, Protocol, RequestParts, Source};
use crate::signature::{self, SignatureMethod};

/// What a deployment accepts. `Policy::default()` is the reference's 2.4.4+ behaviour with
/// Gatehouse's fixes: HMAC-SHA256 only, ±600 s, RFC 5849 base strings, body hash optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The signature methods accepted.
    pub signature_methods: Vec<SignatureMethod>,
    /// How far `oauth_timestamp` may be from now, in seconds, in either direction.
    pub timestamp_window_secs: i64,
    /// How the signature base string is built.
    pub canonicalization: Canonicalization,
    /// When true, a request with a non-form body must carry `oauth_body_hash`.
    pub require_body_hash: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            signature_methods: vec![SignatureMethod::HmacSha256],
            timestamp_window_secs: 600,
            canonicalization: Canonicalization::Rfc5849,
            require_body_hash: false,
        }
    }
}

/// Which endpoint a request is for; it decides which protocol parameters are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `/oauth/token/request`: consumer key, signature, signature method, nonce, timestamp.
    RequestToken,
    /// `/oauth/token/access`: as above, plus `oauth_token` and `oauth_verifier`.
    AccessToken,
    /// A signed API request: as the request-token endpoint, plus `oauth_token`.
    Resource,
}

impl Endpoint {
    /// The required parameters, in the order the reference reports them missing.
    pub fn required_parameters(self) -> &'static [&'static str] {
        const BASE: [&str; 5] = names(REQUEST_TOKEN_REQUIRED);
        const ACCESS: [&str; 7] = names(ACCESS_TOKEN_REQUIRED);
        const RESOURCE: [&str; 6] = names(RESOURCE_REQUIRED);
        match self {
            Self::RequestToken => &BASE,
            Self::AccessToken => &ACCESS,
            Self::Resource => &RESOURCE,
        }
    }

    /// The required parameters as [`Protocol`]s, in the order of [`Self::required_parameters`].
    fn required_protocol(self) -> &'static [Protocol] {
        match self {
            Self::RequestToken => &REQUEST_TOKEN_REQUIRED,
            Self::AccessToken => &ACCESS_TOKEN_REQUIRED,
            Self::Resource => &RESOURCE_REQUIRED,
        }
    }
}

const REQUEST_TOKEN_REQUIRED: [Protocol; 5] = [
    Protocol::ConsumerKey,
    Protocol::Signature,
    Protocol::SignatureMethod,
    Protocol::Nonce,
    Protocol::Timestamp,
];
const ACCESS_TOKEN_REQUIRED: [Protocol; 7] = [
    REQUEST_TOKEN_REQUIRED[0],
    REQUEST_TOKEN_REQUIRED[1],
    REQUEST_TOKEN_REQUIRED[2],
    REQUEST_TOKEN_REQUIRED[3],
    REQUEST_TOKEN_REQUIRED[4],
    Protocol::Token,
    Protocol::Verifier,
];
const RESOURCE_REQUIRED: [Protocol; 6] = [
    REQUEST_TOKEN_REQUIRED[0],
    REQUEST_TOKEN_REQUIRED[1],
    REQUEST_TOKEN_REQUIRED[2],
    REQUEST_TOKEN_REQUIRED[3],
    REQUEST_TOKEN_REQUIRED[4],
    Protocol::Token,
];

/// The names of `list`, computed at compile time.
const fn names<const N: usize>(list: [Protocol; N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut index = 0;
    while index < N {
        out[index] = list[index].name();
        index += 1;
    }
    out
}

/// The protocol parameters of a request, each checked for form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolParams {
    /// `oauth_consumer_key`.
    pub consumer_key: ConsumerKey,
    /// `oauth_token`, 32 characters when present.
    pub token: Option<TokenValue>,
    /// `oauth_verifier`, raw: the service checks its length and match (`domain::Verifier`),
    /// because the reference words those refusals itself.
    pub verifier: Option<String>,
    /// `oauth_signature_method`, one the policy allows.
    pub signature_method: SignatureMethod,
    /// `oauth_signature`, base64 as received.
    pub signature: String,
    /// `oauth_nonce`.
    pub nonce: Nonce,
    /// `oauth_timestamp`, positive decimal digits; [`check_timestamp`] bounds it.
    pub timestamp: OAuthTimestamp,
    /// `oauth_body_hash`, base64 as received.
    pub body_hash: Option<String>,
    /// `oauth_callback`, raw.
    pub callback: Option<String>,
}

/// Checks the protocol parameters of `request` for `endpoint`, in the reference's order
/// (behaviour.md §4 items 1–6, without the storage lookups):
///
/// 1. `oauth_version`, when present, is `1.0`;
/// 2. the endpoint's required parameters are present (all missing names in one error), and
///    `oauth_body_hash` too when the policy requires it and the body is not a form;
/// 3. `oauth_token`, when present, is 32 characters;
/// 4. `oauth_signature_method` is one the policy allows;
/// 5. `oauth_consumer_key` is 32 characters;
/// 6. `oauth_nonce` is 1–255 printable ASCII characters and `oauth_timestamp` decimal digits.
///
/// A protocol parameter whose value is not UTF-8 is refused before any of these, as malformed.
pub fn check_protocol(
    request: &OAuthRequest,
    endpoint: Endpoint,
    policy: &Policy,
) -> Result<ProtocolParams, OAuth1Error> {
    let found = Found::collect(request)?;

    // RFC 5849 §3.1: `oauth_version`, when present, MUST be "1.0".
    if let Some(version) = found.version {
        if version != "1.0" {
            return Err(OAuth1Error::UnsupportedVersion {
                version: version.to_owned(),
            });
        }
    }

    // RFC 5849 §3.1 (and §2.1, §2.3 for the token endpoints): required parameters. The list
    // of missing names is only built when one is missing.
    let needed = endpoint.required_protocol();
    let body_hash_missing =
        policy.require_body_hash && request.has_non_form_body() && found.body_hash.is_none();
    if body_hash_missing || needed.iter().any(|&which| found.get(which).is_none()) {
        let mut missing: Vec<&str> = needed
            .iter()
            .filter(|&&which| found.get(which).is_none())
            .map(|which| which.name())
            .collect();
        if body_hash_missing {
            missing.push(Protocol::BodyHash.name());
        }
        return Err(OAuth1Error::MissingParameters {
            names: missing.join(", "),
        });
    }

    // The reference's rule (RFC 5849 §2.3 leaves the token's form to the server): 32 characters.
    let token = match found.token {
        Some(token) => Some(TokenValue::parse(token).map_err(|_| OAuth1Error::TokenLength)?),
        None => None,
    };

    // RFC 5849 §3.4: the server decides which signature methods it supports.
    let method_name = required(found.signature_method, "oauth_signature_method")?;
    let signature_method = SignatureMethod::parse(method_name)
        .filter(|method| policy.signature_methods.contains(method))
        .ok_or_else(|| OAuth1Error::UnsupportedSignatureMethod {
            method: method_name.to_owned(),
        })?;

    // The reference's rule again (RFC 5849 §3.1 leaves the key's form to the server).
    let consumer_key = ConsumerKey::parse(required(found.consumer_key, "oauth_consumer_key")?)
        .map_err(|_| OAuth1Error::ConsumerKeyLength)?;
    // RFC 5849 §3.3: a random string, unique per timestamp; Gatehouse bounds it to 1–255
    // printable ASCII characters so it can be stored and compared.
    let nonce = Nonce::parse(required(found.nonce, "oauth_nonce")?)
        .map_err(|_| OAuth1Error::InvalidNonce)?;
    // RFC 5849 §3.3: the timestamp is a positive integer number of seconds.
    let timestamp = OAuthTimestamp::parse(required(found.timestamp, "oauth_timestamp")?)
        .map_err(|_| OAuth1Error::InvalidTimestamp)?;

    Ok(ProtocolParams {
        consumer_key,
        token,
        verifier: found.verifier.map(str::to_owned),
        signature_method,
        signature: required(found.signature, "oauth_signature")?.to_owned(),
        nonce,
        timestamp,
        body_hash: found.body_hash.map(str::to_owned),
        callback: found.callback.map(str::to_owned),
    })
}

/// The first value of each protocol parameter.
struct Found<'r> {
    version: Option<&'r str>,
    consumer_key: Option<&'r str>,
    token: Option<&'r str>,
    verifier: Option<&'r str>,
    signature_method: Option<&'r str>,
    signature: Option<&'r str>,
    nonce: Option<&'r str>,
    timestamp: Option<&'r str>,
    body_hash: Option<&'r str>,
    callback: Option<&'r str>,
}

impl<'r> Found<'r> {
    fn collect(request: &'r OAuthRequest) -> Result<Self, OAuth1Error> {
        Ok(Found {
            version: request.protocol(Protocol::Version)?,
            consumer_key: request.protocol(Protocol::ConsumerKey)?,
            token: request.protocol(Protocol::Token)?,
            verifier: request.protocol(Protocol::Verifier)?,
            signature_method: request.protocol(Protocol::SignatureMethod)?,
            signature: request.protocol(Protocol::Signature)?,
            nonce: request.protocol(Protocol::Nonce)?,
            timestamp: request.protocol(Protocol::Timestamp)?,
            body_hash: request.protocol(Protocol::BodyHash)?,
            callback: request.protocol(Protocol::Callback)?,
        })
    }

    fn get(&self, which: Protocol) -> Option<&'r str> {
        match which {
            Protocol::Version => self.version,
            Protocol::ConsumerKey => self.consumer_key,
            Protocol::Token => self.token,
            Protocol::Verifier => self.verifier,
            Protocol::SignatureMethod => self.signature_method,
            Protocol::Signature => self.signature,
            Protocol::Nonce => self.nonce,
            Protocol::Timestamp => self.timestamp,
            Protocol::BodyHash => self.body_hash,
            Protocol::Callback => self.callback,
        }
    }
}

/// The name and value of a parameter, as the base string takes them.
fn name_and_value(parameter: Parameter<'_>) -> SignedPair<'_> {
    SignedPair::new(parameter.name, parameter.value)
}

/// A parameter the required check has already found.
fn required<'r>(value: Option<&'r str>, name: &'static str) -> Result<&'r str, OAuth1Error> {
    value.ok_or_else(|| OAuth1Error::MissingParameters {
        names: name.to_owned(),
    })
}

/// Checks that `timestamp` is within `policy.timestamp_window_secs` of `now`, in either
/// direction (inclusive). The reference bounds only the future; bounding the past too is what
/// lets nonces be forgotten after one window (RFC 5849 §3.3 leaves the window to the server).
pub fn check_timestamp(
    timestamp: OAuthTimestamp,
    now: i64,
    policy: &Policy,
) -> Result<(), OAuth1Error> {
    // RFC 5849 §3.3: the server may reject requests with stale timestamps.
    let distance = i128::from(now) - i128::from(timestamp.seconds());
    if distance.abs() > i128::from(policy.timestamp_window_secs) {
        return Err(OAuth1Error::TimestampOutOfWindow);
    }
    Ok(())
}

/// Verifies the signature of a request whose protocol parameters passed [`check_protocol`],
/// with the consumer secret and, when the request carries a token, the token secret.
///
/// Builds the base string per `policy.canonicalization` from `parts.method`, `parts.base_uri`
/// and every parameter of `request` but `oauth_signature` (RFC 5849 §3.4.1), and checks the
/// HMAC in constant time (§3.4.2). Then, for a body that is not a form, checks
/// `oauth_body_hash` when present: it must be the base64 SHA-256 digest of the body (or its
/// SHA-1 digest, which oauthlib and the body-hash extension's HMAC-SHA1 clients send).
pub fn verify_signature(
    request: &OAuthRequest,
    parts: &RequestParts<'_>,
    params: &ProtocolParams,
    consumer_secret: &str,
    token_secret: Option<&str>,
    policy: &Policy,
) -> Result<(), OAuth1Error> {
    // RFC 5849 §3.4: only the methods the server supports (checked again: `params` is public).
    if !policy.signature_methods.contains(&params.signature_method) {
        return Err(OAuth1Error::UnsupportedSignatureMethod {
            method: params.signature_method.as_str().to_owned(),
        });
    }

    let mut base_string = Vec::with_capacity(1024);
    match policy.canonicalization {
        Canonicalization::Rfc5849 => {
            write_base_string(
                parts.method,
                parts.base_uri,
                request.signed_pairs(),
                policy.canonicalization,
                &mut base_string,
            )?;
        }
        Canonicalization::Compat => {
            // The reference merges the header, then the form body, then the query.
            let from = |source: Source| {
                request
                    .signed_parameters()
                    .filter(move |parameter| parameter.source == source)
            };
            let pairs = from(Source::Header)
                .chain(from(Source::Body))
                .chain(from(Source::Query))
                .map(name_and_value);
            write_base_string(
                parts.method,
                parts.base_uri,
                pairs,
                policy.canonicalization,
                &mut base_string,
            )?;
        }
    }

    signature::verify(
        params.signature_method,
        &mut base_string,
        consumer_secret,
        token_secret,
        &params.signature,
    )?;

    // The body-hash extension (draft-eaton-oauth-bodyhash-00 §4.2) covers bodies that are not
    // parameter sources: a hash that does not match the body is refused.
    if let Some(expected) = &params.body_hash {
        if !parts.has_form_body() && !signature::body_hash_matches(expected, parts.body) {
            return Err(OAuth1Error::BodyHashMismatch);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> OAuthTimestamp {
        OAuthTimestamp::from_seconds(seconds).unwrap()
    }

    #[test]
    fn timestamp_window_is_inclusive_on_both_sides() {
        let policy = Policy::default();
        let now = 1_700_000_000;
        assert_eq!(check_timestamp(at(now), now, &policy), Ok(()));
        assert_eq!(check_timestamp(at(now + 600), now, &policy), Ok(()));
        assert_eq!(check_timestamp(at(now - 600), now, &policy), Ok(()));
        assert_eq!(
            check_timestamp(at(now + 601), now, &policy),
            Err(OAuth1Error::TimestampOutOfWindow)
        );
        assert_eq!(
            check_timestamp(at(now - 601), now, &policy),
            Err(OAuth1Error::TimestampOutOfWindow)
        );
        assert_eq!(
            check_timestamp(at(i64::MAX), i64::MIN, &policy),
            Err(OAuth1Error::TimestampOutOfWindow)
        );
    }

    #[test]
    fn required_parameters_per_endpoint() {
        assert_eq!(Endpoint::RequestToken.required_parameters().len(), 5);
        assert_eq!(
            Endpoint::AccessToken.required_parameters()[5..],
            ["oauth_token", "oauth_verifier"]
        );
        assert_eq!(
            Endpoint::Resource.required_parameters()[5..],
            ["oauth_token"]
        );
    }

    #[test]
    fn required_names_and_protocol_lists_agree() {
        for endpoint in [
            Endpoint::RequestToken,
            Endpoint::AccessToken,
            Endpoint::Resource,
        ] {
            let from_protocol: Vec<&str> = endpoint
                .required_protocol()
                .iter()
                .map(|which| which.name())
                .collect();
            assert_eq!(
                from_protocol,
                endpoint.required_parameters(),
                "{endpoint:?}"
            );
        }
        assert_eq!(
            Endpoint::RequestToken.required_parameters(),
            [
                "oauth_consumer_key",
                "oauth_signature",
                "oauth_signature_method",
                "oauth_nonce",
                "oauth_timestamp",
            ]
        );
    }

    #[test]
    fn default_policy_is_the_reference_with_fixes() {
        let policy = Policy::default();
        assert_eq!(policy.signature_methods, vec![SignatureMethod::HmacSha256]);
        assert_eq!(policy.timestamp_window_secs, 600);
        assert_eq!(policy.canonicalization, Canonicalization::Rfc5849);
        assert!(!policy.require_body_hash);
    }
}
