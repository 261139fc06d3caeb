//! [`ConnectProxy`]: a working HTTP forward proxy, `CONNECT` tunnels included.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use url::Url;

use crate::Reply;
use crate::serve;

/// What the proxy saw, shared with its connection tasks.
#[derive(Debug, Default)]
struct Seen {
    targets: Vec<String>,
    authorizations: Vec<String>,
}

/// A loopback HTTP forward proxy; stops when dropped.
///
/// It serves one request per client connection:
///
/// - `CONNECT host:port` opens a TCP connection to `host:port`, answers
///   `HTTP/1.1 200 Connection established` and relays bytes both ways until either side
///   closes (`502` if the target cannot be reached);
/// - an absolute-form request (`GET http://host:port/path HTTP/1.1`) is forwarded to the
///   origin over a fresh connection in origin form (`GET /path`), without the hop-by-hop
///   `Proxy-Authorization`, `Proxy-Connection`, `Connection` and `Keep-Alive` headers and
///   with `Connection: close`; the origin's response is copied back until it closes, then
///   the client connection is closed too. Request bodies must have a `Content-Length`
///   (chunked ones are not supported); only `http` URLs are forwarded (`400` otherwise).
///
/// With [`requiring_basic`](Self::requiring_basic), a request without the right
/// `Proxy-Authorization: Basic ...` is answered `407` with
/// `Proxy-Authenticate: Basic realm="proxy"` and the connection closed.
#[derive(Debug)]
pub struct ConnectProxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
    task: tokio::task::JoinHandle<()>,
}

impl ConnectProxy {
    /// Starts a proxy that lets every request through.
    pub async fn start() -> Self {
        Self::launch(None).await
    }

    /// Starts a proxy that lets through only requests carrying
    /// `Proxy-Authorization: Basic base64(user:pass)` and answers the others `407`.
    pub async fn requiring_basic(user: &str, pass: &str) -> Self {
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        Self::launch(Some(credentials)).await
    }

    async fn launch(credentials: Option<String>) -> Self {
        let listener = serve::bind_loopback().await;
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let credentials: Option<Arc<str>> = credentials.map(Arc::from);
        let shared = Arc::clone(&seen);
        let task = serve::accept_loop(listener, move |stream| {
            let (seen, credentials) = (Arc::clone(&shared), credentials.clone());
            async move {
                let _ = proxy_connection(stream, credentials.as_deref(), &seen).await;
            }
        });
        Self { addr, seen, task }
    }

    /// The address the proxy listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the proxy URL to give clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The targets of the requests received so far, in arrival order: the authority of a
    /// `CONNECT` (`host:port`) or the absolute URL of a forwarded request, as sent. Requests
    /// refused with `407` are included.
    pub fn targets(&self) -> Vec<String> {
        self.seen.lock().unwrap().targets.clone()
    }

    /// Every `Proxy-Authorization` header value received so far, in arrival order (requests
    /// without one add nothing).
    pub fn proxy_authorizations(&self) -> Vec<String> {
        self.seen.lock().unwrap().authorizations.clone()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Whether `value` is `Basic <credentials>` (the scheme is case-insensitive).
fn is_basic(value: Option<&str>, credentials: &str) -> bool {
    value
        .and_then(|value| value.trim().split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("basic") && token.trim() == credentials
        })
}

async fn proxy_connection(
    stream: TcpStream,
    credentials: Option<&str>,
    seen: &Mutex<Seen>,
) -> Option<()> {
    let mut client = BufReader::new(stream);
    let request = serve::read_request(&mut client).await?;
    let authorization = request.header("proxy-authorization").map(str::to_owned);
    {
        let mut seen = seen.lock().unwrap();
        seen.targets.push(request.target.clone());
        seen.authorizations.extend(authorization.clone());
    }
    if credentials.is_some_and(|credentials| !is_basic(authorization.as_deref(), credentials)) {
        let reply = Reply::status(407).header("Proxy-Authenticate", "Basic realm=\"proxy\"");
        return refuse(client, &reply).await;
    }

    if request.method.eq_ignore_ascii_case("CONNECT") {
        let Ok(mut upstream) = TcpStream::connect(request.target.as_str()).await else {
            return refuse(client, &Reply::status(502)).await;
        };
        client
            .get_mut()
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await
            .ok()?;
        // `client` still holds what the client sent after the CONNECT head (a TLS
        // ClientHello, say): the BufReader hands it over first.
        tokio::io::copy_bidirectional(&mut client, &mut upstream)
            .await
            .ok()?;
        return Some(());
    }

    let Some((authority, head)) = origin_form(&request) else {
        return refuse(client, &Reply::status(400)).await;
    };
    let Ok(mut upstream) = TcpStream::connect(authority.as_str()).await else {
        return refuse(client, &Reply::status(502)).await;
    };
    upstream.write_all(head.as_bytes()).await.ok()?;
    upstream.write_all(&request.body).await.ok()?;
    let mut client = client.into_inner();
    tokio::io::copy(&mut upstream, &mut client).await.ok()?;
    client.shutdown().await.ok()
}

/// The `host:port` to connect to and the request head to send there, for an absolute-form
/// `http` request; `None` for anything else.
fn origin_form(request: &crate::Recorded) -> Option<(String, String)> {
    let url = Url::parse(&request.target).ok()?;
    if url.scheme() != "http" {
        return None;
    }
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    let authority = format!("{host}:{port}");
    let mut path = url.path().to_owned();
    if let Some(query) = url.query() {
        path.push('?');
        path.push_str(query);
    }
    let mut head = format!("{} {path} HTTP/1.1\r\n", request.method);
    if request.header("host").is_none() {
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        head.push_str(&format!("host: {host}\r\n"));
    }
    const HOP_BY_HOP: [&str; 4] = [
        "proxy-authorization",
        "proxy-connection",
        "connection",
        "keep-alive",
    ];
    for (name, value) in &request.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("connection: close\r\n\r\n");
    Some((authority, head))
}

/// Answers `reply` (with `Connection: close`) and closes the connection.
async fn refuse(client: BufReader<TcpStream>, reply: &Reply) -> Option<()> {
    let mut client = client.into_inner();
    serve::write_reply(&mut client, reply).await?;
    client.shutdown().await.ok()
}
