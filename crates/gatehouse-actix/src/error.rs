//! The one place where failures become HTTP answers (design decision 8).
//!
//! Every handler, extractor and middleware of the crate fails with an [`ApiError`]. Its
//! [`ApiError::status`] maps the services' [`ErrorClass`] to a status (input 400,
//! authentication 401, authorization 401 as the reference's REST API answers, not found 404,
//! conflict 400, unavailable 503, internal 500) and adds the few statuses that only HTTP knows
//! (413, 405, the unknown route's 404). The body is rendered here too, in one of two shapes:
//!
//! - JSON for `/rest` and everything else: `{"message": template, "parameters": {...}}`, plus
//!   `errors` for the reference's "One or more input exceptions have occurred.";
//! - `oauth_problem=<message>` for the two token endpoints ([`TokenEndpointError`]).
//!
//! Failures that are the server's fault (500) are logged here, once, at error level with their
//! causes; a 503 is logged at warn level. Neither sends its cause to the client. Nothing logged
//! here carries a credential: the services' errors never include one.

use std::error::Error as StdError;
use std::fmt;

use actix_web::error::{BlockingError, PayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value};

use gatehouse_acl::AclError;
use gatehouse_domain::{ErrorClass, Message};
use gatehouse_oauth1::percent_encode;
use gatehouse_tokens::TokensError;

/// The reference's answer to a request no route matches.
pub const NO_ROUTE: &str = "Request does not match any route.";

/// The answer to a known route called with a method it does not serve; `%1` is the method.
pub const METHOD_NOT_ALLOWED: &str = "The %1 method is not allowed for this route.";

/// The answer to a body over the limit; `%1` is the limit in bytes.
pub const BODY_TOO_LARGE: &str = "The request body is larger than the limit of %1 bytes.";

/// The answer to a body that is not the JSON the route expects; `%1` says what is wrong.
pub const MALFORMED_JSON: &str = "Decoding error: %1";

/// The answer to request headers over the limit; `%1` is the limit in bytes.
pub const HEADERS_TOO_LARGE: &str = "The request headers are larger than the limit of %1 bytes.";

/// The answer to a query string or form body with too many parameters; `%1` is the limit.
pub const TOO_MANY_PARAMETERS: &str = "The request has more than %1 parameters.";

/// The answer to a body that could not be read to its end.
pub const UNREADABLE_BODY: &str = "The request body cannot be read.";

/// The answer to a body that did not arrive in time.
pub const BODY_TIMEOUT: &str = "The request body was not received in time.";

/// The answer when the service cannot answer in time.
pub const UNAVAILABLE: &str = "The service is temporarily unavailable. Try again later.";

/// The reference's answer to a field with a value that is not allowed.
pub const INVALID_FIELD: &str = "Invalid value of \"%value\" provided for the %fieldName field.";

/// The answer to every failure that is the server's fault.
pub const INTERNAL: &str = "Internal error. The server log has the details.";

/// Everything a request can fail with, from the services up to the HTTP layer itself.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A service refused the request or failed.
    #[error(transparent)]
    Service(#[from] TokensError),
    /// The ACL refused the caller (see [`crate::require`]).
    #[error(transparent)]
    Acl(#[from] AclError),
    /// The body is larger than the configured limit.
    #[error("request body exceeds {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The request headers, together, are larger than the configured limit.
    #[error("request headers exceed {limit} bytes")]
    HeadersTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body could not be read to its end.
    #[error("request body cannot be read")]
    Payload(#[source] PayloadError),
    /// The body is not the JSON the route expects.
    #[error("request body is not the expected json")]
    MalformedJson(#[source] serde_json::Error),
    /// The query string or the form body has more parameters than allowed.
    #[error("request has more than {limit} parameters")]
    TooManyParameters {
        /// The limit.
        limit: usize,
    },
    /// A path segment does not have the expected form (an id that is not a number).
    #[error("path parameter {name} is invalid")]
    InvalidPathParameter {
        /// The parameter's name.
        name: &'static str,
        /// The value sent.
        value: String,
    },
    /// No route matches the path.
    #[error("no route matches the request")]
    NoRoute,
    /// The path is known but not with this method.
    #[error("method {method} is not allowed for this route")]
    MethodNotAllowed {
        /// The method the client used.
        method: String,
    },
    /// The client did not send its whole body in time.
    #[error("request body not received within {after:?}")]
    BodyTimeout {
        /// The time allowed.
        after: std::time::Duration,
    },
    /// The service call did not finish within the deadline (a silent database, or every
    /// blocking thread busy).
    #[error("service call did not finish within {after:?}")]
    Deadline {
        /// The deadline.
        after: std::time::Duration,
    },
    /// The blocking pool that runs service calls is shut down or the call panicked.
    #[error("the blocking call did not complete")]
    Blocking(#[source] BlockingError),
    /// The server is set up wrongly; the text says how.
    #[error("server misconfiguration: {0}")]
    Misconfigured(&'static str),
}

impl ApiError {
    /// The class of the failure, as the services would name it.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Service(error) => error.class(),
            Self::Acl(error) => error.class(),
            Self::BodyTooLarge { .. }
            | Self::HeadersTooLarge { .. }
            | Self::Payload(_)
            | Self::MalformedJson(_)
            | Self::TooManyParameters { .. }
            | Self::InvalidPathParameter { .. }
            | Self::MethodNotAllowed { .. }
            | Self::BodyTimeout { .. } => ErrorClass::Input,
            Self::NoRoute => ErrorClass::NotFound,
            Self::Deadline { .. } => ErrorClass::Unavailable,
            Self::Blocking(_) | Self::Misconfigured(_) => ErrorClass::Internal,
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::BodyTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::Payload(PayloadError::Overflow) => StatusCode::PAYLOAD_TOO_LARGE,
            _ => status_of(self.class()),
        }
    }

    /// The message the client sees: the reference's template and its parameters.
    pub fn message(&self) -> Message {
        match self {
            Self::Service(error) => error.message(),
            Self::Acl(error) => error.message(),
            Self::BodyTooLarge { limit } => {
                Message::new(BODY_TOO_LARGE).with("1", limit.to_string())
            }
            Self::HeadersTooLarge { limit } => {
                Message::new(HEADERS_TOO_LARGE).with("1", limit.to_string())
            }
            Self::Payload(_) => Message::new(UNREADABLE_BODY),
            Self::MalformedJson(error) => Message::new(MALFORMED_JSON).with("1", error.to_string()),
            Self::TooManyParameters { limit } => {
                Message::new(TOO_MANY_PARAMETERS).with("1", limit.to_string())
            }
            Self::InvalidPathParameter { name, value } => Message::new(INVALID_FIELD)
                .with("value", value.clone())
                .with("fieldName", *name),
            Self::NoRoute => Message::new(NO_ROUTE),
            Self::BodyTimeout { .. } => Message::new(BODY_TIMEOUT),
            Self::Deadline { .. } => Message::new(UNAVAILABLE),
            Self::MethodNotAllowed { method } => {
                Message::new(METHOD_NOT_ALLOWED).with("1", method.clone())
            }
            Self::Blocking(_) | Self::Misconfigured(_) => Message::new(INTERNAL),
        }
    }

    /// The individual messages of the reference's "One or more input exceptions have
    /// occurred.", when this is one.
    pub fn input_errors(&self) -> Option<&[Message]> {
        match self {
            Self::Service(TokensError::InputErrors(errors)) => Some(errors),
            _ => None,
        }
    }

    /// Logs a failure that is the server's fault (error) or a degraded service (warn), with its
    /// causes. Refusals of the client's request are not logged here: the per-request line
    /// already records their status.
    fn log(&self) {
        let status = self.status();
        if status.is_server_error() {
            let chain = CauseChain(self);
            if status == StatusCode::SERVICE_UNAVAILABLE {
                log::warn!("request refused, service unavailable: {chain}");
            } else {
                log::error!("request failed: {chain}");
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.log();

        HttpResponse::build(self.status()).json(json_body(&self.message(), self.input_errors()))
    }
}

/// The HTTP status of a class of failure: the reference's REST mapping.
pub fn status_of(class: ErrorClass) -> StatusCode {
    match class {
        ErrorClass::Input | ErrorClass::Conflict => StatusCode::BAD_REQUEST,
        // The reference's REST API answers an ACL refusal with 401, not 403.
        ErrorClass::Authentication | ErrorClass::Authorization => StatusCode::UNAUTHORIZED,
        ErrorClass::NotFound => StatusCode::NOT_FOUND,
        ErrorClass::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorClass::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The JSON error body: `message` (the template), `parameters` (an object keyed by placeholder
/// name, left out when empty) and, for input errors, `errors` in the same shape.
pub fn json_body(message: &Message, errors: Option<&[Message]>) -> Value {
    let mut body = message_object(message);
    if let Some(errors) = errors {
        let list = errors
            .iter()
            .map(message_object)
            .map(Value::Object)
            .collect();
        body.insert("errors".to_owned(), Value::Array(list));
    }
    Value::Object(body)
}

fn message_object(message: &Message) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert(
        "message".to_owned(),
        Value::String(message.template.to_string()),
    );
    if !message.parameters.is_empty() {
        let parameters = message
            .parameters
            .iter()
            .map(|(name, value)| (name.to_string(), Value::String(value.clone())))
            .collect();
        object.insert("parameters".to_owned(), Value::Object(parameters));
    }
    object
}

/// An [`ApiError`] answered in the token endpoints' shape (behaviour.md §4):
/// `oauth_problem=<url-encoded message>` with the status of its class, or
/// `oauth_problem=internal_error&message=<url-encoded message>` with 500 for the server's own
/// failures.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct TokenEndpointError(#[from] pub ApiError);

impl From<TokensError> for TokenEndpointError {
    fn from(error: TokensError) -> Self {
        Self(ApiError::Service(error))
    }
}

impl ResponseError for TokenEndpointError {
    fn status_code(&self) -> StatusCode {
        self.0.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.log();

        HttpResponse::build(self.0.status())
            .content_type("application/x-www-form-urlencoded")
            .body(oauth_problem_body(self.0.status(), &self.0.message()))
    }
}

/// The token endpoints' error body for `status` and `message`.
pub fn oauth_problem_body(status: StatusCode, message: &Message) -> String {
    let text = form_encode(&message.render());
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        return format!("oauth_problem=internal_error&message={text}");
    }
    format!("oauth_problem={text}")
}

/// URL-encodes `text` as PHP's `http_build_query` does, which the reference answers with:
/// RFC 3986 percent-encoding with a space as `+`.
fn form_encode(text: &str) -> String {
    percent_encode(text).replace("%20", "+")
}

/// Displays an error and each of its causes, joined by `: `.
struct CauseChain<'a>(&'a (dyn StdError + 'static));

impl fmt::Display for CauseChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_domain::StorageError;

    use super::*;

    #[test]
    fn classes_map_to_the_reference_statuses() {
        let expected = [
            (ErrorClass::Input, 400),
            (ErrorClass::Authentication, 401),
            (ErrorClass::Authorization, 401),
            (ErrorClass::NotFound, 404),
            (ErrorClass::Conflict, 400),
            (ErrorClass::Unavailable, 503),
            (ErrorClass::Internal, 500),
        ];
        for (class, status) in expected {
            assert_eq!(status_of(class).as_u16(), status, "{class:?}");
        }
    }

    #[test]
    fn json_body_keys_parameters_by_placeholder() {
        let message = Message::new("The integration with name \"%1\" exists.").with("1", "shop");
        assert_eq!(
            json_body(&message, None),
            serde_json::json!({
                "message": "The integration with name \"%1\" exists.",
                "parameters": {"1": "shop"}
            })
        );
        assert_eq!(
            json_body(&Message::new(NO_ROUTE), None),
            serde_json::json!({"message": "Request does not match any route."})
        );
    }

    #[test]
    fn input_errors_list_each_field() {
        let error = ApiError::Service(TokensError::InputErrors(vec![Message::new(
            "\"%fieldName\" is required. Enter and try again.",
        )
        .with("fieldName", "a")]));
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            json_body(&error.message(), error.input_errors()),
            serde_json::json!({
                "message": "One or more input exceptions have occurred.",
                "errors": [{
                    "message": "\"%fieldName\" is required. Enter and try again.",
                    "parameters": {"fieldName": "a"}
                }]
            })
        );
    }

    #[test]
    fn oauth_problems_are_form_encoded() {
        let message = Message::new("Consumer key has expired");
        assert_eq!(
            oauth_problem_body(StatusCode::UNAUTHORIZED, &message),
            "oauth_problem=Consumer+key+has+expired"
        );
        assert_eq!(
            oauth_problem_body(StatusCode::INTERNAL_SERVER_ERROR, &Message::new(INTERNAL)),
            "oauth_problem=internal_error&message=Internal+error.+The+server+log+has+the+details."
        );
    }

    #[test]
    fn server_faults_hide_their_cause() {
        let error = ApiError::Service(TokensError::Storage(StorageError::internal(
            "relation oauth_token does not exist",
        )));
        assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(error.message().render(), INTERNAL);

        let down = ApiError::Service(TokensError::Storage(StorageError::Unavailable(
            "connection refused".into(),
        )));
        assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(!down.message().render().contains("refused"));
    }

    #[test]
    fn http_only_statuses() {
        assert_eq!(ApiError::BodyTooLarge { limit: 10 }.status().as_u16(), 413);
        assert_eq!(
            ApiError::HeadersTooLarge { limit: 10 }.status().as_u16(),
            431
        );
        assert_eq!(
            ApiError::MethodNotAllowed {
                method: "PATCH".into()
            }
            .status()
            .as_u16(),
            405
        );
        assert_eq!(ApiError::NoRoute.status().as_u16(), 404);
        assert_eq!(
            ApiError::TooManyParameters { limit: 1 }.status().as_u16(),
            400
        );
    }
}
