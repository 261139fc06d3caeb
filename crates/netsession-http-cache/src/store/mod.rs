//! The two stores behind one interface: [`memory::MemoryStore`] for in-memory partitions and
//! [`disk::DiskStore`] for `persist:` ones.
//!
//! Both account an entry as `HEADER_LEN + metadata + body` bytes, keep a least-recently-used
//! order, evict from its cold end when the total passes the maximum, and refuse entries larger
//! than the per-entry maximum while they stream in.

pub(crate) mod disk;
pub(crate) mod memory;

use std::fmt;
use std::fs::File;
use std::io;
use std::path::PathBuf;

use bytes::Bytes;

use crate::meta::{Checksum, Meta};

/// A stored entry, ready to be served.
#[derive(Debug)]
pub(crate) struct Hit {
    pub(crate) meta: Meta,
    pub(crate) body: HitBody,
}

/// A stored body.
#[derive(Debug)]
pub(crate) enum HitBody {
    /// Entirely in memory (a memory entry, or a disk entry small enough to be read with its
    /// header, already checked).
    Bytes(Bytes),
    /// The rest streams from the file, checked at the end.
    File(FileBody),
}

/// A body streaming from an entry file.
#[derive(Debug)]
pub(crate) struct FileBody {
    pub(crate) file: File,
    pub(crate) path: PathBuf,
    pub(crate) key: String,
    /// Body bytes read along with the header, already added to `checksum`.
    pub(crate) prefix: Bytes,
    /// Body bytes left in the file after `prefix`.
    pub(crate) remaining: u64,
    pub(crate) checksum: Checksum,
    pub(crate) expected: u64,
}

/// Writes one entry as its body streams in; dropping it without `commit` discards it.
pub(crate) trait EntryWriter: Send {
    /// Appends body bytes; an error (the entry became too large, the disk failed) abandons
    /// the entry.
    fn write(&mut self, chunk: &[u8]) -> io::Result<()>;
    /// Makes the entry visible, replacing any entry with the same key.
    fn commit(self: Box<Self>) -> io::Result<()>;
}

/// One entry in a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EntryInfo {
    /// The URL the entry answers (without fragment).
    pub url: String,
    /// Its size in bytes, as counted by [`Cache::size`](crate::Cache::size).
    pub size: u64,
}

/// What both stores do. Methods of a store whose [`Store::blocking`] is true do file I/O and
/// are called from a blocking thread.
pub(crate) trait Store: Send + Sync + fmt::Debug {
    fn lookup(&self, key: &str) -> io::Result<Option<Hit>>;
    /// The store's generation: it changes on every `clear` and `retain`. A writer opened
    /// with an older generation commits nothing, so read it when the response is chosen
    /// for storing, not when the (possibly deferred) writer starts.
    fn generation(&self) -> u64;
    fn writer(&self, meta: &Meta, generation: u64) -> io::Result<Box<dyn EntryWriter>>;
    /// Replaces an entry's metadata, keeping its body (after a 304).
    fn update(&self, meta: &Meta) -> io::Result<()>;
    fn remove(&self, key: &str) -> io::Result<()>;
    fn size(&self) -> u64;
    fn clear(&self) -> io::Result<()>;
    fn retain(&self, keep: &mut dyn FnMut(&str) -> bool) -> io::Result<()>;
    fn entries(&self) -> Vec<EntryInfo>;
    fn max_entry_size(&self) -> u64;
    fn blocking(&self) -> bool;
}

/// Limits shared by both stores.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) max_size: u64,
    pub(crate) max_entry_size: u64,
}
