//! Chromium's `proxyBypassRules`: parse, print and match URLs, with an indexed matcher.
//!
//! This is the list Electron's `session.setProxy({ proxyBypassRules })` and Chromium's
//! `--proxy-bypass-list` take: entries separated by `,` or `;`, each a host pattern
//! (`*.example.com`, `.corp`, `intranet:8080`, `https://foo*`), an IP literal (`10.1.2.3`,
//! `[::1]:8080`), an address range (`10.0.0.0/8`, `fe80::/10`), `<local>` (dot-less host
//! names) or `<-loopback>` (take back the implicit bypass of localhost). The crate reproduces
//! Chromium's parser, its printer (`ProxyBypassRules::ToString`) and its matcher, quirks
//! included, as observed in Chromium 156. On top of Chromium's algorithm it compiles the rules
//! into hash tables, so a lookup costs a few hash probes however long the list is.
//!
//! # Example
//!
//! ```
//! use netsession_bypass::BypassRules;
//! use url::Url;
//!
//! let rules = BypassRules::parse("*.example.com;<local>");
//! assert!(rules.matches(&Url::parse("https://www.example.com/")?));
//! assert!(!rules.matches(&Url::parse("https://example.com/")?)); // no implicit subdomain rule
//! assert!(rules.matches(&Url::parse("http://intranet/")?)); // <local>
//! assert!(rules.matches(&Url::parse("http://localhost:8080/")?)); // implicit rules
//! assert_eq!(rules.to_string(), "*.example.com;<local>;");
//! # Ok::<(), url::ParseError>(())
//! ```
//!
//! [`BypassRules::parse`] is lenient like Chromium: invalid entries are dropped silently.
//! [`BypassRules::parse_strict`] keeps the same rules but reports every dropped entry:
//!
//! ```
//! use netsession_bypass::{BypassRules, ErrorKind};
//!
//! let err = BypassRules::parse_strict("example.com, bad:port:x").unwrap_err();
//! assert_eq!(err.rejections()[0].kind(), ErrorKind::InvalidPort);
//! assert_eq!(
//!     err.to_string(),
//!     "invalid proxy bypass entry `bad:port:x` at offset 13: port is not a number from 0 to 65535",
//! );
//! ```
//!
//! # Semantics in brief
//!
//! * Host patterns match the whole canonical host: `*` is any sequence, `?` is zero or one
//!   character, `\` escapes. `example.com` does not match `www.example.com`; `*.example.com`
//!   does not match `example.com`; `.example.com` means `*.example.com`.
//! * An optional `scheme://` and `:port` restrict host and IP rules (the port is compared with
//!   the URL's effective port, so `example.com:80` matches `http://example.com/`).
//! * Ranges ignore scheme and port, and compare IPv4 with IPv6 through `::ffff:a.b.c.d`.
//! * Rules are evaluated last to first and the first that applies decides; only `<-loopback>`
//!   can say "do not bypass", so order matters only around it. When no rule applies, the
//!   implicit rules decide ([`BypassRules::matches_implicit`]): `localhost`, `*.localhost`,
//!   `127.0.0.0/8`, `::1`, IPv4-mapped loopback and link-local addresses always bypass unless
//!   `<-loopback>` is present.
//!
//! # Input guarantees
//!
//! * Nothing panics on any input: parsing, printing and matching are total.
//! * Parsing takes time and memory linear in the input. Lookups take a number of hash probes
//!   bounded by the host (its dots, and the distinct lengths of suffix and prefix patterns),
//!   plus one pass over the rules that are true wildcard patterns (`a*b`, `?`, several `*`),
//!   each matched in `O(host × pattern)` without backtracking. Matching allocates nothing for
//!   hosts up to 255 bytes.
//! * The matcher never resolves DNS and does no I/O: it looks only at the URL's scheme, host and
//!   effective port, as canonicalized by the `url` crate.
//!
//! # Limits
//!
//! There is no limit on the number of rules: memory grows linearly with the input, so bound the
//! input where it comes from. Windows-only behaviour (the implicit `loopback` host) is not
//! reproduced. URL canonicalization is the `url` crate's (the URL Standard), which agrees with
//! Chromium for `http`, `https`, `ws`, `wss` and `ftp` URLs.
//!
//! # Features
//!
//! * `arbitrary`: implements `arbitrary::Arbitrary` for [`BypassRules`] (by parsing an
//!   arbitrary string), for structured fuzzing.
//!
//! # Related crates
//!
//! The `proxyRules` half of a proxy configuration (`http=proxy:8080;socks=...`) and PAC result
//! strings are parsed by the sibling crate `netsession-proxy-rules`.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use url::Url;

mod error;
#[doc(hidden)]
pub mod fuzz;
mod glob;
mod index;
mod ip;
mod parse;
mod rule;
mod target;

pub use error::{Error, ErrorKind, Rejection};
pub use rule::{CidrRule, HostnameRule, IpHostRule, Rule};

/// A parsed bypass list with its compiled matcher.
///
/// Equality compares the rule lists (two lists are equal when they hold the same rules in the
/// same order, which also means they print the same). `Display` prints Chromium's
/// `ToString`: every rule followed by `;`, the empty list as the empty string. `FromStr` is
/// [`BypassRules::parse_strict`]; use [`BypassRules::parse`] for Chromium's lenient reading.
#[derive(Clone, Default)]
pub struct BypassRules {
    rules: Vec<Rule>,
    index: index::Index,
}

impl BypassRules {
    /// Parses a bypass list the way Chromium does: entries that are not valid rules are
    /// dropped silently, the others are kept in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_bypass::BypassRules;
    ///
    /// let rules = BypassRules::parse(".Example.COM, http://:80; 10.0.0.0/8, example.com:+443");
    /// assert_eq!(rules.len(), 3);
    /// assert_eq!(rules.to_string(), "*.example.com;http://:80;10.0.0.0/8;");
    /// ```
    pub fn parse(input: &str) -> Self {
        Self::from_rules(parse::parse_list(input, |_, _, _| {}))
    }

    /// Parses a bypass list with Chromium's *suffix matching*, the reading it gives the
    /// `no_proxy` environment variable on Linux: a host pattern that does not start with `*`
    /// gets one, so `example.com` also matches `www.example.com` (and `badexample.com`).
    /// IP literals, ranges, `<local>` and `<-loopback>` are unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_bypass::BypassRules;
    ///
    /// let rules = BypassRules::parse_with_suffix_matching("example.com, .corp, 10.0.0.1, *.org");
    /// assert_eq!(rules.to_string(), "*example.com;*.corp;10.0.0.1;*.org;");
    /// ```
    pub fn parse_with_suffix_matching(input: &str) -> Self {
        let rules = parse::parse_list(input, |_, _, _| {})
            .into_iter()
            .map(|rule| match rule {
                Rule::Hostname(mut host) if !host.pattern.starts_with('*') => {
                    host.pattern = format!("*{}", host.pattern).into();
                    Rule::Hostname(host)
                }
                other => other,
            })
            .collect();
        Self::from_rules(rules)
    }

    /// Parses a bypass list like [`BypassRules::parse`], but fails if any entry is invalid.
    ///
    /// Entries that are empty or only whitespace (as in `a,,b` or a trailing newline) are not
    /// errors; they hold no rule in either mode.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] listing every entry Chromium would have dropped, with its byte
    /// offset, line and [`ErrorKind`].
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_bypass::{BypassRules, ErrorKind};
    ///
    /// let rules = BypassRules::parse_strict("<local>;*.corp")?;
    /// assert_eq!(rules.len(), 2);
    ///
    /// let err = BypassRules::parse_strict("://x;ok;http://")
    ///     .expect_err("two entries are invalid");
    /// let kinds: Vec<ErrorKind> = err.rejections().iter().map(|r| r.kind()).collect();
    /// assert_eq!(kinds, [ErrorKind::EmptyScheme, ErrorKind::EmptyHost]);
    /// # Ok::<(), netsession_bypass::Error>(())
    /// ```
    pub fn parse_strict(input: &str) -> Result<Self, Error> {
        let mut found = Vec::new();
        let rules = parse::parse_list(input, |offset, text, kind| {
            found.push((offset, text.to_owned(), kind));
        });
        match Error::new(parse::rejections(input, found)) {
            Some(error) => Err(error),
            None => Ok(Self::from_rules(rules)),
        }
    }

    /// Whether a request to `url` bypasses the proxy: Chromium's
    /// `ProxyBypassRules::Matches`, implicit rules included.
    ///
    /// Only the scheme, the host and the effective port (explicit, else the scheme's default)
    /// are looked at. No DNS resolution happens: `example.com` and its address are unrelated.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_bypass::BypassRules;
    /// use url::Url;
    ///
    /// let rules = BypassRules::parse("192.168.0.0/16, https://*.internal:443");
    /// assert!(rules.matches(&Url::parse("ftp://192.168.1.20/")?));
    /// assert!(rules.matches(&Url::parse("https://git.internal/")?));
    /// assert!(!rules.matches(&Url::parse("http://git.internal:443/")?)); // scheme differs
    /// # Ok::<(), url::ParseError>(())
    /// ```
    pub fn matches(&self, url: &Url) -> bool {
        self.index.matches(&target::Target::new(url))
    }

    /// Whether `url` matches Chromium's implicit bypass rules, which apply to every manual
    /// configuration (unless `<-loopback>` takes them back) and to every PAC script result.
    ///
    /// The host is `localhost` or ends in `.localhost` (any case, one trailing dot allowed), or
    /// is the IP literal `127.0.0.0/8`, `::1`, `::ffff:127.0.0.0/104`, `169.254.0.0/16`,
    /// `::ffff:169.254.0.0/112` or `fe80::/10`. Windows' extra `loopback` host is not included.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_bypass::BypassRules;
    /// use url::Url;
    ///
    /// assert!(BypassRules::matches_implicit(&Url::parse("http://foo.localhost./")?));
    /// assert!(BypassRules::matches_implicit(&Url::parse("http://[::ffff:127.0.0.1]/")?));
    /// assert!(!BypassRules::matches_implicit(&Url::parse("http://[::127.0.0.1]/")?));
    /// # Ok::<(), url::ParseError>(())
    /// ```
    pub fn matches_implicit(url: &Url) -> bool {
        target::Target::new(url).matches_implicit()
    }

    /// The rules, in input order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules (the implicit rules still apply when matching).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    fn from_rules(rules: Vec<Rule>) -> Self {
        let index = index::Index::build(&rules);
        Self { rules, index }
    }
}

impl fmt::Display for BypassRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for rule in &self.rules {
            write!(f, "{rule};")?;
        }
        Ok(())
    }
}

impl fmt::Debug for BypassRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BypassRules").field(&self.rules).finish()
    }
}

impl PartialEq for BypassRules {
    fn eq(&self, other: &Self) -> bool {
        self.rules == other.rules
    }
}

impl Eq for BypassRules {}

impl Hash for BypassRules {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.rules.hash(state);
    }
}

impl FromStr for BypassRules {
    type Err = Error;

    /// Same as [`BypassRules::parse_strict`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_strict(s)
    }
}

impl FromIterator<Rule> for BypassRules {
    /// Builds a list from rules, for example a filtered copy of another list.
    fn from_iter<I: IntoIterator<Item = Rule>>(iter: I) -> Self {
        Self::from_rules(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a BypassRules {
    type Item = &'a Rule;
    type IntoIter = std::slice::Iter<'a, Rule>;

    fn into_iter(self) -> Self::IntoIter {
        self.rules.iter()
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for BypassRules {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let text: &str = u.arbitrary()?;
        Ok(Self::parse(text))
    }
}

#[cfg(test)]
mod tests;
