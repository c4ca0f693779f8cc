//! The HTTP API end to end: the real server on port 0 over a fresh SQLite file and a fresh
//! PostgreSQL database, driven by a plain HTTP client and an OAuth 1.0a client built on the
//! `oauth1-request` crate. Each scenario runs on both backends.

// The scenarios are plain functions called by the generated tests; a failed step panics.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::{json, Value};

use gatehouse_domain::ConsumerKey;
use gatehouse_tokens::users::SIGN_IN_FAILED;

use support::{
    credential, Backend, EndpointStandIn, OAuthClient, Signing, TestApp, TestOptions, BODY_LIMIT,
};

on_every_backend!(
    activation_handshake_and_signed_calls,
    token_endpoint_refusals,
    signed_request_refusals,
    admin_and_customer_tokens,
    managing_integrations,
    bad_input,
    operations,
);

const INTEGRATIONS: &str = "Magento_Integration::integrations";

fn acl_refusal(resource: &str) -> Value {
    json!({
        "message": "The consumer isn't authorized to access %resources.",
        "parameters": {"resources": resource}
    })
}

/// Creates an integration through the API and returns its JSON.
async fn create_integration(app: &TestApp, admin: &str, body: Value) -> Value {
    let reply = app
        .json("POST", "/rest/V1/integrations", Some(admin), &body)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

/// An integration with an endpoint, activated: its consumer client and verifier as posted.
struct Activated {
    id: i64,
    consumer: OAuthClient,
    verifier: String,
}

async fn activate_with_endpoint(
    app: &TestApp,
    admin: &str,
    endpoint: &EndpointStandIn,
    name: &str,
) -> Activated {
    let created = create_integration(
        app,
        admin,
        json!({"name": name, "email": "dev@example.com", "endpoint": endpoint.url,
               "resources": [INTEGRATIONS]}),
    )
    .await;
    let id = created["id"].as_i64().unwrap();

    let before = endpoint.received().len();
    let path = format!("/rest/V1/integrations/{id}/activate");
    let reply = app.json("POST", &path, Some(admin), &json!({})).await;
    reply.assert_json(
        200,
        json!({"consumer_key": created["consumer_key"], "identity_link_url": null}),
    );

    let posted = endpoint.received();
    assert_eq!(posted.len(), before + 1, "the endpoint got one POST");
    let form = &posted[before];
    assert_eq!(
        form["oauth_consumer_key"],
        created["consumer_key"].as_str().unwrap()
    );
    assert_eq!(form["store_base_url"], format!("{}/", app.base_url));
    Activated {
        id,
        consumer: OAuthClient::new(
            credential(form, "oauth_consumer_key"),
            credential(form, "oauth_consumer_secret"),
        ),
        verifier: credential(form, "oauth_verifier").to_owned(),
    }
}

/// Runs the request-token step and returns the client holding the request token.
async fn request_token(app: &TestApp, consumer: &OAuthClient) -> OAuthClient {
    let reply = consumer
        .send(
            app,
            "POST",
            "/oauth/token/request",
            &[],
            &Signing::default(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply
        .content_type
        .starts_with("application/x-www-form-urlencoded"));
    let form = reply.form();
    consumer.with_token(
        credential(&form, "oauth_token"),
        credential(&form, "oauth_token_secret"),
    )
}

/// Runs the access-token step and returns the client holding the access token.
async fn access_token(app: &TestApp, holder: &OAuthClient, verifier: &str) -> OAuthClient {
    let signing = Signing {
        verifier: Some(verifier),
        ..Signing::default()
    };
    let reply = holder
        .send(app, "POST", "/oauth/token/access", &[], &signing)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let form = reply.form();
    holder.with_token(
        credential(&form, "oauth_token"),
        credential(&form, "oauth_token_secret"),
    )
}

async fn activation_handshake_and_signed_calls(app: TestApp) {
    let admin_id = app.create_admin();
    let admin = app.admin_token().await;
    assert!(admin.starts_with("eyJ"), "{admin}");
    let endpoint = EndpointStandIn::start();

    // Activation posts the credentials to the endpoint.
    let activated = activate_with_endpoint(&app, &admin, &endpoint, "Shop sync").await;
    let id = activated.id;

    // The third party runs the two token steps; some clients send the verifier in the header
    // and in the form body, which is accepted.
    let holder = request_token(&app, &activated.consumer).await;
    let signing = Signing {
        verifier: Some(&activated.verifier),
        ..Signing::default()
    };
    let reply = holder
        .send(
            &app,
            "POST",
            "/oauth/token/access",
            &[("oauth_verifier", &activated.verifier)],
            &signing,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let form = reply.form();
    let integration = holder.with_token(
        credential(&form, "oauth_token"),
        credential(&form, "oauth_token_secret"),
    );

    // The integration is now Active.
    let path = format!("/rest/V1/integrations/{id}");
    let reply = app.json("GET", &path, Some(&admin), &json!({})).await;
    assert_eq!(reply.json()["status"], 1);

    // Signed GET and signed POST with a form body.
    let whoami = json!({"user_type": 1, "user_id": id, "resources": [INTEGRATIONS]});
    let reply = integration
        .send(
            &app,
            "GET",
            "/rest/V1/integration/self",
            &[],
            &Signing::default(),
        )
        .await;
    reply.assert_json(200, whoami.clone());
    let reply = integration
        .send(
            &app,
            "POST",
            "/rest/V1/integration/self",
            &[("note", "a b&c=d ü"), ("page", "2")],
            &Signing::default(),
        )
        .await;
    reply.assert_json(200, whoami.clone());

    // The same route under a store code.
    let reply = integration
        .send(
            &app,
            "GET",
            "/rest/default/V1/integration/self",
            &[],
            &Signing::default(),
        )
        .await;
    reply.assert_json(200, whoami);

    // The integration's grant covers the management routes.
    let reply = integration
        .send(
            &app,
            "GET",
            "/rest/V1/integrations",
            &[],
            &Signing::default(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()[0]["name"], "Shop sync");

    // A JSON body of a signed request reaches the handler whole (it is not a signature
    // parameter, but the signature check reads it first).
    let reply = integration
        .send_json(
            &app,
            "POST",
            "/rest/V1/integrations",
            &json!({"name": "Made by an integration", "email": "m@example.com"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["name"], "Made by an integration");

    // An admin bearer token is an admin.
    let reply = app
        .json("GET", "/rest/V1/integration/self", Some(&admin), &json!({}))
        .await;
    reply.assert_json(
        200,
        json!({"user_type": 2, "user_id": admin_id, "resources": ["Magento_Backend::all"]}),
    );

    // A body changed after signing fails the signature.
    let header = integration.authorization(
        "POST",
        &app.url("/rest/V1/integration/self"),
        &[("page", "2")],
        &Signing::default(),
    );
    let reply = app
        .send(
            "POST",
            "/rest/V1/integration/self",
            &[
                ("authorization", &header),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            "page=3",
        )
        .await;
    reply.assert_json(
        401,
        json!({"message": "The signature is invalid. Verify and try again."}),
    );
}

async fn token_endpoint_refusals(app: TestApp) {
    app.create_admin();
    let admin = app.admin_token().await;
    let endpoint = EndpointStandIn::start();
    let first = activate_with_endpoint(&app, &admin, &endpoint, "First").await;
    let second = activate_with_endpoint(&app, &admin, &endpoint, "Second").await;
    let consumer = &first.consumer;
    let request_url = app.url("/oauth/token/request");

    // Missing parameters, all named at once.
    let reply = app.send("POST", "/oauth/token/request", &[], "").await;
    reply.assert_oauth_problem(
        400,
        "\"oauth_consumer_key, oauth_signature, oauth_signature_method, oauth_nonce, \
         oauth_timestamp\" is required. Enter and try again.",
    );
    let reply = app.send("GET", "/oauth/token/access", &[], "").await;
    reply.assert_oauth_problem(
        400,
        "\"oauth_consumer_key, oauth_signature, oauth_signature_method, oauth_nonce, \
         oauth_timestamp, oauth_token, oauth_verifier\" is required. Enter and try again.",
    );

    // An unsupported version.
    let header = consumer
        .authorization("POST", &request_url, &[], &Signing::default())
        .replacen("OAuth ", "OAuth oauth_version=\"2.0\",", 1);
    let reply = app
        .send(
            "POST",
            "/oauth/token/request",
            &[("authorization", &header)],
            "",
        )
        .await;
    reply.assert_oauth_problem(400, "The \"2.0\" Oauth version isn't supported.");

    // A signature method that is not allowed.
    let header = oauth1_request::Builder::<_, &str, &str>::new(
        oauth1_request::Credentials::new(
            consumer.consumer_key.as_str(),
            consumer.consumer_secret.as_str(),
        ),
        oauth1_request::HMAC_SHA1,
    )
    .post(&request_url, &());
    let reply = app
        .send(
            "POST",
            "/oauth/token/request",
            &[("authorization", &header)],
            "",
        )
        .await;
    reply.assert_oauth_problem(400, "Signature method HMAC-SHA1 is not supported");

    // A token of the wrong length.
    let signing = Signing {
        verifier: Some(&first.verifier),
        ..Signing::default()
    };
    let reply = consumer
        .with_token("short", "secret")
        .send(&app, "POST", "/oauth/token/access", &[], &signing)
        .await;
    reply.assert_oauth_problem(
        400,
        "The token length is invalid. Check the length and try again.",
    );

    // Unknown consumers.
    let reply = OAuthClient::new("0123456789abcdefghijklmnopqrstuv", "secret")
        .send(
            &app,
            "POST",
            "/oauth/token/request",
            &[],
            &Signing::default(),
        )
        .await;
    reply.assert_oauth_problem(401, "A consumer having the specified key does not exist");
    let reply = OAuthClient::new("short", "secret")
        .send(
            &app,
            "POST",
            "/oauth/token/request",
            &[],
            &Signing::default(),
        )
        .await;
    reply.assert_oauth_problem(400, "Consumer key is not the correct length");

    // A timestamp too far in the future.
    let future = Signing {
        timestamp: Some(u64::try_from(app.clock_now() + 1_000).unwrap()),
        ..Signing::default()
    };
    let reply = consumer
        .send(&app, "POST", "/oauth/token/request", &[], &future)
        .await;
    reply.assert_oauth_problem(
        400,
        "Incorrect timestamp value in the oauth_timestamp parameter",
    );

    // A wrong consumer secret.
    let reply = OAuthClient::new(&consumer.consumer_key, "not-the-secret")
        .send(
            &app,
            "POST",
            "/oauth/token/request",
            &[],
            &Signing::default(),
        )
        .await;
    reply.assert_oauth_problem(401, "The signature is invalid. Verify and try again.");

    // A nonce used twice by the same consumer.
    let fixed_nonce = Signing {
        nonce: Some("used-once-only"),
        ..Signing::default()
    };
    let reply = consumer
        .send(&app, "POST", "/oauth/token/request", &[], &fixed_nonce)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let form = reply.form();
    let holder = consumer.with_token(
        credential(&form, "oauth_token"),
        credential(&form, "oauth_token_secret"),
    );
    let replayed = Signing {
        nonce: Some("used-once-only"),
        verifier: Some(&first.verifier),
        ..Signing::default()
    };
    let reply = holder
        .send(&app, "POST", "/oauth/token/access", &[], &replayed)
        .await;
    let consumer_id = app
        .store
        .consumer_by_key(&ConsumerKey::parse(&consumer.consumer_key).unwrap())
        .unwrap()
        .unwrap()
        .id;
    reply.assert_oauth_problem(
        401,
        &format!("The nonce is already being used by the consumer with ID {consumer_id}"),
    );

    // Verifier errors.
    let wrong_verifier = Signing {
        verifier: Some("0123456789abcdefghijklmnopqrstuv"),
        ..Signing::default()
    };
    let reply = holder
        .send(&app, "POST", "/oauth/token/access", &[], &wrong_verifier)
        .await;
    reply.assert_oauth_problem(401, "Token verifier and verifier token do not match");
    let short_verifier = Signing {
        verifier: Some("abc"),
        ..Signing::default()
    };
    let reply = holder
        .send(&app, "POST", "/oauth/token/access", &[], &short_verifier)
        .await;
    reply.assert_oauth_problem(400, "Verifier is not the correct length");

    // Another consumer's request token, and a token that does not exist.
    let second_holder = request_token(&app, &second.consumer).await;
    let (token, secret) = second_holder.token.clone().unwrap();
    let reply = consumer
        .with_token(&token, &secret)
        .send(&app, "POST", "/oauth/token/access", &[], &signing)
        .await;
    reply.assert_oauth_problem(
        401,
        "Request token is not associated with the specified consumer",
    );
    let reply = consumer
        .with_token("0123456789abcdefghijklmnopqrstuv", "secret")
        .send(&app, "POST", "/oauth/token/access", &[], &signing)
        .await;
    reply.assert_oauth_problem(401, "Specified token does not exist");

    // The exchange succeeds once: the request token is replaced by the access token, which
    // cannot be exchanged again.
    let access = access_token(&app, &holder, &first.verifier).await;
    let reply = holder
        .send(&app, "POST", "/oauth/token/access", &[], &signing)
        .await;
    reply.assert_oauth_problem(401, "Specified token does not exist");
    let reply = access
        .send(&app, "POST", "/oauth/token/access", &[], &signing)
        .await;
    reply.assert_oauth_problem(401, "Token is already being used");

    // The token-exchange window closes 300 s after activation.
    app.clock.advance(300);
    let second_signing = Signing {
        verifier: Some(&second.verifier),
        ..Signing::default()
    };
    let reply = second_holder
        .send(&app, "POST", "/oauth/token/access", &[], &second_signing)
        .await;
    reply.assert_oauth_problem(401, "Consumer key has expired");
    app.clock.advance(-300);
    access_token(&app, &second_holder, &second.verifier).await;
}

async fn signed_request_refusals(app: TestApp) {
    app.create_admin();
    let admin = app.admin_token().await;
    let endpoint = EndpointStandIn::start();
    let first = activate_with_endpoint(&app, &admin, &endpoint, "First").await;
    let second = activate_with_endpoint(&app, &admin, &endpoint, "Second").await;
    let first_holder = request_token(&app, &first.consumer).await;
    let first_access = access_token(&app, &first_holder, &first.verifier).await;
    let second_holder = request_token(&app, &second.consumer).await;
    let path = "/rest/V1/integration/self";

    // Another consumer's access token.
    let (token, secret) = first_access.token.clone().unwrap();
    let reply = second
        .consumer
        .with_token(&token, &secret)
        .send(&app, "GET", path, &[], &Signing::default())
        .await;
    reply.assert_json(
        401,
        json!({"message": "Token is not associated with the specified consumer"}),
    );

    // A request token is no access token.
    let reply = second_holder
        .send(&app, "GET", path, &[], &Signing::default())
        .await;
    reply.assert_json(401, json!({"message": "Token is not an access token"}));

    // A wrong token secret.
    let reply = first
        .consumer
        .with_token(&token, "wrong-secret")
        .send(&app, "GET", path, &[], &Signing::default())
        .await;
    reply.assert_json(
        401,
        json!({"message": "The signature is invalid. Verify and try again."}),
    );

    // Missing parameters name themselves.
    let reply = first
        .consumer
        .send(&app, "GET", path, &[], &Signing::default())
        .await;
    reply.assert_json(
        400,
        json!({
            "message": "\"%fieldName\" is required. Enter and try again.",
            "parameters": {"fieldName": "oauth_token"}
        }),
    );

    // A replayed request.
    let once = Signing {
        nonce: Some("api-nonce"),
        ..Signing::default()
    };
    let reply = first_access.send(&app, "GET", path, &[], &once).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = first_access.send(&app, "GET", path, &[], &once).await;
    let consumer_id = app
        .store
        .consumer_by_key(&ConsumerKey::parse(&first.consumer.consumer_key).unwrap())
        .unwrap()
        .unwrap()
        .id;
    reply.assert_json(
        401,
        json!({
            "message": "The nonce is already being used by the consumer with ID %1",
            "parameters": {"1": consumer_id.to_string()}
        }),
    );

    // A correctly signed call of an integration without the resource is refused by the ACL.
    let created = create_integration(
        &app,
        &admin,
        json!({"name": "Narrow", "email": "n@example.com", "resources": ["Magento_Sales::sales"]}),
    )
    .await;
    let activate = format!("/rest/V1/integrations/{}/activate", created["id"]);
    let credentials = app
        .json("POST", &activate, Some(&admin), &json!({}))
        .await
        .json();
    let narrow = OAuthClient::new(
        credentials["consumer_key"].as_str().unwrap(),
        credentials["consumer_secret"].as_str().unwrap(),
    )
    .with_token(
        credentials["access_token"].as_str().unwrap(),
        credentials["access_token_secret"].as_str().unwrap(),
    );
    let reply = narrow
        .send(
            &app,
            "GET",
            "/rest/V1/integrations",
            &[],
            &Signing::default(),
        )
        .await;
    reply.assert_json(401, acl_refusal(INTEGRATIONS));
}

async fn admin_and_customer_tokens(app: TestApp) {
    let admin_id = app.create_admin();
    let admin_path = "/rest/V1/integration/admin/token";
    let customer_path = "/rest/V1/integration/customer/token";

    // Missing fields, with or without a body.
    let missing = json!({
        "message": "One or more input exceptions have occurred.",
        "errors": [
            {"message": "\"%fieldName\" is required. Enter and try again.",
             "parameters": {"fieldName": "username"}},
            {"message": "\"%fieldName\" is required. Enter and try again.",
             "parameters": {"fieldName": "password"}}
        ]
    });
    app.json("POST", admin_path, None, &json!({}))
        .await
        .assert_json(400, missing.clone());
    app.send("POST", admin_path, &[], "")
        .await
        .assert_json(400, missing.clone());
    app.json(
        "POST",
        customer_path,
        None,
        &json!({"username": "", "password": ""}),
    )
    .await
    .assert_json(400, missing);

    // A wrong password.
    let sign_in_failed = json!({"message": SIGN_IN_FAILED});
    app.json(
        "POST",
        admin_path,
        None,
        &json!({"username": support::ADMIN_USERNAME, "password": "wrong"}),
    )
    .await
    .assert_json(401, sign_in_failed.clone());

    // Six failures lock the user name out, even with the right password.
    app.users
        .create_admin(gatehouse_tokens::users::AdminAccount {
            username: "locked",
            password: "right password",
            email: "locked@example.com",
        })
        .unwrap();
    for _ in 0..6 {
        app.json(
            "POST",
            admin_path,
            None,
            &json!({"username": "locked", "password": "x"}),
        )
        .await
        .assert_json(401, sign_in_failed.clone());
    }
    app.json(
        "POST",
        admin_path,
        None,
        &json!({"username": "locked", "password": "right password"}),
    )
    .await
    .assert_json(401, sign_in_failed.clone());

    // The admin route under a store code.
    let reply = app
        .json(
            "POST",
            "/rest/all/V1/integration/admin/token",
            None,
            &json!({"username": support::ADMIN_USERNAME, "password": support::ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let admin: String = serde_json::from_str(&reply.body).unwrap();

    // A customer logs in, is a customer, and may not manage integrations or revoke others.
    let customer_id = app.create_customer("ada@example.com", "analytical engine");
    let login = json!({"username": "ada@example.com", "password": "analytical engine"});
    let reply = app.json("POST", customer_path, None, &login).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let customer: String = reply.json().as_str().unwrap().to_owned();
    app.json(
        "GET",
        "/rest/V1/integration/self",
        Some(&customer),
        &json!({}),
    )
    .await
    .assert_json(
        200,
        json!({"user_type": 3, "user_id": customer_id, "resources": ["self"]}),
    );
    app.json("GET", "/rest/V1/integrations", Some(&customer), &json!({}))
        .await
        .assert_json(401, acl_refusal(INTEGRATIONS));
    let revoke_admin = format!("/rest/V1/integration/admin/{admin_id}/revoke");
    app.json("POST", &revoke_admin, Some(&customer), &json!({}))
        .await
        .assert_json(401, acl_refusal("Magento_Integration::tokens"));

    // Guests and unreadable tokens are refused the same way.
    app.json("GET", "/rest/V1/integrations", None, &json!({}))
        .await
        .assert_json(401, acl_refusal(INTEGRATIONS));
    app.json(
        "GET",
        "/rest/V1/integrations",
        Some("not.a.jwt"),
        &json!({}),
    )
    .await
    .assert_json(401, acl_refusal(INTEGRATIONS));
    app.json("GET", "/rest/V1/integration/self", None, &json!({}))
        .await
        .assert_json(401, acl_refusal("self"));

    // The customer revokes their own tokens; the token is refused from then on.
    let revoke_own = "/rest/V1/integration/customer/revoke-customer-token";
    let reply = app
        .json("POST", revoke_own, Some(&customer), &json!({}))
        .await;
    reply.assert_json(200, json!(true));
    app.json(
        "GET",
        "/rest/V1/integration/self",
        Some(&customer),
        &json!({}),
    )
    .await
    .assert_json(401, acl_refusal("self"));
    app.json("POST", revoke_own, Some(&customer), &json!({}))
        .await
        .assert_json(401, acl_refusal("self"));

    // An admin revokes a customer's tokens (issued a second later than the last revocation).
    app.clock.advance(1);
    let customer: String = app
        .json("POST", customer_path, None, &login)
        .await
        .json()
        .as_str()
        .unwrap()
        .to_owned();
    app.json(
        "GET",
        "/rest/V1/integration/self",
        Some(&customer),
        &json!({}),
    )
    .await
    .assert_json(
        200,
        json!({"user_type": 3, "user_id": customer_id, "resources": ["self"]}),
    );
    let revoke_customer = format!("/rest/V1/integration/customer/{customer_id}/revoke");
    app.json("POST", &revoke_customer, Some(&admin), &json!({}))
        .await
        .assert_json(200, json!(true));
    app.json(
        "GET",
        "/rest/V1/integration/self",
        Some(&customer),
        &json!({}),
    )
    .await
    .assert_json(401, acl_refusal("self"));

    // Revoking the admin's own tokens ends their session too.
    app.json("POST", &revoke_admin, Some(&admin), &json!({}))
        .await
        .assert_json(200, json!(true));
    app.json("GET", "/rest/V1/integrations", Some(&admin), &json!({}))
        .await
        .assert_json(401, acl_refusal(INTEGRATIONS));
}

async fn managing_integrations(app: TestApp) {
    app.create_admin();
    let admin = app.admin_token().await;

    // Create without an endpoint, granted everything.
    let created = create_integration(
        &app,
        &admin,
        json!({"name": "Reports", "email": "r@example.com", "all_resources": true}),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["status"], 0);
    assert_eq!(created["all_resources"], true);
    assert_eq!(created["setup_type"], 0);
    assert_eq!(created["consumer_key"].as_str().unwrap().len(), 32);

    // A duplicate name, a missing name, an unknown id, an id that is not a number.
    app.json(
        "POST",
        "/rest/V1/integrations",
        Some(&admin),
        &json!({"name": "Reports"}),
    )
    .await
    .assert_json(
        400,
        json!({"message": "The integration with name \"%1\" exists.",
                   "parameters": {"1": "Reports"}}),
    );
    let reply = app
        .json(
            "POST",
            "/rest/V1/integrations",
            Some(&admin),
            &json!({"email": "x@example.com"}),
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(
        reply.json()["parameters"]["fieldName"],
        "name",
        "{}",
        reply.body
    );
    app.json(
        "GET",
        "/rest/V1/integrations/999999",
        Some(&admin),
        &json!({}),
    )
    .await
    .assert_json(
        404,
        json!({"message": "The integration with ID \"%1\" doesn't exist.",
                   "parameters": {"1": "999999"}}),
    );
    app.json("GET", "/rest/V1/integrations/abc", Some(&admin), &json!({}))
        .await
        .assert_json(
            400,
            json!({"message": "Invalid value of \"%value\" provided for the %fieldName field.",
                   "parameters": {"value": "abc", "fieldName": "id"}}),
        );

    // Activation without an endpoint answers the four credentials, which work at once.
    let activate = format!("/rest/V1/integrations/{id}/activate");
    let credentials = app.json("POST", &activate, Some(&admin), &json!({})).await;
    assert_eq!(credentials.status, 200, "{}", credentials.body);
    let credentials = credentials.json();
    let client = |c: &Value| {
        OAuthClient::new(
            c["consumer_key"].as_str().unwrap(),
            c["consumer_secret"].as_str().unwrap(),
        )
        .with_token(
            c["access_token"].as_str().unwrap(),
            c["access_token_secret"].as_str().unwrap(),
        )
    };
    let reply = client(&credentials)
        .send(
            &app,
            "GET",
            "/rest/V1/integration/self",
            &[],
            &Signing::default(),
        )
        .await;
    reply.assert_json(
        200,
        json!({"user_type": 1, "user_id": id, "resources": ["Magento_Backend::all"]}),
    );

    // Integration access tokens are no bearer tokens unless the deployment says so.
    let bearer = credentials["access_token"].as_str().unwrap();
    app.json("GET", "/rest/V1/integration/self", Some(bearer), &json!({}))
        .await
        .assert_json(401, acl_refusal("self"));

    // Edit, then list.
    let path = format!("/rest/V1/integrations/{id}");
    let reply = app
        .json(
            "PUT",
            &path,
            Some(&admin),
            &json!({"name": "Reports v2", "email": "r@example.com", "resources": [INTEGRATIONS]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["name"], "Reports v2");
    assert_eq!(reply.json()["resources"], json!([INTEGRATIONS]));
    assert_eq!(reply.json()["status"], 1);
    let listed = app
        .json("GET", "/rest/V1/integrations", Some(&admin), &json!({}))
        .await;
    assert_eq!(
        listed.json().as_array().unwrap().len(),
        1,
        "{}",
        listed.body
    );
    assert_eq!(listed.json()[0]["name"], "Reports v2");

    // Reauthorize: new credentials, the old access token is gone.
    let reauthorize = format!("/rest/V1/integrations/{id}/reauthorize");
    let renewed = app
        .json("POST", &reauthorize, Some(&admin), &json!({}))
        .await
        .json();
    assert_eq!(renewed["consumer_key"], credentials["consumer_key"]);
    assert_ne!(renewed["access_token"], credentials["access_token"]);
    let reply = client(&credentials)
        .send(
            &app,
            "GET",
            "/rest/V1/integration/self",
            &[],
            &Signing::default(),
        )
        .await;
    reply.assert_json(401, json!({"message": "Specified token does not exist"}));
    let reply = client(&renewed)
        .send(
            &app,
            "GET",
            "/rest/V1/integration/self",
            &[],
            &Signing::default(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    // The resource tree.
    let tree = app
        .json("GET", "/rest/V1/acl/resources", Some(&admin), &json!({}))
        .await;
    assert_eq!(tree.status, 200, "{}", tree.body);
    assert_eq!(tree.json()[0]["id"], "Magento_Backend::all");
    assert!(tree.body.contains(INTEGRATIONS));

    // Delete: gone, and its credentials with it.
    let reply = app.json("DELETE", &path, Some(&admin), &json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["id"], id);
    app.json("GET", &path, Some(&admin), &json!({}))
        .await
        .assert_json(
            404,
            json!({"message": "The integration with ID \"%1\" doesn't exist.",
                   "parameters": {"1": id.to_string()}}),
        );
    let reply = client(&renewed)
        .send(
            &app,
            "GET",
            "/rest/V1/integration/self",
            &[],
            &Signing::default(),
        )
        .await;
    reply.assert_json(
        401,
        json!({"message": "A consumer having the specified key does not exist"}),
    );

    // An endpoint that cannot be reached is the reference's message.
    let unreachable = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/gone", unreachable.local_addr().unwrap());
    drop(unreachable);
    let created = create_integration(
        &app,
        &admin,
        json!({"name": "Unreachable", "email": "u@example.com", "endpoint": url}),
    )
    .await;
    let activate = format!("/rest/V1/integrations/{}/activate", created["id"]);
    app.json("POST", &activate, Some(&admin), &json!({}))
        .await
        .assert_json(
            503,
            json!({"message": "The attempt to post data to consumer failed due to an unexpected \
                               error. Please try again later."}),
        );
}

async fn bad_input(app: TestApp) {
    let admin_path = "/rest/V1/integration/admin/token";

    // Bodies over the limit: JSON routes, token endpoints, signed /rest requests.
    let too_large = json!({
        "message": "The request body is larger than the limit of %1 bytes.",
        "parameters": {"1": BODY_LIMIT.to_string()}
    });
    let big = "x".repeat(BODY_LIMIT + 1);
    app.send(
        "POST",
        admin_path,
        &[("content-type", "application/json")],
        big.clone(),
    )
    .await
    .assert_json(413, too_large.clone());
    app.send(
        "POST",
        "/oauth/token/request",
        &[("content-type", "application/x-www-form-urlencoded")],
        big.clone(),
    )
    .await
    .assert_oauth_problem(
        413,
        &format!("The request body is larger than the limit of {BODY_LIMIT} bytes."),
    );
    app.send(
        "POST",
        "/rest/V1/integration/self",
        &[
            ("authorization", "OAuth oauth_consumer_key=\"x\""),
            ("content-type", "text/plain"),
        ],
        big,
    )
    .await
    .assert_json(413, too_large);

    // Malformed JSON, and JSON of the wrong shape.
    let reply = app
        .send(
            "POST",
            admin_path,
            &[("content-type", "application/json")],
            "{\"username\":",
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.json()["message"], "Decoding error: %1");
    let reply = app
        .json("POST", admin_path, None, &json!({"username": 5}))
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.json()["message"], "Decoding error: %1");

    // Unknown routes.
    let no_route = json!({"message": "Request does not match any route."});
    app.send("GET", "/nowhere", &[], "")
        .await
        .assert_json(404, no_route.clone());
    app.send("GET", "/rest/V1/nothing/here", &[], "")
        .await
        .assert_json(404, no_route.clone());
    app.send("GET", "/rest/default/V2/integrations", &[], "")
        .await
        .assert_json(404, no_route);

    // Known routes with the wrong method.
    let reply = app.send("DELETE", admin_path, &[], "").await;
    reply.assert_json(
        405,
        json!({"message": "The %1 method is not allowed for this route.",
               "parameters": {"1": "DELETE"}}),
    );
    assert_eq!(reply.allow.as_deref(), Some("POST"));
    let reply = app.send("PUT", "/oauth/token/request", &[], "").await;
    reply.assert_oauth_problem(405, "The PUT method is not allowed for this route.");
    assert_eq!(reply.allow.as_deref(), Some("POST, GET"));

    // Too many parameters, in a query and in a form body.
    let many: Vec<String> = (0..300).map(|index| format!("p{index}={index}")).collect();
    let many = many.join("&");
    app.send("GET", &format!("/health?{many}"), &[], "")
        .await
        .assert_json(
            400,
            json!({"message": "The request has more than %1 parameters.",
                   "parameters": {"1": "256"}}),
        );
    app.send(
        "POST",
        "/oauth/token/request",
        &[("content-type", "application/x-www-form-urlencoded")],
        many.clone(),
    )
    .await
    .assert_oauth_problem(400, "The request has more than 256 parameters.");
    app.send("GET", &format!("/oauth/token/request?{many}"), &[], "")
        .await
        .assert_oauth_problem(400, "The request has more than 256 parameters.");

    // Headers over the limit.
    let huge = "h".repeat(20 * 1024);
    app.send("GET", "/health", &[("x-huge", huge.as_str())], "")
        .await
        .assert_json(
            431,
            json!({"message": "The request headers are larger than the limit of %1 bytes.",
                   "parameters": {"1": "16384"}}),
        );
}

async fn operations(app: TestApp) {
    app.send("GET", "/health", &[], "")
        .await
        .assert_json(200, json!({"status": "ok"}));
    app.send("GET", "/ready", &[], "")
        .await
        .assert_json(200, json!({"status": "ready"}));

    // The document lists every mounted route, and every listed route is really mounted.
    let document = app.send("GET", "/rest/schema", &[], "").await.json();
    assert_eq!(document["openapi"], "3.0.3");
    let mut listed = 0;
    for (path, methods) in document["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            listed += 1;
            let concrete = path
                .replace("{store_code}", "default")
                .replace("{id}", "1")
                .replace("{admin_id}", "1")
                .replace("{customer_id}", "1");
            let reply = app
                .send(&method.to_ascii_uppercase(), &concrete, &[], "")
                .await;
            assert_ne!(
                reply.status, 404,
                "{method} {path} is not mounted: {}",
                reply.body
            );
            assert_ne!(
                reply.status, 405,
                "{method} {path} is not mounted: {}",
                reply.body
            );
        }
    }
    let table_routes = gatehouse_actix::routes::mounted_routes();
    assert_eq!(listed, table_routes.len());
    for route in &table_routes {
        let method = route.spec.verb.as_str().to_ascii_lowercase();
        assert!(
            document["paths"][&route.path][&method].is_object(),
            "{method} {}",
            route.path
        );
    }

    // The metrics count what was asked.
    let metrics = app.send("GET", "/metrics", &[], "").await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.content_type.starts_with("text/plain"),
        "{}",
        metrics.content_type
    );
    assert!(
        metrics.body.contains(
            "gatehouse_http_requests_total{route=\"/health\",method=\"GET\",status=\"200\"} 2"
        ),
        "{}",
        metrics.body
    );
    assert!(metrics.body.contains(
        "gatehouse_http_requests_total{route=\"/rest/{store_code}/V1/integrations/{id}\",\
         method=\"GET\",status=\"401\"} 1"
    ));
    assert!(metrics
        .body
        .contains("gatehouse_http_request_duration_seconds_count"));
    assert!(metrics
        .body
        .contains("gatehouse_auth_failures_total{scheme=\"oauth\",reason=\"missing_parameters\"}"));
}

/// A store that cannot reach its database answers 503 with a JSON message, not 500.
#[actix_web::test]
async fn a_database_outage_is_a_503() {
    let app = TestApp::start_with_database_down().await;

    app.json(
        "POST",
        "/rest/V1/integration/admin/token",
        None,
        &json!({"username": "admin", "password": "secret"}),
    )
    .await
    .assert_json(
        503,
        json!({"message": "The service is temporarily unavailable. Try again later."}),
    );
    let reply = app.send("GET", "/ready", &[], "").await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(reply.json()["status"], "unavailable");
    app.send("GET", "/health", &[], "")
        .await
        .assert_json(200, json!({"status": "ok"}));
}

/// With `enable_integration_as_bearer`, an integration's access token works as a bearer token.
#[actix_web::test]
async fn integration_access_tokens_as_bearer_tokens() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let options = TestOptions {
            integration_as_bearer: true,
        };
        let Some(app) = TestApp::start_with(backend, options).await else {
            continue;
        };
        app.create_admin();
        let admin = app.admin_token().await;
        let created = create_integration(
            &app,
            &admin,
            json!({"name": "Bearer", "email": "b@example.com", "resources": [INTEGRATIONS]}),
        )
        .await;
        let activate = format!("/rest/V1/integrations/{}/activate", created["id"]);
        let credentials = app
            .json("POST", &activate, Some(&admin), &json!({}))
            .await
            .json();
        let token = credentials["access_token"].as_str().unwrap();

        app.json("GET", "/rest/V1/integration/self", Some(token), &json!({}))
            .await
            .assert_json(
                200,
                json!({"user_type": 1, "user_id": created["id"], "resources": [INTEGRATIONS]}),
            );
        let listed = app
            .json("GET", "/rest/V1/integrations", Some(token), &json!({}))
            .await;
        assert_eq!(listed.status, 200, "{}", listed.body);
        assert_eq!(listed.json()[0]["name"], "Bearer");
        app.json(
            "GET",
            "/rest/V1/integration/self",
            Some("0123456789abcdefghijklmnopqrstuv"),
            &json!({}),
        )
        .await
        .assert_json(401, acl_refusal("self"));
    }
}
