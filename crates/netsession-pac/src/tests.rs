//! Unit tests of the crate's private helpers.

use std::net::IpAddr;

use crate::clock::{Clock, FixedClock, unix_millis};
use crate::helpers::{
    dotted_quad, format_ip, is_in_net_ex, is_plain_host_name, parse_ip_literal, sh_exp_match_fast,
    sort_ip_address_list,
};
use crate::my_ip::{FixedLocalAddresses, my_ip_addresses};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn ip_literals_follow_chromium() {
    let cases = [
        ("1.2.3.4", Some("1.2.3.4")),
        ("127.1", Some("127.0.0.1")),
        ("0x7f.1", Some("127.0.0.1")),
        ("0177.0.0.1", Some("127.0.0.1")),
        ("127", Some("0.0.0.127")),
        ("1.2.3.4.", Some("1.2.3.4")),
        ("::1", Some("::1")),
        ("::ffff:1.2.3.4", Some("::ffff:102:304")),
        ("2001:DB8::1", Some("2001:db8::1")),
        ("[::1]", None),
        ("08", None),
        ("1.2.3.256", None),
        ("1.2.3.4 ", None),
        ("%31.2.3.4", None),
        ("１２７.0.0.1", None),
        ("foo", None),
        ("", None),
        (":", None),
        ("fe80::1%eth0", None),
    ];
    for (text, expected) in cases {
        let parsed = parse_ip_literal(text).map(format_ip);
        assert_eq!(parsed.as_deref(), expected, "{text:?}");
    }
}

#[test]
fn plain_host_names() {
    for (host, plain) in [
        ("www", true),
        ("a.b", false),
        ("::1", false),
        ("[::1]", true),
        ("127", false),
        ("08", true),
        ("", true),
    ] {
        assert_eq!(is_plain_host_name(host), plain, "{host:?}");
    }
}

#[test]
fn dotted_quads_match_is_valid_ip_address() {
    assert_eq!(dotted_quad(b"10.1.2.3"), Some(0x0a01_0203));
    assert_eq!(dotted_quad(b"255.255.255.255"), Some(u32::MAX));
    assert_eq!(dotted_quad(b"001.002.003.004"), Some(0x0102_0304));
    for bad in [
        &b""[..],
        b"1.2.3",
        b"1.2.3.4.",
        b".1.2.3",
        b"1..2.3",
        b"1.2.3.256",
        b"1.2.3.0004",
        b"1.2.3.4 ",
        b"a.b.c.d",
    ] {
        assert_eq!(dotted_quad(bad), None, "{:?}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn glob_fast_path() {
    let cases: [(&str, &str, Option<bool>); 12] = [
        ("foo.com", "*.com", Some(true)),
        ("foo.com", "f?o.c*", Some(true)),
        ("foo.com", "*.org", Some(false)),
        ("", "", Some(true)),
        ("", "**", Some(true)),
        ("abc", "a*b*c*", Some(true)),
        ("abcbd", "a*bd", Some(true)),
        ("a\nb", "a*", Some(false)),
        ("a\nb", "a\n?", Some(true)),
        ("a\rb", "a?b", Some(false)),
        ("aab", "a+b", None),
        ("abc", "[a]bc", None),
    ];
    for (text, pattern, expected) in cases {
        assert_eq!(
            sh_exp_match_fast(text.as_bytes(), pattern.as_bytes()),
            expected,
            "{text:?} {pattern:?}"
        );
    }
}

#[test]
fn sorting_ip_lists() {
    assert_eq!(
        sort_ip_address_list("10.0.0.2;::2;10.0.0.1;::1").as_deref(),
        Some("::1;::2;10.0.0.1;10.0.0.2")
    );
    assert_eq!(sort_ip_address_list("  ").as_deref(), None);
    assert_eq!(sort_ip_address_list("1.2.3.4;x").as_deref(), None);
}

#[test]
fn cidr_matching() {
    assert!(is_in_net_ex("10.1.2.3", "10.0.0.0/8"));
    assert!(is_in_net_ex("10.1.2.3", "0.0.0.0/0"));
    assert!(!is_in_net_ex("11.1.2.3", "10.0.0.0/8"));
    assert!(is_in_net_ex("::1", "::/0"));
    assert!(is_in_net_ex("1.2.3.4", "::/0"));
    assert!(is_in_net_ex("::ffff:10.0.0.1", "10.0.0.0/8"));
    assert!(!is_in_net_ex("10.0.0.1", "10.0.0.0/8/8"));
    assert!(!is_in_net_ex("10.0.0.1", "10.0.0.0/99999999999"));
    assert!(!is_in_net_ex("10.0.0.1", "10.0.0.0/"));
}

#[test]
fn my_ip_prefers_the_public_route_and_ipv4() {
    let probes = FixedLocalAddresses::new()
        .with_route(ip("2001:4860:4860::8888"), ip("2001:db8::5"))
        .with_route(ip("10.0.0.0"), ip("10.1.1.1"));
    // An IPv6 public route is found; the private step does not run.
    assert_eq!(my_ip_addresses(&probes, false), [ip("2001:db8::5")]);
    let probes = probes.with_route(ip("8.8.8.8"), ip("192.168.0.7"));
    assert_eq!(my_ip_addresses(&probes, false), [ip("192.168.0.7")]);
    assert_eq!(
        my_ip_addresses(&probes, true),
        [ip("192.168.0.7"), ip("2001:db8::5")]
    );
}

#[test]
fn my_ip_falls_back_to_host_name_then_private_routes() {
    let probes = FixedLocalAddresses::new()
        .with_hostname_addresses([
            ip("127.0.1.1"),
            ip("fe80::1"),
            ip("2001:db8::9"),
            ip("10.9.9.9"),
        ])
        .with_route(ip("192.168.0.0"), ip("192.168.5.5"));
    // Loopback skipped, link-local kept aside, IPv4 favoured.
    assert_eq!(my_ip_addresses(&probes, false), [ip("10.9.9.9")]);
    assert_eq!(
        my_ip_addresses(&probes, true),
        [ip("2001:db8::9"), ip("10.9.9.9")]
    );
    let probes = FixedLocalAddresses::new()
        .with_hostname_addresses([ip("127.0.0.1"), ip("::1")])
        .with_route(ip("172.16.0.0"), ip("172.16.3.3"))
        .with_route(ip("fc00::"), ip("fd00::3"));
    assert_eq!(my_ip_addresses(&probes, false), [ip("172.16.3.3")]);
    assert_eq!(
        my_ip_addresses(&probes, true),
        [ip("172.16.3.3"), ip("fd00::3")]
    );
}

#[test]
fn my_ip_uses_link_local_only_as_a_last_resort() {
    let probes = FixedLocalAddresses::new()
        .with_route(ip("8.8.8.8"), ip("169.254.1.1"))
        .with_route(ip("2001:4860:4860::8888"), ip("fe80::2"));
    assert_eq!(my_ip_addresses(&probes, false), [ip("169.254.1.1")]);
    assert_eq!(my_ip_addresses(&probes, true), [ip("169.254.1.1")]);
    assert!(my_ip_addresses(&FixedLocalAddresses::new(), false).is_empty());
}

#[test]
fn fixed_clock_dates() {
    let clock = FixedClock::from_local(2009, 3, 3, 0, 0, 0, 3600).unwrap();
    assert_eq!(clock.unix_millis(), 1_236_034_800_000);
    assert_eq!(unix_millis(clock.now()), 1_236_034_800_000.0);
    assert_eq!(clock.utc_offset(), Some(3600));
    assert_eq!(
        FixedClock::from_local(1969, 12, 31, 23, 59, 59, 0).map(|c| c.unix_millis()),
        Some(-1000)
    );
    assert_eq!(
        unix_millis(FixedClock::from_unix_millis(-1000, 0).now()),
        -1000.0
    );
    assert!(FixedClock::from_local(2009, 2, 29, 0, 0, 0, 0).is_none());
    assert!(FixedClock::from_local(2008, 2, 29, 0, 0, 0, 0).is_some());
    assert!(FixedClock::from_local(2009, 13, 1, 0, 0, 0, 0).is_none());
    assert!(FixedClock::from_local(2009, 1, 1, 24, 0, 0, 0).is_none());
}
