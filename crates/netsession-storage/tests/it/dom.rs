//! DOM storage: the write-back cache, quota, and durability on flush.

use netsession_storage::{Error, Storage, StorageOptions};

use crate::TempDir;

// Durability of flushed writes across a crash is proven by the crash test of
// netsession-cookies, which kills a real writer process with SIGKILL.

#[test]
fn get_set_remove_clear_keys_usage() {
    let storage = Storage::in_memory();
    let local = storage
        .local_storage("https://a.example:443/page?q")
        .unwrap();
    assert_eq!(local.origin(), "https://a.example");
    local.set("b", "2").unwrap();
    local.set("a", "1").unwrap();
    local.set("a", "11").unwrap();
    assert_eq!(local.get("a").unwrap().as_deref(), Some("11"));
    assert_eq!(local.keys().unwrap(), ["a", "b"]);
    assert_eq!(local.usage().unwrap(), 2 * (1 + 2 + 1 + 1));
    local.remove("a").unwrap();
    local.remove("missing").unwrap();
    assert_eq!(local.keys().unwrap(), ["b"]);
    local.clear().unwrap();
    assert!(local.keys().unwrap().is_empty());
    assert_eq!(local.usage().unwrap(), 0);
    // Origins are isolated.
    let other = storage.local_storage("http://a.example").unwrap();
    other.set("x", "y").unwrap();
    assert!(local.get("x").unwrap().is_none());
}

#[test]
fn quota_is_per_origin_and_refuses_without_changing() {
    let storage = Storage::in_memory_with(StorageOptions::default().dom_quota_bytes(100));
    let local = storage.local_storage("https://a.example").unwrap();
    local.set("k", &"x".repeat(40)).unwrap(); // 82 bytes
    let err = local.set("k2", &"y".repeat(10)).unwrap_err();
    match &err {
        Error::QuotaExceeded {
            origin,
            quota,
            needed,
        } => {
            assert_eq!(
                (origin.as_str(), *quota, *needed),
                ("https://a.example", 100, 106)
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(local.get("k2").unwrap().is_none());
    // Replacing a value counts only the difference.
    local.set("k", &"z".repeat(49)).unwrap();
    storage
        .local_storage("https://b.example")
        .unwrap()
        .set("k", &"x".repeat(40))
        .unwrap();
}

#[test]
fn reopen_sees_flushed_and_dropped_writes() {
    let dir = TempDir::new("reopen");
    {
        let storage = Storage::open(dir.path()).unwrap();
        let local = storage.local_storage("https://a.example").unwrap();
        local.set("a", "1").unwrap();
        storage.flush_storage_data().unwrap();
        local.set("b", "2").unwrap();
        local.remove("a").unwrap();
        // Dropping the last handle writes back.
    }
    let storage = Storage::open(dir.path()).unwrap();
    let local = storage.local_storage("https://a.example").unwrap();
    assert_eq!(local.keys().unwrap(), ["b"]);
    assert_eq!(local.usage().unwrap(), 4);
}

#[test]
fn clear_then_set_before_flush() {
    let dir = TempDir::new("clear-set");
    {
        let storage = Storage::open(dir.path()).unwrap();
        let local = storage.local_storage("https://a.example").unwrap();
        local.set("old", "1").unwrap();
        storage.flush_storage_data().unwrap();
        local.clear().unwrap();
        local.set("new", "2").unwrap();
        storage.flush_storage_data().unwrap();
    }
    let storage = Storage::open(dir.path()).unwrap();
    assert_eq!(
        storage
            .local_storage("https://a.example")
            .unwrap()
            .keys()
            .unwrap(),
        ["new"]
    );
}

#[test]
fn opaque_origins_are_refused() {
    let storage = Storage::in_memory();
    for url in ["data:text/plain,x", "not a url", "file:///etc/passwd"] {
        let err = storage.local_storage(url).unwrap_err();
        assert!(matches!(err, Error::InvalidOrigin(_)), "{url}: {err:?}");
    }
}

#[test]
fn the_background_timer_commits() {
    let dir = TempDir::new("timer");
    let options =
        StorageOptions::default().commit_interval(Some(std::time::Duration::from_millis(20)));
    let storage = Storage::open_with(dir.path(), options).unwrap();
    storage
        .local_storage("https://a.example")
        .unwrap()
        .set("k", "v")
        .unwrap();
    assert!(storage.has_pending_dom_writes());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let pending = storage.has_pending_dom_writes();
        if !pending {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the timer never committed"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
