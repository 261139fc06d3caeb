//! What the request pipeline writes to the session's NetLog: a `URL_REQUEST` source per
//! fetch (`REQUEST_ALIVE` around it, `URL_REQUEST_START_JOB` per hop, proxy resolution,
//! cache lookups and writes, request and response headers, cookies, redirects, and the net
//! error at the end), `SOCKET` sources for connections (`TCP_CONNECT`, which covers the
//! proxy handshake and TLS, since reqwest connects in one step), host resolver jobs (from
//! `host_cache.rs`), and certificate verifier jobs (from the verifier's observer).
//! Every function here costs one atomic load when no log runs.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use netsession_cert_verify::{Observer, Verification};
use reqwest::header::HeaderMap;
use url::Url;

use crate::net_log::{
    CaptureMode, EventType, NetLog, Params, Phase, Source, SourceType, request_headers_params,
    response_headers_params,
};

/// The request's NetLog handle: the session's log and the request's source.
#[derive(Clone, Debug)]
pub(crate) struct RequestLog {
    pub(crate) log: NetLog,
    pub(crate) source: Option<Source>,
}

impl RequestLog {
    /// A `URL_REQUEST` source if a log runs, with `REQUEST_ALIVE` begun.
    pub(crate) fn start(log: &NetLog, url: &Url, method: &str) -> Self {
        let source = log
            .currently_logging()
            .then(|| log.new_source(SourceType::UrlRequest));
        let this = Self {
            log: log.clone(),
            source,
        };
        this.begin_with(EventType::RequestAlive, |_| {
            Params::new()
                .string("url", url.as_str())
                .string("method", method)
        });
        this
    }

    pub(crate) fn event(&self, event: EventType, phase: Phase, params: Option<Params>) {
        if let Some(source) = self.source {
            self.log.add_entry(event, phase, source, params);
        }
    }

    pub(crate) fn event_with(
        &self,
        event: EventType,
        phase: Phase,
        params: impl FnOnce(CaptureMode) -> Params,
    ) {
        if let Some(source) = self.source {
            self.log.add_entry_with(event, phase, source, params);
        }
    }

    pub(crate) fn begin_with(&self, event: EventType, params: impl FnOnce(CaptureMode) -> Params) {
        self.event_with(event, Phase::Begin, params);
    }

    /// The end of `event`, with `net_error` when it failed.
    pub(crate) fn end(&self, event: EventType, net_error: i32) {
        let params = (net_error != 0).then(|| Params::net_error(net_error));
        self.event(event, Phase::End, params);
    }

    pub(crate) fn is_on(&self) -> bool {
        self.source.is_some()
    }

    /// `HTTP_TRANSACTION_SEND_REQUEST_HEADERS`, sensitive values elided by mode.
    pub(crate) fn request_headers(&self, method: &str, url: &Url, headers: &HeaderMap) {
        self.event_with(
            EventType::HttpTransactionSendRequestHeaders,
            Phase::None,
            |mode| {
                let target = match url.query() {
                    Some(query) => format!("{}?{query}", url.path()),
                    None => url.path().to_owned(),
                };
                let line = format!("{method} {target} HTTP/1.1\r\n");
                request_headers_params(mode, &line, header_pairs(headers))
            },
        );
    }

    /// `HTTP_TRANSACTION_READ_RESPONSE_HEADERS`.
    pub(crate) fn response_headers(&self, response: &reqwest::Response) {
        self.event_with(
            EventType::HttpTransactionReadResponseHeaders,
            Phase::None,
            |mode| {
                let status = response.status();
                let line = format!(
                    "{:?} {} {}",
                    response.version(),
                    status.as_u16(),
                    status.canonical_reason().unwrap_or_default()
                );
                response_headers_params(mode, &line, header_pairs(response.headers()))
            },
        );
    }

    /// `COOKIE_INCLUSION_STATUS` for one cookie sent or stored; the value only where the
    /// mode allows sensitive data.
    pub(crate) fn cookie(&self, operation: &str, name: &str, line: &str, status: &str) {
        self.event_with(EventType::CookieInclusionStatus, Phase::None, |mode| {
            let params = Params::new()
                .string("operation", operation)
                .string("name", name)
                .string("status", status);
            if mode.includes_sensitive() {
                params.string("cookie", line)
            } else {
                params
            }
        });
    }
}

fn header_pairs(headers: &HeaderMap) -> impl Iterator<Item = (String, String)> + '_ {
    headers.iter().map(|(name, value)| {
        (
            name.as_str().to_owned(),
            String::from_utf8_lossy(value.as_bytes()).into_owned(),
        )
    })
}

/// The verifier's observer: a `CERT_VERIFIER_JOB` source per verification, with the host,
/// the certificates (PEM, as Chromium logs them) and the verdict.
pub(crate) fn cert_observer(log: &NetLog) -> Observer {
    let log = log.clone();
    std::sync::Arc::new(move |verification: &Verification| {
        if !log.currently_logging() {
            return;
        }
        let source = log.new_source(SourceType::CertVerifierJob);
        log.add_entry_with(EventType::CertVerifierJob, Phase::Begin, source, |_| {
            let mut pems = Vec::new();
            let mut next = verification.certificate.as_ref();
            while let Some(certificate) = next {
                pems.push(certificate.data.clone());
                next = certificate.issuer_cert.as_deref();
            }
            Params::new()
                .string("host", verification.hostname.as_str())
                .strings("certificates", pems)
        });
        let code = verification.net_error.code();
        log.add_entry_with(EventType::CertVerifierJob, Phase::End, source, |_| {
            let params = Params::new()
                .int("cert_status", i64::from(verification.status.bits()))
                .bool(
                    "is_issued_by_known_root",
                    verification.is_issued_by_known_root,
                );
            if code == 0 {
                params
            } else {
                params.int("net_error", i64::from(code))
            }
        });
    })
}

/// A reqwest connector layer that logs each connection as a `SOCKET` source with a
/// `TCP_CONNECT` begin and end (reqwest connects TCP, the proxy handshake and TLS in one
/// step, so the event covers all three).
#[derive(Clone, Debug)]
pub(crate) struct LogConnects(pub(crate) NetLog);

impl<S> tower_layer::Layer<S> for LogConnects {
    type Service = LoggedConnector<S>;

    fn layer(&self, inner: S) -> Self::Service {
        LoggedConnector {
            inner,
            log: self.0.clone(),
        }
    }
}

/// The service of [`LogConnects`].
#[derive(Clone, Debug)]
pub(crate) struct LoggedConnector<S> {
    inner: S,
    log: NetLog,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<S, R> tower_service::Service<R> for LoggedConnector<S>
where
    S: tower_service::Service<R, Error = BoxError>,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let connecting = self.inner.call(request);
        if !self.log.currently_logging() {
            return Box::pin(connecting);
        }
        let log = self.log.clone();
        let source = log.new_source(SourceType::Socket);
        log.add_entry(EventType::TcpConnect, Phase::Begin, source, None);
        Box::pin(async move {
            let result = connecting.await;
            let params = match &result {
                Ok(_) => None,
                Err(error) => Some(Params::net_error(connect_error_code(error.as_ref()))),
            };
            log.add_entry(EventType::TcpConnect, Phase::End, source, params);
            result
        })
    }
}

/// The net error of a failed connection, for the log.
fn connect_error_code(error: &(dyn std::error::Error + 'static)) -> i32 {
    let mut source = Some(error);
    let mut depth = 0;
    while let Some(current) = source {
        if let Some(netsession_cert_verify::Error::Rejected { net_error, .. }) =
            netsession_cert_verify::Error::find(current)
        {
            return net_error.code();
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return -102,
                std::io::ErrorKind::TimedOut => return -118,
                _ => {}
            }
        }
        depth += 1;
        if depth > 64 {
            break;
        }
        source = current.source();
    }
    -104
}
