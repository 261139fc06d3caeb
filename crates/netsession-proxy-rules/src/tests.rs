//! Unit tests of the crate's private helpers.

use crate::server::{parse_port, trim_lws};
use crate::tokens::{Reporter, tokens};
use crate::{ErrorKind, ProxyChain, ProxyServer, Scheme};

#[test]
fn ports_follow_url_parse_port() {
    let cases = [
        ("80", Some(80)),
        ("0", Some(0)),
        ("0000", Some(0)),
        ("000080", Some(80)),
        ("65535", Some(65535)),
        ("65536", None),
        ("100000", None),
        ("0000065535", Some(65535)),
        ("+1", None),
        ("-1", None),
        ("1 ", None),
        ("0x10", None),
        ("８０", None),
    ];
    for (text, port) in cases {
        assert_eq!(parse_port(text), port, "{text:?}");
    }
}

#[test]
fn tokens_skip_empty_pieces_and_keep_offsets() {
    let found: Vec<_> = tokens(";a;;bc;", ';', 10).collect();
    assert_eq!(found, [(11, "a"), (14, "bc")]);
    assert_eq!(tokens("", ';', 0).count(), 0);
    // Offsets stay on character boundaries with multi-byte text.
    let found: Vec<_> = tokens("ü;é", ';', 0).collect();
    assert_eq!(found, [(0, "ü"), (3, "é")]);
}

#[test]
fn lws_is_space_and_tab_only() {
    assert_eq!(trim_lws(" \tx \t"), "x");
    assert_eq!(trim_lws("\nx\n"), "\nx\n");
}

#[test]
fn silent_reporter_collects_nothing() {
    let mut reporter = Reporter::silent("abc");
    reporter.reject(ErrorKind::EmptyHost, 0, "abc");
    assert_eq!(reporter.finish(1).unwrap(), 1);
}

#[test]
fn reporter_counts_lines_even_out_of_order() {
    let text = "a\nb\nc";
    let mut reporter = Reporter::collecting(text);
    reporter.reject(ErrorKind::EmptyHost, 4, "c");
    reporter.reject(ErrorKind::EmptyHost, 2, "b");
    let error = reporter.finish(()).unwrap_err();
    let lines: Vec<_> = error.rejections().iter().map(|r| r.line()).collect();
    assert_eq!(lines, [3, 2]);
}

#[test]
fn new_brackets_bare_ipv6_and_rejects_separators() {
    let server = ProxyServer::new(Scheme::Http, "2001:DB8::1", Some(3128)).unwrap();
    assert_eq!(server.to_string(), "[2001:db8::1]:3128");
    for host in ["a;b", "a,b", "a=b", "", "a b", "foo.80"] {
        assert!(
            ProxyServer::new(Scheme::Http, host, None).is_err(),
            "{host:?}"
        );
    }
}

#[test]
fn direct_is_not_a_server() {
    assert!(ProxyServer::from_uri("direct://").is_err());
    assert!(ProxyServer::from_pac("DIRECT").is_err());
    assert!(ProxyChain::from_pac("DIRECT").unwrap().is_direct());
    assert_eq!(ProxyChain::Direct.server(), None);
}

#[test]
fn constructed_rules_print_and_parse_back() {
    use crate::{ProxyList, ProxyRules};
    let list = |pac: &str| ProxyList::from_pac_string(pac);
    let rules = ProxyRules::per_scheme(
        list("PROXY h:81"),
        ProxyList::new(),
        list("SOCKS f:1"),
        list("PROXY fb:82;DIRECT"),
    );
    assert_eq!(
        rules.to_string(),
        "http=h:81;ftp=socks4://f:1;socks=http://fb:82,direct://"
    );
    assert_eq!(ProxyRules::parse(&rules.to_string()), rules);
    let single = ProxyRules::single(ProxyList::new());
    assert_eq!(ProxyRules::parse(&single.to_string()), single);
    let empty = ProxyRules::per_scheme(
        ProxyList::new(),
        ProxyList::new(),
        ProxyList::new(),
        ProxyList::new(),
    );
    assert_eq!(ProxyRules::parse(&empty.to_string()), empty);
}
