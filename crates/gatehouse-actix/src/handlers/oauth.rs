//! `/oauth/token/request` and `/oauth/token/access` (behaviour.md §4): the third party's half
//! of activation. Both answer `application/x-www-form-urlencoded`, errors included.

use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::{failure_reason, is_refusal, Scheme, SignedRequest};
use crate::body::{check_parameter_count, is_form, read_body};
use crate::error::TokenEndpointError;
use crate::handlers::blocking;
use crate::state::AppState;

/// The media type of the token endpoints' answers.
const FORM: &str = "application/x-www-form-urlencoded";

/// Which token the exchange issues.
#[derive(Debug, Clone, Copy)]
enum Step {
    Request,
    Access,
}

/// `POST|GET /oauth/token/request`: the verifier row becomes a request token.
pub(crate) async fn request_token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, TokenEndpointError> {
    exchange(req, payload, state, Step::Request).await
}

/// `POST|GET /oauth/token/access`: the request token becomes an access token.
pub(crate) async fn access_token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, TokenEndpointError> {
    exchange(req, payload, state, Step::Access).await
}

async fn exchange(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    step: Step,
) -> Result<HttpResponse, TokenEndpointError> {
    let mut payload = payload.into_inner();
    let body = read_body(
        &req,
        &mut payload,
        state.settings.max_body_bytes,
        state.settings.body_timeout,
    )
    .await?;
    if is_form(&req) {
        check_parameter_count(&body, state.settings.max_parameters)?;
    }

    let signed = SignedRequest::capture(&req, &state.settings.public_base_url, body);
    let oauth = state.services.oauth.clone();
    let outcome = blocking(&state, Duration::ZERO, move || match step {
        Step::Request => oauth.request_token(&signed.parts()),
        Step::Access => oauth.access_token(&signed.parts()),
    })
    .await?;

    match outcome {
        Ok(pair) => Ok(HttpResponse::Ok().content_type(FORM).body(pair.form_body())),
        Err(error) => {
            if is_refusal(&error) {
                state
                    .metrics
                    .record_auth_failure(Scheme::OAuth.as_str(), failure_reason(&error));
            }
            Err(error.into())
        }
    }
}
