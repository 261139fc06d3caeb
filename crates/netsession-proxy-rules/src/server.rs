//! Proxy servers and proxy chains: Chromium's URI form (`socks5://h:1080`, `h:80`) and PAC form
//! (`SOCKS5 h:1080`, `PROXY h:80`), parsed and printed.

use std::fmt;

use url::Host;

use crate::error::{Error, ErrorKind};

/// The protocol spoken to a proxy server.
///
/// QUIC proxies and multi-proxy chains exist in Chromium only behind debug-build flags, so
/// they are not accepted here, exactly as in release builds of Chromium and Electron.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Scheme {
    /// An HTTP proxy: URI `http://` or no scheme, PAC `PROXY`, default port 80.
    Http,
    /// An HTTP proxy reached over TLS: URI `https://`, PAC `HTTPS`, default port 443.
    Https,
    /// SOCKS version 4: URI `socks4://`, PAC `SOCKS` or `SOCKS4`, default port 1080.
    Socks4,
    /// SOCKS version 5: URI `socks5://` or `socks://`, PAC `SOCKS5`, default port 1080.
    Socks5,
}

impl Scheme {
    /// The port used when an entry names none.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_proxy_rules::Scheme;
    /// assert_eq!(Scheme::Socks5.default_port(), 1080);
    /// ```
    pub fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
            Self::Socks4 | Self::Socks5 => 1080,
        }
    }

    /// The keyword that introduces this scheme in a PAC result (`PROXY`, `HTTPS`, `SOCKS`,
    /// `SOCKS5`), as Chromium's `ToPacString` prints it.
    pub fn pac_keyword(self) -> &'static str {
        match self {
            Self::Http => "PROXY",
            Self::Https => "HTTPS",
            Self::Socks4 => "SOCKS",
            Self::Socks5 => "SOCKS5",
        }
    }

    /// The URI scheme name as Chromium prints it (`http`, `https`, `socks4`, `socks5`).
    pub fn uri_scheme(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
            Self::Socks4 => "socks4",
            Self::Socks5 => "socks5",
        }
    }

    /// Maps a URI scheme (before `://`), case-insensitively. Note that `socks` means SOCKS5
    /// here, while the PAC keyword `SOCKS` means SOCKS4.
    fn from_uri_scheme(name: &str) -> Option<Self> {
        const TABLE: [(&str, Scheme); 5] = [
            ("http", Scheme::Http),
            ("https", Scheme::Https),
            ("socks", Scheme::Socks5),
            ("socks4", Scheme::Socks4),
            ("socks5", Scheme::Socks5),
        ];
        lookup(&TABLE, name)
    }

    /// Maps a PAC keyword, case-insensitively. `HTTP` is not a PAC keyword.
    fn from_pac_keyword(keyword: &str) -> Option<Self> {
        const TABLE: [(&str, Scheme); 5] = [
            ("proxy", Scheme::Http),
            ("https", Scheme::Https),
            ("socks", Scheme::Socks4),
            ("socks4", Scheme::Socks4),
            ("socks5", Scheme::Socks5),
        ];
        lookup(&TABLE, keyword)
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.uri_scheme())
    }
}

/// A proxy server: scheme, canonical host and port (the scheme's default when none was given).
///
/// The host is canonical as in a URL: lower-case, IDN labels in punycode, IPv4 literals in
/// dotted-decimal form (`127.1` becomes `127.0.0.1`), IPv6 literals compressed and bracketed.
///
/// # Examples
///
/// ```
/// use netsession_proxy_rules::{ProxyServer, Scheme};
///
/// let server = ProxyServer::from_uri("socks://Proxy.Example:1081")?;
/// assert_eq!(server.scheme(), Scheme::Socks5);
/// assert_eq!(server.to_string(), "socks5://proxy.example:1081");
/// assert_eq!(server.pac().to_string(), "SOCKS5 proxy.example:1081");
///
/// let server = ProxyServer::from_pac("PROXY [::FFFF:129.144.52.38]")?;
/// assert_eq!(server.to_string(), "[::ffff:8190:3426]:80");
/// # Ok::<(), netsession_proxy_rules::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProxyServer {
    scheme: Scheme,
    host: Host<String>,
    port: u16,
}

impl ProxyServer {
    /// Builds a server from its parts, canonicalizing the host as Chromium's
    /// `ProxyServer::FromSchemeHostAndPort` does (a bare IPv6 literal gets brackets). With
    /// `port` `None`, the scheme's default port is used.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::EmptyHost`] or [`ErrorKind::InvalidHost`] when the host is not a valid host
    /// name or IP literal.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_proxy_rules::{ProxyServer, Scheme};
    /// let server = ProxyServer::new(Scheme::Https, "::1", None)?;
    /// assert_eq!(server.to_string(), "https://[::1]:443");
    /// # Ok::<(), netsession_proxy_rules::Error>(())
    /// ```
    pub fn new(scheme: Scheme, host: &str, port: Option<u16>) -> Result<Self, Error> {
        canonical_server(scheme, host, port).map_err(|kind| Error::single(kind, host))
    }

    /// Parses Chromium's URI form: `[scheme://]host[:port]`, with scheme `http` (the default),
    /// `https`, `socks4`, `socks5` or `socks` (SOCKS5).
    ///
    /// # Errors
    ///
    /// The entry is invalid for Chromium (unknown scheme, user info, missing host, empty or
    /// out-of-range port, invalid host), or it is `direct://`, which is not a server.
    pub fn from_uri(text: &str) -> Result<Self, Error> {
        match ProxyChain::from_uri(text)? {
            ProxyChain::Server(server) => Ok(server),
            ProxyChain::Direct => Err(Error::single(ErrorKind::EmptyHost, text)),
        }
    }

    /// Parses one PAC result element with a host: `PROXY host[:port]`, `HTTPS ..`, `SOCKS ..`
    /// (SOCKS4), `SOCKS4 ..` or `SOCKS5 ..`; keywords are case-insensitive.
    ///
    /// # Errors
    ///
    /// The element is invalid for Chromium, or it is `DIRECT`, which is not a server.
    pub fn from_pac(text: &str) -> Result<Self, Error> {
        match ProxyChain::from_pac(text)? {
            ProxyChain::Server(server) => Ok(server),
            ProxyChain::Direct => Err(Error::single(ErrorKind::EmptyHost, text)),
        }
    }

    /// The protocol spoken to the proxy.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The canonical host.
    pub fn host(&self) -> &Host<String> {
        &self.host
    }

    /// The port (the scheme's default if the entry named none).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Displays the server in PAC form, `PROXY host:port`, as Chromium's `ToPacString` does.
    pub fn pac(&self) -> impl fmt::Display + '_ {
        Pac(self)
    }

    pub(crate) fn write_uri(&self, f: &mut fmt::Formatter<'_>, explicit_http: bool) -> fmt::Result {
        if self.scheme != Scheme::Http || explicit_http {
            write!(f, "{}://", self.scheme.uri_scheme())?;
        }
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// The URI form, as Chromium's `ProxyServerToProxyUri` prints it: HTTP servers without a
/// scheme (`host:80`), others with one (`socks5://host:1080`).
impl fmt::Display for ProxyServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_uri(f, false)
    }
}

struct Pac<'a>(&'a ProxyServer);

impl fmt::Display for Pac<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self(server) = self;
        write!(
            f,
            "{} {}:{}",
            server.scheme.pac_keyword(),
            server.host,
            server.port
        )
    }
}

/// One entry of a proxy list: go direct, or through one proxy server.
///
/// Chromium calls these proxy chains because a chain may, in debug builds, hold several
/// proxies; release builds (and this crate) accept only chains of zero or one proxy.
///
/// # Examples
///
/// ```
/// use netsession_proxy_rules::ProxyChain;
/// assert_eq!(ProxyChain::from_uri("DIRECT://")?, ProxyChain::Direct);
/// assert_eq!(ProxyChain::from_pac("socks foopy")?.to_string(), "socks4://foopy:1080");
/// # Ok::<(), netsession_proxy_rules::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProxyChain {
    /// Connect to the destination without a proxy.
    Direct,
    /// Connect through this proxy server.
    Server(ProxyServer),
}

impl ProxyChain {
    /// Parses Chromium's URI form, where `direct://` means [`ProxyChain::Direct`] and anything
    /// else is a server (see [`ProxyServer::from_uri`]). Scheme-less entries are HTTP.
    ///
    /// # Errors
    ///
    /// The entry is invalid for Chromium.
    pub fn from_uri(text: &str) -> Result<Self, Error> {
        parse_uri(text, Scheme::Http).map_err(|kind| Error::single(kind, text))
    }

    /// Parses one PAC result element: `DIRECT`, or a keyword and a host (see
    /// [`ProxyServer::from_pac`]).
    ///
    /// # Errors
    ///
    /// The element is invalid for Chromium.
    pub fn from_pac(text: &str) -> Result<Self, Error> {
        parse_pac_element(text).map_err(|kind| Error::single(kind, text))
    }

    /// Whether this entry means "no proxy".
    pub fn is_direct(&self) -> bool {
        matches!(self, Self::Direct)
    }

    /// The proxy server, unless the entry is [`ProxyChain::Direct`].
    pub fn server(&self) -> Option<&ProxyServer> {
        match self {
            Self::Direct => None,
            Self::Server(server) => Some(server),
        }
    }

    /// Displays the entry in PAC form: `DIRECT` or `PROXY host:port`.
    pub fn pac(&self) -> impl fmt::Display + '_ {
        PacChain(self)
    }

    pub(crate) fn write_uri(&self, f: &mut fmt::Formatter<'_>, explicit_http: bool) -> fmt::Result {
        match self {
            Self::Direct => f.write_str("direct://"),
            Self::Server(server) => server.write_uri(f, explicit_http),
        }
    }
}

/// The URI form: `direct://` or the server's URI form.
impl fmt::Display for ProxyChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_uri(f, false)
    }
}

impl From<ProxyServer> for ProxyChain {
    fn from(server: ProxyServer) -> Self {
        Self::Server(server)
    }
}

struct PacChain<'a>(&'a ProxyChain);

impl fmt::Display for PacChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ProxyChain::Direct => f.write_str("DIRECT"),
            ProxyChain::Server(server) => server.pac().fmt(f),
        }
    }
}

/// Chromium's `ProxyUriToProxyChain`: `direct://`, or `[scheme://]host[:port]` with
/// `default_scheme` for scheme-less entries.
pub(crate) fn parse_uri(text: &str, default_scheme: Scheme) -> Result<ProxyChain, ErrorKind> {
    let uri = trim_lws(text);
    if let Some((scheme, rest)) = uri.split_once("://") {
        if scheme.eq_ignore_ascii_case("direct") {
            return if rest.is_empty() {
                Ok(ProxyChain::Direct)
            } else {
                Err(ErrorKind::DirectWithHost)
            };
        }
    }
    // Only the first `:` can start `://`; `[::1]:80` has no scheme because its first `:` is
    // not followed by `//`.
    let (scheme, host_and_port) = match uri.split_once(':') {
        Some((name, after)) if after.starts_with("//") => (
            Scheme::from_uri_scheme(name).ok_or(ErrorKind::UnknownUriScheme)?,
            after.get(2..).unwrap_or_default(),
        ),
        _ => (default_scheme, uri),
    };
    server_from_host_and_port(scheme, host_and_port).map(ProxyChain::Server)
}

/// Chromium's `PacResultElementToProxyChain`: a keyword, white space, then `host[:port]`.
pub(crate) fn parse_pac_element(text: &str) -> Result<ProxyChain, ErrorKind> {
    let element = trim_lws(text);
    let (keyword, rest) = element
        .find([' ', '\t'])
        .and_then(|at| element.split_at_checked(at))
        .unwrap_or((element, ""));
    if keyword.eq_ignore_ascii_case("direct") {
        return if trim_lws(rest).is_empty() {
            Ok(ProxyChain::Direct)
        } else {
            Err(ErrorKind::DirectWithHost)
        };
    }
    let scheme = Scheme::from_pac_keyword(keyword).ok_or(ErrorKind::UnknownPacKeyword)?;
    server_from_host_and_port(scheme, rest).map(ProxyChain::Server)
}

/// Trims HTTP linear white space (space and tab only), as Chromium's `HttpUtil::TrimLWS`.
pub(crate) fn trim_lws(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

/// Splits `host[:port]` as `url::ParseAuthority` does, then canonicalizes.
fn server_from_host_and_port(scheme: Scheme, text: &str) -> Result<ProxyServer, ErrorKind> {
    let text = trim_lws(text);
    // `ParseAuthority` takes everything before the last `@` as user info; any user info,
    // even empty, makes the entry invalid.
    if text.contains('@') {
        return Err(ErrorKind::UserInfo);
    }
    let (host, port) = split_server_info(text);
    if host.is_empty() {
        return Err(ErrorKind::EmptyHost);
    }
    let port = match port {
        None => None,
        // Chromium has never allowed `foo:` for proxies, although URLs allow it.
        Some("") => return Err(ErrorKind::EmptyPort),
        Some(digits) => Some(parse_port(digits).ok_or(ErrorKind::InvalidPort)?),
    };
    canonical_server(scheme, host, port)
}

/// `url::ParseServerInfo`: the port follows the last `:` that comes after the last `]`
/// (or there is none when the text starts with `[` and has no `]`).
fn split_server_info(text: &str) -> (&str, Option<&str>) {
    let ipv6_end = text
        .rfind(']')
        .or_else(|| text.starts_with('[').then_some(text.len()));
    match text.rfind(':') {
        Some(colon) if ipv6_end.is_none_or(|end| colon > end) => {
            let (host, port) = text.split_at_checked(colon).unwrap_or((text, ""));
            (host, Some(port.get(1..).unwrap_or_default()))
        }
        _ => (text, None),
    }
}

/// `url::ParsePort`: leading zeros skipped, then at most five decimal digits, at most 65535.
pub(crate) fn parse_port(text: &str) -> Option<u16> {
    let significant = text.trim_start_matches('0');
    if significant.is_empty() {
        return (!text.is_empty()).then_some(0);
    }
    if significant.len() > 5 || !significant.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    significant.parse().ok()
}

fn canonical_server(
    scheme: Scheme,
    host: &str,
    port: Option<u16>,
) -> Result<ProxyServer, ErrorKind> {
    if host.is_empty() {
        return Err(ErrorKind::EmptyHost);
    }
    // URL canonicalization wants IPv6 literals bracketed.
    let bracketed;
    let host = if !host.starts_with('[') && host.contains(':') {
        bracketed = format!("[{host}]");
        bracketed.as_str()
    } else {
        host
    };
    let host = Host::parse(host).map_err(|_| ErrorKind::InvalidHost)?;
    // These characters are valid in a URL host but are separators in proxy strings, so a
    // host holding one could not be printed back; no Chromium input can produce one.
    if let Host::Domain(name) = &host {
        if name.contains([';', ',', '=']) {
            return Err(ErrorKind::InvalidHost);
        }
    }
    Ok(ProxyServer {
        scheme,
        host,
        port: port.unwrap_or(scheme.default_port()),
    })
}

fn lookup<T: Copy>(table: &[(&str, T)], name: &str) -> Option<T> {
    table
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|&(_, value)| value)
}
