//! The app's own HTTP side: the endpoint Gatehouse posts credentials to, and a status page
//! saying how each store's handshake went.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};
use serde::Serialize;

use crate::handshake::{complete_handshake, CredentialPost, Credentials, SelfReport};

/// Where Gatehouse posts the credentials: set the integration's endpoint to this path.
pub const CREDENTIALS_PATH: &str = "/gatehouse/credentials";

/// Where the app shows its connections, as JSON.
pub const CONNECTIONS_PATH: &str = "/connections";

/// How long each request to a store may take.
const STORE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the app is started with.
#[derive(Debug, Clone, Default)]
pub struct AppSettings {
    /// The base URLs of the stores whose credentials the app accepts, such as
    /// `https://shop.example.com/`.
    ///
    /// Anybody can POST to the endpoint; without this list, a stranger could make the app
    /// sign requests for a server of their choosing.
    pub trusted_stores: Vec<String>,
}

impl AppSettings {
    /// Whether `store_base_url` is one of the trusted stores (a final `/` does not matter).
    pub fn trusts(&self, store_base_url: &str) -> bool {
        let wanted = store_base_url.trim_end_matches('/');
        self.trusted_stores
            .iter()
            .any(|trusted| trusted.trim_end_matches('/') == wanted)
    }
}

/// Where a store's handshake stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnectionState {
    /// Credentials received; the token requests are under way.
    Exchanging,
    /// The access token is held and the first signed call succeeded.
    Connected {
        /// The store's answer to that call.
        integration: SelfReport,
    },
    /// The handshake or the first call failed.
    Failed {
        /// Why, with its causes.
        error: String,
    },
}

/// One store the app was given credentials for.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The store's base URL.
    pub store_base_url: String,
    /// How far the handshake got.
    pub state: ConnectionState,
    /// The consumer's credentials.
    pub consumer: Credentials,
    /// The access token, once the handshake is done. A real app stores it durably.
    pub access_token: Option<Credentials>,
}

/// What the status page shows of a connection: no credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionView {
    /// The consumer key (public: the store's admin UI shows it too).
    pub consumer_key: String,
    /// The store's base URL.
    pub store_base_url: String,
    /// How far the handshake got.
    #[serde(flatten)]
    pub state: ConnectionState,
}

/// The app's connections by consumer key, shared by its handlers and its owner.
#[derive(Debug, Clone, Default)]
pub struct Connections {
    inner: Arc<Mutex<BTreeMap<String, Connection>>>,
}

impl Connections {
    /// The connection of `consumer_key`, if credentials for it were received.
    pub fn get(&self, consumer_key: &str) -> Option<Connection> {
        self.lock().get(consumer_key).cloned()
    }

    /// Every connection, as the status page shows it.
    pub fn views(&self) -> Vec<ConnectionView> {
        self.lock()
            .iter()
            .map(|(consumer_key, connection)| ConnectionView {
                consumer_key: consumer_key.clone(),
                store_base_url: connection.store_base_url.clone(),
                state: connection.state.clone(),
            })
            .collect()
    }

    /// Records fresh credentials; a reauthorization replaces the old connection.
    fn begin(&self, post: &CredentialPost) {
        let connection = Connection {
            store_base_url: post.store_base_url.clone(),
            state: ConnectionState::Exchanging,
            consumer: Credentials::new(&post.oauth_consumer_key, &post.oauth_consumer_secret),
            access_token: None,
        };
        self.lock()
            .insert(post.oauth_consumer_key.clone(), connection);
    }

    /// Records how the handshake of `consumer_key` ended.
    fn finish(
        &self,
        consumer_key: &str,
        state: ConnectionState,
        access_token: Option<Credentials>,
    ) {
        if let Some(connection) = self.lock().get_mut(consumer_key) {
            connection.state = state;
            connection.access_token = access_token;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Connection>> {
        // Every update is a single insert or assignment, so a panic elsewhere cannot leave the
        // map half written: a poisoned lock is still safe to use.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What the handlers share.
struct AppData {
    settings: AppSettings,
    connections: Connections,
}

/// Starts the app on `listener` with one worker; returns the server (to be awaited or spawned
/// on an actix system) and its connections.
pub fn start(
    listener: TcpListener,
    settings: AppSettings,
) -> std::io::Result<(Server, Connections)> {
    let connections = Connections::default();
    let data = web::Data::new(AppData {
        settings,
        connections: connections.clone(),
    });

    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route(CREDENTIALS_PATH, web::post().to(receive_credentials))
            .route(CONNECTIONS_PATH, web::get().to(show_connections))
    })
    .workers(1)
    .listen(listener)?
    .run();
    Ok((server, connections))
}

/// `POST /gatehouse/credentials`: answers at once, then completes the handshake in the
/// background. Gatehouse ignores the answer's body, and the token endpoints are ready before
/// it posts, so there is nothing to wait for.
async fn receive_credentials(
    form: web::Form<CredentialPost>,
    data: web::Data<AppData>,
) -> HttpResponse {
    let post = form.into_inner();

    if !data.settings.trusts(&post.store_base_url) {
        log::warn!(
            "refused credentials from an untrusted store {}",
            post.store_base_url
        );
        return HttpResponse::Forbidden()
            .json(serde_json::json!({ "message": "This store is not trusted." }));
    }
    let fields = [
        &post.oauth_consumer_key,
        &post.oauth_consumer_secret,
        &post.oauth_verifier,
    ];
    if fields.iter().any(|field| field.is_empty()) {
        return HttpResponse::BadRequest()
            .json(serde_json::json!({ "message": "A credential is empty." }));
    }

    data.connections.begin(&post);
    let connections = data.connections.clone();
    actix_web::rt::spawn(async move {
        let client = awc::Client::builder().timeout(STORE_TIMEOUT).finish();
        let consumer_key = post.oauth_consumer_key.clone();
        match complete_handshake(client, &post).await {
            Ok(connected) => {
                log::info!(
                    "connected to {} as integration {}",
                    post.store_base_url,
                    connected.report.user_id
                );
                let state = ConnectionState::Connected {
                    integration: connected.report,
                };
                connections.finish(&consumer_key, state, Some(connected.access_token));
            }
            Err(error) => {
                let error = error_chain(&error);
                log::warn!("the handshake with {} failed: {error}", post.store_base_url);
                connections.finish(&consumer_key, ConnectionState::Failed { error }, None);
            }
        }
    });

    HttpResponse::Ok().finish()
}

/// `GET /connections`: every connection and how far it got, without credentials.
async fn show_connections(data: web::Data<AppData>) -> HttpResponse {
    HttpResponse::Ok().json(data.connections.views())
}

/// An error and its causes, on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_stores_match_with_or_without_the_final_slash() {
        let settings = AppSettings {
            trusted_stores: vec!["https://shop.example.com/".to_owned()],
        };

        assert!(settings.trusts("https://shop.example.com/"));
        assert!(settings.trusts("https://shop.example.com"));
        assert!(!settings.trusts("https://shop.example.com.evil.example/"));
        assert!(!settings.trusts("http://shop.example.com/"));
        assert!(!AppSettings::default().trusts("https://shop.example.com/"));
    }

    #[test]
    fn debug_output_shows_no_credential() {
        let post = CredentialPost {
            oauth_consumer_key: "public-key".to_owned(),
            oauth_consumer_secret: "consumer-secret-value".to_owned(),
            store_base_url: "https://shop.example.com/".to_owned(),
            oauth_verifier: "verifier-value".to_owned(),
        };
        let connections = Connections::default();
        connections.begin(&post);

        let printed = format!("{post:?} {:?}", connections.get("public-key"));

        assert!(printed.contains("public-key"), "{printed}");
        assert!(!printed.contains("consumer-secret-value"), "{printed}");
        assert!(!printed.contains("verifier-value"), "{printed}");
    }
}
