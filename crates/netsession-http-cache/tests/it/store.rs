//! The two stores: size accounting, clear, clear by origin, LRU eviction, the entry limit,
//! the disabled mode, persistence, and corrupt or truncated entry files.

use std::path::Path;
use std::time::Duration;

use netsession_http_cache::{Cache, CacheOptions, CacheStatus, CachedClient};
use netsession_test_support::{Reply, TestServer};
use url::Url;

use crate::{TempDir, bytes_on_disk, disk_client, fetch, reqwest_client};

fn body_for(path: &str, len: usize) -> Vec<u8> {
    let seed = path
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    (0..len)
        .map(|i| (seed.wrapping_add(i as u32 * 13) % 251) as u8)
        .collect()
}

/// An origin whose `/N/...` paths answer N bytes derived from the path, fresh for an hour.
async fn sized_origin() -> TestServer {
    TestServer::start(|request| {
        let len: usize = request.target.split('/').nth(1).unwrap().parse().unwrap();
        Reply::ok(body_for(&request.target, len)).header("Cache-Control", "max-age=3600")
    })
    .await
}

fn clients(dir: &Path, options: CacheOptions) -> Vec<(&'static str, CachedClient)> {
    let memory = CachedClient::new(reqwest_client(), Cache::memory(options.clone()));
    let disk = CachedClient::new(reqwest_client(), Cache::open(dir, options).unwrap());
    vec![("memory", memory), ("disk", disk)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn size_clear_and_clear_origin() {
    let a = sized_origin().await;
    let b = sized_origin().await;
    let dir = TempDir::new("size");
    for (name, client) in clients(dir.path(), CacheOptions::default()) {
        let cache = client.cache().clone();
        assert_eq!(cache.size(), 0, "{name}");
        fetch(&client, a.url("/1000/x").as_str(), &[]).await;
        let one = cache.size();
        assert!(one > 1000 && one < 1500, "{name}: {one}");
        fetch(&client, a.url("/2000/y").as_str(), &[]).await;
        fetch(&client, b.url("/3000/z").as_str(), &[]).await;
        assert_eq!(cache.entries().len(), 3, "{name}");
        let sizes: u64 = cache.entries().iter().map(|e| e.size).sum();
        assert_eq!(cache.size(), sizes, "{name}");
        if name == "disk" {
            assert_eq!(cache.size(), bytes_on_disk(dir.path()));
        }
        cache.clear_origin(&a.url("/")).unwrap();
        let left: Vec<String> = cache.entries().into_iter().map(|e| e.url).collect();
        assert_eq!(left, vec![b.url("/3000/z").to_string()], "{name}");
        assert_eq!(
            fetch(&client, b.url("/3000/z").as_str(), &[]).await.cache,
            CacheStatus::Hit
        );
        assert_eq!(
            fetch(&client, a.url("/1000/x").as_str(), &[]).await.cache,
            CacheStatus::Stored
        );
        cache.clear().unwrap();
        assert_eq!(cache.size(), 0, "{name}");
        assert!(cache.entries().is_empty());
        if name == "disk" {
            assert_eq!(bytes_on_disk(dir.path()), 0);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn least_recently_used_entries_are_evicted() {
    let origin = sized_origin().await;
    let probe = CachedClient::new(reqwest_client(), Cache::memory(CacheOptions::default()));
    fetch(&probe, origin.url("/1000/a").as_str(), &[]).await;
    let entry = probe.cache().size();
    let dir = TempDir::new("lru");
    let options = CacheOptions::default()
        .max_size(entry * 3 + entry / 2)
        .max_entry_size(entry);
    for (name, client) in clients(dir.path(), options) {
        for path in ["/1000/a", "/1000/b", "/1000/c"] {
            fetch(&client, origin.url(path).as_str(), &[]).await;
        }
        // Using `a` makes `b` the least recently used.
        assert_eq!(
            fetch(&client, origin.url("/1000/a").as_str(), &[])
                .await
                .cache,
            CacheStatus::Hit
        );
        fetch(&client, origin.url("/1000/d").as_str(), &[]).await;
        let urls: Vec<String> = client
            .cache()
            .entries()
            .into_iter()
            .map(|e| e.url)
            .collect();
        let expected: Vec<String> = ["/1000/c", "/1000/a", "/1000/d"]
            .iter()
            .map(|p| origin.url(p).to_string())
            .collect();
        assert_eq!(urls, expected, "{name}");
        assert!(client.cache().size() <= entry * 3 + entry / 2);
        if name == "disk" {
            assert_eq!(client.cache().size(), bytes_on_disk(dir.path()));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_over_the_limit_stream_but_are_not_stored() {
    let origin = sized_origin().await;
    let dir = TempDir::new("limit");
    for (name, client) in clients(dir.path(), CacheOptions::default().max_entry_size(100_000)) {
        let url = origin.url("/200000/big");
        let seen = fetch(&client, url.as_str(), &[]).await;
        assert_eq!(seen.body, body_for("/200000/big", 200_000), "{name}");
        assert_eq!(client.cache().size(), 0, "{name}");
        assert_eq!(
            fetch(&client, url.as_str(), &[]).await.cache,
            CacheStatus::Miss,
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_disabled_cache_stores_nothing() {
    let origin = sized_origin().await;
    let client = CachedClient::new(reqwest_client(), Cache::disabled());
    for _ in 0..2 {
        let seen = fetch(&client, origin.url("/10/a").as_str(), &[]).await;
        assert_eq!((seen.cache, seen.body.len()), (CacheStatus::Miss, 10));
    }
    assert_eq!(origin.requests().len(), 2);
    assert_eq!(client.cache().size(), 0);
    assert!(!client.cache().is_enabled());
    client.cache().clear().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_entries_survive_a_reopen_and_large_bodies_stream() {
    let origin = sized_origin().await;
    let dir = TempDir::new("reopen");
    let urls = [origin.url("/100/small"), origin.url("/1048579/large")];
    {
        let (client, _clock) = disk_client(dir.path(), CacheOptions::default());
        for url in &urls {
            assert_eq!(
                fetch(&client, url.as_str(), &[]).await.cache,
                CacheStatus::Stored
            );
        }
    }
    drop(origin);
    let (client, _clock) = disk_client(dir.path(), CacheOptions::default());
    assert_eq!(client.cache().size(), bytes_on_disk(dir.path()));
    for url in &urls {
        let seen = fetch(&client, url.as_str(), &[]).await;
        assert_eq!(seen.cache, CacheStatus::Hit);
        let len: usize = url.path().split('/').nth(1).unwrap().parse().unwrap();
        assert!(seen.body == body_for(url.path(), len), "{url}");
    }
}

fn entry_file(dir: &Path) -> std::path::PathBuf {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("entries"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    files.pop().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_large_body_fails_its_checksum_and_is_dropped() {
    let origin = sized_origin().await;
    let dir = TempDir::new("corrupt");
    let (client, _clock) = disk_client(dir.path(), CacheOptions::default());
    // Larger than what a hit reads with the header, so the body streams and is checked at
    // its end.
    let url = origin.url("/2000000/x");
    fetch(&client, url.as_str(), &[]).await;
    let file = entry_file(dir.path());
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.len() - 1000;
    bytes[at] ^= 0x40;
    std::fs::write(&file, &bytes).unwrap();
    let response = client.get(url.as_str()).await.unwrap();
    assert_eq!(CacheStatus::of(&response), Some(CacheStatus::Hit));
    assert!(
        response.bytes().await.is_err(),
        "a corrupt body must not read as complete"
    );
    assert_eq!(client.cache().size(), 0);
    assert_eq!(bytes_on_disk(dir.path()), 0);
    assert_eq!(
        fetch(&client, url.as_str(), &[]).await.cache,
        CacheStatus::Stored
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_small_body_is_never_served() {
    let origin = sized_origin().await;
    let dir = TempDir::new("corrupt-small");
    let (client, _clock) = disk_client(dir.path(), CacheOptions::default());
    let url = origin.url("/5000/x");
    fetch(&client, url.as_str(), &[]).await;
    let file = entry_file(dir.path());
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&file, &bytes).unwrap();
    let seen = fetch(&client, url.as_str(), &[]).await;
    assert_eq!(
        seen.cache,
        CacheStatus::Stored,
        "the corrupt entry is a miss"
    );
    assert_eq!(seen.body, body_for("/5000/x", 5000));
    assert_eq!(client.cache().size(), bytes_on_disk(dir.path()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_and_foreign_files_are_dropped_at_open() {
    let origin = sized_origin().await;
    let dir = TempDir::new("truncated");
    {
        let (client, _clock) = disk_client(dir.path(), CacheOptions::default());
        fetch(&client, origin.url("/5000/x").as_str(), &[]).await;
    }
    let file = entry_file(dir.path());
    let len = std::fs::metadata(&file).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(len - 10)
        .unwrap();
    std::fs::write(dir.path().join("entries").join("not-an-entry"), b"junk").unwrap();
    std::fs::write(
        dir.path().join("tmp").join("999999999-0"),
        b"left by a dead writer",
    )
    .unwrap();
    let (client, _clock) = disk_client(dir.path(), CacheOptions::default());
    assert_eq!(client.cache().size(), 0);
    assert_eq!(bytes_on_disk(dir.path()), 0);
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_dropped_midway_is_not_stored() {
    let origin = sized_origin().await;
    let dir = TempDir::new("dropped");
    for (name, client) in clients(dir.path(), CacheOptions::default()) {
        let mut response = client.get(origin.url("/2000000/x").as_str()).await.unwrap();
        assert_eq!(CacheStatus::of(&response), Some(CacheStatus::Stored));
        response.chunk().await.unwrap();
        drop(response);
        for _ in 0..100 {
            if name == "memory" || std::fs::read_dir(dir.path().join("tmp")).unwrap().count() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(client.cache().size(), 0, "{name}");
        if name == "disk" {
            assert_eq!(
                std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
                0
            );
        }
    }
}

#[test]
fn clear_origin_ignores_path_and_matches_port() {
    let cache = Cache::memory(CacheOptions::default());
    cache
        .clear_origin(&Url::parse("https://example.com/any/path").unwrap())
        .unwrap();
    assert_eq!(cache.size(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clear_during_a_write_wins() {
    let origin = sized_origin().await;
    let dir = TempDir::new("clear-race");
    for (name, client) in clients(dir.path(), CacheOptions::default()) {
        let url = origin.url("/2000000/x");
        let mut response = client.get(url.as_str()).await.unwrap();
        response.chunk().await.unwrap();
        client.cache().clear().unwrap();
        while response.chunk().await.unwrap().is_some() {}
        assert_eq!(client.cache().size(), 0, "{name}");
        assert_eq!(
            fetch(&client, url.as_str(), &[]).await.cache,
            CacheStatus::Stored,
            "{name}"
        );
        if name == "disk" {
            assert_eq!(client.cache().size(), bytes_on_disk(dir.path()));
            assert_eq!(
                std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
                0
            );
        }
    }
}

#[tokio::test]
async fn retain_keeps_what_the_filter_accepts() {
    let a = sized_origin().await;
    let b = sized_origin().await;
    let (client, _clock) = crate::memory_client();
    fetch(&client, a.url("/10/x").as_str(), &[]).await;
    fetch(&client, b.url("/10/y").as_str(), &[]).await;
    // `clearData({excludeOrigins: [a]})`: everything but `a` goes.
    let keep = a.url("/").origin();
    client.cache().retain(|url| url.origin() == keep).unwrap();
    let left: Vec<String> = client
        .cache()
        .entries()
        .into_iter()
        .map(|e| e.url)
        .collect();
    assert_eq!(left, vec![a.url("/10/x").to_string()]);
}
