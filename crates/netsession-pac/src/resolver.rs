//! Host name resolution for `dnsResolve`, `dnsResolveEx`, `isResolvable` and `isInNet`.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::Arc;

/// Resolves host names for the PAC helpers.
///
/// The engine calls it synchronously from inside the script, at most 20 times per
/// `FindProxyForURL` run (answers are cached per host and operation within a run). It never
/// sees IP literals (the engine answers those itself) nor the empty host. Return the addresses
/// in the order the system would try them; an error or an empty list means the host does not
/// resolve. `dnsResolve` keeps only the first IPv4 address.
///
/// Closures `Fn(&str) -> io::Result<Vec<IpAddr>>` are resolvers.
///
/// # Examples
///
/// ```
/// use std::net::IpAddr;
/// use netsession_pac::PacScript;
///
/// let script = PacScript::builder("function FindProxyForURL(u, h) { return dnsResolve(h) }")
///     .resolver(|host: &str| match host {
///         "intranet.test" => Ok(vec!["10.1.2.3".parse::<IpAddr>().unwrap()]),
///         _ => Err(std::io::ErrorKind::NotFound.into()),
///     })
///     .build()?;
/// let url = url::Url::parse("http://intranet.test/")?;
/// assert_eq!(script.find_proxy_string(&url)?, "10.1.2.3");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Resolver: Send + Sync {
    /// The addresses of `host` (ASCII, IDN already converted to punycode).
    ///
    /// # Errors
    ///
    /// Any error means that the host does not resolve.
    fn resolve(&self, host: &str) -> io::Result<Vec<IpAddr>>;
}

impl<F> Resolver for F
where
    F: Fn(&str) -> io::Result<Vec<IpAddr>> + Send + Sync,
{
    fn resolve(&self, host: &str) -> io::Result<Vec<IpAddr>> {
        self(host)
    }
}

impl<T: Resolver + ?Sized> Resolver for Arc<T> {
    fn resolve(&self, host: &str) -> io::Result<Vec<IpAddr>> {
        (**self).resolve(host)
    }
}

/// The operating system's resolver (`getaddrinfo` through [`std::net::ToSocketAddrs`]).
///
/// This is the default. A lookup blocks the calling thread and is not interrupted by the
/// script deadline: the deadline stops the script once the lookup returns.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct SystemResolver;

impl SystemResolver {
    /// The system resolver.
    pub fn new() -> Self {
        Self
    }
}

impl Resolver for SystemResolver {
    fn resolve(&self, host: &str) -> io::Result<Vec<IpAddr>> {
        let mut addresses: Vec<IpAddr> = Vec::new();
        for address in (host, 0).to_socket_addrs()? {
            // getaddrinfo lists an address once per socket type; keep the first of each.
            if !addresses.contains(&address.ip()) {
                addresses.push(address.ip());
            }
        }
        Ok(addresses)
    }
}

/// A fixed table of host names and their addresses, for tests and for "what would this PAC
/// say" questions. Names are matched exactly, ASCII case-insensitively; unknown names do not
/// resolve.
///
/// # Examples
///
/// ```
/// use netsession_pac::{PacScript, StaticResolver};
///
/// let resolver = StaticResolver::new()
///     .with("proxy.corp.test", ["10.0.0.8".parse()?])
///     .with("dual.test", ["::1".parse()?, "192.168.1.1".parse()?]);
/// let script = PacScript::builder("function FindProxyForURL(u, h) { return dnsResolveEx(h) }")
///     .resolver(resolver)
///     .build()?;
/// let url = url::Url::parse("http://dual.test/")?;
/// assert_eq!(script.find_proxy_string(&url)?, "::1;192.168.1.1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct StaticResolver {
    hosts: HashMap<String, Vec<IpAddr>>,
}

impl StaticResolver {
    /// An empty table: nothing resolves.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the addresses of `host`, returning the table.
    #[must_use]
    pub fn with(mut self, host: &str, addresses: impl IntoIterator<Item = IpAddr>) -> Self {
        self.insert(host, addresses);
        self
    }

    /// Adds (or replaces) the addresses of `host`.
    pub fn insert(&mut self, host: &str, addresses: impl IntoIterator<Item = IpAddr>) {
        self.hosts
            .insert(host.to_ascii_lowercase(), addresses.into_iter().collect());
    }
}

impl Resolver for StaticResolver {
    fn resolve(&self, host: &str) -> io::Result<Vec<IpAddr>> {
        self.hosts
            .get(&host.to_ascii_lowercase())
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, NotFound(host.to_owned())))
    }
}

impl<S: AsRef<str>, A: IntoIterator<Item = IpAddr>> FromIterator<(S, A)> for StaticResolver {
    fn from_iter<I: IntoIterator<Item = (S, A)>>(iter: I) -> Self {
        let mut table = Self::new();
        for (host, addresses) in iter {
            table.insert(host.as_ref(), addresses);
        }
        table
    }
}

#[derive(Debug)]
struct NotFound(String);

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "host {:?} is not in the static table", self.0)
    }
}

impl std::error::Error for NotFound {}
