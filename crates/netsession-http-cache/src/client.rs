//! [`CachedClient`]: a `reqwest::Client` with the cache in front, usable on its own or in
//! the facade's request pipeline.
//!
//! Hits stream from the store (a memory entry is one shared buffer; a disk entry is read on
//! the blocking pool in one read with its header when the body is up to about 1 MiB, and in
//! 1 MiB chunks after that), so a hit never decodes a body or holds more than a chunk of it.
//! Responses being stored stream to the caller while they are written (a "tee"); the entry
//! becomes visible once the caller has read the body to its end and the writer has committed,
//! so a second request issued after reading the first body finds it.
//!
//! A disk writer runs on the blocking pool and receives the chunks through a queue of at most
//! [`MAX_QUEUED`] bytes. When the disk falls that far behind, the tee stops reading the
//! network until the writer catches up: backpressure, as Chromium's cache transaction writes
//! each network read into the entry before handing it on. The caller still gets every chunk
//! as soon as it is queued, and memory stays bounded whatever the body's length. Dropping the
//! entry instead would keep the network at full speed, but whether a response gets cached
//! would then depend on momentary disk load.

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
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore, TryAcquireError, oneshot};
use url::Url;

use crate::Error;
use crate::cache::{self, Cache};
use crate::clock::Clock;
use crate::directives::Directives;
use crate::meta::Meta;
use crate::policy;
use crate::store::disk::read_chunk;
use crate::store::{EntryWriter, FileBody, Hit, HitBody, Store};

/// The most body bytes queued for a disk writer at once (a single larger chunk is queued
/// alone, once the queue is empty).
pub(crate) const MAX_QUEUED: u32 = 1024 * 1024;

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
    let tee = Tee::new(Box::pin(response.bytes_stream()), sink, expected);
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

pub(crate) enum Sink {
    /// The memory store: writes are memory copies, done in place.
    Inline(Box<dyn EntryWriter>),
    /// The disk store: a writer on the blocking pool receives the chunks.
    Worker(Queue),
}

pub(crate) enum Message {
    /// A chunk, with the queue room it takes until the writer is done with it.
    Chunk(Bytes, OwnedSemaphorePermit),
    Commit(oneshot::Sender<()>),
}

/// The sending end of a disk writer's queue: a channel, and a semaphore of [`MAX_QUEUED`]
/// bytes whose permits travel with the chunks.
pub(crate) struct Queue {
    sender: std::sync::mpsc::Sender<Message>,
    room: Arc<Semaphore>,
}

/// The writer's end. Dropping it (the writer finished, failed or panicked) closes the room,
/// so a tee waiting for room gives up on the entry instead of waiting forever.
pub(crate) struct QueueReceiver {
    receiver: std::sync::mpsc::Receiver<Message>,
    room: Arc<Semaphore>,
}

impl Queue {
    pub(crate) fn new() -> (Self, QueueReceiver) {
        let (sender, receiver) = std::sync::mpsc::channel();
        let room = Arc::new(Semaphore::new(MAX_QUEUED as usize));
        let receiver = QueueReceiver {
            receiver,
            room: Arc::clone(&room),
        };
        (Self { sender, room }, receiver)
    }

    fn send(&self, chunk: &Bytes, permit: OwnedSemaphorePermit) -> Offer {
        match self.sender.send(Message::Chunk(chunk.clone(), permit)) {
            Ok(()) => Offer::Taken,
            Err(_) => Offer::Refused,
        }
    }
}

impl QueueReceiver {
    /// The next message; `None` once the tee is gone.
    pub(crate) fn recv(&self) -> Option<Message> {
        self.receiver.recv().ok()
    }

    /// The next message if one is queued.
    #[cfg(test)]
    pub(crate) fn try_recv(&self) -> Option<Message> {
        self.receiver.try_recv().ok()
    }

    /// The bytes queued and not yet written.
    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        (MAX_QUEUED as usize).saturating_sub(self.room.available_permits())
    }
}

impl Drop for QueueReceiver {
    fn drop(&mut self) {
        self.room.close();
    }
}

/// What became of a chunk offered to a sink.
enum Offer {
    Taken,
    /// The entry is abandoned.
    Refused,
    /// The disk writer's queue is full: the chunk goes once this room is granted.
    Wait(RoomFuture),
}

type RoomFuture = Pin<Box<dyn Future<Output = Result<OwnedSemaphorePermit, AcquireError>> + Send>>;

impl Sink {
    /// Hands a chunk to the writer, or says what to wait for.
    fn offer(&mut self, chunk: &Bytes) -> Offer {
        match self {
            Self::Inline(writer) => match writer.write(chunk) {
                Ok(()) => Offer::Taken,
                Err(_) => Offer::Refused,
            },
            Self::Worker(queue) => {
                let needed = room_for(chunk);
                match Arc::clone(&queue.room).try_acquire_many_owned(needed) {
                    Ok(permit) => queue.send(chunk, permit),
                    Err(TryAcquireError::NoPermits) => {
                        Offer::Wait(Box::pin(Arc::clone(&queue.room).acquire_many_owned(needed)))
                    }
                    Err(TryAcquireError::Closed) => Offer::Refused,
                }
            }
        }
    }
}

/// The queue room a chunk takes: its length, at most the whole queue.
fn room_for(chunk: &Bytes) -> u32 {
    u32::try_from(chunk.len()).map_or(MAX_QUEUED, |len| len.min(MAX_QUEUED))
}

fn spawn_writer(store: Arc<dyn Store>, meta: Meta, generation: u64) -> Queue {
    let (queue, receiver) = Queue::new();
    // Dropping the writer without commit (an error, a body cut short, a dropped response)
    // deletes the partial entry.
    drop(tokio::task::spawn_blocking(move || {
        let Ok(writer) = store.writer(&meta, generation) else {
            return;
        };
        // The writer holds what it needs; the store goes now, so that once the commit is
        // confirmed this task no longer keeps the cache (and its directory lock) alive.
        drop(store);
        write_entry(writer, &receiver);
    }));
    queue
}

/// The disk writer's loop: writes chunks until the commit or the end of the queue.
fn write_entry(mut writer: Box<dyn EntryWriter>, receiver: &QueueReceiver) {
    while let Some(message) = receiver.recv() {
        match message {
            Message::Chunk(chunk, permit) => {
                let written = writer.write(&chunk);
                // The room is free once the bytes are in the file.
                drop(permit);
                if written.is_err() {
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
}

pub(crate) struct Tee {
    inner: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    sink: Option<Sink>,
    written: u64,
    expected: Option<u64>,
    /// A chunk read from the network, waiting for room in the disk writer's queue; the next
    /// network read waits with it.
    waiting: Option<(Bytes, RoomFuture)>,
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
        if let Some((chunk, mut room)) = this.waiting.take() {
            let room = match room.as_mut().poll(cx) {
                Poll::Ready(room) => room,
                Poll::Pending => {
                    this.waiting = Some((chunk, room));
                    return Poll::Pending;
                }
            };
            let taken = match (room, this.sink.as_ref()) {
                (Ok(permit), Some(Sink::Worker(queue))) => {
                    matches!(queue.send(&chunk, permit), Offer::Taken)
                }
                // The writer is gone: the caller still gets the body.
                _ => false,
            };
            if !taken {
                this.sink = None;
            }
            return this.pass(chunk, cx);
        }
        if this.done {
            return Poll::Ready(None);
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.written = this.written.saturating_add(chunk.len() as u64);
                match this.sink.as_mut().map(|sink| sink.offer(&chunk)) {
                    Some(Offer::Taken) | None => {}
                    Some(Offer::Refused) => this.sink = None,
                    Some(Offer::Wait(room)) => {
                        this.waiting = Some((chunk, room));
                        return Pin::new(this).poll_next(cx);
                    }
                }
                this.pass(chunk, cx)
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
    pub(crate) fn new(
        inner: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
        sink: Sink,
        expected: Option<u64>,
    ) -> Self {
        Self {
            inner,
            sink: Some(sink),
            written: 0,
            expected,
            waiting: None,
            committing: None,
            done: false,
            held: None,
        }
    }

    /// Hands a chunk that the sink has taken (or refused) on to the caller. With a known
    /// length, the last byte completes the entry: a consumer that stops at `Content-Length`
    /// (as an HTTP/1.1 server does) never polls the end.
    fn pass(&mut self, chunk: Bytes, cx: &mut Context<'_>) -> Poll<Option<reqwest::Result<Bytes>>> {
        if self.expected == Some(self.written) {
            self.commit();
            self.done = true;
            if self.committing.is_some() {
                self.held = Some(chunk);
                return Pin::new(self).poll_next(cx);
            }
        }
        Poll::Ready(Some(Ok(chunk)))
    }

    /// Makes the entry visible: in place for memory, through the writer for disk (whose
    /// confirmation the stream waits for before it ends).
    fn commit(&mut self) {
        match self.sink.take() {
            Some(Sink::Inline(writer)) => {
                let _ = writer.commit();
            }
            Some(Sink::Worker(queue)) => {
                let (done, committing) = oneshot::channel();
                if queue.sender.send(Message::Commit(done)).is_ok() {
                    self.committing = Some(committing);
                }
            }
            None => {}
        }
    }
}
