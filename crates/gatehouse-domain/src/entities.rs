//! Rows as the services see them. Storage holds digests and sealed bytes where a row carries a
//! credential; the services alone turn them back into secrets.
//!
//! Times are whole seconds since the Unix epoch, UTC.

use serde::{Deserialize, Serialize};

use crate::ids::{AdminId, ConsumerId, CustomerId, IntegrationId, RoleId, TokenId};
use crate::values::{ConsumerKey, Digest, Sealed};

/// Who a caller or a token belongs to. The codes are the reference's wire and claim values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum UserType {
    /// A third-party integration (1).
    Integration,
    /// A back-office admin (2).
    Admin,
    /// A shop customer (3).
    Customer,
    /// Nobody in particular (4).
    Guest,
}

impl UserType {
    /// The reference's code: integration 1, admin 2, customer 3, guest 4.
    pub fn code(self) -> u8 {
        match self {
            Self::Integration => 1,
            Self::Admin => 2,
            Self::Customer => 3,
            Self::Guest => 4,
        }
    }

    /// The user type for a code, if it is one.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Integration),
            2 => Some(Self::Admin),
            3 => Some(Self::Customer),
            4 => Some(Self::Guest),
            _ => None,
        }
    }
}

impl From<UserType> for u8 {
    fn from(user_type: UserType) -> u8 {
        user_type.code()
    }
}

impl TryFrom<u8> for UserType {
    type Error = String;

    fn try_from(code: u8) -> Result<Self, Self::Error> {
        Self::from_code(code).ok_or_else(|| format!("unknown user type {code}"))
    }
}

/// The stage an `oauth_token` row is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// Created at activation; carries the verifier posted to the integration.
    Verifier,
    /// Issued by `/oauth/token/request`.
    Request,
    /// Issued by `/oauth/token/access`, or an opaque admin/customer bearer token.
    Access,
}

impl TokenKind {
    /// The value stored in `oauth_token.type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verifier => "verifier",
            Self::Request => "request",
            Self::Access => "access",
        }
    }

    /// The kind for a stored value, if it is one.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "verifier" => Some(Self::Verifier),
            "request" => Some(Self::Request),
            "access" => Some(Self::Access),
            _ => None,
        }
    }
}

/// An integration's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum IntegrationStatus {
    /// Not (yet) activated, or reauthorization started (0).
    Inactive,
    /// Holds an access token (1).
    Active,
    /// Re-created from a changed config file; needs activation again (2).
    Reset,
}

impl IntegrationStatus {
    /// The stored code: 0, 1 or 2.
    pub fn code(self) -> u8 {
        match self {
            Self::Inactive => 0,
            Self::Active => 1,
            Self::Reset => 2,
        }
    }

    /// The status for a code, if it is one.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Inactive),
            1 => Some(Self::Active),
            2 => Some(Self::Reset),
            _ => None,
        }
    }

    /// The label the admin UI shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Inactive => "Inactive",
            Self::Active => "Active",
            Self::Reset => "Reset",
        }
    }
}

impl From<IntegrationStatus> for u8 {
    fn from(status: IntegrationStatus) -> u8 {
        status.code()
    }
}

impl TryFrom<u8> for IntegrationStatus {
    type Error = String;

    fn try_from(code: u8) -> Result<Self, Self::Error> {
        Self::from_code(code).ok_or_else(|| format!("unknown integration status {code}"))
    }
}

/// How an integration came to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum SetupType {
    /// Created through the API or the admin UI (0).
    Manual,
    /// Declared in an `integration.xml` file (1); cannot be edited or deleted by hand.
    ConfigFile,
}

impl SetupType {
    /// The stored code: 0 or 1.
    pub fn code(self) -> u8 {
        match self {
            Self::Manual => 0,
            Self::ConfigFile => 1,
        }
    }

    /// The setup type for a code, if it is one.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Manual),
            1 => Some(Self::ConfigFile),
            _ => None,
        }
    }
}

impl From<SetupType> for u8 {
    fn from(setup: SetupType) -> u8 {
        setup.code()
    }
}

impl TryFrom<u8> for SetupType {
    type Error = String;

    fn try_from(code: u8) -> Result<Self, Self::Error> {
        Self::from_code(code).ok_or_else(|| format!("unknown setup type {code}"))
    }
}

/// An OAuth consumer (`oauth_consumer`): one per integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumer {
    /// Row id.
    pub id: ConsumerId,
    /// `IntegrationN` for the consumer of integration N.
    pub name: String,
    /// The public consumer key.
    pub key: ConsumerKey,
    /// The consumer secret, sealed by the services.
    pub sealed_secret: Sealed,
    /// Where the consumer wants the verifier sent, if anywhere.
    pub callback_url: Option<String>,
    /// Where to send a refusal, if anywhere.
    pub rejected_callback_url: Option<String>,
    /// Creation time.
    pub created_at: i64,
    /// Last save; it starts the token-exchange window.
    pub updated_at: i64,
}

/// A consumer to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsumer {
    /// See [`Consumer::name`].
    pub name: String,
    /// See [`Consumer::key`].
    pub key: ConsumerKey,
    /// See [`Consumer::sealed_secret`].
    pub sealed_secret: Sealed,
    /// See [`Consumer::callback_url`].
    pub callback_url: Option<String>,
    /// See [`Consumer::rejected_callback_url`].
    pub rejected_callback_url: Option<String>,
    /// Creation time; `updated_at` starts equal to it.
    pub created_at: i64,
}

/// Whose token a row is: exactly one owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenOwner {
    /// An OAuth token of a consumer (user type 1).
    Consumer(ConsumerId),
    /// An opaque bearer token of an admin (user type 2).
    Admin(AdminId),
    /// An opaque bearer token of a customer (user type 3).
    Customer(CustomerId),
}

impl TokenOwner {
    /// The user type the owner implies.
    pub fn user_type(self) -> UserType {
        match self {
            Self::Consumer(_) => UserType::Integration,
            Self::Admin(_) => UserType::Admin,
            Self::Customer(_) => UserType::Customer,
        }
    }
}

/// An `oauth_token` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Row id.
    pub id: TokenId,
    /// Whose token this is.
    pub owner: TokenOwner,
    /// The stage.
    pub kind: TokenKind,
    /// Keyed digest of the token value; unique.
    pub token_digest: Digest,
    /// The token secret, sealed by the services.
    pub sealed_secret: Sealed,
    /// Keyed digest of the verifier, for OAuth rows.
    pub verifier_digest: Option<Digest>,
    /// The callback given at creation (`oob` for none).
    pub callback_url: String,
    /// Whether the token was revoked.
    pub revoked: bool,
    /// Whether the token was authorized.
    pub authorized: bool,
    /// Creation time; the expiry rules count from it.
    pub created_at: i64,
}

/// A token row to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// See [`Token::owner`].
    pub owner: TokenOwner,
    /// See [`Token::kind`].
    pub kind: TokenKind,
    /// See [`Token::token_digest`].
    pub token_digest: Digest,
    /// See [`Token::sealed_secret`].
    pub sealed_secret: Sealed,
    /// See [`Token::verifier_digest`].
    pub verifier_digest: Option<Digest>,
    /// See [`Token::callback_url`].
    pub callback_url: String,
    /// See [`Token::authorized`].
    pub authorized: bool,
    /// See [`Token::created_at`].
    pub created_at: i64,
}

/// The new state of a token row moving one stage on (verifier → request → access).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenConversion {
    /// The kind the row becomes.
    pub kind: TokenKind,
    /// The digest of the newly issued token value.
    pub token_digest: Digest,
    /// The newly issued secret, sealed.
    pub sealed_secret: Sealed,
    /// Whether the row is authorized afterwards.
    pub authorized: bool,
}

/// A recorded `oauth_nonce`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonceRecord {
    /// The consumer that used it.
    pub consumer_id: ConsumerId,
    /// The nonce.
    pub nonce: String,
    /// The request's `oauth_timestamp`.
    pub timestamp: i64,
}

/// An `integration` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Integration {
    /// Row id.
    pub id: IntegrationId,
    /// Unique name.
    pub name: String,
    /// Contact address.
    pub email: String,
    /// Where credentials are posted on activation.
    pub endpoint: Option<String>,
    /// Where the admin finishes the third party's login.
    pub identity_link_url: Option<String>,
    /// Status.
    pub status: IntegrationStatus,
    /// How it was created.
    pub setup_type: SetupType,
    /// Its consumer, once created.
    pub consumer_id: Option<ConsumerId>,
    /// Creation time.
    pub created_at: i64,
    /// Last save.
    pub updated_at: i64,
}

/// An integration to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIntegration {
    /// See [`Integration::name`].
    pub name: String,
    /// See [`Integration::email`].
    pub email: String,
    /// See [`Integration::endpoint`].
    pub endpoint: Option<String>,
    /// See [`Integration::identity_link_url`].
    pub identity_link_url: Option<String>,
    /// See [`Integration::status`].
    pub status: IntegrationStatus,
    /// See [`Integration::setup_type`].
    pub setup_type: SetupType,
    /// See [`Integration::consumer_id`].
    pub consumer_id: Option<ConsumerId>,
    /// Creation time; `updated_at` starts equal to it.
    pub created_at: i64,
}

/// A back-office user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminUser {
    /// Row id.
    pub id: AdminId,
    /// Unique login name.
    pub username: String,
    /// Contact address.
    pub email: String,
    /// Argon2id hash in PHC string form.
    pub password_hash: String,
    /// Inactive users cannot log in.
    pub is_active: bool,
    /// Creation time.
    pub created_at: i64,
}

/// An admin user to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdminUser {
    /// See [`AdminUser::username`].
    pub username: String,
    /// See [`AdminUser::email`].
    pub email: String,
    /// See [`AdminUser::password_hash`].
    pub password_hash: String,
    /// See [`AdminUser::is_active`].
    pub is_active: bool,
    /// See [`AdminUser::created_at`].
    pub created_at: i64,
}

/// A shop customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Row id.
    pub id: CustomerId,
    /// Unique email; the login name.
    pub email: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
    /// Argon2id hash in PHC string form.
    pub password_hash: String,
    /// Inactive customers cannot log in.
    pub is_active: bool,
    /// Creation time.
    pub created_at: i64,
}

/// A customer to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    /// See [`Customer::email`].
    pub email: String,
    /// See [`Customer::firstname`].
    pub firstname: String,
    /// See [`Customer::lastname`].
    pub lastname: String,
    /// See [`Customer::password_hash`].
    pub password_hash: String,
    /// See [`Customer::is_active`].
    pub is_active: bool,
    /// See [`Customer::created_at`].
    pub created_at: i64,
}

/// Failed logins of one user name and user type (`oauth_token_request_log`).
///
/// The reference stores customer as 2 and admin as 3 here; Gatehouse stores [`UserType`] codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginFailures {
    /// The name that was tried.
    pub user_name: String,
    /// Admin or customer.
    pub user_type: UserType,
    /// Failures since the counter last started.
    pub failures_count: u32,
    /// When the counter and any lock lapse.
    pub lock_expires_at: i64,
}

/// A per-user revocation watermark (`jwt_auth_revoked`): tokens issued at or before
/// `revoke_before` are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserRevocation {
    /// Admin or customer.
    pub user_type: UserType,
    /// The user's id.
    pub user_id: i64,
    /// Tokens with `iat ≤ revoke_before` are refused.
    pub revoke_before: i64,
}

/// One revoked token, by its `jti` claim, kept until the token would have expired anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRevocation {
    /// The token's id claim.
    pub token_id: String,
    /// The owner's user type.
    pub user_type: UserType,
    /// The owner's id.
    pub user_id: i64,
    /// The token's own expiry; the row may be deleted after it.
    pub expires_at: i64,
}

/// An ACL role (`authorization_role`): one per integration holds its grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Row id.
    pub id: RoleId,
    /// The reference names an integration's role after the integration id.
    pub name: String,
    /// Whose role it is.
    pub user_type: UserType,
    /// The id of that user (the integration id for user type 1).
    pub user_id: i64,
}

/// A role to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRole {
    /// See [`Role::name`].
    pub name: String,
    /// See [`Role::user_type`].
    pub user_type: UserType,
    /// See [`Role::user_id`].
    pub user_id: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for user_type in [
            UserType::Integration,
            UserType::Admin,
            UserType::Customer,
            UserType::Guest,
        ] {
            assert_eq!(UserType::from_code(user_type.code()), Some(user_type));
        }
        assert_eq!(UserType::Admin.code(), 2);
        assert_eq!(UserType::from_code(0), None);
        for kind in [TokenKind::Verifier, TokenKind::Request, TokenKind::Access] {
            assert_eq!(TokenKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(
            IntegrationStatus::from_code(2),
            Some(IntegrationStatus::Reset)
        );
        assert_eq!(SetupType::from_code(1), Some(SetupType::ConfigFile));
    }
}
