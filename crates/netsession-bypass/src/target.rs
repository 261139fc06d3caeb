//! The parts of a URL the rules look at, and the implicit bypass rules.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::ip;

/// What matching needs from a URL, borrowed from it (no allocation).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target<'a> {
    /// The URL scheme, lower-case.
    pub(crate) scheme: &'a str,
    /// The canonical host, IPv6 in brackets; empty when the URL has none.
    pub(crate) host: &'a str,
    /// The explicit port, else the scheme's default (`None` when neither exists).
    pub(crate) port: Option<u16>,
    /// The host as an address, when it is an IP literal.
    pub(crate) ip: Option<IpAddr>,
}

impl<'a> Target<'a> {
    pub(crate) fn new(url: &'a Url) -> Self {
        let (host, ip) = match url.host() {
            None => ("", None),
            Some(Host::Ipv4(v4)) => (url.host_str().unwrap_or_default(), Some(IpAddr::V4(v4))),
            Some(Host::Ipv6(v6)) => (url.host_str().unwrap_or_default(), Some(IpAddr::V6(v6))),
            // The `url` crate turns every IPv4 form into `Host::Ipv4` for special schemes; for
            // other schemes the host is opaque, yet Chromium's `GURL::HostIsIPAddress` still
            // reads URL-style IPv4 there (`foo://127.1/`).
            Some(Host::Domain(domain)) => {
                (domain, ip::parse_ipv4(domain).map(|(v4, _)| IpAddr::V4(v4)))
            }
        };
        Self {
            scheme: url.scheme(),
            host,
            port: url.port_or_known_default(),
            ip,
        }
    }

    /// Whether `<local>` includes the URL: no `.` in the host and not an IP literal.
    pub(crate) fn is_simple_hostname(&self) -> bool {
        self.ip.is_none() && !self.host.contains('.')
    }

    /// Chromium's `ProxyBypassRules::MatchesImplicitRules` (not the Windows-only `loopback`
    /// host names).
    pub(crate) fn matches_implicit(&self) -> bool {
        match self.ip {
            Some(IpAddr::V4(v4)) => is_loopback_or_link_local(v4),
            Some(IpAddr::V6(v6)) => {
                v6 == Ipv6Addr::LOCALHOST
                    || v6.segments().first().is_some_and(|s| s & 0xffc0 == 0xfe80)
                    || v6.to_ipv4_mapped().is_some_and(is_loopback_or_link_local)
            }
            None => is_localhost_name(self.host),
        }
    }
}

/// `127.0.0.0/8` or `169.254.0.0/16`.
fn is_loopback_or_link_local(v4: Ipv4Addr) -> bool {
    v4.is_loopback() || v4.is_link_local()
}

/// `net::IsLocalHostname`: `localhost` or `*.localhost`, any case, one trailing dot allowed.
fn is_localhost_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    const SUFFIX: &str = ".localhost";
    host.eq_ignore_ascii_case("localhost")
        || host
            .len()
            .checked_sub(SUFFIX.len())
            .and_then(|start| host.get(start..))
            .is_some_and(|tail| tail.eq_ignore_ascii_case(SUFFIX))
}
