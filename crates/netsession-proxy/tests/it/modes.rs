//! Electron's mode selection and validation.

use netsession_proxy::{Mode, ProxyConfig, ProxyResolver};

use crate::{pac, pac_data, resolve, rules};

#[test]
fn unknown_modes_are_rejected_with_electrons_message() {
    for bad in ["", "PAC_SCRIPT", "fixed", "auto-detect", "System "] {
        let error = ProxyConfig::from_electron(Some(bad), "", "", "").unwrap_err();
        assert_eq!(
            error.to_string(),
            "Invalid mode, must be one of direct, auto_detect, pac_script, fixed_servers or system"
        );
    }
    for good in [
        "direct",
        "auto_detect",
        "pac_script",
        "fixed_servers",
        "system",
    ] {
        let config = ProxyConfig::from_electron(Some(good), "", "", "").unwrap();
        assert_eq!(config.mode.unwrap().to_string(), good);
    }
}

#[test]
fn no_mode_means_pac_when_a_script_is_given_else_fixed_servers() {
    assert_eq!(ProxyConfig::default().effective_mode(), Mode::FixedServers);
    assert_eq!(rules("p:80", "").effective_mode(), Mode::FixedServers);
    let both = ProxyConfig {
        proxy_rules: "p:80".into(),
        ..pac("http://pac.example/proxy.pac")
    };
    assert_eq!(both.effective_mode(), Mode::PacScript);
}

#[tokio::test]
async fn pac_wins_over_rules_when_no_mode_is_given() {
    let config = ProxyConfig {
        proxy_rules: "rules-proxy:80".into(),
        ..pac(&pac_data(
            "function FindProxyForURL(u, h) { return 'PROXY pac-proxy:81'; }",
        ))
    };
    let resolver = ProxyResolver::new(config);
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY pac-proxy:81"
    );
}

#[tokio::test]
async fn direct_mode_ignores_rules_and_scripts() {
    let config = ProxyConfig {
        mode: Some(Mode::Direct),
        proxy_rules: "p:80".into(),
        ..pac("data:,junk")
    };
    let resolver = ProxyResolver::new(config);
    assert_eq!(resolve(&resolver, "http://example.com/").await, "DIRECT");
}

#[tokio::test]
async fn empty_rules_are_direct_and_drop_the_bypass_list() {
    let resolver = ProxyResolver::new(rules("", "<-loopback>"));
    // With the bypass list dropped, <-loopback> does not apply either: it is all DIRECT.
    assert_eq!(resolve(&resolver, "http://localhost/").await, "DIRECT");
    assert_eq!(resolve(&resolver, "http://example.com/").await, "DIRECT");
}

#[tokio::test]
async fn fixed_servers_apply_rules_then_bypass() {
    let resolver = ProxyResolver::new(rules("http=foopy:80;socks=s", "*.internal,<local>"));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY foopy:80"
    );
    assert_eq!(
        resolve(&resolver, "https://example.com/").await,
        "SOCKS s:1080"
    );
    assert_eq!(resolve(&resolver, "http://a.internal/").await, "DIRECT");
    assert_eq!(resolve(&resolver, "http://printer/").await, "DIRECT");
    assert_eq!(resolve(&resolver, "http://127.0.0.1:8080/").await, "DIRECT");
    // All entries invalid: an empty list, which Electron prints as "".
    let resolver = ProxyResolver::new(rules("bogus://x", ""));
    assert_eq!(resolve(&resolver, "http://example.com/").await, "");
}

#[tokio::test]
async fn an_empty_or_invalid_pac_url_is_direct() {
    let config = ProxyConfig {
        mode: Some(Mode::PacScript),
        ..ProxyConfig::default()
    };
    assert_eq!(
        resolve(&ProxyResolver::new(config), "http://example.com/").await,
        "DIRECT"
    );
    let resolver = ProxyResolver::new(pac("not a url"));
    assert_eq!(resolve(&resolver, "http://example.com/").await, "DIRECT");
}
