//! Integration tests of `netsession-proxy`: modes, PAC fetching over loopback HTTP, the
//! mandatory-PAC rule, fallback ordering, system settings and the reqwest adapter.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is how a test fails"
)]

mod client;
mod fallback;
mod fetch;
mod modes;
mod pac;
mod system;

use netsession_proxy::{ProxyConfig, ProxyResolver};
use url::Url;

pub(crate) fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

pub(crate) fn rules(rules: &str, bypass: &str) -> ProxyConfig {
    ProxyConfig {
        proxy_rules: rules.into(),
        proxy_bypass_rules: bypass.into(),
        ..ProxyConfig::default()
    }
}

pub(crate) fn pac(url: &str) -> ProxyConfig {
    ProxyConfig {
        pac_script: url.into(),
        ..ProxyConfig::default()
    }
}

/// A `data:` URL holding a PAC script.
pub(crate) fn pac_data(script: &str) -> String {
    let mut encoded = String::from("data:application/x-ns-proxy-autoconfig,");
    for byte in script.bytes() {
        if byte.is_ascii_alphanumeric() || b" (){};.,'=_-:".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

pub(crate) async fn resolve(resolver: &ProxyResolver, target: &str) -> String {
    resolver.resolve_proxy(&url(target)).await
}
