//! URL match patterns in Chrome's extension syntax (`URLPattern`), as `webRequest` filters
//! use them: `<all_urls>`, or `SCHEME://HOST[:PORT]/PATH` where the scheme is `*` (http or
//! https), `http`, `https`, `ws`, `wss`, `file` or any other scheme; the host is `*` (any),
//! `*.example.com` (the domain and its subdomains) or one host; the port, if given, is a
//! number or `*` (no port means any); the path is a glob in which `*` matches any text and
//! which is matched against the path and query.

use std::fmt;

/// A parsed match pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchPattern {
    source: String,
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    All,
    Url {
        scheme: SchemePattern,
        host: HostPattern,
        port: Option<u16>,
        path: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum SchemePattern {
    /// `*`: http or https.
    Web,
    Exact(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum HostPattern {
    Any,
    /// `*.example.com`: the domain itself and every subdomain.
    Domain(String),
    Exact(String),
}

/// Why a pattern was refused (Chrome's `URLPattern::ParseResult`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatternError {
    /// No `://` after the scheme.
    MissingSchemeSeparator(String),
    /// An empty host where the scheme needs one.
    EmptyHost(String),
    /// A `*` in the host other than a leading `*.` or the whole host.
    InvalidHostWildcard(String),
    /// A port that is neither a number nor `*`.
    InvalidPort(String),
    /// No path (the pattern must have at least `/`).
    EmptyPath(String),
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, pattern) = match self {
            Self::MissingSchemeSeparator(p) => ("Missing scheme separator", p),
            Self::EmptyHost(p) => ("Host can not be empty", p),
            Self::InvalidHostWildcard(p) => ("Invalid host wildcard", p),
            Self::InvalidPort(p) => ("Invalid port", p),
            Self::EmptyPath(p) => ("Empty path", p),
        };
        write!(f, "invalid URL pattern {pattern:?}: {what}")
    }
}

impl std::error::Error for PatternError {}

impl MatchPattern {
    /// Parses a pattern.
    ///
    /// # Errors
    ///
    /// A [`PatternError`] saying what is wrong.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession::web_request::MatchPattern;
    /// use url::Url;
    ///
    /// let pattern = MatchPattern::parse("*://*.example.com/api/*")?;
    /// assert!(pattern.matches(&Url::parse("https://www.example.com/api/v1?x=1")?));
    /// assert!(pattern.matches(&Url::parse("http://example.com/api/")?));
    /// assert!(!pattern.matches(&Url::parse("https://example.org/api/")?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(pattern: &str) -> Result<Self, PatternError> {
        let source = pattern.to_owned();
        if pattern == "<all_urls>" {
            return Ok(Self {
                source,
                kind: Kind::All,
            });
        }
        let err = || source.clone();
        let Some((scheme, rest)) = pattern.split_once("://") else {
            return Err(PatternError::MissingSchemeSeparator(err()));
        };
        let scheme = if scheme == "*" {
            SchemePattern::Web
        } else {
            SchemePattern::Exact(scheme.to_ascii_lowercase())
        };
        let (authority, path) = match rest.find('/') {
            Some(at) => (
                rest.get(..at).unwrap_or_default(),
                rest.get(at..).unwrap_or_default(),
            ),
            None => return Err(PatternError::EmptyPath(err())),
        };
        let is_file = scheme == SchemePattern::Exact("file".into());
        let (host, port) = split_port(authority).ok_or_else(|| PatternError::InvalidPort(err()))?;
        let host = host.to_ascii_lowercase();
        let host = if host == "*" {
            HostPattern::Any
        } else if let Some(domain) = host.strip_prefix("*.") {
            if domain.contains('*') {
                return Err(PatternError::InvalidHostWildcard(err()));
            }
            HostPattern::Domain(domain.to_owned())
        } else if host.contains('*') {
            return Err(PatternError::InvalidHostWildcard(err()));
        } else if host.is_empty() && !is_file {
            return Err(PatternError::EmptyHost(err()));
        } else {
            HostPattern::Exact(host)
        };
        Ok(Self {
            source,
            kind: Kind::Url {
                scheme,
                host,
                port,
                path: path.to_owned(),
            },
        })
    }

    /// Whether `url` matches.
    pub fn matches(&self, url: &url::Url) -> bool {
        let Kind::Url {
            scheme,
            host,
            port,
            path,
        } = &self.kind
        else {
            return true;
        };
        let scheme_ok = match scheme {
            SchemePattern::Web => matches!(url.scheme(), "http" | "https"),
            SchemePattern::Exact(s) => url.scheme() == s,
        };
        if !scheme_ok {
            return false;
        }
        let url_host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let url_host = url_host.trim_start_matches('[').trim_end_matches(']');
        let host_ok = match host {
            HostPattern::Any => true,
            HostPattern::Exact(h) => h.trim_start_matches('[').trim_end_matches(']') == url_host,
            HostPattern::Domain(d) => {
                url_host == d
                    || url_host
                        .strip_suffix(d.as_str())
                        .is_some_and(|prefix| prefix.ends_with('.'))
            }
        };
        if !host_ok {
            return false;
        }
        if let Some(port) = port {
            if url.port_or_known_default() != Some(*port) {
                return false;
            }
        }
        let target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        crate::glob::glob(path, &target)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl fmt::Display for MatchPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// `host[:port]`; `None` for a bad port. `*` as the port means any.
fn split_port(authority: &str) -> Option<(&str, Option<u16>)> {
    // An IPv6 literal keeps its colons inside brackets.
    let port_at = match authority.rfind(']') {
        Some(close) => authority.get(close..)?.find(':').map(|at| at + close),
        None => authority.rfind(':'),
    };
    let Some(at) = port_at else {
        return Some((authority, None));
    };
    let host = authority.get(..at)?;
    let port = authority.get(at + 1..)?;
    if port == "*" {
        return Some((host, None));
    }
    port.parse::<u16>().ok().map(|port| (host, Some(port)))
}

#[cfg(test)]
mod tests {
    use super::MatchPattern;

    #[test]
    fn the_extension_documentation_table() {
        // Chrome's "Match patterns" page, plus Electron's own examples.
        let cases: &[(&str, &str, bool)] = &[
            ("<all_urls>", "https://anything.example/x", true),
            ("<all_urls>", "ws://a/", true),
            ("http://*/*", "http://www.google.com/", true),
            ("http://*/*", "http://example.org/foo/bar.html", true),
            ("http://*/*", "https://example.org/", false),
            ("http://*/foo*", "http://example.com/foo/bar.html", true),
            ("http://*/foo*", "http://www.google.com/foo", true),
            ("http://*/foo*", "http://www.google.com/bar", false),
            (
                "https://*.google.com/foo*bar",
                "https://www.google.com/foo/baz/bar",
                true,
            ),
            (
                "https://*.google.com/foo*bar",
                "https://docs.google.com/foobar",
                true,
            ),
            (
                "https://*.google.com/foo*bar",
                "https://google.com/foobar",
                true,
            ),
            (
                "https://*.google.com/foo*bar",
                "https://notgoogle.com/foobar",
                false,
            ),
            (
                "http://example.org/foo/bar.html",
                "http://example.org/foo/bar.html",
                true,
            ),
            ("http://127.0.0.1/*", "http://127.0.0.1/", true),
            ("http://127.0.0.1/*", "http://127.0.0.1/foo/bar.html", true),
            (
                "*://mail.google.com/*",
                "http://mail.google.com/foo/baz/bar",
                true,
            ),
            (
                "*://mail.google.com/*",
                "https://mail.google.com/foobar",
                true,
            ),
            ("*://mail.google.com/*", "ftp://mail.google.com/", false),
            ("*://*.example.com/*", "https://a.b.example.com/x?y=1", true),
            ("http://localhost:8080/*", "http://localhost:8080/x", true),
            ("http://localhost:8080/*", "http://localhost:8081/x", false),
            ("http://localhost/*", "http://localhost:8081/x", true),
            ("http://localhost:*/*", "http://localhost:8081/x", true),
            ("*://*/*?q=1", "https://a.example/page?q=1", true),
            ("*://*/*", "wss://a.example/", false),
            ("wss://*/*", "wss://a.example/", true),
            ("http://[::1]/*", "http://[::1]:8000/", true),
        ];
        for (pattern, url, expected) in cases {
            let parsed = MatchPattern::parse(pattern).unwrap();
            let url = url::Url::parse(url).unwrap();
            assert_eq!(parsed.matches(&url), *expected, "{pattern} {url}");
        }
    }

    #[test]
    fn refused_patterns() {
        for pattern in [
            "http://www.google.com",
            "http://*foo/bar",
            "http://foo.*.bar/baz",
            "http:/bar",
            "foo.com/*",
            "http://a:port/*",
            "http:///*",
        ] {
            assert!(MatchPattern::parse(pattern).is_err(), "{pattern}");
        }
        assert!(MatchPattern::parse("file:///foo*").is_ok());
    }
}
