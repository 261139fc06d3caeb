//! What every server here shares: the accept loop, the HTTP/1.1 request parser and the
//! response writer. The connection code is generic over the byte stream, so the plain and
//! TLS origins and the proxy all speak through the same functions.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::{Recorded, Reply};

/// The function that answers each request.
pub(crate) type Handler = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

/// A log shared between a server handle and its connection tasks.
pub(crate) type Log<T> = Arc<Mutex<Vec<T>>>;

/// Binds `127.0.0.1` on a port the OS chooses.
pub(crate) async fn bind_loopback() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").await.unwrap()
}

/// Accepts connections on `listener` and runs `serve(connection)` for each in its own task.
///
/// The connection tasks belong to the returned task: aborting it (the servers do when
/// dropped) also ends every connection still open, relays included.
pub(crate) fn accept_loop<F, Fut>(listener: TcpListener, serve: F) -> JoinHandle<()>
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            // Reap the finished connections so that a long test does not accumulate them.
            while connections.try_join_next().is_some() {}
            connections.spawn(serve(stream));
        }
    })
}

/// Serves one request on `stream` with `handler` and closes it; returns the request, or
/// `None` if the client sent no complete request or went away before the answer.
pub(crate) async fn serve_one<S>(stream: S, handler: &Handler) -> Option<Recorded>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut reader = BufReader::new(stream);
    let request = read_request(&mut reader).await?;
    let reply = handler(&request);
    let mut stream = reader.into_inner();
    write_reply(&mut stream, &reply).await?;
    stream.shutdown().await.ok()?;
    Some(request)
}

/// Reads one request: request line, headers (names lower-cased) and a body of
/// `Content-Length` bytes (chunked request bodies are not supported). `None` on EOF or on a
/// malformed head.
pub(crate) async fn read_request<R>(reader: &mut R) -> Option<Recorded>
where
    R: AsyncBufRead + Unpin,
{
    let mut line = String::new();
    reader.read_line(&mut line).await.ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0usize);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}

/// Writes `reply` with `Content-Length` and `Connection: close` added.
pub(crate) async fn write_reply<W>(stream: &mut W, reply: &Reply) -> Option<()>
where
    W: AsyncWrite + Unpin,
{
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body.len()
    ));
    stream.write_all(head.as_bytes()).await.ok()?;
    stream.write_all(&reply.body).await.ok()?;
    stream.flush().await.ok()
}

/// The reason phrase of the codes these servers send themselves; clients ignore it.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        407 => "Proxy Authentication Required",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        _ => "X",
    }
}
