//! The memory store: entries in a map, bodies as shared `Bytes`, an LRU index by use tick.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::{Bytes, BytesMut};

use super::{EntryInfo, EntryWriter, Hit, HitBody, Limits, Store};
use crate::meta::{HEADER_LEN, Meta};

#[derive(Debug)]
pub(crate) struct MemoryStore {
    inner: Arc<Mutex<Inner>>,
    limits: Limits,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<String, Entry>,
    lru: BTreeMap<u64, String>,
    tick: u64,
    size: u64,
    /// Bumped by `clear` and `retain`: writers that started before do not commit.
    generation: u64,
}

#[derive(Debug)]
struct Entry {
    meta: Meta,
    body: Bytes,
    size: u64,
    tick: u64,
}

impl MemoryStore {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            inner: Arc::default(),
            limits,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    fn insert(&mut self, meta: Meta, body: Bytes, max_size: u64) {
        let size = entry_size(&meta, body.len() as u64);
        self.remove(&meta.key);
        self.tick += 1;
        let key = meta.key.clone();
        self.lru.insert(self.tick, key.clone());
        self.size = self.size.saturating_add(size);
        self.map.insert(
            key,
            Entry {
                meta,
                body,
                size,
                tick: self.tick,
            },
        );
        while self.size > max_size {
            let Some((_, key)) = self.lru.pop_first() else {
                break;
            };
            if let Some(entry) = self.map.remove(&key) {
                self.size = self.size.saturating_sub(entry.size);
            }
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some(entry) = self.map.remove(key) {
            self.lru.remove(&entry.tick);
            self.size = self.size.saturating_sub(entry.size);
        }
    }
}

fn entry_size(meta: &Meta, body_len: u64) -> u64 {
    HEADER_LEN
        .saturating_add(meta.encode().len() as u64)
        .saturating_add(body_len)
}

impl Store for MemoryStore {
    fn lookup(&self, key: &str) -> io::Result<Option<Hit>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let Some(entry) = inner.map.get_mut(key) else {
            return Ok(None);
        };
        let old = std::mem::replace(&mut entry.tick, tick);
        let hit = Hit {
            meta: entry.meta.clone(),
            body: HitBody::Bytes(entry.body.clone()),
        };
        inner.lru.remove(&old);
        inner.lru.insert(tick, key.to_owned());
        Ok(Some(hit))
    }

    fn generation(&self) -> u64 {
        self.lock().generation
    }

    fn writer(&self, meta: &Meta, generation: u64) -> io::Result<Box<dyn EntryWriter>> {
        Ok(Box::new(MemoryWriter {
            generation,
            inner: Arc::clone(&self.inner),
            meta: meta.clone(),
            body: BytesMut::new(),
            limits: self.limits,
        }))
    }

    fn update(&self, meta: &Meta) -> io::Result<()> {
        let mut inner = self.lock();
        let Some(body) = inner.map.get(&meta.key).map(|e| e.body.clone()) else {
            return Ok(());
        };
        inner.insert(meta.clone(), body, self.limits.max_size);
        Ok(())
    }

    fn remove(&self, key: &str) -> io::Result<()> {
        self.lock().remove(key);
        Ok(())
    }

    fn size(&self) -> u64 {
        self.lock().size
    }

    fn clear(&self) -> io::Result<()> {
        let mut inner = self.lock();
        let generation = inner.generation.wrapping_add(1);
        *inner = Inner {
            generation,
            ..Inner::default()
        };
        Ok(())
    }

    fn retain(&self, keep: &mut dyn FnMut(&str) -> bool) -> io::Result<()> {
        let mut inner = self.lock();
        inner.generation = inner.generation.wrapping_add(1);
        let doomed: Vec<String> = inner.map.keys().filter(|k| !keep(k)).cloned().collect();
        for key in doomed {
            inner.remove(&key);
        }
        Ok(())
    }

    fn entries(&self) -> Vec<EntryInfo> {
        let inner = self.lock();
        inner
            .lru
            .values()
            .filter_map(|key| inner.map.get(key))
            .map(|entry| EntryInfo {
                url: entry.meta.key.clone(),
                size: entry.size,
            })
            .collect()
    }

    fn max_entry_size(&self) -> u64 {
        self.limits.max_entry_size
    }

    fn blocking(&self) -> bool {
        false
    }
}

struct MemoryWriter {
    generation: u64,
    inner: Arc<Mutex<Inner>>,
    meta: Meta,
    body: BytesMut,
    limits: Limits,
}

impl EntryWriter for MemoryWriter {
    fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        if (self.body.len() as u64).saturating_add(chunk.len() as u64) > self.limits.max_entry_size
        {
            return Err(io::Error::other("entry larger than the maximum entry size"));
        }
        self.body.extend_from_slice(chunk);
        Ok(())
    }

    fn commit(self: Box<Self>) -> io::Result<()> {
        let this = *self;
        let mut inner = this.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.generation != this.generation {
            return Ok(());
        }
        inner.insert(this.meta, this.body.freeze(), this.limits.max_size);
        Ok(())
    }
}
