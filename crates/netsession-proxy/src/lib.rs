//! Electron's `session.setProxy` and `session.resolveProxy` for Rust: proxy modes, PAC
//! scripts, bypass rules and bad-proxy fallback, with Chromium's semantics, and an adapter
//! that routes reqwest requests accordingly.
//!
//! # Example
//!
//! ```
//! use netsession_proxy::{ProxyConfig, ProxyResolver};
//! use url::Url;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let resolver = ProxyResolver::new(ProxyConfig {
//!     proxy_rules: "http=foopy:80;socks=socks-proxy".into(),
//!     proxy_bypass_rules: "*.internal.example,<local>".into(),
//!     ..ProxyConfig::default()
//! });
//! let resolve = |url: &str| {
//!     let url = Url::parse(url).unwrap();
//!     let resolver = resolver.clone();
//!     async move { resolver.resolve_proxy(&url).await }
//! };
//! assert_eq!(resolve("http://example.com/").await, "PROXY foopy:80");
//! assert_eq!(resolve("https://example.com/").await, "SOCKS socks-proxy:1080");
//! assert_eq!(resolve("http://wiki.internal.example/").await, "DIRECT");
//! assert_eq!(resolve("http://printer/").await, "DIRECT");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Modes
//!
//! As Electron: `direct`; `fixed_servers` (`proxy_rules` and `proxy_bypass_rules`; an empty
//! rules string is direct); `pac_script` (mandatory: when the script cannot be fetched or
//! fails, resolution fails and `resolve_proxy` returns `""`, except for localhost, loopback
//! and link-local URLs, which are always `DIRECT` under PAC); `auto_detect` (WPAD, falling back
//! to direct); `system` (environment variables and GNOME settings, see [`system`]). With no
//! mode, a PAC URL selects `pac_script` and anything else `fixed_servers`.
//!
//! # Fallback
//!
//! [`ProxyInfo::fallback`] moves past a proxy that failed; after the request succeeds, the
//! proxies it fell back from go to the end of every list for 5 minutes (configurable).
//! DIRECT is never marked bad, and there is no implicit DIRECT at the end of a list.
//!
//! # Related crates
//!
//! The grammars live in `netsession-proxy-rules` and `netsession-bypass`, the PAC evaluator in
//! `netsession-pac`; this crate composes them. The `netsession` facade puts a resolver in
//! every session.

mod client;
mod config;
mod error;
mod fetch;
mod resolver;
mod retry;
pub mod system;

pub use client::{ProxiedClient, Route};
pub use config::{Mode, ProxyConfig};
pub use error::{Error, FetchFailure};
pub use resolver::{PacCompiler, ProxyResolver, ResolverOptions, ResolverSnapshot};
pub use retry::ProxyInfo;
pub use system::SystemEnvironment;
