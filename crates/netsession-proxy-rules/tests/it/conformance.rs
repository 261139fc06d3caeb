//! Chromium's behaviour, case by case, from the tables in `tests/data/`.

use netsession_proxy_rules::{Error, ProxyChain, ProxyList, ProxyRules};
use url::Url;

use crate::check::check;

fn outcome(result: Result<ProxyChain, Error>) -> String {
    match result {
        Ok(chain) => chain.pac().to_string(),
        Err(error) => format!("invalid {:?}", error.kind()),
    }
}

#[test]
fn proxy_uris() {
    let n = check("proxy-uri.txt", |case| {
        outcome(ProxyChain::from_uri(&case.input))
    });
    assert!(n >= 60, "{n} cases");
}

#[test]
fn pac_elements() {
    check("pac-element.txt", |case| {
        outcome(ProxyChain::from_pac(&case.input))
    });
}

#[test]
fn pac_strings() {
    check("pac-string.txt", |case| {
        ProxyList::from_pac_string(&case.input).to_string()
    });
}

#[test]
fn rules_print() {
    check("rules-print.txt", |case| {
        ProxyRules::parse(&case.input).to_string()
    });
}

#[test]
fn rules_apply() {
    check("rules-apply.txt", |case| {
        let url = Url::parse(case.arg).unwrap();
        ProxyRules::parse(&case.input).proxies_for(&url).to_string()
    });
}

/// The URI form round-trips through Display for every valid table entry.
#[test]
fn uri_display_round_trips() {
    check("proxy-uri.txt", |case| {
        match ProxyChain::from_uri(&case.input) {
            Ok(chain) => {
                let printed = chain.to_string();
                assert_eq!(ProxyChain::from_uri(&printed).unwrap(), chain, "{printed}");
                chain.pac().to_string()
            }
            Err(error) => format!("invalid {:?}", error.kind()),
        }
    });
}
