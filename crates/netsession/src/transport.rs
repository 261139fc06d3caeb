//! The bottom of the pipeline: network emulation, Chromium's connection limit per host, the
//! proxied clients, and Chromium's net errors for what goes wrong there.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use netsession_downloads::{RateLimit, Throttle};
use reqwest::ResponseBuilderExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::fetch::NetError;
use crate::host_cache::NameNotResolved;

/// Chromium's limit of connections to one host (`kMaxSocketsPerGroup` for HTTP/1.1): a
/// seventh concurrent request to a host waits until a response body has been read or
/// dropped. It is also what keeps 10,000 concurrent fetches within the file descriptors.
pub(crate) const MAX_CONNECTIONS_PER_HOST: usize = 6;
/// Hosts whose semaphores are kept; past this, idle ones are dropped.
const MAX_GROUPS: usize = 256;

/// The per-host connection slots of a session.
#[derive(Debug, Default)]
pub(crate) struct Slots {
    groups: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Slots {
    /// Waits for a slot to `url`'s host; the permit travels with the response body.
    pub(crate) async fn acquire(&self, url: &Url) -> Option<OwnedSemaphorePermit> {
        let key = crate::auth::origin_of(url);
        let semaphore = {
            let mut groups = self.groups.lock().unwrap_or_else(PoisonError::into_inner);
            if groups.len() >= MAX_GROUPS && !groups.contains_key(&key) {
                groups.retain(|_, s| s.available_permits() < MAX_CONNECTIONS_PER_HOST);
            }
            Arc::clone(
                groups
                    .entry(key)
                    .or_insert_with(|| Arc::new(Semaphore::new(MAX_CONNECTIONS_PER_HOST))),
            )
        };
        semaphore.acquire_owned().await.ok()
    }
}

/// Waits as `throttle` asks before `bytes` may pass (upload throughput).
pub(crate) async fn throttle(limit: &RateLimit, bytes: u64) {
    let wait = limit.reserve(bytes);
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
}

/// `response` with its body carrying the connection slot until it ends, and paced by the
/// download throughput when one is set.
pub(crate) fn meter(
    response: reqwest::Response,
    permit: Option<OwnedSemaphorePermit>,
    download: Option<Arc<RateLimit>>,
) -> reqwest::Response {
    let headers = response.headers();
    let expected = headers
        .get(reqwest::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let chunked = headers
        .get(reqwest::header::TRANSFER_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let url = response.url().clone();
    map_body(response, move |chunks| Metered {
        expected,
        chunked,
        received: 0,
        url,
        inner: chunks,
        permit,
        download,
        pending: None,
    })
}

/// `response` with its body's chunks passed through `wrap`, keeping its head, URL,
/// extensions (the proxy route, the peer's address) and length, without copying them.
fn map_body<S, E>(response: reqwest::Response, wrap: impl FnOnce(Chunks) -> S) -> reqwest::Response
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let url = response.url().clone();
    let length = response.content_length();
    let (mut parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    let chunks: Chunks = Box::pin(http_body_util::BodyDataStream::new(body));
    keep_url(&mut parts.extensions, url);
    reqwest::Response::from(http::Response::from_parts(
        parts,
        netsession_http_cache::sized_body(wrap(chunks), length),
    ))
}

/// Puts `url` where `reqwest::Response::from(http::Response)` reads it back (reqwest keeps
/// it outside the extensions, and only its response builder extension can write it).
fn keep_url(extensions: &mut http::Extensions, url: Url) {
    if let Ok(carrier) = http::Response::builder().url(url).body(()) {
        let (parts, ()) = carrier.into_parts();
        extensions.extend(parts.extensions);
    }
}

type Chunks = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

struct Metered {
    url: Url,
    expected: Option<u64>,
    chunked: bool,
    received: u64,
    inner: Chunks,
    permit: Option<OwnedSemaphorePermit>,
    download: Option<Arc<RateLimit>>,
    /// A chunk waiting for its turn, and the timer of that wait.
    pending: Option<(Bytes, Pin<Box<tokio::time::Sleep>>)>,
}

impl Stream for Metered {
    type Item = Result<Bytes, NetError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some((_, sleep)) = &mut self.pending {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            if let Some((chunk, _)) = self.pending.take() {
                return Poll::Ready(Some(Ok(chunk)));
            }
        }
        match self.inner.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                self.received = self.received.saturating_add(chunk.len() as u64);
                let wait = self
                    .download
                    .as_ref()
                    .map_or(Duration::ZERO, |limit| limit.reserve(chunk.len() as u64));
                if wait.is_zero() {
                    return Poll::Ready(Some(Ok(chunk)));
                }
                let mut sleep = Box::pin(tokio::time::sleep(wait));
                if sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Some(Ok(chunk)));
                }
                self.pending = Some((chunk, sleep));
                Poll::Pending
            }
            Poll::Ready(None) => {
                // The connection is free for the next request to the host.
                self.permit = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(error))) => {
                self.permit = None;
                let short = self
                    .expected
                    .is_some_and(|expected| self.received < expected);
                let code = body_net_error(&error, short, self.chunked);
                let url = self.url.clone();
                Poll::Ready(Some(Err(
                    NetError::new(code, &url).with_detail(ArcError(Arc::new(error)))
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Chromium's name for a body that failed mid-way.
fn body_net_error(error: &reqwest::Error, short: bool, chunked: bool) -> i32 {
    if error.is_timeout() {
        return -7; // ERR_TIMED_OUT
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut depth = 0;
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionReset {
                return -101; // ERR_CONNECTION_RESET
            }
        }
        depth += 1;
        if depth > 64 {
            break;
        }
        source = current.source();
    }
    if short {
        -354 // ERR_CONTENT_LENGTH_MISMATCH
    } else if chunked {
        -355 // ERR_INCOMPLETE_CHUNKED_ENCODING
    } else {
        -2 // ERR_FAILED
    }
}

/// Chromium's net error for a failure of the proxy layer or of reqwest.
pub(crate) fn classify(error: netsession_proxy::Error, url: &Url) -> NetError {
    use netsession_proxy::Error as E;
    match error {
        E::PacFetch { .. } | E::PacScript { .. } => NetError::new(-131, url).with_detail(error),
        E::NoProxyAvailable(_) => NetError::new(-336, url), // ERR_NO_SUPPORTED_PROXIES
        E::ProxyConnectionFailed { .. } => NetError::new(-130, url).with_detail(error),
        E::ProxyAuthRequired { ref proxy } => {
            let server = proxy.server().cloned().map(Box::new);
            let mut net_error = NetError::new(-127, url).with_detail(error);
            net_error.proxy_auth = server;
            net_error
        }
        E::Request(request_error) => {
            let code = request_net_error(&request_error);
            NetError::new(code, url).with_detail(ArcError(request_error))
        }
        other => NetError::new(-2, url).with_detail(other), // ERR_FAILED
    }
}

/// The net error of a reqwest failure: certificate errors as the verifier (or the app's
/// verify proc) named them, unresolvable names, refused connections, time-outs.
fn request_net_error(error: &reqwest::Error) -> i32 {
    if let Some(netsession_cert_verify::Error::Rejected { net_error, .. }) =
        netsession_cert_verify::Error::find(error)
    {
        return net_error.code();
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut depth = 0;
    while let Some(current) = source {
        if current.downcast_ref::<NameNotResolved>().is_some() {
            return -105; // ERR_NAME_NOT_RESOLVED
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    return -102; // ERR_CONNECTION_REFUSED
                }
                std::io::ErrorKind::ConnectionReset => return -101,
                std::io::ErrorKind::TimedOut => return -7,
                _ => {}
            }
        }
        depth += 1;
        if depth > 64 {
            break;
        }
        source = current.source();
    }
    if error.is_timeout() {
        -7 // ERR_TIMED_OUT
    } else if error.is_connect() {
        -104 // ERR_CONNECTION_FAILED
    } else {
        -2 // ERR_FAILED
    }
}

/// A shared reqwest error as a standard error.
#[derive(Debug)]
struct ArcError(Arc<reqwest::Error>);

impl fmt::Display for ArcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ArcError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.0.as_ref())
    }
}

/// A response made here (protocol handlers, blobs), with `url` as its URL.
pub(crate) fn response(
    url: &Url,
    status: reqwest::StatusCode,
    headers: reqwest::header::HeaderMap,
    body: reqwest::Body,
) -> reqwest::Response {
    let mut builder = http::Response::builder().status(status).url(url.clone());
    if let Some(map) = builder.headers_mut() {
        *map = headers;
    }
    match builder.body(body) {
        Ok(response) => reqwest::Response::from(response),
        // A valid status code and header map: building cannot fail.
        Err(_) => reqwest::Response::from(http::Response::new(reqwest::Body::from(""))),
    }
}

/// `response` with another status and headers (a webRequest listener's), keeping its URL,
/// body and extensions.
pub(crate) fn replace_head(
    response: reqwest::Response,
    status: reqwest::StatusCode,
    headers: reqwest::header::HeaderMap,
) -> reqwest::Response {
    let url = response.url().clone();
    let mut http: http::Response<reqwest::Body> = response.into();
    *http.status_mut() = status;
    *http.headers_mut() = headers;
    keep_url(http.extensions_mut(), url);
    reqwest::Response::from(http)
}

/// How a response body ended, for the hooks watching it.
pub(crate) enum BodyEnd<'a> {
    /// Read to its end.
    Completed,
    /// Failed while being read.
    Failed(&'a NetError),
    /// Dropped before its end (Chromium's `net::ERR_ABORTED`).
    Aborted,
}

type EndHook = Box<dyn FnOnce(BodyEnd<'_>) + Send>;

/// `response` whose body calls `on_end` once, when it is read to its end, fails, or is
/// dropped early. A body known to be empty ends at once.
pub(crate) fn watch_body(
    response: reqwest::Response,
    on_end: impl FnOnce(BodyEnd<'_>) + Send + 'static,
) -> reqwest::Response {
    let empty = response.content_length() == Some(0)
        || matches!(
            response.status(),
            reqwest::StatusCode::NO_CONTENT | reqwest::StatusCode::NOT_MODIFIED
        );
    if empty {
        on_end(BodyEnd::Completed);
        return response;
    }
    let url = response.url().clone();
    map_body(response, move |chunks| Watched {
        url,
        inner: chunks,
        on_end: Some(Box::new(on_end)),
    })
}

struct Watched {
    url: Url,
    inner: Chunks,
    on_end: Option<EndHook>,
}

impl Stream for Watched {
    type Item = reqwest::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = self.inner.poll_next_unpin(cx);
        match &next {
            Poll::Ready(None) => {
                if let Some(hook) = self.on_end.take() {
                    hook(BodyEnd::Completed);
                }
            }
            Poll::Ready(Some(Err(error))) => {
                if let Some(hook) = self.on_end.take() {
                    let found = NetError::find(error).cloned();
                    let net_error = found.unwrap_or_else(|| NetError::new(-2, &self.url));
                    hook(BodyEnd::Failed(&net_error));
                }
            }
            _ => {}
        }
        next
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if let Some(hook) = self.on_end.take() {
            hook(BodyEnd::Aborted);
        }
    }
}
