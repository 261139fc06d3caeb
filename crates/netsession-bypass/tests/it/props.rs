//! Property tests: the indexed matcher against the reference, round trips, and matcher laws.

use netsession_bypass::{BypassRules, Rule, fuzz};
use proptest::prelude::*;
use url::Url;

/// Entries people write, edge cases from the reference, and near misses.
const VOCABULARY: &[&str] = &[
    "example.com",
    "*.example.com",
    ".example.com",
    "*example.com",
    "example.*",
    "*.org",
    "<local>",
    "<-loopback>",
    "localhost",
    "127.0.0.1",
    "127.0.0.1:8080",
    "10.0.0.0/8",
    "192.168.0.0/16",
    "fe80::/10",
    "[::1]",
    "http://example.com",
    "https://*.example.com:443",
    "*:8080",
    "*",
    "ftp://10.0.0.0/8",
    "EXAMPLE.ORG",
    "169.254.1.1",
    "intranet",
    "*.corp",
    "xn--bcher-kva.ch",
    "bad:port:x",
    "a?b.test",
    "*a*b",
    "[::ffff:10.0.0.1]",
    "::ffff:10.0.0.0/104",
    "10.1",
    "foo.localhost",
    "*.localhost",
    ":80",
    "http://:80",
    "example.com:0",
    "10.1.2.3:0",
    "0.0.0.0/0",
    "::/0",
    "*]",
    "[2001:db8::1]:443",
    "2001:db8::/32",
    "e?ample.com",
    "\\*.example.com",
    "www.*.com",
    "192.168.1.*",
    "10.1.2.3",
    "ftp://10.1.2.3",
    "HTTP://10.1.2.3",
    "*.test",
    "a.test\\",
    "??.test",
    "*.a.test",
    "b.test:8080",
    "ws://*",
    "https://*",
    "foo://*",
    "127.0.0.0/8",
    "[::ffff:127.0.0.1]",
    "::ffff:127.0.0.0/104",
    "*localhost",
    "localhost.",
    "*.example.com.",
    "*e.com",
    "ex*",
    "intra*",
    "*.",
    "*:0",
    "http://10.0.0.0 / 8",
    ".com",
];

const HOSTS: &[&str] = &[
    "example.com",
    "www.example.com",
    "a.b.example.com",
    "example.org",
    "intranet",
    "localhost",
    "foo.localhost",
    "127.0.0.1",
    "127.0.0.2",
    "10.1.2.3",
    "192.168.1.5",
    "169.254.1.1",
    "[::1]",
    "[fe80::1]",
    "[2001:db8::5]",
    "[2001:db8::1]",
    "xn--bcher-kva.ch",
    "EXAMPLE.COM",
    "example.com.",
    "sub.intranet.corp",
    "[::ffff:10.0.0.1]",
    "[::ffff:127.0.0.1]",
    "10.0.0.1",
    "ab.test",
    "a.test",
    "aab.test",
    "e.com",
    "localhost.",
    "x.a.test",
    "intranet.",
    "0x7f.1",
    "1.2.3.4",
    "q",
];

fn entry() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(VOCABULARY).prop_map(str::to_owned),
        1 => "[a-z0-9.*?:\\\\\\[\\]/<>@ -]{0,10}",
        1 => "(https?://)?[a-c*?.]{1,6}(:[0-9]{1,3})?",
    ]
}

fn rules_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            entry(),
            prop::sample::select(&[",", ";", ", ", " ; ", "\n,"][..]),
        ),
        0..8,
    )
    .prop_map(|parts| {
        parts
            .into_iter()
            .map(|(e, sep)| format!("{e}{sep}"))
            .collect()
    })
}

fn url() -> impl Strategy<Value = Url> {
    let host = prop_oneof![
        4 => proptest::sample::select(HOSTS).prop_map(str::to_owned),
        1 => "[a-c]{1,3}(\\.[a-c]{1,3}){0,3}\\.?",
        1 => (0u8..=255, 0u8..=255).prop_map(|(a, b)| format!("{a}.{b}.1.2")),
    ];
    let scheme = prop::sample::select(&["http", "https", "ftp", "ws", "wss", "foo"][..]);
    let port = prop::sample::select(&["", ":80", ":8080", ":443", ":0", ":21", ":1"][..]);
    (scheme, host, port).prop_filter_map("URL parses", |(scheme, host, port)| {
        Url::parse(&format!("{scheme}://{host}{port}/p")).ok()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn indexed_matcher_equals_reference(text in rules_text(), url in url()) {
        let rules = BypassRules::parse(&text);
        prop_assert_eq!(rules.matches(&url), fuzz::reference_matches(&rules, &url), "{} on {}", rules, url);
        prop_assert_eq!(BypassRules::matches_implicit(&url), fuzz::reference_matches_implicit(&url));
    }

    #[test]
    fn round_trip_and_strict_agree(text in rules_text()) {
        fuzz::bypass_parse(text.as_bytes());
    }

    #[test]
    fn printed_rules_match_the_same_urls(text in rules_text(), url in url()) {
        let rules = BypassRules::parse(&text);
        let reparsed = BypassRules::parse(&rules.to_string());
        prop_assert_eq!(rules.matches(&url), reparsed.matches(&url));
    }

    #[test]
    fn trailing_subtract_removes_the_implicit_bypass(text in rules_text(), url in url()) {
        let rules = BypassRules::parse(&format!("{text};<-loopback>"));
        if BypassRules::matches_implicit(&url) {
            prop_assert!(!rules.matches(&url));
        }
    }

    #[test]
    fn leading_subtract_only_matters_for_implicit_hosts(text in rules_text(), url in url()) {
        let plain = BypassRules::parse(&text);
        let subtracted = BypassRules::parse(&format!("<-loopback>;{text}"));
        if !BypassRules::matches_implicit(&url) {
            prop_assert_eq!(plain.matches(&url), subtracted.matches(&url));
        } else if !plain.rules().contains(&Rule::SubtractImplicit) {
            // Only the explicit rules can bypass an implicit host now.
            let explicit = BypassRules::parse(&text).rules().iter().any(|rule| {
                let single: BypassRules = std::iter::once(rule.clone()).collect();
                let with_subtract: BypassRules = [Rule::SubtractImplicit, rule.clone()].into_iter().collect();
                with_subtract.matches(&url) && single.matches(&url)
            });
            prop_assert_eq!(subtracted.matches(&url), explicit);
        }
    }

    #[test]
    fn without_subtract_order_does_not_matter_and_more_rules_bypass_more(
        a in rules_text(), b in rules_text(), url in url()
    ) {
        let ab = BypassRules::parse(&format!("{a};{b}"));
        prop_assume!(!ab.rules().contains(&Rule::SubtractImplicit));
        let ba = BypassRules::parse(&format!("{b};{a}"));
        prop_assert_eq!(ab.matches(&url), ba.matches(&url));
        if BypassRules::parse(&a).matches(&url) {
            prop_assert!(ab.matches(&url));
        }
    }

    #[test]
    fn concatenation_concatenates_rules(a in rules_text(), b in rules_text()) {
        let joined = BypassRules::parse(&format!("{a};{b}"));
        let mut expected = BypassRules::parse(&a).rules().to_vec();
        expected.extend_from_slice(BypassRules::parse(&b).rules());
        prop_assert_eq!(joined.rules(), expected.as_slice());
    }

    #[test]
    fn arbitrary_text_never_breaks_the_parser(text in any::<String>()) {
        fuzz::bypass_parse(text.as_bytes());
    }

    #[test]
    fn arbitrary_match_inputs(rules in rules_text(), tail in "[a-z:/\\[\\].0-9*?@%]{0,30}") {
        fuzz::bypass_match(format!("{rules}\nhttp://{tail}").as_bytes());
        fuzz::bypass_match(format!("{rules}\n{tail}").as_bytes());
    }
}
