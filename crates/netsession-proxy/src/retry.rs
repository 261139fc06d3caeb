//! Bad-proxy tracking and fallback, as Chromium's `ProxyInfo::Fallback` and the resolution
//! service's retry map (reference section 6.3).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use netsession_proxy_rules::{ProxyChain, ProxyList};
use tokio::time::Instant;

/// Proxies that failed recently, shared by a resolver and the requests it answered.
#[derive(Debug, Default)]
pub(crate) struct RetryMap {
    bad_until: Mutex<HashMap<ProxyChain, Instant>>,
}

impl RetryMap {
    /// Moves entries marked bad (and not yet expired) to the end of `list`, keeping the
    /// relative order of both groups. A list made only of bad proxies keeps its order.
    pub(crate) fn deprioritize(&self, list: &mut ProxyList) {
        let map = self
            .bad_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if map.is_empty() {
            return;
        }
        let now = Instant::now();
        let is_bad = |chain: &ProxyChain| map.get(chain).is_some_and(|until| *until >= now);
        let (good, bad): (Vec<ProxyChain>, Vec<ProxyChain>) =
            list.iter().cloned().partition(|chain| !is_bad(chain));
        if !bad.is_empty() {
            *list = good.into_iter().chain(bad).collect();
        }
    }

    /// Merges a request's bad marks, keeping the later expiry when a proxy is already marked.
    pub(crate) fn merge(&self, marks: impl IntoIterator<Item = (ProxyChain, Instant)>) {
        let mut map = self
            .bad_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for (chain, until) in marks {
            let entry = map.entry(chain).or_insert(until);
            *entry = (*entry).max(until);
        }
    }

    pub(crate) fn clear(&self) {
        self.bad_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The proxies currently marked bad, with the time left.
    pub(crate) fn bad_proxies(&self) -> Vec<(ProxyChain, Duration)> {
        let now = Instant::now();
        let map = self
            .bad_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.iter()
            .filter(|(_, until)| **until >= now)
            .map(|(chain, until)| (chain.clone(), until.saturating_duration_since(now)))
            .collect()
    }
}

/// The proxies chosen for one request, and what to try next when one fails.
///
/// [`ProxyInfo::fallback`] marks the current entry bad (DIRECT is never marked) and moves to
/// the next; the marks stay with this request until [`ProxyInfo::report_success`], which
/// makes the resolver move those proxies to the end of later lists for the bad-proxy
/// duration (5 minutes by default). A request that fails on every entry marks nothing, as in
/// Chromium. There is no implicit DIRECT at the end.
///
/// # Examples
///
/// ```
/// use netsession_proxy::{ProxyConfig, ProxyResolver};
/// use url::Url;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let resolver = ProxyResolver::new(ProxyConfig {
///     proxy_rules: "a:80,b:80".into(),
///     ..ProxyConfig::default()
/// });
/// let url = Url::parse("http://example.com/")?;
/// let mut info = resolver.resolve_info(&url).await?;
/// assert_eq!(info.to_string(), "PROXY a:80;PROXY b:80");
/// assert!(info.fallback()); // a:80 could not be reached; b:80 is next.
/// info.report_success(); // b:80 worked: a:80 goes last for a while.
/// assert_eq!(resolver.resolve_proxy(&url).await, "PROXY b:80;PROXY a:80");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ProxyInfo {
    list: ProxyList,
    marks: Vec<(ProxyChain, Instant)>,
    retry: Arc<RetryMap>,
    bad_for: Duration,
}

impl ProxyInfo {
    pub(crate) fn new(list: ProxyList, retry: Arc<RetryMap>, bad_for: Duration) -> Self {
        Self {
            list,
            marks: Vec::new(),
            retry,
            bad_for,
        }
    }

    /// The entries left to try, the current one first.
    pub fn list(&self) -> &ProxyList {
        &self.list
    }

    /// The entry to try now, if any is left.
    pub fn current(&self) -> Option<&ProxyChain> {
        self.list.first()
    }

    /// Gives up on the current entry: marks it bad (unless it is DIRECT) and removes it.
    /// Returns whether an entry is left to try.
    pub fn fallback(&mut self) -> bool {
        let mut rest = self.list.iter().cloned();
        if let Some(failed) = rest.next() {
            if !failed.is_direct() {
                self.marks.push((failed, Instant::now() + self.bad_for));
            }
        }
        self.list = rest.collect();
        !self.list.is_empty()
    }

    /// The request succeeded through the current entry: the proxies it fell back from are
    /// remembered as bad by the resolver.
    pub fn report_success(self) {
        self.retry.merge(self.marks);
    }
}

/// Electron's `resolveProxy` string of the entries left.
impl std::fmt::Display for ProxyInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.list.fmt(f)
    }
}
