//! The one error type of the protocol core, with the reference's wording and the class each
//! refusal belongs to.

use gatehouse_domain::{ErrorClass, Message, ValueError};

/// Why a request was refused by the protocol core.
///
/// [`OAuth1Error::message`] gives the text the reference answers with (as a template and its
/// parameters) and [`OAuth1Error::class`] the kind of failure, which the HTTP adapter maps to a
/// status: [`ErrorClass::Input`] is a 400, [`ErrorClass::Authentication`] a 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuth1Error {
    /// `oauth_version` is present and is not `1.0`.
    #[error("oauth version {version:?} is not supported")]
    UnsupportedVersion {
        /// The version the client sent.
        version: String,
    },

    /// Required protocol parameters are absent.
    #[error("required parameters are missing: {names}")]
    MissingParameters {
        /// The missing names in the reference's order, joined with `, `.
        names: String,
    },

    /// `oauth_token` is present and is not 32 characters.
    #[error("oauth_token is not 32 characters")]
    TokenLength,

    /// `oauth_signature_method` names a method the policy does not allow.
    #[error("signature method {method:?} is not allowed")]
    UnsupportedSignatureMethod {
        /// The method the client named.
        method: String,
    },

    /// `oauth_consumer_key` is not 32 characters.
    #[error("oauth_consumer_key is not 32 characters")]
    ConsumerKeyLength,

    /// `oauth_nonce` is not 1 to 255 printable ASCII characters.
    #[error("oauth_nonce is not 1 to 255 printable ascii characters")]
    InvalidNonce,

    /// `oauth_timestamp` is not a positive decimal number.
    #[error("oauth_timestamp is not a positive decimal number")]
    InvalidTimestamp,

    /// `oauth_timestamp` is further from now than the policy's window, in either direction.
    #[error("oauth_timestamp is outside the accepted window")]
    TimestampOutOfWindow,

    /// The `Authorization: OAuth` header does not follow RFC 5849 §3.5.1.
    #[error("authorization header is malformed: {reason}")]
    MalformedHeader {
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A protocol parameter is not valid UTF-8 once decoded.
    #[error("protocol parameter {name} is not valid utf-8")]
    MalformedParameter {
        /// The parameter's name.
        name: String,
    },

    /// A protocol parameter appears twice in one source, or with different values in two.
    #[error("protocol parameter {name} is given more than once")]
    DuplicateParameter {
        /// The parameter's name.
        name: String,
    },

    /// The base URI the caller passed has no usable scheme or host.
    #[error("base uri is not an absolute http url")]
    InvalidBaseUri,

    /// The signature does not match the request (or is not valid base64).
    #[error("signature is invalid")]
    InvalidSignature,

    /// `oauth_body_hash` does not match the body.
    #[error("oauth_body_hash does not match the body")]
    BodyHashMismatch,
}

impl OAuth1Error {
    /// The reference's message for this refusal: template and parameters, word for word.
    pub fn message(&self) -> Message {
        match self {
            Self::UnsupportedVersion { version } => {
                Message::new("The \"%1\" Oauth version isn't supported.").with("1", version.clone())
            }
            Self::MissingParameters { names } => {
                Message::new("\"%fieldName\" is required. Enter and try again.")
                    .with("fieldName", names.clone())
            }
            Self::TokenLength => ValueError::TokenLength.message(),
            Self::UnsupportedSignatureMethod { method } => {
                Message::new("Signature method %1 is not supported").with("1", method.clone())
            }
            Self::ConsumerKeyLength => ValueError::ConsumerKeyLength.message(),
            Self::InvalidNonce => ValueError::Nonce.message(),
            Self::InvalidTimestamp | Self::TimestampOutOfWindow => ValueError::Timestamp.message(),
            // The reference ignores what it cannot parse; these messages are Gatehouse's own.
            Self::MalformedHeader { .. } => {
                Message::new("The OAuth Authorization header is malformed.")
            }
            Self::MalformedParameter { name } => {
                Message::new("The \"%1\" parameter is malformed.").with("1", name.clone())
            }
            Self::DuplicateParameter { name } => {
                Message::new("The \"%1\" parameter is given more than once.")
                    .with("1", name.clone())
            }
            Self::InvalidBaseUri => {
                Message::new("The request URL can't be used to verify the signature.")
            }
            Self::InvalidSignature => {
                Message::new("The signature is invalid. Verify and try again.")
            }
            Self::BodyHashMismatch => {
                Message::new("The body hash is invalid. Verify and try again.")
            }
        }
    }

    /// The class of this refusal: a bad signature or body hash is an authentication failure,
    /// everything else is malformed input.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::InvalidSignature | Self::BodyHashMismatch => ErrorClass::Authentication,
            _ => ErrorClass::Input,
        }
    }
}
