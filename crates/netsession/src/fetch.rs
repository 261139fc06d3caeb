//! `Session::fetch`: a request through the session's pipeline.
//!
//! This first cut applies, in order: network emulation (offline, latency), the user agent and
//! `Accept-Language`, the session's cookies (attached for the request's URL and stored from
//! every response, redirects included: redirects are followed here, hop by hop, so each hop
//! goes through the pipeline), and the session's proxies with failover and bad-proxy marking.
//! The HTTP cache, HTTP authentication, the certificate verify proc, throughput limits and
//! protocol handlers join the pipeline in later work.

use std::fmt;
use std::sync::Arc;

use reqwest::header::{ACCEPT_LANGUAGE, COOKIE, HeaderValue, LOCATION, SET_COOKIE, USER_AGENT};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::session::Session;

/// Redirects followed at most, as Chromium (`net::URLRequest::kMaxRedirects`).
const MAX_REDIRECTS: usize = 20;

/// A failed fetch, with Chromium's net error name and code.
#[derive(Clone, Debug)]
pub struct NetError {
    name: &'static str,
    code: i32,
    url: Url,
    detail: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl NetError {
    fn new(name: &'static str, code: i32, url: &Url) -> Self {
        Self {
            name,
            code,
            url: url.clone(),
            detail: None,
        }
    }

    fn with_detail(mut self, detail: impl std::error::Error + Send + Sync + 'static) -> Self {
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

impl Session {
    /// Electron's `ses.fetch`: sends `request` through the session (see the module docs for
    /// what the pipeline applies) and returns the final response.
    ///
    /// # Errors
    ///
    /// A [`NetError`] with Chromium's name and code: `net::ERR_INTERNET_DISCONNECTED` when
    /// emulating offline, `net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED` when the PAC script
    /// fails, `net::ERR_PROXY_CONNECTION_FAILED` when no proxy could be reached,
    /// `net::ERR_CONNECTION_REFUSED`, `net::ERR_TIMED_OUT`, `net::ERR_TOO_MANY_REDIRECTS`,
    /// `net::ERR_UNKNOWN_URL_SCHEME`, or `net::ERR_FAILED`.
    pub async fn fetch(&self, request: reqwest::Request) -> Result<reqwest::Response, NetError> {
        let mut request = request;
        for _ in 0..=MAX_REDIRECTS {
            let url = request.url().clone();
            if !matches!(url.scheme(), "http" | "https") {
                return Err(NetError::new("net::ERR_UNKNOWN_URL_SCHEME", -302, &url));
            }
            if let Some(conditions) = self.network_conditions() {
                if conditions.offline {
                    return Err(NetError::new("net::ERR_INTERNET_DISCONNECTED", -106, &url));
                }
                if !conditions.latency.is_zero() {
                    tokio::time::sleep(conditions.latency).await;
                }
            }
            self.add_headers(&mut request);
            let follow_up = request.try_clone();
            let response = self
                .client()
                .execute(request)
                .await
                .map_err(|error| classify(error, &url))?;
            for value in response.headers().get_all(SET_COOKIE) {
                if let Ok(line) = value.to_str() {
                    // A cookie the jar refuses is dropped, as a browser drops it.
                    let _ = self.cookies().store(&url, line);
                }
            }
            match next_hop(&response, follow_up) {
                Some(next) => request = next,
                None => return Ok(response),
            }
        }
        Err(NetError::new(
            "net::ERR_TOO_MANY_REDIRECTS",
            -310,
            request.url(),
        ))
    }

    /// The headers the session adds: its user agent and `Accept-Language` unless the request
    /// sets them, and its cookies for the URL.
    fn add_headers(&self, request: &mut reqwest::Request) {
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
            if let Ok(value) = HeaderValue::from_str(&cookies) {
                headers.insert(COOKIE, value);
            }
        }
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

/// Chromium's net error for a failure of the proxy layer or of reqwest.
fn classify(error: netsession_proxy::Error, url: &Url) -> NetError {
    use netsession_proxy::Error as E;
    match error {
        E::PacFetch { .. } | E::PacScript { .. } => {
            NetError::new("net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED", -131, url)
                .with_detail(error)
        }
        E::NoProxyAvailable(_) => NetError::new("net::ERR_NO_SUPPORTED_PROXIES", -336, url),
        E::ProxyConnectionFailed { .. } => {
            NetError::new("net::ERR_PROXY_CONNECTION_FAILED", -130, url).with_detail(error)
        }
        E::Request(request_error) => {
            let refused = io_kind(&request_error) == Some(std::io::ErrorKind::ConnectionRefused);
            let (name, code) = if refused {
                ("net::ERR_CONNECTION_REFUSED", -102)
            } else if request_error.is_timeout() {
                ("net::ERR_TIMED_OUT", -7)
            } else {
                ("net::ERR_FAILED", -2)
            };
            NetError::new(name, code, url).with_detail(ArcError(request_error))
        }
        other => NetError::new("net::ERR_FAILED", -2, url).with_detail(other),
    }
}

fn io_kind(error: &reqwest::Error) -> Option<std::io::ErrorKind> {
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = current.source();
    }
    None
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
