//! Failures of admin pages, answered as HTML pages rather than the REST API's JSON.
//!
//! The status comes from [`ApiError::status`], the crate's one mapping, with one exception: a
//! missing, expired or revoked session is not an error page but a redirect to the sign-in
//! page. Server faults are logged here, once, with their causes and never a credential.

use actix_web::error::BlockingError;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use gatehouse_domain::ErrorClass;
use gatehouse_tokens::TokensError;

use crate::admin::session::clear_cookie;
use crate::admin::views::{ErrorPage, Layout};
use crate::admin::{html, LOGIN_PATH, SESSION_COOKIE};
use crate::error::ApiError;

/// The answer to a POST whose `form_key` is missing or wrong.
pub const FORGED_FORM: &str =
    "This form has expired or did not come from this site. Reload the page and try again.";

/// The answer to a form body that cannot be read.
pub const UNREADABLE_FORM: &str = "The form cannot be read. Reload the page and try again.";

/// The answer to a query string that cannot be read.
pub const UNREADABLE_QUERY: &str = "The address cannot be read. Go back and try again.";

/// The answer to an admin path no page has.
pub const NO_PAGE: &str = "There is no page at this address.";

/// A failure of an admin page: any [`ApiError`], shown as an HTML page.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct PageError(#[from] pub ApiError);

impl From<TokensError> for PageError {
    fn from(error: TokensError) -> Self {
        Self(ApiError::Service(error))
    }
}

impl From<BlockingError> for PageError {
    fn from(error: BlockingError) -> Self {
        Self(ApiError::Blocking(error))
    }
}

impl PageError {
    /// Whether the failure is a missing or refused session: the visitor must sign in.
    fn needs_sign_in(&self) -> bool {
        self.0.class() == ErrorClass::Authentication
    }

    /// Logs a server fault (error) or a degraded service (warn) with its causes.
    fn log(&self) {
        let status = self.0.status();
        if !status.is_server_error() {
            return;
        }

        let mut text = self.0.to_string();
        let mut source = std::error::Error::source(&self.0);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            log::warn!("admin page unavailable: {text}");
        } else {
            log::error!("admin page failed: {text}");
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        if self.needs_sign_in() {
            return StatusCode::SEE_OTHER;
        }
        self.0.status()
    }

    fn error_response(&self) -> HttpResponse {
        if self.needs_sign_in() {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, LOGIN_PATH))
                .cookie(clear_cookie(SESSION_COOKIE))
                .finish();
        }

        self.log();
        let status = self.0.status();
        error_page(status, &self.0.message().render())
    }
}

/// An HTML page saying `message`, with `status`.
pub(crate) fn error_page(status: StatusCode, message: &str) -> HttpResponse {
    let heading = match status.as_u16() {
        403 => "Access refused",
        404 => "Not found",
        500..=599 => "Something went wrong",
        _ => "The request cannot be completed",
    };
    let page = ErrorPage {
        layout: Layout::anonymous(heading),
        heading,
        message: message.to_owned(),
    };

    // The error page has no fields that can fail to render; if it still does, say so plainly.
    match html(status, &page) {
        Ok(response) => response,
        Err(_) => HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(message.to_owned()),
    }
}

/// The 403 page answering a POST whose `form_key` is missing or wrong.
pub(crate) fn forged_form_page() -> HttpResponse {
    error_page(StatusCode::FORBIDDEN, FORGED_FORM)
}

/// The 400 page answering a form body that cannot be read or is too large.
pub(crate) fn bad_form_page() -> HttpResponse {
    error_page(StatusCode::BAD_REQUEST, UNREADABLE_FORM)
}

/// The 404 page of every admin path without a page.
pub(crate) async fn not_found() -> HttpResponse {
    error_page(StatusCode::NOT_FOUND, NO_PAGE)
}
