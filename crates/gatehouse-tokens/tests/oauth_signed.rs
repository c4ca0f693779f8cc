//! Signed API requests (behaviour.md §5): who the caller is, and every refusal with its words.

// The cases are plain functions that `on_every_store!` wraps in one #[test] per backend;
// clippy exempts only #[test] bodies from `unwrap_used`, so the exemption is given here.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use std::thread;
use std::time::Duration;

use gatehouse_acl::{Principal, ROOT};
use gatehouse_domain::{Clock, ErrorClass, IntegrationStatus, SetupType};
use gatehouse_tokens::integration::ResourceSelection;
use gatehouse_tokens::oauth::{OAuthService, OAuthSettings};

use support::client::{fresh_nonce, raw_header, Client, OwnedRequest, RecordingPoster, API_URL};
use support::{assert_refused, assert_replay_refused, input, Harness};

on_every_store!(
    signed_request_authenticates_the_integration,
    integration_resources_come_with_the_principal,
    oauth_token_is_required,
    unknown_token_is_refused,
    token_of_another_consumer_is_refused,
    request_token_is_not_an_access_token,
    revoked_access_token_is_refused,
    timestamp_window_applies,
    bad_signature_is_refused,
    replayed_request_is_refused,
    inactive_integration_is_a_guest,
    consumer_expiry_does_not_apply_to_api_requests,
    cached_credentials_answer_until_forgotten,
    cached_credentials_expire_after_their_time_to_live,
    a_zero_time_to_live_reads_storage_every_time,
    reauthorizing_stops_a_cached_token_at_once,
    a_new_grant_applies_at_once,
    deleting_the_integration_stops_a_cached_token_at_once,
    cached_credentials_still_check_signature_nonce_and_timestamp,
);

/// An integration activated without endpoint, and a client holding its access token.
fn active_client(h: &Harness, name: &str) -> (gatehouse_domain::Integration, Client) {
    let integration = h.create_integration(name, None);
    let client = Client::activated(h, integration.id);
    (h.reload(integration.id), client)
}

fn signed_request_authenticates_the_integration(h: &Harness) {
    let (integration, client) = active_client(h, "Shipping Bridge");

    let principal = h
        .oauth
        .authenticate_signed(&client.sign_now(h, "GET", API_URL).parts())
        .unwrap();

    assert_eq!(
        principal,
        Principal::Integration {
            integration_id: integration.id,
            resources: vec![ROOT.to_owned()],
            setup_type: SetupType::Manual,
        }
    );
}

fn integration_resources_come_with_the_principal(h: &Harness) {
    let created = h
        .integrations
        .create(input(
            "Reporting",
            None,
            ResourceSelection::Only(vec!["Magento_Sales::sales".to_owned()]),
        ))
        .unwrap();
    let client = Client::activated(h, created.id);

    let principal = h
        .oauth
        .authenticate_signed(&client.sign_now(h, "GET", API_URL).parts())
        .unwrap();

    assert_eq!(
        principal,
        Principal::Integration {
            integration_id: created.id,
            resources: vec!["Magento_Sales::sales".to_owned()],
            setup_type: SetupType::Manual,
        }
    );
}

fn oauth_token_is_required(h: &Harness) {
    let (_, client) = active_client(h, "Shipping Bridge");
    let now = h.clock.now().to_string();
    let nonce = fresh_nonce();
    let pairs = [
        ("oauth_consumer_key", client.consumer_key.as_str()),
        ("oauth_signature_method", "HMAC-SHA256"),
        ("oauth_signature", "c2lnbmF0dXJl"),
        ("oauth_nonce", nonce.as_str()),
        ("oauth_timestamp", now.as_str()),
    ];
    let request = OwnedRequest::new("GET", API_URL, Some(raw_header(&pairs)));

    assert_refused(
        h.oauth.authenticate_signed(&request.parts()),
        ErrorClass::Input,
        "\"oauth_token\" is required. Enter and try again.",
    );
}

fn unknown_token_is_refused(h: &Harness) {
    let (_, client) = active_client(h, "Shipping Bridge");
    let guesser = client.with_token("abcdefghijklmnopqrstuvwxyz012345", "guess");

    assert_refused(
        h.oauth
            .authenticate_signed(&guesser.sign_now(h, "GET", API_URL).parts()),
        ErrorClass::Authentication,
        "Specified token does not exist",
    );
}

fn token_of_another_consumer_is_refused(h: &Harness) {
    let (_, first) = active_client(h, "First App");
    let (_, second) = active_client(h, "Second App");
    let (token, secret) = second.token.clone().unwrap();
    let crossed = first.with_token(&token, &secret);

    assert_refused(
        h.oauth
            .authenticate_signed(&crossed.sign_now(h, "GET", API_URL).parts()),
        ErrorClass::Authentication,
        "Token is not associated with the specified consumer",
    );
}

fn request_token_is_not_an_access_token(h: &Harness) {
    let integration = h.create_integration("Shipping Bridge", Some("https://app.example/hook"));
    let poster = RecordingPoster::default();
    h.integrations
        .activate(integration.id, &poster, "http://shop/")
        .unwrap();
    let client = Client::new(
        &poster.last_field("oauth_consumer_key"),
        &poster.last_field("oauth_consumer_secret"),
    );
    let pair = h
        .oauth
        .request_token(
            &client
                .sign_now(h, "POST", "http://shop.example.com/oauth/token/request")
                .parts(),
        )
        .unwrap();
    let with_request_token = client.with_token(pair.token.as_str(), pair.secret.expose());

    assert_refused(
        h.oauth
            .authenticate_signed(&with_request_token.sign_now(h, "GET", API_URL).parts()),
        ErrorClass::Authentication,
        "Token is not an access token",
    );
}

fn revoked_access_token_is_refused(h: &Harness) {
    let (integration, client) = active_client(h, "Shipping Bridge");
    let row = h
        .store
        .token_by_consumer(integration.consumer_id.unwrap())
        .unwrap()
        .unwrap();
    h.store.revoke_token_row(row.id).unwrap();

    assert_refused(
        h.oauth
            .authenticate_signed(&client.sign_now(h, "GET", API_URL).parts()),
        ErrorClass::Authentication,
        "Access token has been revoked",
    );
}

fn timestamp_window_applies(h: &Harness) {
    let (_, client) = active_client(h, "Shipping Bridge");
    let now = h.clock.now();

    for outside in [now - 601, now + 601] {
        let request = client.sign("GET", API_URL, &fresh_nonce(), outside);
        assert_refused(
            h.oauth.authenticate_signed(&request.parts()),
            ErrorClass::Input,
            "Incorrect timestamp value in the oauth_timestamp parameter",
        );
    }
    for inside in [now - 600, now + 600] {
        let request = client.sign("GET", API_URL, &fresh_nonce(), inside);
        assert!(h.oauth.authenticate_signed(&request.parts()).is_ok());
    }
}

fn bad_signature_is_refused(h: &Harness) {
    let (_, client) = active_client(h, "Shipping Bridge");
    let (token, _) = client.token.clone().unwrap();
    let forger = client.clone().with_token(&token, "not-the-secret");
    let nonce = fresh_nonce();
    let now = h.clock.now();

    assert_refused(
        h.oauth
            .authenticate_signed(&forger.sign("GET", API_URL, &nonce, now).parts()),
        ErrorClass::Authentication,
        "The signature is invalid. Verify and try again.",
    );
    // The nonce of the forged request is still free.
    assert!(h
        .oauth
        .authenticate_signed(&client.sign("GET", API_URL, &nonce, now).parts())
        .is_ok());
}

fn replayed_request_is_refused(h: &Harness) {
    let (integration, client) = active_client(h, "Shipping Bridge");
    let request = client.sign_now(h, "GET", API_URL);
    h.oauth.authenticate_signed(&request.parts()).unwrap();

    assert_replay_refused(
        h.oauth.authenticate_signed(&request.parts()),
        integration.consumer_id.unwrap(),
    );
}

fn inactive_integration_is_a_guest(h: &Harness) {
    let (integration, client) = active_client(h, "Shipping Bridge");
    let mut inactive = integration.clone();
    inactive.status = IntegrationStatus::Inactive;
    h.store.update_integration(&inactive).unwrap();

    let principal = h
        .oauth
        .authenticate_signed(&client.sign_now(h, "GET", API_URL).parts())
        .unwrap();

    assert_eq!(principal, Principal::Guest);
}

fn consumer_expiry_does_not_apply_to_api_requests(h: &Harness) {
    let (integration, client) = active_client(h, "Shipping Bridge");
    h.clock.advance(30 * 24 * 3_600);

    let principal = h
        .oauth
        .authenticate_signed(&client.sign_now(h, "GET", API_URL).parts())
        .unwrap();

    assert_eq!(principal.user_id(), Some(integration.id.0));
}

/// An OAuth service over the harness's store whose credential cache keeps entries for `ttl`.
fn service_with_cache(h: &Harness, ttl: Duration) -> OAuthService {
    let settings = OAuthSettings {
        credential_cache_ttl: ttl,
        ..OAuthSettings::default()
    };
    OAuthService::new(h.ctx.clone(), settings)
}

/// Makes the integration Inactive behind the services' back, as another replica would.
fn deactivate_in_storage(h: &Harness, integration: &gatehouse_domain::Integration) {
    let mut inactive = integration.clone();
    inactive.status = IntegrationStatus::Inactive;
    h.store.update_integration(&inactive).unwrap();
}

fn cached_credentials_answer_until_forgotten(h: &Harness) {
    let (integration, client) = active_client(h, "Shipping Bridge");
    let call = || {
        h.oauth
            .authenticate_signed(&client.sign_now(h, "GET", API_URL).parts())
    };
    assert_eq!(call().unwrap().user_id(), Some(integration.id.0));

    // A write the services did not make is not seen while the entry is fresh…
    deactivate_in_storage(h, &integration);
    assert_eq!(call().unwrap().user_id(), Some(integration.id.0));

    // …and is once the cache is told.
    h.oauth.forget_cached_credentials();
    assert_eq!(call().unwrap(), Principal::Guest);
}

fn cached_credentials_expire_after_their_time_to_live(h: &Harness) {
    let (integration, client) = active_client(h, "Shipping Bridge");
    let oauth = service_with_cache(h, Duration::from_millis(300));
    let call = || oauth.authenticate_signed(&client.sign_now(h, "GET", API_URL).parts());
    assert_eq!(call().unwrap().user_id(), Some(integration.id.0));
    deactivate_in_storage(h, &integration);

    thread::sleep(Duration::from_millis(400));
    assert_eq!(call().unwrap(), Principal::Guest);
}

fn a_zero_time_to_live_reads_storage_every_time(h: &Harness) {
    let (integration, client) = active_client(h, "Shipping Bridge");
    let oauth = service_with_cache(h, Duration::ZERO);
    let call = || oauth.authenticate_signed(&client.sign_now(h, "GET", API_URL).parts());
    assert_eq!(call().unwrap().user_id(), Some(integration.id.0));

    deactivate_in_storage(h, &integration);
    assert_eq!(call().unwrap(), Principal::Guest);
}

fn reauthorizing_stops_a_cached_token_at_once(h: &Harness) {
    let (integration, client) = active_client(h, "Shipping Bridge");
    let call = || {
        h.oauth
            .authenticate_signed(&client.sign_now(h, "GET", API_URL).parts())
    };
    call().unwrap();

    h.integrations
        .reauthorize(integration.id, &RecordingPoster::default(), "http://shop/")
        .unwrap();

    assert_refused(
        call(),
        ErrorClass::Authentication,
        "Specified token does not exist",
    );
}

fn a_new_grant_applies_at_once(h: &Harness) {
    let (integration, client) = active_client(h, "Shipping Bridge");
    let call = || {
        h.oauth
            .authenticate_signed(&client.sign_now(h, "GET", API_URL).parts())
    };
    call().unwrap();

    let narrower = ResourceSelection::Only(vec!["Magento_Sales::sales".to_owned()]);
    h.integrations
        .update(integration.id, input(&integration.name, None, narrower))
        .unwrap();

    assert_eq!(
        call().unwrap(),
        Principal::Integration {
            integration_id: integration.id,
            resources: vec!["Magento_Sales::sales".to_owned()],
            setup_type: SetupType::Manual,
        }
    );
}

fn deleting_the_integration_stops_a_cached_token_at_once(h: &Harness) {
    let (integration, client) = active_client(h, "Shipping Bridge");
    let call = || {
        h.oauth
            .authenticate_signed(&client.sign_now(h, "GET", API_URL).parts())
    };
    call().unwrap();

    h.integrations.delete(integration.id).unwrap();

    assert_refused(
        call(),
        ErrorClass::Authentication,
        "A consumer having the specified key does not exist",
    );
}

fn cached_credentials_still_check_signature_nonce_and_timestamp(h: &Harness) {
    let (integration, client) = active_client(h, "Shipping Bridge");
    let request = client.sign_now(h, "GET", API_URL);
    h.oauth.authenticate_signed(&request.parts()).unwrap();

    // The same request again: the cache answers the look-ups, the nonce store refuses it.
    assert_replay_refused(
        h.oauth.authenticate_signed(&request.parts()),
        integration.consumer_id.unwrap(),
    );

    let (token, _) = client.token.clone().unwrap();
    let forger = client.clone().with_token(&token, "not-the-secret");
    assert_refused(
        h.oauth
            .authenticate_signed(&forger.sign_now(h, "GET", API_URL).parts()),
        ErrorClass::Authentication,
        "The signature is invalid. Verify and try again.",
    );

    let stale = client.sign("GET", API_URL, &fresh_nonce(), h.clock.now() - 601);
    assert_refused(
        h.oauth.authenticate_signed(&stale.parts()),
        ErrorClass::Input,
        "Incorrect timestamp value in the oauth_timestamp parameter",
    );
}
