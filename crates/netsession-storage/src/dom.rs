//! Per-origin DOM storage (the data behind `localStorage`) with a write-back cache.

use std::collections::{BTreeMap, HashMap};
use std::sync::PoisonError;

use rusqlite::{Connection, params};

use crate::cookie_rows::transaction;
use crate::{Error, Storage};

/// The cached state of every origin touched so far.
#[derive(Debug, Default)]
pub(crate) struct DomCache {
    pub(crate) areas: HashMap<String, Area>,
}

/// One origin's storage area: its entries, the bytes they use, and what is not yet on disk.
#[derive(Debug, Default)]
pub(crate) struct Area {
    entries: BTreeMap<String, String>,
    usage: usize,
    /// Keys changed since the last flush: `Some(value)` to write, `None` to delete.
    dirty: BTreeMap<String, Option<String>>,
    /// Whether every stored row of the origin must go before `dirty` is applied.
    cleared: bool,
}

impl Area {
    fn is_dirty(&self) -> bool {
        self.cleared || !self.dirty.is_empty()
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.dirty.clear();
        self.usage = 0;
        self.cleared = true;
    }
}

/// Bytes an entry counts against the quota: the key and the value in UTF-16, as Chromium
/// measures a storage area.
fn entry_size(key: &str, value: &str) -> usize {
    key.encode_utf16()
        .count()
        .saturating_add(value.encode_utf16().count())
        .saturating_mul(2)
}

/// The `localStorage` of one origin, a handle on its [`Storage`].
///
/// Reads are served from memory; writes go to memory and reach the database on
/// [`Storage::flush_storage_data`], on the background commit timer, or when the last handle
/// on the storage is dropped.
#[derive(Clone, Debug)]
pub struct LocalStorage {
    storage: Storage,
    origin: String,
}

impl Storage {
    /// The `localStorage` of the origin of `url` (`https://a.example/x` and
    /// `https://a.example:443` are the same origin).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOrigin`] for a URL without a tuple origin (`data:`, `file:`, garbage).
    pub fn local_storage(&self, url: &str) -> Result<LocalStorage, Error> {
        Ok(LocalStorage {
            storage: self.clone(),
            origin: crate::clear::origin_of(url)?,
        })
    }

    /// Makes every DOM storage write so far durable, as Electron's
    /// `session.flushStorageData()`. A no-op for an in-memory partition.
    ///
    /// # Errors
    ///
    /// The database failed; the pending writes stay pending and a later flush retries them.
    pub fn flush_storage_data(&self) -> Result<(), Error> {
        self.inner.flush_dom()
    }

    /// Whether some DOM storage write has not reached the database yet (always `false` in
    /// memory, where there is nothing to write).
    pub fn has_pending_dom_writes(&self) -> bool {
        !self.is_in_memory() && self.lock_dom().areas.values().any(Area::is_dirty)
    }

    /// Loads the area of `origin` into `cache` if it is not there yet.
    fn area<'c>(&self, cache: &'c mut DomCache, origin: &str) -> Result<&'c mut Area, Error> {
        if !cache.areas.contains_key(origin) {
            let rows = self
                .with_db(|conn| {
                    let mut stmt =
                        conn.prepare("SELECT key, value FROM dom_storage WHERE origin = ?1")?;
                    let rows = stmt.query_map(params![origin], |row| {
                        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                    })?;
                    rows.collect::<rusqlite::Result<Vec<_>>>()
                })?
                .unwrap_or_default();
            let mut area = Area::default();
            for (key, value) in rows {
                area.usage = area.usage.saturating_add(entry_size(&key, &value));
                area.entries.insert(key, value);
            }
            cache.areas.insert(origin.to_owned(), area);
        }
        // The entry was inserted just above when missing.
        cache
            .areas
            .get_mut(origin)
            .ok_or_else(|| Error::InvalidOrigin(origin.to_owned()))
    }

    /// Clears DOM storage of one origin or of all, durably.
    pub(crate) fn clear_dom(&self, origin: Option<&str>) -> Result<(), Error> {
        let mut cache = self.lock_dom();
        match origin {
            Some(origin) => {
                self.area(&mut cache, origin)?.clear();
                self.with_db(|conn| {
                    conn.execute("DELETE FROM dom_storage WHERE origin = ?1", params![origin])
                })?;
            }
            None => {
                for area in cache.areas.values_mut() {
                    area.clear();
                }
                self.with_db(|conn| conn.execute("DELETE FROM dom_storage", []))?;
            }
        }
        // What was pending is superseded by the deletion, which is already on disk.
        for area in cache.areas.values_mut() {
            if area.entries.is_empty() {
                area.cleared = false;
            }
        }
        Ok(())
    }
}

impl crate::Inner {
    /// Writes every pending DOM storage change in one transaction.
    pub(crate) fn flush_dom(&self) -> Result<(), Error> {
        if self.db.is_none() {
            return Ok(());
        }
        let mut cache = self.dom.lock().unwrap_or_else(PoisonError::into_inner);
        if !cache.areas.values().any(Area::is_dirty) {
            return Ok(());
        }
        self.with_db(|conn| transaction(conn, |conn| write_areas(conn, &cache.areas)))?;
        for area in cache.areas.values_mut() {
            area.dirty.clear();
            area.cleared = false;
        }
        Ok(())
    }
}

fn write_areas(conn: &Connection, areas: &HashMap<String, Area>) -> rusqlite::Result<()> {
    let mut clear = conn.prepare("DELETE FROM dom_storage WHERE origin = ?1")?;
    let mut put = conn
        .prepare("INSERT OR REPLACE INTO dom_storage (origin, key, value) VALUES (?1, ?2, ?3)")?;
    let mut delete = conn.prepare("DELETE FROM dom_storage WHERE origin = ?1 AND key = ?2")?;
    for (origin, area) in areas {
        if area.cleared {
            clear.execute(params![origin])?;
        }
        for (key, value) in &area.dirty {
            match value {
                Some(value) => put.execute(params![origin, key, value])?,
                None => delete.execute(params![origin, key])?,
            };
        }
    }
    Ok(())
}

impl LocalStorage {
    /// The origin, `scheme://host[:port]`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The value of `key`.
    ///
    /// # Errors
    ///
    /// Loading the origin's entries from the database failed.
    pub fn get(&self, key: &str) -> Result<Option<String>, Error> {
        let mut cache = self.storage.lock_dom();
        let area = self.storage.area(&mut cache, &self.origin)?;
        Ok(area.entries.get(key).cloned())
    }

    /// Sets `key` to `value`.
    ///
    /// # Errors
    ///
    /// [`Error::QuotaExceeded`] when the origin would use more than its quota (nothing is
    /// changed), or loading the origin's entries failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_storage::Storage;
    ///
    /// let storage = Storage::in_memory();
    /// let local = storage.local_storage("https://app.example/index.html")?;
    /// local.set("theme", "dark")?;
    /// assert_eq!(local.get("theme")?.as_deref(), Some("dark"));
    /// assert_eq!(local.usage()?, 18); // 9 UTF-16 code units, 2 bytes each
    /// # Ok::<(), netsession_storage::Error>(())
    /// ```
    pub fn set(&self, key: &str, value: &str) -> Result<(), Error> {
        let quota = self.storage.inner.options.dom_quota_bytes;
        let mut cache = self.storage.lock_dom();
        let area = self.storage.area(&mut cache, &self.origin)?;
        let old = area.entries.get(key).map_or(0, |old| entry_size(key, old));
        let needed = area
            .usage
            .saturating_sub(old)
            .saturating_add(entry_size(key, value));
        if needed > quota {
            return Err(Error::QuotaExceeded {
                origin: self.origin.clone(),
                quota,
                needed,
            });
        }
        area.usage = needed;
        area.entries.insert(key.to_owned(), value.to_owned());
        area.dirty.insert(key.to_owned(), Some(value.to_owned()));
        Ok(())
    }

    /// Removes `key`; removing a missing key does nothing.
    ///
    /// # Errors
    ///
    /// Loading the origin's entries failed.
    pub fn remove(&self, key: &str) -> Result<(), Error> {
        let mut cache = self.storage.lock_dom();
        let area = self.storage.area(&mut cache, &self.origin)?;
        if let Some(old) = area.entries.remove(key) {
            area.usage = area.usage.saturating_sub(entry_size(key, &old));
            area.dirty.insert(key.to_owned(), None);
        }
        Ok(())
    }

    /// Removes every key of the origin.
    ///
    /// # Errors
    ///
    /// Loading the origin's entries failed.
    pub fn clear(&self) -> Result<(), Error> {
        let mut cache = self.storage.lock_dom();
        self.storage.area(&mut cache, &self.origin)?.clear();
        Ok(())
    }

    /// The keys, in code-unit order.
    ///
    /// # Errors
    ///
    /// Loading the origin's entries failed.
    pub fn keys(&self) -> Result<Vec<String>, Error> {
        let mut cache = self.storage.lock_dom();
        let area = self.storage.area(&mut cache, &self.origin)?;
        Ok(area.entries.keys().cloned().collect())
    }

    /// The bytes the origin uses against its quota (keys and values in UTF-16).
    ///
    /// # Errors
    ///
    /// Loading the origin's entries failed.
    pub fn usage(&self) -> Result<usize, Error> {
        let mut cache = self.storage.lock_dom();
        Ok(self.storage.area(&mut cache, &self.origin)?.usage)
    }
}
