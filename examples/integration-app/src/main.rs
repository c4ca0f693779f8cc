//! Runs the example integration app.
//!
//! ```sh
//! cargo run -p example-integration-app -- 127.0.0.1:9000 http://127.0.0.1:8080/
//! ```
//!
//! The first argument is where the app listens, the others are the base URLs of the stores it
//! accepts credentials from. Then, in the store, create an integration whose endpoint is
//! `http://127.0.0.1:9000/gatehouse/credentials`, activate it, and watch
//! `http://127.0.0.1:9000/connections`.

// A command-line program talks to its user on standard output and standard error.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::env;
use std::net::TcpListener;
use std::process::ExitCode;

use example_integration_app::{start, AppSettings, CONNECTIONS_PATH, CREDENTIALS_PATH};

const USAGE: &str = "usage: example-integration-app BIND_ADDRESS TRUSTED_STORE_URL...";

#[actix_web::main]
async fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();

    let mut arguments = env::args().skip(1);
    let (Some(bind), trusted_stores) = (arguments.next(), arguments.collect::<Vec<_>>()) else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    if trusted_stores.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    }

    let listener = match TcpListener::bind(&bind) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("cannot listen on {bind}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let address = match listener.local_addr() {
        Ok(address) => address,
        Err(error) => {
            eprintln!("cannot read the listening address: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("set the integration's endpoint to http://{address}{CREDENTIALS_PATH}");
    println!("connections: http://{address}{CONNECTIONS_PATH}");

    let served = match start(listener, AppSettings { trusted_stores }) {
        Ok((server, _connections)) => server.await,
        Err(error) => Err(error),
    };
    if let Err(error) = served {
        eprintln!("the app stopped: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
