//! The command line, as documented in `interface.md`: one binary, a command per task, and the
//! global options on every level.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Gatehouse: the web-API access layer — OAuth 1.0a integrations, admin and customer bearer
/// tokens, ACL checks and login throttling.
#[derive(Debug, Parser)]
#[command(name = "gatehouse", version, propagate_version = true)]
pub struct Cli {
    /// Configuration file (TOML).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Database URL: sqlite://PATH, postgres://… or mysql://…
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run migrations, sync config-file integrations, start the HTTP server and housekeeping.
    Serve {
        /// Listen address, HOST:PORT (port 0 picks a free port).
        #[arg(long, value_name = "HOST:PORT")]
        bind: Option<String>,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage admin users.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage customers.
    #[command(subcommand)]
    Customer(CustomerCommand),
    /// Inspect integrations.
    #[command(subcommand)]
    Integration(IntegrationCommand),
    /// Run every housekeeping job once and print what each removed.
    Cleanup,
    /// Print the `Authorization: OAuth …` header that signs a request, for curl and scripts.
    Sign(SignArgs),
}

/// `gatehouse sign …`: the client side of OAuth 1.0a, for trying the API by hand.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The full URL of the request, query string included.
    pub url: String,
    /// HTTP method.
    #[arg(long, short = 'X', default_value = "GET")]
    pub method: String,
    /// The integration's consumer key.
    #[arg(long)]
    pub consumer_key: String,
    /// The integration's consumer secret.
    #[arg(long)]
    pub consumer_secret: String,
    /// The access (or request) token.
    #[arg(long, requires = "token_secret")]
    pub token: Option<String>,
    /// The token's secret.
    #[arg(long, requires = "token")]
    pub token_secret: Option<String>,
    /// A form body parameter NAME=VALUE (signed as part of the request); repeat as needed.
    #[arg(long = "data", value_name = "NAME=VALUE")]
    pub form: Vec<String>,
    /// HMAC-SHA256 or HMAC-SHA1.
    #[arg(long, default_value = "HMAC-SHA256")]
    pub signature_method: String,
}

/// `gatehouse admin …`
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an active admin user.
    Create {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Contact email.
        #[arg(long)]
        email: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Deactivate an admin user and revoke their tokens.
    Deactivate {
        /// Login name.
        #[arg(long)]
        username: String,
    },
}

/// `gatehouse customer …`
#[derive(Debug, Subcommand)]
pub enum CustomerCommand {
    /// Create an active customer.
    Create {
        /// Email, the login name.
        #[arg(long)]
        email: String,
        #[command(flatten)]
        password: PasswordArgs,
        /// First name.
        #[arg(long, default_value = "")]
        firstname: String,
        /// Last name.
        #[arg(long, default_value = "")]
        lastname: String,
    },
    /// Deactivate a customer and revoke their tokens.
    Deactivate {
        /// Email.
        #[arg(long)]
        email: String,
    },
}

/// `gatehouse integration …`
#[derive(Debug, Subcommand)]
pub enum IntegrationCommand {
    /// List integrations.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one integration.
    Show {
        /// The integration's name.
        name: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// A password from the command line or from standard input.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct PasswordArgs {
    /// The password (visible to other local users through the process list: prefer
    /// --password-stdin).
    #[arg(long)]
    pub password: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_work_after_the_command() {
        let cli = Cli::try_parse_from([
            "gatehouse",
            "admin",
            "create",
            "--username",
            "ada",
            "--email",
            "ada@example.com",
            "--password-stdin",
            "--database-url",
            "sqlite://x.db",
        ])
        .unwrap();
        assert_eq!(cli.database_url.as_deref(), Some("sqlite://x.db"));
        match cli.command {
            Command::Admin(AdminCommand::Create {
                username, password, ..
            }) => {
                assert_eq!(username, "ada");
                assert!(password.password_stdin);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_password_is_required_once() {
        let missing = Cli::try_parse_from([
            "gatehouse",
            "customer",
            "create",
            "--email",
            "c@example.com",
        ]);
        assert!(missing.is_err());
        let both = Cli::try_parse_from([
            "gatehouse",
            "customer",
            "create",
            "--email",
            "c@example.com",
            "--password",
            "x",
            "--password-stdin",
        ]);
        assert!(both.is_err());
    }
}
