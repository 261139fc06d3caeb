//! Electron's `session` module for Rust: named, isolated network sessions with Chromium's
//! semantics.
//!
//! A [`Session`] owns its cookies, storage, HTTP cache, proxy configuration, certificate
//! verifier, host and auth caches, user agent, downloads, network emulation, permission
//! handlers and preload list, and sends requests through all of them with
//! [`Session::fetch`]. `""` is the default
//! session, `persist:NAME` lives on disk under the app's data directory, any other name lives
//! in memory, and the same name always gives the same session.
//!
//! # Example
//!
//! ```
//! use netsession::{ProxyConfig, Session, SessionOptions};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let session = Session::from_partition("example", SessionOptions::default())?;
//! session
//!     .set_proxy(ProxyConfig {
//!         proxy_rules: "http=corp-proxy:3128".into(),
//!         proxy_bypass_rules: "<local>".into(),
//!         ..ProxyConfig::default()
//!     })
//!     .await?;
//! assert_eq!(session.resolve_proxy("http://example.com/").await, "PROXY corp-proxy:3128");
//! assert_eq!(session.resolve_proxy("http://intranet/").await, "DIRECT");
//!
//! session.set_user_agent("MyApp/1.0", Some("en-US,fr,de"));
//! assert_eq!(session.accept_language().as_deref(), Some("en-US,fr;q=0.9,de;q=0.8"));
//! # Ok::<(), netsession::Error>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Electron names and ours
//!
//! | Electron | netsession |
//! |---|---|
//! | `session.fromPartition(p, {cache})` | [`Session::from_partition`], [`Sessions::from_partition`] |
//! | `session.fromPath(path, {cache})` | [`Session::from_path`] |
//! | `session.defaultSession` | [`Session::default_session`] |
//! | `ses.isPersistent()` / `ses.getStoragePath()` | [`Session::is_persistent`] / [`Session::storage_path`] |
//! | `ses.cookies` | [`Session::cookies`] (`netsession_cookies::CookieJar`) |
//! | `ses.clearStorageData(options)` / `ses.flushStorageData()` | [`Session::clear_storage_data`] / [`Session::flush_storage_data`] |
//! | `ses.clearData(options)` | [`Session::clear_data`] ([`ClearDataOptions`]: data types, `origins` / `excludeOrigins`) |
//! | `ses.setProxy(config)` / `ses.resolveProxy(url)` | [`Session::set_proxy`] / [`Session::resolve_proxy`] |
//! | `ses.forceReloadProxyConfig()` | [`Session::force_reload_proxy_config`] |
//! | `ses.setUserAgent(ua, langs)` / `ses.getUserAgent()` | [`Session::set_user_agent`] / [`Session::user_agent`] |
//! | `ses.setDownloadPath(path)` | [`Session::set_download_path`] |
//! | `ses.enableNetworkEmulation(o)` / `ses.disableNetworkEmulation()` | [`Session::enable_network_emulation`] / [`Session::disable_network_emulation`] |
//! | `ses.setPermissionRequestHandler(h)` / `ses.setPermissionCheckHandler(h)` | [`Session::set_permission_request_handler`] / [`Session::set_permission_check_handler`] |
//! | (a page asks) | [`Session::request_permission`] / [`Session::check_permission`] |
//! | `ses.setPreloads(p)` / `ses.getPreloads()` | [`Session::set_preloads`] / [`Session::preloads`] |
//! | `ses.registerPreloadScript(s)` / `unregisterPreloadScript` / `getPreloadScripts` | [`Session::register_preload_script`] / [`Session::unregister_preload_script`] / [`Session::preload_scripts`] |
//! | `ses.allowNTLMCredentialsForDomains(d)` | [`Session::allow_ntlm_credentials_for_domains`] |
//! | `ses.fetch(input, init)` | [`Session::fetch`] |
//! | `ses.closeAllConnections()` | [`Session::close_all_connections`] |
//! | `ses.getCacheSize()` / `ses.clearCache()` | [`Session::cache_size`] / [`Session::clear_cache`] |
//! | `ses.clearHostResolverCache()` | [`Session::clear_host_resolver_cache`] (and [`Session::host_resolver`]) |
//! | `ses.clearAuthCache()` | [`Session::clear_auth_cache`] |
//! | `app.on('login')` / `webContents.on('login')` | [`Session::set_login_handler`] |
//! | `ses.setCertificateVerifyProc(proc)` | [`Session::set_certificate_verify_proc`] (and [`Session::set_certificate_verifier`] for other roots) |
//! | `ses.downloadURL(url, options)` | [`Session::download`] / [`Session::download_with`] |
//! | (a webview loads an attachment) | [`Session::navigate`] ([`Navigation::Download`]) |
//! | `ses.on('will-download')` | [`Session::on_will_download`] |
//! | `ses.createInterruptedDownload(options)` | [`Session::create_interrupted_download`] |
//! | `ses.getBlobData(id)` | [`Session::get_blob_data`] (blobs from [`Session::create_blob`], also fetchable as `blob:` URLs) |
//! | `ses.webRequest` | [`Session::web_request`] ([`web_request::WebRequest`]: the eight events, filters, time-outs) |
//! | `ses.protocol` | [`Session::protocol`] ([`protocol::Protocol`]: `handle`, `unhandle`, `isProtocolHandled`, `register*`/`intercept*`) |
//! | `ses.netLog` | [`Session::net_log`] ([`net_log::NetLog`]: `startLogging`, `stopLogging`, `currentlyLogging`) |
//!
//! # The request pipeline
//!
//! [`Session::fetch`] takes each hop of a request through: the `webRequest` listeners
//! (`on_before_request` may cancel or redirect); the protocol handlers (custom schemes, and
//! intercepted `http`/`https`), `blob:` and `data:` URLs; the user agent and `Accept-Language`; the session's cookies (attached for the URL with the same-site
//! decision, stored from every response); the HTTP cache (unless the session was created with
//! `cache: false`); HTTP authentication (Basic and Digest, the auth cache, the login handler,
//! credentials in the URL); network emulation (offline, latency, upload and download
//! throughput on tokio's clock); six connections per host, as Chromium; the proxy list with
//! failover and bad-proxy marking; the host resolver cache; TLS through the session's
//! certificate verifier and verify proc. Redirects are followed by the session, so each hop
//! gets all of it, and the session's NetLog records each stage. Failures are [`NetError`]s
//! with Chromium's names and codes, also when a body fails while it is read
//! ([`NetError::find`]). Proxies that answer `407` get Basic credentials from the login
//! handler (`is_proxy` set).
//!
//! NTLM is answered with the `ntlm` cargo feature (through the `sspi` crate, about 150
//! crates, so it is off by default), for the hosts [`Session::allow_ntlm_credentials_for_domains`]
//! allows, with the identity from the URL, the auth cache or the login handler (`DOMAIN\user`).
//! Not on the session: Negotiate (Kerberos), and Digest to proxies.
//!
//! # Crates
//!
//! The pieces are crates of their own, re-exported here by name: [`proxy`]
//! (`netsession-proxy`), [`proxy_rules`], [`bypass`], [`pac`], [`storage`], [`cookies`],
//! [`http_cache`], [`downloads`] and [`cert_verify`].

mod auth;
mod auth_scheme;
mod download;
mod emulation;
mod error;
mod fetch;
mod glob;
mod host_cache;
mod identity;
mod logging;
pub mod net_log;
#[cfg(feature = "ntlm")]
mod ntlm;
mod permissions;
mod preloads;
pub mod protocol;
mod services;
mod session;
mod transport;
pub mod web_request;

pub use auth::{AuthInfo, Credentials, LoginRequest};
pub use emulation::NetworkConditions;
pub use error::Error;
pub use fetch::{Navigation, NetError};
pub use host_cache::HostResolver;
pub use identity::accept_language_header;
pub use netsession_proxy::ProxyConfig;
pub use permissions::{Permission, PermissionCheck, PermissionRequest};
pub use preloads::{PreloadKind, PreloadScript};
pub use session::{
    ClearDataOptions, ClearDataType, OriginFilter, Session, SessionOptions, Sessions,
    platform_data_dir, sessions, set_data_dir,
};

pub use netsession_bypass as bypass;
pub use netsession_cert_verify as cert_verify;
pub use netsession_cookies as cookies;
pub use netsession_downloads as downloads;
pub use netsession_http_cache as http_cache;
pub use netsession_pac as pac;
pub use netsession_proxy as proxy;
pub use netsession_proxy_rules as proxy_rules;
pub use netsession_storage as storage;
pub use reqwest;

/// Invariant checks for fuzzing; not part of the API.
#[doc(hidden)]
pub mod fuzz {
    use crate::auth::{Challenged, Credentials};
    use crate::auth_scheme::{Scheme, choose_best, parse_challenges};
    use crate::web_request::MatchPattern;

    /// `WWW-Authenticate` values (one per line) from a server: parsing never panics, the
    /// chosen challenge is one the session answers, and its answer names its scheme.
    pub fn auth_challenges(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let values: Vec<&str> = text.split('\n').collect();
        let challenges = parse_challenges(values.iter().copied());
        assert!(challenges.len() <= values.len());
        let Some(best) = choose_best(&challenges, true) else {
            return;
        };
        assert!(matches!(best.scheme, Scheme::Basic | Scheme::Digest));
        let Some(challenged) = Challenged::new(best) else {
            return;
        };
        let Ok(url) = url::Url::parse("http://example.test/dir/page?q=1") else {
            return;
        };
        let mut entry = challenged.entry(&url, Credentials::new("us\"er", "pa\\ss"));
        let answer = entry.authorization("GET", &url);
        let scheme = if matches!(best.scheme, Scheme::Basic) {
            "Basic "
        } else {
            "Digest "
        };
        assert!(answer.starts_with(scheme), "{answer}");
    }

    /// A match pattern on the first line, a URL on the rest: parsing never panics, a parsed
    /// pattern prints as written, and `<all_urls>` matches every URL.
    pub fn match_pattern(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let (pattern, url) = text.split_once('\n').unwrap_or((&text, ""));
        let url = url::Url::parse(url).ok();
        if let Ok(parsed) = MatchPattern::parse(pattern) {
            assert_eq!(parsed.as_str(), pattern);
            if let Some(url) = &url {
                let matched = parsed.matches(url);
                if pattern == "<all_urls>" {
                    assert!(matched);
                }
            }
        }
    }
}
