//! Opening databases: WAL, schema versions, and the typed failures.

use netsession_storage::{Error, Storage, StorageOptions};

use crate::TempDir;

const DB: &str = "netsession.sqlite";

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
    let options = StorageOptions::default().busy_timeout(std::time::Duration::from_millis(50));
    let err = Storage::open_with(dir.path(), options.clone()).unwrap_err();
    assert!(matches!(err, Error::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("in use"), "{err}");
    drop(first);
    Storage::open_with(dir.path(), options).unwrap();
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
