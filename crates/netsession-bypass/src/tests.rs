//! Unit tests for the private modules: Chromium's literal parsers, the glob compiler and the
//! index against the reference matcher.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::glob::{Glob, Shape};
use crate::ip;

#[test]
fn ipv4_url_forms() {
    let v4 = |s: &str| ip::parse_ipv4(s).map(|(a, _)| a);
    assert_eq!(v4("127.0.0.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
    assert_eq!(v4("127.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
    assert_eq!(v4("127.0.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
    assert_eq!(v4("0x7F.0x1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
    assert_eq!(v4("0177.01"), Some(Ipv4Addr::new(127, 0, 0, 1)));
    assert_eq!(v4("0xA.020.3.4"), Some(Ipv4Addr::new(10, 16, 3, 4)));
    assert_eq!(v4("4294967295"), Some(Ipv4Addr::new(255, 255, 255, 255)));
    assert_eq!(v4("1.2.3.4."), Some(Ipv4Addr::new(1, 2, 3, 4)));
    assert_eq!(v4("0x"), Some(Ipv4Addr::new(0, 0, 0, 0)));
    assert_eq!(v4("00"), Some(Ipv4Addr::new(0, 0, 0, 0)));
    for bad in [
        "",
        ".",
        "1.2.3.4..",
        "4294967296",
        "1.2.3.256",
        "256.1.2.3",
        "1.16777216",
        "1.2.65536",
        "09",
        "1.2.3.4.5",
        "1..2",
        "a.1",
        "1.a",
        " 1.2.3.4",
        "1.2.3.4 ",
        "0xg",
        "1.2.3.-4",
        "example.com",
        "١.٢.٣.٤",
    ] {
        assert_eq!(v4(bad), None, "{bad:?}");
    }
    assert_eq!(ip::parse_ipv4("1.2.3.4").map(|(_, n)| n), Some(4));
    assert_eq!(ip::parse_ipv4("1.2").map(|(_, n)| n), Some(2));
}

#[test]
fn ipv6_chromium_forms() {
    let v6 = |s: &str| ip::parse_ipv6(s);
    assert_eq!(v6("::"), Some(Ipv6Addr::UNSPECIFIED));
    assert_eq!(v6("::1"), Some(Ipv6Addr::LOCALHOST));
    assert_eq!(v6("1::"), Some(Ipv6Addr::new(1, 0, 0, 0, 0, 0, 0, 0)));
    assert_eq!(
        v6("1:2:3:4:5:6:7::"),
        Some(Ipv6Addr::new(1, 2, 3, 4, 5, 6, 7, 0))
    );
    assert_eq!(
        v6("::2:3:4:5:6:7:8"),
        Some(Ipv6Addr::new(0, 2, 3, 4, 5, 6, 7, 8))
    );
    assert_eq!(
        v6("1:2:3:4:5:6:7:8"),
        Some(Ipv6Addr::new(1, 2, 3, 4, 5, 6, 7, 8))
    );
    assert_eq!(
        v6("::FFFF:129.144.52.38"),
        Some(Ipv4Addr::new(129, 144, 52, 38).to_ipv6_mapped())
    );
    assert_eq!(
        v6("::ffff:0xa.0.0.1"),
        Some(Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped())
    );
    assert_eq!(
        v6("::ffff:010.0.0.1"),
        Some(Ipv4Addr::new(8, 0, 0, 1).to_ipv6_mapped())
    );
    assert_eq!(
        v6("::1.2.3.4"),
        Some(Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0x102, 0x304))
    );
    for bad in [
        "",
        ":",
        ":::",
        "1:::2",
        "1::2::3",
        "1:2:3:4:5:6:7:8::",
        "::1:2:3:4:5:6:7:8",
        "12345::",
        "1:",
        ":1",
        "1:2:3:4:5:6:7",
        "[::1]",
        "::1%eth0",
        "::ffff:1.2.3",
        "::ffff:1.2.3.4.",
        "::g",
        "::1.2.3.4:5",
        "1.2.3.4",
        "::ffff:1.2.3.256",
        "::x",
    ] {
        assert_eq!(v6(bad), None, "{bad:?}");
    }
}

#[test]
fn host_and_port() {
    let hp = ip::parse_host_and_port;
    assert_eq!(hp("foo"), Some(("foo", None)));
    assert_eq!(hp("foo:80"), Some(("foo", Some(80))));
    assert_eq!(hp("foo:0080"), Some(("foo", Some(80))));
    assert_eq!(hp("foo:00000000080"), Some(("foo", Some(80))));
    assert_eq!(hp("foo:0"), Some(("foo", Some(0))));
    assert_eq!(hp("[::1]"), Some(("::1", None)));
    assert_eq!(hp("[::1]:8080"), Some(("::1", Some(8080))));
    // Unbracketed IPv6: the last colon starts a port.
    assert_eq!(hp("::1"), Some((":", Some(1))));
    assert_eq!(hp("a:b]:80"), Some(("a:b]", Some(80))));
    assert_eq!(hp("a:80]"), Some(("a:80]", None)));
    for bad in [
        "",
        "foo:",
        ":80",
        "user@foo",
        "@foo",
        "foo:65536",
        "foo:+1",
        "foo:123456",
        "[foo]",
        "[::1",
        "[]",
        "[::1]x:80",
    ] {
        assert_eq!(hp(bad), None, "{bad:?}");
    }
}

#[test]
fn decimal() {
    assert_eq!(ip::parse_decimal("0", 10), Some(0));
    assert_eq!(ip::parse_decimal("0000000000000000000010", 10), Some(10));
    for bad in [
        "",
        "+1",
        "-1",
        " 1",
        "1 ",
        "0x1",
        "11",
        "99999999999999999999",
    ] {
        assert_eq!(ip::parse_decimal(bad, 10), None, "{bad:?}");
    }
}

#[test]
fn mask_and_mapping() {
    assert_eq!(ip::mask(u128::MAX, 0), 0);
    assert_eq!(ip::mask(u128::MAX, 128), u128::MAX);
    assert_eq!(ip::mask(u128::MAX, 1), 1 << 127);
    let v4 = IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3));
    assert_eq!(ip::to_mapped(v4), 0xffff_0a01_0203);
    assert_eq!(ip::mapped_prefix_len(v4, 8), 104);
}

#[test]
fn shapes() {
    let exact = |s: &'static str| Shape::Exact(s.as_bytes().into());
    assert_eq!(Shape::of("example.com"), exact("example.com"));
    assert_eq!(Shape::of("a\\.b"), exact("a.b"));
    assert_eq!(Shape::of("a.test\\"), exact("a.test"));
    assert_eq!(Shape::of("a\\*"), exact("a*"));
    assert_eq!(Shape::of(""), exact(""));
    assert_eq!(Shape::of("*"), Shape::Any);
    assert_eq!(Shape::of("***"), Shape::Any);
    assert_eq!(Shape::of("*?"), Shape::Any);
    assert_eq!(Shape::of("?*?"), Shape::Any);
    assert_eq!(
        Shape::of("*.example.com"),
        Shape::Suffix(b".example.com"[..].into())
    );
    assert_eq!(Shape::of("**x"), Shape::Suffix(b"x"[..].into()));
    assert_eq!(Shape::of("*\\?"), Shape::Suffix(b"?"[..].into()));
    assert_eq!(
        Shape::of("192.168.1.*"),
        Shape::Prefix(b"192.168.1."[..].into())
    );
    assert!(matches!(Shape::of("a*b"), Shape::General(_)));
    assert!(matches!(Shape::of("?"), Shape::General(_)));
    assert!(matches!(Shape::of("*a*"), Shape::General(_)));
}

fn general(pattern: &str) -> Glob {
    match Shape::of(pattern) {
        Shape::General(glob) => glob,
        other => panic!("{pattern:?} is not general: {other:?}"),
    }
}

#[test]
fn glob_agrees_with_reference_exhaustively() {
    // Every pattern up to 4 pieces over a small alphabet against every host up to 5 bytes.
    let alphabet = ["a", "b", "*", "?", "\\a", "\\*", "\\"];
    let hosts_alphabet = ['a', 'b', '*'];
    let mut hosts = vec![String::new()];
    for _ in 0..5 {
        let longer: Vec<String> = hosts
            .iter()
            .filter(|h| h.len() == hosts.last().map_or(0, String::len))
            .flat_map(|h| hosts_alphabet.iter().map(move |c| format!("{h}{c}")))
            .collect();
        hosts.extend(longer);
    }
    let mut patterns = vec![String::new()];
    let mut frontier = vec![String::new()];
    for _ in 0..4 {
        frontier = frontier
            .iter()
            .flat_map(|p| alphabet.iter().map(move |piece| format!("{p}{piece}")))
            .collect();
        patterns.extend(frontier.iter().cloned());
    }
    let mut checked = 0;
    for pattern in &patterns {
        let shape = Shape::of(pattern);
        for host in &hosts {
            let expected = crate::fuzz::reference_glob(pattern, host);
            let got = match &shape {
                Shape::Exact(key) => host.as_bytes() == &**key,
                Shape::Any => true,
                Shape::Suffix(key) => host.as_bytes().ends_with(key),
                Shape::Prefix(key) => host.as_bytes().starts_with(key),
                Shape::General(glob) => glob.matches(host.as_bytes()),
            };
            assert_eq!(got, expected, "pattern {pattern:?} host {host:?}");
            checked += 1;
        }
    }
    assert!(checked > 100_000, "{checked}");
}

#[test]
fn glob_question_mark_is_zero_or_one() {
    let glob = general("a??b");
    assert!(glob.matches(b"ab"));
    assert!(glob.matches(b"axb"));
    assert!(glob.matches(b"axyb"));
    assert!(!glob.matches(b"axyzb"));
}

#[test]
fn glob_long_hosts_use_the_heap_path() {
    let host = format!("{}.example.com", "a".repeat(600));
    assert!(general("a?a*.example.co?").matches(host.as_bytes()));
    assert!(!general("b?a*.example.co?").matches(host.as_bytes()));
    let exact_len = format!("{}?", "a".repeat(599));
    assert!(general(&exact_len).matches("a".repeat(600).as_bytes()));
    assert!(!general(&exact_len).matches("a".repeat(601).as_bytes()));
}

#[test]
fn glob_is_not_exponential() {
    // `*a*a*…*b` against `aaaa…` backtracks exponentially in a naive matcher.
    let pattern = format!("{}b", "*a".repeat(40));
    let host = "a".repeat(250);
    let started = std::time::Instant::now();
    assert!(!general(&pattern).matches(host.as_bytes()));
    let pattern = format!("{}b", "?a".repeat(40));
    assert!(!general(&pattern).matches(host.as_bytes()));
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn bypass_rules_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<crate::BypassRules>();
    check::<crate::Error>();
}

#[test]
fn parse_fast_path_agrees_with_the_general_path() {
    // Every string up to 4 bytes over an alphabet that covers the fast path's byte class and
    // what makes IPv4 literals, plus longer realistic ones.
    let alphabet = [
        "a", "Z", "0", "1", "9", "x", ".", "-", "_", "*", "0x7f", "255", "256",
    ];
    let mut inputs = vec![String::new()];
    let mut frontier = vec![String::new()];
    for _ in 0..4 {
        frontier = frontier
            .iter()
            .flat_map(|p| alphabet.iter().map(move |piece| format!("{p}{piece}")))
            .collect();
        inputs.extend(frontier.iter().cloned());
    }
    inputs.extend(
        [
            "www.Example.com",
            ".corp",
            "127.0.0.1",
            "0177.0.0.1",
            "1.2.3.4.",
            "4294967296",
            "*.x",
        ]
        .map(String::from),
    );
    for input in inputs.iter().filter(|i| !i.is_empty()) {
        assert_eq!(
            crate::parse::parse_entry(input),
            crate::parse::parse_general(input),
            "{input:?}"
        );
    }
}

#[test]
fn repeated_rules_leave_one_entry_per_constraint() {
    let list = [
        "http://a.example",
        "https://a.example",
        "a.example:81",
        "*.b.example",
    ]
    .repeat(10_000)
    .join(",");
    let rules = crate::BypassRules::parse(&list);
    assert_eq!(rules.rules().len(), 40_000, "printing keeps every rule");
    // One entry per distinct (key, scheme, port): a miss walks four entries, not 40,000.
    assert_eq!(rules.index.entry_count(), 4);
    let url = |s: &str| url::Url::parse(s).unwrap();
    assert!(rules.matches(&url("https://a.example/")));
    assert!(rules.matches(&url("ftp://a.example:81/")));
    assert!(!rules.matches(&url("ftp://a.example/")));
    assert!(rules.matches(&url("http://x.b.example/")));
}
