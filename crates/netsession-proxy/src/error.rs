//! The crate's error type.

use std::fmt;
use std::sync::Arc;

use url::Url;

/// Why a PAC script could not be fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchFailure {
    /// The URL's scheme is not `data`, `file`, `http` or `https`.
    UnsupportedScheme,
    /// A `data:` URL that does not decode.
    InvalidDataUrl,
    /// The server answered with a status other than 200.
    Status(u16),
    /// The script is larger than the limit (in bytes).
    TooLarge(usize),
    /// The fetch took longer than the limit.
    Timeout,
    /// Reading a `file:` URL failed.
    Io(std::io::ErrorKind, String),
    /// The HTTP request failed (connection, TLS, protocol).
    Http(String),
}

impl fmt::Display for FetchFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedScheme => {
                f.write_str("PAC URLs must be data:, file:, http: or https:")
            }
            Self::InvalidDataUrl => f.write_str("the data: URL does not decode"),
            Self::Status(status) => write!(f, "the server answered {status}, not 200"),
            Self::TooLarge(limit) => write!(f, "the script is larger than {limit} bytes"),
            Self::Timeout => f.write_str("the fetch timed out"),
            Self::Io(_, message) | Self::Http(message) => f.write_str(message),
        }
    }
}

/// The error of this crate.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Error {
    /// `mode` is not one of Electron's names. The message is Electron's, word for word.
    InvalidMode(String),
    /// The PAC script could not be fetched.
    PacFetch {
        /// The script's URL.
        url: Url,
        /// What went wrong.
        failure: FetchFailure,
    },
    /// The PAC script failed to load or to run (syntax error, exception, non-string result,
    /// time or memory limit).
    PacScript {
        /// The script's URL.
        url: Url,
        /// The evaluator's error, with the script's line and message.
        source: Arc<netsession_pac::Error>,
    },
    /// No proxy is left to try for the URL (an empty list, or every entry failed).
    NoProxyAvailable(Url),
    /// A request through the reqwest adapter failed.
    Request(Arc<reqwest::Error>),
    /// The last proxy of the list could not be connected to (every earlier one failed too).
    ProxyConnectionFailed {
        /// The proxy tried last.
        proxy: netsession_proxy_rules::ProxyChain,
        /// reqwest's connect error.
        source: Arc<reqwest::Error>,
    },
    /// The proxy answered a tunnel (`CONNECT`) with `407 Proxy Authentication Required`:
    /// give it credentials with [`ProxiedClient::set_proxy_credentials`](crate::ProxiedClient::set_proxy_credentials)
    /// and send the request again.
    ProxyAuthRequired {
        /// The proxy asking.
        proxy: netsession_proxy_rules::ProxyChain,
    },
    /// The resolution was cancelled: the runtime is shutting down, or the PAC evaluator
    /// panicked.
    Cancelled,
}

impl Error {
    /// Chromium's net error name for this failure, as Electron would surface it.
    pub fn net_error(&self) -> &'static str {
        match self {
            Self::InvalidMode(_) => "net::ERR_INVALID_ARGUMENT",
            Self::PacFetch { .. } | Self::PacScript { .. } => {
                "net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED"
            }
            Self::NoProxyAvailable(_) => "net::ERR_NO_SUPPORTED_PROXIES",
            Self::ProxyConnectionFailed { .. } => "net::ERR_PROXY_CONNECTION_FAILED",
            Self::ProxyAuthRequired { .. } => "net::ERR_PROXY_AUTH_REQUESTED",
            Self::Request(_) | Self::Cancelled => "net::ERR_FAILED",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidMode(_) => f.write_str(
                "Invalid mode, must be one of direct, auto_detect, pac_script, fixed_servers or system",
            ),
            Self::PacFetch { url, failure } => write!(f, "cannot fetch PAC script {url}: {failure}"),
            Self::PacScript { url, source } => write!(f, "PAC script {url} failed: {source}"),
            Self::NoProxyAvailable(url) => write!(f, "no proxy left to try for {url}"),
            Self::Request(error) => write!(f, "request failed: {error}"),
            Self::ProxyConnectionFailed { proxy, source } => {
                write!(f, "cannot connect to proxy {proxy}: {source}")
            }
            Self::ProxyAuthRequired { proxy } => {
                write!(f, "proxy {proxy} requires authentication for the tunnel")
            }
            Self::Cancelled => f.write_str("proxy resolution was cancelled"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::PacScript { source, .. } => Some(source.as_ref()),
            Self::Request(error) => Some(error.as_ref()),
            Self::ProxyConnectionFailed { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}
