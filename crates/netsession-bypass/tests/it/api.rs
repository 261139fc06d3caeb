//! The public API: accessors, trait impls and the exact error messages (snapshots).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use expect_test::expect;
use netsession_bypass::{BypassRules, ErrorKind, Rule};
use url::Url;

fn url(s: &str) -> Url {
    Url::parse(s).expect("test URL parses")
}

#[test]
fn single_error_message() {
    let err = BypassRules::parse_strict("example.com;bad:port:x").unwrap_err();
    expect![[r#"invalid proxy bypass entry `bad:port:x` at offset 12: port is not a number from 0 to 65535"#]]
        .assert_eq(&err.to_string());
}

#[test]
fn every_error_kind_message() {
    let err = BypassRules::parse_strict(
        "://x, http://,\n a/b/c, [::1]/64,\n10.0.0.0/33, foo:+1, x\tz:\u{b}",
    )
    .unwrap_err();
    expect![[r#"
        7 invalid proxy bypass entries
          `://x` at offset 0: the scheme before `://` is empty
          `http://` at offset 6: nothing follows the scheme
          `a/b/c` at offset 16 (line 2): expected one `/` between an ip address and a prefix length
          `[::1]/64` at offset 23 (line 2): the text before `/` is not an ip address (ipv6 ranges are written without brackets)
          `10.0.0.0/33` at offset 33 (line 3): the prefix length is not a number from 0 to 32 (ipv4) or 128 (ipv6)
          `foo:+1` at offset 46 (line 3): port is not a number from 0 to 65535
          `x\tz:` at offset 54 (line 3): port is not a number from 0 to 65535"#]]
    .assert_eq(&err.to_string());
    let first = &err.rejections()[0];
    assert_eq!(
        (first.kind(), first.offset(), first.line(), first.text()),
        (ErrorKind::EmptyScheme, 0, 1, "://x")
    );
    let last = err.rejections().last().unwrap();
    assert_eq!((last.offset(), last.line(), last.text()), (54, 3, "x\tz:"));
    assert!(std::error::Error::source(&err).is_none());
}

#[test]
fn strict_skips_blank_entries() {
    let rules =
        BypassRules::parse_strict("a.test, ,\n;\t;b.test\n").expect("blank entries are no error");
    assert_eq!(rules.to_string(), "a.test;b.test;");
    assert_eq!(
        "a.test;;".parse::<BypassRules>(),
        Ok(BypassRules::parse("a.test"))
    );
    assert!("a.test:x".parse::<BypassRules>().is_err());
}

#[test]
fn rules_are_inspectable() {
    let rules = BypassRules::parse(
        "HTTPS://.Example.com:443, ftp://10.1.2.3, [::1]:8080, http://10.0.0.0 / 8, <Local>, <-loopback>",
    );
    assert_eq!(rules.len(), 6);
    assert!(!rules.is_empty());
    let [host, ip, ip6, cidr, local, subtract] = rules.rules() else {
        panic!("six rules")
    };
    let Rule::Hostname(host) = host else {
        panic!("hostname rule")
    };
    assert_eq!(
        (host.scheme(), host.pattern(), host.port()),
        (Some("https"), "*.example.com", Some(443))
    );
    let Rule::IpHost(ip) = ip else {
        panic!("ip rule")
    };
    assert_eq!(
        (ip.scheme(), ip.addr(), ip.port()),
        (Some("ftp"), IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)), None)
    );
    let Rule::IpHost(ip6) = ip6 else {
        panic!("ip rule")
    };
    assert_eq!(
        (ip6.scheme(), ip6.addr(), ip6.port()),
        (None, IpAddr::V6(Ipv6Addr::LOCALHOST), Some(8080))
    );
    let Rule::Cidr(cidr) = cidr else {
        panic!("cidr rule")
    };
    assert_eq!(
        (cidr.addr(), cidr.prefix_len(), cidr.text()),
        (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)), 8, "10.0.0.0 / 8")
    );
    assert!(cidr.contains(IpAddr::V4(Ipv4Addr::new(10, 200, 0, 1))));
    assert!(cidr.contains("::ffff:10.1.1.1".parse().unwrap()));
    assert!(!cidr.contains("::10.1.1.1".parse().unwrap()));
    assert_eq!(*local, Rule::Local);
    assert_eq!(*subtract, Rule::SubtractImplicit);
    let printed: Vec<String> = rules.rules().iter().map(ToString::to_string).collect();
    assert_eq!(
        printed,
        [
            "https://*.example.com:443",
            "ftp://10.1.2.3",
            "[::1]:8080",
            "10.0.0.0 / 8",
            "<local>",
            "<-loopback>"
        ]
    );
    assert_eq!((&rules).into_iter().count(), 6);
}

#[test]
fn debug_output() {
    let rules = BypassRules::parse("*.corp:8080;10.0.0.0/8;<local>");
    expect![[r#"
        BypassRules(
            [
                Hostname(
                    HostnameRule {
                        scheme: None,
                        pattern: "*.corp",
                        port: Some(
                            8080,
                        ),
                    },
                ),
                Cidr(
                    CidrRule {
                        addr: 10.0.0.0,
                        prefix_len: 8,
                        text: "10.0.0.0/8",
                    },
                ),
                Local,
            ],
        )"#]]
    .assert_eq(&format!("{rules:#?}"));
}

#[test]
fn empty_and_default() {
    let empty = BypassRules::default();
    assert_eq!(empty.to_string(), "");
    assert!(empty.is_empty());
    assert_eq!(empty, BypassRules::parse(" ;, "));
    // No rules: only the implicit rules apply.
    assert!(empty.matches(&url("http://localhost/")));
    assert!(!empty.matches(&url("http://example.com/")));
    assert_eq!(
        BypassRules::parse("<-loopback>").to_string(),
        "<-loopback>;"
    );
}

#[test]
fn equality_is_structural() {
    assert_eq!(
        BypassRules::parse("A.com,b.com"),
        BypassRules::parse("a.com;B.COM")
    );
    assert_ne!(
        BypassRules::parse("a.com,b.com"),
        BypassRules::parse("b.com,a.com")
    );
    assert_eq!(
        BypassRules::parse("127.1"),
        BypassRules::parse("127.0.0.1:0")
    );
    // Ranges keep their text, so equal rules print equally.
    assert_ne!(
        BypassRules::parse("10.0.0.0/8"),
        BypassRules::parse("10.0.0.0 /8")
    );
    assert_eq!(
        BypassRules::parse("ftp://10.0.0.0/8"),
        BypassRules::parse("10.0.0.0/8")
    );
}

#[test]
fn from_iterator_rebuilds_the_matcher() {
    let rules = BypassRules::parse("*.example.com, <-loopback>, localhost");
    let without_subtract: BypassRules = rules
        .rules()
        .iter()
        .filter(|r| **r != Rule::SubtractImplicit)
        .cloned()
        .collect();
    assert_eq!(without_subtract.to_string(), "*.example.com;localhost;");
    assert!(!rules.matches(&url("http://127.0.0.1/")));
    assert!(without_subtract.matches(&url("http://127.0.0.1/")));
    let clone = rules.clone();
    assert_eq!(clone, rules);
    assert!(clone.matches(&url("http://localhost/")));
}

#[test]
fn hash_follows_equality() {
    use std::collections::HashSet;
    let set: HashSet<BypassRules> = [
        BypassRules::parse("a.com"),
        BypassRules::parse("A.COM;"),
        BypassRules::parse("b.com"),
    ]
    .into_iter()
    .collect();
    assert_eq!(set.len(), 2);
}
