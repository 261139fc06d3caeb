//! Chromium's number, IP literal and authority parsers, transcribed for bypass rules.
//!
//! Rule parsing must accept exactly what Chromium accepts, which is not what `std` or the `url`
//! crate accept: `IPAddress::AssignFromIPLiteral` takes URL-style IPv4 (`127.1`, `0x7f.1`,
//! `0177.0.0.1`), IPv6 only without brackets, and lets the IPv4 tail of an IPv6 literal use the
//! same URL-style components (`::ffff:0xa.0.0.1`). Each function names the Chromium function it
//! follows.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `c` is in Chromium's `kWhitespaceASCII`, which (unlike `char::is_ascii_whitespace`)
/// includes the vertical tab.
pub(crate) fn is_chromium_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

/// `base::TrimWhitespaceASCII(s, TRIM_ALL)`.
pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches(is_chromium_whitespace)
}

/// `base::ParseInt32`/`ParseUint32` with `NON_NEGATIVE`, then a range check: ASCII digits only
/// (no sign, no whitespace), at least one, leading zeros allowed, value at most `max`.
pub(crate) fn parse_decimal(s: &str, max: u32) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let mut value: u32 = 0;
    for b in s.bytes() {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u32::from(digit))?;
    }
    (value <= max).then_some(value)
}

/// `net::ParseHostAndPort`: `host[:port]` in URL authority syntax.
///
/// Returns the host (brackets stripped from a valid IPv6 literal) and the port if one was
/// given. Fails on userinfo (any `@`), an empty host, an empty port (`foo:`), a port that
/// `url::ParsePort` rejects, and a bracketed host that is not a valid IPv6 literal.
pub(crate) fn parse_host_and_port(input: &str) -> Option<(&str, Option<u16>)> {
    let bytes = input.as_bytes();
    let first = *bytes.first()?;
    // `url::ParseAuthority` searches backwards for `@`; finding one anywhere means userinfo,
    // which `ParseHostAndPort` rejects.
    if bytes.contains(&b'@') {
        return None;
    }
    // `url::ParseServerInfo`: a leading `[` makes the whole text an IPv6 literal unless a `]`
    // is found; the port is whatever follows the last `:` after the last `]`.
    let mut ipv6_terminator = (first == b'[').then_some(bytes.len());
    let mut colon = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b']' => ipv6_terminator = Some(i),
            b':' => colon = Some(i),
            _ => {}
        }
    }
    let port_colon = match (colon, ipv6_terminator) {
        (Some(c), Some(t)) if c > t => Some(c),
        (Some(c), None) => Some(c),
        _ => None,
    };
    let (host, port_text) = match port_colon {
        Some(c) => (input.get(..c)?, Some(input.get(c + 1..)?)),
        None => (input, None),
    };
    if host.is_empty() {
        return None;
    }
    let port = match port_text {
        None => None,
        Some("") => return None,
        Some(text) => Some(parse_url_port(text)?),
    };
    if host.starts_with('[') {
        let inner = host.strip_prefix('[')?.strip_suffix(']')?;
        parse_ipv6(inner)?;
        return Some((inner, port));
    }
    Some((host, port))
}

/// `url::ParsePort` on a non-empty component: leading zeros skipped, then at most five ASCII
/// digits with a value of at most 65535.
fn parse_url_port(text: &str) -> Option<u16> {
    let digits = text.trim_start_matches('0');
    if digits.is_empty() {
        return Some(0);
    }
    if digits.len() > 5 {
        return None;
    }
    let value = parse_decimal(digits, u32::from(u16::MAX))?;
    u16::try_from(value).ok()
}

/// `net::IPAddress::AssignFromIPLiteral`: IPv6 (unbracketed) if the text has a `:`, otherwise
/// URL-style IPv4.
pub(crate) fn parse_ip_literal(s: &str) -> Option<IpAddr> {
    if s.contains(':') {
        parse_ipv6(s).map(IpAddr::V6)
    } else {
        parse_ipv4(s).map(|(addr, _)| IpAddr::V4(addr))
    }
}

/// `url::IPv4AddressToNumber`, succeeding only where it reports `IPV4`: one to four dot-separated
/// components (one trailing dot ignored), each decimal, `0x` hex or `0` octal; all but the last
/// at most 255, the last filling the remaining bytes. Returns the address and the number of
/// components.
pub(crate) fn parse_ipv4(s: &str) -> Option<(Ipv4Addr, usize)> {
    let s = s.strip_suffix('.').unwrap_or(s);
    // Chromium reads the last component first and gives up early when it is not a number,
    // which is what makes this cheap on ordinary host names; do the same.
    let (init, last) = match s.rsplit_once('.') {
        Some((init, last)) => (Some(init), last),
        None => (None, s),
    };
    let last = parse_ipv4_component(last)?;
    let mut address: u32 = 0;
    let mut count = 1;
    if let Some(init) = init {
        for part in init.split('.') {
            if count == 4 {
                return None;
            }
            let value = parse_ipv4_component(part)?;
            let byte = u8::try_from(value).ok()?;
            address = (address << 8) | u32::from(byte);
            count += 1;
        }
    }
    let last_bits = 8 * (5 - count);
    if last_bits < 32 && last >> last_bits != 0 {
        return None;
    }
    let address = if last_bits >= 32 {
        last
    } else {
        (address << last_bits) | last
    };
    Some((Ipv4Addr::from(address), count))
}

/// `url::IPv4ComponentToNumber`, succeeding only where it reports `IPV4`.
fn parse_ipv4_component(part: &str) -> Option<u32> {
    let (radix, digits) = match part.as_bytes() {
        [] => return None,
        [b'0', b'x' | b'X', rest @ ..] => (16, rest),
        [b'0', rest @ ..] if !rest.is_empty() => (8, rest),
        all => (10, all),
    };
    let mut value: u64 = 0;
    for &b in digits {
        let digit = char::from(b).to_digit(radix)?;
        value = value * u64::from(radix) + u64::from(digit);
        if value > u64::from(u32::MAX) {
            return None;
        }
    }
    u32::try_from(value).ok()
}

/// `url::IPv6AddressToNumber` on `[s]`, i.e. `s` is the text between the brackets.
pub(crate) fn parse_ipv6(s: &str) -> Option<Ipv6Addr> {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    let end = bytes.len();
    // `url::DoParseIPv6`: find the hex components, the `::` contraction and an IPv4 tail.
    let mut hex: [(usize, usize); 8] = [(0, 0); 8];
    let mut hex_count = 0;
    let mut contraction: Option<usize> = None;
    let mut ipv4: Option<&str> = None;
    let mut component_begin = 0;
    let mut i = 0;
    loop {
        let at_end = i == end;
        let current = bytes.get(i).copied();
        let is_colon = current == Some(b':');
        let is_contraction = is_colon && bytes.get(i + 1) == Some(&b':');
        if is_colon || at_end {
            let len = i - component_begin;
            if len > 4 {
                return None;
            }
            if len == 0
                && !((is_contraction && i == 0) || (at_end && contraction == Some(hex_count)))
            {
                return None;
            }
            if len > 0 {
                *hex.get_mut(hex_count)? = (component_begin, i);
                hex_count += 1;
            }
        }
        if at_end {
            break;
        }
        if is_contraction {
            if contraction.is_some() {
                return None;
            }
            contraction = Some(hex_count);
            i += 1;
        }
        if is_colon {
            component_begin = i + 1;
        } else {
            let c = current?;
            if !c.is_ascii_hexdigit() {
                // An IPv4 character (`.`, `x`, `X`) starts the embedded IPv4 address, which
                // runs to the end.
                if matches!(c, b'.' | b'x' | b'X') {
                    ipv4 = Some(s.get(component_begin..)?);
                    break;
                }
                return None;
            }
        }
        i += 1;
    }

    // `url::CheckIPv6ComponentsSize`: the contraction stands for at least one zero group.
    let explicit_bytes = hex_count * 2 + if ipv4.is_some() { 4 } else { 0 };
    let contraction_bytes = match contraction {
        Some(_) => 16usize.saturating_sub(explicit_bytes).max(2),
        None => 0,
    };
    if explicit_bytes + contraction_bytes != 16 {
        return None;
    }

    let mut out = [0u8; 16];
    let mut at = 0;
    for index in 0..=hex_count {
        if contraction == Some(index) {
            at += contraction_bytes;
        }
        if let Some(&(begin, stop)) = hex.get(..hex_count).and_then(|h| h.get(index)) {
            let value = u16::from_str_radix(s.get(begin..stop)?, 16).ok()?;
            for (slot, byte) in out.get_mut(at..at + 2)?.iter_mut().zip(value.to_be_bytes()) {
                *slot = byte;
            }
            at += 2;
        }
    }
    if let Some(tail) = ipv4 {
        // The URL standard wants exactly four parts and no terminal dot; Chromium checks that
        // after parsing the tail with its URL-style IPv4 parser, so hex and octal parts pass.
        if tail.ends_with('.') {
            return None;
        }
        let (addr, parts) = parse_ipv4(tail)?;
        if parts != 4 {
            return None;
        }
        for (slot, byte) in out.get_mut(at..at + 4)?.iter_mut().zip(addr.octets()) {
            *slot = byte;
        }
    }
    Some(Ipv6Addr::from(out))
}

/// An address as a 128-bit number in IPv6 space, IPv4 mapped to `::ffff:a.b.c.d`: the form
/// Chromium's `IPAddressMatchesPrefix` compares mixed families in.
pub(crate) fn to_mapped(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The prefix length of `prefix_len` in IPv6 space (IPv4 prefixes move down by 96 bits).
pub(crate) fn mapped_prefix_len(addr: IpAddr, prefix_len: u8) -> u8 {
    match addr {
        IpAddr::V4(_) => prefix_len.saturating_add(96),
        IpAddr::V6(_) => prefix_len,
    }
}

/// `value` with all but the top `len` bits cleared (`len` at most 128).
pub(crate) fn mask(value: u128, len: u8) -> u128 {
    match u32::from(len) {
        0 => 0,
        len @ 1..=127 => value & !(u128::MAX >> len),
        _ => value,
    }
}
