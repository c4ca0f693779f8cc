//! Who is calling: the [`Caller`] extractor, the [`authenticate`] middleware it relies on for
//! signed requests with a body, and the ACL guard ([`require`], [`RequireResource`]).
//!
//! A caller is resolved in the order of behaviour.md §5:
//!
//! 1. `Authorization: OAuth …`: a signed request. The base string URI is the configured public
//!    base URL followed by the request path (see [`PublicBaseUrl`]). A refusal answers at once
//!    (401 for a bad signature, unknown consumer or token, 400 for malformed parameters).
//! 2. `Authorization: Bearer <token>` (scheme in any case, exactly two parts separated by one
//!    space): an admin or customer JWT, or an integration's access token when the user-token
//!    service accepts those. A token that fails makes the caller a guest, and the route's ACL
//!    check then answers.
//! 3. Anything else: a guest.
//!
//! Services run on the blocking pool, but the caches can answer on the async worker: a bearer
//! JWT is checked there when its answer needs no storage read (about a microsecond, less than
//! a trip to the blocking pool and back), and a signed request whose consumer and access token
//! the credential cache knows has its timestamp and signature checked there, its nonce then
//! recorded by the nonce writer (`nonces.rs`). Everything else goes to the pool.
//!
//! The result is kept in the request, so a handler taking several [`Caller`]s (or a guard and
//! a caller) authenticates once and a nonce is recorded once.

use std::marker::PhantomData;
use std::ops::Deref;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use gatehouse_acl::{AclError, Principal, SELF};
use gatehouse_domain::ErrorClass;
use gatehouse_oauth1::RequestParts;
use gatehouse_tokens::TokensError;

use crate::body::{check_parameter_count, content_type, is_form, read_body};
use crate::error::ApiError;
use crate::handlers::blocking;
use crate::settings::PublicBaseUrl;
use crate::state::AppState;

/// The authenticated caller of a request: an integration, an admin, a customer or a guest.
///
/// Take it as a handler argument. Routes that read a body and accept OAuth-signed requests
/// must be wrapped in the [`authenticate`] middleware, which keeps the body for the signature
/// check; [`crate::configure`] does that for every Gatehouse route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(pub Principal);

impl Caller {
    /// The caller's principal.
    pub fn principal(&self) -> &Principal {
        &self.0
    }

    /// The caller's principal, owned.
    pub fn into_principal(self) -> Principal {
        self.0
    }
}

impl Deref for Caller {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { resolve_caller(&req).await.map(Caller) })
    }
}

/// How a request authenticated, for the per-request log line and the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// An OAuth-signed request.
    OAuth,
    /// A bearer token.
    Bearer,
    /// No credentials, or credentials that failed as a bearer token.
    None,
}

impl Scheme {
    /// The scheme's name in logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OAuth => "oauth",
            Self::Bearer => "bearer",
            Self::None => "none",
        }
    }
}

/// The caller once resolved, kept in the request's extensions.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedCaller {
    pub(crate) principal: Principal,
    pub(crate) scheme: Scheme,
}

/// The body of an OAuth-signed request, kept by [`authenticate`] for the signature check.
#[derive(Debug, Clone)]
struct SignedBody(Bytes);

/// Middleware that keeps the body of OAuth-signed requests for [`Caller`], then hands the
/// same bytes on to the handler. Other requests pass untouched, without any cost.
///
/// A form body is a signature parameter source (RFC 5849 §3.4.1.3.1), and a JSON body may be
/// covered by `oauth_body_hash`, so the signature cannot be checked without it. The body limit
/// and the parameter cap apply here as everywhere.
///
/// Use it with [`actix_web::middleware::from_fn`]:
///
/// ```
/// use actix_web::middleware::from_fn;
/// use actix_web::web;
///
/// let api = web::scope("/api").wrap(from_fn(gatehouse_actix::authenticate));
/// ```
pub async fn authenticate(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if matches!(credentials(req.request()), Credentials::OAuth) {
        let mut payload = req.take_payload();
        match keep_signed_body(req.request(), &mut payload).await {
            Ok(body) => {
                req.extensions_mut().insert(SignedBody(body.clone()));
                req.set_payload(Payload::from(body));
            }
            Err(error) => return Ok(req.error_response(error).map_into_right_body()),
        }
    }

    Ok(next.call(req).await?.map_into_left_body())
}

/// Reads the body of a signed request within the limits.
async fn keep_signed_body(req: &HttpRequest, payload: &mut Payload) -> Result<Bytes, ApiError> {
    let state = app_state(req)?;
    let body = read_body(
        req,
        payload,
        state.settings.max_body_bytes,
        state.settings.body_timeout,
    )
    .await?;
    if is_form(req) {
        check_parameter_count(&body, state.settings.max_parameters)?;
    }
    Ok(body)
}

/// Resolves the caller of `req` (once; later calls read the kept result).
pub async fn resolve_caller(req: &HttpRequest) -> Result<Principal, ApiError> {
    if let Some(resolved) = req.extensions().get::<ResolvedCaller>() {
        return Ok(resolved.principal.clone());
    }

    let state = app_state(req)?;
    let (principal, scheme) = match credentials(req) {
        Credentials::OAuth => {
            let principal = authenticate_signed(req, &state).await?;
            (principal, Scheme::OAuth)
        }
        Credentials::Bearer(token) => match authenticate_bearer(&state, token).await? {
            Some(principal) => (principal, Scheme::Bearer),
            None => (Principal::Guest, Scheme::None),
        },
        Credentials::None => (Principal::Guest, Scheme::None),
    };

    req.extensions_mut().insert(ResolvedCaller {
        principal: principal.clone(),
        scheme,
    });
    Ok(principal)
}

/// The ACL guard: succeeds when `caller` may use `resource`, else the reference's 401
/// `The consumer isn't authorized to access %resources.` naming it.
///
/// ```
/// use gatehouse_acl::{Acl, Principal, ResourceTree};
/// use gatehouse_domain::CustomerId;
///
/// let acl = Acl::new(ResourceTree::builtin());
/// let customer = Principal::Customer(CustomerId(7));
/// let refused = gatehouse_actix::require(&acl, &customer, "Magento_Integration::integrations");
/// assert_eq!(refused.unwrap_err().status().as_u16(), 401);
/// ```
pub fn require(
    acl: &gatehouse_acl::Acl,
    caller: &Principal,
    resource: &'static str,
) -> Result<(), ApiError> {
    acl.authorize(caller, &[resource]).map_err(ApiError::Acl)
}

/// Refuses a guest with the reference's answer for routes open to any authenticated caller
/// (it names the `self` resource, as the reference does for its own-account routes).
pub fn require_authenticated(caller: &Principal) -> Result<(), ApiError> {
    if *caller == Principal::Guest {
        return Err(ApiError::Acl(AclError::Denied {
            resources: vec![SELF.to_owned()],
        }));
    }
    Ok(())
}

/// An ACL resource named by a type, for [`RequireResource`].
pub trait AclResource {
    /// The resource id, such as `Magento_Integration::integrations`.
    const ID: &'static str;
}

/// `Magento_Integration::integrations`: managing integrations.
#[derive(Debug, Clone, Copy)]
pub struct IntegrationsResource;

impl AclResource for IntegrationsResource {
    const ID: &'static str = "Magento_Integration::integrations";
}

/// `Magento_Integration::tokens`: revoking other users' tokens.
#[derive(Debug, Clone, Copy)]
pub struct TokensResource;

impl AclResource for TokensResource {
    const ID: &'static str = "Magento_Integration::tokens";
}

/// An extractor that resolves the [`Caller`] and refuses it unless it may use `R::ID`.
///
/// ```
/// use actix_web::HttpResponse;
/// use gatehouse_actix::{IntegrationsResource, RequireResource};
///
/// async fn handler(caller: RequireResource<IntegrationsResource>) -> HttpResponse {
///     HttpResponse::Ok().json(caller.user_id())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct RequireResource<R: AclResource> {
    caller: Caller,
    resource: PhantomData<R>,
}

impl<R: AclResource> RequireResource<R> {
    /// The caller, known to be allowed.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }
}

impl<R: AclResource> Deref for RequireResource<R> {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.caller.0
    }
}

impl<R: AclResource + 'static> FromRequest for RequireResource<R> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let principal = resolve_caller(&req).await?;
            let state = app_state(&req)?;
            require(&state.services.acl, &principal, R::ID)?;
            Ok(Self {
                caller: Caller(principal),
                resource: PhantomData,
            })
        })
    }
}

/// The shared state, which every Gatehouse route needs.
pub(crate) fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or(ApiError::Misconfigured(
            "the AppState is not registered as app data",
        ))
}

/// The credentials a request carries.
enum Credentials<'a> {
    /// An `Authorization: OAuth …` header.
    OAuth,
    /// The token of `Authorization: Bearer <token>`.
    Bearer(&'a str),
    /// Nothing usable.
    None,
}

fn credentials(req: &HttpRequest) -> Credentials<'_> {
    let Some(value) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
    else {
        return Credentials::None;
    };

    let scheme = value.split(' ').next().unwrap_or_default();
    if scheme.eq_ignore_ascii_case("oauth") {
        return Credentials::OAuth;
    }

    let parts: Vec<&str> = value.split(' ').collect();
    match parts.as_slice() {
        [scheme, token] if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() => {
            Credentials::Bearer(token)
        }
        _ => Credentials::None,
    }
}

/// An OAuth-signed request, owned so that it can move to the blocking pool.
#[derive(Debug, Clone)]
pub(crate) struct SignedRequest {
    method: String,
    base_uri: String,
    query: String,
    authorization: Option<String>,
    content_type: Option<String>,
    body: Bytes,
}

impl SignedRequest {
    /// Captures `req` with `body`, the base URI resolved from the settings.
    pub(crate) fn capture(req: &HttpRequest, base_url: &PublicBaseUrl, body: Bytes) -> Self {
        Self {
            method: req.method().as_str().to_owned(),
            base_uri: base_uri(req, base_url),
            query: req.query_string().to_owned(),
            authorization: req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            content_type: content_type(req).map(str::to_owned),
            body,
        }
    }

    /// The request as the protocol core reads it.
    pub(crate) fn parts(&self) -> RequestParts<'_> {
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

/// The public URL of the request, without its query: the configured base URL (its trailing
/// `/` dropped) followed by the path as sent.
pub(crate) fn base_uri(req: &HttpRequest, base_url: &PublicBaseUrl) -> String {
    let base = public_base(req, base_url);
    format!("{}{}", base.trim_end_matches('/'), req.path())
}

/// The public base URL, ending in `/`: as configured, or from the request's own scheme and
/// `Host` header when so configured (forwarded headers are never read).
pub(crate) fn public_base(req: &HttpRequest, base_url: &PublicBaseUrl) -> String {
    match base_url {
        PublicBaseUrl::Fixed(base) => base.clone(),
        PublicBaseUrl::FromRequest => {
            let config = req.app_config();
            let scheme = if config.secure() { "https" } else { "http" };
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_else(|| config.host());
            format!("{scheme}://{host}/")
        }
    }
}

async fn authenticate_signed(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Principal, ApiError> {
    let Some(SignedBody(body)) = req.extensions().get::<SignedBody>().cloned() else {
        return Err(ApiError::Misconfigured(
            "routes taking a Caller must be wrapped in the authenticate middleware",
        ));
    };

    let signed = SignedRequest::capture(req, &state.settings.public_base_url, body);
    let oauth = state.services.oauth.clone();

    // Credentials the cache knows are checked here, on the worker, and only the nonce goes to
    // storage, through the nonce writer; anything else goes to the blocking pool whole.
    let cached = match &state.nonces {
        Some(writer) => match oauth.check_signed_cached(&signed.parts()) {
            Some(Ok(checked)) => {
                let deadline = state.settings.service_deadline;
                let recorded = actix_web::rt::time::timeout(
                    deadline,
                    writer.record(checked.nonce_use().clone()),
                )
                .await
                .map_err(|_| ApiError::Deadline { after: deadline })?;
                Some(checked.finish(recorded))
            }
            Some(Err(refused)) => Some(Err(refused)),
            None => None,
        },
        None => None,
    };
    let outcome = match cached {
        Some(outcome) => outcome,
        None => {
            blocking(state, Duration::ZERO, move || {
                oauth.authenticate_signed(&signed.parts())
            })
            .await?
        }
    };

    outcome.map_err(|error| {
        if is_refusal(&error) {
            state
                .metrics
                .record_auth_failure(Scheme::OAuth.as_str(), failure_reason(&error));
        }
        ApiError::Service(error)
    })
}

/// The bearer token's principal, or `None` when the token is refused (the caller is then a
/// guest). Storage failures are not refusals: they answer 503 or 500.
async fn authenticate_bearer(
    state: &web::Data<AppState>,
    token: &str,
) -> Result<Option<Principal>, ApiError> {
    // Most tokens are answered from memory; only those needing storage go to the pool.
    let outcome = match state.services.users.authenticate_bearer_cached(token) {
        Some(outcome) => outcome,
        None => {
            let users = state.services.users.clone();
            let token = token.to_owned();
            blocking(state, Duration::ZERO, move || {
                users.authenticate_bearer(&token)
            })
            .await?
        }
    };

    match outcome {
        Ok(principal) => Ok(Some(principal)),
        Err(error) if is_refusal(&error) => {
            state
                .metrics
                .record_auth_failure(Scheme::Bearer.as_str(), failure_reason(&error));
            Ok(None)
        }
        Err(error) => Err(ApiError::Service(error)),
    }
}

/// Whether the error refuses the credentials (rather than failing to check them).
pub(crate) fn is_refusal(error: &TokensError) -> bool {
    !matches!(
        error.class(),
        ErrorClass::Unavailable | ErrorClass::Internal
    )
}

/// A fixed, short name for why authentication failed, for the metrics.
pub(crate) fn failure_reason(error: &TokensError) -> &'static str {
    use gatehouse_oauth1::OAuth1Error as P;

    match error {
        TokensError::Protocol(P::InvalidSignature) => "invalid_signature",
        TokensError::Protocol(P::BodyHashMismatch) => "body_hash_mismatch",
        TokensError::Protocol(P::TimestampOutOfWindow | P::InvalidTimestamp) => "timestamp",
        TokensError::Protocol(P::MissingParameters { .. }) => "missing_parameters",
        TokensError::Protocol(P::UnsupportedSignatureMethod { .. }) => "signature_method",
        TokensError::Protocol(P::UnsupportedVersion { .. }) => "oauth_version",
        TokensError::Protocol(_) | TokensError::Value(_) => "malformed_request",
        TokensError::InputErrors(_) => "missing_credentials",
        TokensError::Refused { message, .. } => reason_of_message(&message.template),
        _ => "other",
    }
}

fn reason_of_message(template: &str) -> &'static str {
    use gatehouse_tokens::oauth::messages as m;

    const REASONS: [(&str, &str); 14] = [
        (m::UNKNOWN_CONSUMER, "unknown_consumer"),
        (m::CONSUMER_EXPIRED, "consumer_expired"),
        (m::NONCE_USED, "nonce_reused"),
        (m::NO_CONSUMER_TOKEN, "unknown_token"),
        (m::NOT_A_VERIFIER_TOKEN, "token_state"),
        (m::TOKEN_DOES_NOT_EXIST, "unknown_token"),
        (m::REQUEST_TOKEN_OTHER_CONSUMER, "token_consumer_mismatch"),
        (m::TOKEN_ALREADY_USED, "token_state"),
        (m::VERIFIER_INVALID, "verifier"),
        (m::VERIFIER_LENGTH, "verifier"),
        (m::VERIFIER_MISMATCH, "verifier"),
        (m::TOKEN_OTHER_CONSUMER, "token_consumer_mismatch"),
        (m::NOT_AN_ACCESS_TOKEN, "token_state"),
        (m::ACCESS_TOKEN_REVOKED, "token_revoked"),
    ];
    if template == gatehouse_tokens::users::SIGN_IN_FAILED {
        return "sign_in_failed";
    }
    if template == gatehouse_tokens::revocation::REVOKED_TOKEN {
        return "token_revoked";
    }
    REASONS
        .iter()
        .find(|(known, _)| *known == template)
        .map_or("other", |(_, reason)| reason)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn scheme_of(value: &str) -> &'static str {
        let req = TestRequest::default()
            .insert_header((header::AUTHORIZATION, value))
            .to_http_request();
        match credentials(&req) {
            Credentials::OAuth => "oauth",
            Credentials::Bearer(_) => "bearer",
            Credentials::None => "none",
        }
    }

    #[test]
    fn authorization_schemes() {
        assert_eq!(scheme_of("OAuth oauth_consumer_key=\"k\""), "oauth");
        assert_eq!(scheme_of("oauth oauth_consumer_key=\"k\""), "oauth");
        assert_eq!(scheme_of("Bearer abc"), "bearer");
        assert_eq!(scheme_of("bEaReR abc"), "bearer");
        assert_eq!(scheme_of("Bearer  abc"), "none");
        assert_eq!(scheme_of("Bearer abc def"), "none");
        assert_eq!(scheme_of("Bearer"), "none");
        assert_eq!(scheme_of("Basic YWxhZGRpbjpvcGVuc2VzYW1l"), "none");
        assert_eq!(scheme_of(""), "none");
    }

    #[test]
    fn base_uri_comes_from_the_configured_url_not_the_host() {
        let req = TestRequest::with_uri("/rest/V1/integration/self?x=1")
            .insert_header((header::HOST, "attacker.example"))
            .to_http_request();
        let fixed = PublicBaseUrl::fixed("https://shop.example.com/");
        assert_eq!(
            base_uri(&req, &fixed),
            "https://shop.example.com/rest/V1/integration/self"
        );
        assert_eq!(
            base_uri(&req, &PublicBaseUrl::FromRequest),
            "http://attacker.example/rest/V1/integration/self"
        );
    }
}
