//! A TCP proxy between Gatehouse and its database server, which a test can cut, stall and
//! restore: the database "goes away" for one Gatehouse process while the machine's shared
//! server, used by other tests in parallel, keeps running.
//!
//! A cut is a server that is down: connections close, new ones are refused. A stall is a
//! network partition: nothing is closed, but no byte gets through, in either direction, until
//! the proxy is restored.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A running proxy on a free port of 127.0.0.1.
pub struct Proxy {
    /// Where clients connect instead of the database server.
    pub port: u16,
    shared: Arc<Shared>,
}

struct Shared {
    /// Whether new connections are forwarded; when not, they are closed at once.
    open: AtomicBool,
    /// Whether bytes are held back (both directions, and new connections' first bytes).
    stalled: AtomicBool,
    /// Set when the proxy is dropped.
    stopped: AtomicBool,
    /// Both ends of every forwarded connection, to be shut down on a cut.
    live: Mutex<Vec<TcpStream>>,
}

impl Proxy {
    /// Starts forwarding to `upstream`.
    pub fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            open: AtomicBool::new(true),
            stalled: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            live: Mutex::new(Vec::new()),
        });

        let accepting = Arc::clone(&shared);
        thread::spawn(move || {
            for client in listener.incoming() {
                if accepting.stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if !accepting.open.load(Ordering::SeqCst) {
                    // Refused: the client sees its connection closed before any handshake.
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let shared = Arc::clone(&accepting);
                thread::spawn(move || {
                    if let Err(error) = forward(client, upstream, &shared) {
                        eprintln!("proxy: cannot forward a connection: {error}");
                    }
                });
            }
        });
        Self { port, shared }
    }

    /// The database becomes unreachable: every open connection is closed, new ones are closed
    /// as soon as they are accepted.
    pub fn cut(&self) {
        self.shared.open.store(false, Ordering::SeqCst);
        for stream in self.shared.live.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// The network between Gatehouse and the database goes silent: connections stay open and
    /// new ones are accepted, but nothing gets through until [`Proxy::restore`].
    pub fn stall(&self) {
        self.shared.stalled.store(true, Ordering::SeqCst);
    }

    /// The database is reachable again; held-back bytes flow.
    pub fn restore(&self) {
        self.shared.open.store(true, Ordering::SeqCst);
        self.shared.stalled.store(false, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.cut();
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Connects to `upstream` (once any stall is over) and pumps bytes both ways on two threads.
fn forward(client: TcpStream, upstream: SocketAddr, shared: &Arc<Shared>) -> io::Result<()> {
    wait_while_stalled(shared);
    let server = TcpStream::connect_timeout(&upstream, Duration::from_secs(5))?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    {
        let mut live = shared.live.lock().unwrap();
        live.push(client.try_clone()?);
        live.push(server.try_clone()?);
    }

    let (client_reader, server_writer) = (client.try_clone()?, server.try_clone()?);
    let (upward, downward) = (Arc::clone(shared), Arc::clone(shared));
    thread::spawn(move || pump(client_reader, server_writer, &upward));
    thread::spawn(move || pump(server, client, &downward));
    Ok(())
}

/// Returns once the proxy is not stalled (or is dropped).
fn wait_while_stalled(shared: &Shared) {
    while shared.stalled.load(Ordering::SeqCst) && !shared.stopped.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_millis(10));
    }
}

/// Copies until either side closes or fails, then closes both; holds bytes back while stalled.
fn pump(mut from: TcpStream, mut to: TcpStream, shared: &Shared) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let count = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(count) => count,
        };
        wait_while_stalled(shared);
        if to.write_all(&buffer[..count]).is_err() {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
