//! A real HTTP endpoint standing in for an integration, and a tiny HTTP/1.1 client that posts
//! credentials to it, so activation is tested over TCP as it runs in production.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gatehouse_domain::error::BoxError;
use gatehouse_tokens::integration::CredentialPoster;

/// One request the stand-in received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedPost {
    /// The request method.
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    /// Header names (lower-cased) and values.
    pub headers: Vec<(String, String)>,
    /// The decoded form body.
    pub form: Vec<(String, String)>,
}

impl ReceivedPost {
    /// The first value of a form field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// How the stand-in answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Reads the request, records it, answers `200 OK`.
    Answer,
    /// Reads the request, records it, and never answers (until it is dropped).
    Hang,
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<ReceivedPost>>,
    arrived: Condvar,
}

/// An HTTP server on `127.0.0.1:0` in a thread of its own, recording every request.
pub struct EndpointStandIn {
    address: SocketAddr,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EndpointStandIn {
    /// Starts a server that answers `200 OK`.
    pub fn start() -> Self {
        Self::start_with(Behaviour::Answer)
    }

    /// Starts a server that behaves as told.
    pub fn start_with(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let address = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));

        let thread = {
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || serve(listener, behaviour, &shared, &stop))
        };

        Self {
            address,
            shared,
            stop,
            thread: Some(thread),
        }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<ReceivedPost> {
        self.shared
            .received
            .lock()
            .expect("lock the received requests")
            .clone()
    }

    /// Waits up to `timeout` for at least `count` requests; returns what arrived.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedPost> {
        let deadline = Instant::now() + timeout;
        let mut received = self.shared.received.lock().expect("lock");
        while received.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            received = self
                .shared
                .arrived
                .wait_timeout(received, left)
                .expect("wait")
                .0;
        }
        received.clone()
    }
}

impl Drop for EndpointStandIn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept call so the thread sees the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(listener: TcpListener, behaviour: Behaviour, shared: &Shared, stop: &AtomicBool) {
    let mut hanging: Vec<TcpStream> = Vec::new();
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = stream else {
            continue;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));

        let Some(request) = read_request(&mut stream) else {
            continue;
        };
        shared.received.lock().expect("lock").push(request);
        shared.arrived.notify_all();

        match behaviour {
            Behaviour::Answer => {
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\
                      Connection: close\r\n\r\nok",
                );
                let _ = stream.shutdown(Shutdown::Both);
            }
            // Kept open, unanswered, until the server stops.
            Behaviour::Hang => hanging.push(stream),
        }
    }
}

/// Reads one HTTP/1.1 request with a `Content-Length` body.
fn read_request(stream: &mut TcpStream) -> Option<ReceivedPost> {
    let mut reader = BufReader::new(stream);

    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let mut words = request_line.split_whitespace();
    let method = words.next()?.to_owned();
    let target = words.next()?.to_owned();

    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }

    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;

    Some(ReceivedPost {
        method,
        target,
        headers,
        form: parse_form(&String::from_utf8_lossy(&body)),
    })
}

/// Decodes an `application/x-www-form-urlencoded` body.
pub fn parse_form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(name), form_decode(value))
        })
        .collect()
}

fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' if index + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        index += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes one value for an `application/x-www-form-urlencoded` body.
pub fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(byte))
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// A [`CredentialPoster`] that really POSTs over TCP: a hand-written HTTP/1.1 client for
/// `http://` URLs, with one timeout for connecting, writing and reading the answer.
#[derive(Debug, Clone)]
pub struct TcpPoster {
    /// Limit of each network step.
    pub timeout: Duration,
}

impl TcpPoster {
    /// A poster giving up after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self { timeout }
    }
}

impl CredentialPoster for TcpPoster {
    fn post_credentials(&self, endpoint: &str, form: &[(String, String)]) -> Result<(), BoxError> {
        let rest = endpoint
            .strip_prefix("http://")
            .ok_or("only http:// endpoints are supported by the test poster")?;
        let (authority, path) = match rest.find('/') {
            Some(slash) => (&rest[..slash], &rest[slash..]),
            None => (rest, "/"),
        };
        let address = authority
            .to_socket_addrs()?
            .next()
            .ok_or("the endpoint host has no address")?;

        let body = form
            .iter()
            .map(|(name, value)| format!("{}={}", form_encode(name), form_encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {authority}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );

        let mut stream = TcpStream::connect_timeout(&address, self.timeout)?;
        stream.set_read_timeout(Some(self.timeout))?;
        stream.set_write_timeout(Some(self.timeout))?;
        stream.write_all(request.as_bytes())?;

        // The answer is read to be sure it came, then ignored, as the reference does.
        let mut status_line = String::new();
        BufReader::new(&mut stream).read_line(&mut status_line)?;
        if !status_line.starts_with("HTTP/1.") {
            return Err(format!("not an HTTP answer: {status_line:?}").into());
        }
        Ok(())
    }
}

/// A poster that fails without touching the network, for the failure message.
#[derive(Debug, Clone, Copy)]
pub struct FailingPoster;

impl CredentialPoster for FailingPoster {
    fn post_credentials(&self, _: &str, _: &[(String, String)]) -> Result<(), BoxError> {
        Err("connection refused".into())
    }
}
