//! `gatehouse serve`: migrations, config-file integrations, the HTTP server and the
//! housekeeping schedule.

use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::Context as _;

use gatehouse_acl::Acl;
use gatehouse_actix::metrics::{PoolProbe, PoolUsage};
use gatehouse_actix::{start_server, AppState, HttpSettings, PublicBaseUrl, Services};
use gatehouse_tokens::housekeeping::{self, HousekeepingSettings};
use gatehouse_tokens::Context;

use crate::commands;
use crate::settings::Settings;

/// Runs the server until SIGINT or SIGTERM.
pub fn serve(settings: &Settings) -> anyhow::Result<()> {
    let parts = commands::prepared(settings)?;

    if !settings.integrations.files.is_empty() {
        let report = parts
            .integrations
            .sync_config_files(&settings.integrations.files)
            .context("integrations.files")?;
        log::info!("config-file integrations synchronised: {report:?}");
    }

    // Bind first, so that port 0 resolves to the real port before the base URL is derived.
    let listener = TcpListener::bind(&settings.server.bind)
        .with_context(|| format!("cannot listen on {} (server.bind)", settings.server.bind))?;
    let address = listener.local_addr()?;
    let public_base_url = match &settings.server.public_base_url {
        Some(_) => settings.server.public_base_url(),
        None => format!("http://{address}/"),
    };

    let services = Services {
        oauth: Arc::clone(&parts.oauth),
        integrations: Arc::clone(&parts.integrations),
        users: Arc::clone(&parts.users),
        acl: Arc::new(Acl::new(parts.tree.as_ref().clone())),
    };
    let http = HttpSettings {
        public_base_url: PublicBaseUrl::fixed(public_base_url.clone()),
        max_body_bytes: settings.server.max_body_bytes,
        post_timeout: Duration::from_secs(settings.oauth.post_timeout_secs),
        post_max_redirects: u8::try_from(settings.oauth.post_max_redirects).unwrap_or(u8::MAX),
        blocking_threads: usize::try_from(settings.database.pool_size).unwrap_or(8),
        // A request is answered within the pool timeout, even when the database stops
        // answering without closing its connections.
        service_deadline: Duration::from_secs(settings.database.pool_timeout_secs.max(1)),
        ..HttpSettings::default()
    };
    let pool = parts.store.clone();
    let probe: PoolProbe = Arc::new(move || {
        let state = pool.pool_state();
        PoolUsage {
            connections: state.connections,
            idle: state.idle,
            max_size: state.max_size,
        }
    });
    let state = AppState::builder(services)
        .settings(http)
        .pool_probe(probe)
        .build();

    if settings.housekeeping.enabled {
        spawn_housekeeping(
            parts.context.clone(),
            parts.housekeeping,
            Duration::from_secs(settings.housekeeping.interval_secs.max(1)),
        );
    }

    log::info!(
        "create the first admin with: gatehouse admin create --username NAME --email EMAIL \
         --password-stdin"
    );
    // Last before serving: tests and scripts wait for this line to learn the address.
    log::info!(
        "gatehouse listening on {public_base_url} (database: {})",
        parts.store.backend()
    );

    actix_web::rt::System::new()
        .block_on(async move { start_server(listener, state, settings.server.workers)?.await })?;
    log::info!("gatehouse stopped");
    Ok(())
}

/// Runs every housekeeping job now and then every `interval`, on a thread of its own.
///
/// The jobs are idempotent batched deletes, so every replica may run them at once.
fn spawn_housekeeping(context: Context, settings: HousekeepingSettings, interval: Duration) {
    let spawned = thread::Builder::new()
        .name("housekeeping".into())
        .spawn(move || loop {
            if let Err(error) = housekeeping::run_all(&context, &settings) {
                log::error!("housekeeping failed: {error}");
            }
            thread::sleep(interval);
        });
    if let Err(error) = spawned {
        log::error!("cannot start the housekeeping thread: {error}");
    }
}
