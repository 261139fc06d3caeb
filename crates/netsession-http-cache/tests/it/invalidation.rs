//! Invalidation by unsafe methods (RFC 9111 section 4.4).

use netsession_http_cache::CacheStatus;
use netsession_test_support::{Reply, TestServer};

use crate::{fetch, fetch_method, memory_client};

async fn origin() -> TestServer {
    TestServer::start(|request| match request.method.as_str() {
        "GET" | "HEAD" => Reply::ok("content").header("Cache-Control", "max-age=3600"),
        _ if request.target == "/fail" => Reply::status(500),
        _ => Reply::status(201)
            .header("Location", "/created")
            .header("Content-Location", "/described"),
    })
    .await
}

#[tokio::test]
async fn a_successful_post_invalidates_its_url_location_and_content_location() {
    let origin = origin().await;
    let (client, _clock) = memory_client();
    let urls: Vec<String> = ["/target", "/created", "/described", "/other"]
        .iter()
        .map(|path| origin.url(path).to_string())
        .collect();
    for url in &urls {
        assert_eq!(fetch(&client, url, &[]).await.cache, CacheStatus::Stored);
    }
    let posted = fetch_method(&client, "POST", &urls[0], &[]).await;
    assert_eq!((posted.cache, posted.status), (CacheStatus::Miss, 201));
    for url in &urls[..3] {
        assert_eq!(
            fetch(&client, url, &[]).await.cache,
            CacheStatus::Stored,
            "{url}"
        );
    }
    assert_eq!(fetch(&client, &urls[3], &[]).await.cache, CacheStatus::Hit);
}

#[tokio::test]
async fn put_delete_and_unknown_methods_invalidate_but_safe_ones_do_not() {
    let origin = origin().await;
    let (client, _clock) = memory_client();
    let url = origin.url("/r").to_string();
    for method in ["PUT", "DELETE", "PATCH", "FROB"] {
        fetch(&client, &url, &[]).await;
        fetch_method(&client, method, &url, &[]).await;
        assert_eq!(
            fetch(&client, &url, &[]).await.cache,
            CacheStatus::Stored,
            "{method}"
        );
    }
    for method in ["HEAD", "OPTIONS", "M-SEARCH"] {
        fetch_method(&client, method, &url, &[]).await;
        assert_eq!(
            fetch(&client, &url, &[]).await.cache,
            CacheStatus::Hit,
            "{method}"
        );
    }
}

#[tokio::test]
async fn a_failed_post_does_not_invalidate() {
    let origin = origin().await;
    let (client, _clock) = memory_client();
    let url = origin.url("/fail").to_string();
    fetch(&client, &url, &[]).await;
    assert_eq!(fetch_method(&client, "POST", &url, &[]).await.status, 500);
    assert_eq!(fetch(&client, &url, &[]).await.cache, CacheStatus::Hit);
}

#[tokio::test]
async fn other_origins_in_location_are_not_invalidated() {
    let other =
        TestServer::start(|_| Reply::ok("other").header("Cache-Control", "max-age=3600")).await;
    let other_url = other.url("/x").to_string();
    let location = other_url.clone();
    let origin = TestServer::start(move |request| match request.method.as_str() {
        "GET" => Reply::ok("content").header("Cache-Control", "max-age=3600"),
        _ => Reply::status(200).header("Location", &location),
    })
    .await;
    let (client, _clock) = memory_client();
    fetch(&client, &other_url, &[]).await;
    fetch_method(&client, "POST", origin.url("/").as_str(), &[]).await;
    assert_eq!(
        fetch(&client, &other_url, &[]).await.cache,
        CacheStatus::Hit
    );
}
