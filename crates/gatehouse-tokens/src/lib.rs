//! Gatehouse's services, written against the repository traits of `gatehouse-domain` only, so
//! they behave the same on the in-memory store and on every database backend.
//!
//! - [`crypto`]: the crypt key, keyed digests of token values and sealing of secrets.
//! - [`oauth`]: consumers and the verifier → request → access token exchange, and validation
//!   of signed API requests.
//! - [`integration`]: integrations, their activation and their config-file declarations.
//! - [`users`]: admin and customer logins, JWT bearer tokens, throttling and revocation.
//! - [`housekeeping`]: the cleanup jobs, as plain functions returning what they removed.
//!
//! Every refusal is a [`TokensError`] carrying the reference's message and an
//! [`ErrorClass`](gatehouse_domain::ErrorClass); the HTTP adapter alone turns it into a status.

pub mod crypto;
pub mod error;
pub mod events;
pub mod housekeeping;
pub mod integration;
pub mod integration_config;
pub mod jwt;
pub mod oauth;
pub mod password;
pub mod revocation;
mod signed_cache;
pub mod throttle;
pub mod users;

pub use error::TokensError;
pub use housekeeping::{CleanupReport, HousekeepingSettings};
pub use jwt::JwtAlgorithm;
pub use users::{TokenSettings, UserTokenService};

use std::sync::Arc;

use gatehouse_domain::{Clock, Random, Store};

use crate::crypto::CryptKeys;

/// What every service needs: the store, the time, randomness and the crypt keys.
///
/// Cheap to clone; services keep one each.
#[derive(Clone)]
pub struct Context {
    /// The storage backend.
    pub store: Arc<dyn Store>,
    /// The source of "now".
    pub clock: Arc<dyn Clock>,
    /// The source of generated credentials.
    pub random: Arc<dyn Random>,
    /// Digest, sealing and JWT keys derived from the crypt key.
    pub keys: Arc<CryptKeys>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").finish_non_exhaustive()
    }
}
