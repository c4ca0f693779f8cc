//! The admin web UI under `/admin/`: sign-in, the integration grid, the new and edit form with
//! its resource tree, activation with the credentials page, reauthorization and deletion.
//!
//! The pages are rendered on the server from compiled templates (`templates/admin/`, askama)
//! and work without JavaScript; `static/admin/admin.js` only adds copy buttons and keeps the
//! resource tree's checkboxes consistent. Every asset is compiled into the binary and served
//! from `/admin/static/`: a page never loads anything from elsewhere, and the
//! `Content-Security-Policy` sent with every answer says so to the browser.
//!
//! # Sessions
//!
//! Signing in goes through the same users service as `POST /rest/V1/integration/admin/token`,
//! with its password check and throttling. The session cookie carries the admin JWT itself and
//! lives as long as the token; each request validates it as the REST API validates a bearer
//! token, revocation included, and signing out revokes that one token. The cookie is
//! `HttpOnly`, `SameSite=Strict`, limited to `/admin`, and `Secure` when the public base URL is
//! https.
//!
//! # Forgery protection
//!
//! Every form carries a `form_key` (the reference's name for it): an HMAC of the session token
//! under a key derived from the crypt key, so no secret is stored for it. The sign-in form,
//! shown before there is a session, binds its key to a random value kept in a cookie of its
//! own. A POST whose key is missing or wrong is answered with a 403 page and does nothing.
//!
//! # Blocking work
//!
//! Service calls (storage, password hashing, the credential POST) run on the blocking pool,
//! never on the async workers, through the REST handlers' helper and so under the same service
//! deadline (plus the POST timeout for an activation): a silent database gives a 503 page in
//! bounded time, not a hung one.

mod activation;
mod assets;
mod csrf;
mod error;
mod form;
mod integrations;
mod login;
mod session;
mod views;

use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpResponse, HttpResponseBuilder};
use askama::Template;

use crate::error::ApiError;

pub use error::PageError;
pub use session::{AdminSession, FLASH_COOKIE, LOGIN_COOKIE, SESSION_COOKIE};

/// Where the admin UI is mounted.
pub const ADMIN_PATH: &str = "/admin";

/// The page a signed-in admin starts on.
pub const GRID_PATH: &str = "/admin/integrations";

/// The sign-in page.
pub const LOGIN_PATH: &str = "/admin/login";

/// The name of the forgery-protection field of every form, as the reference names it.
pub const FORM_KEY_FIELD: &str = "form_key";

/// Largest accepted form body: room for a resource tree of several thousand resources.
const FORM_LIMIT_BYTES: usize = 256 * 1024;

/// What the browser may load and where forms may go: this server only, no inline code, no
/// framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// Mounts the admin UI under `/admin`. Call it from the app's `configure` step, next to the
/// other routes; the handlers read the [`crate::AppState`] registered as app data.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(ADMIN_PATH)
            .wrap(security_headers())
            .app_data(
                web::FormConfig::default()
                    .limit(FORM_LIMIT_BYTES)
                    .error_handler(|error, _| {
                        let response = error::bad_form_page();
                        actix_web::error::InternalError::from_response(error, response).into()
                    }),
            )
            .app_data(web::QueryConfig::default().error_handler(|error, _| {
                let response = error::error_page(
                    actix_web::http::StatusCode::BAD_REQUEST,
                    error::UNREADABLE_QUERY,
                );
                actix_web::error::InternalError::from_response(error, response).into()
            }))
            .route("", web::get().to(home))
            .route("/", web::get().to(home))
            .route("/login", web::get().to(login::show))
            .route("/login", web::post().to(login::submit))
            .route("/logout", web::post().to(login::logout))
            .route("/integrations", web::get().to(integrations::grid))
            .route("/integrations/new", web::get().to(integrations::new_form))
            .route("/integrations/new", web::post().to(integrations::create))
            .route(
                "/integrations/{id}/edit",
                web::get().to(integrations::edit_form),
            )
            .route(
                "/integrations/{id}/edit",
                web::post().to(integrations::update),
            )
            .route(
                "/integrations/{id}/activate",
                web::get().to(activation::confirm_activate),
            )
            .route(
                "/integrations/{id}/activate",
                web::post().to(activation::activate),
            )
            .route(
                "/integrations/{id}/reauthorize",
                web::get().to(activation::confirm_reauthorize),
            )
            .route(
                "/integrations/{id}/reauthorize",
                web::post().to(activation::reauthorize),
            )
            .route(
                "/integrations/{id}/delete",
                web::get().to(activation::confirm_delete),
            )
            .route(
                "/integrations/{id}/delete",
                web::post().to(activation::delete),
            )
            .route("/static/{file}", web::get().to(assets::serve))
            .default_service(web::to(error::not_found)),
    );
}

/// `/admin` and `/admin/`: the grid, which sends a visitor without a session to sign in.
async fn home() -> HttpResponse {
    see_other(GRID_PATH)
}

/// The headers every admin answer carries: the content policy, no framing, no sniffing, no
/// referrer leaving the site.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .add((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .add((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .add((
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
}

/// A `303 See Other` to `location`, the answer to a POST that worked (post/redirect/get).
fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// Renders `template` as an HTML page with `status`.
fn html<T: Template>(
    status: actix_web::http::StatusCode,
    template: &T,
) -> Result<HttpResponse, PageError> {
    Ok(html_response(status).body(render(template)?))
}

/// The start of an HTML answer with `status`. Pages are never cached: they show the state of
/// the moment, and some show credentials.
fn html_response(status: actix_web::http::StatusCode) -> HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    builder
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}

/// The page `template` renders. Rendering fails only if a value's `Display` fails, which the
/// page's values never do; the failure is still answered, as a server fault.
fn render<T: Template>(template: &T) -> Result<String, PageError> {
    template.render().map_err(|error| {
        log::error!("an admin page failed to render: {error}");
        PageError::from(ApiError::Misconfigured(
            "an admin page template failed to render",
        ))
    })
}
