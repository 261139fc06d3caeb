//! Property tests: round-trips and laws over generated configuration strings.

use netsession_proxy_rules::{ProxyList, ProxyRules, fuzz};
use proptest::prelude::*;
use url::Url;

/// Fragments that exercise every branch of the grammar, glued with the separators.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("foopy".to_owned()),
        Just("http".to_owned()),
        Just("socks".to_owned()),
        Just("https".to_owned()),
        Just("ftp".to_owned()),
        Just("HTTP".to_owned()),
        Just("direct://".to_owned()),
        Just("socks5://".to_owned()),
        Just("socks4://".to_owned()),
        Just("https://".to_owned()),
        Just("[::1]".to_owned()),
        Just("127.1".to_owned()),
        Just("füpy".to_owned()),
        Just(":80".to_owned()),
        Just(":".to_owned()),
        Just("@".to_owned()),
        Just(" ".to_owned()),
        Just("PROXY ".to_owned()),
        Just("SOCKS ".to_owned()),
        Just("DIRECT".to_owned()),
        "[a-z0-9.]{1,8}",
        "[ -~]{0,4}",
    ]
}

fn separator() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(";"), Just("="), Just(","), Just(""), Just(" ")]
}

fn config() -> impl Strategy<Value = String> {
    proptest::collection::vec((fragment(), separator()), 0..12)
        .prop_map(|parts| parts.into_iter().map(|(f, s)| f + s).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn rules_round_trip(text in config()) {
        fuzz::proxy_rules_parse(text.as_bytes());
    }

    #[test]
    fn pac_lists_round_trip(text in config()) {
        fuzz::proxy_list_parse(text.as_bytes());
    }

    /// A single list applies to every scheme alike.
    #[test]
    fn single_lists_ignore_the_scheme(text in config(), scheme in "(http|https|ftp|ws|wss|gopher)") {
        let rules = ProxyRules::parse(&text);
        if rules.kind() == netsession_proxy_rules::RulesKind::SingleList {
            let url = Url::parse(&format!("{scheme}://example.com/")).unwrap();
            prop_assert_eq!(&rules.proxies_for(&url), rules.single_proxies());
        }
    }

    /// Appending a rule never changes what an earlier plain list decided.
    #[test]
    fn first_plain_list_ends_parsing(list in "[a-z]{1,6}(:[0-9]{1,4})?", rest in config()) {
        let alone = ProxyRules::parse(&list);
        let with_rest = ProxyRules::parse(&format!("{list};{rest}"));
        prop_assert_eq!(alone, with_rest);
    }

    /// A PAC result is never empty after parsing, whatever the input.
    #[test]
    fn pac_results_are_never_empty(text in "\\PC{0,40}") {
        prop_assert!(!ProxyList::from_pac_string(&text).is_empty());
    }
}
