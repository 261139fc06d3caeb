//! [`Cache`]: the handle on a store that sessions share, with Electron's `getCacheSize`,
//! `clearCache` and clearing by origin.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use url::Url;

use crate::Error;
use crate::clock::{Clock, SystemClock};
use crate::store::disk::DiskStore;
use crate::store::memory::MemoryStore;
use crate::store::{EntryInfo, Limits, Store};

/// Limits and clock of a cache.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CacheOptions {
    /// The most bytes the cache holds (entries as [`Cache::size`] counts them); past it, the
    /// least recently used entries are evicted. Default: 80 MiB, Chromium's default disk
    /// cache size.
    pub max_size: u64,
    /// The largest entry stored; a response whose body grows past it streams on to the
    /// caller but is not stored. Default: an eighth of `max_size`, as in Chromium.
    pub max_entry_size: Option<u64>,
    /// The clock ages and freshness are computed with.
    pub clock: Arc<dyn Clock>,
}

impl Default for CacheOptions {
    fn default() -> Self {
        Self {
            max_size: 80 * 1024 * 1024,
            max_entry_size: None,
            clock: Arc::new(SystemClock),
        }
    }
}

impl CacheOptions {
    /// Sets [`CacheOptions::max_size`].
    #[must_use]
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = bytes;
        self
    }

    /// Sets [`CacheOptions::max_entry_size`].
    #[must_use]
    pub fn max_entry_size(mut self, bytes: u64) -> Self {
        self.max_entry_size = Some(bytes);
        self
    }

    /// Sets [`CacheOptions::clock`].
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    fn limits(&self) -> Limits {
        let max_entry_size = self
            .max_entry_size
            .unwrap_or(self.max_size / 8)
            .min(self.max_size);
        Limits {
            max_size: self.max_size,
            max_entry_size,
        }
    }
}

/// A private HTTP cache: in memory, on disk, or disabled. Clones share the same store.
///
/// # Examples
///
/// ```
/// use netsession_http_cache::{Cache, CacheOptions};
///
/// let dir = std::env::temp_dir().join(format!("netsession-doc-{}", std::process::id()));
/// let cache = Cache::open(&dir, CacheOptions::default().max_size(1 << 20))?;
/// assert_eq!(cache.size(), 0);
/// cache.clear()?;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Cache {
    pub(crate) store: Option<Arc<dyn Store>>,
    pub(crate) clock: Arc<dyn Clock>,
    dir: Option<PathBuf>,
}

impl Cache {
    /// A cache in memory, for in-memory partitions.
    pub fn memory(options: CacheOptions) -> Self {
        Self {
            store: Some(Arc::new(MemoryStore::new(options.limits()))),
            clock: options.clock,
            dir: None,
        }
    }

    /// Opens the cache in `dir` (created if missing), for `persist:` partitions. Temporary
    /// files that dead writers left behind and entries that fail their checks are deleted.
    ///
    /// The cache owns the directory until it and its clones are dropped: it holds an
    /// advisory lock on `dir/lock`, and opening a directory that another process (or another
    /// open cache in this one) holds fails instead of corrupting that owner's size
    /// accounting.
    ///
    /// # Errors
    ///
    /// [`Error::InUse`] when another owner holds the directory; [`Error::Io`] when the
    /// directory cannot be created, locked or read.
    pub fn open(dir: impl AsRef<Path>, options: CacheOptions) -> Result<Self, Error> {
        let dir = dir.as_ref();
        let store = DiskStore::open(dir, options.limits())?;
        Ok(Self {
            store: Some(Arc::new(store)),
            clock: options.clock,
            dir: Some(dir.to_owned()),
        })
    }

    /// A cache that stores nothing (a partition created with `cache: false`): every
    /// request goes to the network and the size is 0.
    pub fn disabled() -> Self {
        Self {
            store: None,
            clock: Arc::new(SystemClock),
            dir: None,
        }
    }

    /// Whether the cache stores anything.
    pub fn is_enabled(&self) -> bool {
        self.store.is_some()
    }

    /// The size in bytes, as Electron's `getCacheSize` reports it: for each entry, its
    /// metadata, headers and body (on disk, exactly the entry files' lengths).
    pub fn size(&self) -> u64 {
        self.store.as_ref().map_or(0, |store| store.size())
    }

    /// Empties the cache, as Electron's `clearCache`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when a file cannot be deleted.
    pub fn clear(&self) -> Result<(), Error> {
        match &self.store {
            Some(store) => store.clear().map_err(|e| self.io_error(e)),
            None => Ok(()),
        }
    }

    /// Removes every entry whose URL has `origin`'s origin (scheme, host and port), for
    /// `clearStorageData({origin})` and `clearData({dataTypes: ["cache"], origins})`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when a file cannot be deleted.
    pub fn clear_origin(&self, origin: &Url) -> Result<(), Error> {
        let origin = origin.origin();
        self.retain(|url| url.origin() != origin)
    }

    /// Removes every entry whose URL does not satisfy `keep` (for `clearData`'s
    /// `excludeOrigins` and similar filters).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when a file cannot be deleted.
    pub fn retain(&self, mut keep: impl FnMut(&Url) -> bool) -> Result<(), Error> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        store
            .retain(&mut |key| Url::parse(key).map_or(true, |url| keep(&url)))
            .map_err(|e| self.io_error(e))
    }

    /// The stored entries, least recently used first.
    pub fn entries(&self) -> Vec<EntryInfo> {
        self.store
            .as_ref()
            .map_or_else(Vec::new, |store| store.entries())
    }

    fn io_error(&self, error: std::io::Error) -> Error {
        Error::io(self.dir.clone().unwrap_or_default(), error)
    }
}

/// The cache key of a URL: the URL without its fragment.
pub(crate) fn key(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.into()
}
