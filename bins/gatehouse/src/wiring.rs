//! Builds Gatehouse's parts from the settings: the store, the crypt key, the services.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};

use gatehouse_acl::ResourceTree;
use gatehouse_diesel::{DieselStore, StoreOptions};
use gatehouse_domain::{SystemClock, SystemRandom};
use gatehouse_oauth1::{Canonicalization, Policy, SignatureMethod};
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::housekeeping::HousekeepingSettings;
use gatehouse_tokens::integration::IntegrationService;
use gatehouse_tokens::jwt::JwtAlgorithm;
use gatehouse_tokens::oauth::{OAuthService, OAuthSettings};
use gatehouse_tokens::throttle::LockoutSettings;
use gatehouse_tokens::users::{TokenSettings, UserTokenService};
use gatehouse_tokens::Context;

use crate::settings::Settings;

/// Everything a command may need, built once.
pub struct Parts {
    /// The database.
    pub store: DieselStore,
    /// The services' shared context.
    pub context: Context,
    /// Admin and customer tokens.
    pub users: Arc<UserTokenService>,
    /// The OAuth token exchange.
    pub oauth: Arc<OAuthService>,
    /// Integrations.
    pub integrations: Arc<IntegrationService>,
    /// The ACL resource tree.
    pub tree: Arc<ResourceTree>,
    /// What the housekeeping jobs keep.
    pub housekeeping: HousekeepingSettings,
}

/// Opens the store and builds the services. Does not run migrations.
pub fn build(settings: &Settings) -> anyhow::Result<Parts> {
    let store = DieselStore::connect_with(
        &settings.database.url,
        &StoreOptions {
            pool_size: settings.database.pool_size,
            connection_timeout: Duration::from_secs(settings.database.pool_timeout_secs),
            ..StoreOptions::default()
        },
    )
    .context("cannot open the database (database.url)")?;

    let random = Arc::new(SystemRandom::new());
    let crypt_key = crypt_key(settings, random.as_ref())?;
    let keys = CryptKeys::parse(&crypt_key).context("invalid crypt key (security.crypt_key)")?;
    let context = Context {
        store: Arc::new(store.clone()),
        clock: Arc::new(SystemClock),
        random,
        keys: Arc::new(keys),
    };

    let tree = Arc::new(resource_tree(settings)?);
    let token_settings = token_settings(settings)?;
    let housekeeping =
        HousekeepingSettings::new(&token_settings, settings.oauth.timestamp_window_secs);
    let users = Arc::new(
        UserTokenService::new(context.clone(), token_settings)
            .context("cannot set up the token service")?,
    );
    let oauth = OAuthService::new(context.clone(), oauth_settings(settings)?);
    let integrations = Arc::new(IntegrationService::new(
        context.clone(),
        oauth.clone(),
        Arc::clone(&tree),
    ));

    Ok(Parts {
        store,
        context,
        users,
        oauth: Arc::new(oauth),
        integrations,
        tree,
        housekeeping,
    })
}

/// The ACL tree: the built-in one, with the configured files merged over it.
fn resource_tree(settings: &Settings) -> anyhow::Result<ResourceTree> {
    let mut tree = ResourceTree::builtin();
    if !settings.acl.files.is_empty() {
        let files = ResourceTree::from_files(&settings.acl.files).context("acl.files")?;
        tree.merge(files);
    }
    Ok(tree)
}

fn token_settings(settings: &Settings) -> anyhow::Result<TokenSettings> {
    let jwt_alg = match settings.tokens.jwt_alg.as_str() {
        "HS256" => JwtAlgorithm::Hs256,
        "HS384" => JwtAlgorithm::Hs384,
        "HS512" => JwtAlgorithm::Hs512,
        other => bail!("tokens.jwt_alg: unsupported algorithm {other:?}"),
    };
    Ok(TokenSettings {
        admin_ttl_mins: settings.tokens.admin_ttl_mins,
        customer_ttl_mins: settings.tokens.customer_ttl_mins,
        jwt_alg,
        lockout: LockoutSettings {
            max_failures: settings.lockout.max_failures,
            timeout_secs: settings.lockout.timeout_secs,
        },
        enable_integration_as_bearer: settings.oauth.enable_integration_as_bearer,
        ..TokenSettings::default()
    })
}

fn oauth_settings(settings: &Settings) -> anyhow::Result<OAuthSettings> {
    let signature_methods = settings
        .oauth
        .signature_methods
        .iter()
        .map(|name| {
            SignatureMethod::parse(name)
                .with_context(|| format!("oauth.signature_methods: unsupported method {name:?}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let canonicalization = match settings.oauth.canonicalization.as_str() {
        "rfc5849" => Canonicalization::Rfc5849,
        "compat" => Canonicalization::Compat,
        other => bail!("oauth.canonicalization: unknown mode {other:?}"),
    };
    Ok(OAuthSettings {
        consumer_expiration_secs: settings.oauth.consumer_expiration_secs,
        policy: Policy {
            signature_methods,
            timestamp_window_secs: settings.oauth.timestamp_window_secs,
            canonicalization,
            require_body_hash: settings.oauth.require_body_hash,
        },
        credential_cache_ttl: Duration::from_millis(settings.oauth.credential_cache_ttl_ms),
    })
}

/// The crypt key: from the settings, else from the key file, else a new one written to the key
/// file (first start).
fn crypt_key(settings: &Settings, random: &SystemRandom) -> anyhow::Result<String> {
    if let Some(key) = &settings.security.crypt_key {
        return Ok(key.clone());
    }

    let Some(path) = key_file(settings) else {
        bail!(
            "security.crypt_key is not set: set it (or security.crypt_key_file) for a \
             PostgreSQL or MySQL database"
        );
    };
    if path.exists() {
        let key = fs::read_to_string(&path)
            .with_context(|| format!("cannot read the crypt key file {}", path.display()))?;
        return Ok(key.trim().to_owned());
    }

    let key = CryptKeys::generate(random);
    write_private(&path, &key)
        .with_context(|| format!("cannot write the crypt key file {}", path.display()))?;
    log::warn!(
        "generated a new crypt key in {}; keep it safe and back it up with the database: \
         without it no stored secret can be read",
        path.display()
    );
    Ok(key)
}

/// Where the key file is: as configured, or beside the SQLite database.
fn key_file(settings: &Settings) -> Option<PathBuf> {
    if let Some(path) = &settings.security.crypt_key_file {
        return Some(path.clone());
    }
    let database = settings.sqlite_path()?;
    let mut name = database.file_name()?.to_os_string();
    name.push(".key");
    Some(database.with_file_name(name))
}

/// Writes `contents` to a new file only its owner can read.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    writeln!(file, "{contents}")
}
