//! Configuration: built-in defaults, then a TOML file, then `GATEHOUSE_<SECTION>__<KEY>`
//! environment variables, then command-line options; later sources win.
//!
//! Every section refuses unknown keys, so a misspelt setting is an error that names it rather
//! than a silently ignored line.

use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

/// Everything the binary can be told.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `[server]`
    pub server: ServerSettings,
    /// `[database]`
    pub database: DatabaseSettings,
    /// `[security]`
    pub security: SecuritySettings,
    /// `[oauth]`
    pub oauth: OAuthSettings,
    /// `[lockout]`
    pub lockout: LockoutSettings,
    /// `[tokens]`
    pub tokens: TokenSettings,
    /// `[acl]`
    pub acl: AclSettings,
    /// `[integrations]`
    pub integrations: IntegrationSettings,
    /// `[housekeeping]`
    pub housekeeping: HousekeepingSettings,
}

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Listen address.
    pub bind: String,
    /// Base URL used for OAuth base strings and sent as `store_base_url`; defaults to
    /// `http://<bind>/`.
    pub public_base_url: Option<String>,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            public_base_url: None,
            max_body_bytes: 256 * 1024,
            workers: 0,
        }
    }
}

impl ServerSettings {
    /// The public base URL, always ending in `/`.
    pub fn public_base_url(&self) -> String {
        let url = match &self.public_base_url {
            Some(url) => url.clone(),
            None => format!("http://{}/", self.bind),
        };
        if url.ends_with('/') {
            url
        } else {
            format!("{url}/")
        }
    }
}

/// `[database]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH`, `postgres://…` or `mysql://…`.
    pub url: String,
    /// Connections in the pool.
    pub pool_size: u32,
    /// How long a request waits for a free connection before it is answered 503, in seconds.
    pub pool_timeout_secs: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://gatehouse.db".to_owned(),
            pool_size: 8,
            pool_timeout_secs: 5,
        }
    }
}

/// `[security]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// The crypt key string; when absent, a key file beside the SQLite database is used (and
    /// created on first start).
    pub crypt_key: Option<String>,
    /// Where the generated key is kept; defaults to `<database>.key` for SQLite.
    pub crypt_key_file: Option<PathBuf>,
}

/// `[oauth]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OAuthSettings {
    /// Token-exchange window, in seconds.
    pub consumer_expiration_secs: i64,
    /// Accepted clock difference, both directions, in seconds.
    pub timestamp_window_secs: i64,
    /// Allowed signature methods.
    pub signature_methods: Vec<String>,
    /// `rfc5849` or `compat`.
    pub canonicalization: String,
    /// Refuse non-form bodies without `oauth_body_hash`.
    pub require_body_hash: bool,
    /// Timeout of the credential POST to an integration endpoint, in seconds.
    pub post_timeout_secs: u64,
    /// Redirects followed by that POST.
    pub post_max_redirects: u32,
    /// Accept integration access tokens as bearer tokens.
    pub enable_integration_as_bearer: bool,
    /// How long signed requests reuse the credentials they read, in milliseconds; 0 for never.
    pub credential_cache_ttl_ms: u64,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        Self {
            consumer_expiration_secs: 300,
            timestamp_window_secs: 600,
            signature_methods: vec!["HMAC-SHA256".to_owned()],
            canonicalization: "rfc5849".to_owned(),
            require_body_hash: false,
            post_timeout_secs: 5,
            post_max_redirects: 0,
            enable_integration_as_bearer: false,
            credential_cache_ttl_ms: 2_000,
        }
    }
}

/// `[lockout]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LockoutSettings {
    /// Failures that lock an account.
    pub max_failures: u32,
    /// How long failures count and a lock lasts, in seconds.
    pub timeout_secs: i64,
}

impl Default for LockoutSettings {
    fn default() -> Self {
        Self {
            max_failures: 6,
            timeout_secs: 1800,
        }
    }
}

/// `[tokens]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenSettings {
    /// Admin JWT lifetime, in minutes.
    pub admin_ttl_mins: i64,
    /// Customer JWT lifetime, in minutes.
    pub customer_ttl_mins: i64,
    /// `HS256`, `HS384` or `HS512`.
    pub jwt_alg: String,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            admin_ttl_mins: 60,
            customer_ttl_mins: 60,
            jwt_alg: "HS256".to_owned(),
        }
    }
}

/// `[acl]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AclSettings {
    /// ACL resource files in the `acl.xml` format, merged over the built-in tree.
    pub files: Vec<PathBuf>,
}

/// `[integrations]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntegrationSettings {
    /// Integration declarations in the `integration.xml` format, synchronised on start.
    pub files: Vec<PathBuf>,
}

/// `[housekeeping]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HousekeepingSettings {
    /// Whether `serve` runs the cleanup jobs.
    pub enabled: bool,
    /// Seconds between two runs of the frequent jobs (lockouts, nonces).
    pub interval_secs: u64,
}

impl Default for HousekeepingSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            interval_secs: 60,
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file, the environment or an override is invalid; the message names the setting.
    #[error("invalid configuration: {0}")]
    Invalid(#[from] config::ConfigError),
    /// A value parsed but makes no sense.
    #[error("invalid configuration: {key}: {reason}")]
    Value {
        /// The setting, as `section.key`.
        key: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// Command-line values that override every other source.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--database-url`
    pub database_url: Option<String>,
    /// `--bind`
    pub bind: Option<String>,
}

impl Settings {
    /// Loads the configuration from `file` (if given), the process environment and `overrides`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, SettingsError> {
        Self::load_from(file, overrides, None)
    }

    /// As [`Settings::load`], with the environment given explicitly (for tests).
    pub fn load_from(
        file: Option<&Path>,
        overrides: &Overrides,
        environment: Option<config::Map<String, String>>,
    ) -> Result<Self, SettingsError> {
        let mut builder = Config::builder();
        if let Some(path) = file {
            builder = builder.add_source(File::from(path).format(FileFormat::Toml).required(true));
        }

        let mut env = Environment::with_prefix("GATEHOUSE")
            .prefix_separator("_")
            .separator("__")
            .list_separator(",")
            .with_list_parse_key("oauth.signature_methods")
            .with_list_parse_key("acl.files")
            .with_list_parse_key("integrations.files")
            .try_parsing(true);
        if let Some(vars) = environment {
            env = env.source(Some(vars));
        }
        builder = builder.add_source(env);

        if let Some(url) = &overrides.database_url {
            builder = builder.set_override("database.url", url.as_str())?;
        }
        if let Some(bind) = &overrides.bind {
            builder = builder.set_override("server.bind", bind.as_str())?;
        }

        let settings: Settings = builder.build()?.try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks the values that deserialising alone cannot.
    fn validate(&self) -> Result<(), SettingsError> {
        let fail = |key, reason: &str| {
            Err(SettingsError::Value {
                key,
                reason: reason.to_owned(),
            })
        };
        if !["sqlite://", "postgres://", "postgresql://", "mysql://"]
            .iter()
            .any(|scheme| self.database.url.starts_with(scheme))
        {
            return fail(
                "database.url",
                "must start with sqlite://, postgres:// or mysql://",
            );
        }
        if self.database.pool_size == 0 {
            return fail("database.pool_size", "must be at least 1");
        }
        if self.server.bind.parse::<std::net::SocketAddr>().is_err()
            && !self.server.bind.contains(':')
        {
            return fail("server.bind", "must be HOST:PORT");
        }
        if !["rfc5849", "compat"].contains(&self.oauth.canonicalization.as_str()) {
            return fail(
                "oauth.canonicalization",
                "must be \"rfc5849\" or \"compat\"",
            );
        }
        if let Some(method) = self
            .oauth
            .signature_methods
            .iter()
            .find(|method| !["HMAC-SHA256", "HMAC-SHA1"].contains(&method.as_str()))
        {
            return Err(SettingsError::Value {
                key: "oauth.signature_methods",
                reason: format!("unsupported method {method:?} (HMAC-SHA256 or HMAC-SHA1)"),
            });
        }
        if self.oauth.signature_methods.is_empty() {
            return fail("oauth.signature_methods", "must name at least one method");
        }
        if !["HS256", "HS384", "HS512"].contains(&self.tokens.jwt_alg.as_str()) {
            return fail("tokens.jwt_alg", "must be HS256, HS384 or HS512");
        }
        if self.oauth.timestamp_window_secs <= 0 {
            return fail("oauth.timestamp_window_secs", "must be positive");
        }
        Ok(())
    }

    /// The SQLite database file, when the database is SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.database
            .url
            .strip_prefix("sqlite://")
            .map(PathBuf::from)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Option<config::Map<String, String>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let settings = Settings::load_from(None, &Overrides::default(), env(&[])).unwrap();
        assert_eq!(settings.server.bind, "127.0.0.1:8080");
        assert_eq!(settings.server.public_base_url(), "http://127.0.0.1:8080/");
        assert_eq!(settings.database.url, "sqlite://gatehouse.db");
        assert_eq!(settings.database.pool_size, 8);
        assert_eq!(settings.oauth.consumer_expiration_secs, 300);
        assert_eq!(settings.oauth.timestamp_window_secs, 600);
        assert_eq!(settings.oauth.signature_methods, ["HMAC-SHA256"]);
        assert_eq!(settings.oauth.canonicalization, "rfc5849");
        assert_eq!(
            (
                settings.oauth.post_timeout_secs,
                settings.oauth.post_max_redirects
            ),
            (5, 0)
        );
        assert!(!settings.oauth.enable_integration_as_bearer);
        assert_eq!(
            (settings.lockout.max_failures, settings.lockout.timeout_secs),
            (6, 1800)
        );
        assert_eq!(
            (
                settings.tokens.admin_ttl_mins,
                settings.tokens.customer_ttl_mins
            ),
            (60, 60)
        );
        assert_eq!(settings.tokens.jwt_alg, "HS256");
    }

    #[test]
    fn file_then_environment_then_flags() {
        let mut file = tempfile_path("layering");
        writeln!(
            file.1,
            "[database]\nurl = \"sqlite://from-file.db\"\npool_size = 3\n\
             [server]\nbind = \"127.0.0.1:9000\"\n[tokens]\njwt_alg = \"HS384\""
        )
        .unwrap();

        let settings = Settings::load_from(
            Some(&file.0),
            &Overrides {
                bind: Some("127.0.0.1:9100".into()),
                database_url: None,
            },
            env(&[
                ("GATEHOUSE_DATABASE__URL", "postgres://db/gatehouse"),
                (
                    "GATEHOUSE_OAUTH__SIGNATURE_METHODS",
                    "HMAC-SHA256,HMAC-SHA1",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(settings.database.url, "postgres://db/gatehouse");
        assert_eq!(settings.database.pool_size, 3);
        assert_eq!(settings.server.bind, "127.0.0.1:9100");
        assert_eq!(settings.tokens.jwt_alg, "HS384");
        assert_eq!(
            settings.oauth.signature_methods,
            ["HMAC-SHA256", "HMAC-SHA1"]
        );
        std::fs::remove_file(file.0).unwrap();
    }

    #[test]
    fn unknown_and_invalid_settings_are_named() {
        let mut file = tempfile_path("unknown");
        writeln!(file.1, "[database]\nulr = \"sqlite://x.db\"").unwrap();
        let error = Settings::load_from(Some(&file.0), &Overrides::default(), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("ulr"), "{error}");
        std::fs::remove_file(file.0).unwrap();

        let error = Settings::load_from(
            None,
            &Overrides::default(),
            env(&[("GATEHOUSE_TOKENS__JWT_ALG", "none")]),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("tokens.jwt_alg"), "{error}");

        let error = Settings::load_from(
            None,
            &Overrides {
                database_url: Some("redis://x".into()),
                bind: None,
            },
            env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("database.url"), "{error}");
    }

    fn tempfile_path(name: &str) -> (PathBuf, std::fs::File) {
        let path = std::env::temp_dir().join(format!(
            "gatehouse-settings-{name}-{}.toml",
            std::process::id()
        ));
        let file = std::fs::File::create(&path).unwrap();
        (path, file)
    }
}
