//! The route table. [`ROUTES`] lists every route once, with what it needs and answers;
//! [`configure`] mounts exactly these and [`crate::schema`] documents exactly these, so the
//! router and `/rest/schema` cannot drift apart.
//!
//! Every `/rest/V1/…` route is also mounted as `/rest/{store_code}/V1/…`: the reference is
//! multi-store, Gatehouse has one store, and any store code maps to it.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError, Route};

use crate::auth::{authenticate, AclResource, IntegrationsResource, TokensResource};
use crate::error::{ApiError, TokenEndpointError};
use crate::handlers::{integrations, oauth, ops, users};

/// An HTTP method a route serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `HEAD`, for the probes of load balancers.
    Head,
}

impl Verb {
    /// The method's name, upper-case.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
            Self::Head => "HEAD",
        }
    }

    /// The method as actix-web names it.
    pub fn method(self) -> Method {
        match self {
            Self::Get => Method::GET,
            Self::Post => Method::POST,
            Self::Put => Method::PUT,
            Self::Delete => Method::DELETE,
            Self::Head => Method::HEAD,
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Public,
    /// A third party completing activation: an OAuth-signed token-endpoint request.
    Signed,
    /// A customer acting on their own account (bearer token); resource `self`.
    Customer,
    /// Any authenticated caller.
    Authenticated,
    /// A caller granted this ACL resource.
    Resource(&'static str),
}

/// What a route reads from the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestBody {
    /// Nothing.
    None,
    /// JSON of the named schema.
    Json(&'static str),
    /// Optional `application/x-www-form-urlencoded` OAuth parameters.
    Form,
}

/// What a route answers on success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseBody {
    /// JSON of the named schema.
    Json(&'static str),
    /// `oauth_token=…&oauth_token_secret=…`.
    Form,
    /// Prometheus text.
    Text,
}

/// One route: method, path, documentation, and how it is mounted.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    /// The method.
    pub verb: Verb,
    /// The path pattern, `{name}` for a path parameter.
    pub path: &'static str,
    /// One line saying what it does.
    pub summary: &'static str,
    /// Who may call it.
    pub access: Access,
    /// What it reads.
    pub request: RequestBody,
    /// What it answers.
    pub response: ResponseBody,
    /// Attaches the handler to a route already restricted to `verb`.
    mount: fn(Route) -> Route,
}

const INTEGRATIONS: &str = IntegrationsResource::ID;
const TOKENS: &str = TokensResource::ID;

/// Every route Gatehouse serves (store-code variants aside).
pub static ROUTES: &[RouteSpec] = &[
    RouteSpec {
        verb: Verb::Post,
        path: "/oauth/token/request",
        summary: "Exchange the verifier for a request token (OAuth 1.0a, signed by the consumer).",
        access: Access::Signed,
        request: RequestBody::Form,
        response: ResponseBody::Form,
        mount: |route| route.to(oauth::request_token),
    },
    RouteSpec {
        verb: Verb::Get,
        path: "/oauth/token/request",
        summary: "Exchange the verifier for a request token (OAuth 1.0a, signed by the consumer).",
        access: Access::Signed,
        request: RequestBody::None,
        response: ResponseBody::Form,
        mount: |route| route.to(oauth::request_token),
    },
    RouteSpec {
        verb: Verb::Post,
        path: "/oauth/token/access",
        summary: "Exchange the request token and verifier for an access token.",
        access: Access::Signed,
        request: RequestBody::Form,
        response: ResponseBody::Form,
        mount: |route| route.to(oauth::access_token),
    },
    RouteSpec {
        verb: Verb::Get,
        path: "/oauth/token/access",
        summary: "Exchange the request token and verifier for an access token.",
        access: Access::Signed,
        request: RequestBody::None,
        response: ResponseBody::Form,
        mount: |route| route.to(oauth::access_token),
    },
    RouteSpec {
        verb: Verb::Post,
        path: "/rest/V1/integration/admin/token",
        summary: "Log an admin in; answers a JWT bearer token.",
        access: Access::Public,
        request: RequestBody::Json("Login"),
        response: ResponseBody::Json("Token"),
        mount: |route| route.to(users::admin_token),
    },
    RouteSpec {
        verb: Verb::Post,
        path: "/rest/V1/integration/customer/token",
        summary: "Log a customer in (username is the email); answers a JWT bearer token.",
        access: Access::Public,
        request: RequestBody::Json("Login"),
        response: ResponseBody::Json("Token"),
        mount: |route| route.to(users::customer_token),
    },
    RouteSpec {
        verb: Verb::Post,
        path: "/rest/V1/integration/customer/revoke-customer-token",
        summary: "Revoke every token of the calling customer.",
        access: Access::Customer,
        request: RequestBody::None,
        response: ResponseBody::Json("Boolean"),
        mount: |route| route.to(users::revoke_own_customer_tokens),
    },
    RouteSpec {
        verb: Verb::Post,
        path: "/rest/V1/integration/admin/{admin_id}/revoke",
        summary: "Revoke every token of an admin.",
        access: Access::Resource(TOKENS),
        request: RequestBody::None,
        response: ResponseBody::Json("Boolean"),
        mount: |route| route.to(users::revoke_admin_tokens),
    },
    RouteSpec {
        verb: Verb::Post,
        path: "/rest/V1/integration/customer/{customer_id}/revoke",
        summary: "Revoke every token of a customer.",
        access: Access::Resource(TOKENS),
        request: RequestBody::None,
        response: ResponseBody::Json("Boolean"),
        mount: |route| route.to(users::revoke_customer_tokens),
    },
    RouteSpec {
        verb: Verb::Get,
        path: "/rest/V1/integration/self",
        summary: "Who the caller is: user type, id and resources.",
        access: Access::Authenticated,
        request: RequestBody::None,
        response: ResponseBody::Json("Caller"),
        mount: |route| route.to(users::whoami),
    },
    RouteSpec {
        verb: Verb::Post,
        path: "/rest/V1/integration/self",
        summary: "Who the caller is; as a POST, a client can check that its signed form bodies \
                  verify.",
        access: Access::Authenticated,
        request: RequestBody::Form,
        response: ResponseBody::Json("Caller"),
        mount: |route| route.to(users::whoami),
    },
    RouteSpec {
        verb: Verb::Get,
        path: "/rest/V1/integrations",
        summary: "List the integrations.",
        access: Access::Resource(INTEGRATIONS),
        request: RequestBody::None,
        response: ResponseBody::Json("IntegrationList"),
        mount: |route| route.to(integrations::list),
    },
    RouteSpec {
        verb: Verb::Post,
        path: "/rest/V1/integrations",
        summary: "Create an integration and its consumer.",
        access: Access::Resource(INTEGRATIONS),
        request: RequestBody::Json("IntegrationInput"),
        response: ResponseBody::Json("Integration"),
        mount: |route| route.to(integrations::create),
    },
    RouteSpec {
        verb: Verb::Get,
        path: "/rest/V1/integrations/{id}",
        summary: "Read an integration with its consumer key and grant.",
        access: Access::Resource(INTEGRATIONS),
        request: RequestBody::None,
        response: ResponseBody::Json("Integration"),
        mount: |route| route.to(integrations::get),
    },
    RouteSpec {
        verb: Verb::Put,
        path: "/rest/V1/integrations/{id}",
        summary: "Edit an integration and replace its grant.",
        access: Access::Resource(INTEGRATIONS),
        request: RequestBody::Json("IntegrationInput"),
        response: ResponseBody::Json("Integration"),
        mount: |route| route.to(integrations::update),
    },
    RouteSpec {
        verb: Verb::Delete,
        path: "/rest/V1/integrations/{id}",
        summary: "Delete an integration, its consumer and its tokens.",
        access: Access::Resource(INTEGRATIONS),
        request: RequestBody::None,
        response: ResponseBody::Json("IntegrationSummary"),
        mount: |route| route.to(integrations::delete),
    },
    RouteSpec {
        verb: Verb::Post,
        path: "/rest/V1/integrations/{id}/activate",
        summary: "Activate: post the credentials to the endpoint, or answer them when it has none.",
        access: Access::Resource(INTEGRATIONS),
        request: RequestBody::None,
        response: ResponseBody::Json("Activation"),
        mount: |route| route.to(integrations::activate),
    },
    RouteSpec {
        verb: Verb::Post,
        path: "/rest/V1/integrations/{id}/reauthorize",
        summary: "Drop the access token and activate again.",
        access: Access::Resource(INTEGRATIONS),
        request: RequestBody::None,
        response: ResponseBody::Json("Activation"),
        mount: |route| route.to(integrations::reauthorize),
    },
    RouteSpec {
        verb: Verb::Get,
        path: "/rest/V1/acl/resources",
        summary: "The ACL resource tree.",
        access: Access::Resource(INTEGRATIONS),
        request: RequestBody::None,
        response: ResponseBody::Json("ResourceTree"),
        mount: |route| route.to(integrations::acl_resources),
    },
    RouteSpec {
        verb: Verb::Get,
        path: "/health",
        summary: "The process is up.",
        access: Access::Public,
        request: RequestBody::None,
        response: ResponseBody::Json("Status"),
        mount: |route| route.to(ops::health),
    },
    RouteSpec {
        verb: Verb::Head,
        path: "/health",
        summary: "The process is up; the answer of GET without its body.",
        access: Access::Public,
        request: RequestBody::None,
        response: ResponseBody::Json("Status"),
        mount: |route| route.to(ops::health),
    },
    RouteSpec {
        verb: Verb::Get,
        path: "/ready",
        summary: "The database is reachable (503 when it is not).",
        access: Access::Public,
        request: RequestBody::None,
        response: ResponseBody::Json("Status"),
        mount: |route| route.to(ops::ready),
    },
    RouteSpec {
        verb: Verb::Get,
        path: "/metrics",
        summary: "Metrics in the Prometheus text format.",
        access: Access::Public,
        request: RequestBody::None,
        response: ResponseBody::Text,
        mount: |route| route.to(ops::metrics),
    },
    RouteSpec {
        verb: Verb::Get,
        path: "/rest/schema",
        summary: "This OpenAPI document.",
        access: Access::Public,
        request: RequestBody::None,
        response: ResponseBody::Json("OpenApi"),
        mount: |route| route.to(ops::schema),
    },
];

/// A route as mounted: a table entry at one concrete path pattern.
#[derive(Debug, Clone)]
pub struct MountedRoute {
    /// The path pattern as the router has it.
    pub path: String,
    /// The table entry.
    pub spec: &'static RouteSpec,
}

/// The prefix of the routes that are also served under a store code.
const STORE_SCOPED_PREFIX: &str = "/rest/V1/";

/// Every route the router serves: the table's, then the store-code variant of each
/// `/rest/V1/…` one.
pub fn mounted_routes() -> Vec<MountedRoute> {
    let plain = ROUTES.iter().map(|spec| MountedRoute {
        path: spec.path.to_owned(),
        spec,
    });
    let store_scoped = ROUTES.iter().filter_map(|spec| {
        let rest = spec.path.strip_prefix(STORE_SCOPED_PREFIX)?;
        Some(MountedRoute {
            path: format!("/rest/{{store_code}}/V1/{rest}"),
            spec,
        })
    });
    plain.chain(store_scoped).collect()
}

/// Mounts every route of [`ROUTES`] on `cfg`, with a JSON 405 for a known path called with
/// another method and a JSON 404 for anything else.
///
/// The caller registers the state first: `app.app_data(web::Data::new(state))`
/// ([`crate::start_server`] does).
pub fn configure(cfg: &mut web::ServiceConfig) {
    for (path, specs) in routes_by_path() {
        let allowed: Vec<&'static str> = specs.iter().map(|spec| spec.verb.as_str()).collect();
        let token_endpoint = path.starts_with("/oauth/");

        let mut resource = web::resource(path.as_str());
        for spec in &specs {
            resource = resource.route((spec.mount)(web::route().method(spec.verb.method())));
        }
        let resource = resource.default_service(web::to(move |req: HttpRequest| {
            let allowed = allowed.clone();
            async move { method_not_allowed(&req, &allowed, token_endpoint) }
        }));

        // Signed `/rest` requests need their body kept for the signature check.
        if path.starts_with("/rest/") {
            cfg.service(resource.wrap(from_fn(authenticate)));
        } else {
            cfg.service(resource);
        }
    }

    cfg.default_service(web::to(not_found));
}

/// The answer to a request no route matches: 404 `{"message":"Request does not match any
/// route."}`. Public so that an embedding app can use it as its own default service.
pub async fn not_found() -> HttpResponse {
    ApiError::NoRoute.error_response()
}

fn method_not_allowed(req: &HttpRequest, allowed: &[&str], token_endpoint: bool) -> HttpResponse {
    let error = ApiError::MethodNotAllowed {
        method: req.method().to_string(),
    };
    let mut response = if token_endpoint {
        TokenEndpointError(error).error_response()
    } else {
        error.error_response()
    };
    if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// The mounted routes grouped by path, in table order.
fn routes_by_path() -> Vec<(String, Vec<&'static RouteSpec>)> {
    let mut grouped: Vec<(String, Vec<&'static RouteSpec>)> = Vec::new();
    for mounted in mounted_routes() {
        match grouped.iter_mut().find(|(path, _)| *path == mounted.path) {
            Some((_, specs)) => specs.push(mounted.spec),
            None => grouped.push((mounted.path, vec![mounted.spec])),
        }
    }
    grouped
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_method_and_path_is_listed_once() {
        let mut seen = HashSet::new();
        for route in mounted_routes() {
            assert!(
                seen.insert((route.spec.verb, route.path.clone())),
                "{} {} is listed twice",
                route.spec.verb.as_str(),
                route.path
            );
        }
    }

    #[test]
    fn rest_v1_routes_have_a_store_code_variant() {
        let mounted: Vec<String> = mounted_routes()
            .into_iter()
            .map(|route| route.path)
            .collect();
        assert!(mounted.contains(&"/rest/{store_code}/V1/integration/admin/token".to_owned()));
        assert!(mounted.contains(&"/rest/{store_code}/V1/integrations/{id}/activate".to_owned()));
        assert!(!mounted
            .iter()
            .any(|path| path == "/rest/{store_code}/V1/schema"));
        assert!(!mounted
            .iter()
            .any(|path| path.starts_with("/rest/{store_code}/health")));
    }
}
