//! The two token endpoints (behaviour.md §4): every check in the reference's order, each
//! message word for word with its class, and the time rules on both sides of each boundary.

// The cases are plain functions that `on_every_store!` wraps in one #[test] per backend;
// clippy exempts only #[test] bodies from `unwrap_used`, so the exemption is given here.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use gatehouse_domain::{Clock, ErrorClass, IntegrationStatus, TokenKind, TokenOwner};
use gatehouse_tokens::oauth::TokenPair;

use support::client::{
    fresh_nonce, raw_header, Client, OwnedRequest, RecordingPoster, ACCESS_URL, REQUEST_URL, SHOP,
};
use support::{assert_refused, assert_replay_refused, Harness};

on_every_store!(
    request_token_turns_the_verifier_row_into_a_request_token,
    unsupported_version_is_refused,
    missing_parameters_are_listed_together,
    token_length_is_checked,
    signature_method_must_be_allowed,
    consumer_key_length_is_checked,
    unknown_consumer_is_refused,
    timestamp_window_holds_on_both_sides,
    consumer_expires_at_the_window_boundary,
    bad_signature_is_refused_without_burning_the_nonce,
    reused_nonce_is_refused,
    second_request_token_is_refused,
    consumer_without_token_is_refused,
    access_token_activates_the_integration,
    access_requires_token_and_verifier,
    access_token_length_is_checked,
    access_unknown_token_is_refused,
    access_token_of_another_consumer_is_refused,
    access_token_already_used_is_refused,
    verifier_checks,
    verifier_in_header_and_body_is_accepted,
    access_signature_uses_the_request_token_secret,
    access_consumer_expiry_applies,
);

/// An activated integration's credentials, as posted to its endpoint.
struct Posted {
    consumer_id: gatehouse_domain::ConsumerId,
    integration_id: gatehouse_domain::IntegrationId,
    client: Client,
    verifier: String,
}

fn activate(h: &Harness, name: &str) -> Posted {
    let integration = h.create_integration(name, Some("https://app.example.com/activate"));
    let poster = RecordingPoster::default();
    h.integrations
        .activate(integration.id, &poster, SHOP)
        .expect("activation posts the credentials");
    Posted {
        consumer_id: integration.consumer_id.unwrap(),
        integration_id: integration.id,
        client: Client::new(
            &poster.last_field("oauth_consumer_key"),
            &poster.last_field("oauth_consumer_secret"),
        ),
        verifier: poster.last_field("oauth_verifier"),
    }
}

fn request_token(h: &Harness, posted: &Posted) -> TokenPair {
    let request = posted.client.sign_now(h, "POST", REQUEST_URL);
    h.oauth
        .request_token(&request.parts())
        .expect("the request token is issued")
}

/// The client after the request-token step, ready for the access step.
fn with_request_token(h: &Harness, posted: &Posted) -> Client {
    let pair = request_token(h, posted);
    posted
        .client
        .clone()
        .with_token(pair.token.as_str(), pair.secret.expose())
        .with_verifier(&posted.verifier)
}

fn unsigned(pairs: &[(&str, &str)]) -> OwnedRequest {
    OwnedRequest::new("POST", REQUEST_URL, Some(raw_header(pairs)))
}

fn base_pairs<'a>(consumer_key: &'a str, timestamp: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("oauth_consumer_key", consumer_key),
        ("oauth_signature_method", "HMAC-SHA256"),
        ("oauth_signature", "c2lnbmF0dXJl"),
        ("oauth_nonce", "unsigned-nonce"),
        ("oauth_timestamp", timestamp),
        ("oauth_version", "1.0"),
    ]
}

fn request_token_turns_the_verifier_row_into_a_request_token(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let verifier_row = h
        .store
        .token_by_consumer(posted.consumer_id)
        .unwrap()
        .unwrap();
    assert_eq!(verifier_row.kind, TokenKind::Verifier);
    assert_eq!(verifier_row.callback_url, "oob");
    assert_eq!(verifier_row.owner, TokenOwner::Consumer(posted.consumer_id));

    let pair = request_token(h, &posted);

    assert_eq!(pair.token.as_str().len(), 32);
    assert_eq!(pair.secret.expose().len(), 32);
    let row = h
        .store
        .token_by_consumer(posted.consumer_id)
        .unwrap()
        .unwrap();
    assert_eq!(row.id, verifier_row.id);
    assert_eq!(row.kind, TokenKind::Request);
    assert_ne!(row.token_digest, verifier_row.token_digest);
    assert_eq!(row.verifier_digest, verifier_row.verifier_digest);
    assert_eq!(
        pair.form_body(),
        format!(
            "oauth_token={}&oauth_token_secret={}",
            pair.token.as_str(),
            pair.secret.expose()
        )
    );
}

fn unsupported_version_is_refused(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let now = h.clock.now().to_string();
    let mut pairs = base_pairs(&posted.client.consumer_key, &now);
    pairs.retain(|(name, _)| *name != "oauth_version");
    pairs.push(("oauth_version", "2.0"));

    assert_refused(
        h.oauth.request_token(&unsigned(&pairs).parts()),
        ErrorClass::Input,
        "The \"2.0\" Oauth version isn't supported.",
    );
}

fn missing_parameters_are_listed_together(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let pairs = [
        ("oauth_consumer_key", posted.client.consumer_key.as_str()),
        ("oauth_signature_method", "HMAC-SHA256"),
    ];

    assert_refused(
        h.oauth.request_token(&unsigned(&pairs).parts()),
        ErrorClass::Input,
        "\"oauth_signature, oauth_nonce, oauth_timestamp\" is required. Enter and try again.",
    );

    let only_nonce_missing: Vec<_> = base_pairs(&posted.client.consumer_key, "1700000000")
        .into_iter()
        .filter(|(name, _)| *name != "oauth_nonce")
        .collect();
    assert_refused(
        h.oauth
            .request_token(&unsigned(&only_nonce_missing).parts()),
        ErrorClass::Input,
        "\"oauth_nonce\" is required. Enter and try again.",
    );
}

fn token_length_is_checked(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let now = h.clock.now().to_string();
    let mut pairs = base_pairs(&posted.client.consumer_key, &now);
    pairs.push(("oauth_token", "too-short"));

    assert_refused(
        h.oauth.request_token(&unsigned(&pairs).parts()),
        ErrorClass::Input,
        "The token length is invalid. Check the length and try again.",
    );
}

fn signature_method_must_be_allowed(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let now = h.clock.now().to_string();
    let mut pairs = base_pairs(&posted.client.consumer_key, &now);
    pairs[1] = ("oauth_signature_method", "HMAC-SHA1");

    assert_refused(
        h.oauth.request_token(&unsigned(&pairs).parts()),
        ErrorClass::Input,
        "Signature method HMAC-SHA1 is not supported",
    );
}

fn consumer_key_length_is_checked(h: &Harness) {
    let now = h.clock.now().to_string();
    let pairs = base_pairs("short-key", &now);

    assert_refused(
        h.oauth.request_token(&unsigned(&pairs).parts()),
        ErrorClass::Input,
        "Consumer key is not the correct length",
    );
}

fn unknown_consumer_is_refused(h: &Harness) {
    activate(h, "Shipping Bridge");
    let stranger = Client::new("0123456789abcdefghijklmnopqrstuv", "whatever");

    assert_refused(
        h.oauth
            .request_token(&stranger.sign_now(h, "POST", REQUEST_URL).parts()),
        ErrorClass::Authentication,
        "A consumer having the specified key does not exist",
    );
    assert_refused(
        h.oauth.access_token(
            &stranger
                .with_token("abcdefghijklmnopqrstuvwxyz012345", "s")
                .with_verifier("abcdefghijklmnopqrstuvwxyz012345")
                .sign_now(h, "POST", ACCESS_URL)
                .parts(),
        ),
        ErrorClass::Authentication,
        "A consumer having the specified key does not exist",
    );
}

fn timestamp_window_holds_on_both_sides(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let now = h.clock.now();
    let text = "Incorrect timestamp value in the oauth_timestamp parameter";

    for outside in [now + 601, now - 601] {
        let request = posted
            .client
            .sign("POST", REQUEST_URL, &fresh_nonce(), outside);
        assert_refused(
            h.oauth.request_token(&request.parts()),
            ErrorClass::Input,
            text,
        );
    }

    // Both edges are inside: the later one is accepted after the earlier one converts.
    let early = posted
        .client
        .sign("POST", REQUEST_URL, &fresh_nonce(), now - 600);
    assert!(h.oauth.request_token(&early.parts()).is_ok());
    let late = posted
        .client
        .sign("POST", REQUEST_URL, &fresh_nonce(), now + 600);
    assert_refused(
        h.oauth.request_token(&late.parts()),
        ErrorClass::Authentication,
        "Cannot create request token because consumer token is not a verifier token",
    );
}

fn consumer_expires_at_the_window_boundary(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");

    h.clock.advance(300);
    assert_refused(
        h.oauth
            .request_token(&posted.client.sign_now(h, "POST", REQUEST_URL).parts()),
        ErrorClass::Authentication,
        "Consumer key has expired",
    );

    h.clock.advance(-1);
    assert!(h
        .oauth
        .request_token(&posted.client.sign_now(h, "POST", REQUEST_URL).parts())
        .is_ok());
}

fn bad_signature_is_refused_without_burning_the_nonce(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let forger = Client::new(&posted.client.consumer_key, "not-the-secret");
    let nonce = fresh_nonce();
    let now = h.clock.now();

    assert_refused(
        h.oauth
            .request_token(&forger.sign("POST", REQUEST_URL, &nonce, now).parts()),
        ErrorClass::Authentication,
        "The signature is invalid. Verify and try again.",
    );

    // The forged request did not record the nonce: the real client can still use it.
    let genuine = posted.client.sign("POST", REQUEST_URL, &nonce, now);
    assert!(h.oauth.request_token(&genuine.parts()).is_ok());
}

fn reused_nonce_is_refused(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let request = posted.client.sign_now(h, "POST", REQUEST_URL);
    h.oauth.request_token(&request.parts()).unwrap();

    assert_replay_refused(h.oauth.request_token(&request.parts()), posted.consumer_id);
}

fn second_request_token_is_refused(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    request_token(h, &posted);

    assert_refused(
        h.oauth
            .request_token(&posted.client.sign_now(h, "POST", REQUEST_URL).parts()),
        ErrorClass::Authentication,
        "Cannot create request token because consumer token is not a verifier token",
    );
}

fn consumer_without_token_is_refused(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    h.store
        .delete_tokens_of_consumer(posted.consumer_id)
        .unwrap();

    assert_refused(
        h.oauth
            .request_token(&posted.client.sign_now(h, "POST", REQUEST_URL).parts()),
        ErrorClass::Authentication,
        &format!(
            "A token with consumer ID {} does not exist",
            posted.consumer_id
        ),
    );
}

fn access_token_activates_the_integration(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let client = with_request_token(h, &posted);
    assert_eq!(
        h.reload(posted.integration_id).status,
        IntegrationStatus::Inactive
    );

    let access = h
        .oauth
        .access_token(&client.sign_now(h, "POST", ACCESS_URL).parts())
        .unwrap();

    let row = h
        .store
        .token_by_consumer(posted.consumer_id)
        .unwrap()
        .unwrap();
    assert_eq!(row.kind, TokenKind::Access);
    assert!(row.authorized);
    assert!(!row.revoked);
    assert_ne!(
        Some(access.token.as_str()),
        client.token.as_ref().map(|t| t.0.as_str())
    );
    assert_eq!(
        h.reload(posted.integration_id).status,
        IntegrationStatus::Active
    );
}

fn access_requires_token_and_verifier(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let now = h.clock.now().to_string();
    let pairs = base_pairs(&posted.client.consumer_key, &now);
    let request = OwnedRequest::new("POST", ACCESS_URL, Some(raw_header(&pairs)));

    assert_refused(
        h.oauth.access_token(&request.parts()),
        ErrorClass::Input,
        "\"oauth_token, oauth_verifier\" is required. Enter and try again.",
    );
}

fn access_token_length_is_checked(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let now = h.clock.now().to_string();
    let mut pairs = base_pairs(&posted.client.consumer_key, &now);
    pairs.push(("oauth_token", "0123456789abcdefghijklmnopqrstuvw"));
    pairs.push(("oauth_verifier", &posted.verifier));
    let request = OwnedRequest::new("POST", ACCESS_URL, Some(raw_header(&pairs)));

    assert_refused(
        h.oauth.access_token(&request.parts()),
        ErrorClass::Input,
        "The token length is invalid. Check the length and try again.",
    );
}

fn access_unknown_token_is_refused(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    request_token(h, &posted);
    let guesser = posted
        .client
        .clone()
        .with_token("abcdefghijklmnopqrstuvwxyz012345", "guess")
        .with_verifier(&posted.verifier);

    assert_refused(
        h.oauth
            .access_token(&guesser.sign_now(h, "POST", ACCESS_URL).parts()),
        ErrorClass::Authentication,
        "Specified token does not exist",
    );
}

fn access_token_of_another_consumer_is_refused(h: &Harness) {
    let first = activate(h, "First App");
    let second = activate(h, "Second App");
    let second_client = with_request_token(h, &second);
    let (token, secret) = second_client.token.clone().unwrap();

    // The first consumer presents the second one's request token.
    let crossed = first
        .client
        .clone()
        .with_token(&token, &secret)
        .with_verifier(&second.verifier);

    assert_refused(
        h.oauth
            .access_token(&crossed.sign_now(h, "POST", ACCESS_URL).parts()),
        ErrorClass::Authentication,
        "Request token is not associated with the specified consumer",
    );
}

fn access_token_already_used_is_refused(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let client = with_request_token(h, &posted);
    let access = h
        .oauth
        .access_token(&client.sign_now(h, "POST", ACCESS_URL).parts())
        .unwrap();

    // The access token presented again as if it were a request token.
    let again = posted
        .client
        .clone()
        .with_token(access.token.as_str(), access.secret.expose())
        .with_verifier(&posted.verifier);
    assert_refused(
        h.oauth
            .access_token(&again.sign_now(h, "POST", ACCESS_URL).parts()),
        ErrorClass::Authentication,
        "Token is already being used",
    );
}

fn verifier_checks(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let client = with_request_token(h, &posted);
    let cases = [
        (
            "0123456789abcdef\t123456789abcdef",
            ErrorClass::Input,
            "Verifier is invalid",
        ),
        (
            "0123456789abcdef 123456789abcdef",
            ErrorClass::Input,
            "Verifier is invalid",
        ),
        (
            "0123456789",
            ErrorClass::Input,
            "Verifier is not the correct length",
        ),
        (
            "0123456789abcdefghijklmnopqrstuv",
            ErrorClass::Authentication,
            "Token verifier and verifier token do not match",
        ),
    ];

    for (verifier, class, text) in cases {
        let request = client
            .clone()
            .with_verifier(verifier)
            .sign_now(h, "POST", ACCESS_URL);
        assert_refused(h.oauth.access_token(&request.parts()), class, text);
    }

    // None of the refusals used the request token up.
    assert!(h
        .oauth
        .access_token(&client.sign_now(h, "POST", ACCESS_URL).parts())
        .is_ok());
}

fn access_signature_uses_the_request_token_secret(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let client = with_request_token(h, &posted);
    let (token, _) = client.token.clone().unwrap();
    let wrong_secret = client.clone().with_token(&token, "not-the-token-secret");

    assert_refused(
        h.oauth
            .access_token(&wrong_secret.sign_now(h, "POST", ACCESS_URL).parts()),
        ErrorClass::Authentication,
        "The signature is invalid. Verify and try again.",
    );
}

fn access_consumer_expiry_applies(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let client = with_request_token(h, &posted);

    h.clock.advance(300);
    assert_refused(
        h.oauth
            .access_token(&client.sign_now(h, "POST", ACCESS_URL).parts()),
        ErrorClass::Authentication,
        "Consumer key has expired",
    );

    h.clock.advance(-1);
    assert!(h
        .oauth
        .access_token(&client.sign_now(h, "POST", ACCESS_URL).parts())
        .is_ok());
}

fn verifier_in_header_and_body_is_accepted(h: &Harness) {
    let posted = activate(h, "Shipping Bridge");
    let client = with_request_token(h, &posted);
    let form = vec![("oauth_verifier".to_owned(), posted.verifier.clone())];

    let request = client.sign_with_form("POST", ACCESS_URL, &form, &fresh_nonce(), h.clock.now());

    assert_eq!(
        request.body,
        format!("oauth_verifier={}", posted.verifier).into_bytes()
    );
    assert!(request
        .authorization
        .as_deref()
        .unwrap()
        .contains("oauth_verifier="));
    assert!(h.oauth.access_token(&request.parts()).is_ok());
}
