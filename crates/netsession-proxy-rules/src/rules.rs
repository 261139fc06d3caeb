//! Chromium's `proxyRules` strings (`http=foopy:80;socks=socks-proxy`), parsed and printed,
//! and the choice of a proxy list for a URL.

use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::error::{Error, ErrorKind};
use crate::list::ProxyList;
use crate::server::{Scheme, parse_uri};
use crate::tokens::{Reporter, tokens};

/// Which shape a [`ProxyRules`] has, as Chromium's `ProxyRules::Type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RulesKind {
    /// Nothing configured: every URL goes `DIRECT`.
    #[default]
    Empty,
    /// One list for every URL (`foopy:80,bar:8080`).
    SingleList,
    /// Lists chosen by URL scheme (`http=foopy;https=bar;socks=baz`).
    PerScheme,
}

/// Manual proxy rules: Electron's `proxyRules`, Chromium's `ProxyConfig::ProxyRules`.
///
/// Grammar (Chromium's words): `proxy-rules = scheme-proxies *(";" scheme-proxies)`,
/// `scheme-proxies = [url-scheme "="] proxy-uri-list`, `proxy-uri-list = proxy-uri *(","
/// proxy-uri)`, `url-scheme = "http" | "https" | "ftp" | "socks"`. Parsing follows Chromium's
/// algorithm exactly, quirks included:
///
/// - the first key-less entry ends parsing: `foopy1:8080;foopy2:9090` keeps only `foopy1`
///   (use `,` for fallbacks); after a `scheme=` entry, key-less entries are ignored;
/// - keys are case-sensitive (`HTTP=foo` is dropped) and unknown keys are dropped;
/// - `socks=` is the list for every scheme without its own list, and its scheme-less entries
///   are SOCKS4, while a `socks://` URI means SOCKS5;
/// - invalid proxy entries are dropped silently (see [`ProxyRules::parse_strict`] for errors).
///
/// # Examples
///
/// ```
/// use netsession_proxy_rules::ProxyRules;
/// use url::Url;
///
/// let rules = ProxyRules::parse("http=foopy:8080;socks=socks-proxy");
/// let http = Url::parse("http://example.com/")?;
/// let wss = Url::parse("wss://example.com/")?;
/// assert_eq!(rules.proxies_for(&http).to_string(), "PROXY foopy:8080");
/// assert_eq!(rules.proxies_for(&wss).to_string(), "SOCKS socks-proxy:1080");
/// assert_eq!(rules.to_string(), "http=foopy:8080;socks=socks4://socks-proxy:1080");
/// # Ok::<(), url::ParseError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ProxyRules {
    kind: RulesKind,
    single: ProxyList,
    http: ProxyList,
    https: ProxyList,
    ftp: ProxyList,
    fallback: ProxyList,
}

impl ProxyRules {
    /// Parses a `proxyRules` string with Chromium's lenient parser. Never fails; see the type
    /// docs for the quirks.
    pub fn parse(text: &str) -> Self {
        parse_rules(text, &mut Reporter::silent(text))
    }

    /// Rules with one list for every URL scheme (Chromium's `PROXY_LIST` type).
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_proxy_rules::{ProxyList, ProxyRules};
    /// let rules = ProxyRules::single(ProxyList::from_pac_string("SOCKS5 s:1080"));
    /// assert_eq!(rules.to_string(), "socks5://s:1080");
    /// ```
    pub fn single(list: ProxyList) -> Self {
        Self {
            kind: RulesKind::SingleList,
            single: list,
            ..Self::default()
        }
    }

    /// Rules with a list per URL scheme (Chromium's `PROXY_LIST_PER_SCHEME` type); `fallback`
    /// is the `socks=` list, used for schemes whose own list is empty.
    pub fn per_scheme(
        http: ProxyList,
        https: ProxyList,
        ftp: ProxyList,
        fallback: ProxyList,
    ) -> Self {
        Self {
            kind: RulesKind::PerScheme,
            http,
            https,
            ftp,
            fallback,
            ..Self::default()
        }
    }

    /// Parses like [`ProxyRules::parse`], but reports everything the lenient parser drops or
    /// ignores.
    ///
    /// # Errors
    ///
    /// One [`Rejection`](crate::Rejection) per dropped proxy entry, unknown or mis-cased key,
    /// key without value, and entry ignored after a plain list, in input order.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_proxy_rules::{ErrorKind, ProxyRules};
    ///
    /// let err = ProxyRules::parse_strict("foopy:80;foopy2:90").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::IgnoredAfterProxyList);
    /// assert_eq!(err.rejections()[0].offset(), 9);
    ///
    /// let err = ProxyRules::parse_strict("HTTP=foopy; https=bar:").unwrap_err();
    /// let kinds: Vec<_> = err.rejections().iter().map(|r| r.kind()).collect();
    /// assert_eq!(kinds, [ErrorKind::UnknownRulesKey, ErrorKind::EmptyPort]);
    /// ```
    pub fn parse_strict(text: &str) -> Result<Self, Error> {
        let mut reporter = Reporter::collecting(text);
        let rules = parse_rules(text, &mut reporter);
        reporter.finish(rules)
    }

    /// The proxies to try for `url`, as Chromium's `ProxyRules::Apply` chooses them (bypass
    /// rules are applied by the caller, see `netsession-bypass`):
    ///
    /// - no rules: `DIRECT`;
    /// - a single list: that list for every scheme, even when empty (an empty list means no
    ///   usable proxy: Electron's `resolveProxy` then returns `""`);
    /// - per scheme: the `http`, `https` or `ftp` list for those schemes when not empty; for
    ///   `ws`/`wss` the first non-empty of the `socks`, `https` and `http` lists; otherwise the
    ///   `socks` list; otherwise `DIRECT`.
    pub fn proxies_for(&self, url: &Url) -> ProxyList {
        self.list_for_scheme(url.scheme())
            .cloned()
            .unwrap_or_else(ProxyList::direct)
    }

    /// The list [`ProxyRules::proxies_for`] uses for URLs of `scheme` (lower-case), or `None`
    /// for `DIRECT`. Borrowing, for callers that resolve often.
    pub fn list_for_scheme(&self, scheme: &str) -> Option<&ProxyList> {
        match self.kind {
            RulesKind::Empty => None,
            RulesKind::SingleList => Some(&self.single),
            RulesKind::PerScheme => {
                let own = match scheme {
                    "http" => Some(&self.http),
                    "https" => Some(&self.https),
                    "ftp" => Some(&self.ftp),
                    _ => None,
                };
                let websocket: &[&ProxyList] = if matches!(scheme, "ws" | "wss") {
                    // RFC 6455 section 4.1 advises SOCKS, then the HTTPS and HTTP proxies.
                    &[&self.fallback, &self.https, &self.http]
                } else {
                    &[&self.fallback]
                };
                own.into_iter()
                    .chain(websocket.iter().copied())
                    .find(|list| !list.is_empty())
            }
        }
    }

    /// Which shape the rules have. A kind other than [`RulesKind::Empty`] does not promise a
    /// valid proxy: every entry may have been invalid.
    pub fn kind(&self) -> RulesKind {
        self.kind
    }

    /// Whether no rules are configured (every URL goes `DIRECT`).
    pub fn is_empty(&self) -> bool {
        self.kind == RulesKind::Empty
    }

    /// The list of a [`RulesKind::SingleList`].
    pub fn single_proxies(&self) -> &ProxyList {
        &self.single
    }

    /// The `http=` list of a [`RulesKind::PerScheme`].
    pub fn proxies_for_http(&self) -> &ProxyList {
        &self.http
    }

    /// The `https=` list of a [`RulesKind::PerScheme`].
    pub fn proxies_for_https(&self) -> &ProxyList {
        &self.https
    }

    /// The `ftp=` list of a [`RulesKind::PerScheme`].
    pub fn proxies_for_ftp(&self) -> &ProxyList {
        &self.ftp
    }

    /// The `socks=` list of a [`RulesKind::PerScheme`], used for schemes without their own.
    pub fn fallback_proxies(&self) -> &ProxyList {
        &self.fallback
    }
}

/// Prints canonical rules that parse back to equal rules: proxies in URI form, `,`-joined;
/// per-scheme lists as `http=..;https=..;ftp=..;socks=..` (empty lists left out, HTTP
/// entries of the `socks=` list written `http://` so they are not read as SOCKS4).
///
/// Two shapes have no natural spelling: a single list whose entries were all invalid prints
/// as `,`, and per-scheme rules whose lists are all empty print as `http=,`.
impl fmt::Display for ProxyRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            RulesKind::Empty => Ok(()),
            RulesKind::SingleList if self.single.is_empty() => f.write_str(","),
            RulesKind::SingleList => self.single.write_uris(f, false),
            RulesKind::PerScheme => {
                let lists = [
                    ("http", &self.http),
                    ("https", &self.https),
                    ("ftp", &self.ftp),
                    ("socks", &self.fallback),
                ];
                let mut written = 0;
                for (key, list) in lists.into_iter().filter(|(_, list)| !list.is_empty()) {
                    if written > 0 {
                        f.write_str(";")?;
                    }
                    write!(f, "{key}=")?;
                    list.write_uris(f, key == "socks")?;
                    written += 1;
                }
                if written == 0 {
                    f.write_str("http=,")?;
                }
                Ok(())
            }
        }
    }
}

/// Parses leniently, as [`ProxyRules::parse`].
impl FromStr for ProxyRules {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(text))
    }
}

/// Chromium's `ProxyConfig::ProxyRules::ParseFromString`, with every drop reported.
fn parse_rules(text: &str, reporter: &mut Reporter<'_>) -> ProxyRules {
    let mut rules = ProxyRules::default();
    let mut entries = tokens(text, ';', 0);
    while let Some((entry_offset, entry)) = entries.next() {
        let mut parts = tokens(entry, '=', entry_offset);
        let mut first = true;
        while let Some((key_offset, key)) = parts.next() {
            let Some((value_offset, value)) = parts.next() else {
                // A lone token: a plain proxy list, unless `scheme=` entries came first.
                if first && entry.contains('=') {
                    reporter.reject(ErrorKind::EmptyRulesValue, entry_offset, entry);
                }
                if rules.kind == RulesKind::PerScheme {
                    reporter.reject(ErrorKind::PlainListAfterSchemes, key_offset, key);
                    continue;
                }
                add_uri_list(key, key_offset, &mut rules.single, Scheme::Http, reporter);
                rules.kind = RulesKind::SingleList;
                if reporter.is_collecting() {
                    for (offset, ignored) in entries.filter(|(_, e)| !e.trim().is_empty()) {
                        reporter.reject(ErrorKind::IgnoredAfterProxyList, offset, ignored);
                    }
                }
                return rules;
            };
            first = false;
            rules.kind = RulesKind::PerScheme;
            let (list, default_scheme) = match key.trim_ascii() {
                "http" => (&mut rules.http, Scheme::Http),
                "https" => (&mut rules.https, Scheme::Http),
                "ftp" => (&mut rules.ftp, Scheme::Http),
                // `socks` is no URL scheme: it names the list for every other scheme, and its
                // scheme-less entries are SOCKS4 (while `socks://` means SOCKS5).
                "socks" => (&mut rules.fallback, Scheme::Socks4),
                _ => {
                    reporter.reject(ErrorKind::UnknownRulesKey, key_offset, key.trim_end());
                    continue;
                }
            };
            add_uri_list(value, value_offset, list, default_scheme, reporter);
        }
    }
    rules
}

/// Chromium's `AddProxyURIListToProxyList`: `,`-separated URIs, invalid ones dropped.
fn add_uri_list(
    text: &str,
    offset: usize,
    list: &mut ProxyList,
    default_scheme: Scheme,
    reporter: &mut Reporter<'_>,
) {
    for (uri_offset, uri) in tokens(text, ',', offset) {
        match parse_uri(uri, default_scheme) {
            Ok(chain) => list.push(chain),
            Err(kind) => reporter.reject(kind, uri_offset, uri),
        }
    }
}
