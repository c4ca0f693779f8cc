//! `gatehouse`: the command line and the server.
//!
//! Every command loads the configuration (defaults, `--config` file, `GATEHOUSE_*`
//! environment, flags), builds what it needs and exits 0 on success, or prints one line on
//! standard error and exits 1.

// The binary is where output to the terminal belongs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod commands;
mod serve;
mod settings;
mod wiring;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::settings::{Overrides, Settings};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();

    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line: the error and its causes, outermost first.
            let causes: Vec<String> = error.chain().map(ToString::to_string).collect();
            eprintln!("gatehouse: {}", causes.join(": "));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let bind = match &cli.command {
        cli::Command::Serve { bind } => bind.clone(),
        _ => None,
    };
    let overrides = Overrides {
        database_url: cli.database_url.clone(),
        bind,
    };
    let settings = Settings::load(cli.config.as_deref(), &overrides)?;
    commands::dispatch(cli.command, &settings)
}

/// Logs to standard error, at `info` unless `RUST_LOG` says otherwise.
fn init_logging() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format_target(false)
        .init();
}
