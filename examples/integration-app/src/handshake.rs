//! The client side of the OAuth 1.0a handshake, and signed calls to the store's REST API,
//! with `oauth1-request` building the `Authorization` headers and `awc` sending them.
//!
//! The order is fixed by the protocol (behaviour.md §4):
//!
//! 1. with the consumer's credentials alone, `POST oauth/token/request` → a request token;
//! 2. with the request token and the posted verifier, `POST oauth/token/access` → the access
//!    token, which the integration keeps;
//! 3. with the access token, any API call, such as `GET rest/V1/integration/self`.

use std::fmt;

use actix_web::http::{header, StatusCode};
use awc::Client;
use serde::{Deserialize, Serialize};

use crate::error::{HandshakeError, Step};
use crate::signing::HmacSha256;

/// What Gatehouse POSTs, form-encoded, to the integration's endpoint on activation.
#[derive(Clone, Deserialize)]
pub struct CredentialPost {
    /// The consumer key.
    pub oauth_consumer_key: String,
    /// The consumer secret.
    pub oauth_consumer_secret: String,
    /// The store's base URL, such as `https://shop.example.com/`.
    pub store_base_url: String,
    /// The verifier, to be sent back with the access-token request.
    pub oauth_verifier: String,
}

impl fmt::Debug for CredentialPost {
    /// The key and the store only: the secret and the verifier are credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialPost")
            .field("oauth_consumer_key", &self.oauth_consumer_key)
            .field("store_base_url", &self.store_base_url)
            .finish_non_exhaustive()
    }
}

/// A consumer key and secret, or a token and its secret: what signs a request.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The public half: the consumer key, or the token.
    pub identifier: String,
    /// The shared secret.
    pub secret: String,
}

impl Credentials {
    /// Credentials of `identifier` and `secret`.
    pub fn new(identifier: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            identifier: identifier.into(),
            secret: secret.into(),
        }
    }

    fn for_signing(&self) -> oauth1_request::Credentials<&str> {
        oauth1_request::Credentials::new(&self.identifier, &self.secret)
    }
}

impl fmt::Debug for Credentials {
    /// Nothing: a token is as much a credential as its secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(..)")
    }
}

/// What `GET rest/V1/integration/self` answers: who the store takes the caller for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfReport {
    /// 1 for an integration.
    pub user_type: u8,
    /// The integration's id.
    pub user_id: i64,
    /// The ACL resources granted to it.
    pub resources: Vec<String>,
}

/// The two fields both token endpoints answer, or the reason they refused.
#[derive(Deserialize)]
struct TokenAnswer {
    oauth_token: Option<String>,
    oauth_token_secret: Option<String>,
    oauth_problem: Option<String>,
}

/// The JSON error body of the REST API.
#[derive(Deserialize)]
struct ApiProblem {
    message: String,
}

/// A client of one store, signing with one consumer's credentials.
pub struct StoreClient {
    client: Client,
    store_base_url: String,
    consumer: Credentials,
}

impl fmt::Debug for StoreClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreClient")
            .field("store_base_url", &self.store_base_url)
            .finish_non_exhaustive()
    }
}

impl StoreClient {
    /// A client of the store at `store_base_url` (a final `/` is added when missing).
    ///
    /// Fails unless the URL is `http://` or `https://`. An `https://` store needs `awc` built
    /// with one of its TLS features and a client with a TLS connector.
    pub fn new(
        client: Client,
        store_base_url: &str,
        consumer: Credentials,
    ) -> Result<Self, HandshakeError> {
        let is_http =
            store_base_url.starts_with("http://") || store_base_url.starts_with("https://");
        if !is_http {
            return Err(HandshakeError::InvalidStoreUrl(store_base_url.to_owned()));
        }

        let mut store_base_url = store_base_url.to_owned();
        if !store_base_url.ends_with('/') {
            store_base_url.push('/');
        }
        Ok(Self {
            client,
            store_base_url,
            consumer,
        })
    }

    /// The store's base URL, ending in `/`.
    pub fn store_base_url(&self) -> &str {
        &self.store_base_url
    }

    /// Step 1: trades the consumer's credentials for a request token.
    pub async fn request_token(&self) -> Result<Credentials, HandshakeError> {
        let url = format!("{}oauth/token/request", self.store_base_url);
        let authorization = self.authorization("POST", &url, None, None);
        self.token_request(Step::RequestToken, &url, authorization)
            .await
    }

    /// Step 2: trades the request token and the verifier for the access token.
    pub async fn access_token(
        &self,
        request_token: &Credentials,
        verifier: &str,
    ) -> Result<Credentials, HandshakeError> {
        let url = format!("{}oauth/token/access", self.store_base_url);
        let authorization = self.authorization("POST", &url, Some(request_token), Some(verifier));
        self.token_request(Step::AccessToken, &url, authorization)
            .await
    }

    /// Step 3: asks the store who it takes this integration for, signed with `access_token`.
    pub async fn integration_self(
        &self,
        access_token: &Credentials,
    ) -> Result<SelfReport, HandshakeError> {
        let url = format!("{}rest/V1/integration/self", self.store_base_url);
        let authorization = self.authorization("GET", &url, Some(access_token), None);

        let (status, body) = self
            .send(Step::ApiCall, self.client.get(&url), authorization)
            .await?;
        if !status.is_success() {
            let problem = serde_json::from_slice::<ApiProblem>(&body)
                .map(|problem| problem.message)
                .unwrap_or_else(|_| String::from_utf8_lossy(&body).into_owned());
            return Err(HandshakeError::Refused {
                step: Step::ApiCall,
                status: status.as_u16(),
                problem,
            });
        }
        serde_json::from_slice(&body).map_err(|source| HandshakeError::Json {
            step: Step::ApiCall,
            source,
        })
    }

    /// The `Authorization: OAuth …` header of `method url`, signed with the consumer's
    /// credentials and, when given, a token's; with `oauth_verifier` when given. A fresh nonce
    /// and the current time come from `oauth1-request`.
    fn authorization(
        &self,
        method: &str,
        url: &str,
        token: Option<&Credentials>,
        verifier: Option<&str>,
    ) -> String {
        let mut builder =
            oauth1_request::Builder::<_, &str, &str>::new(self.consumer.for_signing(), HmacSha256);
        builder.token(token.map(Credentials::for_signing));
        builder.verifier(verifier);
        builder.authorize(method, url, &())
    }

    /// POSTs to a token endpoint and reads the token and secret it answers.
    async fn token_request(
        &self,
        step: Step,
        url: &str,
        authorization: String,
    ) -> Result<Credentials, HandshakeError> {
        let (status, body) = self
            .send(step, self.client.post(url), authorization)
            .await?;

        // Both success and refusal are form-encoded; a body that is not leaves every field out.
        let answer: TokenAnswer = serde_urlencoded::from_bytes(&body).unwrap_or(TokenAnswer {
            oauth_token: None,
            oauth_token_secret: None,
            oauth_problem: None,
        });
        if !status.is_success() {
            return Err(HandshakeError::Refused {
                step,
                status: status.as_u16(),
                problem: answer
                    .oauth_problem
                    .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned()),
            });
        }

        let token = answer.oauth_token.ok_or(HandshakeError::MissingField {
            step,
            field: "oauth_token",
        })?;
        let secret = answer
            .oauth_token_secret
            .ok_or(HandshakeError::MissingField {
                step,
                field: "oauth_token_secret",
            })?;
        Ok(Credentials::new(token, secret))
    }

    /// Sends `request` with `authorization`; the status and the whole body.
    async fn send(
        &self,
        step: Step,
        request: awc::ClientRequest,
        authorization: String,
    ) -> Result<(StatusCode, actix_web::web::Bytes), HandshakeError> {
        let mut response = request
            .insert_header((header::AUTHORIZATION, authorization))
            .send()
            .await
            .map_err(|source| HandshakeError::Transport { step, source })?;
        let body = response
            .body()
            .await
            .map_err(|source| HandshakeError::Payload { step, source })?;
        Ok((response.status(), body))
    }
}

/// A finished handshake: the access token, and the store's answer to the first signed call.
#[derive(Debug)]
pub struct Connected {
    /// The access token and its secret. Keep them: they sign every later call.
    pub access_token: Credentials,
    /// Who the store takes the integration for.
    pub report: SelfReport,
}

/// Runs the whole handshake for `post` and makes the first signed API call.
pub async fn complete_handshake(
    client: Client,
    post: &CredentialPost,
) -> Result<Connected, HandshakeError> {
    let consumer = Credentials::new(&post.oauth_consumer_key, &post.oauth_consumer_secret);
    let store = StoreClient::new(client, &post.store_base_url, consumer)?;

    let request_token = store.request_token().await?;
    let access_token = store
        .access_token(&request_token, &post.oauth_verifier)
        .await?;
    let report = store.integration_self(&access_token).await?;

    Ok(Connected {
        access_token,
        report,
    })
}
