//! The one error type of the services.
//!
//! A refusal carries the reference's message (template and parameters) and its class; failures
//! of the parts below (protocol core, ACL, storage) keep their cause.

use gatehouse_acl::AclError;
use gatehouse_domain::error::BoxError;
use gatehouse_domain::{ErrorClass, Message, StorageError, ValueError};
use gatehouse_oauth1::OAuth1Error;

/// What the services can fail with.
#[derive(Debug, thiserror::Error)]
pub enum TokensError {
    /// A refusal worded as the reference words it.
    #[error("refused: {message}")]
    Refused {
        /// How the adapter should answer.
        class: ErrorClass,
        /// The reference's message.
        message: Message,
    },
    /// Several input errors at once, answered as the reference's
    /// `One or more input exceptions have occurred.` with an `errors` list.
    #[error("one or more input errors")]
    InputErrors(Vec<Message>),
    /// A malformed protocol value.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// The OAuth protocol core refused the request.
    #[error(transparent)]
    Protocol(#[from] OAuth1Error),
    /// The ACL refused or failed.
    #[error(transparent)]
    Acl(#[from] AclError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The crypt key is missing or unusable.
    #[error("crypt key is invalid: {0}")]
    CryptKey(String),
    /// A sealed secret could not be opened: wrong key, or the row was tampered with.
    #[error("a sealed secret cannot be opened")]
    Unseal,
    /// Posting credentials to an integration's endpoint failed.
    #[error("posting credentials to the integration endpoint failed")]
    EndpointPost(#[source] BoxError),
    /// A config file could not be read or parsed.
    #[error("{0}")]
    Config(String),
    /// Hashing or checking a password failed for a reason other than a mismatch.
    #[error("password hashing failed: {0}")]
    PasswordHash(String),
}

/// The message shown for failures that are the server's fault.
const INTERNAL: &str = "Internal error. The server log has the details.";

impl TokensError {
    /// A refusal of class `class` with the reference's message.
    pub fn refused(class: ErrorClass, message: Message) -> Self {
        Self::Refused { class, message }
    }

    /// How the adapter should answer.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Refused { class, .. } => *class,
            Self::InputErrors(_) => ErrorClass::Input,
            Self::Value(error) => error.class(),
            Self::Protocol(error) => error.class(),
            Self::Acl(error) => error.class(),
            Self::Storage(error) => error.class(),
            Self::EndpointPost(_) => ErrorClass::Unavailable,
            Self::CryptKey(_) | Self::Unseal | Self::Config(_) | Self::PasswordHash(_) => {
                ErrorClass::Internal
            }
        }
    }

    /// The message the caller sees. Internal failures get a generic message: their cause is
    /// for the log, not the client.
    pub fn message(&self) -> Message {
        match self {
            Self::Refused { message, .. } => message.clone(),
            Self::InputErrors(_) => Message::new("One or more input exceptions have occurred."),
            Self::Value(error) => error.message(),
            Self::Protocol(error) => error.message(),
            Self::Acl(error) => error.message(),
            Self::EndpointPost(_) => Message::new(
                "The attempt to post data to consumer failed due to an unexpected error. \
                 Please try again later.",
            ),
            Self::Storage(StorageError::Unavailable(_)) => {
                Message::new("The service is temporarily unavailable. Try again later.")
            }
            Self::Storage(_)
            | Self::CryptKey(_)
            | Self::Unseal
            | Self::Config(_)
            | Self::PasswordHash(_) => Message::new(INTERNAL),
        }
    }
}
