//! The on-disk home of an Electron-style session partition: an embedded SQLite database in
//! WAL mode holding per-origin DOM storage (the data behind `localStorage`) and the cookie
//! table, plus Electron's `clearStorageData` and `flushStorageData`.
//!
//! # Example
//!
//! ```
//! use netsession_storage::{ClearStorageDataOptions, Storage, partition_dir};
//!
//! # let tmp = std::env::temp_dir().join(format!("netsession-storage-doc-{}", std::process::id()));
//! let dir = partition_dir(&tmp, "persist:Work")?.expect("persist: partitions live on disk");
//! {
//!     let storage = Storage::open(&dir)?;
//!     storage.local_storage("https://app.example")?.set("draft", "hello")?;
//!     storage.flush_storage_data()?; // durable from here on
//! }
//! let storage = Storage::open(&dir)?; // a later run of the app
//! let local = storage.local_storage("https://app.example/page")?;
//! assert_eq!(local.get("draft")?.as_deref(), Some("hello"));
//!
//! storage.clear_storage_data(&ClearStorageDataOptions {
//!     origin: Some("https://app.example".into()),
//!     storages: Some(vec!["LocalStorage".into()]),
//!     ..Default::default()
//! })?;
//! assert_eq!(local.get("draft")?, None);
//! # drop(storage); std::fs::remove_dir_all(&tmp).ok();
//! # Ok::<(), netsession_storage::Error>(())
//! ```
//!
//! # Partitions
//!
//! [`partition_dir`] maps a partition string to its directory as Electron does: the default
//! session in the data directory, `persist:NAME` in `Partitions/name` (lower-cased), any
//! other name in memory. [`Storage::in_memory`] behaves exactly like an on-disk storage with
//! nothing written anywhere.
//!
//! # Durability and failure
//!
//! * Each partition directory holds one database, `netsession.sqlite`, in WAL mode with
//!   `synchronous = FULL`: once a flush returns, its data survives a crash of the process or
//!   of the machine.
//! * DOM storage is write-back: writes land in memory and reach the database within
//!   [`StorageOptions::commit_interval`] (5 s by default, as Chromium), on
//!   [`Storage::flush_storage_data`], or when the last handle is dropped. The cookie jar
//!   batches its own writes and commits them through [`Storage::commit_cookies`].
//! * The schema carries a version (`PRAGMA user_version`) and is migrated forward on open.
//!   A database from a newer version, a corrupt file, or one that another process holds is
//!   a typed [`Error`]; nothing is ever reset or deleted to make opening succeed.
//! * A partition is owned by one process at a time (SQLite's exclusive locking mode, the
//!   counterpart of Chromium's profile lock); the lock dies with the process.
//!
//! # Input guarantees
//!
//! Keys, values and origins are arbitrary strings; none of them can make this crate panic.
//! Each origin's DOM storage is bounded by a quota (10 MiB by default, as Chromium's
//! `localStorage`; see [`StorageOptions`]).
//!
//! # Related crates
//!
//! `netsession-cookies` keeps its jar here. The `netsession` facade opens one [`Storage`] per
//! session and registers the storage kinds it implements (see [`StorageClearer`]).

mod clear;
mod cookie_rows;
mod db;
mod dom;
mod error;
mod partition;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::Connection;

pub use clear::{ClearRequest, ClearStorageDataOptions, QuotaKind, StorageClearer, StorageKind};
pub use cookie_rows::{CookieOp, CookieRecord};
pub use dom::LocalStorage;
pub use error::Error;
pub use partition::partition_dir;

use dom::DomCache;

/// Limits and timeouts of a [`Storage`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StorageOptions {
    /// The DOM storage quota of each origin, in bytes of UTF-16 keys and values
    /// (default 10 MiB, Chromium's `localStorage` quota).
    pub dom_quota_bytes: usize,
    /// How long opening waits for another holder of the partition before failing with
    /// [`Error::Locked`] (default 500 ms).
    pub busy_timeout: Duration,
    /// Pending DOM storage writes are committed in the background this often (default 5 s,
    /// Chromium's DOM storage commit delay); `None` commits only on
    /// [`Storage::flush_storage_data`] and on drop.
    pub commit_interval: Option<Duration>,
}

impl Default for StorageOptions {
    fn default() -> Self {
        Self {
            dom_quota_bytes: 10 * 1024 * 1024,
            busy_timeout: Duration::from_millis(500),
            commit_interval: Some(Duration::from_secs(5)),
        }
    }
}

impl StorageOptions {
    /// Sets [`dom_quota_bytes`](Self::dom_quota_bytes).
    #[must_use]
    pub fn dom_quota_bytes(mut self, bytes: usize) -> Self {
        self.dom_quota_bytes = bytes;
        self
    }

    /// Sets [`commit_interval`](Self::commit_interval).
    #[must_use]
    pub fn commit_interval(mut self, interval: Option<Duration>) -> Self {
        self.commit_interval = interval;
        self
    }

    /// Sets [`busy_timeout`](Self::busy_timeout).
    #[must_use]
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }
}

/// The storage of one session: on disk for a persistent partition, in memory otherwise.
/// Cloning gives another handle on the same storage.
#[derive(Clone)]
pub struct Storage {
    inner: Arc<Inner>,
}

struct Inner {
    dir: Option<PathBuf>,
    db_path: PathBuf,
    db: Option<Mutex<Connection>>,
    dom: Mutex<DomCache>,
    options: StorageOptions,
    clearers: Mutex<Vec<(StorageKind, Arc<dyn StorageClearer>)>>,
}

impl Storage {
    /// Opens the partition stored in `dir`, creating the directory and the database if
    /// needed.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the directory cannot be created; [`Error::Corrupt`],
    /// [`Error::NewerVersion`] or [`Error::Locked`] when the database cannot be used as it
    /// is (it is left untouched); [`Error::Sqlite`] for other SQLite failures.
    pub fn open(dir: &Path) -> Result<Self, Error> {
        Self::open_with(dir, StorageOptions::default())
    }

    /// [`Storage::open`] with options.
    ///
    /// # Errors
    ///
    /// As [`Storage::open`].
    pub fn open_with(dir: &Path, options: StorageOptions) -> Result<Self, Error> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let db_path = dir.join(db::DB_FILE);
        let conn = db::open(&db_path, options.busy_timeout)?;
        let interval = options.commit_interval;
        let storage = Self::new(Some(dir.to_path_buf()), db_path, Some(conn), options);
        if let Some(interval) = interval {
            storage.spawn_commit_timer(interval);
        }
        Ok(storage)
    }

    /// Commits pending DOM storage every `interval` from a thread that holds only a weak
    /// handle, and so ends once the storage is gone.
    fn spawn_commit_timer(&self, interval: Duration) {
        let weak = Arc::downgrade(&self.inner);
        // Without a thread the storage still works; writes then wait for a flush or the drop.
        let _ = std::thread::Builder::new()
            .name("netsession-storage-commit".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(interval);
                    let Some(inner) = weak.upgrade() else { break };
                    // A failed commit keeps the writes pending for the next attempt.
                    let _ = inner.flush_dom();
                }
            });
    }

    /// A storage that keeps everything in memory, for a non-`persist:` partition.
    pub fn in_memory() -> Self {
        Self::in_memory_with(StorageOptions::default())
    }

    /// [`Storage::in_memory`] with options.
    pub fn in_memory_with(options: StorageOptions) -> Self {
        Self::new(None, PathBuf::new(), None, options)
    }

    fn new(
        dir: Option<PathBuf>,
        db_path: PathBuf,
        conn: Option<Connection>,
        options: StorageOptions,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                dir,
                db_path,
                db: conn.map(Mutex::new),
                dom: Mutex::new(DomCache::default()),
                options,
                clearers: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The partition's directory, or `None` in memory (Electron's `getStoragePath()`).
    pub fn path(&self) -> Option<&Path> {
        self.inner.dir.as_deref()
    }

    /// Whether this storage keeps nothing on disk.
    pub fn is_in_memory(&self) -> bool {
        self.inner.db.is_none()
    }

    /// Runs SQLite's full integrity check on the database (`Ok` in memory).
    ///
    /// # Errors
    ///
    /// [`Error::Corrupt`] when the check reports damage.
    pub fn integrity_check(&self) -> Result<(), Error> {
        let Some(db) = &self.inner.db else {
            return Ok(());
        };
        let conn = db.lock().unwrap_or_else(PoisonError::into_inner);
        db::integrity_check(&conn, &self.inner.db_path)
    }

    /// Registers the implementation of a storage kind that this crate does not hold (cookies,
    /// IndexedDB, service workers, …), so that [`Storage::clear_storage_data`] reaches it.
    /// Several clearers may share a kind; each is called.
    pub fn register_clearer(&self, kind: StorageKind, clearer: Arc<dyn StorageClearer>) {
        self.inner
            .clearers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((kind, clearer));
    }

    /// Electron's `session.clearStorageData(options)`: clears the named kinds for one origin
    /// or all. Local storage is cleared here, durably; every other kind goes to the clearers
    /// registered for it (a kind nobody registered has nothing to clear).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOrigin`] when `origin` is not `scheme://host:port` (nothing is
    /// cleared); a database error while clearing local storage (the other kinds are still
    /// cleared).
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_storage::{ClearStorageDataOptions, Storage};
    ///
    /// let storage = Storage::in_memory();
    /// storage.local_storage("https://a.example")?.set("k", "v")?;
    /// storage.clear_storage_data(&ClearStorageDataOptions::default())?;
    /// assert!(storage.local_storage("https://a.example")?.keys()?.is_empty());
    /// # Ok::<(), netsession_storage::Error>(())
    /// ```
    pub fn clear_storage_data(&self, options: &ClearStorageDataOptions) -> Result<(), Error> {
        let plan = clear::ClearPlan::new(options)?;
        let clearers = self
            .inner
            .clearers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut result = Ok(());
        for kind in &plan.kinds {
            if *kind == StorageKind::LocalStorage {
                result = self.clear_dom(plan.origin.as_deref());
            }
            let request = ClearRequest {
                kind: *kind,
                origin: plan.origin.clone(),
                quotas: plan.quotas.clone(),
            };
            for (registered, clearer) in &clearers {
                if registered == kind {
                    clearer.clear(&request);
                }
            }
        }
        result
    }

    fn lock_dom(&self) -> MutexGuard<'_, DomCache> {
        self.inner
            .dom
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the database; `Ok(None)` in memory.
    fn with_db<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, Error> {
        self.inner.with_db(f)
    }
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage")
            .field("dir", &self.inner.dir)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last handle is going away: write back what is pending, as Chromium does at
        // shutdown. There is nobody left to report a failure to.
        let _ = self.flush_dom();
    }
}

impl Inner {
    /// Runs `f` on the database; `Ok(None)` in memory.
    fn with_db<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, Error> {
        let Some(db) = &self.db else {
            return Ok(None);
        };
        let conn = db.lock().unwrap_or_else(PoisonError::into_inner);
        f(&conn)
            .map(Some)
            .map_err(|e| Error::sqlite(&self.db_path, e))
    }
}

#[cfg(test)]
mod tests;
