//! Invariant checks for the cargo-fuzz targets `bypass_parse` and `bypass_match`, and the plain
//! reference matcher the indexed one is tested against.
//!
//! Not part of the stable API. Each check panics (through `assert!`) when an invariant fails,
//! which is how a fuzzer reports it.

use std::net::{IpAddr, Ipv6Addr};

use url::{Host, Url};

use crate::parse;
use crate::rule::{CidrRule, Rule};
use crate::{BypassRules, ip};

/// Parses `data` (lossily decoded as UTF-8) and checks the parser's invariants:
///
/// * nothing panics;
/// * [`BypassRules::parse_strict`] succeeds exactly when no entry was dropped, keeps the same
///   rules as [`BypassRules::parse`], and each rejection's offset, line and text point at the
///   entry in the input;
/// * printing and parsing again gives the same rules (a range printed after `scheme:// ` loses
///   the whitespace that followed `://`, as in Chromium), and the printed form parses strictly;
/// * from there on printing is a fixed point.
pub fn bypass_parse(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let input: &str = &input;
    let lenient = BypassRules::parse(input);

    let mut found = Vec::new();
    let kept = parse::parse_list(input, |offset, text, kind| {
        found.push((offset, text.to_owned(), kind));
    });
    assert_eq!(
        kept, lenient.rules,
        "strict and lenient keep different rules"
    );
    let rejections = parse::rejections(input, found);
    for rejection in &rejections {
        assert_eq!(
            input.get(rejection.offset..rejection.offset + rejection.text.len()),
            Some(rejection.text.as_str()),
            "rejection offset does not point at its text"
        );
        let newlines = input
            .get(..rejection.offset)
            .map(|before| before.matches('\n').count());
        assert_eq!(
            newlines.map(|n| n + 1),
            Some(rejection.line),
            "wrong line number"
        );
    }
    match BypassRules::parse_strict(input) {
        Ok(strict) => {
            assert!(
                rejections.is_empty(),
                "strict parse accepted a rejected entry"
            );
            assert_eq!(strict, lenient);
        }
        Err(error) => assert_eq!(error.rejections(), rejections.as_slice()),
    }

    let printed = lenient.to_string();
    let strict = BypassRules::parse_strict(&printed);
    assert!(
        strict.is_ok(),
        "printed rules do not parse strictly: {printed:?}: {strict:?}"
    );
    let reparsed = BypassRules::parse(&printed);
    assert!(
        same_modulo_range_whitespace(&lenient, &reparsed),
        "round trip changed the rules: {input:?} printed as {printed:?}"
    );
    let printed_again = reparsed.to_string();
    let reparsed_again = BypassRules::parse(&printed_again);
    assert_eq!(
        reparsed_again, reparsed,
        "second round trip changed the rules"
    );
    assert_eq!(
        reparsed_again.to_string(),
        printed_again,
        "printing is not a fixed point"
    );
}

/// Splits `data` (lossily decoded as UTF-8) at its last newline into a bypass list and a URL;
/// if the URL parses, checks that the indexed matcher agrees with [`reference_matches`] and
/// that [`BypassRules::matches_implicit`] agrees with [`reference_matches_implicit`].
pub fn bypass_match(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let (rules, url) = input
        .rsplit_once('\n')
        .unwrap_or((&input, "http://localhost/"));
    let rules = BypassRules::parse(rules);
    let Ok(url) = Url::parse(url) else { return };
    assert_eq!(
        rules.matches(&url),
        reference_matches(&rules, &url),
        "indexed and reference matchers disagree on {url} with {rules}"
    );
    assert_eq!(
        BypassRules::matches_implicit(&url),
        reference_matches_implicit(&url),
        "implicit rules disagree on {url}"
    );
}

/// Chromium's `ProxyBypassRules::Matches`, transcribed as plainly as possible: evaluate the
/// rules from last to first, the first that does not say "no match" decides, and if none
/// does, the implicit rules decide.
pub fn reference_matches(rules: &BypassRules, url: &Url) -> bool {
    for rule in rules.rules().iter().rev() {
        match evaluate(rule, url) {
            Outcome::Include => return true,
            Outcome::Exclude => return false,
            Outcome::NoMatch => {}
        }
    }
    reference_matches_implicit(url)
}

/// Chromium's `ProxyBypassRules::MatchesImplicitRules`, transcribed on the host string.
pub fn reference_matches_implicit(url: &Url) -> bool {
    let host = url.host_str().unwrap_or("");
    let no_brackets = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    // `IsLocalhost`: an IP literal must be loopback; otherwise a localhost name.
    let literal = ip::parse_ip_literal(no_brackets);
    let is_localhost = match literal {
        Some(IpAddr::V4(v4)) => v4.octets()[0] == 127,
        Some(IpAddr::V6(v6)) => v6 == Ipv6Addr::LOCALHOST,
        None => {
            let name = no_brackets
                .strip_suffix('.')
                .unwrap_or(no_brackets)
                .to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    };
    // `IsIPv4MappedLoopback`.
    let mapped = match literal {
        Some(IpAddr::V6(v6)) => v6.to_ipv4_mapped(),
        _ => None,
    };
    let is_mapped_loopback =
        host.starts_with("[::ffff") && mapped.is_some_and(|v4| v4.octets()[0] == 127);
    // `IsLinkLocalIP`.
    let is_link_local = match literal {
        Some(IpAddr::V4(v4)) => v4.octets()[..2] == [169, 254],
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.octets()[..2] == [169, 254],
            None => v6.octets()[0] == 0xfe && v6.octets()[1] & 0xc0 == 0x80,
        },
        None => false,
    };
    is_localhost || is_mapped_loopback || is_link_local
}

/// What one rule says about a URL.
enum Outcome {
    Include,
    Exclude,
    NoMatch,
}

fn evaluate(rule: &Rule, url: &Url) -> Outcome {
    let host = url.host_str().unwrap_or("");
    let include_if = |matched: bool| {
        if matched {
            Outcome::Include
        } else {
            Outcome::NoMatch
        }
    };
    let scheme_ok = |scheme: Option<&str>| scheme.is_none_or(|s| s == url.scheme());
    let port_ok = |port: Option<u16>| port.is_none_or(|p| url.port_or_known_default() == Some(p));
    match rule {
        Rule::Hostname(rule) => include_if(
            port_ok(rule.port())
                && scheme_ok(rule.scheme())
                && reference_glob(rule.pattern(), host),
        ),
        Rule::IpHost(rule) => {
            let canonical = match rule.addr() {
                IpAddr::V4(v4) => v4.to_string(),
                IpAddr::V6(v6) => Host::<&str>::Ipv6(v6).to_string(),
            };
            include_if(port_ok(rule.port()) && scheme_ok(rule.scheme()) && host == canonical)
        }
        Rule::Cidr(rule) => {
            include_if(url_ip(url).is_some_and(|addr| reference_in_range(rule, addr)))
        }
        Rule::Local => include_if(!host.contains('.') && url_ip(url).is_none()),
        Rule::SubtractImplicit => {
            if reference_matches_implicit(url) {
                Outcome::Exclude
            } else {
                Outcome::NoMatch
            }
        }
    }
}

/// `GURL::HostIsIPAddress` then `AssignFromIPLiteral(HostNoBrackets)`.
fn url_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        Host::Domain(domain) => ip::parse_ip_literal(domain),
    }
}

/// `IPAddressMatchesPrefix`, with the IPv4 side mapped into IPv6 when families differ.
fn reference_in_range(rule: &CidrRule, addr: IpAddr) -> bool {
    let (addr, prefix, bits) = match (addr, rule.addr()) {
        (IpAddr::V4(a), IpAddr::V4(p)) => {
            (a.octets().to_vec(), p.octets().to_vec(), rule.prefix_len())
        }
        (IpAddr::V6(a), IpAddr::V6(p)) => {
            (a.octets().to_vec(), p.octets().to_vec(), rule.prefix_len())
        }
        (IpAddr::V4(a), IpAddr::V6(p)) => (
            a.to_ipv6_mapped().octets().to_vec(),
            p.octets().to_vec(),
            rule.prefix_len(),
        ),
        (IpAddr::V6(a), IpAddr::V4(p)) => (
            a.octets().to_vec(),
            p.to_ipv6_mapped().octets().to_vec(),
            rule.prefix_len() + 96,
        ),
    };
    (0..usize::from(bits)).all(|bit| {
        let mask = 0x80u8 >> (bit % 8);
        addr.get(bit / 8).map(|b| b & mask) == prefix.get(bit / 8).map(|b| b & mask)
    })
}

/// `base::MatchPattern` as Chromium 156 behaves: a table over (pattern piece, host position)
/// where `*` is any sequence, `?` zero or one character, `\x` the literal `x`, and a trailing
/// lone `\` nothing.
#[expect(
    clippy::indexing_slicing,
    reason = "every index is in 0..=n by the loop bounds; plain indexing keeps the reference obvious"
)]
pub fn reference_glob(pattern: &str, host: &str) -> bool {
    #[derive(Clone, Copy)]
    enum Piece {
        Char(char),
        Optional,
        Star,
    }
    let mut pieces = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        pieces.push(match c {
            '\\' => match chars.next() {
                Some(escaped) => Piece::Char(escaped),
                None => break,
            },
            '*' => Piece::Star,
            '?' => Piece::Optional,
            other => Piece::Char(other),
        });
    }
    let host: Vec<char> = host.chars().collect();
    let n = host.len();
    // `row[j]`: whether pieces[i..] match host[j..], computed for i from the end.
    let mut row = vec![false; n + 1];
    row[n] = true;
    for piece in pieces.iter().rev() {
        let mut next = vec![false; n + 1];
        for j in (0..=n).rev() {
            next[j] = match piece {
                Piece::Char(c) => j < n && host[j] == *c && row[j + 1],
                Piece::Optional => row[j] || (j < n && row[j + 1]),
                Piece::Star => row[j] || (j < n && next[j + 1]),
            };
        }
        row = next;
    }
    row[0]
}

/// Whether two rule lists are the same, except that a range's text may differ in whitespace
/// right after the `scheme://` it followed (Chromium prints the text without the scheme, and
/// parsing trims the entry).
fn same_modulo_range_whitespace(a: &BypassRules, b: &BypassRules) -> bool {
    a.rules.len() == b.rules.len()
        && a.rules.iter().zip(&b.rules).all(|pair| match pair {
            (Rule::Cidr(x), Rule::Cidr(y)) => {
                x.addr == y.addr
                    && x.prefix_len == y.prefix_len
                    && x.text.trim_start_matches(ip::is_chromium_whitespace) == &*y.text
            }
            (x, y) => x == y,
        })
}
