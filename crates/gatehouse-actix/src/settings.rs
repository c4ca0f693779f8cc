//! What the HTTP layer is configured with: the public base URL, request limits and the
//! credential POST to integration endpoints. The binary fills these from its configuration.

use std::time::Duration;

/// Where the scheme, host and port of OAuth base strings (and of `store_base_url`) come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicBaseUrl {
    /// A fixed URL such as `https://shop.example.com/`; the request path is appended to it.
    /// This is the safe choice behind a reverse proxy: a client cannot change it.
    Fixed(String),
    /// The scheme and `Host` header of each request. Only for deployments where every request
    /// reaches Gatehouse directly: a client chooses its own `Host`, so its signature is then
    /// checked against a URL it picked.
    FromRequest,
}

impl PublicBaseUrl {
    /// A fixed base URL; a missing final `/` is added.
    pub fn fixed(url: impl Into<String>) -> Self {
        let mut url = url.into();
        if !url.ends_with('/') {
            url.push('/');
        }
        Self::Fixed(url)
    }
}

/// The HTTP layer's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSettings {
    /// See [`PublicBaseUrl`] (`server.public_base_url`).
    pub public_base_url: PublicBaseUrl,
    /// Largest accepted request body, in bytes (`server.max_body_bytes`, default 256 KiB).
    pub max_body_bytes: usize,
    /// Most parameters accepted in a query string, and in a form body (default 256 each).
    pub max_parameters: usize,
    /// Largest accepted size of all request headers together, names and values, in bytes
    /// (default 16 KiB). actix itself refuses a request head over 128 KiB before any route.
    pub max_header_bytes: usize,
    /// Timeout of the credential POST to an integration endpoint (`oauth.post_timeout_secs`,
    /// default 5 s).
    pub post_timeout: Duration,
    /// Redirects that POST follows (`oauth.post_max_redirects`, default 0).
    pub post_max_redirects: u8,
    /// Threads of the blocking pool that runs service calls, across all workers. Set it to the
    /// database pool size (`database.pool_size`, default 8): more threads would only wait for
    /// a connection.
    pub blocking_threads: usize,
    /// How long a request may wait for its service call, blocking-pool queue included, before
    /// it is answered 503 (default 10 s). Set it a little above the database pool timeout: a
    /// database that stops answering without closing its connections would otherwise hold
    /// requests for as long as it stays silent. Activation adds the credential POST's timeout.
    pub service_deadline: Duration,
    /// How long a client may take to send its body once its headers have arrived, before it is
    /// answered 408 (default 10 s). actix bounds only the time to the end of the headers.
    pub body_timeout: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            public_base_url: PublicBaseUrl::fixed("http://127.0.0.1:8080/"),
            max_body_bytes: 256 * 1024,
            max_parameters: 256,
            max_header_bytes: 16 * 1024,
            post_timeout: Duration::from_secs(5),
            post_max_redirects: 0,
            blocking_threads: 8,
            service_deadline: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_base_url_ends_with_a_slash() {
        assert_eq!(
            PublicBaseUrl::fixed("https://shop.example.com"),
            PublicBaseUrl::Fixed("https://shop.example.com/".into())
        );
        assert_eq!(
            PublicBaseUrl::fixed("https://shop.example.com/gate/"),
            PublicBaseUrl::Fixed("https://shop.example.com/gate/".into())
        );
    }
}
