//! What can go wrong while the app completes a handshake or calls the store's API.

use std::fmt;

/// A step of the conversation with the store, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `POST oauth/token/request`.
    RequestToken,
    /// `POST oauth/token/access`.
    AccessToken,
    /// A signed call to the REST API.
    ApiCall,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::RequestToken => "request-token request",
            Self::AccessToken => "access-token request",
            Self::ApiCall => "api call",
        })
    }
}

/// Why a handshake or an API call failed. The messages carry no credential: the store's own
/// refusals never include one, and nothing here adds one.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// The posted `store_base_url` is not an `http://` or `https://` URL.
    #[error("the store base url {0:?} is not an http or https url")]
    InvalidStoreUrl(String),
    /// The store could not be reached, or did not answer in time.
    #[error("cannot reach the store for the {step}")]
    Transport {
        /// Which request failed.
        step: Step,
        /// The client's error.
        #[source]
        source: awc::error::SendRequestError,
    },
    /// The store's answer could not be read to its end.
    #[error("cannot read the store's answer to the {step}")]
    Payload {
        /// Which request failed.
        step: Step,
        /// The client's error.
        #[source]
        source: awc::error::PayloadError,
    },
    /// The store refused: a token endpoint's `oauth_problem`, or the REST API's `message`.
    #[error("the store refused the {step} with status {status}: {problem}")]
    Refused {
        /// Which request was refused.
        step: Step,
        /// The HTTP status.
        status: u16,
        /// The store's reason, as it worded it.
        problem: String,
    },
    /// A token endpoint answered without a field it must send.
    #[error("the store's answer to the {step} has no {field}")]
    MissingField {
        /// Which request it answered.
        step: Step,
        /// The missing field.
        field: &'static str,
    },
    /// The API answered with a body that is not the JSON expected.
    #[error("the store's answer to the {step} is not the expected json")]
    Json {
        /// Which request it answered.
        step: Step,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
}
