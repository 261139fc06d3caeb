//! The session's host resolver cache: what `clearHostResolverCache` empties.
//!
//! Chromium keeps successful lookups for a minute (`HostCache` with the system resolver's
//! default TTL) and at most 1,000 of them; failures are not kept. Every connection the
//! session's clients open resolves through here (it is reqwest's DNS resolver); a host sent
//! to a SOCKS5 or HTTP proxy is resolved by the proxy, not here.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::net_log::{EventType, NetLog, Params, Phase, SourceType};
use tokio::time::Instant;

/// How long a successful lookup is kept (Chromium's one minute).
const TTL: Duration = Duration::from_secs(60);
/// The most names kept (Chromium's default).
const MAX_ENTRIES: usize = 1_000;

/// The session's DNS cache. Cheap to clone; clones share the cache.
#[derive(Clone)]
pub struct HostResolver {
    inner: Arc<Inner>,
}

struct Inner {
    entries: Mutex<HashMap<String, Entry>>,
    lookups: AtomicU64,
    log: NetLog,
}

struct Entry {
    addrs: Arc<[SocketAddr]>,
    expires: Instant,
}

impl fmt::Debug for HostResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostResolver")
            .field("entries", &self.len())
            .field("lookups", &self.lookups())
            .finish()
    }
}

/// A lookup that found no address: Chromium's `net::ERR_NAME_NOT_RESOLVED`.
#[derive(Debug)]
pub(crate) struct NameNotResolved {
    pub(crate) host: String,
    source: Option<std::io::Error>,
}

impl fmt::Display for NameNotResolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the host name {} could not be resolved", self.host)
    }
}

impl std::error::Error for NameNotResolved {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl HostResolver {
    /// An empty cache whose lookups are logged to `log` (`HOST_RESOLVER_MANAGER_JOB`, and
    /// `HOST_RESOLVER_MANAGER_CACHE_HIT` for answers from the cache).
    pub(crate) fn new(log: NetLog) -> Self {
        Self {
            inner: Arc::new(Inner {
                entries: Mutex::default(),
                lookups: AtomicU64::new(0),
                log,
            }),
        }
    }

    /// Names cached now (expired ones included until they are looked up again).
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lookups that went to the system resolver since the session started.
    pub fn lookups(&self) -> u64 {
        self.inner.lookups.load(Ordering::Relaxed)
    }

    /// Forgets every cached name (Electron's `clearHostResolverCache`).
    pub fn clear(&self) {
        self.entries().clear();
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.inner
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn cached(&self, host: &str) -> Option<Arc<[SocketAddr]>> {
        let entries = self.entries();
        let entry = entries.get(host)?;
        (entry.expires > Instant::now()).then(|| Arc::clone(&entry.addrs))
    }

    fn remember(&self, host: String, addrs: Arc<[SocketAddr]>) {
        let now = Instant::now();
        let mut entries = self.entries();
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&host) {
            entries.retain(|_, entry| entry.expires > now);
            if entries.len() >= MAX_ENTRIES {
                // Still full of live names: the one closest to expiring goes.
                let oldest = entries
                    .iter()
                    .min_by_key(|(_, entry)| entry.expires)
                    .map(|(name, _)| name.clone());
                if let Some(oldest) = oldest {
                    entries.remove(&oldest);
                }
            }
        }
        entries.insert(
            host,
            Entry {
                addrs,
                expires: now + TTL,
            },
        );
    }

    /// Resolves `host` (port 0 in the answers; the connector sets the port).
    pub(crate) async fn lookup(&self, host: &str) -> Result<Arc<[SocketAddr]>, NameNotResolved> {
        let host = host.to_ascii_lowercase();
        let log = &self.inner.log;
        let source = log
            .currently_logging()
            .then(|| log.new_source(SourceType::HostResolverImplJob));
        if let Some(addrs) = self.cached(&host) {
            if let Some(source) = source {
                log.add_entry_with(
                    EventType::HostResolverManagerCacheHit,
                    Phase::None,
                    source,
                    |_| Params::new().string("host", host.as_str()),
                );
            }
            return Ok(addrs);
        }
        self.inner.lookups.fetch_add(1, Ordering::Relaxed);
        if let Some(source) = source {
            log.add_entry_with(
                EventType::HostResolverManagerJob,
                Phase::Begin,
                source,
                |_| Params::new().string("host", host.as_str()),
            );
        }
        let found = tokio::net::lookup_host((host.as_str(), 0))
            .await
            .map(Iterator::collect::<Arc<[SocketAddr]>>);
        if let Some(source) = source {
            log.add_entry_with(
                EventType::HostResolverManagerJob,
                Phase::End,
                source,
                |_| match &found {
                    Ok(addrs) if !addrs.is_empty() => Params::new()
                        .strings("address_list", addrs.iter().map(|a| a.ip().to_string())),
                    _ => Params::net_error(-105),
                },
            );
        }
        match found {
            Ok(addrs) => {
                if addrs.is_empty() {
                    return Err(NameNotResolved { host, source: None });
                }
                self.remember(host, Arc::clone(&addrs));
                Ok(addrs)
            }
            Err(error) => Err(NameNotResolved {
                host,
                source: Some(error),
            }),
        }
    }
}

impl Resolve for HostResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let addrs = this.lookup(name.as_str()).await?;
            let addrs: Addrs = Box::new(addrs.iter().copied().collect::<Vec<_>>().into_iter());
            Ok(addrs)
        })
    }
}
