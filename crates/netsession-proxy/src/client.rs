//! Routing reqwest requests through a [`ProxyResolver`]: one client per proxy route, and
//! failover to the next entry when a proxy cannot be reached.
//!
//! reqwest cannot choose a proxy per request or take a list, so each route (DIRECT, or one
//! proxy server) gets its own `reqwest::Client`, built from the caller's builder and kept for
//! reuse; the resolver's list decides which clients a request tries, in order.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use netsession_proxy_rules::{ProxyChain, ProxyServer, Scheme};

use crate::error::Error;
use crate::resolver::ProxyResolver;

type MakeBuilder = Arc<dyn Fn() -> reqwest::ClientBuilder + Send + Sync>;

/// A reqwest front end that sends each request the way the resolver says, falling back
/// through the proxy list when a proxy cannot be connected to.
///
/// # Examples
///
/// ```no_run
/// use netsession_proxy::{ProxiedClient, ProxyConfig, ProxyResolver};
///
/// # async fn run() -> Result<(), netsession_proxy::Error> {
/// let resolver = ProxyResolver::new(ProxyConfig {
///     proxy_rules: "corp-a:3128,corp-b:3128,direct://".into(),
///     ..ProxyConfig::default()
/// });
/// let client = ProxiedClient::new(resolver);
/// let request = client.get("http://example.com/")?;
/// let response = client.execute(request).await?;
/// # let _ = response;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ProxiedClient {
    resolver: ProxyResolver,
    make: MakeBuilder,
    clients: Arc<Mutex<HashMap<ProxyChain, reqwest::Client>>>,
    credentials: Arc<Mutex<HashMap<HostPort, Basic>>>,
}

/// A proxy's host and port.
type HostPort = (String, u16);
/// A user name and password.
type Basic = (String, String);

/// The route a response came through, in its extensions (`response.extensions()`): which
/// proxy answered a `407`, for instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route(pub ProxyChain);

impl fmt::Debug for ProxiedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxiedClient")
            .field("resolver", &self.resolver)
            .finish_non_exhaustive()
    }
}

impl ProxiedClient {
    /// Clients built with reqwest's default settings.
    pub fn new(resolver: ProxyResolver) -> Self {
        Self::with_builder(resolver, reqwest::Client::builder)
    }

    /// Clients built from `make()` (timeouts, TLS, headers...); the proxy setting is ours.
    pub fn with_builder(
        resolver: ProxyResolver,
        make: impl Fn() -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        Self {
            resolver,
            make: Arc::new(make),
            clients: Arc::default(),
            credentials: Arc::default(),
        }
    }

    /// The resolver deciding the routes.
    pub fn resolver(&self) -> &ProxyResolver {
        &self.resolver
    }

    /// A GET request for `url`, to pass to [`ProxiedClient::execute`].
    ///
    /// # Errors
    ///
    /// [`Error::Request`] when `url` is not a valid URL.
    pub fn get(&self, url: &str) -> Result<reqwest::Request, Error> {
        let direct = self.client_for(&ProxyChain::Direct)?;
        direct
            .get(url)
            .build()
            .map_err(|e| Error::Request(Arc::new(e)))
    }

    /// Sends `request` through the first route of the resolver's list; when the route cannot
    /// be connected to, marks it bad for this request and tries the next (a request whose body
    /// is a stream cannot be sent twice and gets one try). After a success, the routes that
    /// failed are moved last for later requests.
    ///
    /// # Errors
    ///
    /// The resolver's error (a failing mandatory PAC script), [`Error::NoProxyAvailable`] for
    /// an empty list, [`Error::ProxyConnectionFailed`] when the last route was a proxy that
    /// could not be connected to, or the last route's [`Error::Request`].
    pub async fn execute(&self, request: reqwest::Request) -> Result<reqwest::Response, Error> {
        let url = request.url().clone();
        let mut info = self.resolver.resolve_info(&url).await?;
        let mut request = Some(request);
        loop {
            let Some(chain) = info.current().cloned() else {
                return Err(Error::NoProxyAvailable(url));
            };
            let client = self.client_for(&chain)?;
            let Some(original) = request.take() else {
                return Err(Error::NoProxyAvailable(url));
            };
            // Keep a copy for the next route, when the body allows one.
            request = original.try_clone();
            match client.execute(original).await {
                Ok(mut response) => {
                    info.report_success();
                    response.extensions_mut().insert(Route(chain));
                    return Ok(response);
                }
                Err(error) if !chain.is_direct() && tunnel_auth_required(&error) => {
                    return Err(Error::ProxyAuthRequired { proxy: chain });
                }
                Err(error) if route_failed(&error) && request.is_some() && info.fallback() => {
                    tracing::debug!(route = %chain, %error, "route failed, trying the next");
                }
                // The last proxy could not be reached: Chromium's PROXY_CONNECTION_FAILED.
                Err(error) if route_failed(&error) && !chain.is_direct() => {
                    return Err(Error::ProxyConnectionFailed {
                        proxy: chain,
                        source: Arc::new(error),
                    });
                }
                Err(error) => return Err(Error::Request(Arc::new(error))),
            }
        }
    }

    /// Basic credentials for `proxy` (host and port), sent on every request and tunnel
    /// through it from now on; the route's client is rebuilt with them.
    pub fn set_proxy_credentials(&self, proxy: &ProxyServer, username: &str, password: &str) {
        let key = (proxy.host().to_string(), proxy.port());
        self.credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, (username.to_owned(), password.to_owned()));
        self.clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|chain, _| chain.server() != Some(proxy));
    }

    /// Forgets every proxy's credentials (Electron's `clearAuthCache` reaches proxies too).
    pub fn clear_proxy_credentials(&self) {
        self.credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.close_all_connections();
    }

    /// Drops every kept client and its connections (Electron's `closeAllConnections`).
    pub fn close_all_connections(&self) {
        self.clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The client for one route, built on first use.
    ///
    /// # Errors
    ///
    /// [`Error::Request`] when reqwest cannot build the client.
    pub fn client_for(&self, chain: &ProxyChain) -> Result<reqwest::Client, Error> {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = clients.get(chain) {
            return Ok(client.clone());
        }
        let builder = (self.make)();
        let builder = match chain.server() {
            None => builder.no_proxy(),
            Some(server) => {
                // SOCKS5 in Chromium sends the host name to the proxy: that is `socks5h`.
                let scheme = match server.scheme() {
                    Scheme::Https => "https",
                    Scheme::Socks4 => "socks4",
                    Scheme::Socks5 => "socks5h",
                    _ => "http",
                };
                let uri = format!("{scheme}://{}:{}", server.host(), server.port());
                let mut proxy =
                    reqwest::Proxy::all(uri).map_err(|e| Error::Request(Arc::new(e)))?;
                let key = (server.host().to_string(), server.port());
                if let Some((username, password)) = self
                    .credentials
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(&key)
                {
                    proxy = proxy.basic_auth(username, password);
                }
                builder.proxy(proxy)
            }
        };
        let client = builder.build().map_err(|e| Error::Request(Arc::new(e)))?;
        clients.insert(chain.clone(), client.clone());
        Ok(client)
    }
}

/// Whether a failed request says the route is unusable (Chromium falls back to the next
/// proxy and marks this one bad), rather than something about the origin: a TLS failure
/// with the origin through a working tunnel (a certificate error) is reqwest's "connect"
/// error too, but TLS errors arrive as `io::ErrorKind::InvalidData` and belong to the origin.
fn route_failed(error: &reqwest::Error) -> bool {
    if !error.is_connect() {
        return false;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut depth = 0;
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::InvalidData {
                return false;
            }
        }
        depth += 1;
        if depth > 64 {
            break;
        }
        source = current.source();
    }
    true
}

/// Whether the proxy refused a `CONNECT` with `407`. hyper-util's tunnel error is not
/// public; its message is the only sign (`tunnel error: proxy authorization required`).
fn tunnel_auth_required(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut depth = 0;
    while let Some(current) = source {
        if current
            .to_string()
            .ends_with("proxy authorization required")
        {
            return true;
        }
        depth += 1;
        if depth > 64 {
            break;
        }
        source = current.source();
    }
    false
}
