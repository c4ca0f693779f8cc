//! Admin and customer tokens (behaviour.md §6), revocation, and `integration/self`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use gatehouse_domain::{ErrorClass, UserType};

use crate::auth::{failure_reason, require_authenticated, Caller, RequireResource, TokensResource};
use crate::error::ApiError;
use crate::handlers::{path_id, read_json, run};
use crate::state::AppState;

/// The body of the two token routes. Both fields are optional here so that the service can
/// answer which ones are missing, as the reference does.
#[derive(Debug, Default, Deserialize)]
struct Login {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// `POST /rest/V1/integration/admin/token`: a JWT as a JSON string.
pub(crate) async fn admin_token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let login: Login = read_json(&req, payload, &state).await?;

    let users = state.services.users.clone();
    let issued = run(&state, move || {
        users.issue_admin_token(
            login.username.as_deref().unwrap_or_default(),
            login.password.as_deref().unwrap_or_default(),
        )
    })
    .await;
    answer_token(&state, issued)
}

/// `POST /rest/V1/integration/customer/token`: a JWT as a JSON string.
pub(crate) async fn customer_token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let login: Login = read_json(&req, payload, &state).await?;

    let users = state.services.users.clone();
    let issued = run(&state, move || {
        users.issue_customer_token(
            login.username.as_deref().unwrap_or_default(),
            login.password.as_deref().unwrap_or_default(),
        )
    })
    .await;
    answer_token(&state, issued)
}

fn answer_token(
    state: &AppState,
    issued: Result<String, ApiError>,
) -> Result<HttpResponse, ApiError> {
    match issued {
        Ok(token) => Ok(HttpResponse::Ok().json(token)),
        Err(ApiError::Service(error)) => {
            if error.class() == ErrorClass::Authentication {
                state
                    .metrics
                    .record_auth_failure("password", failure_reason(&error));
            }
            Err(ApiError::Service(error))
        }
        Err(error) => Err(error),
    }
}

/// `POST /rest/V1/integration/customer/revoke-customer-token`: the calling customer revokes
/// their own tokens.
pub(crate) async fn revoke_own_customer_tokens(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let users = state.services.users.clone();
    let revoked = run(&state, move || users.revoke_own_tokens(caller.principal())).await?;
    Ok(HttpResponse::Ok().json(revoked))
}

/// `POST /rest/V1/integration/admin/{admin_id}/revoke`.
pub(crate) async fn revoke_admin_tokens(
    req: HttpRequest,
    _caller: RequireResource<TokensResource>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    revoke_user(&req, &state, UserType::Admin, "admin_id").await
}

/// `POST /rest/V1/integration/customer/{customer_id}/revoke`.
pub(crate) async fn revoke_customer_tokens(
    req: HttpRequest,
    _caller: RequireResource<TokensResource>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    revoke_user(&req, &state, UserType::Customer, "customer_id").await
}

async fn revoke_user(
    req: &HttpRequest,
    state: &AppState,
    user_type: UserType,
    segment: &'static str,
) -> Result<HttpResponse, ApiError> {
    let user_id = path_id(req, segment)?;

    let users = state.services.users.clone();
    run(state, move || users.revoke_user(user_type, user_id)).await?;
    Ok(HttpResponse::Ok().json(true))
}

/// `GET /rest/V1/integration/self`: who the caller is.
pub(crate) async fn whoami(caller: Caller) -> Result<HttpResponse, ApiError> {
    require_authenticated(&caller)?;

    Ok(HttpResponse::Ok().json(json!({
        "user_type": caller.user_type().code(),
        "user_id": caller.user_id(),
        "resources": caller.resources(),
    })))
}
