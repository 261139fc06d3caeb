//! [`CachedClient`]: a `reqwest::Client` with the cache in front, usable on its own or in
//! the facade's request pipeline.
//!
//! Hits stream from the store (a memory entry is one shared buffer; a disk entry is read on
//! the blocking pool in one read with its header when the body is up to about 1 MiB, and in
//! 1 MiB chunks after that), so a hit never decodes a body or holds more than a chunk of it.
//! Responses being stored stream to the caller while they are written (a "tee"); the entry
//! becomes visible once the caller has read the body to its end and the writer has committed,
//! so a second request issued after reading the first body finds it.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use bytes::Bytes;
use futures_util::{Stream, StreamExt, stream};
use http::header::{
    CONTENT_LENGTH, CONTENT_LOCATION, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    LOCATION, RANGE,
};
use http::{HeaderMap, Method, StatusCode, Version};
use reqwest::ResponseBuilderExt;
use tokio::sync::oneshot;
use url::Url;

use crate::Error;
use crate::cache::{self, Cache};
use crate::clock::Clock;
use crate::directives::Directives;
use crate::meta::Meta;
use crate::policy;
use crate::store::disk::read_chunk;
use crate::store::{EntryWriter, FileBody, Hit, HitBody, Store};

/// What the cache did with a request; every response from [`CachedClient`] carries one in
/// its extensions ([`CacheStatus::of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CacheStatus {
    /// Answered from the cache without contacting the origin (including a 304 answering
    /// the client's own conditional request).
    Hit,
    /// Went to the origin and is not being stored (uncacheable request or response).
    Miss,
    /// Went to the origin and is being stored as its body streams to the caller.
    Stored,
    /// The origin confirmed the stored response with a 304; the stored body is served with
    /// the merged headers.
    Revalidated,
}

impl CacheStatus {
    /// The status attached to a response by [`CachedClient`].
    pub fn of(response: &reqwest::Response) -> Option<Self> {
        response.extensions().get::<Self>().copied()
    }

    /// `hit`, `miss`, `stored` or `revalidated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::Stored => "stored",
            Self::Revalidated => "revalidated",
        }
    }
}

impl fmt::Display for CacheStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `reqwest::Client` with a private HTTP cache in front.
///
/// Only `GET` requests are answered from the cache; a successful unsafe request (`POST`,
/// `PUT`, `DELETE`, ...) invalidates its URL and the same-origin URLs in its `Location` and
/// `Content-Location`. Build the client with `redirect::Policy::none()` to cache every hop of
/// a redirect; a response reached through a followed redirect is not stored under the first
/// URL.
#[derive(Clone, Debug)]
pub struct CachedClient {
    client: reqwest::Client,
    cache: Cache,
}

impl CachedClient {
    /// Puts `cache` in front of `client`.
    pub fn new(client: reqwest::Client, cache: Cache) -> Self {
        Self { client, cache }
    }

    /// The client requests go through.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The cache.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// `GET url` through the cache.
    ///
    /// # Errors
    ///
    /// As [`CachedClient::execute`].
    pub async fn get(&self, url: impl reqwest::IntoUrl) -> Result<reqwest::Response, Error> {
        let request = self.client.get(url).build().map_err(Error::Request)?;
        self.execute(request).await
    }

    /// Sends `request` through the cache. The response carries a [`CacheStatus`].
    ///
    /// # Errors
    ///
    /// [`Error::Request`] when the origin cannot be reached (a stale entry is never served
    /// instead, as in Chromium), [`Error::CacheMiss`] for `only-if-cached` with nothing
    /// stored. Failures of the store itself are not errors: the request goes to the network.
    pub async fn execute(&self, request: reqwest::Request) -> Result<reqwest::Response, Error> {
        let client = &self.client;
        self.cache
            .execute_with(request, |request| async move {
                client.execute(request).await.map_err(Error::Request)
            })
            .await
    }
}

/// Raised through [`Cache::execute_with`]'s error type when a request says
/// `Cache-Control: only-if-cached` and nothing usable is stored (Chromium's
/// `net::ERR_CACHE_MISS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnlyIfCachedMiss(pub Url);

impl fmt::Display for OnlyIfCachedMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not in the cache (only-if-cached)", self.0)
    }
}

impl std::error::Error for OnlyIfCachedMiss {}

impl From<OnlyIfCachedMiss> for Error {
    fn from(miss: OnlyIfCachedMiss) -> Self {
        Self::CacheMiss(miss.0)
    }
}

impl Cache {
    /// Sends `request` through the cache, with `send` as the way to the network: the
    /// facade's pipeline passes its own transport (proxies, authentication, emulation), a
    /// plain user passes a `reqwest::Client` (that is [`CachedClient::execute`]). The response
    /// carries a [`CacheStatus`].
    ///
    /// # Errors
    ///
    /// `send`'s error (a stale entry is never served instead, as in Chromium), and
    /// [`OnlyIfCachedMiss`] for `only-if-cached` with nothing stored. Failures of the store
    /// itself are not errors: the request goes to the network.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use netsession_http_cache::{Cache, CacheOptions, Error};
    ///
    /// # async fn run() -> Result<(), Error> {
    /// let cache = Cache::memory(CacheOptions::default());
    /// let client = reqwest::Client::new();
    /// let request = client.get("http://example.com/").build().map_err(Error::Request)?;
    /// let response = cache
    ///     .execute_with(request, |request| {
    ///         let client = client.clone();
    ///         async move { client.execute(request).await.map_err(Error::Request) }
    ///     })
    ///     .await?;
    /// # let _ = response;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute_with<S, F, E>(
        &self,
        request: reqwest::Request,
        send: S,
    ) -> Result<reqwest::Response, E>
    where
        S: Fn(reqwest::Request) -> F,
        F: Future<Output = Result<reqwest::Response, E>>,
        E: From<OnlyIfCachedMiss>,
    {
        let Some(store) = self.store.clone() else {
            return Ok(tag(send(request).await?, CacheStatus::Miss));
        };
        let url = request.url().clone();
        if request.method() != Method::GET {
            let invalidates = policy::is_unsafe(request.method());
            let response = send(request).await?;
            let status = response.status();
            if invalidates && (status.is_success() || status.is_redirection()) {
                invalidate(&store, &url, response.headers()).await;
            }
            return Ok(tag(response, CacheStatus::Miss));
        }
        let directives = Directives::request(request.headers());
        if directives.has("no-store") || request.headers().contains_key(RANGE) {
            return Ok(tag(send(request).await?, CacheStatus::Miss));
        }
        let key = cache::key(&url);
        let found = if directives.has("no-cache") {
            // Chromium turns a request's `no-cache` into a reload that refreshes the entry.
            None
        } else {
            let key = key.clone();
            run(&store, move |store| store.lookup(&key))
                .await
                .ok()
                .flatten()
                .filter(|hit| policy::vary_matches(&hit.meta, request.headers()))
        };
        let now = self.clock.now();
        let miss = Miss {
            store: &store,
            clock: &self.clock,
            key,
            url: &url,
            directives: &directives,
        };
        let Some(hit) = found else {
            if directives.has("only-if-cached") {
                return Err(OnlyIfCachedMiss(url).into());
            }
            return fetch(&miss, request, now, &send).await;
        };
        if directives.has("only-if-cached") || policy::usable(&hit.meta, &directives, now) {
            if policy::not_modified(request.headers(), &hit.meta.headers) == Some(true) {
                let headers = policy::not_modified_headers(&hit.meta.headers);
                return Ok(build(
                    StatusCode::NOT_MODIFIED,
                    hit.meta.version,
                    headers,
                    reqwest::Body::default(),
                    &url,
                    CacheStatus::Hit,
                ));
            }
            return Ok(serve(hit, &url, store, CacheStatus::Hit));
        }
        let etag = hit.meta.headers.get(ETAG).cloned();
        let modified = hit.meta.headers.get(LAST_MODIFIED).cloned();
        if policy::is_conditional(request.headers()) || (etag.is_none() && modified.is_none()) {
            // The client's own validators go to the origin untouched; with none of ours
            // there is nothing to validate with.
            return fetch(&miss, request, now, &send).await;
        }
        let retry = request.try_clone();
        let request_headers = request.headers().clone();
        let mut conditional = request;
        if let Some(etag) = etag {
            conditional.headers_mut().insert(IF_NONE_MATCH, etag);
        }
        if let Some(modified) = modified {
            conditional
                .headers_mut()
                .insert(IF_MODIFIED_SINCE, modified);
        }
        let response = send(conditional).await?;
        if response.status() != StatusCode::NOT_MODIFIED {
            return Ok(miss.store_response(response, &request_headers, now).await);
        }
        if policy::matches_304(&hit.meta.headers, response.headers()) {
            let Hit { mut meta, body } = hit;
            policy::merge_304(&mut meta.headers, response.headers());
            meta.request_time = now;
            meta.response_time = self.clock.now();
            let updated = meta.clone();
            // A failed update leaves the old entry, which will be validated again.
            let _ = run(&store, move |store| store.update(&updated)).await;
            return Ok(serve(
                Hit { meta, body },
                &url,
                store,
                CacheStatus::Revalidated,
            ));
        }
        // The 304 answers some other response than ours: drop ours and ask unconditionally.
        let removed = miss.key.clone();
        let _ = run(&store, move |store| store.remove(&removed)).await;
        match retry {
            Some(retry) => {
                // The 304 goes first: a transport that limits connections per host (the
                // facade's) must not wait on the one this response holds.
                drop(response);
                fetch(&miss, retry, self.clock.now(), &send).await
            }
            None => Ok(tag(response, CacheStatus::Miss)),
        }
    }
}

/// Sends `request` and stores the response if it may be.
async fn fetch<S, F, E>(
    miss: &Miss<'_>,
    request: reqwest::Request,
    request_time: SystemTime,
    send: &S,
) -> Result<reqwest::Response, E>
where
    S: Fn(reqwest::Request) -> F,
    F: Future<Output = Result<reqwest::Response, E>>,
{
    let request_headers = request.headers().clone();
    let response = send(request).await?;
    Ok(miss
        .store_response(response, &request_headers, request_time)
        .await)
}

/// What storing a response from the origin needs to know.
struct Miss<'a> {
    store: &'a Arc<dyn Store>,
    clock: &'a Arc<dyn Clock>,
    key: String,
    url: &'a Url,
    directives: &'a Directives,
}

impl Miss<'_> {
    /// Stores `response` if it may be, streaming it to the caller at the same time.
    async fn store_response(
        &self,
        response: reqwest::Response,
        request_headers: &HeaderMap,
        request_time: SystemTime,
    ) -> reqwest::Response {
        let status = response.status();
        let same_url = cache::key(response.url()) == self.key;
        let length = content_length(response.headers());
        let vary = (same_url && policy::storable(self.directives, status, response.headers()))
            .then(|| policy::vary_values(response.headers(), request_headers))
            .flatten()
            .filter(|_| length.is_none_or(|len| len <= self.store.max_entry_size()));
        let Some(vary) = vary else {
            // A newer complete answer that cannot be stored replaces the stored one; an error
            // from the origin or a 304 to the client's own validators does not.
            if status != StatusCode::NOT_MODIFIED && !status.is_server_error() {
                let key = self.key.clone();
                let _ = run(self.store, move |store| store.remove(&key)).await;
            }
            return tag(response, CacheStatus::Miss);
        };
        let meta = Meta {
            key: self.key.clone(),
            status,
            version: response.version(),
            request_time,
            response_time: self.clock.now(),
            headers: policy::stored_headers(response.headers()),
            vary,
        };
        tee(response, meta, Arc::clone(self.store), self.url)
    }
}

/// Runs a store operation, on the blocking pool for the disk store.
async fn run<T: Send + 'static>(
    store: &Arc<dyn Store>,
    operation: impl FnOnce(&dyn Store) -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    if !store.blocking() {
        return operation(store.as_ref());
    }
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || operation(store.as_ref()))
        .await
        .map_err(io::Error::other)?
}

async fn invalidate(store: &Arc<dyn Store>, url: &Url, headers: &HeaderMap) {
    let mut keys = vec![cache::key(url)];
    for name in [LOCATION, CONTENT_LOCATION] {
        let target = headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| url.join(value).ok());
        // Only same-origin URLs may be invalidated (RFC 9111 section 4.4).
        if let Some(target) = target.filter(|target| target.origin() == url.origin()) {
            keys.push(cache::key(&target));
        }
    }
    let _ = run(store, move |store| {
        keys.iter().try_for_each(|key| store.remove(key))
    })
    .await;
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn tag(mut response: reqwest::Response, status: CacheStatus) -> reqwest::Response {
    response.extensions_mut().insert(status);
    response
}

fn build(
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    body: reqwest::Body,
    url: &Url,
    cache_status: CacheStatus,
) -> reqwest::Response {
    let mut response = http::Response::new(body);
    // The builder is the only way to attach the URL reqwest reports; it cannot fail here.
    if let Ok(with_url) = http::Response::builder().url(url.clone()).body(()) {
        *response.extensions_mut() = with_url.into_parts().0.extensions;
    }
    *response.status_mut() = status;
    *response.version_mut() = version;
    *response.headers_mut() = headers;
    response.extensions_mut().insert(cache_status);
    reqwest::Response::from(response)
}

/// A response from a stored entry.
fn serve(hit: Hit, url: &Url, store: Arc<dyn Store>, status: CacheStatus) -> reqwest::Response {
    let Hit { meta, body } = hit;
    let body = match body {
        HitBody::Bytes(bytes) => reqwest::Body::from(bytes),
        HitBody::File(file) => {
            let length = file.prefix.len() as u64 + file.remaining;
            crate::sized_body(file_stream(file, store), Some(length))
        }
    };
    build(meta.status, meta.version, meta.headers, body, url, status)
}

/// A disk body: the prefix read with the header, then chunks read on the blocking pool.
fn file_stream(
    mut body: FileBody,
    store: Arc<dyn Store>,
) -> impl Stream<Item = io::Result<Bytes>> + Send {
    let prefix = std::mem::take(&mut body.prefix);
    let first = (!prefix.is_empty()).then_some(Ok(prefix));
    let rest = stream::try_unfold(body, move |mut body| {
        let store = Arc::clone(&store);
        async move {
            let (body, chunk) = tokio::task::spawn_blocking(move || {
                let chunk = read_chunk(&mut body, store.as_ref());
                (body, chunk)
            })
            .await
            .map_err(io::Error::other)?;
            Ok(chunk?.map(|chunk| (chunk, body)))
        }
    });
    stream::iter(first).chain(rest)
}

/// Streams `response` to the caller while writing it into the store.
fn tee(
    response: reqwest::Response,
    meta: Meta,
    store: Arc<dyn Store>,
    url: &Url,
) -> reqwest::Response {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let expected = content_length(&headers);
    // The generation is read now: a `clear` after this point must win even if the disk
    // writer has not started on the blocking pool yet.
    let generation = store.generation();
    let sink = if store.blocking() {
        Sink::Worker(spawn_writer(store, meta, generation))
    } else {
        match store.writer(&meta, generation) {
            Ok(writer) => Sink::Inline(writer),
            Err(_) => return tag(response, CacheStatus::Miss),
        }
    };
    // What the transport attached (the peer's address, the proxy route) stays on the
    // response the caller gets.
    let extensions = response.extensions().clone();
    let tee = Tee {
        inner: Box::pin(response.bytes_stream()),
        sink: Some(sink),
        written: 0,
        expected,
        committing: None,
        done: false,
        held: None,
    };
    let mut built = build(
        status,
        version,
        headers,
        crate::sized_body(tee, expected),
        url,
        CacheStatus::Stored,
    );
    let mut kept = extensions;
    // The URL and the cache status are the built response's own.
    kept.extend(std::mem::take(built.extensions_mut()));
    *built.extensions_mut() = kept;
    built
}

enum Sink {
    /// The memory store: writes are memory copies, done in place.
    Inline(Box<dyn EntryWriter>),
    /// The disk store: a writer on the blocking pool receives the chunks.
    Worker(std::sync::mpsc::Sender<Message>),
}

enum Message {
    Chunk(Bytes),
    Commit(oneshot::Sender<()>),
}

impl Sink {
    /// Hands a chunk to the writer; false once the entry is abandoned.
    fn write(&mut self, chunk: &Bytes) -> bool {
        match self {
            Self::Inline(writer) => writer.write(chunk).is_ok(),
            Self::Worker(sender) => sender.send(Message::Chunk(chunk.clone())).is_ok(),
        }
    }
}

fn spawn_writer(
    store: Arc<dyn Store>,
    meta: Meta,
    generation: u64,
) -> std::sync::mpsc::Sender<Message> {
    let (sender, receiver) = std::sync::mpsc::channel();
    // Dropping the writer without commit (an error, a body cut short, a dropped response)
    // deletes the partial entry.
    drop(tokio::task::spawn_blocking(move || {
        let Ok(mut writer) = store.writer(&meta, generation) else {
            return;
        };
        while let Ok(message) = receiver.recv() {
            match message {
                Message::Chunk(chunk) => {
                    if writer.write(&chunk).is_err() {
                        return;
                    }
                }
                Message::Commit(done) => {
                    let _ = writer.commit();
                    let _ = done.send(());
                    return;
                }
            }
        }
    }));
    sender
}

struct Tee {
    inner: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    sink: Option<Sink>,
    written: u64,
    expected: Option<u64>,
    committing: Option<oneshot::Receiver<()>>,
    /// The body is complete (by length or by its end).
    done: bool,
    /// The last chunk, held until the commit is confirmed.
    held: Option<Bytes>,
}

impl Stream for Tee {
    type Item = reqwest::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(committing) = this.committing.as_mut() {
            if Pin::new(committing).poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.committing = None;
            // The last chunk is released only once its entry is visible, so whoever has
            // read the whole body finds the entry.
            return Poll::Ready(this.held.take().map(Ok));
        }
        if this.done {
            return Poll::Ready(None);
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.written = this.written.saturating_add(chunk.len() as u64);
                if this.sink.as_mut().is_some_and(|sink| !sink.write(&chunk)) {
                    this.sink = None;
                }
                // With a known length, the last byte completes the entry: a consumer that
                // stops at `Content-Length` (as an HTTP/1.1 server does) never polls the end.
                if this.expected == Some(this.written) {
                    this.commit();
                    this.done = true;
                    if this.committing.is_some() {
                        this.held = Some(chunk);
                        return Pin::new(this).poll_next(cx);
                    }
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(error))) => {
                this.sink = None;
                Poll::Ready(Some(Err(error)))
            }
            Poll::Ready(None) => {
                if this.expected.is_none_or(|len| len == this.written) {
                    this.commit();
                }
                this.sink = None;
                this.done = true;
                if this.committing.is_some() {
                    return Pin::new(this).poll_next(cx);
                }
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Tee {
    /// Makes the entry visible: in place for memory, through the writer for disk (whose
    /// confirmation the stream waits for before it ends).
    fn commit(&mut self) {
        match self.sink.take() {
            Some(Sink::Inline(writer)) => {
                let _ = writer.commit();
            }
            Some(Sink::Worker(sender)) => {
                let (done, committing) = oneshot::channel();
                if sender.send(Message::Commit(done)).is_ok() {
                    self.committing = Some(committing);
                }
            }
            None => {}
        }
    }
}
