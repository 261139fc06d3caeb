//! The machine's own addresses for `myIpAddress()` and `myIpAddressEx()`, and Chromium's
//! algorithm for choosing among them.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};

/// The probes Chromium's `myIpAddress()` uses to find the machine's address.
///
/// The engine runs Chromium's algorithm over these probes: the source address of a route to
/// `8.8.8.8`, then to `2001:4860:4860::8888`; if neither gave an address, the addresses of the
/// machine's host name; if still nothing, routes to `10.0.0.0`, `172.16.0.0`, `192.168.0.0`
/// and `fc00::`. Loopback addresses are skipped, link-local ones used only as a last resort;
/// when nothing is found the answer is `127.0.0.1`.
pub trait LocalAddresses: Send + Sync {
    /// The source address the system would use to send to `destination`, if it has a route.
    fn route_source(&self, destination: IpAddr) -> Option<IpAddr>;

    /// The addresses the machine's own host name resolves to, in resolver order.
    fn hostname_addresses(&self) -> Vec<IpAddr>;
}

impl<T: LocalAddresses + ?Sized> LocalAddresses for std::sync::Arc<T> {
    fn route_source(&self, destination: IpAddr) -> Option<IpAddr> {
        (**self).route_source(destination)
    }

    fn hostname_addresses(&self) -> Vec<IpAddr> {
        (**self).hostname_addresses()
    }
}

/// The real probes. This is the default.
///
/// A route probe "connects" a UDP socket and reads its local address: connecting a UDP socket
/// sends no packet. The host name comes from `/proc/sys/kernel/hostname` (or the `HOSTNAME`
/// or `COMPUTERNAME` environment variable) and is resolved by the system resolver.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct SystemLocalAddresses;

impl SystemLocalAddresses {
    /// The real probes.
    pub fn new() -> Self {
        Self
    }
}

impl LocalAddresses for SystemLocalAddresses {
    fn route_source(&self, destination: IpAddr) -> Option<IpAddr> {
        let any: IpAddr = match destination {
            IpAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
            IpAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
        };
        let socket = UdpSocket::bind(SocketAddr::new(any, 0)).ok()?;
        socket.connect(SocketAddr::new(destination, 80)).ok()?;
        Some(socket.local_addr().ok()?.ip())
    }

    fn hostname_addresses(&self) -> Vec<IpAddr> {
        let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .or_else(|| std::env::var("COMPUTERNAME").ok())
            .unwrap_or_default();
        let name = name.trim();
        if name.is_empty() {
            return Vec::new();
        }
        let mut addresses: Vec<IpAddr> = Vec::new();
        for address in (name, 0).to_socket_addrs().into_iter().flatten() {
            if !addresses.contains(&address.ip()) {
                addresses.push(address.ip());
            }
        }
        addresses
    }
}

/// Probes with fixed answers, for tests: no socket is opened and no name resolved.
///
/// # Examples
///
/// ```
/// use netsession_pac::{FixedLocalAddresses, PacScript};
///
/// let local = FixedLocalAddresses::new().with_route("8.8.8.8".parse()?, "192.168.1.20".parse()?);
/// let script = PacScript::builder("function FindProxyForURL(u, h) { return myIpAddress() }")
///     .local_addresses(local)
///     .build()?;
/// let url = url::Url::parse("http://example.com/")?;
/// assert_eq!(script.find_proxy_string(&url)?, "192.168.1.20");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct FixedLocalAddresses {
    routes: HashMap<IpAddr, IpAddr>,
    hostname: Vec<IpAddr>,
}

impl FixedLocalAddresses {
    /// Probes that find nothing (so `myIpAddress()` answers `127.0.0.1`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the route probe to `destination` answer `source`.
    #[must_use]
    pub fn with_route(mut self, destination: IpAddr, source: IpAddr) -> Self {
        self.routes.insert(destination, source);
        self
    }

    /// Makes the host name resolve to `addresses`.
    #[must_use]
    pub fn with_hostname_addresses(mut self, addresses: impl IntoIterator<Item = IpAddr>) -> Self {
        self.hostname = addresses.into_iter().collect();
        self
    }
}

impl LocalAddresses for FixedLocalAddresses {
    fn route_source(&self, destination: IpAddr) -> Option<IpAddr> {
        self.routes.get(&destination).copied()
    }

    fn hostname_addresses(&self) -> Vec<IpAddr> {
        self.hostname.clone()
    }
}

const PUBLIC_PROBES: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::new(8, 8, 8, 8)),
    IpAddr::V6(Ipv6Addr::new(0x2001, 0x4860, 0x4860, 0, 0, 0, 0, 0x8888)),
];

const PRIVATE_PROBES: [IpAddr; 4] = [
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)),
    IpAddr::V4(Ipv4Addr::new(172, 16, 0, 0)),
    IpAddr::V4(Ipv4Addr::new(192, 168, 0, 0)),
    IpAddr::V6(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0)),
];

/// Chromium's `PacMyIpAddress` (`ex == false`, at most one address) and `PacMyIpAddressEx`.
/// An empty result means nothing was found.
pub(crate) fn my_ip_addresses(probes: &dyn LocalAddresses, ex: bool) -> Vec<IpAddr> {
    let mut search = Search {
        ex,
        done: false,
        seen: Vec::new(),
        candidates: Vec::new(),
        link_local: Vec::new(),
    };
    // Each step runs only if the previous ones found no candidate.
    for destination in PUBLIC_PROBES {
        if let Some(source) = search.probe(|| probes.route_source(destination)) {
            search.add(source);
        }
    }
    search.finish_step();
    if !search.done {
        for address in probes.hostname_addresses() {
            search.add(address);
        }
        search.finish_step();
    }
    for destination in PRIVATE_PROBES {
        if let Some(source) = search.probe(|| probes.route_source(destination)) {
            search.add(source);
        }
    }
    if !search.candidates.is_empty() {
        if ex {
            return search.candidates;
        }
        return favor_ipv4(&search.candidates);
    }
    // Only one link-local address, even for the Ex variant (crbug.com/905366).
    favor_ipv4(&search.link_local)
}

struct Search {
    ex: bool,
    done: bool,
    seen: Vec<IpAddr>,
    candidates: Vec<IpAddr>,
    link_local: Vec<IpAddr>,
}

impl Search {
    fn probe(&self, probe: impl FnOnce() -> Option<IpAddr>) -> Option<IpAddr> {
        if self.done { None } else { probe() }
    }

    fn add(&mut self, address: IpAddr) {
        if self.done || address.is_loopback() || self.seen.contains(&address) {
            return;
        }
        self.seen.push(address);
        if is_link_local(address) {
            self.link_local.push(address);
            return;
        }
        // For legacy reasons myIpAddress() favours IPv4: only an IPv4 address ends the search.
        if !self.ex && address.is_ipv4() {
            self.done = true;
        }
        self.candidates.push(address);
    }

    fn finish_step(&mut self) {
        if !self.candidates.is_empty() {
            self.done = true;
        }
    }
}

fn is_link_local(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => v6.segments().first().is_some_and(|s| s & 0xffc0 == 0xfe80),
    }
}

fn favor_ipv4(addresses: &[IpAddr]) -> Vec<IpAddr> {
    addresses
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addresses.first())
        .copied()
        .into_iter()
        .collect()
}
