//! The commands other than `serve`: migrations, users, integrations, cleanup.

use std::io::BufRead;

use anyhow::{bail, Context as _};
use serde_json::json;

use gatehouse_domain::{Clock, Integration, Nonce, SetupType, SystemClock, SystemRandom};
use gatehouse_oauth1::{SignatureMethod, Signer};
use gatehouse_tokens::housekeeping;
use gatehouse_tokens::integration::ResourceSelection;
use gatehouse_tokens::users::{AdminAccount, CustomerAccount};

use crate::cli::{
    AdminCommand, Command, CustomerCommand, IntegrationCommand, PasswordArgs, SignArgs,
};
use crate::settings::Settings;
use crate::wiring::{self, Parts};

/// Runs `command`.
pub fn dispatch(command: Command, settings: &Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve { .. } => crate::serve::serve(settings),
        Command::Migrate => {
            let parts = wiring::build(settings)?;
            migrate(&parts)
        }
        Command::Admin(command) => admin(command, &prepared(settings)?),
        Command::Customer(command) => customer(command, &prepared(settings)?),
        Command::Integration(command) => integration(command, &prepared(settings)?),
        Command::Sign(args) => sign(args),
        Command::Cleanup => {
            let parts = prepared(settings)?;
            let report = housekeeping::run_all(&parts.context, &parts.housekeeping)?;
            println!("{report}");
            Ok(())
        }
    }
}

/// Builds the parts and brings the schema up to date, so every command works on a new
/// database.
pub fn prepared(settings: &Settings) -> anyhow::Result<Parts> {
    let parts = wiring::build(settings)?;
    migrate(&parts)?;
    Ok(parts)
}

/// Applies pending migrations and says which.
pub fn migrate(parts: &Parts) -> anyhow::Result<()> {
    let applied = parts
        .store
        .run_pending_migrations()
        .context("migrations failed")?;
    if applied.is_empty() {
        log::debug!("database schema is up to date");
    }
    for name in applied {
        log::info!("applied migration {name}");
    }
    Ok(())
}

fn admin(command: AdminCommand, parts: &Parts) -> anyhow::Result<()> {
    match command {
        AdminCommand::Create {
            username,
            email,
            password,
        } => {
            let password = read_password(password)?;
            let admin = parts.users.create_admin(AdminAccount {
                username: &username,
                password: &password,
                email: &email,
            })?;
            println!("created admin {} (id {})", admin.username, admin.id);
        }
        AdminCommand::Deactivate { username } => {
            let admin = parts.users.deactivate_admin(&username)?;
            println!(
                "deactivated admin {} and revoked their tokens",
                admin.username
            );
        }
    }
    Ok(())
}

fn customer(command: CustomerCommand, parts: &Parts) -> anyhow::Result<()> {
    match command {
        CustomerCommand::Create {
            email,
            password,
            firstname,
            lastname,
        } => {
            let password = read_password(password)?;
            let customer = parts.users.create_customer(CustomerAccount {
                email: &email,
                password: &password,
                firstname: &firstname,
                lastname: &lastname,
            })?;
            println!("created customer {} (id {})", customer.email, customer.id);
        }
        CustomerCommand::Deactivate { email } => {
            let customer = parts.users.deactivate_customer(&email)?;
            println!(
                "deactivated customer {} and revoked their tokens",
                customer.email
            );
        }
    }
    Ok(())
}

fn integration(command: IntegrationCommand, parts: &Parts) -> anyhow::Result<()> {
    match command {
        IntegrationCommand::List { json } => {
            let integrations = parts.integrations.list()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&integrations)?);
            } else {
                print_table(&integrations);
            }
        }
        IntegrationCommand::Show { name, json } => {
            let Some(integration) = parts.integrations.find_by_name(&name)? else {
                bail!("no integration is named {name:?}");
            };
            let resources = match parts.integrations.resources(integration.id)? {
                ResourceSelection::All => vec![gatehouse_acl::ROOT.to_owned()],
                ResourceSelection::Only(ids) => ids,
            };
            if json {
                let mut value = serde_json::to_value(&integration)?;
                value["resources"] = json!(resources);
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                print_table(std::slice::from_ref(&integration));
                println!("resources: {}", resources.join(", "));
            }
        }
    }
    Ok(())
}

fn print_table(integrations: &[Integration]) {
    println!(
        "{:<5} {:<24} {:<28} {:<9} {:<7} endpoint",
        "id", "name", "email", "status", "setup"
    );
    for integration in integrations {
        let setup = match integration.setup_type {
            SetupType::Manual => "manual",
            SetupType::ConfigFile => "config",
        };
        println!(
            "{:<5} {:<24} {:<28} {:<9} {:<7} {}",
            integration.id,
            integration.name,
            integration.email,
            integration.status.label(),
            setup,
            integration.endpoint.as_deref().unwrap_or("-"),
        );
    }
}

/// The password from `--password`, or the first line of standard input.
fn read_password(args: PasswordArgs) -> anyhow::Result<String> {
    if let Some(password) = args.password {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("the password on standard input is empty");
    }
    Ok(password)
}

/// Prints the header that signs the request described by `args`, with a fresh nonce.
fn sign(args: SignArgs) -> anyhow::Result<()> {
    let Some(method) = SignatureMethod::parse(&args.signature_method) else {
        bail!("unsupported signature method {:?}", args.signature_method);
    };
    let form = args
        .form
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => Ok((name.to_owned(), value.to_owned())),
            None => bail!("--data takes NAME=VALUE, not {pair:?}"),
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let nonce = Nonce::generate(&SystemRandom::new());
    let mut signer = Signer::new(
        args.consumer_key,
        args.consumer_secret,
        method,
        nonce.as_str(),
        SystemClock.now(),
    );
    if let (Some(token), Some(secret)) = (args.token, args.token_secret) {
        signer = signer.token(token, secret);
    }
    let form = (!form.is_empty()).then_some(form.as_slice());
    let header = signer.authorization_header(&args.method.to_uppercase(), &args.url, form);
    println!("Authorization: {header}");
    Ok(())
}
