//! Requests signed by the `oauth1-request` crate (0.6) verify: HMAC-SHA1 with its own signer,
//! HMAC-SHA256 with a signature method plugged into its serializer.

// Helpers outside `#[test]` functions unwrap too: a panic is a test failure here.
#![allow(clippy::unwrap_used)]

mod support;

use std::fmt::{Display, Write};
use std::num::NonZeroU64;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use oauth::signature_method::{Sign, SignatureMethod as ClientMethod};
use oauth::ParameterList;
use oauth1_request as oauth;
use ring::hmac;

use gatehouse_oauth1::{percent_encode, Canonicalization, Policy, SignatureMethod};

use support::{both_methods, SignedRequest};

const CONSUMER_KEY: &str = "0123456789abcdefghijklmnopqrstuv";
const CONSUMER_SECRET: &str = "consumer secret/ü";
const TOKEN: &str = "abcdefghijklmnopqrstuvwxyz012345";
const TOKEN_SECRET: &str = "token&secret";
const URI: &str = "https://shop.example.com/rest/V1/products";

/// HMAC-SHA256 for oauth1-request's serializer: it feeds the base string piece by piece.
#[derive(Clone, Copy)]
struct HmacSha256;

struct HmacSha256Sign {
    context: hmac::Context,
}

struct Base64Signature(String);

impl Display for Base64Signature {
    // The serializer expects the signature already percent-encoded.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&percent_encode(&self.0))
    }
}

impl ClientMethod for HmacSha256 {
    type Sign = HmacSha256Sign;

    fn sign_with(self, client_secret: &str, token_secret: Option<&str>) -> HmacSha256Sign {
        let key = format!(
            "{}&{}",
            percent_encode(client_secret),
            percent_encode(token_secret.unwrap_or_default())
        );
        HmacSha256Sign {
            context: hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes())),
        }
    }
}

impl HmacSha256Sign {
    fn feed(&mut self, text: &str) {
        self.context.update(text.as_bytes());
    }
}

impl Sign for HmacSha256Sign {
    type Signature = Base64Signature;

    fn get_signature_method_name(&self) -> &'static str {
        "HMAC-SHA256"
    }

    fn request_method(&mut self, method: &str) {
        self.feed(method);
        self.feed("&");
    }

    fn uri<T: Display>(&mut self, uri: T) {
        let mut text = String::new();
        write!(text, "{uri}&").expect("writing to a string");
        self.feed(&text);
    }

    fn parameter<V: Display>(&mut self, key: &str, value: V) {
        let mut text = String::new();
        write!(text, "{key}%3D{value}").expect("writing to a string");
        self.feed(&text);
    }

    fn delimiter(&mut self) {
        self.feed("%26");
    }

    fn end(self) -> Base64Signature {
        Base64Signature(STANDARD.encode(self.context.sign().as_ref()))
    }
}

fn builder<SM: ClientMethod>(
    method: SM,
    nonce: &'static str,
) -> oauth::Builder<'static, SM, &'static str> {
    let token = oauth::Token::from_parts(CONSUMER_KEY, CONSUMER_SECRET, TOKEN, TOKEN_SECRET);
    let mut builder = oauth::Builder::with_token(token, method);
    builder
        .nonce(nonce)
        .timestamp(NonZeroU64::new(1_700_000_000))
        .version(true);
    builder
}

/// Parameters with values that need encoding. oauth1-request requires URI-safe keys (it writes
/// them into the base string unencoded), so the keys use unreserved characters only.
fn query_params() -> ParameterList<&'static str, &'static str, [(&'static str, &'static str); 4]> {
    ParameterList::new([
        ("search.page-size_~", "20"),
        ("q", "space and + plus"),
        ("name", "Ünïcödé/ß"),
        ("empty", ""),
    ])
}

fn request(
    method: &str,
    authorization: String,
    query: String,
    body: Option<String>,
) -> SignedRequest {
    SignedRequest {
        method: method.to_owned(),
        base_uri: URI.to_owned(),
        query,
        authorization: Some(authorization),
        content_type: body
            .as_ref()
            .map(|_| "application/x-www-form-urlencoded".to_owned()),
        body: body.unwrap_or_default().into_bytes(),
        consumer_secret: CONSUMER_SECRET.to_owned(),
        token_secret: Some(TOKEN_SECRET.to_owned()),
    }
}

#[test]
fn hmac_sha1_get_with_query_verifies() {
    let params = query_params();
    let authorization = builder(oauth::HMAC_SHA1, "nonce-get").get(URI, &params);
    let query = oauth::to_form(&params);
    let signed = request("GET", authorization, query, None);

    let checked = signed
        .verify(&both_methods())
        .expect("oauth1-request GET verifies");
    assert_eq!(checked.signature_method, SignatureMethod::HmacSha1);
    assert_eq!(checked.nonce.as_str(), "nonce-get");
    // HMAC-SHA1 stays off unless the policy allows it.
    assert!(signed.verify(&Policy::default()).is_err());
}

#[test]
fn hmac_sha1_post_with_form_body_verifies() {
    let params = query_params();
    let authorization = builder(oauth::HMAC_SHA1, "nonce-post").post(URI, &params);
    let body = oauth::to_form(&params);
    let signed = request("POST", authorization, String::new(), Some(body));
    assert!(signed.verify(&both_methods()).is_ok());

    // Moving a parameter out of the signed body breaks the signature.
    let mut tampered = signed.clone();
    tampered.body = b"q=other".to_vec();
    assert!(tampered.verify(&both_methods()).is_err());
}

#[test]
fn hmac_sha256_requests_verify_under_the_default_policy() {
    let params = query_params();
    let get = request(
        "GET",
        builder(HmacSha256, "nonce-256").get(URI, &params),
        oauth::to_form(&params),
        None,
    );
    let checked = get
        .verify(&Policy::default())
        .expect("HMAC-SHA256 GET verifies");
    assert_eq!(checked.signature_method, SignatureMethod::HmacSha256);

    let post = request(
        "POST",
        builder(HmacSha256, "nonce-256b").post(URI, &params),
        String::new(),
        Some(oauth::to_form(&params)),
    );
    assert!(post.verify(&Policy::default()).is_ok());

    // RFC 5849 clients are not what compat mode expects once PHP's rules matter.
    let compat = Policy {
        canonicalization: Canonicalization::Compat,
        ..Policy::default()
    };
    assert!(get.verify(&compat).is_err());
}

#[test]
fn oauth1_request_and_signer_agree() {
    // Same credentials, nonce and timestamp: the same signature, whichever client made it.
    let params = query_params();
    let theirs = builder(HmacSha256, "same").get(URI, &params);
    let url = format!("{URI}?{}", oauth::to_form(&params));
    let ours = gatehouse_oauth1::Signer::new(
        CONSUMER_KEY,
        CONSUMER_SECRET,
        SignatureMethod::HmacSha256,
        "same",
        1_700_000_000,
    )
    .token(TOKEN, TOKEN_SECRET)
    .version(true)
    .signature("GET", &url, None);
    assert!(
        theirs.contains(&format!("oauth_signature=\"{}\"", percent_encode(&ours))),
        "{theirs}"
    );
}
