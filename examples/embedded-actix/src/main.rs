//! Runs the example shop, with Gatehouse embedded, on an in-memory store.
//!
//! ```sh
//! DEMO_ADMIN_PASSWORD='a long admin password' DEMO_CUSTOMER_PASSWORD='a customer password' \
//!     cargo run -p example-embedded-actix -- 127.0.0.1:8080
//! ```
//!
//! With the variables set, it creates the admin `admin` and the customer `ada@example.com` with
//! those passwords, so there is someone to log in as; everything lives in memory and is gone
//! when the process stops.

// A command-line program talks to its user on standard output.
#![allow(clippy::print_stdout)]

use std::env;
use std::net::TcpListener;
use std::sync::Arc;

use anyhow::Context as _;

use example_embedded_actix::{services, start};
use gatehouse_actix::{AppState, HttpSettings, PublicBaseUrl, Services};
use gatehouse_domain::memory::MemoryStore;
use gatehouse_domain::SystemRandom;
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::users::{AdminAccount, CustomerAccount};
use gatehouse_tokens::TokenSettings;

/// Where the shop listens unless told otherwise.
const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let bind = env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_BIND.to_owned());

    // The store forgets everything on exit, so a fresh crypt key per run loses nothing.
    let crypt_key = CryptKeys::generate(&SystemRandom::new());
    let services = services(
        Arc::new(MemoryStore::new()),
        &crypt_key,
        TokenSettings::default(),
    )
    .context("cannot build Gatehouse's services")?;
    create_demo_accounts(&services)?;

    // Bind first, so that port 0 resolves to the real port before the base URL is derived.
    let listener = TcpListener::bind(&bind).with_context(|| format!("cannot listen on {bind}"))?;
    let address = listener.local_addr()?;
    let settings = HttpSettings {
        public_base_url: PublicBaseUrl::fixed(format!("http://{address}/")),
        ..HttpSettings::default()
    };
    let state = AppState::builder(services).settings(settings).build();

    println!("the example shop listens on http://{address}/");
    println!("  curl http://{address}/public");
    println!(
        "  TOKEN=$(curl -s -H 'content-type: application/json' \
         -d '{{\"username\":\"admin\",\"password\":\"'\"$DEMO_ADMIN_PASSWORD\"'\"}}' \
         http://{address}/rest/V1/integration/admin/token | tr -d '\"')"
    );
    println!("  curl -H \"Authorization: Bearer $TOKEN\" http://{address}/orders");
    start(listener, state)?.await?;
    Ok(())
}

/// Creates the demonstration admin and customer from `DEMO_ADMIN_PASSWORD` and
/// `DEMO_CUSTOMER_PASSWORD`, each only when its variable is set.
fn create_demo_accounts(services: &Services) -> anyhow::Result<()> {
    if let Ok(password) = env::var("DEMO_ADMIN_PASSWORD") {
        let admin = services
            .users
            .create_admin(AdminAccount {
                username: "admin",
                password: &password,
                email: "admin@example.com",
            })
            .context("cannot create the demonstration admin")?;
        println!("created the admin {:?} (id {})", admin.username, admin.id);
    }

    if let Ok(password) = env::var("DEMO_CUSTOMER_PASSWORD") {
        let customer = services
            .users
            .create_customer(CustomerAccount {
                email: "ada@example.com",
                password: &password,
                firstname: "Ada",
                lastname: "Lovelace",
            })
            .context("cannot create the demonstration customer")?;
        println!(
            "created the customer {:?} (id {})",
            customer.email, customer.id
        );
    }
    Ok(())
}
