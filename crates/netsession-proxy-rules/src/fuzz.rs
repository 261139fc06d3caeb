//! Invariant checks called by the `cargo fuzz` targets (and by the regression tests).
//!
//! Each function takes arbitrary bytes and panics only when an invariant is broken.

use url::Url;

use crate::{ProxyList, ProxyRules};

/// URLs of every scheme family that [`ProxyRules::proxies_for`] distinguishes.
const URLS: [&str; 6] = [
    "http://example.com/",
    "https://example.com/",
    "ftp://example.com/",
    "ws://example.com/",
    "wss://example.com/",
    "gopher://example.com/",
];

/// `fuzz/fuzz_targets/proxy_rules_parse.rs`: parsing never panics; printing gives rules that
/// parse back equal and print the same; the strict parser agrees with the lenient one and its
/// rejections point into the input; every chosen list prints as a PAC string that parses back.
pub fn proxy_rules_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let rules = ProxyRules::parse(&text);
    let printed = rules.to_string();
    let reparsed = ProxyRules::parse(&printed);
    assert_eq!(
        reparsed, rules,
        "print then parse changed the rules; printed {printed:?}"
    );
    assert_eq!(reparsed.to_string(), printed, "printing is not idempotent");
    check_strict(
        &text,
        ProxyRules::parse_strict(&text).map(|strict| strict == rules),
    );
    for url in URLS {
        #[expect(clippy::expect_used, reason = "the table holds valid URLs")]
        let url = Url::parse(url).expect("the URL table holds valid URLs");
        check_list(&rules.proxies_for(&url));
    }
}

/// `fuzz/fuzz_targets/proxy_list_parse.rs`: PAC result parsing never panics and never gives an
/// empty list; the printed list parses back equal; the strict parser agrees.
pub fn proxy_list_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let list = ProxyList::from_pac_string(&text);
    assert!(!list.is_empty(), "a parsed PAC result is never empty");
    check_list(&list);
    check_strict(
        &text,
        ProxyList::parse_pac_strict(&text).map(|strict| strict == list),
    );
}

fn check_list(list: &ProxyList) {
    let printed = list.to_string();
    if list.is_empty() {
        assert_eq!(printed, "", "an empty list prints as the empty string");
        return;
    }
    assert!(!printed.contains("; "), "no space after `;`: {printed:?}");
    assert_eq!(
        &ProxyList::from_pac_string(&printed),
        list,
        "printed {printed:?}"
    );
}

fn check_strict(text: &str, strict: Result<bool, crate::Error>) {
    match strict {
        Ok(agrees) => assert!(agrees, "strict and lenient parsers disagree on {text:?}"),
        Err(error) => {
            for rejection in error.rejections() {
                let at = text.get(rejection.offset()..).unwrap_or_default();
                assert!(
                    at.starts_with(rejection.text()),
                    "rejection {rejection} does not point at its text in {text:?}"
                );
                let line = 1 + text
                    .get(..rejection.offset())
                    .unwrap_or_default()
                    .matches('\n')
                    .count();
                assert_eq!(rejection.line(), line, "wrong line for {rejection}");
            }
        }
    }
}
