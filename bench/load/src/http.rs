//! A deliberately small HTTP/1.1 client over `std::net::TcpStream`: one keep-alive connection,
//! one request at a time, answers framed by `Content-Length` (which is how gatehouse sends its
//! JSON). Anything else is reported as an error rather than guessed at.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The most a response head and body may take; gatehouse's answers are a few hundred bytes.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// A status and a body.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status code.
    pub status: u16,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Answer {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// One keep-alive connection, opened on first use and again after an error or a
/// `Connection: close`.
pub struct Connection {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    filled: usize,
}

impl Connection {
    /// A connection to `addr`, not yet opened.
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            stream: None,
            buf: vec![0; 8192],
            filled: 0,
        }
    }

    /// Opens the TCP connection now if it is not open.
    pub fn connect(&mut self) -> io::Result<()> {
        if self.stream.is_none() {
            let stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2))?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(Duration::from_secs(10)))?;
            stream.set_write_timeout(Some(Duration::from_secs(10)))?;
            self.stream = Some(stream);
            self.filled = 0;
        }
        Ok(())
    }

    /// Sends `request` (a complete HTTP/1.1 message) and reads the answer. On any error the
    /// connection is dropped, so the next call opens a new one.
    pub fn exchange(&mut self, request: &[u8]) -> io::Result<Answer> {
        let result = self.try_exchange(request);
        if result.is_err() {
            self.stream = None;
            self.filled = 0;
        }
        result
    }

    fn try_exchange(&mut self, request: &[u8]) -> io::Result<Answer> {
        self.connect()?;
        let Some(stream) = self.stream.as_mut() else {
            return Err(io::Error::new(io::ErrorKind::NotConnected, "not connected"));
        };
        stream.write_all(request)?;

        // The head.
        let head_end = loop {
            if let Some(at) = find(&self.buf[..self.filled], b"\r\n\r\n") {
                break at + 4;
            }
            self.fill()?;
        };
        let head = parse_head(&self.buf[..head_end])?;

        // The body.
        let total = head_end + head.content_length;
        if total > MAX_RESPONSE_BYTES {
            return Err(invalid("response too large"));
        }
        while self.filled < total {
            self.fill()?;
        }
        let body = self.buf[head_end..total].to_vec();
        self.buf.copy_within(total..self.filled, 0);
        self.filled -= total;
        if head.close {
            self.stream = None;
            self.filled = 0;
        }
        Ok(Answer {
            status: head.status,
            body,
        })
    }

    /// Reads what the socket has into the buffer, growing it when full.
    fn fill(&mut self) -> io::Result<()> {
        if self.filled == self.buf.len() {
            if self.buf.len() >= MAX_RESPONSE_BYTES {
                return Err(invalid("response too large"));
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let Some(stream) = self.stream.as_mut() else {
            return Err(io::Error::new(io::ErrorKind::NotConnected, "not connected"));
        };
        let read = stream.read(&mut self.buf[self.filled..])?;
        if read == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        self.filled += read;
        Ok(())
    }
}

struct Head {
    status: u16,
    content_length: usize,
    close: bool,
}

fn parse_head(head: &[u8]) -> io::Result<Head> {
    let text = std::str::from_utf8(head).map_err(|_| invalid("response head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut words = status_line.split(' ');
    let version = words.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(invalid("not an HTTP/1.x response"));
    }
    let status = words
        .next()
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| invalid("no status code"))?;

    let mut content_length = None;
    let mut close = version == "HTTP/1.0";
    for line in lines.filter(|line| !line.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(invalid("malformed header line"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| invalid("bad Content-Length"))?,
            );
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(invalid("chunked answers are not supported"));
        }
    }
    let content_length = match (content_length, status) {
        (Some(length), _) => length,
        (None, 204 | 304) => 0,
        (None, _) => return Err(invalid("no Content-Length")),
    };
    Ok(Head {
        status,
        content_length,
        close,
    })
}

fn invalid(message: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// A `GET` request for `path` with an optional `Authorization` value.
pub fn get(host: &str, path: &str, authorization: Option<&str>) -> Vec<u8> {
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: gatehouse-load\r\n\
         Accept: application/json\r\n"
    );
    if let Some(value) = authorization {
        request.push_str("Authorization: ");
        request.push_str(value);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.into_bytes()
}

/// A `POST` request with a JSON body and an optional `Authorization` value.
pub fn post_json(host: &str, path: &str, authorization: Option<&str>, body: &str) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: gatehouse-load\r\n\
         Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(value) = authorization {
        request.push_str("Authorization: ");
        request.push_str(value);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.push_str(body);
    request.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_is_parsed() {
        let head = parse_head(b"HTTP/1.1 200 OK\r\ncontent-length: 15\r\nx: y\r\n\r\n").unwrap();
        assert_eq!(head.status, 200);
        assert_eq!(head.content_length, 15);
        assert!(!head.close);

        let head = parse_head(
            b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        assert_eq!(head.status, 401);
        assert!(head.close);
    }

    #[test]
    fn unframed_answers_are_refused() {
        assert!(parse_head(b"HTTP/1.1 200 OK\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n").is_err());
        assert!(parse_head(b"SSH-2.0\r\n\r\n").is_err());
        assert_eq!(
            parse_head(b"HTTP/1.1 204 No Content\r\n\r\n")
                .unwrap()
                .content_length,
            0
        );
    }

    #[test]
    fn requests_are_well_formed() {
        let request = get("127.0.0.1:1", "/health", None);
        assert!(request.starts_with(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1:1\r\n"));
        assert!(request.ends_with(b"\r\n\r\n"));
        let request = post_json("h", "/p", Some("Bearer t"), "{}");
        let text = String::from_utf8(request).unwrap();
        assert!(text.contains("Content-Length: 2\r\n"));
        assert!(text.contains("Authorization: Bearer t\r\n"));
        assert!(text.ends_with("\r\n\r\n{}"));
    }
}
