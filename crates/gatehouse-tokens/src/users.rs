//! Admin and customer tokens: logins, bearer authentication, revocation, and the account
//! helpers the command line uses (behaviour.md §5, §6).
//!
//! [`UserTokenService`] ties the parts together: [`crate::password`] checks credentials,
//! [`crate::throttle`] counts failures, [`crate::jwt`] makes and reads tokens,
//! [`crate::revocation`] refuses revoked ones, and [`crate::events`] tells observers about
//! customer logins.
//!
//! Bearer authentication is all in memory on the hot path when the revocation cache is warm:
//! the token's signature and expiry are checked, then the cached revocation state.
//! [`UserTokenService::authenticate_bearer_cached`] gives that path on its own, for callers
//! that must not wait on storage: it answers only when no storage read is needed. Whether the
//! user is still active is not read from storage for each request: deactivating an account
//! through this service revokes its tokens, which the revocation check sees.
//!
//! As in the reference, the per-user watermark has a resolution of one second: a token issued
//! in the same second as a revocation of its user (`iat == revoke_before`) is refused, so a
//! customer who revokes their tokens and logs in again within that second must log in once
//! more.

use std::time::Duration;

use gatehouse_acl::{integration_principal, Principal};
use gatehouse_domain::{
    AdminId, AdminUser, Customer, CustomerId, ErrorClass, IntegrationStatus, Message, NewAdminUser,
    NewCustomer, StorageError, TokenKind, TokenOwner, TokenRevocation, TokenValue, UserType,
};

use crate::error::TokensError;
use crate::events::{Event, EventBus};
use crate::jwt::{JwtAlgorithm, JwtCodec, UserTokenClaims};
use crate::password::{PasswordHasher, PasswordParams};
use crate::revocation::{RevocationCache, DEFAULT_CACHE_TTL};
use crate::throttle::{LockoutSettings, LoginThrottle};
use crate::Context;

/// The reference's message for a missing login field; `%fieldName` is `username` or
/// `password`.
pub const FIELD_REQUIRED: &str = "\"%fieldName\" is required. Enter and try again.";

/// The reference's one message for every failed login: wrong credentials, inactive account or
/// locked out.
pub const SIGN_IN_FAILED: &str = "The account sign-in was incorrect or your account is disabled \
                                  temporarily. Please wait and try again later.";

/// The reference's refusal of a duplicate admin user.
pub const DUPLICATE_ADMIN: &str = "A user with the same user name or email already exists.";

/// The reference's refusal of a duplicate customer.
pub const DUPLICATE_CUSTOMER: &str =
    "A customer with the same email address already exists in an associated website.";

/// Refusal of an unknown admin user name.
pub const NO_SUCH_ADMIN: &str = "The admin user \"%username\" doesn't exist.";

/// Refusal of an unknown customer email.
pub const NO_SUCH_CUSTOMER: &str = "The customer with email \"%email\" doesn't exist.";

/// Refusal of an opaque bearer token that is unknown, or when such tokens are not accepted.
pub const NO_SUCH_TOKEN: &str = "Specified token does not exist";

/// Refusal of a revoked integration access token.
pub const REVOKED_ACCESS_TOKEN: &str = "Access token has been revoked";

/// Refusal of an opaque bearer token that is not an integration's access token.
pub const NOT_AN_ACCESS_TOKEN: &str = "Token is not an access token";

/// Refusal of an access token whose integration is not active.
pub const INTEGRATION_NOT_ACTIVE: &str = "The integration of this token is not active.";

/// Refusal of a per-token revocation of a token that has no `jti`.
pub const TOKEN_HAS_NO_ID: &str =
    "This token has no token id and cannot be revoked alone. Revoke the user's tokens instead.";

/// The reference's refusal of a caller lacking a resource.
const NOT_AUTHORIZED: &str = "The consumer isn't authorized to access %resources.";

/// Lifetime used when a configured token lifetime is zero or negative, in minutes.
const FALLBACK_TTL_MINS: i64 = 30;

/// Settings of admin and customer tokens, with the reference's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSettings {
    /// JWT lifetime of admin tokens, minutes (`tokens.admin_ttl_mins`, default 60; ≤ 0 means
    /// 30).
    pub admin_ttl_mins: i64,
    /// JWT lifetime of customer tokens, minutes (`tokens.customer_ttl_mins`, default 60; ≤ 0
    /// means 30).
    pub customer_ttl_mins: i64,
    /// Signature algorithm (`tokens.jwt_alg`, default HS256).
    pub jwt_alg: JwtAlgorithm,
    /// Login throttling (`lockout.*`, default 6 failures, 1800 s).
    pub lockout: LockoutSettings,
    /// Whether integration access tokens are accepted as bearer tokens
    /// (`oauth.enable_integration_as_bearer`, default off).
    pub enable_integration_as_bearer: bool,
    /// How long revocation state read from storage is trusted (default 2 s).
    pub revocation_cache_ttl: Duration,
    /// Lifetime of opaque admin tokens before housekeeping deletes them, hours (default 4).
    pub admin_opaque_token_lifetime_hours: i64,
    /// Lifetime of opaque customer tokens before housekeeping deletes them, hours (default 1).
    pub customer_opaque_token_lifetime_hours: i64,
    /// Argon2id parameters of new password hashes.
    pub password: PasswordParams,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            admin_ttl_mins: 60,
            customer_ttl_mins: 60,
            jwt_alg: JwtAlgorithm::Hs256,
            lockout: LockoutSettings::default(),
            enable_integration_as_bearer: false,
            revocation_cache_ttl: DEFAULT_CACHE_TTL,
            admin_opaque_token_lifetime_hours: 4,
            customer_opaque_token_lifetime_hours: 1,
            password: PasswordParams::default(),
        }
    }
}

impl TokenSettings {
    /// The JWT lifetime of `user_type`'s tokens in seconds, with the reference's fallback of
    /// 30 minutes for a value ≤ 0.
    pub fn jwt_ttl_secs(&self, user_type: UserType) -> i64 {
        let mins = match user_type {
            UserType::Customer => self.customer_ttl_mins,
            _ => self.admin_ttl_mins,
        };
        let mins = if mins <= 0 { FALLBACK_TTL_MINS } else { mins };
        mins.saturating_mul(60)
    }

    /// The longest JWT lifetime of any user type, in seconds.
    pub fn longest_jwt_ttl_secs(&self) -> i64 {
        self.jwt_ttl_secs(UserType::Admin)
            .max(self.jwt_ttl_secs(UserType::Customer))
    }
}

/// An admin user to create.
#[derive(Debug, Clone, Copy)]
pub struct AdminAccount<'a> {
    /// Unique login name.
    pub username: &'a str,
    /// Password; only its hash is stored.
    pub password: &'a str,
    /// Contact address.
    pub email: &'a str,
}

/// A customer to create.
#[derive(Debug, Clone, Copy)]
pub struct CustomerAccount<'a> {
    /// Unique email, the login name.
    pub email: &'a str,
    /// Password; only its hash is stored.
    pub password: &'a str,
    /// First name.
    pub firstname: &'a str,
    /// Last name.
    pub lastname: &'a str,
}

/// Logins, bearer authentication and revocation of admin and customer tokens.
#[derive(Debug)]
pub struct UserTokenService {
    ctx: Context,
    settings: TokenSettings,
    codec: JwtCodec,
    hasher: PasswordHasher,
    throttle: LoginThrottle,
    revocations: RevocationCache,
    events: EventBus,
}

impl UserTokenService {
    /// A service over `ctx` with `settings`. Fails when the password parameters are refused.
    pub fn new(ctx: Context, settings: TokenSettings) -> Result<Self, TokensError> {
        let hasher = PasswordHasher::new(settings.password, ctx.random.as_ref())?;
        Ok(Self {
            codec: JwtCodec::new(&ctx.keys, settings.jwt_alg),
            hasher,
            throttle: LoginThrottle::new(settings.lockout),
            revocations: RevocationCache::new(settings.revocation_cache_ttl),
            events: EventBus::new(),
            settings,
            ctx,
        })
    }

    /// The settings in force.
    pub fn settings(&self) -> &TokenSettings {
        &self.settings
    }

    /// Where observers of login events register.
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// The JWT codec, for callers that read tokens themselves.
    pub fn codec(&self) -> &JwtCodec {
        &self.codec
    }

    /// `POST /rest/V1/integration/admin/token`: a JWT for the admin `username` with
    /// `password`.
    ///
    /// Missing fields are [`TokensError::InputErrors`]; wrong credentials, an inactive account
    /// and a locked-out user name all get [`SIGN_IN_FAILED`] (authentication).
    pub fn issue_admin_token(&self, username: &str, password: &str) -> Result<String, TokensError> {
        require_credentials(username, password)?;
        let now = self.ctx.clock.now();
        let store = self.ctx.store.as_ref();

        if self
            .throttle
            .is_locked_out(store, username, UserType::Admin, now)?
        {
            return Err(sign_in_failed());
        }

        let admin = store.admin_by_username(username)?;
        let accepted = match &admin {
            Some(admin) => self.hasher.verify(password, &admin.password_hash)? && admin.is_active,
            None => {
                self.hasher.verify_dummy(password);
                false
            }
        };
        let Some(admin) = admin.filter(|_| accepted) else {
            self.throttle
                .record_failure(store, username, UserType::Admin, now)?;
            return Err(sign_in_failed());
        };

        self.throttle.reset(store, username, UserType::Admin)?;
        Ok(self.issue_jwt(UserType::Admin, admin.id.0, now))
    }

    /// `POST /rest/V1/integration/customer/token`: a JWT for the customer `email` with
    /// `password`. Emits [`Event::CustomerLogin`] on success.
    ///
    /// Refusals as [`UserTokenService::issue_admin_token`]; the missing-field message names the
    /// email `username`, as the reference does.
    pub fn issue_customer_token(&self, email: &str, password: &str) -> Result<String, TokensError> {
        require_credentials(email, password)?;
        let now = self.ctx.clock.now();
        let store = self.ctx.store.as_ref();

        if self
            .throttle
            .is_locked_out(store, email, UserType::Customer, now)?
        {
            return Err(sign_in_failed());
        }

        let customer = store.customer_by_email(email)?;
        let accepted = match &customer {
            Some(customer) => {
                self.hasher.verify(password, &customer.password_hash)? && customer.is_active
            }
            None => {
                self.hasher.verify_dummy(password);
                false
            }
        };
        let Some(customer) = customer.filter(|_| accepted) else {
            self.throttle
                .record_failure(store, email, UserType::Customer, now)?;
            return Err(sign_in_failed());
        };

        self.throttle.reset(store, email, UserType::Customer)?;
        let token = self.issue_jwt(UserType::Customer, customer.id.0, now);
        self.events.emit(&Event::CustomerLogin(customer));
        Ok(token)
    }

    /// Who an `Authorization: Bearer` token belongs to.
    ///
    /// A JWT must be signed, unexpired and not revoked (by its user's watermark or its own
    /// id). Any other token is taken as an opaque integration access token, accepted only when
    /// `enable_integration_as_bearer` is on: it must be an unrevoked access token of a
    /// consumer whose integration is active.
    pub fn authenticate_bearer(&self, token: &str) -> Result<Principal, TokensError> {
        if token.contains('.') {
            let claims = self.read_user_token(token)?;
            return Ok(user_principal(&claims));
        }

        if !self.settings.enable_integration_as_bearer {
            return Err(authentication(Message::new(NO_SUCH_TOKEN)));
        }
        self.authenticate_integration_token(token)
    }

    /// [`UserTokenService::authenticate_bearer`] without storage: the same answer whenever it
    /// gives one, or `None` when answering would read storage.
    ///
    /// A JWT is answered when its signature or expiry refuses it, or when the revocation
    /// cache holds fresh state for its user (and its `jti`, if it has one). An opaque token is
    /// answered only when integration tokens are not accepted as bearer tokens. Storage
    /// failures are therefore never returned from here; the caller retries with
    /// [`UserTokenService::authenticate_bearer`], which may block, on `None`.
    pub fn authenticate_bearer_cached(
        &self,
        token: &str,
    ) -> Option<Result<Principal, TokensError>> {
        if !token.contains('.') {
            if self.settings.enable_integration_as_bearer {
                return None;
            }
            return Some(Err(authentication(Message::new(NO_SUCH_TOKEN))));
        }

        let claims = match self.codec.read(token, self.ctx.clock.now()) {
            Ok(claims) => claims,
            Err(error) => return Some(Err(error)),
        };

        let checked = self.revocations.check_cached(&claims)?;
        Some(checked.map(|()| user_principal(&claims)))
    }

    /// The claims of a valid, unrevoked admin or customer JWT.
    pub fn read_user_token(&self, token: &str) -> Result<UserTokenClaims, TokensError> {
        let claims = self.codec.read(token, self.ctx.clock.now())?;
        self.revocations.check(self.ctx.store.as_ref(), &claims)?;
        Ok(claims)
    }

    /// Revokes every token of the user issued until now (`jwt_auth_revoked`). Revoking a user
    /// who does not exist is not an error, as in the reference.
    pub fn revoke_user(&self, user_type: UserType, user_id: i64) -> Result<(), TokensError> {
        let now = self.ctx.clock.now();
        self.revocations
            .revoke_user(self.ctx.store.as_ref(), user_type, user_id, now)?;
        log::info!(
            "tokens revoked for user {user_id} of user type {}",
            user_type.code()
        );
        Ok(())
    }

    /// Revokes one JWT by its `jti`, until it expires. Returns whether anything was recorded:
    /// an expired token needs no revocation.
    ///
    /// The token must be valid but for expiry; a token minted by the reference has no `jti`
    /// and is refused with [`TOKEN_HAS_NO_ID`] (input).
    pub fn revoke_token(&self, token: &str) -> Result<bool, TokensError> {
        let claims = self.codec.read_ignoring_expiry(token)?;
        let now = self.ctx.clock.now();
        if now > claims.expires_at {
            return Ok(false);
        }

        let Some(token_id) = claims.token_id else {
            return Err(TokensError::refused(
                ErrorClass::Input,
                Message::new(TOKEN_HAS_NO_ID),
            ));
        };
        let revocation = TokenRevocation {
            token_id,
            user_type: claims.user_type,
            user_id: claims.user_id,
            expires_at: claims.expires_at,
        };
        self.revocations
            .revoke_token(self.ctx.store.as_ref(), revocation)?;
        Ok(true)
    }

    /// `POST /rest/V1/integration/customer/revoke-customer-token`: the calling customer
    /// revokes all their tokens. Any other caller is refused as the reference's ACL refuses
    /// it (authorization, resource `self`).
    pub fn revoke_own_tokens(&self, caller: &Principal) -> Result<bool, TokensError> {
        let Principal::Customer(customer_id) = caller else {
            return Err(TokensError::refused(
                ErrorClass::Authorization,
                Message::new(NOT_AUTHORIZED).with("resources", gatehouse_acl::SELF),
            ));
        };

        self.revoke_user(UserType::Customer, customer_id.0)?;
        Ok(true)
    }

    /// Creates an active admin user with a hashed password (`gatehouse admin create`).
    pub fn create_admin(&self, account: AdminAccount<'_>) -> Result<AdminUser, TokensError> {
        require_fields(&[
            ("username", account.username),
            ("password", account.password),
            ("email", account.email),
        ])?;
        let password_hash = self
            .hasher
            .hash(self.ctx.random.as_ref(), account.password)?;

        let new_admin = NewAdminUser {
            username: account.username.to_owned(),
            email: account.email.to_owned(),
            password_hash,
            is_active: true,
            created_at: self.ctx.clock.now(),
        };
        match self.ctx.store.create_admin(new_admin) {
            Err(StorageError::Conflict { .. }) => Err(TokensError::refused(
                ErrorClass::Conflict,
                Message::new(DUPLICATE_ADMIN),
            )),
            created => Ok(created?),
        }
    }

    /// Creates an active customer with a hashed password (`gatehouse customer create`).
    pub fn create_customer(&self, account: CustomerAccount<'_>) -> Result<Customer, TokensError> {
        require_fields(&[("email", account.email), ("password", account.password)])?;
        let password_hash = self
            .hasher
            .hash(self.ctx.random.as_ref(), account.password)?;

        let new_customer = NewCustomer {
            email: account.email.to_owned(),
            firstname: account.firstname.to_owned(),
            lastname: account.lastname.to_owned(),
            password_hash,
            is_active: true,
            created_at: self.ctx.clock.now(),
        };
        match self.ctx.store.create_customer(new_customer) {
            Err(StorageError::Conflict { .. }) => Err(TokensError::refused(
                ErrorClass::Conflict,
                Message::new(DUPLICATE_CUSTOMER),
            )),
            created => Ok(created?),
        }
    }

    /// Deactivates the admin `username` and revokes their tokens (`gatehouse admin
    /// deactivate`). Deactivating twice is not an error.
    pub fn deactivate_admin(&self, username: &str) -> Result<AdminUser, TokensError> {
        let store = self.ctx.store.as_ref();
        let Some(mut admin) = store.admin_by_username(username)? else {
            return Err(TokensError::refused(
                ErrorClass::NotFound,
                Message::new(NO_SUCH_ADMIN).with("username", username),
            ));
        };

        store.set_admin_active(admin.id, false)?;
        self.revoke_user(UserType::Admin, admin.id.0)?;
        admin.is_active = false;
        Ok(admin)
    }

    /// Deactivates the customer `email` and revokes their tokens (`gatehouse customer
    /// deactivate`). Deactivating twice is not an error.
    pub fn deactivate_customer(&self, email: &str) -> Result<Customer, TokensError> {
        let store = self.ctx.store.as_ref();
        let Some(mut customer) = store.customer_by_email(email)? else {
            return Err(TokensError::refused(
                ErrorClass::NotFound,
                Message::new(NO_SUCH_CUSTOMER).with("email", email),
            ));
        };

        store.set_customer_active(customer.id, false)?;
        self.revoke_user(UserType::Customer, customer.id.0)?;
        customer.is_active = false;
        Ok(customer)
    }

    fn issue_jwt(&self, user_type: UserType, user_id: i64, now: i64) -> String {
        let claims = UserTokenClaims {
            user_type,
            user_id,
            issued_at: now,
            expires_at: now.saturating_add(self.settings.jwt_ttl_secs(user_type)),
            token_id: Some(self.ctx.random.credential(32)),
        };
        self.codec.issue(&claims)
    }

    fn authenticate_integration_token(&self, token: &str) -> Result<Principal, TokensError> {
        let store = self.ctx.store.as_ref();
        let no_such_token = || authentication(Message::new(NO_SUCH_TOKEN));
        let token = TokenValue::parse(token).map_err(|_| no_such_token())?;

        // Rows written before a key rotation are indexed by an older entry's digest.
        let mut row = None;
        for digest in self.ctx.keys.digest_candidates(token.as_str()) {
            row = store.token_by_digest(&digest)?;
            if row.is_some() {
                break;
            }
        }
        let Some(row) = row else {
            return Err(no_such_token());
        };

        let TokenOwner::Consumer(consumer_id) = row.owner else {
            return Err(authentication(Message::new(NOT_AN_ACCESS_TOKEN)));
        };
        if row.kind != TokenKind::Access {
            return Err(authentication(Message::new(NOT_AN_ACCESS_TOKEN)));
        }
        if row.revoked {
            return Err(authentication(Message::new(REVOKED_ACCESS_TOKEN)));
        }

        let integration = store
            .integration_by_consumer(consumer_id)?
            .filter(|integration| integration.status == IntegrationStatus::Active)
            .ok_or_else(|| authentication(Message::new(INTEGRATION_NOT_ACTIVE)))?;

        Ok(integration_principal(
            store,
            integration.id,
            integration.setup_type,
        )?)
    }
}

/// The principal an admin or customer token stands for.
fn user_principal(claims: &UserTokenClaims) -> Principal {
    match claims.user_type {
        UserType::Customer => Principal::Customer(CustomerId(claims.user_id)),
        _ => Principal::Admin(AdminId(claims.user_id)),
    }
}

/// One input error per empty login field, username first.
fn require_credentials(username: &str, password: &str) -> Result<(), TokensError> {
    require_fields(&[("username", username), ("password", password)])
}

/// One input error per empty field, in the order given.
fn require_fields(fields: &[(&'static str, &str)]) -> Result<(), TokensError> {
    let missing: Vec<Message> = fields
        .iter()
        .filter(|(_, value)| value.is_empty())
        .map(|(name, _)| Message::new(FIELD_REQUIRED).with("fieldName", *name))
        .collect();

    if missing.is_empty() {
        return Ok(());
    }
    Err(TokensError::InputErrors(missing))
}

fn sign_in_failed() -> TokensError {
    authentication(Message::new(SIGN_IN_FAILED))
}

fn authentication(message: Message) -> TokensError {
    TokensError::refused(ErrorClass::Authentication, message)
}
