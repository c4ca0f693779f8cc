//! Rows as the tables hold them, and their translation to and from the domain's entities.
//!
//! A stored value this version cannot read (an unknown user-type code, a malformed consumer
//! key) is reported as [`StorageError::Internal`], never a panic.

use diesel::prelude::*;

use gatehouse_domain::{
    AdminId, AdminUser, Consumer, ConsumerId, ConsumerKey, Customer, CustomerId, Digest,
    Integration, IntegrationId, IntegrationStatus, LoginFailures, Role, RoleId, Sealed, SetupType,
    StorageError, Token, TokenId, TokenKind, TokenOwner, UserType,
};

use crate::schema::*;

/// A stored value that does not decode, described without the value itself.
fn undecodable(what: &str) -> StorageError {
    StorageError::internal(format!("stored {what} is not valid"))
}

/// The stored code of a user type.
pub(crate) fn user_type_code(user_type: UserType) -> i16 {
    i16::from(user_type.code())
}

/// The user type of a stored code.
pub(crate) fn user_type_from_code(code: i16) -> Result<UserType, StorageError> {
    u8::try_from(code)
        .ok()
        .and_then(UserType::from_code)
        .ok_or_else(|| undecodable("user type"))
}

/// An `oauth_consumer` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = oauth_consumer)]
pub(crate) struct ConsumerRow {
    pub(crate) entity_id: i64,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) secret: Vec<u8>,
    pub(crate) callback_url: Option<String>,
    pub(crate) rejected_callback_url: Option<String>,
}

impl ConsumerRow {
    pub(crate) fn into_domain(self) -> Result<Consumer, StorageError> {
        Ok(Consumer {
            id: ConsumerId(self.entity_id),
            name: self.name,
            key: ConsumerKey::parse(&self.key).map_err(|_| undecodable("consumer key"))?,
            sealed_secret: Sealed::from_bytes(self.secret),
            callback_url: self.callback_url,
            rejected_callback_url: self.rejected_callback_url,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// An `oauth_consumer` row to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = oauth_consumer)]
pub(crate) struct NewConsumerRow<'a> {
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) name: &'a str,
    pub(crate) key: &'a str,
    pub(crate) secret: &'a [u8],
    pub(crate) callback_url: Option<&'a str>,
    pub(crate) rejected_callback_url: Option<&'a str>,
}

/// An `oauth_token` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = oauth_token)]
pub(crate) struct TokenRow {
    pub(crate) entity_id: i64,
    pub(crate) consumer_id: Option<i64>,
    pub(crate) admin_id: Option<i64>,
    pub(crate) customer_id: Option<i64>,
    pub(crate) type_: String,
    pub(crate) token: String,
    pub(crate) secret: Vec<u8>,
    pub(crate) verifier: Option<String>,
    pub(crate) callback_url: String,
    pub(crate) revoked: bool,
    pub(crate) authorized: bool,
    pub(crate) user_type: i16,
    pub(crate) created_at: i64,
}

impl TokenRow {
    pub(crate) fn into_domain(self) -> Result<Token, StorageError> {
        let owner = match user_type_from_code(self.user_type)? {
            UserType::Integration => self
                .consumer_id
                .map(|id| TokenOwner::Consumer(ConsumerId(id))),
            UserType::Admin => self.admin_id.map(|id| TokenOwner::Admin(AdminId(id))),
            UserType::Customer => self
                .customer_id
                .map(|id| TokenOwner::Customer(CustomerId(id))),
            UserType::Guest => None,
        }
        .ok_or_else(|| undecodable("token owner"))?;

        Ok(Token {
            id: TokenId(self.entity_id),
            owner,
            kind: TokenKind::parse(&self.type_).ok_or_else(|| undecodable("token type"))?,
            token_digest: Digest::from_hex(self.token),
            sealed_secret: Sealed::from_bytes(self.secret),
            verifier_digest: self.verifier.map(Digest::from_hex),
            callback_url: self.callback_url,
            revoked: self.revoked,
            authorized: self.authorized,
            created_at: self.created_at,
        })
    }
}

/// An `oauth_token` row to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = oauth_token)]
pub(crate) struct NewTokenRow<'a> {
    pub(crate) consumer_id: Option<i64>,
    pub(crate) admin_id: Option<i64>,
    pub(crate) customer_id: Option<i64>,
    pub(crate) type_: &'a str,
    pub(crate) token: &'a str,
    pub(crate) secret: &'a [u8],
    pub(crate) verifier: Option<&'a str>,
    pub(crate) callback_url: &'a str,
    pub(crate) revoked: bool,
    pub(crate) authorized: bool,
    pub(crate) user_type: i16,
    pub(crate) created_at: i64,
}

/// An `oauth_nonce` row to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = oauth_nonce)]
pub(crate) struct NewNonceRow<'a> {
    pub(crate) nonce: &'a str,
    pub(crate) timestamp: i64,
    pub(crate) consumer_id: i64,
}

/// An `integration` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = integration)]
pub(crate) struct IntegrationRow {
    pub(crate) integration_id: i64,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) endpoint: Option<String>,
    pub(crate) identity_link_url: Option<String>,
    pub(crate) status: i16,
    pub(crate) setup_type: i16,
    pub(crate) consumer_id: Option<i64>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

impl IntegrationRow {
    pub(crate) fn into_domain(self) -> Result<Integration, StorageError> {
        let status = u8::try_from(self.status)
            .ok()
            .and_then(IntegrationStatus::from_code)
            .ok_or_else(|| undecodable("integration status"))?;
        let setup_type = u8::try_from(self.setup_type)
            .ok()
            .and_then(SetupType::from_code)
            .ok_or_else(|| undecodable("integration setup type"))?;

        Ok(Integration {
            id: IntegrationId(self.integration_id),
            name: self.name,
            email: self.email,
            endpoint: self.endpoint,
            identity_link_url: self.identity_link_url,
            status,
            setup_type,
            consumer_id: self.consumer_id.map(ConsumerId),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The columns of an `integration` row that are written on insert and on update.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = integration, treat_none_as_null = true)]
pub(crate) struct IntegrationFields<'a> {
    pub(crate) name: &'a str,
    pub(crate) email: &'a str,
    pub(crate) endpoint: Option<&'a str>,
    pub(crate) identity_link_url: Option<&'a str>,
    pub(crate) status: i16,
    pub(crate) setup_type: i16,
    pub(crate) consumer_id: Option<i64>,
    pub(crate) updated_at: i64,
}

/// An `oauth_token_request_log` row, without its surrogate id.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = oauth_token_request_log)]
pub(crate) struct LoginFailuresRow {
    pub(crate) user_name: String,
    pub(crate) user_type: i16,
    pub(crate) failures_count: i32,
    pub(crate) lock_expires_at: i64,
}

impl LoginFailuresRow {
    pub(crate) fn into_domain(self) -> Result<LoginFailures, StorageError> {
        Ok(LoginFailures {
            user_name: self.user_name,
            user_type: user_type_from_code(self.user_type)?,
            failures_count: u32::try_from(self.failures_count)
                .map_err(|_| undecodable("failure count"))?,
            lock_expires_at: self.lock_expires_at,
        })
    }
}

/// A `jwt_auth_revoked_token` row to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = jwt_auth_revoked_token)]
pub(crate) struct NewTokenRevocationRow<'a> {
    pub(crate) token_id: &'a str,
    pub(crate) user_type_id: i16,
    pub(crate) user_id: i64,
    pub(crate) expires_at: i64,
}

/// An `admin_user` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = admin_user)]
pub(crate) struct AdminRow {
    pub(crate) user_id: i64,
    pub(crate) username: String,
    pub(crate) email: String,
    pub(crate) password_hash: String,
    pub(crate) is_active: bool,
    pub(crate) created_at: i64,
}

impl AdminRow {
    pub(crate) fn into_domain(self) -> AdminUser {
        AdminUser {
            id: AdminId(self.user_id),
            username: self.username,
            email: self.email,
            password_hash: self.password_hash,
            is_active: self.is_active,
            created_at: self.created_at,
        }
    }
}

/// An `admin_user` row to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = admin_user)]
pub(crate) struct NewAdminRow<'a> {
    pub(crate) username: &'a str,
    pub(crate) email: &'a str,
    pub(crate) password_hash: &'a str,
    pub(crate) is_active: bool,
    pub(crate) created_at: i64,
}

/// A `customer` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = customer)]
pub(crate) struct CustomerRow {
    pub(crate) entity_id: i64,
    pub(crate) email: String,
    pub(crate) firstname: String,
    pub(crate) lastname: String,
    pub(crate) password_hash: String,
    pub(crate) is_active: bool,
    pub(crate) created_at: i64,
}

impl CustomerRow {
    pub(crate) fn into_domain(self) -> Customer {
        Customer {
            id: CustomerId(self.entity_id),
            email: self.email,
            firstname: self.firstname,
            lastname: self.lastname,
            password_hash: self.password_hash,
            is_active: self.is_active,
            created_at: self.created_at,
        }
    }
}

/// A `customer` row to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = customer)]
pub(crate) struct NewCustomerRow<'a> {
    pub(crate) email: &'a str,
    pub(crate) firstname: &'a str,
    pub(crate) lastname: &'a str,
    pub(crate) password_hash: &'a str,
    pub(crate) is_active: bool,
    pub(crate) created_at: i64,
}

/// An `authorization_role` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = authorization_role)]
pub(crate) struct RoleRow {
    pub(crate) role_id: i64,
    pub(crate) role_name: String,
    pub(crate) user_type: i16,
    pub(crate) user_id: i64,
}

impl RoleRow {
    pub(crate) fn into_domain(self) -> Result<Role, StorageError> {
        Ok(Role {
            id: RoleId(self.role_id),
            name: self.role_name,
            user_type: user_type_from_code(self.user_type)?,
            user_id: self.user_id,
        })
    }
}

/// An `authorization_role` row to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = authorization_role)]
pub(crate) struct NewRoleRow<'a> {
    pub(crate) role_name: &'a str,
    pub(crate) user_type: i16,
    pub(crate) user_id: i64,
}

/// An `authorization_rule` row to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = authorization_rule)]
pub(crate) struct NewRuleRow<'a> {
    pub(crate) role_id: i64,
    pub(crate) resource_id: &'a str,
    pub(crate) permission: &'a str,
}
