//! Gatehouse on the wire: the actix-web adapter.
//!
//! This crate turns the services of `gatehouse-tokens` into the HTTP routes of
//! `interface.md`, with the reference platform's bodies and statuses:
//!
//! - [`routes`]: the one route table, mounted by [`configure`] and documented by
//!   [`schema::openapi_document`] (served at `/rest/schema`);
//! - [`auth`]: the [`Caller`] extractor (OAuth-signed request, bearer token or guest, in the
//!   order of behaviour.md §5) and the ACL guard ([`require`], [`RequireResource`]);
//! - [`error`]: the single mapping from failures to statuses and bodies;
//! - [`poster`]: the credential POST of activation, with `awc`;
//! - [`metrics`]: the Prometheus registry behind `/metrics`;
//! - [`server`]: [`start_server`] and the request-wide middleware.
//! - [`admin`]: the admin web UI under `/admin/` (integration grid, forms, activation), with
//!   its own cookie session and forgery protection.
//!
//! Architecture invariant: this is the only crate that knows actix. It holds no business rule:
//! every decision is a service's, and every refusal comes back as a service error that
//! [`error`] translates.
//!
//! # Running
//!
//! ```no_run
//! use std::net::TcpListener;
//!
//! use gatehouse_actix::{start_server, AppState, HttpSettings, PublicBaseUrl, Services};
//!
//! async fn serve(services: Services) -> std::io::Result<()> {
//!     // Bind first (port 0 picks a free one), so the address is known before serving.
//!     let listener = TcpListener::bind("127.0.0.1:0")?;
//!     let address = listener.local_addr()?;
//!     let settings = HttpSettings {
//!         public_base_url: PublicBaseUrl::fixed(format!("http://{address}/")),
//!         ..HttpSettings::default()
//!     };
//!     let state = AppState::builder(services).settings(settings).build();
//!     start_server(listener, state, 2)?.await
//! }
//! ```
//!
//! # Protecting an embedding app's own routes
//!
//! An app that mounts Gatehouse next to its own routes authenticates and authorizes them the
//! same way: register the state, wrap the routes that take a [`Caller`] in [`authenticate`]
//! (it keeps the body of signed requests for the signature check), and either take a
//! [`RequireResource`] or call [`require`] with the resource the route needs. A refusal
//! answers the reference's 401 `{"message":"The consumer isn't authorized to access
//! %resources.","parameters":{"resources":"…"}}`.
//!
//! ```no_run
//! use actix_web::middleware::from_fn;
//! use actix_web::{web, App, HttpResponse, HttpServer};
//! use gatehouse_actix::{
//!     authenticate, configure, observe, require, ApiError, AppState, Caller, IntegrationsResource,
//!     RequireResource,
//! };
//!
//! /// Only callers granted `Magento_Sales::sales` may read orders.
//! async fn orders(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
//!     require(&state.services().acl, &caller, "Magento_Sales::sales")?;
//!     Ok(HttpResponse::Ok().json(["order 1"]))
//! }
//!
//! /// The same check as an extractor, for resources named by a type.
//! async fn report(caller: RequireResource<IntegrationsResource>) -> HttpResponse {
//!     HttpResponse::Ok().json(caller.user_id())
//! }
//!
//! async fn serve(state: AppState) -> std::io::Result<()> {
//!     let state = web::Data::new(state);
//!     HttpServer::new(move || {
//!         App::new()
//!             .app_data(state.clone())
//!             .wrap(from_fn(observe))
//!             .service(
//!                 web::scope("/shop")
//!                     .wrap(from_fn(authenticate))
//!                     .route("/orders", web::get().to(orders))
//!                     .route("/report", web::get().to(report)),
//!             )
//!             .configure(configure)
//!     })
//!     .bind("127.0.0.1:8080")?
//!     .run()
//!     .await
//! }
//! ```
//!
//! # Logging
//!
//! One `debug` line per request (method, route pattern, status, latency, caller kind and id),
//! `error` for failures that are the server's fault, `warn` for a store that is unavailable.
//! Tokens, secrets, signatures, nonces and passwords are never logged.

pub mod admin;
pub mod auth;
mod body;
pub mod error;
mod handlers;
pub mod metrics;
mod nonces;
pub mod poster;
pub mod routes;
pub mod schema;
pub mod server;
pub mod settings;
pub mod state;

pub use auth::{
    authenticate, require, require_authenticated, resolve_caller, AclResource, Caller,
    IntegrationsResource, RequireResource, TokensResource,
};
pub use error::{ApiError, TokenEndpointError};
pub use metrics::{Metrics, PoolUsage};
pub use poster::AwcCredentialPoster;
pub use routes::{configure, not_found, ROUTES};
pub use server::{observe, start_server};
pub use settings::{HttpSettings, PublicBaseUrl};
pub use state::{AppState, AppStateBuilder, Services};
