//! The admin pages' handlers, without a browser: sessions and their cookie, forgery
//! protection, redirects to sign-in, read-only config-file integrations, saving with the
//! admin's password, and activation's outcomes. The app is composed as `start_server` composes
//! it, over the in-memory store.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::from_fn;
use actix_web::{test, web, App};

use gatehouse_acl::{Acl, ResourceTree};
use gatehouse_actix::admin::{self, FLASH_COOKIE, LOGIN_COOKIE, SESSION_COOKIE};
use gatehouse_actix::{configure, observe, AppState, HttpSettings, PublicBaseUrl, Services};
use gatehouse_domain::error::BoxError;
use gatehouse_domain::memory::MemoryStore;
use gatehouse_domain::{IntegrationStatus, Store, SystemClock, SystemRandom};
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::integration::{
    CredentialPoster, IntegrationInput, IntegrationService, ResourceSelection,
};
use gatehouse_tokens::integration_config::ConfigIntegration;
use gatehouse_tokens::oauth::{OAuthService, OAuthSettings};
use gatehouse_tokens::password::PasswordParams;
use gatehouse_tokens::users::{AdminAccount, TokenSettings, UserTokenService};
use gatehouse_tokens::Context;

const CRYPT_KEY: &str = "admin0pages0test0crypt0key0abcdefghijklmnop";
const ADMIN: &str = "admin";
const PASSWORD: &str = "correct horse battery staple";
const SIGN_IN_FAILED: &str = "The account sign-in was incorrect or your account is disabled \
                              temporarily. Please wait and try again later.";
const WRONG_PASSWORD: &str =
    "The password entered for the current user is invalid. Verify the password and try again.";
const FORGED_FORM: &str =
    "This form has expired or did not come from this site. Reload the page and try again.";
const POST_FAILED: &str = "The attempt to post data to consumer failed due to an unexpected \
                           error. Please try again later.";

/// A poster whose endpoint is always down.
struct DownPoster;

impl CredentialPoster for DownPoster {
    fn post_credentials(&self, _: &str, _: &[(String, String)]) -> Result<(), BoxError> {
        Err("connection refused".into())
    }
}

/// The services over a fresh in-memory store, with one admin.
struct Harness {
    services: Services,
    integrations: Arc<IntegrationService>,
}

impl Harness {
    fn new() -> Self {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let ctx = Context {
            store,
            clock: Arc::new(SystemClock),
            random: Arc::new(SystemRandom::new()),
            keys: Arc::new(CryptKeys::parse(CRYPT_KEY).expect("the test crypt key parses")),
        };
        let tree = ResourceTree::builtin();
        let oauth = OAuthService::new(ctx.clone(), OAuthSettings::default());
        let integrations = Arc::new(IntegrationService::new(
            ctx.clone(),
            oauth.clone(),
            Arc::new(tree.clone()),
        ));
        let settings = TokenSettings {
            password: PasswordParams::INSECURE_FOR_TESTS,
            ..TokenSettings::default()
        };
        let users = UserTokenService::new(ctx, settings).expect("the users service starts");
        users
            .create_admin(AdminAccount {
                username: ADMIN,
                password: PASSWORD,
                email: "admin@example.com",
            })
            .expect("create the admin");

        let services = Services {
            oauth: Arc::new(oauth),
            integrations: Arc::clone(&integrations),
            users: Arc::new(users),
            acl: Arc::new(Acl::new(tree)),
        };
        Self {
            services,
            integrations,
        }
    }

    fn state(&self, base_url: &str, poster: Option<Arc<dyn CredentialPoster>>) -> AppState {
        let settings = HttpSettings {
            public_base_url: PublicBaseUrl::fixed(base_url),
            ..HttpSettings::default()
        };
        let builder = AppState::builder(self.services.clone()).settings(settings);
        match poster {
            Some(poster) => builder.poster(poster).build(),
            None => builder.build(),
        }
    }
}

/// The app as `start_server` builds it.
async fn app(
    state: AppState,
) -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    test::init_service(
        App::new()
            .app_data(web::Data::new(state))
            .wrap(from_fn(observe))
            .configure(configure)
            .configure(admin::configure),
    )
    .await
}

/// Text as askama writes it into HTML.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The value of the first `form_key` field of a page.
fn form_key_of(html: &str) -> String {
    let marker = "name=\"form_key\" value=\"";
    let start = html.find(marker).expect("the page has a form key") + marker.len();
    let end = html[start..].find('"').expect("the value ends") + start;
    html[start..end].to_owned()
}

fn location<B>(response: &ServiceResponse<B>) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn set_cookie<B>(response: &ServiceResponse<B>, name: &str) -> Option<Cookie<'static>> {
    response
        .response()
        .cookies()
        .find(|cookie| cookie.name() == name)
        .map(Cookie::into_owned)
}

async fn body_text<B: MessageBody>(response: ServiceResponse<B>) -> String {
    let bytes = test::read_body(response).await;
    String::from_utf8(bytes.to_vec()).expect("pages are UTF-8")
}

fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| {
            format!(
                "{}={}",
                gatehouse_oauth1::percent_encode(name),
                gatehouse_oauth1::percent_encode(value)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn post(uri: &str, session: Option<&str>, pairs: &[(&str, &str)]) -> test::TestRequest {
    let mut request = test::TestRequest::post()
        .uri(uri)
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(form_body(pairs));
    if let Some(token) = session {
        request = request.cookie(Cookie::new(SESSION_COOKIE, token.to_owned()));
    }
    request
}

fn get(uri: &str, session: Option<&str>) -> test::TestRequest {
    let mut request = test::TestRequest::get().uri(uri);
    if let Some(token) = session {
        request = request.cookie(Cookie::new(SESSION_COOKIE, token.to_owned()));
    }
    request
}

/// Signs in through the form; returns the session cookie as set.
async fn sign_in<S, B>(app: &S, password: &str) -> ServiceResponse<B>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let page = test::call_service(app, get("/admin/login", None).to_request()).await;
    assert_eq!(page.status(), StatusCode::OK);
    let login_cookie = set_cookie(&page, LOGIN_COOKIE).expect("the sign-in page sets its cookie");
    let html = String::from_utf8(test::read_body(page).await.to_vec()).expect("utf-8");
    let key = form_key_of(&html);

    let request = post(
        "/admin/login",
        None,
        &[
            ("form_key", &key),
            ("username", ADMIN),
            ("password", password),
        ],
    )
    .cookie(login_cookie)
    .to_request();
    test::call_service(app, request).await
}

/// Signs in with the right password; returns the session token.
async fn session<S, B>(app: &S) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let response = sign_in(app, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    set_cookie(&response, SESSION_COOKIE)
        .expect("the session cookie is set")
        .value()
        .to_owned()
}

/// The form key of a signed-in page.
async fn session_form_key<S, B>(app: &S, token: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let page = test::call_service(app, get("/admin/integrations", Some(token)).to_request()).await;
    assert_eq!(page.status(), StatusCode::OK);
    form_key_of(&body_text(page).await)
}

fn manual_input(name: &str, endpoint: Option<&str>) -> IntegrationInput {
    IntegrationInput {
        name: name.to_owned(),
        email: "ops@example.com".to_owned(),
        endpoint: endpoint.map(str::to_owned),
        identity_link_url: None,
        resources: ResourceSelection::All,
    }
}

#[actix_web::test]
async fn pages_without_a_session_redirect_to_sign_in() {
    let harness = Harness::new();
    let app = app(harness.state("http://127.0.0.1:8080/", None)).await;

    for uri in [
        "/admin/integrations",
        "/admin/integrations/new",
        "/admin/integrations/1/edit",
        "/admin/integrations/1/activate",
    ] {
        let response = test::call_service(&app, get(uri, None).to_request()).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(location(&response), "/admin/login", "{uri}");
    }

    let forged = test::call_service(
        &app,
        get("/admin/integrations", Some("not.a.token")).to_request(),
    )
    .await;
    assert_eq!(location(&forged), "/admin/login");

    let posted = post("/admin/integrations/new", None, &[("name", "Shop")]).to_request();
    let response = test::call_service(&app, posted).await;
    assert_eq!(location(&response), "/admin/login");
    assert!(harness.integrations.list().unwrap().is_empty());

    let home = test::call_service(&app, get("/admin/", None).to_request()).await;
    assert_eq!(location(&home), "/admin/integrations");
}

#[actix_web::test]
async fn sign_in_sets_a_strict_http_only_cookie_for_the_token_lifetime() {
    let harness = Harness::new();
    let app = app(harness.state("http://127.0.0.1:8080/", None)).await;

    let response = sign_in(&app, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/admin/integrations");
    let cookie = set_cookie(&response, SESSION_COOKIE).expect("the session cookie");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.same_site(), Some(SameSite::Strict));
    assert_eq!(cookie.path(), Some("/admin"));
    assert_ne!(cookie.secure(), Some(true), "no Secure over plain http");
    let max_age = cookie
        .max_age()
        .expect("the cookie expires")
        .whole_seconds();
    assert!((3595..=3600).contains(&max_age), "{max_age}");
    assert_eq!(
        cookie.value().split('.').count(),
        3,
        "the cookie carries the JWT"
    );

    // The token is the admin's, as the REST API reads it.
    let claims = harness
        .services
        .users
        .read_user_token(cookie.value())
        .unwrap();
    assert_eq!(claims.user_type, gatehouse_domain::UserType::Admin);

    let grid = test::call_service(
        &app,
        get("/admin/integrations", Some(cookie.value())).to_request(),
    )
    .await;
    assert_eq!(grid.status(), StatusCode::OK);
    let html = body_text(grid).await;
    assert!(
        html.contains("Signed in as <strong>admin</strong>"),
        "{html}"
    );
}

#[actix_web::test]
async fn cookies_are_secure_behind_an_https_base_url() {
    let harness = Harness::new();
    let app = app(harness.state("https://shop.example.com/", None)).await;

    let page = test::call_service(&app, get("/admin/login", None).to_request()).await;
    let login_cookie = set_cookie(&page, LOGIN_COOKIE).expect("the sign-in cookie");
    assert_eq!(login_cookie.secure(), Some(true));

    let response = sign_in(&app, PASSWORD).await;
    let cookie = set_cookie(&response, SESSION_COOKIE).expect("the session cookie");
    assert_eq!(cookie.secure(), Some(true));
    assert_eq!(cookie.same_site(), Some(SameSite::Strict));
}

#[actix_web::test]
async fn failed_sign_ins_are_refused_and_throttled_like_the_token_route() {
    let harness = Harness::new();
    let app = app(harness.state("http://127.0.0.1:8080/", None)).await;

    for _ in 0..6 {
        let response = sign_in(&app, "wrong").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(set_cookie(&response, SESSION_COOKIE).is_none());
        let html = body_text(response).await;
        assert!(html.contains(&escaped(SIGN_IN_FAILED)), "{html}");
        assert!(html.contains("value=\"admin\""), "the user name is kept");
    }

    // Six failures lock the user name, even with the right password.
    let locked = sign_in(&app, PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie(&locked, SESSION_COOKIE).is_none());
}

#[actix_web::test]
async fn forms_without_the_right_key_get_a_403_page_and_change_nothing() {
    let harness = Harness::new();
    let app = app(harness.state("http://127.0.0.1:8080/", None)).await;
    let token = session(&app).await;
    let good_key = session_form_key(&app, &token).await;

    let fields = [
        ("name", "Forged"),
        ("resource_access", "all"),
        ("current_password", PASSWORD),
    ];
    for key in [None, Some("0".repeat(64)), Some(good_key[1..].to_owned())] {
        let mut pairs = fields.to_vec();
        if let Some(key) = &key {
            pairs.push(("form_key", key));
        }
        let response = test::call_service(
            &app,
            post("/admin/integrations/new", Some(&token), &pairs).to_request(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{key:?}");
        let html = body_text(response).await;
        assert!(html.contains(&escaped(FORGED_FORM)), "{html}");
        assert!(html.starts_with("<!DOCTYPE html>"));
    }
    assert!(harness.integrations.list().unwrap().is_empty());

    // Signing out needs the key too.
    let response =
        test::call_service(&app, post("/admin/logout", Some(&token), &[]).to_request()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(harness.services.users.read_user_token(&token).is_ok());

    // The sign-in form's key is bound to its own cookie.
    let request = post(
        "/admin/login",
        None,
        &[
            ("form_key", &good_key),
            ("username", ADMIN),
            ("password", PASSWORD),
        ],
    )
    .cookie(Cookie::new(LOGIN_COOKIE, "a".repeat(32)))
    .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&response, SESSION_COOKIE).is_none());
}

#[actix_web::test]
async fn signing_out_revokes_the_session_token() {
    let harness = Harness::new();
    let app = app(harness.state("http://127.0.0.1:8080/", None)).await;
    let token = session(&app).await;
    let key = session_form_key(&app, &token).await;

    let response = test::call_service(
        &app,
        post("/admin/logout", Some(&token), &[("form_key", &key)]).to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/admin/login");
    let cleared = set_cookie(&response, SESSION_COOKIE).expect("the cookie is cleared");
    assert_eq!(cleared.value(), "");
    let flash = set_cookie(&response, FLASH_COOKIE).expect("a notice follows");

    // The old cookie no longer opens anything, and the API refuses the token too.
    let again =
        test::call_service(&app, get("/admin/integrations", Some(&token)).to_request()).await;
    assert_eq!(location(&again), "/admin/login");
    assert!(harness.services.users.read_user_token(&token).is_err());

    let login =
        test::call_service(&app, get("/admin/login", None).cookie(flash).to_request()).await;
    assert!(body_text(login).await.contains("You have logged out."));
}

#[actix_web::test]
async fn saving_asks_for_the_admins_password_and_grants_the_checked_resources() {
    let harness = Harness::new();
    let app = app(harness.state("http://127.0.0.1:8080/", None)).await;
    let token = session(&app).await;
    let key = session_form_key(&app, &token).await;

    let fields = |password: &'static str| {
        vec![
            ("form_key", key.clone()),
            ("name", "Shop Sync".to_owned()),
            ("email", "ops@example.com".to_owned()),
            ("resource_access", "custom".to_owned()),
            ("resource", "Magento_Sales::sales".to_owned()),
            ("resource", "Magento_Sales::sales_order".to_owned()),
            ("resource", "Magento_Customer::manage".to_owned()),
            ("current_password", password.to_owned()),
        ]
    };
    let pairs =
        |fields: &[(&'static str, String)]| -> Vec<(&'static str, String)> { fields.to_vec() };

    let wrong = pairs(&fields("not it"));
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let response = test::call_service(
        &app,
        post("/admin/integrations/new", Some(&token), &wrong).to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = body_text(response).await;
    assert!(html.contains(&escaped(WRONG_PASSWORD)), "{html}");
    assert!(html.contains("value=\"Shop Sync\""), "the form is kept");
    assert!(
        harness.integrations.list().unwrap().is_empty(),
        "nothing saved"
    );

    let right = pairs(&fields(PASSWORD));
    let right: Vec<(&str, &str)> = right.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let response = test::call_service(
        &app,
        post("/admin/integrations/new", Some(&token), &right).to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/admin/integrations");
    let flash = set_cookie(&response, FLASH_COOKIE).expect("a notice follows");

    let saved = harness
        .integrations
        .find_by_name("Shop Sync")
        .unwrap()
        .expect("saved");
    assert_eq!(saved.status, IntegrationStatus::Inactive);
    // The order is storage's; a checked child of a checked resource is not stored apart.
    let ResourceSelection::Only(mut granted) = harness.integrations.resources(saved.id).unwrap()
    else {
        panic!("a custom grant was saved");
    };
    granted.sort();
    assert_eq!(
        granted,
        ["Magento_Customer::manage", "Magento_Sales::sales"]
    );

    let grid = test::call_service(
        &app,
        get("/admin/integrations", Some(&token))
            .cookie(flash)
            .to_request(),
    )
    .await;
    let html = body_text(grid).await;
    assert!(
        html.contains(&escaped("The integration 'Shop Sync' has been saved.")),
        "{html}"
    );
    assert!(html.contains(&format!("/admin/integrations/{}/activate", saved.id)));
}

#[actix_web::test]
async fn config_file_integrations_are_read_only() {
    let harness = Harness::new();
    let mut declared = ConfigIntegration::named("Declared App");
    declared.email = "declared@example.com".to_owned();
    declared.resources = vec!["Magento_Sales::sales".to_owned()];
    harness
        .integrations
        .sync_config_integrations(&[declared])
        .expect("sync the declaration");
    let stored = harness
        .integrations
        .find_by_name("Declared App")
        .unwrap()
        .expect("created");

    let app = app(harness.state("http://127.0.0.1:8080/", None)).await;
    let token = session(&app).await;
    let key = session_form_key(&app, &token).await;
    let message = escaped("The integrations created in the config file can't be edited.");

    let grid = body_text(
        test::call_service(&app, get("/admin/integrations", Some(&token)).to_request()).await,
    )
    .await;
    assert!(
        grid.contains(&format!("/admin/integrations/{}/edit\">View", stored.id)),
        "{grid}"
    );
    assert!(!grid.contains(&format!("/admin/integrations/{}/delete", stored.id)));

    let edit_uri = format!("/admin/integrations/{}/edit", stored.id);
    let page = test::call_service(&app, get(&edit_uri, Some(&token)).to_request()).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = body_text(page).await;
    assert!(html.contains(&message), "{html}");
    assert!(
        html.contains("value=\"Declared App\" required readonly"),
        "{html}"
    );
    assert!(!html.contains(">Save</button>"));

    let response = test::call_service(
        &app,
        post(
            &edit_uri,
            Some(&token),
            &[
                ("form_key", &key),
                ("name", "Renamed"),
                ("resource_access", "all"),
                ("current_password", PASSWORD),
            ],
        )
        .to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(body_text(response).await.contains(&message));
    let unchanged = harness.integrations.get(stored.id).unwrap();
    assert_eq!(unchanged.name, "Declared App");

    let delete_uri = format!("/admin/integrations/{}/delete", stored.id);
    let refused = test::call_service(&app, get(&delete_uri, Some(&token)).to_request()).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(body_text(refused).await.contains(&escaped(
        "Uninstall the extension to remove integration 'Declared App'."
    )));
    let refused = test::call_service(
        &app,
        post(&delete_uri, Some(&token), &[("form_key", &key)]).to_request(),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(harness.integrations.get(stored.id).is_ok());
}

#[actix_web::test]
async fn activation_shows_the_credentials_once_or_the_post_failure() {
    let harness = Harness::new();
    let local = harness
        .integrations
        .create(manual_input("Local App", None))
        .unwrap();
    let remote = harness
        .integrations
        .create(manual_input(
            "Remote App",
            Some("http://127.0.0.1:9/endpoint"),
        ))
        .unwrap();
    let app = app(harness.state("http://127.0.0.1:8080/", Some(Arc::new(DownPoster)))).await;
    let token = session(&app).await;
    let key = session_form_key(&app, &token).await;

    let confirm = test::call_service(
        &app,
        get(
            &format!("/admin/integrations/{}/activate", local.id),
            Some(&token),
        )
        .to_request(),
    )
    .await;
    assert_eq!(confirm.status(), StatusCode::OK);
    let html = body_text(confirm).await;
    assert!(
        html.contains("All resources") && html.contains(">Allow</button>"),
        "{html}"
    );
    assert_eq!(
        harness.integrations.get(local.id).unwrap().status,
        IntegrationStatus::Inactive
    );

    let activated = test::call_service(
        &app,
        post(
            &format!("/admin/integrations/{}/activate", local.id),
            Some(&token),
            &[("form_key", &key)],
        )
        .to_request(),
    )
    .await;
    assert_eq!(activated.status(), StatusCode::OK);
    assert_eq!(
        activated.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
    let html = body_text(activated).await;
    for id in [
        "consumer-key",
        "consumer-secret",
        "access-token",
        "access-token-secret",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}: {html}");
    }
    assert_eq!(
        harness.integrations.get(local.id).unwrap().status,
        IntegrationStatus::Active
    );

    let failed = test::call_service(
        &app,
        post(
            &format!("/admin/integrations/{}/activate", remote.id),
            Some(&token),
            &[("form_key", &key)],
        )
        .to_request(),
    )
    .await;
    assert_eq!(failed.status(), StatusCode::SERVICE_UNAVAILABLE);
    let html = body_text(failed).await;
    assert!(html.contains(&escaped(POST_FAILED)), "{html}");
    assert!(
        !html.contains("connection refused"),
        "the cause stays in the log"
    );
}

#[actix_web::test]
async fn pages_carry_the_security_headers_and_assets_are_served_locally() {
    let harness = Harness::new();
    let app = app(harness.state("http://127.0.0.1:8080/", None)).await;

    let page = test::call_service(&app, get("/admin/login", None).to_request()).await;
    let policy = page
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .expect("a content policy")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"));
    assert_eq!(page.headers().get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
    let html = body_text(page).await;
    assert!(html.contains("href=\"/admin/static/admin.css\""));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing from elsewhere"
    );

    for (file, content_type) in [
        ("admin.css", "text/css; charset=utf-8"),
        ("admin.js", "text/javascript; charset=utf-8"),
    ] {
        let response = test::call_service(
            &app,
            get(&format!("/admin/static/{file}"), None).to_request(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            content_type
        );
    }
    let missing =
        test::call_service(&app, get("/admin/static/../Cargo.toml", None).to_request()).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
