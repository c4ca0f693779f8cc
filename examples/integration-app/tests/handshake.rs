//! The whole flow, for real: Gatehouse on port 0 over a fresh SQLite database, the integration
//! app on port 0, an admin creating an integration whose endpoint is the app and activating
//! it, and the app completing the handshake and calling the API on its own.

// Test code: a failed set-up step should stop the test with its cause.
#![allow(clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use serde_json::{json, Value};

use example_integration_app::{
    start, AppSettings, Connections, SelfReport, StoreClient, CONNECTIONS_PATH, CREDENTIALS_PATH,
};
use gatehouse_acl::{Acl, ResourceTree};
use gatehouse_actix::{start_server, AppState, HttpSettings, PublicBaseUrl, Services};
use gatehouse_diesel::DieselStore;
use gatehouse_domain::{SystemClock, SystemRandom};
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::integration::IntegrationService;
use gatehouse_tokens::oauth::{OAuthService, OAuthSettings};
use gatehouse_tokens::password::PasswordParams;
use gatehouse_tokens::users::AdminAccount;
use gatehouse_tokens::{Context, TokenSettings, UserTokenService};

const ADMIN_PASSWORD: &str = "admin password 123";

/// How long the app gets to finish a handshake.
const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(20);

/// Gatehouse, served as `gatehouse serve` would serve it, on a fresh SQLite file.
struct Gatehouse {
    /// `http://127.0.0.1:PORT/`, as Gatehouse posts it in `store_base_url`.
    base_url: String,
    server: ServerHandle,
    database: PathBuf,
}

impl Gatehouse {
    fn start() -> Gatehouse {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let database = std::env::temp_dir().join(format!(
            "example_integration_app_{}_{}.db",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let store = DieselStore::connect(&format!("sqlite://{}", database.display()), 4).unwrap();
        store.run_pending_migrations().unwrap();

        let context = Context {
            store: Arc::new(store),
            clock: Arc::new(SystemClock),
            random: Arc::new(SystemRandom::new()),
            keys: Arc::new(CryptKeys::parse("example-integration-app-test-key").unwrap()),
        };
        let tree = ResourceTree::builtin();
        let oauth = OAuthService::new(context.clone(), OAuthSettings::default());
        let integrations =
            IntegrationService::new(context.clone(), oauth.clone(), Arc::new(tree.clone()));
        let token_settings = TokenSettings {
            password: PasswordParams::INSECURE_FOR_TESTS,
            ..TokenSettings::default()
        };
        let users = UserTokenService::new(context, token_settings).unwrap();
        users
            .create_admin(AdminAccount {
                username: "admin",
                password: ADMIN_PASSWORD,
                email: "admin@example.com",
            })
            .unwrap();
        let services = Services {
            oauth: Arc::new(oauth),
            integrations: Arc::new(integrations),
            users: Arc::new(users),
            acl: Arc::new(Acl::new(tree)),
        };

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}/", listener.local_addr().unwrap());
        let settings = HttpSettings {
            public_base_url: PublicBaseUrl::fixed(base_url.clone()),
            blocking_threads: 4,
            ..HttpSettings::default()
        };
        let state = AppState::builder(services).settings(settings).build();
        let server = start_server(listener, state, 1).unwrap();
        let handle = server.handle();
        actix_web::rt::spawn(server);

        Gatehouse {
            base_url,
            server: handle,
            database,
        }
    }
}

impl Drop for Gatehouse {
    fn drop(&mut self) {
        // Stopping is asynchronous; the test's system ends right after anyway.
        drop(self.server.stop(false));
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.database.display()));
        }
    }
}

/// The integration app on port 0, trusting `trusted_store`.
struct IntegrationApp {
    /// `http://127.0.0.1:PORT`, without a final slash.
    base_url: String,
    connections: Connections,
    server: ServerHandle,
}

impl IntegrationApp {
    fn start(trusted_store: &str) -> IntegrationApp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let settings = AppSettings {
            trusted_stores: vec![trusted_store.to_owned()],
        };
        let (server, connections) = start(listener, settings).unwrap();
        let handle = server.handle();
        actix_web::rt::spawn(server);

        IntegrationApp {
            base_url,
            connections,
            server: handle,
        }
    }

    fn endpoint(&self) -> String {
        format!("{}{CREDENTIALS_PATH}", self.base_url)
    }

    /// Polls the status page until the connection of `consumer_key` has left `exchanging`.
    async fn wait_for_outcome(&self, client: &awc::Client, consumer_key: &str) -> Value {
        let started = Instant::now();
        loop {
            let (status, views) = get_json(
                client,
                &format!("{}{CONNECTIONS_PATH}", self.base_url),
                None,
            )
            .await;
            assert_eq!(status, 200, "{views}");
            let view = views
                .as_array()
                .unwrap()
                .iter()
                .find(|view| view["consumer_key"] == consumer_key)
                .cloned();
            if let Some(view) = view.filter(|view| view["state"] != "exchanging") {
                return view;
            }

            assert!(
                started.elapsed() < HANDSHAKE_DEADLINE,
                "no outcome for {consumer_key} after {HANDSHAKE_DEADLINE:?}: {views}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for IntegrationApp {
    fn drop(&mut self) {
        drop(self.server.stop(false));
    }
}

fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(20))
        .disable_redirects()
        .finish()
}

/// `GET url`, with a bearer token when given: the status and the body as JSON.
async fn get_json(client: &awc::Client, url: &str, bearer: Option<&str>) -> (u16, Value) {
    let mut request = client.get(url);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let mut response = request.send().await.unwrap();
    let body = response.body().await.unwrap();
    (
        response.status().as_u16(),
        serde_json::from_slice(&body).unwrap(),
    )
}

/// `POST url` with a JSON body and a bearer token when given: the status and the body as JSON.
async fn post_json(
    client: &awc::Client,
    url: &str,
    bearer: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut request = client.post(url);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let mut response = request.send_json(body).await.unwrap();
    let body = response.body().await.unwrap();
    (
        response.status().as_u16(),
        serde_json::from_slice(&body).unwrap(),
    )
}

#[actix_web::test]
async fn activation_hands_the_app_credentials_it_completes_and_uses() {
    let gatehouse = Gatehouse::start();
    let app = IntegrationApp::start(&gatehouse.base_url);
    let client = client();

    // The store's admin logs in, creates an integration pointing at the app, and activates it.
    let (status, admin_token) = post_json(
        &client,
        &format!("{}rest/V1/integration/admin/token", gatehouse.base_url),
        None,
        &json!({ "username": "admin", "password": ADMIN_PASSWORD }),
    )
    .await;
    assert_eq!(status, 200, "{admin_token}");
    let admin_token = admin_token.as_str().unwrap().to_owned();

    let (status, created) = post_json(
        &client,
        &format!("{}rest/V1/integrations", gatehouse.base_url),
        Some(&admin_token),
        &json!({
            "name": "Example integration app",
            "email": "vendor@example.com",
            "endpoint": app.endpoint(),
            "resources": ["Magento_Sales::sales"],
        }),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let integration_id = created["id"].as_i64().unwrap();
    let consumer_key = created["consumer_key"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], 0, "a new integration is inactive");

    let (status, activated) = post_json(
        &client,
        &format!(
            "{}rest/V1/integrations/{integration_id}/activate",
            gatehouse.base_url
        ),
        Some(&admin_token),
        &json!({}),
    )
    .await;
    assert_eq!(status, 200, "{activated}");
    assert_eq!(activated["consumer_key"], consumer_key.as_str());
    assert!(
        activated.get("access_token").is_none(),
        "with an endpoint, the credentials go to the app, not to the admin: {activated}"
    );

    // The app finishes the handshake on its own and reports its first signed call.
    let outcome = app.wait_for_outcome(&client, &consumer_key).await;
    assert_eq!(
        outcome,
        json!({
            "consumer_key": consumer_key,
            "store_base_url": gatehouse.base_url,
            "state": "connected",
            "integration": {
                "user_type": 1,
                "user_id": integration_id,
                "resources": ["Magento_Sales::sales"],
            },
        })
    );

    // The store now holds the integration as active.
    let (status, stored) = get_json(
        &client,
        &format!(
            "{}rest/V1/integrations/{integration_id}",
            gatehouse.base_url
        ),
        Some(&admin_token),
    )
    .await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["status"], 1, "{stored}");

    // The access token the app kept signs later calls too, each with a fresh nonce.
    let connection = app.connections.get(&consumer_key).unwrap();
    let access_token = connection.access_token.unwrap();
    let store = StoreClient::new(client.clone(), &gatehouse.base_url, connection.consumer).unwrap();
    for _ in 0..2 {
        let report = store.integration_self(&access_token).await.unwrap();
        assert_eq!(
            report,
            SelfReport {
                user_type: 1,
                user_id: integration_id,
                resources: vec!["Magento_Sales::sales".to_owned()],
            }
        );
    }
}

#[actix_web::test]
async fn a_refused_handshake_is_reported_with_the_stores_reason() {
    let gatehouse = Gatehouse::start();
    let app = IntegrationApp::start(&gatehouse.base_url);
    let client = client();

    // Credentials for a consumer the store does not know, as a stale or forged POST carries.
    let consumer_key = "0123456789abcdefghijklmnopqrstuv";
    let response = client
        .post(app.endpoint())
        .send_form(&[
            ("oauth_consumer_key", consumer_key),
            ("oauth_consumer_secret", "abcdefghijklmnopqrstuvwxyz012345"),
            ("store_base_url", gatehouse.base_url.as_str()),
            ("oauth_verifier", "0123456789abcdefghijklmnopqrstuv"),
        ])
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let outcome = app.wait_for_outcome(&client, consumer_key).await;
    assert_eq!(outcome["state"], "failed", "{outcome}");
    assert_eq!(
        outcome["error"],
        "the store refused the request-token request with status 401: \
         A consumer having the specified key does not exist",
        "{outcome}"
    );
    assert!(app
        .connections
        .get(consumer_key)
        .unwrap()
        .access_token
        .is_none());
}

#[actix_web::test]
async fn credentials_from_an_untrusted_store_are_refused() {
    let app = IntegrationApp::start("https://shop.example.com/");
    let client = client();

    let mut response = client
        .post(app.endpoint())
        .send_form(&[
            ("oauth_consumer_key", "0123456789abcdefghijklmnopqrstuv"),
            ("oauth_consumer_secret", "abcdefghijklmnopqrstuvwxyz012345"),
            ("store_base_url", "http://attacker.example/"),
            ("oauth_verifier", "0123456789abcdefghijklmnopqrstuv"),
        ])
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 403);
    let body: Value = serde_json::from_slice(&response.body().await.unwrap()).unwrap();
    assert_eq!(body, json!({ "message": "This store is not trusted." }));
    assert!(app.connections.views().is_empty());
}
