//! OAuth consumers, the verifier → request → access token exchange of behaviour.md §4, and the
//! validation of signed API requests of §5.
//!
//! The protocol core (`gatehouse-oauth1`) checks the shape of a request and its signature; this
//! module adds everything that needs storage or the crypt key: the consumer and token look-ups,
//! the consumer's expiry window, the verifier, the nonce record and the token conversions.
//!
//! The checks run in the reference's order and answer with its words, with two deliberate
//! differences (behaviour.md §8):
//!
//! - the signature is checked **before** the nonce is recorded, and recording is one atomic
//!   check-and-insert ([`NonceRepository::record_nonce`](gatehouse_domain::NonceRepository)),
//!   so a forged request cannot burn a client's nonce;
//! - the timestamp is bounded on both sides of "now".
//!
//! # Timing of unknown consumers and tokens
//!
//! A request naming an unknown consumer, or an access-token request naming an unknown token,
//! still computes a signature check (against a fixed dummy secret, result ignored) before it
//! is refused, so it costs about what a known one costs up to the signature check and the
//! answer's timing says little about which keys or tokens exist. Look-ups are by keyed digest
//! through an index, which does not depend on how close a guess is either. The one step a
//! known consumer takes on top is opening its sealed secret (one AES-GCM open of 32 bytes).
//!
//! # Secrets at rest
//!
//! Consumer secrets and token secrets are sealed with the crypt key, bound to their row; token
//! values and verifiers are stored as keyed digests (design decision 2). Nothing this module
//! writes lets a database dump alone produce a credential.

use std::sync::Arc;
use std::time::Duration;

use gatehouse_acl::{integration_principal, Principal};
use gatehouse_domain::random::CREDENTIAL_LENGTH;
use gatehouse_domain::{
    Consumer, ConsumerId, ConsumerKey, Digest, ErrorClass, IntegrationStatus, Message, NewConsumer,
    NewToken, NonceOutcome, NonceUse, Secret, StorageResult, Token, TokenConversion, TokenKind,
    TokenOwner, TokenValue, Verifier,
};
use gatehouse_oauth1::{
    check_protocol, check_timestamp, verify_signature, Endpoint, OAuthRequest, Policy,
    ProtocolParams, RequestParts,
};

use crate::crypto::{constant_time_eq, consumer_secret_aad, token_secret_aad};
use crate::error::TokensError;
use crate::revocation::DEFAULT_CACHE_TTL;
use crate::signed_cache::{SignedCache, SignedCredentials};
use crate::Context;

/// The reference's default token-exchange window, in seconds.
pub const DEFAULT_CONSUMER_EXPIRATION_SECS: i64 = 300;

/// The callback value meaning "no callback".
pub const NO_CALLBACK: &str = "oob";

/// A stand-in secret for the signature check of requests naming an unknown consumer or token.
const DUMMY_SECRET: &str = "gatehousedummysecretforunknowns0";

/// What the token exchange is configured with.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// How long after activation (the consumer's `updated_at`) the token endpoints accept the
    /// consumer: a consumer is expired when `now - updated_at >= consumer_expiration_secs`.
    pub consumer_expiration_secs: i64,
    /// Signature methods, timestamp window and canonicalization of the protocol core.
    pub policy: Policy,
    /// How long what a signed request read from storage is reused by this process for the
    /// same consumer and access token; zero reads storage on every request. See
    /// [`OAuthService::authenticate_signed`].
    pub credential_cache_ttl: Duration,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        Self {
            consumer_expiration_secs: DEFAULT_CONSUMER_EXPIRATION_SECS,
            policy: Policy::default(),
            credential_cache_ttl: DEFAULT_CACHE_TTL,
        }
    }
}

/// A token and its secret, as answered by the token endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPair {
    /// `oauth_token`.
    pub token: TokenValue,
    /// `oauth_token_secret`.
    pub secret: Secret,
}

impl TokenPair {
    /// The endpoint's answer body: `oauth_token=…&oauth_token_secret=…`.
    ///
    /// Both values are drawn from `[0-9a-z]`, so they need no percent-encoding.
    pub fn form_body(&self) -> String {
        format!(
            "oauth_token={}&oauth_token_secret={}",
            self.token.as_str(),
            self.secret.expose()
        )
    }
}

/// A consumer just created, with its secret in clear: the only moment it is.
#[derive(Debug, Clone)]
pub struct CreatedConsumer {
    /// The stored row (secret sealed).
    pub consumer: Consumer,
    /// The consumer secret.
    pub secret: Secret,
}

/// The reference's messages of the token exchange, word for word.
pub mod messages {
    /// Unknown `oauth_consumer_key`.
    pub const UNKNOWN_CONSUMER: &str = "A consumer having the specified key does not exist";
    /// The token-exchange window is over.
    pub const CONSUMER_EXPIRED: &str = "Consumer key has expired";
    /// The nonce was used before by this consumer; `%1` is the consumer id.
    pub const NONCE_USED: &str = "The nonce is already being used by the consumer with ID %1";
    /// The consumer holds no token row at all.
    pub const NO_CONSUMER_TOKEN: &str = "A token with consumer ID %1 does not exist";
    /// The request-token step found a row that is not a verifier.
    pub const NOT_A_VERIFIER_TOKEN: &str =
        "Cannot create request token because consumer token is not a verifier token";
    /// Unknown `oauth_token`.
    pub const TOKEN_DOES_NOT_EXIST: &str = "Specified token does not exist";
    /// The request token belongs to another consumer.
    pub const REQUEST_TOKEN_OTHER_CONSUMER: &str =
        "Request token is not associated with the specified consumer";
    /// The token is not (or no longer) a request token.
    pub const TOKEN_ALREADY_USED: &str = "Token is already being used";
    /// `oauth_verifier` holds a space, a control or a non-ASCII character.
    pub const VERIFIER_INVALID: &str = "Verifier is invalid";
    /// `oauth_verifier` is not 32 characters long.
    pub const VERIFIER_LENGTH: &str = "Verifier is not the correct length";
    /// `oauth_verifier` differs from the token's.
    pub const VERIFIER_MISMATCH: &str = "Token verifier and verifier token do not match";
    /// A signed API request's access token belongs to another consumer.
    pub const TOKEN_OTHER_CONSUMER: &str = "Token is not associated with the specified consumer";
    /// A signed API request's token is not an access token.
    pub const NOT_AN_ACCESS_TOKEN: &str = "Token is not an access token";
    /// A signed API request's access token was revoked.
    pub const ACCESS_TOKEN_REVOKED: &str = "Access token has been revoked";
}

/// A signed request whose timestamp and signature hold, checked against cached credentials by
/// [`OAuthService::check_signed_cached`]: its nonce is still to be recorded.
#[derive(Debug, Clone)]
pub struct CheckedSigned {
    record: NonceUse,
    principal: Principal,
}

impl CheckedSigned {
    /// The nonce use to record.
    pub fn nonce_use(&self) -> &NonceUse {
        &self.record
    }

    /// The caller, once the nonce is recorded; a nonce used before refuses the request with
    /// the reference's words, a storage failure fails it.
    pub fn finish(self, recorded: StorageResult<NonceOutcome>) -> Result<Principal, TokensError> {
        match recorded? {
            NonceOutcome::Recorded => Ok(self.principal),
            NonceOutcome::AlreadyUsed => Err(nonce_used(self.record.consumer_id)),
        }
    }
}

/// The refusal of a nonce this consumer used before.
fn nonce_used(consumer_id: ConsumerId) -> TokensError {
    TokensError::refused(
        ErrorClass::Authentication,
        Message::new(messages::NONCE_USED).with("1", consumer_id.to_string()),
    )
}

/// Forgets the cached signed-request credentials when dropped; see [`OAuthService::writing`].
pub(crate) struct ForgetOnDrop<'a>(&'a SignedCache);

impl Drop for ForgetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.invalidate();
    }
}

/// The OAuth 1.0a side of Gatehouse: consumers, the token exchange and signed requests.
///
/// Clones share one cache of signed-request credentials; see
/// [`OAuthService::authenticate_signed`].
#[derive(Debug, Clone)]
pub struct OAuthService {
    ctx: Context,
    settings: OAuthSettings,
    cache: Arc<SignedCache>,
}

impl OAuthService {
    /// A service over `ctx` configured by `settings`.
    pub fn new(ctx: Context, settings: OAuthSettings) -> Self {
        let cache = Arc::new(SignedCache::new(settings.credential_cache_ttl));
        Self {
            ctx,
            settings,
            cache,
        }
    }

    /// Forgets the credentials cached for signed requests, so that the next request of every
    /// integration reads storage again.
    ///
    /// The services of this crate call it after each of their writes. An application that
    /// writes integrations, grants or tokens to the store directly calls it after the write;
    /// otherwise its change reaches signed requests within
    /// [`OAuthSettings::credential_cache_ttl`].
    pub fn forget_cached_credentials(&self) {
        self.cache.invalidate();
    }

    /// A guard that forgets the cached credentials when it is dropped. Taken at the start of
    /// a write, it covers every way out of it: success, an error, a panic.
    pub(crate) fn writing(&self) -> ForgetOnDrop<'_> {
        ForgetOnDrop(&self.cache)
    }

    /// The settings in force.
    pub fn settings(&self) -> &OAuthSettings {
        &self.settings
    }

    /// The context the service runs in.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Creates a consumer named `name` (the reference names it `IntegrationN`) with a fresh
    /// 32-character key and secret of `[0-9a-z]`; the secret is stored sealed.
    pub fn create_consumer(&self, name: &str) -> Result<CreatedConsumer, TokensError> {
        let random = self.ctx.random.as_ref();
        let key = ConsumerKey::generate(random);
        let secret = Secret::generate(random);
        let sealed_secret = self
            .ctx
            .keys
            .seal(random, &secret, &consumer_secret_aad(&key));

        let consumer = self.ctx.store.create_consumer(NewConsumer {
            name: name.to_owned(),
            key,
            sealed_secret,
            callback_url: None,
            rejected_callback_url: None,
            created_at: self.ctx.clock.now(),
        })?;
        Ok(CreatedConsumer { consumer, secret })
    }

    /// The consumer with this id.
    pub fn consumer(&self, id: ConsumerId) -> Result<Option<Consumer>, TokensError> {
        Ok(self.ctx.store.consumer_by_id(id)?)
    }

    /// Opens the consumer's sealed secret.
    pub fn consumer_secret(&self, consumer: &Consumer) -> Result<Secret, TokensError> {
        self.ctx
            .keys
            .open(&consumer.sealed_secret, &consumer_secret_aad(&consumer.key))
    }

    /// Restarts the consumer's token-exchange window at now. Returns whether it exists.
    pub fn touch_consumer(&self, id: ConsumerId) -> Result<bool, TokensError> {
        Ok(self.ctx.store.touch_consumer(id, self.ctx.clock.now())?)
    }

    /// Deletes the consumer and with it its tokens, nonces and integration. Returns whether it
    /// existed.
    pub fn delete_consumer(&self, id: ConsumerId) -> Result<bool, TokensError> {
        let _forget = self.writing();
        Ok(self.ctx.store.delete_consumer(id)?)
    }

    /// Deletes every token of the consumer; returns how many.
    pub fn delete_consumer_tokens(&self, id: ConsumerId) -> Result<usize, TokensError> {
        let _forget = self.writing();
        Ok(self.ctx.store.delete_tokens_of_consumer(id)?)
    }

    /// Starts a handshake: creates the consumer's `verifier` row (user type 1, callback `oob`)
    /// and returns the verifier to post to the integration.
    ///
    /// Deviation from the reference, which reuses an existing verifier row: the verifier is
    /// stored as a digest and cannot be read back, so any earlier token row of the consumer is
    /// deleted and a fresh one created, which lets activation post a verifier again. Callers
    /// that hold an access token lose it: the integration service sets the integration
    /// Inactive before calling this.
    pub fn create_verifier(&self, consumer_id: ConsumerId) -> Result<Verifier, TokensError> {
        let _forget = self.writing();
        let (verifier, _) = self.create_verifier_row(consumer_id)?;
        Ok(verifier)
    }

    /// `/oauth/token/request`: checks the request (behaviour.md §4 items 1–8) and turns the
    /// consumer's verifier row into a request token.
    pub fn request_token(&self, parts: &RequestParts<'_>) -> Result<TokenPair, TokensError> {
        // Items 1–5 (shape, version, required parameters, lengths, method) are the core's.
        let request = OAuthRequest::collect(parts)?;
        let params = check_protocol(&request, Endpoint::RequestToken, &self.settings.policy)?;
        let now = self.ctx.clock.now();

        let consumer = self.signing_consumer(&request, parts, &params, None)?;

        check_timestamp(params.timestamp, now, &self.settings.policy)?;
        self.check_consumer_window(&consumer, now)?;

        let consumer_secret = self.consumer_secret(&consumer)?;
        self.verify_and_record(&request, parts, &params, &consumer, &consumer_secret, None)?;

        // Item 9: the consumer's row must still be the verifier created at activation.
        let Some(token) = self.ctx.store.token_by_consumer(consumer.id)? else {
            return Err(TokensError::refused(
                ErrorClass::Authentication,
                Message::new(messages::NO_CONSUMER_TOKEN).with("1", consumer.id.to_string()),
            ));
        };
        if token.kind != TokenKind::Verifier {
            return Err(refused(
                ErrorClass::Authentication,
                messages::NOT_A_VERIFIER_TOKEN,
            ));
        }
        let Some((pair, _)) = self.convert(&token, TokenKind::Request)? else {
            // Another request converted the row between the read and the update.
            return Err(refused(
                ErrorClass::Authentication,
                messages::NOT_A_VERIFIER_TOKEN,
            ));
        };
        Ok(pair)
    }

    /// `/oauth/token/access`: checks the request as [`OAuthService::request_token`] does (the
    /// consumer's window included), then the request token and the verifier, and turns the row
    /// into an access token; the consumer's integration becomes Active.
    pub fn access_token(&self, parts: &RequestParts<'_>) -> Result<TokenPair, TokensError> {
        let _forget = self.writing();
        let request = OAuthRequest::collect(parts)?;
        let params = check_protocol(&request, Endpoint::AccessToken, &self.settings.policy)?;
        let now = self.ctx.clock.now();

        let consumer = self.signing_consumer(&request, parts, &params, Some(DUMMY_SECRET))?;

        check_timestamp(params.timestamp, now, &self.settings.policy)?;
        self.check_consumer_window(&consumer, now)?;

        // The request token: it exists, is this consumer's, is still a request token, and the
        // verifier posted at activation matches.
        let consumer_secret = self.consumer_secret(&consumer)?;
        let token = self.presented_token(&request, parts, &params)?;
        if token.owner != TokenOwner::Consumer(consumer.id) {
            return Err(refused(
                ErrorClass::Authentication,
                messages::REQUEST_TOKEN_OTHER_CONSUMER,
            ));
        }
        if token.kind != TokenKind::Request {
            return Err(refused(
                ErrorClass::Authentication,
                messages::TOKEN_ALREADY_USED,
            ));
        }
        self.check_verifier(params.verifier.as_deref(), token.verifier_digest.as_ref())?;

        let token_secret = self.token_secret(&token)?;
        self.verify_and_record(
            &request,
            parts,
            &params,
            &consumer,
            &consumer_secret,
            Some(&token_secret),
        )?;

        // The integration is marked Active before the row is converted, not after: if the
        // process dies between the two writes, the request token is still there and the
        // integration's retry completes the exchange. The other order would leave an access
        // token nobody received under an inactive integration, curable only by reauthorizing.
        self.mark_integration_active(consumer.id)?;
        let Some((pair, _)) = self.convert(&token, TokenKind::Access)? else {
            // Another request converted the row between the read and the update.
            return Err(refused(
                ErrorClass::Authentication,
                messages::TOKEN_ALREADY_USED,
            ));
        };
        Ok(pair)
    }

    /// Authenticates a signed API request (behaviour.md §5): the caller is the integration
    /// whose consumer signed it with its access token.
    ///
    /// A correctly signed request of an integration that is not Active authenticates as
    /// [`Principal::Guest`], as in the reference (its user context then has no user id), so
    /// the route's ACL check answers; so does a consumer that has no integration.
    pub fn authenticate_signed(&self, parts: &RequestParts<'_>) -> Result<Principal, TokensError> {
        let request = OAuthRequest::collect(parts)?;
        let params = check_protocol(&request, Endpoint::Resource, &self.settings.policy)?;
        let now = self.ctx.clock.now();

        // A pair that passed the storage checks within the cache's time-to-live skips them;
        // the timestamp, the signature and the nonce are checked on every request all the same.
        let cache_key = params.token.as_ref().map(|token| {
            (
                params.consumer_key.clone(),
                self.ctx.keys.digest(token.as_str()),
            )
        });
        if let Some(hit) = cache_key.as_ref().and_then(|key| self.cache.get(key)) {
            let checked = self.check_with(&hit, &request, parts, &params)?;
            let recorded = self.ctx.store.record_nonce(
                checked.record.consumer_id,
                &checked.record.nonce,
                checked.record.timestamp,
            );
            return checked.finish(recorded);
        }
        // Taken before storage is read: what is read is only cached if nothing was written
        // meanwhile.
        let generation = self.cache.generation();

        let consumer = self.signing_consumer(&request, parts, &params, Some(DUMMY_SECRET))?;

        check_timestamp(params.timestamp, now, &self.settings.policy)?;

        let consumer_secret = self.consumer_secret(&consumer)?;
        let token = self.presented_token(&request, parts, &params)?;
        if token.owner != TokenOwner::Consumer(consumer.id) {
            return Err(refused(
                ErrorClass::Authentication,
                messages::TOKEN_OTHER_CONSUMER,
            ));
        }
        if token.kind != TokenKind::Access {
            return Err(refused(
                ErrorClass::Authentication,
                messages::NOT_AN_ACCESS_TOKEN,
            ));
        }
        if token.revoked {
            return Err(refused(
                ErrorClass::Authentication,
                messages::ACCESS_TOKEN_REVOKED,
            ));
        }

        let token_secret = self.token_secret(&token)?;
        self.verify_and_record(
            &request,
            parts,
            &params,
            &consumer,
            &consumer_secret,
            Some(&token_secret),
        )?;

        let principal = self.principal_of(consumer.id)?;
        if let Some(key) = cache_key {
            let credentials = SignedCredentials {
                consumer_id: consumer.id,
                consumer_secret,
                token_secret,
                principal: principal.clone(),
            };
            self.cache.insert(key, credentials, generation);
        }
        Ok(principal)
    }

    /// The part of [`OAuthService::authenticate_signed`] that needs no storage: when the
    /// request's consumer and access token are in the credential cache, checks its timestamp
    /// and signature and returns what is left to do, recording its nonce (for example with
    /// [`NonceRepository::record_nonces`](gatehouse_domain::NonceRepository::record_nonces)
    /// off the calling thread), then [`CheckedSigned::finish`].
    ///
    /// `None` when the cache does not know the pair: [`OAuthService::authenticate_signed`]
    /// must then answer. A malformed request is refused here already, as it would be there.
    pub fn check_signed_cached(
        &self,
        parts: &RequestParts<'_>,
    ) -> Option<Result<CheckedSigned, TokensError>> {
        let request = match OAuthRequest::collect(parts) {
            Ok(request) => request,
            Err(error) => return Some(Err(error.into())),
        };
        let params = match check_protocol(&request, Endpoint::Resource, &self.settings.policy) {
            Ok(params) => params,
            Err(error) => return Some(Err(error.into())),
        };
        let token = params.token.as_ref()?;
        let key = (
            params.consumer_key.clone(),
            self.ctx.keys.digest(token.as_str()),
        );
        let hit = self.cache.get(&key)?;
        Some(self.check_with(&hit, &request, parts, &params))
    }

    /// Checks a request against cached credentials: timestamp, then signature.
    fn check_with(
        &self,
        hit: &SignedCredentials,
        request: &OAuthRequest,
        parts: &RequestParts<'_>,
        params: &ProtocolParams,
    ) -> Result<CheckedSigned, TokensError> {
        check_timestamp(
            params.timestamp,
            self.ctx.clock.now(),
            &self.settings.policy,
        )?;
        verify_signature(
            request,
            parts,
            params,
            hit.consumer_secret.expose(),
            Some(hit.token_secret.expose()),
            &self.settings.policy,
        )?;
        Ok(CheckedSigned {
            record: NonceUse {
                consumer_id: hit.consumer_id,
                nonce: params.nonce.clone(),
                timestamp: params.timestamp.seconds(),
            },
            principal: hit.principal.clone(),
        })
    }

    /// Whom a signed request of this consumer authenticates as: its integration with the
    /// integration's grant when the integration is Active, a guest otherwise.
    fn principal_of(&self, consumer_id: ConsumerId) -> Result<Principal, TokensError> {
        let Some(integration) = self.ctx.store.integration_by_consumer(consumer_id)? else {
            return Ok(Principal::Guest);
        };
        if integration.status != IntegrationStatus::Active {
            return Ok(Principal::Guest);
        }
        Ok(integration_principal(
            self.ctx.store.as_ref(),
            integration.id,
            integration.setup_type,
        )?)
    }

    /// Runs verifier → request → access at once on the server, for activation without an
    /// endpoint, and marks the consumer's integration Active. Returns the access token.
    pub fn exchange_on_server(&self, consumer_id: ConsumerId) -> Result<TokenPair, TokensError> {
        let _forget = self.writing();
        let (_, verifier_row) = self.create_verifier_row(consumer_id)?;

        let Some((_, request_row)) = self.convert(&verifier_row, TokenKind::Request)? else {
            return Err(refused(
                ErrorClass::Authentication,
                messages::NOT_A_VERIFIER_TOKEN,
            ));
        };
        let Some((access, _)) = self.convert(&request_row, TokenKind::Access)? else {
            return Err(refused(
                ErrorClass::Authentication,
                messages::TOKEN_ALREADY_USED,
            ));
        };

        self.mark_integration_active(consumer_id)?;
        Ok(access)
    }

    /// Refuses a consumer whose token-exchange window is over.
    fn check_consumer_window(&self, consumer: &Consumer, now: i64) -> Result<(), TokensError> {
        if now - consumer.updated_at >= self.settings.consumer_expiration_secs {
            return Err(refused(
                ErrorClass::Authentication,
                messages::CONSUMER_EXPIRED,
            ));
        }
        Ok(())
    }

    /// The consumer whose key signed the request. An unknown key is refused after a signature
    /// check against a dummy secret (with `dummy_token_secret` where the endpoint signs with a
    /// token), so that the refusal takes as long as a real check.
    fn signing_consumer(
        &self,
        request: &OAuthRequest,
        parts: &RequestParts<'_>,
        params: &ProtocolParams,
        dummy_token_secret: Option<&str>,
    ) -> Result<Consumer, TokensError> {
        match self.ctx.store.consumer_by_key(&params.consumer_key)? {
            Some(consumer) => Ok(consumer),
            None => {
                self.dummy_signature_check(request, parts, params, dummy_token_secret);
                Err(refused(
                    ErrorClass::Authentication,
                    messages::UNKNOWN_CONSUMER,
                ))
            }
        }
    }

    /// The token row of the request's `oauth_token`. One that does not exist is refused after
    /// a dummy signature check, as [`Self::signing_consumer`] refuses an unknown key.
    fn presented_token(
        &self,
        request: &OAuthRequest,
        parts: &RequestParts<'_>,
        params: &ProtocolParams,
    ) -> Result<Token, TokensError> {
        match self.find_token(params.token.as_ref())? {
            Some(token) => Ok(token),
            None => {
                self.dummy_signature_check(request, parts, params, Some(DUMMY_SECRET));
                Err(refused(
                    ErrorClass::Authentication,
                    messages::TOKEN_DOES_NOT_EXIST,
                ))
            }
        }
    }

    /// Verifies the signature with the consumer's secret (and the token's, where one signs),
    /// then records the nonce: a replay is refused only once the request is known to be the
    /// consumer's.
    fn verify_and_record(
        &self,
        request: &OAuthRequest,
        parts: &RequestParts<'_>,
        params: &ProtocolParams,
        consumer: &Consumer,
        consumer_secret: &Secret,
        token_secret: Option<&Secret>,
    ) -> Result<(), TokensError> {
        verify_signature(
            request,
            parts,
            params,
            consumer_secret.expose(),
            token_secret.map(Secret::expose),
            &self.settings.policy,
        )?;
        self.record_nonce(consumer.id, params)
    }

    /// Records the request's nonce; the store makes check-and-record one atomic step.
    fn record_nonce(
        &self,
        consumer_id: ConsumerId,
        params: &ProtocolParams,
    ) -> Result<(), TokensError> {
        let outcome =
            self.ctx
                .store
                .record_nonce(consumer_id, &params.nonce, params.timestamp.seconds())?;
        match outcome {
            NonceOutcome::Recorded => Ok(()),
            NonceOutcome::AlreadyUsed => Err(nonce_used(consumer_id)),
        }
    }

    /// Checks `oauth_verifier` against the digest stored on the token row, in constant time.
    fn check_verifier(
        &self,
        presented: Option<&str>,
        stored: Option<&Digest>,
    ) -> Result<(), TokensError> {
        let Some(presented) = presented.filter(|value| is_visible_ascii(value)) else {
            return Err(refused(ErrorClass::Input, messages::VERIFIER_INVALID));
        };
        if presented.len() != CREDENTIAL_LENGTH {
            return Err(refused(ErrorClass::Input, messages::VERIFIER_LENGTH));
        }
        let Some(stored) = stored else {
            return Err(refused(
                ErrorClass::Authentication,
                messages::VERIFIER_MISMATCH,
            ));
        };

        // Every candidate is compared, so the time taken does not say which key matched.
        let matches =
            self.ctx
                .keys
                .digest_candidates(presented)
                .iter()
                .fold(false, |found, candidate| {
                    found
                        | constant_time_eq(
                            candidate.as_hex().as_bytes(),
                            stored.as_hex().as_bytes(),
                        )
                });
        if !matches {
            return Err(refused(
                ErrorClass::Authentication,
                messages::VERIFIER_MISMATCH,
            ));
        }
        Ok(())
    }

    /// The token row whose value is `value`, under any entry of the crypt key.
    fn find_token(&self, value: Option<&TokenValue>) -> Result<Option<Token>, TokensError> {
        let Some(value) = value else {
            return Ok(None);
        };
        for digest in self.ctx.keys.digest_candidates(value.as_str()) {
            if let Some(token) = self.ctx.store.token_by_digest(&digest)? {
                return Ok(Some(token));
            }
        }
        Ok(None)
    }

    /// Opens the token row's sealed secret.
    fn token_secret(&self, token: &Token) -> Result<Secret, TokensError> {
        self.ctx
            .keys
            .open(&token.sealed_secret, &token_secret_aad(&token.token_digest))
    }

    /// Replaces the consumer's token rows with a fresh verifier row.
    fn create_verifier_row(
        &self,
        consumer_id: ConsumerId,
    ) -> Result<(Verifier, Token), TokensError> {
        self.ctx.store.delete_tokens_of_consumer(consumer_id)?;

        let random = self.ctx.random.as_ref();
        let verifier = Verifier::generate(random);
        let value = TokenValue::generate(random);
        let secret = Secret::generate(random);
        let token_digest = self.ctx.keys.digest(value.as_str());
        let sealed_secret = self
            .ctx
            .keys
            .seal(random, &secret, &token_secret_aad(&token_digest));

        let row = self.ctx.store.create_token(NewToken {
            owner: TokenOwner::Consumer(consumer_id),
            kind: TokenKind::Verifier,
            token_digest,
            sealed_secret,
            verifier_digest: Some(self.ctx.keys.digest(verifier.as_str())),
            callback_url: NO_CALLBACK.to_owned(),
            authorized: false,
            created_at: self.ctx.clock.now(),
        })?;
        Ok((verifier, row))
    }

    /// Moves `token` one stage on to `into` with a fresh value and secret, atomically.
    ///
    /// `None` when the row is gone or another request moved it first.
    fn convert(
        &self,
        token: &Token,
        into: TokenKind,
    ) -> Result<Option<(TokenPair, Token)>, TokensError> {
        let random = self.ctx.random.as_ref();
        let value = TokenValue::generate(random);
        let secret = Secret::generate(random);
        let token_digest = self.ctx.keys.digest(value.as_str());
        let sealed_secret = self
            .ctx
            .keys
            .seal(random, &secret, &token_secret_aad(&token_digest));

        let conversion = TokenConversion {
            kind: into,
            token_digest,
            sealed_secret,
            authorized: into == TokenKind::Access,
        };
        let converted = self
            .ctx
            .store
            .convert_token(token.id, token.kind, conversion)?;
        Ok(converted.map(|row| {
            (
                TokenPair {
                    token: value,
                    secret,
                },
                row,
            )
        }))
    }

    /// Marks the consumer's integration Active, if it has one.
    fn mark_integration_active(&self, consumer_id: ConsumerId) -> Result<(), TokensError> {
        let Some(mut integration) = self.ctx.store.integration_by_consumer(consumer_id)? else {
            return Ok(());
        };
        integration.status = IntegrationStatus::Active;
        integration.updated_at = self.ctx.clock.now();
        self.ctx.store.update_integration(&integration)?;
        Ok(())
    }

    /// A signature check whose result is ignored, so that refusing an unknown consumer or
    /// token costs about what checking a known one does.
    fn dummy_signature_check(
        &self,
        request: &OAuthRequest,
        parts: &RequestParts<'_>,
        params: &ProtocolParams,
        token_secret: Option<&str>,
    ) {
        let _ = verify_signature(
            request,
            parts,
            params,
            DUMMY_SECRET,
            token_secret,
            &self.settings.policy,
        );
    }
}

/// A refusal with a message that has no placeholders.
fn refused(class: ErrorClass, template: &'static str) -> TokensError {
    TokensError::refused(class, Message::new(template))
}

/// Whether every character of `value` is visible ASCII (no space, no control character):
/// anything else cannot be a verifier, whatever its length.
fn is_visible_ascii(value: &str) -> bool {
    value.bytes().all(|byte| (0x21..=0x7e).contains(&byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_pair_renders_the_endpoint_body() {
        let pair = TokenPair {
            token: TokenValue::parse("abcdefghijklmnopqrstuvwxyz012345").unwrap(),
            secret: Secret::new("0123456789abcdefghijklmnopqrstuv"),
        };
        assert_eq!(
            pair.form_body(),
            "oauth_token=abcdefghijklmnopqrstuvwxyz012345\
             &oauth_token_secret=0123456789abcdefghijklmnopqrstuv"
        );
    }

    #[test]
    fn verifiers_are_visible_ascii() {
        assert!(is_visible_ascii("abc123~!"));
        assert!(is_visible_ascii(""));
        assert!(!is_visible_ascii("with space"));
        assert!(!is_visible_ascii("tab\there"));
        assert!(!is_visible_ascii("é"));
    }
}
