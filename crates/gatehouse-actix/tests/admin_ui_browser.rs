//! The admin UI in a real browser: the server runs on port 0 over a fresh SQLite database, a
//! stand-in for an integration's endpoint records what is posted to it, and
//! `tests/browser/admin.mjs` drives headless Chromium (Playwright) through the pages as an admin
//! would, checking each page with axe-core and keeping screenshots in
//! `<target dir>/ui-artifacts/`. This test then checks what the browser did from the outside:
//! the credentials the page showed sign a real API call, the endpoint received its POST, and
//! the database holds what the admin saved.
//!
//! Needs `node`, `/usr/bin/chromium` and the npm packages of `tests/browser/` (run
//! `tests/browser/setup.sh`). Without them the test fails when `CI` is set and is skipped,
//! loudly, otherwise.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use gatehouse_acl::{Acl, ResourceTree};
use gatehouse_actix::{start_server, AppState, HttpSettings, PublicBaseUrl, Services};
use gatehouse_diesel::DieselStore;
use gatehouse_domain::{IntegrationStatus, Random, Store, SystemClock, SystemRandom};
use gatehouse_oauth1::{SignatureMethod, Signer};
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::integration::{IntegrationService, ResourceSelection};
use gatehouse_tokens::oauth::{OAuthService, OAuthSettings};
use gatehouse_tokens::password::PasswordParams;
use gatehouse_tokens::users::{AdminAccount, TokenSettings, UserTokenService};
use gatehouse_tokens::Context;

const CHROMIUM: &str = "/usr/bin/chromium";
const CRYPT_KEY: &str = "browser0test0crypt0key0abcdefghijklmnopqrstuv";
const ADMIN: &str = "admin";
const PASSWORD: &str = "browser-test-password-1";

/// A request the endpoint stand-in received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    body: String,
}

/// A real HTTP server standing in for an integration: answers 200 to everything and records
/// each request.
struct Endpoint {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Endpoint {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the endpoint stand-in");
        let address = listener.local_addr().expect("its address");
        let received = Arc::new(Mutex::new(Vec::new()));

        let log = Arc::clone(&received);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(request) = read_request(stream) {
                    log.lock().expect("lock the log").push(request);
                }
            }
        });
        Self {
            url: format!("http://{address}/gatehouse/credentials"),
            received,
        }
    }

    fn posts(&self) -> Vec<Received> {
        let received = self.received.lock().expect("lock the log");
        received
            .iter()
            .filter(|r| r.method == "POST")
            .cloned()
            .collect()
    }
}

/// Reads one request from `stream` and answers it with a small 200.
fn read_request(mut stream: TcpStream) -> Option<Received> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);

    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();

    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;

    let answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\
                  Connection: close\r\n\r\nok";
    stream.write_all(answer.as_bytes()).ok()?;
    Some(Received {
        method,
        path,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// The value of `name` in a form-encoded body.
fn form_value(body: &str, name: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| percent_decode(value))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' if index + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        index += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A fresh SQLite database file with the migrations applied.
fn sqlite_store(dir: &Path) -> DieselStore {
    let url = format!("sqlite://{}", dir.join("gatehouse.db").display());
    let store = DieselStore::connect(&url, 4).expect("open the SQLite database");
    store
        .run_pending_migrations()
        .expect("apply the migrations");
    store
}

/// The services over `store`, with one admin.
fn services(store: Arc<dyn Store>) -> (Services, Arc<IntegrationService>) {
    let ctx = Context {
        store,
        clock: Arc::new(SystemClock),
        random: Arc::new(SystemRandom::new()),
        keys: Arc::new(CryptKeys::parse(CRYPT_KEY).expect("the test crypt key parses")),
    };
    let tree = ResourceTree::builtin();
    let oauth = OAuthService::new(ctx.clone(), OAuthSettings::default());
    let integrations = Arc::new(IntegrationService::new(
        ctx.clone(),
        oauth.clone(),
        Arc::new(tree.clone()),
    ));
    let settings = TokenSettings {
        password: PasswordParams::INSECURE_FOR_TESTS,
        ..TokenSettings::default()
    };
    let users = UserTokenService::new(ctx, settings).expect("the users service starts");
    users
        .create_admin(AdminAccount {
            username: ADMIN,
            password: PASSWORD,
            email: "admin@example.com",
        })
        .expect("create the admin through the users service");

    let services = Services {
        oauth: Arc::new(oauth),
        integrations: Arc::clone(&integrations),
        users: Arc::new(users),
        acl: Arc::new(Acl::new(tree)),
    };
    (services, integrations)
}

/// Why the browser tests cannot run here, if they cannot.
fn missing_tools(browser_dir: &Path) -> Option<String> {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|output| output.status.success()) {
        return Some("node is not installed".to_owned());
    }
    if !Path::new(CHROMIUM).exists() {
        return Some(format!("{CHROMIUM} is not installed"));
    }
    for package in ["playwright-core", "axe-core"] {
        if !browser_dir.join("node_modules").join(package).is_dir() {
            return Some(format!("the npm package {package} is not installed"));
        }
    }
    None
}

/// A GET with an `Authorization` header over a plain socket; the status and the body.
fn get(address: &str, path: &str, authorization: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set a timeout");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: {authorization}\r\n\
         Accept: application/json\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .expect("send the request");

    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// `GET /rest/V1/integration/self` signed with an integration's four credentials.
fn call_self(base_url: &str, credentials: &Value) -> (u16, String) {
    let field = |name: &str| credentials[name].as_str().expect(name).to_owned();
    let url = format!("{base_url}rest/V1/integration/self");
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
    let header = Signer::new(
        field("consumerKey"),
        field("consumerSecret"),
        SignatureMethod::HmacSha256,
        SystemRandom::new().credential(32),
        timestamp,
    )
    .token(field("accessToken"), field("accessTokenSecret"))
    .authorization_header("GET", &url, None);

    let address = base_url.trim_start_matches("http://").trim_end_matches('/');
    get(address, "/rest/V1/integration/self", &header)
}

/// Where screenshots go: `<target dir>/ui-artifacts/`, emptied first.
fn artifacts_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.parent().unwrap_or(tmp).join("ui-artifacts");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the artifacts folder");
    dir
}

#[test]
fn the_admin_ui_works_in_a_real_browser() {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let browser_dir = manifest_dir.join("tests").join("browser");
    if let Some(missing) = missing_tools(&browser_dir) {
        let advice = format!(
            "admin UI browser test cannot run: {missing}; run {}",
            browser_dir.join("setup.sh").display()
        );
        assert!(std::env::var_os("CI").is_none(), "{advice}");
        // Written to the process's stderr, not through `eprintln!`, which the test harness
        // captures and hides for a passing test: a skip must be seen.
        let _ = writeln!(std::io::stderr(), "\n!!!!!!!! SKIPPED: {advice} !!!!!!!!\n");
        return;
    }

    // A fresh database and the services over it.
    let db_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "admin-ui-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_nanos()
    ));
    std::fs::create_dir_all(&db_dir).expect("create the database folder");
    let (services, integrations) = services(Arc::new(sqlite_store(&db_dir)));

    // The endpoint stand-in and the server, on ports the system picks.
    let endpoint = Endpoint::start();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the server");
    let base_url = format!("http://{}/", listener.local_addr().expect("its address"));
    let settings = HttpSettings {
        public_base_url: PublicBaseUrl::fixed(base_url.clone()),
        ..HttpSettings::default()
    };
    let state = AppState::builder(services).settings(settings).build();
    let (handle_sender, handle_receiver) = mpsc::channel();
    let server_thread = thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = start_server(listener, state, 2).expect("start the server");
            handle_sender
                .send(server.handle())
                .expect("hand the server's handle over");
            server.await
        })
    });
    let server = handle_receiver.recv().expect("the server started");

    // The browser session.
    let artifacts = artifacts_dir();
    let output = Command::new("node")
        .arg(browser_dir.join("admin.mjs"))
        .arg(&base_url)
        .arg(&endpoint.url)
        .arg(&artifacts)
        .env("GATEHOUSE_ADMIN_USER", ADMIN)
        .env("GATEHOUSE_ADMIN_PASSWORD", PASSWORD)
        .current_dir(&browser_dir)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the browser scenario failed ({}); its output:\n{stdout}\nscreenshots: {}",
        output.status,
        artifacts.display()
    );
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|error| {
            panic!("the scenario's last line is its JSON report: {error}\n{stdout}")
        });

    // The credentials read from the page sign API calls; reauthorizing replaced the token.
    let (status, body) = call_self(&base_url, &report["reauthorized"]);
    assert_eq!(status, 200, "{body}");
    let caller: Value = serde_json::from_str(&body).expect("a JSON answer");
    assert_eq!(caller["user_type"], 1, "{body}");
    let mut resources: Vec<String> =
        serde_json::from_value(caller["resources"].clone()).expect("a list of resources");
    resources.sort();
    assert_eq!(
        resources,
        ["Magento_Customer::manage", "Magento_Sales::sales"]
    );

    let (status, body) = call_self(&base_url, &report["activated"]);
    assert_eq!(
        status, 401,
        "the token dropped by reauthorizing is refused: {body}"
    );
    assert_eq!(
        report["activated"]["consumerKey"], report["reauthorized"]["consumerKey"],
        "reauthorizing keeps the consumer"
    );

    // The endpoint received the credentials of the integration that has one.
    let posts = endpoint.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    let post = &posts[0];
    assert_eq!(post.path, "/gatehouse/credentials");
    assert_eq!(
        form_value(&post.body, "oauth_consumer_key").as_deref(),
        report["endpoint"]["consumerKey"].as_str()
    );
    assert_eq!(
        form_value(&post.body, "store_base_url").as_deref(),
        Some(base_url.as_str())
    );
    assert_eq!(
        form_value(&post.body, "oauth_verifier").map(|v| v.len()),
        Some(32)
    );
    assert_eq!(
        form_value(&post.body, "oauth_consumer_secret").map(|v| v.len()),
        Some(32)
    );

    // The database holds what the admin saved, and nothing the refused forms sent.
    let stored = integrations.list().expect("list the integrations");
    let names: Vec<&str> = stored.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names,
        ["Shop Sync"],
        "the deleted and refused ones are gone"
    );
    assert_eq!(stored[0].status, IntegrationStatus::Active);
    assert_eq!(stored[0].email, "sync@example.com");
    let ResourceSelection::Only(mut granted) =
        integrations.resources(stored[0].id).expect("its grant")
    else {
        panic!("a custom grant was saved");
    };
    granted.sort();
    assert_eq!(
        granted,
        ["Magento_Customer::manage", "Magento_Sales::sales"]
    );

    // Every page left a screenshot at both widths.
    let shots: Vec<String> = std::fs::read_dir(&artifacts)
        .expect("read the artifacts")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".png"))
        .collect();
    let pages = report["pages"]
        .as_u64()
        .expect("the scenario counts its pages") as usize;
    assert!(pages >= 12, "{pages}");
    assert_eq!(shots.len(), pages * 2, "{shots:?}");

    actix_web::rt::System::new().block_on(server.stop(true));
    server_thread
        .join()
        .expect("the server thread ends")
        .expect("the server ran without error");
    let _ = std::fs::remove_dir_all(&db_dir);
}
