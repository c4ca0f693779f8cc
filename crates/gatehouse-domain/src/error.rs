//! Errors shared by every layer: the class an error belongs to, and what storage can report.

use std::error::Error as StdError;

/// What kind of failure an error is; the HTTP adapter maps each class to one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The request is malformed or a value is invalid (400).
    Input,
    /// The caller could not be authenticated (401).
    Authentication,
    /// The caller is known but not allowed (401 in the reference's REST API, 403 elsewhere).
    Authorization,
    /// The thing asked for does not exist (404).
    NotFound,
    /// The request conflicts with what exists (400 in the reference, for duplicate names).
    Conflict,
    /// A dependency is down or exhausted; retrying later may work (503).
    Unavailable,
    /// A bug or an unexpected failure (500).
    Internal,
}

/// A boxed cause, kept so logs can show why a storage call failed.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Failures a repository may report. Absence is not an error: lookups return `Option`.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The store cannot be reached right now: the database is down or the pool is exhausted.
    #[error("storage is unavailable")]
    Unavailable(#[source] BoxError),
    /// A uniqueness rule refused the write; `what` names the rule, for example
    /// `"integration name"`.
    #[error("{what} already exists")]
    Conflict {
        /// The unique rule that was violated.
        what: &'static str,
    },
    /// A row refers to another that does not exist (a foreign key refused the write).
    #[error("{what} does not exist")]
    MissingReference {
        /// The referenced entity.
        what: &'static str,
    },
    /// The store holds a value this version cannot read, or failed in an unexpected way.
    #[error("storage failed")]
    Internal(#[source] BoxError),
}

impl StorageError {
    /// The class of this failure.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Unavailable(_) => ErrorClass::Unavailable,
            Self::Conflict { .. } => ErrorClass::Conflict,
            Self::MissingReference { .. } => ErrorClass::NotFound,
            Self::Internal(_) => ErrorClass::Internal,
        }
    }

    /// An internal failure described by `message`, for backends without a richer cause.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into().into())
    }
}
