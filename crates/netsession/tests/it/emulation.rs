//! Network emulation through the pipeline, on tokio's paused clock.

use std::time::Duration;

use netsession::{NetworkConditions, SessionOptions, Sessions};
use netsession_test_support::{Reply, TestServer};
use tokio::time::Instant;

use crate::TempDir;

use crate::get;

#[test]
fn conditions_are_per_session() {
    let dir = TempDir::new("emulation");
    let sessions = Sessions::new(dir.path());
    let a = sessions
        .from_partition("a", SessionOptions::default())
        .unwrap();
    let b = sessions
        .from_partition("b", SessionOptions::default())
        .unwrap();
    let offline = NetworkConditions {
        offline: true,
        ..NetworkConditions::default()
    };
    a.enable_network_emulation(offline);
    assert_eq!(a.network_conditions(), Some(offline));
    assert_eq!(b.network_conditions(), None);
    a.disable_network_emulation();
    assert_eq!(a.network_conditions(), None);
}

// On a paused clock, tokio jumps to the next timer whenever the runtime would wait (also
// while it waits for loopback I/O), so the elapsed time is exactly the time the session
// chose to wait.

#[tokio::test(start_paused = true)]
async fn latency_is_added_to_each_request() {
    let dir = TempDir::new("emulation-latency");
    let session = Sessions::new(dir.path())
        .from_partition("latency", SessionOptions::default().cache(false))
        .unwrap();
    let origin = TestServer::serving("ok").await;
    session.enable_network_emulation(NetworkConditions {
        latency: Duration::from_millis(300),
        ..NetworkConditions::default()
    });
    let started = Instant::now();
    for _ in 0..3 {
        let response = session.fetch(get(origin.url("/").as_str())).await.unwrap();
        assert_eq!(response.text().await.unwrap(), "ok");
    }
    assert_eq!(started.elapsed(), Duration::from_millis(900));

    session.disable_network_emulation();
    let started = Instant::now();
    session.fetch(get(origin.url("/").as_str())).await.unwrap();
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn download_throughput_paces_the_body() {
    let dir = TempDir::new("emulation-download");
    let session = Sessions::new(dir.path())
        .from_partition("download", SessionOptions::default().cache(false))
        .unwrap();
    let origin = TestServer::start(|_| Reply::ok(vec![b'x'; 50_000])).await;
    session.enable_network_emulation(NetworkConditions {
        download_throughput: 10_000,
        ..NetworkConditions::default()
    });
    let started = Instant::now();
    let body = session
        .fetch(get(origin.url("/big").as_str()))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.len(), 50_000);
    // 50,000 bytes at 10,000 per second; the first chunk passes at once.
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(4) && elapsed <= Duration::from_secs(5),
        "{elapsed:?}"
    );

    // Zero is unlimited.
    session.enable_network_emulation(NetworkConditions::default());
    let started = Instant::now();
    session
        .fetch(get(origin.url("/big").as_str()))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn upload_throughput_paces_the_request_body() {
    let dir = TempDir::new("emulation-upload");
    let session = Sessions::new(dir.path())
        .from_partition("upload", SessionOptions::default().cache(false))
        .unwrap();
    let origin = TestServer::serving("ok").await;
    session.enable_network_emulation(NetworkConditions {
        upload_throughput: 1_000,
        ..NetworkConditions::default()
    });
    let mut request = reqwest::Request::new(reqwest::Method::POST, origin.url("/up"));
    *request.body_mut() = Some(reqwest::Body::from(vec![b'y'; 3_000]));
    let started = Instant::now();
    session.fetch(request).await.unwrap();
    // 3,000 bytes at 1,000 per second (a fresh bucket has no burst saved up).
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    assert_eq!(origin.requests()[0].body.len(), 3_000);
}

#[tokio::test]
async fn offline_fails_but_the_cache_still_answers() {
    let dir = TempDir::new("emulation-offline");
    let session = Sessions::new(dir.path())
        .from_partition("offline", SessionOptions::default())
        .unwrap();
    let origin = TestServer::start(|request| match request.target.as_str() {
        "/cached" => Reply::ok("kept").header("Cache-Control", "max-age=600"),
        _ => Reply::ok("fresh"),
    })
    .await;
    let first = session
        .fetch(get(origin.url("/cached").as_str()))
        .await
        .unwrap();
    assert_eq!(first.text().await.unwrap(), "kept");
    session.enable_network_emulation(NetworkConditions {
        offline: true,
        ..NetworkConditions::default()
    });
    let error = session
        .fetch(get(origin.url("/other").as_str()))
        .await
        .unwrap_err();
    assert_eq!(error.name(), "net::ERR_INTERNET_DISCONNECTED");
    assert_eq!(error.code(), -106);
    let cached = session
        .fetch(get(origin.url("/cached").as_str()))
        .await
        .unwrap();
    assert_eq!(cached.text().await.unwrap(), "kept");
    assert_eq!(origin.requests().len(), 1);
}
