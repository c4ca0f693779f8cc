//! The shop on port 0, called over HTTP by an admin, a customer and a guest: each of its own
//! routes admits exactly the callers its guard says, with the reference's refusal otherwise,
//! and Gatehouse's own routes are served beside them.

// Test code: a failed set-up step should stop the test with its cause.
#![allow(clippy::unwrap_used)]

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use serde_json::{json, Value};

use example_embedded_actix::{services, start};
use gatehouse_actix::{AppState, HttpSettings, PublicBaseUrl, Services};
use gatehouse_domain::memory::MemoryStore;
use gatehouse_tokens::password::PasswordParams;
use gatehouse_tokens::users::{AdminAccount, CustomerAccount};
use gatehouse_tokens::TokenSettings;

const ADMIN_PASSWORD: &str = "admin password 123";
const CUSTOMER_PASSWORD: &str = "customer password 456";

/// The shop running on a fresh in-memory store, with one admin and one customer.
struct Shop {
    base_url: String,
    client: awc::Client,
    admin_id: i64,
    customer_id: i64,
    server: ServerHandle,
}

impl Shop {
    async fn start() -> Shop {
        let token_settings = TokenSettings {
            // Hashing cost would only slow the test down.
            password: PasswordParams::INSECURE_FOR_TESTS,
            ..TokenSettings::default()
        };
        let services = services(
            Arc::new(MemoryStore::new()),
            "example-embedded-actix-test-key",
            token_settings,
        )
        .unwrap();
        let (admin_id, customer_id) = create_accounts(&services);

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let settings = HttpSettings {
            public_base_url: PublicBaseUrl::fixed(format!("{base_url}/")),
            ..HttpSettings::default()
        };
        let server = start(
            listener,
            AppState::builder(services).settings(settings).build(),
        )
        .unwrap();
        let handle = server.handle();
        actix_web::rt::spawn(server);

        Shop {
            base_url,
            client: awc::Client::builder()
                .timeout(Duration::from_secs(20))
                .finish(),
            admin_id,
            customer_id,
            server: handle,
        }
    }

    /// `GET path`, with a bearer token when given; the status and the body as JSON.
    async fn get(&self, path: &str, bearer: Option<&str>) -> (u16, Value) {
        let mut request = self.client.get(format!("{}{path}", self.base_url));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let mut response = request.send().await.unwrap();
        let body = response.body().await.unwrap();
        let json = serde_json::from_slice(&body)
            .unwrap_or_else(|error| panic!("{path}: not JSON ({error}): {body:?}"));
        (response.status().as_u16(), json)
    }

    /// Logs in through Gatehouse's own route and returns the JWT.
    async fn token(&self, kind: &str, username: &str, password: &str) -> String {
        let url = format!("{}/rest/V1/integration/{kind}/token", self.base_url);
        let mut response = self
            .client
            .post(url)
            .send_json(&json!({ "username": username, "password": password }))
            .await
            .unwrap();
        let body = response.body().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{kind} login: {body:?}");
        serde_json::from_slice(&body).unwrap()
    }

    async fn admin_token(&self) -> String {
        self.token("admin", "admin", ADMIN_PASSWORD).await
    }

    async fn customer_token(&self) -> String {
        self.token("customer", "ada@example.com", CUSTOMER_PASSWORD)
            .await
    }

    async fn stop(self) {
        self.server.stop(true).await;
    }
}

/// Creates the admin and the customer through the services; returns their ids.
fn create_accounts(services: &Services) -> (i64, i64) {
    let admin = services
        .users
        .create_admin(AdminAccount {
            username: "admin",
            password: ADMIN_PASSWORD,
            email: "admin@example.com",
        })
        .unwrap();
    let customer = services
        .users
        .create_customer(CustomerAccount {
            email: "ada@example.com",
            password: CUSTOMER_PASSWORD,
            firstname: "Ada",
            lastname: "Lovelace",
        })
        .unwrap();
    (admin.id.0, customer.id.0)
}

/// The reference's refusal of a caller lacking `resource`.
fn refusal(resource: &str) -> Value {
    json!({
        "message": "The consumer isn't authorized to access %resources.",
        "parameters": { "resources": resource },
    })
}

#[actix_web::test]
async fn orders_admit_the_admin_and_refuse_customer_and_guest() {
    let shop = Shop::start().await;
    let admin = shop.admin_token().await;
    let customer = shop.customer_token().await;

    let (status, body) = shop.get("/orders", Some(&admin)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!([
            { "id": 1, "customer_email": "ada@example.com", "total_cents": 4200 },
            { "id": 2, "customer_email": "grace@example.com", "total_cents": 1999 },
        ])
    );

    let (status, body) = shop.get("/orders", Some(&customer)).await;
    assert_eq!(status, 401);
    assert_eq!(body, refusal("Magento_Sales::sales"));

    let (status, body) = shop.get("/orders", None).await;
    assert_eq!(status, 401);
    assert_eq!(body, refusal("Magento_Sales::sales"));

    // A token that fails makes the caller a guest, whom the guard then refuses.
    let (status, body) = shop.get("/orders", Some("not-a-token")).await;
    assert_eq!(status, 401);
    assert_eq!(body, refusal("Magento_Sales::sales"));

    shop.stop().await;
}

#[actix_web::test]
async fn one_order_is_checked_inside_the_handler() {
    let shop = Shop::start().await;
    let admin = shop.admin_token().await;
    let customer = shop.customer_token().await;

    let (status, body) = shop.get("/orders/2", Some(&admin)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["customer_email"], "grace@example.com");

    let (status, body) = shop.get("/orders/99", Some(&admin)).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({
            "message": "The order with ID \"%1\" doesn't exist.",
            "parameters": { "1": "99" },
        })
    );

    let (status, body) = shop.get("/orders/1", Some(&customer)).await;
    assert_eq!(status, 401);
    assert_eq!(body, refusal("Magento_Sales::actions_view"));

    shop.stop().await;
}

#[actix_web::test]
async fn me_names_each_authenticated_caller_and_refuses_guests() {
    let shop = Shop::start().await;
    let admin = shop.admin_token().await;
    let customer = shop.customer_token().await;

    let (status, body) = shop.get("/me", Some(&admin)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "user_type": 2, "user_id": shop.admin_id }));

    let (status, body) = shop.get("/me", Some(&customer)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "user_type": 3, "user_id": shop.customer_id }));

    let (status, body) = shop.get("/me", None).await;
    assert_eq!(status, 401);
    assert_eq!(body, refusal("self"));

    shop.stop().await;
}

#[actix_web::test]
async fn public_is_open_and_gatehouse_is_served_beside_the_shop() {
    let shop = Shop::start().await;

    let (status, body) = shop.get("/public", None).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "shop": "Example shop", "open": true }));

    // Gatehouse's own routes answer on the same server: `self` reports the admin's grant...
    let admin = shop.admin_token().await;
    let (status, body) = shop.get("/rest/V1/integration/self", Some(&admin)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user_type"], 2);
    assert_eq!(body["user_id"], shop.admin_id);

    // ...and a path nobody serves gets Gatehouse's JSON 404, not an HTML page.
    let (status, body) = shop.get("/nowhere", None).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({ "message": "Request does not match any route." })
    );

    shop.stop().await;
}
