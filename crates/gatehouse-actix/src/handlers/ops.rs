//! Operations: liveness, readiness, metrics and the OpenAPI document.

use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::handlers::blocking;
use crate::schema::openapi_document;
use crate::state::AppState;

/// `GET /health`: the process is up.
pub(crate) async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /ready`: the store answers a query; 503 when it does not.
pub(crate) async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let store = state.store().clone();
    let pinged = blocking(&state, Duration::ZERO, move || store.ping()).await;

    match pinged {
        Ok(Ok(())) => HttpResponse::Ok().json(json!({"status": "ready"})),
        Ok(Err(error)) => {
            log::warn!("readiness check failed: {error}");
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "unavailable",
                "message": "The database cannot be reached.",
            }))
        }
        Err(error) => {
            log::error!("readiness check did not run: {error}");
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "unavailable",
                "message": "The readiness check did not complete.",
            }))
        }
    }
}

/// `GET /metrics`: the registry in the Prometheus text format.
pub(crate) async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

/// `GET /rest/schema`: the OpenAPI document of every route.
pub(crate) async fn schema() -> HttpResponse {
    HttpResponse::Ok().json(openapi_document())
}
