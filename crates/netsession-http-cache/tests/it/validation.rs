//! Revalidation: the validators sent, the 304 matched (with and without validators) and
//! merged (`tests/data/update304.txt`: which headers a 304 may change), `Date` never
//! rewritten, and a 304 for some other response.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use netsession_http_cache::CacheStatus;
use netsession_test_support::table::{Case, check};
use netsession_test_support::{Reply, TestServer};

use crate::{START_DATE, fetch, memory_client};

#[tokio::test]
async fn etag_revalidation_sends_the_etag_and_merges_the_304() {
    let origin = TestServer::start(|request| {
        if request.header("if-none-match") == Some("\"v1\"") {
            Reply::status(304)
                .header("ETag", "\"v1\"")
                .header("Cache-Control", "max-age=100")
                .header("X-Version", "2")
                .header("Content-Type", "text/html")
                .header("Date", "Sat, 28 Nov 2026 08:10:00 GMT")
        } else {
            Reply::ok("hello")
                .header("ETag", "\"v1\"")
                .header("Cache-Control", "max-age=10")
                .header("X-Version", "1")
                .header("Content-Type", "text/plain")
                .header("Date", START_DATE)
        }
    })
    .await;
    let (client, clock) = memory_client();
    let url = origin.url("/page").to_string();
    assert_eq!(fetch(&client, &url, &[]).await.cache, CacheStatus::Stored);
    clock.advance(Duration::from_secs(600));
    let seen = fetch(&client, &url, &[]).await;
    assert_eq!(seen.cache, CacheStatus::Revalidated);
    assert_eq!(seen.status, 200);
    assert_eq!(seen.body, b"hello");
    assert_eq!(seen.headers["x-version"], "2");
    assert_eq!(
        seen.headers["content-type"], "text/plain",
        "the body's type is kept"
    );
    assert_eq!(seen.headers["content-length"], "5");
    assert_eq!(
        seen.headers["date"], "Sat, 28 Nov 2026 08:10:00 GMT",
        "the 304's Date"
    );
    let requests = origin.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("if-none-match"), Some("\"v1\""));
    // The merged max-age=100 now counts from the revalidation.
    clock.advance(Duration::from_secs(50));
    assert_eq!(fetch(&client, &url, &[]).await.cache, CacheStatus::Hit);
}

#[tokio::test]
async fn last_modified_revalidation_sends_it_verbatim() {
    let modified = "Fri, 27 Nov 2026 08:00:00 GMT";
    let origin = TestServer::start(move |request| {
        if request.header("if-modified-since").is_some() {
            Reply::status(304)
        } else {
            Reply::ok("body")
                .header("Last-Modified", modified)
                .header("Cache-Control", "no-cache")
        }
    })
    .await;
    let (client, _clock) = memory_client();
    let url = origin.url("/").to_string();
    fetch(&client, &url, &[]).await;
    assert_eq!(
        fetch(&client, &url, &[]).await.cache,
        CacheStatus::Revalidated
    );
    assert_eq!(
        origin.requests()[1].header("if-modified-since"),
        Some(modified)
    );
}

/// http-cache-semantics does not match a 304 without validators to the stored response;
/// browsers do, and so does this cache.
#[tokio::test]
async fn validator_less_304_updates_the_stored_response() {
    let origin = TestServer::start(|request| {
        if request.header("if-none-match").is_some() {
            Reply::status(304).header("X-Fresh", "yes")
        } else {
            Reply::ok("original")
                .header("ETag", "\"e\"")
                .header("Cache-Control", "no-cache")
        }
    })
    .await;
    let (client, _clock) = memory_client();
    let url = origin.url("/").to_string();
    fetch(&client, &url, &[]).await;
    let seen = fetch(&client, &url, &[]).await;
    assert_eq!(seen.cache, CacheStatus::Revalidated);
    assert_eq!((seen.status, seen.body.as_slice()), (200, &b"original"[..]));
    assert_eq!(seen.headers["x-fresh"], "yes");
    assert_eq!(seen.headers["etag"], "\"e\"");
}

#[tokio::test]
async fn a_304_for_another_etag_is_refetched_unconditionally() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let origin = TestServer::start(move |request| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        if request.header("if-none-match").is_some() {
            Reply::status(304).header("ETag", "\"other\"")
        } else {
            Reply::ok(format!("version {n}"))
                .header("ETag", "\"mine\"")
                .header("Cache-Control", "no-cache")
        }
    })
    .await;
    let (client, _clock) = memory_client();
    let url = origin.url("/").to_string();
    fetch(&client, &url, &[]).await;
    let seen = fetch(&client, &url, &[]).await;
    assert_eq!(seen.cache, CacheStatus::Stored);
    assert_eq!(
        (seen.status, seen.body.as_slice()),
        (200, &b"version 2"[..])
    );
    let requests = origin.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[2].header("if-none-match"), None);
}

/// http-cache-semantics rewrites `Date` with the current time (and not as an IMF-fixdate);
/// RFC 9110 and Chromium keep the origin's.
#[tokio::test]
async fn date_is_never_rewritten_and_no_age_is_added() {
    let origin = TestServer::start(|_| {
        Reply::ok("x")
            .header("Date", "Sat, 28 Nov 2026 07:59:30 GMT")
            .header("Cache-Control", "max-age=3600")
    })
    .await;
    let (client, clock) = memory_client();
    let url = origin.url("/").to_string();
    fetch(&client, &url, &[]).await;
    clock.advance(Duration::from_secs(1800));
    let seen = fetch(&client, &url, &[]).await;
    assert_eq!(seen.cache, CacheStatus::Hit);
    assert_eq!(seen.headers["date"], "Sat, 28 Nov 2026 07:59:30 GMT");
    assert!(!seen.headers.contains_key("age"));
}

#[tokio::test]
async fn set_cookie_is_not_served_from_the_cache() {
    let origin = TestServer::start(|_| {
        Reply::ok("x")
            .header("Set-Cookie", "a=b")
            .header("Cache-Control", "max-age=100")
    })
    .await;
    let (client, _clock) = memory_client();
    let url = origin.url("/").to_string();
    assert_eq!(fetch(&client, &url, &[]).await.headers["set-cookie"], "a=b");
    let seen = fetch(&client, &url, &[]).await;
    assert_eq!(seen.cache, CacheStatus::Hit);
    assert!(!seen.headers.contains_key("set-cookie"));
}

#[tokio::test]
async fn a_304_from_the_cache_has_no_body_framing() {
    let origin = TestServer::start(|_| {
        Reply::ok("hello")
            .header("ETag", "\"a\"")
            .header("Cache-Control", "max-age=100")
    })
    .await;
    let (client, _clock) = memory_client();
    let url = origin.url("/").to_string();
    fetch(&client, &url, &[]).await;
    let seen = fetch(&client, &url, &[("If-None-Match", "\"a\"")]).await;
    assert_eq!((seen.cache, seen.status), (CacheStatus::Hit, 304));
    assert!(seen.body.is_empty());
    assert!(!seen.headers.contains_key("content-length"));
    assert_eq!(seen.headers["etag"], "\"a\"");
    assert_eq!(origin.requests().len(), 1);
}

#[tokio::test]
async fn origin_failure_is_an_error_not_stale_content() {
    let origin = TestServer::start(|_| {
        Reply::ok("x")
            .header("ETag", "\"a\"")
            .header("Cache-Control", "max-age=1, must-revalidate")
    })
    .await;
    let (client, clock) = memory_client();
    let url = origin.url("/").to_string();
    fetch(&client, &url, &[]).await;
    drop(origin);
    tokio::time::sleep(Duration::from_millis(50)).await;
    clock.advance(Duration::from_secs(10));
    let error = client.get(&url).await.unwrap_err();
    assert_eq!(error.net_error(), "net::ERR_FAILED");
}

/// Runs one `update304.txt` case: stores the 200, revalidates it with the 304, and returns
/// what the served response carries for the header.
async fn update_304(name: &str, stored: &str, not_modified: &str) -> String {
    let (name, stored, not_modified) = (
        name.to_owned(),
        (stored != "-").then(|| stored.to_owned()),
        (not_modified != "-").then(|| not_modified.to_owned()),
    );
    let header = name.clone();
    let origin = TestServer::start(move |request| {
        let (mut reply, value) = if request.header("if-none-match").is_some() {
            (Reply::status(304), &not_modified)
        } else {
            (
                Reply::ok("body").header("Cache-Control", "no-cache"),
                &stored,
            )
        };
        reply = reply.header("ETag", "\"t\"");
        match value {
            Some(value) => reply.header(&header, value),
            None => reply,
        }
    })
    .await;
    let (client, _clock) = memory_client();
    let url = origin.url("/").to_string();
    fetch(&client, &url, &[]).await;
    let seen = fetch(&client, &url, &[]).await;
    if (seen.cache, seen.status, seen.body.as_slice()) != (CacheStatus::Revalidated, 200, b"body") {
        return format!("not revalidated: {} {}", seen.cache, seen.status);
    }
    let values: Vec<&str> = seen
        .headers
        .get_all(name.as_str())
        .iter()
        .map(|value| value.to_str().unwrap())
        .collect();
    if values.is_empty() {
        "absent".to_owned()
    } else {
        values.join(", ")
    }
}

#[test]
fn update_304_table() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let run = |case: &Case<'_>| {
        let (stored, not_modified) = case.arg.split_once(" | ").unwrap();
        runtime.block_on(update_304(&case.input, stored, not_modified))
    };
    let cases = check(&data, "update304.txt", run);
    assert!(cases >= 25, "the table lost cases");
}
