//! The server: [`start_server`] on a bound listener, and the request-wide middleware
//! ([`observe`]) that caps the headers' size and the query's parameters, makes sure every
//! error answer has a structured body, counts requests in the metrics and writes one debug
//! line per request.

use std::net::TcpListener;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpMessage, HttpRequest, HttpResponse, HttpServer};

use gatehouse_acl::Principal;
use gatehouse_domain::Message;

use crate::auth::{app_state, ResolvedCaller};
use crate::body::{check_header_size, check_parameter_count};
use crate::error::{
    json_body, oauth_problem_body, TokenEndpointError, BODY_TOO_LARGE, METHOD_NOT_ALLOWED, NO_ROUTE,
};
use crate::routes::configure;
use crate::settings::HttpSettings;
use crate::state::AppState;

/// Starts serving Gatehouse on `listener` with `workers` worker threads (0: one per core).
///
/// Bind the listener first (port 0 picks a free port) and read its address before calling, so
/// that tests and the binary know where the server is. The returned [`Server`] must be awaited
/// or spawned on an actix system; it stops gracefully on SIGINT/SIGTERM (actix's default) or
/// through its handle.
///
/// Service calls run on actix's blocking pool. Each worker has its own pool, so each gets
/// `blocking_threads / workers` threads (at least one): in total about as many as the
/// database pool has connections, since more would only queue for one.
pub fn start_server(
    listener: TcpListener,
    state: AppState,
    workers: usize,
) -> std::io::Result<Server> {
    let workers = if workers == 0 {
        std::thread::available_parallelism().map_or(1, |count| count.get())
    } else {
        workers
    };
    let blocking_per_worker = state.settings.blocking_threads.div_ceil(workers).max(1);
    let state = web::Data::new(state);

    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(from_fn(observe))
            .configure(configure)
            .configure(crate::admin::configure)
    })
    .workers(workers)
    .worker_max_blocking_threads(blocking_per_worker)
    .listen(listener)?
    .run();
    Ok(server)
}

/// The request-wide middleware; see the module docs. [`start_server`] installs it; an
/// embedding app can wrap its own `App` in it with [`actix_web::middleware::from_fn`].
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Nothing may keep a clone of the request while it is routed: actix needs it unshared.
    let started = Instant::now();
    let method = req.method().clone();
    let token_endpoint = is_token_endpoint(req.request());
    let state = app_state(req.request()).ok();

    let defaults = HttpSettings::default();
    let settings = state.as_ref().map_or(&defaults, |state| &state.settings);
    let checked = check_header_size(req.request(), settings.max_header_bytes).and_then(|()| {
        check_parameter_count(req.query_string().as_bytes(), settings.max_parameters)
    });
    let outcome = match checked {
        Err(error) if token_endpoint => Ok(req.error_response(TokenEndpointError(error))),
        Err(error) => Ok(req.error_response(error)),
        Ok(()) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body),
    };

    let state = state.as_ref().map(|state| state.get_ref());
    match outcome {
        Ok(response) => {
            let response = ensure_structured_error(response, token_endpoint, state);
            let route = response
                .request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_owned());
            let caller = caller_label(response.request());
            record(state, &method, &route, response.status(), started, &caller);
            Ok(response)
        }
        Err(error) => {
            // An error no layer below turned into a response; actix renders it.
            let status = error.as_response_error().status_code();
            record(state, &method, "unmatched", status, started, "-");
            Err(error)
        }
    }
}

/// Counts the request and writes its debug line.
fn record(
    state: Option<&AppState>,
    method: &Method,
    route: &str,
    status: StatusCode,
    started: Instant,
    caller: &str,
) {
    let elapsed = started.elapsed();
    if let Some(state) = state {
        state
            .metrics
            .record_request(route, method.as_str(), status.as_u16(), elapsed);
    }
    log::debug!(
        "{method} {route} {} {:.1}ms caller={caller}",
        status.as_u16(),
        elapsed.as_secs_f64() * 1000.0,
    );
}

fn is_token_endpoint(req: &HttpRequest) -> bool {
    req.path().starts_with("/oauth/token/")
}

/// Replaces the body of an error answer in plain text or without a body (actix's own answers)
/// with the JSON one, or the `oauth_problem` one on the token endpoints.
fn ensure_structured_error(
    response: ServiceResponse<BoxBody>,
    token_endpoint: bool,
    state: Option<&AppState>,
) -> ServiceResponse<BoxBody> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    // actix's own error answers are plain text (or empty); anything else, JSON or the admin
    // UI's HTML pages, was shaped on purpose.
    let plain = content_type.is_empty() || content_type.starts_with("text/plain");
    if !plain {
        return response;
    }

    let message = match status {
        StatusCode::NOT_FOUND => Message::new(NO_ROUTE),
        StatusCode::METHOD_NOT_ALLOWED => {
            Message::new(METHOD_NOT_ALLOWED).with("1", response.request().method().to_string())
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            let limit = state.map_or(0, |state| state.settings.max_body_bytes);
            Message::new(BODY_TOO_LARGE).with("1", limit.to_string())
        }
        _ => Message::new(status.canonical_reason().unwrap_or("Error")),
    };
    let replacement = if token_endpoint {
        HttpResponse::build(status)
            .content_type("application/x-www-form-urlencoded")
            .body(oauth_problem_body(status, &message))
    } else {
        HttpResponse::build(status).json(json_body(&message, None))
    };
    response.into_response(replacement)
}

/// `kind:id` of the resolved caller, `guest`, or `-` when the route did not authenticate.
fn caller_label(req: &HttpRequest) -> String {
    let extensions = req.extensions();
    let Some(resolved) = extensions.get::<ResolvedCaller>() else {
        return "-".to_owned();
    };
    let kind = match &resolved.principal {
        Principal::Integration { .. } => "integration",
        Principal::Admin(_) => "admin",
        Principal::Customer(_) => "customer",
        Principal::Guest => "guest",
    };
    match resolved.principal.user_id() {
        Some(id) => format!("{kind}:{id} via {}", resolved.scheme.as_str()),
        None => kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use gatehouse_domain::{IntegrationId, SetupType};

    use super::*;
    use crate::auth::Scheme;

    async fn rewritten(
        path: &str,
        response: HttpResponse,
        token_endpoint: bool,
    ) -> (StatusCode, String, String) {
        let request = TestRequest::with_uri(path).to_srv_request();
        let response = request.into_response(response).map_into_boxed_body();
        let response = ensure_structured_error(response, token_endpoint, None);
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap();
        (
            status,
            content_type,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    #[actix_web::test]
    async fn plain_error_answers_become_structured() {
        let (status, content_type, body) =
            rewritten("/rest/V1/x", HttpResponse::NotFound().body("gone"), false).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(content_type, "application/json");
        assert_eq!(body, r#"{"message":"Request does not match any route."}"#);

        let (status, content_type, body) = rewritten(
            "/oauth/token/request",
            HttpResponse::BadRequest().finish(),
            true,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(content_type, "application/x-www-form-urlencoded");
        assert_eq!(body, "oauth_problem=Bad+Request");
    }

    #[actix_web::test]
    async fn shaped_error_answers_are_kept() {
        let page = HttpResponse::Forbidden()
            .content_type("text/html; charset=utf-8")
            .body("<h1>Forbidden</h1>");
        let (status, content_type, body) = rewritten("/admin/x", page, false).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(content_type.starts_with("text/html"));
        assert_eq!(body, "<h1>Forbidden</h1>");
    }

    #[test]
    fn the_log_line_names_the_caller_without_credentials() {
        let req = TestRequest::default().to_http_request();
        assert_eq!(caller_label(&req), "-");

        req.extensions_mut().insert(ResolvedCaller {
            principal: Principal::Integration {
                integration_id: IntegrationId(4),
                resources: vec![],
                setup_type: SetupType::Manual,
            },
            scheme: Scheme::OAuth,
        });
        assert_eq!(caller_label(&req), "integration:4 via oauth");

        let req = TestRequest::default().to_http_request();
        req.extensions_mut().insert(ResolvedCaller {
            principal: Principal::Guest,
            scheme: Scheme::None,
        });
        assert_eq!(caller_label(&req), "guest");
    }
}
