//! Chromium's proxy configuration strings, parsed and printed exactly as Chromium does.
//!
//! This crate owns three grammars that Electron's `session.setProxy` and
//! `session.resolveProxy` expose:
//!
//! - proxy server URIs: `socks5://host:1080`, `host:80`, `[::1]:8080`, `direct://`
//!   ([`ProxyServer`], [`ProxyChain`]);
//! - PAC result strings: `PROXY a:80;SOCKS5 b:1080;DIRECT` ([`ProxyList`]), both parsed (as
//!   from a PAC script) and printed (as `resolveProxy` returns them);
//! - `proxyRules`: `http=foopy:80;https=bar,baz;socks=qux` ([`ProxyRules`]), with the choice
//!   of a list for a URL.
//!
//! # Example
//!
//! ```
//! use netsession_proxy_rules::{ProxyList, ProxyRules};
//! use url::Url;
//!
//! let rules = ProxyRules::parse("https=secure-proxy:443,direct://;http=foopy");
//! let url = Url::parse("https://example.com/")?;
//! assert_eq!(rules.proxies_for(&url).to_string(), "PROXY secure-proxy:443;DIRECT");
//!
//! // The first plain list ends parsing, as in Chromium: use commas for fallbacks.
//! let rules = ProxyRules::parse("foopy1:8080;foopy2:9090");
//! assert_eq!(rules.to_string(), "foopy1:8080");
//!
//! let list = ProxyList::from_pac_string("PROXY p1; SOCKS p2; DIRECT");
//! assert_eq!(list.to_string(), "PROXY p1:80;SOCKS p2:1080;DIRECT");
//! # Ok::<(), url::ParseError>(())
//! ```
//!
//! # Leniency and strictness
//!
//! Chromium silently drops what it cannot parse; [`ProxyRules::parse`] and
//! [`ProxyList::from_pac_string`] do the same and never fail, so a configuration behaves
//! exactly as in Chromium. Apps that would rather tell their users use
//! [`ProxyRules::parse_strict`] and [`ProxyList::parse_pac_strict`], which return every
//! dropped or ignored entry with its byte offset, line and reason.
//!
//! # Input guarantees
//!
//! No input makes these parsers panic, and parsing takes time and memory linear in the input
//! length. The parsers do no I/O and never resolve host names: hosts are canonicalized as in
//! URLs (lower-case, IDN to punycode, `127.1` to `127.0.0.1`, IPv6 compressed) and nothing
//! more. This is checked by fuzzing (`cargo xtask fuzz`) and property tests.
//!
//! What Chromium accepts only in debug builds (QUIC proxies, bracketed multi-proxy chains) is
//! invalid here, as in the release builds that Electron ships.
//!
//! # Related crates
//!
//! `netsession-bypass` parses and matches `proxyBypassRules`; `netsession-proxy` combines both
//! with PAC scripts into Electron's `resolveProxy`.

mod error;
mod list;
mod rules;
mod server;
mod tokens;

#[doc(hidden)]
pub mod fuzz;

pub use error::{Error, ErrorKind, Rejection};
pub use list::ProxyList;
pub use rules::{ProxyRules, RulesKind};
pub use server::{ProxyChain, ProxyServer, Scheme};
pub use url;

#[cfg(test)]
mod tests;
