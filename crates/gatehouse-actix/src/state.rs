//! What every handler shares: the services, the ACL, the settings, the credential poster and
//! the metrics registry. Built once by the binary (or a test, or an embedding app) and handed
//! to [`crate::start_server`] or [`crate::configure`].

use std::fmt;
use std::sync::Arc;

use gatehouse_acl::Acl;
use gatehouse_domain::Store;
use gatehouse_tokens::integration::{CredentialPoster, IntegrationService};
use gatehouse_tokens::oauth::OAuthService;
use gatehouse_tokens::users::UserTokenService;

use crate::metrics::{Metrics, PoolProbe};
use crate::nonces::NonceWriter;
use crate::poster::AwcCredentialPoster;
use crate::settings::HttpSettings;

/// The services the routes call. Each is shared; cloning the struct clones `Arc`s.
#[derive(Clone)]
pub struct Services {
    /// The token exchange and signed-request validation.
    pub oauth: Arc<OAuthService>,
    /// Integrations and their activation.
    pub integrations: Arc<IntegrationService>,
    /// Admin and customer logins, bearer tokens and revocation.
    pub users: Arc<UserTokenService>,
    /// The permission checks of the management routes.
    pub acl: Arc<Acl>,
}

/// The shared state of the HTTP layer. Handlers receive it as `web::Data<AppState>`.
#[derive(Clone)]
pub struct AppState {
    pub(crate) services: Services,
    pub(crate) settings: HttpSettings,
    pub(crate) poster: Arc<dyn CredentialPoster>,
    pub(crate) metrics: Arc<Metrics>,
    /// Records the nonces of signed requests checked on the workers; `None` if its thread
    /// could not start.
    pub(crate) nonces: Option<Arc<NonceWriter>>,
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Starts building the state over `services`.
    pub fn builder(services: Services) -> AppStateBuilder {
        AppStateBuilder {
            services,
            settings: HttpSettings::default(),
            poster: None,
            pool_probe: None,
        }
    }

    /// The services.
    pub fn services(&self) -> &Services {
        &self.services
    }

    /// The settings in force.
    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The store behind the services, for the readiness check.
    pub(crate) fn store(&self) -> &Arc<dyn Store> {
        &self.services.oauth.context().store
    }
}

/// Builds an [`AppState`]; see [`AppState::builder`].
pub struct AppStateBuilder {
    services: Services,
    settings: HttpSettings,
    poster: Option<Arc<dyn CredentialPoster>>,
    pool_probe: Option<PoolProbe>,
}

impl fmt::Debug for AppStateBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppStateBuilder")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl AppStateBuilder {
    /// The HTTP settings (default: [`HttpSettings::default`]).
    pub fn settings(mut self, settings: HttpSettings) -> Self {
        self.settings = settings;
        self
    }

    /// How activation posts credentials to integration endpoints (default: an
    /// [`AwcCredentialPoster`] with the settings' timeout and redirect limit).
    pub fn poster(mut self, poster: Arc<dyn CredentialPoster>) -> Self {
        self.poster = Some(poster);
        self
    }

    /// Reports the store's connection pool usage in `/metrics`.
    pub fn pool_probe(mut self, probe: PoolProbe) -> Self {
        self.pool_probe = Some(probe);
        self
    }

    /// The state.
    pub fn build(self) -> AppState {
        let poster = self.poster.unwrap_or_else(|| {
            Arc::new(AwcCredentialPoster::new(
                self.settings.post_timeout,
                self.settings.post_max_redirects,
            ))
        });
        let metrics = match self.pool_probe {
            Some(probe) => Metrics::with_pool_probe(probe),
            None => Metrics::new(),
        };
        let nonces = NonceWriter::start(Arc::clone(&self.services.oauth.context().store));
        AppState {
            services: self.services,
            settings: self.settings,
            poster,
            metrics: Arc::new(metrics),
            nonces: nonces.map(Arc::new),
        }
    }
}
