//! `gatehouse serve` on a new, empty SQLite database with no configuration at all: it creates
//! the database and the crypt key, applies migrations, reports ready, and exposes pool usage
//! in its metrics.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use support::{Scratch, Server};

/// A plain HTTP/1.1 GET; returns the status code and the body.
fn get(base_url: &str, path: &str) -> (u16, String) {
    request(base_url, "GET", path)
}

/// A plain HTTP/1.1 request without a body; returns the status code and the body.
fn request(base_url: &str, method: &str, path: &str) -> (u16, String) {
    let address = base_url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(address).expect("the server accepts connections");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("the request is sent");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("the response is read");
    let status = response[9..12].parse().expect("a status line");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned());
    (status, body.expect("a head and a body"))
}

#[test]
fn first_start_on_an_empty_database_needs_no_configuration() {
    let scratch = Scratch::new("first-start");
    let server = Server::start(&["--database-url", &scratch.sqlite_url()], "info");

    assert!(
        scratch.path.join("gatehouse.db").exists(),
        "the database is created"
    );
    assert!(scratch.key_file().exists(), "the crypt key is generated");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(scratch.key_file())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only the owner may read the key file");
    }

    let log = server.log();
    assert!(log.contains("generated a new crypt key"), "{log}");
    assert!(log.contains("applied migration"), "{log}");
    assert!(
        log.contains("gatehouse admin create"),
        "the log says how to create an admin"
    );

    assert_eq!(get(&server.base_url, "/health").0, 200);
    assert_eq!(
        request(&server.base_url, "HEAD", "/health").0,
        200,
        "load balancers probe HEAD"
    );
    assert_eq!(get(&server.base_url, "/ready").0, 200);
    let (status, metrics) = get(&server.base_url, "/metrics");
    assert_eq!(status, 200);
    assert!(
        metrics.contains("gatehouse_db_pool_max_size 8"),
        "{metrics}"
    );
    assert!(metrics.contains("route=\"/ready\""), "{metrics}");
}

#[test]
fn a_second_start_keeps_the_key_and_applies_nothing() {
    let scratch = Scratch::new("second-start");
    let url = scratch.sqlite_url();
    drop(Server::start(&["--database-url", &url], "info"));
    let key = std::fs::read_to_string(scratch.key_file()).unwrap();

    let server = Server::start(&["--database-url", &url], "info");
    assert_eq!(std::fs::read_to_string(scratch.key_file()).unwrap(), key);
    let log = server.log();
    assert!(!log.contains("generated a new crypt key"), "{log}");
    assert!(!log.contains("applied migration"), "{log}");
}
