//! A short demo of Gatehouse's services running on [`TableStore`], the custom backend of this
//! example: an admin logs in and is recognised by their token, an integration is created and
//! activated, and the store reports what it now holds.
//!
//! ```sh
//! cargo run -p example-custom-backend
//! ```

// A command-line program talks to its user on standard output.
#![allow(clippy::print_stdout)]

use std::sync::Arc;

use anyhow::{bail, Context as _};

use example_custom_backend::TableStore;
use gatehouse_acl::{Principal, ResourceTree};
use gatehouse_domain::error::BoxError;
use gatehouse_domain::{IntegrationStatus, SystemClock, SystemRandom};
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::integration::{
    Activation, CredentialPoster, IntegrationInput, IntegrationService, ResourceSelection,
};
use gatehouse_tokens::oauth::{OAuthService, OAuthSettings};
use gatehouse_tokens::password::PasswordParams;
use gatehouse_tokens::users::AdminAccount;
use gatehouse_tokens::{Context, TokenSettings, UserTokenService};

/// The demo's integration has no endpoint, so activation never posts anywhere; this says so
/// if it ever tried.
struct NoEndpoints;

impl CredentialPoster for NoEndpoints {
    fn post_credentials(&self, endpoint: &str, _form: &[(String, String)]) -> Result<(), BoxError> {
        Err(format!("the demo posts credentials nowhere, not even to {endpoint}").into())
    }
}

fn main() -> anyhow::Result<()> {
    let store = Arc::new(TableStore::new());
    let random = Arc::new(SystemRandom::new());
    let context = Context {
        store: store.clone(),
        clock: Arc::new(SystemClock),
        keys: Arc::new(CryptKeys::parse(&CryptKeys::generate(random.as_ref()))?),
        random,
    };

    // An admin logs in, and the token they get back is recognised as theirs.
    let users = UserTokenService::new(
        context.clone(),
        TokenSettings {
            // A demo password needs no expensive hash; a deployment keeps the default.
            password: PasswordParams::INSECURE_FOR_TESTS,
            ..TokenSettings::default()
        },
    )?;
    let admin = users.create_admin(AdminAccount {
        username: "demo-admin",
        password: "demo password",
        email: "demo@example.com",
    })?;
    let token = users.issue_admin_token("demo-admin", "demo password")?;
    let caller = users.authenticate_bearer(&token)?;
    if caller != Principal::Admin(admin.id) {
        bail!("the admin's token was read as {caller:?}");
    }
    println!(
        "admin {} logged in and was recognised by their token",
        admin.id
    );

    // An integration without an endpoint is activated at once, on the server.
    let tree = Arc::new(ResourceTree::builtin());
    let oauth = OAuthService::new(context.clone(), OAuthSettings::default());
    let integrations = IntegrationService::new(context, oauth, tree);
    let integration = integrations.create(IntegrationInput {
        name: "Demo integration".to_owned(),
        email: "integration@example.com".to_owned(),
        endpoint: None,
        identity_link_url: None,
        resources: ResourceSelection::Only(vec!["Magento_Sales::sales".to_owned()]),
    })?;
    let activation = integrations
        .activate(integration.id, &NoEndpoints, "http://127.0.0.1:8080/")
        .context("activation failed")?;
    if !matches!(activation, Activation::Activated { .. }) {
        bail!("an integration without an endpoint should be activated on the server");
    }
    let status = integrations.get(integration.id)?.status;
    if status != IntegrationStatus::Active {
        bail!("the integration is {status:?} after activation");
    }
    println!(
        "integration {} ({:?}) is {}",
        integration.id,
        integration.name,
        status.label()
    );

    // What the backend now holds: counts only, never the rows, which hold digests and hashes.
    println!("{:#?}", store.row_counts());
    Ok(())
}
