//! Integration tests of `netsession-http-cache` against loopback origins: the caching rules
//! (a data table plus focused tests), revalidation, invalidation, the two stores, the disk
//! store's directory lock across processes, and a crash test that kills writer processes
//! mid-body.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is how a test fails"
)]

mod crash;
mod invalidation;
mod lock;
mod rules;
mod store;
mod validation;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(crate) use netsession_test_support::TempDir;

use netsession_http_cache::{Cache, CacheOptions, CacheStatus, CachedClient, ManualClock};
use reqwest::header::HeaderMap;

/// Sat, 28 Nov 2026 08:00:00 GMT: where every manual clock starts.
pub(crate) const START: u64 = 1_795_852_800;
pub(crate) const START_DATE: &str = "Sat, 28 Nov 2026 08:00:00 GMT";

pub(crate) fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(START)
}

pub(crate) fn reqwest_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A client with a memory cache on a manual clock.
pub(crate) fn memory_client() -> (CachedClient, ManualClock) {
    let clock = ManualClock::new(start());
    let cache = Cache::memory(CacheOptions::default().clock(clock.clone()));
    (CachedClient::new(reqwest_client(), cache), clock)
}

/// A client with a disk cache in `dir` on a manual clock.
pub(crate) fn disk_client(dir: &Path, options: CacheOptions) -> (CachedClient, ManualClock) {
    let clock = ManualClock::new(start());
    let cache = Cache::open(dir, options.clock(clock.clone())).unwrap();
    (CachedClient::new(reqwest_client(), cache), clock)
}

/// What a fetch saw.
#[derive(Debug)]
pub(crate) struct Seen {
    pub(crate) cache: CacheStatus,
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// `GET url` with extra request headers, body read to the end.
pub(crate) async fn fetch(client: &CachedClient, url: &str, headers: &[(&str, &str)]) -> Seen {
    fetch_method(client, "GET", url, headers).await
}

pub(crate) async fn fetch_method(
    client: &CachedClient,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
) -> Seen {
    let mut builder = client.client().request(method.parse().unwrap(), url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let response = client.execute(builder.build().unwrap()).await.unwrap();
    let cache = CacheStatus::of(&response).unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap().to_vec();
    Seen {
        cache,
        status,
        headers,
        body,
    }
}

/// The sum of the entry files' lengths under a disk cache directory.
pub(crate) fn bytes_on_disk(dir: &Path) -> u64 {
    std::fs::read_dir(dir.join("entries"))
        .unwrap()
        .map(|item| item.unwrap().metadata().unwrap().len())
        .sum()
}
