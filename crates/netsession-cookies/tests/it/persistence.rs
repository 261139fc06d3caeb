//! Persistence through netsession-storage: batching, flush, reload, purge, clearing.

use std::time::Duration;

use netsession_cookies::{CookieFilter, CookieJar, JarOptions, SameSiteContext};
use netsession_storage::{ClearStorageDataOptions, Storage};
use url::Url;

use crate::TempDir;

fn url() -> Url {
    Url::parse("https://www.example.com/").unwrap()
}

#[test]
fn flushed_cookies_survive_a_reopen() {
    let dir = TempDir::new("reopen");
    {
        let storage = Storage::open(dir.path()).unwrap();
        let jar = CookieJar::open(&storage).unwrap();
        jar.store(&url(), "persistent=1; Max-Age=3600").unwrap();
        jar.store(&url(), "session=2").unwrap();
        jar.store(&url(), "gone=3; Max-Age=3600").unwrap();
        jar.remove("https://www.example.com/", "gone");
        jar.flush_store().unwrap();
    }
    let storage = Storage::open(dir.path()).unwrap();
    let jar = CookieJar::open(&storage).unwrap();
    assert_eq!(
        jar.cookie_header(&url(), SameSiteContext::SameSite),
        "persistent=1; session=2"
    );
    let cookies = jar.get(&CookieFilter::default());
    assert!(!cookies[0].session);
    assert!(cookies[1].session);
}

#[test]
fn nothing_is_written_before_a_flush_or_a_full_batch() {
    let dir = TempDir::new("batch");
    let storage = Storage::open(dir.path()).unwrap();
    let jar = CookieJar::open_with(
        &storage,
        JarOptions::default()
            .commit_batch(5)
            .commit_interval(Duration::from_secs(3600)),
    )
    .unwrap();
    for i in 0..4 {
        jar.store(&url(), &format!("c{i}=1")).unwrap();
    }
    assert_eq!(
        storage.load_cookies().unwrap().len(),
        0,
        "below the batch size"
    );
    jar.store(&url(), "c4=1").unwrap();
    assert_eq!(
        storage.load_cookies().unwrap().len(),
        5,
        "a full batch commits"
    );
    jar.store(&url(), "c5=1").unwrap();
    assert_eq!(storage.load_cookies().unwrap().len(), 5);
    jar.flush_store().unwrap();
    assert_eq!(storage.load_cookies().unwrap().len(), 6);
}

#[test]
fn the_timer_commits() {
    let dir = TempDir::new("timer");
    let storage = Storage::open(dir.path()).unwrap();
    let jar = CookieJar::open_with(
        &storage,
        JarOptions::default().commit_interval(Duration::from_millis(20)),
    )
    .unwrap();
    jar.store(&url(), "a=1").unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while storage.load_cookies().unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the timer never committed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn expired_cookies_are_purged_on_open() {
    let dir = TempDir::new("purge");
    {
        let storage = Storage::open(dir.path()).unwrap();
        let jar = CookieJar::open(&storage).unwrap();
        jar.store(&url(), "short=1; Max-Age=1").unwrap();
        jar.store(&url(), "long=1; Max-Age=3600").unwrap();
        jar.flush_store().unwrap();
    }
    std::thread::sleep(Duration::from_millis(1100));
    let storage = Storage::open(dir.path()).unwrap();
    let jar = CookieJar::open(&storage).unwrap();
    assert_eq!(jar.len(), 1);
    let rows = storage.load_cookies().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "long");
}

#[test]
fn clear_storage_data_reaches_the_jar() {
    let dir = TempDir::new("clear");
    let storage = Storage::open(dir.path()).unwrap();
    let jar = CookieJar::open(&storage).unwrap();
    jar.store(&url(), "a=1; Domain=example.com").unwrap();
    jar.store(&Url::parse("https://other.org/").unwrap(), "b=1")
        .unwrap();
    storage
        .clear_storage_data(&ClearStorageDataOptions {
            origin: Some("https://www.example.com".into()),
            storages: Some(vec!["COOKIES".into()]),
            ..ClearStorageDataOptions::default()
        })
        .unwrap();
    let names: Vec<String> = jar
        .get(&CookieFilter::default())
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["b"]);
    // Durable at once.
    assert_eq!(storage.load_cookies().unwrap().len(), 1);
    storage
        .clear_storage_data(&ClearStorageDataOptions {
            storages: Some(vec!["localstorage".into()]),
            ..ClearStorageDataOptions::default()
        })
        .unwrap();
    assert_eq!(jar.len(), 1, "other kinds leave cookies alone");
    storage
        .clear_storage_data(&ClearStorageDataOptions::default())
        .unwrap();
    assert!(jar.is_empty());
}

#[test]
fn in_memory_partitions_write_nothing() {
    let storage = Storage::in_memory();
    let jar = CookieJar::open(&storage).unwrap();
    jar.store(&url(), "a=1").unwrap();
    jar.flush_store().unwrap();
    assert!(storage.load_cookies().unwrap().is_empty());
    assert_eq!(jar.cookie_header(&url(), SameSiteContext::SameSite), "a=1");
}
