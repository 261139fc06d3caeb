//! The parsed form of one bypass entry, and how Chromium prints it back.

use std::fmt;
use std::net::IpAddr;

use crate::ip;

/// One parsed bypass rule.
///
/// Rules are produced by [`BypassRules::parse`](crate::BypassRules::parse) and friends and
/// inspected through [`BypassRules::rules`](crate::BypassRules::rules). `Display` prints a rule
/// the way Chromium's `ToString` does, without the `;` that follows each rule in a list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// A host name pattern such as `*.example.com`, `intranet:8080` or `https://foo*`.
    Hostname(HostnameRule),
    /// An IP literal such as `10.1.2.3`, `[::1]:8080` or `ftp://192.168.1.1`.
    IpHost(IpHostRule),
    /// An address range such as `10.0.0.0/8` or `fe80::/10`.
    Cidr(CidrRule),
    /// `<local>`: host names without a dot that are not IP literals.
    Local,
    /// `<-loopback>`: takes back the implicit bypass of localhost, loopback and link-local
    /// addresses for the rules before it.
    SubtractImplicit,
}

/// A host name pattern rule: `[scheme://]pattern[:port]`.
///
/// The pattern is matched against the whole canonical host of the URL (IPv6 hosts with their
/// brackets): `*` matches any sequence, `?` matches zero or one character, `\` makes the next
/// character literal. There is no implicit subdomain matching: `example.com` matches only
/// `example.com`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HostnameRule {
    pub(crate) scheme: Option<Box<str>>,
    pub(crate) pattern: Box<str>,
    pub(crate) port: Option<u16>,
}

impl HostnameRule {
    /// The URL scheme the rule is limited to, lower-case (`None`: any scheme).
    pub fn scheme(&self) -> Option<&str> {
        self.scheme.as_deref()
    }

    /// The host pattern, lower-case (ASCII only), with a leading `.` already turned into `*.`.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The port the URL's effective port must equal (`None`: any port). `Some(0)` is kept as
    /// written and matches only URLs whose port is 0.
    pub fn port(&self) -> Option<u16> {
        self.port
    }
}

/// An IP literal rule: `[scheme://]ip[:port]`.
///
/// Matches URLs whose host is exactly this address in the same family: `10.1.2.3` does not
/// match `[::ffff:10.1.2.3]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IpHostRule {
    pub(crate) scheme: Option<Box<str>>,
    pub(crate) addr: IpAddr,
    pub(crate) port: Option<u16>,
}

impl IpHostRule {
    /// The URL scheme the rule is limited to, lower-case (`None`: any scheme).
    pub fn scheme(&self) -> Option<&str> {
        self.scheme.as_deref()
    }

    /// The address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The port the URL's effective port must equal (`None`: any port; a written port 0 also
    /// means any port, as in Chromium).
    pub fn port(&self) -> Option<u16> {
        self.port
    }
}

/// An address range rule: `ip/prefix-length`.
///
/// Matches URLs whose host is an IP literal in the range, whatever their scheme and port (a
/// scheme written before the range is accepted and ignored, as Chromium 156 does). An IPv4
/// address and an IPv6 range, or the reverse, are compared through the IPv4-mapped form
/// `::ffff:a.b.c.d`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CidrRule {
    pub(crate) addr: IpAddr,
    pub(crate) prefix_len: u8,
    pub(crate) text: Box<str>,
}

impl CidrRule {
    /// The address as written (not masked to the prefix).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length in bits: at most 32 for IPv4, 128 for IPv6.
    pub fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    /// The text the rule was parsed from, after the scheme was removed; Chromium prints this
    /// text back unchanged.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether `addr` is in the range (mixed families compared in IPv4-mapped form).
    pub fn contains(&self, addr: IpAddr) -> bool {
        let len = ip::mapped_prefix_len(self.addr, self.prefix_len);
        ip::mask(ip::to_mapped(addr), len) == ip::mask(ip::to_mapped(self.addr), len)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hostname(rule) => rule.fmt(f),
            Self::IpHost(rule) => rule.fmt(f),
            Self::Cidr(rule) => rule.fmt(f),
            Self::Local => f.write_str("<local>"),
            Self::SubtractImplicit => f.write_str("<-loopback>"),
        }
    }
}

impl fmt::Display for HostnameRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(scheme) = &self.scheme {
            write!(f, "{scheme}://")?;
        }
        f.write_str(&self.pattern)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

impl fmt::Display for IpHostRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(scheme) = &self.scheme {
            write!(f, "{scheme}://")?;
        }
        write_host(f, self.addr)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CidrRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Writes an address the way it appears as a canonical URL host: dotted IPv4, or IPv6
/// compressed per the URL standard (no embedded dotted form) inside brackets.
pub(crate) fn write_host(f: &mut impl fmt::Write, addr: IpAddr) -> fmt::Result {
    match addr {
        IpAddr::V4(v4) => write!(f, "{v4}"),
        IpAddr::V6(v6) => write!(f, "{}", url::Host::<&str>::Ipv6(v6)),
    }
}
