//! Helpers shared by the OAuth, integration and handshake tests: a harness wiring the services
//! over a fresh store and a fixed clock, a signing client, a real HTTP endpoint stand-in, and
//! a macro running a test on every store backend.

// Each test binary uses its own part of these helpers; the rest would warn as unused there.
#![allow(dead_code)]

pub mod client;
pub mod http;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use gatehouse_acl::ResourceTree;
use gatehouse_diesel::DieselStore;
use gatehouse_domain::memory::MemoryStore;
use gatehouse_domain::{ErrorClass, FixedClock, Integration, IntegrationId, SequenceRandom, Store};
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::integration::{IntegrationInput, IntegrationService, ResourceSelection};
use gatehouse_tokens::oauth::{OAuthService, OAuthSettings};
use gatehouse_tokens::{Context, TokensError};

/// "Now" when a harness starts: 2023-11-14T22:13:20Z.
pub const START: i64 = 1_700_000_000;

/// The crypt key of every harness: two entries, so look-ups go through rotation code.
pub const CRYPT_KEY: &str = "oldentry0123456789abcdefghijklmn currententry0123456789abcdefgh";

/// The services over one fresh store, with a clock that moves only when told.
pub struct Harness {
    /// The store, for inspecting rows.
    pub store: Arc<dyn Store>,
    /// The clock of the services.
    pub clock: Arc<FixedClock>,
    /// What the services were built from.
    pub ctx: Context,
    /// The OAuth service.
    pub oauth: OAuthService,
    /// The integration service.
    pub integrations: IntegrationService,
    /// Removes the backend's files, if any, when the harness goes.
    _cleanup: Option<Box<dyn std::any::Any>>,
}

impl Harness {
    /// Services over a fresh [`MemoryStore`].
    pub fn memory() -> Self {
        Self::over(Arc::new(MemoryStore::new()), None)
    }

    /// Services over a fresh SQLite database in a temporary file, migrated, removed afterwards.
    pub fn sqlite() -> Self {
        let file = TempDatabase::new();
        let store = DieselStore::connect(&format!("sqlite://{}", file.path.display()), 2)
            .expect("open the SQLite database");
        store
            .run_pending_migrations()
            .expect("migrate the SQLite database");
        Self::over(Arc::new(store), Some(Box::new(file)))
    }

    /// Services over `store` with default settings.
    pub fn over(store: Arc<dyn Store>, cleanup: Option<Box<dyn std::any::Any>>) -> Self {
        let clock = Arc::new(FixedClock::new(START));
        let ctx = Context {
            store: Arc::clone(&store),
            clock: clock.clone(),
            random: Arc::new(SequenceRandom::new(START as u64)),
            keys: Arc::new(CryptKeys::parse(CRYPT_KEY).expect("the test crypt key parses")),
        };
        let oauth = OAuthService::new(ctx.clone(), OAuthSettings::default());
        let integrations = IntegrationService::new(
            ctx.clone(),
            oauth.clone(),
            Arc::new(ResourceTree::builtin()),
        );
        Self {
            store,
            clock,
            ctx,
            oauth,
            integrations,
            _cleanup: cleanup,
        }
    }

    /// Creates a manual integration granted everything.
    pub fn create_integration(&self, name: &str, endpoint: Option<&str>) -> Integration {
        self.integrations
            .create(input(name, endpoint, ResourceSelection::All))
            .expect("create the integration")
    }

    /// The integration with this id, read again.
    pub fn reload(&self, id: IntegrationId) -> Integration {
        self.integrations.get(id).expect("the integration exists")
    }
}

/// A database file in the temporary directory, deleted (with SQLite's side files) on drop.
pub struct TempDatabase {
    /// Where the database lives.
    pub path: PathBuf,
}

impl TempDatabase {
    fn new() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "gatehouse-tokens-test-{}-{}.db",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        Self {
            path: std::env::temp_dir().join(name),
        }
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut path = self.path.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// An integration input with an email and no identity link.
pub fn input(name: &str, endpoint: Option<&str>, resources: ResourceSelection) -> IntegrationInput {
    IntegrationInput {
        name: name.to_owned(),
        email: format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
        endpoint: endpoint.map(str::to_owned),
        identity_link_url: None,
        resources,
    }
}

/// Asserts that `result` is a refusal of class `class` whose rendered message is `text`.
#[track_caller]
pub fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, TokensError>,
    class: ErrorClass,
    text: &str,
) {
    match result {
        Err(error) => {
            assert_eq!(error.message().render(), text, "message of {error:?}");
            assert_eq!(error.class(), class, "class of {error:?}");
        }
        Ok(value) => panic!("expected the refusal {text:?}, got {value:?}"),
    }
}

/// Asserts the reference's refusal of a nonce the consumer `consumer_id` has already used.
pub fn assert_replay_refused<T: std::fmt::Debug>(
    result: Result<T, TokensError>,
    consumer_id: impl std::fmt::Display,
) {
    assert_refused(
        result,
        ErrorClass::Authentication,
        &format!("The nonce is already being used by the consumer with ID {consumer_id}"),
    );
}

/// Runs each named test function (taking `&Harness`) once per store backend, as
/// `<backend>::<test>`.
macro_rules! on_every_store {
    ($($test:ident),* $(,)?) => {
        mod memory {
            $(
                #[test]
                fn $test() {
                    super::$test(&crate::support::Harness::memory());
                }
            )*
        }

        mod sqlite {
            $(
                #[test]
                fn $test() {
                    super::$test(&crate::support::Harness::sqlite());
                }
            )*
        }
    };
}
