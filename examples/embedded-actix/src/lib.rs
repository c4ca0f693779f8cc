//! A shop of its own that embeds Gatehouse: an actix-web app whose routes are protected by
//! Gatehouse's [`Caller`] extractor and ACL guard, served beside Gatehouse's own routes.
//!
//! The app has four routes of its own:
//!
//! | route | who may call it | how it is guarded |
//! |---|---|---|
//! | `GET /public` | anyone | not at all |
//! | `GET /me` | any authenticated caller | [`Caller`] and [`require_authenticated`] |
//! | `GET /orders` | callers granted `Magento_Sales::sales` | the [`RequireResource`] extractor |
//! | `GET /orders/{id}` | callers granted `Magento_Sales::actions_view` | [`Caller`] and [`require`] |
//!
//! Everything else (`/rest/V1/integration/admin/token`, the token exchange, the management API,
//! `/health`, `/metrics`, the admin UI) is Gatehouse's, mounted by
//! [`gatehouse_actix::configure`] and [`gatehouse_actix::admin::configure`].
//!
//! A refused caller gets the reference platform's answer, so clients written for it understand
//! it: HTTP 401 with
//! `{"message":"The consumer isn't authorized to access %resources.","parameters":{"resources":"Magento_Sales::sales"}}`.
//!
//! # Using it in your own app
//!
//! 1. Build Gatehouse's [`Services`] over a store ([`services`] shows how; swap the in-memory
//!    store for `gatehouse_diesel::DieselStore` to keep data across restarts).
//! 2. Register an [`AppState`] as app data and wrap the app in [`observe`], Gatehouse's
//!    request-wide middleware (limits, structured error bodies, metrics).
//! 3. Wrap your protected routes in [`authenticate`], so OAuth-signed requests keep their body
//!    for the signature check, and take a [`Caller`] or a [`RequireResource`] in the handlers.
//! 4. Mount Gatehouse's routes with `.configure(gatehouse_actix::configure)`.
//!
//! [`start`] does steps 2 to 4.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse, HttpServer};
use serde::Serialize;

use gatehouse_acl::{Acl, ResourceTree};
use gatehouse_actix::{
    authenticate, observe, require, require_authenticated, AclResource, ApiError, AppState, Caller,
    RequireResource, Services,
};
use gatehouse_domain::{ErrorClass, Message, Store, SystemClock, SystemRandom};
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::integration::IntegrationService;
use gatehouse_tokens::oauth::{OAuthService, OAuthSettings};
use gatehouse_tokens::{Context, TokenSettings, TokensError, UserTokenService};

/// The ACL resource of `GET /orders`: the whole Sales section of the built-in tree.
///
/// Naming a resource by a type lets a handler require it with the [`RequireResource`]
/// extractor, before the handler body runs at all.
#[derive(Debug, Clone, Copy)]
pub struct SalesResource;

impl AclResource for SalesResource {
    const ID: &'static str = "Magento_Sales::sales";
}

/// The ACL resource of `GET /orders/{id}`, checked inside the handler with [`require`].
pub const ORDER_VIEW_RESOURCE: &str = "Magento_Sales::actions_view";

/// The answer to an order id the shop does not know; `%1` is the id.
pub const NO_SUCH_ORDER: &str = "The order with ID \"%1\" doesn't exist.";

/// One order of the shop's (fixed, demonstration) catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    /// The order's id.
    pub id: i64,
    /// The customer's email.
    pub customer_email: &'static str,
    /// The grand total, in cents.
    pub total_cents: i64,
}

/// The orders the shop serves. A real shop reads them from its own database.
pub const ORDERS: [Order; 2] = [
    Order {
        id: 1,
        customer_email: "ada@example.com",
        total_cents: 4_200,
    },
    Order {
        id: 2,
        customer_email: "grace@example.com",
        total_cents: 1_999,
    },
];

/// Builds Gatehouse's services over `store`, with the built-in ACL tree and system time.
///
/// `crypt_key` signs the JWTs and seals the secrets at rest; keep it with the data, since a
/// store is unreadable without the key it was written with. Fails when the key is empty or
/// the password-hashing parameters in `token_settings` are refused.
pub fn services(
    store: Arc<dyn Store>,
    crypt_key: &str,
    token_settings: TokenSettings,
) -> Result<Services, TokensError> {
    let context = Context {
        store,
        clock: Arc::new(SystemClock),
        random: Arc::new(SystemRandom::new()),
        keys: Arc::new(CryptKeys::parse(crypt_key)?),
    };

    // The integration service checks grants against the same tree the ACL guard uses.
    let tree = ResourceTree::builtin();
    let oauth = OAuthService::new(context.clone(), OAuthSettings::default());
    let integrations =
        IntegrationService::new(context.clone(), oauth.clone(), Arc::new(tree.clone()));
    let users = UserTokenService::new(context, token_settings)?;

    Ok(Services {
        oauth: Arc::new(oauth),
        integrations: Arc::new(integrations),
        users: Arc::new(users),
        acl: Arc::new(Acl::new(tree)),
    })
}

/// Registers the shop's own routes. Every route that authenticates its caller is wrapped in
/// [`authenticate`]; `GET /public` needs no caller and is left bare.
pub fn shop_routes(config: &mut web::ServiceConfig) {
    config
        .route("/public", web::get().to(public))
        .service(
            web::resource("/me")
                .wrap(from_fn(authenticate))
                .route(web::get().to(me)),
        )
        .service(
            web::resource("/orders")
                .wrap(from_fn(authenticate))
                .route(web::get().to(orders)),
        )
        .service(
            web::resource("/orders/{id}")
                .wrap(from_fn(authenticate))
                .route(web::get().to(order)),
        );
}

/// Serves the shop and Gatehouse together on `listener`, with one worker thread.
///
/// Bind the listener first (port 0 picks a free port) so that the address is known before
/// serving; the returned [`Server`] must be awaited or spawned on an actix system.
pub fn start(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let state = web::Data::new(state);

    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(from_fn(observe))
            .configure(shop_routes)
            // Gatehouse's routes, its default 404 answer, and its admin UI.
            .configure(gatehouse_actix::configure)
            .configure(gatehouse_actix::admin::configure)
    })
    .workers(1)
    .listen(listener)?
    .run();
    Ok(server)
}

/// `GET /public`: open to everyone, guests included.
async fn public() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "shop": "Example shop", "open": true }))
}

/// `GET /me`: who the caller is. Guests are refused with the reference's answer naming the
/// `self` resource.
async fn me(caller: Caller) -> Result<HttpResponse, ApiError> {
    require_authenticated(&caller)?;

    Ok(HttpResponse::Ok().json(serde_json::json!({
        "user_type": caller.user_type().code(),
        "user_id": caller.user_id(),
    })))
}

/// `GET /orders`: every order. The extractor has refused everyone lacking
/// `Magento_Sales::sales` before this body runs.
async fn orders(_caller: RequireResource<SalesResource>) -> HttpResponse {
    HttpResponse::Ok().json(ORDERS)
}

/// `GET /orders/{id}`: one order. The check happens in the body, which suits resources chosen
/// at run time.
async fn order(
    caller: Caller,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    require(&state.services().acl, &caller, ORDER_VIEW_RESOURCE)?;

    let id = id.into_inner();
    let found = ORDERS.iter().find(|order| order.id.to_string() == id);
    let Some(order) = found else {
        // Gatehouse's error type renders the reference's JSON body with the right status.
        let message = Message::new(NO_SUCH_ORDER).with("1", id);
        return Err(TokensError::refused(ErrorClass::NotFound, message).into());
    };
    Ok(HttpResponse::Ok().json(order))
}
