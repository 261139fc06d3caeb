//! The PAC helpers that Chromium implements in C++ (and the hot JavaScript ones this crate
//! implements natively), as plain Rust functions over strings.

use std::cmp::Ordering;
use std::net::{IpAddr, Ipv4Addr};

/// Chromium's `IPAddress::AssignFromIPLiteral`: an IPv6 literal without brackets, or an IPv4
/// address in any URL form (`127.1`, `0x7f.0.0.1`).
pub(crate) fn parse_ip_literal(text: &str) -> Option<IpAddr> {
    if text.contains(':') {
        // The URL parser expects IPv6 literals in brackets.
        return match url::Host::parse(&format!("[{text}]")) {
            Ok(url::Host::Ipv6(address)) if !text.contains(['[', ']']) => Some(address.into()),
            _ => None,
        };
    }
    // Only what Chromium's IPv4 number parser reads; the URL host parser would also decode
    // percent escapes and map full-width digits.
    if text.is_empty()
        || !text
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || matches!(b, b'.' | b'x' | b'X'))
    {
        return None;
    }
    match url::Host::parse(text) {
        Ok(url::Host::Ipv4(address)) => Some(address.into()),
        _ => None,
    }
}

/// Chromium's `IPAddress::ToString`: dotted quad, or RFC 5952 IPv6 without brackets (hex
/// only, also for IPv4-mapped addresses).
pub(crate) fn format_ip(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let host = url::Host::<String>::Ipv6(v6).to_string();
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned()
        }
    }
}

/// `isPlainHostName`: no dot, and not an IP literal.
pub(crate) fn is_plain_host_name(host: &str) -> bool {
    !host.contains('.') && parse_ip_literal(host).is_none()
}

/// `sortIpAddressList`: `None` means the script gets `false`.
pub(crate) fn sort_ip_address_list(list: &str) -> Option<String> {
    let cleaned: String = list.chars().filter(|c| !matches!(c, ' ' | '\t')).collect();
    let mut entries = Vec::new();
    for piece in cleaned.split(';').filter(|piece| !piece.is_empty()) {
        entries.push((piece, parse_ip_literal(piece)?));
    }
    if entries.is_empty() {
        return None;
    }
    // Stable: IPv6 before IPv4, then ascending numeric value.
    entries.sort_by(|(_, a), (_, b)| compare_ips(*a, *b));
    let sorted: Vec<&str> = entries.iter().map(|(text, _)| *text).collect();
    Some(sorted.join(";"))
}

fn compare_ips(a: IpAddr, b: IpAddr) -> Ordering {
    match (a, b) {
        (IpAddr::V6(a), IpAddr::V6(b)) => a.cmp(&b),
        (IpAddr::V4(a), IpAddr::V4(b)) => a.cmp(&b),
        (IpAddr::V6(_), IpAddr::V4(_)) => Ordering::Less,
        (IpAddr::V4(_), IpAddr::V6(_)) => Ordering::Greater,
    }
}

/// `isInNetEx(ip, cidr)` for two ASCII strings.
pub(crate) fn is_in_net_ex(ip: &str, cidr: &str) -> bool {
    let Some(address) = parse_ip_literal(ip) else {
        return false;
    };
    let Some((prefix, bits)) = parse_cidr(cidr) else {
        return false;
    };
    matches_prefix(address, prefix, bits)
}

/// Chromium's `ParseCIDRBlock`: `ip/bits`, pieces trimmed, bits within the family's width.
fn parse_cidr(cidr: &str) -> Option<(IpAddr, u32)> {
    let mut parts = cidr.split('/');
    let (Some(ip), Some(bits), None) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let prefix = parse_ip_literal(trim_whitespace(ip))?;
    let bits = trim_whitespace(bits);
    if bits.is_empty() || !bits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bits: u32 = bits.parse().ok()?;
    let width = if prefix.is_ipv4() { 32 } else { 128 };
    (bits <= width).then_some((prefix, bits))
}

fn trim_whitespace(text: &str) -> &str {
    text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r'))
}

/// Chromium's `IPAddressMatchesPrefix`: mixed families compare in IPv4-mapped IPv6 form.
fn matches_prefix(address: IpAddr, prefix: IpAddr, bits: u32) -> bool {
    let (address, prefix, bits) = match (address, prefix) {
        (IpAddr::V4(a), IpAddr::V4(p)) => {
            return masked32(u32::from(a), bits) == masked32(u32::from(p), bits);
        }
        (IpAddr::V6(a), IpAddr::V6(p)) => (a, p, bits),
        (IpAddr::V4(a), IpAddr::V6(p)) => (a.to_ipv6_mapped(), p, bits),
        (IpAddr::V6(a), IpAddr::V4(p)) => (a, p.to_ipv6_mapped(), bits + 96),
    };
    masked128(u128::from(address), bits) == masked128(u128::from(prefix), bits)
}

fn masked32(value: u32, bits: u32) -> u32 {
    value.checked_shr(32 - bits.min(32)).unwrap_or(0)
}

fn masked128(value: u128, bits: u32) -> u128 {
    value.checked_shr(128 - bits.min(128)).unwrap_or(0)
}

/// The 32-bit value of a string that passes the library's `isValidIpAddress`
/// (`/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/`, each part at most 255), which is then
/// also what its `convert_addr` computes; `None` for any other string.
pub(crate) fn dotted_quad(text: &[u8]) -> Option<u32> {
    let mut value: u32 = 0;
    let mut part: u32 = 0;
    let mut digits = 0;
    let mut dots = 0;
    for &b in text {
        match b {
            b'0'..=b'9' if digits < 3 => {
                part = part * 10 + u32::from(b - b'0');
                digits += 1;
            }
            b'.' if digits > 0 && dots < 3 && part <= 255 => {
                value = (value << 8) | part;
                part = 0;
                digits = 0;
                dots += 1;
            }
            _ => return None,
        }
    }
    (dots == 3 && digits > 0 && part <= 255).then_some((value << 8) | part)
}

/// Whether `shExpMatch(text, pattern)` can be answered without a JavaScript `RegExp`, and the
/// answer. Both must be ASCII (the caller checks); the pattern may use no regular-expression
/// syntax besides what the library translates: `.` (escaped), `*` (`.*`) and `?` (`.`).
pub(crate) fn sh_exp_match_fast(text: &[u8], pattern: &[u8]) -> Option<bool> {
    let plain = pattern.iter().all(|b| {
        !matches!(
            b,
            b'\\' | b'^' | b'$' | b'+' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'|'
        )
    });
    plain.then(|| glob_match(pattern, text))
}

/// Whether a byte is a line terminator, which `.` in a regular expression does not match.
fn is_line_terminator(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

/// Wildcard match of the whole `text`: `*` matches any run and `?` any one byte, neither
/// crossing a line terminator (as `.*` and `.` do not).
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match (pattern.get(p), text.get(t)) {
            (Some(b'*'), _) => {
                star = Some((p, t));
                p += 1;
            }
            (Some(&c), Some(&x))
                if (c == b'?' && !is_line_terminator(x)) || (c == x && c != b'?') =>
            {
                p += 1;
                t += 1;
            }
            _ => match star {
                // Let the last `*` swallow one more byte and retry what follows it. No
                // earlier `*` could do better: it would have to swallow that byte too.
                Some((star_p, star_t))
                    if text.get(star_t).is_some_and(|&x| !is_line_terminator(x)) =>
                {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                _ => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

/// The first IPv4 address of a resolver answer (`dnsResolve` is an IPv4-only lookup).
pub(crate) fn first_ipv4(addresses: &[IpAddr]) -> Option<Ipv4Addr> {
    addresses.iter().find_map(|a| match a {
        IpAddr::V4(v4) => Some(*v4),
        IpAddr::V6(_) => None,
    })
}
