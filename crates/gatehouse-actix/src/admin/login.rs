//! Signing in and out.
//!
//! Signing in calls the users service exactly as `POST /rest/V1/integration/admin/token` does,
//! so the password check, the one refusal message for every failure and the throttling of
//! failed attempts are the same; the JWT it issues becomes the session cookie. Signing out
//! revokes that one token.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use gatehouse_domain::ErrorClass;
use gatehouse_tokens::TokensError;

use crate::admin::csrf::{self, Purpose};
use crate::admin::error::forged_form_page;
use crate::admin::form::{Fields, REQUIRED};
use crate::admin::session::{
    clear_cookie, cookie_value, login_cookie, needs_secure_cookies, session_cookie, Flash,
};
use crate::admin::views::{Layout, LoginPage};
use crate::admin::{
    html_response, render, AdminSession, PageError, FLASH_COOKIE, FORM_KEY_FIELD, GRID_PATH,
    LOGIN_COOKIE, LOGIN_PATH, SESSION_COOKIE,
};
use crate::handlers::blocking;
use crate::state::AppState;

/// Length of the sign-in cookie's random value.
const LOGIN_NONCE_LENGTH: usize = 32;

/// `GET /admin/login`: the sign-in form.
pub(crate) async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let notice = Flash::of(&req).map(|flash| flash.message());
    let page = LoginPage {
        layout: Layout::anonymous("Sign in").with_notice(notice),
        username: String::new(),
        form_key: String::new(),
        error: None,
        username_error: None,
        password_error: None,
    };
    sign_in_page(&req, &state, StatusCode::OK, page)
}

/// `POST /admin/login`: checks the form key, then the credentials; on success the JWT becomes
/// the session cookie and the admin lands on the grid.
pub(crate) async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields(fields.into_inner());
    let keys = &state.services.oauth.context().keys;
    let bound_to = cookie_value(&req, LOGIN_COOKIE).unwrap_or_default();
    let presented = fields.get(FORM_KEY_FIELD).unwrap_or_default();
    if bound_to.is_empty() || !csrf::is_valid(keys, Purpose::SignIn, &bound_to, presented) {
        return Ok(forged_form_page());
    }

    let username = fields.text("username");
    let password = fields.text("password");
    if username.is_empty() || password.is_empty() {
        let page = LoginPage {
            layout: Layout::anonymous("Sign in"),
            username_error: username.is_empty().then(|| REQUIRED.to_owned()),
            password_error: password.is_empty().then(|| REQUIRED.to_owned()),
            username,
            form_key: String::new(),
            error: None,
        };
        return sign_in_page(&req, &state, StatusCode::BAD_REQUEST, page);
    }

    let users = Arc::clone(&state.services.users);
    let clock = Arc::clone(&state.services.oauth.context().clock);
    let checked_username = username.clone();
    let outcome = blocking(
        &state,
        Duration::ZERO,
        move || -> Result<(String, i64, i64), TokensError> {
            let token = users.issue_admin_token(&checked_username, &password)?;
            let claims = users.read_user_token(&token)?;
            let lifetime = claims.expires_at - clock.now();
            Ok((token, claims.user_id, lifetime))
        },
    )
    .await?;

    let (token, admin_id, lifetime) = match outcome {
        Ok(signed_in) => signed_in,
        Err(refusal) if refusal.class() == ErrorClass::Authentication => {
            let page = LoginPage {
                layout: Layout::anonymous("Sign in"),
                username,
                form_key: String::new(),
                error: Some(refusal.message().render()),
                username_error: None,
                password_error: None,
            };
            return sign_in_page(&req, &state, StatusCode::UNAUTHORIZED, page);
        }
        Err(error) => return Err(error.into()),
    };

    log::info!("admin {admin_id} signed in to the admin pages");
    let secure = needs_secure_cookies(&req, &state);
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, GRID_PATH))
        .cookie(session_cookie(token, lifetime, secure))
        .cookie(clear_cookie(LOGIN_COOKIE))
        .finish())
}

/// `POST /admin/logout`: revokes the session's token and forgets the cookie.
pub(crate) async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: AdminSession,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields(fields.into_inner());
    if !session.accepts_form_key(&state, fields.get(FORM_KEY_FIELD)) {
        return Ok(forged_form_page());
    }

    let users = Arc::clone(&state.services.users);
    let token = session.token().to_owned();
    blocking(&state, Duration::ZERO, move || users.revoke_token(&token)).await??;
    log::info!(
        "admin {} signed out of the admin pages; the session token is revoked",
        session.admin_id()
    );

    let secure = needs_secure_cookies(&req, &state);
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, LOGIN_PATH))
        .cookie(clear_cookie(SESSION_COOKIE))
        .cookie(Flash::SignedOut.cookie(secure))
        .finish())
}

/// Renders the sign-in page with `status`, binding its form key to the sign-in cookie (set
/// here when the browser has none yet). A notice, if shown, is cleared.
fn sign_in_page(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    mut page: LoginPage,
) -> Result<HttpResponse, PageError> {
    let existing =
        cookie_value(req, LOGIN_COOKIE).filter(|value| value.len() == LOGIN_NONCE_LENGTH);
    let context = state.services.oauth.context();
    let bound_to = existing
        .clone()
        .unwrap_or_else(|| context.random.credential(LOGIN_NONCE_LENGTH));
    page.form_key = csrf::form_key(&context.keys, Purpose::SignIn, &bound_to);

    let body = render(&page)?;
    let mut response = html_response(status);
    if existing.is_none() {
        let secure = needs_secure_cookies(req, state);
        response.cookie(login_cookie(bound_to, secure));
    }
    if page.layout.notice.is_some() {
        response.cookie(clear_cookie(FLASH_COOKIE));
    }
    Ok(response.body(body))
}
