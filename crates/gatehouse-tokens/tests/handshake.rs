//! The whole OAuth 1.0a handshake through the services, with the credentials posted over real
//! HTTP to an endpoint stand-in, as a third-party application experiences it; plus activation
//! without endpoint, reauthorization, and what is stored at rest.

// The cases are plain functions that `on_every_store!` wraps in one #[test] per backend;
// clippy exempts only #[test] bodies from `unwrap_used`, so the exemption is given here.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use gatehouse_acl::{Principal, ROOT};
use gatehouse_domain::{ErrorClass, IntegrationStatus, SetupType, Token, TokenKind};
use gatehouse_tokens::integration::Activation;
use gatehouse_tokens::oauth::TokenPair;
use gatehouse_tokens::TokensError;

use support::client::{Client, ACCESS_URL, API_URL, REQUEST_URL};
use support::http::{Behaviour, EndpointStandIn, TcpPoster};
use support::{assert_refused, assert_replay_refused, Harness};

on_every_store!(
    full_handshake_over_http,
    handshake_refusals_use_the_reference_words,
    posting_to_a_silent_endpoint_times_out,
    posting_to_a_closed_port_fails,
    activation_without_endpoint_gives_working_credentials,
    reauthorize_keeps_the_key_and_invalidates_the_old_token,
    reactivation_posts_a_fresh_verifier,
    secrets_are_not_stored_in_clear,
);

const STORE_BASE_URL: &str = "http://shop.example.com/";

/// What the stand-in received, as the third party reads it.
struct Credentials {
    consumer_key: String,
    consumer_secret: String,
    verifier: String,
}

fn post_activation(
    h: &Harness,
    endpoint: &EndpointStandIn,
    name: &str,
) -> (Activation, Credentials) {
    let integration = h.create_integration(name, Some(&endpoint.url("/gatehouse/activate")));
    let poster = TcpPoster::new(Duration::from_secs(5));
    let before = endpoint.received().len();

    let activation = h
        .integrations
        .activate(integration.id, &poster, STORE_BASE_URL)
        .expect("the credentials are posted");

    let received = endpoint.wait_for(before + 1, Duration::from_secs(5));
    let post = received
        .last()
        .expect("the endpoint received a post")
        .clone();
    let field = |name: &str| post.field(name).unwrap_or_default().to_owned();
    (
        activation,
        Credentials {
            consumer_key: field("oauth_consumer_key"),
            consumer_secret: field("oauth_consumer_secret"),
            verifier: field("oauth_verifier"),
        },
    )
}

fn exchange(h: &Harness, credentials: &Credentials) -> (TokenPair, TokenPair) {
    let client = Client::new(&credentials.consumer_key, &credentials.consumer_secret);
    let request = h
        .oauth
        .request_token(&client.sign_now(h, "POST", REQUEST_URL).parts())
        .expect("request token");
    let access = h
        .oauth
        .access_token(
            &client
                .with_token(request.token.as_str(), request.secret.expose())
                .with_verifier(&credentials.verifier)
                .sign_now(h, "POST", ACCESS_URL)
                .parts(),
        )
        .expect("access token");
    (request, access)
}

fn api_client(credentials: &Credentials, access: &TokenPair) -> Client {
    Client::new(&credentials.consumer_key, &credentials.consumer_secret)
        .with_token(access.token.as_str(), access.secret.expose())
}

fn full_handshake_over_http(h: &Harness) {
    let endpoint = EndpointStandIn::start();

    // Activation posts the credentials to the endpoint, form-encoded.
    let (activation, credentials) = post_activation(h, &endpoint, "Shipping Bridge");
    let post = endpoint.received().pop().unwrap();
    assert_eq!(post.method, "POST");
    assert_eq!(post.target, "/gatehouse/activate");
    assert_eq!(
        post.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let names: Vec<&str> = post.form.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "oauth_consumer_key",
            "oauth_consumer_secret",
            "store_base_url",
            "oauth_verifier"
        ]
    );
    assert_eq!(post.field("store_base_url"), Some(STORE_BASE_URL));
    assert_eq!(credentials.consumer_secret.len(), 32);
    assert_eq!(credentials.verifier.len(), 32);
    let Activation::Posted {
        consumer_key,
        identity_link_url,
    } = activation
    else {
        panic!("with an endpoint the credentials are posted");
    };
    assert_eq!(consumer_key.as_str(), credentials.consumer_key);
    assert_eq!(identity_link_url, None);

    // The third party exchanges them for an access token, within the window.
    h.clock.advance(10);
    let (_, access) = exchange(h, &credentials);
    let integration = h
        .integrations
        .find_by_name("Shipping Bridge")
        .unwrap()
        .unwrap();
    assert_eq!(integration.status, IntegrationStatus::Active);

    // And signs API requests with it.
    h.clock.advance(3_600);
    let api = api_client(&credentials, &access);
    let request = api.sign_now(h, "GET", API_URL);
    assert_eq!(
        h.oauth.authenticate_signed(&request.parts()).unwrap(),
        Principal::Integration {
            integration_id: integration.id,
            resources: vec![ROOT.to_owned()],
            setup_type: SetupType::Manual,
        }
    );

    // A replay of that request is refused.
    assert_replay_refused(
        h.oauth.authenticate_signed(&request.parts()),
        integration.consumer_id.unwrap(),
    );
}

fn handshake_refusals_use_the_reference_words(h: &Harness) {
    let endpoint = EndpointStandIn::start();
    let (_, credentials) = post_activation(h, &endpoint, "Shipping Bridge");
    let (_, other) = post_activation(h, &endpoint, "Other App");
    let client = Client::new(&credentials.consumer_key, &credentials.consumer_secret);
    let request = h
        .oauth
        .request_token(&client.sign_now(h, "POST", REQUEST_URL).parts())
        .unwrap();
    let holder = client.with_token(request.token.as_str(), request.secret.expose());

    // A replayed request-token call.
    let replay =
        Client::new(&other.consumer_key, &other.consumer_secret).sign_now(h, "POST", REQUEST_URL);
    h.oauth.request_token(&replay.parts()).unwrap();
    let other_key = gatehouse_domain::ConsumerKey::parse(&other.consumer_key).unwrap();
    let other_id = h.store.consumer_by_key(&other_key).unwrap().unwrap().id;
    assert_replay_refused(h.oauth.request_token(&replay.parts()), other_id);

    // The wrong verifier: the other integration's.
    assert_refused(
        h.oauth.access_token(
            &holder
                .clone()
                .with_verifier(&other.verifier)
                .sign_now(h, "POST", ACCESS_URL)
                .parts(),
        ),
        ErrorClass::Authentication,
        "Token verifier and verifier token do not match",
    );

    // The wrong consumer: the other one presenting this request token.
    assert_refused(
        h.oauth.access_token(
            &Client::new(&other.consumer_key, &other.consumer_secret)
                .with_token(request.token.as_str(), request.secret.expose())
                .with_verifier(&credentials.verifier)
                .sign_now(h, "POST", ACCESS_URL)
                .parts(),
        ),
        ErrorClass::Authentication,
        "Request token is not associated with the specified consumer",
    );

    // The window closes 300 s after activation.
    h.clock.advance(300);
    assert_refused(
        h.oauth.access_token(
            &holder
                .with_verifier(&credentials.verifier)
                .sign_now(h, "POST", ACCESS_URL)
                .parts(),
        ),
        ErrorClass::Authentication,
        "Consumer key has expired",
    );
}

fn posting_to_a_silent_endpoint_times_out(h: &Harness) {
    let endpoint = EndpointStandIn::start_with(Behaviour::Hang);
    let integration = h.create_integration("Shipping Bridge", Some(&endpoint.url("/hook")));
    let poster = TcpPoster::new(Duration::from_millis(300));
    let started = Instant::now();

    let result = h
        .integrations
        .activate(integration.id, &poster, STORE_BASE_URL);

    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the post gave up"
    );
    assert!(matches!(&result, Err(TokensError::EndpointPost(_))));
    assert_refused(
        result,
        ErrorClass::Unavailable,
        "The attempt to post data to consumer failed due to an unexpected error. \
         Please try again later.",
    );
    assert_eq!(endpoint.wait_for(1, Duration::from_secs(2)).len(), 1);
}

fn posting_to_a_closed_port_fails(h: &Harness) {
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let integration = h.create_integration("Shipping Bridge", Some(&format!("http://{closed}/x")));

    let result = h.integrations.activate(
        integration.id,
        &TcpPoster::new(Duration::from_secs(2)),
        STORE_BASE_URL,
    );

    assert!(matches!(result, Err(TokensError::EndpointPost(_))));
}

fn activation_without_endpoint_gives_working_credentials(h: &Harness) {
    let integration = h.create_integration("Shipping Bridge", None);

    let Activation::Activated {
        consumer_key,
        consumer_secret,
        access_token,
        access_token_secret,
    } = h
        .integrations
        .activate(
            integration.id,
            &TcpPoster::new(Duration::from_secs(1)),
            STORE_BASE_URL,
        )
        .unwrap()
    else {
        panic!("without an endpoint the credentials are answered");
    };

    assert_eq!(h.reload(integration.id).status, IntegrationStatus::Active);
    let row = h
        .store
        .token_by_consumer(integration.consumer_id.unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(row.kind, TokenKind::Access);
    let client = Client::new(consumer_key.as_str(), consumer_secret.expose())
        .with_token(access_token.as_str(), access_token_secret.expose());
    let principal = h
        .oauth
        .authenticate_signed(&client.sign_now(h, "GET", API_URL).parts())
        .unwrap();
    assert_eq!(principal.user_id(), Some(integration.id.0));
}

fn reauthorize_keeps_the_key_and_invalidates_the_old_token(h: &Harness) {
    let integration = h.create_integration("Shipping Bridge", None);
    let poster = TcpPoster::new(Duration::from_secs(1));
    let first = h
        .integrations
        .activate(integration.id, &poster, STORE_BASE_URL)
        .unwrap();
    let second = h
        .integrations
        .reauthorize(integration.id, &poster, STORE_BASE_URL)
        .unwrap();
    let (
        Activation::Activated {
            consumer_key: first_key,
            consumer_secret: first_secret,
            access_token: first_token,
            access_token_secret: first_token_secret,
        },
        Activation::Activated {
            consumer_key: second_key,
            consumer_secret: second_secret,
            access_token: second_token,
            access_token_secret: second_token_secret,
        },
    ) = (first, second)
    else {
        panic!("both answered credentials");
    };

    assert_eq!(first_key, second_key);
    assert_eq!(first_secret, second_secret);
    assert_ne!(first_token, second_token);
    let old = Client::new(first_key.as_str(), first_secret.expose())
        .with_token(first_token.as_str(), first_token_secret.expose());
    assert_refused(
        h.oauth
            .authenticate_signed(&old.sign_now(h, "GET", API_URL).parts()),
        ErrorClass::Authentication,
        "Specified token does not exist",
    );
    let new = Client::new(second_key.as_str(), second_secret.expose())
        .with_token(second_token.as_str(), second_token_secret.expose());
    assert!(h
        .oauth
        .authenticate_signed(&new.sign_now(h, "GET", API_URL).parts())
        .is_ok());
    assert_eq!(h.reload(integration.id).status, IntegrationStatus::Active);
}

fn reactivation_posts_a_fresh_verifier(h: &Harness) {
    let endpoint = EndpointStandIn::start();
    let (_, first) = post_activation(h, &endpoint, "Shipping Bridge");
    let integration = h
        .integrations
        .find_by_name("Shipping Bridge")
        .unwrap()
        .unwrap();

    // Activated again before the exchange (the admin pressed the button twice).
    h.clock.advance(200);
    h.integrations
        .activate(
            integration.id,
            &TcpPoster::new(Duration::from_secs(5)),
            STORE_BASE_URL,
        )
        .unwrap();
    let post = endpoint.wait_for(2, Duration::from_secs(5)).pop().unwrap();
    let second = Credentials {
        consumer_key: post.field("oauth_consumer_key").unwrap().to_owned(),
        consumer_secret: post.field("oauth_consumer_secret").unwrap().to_owned(),
        verifier: post.field("oauth_verifier").unwrap().to_owned(),
    };

    assert_eq!(second.consumer_key, first.consumer_key);
    assert_ne!(second.verifier, first.verifier);
    // The window restarted with the second activation: 200 s later it is still open.
    h.clock.advance(200);
    let (_, access) = exchange(h, &second);
    assert!(h
        .oauth
        .authenticate_signed(
            &api_client(&second, &access)
                .sign_now(h, "GET", API_URL)
                .parts()
        )
        .is_ok());
}

/// Every stored form of `row`'s credentials, as bytes.
fn stored_bytes(row: &Token) -> Vec<Vec<u8>> {
    let mut stored = vec![
        row.token_digest.as_hex().as_bytes().to_vec(),
        row.sealed_secret.as_bytes().to_vec(),
        row.callback_url.as_bytes().to_vec(),
    ];
    if let Some(verifier) = &row.verifier_digest {
        stored.push(verifier.as_hex().as_bytes().to_vec());
    }
    stored
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

fn secrets_are_not_stored_in_clear(h: &Harness) {
    let endpoint = EndpointStandIn::start();
    let (_, credentials) = post_activation(h, &endpoint, "Shipping Bridge");
    let integration = h
        .integrations
        .find_by_name("Shipping Bridge")
        .unwrap()
        .unwrap();
    let consumer_id = integration.consumer_id.unwrap();
    let verifier_row = h.store.token_by_consumer(consumer_id).unwrap().unwrap();
    let (request, access) = exchange(h, &credentials);
    let access_row = h.store.token_by_consumer(consumer_id).unwrap().unwrap();
    let consumer = h.store.consumer_by_id(consumer_id).unwrap().unwrap();

    let mut stored = stored_bytes(&verifier_row);
    stored.extend(stored_bytes(&access_row));
    stored.push(consumer.sealed_secret.as_bytes().to_vec());
    stored.push(consumer.name.as_bytes().to_vec());
    let found = |digest: &str| {
        h.store
            .token_by_digest(&gatehouse_domain::Digest::from_hex(digest))
    };

    let clear_values = [
        credentials.consumer_secret.as_str(),
        credentials.verifier.as_str(),
        request.token.as_str(),
        request.secret.expose(),
        access.token.as_str(),
        access.secret.expose(),
    ];
    for value in clear_values {
        assert!(
            stored.iter().all(|bytes| !contains(bytes, value)),
            "a credential is stored in clear"
        );
        // Nor can a row be found by the clear value.
        assert_eq!(found(value).unwrap(), None);
    }
    assert_ne!(
        consumer.sealed_secret.as_bytes(),
        credentials.consumer_secret.as_bytes()
    );
}
