//! Integrations (behaviour.md §3 and §4): creating, reading, editing and deleting them, the
//! resources they are granted, their activation by token exchange, and the integrations
//! declared in config files.
//!
//! An integration owns one OAuth consumer, created with it and deleted with it (and with the
//! consumer its tokens and nonces), and one ACL role holding its grant.
//!
//! # Activation
//!
//! [`IntegrationService::activate`] with an endpoint restarts the consumer's token-exchange
//! window, creates a fresh verifier and posts the credentials to the endpoint through a
//! [`CredentialPoster`]; the third party then calls the two token endpoints. Without an
//! endpoint the whole exchange runs on the server at once and the credentials are answered.
//!
//! Deviation: activating an integration that is already Active behaves as
//! [`IntegrationService::reauthorize`] (its access token is dropped first). The reference's
//! admin offers only "Reauthorize" for Active integrations, and its token rows could not be
//! reused here anyway: token values are stored as digests, so an old access token cannot be
//! shown again.
//!
//! # Config-file integrations and their resources
//!
//! The reference adds every ancestor of a config-declared resource to the grant, root first,
//! and its ACL stores an explicit deny for every resource not listed, so each ancestor is open
//! by itself. Gatehouse's grant of a resource covers its descendants, so storing the ancestors
//! would open everything under them. The declared resources alone are stored, and the check
//! (`gatehouse_acl::Acl::is_allowed`) opens each ancestor by itself to an integration whose
//! setup type is config file.

use std::path::Path;
use std::sync::Arc;

use gatehouse_acl::{AclError, Grants, ResourceTree, ROOT};
use gatehouse_domain::error::BoxError;
use gatehouse_domain::{
    Consumer, ConsumerId, ConsumerKey, ErrorClass, Integration, IntegrationId, IntegrationStatus,
    Message, NewIntegration, Secret, SetupType, StorageError, TokenValue,
};

use crate::error::TokensError;
use crate::integration_config::{load_integration_files, ConfigIntegration};
use crate::oauth::OAuthService;
use crate::Context;

/// The reference's messages about integrations, word for word.
pub mod messages {
    /// Create or rename onto a taken name; `%1` is the name.
    pub const NAME_EXISTS: &str = "The integration with name \"%1\" exists.";
    /// No integration has the id; `%1` is the id.
    pub const NOT_FOUND: &str = "The integration with ID \"%1\" doesn't exist.";
    /// Editing a config-file integration.
    pub const CONFIG_NOT_EDITABLE: &str =
        "The integrations created in the config file can't be edited.";
    /// Deleting a config-file integration; `%1` is the name.
    pub const CONFIG_NOT_DELETABLE: &str = "Uninstall the extension to remove integration '%1'.";
    /// A required field is empty; `%fieldName` names it.
    pub const REQUIRED_FIELD: &str = "\"%fieldName\" is required. Enter and try again.";
    /// A field has a value that is not allowed; `%value` and `%fieldName`.
    pub const INVALID_FIELD: &str =
        "Invalid value of \"%value\" provided for the %fieldName field.";
}

/// Shortest accepted integration name, in characters.
pub const MIN_NAME_LENGTH: usize = 2;

/// Sends an integration its credentials at activation.
///
/// Contract for implementations (the HTTP one lives in the web adapter):
/// - POST `form` to `endpoint` as `application/x-www-form-urlencoded`, the pairs in order;
/// - give up after `oauth.post_timeout_secs` (default 5 s) for the whole exchange, and follow
///   at most `oauth.post_max_redirects` redirects (default 0: none);
/// - ignore the response body and status, as the reference does: only a failure to deliver
///   (connect, TLS, timeout, I/O, too many redirects) is an `Err`;
/// - never log the form: it carries the consumer secret and the verifier.
pub trait CredentialPoster: Send + Sync {
    /// Posts `form` to `endpoint`.
    fn post_credentials(&self, endpoint: &str, form: &[(String, String)]) -> Result<(), BoxError>;
}

/// Which resources an integration is granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceSelection {
    /// Everything: a grant of the root, `Magento_Backend::all`.
    All,
    /// Exactly these resource ids (each covering its descendants).
    Only(Vec<String>),
}

impl ResourceSelection {
    fn from_stored(resources: Vec<String>) -> Self {
        if resources.iter().any(|id| id == ROOT) {
            return Self::All;
        }
        Self::Only(resources)
    }
}

/// What a caller gives to create or edit an integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationInput {
    /// Unique name, at least two characters.
    pub name: String,
    /// Contact address; may be empty.
    pub email: String,
    /// Where credentials are posted on activation; none means activation answers them.
    pub endpoint: Option<String>,
    /// Where the admin finishes the third party's login.
    pub identity_link_url: Option<String>,
    /// The grant.
    pub resources: ResourceSelection,
}

/// An integration with what belongs to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationDetails {
    /// The row.
    pub integration: Integration,
    /// Its consumer's public key.
    pub consumer_key: Option<ConsumerKey>,
    /// Its grant.
    pub resources: ResourceSelection,
}

/// The answer of an activation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Activation {
    /// The credentials were posted to the integration's endpoint; the admin is sent to the
    /// identity link to finish.
    Posted {
        /// The consumer key, for display.
        consumer_key: ConsumerKey,
        /// Where the admin finishes the third party's login.
        identity_link_url: Option<String>,
    },
    /// The exchange ran on the server; these are the integration's credentials.
    Activated {
        /// `oauth_consumer_key`.
        consumer_key: ConsumerKey,
        /// The consumer secret.
        consumer_secret: Secret,
        /// The access token.
        access_token: TokenValue,
        /// The access token secret.
        access_token_secret: Secret,
    },
}

/// What a config sync did, by integration name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Declared and new: created.
    pub created: Vec<String>,
    /// Declared with other fields or resources than stored: deleted and re-created as Reset.
    pub reset: Vec<String>,
    /// Declared as stored: left alone.
    pub unchanged: Vec<String>,
}

/// Integrations and their activation.
#[derive(Debug, Clone)]
pub struct IntegrationService {
    ctx: Context,
    oauth: OAuthService,
    tree: Arc<ResourceTree>,
}

impl IntegrationService {
    /// A service over `ctx`, activating through `oauth`, checking resource ids against `tree`.
    pub fn new(ctx: Context, oauth: OAuthService, tree: Arc<ResourceTree>) -> Self {
        Self { ctx, oauth, tree }
    }

    /// The OAuth service activations go through.
    pub fn oauth(&self) -> &OAuthService {
        &self.oauth
    }

    /// The resource tree grants are checked against.
    pub fn resource_tree(&self) -> &ResourceTree {
        &self.tree
    }

    /// Creates a manual integration, its consumer (named `IntegrationN`) and its grant.
    ///
    /// A taken name → `The integration with name "%1" exists.` (class Conflict).
    pub fn create(&self, input: IntegrationInput) -> Result<Integration, TokensError> {
        let _forget = self.oauth.writing();
        let input = self.validate(input)?;
        self.insert(input, SetupType::Manual, IntegrationStatus::Inactive)
    }

    /// The integration with this id, or `The integration with ID "%1" doesn't exist.`
    pub fn get(&self, id: IntegrationId) -> Result<Integration, TokensError> {
        self.ctx
            .store
            .integration_by_id(id)?
            .ok_or_else(|| not_found(id))
    }

    /// The integration with its consumer key and grant.
    pub fn details(&self, id: IntegrationId) -> Result<IntegrationDetails, TokensError> {
        let integration = self.get(id)?;
        let consumer_key = match integration.consumer_id {
            Some(consumer_id) => self.oauth.consumer(consumer_id)?.map(|c| c.key),
            None => None,
        };
        let resources = self.resources(id)?;
        Ok(IntegrationDetails {
            integration,
            consumer_key,
            resources,
        })
    }

    /// The integration with this name, if any.
    pub fn find_by_name(&self, name: &str) -> Result<Option<Integration>, TokensError> {
        Ok(self.ctx.store.integration_by_name(name)?)
    }

    /// The integration of this consumer, if any.
    pub fn find_by_consumer(
        &self,
        consumer_id: ConsumerId,
    ) -> Result<Option<Integration>, TokensError> {
        Ok(self.ctx.store.integration_by_consumer(consumer_id)?)
    }

    /// The integration of this consumer if it is Active.
    pub fn find_active_by_consumer(
        &self,
        consumer_id: ConsumerId,
    ) -> Result<Option<Integration>, TokensError> {
        Ok(self
            .find_by_consumer(consumer_id)?
            .filter(|integration| integration.status == IntegrationStatus::Active))
    }

    /// Every integration, by id.
    pub fn list(&self) -> Result<Vec<Integration>, TokensError> {
        Ok(self.ctx.store.list_integrations()?)
    }

    /// The integration's grant.
    pub fn resources(&self, id: IntegrationId) -> Result<ResourceSelection, TokensError> {
        let stored = self.grants().resources_of(id)?;
        Ok(ResourceSelection::from_stored(stored))
    }

    /// Saves new fields and a new grant (which replaces the old one). Status, consumer and
    /// setup type are kept. Config-file integrations are refused.
    pub fn update(
        &self,
        id: IntegrationId,
        input: IntegrationInput,
    ) -> Result<Integration, TokensError> {
        let _forget = self.oauth.writing();
        let mut integration = self.get(id)?;
        if integration.setup_type == SetupType::ConfigFile {
            return Err(refused(ErrorClass::Input, messages::CONFIG_NOT_EDITABLE));
        }
        let input = self.validate(input)?;

        if let Some(other) = self.find_by_name(&input.name)? {
            if other.id != id {
                return Err(name_exists(&input.name));
            }
        }

        integration.name = input.name.clone();
        integration.email = input.email;
        integration.endpoint = input.endpoint;
        integration.identity_link_url = input.identity_link_url;
        integration.updated_at = self.ctx.clock.now();
        match self.ctx.store.update_integration(&integration) {
            Ok(true) => {}
            Ok(false) => return Err(not_found(id)),
            Err(StorageError::Conflict { .. }) => return Err(name_exists(&input.name)),
            Err(error) => return Err(error.into()),
        }

        self.save_resources(id, &input.resources)?;
        Ok(integration)
    }

    /// Deletes the integration, its role and its consumer (and with it its tokens and nonces).
    /// Config-file integrations are refused. Returns the deleted row.
    pub fn delete(&self, id: IntegrationId) -> Result<Integration, TokensError> {
        let _forget = self.oauth.writing();
        let integration = self.get(id)?;
        if integration.setup_type == SetupType::ConfigFile {
            return Err(TokensError::refused(
                ErrorClass::Input,
                Message::new(messages::CONFIG_NOT_DELETABLE).with("1", integration.name.clone()),
            ));
        }

        self.remove(&integration)?;
        Ok(integration)
    }

    /// Activates the integration (behaviour.md §4).
    ///
    /// With an endpoint: the consumer's window restarts, a fresh verifier row is created, and
    /// `oauth_consumer_key`, `oauth_consumer_secret`, `store_base_url` and `oauth_verifier` are
    /// posted through `poster`; a failed post is [`TokensError::EndpointPost`]. Without one:
    /// the exchange runs here, the integration becomes Active, and its credentials are
    /// answered. An Active integration is reauthorized.
    pub fn activate(
        &self,
        id: IntegrationId,
        poster: &dyn CredentialPoster,
        store_base_url: &str,
    ) -> Result<Activation, TokensError> {
        let _forget = self.oauth.writing();
        let integration = self.get(id)?;
        let integration = if integration.status == IntegrationStatus::Active {
            self.start_over(integration)?
        } else {
            integration
        };
        self.exchange(integration, poster, store_base_url)
    }

    /// Reauthorizes the integration: its tokens are deleted and it becomes Inactive (the
    /// consumer key and secret stay), then it is activated as by
    /// [`IntegrationService::activate`].
    pub fn reauthorize(
        &self,
        id: IntegrationId,
        poster: &dyn CredentialPoster,
        store_base_url: &str,
    ) -> Result<Activation, TokensError> {
        let _forget = self.oauth.writing();
        let integration = self.get(id)?;
        let integration = self.start_over(integration)?;
        self.exchange(integration, poster, store_base_url)
    }

    /// Reads the `integration.xml` files and syncs what they declare; see
    /// [`IntegrationService::sync_config_integrations`].
    pub fn sync_config_files<P: AsRef<Path>>(
        &self,
        paths: &[P],
    ) -> Result<SyncReport, TokensError> {
        let _forget = self.oauth.writing();
        let declared = load_integration_files(paths)?;
        self.sync_config_integrations(&declared)
    }

    /// Brings the stored config-file integrations in line with `declared`, on start-up: a new
    /// one is created; one whose fields or resources differ from what is stored is deleted and
    /// re-created with status Reset (its consumer and credentials are new); one as stored is
    /// left alone. A stored integration no longer declared is left alone too (the reference
    /// removes it when its extension is uninstalled, which Gatehouse has no notion of).
    ///
    /// A manual integration with a declared name is taken over: deleted and re-created from
    /// the declaration as Reset.
    pub fn sync_config_integrations(
        &self,
        declared: &[ConfigIntegration],
    ) -> Result<SyncReport, TokensError> {
        let _forget = self.oauth.writing();
        let mut report = SyncReport::default();

        for item in declared {
            let resources = config_grant(&self.tree, item)?;
            let input = IntegrationInput {
                name: item.name.clone(),
                email: item.email.clone(),
                endpoint: item.endpoint_url.clone(),
                identity_link_url: item.identity_link_url.clone(),
                resources: ResourceSelection::Only(resources),
            };
            let input = self.validate(input).map_err(|error| {
                TokensError::Config(format!(
                    "config integration \"{}\": {}",
                    item.name,
                    error.message()
                ))
            })?;

            let Some(existing) = self.find_by_name(&input.name)? else {
                self.insert(input, SetupType::ConfigFile, IntegrationStatus::Inactive)?;
                report.created.push(item.name.clone());
                continue;
            };
            if self.is_as_declared(&existing, &input)? {
                report.unchanged.push(item.name.clone());
                continue;
            }

            self.remove(&existing)?;
            self.insert(input, SetupType::ConfigFile, IntegrationStatus::Reset)?;
            report.reset.push(item.name.clone());
        }

        log::info!(
            "config integrations synced: {} created, {} reset, {} unchanged",
            report.created.len(),
            report.reset.len(),
            report.unchanged.len()
        );
        Ok(report)
    }

    /// Inserts an integration, its consumer and its grant; undoes the insert if a later step
    /// fails, so no integration is left without a consumer.
    fn insert(
        &self,
        input: IntegrationInput,
        setup_type: SetupType,
        status: IntegrationStatus,
    ) -> Result<Integration, TokensError> {
        if self.find_by_name(&input.name)?.is_some() {
            return Err(name_exists(&input.name));
        }

        let created = self.ctx.store.create_integration(NewIntegration {
            name: input.name.clone(),
            email: input.email,
            endpoint: input.endpoint,
            identity_link_url: input.identity_link_url,
            status,
            setup_type,
            consumer_id: None,
            created_at: self.ctx.clock.now(),
        });
        let mut integration = match created {
            Ok(integration) => integration,
            // Another writer took the name between the check and the insert.
            Err(StorageError::Conflict { .. }) => return Err(name_exists(&input.name)),
            Err(error) => return Err(error.into()),
        };

        let linked = self.link_consumer(&mut integration, &input.resources);
        if let Err(error) = linked {
            self.remove(&integration)?;
            return Err(error);
        }
        Ok(integration)
    }

    /// Creates the integration's consumer, links it, and saves the grant.
    fn link_consumer(
        &self,
        integration: &mut Integration,
        resources: &ResourceSelection,
    ) -> Result<(), TokensError> {
        let created = self
            .oauth
            .create_consumer(&format!("Integration{}", integration.id))?;
        integration.consumer_id = Some(created.consumer.id);
        self.ctx.store.update_integration(integration)?;
        self.save_resources(integration.id, resources)
    }

    /// Deletes the integration, its role and its consumer, whatever its setup type.
    fn remove(&self, integration: &Integration) -> Result<(), TokensError> {
        self.grants().remove(integration.id)?;
        if let Some(consumer_id) = integration.consumer_id {
            self.ctx.store.delete_consumer(consumer_id)?;
        }
        // Without a consumer there was no cascade; with one this finds nothing left.
        self.ctx.store.delete_integration(integration.id)?;
        Ok(())
    }

    /// Replaces the integration's grant.
    fn save_resources(
        &self,
        id: IntegrationId,
        resources: &ResourceSelection,
    ) -> Result<(), TokensError> {
        match resources {
            ResourceSelection::All => self.grants().grant_all(id)?,
            ResourceSelection::Only(ids) => self.grants().grant(id, ids)?,
        }
        Ok(())
    }

    /// Drops the integration's tokens and sets it Inactive; the consumer stays.
    fn start_over(&self, mut integration: Integration) -> Result<Integration, TokensError> {
        let consumer = self.consumer_of(&integration)?;
        self.oauth.delete_consumer_tokens(consumer.id)?;

        integration.status = IntegrationStatus::Inactive;
        integration.updated_at = self.ctx.clock.now();
        self.ctx.store.update_integration(&integration)?;
        Ok(integration)
    }

    /// The token exchange itself, with or without an endpoint.
    fn exchange(
        &self,
        integration: Integration,
        poster: &dyn CredentialPoster,
        store_base_url: &str,
    ) -> Result<Activation, TokensError> {
        let consumer = self.consumer_of(&integration)?;
        let consumer_secret = self.oauth.consumer_secret(&consumer)?;

        let Some(endpoint) = integration.endpoint.as_deref() else {
            let access = self.oauth.exchange_on_server(consumer.id)?;
            return Ok(Activation::Activated {
                consumer_key: consumer.key,
                consumer_secret,
                access_token: access.token,
                access_token_secret: access.secret,
            });
        };

        // The window of the two token calls starts now.
        self.oauth.touch_consumer(consumer.id)?;
        let verifier = self.oauth.create_verifier(consumer.id)?;

        let form = vec![
            (
                "oauth_consumer_key".to_owned(),
                consumer.key.as_str().to_owned(),
            ),
            (
                "oauth_consumer_secret".to_owned(),
                consumer_secret.expose().to_owned(),
            ),
            ("store_base_url".to_owned(), store_base_url.to_owned()),
            ("oauth_verifier".to_owned(), verifier.as_str().to_owned()),
        ];
        poster
            .post_credentials(endpoint, &form)
            .map_err(TokensError::EndpointPost)?;

        Ok(Activation::Posted {
            consumer_key: consumer.key,
            identity_link_url: integration.identity_link_url,
        })
    }

    /// Whether the stored integration is exactly what `input` declares.
    fn is_as_declared(
        &self,
        existing: &Integration,
        input: &IntegrationInput,
    ) -> Result<bool, TokensError> {
        if existing.setup_type != SetupType::ConfigFile
            || existing.email != input.email
            || existing.endpoint != input.endpoint
            || existing.identity_link_url != input.identity_link_url
        {
            return Ok(false);
        }

        let ResourceSelection::Only(wanted) = &input.resources else {
            return Ok(false);
        };
        let mut wanted = wanted.clone();
        wanted.sort();
        wanted.dedup();
        let mut stored = self.grants().resources_of(existing.id)?;
        stored.sort();
        Ok(stored == wanted)
    }

    /// The integration's consumer; an integration without one is a broken row.
    fn consumer_of(&self, integration: &Integration) -> Result<Consumer, TokensError> {
        let consumer = match integration.consumer_id {
            Some(consumer_id) => self.oauth.consumer(consumer_id)?,
            None => None,
        };
        consumer.ok_or_else(|| {
            TokensError::Storage(StorageError::internal(format!(
                "integration {} has no consumer",
                integration.id
            )))
        })
    }

    /// Checks and normalises what a caller gave: trimmed name of at least two characters, an
    /// address with an `@` if any, http(s) URLs, known resource ids.
    fn validate(&self, input: IntegrationInput) -> Result<IntegrationInput, TokensError> {
        let name = input.name.trim().to_owned();
        if name.is_empty() {
            return Err(TokensError::refused(
                ErrorClass::Input,
                Message::new(messages::REQUIRED_FIELD).with("fieldName", "name"),
            ));
        }
        if name.chars().count() < MIN_NAME_LENGTH {
            return Err(invalid_field("name", &name));
        }

        let email = input.email.trim().to_owned();
        if !email.is_empty() && !is_plausible_email(&email) {
            return Err(invalid_field("email", &email));
        }

        let endpoint = clean_url("endpoint", input.endpoint)?;
        let identity_link_url = clean_url("identity_link_url", input.identity_link_url)?;

        if let ResourceSelection::Only(ids) = &input.resources {
            let mut unknown: Vec<String> = Vec::new();
            for id in ids {
                if !self.tree.contains(id) && !unknown.contains(id) {
                    unknown.push(id.clone());
                }
            }
            if !unknown.is_empty() {
                return Err(AclError::UnknownResources { ids: unknown }.into());
            }
        }

        Ok(IntegrationInput {
            name,
            email,
            endpoint,
            identity_link_url,
            resources: input.resources,
        })
    }

    fn grants(&self) -> Grants<'_, dyn gatehouse_domain::Store> {
        Grants::new(self.ctx.store.as_ref(), &self.tree)
    }
}

/// The grant of a config-file integration: its declared resources, which must be in the tree.
/// Their ancestors are not stored: the ACL check opens each of them alone to config-file
/// integrations, as the reference's grant does (see the module documentation).
pub fn config_grant(
    tree: &ResourceTree,
    declared: &ConfigIntegration,
) -> Result<Vec<String>, TokensError> {
    let unknown: Vec<&str> = declared
        .resources
        .iter()
        .filter(|id| !tree.contains(id))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(TokensError::Config(format!(
            "config integration \"{}\" asks for unknown acl resources: {}",
            declared.name,
            unknown.join(", ")
        )));
    }
    Ok(declared.resources.clone())
}

/// A refusal with a message that has no placeholders.
fn refused(class: ErrorClass, template: &'static str) -> TokensError {
    TokensError::refused(class, Message::new(template))
}

fn not_found(id: IntegrationId) -> TokensError {
    TokensError::refused(
        ErrorClass::NotFound,
        Message::new(messages::NOT_FOUND).with("1", id.to_string()),
    )
}

fn name_exists(name: &str) -> TokensError {
    TokensError::refused(
        ErrorClass::Conflict,
        Message::new(messages::NAME_EXISTS).with("1", name),
    )
}

fn invalid_field(field: &'static str, value: &str) -> TokensError {
    TokensError::refused(
        ErrorClass::Input,
        Message::new(messages::INVALID_FIELD)
            .with("value", value)
            .with("fieldName", field),
    )
}

/// An empty URL is no URL; any other must be absolute http(s), so credentials are never
/// posted to a file or another scheme.
fn clean_url(field: &'static str, url: Option<String>) -> Result<Option<String>, TokensError> {
    let Some(url) = url.map(|url| url.trim().to_owned()) else {
        return Ok(None);
    };
    if url.is_empty() {
        return Ok(None);
    }
    let lower = url.to_ascii_lowercase();
    let host_part = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match host_part {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => Ok(Some(url)),
        _ => Err(invalid_field(field, &url)),
    }
}

/// One `@` with something on each side and no spaces: enough to catch a field mix-up.
fn is_plausible_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_absolute_http() {
        assert_eq!(clean_url("endpoint", None).unwrap(), None);
        assert_eq!(clean_url("endpoint", Some("  ".into())).unwrap(), None);
        assert_eq!(
            clean_url("endpoint", Some(" https://a.example/x ".into())).unwrap(),
            Some("https://a.example/x".to_owned())
        );
        assert!(clean_url("endpoint", Some("HTTP://a.example".into())).is_ok());
        for bad in ["file:///etc/passwd", "https://", "http:///x", "a.example"] {
            let error = clean_url("endpoint", Some(bad.into())).unwrap_err();
            assert_eq!(
                error.message().render(),
                format!("Invalid value of \"{bad}\" provided for the endpoint field.")
            );
        }
    }

    #[test]
    fn plausible_emails() {
        assert!(is_plausible_email("ops@example.com"));
        for bad in ["ops", "@example.com", "ops@", "a@b@c", "o ps@example.com"] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }

    #[test]
    fn a_grant_holding_the_root_is_all() {
        assert_eq!(
            ResourceSelection::from_stored(vec![ROOT.to_owned()]),
            ResourceSelection::All
        );
        assert_eq!(
            ResourceSelection::from_stored(vec!["Magento_Sales::sales".to_owned()]),
            ResourceSelection::Only(vec!["Magento_Sales::sales".to_owned()])
        );
    }
}
