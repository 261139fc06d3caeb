//! Electron's `ses.webRequest`: listeners on the stages of every request a session makes.
//!
//! Eight events, in the order a request meets them: [`WebRequest::on_before_request`]
//! (cancel, or redirect), [`WebRequest::on_before_send_headers`] (replace the request
//! headers), [`WebRequest::on_send_headers`], [`WebRequest::on_headers_received`] (replace the
//! response headers and status line, or cancel), then [`WebRequest::on_before_redirect`] and
//! the next hop from `on_before_request` again, or [`WebRequest::on_response_started`] and
//! [`WebRequest::on_completed`]; a failure at any point ends with
//! [`WebRequest::on_error_occurred`]. All hops of a request share one `id`.
//!
//! Each event keeps one listener, the one set last; `None` removes it. A filter restricts
//! a listener to URLs (Chrome's match patterns, see [`MatchPattern`]) and resource types.
//! The three events that answer are asynchronous; a listener that panics, or does not answer
//! within [`WebRequest::set_listener_timeout`] (ten seconds by default), leaves the request
//! unchanged, so a listener can never hang a request. A cancelled request fails with
//! `net::ERR_BLOCKED_BY_CLIENT`; a redirect from `on_before_request` is an internal redirect
//! (`307 Internal Redirect` in `on_before_redirect`).
//!
//! # Example
//!
//! ```
//! use netsession::web_request::{BeforeRequestResponse, Filter};
//! use netsession::{Session, SessionOptions};
//!
//! let session = Session::from_partition("web-request-doc", SessionOptions::default())?;
//! let filter = Filter::urls(["*://*.ads.example/*"])?;
//! session.web_request().on_before_request(Some(filter), Some(|_details| async {
//!     BeforeRequestResponse::cancel()
//! }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod pattern;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::header::HeaderMap;
use url::Url;

pub use pattern::{MatchPattern, PatternError};

/// Electron's resource types (`WebRequestFilter.types` and `details.resourceType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResourceType {
    /// `mainFrame`
    MainFrame,
    /// `subFrame`
    SubFrame,
    /// `stylesheet`
    Stylesheet,
    /// `script`
    Script,
    /// `image`
    Image,
    /// `font`
    Font,
    /// `object`
    Object,
    /// `xhr`: what `ses.fetch` requests are.
    Xhr,
    /// `ping`
    Ping,
    /// `cspReport`
    CspReport,
    /// `media`
    Media,
    /// `webSocket`
    WebSocket,
    /// `other`
    Other,
}

impl ResourceType {
    /// Electron's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MainFrame => "mainFrame",
            Self::SubFrame => "subFrame",
            Self::Stylesheet => "stylesheet",
            Self::Script => "script",
            Self::Image => "image",
            Self::Font => "font",
            Self::Object => "object",
            Self::Xhr => "xhr",
            Self::Ping => "ping",
            Self::CspReport => "cspReport",
            Self::Media => "media",
            Self::WebSocket => "webSocket",
            Self::Other => "other",
        }
    }
}

/// Electron's `WebRequestFilter`.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    urls: Vec<MatchPattern>,
    exclude_urls: Vec<MatchPattern>,
    types: Vec<ResourceType>,
}

impl Filter {
    /// A filter on URL patterns (an empty list matches every URL, as Electron since v35).
    ///
    /// # Errors
    ///
    /// The first pattern that does not parse.
    pub fn urls<I, S>(patterns: I) -> Result<Self, PatternError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Ok(Self {
            urls: parse_all(patterns)?,
            ..Self::default()
        })
    }

    /// Adds `excludeUrls` patterns: a URL matching any of them is not seen.
    ///
    /// # Errors
    ///
    /// The first pattern that does not parse.
    pub fn exclude_urls<I, S>(mut self, patterns: I) -> Result<Self, PatternError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.exclude_urls = parse_all(patterns)?;
        Ok(self)
    }

    /// Restricts to resource types (empty: all).
    #[must_use]
    pub fn types(mut self, types: impl IntoIterator<Item = ResourceType>) -> Self {
        self.types = types.into_iter().collect();
        self
    }

    fn matches(&self, url: &Url, resource_type: ResourceType) -> bool {
        (self.urls.is_empty() || self.urls.iter().any(|p| p.matches(url)))
            && !self.exclude_urls.iter().any(|p| p.matches(url))
            && (self.types.is_empty() || self.types.contains(&resource_type))
    }
}

fn parse_all<I, S>(patterns: I) -> Result<Vec<MatchPattern>, PatternError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    patterns
        .into_iter()
        .map(|p| MatchPattern::parse(p.as_ref()))
        .collect()
}

/// Electron's `UploadData`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadData {
    /// The bytes sent.
    pub bytes: Bytes,
}

/// The `details` a listener gets. Fields an event does not carry are `None` (Electron leaves
/// them out).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Details {
    /// The request's id, the same on every hop and event.
    pub id: u64,
    /// The URL of this hop.
    pub url: Url,
    /// The method.
    pub method: String,
    /// The resource type (`xhr` for `ses.fetch`).
    pub resource_type: ResourceType,
    /// The referrer, or empty.
    pub referrer: String,
    /// Milliseconds since the Unix epoch.
    pub timestamp: f64,
    /// `on_before_request`, `on_before_send_headers`: the body sent.
    pub upload_data: Option<Vec<UploadData>>,
    /// `on_before_send_headers`, `on_send_headers`: the request headers.
    pub request_headers: Option<HeaderMap>,
    /// From `on_headers_received` on: the status code.
    pub status_code: Option<u16>,
    /// From `on_headers_received` on: the status line (`HTTP/1.1 200 OK`).
    pub status_line: Option<String>,
    /// From `on_headers_received` on: the response headers.
    pub response_headers: Option<HeaderMap>,
    /// From `on_response_started` on: whether the HTTP cache answered.
    pub from_cache: Option<bool>,
    /// `on_before_redirect`: the server's address, when known.
    pub ip: Option<String>,
    /// `on_before_redirect`: where the request goes next.
    pub redirect_url: Option<Url>,
    /// `on_completed` (`net::OK`) and `on_error_occurred`: the net error name.
    pub error: Option<String>,
}

impl Details {
    pub(crate) fn new(id: u64, url: &Url, method: &str) -> Self {
        Self {
            id,
            url: url.clone(),
            method: method.to_owned(),
            resource_type: ResourceType::Xhr,
            referrer: String::new(),
            timestamp: now_ms(),
            upload_data: None,
            request_headers: None,
            status_code: None,
            status_line: None,
            response_headers: None,
            from_cache: None,
            ip: None,
            redirect_url: None,
            error: None,
        }
    }

    /// A copy with a fresh timestamp, for the next event.
    pub(crate) fn at_now(&self) -> Self {
        Self {
            timestamp: now_ms(),
            ..self.clone()
        }
    }
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// What an `on_before_request` listener answers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BeforeRequestResponse {
    /// Fail the request with `net::ERR_BLOCKED_BY_CLIENT`.
    pub cancel: bool,
    /// Send the request there instead (an internal redirect).
    pub redirect_url: Option<Url>,
}

impl BeforeRequestResponse {
    /// Go on unchanged (`callback({})`).
    pub fn proceed() -> Self {
        Self::default()
    }

    /// `callback({cancel: true})`.
    pub fn cancel() -> Self {
        Self {
            cancel: true,
            ..Self::default()
        }
    }

    /// `callback({redirectURL})`.
    pub fn redirect(url: Url) -> Self {
        Self {
            redirect_url: Some(url),
            ..Self::default()
        }
    }
}

/// What an `on_before_send_headers` listener answers.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct BeforeSendHeadersResponse {
    /// Fail the request with `net::ERR_BLOCKED_BY_CLIENT`.
    pub cancel: bool,
    /// Replaces every request header.
    pub request_headers: Option<HeaderMap>,
}

impl BeforeSendHeadersResponse {
    /// Go on unchanged.
    pub fn proceed() -> Self {
        Self::default()
    }

    /// Cancel the request.
    pub fn cancel() -> Self {
        Self {
            cancel: true,
            ..Self::default()
        }
    }

    /// Send these headers instead.
    pub fn headers(headers: HeaderMap) -> Self {
        Self {
            request_headers: Some(headers),
            ..Self::default()
        }
    }
}

/// What an `on_headers_received` listener answers.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct HeadersReceivedResponse {
    /// Fail the request with `net::ERR_BLOCKED_BY_CLIENT`.
    pub cancel: bool,
    /// Replaces every response header.
    pub response_headers: Option<HeaderMap>,
    /// Replaces the status line (counted only with `response_headers`, as in Electron).
    pub status_line: Option<String>,
}

impl HeadersReceivedResponse {
    /// Go on unchanged.
    pub fn proceed() -> Self {
        Self::default()
    }

    /// Cancel the request.
    pub fn cancel() -> Self {
        Self {
            cancel: true,
            ..Self::default()
        }
    }

    /// Replace the headers (and, optionally, the status line).
    pub fn headers(headers: HeaderMap, status_line: Option<String>) -> Self {
        Self {
            response_headers: Some(headers),
            status_line,
            ..Self::default()
        }
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type Answering<T> = Arc<dyn Fn(Details) -> BoxFuture<T> + Send + Sync>;
type Notified = Arc<dyn Fn(Details) + Send + Sync>;

struct Listener<L> {
    filter: Filter,
    call: L,
}

impl<L: Clone> Listener<L> {
    fn for_request(slot: &RwLock<Option<Self>>, details: &Details) -> Option<L> {
        let slot = slot.read().unwrap_or_else(PoisonError::into_inner);
        let listener = slot.as_ref()?;
        listener
            .filter
            .matches(&details.url, details.resource_type)
            .then(|| listener.call.clone())
    }
}

/// Electron's `WebRequest` object of a session (see the module docs).
pub struct WebRequest {
    before_request: RwLock<Option<Listener<Answering<BeforeRequestResponse>>>>,
    before_send_headers: RwLock<Option<Listener<Answering<BeforeSendHeadersResponse>>>>,
    send_headers: RwLock<Option<Listener<Notified>>>,
    headers_received: RwLock<Option<Listener<Answering<HeadersReceivedResponse>>>>,
    response_started: RwLock<Option<Listener<Notified>>>,
    before_redirect: RwLock<Option<Listener<Notified>>>,
    completed: RwLock<Option<Listener<Notified>>>,
    error_occurred: RwLock<Option<Listener<Notified>>>,
    timeout: RwLock<Duration>,
    next_id: AtomicU64,
    /// How many events have a listener.
    listeners: AtomicUsize,
}

impl std::fmt::Debug for WebRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebRequest").finish_non_exhaustive()
    }
}

impl Default for WebRequest {
    fn default() -> Self {
        Self {
            before_request: RwLock::default(),
            before_send_headers: RwLock::default(),
            send_headers: RwLock::default(),
            headers_received: RwLock::default(),
            response_started: RwLock::default(),
            before_redirect: RwLock::default(),
            completed: RwLock::default(),
            error_occurred: RwLock::default(),
            timeout: RwLock::new(Duration::from_secs(10)),
            next_id: AtomicU64::new(1),
            listeners: AtomicUsize::new(0),
        }
    }
}

impl WebRequest {
    /// Replaces one event's listener and keeps the count of events that have one.
    fn set<L>(&self, slot: &RwLock<Option<Listener<L>>>, filter: Option<Filter>, call: Option<L>) {
        let mut slot = slot.write().unwrap_or_else(PoisonError::into_inner);
        match (slot.is_some(), call.is_some()) {
            (false, true) => {
                self.listeners.fetch_add(1, Ordering::Relaxed);
            }
            (true, false) => {
                self.listeners.fetch_sub(1, Ordering::Relaxed);
            }
            _ => {}
        }
        *slot = call.map(|call| Listener {
            filter: filter.unwrap_or_default(),
            call,
        });
    }
}

fn answering<T, F, Fut>(listener: F) -> Answering<T>
where
    F: Fn(Details) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Arc::new(move |details| Box::pin(listener(details)))
}

fn notified<F>(listener: F) -> Notified
where
    F: Fn(Details) + Send + Sync + 'static,
{
    Arc::new(listener)
}

/// The eight `on_*` setters: each replaces its event's listener (`None` removes it).
macro_rules! setters {
    (
        answering { $($a_name:ident, $a_slot:ident => $a_answer:ty, $a_doc:literal;)* }
        notified { $($n_name:ident, $n_slot:ident, $n_doc:literal;)* }
    ) => {
        impl WebRequest {
            $(
                #[doc = $a_doc]
                pub fn $a_name<F, Fut>(&self, filter: Option<Filter>, listener: Option<F>)
                where
                    F: Fn(Details) -> Fut + Send + Sync + 'static,
                    Fut: Future<Output = $a_answer> + Send + 'static,
                {
                    self.set(&self.$a_slot, filter, listener.map(answering));
                }
            )*
            $(
                #[doc = $n_doc]
                pub fn $n_name<F>(&self, filter: Option<Filter>, listener: Option<F>)
                where
                    F: Fn(Details) + Send + Sync + 'static,
                {
                    self.set(&self.$n_slot, filter, listener.map(notified));
                }
            )*
        }
    };
}

setters! {
    answering {
        on_before_request, before_request => BeforeRequestResponse,
            "`onBeforeRequest`: may cancel the request or redirect it.";
        on_before_send_headers, before_send_headers => BeforeSendHeadersResponse,
            "`onBeforeSendHeaders`: may replace the request headers or cancel.";
        on_headers_received, headers_received => HeadersReceivedResponse,
            "`onHeadersReceived`: may replace the response headers and status line, or cancel.";
    }
    notified {
        on_send_headers, send_headers, "`onSendHeaders`: the headers about to be sent.";
        on_response_started, response_started,
            "`onResponseStarted`: the response head has arrived; the body follows.";
        on_before_redirect, before_redirect, "`onBeforeRedirect`: a redirect is about to be followed.";
        on_completed, completed, "`onCompleted`: the body was read to its end (`error` is `net::OK`).";
        on_error_occurred, error_occurred,
            "`onErrorOccurred`: the request failed, or its body failed or was dropped (`error` names why).";
    }
}

impl WebRequest {
    /// How long an answering listener is waited for before the request goes on unchanged
    /// (default ten seconds).
    pub fn set_listener_timeout(&self, timeout: Duration) {
        *self.timeout.write().unwrap_or_else(PoisonError::into_inner) = timeout;
    }

    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Runs an answering listener on its own task, bounded in time; a panic or a time-out
    /// is the default answer.
    async fn ask<T: Default + Send + 'static>(
        &self,
        listener: Option<Answering<T>>,
        details: Details,
    ) -> T {
        let Some(listener) = listener else {
            return T::default();
        };
        let timeout = *self.timeout.read().unwrap_or_else(PoisonError::into_inner);
        let task = tokio::spawn(listener(details));
        match tokio::time::timeout(timeout, task).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(error)) => {
                tracing::warn!(%error, "a webRequest listener failed; the request goes on");
                T::default()
            }
            Err(_) => {
                tracing::warn!(
                    ?timeout,
                    "a webRequest listener did not answer; the request goes on"
                );
                T::default()
            }
        }
    }

    fn notify(slot: &RwLock<Option<Listener<Notified>>>, details: &Details) {
        if let Some(listener) = Listener::for_request(slot, details) {
            let details = details.at_now();
            // A panicking notification listener must not take the request with it.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| listener(details)));
        }
    }

    pub(crate) async fn before_request(&self, details: &Details) -> BeforeRequestResponse {
        let listener = Listener::for_request(&self.before_request, details);
        self.ask(listener, details.at_now()).await
    }

    pub(crate) async fn before_send_headers(&self, details: &Details) -> BeforeSendHeadersResponse {
        let listener = Listener::for_request(&self.before_send_headers, details);
        self.ask(listener, details.at_now()).await
    }

    pub(crate) fn send_headers(&self, details: &Details) {
        Self::notify(&self.send_headers, details);
    }

    pub(crate) async fn headers_received(&self, details: &Details) -> HeadersReceivedResponse {
        let listener = Listener::for_request(&self.headers_received, details);
        self.ask(listener, details.at_now()).await
    }

    pub(crate) fn response_started(&self, details: &Details) {
        Self::notify(&self.response_started, details);
    }

    pub(crate) fn before_redirect(&self, details: &Details) {
        Self::notify(&self.before_redirect, details);
    }

    pub(crate) fn completed(&self, details: &Details) {
        Self::notify(&self.completed, details);
    }

    pub(crate) fn error_occurred(&self, details: &Details) {
        Self::notify(&self.error_occurred, details);
    }

    /// Whether no listener is set (the pipeline skips building details then): one atomic
    /// load on every request, kept by `set`.
    pub(crate) fn is_idle(&self) -> bool {
        self.listeners.load(Ordering::Relaxed) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::{BeforeRequestResponse, Details, WebRequest};

    #[test]
    fn idle_follows_setting_and_removing_listeners() {
        let web = WebRequest::default();
        assert!(web.is_idle());
        web.on_completed(None, Some(|_: Details| {}));
        web.on_completed(None, Some(|_: Details| {}));
        web.on_before_request(None, Some(|_| async { BeforeRequestResponse::proceed() }));
        assert!(!web.is_idle());
        web.on_completed(None, None::<fn(Details)>);
        assert!(!web.is_idle());
        web.on_before_request(
            None,
            None::<fn(Details) -> std::future::Ready<BeforeRequestResponse>>,
        );
        assert!(web.is_idle());
        web.on_completed(None, None::<fn(Details)>);
        assert!(web.is_idle(), "removing twice does not go below zero");
    }
}
