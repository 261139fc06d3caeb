//! `ProxyBypassRules::ParseFromString` and `SchemeHostPortMatcherRule::FromUntrimmedRawString`.

use crate::error::{ErrorKind, Rejection};
use crate::ip;
use crate::rule::{CidrRule, HostnameRule, IpHostRule, Rule};

/// Parses a bypass list, calling `reject` for each entry Chromium would drop.
///
/// Entries are the non-empty pieces between `,` and `;` (a newline is not a separator).
/// Entries that are only whitespace are skipped without a rejection: Chromium drops them too,
/// and they hold nothing a user could have meant as a rule.
pub(crate) fn parse_list(input: &str, mut reject: impl FnMut(usize, &str, ErrorKind)) -> Vec<Rule> {
    let mut rules = Vec::new();
    let mut offset = 0;
    for token in input.split([',', ';']) {
        let start = offset;
        offset += token.len() + 1;
        let entry = ip::trim(token);
        if entry.is_empty() {
            continue;
        }
        match parse_entry(entry) {
            Ok(rule) => rules.push(rule),
            Err(kind) => {
                let leading =
                    token.len() - token.trim_start_matches(ip::is_chromium_whitespace).len();
                reject(start + leading, entry, kind);
            }
        }
    }
    rules
}

/// Builds the rejections for [`parse_list`] callbacks, adding 1-based line numbers.
pub(crate) fn rejections(input: &str, found: Vec<(usize, String, ErrorKind)>) -> Vec<Rejection> {
    let mut line = 1;
    let mut scanned = 0;
    found
        .into_iter()
        .map(|(offset, text, kind)| {
            line += input
                .get(scanned..offset)
                .map_or(0, |s| s.bytes().filter(|&b| b == b'\n').count());
            scanned = offset;
            Rejection {
                kind,
                offset,
                line,
                text,
            }
        })
        .collect()
}

/// Parses one trimmed, non-empty entry.
pub(crate) fn parse_entry(raw: &str) -> Result<Rule, ErrorKind> {
    if raw.eq_ignore_ascii_case("<local>") {
        return Ok(Rule::Local);
    }
    if raw.eq_ignore_ascii_case("<-loopback>") {
        return Ok(Rule::SubtractImplicit);
    }

    // Fast path for the bulk of real lists: a plain host name or IPv4 address. Without `:`,
    // `/`, `@` or brackets, `parse_general` reduces to exactly this (a unit test compares them).
    if raw
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'*'))
    {
        if let Some((v4, _)) = ip::parse_ipv4(raw) {
            let addr = std::net::IpAddr::V4(v4);
            return Ok(Rule::IpHost(IpHostRule {
                scheme: None,
                addr,
                port: None,
            }));
        }
        return Ok(Rule::Hostname(HostnameRule {
            scheme: None,
            pattern: lower_pattern(raw),
            port: None,
        }));
    }
    parse_general(raw)
}

/// `SchemeHostPortMatcherRule::FromUntrimmedRawString` on a trimmed, non-empty entry.
pub(crate) fn parse_general(raw: &str) -> Result<Rule, ErrorKind> {
    // An optional scheme restriction. What follows `://` is not trimmed again.
    let (scheme, raw) = match split_scheme(raw) {
        Some(("", _)) => return Err(ErrorKind::EmptyScheme),
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, raw),
    };
    if raw.is_empty() {
        return Err(ErrorKind::EmptyHost);
    }
    let scheme = || scheme.map(|s| Box::<str>::from(s.to_ascii_lowercase()));

    // Any `/` makes it an address range; the scheme is accepted and ignored.
    if raw.contains('/') {
        let (addr, prefix_len) = parse_cidr(raw)?;
        return Ok(Rule::Cidr(CidrRule {
            addr,
            prefix_len,
            text: raw.into(),
        }));
    }

    // `<ip-literal>[:port]`, told apart first because the literal may not be canonical.
    if let Some((host, port)) = ip::parse_host_and_port(raw) {
        if let Some(addr) = ip::parse_ip_literal(host) {
            return Ok(Rule::IpHost(IpHostRule {
                scheme: scheme(),
                addr,
                port: port.filter(|&p| p != 0),
            }));
        }
    }

    // `<hostname-pattern>[:port]`: a port is whatever follows the last `:`.
    let (pattern, port) = match raw.rsplit_once(':') {
        Some((pattern, port)) => {
            let port = ip::parse_decimal(port, u32::from(u16::MAX))
                .and_then(|p| u16::try_from(p).ok())
                .ok_or(ErrorKind::InvalidPort)?;
            (pattern, Some(port))
        }
        None => (raw, None),
    };
    Ok(Rule::Hostname(HostnameRule {
        scheme: scheme(),
        pattern: lower_pattern(pattern),
        port,
    }))
}

/// The stored form of a host pattern: a leading `.` becomes `*.`, ASCII is lower-cased.
fn lower_pattern(pattern: &str) -> Box<str> {
    let dotted = pattern.starts_with('.');
    let mut lowered = String::with_capacity(pattern.len() + usize::from(dotted));
    if dotted {
        lowered.push('*');
    }
    lowered.push_str(pattern);
    lowered.make_ascii_lowercase();
    lowered.into_boxed_str()
}

/// Splits at the first `://` (without building a substring searcher for every entry).
fn split_scheme(raw: &str) -> Option<(&str, &str)> {
    let bytes = raw.as_bytes();
    let mut from = 0;
    while let Some(offset) = bytes.get(from..)?.iter().position(|&b| b == b':') {
        let at = from + offset;
        if bytes.get(at + 1..at + 3) == Some(b"//") {
            return Some((raw.get(..at)?, raw.get(at + 3..)?));
        }
        from = at + 1;
    }
    None
}

/// `net::ParseCIDRBlock`: `<ip-literal>/<bits>`, each side trimmed.
fn parse_cidr(raw: &str) -> Result<(std::net::IpAddr, u8), ErrorKind> {
    let mut parts = raw.split('/');
    let (Some(addr), Some(bits), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ErrorKind::InvalidCidr);
    };
    let addr = ip::parse_ip_literal(ip::trim(addr)).ok_or(ErrorKind::InvalidCidrAddress)?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let bits = ip::parse_decimal(ip::trim(bits), max).ok_or(ErrorKind::InvalidPrefixLength)?;
    let bits = u8::try_from(bits).map_err(|_| ErrorKind::InvalidPrefixLength)?;
    Ok((addr, bits))
}
