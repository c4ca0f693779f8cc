//! The route handlers, one module per area. Each reads the request, calls one service on the
//! blocking pool and shapes the answer; refusals travel as [`ApiError`] to the one mapping in
//! [`crate::error`].

pub(crate) mod integrations;
pub(crate) mod oauth;
pub(crate) mod ops;
pub(crate) mod users;

use std::time::Duration;

use actix_web::{web, HttpRequest};
use serde::de::DeserializeOwned;

use gatehouse_tokens::TokensError;

use crate::body::{parse_json, read_body};
use crate::error::ApiError;
use crate::state::AppState;

/// Runs a service call on the blocking pool, so the async workers never wait on storage.
pub(crate) async fn run<T, F>(state: &AppState, call: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, TokensError> + Send + 'static,
    T: Send + 'static,
{
    blocking(state, Duration::ZERO, call)
        .await?
        .map_err(ApiError::Service)
}

/// Runs `call` on the blocking pool and waits for it at most the service deadline plus
/// `extra`, queueing for a thread included; past it the request is answered 503.
///
/// The call itself cannot be cancelled: a thread stuck on a silent database stays stuck until
/// the driver gives up, but the client gets its answer in bounded time.
pub(crate) async fn blocking<T, F>(
    state: &AppState,
    extra: Duration,
    call: F,
) -> Result<T, ApiError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let deadline = state.settings.service_deadline + extra;
    match actix_web::rt::time::timeout(deadline, web::block(call)).await {
        Ok(outcome) => outcome.map_err(ApiError::Blocking),
        Err(_) => Err(ApiError::Deadline { after: deadline }),
    }
}

/// Reads and decodes a JSON body within the configured limit.
pub(crate) async fn read_json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<T, ApiError> {
    let mut payload = payload.into_inner();
    let body = read_body(
        req,
        &mut payload,
        state.settings.max_body_bytes,
        state.settings.body_timeout,
    )
    .await?;
    parse_json(&body)
}

/// A numeric id from the path segment `name`.
pub(crate) fn path_id(req: &HttpRequest, name: &'static str) -> Result<i64, ApiError> {
    let value = req.match_info().get(name).unwrap_or_default();
    value
        .parse::<i64>()
        .map_err(|_| ApiError::InvalidPathParameter {
            name,
            value: value.to_owned(),
        })
}
