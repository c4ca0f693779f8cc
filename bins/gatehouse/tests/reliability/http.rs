//! A small HTTP/1.1 client over `std::net::TcpStream`: one request per connection, written
//! byte for byte as the test says, so that malformed requests reach the server exactly as a
//! hostile client would send them.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;

/// How long a well-behaved exchange may take before the client gives up.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A request to build and send.
#[derive(Debug, Clone)]
pub struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Request {
    /// A request for `target` (a path with an optional query, starting with `/`).
    pub fn new(method: &str, target: &str) -> Self {
        Self {
            method: method.to_owned(),
            target: target.to_owned(),
            headers: vec![],
            body: None,
        }
    }

    /// A `GET` of `target`.
    pub fn get(target: &str) -> Self {
        Self::new("GET", target)
    }

    /// A `POST` to `target`.
    pub fn post(target: &str) -> Self {
        Self::new("POST", target)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", &format!("Bearer {token}"))
    }

    /// A JSON body.
    pub fn json(self, value: &Value) -> Self {
        self.body("application/json", value.to_string().into_bytes())
    }

    /// A body of `content_type`.
    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.headers
            .push(("Content-Type".to_owned(), content_type.to_owned()));
        self.body = Some(body);
        self
    }

    /// The request as written on the wire, with `Host`, `Connection: close` and, for a body,
    /// `Content-Length`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\n",
            self.method, self.target
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let body = self.body.as_deref().unwrap_or_default();
        if self.body.is_some() || self.method == "POST" || self.method == "PUT" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("Connection: close\r\n\r\n");

        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        bytes
    }

    /// Sends the request to the server at `base_url` and reads the answer; panics when the
    /// exchange fails at the transport level.
    pub fn send(&self, base_url: &str) -> Response {
        self.try_send(base_url, DEFAULT_TIMEOUT)
            .unwrap_or_else(|error| {
                panic!("{} {} failed: {error}", self.method, self.target);
            })
    }

    /// Sends the request, waiting at most `timeout` for each read.
    pub fn try_send(&self, base_url: &str, timeout: Duration) -> io::Result<Response> {
        exchange(address(base_url), &self.to_bytes(), timeout)
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The media type of the body, without parameters, in lower case; empty when absent.
    pub fn media_type(&self) -> String {
        let value = self.header("content-type").unwrap_or_default();
        value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics, with the body, when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {} {}", self.status, self.text()))
    }

    /// The body as a form (`oauth_token=…&oauth_token_secret=…`, `oauth_problem=…`).
    pub fn form(&self) -> HashMap<String, String> {
        form_decode(&self.text())
    }

    /// `message` of a JSON error body, or `oauth_problem` of a form one.
    pub fn problem(&self) -> String {
        if self.media_type() == "application/json" {
            return self.json()["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
        self.form().remove("oauth_problem").unwrap_or_default()
    }
}

/// The socket address of a base URL such as `http://127.0.0.1:8080/`.
pub fn address(base_url: &str) -> SocketAddr {
    let rest = base_url.strip_prefix("http://").unwrap_or(base_url);
    let authority = rest.split('/').next().unwrap_or_default();
    authority
        .parse()
        .unwrap_or_else(|_| panic!("not an http://IP:PORT/ url: {base_url}"))
}

/// Writes `raw` to a new connection to `address` and reads the answer until the server closes
/// the connection.
///
/// A server may answer and close before the whole request is written (a body over the limit);
/// the write then fails and the answer is still read. An error is returned only when no
/// complete answer arrived.
pub fn exchange(address: SocketAddr, raw: &[u8], timeout: Duration) -> io::Result<Response> {
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;

    let written = stream.write_all(raw);
    let mut received = Vec::new();
    let read = read_to_close(&mut stream, &mut received);

    match parse_response(&received) {
        Some(response) => Ok(response),
        None => {
            let cause = read.err().or(written.err());
            Err(cause.unwrap_or_else(|| {
                io::Error::new(
                    ErrorKind::InvalidData,
                    format!(
                        "incomplete answer: {:?}",
                        String::from_utf8_lossy(&received)
                    ),
                )
            }))
        }
    }
}

/// Reads until the peer closes, keeping what arrived before an error (a reset after the answer
/// is common when the server refuses a request it did not read in full).
pub fn read_to_close(stream: &mut TcpStream, received: &mut Vec<u8>) -> io::Result<()> {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(count) => received.extend_from_slice(&buffer[..count]),
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        }
    }
}

/// Parses a complete answer; `None` when the head or the body is incomplete.
pub fn parse_response(received: &[u8]) -> Option<Response> {
    let head_end = received
        .windows(4)
        .position(|window| window == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&received[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let rest = &received[head_end + 4..];

    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, v)| v.clone())
    };
    let chunked = header("transfer-encoding").is_some_and(|value| value.contains("chunked"));
    let body = if chunked {
        dechunk(rest)?
    } else if let Some(length) = header("content-length") {
        let length: usize = length.parse().ok()?;
        rest.get(..length)?.to_vec()
    } else {
        rest.to_vec()
    };
    Some(Response {
        status,
        headers,
        body,
    })
}

/// Decodes a chunked body; `None` when it is incomplete.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|window| window == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

/// Decodes `a=1&b=two+words` into a map (the last value of a repeated name wins).
pub fn form_decode(text: &str) -> HashMap<String, String> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

/// Decodes `+` and `%XX`; a malformed escape is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let escaped = (byte == b'%')
            .then(|| text.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (byte, escaped) {
            (_, Some(value)) => {
                decoded.push(value);
                index += 3;
            }
            (b'+', None) => {
                decoded.push(b' ');
                index += 1;
            }
            (other, None) => {
                decoded.push(other);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}
