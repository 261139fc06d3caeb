//! Opening databases: WAL, schema versions, and the typed failures.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use netsession_storage::{Error, Storage, StorageOptions};

use crate::TempDir;

const DB: &str = "netsession.sqlite";
/// Set in the child that [`holder`] runs in: the partition directory to hold.
const HOLDER_VAR: &str = "NETSESSION_STORAGE_HOLDER_DIR";
/// The line the holder prints on standard output once it holds the partition.
const READY: &str = "HOLDER READY";

#[test]
fn creates_a_wal_database_with_the_schema_version() {
    let dir = TempDir::new("create");
    let sub = dir.path().join("Partitions").join("work");
    let storage = Storage::open(&sub).unwrap();
    assert_eq!(storage.path(), Some(sub.as_path()));
    storage
        .local_storage("https://a.example")
        .unwrap()
        .set("k", "v")
        .unwrap();
    storage.flush_storage_data().unwrap();
    storage.integrity_check().unwrap();
    drop(storage);
    let conn = rusqlite::Connection::open(sub.join(DB)).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1);
}

#[test]
fn a_garbage_file_is_corrupt_and_left_alone() {
    let dir = TempDir::new("corrupt");
    let garbage = b"this is not a database, but it is somebody's data ".repeat(100);
    std::fs::write(dir.path().join(DB), &garbage).unwrap();
    let err = Storage::open(dir.path()).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("is corrupt"), "{err}");
    assert_eq!(
        std::fs::read(dir.path().join(DB)).unwrap(),
        garbage,
        "never reset"
    );
}

#[test]
fn a_damaged_page_is_corrupt() {
    let dir = TempDir::new("damaged");
    {
        let storage = Storage::open(dir.path()).unwrap();
        let local = storage.local_storage("https://a.example").unwrap();
        for i in 0..2000 {
            local.set(&format!("key{i}"), &"x".repeat(100)).unwrap();
        }
        storage.flush_storage_data().unwrap();
    }
    // Checkpointed on close: overwrite a stretch of the main file's b-tree pages.
    let path = dir.path().join(DB);
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 64 * 1024);
    for b in &mut bytes[8192..40960] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let result = Storage::open(dir.path()).and_then(|s| {
        s.integrity_check()?;
        s.local_storage("https://a.example")?.keys().map(|_| ())
    });
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
}

#[test]
fn a_newer_schema_is_refused_and_kept() {
    let dir = TempDir::new("newer");
    {
        let storage = Storage::open(dir.path()).unwrap();
        storage
            .local_storage("https://a.example")
            .unwrap()
            .set("k", "v")
            .unwrap();
        storage.flush_storage_data().unwrap();
    }
    {
        let conn = rusqlite::Connection::open(dir.path().join(DB)).unwrap();
        conn.execute_batch("PRAGMA user_version = 7").unwrap();
    }
    let err = Storage::open(dir.path()).unwrap_err();
    match &err {
        Error::NewerVersion {
            found, supported, ..
        } => assert_eq!((*found, *supported), (7, 1)),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("schema version 7"), "{err}");
    let conn = rusqlite::Connection::open(dir.path().join(DB)).unwrap();
    let value: String = conn
        .query_row("SELECT value FROM dom_storage WHERE key = 'k'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(value, "v", "the data is still there");
}

#[test]
fn a_partition_held_elsewhere_is_locked() {
    let dir = TempDir::new("locked");
    let first = Storage::open(dir.path()).unwrap();
    let options = StorageOptions::default().busy_timeout(Duration::from_millis(50));
    let err = Storage::open_with(dir.path(), options.clone()).unwrap_err();
    assert!(matches!(err, Error::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("in use"), "{err}");
    drop(first);
    Storage::open_with(dir.path(), options).unwrap();
}

/// The other process of [`a_partition_held_by_another_process_is_locked`]: this test binary
/// again, started on this test with [`HOLDER_VAR`] set. It opens the partition, checks what
/// the parent wrote, adds a key of its own, flushes, says so, and holds the partition until
/// it is killed. Without the variable it returns at once.
#[test]
fn holder() {
    let Some(dir) = std::env::var_os(HOLDER_VAR) else {
        return;
    };
    let storage = Storage::open(Path::new(&dir)).unwrap();
    let local = storage.local_storage("https://a.example").unwrap();
    assert_eq!(local.get("parent").unwrap().as_deref(), Some("1"));
    local.set("child", "2").unwrap();
    storage.flush_storage_data().unwrap();
    // Flushed, so that the parent never waits on a line sitting in a buffer.
    let mut out = std::io::stdout().lock();
    writeln!(out, "{READY}").unwrap();
    out.flush().unwrap();
    drop(out);
    loop {
        std::thread::park();
    }
}

/// Kills the holder when the test ends, also when an assertion fails first, so that no
/// process outlives the test.
struct Holder(Child);

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_partition_held_by_another_process_is_locked() {
    let dir = TempDir::new("locked-cross-process");
    {
        let storage = Storage::open(dir.path()).unwrap();
        storage
            .local_storage("https://a.example")
            .unwrap()
            .set("parent", "1")
            .unwrap();
        storage.flush_storage_data().unwrap();
    }
    let mut holder = Holder(
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "open::holder", "--nocapture", "--test-threads=1"])
            .env(HOLDER_VAR, dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    // Wait for the holder's word. The test harness prints lines of its own around it, and
    // `test open::holder ... ` with no newline before the test runs, so the word ends a line
    // rather than being one. End of output first means the holder failed, and its panic is
    // on standard error. The timeout only keeps a hung holder from hanging the test.
    let stdout = holder.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let ready = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.ends_with(READY));
        let _ = tx.send(ready);
    });
    let ready = rx.recv_timeout(Duration::from_secs(60));
    assert_eq!(
        ready,
        Ok(true),
        "the holder did not report holding the partition"
    );

    let options = StorageOptions::default().busy_timeout(Duration::from_millis(50));
    let err = Storage::open_with(dir.path(), options.clone()).unwrap_err();
    let Error::Locked { path, .. } = &err else {
        panic!("expected Error::Locked, got {err:?}");
    };
    assert_eq!(path, &dir.path().join(DB));
    assert_eq!(
        err.to_string(),
        format!(
            "the database {} is in use by another process",
            dir.path().join(DB).display()
        )
    );
    // The cause is SQLite's own report, kept for whoever needs the detail.
    let source = std::error::Error::source(&err).expect("a locked error carries SQLite's");
    let source = source.downcast_ref::<rusqlite::Error>().unwrap();
    assert_eq!(
        source.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy),
        "{source}"
    );

    // SIGKILL on Unix: the operating system drops the lock of a process however it dies.
    holder.0.kill().unwrap();
    let status = holder.0.wait().unwrap();
    assert!(!status.success(), "the holder was expected to be killed");

    let storage = Storage::open_with(dir.path(), options).unwrap();
    storage.integrity_check().unwrap();
    let local = storage.local_storage("https://a.example").unwrap();
    assert_eq!(local.get("parent").unwrap().as_deref(), Some("1"));
    assert_eq!(local.get("child").unwrap().as_deref(), Some("2"));
    let mut keys = local.keys().unwrap();
    keys.sort();
    assert_eq!(keys, ["child", "parent"]);
}

#[test]
fn migrates_a_version_zero_database() {
    let dir = TempDir::new("migrate");
    {
        // An empty SQLite file, as an older build that had not written the schema leaves.
        let conn = rusqlite::Connection::open(dir.path().join(DB)).unwrap();
        conn.execute_batch("CREATE TABLE unrelated (x); PRAGMA user_version = 0")
            .unwrap();
    }
    let storage = Storage::open(dir.path()).unwrap();
    storage
        .local_storage("https://a.example")
        .unwrap()
        .set("k", "v")
        .unwrap();
    storage.flush_storage_data().unwrap();
    assert!(storage.load_cookies().unwrap().is_empty());
}

#[test]
fn an_unwritable_directory_is_an_io_error() {
    let dir = TempDir::new("io");
    let file = dir.path().join("file");
    std::fs::write(&file, b"").unwrap();
    let err = Storage::open(&file.join("sub")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
}
