//! The disk store: one file per entry under `entries/`, named by the key's hash, written
//! under `tmp/` and renamed into place only when complete.
//!
//! Why a torn write is never served: a writer streams the body into `tmp/<pid>-<n>`, then
//! writes the header (lengths and checksums) and renames the file over `entries/<hash>`;
//! rename is atomic, so a process killed at any point leaves either the old entry or the new
//! one, never a partial file under `entries/`. Files that a dead process left in `tmp/` are
//! deleted when the store opens. A header whose length fields disagree with the file's length
//! (a truncated file), or whose metadata checksum fails, makes the entry invisible and
//! deleted; the body checksum is checked as the body streams out, and a mismatch ends the
//! body with an error (Chromium's `ERR_CACHE_CHECKSUM_MISMATCH`) and deletes the entry. The
//! store does not `fsync`: a killed process cannot lose page-cache writes, and after a power
//! loss the checksums catch whatever the file system kept.
//!
//! The index (key, size, recency) lives in memory and is rebuilt from the headers when the
//! store opens, ordered by modification time, which a hit refreshes.
//!
//! Why one owner: the index is the only record of the size, so a second process writing or
//! deleting files underneath it would make `size` and eviction wrong. One store owns a
//! cache directory at a time, as one Chromium profile does: it holds an exclusive advisory
//! lock (`flock`, `LockFileEx`) on `lock` for its whole life, taken before anything in the
//! directory is touched (opening deletes files), and a second open fails with
//! [`Error::InUse`]. The operating system drops the lock with the process, so a crash never
//! leaves the directory locked; the `lock` file itself stays and means nothing on its own.
//! The lock belongs to the open file, which is close-on-exec: a child process that the
//! owner is starting shares it only until the child runs its program.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;

use super::{EntryInfo, EntryWriter, FileBody, Hit, HitBody, Limits, Store};
use crate::Error;
use crate::meta::{Checksum, EntryHeader, HEADER_LEN, Meta, key_hash};

/// Bytes read with the header on a hit: bodies up to about 1 MiB come back in that one read,
/// larger ones stream in [`CHUNK`]s, so a hit holds at most this much of a body in memory.
const HEAD_READ: u64 = 1024 * 1024 + 16 * 1024;
/// The size of each later read.
const CHUNK: u64 = 1024 * 1024;
/// Metadata larger than this is treated as corrupt.
const MAX_META: u32 = 1 << 20;
/// The file whose advisory lock says which store owns the directory.
const LOCK_FILE: &str = "lock";

#[derive(Debug)]
pub(crate) struct DiskStore {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    entries: PathBuf,
    tmp: PathBuf,
    limits: Limits,
    counter: AtomicU64,
    /// Bumped by `clear` and `retain`: writers that started before do not commit.
    generation: AtomicU64,
    index: Mutex<Index>,
    /// Held, never read: closing it (when the last writer and the store are gone) releases
    /// the directory's lock.
    _lock: File,
}

#[derive(Debug, Default)]
struct Index {
    map: HashMap<u64, IndexEntry>,
    lru: BTreeMap<u64, u64>,
    tick: u64,
    size: u64,
}

#[derive(Debug)]
struct IndexEntry {
    key: String,
    size: u64,
    tick: u64,
}

impl DiskStore {
    /// Opens (creating if needed) the store in `dir`, dropping what dead writers left and
    /// every entry that fails its header checks.
    ///
    /// # Errors
    ///
    /// [`Error::InUse`] when another store holds the directory, [`Error::Io`] otherwise.
    pub(crate) fn open(dir: &Path, limits: Limits) -> Result<Self, Error> {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let lock = lock_dir(dir)?;
        Self::open_locked(dir, limits, lock).map_err(|e| Error::io(dir, e))
    }

    fn open_locked(dir: &Path, limits: Limits, lock: File) -> io::Result<Self> {
        let shared = Shared {
            entries: dir.join("entries"),
            tmp: dir.join("tmp"),
            limits,
            counter: AtomicU64::new(0),
            generation: AtomicU64::new(0),
            index: Mutex::new(Index::default()),
            _lock: lock,
        };
        fs::create_dir_all(&shared.entries)?;
        fs::create_dir_all(&shared.tmp)?;
        remove_dead_temporaries(&shared.tmp)?;
        let mut found = Vec::new();
        for item in fs::read_dir(&shared.entries)? {
            let item = item?;
            let path = item.path();
            match read_entry_head(&path) {
                Ok(Some((header, meta, modified)))
                    if file_name_hash(&path) == Some(key_hash(&meta.key)) =>
                {
                    found.push((modified, key_hash(&meta.key), meta.key, header.entry_len()));
                }
                _ => remove_file(&path)?,
            }
        }
        found.sort();
        let mut index = Index::default();
        for (_, hash, key, size) in found {
            index.insert(hash, key, size);
        }
        *shared.lock() = index;
        let store = Self {
            shared: Arc::new(shared),
        };
        store.shared.evict(&mut store.shared.lock())?;
        Ok(store)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn entry_path(&self, hash: u64) -> PathBuf {
        self.entries.join(format!("{hash:016x}"))
    }

    fn temp_path(&self) -> PathBuf {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        self.tmp.join(format!("{}-{n}", std::process::id()))
    }

    fn evict(&self, index: &mut Index) -> io::Result<()> {
        while index.size > self.limits.max_size {
            let Some((_, hash)) = index.lru.pop_first() else {
                break;
            };
            if let Some(entry) = index.map.remove(&hash) {
                index.size = index.size.saturating_sub(entry.size);
                remove_file(&self.entry_path(hash))?;
            }
        }
        Ok(())
    }

    /// Drops an entry from the index and the disk, if it is still `key`'s.
    fn remove(&self, hash: u64, key: &str) -> io::Result<()> {
        let mut index = self.lock();
        if index.map.get(&hash).is_some_and(|entry| entry.key == key) {
            index.remove(hash);
            remove_file(&self.entry_path(hash))?;
        }
        Ok(())
    }

    /// Renames a finished temporary file into place and accounts for it, unless the cache
    /// was cleared since the entry started (then the temporary file is deleted).
    fn install(&self, temp: &Path, key: &str, size: u64, generation: u64) -> io::Result<()> {
        let hash = key_hash(key);
        let mut index = self.lock();
        if self.generation.load(Ordering::SeqCst) != generation {
            return remove_file(temp);
        }
        fs::rename(temp, self.entry_path(hash))?;
        index.insert(hash, key.to_owned(), size);
        self.evict(&mut index)
    }
}

impl Index {
    fn insert(&mut self, hash: u64, key: String, size: u64) {
        self.remove(hash);
        self.tick += 1;
        self.lru.insert(self.tick, hash);
        self.size = self.size.saturating_add(size);
        self.map.insert(
            hash,
            IndexEntry {
                key,
                size,
                tick: self.tick,
            },
        );
    }

    fn remove(&mut self, hash: u64) {
        if let Some(entry) = self.map.remove(&hash) {
            self.lru.remove(&entry.tick);
            self.size = self.size.saturating_sub(entry.size);
        }
    }

    fn touch(&mut self, hash: u64) {
        self.tick += 1;
        let tick = self.tick;
        if let Some(entry) = self.map.get_mut(&hash) {
            let old = std::mem::replace(&mut entry.tick, tick);
            self.lru.remove(&old);
            self.lru.insert(tick, hash);
        }
    }
}

impl Store for DiskStore {
    fn lookup(&self, key: &str) -> io::Result<Option<Hit>> {
        let shared = &self.shared;
        let hash = key_hash(key);
        if shared
            .lock()
            .map
            .get(&hash)
            .is_none_or(|entry| entry.key != key)
        {
            return Ok(None);
        }
        let path = shared.entry_path(hash);
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                shared.lock().remove(hash);
                return Ok(None);
            }
            Err(error) => return Err(error),
        };
        let metadata = file.metadata()?;
        let file_len = metadata.len();
        let head = read_up_to(&mut file, file_len.min(HEAD_READ))?;
        let Some(parsed) = parse_head(&mut file, head, file_len)? else {
            shared.remove(hash, key)?;
            return Ok(None);
        };
        let (header, meta, prefix) = parsed;
        if meta.key != key {
            return Ok(None);
        }
        let mut checksum = Checksum::default();
        checksum.update(&prefix);
        let remaining = header.body_len.saturating_sub(prefix.len() as u64);
        // Recency survives a restart through the modification time, to the minute (a hot
        // entry is not re-stamped on every hit); failing to set it only makes eviction order
        // less exact.
        let now = SystemTime::now();
        let stamped = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        if now.duration_since(stamped).unwrap_or_default() > Duration::from_secs(60) {
            let _ = file.set_modified(now);
        }
        let body = if remaining == 0 {
            if checksum.finish() != header.body_sum {
                shared.remove(hash, key)?;
                return Ok(None);
            }
            HitBody::Bytes(prefix)
        } else {
            HitBody::File(FileBody {
                file,
                path: path.clone(),
                key: key.to_owned(),
                prefix,
                remaining,
                checksum,
                expected: header.body_sum,
            })
        };
        shared.lock().touch(hash);
        Ok(Some(Hit { meta, body }))
    }

    fn generation(&self) -> u64 {
        self.shared.generation.load(Ordering::SeqCst)
    }

    fn writer(&self, meta: &Meta, generation: u64) -> io::Result<Box<dyn EntryWriter>> {
        let temp = self.shared.temp_path();
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        let mut writer = DiskWriter {
            generation,
            shared: Arc::clone(&self.shared),
            file: Some(BufWriter::with_capacity(64 * 1024, file)),
            temp,
            key: meta.key.clone(),
            meta: meta.encode(),
            checksum: Checksum::default(),
            body_len: 0,
        };
        writer.start()?;
        Ok(Box::new(writer))
    }

    fn update(&self, meta: &Meta) -> io::Result<()> {
        let shared = &self.shared;
        let hash = key_hash(&meta.key);
        let path = shared.entry_path(hash);
        let mut old = match File::open(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(error),
        };
        let generation = shared.generation.load(Ordering::SeqCst);
        let file_len = old.metadata()?.len();
        let mut fixed = [0; 36];
        old.read_exact(&mut fixed)?;
        let Some(header) = EntryHeader::decode(&fixed).filter(|h| h.entry_len() == file_len) else {
            return shared.remove(hash, &meta.key);
        };
        old.seek(SeekFrom::Start(HEADER_LEN + u64::from(header.meta_len)))?;
        let encoded = meta.encode();
        let new_header = EntryHeader {
            meta_len: u32::try_from(encoded.len())
                .map_err(|_| io::Error::other("metadata too large"))?,
            meta_sum: Checksum::of(&encoded),
            ..header
        };
        let temp = shared.temp_path();
        let result = (|| {
            let mut out = BufWriter::new(File::create(&temp)?);
            out.write_all(&new_header.encode())?;
            out.write_all(&encoded)?;
            let copied = io::copy(&mut Read::take(&mut old, header.body_len), &mut out)?;
            out.flush()?;
            if copied != header.body_len {
                return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
            }
            shared.install(&temp, &meta.key, new_header.entry_len(), generation)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result
    }

    fn remove(&self, key: &str) -> io::Result<()> {
        self.shared.remove(key_hash(key), key)
    }

    fn size(&self) -> u64 {
        self.shared.lock().size
    }

    fn clear(&self) -> io::Result<()> {
        let mut index = self.shared.lock();
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        *index = Index::default();
        for dir in [&self.shared.entries, &self.shared.tmp] {
            for item in fs::read_dir(dir)? {
                remove_file(&item?.path())?;
            }
        }
        Ok(())
    }

    fn retain(&self, keep: &mut dyn FnMut(&str) -> bool) -> io::Result<()> {
        let mut index = self.shared.lock();
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        let doomed: Vec<u64> = index
            .map
            .iter()
            .filter(|(_, entry)| !keep(&entry.key))
            .map(|(hash, _)| *hash)
            .collect();
        for hash in doomed {
            index.remove(hash);
            remove_file(&self.shared.entry_path(hash))?;
        }
        Ok(())
    }

    fn entries(&self) -> Vec<EntryInfo> {
        let index = self.shared.lock();
        index
            .lru
            .values()
            .filter_map(|hash| index.map.get(hash))
            .map(|entry| EntryInfo {
                url: entry.key.clone(),
                size: entry.size,
            })
            .collect()
    }

    fn max_entry_size(&self) -> u64 {
        self.shared.limits.max_entry_size
    }

    fn blocking(&self) -> bool {
        true
    }
}

/// Reads the next chunk of a streaming body; at the end, checks the checksum and, on a
/// mismatch, deletes the entry and fails.
pub(crate) fn read_chunk(body: &mut FileBody, store: &dyn Store) -> io::Result<Option<Bytes>> {
    if body.remaining == 0 {
        return Ok(None);
    }
    let len = body.remaining.min(CHUNK);
    let buf = match read_up_to(&mut body.file, len) {
        Ok(buf) if buf.len() as u64 == len => buf,
        Ok(_) => {
            let _ = store.remove(&body.key);
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("cache entry {} was truncated", body.path.display()),
            ));
        }
        Err(error) => {
            let _ = store.remove(&body.key);
            return Err(error);
        }
    };
    body.checksum.update(&buf);
    body.remaining -= len;
    if body.remaining == 0 && body.checksum.finish() != body.expected {
        let _ = store.remove(&body.key);
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "cache entry {} failed its checksum (net::ERR_CACHE_CHECKSUM_MISMATCH)",
                body.path.display()
            ),
        ));
    }
    Ok(Some(Bytes::from(buf)))
}

struct DiskWriter {
    generation: u64,
    shared: Arc<Shared>,
    file: Option<BufWriter<File>>,
    temp: PathBuf,
    key: String,
    meta: Vec<u8>,
    checksum: Checksum,
    body_len: u64,
}

impl DiskWriter {
    fn start(&mut self) -> io::Result<()> {
        let file = self.file.as_mut().ok_or_else(closed)?;
        file.write_all(&[0; 36])?;
        file.write_all(&self.meta)
    }
}

impl EntryWriter for DiskWriter {
    fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.body_len = self.body_len.saturating_add(chunk.len() as u64);
        if self.body_len > self.shared.limits.max_entry_size {
            return Err(io::Error::other("entry larger than the maximum entry size"));
        }
        self.checksum.update(chunk);
        self.file.as_mut().ok_or_else(closed)?.write_all(chunk)
    }

    fn commit(mut self: Box<Self>) -> io::Result<()> {
        let header = EntryHeader {
            meta_len: u32::try_from(self.meta.len())
                .map_err(|_| io::Error::other("metadata too large"))?,
            body_len: self.body_len,
            body_sum: self.checksum.finish(),
            meta_sum: Checksum::of(&self.meta),
        };
        let mut file = self
            .file
            .take()
            .ok_or_else(closed)?
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&header.encode())?;
        drop(file);
        self.shared
            .install(&self.temp, &self.key, header.entry_len(), self.generation)
    }
}

impl Drop for DiskWriter {
    fn drop(&mut self) {
        // After a commit the temporary name is gone; otherwise the partial file goes.
        let _ = fs::remove_file(&self.temp);
    }
}

/// Reads up to `len` bytes (fewer only at the end of the file), without zeroing the buffer
/// first.
fn read_up_to(file: &mut File, len: u64) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    Read::take(file, len).read_to_end(&mut buf)?;
    Ok(buf)
}

fn closed() -> io::Error {
    io::Error::other("entry writer already closed")
}

/// Parses a header read from the start of an entry file (reading more if the metadata is
/// longer than `head`). `None` when the entry is corrupt or truncated.
fn parse_head(
    file: &mut File,
    mut head: Vec<u8>,
    file_len: u64,
) -> io::Result<Option<(EntryHeader, Meta, Bytes)>> {
    let Some(header) = head.get(..36).and_then(EntryHeader::decode) else {
        return Ok(None);
    };
    if header.entry_len() != file_len || header.meta_len > MAX_META {
        return Ok(None);
    }
    let meta_end = usize::try_from(HEADER_LEN + u64::from(header.meta_len)).unwrap_or(usize::MAX);
    if head.len() < meta_end {
        let mut rest = vec![0; meta_end - head.len()];
        file.read_exact(&mut rest)?;
        head.extend_from_slice(&rest);
    }
    let Some(meta_bytes) = head.get(36..meta_end) else {
        return Ok(None);
    };
    if Checksum::of(meta_bytes) != header.meta_sum {
        return Ok(None);
    }
    let Some(meta) = Meta::decode(meta_bytes) else {
        return Ok(None);
    };
    let body_end = u64::try_from(meta_end)
        .unwrap_or(u64::MAX)
        .saturating_add(header.body_len);
    let prefix_end = usize::try_from(body_end.min(head.len() as u64)).unwrap_or(0);
    let prefix = Bytes::from(head).slice(meta_end.min(prefix_end)..prefix_end);
    Ok(Some((header, meta, prefix)))
}

/// The header, metadata and modification time of an entry file; `None` if corrupt.
fn read_entry_head(path: &Path) -> io::Result<Option<(EntryHeader, Meta, SystemTime)>> {
    let mut file = File::open(path)?;
    let metadata = file.metadata()?;
    let mut fixed = vec![0; 36];
    if file.read_exact(&mut fixed).is_err() {
        return Ok(None);
    }
    let parsed = parse_head(&mut file, fixed, metadata.len()).or_else(|error| {
        if error.kind() == io::ErrorKind::UnexpectedEof {
            Ok(None)
        } else {
            Err(error)
        }
    })?;
    Ok(parsed.map(|(header, meta, _)| {
        (
            header,
            meta,
            metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        )
    }))
}

fn file_name_hash(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    (name.len() == 16)
        .then(|| u64::from_str_radix(name, 16).ok())
        .flatten()
}

/// Takes the directory's lock without waiting: a store that waited would hang an app (or
/// `netsession cache clear`) behind a server that never exits.
fn lock_dir(dir: &Path) -> Result<File, Error> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    // The trait path is spelled out: from Rust 1.89 `File` has an inherent `try_lock` of
    // its own, which method syntax would pick instead on newer compilers.
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => Ok(file),
        Err(fs4::TryLockError::WouldBlock) => Err(Error::InUse {
            dir: dir.to_owned(),
        }),
        Err(fs4::TryLockError::Error(error)) => Err(Error::io(&path, error)),
    }
}

/// Deletes temporary files whose writer process is gone (by `/proc` where there is one, by
/// age elsewhere).
fn remove_dead_temporaries(tmp: &Path) -> io::Result<()> {
    let proc = Path::new("/proc/self").exists();
    for item in fs::read_dir(tmp)? {
        let item = item?;
        let path = item.path();
        let pid = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        let alive = match pid {
            Some(pid) if pid == std::process::id() => true,
            Some(pid) if proc => Path::new("/proc").join(pid.to_string()).exists(),
            _ => item
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age < Duration::from_secs(3600)),
        };
        if !alive {
            remove_file(&path)?;
        }
    }
    Ok(())
}

/// Deletes a file; one that is already gone is fine.
fn remove_file(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}
