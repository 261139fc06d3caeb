//! What the strict parsers report, with offsets, lines and messages.

use expect_test::expect;
use netsession_proxy_rules::{ErrorKind, ProxyList, ProxyRules};

fn kinds_and_offsets(text: &str) -> Vec<(ErrorKind, usize, String)> {
    ProxyRules::parse_strict(text)
        .unwrap_err()
        .rejections()
        .iter()
        .map(|r| (r.kind(), r.offset(), r.text().to_owned()))
        .collect()
}

#[test]
fn strict_accepts_what_lenient_keeps_whole() {
    for text in [
        "",
        "foopy:80",
        "http=a,b;https=c;socks=d",
        "p1:80 , direct://",
        "a;;",
    ] {
        assert_eq!(
            ProxyRules::parse_strict(text).unwrap(),
            ProxyRules::parse(text),
            "{text:?}"
        );
    }
}

#[test]
fn strict_reports_every_drop_in_order() {
    assert_eq!(
        kinds_and_offsets("http=foo:,bar;HTTP=x;ws=y; https=user@z"),
        [
            (ErrorKind::EmptyPort, 5, "foo:".to_owned()),
            (ErrorKind::UnknownRulesKey, 14, "HTTP".to_owned()),
            (ErrorKind::UnknownRulesKey, 21, "ws".to_owned()),
            (ErrorKind::UserInfo, 33, "user@z".to_owned()),
        ]
    );
    assert_eq!(
        kinds_and_offsets("foopy1:8080;foopy2:9090; ;x"),
        [
            (
                ErrorKind::IgnoredAfterProxyList,
                12,
                "foopy2:9090".to_owned()
            ),
            (ErrorKind::IgnoredAfterProxyList, 26, "x".to_owned()),
        ]
    );
    assert_eq!(
        kinds_and_offsets("http=a;plain"),
        [(ErrorKind::PlainListAfterSchemes, 7, "plain".to_owned())]
    );
    assert_eq!(
        kinds_and_offsets("http="),
        [(ErrorKind::EmptyRulesValue, 0, "http=".to_owned())]
    );
}

#[test]
fn lines_are_counted() {
    let err = ProxyRules::parse_strict("http=a,\nb:,\n\nc:x").unwrap_err();
    let lines: Vec<_> = err
        .rejections()
        .iter()
        .map(|r| (r.line(), r.offset()))
        .collect();
    assert_eq!(lines, [(2, 8), (4, 13)]);
}

#[test]
fn messages_name_the_input() {
    let err = ProxyRules::parse_strict("http=foo:99999").unwrap_err();
    expect![[r#"invalid proxy entry `foo:99999` at offset 5: port is not a decimal number from 0 to 65535"#]]
        .assert_eq(&err.to_string());
    let err = ProxyList::parse_pac_strict("PROXY a;HTTP b;DIRECT c").unwrap_err();
    expect![[r#"2 invalid proxy entries; `HTTP b` at offset 8: unknown PAC keyword (expected PROXY, HTTPS, SOCKS, SOCKS4, SOCKS5 or DIRECT); `DIRECT c` at offset 15: DIRECT takes no host"#]]
        .assert_eq(&err.to_string());
}
