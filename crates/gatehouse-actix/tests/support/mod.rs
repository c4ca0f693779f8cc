//! The harness of the HTTP tests: the real server on port 0 over a fresh database (a SQLite
//! file or a PostgreSQL database of its own), a clock the test controls, an HTTP client, a
//! stand-in for an integration's endpoint, and client-side OAuth signing with the
//! `oauth1-request` crate.

// Test support: a failed set-up step should stop the test with its cause, and a skipped
// PostgreSQL run must say so loudly on standard error. Not every test file uses every helper.
#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use std::collections::HashMap;
use std::fmt::{Display, Write as _};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use base64::Engine as _;
use diesel::{Connection, PgConnection, RunQueryDsl};
use oauth::signature_method::{Sign, SignatureMethod};
use oauth1_request as oauth;
use serde_json::Value;

use gatehouse_acl::{Acl, ResourceTree};
use gatehouse_actix::{start_server, AppState, HttpSettings, PublicBaseUrl, Services};
use gatehouse_diesel::{DieselStore, StoreOptions};
use gatehouse_domain::{Clock, FixedClock, Store, SystemClock, SystemRandom};
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::integration::IntegrationService;
use gatehouse_tokens::oauth::{OAuthService, OAuthSettings};
use gatehouse_tokens::password::PasswordParams;
use gatehouse_tokens::users::{AdminAccount, CustomerAccount, TokenSettings, UserTokenService};
use gatehouse_tokens::Context;

/// Where the PostgreSQL tests create their databases.
const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The body limit of the test servers: small, so the oversized-body test sends little.
pub const BODY_LIMIT: usize = 16 * 1024;

/// The admin every test app has.
pub const ADMIN_USERNAME: &str = "admin";
/// Their password.
pub const ADMIN_PASSWORD: &str = "correct horse battery";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file.
    Sqlite,
    /// A fresh PostgreSQL database on the local server.
    Postgres,
}

/// Runs each named scenario (an `async fn(TestApp)`) once per backend, as
/// `sqlite::<name>` and `postgres::<name>`.
#[macro_export]
macro_rules! on_every_backend {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $scenario() {
                    let backend = $crate::support::Backend::Sqlite;
                    if let Some(app) = $crate::support::TestApp::start(backend).await {
                        super::$scenario(app).await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $scenario() {
                    let backend = $crate::support::Backend::Postgres;
                    if let Some(app) = $crate::support::TestApp::start(backend).await {
                        super::$scenario(app).await;
                    }
                }
            )*
        }
    };
}

/// What a test app is started with, besides its backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct TestOptions {
    /// Accept integration access tokens as bearer tokens.
    pub integration_as_bearer: bool,
}

/// A running server over a fresh database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`, without a final slash.
    pub base_url: String,
    /// The clock every service reads; starts at the real time.
    pub clock: Arc<FixedClock>,
    /// The users service, for creating accounts directly.
    pub users: Arc<UserTokenService>,
    /// The store, for looking at what the server wrote.
    pub store: Arc<dyn Store>,
    /// An HTTP client.
    pub client: awc::Client,
    server: ServerHandle,
    database: Database,
}

enum Database {
    SqliteFile(std::path::PathBuf),
    Postgres(String),
    Elsewhere,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stopping is asynchronous; the test's system ends right after anyway.
        drop(self.server.stop(false));
        match &self.database {
            Database::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Database::Postgres(name) => {
                if let Ok(mut admin) = PgConnection::establish(POSTGRES_ADMIN_URL) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut admin);
                }
            }
            Database::Elsewhere => {}
        }
    }
}

/// A name no other test of this run uses.
fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

impl TestApp {
    /// Starts a server on a fresh database of `backend`. `None` (after a loud notice) when
    /// PostgreSQL is not reachable and the environment is not CI; on CI that is a failure.
    pub async fn start(backend: Backend) -> Option<TestApp> {
        Self::start_with(backend, TestOptions::default()).await
    }

    /// As [`TestApp::start`], with `options`.
    pub async fn start_with(backend: Backend, options: TestOptions) -> Option<TestApp> {
        let (url, database) = match backend {
            Backend::Sqlite => {
                let path =
                    std::env::temp_dir().join(format!("{}.db", unique_name("gatehouse_actix")));
                (
                    format!("sqlite://{}", path.display()),
                    Database::SqliteFile(path),
                )
            }
            Backend::Postgres => {
                let name = unique_name("gatehouse_actix");
                let mut admin = match PgConnection::establish(POSTGRES_ADMIN_URL) {
                    Ok(connection) => connection,
                    Err(error) => {
                        assert!(
                            std::env::var_os("CI").is_none(),
                            "PostgreSQL is required on CI: {error}"
                        );
                        eprintln!(
                            "\n*** SKIPPED: PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable \
                             ({error}); this test ran on SQLite only ***\n"
                        );
                        return None;
                    }
                };
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .unwrap();
                (
                    format!("postgres://postgres@127.0.0.1:5432/{name}"),
                    Database::Postgres(name),
                )
            }
        };

        let store = DieselStore::connect(&url, 4).unwrap();
        store.run_pending_migrations().unwrap();
        Some(Self::serve(Arc::new(store), database, options))
    }

    /// A server whose store cannot reach its database (a closed port), for the outage tests.
    pub async fn start_with_database_down() -> TestApp {
        let closed_port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let options = StoreOptions {
            pool_size: 2,
            connection_timeout: Duration::from_millis(500),
            min_idle: Some(0),
        };
        let url = format!("postgres://postgres@127.0.0.1:{closed_port}/nothing");
        let store = DieselStore::connect_with(&url, &options).unwrap();
        Self::serve(Arc::new(store), Database::Elsewhere, TestOptions::default())
    }

    fn serve(store: Arc<dyn Store>, database: Database, options: TestOptions) -> TestApp {
        let clock = Arc::new(FixedClock::new(SystemClock.now()));
        let ctx = Context {
            store: store.clone(),
            clock: clock.clone(),
            random: Arc::new(SystemRandom::new()),
            keys: Arc::new(CryptKeys::parse("gatehouse-actix-test-crypt-key-0123456789").unwrap()),
        };
        let tree = ResourceTree::builtin();
        let oauth = OAuthService::new(ctx.clone(), OAuthSettings::default());
        let integrations =
            IntegrationService::new(ctx.clone(), oauth.clone(), Arc::new(tree.clone()));
        let users = UserTokenService::new(
            ctx,
            TokenSettings {
                password: PasswordParams::INSECURE_FOR_TESTS,
                enable_integration_as_bearer: options.integration_as_bearer,
                ..TokenSettings::default()
            },
        )
        .unwrap();
        let users = Arc::new(users);
        let services = Services {
            oauth: Arc::new(oauth),
            integrations: Arc::new(integrations),
            users: users.clone(),
            acl: Arc::new(Acl::new(tree)),
        };

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let settings = HttpSettings {
            public_base_url: PublicBaseUrl::fixed(format!("{base_url}/")),
            max_body_bytes: BODY_LIMIT,
            post_timeout: Duration::from_secs(3),
            blocking_threads: 4,
            ..HttpSettings::default()
        };
        let state = AppState::builder(services).settings(settings).build();

        let server = start_server(listener, state, 1).unwrap();
        let handle = server.handle();
        actix_web::rt::spawn(server);

        TestApp {
            base_url,
            clock,
            users,
            store,
            client: awc::Client::builder()
                .timeout(Duration::from_secs(20))
                .disable_redirects()
                .finish(),
            server: handle,
            database,
        }
    }

    /// The time the services read.
    pub fn clock_now(&self) -> i64 {
        self.clock.now()
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Creates the admin of [`ADMIN_USERNAME`] and returns their id.
    pub fn create_admin(&self) -> i64 {
        self.users
            .create_admin(AdminAccount {
                username: ADMIN_USERNAME,
                password: ADMIN_PASSWORD,
                email: "admin@example.com",
            })
            .unwrap()
            .id
            .0
    }

    /// Creates an active customer and returns their id.
    pub fn create_customer(&self, email: &str, password: &str) -> i64 {
        self.users
            .create_customer(CustomerAccount {
                email,
                password,
                firstname: "Ada",
                lastname: "Lovelace",
            })
            .unwrap()
            .id
            .0
    }

    /// Sends `method path` with `headers` and `body`; returns status, content type and body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) -> Reply {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.client.request(method, self.url(path));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = request.send_body(body.into()).await.unwrap();
        let body = response.body().limit(4 * 1024 * 1024).await.unwrap();
        Reply {
            status: response.status(),
            content_type: response
                .headers()
                .get("content-type")
                .map(|value| value.to_str().unwrap().to_owned())
                .unwrap_or_default(),
            allow: response
                .headers()
                .get("allow")
                .map(|value| value.to_str().unwrap().to_owned()),
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }

    /// Sends JSON with an optional bearer token.
    pub async fn json(
        &self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: &Value,
    ) -> Reply {
        let authorization = bearer.map(|token| format!("Bearer {token}"));
        let mut headers = vec![("content-type", "application/json")];
        if let Some(value) = &authorization {
            headers.push(("authorization", value.as_str()));
        }
        self.send(method, path, &headers, body.to_string()).await
    }

    /// Logs the admin in through the API and returns their token.
    pub async fn admin_token(&self) -> String {
        let reply = self
            .json(
                "POST",
                "/rest/V1/integration/admin/token",
                None,
                &serde_json::json!({"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str(&reply.body).unwrap()
    }
}

/// What the server answered.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The `Content-Type` header.
    pub content_type: String,
    /// The `Allow` header.
    pub allow: Option<String>,
    /// The body as text.
    pub body: String,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }

    /// The body as form pairs.
    pub fn form(&self) -> HashMap<String, String> {
        parse_form(&self.body)
    }

    /// Asserts the status and the exact JSON body.
    pub fn assert_json(&self, status: u16, expected: Value) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert!(
            self.content_type.starts_with("application/json"),
            "{}",
            self.content_type
        );
        assert_eq!(self.json(), expected);
    }

    /// Asserts the status and the exact `oauth_problem` of a token endpoint.
    pub fn assert_oauth_problem(&self, status: u16, message: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert!(
            self.content_type
                .starts_with("application/x-www-form-urlencoded"),
            "{}",
            self.content_type
        );
        assert_eq!(
            self.form().get("oauth_problem").map(String::as_str),
            Some(message),
            "{}",
            self.body
        );
    }
}

/// Decodes an `application/x-www-form-urlencoded` string.
pub fn parse_form(text: &str) -> HashMap<String, String> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(name), form_decode(value))
        })
        .collect()
}

fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' if index + 3 <= bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                index += 2;
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8(out).unwrap()
}

/// A stand-in for an integration's endpoint: an HTTP server on port 0 that answers 200 to
/// every request and keeps the bodies of the POSTs it receives.
pub struct EndpointStandIn {
    /// Where it listens, as `http://127.0.0.1:PORT/receive`.
    pub url: String,
    received: Arc<Mutex<Vec<String>>>,
}

impl EndpointStandIn {
    /// Starts it on a thread of its own.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/receive", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let bodies = received.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                if let Some(body) = read_request_body(stream) {
                    bodies.lock().unwrap().push(body);
                }
            }
        });
        Self { url, received }
    }

    /// The form bodies received so far, decoded.
    pub fn received(&self) -> Vec<HashMap<String, String>> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|body| parse_form(body))
            .collect()
    }
}

fn read_request_body(mut stream: TcpStream) -> Option<String> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let (head_end, length) = loop {
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 {
            return None;
        }
        received.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&received).to_string();
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length = text[..head_end]
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            break (head_end + 4, length);
        }
    };
    while received.len() < head_end + length {
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 {
            break;
        }
        received.extend_from_slice(&buffer[..read]);
    }
    stream
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        .ok()?;
    Some(String::from_utf8_lossy(&received[head_end..]).to_string())
}

/// HMAC-SHA256 for the `oauth1-request` crate, which ships HMAC-SHA1 only. The crate builds
/// the signature base string; this only keys the HMAC and encodes the tag.
#[derive(Debug, Clone, Copy, Default)]
pub struct HmacSha256;

/// The signing state of [`HmacSha256`].
#[derive(Debug)]
pub struct HmacSha256Sign {
    key: String,
    base_string: String,
}

impl SignatureMethod for HmacSha256 {
    type Sign = HmacSha256Sign;

    fn sign_with(self, client_secret: &str, token_secret: Option<&str>) -> HmacSha256Sign {
        let key = format!(
            "{}&{}",
            gatehouse_oauth1::percent_encode(client_secret),
            gatehouse_oauth1::percent_encode(token_secret.unwrap_or_default())
        );
        HmacSha256Sign {
            key,
            base_string: String::new(),
        }
    }
}

impl Sign for HmacSha256Sign {
    type Signature = String;

    fn get_signature_method_name(&self) -> &'static str {
        "HMAC-SHA256"
    }

    fn request_method(&mut self, method: &str) {
        self.base_string.push_str(method);
        self.base_string.push('&');
    }

    fn uri<T: Display>(&mut self, uri: T) {
        write!(self.base_string, "{uri}&").unwrap();
    }

    fn parameter<V: Display>(&mut self, key: &str, value: V) {
        write!(self.base_string, "{key}%3D{value}").unwrap();
    }

    fn delimiter(&mut self) {
        self.base_string.push_str("%26");
    }

    fn end(self) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, self.key.as_bytes());
        let tag = ring::hmac::sign(&key, self.base_string.as_bytes());
        let encoded = base64::engine::general_purpose::STANDARD.encode(tag.as_ref());
        gatehouse_oauth1::percent_encode(&encoded)
    }
}

/// An OAuth 1.0a client, signing with `oauth1-request` and HMAC-SHA256.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    /// `oauth_consumer_key`.
    pub consumer_key: String,
    /// The consumer secret.
    pub consumer_secret: String,
    /// The token and its secret, once there is one.
    pub token: Option<(String, String)>,
}

/// Options of one signed request.
#[derive(Debug, Clone, Default)]
pub struct Signing<'a> {
    /// `oauth_verifier`.
    pub verifier: Option<&'a str>,
    /// A fixed `oauth_nonce`.
    pub nonce: Option<&'a str>,
    /// A fixed `oauth_timestamp`.
    pub timestamp: Option<u64>,
}

impl OAuthClient {
    /// A client of the consumer `key` with `secret`.
    pub fn new(key: &str, secret: &str) -> Self {
        Self {
            consumer_key: key.to_owned(),
            consumer_secret: secret.to_owned(),
            token: None,
        }
    }

    /// The same client holding `token` and `secret`.
    pub fn with_token(&self, token: &str, secret: &str) -> Self {
        Self {
            token: Some((token.to_owned(), secret.to_owned())),
            ..self.clone()
        }
    }

    /// The `Authorization` header for `method url`, signing `form` as the body's parameters.
    pub fn authorization(
        &self,
        method: &str,
        url: &str,
        form: &[(&str, &str)],
        signing: &Signing<'_>,
    ) -> String {
        let client =
            oauth::Credentials::new(self.consumer_key.as_str(), self.consumer_secret.as_str());
        let mut builder = oauth::Builder::<_, &str, &str>::new(client, HmacSha256);
        if let Some((token, secret)) = &self.token {
            builder.token(oauth::Credentials::new(token.as_str(), secret.as_str()));
        }
        builder.verifier(signing.verifier);
        builder.nonce(signing.nonce);
        builder.timestamp(signing.timestamp.and_then(NonZeroU64::new));
        let parameters = oauth::ParameterList::new(form.to_vec());
        builder.authorize(method, url, &parameters)
    }

    /// Sends a signed request with a JSON body (which is not a signature parameter).
    pub async fn send_json(&self, app: &TestApp, method: &str, path: &str, body: &Value) -> Reply {
        let header = self.authorization(method, &app.url(path), &[], &Signing::default());
        app.send(
            method,
            path,
            &[
                ("authorization", &header),
                ("content-type", "application/json"),
            ],
            body.to_string(),
        )
        .await
    }

    /// Sends a signed request to `app`: the form, when not empty, as the body.
    pub async fn send(
        &self,
        app: &TestApp,
        method: &str,
        path: &str,
        form: &[(&str, &str)],
        signing: &Signing<'_>,
    ) -> Reply {
        let header = self.authorization(method, &app.url(path), form, signing);
        if form.is_empty() {
            return app
                .send(method, path, &[("authorization", &header)], Vec::new())
                .await;
        }
        let body = oauth::to_form(&oauth::ParameterList::new(form.to_vec()));
        app.send(
            method,
            path,
            &[
                ("authorization", &header),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body,
        )
        .await
    }
}

/// The value of `name` in `form`, checked to be a generated credential: 32 of `[0-9a-z]`.
pub fn credential<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    let value = form
        .get(name)
        .unwrap_or_else(|| panic!("{name} is missing from {form:?}"));
    assert_eq!(value.len(), 32, "{name}");
    assert!(value
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
    value
}
