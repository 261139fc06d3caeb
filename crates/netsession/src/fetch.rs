//! `Session::fetch`: a request through the session's pipeline.
//!
//! Each hop of a request goes, in order, through: the webRequest listeners; the protocol
//! handlers, `blob:` and `data:` URLs; the user agent and `Accept-Language`; the
//! session's cookies (attached for the URL, stored from every response, redirects included:
//! redirects are followed here, so each hop goes through the pipeline); the HTTP cache
//! (`netsession_http_cache::Cache::execute_with`, disabled by `cache: false`); HTTP
//! authentication (`auth.rs`); network emulation (offline, latency, upload and download
//! throughput); a connection slot (six per host, as Chromium); and the session's proxied
//! clients (failover and bad-proxy marking), whose connections resolve names through the
//! session's host cache and verify certificates through its verifier and verify proc. The
//! session's NetLog records each stage (`logging.rs`). Downloads use the same pipeline
//! without the cache and without following redirects (`FetchMode`).

use std::fmt;
use std::sync::Arc;

use netsession_http_cache::OnlyIfCachedMiss;
use netsession_proxy::Route;
use netsession_proxy_rules::ProxyServer;
use reqwest::header::{
    ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_TYPE, COOKIE, HeaderValue, LOCATION,
    PROXY_AUTHENTICATE, SET_COOKIE, USER_AGENT, WWW_AUTHENTICATE,
};
use reqwest::{Method, StatusCode};
use url::Url;

use std::future::Future;
use std::pin::Pin;

use crate::auth::{self, AuthEntry, AuthInfo, Credentials, LoginRequest};
use crate::auth_scheme;
use crate::logging::RequestLog;
use crate::net_log::{EventType, Params, Phase};
use crate::protocol::{ProtocolBody, ProtocolRequest};
use crate::session::Session;
use crate::transport::{self, BodyEnd};
use crate::web_request::{Details, ResourceType, UploadData};

/// Redirects followed at most, as Chromium (`net::URLRequest::kMaxRedirects`).
const MAX_REDIRECTS: usize = 20;

/// How a request goes through the pipeline.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FetchMode {
    /// The protocol handlers answer their schemes (off for a handler's own fetch).
    pub(crate) handlers: bool,
    /// What webRequest listeners see.
    pub(crate) resource_type: ResourceType,
    /// Redirects are followed here (off for downloads, which follow them to record the
    /// chain).
    pub(crate) follow_redirects: bool,
    /// The HTTP cache answers and stores (off for downloads, as Chromium's).
    pub(crate) cache: bool,
}

impl FetchMode {
    pub(crate) const FETCH: Self = Self {
        handlers: true,
        resource_type: ResourceType::Xhr,
        follow_redirects: true,
        cache: true,
    };
}

/// What [`Session::navigate`] ends in.
#[derive(Debug)]
#[non_exhaustive]
pub enum Navigation {
    /// A page: the response, as [`Session::fetch`] returns it.
    Page(reqwest::Response),
    /// An attachment: a download, already announced through `will-download`.
    Download(netsession_downloads::DownloadItem),
}

/// A failed fetch, with Chromium's net error name and code.
#[derive(Clone, Debug)]
pub struct NetError {
    name: &'static str,
    code: i32,
    url: Box<Url>,
    detail: Option<Arc<dyn std::error::Error + Send + Sync>>,
    /// The proxy that refused a tunnel with 407, for the authentication round.
    pub(crate) proxy_auth: Option<Box<ProxyServer>>,
}

impl NetError {
    /// The error `code`, named from Chromium's table (`net::ERR_<unknown>` outside it).
    pub(crate) fn new(code: i32, url: &Url) -> Self {
        Self {
            name: crate::net_log::net_error_name(code),
            code,
            url: Box::new(url.clone()),
            detail: None,
            proxy_auth: None,
        }
    }

    pub(crate) fn with_detail(
        mut self,
        detail: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.detail = Some(Arc::new(detail));
        self
    }

    /// Chromium's name for the error (`net::ERR_INTERNET_DISCONNECTED`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Chromium's code for the error (-106).
    pub fn code(&self) -> i32 {
        self.code
    }

    /// The URL whose request failed (the last hop for redirects).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The `NetError` inside `error` and its causes: a response body that fails while it is
    /// read gives a `reqwest::Error` whose cause is the session's `NetError`
    /// (`net::ERR_CONTENT_LENGTH_MISMATCH`, `net::ERR_CONNECTION_RESET`, ...).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(response: reqwest::Response) {
    /// if let Err(error) = response.bytes().await {
    ///     match netsession::NetError::find(&error) {
    ///         Some(net_error) => eprintln!("{}", net_error.name()),
    ///         None => eprintln!("{error}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a NetError> {
        let mut source = Some(error);
        let mut depth = 0;
        while let Some(current) = source {
            if let Some(found) = current.downcast_ref::<NetError>() {
                return Some(found);
            }
            depth += 1;
            if depth > 64 {
                return None;
            }
            source = current.source();
        }
        None
    }
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}) for {}", self.name, self.code, self.url)?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for NetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.detail
            .as_deref()
            .map(|detail| detail as &(dyn std::error::Error + 'static))
    }
}

impl From<OnlyIfCachedMiss> for NetError {
    fn from(miss: OnlyIfCachedMiss) -> Self {
        Self::new(-400, &miss.0) // ERR_CACHE_MISS
    }
}

/// Rounds of `401` answered at most for one request (a server refusing every identity the
/// login handler gives cannot loop forever).
const MAX_AUTH_ROUNDS: usize = 5;

impl Session {
    /// Electron's `ses.fetch`: sends `request` through the session (see the module docs for
    /// what the pipeline applies) and returns the final response.
    ///
    /// # Errors
    ///
    /// A [`NetError`] with Chromium's name and code: `net::ERR_INTERNET_DISCONNECTED` when
    /// emulating offline, `net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED` when the PAC script
    /// fails, `net::ERR_PROXY_CONNECTION_FAILED` when no proxy could be reached,
    /// `net::ERR_NAME_NOT_RESOLVED`, `net::ERR_CONNECTION_REFUSED`, `net::ERR_TIMED_OUT`,
    /// a certificate error (`net::ERR_CERT_AUTHORITY_INVALID`, or the verify proc's code),
    /// `net::ERR_CACHE_MISS` for `only-if-cached`, `net::ERR_TOO_MANY_REDIRECTS`,
    /// `net::ERR_UNKNOWN_URL_SCHEME`, or `net::ERR_FAILED`.
    pub async fn fetch(&self, request: reqwest::Request) -> Result<reqwest::Response, NetError> {
        self.fetch_with(request, FetchMode::FETCH).await
    }

    /// [`Session::fetch`], with or without the protocol handlers (a handler's answer of
    /// another URL is fetched without them, so that an intercepting handler can reach the
    /// network).
    pub(crate) fn fetch_with(
        &self,
        request: reqwest::Request,
        mode: FetchMode,
    ) -> Pin<Box<dyn Future<Output = Result<reqwest::Response, NetError>> + Send + '_>> {
        Box::pin(async move {
            let web = self.web_request();
            let mut watch = (!web.is_idle()).then(|| {
                let mut details =
                    Details::new(web.next_id(), request.url(), request.method().as_str());
                details.resource_type = mode.resource_type;
                details
            });
            let log = RequestLog::start(self.net_log(), request.url(), request.method().as_str());
            let result = self.hops(request, mode, &mut watch, &log).await;
            let response = match result {
                Ok(response) => response,
                Err(error) => {
                    if let Some(details) = &mut watch {
                        details.error = Some(error.name().to_owned());
                        web.error_occurred(details);
                    }
                    log.event(
                        EventType::Failed,
                        Phase::None,
                        Some(Params::net_error(error.code())),
                    );
                    log.end(EventType::RequestAlive, error.code());
                    return Err(error);
                }
            };
            if watch.is_none() && !log.is_on() {
                return Ok(response);
            }
            if let Some(details) = &mut watch {
                details.from_cache = Some(from_cache(&response));
                describe_response(details, &response);
                web.response_started(details);
            }
            // `onCompleted` and the end of `REQUEST_ALIVE` when the body has been read;
            // `onErrorOccurred` if it fails or is dropped first.
            let session = self.clone();
            Ok(transport::watch_body(response, move |end| {
                let code = match end {
                    BodyEnd::Completed => 0,
                    BodyEnd::Failed(error) => error.code(),
                    BodyEnd::Aborted => -3, // ERR_ABORTED
                };
                let name = crate::net_log::net_error_name(code);
                log.end(EventType::RequestAlive, code);
                if let Some(mut details) = watch {
                    let web = session.web_request();
                    details.error = Some(name.to_owned());
                    if code == 0 {
                        web.completed(&details.at_now());
                    } else {
                        web.error_occurred(&details.at_now());
                    }
                }
            }))
        })
    }

    /// Every hop of a request, redirects followed here.
    async fn hops(
        &self,
        request: reqwest::Request,
        mode: FetchMode,
        watch: &mut Option<Details>,
        log: &RequestLog,
    ) -> Result<reqwest::Response, NetError> {
        let web = self.web_request();
        let mut request = request;
        let mut redirects = 0;
        loop {
            let url = request.url().clone();
            log.begin_with(EventType::UrlRequestStartJob, |_| {
                Params::new()
                    .string("url", url.as_str())
                    .string("method", request.method().as_str())
                    .int("load_flags", 0)
            });
            log.end(EventType::UrlRequestStartJob, 0);
            if let Some(details) = watch.as_mut() {
                details.url = url.clone();
                details.method = request.method().as_str().to_owned();
                details.upload_data = Some(upload_data(&request));
                let answer = web.before_request(details).await;
                details.upload_data = None;
                if answer.cancel {
                    return Err(blocked(&url));
                }
                if let Some(target) = answer.redirect_url {
                    details.status_code = Some(307);
                    details.status_line = Some("HTTP/1.1 307 Internal Redirect".into());
                    details.redirect_url = Some(target.clone());
                    details.from_cache = Some(false);
                    web.before_redirect(details);
                    details.redirect_url = None;
                    redirects += 1;
                    if redirects > MAX_REDIRECTS {
                        return Err(NetError::new(-310, &target)); // ERR_TOO_MANY_REDIRECTS
                    }
                    *request.url_mut() = target;
                    continue;
                }
            }
            let handler = if mode.handlers {
                self.protocol().handler(url.scheme())
            } else {
                None
            };
            let response = if let Some(handler) = handler {
                self.answer_with_handler(handler, request.try_clone(), &url)
                    .await?
            } else if url.scheme() == "blob" {
                self.blob_response(&url)?
            } else if url.scheme() == "data" {
                data_response(&url)?
            } else if !matches!(url.scheme(), "http" | "https") {
                return Err(NetError::new(-302, &url)); // ERR_UNKNOWN_URL_SCHEME
            } else {
                self.add_headers(&mut request, log);
                if let Some(details) = watch.as_mut() {
                    details.request_headers = Some(request.headers().clone());
                    let answer = web.before_send_headers(details).await;
                    if answer.cancel {
                        return Err(blocked(&url));
                    }
                    if let Some(headers) = answer.request_headers {
                        *request.headers_mut() = headers;
                        details.request_headers = Some(request.headers().clone());
                    }
                    web.send_headers(details);
                    details.request_headers = None;
                }
                let follow_up = request.try_clone();
                let mut response = if mode.cache {
                    let cache = self.http_cache();
                    log.event(EventType::HttpCacheOpenOrCreateEntry, Phase::Begin, None);
                    let cached = cache
                        .execute_with(request, |request| self.authenticated(request, log))
                        .await;
                    log.end(
                        EventType::HttpCacheOpenOrCreateEntry,
                        cached.as_ref().err().map_or(0, NetError::code),
                    );
                    let response = cached?;
                    log_cache_use(log, &response);
                    response
                } else {
                    self.authenticated(request, log).await?
                };
                if let Some(details) = watch.as_mut() {
                    describe_response(details, &response);
                    let answer = web.headers_received(details).await;
                    if answer.cancel {
                        return Err(blocked(&url));
                    }
                    if let Some(headers) = answer.response_headers {
                        let status = answer
                            .status_line
                            .as_deref()
                            .and_then(status_of_line)
                            .unwrap_or_else(|| response.status());
                        response = transport::replace_head(response, status, headers);
                    }
                }
                for value in response.headers().get_all(SET_COOKIE) {
                    if let Ok(line) = value.to_str() {
                        // A cookie the jar refuses is dropped, as a browser drops it.
                        let stored = self.cookies().store(&url, line);
                        if log.is_on() {
                            let name = line.split(['=', ';']).next().unwrap_or_default().trim();
                            let status = match &stored {
                                Ok(()) => "INCLUDE".to_owned(),
                                Err(error) => format!("EXCLUDE: {error}"),
                            };
                            log.cookie("store", name, line, &status);
                        }
                    }
                }
                let follow_up = follow_up.filter(|_| mode.follow_redirects);
                match next_hop(&response, follow_up) {
                    Some(next) => {
                        log.event_with(EventType::UrlRequestRedirected, Phase::None, |_| {
                            Params::new().string("location", next.url().as_str())
                        });
                        if let Some(details) = watch.as_mut() {
                            describe_response(details, &response);
                            details.from_cache = Some(from_cache(&response));
                            details.redirect_url = Some(next.url().clone());
                            web.before_redirect(details);
                            details.redirect_url = None;
                        }
                        redirects += 1;
                        if redirects > MAX_REDIRECTS {
                            return Err(NetError::new(-310, next.url())); // ERR_TOO_MANY_REDIRECTS
                        }
                        // The redirect's body is not read: its connection slot goes back now.
                        drop(response);
                        request = next;
                        continue;
                    }
                    None => return Ok(response),
                }
            };
            return Ok(response);
        }
    }

    /// Runs a protocol handler and turns its answer into a response.
    async fn answer_with_handler(
        &self,
        handler: crate::protocol::Handler,
        request: Option<reqwest::Request>,
        url: &Url,
    ) -> Result<reqwest::Response, NetError> {
        let Some(request) = request else {
            // A streaming body cannot be handed to a handler.
            return Err(NetError::new(-2, url)); // ERR_FAILED
        };
        let protocol_request = ProtocolRequest {
            url: url.clone(),
            method: request.method().as_str().to_owned(),
            headers: request.headers().clone(),
            referrer: request
                .headers()
                .get(reqwest::header::REFERER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            upload_data: request
                .body()
                .and_then(reqwest::Body::as_bytes)
                .map(bytes::Bytes::copy_from_slice),
        };
        let answer = handler(protocol_request).await;
        if let Some(code) = answer.error {
            return Err(NetError::new(code, url));
        }
        let body = match answer.body {
            ProtocolBody::Url(target) => {
                let mut forwarded = reqwest::Request::new(request.method().clone(), target);
                *forwarded.headers_mut() = request.headers().clone();
                if let Some(bytes) = request.body().and_then(reqwest::Body::as_bytes) {
                    *forwarded.body_mut() = Some(reqwest::Body::from(bytes.to_vec()));
                }
                let mode = FetchMode {
                    handlers: false,
                    ..FetchMode::FETCH
                };
                return self.fetch_with(forwarded, mode).await;
            }
            ProtocolBody::Empty => reqwest::Body::from(Vec::new()),
            ProtocolBody::Bytes(bytes) => reqwest::Body::from(bytes),
            ProtocolBody::Stream(stream) => reqwest::Body::wrap_stream(stream),
            ProtocolBody::File(path) => match tokio::fs::File::open(&path).await {
                Ok(file) => {
                    let length = file.metadata().await.ok().map(|m| m.len());
                    netsession_http_cache::sized_body(file_chunks(file), length)
                }
                Err(_) => return Err(NetError::new(-6, url)), // ERR_FILE_NOT_FOUND
            },
        };
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in &answer.headers {
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.append(name, value);
            }
        }
        if !headers.contains_key(CONTENT_TYPE) {
            let mut content_type = answer.mime_type.clone();
            if content_type.starts_with("text/") && !answer.charset.is_empty() {
                content_type = format!("{content_type}; charset={}", answer.charset);
            }
            if let Ok(value) = HeaderValue::from_str(&content_type) {
                headers.insert(CONTENT_TYPE, value);
            }
        }
        let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
        Ok(transport::response(url, status, headers, body))
    }

    /// A `blob:` URL: the blob whose UUID ends the URL.
    fn blob_response(&self, url: &Url) -> Result<reqwest::Response, NetError> {
        let uuid = url.path().rsplit('/').next().unwrap_or_default();
        let data = self
            .inner
            .blobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(uuid)
            .cloned()
            .ok_or_else(|| NetError::new(-6, url))?; // ERR_FILE_NOT_FOUND
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::CONTENT_LENGTH,
            HeaderValue::from(data.len()),
        );
        Ok(transport::response(
            url,
            StatusCode::OK,
            headers,
            reqwest::Body::from(data),
        ))
    }

    /// What a webview does when it loads `request` as a page: the response, unless it
    /// answers `Content-Disposition: attachment`, which becomes a download (announced
    /// through `will-download`, saved under the download path) as in Chromium. webRequest
    /// listeners see it as a `mainFrame` request.
    ///
    /// # Errors
    ///
    /// As [`Session::fetch`]; `net::ERR_FAILED` when the download cannot start (no Tokio
    /// runtime).
    pub async fn navigate(&self, request: reqwest::Request) -> Result<Navigation, NetError> {
        let first = request.url().clone();
        let response = self
            .fetch_with(
                request,
                FetchMode {
                    resource_type: ResourceType::MainFrame,
                    ..FetchMode::FETCH
                },
            )
            .await?;
        let attachment = response
            .headers()
            .get(reqwest::header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("attachment"));
        if !attachment {
            return Ok(Navigation::Page(response));
        }
        let last = response.url().clone();
        let chain = if last == first {
            vec![first]
        } else {
            vec![first, last.clone()]
        };
        self.download_manager()
            .adopt(
                response,
                chain,
                netsession_downloads::DownloadOptions::default(),
            )
            .map(Navigation::Download)
            .map_err(|error| NetError::new(-2, &last).with_detail(error)) // ERR_FAILED
    }

    /// The headers the session adds: its user agent and `Accept-Language` unless the request
    /// sets them, and its cookies for the URL.
    fn add_headers(&self, request: &mut reqwest::Request, log: &RequestLog) {
        let url = request.url().clone();
        let headers = request.headers_mut();
        if !headers.contains_key(USER_AGENT) {
            if let Ok(value) = HeaderValue::from_str(&self.user_agent()) {
                headers.insert(USER_AGENT, value);
            }
        }
        if !headers.contains_key(ACCEPT_LANGUAGE) {
            if let Some(value) = self
                .accept_language()
                .and_then(|v| HeaderValue::from_str(&v).ok())
            {
                headers.insert(ACCEPT_LANGUAGE, value);
            }
        }
        // An app's own request has no initiator: every cookie for the URL goes.
        let cookies = self
            .cookies()
            .cookie_header(&url, netsession_cookies::SameSiteContext::SameSite);
        if !cookies.is_empty() {
            if log.is_on() {
                for pair in cookies.split("; ") {
                    let name = pair.split('=').next().unwrap_or_default();
                    log.cookie("send", name, pair, "INCLUDE");
                }
            }
            if let Ok(value) = HeaderValue::from_str(&cookies) {
                headers.insert(COOKIE, value);
            }
        }
    }

    /// HTTP authentication around the transport (beneath the cache, as in Chromium, so the
    /// cache sees the answer to the authenticated request). See the `auth` module for the
    /// order in which identities are tried.
    async fn authenticated(
        &self,
        request: reqwest::Request,
        log: &RequestLog,
    ) -> Result<reqwest::Response, NetError> {
        let mut request = request;
        let url = request.url().clone();
        let mut from_url = auth::url_credentials(&url);
        if from_url.is_some() {
            // Chromium never sends the URL's userinfo as such.
            let _ = request.url_mut().set_username("");
            let _ = request.url_mut().set_password(None);
        }
        let clean_url = request.url().clone();
        let method = request.method().as_str().to_owned();
        if !request.headers().contains_key(AUTHORIZATION) {
            if let Some(value) = self.inner.auth_cache.preemptive(&method, &clean_url) {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    request.headers_mut().insert(AUTHORIZATION, value);
                }
            }
        }
        let mut tried_cache = false;
        let mut sent: Option<AuthEntry> = None;
        let mut proxy_rounds = 0;
        for _ in 0..MAX_AUTH_ROUNDS {
            let retry = request.try_clone();
            let response = match self.transport(request, log).await {
                Ok(response) => response,
                Err(error) => {
                    // A tunnel the proxy refused with 407: its challenge is not visible.
                    let Some(proxy) = error.proxy_auth.clone() else {
                        return Err(error);
                    };
                    let Some(retry) = retry else {
                        return Err(error);
                    };
                    proxy_rounds += 1;
                    if proxy_rounds > 2 || !self.authenticate_proxy(&clean_url, &proxy, "").await {
                        return Err(error);
                    }
                    request = retry;
                    continue;
                }
            };
            if response.status() == StatusCode::PROXY_AUTHENTICATION_REQUIRED {
                let route = response.extensions().get::<Route>().cloned();
                let proxy = route.and_then(|Route(chain)| chain.server().cloned());
                let realm = auth_scheme::parse_challenges(
                    response
                        .headers()
                        .get_all(PROXY_AUTHENTICATE)
                        .iter()
                        .filter_map(|v| v.to_str().ok()),
                )
                .iter()
                .find(|c| c.scheme == auth_scheme::Scheme::Basic)
                .map(|c| c.realm().to_owned());
                let (Some(proxy), Some(realm), Some(retry)) = (proxy, realm, retry) else {
                    return Ok(response);
                };
                proxy_rounds += 1;
                if proxy_rounds > 2 || !self.authenticate_proxy(&clean_url, &proxy, &realm).await {
                    return Ok(response);
                }
                drop(response);
                request = retry;
                continue;
            }
            if response.status() != StatusCode::UNAUTHORIZED {
                if let Some(entry) = sent {
                    if response.status().is_success() || response.status().is_redirection() {
                        self.inner.auth_cache.store(entry);
                    }
                }
                return Ok(response);
            }
            let Some(mut retry) = retry else {
                return Ok(response);
            };
            let challenges = auth_scheme::parse_challenges(
                response
                    .headers()
                    .get_all(WWW_AUTHENTICATE)
                    .iter()
                    .filter_map(|v| v.to_str().ok()),
            );
            let host = clean_url.host_str().unwrap_or_default();
            let ntlm = self.ntlm_credentials_allowed(host);
            #[cfg(feature = "ntlm")]
            if ntlm
                && crate::ntlm::offered(
                    response
                        .headers()
                        .get_all(WWW_AUTHENTICATE)
                        .iter()
                        .filter_map(|v| v.to_str().ok()),
                )
            {
                return self
                    .ntlm_handshake(response, retry, &clean_url, from_url, log)
                    .await;
            }
            let Some(challenged) =
                auth_scheme::choose_best(&challenges, ntlm).and_then(auth::Challenged::new)
            else {
                return Ok(response);
            };
            let credentials = if let Some(previous) = sent.as_ref().filter(|_| challenged.stale) {
                // A stale nonce: the same identity answers the fresh nonce.
                Some(previous.credentials.clone())
            } else if let Some(credentials) = from_url.take() {
                Some(credentials)
            } else if let Some(cached) = (!tried_cache)
                .then(|| self.inner.auth_cache.lookup(&clean_url, &challenged.realm))
                .flatten()
            {
                tried_cache = true;
                Some(cached)
            } else {
                if tried_cache {
                    self.inner.auth_cache.remove(&clean_url, &challenged.realm);
                }
                tried_cache = true;
                self.ask_login(&clean_url, &challenged).await
            };
            let Some(credentials) = credentials else {
                return Ok(response);
            };
            drop(response);
            let mut entry = challenged.entry(&clean_url, credentials);
            let value = entry.authorization(&method, &clean_url);
            if let Ok(value) = HeaderValue::from_str(&value) {
                retry.headers_mut().insert(AUTHORIZATION, value);
            }
            sent = Some(entry);
            request = retry;
        }
        self.transport(request, log).await
    }

    /// NTLM's three steps on one connection (see `ntlm.rs`): NEGOTIATE, the server's
    /// CHALLENGE, AUTHENTICATE. `first` is the `401` that offered NTLM.
    #[cfg(feature = "ntlm")]
    async fn ntlm_handshake(
        &self,
        first: reqwest::Response,
        retry: reqwest::Request,
        url: &Url,
        from_url: Option<Credentials>,
        log: &RequestLog,
    ) -> Result<reqwest::Response, NetError> {
        use crate::ntlm::{NtlmHandshake, challenge_token};
        let info = AuthInfo {
            is_proxy: false,
            scheme: "ntlm".into(),
            host: url.host_str().unwrap_or_default().to_owned(),
            port: url.port_or_known_default().unwrap_or(0),
            realm: String::new(),
        };
        let identity = match from_url.or_else(|| self.inner.auth_cache.lookup(url, "")) {
            Some(identity) => Some(identity),
            None => self.login(url, info).await,
        };
        let Some(identity) = identity else {
            return Ok(first);
        };
        let library = |error: crate::ntlm::NtlmError| NetError::new(-342, url).with_detail(error);
        settle(first).await;
        // NTLM needs its steps on one connection. The pool hands a connection back a moment
        // after its body ends; when the next step lands on another one the server starts
        // over (a bare `NTLM` challenge), and the handshake is tried again.
        let mut last = None;
        for attempt in 0..NTLM_ATTEMPTS {
            let Ok(mut handshake) = NtlmHandshake::new(&identity) else {
                return Err(NetError::new(-338, url)); // ERR_INVALID_AUTH_CREDENTIALS
            };
            let negotiate = handshake.step(None).map_err(library)?;
            let mut request = retry.try_clone().ok_or_else(|| NetError::new(-2, url))?;
            authorize(&mut request, &negotiate);
            let challenged = self.transport(request, log).await?;
            if challenged.status() != StatusCode::UNAUTHORIZED {
                return Ok(challenged);
            }
            let Some(challenge) = challenge_token(
                challenged
                    .headers()
                    .get_all(WWW_AUTHENTICATE)
                    .iter()
                    .filter_map(|v| v.to_str().ok()),
            )
            .map(str::to_owned) else {
                // No CHALLENGE: the NEGOTIATE reached a connection of its own.
                settle(challenged).await;
                continue;
            };
            settle(challenged).await;
            let authenticate = handshake.step(Some(&challenge)).map_err(library)?;
            let mut request = retry.try_clone().ok_or_else(|| NetError::new(-2, url))?;
            authorize(&mut request, &authenticate);
            let response = self.transport(request, log).await?;
            if response.status() != StatusCode::UNAUTHORIZED {
                self.inner.auth_cache.store(
                    AuthEntry {
                        origin: String::new(),
                        realm: String::new(),
                        directory: String::new(),
                        credentials: identity,
                        answer: auth::Answer::Ntlm,
                    }
                    .for_url(url),
                );
                return Ok(response);
            }
            // A bare `NTLM` again: a wrong identity, or a step that landed on another
            // connection. The last try's answer is the request's.
            if attempt + 1 == NTLM_ATTEMPTS {
                last = Some(response);
                break;
            }
            settle(response).await;
        }
        // Refused: the identity is not kept.
        self.inner.auth_cache.remove(url, "");
        match last {
            Some(response) => Ok(response),
            None => Err(NetError::new(-338, url)), // ERR_INVALID_AUTH_CREDENTIALS
        }
    }

    /// Asks the app's `login` handler, if it has one.
    async fn ask_login(&self, url: &Url, challenged: &auth::Challenged) -> Option<Credentials> {
        self.login(
            url,
            AuthInfo {
                is_proxy: false,
                scheme: challenged.scheme.to_owned(),
                host: url.host_str().unwrap_or_default().to_owned(),
                port: url.port_or_known_default().unwrap_or(0),
                realm: challenged.realm.clone(),
            },
        )
        .await
    }

    async fn login(&self, url: &Url, auth_info: AuthInfo) -> Option<Credentials> {
        let handler = self.login_handler()?;
        handler(LoginRequest {
            url: url.clone(),
            auth_info,
        })
        .await
    }

    /// A proxy asked for credentials (Basic, the one scheme proxies get here): the login
    /// handler answers with `is_proxy` set, and the proxy's route is rebuilt with them.
    /// False when there is nobody to answer.
    async fn authenticate_proxy(&self, url: &Url, proxy: &ProxyServer, realm: &str) -> bool {
        let info = AuthInfo {
            is_proxy: true,
            scheme: "basic".into(),
            host: proxy.host().to_string(),
            port: proxy.port(),
            realm: realm.to_owned(),
        };
        match self.login(url, info).await {
            Some(credentials) => {
                self.client().set_proxy_credentials(
                    proxy,
                    &credentials.username,
                    &credentials.password,
                );
                true
            }
            None => false,
        }
    }

    /// The network: emulation, a connection slot, the proxied clients.
    async fn transport(
        &self,
        request: reqwest::Request,
        log: &RequestLog,
    ) -> Result<reqwest::Response, NetError> {
        let url = request.url().clone();
        let emulation = self.emulation();
        if let Some(emulation) = &emulation {
            let conditions = emulation.conditions;
            if conditions.offline {
                return Err(NetError::new(-106, &url)); // ERR_INTERNET_DISCONNECTED
            }
            if !conditions.latency.is_zero() {
                tokio::time::sleep(conditions.latency).await;
            }
            if conditions.upload_throughput > 0 {
                let length = request
                    .body()
                    .and_then(reqwest::Body::as_bytes)
                    .map_or(0, <[u8]>::len);
                transport::throttle(&emulation.upload, length as u64).await;
            }
        }
        if log.is_on() {
            log.event(EventType::HttpTransactionSendRequest, Phase::Begin, None);
            log.request_headers(request.method().as_str(), &url, request.headers());
            log.end(EventType::HttpTransactionSendRequest, 0);
        }
        let permit = self.inner.slots.acquire(&url).await;
        log.event(EventType::HttpTransactionReadHeaders, Phase::Begin, None);
        let sent = self
            .client()
            .execute(request)
            .await
            .map_err(|error| transport::classify(error, &url));
        log.end(
            EventType::HttpTransactionReadHeaders,
            sent.as_ref().err().map_or(0, NetError::code),
        );
        if log.is_on() {
            // The proxied client resolved the route; the log shows the one it used rather
            // than resolving again (a PAC script would run twice).
            let route = sent
                .as_ref()
                .ok()
                .and_then(|response| response.extensions().get::<Route>())
                .map(|Route(chain)| chain.pac().to_string());
            log.event(EventType::ProxyResolutionService, Phase::Begin, None);
            if let Some(route) = route {
                log.event_with(
                    EventType::ProxyResolutionServiceResolvedProxyList,
                    Phase::None,
                    |_| Params::new().string("pac_string", route.as_str()),
                );
            }
            log.end(
                EventType::ProxyResolutionService,
                sent.as_ref().err().map_or(0, NetError::code),
            );
        }
        let response = sent?;
        log.response_headers(&response);
        let download = emulation
            .filter(|e| e.conditions.download_throughput > 0)
            .map(|e| Arc::clone(&e.download));
        Ok(transport::meter(response, permit, download))
    }
}

/// The request for the next hop of a redirect, as browsers rewrite it: 303 (and 301/302 for
/// a POST) becomes a GET without a body; the session adds cookies and headers again.
fn next_hop(
    response: &reqwest::Response,
    previous: Option<reqwest::Request>,
) -> Option<reqwest::Request> {
    let status = response.status();
    if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
        return None;
    }
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    let target = response.url().join(location).ok()?;
    let previous = previous?;
    let to_get = status == StatusCode::SEE_OTHER
        || (matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
            && previous.method() == Method::POST);
    let mut next = if to_get {
        let mut next = reqwest::Request::new(Method::GET, target);
        *next.headers_mut() = previous.headers().clone();
        next
    } else {
        let mut next = previous;
        *next.url_mut() = target;
        next
    };
    // The next hop's cookies are its own.
    next.headers_mut().remove(COOKIE);
    Some(next)
}

/// `net::ERR_BLOCKED_BY_CLIENT`: a webRequest listener cancelled the request.
fn blocked(url: &Url) -> NetError {
    NetError::new(-20, url) // ERR_BLOCKED_BY_CLIENT
}

fn from_cache(response: &reqwest::Response) -> bool {
    netsession_http_cache::CacheStatus::of(response)
        == Some(netsession_http_cache::CacheStatus::Hit)
}

/// The request body as Electron's `uploadData` (empty without a body in memory).
fn upload_data(request: &reqwest::Request) -> Vec<UploadData> {
    request
        .body()
        .and_then(reqwest::Body::as_bytes)
        .map(|bytes| {
            vec![UploadData {
                bytes: bytes::Bytes::copy_from_slice(bytes),
            }]
        })
        .unwrap_or_default()
}

/// Fills the response fields of `details`.
fn describe_response(details: &mut Details, response: &reqwest::Response) {
    let status = response.status();
    details.status_code = Some(status.as_u16());
    details.status_line = Some(format!(
        "{:?} {} {}",
        response.version(),
        status.as_u16(),
        status.canonical_reason().unwrap_or_default()
    ));
    details.response_headers = Some(response.headers().clone());
    details.ip = response.remote_addr().map(|remote| remote.ip().to_string());
}

/// The status code of a status line (`HTTP/1.1 404 Not Found`).
fn status_of_line(line: &str) -> Option<StatusCode> {
    let code = line.split_whitespace().nth(1)?;
    StatusCode::from_bytes(code.as_bytes()).ok()
}

/// A file's contents as a stream of chunks of up to 64 KiB.
fn file_chunks(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<bytes::Bytes>> + Send {
    use tokio::io::AsyncReadExt as _;
    futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buffer = bytes::BytesMut::with_capacity(64 * 1024);
        match file.read_buf(&mut buffer).await {
            Ok(0) => None,
            Ok(_) => Some((Ok(buffer.freeze()), Some(file))),
            Err(error) => Some((Err(error), None)),
        }
    })
}

/// What the cache did, as Chromium's cache events.
fn log_cache_use(log: &RequestLog, response: &reqwest::Response) {
    use netsession_http_cache::CacheStatus;
    if !log.is_on() {
        return;
    }
    let status = CacheStatus::of(response);
    let events: &[EventType] = match status {
        Some(CacheStatus::Hit) => &[EventType::HttpCacheReadInfo, EventType::HttpCacheReadData],
        Some(CacheStatus::Stored) => {
            &[EventType::HttpCacheWriteInfo, EventType::HttpCacheWriteData]
        }
        Some(CacheStatus::Revalidated) => {
            &[EventType::HttpCacheReadData, EventType::HttpCacheWriteInfo]
        }
        _ => &[],
    };
    for event in events {
        log.event(*event, Phase::Begin, None);
        log.end(*event, 0);
    }
}

#[cfg(feature = "ntlm")]
fn authorize(request: &mut reqwest::Request, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        request.headers_mut().insert(AUTHORIZATION, value);
    }
}

/// Tries of an NTLM handshake that lost its connection between steps.
#[cfg(feature = "ntlm")]
const NTLM_ATTEMPTS: usize = 3;

/// Reads a `401`'s body to its end and lets the pool take its connection back, so that the
/// next step of a connection-based handshake can use it.
#[cfg(feature = "ntlm")]
async fn settle(response: reqwest::Response) {
    let _ = response.bytes().await;
    for _ in 0..8 {
        tokio::task::yield_now().await;
    }
}

/// A `data:` URL's response, as Chromium's data URL loader answers it: 200 with the URL's
/// MIME type; `net::ERR_INVALID_URL` when it does not decode.
fn data_response(url: &Url) -> Result<reqwest::Response, NetError> {
    let invalid = || NetError::new(-300, url); // ERR_INVALID_URL
    let data = data_url::DataUrl::process(url.as_str()).map_err(|_| invalid())?;
    let mime = data.mime_type().to_string();
    let (body, _) = data.decode_to_vec().map_err(|_| invalid())?;
    let mut headers = reqwest::header::HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&mime) {
        headers.insert(CONTENT_TYPE, value);
    }
    headers.insert(
        reqwest::header::CONTENT_LENGTH,
        HeaderValue::from(body.len()),
    );
    Ok(transport::response(
        url,
        StatusCode::OK,
        headers,
        reqwest::Body::from(body),
    ))
}
