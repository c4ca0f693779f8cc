//! The credential POST of activation (behaviour.md §4 step 4), with the actix ecosystem's own
//! HTTP client, `awc`, over rustls.
//!
//! # Why a private runtime per POST
//!
//! The services are synchronous and run on actix's blocking pool; they call
//! [`CredentialPoster::post_credentials`] in the middle of an activation, between creating the
//! verifier and answering. `awc` is async and tied to a single-threaded runtime, so the blocking
//! thread starts a small actix system of its own, drives the one request on it and drops it.
//! That costs a fraction of a millisecond on a rare admin action and keeps the services free of
//! any async code. It must therefore never be called on an async worker thread itself (the
//! routes only call services inside `web::block`).

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::rt::System;
use rustls::{ClientConfig, RootCertStore};

use gatehouse_domain::error::BoxError;
use gatehouse_tokens::integration::CredentialPoster;

/// Posts credentials with `awc`, giving up after `timeout` and following at most
/// `max_redirects` redirects.
#[derive(Debug, Clone)]
pub struct AwcCredentialPoster {
    timeout: Duration,
    max_redirects: u8,
}

impl AwcCredentialPoster {
    /// A poster with this timeout (for connecting, sending and the response head together)
    /// and redirect limit.
    pub fn new(timeout: Duration, max_redirects: u8) -> Self {
        Self {
            timeout,
            max_redirects,
        }
    }

    async fn post(&self, endpoint: &str, form: &[(String, String)]) -> Result<(), BoxError> {
        let connector = awc::Connector::new()
            .timeout(self.timeout)
            .handshake_timeout(self.timeout)
            .rustls_0_23(tls_config()?);
        let client = awc::Client::builder()
            .connector(connector)
            .timeout(self.timeout)
            .max_redirects(self.max_redirects)
            .finish();

        let response = client
            .post(endpoint)
            .insert_header((header::ACCEPT, "*/*"))
            .send_form(&form)
            .await
            .map_err(|error| -> BoxError { error.to_string().into() })?;

        // Redirects within the limit were followed; one still answered means the limit was hit.
        // With a limit of 0 nothing is followed and a redirect is just an answer, as in the
        // reference.
        if self.max_redirects > 0
            && response.status().is_redirection()
            && response.headers().contains_key(header::LOCATION)
        {
            return Err(format!("more than {} redirects", self.max_redirects).into());
        }
        Ok(())
    }
}

impl CredentialPoster for AwcCredentialPoster {
    fn post_credentials(&self, endpoint: &str, form: &[(String, String)]) -> Result<(), BoxError> {
        let system = System::new();
        let outcome = system.block_on(self.post(endpoint, form));

        // The form carries the consumer secret and the verifier: only where it went is logged,
        // without any query or user info the URL may carry.
        let target = loggable_endpoint(endpoint);
        match &outcome {
            Ok(()) => log::info!("credentials posted to integration endpoint {target}"),
            Err(error) => log::warn!("credential post to {target} failed: {error}"),
        }
        outcome
    }
}

/// `scheme://host[:port]/path` of `endpoint`, or a placeholder when it is no URL.
fn loggable_endpoint(endpoint: &str) -> String {
    let Ok(uri) = endpoint.parse::<awc::http::Uri>() else {
        return "(unparsable url)".to_owned();
    };
    let scheme = uri.scheme_str().unwrap_or("?");
    let host = uri.host().unwrap_or("?");
    match uri.port_u16() {
        Some(port) => format!("{scheme}://{host}:{port}{}", uri.path()),
        None => format!("{scheme}://{host}{}", uri.path()),
    }
}

/// TLS with the webpki roots and ring, whatever other crates of the process enable in rustls.
fn tls_config() -> Result<Arc<ClientConfig>, BoxError> {
    let roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::thread;

    use super::*;

    /// A one-shot HTTP server answering `status_line` and returning what it received.
    fn serve_once(status_line: &'static str) -> (String, thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/endpoint", listener.local_addr().unwrap());
        let handle = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut received = Vec::new();
            let mut buffer = [0u8; 4096];
            loop {
                let read = stream.read(&mut buffer).unwrap();
                received.extend_from_slice(&buffer[..read]);
                let text = String::from_utf8_lossy(&received).to_string();
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let length = text
                        .lines()
                        .find_map(|line| {
                            line.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|value| value.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if received.len() >= head_end + 4 + length {
                        break;
                    }
                }
            }
            let answer =
                format!("{status_line}\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n");
            stream.write_all(answer.as_bytes()).unwrap();
            String::from_utf8(received).unwrap()
        });
        (url, handle)
    }

    fn form() -> Vec<(String, String)> {
        vec![
            ("oauth_consumer_key".to_owned(), "key".to_owned()),
            (
                "store_base_url".to_owned(),
                "http://shop.example/".to_owned(),
            ),
        ]
    }

    #[test]
    fn posts_the_form_and_ignores_the_answer() {
        let (url, server) = serve_once("HTTP/1.1 500 Internal Server Error");
        let poster = AwcCredentialPoster::new(Duration::from_secs(5), 0);

        poster.post_credentials(&url, &form()).unwrap();

        let received = server.join().unwrap();
        assert!(
            received.starts_with("POST /endpoint HTTP/1.1"),
            "{received}"
        );
        assert!(received.contains("application/x-www-form-urlencoded"));
        assert!(received
            .ends_with("oauth_consumer_key=key&store_base_url=http%3A%2F%2Fshop.example%2F"));
    }

    #[test]
    fn a_redirect_is_an_answer_when_none_are_followed() {
        let (url, server) = serve_once("HTTP/1.1 302 Found");
        let poster = AwcCredentialPoster::new(Duration::from_secs(5), 0);
        assert!(poster.post_credentials(&url, &form()).is_ok());
        server.join().unwrap();
    }

    #[test]
    fn logs_show_no_query_or_user_info() {
        assert_eq!(
            loggable_endpoint("https://user:pw@partner.example:8443/hook?key=abc"),
            "https://partner.example:8443/hook"
        );
        assert_eq!(
            loggable_endpoint("http://partner.example/"),
            "http://partner.example/"
        );
        assert_eq!(loggable_endpoint("not a url"), "(unparsable url)");
    }

    #[test]
    fn an_unreachable_endpoint_fails() {
        // Bind then drop: nothing listens on the port any more.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let poster = AwcCredentialPoster::new(Duration::from_secs(2), 0);
        let url = format!("http://127.0.0.1:{port}/endpoint");
        assert!(poster.post_credentials(&url, &form()).is_err());
    }

    #[test]
    fn a_silent_endpoint_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/endpoint", listener.local_addr().unwrap());
        let poster = AwcCredentialPoster::new(Duration::from_millis(300), 0);

        let started = std::time::Instant::now();
        let outcome = poster.post_credentials(&url, &form());

        assert!(outcome.is_err());
        assert!(started.elapsed() < Duration::from_secs(3));
        drop(listener);
    }
}
