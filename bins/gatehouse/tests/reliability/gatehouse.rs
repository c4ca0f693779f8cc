//! Gatehouse as the reliability tests drive it: a configuration file, CLI commands, servers,
//! an admin, integrations, the OAuth token exchange and signed requests.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use gatehouse_domain::SystemRandom;
use gatehouse_oauth1::{SignatureMethod, Signer};
use gatehouse_tokens::password::{PasswordHasher, PasswordParams};

use crate::reliability::db::{unique_name, TestDb};
use crate::reliability::http::{form_decode, Request, Response};
use crate::support::{run, Server};

/// The admin every test creates.
pub const ADMIN: &str = "reliability-admin";

/// Every account's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// The crypt key of every deployment: replicas must share it to read each other's secrets.
pub const CRYPT_KEY: &str = "reliabilitycryptkey0123456789abcdefghijklmnop";

/// What a deployment is configured with.
#[derive(Debug, Clone)]
pub struct Options {
    /// `database.pool_size`.
    pub pool_size: u32,
    /// `database.pool_timeout_secs`.
    pub pool_timeout_secs: u64,
    /// `housekeeping.enabled`: off by default, so that no job runs behind a test's back.
    pub housekeeping: bool,
    /// `lockout.max_failures`.
    pub max_failures: u32,
    /// `server.public_base_url`: the one URL clients sign against, as behind a load balancer.
    pub public_base_url: Option<String>,
    /// `database.url` when it is not the test database's own (a proxy in front of it).
    pub database_url: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            pool_size: 8,
            pool_timeout_secs: 5,
            housekeeping: false,
            max_failures: 6,
            public_base_url: None,
            database_url: None,
        }
    }
}

/// A deployment: a configuration file over a test database.
pub struct Gatehouse<'a> {
    /// The database.
    pub db: &'a TestDb,
    /// The configuration file every command and server is given.
    pub config: PathBuf,
}

impl<'a> Gatehouse<'a> {
    /// Writes a configuration for `db` with `options`.
    pub fn new(db: &'a TestDb, options: &Options) -> Self {
        let url = options.database_url.clone().unwrap_or_else(|| db.url());
        let mut toml = format!(
            "[database]\nurl = \"{url}\"\npool_size = {}\npool_timeout_secs = {}\n\
             [security]\ncrypt_key = \"{CRYPT_KEY}\"\n\
             [housekeeping]\nenabled = {}\n\
             [lockout]\nmax_failures = {}\n",
            options.pool_size,
            options.pool_timeout_secs,
            options.housekeeping,
            options.max_failures,
        );
        if let Some(public) = &options.public_base_url {
            toml.push_str(&format!("[server]\npublic_base_url = \"{public}\"\n"));
        }

        let config = db
            .scratch
            .path
            .join(format!("{}.toml", unique_name("config")));
        std::fs::write(&config, toml).unwrap();
        Self { db, config }
    }

    /// Runs a command with this configuration: (success, stdout, stderr).
    pub fn try_cli(&self, args: &[&str], stdin: &str) -> (bool, String, String) {
        let config = self.config.display().to_string();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--config", &config]);
        run(&all, stdin)
    }

    /// Runs a command that must succeed; returns its standard output.
    pub fn cli(&self, args: &[&str]) -> String {
        let (ok, stdout, stderr) = self.try_cli(args, "");
        assert!(ok, "gatehouse {} failed: {stderr}", args.join(" "));
        stdout
    }

    /// Starts `gatehouse serve` and waits until it listens.
    pub fn serve(&self) -> Node {
        self.serve_logging("info")
    }

    /// As [`Gatehouse::serve`], logging at `rust_log` (at least `info`).
    pub fn serve_logging(&self, rust_log: &str) -> Node {
        let config = self.config.display().to_string();
        let server = Server::start(&["--config", &config], rust_log);
        let address = server.listen_address();
        let public = server.base_url.clone();
        Node {
            server,
            address,
            public,
        }
    }

    /// Creates an active admin through the CLI, then swaps the stored hash for one of the same
    /// password made with Argon2's cheapest parameters.
    ///
    /// A hash carries its own parameters, so logins verify exactly as before; only the cost
    /// changes: about a second per verification in a debug build becomes microseconds, and a
    /// storm of 50 logins measures the database instead of Argon2.
    pub fn create_admin(&self, username: &str, password: &str) {
        let email = format!("{username}@example.com");
        let (ok, _, stderr) = self.try_cli(
            &[
                "admin",
                "create",
                "--username",
                username,
                "--email",
                &email,
                "--password-stdin",
            ],
            &format!("{password}\n"),
        );
        assert!(ok, "admin create {username}: {stderr}");

        let hash = cheap_hash(password);
        self.db.execute(&format!(
            "UPDATE admin_user SET password_hash = '{hash}' WHERE username = '{username}'"
        ));
    }
}

/// A PHC string of `password` with Argon2id's cheapest parameters.
pub fn cheap_hash(password: &str) -> String {
    let random = SystemRandom::new();
    let hasher = PasswordHasher::new(PasswordParams::INSECURE_FOR_TESTS, &random).unwrap();
    hasher.hash(&random, password).unwrap()
}

/// A running replica.
pub struct Node {
    /// The process.
    pub server: Server,
    /// `http://127.0.0.1:PORT/`: where it listens.
    pub address: String,
    /// The base URL clients sign against (the address unless configured otherwise).
    pub public: String,
}

impl Node {
    /// Sends `request` to this replica.
    pub fn send(&self, request: &Request) -> Response {
        request.send(&self.address)
    }

    /// A JWT for the admin `username`.
    pub fn admin_token(&self, username: &str, password: &str) -> String {
        let response = self.send(&login("admin", username, password));
        assert_eq!(response.status, 200, "admin login: {}", response.text());
        response.json().as_str().unwrap().to_owned()
    }

    /// Creates an integration with all resources; returns its id.
    pub fn create_integration(&self, admin: &str, name: &str, endpoint: Option<&str>) -> i64 {
        let mut body = json!({"name": name, "email": "dev@example.com", "all_resources": true});
        if let Some(endpoint) = endpoint {
            body["endpoint"] = json!(endpoint);
        }
        let response = self.send(
            &Request::post("/rest/V1/integrations")
                .bearer(admin)
                .json(&body),
        );
        assert_eq!(response.status, 200, "create {name}: {}", response.text());
        response.json()["id"].as_i64().unwrap()
    }

    /// Activates integration `id`; returns the answer.
    pub fn activate(&self, admin: &str, id: i64) -> Value {
        let path = format!("/rest/V1/integrations/{id}/activate");
        let response = self.send(&Request::post(&path).bearer(admin));
        assert_eq!(response.status, 200, "activate {id}: {}", response.text());
        response.json()
    }

    /// Creates an integration without an endpoint and activates it: its four credentials.
    pub fn activated_integration(&self, admin: &str, name: &str) -> Credentials {
        let id = self.create_integration(admin, name, None);
        let answer = self.activate(admin, id);
        let field = |name: &str| answer[name].as_str().unwrap().to_owned();
        Credentials {
            consumer_key: field("consumer_key"),
            consumer_secret: field("consumer_secret"),
            token: field("access_token"),
            token_secret: field("access_token_secret"),
        }
    }

    /// A signed `GET` of `path` with the access token of `credentials`.
    pub fn signed_get(&self, path: &str, credentials: &Credentials, nonce: &str) -> Request {
        let url = format!("{}{}", self.public, path.trim_start_matches('/'));
        let header = Signer::new(
            &credentials.consumer_key,
            &credentials.consumer_secret,
            SignatureMethod::HmacSha256,
            nonce,
            now(),
        )
        .token(&credentials.token, &credentials.token_secret)
        .authorization_header("GET", &url, None);
        Request::get(path).header("Authorization", &header)
    }

    /// The signed `POST /oauth/token/request` of a consumer.
    pub fn request_token_request(&self, key: &str, secret: &str, nonce: &str) -> Request {
        let url = format!("{}oauth/token/request", self.public);
        let header = Signer::new(key, secret, SignatureMethod::HmacSha256, nonce, now())
            .authorization_header("POST", &url, None);
        Request::post("/oauth/token/request").header("Authorization", &header)
    }

    /// The signed `POST /oauth/token/access` of a consumer holding a request token.
    pub fn access_token_request(&self, exchange: &Exchange, nonce: &str) -> Request {
        let url = format!("{}oauth/token/access", self.public);
        let header = Signer::new(
            &exchange.consumer_key,
            &exchange.consumer_secret,
            SignatureMethod::HmacSha256,
            nonce,
            now(),
        )
        .token(&exchange.request_token, &exchange.request_secret)
        .verifier(&exchange.verifier)
        .authorization_header("POST", &url, None);
        Request::post("/oauth/token/access").header("Authorization", &header)
    }

    /// Creates an integration with `endpoint`, activates it and trades the posted verifier for
    /// a request token: everything the third party holds before the access-token step.
    pub fn start_exchange(&self, admin: &str, endpoint: &Endpoint, name: &str) -> Exchange {
        let posted = self.post_verifier(admin, endpoint, name);
        let key = posted["oauth_consumer_key"].clone();
        let secret = posted["oauth_consumer_secret"].clone();

        let response = self.send(&self.request_token_request(&key, &secret, &nonce()));
        assert_eq!(response.status, 200, "request token: {}", response.text());
        let token = response.form();
        Exchange {
            consumer_key: key,
            consumer_secret: secret,
            verifier: posted["oauth_verifier"].clone(),
            request_token: token["oauth_token"].clone(),
            request_secret: token["oauth_token_secret"].clone(),
        }
    }

    /// Creates an integration with `endpoint` and activates it; returns what Gatehouse posted
    /// to the endpoint (consumer key and secret, verifier, store base URL).
    pub fn post_verifier(
        &self,
        admin: &str,
        endpoint: &Endpoint,
        name: &str,
    ) -> HashMap<String, String> {
        let id = self.create_integration(admin, name, Some(&endpoint.url));
        let answer = self.activate(admin, id);
        endpoint.posted_for(answer["consumer_key"].as_str().unwrap())
    }
}

/// `POST /rest/V1/integration/<kind>/token` with `username` and `password`.
pub fn login(kind: &str, username: &str, password: &str) -> Request {
    let path = format!("/rest/V1/integration/{kind}/token");
    Request::post(&path).json(&json!({"username": username, "password": password}))
}

/// An integration's OAuth credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// `oauth_consumer_key`.
    pub consumer_key: String,
    /// The consumer secret.
    pub consumer_secret: String,
    /// The access token.
    pub token: String,
    /// The access token secret.
    pub token_secret: String,
}

/// What a third party holds between the request-token and the access-token steps.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// `oauth_consumer_key`.
    pub consumer_key: String,
    /// The consumer secret.
    pub consumer_secret: String,
    /// The verifier Gatehouse posted.
    pub verifier: String,
    /// The request token.
    pub request_token: String,
    /// Its secret.
    pub request_secret: String,
}

/// A nonce no other request of this run uses (printable ASCII, under 255 characters).
pub fn nonce() -> String {
    unique_name("n")
}

/// Now, in unix seconds.
pub fn now() -> i64 {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(elapsed.as_secs()).unwrap()
}

/// An integration's endpoint: records the form each credential POST carries and answers 200.
pub struct Endpoint {
    /// Where Gatehouse posts.
    pub url: String,
    received: Arc<Mutex<Vec<HashMap<String, String>>>>,
    stop: Arc<AtomicBool>,
    address: std::net::SocketAddr,
}

impl Endpoint {
    /// Listens on a free port of 127.0.0.1.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));

        let (sink, stopped) = (Arc::clone(&received), Arc::clone(&stop));
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let sink = Arc::clone(&sink);
                thread::spawn(move || {
                    if let Some(form) = answer_post(stream) {
                        sink.lock().unwrap().push(form);
                    }
                });
            }
        });
        Self {
            url: format!("http://{address}/gatehouse/callback"),
            received,
            stop,
            address,
        }
    }

    /// The form posted for `consumer_key`; waits up to 10 s for it.
    pub fn posted_for(&self, consumer_key: &str) -> HashMap<String, String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = self
                .received
                .lock()
                .unwrap()
                .iter()
                .find(|form| {
                    form.get("oauth_consumer_key").map(String::as_str) == Some(consumer_key)
                })
                .cloned();
            if let Some(form) = found {
                return form;
            }
            assert!(
                Instant::now() < deadline,
                "nothing was posted for {consumer_key}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        // Wake the accept loop so that it sees the flag and ends.
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.address);
    }
}

/// Reads one form POST and answers `200` with no body; the decoded form, if it was one.
fn answer_post(mut stream: TcpStream) -> Option<HashMap<String, String>> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let (head_end, length) = loop {
        let count = stream.read(&mut buffer).ok()?;
        if count == 0 {
            return None;
        }
        received.extend_from_slice(&buffer[..count]);
        if let Some(end) = received.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&received[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (end + 4, length);
        }
    };
    while received.len() < head_end + length {
        let count = stream.read(&mut buffer).ok()?;
        if count == 0 {
            break;
        }
        received.extend_from_slice(&buffer[..count]);
    }

    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let body = received.get(head_end..head_end + length)?;
    Some(form_decode(&String::from_utf8_lossy(body)))
}
