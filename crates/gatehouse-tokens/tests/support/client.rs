//! The third-party side of the handshake: requests signed with `gatehouse_oauth1::Signer` as a
//! client would send them, and hand-made headers for malformed requests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use gatehouse_domain::error::BoxError;
use gatehouse_domain::{Clock, IntegrationId};
use gatehouse_oauth1::{form_urlencode, percent_encode, RequestParts, SignatureMethod, Signer};
use gatehouse_tokens::integration::{Activation, CredentialPoster};

use super::Harness;

/// The public base URL of the shop in these tests.
pub const SHOP: &str = "http://shop.example.com";

/// The request-token endpoint.
pub const REQUEST_URL: &str = "http://shop.example.com/oauth/token/request";

/// The access-token endpoint.
pub const ACCESS_URL: &str = "http://shop.example.com/oauth/token/access";

/// An API route with a query.
pub const API_URL: &str = "http://shop.example.com/rest/V1/orders?searchCriteria%5BpageSize%5D=5";

/// An HTTP request as the adapter would hand it over, owning its parts.
#[derive(Debug, Clone)]
pub struct OwnedRequest {
    /// Method.
    pub method: String,
    /// Scheme, host and path.
    pub base_uri: String,
    /// Raw query, without `?`.
    pub query: String,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl OwnedRequest {
    /// A request to `url` with `authorization`, no body.
    pub fn new(method: &str, url: &str, authorization: Option<String>) -> Self {
        let (base_uri, query) = url.split_once('?').unwrap_or((url, ""));
        Self {
            method: method.to_owned(),
            base_uri: base_uri.to_owned(),
            query: query.to_owned(),
            authorization,
            content_type: None,
            body: Vec::new(),
        }
    }

    /// The borrowed view the services take.
    pub fn parts(&self) -> RequestParts<'_> {
        RequestParts {
            method: &self.method,
            base_uri: &self.base_uri,
            query: &self.query,
            authorization: self.authorization.as_deref(),
            content_type: self.content_type.as_deref(),
            body: &self.body,
        }
    }
}

/// Client credentials, as a third party holds them.
#[derive(Debug, Clone)]
pub struct Client {
    /// `oauth_consumer_key`.
    pub consumer_key: String,
    /// The consumer secret.
    pub consumer_secret: String,
    /// `oauth_token` and its secret.
    pub token: Option<(String, String)>,
    /// `oauth_verifier`.
    pub verifier: Option<String>,
}

static NONCES: AtomicU64 = AtomicU64::new(1);

/// A nonce never used before in this test binary.
pub fn fresh_nonce() -> String {
    format!("nonce{:027}", NONCES.fetch_add(1, Ordering::Relaxed))
}

impl Client {
    /// A client holding consumer credentials only.
    pub fn new(consumer_key: &str, consumer_secret: &str) -> Self {
        Self {
            consumer_key: consumer_key.to_owned(),
            consumer_secret: consumer_secret.to_owned(),
            token: None,
            verifier: None,
        }
    }

    /// The same client holding a token.
    pub fn with_token(mut self, token: &str, secret: &str) -> Self {
        self.token = Some((token.to_owned(), secret.to_owned()));
        self
    }

    /// The same client holding a verifier.
    pub fn with_verifier(mut self, verifier: &str) -> Self {
        self.verifier = Some(verifier.to_owned());
        self
    }

    /// A request signed with HMAC-SHA256, `oauth_version="1.0"`, the nonce and timestamp given.
    pub fn sign(&self, method: &str, url: &str, nonce: &str, timestamp: i64) -> OwnedRequest {
        self.sign_with_form(method, url, &[], nonce, timestamp)
    }

    /// As [`Client::sign`], with a form-encoded body (covered by the signature) when `form` is
    /// not empty.
    pub fn sign_with_form(
        &self,
        method: &str,
        url: &str,
        form: &[(String, String)],
        nonce: &str,
        timestamp: i64,
    ) -> OwnedRequest {
        let mut signer = Signer::new(
            self.consumer_key.as_str(),
            self.consumer_secret.as_str(),
            SignatureMethod::HmacSha256,
            nonce,
            timestamp,
        )
        .version(true);
        if let Some((token, secret)) = &self.token {
            signer = signer.token(token.as_str(), secret.as_str());
        }
        if let Some(verifier) = &self.verifier {
            signer = signer.verifier(verifier.as_str());
        }
        let body = (!form.is_empty()).then_some(form);
        let header = signer.authorization_header(method, url, body);

        let mut request = OwnedRequest::new(method, url, Some(header));
        if !form.is_empty() {
            request.content_type = Some("application/x-www-form-urlencoded".to_owned());
            request.body = form_urlencode(form).into_bytes();
        }
        request
    }

    /// Activates `integration_id`, which has no endpoint, and holds the four credentials the
    /// activation answers.
    pub fn activated(h: &Harness, integration_id: IntegrationId) -> Client {
        let Activation::Activated {
            consumer_key,
            consumer_secret,
            access_token,
            access_token_secret,
        } = h
            .integrations
            .activate(integration_id, &RecordingPoster::default(), "http://shop/")
            .expect("the activation succeeds")
        else {
            panic!("an integration without endpoint is activated at once");
        };
        Client::new(consumer_key.as_str(), consumer_secret.expose())
            .with_token(access_token.as_str(), access_token_secret.expose())
    }

    /// A request signed now (by the harness clock) with a fresh nonce.
    pub fn sign_now(&self, h: &Harness, method: &str, url: &str) -> OwnedRequest {
        self.sign(method, url, &fresh_nonce(), h.clock.now())
    }
}

/// An `Authorization: OAuth` header carrying exactly `pairs`, unsigned: for requests the
/// services must refuse before the signature matters.
pub fn raw_header(pairs: &[(&str, &str)]) -> String {
    let fields: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{}=\"{}\"", percent_encode(name), percent_encode(value)))
        .collect();
    format!("OAuth {}", fields.join(", "))
}

/// An endpoint and the form posted to it.
pub type Post = (String, Vec<(String, String)>);

/// A poster that keeps the forms in memory instead of sending them.
#[derive(Debug, Default)]
pub struct RecordingPoster {
    /// Every post, in order.
    pub posts: Mutex<Vec<Post>>,
}

impl RecordingPoster {
    /// The first value of `name` in the last form posted.
    pub fn last_field(&self, name: &str) -> String {
        let posts = self.posts.lock().expect("lock the posts");
        let (_, form) = posts.last().expect("something was posted");
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_else(|| panic!("{name} was posted"))
    }
}

impl CredentialPoster for RecordingPoster {
    fn post_credentials(&self, endpoint: &str, form: &[(String, String)]) -> Result<(), BoxError> {
        self.posts
            .lock()
            .expect("lock the posts")
            .push((endpoint.to_owned(), form.to_vec()));
        Ok(())
    }
}
