//! A third-party integration app, as a vendor would write it against Gatehouse (or the
//! reference platform it reproduces): it receives the credentials Gatehouse posts on
//! activation, completes the OAuth 1.0a handshake with the `oauth1-request` crate, and calls
//! the store's REST API with the access token.
//!
//! # The flow
//!
//! 1. The store's admin creates an integration whose endpoint is this app's
//!    [`CREDENTIALS_PATH`] and activates it.
//! 2. Gatehouse POSTs, form-encoded, `oauth_consumer_key`, `oauth_consumer_secret`,
//!    `store_base_url` and `oauth_verifier` there. The app checks that the store is one it
//!    trusts ([`AppSettings::trusted_stores`]), answers 200 at once, and carries on in the
//!    background.
//! 3. It asks `store_base_url + "oauth/token/request"` for a request token, signed with the
//!    consumer's credentials ([`StoreClient::request_token`]).
//! 4. It trades the request token and the verifier at `oauth/token/access` for the access
//!    token ([`StoreClient::access_token`]); the integration is now Active in the store.
//! 5. It calls `GET rest/V1/integration/self` signed with the access token
//!    ([`StoreClient::integration_self`]) and records the answer, which
//!    [`CONNECTIONS_PATH`] shows.
//!
//! Every request is signed with HMAC-SHA256 ([`signing::HmacSha256`]), the one method the
//! store accepts by default. The consumer has 300 seconds from the POST to finish the token
//! requests.
//!
//! # What a production app adds
//!
//! Durable storage for the access token (it does not expire; it is revoked by
//! reauthorization), TLS for `https://` stores (turn on an `awc` TLS feature and give the
//! client a connector), and the identity link page where the store's admin finishes the
//! app's own sign-in.

pub mod error;
pub mod handshake;
pub mod server;
pub mod signing;

pub use error::{HandshakeError, Step};
pub use handshake::{
    complete_handshake, Connected, CredentialPost, Credentials, SelfReport, StoreClient,
};
pub use server::{
    start, AppSettings, Connection, ConnectionState, ConnectionView, Connections, CONNECTIONS_PATH,
    CREDENTIALS_PATH,
};
