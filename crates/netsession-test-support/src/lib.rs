//! Test helpers shared by the netsession crates (unpublished): a loopback HTTP/1.1 server
//! that records what it receives and answers with canned responses, usable as an origin or
//! as a forward proxy (it sees absolute-form request targets), the same over TLS with a
//! test CA ([`TlsServer`]), a working HTTP forward proxy with `CONNECT` tunnels and optional
//! Basic authentication ([`ConnectProxy`]), a SOCKS5 proxy ([`Socks5Server`]), a port
//! nobody listens on, the runner of conformance tables ([`table::check`]), and [`TempDir`].
//!
//! Every server binds `127.0.0.1` on a port the OS chooses, so tests are hermetic and run in
//! parallel. Every server stops when dropped, closing the connections it still has open.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test support: a panic is how a test fails"
)]

mod proxy;
mod serve;
mod socks;
pub mod table;
mod temp;
mod tls;

pub use proxy::ConnectProxy;
pub use socks::Socks5Server;
pub use temp::TempDir;
pub use tls::TlsServer;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use url::Url;

use serve::{Handler, Log};

/// A request as the server received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The method (`GET`).
    pub method: String,
    /// The request target as sent: `/path` from clients, `http://host/path` through a proxy.
    pub target: String,
    /// Header names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body (by `Content-Length`).
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A canned response.
#[derive(Clone, Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers besides `Content-Length` and `Connection`, which are added.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Reply {
    /// `200 OK` with `body`.
    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Self::status(200).body(body)
    }

    /// An empty response with `status`.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A loopback HTTP/1.1 server; stops when dropped.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    recorded: Log<Recorded>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Starts a server answering every request with `handler(request)`. Each connection
    /// serves one request and closes (`Connection: close`).
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let listener = serve::bind_loopback().await;
        let addr = listener.local_addr().unwrap();
        let recorded: Log<Recorded> = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let log = Arc::clone(&recorded);
        let task = serve::accept_loop(listener, move |stream| {
            let (handler, log) = (Arc::clone(&handler), Arc::clone(&log));
            async move {
                if let Some(request) = serve::serve_one(stream, &handler).await {
                    log.lock().unwrap().push(request);
                }
            }
        });
        Self {
            addr,
            recorded,
            task,
        }
    }

    /// A server that answers `200 OK` with `body` to everything.
    pub async fn serving(body: &str) -> Self {
        let body = body.to_owned();
        Self::start(move |_| Reply::ok(body.clone())).await
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{path}", self.addr)).unwrap()
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.lock().unwrap().clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback port on which nothing listens: connecting is refused at once.
pub fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
