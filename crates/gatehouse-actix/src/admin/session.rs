//! The admin's session and the UI's cookies.
//!
//! - [`SESSION_COOKIE`] holds the admin JWT issued at sign-in. [`AdminSession`] reads it on
//!   each request and validates it as the REST API validates a bearer token (signature,
//!   expiry, revocation of the user and of the token), then loads the admin.
//! - [`LOGIN_COOKIE`] holds a random value that the sign-in form's key is bound to.
//! - [`FLASH_COOKIE`] carries a one-time notice ("saved", "deleted", "signed out") across the
//!   redirect that follows a form.
//!
//! All three are `HttpOnly`, `SameSite=Strict`, limited to `/admin`, and `Secure` when the
//! public base URL is https.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::cookie::time::Duration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use gatehouse_acl::Principal;
use gatehouse_domain::{AdminId, AdminUser, ErrorClass, Message};
use gatehouse_tokens::TokensError;

use crate::admin::csrf::{self, Purpose};
use crate::admin::{PageError, ADMIN_PATH};
use crate::auth::app_state;
use crate::handlers::blocking;
use crate::settings::PublicBaseUrl;
use crate::state::AppState;

/// The session cookie: the admin JWT.
pub const SESSION_COOKIE: &str = "gatehouse_admin";

/// The sign-in form's cookie: a random value its form key is bound to.
pub const LOGIN_COOKIE: &str = "gatehouse_admin_signin";

/// The one-time notice shown after a redirect.
pub const FLASH_COOKIE: &str = "gatehouse_admin_flash";

/// Why a page sent the visitor to the sign-in page; never shown, the redirect says it all.
const SESSION_REQUIRED: &str = "Sign in to use the admin pages.";

/// How long a notice waits for the page it is meant for, in seconds.
const FLASH_MAX_AGE_SECS: i64 = 60;

/// A signed-in admin, taken as a handler argument. Without a valid session the handler is not
/// called: the visitor is redirected to the sign-in page.
#[derive(Clone)]
pub struct AdminSession {
    admin_id: AdminId,
    username: String,
    token: String,
    form_key: String,
}

impl fmt::Debug for AdminSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminSession")
            .field("admin_id", &self.admin_id)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl AdminSession {
    /// The admin's id.
    pub fn admin_id(&self) -> AdminId {
        self.admin_id
    }

    /// The admin's user name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The form key every form of this session carries.
    pub fn form_key(&self) -> &str {
        &self.form_key
    }

    /// The session's JWT, for signing out.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// Whether `presented` is this session's form key.
    pub(crate) fn accepts_form_key(&self, state: &AppState, presented: Option<&str>) -> bool {
        let keys = &state.services.oauth.context().keys;
        presented.is_some_and(|key| csrf::is_valid(keys, Purpose::Session, &self.token, key))
    }
}

impl FromRequest for AdminSession {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { load(&req).await })
    }
}

/// Validates the session cookie of `req` and loads its admin.
async fn load(req: &HttpRequest) -> Result<AdminSession, PageError> {
    let Some(token) = cookie_value(req, SESSION_COOKIE) else {
        return Err(session_required());
    };
    let state = app_state(req)?;

    let users = Arc::clone(&state.services.users);
    let store = Arc::clone(&state.services.oauth.context().store);
    let checked = token.clone();
    let admin = blocking(
        &state,
        std::time::Duration::ZERO,
        move || -> Result<Option<AdminUser>, TokensError> {
            // The same validation as a bearer token on the REST API: signature, expiry, revocation.
            let Principal::Admin(admin_id) = users.authenticate_bearer(&checked)? else {
                return Ok(None);
            };
            Ok(store.admin_by_id(admin_id)?.filter(|admin| admin.is_active))
        },
    )
    .await??;
    let Some(admin) = admin else {
        return Err(session_required());
    };

    let form_key = csrf::form_key(
        &state.services.oauth.context().keys,
        Purpose::Session,
        &token,
    );
    Ok(AdminSession {
        admin_id: admin.id,
        username: admin.username,
        token,
        form_key,
    })
}

fn session_required() -> PageError {
    PageError::from(TokensError::refused(
        ErrorClass::Authentication,
        Message::new(SESSION_REQUIRED),
    ))
}

/// The value of cookie `name`, when it is there and not empty.
pub(crate) fn cookie_value(req: &HttpRequest, name: &str) -> Option<String> {
    req.cookie(name)
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| !value.is_empty())
}

/// Whether cookies must be `Secure`: the public base URL is https, or, when it is taken from
/// each request, this request came over TLS.
pub(crate) fn needs_secure_cookies(req: &HttpRequest, state: &AppState) -> bool {
    match &state.settings.public_base_url {
        PublicBaseUrl::Fixed(url) => url.to_ascii_lowercase().starts_with("https://"),
        PublicBaseUrl::FromRequest => req.app_config().secure(),
    }
}

/// A cookie of the admin UI: `HttpOnly`, `SameSite=Strict`, path `/admin`.
fn admin_cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::new(name, value);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Strict);
    cookie.set_path(ADMIN_PATH);
    cookie.set_secure(secure);
    cookie
}

/// The session cookie for `token`, expiring with it in `max_age_secs`.
pub(crate) fn session_cookie(token: String, max_age_secs: i64, secure: bool) -> Cookie<'static> {
    let mut cookie = admin_cookie(SESSION_COOKIE, token, secure);
    cookie.set_max_age(Duration::seconds(max_age_secs.max(0)));
    cookie
}

/// The sign-in cookie holding `value`; it lasts as long as the browser session.
pub(crate) fn login_cookie(value: String, secure: bool) -> Cookie<'static> {
    admin_cookie(LOGIN_COOKIE, value, secure)
}

/// A cookie that makes the browser forget cookie `name`.
pub(crate) fn clear_cookie(name: &'static str) -> Cookie<'static> {
    let mut cookie = admin_cookie(name, String::new(), false);
    cookie.set_max_age(Duration::ZERO);
    cookie
}

/// A one-time notice for the page after a redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Flash {
    /// An integration was created or edited; its name.
    Saved(String),
    /// An integration was deleted; its name.
    Deleted(String),
    /// The admin signed out.
    SignedOut,
}

impl Flash {
    /// The notice as the reference words it.
    pub(crate) fn message(&self) -> String {
        match self {
            Self::Saved(name) => format!("The integration '{name}' has been saved."),
            Self::Deleted(name) => format!("The integration '{name}' has been deleted."),
            Self::SignedOut => "You have logged out.".to_owned(),
        }
    }

    /// The cookie carrying this notice.
    pub(crate) fn cookie(&self, secure: bool) -> Cookie<'static> {
        let mut cookie = admin_cookie(FLASH_COOKIE, self.encode(), secure);
        cookie.set_max_age(Duration::seconds(FLASH_MAX_AGE_SECS));
        cookie
    }

    /// The notice a request carries, if any. The page showing it must clear the cookie.
    pub(crate) fn of(req: &HttpRequest) -> Option<Self> {
        Self::decode(&cookie_value(req, FLASH_COOKIE)?)
    }

    /// `kind.hex(name)`: names may hold any character, cookie values may not.
    fn encode(&self) -> String {
        match self {
            Self::Saved(name) => format!("saved.{}", hex_encode(name)),
            Self::Deleted(name) => format!("deleted.{}", hex_encode(name)),
            Self::SignedOut => "signed-out.".to_owned(),
        }
    }

    fn decode(value: &str) -> Option<Self> {
        let (kind, name) = value.split_once('.')?;
        match kind {
            "saved" => Some(Self::Saved(hex_decode(name)?)),
            "deleted" => Some(Self::Deleted(hex_decode(name)?)),
            "signed-out" => Some(Self::SignedOut),
            _ => None,
        }
    }
}

fn hex_encode(text: &str) -> String {
    text.bytes().map(|byte| format!("{byte:02x}")).collect()
}

fn hex_decode(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|start| u8::from_str_radix(hex.get(start..start + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_survive_their_cookie() {
        for flash in [
            Flash::Saved("Shop \"Sync\" ; = ü".to_owned()),
            Flash::Deleted("x".to_owned()),
            Flash::SignedOut,
        ] {
            assert_eq!(Flash::decode(&flash.encode()), Some(flash.clone()));
            let encoded = flash.encode();
            assert!(encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
        }
        assert_eq!(Flash::decode("saved.zz"), None);
        assert_eq!(Flash::decode("saved.abc"), None);
        assert_eq!(Flash::decode("other.00"), None);
    }

    #[test]
    fn cookies_are_http_only_strict_and_scoped() {
        let cookie = session_cookie("jwt".to_owned(), 3600, true);
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.same_site(), Some(SameSite::Strict));
        assert_eq!(cookie.path(), Some("/admin"));
        assert_eq!(cookie.secure(), Some(true));
        assert_eq!(cookie.max_age(), Some(Duration::seconds(3600)));

        let cleared = clear_cookie(SESSION_COOKIE);
        assert_eq!(cleared.max_age(), Some(Duration::ZERO));
        assert_eq!(cleared.value(), "");
    }
}
