//! The OAuth 1.0a protocol core of Gatehouse: it reads the parameters of a request, checks the
//! protocol parameters, builds the signature base string and verifies the HMAC signature, as
//! RFC 5849 says and, on request, as the reference PHP platform does.
//!
//! The crate does no I/O and keeps no state. The caller (a web adapter, a service, an
//! embedder's own server) passes the parts of the HTTP request and, once it has looked them
//! up, the consumer and token secrets. Looking up consumers and tokens and recording nonces
//! are the caller's business: the crate says whether a request is well formed and correctly
//! signed, nothing more.
//!
//! # Verifying a request
//!
//! ```
//! use gatehouse_oauth1::{
//!     check_protocol, check_timestamp, verify_signature, Endpoint, OAuthRequest, Policy,
//!     RequestParts, SignatureMethod, Signer,
//! };
//!
//! // What a client sends (here made with the crate's own client-side `Signer`).
//! let consumer_key = "0123456789abcdefghijklmnopqrstuv";
//! let token = "abcdefghijklmnopqrstuvwxyz012345";
//! let now = 1_700_000_000;
//! let header = Signer::new(consumer_key, "consumer-secret", SignatureMethod::HmacSha256, "n0nce", now)
//!     .token(token, "token-secret")
//!     .authorization_header("GET", "https://shop.example.com/rest/V1/products?searchCriteria=x", None);
//!
//! // What the server does with it.
//! let parts = RequestParts {
//!     method: "GET",
//!     base_uri: "https://shop.example.com/rest/V1/products",
//!     query: "searchCriteria=x",
//!     authorization: Some(&header),
//!     content_type: None,
//!     body: b"",
//! };
//! let policy = Policy::default();
//! let request = OAuthRequest::collect(&parts)?;
//! let params = check_protocol(&request, Endpoint::Resource, &policy)?;
//! check_timestamp(params.timestamp, now, &policy)?;
//! // …look up the consumer by `params.consumer_key` and the token by `params.token`…
//! verify_signature(&request, &parts, &params, "consumer-secret", Some("token-secret"), &policy)?;
//! // …then record `params.nonce` for the consumer, atomically, refusing a reuse.
//! # Ok::<(), gatehouse_oauth1::OAuth1Error>(())
//! ```
//!
//! The order matters for safety: check the signature before recording the nonce, so that
//! nobody can burn another client's nonces with unsigned requests.
//!
//! # What is checked, and where
//!
//! - [`OAuthRequest::collect`] reads the three parameter sources of RFC 5849 §3.4.1.3.1 (the
//!   `Authorization: OAuth` header, the query, a form-encoded body) and refuses a malformed
//!   header and conflicting duplicate protocol parameters.
//! - [`check_protocol`] checks the protocol parameters in the reference's order and returns
//!   them typed as [`ProtocolParams`].
//! - [`check_timestamp`] bounds `oauth_timestamp` on both sides of now.
//! - [`verify_signature`] rebuilds the base string and compares the HMAC in constant time,
//!   then checks `oauth_body_hash` for non-form bodies.
//!
//! Each refusal is an [`OAuth1Error`]: [`OAuth1Error::message`] gives the reference's wording,
//! [`OAuth1Error::class`] says whether it is bad input (400) or failed authentication (401).
//!
//! # Base strings
//!
//! [`Canonicalization::Rfc5849`] (the default) follows RFC 5849 exactly and interoperates with
//! oauthlib, oauth1-request, Postman and other standard clients. [`Canonicalization::Compat`]
//! reproduces the reference's PHP rules (one value per name, PHP array keys, natural key order,
//! URI as given) for clients written against it; its documentation lists each rule.
//! [`signature_base_string`], [`base_string_uri`], [`percent_encode`] and [`sign`] are the
//! building blocks, public for embedders and tests.
//!
//! # Signing requests
//!
//! [`Signer`] produces exactly the `Authorization` header a client would send, with a fixed
//! nonce and timestamp, for tests and for calling other OAuth 1.0a servers.
//!
//! # Logging
//!
//! The crate logs nothing. Nonces, tokens, signatures and secrets never appear in its `Debug`
//! output either.

mod base_string;
mod compat;
mod encoding;
mod error;
mod protocol;
mod request;
mod signature;
mod signer;

pub use base_string::{
    base_string_uri, signature_base_string, Canonicalization, SignatureBaseString,
};
pub use encoding::{form_urlencode, percent_encode};
pub use error::OAuth1Error;
pub use protocol::{
    check_protocol, check_timestamp, verify_signature, Endpoint, Policy, ProtocolParams,
};
pub use request::{OAuthRequest, Parameter, RequestParts, Source};
pub use signature::{body_hash, sign, SignatureMethod};
pub use signer::Signer;
