//! Ordered proxy lists and PAC result strings (`PROXY a:80;SOCKS5 b:1080;DIRECT`).

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
#[cfg(doc)]
use crate::error::Rejection;
use crate::server::{ProxyChain, parse_pac_element};
use crate::tokens::{Reporter, tokens};

/// An ordered list of ways to reach a destination, tried first to last.
///
/// There is no implicit `DIRECT` at the end: a list that holds only proxies fails when all of
/// them fail. Printing gives Chromium's `ToPacString`: entries joined by `;` without spaces, an
/// empty list printing as the empty string (which is what Electron's `resolveProxy` returns
/// when there is no usable proxy).
///
/// # Examples
///
/// ```
/// use netsession_proxy_rules::ProxyList;
///
/// let list = ProxyList::from_pac_string("PROXY a ; bogus b ; socks5 [::1] ; direct");
/// assert_eq!(list.to_string(), "PROXY a:80;SOCKS5 [::1]:1080;DIRECT");
///
/// // Nothing valid means DIRECT, as Chromium does for a broken PAC result.
/// assert_eq!(ProxyList::from_pac_string("PROXY").to_string(), "DIRECT");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ProxyList {
    chains: Vec<ProxyChain>,
}

impl ProxyList {
    /// An empty list (prints as the empty string).
    pub fn new() -> Self {
        Self::default()
    }

    /// The list holding only [`ProxyChain::Direct`].
    pub fn direct() -> Self {
        Self {
            chains: vec![ProxyChain::Direct],
        }
    }

    /// Parses a PAC result string as Chromium's `ProxyList::SetFromPacString` does: split on
    /// `;` (empty pieces skipped), parse each element, silently drop invalid ones; if nothing
    /// valid remains, the list is `DIRECT`. Never fails.
    pub fn from_pac_string(text: &str) -> Self {
        parse_pac_string(text, &mut Reporter::silent(text))
    }

    /// Like [`ProxyList::from_pac_string`], but every dropped element is an error.
    ///
    /// The empty string is not an error: it means `DIRECT`.
    ///
    /// # Errors
    ///
    /// One [`Rejection`] per invalid element, with its byte offset and the reason.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_proxy_rules::{ErrorKind, ProxyList};
    /// let err = ProxyList::parse_pac_strict("PROXY a:80; HTTP b:80").unwrap_err();
    /// assert_eq!(err.rejections()[0].kind(), ErrorKind::UnknownPacKeyword);
    /// assert_eq!(err.rejections()[0].offset(), 12);
    /// ```
    pub fn parse_pac_strict(text: &str) -> Result<Self, Error> {
        let mut reporter = Reporter::collecting(text);
        let list = parse_pac_string(text, &mut reporter);
        reporter.finish(list)
    }

    /// Appends an entry.
    pub fn push(&mut self, chain: ProxyChain) {
        self.chains.push(chain);
    }

    /// The entries, first to try first.
    pub fn as_slice(&self) -> &[ProxyChain] {
        &self.chains
    }

    /// Iterates over the entries, first to try first.
    pub fn iter(&self) -> std::slice::Iter<'_, ProxyChain> {
        self.chains.iter()
    }

    /// The first entry, the one to try first.
    pub fn first(&self) -> Option<&ProxyChain> {
        self.chains.first()
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.chains.len()
    }

    /// Whether the list has no entries (not even `DIRECT`).
    pub fn is_empty(&self) -> bool {
        self.chains.is_empty()
    }

    /// Whether the list is exactly `DIRECT`.
    pub fn is_direct(&self) -> bool {
        matches!(self.chains.as_slice(), [ProxyChain::Direct])
    }

    /// Removes the entries for which `keep` returns false, keeping the order of the rest.
    pub fn retain(&mut self, keep: impl FnMut(&ProxyChain) -> bool) {
        self.chains.retain(keep);
    }

    /// Writes the list in Chromium's URI form, `,`-joined, as a `proxyRules` value.
    pub(crate) fn write_uris(
        &self,
        f: &mut fmt::Formatter<'_>,
        explicit_http: bool,
    ) -> fmt::Result {
        for (i, chain) in self.chains.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            chain.write_uri(f, explicit_http)?;
        }
        Ok(())
    }
}

/// Chromium's `ToPacString`: `PROXY a:80;SOCKS5 b:1080;DIRECT`, no spaces around `;`.
impl fmt::Display for ProxyList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, chain) in self.chains.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            chain.pac().fmt(f)?;
        }
        Ok(())
    }
}

/// Parses leniently, as [`ProxyList::from_pac_string`].
impl FromStr for ProxyList {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self::from_pac_string(text))
    }
}

impl FromIterator<ProxyChain> for ProxyList {
    fn from_iter<I: IntoIterator<Item = ProxyChain>>(iter: I) -> Self {
        Self {
            chains: iter.into_iter().collect(),
        }
    }
}

impl Extend<ProxyChain> for ProxyList {
    fn extend<I: IntoIterator<Item = ProxyChain>>(&mut self, iter: I) {
        self.chains.extend(iter);
    }
}

impl IntoIterator for ProxyList {
    type Item = ProxyChain;
    type IntoIter = std::vec::IntoIter<ProxyChain>;

    fn into_iter(self) -> Self::IntoIter {
        self.chains.into_iter()
    }
}

impl<'a> IntoIterator for &'a ProxyList {
    type Item = &'a ProxyChain;
    type IntoIter = std::slice::Iter<'a, ProxyChain>;

    fn into_iter(self) -> Self::IntoIter {
        self.chains.iter()
    }
}

fn parse_pac_string(text: &str, reporter: &mut Reporter<'_>) -> ProxyList {
    let mut list = ProxyList::new();
    for (offset, element) in tokens(text, ';', 0) {
        match parse_pac_element(element) {
            Ok(chain) => list.push(chain),
            Err(kind) => reporter.reject(kind, offset, element),
        }
    }
    if list.is_empty() {
        list.push(ProxyChain::Direct);
    }
    list
}
